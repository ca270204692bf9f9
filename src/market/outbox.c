/*
 * outbox.c — draining the outbox: claim, call, mark; one row at a time, each step its
 * own transaction so that no database lock is held across a network call.
 *
 *   claim   attempts + 1, next_at = now + lease (a crashed drainer's row comes due
 *           again when the lease runs out; a live one's row is not taken by another)
 *   call    through market_call (bucket, retries with backoff on transient errors)
 *   done    done_at, the order's tracking_no and an audit record, in one transaction
 *   failed  last_error, next_at = now + backoff; a FATAL error (signature, parameter)
 *           is never retried: next_at = OUTBOX_NEVER, the row stays with its error
 *
 * Idempotency. The call can succeed and the done mark be lost (a crash or a lost answer
 * in between). Two guards keep a parcel from being shipped twice:
 *   1. A row claimed before (attempts > 0 at claim) first asks the platform whether the
 *      order already has a tracking number (get_tracking_number); if it has, the earlier
 *      call went through and the row is marked done without calling ship_order.
 *   2. ship_order's own refusal of an order shipped already (the platform's "already
 *      shipped" error, shopee_parse_ship) counts as success and the tracking number is
 *      fetched; this also covers a retry inside market_call after a dropped answer, and
 *      a platform that gives tracking numbers late.
 * Only ready_to_ship rows are drained here (a ship call per row); other kinds wait for
 * their channel code.
 */
#include "outbox.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel.h"
#include "core/audit.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "shopee.h"

#define KIND_SHIP "ready_to_ship"

static const struct retry_policy default_policy = {
	.max_attempts = 4,
	.base_ms = 200,
	.cap_ms = 5000,
	.quota_utc_offset = 8 * 3600,
};

/* A channel's ship call: MC_OK with tn (maybe "") when the order is shipped, by this
 * call or an earlier one; recheck asks the platform first. */
typedef enum market_class (*ship_fn)(const struct market_call_env *env,
    const struct market_creds *creds, const char *order_no, int recheck, char *tn,
    size_t tnlen, struct market_error *err);

static enum market_class ship_shopee(const struct market_call_env *env,
    const struct market_creds *creds, const char *order_no, int recheck, char *tn,
    size_t tnlen, struct market_error *err);

static const struct {
	const char *channel;
	ship_fn ship;
} ship_table[] = {
	{ "shopee", ship_shopee },
	{ NULL, NULL },
};

static ship_fn
ship_find(const char *channel)
{
	size_t i;

	for (i = 0; channel != NULL && ship_table[i].channel != NULL; i++) {
		if (strcmp(ship_table[i].channel, channel) == 0)
			return ship_table[i].ship;
	}
	return NULL;
}

int
outbox_supported(const char *channel)
{
	return ship_find(channel) != NULL;
}

static int64_t
wall(const struct market_call_env *env)
{
	return env->wall_s != NULL ? env->wall_s(env->wall_ctx) : (int64_t)time(NULL);
}

/* ------------------------------------------------------------------ Shopee */

static enum market_class
shopee_tracking(const struct market_call_env *env, const struct market_creds *creds,
    const char *order_no, char *tn, size_t tnlen, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	if (shopee_tracking_request(creds, order_no, wall(env), &r, err->msg,
	    sizeof err->msg) < 0)
		return err->cls = MC_FATAL;
	cls = market_call(env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = shopee_parse_tracking(resp.http, resp.body, resp.len, tn, tnlen, err);
	transport_resp_free(&resp);
	request_free(&r);
	return cls;
}

static enum market_class
ship_shopee(const struct market_call_env *env, const struct market_creds *creds,
    const char *order_no, int recheck, char *tn, size_t tnlen, struct market_error *err)
{
	struct shopee_ship sh = { .order_sn = order_no, .mode = SHOPEE_DROPOFF };
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;
	int already = 0;

	tn[0] = '\0';
	if (recheck) {
		cls = shopee_tracking(env, creds, order_no, tn, tnlen, err);
		if (cls == MC_OK && tn[0] != '\0')
			return MC_OK;
		/* Unknown to the platform (FATAL) or not shipped: ship_order says more. */
		if (cls != MC_OK && cls != MC_FATAL)
			return cls;
	}
	if (shopee_ship_request(creds, &sh, wall(env), &r, err->msg, sizeof err->msg) < 0)
		return err->cls = MC_FATAL;
	cls = market_call(env, &r, &resp, err, NULL);
	if ((cls == MC_OK || cls == MC_FATAL) && resp.http != 0)
		cls = shopee_parse_ship(resp.http, resp.body, resp.len, &already, err);
	transport_resp_free(&resp);
	request_free(&r);
	if (cls != MC_OK)
		return cls;
	/* Shipped (now or before): a failure to read the number leaves the row for a retry,
	 * whose recheck finds the order shipped. */
	return shopee_tracking(env, creds, order_no, tn, tnlen, err);
}

/* ------------------------------------------------------------------ rows */

struct row {
	int64_t id, order_id, attempts;     /* attempts before this claim */
	char *payload;
};

/* Claim row id when still due: 1 claimed, 0 taken by someone else, negative on error. */
static int
claim(struct session *s, int64_t id, int64_t now, int64_t lease, struct row *row)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	st = db_prep(s->db, "SELECT coalesce(order_id, 0), payload, attempts FROM outbox "
	    "WHERE id = ? AND done_at IS NULL AND next_at <= ?");
	if (st == NULL) {
		rc = DB_ERR;
		goto fail;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now);
	rc = db_step(st);
	if (rc == DB_ROW) {
		row->id = id;
		row->order_id = db_col_int(st, 0);
		row->payload = xstrdup(db_col_text(st, 1));
		row->attempts = db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		goto fail;
	if (rc == DB_DONE)
		return db_commit(s->db) == 0 ? 0 : DB_ERR;
	rc = db_run(s->db, "UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ?",
	    "ii", now + lease, id);
	if (rc != 0)
		goto fail;
	if ((rc = db_commit(s->db)) != 0)
		return rc;
	return 1;
fail:
	db_rollback(s->db);
	return rc;
}

static int
mark_done(struct session *s, const struct row *row, const char *order_no, const char *tn,
    int64_t now)
{
	json_t *after;
	char *text;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	rc = db_run(s->db, "UPDATE outbox SET done_at = ?, last_error = NULL WHERE id = ?", "ii",
	    now, row->id);
	if (rc == 0 && tn[0] != '\0' && row->order_id > 0)
		rc = db_run(s->db, "UPDATE orders SET tracking_no = ? WHERE id = ?", "si", tn,
		    row->order_id);
	if (rc == 0 && row->order_id > 0) {
		after = json_pack("{s:s, s:s, s:I}", "order_no", order_no, "tracking_no", tn,
		    "outbox", (json_int_t)row->id);
		if (after == NULL || (text = json_dumps(after, JSON_COMPACT)) == NULL)
			abort();
		json_decref(after);
		rc = audit_log(s, "order", row->order_id, "ship", "", text);
		free(text);
	}
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db);
}

static int64_t
backoff(const struct outbox_opts *o, int64_t attempts)
{
	int64_t base = o->backoff_base_s > 0 ? o->backoff_base_s : 10;
	int64_t max = o->backoff_max_s > 0 ? o->backoff_max_s : 300, d = base;

	while (--attempts > 0 && d < max)
		d *= 2;
	return d < max ? d : max;
}

static int
mark_failed(struct session *s, const struct outbox_opts *o, const struct row *row,
    const struct market_error *err, int64_t now)
{
	char msg[sizeof err->msg + 16];
	int64_t next;

	if (err->cls == MC_FATAL)
		next = OUTBOX_NEVER;
	else
		next = now + backoff(o, row->attempts + 1);
	snprintf(msg, sizeof msg, "%s: %s", market_class_name(err->cls), err->msg);
	return db_run(s->db, "UPDATE outbox SET last_error = ?, next_at = ? WHERE id = ? AND "
	    "done_at IS NULL", "sii", msg, next, row->id);
}

/* The order number a ready_to_ship payload names; NULL with err filled. */
static char *
payload_order(const char *payload, struct market_error *err)
{
	json_t *root = json_loads(payload, 0, NULL);
	const char *no = json_string_value(json_object_get(root, "order_no"));
	char *out = NULL;

	if (no != NULL && no[0] != '\0')
		out = xstrdup(no);
	else
		market_error_set(err, MC_FATAL, "", "outbox: payload without order_no");
	json_decref(root);
	return out;
}

/* One row: 1 done, 0 not ours any more, 2 failed (err filled), negative db error. */
static int
drain_row(struct session *s, const struct market_call_env *env, ship_fn ship,
    const struct market_creds *creds, const struct outbox_opts *o, int64_t id,
    struct market_error *err)
{
	struct row row = { 0 };
	char tn[64] = "", *order_no;
	enum market_class cls;
	int64_t now = wall(env);
	int rc;

	rc = claim(s, id, now, o->lease_s > 0 ? o->lease_s : 120, &row);
	if (rc <= 0)
		return rc;
	memset(err, 0, sizeof *err);
	if ((order_no = payload_order(row.payload, err)) == NULL)
		cls = MC_FATAL;
	else
		cls = ship(env, creds, order_no, row.attempts > 0, tn, sizeof tn, err);
	now = wall(env);
	if (cls == MC_OK)
		rc = mark_done(s, &row, order_no, tn, now);
	else
		rc = mark_failed(s, o, &row, err, now);
	free(order_no);
	free(row.payload);
	if (rc != 0)
		return rc;
	return cls == MC_OK ? 1 : 2;
}

int
outbox_drain(struct session *s, const struct market_creds *creds, struct transport *t,
    const struct outbox_opts *o, struct outbox_counts *counts, struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct outbox_counts local;
	const struct channel *ch = channel_find(o->channel);
	struct market_error one;
	struct db_stmt *st;
	int64_t shop_id, *ids = NULL, now;
	size_t n = 0, cap = 0, i;
	ship_fn ship = ship_find(o->channel);
	int rc, failed = 0;

	if (counts == NULL)
		counts = &local;
	memset(counts, 0, sizeof *counts);
	memset(err, 0, sizeof *err);
	if (ch == NULL || ship == NULL) {
		market_error_set(err, MC_FATAL, "", "outbox: no ship call for channel %s",
		    o->channel ? o->channel : "(none)");
		return DB_EINVAL;
	}
	if (o->env != NULL)
		env = *o->env;
	if (env.policy == NULL)
		env.policy = &default_policy;
	env.transport = t;
	env.conn = ch->conn;

	rc = db_int(s->db, &shop_id, "SELECT id FROM shop WHERE channel = ? AND shop_code = ?",
	    "ss", o->channel, o->shop);
	if (rc == DB_ENOTFOUND)
		return 0;                       /* never pulled: nothing owed */
	if (rc != 0)
		goto dberr;

	now = wall(&env);
	st = db_prep(s->db, "SELECT id FROM outbox WHERE shop_id = ? AND kind = '" KIND_SHIP
	    "' AND done_at IS NULL AND next_at <= ? ORDER BY next_at, id");
	if (st == NULL) {
		rc = DB_ERR;
		goto dberr;
	}
	db_bind_int(st, 1, shop_id);
	db_bind_int(st, 2, now);
	while ((rc = db_step(st)) == DB_ROW) {
		if (o->limit > 0 && n >= (size_t)o->limit)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc < 0)
		goto dberr;

	for (i = 0; i < n; i++) {
		rc = drain_row(s, &env, ship, creds, o, ids[i], &one);
		if (rc < 0)
			goto dberr;
		if (rc == 1)
			counts->sent++;
		if (rc == 2 && counts->failed++ == 0)
			*err = one;
	}
	failed = counts->failed > 0;
	free(ids);
	ids = NULL;
	rc = db_int(s->db, &counts->pending, "SELECT count(*) FROM outbox WHERE shop_id = ? AND "
	    "done_at IS NULL", "i", shop_id);
	if (rc == 0)
		rc = db_int(s->db, &counts->dead, "SELECT count(*) FROM outbox WHERE shop_id = ? "
		    "AND done_at IS NULL AND next_at = ?", "ii", shop_id, (int64_t)OUTBOX_NEVER);
	if (rc != 0)
		goto dberr;
	return failed;
dberr:
	free(ids);
	market_error_set(err, MC_FATAL, "", "%s: outbox: database: %s", o->channel,
	    db_errmsg(s->db));
	return rc < 0 ? rc : DB_ERR;
}

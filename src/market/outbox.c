/*
 * outbox.c — draining the outbox: claim, call, mark; one row at a time, each step its
 * own transaction so that no database lock is held across a network call.
 *
 *   claim   attempts + 1, next_at = now + lease (a crashed drainer's row comes due
 *           again when the lease runs out; a live one's row is not taken by another)
 *   call    the channel's ops row (ops.h) for the row's kind: ready_to_ship -> ship,
 *           cancel -> cancel; through market_call (bucket, retries with backoff)
 *   done    done_at, the order's tracking_no (ship) and an audit record, in one
 *           transaction
 *   failed  last_error, next_at = now + backoff; a FATAL error (signature, parameter)
 *           is never retried: next_at = OUTBOX_NEVER, the row stays with its error
 *
 * A row whose channel has no ops row, or whose row lacks the call its kind needs, is
 * not claimed: it keeps its place, gets a last_error that says so and is looked at
 * again after backoff_max_s. Nothing owed is dropped.
 *
 * Idempotency. The call can succeed and the done mark be lost (a crash or a lost answer
 * in between). A row claimed before (attempts > 0 at claim) is passed to ship with
 * recheck set: the channel's ship asks the platform first whether the order is shipped
 * already and does not ship it twice; its own "already shipped" refusal also counts as
 * success. A cancel is idempotent by contract (cancelled already is MC_OK).
 */
#include "outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "core/audit.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "ops_util.h"

int
outbox_supported(const char *channel)
{
	return ops_find(channel) != NULL;
}

/* ------------------------------------------------------------------ rows */

struct row {
	int64_t id, order_id, attempts;     /* attempts before this claim */
	int64_t part;                       /* a split order's part the payload is for, or 0 */
	char *payload;
	char kind[32];
};

/* The integer field name of a payload (0 when absent). */
static int64_t
payload_int(const char *payload, const char *name)
{
	json_t *root = json_loads(payload, 0, NULL);
	int64_t v = (int64_t)json_integer_value(json_object_get(root, name));

	json_decref(root);
	return v;
}

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
		row->part = payload_int(row->payload, "part");
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
	int ship = strcmp(row->kind, OUTBOX_SHIP) == 0;
	json_t *after;
	char *text;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	rc = db_run(s->db, "UPDATE outbox SET done_at = ?, last_error = NULL WHERE id = ?", "ii",
	    now, row->id);
	/* Every order keeps the number its own call gave: one merged into another's parcel
	 * owes a row of its own (core/pack.c owe_ship); a split order's part (payload
	 * "part", core/pack.h) puts its own on its packages. */
	if (rc == 0 && ship && tn[0] != '\0' && row->order_id > 0)
		rc = db_run(s->db, "UPDATE orders SET tracking_no = ? WHERE id = ?", "si", tn,
		    row->order_id);
	if (rc == 0 && ship && tn[0] != '\0' && row->order_id > 0 && row->part > 0)
		rc = db_run(s->db, "UPDATE package SET tracking_no = ? WHERE order_id = ? AND "
		    "part_no = ?", "sii", tn, row->order_id, row->part);
	if (rc == 0 && row->order_id > 0) {
		if (ship)
			after = json_pack("{s:s, s:s, s:I}", "order_no", order_no, "tracking_no",
			    tn, "outbox", (json_int_t)row->id);
		else
			after = json_pack("{s:s, s:I}", "order_no", order_no, "outbox",
			    (json_int_t)row->id);
		if (after == NULL || (text = json_dumps(after, JSON_COMPACT)) == NULL)
			abort();
		json_decref(after);
		rc = audit_log(s, "order", row->order_id, ship ? "ship" : "market_cancel", "",
		    text);
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
	return ops_backoff(o->backoff_base_s > 0 ? o->backoff_base_s : 10,
	    o->backoff_max_s > 0 ? o->backoff_max_s : 300, attempts);
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

/* A row its channel has no call for: it stays owed, looked at again later. */
static int
park(struct session *s, const struct outbox_opts *o, int64_t id, const char *kind,
    int64_t now, struct market_error *err)
{
	market_error_set(err, MC_FATAL, "unsupported", "%s has no %s call yet; the row stays "
	    "owed", o->channel, kind);
	return db_run(s->db, "UPDATE outbox SET last_error = ?, next_at = ? WHERE id = ? AND "
	    "done_at IS NULL", "sii", err->msg, now + backoff(o, 99), id);
}

/* The string field name of a payload (NULL when absent); caller frees. */
static char *
payload_str(const char *payload, const char *name)
{
	json_t *root = json_loads(payload, 0, NULL);
	const char *v = json_string_value(json_object_get(root, name));
	char *out = v != NULL ? xstrdup(v) : NULL;

	json_decref(root);
	return out;
}

/* One claimed row's call: its class, tn filled by a ship. */
static enum market_class
call_row(const struct market_call_env *env, const struct market_ops *ops,
    const struct market_creds *creds, const struct row *row, const char *order_no,
    char *tn, size_t tnlen, struct market_error *err)
{
	char *reason;
	enum market_class cls;

	if (strcmp(row->kind, OUTBOX_SHIP) == 0)
		return ops->ship(env, creds, order_no, row->payload, row->attempts > 0, tn, tnlen,
		    err);
	reason = payload_str(row->payload, "reason");
	cls = ops->cancel(env, creds, order_no, reason != NULL ? reason : "", err);
	free(reason);
	return cls;
}

/* One row: 1 done, 0 not ours any more, 2 failed (err filled), negative db error. */
static int
drain_row(struct session *s, const struct market_call_env *env,
    const struct market_ops *ops, const struct market_creds *creds,
    const struct outbox_opts *o, int64_t id, const char *kind, struct market_error *err)
{
	struct row row = { 0 };
	char tn[64] = "", *order_no;
	enum market_class cls;
	int64_t now = ops_wall(env);
	int rc;

	memset(err, 0, sizeof *err);
	if (ops == NULL || (strcmp(kind, OUTBOX_SHIP) == 0 && ops->ship == NULL) ||
	    (strcmp(kind, OUTBOX_CANCEL) == 0 && ops->cancel == NULL) ||
	    (strcmp(kind, OUTBOX_SHIP) != 0 && strcmp(kind, OUTBOX_CANCEL) != 0)) {
		rc = park(s, o, id, kind, now, err);
		return rc != 0 ? rc : 2;
	}
	rc = claim(s, id, now, o->lease_s > 0 ? o->lease_s : 120, &row);
	if (rc <= 0)
		return rc;
	snprintf(row.kind, sizeof row.kind, "%s", kind);
	if ((order_no = payload_str(row.payload, "order_no")) == NULL || order_no[0] == '\0') {
		market_error_set(err, MC_FATAL, "", "outbox: payload without order_no");
		cls = MC_FATAL;
	} else
		cls = call_row(env, ops, creds, &row, order_no, tn, sizeof tn, err);
	now = ops_wall(env);
	if (cls == MC_OK)
		rc = mark_done(s, &row, order_no, tn, now);
	else if (env->cancelled != NULL && env->cancelled(env->cancel_ctx))
		/* Stopped mid-call: due again at once, not after the claim's lease or a
		 * backoff (the attempt stays counted, so the next one asks the channel first). */
		rc = db_run(s->db, "UPDATE outbox SET next_at = ? WHERE id = ? AND done_at IS NULL",
		    "ii", now, row.id);
	else
		rc = mark_failed(s, o, &row, err, now);
	free(order_no);
	free(row.payload);
	if (rc != 0)
		return rc;
	return cls == MC_OK ? 1 : 2;
}

struct due {
	int64_t id;
	char kind[32];
};

int
outbox_drain(struct session *s, const struct market_creds *creds, struct transport *t,
    const struct outbox_opts *o, struct outbox_counts *counts, struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct outbox_counts local;
	const struct market_ops *ops = o->ops != NULL ? o->ops : ops_find(o->channel);
	struct market_error one;
	struct db_stmt *st;
	struct due *due = NULL;
	int64_t shop_id, now;
	size_t n = 0, cap = 0, i;
	int rc, failed = 0;

	if (counts == NULL)
		counts = &local;
	memset(counts, 0, sizeof *counts);
	memset(err, 0, sizeof *err);
	if ((rc = ops_run_env(&env, o->env, t, "outbox", o->channel, err)) != 0)
		return rc;

	rc = ops_shop_id(s, o->channel, o->shop, 0, &shop_id);
	if (rc == DB_ENOTFOUND)
		return 0;                       /* never pulled: nothing owed */
	if (rc != 0)
		goto dberr;

	now = ops_wall(&env);
	st = db_prep(s->db, "SELECT id, kind FROM outbox WHERE shop_id = ? AND done_at IS NULL "
	    "AND next_at <= ? ORDER BY next_at, id");
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
			due = xrealloc(due, cap * sizeof *due);
		}
		due[n].id = db_col_int(st, 0);
		snprintf(due[n].kind, sizeof due[n].kind, "%s", db_col_text(st, 1));
		n++;
	}
	db_done(st);
	if (rc < 0)
		goto dberr;

	for (i = 0; i < n; i++) {
		/* Stopping (SIGTERM): the rest stay due as they are, not each claimed and
		 * failed "stopped before the call" with a backoff and one attempt more. */
		if (env.cancelled != NULL && env.cancelled(env.cancel_ctx))
			break;
		rc = drain_row(s, &env, ops, creds, o, due[i].id, due[i].kind, &one);
		if (rc < 0)
			goto dberr;
		if (rc == 1)
			counts->sent++;
		if (rc == 2 && counts->failed++ == 0)
			*err = one;
	}
	failed = counts->failed > 0;
	free(due);
	due = NULL;
	rc = db_int(s->db, &counts->pending, "SELECT count(*) FROM outbox WHERE shop_id = ? AND "
	    "done_at IS NULL", "i", shop_id);
	if (rc == 0)
		rc = db_int(s->db, &counts->dead, "SELECT count(*) FROM outbox WHERE shop_id = ? "
		    "AND done_at IS NULL AND next_at = ?", "ii", shop_id, (int64_t)OUTBOX_NEVER);
	if (rc != 0)
		goto dberr;
	return failed;
dberr:
	free(due);
	market_error_set(err, MC_FATAL, "", "%s: outbox: database: %s", o->channel,
	    db_errmsg(s->db));
	return rc < 0 ? rc : DB_ERR;
}

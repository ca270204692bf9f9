/*
 * finance.c — settlements: which orders are due a fetch, the fetch through the
 * channel's ops row, and the store (see finance.h).
 *
 * Like the outbox drain, each order is claim, call, store; each step its own
 * transaction and no database lock held across the network call. The claim (settlement
 * row's next_at = now + lease) keeps two processes from asking for the same order at
 * once; a fetch is read-only at the platform, so a repeat after a crash costs a call.
 */
#include "finance.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "core/audit.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "ops_util.h"

#define NEVER INT64_MAX             /* next_at of a final settlement */

/* Orders due a fetch: a settlement row (made when the order was delivered or
 * completed, core/order.c), not final, time come; by the index settlement_due. */
#define DUE_WHERE \
	"FROM settlement st JOIN orders o ON o.id = st.order_id " \
	"WHERE st.shop_id = ? AND st.final = 0 AND st.next_at <= ?"

/* ------------------------------------------------------------------ store */

/* Lines and net amount of the order's stored settlement, as audit JSON. */
static int
summary(struct session *s, int64_t order_id, const char *extra, char *out, size_t len)
{
	int64_t lines = 0, net = 0;
	int rc;

	rc = db_int(s->db, &lines, "SELECT count(*) FROM settlement_fee WHERE order_id = ?",
	    "i", order_id);
	if (rc == 0)
		rc = db_int(s->db, &net, "SELECT coalesce(sum(amount), 0) FROM settlement_fee "
		    "WHERE order_id = ?", "i", order_id);
	snprintf(out, len, "{\"lines\":%" PRId64 ",\"net\":%" PRId64 "%s}", lines, net, extra);
	return rc;
}

/* Currency codes are three letters; anything else is not stored as one. */
static int
currency_ok(const char *c)
{
	return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' &&
	    c[2] >= 'A' && c[2] <= 'Z';
}

static int
store(struct session *s, int64_t order_id, const struct market_settlement *ms,
    int64_t now, int64_t again_at)
{
	struct db_stmt *st;
	char currency[8] = "", before[128], after[192], extra[64];
	int64_t shop_id = 0, final = 0;
	size_t i;
	int rc;

	st = db_prep(s->db, "SELECT o.shop_id, o.currency, coalesce(st.final, 0) FROM orders o "
	    "LEFT JOIN settlement st ON st.order_id = o.id WHERE o.id = ?");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, order_id);
	if ((rc = db_step(st)) == DB_ROW) {
		shop_id = db_col_int(st, 0);
		snprintf(currency, sizeof currency, "%s", db_col_text(st, 1));
		final = db_col_int(st, 2);
	}
	db_done(st);
	if (rc == DB_DONE)
		return session_fail(s, DB_ENOTFOUND, "settlement: no order %" PRId64, order_id);
	if (rc < 0)
		return rc;
	if (final)
		return 0;                       /* final lines are never replaced */
	if (ms->currency[0] != '\0') {
		if (!currency_ok(ms->currency))
			return session_fail(s, DB_EINVAL, "settlement of %s: currency '%s' is not "
			    "an ISO 4217 code", ms->order_no, ms->currency);
		snprintf(currency, sizeof currency, "%s", ms->currency);
	}

	if ((rc = summary(s, order_id, "", before, sizeof before)) != 0)
		return rc;
	rc = db_run(s->db, "DELETE FROM settlement_fee WHERE order_id = ? AND final = 0", "i",
	    order_id);
	for (i = 0; rc == 0 && i < ms->n; i++) {
		rc = db_run(s->db, "INSERT INTO settlement_fee(shop_id, order_id, fee_type, "
		    "amount, currency, final, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
		    "ON CONFLICT(shop_id, order_id, fee_type) DO UPDATE SET "
		    "amount = settlement_fee.amount + excluded.amount", "iisisii", shop_id,
		    order_id, ms->fees[i].type[0] != '\0' ? ms->fees[i].type : "unknown",
		    ms->fees[i].amount, currency, (int64_t)(ms->final != 0), now);
	}
	if (rc == 0)
		rc = db_run(s->db, "INSERT INTO settlement(order_id, shop_id, currency, final, "
		    "fetched_at, attempts, next_at) VALUES (?, ?, ?, ?, ?, 0, ?) "
		    "ON CONFLICT(order_id) DO UPDATE SET currency = excluded.currency, "
		    "final = excluded.final, fetched_at = excluded.fetched_at, attempts = 0, "
		    "next_at = excluded.next_at, last_error = NULL", "iisiii", order_id, shop_id,
		    currency, (int64_t)(ms->final != 0), now, ms->final ? NEVER : again_at);
	if (rc != 0)
		return rc;
	snprintf(extra, sizeof extra, ",\"currency\":\"%s\",\"final\":%s", currency,
	    ms->final ? "true" : "false");
	if ((rc = summary(s, order_id, extra, after, sizeof after)) != 0)
		return rc;
	return audit_log(s, "order", order_id, "settlement", before, after);
}

int
finance_store(struct session *s, int64_t order_id, const struct market_settlement *ms,
    int64_t now, int64_t again_at)
{
	int rc;

	if ((rc = session_require(s, ROLE_SYSTEM, "store a settlement")) != 0)
		return rc;
	s->err[0] = '\0';
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "settlement: %s", db_errmsg(s->db));
	if ((rc = store(s, order_id, ms, now, again_at)) != 0) {
		if (s->err[0] == '\0' || rc == DB_ERR)
			session_fail(s, rc, "settlement of order %" PRId64 ": %s", order_id,
			    db_errmsg(s->db));
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "settlement: %s", db_errmsg(s->db));
	return 0;
}

/* ------------------------------------------------------------------ fetch */

struct due {
	int64_t id;
	char order_no[64];
};

/* Claim the order's fetch: 1 claimed, 0 someone else has it or it is final now. */
static int
claim(struct session *s, int64_t shop_id, int64_t order_id, int64_t now, int64_t lease,
    int64_t *attempts)
{
	int rc;

	rc = db_run(s->db, "INSERT INTO settlement(order_id, shop_id, attempts, next_at) "
	    "VALUES (?, ?, 1, ?) ON CONFLICT(order_id) DO UPDATE SET next_at = excluded.next_at, "
	    "attempts = settlement.attempts + 1 WHERE settlement.final = 0 AND "
	    "settlement.next_at <= ?", "iiii", order_id, shop_id, now + lease, now);
	if (rc != 0)
		return rc;
	if (db_changes(s->db) != 1)
		return 0;
	rc = db_int(s->db, attempts, "SELECT attempts FROM settlement WHERE order_id = ?", "i",
	    order_id);
	return rc != 0 ? rc : 1;
}

static int64_t
backoff(const struct finance_opts *o, int64_t attempts)
{
	return ops_backoff(o->backoff_base_s > 0 ? o->backoff_base_s : 60,
	    o->backoff_max_s > 0 ? o->backoff_max_s : 6 * 3600, attempts);
}

static int
mark_failed(struct session *s, const struct finance_opts *o, int64_t order_id,
    int64_t attempts, const struct market_error *err, int64_t now)
{
	char msg[sizeof err->msg + 16];

	snprintf(msg, sizeof msg, "%s: %s", market_class_name(err->cls), err->msg);
	return db_run(s->db, "UPDATE settlement SET last_error = ?, next_at = ? WHERE "
	    "order_id = ? AND final = 0", "sii", msg,
	    now + backoff(o, err->cls == MC_FATAL ? 99 : attempts), order_id);
}

/* One order: 1 stored, 0 not ours any more, 2 failed (err filled), negative db error. */
static int
fetch_one(struct session *s, const struct market_call_env *env,
    const struct market_ops *ops, const struct market_creds *creds,
    const struct finance_opts *o, int64_t shop_id, const struct due *d, int *final,
    struct market_error *err)
{
	struct market_settlement ms;
	enum market_class cls;
	int64_t now = ops_wall(env), attempts = 0;
	int rc;

	rc = claim(s, shop_id, d->id, now, o->lease_s > 0 ? o->lease_s : 120, &attempts);
	if (rc <= 0)
		return rc;
	memset(&ms, 0, sizeof ms);
	memset(err, 0, sizeof *err);
	cls = ops->settlement(env, creds, d->order_no, &ms, err);
	now = ops_wall(env);
	if (cls == MC_OK) {
		rc = finance_store(s, d->id, &ms, now,
		    now + (o->refetch_s > 0 ? o->refetch_s : 6 * 3600));
		if (rc == DB_EINVAL) {          /* the channel's answer, not our database */
			market_error_set(err, MC_FATAL, "", "%s", s->err);
			cls = MC_FATAL;
		}
		*final = ms.final != 0;
	}
	market_settlement_free(&ms);
	if (cls != MC_OK) {
		err->cls = cls;
		rc = mark_failed(s, o, d->id, attempts, err, now);
	}
	if (rc != 0)
		return rc;
	return cls == MC_OK ? 1 : 2;
}

int
finance_fetch_due(struct session *s, const struct market_creds *creds,
    struct transport *t, const struct finance_opts *o, struct finance_counts *counts,
    struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct finance_counts local;
	const struct market_ops *ops = o->ops != NULL ? o->ops : ops_find(o->channel);
	struct market_error one;
	struct db_stmt *st;
	struct due *due = NULL;
	int64_t shop_id, now;
	size_t n = 0, i, limit = o->limit > 0 ? (size_t)o->limit : 50;
	int rc, final;

	if (counts == NULL)
		counts = &local;
	memset(counts, 0, sizeof *counts);
	memset(err, 0, sizeof *err);
	if ((rc = ops_run_env(&env, o->env, t, "settlement", o->channel, err)) != 0)
		return rc;

	rc = ops_shop_id(s, o->channel, o->shop, 0, &shop_id);
	if (rc == DB_ENOTFOUND)
		return 0;
	if (rc != 0)
		goto dberr;
	now = ops_wall(&env);
	if (ops == NULL || ops->settlement == NULL)
		goto tally;

	st = db_prep(s->db, "SELECT o.id, o.order_no " DUE_WHERE " ORDER BY st.next_at, "
	    "st.order_id LIMIT ?");
	if (st == NULL) {
		rc = DB_ERR;
		goto dberr;
	}
	db_bind_int(st, 1, shop_id);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, (int64_t)limit);
	due = xcalloc(limit, sizeof *due);
	while (n < limit && (rc = db_step(st)) == DB_ROW) {
		due[n].id = db_col_int(st, 0);
		snprintf(due[n].order_no, sizeof due[n].order_no, "%s", db_col_text(st, 1));
		n++;
	}
	db_done(st);
	if (rc < 0)
		goto dberr;

	for (i = 0; i < n; i++) {
		final = 0;
		rc = fetch_one(s, &env, ops, creds, o, shop_id, &due[i], &final, &one);
		if (rc < 0)
			goto dberr;
		if (rc == 1) {
			counts->fetched++;
			counts->final += final;
		}
		if (rc == 2 && counts->failed++ == 0)
			*err = one;
	}
	free(due);
	due = NULL;
tally:
	rc = db_int(s->db, &counts->due, "SELECT count(*) " DUE_WHERE, "ii", shop_id,
	    ops_wall(&env));
	if (rc != 0)
		goto dberr;
	if ((ops == NULL || ops->settlement == NULL) && counts->due > 0) {
		market_error_set(err, MC_FATAL, "unsupported", "%s has no settlement call yet; "
		    "%" PRId64 " orders wait", o->channel, counts->due);
		return 1;
	}
	return counts->failed > 0 ? 1 : 0;
dberr:
	free(due);
	market_error_set(err, MC_FATAL, "", "%s: settlement: database: %s", o->channel,
	    db_errmsg(s->db));
	return rc < 0 ? rc : DB_ERR;
}

/*
 * exceptions.c — the floor's exceptions (exceptions.h), read from the audit log (by
 * time, schema 9's audit_at index) and from the shipped orders.
 */
#include "exceptions.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "sla.h"
#include "xalloc.h"

static const char *const kind_names[EXC__KINDS] = {
	[EXC_LOCK] = "error lock",
	[EXC_WEIGHT] = "weight",
	[EXC_WRONG_ITEM] = "wrong item",
	[EXC_HELD] = "held",
	[EXC_TRANSIT] = "late transit",
};

const char *
exc_kind_name(enum exc_kind k)
{
	return (unsigned)k < EXC__KINDS ? kind_names[k] : "?";
}

struct list {
	struct exc_row *rows;
	size_t n, cap;
};

static struct exc_row *
push(struct list *l)
{
	struct exc_row *r;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->rows = xrealloc(l->rows, l->cap * sizeof *l->rows);
	}
	r = &l->rows[l->n++];
	memset(r, 0, sizeof *r);
	return r;
}

/* The string value of "key":"..." in a flat JSON object, unescaped enough to show. */
static void
json_field(const char *json, const char *key, char *buf, size_t len)
{
	char pat[48];
	const char *p;
	size_t o = 0;

	buf[0] = '\0';
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if ((p = strstr(json, pat)) == NULL)
		return;
	for (p += strlen(pat); *p != '\0' && *p != '"' && o + 1 < len; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		buf[o++] = *p;
	}
	buf[o] = '\0';
}

static enum exc_kind
lock_kind(const char *lock)
{
	if (strcmp(lock, "weight") == 0)
		return EXC_WEIGHT;
	if (strcmp(lock, "not-in-order") == 0 || strcmp(lock, "overscan") == 0 ||
	    strcmp(lock, "wrong-lot") == 0 || strcmp(lock, "shelf-life") == 0)
		return EXC_WRONG_ITEM;
	return EXC_LOCK;
}

static int
from_audit(struct session *s, int64_t from, struct list *l)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(s->db, "SELECT a.id, a.at, a.station, a.user_name, a.action, a.after, "
	    "CASE WHEN a.entity = 'order' THEN CAST(a.entity_id AS INTEGER) ELSE 0 END, "
	    "coalesce(o.order_no, '') FROM audit a LEFT JOIN orders o ON a.entity = 'order' "
	    "AND o.id = CAST(a.entity_id AS INTEGER) WHERE a.at >= ? AND "
	    "(a.action = 'lock' OR (a.entity = 'order' AND a.action = 'transition' AND "
	    "a.after LIKE '{\"status\":\"ON_HOLD\"%')) ORDER BY a.id");
	if (st == NULL)
		return session_fail(s, DB_ERR, "exceptions: %s", db_errmsg(s->db));
	db_bind_int(st, 1, from);
	while ((rc = db_step(st)) == DB_ROW) {
		struct exc_row *r = push(l);
		const char *after = db_col_text(st, 5);
		char v[160];

		r->audit_id = db_col_int(st, 0);
		r->at = db_col_int(st, 1);
		snprintf(r->station, sizeof r->station, "%s", db_col_text(st, 2));
		snprintf(r->user, sizeof r->user, "%s", db_col_text(st, 3));
		r->order_id = db_col_int(st, 6);
		snprintf(r->order_no, sizeof r->order_no, "%s", db_col_text(st, 7));
		if (strcmp(db_col_text(st, 4), "lock") == 0) {
			json_field(after, "lock", v, sizeof v);
			r->kind = lock_kind(v);
			json_field(after, "message", r->what, sizeof r->what);
		} else {
			r->kind = EXC_HELD;
			json_field(after, "reason", v, sizeof v);
			snprintf(r->what, sizeof r->what, "on hold%s%s", v[0] ? ": " : "", v);
		}
	}
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc, "exceptions: %s", db_errmsg(s->db));
	return 0;
}

/* Shipped orders whose carrier's promise ran out: shipped at the audited transition
 * (the order's last change when that is missing); only those due to ship within the
 * lookback (schema 1's orders_status index), older ones being claims, not news. */
static int
late_transit(struct session *s, int64_t now, struct list *l)
{
	struct db_stmt *st;
	int rc;

	/* Two ranges of the status index (an OR of them would walk every shipped order). */
	st = db_prep(s->db, "WITH t(id) AS (SELECT id FROM orders WHERE status = 'SHIPPED' AND "
	    "ship_by >= ?1 UNION ALL SELECT id FROM orders WHERE status = 'SHIPPED' AND ship_by "
	    "IS NULL) SELECT o.id, o.order_no, coalesce((SELECT max(a.at) FROM audit a "
	    "WHERE a.entity = 'order' AND a.entity_id = CAST(o.id AS TEXT) AND a.action = "
	    "'transition' AND a.after LIKE '{\"status\":\"SHIPPED\"%'), o.updated_at), "
	    "coalesce((SELECT p.carrier FROM package p WHERE p.order_id = o.id AND p.carrier "
	    "IS NOT NULL ORDER BY p.pkg_no LIMIT 1), ''), coalesce((SELECT p.station FROM "
	    "package p WHERE p.order_id = o.id ORDER BY p.pkg_no LIMIT 1), ''), "
	    "coalesce((SELECT p.user_name FROM package p WHERE p.order_id = o.id ORDER BY "
	    "p.pkg_no LIMIT 1), '') FROM t JOIN orders o ON o.id = t.id");
	if (st == NULL)
		return session_fail(s, DB_ERR, "exceptions: %s", db_errmsg(s->db));
	db_bind_int(st, 1, now - (int64_t)EXC_LOOKBACK_DAYS * 86400);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *carrier = db_col_text(st, 3);
		const struct sla_carrier *c = sla_carrier_find(carrier);
		int64_t promise = c != NULL ? c->promise_h : EXC_PROMISE_H;
		int64_t shipped = db_col_int(st, 2), age = now - shipped;
		struct exc_row *r;

		if (age <= promise * 3600)
			continue;
		r = push(l);
		r->kind = EXC_TRANSIT;
		r->at = shipped;
		r->order_id = db_col_int(st, 0);
		snprintf(r->order_no, sizeof r->order_no, "%s", db_col_text(st, 1));
		snprintf(r->station, sizeof r->station, "%s", db_col_text(st, 4));
		snprintf(r->user, sizeof r->user, "%s", db_col_text(st, 5));
		snprintf(r->what, sizeof r->what, "%s in transit %" PRId64 " h, promised %" PRId64
		    " h", carrier[0] ? carrier : "carrier", age / 3600, promise);
	}
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc, "exceptions: %s", db_errmsg(s->db));
	return 0;
}

static int
newest_first(const void *a, const void *b)
{
	const struct exc_row *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? 1 : -1;
	return x->audit_id < y->audit_id ? 1 : x->audit_id > y->audit_id ? -1 :
	    (x->order_id > y->order_id) - (x->order_id < y->order_id);
}

int
exceptions_list(struct session *s, int64_t from, int64_t now, struct exc_row **rows,
    size_t *n)
{
	struct list l = { NULL, 0, 0 };
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the exceptions")) != 0)
		return rc;
	if ((rc = from_audit(s, from, &l)) != 0 || (rc = late_transit(s, now, &l)) != 0) {
		free(l.rows);
		return rc;
	}
	if (l.n > 1)
		qsort(l.rows, l.n, sizeof *l.rows, newest_first);
	*rows = l.rows;
	*n = l.n;
	return 0;
}

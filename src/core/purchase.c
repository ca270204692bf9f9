/*
 * purchase.c — purchase order lines (purchase.h): recorded, listed, received through the
 * stock ledger, cancelled; each change audited in its own transaction.
 */
#include "purchase.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "stock.h"
#include "xalloc.h"

#define COLS "p.id, p.warehouse_id, p.sku_id, p.qty, coalesce(p.due_at, 0), p.created_at," \
    " coalesce(p.received_at, 0), coalesce(p.cancelled_at, 0), s.sku, w.code," \
    " coalesce(p.ref, '')"
#define FROM " FROM purchase_due p JOIN sku s ON s.id = p.sku_id" \
    " JOIN warehouse w ON w.id = p.warehouse_id"
#define OPEN "p.received_at IS NULL AND p.cancelled_at IS NULL"

static int
dberr(struct session *s, int rc, const char *what)
{
	return session_fail(s, rc < 0 ? rc : DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

static int
ref_ok(const char *ref)
{
	size_t n = strlen(ref);

	return n > 0 && n <= PURCHASE_REF_MAX && strspn(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._/-") == n;
}

int
purchase_add(struct session *s, int64_t wh, int64_t sku_id, int64_t qty,
    int64_t due_at, const char *ref, int64_t *id)
{
	char after[256];
	int64_t nid;
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "record a purchase")) != 0)
		return rc;
	if (qty <= 0 || qty > 1000000000)
		return session_fail(s, DB_EINVAL, "purchase: quantity %" PRId64 " is not "
		    "between 1 and 1000000000", qty);
	if (due_at < 0)
		return session_fail(s, DB_EINVAL, "purchase: bad due date");
	if (ref && *ref && !ref_ok(ref))
		return session_fail(s, DB_EINVAL, "purchase: reference '%s': up to %d letters, "
		    "digits, '.', '_', '/' or '-'", ref, PURCHASE_REF_MAX);
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "purchase");
	rc = db_run(s->db, "INSERT INTO purchase_due(warehouse_id, sku_id, qty, due_at, "
	    "created_at, ref) VALUES (?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?)", "iiiiis",
	    wh, sku_id, qty, due_at, clock_now(), ref && *ref ? ref : NULL);
	if (rc != 0) {
		rc = rc == DB_ECONSTRAINT ?
		    session_fail(s, DB_EINVAL, "purchase: no such warehouse or SKU") :
		    dberr(s, rc, "purchase");
		goto fail;
	}
	nid = db_last_id(s->db);
	snprintf(after, sizeof after, "{\"warehouse\":%" PRId64 ",\"sku\":%" PRId64 ",\"qty\":%"
	    PRId64 ",\"due_at\":%" PRId64 ",\"ref\":\"%s\"}", wh, sku_id, qty, due_at,
	    ref ? ref : "");
	if ((rc = audit_log(s, "purchase", nid, "add", NULL, after)) != 0)
		goto fail;
	if ((rc = db_commit(s->db)) != 0)
		return dberr(s, rc, "purchase");
	if (id)
		*id = nid;
	return 0;
fail:
	db_rollback(s->db);
	return rc;
}

/* Rows of a prepared statement into *rows. */
static int
fetch(struct session *s, struct db_stmt *st, struct purchase_row **rows, size_t *n)
{
	struct purchase_row *r = NULL;
	size_t cap = 0, cnt = 0;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			r = xrealloc(r, cap * sizeof *r);
		}
		memset(&r[cnt], 0, sizeof r[cnt]);
		r[cnt].id = db_col_int(st, 0);
		r[cnt].wh_id = db_col_int(st, 1);
		r[cnt].sku_id = db_col_int(st, 2);
		r[cnt].qty = db_col_int(st, 3);
		r[cnt].due_at = db_col_int(st, 4);
		r[cnt].created_at = db_col_int(st, 5);
		r[cnt].received_at = db_col_int(st, 6);
		r[cnt].cancelled_at = db_col_int(st, 7);
		snprintf(r[cnt].sku, sizeof r[cnt].sku, "%s", db_col_text(st, 8));
		snprintf(r[cnt].wh, sizeof r[cnt].wh, "%s", db_col_text(st, 9));
		snprintf(r[cnt].ref, sizeof r[cnt].ref, "%s", db_col_text(st, 10));
		cnt++;
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(r);
		return dberr(s, rc, "purchase");
	}
	*rows = r;
	*n = cnt;
	return 0;
}

int
purchase_list(struct session *s, int all, struct purchase_row **rows, size_t *n)
{
	struct db_stmt *st;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the purchases")) != 0)
		return rc;
	st = db_prep(s->db, all ? "SELECT " COLS FROM " ORDER BY p.id" :
	    "SELECT " COLS FROM " WHERE " OPEN
	    " ORDER BY CASE WHEN p.due_at IS NULL THEN 1 ELSE 0 END, p.due_at, p.id");
	if (st == NULL)
		return dberr(s, DB_ERR, "purchase");
	return fetch(s, st, rows, n);
}

int
purchase_find(struct session *s, const char *which, struct purchase_row **rows,
    size_t *n)
{
	struct db_stmt *st;
	char *end;
	long long id;
	int64_t closed;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the purchases")) != 0)
		return rc;
	st = db_prep(s->db, "SELECT " COLS FROM " WHERE p.ref = ? AND " OPEN " ORDER BY p.id");
	if (st == NULL)
		return dberr(s, DB_ERR, "purchase");
	db_bind_text(st, 1, which);
	if ((rc = fetch(s, st, rows, n)) != 0 || *n > 0)
		return rc;
	free(*rows);
	*rows = NULL;
	id = strtoll(which, &end, 10);
	if (*which != '\0' && *end == '\0' && id > 0) {
		st = db_prep(s->db, "SELECT " COLS FROM " WHERE p.id = ?");
		if (st == NULL)
			return dberr(s, DB_ERR, "purchase");
		db_bind_int(st, 1, (int64_t)id);
		if ((rc = fetch(s, st, rows, n)) != 0 || *n > 0)
			return rc;
		free(*rows);
		*rows = NULL;
	}
	/* A reference whose lines are all closed. */
	if (db_int(s->db, &closed, "SELECT count(*) FROM purchase_due WHERE ref = ?", "s",
	    which) == 0 && closed > 0)
		return session_fail(s, DB_ECONFLICT, "purchase %s: every line is received or "
		    "cancelled already", which);
	return session_fail(s, DB_ENOTFOUND, "purchase: no purchase reference or id '%s'",
	    which);
}

/* The open lines `which` names, checked open, inside the caller's transaction. */
static int
open_lines(struct session *s, const char *which, struct purchase_row **rows, size_t *n)
{
	int rc;

	if ((rc = purchase_find(s, which, rows, n)) != 0)
		return rc;
	if ((*rows)[0].received_at || (*rows)[0].cancelled_at) {
		rc = session_fail(s, DB_ECONFLICT, "purchase %" PRId64 " was %s already",
		    (*rows)[0].id, (*rows)[0].received_at ? "received" : "cancelled");
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

/* rc of the UPDATE of purchase id: 0 when it changed that one row, else the error. */
static int
one_changed(struct session *s, int rc, int64_t id)
{
	if (rc == 0 && db_changes(s->db) == 1)
		return 0;
	return rc ? dberr(s, rc, "purchase") : session_fail(s, DB_ECONFLICT,
	    "purchase %" PRId64 " changed meanwhile", id);
}

/* End the transaction over rows r (freed): committed when rc is 0, else rolled back;
 * the result. */
static int
end_lines(struct session *s, struct purchase_row *r, int rc)
{
	if (rc != 0)
		db_rollback(s->db);
	else if ((rc = db_commit(s->db)) != 0)
		rc = dberr(s, rc, "purchase");
	free(r);
	return rc;
}

int
purchase_receive(struct session *s, const char *which, const char *lot,
    int64_t expiry, int64_t *units)
{
	struct purchase_row *r = NULL;
	char note[96], after[128];
	int64_t now = clock_now(), total = 0;
	size_t n = 0, i;
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "receive a purchase")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "purchase");
	if ((rc = open_lines(s, which, &r, &n)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		snprintf(note, sizeof note, "purchase %" PRId64 "%s%s", r[i].id,
		    r[i].ref[0] ? " " : "", r[i].ref);
		if ((rc = stock_receive(s, r[i].wh_id, r[i].sku_id, lot ? lot : "", expiry,
		    r[i].qty, note)) != 0)
			goto fail;
		rc = db_run(s->db, "UPDATE purchase_due SET received_at = ? WHERE id = ? AND "
		    "received_at IS NULL AND cancelled_at IS NULL", "ii", now, r[i].id);
		if ((rc = one_changed(s, rc, r[i].id)) != 0)
			goto fail;
		snprintf(after, sizeof after, "{\"received_at\":%" PRId64 ",\"qty\":%" PRId64
		    ",\"lot\":\"%s\"}", now, r[i].qty, lot && ref_ok(lot) ? lot : "");
		if ((rc = audit_log(s, "purchase", r[i].id, "receive", NULL, after)) != 0)
			goto fail;
		total += r[i].qty;
	}
	if ((rc = end_lines(s, r, 0)) != 0)
		return rc;
	if (units)
		*units = total;
	return 0;
fail:
	return end_lines(s, r, rc);
}

int
purchase_cancel(struct session *s, const char *which, const char *reason,
    int64_t *lines)
{
	struct purchase_row *r = NULL;
	int64_t now = clock_now();
	size_t n = 0, i;
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "cancel a purchase")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "purchase");
	if ((rc = open_lines(s, which, &r, &n)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		rc = db_run(s->db, "UPDATE purchase_due SET cancelled_at = ?, note = ? WHERE "
		    "id = ? AND received_at IS NULL AND cancelled_at IS NULL", "isi", now,
		    reason && *reason ? reason : NULL, r[i].id);
		if ((rc = one_changed(s, rc, r[i].id)) != 0)
			goto fail;
		if ((rc = audit_log(s, "purchase", r[i].id, "cancel", NULL,
		    reason && *reason ? reason : NULL)) != 0)
			goto fail;
	}
	if ((rc = end_lines(s, r, 0)) != 0)
		return rc;
	if (lines)
		*lines = (int64_t)n;
	return 0;
fail:
	return end_lines(s, r, rc);
}

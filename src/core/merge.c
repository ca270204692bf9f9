/*
 * merge.c — finding and recording orders that share a parcel.
 *
 * Candidates are compared on the stored fields exactly (the marketplaces send the same
 * address text for the same buyer); an order already merged, or holding merged orders,
 * is no candidate for another parcel.
 */
#include "merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "route.h"
#include "xalloc.h"

#define OPEN "('NEW', 'CONFIRMED', 'ALLOCATED', 'PACKING')"

static int
dberr(struct session *s, const char *what)
{
	return session_fail(s, DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

static int
ids_query(struct session *s, const char *sql, int64_t id, int64_t **ids, size_t *n)
{
	struct db_stmt *st;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((st = db_prep(s->db, sql)) == NULL)
		return dberr(s, "merge");
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		*ids = xrealloc(*ids, (*n + 1) * sizeof **ids);
		(*ids)[(*n)++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return dberr(s, "merge");
	}
	return 0;
}

int
merge_candidates(struct session *s, int64_t id, int64_t **ids, size_t *n)
{
	struct route_policy pol;
	char channel[16] = "";
	struct db_stmt *st;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((st = db_prep(s->db, "SELECT h.channel FROM orders o JOIN shop h ON h.id = "
	    "o.shop_id WHERE o.id = ?")) == NULL)
		return dberr(s, "merge");
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(channel, sizeof channel, "%s", db_col_text(st, 0));
	db_done(st);
	if (rc != DB_ROW)
		return rc < 0 ? dberr(s, "merge") : session_fail(s, DB_ENOTFOUND,
		    "no order with id %" PRId64, id);
	route_policy(channel, &pol);
	if (!pol.merge)
		return 0;
	return ids_query(s, "SELECT b.id FROM orders a JOIN orders b ON b.shop_id = a.shop_id "
	    "AND b.buyer_phone = a.buyer_phone AND b.address = a.address AND b.district = "
	    "a.district AND b.province = a.province AND b.id <> a.id WHERE a.id = ? AND "
	    "a.buyer_phone <> '' AND a.address <> '' AND b.status IN " OPEN " AND "
	    "(a.warehouse_id IS NULL OR b.warehouse_id IS NULL OR a.warehouse_id = "
	    "b.warehouse_id) AND NOT EXISTS (SELECT 1 FROM order_merge m WHERE m.order_id = "
	    "b.id OR (m.parcel_id = b.id AND m.order_id <> a.id)) ORDER BY b.created_at, b.id",
	    id, ids, n);
}

int
merge_members(struct session *s, int64_t parcel, int64_t **ids, size_t *n)
{
	return ids_query(s, "SELECT order_id FROM order_merge WHERE parcel_id = ? "
	    "ORDER BY order_id", parcel, ids, n);
}

int
merge_orders(struct session *s, int64_t parcel, int64_t other)
{
	int64_t *ids = NULL, x;
	size_t n = 0, i;
	int rc, ok = 0;
	char after[96];

	if ((rc = session_require(s, ROLE_PACKER, "merge orders into one parcel")) != 0)
		return rc;
	if (parcel == other)
		return session_fail(s, DB_EINVAL, "an order cannot be merged with itself");
	if ((rc = merge_candidates(s, parcel, &ids, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		ok |= ids[i] == other;
	free(ids);
	if (!ok)
		return session_fail(s, DB_EINVAL, "order %" PRId64 " cannot share the parcel of "
		    "order %" PRId64 ": not an open order of the same buyer and address in the "
		    "same shop, already merged, or the channel does not merge", other, parcel);
	if (db_int(s->db, &x, "SELECT 1 FROM order_merge WHERE order_id = ?", "i", parcel) == 0)
		return session_fail(s, DB_EINVAL, "order %" PRId64 " is already in another "
		    "parcel", parcel);
	if (db_int(s->db, &x, "SELECT count(*) FROM route_part WHERE order_id IN (?, ?)", "ii",
	    parcel, other) == 0 && x > 0)
		return session_fail(s, DB_EINVAL, "order %" PRId64 " or %" PRId64 " ships in parts "
		    "from several warehouses: it cannot share a parcel", parcel, other);
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "merge");
	rc = db_run(s->db, "INSERT INTO order_merge(order_id, parcel_id, user_name, at) "
	    "VALUES (?, ?, ?, ?)", "iisi", other, parcel, s->user, clock_now());
	if (rc != 0)
		rc = dberr(s, "merge");
	if (rc == 0) {
		snprintf(after, sizeof after, "{\"parcel\":%" PRId64 "}", parcel);
		rc = audit_log(s, "order", other, "merge", NULL, after);
	}
	if (rc == 0) {
		snprintf(after, sizeof after, "{\"merged\":%" PRId64 "}", other);
		rc = audit_log(s, "order", parcel, "merge", NULL, after);
	}
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db) != 0 ? dberr(s, "merge") : 0;
}

int
merge_leave(struct session *s, int64_t id, const char *why)
{
	struct db_stmt *st;
	int64_t (*rows)[2] = NULL;
	size_t n = 0, i;
	char after[400], text[300];
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "unmerge");
	if ((st = db_prep(s->db, "SELECT order_id, parcel_id FROM order_merge WHERE "
	    "order_id = ? OR parcel_id = ? ORDER BY order_id")) == NULL) {
		rc = dberr(s, "unmerge");
		goto out;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, id);
	while ((rc = db_step(st)) == DB_ROW) {
		rows = xrealloc(rows, (n + 1) * sizeof *rows);
		rows[n][0] = db_col_int(st, 0);
		rows[n][1] = db_col_int(st, 1);
		n++;
	}
	db_done(st);
	if (rc < 0) {
		rc = dberr(s, "unmerge");
		goto out;
	}
	rc = db_run(s->db, "DELETE FROM order_merge WHERE order_id = ? OR parcel_id = ?", "ii",
	    id, id);
	if (rc != 0)
		rc = dberr(s, "unmerge");
	audit_json_text(text, sizeof text, why != NULL ? why : "");
	for (i = 0; rc == 0 && i < n; i++) {
		snprintf(after, sizeof after, "{\"parcel\":%" PRId64 ",\"reason\":\"%s\"}",
		    rows[i][1], text);
		rc = audit_log(s, "order", rows[i][0], "unmerge", NULL, after);
	}
out:
	free(rows);
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db) != 0 ? dberr(s, "unmerge") : 0;
}

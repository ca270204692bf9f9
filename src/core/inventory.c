/* inventory.c — stock by SKU and warehouse for the supervisor screens (inventory.h). */
#include "inventory.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "xalloc.h"

static int
has(const char *v)
{
	return v != NULL && v[0] != '\0';
}

static int
by_sku(const void *a, const void *b)
{
	const struct inv_row *x = *(struct inv_row *const *)a, *y = *(struct inv_row *const *)b;

	return (x->sku_id > y->sku_id) - (x->sku_id < y->sku_id);
}

/*
 * The last push of each row's SKU to each channel it is listed on, as one short text,
 * read in one query for all the rows (a query per row costs a round trip each on a
 * database server: seconds for a few thousand SKUs).
 */
static int
pushes(struct session *s, struct inv_row *rows, size_t n, int64_t tz_offset)
{
	struct inv_row **by = xcalloc(n ? n : 1, sizeof *by);
	struct db_stmt *st;
	size_t i, p = 0, q, o;
	int64_t sku;
	int rc;

	for (i = 0; i < n; i++) {
		rows[i].pushed[0] = '\0';
		by[i] = &rows[i];
	}
	qsort(by, n, sizeof *by, by_sku);
	st = db_prep(s->db, "SELECT l.sku_id, sh.channel, max(l.pushed_at), (SELECT "
	    "l2.pushed_qty FROM shop_listing l2 JOIN shop sh2 ON sh2.id = l2.shop_id WHERE "
	    "l2.sku_id = l.sku_id AND sh2.channel = sh.channel ORDER BY l2.pushed_at DESC "
	    "LIMIT 1), sum(l.version <> l.pushed_version) FROM shop_listing l JOIN shop sh ON "
	    "sh.id = l.shop_id GROUP BY l.sku_id, sh.channel ORDER BY l.sku_id, sh.channel");
	if (st == NULL) {
		free(by);
		return session_fail(s, DB_ERR, "inventory: %s", db_errmsg(s->db));
	}
	while ((rc = db_step(st)) == DB_ROW) {
		char at[32] = "";

		sku = db_col_int(st, 0);
		while (p < n && by[p]->sku_id < sku)
			p++;
		if (!db_col_null(st, 2))
			clock_format(db_col_int(st, 2), tz_offset, at, sizeof at);
		/* Every row of this SKU (one a warehouse) gets the same text. */
		for (q = p; q < n && by[q]->sku_id == sku; q++) {
			char *buf = by[q]->pushed;
			size_t len = sizeof by[q]->pushed;

			if ((o = strlen(buf)) + 1 >= len)
				continue;
			if (db_col_null(st, 2))
				snprintf(buf + o, len - o, "%s%s never", o ? ", " : "",
				    db_col_text(st, 1));
			else
				snprintf(buf + o, len - o, "%s%s %s =%" PRId64 "%s", o ? ", " : "",
				    db_col_text(st, 1), at + 5, db_col_int(st, 3),
				    db_col_int(st, 4) ? " owed" : "");
		}
	}
	db_done(st);
	free(by);
	if (rc < 0)
		return session_fail(s, rc, "inventory: %s", db_errmsg(s->db));
	return 0;
}

int
inventory_list(struct session *s, const struct inv_filter *f, int64_t tz_offset,
    struct inv_row **rows, size_t *n)
{
	static const struct inv_filter any;
	struct db_stmt *st;
	size_t cap = 0, i, keep;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the inventory")) != 0)
		return rc;
	if (f == NULL)
		f = &any;
	st = db_prep(s->db, "SELECT k.id, k.sku, k.name, w.id, w.code, sum(l.on_hand), "
	    "sum(l.reserved), k.buffer, k.low_stock, sum(l.on_hand > 0), "
	    "min(CASE WHEN l.on_hand > 0 THEN lot.expiry END) FROM stock_level l "
	    "JOIN sku k ON k.id = l.sku_id JOIN warehouse w ON w.id = l.warehouse_id "
	    "JOIN lot ON lot.id = l.lot_id WHERE (?1 IS NULL OR w.code = ?1) AND "
	    "(?2 IS NULL OR instr(lower(k.sku), lower(?2)) > 0 OR "
	    "instr(lower(k.name), lower(?2)) > 0) GROUP BY k.id, w.id ORDER BY k.sku, w.code");
	if (st == NULL)
		return session_fail(s, DB_ERR, "inventory: %s", db_errmsg(s->db));
	db_bind_text(st, 1, has(f->warehouse) ? f->warehouse : NULL);
	db_bind_text(st, 2, has(f->search) ? f->search : NULL);
	while ((rc = db_step(st)) == DB_ROW) {
		struct inv_row *r;

		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof *r);
		r->sku_id = db_col_int(st, 0);
		snprintf(r->sku, sizeof r->sku, "%s", db_col_text(st, 1));
		snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 2));
		r->wh_id = db_col_int(st, 3);
		snprintf(r->wh, sizeof r->wh, "%s", db_col_text(st, 4));
		r->on_hand = db_col_int(st, 5);
		r->reserved = db_col_int(st, 6);
		r->buffer = db_col_int(st, 7);
		r->low_stock = db_col_int(st, 8);
		r->lots = db_col_int(st, 9);
		r->next_expiry = db_col_null(st, 10) ? 0 : db_col_int(st, 10);
		r->available = r->on_hand - r->reserved - r->buffer;
		if (r->available < 0)
			r->available = 0;
		r->low = r->low_stock > 0 && r->available < r->low_stock;
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return session_fail(s, rc, "inventory: %s", db_errmsg(s->db));
	}
	for (i = keep = 0; i < *n; i++)
		if (!f->low_only || (*rows)[i].low)
			(*rows)[keep++] = (*rows)[i];
	*n = keep;
	if ((rc = pushes(s, *rows, *n, tz_offset)) != 0) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

int
inventory_lots(struct session *s, int64_t wh, int64_t sku_id, struct inv_lot **lots,
    size_t *n)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*lots = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the inventory")) != 0)
		return rc;
	st = db_prep(s->db, "SELECT lot.lot_code, coalesce(lot.expiry, 0), l.on_hand, "
	    "l.reserved FROM stock_level l JOIN lot ON lot.id = l.lot_id WHERE "
	    "l.warehouse_id = ? AND l.sku_id = ? AND (l.on_hand > 0 OR l.reserved > 0) "
	    "ORDER BY lot.expiry IS NULL, lot.expiry, lot.received_at, lot.id");
	if (st == NULL)
		return session_fail(s, DB_ERR, "inventory: %s", db_errmsg(s->db));
	db_bind_int(st, 1, wh);
	db_bind_int(st, 2, sku_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct inv_lot *l;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*lots = xrealloc(*lots, cap * sizeof **lots);
		}
		l = &(*lots)[(*n)++];
		snprintf(l->lot, sizeof l->lot, "%s", db_col_text(st, 0));
		l->expiry = db_col_int(st, 1);
		l->on_hand = db_col_int(st, 2);
		l->reserved = db_col_int(st, 3);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*lots);
		*lots = NULL;
		*n = 0;
		return session_fail(s, rc, "inventory: %s", db_errmsg(s->db));
	}
	return 0;
}

int
inventory_set_low(struct session *s, int64_t sku_id, int64_t threshold)
{
	char before[64], after[64];
	int64_t old;
	int rc;

	if ((rc = session_require(s, ROLE_ADMIN, "set a low-stock threshold")) != 0)
		return rc;
	if (threshold < 0 || threshold > 1000000000)
		return session_fail(s, DB_EINVAL, "a low-stock threshold is 0 to 1000000000, not "
		    "%" PRId64, threshold);
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "inventory: %s", db_errmsg(s->db));
	rc = db_int(s->db, &old, "SELECT low_stock FROM sku WHERE id = ?", "i", sku_id);
	if (rc == DB_ENOTFOUND) {
		db_rollback(s->db);
		return session_fail(s, rc, "SKU %" PRId64 " not found", sku_id);
	}
	if (rc == 0)
		rc = db_run(s->db, "UPDATE sku SET low_stock = ? WHERE id = ?", "ii", threshold,
		    sku_id);
	if (rc == 0) {
		snprintf(before, sizeof before, "{\"low_stock\":%" PRId64 "}", old);
		snprintf(after, sizeof after, "{\"low_stock\":%" PRId64 "}", threshold);
		rc = audit_log(s, "sku", sku_id, "low_stock", before, after);
	}
	if (rc == 0 && (rc = db_commit(s->db)) == 0)
		return 0;
	db_rollback(s->db);
	return session_fail(s, rc, "inventory: %s", db_errmsg(s->db));
}

int
inventory_low_count(struct session *s, int64_t wh, int64_t *n)
{
	int rc;

	*n = 0;
	rc = db_int(s->db, n, "SELECT count(*) FROM (SELECT k.id FROM sku k JOIN stock_level l "
	    "ON l.sku_id = k.id WHERE k.low_stock > 0 AND (?1 = 0 OR l.warehouse_id = ?1) "
	    "GROUP BY k.id, l.warehouse_id HAVING sum(l.on_hand) - sum(l.reserved) - k.buffer "
	    "< k.low_stock)", "i", wh);
	if (rc != 0)
		return session_fail(s, rc, "inventory: %s", db_errmsg(s->db));
	return 0;
}

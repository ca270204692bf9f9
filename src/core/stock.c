/*
 * stock.c — warehouses, lots and the append-only stock ledger.
 *
 * Every movement is three writes in one transaction: a stock_move row (the ledger, never
 * changed afterwards), the same deltas applied to the cached stock_level row, and an
 * audit record (and the SKU's marketplace listings marked owed a stock push). The checks
 * that give the user a clear message come first; the CHECK
 * constraints on stock_level are the last line of defence. Each public function opens a
 * transaction (a savepoint when the caller already has one), runs a static worker and
 * commits or rolls back as one, so a failure leaves nothing behind.
 *
 * Reservation takes lots FEFO for lot-tracked SKUs and FIFO otherwise. The SKU's buffer
 * is held back from the units that may be sold now: lots too close to expiry are not
 * counted as sellable, so they cannot stand in for the buffer.
 */
#include "stock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "xalloc.h"

#define QTY_MAX         1000000000      /* per movement: keeps every sum far from overflow */
#define CODE_MAX        64              /* longest warehouse or lot code accepted */
#define SHELF_DAYS_MAX  36500
#define DAY             86400

/* A warehouse and SKU pair with what reservation and messages need of them. */
struct key {
	int64_t wh, sku;
	char wh_code[128];
	char sku_code[128];
	int lot_tracked;
	int64_t min_shelf_days, buffer;
};

/* One lot's free units, in the order reservation takes them. */
struct pick {
	int64_t lot, free;
	int fresh;              /* far enough from expiry to sell */
};

/* Units an order holds in one warehouse, SKU and lot. */
struct held {
	int64_t wh, sku, lot, qty;
};

static int
dberr(struct session *s, int rc, const char *what)
{
	return session_fail(s, rc < 0 ? rc : DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

static int
tx_begin(struct session *s, int *outer)
{
	int rc;

	*outer = !db_in_tx(s->db);
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "stock: cannot start a transaction");
	return 0;
}

/* Commit when rc is 0, else roll back; returns the final status. */
static int
tx_end(struct session *s, int outer, int rc)
{
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0) {
		dberr(s, rc, "stock: commit failed");
		if (!outer)             /* a failed outermost commit has rolled back already */
			db_rollback(s->db);
	}
	return rc;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The row locks (db.h) on the stock of the SKUs of h[0..n), ascending. */
static int
lock_held(struct session *s, const struct held *h, size_t n)
{
	int64_t *ids;
	size_t i;
	int rc = 0;

	if (!db_rowlocked(s->db) || n == 0)
		return 0;
	ids = xcalloc(n, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = h[i].sku;
	qsort(ids, n, sizeof *ids, cmp_id);
	for (i = 0; i < n && rc == 0; i++)
		rc = db_lock(s->db, "stock", ids[i]);
	free(ids);
	return rc != 0 ? dberr(s, rc, "stock lock") : 0;
}

int
stock_lock_order(struct session *s, int64_t order_id)
{
	struct db_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rc;

	if (!db_rowlocked(s->db))
		return 0;
	st = db_prep(s->db, "SELECT DISTINCT sku_id FROM order_line WHERE order_id = ? "
	    "ORDER BY sku_id");
	if (st == NULL)
		return dberr(s, DB_ERR, "stock lock");
	db_bind_int(st, 1, order_id);
	while ((rc = db_step(st)) == DB_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = db_col_int(st, 0);
	}
	db_done(st);
	for (i = 0; rc == DB_DONE && i < n; i++)
		if (db_lock(s->db, "stock", ids[i]) != 0)
			rc = DB_ERR;
	free(ids);
	return rc != DB_DONE ? dberr(s, rc, "stock lock") : 0;
}

/* A JSON string literal for s; caller frees. */
static char *
json_quote(const char *s)
{
	char *out = xmalloc(strlen(s) * 6 + 3), *p = out;

	*p++ = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			p += sprintf(p, "\\u%04x", c);
		} else
			*p++ = (char)c;
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

static int
qty_check(struct session *s, const char *what, int64_t qty)
{
	if (qty <= 0 || qty > QTY_MAX)
		return session_fail(s, DB_EINVAL, "%s: quantity must be 1 to %d, not %" PRId64,
		    what, QTY_MAX, qty);
	return 0;
}

static int
order_exists(struct session *s, const char *what, int64_t order_id)
{
	int64_t x;
	int rc;

	rc = db_int(s->db, &x, "SELECT id FROM orders WHERE id = ?", "i", order_id);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "%s: no order %" PRId64, what, order_id);
	if (rc != 0)
		return dberr(s, rc, what);
	return 0;
}

static int
key_load(struct session *s, const char *what, int64_t wh, int64_t sku, struct key *k)
{
	struct db_stmt *st;
	int64_t x;
	int rc;

	st = db_prep(s->db, "SELECT s.sku, s.lot_tracked, s.min_shelf_days, s.buffer, w.code "
	    "FROM sku s, warehouse w WHERE s.id = ? AND w.id = ?");
	if (st == NULL)
		return dberr(s, DB_ERR, what);
	db_bind_int(st, 1, sku);
	db_bind_int(st, 2, wh);
	rc = db_step(st);
	if (rc == DB_ROW) {
		k->wh = wh;
		k->sku = sku;
		snprintf(k->sku_code, sizeof k->sku_code, "%s", db_col_text(st, 0));
		k->lot_tracked = db_col_int(st, 1) != 0;
		k->min_shelf_days = db_col_int(st, 2);
		k->buffer = db_col_int(st, 3);
		snprintf(k->wh_code, sizeof k->wh_code, "%s", db_col_text(st, 4));
		db_done(st);
		return 0;
	}
	if (rc < 0) {
		dberr(s, rc, what);
		db_done(st);
		return rc;
	}
	db_done(st);
	if (db_int(s->db, &x, "SELECT id FROM sku WHERE id = ?", "i", sku) != 0)
		return session_fail(s, DB_ENOTFOUND, "%s: no SKU with id %" PRId64, what, sku);
	return session_fail(s, DB_ENOTFOUND, "%s: no warehouse with id %" PRId64, what, wh);
}

/*
 * The lot of k's SKU named code, created on first sight (received now). expiry 0 says
 * nothing; otherwise it must match the lot's, or becomes it when the lot had none.
 */
static int
lot_resolve(struct session *s, const char *what, const struct key *k, const char *code,
    int64_t expiry, int64_t *lot)
{
	struct db_stmt *st;
	char had[32], want[32];
	int64_t old = 0;
	int rc, found = 0, dated = 0;

	st = db_prep(s->db, "SELECT id, expiry FROM lot WHERE sku_id = ? AND lot_code = ?");
	if (st == NULL)
		return dberr(s, DB_ERR, what);
	db_bind_int(st, 1, k->sku);
	db_bind_text(st, 2, code);
	if ((rc = db_step(st)) == DB_ROW) {
		found = 1;
		*lot = db_col_int(st, 0);
		dated = !db_col_null(st, 1);
		old = db_col_int(st, 1);
	} else if (rc < 0)
		dberr(s, rc, what);
	db_done(st);
	if (rc < 0)
		return rc;

	if (found) {
		if (expiry == 0 || (dated && old == expiry))
			return 0;
		if (dated) {
			clock_format(old, 0, had, sizeof had);
			clock_format(expiry, 0, want, sizeof want);
			return session_fail(s, DB_EINVAL, "%s: lot '%s' of %s expires %s UTC, "
			    "not %s UTC", what, code, k->sku_code, had, want);
		}
		rc = db_run(s->db, "UPDATE lot SET expiry = ? WHERE id = ?", "ii", expiry, *lot);
		return rc != 0 ? dberr(s, rc, what) : 0;
	}

	if (strlen(code) > CODE_MAX)
		return session_fail(s, DB_EINVAL, "%s: lot code longer than %d bytes", what,
		    CODE_MAX);
	if (k->lot_tracked && code[0] == '\0')
		return session_fail(s, DB_EINVAL, "%s: %s is lot-tracked; give a lot code", what,
		    k->sku_code);
	if (!k->lot_tracked && code[0] != '\0')
		return session_fail(s, DB_EINVAL, "%s: %s is not lot-tracked; its lot code must "
		    "be empty, not '%s'", what, k->sku_code, code);
	st = db_prep(s->db, "INSERT INTO lot(sku_id, lot_code, expiry, received_at) "
	    "VALUES (?, ?, ?, ?)");
	if (st == NULL)
		return dberr(s, DB_ERR, what);
	db_bind_int(st, 1, k->sku);
	db_bind_text(st, 2, code);
	if (expiry != 0)
		db_bind_int(st, 3, expiry);
	else
		db_bind_null(st, 3);
	db_bind_int(st, 4, clock_now());
	if ((rc = db_step(st)) < 0)
		dberr(s, rc, what);
	db_done(st);
	if (rc < 0)
		return rc;
	*lot = db_last_id(s->db);
	return 0;
}

static int
level_get(struct session *s, const char *what, int64_t wh, int64_t sku, int64_t lot,
    int64_t *on_hand, int64_t *reserved)
{
	struct db_stmt *st;
	int rc;

	*on_hand = *reserved = 0;
	st = db_prep(s->db, "SELECT on_hand, reserved FROM stock_level "
	    "WHERE warehouse_id = ? AND sku_id = ? AND lot_id = ?");
	if (st == NULL)
		return dberr(s, DB_ERR, what);
	db_bind_int(st, 1, wh);
	db_bind_int(st, 2, sku);
	db_bind_int(st, 3, lot);
	if ((rc = db_step(st)) == DB_ROW) {
		*on_hand = db_col_int(st, 0);
		*reserved = db_col_int(st, 1);
		rc = 0;
	} else if (rc < 0)
		dberr(s, rc, what);
	db_done(st);
	return rc;
}

/*
 * One movement: apply the deltas to stock_level, append the ledger row, audit it.
 * Callers check the quantities first; a constraint failure here is DB_ESTOCK.
 */
static int
move(struct session *s, const char *kind, int64_t wh, int64_t sku, int64_t lot,
    int64_t d_on_hand, int64_t d_reserved, int64_t order_id, const char *note)
{
	struct db_stmt *st;
	char before[160], after[200];
	int64_t on_hand = d_on_hand, reserved = d_reserved, move_id;
	int rc, found = 0;

	if ((rc = db_lock(s->db, "stock", sku)) != 0)
		return dberr(s, rc, kind);
	st = db_prep(s->db, "UPDATE stock_level SET on_hand = on_hand + ?, "
	    "reserved = reserved + ? WHERE warehouse_id = ? AND sku_id = ? AND lot_id = ? "
	    "RETURNING on_hand, reserved");
	if (st == NULL)
		return dberr(s, DB_ERR, kind);
	db_bind_int(st, 1, d_on_hand);
	db_bind_int(st, 2, d_reserved);
	db_bind_int(st, 3, wh);
	db_bind_int(st, 4, sku);
	db_bind_int(st, 5, lot);
	if ((rc = db_step(st)) == DB_ROW) {
		found = 1;
		on_hand = db_col_int(st, 0);
		reserved = db_col_int(st, 1);
		rc = db_step(st);
	}
	if (rc < 0)
		dberr(s, rc, kind);
	db_done(st);
	if (rc == 0 && !found) {
		rc = db_run(s->db, "INSERT INTO stock_level(warehouse_id, sku_id, lot_id, "
		    "on_hand, reserved) VALUES (?, ?, ?, ?, ?)", "iiiii", wh, sku, lot,
		    d_on_hand, d_reserved);
		if (rc < 0)
			dberr(s, rc, kind);
	}
	if (rc == DB_ECONSTRAINT)
		return session_fail(s, DB_ESTOCK, "%s: would take on hand below zero or below "
		    "reserved (warehouse %" PRId64 ", SKU %" PRId64 ", lot %" PRId64 ")", kind,
		    wh, sku, lot);
	if (rc < 0)
		return rc;
	/* What the marketplaces may sell of the SKU changed: its listings owe a stock push
	 * (market/stockpush.c), marked in this transaction. */
	rc = db_run(s->db, "UPDATE shop_listing SET version = version + 1 WHERE sku_id = ?",
	    "i", sku);
	if (rc != 0)
		return dberr(s, rc, kind);

	st = db_prep(s->db, "INSERT INTO stock_move(at, kind, warehouse_id, sku_id, lot_id, "
	    "d_on_hand, d_reserved, order_id, user_name, note) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		return dberr(s, DB_ERR, kind);
	db_bind_int(st, 1, clock_now());
	db_bind_text(st, 2, kind);
	db_bind_int(st, 3, wh);
	db_bind_int(st, 4, sku);
	db_bind_int(st, 5, lot);
	db_bind_int(st, 6, d_on_hand);
	db_bind_int(st, 7, d_reserved);
	if (order_id != 0)
		db_bind_int(st, 8, order_id);
	else
		db_bind_null(st, 8);
	db_bind_text(st, 9, s->user);
	db_bind_text(st, 10, note);
	if ((rc = db_step(st)) < 0)
		dberr(s, rc, kind);
	db_done(st);
	if (rc < 0)
		return rc;
	move_id = db_last_id(s->db);

	snprintf(before, sizeof before, "{\"warehouse\":%" PRId64 ",\"lot\":%" PRId64
	    ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64 "}", wh, lot,
	    on_hand - d_on_hand, reserved - d_reserved);
	if (order_id != 0)
		snprintf(after, sizeof after, "{\"warehouse\":%" PRId64 ",\"lot\":%" PRId64
		    ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64 ",\"move\":%" PRId64
		    ",\"order\":%" PRId64 "}", wh, lot, on_hand, reserved, move_id, order_id);
	else
		snprintf(after, sizeof after, "{\"warehouse\":%" PRId64 ",\"lot\":%" PRId64
		    ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64 ",\"move\":%" PRId64 "}",
		    wh, lot, on_hand, reserved, move_id);
	return audit_log(s, "stock", sku, kind, before, after);
}

static int
warehouse_write(struct session *s, const char *code, const char *name,
    const char *province, int64_t *id)
{
	struct db_stmt *st;
	char *old_name = NULL, *old_prov = NULL, *before = NULL, *after = NULL;
	char *q[3] = { NULL, NULL, NULL };
	const char *action;
	int rc, found = 0;

	st = db_prep(s->db, "SELECT id, name, province FROM warehouse WHERE code = ?");
	if (st == NULL)
		return dberr(s, DB_ERR, "warehouse");
	db_bind_text(st, 1, code);
	if ((rc = db_step(st)) == DB_ROW) {
		found = 1;
		*id = db_col_int(st, 0);
		old_name = xstrdup(db_col_text(st, 1));
		old_prov = xstrdup(db_col_text(st, 2));
		rc = 0;
	} else if (rc < 0)
		dberr(s, rc, "warehouse");
	db_done(st);
	if (rc < 0)
		goto out;

	if (found) {
		if (strcmp(old_name, name) == 0 && strcmp(old_prov, province) == 0)
			goto out;
		action = "update";
		rc = db_run(s->db, "UPDATE warehouse SET name = ?, province = ? WHERE id = ?",
		    "ssi", name, province, *id);
	} else {
		action = "create";
		rc = db_run(s->db, "INSERT INTO warehouse(code, name, province) VALUES (?, ?, ?)",
		    "sss", code, name, province);
		*id = db_last_id(s->db);
	}
	if (rc != 0) {
		dberr(s, rc, "warehouse");
		goto out;
	}

	q[0] = json_quote(code);
	q[1] = json_quote(name);
	q[2] = json_quote(province);
	after = xasprintf("{\"code\":%s,\"name\":%s,\"province\":%s}", q[0], q[1], q[2]);
	if (found) {
		free(q[1]);
		free(q[2]);
		q[1] = json_quote(old_name);
		q[2] = json_quote(old_prov);
		before = xasprintf("{\"code\":%s,\"name\":%s,\"province\":%s}", q[0], q[1],
		    q[2]);
	}
	rc = audit_log(s, "warehouse", *id, action, before, after);
out:
	free(after);
	free(before);
	free(q[2]);
	free(q[1]);
	free(q[0]);
	free(old_prov);
	free(old_name);
	return rc;
}

int
warehouse_upsert(struct session *s, const char *code, const char *name,
    const char *province, int64_t *id)
{
	int64_t dummy;
	int rc, outer;

	if ((rc = session_require(s, ROLE_ADMIN, "change a warehouse")) != 0)
		return rc;
	if (code == NULL || code[0] == '\0' || strlen(code) > CODE_MAX)
		return session_fail(s, DB_EINVAL, "warehouse: code must be 1 to %d bytes",
		    CODE_MAX);
	if (name == NULL || name[0] == '\0')
		name = code;
	if (province == NULL)
		province = "";
	if (id == NULL)
		id = &dummy;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = warehouse_write(s, code, name, province, id);
	return tx_end(s, outer, rc);
}

int
warehouse_list(struct session *s, struct warehouse_row **rows, size_t *n)
{
	struct db_stmt *st;
	struct warehouse_row *r = NULL;
	size_t cnt = 0;
	int rc;

	st = db_prep(s->db, "SELECT w.id, w.code, w.name, w.province, "
	    "(SELECT count(DISTINCT sku_id) FROM stock_level l WHERE l.warehouse_id = w.id "
	    "AND l.on_hand > 0), (SELECT coalesce(sum(on_hand), 0) FROM stock_level l "
	    "WHERE l.warehouse_id = w.id) FROM warehouse w ORDER BY w.code");
	if (st == NULL)
		return dberr(s, DB_ERR, "warehouse list");
	while ((rc = db_step(st)) == DB_ROW) {
		struct warehouse_row *w;

		r = xrealloc(r, (cnt + 1) * sizeof *r);
		w = &r[cnt++];
		w->id = db_col_int(st, 0);
		snprintf(w->code, sizeof w->code, "%s", db_col_text(st, 1));
		snprintf(w->name, sizeof w->name, "%s", db_col_text(st, 2));
		snprintf(w->province, sizeof w->province, "%s", db_col_text(st, 3));
		w->skus = db_col_int(st, 4);
		w->on_hand = db_col_int(st, 5);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(r);
		return dberr(s, rc, "warehouse list");
	}
	*rows = r;
	*n = cnt;
	return 0;
}

int
warehouse_find(struct session *s, const char *code, int64_t *id)
{
	int rc;

	if (code == NULL)
		return session_fail(s, DB_EINVAL, "warehouse: no code given");
	rc = db_int(s->db, id, "SELECT id FROM warehouse WHERE code = ?", "s", code);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "no warehouse '%s'", code);
	if (rc != 0)
		return dberr(s, rc, "warehouse");
	return 0;
}

static int
receive(struct session *s, int64_t wh, int64_t sku, const char *lot_code, int64_t expiry,
    int64_t qty, const char *note)
{
	struct key k;
	int64_t lot;
	int rc;

	if ((rc = qty_check(s, "receive", qty)) != 0)
		return rc;
	if (expiry < 0)
		return session_fail(s, DB_EINVAL, "receive: bad expiry %" PRId64, expiry);
	if ((rc = key_load(s, "receive", wh, sku, &k)) != 0)
		return rc;
	if (!k.lot_tracked && expiry != 0)
		return session_fail(s, DB_EINVAL, "receive: %s is not lot-tracked; it takes no "
		    "expiry", k.sku_code);
	if ((rc = lot_resolve(s, "receive", &k, lot_code, expiry, &lot)) != 0)
		return rc;
	return move(s, "receive", wh, sku, lot, qty, 0, 0, note);
}

int
stock_receive(struct session *s, int64_t wh, int64_t sku_id, const char *lot_code,
    int64_t expiry, int64_t qty, const char *note)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "receive stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = receive(s, wh, sku_id, lot_code != NULL ? lot_code : "", expiry, qty, note);
	return tx_end(s, outer, rc);
}

/* Lots with free units, FEFO; the third column says whether the lot may be sold now. */
static const char sql_fefo[] =
    "SELECT sl.lot_id, sl.on_hand - sl.reserved, "
    "CASE WHEN l.expiry IS NULL OR (l.expiry > ? AND l.expiry >= ?) THEN 1 ELSE 0 END "
    "FROM stock_level sl JOIN lot l ON l.id = sl.lot_id "
    "WHERE sl.warehouse_id = ? AND sl.sku_id = ? AND sl.on_hand > sl.reserved "
    "ORDER BY CASE WHEN l.expiry IS NULL THEN 1 ELSE 0 END, l.expiry, l.received_at, l.id";
static const char sql_fifo[] =
    "SELECT sl.lot_id, sl.on_hand - sl.reserved, 1 "
    "FROM stock_level sl JOIN lot l ON l.id = sl.lot_id "
    "WHERE sl.warehouse_id = ? AND sl.sku_id = ? AND sl.on_hand > sl.reserved "
    "ORDER BY l.received_at, l.id";

static int
picks_load(struct session *s, const struct key *k, struct pick **out, size_t *n)
{
	struct db_stmt *st;
	struct pick *p = NULL;
	size_t cap = 0;
	int64_t now = clock_now(), days;
	int rc, i = 1;

	*n = 0;
	if ((st = db_prep(s->db, k->lot_tracked ? sql_fefo : sql_fifo)) == NULL)
		return dberr(s, DB_ERR, "reserve");
	if (k->lot_tracked) {
		days = k->min_shelf_days < SHELF_DAYS_MAX ? k->min_shelf_days : SHELF_DAYS_MAX;
		db_bind_int(st, i++, now);
		db_bind_int(st, i++, now + days * DAY);
	}
	db_bind_int(st, i++, k->wh);
	db_bind_int(st, i, k->sku);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			p = xrealloc(p, cap * sizeof *p);
		}
		p[*n].lot = db_col_int(st, 0);
		p[*n].free = db_col_int(st, 1);
		p[*n].fresh = db_col_int(st, 2) != 0;
		(*n)++;
	}
	if (rc < 0)
		dberr(s, rc, "reserve");
	db_done(st);
	if (rc < 0) {
		free(p);
		*n = 0;
		return rc;
	}
	*out = p;
	return 0;
}

static int
reserve(struct session *s, int64_t order_id, int64_t line_id, int64_t wh, int64_t sku,
    int64_t qty, int64_t min_days)
{
	struct key k;
	struct pick *p = NULL;
	size_t n = 0, i;
	int64_t line_sku, fresh = 0, stale = 0, sellable, take, left;
	int rc;

	if ((rc = qty_check(s, "reserve", qty)) != 0)
		return rc;
	rc = db_int(s->db, &line_sku, "SELECT sku_id FROM order_line WHERE id = ? AND "
	    "order_id = ?", "ii", line_id, order_id);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "reserve: order %" PRId64 " has no line %" PRId64,
		    order_id, line_id);
	if (rc != 0)
		return dberr(s, rc, "reserve");
	if (line_sku != sku)
		return session_fail(s, DB_EINVAL, "reserve: line %" PRId64 " of order %" PRId64
		    " is for SKU %" PRId64 ", not %" PRId64, line_id, order_id, line_sku, sku);
	if ((rc = db_lock(s->db, "stock", sku)) != 0)
		return dberr(s, rc, "reserve");
	if ((rc = key_load(s, "reserve", wh, sku, &k)) != 0)
		return rc;
	if (min_days > k.min_shelf_days)
		k.min_shelf_days = min_days;    /* the channel's, when stricter */
	if ((rc = picks_load(s, &k, &p, &n)) != 0)
		return rc;

	for (i = 0; i < n; i++) {
		if (p[i].fresh)
			fresh += p[i].free;
		else
			stale += p[i].free;
	}
	sellable = fresh > k.buffer ? fresh - k.buffer : 0;
	if (qty > sellable) {
		if (stale > 0)
			rc = session_fail(s, DB_ESTOCK, "not enough stock of %s in %s: wanted %"
			    PRId64 ", available %" PRId64 " (%" PRId64 " more expire too soon "
			    "to sell)", k.sku_code, k.wh_code, qty, sellable, stale);
		else
			rc = session_fail(s, DB_ESTOCK, "not enough stock of %s in %s: wanted %"
			    PRId64 ", available %" PRId64, k.sku_code, k.wh_code, qty, sellable);
		goto out;
	}

	for (i = 0, left = qty; i < n && left > 0; i++) {
		if (!p[i].fresh)
			continue;
		take = p[i].free < left ? p[i].free : left;
		if ((rc = move(s, "reserve", wh, sku, p[i].lot, 0, take, order_id, NULL)) != 0)
			goto out;
		rc = db_run(s->db, "INSERT INTO reservation(order_id, order_line_id, "
		    "warehouse_id, sku_id, lot_id, qty, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    "iiiiiii", order_id, line_id, wh, sku, p[i].lot, take, clock_now());
		if (rc != 0) {
			dberr(s, rc, "reserve");
			goto out;
		}
		left -= take;
	}
out:
	free(p);
	return rc;
}

int
stock_reserve(struct session *s, int64_t order_id, int64_t line_id, int64_t wh,
    int64_t sku_id, int64_t qty)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_PACKER, "reserve stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = reserve(s, order_id, line_id, wh, sku_id, qty, 0);
	return tx_end(s, outer, rc);
}

int
stock_reserve_fresh(struct session *s, int64_t order_id, int64_t line_id, int64_t wh,
    int64_t sku_id, int64_t qty, int64_t min_shelf_days)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_PACKER, "reserve stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = reserve(s, order_id, line_id, wh, sku_id, qty, min_shelf_days);
	return tx_end(s, outer, rc);
}

/* Take the order's reservations (in warehouse wh; 0: all) off the books: released, or
 * shipped when ship is set. */
static int
release_at(struct session *s, int64_t order_id, int64_t wh, int ship)
{
	const char *kind = ship ? "ship" : "unreserve";
	struct db_stmt *st;
	struct held *h = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	st = db_prep(s->db, "SELECT warehouse_id, sku_id, lot_id, sum(qty) FROM reservation "
	    "WHERE order_id = ? AND (? = 0 OR warehouse_id = ?) "
	    "GROUP BY warehouse_id, sku_id, lot_id ORDER BY warehouse_id, sku_id, lot_id");
	if (st == NULL)
		return dberr(s, DB_ERR, kind);
	db_bind_int(st, 1, order_id);
	db_bind_int(st, 2, wh);
	db_bind_int(st, 3, wh);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			h = xrealloc(h, cap * sizeof *h);
		}
		h[n].wh = db_col_int(st, 0);
		h[n].sku = db_col_int(st, 1);
		h[n].lot = db_col_int(st, 2);
		h[n].qty = db_col_int(st, 3);
		n++;
	}
	if (rc < 0)
		dberr(s, rc, kind);
	db_done(st);
	if (rc < 0)
		goto out;
	if (n == 0) {
		rc = order_exists(s, kind, order_id);
		goto out;
	}
	if ((rc = lock_held(s, h, n)) != 0)
		goto out;

	for (i = 0; i < n; i++) {
		rc = move(s, kind, h[i].wh, h[i].sku, h[i].lot, ship ? -h[i].qty : 0,
		    -h[i].qty, order_id, NULL);
		if (rc != 0)
			goto out;
	}
	rc = db_run(s->db, "DELETE FROM reservation WHERE order_id = ? AND (? = 0 OR "
	    "warehouse_id = ?)", "iii", order_id, wh, wh);
	if (rc != 0)
		dberr(s, rc, kind);
out:
	free(h);
	return rc;
}

static int
release(struct session *s, int64_t order_id, int ship)
{
	return release_at(s, order_id, 0, ship);
}

int
stock_ship_order_at(struct session *s, int64_t order_id, int64_t wh)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_PACKER, "ship stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = release_at(s, order_id, wh, 1);
	return tx_end(s, outer, rc);
}

int
stock_unreserve_order(struct session *s, int64_t order_id)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_PACKER, "release reserved stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = release(s, order_id, 0);
	return tx_end(s, outer, rc);
}

int
stock_ship_order(struct session *s, int64_t order_id)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_PACKER, "ship stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = release(s, order_id, 1);
	return tx_end(s, outer, rc);
}

/*
 * A packed order that will not leave after all (cancelled before handover): every unit
 * its ship movements took goes back on hand into the same lot, as a return movement.
 */
static int
unship(struct session *s, int64_t order_id)
{
	struct db_stmt *st;
	struct held *h = NULL;
	size_t n = 0, i;
	int rc;

	st = db_prep(s->db, "SELECT warehouse_id, sku_id, lot_id, -sum(d_on_hand) "
	    "FROM stock_move WHERE order_id = ? AND kind IN ('ship', 'return') "
	    "GROUP BY warehouse_id, sku_id, lot_id HAVING -sum(d_on_hand) > 0 "
	    "ORDER BY warehouse_id, sku_id, lot_id");
	if (st == NULL)
		return dberr(s, DB_ERR, "restock");
	db_bind_int(st, 1, order_id);
	while ((rc = db_step(st)) == DB_ROW) {
		h = xrealloc(h, (n + 1) * sizeof *h);
		h[n].wh = db_col_int(st, 0);
		h[n].sku = db_col_int(st, 1);
		h[n].lot = db_col_int(st, 2);
		h[n].qty = db_col_int(st, 3);
		n++;
	}
	db_done(st);
	if (rc < 0) {
		free(h);
		return dberr(s, rc, "restock");
	}
	if ((rc = lock_held(s, h, n)) != 0) {
		free(h);
		return rc;
	}
	for (i = 0, rc = 0; i < n && rc == 0; i++)
		rc = move(s, "return", h[i].wh, h[i].sku, h[i].lot, h[i].qty, 0, order_id,
		    "packed order cancelled");
	free(h);
	return rc;
}

int
stock_unship_order(struct session *s, int64_t order_id)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "put a packed order back in stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = unship(s, order_id);
	return tx_end(s, outer, rc);
}

static int
adjust(struct session *s, int64_t wh, int64_t sku, const char *lot_code, int64_t delta,
    const char *reason)
{
	struct key k;
	int64_t lot, on_hand, reserved;
	int rc;

	if (delta == 0 || delta > QTY_MAX || delta < -QTY_MAX)
		return session_fail(s, DB_EINVAL, "adjust: change must be -%d to %d and not 0, "
		    "not %" PRId64, QTY_MAX, QTY_MAX, delta);
	if (reason == NULL || reason[0] == '\0')
		return session_fail(s, DB_EINVAL, "adjust: give a reason");
	if ((rc = key_load(s, "adjust", wh, sku, &k)) != 0 ||
	    (rc = lot_resolve(s, "adjust", &k, lot_code, 0, &lot)) != 0 ||
	    (rc = level_get(s, "adjust", wh, sku, lot, &on_hand, &reserved)) != 0)
		return rc;
	if (on_hand + delta < 0)
		return session_fail(s, DB_ESTOCK, "adjust: %s lot '%s' in %s has %" PRId64
		    " on hand; cannot take %" PRId64, k.sku_code, lot_code, k.wh_code, on_hand,
		    -delta);
	if (on_hand + delta < reserved)
		return session_fail(s, DB_ESTOCK, "adjust: %s lot '%s' in %s has %" PRId64
		    " on hand, %" PRId64 " of them reserved; cannot take %" PRId64
		    " (release the orders first)", k.sku_code, lot_code, k.wh_code, on_hand,
		    reserved, -delta);
	return move(s, "adjust", wh, sku, lot, delta, 0, 0, reason);
}

int
stock_adjust(struct session *s, int64_t wh, int64_t sku_id, const char *lot_code,
    int64_t delta, const char *reason)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_ADMIN, "adjust stock")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = adjust(s, wh, sku_id, lot_code != NULL ? lot_code : "", delta, reason);
	return tx_end(s, outer, rc);
}

static int
restock(struct session *s, int64_t order_id, int64_t wh, int64_t sku, const char *lot_code,
    int64_t qty)
{
	struct key k;
	int64_t lot;
	int rc;

	if ((rc = qty_check(s, "return", qty)) != 0 ||
	    (rc = order_exists(s, "return", order_id)) != 0 ||
	    (rc = key_load(s, "return", wh, sku, &k)) != 0 ||
	    (rc = lot_resolve(s, "return", &k, lot_code, 0, &lot)) != 0)
		return rc;
	return move(s, "return", wh, sku, lot, qty, 0, order_id, NULL);
}

int
stock_return(struct session *s, int64_t order_id, int64_t wh, int64_t sku_id,
    const char *lot_code, int64_t qty)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "restock a return")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = restock(s, order_id, wh, sku_id, lot_code != NULL ? lot_code : "", qty);
	return tx_end(s, outer, rc);
}

static int
return_lot(struct session *s, int64_t order_id, int64_t wh, int64_t sku, int64_t lot,
    int64_t qty, int write_off, const char *note)
{
	struct key k;
	int64_t x;
	int rc;

	if ((rc = qty_check(s, "return", qty)) != 0 ||
	    (rc = order_exists(s, "return", order_id)) != 0 ||
	    (rc = key_load(s, "return", wh, sku, &k)) != 0)
		return rc;
	rc = db_int(s->db, &x, "SELECT id FROM lot WHERE id = ? AND sku_id = ?", "ii", lot,
	    sku);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "return: lot %" PRId64 " is not a lot of %s", lot,
		    k.sku_code);
	if (rc != 0)
		return dberr(s, rc, "return");
	if ((rc = move(s, "return", wh, sku, lot, qty, 0, order_id, note)) != 0 || !write_off)
		return rc;
	return move(s, "writeoff", wh, sku, lot, -qty, 0, order_id, note);
}

int
stock_return_lot(struct session *s, int64_t order_id, int64_t wh, int64_t sku_id,
    int64_t lot_id, int64_t qty, int write_off, const char *note)
{
	int rc, outer;

	if ((rc = session_require(s, ROLE_PACKER, "receive a return")) != 0)
		return rc;
	if ((rc = tx_begin(s, &outer)) != 0)
		return rc;
	rc = return_lot(s, order_id, wh, sku_id, lot_id, qty, write_off, note);
	return tx_end(s, outer, rc);
}

/* Sums over the lots of sku in wh (0: every warehouse), and the SKU's buffer. */
static int
totals(struct session *s, int64_t wh, int64_t sku, int64_t *on_hand, int64_t *reserved,
    int64_t *buffer)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(s->db, "SELECT k.buffer, coalesce(sum(l.on_hand), 0), "
	    "coalesce(sum(l.reserved), 0) FROM sku k LEFT JOIN stock_level l "
	    "ON l.sku_id = k.id AND (? = 0 OR l.warehouse_id = ?) WHERE k.id = ? GROUP BY k.id");
	if (st == NULL)
		return dberr(s, DB_ERR, "stock");
	db_bind_int(st, 1, wh);
	db_bind_int(st, 2, wh);
	db_bind_int(st, 3, sku);
	if ((rc = db_step(st)) == DB_ROW) {
		*buffer = db_col_int(st, 0);
		*on_hand = db_col_int(st, 1);
		*reserved = db_col_int(st, 2);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = session_fail(s, DB_ENOTFOUND, "stock: no SKU with id %" PRId64, sku);
	else
		dberr(s, rc, "stock");
	db_done(st);
	return rc;
}

int
stock_on_hand(struct session *s, int64_t wh, int64_t sku_id, int64_t *out)
{
	int64_t reserved, buffer;

	return totals(s, wh, sku_id, out, &reserved, &buffer);
}

int
stock_reserved(struct session *s, int64_t wh, int64_t sku_id, int64_t *out)
{
	int64_t on_hand, buffer;

	return totals(s, wh, sku_id, &on_hand, out, &buffer);
}

int
stock_available(struct session *s, int64_t wh, int64_t sku_id, int64_t *out)
{
	int64_t on_hand = 0, reserved = 0, buffer = 0;
	int rc;

	if ((rc = totals(s, wh, sku_id, &on_hand, &reserved, &buffer)) != 0)
		return rc;
	*out = on_hand - reserved - buffer;
	if (*out < 0)
		*out = 0;
	return 0;
}

int
stock_verify(struct session *s, char *msg, size_t len)
{
	struct db_stmt *st;
	char where[400];
	int64_t on_hand, reserved, m_on_hand, m_reserved, r_qty;
	int rc, broken = 0, has_level;

	if (msg == NULL)
		len = 0;
	else if (len > 0)
		msg[0] = '\0';
	/* Every key that has a level, a movement or a reservation, in one snapshot. */
	st = db_prep(s->db, "WITH k(w, s, l) AS ("
	    "SELECT warehouse_id, sku_id, lot_id FROM stock_level "
	    "UNION SELECT warehouse_id, sku_id, lot_id FROM stock_move "
	    "UNION SELECT warehouse_id, sku_id, lot_id FROM reservation) "
	    "SELECT sl.on_hand IS NOT NULL, coalesce(sl.on_hand, 0), coalesce(sl.reserved, 0), "
	    "(SELECT coalesce(sum(m.d_on_hand), 0) FROM stock_move m "
	    " WHERE m.warehouse_id = k.w AND m.sku_id = k.s AND m.lot_id = k.l), "
	    "(SELECT coalesce(sum(m.d_reserved), 0) FROM stock_move m "
	    " WHERE m.warehouse_id = k.w AND m.sku_id = k.s AND m.lot_id = k.l), "
	    "(SELECT coalesce(sum(r.qty), 0) FROM reservation r "
	    " WHERE r.warehouse_id = k.w AND r.sku_id = k.s AND r.lot_id = k.l), "
	    "coalesce(w.code, '?'), coalesce(sk.sku, '?'), coalesce(lo.lot_code, '?'), "
	    "CASE WHEN lo.sku_id = k.s THEN 1 ELSE 0 END "
	    "FROM k LEFT JOIN stock_level sl "
	    " ON sl.warehouse_id = k.w AND sl.sku_id = k.s AND sl.lot_id = k.l "
	    "LEFT JOIN warehouse w ON w.id = k.w LEFT JOIN sku sk ON sk.id = k.s "
	    "LEFT JOIN lot lo ON lo.id = k.l ORDER BY k.w, k.s, k.l");
	if (st == NULL)
		return dberr(s, DB_ERR, "stock verify");
	while (!broken && (rc = db_step(st)) == DB_ROW) {
		has_level = db_col_int(st, 0) != 0;
		on_hand = db_col_int(st, 1);
		reserved = db_col_int(st, 2);
		m_on_hand = db_col_int(st, 3);
		m_reserved = db_col_int(st, 4);
		r_qty = db_col_int(st, 5);
		snprintf(where, sizeof where, "%s lot '%s' in %s", db_col_text(st, 7),
		    db_col_text(st, 8), db_col_text(st, 6));
		broken = 1;
		if (db_col_int(st, 9) == 0)
			snprintf(msg, len, "%s: the lot belongs to another SKU", where);
		else if (!has_level && (m_on_hand != 0 || m_reserved != 0 || r_qty != 0))
			snprintf(msg, len, "%s: no stock level row, but movements sum to on hand %"
			    PRId64 ", reserved %" PRId64, where, m_on_hand, m_reserved);
		else if (on_hand < 0 || reserved < 0 || reserved > on_hand)
			snprintf(msg, len, "%s: on hand %" PRId64 ", reserved %" PRId64, where,
			    on_hand, reserved);
		else if (on_hand != m_on_hand || reserved != m_reserved)
			snprintf(msg, len, "%s: level says on hand %" PRId64 ", reserved %" PRId64
			    "; movements sum to %" PRId64 ", %" PRId64, where, on_hand, reserved,
			    m_on_hand, m_reserved);
		else if (reserved != r_qty)
			snprintf(msg, len, "%s: %" PRId64 " reserved, but reservations hold %"
			    PRId64, where, reserved, r_qty);
		else
			broken = 0;
	}
	if (!broken && rc < 0)
		dberr(s, rc, "stock verify");
	db_done(st);
	if (broken)
		return 1;
	return rc < 0 ? rc : 0;
}

/*
 * pack.c — the scan-to-pack flow of one station (see pack.h).
 *
 * Input goes through pack_input(): commands first, then, by step, an order to open or
 * a unit or box to scan. Anything that should stop the packer opens a lock (lock()),
 * which is audited; while a lock is open only an acknowledge, a supervisor override of a
 * weight lock, or log-out is taken. Scans are written to pack_scan as they happen;
 * confirming writes packages, PACKED, the stock movement, the outbox row for the
 * marketplace and the audit records in one transaction.
 */
#include "pack.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "gs1.h"
#include "order.h"
#include "risk.h"
#include "sku.h"
#include "tote.h"
#include "user.h"
#include "xalloc.h"

static const struct pack_box default_boxes[] = {
	{ "S", "BOX-S", 40, "20x15x10" },
	{ "M", "BOX-M", 80, "30x20x15" },
	{ "L", "BOX-L", 150, "40x30x20" },
};

static const char *const outcome_names[] = {
	[PACK_OK] = "ok", [PACK_ERROR] = "error", [PACK_LOCKED] = "locked",
	[PACK_PACKED] = "packed",
};

static const char *const lock_names[] = {
	[PACK_LOCK_NONE] = "none", [PACK_LOCK_ORDER] = "order",
	[PACK_LOCK_WAREHOUSE] = "warehouse", [PACK_LOCK_BUSY] = "busy",
	[PACK_LOCK_UNKNOWN] = "unknown", [PACK_LOCK_NOT_IN_ORDER] = "not-in-order",
	[PACK_LOCK_OVERSCAN] = "overscan", [PACK_LOCK_SHELF_LIFE] = "shelf-life",
	[PACK_LOCK_WEIGHT] = "weight", [PACK_LOCK_WRONG_LOT] = "wrong-lot",
};

const char *
pack_outcome_name(enum pack_outcome o)
{
	return outcome_names[o];
}

const char *
pack_lock_name(enum pack_lock l)
{
	return lock_names[l];
}

void
pack_init(struct pack *p, struct session *s, const struct pack_config *cfg)
{
	memset(p, 0, sizeof *p);
	p->s = s;
	if (cfg != NULL)
		p->cfg = *cfg;
	if (p->cfg.nboxes <= 0) {
		memcpy(p->cfg.boxes, default_boxes, sizeof default_boxes);
		p->cfg.nboxes = (int)(sizeof default_boxes / sizeof default_boxes[0]);
	}
	if (p->cfg.station[0] == '\0')
		snprintf(p->cfg.station, sizeof p->cfg.station, "%s", s->station);
	p->step = PACK_SCAN_ORDER;
}

static void
close_order(struct pack *p)
{
	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
	p->order_id = 0;
	p->order_no[0] = '\0';
	p->npkgs = 0;
	p->step = PACK_SCAN_ORDER;
}

void
pack_free(struct pack *p)
{
	close_order(p);
}

const struct pack_box *
pack_boxes(const struct pack *p, int *n)
{
	*n = p->cfg.nboxes;
	return p->cfg.boxes;
}

int64_t
pack_remaining(const struct pack *p)
{
	int64_t left = 0;
	size_t i;

	for (i = 0; i < p->nlines; i++)
		left += p->lines[i].expected - p->lines[i].scanned;
	return left;
}

int
pack_wants_weight(const struct pack *p)
{
	return p->order_id != 0 && p->lock == PACK_LOCK_NONE && p->step == PACK_WEIGH;
}

int64_t
pack_expected_g(const struct pack *p, int i)
{
	const struct pack_pkg *k = &p->pkgs[i];

	return k->content_g + (k->box >= 0 ? p->cfg.boxes[k->box].tare_g : 0);
}

int64_t
pack_tolerance_g(const struct pack *p, int64_t expected_g)
{
	int64_t pct = expected_g * p->cfg.tol_pct / 100;

	return pct > p->cfg.tol_g ? pct : p->cfg.tol_g;
}

static void
result(struct pack *p, struct pack_result *r, enum pack_outcome o, int code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
result(struct pack *p, struct pack_result *r, enum pack_outcome o, int code,
    const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	r->code = code;
	r->action = PACK_ACT_NONE;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
	r->remaining = pack_remaining(p);
}

/*
 * The checks before an action on the open order: refused while a lock is open, and
 * (when no_order says why) when no order is open. 0 to go on, else r is filled.
 */
static int
guard(struct pack *p, struct pack_result *r, const char *no_order)
{
	if (p->lock != PACK_LOCK_NONE) {
		result(p, r, PACK_LOCKED, 0, "station locked: %s", p->lock_msg);
		return -1;
	}
	if (no_order != NULL && p->order_id == 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "%s", no_order);
		return -1;
	}
	return 0;
}

/* Write one audit record in a transaction of its own (or the caller's). */
static void
audit_event(struct session *s, const char *entity, int64_t id, const char *action,
    const char *after)
{
	if (db_begin(s->db) != 0)
		return;
	if (audit_log(s, entity, id, action, "", after) != 0 || db_commit(s->db) != 0)
		db_rollback(s->db);
}

/* JSON string body of text (quotes and backslashes escaped, controls dropped). */
static void
json_text(char *out, size_t len, const char *text)
{
	size_t o = 0;

	for (; *text != '\0' && o + 3 < len; text++) {
		unsigned char c = (unsigned char)*text;

		if (c == '"' || c == '\\')
			out[o++] = '\\';
		if (c >= 0x20)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void
lock(struct pack *p, struct pack_result *r, enum pack_lock kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
lock(struct pack *p, struct pack_result *r, enum pack_lock kind, const char *fmt, ...)
{
	char after[512], msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->lock_msg, sizeof p->lock_msg, fmt, ap);
	va_end(ap);
	p->lock = kind;
	json_text(msg, sizeof msg, p->lock_msg);
	snprintf(after, sizeof after, "{\"lock\":\"%s\",\"message\":\"%s\"}",
	    lock_names[kind], msg);
	audit_event(p->s, p->order_id ? "order" : "station", p->order_id, "lock", after);
	result(p, r, PACK_LOCKED, 0, "%s", p->lock_msg);
}

static void
new_pkg(struct pack *p)
{
	struct pack_pkg *k = &p->pkgs[p->npkgs++];

	memset(k, 0, sizeof *k);
	k->box = 0;
	k->weight_g = -1;
}

/* Keep package i's box and accepted weight, so a restarted station resumes it. */
static int
save_pkg(struct pack *p, int i)
{
	const struct pack_pkg *k = &p->pkgs[i];
	int rc;

	if ((rc = db_begin(p->s->db)) != 0)
		return rc;
	rc = db_run(p->s->db, "INSERT INTO pack_pkg(order_id, pkg_no, box, weight_g, "
	    "weight_override) VALUES (?, ?, ?, ?, ?) ON CONFLICT(order_id, pkg_no) DO UPDATE "
	    "SET box = excluded.box, weight_g = excluded.weight_g, "
	    "weight_override = excluded.weight_override", "iiiis", p->order_id, (int64_t)i + 1,
	    (int64_t)k->box, k->weight_g >= 0 ? k->weight_g : (int64_t)-1, k->override);
	if (rc != 0) {
		session_fail(p->s, rc, "package %d not saved: %s", i + 1, db_errmsg(p->s->db));
		db_rollback(p->s->db);
		return rc;
	}
	return db_commit(p->s->db);
}

/* Everything scanned and every package weighed (or overridden). */
static int
all_checked(const struct pack *p)
{
	int i;

	if (pack_remaining(p) != 0)
		return 0;
	for (i = 0; i < p->npkgs; i++) {
		if (p->pkgs[i].units > 0 && p->pkgs[i].weight_g < 0)
			return 0;
	}
	return 1;
}

static void
advance(struct pack *p)
{
	if (p->order_id == 0)
		p->step = PACK_SCAN_ORDER;
	else if (pack_remaining(p) > 0)
		p->step = PACK_SCAN_ITEMS;
	else
		p->step = all_checked(p) ? PACK_READY : PACK_WEIGH;
}

static int
load_lines(struct pack *p, const struct order *o)
{
	struct db_stmt *st;
	size_t i;

	p->lines = xcalloc(o->nlines ? o->nlines : 1, sizeof *p->lines);
	p->nlines = o->nlines;
	for (i = 0; i < o->nlines; i++) {
		struct pack_line *l = &p->lines[i];

		l->line_id = o->lines[i].id;
		l->sku_id = o->lines[i].sku_id;
		snprintf(l->sku, sizeof l->sku, "%s", o->lines[i].sku);
		snprintf(l->name, sizeof l->name, "%s", o->lines[i].name);
		l->expected = o->lines[i].qty;
		st = db_prep(p->s->db, "SELECT coalesce(weight_g, 0), lot_tracked, min_shelf_days "
		    "FROM sku WHERE id = ?");
		if (st == NULL)
			return DB_ERR;
		db_bind_int(st, 1, l->sku_id);
		if (db_step(st) == DB_ROW) {
			l->weight_g = db_col_int(st, 0);
			l->lot_tracked = (int)db_col_int(st, 1);
			l->min_shelf_days = db_col_int(st, 2);
		}
		db_done(st);
	}
	/* Resume: what this order already had scanned. */
	new_pkg(p);
	st = db_prep(p->s->db, "SELECT order_line_id, pkg_no, sum(qty) FROM pack_scan "
	    "WHERE order_id = ? GROUP BY order_line_id, pkg_no ORDER BY pkg_no");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, p->order_id);
	while (db_step(st) == DB_ROW) {
		int64_t line = db_col_int(st, 0), qty = db_col_int(st, 2);
		int pkg = (int)db_col_int(st, 1);

		while (p->npkgs < pkg && p->npkgs < PACK_MAX_PKGS)
			new_pkg(p);
		for (i = 0; i < p->nlines; i++) {
			if (p->lines[i].line_id == line) {
				p->lines[i].scanned += qty;
				p->pkgs[p->npkgs - 1].units += qty;
				p->pkgs[p->npkgs - 1].content_g += qty * p->lines[i].weight_g;
			}
		}
	}
	db_done(st);
	st = db_prep(p->s->db, "SELECT pkg_no, box, weight_g, weight_override FROM pack_pkg "
	    "WHERE order_id = ? ORDER BY pkg_no");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, p->order_id);
	while (db_step(st) == DB_ROW) {
		int pkg = (int)db_col_int(st, 0), box = (int)db_col_int(st, 1);
		struct pack_pkg *k;

		if (pkg < 1 || pkg > PACK_MAX_PKGS)
			continue;
		while (p->npkgs < pkg)
			new_pkg(p);
		k = &p->pkgs[pkg - 1];
		k->box = box >= 0 && box < p->cfg.nboxes ? box : 0;
		k->weight_g = k->units > 0 ? db_col_int(st, 2) : -1;
		snprintf(k->override, sizeof k->override, "%s", db_col_text(st, 3));
	}
	db_done(st);
	return 0;
}

static void
open_order(struct pack *p, const char *key, struct pack_result *r)
{
	struct order *o = NULL;
	int64_t id;
	int rc;

	rc = order_find(p->s, key, &id);
	if (rc == DB_ENOTFOUND) {       /* a tote or pick list from picking? */
		rc = tote_next(p->s, key, p->cfg.station, &id);
		if (rc == DB_ESTATE) {
			lock(p, r, PACK_LOCK_ORDER, "%s", p->s->err);
			return;
		}
	}
	if (rc == DB_ENOTFOUND) {
		lock(p, r, PACK_LOCK_UNKNOWN, "'%s' is not an order, tracking number, tote or "
		    "pick list here; scan the order's barcode", key);
		return;
	}
	if (rc == DB_EINVAL) {          /* an order number two channels share */
		lock(p, r, PACK_LOCK_UNKNOWN, "%s", p->s->err);
		return;
	}
	if (rc != 0) {
		result(p, r, PACK_ERROR, rc, "%s", p->s->err);
		return;
	}
	rc = order_start_packing(p->s, id, p->cfg.station, p->cfg.warehouse_id);
	if (rc != 0) {
		enum pack_lock k = rc == DB_ECONFLICT ? PACK_LOCK_BUSY :
		    rc == DB_EINVAL || rc == DB_ESTOCK ? PACK_LOCK_WAREHOUSE : PACK_LOCK_ORDER;

		if (rc == DB_EPERM || rc == DB_EBUSY || rc == DB_ERR || rc == DB_EFULL ||
		    rc == DB_EREADONLY) {
			result(p, r, PACK_ERROR, rc, "%s", p->s->err);
			return;
		}
		lock(p, r, k, "%s", p->s->err);
		return;
	}
	if (order_load(p->s, id, &o) != 0) {
		result(p, r, PACK_ERROR, DB_ERR, "%s", p->s->err);
		return;
	}
	close_order(p);
	p->order_id = id;
	snprintf(p->order_no, sizeof p->order_no, "%s", o->order_no);
	snprintf(p->channel, sizeof p->channel, "%s", o->channel);
	snprintf(p->shop, sizeof p->shop, "%s", o->shop);
	snprintf(p->currency, sizeof p->currency, "%s", o->currency);
	snprintf(p->buyer, sizeof p->buyer, "%s", o->buyer_name);
	snprintf(p->province, sizeof p->province, "%s", o->province);
	p->ship_by = o->ship_by;
	p->cod = o->cod;
	p->total = o->total;
	if (risk_flags(p->s, id, p->risk, sizeof p->risk) != 0)
		p->risk[0] = '\0';            /* flags are advice; packing goes on without */
	rc = load_lines(p, o);
	order_free(o);
	if (rc != 0) {
		close_order(p);
		result(p, r, PACK_ERROR, rc, "order %s: %s", key, db_errmsg(p->s->db));
		return;
	}
	advance(p);
	result(p, r, PACK_OK, 0, "order %s open: %" PRId64 " unit%s to scan", p->order_no,
	    pack_remaining(p), pack_remaining(p) == 1 ? "" : "s");
}

/* The order's wanted lines, short, for lock messages: "SKU-A x2, SKU-B x1". */
static void
wanted(const struct pack *p, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nlines && o + 1 < len; i++) {
		if (p->lines[i].scanned >= p->lines[i].expected)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s x%" PRId64, o ? ", " : "",
		    p->lines[i].sku, p->lines[i].expected - p->lines[i].scanned);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "nothing more");
}

static int
save_scan(struct pack *p, const struct pack_line *l, int64_t qty, const char *code,
    const struct gs1 *g)
{
	int rc;

	if ((rc = db_begin(p->s->db)) != 0)
		return rc;
	rc = db_run(p->s->db, "INSERT INTO pack_scan(order_id, order_line_id, pkg_no, qty, code, "
	    "lot_code, expiry, station, user_name, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
	    "iiiisssssi", p->order_id, l->line_id, (int64_t)p->npkgs, qty, code,
	    g->lot[0] ? g->lot : NULL, NULL, p->cfg.station, p->s->user, clock_now());
	if (rc == 0 && g->expiry > 0)
		rc = db_run(p->s->db, "UPDATE pack_scan SET expiry = ? WHERE id = ?", "ii",
		    g->expiry, db_last_id(p->s->db));
	if (rc != 0) {
		db_rollback(p->s->db);
		return rc;
	}
	return db_commit(p->s->db);
}

/*
 * A lot scanned for a lot-tracked line must be one the order's stock is reserved from:
 * the ledger ships the reserved (FEFO) lot, so taking another would leave stock wrong.
 * 0 when it is (or the line has no reservation to compare with), else the lock is open.
 */
static int
check_lot(struct pack *p, struct pack_result *r, const struct pack_line *l,
    const struct gs1 *g)
{
	char reserved[160] = "", date[32];
	struct db_stmt *st;
	size_t o = 0;
	int match = 0, any = 0;

	st = db_prep(p->s->db, "SELECT t.lot_code, coalesce(t.expiry, 0) FROM reservation r "
	    "JOIN lot t ON t.id = r.lot_id WHERE r.order_line_id = ? ORDER BY t.expiry");
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, l->line_id);
	while (db_step(st) == DB_ROW) {
		any = 1;
		if (strcmp(db_col_text(st, 0), g->lot) == 0)
			match = 1;
		date[0] = '\0';
		if (db_col_int(st, 1) > 0) {
			clock_format(db_col_int(st, 1), 0, date, sizeof date);
			date[10] = '\0';
		}
		if (o + 1 < sizeof reserved)
			o += (size_t)snprintf(reserved + o, sizeof reserved - o, "%s%s%s%s%s",
			    o ? ", " : "", db_col_text(st, 0), date[0] ? " (expires " : "", date,
			    date[0] ? ")" : "");
	}
	db_done(st);
	if (!any || match)
		return 0;
	lock(p, r, PACK_LOCK_WRONG_LOT, "scanned %s lot %s, but this order's stock is reserved "
	    "from lot %s: take that lot (first expiry first out)", l->sku, g->lot, reserved);
	return -1;
}

static void
scan_item(struct pack *p, const char *code, struct pack_result *r)
{
	char err[200], want[200], date[32];
	const char *lookup = code;
	struct pack_line *l = NULL;
	int64_t sku_id, qty = 1;
	struct gs1 g;
	size_t i;
	int rc, b;

	for (b = 0; b < p->cfg.nboxes; b++) {
		if (p->cfg.boxes[b].barcode[0] != '\0' && strcmp(code, p->cfg.boxes[b].barcode) == 0) {
			pack_box(p, b, r);
			return;
		}
	}
	if (gs1_parse(code, &g, err, sizeof err) != 0) {
		lock(p, r, PACK_LOCK_UNKNOWN, "scanned '%s': %s", code, err);
		return;
	}
	if (g.is_gs1) {
		if (g.gtin[0] == '\0') {
			lock(p, r, PACK_LOCK_UNKNOWN, "scanned a GS1 code without a GTIN (01); "
			    "scan the item's product barcode");
			return;
		}
		lookup = g.gtin;
	}
	rc = sku_by_barcode(p->s, lookup, &sku_id, &qty);
	if (rc == DB_ENOTFOUND && !g.is_gs1 && sku_find(p->s, lookup, &sku_id) == 0) {
		qty = 1;            /* the seller's own SKU label */
		rc = 0;
	}
	wanted(p, want, sizeof want);
	if (rc == DB_ENOTFOUND) {
		lock(p, r, PACK_LOCK_UNKNOWN, "scanned %s: no SKU has this barcode; order %s "
		    "wants %s", lookup, p->order_no, want);
		return;
	}
	if (rc != 0) {
		lock(p, r, PACK_LOCK_UNKNOWN, "scanned %s: %s", lookup, p->s->err);
		return;
	}
	if (g.is_gs1 && g.count > 0)
		qty *= g.count;
	for (i = 0; i < p->nlines; i++) {
		if (p->lines[i].sku_id != sku_id)
			continue;
		l = &p->lines[i];
		if (l->scanned < l->expected)
			break;
	}
	if (l == NULL) {
		char sku[64] = "?";
		struct db_stmt *st = db_prep(p->s->db, "SELECT sku FROM sku WHERE id = ?");

		if (st != NULL) {
			db_bind_int(st, 1, sku_id);
			if (db_step(st) == DB_ROW)
				snprintf(sku, sizeof sku, "%s", db_col_text(st, 0));
			db_done(st);
		}
		lock(p, r, PACK_LOCK_NOT_IN_ORDER, "scanned %s (%s): not in order %s, which wants "
		    "%s", sku, lookup, p->order_no, want);
		return;
	}
	if (l->scanned + qty > l->expected) {
		lock(p, r, PACK_LOCK_OVERSCAN, "scanned %s%s: one too many; order %s wants %"
		    PRId64 ", %" PRId64 " already scanned", l->sku, qty > 1 ? " (a pack)" : "",
		    p->order_no, l->expected, l->scanned);
		return;
	}
	if (g.expiry > 0 && l->min_shelf_days > 0 &&
	    g.expiry - clock_now() < l->min_shelf_days * 86400) {
		clock_format(g.expiry, 0, date, sizeof date);
		date[10] = '\0';
		lock(p, r, PACK_LOCK_SHELF_LIFE, "scanned %s lot %s: expires %s, %" PRId64
		    " days left; %s needs at least %" PRId64 " days: take a fresher lot", l->sku,
		    g.lot[0] ? g.lot : "?", date, (g.expiry - clock_now()) / 86400, l->sku,
		    l->min_shelf_days);
		return;
	}
	if (g.lot[0] != '\0' && l->lot_tracked && check_lot(p, r, l, &g) != 0)
		return;
	if ((rc = save_scan(p, l, qty, code, &g)) != 0) {
		result(p, r, PACK_ERROR, rc, "scan not saved: %s; scan it again",
		    db_errmsg(p->s->db));
		return;
	}
	l->scanned += qty;
	p->pkgs[p->npkgs - 1].units += qty;
	p->pkgs[p->npkgs - 1].content_g += qty * l->weight_g;
	p->pkgs[p->npkgs - 1].weight_g = -1;       /* a unit added: weigh again */
	p->pkgs[p->npkgs - 1].override[0] = '\0';
	save_pkg(p, p->npkgs - 1);
	advance(p);
	result(p, r, PACK_OK, 0, "%s %s %" PRId64 "/%" PRId64 "%s", l->sku, l->name, l->scanned,
	    l->expected, p->step == PACK_WEIGH ? "; all scanned, weigh the parcel" : "");
}

void
pack_box(struct pack *p, int index, struct pack_result *r)
{
	if (guard(p, r, "open an order before choosing a box") != 0)
		return;
	if (index < 0 || index >= p->cfg.nboxes) {
		result(p, r, PACK_ERROR, DB_EINVAL, "no such box; boxes are 1 to %d (%s ... %s)",
		    p->cfg.nboxes, p->cfg.boxes[0].code, p->cfg.boxes[p->cfg.nboxes - 1].code);
		return;
	}
	p->pkgs[p->npkgs - 1].box = index;
	p->pkgs[p->npkgs - 1].weight_g = -1;
	p->pkgs[p->npkgs - 1].override[0] = '\0';
	if (save_pkg(p, p->npkgs - 1) != 0) {
		result(p, r, PACK_ERROR, DB_ERR, "%s", p->s->err);
		return;
	}
	advance(p);
	result(p, r, PACK_OK, 0, "package %d: box %s (%s cm, tare %" PRId64 " g)", p->npkgs,
	    p->cfg.boxes[index].code, p->cfg.boxes[index].size, p->cfg.boxes[index].tare_g);
}

void
pack_weight(struct pack *p, int64_t grams, struct pack_result *r)
{
	struct pack_pkg *k;
	int64_t exp, tol;

	if (guard(p, r, "no order open: nothing to weigh") != 0)
		return;
	k = &p->pkgs[p->npkgs - 1];
	if (k->units == 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "package %d is empty: scan its items first",
		    p->npkgs);
		return;
	}
	if (grams <= 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "weight %" PRId64 " g: put the parcel on the "
		    "scale", grams);
		return;
	}
	exp = pack_expected_g(p, p->npkgs - 1);
	tol = pack_tolerance_g(p, exp);
	k->override[0] = '\0';
	if (grams < exp - tol || grams > exp + tol) {
		k->weight_g = -grams - 1;            /* remembered for an override, not accepted */
		lock(p, r, PACK_LOCK_WEIGHT, "package %d weighs %" PRId64 " g, expected %" PRId64
		    " g +/- %" PRId64 " g (box %s): check the items; a supervisor may override",
		    p->npkgs, grams, exp, tol, p->cfg.boxes[k->box].code);
		return;
	}
	k->weight_g = grams;
	if (save_pkg(p, p->npkgs - 1) != 0) {
		k->weight_g = -1;
		result(p, r, PACK_ERROR, DB_ERR, "%s; weigh again", p->s->err);
		return;
	}
	advance(p);
	if (p->step == PACK_READY && p->cfg.auto_confirm) {
		pack_confirm(p, r);
		return;
	}
	result(p, r, PACK_OK, 0, "package %d: %" PRId64 " g ok (expected %" PRId64 " g)%s",
	    p->npkgs, grams, exp, p->step == PACK_READY ? "; confirm" : "");
}

void
pack_ack(struct pack *p, struct pack_result *r)
{
	char after[96];

	if (p->lock == PACK_LOCK_NONE) {
		result(p, r, PACK_OK, 0, "nothing to acknowledge");
		return;
	}
	snprintf(after, sizeof after, "{\"lock\":\"%s\"}", lock_names[p->lock]);
	audit_event(p->s, p->order_id ? "order" : "station", p->order_id, "ack", after);
	if (p->lock == PACK_LOCK_WEIGHT && p->order_id != 0)
		p->pkgs[p->npkgs - 1].weight_g = -1;
	p->lock = PACK_LOCK_NONE;
	p->lock_msg[0] = '\0';
	advance(p);
	result(p, r, PACK_OK, 0, "acknowledged");
}

void
pack_override(struct pack *p, const char *badge, const char *reason, struct pack_result *r)
{
	struct session sup;
	struct pack_pkg *k;
	char after[256], why[120];
	int rc;

	if (p->lock != PACK_LOCK_WEIGHT) {
		result(p, r, p->lock ? PACK_LOCKED : PACK_ERROR, DB_EINVAL, "only a weight lock can "
		    "be overridden%s%s", p->lock ? "; this one: " : "", p->lock_msg);
		return;
	}
	if (reason == NULL || reason[0] == '\0') {
		result(p, r, PACK_LOCKED, DB_EINVAL, "an override needs a reason");
		return;
	}
	rc = user_login_badge(p->s->db, &sup, badge, p->cfg.station);
	if (rc != 0) {
		result(p, r, PACK_LOCKED, rc, "override refused: %s", sup.err);
		return;
	}
	if (sup.role < ROLE_SUPERVISOR) {
		result(p, r, PACK_LOCKED, DB_EPERM, "override refused: %s is a %s, a supervisor "
		    "must override", sup.user, role_name(sup.role));
		return;
	}
	k = &p->pkgs[p->npkgs - 1];
	k->weight_g = -k->weight_g - 1;
	snprintf(k->override, sizeof k->override, "%s: %s", sup.user, reason);
	json_text(why, sizeof why, reason);
	snprintf(after, sizeof after, "{\"package\":%d,\"weight_g\":%" PRId64 ",\"reason\":\"%s\","
	    "\"packer\":\"%s\"}", p->npkgs, k->weight_g, why, p->s->user);
	audit_event(&sup, "order", p->order_id, "weight_override", after);
	save_pkg(p, p->npkgs - 1);
	p->lock = PACK_LOCK_NONE;
	p->lock_msg[0] = '\0';
	advance(p);
	if (p->step == PACK_READY && p->cfg.auto_confirm) {
		pack_confirm(p, r);
		return;
	}
	result(p, r, PACK_OK, 0, "weight %" PRId64 " g accepted by %s: %s", k->weight_g,
	    sup.user, reason);
}

void
pack_new_package(struct pack *p, struct pack_result *r)
{
	struct pack_pkg *k;

	if (guard(p, r, "no order open") != 0)
		return;
	k = &p->pkgs[p->npkgs - 1];
	if (k->units == 0 || k->weight_g < 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "package %d must hold items and be weighed "
		    "before a new one", p->npkgs);
		return;
	}
	if (pack_remaining(p) == 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "every unit is packed: confirm instead");
		return;
	}
	if (p->npkgs >= PACK_MAX_PKGS) {
		result(p, r, PACK_ERROR, DB_EINVAL, "at most %d packages", PACK_MAX_PKGS);
		return;
	}
	new_pkg(p);
	if (save_pkg(p, p->npkgs - 1) != 0) {
		p->npkgs--;
		result(p, r, PACK_ERROR, DB_ERR, "%s", p->s->err);
		return;
	}
	advance(p);
	result(p, r, PACK_OK, 0, "package %d started", p->npkgs);
}

/* Give up the station's claim on the order: to status to, scans forgotten. */
static int
release_order(struct pack *p, enum order_status to, const char *reason)
{
	int rc;

	if ((rc = db_begin(p->s->db)) != 0)
		return rc;
	if ((rc = order_transition(p->s, p->order_id, 0, to, reason)) == 0 &&
	    (rc = db_run(p->s->db, "UPDATE orders SET packing_station = NULL WHERE id = ?", "i",
	    p->order_id)) == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_scan WHERE order_id = ?", "i", p->order_id);
	if (rc == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_pkg WHERE order_id = ?", "i", p->order_id);
	if (rc == 0 && to == ST_ON_HOLD)
		rc = tote_release(p->s, p->order_id);
	if (rc != 0) {
		db_rollback(p->s->db);
		return rc;
	}
	return db_commit(p->s->db);
}

/* Hold or cancel: release the order to status to and free the station. */
static void
give_back(struct pack *p, enum order_status to, const char *reason, const char *done,
    struct pack_result *r)
{
	char no[64];
	int rc;

	if (guard(p, r, "no order open") != 0)
		return;
	if ((rc = release_order(p, to, reason)) != 0) {
		result(p, r, PACK_ERROR, rc, "not done: %s", p->s->err);
		return;
	}
	snprintf(no, sizeof no, "%s", p->order_no);
	close_order(p);
	result(p, r, PACK_OK, 0, "order %s %s", no, done);
}

void
pack_hold(struct pack *p, const char *reason, struct pack_result *r)
{
	char done[160];

	if (reason == NULL || reason[0] == '\0')
		reason = "problem reported at the station";
	snprintf(done, sizeof done, "on hold for a supervisor: %s", reason);
	give_back(p, ST_ON_HOLD, reason, done, r);
}

void
pack_cancel(struct pack *p, struct pack_result *r)
{
	give_back(p, ST_ALLOCATED, "packing cancelled", "put back; its scans are undone", r);
}

static int
confirm_tx(struct pack *p, int64_t *total_g)
{
	char after[160];
	int i, rc;

	*total_g = 0;
	for (i = 0; i < p->npkgs; i++) {
		const struct pack_pkg *k = &p->pkgs[i];

		if (k->units == 0)
			continue;
		rc = db_run(p->s->db, "INSERT INTO package(order_id, pkg_no, box, tare_g, weight_g, "
		    "expected_g, station, user_name, weight_override, created_at) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?)", "iisiiisssi", p->order_id, (int64_t)i + 1,
		    p->cfg.boxes[k->box].code, p->cfg.boxes[k->box].tare_g, k->weight_g,
		    pack_expected_g(p, i), p->cfg.station, p->s->user,
		    k->override[0] ? k->override : NULL, clock_now());
		if (rc != 0)
			return session_fail(p->s, rc, "packages not saved: %s", db_errmsg(p->s->db));
		*total_g += k->weight_g;
	}
	if ((rc = order_transition(p->s, p->order_id, 0, ST_PACKED, p->cfg.station)) != 0)
		return rc;
	rc = db_run(p->s->db, "UPDATE orders SET packing_station = NULL WHERE id = ?", "i",
	    p->order_id);
	if (rc == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_pkg WHERE order_id = ?", "i", p->order_id);
	if (rc == 0)
		rc = tote_release(p->s, p->order_id);
	if (rc != 0)
		return session_fail(p->s, rc, "%s", db_errmsg(p->s->db));
	/* What the marketplace is owed: ready-to-ship, drained by the sync thread. A manual
	 * shop's order owes nobody a call. */
	rc = db_run(p->s->db, "INSERT INTO outbox(shop_id, order_id, kind, payload, created_at) "
	    "SELECT o.shop_id, o.id, 'ready_to_ship', json_object('order_no', o.order_no, "
	    "'packages', ?, 'weight_g', ?), ? FROM orders o JOIN shop p ON p.id = o.shop_id "
	    "WHERE o.id = ? AND p.channel <> 'manual'", "iiii", (int64_t)p->npkgs, *total_g,
	    clock_now(), p->order_id);
	if (rc != 0)
		return session_fail(p->s, rc, "outbox: %s", db_errmsg(p->s->db));
	snprintf(after, sizeof after, "{\"packages\":%d,\"weight_g\":%" PRId64 "}", p->npkgs,
	    *total_g);
	return audit_log(p->s, "order", p->order_id, "pack", "", after);
}

void
pack_confirm(struct pack *p, struct pack_result *r)
{
	int64_t total_g;
	int rc, i;

	if (guard(p, r, "no order open to confirm") != 0)
		return;
	if (pack_remaining(p) > 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "not ready: %" PRId64 " unit%s still to scan",
		    pack_remaining(p), pack_remaining(p) == 1 ? "" : "s");
		return;
	}
	for (i = 0; i < p->npkgs; i++) {
		if (p->pkgs[i].units > 0 && p->pkgs[i].weight_g < 0) {
			result(p, r, PACK_ERROR, DB_EINVAL, "not ready: weigh package %d", i + 1);
			return;
		}
	}
	if ((rc = db_begin(p->s->db)) != 0) {
		result(p, r, PACK_ERROR, rc, "not packed: %s", db_errmsg(p->s->db));
		return;
	}
	if ((rc = confirm_tx(p, &total_g)) != 0 || (rc = db_commit(p->s->db)) != 0) {
		if (db_in_tx(p->s->db))
			db_rollback(p->s->db);
		result(p, r, PACK_ERROR, rc, "not packed: %s", p->s->err[0] ? p->s->err :
		    db_errmsg(p->s->db));
		return;
	}
	p->last_order_id = p->order_id;
	snprintf(p->last_summary, sizeof p->last_summary, "packed %s: %d package%s, %" PRId64
	    " g%s", p->order_no, p->npkgs, p->npkgs == 1 ? "" : "s", total_g,
	    p->cod > 0 ? ", COD" : "");
	close_order(p);
	result(p, r, PACK_PACKED, 0, "%s", p->last_summary);
	r->action = PACK_ACT_PRINT;
}

/* "WORD rest": case-insensitive keyword match; *rest after the spaces. */
static int
keyword(const char *in, const char *word, const char **rest)
{
	size_t n = strlen(word);

	if (strncasecmp(in, word, n) != 0 || (in[n] != '\0' && in[n] != ' '))
		return 0;
	for (in += n; *in == ' '; in++)
		;
	*rest = in;
	return 1;
}

void
pack_input(struct pack *p, const char *input, struct pack_result *r)
{
	char buf[256], *end;
	const char *arg;
	size_t n;
	long long v;
	int i;

	/* Trim spaces and line ends, but keep the GS separator inside. */
	while (*input == ' ' || *input == '\t')
		input++;
	n = strlen(input);
	while (n > 0 && (input[n - 1] == '\r' || input[n - 1] == '\n' || input[n - 1] == ' '))
		n--;
	if (n == 0 || n >= sizeof buf) {
		result(p, r, PACK_ERROR, DB_EINVAL, n ? "input too long" : "empty input");
		return;
	}
	memcpy(buf, input, n);
	buf[n] = '\0';

	if (keyword(buf, "CMD:ACK", &arg)) {
		pack_ack(p, r);
		return;
	}
	if (keyword(buf, "CMD:LOGOUT", &arg)) {
		result(p, r, PACK_OK, 0, "logged out");
		r->action = PACK_ACT_LOGOUT;
		return;
	}
	if (keyword(buf, "OVERRIDE", &arg)) {
		char badge[64];
		const char *sp = strchr(arg, ' ');

		n = sp ? (size_t)(sp - arg) : strlen(arg);
		if (n == 0 || n >= sizeof badge) {
			result(p, r, p->lock ? PACK_LOCKED : PACK_ERROR, DB_EINVAL,
			    "OVERRIDE <badge> <reason>");
			return;
		}
		memcpy(badge, arg, n);
		badge[n] = '\0';
		pack_override(p, badge, sp ? sp + 1 : "", r);
		return;
	}
	if (p->lock != PACK_LOCK_NONE) {
		result(p, r, PACK_LOCKED, 0, "station locked: %s (scan CMD:ACK)", p->lock_msg);
		return;
	}
	if (keyword(buf, "CMD:CONFIRM", &arg)) {
		pack_confirm(p, r);
	} else if (keyword(buf, "CMD:NEWPKG", &arg)) {
		pack_new_package(p, r);
	} else if (keyword(buf, "CMD:REPRINT", &arg)) {
		if (p->last_order_id == 0)
			result(p, r, PACK_ERROR, DB_EINVAL, "nothing packed yet to reprint");
		else {
			result(p, r, PACK_OK, 0, "reprinting the last label");
			r->action = PACK_ACT_REPRINT;
		}
	} else if (keyword(buf, "CMD:HOLD", &arg)) {
		pack_hold(p, arg, r);
	} else if (keyword(buf, "CMD:CANCEL-SCAN", &arg)) {
		pack_cancel(p, r);
	} else if (keyword(buf, "WEIGHT", &arg)) {
		v = strtoll(arg, &end, 10);
		if (*arg == '\0' || *end != '\0')
			result(p, r, PACK_ERROR, DB_EINVAL, "WEIGHT <grams>: '%s' is not a number", arg);
		else
			pack_weight(p, v, r);
	} else if (keyword(buf, "BOX", &arg)) {
		for (i = 0; i < p->cfg.nboxes; i++) {
			if (strcasecmp(arg, p->cfg.boxes[i].code) == 0)
				break;
		}
		if (i == p->cfg.nboxes && arg[0] >= '1' && arg[0] <= '9' && arg[1] == '\0')
			i = arg[0] - '1';
		pack_box(p, i, r);
	} else if (strncmp(buf, "CMD:", 4) == 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "unknown command %s", buf);
	} else if (p->step == PACK_SCAN_ORDER) {
		open_order(p, buf, r);
	} else {
		scan_item(p, buf, r);
	}
}

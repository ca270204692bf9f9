/*
 * pack.c — the scan-to-pack flow of one station (see pack.h).
 *
 * Input goes through pack_input(): commands first, then, by step, an order to open or
 * a unit or box to scan. Anything that should stop the packer opens a lock (lock()),
 * which is audited; while a lock is open only an acknowledge, a supervisor override of a
 * weight lock, or log-out is taken. Scans are written to pack_scan as they happen;
 * confirming writes packages, PACKED, the stock movement, the outbox row for the
 * marketplace and the audit records in one transaction.
 *
 * A split order's part is claimed in route_part (packing_station) rather than on the
 * order, so two stations of two warehouses pack its two parts at once; scans and open
 * packages carry the part number. The order goes PACKING with the first claim and PACKED
 * with the last part's confirm. A merged parcel is opened under the order whose parcel
 * it is (order_merge.parcel_id); each member order is claimed with it, its scans kept
 * under its own lines, and all of them are PACKED in the confirm's one transaction. A
 * member that can no longer be packed (cancelled, held) leaves the parcel (un-merged)
 * before anything is labelled.
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
#include "merge.h"
#include "order.h"
#include "risk.h"
#include "sku.h"
#include "stock.h"
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
	p->part_no = p->nparts = 0;
	p->part_wh = 0;
	p->part_wh_code[0] = '\0';
	free(p->members);
	p->members = NULL;
	p->nmembers = 0;
	p->merged[0] = '\0';
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
	char why[128];
	va_list ap;

	r->outcome = o;
	r->code = code;
	r->action = PACK_ACT_NONE;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
	r->remaining = pack_remaining(p);
	/* Storage refused a write (disk full, database read-only): the step was rolled back
	 * whole; the screen and line mode say so plainly. Nothing new is taken until a write
	 * goes through again, and the same input then goes on where it stopped. */
	if (code == DB_EFULL || code == DB_EREADONLY) {
		snprintf(why, sizeof why, "%.127s", r->message);
		snprintf(r->message, sizeof r->message, "%s: packing paused, nothing was lost; "
		    "%s, then try again (%s)", code == DB_EFULL ? "database disk is full" :
		    "database is read-only", code == DB_EFULL ? "free space" : "make it writable",
		    why);
	}
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
	if (db_begin_rows(s->db) != 0)     /* it writes no row: only the audit chain */
		return;
	if (audit_log(s, entity, id, action, "", after) != 0) {
		db_rollback(s->db);
		return;
	}
	db_commit(s->db);           /* a failed commit has rolled back already */
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
	audit_json_text(msg, sizeof msg, p->lock_msg);
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

	if ((rc = db_begin_rows(p->s->db)) != 0)
		return rc;
	if ((rc = db_lock(p->s->db, "orders", p->order_id)) == 0)
		rc = db_run(p->s->db, "INSERT INTO pack_open_pkg(order_id, part_no, pkg_no, box, "
	    "weight_g, weight_override) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(order_id, "
	    "part_no, pkg_no) DO UPDATE SET box = excluded.box, weight_g = excluded.weight_g, "
	    "weight_override = excluded.weight_override", "iiiiis", p->order_id,
	    (int64_t)p->part_no, (int64_t)i + 1, (int64_t)k->box,
	    k->weight_g >= 0 ? k->weight_g : (int64_t)-1, k->override);
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

/* Append the lines of order id to the bench: all of them, or for a split order's part
 * the units reserved in the part's warehouse. */
static int
add_lines(struct pack *p, int64_t id)
{
	struct order *o = NULL;
	struct db_stmt *st;
	int64_t qty;
	size_t i;
	int rc;

	if ((rc = order_load(p->s, id, &o)) != 0)
		return rc;
	p->lines = xrealloc(p->lines, (p->nlines + o->nlines + 1) * sizeof *p->lines);
	for (i = 0; i < o->nlines; i++) {
		struct pack_line *l = &p->lines[p->nlines];

		qty = o->lines[i].qty;
		if (p->part_no > 0 && (rc = db_int(p->s->db, &qty, "SELECT coalesce(sum(qty), 0) "
		    "FROM reservation WHERE order_line_id = ? AND warehouse_id = ?", "ii",
		    o->lines[i].id, p->part_wh)) != 0)
			break;
		if (qty <= 0)
			continue;
		memset(l, 0, sizeof *l);
		l->order_id = id;
		snprintf(l->order_no, sizeof l->order_no, "%s", o->order_no);
		l->line_id = o->lines[i].id;
		l->sku_id = o->lines[i].sku_id;
		snprintf(l->sku, sizeof l->sku, "%s", o->lines[i].sku);
		snprintf(l->name, sizeof l->name, "%s", o->lines[i].name);
		l->expected = qty;
		st = db_prep(p->s->db, "SELECT coalesce(weight_g, 0), lot_tracked, min_shelf_days "
		    "FROM sku WHERE id = ?");
		if (st == NULL) {
			rc = DB_ERR;
			break;
		}
		db_bind_int(st, 1, l->sku_id);
		if (db_step(st) == DB_ROW) {
			l->weight_g = db_col_int(st, 0);
			l->lot_tracked = (int)db_col_int(st, 1);
			l->min_shelf_days = db_col_int(st, 2);
		}
		db_done(st);
		p->nlines++;
	}
	order_free(o);
	return rc;
}

/* The bench for the open order (its part, its parcel's members): lines, and what was
 * already scanned and weighed, so a restarted station resumes where it was. */
static int
load_lines(struct pack *p)
{
	struct db_stmt *st;
	size_t i, m;
	int rc;

	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
	p->npkgs = 0;
	if ((rc = add_lines(p, p->order_id)) != 0)
		return rc;
	for (m = 0; m < p->nmembers; m++) {
		if ((rc = add_lines(p, p->members[m])) != 0)
			return rc;
	}
	new_pkg(p);
	st = db_prep(p->s->db, "SELECT order_line_id, pkg_no, sum(qty) FROM pack_scan "
	    "WHERE (order_id = ? OR order_id IN (SELECT order_id FROM order_merge WHERE "
	    "parcel_id = ?)) AND part_no = ? GROUP BY order_line_id, pkg_no ORDER BY pkg_no");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, p->order_id);
	db_bind_int(st, 2, p->order_id);
	db_bind_int(st, 3, p->part_no);
	while (db_step(st) == DB_ROW) {
		int64_t line = db_col_int(st, 0), qty = db_col_int(st, 2);
		int pkg = (int)db_col_int(st, 1);

		if (pkg < 1 || pkg > PACK_MAX_PKGS)
			continue;
		while (p->npkgs < pkg)
			new_pkg(p);
		for (i = 0; i < p->nlines; i++) {
			if (p->lines[i].line_id == line) {
				p->lines[i].scanned += qty;
				p->pkgs[pkg - 1].units += qty;
				p->pkgs[pkg - 1].content_g += qty * p->lines[i].weight_g;
			}
		}
	}
	db_done(st);
	st = db_prep(p->s->db, "SELECT pkg_no, box, weight_g, weight_override FROM "
	    "pack_open_pkg WHERE order_id = ? AND part_no = ? ORDER BY pkg_no");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, p->order_id);
	db_bind_int(st, 2, p->part_no);
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

/* 1 when order id's status is a or b. */
static int
order_status_is(struct pack *p, int64_t id, enum order_status a, enum order_status b)
{
	int64_t n = 0;

	return db_int(p->s->db, &n, "SELECT count(*) FROM orders WHERE id = ? AND status IN "
	    "(?, ?)", "iss", id, order_status_name(a), order_status_name(b)) == 0 && n > 0;
}

/* The part of a split order a station claims. */
struct part {
	int no, n;
	int64_t wh;
	char code[16];
};

/* Parts of order id (0: not split). */
static int64_t
part_count(struct pack *p, int64_t id)
{
	int64_t n = 0;

	if (db_int(p->s->db, &n, "SELECT count(*) FROM route_part WHERE order_id = ?", "i",
	    id) != 0)
		return 0;
	return n;
}

/*
 * Claim a part of split order id (ALLOCATED or PACKING) for this station: one of the
 * station's warehouse (any, when it has none) not packed yet and not held by another
 * station, the one it already holds first. The order goes PACKING with its first part.
 * 0 with *pt filled, else the lock or error is in r.
 */
static int
claim_part(struct pack *p, int64_t id, const char *order_no, struct part *pt,
    struct pack_result *r)
{
	char where[160] = "", busy_at[32] = "", status[16] = "";
	struct db_stmt *st;
	size_t o = 0;
	int rc, n = 0, packed_here = 0, busy = 0, mine = 0;

	memset(pt, 0, sizeof *pt);
	if ((rc = db_begin_rows(p->s->db)) != 0) {
		result(p, r, PACK_ERROR, rc, "order %s: %s", order_no, db_errmsg(p->s->db));
		return -1;
	}
	/* The one lock it takes (row-locked, db.h): no lock order to break, no deadlock. */
	if ((rc = db_lock(p->s->db, "orders", id)) != 0)
		goto fail;
	st = db_prep(p->s->db, "SELECT r.part_no, r.warehouse_id, w.code, "
	    "coalesce(r.packing_station, ''), CASE WHEN r.packed_at IS NULL THEN 0 ELSE 1 END "
	    "FROM route_part r JOIN warehouse w ON w.id = r.warehouse_id WHERE r.order_id = ? "
	    "ORDER BY r.part_no");
	if (st == NULL) {
		rc = DB_ERR;
		goto fail;
	}
	db_bind_int(st, 1, id);
	while (db_step(st) == DB_ROW) {
		int no = (int)db_col_int(st, 0), packed = (int)db_col_int(st, 4);
		int64_t wh = db_col_int(st, 1);
		const char *code = db_col_text(st, 2), *holder = db_col_text(st, 3);

		n++;
		if (o + 1 < sizeof where)
			o += (size_t)snprintf(where + o, sizeof where - o, "%spart %d at %s%s",
			    o ? ", " : "", no, code, packed ? " (packed)" : "");
		if (p->cfg.warehouse_id != 0 && wh != p->cfg.warehouse_id)
			continue;
		if (packed) {
			packed_here = no;
			continue;
		}
		if (holder[0] != '\0' && strcmp(holder, p->cfg.station) != 0) {
			busy = no;
			snprintf(busy_at, sizeof busy_at, "%s", holder);
			continue;
		}
		if (pt->no == 0 || (!mine && holder[0] != '\0')) {
			pt->no = no;
			pt->wh = wh;
			snprintf(pt->code, sizeof pt->code, "%s", code);
			mine = holder[0] != '\0';
		}
	}
	db_done(st);
	pt->n = n;
	if (pt->no == 0) {
		db_rollback(p->s->db);
		if (busy)
			lock(p, r, PACK_LOCK_BUSY, "order %s part %d/%d is being packed at station "
			    "%s", order_no, busy, n, busy_at);
		else if (packed_here)
			lock(p, r, PACK_LOCK_ORDER, "order %s part %d/%d is already packed here; "
			    "the order ships in %d parts: %s", order_no, packed_here, n, n, where);
		else
			lock(p, r, PACK_LOCK_WAREHOUSE, "order %s ships in %d parts from other "
			    "warehouses (%s): not packable here", order_no, n, where);
		return -1;
	}
	if ((rc = session_require(p->s, ROLE_PACKER, "pack an order")) != 0) {
		db_rollback(p->s->db);
		result(p, r, PACK_ERROR, rc, "%s", p->s->err);
		return -1;
	}
	st = db_prep(p->s->db, "SELECT status FROM orders WHERE id = ?");
	if (st == NULL) {
		rc = DB_ERR;
		goto fail;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(status, sizeof status, "%s", db_col_text(st, 0));
	db_done(st);
	rc = db_run(p->s->db, "UPDATE route_part SET packing_station = ? WHERE order_id = ? "
	    "AND part_no = ?", "sii", p->cfg.station, id, (int64_t)pt->no);
	if (rc == 0)        /* held part by part; the order names the last part's station */
		rc = db_run(p->s->db, "UPDATE orders SET packing_station = ? WHERE id = ?",
		    "si", p->cfg.station, id);
	if (rc != 0)
		goto fail;
	if (strcmp(status, order_status_name(ST_ALLOCATED)) == 0 &&
	    (rc = order_transition(p->s, id, 0, ST_PACKING, p->cfg.station)) != 0) {
		db_rollback(p->s->db);
		lock(p, r, PACK_LOCK_ORDER, "%s", p->s->err);
		return -1;
	}
	if ((rc = db_commit(p->s->db)) != 0) {
		result(p, r, PACK_ERROR, rc, "order %s: %s", order_no, db_errmsg(p->s->db));
		return -1;
	}
	return 0;
fail:
	result(p, r, PACK_ERROR, rc, "order %s: %s", order_no, db_errmsg(p->s->db));
	db_rollback(p->s->db);
	return -1;
}

/* The order number of id into buf. */
static void
order_no_of(struct pack *p, int64_t id, char *buf, size_t len)
{
	struct db_stmt *st = db_prep(p->s->db, "SELECT order_no FROM orders WHERE id = ?");

	snprintf(buf, len, "%" PRId64, id);
	if (st == NULL)
		return;
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(buf, len, "%s", db_col_text(st, 0));
	db_done(st);
}

/*
 * Claim the orders merged into parcel's parcel along with it. One that cannot be packed
 * now (not confirmed, held, cancelled, split, at another station or warehouse) leaves
 * the parcel, audited; left says which, for the packer. The members kept go to
 * p->members (parcel itself must be claimed already).
 */
static int
join_members(struct pack *p, int64_t parcel, char *left, size_t leftlen)
{
	int64_t *ids = NULL;
	size_t n = 0, i, o = strlen(left), mo = 0;
	char no[64], why[300];
	int rc, split = part_count(p, parcel) > 0;

	if ((rc = merge_members(p->s, parcel, &ids, &n)) != 0)
		return rc;
	free(p->members);
	p->members = xcalloc(n ? n : 1, sizeof *p->members);
	p->nmembers = 0;
	p->merged[0] = '\0';
	for (i = 0; i < n; i++) {
		order_no_of(p, ids[i], no, sizeof no);
		if (split)
			rc = session_fail(p->s, DB_EINVAL, "order %s ships in parts", p->order_no);
		else if (part_count(p, ids[i]) > 0)
			rc = session_fail(p->s, DB_EINVAL, "order %s ships in parts", no);
		else
			rc = order_start_packing(p->s, ids[i], p->cfg.station, p->cfg.warehouse_id);
		if (rc == 0 && part_count(p, ids[i]) > 0)   /* split by its allocation just now */
			rc = session_fail(p->s, DB_EINVAL, "order %s ships in parts", no);
		if (rc == DB_ERR || rc == DB_EBUSY || rc == DB_EFULL || rc == DB_EREADONLY) {
			free(ids);
			return rc;
		}
		if (rc != 0) {
			snprintf(why, sizeof why, "left the parcel: %.250s", p->s->err);
			if (o + 1 < leftlen)
				o += (size_t)snprintf(left + o, leftlen - o, "%s%s (%s)", o ? "; " : "",
				    no, p->s->err);
			if ((rc = merge_leave(p->s, ids[i], why)) != 0) {
				free(ids);
				return rc;
			}
			continue;
		}
		p->members[p->nmembers++] = ids[i];
		if (mo + 1 < sizeof p->merged)
			mo += (size_t)snprintf(p->merged + mo, sizeof p->merged - mo, "%s%s",
			    mo ? ", " : "", no);
	}
	free(ids);
	return 0;
}

/* "part 1/2 (from HN)" or "with B, C in one parcel" after the order number; "" else. */
static void
open_head(const struct pack *p, char *buf, size_t len)
{
	buf[0] = '\0';
	if (p->part_no > 0)
		snprintf(buf, len, " part %d/%d (from %s)", p->part_no, p->nparts,
		    p->part_wh_code);
	else if (p->nmembers > 0)
		snprintf(buf, len, " with %s in one parcel", p->merged);
}

static void
open_order(struct pack *p, const char *key, struct pack_result *r)
{
	char left[200] = "", head[200], no[64];
	struct order *o = NULL;
	struct part pt = { 0 };
	int64_t id, parcel;
	int rc;

	rc = order_find(p->s, key, &id);
	if (rc == DB_ENOTFOUND) {       /* a tote or pick list from picking? */
		rc = tote_next(p->s, key, p->cfg.station, p->cfg.warehouse_id, &id);
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
	/* An order merged into another's parcel is packed in that parcel. */
	if (db_int(p->s->db, &parcel, "SELECT parcel_id FROM order_merge WHERE order_id = ?",
	    "i", id) == 0)
		id = parcel;
	order_no_of(p, id, no, sizeof no);
	if (part_count(p, id) > 0 && order_status_is(p, id, ST_ALLOCATED, ST_PACKING)) {
		if (claim_part(p, id, no, &pt, r) != 0)
			return;
	} else {
		rc = order_start_packing(p->s, id, p->cfg.station, p->cfg.warehouse_id);
		if (rc != 0) {
			enum pack_lock k = rc == DB_ECONFLICT ? PACK_LOCK_BUSY :
			    rc == DB_EINVAL || rc == DB_ESTOCK ? PACK_LOCK_WAREHOUSE :
			    PACK_LOCK_ORDER;

			if (rc == DB_EPERM || rc == DB_EBUSY || rc == DB_ERR || rc == DB_EFULL ||
			    rc == DB_EREADONLY) {
				result(p, r, PACK_ERROR, rc, "%s", p->s->err);
				return;
			}
			lock(p, r, k, "%s", p->s->err);
			return;
		}
		/* Allocated just now by a station of no one warehouse, and split. */
		if (part_count(p, id) > 0 && claim_part(p, id, no, &pt, r) != 0)
			return;
	}
	if (order_load(p->s, id, &o) != 0) {
		result(p, r, PACK_ERROR, DB_ERR, "%s", p->s->err);
		return;
	}
	close_order(p);
	p->order_id = id;
	p->part_no = pt.no;
	p->nparts = pt.n;
	p->part_wh = pt.wh;
	snprintf(p->part_wh_code, sizeof p->part_wh_code, "%s", pt.code);
	snprintf(p->order_no, sizeof p->order_no, "%s", o->order_no);
	snprintf(p->channel, sizeof p->channel, "%s", o->channel);
	snprintf(p->shop, sizeof p->shop, "%s", o->shop);
	snprintf(p->currency, sizeof p->currency, "%s", o->currency);
	snprintf(p->buyer, sizeof p->buyer, "%s", o->buyer_name);
	snprintf(p->province, sizeof p->province, "%s", o->province);
	p->ship_by = o->ship_by;
	p->cod = o->cod;
	p->total = o->total;
	order_free(o);
	if (risk_flags(p->s, id, p->risk, sizeof p->risk) != 0)
		p->risk[0] = '\0';            /* flags are advice; packing goes on without */
	rc = join_members(p, id, left, sizeof left);
	if (rc == 0)
		rc = load_lines(p);
	if (rc != 0) {
		close_order(p);
		result(p, r, PACK_ERROR, rc, "order %s: %s", key, db_errmsg(p->s->db));
		return;
	}
	advance(p);
	open_head(p, head, sizeof head);
	result(p, r, PACK_OK, 0, "order %s%s open: %" PRId64 " unit%s to scan%s%s", p->order_no,
	    head, pack_remaining(p), pack_remaining(p) == 1 ? "" : "s",
	    left[0] ? "; left out of the parcel: " : "", left);
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

	if ((rc = db_begin_rows(p->s->db)) != 0)
		return rc;
	if ((rc = db_lock(p->s->db, "orders", l->order_id)) == 0)
		rc = db_run(p->s->db, "INSERT INTO pack_scan(order_id, order_line_id, pkg_no, qty, code, "
	    "lot_code, expiry, station, user_name, at, part_no) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	    "iiiisssssii", l->order_id, l->line_id, (int64_t)p->npkgs, qty, code,
	    g->lot[0] ? g->lot : NULL, NULL, p->cfg.station, p->s->user, clock_now(),
	    (int64_t)p->part_no);
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

/* Which other part of the open split order has SKU sku_id: "part 2/2 (HCM)". 0 when
 * one has, else DB_ENOTFOUND. */
static int
other_part(struct pack *p, int64_t sku_id, char *buf, size_t len)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(p->s->db, "SELECT t.part_no, w.code FROM order_line l JOIN route_part t "
	    "ON t.order_id = l.order_id JOIN warehouse w ON w.id = t.warehouse_id "
	    "WHERE l.order_id = ? AND l.sku_id = ? AND t.part_no <> ? AND (t.packed_at IS NOT "
	    "NULL OR EXISTS (SELECT 1 FROM reservation r WHERE r.order_line_id = l.id AND "
	    "r.warehouse_id = t.warehouse_id)) ORDER BY t.part_no");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, p->order_id);
	db_bind_int(st, 2, sku_id);
	db_bind_int(st, 3, p->part_no);
	rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(buf, len, "part %d/%d (%s)", (int)db_col_int(st, 0), p->nparts,
		    db_col_text(st, 1));
	db_done(st);
	return rc == DB_ROW ? 0 : DB_ENOTFOUND;
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
		char sku[64] = "?", part[64];
		struct db_stmt *st = db_prep(p->s->db, "SELECT sku FROM sku WHERE id = ?");

		if (st != NULL) {
			db_bind_int(st, 1, sku_id);
			if (db_step(st) == DB_ROW)
				snprintf(sku, sizeof sku, "%s", db_col_text(st, 0));
			db_done(st);
		}
		if (p->part_no > 0 && other_part(p, sku_id, part, sizeof part) == 0) {
			lock(p, r, PACK_LOCK_NOT_IN_ORDER, "scanned %s (%s): it belongs to %s of "
			    "order %s, not to part %d/%d packed here, which wants %s", sku, lookup,
			    part, p->order_no, p->part_no, p->nparts, want);
			return;
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
	int rc;

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
	if ((rc = save_pkg(p, p->npkgs - 1)) != 0) {
		result(p, r, PACK_ERROR, rc, "%s", p->s->err);
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
	int rc;

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
	if ((rc = save_pkg(p, p->npkgs - 1)) != 0) {
		k->weight_g = -1;
		result(p, r, PACK_ERROR, rc, "%s; weigh again", p->s->err);
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
	audit_json_text(why, sizeof why, reason);
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

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The row locks (db.h) on the open order and its parcel's members, ids ascending: taken
 * first, before any stock, so that two stations never wait on each other in a circle. */
static int
lock_orders(struct pack *p)
{
	int64_t *ids = xcalloc(p->nmembers + 1, sizeof *ids);
	size_t i;
	int rc = 0;

	ids[0] = p->order_id;
	for (i = 0; i < p->nmembers; i++)
		ids[i + 1] = p->members[i];
	qsort(ids, p->nmembers + 1, sizeof *ids, cmp_id);
	for (i = 0; i <= p->nmembers && rc == 0; i++)
		rc = db_lock(p->s->db, "orders", ids[i]);
	free(ids);
	return rc != 0 ? session_fail(p->s, rc, "%s", db_errmsg(p->s->db)) : 0;
}

/* Give up the station's claim on order id (the open one or a member of its parcel): to
 * status to, scans forgotten. In the caller's transaction. */
static int
release_one(struct pack *p, int64_t id, enum order_status to, const char *reason)
{
	int rc;

	if ((rc = order_transition(p->s, id, 0, to, reason)) == 0 &&
	    (rc = db_run(p->s->db, "UPDATE orders SET packing_station = NULL WHERE id = ?", "i",
	    id)) == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_scan WHERE order_id = ?", "i", id);
	if (rc == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_open_pkg WHERE order_id = ?", "i", id);
	if (rc == 0 && to == ST_ON_HOLD)
		rc = tote_release(p->s, id);
	return rc;
}

/*
 * Give back the part this station holds of a split order: its scans forgotten, the part
 * free for any station of its warehouse. The order itself goes to status to only when no
 * other part is held or packed; a hold while another part is refused (DB_ESTATE).
 */
static int
release_part(struct pack *p, enum order_status to, const char *reason)
{
	int64_t others = 0;
	int rc;

	rc = db_int(p->s->db, &others, "SELECT count(*) FROM route_part WHERE order_id = ? AND "
	    "part_no <> ? AND (packing_station IS NOT NULL OR packed_at IS NOT NULL)", "ii",
	    p->order_id, (int64_t)p->part_no);
	if (rc != 0)
		return session_fail(p->s, rc, "%s", db_errmsg(p->s->db));
	if (others > 0 && to == ST_ON_HOLD)
		return session_fail(p->s, DB_ESTATE, "order %s: another part is being packed or "
		    "is packed already, so the order cannot go on hold from here; CMD:CANCEL-SCAN "
		    "gives this part back, then tell a supervisor", p->order_no);
	rc = db_run(p->s->db, "DELETE FROM pack_scan WHERE order_id = ? AND part_no = ?", "ii",
	    p->order_id, (int64_t)p->part_no);
	if (rc == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_open_pkg WHERE order_id = ? AND "
		    "part_no = ?", "ii", p->order_id, (int64_t)p->part_no);
	if (rc == 0)
		rc = db_run(p->s->db, "UPDATE route_part SET packing_station = NULL WHERE "
		    "order_id = ? AND part_no = ?", "ii", p->order_id, (int64_t)p->part_no);
	if (rc == 0)        /* the order names another part's station, if one holds one */
		rc = db_run(p->s->db, "UPDATE orders SET packing_station = (SELECT "
		    "packing_station FROM route_part WHERE order_id = ?1 AND packing_station IS "
		    "NOT NULL ORDER BY part_no LIMIT 1) WHERE id = ?1 AND packing_station = ?2",
		    "is", p->order_id, p->cfg.station);
	if (rc != 0)
		return session_fail(p->s, rc, "%s", db_errmsg(p->s->db));
	if (others > 0)
		return 0;
	if ((rc = order_transition(p->s, p->order_id, 0, to, reason)) == 0 && to == ST_ON_HOLD)
		rc = tote_release(p->s, p->order_id);
	return rc;
}

/* Give up the station's claim on the open order (its part, its parcel's members too). */
static int
release_order(struct pack *p, enum order_status to, const char *reason)
{
	size_t i;
	int rc, tries = 0;

again:
	if ((rc = db_begin_rows(p->s->db)) != 0)
		return rc;
	rc = lock_orders(p);
	if (rc == 0 && p->part_no > 0)
		rc = release_part(p, to, reason);
	else if (rc == 0)
		rc = release_one(p, p->order_id, to, reason);
	for (i = 0; rc == 0 && i < p->nmembers; i++)
		rc = release_one(p, p->members[i], to, reason);
	if (rc != 0) {
		db_rollback(p->s->db);
		if (db_retry(p->s->db, rc, &tries))
			goto again;
		return rc;
	}
	if ((rc = db_commit(p->s->db)) != 0 && db_retry(p->s->db, rc, &tries))
		goto again;
	return rc;
}

/* Hold or cancel: release the order to status to and free the station. */
static void
give_back(struct pack *p, enum order_status to, const char *reason, const char *done,
    struct pack_result *r)
{
	char no[272], head[200];
	int rc;

	if (guard(p, r, "no order open") != 0)
		return;
	if ((rc = release_order(p, to, reason)) != 0) {
		result(p, r, PACK_ERROR, rc, "not done: %s", p->s->err);
		return;
	}
	open_head(p, head, sizeof head);
	snprintf(no, sizeof no, "%s%s", p->order_no, head);
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

/* What the marketplace is owed for order id: ready-to-ship, drained by the sync thread,
 * with what this confirm packed (a part of a split order says which; a merged parcel
 * names the other orders in it). Each order merged into the parcel owes its own call,
 * naming the parcel's order: the marketplace ships, tracks and settles every order by
 * itself (platform logistics issue a tracking number per order), and an order never
 * reported shipped is cancelled there as late. A manual shop's order owes nobody a call. */
static int
owe_ship(struct pack *p, int64_t id, int64_t total_g)
{
	char no[200], merged[sizeof p->merged + 8], extra[sizeof merged + 32], payload[600];
	char member[sizeof p->order_no] = "";
	struct db_stmt *st;
	int rc;

	if (id != p->order_id) {
		if ((st = db_prep(p->s->db, "SELECT order_no FROM orders WHERE id = ?")) == NULL)
			return session_fail(p->s, DB_ERR, "outbox: %s", db_errmsg(p->s->db));
		db_bind_int(st, 1, id);
		if ((rc = db_step(st)) == DB_ROW)
			snprintf(member, sizeof member, "%s", db_col_text(st, 0));
		db_done(st);
		if (rc != DB_ROW)
			return session_fail(p->s, rc < 0 ? rc : DB_ENOTFOUND, "outbox: order %"
			    PRId64 ": %s", id, rc < 0 ? db_errmsg(p->s->db) : "gone");
	}
	audit_json_text(no, sizeof no, member[0] != '\0' ? member : p->order_no);
	extra[0] = '\0';
	if (member[0] != '\0') {
		audit_json_text(merged, sizeof merged, p->order_no);
		snprintf(extra, sizeof extra, ",\"parcel\":\"%s\"", merged);
	} else if (p->part_no > 0) {
		snprintf(extra, sizeof extra, ",\"part\":%d,\"parts\":%d", p->part_no, p->nparts);
	} else if (p->nmembers > 0) {
		audit_json_text(merged, sizeof merged, p->merged);
		snprintf(extra, sizeof extra, ",\"merged\":\"%s\"", merged);
	}
	snprintf(payload, sizeof payload, "{\"order_no\":\"%s\",\"packages\":%d,\"weight_g\":%"
	    PRId64 "%s}", no, p->npkgs, total_g, extra);
	rc = db_run(p->s->db, "INSERT INTO outbox(shop_id, order_id, kind, payload, created_at) "
	    "SELECT o.shop_id, o.id, 'ready_to_ship', ?, ? FROM orders o JOIN shop h ON "
	    "h.id = o.shop_id WHERE o.id = ? AND h.channel <> 'manual'", "sii", payload,
	    clock_now(), id);
	return rc != 0 ? session_fail(p->s, rc, "outbox: %s", db_errmsg(p->s->db)) : 0;
}

/* Order id leaves the station PACKED, audited with after. */
static int
packed_one(struct pack *p, int64_t id, const char *after)
{
	int rc;

	if ((rc = order_transition(p->s, id, 0, ST_PACKED, p->cfg.station)) != 0)
		return rc;
	rc = db_run(p->s->db, "UPDATE orders SET packing_station = NULL WHERE id = ?", "i", id);
	if (rc == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_open_pkg WHERE order_id = ?", "i", id);
	if (rc == 0)
		rc = tote_release(p->s, id);
	if (rc != 0)
		return session_fail(p->s, rc, "%s", db_errmsg(p->s->db));
	return audit_log(p->s, "order", id, "pack", "", after);
}

/* A split order's part is packed: its units leave its warehouse; the order is PACKED
 * with its last part (*all set then). */
static int
packed_part(struct pack *p, int64_t total_g, int *all)
{
	char after[200];
	int64_t left = -1;
	int rc;

	*all = 0;
	if ((rc = stock_ship_order_at(p->s, p->order_id, p->part_wh)) != 0)
		return rc;
	rc = db_run(p->s->db, "UPDATE route_part SET packed_at = ?, packing_station = NULL "
	    "WHERE order_id = ? AND part_no = ?", "iii", clock_now(), p->order_id,
	    (int64_t)p->part_no);
	if (rc == 0)
		rc = db_run(p->s->db, "DELETE FROM pack_open_pkg WHERE order_id = ? AND "
		    "part_no = ?", "ii", p->order_id, (int64_t)p->part_no);
	if (rc == 0)
		rc = db_int(p->s->db, &left, "SELECT count(*) FROM route_part WHERE order_id = ? "
		    "AND packed_at IS NULL", "i", p->order_id);
	if (rc == 0 && left > 0)    /* the order names the station of the last part packed */
		rc = db_run(p->s->db, "UPDATE orders SET packing_station = ? WHERE id = ?", "si",
		    p->cfg.station, p->order_id);
	if (rc != 0)
		return session_fail(p->s, rc, "%s", db_errmsg(p->s->db));
	snprintf(after, sizeof after, "{\"part\":%d,\"parts\":%d,\"warehouse\":\"%s\","
	    "\"packages\":%d,\"weight_g\":%" PRId64 "}", p->part_no, p->nparts,
	    p->part_wh_code, p->npkgs, total_g);
	if ((rc = audit_log(p->s, "order", p->order_id, "pack_part", "", after)) != 0)
		return rc;
	if (left > 0)
		return 0;
	*all = 1;
	snprintf(after, sizeof after, "{\"parts\":%d}", p->nparts);
	return packed_one(p, p->order_id, after);
}

static int
confirm_tx(struct pack *p, int64_t *total_g, int *all)
{
	char after[300], merged[sizeof p->merged + 8];
	size_t m;
	int i, rc;

	*total_g = 0;
	*all = 1;
	for (i = 0; i < p->npkgs; i++) {
		const struct pack_pkg *k = &p->pkgs[i];

		if (k->units == 0)
			continue;
		rc = db_run(p->s->db, "INSERT INTO package(order_id, pkg_no, box, tare_g, weight_g, "
		    "expected_g, station, user_name, weight_override, created_at, part_no) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?,?)", "iisiiisssii", p->order_id, (int64_t)i + 1,
		    p->cfg.boxes[k->box].code, p->cfg.boxes[k->box].tare_g, k->weight_g,
		    pack_expected_g(p, i), p->cfg.station, p->s->user,
		    k->override[0] ? k->override : NULL, clock_now(), (int64_t)p->part_no);
		if (rc != 0)
			return session_fail(p->s, rc, "packages not saved: %s", db_errmsg(p->s->db));
		*total_g += k->weight_g;
	}
	if (p->part_no > 0) {
		if ((rc = packed_part(p, *total_g, all)) != 0)
			return rc;
		return owe_ship(p, p->order_id, *total_g);
	}
	audit_json_text(merged, sizeof merged, p->merged);
	snprintf(after, sizeof after, "{\"packages\":%d,\"weight_g\":%" PRId64 "%s%s%s}",
	    p->npkgs, *total_g, p->nmembers ? ",\"merged\":\"" : "", merged,
	    p->nmembers ? "\"" : "");
	if ((rc = packed_one(p, p->order_id, after)) != 0 ||
	    (rc = owe_ship(p, p->order_id, *total_g)) != 0)
		return rc;
	/* The orders in its parcel: packed with it, under its label and packages, each
	 * owing the marketplace its own ship call. */
	for (m = 0; m < p->nmembers; m++) {
		snprintf(after, sizeof after, "{\"parcel\":\"%s\",\"weight_g\":%" PRId64 "}",
		    p->order_no, *total_g);
		if ((rc = packed_one(p, p->members[m], after)) != 0 ||
		    (rc = owe_ship(p, p->members[m], *total_g)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The members of the open parcel must still be packable at confirm: one cancelled (or
 * held) meanwhile leaves the parcel, its scans forgotten, and the station locks so that
 * its items are taken out and the parcel weighed again. 0 when all are still there.
 */
static int
members_check(struct pack *p, struct pack_result *r)
{
	char gone[200] = "", no[64], why[300];
	size_t m, o = 0;
	int64_t n;
	int rc;

	for (m = 0; m < p->nmembers; m++) {
		n = 0;
		rc = db_int(p->s->db, &n, "SELECT count(*) FROM orders o JOIN order_merge g ON "
		    "g.order_id = o.id AND g.parcel_id = ? WHERE o.id = ? AND o.status = ?", "iis",
		    p->order_id, p->members[m], order_status_name(ST_PACKING));
		if (rc != 0 || n > 0)
			continue;
		order_no_of(p, p->members[m], no, sizeof no);
		snprintf(why, sizeof why, "left the parcel of order %s at station %s: no longer "
		    "packable", p->order_no, p->cfg.station);
		if (merge_leave(p->s, p->members[m], why) != 0 || db_begin(p->s->db) != 0)
			continue;
		if (db_run(p->s->db, "DELETE FROM pack_scan WHERE order_id = ?", "i",
		    p->members[m]) != 0 || db_run(p->s->db, "UPDATE orders SET packing_station = "
		    "NULL WHERE id = ? AND status <> ?", "is", p->members[m],
		    order_status_name(ST_PACKING)) != 0 || db_run(p->s->db, "UPDATE pack_open_pkg "
		    "SET weight_g = -1, weight_override = '' WHERE order_id = ?", "i",
		    p->order_id) != 0) {
			db_rollback(p->s->db);
			continue;
		}
		db_commit(p->s->db);
		if (o + 1 < sizeof gone)
			o += (size_t)snprintf(gone + o, sizeof gone - o, "%s%s", o ? ", " : "", no);
	}
	if (gone[0] == '\0')
		return 0;
	/* The bench again without them. */
	why[0] = '\0';
	rc = join_members(p, p->order_id, why, sizeof why);
	if (rc == 0)
		rc = load_lines(p);
	advance(p);
	if (rc != 0) {
		result(p, r, PACK_ERROR, rc, "order %s: %s", p->order_no, db_errmsg(p->s->db));
		return -1;
	}
	lock(p, r, PACK_LOCK_ORDER, "order %s in this parcel was cancelled or held: take its "
	    "items out and do not ship them; weigh the parcel again", gone);
	return -1;
}

void
pack_confirm(struct pack *p, struct pack_result *r)
{
	char head[200];
	int64_t total_g;
	int rc, i, all, tries = 0;

	if (guard(p, r, "no order open to confirm") != 0)
		return;
	if (p->nmembers > 0 && members_check(p, r) != 0)
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
again:
	if ((rc = db_begin_rows(p->s->db)) != 0) {
		result(p, r, PACK_ERROR, rc, "not packed: %s", db_errmsg(p->s->db));
		return;
	}
	p->s->err[0] = '\0';
	if ((rc = lock_orders(p)) != 0 || (rc = confirm_tx(p, &total_g, &all)) != 0 ||
	    (rc = db_commit(p->s->db)) != 0) {
		if (db_in_tx(p->s->db))
			db_rollback(p->s->db);
		if (db_retry(p->s->db, rc, &tries))
			goto again;
		result(p, r, PACK_ERROR, rc, "not packed: %s", p->s->err[0] ? p->s->err :
		    db_errmsg(p->s->db));
		return;
	}
	p->last_order_id = p->order_id;
	open_head(p, head, sizeof head);
	snprintf(p->last_summary, sizeof p->last_summary, "packed %s%s: %d package%s, %" PRId64
	    " g%s%s", p->order_no, head, p->npkgs, p->npkgs == 1 ? "" : "s", total_g,
	    p->cod > 0 ? ", COD" : "", p->part_no == 0 ? "" : all ? "; order complete" :
	    "; order waits for its other parts");
	close_order(p);
	result(p, r, PACK_PACKED, 0, "%s", p->last_summary);
	r->action = PACK_ACT_PRINT;
}

void
pack_merge(struct pack *p, struct pack_result *r)
{
	int64_t *ids = NULL;
	char left[200] = "";
	size_t n = 0, i;
	int rc = 0;

	if (guard(p, r, "Scan an order first, then CMD:MERGE") != 0)
		return;
	if (p->part_no > 0) {
		result(p, r, PACK_ERROR, DB_EINVAL, "order %s ships in parts from several "
		    "warehouses: it cannot share a parcel", p->order_no);
		return;
	}
	if ((rc = merge_candidates(p->s, p->order_id, &ids, &n)) != 0) {
		result(p, r, PACK_ERROR, rc, "%s", p->s->err);
		return;
	}
	if (n == 0) {
		free(ids);
		result(p, r, PACK_ERROR, DB_EINVAL, "No other open order of this buyer to merge");
		return;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = merge_orders(p->s, p->order_id, ids[i]);
	free(ids);
	if (rc != 0) {
		result(p, r, PACK_ERROR, rc, "%s", p->s->err);
		return;
	}
	/* Their lines join the bench; what was weighed is weighed again. */
	rc = join_members(p, p->order_id, left, sizeof left);
	if (rc == 0)
		rc = db_run(p->s->db, "UPDATE pack_open_pkg SET weight_g = -1, weight_override = '' "
		    "WHERE order_id = ?", "i", p->order_id);
	if (rc == 0)
		rc = load_lines(p);
	advance(p);
	if (rc != 0) {
		result(p, r, PACK_ERROR, rc, "order %s: %s", p->order_no, db_errmsg(p->s->db));
		return;
	}
	result(p, r, PACK_OK, 0, "%zu order%s merged into order %s's parcel%s%s", p->nmembers,
	    p->nmembers == 1 ? "" : "s", p->order_no, left[0] ? "; left out: " : "", left);
}

int
pack_label_pkgs(struct session *s, int64_t order_id, int *first, int *last)
{
	int64_t total = 0, before = 0;
	int rc;

	*first = *last = 1;
	rc = db_int(s->db, &total, "SELECT count(*) FROM package WHERE order_id = ?", "i",
	    order_id);
	if (rc == 0)
		rc = db_int(s->db, &before, "SELECT count(*) FROM package WHERE order_id = ? AND "
		    "part_no <> (SELECT part_no FROM package WHERE order_id = ? ORDER BY id DESC "
		    "LIMIT 1)", "ii", order_id, order_id);
	if (rc != 0)
		return session_fail(s, rc, "packages: %s", db_errmsg(s->db));
	if (total > 0) {
		*first = (int)before + 1;
		*last = (int)total;
	}
	return 0;
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
	} else if (keyword(buf, "CMD:MERGE", &arg)) {
		pack_merge(p, r);
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

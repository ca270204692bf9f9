/*
 * returns.c — returns (RMA) received at the station (returns.h).
 *
 * What an order shipped is read from the ledger: its 'ship' movements per warehouse, SKU
 * and lot. What came back already is the sum of its rma_unit rows, whatever their
 * condition, so a unit is returned at most once. A receipt runs in one transaction: the
 * stock movements (stock_return_lot), the unit rows, the return's costs and state, the
 * order's transition and the audit records commit together or not at all.
 *
 * Marketplace returns (returns_market_upsert, fed by market/returnsync.c) keep on the
 * rma row what the channel last said: its state, status text, reason, the return
 * parcel's tracking number and update time, and rma_market_unit the units per SKU it
 * named. An answer is compared with what is stored, so a pull repeated changes and
 * audits nothing; one dated before the stored one is not applied.
 */
#include "returns.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "order.h"
#include "sku.h"
#include "stock.h"
#include "xalloc.h"

#define QTY_MAX     100000
#define MONEY_MAX   INT64_C(1000000000000)

static const char *const cond_names[RET__NCOND] = {
	[RET_RESALABLE] = "resalable",
	[RET_DAMAGED] = "damaged",
	[RET_MISSING] = "missing",
	[RET_WRONG_ITEM] = "wrong_item",
};

const struct returns_reason returns_reasons[] = {
	{ "changed_mind", "buyer changed mind" },
	{ "defective", "defective" },
	{ "not_as_described", "not as described" },
	{ "wrong_sent", "we sent the wrong item" },
	{ "transit_damage", "damaged in transit" },
	{ "failed_delivery", "failed delivery, back to sender" },
	{ "late", "arrived too late" },
	{ "other", "other" },
};
const size_t returns_nreasons = sizeof returns_reasons / sizeof returns_reasons[0];

const char *
returns_cond_name(enum returns_cond c)
{
	return (unsigned)c < RET__NCOND ? cond_names[c] : "?";
}

int
returns_cond_parse(const char *name, enum returns_cond *out)
{
	int i;

	if (strcasecmp(name, "wrong") == 0) {
		*out = RET_WRONG_ITEM;
		return 0;
	}
	for (i = 0; i < RET__NCOND; i++) {
		if (strcasecmp(name, cond_names[i]) == 0) {
			*out = (enum returns_cond)i;
			return 0;
		}
	}
	return -1;
}

int
returns_reason_valid(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < returns_nreasons; i++) {
		if (strcmp(code, returns_reasons[i].code) == 0)
			return 1;
	}
	return 0;
}

static int
dberr(struct session *s, int rc, const char *what)
{
	return session_fail(s, rc < 0 ? rc : DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

static int
returnable(enum order_status st)
{
	return st == ST_SHIPPED || st == ST_DELIVERED || st == ST_COMPLETED ||
	    st == ST_RETURNING || st == ST_PART_RETURNED;
}

/* The order's open return, or 0. */
static int
open_of(struct session *s, int64_t order_id, int64_t *rma_id)
{
	int rc;

	*rma_id = 0;
	rc = db_int(s->db, rma_id, "SELECT id FROM rma WHERE order_id = ? AND status = 'open' "
	    "ORDER BY id LIMIT 1", "i", order_id);
	if (rc == DB_ENOTFOUND)
		return 0;
	return rc != 0 ? dberr(s, rc, "returns") : 0;
}

int
returns_find(struct session *s, const char *scan, int64_t *order_id, int64_t *rma_id)
{
	int rc;

	*rma_id = 0;
	if (scan == NULL || scan[0] == '\0')
		return session_fail(s, DB_EINVAL, "return: empty scan");
	rc = db_int(s->db, order_id, "SELECT order_id FROM rma WHERE market_id = ? OR "
	    "market_tracking = ? ORDER BY CASE WHEN market_id = ? THEN 0 ELSE 1 END, id DESC "
	    "LIMIT 1", "sss", scan, scan, scan);
	if (rc == DB_ENOTFOUND) {
		if ((rc = order_find(s, scan, order_id)) == DB_ENOTFOUND)
			return session_fail(s, rc, "return '%s': no order, tracking number or "
			    "return id matches", scan);
		if (rc != 0)
			return rc;
	} else if (rc != 0)
		return dberr(s, rc, "return");
	return open_of(s, *order_id, rma_id);
}

static int
open_locked(struct session *s, const struct order *o, const char *source,
    const char *market_id, int64_t *rma_id)
{
	char after[256];
	int rc;

	if (!returnable(o->status))
		return session_fail(s, DB_ESTATE, "order %s is %s: only a shipped order can be "
		    "returned", o->order_no, order_status_name(o->status));
	if (strcmp(source, "station") != 0 && strcmp(source, "marketplace") != 0)
		return session_fail(s, DB_EINVAL, "return: source must be station or "
		    "marketplace, not '%s'", source);
	if (market_id != NULL && (market_id[0] == '\0' || strlen(market_id) > 63))
		return session_fail(s, DB_EINVAL, "return: a return id is 1 to 63 bytes");
	if ((rc = open_of(s, o->id, rma_id)) != 0)
		return rc;
	if (*rma_id != 0) {
		if (market_id == NULL)
			return 0;
		rc = db_run(s->db, "UPDATE rma SET market_id = ? WHERE id = ? AND "
		    "market_id IS NULL", "si", market_id, *rma_id);
		if (rc == DB_ECONSTRAINT)
			return session_fail(s, DB_EINVAL, "return id '%s' is already another "
			    "order's", market_id);
		return rc != 0 ? dberr(s, rc, "return") : 0;
	}
	rc = db_run(s->db, "INSERT INTO rma(order_id, status, source, market_id, opened_at, "
	    "user_name, station, currency) VALUES (?, 'open', ?, ?, ?, ?, ?, ?)", "ississs",
	    o->id, source, market_id, clock_now(), s->user, s->station, o->currency);
	if (rc == DB_ECONSTRAINT)
		return session_fail(s, DB_EINVAL, "return id '%s' is already another order's",
		    market_id);
	if (rc != 0)
		return dberr(s, rc, "return");
	*rma_id = db_last_id(s->db);
	snprintf(after, sizeof after, "{\"order\":%" PRId64 ",\"source\":\"%s\"}", o->id,
	    source);
	return audit_log(s, "rma", *rma_id, "open", "", after);
}

int
returns_open(struct session *s, int64_t order_id, const char *source,
    const char *market_id, int64_t *rma_id)
{
	struct order *o = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = session_require(s, ROLE_PACKER, "open a return")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "return");
	if ((rc = order_load(s, order_id, &o)) == 0)
		rc = open_locked(s, o, source, market_id, &id);
	order_free(o);
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return dberr(s, rc, "return");
	if (rma_id != NULL)
		*rma_id = id;
	return 0;
}

int
returns_units(struct session *s, int64_t order_id, struct returns_unit **out, size_t *n)
{
	struct db_stmt *st;
	struct returns_unit *u = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	st = db_prep(s->db, "SELECT m.warehouse_id, m.sku_id, m.lot_id, k.sku, k.name, "
	    "l.lot_code, -sum(m.d_on_hand), (SELECT coalesce(sum(u.qty), 0) FROM rma_unit u "
	    "WHERE u.order_id = m.order_id AND u.warehouse_id = m.warehouse_id AND "
	    "u.sku_id = m.sku_id AND u.lot_id = m.lot_id) "
	    "FROM stock_move m JOIN sku k ON k.id = m.sku_id JOIN lot l ON l.id = m.lot_id "
	    "WHERE m.order_id = ? AND m.kind = 'ship' "
	    "GROUP BY m.warehouse_id, m.sku_id, m.lot_id, m.order_id, k.id, l.id "
	    "ORDER BY k.sku, coalesce(l.expiry, 0), l.id, m.warehouse_id");
	if (st == NULL)
		return dberr(s, DB_ERR, "returns");
	db_bind_int(st, 1, order_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct returns_unit *r;

		u = xrealloc(u, (cnt + 1) * sizeof *u);
		r = &u[cnt++];
		r->wh = db_col_int(st, 0);
		r->sku_id = db_col_int(st, 1);
		r->lot_id = db_col_int(st, 2);
		snprintf(r->sku, sizeof r->sku, "%s", db_col_text(st, 3));
		snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 4));
		snprintf(r->lot, sizeof r->lot, "%s", db_col_text(st, 5));
		r->shipped = db_col_int(st, 6);
		r->returned = db_col_int(st, 7);
	}
	db_done(st);
	if (rc < 0) {
		free(u);
		return dberr(s, rc, "returns");
	}
	*out = u;
	*n = cnt;
	return 0;
}

/* The SKU an item names: its code, else one of its barcodes (*pack its pack size). */
static int
item_sku(struct session *s, const char *code, int64_t *sku, int64_t *pack)
{
	int rc;

	*pack = 1;
	if ((rc = sku_find(s, code, sku)) != DB_ENOTFOUND)
		return rc;
	rc = sku_by_barcode(s, code, sku, pack);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "return: '%s' is no SKU or barcode", code);
	return rc;
}

/* One item: its units taken from the lots left to return, moved and recorded. */
static int
receive_item(struct session *s, const struct order *o, int64_t rma_id,
    const struct returns_item *it, struct returns_unit *u, size_t nu, int64_t *counts)
{
	char note[160];
	int64_t sku, pack, want, left_all = 0, take;
	size_t i;
	int rc, seen = 0;

	if (it->sku == NULL || it->sku[0] == '\0')
		return session_fail(s, DB_EINVAL, "return: an item names no SKU");
	if ((unsigned)it->cond >= RET__NCOND)
		return session_fail(s, DB_EINVAL, "return %s: unknown condition", it->sku);
	if (!returns_reason_valid(it->reason))
		return session_fail(s, DB_EINVAL, "return %s: unknown reason '%s'", it->sku,
		    it->reason != NULL ? it->reason : "");
	if (it->qty <= 0 || it->qty > QTY_MAX)
		return session_fail(s, DB_EINVAL, "return %s: quantity must be 1 to %d, not %"
		    PRId64, it->sku, QTY_MAX, it->qty);
	if ((rc = item_sku(s, it->sku, &sku, &pack)) != 0)
		return rc;
	want = it->qty * pack;
	for (i = 0; i < nu; i++) {
		if (u[i].sku_id != sku || (it->lot != NULL && strcmp(u[i].lot, it->lot) != 0))
			continue;
		seen = 1;
		left_all += u[i].shipped - u[i].returned;
	}
	if (!seen)
		return session_fail(s, DB_EINVAL, "return %s: order %s shipped no %s%s%s",
		    it->sku, o->order_no, it->sku, it->lot != NULL ? " of lot " : "",
		    it->lot != NULL ? it->lot : "");
	if (left_all < want)
		return session_fail(s, DB_EINVAL, "return %s: order %s has %" PRId64 " unit%s of "
		    "it left to return (the rest came back already), not %" PRId64, it->sku,
		    o->order_no, left_all, left_all == 1 ? "" : "s", want);

	snprintf(note, sizeof note, "RMA %" PRId64 ": %s (%s)", rma_id,
	    returns_cond_name(it->cond), it->reason);
	for (i = 0; i < nu && want > 0; i++) {
		if (u[i].sku_id != sku || (it->lot != NULL && strcmp(u[i].lot, it->lot) != 0))
			continue;
		take = u[i].shipped - u[i].returned;
		if (take > want)
			take = want;
		if (take <= 0)
			continue;
		rc = stock_return_lot(s, o->id, u[i].wh, sku, u[i].lot_id, take,
		    it->cond != RET_RESALABLE, note);
		if (rc != 0)
			return rc;
		rc = db_run(s->db, "INSERT INTO rma_unit(rma_id, order_id, warehouse_id, sku_id, "
		    "lot_id, qty, condition, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "iiiiiiss",
		    rma_id, o->id, u[i].wh, sku, u[i].lot_id, take, returns_cond_name(it->cond),
		    it->reason);
		if (rc != 0)
			return dberr(s, rc, "return");
		u[i].returned += take;
		counts[it->cond] += take;
		want -= take;
	}
	return 0;
}

static int
receive_locked(struct session *s, const struct returns_in *in, int64_t *rma_id)
{
	struct order *o = NULL;
	struct returns_unit *u = NULL;
	int64_t counts[RET__NCOND] = { 0 }, id = in->rma_id, left = 0;
	char after[400], why[64];
	size_t nu = 0, i;
	int rc;

	if (in->nitems == 0)
		return session_fail(s, DB_EINVAL, "return: no units given");
	if (in->ship_cost < 0 || in->ship_cost > MONEY_MAX || in->handling_cost < 0 ||
	    in->handling_cost > MONEY_MAX)
		return session_fail(s, DB_EINVAL, "return: costs must be 0 or more");
	if ((rc = order_load(s, in->order_id, &o)) != 0)
		return rc;
	if (id != 0) {
		int64_t owner = 0;

		rc = db_int(s->db, &owner, "SELECT order_id FROM rma WHERE id = ? AND "
		    "status = 'open'", "i", id);
		if (rc == DB_ENOTFOUND || (rc == 0 && owner != o->id)) {
			rc = session_fail(s, DB_EINVAL, "return %" PRId64 " is not an open return "
			    "of order %s", id, o->order_no);
			goto out;
		}
		if (rc != 0) {
			rc = dberr(s, rc, "return");
			goto out;
		}
		if (!returnable(o->status)) {
			rc = session_fail(s, DB_ESTATE, "order %s is %s: only a shipped order can "
			    "be returned", o->order_no, order_status_name(o->status));
			goto out;
		}
	} else if ((rc = open_locked(s, o, "station", NULL, &id)) != 0)
		goto out;
	if ((rc = returns_units(s, o->id, &u, &nu)) != 0)
		goto out;
	for (i = 0; i < in->nitems; i++) {
		if ((rc = receive_item(s, o, id, &in->items[i], u, nu, counts)) != 0)
			goto out;
	}
	rc = db_run(s->db, "UPDATE rma SET status = 'received', received_at = ?, "
	    "user_name = ?, station = ?, ship_cost = ?, handling_cost = ?, note = ? "
	    "WHERE id = ?", "issiisi", clock_now(), s->user, s->station, in->ship_cost,
	    in->handling_cost, in->note, id);
	if (rc != 0) {
		rc = dberr(s, rc, "return");
		goto out;
	}
	for (i = 0; i < nu; i++)
		left += u[i].shipped - u[i].returned;
	snprintf(after, sizeof after, "{\"order\":%" PRId64 ",\"resalable\":%" PRId64
	    ",\"damaged\":%" PRId64 ",\"missing\":%" PRId64 ",\"wrong_item\":%" PRId64
	    ",\"left\":%" PRId64 ",\"ship_cost\":%" PRId64 ",\"handling_cost\":%" PRId64
	    ",\"currency\":\"%s\"}", o->id, counts[RET_RESALABLE], counts[RET_DAMAGED],
	    counts[RET_MISSING], counts[RET_WRONG_ITEM], left, in->ship_cost,
	    in->handling_cost, o->currency);
	if ((rc = audit_log(s, "rma", id, "receive", "{\"status\":\"open\"}", after)) != 0)
		goto out;
	{
		enum order_status to = left == 0 ? ST_RETURNED : ST_PART_RETURNED;

		snprintf(why, sizeof why, "return %" PRId64, id);
		if (o->status != to)
			rc = order_transition(s, o->id, 0, to, why);
	}
	if (rc == 0 && rma_id != NULL)
		*rma_id = id;
out:
	free(u);
	order_free(o);
	return rc;
}

int
returns_receive(struct session *s, const struct returns_in *in, int64_t *rma_id)
{
	int rc;

	if ((rc = session_require(s, ROLE_PACKER, "receive a return")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "return");
	if ((rc = receive_locked(s, in, rma_id)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return dberr(s, rc, "return");
	return 0;
}

int
returns_list_open(struct session *s, int64_t cutoff, struct returns_row **rows, size_t *n)
{
	struct db_stmt *st;
	struct returns_row *r = NULL;
	size_t cnt = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "see open returns")) != 0)
		return rc;
	st = db_prep(s->db, "SELECT r.id, o.id, o.order_no, sh.channel, o.status, r.source, "
	    "coalesce(r.market_id, ''), r.opened_at, coalesce(r.market_status, '') "
	    "FROM rma r JOIN orders o ON o.id = r.order_id JOIN shop sh ON sh.id = o.shop_id "
	    "WHERE r.status = 'open' AND r.opened_at <= ? AND "
	    "coalesce(r.market_status, '') NOT IN ('cancelled', 'rejected') "
	    "UNION ALL SELECT 0, o.id, o.order_no, sh.channel, o.status, 'marketplace', '', "
	    "o.updated_at, '' FROM orders o JOIN shop sh ON sh.id = o.shop_id "
	    "WHERE o.status = 'RETURNING' AND o.updated_at <= ? AND NOT EXISTS "
	    "(SELECT 1 FROM rma x WHERE x.order_id = o.id AND x.status = 'open') "
	    "ORDER BY 8, 2");
	if (st == NULL)
		return dberr(s, DB_ERR, "returns");
	db_bind_int(st, 1, cutoff);
	db_bind_int(st, 2, cutoff);
	while ((rc = db_step(st)) == DB_ROW) {
		struct returns_row *x;

		r = xrealloc(r, (cnt + 1) * sizeof *r);
		x = &r[cnt++];
		x->rma_id = db_col_int(st, 0);
		x->order_id = db_col_int(st, 1);
		snprintf(x->order_no, sizeof x->order_no, "%s", db_col_text(st, 2));
		snprintf(x->channel, sizeof x->channel, "%s", db_col_text(st, 3));
		snprintf(x->status, sizeof x->status, "%s", db_col_text(st, 4));
		snprintf(x->source, sizeof x->source, "%s", db_col_text(st, 5));
		snprintf(x->market_id, sizeof x->market_id, "%s", db_col_text(st, 6));
		x->opened_at = db_col_int(st, 7);
		snprintf(x->market_status, sizeof x->market_status, "%s", db_col_text(st, 8));
	}
	db_done(st);
	if (rc < 0) {
		free(r);
		return dberr(s, rc, "returns");
	}
	*rows = r;
	*n = cnt;
	return 0;
}

/* ------------------------------------------------------------------ marketplace */

#define MREASON_MAX 255

static const char *const mstate_names[RMS__N] = {
	[RMS_REQUESTED] = "requested",
	[RMS_ACCEPTED] = "accepted",
	[RMS_IN_TRANSIT] = "in_transit",
	[RMS_RECEIVED] = "received",
	[RMS_REFUNDED] = "refunded",
	[RMS_REJECTED] = "rejected",
	[RMS_CANCELLED] = "cancelled",
};

const char *
returns_mstate_name(enum returns_mstate st)
{
	return (unsigned)st < RMS__N ? mstate_names[st] : "?";
}

int
returns_mstate_parse(const char *name, enum returns_mstate *out)
{
	int i;

	for (i = 0; name != NULL && i < RMS__N; i++) {
		if (strcmp(name, mstate_names[i]) == 0) {
			*out = (enum returns_mstate)i;
			return 0;
		}
	}
	return -1;
}

/* src copied into dst (len bytes), cut at a UTF-8 character boundary when too long;
 * a character cut short at src's end (a caller's truncation) is left out too. */
static void
copy_utf8(char *dst, size_t len, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0, lead, need;
	unsigned char c;

	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	/* The last character: its lead byte says how many bytes it needs. */
	for (lead = n; lead > 0 && ((unsigned char)src[lead - 1] & 0xC0) == 0x80; lead--)
		;
	if (lead > 0 && (c = (unsigned char)src[lead - 1]) >= 0xC0) {
		need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (n - (lead - 1) < need)
			n = lead - 1;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* s as a JSON string's contents (quotes, backslashes and controls escaped). */
static void
json_text(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	for (; src != NULL && *src != '\0' && o + 7 < len; src++) {
		unsigned char c = (unsigned char)*src;

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(dst + o, len - o, "\\u%04x", c);
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
}

/* What a marketplace return says, in the form it is stored and compared. */
struct mview {
	char state[16];
	char their[48];
	char reason[MREASON_MAX + 1];
	char tracking[64];
	char units[512];            /* "SKU:qty,SKU:qty" by SKU */
	int64_t updated;
};

static int
munit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct returns_munit *)a)->sku,
	    ((const struct returns_munit *)b)->sku);
}

/* in's units by SKU, the same SKU summed, as "SKU:qty,..."; DB_EINVAL on a bad unit. */
static int
in_view(struct session *s, const struct returns_market *in, struct mview *v)
{
	struct returns_munit *u;
	size_t i, o = 0;

	memset(v, 0, sizeof *v);
	snprintf(v->state, sizeof v->state, "%s", returns_mstate_name(in->state));
	copy_utf8(v->their, sizeof v->their, in->their_status);
	copy_utf8(v->reason, sizeof v->reason, in->reason);
	copy_utf8(v->tracking, sizeof v->tracking, in->tracking);
	v->updated = in->updated_at;
	if (in->nunits == 0)
		return 0;
	u = xcalloc(in->nunits, sizeof *u);
	memcpy(u, in->units, in->nunits * sizeof *u);
	for (i = 0; i < in->nunits; i++) {
		if (u[i].sku == NULL || u[i].sku[0] == '\0' || strlen(u[i].sku) > 63 ||
		    u[i].qty <= 0 || u[i].qty > QTY_MAX) {
			free(u);
			return session_fail(s, DB_EINVAL, "marketplace return %s: a unit needs a "
			    "SKU and 1 to %d units", in->market_id, QTY_MAX);
		}
	}
	qsort(u, in->nunits, sizeof *u, munit_cmp);
	for (i = 0; i < in->nunits; i++) {
		int64_t q = u[i].qty;

		while (i + 1 < in->nunits && strcmp(u[i + 1].sku, u[i].sku) == 0)
			q += u[++i].qty;
		o += (size_t)snprintf(v->units + o, o < sizeof v->units ? sizeof v->units - o : 0,
		    "%s%s:%" PRId64, o > 0 ? "," : "", u[i].sku, q);
		if (o >= sizeof v->units) {
			free(u);
			return session_fail(s, DB_EINVAL, "marketplace return %s: too many SKUs",
			    in->market_id);
		}
	}
	free(u);
	return 0;
}

/* The stored view of return rma_id. */
static int
stored_view(struct session *s, int64_t rma_id, struct mview *v)
{
	struct db_stmt *st;
	size_t o = 0;
	int rc;

	memset(v, 0, sizeof *v);
	v->updated = -1;
	st = db_prep(s->db, "SELECT coalesce(market_status, ''), coalesce(market_their, ''), "
	    "coalesce(market_reason, ''), coalesce(market_tracking, ''), "
	    "coalesce(market_updated_at, -1) FROM rma WHERE id = ?");
	if (st == NULL)
		return dberr(s, DB_ERR, "return");
	db_bind_int(st, 1, rma_id);
	if ((rc = db_step(st)) == DB_ROW) {
		snprintf(v->state, sizeof v->state, "%s", db_col_text(st, 0));
		snprintf(v->their, sizeof v->their, "%s", db_col_text(st, 1));
		snprintf(v->reason, sizeof v->reason, "%s", db_col_text(st, 2));
		snprintf(v->tracking, sizeof v->tracking, "%s", db_col_text(st, 3));
		v->updated = db_col_int(st, 4);
	}
	db_done(st);
	if (rc < 0)
		return dberr(s, rc, "return");
	st = db_prep(s->db, "SELECT sku, qty FROM rma_market_unit WHERE rma_id = ? ORDER BY sku");
	if (st == NULL)
		return dberr(s, DB_ERR, "return");
	db_bind_int(st, 1, rma_id);
	while ((rc = db_step(st)) == DB_ROW && o < sizeof v->units)
		o += (size_t)snprintf(v->units + o, sizeof v->units - o, "%s%s:%" PRId64,
		    o > 0 ? "," : "", db_col_text(st, 0), db_col_int(st, 1));
	db_done(st);
	return rc < 0 ? dberr(s, rc, "return") : 0;
}

static void
view_json(const struct mview *v, char *out, size_t len)
{
	char reason[2 * MREASON_MAX], their[96], tracking[128], units[1024];

	json_text(reason, sizeof reason, v->reason);
	json_text(their, sizeof their, v->their);
	json_text(tracking, sizeof tracking, v->tracking);
	json_text(units, sizeof units, v->units);
	snprintf(out, len, "{\"state\":\"%s\",\"their\":\"%s\",\"reason\":\"%s\","
	    "\"tracking\":\"%s\",\"units\":\"%s\",\"updated\":%" PRId64 "}", v->state, their,
	    reason, tracking, units, v->updated);
}

/* Store v as return rma_id's marketplace view; its units from in. */
static int
store_view(struct session *s, int64_t rma_id, const struct returns_market *in,
    const struct mview *v)
{
	size_t i;
	int rc;

	rc = db_run(s->db, "UPDATE rma SET market_status = ?, market_their = ?, "
	    "market_reason = nullif(?, ''), market_tracking = nullif(?, ''), "
	    "market_updated_at = ? WHERE id = ?", "ssssii", v->state, v->their, v->reason,
	    v->tracking, v->updated, rma_id);
	if (rc == 0)
		rc = db_run(s->db, "DELETE FROM rma_market_unit WHERE rma_id = ?", "i", rma_id);
	for (i = 0; rc == 0 && i < in->nunits; i++)
		rc = db_run(s->db, "INSERT INTO rma_market_unit(rma_id, sku, qty) VALUES (?, ?, ?) "
		    "ON CONFLICT(rma_id, sku) DO UPDATE SET qty = rma_market_unit.qty + "
		    "excluded.qty", "isi", rma_id, in->units[i].sku, in->units[i].qty);
	return rc != 0 ? dberr(s, rc, "return") : 0;
}

/* The return in names, found or opened: *rma_id. */
static int
market_rma(struct session *s, const struct returns_market *in, int64_t order_id,
    int64_t *rma_id)
{
	struct order *o = NULL;
	int64_t owner = 0;
	char after[128];
	int rc;

	rc = db_int(s->db, rma_id, "SELECT id FROM rma WHERE market_id = ?", "s",
	    in->market_id);
	if (rc == 0) {
		if ((rc = db_int(s->db, &owner, "SELECT order_id FROM rma WHERE id = ?", "i",
		    *rma_id)) != 0)
			return dberr(s, rc, "return");
		if (owner != order_id)
			return session_fail(s, DB_EINVAL, "return id '%s' is already another "
			    "order's", in->market_id);
		return 0;
	}
	if (rc != DB_ENOTFOUND)
		return dberr(s, rc, "return");
	/* Opened at the station before the channel announced it: the id attached. */
	rc = db_int(s->db, rma_id, "SELECT id FROM rma WHERE order_id = ? AND market_id IS NULL "
	    "ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, id DESC LIMIT 1", "i",
	    order_id);
	if (rc == 0) {
		rc = db_run(s->db, "UPDATE rma SET market_id = ? WHERE id = ?", "si", in->market_id,
		    *rma_id);
		return rc != 0 ? dberr(s, rc, "return") : 0;
	}
	if (rc != DB_ENOTFOUND)
		return dberr(s, rc, "return");
	/* A new return, beside any other the order has (a channel may open one per item). */
	if ((rc = order_load(s, order_id, &o)) != 0)
		return rc;
	if (!returnable(o->status)) {
		rc = session_fail(s, DB_ESTATE, "marketplace return %s: order %s is %s: only a "
		    "shipped order can be returned", in->market_id, o->order_no,
		    order_status_name(o->status));
		order_free(o);
		return rc;
	}
	rc = db_run(s->db, "INSERT INTO rma(order_id, status, source, market_id, opened_at, "
	    "user_name, station, currency) VALUES (?, 'open', 'marketplace', ?, ?, ?, ?, ?)",
	    "isisss", o->id, in->market_id, clock_now(), s->user, s->station, o->currency);
	order_free(o);
	if (rc != 0)
		return dberr(s, rc, "return");
	*rma_id = db_last_id(s->db);
	snprintf(after, sizeof after, "{\"order\":%" PRId64 ",\"source\":\"marketplace\"}",
	    order_id);
	return audit_log(s, "rma", *rma_id, "open", "", after);
}

static int
upsert_locked(struct session *s, const struct returns_market *in, int64_t *rma_id,
    int *changed)
{
	struct mview now_v, was;
	struct order *o = NULL;
	char before[2048], after[2048], why[96];
	int64_t order_id = 0, id = 0;
	enum returns_mstate eff;
	enum order_status st;
	int rc;

	rc = db_int(s->db, &order_id, "SELECT o.id FROM orders o JOIN shop sh ON sh.id = "
	    "o.shop_id WHERE sh.channel = ? AND sh.shop_code = ? AND o.order_no = ?", "sss",
	    in->channel, in->shop, in->order_no);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "marketplace return %s: no order %s of %s shop %s",
		    in->market_id, in->order_no, in->channel, in->shop);
	if (rc != 0)
		return dberr(s, rc, "return");
	if ((rc = in_view(s, in, &now_v)) != 0)
		return rc;
	if ((rc = market_rma(s, in, order_id, &id)) != 0)
		return rc;
	if ((rc = stored_view(s, id, &was)) != 0)
		return rc;
	*rma_id = id;
	eff = in->state;
	if (was.updated > in->updated_at) {
		/* Older than what we have: kept for the order's move below, not stored. */
		if (returns_mstate_parse(was.state, &eff) != 0)
			eff = in->state;
	} else if (strcmp(was.state, now_v.state) != 0 || strcmp(was.their, now_v.their) != 0 ||
	    strcmp(was.reason, now_v.reason) != 0 || strcmp(was.tracking, now_v.tracking) != 0 ||
	    strcmp(was.units, now_v.units) != 0) {
		if ((rc = store_view(s, id, in, &now_v)) != 0)
			return rc;
		view_json(&was, before, sizeof before);
		view_json(&now_v, after, sizeof after);
		if ((rc = audit_log(s, "rma", id, "market", before, after)) != 0)
			return rc;
		*changed = 1;
	} else if (was.updated != now_v.updated) {
		/* The same news, dated later: only the date moves (no audit needed). */
		rc = db_run(s->db, "UPDATE rma SET market_updated_at = ? WHERE id = ?", "ii",
		    now_v.updated, id);
		if (rc != 0)
			return dberr(s, rc, "return");
	}
	if (eff != RMS_IN_TRANSIT && eff != RMS_RECEIVED)
		return 0;
	/* The buyer shipped it back: the order is being returned, unless it is past that
	 * (RETURNING, RETURNED, PART_RETURNED) or never shipped. */
	if ((rc = order_load(s, order_id, &o)) != 0)
		return rc;
	st = o->status;
	order_free(o);
	if (st != ST_SHIPPED && st != ST_DELIVERED && st != ST_COMPLETED)
		return 0;
	snprintf(why, sizeof why, "marketplace return %.40s %s", in->market_id,
	    returns_mstate_name(eff));
	if ((rc = order_transition(s, order_id, 0, ST_RETURNING, why)) != 0)
		return rc;
	*changed = 1;
	return 0;
}

int
returns_market_upsert(struct session *s, const struct returns_market *in,
    int64_t *rma_id, int *changed)
{
	int64_t id = 0;
	int rc, ch = 0;

	if ((rc = session_require(s, ROLE_SYSTEM, "record a marketplace return")) != 0)
		return rc;
	if (in->market_id == NULL || in->market_id[0] == '\0' || strlen(in->market_id) > 63)
		return session_fail(s, DB_EINVAL, "marketplace return: a return id is 1 to 63 "
		    "bytes");
	if (in->channel == NULL || in->shop == NULL || in->order_no == NULL ||
	    in->order_no[0] == '\0')
		return session_fail(s, DB_EINVAL, "marketplace return %s: no order number",
		    in->market_id);
	if ((unsigned)in->state >= RMS__N)
		return session_fail(s, DB_EINVAL, "marketplace return %s: unknown state",
		    in->market_id);
	if (in->updated_at < 0)
		return session_fail(s, DB_EINVAL, "marketplace return %s: bad update time",
		    in->market_id);
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, rc, "return");
	if ((rc = upsert_locked(s, in, &id, &ch)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return dberr(s, rc, "return");
	if (rma_id != NULL)
		*rma_id = id;
	if (changed != NULL)
		*changed = ch;
	return 0;
}

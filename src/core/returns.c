/*
 * returns.c — returns (RMA) received at the station (returns.h).
 *
 * What an order shipped is read from the ledger: its 'ship' movements per warehouse, SKU
 * and lot. What came back already is the sum of its rma_unit rows, whatever their
 * condition, so a unit is returned at most once. A receipt runs in one transaction: the
 * stock movements (stock_return_lot), the unit rows, the return's costs and state, the
 * order's transition and the audit records commit together or not at all.
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
	rc = db_int(s->db, order_id, "SELECT order_id FROM rma WHERE market_id = ?", "s",
	    scan);
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
	    "GROUP BY m.warehouse_id, m.sku_id, m.lot_id "
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
	    "coalesce(r.market_id, ''), r.opened_at FROM rma r JOIN orders o ON o.id = "
	    "r.order_id JOIN shop sh ON sh.id = o.shop_id "
	    "WHERE r.status = 'open' AND r.opened_at <= ? "
	    "UNION ALL SELECT 0, o.id, o.order_no, sh.channel, o.status, 'marketplace', '', "
	    "o.updated_at FROM orders o JOIN shop sh ON sh.id = o.shop_id "
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

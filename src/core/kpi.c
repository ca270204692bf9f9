/*
 * kpi.c — the KPI report (kpi.h). Where each number comes from:
 *
 * - Moments of an order: table order_kpi (schema 13), which a trigger fills from the
 *   audit log's order transitions as they are written: packed_at (-> PACKED, with the
 *   units in pack_scan then: packed_units), shipped_at (-> SHIPPED: handed over to the
 *   carrier), delivered_at, cancelled_at with the status it left, the reason and the user,
 *   returning_at with the status it left (the first move to RETURNING, RETURNED or
 *   PART_RETURNED: a parcel received straight at the station skips RETURNING; migration
 *   015). "Paid" is orders.created_at (the marketplaces
 *   hand us paid orders; COD orders count from their placing).
 * - OTIF: shipped orders handed over by orders.ship_by (or with none) and complete: every
 *   ordered unit scanned in pack_scan (packed_units >= the lines' qty; an order never
 *   packed at a station counts complete).
 * - Cancels: cancelled orders plus failed deliveries (SHIPPED -> returning). Cause: a
 *   reason naming stock -> out of stock; naming the buyer, or a cancel the marketplace
 *   made (the system user "system") -> buyer; one naming delivery -> failed delivery;
 *   any other person's -> seller (kpi_cancel_cause()).
 * - Returns: DELIVERED -> returning, over the orders delivered.
 * - Lead times: paid -> packed -> handed over (shipped) -> delivered, averaged over the
 *   orders that reached both ends.
 * - Cost per order, over the shipped orders: fees (settlement_fee lines of the
 *   commission, service, transaction and other categories, recon.c), shipping (the
 *   shipping and subsidy lines; a net charge) and packing (the package rows times
 *   [fees] packing_cost).
 * - Gross profit by SKU and channel, orders not cancelled: price (qty x unit_price) -
 *   cost (qty x sku.cost) - fees - shipping - vouchers, the order's settlement lines
 *   shared among its lines by price.
 * - Parcels per hour per packer: package rows made in the period by user_name, over the
 *   distinct clock hours in which that packer closed a parcel; error-lock rate: the
 *   audit's "lock" records in the period by user over that packer's parcels.
 * - COD refusal rate by province: COD orders handed over, of which failed delivery.
 * - Inventory turnover: the cost of the units of shipped orders over the average stock
 *   value at from and at to (stock_level now, less the stock_move rows since, at
 *   sku.cost). Dead stock: SKUs on hand with no order line in the last dead_days days
 *   before to.
 *
 * The orders, their lines, settlement lines and packages are read in four cursors by
 * order id and merged here, one pass each: a million orders take about a second.
 */
#include "kpi.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "xalloc.h"

static const char *const cause_names[KPI__CAUSES] = {
	[KPI_OUT_OF_STOCK] = "out_of_stock", [KPI_BUYER] = "buyer", [KPI_SELLER] = "seller",
	[KPI_FAILED_DELIVERY] = "failed_delivery",
};

const char *
kpi_cause_name(enum kpi_cause c)
{
	return (unsigned)c < KPI__CAUSES ? cause_names[c] : "?";
}

int
kpi_by_parse(const char *name, enum kpi_by *out)
{
	static const char *const names[] = { "day", "week", "channel", "shop" };
	int i;

	for (i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum kpi_by)i;
			return 0;
		}
	}
	return -1;
}

enum kpi_cause
kpi_cancel_cause(const char *reason, const char *from, const char *user)
{
	if (strcmp(from, "SHIPPED") == 0 || strcasestr(reason, "deliver") != NULL)
		return KPI_FAILED_DELIVERY;
	if (strcasestr(reason, "stock") != NULL)
		return KPI_OUT_OF_STOCK;
	if (strcasestr(reason, "buyer") != NULL || strcmp(user, "system") == 0)
		return KPI_BUYER;
	return KPI_SELLER;
}

struct shopinfo {
	char channel[16];
	char key[80];
	int chan;                   /* 0 shopee, 1 lazada, 2 tiktok, 3 manual */
};

struct skuinfo {
	int64_t cost;
	int64_t last_sale;
};

struct run {
	struct session *s;
	const struct kpi_opts *o;
	struct kpi_report *r;
	size_t cap_rows;
	struct shopinfo *shops;
	int64_t nshops;
	struct skuinfo *skus;
	int64_t nskus;
	struct kpi_profit *profit;  /* [sku_id * 4 + chan] */
	size_t cap_prov;
	int64_t packing_cost;
	int64_t id_lo, id_hi;       /* the orders with id in [id_lo, id_hi) */
	/* The row the last order went to, and its day (by day, week) or shop (by channel,
	 * shop): orders come by id, so mostly the next one goes to the same row. */
	size_t last_row;
	int64_t last_key;
	int have_last;
	size_t shop_row[64];        /* by channel, shop: 1 + the row of a shop id; 0 none */
	/* The fee types met so far and their categories (a handful per channel). */
	struct { char type[48]; enum recon_cat cat; } fee_cache[32];
	int nfee_cache;
};

/* recon_category() through the cache: millions of lines, a few distinct types. */
static enum recon_cat
category(struct run *u, const char *type)
{
	int i;

	for (i = 0; i < u->nfee_cache; i++) {
		if (strcmp(u->fee_cache[i].type, type) == 0)
			return u->fee_cache[i].cat;
	}
	if (u->nfee_cache < (int)(sizeof u->fee_cache / sizeof u->fee_cache[0]) &&
	    strlen(type) < sizeof u->fee_cache[0].type) {
		memcpy(u->fee_cache[u->nfee_cache].type, type, strlen(type) + 1);
		u->fee_cache[u->nfee_cache].cat = recon_category(type);
		return u->fee_cache[u->nfee_cache++].cat;
	}
	return recon_category(type);
}

static int
chan_index(const char *ch)
{
	static const char *const names[] = { "shopee", "lazada", "tiktok", "manual" };
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(ch, names[i]) == 0)
			return i;
	}
	return 3;
}

/* Days since 1970-01-01 -> "YYYY-MM-DD" (civil from days, proleptic Gregorian). */
static void
day_name(int64_t days, char *buf, size_t len)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	snprintf(buf, len, "%04" PRId64 "-%02" PRId64 "-%02" PRId64, y + (m <= 2), m, d);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static struct kpi_row *
row_for(struct run *u, const struct shopinfo *sh, int64_t created)
{
	struct kpi_report *r = u->r;
	char key[80];
	int64_t days = 0, which;
	size_t i;

	if (u->o->by == KPI_BY_DAY || u->o->by == KPI_BY_WEEK) {
		days = floor_div(created + u->o->utc_offset_s, 86400);
		if (u->o->by == KPI_BY_WEEK)
			days -= (days + 3) % 7;         /* 1970-01-01 was a Thursday */
		which = days;
	} else {
		which = (int64_t)(sh - u->shops);
	}
	if (u->have_last && u->last_key == which)
		return &r->rows[u->last_row];
	if (u->o->by != KPI_BY_DAY && u->o->by != KPI_BY_WEEK && which < 64 &&
	    u->shop_row[which] != 0) {
		u->last_key = which;
		u->last_row = u->shop_row[which] - 1;
		return &r->rows[u->last_row];
	}
	switch (u->o->by) {
	case KPI_BY_DAY:
	case KPI_BY_WEEK:
		day_name(days, key, sizeof key);
		break;
	case KPI_BY_CHANNEL:
		snprintf(key, sizeof key, "%s", sh->channel);
		break;
	default:
		snprintf(key, sizeof key, "%s", sh->key);
	}
	u->have_last = 1;
	u->last_key = which;
	for (i = r->nrows; i-- > 0;) {
		if (strcmp(r->rows[i].key, key) == 0)
			break;
	}
	u->last_row = i < r->nrows ? i : r->nrows;
	if (u->o->by != KPI_BY_DAY && u->o->by != KPI_BY_WEEK && which < 64)
		u->shop_row[which] = u->last_row + 1;
	if (i < r->nrows)
		return &r->rows[i];
	if (r->nrows == u->cap_rows) {
		u->cap_rows = u->cap_rows ? 2 * u->cap_rows : 16;
		r->rows = xrealloc(r->rows, u->cap_rows * sizeof *r->rows);
	}
	memset(&r->rows[r->nrows], 0, sizeof r->rows[0]);
	memcpy(r->rows[r->nrows].key, key, sizeof key);
	return &r->rows[r->nrows++];
}

static void
province_add(struct run *u, const char *province, int refused)
{
	struct kpi_report *r = u->r;
	size_t i;

	for (i = 0; i < r->nprovinces; i++) {
		if (strcmp(r->provinces[i].province, province) == 0)
			break;
	}
	if (i == r->nprovinces) {
		if (r->nprovinces == u->cap_prov) {
			u->cap_prov = u->cap_prov ? 2 * u->cap_prov : 64;
			r->provinces = xrealloc(r->provinces, u->cap_prov * sizeof *r->provinces);
		}
		memset(&r->provinces[i], 0, sizeof r->provinces[i]);
		snprintf(r->provinces[i].province, sizeof r->provinces[i].province, "%s",
		    province);
		r->nprovinces++;
	}
	r->provinces[i].cod_shipped++;
	r->provinces[i].refused += refused;
}

static int
load_dims(struct run *u)
{
	struct db_stmt *st;
	int rc;

	if (db_int(u->s->db, &u->nshops, "SELECT coalesce(max(id), 0) + 1 FROM shop", "") != 0 ||
	    db_int(u->s->db, &u->nskus, "SELECT coalesce(max(id), 0) + 1 FROM sku", "") != 0)
		return DB_ERR;
	u->shops = xcalloc((size_t)u->nshops, sizeof *u->shops);
	u->skus = xcalloc((size_t)u->nskus, sizeof *u->skus);
	u->profit = xcalloc((size_t)u->nskus * 4, sizeof *u->profit);
	if ((st = db_prep(u->s->db, "SELECT id, channel, shop_code FROM shop")) == NULL)
		return DB_ERR;
	while ((rc = db_step(st)) == DB_ROW) {
		struct shopinfo *sh = &u->shops[db_col_int(st, 0)];

		snprintf(sh->channel, sizeof sh->channel, "%s", db_col_text(st, 1));
		snprintf(sh->key, sizeof sh->key, "%s/%s", db_col_text(st, 1), db_col_text(st, 2));
		sh->chan = chan_index(sh->channel);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if ((st = db_prep(u->s->db, "SELECT id, sku, coalesce(cost, 0) FROM sku")) == NULL)
		return DB_ERR;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		int c;

		u->skus[id].cost = db_col_int(st, 2);
		for (c = 0; c < 4; c++) {
			snprintf(u->profit[id * 4 + c].sku, sizeof u->profit[0].sku, "%s",
			    db_col_text(st, 1));
			snprintf(u->profit[id * 4 + c].channel, sizeof u->profit[0].channel, "%s",
			    c == 0 ? "shopee" : c == 1 ? "lazada" : c == 2 ? "tiktok" : "manual");
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

#define MAXLINES 64

struct line {
	int64_t sku_id, qty, price;
};

/* The orders, merged with their lines, settlement lines and packages. */
static int
scan_orders(struct run *u, int64_t scan_from)
{
	struct db *db = u->s->db;
	struct db_stmt *a = NULL, *b = NULL, *c = NULL, *d = NULL, *k = NULL;
	int ra, rb = DB_ROW, rcur = DB_ROW, rd = DB_ROW, rk = DB_ROW, rc = 0;
	struct line lines[MAXLINES];
	int64_t first = 0;

	a = db_prep(db, "SELECT id, shop_id, created_at, coalesce(ship_by, 0), cod, province "
	    "FROM orders WHERE created_at >= ? AND created_at < ? AND id >= ? AND id < ? "
	    "ORDER BY id");
	if (a == NULL)
		return DB_ERR;
	db_bind_int(a, 1, scan_from);
	db_bind_int(a, 2, u->o->to);
	db_bind_int(a, 3, u->id_lo);
	db_bind_int(a, 4, u->id_hi);
	if ((ra = db_step(a)) != DB_ROW) {
		db_done(a);
		return ra < 0 ? ra : 0;
	}
	first = db_col_int(a, 0);
	b = db_prep(db, "SELECT order_id, sku_id, qty, unit_price FROM order_line "
	    "WHERE order_id >= ? ORDER BY order_id");
	c = db_prep(db, "SELECT order_id, fee_type, amount FROM settlement_fee "
	    "WHERE order_id >= ? ORDER BY order_id");
	d = db_prep(db, "SELECT order_id FROM package WHERE order_id >= ? ORDER BY order_id");
	k = db_prep(db, "SELECT order_id, packed_at, packed_units, shipped_at, delivered_at, "
	    "cancelled_at, coalesce(cancel_reason, ''), coalesce(cancel_from, ''), "
	    "coalesce(cancel_user, ''), coalesce(returning_from, '') FROM order_kpi "
	    "WHERE order_id >= ? ORDER BY order_id");
	if (b == NULL || c == NULL || d == NULL || k == NULL) {
		rc = DB_ERR;
		goto out;
	}
	db_bind_int(b, 1, first);
	db_bind_int(c, 1, first);
	db_bind_int(d, 1, first);
	db_bind_int(k, 1, first);
	rk = db_step(k);
	rb = db_step(b);
	rcur = db_step(c);
	rd = db_step(d);
	for (; ra == DB_ROW; ra = db_step(a)) {
		int64_t id = db_col_int(a, 0), shop = db_col_int(a, 1);
		int64_t created = db_col_int(a, 2), ship_by = db_col_int(a, 3);
		int64_t packed = 0, shipped = 0, delivered = 0, cancelled = 0, punits = -1;
		const char *ret_from = "", *why = "", *cfrom = "", *cuser = "";
		int64_t cat[RC__CATS] = { 0 }, units = 0, items = 0, parcels = 0;
		int64_t fees, shipping, vouchers, rest_f, rest_s, rest_v;
		const struct shopinfo *sh;
		struct kpi_row *row;
		int nl = 0, i, failed, in_period = created >= u->o->from;

		while (rk == DB_ROW && db_col_int(k, 0) < id)
			rk = db_step(k);
		if (rk == DB_ROW && db_col_int(k, 0) == id) {
			packed = db_col_int(k, 1);
			punits = db_col_null(k, 2) ? -1 : db_col_int(k, 2);
			shipped = db_col_int(k, 3);
			delivered = db_col_int(k, 4);
			cancelled = db_col_int(k, 5);
			why = db_col_text(k, 6);
			cfrom = db_col_text(k, 7);
			cuser = db_col_text(k, 8);
			ret_from = db_col_text(k, 9);
		}
		while (rb == DB_ROW && db_col_int(b, 0) < id)
			rb = db_step(b);
		for (; rb == DB_ROW && db_col_int(b, 0) == id; rb = db_step(b)) {
			struct line l = { db_col_int(b, 1), db_col_int(b, 2), db_col_int(b, 3) };

			units += l.qty;
			items += l.qty * l.price;
			if (l.sku_id > 0 && l.sku_id < u->nskus && cancelled == 0 &&
			    u->skus[l.sku_id].last_sale < created)
				u->skus[l.sku_id].last_sale = created;
			if (nl < MAXLINES)
				lines[nl++] = l;
		}
		if (!in_period)
			continue;
		while (rcur == DB_ROW && db_col_int(c, 0) < id)
			rcur = db_step(c);
		for (; rcur == DB_ROW && db_col_int(c, 0) == id; rcur = db_step(c))
			cat[category(u, db_col_text(c, 1))] += db_col_int(c, 2);
		while (rd == DB_ROW && db_col_int(d, 0) < id)
			rd = db_step(d);
		for (; rd == DB_ROW && db_col_int(d, 0) == id; rd = db_step(d))
			parcels++;
		if (shop <= 0 || shop >= u->nshops)
			continue;
		sh = &u->shops[shop];
		row = row_for(u, sh, created);
		row->orders++;
		failed = strcmp(ret_from, "SHIPPED") == 0;
		if (shipped != 0) {
			int complete = punits < 0 || punits >= units;

			row->shipped++;
			row->otif += complete && (ship_by <= 0 || shipped <= ship_by);
			if (db_col_int(a, 4) > 0)
				province_add(u, db_col_text(a, 5), failed);
		}
		if (cancelled != 0) {
			row->cancels++;
			row->cause[kpi_cancel_cause(why, cfrom, cuser)]++;
		} else if (failed) {
			row->cancels++;
			row->cause[KPI_FAILED_DELIVERY]++;
		}
		if (delivered != 0) {
			row->delivered++;
			row->returned += strcmp(ret_from, "DELIVERED") == 0;
		}
		if (packed != 0) {
			row->lead_n[KPI_PAID_PACKED]++;
			row->lead_s[KPI_PAID_PACKED] += packed - created;
		}
		if (packed != 0 && shipped != 0) {
			row->lead_n[KPI_PACKED_HANDED]++;
			row->lead_s[KPI_PACKED_HANDED] += shipped - packed;
		}
		if (shipped != 0 && delivered != 0) {
			row->lead_n[KPI_HANDED_DELIVERED]++;
			row->lead_s[KPI_HANDED_DELIVERED] += delivered - shipped;
		}
		fees = -(cat[RC_COMMISSION] + cat[RC_SERVICE] + cat[RC_TRANSACTION] + cat[RC_OTHER]);
		shipping = -(cat[RC_SHIPPING] + cat[RC_SUBSIDY]);
		vouchers = -cat[RC_VOUCHER];
		if (shipped != 0) {
			row->cost_n++;
			row->cost += fees + shipping + parcels * u->packing_cost;
		}
		if (cancelled != 0)
			continue;
		/* Gross profit: the order's fees, shipping and vouchers shared by price. */
		rest_f = fees;
		rest_s = shipping;
		rest_v = vouchers;
		for (i = 0; i < nl; i++) {
			const struct line *l = &lines[i];
			int64_t rev = l->qty * l->price, f, sp, v, cost;
			struct kpi_profit *p;

			if (l->sku_id <= 0 || l->sku_id >= u->nskus)
				continue;
			if (i == nl - 1 || items == 0) {
				f = rest_f, sp = rest_s, v = rest_v;
				rest_f = rest_s = rest_v = 0;
			} else {
				f = fees * rev / items;
				sp = shipping * rev / items;
				v = vouchers * rev / items;
				rest_f -= f, rest_s -= sp, rest_v -= v;
			}
			cost = l->qty * u->skus[l->sku_id].cost;
			p = &u->profit[l->sku_id * 4 + sh->chan];
			p->units += l->qty;
			p->revenue += rev;
			p->cost += cost;
			p->fees += f;
			p->shipping += sp;
			p->vouchers += v;
			p->profit += rev - cost - f - sp - v;
			row->revenue += rev;
			row->profit += rev - cost - f - sp - v;
			if (shipped != 0)
				u->r->cogs += cost;
		}
	}
	rc = ra < 0 ? ra : rb < 0 ? rb : rcur < 0 ? rcur : rd < 0 ? rd : rk < 0 ? rk : 0;
out:
	db_done(k);
	db_done(a);
	db_done(b);
	db_done(c);
	db_done(d);
	return rc;
}

static int
scan_packers(struct run *u)
{
	struct kpi_report *r = u->r;
	struct db_stmt *st;
	size_t cap = 0, i;
	int rc;

	st = db_prep(u->s->db, "SELECT coalesce(user_name, ''), count(*), "
	    "count(DISTINCT created_at / 3600) FROM package WHERE created_at >= ? AND "
	    "created_at < ? GROUP BY 1 ORDER BY 1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, u->o->from);
	db_bind_int(st, 2, u->o->to);
	while ((rc = db_step(st)) == DB_ROW) {
		struct kpi_packer *p;

		if (r->npackers == cap) {
			cap = cap ? 2 * cap : 16;
			r->packers = xrealloc(r->packers, cap * sizeof *r->packers);
		}
		p = &r->packers[r->npackers++];
		memset(p, 0, sizeof *p);
		snprintf(p->user, sizeof p->user, "%s", db_col_text(st, 0));
		p->parcels = db_col_int(st, 1);
		p->hours = db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	st = db_prep(u->s->db, "SELECT user_name, count(*) FROM audit WHERE at >= ? AND at < ? "
	    "AND action = 'lock' GROUP BY 1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, u->o->from);
	db_bind_int(st, 2, u->o->to);
	while ((rc = db_step(st)) == DB_ROW) {
		for (i = 0; i < r->npackers; i++) {
			if (strcmp(r->packers[i].user, db_col_text(st, 0)) == 0)
				break;
		}
		if (i == r->npackers) {
			if (r->npackers == cap) {
				cap = cap ? 2 * cap : 16;
				r->packers = xrealloc(r->packers, cap * sizeof *r->packers);
			}
			memset(&r->packers[i], 0, sizeof r->packers[i]);
			snprintf(r->packers[i].user, sizeof r->packers[i].user, "%s",
			    db_col_text(st, 0));
			r->npackers++;
		}
		r->packers[i].locks += db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int
by_value(const void *x, const void *y)
{
	const struct kpi_dead *a = x, *b = y;

	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return strcmp(a->sku, b->sku);
}

/* Stock value at from and at to, and the SKUs on hand that did not sell. */
static int
scan_stock(struct run *u, int64_t dead_since)
{
	struct kpi_report *r = u->r;
	struct db_stmt *st;
	int64_t *since_from = xcalloc((size_t)u->nskus * 2, sizeof *since_from);
	int64_t *since_to = since_from + u->nskus;
	size_t cap = 0;
	int rc;

	/* The ledger's movements since from and since to, per SKU, in one pass by time. */
	st = db_prep(u->s->db, "SELECT sku_id, sum(d_on_hand), "
	    "sum(CASE WHEN at >= ? THEN d_on_hand ELSE 0 END) FROM stock_move WHERE at >= ? "
	    "GROUP BY sku_id");
	if (st == NULL) {
		free(since_from);
		return DB_ERR;
	}
	db_bind_int(st, 1, u->o->to);
	db_bind_int(st, 2, u->o->from);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);

		if (id > 0 && id < u->nskus) {
			since_from[id] = db_col_int(st, 1);
			since_to[id] = db_col_int(st, 2);
		}
	}
	db_done(st);
	if (rc < 0) {
		free(since_from);
		return rc;
	}
	st = db_prep(u->s->db, "SELECT k.id, k.sku, coalesce(k.cost, 0), "
	    "coalesce((SELECT sum(on_hand) FROM stock_level WHERE sku_id = k.id), 0) "
	    "FROM sku k ORDER BY k.id");
	if (st == NULL) {
		free(since_from);
		return DB_ERR;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int(st, 0), cost = db_col_int(st, 2), now = db_col_int(st, 3);
		int known = id > 0 && id < u->nskus;
		struct kpi_dead *d;

		r->stock_start += cost * (now - (known ? since_from[id] : 0));
		r->stock_end += cost * (now - (known ? since_to[id] : 0));
		if (now <= 0 || (id < u->nskus && u->skus[id].last_sale >= dead_since))
			continue;
		if (r->ndead == cap) {
			cap = cap ? 2 * cap : 16;
			r->dead = xrealloc(r->dead, cap * sizeof *r->dead);
		}
		d = &r->dead[r->ndead++];
		memset(d, 0, sizeof *d);
		snprintf(d->sku, sizeof d->sku, "%s", db_col_text(st, 1));
		d->on_hand = now;
		d->value = now * cost;
		d->last_sale = id < u->nskus ? u->skus[id].last_sale : 0;
	}
	db_done(st);
	free(since_from);
	if (rc < 0)
		return rc;
	if (r->ndead > 1)
		qsort(r->dead, r->ndead, sizeof *r->dead, by_value);
	return 0;
}

static int
by_key(const void *x, const void *y)
{
	return strcmp(((const struct kpi_row *)x)->key, ((const struct kpi_row *)y)->key);
}

static int
by_province(const void *x, const void *y)
{
	return strcmp(((const struct kpi_province *)x)->province,
	    ((const struct kpi_province *)y)->province);
}

static void
row_add(struct kpi_row *t, const struct kpi_row *r)
{
	int c, l;

	t->orders += r->orders;
	t->shipped += r->shipped;
	t->otif += r->otif;
	t->cancels += r->cancels;
	for (c = 0; c < KPI__CAUSES; c++)
		t->cause[c] += r->cause[c];
	t->delivered += r->delivered;
	t->returned += r->returned;
	for (l = 0; l < KPI__LEADS; l++) {
		t->lead_n[l] += r->lead_n[l];
		t->lead_s[l] += r->lead_s[l];
	}
	t->cost_n += r->cost_n;
	t->cost += r->cost;
	t->revenue += r->revenue;
	t->profit += r->profit;
}

/* The second half of the orders, on a connection of its own (the machine's other core). */
struct half {
	struct run u;
	struct session s;
	struct kpi_report r;
	int64_t scan_from;
	int rc;
};

static void *
half_main(void *arg)
{
	struct half *h = arg;
	char err[256];

	if ((h->rc = db_open(&h->s.db, h->s.err, err, sizeof err)) != 0) {
		snprintf(h->s.err, sizeof h->s.err, "%s", err);
		return NULL;
	}
	/* A read transaction (BEGIN, not db_begin()'s write lock). */
	if ((h->rc = db_exec(h->s.db, "BEGIN")) == 0) {
		h->rc = scan_orders(&h->u, h->scan_from);
		db_exec(h->s.db, "ROLLBACK");
	}
	if (h->rc != 0)
		snprintf(h->s.err, sizeof h->s.err, "%s", db_errmsg(h->s.db));
	db_close(h->s.db);
	return NULL;
}

/* Add the second half's figures to the first's. */
static void
merge(struct run *u, struct half *h)
{
	struct kpi_report *r = u->r;
	size_t i, k;
	int64_t j;

	for (i = 0; i < h->r.nrows; i++) {
		const struct kpi_row *src = &h->r.rows[i];
		struct kpi_row *dst = NULL;

		for (k = 0; k < r->nrows && dst == NULL; k++) {
			if (strcmp(r->rows[k].key, src->key) == 0)
				dst = &r->rows[k];
		}
		if (dst == NULL) {
			if (r->nrows == u->cap_rows) {
				u->cap_rows = u->cap_rows ? 2 * u->cap_rows : 16;
				r->rows = xrealloc(r->rows, u->cap_rows * sizeof *r->rows);
			}
			dst = &r->rows[r->nrows++];
			memset(dst, 0, sizeof *dst);
			memcpy(dst->key, src->key, sizeof dst->key);
		}
		row_add(dst, src);
	}
	for (i = 0; i < h->r.nprovinces; i++) {
		const struct kpi_province *p = &h->r.provinces[i];

		for (k = 0; k < r->nprovinces; k++) {
			if (strcmp(r->provinces[k].province, p->province) == 0)
				break;
		}
		if (k == r->nprovinces) {
			if (r->nprovinces == u->cap_prov) {
				u->cap_prov = u->cap_prov ? 2 * u->cap_prov : 64;
				r->provinces = xrealloc(r->provinces, u->cap_prov * sizeof *r->provinces);
			}
			r->provinces[k] = *p;
			r->nprovinces++;
		} else {
			r->provinces[k].cod_shipped += p->cod_shipped;
			r->provinces[k].refused += p->refused;
		}
	}
	for (j = 0; j < u->nskus; j++) {
		if (h->u.skus[j].last_sale > u->skus[j].last_sale)
			u->skus[j].last_sale = h->u.skus[j].last_sale;
	}
	for (j = 0; j < u->nskus * 4; j++) {
		struct kpi_profit *d = &u->profit[j];
		const struct kpi_profit *p = &h->u.profit[j];

		d->units += p->units;
		d->revenue += p->revenue;
		d->cost += p->cost;
		d->fees += p->fees;
		d->shipping += p->shipping;
		d->vouchers += p->vouchers;
		d->profit += p->profit;
	}
	r->cogs += h->r.cogs;
}

/* Scan the orders, in two halves on two connections when there are many of them and
 * the database is a file. */
static int
scan_all(struct run *u, int64_t scan_from)
{
	struct half h;
	pthread_t th;
	int64_t lo = 0, hi = 0;
	const char *path = db_path(u->s->db);
	int rc;

	u->id_lo = INT64_MIN;
	u->id_hi = INT64_MAX;
	if (db_int(u->s->db, &lo, "SELECT coalesce(min(id), 0) FROM orders", "") != 0 ||
	    db_int(u->s->db, &hi, "SELECT coalesce(max(id), 0) FROM orders", "") != 0)
		return DB_ERR;
	if (hi - lo < 200000 || path == NULL || path[0] == '\0' || path[0] == ':' ||
	    strlen(path) >= sizeof h.s.err)
		return scan_orders(u, scan_from);
	memset(&h, 0, sizeof h);
	h.u = *u;
	h.u.r = &h.r;
	h.u.cap_rows = h.u.cap_prov = 0;
	h.u.nfee_cache = 0;
	h.u.have_last = 0;
	memset(h.u.shop_row, 0, sizeof h.u.shop_row);
	h.u.skus = xcalloc((size_t)u->nskus, sizeof *h.u.skus);
	memcpy(h.u.skus, u->skus, (size_t)u->nskus * sizeof *u->skus);
	h.u.profit = xcalloc((size_t)u->nskus * 4, sizeof *h.u.profit);
	h.s = *u->s;
	h.u.s = &h.s;
	snprintf(h.s.err, sizeof h.s.err, "%s", path);     /* the path, until it opens */
	h.scan_from = scan_from;
	h.u.id_lo = lo + (hi - lo) / 2;
	u->id_hi = h.u.id_lo;
	if (pthread_create(&th, NULL, half_main, &h) != 0) {
		u->id_hi = INT64_MAX;
		rc = scan_orders(u, scan_from);
		goto out;
	}
	rc = scan_orders(u, scan_from);
	pthread_join(th, NULL);
	if (rc == 0 && h.rc != 0)
		rc = session_fail(u->s, h.rc, "KPI report: %s", h.s.err);
	if (rc == 0)
		merge(u, &h);
out:
	kpi_report_free(&h.r);
	free(h.u.skus);
	free(h.u.profit);
	return rc;
}

int
kpi_run(struct session *s, const struct kpi_opts *o, struct kpi_report *out)
{
	struct run u;
	int64_t dead_days = o->fees != NULL ? o->fees->dead_days : 90, dead_since, scan_from;
	int64_t i, avg;
	size_t k;
	int rc, own;

	memset(out, 0, sizeof *out);
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the KPI report")) != 0)
		return rc;
	if (o->to <= o->from)
		return session_fail(s, DB_EINVAL, "KPI report: the period ends before it begins");
	memset(&u, 0, sizeof u);
	u.s = s;
	u.o = o;
	u.r = out;
	u.packing_cost = o->fees != NULL ? o->fees->packing_cost : 0;
	if (dead_days < 1)
		dead_days = 90;
	dead_since = o->to - dead_days * 86400;
	scan_from = dead_since < o->from ? dead_since : o->from;
	/* One read transaction (no write lock: writers go on meanwhile), unless the caller
	 * has one open. */
	own = !db_in_tx(s->db);
	s->err[0] = '\0';
	if (own && (rc = db_exec(s->db, "BEGIN")) != 0)
		return session_fail(s, rc, "KPI report: %s", db_errmsg(s->db));
	if ((rc = load_dims(&u)) != 0 || (rc = scan_all(&u, scan_from)) != 0 ||
	    (rc = scan_packers(&u)) != 0 || (rc = scan_stock(&u, dead_since)) != 0) {
		if (s->err[0] == '\0')         /* else the other half's failure */
			session_fail(s, rc, "KPI report: %s", db_errmsg(s->db));
		if (own)
			db_exec(s->db, "ROLLBACK");
		goto out;
	}
	if (own)
		db_exec(s->db, "ROLLBACK");         /* read only */
	qsort(out->rows, out->nrows, sizeof *out->rows, by_key);
	if (out->nprovinces > 1)
		qsort(out->provinces, out->nprovinces, sizeof *out->provinces, by_province);
	snprintf(out->total.key, sizeof out->total.key, "total");
	for (k = 0; k < out->nrows; k++)
		row_add(&out->total, &out->rows[k]);
	/* The SKU x channel cells that sold, in SKU then channel order. */
	out->profit = xcalloc((size_t)u.nskus * 4, sizeof *out->profit);
	for (i = 0; i < u.nskus * 4; i++) {
		if (u.profit[i].units != 0)
			out->profit[out->nprofit++] = u.profit[i];
	}
	avg = (out->stock_start + out->stock_end) / 2;
	out->turnover_x100 = avg > 0 ? out->cogs * 100 / avg : -1;
	rc = 0;
out:
	if (rc != 0)
		kpi_report_free(out);
	free(u.shops);
	free(u.skus);
	free(u.profit);
	return rc;
}

void
kpi_report_free(struct kpi_report *r)
{
	free(r->rows);
	free(r->packers);
	free(r->provinces);
	free(r->profit);
	free(r->dead);
	memset(r, 0, sizeof *r);
}

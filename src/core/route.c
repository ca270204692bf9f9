/*
 * route.c — provinces and distances, channel policies, the allocation planner and its
 * application to the stock ledger.
 *
 * The province table is parsed once from the compiled-in data/vn-provinces.csv; names
 * are compared folded (Vietnamese letters to ASCII, lower case, letters and digits only)
 * so "TP. Hồ Chí Minh", "Ho Chi Minh" and the former "Bình Dương" all find the same city.
 * Distances are great-circle kilometres between centroids: what matters to routing is
 * which warehouse is nearer, and the centroids order them as roads do at this scale.
 */
#include "route.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "carrier.h"
#include "clock.h"
#include "db.h"
#include "notify.h"
#include "order.h"
#include "rules.h"
#include "stock.h"
#include "xalloc.h"

#define PROV_MAX    64
#define NAMES_MAX   6           /* current, ASCII, former ones */
#define FOLD_MAX    64

struct province {
	char name[64];
	char region[16];
	double lat, lon;
	int nnames;
	char names[NAMES_MAX][FOLD_MAX];  /* folded */
};

static struct province provs[PROV_MAX];
static int nprovs;
static int dist[PROV_MAX][PROV_MAX];
static pthread_once_t provs_once = PTHREAD_ONCE_INIT;

/* ASCII base letter of a Vietnamese code point, or 0. */
static int
fold_cp(unsigned cp)
{
	static const char viet[] =     /* U+1EA0 .. U+1EF9 */
	    "aaaaaaaaaaaaaaaaaaaaaaaa" "eeeeeeeeeeeeeeee" "iiii"
	    "oooooooooooooooooooooooo" "uuuuuuuuuuuuuu" "yyyyyyyy";
	static const char latin1[] =   /* U+00C0 .. U+00FF */
	    "aaaaaaaceeeeiiiidnooooo.ouuuuyts" "aaaaaaaceeeeiiiidnooooo.ouuuuyty";

	if (cp < 0x80)
		return (int)cp;
	if (cp >= 0x1EA0 && cp <= 0x1EF9)
		return viet[cp - 0x1EA0];
	if (cp >= 0xC0 && cp <= 0xFF)
		return latin1[cp - 0xC0];
	switch (cp) {
	case 0x102: case 0x103: return 'a';
	case 0x110: case 0x111: return 'd';
	case 0x128: case 0x129: return 'i';
	case 0x168: case 0x169: return 'u';
	case 0x1A0: case 0x1A1: return 'o';
	case 0x1AF: case 0x1B0: return 'u';
	}
	return 0;
}

/* in folded into out: ASCII lower-case letters and digits only. */
static void
fold(const char *in, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;

	while (*p != '\0' && n + 1 < len) {
		unsigned cp;
		int c;

		if (*p < 0x80) {
			cp = *p++;
		} else if ((*p & 0xE0) == 0xC0 && p[1] != '\0') {
			cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
			p += 2;
		} else if ((*p & 0xF0) == 0xE0 && p[1] != '\0' && p[2] != '\0') {
			cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) |
			    (p[2] & 0x3F);
			p += 3;
		} else {
			p++;
			continue;
		}
		c = fold_cp(cp);
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

static void
add_name(struct province *p, const char *name)
{
	if (p->nnames < NAMES_MAX && name[0] != '\0')
		fold(name, p->names[p->nnames++], FOLD_MAX);
}

/* Field i (0-based) of a comma-separated line into buf. */
static void
field(const char *line, const char *end, int i, char *buf, size_t len)
{
	const char *p = line, *q;
	size_t n;

	while (i-- > 0) {
		while (p < end && *p != ',')
			p++;
		if (p < end)
			p++;
	}
	for (q = p; q < end && *q != ','; q++)
		;
	n = (size_t)(q - p) < len - 1 ? (size_t)(q - p) : len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static void
provs_load(void)
{
	const char *text = NULL, *p, *end;
	size_t i;
	int a, b;

	for (i = 0; i < route_files_count; i++)
		if (strcmp(route_files[i].name, "vn-provinces.csv") == 0)
			text = route_files[i].text;
	if (text == NULL)
		return;
	p = strchr(text, '\n');         /* header */
	while (p != NULL && *++p != '\0' && nprovs < PROV_MAX) {
		struct province *v = &provs[nprovs];
		char buf[256], *f, *save = NULL;

		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p) {
			p = end;
			continue;
		}
		field(p, end, 0, v->name, sizeof v->name);
		field(p, end, 3, v->region, sizeof v->region);
		field(p, end, 4, buf, sizeof buf);
		v->lat = strtod(buf, NULL);
		field(p, end, 5, buf, sizeof buf);
		v->lon = strtod(buf, NULL);
		add_name(v, v->name);
		field(p, end, 1, buf, sizeof buf);
		add_name(v, buf);
		field(p, end, 6, buf, sizeof buf);
		for (f = strtok_r(buf, ";", &save); f != NULL; f = strtok_r(NULL, ";", &save))
			add_name(v, f);
		nprovs++;
		p = *end == '\0' ? NULL : end;
	}
	for (a = 0; a < nprovs; a++) {
		for (b = 0; b < nprovs; b++) {
			double la1 = provs[a].lat * M_PI / 180, la2 = provs[b].lat * M_PI / 180;
			double dla = la2 - la1, dlo = (provs[b].lon - provs[a].lon) * M_PI / 180;
			double h = sin(dla / 2) * sin(dla / 2) +
			    cos(la1) * cos(la2) * sin(dlo / 2) * sin(dlo / 2);

			dist[a][b] = (int)lround(2 * 6371.0 * asin(sqrt(h)));
		}
	}
}

static void
provs_init(void)
{
	pthread_once(&provs_once, provs_load);
}

int
route_province_count(void)
{
	provs_init();
	return nprovs;
}

int
route_province(const char *name)
{
	static const struct {
		const char *alias, *name;
	} aliases[] = {
		{ "hcm", "hochiminh" }, { "saigon", "hochiminh" }, { "hn", "hanoi" },
	};
	static const char *const prefixes[] = { "thanhpho", "tinh", "tp" };
	char f[FOLD_MAX];
	const char *key;
	size_t i;
	int p, n, pass;

	provs_init();
	if (name == NULL)
		return ROUTE_NO_PROVINCE;
	fold(name, f, sizeof f);
	for (pass = 0; pass < 2; pass++) {
		key = f;
		if (pass == 1) {
			for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
				size_t len = strlen(prefixes[i]);

				if (strncmp(f, prefixes[i], len) == 0) {
					key = f + len;
					break;
				}
			}
			if (key == f)
				break;
		}
		for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
			if (strcmp(key, aliases[i].alias) == 0)
				key = aliases[i].name;
		if (key[0] == '\0')
			continue;
		for (p = 0; p < nprovs; p++)
			for (n = 0; n < provs[p].nnames; n++)
				if (strcmp(provs[p].names[n], key) == 0)
					return p;
	}
	return ROUTE_NO_PROVINCE;
}

const char *
route_province_name(int p)
{
	provs_init();
	return p >= 0 && p < nprovs ? provs[p].name : "";
}

const char *
route_region(int p)
{
	provs_init();
	return p >= 0 && p < nprovs ? provs[p].region : "";
}

int
route_distance_km(int a, int b)
{
	provs_init();
	if (a < 0 || b < 0 || a >= nprovs || b >= nprovs)
		return -1;
	return dist[a][b];
}

/* --- channel policies --- */

static const char *const policy_channels[] = { "shopee", "lazada", "tiktok", "manual" };
#define NPOLICY (sizeof policy_channels / sizeof policy_channels[0])
static struct route_policy policies[NPOLICY + 1];   /* the last: unknown channels */
static int policies_set[NPOLICY + 1];
static int auto_route = 1;

static size_t
policy_slot(const char *channel)
{
	size_t i;

	for (i = 0; channel != NULL && i < NPOLICY; i++)
		if (strcasecmp(channel, policy_channels[i]) == 0)
			return i;
	return NPOLICY;
}

void
route_set_policy(const char *channel, const struct route_policy *p)
{
	size_t i = policy_slot(channel);

	policies[i] = *p;
	policies_set[i] = 1;
}

void
route_policy(const char *channel, struct route_policy *out)
{
	size_t i = policy_slot(channel);

	if (policies_set[i]) {
		*out = policies[i];
		return;
	}
	memset(out, 0, sizeof *out);
	out->split = out->merge = channel != NULL && strcasecmp(channel, "manual") == 0;
}

void
route_set_auto(int on)
{
	auto_route = on;
}

int
route_auto(void)
{
	return auto_route;
}

void
route_reset(void)
{
	memset(policies, 0, sizeof policies);
	memset(policies_set, 0, sizeof policies_set);
	auto_route = 1;
}

/* --- the planner --- */

struct ranked {
	size_t w;
	int km;
	int pref;
	int64_t id;
};

static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->km != y->km)
		return x->km < y->km ? -1 : 1;
	if (x->pref != y->pref)
		return x->pref ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

#define AV(in, w, l) ((in)->avail[(w) * (in)->nlines + (l)])
#define PLAN_STACK 16           /* warehouses, lines planned without an allocation */

void
route_plan(const struct route_in *in, struct route_plan *out)
{
	struct ranked *r, rbuf[PLAN_STACK];
	int64_t *left, lbuf[PLAN_STACK], best_short = -1;
	size_t i, l, k, ov = in->nwh;
	int maxkm = 1 << 20;

	out->ntake = 0;
	out->nparts = 0;
	out->short_wh = 0;
	for (l = 0; l < in->nlines; l++)
		out->missing[l] = 0;
	r = in->nwh <= PLAN_STACK ? rbuf : xcalloc(in->nwh, sizeof *r);
	for (i = 0; i < in->nwh; i++) {
		int km = route_distance_km(in->wh[i].province, in->to_province);

		r[i].w = i;
		r[i].km = km < 0 ? maxkm : km;
		r[i].pref = in->wh[i].preferred;
		r[i].id = in->wh[i].id;
		if (in->override_wh != 0 && in->wh[i].id == in->override_wh) {
			r[i].km = -1;       /* a rule's warehouse goes first */
			ov = i;
		}
	}
	qsort(r, in->nwh, sizeof *r, ranked_cmp);

	/* One warehouse that fills everything; with an override, only that one. */
	for (k = 0; k < in->nwh; k++) {
		size_t w = r[k].w;
		int64_t short_units = 0;

		if (ov != in->nwh && w != ov)
			continue;
		for (l = 0; l < in->nlines; l++)
			if (AV(in, w, l) < in->qty[l])
				short_units += in->qty[l] - AV(in, w, l);
		if (short_units == 0) {
			out->kind = ROUTE_SINGLE;
			out->nparts = 1;
			out->part_wh[0] = w;
			for (l = 0; l < in->nlines; l++)
				out->take[out->ntake++] = (struct route_take){ w, l, in->qty[l] };
			if (r != rbuf)
				free(r);
			return;
		}
		if (best_short < 0 || short_units < best_short) {
			best_short = short_units;
			out->short_wh = w;
		}
	}
	if (!in->split || in->nwh == 0) {
		out->kind = ROUTE_SHORT;
		for (l = 0; l < in->nlines; l++) {
			int64_t a = in->nwh ? AV(in, out->short_wh, l) : 0;

			out->missing[l] = a < in->qty[l] ? in->qty[l] - a : 0;
		}
		if (r != rbuf)
			free(r);
		return;
	}

	/* Split: enough over all warehouses? */
	out->kind = ROUTE_SHORT;
	for (l = 0; l < in->nlines; l++) {
		int64_t sum = 0;

		for (i = 0; i < in->nwh; i++)
			sum += AV(in, i, l);
		if (sum < in->qty[l])
			out->missing[l] = in->qty[l] - sum;
	}
	for (l = 0; l < in->nlines; l++)
		if (out->missing[l] > 0)
			goto done;

	/* Greedy: the warehouse filling most remaining lines whole (then most units, then
	 * the rank) takes what it can; the override first of all. */
	left = in->nlines <= PLAN_STACK ? lbuf : xcalloc(in->nlines, sizeof *left);
	for (l = 0; l < in->nlines; l++)
		left[l] = in->qty[l];
	out->kind = ROUTE_SPLIT;
	for (;;) {
		size_t best = in->nwh, bk;
		int64_t best_lines = -1, best_units = 0, more = 0;

		for (l = 0; l < in->nlines; l++)
			more += left[l];
		if (more == 0 || out->nparts == sizeof out->part_wh / sizeof out->part_wh[0])
			break;
		for (bk = 0; bk < in->nwh; bk++) {
			size_t w = r[bk].w;
			int64_t lines = 0, units = 0;
			int used = 0;

			for (k = 0; k < out->nparts; k++)
				used |= out->part_wh[k] == w;
			if (used)
				continue;
			for (l = 0; l < in->nlines; l++) {
				int64_t a = AV(in, w, l);

				if (left[l] == 0)
					continue;
				lines += a >= left[l];
				units += a < left[l] ? a : left[l];
			}
			if (w == ov && units > 0) {
				best = w;
				break;
			}
			if (units > 0 && (lines > best_lines ||
			    (lines == best_lines && units > best_units))) {
				best = w;
				best_lines = lines;
				best_units = units;
			}
		}
		if (best == in->nwh)
			break;
		out->part_wh[out->nparts++] = best;
		for (l = 0; l < in->nlines; l++) {
			int64_t a = AV(in, best, l), t = a < left[l] ? a : left[l];

			if (t > 0) {
				out->take[out->ntake++] = (struct route_take){ best, l, t };
				left[l] -= t;
			}
		}
	}
	for (l = 0; l < in->nlines; l++) {
		if (left[l] > 0) {          /* more than 16 warehouses needed */
			out->missing[l] = left[l];
			out->kind = ROUTE_SHORT;
		}
	}
	if (out->kind == ROUTE_SHORT)
		out->ntake = out->nparts = 0;
	if (left != lbuf)
		free(left);
done:
	if (r != rbuf)
		free(r);
}

/* --- against the ledger --- */

struct line {
	int64_t id, sku, qty, buffer;
	int lot_tracked;
	char code[64];
};

static int
dberr(struct session *s, const char *what)
{
	return session_fail(s, DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

/* Sellable units of each line in each warehouse, as stock_reserve would count them. */
static int
load_avail(struct session *s, const struct line *ln, size_t nl, const struct route_wh *wh,
    size_t nwh, int64_t min_days, int64_t *avail)
{
	static const char sql[] =
	    "SELECT k.warehouse_id, sum(k.on_hand - k.reserved) FROM stock_level k "
	    "JOIN lot l ON l.id = k.lot_id JOIN sku u ON u.id = k.sku_id "
	    "WHERE k.sku_id = ? AND k.on_hand > k.reserved AND (u.lot_tracked = 0 OR "
	    "l.expiry IS NULL OR (l.expiry > ? AND l.expiry >= ? + 86400 * "
	    "max(u.min_shelf_days, ?))) GROUP BY k.warehouse_id";
	int64_t now = clock_now();
	size_t l, w, j;
	int rc;

	memset(avail, 0, nl * nwh * sizeof *avail);
	for (l = 0; l < nl; l++) {
		struct db_stmt *st = db_prep(s->db, sql);
		int64_t earlier = 0;

		if (st == NULL)
			return dberr(s, "route");
		db_bind_int(st, 1, ln[l].sku);
		db_bind_int(st, 2, now);
		db_bind_int(st, 3, now);
		db_bind_int(st, 4, min_days < 36500 ? min_days : 36500);
		for (j = 0; j < l; j++)
			if (ln[j].sku == ln[l].sku)
				earlier += ln[j].qty;
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_col_int(st, 0), a = db_col_int(st, 1) - ln[l].buffer - earlier;

			for (w = 0; w < nwh; w++)
				if (wh[w].id == id)
					avail[w * nl + l] = a > 0 ? a : 0;
		}
		db_done(st);
		if (rc < 0)
			return dberr(s, "route");
	}
	return 0;
}

/* A station of another warehouse than the one a rule (or a person) chose claims it. */
static int
refuse_station(struct session *s, const char *order_no, int64_t want)
{
	char code[64] = "?";
	struct db_stmt *st = db_prep(s->db, "SELECT code FROM warehouse WHERE id = ?");

	if (st != NULL) {
		db_bind_int(st, 1, want);
		if (db_step(st) == DB_ROW)
			snprintf(code, sizeof code, "%s", db_col_text(st, 0));
		db_done(st);
	}
	return session_fail(s, DB_EINVAL, "order %s ships from warehouse %s (set by a rule "
	    "or a supervisor): pack it there", order_no, code);
}

static int
allocate(struct session *s, int64_t id, int64_t only_wh, struct route_result *res)
{
	struct route_policy pol;
	struct route_wh *wh = NULL;
	struct line *ln = NULL;
	struct route_in in;
	struct route_plan plan;
	struct db_stmt *st;
	char order_no[64] = "", channel[16] = "", province[64] = "";
	int64_t over = 0, pref = 0, *qty = NULL, *avail = NULL, *missing = NULL;
	size_t nl = 0, nwh = 0, i;
	int rc;

	memset(res, 0, sizeof *res);
	memset(&plan, 0, sizeof plan);
	st = db_prep(s->db, "SELECT o.order_no, o.province, coalesce(o.route_warehouse_id, 0), "
	    "coalesce(h.warehouse_id, 0), h.channel FROM orders o JOIN shop h ON h.id = "
	    "o.shop_id WHERE o.id = ?");
	if (st == NULL)
		return dberr(s, "route");
	db_bind_int(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		snprintf(order_no, sizeof order_no, "%s", db_col_text(st, 0));
		snprintf(province, sizeof province, "%s", db_col_text(st, 1));
		over = db_col_int(st, 2);
		pref = db_col_int(st, 3);
		snprintf(channel, sizeof channel, "%s", db_col_text(st, 4));
	}
	db_done(st);
	if (rc != DB_ROW)
		return session_fail(s, DB_ENOTFOUND, "route: no order with id %" PRId64, id);
	if (only_wh != 0 && over != 0 && over != only_wh)
		return refuse_station(s, order_no, over);
	/* What every warehouse holds of the order's SKUs stays still until this commits. */
	if ((rc = stock_lock_order(s, id)) != 0)
		return rc;
	route_policy(channel, &pol);

	st = db_prep(s->db, "SELECT ol.id, ol.sku_id, ol.qty, k.buffer, k.lot_tracked, k.sku "
	    "FROM order_line ol JOIN sku k ON k.id = ol.sku_id WHERE ol.order_id = ? "
	    "ORDER BY ol.line_no");
	if (st == NULL)
		return dberr(s, "route");
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		ln = xrealloc(ln, (nl + 1) * sizeof *ln);
		ln[nl].id = db_col_int(st, 0);
		ln[nl].sku = db_col_int(st, 1);
		ln[nl].qty = db_col_int(st, 2);
		ln[nl].buffer = db_col_int(st, 3);
		ln[nl].lot_tracked = db_col_int(st, 4) != 0;
		snprintf(ln[nl].code, sizeof ln[nl].code, "%s", db_col_text(st, 5));
		nl++;
	}
	db_done(st);
	if (rc < 0) {
		rc = dberr(s, "route");
		goto out;
	}

	st = db_prep(s->db, "SELECT id, province FROM warehouse ORDER BY id");
	if (st == NULL) {
		rc = dberr(s, "route");
		goto out;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t wid = db_col_int(st, 0);

		if (only_wh != 0 && wid != only_wh)
			continue;
		wh = xrealloc(wh, (nwh + 1) * sizeof *wh);
		wh[nwh].id = wid;
		wh[nwh].province = route_province(db_col_text(st, 1));
		wh[nwh].preferred = wid == pref;
		nwh++;
	}
	db_done(st);
	if (rc < 0) {
		rc = dberr(s, "route");
		goto out;
	}
	if (nwh == 0) {
		rc = session_fail(s, DB_ESTOCK, "order %s: no warehouse to allocate from",
		    order_no);
		snprintf(res->why, sizeof res->why, "%s", s->err);
		goto out;
	}

	qty = xcalloc(nl ? nl : 1, sizeof *qty);
	missing = xcalloc(nl ? nl : 1, sizeof *missing);
	avail = xcalloc(nl * nwh > 0 ? nl * nwh : 1, sizeof *avail);
	plan.take = xcalloc(nl * nwh > 0 ? nl * nwh : 1, sizeof *plan.take);
	plan.missing = missing;
	for (i = 0; i < nl; i++)
		qty[i] = ln[i].qty;
	if ((rc = load_avail(s, ln, nl, wh, nwh, pol.min_shelf_days, avail)) != 0)
		goto out;
	in = (struct route_in){ .nlines = nl, .nwh = nwh, .qty = qty, .avail = avail,
	    .wh = wh, .to_province = route_province(province), .split = pol.split,
	    .override_wh = only_wh != 0 ? 0 : over };
	route_plan(&in, &plan);
	res->kind = plan.kind;
	res->by_rule = over != 0;

	if (plan.kind == ROUTE_SHORT) {
		size_t n = 0;

		n = (size_t)snprintf(res->why, sizeof res->why, "out of stock:");
		for (i = 0; i < nl && n < sizeof res->why; i++)
			if (missing[i] > 0)
				n += (size_t)snprintf(res->why + n, sizeof res->why - n, "%s %s %"
				    PRId64 " missing", n > 13 ? "," : "", ln[i].code, missing[i]);
		rc = session_fail(s, DB_ESTOCK, "order %s: %s", order_no, res->why);
		goto out;
	}
	for (i = 0; i < plan.ntake; i++) {
		const struct route_take *t = &plan.take[i];

		rc = stock_reserve_fresh(s, id, ln[t->line].id, wh[t->wh].id, ln[t->line].sku,
		    t->qty, pol.min_shelf_days);
		if (rc != 0)
			goto out;
	}
	res->warehouse_id = wh[plan.part_wh[0]].id;
	res->nparts = (int)plan.nparts;
	rc = db_run(s->db, "UPDATE orders SET warehouse_id = ? WHERE id = ?", "ii",
	    res->warehouse_id, id);
	if (rc == 0)
		rc = db_run(s->db, "DELETE FROM route_part WHERE order_id = ?", "i", id);
	for (i = 0; rc == 0 && plan.kind == ROUTE_SPLIT && i < plan.nparts; i++)
		rc = db_run(s->db, "INSERT INTO route_part(order_id, part_no, warehouse_id) "
		    "VALUES (?, ?, ?)", "iii", id, (int64_t)i + 1, wh[plan.part_wh[i]].id);
	if (rc != 0) {
		rc = dberr(s, "route");
		goto out;
	}
	if (plan.kind == ROUTE_SPLIT || res->by_rule) {
		char after[128];

		snprintf(after, sizeof after, "{\"warehouse_id\":%" PRId64 ",\"parts\":%zu,"
		    "\"by_rule\":%d}", res->warehouse_id, plan.nparts, res->by_rule);
		rc = audit_log(s, "order", id, plan.kind == ROUTE_SPLIT ? "split" : "route",
		    NULL, after);
	}
out:
	free(plan.take);
	free(avail);
	free(missing);
	free(qty);
	free(wh);
	free(ln);
	return rc;
}

int
route_allocate(struct session *s, int64_t id, int64_t only_wh, struct route_result *res)
{
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "route");
	if ((rc = allocate(s, id, only_wh, res)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return dberr(s, "route");
	return 0;
}

int
route_set_warehouse(struct session *s, int64_t id, const char *wh_code)
{
	int64_t wh = 0;
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "choose an order's warehouse")) != 0)
		return rc;
	if (wh_code != NULL && warehouse_find(s, wh_code, &wh) != 0)
		return session_fail(s, DB_EINVAL, "no warehouse '%s'", wh_code);
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "route");
	if (wh != 0)
		rc = db_run(s->db, "UPDATE orders SET route_warehouse_id = ? WHERE id = ?", "ii",
		    wh, id);
	else
		rc = db_run(s->db, "UPDATE orders SET route_warehouse_id = NULL WHERE id = ?",
		    "i", id);
	if (rc == 0 && db_changes(s->db) != 1)
		rc = session_fail(s, DB_ENOTFOUND, "no order with id %" PRId64, id);
	else if (rc != 0)
		rc = dberr(s, "route");
	if (rc == 0) {
		char after[96];

		snprintf(after, sizeof after, "{\"route_warehouse\":\"%s\"}",
		    wh_code != NULL ? wh_code : "");
		rc = audit_log(s, "order", id, "set_warehouse", NULL, after);
	}
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db) != 0 ? dberr(s, "route") : 0;
}

/* --- many orders at once --- */

/*
 * route_batch keeps the stock of every SKU its orders need in memory for the whole
 * batch: read once, planned and taken against in C, the cached stock_level rows updated
 * once per lot at the end. Ledger rows (reservation, stock_move) and carrier rows are
 * written set-based; each order still gets its own transition record, which also says
 * where it ships from and what was reserved for it, and each lot one record of its
 * level before and after.
 */

struct blot {
	int64_t wh, lot, on_hand, reserved, expiry;     /* expiry 0: none */
	int64_t taken;              /* reserved by this batch, not yet in stock_level */
	int64_t orders;             /* orders of this batch that took from it */
};

struct bsku {
	int64_t sku;
	struct blot *lot;           /* reservation order: FEFO (lot-tracked), else FIFO */
	size_t nlot;
	int lot_tracked;
	int64_t min_days, buffer;
};

struct bline {
	int64_t id, sku, qty;
	struct bsku *k;
	char code[64];
};

struct brow {                   /* a reservation and its ledger movement */
	int64_t order, line, wh, sku, lot, qty;
};

struct batch {
	struct session *s;
	int64_t now;
	struct bsku **tab;          /* open addressing by SKU id */
	size_t cap, used;
	struct route_wh *wh;
	char (*wh_code)[32];
	size_t nwh;
	struct brow *rows;
	size_t nrows, caprows;
	struct carrier_row *crows;  /* the carrier rows to write */
	size_t ncrows, capcrows;
	int64_t *scratch;           /* batch_order's: quantities, missing, available */
	struct route_take *take;
	size_t capscratch;
	int dry;                    /* ROUTE_BATCH_DRY: decide, write nothing */
};

static uint64_t
hash64(int64_t v)
{
	uint64_t x = (uint64_t)v * 0x9E3779B97F4A7C15ULL;

	return x ^ (x >> 29);
}

static int
blot_cmp_fefo(const void *a, const void *b)
{
	const struct blot *x = a, *y = b;

	if ((x->expiry == 0) != (y->expiry == 0))
		return x->expiry == 0 ? 1 : -1;
	if (x->expiry != y->expiry)
		return x->expiry < y->expiry ? -1 : 1;
	return 0;
}

/* The SKU's lots with free units in every warehouse, read once per batch. */
static int
bsku_get(struct batch *b, int64_t sku, struct bsku **out)
{
	struct db_stmt *st;
	struct bsku *k;
	size_t i, cap = 0;
	int rc;

	if (b->used * 2 >= b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 256;
		struct bsku **nt = xcalloc(ncap, sizeof *nt);

		for (i = 0; i < b->cap; i++) {
			size_t j;

			if (b->tab[i] == NULL)
				continue;
			for (j = hash64(b->tab[i]->sku) & (ncap - 1); nt[j] != NULL;
			    j = (j + 1) & (ncap - 1))
				;
			nt[j] = b->tab[i];
		}
		free(b->tab);
		b->tab = nt;
		b->cap = ncap;
	}
	for (i = hash64(sku) & (b->cap - 1); b->tab[i] != NULL; i = (i + 1) & (b->cap - 1)) {
		if (b->tab[i]->sku == sku) {
			*out = b->tab[i];
			return 0;
		}
	}
	k = xcalloc(1, sizeof *k);
	k->sku = sku;
	b->tab[i] = k;
	b->used++;
	*out = k;
	st = db_prep(b->s->db, "SELECT u.lot_tracked, u.min_shelf_days, u.buffer, "
	    "sl.warehouse_id, sl.lot_id, sl.on_hand, sl.reserved, coalesce(l.expiry, 0) "
	    "FROM sku u LEFT JOIN stock_level sl ON sl.sku_id = u.id AND "
	    "sl.on_hand > sl.reserved LEFT JOIN lot l ON l.id = sl.lot_id "
	    "WHERE u.id = ? ORDER BY l.received_at, l.id");
	if (st == NULL)
		return dberr(b->s, "route");
	db_bind_int(st, 1, sku);
	while ((rc = db_step(st)) == DB_ROW) {
		k->lot_tracked = db_col_int(st, 0) != 0;
		k->min_days = db_col_int(st, 1);
		k->buffer = db_col_int(st, 2);
		if (db_col_null(st, 4))
			continue;
		if (k->nlot == cap) {
			cap = cap ? cap * 2 : 4;
			k->lot = xrealloc(k->lot, cap * sizeof *k->lot);
		}
		k->lot[k->nlot++] = (struct blot){ .wh = db_col_int(st, 3),
		    .lot = db_col_int(st, 4), .on_hand = db_col_int(st, 5),
		    .reserved = db_col_int(st, 6), .expiry = db_col_int(st, 7) };
	}
	db_done(st);
	if (rc < 0)
		return dberr(b->s, "route");
	/* FIFO as read; FEFO keeps that order among lots of one expiry (a stable sort). */
	if (k->lot_tracked) {
		for (i = 1; i < k->nlot; i++) {
			struct blot x = k->lot[i];
			size_t j = i;

			while (j > 0 && blot_cmp_fefo(&k->lot[j - 1], &x) > 0) {
				k->lot[j] = k->lot[j - 1];
				j--;
			}
			k->lot[j] = x;
		}
	}
	return 0;
}

/* Whether lot x of k may be sold to a channel wanting min_days of shelf life. */
static int
bfresh(const struct batch *b, const struct bsku *k, const struct blot *x, int64_t min_days)
{
	int64_t days = k->min_days > min_days ? k->min_days : min_days;

	if (!k->lot_tracked || x->expiry == 0)
		return 1;
	if (days > 36500)
		days = 36500;
	return x->expiry > b->now && x->expiry >= b->now + 86400 * days;
}

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->cap; i++) {
		if (b->tab[i] != NULL)
			free(b->tab[i]->lot);
		free(b->tab[i]);
	}
	free(b->tab);
	free(b->wh);
	free(b->wh_code);
	free(b->rows);
	free(b->scratch);
	free(b->take);
	free(b->crows);
}

static int
batch_warehouses(struct batch *b)
{
	struct db_stmt *st = db_prep(b->s->db, "SELECT id, province, code FROM warehouse "
	    "ORDER BY id");
	int rc;

	if (st == NULL)
		return dberr(b->s, "route");
	while ((rc = db_step(st)) == DB_ROW) {
		b->wh = xrealloc(b->wh, (b->nwh + 1) * sizeof *b->wh);
		b->wh_code = xrealloc(b->wh_code, (b->nwh + 1) * sizeof *b->wh_code);
		b->wh[b->nwh].id = db_col_int(st, 0);
		b->wh[b->nwh].province = route_province(db_col_text(st, 1));
		b->wh[b->nwh].preferred = 0;
		snprintf(b->wh_code[b->nwh], sizeof b->wh_code[0], "%s", db_col_text(st, 2));
		b->nwh++;
	}
	db_done(st);
	return rc < 0 ? dberr(b->s, "route") : 0;
}

/* What one order needs of the database, read in one statement. */
struct border {
	int64_t id, version, over, pref, created, cod, weight;
	int self_ship, to_province;
	int later;                  /* confirmed by the rules, its row still NEW one version
	                             * back (rules_apply_later): written with what follows */
	char order_no[64], channel[16], carrier[32], service[32];
	struct bline *ln;
	size_t nl, capl;
};

#define BCHUNK 128              /* orders read per statement */

/* Index in o[0 .. n) of order id, or -1 (ids in a chunk are distinct). */
static int
border_find(const struct border *o, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (o[i].id == id)
			return (int)i;
	return -1;
}

/*
 * What orders o[0 .. n) (their ids set, distinct) need of the database, read in one
 * statement. confirmed[i]: 1 CONFIRMED, 2 NEW, 0 anything else or no such order.
 */
static int
border_load(struct batch *b, struct border *o, size_t n, int *confirmed)
{
	char sql[640 + BCHUNK * 2];
	struct db_stmt *st;
	size_t i, at, np;
	int rc;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		confirmed[i] = 0;
		o[i].nl = 0;
		o[i].weight = 0;
		o[i].later = 0;
	}
	at = (size_t)snprintf(sql, sizeof sql, "SELECT o.id, o.status, o.version, o.order_no, "
	    "o.province, coalesce(o.route_warehouse_id, 0), coalesce(h.warehouse_id, 0), "
	    "h.channel, h.self_ship, coalesce(o.route_carrier, ''), coalesce(o.route_service, "
	    "''), o.created_at, o.cod, ol.id, ol.sku_id, ol.qty, k.sku, coalesce(k.weight_g, 0) "
	    "FROM orders o JOIN shop h ON h.id = o.shop_id "
	    "LEFT JOIN order_line ol ON ol.order_id = o.id LEFT JOIN sku k ON k.id = ol.sku_id "
	    "WHERE o.id IN (");
	/* A few sizes of IN list (so a few cached statements), the last id repeated. */
	np = n <= 1 ? 1 : n <= 8 ? 8 : n <= 32 ? 32 : BCHUNK;
	for (i = 0; i < np && at + 4 < sizeof sql; i++)
		at += (size_t)snprintf(sql + at, sizeof sql - at, "%s?", i ? "," : "");
	snprintf(sql + at, sizeof sql - at, ") ORDER BY o.id, ol.line_no");
	if ((st = db_prep(b->s->db, sql)) == NULL)
		return dberr(b->s, "route");
	for (i = 0; i < np; i++)
		db_bind_int(st, (int)i + 1, o[i < n ? i : n - 1].id);
	while ((rc = db_step(st)) == DB_ROW) {
		int k = border_find(o, n, db_col_int(st, 0));
		struct border *x;
		struct bline *l;

		if (k < 0)
			continue;
		x = &o[k];
		if (confirmed[k] == 0 && x->nl == 0) {
			const char *status = db_col_text(st, 1);

			confirmed[k] = strcmp(status, "CONFIRMED") == 0 ? 1 :
			    strcmp(status, "NEW") == 0 ? 2 : -1;
			x->version = db_col_int(st, 2);
			snprintf(x->order_no, sizeof x->order_no, "%s", db_col_text(st, 3));
			x->to_province = route_province(db_col_text(st, 4));
			x->over = db_col_int(st, 5);
			x->pref = db_col_int(st, 6);
			snprintf(x->channel, sizeof x->channel, "%s", db_col_text(st, 7));
			x->self_ship = db_col_int(st, 8) != 0 || strcmp(x->channel, "manual") == 0;
			snprintf(x->carrier, sizeof x->carrier, "%s", db_col_text(st, 9));
			snprintf(x->service, sizeof x->service, "%s", db_col_text(st, 10));
			x->created = db_col_int(st, 11);
			x->cod = db_col_int(st, 12);
		}
		if (db_col_null(st, 13))
			continue;
		if (x->nl == x->capl) {
			x->capl = x->capl ? x->capl * 2 : 8;
			x->ln = xrealloc(x->ln, x->capl * sizeof *x->ln);
		}
		l = &x->ln[x->nl++];
		l->id = db_col_int(st, 13);
		l->sku = db_col_int(st, 14);
		l->qty = db_col_int(st, 15);
		snprintf(l->code, sizeof l->code, "%s", db_col_text(st, 16));
		x->weight += l->qty * db_col_int(st, 17);
	}
	db_done(st);
	for (i = 0; i < n; i++)
		if (confirmed[i] < 0)
			confirmed[i] = 0;
	return rc < 0 ? dberr(b->s, "route") : 0;
}

/* Append n bytes of JSON-safe text (codes and numbers only) to buf. */
#define JPUT(buf, at, ...) \
	((at) += (size_t)snprintf((buf) + (at), (at) < sizeof (buf) ? sizeof (buf) - (at) : 0, \
	    __VA_ARGS__), (at) = (at) < sizeof (buf) ? (at) : sizeof (buf) - 1)

/* Plan order o against the batch's stock and take what the plan says; 0 allocated (and
 * written), DB_ESTOCK when short (nothing taken; why says what is missing). */
static int
batch_order(struct batch *b, struct border *o, char *why, size_t whylen, int *split)
{
	struct route_policy pol;
	struct route_plan plan;
	struct route_in in;
	int64_t *qty, *avail, *missing, wh_id;
	size_t nl = o->nl, nwh = b->nwh, i, l, w, first_row = b->nrows;
	char after[2048], before[96];
	size_t at = 0;
	int rc = 0;

	route_policy(o->channel, &pol);
	if (b->scratch == NULL || nl * nwh + nl > b->capscratch) {   /* grown as needed */
		b->capscratch = 2 * (nl * nwh + nl) > 64 ? 2 * (nl * nwh + nl) : 64;
		free(b->scratch);
		free(b->take);
		b->scratch = xcalloc(3 * b->capscratch, sizeof *b->scratch);
		b->take = xcalloc(b->capscratch, sizeof *b->take);
	}
	qty = b->scratch;
	missing = qty + b->capscratch;
	avail = missing + b->capscratch;
	memset(qty, 0, nl * sizeof *qty);
	memset(avail, 0, nl * nwh * sizeof *avail);
	memset(&plan, 0, sizeof plan);
	plan.take = b->take;
	plan.missing = missing;
	for (w = 0; w < nwh; w++)
		b->wh[w].preferred = b->wh[w].id == o->pref;
	for (l = 0; l < nl; l++) {
		struct bsku *k = o->ln[l].k;
		int64_t earlier = 0;

		qty[l] = o->ln[l].qty;
		for (i = 0; i < l; i++)
			if (o->ln[i].sku == o->ln[l].sku)
				earlier += o->ln[i].qty;
		for (i = 0; i < k->nlot; i++) {
			const struct blot *x = &k->lot[i];

			if (x->on_hand > x->reserved && bfresh(b, k, x, pol.min_shelf_days))
				for (w = 0; w < nwh; w++)
					if (b->wh[w].id == x->wh)
						avail[w * nl + l] += x->on_hand - x->reserved;
		}
		for (w = 0; w < nwh; w++) {
			int64_t a = avail[w * nl + l];

			a = a > 0 ? a - k->buffer - earlier : 0;
			avail[w * nl + l] = a > 0 ? a : 0;
		}
	}
	in = (struct route_in){ .nlines = nl, .nwh = nwh, .qty = qty, .avail = avail,
	    .wh = b->wh, .to_province = o->to_province, .split = pol.split,
	    .override_wh = o->over };
	route_plan(&in, &plan);
	if (plan.kind == ROUTE_SHORT || nl == 0) {
		size_t n = (size_t)snprintf(why, whylen, "out of stock:");

		for (l = 0; l < nl && n < whylen; l++)
			if (missing[l] > 0)
				n += (size_t)snprintf(why + n, whylen - n, "%s %s %" PRId64 " missing",
				    n > 13 ? "," : "", o->ln[l].code, missing[l]);
		rc = DB_ESTOCK;
		goto out;
	}
	/* Take lots per line and warehouse, FEFO/FIFO, fresh ones only. */
	for (i = 0; i < plan.ntake; i++) {
		const struct route_take *t = &plan.take[i];
		struct bline *ln = &o->ln[t->line];
		struct bsku *k = ln->k;
		int64_t left = t->qty;
		size_t j;

		for (j = 0; j < k->nlot && left > 0; j++) {
			struct blot *x = &k->lot[j];
			int64_t take;

			if (x->wh != b->wh[t->wh].id || x->on_hand <= x->reserved ||
			    !bfresh(b, k, x, pol.min_shelf_days))
				continue;
			take = x->on_hand - x->reserved < left ? x->on_hand - x->reserved : left;
			x->reserved += take;
			x->taken += take;
			x->orders++;
			left -= take;
			if (b->nrows == b->caprows) {
				b->caprows = b->caprows ? b->caprows * 2 : 1024;
				b->rows = xrealloc(b->rows, b->caprows * sizeof *b->rows);
			}
			b->rows[b->nrows++] = (struct brow){ o->id, ln->id, x->wh, k->sku, x->lot,
			    take };
		}
		if (left > 0) {         /* the plan counted only these lots */
			rc = session_fail(b->s, DB_ERR, "route: order %s: %s has %" PRId64
			    " fewer units than planned", o->order_no, ln->code, left);
			goto out;
		}
	}
	wh_id = b->wh[plan.part_wh[0]].id;
	*split = plan.kind == ROUTE_SPLIT;
	{
		/* The carrier as carrier_assign_facts chooses it; its row written with the
		 * batch's others (batch_flush_rows). */
		struct carrier_facts f = { .channel = o->channel, .self_ship = o->self_ship,
		    .from_province = b->wh[plan.part_wh[0]].province,
		    .to_province = o->to_province, .carrier = o->carrier,
		    .service = o->service, .created_at = o->created, .cod = o->cod,
		    .weight_g = o->weight };

		if (b->ncrows == b->capcrows) {
			b->capcrows = b->capcrows ? b->capcrows * 2 : 256;
			b->crows = xrealloc(b->crows, b->capcrows * sizeof *b->crows);
		}
		if (carrier_row_facts(o->id, &f, carrier_tz(), &b->crows[b->ncrows]) == 0 &&
		    !b->dry)
			b->ncrows++;
	}
	if (b->dry)
		goto out;

	/* The transition, as order_transition writes it, and what it reserved (with the
	 * rules' confirmation when it is still to write). */
	rc = db_run(b->s->db, "UPDATE orders SET status = 'ALLOCATED', version = ?, "
	    "updated_at = ?, warehouse_id = ? WHERE id = ? AND version = ?", "iiiii",
	    o->version + 1, b->now, wh_id, o->id, o->version - o->later);
	if (rc != 0) {
		rc = dberr(b->s, "route");
		goto out;
	}
	if (db_changes(b->s->db) != 1) {
		rc = session_fail(b->s, DB_ECONFLICT, "order %s was changed by someone else; "
		    "reload it", o->order_no);
		goto out;
	}
	/* One record: the transition as order_transition writes it, with where from and
	 * what was reserved ([warehouse, SKU, lot, units] ids). */
	snprintf(before, sizeof before, "{\"status\":\"CONFIRMED\",\"version\":%" PRId64 "}",
	    o->version);
	JPUT(after, at, "{\"status\":\"ALLOCATED\",\"version\":%" PRId64 ",\"warehouse\":"
	    "\"%s\",\"parts\":%zu,\"by_rule\":%d,\"reserved\":[", o->version + 1,
	    b->wh_code[plan.part_wh[0]], plan.nparts, o->over != 0);
	for (i = first_row; i < b->nrows && at < sizeof after - 128; i++)
		JPUT(after, at, "%s[%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "]",
		    i > first_row ? "," : "", b->rows[i].wh, b->rows[i].sku, b->rows[i].lot,
		    b->rows[i].qty);
	if (i < b->nrows)               /* the ledger has them all */
		JPUT(after, at, "],\"more\":%zu}", b->nrows - i);
	else
		JPUT(after, at, "]}");
	if ((rc = audit_log(b->s, "order", o->id, "transition", before, after)) != 0)
		goto out;
	/* Stations showing the order hear of it, as of any transition (notify.h). */
	if ((rc = notify_order(b->s->db, o->id, "ALLOCATED")) != 0) {
		rc = dberr(b->s, "route");
		goto out;
	}
	rc = db_run(b->s->db, "DELETE FROM route_part WHERE order_id = ?", "i", o->id);
	for (i = 0; rc == 0 && plan.kind == ROUTE_SPLIT && i < plan.nparts; i++)
		rc = db_run(b->s->db, "INSERT INTO route_part(order_id, part_no, warehouse_id) "
		    "VALUES (?, ?, ?)", "iii", o->id, (int64_t)i + 1, b->wh[plan.part_wh[i]].id);
	if (rc != 0)
		rc = dberr(b->s, "route");
out:
	return rc;
}

/* Write the batch's reservations and ledger rows, many to a statement. */
#define ROWS_PER_INSERT 32

static int
batch_flush_rows(struct batch *b)
{
	size_t i, k;
	int rc;

	if (b->dry)
		b->nrows = b->ncrows = 0;
	if ((rc = carrier_write_rows(b->s, b->crows, b->ncrows)) != 0)
		return rc;
	b->ncrows = 0;
	for (i = 0; i < b->nrows; i += k) {
		struct db_stmt *r, *m;
		char rs[128 + ROWS_PER_INSERT * 24], ms[192 + ROWS_PER_INSERT * 40];
		size_t rn, mn, j;

		k = b->nrows - i < ROWS_PER_INSERT ? b->nrows - i : ROWS_PER_INSERT;
		rn = (size_t)snprintf(rs, sizeof rs, "INSERT INTO reservation(order_id, "
		    "order_line_id, warehouse_id, sku_id, lot_id, qty, created_at) VALUES ");
		mn = (size_t)snprintf(ms, sizeof ms, "INSERT INTO stock_move(at, kind, "
		    "warehouse_id, sku_id, lot_id, d_on_hand, d_reserved, order_id, user_name) "
		    "VALUES ");
		for (j = 0; j < k; j++) {
			rn += (size_t)snprintf(rs + rn, sizeof rs - rn, "%s(?,?,?,?,?,?,?)",
			    j ? "," : "");
			mn += (size_t)snprintf(ms + mn, sizeof ms - mn, "%s(?,'reserve',?,?,?,0,?,?,?)",
			    j ? "," : "");
		}
		if ((r = db_prep(b->s->db, rs)) == NULL)
			return dberr(b->s, "route");
		for (j = 0; j < k; j++) {
			const struct brow *x = &b->rows[i + j];
			int p = (int)j * 7;

			db_bind_int(r, p + 1, x->order);
			db_bind_int(r, p + 2, x->line);
			db_bind_int(r, p + 3, x->wh);
			db_bind_int(r, p + 4, x->sku);
			db_bind_int(r, p + 5, x->lot);
			db_bind_int(r, p + 6, x->qty);
			db_bind_int(r, p + 7, b->now);
		}
		rc = db_step(r);
		db_done(r);
		if (rc < 0)
			return dberr(b->s, "route");
		if ((m = db_prep(b->s->db, ms)) == NULL)
			return dberr(b->s, "route");
		for (j = 0; j < k; j++) {
			const struct brow *x = &b->rows[i + j];
			int p = (int)j * 7;

			db_bind_int(m, p + 1, b->now);
			db_bind_int(m, p + 2, x->wh);
			db_bind_int(m, p + 3, x->sku);
			db_bind_int(m, p + 4, x->lot);
			db_bind_int(m, p + 5, x->qty);
			db_bind_int(m, p + 6, x->order);
			db_bind_text(m, p + 7, b->s->user);
		}
		rc = db_step(m);
		db_done(m);
		if (rc < 0)
			return dberr(b->s, "route");
	}
	b->nrows = 0;
	return 0;
}

/* The cached levels of every lot the batch took from, one update and record each; the
 * listings of its SKUs owe the marketplaces a stock push (as stock.c marks them). */
static int
batch_flush_levels(struct batch *b)
{
	char before[160], after[200];
	size_t i, j;
	int rc;

	for (i = 0; i < b->cap && !b->dry; i++) {
		struct bsku *k = b->tab[i];
		int touched = 0;

		if (k == NULL)
			continue;
		for (j = 0; j < k->nlot; j++) {
			struct blot *x = &k->lot[j];

			if (x->taken == 0)
				continue;
			touched = 1;
			rc = db_run(b->s->db, "UPDATE stock_level SET reserved = reserved + ? "
			    "WHERE warehouse_id = ? AND sku_id = ? AND lot_id = ?", "iiii",
			    x->taken, x->wh, k->sku, x->lot);
			if (rc == DB_ECONSTRAINT)
				return session_fail(b->s, DB_ESTOCK, "route: would reserve more than "
				    "on hand (warehouse %" PRId64 ", SKU %" PRId64 ", lot %" PRId64 ")",
				    x->wh, k->sku, x->lot);
			if (rc != 0)
				return dberr(b->s, "route");
			snprintf(before, sizeof before, "{\"warehouse\":%" PRId64 ",\"lot\":%" PRId64
			    ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64 "}", x->wh, x->lot,
			    x->on_hand, x->reserved - x->taken);
			snprintf(after, sizeof after, "{\"warehouse\":%" PRId64 ",\"lot\":%" PRId64
			    ",\"on_hand\":%" PRId64 ",\"reserved\":%" PRId64 ",\"orders\":%" PRId64
			    "}", x->wh, x->lot, x->on_hand, x->reserved, x->orders);
			if ((rc = audit_log(b->s, "stock", k->sku, "reserve", before, after)) != 0)
				return rc;
			x->taken = x->orders = 0;
		}
		if (touched && (rc = db_run(b->s->db, "UPDATE shop_listing SET version = "
		    "version + 1 WHERE sku_id = ?", "i", k->sku)) != 0)
			return dberr(b->s, "route");
	}
	return 0;
}

/* The rules' confirmation of o, left to write (border.later), on its own. */
static int
write_confirmed(struct batch *b, struct border *o)
{
	int rc = db_run(b->s->db, "UPDATE orders SET status = 'CONFIRMED', version = ?, "
	    "updated_at = ? WHERE id = ? AND version = ?", "iiii", o->version, b->now, o->id,
	    o->version - 1);

	if (rc != 0)
		return dberr(b->s, "route");
	if (db_changes(b->s->db) != 1)
		return session_fail(b->s, DB_ECONFLICT, "order %s was changed by someone else; "
		    "reload it", o->order_no);
	o->later = 0;
	return 0;
}

/* Route order o (loaded; confirmed as border_load says; later: the rules confirmed it
 * and its row is still NEW). */
static int
batch_one(struct batch *b, struct border *o, int confirmed, int later,
    struct route_batch_stats *out)
{
	char why[512], reason[520];
	size_t l;
	int rc, split = 0;

	o->later = later;
	if (later && confirmed != 2)
		return session_fail(b->s, DB_ERR, "route: order %s: confirmed by a rule but no "
		    "longer NEW", o->order_no);
	o->version += later;
	if (!later && confirmed != 1) {
		out->skipped++;
		return 0;
	}
	for (l = 0; l < o->nl; l++)
		if ((rc = bsku_get(b, o->ln[l].sku, &o->ln[l].k)) != 0)
			return rc;
	if (b->nwh == 0) {
		snprintf(why, sizeof why, "no warehouse to allocate from");
		rc = DB_ESTOCK;
	} else {
		rc = batch_order(b, o, why, sizeof why, &split);
	}
	if (rc == DB_ESTOCK) {
		/* Held with what is missing, as order_route does. */
		snprintf(reason, sizeof reason, "%s", why);
		if (!b->dry && o->later && (rc = write_confirmed(b, o)) != 0)
			return rc;
		if (!b->dry && (rc = order_transition(b->s, o->id, 0, ST_ON_HOLD, reason)) != 0)
			return rc;
		snprintf(out->why, sizeof out->why, "order %.63s: %.519s", o->order_no, reason);
		out->held++;
		return 0;
	}
	if (rc != 0)
		return rc;
	out->allocated++;
	out->split += split;
	return b->nrows >= 4096 ? batch_flush_rows(b) : 0;
}

/* What the rules decided for o in a dry run, as if written: its warehouse and carrier, a
 * hold (skipped, as an ON_HOLD order is) or a confirmation (later). */
static void
batch_decided(struct border *o, int *confirmed, unsigned char *later,
    const struct rules_decided *d)
{
	if (!d->decided)
		return;
	o->over = d->warehouse_id;
	snprintf(o->carrier, sizeof o->carrier, "%s", d->carrier);
	snprintf(o->service, sizeof o->service, "%s", d->service);
	if (d->status == RULES_HOLD)
		*confirmed = 0;
	*later = d->status == RULES_CONFIRM && *confirmed == 2;
}

static int
batch_run(struct batch *b, const int64_t *ids, size_t n, unsigned flags,
    struct route_batch_stats *out)
{
	struct border *o = xcalloc(BCHUNK, sizeof *o);
	struct rules_decided *dec = NULL;
	unsigned char *later = NULL;
	int confirmed[BCHUNK];
	size_t at = 0, k, j;
	int rc;

	if ((rc = batch_warehouses(b)) != 0)
		goto out;
	/* The rules first, over every order (none of them reads what routing changes); the
	 * orders they confirm change status once, with their allocation. */
	if ((flags & ROUTE_BATCH_RULES) && b->dry) {
		dec = xcalloc(n ? n : 1, sizeof *dec);
		later = xcalloc(n ? n : 1, 1);
		if ((rc = rules_decide(b->s, ids, n, dec)) != 0)
			goto out;
	} else if (flags & ROUTE_BATCH_RULES) {
		later = xcalloc(n ? n : 1, 1);
		if ((rc = rules_apply_later(b->s, ids, n, later)) != 0)
			goto out;
	}
	while (rc == 0 && at < n) {
		/* A chunk of distinct orders: a repeat starts the next one, which reads what
		 * routing the first time wrote. */
		for (k = 0; at + k < n && k < BCHUNK && border_find(o, k, ids[at + k]) < 0; k++)
			o[k].id = ids[at + k];
		if ((rc = border_load(b, o, k, confirmed)) != 0)
			break;
		for (j = 0; dec != NULL && j < k; j++)
			batch_decided(&o[j], &confirmed[j], &later[at + j], &dec[at + j]);
		for (j = 0; j < k && rc == 0; j++)
			rc = batch_one(b, &o[j], confirmed[j], later != NULL && later[at + j], out);
		at += k;
	}
out:
	for (j = 0; j < BCHUNK; j++)
		free(o[j].ln);
	free(o);
	free(later);
	free(dec);
	if (rc == 0)
		rc = batch_flush_rows(b);
	if (rc == 0)
		rc = batch_flush_levels(b);
	return rc;
}

int
route_batch(struct session *s, const int64_t *ids, size_t n, unsigned flags,
    struct route_batch_stats *out)
{
	struct route_batch_stats dummy;
	struct batch b;
	int rc;

	if (out == NULL)
		out = &dummy;
	memset(out, 0, sizeof *out);
	if ((rc = session_require(s, ROLE_SUPERVISOR, "allocate orders")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "route");
	memset(&b, 0, sizeof b);
	b.s = s;
	b.now = clock_now();
	b.dry = (flags & ROUTE_BATCH_DRY) != 0;
	if (b.dry) {
		rc = batch_run(&b, ids, n, flags, out);
		batch_free(&b);
		db_rollback(s->db);     /* nothing was written: read-only */
		if (rc != 0)
			memset(out, 0, sizeof *out);
		return rc;
	}
	audit_defer(s);             /* the batch's records, many to an insert */
	rc = batch_run(&b, ids, n, flags, out);
	batch_free(&b);
	if (rc == 0)
		rc = audit_flush(s, 0);
	else
		audit_flush(s, 1);
	if (rc != 0) {
		db_rollback(s->db);
		memset(out, 0, sizeof *out);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return dberr(s, "route");
	return 0;
}

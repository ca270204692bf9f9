/*
 * test_route.c — routing: province names and distances, the planner over a table of
 * cases (nearest, preferred, override, split, out of stock), and allocation against the
 * ledger: nearest warehouse, split into parts, out of stock held with the missing
 * quantities, FEFO with a channel's minimum shelf life, a rule's warehouse, and
 * confirmation routing by itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/order.h"
#include "core/route.h"
#include "core/rules.h"
#include "core/stock.h"

#define DAY 86400

static void
test_provinces(void)
{
	static const struct {
		const char *name, *is;
	} cases[] = {
		{ "Hồ Chí Minh", "Hồ Chí Minh" },
		{ "TP. Hồ Chí Minh", "Hồ Chí Minh" },
		{ "Thành phố Hồ Chí Minh", "Hồ Chí Minh" },
		{ "ho chi minh", "Hồ Chí Minh" },
		{ "TP HCM", "Hồ Chí Minh" },
		{ "Bình Dương", "Hồ Chí Minh" },       /* merged into it in 2025 */
		{ "Tỉnh Bắc Giang", "Bắc Ninh" },
		{ "HA NOI", "Hà Nội" },
		{ "Đắk Lắk", "Đắk Lắk" },
		{ "Thừa Thiên Huế", "Huế" },
		{ "Atlantis", "" },
		{ "", "" },
	};
	size_t i;

	CU_ASSERT_EQUAL(route_province_count(), 34);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int p = route_province(cases[i].name);

		if (strcmp(route_province_name(p), cases[i].is) != 0) {
			fprintf(stderr, "\n%s: got '%s', want '%s'\n", cases[i].name,
			    route_province_name(p), cases[i].is);
			CU_FAIL("province lookup");
		}
	}
	/* Hà Nội - Hồ Chí Minh is about 1,140 km as the crow flies. */
	CU_ASSERT(route_distance_km(route_province("Hà Nội"), route_province("Hồ Chí Minh"))
	    > 1100);
	CU_ASSERT(route_distance_km(route_province("Hà Nội"), route_province("Hồ Chí Minh"))
	    < 1200);
	CU_ASSERT_EQUAL(route_distance_km(3, 3), 0);
	CU_ASSERT_EQUAL(route_distance_km(-1, 3), -1);
	CU_ASSERT_STRING_EQUAL(route_region(route_province("Cần Thơ")), "south");
}

/* Warehouses of the planner cases: index 0 HN, 1 DN, 2 HCM (ids 10, 20, 30). */
enum { HN, DN, HCM, NWH };

struct plan_case {
	const char *what;
	const char *to;             /* buyer's province */
	int split;
	int64_t override_wh;
	int preferred;              /* index or -1 */
	size_t nlines;
	int64_t qty[3];
	int64_t avail[NWH][3];
	enum route_kind kind;
	int parts[3];               /* warehouse indexes in package order, -1 ends */
	int64_t take[NWH][3];       /* units taken per warehouse and line (SINGLE/SPLIT) */
	int64_t missing[3];         /* SHORT */
};

static const struct plan_case plan_cases[] = {
	{ "nearest of three", "Cần Thơ", 0, 0, -1, 2, { 1, 2 },
	  { { 5, 5 }, { 5, 5 }, { 5, 5 } }, ROUTE_SINGLE, { HCM, -1 },
	  { { 0 }, { 0 }, { 1, 2 } }, { 0 } },
	{ "nearest lacks a line: next nearest", "Cần Thơ", 0, 0, -1, 2, { 1, 2 },
	  { { 5, 5 }, { 5, 5 }, { 5, 1 } }, ROUTE_SINGLE, { DN, -1 },
	  { { 0 }, { 1, 2 }, { 0 } }, { 0 } },
	{ "north buyer", "Hải Phòng", 0, 0, -1, 1, { 3 },
	  { { 3 }, { 3 }, { 3 } }, ROUTE_SINGLE, { HN, -1 },
	  { { 3 }, { 0 }, { 0 } }, { 0 } },
	{ "exactly enough counts", "Huế", 0, 0, -1, 1, { 4 },
	  { { 9 }, { 4 }, { 9 } }, ROUTE_SINGLE, { DN, -1 },
	  { { 0 }, { 4 }, { 0 } }, { 0 } },
	{ "unknown province: the shop's warehouse", "Atlantis", 0, 0, DN, 1, { 1 },
	  { { 1 }, { 1 }, { 1 } }, ROUTE_SINGLE, { DN, -1 },
	  { { 0 }, { 1 }, { 0 } }, { 0 } },
	{ "a rule's warehouse wins", "Cần Thơ", 0, 10, -1, 1, { 1 },
	  { { 1 }, { 1 }, { 1 } }, ROUTE_SINGLE, { HN, -1 },
	  { { 1 }, { 0 }, { 0 } }, { 0 } },
	{ "a rule's warehouse short, no split: held", "Cần Thơ", 0, 20, -1, 2, { 2, 2 },
	  { { 9, 9 }, { 1, 2 }, { 9, 9 } }, ROUTE_SHORT, { -1 },
	  { { 0 } }, { 1, 0 } },
	{ "split over the two that hold it", "Cần Thơ", 1, 0, -1, 2, { 1, 1 },
	  { { 0, 1 }, { 0, 0 }, { 1, 0 } }, ROUTE_SPLIT, { HCM, HN, -1 },
	  { { 0, 1 }, { 0 }, { 1, 0 } }, { 0 } },
	{ "no split allowed: held, measured at the nearest", "Cần Thơ", 0, 0, -1, 2, { 1, 1 },
	  { { 0, 1 }, { 0, 0 }, { 1, 0 } }, ROUTE_SHORT, { -1 },
	  { { 0 } }, { 0, 1 } },
	{ "split yet short overall", "Cần Thơ", 1, 0, -1, 2, { 5, 1 },
	  { { 1, 1 }, { 1, 0 }, { 1, 0 } }, ROUTE_SHORT, { -1 },
	  { { 0 } }, { 2, 0 } },
	{ "one line over two warehouses", "Cần Thơ", 1, 0, -1, 1, { 4 },
	  { { 0 }, { 2 }, { 2 } }, ROUTE_SPLIT, { HCM, DN, -1 },
	  { { 0 }, { 2 }, { 2 } }, { 0 } },
	{ "fewest packages: most lines first", "Cần Thơ", 1, 0, -1, 3, { 1, 1, 1 },
	  { { 0, 1, 1 }, { 0, 1, 0 }, { 1, 0, 0 } }, ROUTE_SPLIT, { HN, HCM, -1 },
	  { { 0, 1, 1 }, { 0 }, { 1, 0, 0 } }, { 0 } },
};

static void
test_plan(void)
{
	struct route_wh wh[NWH] = {
		{ 10, 0, 0 }, { 20, 0, 0 }, { 30, 0, 0 },
	};
	size_t c, w, l, k;

	wh[HN].province = route_province("Hà Nội");
	wh[DN].province = route_province("Đà Nẵng");
	wh[HCM].province = route_province("Hồ Chí Minh");
	for (c = 0; c < sizeof plan_cases / sizeof plan_cases[0]; c++) {
		const struct plan_case *pc = &plan_cases[c];
		int64_t avail[NWH * 3], missing[3], got[NWH][3];
		struct route_take take[NWH * 3];
		struct route_plan plan = { .take = take, .missing = missing };
		struct route_in in;
		int ok = 1;

		for (w = 0; w < NWH; w++) {
			wh[w].preferred = (int)w == pc->preferred;
			for (l = 0; l < pc->nlines; l++)
				avail[w * pc->nlines + l] = pc->avail[w][l];
		}
		in = (struct route_in){ .nlines = pc->nlines, .nwh = NWH, .qty = pc->qty,
		    .avail = avail, .wh = wh, .to_province = route_province(pc->to),
		    .split = pc->split, .override_wh = pc->override_wh };
		route_plan(&in, &plan);
		memset(got, 0, sizeof got);
		for (k = 0; k < plan.ntake; k++)
			got[plan.take[k].wh][plan.take[k].line] += plan.take[k].qty;
		ok &= plan.kind == pc->kind;
		if (pc->kind == ROUTE_SHORT) {
			for (l = 0; l < pc->nlines; l++)
				ok &= missing[l] == pc->missing[l];
			ok &= plan.ntake == 0;
		} else {
			for (k = 0; k < 3 && pc->parts[k] >= 0; k++)
				ok &= k < plan.nparts && (int)plan.part_wh[k] == pc->parts[k];
			ok &= k == plan.nparts;
			for (w = 0; w < NWH; w++)
				for (l = 0; l < pc->nlines; l++)
					ok &= got[w][l] == pc->take[w][l];
		}
		if (!ok) {
			fprintf(stderr, "\nplan case '%s': kind %d, %zu parts (first %zu), "
			    "missing %" PRId64 ",%" PRId64 "\n", pc->what, (int)plan.kind,
			    plan.nparts, plan.part_wh[0], missing[0], missing[1]);
			CU_FAIL("plan case");
		}
	}
}

/* --- against the ledger --- */

static struct db *db;
static char path[256];
static struct session sys, sup;
static int64_t wh_hn, wh_dn, wh_hcm, sku_a, sku_b, sku_d;
static const char *line_a;     /* the SKU of mk_order's first line */

static void
setup(void)
{
	clock_fix(TEST_EPOCH);
	route_reset();
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HN", "Hà Nội WH", "Hà Nội", &wh_hn), 0);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "DN", "Đà Nẵng WH", "Đà Nẵng", &wh_dn), 0);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "HCM WH", "Hồ Chí Minh", &wh_hcm), 0);
	sku_a = tu_sku(&sys, "SKU-A", 0);
	sku_b = tu_sku(&sys, "SKU-B", 0);
	sku_d = tu_sku(&sys, "MILK", 1);
	line_a = "SKU-A";
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
	route_reset();
}

static int64_t
mk_order(const char *channel, const char *no, const char *province, int64_t qa,
    int64_t qb)
{
	struct order_line_in lines[2];
	struct order_in in;
	size_t n = 0;
	int64_t id = 0;

	if (qa > 0)
		lines[n++] = (struct order_line_in){ line_a, qa, 50000 };
	if (qb > 0)
		lines[n++] = (struct order_line_in){ "SKU-B", qb, 70000 };
	in = (struct order_in){ .channel = channel, .shop = "S1", .order_no = no,
	    .created_at = clock_now(), .status = ST_CONFIRMED, .currency = "VND",
	    .total = 100000, .buyer_name = "Lan", .buyer_phone = "0901234567",
	    .address = "1 Lê Lợi", .district = "Quận 1", .province = province,
	    .lines = lines, .nlines = n };
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static int64_t
reserved_in(int64_t order, int64_t wh)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT coalesce(sum(qty), 0) FROM reservation "
	    "WHERE order_id = ? AND warehouse_id = ?", "ii", order, wh), 0);
	return n;
}

/* order_route, saying why when it fails. */
static int
route(int64_t id)
{
	int rc = order_route(&sys, id);

	if (rc != 0 && rc != DB_ESTOCK)
		fprintf(stderr, "\norder_route: %s\n", sys.err);
	return rc;
}

static enum order_status
status_of(int64_t id)
{
	struct order *o = NULL;
	enum order_status st = ST__COUNT;

	if (order_load(&sys, id, &o) == 0) {
		st = o->status;
		order_free(o);
	}
	return st;
}

static void
test_allocate_nearest(void)
{
	int64_t id, wh = 0;
	size_t i;
	static const struct {
		const char *province;
		int64_t *wh;
	} cases[] = {
		{ "Bình Dương", &wh_hcm }, { "Hai Phong", &wh_hn }, { "Quảng Ngãi", &wh_dn },
	};

	setup();
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 10, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_dn, sku_a, "", 0, 10, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 10, NULL), 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char no[16];

		snprintf(no, sizeof no, "N%zu", i);
		id = mk_order("shopee", no, cases[i].province, 2, 0);
		CU_ASSERT_EQUAL(route(id), 0);
		CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);
		CU_ASSERT_EQUAL(db_int(db, &wh, "SELECT warehouse_id FROM orders WHERE id = ?",
		    "i", id), 0);
		CU_ASSERT_EQUAL(wh, *cases[i].wh);
		CU_ASSERT_EQUAL(reserved_in(id, *cases[i].wh), 2);
	}
	/* The buffer is kept: HCM has 8 left, buffer 7 leaves 1; 2 wanted -> DN (13 - 7). */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_dn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sku SET buffer = 7 WHERE id = ?", "i", sku_a), 0);
	id = mk_order("shopee", "NB", "Hồ Chí Minh", 2, 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_dn), 2);
	teardown();
}

static void
test_split_and_short(void)
{
	int64_t id, n = -1;
	char why[512] = "";

	setup();
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_b, "", 0, 3, NULL), 0);

	/* manual shops split by default: two parts; HN's first (both fill one line whole,
	 * HN more units). */
	id = mk_order("manual", "SPLIT", "Cần Thơ", 2, 1);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hn), 2);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hcm), 1);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM route_part WHERE order_id = ?",
	    "i", id), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT warehouse_id FROM route_part WHERE "
	    "order_id = ? AND part_no = 1", "i", id), 0);
	CU_ASSERT_EQUAL(n, wh_hn);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM audit WHERE entity_id = ? AND "
	    "action = 'split'", "i", id), 0);
	CU_ASSERT_EQUAL(n, 1);

	/* shopee does not split: held, the reason says what is missing where it is
	 * nearest to complete; nothing reserved. */
	id = mk_order("shopee", "SHORT", "Cần Thơ", 1, 1);
	CU_ASSERT_EQUAL(route(id), DB_ESTOCK);
	CU_ASSERT_STRING_EQUAL(sys.err, "out of stock: SKU-A 1 missing");
	CU_ASSERT_EQUAL(status_of(id), ST_ON_HOLD);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hn) + reserved_in(id, wh_hcm), 0);
	{
		struct db_stmt *st = db_prep(db, "SELECT after FROM audit WHERE entity_id = ? "
		    "AND action = 'transition' ORDER BY id DESC LIMIT 1");

		db_bind_int(st, 1, id);
		if (db_step(st) == DB_ROW)
			snprintf(why, sizeof why, "%s", db_col_text(st, 0));
		db_done(st);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "out of stock: SKU-A 1 missing"));

	/* Split allowed yet short over all warehouses: held with the total missing. */
	id = mk_order("manual", "SHORT2", "Cần Thơ", 4, 3);
	CU_ASSERT_EQUAL(route(id), DB_ESTOCK);
	CU_ASSERT_STRING_EQUAL(sys.err, "out of stock: SKU-A 3 missing, SKU-B 1 missing");
	CU_ASSERT_EQUAL(status_of(id), ST_ON_HOLD);
	teardown();
}

static void
test_fefo_shelf_life(void)
{
	struct route_policy pol = { .min_shelf_days = 30 };
	int64_t id, n = -1;
	int64_t now = clock_now();

	setup();
	/* At HCM: lots of 10 and 40 days; at HN one of 100 days. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_d, "L10", now + 10 * DAY, 2, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_d, "L40", now + 40 * DAY, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_d, "L100", now + 100 * DAY, 5, NULL), 0);
	line_a = "MILK";

	/* No channel minimum: FEFO takes the 10-day lot at HCM. */
	id = mk_order("shopee", "F0", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT r.qty FROM reservation r JOIN lot l ON l.id = "
	    "r.lot_id WHERE r.order_id = ? AND l.lot_code = 'L10'", "i", id), 0);
	CU_ASSERT_EQUAL(n, 1);

	/* Lazada wants 30 days: HCM's 40-day lot serves 1 ... */
	route_set_policy("lazada", &pol);
	id = mk_order("lazada", "F1", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM reservation r JOIN lot l ON "
	    "l.id = r.lot_id WHERE r.order_id = ? AND l.lot_code = 'L40'", "i", id), 0);
	CU_ASSERT_EQUAL(n, 1);
	/* ... and 2 more must come from HN, though HCM still has 1 short-dated unit. */
	id = mk_order("lazada", "F2", "Hồ Chí Minh", 2, 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hn), 2);
	/* Exactly at the limit: a lot expiring in 30 days and an hour passes 30 days ... */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_dn, sku_d, "L30", now + 30 * DAY + 3600, 2,
	    NULL), 0);
	id = mk_order("lazada", "F3", "Huế", 1, 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_dn), 1);
	/* ... and fails at 31 (HN's long lot then serves). */
	pol.min_shelf_days = 31;
	route_set_policy("lazada", &pol);
	id = mk_order("lazada", "F4", "Huế", 1, 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hn), 1);
	teardown();
}

static void
test_rule_warehouse(void)
{
	int64_t id;
	struct session packer;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 5, NULL), 0);
	id = mk_order("shopee", "R1", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route_set_warehouse(&packer, id, "HN"), DB_EPERM);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, id, "NOPE"), DB_EINVAL);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, id, "HN"), 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hn), 1);
	/* Cleared: the nearest again. */
	id = mk_order("shopee", "R2", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, id, "HN"), 0);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, id, NULL), 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hcm), 1);
	teardown();
}

/* The rule engine's `set warehouse` and `set carrier` (rules.h) reach routing. */
static void
test_rules_win(void)
{
	static const char text[] =
	    "rule \"Can Tho from Ha Noi\" priority 1\n"
	    "  when province = \"Cần Thơ\"\n"
	    "  then set warehouse \"HN\"; set carrier \"VTP\" service \"VCN\"\n";
	int64_t id, v = 0, wh = 0;
	char carrier[16] = "", source[16] = "";
	struct db_stmt *st;

	setup();
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, text, sizeof text - 1, &v), 0);
	id = mk_order("manual", "RW1", "Cần Thơ", 1, 0);
	CU_ASSERT_EQUAL(rules_apply(&sys, id), 0);
	CU_ASSERT_EQUAL(route(id), 0);
	CU_ASSERT_EQUAL(db_int(db, &wh, "SELECT warehouse_id FROM orders WHERE id = ?", "i",
	    id), 0);
	CU_ASSERT_EQUAL(wh, wh_hn);                 /* not HCM, the nearest */
	st = db_prep(db, "SELECT carrier, source FROM order_carrier WHERE order_id = ?");
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW) {
		snprintf(carrier, sizeof carrier, "%s", db_col_text(st, 0));
		snprintf(source, sizeof source, "%s", db_col_text(st, 1));
	}
	db_done(st);
	CU_ASSERT_STRING_EQUAL(carrier, "VTP");
	CU_ASSERT_STRING_EQUAL(source, "rule");
	teardown();
}

static void
test_confirm_routes(void)
{
	int64_t ok, shortid;
	struct order_line_in line = { "SKU-A", 2, 50000 };
	struct order_in in = { .channel = "shopee", .shop = "S1", .order_no = "C1",
	    .created_at = TEST_EPOCH, .status = ST_NEW, .currency = "VND", .total = 100000,
	    .buyer_phone = "0901234567", .province = "Hà Nội", .lines = &line, .nlines = 1 };

	setup();
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &ok, NULL), 0);
	in.order_no = "C2";
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &shortid, NULL), 0);
	/* Off: confirming only confirms. */
	CU_ASSERT_EQUAL(order_transition(&sup, ok, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(ok), ST_CONFIRMED);
	CU_ASSERT_EQUAL(order_transition(&sup, ok, 0, ST_ON_HOLD, "wait"), 0);
	route_set_auto(1);
	CU_ASSERT_EQUAL(order_transition(&sup, ok, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(ok), ST_ALLOCATED);
	CU_ASSERT_EQUAL(order_transition(&sup, shortid, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(shortid), ST_ON_HOLD);
	teardown();
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("route", NULL, NULL);
	CU_add_test(s, "province names, regions and distances", test_provinces);
	CU_add_test(s, "planner cases", test_plan);
	CU_add_test(s, "nearest warehouse that fills it, buffers kept", test_allocate_nearest);
	CU_add_test(s, "split into parts; out of stock held with what is missing",
	    test_split_and_short);
	CU_add_test(s, "FEFO with a channel's minimum shelf life", test_fefo_shelf_life);
	CU_add_test(s, "a rule's warehouse wins", test_rule_warehouse);
	CU_add_test(s, "the rule engine's warehouse and carrier win", test_rules_win);
	CU_add_test(s, "confirmation routes by itself when on", test_confirm_routes);
	return tu_run();
}

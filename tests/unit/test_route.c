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

#include "core/audit.h"
#include "core/clock.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/route.h"
#include "core/rules.h"
#include "core/stock.h"
#include "core/tote.h"

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
	    .created_at = clock_now(), .status = ST_NEW, .currency = "VND",
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

/* Confirm (allocation at confirmation off for the moment), then order_route, saying why
 * when it fails. */
static int
route(int64_t id)
{
	int rc;

	route_set_auto(0);
	rc = order_transition(&sup, id, 0, ST_CONFIRMED, NULL);
	route_set_auto(1);
	if (rc != 0)
		fprintf(stderr, "\nconfirm: %s\n", sup.err);
	rc = order_route(&sys, id);

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
	    "action = 'transition' AND after LIKE '%\"status\":\"ALLOCATED\"%\"parts\":2%'",
	    "i", id), 0);
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

/* The last transition record's after of order id ("" when none). */
static void
last_transition(int64_t id, char *out, size_t len)
{
	struct db_stmt *st = db_prep(db, "SELECT after FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'transition' ORDER BY id DESC LIMIT 1");

	out[0] = '\0';
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(out, len, "%s", db_col_text(st, 0));
	db_done(st);
}

static int64_t
count(const char *sql, int64_t arg)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, sql, "i", arg), 0);
	return n;
}

/* Allocation at confirmation, on by default: a person's, a rule's, the marketplace's. */
static void
test_confirm_routes(void)
{
	static const char text[] =
	    "rule \"north ships from HN\" priority 1\n"
	    "  when district contains \"Bắc\"\n"
	    "  then set warehouse \"HN\"; confirm\n";
	int64_t ok, shortid, mkt, v0, v1, a0, a1, ruled, wh = 0;
	struct order_line_in line = { "SKU-A", 2, 50000 };
	struct order_in in = { .channel = "shopee", .shop = "S1", .order_no = "C1",
	    .created_at = TEST_EPOCH, .status = ST_NEW, .currency = "VND", .total = 100000,
	    .buyer_phone = "0901234567", .province = "Hà Nội", .lines = &line, .nlines = 1 };
	char after[512];
	char msg[256];

	setup();
	CU_ASSERT_EQUAL(route_auto(), 1);           /* the default */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 10, NULL), 0);
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &ok, NULL), 0);
	in.order_no = "C2";
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &shortid, NULL), 0);
	CU_ASSERT_EQUAL(status_of(ok), ST_NEW);
	/* Off: confirming only confirms. */
	route_set_auto(0);
	CU_ASSERT_EQUAL(order_transition(&sup, ok, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(ok), ST_CONFIRMED);
	CU_ASSERT_EQUAL(reserved_in(ok, wh_hn), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, ok, 0, ST_ON_HOLD, "wait"), 0);
	route_set_auto(1);
	/* A person's confirmation: allocated at HN (nearest) in the same step ... */
	CU_ASSERT_EQUAL(order_transition(&sup, ok, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(ok), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(ok, wh_hn), 2);
	/* ... and HN has 1 left, HCM 10: the next goes to HCM. Shopee does not split. */
	CU_ASSERT_EQUAL(order_transition(&sup, shortid, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(shortid), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(shortid, wh_hcm), 2);

	/* The marketplace's own "confirmed" at intake: allocated at once. */
	in.order_no = "M1";
	in.status = ST_CONFIRMED;
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &mkt, NULL), 0);
	CU_ASSERT_EQUAL(status_of(mkt), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(mkt, wh_hcm), 2);
	/* Pulled again unchanged: no news (no version, no audit record) though the channel
	 * still says confirmed and we say allocated. */
	CU_ASSERT_EQUAL(db_int(db, &v0, "SELECT version FROM orders WHERE id = ?", "i", mkt), 0);
	a0 = count("SELECT count(*) FROM audit WHERE ? > 0", 1);
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, NULL, NULL), 0);
	CU_ASSERT_EQUAL(db_int(db, &v1, "SELECT version FROM orders WHERE id = ?", "i", mkt), 0);
	a1 = count("SELECT count(*) FROM audit WHERE ? > 0", 1);
	CU_ASSERT_EQUAL(v1, v0);
	CU_ASSERT_EQUAL(a1, a0);
	CU_ASSERT_EQUAL(status_of(mkt), ST_ALLOCATED);

	/* Arriving confirmed with too little anywhere: held with what is missing. */
	line.qty = 20;
	in.order_no = "M2";
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &mkt, NULL), 0);
	CU_ASSERT_EQUAL(status_of(mkt), ST_ON_HOLD);
	last_transition(mkt, after, sizeof after);
	CU_ASSERT_PTR_NOT_NULL(strstr(after, "out of stock: SKU-A"));
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation WHERE order_id = ?", mkt), 0);

	/* A rule's confirmation, after its `set warehouse`: allocated where the rule says
	 * (HN, not the nearer HCM for a buyer in Hồ Chí Minh), every action audited naming
	 * the rule. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, text, sizeof text - 1, NULL), 0);
	line.qty = 1;
	in.order_no = "RC1";
	in.status = ST_NEW;
	in.province = "Hồ Chí Minh";
	in.district = "Bắc Quận";
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &ruled, NULL), 0);
	CU_ASSERT_EQUAL(status_of(ruled), ST_ALLOCATED);
	CU_ASSERT_EQUAL(db_int(db, &wh, "SELECT warehouse_id FROM orders WHERE id = ?", "i",
	    ruled), 0);
	CU_ASSERT_EQUAL(wh, wh_hn);
	CU_ASSERT_EQUAL(reserved_in(ruled, wh_hn), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'rule' AND after LIKE '%north ships from HN%'", ruled), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'transition' AND after LIKE '%\"by_rule\":1%'", ruled),
	    1);

	/* Everything balanced and chained. */
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	{
		int64_t n, bad;

		CU_ASSERT_EQUAL(audit_verify(db, &n, &bad, msg, sizeof msg), 0);
	}
	teardown();
}

/* A station claims only what its warehouse may pack; an order not allocated yet is
 * allocated at the claim, where a rule (or supervisor) said if one did. */
static void
test_claim(void)
{
	struct session packer;
	int64_t a, b, c, d, wh = 0;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 5, NULL), 0);
	/* Allocated at confirmation to HN: HCM's station may not take it, HN's may. */
	a = mk_order("shopee", "K1", "Hà Nội", 1, 0);
	CU_ASSERT_EQUAL(order_transition(&sup, a, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(a), ST_ALLOCATED);
	CU_ASSERT_EQUAL(order_start_packing(&packer, a, "ST-HCM", wh_hcm), DB_EINVAL);
	CU_ASSERT_EQUAL(status_of(a), ST_ALLOCATED);
	CU_ASSERT_EQUAL(order_start_packing(&packer, a, "ST-HN", wh_hn), 0);
	CU_ASSERT_EQUAL(status_of(a), ST_PACKING);

	/* Confirmed while allocation at confirmation was off, a rule's warehouse HN. */
	route_set_auto(0);
	b = mk_order("shopee", "K2", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, b, "HN"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, b, 0, ST_CONFIRMED, NULL), 0);
	c = mk_order("shopee", "K3", "Hà Nội", 1, 0);
	CU_ASSERT_EQUAL(order_transition(&sup, c, 0, ST_CONFIRMED, NULL), 0);
	d = mk_order("shopee", "K4", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, d, "HN"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, d, 0, ST_CONFIRMED, NULL), 0);
	route_set_auto(1);
	CU_ASSERT_EQUAL(status_of(b), ST_CONFIRMED);
	/* HCM's station is refused, saying where it ships from; nothing reserved. */
	CU_ASSERT_EQUAL(order_start_packing(&packer, b, "ST-HCM", wh_hcm), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "ships from warehouse HN"));
	CU_ASSERT_EQUAL(status_of(b), ST_CONFIRMED);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation WHERE order_id = ?", b), 0);
	/* HN's station: allocated there at the claim. */
	CU_ASSERT_EQUAL(order_start_packing(&packer, b, "ST-HN", wh_hn), 0);
	CU_ASSERT_EQUAL(status_of(b), ST_PACKING);
	CU_ASSERT_EQUAL(reserved_in(b, wh_hn), 1);
	/* No rule: the claiming station's warehouse, though HN is nearer to the buyer. */
	CU_ASSERT_EQUAL(order_start_packing(&packer, c, "ST-HCM", wh_hcm), 0);
	CU_ASSERT_EQUAL(reserved_in(c, wh_hcm), 1);
	/* A station with no warehouse honours the rule's. */
	CU_ASSERT_EQUAL(order_start_packing(&packer, d, "ST-X", 0), 0);
	CU_ASSERT_EQUAL(db_int(db, &wh, "SELECT warehouse_id FROM orders WHERE id = ?", "i",
	    d), 0);
	CU_ASSERT_EQUAL(wh, wh_hn);
	CU_ASSERT_EQUAL(reserved_in(d, wh_hn), 1);
	teardown();
}

/* Many orders in one pass: the same choices as one at a time, rules applied first,
 * the ledger balanced and every order's records written. */
static void
test_batch(void)
{
	static const char text[] =
	    "rule \"big COD\" priority 1\n"
	    "  when cod > 500000\n"
	    "  then hold \"COD check\"; stop\n"
	    "rule \"rest\" priority 2\n"
	    "  when true\n"
	    "  then tag \"auto\"; confirm\n";
	struct route_batch_stats bs;
	struct session packer;
	int64_t ids[6], on_hand, reserved, n;
	char msg[256];
	int i;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 4, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_b, "", 0, 2, NULL), 0);
	/* NEW orders, no rules yet: the batch's rules will confirm them. */
	for (i = 0; i < 5; i++) {
		char no[16];

		snprintf(no, sizeof no, "B%d", i);
		ids[i] = mk_order(i == 4 ? "manual" : "shopee", no,
		    i % 2 ? "Hồ Chí Minh" : "Hà Nội", 2, i == 4 ? 2 : 0);
	}
	CU_ASSERT_EQUAL(db_run(db, "UPDATE orders SET cod = 900000 WHERE id = ?", "i",
	    ids[3]), 0);
	ids[5] = ids[0];            /* twice in one batch: routed once */
	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, text, sizeof text - 1, NULL), 0);
	CU_ASSERT_EQUAL(route_batch(&packer, ids, 6, ROUTE_BATCH_RULES, &bs), DB_EPERM);
	CU_ASSERT_EQUAL(route_batch(&sup, ids, 6, ROUTE_BATCH_RULES, &bs), 0);
	/* B0 (HN 2 of 4), B1 (HCM 2 of 3), B2 (HN 2 of 2 left), B3 held by the rule,
	 * B4 manual: SKU-A 2 from HCM? only 1 left there, none at HN: short. */
	CU_ASSERT_EQUAL(status_of(ids[0]), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(ids[0], wh_hn), 2);
	CU_ASSERT_EQUAL(status_of(ids[1]), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(ids[1], wh_hcm), 2);
	CU_ASSERT_EQUAL(status_of(ids[2]), ST_ALLOCATED);
	CU_ASSERT_EQUAL(reserved_in(ids[2], wh_hn), 2);
	CU_ASSERT_EQUAL(status_of(ids[3]), ST_ON_HOLD);
	CU_ASSERT_EQUAL(status_of(ids[4]), ST_ON_HOLD);
	CU_ASSERT_EQUAL(bs.allocated, 3);
	CU_ASSERT_EQUAL(bs.held, 1);
	CU_ASSERT_EQUAL(bs.skipped, 2);             /* held by the rule; B0 again */
	CU_ASSERT_PTR_NOT_NULL(strstr(bs.why, "out of stock: SKU-A 1 missing"));
	/* The levels took the batch's reservations once each. */
	CU_ASSERT_EQUAL(stock_on_hand(&sys, wh_hn, sku_a, &on_hand), 0);
	CU_ASSERT_EQUAL(stock_reserved(&sys, wh_hn, sku_a, &reserved), 0);
	CU_ASSERT_EQUAL(on_hand, 4);
	CU_ASSERT_EQUAL(reserved, 4);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	/* Per order: its rules' records, its transition, what was reserved; per lot one
	 * level record naming how many orders took from it. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'rule'", ids[0]), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'transition' AND after LIKE '%\"reserved\":[[%'",
	    ids[0]), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'stock' AND "
	    "entity_id = ? AND action = 'reserve' AND after LIKE '%\"orders\":2}'", sku_a), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE kind = 'reserve' AND "
	    "order_id = ?", ids[1]), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM order_carrier WHERE order_id = ?", ids[2]), 1);
	n = count("SELECT count(*) FROM shop_listing WHERE ? > 0", 1);
	CU_ASSERT(n >= 0);
	{
		int64_t cnt, bad;

		CU_ASSERT_EQUAL(audit_verify(db, &cnt, &bad, msg, sizeof msg), 0);
	}
	/* Released and routed again: the same lots back. */
	CU_ASSERT_EQUAL(order_transition(&sup, ids[1], 0, ST_ON_HOLD, "recount"), 0);
	CU_ASSERT_EQUAL(reserved_in(ids[1], wh_hcm), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, ids[1], 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(reserved_in(ids[1], wh_hcm), 2);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	teardown();
}

/* The dry run: the batch's reads and decisions, the rules' included, nothing written;
 * the batch that follows decides the same. */
static void
test_batch_dry(void)
{
	static const char text[] =
	    "rule \"big COD\" priority 1\n"
	    "  when cod > 500000\n"
	    "  then hold \"COD check\"; stop\n"
	    "rule \"rest\" priority 2\n"
	    "  when true\n"
	    "  then tag \"auto\"; confirm\n";
	struct route_batch_stats dry, bs;
	struct session packer;
	int64_t ids[5], audits, moves, versions, reserved;
	int i;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 4, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_a, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_b, "", 0, 2, NULL), 0);
	for (i = 0; i < 5; i++) {
		char no[16];

		snprintf(no, sizeof no, "D%d", i);
		ids[i] = mk_order(i == 4 ? "manual" : "shopee", no,
		    i % 2 ? "Hồ Chí Minh" : "Hà Nội", 2, i == 4 ? 2 : 0);
	}
	CU_ASSERT_EQUAL(db_run(db, "UPDATE orders SET cod = 900000 WHERE id = ?", "i",
	    ids[3]), 0);
	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, text, sizeof text - 1, NULL), 0);
	audits = count("SELECT count(*) FROM audit WHERE ? > 0", 1);
	moves = count("SELECT count(*) FROM stock_move WHERE ? > 0", 1);
	versions = count("SELECT sum(version) FROM orders WHERE ? > 0", 1);
	CU_ASSERT_EQUAL(route_batch(&packer, ids, 5, ROUTE_BATCH_RULES | ROUTE_BATCH_DRY,
	    &dry), DB_EPERM);
	CU_ASSERT_EQUAL(route_batch(&sup, ids, 5, ROUTE_BATCH_RULES | ROUTE_BATCH_DRY, &dry), 0);
	CU_ASSERT_EQUAL(dry.allocated, 3);
	CU_ASSERT_EQUAL(dry.held, 1);
	CU_ASSERT_EQUAL(dry.skipped, 1);            /* D3, held by the rule */
	CU_ASSERT_PTR_NOT_NULL(strstr(dry.why, "out of stock: SKU-A 1 missing"));
	/* Nothing written: no record, movement, carrier, tag, level or status. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE ? > 0", 1), audits);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE ? > 0", 1), moves);
	CU_ASSERT_EQUAL(count("SELECT sum(version) FROM orders WHERE ? > 0", 1), versions);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM order_carrier WHERE ? > 0", 1), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE tags LIKE '%auto%' AND ? > 0",
	    1), 0);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(status_of(ids[i]), ST_NEW);
	CU_ASSERT_EQUAL(stock_reserved(&sys, wh_hn, sku_a, &reserved), 0);
	CU_ASSERT_EQUAL(reserved, 0);
	/* Written, the same decisions. */
	CU_ASSERT_EQUAL(route_batch(&sup, ids, 5, ROUTE_BATCH_RULES, &bs), 0);
	CU_ASSERT_EQUAL(bs.allocated, dry.allocated);
	CU_ASSERT_EQUAL(bs.held, dry.held);
	CU_ASSERT_EQUAL(bs.skipped, dry.skipped);
	CU_ASSERT_EQUAL(status_of(ids[3]), ST_ON_HOLD);
	CU_ASSERT_EQUAL(status_of(ids[2]), ST_ALLOCATED);
	/* Without rules, over what is now allocated or held: all skipped, nothing written. */
	audits = count("SELECT count(*) FROM audit WHERE ? > 0", 1);
	CU_ASSERT_EQUAL(route_batch(&sup, ids, 5, ROUTE_BATCH_DRY, &dry), 0);
	CU_ASSERT_EQUAL(dry.allocated, 0);
	CU_ASSERT_EQUAL(dry.skipped, 5);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE ? > 0", 1), audits);
	teardown();
}

/* A station claiming a confirmed order allocates it from its own warehouse only: stock
 * elsewhere does not count, and nothing is reserved there. */
static void
test_claim_elsewhere(void)
{
	struct session packer;
	int64_t id;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_b, "", 0, 5, NULL), 0);
	route_set_auto(0);
	id = mk_order("shopee", "E1", "Hồ Chí Minh", 0, 2);
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_CONFIRMED, NULL), 0);
	route_set_auto(1);
	CU_ASSERT_EQUAL(order_start_packing(&packer, id, "ST-HCM", wh_hcm), DB_ESTOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "out of stock"));
	CU_ASSERT_EQUAL(status_of(id), ST_CONFIRMED);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation WHERE order_id = ?", id), 0);
	CU_ASSERT_EQUAL(count("SELECT coalesce(sum(reserved), 0) FROM stock_level WHERE "
	    "warehouse_id = ?", wh_hn), 0);
	CU_ASSERT_EQUAL(order_start_packing(&packer, id, "ST-HN", wh_hn), 0);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hn), 2);
	CU_ASSERT_EQUAL(reserved_in(id, wh_hcm), 0);
	teardown();
}

/* orders.packing_station of id ("" for NULL). */
static const char *
station_of(int64_t id)
{
	return tu_text(db, "SELECT coalesce(packing_station, '') FROM orders WHERE id = ?", id);
}

/* A tote offers a station only what it may pack: its warehouse's orders, a split order
 * by its parts; a split order names the station of its last part claimed or packed. */
static void
test_tote_warehouse(void)
{
	struct pack_config c_hn = tu_station("HN-1", wh_hn), c_hcm = tu_station("HCM-1", wh_hcm);
	struct session packer;
	struct pack p1, p2;
	int64_t x, y, c, sp, w[3], next = 0;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_b, "", 0, 5, NULL), 0);
	x = mk_order("shopee", "TX", "Hà Nội", 1, 0);
	CU_ASSERT_EQUAL(order_transition(&sup, x, 0, ST_CONFIRMED, NULL), 0);
	y = mk_order("shopee", "TY", "Hồ Chí Minh", 0, 1);
	CU_ASSERT_EQUAL(order_transition(&sup, y, 0, ST_CONFIRMED, NULL), 0);
	sp = mk_order("manual", "TS", "Cần Thơ", 1, 1);
	CU_ASSERT_EQUAL(order_transition(&sup, sp, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM route_part WHERE order_id = ?", sp), 2);
	route_set_auto(0);
	c = mk_order("shopee", "TC", "Hồ Chí Minh", 1, 0);
	CU_ASSERT_EQUAL(route_set_warehouse(&sup, c, "HN"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, c, 0, ST_CONFIRMED, NULL), 0);
	route_set_auto(1);
	CU_ASSERT_EQUAL(status_of(x), ST_ALLOCATED);
	CU_ASSERT_EQUAL(status_of(y), ST_ALLOCATED);
	CU_ASSERT_EQUAL(status_of(c), ST_CONFIRMED);
	w[0] = x;
	w[1] = c;
	w[2] = y;
	CU_ASSERT_EQUAL_FATAL(tote_assign(&sys, "TOTE-W", w, 3), 0);
	CU_ASSERT_EQUAL_FATAL(tote_assign(&sys, "TOTE-S", &sp, 1), 0);
	/* HCM skips HN's order and the one a rule sent to HN; HN takes the first. */
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-W", "HCM-1", wh_hcm, &next), 0);
	CU_ASSERT_EQUAL(next, y);
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-W", "HN-1", wh_hn, &next), 0);
	CU_ASSERT_EQUAL(next, x);
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-W", "ANY", 0, &next), 0);
	CU_ASSERT_EQUAL(next, x);
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-W", "DN-1", wh_dn, &next), DB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "left to pack here"));
	/* The split order: each part's warehouse, not Đà Nẵng. */
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "HCM-1", wh_hcm, &next), 0);
	CU_ASSERT_EQUAL(next, sp);
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "HN-1", wh_hn, &next), 0);
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "DN-1", wh_dn, &next), DB_ESTATE);

	/* Claimed at HN, then HCM: the order names the last; HCM's part is held there. */
	CU_ASSERT_STRING_EQUAL(station_of(sp), "");
	pack_init(&p1, &packer, &c_hn);
	pack_init(&p2, &packer, &c_hcm);
	CU_ASSERT(tu_feed(&p1, "TOTE-S", PACK_OK));
	CU_ASSERT_EQUAL(p1.order_id, sp);
	CU_ASSERT_STRING_EQUAL(station_of(sp), "HN-1");
	CU_ASSERT(tu_feed(&p2, "TS", PACK_OK));
	CU_ASSERT_STRING_EQUAL(station_of(sp), "HCM-1");
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "HCM-2", wh_hcm, &next), DB_ESTATE);
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "HCM-1", wh_hcm, &next), 0);
	/* HCM gives its part back: the order names HN's station again. */
	CU_ASSERT(tu_feed(&p2, "CMD:CANCEL-SCAN", PACK_OK));
	CU_ASSERT_STRING_EQUAL(station_of(sp), "HN-1");
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "HCM-2", wh_hcm, &next), 0);
	/* HN packs its part (100 g + box S 40 g): still HN's name, the order PACKING. */
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "WEIGHT 140", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_EQUAL(status_of(sp), ST_PACKING);
	CU_ASSERT_STRING_EQUAL(station_of(sp), "HN-1");
	CU_ASSERT_EQUAL(tote_next(&packer, "TOTE-S", "HN-1", wh_hn, &next), DB_ESTATE);
	/* HCM packs the last part: PACKED, no station holds it any more. */
	CU_ASSERT(tu_feed(&p2, "TS", PACK_OK));
	CU_ASSERT_STRING_EQUAL(station_of(sp), "HCM-1");
	CU_ASSERT(tu_feed(&p2, "SKU-B", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "WEIGHT 140", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_EQUAL(status_of(sp), ST_PACKED);
	CU_ASSERT_STRING_EQUAL(station_of(sp), "");
	pack_free(&p1);
	pack_free(&p2);
	teardown();
}

/* An intake page: upserted without routing, then routed in one batch, the same choices
 * as one at a time (stock taken in the page's order, the short one held). */
static void
test_intake_batch(void)
{
	struct route_batch_stats bs;
	struct order_line_in line = { "SKU-A", 2, 50000 };
	int64_t ids[3];
	int i;

	setup();
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 4, NULL), 0);
	for (i = 0; i < 3; i++) {
		char no[16];
		struct order_in in = { .channel = "shopee", .shop = "S1", .order_no = no,
		    .created_at = clock_now(), .status = ST_CONFIRMED, .currency = "VND",
		    .total = 100000, .buyer_phone = "0901234567", .address = "1 Lê Lợi",
		    .province = "Hà Nội", .lines = &line, .nlines = 1 };

		snprintf(no, sizeof no, "P%d", i);
		CU_ASSERT_EQUAL_FATAL(order_upsert_unrouted(&sys, &in, &ids[i], NULL), 0);
		CU_ASSERT_EQUAL(status_of(ids[i]), ST_CONFIRMED);
	}
	CU_ASSERT_EQUAL(route_batch(&sys, ids, 3, 0, &bs), 0);
	CU_ASSERT_EQUAL(bs.allocated, 2);
	CU_ASSERT_EQUAL(bs.held, 1);
	CU_ASSERT_EQUAL(status_of(ids[0]), ST_ALLOCATED);
	CU_ASSERT_EQUAL(status_of(ids[1]), ST_ALLOCATED);
	CU_ASSERT_EQUAL(status_of(ids[2]), ST_ON_HOLD);
	CU_ASSERT_EQUAL(reserved_in(ids[0], wh_hn), 2);
	CU_ASSERT_EQUAL(reserved_in(ids[1], wh_hn), 2);
	teardown();
}

/* Each order's audit records after mark: "action after" lines. */
static char *
records(int64_t id, int64_t mark)
{
	size_t cap = 4096, n = 0;
	char *t = calloc(1, cap);
	struct db_stmt *st = db_prep(db, "SELECT action, after FROM audit WHERE entity = "
	    "'order' AND entity_id = ? AND id > ? ORDER BY id");

	db_bind_int(st, 1, id);
	db_bind_int(st, 2, mark);
	while (db_step(st) == DB_ROW && n < cap)
		n += (size_t)snprintf(t + n, cap - n, "%s %s\n", db_col_text(st, 0),
		    db_col_text(st, 1));
	db_done(st);
	return t;
}

/* Rules confirming in a batch: the order's row changes status once (NEW to ALLOCATED),
 * its records still say NEW -> CONFIRMED -> ALLOCATED at the versions they make; one
 * short of stock is written CONFIRMED, then held. */
static void
test_batch_rules_once(void)
{
	static const char text[] =
	    "rule \"tag\" priority 1 when true then tag \"auto\"; confirm\n";
	struct route_batch_stats bs;
	int64_t ids[2], v0 = 0, v1 = 0, mark = 0;
	char *r0, *r1;

	setup();
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 2, NULL), 0);
	ids[0] = mk_order("shopee", "L0", "Hà Nội", 2, 0);
	ids[1] = mk_order("shopee", "L1", "Hà Nội", 2, 0);
	CU_ASSERT_EQUAL(db_int(db, &v0, "SELECT version FROM orders WHERE id = ?", "i",
	    ids[0]), 0);
	CU_ASSERT_EQUAL(db_int(db, &v1, "SELECT version FROM orders WHERE id = ?", "i",
	    ids[1]), 0);
	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, text, sizeof text - 1, NULL), 0);
	CU_ASSERT_EQUAL(db_int(db, &mark, "SELECT max(id) FROM audit", ""), 0);
	CU_ASSERT_EQUAL(route_batch(&sup, ids, 2, ROUTE_BATCH_RULES, &bs), 0);
	CU_ASSERT_EQUAL(bs.allocated, 1);
	CU_ASSERT_EQUAL(bs.held, 1);
	CU_ASSERT_EQUAL(status_of(ids[0]), ST_ALLOCATED);
	CU_ASSERT_EQUAL(status_of(ids[1]), ST_ON_HOLD);
	/* tag (v+1), confirm (v+2), allocate or hold (v+3) */
	CU_ASSERT_EQUAL(count("SELECT version FROM orders WHERE id = ?", ids[0]), v0 + 3);
	CU_ASSERT_EQUAL(count("SELECT version FROM orders WHERE id = ?", ids[1]), v1 + 3);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE id = ? AND tags = 'auto'",
	    ids[0]), 1);
	r0 = records(ids[0], mark);
	r1 = records(ids[1], mark);
	CU_ASSERT_PTR_NOT_NULL(strstr(r0, "rule {\"rules\":1,\"rule\":\"tag\",\"action\":"
	    "\"tag \\\"auto\\\"\"}\ntransition {\"status\":\"CONFIRMED\",\"version\":"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r0, "\"reason\":\"rule \\\"tag\\\"\"}\nrule "));
	CU_ASSERT_PTR_NOT_NULL(strstr(r0, "transition {\"status\":\"ALLOCATED\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r1, "transition {\"status\":\"ON_HOLD\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r1, "out of stock: SKU-A 2 missing"));
	free(r0);
	free(r1);
	{
		char msg[256];
		int64_t cnt, bad;

		CU_ASSERT_EQUAL(audit_verify(db, &cnt, &bad, msg, sizeof msg), 0);
		CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	}
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
	CU_add_test(s, "confirmation allocates: a person's, a rule's, the marketplace's",
	    test_confirm_routes);
	CU_add_test(s, "a station claims only its warehouse's orders", test_claim);
	CU_add_test(s, "many orders in one pass", test_batch);
	CU_add_test(s, "the batch's dry run decides, writes nothing", test_batch_dry);
	CU_add_test(s, "a claim allocates from the station's warehouse only",
	    test_claim_elsewhere);
	CU_add_test(s, "totes offer a station only its warehouse's orders; split orders "
	    "name their last station", test_tote_warehouse);
	CU_add_test(s, "an intake page routed in one batch", test_intake_batch);
	CU_add_test(s, "rules confirming in a batch: one status write",
	    test_batch_rules_once);
	return tu_run();
}

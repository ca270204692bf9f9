/*
 * test_sla.c — the SLA aging board with a fixed clock: every bucket edge to the second,
 * the state groups, filters by channel, shop and warehouse, the drill-down order, the
 * refusal of a packer, and the board's queries served by the partial index of open
 * orders (the query plan, on either engine).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/route.h"
#include "core/sla.h"
#include "testutil.h"

#define NOW ((int64_t)TEST_EPOCH)
#define H 3600

static struct db *db;
static char path[256];
static struct session sys, sup, packer;

static int64_t
add(const char *channel, const char *shop, const char *no, enum order_status st,
    int64_t ship_by)
{
	struct order_line_in line = { "SKU-1", 1, 100000 };
	struct order_in in = {
		.channel = channel, .shop = shop, .order_no = no, .created_at = NOW - 30 * H,
		.ship_by = ship_by, .status = st, .currency = "VND", .total = 100000,
		.buyer_name = "Trần Văn An", .province = "Hà Nội", .lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static int
setup(void)
{
	db = tu_db(path);
	/* Orders placed straight into the statuses the board counts, no stock behind them:
	 * allocation at confirmation (route.h) off. */
	route_set_auto(0);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	clock_fix(NOW);
	tu_warehouse(&sys, "HCM");
	tu_sku(&sys, "SKU-1", 0);
	return 0;
}

static int
teardown(void)
{
	route_set_auto(1);
	tu_db_free(db, path);
	return 0;
}

/* Each edge: the second before and the second at it. */
static void
test_edges(void)
{
	static const struct { int64_t left; enum sla_bucket b; } cases[] = {
		{ -86400, SLA_OVERDUE }, { -1, SLA_OVERDUE }, { 0, SLA_UNDER_2H },
		{ 2 * H - 1, SLA_UNDER_2H }, { 2 * H, SLA_2_6H }, { 6 * H - 1, SLA_2_6H },
		{ 6 * H, SLA_6_24H }, { 24 * H - 1, SLA_6_24H }, { 24 * H, SLA_LATER },
		{ 30 * 24 * H, SLA_LATER },
	};
	struct sla_board bd;
	int64_t want[SLA__BUCKETS] = { 0 }, from, to;
	char no[32];
	size_t i;
	int b;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CU_ASSERT_EQUAL(sla_bucket_of(NOW + cases[i].left, NOW), cases[i].b);
		snprintf(no, sizeof no, "E%zu", i);
		add("shopee", "S1", no, ST_CONFIRMED, NOW + cases[i].left);
		want[cases[i].b]++;
	}
	CU_ASSERT_EQUAL(sla_bucket_of(0, NOW), SLA_NO_DEADLINE);
	add("shopee", "S1", "E-none", ST_CONFIRMED, 0);
	want[SLA_NO_DEADLINE]++;
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, NULL, NOW, &bd), 0);
	for (b = 0; b < SLA__BUCKETS; b++) {
		CU_ASSERT_EQUAL(bd.n[SLA_TO_PACK][b], want[b]);
		CU_ASSERT_EQUAL(bd.bucket_total[b], want[b]);
	}
	CU_ASSERT_EQUAL(bd.total, 11);
	/* One second later the order due now is overdue, and the 2 h one is under 2 h. */
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, NULL, NOW + 1, &bd), 0);
	CU_ASSERT_EQUAL(bd.n[SLA_TO_PACK][SLA_OVERDUE], 3);
	CU_ASSERT_EQUAL(bd.n[SLA_TO_PACK][SLA_UNDER_2H], 2);
	sla_bucket_range(SLA_2_6H, NOW, &from, &to);
	CU_ASSERT_EQUAL(from, NOW + 2 * H);
	CU_ASSERT_EQUAL(to, NOW + 6 * H);
	db_run(db, "DELETE FROM order_line", "");
	db_run(db, "DELETE FROM audit", "");
	db_run(db, "DELETE FROM orders", "");
}

static void
test_groups(void)
{
	static const enum order_status st[] = { ST_NEW, ST_ON_HOLD, ST_CONFIRMED, ST_PACKED,
	    ST_SHIPPED, ST_CANCELLED, ST_DELIVERED };
	struct sla_board bd;
	char no[32];
	size_t i;

	CU_ASSERT_EQUAL(sla_group_of(ST_NEW), SLA_TO_CONFIRM);
	CU_ASSERT_EQUAL(sla_group_of(ST_ON_HOLD), SLA_TO_CONFIRM);
	CU_ASSERT_EQUAL(sla_group_of(ST_ALLOCATED), SLA_TO_PACK);
	CU_ASSERT_EQUAL(sla_group_of(ST_PACKING), SLA_TO_PACK);
	CU_ASSERT_EQUAL(sla_group_of(ST_PACKED), SLA_PACKED);
	CU_ASSERT_EQUAL(sla_group_of(ST_SHIPPED), -1);
	for (i = 0; i < sizeof st / sizeof st[0]; i++) {
		snprintf(no, sizeof no, "G%zu", i);
		add("lazada", "L1", no, st[i], NOW + H);
	}
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, NULL, NOW, &bd), 0);
	CU_ASSERT_EQUAL(bd.n[SLA_TO_CONFIRM][SLA_UNDER_2H], 2);
	CU_ASSERT_EQUAL(bd.n[SLA_TO_PACK][SLA_UNDER_2H], 1);
	CU_ASSERT_EQUAL(bd.n[SLA_PACKED][SLA_UNDER_2H], 1);
	CU_ASSERT_EQUAL(bd.total, 4);     /* shipped, cancelled, delivered are not open */
	CU_ASSERT_EQUAL(bd.group_total[SLA_TO_CONFIRM], 2);
}

static void
test_filters_and_drill(void)
{
	struct sla_filter f = { 0 };
	struct sla_board bd;
	struct order_row *rows;
	size_t n;
	int64_t hcm = 0, a, b, c;

	a = add("tiktok", "T1", "F3", ST_NEW, NOW + 3 * H + 5);
	b = add("tiktok", "T1", "F1", ST_NEW, NOW + 3 * H);
	c = add("tiktok", "T2", "F2", ST_CONFIRMED, NOW + 4 * H);
	db_int(db, &hcm, "SELECT id FROM warehouse WHERE code = 'HCM'", "");
	db_run(db, "UPDATE shop SET warehouse_id = ? WHERE shop_code = 'T1'", "i", hcm);

	f.channel = "tiktok";
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, &f, NOW, &bd), 0);
	CU_ASSERT_EQUAL(bd.total, 3);
	CU_ASSERT_EQUAL(bd.n[SLA_TO_CONFIRM][SLA_2_6H], 2);
	CU_ASSERT_EQUAL(bd.n[SLA_TO_PACK][SLA_2_6H], 1);
	f.shop = "T2";
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, &f, NOW, &bd), 0);
	CU_ASSERT_EQUAL(bd.total, 1);
	f.shop = NULL;
	f.channel = NULL;
	f.warehouse = "HCM";
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, &f, NOW, &bd), 0);
	CU_ASSERT_EQUAL(bd.total, 2);
	/* An order allocated elsewhere leaves its shop's warehouse. */
	db_run(db, "UPDATE orders SET warehouse_id = ? WHERE id = ?", "ii", hcm, c);
	CU_ASSERT_EQUAL_FATAL(sla_board(&sup, &f, NOW, &bd), 0);
	CU_ASSERT_EQUAL(bd.total, 3);
	f.warehouse = "NOPE";
	CU_ASSERT_EQUAL(sla_board(&sup, &f, NOW, &bd), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "NOPE"));

	/* Drill-down: most urgent first, only the group asked for. */
	f.warehouse = NULL;
	f.channel = "tiktok";
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, SLA_TO_CONFIRM, SLA_2_6H, NOW, 0, &rows,
	    &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(rows[0].id, b);
	CU_ASSERT_EQUAL(rows[1].id, a);
	free(rows);
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, -1, SLA_2_6H, NOW, 0, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(rows[2].id, c);
	free(rows);
	f.shop = "T2";
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, -1, SLA_2_6H, NOW, 0, &rows, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(rows[0].id, c);
	free(rows);
	f.shop = NULL;
	f.channel = NULL;
	f.warehouse = "HCM";        /* T1's two by their shop, T2's by its allocation */
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, -1, SLA_2_6H, NOW, 0, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	free(rows);
	f.warehouse = NULL;
	f.channel = "tiktok";
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, -1, SLA_2_6H, NOW, 1, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(rows);
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, -1, SLA_OVERDUE, NOW, 0, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(rows);
	/* Four hours on, all three are overdue or nearly. */
	CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, &f, -1, SLA_OVERDUE, NOW + 4 * H, 0, &rows, &n),
	    0);
	CU_ASSERT_EQUAL(n, 2);
	free(rows);
}

static void
test_role(void)
{
	struct sla_board bd;
	struct order_row *rows = NULL;
	size_t n;

	CU_ASSERT_EQUAL(sla_board(&packer, NULL, NOW, &bd), DB_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "supervisor"));
	CU_ASSERT_EQUAL(bd.total, 0);
	CU_ASSERT_EQUAL(sla_orders(&packer, NULL, -1, SLA_OVERDUE, NOW, 0, &rows, &n), DB_EPERM);
	CU_ASSERT_PTR_NULL(rows);
	CU_ASSERT_STRING_EQUAL(sla_bucket_name(SLA_2_6H), "2-6h");
	CU_ASSERT_STRING_EQUAL(sla_group_name(SLA_PACKED), "packed");
}

/*
 * A page of the drill-down is the first rows of the whole list, whatever the group and
 * filters, with deadlines tied across the page's end (the page is narrowed to end just
 * after its last deadline, sla.c narrow()).
 */
static void
test_page(void)
{
	static const struct sla_filter shopee = { .channel = "shopee" };
	static const struct sla_filter hcm = { .warehouse = "HCM" };
	const struct sla_filter *fs[] = { NULL, &shopee, &hcm };
	struct order_row *all, *page;
	size_t na, np, i;
	int k, g, lim;
	char no[32];

	for (k = 0; k < 60; k++) {
		snprintf(no, sizeof no, "PG-%d", k);
		/* Three orders share each deadline, two days out and more. */
		add(k % 2 ? "shopee" : "lazada", k % 2 ? "S1" : "L1", no, k % 3 == 0 ? ST_NEW :
		    k % 3 == 1 ? ST_CONFIRMED : ST_PACKED, NOW + 48 * H + (k / 3) * 60);
	}
	for (k = 0; k < 3; k++)
		for (g = -1; g < SLA__GROUPS; g++)
			for (lim = 1; lim <= 25; lim += 4) {
				CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, fs[k], g, SLA_LATER, NOW, 0,
				    &all, &na), 0);
				CU_ASSERT_EQUAL_FATAL(sla_orders(&sup, fs[k], g, SLA_LATER, NOW, lim,
				    &page, &np), 0);
				CU_ASSERT_EQUAL(np, na < (size_t)lim ? na : (size_t)lim);
				for (i = 0; i < np && i < na; i++)
					CU_ASSERT_EQUAL(page[i].id, all[i].id);
				free(all);
				free(page);
			}
}

/*
 * Whether the plan of sql uses the index orders_open, and (sorted) whether it also sorts
 * in a temporary structure. SQLite: EXPLAIN QUERY PLAN's detail column ("USE TEMP
 * B-TREE" for a sort). PostgreSQL: EXPLAIN's lines ("Sort" node), planned with
 * sequential scans disabled, since a test table of a few dozen rows is cheaper read
 * whole: what is checked is that the partial index can serve the query at all, and in
 * the order it asks for.
 */
static int
plan_uses_open(const char *sql, int *sorted)
{
	int pg = strcmp(db_engine(db), "postgresql") == 0;
	struct db_stmt *st;
	char q[1024];
	const char *line;
	int used = 0;

	*sorted = 0;
	if (pg)
		CU_ASSERT_EQUAL_FATAL(db_exec(db, "SET enable_seqscan = off"), 0);
	snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
	st = db_prep(db, q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	while (db_step(st) == DB_ROW) {
		line = db_col_text(st, pg ? 0 : 3);
		if (strstr(line, "orders_open") != NULL)
			used = 1;
		if (strstr(line, pg ? "Sort" : "TEMP B-TREE") != NULL)
			*sorted = 1;
	}
	db_done(st);
	if (pg)
		CU_ASSERT_EQUAL(db_exec(db, "RESET enable_seqscan"), 0);
	return used;
}

/* The board's count comes from the partial index of open orders, not the table. */
static void
test_plan(void)
{
	int sorted;

	CU_ASSERT(plan_uses_open("SELECT o.status, count(*) FROM orders o WHERE "
	    "status IN ('NEW', 'CONFIRMED', 'ON_HOLD', 'ALLOCATED', 'PACKING', 'PACKED') "
	    "GROUP BY o.status", &sorted));
	/* The drill-down's page end reads each status's first deadlines in index order. */
	CU_ASSERT(plan_uses_open("SELECT o.ship_by FROM orders o WHERE "
	    "status IN ('NEW', 'CONFIRMED', 'ON_HOLD', 'ALLOCATED', 'PACKING', 'PACKED') AND "
	    "o.status = 'NEW' AND o.ship_by >= 1 AND o.ship_by < 2 AND o.shop_id IN (1, 3) "
	    "ORDER BY o.ship_by LIMIT 200", &sorted));
	CU_ASSERT_FALSE(sorted);
	/* And the check can fail: closed orders are not in the index. */
	CU_ASSERT_FALSE(plan_uses_open("SELECT o.ship_by FROM orders o WHERE "
	    "o.status = 'SHIPPED' ORDER BY o.ship_by", &sorted));
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sla", setup, teardown);
	CU_add_test(s, "bucket edges", test_edges);
	CU_add_test(s, "state groups", test_groups);
	CU_add_test(s, "filters and drill-down", test_filters_and_drill);
	CU_add_test(s, "role", test_role);
	CU_add_test(s, "plan", test_plan);
	CU_add_test(s, "a drill-down page", test_page);
	return tu_run();
}

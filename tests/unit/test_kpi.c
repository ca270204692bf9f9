/*
 * test_kpi.c — the KPIs of a week of fixture orders, every number worked out by hand
 * (T0 = 2025-12-01 08:00 UTC; SKU-1 costs 60,000 and sells at 100,000; packing 2,000 a
 * parcel):
 *   O1 shopee, COD, Hà Nội: paid T0, packed +2 h (1 of 1 unit), handed +4 h (deadline
 *      +24 h), delivered +52 h; fees 4,000, shipping 20,000 - 15,000 paid by the buyer.
 *   O2 shopee, prepaid: paid T0+1 h, packed +3 h, handed +5 h, after its deadline (+2 h);
 *      delivered +53 h, then returned by the buyer (received straight at the station).
 *   O3 lazada, COD, Hà Nội, 2 units: paid T0+24 h, packed +2 h with 1 unit scanned,
 *      handed +6 h; refused at the door (SHIPPED -> RETURNING).
 *   O4 lazada: cancelled by a supervisor, "out of stock".  O5 shopee: cancelled by the
 *      marketplace (the system).  O6 shopee: cancelled by a supervisor, "suspected fraud".
 * Expected: 6 orders; OTIF 1 of 3 shipped; cancels 4 of 6 (1 out of stock, 1 buyer,
 * 1 seller, 1 failed delivery); returns 1 of 2 delivered; lead times 7/3 h, 8/3 h, 48 h;
 * cost per order (11,000 + 2,000 + 2,000) / 3; gross profit 31,000 + 40,000 + 80,000;
 * packer lan 2 parcels in 2 hours with 1 lock, minh 1 in 1; Hà Nội 1 COD refusal of 2;
 * COGS 240,000 over a stock of 50,000 (SKU-2, never sold: dead stock): turnover 4.80.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/kpi.h"
#include "core/order.h"
#include "testutil.h"
#include "ui/vm_kpi.h"

#define T0 ((int64_t)TEST_EPOCH + 8 * 3600)
#define H 3600

static struct db *db;
static char path[256];
static struct session sys, sup;
static int64_t o[7];
static int failed;

/* setup() cannot assert: a failure there fails the suite. */
#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); failed = 1; } } while (0)

static int64_t
add(int i, const char *channel, const char *shop, int64_t created, int64_t ship_by,
    int64_t qty, int64_t cod)
{
	struct order_line_in line = { "SKU-1", qty, 100000 };
	char no[8];
	struct order_in in = {
		.channel = channel, .shop = shop, .order_no = no, .created_at = created,
		.ship_by = ship_by, .status = ST_NEW, .currency = "VND", .total = qty * 100000,
		.cod = cod, .buyer_name = "An", .province = "Hà Nội", .lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	snprintf(no, sizeof no, "O%d", i);
	clock_fix(created);
	CHECK(order_upsert(&sys, &in, &id, NULL) == 0);
	return id;
}

/* A transition as the order engine audits it, at time at by user. */
static void
ev(int64_t id, const char *from, const char *to, int64_t at, const char *user)
{
	struct session s = sys;
	char before[64], after[64];

	snprintf(s.user, sizeof s.user, "%s", user);
	snprintf(before, sizeof before, "{\"status\":\"%s\"}", from);
	snprintf(after, sizeof after, "{\"status\":\"%s\"}", to);
	clock_fix(at);
	CHECK(db_begin(db) == 0);
	CHECK(audit_log(&s, "order", id, "transition", before, after) == 0);
	CHECK(db_commit(db) == 0);
}

static void
scan(int64_t id, int64_t qty, int64_t at)
{
	db_run(db, "INSERT INTO pack_scan(order_id, order_line_id, pkg_no, qty, code, station, "
	    "user_name, at) SELECT ?, id, 1, ?, 'SKU-1', 'ST1', 'x', ? FROM order_line "
	    "WHERE order_id = ?", "iiii", id, qty, at, id);
}

static void
parcel(int64_t id, const char *user, int64_t at)
{
	db_run(db, "INSERT INTO package(order_id, created_at, user_name) VALUES (?, ?, ?)",
	    "iis", id, at, user);
}

static void
fee(int64_t id, const char *type, int64_t amount)
{
	db_run(db, "INSERT INTO settlement_fee(shop_id, order_id, fee_type, amount, currency, "
	    "final, fetched_at) SELECT shop_id, id, ?, ?, 'VND', 1, 0 FROM orders WHERE id = ?",
	    "sii", type, amount, id);
}

static int
setup(void)
{
	int64_t sku2, wh, lot;
	struct session lan;

	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	clock_fix(T0);
	wh = tu_warehouse(&sys, "HCM");
	tu_sku(&sys, "SKU-1", 0);
	sku2 = tu_sku(&sys, "SKU-2", 0);
	db_run(db, "UPDATE sku SET cost = 60000 WHERE sku = 'SKU-1'", "");
	db_run(db, "UPDATE sku SET cost = 10000 WHERE sku = 'SKU-2'", "");
	db_run(db, "INSERT INTO lot(sku_id, lot_code, received_at) VALUES (?, '', ?)", "ii",
	    sku2, T0 - 10 * 86400);
	lot = db_last_id(db);
	db_run(db, "INSERT INTO stock_move(at, kind, warehouse_id, sku_id, lot_id, d_on_hand, "
	    "d_reserved) VALUES (?, 'receive', ?, ?, ?, 5, 0)", "iiii", T0 - 10 * 86400, wh,
	    sku2, lot);
	db_run(db, "INSERT INTO stock_level(warehouse_id, sku_id, lot_id, on_hand) "
	    "VALUES (?, ?, ?, 5)", "iii", wh, sku2, lot);

	o[1] = add(1, "shopee", "S1", T0, T0 + 24 * H, 1, 100000);
	o[2] = add(2, "shopee", "S1", T0 + H, T0 + 3 * H, 1, 0);
	o[3] = add(3, "lazada", "L1", T0 + 24 * H, T0 + 48 * H, 2, 200000);
	o[4] = add(4, "lazada", "L1", T0 + 25 * H, 0, 1, 0);
	o[5] = add(5, "shopee", "S1", T0 + 48 * H, 0, 1, 0);
	o[6] = add(6, "shopee", "S1", T0 + 49 * H, 0, 1, 0);

	scan(o[1], 1, T0 + 2 * H);
	ev(o[1], "PACKING", "PACKED", T0 + 2 * H, "lan");
	parcel(o[1], "lan", T0 + 2 * H);
	ev(o[1], "PACKED", "SHIPPED", T0 + 4 * H, "lan");
	ev(o[1], "SHIPPED", "DELIVERED", T0 + 52 * H, "system");
	fee(o[1], "commission_fee", -4000);
	fee(o[1], "actual_shipping_fee", -20000);
	fee(o[1], "buyer_paid_shipping_fee", 15000);
	fee(o[1], "escrow_amount", 91000);

	scan(o[2], 1, T0 + 4 * H);
	ev(o[2], "PACKING", "PACKED", T0 + 4 * H, "lan");
	parcel(o[2], "lan", T0 + 4 * H);
	ev(o[2], "PACKED", "SHIPPED", T0 + 6 * H, "lan");
	ev(o[2], "SHIPPED", "DELIVERED", T0 + 54 * H, "system");
	ev(o[2], "DELIVERED", "RETURNED", T0 + 80 * H, "lan");   /* received at the station */

	scan(o[3], 1, T0 + 26 * H);
	ev(o[3], "PACKING", "PACKED", T0 + 26 * H, "minh");
	parcel(o[3], "minh", T0 + 26 * H);
	ev(o[3], "PACKED", "SHIPPED", T0 + 30 * H, "minh");
	ev(o[3], "SHIPPED", "RETURNING", T0 + 60 * H, "system");

	/* One error lock by lan, as the pack flow audits it. */
	lan = sys;
	snprintf(lan.user, sizeof lan.user, "lan");
	clock_fix(T0 + 3 * H);
	db_begin(db);
	audit_log(&lan, "order", o[2], "lock", "", "{\"lock\":\"weight\"}");
	db_commit(db);

	/* The cancels through the order engine itself. */
	clock_fix(T0 + 26 * H);
	CHECK(order_transition(&sup, o[4], 0, ST_CANCELLED, "out of stock") == 0);
	clock_fix(T0 + 50 * H);
	CHECK(order_transition(&sys, o[5], 0, ST_CANCELLED, "update") == 0);
	CHECK(order_transition(&sup, o[6], 0, ST_CANCELLED, "suspected fraud") == 0);
	clock_fix(T0 + 7 * 24 * H);
	return failed;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static void
test_causes(void)
{
	CU_ASSERT_EQUAL(kpi_cancel_cause("out of stock", "NEW", "sup"), KPI_OUT_OF_STOCK);
	CU_ASSERT_EQUAL(kpi_cancel_cause("buyer asked to cancel", "NEW", "sup"), KPI_BUYER);
	CU_ASSERT_EQUAL(kpi_cancel_cause("update", "CONFIRMED", "system"), KPI_BUYER);
	CU_ASSERT_EQUAL(kpi_cancel_cause("address undeliverable", "NEW", "sup"),
	    KPI_FAILED_DELIVERY);
	CU_ASSERT_EQUAL(kpi_cancel_cause("duplicate order", "NEW", "sup"), KPI_SELLER);
}

static void
test_week(void)
{
	struct recon_fees f;
	struct kpi_opts ko = { .from = T0 - 8 * H, .to = T0 - 8 * H + 7 * 86400,
	    .by = KPI_BY_CHANNEL, .fees = &f };
	struct kpi_report r;
	const struct kpi_row *t = &r.total;
	struct session pk;
	size_t i;

	recon_fees_init(&f);
	f.packing_cost = 2000;
	tu_session(&pk, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(kpi_run(&pk, &ko, &r), DB_EPERM);
	CU_ASSERT_EQUAL_FATAL(kpi_run(&sup, &ko, &r), 0);
	CU_ASSERT_EQUAL(t->orders, 6);
	CU_ASSERT_EQUAL(t->shipped, 3);
	CU_ASSERT_EQUAL(t->otif, 1);
	CU_ASSERT_EQUAL(t->cancels, 4);
	CU_ASSERT_EQUAL(t->cause[KPI_OUT_OF_STOCK], 1);
	CU_ASSERT_EQUAL(t->cause[KPI_BUYER], 1);
	CU_ASSERT_EQUAL(t->cause[KPI_SELLER], 1);
	CU_ASSERT_EQUAL(t->cause[KPI_FAILED_DELIVERY], 1);
	CU_ASSERT_EQUAL(t->delivered, 2);
	CU_ASSERT_EQUAL(t->returned, 1);
	CU_ASSERT_EQUAL(t->lead_n[KPI_PAID_PACKED], 3);
	CU_ASSERT_EQUAL(t->lead_s[KPI_PAID_PACKED], 7 * H);
	CU_ASSERT_EQUAL(t->lead_n[KPI_PACKED_HANDED], 3);
	CU_ASSERT_EQUAL(t->lead_s[KPI_PACKED_HANDED], 8 * H);
	CU_ASSERT_EQUAL(t->lead_n[KPI_HANDED_DELIVERED], 2);
	CU_ASSERT_EQUAL(t->lead_s[KPI_HANDED_DELIVERED], 96 * H);
	CU_ASSERT_EQUAL(t->cost_n, 3);
	CU_ASSERT_EQUAL(t->cost, 15000);
	CU_ASSERT_EQUAL(t->revenue, 400000);
	CU_ASSERT_EQUAL(t->profit, 151000);
	/* By channel: lazada (O3, O4) before shopee (O1, O2, O5, O6). */
	CU_ASSERT_EQUAL_FATAL(r.nrows, 2);
	CU_ASSERT_STRING_EQUAL(r.rows[0].key, "lazada");
	CU_ASSERT_EQUAL(r.rows[0].orders, 2);
	CU_ASSERT_EQUAL(r.rows[0].otif, 0);
	CU_ASSERT_EQUAL(r.rows[1].orders, 4);
	CU_ASSERT_EQUAL(r.rows[1].otif, 1);
	/* Packers. */
	CU_ASSERT_EQUAL_FATAL(r.npackers, 2);
	CU_ASSERT_STRING_EQUAL(r.packers[0].user, "lan");
	CU_ASSERT_EQUAL(r.packers[0].parcels, 2);
	CU_ASSERT_EQUAL(r.packers[0].hours, 2);
	CU_ASSERT_EQUAL(r.packers[0].locks, 1);
	CU_ASSERT_STRING_EQUAL(r.packers[1].user, "minh");
	CU_ASSERT_EQUAL(r.packers[1].parcels, 1);
	CU_ASSERT_EQUAL(r.packers[1].hours, 1);
	CU_ASSERT_EQUAL(r.packers[1].locks, 0);
	/* COD refusals by province. */
	CU_ASSERT_EQUAL_FATAL(r.nprovinces, 1);
	CU_ASSERT_STRING_EQUAL(r.provinces[0].province, "Hà Nội");
	CU_ASSERT_EQUAL(r.provinces[0].cod_shipped, 2);
	CU_ASSERT_EQUAL(r.provinces[0].refused, 1);
	/* Gross profit by SKU and channel. */
	CU_ASSERT_EQUAL_FATAL(r.nprofit, 2);
	for (i = 0; i < 2; i++)
		CU_ASSERT_STRING_EQUAL(r.profit[i].sku, "SKU-1");
	CU_ASSERT_STRING_EQUAL(r.profit[0].channel, "shopee");
	CU_ASSERT_EQUAL(r.profit[0].units, 2);
	CU_ASSERT_EQUAL(r.profit[0].revenue, 200000);
	CU_ASSERT_EQUAL(r.profit[0].cost, 120000);
	CU_ASSERT_EQUAL(r.profit[0].fees, 4000);
	CU_ASSERT_EQUAL(r.profit[0].shipping, 5000);
	CU_ASSERT_EQUAL(r.profit[0].profit, 71000);
	CU_ASSERT_STRING_EQUAL(r.profit[1].channel, "lazada");
	CU_ASSERT_EQUAL(r.profit[1].profit, 80000);
	/* Turnover and dead stock. */
	CU_ASSERT_EQUAL(r.cogs, 240000);
	CU_ASSERT_EQUAL(r.stock_start, 50000);
	CU_ASSERT_EQUAL(r.stock_end, 50000);
	CU_ASSERT_EQUAL(r.turnover_x100, 480);
	CU_ASSERT_EQUAL_FATAL(r.ndead, 1);
	CU_ASSERT_STRING_EQUAL(r.dead[0].sku, "SKU-2");
	CU_ASSERT_EQUAL(r.dead[0].on_hand, 5);
	CU_ASSERT_EQUAL(r.dead[0].value, 50000);
	kpi_report_free(&r);

	/* By day in Viet Nam (+07:00): O1, O2 on 12-01; O3, O4 on 12-02; O5, O6 on 12-03. */
	ko.by = KPI_BY_DAY;
	ko.utc_offset_s = 7 * H;
	CU_ASSERT_EQUAL_FATAL(kpi_run(&sup, &ko, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r.nrows, 3);
	CU_ASSERT_STRING_EQUAL(r.rows[0].key, "2025-12-01");
	CU_ASSERT_EQUAL(r.rows[0].orders, 2);
	CU_ASSERT_STRING_EQUAL(r.rows[2].key, "2025-12-03");
	CU_ASSERT_EQUAL(r.rows[2].cancels, 2);
	kpi_report_free(&r);
	/* By week: all in the week of Monday 2025-12-01. */
	ko.by = KPI_BY_WEEK;
	CU_ASSERT_EQUAL_FATAL(kpi_run(&sup, &ko, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r.nrows, 1);
	CU_ASSERT_STRING_EQUAL(r.rows[0].key, "2025-12-01");
	CU_ASSERT_EQUAL(r.rows[0].orders, 6);
	kpi_report_free(&r);
	recon_fees_free(&f);
}

/* The KPI screen's charts and its layout at 80x24 over the same week. */
static void
test_screen(void)
{
	static const int64_t v[] = { 0, 1, 2, 4 };
	struct vm_kpi vm;
	struct vm_screen scr;
	char buf[256];
	int y, found = 0;

	vm_kpi_spark(buf, sizeof buf, v, 4, 1);
	CU_ASSERT_STRING_EQUAL(buf, " :=#");
	vm_kpi_spark(buf, sizeof buf, v + 2, 2, 0);
	CU_ASSERT_STRING_EQUAL(buf, "▅█");
	vm_kpi_bar(buf, sizeof buf, 4, 8, 10, 1);
	CU_ASSERT_STRING_EQUAL(buf, "#####");
	vm_kpi_bar(buf, sizeof buf, 1, 8, 10, 0);
	CU_ASSERT_STRING_EQUAL(buf, "█▎");
	vm_kpi_bar(buf, sizeof buf, 0, 8, 10, 0);
	CU_ASSERT_STRING_EQUAL(buf, "");

	vm_kpi_init(&vm, &sup, T0 + 3 * 86400, 7 * H);
	vm.ascii = 1;
	CU_ASSERT_EQUAL_FATAL(vm.loaded, 1);
	vm_screen_init(&scr, 24, 80, ROLE_NORMAL);
	vm_kpi_render(&vm, &scr);
	if (getenv("KPI_SHOW") != NULL) {
		for (y = 0; y < 24; y++) {
			vm_screen_row(&scr, y, buf, sizeof buf);
			printf("|%s|\n", buf);
		}
	}
	vm_screen_row(&scr, 0, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "KPIs  last 14 days"));
	vm_screen_row(&scr, 2, buf, sizeof buf);
	/* No packing cost on the screen: (4,000 + 5,000) / 3 shipped. */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Orders 6  OTIF 33.3%  Cancel 66.7%  Return 50.0%"));
	vm_screen_row(&scr, 3, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Cost/order 3,000  Gross profit 151,000"));
	vm_screen_row(&scr, 4, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "paid 2.3h packed 2.7h handed over 48.0h delivered"));
	/* Orders per day over the last 14 days: 2, 2, 2 and then nothing (3 days ago). */
	vm_screen_row(&scr, 6, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "###     "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "max 2"));
	for (y = 9; y < 24; y++) {
		vm_screen_row(&scr, y, buf, sizeof buf);
		if (strstr(buf, "out of stock") != NULL)
			found += strstr(buf, "# 1") != NULL;
		if (strstr(buf, "lan") != NULL)
			found += strstr(buf, "1.0 (50.0%)") != NULL;
		found += strstr(buf, "  1/2 50.0%") != NULL;   /* Hà Nội */
	}
	CU_ASSERT_EQUAL(found, 3);
	vm_screen_free(&scr);
	CU_ASSERT_EQUAL(vm_kpi_key(&vm, '+'), VM_REDRAW);
	CU_ASSERT_EQUAL(vm.days, 30);
	CU_ASSERT_EQUAL(vm_kpi_key(&vm, '-'), VM_REDRAW);
	CU_ASSERT_EQUAL(vm.days, 14);
	CU_ASSERT_EQUAL(vm_kpi_key(&vm, VK_TAB), VM_SWITCH);
	CU_ASSERT_EQUAL(vm_kpi_key(&vm, VK_ESC), VM_DONE);
	vm_kpi_free(&vm);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kpi", setup, teardown);
	CU_add_test(s, "cancel causes", test_causes);
	CU_add_test(s, "a week of orders", test_week);
	CU_add_test(s, "the KPI screen", test_screen);
	return tu_run();
}

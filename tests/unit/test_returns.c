/*
 * test_returns.c — returns (RMA) against answers worked out by hand.
 *
 * Fixture: SKU A is lot-tracked, lot L1 (1 unit, expires first) and L2 (5 units); SKU B is
 * not (4 units, barcode 8930000000019). Order R-1 of 3 A and 2 B ships A 1 from L1 and 2
 * from L2 (FEFO), B 2. After it: A L1 0, L2 3; B 2.
 *
 * Return 1: A resalable (no lot named: L1 first), A damaged (L2), B missing, costs 15000
 * and 5000. Stock: A L1 1, L2 3 (came back, written off), B 2. Ledger of the order: three
 * 'return' +1 and two 'writeoff' -1. 2 of 5 units left: PART_RETURNED.
 * Return 2: A resalable of lot L2, B wrong item (by barcode). Stock: L1 1, L2 4, B 2. All
 * back: RETURNED. A third return of A is refused and changes nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vmutil.h"

#include "core/audit.h"
#include "core/clock.h"
#include "core/order.h"
#include "core/returns.h"
#include "core/stock.h"
#include "ui/vm_returns.h"

#define DAY 86400

static struct db *db;
static char path[256];
static struct session sys, packer, sup;
static int64_t wh, sku_a, sku_b;

static int64_t
count(const char *sql, int64_t arg)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL_FATAL(db_int(db, &n, sql, "i", arg), 0);
	return n;
}

static int64_t
lot_on_hand(int64_t sku, const char *lot)
{
	int64_t n = 0;

	db_int(db, &n, "SELECT l.on_hand FROM stock_level l JOIN lot t ON t.id = l.lot_id "
	    "WHERE l.sku_id = ? AND t.lot_code = ?", "is", sku, lot);
	return n;
}

static enum order_status
status_of(int64_t id)
{
	struct order *o = NULL;
	enum order_status st;

	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id, &o), 0);
	st = o->status;
	order_free(o);
	return st;
}

/* Order no of 3 A and 2 B, taken to SHIPPED; returns its id. */
static int64_t
shipped_order(const char *no)
{
	static const struct order_line_in lines[] = {
		{ "A", 3, 50000 }, { "B", 2, 20000 },
	};
	struct order_in in = {
		.channel = "manual", .shop = "T", .order_no = no, .created_at = TEST_EPOCH,
		.status = ST_CONFIRMED, .currency = "VND", .total = 190000, .lines = lines,
		.nlines = 2,
	};
	int64_t id = 0;

	/* Arriving confirmed, it is allocated at once (route.h). */
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_PACKING, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_PACKED, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_SHIPPED, NULL), 0);
	return id;
}

static void
setup(void)
{
	db = tu_db(path);
	clock_fix(TEST_EPOCH);
	session_system(&sys, db, "T1");
	tu_session(&packer, db, ROLE_PACKER);
	tu_session(&sup, db, ROLE_SUPERVISOR);
	wh = tu_warehouse(&sys, "HCM");
	sku_a = tu_sku(&sys, "A", 1);
	sku_b = tu_sku(&sys, "B", 0);
	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO barcode(code, sku_id) VALUES "
	    "('8930000000019', ?)", "i", sku_b), 0);
	CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, sku_a, "L1", TEST_EPOCH + 90 * DAY, 1,
	    NULL), 0);
	CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, sku_a, "L2", TEST_EPOCH + 180 * DAY, 5,
	    NULL), 0);
	CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, sku_b, "", 0, 4, NULL), 0);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
}

static void
test_mixed_then_rest(void)
{
	struct returns_item r1[] = {
		{ "A", NULL, 1, RET_RESALABLE, "changed_mind" },
		{ "A", NULL, 1, RET_DAMAGED, "transit_damage" },
		{ "B", NULL, 1, RET_MISSING, "other" },
	};
	struct returns_item r2[] = {
		{ "A", "L2", 1, RET_RESALABLE, "defective" },
		{ "8930000000019", NULL, 1, RET_WRONG_ITEM, "not_as_described" },
	};
	struct returns_item r3[] = { { "A", NULL, 1, RET_RESALABLE, "other" } };
	struct returns_in in = { 0 };
	struct returns_unit *u;
	int64_t id, rma = 0, audits, moves, ship = 0, handling = 0, bad = 0;
	char msg[200];
	size_t n;

	setup();
	id = shipped_order("R-1");
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L1"), 0);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L2"), 3);
	CU_ASSERT_EQUAL(lot_on_hand(sku_b, ""), 2);
	CU_ASSERT_EQUAL_FATAL(returns_units(&packer, id, &u, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(u[0].lot, "L1");
	CU_ASSERT_EQUAL(u[0].shipped, 1);
	CU_ASSERT_STRING_EQUAL(u[1].lot, "L2");
	CU_ASSERT_EQUAL(u[1].shipped, 2);
	CU_ASSERT_STRING_EQUAL(u[2].sku, "B");
	CU_ASSERT_EQUAL(u[2].shipped, 2);
	free(u);

	audits = count("SELECT count(*) FROM audit WHERE id > ?", 0);
	in.order_id = id;
	in.items = r1;
	in.nitems = 3;
	in.ship_cost = 15000;
	in.handling_cost = 5000;
	CU_ASSERT_EQUAL_FATAL(returns_receive(&packer, &in, &rma), 0);
	CU_ASSERT(rma > 0);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L1"), 1);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L2"), 3);
	CU_ASSERT_EQUAL(lot_on_hand(sku_b, ""), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE order_id = ? AND "
	    "kind = 'return' AND d_on_hand = 1", id), 3);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE order_id = ? AND "
	    "kind = 'writeoff' AND d_on_hand = -1", id), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move m JOIN lot l ON l.id = "
	    "m.lot_id WHERE m.order_id = ? AND m.kind = 'writeoff' AND l.lot_code = 'L2'", id),
	    1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM rma_unit WHERE rma_id = ?", rma), 3);
	/* 5 movements, the return opened and received, the order's transition. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE id > ?", 0) - audits, 8);
	db_int(db, &ship, "SELECT ship_cost FROM rma WHERE id = ?", "i", rma);
	db_int(db, &handling, "SELECT handling_cost FROM rma WHERE id = ?", "i", rma);
	CU_ASSERT_EQUAL(ship, 15000);
	CU_ASSERT_EQUAL(handling, 5000);
	CU_ASSERT_EQUAL(status_of(id), ST_PART_RETURNED);

	in.items = r2;
	in.nitems = 2;
	in.ship_cost = in.handling_cost = 0;
	CU_ASSERT_EQUAL_FATAL(returns_receive(&packer, &in, NULL), 0);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L1"), 1);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L2"), 4);
	CU_ASSERT_EQUAL(lot_on_hand(sku_b, ""), 2);
	CU_ASSERT_EQUAL(status_of(id), ST_RETURNED);

	/* Every unit is back: a third return of A is refused, nothing written. */
	moves = count("SELECT count(*) FROM stock_move WHERE id > ?", 0);
	audits = count("SELECT count(*) FROM audit WHERE id > ?", 0);
	in.items = r3;
	in.nitems = 1;
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "RETURNED"));
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE id > ?", 0), moves);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE id > ?", 0), audits);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(audit_verify(db, &audits, &bad, msg, sizeof msg), 0);
	teardown();
}

/* A unit returned twice is refused, and the whole receipt with it. */
static void
test_twice_refused(void)
{
	struct returns_item once[] = { { "B", NULL, 2, RET_RESALABLE, "changed_mind" } };
	struct returns_item again[] = {
		{ "A", NULL, 1, RET_RESALABLE, "changed_mind" },
		{ "B", NULL, 1, RET_RESALABLE, "changed_mind" },
	};
	struct returns_in in = { 0 };
	int64_t id, moves;

	setup();
	id = shipped_order("R-2");
	in.order_id = id;
	in.items = once;
	in.nitems = 1;
	CU_ASSERT_EQUAL_FATAL(returns_receive(&packer, &in, NULL), 0);
	CU_ASSERT_EQUAL(lot_on_hand(sku_b, ""), 4);
	CU_ASSERT_EQUAL(status_of(id), ST_PART_RETURNED);
	moves = count("SELECT count(*) FROM stock_move WHERE id > ?", 0);
	in.items = again;
	in.nitems = 2;
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "0 units of it left"));
	CU_ASSERT_PTR_NULL(strchr(packer.err, '\n'));
	/* A's unit, first in the receipt, went back out with it. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE id > ?", 0), moves);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L1"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM rma WHERE status = 'open' AND id > ?", 0),
	    0);
	CU_ASSERT_EQUAL(status_of(id), ST_PART_RETURNED);
	teardown();
}

/* Bad scans and bad items: one clear line each, nothing written. */
static void
test_bad_input(void)
{
	struct returns_item item = { "A", NULL, 1, RET_RESALABLE, "changed_mind" };
	struct returns_in in = { 0 };
	int64_t id, other, rma, audits;
	static const struct order_line_in line = { "A", 1, 50000 };
	struct order_in o = {
		.channel = "manual", .shop = "T", .order_no = "R-NEW", .created_at = TEST_EPOCH,
		.status = ST_CONFIRMED, .currency = "VND", .total = 50000, .lines = &line,
		.nlines = 1,
	};

	setup();
	id = shipped_order("R-3");
	CU_ASSERT_EQUAL(returns_find(&packer, "NOPE-9", &other, &rma), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "'NOPE-9'"));
	CU_ASSERT_EQUAL(returns_find(&packer, "", &other, &rma), DB_EINVAL);
	CU_ASSERT_EQUAL(returns_find(&packer, "R-3", &other, &rma), 0);
	CU_ASSERT_EQUAL(other, id);
	CU_ASSERT_EQUAL(rma, 0);

	audits = count("SELECT count(*) FROM audit WHERE id > ?", 0);
	in.order_id = id;
	in.items = &item;
	in.nitems = 1;
	item.sku = "ZZZ";
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "'ZZZ' is no SKU or barcode"));
	item.sku = "A";
	item.reason = "because";
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "unknown reason 'because'"));
	item.reason = "other";
	item.lot = "L9";
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "shipped no A of lot L9"));
	item.lot = NULL;
	item.qty = 0;
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_EINVAL);
	item.qty = 1;
	in.ship_cost = -1;
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_EINVAL);
	in.ship_cost = 0;
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE id > ?", 0), audits);

	/* An order that never shipped has no return. */
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &o, &other, NULL), 0);
	in.order_id = other;
	CU_ASSERT_EQUAL(returns_receive(&packer, &in, NULL), DB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "only a shipped order"));
	/* Without a role, nothing. */
	{
		struct session none;

		tu_session(&none, db, ROLE_NONE);
		in.order_id = id;
		CU_ASSERT_EQUAL(returns_receive(&none, &in, NULL), DB_EPERM);
	}
	teardown();
}

/* Open returns older than N days: announced, started and not finished, RETURNING. */
static void
test_open_list(void)
{
	struct returns_item item = { "B", NULL, 1, RET_RESALABLE, "changed_mind" };
	struct returns_in in = { 0 };
	struct returns_row *rows;
	int64_t a, b, c, rma = 0, got = 0, open_id = 0;
	size_t n;

	setup();
	CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, sku_a, "L2", 0, 10, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, sku_b, "", 0, 10, NULL), 0);
	a = shipped_order("R-A");
	b = shipped_order("R-B");
	CU_ASSERT_EQUAL_FATAL(returns_open(&sys, a, "marketplace", "RMA-77", &rma), 0);
	clock_advance(2 * DAY);
	CU_ASSERT_EQUAL_FATAL(returns_open(&packer, b, "station", NULL, &open_id), 0);
	clock_advance(DAY);
	c = shipped_order("R-C");
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, c, 0, ST_RETURNING, NULL), 0);
	clock_advance(8 * DAY);

	CU_ASSERT_EQUAL(returns_list_open(&packer, clock_now(), &rows, &n), DB_EPERM);
	/* Now 11 days after R-A's announcement, 9 after R-B's start, 8 after R-C. */
	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sup, clock_now() - 7 * DAY, &rows, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(rows[0].order_no, "R-A");
	CU_ASSERT_STRING_EQUAL(rows[0].market_id, "RMA-77");
	CU_ASSERT_STRING_EQUAL(rows[0].source, "marketplace");
	CU_ASSERT_STRING_EQUAL(rows[1].order_no, "R-B");
	CU_ASSERT_STRING_EQUAL(rows[1].source, "station");
	CU_ASSERT_STRING_EQUAL(rows[2].order_no, "R-C");
	CU_ASSERT_EQUAL(rows[2].rma_id, 0);
	CU_ASSERT_STRING_EQUAL(rows[2].status, "RETURNING");
	free(rows);
	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sup, clock_now() - 10 * DAY, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(rows);

	/* The marketplace's return id finds the order; receiving closes the return. */
	CU_ASSERT_EQUAL(returns_find(&packer, "RMA-77", &got, &open_id), 0);
	CU_ASSERT_EQUAL(got, a);
	CU_ASSERT_EQUAL(open_id, rma);
	in.order_id = a;
	in.rma_id = rma;
	in.items = &item;
	in.nitems = 1;
	CU_ASSERT_EQUAL_FATAL(returns_receive(&packer, &in, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sup, clock_now(), &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	free(rows);
	/* Another order cannot take R-A's return id. */
	CU_ASSERT_EQUAL(returns_open(&packer, b, "station", "RMA-78", NULL), 0);
	CU_ASSERT_EQUAL(returns_open(&packer, c, "station", "RMA-77", NULL), DB_EINVAL);
	teardown();
}

/* The channel's "returned" announces the parcel; the station's receipt decides. */
static void
test_channel_says_returned(void)
{
	static const struct order_line_in lines[] = {
		{ "A", 3, 50000 }, { "B", 2, 20000 },
	};
	struct order_in o = {
		.channel = "manual", .shop = "T", .order_no = "R-M", .created_at = TEST_EPOCH,
		.status = ST_RETURNED, .currency = "VND", .total = 190000, .lines = lines,
		.nlines = 2,
	};
	struct returns_item all[] = {
		{ "A", NULL, 3, RET_RESALABLE, "failed_delivery" },
		{ "B", NULL, 2, RET_DAMAGED, "failed_delivery" },
	};
	struct returns_in in = { 0 };
	struct returns_row *rows;
	int64_t id;
	size_t n;

	setup();
	id = shipped_order("R-M");
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &o, NULL, NULL), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_RETURNING);
	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sup, clock_now(), &rows, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(rows[0].rma_id, 0);
	CU_ASSERT_STRING_EQUAL(rows[0].source, "marketplace");
	free(rows);
	in.order_id = id;
	in.items = all;
	in.nitems = 2;
	CU_ASSERT_EQUAL_FATAL(returns_receive(&packer, &in, NULL), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_RETURNED);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L1"), 1);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L2"), 5);
	CU_ASSERT_EQUAL(lot_on_hand(sku_b, ""), 2);
	/* Later pulls that lag behind change nothing. */
	CU_ASSERT_EQUAL(order_upsert(&sys, &o, NULL, NULL), 0);
	o.status = ST_DELIVERED;
	CU_ASSERT_EQUAL(order_upsert(&sys, &o, NULL, NULL), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_RETURNED);
	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sup, clock_now(), &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(rows);
	teardown();
}

static void
type(struct vm_returns *vm, const char *text)
{
	for (; *text != '\0'; text++)
		vm_returns_key(vm, (unsigned char)*text);
	vm_returns_key(vm, VK_ENTER);
}

static void ret_draw(void *vm, struct vm_screen *scr) { vm_returns_render(vm, scr); }

/* The screen driven like the wedge scanner: parcel, units, conditions, receive. */
static void
test_screen(void)
{
	struct vm_returns vm;
	int64_t id;

	setup();
	id = shipped_order("R-S");
	vm_returns_init(&vm, &packer, clock_now(), 0);
	CU_ASSERT(tu_shows(ret_draw, &vm, "Scan the returned parcel"));
	type(&vm, "NOPE-1");
	CU_ASSERT(tu_shows(ret_draw, &vm, "return 'NOPE-1': no order, tracking number or return id"));
	type(&vm, "R-S");
	CU_ASSERT_EQUAL_FATAL(vm.order_id, id);
	CU_ASSERT(tu_shows(ret_draw, &vm, "R-S SHIPPED"));
	CU_ASSERT_EQUAL(vm.nu, 3);
	vm_returns_key(&vm, VK_F(1));
	CU_ASSERT(tu_shows(ret_draw, &vm, "Keys: returns"));
	CU_ASSERT(tu_shows(ret_draw, &vm, "take the last counted unit back"));
	vm_returns_key(&vm, 'x');                   /* closes the panel, types nothing */
	CU_ASSERT_EQUAL(vm.help, 0);
	CU_ASSERT_STRING_EQUAL(vm.scan, "");
	type(&vm, "A");                             /* resalable: lot L1 */
	vm_returns_key(&vm, VK_F(3));
	type(&vm, "A");                             /* damaged: lot L2 */
	type(&vm, "8930000000019");                 /* damaged B */
	CU_ASSERT_EQUAL(vm_returns_counted(&vm, 0, RET_RESALABLE), 1);
	CU_ASSERT_EQUAL(vm_returns_counted(&vm, 1, RET_DAMAGED), 1);
	CU_ASSERT_EQUAL(vm_returns_counted(&vm, 2, RET_DAMAGED), 1);
	type(&vm, "XYZ");
	CU_ASSERT(tu_shows(ret_draw, &vm, "'XYZ' is no SKU or barcode"));
	type(&vm, "A");
	type(&vm, "A");                             /* only 3 A shipped */
	CU_ASSERT(tu_shows(ret_draw, &vm, "every unit order R-S shipped of it is counted"));
	vm_returns_key(&vm, VK_BACKSPACE);          /* the third A taken back */
	CU_ASSERT_EQUAL(vm.npicks, 3);
	vm_returns_key(&vm, VK_F(7));
	type(&vm, "12000");
	type(&vm, "3000");
	vm_returns_key(&vm, VK_F(9));
	CU_ASSERT(tu_shows(ret_draw, &vm, "1 back in stock, 2 written off; order PART_RETURNED"));
	CU_ASSERT_EQUAL(vm.order_id, 0);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L1"), 1);
	CU_ASSERT_EQUAL(lot_on_hand(sku_a, "L2"), 3);
	CU_ASSERT_EQUAL(lot_on_hand(sku_b, ""), 2);
	CU_ASSERT_EQUAL(count("SELECT ship_cost + handling_cost FROM rma WHERE order_id = ?",
	    id), 15000);
	CU_ASSERT_EQUAL(status_of(id), ST_PART_RETURNED);
	/* Started and left: open, and a supervisor sees it. */
	type(&vm, "R-S");
	vm_returns_key(&vm, VK_ESC);
	CU_ASSERT(tu_shows(ret_draw, &vm, "left open"));
	CU_ASSERT_EQUAL(vm_returns_key(&vm, VK_ESC), VM_DONE);
	vm_returns_free(&vm);
	clock_advance(3 * DAY);
	vm_returns_init(&vm, &sup, clock_now(), 0);
	CU_ASSERT(tu_shows(ret_draw, &vm, "Open returns older than 7 days: 0"));
	vm_returns_key(&vm, VK_F(7));
	type(&vm, "2");
	CU_ASSERT(tu_shows(ret_draw, &vm, "Open returns older than 2 days: 1"));
	CU_ASSERT(tu_shows(ret_draw, &vm, "R-S"));
	vm_returns_free(&vm);
	teardown();
}

int
main(void)
{
	CU_pSuite suite;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite("returns", NULL, NULL);
	CU_add_test(suite, "mixed conditions, then the rest", test_mixed_then_rest);
	CU_add_test(suite, "a unit returned twice", test_twice_refused);
	CU_add_test(suite, "bad scans and items", test_bad_input);
	CU_add_test(suite, "open returns older than N days", test_open_list);
	CU_add_test(suite, "the channel says returned", test_channel_says_returned);
	CU_add_test(suite, "the returns screen", test_screen);
	return tu_run();
}

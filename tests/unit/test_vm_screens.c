/*
 * test_vm_screens.c — the supervisor screens of the second slice without curses, on a
 * real database with a fixed clock, read back as text at 80x24: exceptions (locks made
 * by the real pack flow, holds, a parcel late in transit; filters, groups, the order
 * with its audit trail), inventory, the audit viewer and users; a packer gets nothing
 * from any of them.
 */
#include <CUnit/CUnit.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alerts.h"
#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/exceptions.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/sla.h"
#include "core/stock.h"
#include "core/trail.h"
#include "core/user.h"
#include "screens.h"
#include "testutil.h"
#include "vmutil.h"
#include "vm_audit.h"
#include "vm_exceptions.h"
#include "vm_inventory.h"
#include "vm_pack.h"
#include "vm_users.h"

#define NOW ((int64_t)TEST_EPOCH + 10 * 3600)     /* 17:00 in Viet Nam */
#define H 3600
#define TZ (7 * H)

static struct db *db;
static char path[256];
static struct session sys, sup, packer, admin;
static int64_t o_hold, o_ship, o_ok, hcm;

static int64_t
add(const char *no, enum order_status st, int64_t created)
{
	struct order_line_in line = { "SKU-1", 1, 100000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .order_no = no, .created_at = created,
		.ship_by = NOW + 5 * H, .status = st, .currency = "VND", .total = 100000,
		.buyer_name = "Nguyễn Văn Bình", .buyer_phone = "0912345678",
		.address = "1 Lê Lợi", .district = "Q1", .province = "Hồ Chí Minh",
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	if (order_upsert(&sys, &in, &id, NULL) != 0)
		fprintf(stderr, "add %s: %s\n", no, sys.err);
	return id;
}

static int
setup(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	tu_session(&admin, db, ROLE_ADMIN);
	snprintf(packer.station, sizeof packer.station, "ST2");
	clock_fix(NOW);
	tu_sku(&sys, "SKU-1", 0);
	hcm = tu_warehouse(&sys, "HCM");
	o_hold = add("E-HOLD", ST_NEW, NOW - 2 * H);
	o_ship = add("E-SHIP", ST_NEW, NOW - 100 * H);
	o_ok = add("E-OK", ST_NEW, NOW - 3 * H);
	return o_ok > 0 ? 0 : -1;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static void exc_draw(void *vm, struct vm_screen *scr) { vm_exceptions_render(vm, scr); }

/* A lock as the pack flow writes it, at station and by user (for kinds the real flow
 * needs a whole order set up to reach). */
static void
lock_record(const char *station, const char *user, int64_t order, const char *lock,
    const char *msg)
{
	struct session s = sup;
	char after[256];

	snprintf(s.station, sizeof s.station, "%s", station);
	snprintf(s.user, sizeof s.user, "%s", user);
	snprintf(after, sizeof after, "{\"lock\":\"%s\",\"message\":\"%s\"}", lock, msg);
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(audit_log(&s, "order", order, "lock", "", after), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
}

static void
test_exceptions(void)
{
	struct sla_carrier ghn = { "GHN", 16 * 60, 48 };
	struct pack_config pc;
	struct pack_result r;
	struct pack p;
	struct exc_row *rows;
	struct vm_exceptions vm;
	size_t n;
	int64_t yesterday = NOW - 20 * H, o_old;

	/* Yesterday's lock is not today's exception. */
	clock_fix(yesterday);
	lock_record("ST1", "lan", o_ok, "weight", "old weight lock");
	clock_fix(NOW - H);
	/* The real pack flow: an unknown code locks the station. */
	memset(&pc, 0, sizeof pc);
	snprintf(pc.station, sizeof pc.station, "ST2");
	pc.warehouse_id = hcm;
	pack_init(&p, &packer, &pc);
	pack_input(&p, "NO-SUCH-THING", &r);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_UNKNOWN);
	pack_free(&p);
	lock_record("ST1", "lan", o_ok, "not-in-order", "CAP is not in order E-OK");
	lock_record("ST1", "minh", o_ok, "weight", "1200 g, expected 900 g");
	CU_ASSERT_EQUAL(order_transition(&sup, o_hold, 0, ST_ON_HOLD, "call buyer to verify"),
	    0);
	/* A parcel shipped 50 h ago with GHN (48 h promised). */
	sla_set_carriers(&ghn, 1, TZ);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE orders SET status = 'SHIPPED', updated_at = ? "
	    "WHERE id = ?", "ii", NOW - 50 * H, o_ship), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO package (order_id, carrier, created_at, "
	    "station, user_name) VALUES (?, 'GHN', ?, 'ST1', 'lan')", "ii", o_ship,
	    NOW - 51 * H), 0);
	clock_fix(NOW);

	/* The core refuses a packer. */
	CU_ASSERT_EQUAL(exceptions_list(&packer, 0, NOW, &rows, &n), DB_EPERM);
	CU_ASSERT_EQUAL(exceptions_list(&sup, vm_exceptions_day_start(NOW, TZ), NOW, &rows,
	    &n), 0);
	CU_ASSERT_EQUAL(n, 5);
	if (n == 5) {
		CU_ASSERT_EQUAL(rows[0].kind, EXC_HELD);
		CU_ASSERT_STRING_EQUAL(rows[0].what, "on hold: call buyer to verify");
		CU_ASSERT_EQUAL(rows[1].kind, EXC_WEIGHT);
		CU_ASSERT_STRING_EQUAL(rows[1].user, "minh");
		CU_ASSERT_EQUAL(rows[2].kind, EXC_WRONG_ITEM);
		CU_ASSERT_STRING_EQUAL(rows[2].order_no, "E-OK");
		CU_ASSERT_EQUAL(rows[3].kind, EXC_LOCK);
		CU_ASSERT_STRING_EQUAL(rows[3].station, "ST2");
		CU_ASSERT_EQUAL(rows[3].order_id, 0);
		CU_ASSERT_EQUAL(rows[4].kind, EXC_TRANSIT);
		CU_ASSERT_STRING_EQUAL(rows[4].what, "GHN in transit 50 h, promised 48 h");
	}
	free(rows);
	/* A parcel due to ship 40 days ago is a claim, not news: not listed. */
	o_old = add("E-OLD", ST_NEW, NOW - 41 * 86400);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE orders SET status = 'SHIPPED', ship_by = ?, "
	    "updated_at = ? WHERE id = ?", "iii", NOW - 40 * 86400, NOW - 40 * 86400, o_old), 0);
	CU_ASSERT_EQUAL(exceptions_list(&sup, vm_exceptions_day_start(NOW, TZ), NOW, &rows,
	    &n), 0);
	CU_ASSERT_EQUAL(n, 5);
	free(rows);
	/* A longer promise: not late. */
	ghn.promise_h = 72;
	sla_set_carriers(&ghn, 1, TZ);
	CU_ASSERT_EQUAL(exceptions_list(&sup, vm_exceptions_day_start(NOW, TZ), NOW, &rows,
	    &n), 0);
	CU_ASSERT_EQUAL(n, 4);
	free(rows);
	ghn.promise_h = 48;
	sla_set_carriers(&ghn, 1, TZ);

	/* The screen. */
	vm_exceptions_init(&vm, &sup, NOW, TZ);
	CU_ASSERT_EQUAL(vm.nshown, 5);
	CU_ASSERT(tu_shows(exc_draw, &vm, "Exceptions today"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "1 weight"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "wrong item   ST1   lan        E-OK"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "Enter Open"));
	/* Station filter: ST1 then ST2 (in the order seen, newest first). */
	vm_exceptions_key(&vm, 's');
	CU_ASSERT(tu_shows(exc_draw, &vm, "station T1, operator all"));
	vm_exceptions_key(&vm, 's');
	CU_ASSERT(tu_shows(exc_draw, &vm, "station ST1, operator all, kind all: 3 shown"));
	vm_exceptions_key(&vm, 'o');
	vm_exceptions_key(&vm, 'o');
	vm_exceptions_key(&vm, 'o');
	CU_ASSERT(tu_shows(exc_draw, &vm, "operator lan, kind all: 2 shown"));
	vm_exceptions_key(&vm, 'f');
	vm_exceptions_key(&vm, 'f');
	vm_exceptions_key(&vm, 'f');
	CU_ASSERT(tu_shows(exc_draw, &vm, "kind wrong item: 1 shown"));
	/* Reloading keeps the filters. */
	vm_exceptions_tick(&vm, NOW + VM_EXC_RELOAD);
	CU_ASSERT_EQUAL(vm.nshown, 1);
	/* Enter opens the order and its trail; Esc closes it. */
	CU_ASSERT_EQUAL(vm_exceptions_key(&vm, VK_ENTER) & VM_REDRAW, VM_REDRAW);
	CU_ASSERT_PTR_NOT_NULL(vm.trail.o);
	CU_ASSERT(tu_shows(exc_draw, &vm, "Order E-OK  NEW  shopee S1"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "lock=weight, message=1200 g, expected 900 g"));
	vm_exceptions_key(&vm, VK_DOWN);
	CU_ASSERT(tu_shows(exc_draw, &vm, "lock=not-in-order, message=CAP is not in order E-OK"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "create"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "Esc Close"));
	vm_exceptions_key(&vm, VK_ESC);
	CU_ASSERT_PTR_NULL(vm.trail.o);
	CU_ASSERT(tu_shows(exc_draw, &vm, "Exceptions today"));
	/* Groups by station and operator, all filters off. */
	vm_exceptions_key(&vm, 's');
	vm_exceptions_key(&vm, 's');
	vm_exceptions_key(&vm, 'o');
	vm_exceptions_key(&vm, 'o');
	vm_exceptions_key(&vm, 'f');
	vm_exceptions_key(&vm, 'f');
	vm_exceptions_key(&vm, 'f');
	CU_ASSERT_EQUAL(vm.nshown, 5);
	vm_exceptions_key(&vm, 'g');
	CU_ASSERT(tu_shows(exc_draw, &vm, "ST1    lan               0      0      1      0      1"));
	CU_ASSERT(tu_shows(exc_draw, &vm, "ST2    tester-packe      1      0      0      0      0"));
	/* A lock with no order says so instead of opening. */
	vm_exceptions_key(&vm, 'g');
	vm.sel = 3;
	vm_exceptions_key(&vm, VK_ENTER);
	CU_ASSERT_PTR_NULL(vm.trail.o);
	CU_ASSERT(tu_shows(exc_draw, &vm, "before any order was open"));
	CU_ASSERT_EQUAL(vm_exceptions_key(&vm, VK_ESC), VM_DONE);
	vm_exceptions_free(&vm);
	/* A packer's screen shows the refusal, nothing else. */
	vm_exceptions_init(&vm, &packer, NOW, TZ);
	CU_ASSERT_EQUAL(vm.n, 0);
	CU_ASSERT(tu_shows(exc_draw, &vm, "needs the supervisor role"));
	vm_exceptions_free(&vm);
	sla_set_carriers(NULL, 0, TZ);
}

static void inv_draw(void *vm, struct vm_screen *scr) { vm_inventory_render(vm, scr); }

/* Type text into a screen's key handler. */
static void
type(int (*key)(void *, int), void *vm, const char *text)
{
	for (; *text != '\0'; text++)
		key(vm, (unsigned char)*text);
}

static int inv_key(void *vm, int k) { return vm_inventory_key(vm, k); }

static void
test_inventory(void)
{
	struct vm_inventory vm;
	struct inv_row *rows;
	int64_t milk, hn, v, shop;
	size_t n;

	hn = tu_warehouse(&sys, "HN");
	milk = tu_sku(&sys, "SKU-MILK", 1);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sku SET name = 'Sữa tươi 1L', buffer = 2 WHERE id = ?",
	    "i", milk), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, milk, "L-JAN", NOW + 40 * 86400, 10, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, milk, "L-FEB", NOW + 70 * 86400, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, hn, milk, "L-JAN", NOW + 40 * 86400, 3, NULL), 0);
	/* A listing pushed to Shopee (schema 7). */
	CU_ASSERT_EQUAL(db_int(db, &shop, "SELECT id FROM shop WHERE shop_code = 'S1'", ""), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop_listing (shop_id, sku_id, item_id, version, "
	    "pushed_version, pushed_qty, pushed_at) VALUES (?, ?, 'I1', 2, 2, 11, ?)", "iii", shop,
	    milk, NOW - 2 * H), 0);

	/* The core: roles, thresholds. */
	CU_ASSERT_EQUAL(inventory_list(&packer, NULL, TZ, &rows, &n), DB_EPERM);
	CU_ASSERT_EQUAL(inventory_set_low(&sup, milk, 20), DB_EPERM);
	CU_ASSERT_EQUAL(inventory_set_low(&admin, milk, -1), DB_EINVAL);
	CU_ASSERT_EQUAL(inventory_set_low(&admin, milk, 5), 0);
	CU_ASSERT_EQUAL(inventory_low_count(&packer, hn, &v), 0);
	CU_ASSERT_EQUAL(v, 1);              /* HN: 3 - 0 - 2 = 1 < 5 */
	CU_ASSERT_EQUAL(inventory_low_count(&packer, hcm, &v), 0);
	CU_ASSERT_EQUAL(v, 0);              /* HCM: 15 - 2 = 13 */
	CU_ASSERT_EQUAL(stock_adjust(&sup, hcm, milk, "L-JAN", -1, "damaged"), DB_EPERM);

	vm_inventory_init(&vm, &sup, NOW, TZ);
	CU_ASSERT(tu_shows(inv_draw, &vm, "Inventory  wh all  1 low"));
	CU_ASSERT(tu_shows(inv_draw, &vm, "SKU-MILK       Sữa tươi 1L      HCM      15     0    2     13     5    2 01-10"));
	CU_ASSERT(tu_shows(inv_draw, &vm, "SKU-MILK       Sữa tươi 1L      HN        3     0    2      1    5!    1 01-10"));
	CU_ASSERT(tu_shows(inv_draw, &vm, "Enter Lots"));
	/* Low only, then search. */
	vm_inventory_key(&vm, 'l');
	CU_ASSERT_EQUAL(vm.n, 1);
	CU_ASSERT_STRING_EQUAL(vm.rows[0].wh, "HN");
	vm_inventory_key(&vm, 'l');
	vm_inventory_key(&vm, '/');
	type(inv_key, &vm, "milk");
	vm_inventory_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.n, 2);
	CU_ASSERT(tu_shows(inv_draw, &vm, "pushed: shopee 12-01 15:00 =11"));
	/* Lots, FEFO order; a supervisor's adjustment is refused by the core. */
	vm_inventory_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.lots_on, 1);
	CU_ASSERT(tu_shows(inv_draw, &vm, "L-JAN                2026-01-10       10        0"));
	CU_ASSERT(tu_shows(inv_draw, &vm, "L-FEB"));
	vm_inventory_key(&vm, 'a');
	type(inv_key, &vm, "-3");
	vm_inventory_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(inv_draw, &vm, "Adjust by -3: pick a reason"));
	vm_inventory_key(&vm, '2');
	CU_ASSERT(tu_shows(inv_draw, &vm, "needs the admin role"));
	/* Thresholds likewise. */
	vm_inventory_key(&vm, VK_ESC);
	vm_inventory_key(&vm, 't');
	type(inv_key, &vm, "30");
	vm_inventory_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(inv_draw, &vm, "needs the admin role"));
	vm_inventory_free(&vm);

	/* The admin adjusts lot L-JAN in HCM by -3, damaged: a ledger movement, audited. */
	vm_inventory_init(&vm, &admin, NOW, TZ);
	vm_inventory_key(&vm, VK_ENTER);
	vm_inventory_key(&vm, 'a');
	type(inv_key, &vm, "x");           /* digits only */
	CU_ASSERT_STRING_EQUAL(vm.prompt.buf, "");
	type(inv_key, &vm, "-3");
	vm_inventory_key(&vm, VK_ENTER);
	vm_inventory_key(&vm, VK_DOWN);
	vm_inventory_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(inv_draw, &vm, "SKU-MILK lot L-JAN in HCM adjusted by -3: damaged"));
	CU_ASSERT(tu_shows(inv_draw, &vm, "L-JAN                2026-01-10        7        0"));
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT d_on_hand FROM stock_move WHERE kind = 'adjust' "
	    "AND note = 'damaged' AND user_name = 'tester-admin'", ""), 0);
	CU_ASSERT_EQUAL(v, -3);
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT count(*) FROM audit WHERE entity = 'stock' AND "
	    "action = 'adjust' AND user_name = 'tester-admin'", ""), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* Taking more than there is: the core's message. */
	vm_inventory_key(&vm, 'a');
	type(inv_key, &vm, "-100");
	vm_inventory_key(&vm, VK_ENTER);
	vm_inventory_key(&vm, '1');
	CU_ASSERT(tu_shows(inv_draw, &vm, "cannot take 100"));
	/* The threshold, back on the list. */
	vm_inventory_key(&vm, VK_ESC);
	vm_inventory_key(&vm, 't');
	type(inv_key, &vm, "13");
	vm_inventory_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(inv_draw, &vm, "SKU-MILK: low-stock threshold 13"));
	CU_ASSERT(tu_shows(inv_draw, &vm, "2 low"));
	CU_ASSERT_EQUAL(vm_inventory_key(&vm, VK_ESC), VM_DONE);
	vm_inventory_free(&vm);
}

static void audit_draw(void *vm, struct vm_screen *scr) { vm_audit_render(vm, scr); }
static int audit_key(void *vm, int k) { return vm_audit_key(vm, k); }

static void
test_audit(void)
{
	struct vm_audit vm;
	struct trail_row *rows;
	int64_t total, lan, t;
	char after[600];
	size_t n;

	CU_ASSERT_EQUAL(trail_list(&packer, NULL, &rows, &n), DB_EPERM);
	CU_ASSERT_EQUAL(trail_verify(&packer, &total, &lan, after, sizeof after), DB_EPERM);
	CU_ASSERT_EQUAL(db_int(db, &total, "SELECT count(*) FROM audit", ""), 0);
	CU_ASSERT_EQUAL(db_int(db, &lan, "SELECT count(*) FROM audit WHERE user_name = 'lan'",
	    ""), 0);
	CU_ASSERT_EQUAL(lan, 2);
	/* Times as typed. */
	CU_ASSERT_EQUAL(vm_audit_parse_time("16:30", NOW, TZ, &t), 0);
	CU_ASSERT_EQUAL(t, NOW - 30 * 60);
	CU_ASSERT_EQUAL(vm_audit_parse_time("2025-12-01 16:30", NOW, TZ, &t), 0);
	CU_ASSERT_EQUAL(t, NOW - 30 * 60);
	CU_ASSERT_EQUAL(vm_audit_parse_time("2025-12-01", NOW, TZ, &t), 0);
	CU_ASSERT_EQUAL(t, NOW - 17 * H);
	CU_ASSERT_EQUAL(vm_audit_parse_time("4pm", NOW, TZ, &t), -1);

	vm_audit_init(&vm, &sup, NOW, TZ);
	CU_ASSERT_EQUAL((int64_t)vm.n, total);
	CU_ASSERT_EQUAL(vm.chain, 0);
	snprintf(after, sizeof after, "chain OK (%lld records)", (long long)total);
	CU_ASSERT(tu_shows(audit_draw, &vm, after));
	CU_ASSERT(tu_shows(audit_draw, &vm, "o Order u User s Station"));
	/* By user. */
	vm_audit_key(&vm, 'u');
	type(audit_key, &vm, "lan");
	vm_audit_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.n, 2);
	CU_ASSERT(tu_shows(audit_draw, &vm, "order any  user lan  station any"));
	/* And by station: lan only worked at ST1. */
	vm_audit_key(&vm, 's');
	type(audit_key, &vm, "ST2");
	vm_audit_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.n, 0);
	CU_ASSERT(tu_shows(audit_draw, &vm, "no record matches"));
	/* By order, from a time: the E-OK locks of 16:00, not yesterday's. */
	vm_audit_key(&vm, 'x');
	CU_ASSERT_EQUAL((int64_t)vm.n, total);
	vm_audit_key(&vm, 'o');
	type(audit_key, &vm, "E-OK");
	vm_audit_key(&vm, VK_ENTER);
	vm_audit_key(&vm, 'f');
	type(audit_key, &vm, "15:00");
	vm_audit_key(&vm, VK_ENTER);
	vm_audit_key(&vm, 't');
	type(audit_key, &vm, "16:30");
	vm_audit_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.n, 2);
	CU_ASSERT(tu_shows(audit_draw, &vm, "order E-OK  user any  station any  from 12-01 15:00  "
	    "to 12-01 16:30  2 shown"));
	CU_ASSERT(tu_shows(audit_draw, &vm, "lock=weight, message=1200 g, expected 900 g"));
	vm_audit_key(&vm, 'f');
	type(audit_key, &vm, "yesterday");
	vm_audit_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(audit_draw, &vm, "'yesterday' is not a time"));
	vm_audit_key(&vm, 'o');
	type(audit_key, &vm, "NOPE");
	vm_audit_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(audit_draw, &vm, "NOPE"));
	/* Enter opens the order of the selected record. */
	vm_audit_key(&vm, VK_ENTER);
	CU_ASSERT_PTR_NOT_NULL(vm.trail.o);
	CU_ASSERT(tu_shows(audit_draw, &vm, "Order E-OK"));
	vm_audit_key(&vm, VK_ESC);
	CU_ASSERT_PTR_NULL(vm.trail.o);
	/* An edited record: the check names it. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE audit SET after = 'x' WHERE id = 3", ""), 0);
	vm_audit_key(&vm, 'v');
	CU_ASSERT_EQUAL(vm.chain, 1);
	CU_ASSERT(tu_shows(audit_draw, &vm, "CHAIN BROKEN at #3"));
	vm_audit_free(&vm);
	/* Put it back for the tests after. */
	vm_audit_init(&vm, &sup, NOW, TZ);
	vm_audit_free(&vm);
}

static void users_draw(void *vm, struct vm_screen *scr) { vm_users_render(vm, scr); }
static int users_key(void *vm, int k) { return vm_users_key(vm, k); }

/* Select the row of user name. */
static void
users_select(struct vm_users *vm, const char *name)
{
	size_t i;

	for (i = 0; i < vm->n; i++)
		if (strcmp(vm->rows[i].name, name) == 0)
			vm->sel = i;
}

static void
test_users(void)
{
	struct session boss, s;
	struct vm_users vm;
	int64_t v;
	int i;

	CU_ASSERT_EQUAL(user_add(&sys, "boss", ROLE_ADMIN, "9999", NULL), 0);
	CU_ASSERT_EQUAL(user_add(&sys, "thao", ROLE_SUPERVISOR, "5678", NULL), 0);
	CU_ASSERT_EQUAL(user_login(db, &boss, "boss", "9999", "ST9"), 0);
	/* The core refuses anyone but an admin. */
	CU_ASSERT_EQUAL(user_set_role(&sup, "thao", ROLE_PACKER), DB_EPERM);
	CU_ASSERT_EQUAL(user_unlock(&packer, "thao"), DB_EPERM);
	CU_ASSERT_EQUAL(user_set_role(&boss, "nobody", ROLE_PACKER), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(user_set_role(&boss, "thao", ROLE_NONE), DB_EINVAL);
	/* The registry keeps the screen for admins. */
	for (i = 0; i < (int)ui_nscreens; i++)
		if (strcmp(ui_screens[i].name, "Users") == 0)
			CU_ASSERT_EQUAL(ui_screens[i].min_role, ROLE_ADMIN);

	/* A supervisor who got the screen anyway is refused by the core. */
	vm_users_init(&vm, &sup, NOW, TZ);
	users_select(&vm, "thao");
	vm_users_key(&vm, 'r');
	vm_users_key(&vm, '1');
	CU_ASSERT(tu_shows(users_draw, &vm, "needs the admin role"));
	vm_users_free(&vm);

	vm_users_init(&vm, &boss, NOW, TZ);
	CU_ASSERT(tu_shows(users_draw, &vm, "Users  2 operators"));
	CU_ASSERT(tu_shows(users_draw, &vm, "a Add r Role p PIN u Unlock"));
	/* Add hoa as a packer; the PIN is never on screen. */
	vm_users_key(&vm, 'a');
	type(users_key, &vm, "hoa");
	vm_users_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(users_draw, &vm, "Role for hoa"));
	vm_users_key(&vm, '1');
	type(users_key, &vm, "2468");
	CU_ASSERT(tu_shows(users_draw, &vm, "PIN for hoa (4 to 12 digits): ****_"));
	vm_users_key(&vm, VK_ENTER);
	type(users_key, &vm, "2469");
	vm_users_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(users_draw, &vm, "the two PINs differ"));
	vm_users_key(&vm, 'a');
	type(users_key, &vm, "hoa");
	vm_users_key(&vm, VK_ENTER);
	vm_users_key(&vm, '1');
	type(users_key, &vm, "2468");
	vm_users_key(&vm, VK_ENTER);
	type(users_key, &vm, "2468");
	vm_users_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(users_draw, &vm, "user hoa added as packer"));
	CU_ASSERT(tu_shows(users_draw, &vm, "hoa                  packer"));
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "2468", "ST1"), 0);
	/* Role. */
	users_select(&vm, "hoa");
	vm_users_key(&vm, 'r');
	vm_users_key(&vm, VK_DOWN);
	vm_users_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(users_draw, &vm, "hoa is now supervisor"));
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT role = 'supervisor' FROM app_user WHERE name = "
	    "'hoa'", ""), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* Locked after five wrong PINs, unlocked from the screen. */
	for (i = 0; i < USER_MAX_FAILS; i++)
		user_login(db, &s, "hoa", "0000", "ST1");
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "2468", "ST1"), DB_ELOCKED);
	vm_users_reload(&vm);
	CU_ASSERT(tu_shows(users_draw, &vm, "5 min left"));
	users_select(&vm, "hoa");
	vm_users_key(&vm, 'u');
	CU_ASSERT(tu_shows(users_draw, &vm, "hoa unlocked"));
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "2468", "ST1"), 0);
	/* PIN reset. */
	users_select(&vm, "hoa");
	vm_users_key(&vm, 'p');
	type(users_key, &vm, "1357");
	vm_users_key(&vm, VK_ENTER);
	type(users_key, &vm, "1357");
	vm_users_key(&vm, VK_ENTER);
	CU_ASSERT(tu_shows(users_draw, &vm, "PIN of hoa reset"));
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "1357", "ST1"), 0);
	/* An admin keeps their own role. */
	users_select(&vm, "boss");
	vm_users_key(&vm, 'r');
	vm_users_key(&vm, '2');
	CU_ASSERT(tu_shows(users_draw, &vm, "cannot take away their own admin role"));
	CU_ASSERT_EQUAL(vm_users_key(&vm, VK_ESC), VM_DONE);
	vm_users_free(&vm);
	/* Every change is audited. */
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT count(*) FROM audit WHERE entity = 'user' AND "
	    "action IN ('add', 'role', 'unlock', 'passwd') AND user_name = 'boss'", ""), 0);
	CU_ASSERT_EQUAL(v, 4);
}

static void pack_draw(void *vm, struct vm_screen *scr) { vm_pack_render(vm, scr); }

/* The status line of every station of the warehouse, a packer's too. */
static void
test_alerts(void)
{
	struct pack_config pc;
	struct vm_pack vm;
	struct alerts a;
	char line[256];
	int64_t shop, hn;

	CU_ASSERT_EQUAL(warehouse_find(&sys, "HN", &hn), 0);
	/* Shop S1 ships from HCM. */
	CU_ASSERT_EQUAL(db_int(db, &shop, "SELECT id FROM shop WHERE shop_code = 'S1'", ""), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop SET warehouse_id = ? WHERE id = ?", "ii", hcm,
	    shop), 0);
	/* Nothing due within the hour yet: E-HOLD and E-OK are due in 5 h. */
	CU_ASSERT_EQUAL(alerts_read(&packer, hcm, NOW, &a), 0);
	CU_ASSERT_EQUAL(a.due, 0);
	/* An hour later both cross into their last hour... E-HOLD is on hold, still open. */
	CU_ASSERT_EQUAL(alerts_read(&packer, hcm, NOW + 4 * H + 1, &a), 0);
	CU_ASSERT_EQUAL(a.due, 2);
	CU_ASSERT_EQUAL(alerts_read(&packer, hcm, NOW + 4 * H, &a), 0);
	CU_ASSERT_EQUAL(a.due, 0);
	/* Another warehouse's station does not see them. */
	CU_ASSERT_EQUAL(alerts_read(&packer, hn, NOW + 4 * H + 1, &a), 0);
	CU_ASSERT_EQUAL(a.due, 0);
	/* Low stock: SKU-MILK in HN (1 available, threshold 13); HCM too after the test
	 * before (10 - 2 + 5 - 3 = 10 < 13). */
	CU_ASSERT_EQUAL(a.low, 1);
	CU_ASSERT_EQUAL(alerts_read(&packer, 0, NOW, &a), 0);
	CU_ASSERT_EQUAL(a.low, 2);
	/* A sync error newer than the last success (schema 6). */
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO sync_state (shop_id, last_ok_at, last_error, "
	    "last_error_at, updated_at) VALUES (?, ?, 'token expired', ?, ?)", "iiii", shop,
	    NOW - 600, NOW - 60, NOW), 0);
	CU_ASSERT_EQUAL(alerts_read(&packer, hcm, NOW + 4 * H + 1, &a), 0);
	CU_ASSERT_EQUAL(a.sync_bad, 1);
	alerts_line(&a, line, sizeof line);
	CU_ASSERT_STRING_EQUAL(line, "2 due <1h · 1 low stock · sync: S1 token expired");
	/* Fixed by a later success: gone. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_state SET last_ok_at = ?", "i", NOW), 0);
	CU_ASSERT_EQUAL(alerts_read(&packer, hcm, NOW, &a), 0);
	CU_ASSERT_EQUAL(a.sync_bad, 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_state SET last_error_at = ?", "i", NOW + 1), 0);

	/* On the pack screen's status line, refreshed by the tick. */
	memset(&pc, 0, sizeof pc);
	snprintf(pc.station, sizeof pc.station, "ST2");
	pc.warehouse_id = hcm;
	vm_pack_init(&vm, &packer, &pc, NULL, NOW);
	CU_ASSERT(tu_shows(pack_draw, &vm, "⚠ 1 low stock · sync: S1 token expired"));
	CU_ASSERT_EQUAL(vm_pack_tick(&vm, NOW + 4 * H + 1) & VM_REDRAW, VM_REDRAW);
	CU_ASSERT(tu_shows(pack_draw, &vm, "⚠ 2 due <1h · 1 low stock"));
	vm_pack_free(&vm);
}

/* A site's own check (PAM) behind user_login: the secret goes to it, not the PIN;
 * packbench's role, failure count and lock still apply; badges are untouched. */
static int
fake_check(const char *name, const char *secret, void *arg)
{
	(void)arg;
	return strcmp(name, "hoa") == 0 && strcmp(secret, "s3cret!") == 0 ? 0 : -1;
}

static void
test_authenticator(void)
{
	struct session s;
	int64_t v;

	user_set_authenticator(fake_check, NULL, "pam");
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "1357", "ST1"), DB_EPERM);
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "s3cret!", "ST1"), 0);
	CU_ASSERT_EQUAL(s.role, ROLE_SUPERVISOR);
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT count(*) FROM audit WHERE action = 'login' AND "
	    "after = '{\"via\":\"pam\"}'", ""), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* Unknown to packbench: refused whatever the check says. */
	CU_ASSERT_NOT_EQUAL(user_login(db, &s, "nobody", "s3cret!", "ST1"), 0);
	user_set_authenticator(NULL, NULL, NULL);
	CU_ASSERT_EQUAL(user_login(db, &s, "hoa", "1357", "ST1"), 0);
}

/* The registry shows every supervisor screen to a supervisor only. */
static void
test_registry(void)
{
	size_t i;
	int exc = 0, inv = 0;

	for (i = 0; i < ui_nscreens; i++) {
		CU_ASSERT(ui_screens[i].min_role >= ROLE_SUPERVISOR ||
		    strcmp(ui_screens[i].name, "Returns") == 0);     /* a packer's too */
		exc += strcmp(ui_screens[i].name, "Exceptions") == 0;
		inv += strcmp(ui_screens[i].name, "Inventory") == 0;
	}
	CU_ASSERT_EQUAL(exc, 1);
	CU_ASSERT_EQUAL(inv, 1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("screens", setup, teardown);
	CU_add_test(s, "exceptions", test_exceptions);
	CU_add_test(s, "inventory", test_inventory);
	CU_add_test(s, "audit viewer", test_audit);
	CU_add_test(s, "users", test_users);
	CU_add_test(s, "alerts", test_alerts);
	CU_add_test(s, "log-in through a site's check", test_authenticator);
	CU_add_test(s, "registry", test_registry);
	return tu_run();
}

/*
 * test_stock.c — the stock ledger: its invariants under thousands of seeded random
 * movements checked against a model, FEFO and FIFO lot choice, all-or-nothing inside a
 * caller's transaction, two processes racing for the last unit, roles, and
 * available = on hand - reserved - buffer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "core/audit.h"
#include "core/clock.h"
#include "core/stock.h"

static struct db *db;
static char path[256];
static struct session sys;
static int64_t shop;

static void
setup(void)
{
	db = tu_db(path);
	session_system(&sys, db, "T1");
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) "
	    "VALUES ('manual', 'T', 'Test shop')", ""), 0);
	shop = db_last_id(db);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
}

static int64_t
count(const char *sql)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL_FATAL(db_int(db, &n, sql, ""), 0);
	return n;
}

/* A minimal order; returns its id. */
static int64_t
mk_order(const char *no)
{
	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO orders(shop_id, order_no, status, "
	    "created_at, updated_at, currency, total) VALUES (?, ?, 'CONFIRMED', ?, ?, "
	    "'VND', 100000)", "isii", shop, no, clock_now(), clock_now()), 0);
	return db_last_id(db);
}

static int64_t
mk_line(int64_t order, int line_no, int64_t sku)
{
	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, "
	    "qty, unit_price) VALUES (?, ?, ?, 1000, 50000)", "iii", order, (int64_t)line_no,
	    sku), 0);
	return db_last_id(db);
}

static void
sku_set(int64_t sku, int64_t min_shelf_days, int64_t buffer)
{
	CU_ASSERT_EQUAL_FATAL(db_run(db, "UPDATE sku SET min_shelf_days = ?, buffer = ? "
	    "WHERE id = ?", "iii", min_shelf_days, buffer, sku), 0);
}

/* on_hand (which 0) or reserved (1) of one lot; 0 when it has no level row. */
static int64_t
lot_level(int64_t wh, int64_t sku, const char *lot, int which)
{
	int64_t v = 0;
	int rc;

	rc = db_int(db, &v, which ? "SELECT sl.reserved FROM stock_level sl JOIN lot l ON "
	    "l.id = sl.lot_id WHERE sl.warehouse_id = ? AND sl.sku_id = ? AND l.lot_code = ?" :
	    "SELECT sl.on_hand FROM stock_level sl JOIN lot l ON l.id = sl.lot_id "
	    "WHERE sl.warehouse_id = ? AND sl.sku_id = ? AND l.lot_code = ?",
	    "iis", wh, sku, lot);
	CU_ASSERT(rc == 0 || rc == DB_ENOTFOUND);
	return v;
}

/* Units order holds in lot (summed over its reservation rows). */
static int64_t
held(int64_t order, const char *lot)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT coalesce(sum(r.qty), 0) FROM reservation r "
	    "JOIN lot l ON l.id = r.lot_id WHERE r.order_id = ? AND l.lot_code = ?", "is",
	    order, lot), 0);
	return v;
}

static int64_t
q_on_hand(int64_t wh, int64_t sku)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(stock_on_hand(&sys, wh, sku, &v), 0);
	return v;
}

static int64_t
q_reserved(int64_t wh, int64_t sku)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(stock_reserved(&sys, wh, sku, &v), 0);
	return v;
}

static int64_t
q_available(int64_t wh, int64_t sku)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(stock_available(&sys, wh, sku, &v), 0);
	return v;
}

static void
verify_ok(void)
{
	char msg[512] = "";
	int rc = stock_verify(&sys, msg, sizeof msg);

	if (rc != 0)
		fprintf(stderr, "stock_verify: %d %s\n", rc, msg);
	CU_ASSERT_EQUAL(rc, 0);
}

/* A text digest of every stock table and the audit length: equal means nothing changed. */
static char *
fingerprint(void)
{
	struct db_stmt *st;
	char *out;

	st = db_prep(db, "SELECT (SELECT count(*) FROM stock_move) || '/' || "
	    "(SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM lot) || '/' || "
	    "(SELECT coalesce(group_concat(x, ';'), '') FROM (SELECT warehouse_id || ',' || "
	    "sku_id || ',' || lot_id || ',' || on_hand || ',' || reserved AS x "
	    "FROM stock_level ORDER BY warehouse_id, sku_id, lot_id)) || '/' || "
	    "(SELECT coalesce(group_concat(y, ';'), '') FROM (SELECT id || ',' || qty AS y "
	    "FROM reservation ORDER BY id))");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
	out = strdup(db_col_text(st, 0));
	db_done(st);
	return out;
}

/* 1. Basics, buffer and available-to-sell. */

static void
test_available(void)
{
	int64_t wh, sku, o, line;
	char *fp, *fp2;

	setup();
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "SKU-A", 0);
	o = mk_order("O-1");
	line = mk_line(o, 1, sku);

	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "", 0, 10, "PO-1"), 0);
	CU_ASSERT_EQUAL(q_on_hand(wh, sku), 10);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 0);
	CU_ASSERT_EQUAL(q_available(wh, sku), 10);

	sku_set(sku, 0, 3);
	CU_ASSERT_EQUAL(q_available(wh, sku), 7);

	fp = fingerprint();
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 8), DB_ESTOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "SKU-A"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "HCM"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "wanted 8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "available 7"));
	fp2 = fingerprint();
	CU_ASSERT_STRING_EQUAL(fp, fp2);
	free(fp);
	free(fp2);

	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 5), 0);
	CU_ASSERT_EQUAL(q_on_hand(wh, sku), 10);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 5);
	CU_ASSERT_EQUAL(q_available(wh, sku), 2);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 2), 0);
	CU_ASSERT_EQUAL(q_available(wh, sku), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 1), DB_ESTOCK);

	/* Counting finds 3 short: on hand 7, reserved 7, available clamps at 0, not -3. */
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, sku, "", -4, "count"), DB_ESTOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "reserved"));
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, sku, "", -3, "count"), 0);
	CU_ASSERT_EQUAL(q_on_hand(wh, sku), 7);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 7);
	CU_ASSERT_EQUAL(q_available(wh, sku), 0);

	CU_ASSERT_EQUAL(stock_ship_order(&sys, o), 0);
	CU_ASSERT_EQUAL(q_on_hand(wh, sku), 0);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation"), 0);
	/* Shipping again has nothing left to ship. */
	CU_ASSERT_EQUAL(stock_ship_order(&sys, o), 0);
	CU_ASSERT_EQUAL(stock_ship_order(&sys, o + 100), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, sku, "", -1, "count"), DB_ESTOCK);
	verify_ok();
	teardown();
}

static void
test_totals(void)
{
	int64_t hcm, hn, sku, v = 0;

	setup();
	hcm = tu_warehouse(&sys, "HCM");
	hn = tu_warehouse(&sys, "HN");
	sku = tu_sku(&sys, "SKU-T", 1);
	sku_set(sku, 0, 2);
	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku, "L1", TEST_EPOCH + 90 * 86400, 4, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku, "L2", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, hn, sku, "L1", 0, 6, NULL), 0);
	CU_ASSERT_EQUAL(q_on_hand(hcm, sku), 9);
	CU_ASSERT_EQUAL(q_on_hand(hn, sku), 6);
	CU_ASSERT_EQUAL(q_on_hand(0, sku), 15);
	CU_ASSERT_EQUAL(q_available(0, sku), 13);
	CU_ASSERT_EQUAL(q_available(hn, sku), 4);
	CU_ASSERT_EQUAL(stock_on_hand(&sys, hcm, sku + 99, &v), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(stock_available(&sys, hcm, sku + 99, &v), DB_ENOTFOUND);
	verify_ok();
	teardown();
}

static void
test_input(void)
{
	int64_t wh, plain, dated, o, line;
	int64_t exp1 = TEST_EPOCH + 100 * 86400;
	char *fp, *fp2;

	setup();
	wh = tu_warehouse(&sys, "HCM");
	plain = tu_sku(&sys, "PLAIN", 0);
	dated = tu_sku(&sys, "DATED", 1);
	o = mk_order("O-1");
	line = mk_line(o, 1, plain);
	fp = fingerprint();

	CU_ASSERT_EQUAL(stock_receive(&sys, wh, plain, "", 0, 0, NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, plain, "", 0, -5, NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, plain, "X1", 0, 5, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "not lot-tracked"));
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, plain, "", exp1, 5, NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, dated, "", exp1, 5, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "lot-tracked"));
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, plain + 99, "", 0, 5, NULL), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh + 99, plain, "", 0, 5, NULL), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "warehouse"));
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, plain, 0), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, dated, 1), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line + 1, wh, plain, 1), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, plain, 1), DB_ESTOCK);
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, plain, "", 0, "count"), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, plain, "", 2, ""), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, plain, "", 2, NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(stock_return(&sys, o + 99, wh, plain, "", 1), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(stock_unreserve_order(&sys, o + 99), DB_ENOTFOUND);
	fp2 = fingerprint();
	CU_ASSERT_STRING_EQUAL(fp, fp2);
	free(fp2);

	/* A lot's expiry, once set, must match; 0 says nothing; an undated lot takes one. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, dated, "L1", exp1, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, dated, "L1", exp1 + 86400, 5, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "expires"));
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, dated, "L1", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, dated, "L2", 0, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, dated, "L2", exp1, 1, NULL), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM lot WHERE expiry IS NULL"), 0);
	CU_ASSERT_EQUAL(lot_level(wh, dated, "L1", 0), 10);

	/* Each movement is one ledger row and one audit record with before and after. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move"), 4);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'stock'"), 4);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'stock' AND "
	    "action = 'receive' AND before LIKE '%\"on_hand\":5,\"reserved\":0%' AND "
	    "after LIKE '%\"on_hand\":10,\"reserved\":0%'"), 1);
	free(fp);
	verify_ok();
	teardown();
}

static void
test_warehouse(void)
{
	struct session packer;
	int64_t id = 0, id2 = 0;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "Kho Thủ Đức", "Hồ Chí Minh", &id), 0);
	CU_ASSERT(id > 0);
	CU_ASSERT_EQUAL(warehouse_find(&sys, "HCM", &id2), 0);
	CU_ASSERT_EQUAL(id, id2);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "Kho \"Q9\"", "Hồ Chí Minh", &id2), 0);
	CU_ASSERT_EQUAL(id, id2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM warehouse WHERE name = 'Kho \"Q9\"'"), 1);
	/* No change, no audit record. */
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "Kho \"Q9\"", "Hồ Chí Minh", NULL), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'warehouse'"), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'warehouse' AND "
	    "action = 'update' AND after LIKE '%Kho \\\"Q9\\\"%'"), 1);
	CU_ASSERT_EQUAL(warehouse_upsert(&packer, "HN", "Hà Nội", "Hà Nội", NULL), DB_EPERM);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "", "x", "y", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(warehouse_find(&sys, "HN", &id2), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "HN"));
	teardown();
}

/* 4. Roles. */

static void
test_rbac(void)
{
	struct session packer, sup, admin, none;
	int64_t wh, sku, o, line;
	char *fp, *fp2;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&admin, db, ROLE_ADMIN);
	tu_session(&none, db, ROLE_NONE);
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "SKU-R", 0);
	o = mk_order("O-1");
	line = mk_line(o, 1, sku);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "", 0, 5, NULL), 0);

	fp = fingerprint();
	CU_ASSERT_EQUAL(stock_adjust(&packer, wh, sku, "", -1, "damaged"), DB_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "admin"));
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "packer"));
	CU_ASSERT_EQUAL(stock_adjust(&sup, wh, sku, "", -1, "damaged"), DB_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "admin"));
	CU_ASSERT_EQUAL(stock_receive(&packer, wh, sku, "", 0, 1, NULL), DB_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "supervisor"));
	CU_ASSERT_EQUAL(stock_return(&packer, o, wh, sku, "", 1), DB_EPERM);
	CU_ASSERT_EQUAL(stock_reserve(&none, o, line, wh, sku, 1), DB_EPERM);
	CU_ASSERT_EQUAL(stock_unreserve_order(&none, o), DB_EPERM);
	CU_ASSERT_EQUAL(stock_ship_order(&none, o), DB_EPERM);
	fp2 = fingerprint();
	CU_ASSERT_STRING_EQUAL(fp, fp2);
	free(fp);
	free(fp2);

	CU_ASSERT_EQUAL(stock_receive(&sup, wh, sku, "", 0, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&admin, wh, sku, "", 0, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_adjust(&admin, wh, sku, "", -1, "damaged"), 0);
	CU_ASSERT_EQUAL(stock_reserve(&packer, o, line, wh, sku, 2), 0);
	CU_ASSERT_EQUAL(stock_unreserve_order(&packer, o), 0);
	CU_ASSERT_EQUAL(stock_reserve(&packer, o, line, wh, sku, 1), 0);
	CU_ASSERT_EQUAL(stock_ship_order(&packer, o), 0);
	CU_ASSERT_EQUAL(stock_return(&sup, o, wh, sku, "", 1), 0);
	CU_ASSERT_EQUAL(q_on_hand(wh, sku), 6);
	/* The ledger records who moved the stock. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE kind = 'return' AND "
	    "user_name = 'tester-supervisor' AND order_id IS NOT NULL"), 1);
	verify_ok();
	teardown();
}

/* 2. FEFO, FIFO and reservations that span lots. */

static void
test_fefo(void)
{
	const int64_t day = 86400, now = TEST_EPOCH;
	int64_t wh, sku, o1, l1, o2, l2, o3, l3;

	setup();
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "MILK", 1);
	sku_set(sku, 30, 0);
	o1 = mk_order("O-1");
	l1 = mk_line(o1, 1, sku);
	o2 = mk_order("O-2");
	l2 = mk_line(o2, 1, sku);
	o3 = mk_order("O-3");
	l3 = mk_line(o3, 1, sku);

	/* Received newest-expiry first so that receipt order cannot pass for FEFO. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "LATE", now + 200 * day, 4, NULL), 0);
	clock_advance(3600);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "NODATE", 0, 2, NULL), 0);
	clock_advance(3600);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "MID", now + 60 * day, 3, NULL), 0);
	clock_advance(3600);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "EARLY", now + 40 * day, 2, NULL), 0);
	clock_advance(3600);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "SOON", now + 10 * day, 5, NULL), 0);
	clock_advance(3600);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "GONE", now - day, 5, NULL), 0);
	clock_fix(now);

	/* SOON (inside 30 days) and GONE (expired) are skipped; EARLY goes first. */
	CU_ASSERT_EQUAL(stock_reserve(&sys, o1, l1, wh, sku, 1), 0);
	CU_ASSERT_EQUAL(held(o1, "EARLY"), 1);
	/* Spans EARLY and MID: two reservation rows. */
	CU_ASSERT_EQUAL(stock_reserve(&sys, o2, l2, wh, sku, 3), 0);
	CU_ASSERT_EQUAL(held(o2, "EARLY"), 1);
	CU_ASSERT_EQUAL(held(o2, "MID"), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation"), 3);

	/* Sellable now: MID 1 + LATE 4 + NODATE 2 = 7; the 10 short-dated do not count. */
	CU_ASSERT_EQUAL(stock_reserve(&sys, o3, l3, wh, sku, 8), DB_ESTOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "available 7"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "10 more expire too soon"));
	CU_ASSERT_EQUAL(held(o3, "MID") + held(o3, "LATE") + held(o3, "NODATE"), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o3, l3, wh, sku, 7), 0);
	CU_ASSERT_EQUAL(held(o3, "MID"), 1);
	CU_ASSERT_EQUAL(held(o3, "LATE"), 4);
	CU_ASSERT_EQUAL(held(o3, "NODATE"), 2);
	CU_ASSERT_EQUAL(lot_level(wh, sku, "SOON", 1), 0);
	CU_ASSERT_EQUAL(lot_level(wh, sku, "GONE", 1), 0);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 11);
	CU_ASSERT_EQUAL(q_available(wh, sku), 10);   /* the formula counts every lot */
	verify_ok();

	/* Releasing o2 frees EARLY 1 and MID 2; the next reservation takes EARLY again. */
	CU_ASSERT_EQUAL(stock_unreserve_order(&sys, o2), 0);
	CU_ASSERT_EQUAL(lot_level(wh, sku, "EARLY", 1), 1);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o2, l2, wh, sku, 2), 0);
	CU_ASSERT_EQUAL(held(o2, "EARLY"), 1);
	CU_ASSERT_EQUAL(held(o2, "MID"), 1);

	/* Time passes: 25 days on, EARLY (40 d) is inside the 30-day margin. */
	CU_ASSERT_EQUAL(stock_unreserve_order(&sys, o2), 0);
	clock_fix(now + 25 * day);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o2, l2, wh, sku, 1), 0);
	CU_ASSERT_EQUAL(held(o2, "MID"), 1);
	clock_fix(now);
	verify_ok();
	teardown();
}

static void
test_fefo_edge(void)
{
	const int64_t day = 86400, now = TEST_EPOCH;
	int64_t wh, a, b, oa, la, ob, lb;

	setup();
	wh = tu_warehouse(&sys, "HCM");
	a = tu_sku(&sys, "EDGE-30", 1);
	sku_set(a, 30, 0);
	b = tu_sku(&sys, "EDGE-0", 1);
	oa = mk_order("O-A");
	la = mk_line(oa, 1, a);
	ob = mk_order("O-B");
	lb = mk_line(ob, 1, b);

	/* Exactly min_shelf_days left is enough; a second less is not. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, a, "SHORT", now + 30 * day - 1, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, a, "EXACT", now + 30 * day, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, oa, la, wh, a, 1), 0);
	CU_ASSERT_EQUAL(held(oa, "EXACT"), 1);
	CU_ASSERT_EQUAL(stock_reserve(&sys, oa, la, wh, a, 1), DB_ESTOCK);

	/* With no margin, a lot expiring this very second is already expired. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, b, "NOW", now, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, b, "NEXT", now + 1, 1, NULL), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, ob, lb, wh, b, 1), 0);
	CU_ASSERT_EQUAL(held(ob, "NEXT"), 1);
	CU_ASSERT_EQUAL(stock_reserve(&sys, ob, lb, wh, b, 1), DB_ESTOCK);
	verify_ok();
	teardown();
}

static void
test_fifo(void)
{
	const int64_t day = 86400, now = TEST_EPOCH;
	int64_t wh, sku, o, line;

	setup();
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "BOX", 1);
	o = mk_order("O-1");
	line = mk_line(o, 1, sku);
	/*
	 * Lots left from when the SKU was lot-tracked: FIFO goes by receipt, ignoring expiry;
	 * TWIN-1 and TWIN-2 arrive in the same second and go by id.
	 */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "OLD", now + 300 * day, 2, NULL), 0);
	clock_advance(day);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "TWIN-1", now + 5 * day, 2, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "TWIN-2", now + 2 * day, 2, NULL), 0);
	clock_fix(now);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sku SET lot_tracked = 0 WHERE id = ?", "i", sku), 0);

	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 3), 0);
	CU_ASSERT_EQUAL(held(o, "OLD"), 2);
	CU_ASSERT_EQUAL(held(o, "TWIN-1"), 1);
	CU_ASSERT_EQUAL(held(o, "TWIN-2"), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 2), 0);
	CU_ASSERT_EQUAL(held(o, "TWIN-1"), 2);
	CU_ASSERT_EQUAL(held(o, "TWIN-2"), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation"), 4);
	CU_ASSERT_EQUAL(stock_ship_order(&sys, o), 0);
	CU_ASSERT_EQUAL(lot_level(wh, sku, "OLD", 0), 0);
	CU_ASSERT_EQUAL(lot_level(wh, sku, "TWIN-2", 0), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE kind = 'ship'"), 3);
	verify_ok();
	teardown();
}

/* All or nothing inside a caller's transaction. */
static void
test_nested(void)
{
	int64_t wh, sku, o, line, n, bad_id;
	char msg[512];

	setup();
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "SKU-N", 0);
	o = mk_order("O-1");
	line = mk_line(o, 1, sku);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "", 0, 3, NULL), 0);

	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 2), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 2), DB_ESTOCK);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 2);    /* the failed call undid only itself */
	db_rollback(db);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move"), 1);

	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 1), 0);
	CU_ASSERT_EQUAL(stock_adjust(&sys, wh, sku, "", -3, "count"), DB_ESTOCK);
	CU_ASSERT_EQUAL(stock_ship_order(&sys, o), 0);
	CU_ASSERT_EQUAL_FATAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(q_on_hand(wh, sku), 2);
	CU_ASSERT_EQUAL(q_reserved(wh, sku), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit"), 3);
	CU_ASSERT_EQUAL(audit_verify(db, &n, &bad_id, msg, sizeof msg), 0);
	verify_ok();
	teardown();
}

/* stock_verify notices a cache that drifted from the ledger. */
static void
test_verify_detects(void)
{
	char msg[512];
	int64_t wh, sku, o, line;

	setup();
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "SKU-V", 0);
	o = mk_order("O-1");
	line = mk_line(o, 1, sku);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL(stock_reserve(&sys, o, line, wh, sku, 1), 0);
	verify_ok();

	CU_ASSERT_EQUAL(db_run(db, "UPDATE stock_level SET on_hand = 4", ""), 0);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "SKU-V"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "HCM"));
	CU_ASSERT_EQUAL(db_run(db, "UPDATE stock_level SET on_hand = 3", ""), 0);
	verify_ok();

	CU_ASSERT_EQUAL(db_run(db, "UPDATE reservation SET qty = 2", ""), 0);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "reservations hold 2"));
	CU_ASSERT_EQUAL(db_run(db, "UPDATE reservation SET qty = 1", ""), 0);

	CU_ASSERT_EQUAL(db_run(db, "DELETE FROM stock_level", ""), 0);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no stock level row"));
	CU_ASSERT_EQUAL(stock_verify(&sys, NULL, 0), 1);
	teardown();
}

/*
 * 1. The ledger under random operations, against a model kept by the test: per lot on
 * hand and reserved, and what each order holds in each lot. Reservation in the model
 * follows FEFO/FIFO by a fixed lot order, so the comparison checks lot choice too.
 */

#define R_WH    2
#define R_SKU   3
#define R_LOT   4
#define R_ORD   30
#define R_OPS   4000
#define R_DAY   86400

struct rsku {
	const char *code;
	int tracked;
	int64_t min_shelf_days, buffer;
	int nlots;
	const char *lot[R_LOT];
	int64_t expiry_days[R_LOT];     /* from TEST_EPOCH; 0: undated */
	int order[R_LOT];               /* lots in the order reservation takes them */
	int fresh[R_LOT];               /* may be sold now */
};

static const struct rsku rskus[R_SKU] = {
	{ "R-PLAIN", 0, 0, 2, 1, { "" }, { 0 }, { 0 }, { 1 } },
	{ "R-DATED", 1, 0, 0, 3, { "L1", "L2", "L3" }, { 100, 50, 0 }, { 1, 0, 2 },
	    { 1, 1, 1 } },
	{ "R-FRESH", 1, 30, 1, 4, { "F1", "F2", "F3", "F4" }, { 10, 45, 90, -5 },
	    { 3, 0, 1, 2 }, { 0, 1, 1, 0 } },
};

struct model {
	int64_t wh[R_WH], sku[R_SKU], ord[R_ORD], line[R_ORD][R_SKU];
	int64_t on_hand[R_WH][R_SKU][R_LOT], reserved[R_WH][R_SKU][R_LOT];
	int64_t held[R_ORD][R_WH][R_SKU][R_LOT];
	int seen[R_SKU][R_LOT];         /* lot row exists (received at least once) */
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 2685821657736338717ULL;
}

static int64_t
rnd(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

static int
lot_index(int k, const char *code)
{
	int l;

	for (l = 0; l < rskus[k].nlots; l++) {
		if (strcmp(rskus[k].lot[l], code) == 0)
			return l;
	}
	return -1;
}

/* Every stock_level row (and, when with_res, every reservation) equals the model. */
static int
model_matches(const struct model *m, int with_res)
{
	static int64_t oh[R_WH][R_SKU][R_LOT], rs[R_WH][R_SKU][R_LOT];
	static int64_t hd[R_ORD][R_WH][R_SKU][R_LOT];
	struct db_stmt *st;
	int w, k, l, o, rc, ok = 1;

	memset(oh, 0, sizeof oh);
	memset(rs, 0, sizeof rs);
	memset(hd, 0, sizeof hd);
	st = db_prep(db, "SELECT sl.warehouse_id, sl.sku_id, l.lot_code, sl.on_hand, "
	    "sl.reserved FROM stock_level sl JOIN lot l ON l.id = sl.lot_id");
	while ((rc = db_step(st)) == DB_ROW) {
		for (w = 0; w < R_WH && m->wh[w] != db_col_int(st, 0); w++)
			;
		for (k = 0; k < R_SKU && m->sku[k] != db_col_int(st, 1); k++)
			;
		if (w == R_WH || k == R_SKU || (l = lot_index(k, db_col_text(st, 2))) < 0) {
			ok = 0;
			continue;
		}
		oh[w][k][l] = db_col_int(st, 3);
		rs[w][k][l] = db_col_int(st, 4);
	}
	db_done(st);
	if (rc != DB_DONE || memcmp(oh, m->on_hand, sizeof oh) != 0 ||
	    memcmp(rs, m->reserved, sizeof rs) != 0)
		ok = 0;
	if (!with_res || !ok)
		return ok;

	st = db_prep(db, "SELECT r.order_id, r.warehouse_id, r.sku_id, l.lot_code, r.qty "
	    "FROM reservation r JOIN lot l ON l.id = r.lot_id");
	while ((rc = db_step(st)) == DB_ROW) {
		for (o = 0; o < R_ORD && m->ord[o] != db_col_int(st, 0); o++)
			;
		for (w = 0; w < R_WH && m->wh[w] != db_col_int(st, 1); w++)
			;
		for (k = 0; k < R_SKU && m->sku[k] != db_col_int(st, 2); k++)
			;
		if (o == R_ORD || w == R_WH || k == R_SKU ||
		    (l = lot_index(k, db_col_text(st, 3))) < 0) {
			ok = 0;
			continue;
		}
		hd[o][w][k][l] += db_col_int(st, 4);
	}
	db_done(st);
	if (rc != DB_DONE || memcmp(hd, m->held, sizeof hd) != 0)
		ok = 0;
	return ok;
}

static int64_t
expiry_of(int k, int l)
{
	int64_t d = rskus[k].expiry_days[l];

	return d != 0 ? TEST_EPOCH + d * R_DAY : 0;
}

/* Run one random operation; returns its name for failure reports. */
static const char *
random_op(struct model *m, struct session *admin, struct session *packer,
    int *want, int *got)
{
	int w = (int)rnd(0, R_WH - 1), k = (int)rnd(0, R_SKU - 1);
	int o = (int)rnd(0, R_ORD - 1), l = (int)rnd(0, rskus[k].nlots - 1);
	const struct rsku *r = &rskus[k];
	int64_t qty, free, sellable, take, delta;
	int op = (int)rnd(0, 99), i, j;

	if (op < 16) {                  /* receive */
		qty = rnd(1, 8);
		*want = 0;
		/* The first receipt dates the lot; later ones may leave the date out. */
		*got = stock_receive(&sys, m->wh[w], m->sku[k], r->lot[l],
		    m->seen[k][l] && rnd(0, 1) ? 0 : expiry_of(k, l), qty, "PO");
		if (*got == 0) {
			m->on_hand[w][k][l] += qty;
			m->seen[k][l] = 1;
		}
		return "receive";
	}
	if (op < 50) {                  /* reserve: predicted from the model */
		qty = rnd(1, 6);
		free = 0;
		for (i = 0; i < r->nlots; i++) {
			if (r->fresh[i])
				free += m->on_hand[w][k][i] - m->reserved[w][k][i];
		}
		sellable = free > r->buffer ? free - r->buffer : 0;
		*want = qty <= sellable ? 0 : DB_ESTOCK;
		*got = stock_reserve(&sys, m->ord[o], m->line[o][k], m->wh[w], m->sku[k], qty);
		if (*got == 0) {
			for (i = 0; i < r->nlots && qty > 0; i++) {
				j = r->order[i];
				if (!r->fresh[j])
					continue;
				free = m->on_hand[w][k][j] - m->reserved[w][k][j];
				take = free < qty ? free : qty;
				m->reserved[w][k][j] += take;
				m->held[o][w][k][j] += take;
				qty -= take;
			}
		}
		return "reserve";
	}
	if (op < 72) {                  /* unreserve or ship every reservation of o */
		int ship = op >= 58;

		*want = 0;
		*got = ship ? stock_ship_order(packer, m->ord[o]) :
		    stock_unreserve_order(packer, m->ord[o]);
		if (*got == 0) {
			for (w = 0; w < R_WH; w++)
				for (k = 0; k < R_SKU; k++)
					for (l = 0; l < R_LOT; l++) {
						m->reserved[w][k][l] -= m->held[o][w][k][l];
						if (ship)
							m->on_hand[w][k][l] -= m->held[o][w][k][l];
						m->held[o][w][k][l] = 0;
					}
		}
		return ship ? "ship" : "unreserve";
	}
	if (op < 88) {                  /* adjust, often more than there is */
		do
			delta = rnd(-14, 10);
		while (delta == 0);
		if (delta > 0 && !m->seen[k][l])
			delta = -delta;     /* creating lots here would leave them undated */
		*want = m->on_hand[w][k][l] + delta >= m->reserved[w][k][l] ? 0 : DB_ESTOCK;
		*got = stock_adjust(admin, m->wh[w], m->sku[k], r->lot[l], delta, "count");
		if (*got == 0)
			m->on_hand[w][k][l] += delta;
		return "adjust";
	}
	if (op < 94) {                  /* return into a lot we know */
		if (!m->seen[k][l]) {
			*want = *got = 0;
			return "return (skipped)";
		}
		qty = rnd(1, 3);
		*want = 0;
		*got = stock_return(&sys, m->ord[o], m->wh[w], m->sku[k], r->lot[l], qty);
		if (*got == 0)
			m->on_hand[w][k][l] += qty;
		return "return";
	}
	switch (op) {                   /* bad requests: each must change nothing */
	case 94:
		*want = DB_EPERM;
		*got = stock_adjust(packer, m->wh[w], m->sku[k], r->lot[l], 1, "count");
		return "adjust as packer";
	case 95:
		*want = DB_EINVAL;
		*got = stock_receive(&sys, m->wh[w], m->sku[k], r->tracked ? "" : "X", 0, 1,
		    NULL);
		return "receive with a wrong lot code";
	case 96:
		*want = DB_EINVAL;
		*got = stock_reserve(&sys, m->ord[o], m->line[o][(k + 1) % R_SKU], m->wh[w],
		    m->sku[k], 1);
		return "reserve on another SKU's line";
	case 97:
		*want = DB_EINVAL;
		*got = stock_receive(&sys, m->wh[w], m->sku[k], r->lot[l], 0, rnd(-3, 0), NULL);
		return "receive nothing";
	case 98:
		*want = DB_ENOTFOUND;
		*got = stock_return(&sys, m->ord[R_ORD - 1] + 1000, m->wh[w], m->sku[k],
		    r->lot[l], 1);
		return "return for no order";
	default:
		if (!r->tracked || !m->seen[k][l] || rskus[k].expiry_days[l] == 0) {
			*want = *got = 0;
			return "bad expiry (skipped)";
		}
		*want = DB_EINVAL;
		*got = stock_receive(&sys, m->wh[w], m->sku[k], r->lot[l], expiry_of(k, l) + 60,
		    1, NULL);
		return "receive with another expiry";
	}
}

static void
test_random(void)
{
	static struct model m;
	struct session admin, packer;
	unsigned long long seed;
	const char *what, *seed_env = getenv("PB_STOCK_SEED");
	char name[32], *fp, *fp2;
	int64_t n, bad_id;
	char msg[512];
	int i, k, want, got, failures = 0, refused = 0;

	setup();
	memset(&m, 0, sizeof m);
	seed = seed_env != NULL ? strtoull(seed_env, NULL, 0) : 0x5eed2025ULL;
	rng_state = seed != 0 ? seed : 1;
	tu_session(&admin, db, ROLE_ADMIN);
	tu_session(&packer, db, ROLE_PACKER);
	m.wh[0] = tu_warehouse(&sys, "HCM");
	m.wh[1] = tu_warehouse(&sys, "HN");
	for (k = 0; k < R_SKU; k++) {
		m.sku[k] = tu_sku(&sys, rskus[k].code, rskus[k].tracked);
		sku_set(m.sku[k], rskus[k].min_shelf_days, rskus[k].buffer);
	}
	for (i = 0; i < R_ORD; i++) {
		snprintf(name, sizeof name, "R-%d", i);
		m.ord[i] = mk_order(name);
		for (k = 0; k < R_SKU; k++)
			m.line[i][k] = mk_line(m.ord[i], k + 1, m.sku[k]);
	}

	for (i = 0; i < R_OPS && failures < 5; i++) {
		sys.err[0] = admin.err[0] = packer.err[0] = '\0';
		fp = fingerprint();
		what = random_op(&m, &admin, &packer, &want, &got);
		if (got != want) {
			fprintf(stderr, "op %d %s: want %d, got %d: %s\n", i, what, want, got,
			    sys.err[0] ? sys.err : admin.err[0] ? admin.err : packer.err);
			failures++;
		}
		if (got != 0) {
			fp2 = fingerprint();
			if (strcmp(fp, fp2) != 0) {
				fprintf(stderr, "op %d %s failed (%d) but changed the database\n",
				    i, what, got);
				failures++;
			}
			free(fp2);
		}
		free(fp);
		refused += want != 0;
		if (!model_matches(&m, i % 50 == 0)) {
			fprintf(stderr, "op %d %s: stock differs from the model\n", i, what);
			failures++;
		}
		if (i % 10 == 0 && stock_verify(&sys, msg, sizeof msg) != 0) {
			fprintf(stderr, "op %d %s: verify: %s\n", i, what, msg);
			failures++;
		}
	}
	printf("(seed %#llx, %d ops, %d refused) ", (unsigned long long)seed, i, refused);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT(refused > R_OPS / 10);
	CU_ASSERT(model_matches(&m, 1));
	verify_ok();

	/* Totals through the public reads agree with the model too. */
	for (k = 0; k < R_SKU; k++) {
		int64_t oh = 0, rs = 0;
		int w, l;

		for (w = 0; w < R_WH; w++)
			for (l = 0; l < R_LOT; l++) {
				oh += m.on_hand[w][k][l];
				rs += m.reserved[w][k][l];
			}
		CU_ASSERT_EQUAL(q_on_hand(0, m.sku[k]), oh);
		CU_ASSERT_EQUAL(q_reserved(0, m.sku[k]), rs);
		CU_ASSERT_EQUAL(q_available(0, m.sku[k]),
		    oh - rs - rskus[k].buffer > 0 ? oh - rs - rskus[k].buffer : 0);
	}
	/* Something of every kind happened, every movement was audited, the chain holds. */
	CU_ASSERT(count("SELECT count(DISTINCT kind) FROM stock_move") == 6);
	CU_ASSERT(count("SELECT count(*) FROM stock_move") > R_OPS / 2);
	CU_ASSERT(count("SELECT count(*) FROM stock_move WHERE d_reserved > 0") > 200);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'stock'"),
	    count("SELECT count(*) FROM stock_move"));
	CU_ASSERT_EQUAL(audit_verify(db, &n, &bad_id, msg, sizeof msg), 0);
	teardown();
}

/* 3. Two processes race for the last unit; exactly one wins. */

#define RACES 20

struct race {
	int64_t sku, order[2], line[2];
};

/* Child: own connection, wait for the start signal, try once. Never returns. */
static void
racer(const struct race *r, int64_t wh, int who, int ready, int go)
{
	struct db *cdb;
	struct session s;
	char err[512], c = 'r';
	int rc;

	if (db_open(&cdb, path, err, sizeof err) != 0) {
		fprintf(stderr, "racer: %s\n", err);
		_exit(3);
	}
	tu_session(&s, cdb, ROLE_PACKER);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		_exit(4);
	rc = stock_reserve(&s, r->order[who], r->line[who], wh, r->sku, 1);
	if (rc != 0 && rc != DB_ESTOCK)
		fprintf(stderr, "racer %d: %d %s\n", who, rc, s.err);
	db_close(cdb);
	_exit(rc == 0 ? 0 : rc == DB_ESTOCK ? 1 : 2);
}

static void
test_race(void)
{
	struct race races[RACES];
	char err[512], name[32], buf[2] = { 'g', 'g' };
	int64_t wh;
	int i, j, wins, shorts, status, ready[2], go[2];
	pid_t pid[2];

	setup();
	wh = tu_warehouse(&sys, "HCM");
	for (i = 0; i < RACES; i++) {
		snprintf(name, sizeof name, "LAST-%d", i);
		races[i].sku = tu_sku(&sys, name, 0);
		CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, races[i].sku, "", 0, 1, NULL), 0);
		for (j = 0; j < 2; j++) {
			snprintf(name, sizeof name, "RACE-%d-%d", i, j);
			races[i].order[j] = mk_order(name);
			races[i].line[j] = mk_line(races[i].order[j], 1, races[i].sku);
		}
	}
	/* No connection is carried across fork(): each child opens its own. */
	db_close(db);
	db = NULL;

	for (i = 0; i < RACES; i++) {
		CU_ASSERT_EQUAL_FATAL(pipe(ready), 0);
		CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
		fflush(stdout);
		fflush(stderr);
		for (j = 0; j < 2; j++) {
			pid[j] = fork();
			CU_ASSERT_FATAL(pid[j] >= 0);
			if (pid[j] == 0) {
				close(ready[0]);
				close(go[1]);
				racer(&races[i], wh, j, ready[1], go[0]);
			}
		}
		close(ready[1]);
		close(go[0]);
		/* Both connected and waiting; release them together. */
		CU_ASSERT_EQUAL(read(ready[0], buf, 1) + read(ready[0], buf, 1), 2);
		CU_ASSERT_EQUAL(write(go[1], buf, 2), 2);
		close(ready[0]);
		close(go[1]);
		wins = shorts = 0;
		for (j = 0; j < 2; j++) {
			CU_ASSERT_EQUAL(waitpid(pid[j], &status, 0), pid[j]);
			CU_ASSERT(WIFEXITED(status));
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				wins++;
			else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
				shorts++;
		}
		CU_ASSERT_EQUAL(wins, 1);
		CU_ASSERT_EQUAL(shorts, 1);
	}

	CU_ASSERT_EQUAL_FATAL(db_open(&db, path, err, sizeof err), 0);
	session_system(&sys, db, "T1");
	for (i = 0; i < RACES; i++) {
		CU_ASSERT_EQUAL(q_on_hand(wh, races[i].sku), 1);
		CU_ASSERT_EQUAL(q_reserved(wh, races[i].sku), 1);
		CU_ASSERT_EQUAL(q_available(wh, races[i].sku), 0);
	}
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation"), RACES);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE kind = 'reserve'"), RACES);
	verify_ok();
	teardown();
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("stock", NULL, NULL);
	CU_add_test(s, "available = on hand - reserved - buffer", test_available);
	CU_add_test(s, "totals per warehouse and over all", test_totals);
	CU_add_test(s, "bad input changes nothing", test_input);
	CU_add_test(s, "warehouse upsert and find", test_warehouse);
	CU_add_test(s, "roles", test_rbac);
	CU_add_test(s, "FEFO skips short-dated lots and spans lots", test_fefo);
	CU_add_test(s, "FEFO margin edges", test_fefo_edge);
	CU_add_test(s, "FIFO by receipt, then id", test_fifo);
	CU_add_test(s, "all or nothing inside a caller's transaction", test_nested);
	CU_add_test(s, "verify detects a drifted cache", test_verify_detects);
	CU_add_test(s, "ledger invariants under random operations", test_random);
	CU_add_test(s, "two processes race for the last unit", test_race);
	return tu_run();
}

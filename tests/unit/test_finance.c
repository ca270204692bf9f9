/*
 * test_finance.c — settlements: which orders are due (delivered or completed, marked
 * in the transition's transaction; none final, time come; bounded per call), the lines stored with currency and fetch time,
 * replaced while not final (repeated fee types summed) and atomically, never once
 * final, audited; failures kept with last_error and retried after a backoff; a channel
 * without a settlement call reported. A scripted ops row stands in for the channel.
 */
#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/order.h"
#include "core/stock.h"
#include "market/finance.h"
#include "testutil.h"

static struct db *db;
static char path[256];
static struct session sys;
static int64_t now_s = TEST_EPOCH + 1000;

/* ------------------------------------------------------------------ scripted channel */

static int ncalls, round_no, final_now;
static char called[32][64];

static enum market_class
fake_settlement(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, struct market_settlement *out, struct market_error *err)
{
	(void)env;
	(void)c;
	if (ncalls < 32)
		snprintf(called[ncalls], sizeof called[0], "%s", order_no);
	ncalls++;
	if (strcmp(order_no, "F-ERR") == 0 && round_no == 0)
		return market_error_set(err, MC_RETRY, "error_server", "scripted outage");
	strncat(out->order_no, order_no, sizeof out->order_no - 1);
	snprintf(out->currency, sizeof out->currency, "%s",
	    strcmp(order_no, "F-CUR") == 0 ? "dong" : "VND");
	out->final = final_now;
	if (round_no == 0) {
		market_settlement_add(out, "commission_fee", -5000);
		market_settlement_add(out, "service_fee", -2000);
		market_settlement_add(out, "escrow_amount", 93000);
	} else {
		market_settlement_add(out, "commission_fee", -5500);
		market_settlement_add(out, "voucher", 1000);
		market_settlement_add(out, "voucher", 500);
		market_settlement_add(out, "escrow_amount", 96000);
	}
	return MC_OK;
}

static const struct market_ops with_settlement = { .channel = "shopee",
	.settlement = fake_settlement };
static const struct market_ops without = { .channel = "shopee" };

static int64_t
fake_wall(void *ctx)
{
	(void)ctx;
	return now_s;
}

static const struct retry_policy policy = { .max_attempts = 1, .base_ms = 1, .cap_ms = 1 };
static const struct market_call_env env = { .policy = &policy, .wall_s = fake_wall };

static int
fetch(const struct market_ops *ops, int limit, struct finance_counts *n,
    struct market_error *err)
{
	struct market_creds c = { 0 };
	struct finance_opts o = { 0 };

	o.channel = "shopee";
	o.shop = "shop-a";
	o.limit = limit;
	o.refetch_s = 3600;
	o.env = &env;
	o.ops = ops;
	ncalls = 0;
	return finance_fetch_due(&sys, &c, NULL, &o, n, err);
}

/* ------------------------------------------------------------------ fixtures */

static int64_t
new_order(const char *no, enum order_status st)
{
	struct order_line_in line = { "SKU-1", 1, 100000 };
	struct order_in in = {
		.channel = "shopee", .shop = "shop-a", .order_no = no,
		.created_at = TEST_EPOCH, .status = st, .currency = "VND", .total = 100000,
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static int
setup(void)
{
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_sku(&sys, "SKU-1", 0);
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

/* The amount of one fee line of order no; -1 when absent. */
static int64_t
line(const char *no, const char *type)
{
	struct db_stmt *st = db_prep(db, "SELECT f.amount FROM settlement_fee f JOIN orders o "
	    "ON o.id = f.order_id WHERE o.order_no = ? AND f.fee_type = ?");
	int64_t v = -1;

	db_bind_text(st, 1, no);
	db_bind_text(st, 2, type);
	if (db_step(st) == DB_ROW)
		v = db_col_int(st, 0);
	db_done(st);
	return v;
}

static int64_t
nlines(const char *no)
{
	return tu_int(db, "SELECT count(*) FROM settlement_fee f JOIN orders o ON o.id = f.order_id "
	    "WHERE o.order_no = ?", no);
}

/* ------------------------------------------------------------------ tests */

/* Only delivered and completed orders; at most limit a call; stored as reported. */
static void
test_due_and_stored(void)
{
	struct finance_counts n;
	struct market_error err;

	new_order("F-1", ST_DELIVERED);
	new_order("F-2", ST_COMPLETED);
	new_order("F-3", ST_SHIPPED);
	new_order("F-4", ST_DELIVERED);
	new_order("F-5", ST_NEW);
	CU_ASSERT_EQUAL(fetch(&with_settlement, 2, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 2);
	CU_ASSERT_EQUAL(n.fetched, 2);
	CU_ASSERT_EQUAL(n.final, 0);
	CU_ASSERT_EQUAL(n.due, 1);
	CU_ASSERT_STRING_EQUAL(called[0], "F-1");
	CU_ASSERT_STRING_EQUAL(called[1], "F-2");
	CU_ASSERT_EQUAL(fetch(&with_settlement, 2, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 1);
	CU_ASSERT_STRING_EQUAL(called[0], "F-4");
	CU_ASSERT_EQUAL(n.due, 0);
	/* Nothing due: nothing asked. */
	CU_ASSERT_EQUAL(fetch(&with_settlement, 2, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 0);

	CU_ASSERT_EQUAL(nlines("F-1"), 3);
	CU_ASSERT_EQUAL(line("F-1", "commission_fee"), -5000);
	CU_ASSERT_EQUAL(line("F-1", "service_fee"), -2000);
	CU_ASSERT_EQUAL(line("F-1", "escrow_amount"), 93000);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement_fee WHERE currency = ? AND final = 0 "
	    "AND fetched_at = 1764548200", "VND"), 9);
	CU_ASSERT_EQUAL(nlines("F-3"), 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM audit WHERE action = 'settlement' AND "
	    "after LIKE ?", "%\"net\":86000%"), 3);
}

/* Not final: asked again after refetch_s, lines replaced (repeated types summed). Then
 * final: never asked again, never replaced. */
static void
test_replaced_then_final(void)
{
	struct finance_counts n;
	struct market_error err;
	struct market_settlement late = { 0 };
	int64_t id = tu_int(db, "SELECT id FROM orders WHERE order_no = ?", "F-1");

	now_s += 3600;
	round_no = 1;
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 3);
	CU_ASSERT_EQUAL(nlines("F-1"), 3);
	CU_ASSERT_EQUAL(line("F-1", "commission_fee"), -5500);
	CU_ASSERT_EQUAL(line("F-1", "service_fee"), -1);
	CU_ASSERT_EQUAL(line("F-1", "voucher"), 1500);
	CU_ASSERT_EQUAL(line("F-1", "escrow_amount"), 96000);

	now_s += 3600;
	final_now = 1;
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(n.final, 3);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement WHERE final = 1 AND ? <> ''", "x"),
	    3);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement_fee WHERE final = 1 AND ? <> ''",
	    "x"), 9);
	now_s += 30 * 86400;
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 0);
	/* A late, different answer does not touch a final settlement. */
	market_settlement_add(&late, "commission_fee", -1);
	CU_ASSERT_EQUAL(finance_store(&sys, id, &late, now_s, now_s), 0);
	CU_ASSERT_EQUAL(line("F-1", "commission_fee"), -5500);
	market_settlement_free(&late);
	CU_ASSERT_EQUAL(finance_store(&sys, 99999, &late, now_s, now_s), DB_ENOTFOUND);
	final_now = 0;
	round_no = 0;
}

/* A store that fails half-way leaves the previous lines as they were. */
static void
test_store_atomic(void)
{
	struct market_settlement ms = { 0 };
	int64_t id = new_order("F-6", ST_DELIVERED);

	market_settlement_add(&ms, "commission_fee", -100);
	CU_ASSERT_EQUAL(finance_store(&sys, id, &ms, now_s, now_s + 60), 0);
	market_settlement_add(&ms, "bad_fee", -1);
	CU_ASSERT_EQUAL_FATAL(db_exec(db, "CREATE TEMP TRIGGER no_bad BEFORE INSERT ON "
	    "settlement_fee WHEN NEW.fee_type = 'bad_fee' BEGIN SELECT RAISE(ABORT, 'no'); END"),
	    0);
	ms.fees[0].amount = -200;
	CU_ASSERT_NOT_EQUAL(finance_store(&sys, id, &ms, now_s, now_s + 60), 0);
	CU_ASSERT_EQUAL(db_exec(db, "DROP TRIGGER no_bad"), 0);
	CU_ASSERT_EQUAL(nlines("F-6"), 1);
	CU_ASSERT_EQUAL(line("F-6", "commission_fee"), -100);
	market_settlement_free(&ms);
	/* Fetched for real later. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE settlement SET next_at = 0 WHERE order_id = ?", "i",
	    id), 0);
}

/* A failed fetch keeps its error and waits its backoff; a bad answer is FATAL. */
static void
test_failures(void)
{
	struct finance_counts n;
	struct market_error err;

	new_order("F-ERR", ST_COMPLETED);
	new_order("F-CUR", ST_COMPLETED);
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 1);
	CU_ASSERT_EQUAL(ncalls, 3);                 /* F-6, F-ERR, F-CUR */
	CU_ASSERT_EQUAL(n.fetched, 1);
	CU_ASSERT_EQUAL(n.failed, 2);
	CU_ASSERT_EQUAL(err.cls, MC_RETRY);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement s JOIN orders o ON o.id = s.order_id "
	    "WHERE o.order_no = 'F-ERR' AND s.last_error LIKE ?", "RETRY: scripted outage%"), 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement s JOIN orders o ON o.id = s.order_id "
	    "WHERE o.order_no = 'F-CUR' AND s.last_error LIKE ?", "FATAL:%ISO 4217%"), 1);
	CU_ASSERT_EQUAL(nlines("F-CUR"), 0);
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 0);
	now_s += 600;
	round_no = 1;
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 1);
	CU_ASSERT_STRING_EQUAL(called[0], "F-ERR");
	CU_ASSERT_EQUAL(line("F-ERR", "voucher"), 1500);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement s JOIN orders o ON o.id = s.order_id "
	    "WHERE o.order_no = ? AND s.last_error IS NULL", "F-ERR"), 1);
}

/* No settlement call on the channel: said so, nothing stored. */
static void
test_unsupported(void)
{
	struct finance_counts n;
	struct market_error err;
	int64_t rows = tu_int(db, "SELECT count(*) FROM settlement_fee WHERE ? <> ''", "x");

	new_order("F-7", ST_DELIVERED);
	CU_ASSERT_EQUAL(fetch(&without, 10, &n, &err), 1);
	CU_ASSERT_EQUAL(n.due, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "shopee has no settlement call yet"));
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement_fee WHERE ? <> ''", "x"), rows);
}

/* An order delivered through the state machine becomes due in that transaction; a
 * rolled-back transition leaves it not due. */
static void
test_due_on_delivery(void)
{
	struct finance_counts n;
	struct market_error err;
	int64_t id = tu_int(db, "SELECT id FROM orders WHERE order_no = ?", "F-3");

	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 1);                 /* F-7 only */
	CU_ASSERT_EQUAL_FATAL(db_exec(db, "CREATE TEMP TRIGGER no_audit BEFORE INSERT ON audit "
	    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"), 0);
	CU_ASSERT_NOT_EQUAL(order_transition(&sys, id, 0, ST_DELIVERED, NULL), 0);
	CU_ASSERT_EQUAL(db_exec(db, "DROP TRIGGER no_audit"), 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM settlement WHERE order_id = (SELECT id FROM "
	    "orders WHERE order_no = ?)", "F-3"), 0);
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_DELIVERED, NULL), 0);
	CU_ASSERT_EQUAL(fetch(&with_settlement, 10, &n, &err), 0);
	CU_ASSERT_EQUAL(ncalls, 1);
	CU_ASSERT_STRING_EQUAL(called[0], "F-3");
	CU_ASSERT_EQUAL(nlines("F-3"), 3);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("settlements", setup, teardown);
	CU_add_test(su, "due orders fetched and stored", test_due_and_stored);
	CU_add_test(su, "replaced until final", test_replaced_then_final);
	CU_add_test(su, "a failed store changes nothing", test_store_atomic);
	CU_add_test(su, "failures kept and retried", test_failures);
	CU_add_test(su, "no settlement call", test_unsupported);
	CU_add_test(su, "due once delivered", test_due_on_delivery);
	return tu_run();
}

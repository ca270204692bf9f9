/*
 * test_cancel_outbox.c — cancels owed to the marketplace: a person's cancel of a
 * marketplace order writes the outbox row "cancel" in the cancel's own transaction
 * (a failed row insert undoes the cancel; the audit keeps the reason as valid JSON),
 * voids the order's ship calls not tried yet; a cancel that came from the marketplace
 * (order_upsert) or of a manual order writes none. The drain calls the channel's cancel once per row (a scripted ops row), retries
 * transient failures, keeps FATAL ones, and leaves a row its channel has no cancel call
 * for owed with last_error.
 */
#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/order.h"
#include "core/stock.h"
#include "market/outbox.h"
#include "testutil.h"

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int64_t wh, now_s = TEST_EPOCH + 1000;

/* ------------------------------------------------------------------ scripted channel */

#define MAXCALLS 16
static struct {
	int n;
	char no[MAXCALLS][64];
	char reason[MAXCALLS][128];
} calls;
static enum market_class script[MAXCALLS];  /* answers in turn; then MC_OK */
static int nscript;

static enum market_class
fake_cancel(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, const char *reason, struct market_error *err)
{
	enum market_class cls = calls.n < nscript ? script[calls.n] : MC_OK;

	(void)env;
	(void)c;
	if (calls.n < MAXCALLS) {
		snprintf(calls.no[calls.n], sizeof calls.no[0], "%s", order_no);
		snprintf(calls.reason[calls.n], sizeof calls.reason[0], "%s", reason);
	}
	calls.n++;
	if (cls != MC_OK)
		market_error_set(err, cls, cls == MC_FATAL ? "error_param" : "error_server",
		    "scripted %s", market_class_name(cls));
	return cls;
}

static const struct market_ops with_cancel = { .channel = "shopee", .cancel = fake_cancel };
static const struct market_ops without_cancel = { .channel = "shopee" };

static int64_t
fake_wall(void *ctx)
{
	(void)ctx;
	return now_s;
}

static void
no_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	(void)ms;
}

static const struct retry_policy policy = { .max_attempts = 1, .base_ms = 1, .cap_ms = 1 };
static const struct market_call_env env = { .policy = &policy, .sleep_ms = no_sleep,
	.wall_s = fake_wall };

static int
drain(const struct market_ops *ops, struct outbox_counts *n, struct market_error *err)
{
	struct market_creds c = { 0 };
	struct outbox_opts o = { 0 };

	o.channel = "shopee";
	o.shop = "shop-a";
	o.env = &env;
	o.ops = ops;
	return outbox_drain(&sys, &c, NULL, &o, n, err);
}

/* ------------------------------------------------------------------ fixtures */

static int
setup(void)
{
	int64_t sku;

	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "SKU-1", 0);
	return stock_receive(&sys, wh, sku, "", 0, 1000, "test") == 0 ? 0 : -1;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int64_t
new_order(const char *channel, const char *no, enum order_status st)
{
	struct order_line_in line = { "SKU-1", 1, 50000 };
	struct order_in in = {
		.channel = channel, .shop = "shop-a", .order_no = no,
		.created_at = TEST_EPOCH, .status = st, .currency = "VND", .total = 50000,
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static int64_t
q(const char *sql, int64_t id)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, sql, "i", id), 0);
	return n;
}

static int64_t
qn(const char *sql)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, sql, ""), 0);
	return n;
}

static int64_t
cancel_rows(int64_t order_id)
{
	return q("SELECT count(*) FROM outbox WHERE kind = 'cancel' AND order_id = ?", order_id);
}

static enum order_status
status_of(int64_t id)
{
	struct order *o;
	enum order_status st;

	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id, &o), 0);
	st = o->status;
	order_free(o);
	return st;
}

/* ------------------------------------------------------------------ writing */

static void
test_user_cancel(void)
{
	int64_t id = new_order("shopee", "C-1", ST_NEW);
	struct db_stmt *st;
	json_t *p = NULL;

	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_CANCELLED, "Out of \"stock\""), 0);
	CU_ASSERT_EQUAL(cancel_rows(id), 1);
	st = db_prep(db, "SELECT payload, shop_id = (SELECT shop_id FROM orders WHERE id = ?), "
	    "done_at IS NULL, next_at FROM outbox WHERE order_id = ? AND kind = 'cancel'");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, id);
	CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
	p = json_loads(db_col_text(st, 0), 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "order_no")), "C-1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "reason")),
	    "Out of \"stock\"");
	CU_ASSERT_EQUAL(db_col_int(st, 1), 1);
	CU_ASSERT_EQUAL(db_col_int(st, 2), 1);
	CU_ASSERT_EQUAL(db_col_int(st, 3), 0);
	db_done(st);
	json_decref(p);
	/* The cancel's audit record holds the reason as valid JSON too. */
	st = db_prep(db, "SELECT after FROM audit WHERE entity = 'order' AND entity_id = ? AND "
	    "action = 'transition' ORDER BY id DESC LIMIT 1");
	db_bind_int(st, 1, id);
	CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
	p = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "reason")),
	    "Out of \"stock\"");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "status")), "CANCELLED");
	json_decref(p);
}

/* The row is part of the cancel: when it cannot be written, the cancel is undone. */
static void
test_same_transaction(void)
{
	int64_t id = new_order("shopee", "C-2", ST_CONFIRMED), audits;

	audits = q("SELECT count(*) FROM audit WHERE entity_id = ?", id);
	CU_ASSERT_EQUAL_FATAL(db_exec(db, "CREATE TEMP TRIGGER no_cancel BEFORE INSERT ON outbox "
	    "WHEN NEW.kind = 'cancel' BEGIN SELECT RAISE(ABORT, 'outbox full'); END"), 0);
	CU_ASSERT_NOT_EQUAL(order_transition(&sup, id, 0, ST_CANCELLED, "Buyer asked"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "outbox"));
	CU_ASSERT_EQUAL(db_exec(db, "DROP TRIGGER no_cancel"), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);           /* as it arrived: allocated */
	CU_ASSERT_EQUAL(cancel_rows(id), 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM audit WHERE entity_id = ?", id), audits);
	/* And once it can: both. */
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_CANCELLED, "Buyer asked"), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_CANCELLED);
	CU_ASSERT_EQUAL(cancel_rows(id), 1);
}

/* The marketplace said it: nothing owed back. Nor for a manual order. */
static void
test_market_cancel_owes_nothing(void)
{
	int64_t id = new_order("shopee", "C-3", ST_NEW), born, manual;

	new_order("shopee", "C-3", ST_CANCELLED);
	CU_ASSERT_EQUAL(status_of(id), ST_CANCELLED);
	CU_ASSERT_EQUAL(cancel_rows(id), 0);
	born = new_order("shopee", "C-4", ST_CANCELLED);
	CU_ASSERT_EQUAL(cancel_rows(born), 0);
	manual = new_order("manual", "M-1", ST_NEW);
	CU_ASSERT_EQUAL(order_transition(&sup, manual, 0, ST_CANCELLED, "Buyer asked"), 0);
	CU_ASSERT_EQUAL(cancel_rows(manual), 0);
}

/* Pack order no as far as PACKED with the ship row the pack flow writes. */
static int64_t
packed_order(const char *no, int64_t attempts)
{
	int64_t id = new_order("shopee", no, ST_CONFIRMED), shop;

	CU_ASSERT_EQUAL_FATAL(status_of(id), ST_ALLOCATED);     /* at intake (route.h) */
	CU_ASSERT_EQUAL_FATAL(order_start_packing(&packer, id, "ST1", wh), 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&packer, id, 0, ST_PACKED, "ST1"), 0);
	shop = q("SELECT shop_id FROM orders WHERE id = ?", id);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO outbox(shop_id, order_id, kind, payload, "
	    "created_at, attempts) VALUES (?, ?, 'ready_to_ship', '{}', 1, ?)", "iii", shop, id,
	    attempts), 0);
	return id;
}

/* A packed order cancelled: its ship call not tried yet is void; one tried may have
 * gone out and stays (the cancel follows it). */
static void
test_void_ship(void)
{
	int64_t fresh = packed_order("C-5", 0), tried = packed_order("C-6", 1);

	CU_ASSERT_EQUAL(order_transition(&sup, fresh, 0, ST_CANCELLED, "Damaged"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, tried, 0, ST_CANCELLED, "Damaged"), 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE order_id = ? AND kind = "
	    "'ready_to_ship' AND done_at IS NOT NULL AND last_error LIKE 'void:%'", fresh), 1);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE order_id = ? AND kind = "
	    "'ready_to_ship' AND done_at IS NULL", tried), 1);
	CU_ASSERT_EQUAL(cancel_rows(fresh), 1);
	CU_ASSERT_EQUAL(cancel_rows(tried), 1);
	/* The ship row of C-6 is not this suite's business: out of the way. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET done_at = 1 WHERE kind = "
	    "'ready_to_ship'", ""), 0);
}

/* ------------------------------------------------------------------ draining */

/* A channel without a cancel call: rows stay owed, saying why; nothing called. */
static void
test_unsupported(void)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t owed = qn("SELECT count(*) FROM outbox WHERE done_at IS NULL");

	CU_ASSERT(owed >= 4);
	calls.n = 0;
	CU_ASSERT_EQUAL(drain(&without_cancel, &n, &err), 1);
	CU_ASSERT_EQUAL(n.failed, owed);
	CU_ASSERT_EQUAL(n.sent, 0);
	CU_ASSERT_EQUAL(n.pending, owed);
	CU_ASSERT_EQUAL(n.dead, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "shopee has no cancel call yet"));
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND attempts = 0 "
	    "AND last_error LIKE '%no cancel call yet%' AND next_at > ?", now_s), owed);
	/* Looked at again later, not at once. */
	CU_ASSERT_EQUAL(drain(&without_cancel, &n, &err), 0);
	CU_ASSERT_EQUAL(n.failed, 0);
	CU_ASSERT_EQUAL(n.pending, owed);
	CU_ASSERT_EQUAL(calls.n, 0);
}

/* Every cancel row called once; a transient failure retried after its backoff; a
 * FATAL one kept with its error. */
static void
test_drain_once(void)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t owed = qn("SELECT count(*) FROM outbox WHERE done_at IS NULL");
	int i, c5 = 0;

	now_s += 3600;                      /* the parked rows are due again */
	calls.n = 0;
	script[0] = MC_RETRY;
	script[1] = MC_FATAL;
	nscript = 2;
	CU_ASSERT_EQUAL(drain(&with_cancel, &n, &err), 1);
	CU_ASSERT_EQUAL(calls.n, owed);
	CU_ASSERT_EQUAL(n.sent, owed - 2);
	CU_ASSERT_EQUAL(n.failed, 2);
	CU_ASSERT_EQUAL(n.pending, 2);
	CU_ASSERT_EQUAL(n.dead, 1);
	CU_ASSERT_EQUAL(err.cls, MC_RETRY);
	for (i = 0; i < calls.n && i < MAXCALLS; i++) {
		if (strcmp(calls.no[i], "C-5") == 0) {
			c5++;
			CU_ASSERT_STRING_EQUAL(calls.reason[i], "Damaged");
		}
	}
	CU_ASSERT_EQUAL(c5, 1);
	CU_ASSERT_EQUAL(qn("SELECT count(*) FROM audit WHERE action = 'market_cancel'"), owed - 2);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND "
	    "last_error LIKE 'FATAL: scripted%' AND next_at = ?", OUTBOX_NEVER), 1);

	/* Nothing due until the backoff has passed; then only the transient one. */
	nscript = 0;
	CU_ASSERT_EQUAL(drain(&with_cancel, &n, &err), 0);
	CU_ASSERT_EQUAL(calls.n, owed);
	now_s += 3600;
	CU_ASSERT_EQUAL(drain(&with_cancel, &n, &err), 0);
	CU_ASSERT_EQUAL(calls.n, owed + 1);
	CU_ASSERT_EQUAL(n.sent, 1);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(n.dead, 1);
	/* Done rows are never called again. */
	now_s += 86400;
	CU_ASSERT_EQUAL(drain(&with_cancel, &n, &err), 0);
	CU_ASSERT_EQUAL(calls.n, owed + 1);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("cancel outbox", setup, teardown);
	CU_add_test(su, "a person's cancel writes the row", test_user_cancel);
	CU_add_test(su, "row and cancel in one transaction", test_same_transaction);
	CU_add_test(su, "marketplace and manual cancels owe nothing",
	    test_market_cancel_owes_nothing);
	CU_add_test(su, "ship calls not tried are void", test_void_ship);
	CU_add_test(su, "no cancel call: rows stay owed", test_unsupported);
	CU_add_test(su, "each cancel called once", test_drain_once);
	return tu_run();
}

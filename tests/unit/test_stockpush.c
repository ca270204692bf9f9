/*
 * test_stockpush.c — stock owed to the marketplaces: listings learned from mapped
 * orders; every stock movement marks the SKU's listings owed in its own transaction
 * (a rolled-back one does not); the drain pushes exactly available-to-sell (on hand -
 * reserved - buffer, floor 0, over the shop's warehouse or all, sellable lots only),
 * in the channel's batches (one item a call for Shopee, at most stock_batch SKUs),
 * coalesces many changes into one push, pushes again a change made during a push,
 * retries failures, and leaves listings owed when the channel has no stock call. The
 * [sync] stock_buffer key. A scripted ops row stands in for the channel.
 */
#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/config.h"
#include "core/db.h"
#include "core/order.h"
#include "core/stock.h"
#include "market/stockpush.h"
#include "testutil.h"

#define DAY 86400

static struct db *db;
static char path[256];
static struct session sys, sup, admin;
static int64_t hcm, hn, now_s = TEST_EPOCH + 1000;

/* ------------------------------------------------------------------ scripted channel */

#define MAXCALLS 32
#define MAXITEMS 8
struct call {
	size_t n;
	char sku[MAXITEMS][16];
	char item[MAXITEMS][16];
	char model[MAXITEMS][16];
	char location[MAXITEMS][16];
	int64_t qty[MAXITEMS];
};
static struct call calls[MAXCALLS];
static int ncalls;
static enum market_class answer = MC_OK;
static void (*during)(void);        /* run inside the next call, as if meanwhile */

static enum market_class
fake_stock(const struct market_call_env *env, const struct market_creds *c,
    const struct market_stock *items, size_t n, struct market_error *err)
{
	struct call *k = &calls[ncalls < MAXCALLS ? ncalls : MAXCALLS - 1];
	void (*hook)(void) = during;
	size_t i;

	(void)env;
	(void)c;
	k->n = n;
	for (i = 0; i < n && i < MAXITEMS; i++) {
		snprintf(k->sku[i], sizeof k->sku[i], "%s", items[i].sku);
		snprintf(k->item[i], sizeof k->item[i], "%s", items[i].item_id);
		snprintf(k->model[i], sizeof k->model[i], "%s", items[i].model_id);
		snprintf(k->location[i], sizeof k->location[i], "%s",
		    items[i].location != NULL ? items[i].location : "-");
		k->qty[i] = items[i].qty;
	}
	ncalls++;
	during = NULL;
	if (hook != NULL)
		hook();
	if (answer != MC_OK)
		return market_error_set(err, answer, "error_server", "scripted failure");
	return MC_OK;
}

static const struct market_ops shopee_like = { .channel = "shopee", .stock = fake_stock,
	.stock_batch = 2 };
static const struct market_ops lazada_like = { .channel = "lazada", .stock = fake_stock,
	.stock_batch = 2 };
static const struct market_ops no_stock = { .channel = "shopee" };

static int64_t
fake_wall(void *ctx)
{
	(void)ctx;
	return now_s;
}

static const struct retry_policy policy = { .max_attempts = 1, .base_ms = 1, .cap_ms = 1 };
static const struct market_call_env env = { .policy = &policy, .wall_s = fake_wall };

static int
drain_as(const struct market_ops *ops, const char *channel, const char *shop,
    const char *wh, struct stockpush_counts *n)
{
	struct market_creds c = { 0 };
	struct stockpush_opts o = { 0 };
	struct market_error err;

	o.channel = channel;
	o.shop = shop;
	o.warehouse = wh;
	o.buffer = 2;
	o.location = "LOC-9";
	o.env = &env;
	o.ops = ops;
	ncalls = 0;
	return stockpush_drain(&sys, &c, NULL, &o, n, &err);
}

static int
drain(struct stockpush_counts *n)
{
	return drain_as(&shopee_like, "shopee", "shop-a", NULL, n);
}

/* ------------------------------------------------------------------ fixtures */

static int64_t
sku_id(const char *code)
{
	int64_t id = 0;

	db_int(db, &id, "SELECT id FROM sku WHERE sku = ?", "s", code);
	return id;
}

static int
setup(void)
{
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&admin, db, ROLE_ADMIN);
	hcm = tu_warehouse(&sys, "HCM");
	hn = tu_warehouse(&sys, "HN");
	tu_sku(&sys, "A", 0);
	tu_sku(&sys, "B", 0);
	tu_sku(&sys, "C", 0);
	tu_sku(&sys, "D", 0);
	tu_sku(&sys, "E", 1);
	if (db_run(db, "UPDATE sku SET min_shelf_days = 30 WHERE sku = 'E'", "") != 0 ||
	    db_run(db, "INSERT INTO shop(channel, shop_code, name, warehouse_id) VALUES "
	    "('shopee', 'shop-a', 'A', ?), ('lazada', 'shop-b', 'B', NULL)", "i", hcm) != 0)
		return -1;
	if (stock_receive(&sys, hcm, sku_id("A"), "", 0, 10, "t") != 0 ||
	    stock_receive(&sys, hn, sku_id("A"), "", 0, 5, "t") != 0 ||
	    stock_receive(&sys, hcm, sku_id("B"), "", 0, 1, "t") != 0 ||
	    stock_receive(&sys, hcm, sku_id("C"), "", 0, 1, "t") != 0 ||
	    stock_receive(&sys, hcm, sku_id("E"), "OLD", TEST_EPOCH - DAY, 7, "t") != 0 ||
	    stock_receive(&sys, hcm, sku_id("E"), "NEAR", TEST_EPOCH + 5 * DAY, 11, "t") != 0 ||
	    stock_receive(&sys, hcm, sku_id("E"), "GOOD", TEST_EPOCH + 365 * DAY, 13, "t") != 0)
		return -1;
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

/* The quantity the last drain's calls pushed for sku; -1 when not pushed. */
static int64_t
pushed(const char *sku)
{
	int i;
	size_t j;

	for (i = ncalls - 1; i >= 0; i--) {
		for (j = 0; j < calls[i].n; j++) {
			if (strcmp(calls[i].sku[j], sku) == 0)
				return calls[i].qty[j];
		}
	}
	return -1;
}

/* ------------------------------------------------------------------ tests */

static void
test_listings(void)
{
	struct market_listing l[] = {
		{ "A", "100", "1" }, { "B", "100", "2" }, { "C", "100", "3" },
		{ "D", "200", NULL }, { "E", "300", "" }, { "NOT-OURS", "900", "9" },
	};
	struct market_listing moved = { "D", "200", "7" };
	int64_t changed = -1, v;

	CU_ASSERT_EQUAL(stockpush_listing_upsert(&sys, "shopee", "shop-a", l, 6, &changed), 0);
	CU_ASSERT_EQUAL(changed, 5);
	CU_ASSERT_EQUAL(stockpush_listing_upsert(&sys, "lazada", "shop-b", l, 6, &changed), 0);
	CU_ASSERT_EQUAL(changed, 5);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM shop_listing WHERE version <> pushed_version "
	    "AND ? <> ''", "x"), 10);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM audit WHERE action = 'listing' AND ? <> ''",
	    "x"), 10);
	/* The same ids again: nothing changes. */
	v = tu_int(db, "SELECT version FROM shop_listing WHERE sku_id = (SELECT id FROM sku WHERE "
	    "sku = ?) AND shop_id = 1", "D");
	CU_ASSERT_EQUAL(stockpush_listing_upsert(&sys, "shopee", "shop-a", l, 6, &changed), 0);
	CU_ASSERT_EQUAL(changed, 0);
	/* A new model id: updated, owed again. */
	CU_ASSERT_EQUAL(stockpush_listing_upsert(&sys, "shopee", "shop-a", &moved, 1, &changed),
	    0);
	CU_ASSERT_EQUAL(changed, 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT version FROM shop_listing WHERE sku_id = (SELECT id FROM sku "
	    "WHERE sku = ?) AND shop_id = 1", "D"), v + 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM shop_listing WHERE model_id = ?", "7"), 1);
	/* A shop never seen is made; a channel we do not know is a clear error. */
	CU_ASSERT_EQUAL(stockpush_listing_upsert(&sys, "shopee", "new-shop", l, 1, &changed),
	    0);
	CU_ASSERT_EQUAL(changed, 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM shop WHERE shop_code = ?", "new-shop"), 1);
	CU_ASSERT_EQUAL(stockpush_listing_upsert(&sys, "ebay", "x", l, 1, &changed),
	    DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "channel 'ebay'"));
}

/* Exactly available-to-sell after the buffer, over the shop's warehouse, one item a call
 * in at most stock_batch SKUs. */
static void
test_first_push(void)
{
	struct stockpush_counts n;
	int i;

	/* B has its own buffer of 0; every other SKU takes the default 2. */
	CU_ASSERT_EQUAL(stockpush_set_buffer(&sup, "B", 0), DB_EPERM);
	CU_ASSERT_EQUAL(stockpush_set_buffer(&admin, "B", 0), 0);
	CU_ASSERT_EQUAL(stockpush_set_buffer(&admin, "NOPE", 0), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(n.pushed, 5);
	CU_ASSERT_EQUAL(n.failed, 0);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(pushed("A"), 10 - 2);       /* HCM only: the shop's warehouse */
	CU_ASSERT_EQUAL(pushed("B"), 1);            /* its own buffer 0 */
	CU_ASSERT_EQUAL(pushed("C"), 0);            /* 1 - 2, floor 0 */
	CU_ASSERT_EQUAL(pushed("D"), 0);            /* none at all */
	CU_ASSERT_EQUAL(pushed("E"), 13 - 2);       /* expired and near-expiry lots not sold */
	/* Item 100's three models in two calls, the others one each. */
	CU_ASSERT_EQUAL(ncalls, 4);
	CU_ASSERT_EQUAL(n.calls, 4);
	for (i = 0; i < ncalls; i++) {
		CU_ASSERT(calls[i].n >= 1 && calls[i].n <= 2);
		if (calls[i].n == 2)
			CU_ASSERT_STRING_EQUAL(calls[i].item[0], calls[i].item[1]);
		CU_ASSERT_STRING_EQUAL(calls[i].location[0], "LOC-9");
	}
	CU_ASSERT_STRING_EQUAL(calls[0].model[0], "1");
	CU_ASSERT_EQUAL(tu_int(db, "SELECT pushed_qty FROM shop_listing WHERE shop_id = 1 AND sku_id = "
	    "(SELECT id FROM sku WHERE sku = ?)", "A"), 8);
	/* Nothing owed: nothing called. */
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(ncalls, 0);
}

/* A shop without a warehouse sells from all; Lazada takes SKUs of several items in a
 * call, still at most stock_batch. */
static void
test_all_warehouses_mixed_batches(void)
{
	struct stockpush_counts n;
	int i, mixed = 0;

	CU_ASSERT_EQUAL(drain_as(&lazada_like, "lazada", "shop-b", NULL, &n), 0);
	CU_ASSERT_EQUAL(n.pushed, 5);
	CU_ASSERT_EQUAL(ncalls, 3);
	for (i = 0; i < ncalls; i++) {
		CU_ASSERT(calls[i].n <= 2);
		if (calls[i].n == 2 && strcmp(calls[i].item[0], calls[i].item[1]) != 0)
			mixed++;
	}
	CU_ASSERT(mixed >= 1);
	CU_ASSERT_EQUAL(pushed("A"), 15 - 2);
	/* A configured warehouse wins over the shop's; an unknown one is an error. */
	CU_ASSERT_EQUAL(stockpush_touch(&sys, "lazada", "shop-b"), 0);
	CU_ASSERT_EQUAL(drain_as(&lazada_like, "lazada", "shop-b", "HN", &n), 0);
	CU_ASSERT_EQUAL(pushed("A"), 5 - 2);
	CU_ASSERT_EQUAL(pushed("B"), 0);
	CU_ASSERT_EQUAL(stockpush_touch(&sys, "lazada", "shop-b"), 0);
	CU_ASSERT_EQUAL(drain_as(&lazada_like, "lazada", "shop-b", "XX", &n), DB_EINVAL);
	CU_ASSERT_EQUAL(drain_as(&lazada_like, "lazada", "shop-b", NULL, &n), 0);
}

/* Many changes between drains: one call with the last value. Reservations count. */
static void
test_coalesce(void)
{
	struct order_line_in line = { "A", 3, 1000 };
	struct order_in in = {
		.channel = "shopee", .shop = "shop-a", .order_no = "O-1",
		.created_at = TEST_EPOCH, .status = ST_CONFIRMED, .currency = "VND",
		.total = 3000, .lines = &line, .nlines = 1,
	};
	struct stockpush_counts n;
	int64_t id = 0, n_res = 0;
	int i;

	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku_id("A"), "", 0, 1, "t"), 0);
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, &id, NULL), 0);  /* allocated at intake: */
	CU_ASSERT_EQUAL(stock_reserved(&sys, hcm, sku_id("A"), &n_res), 0);
	CU_ASSERT_EQUAL(n_res, 3);                                /* 3 reserved at HCM */
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(ncalls, 1);
	CU_ASSERT_EQUAL(calls[0].n, 1);
	CU_ASSERT_EQUAL(pushed("A"), 20 - 3 - 2);
	CU_ASSERT_EQUAL(n.pending, 0);
	/* The per-SKU buffer is a change too; clearing it brings the default back. */
	CU_ASSERT_EQUAL(stockpush_set_buffer(&admin, "A", 10), 0);
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(pushed("A"), 20 - 3 - 10);
	CU_ASSERT_EQUAL(stockpush_set_buffer(&admin, "A", -1), 0);
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(pushed("A"), 20 - 3 - 2);
}

/* A movement that rolls back marks nothing; one that commits marks the listing. */
static void
test_marked_with_the_move(void)
{
	int64_t v = tu_int(db, "SELECT version FROM shop_listing WHERE shop_id = 1 AND sku_id = "
	    "(SELECT id FROM sku WHERE sku = ?)", "B");

	/* The ledger row fails after the listing was marked: all of it rolls back. */
	CU_ASSERT_EQUAL_FATAL(db_exec(db, "CREATE TEMP TRIGGER no_ledger BEFORE INSERT ON "
	    "stock_move BEGIN SELECT RAISE(ABORT, 'disk full'); END"), 0);
	CU_ASSERT_NOT_EQUAL(stock_adjust(&admin, hcm, sku_id("B"), "", 4, "count"), 0);
	CU_ASSERT_EQUAL(db_exec(db, "DROP TRIGGER no_ledger"), 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT version FROM shop_listing WHERE shop_id = 1 AND sku_id = "
	    "(SELECT id FROM sku WHERE sku = ?)", "B"), v);
	CU_ASSERT_EQUAL(stock_adjust(&admin, hcm, sku_id("B"), "", 4, "count"), 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT version FROM shop_listing WHERE shop_id = 1 AND sku_id = "
	    "(SELECT id FROM sku WHERE sku = ?)", "B"), v + 1);
}

static void
receive_two_c(void)
{
	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku_id("C"), "", 0, 2, "meanwhile"), 0);
}

/* Stock changes while the call is out (no lock is held: the change commits): the
 * listing stays owed and the next drain pushes the newer value. */
static void
test_change_during_push(void)
{
	struct stockpush_counts n;

	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku_id("C"), "", 0, 4, "t"), 0);
	during = receive_two_c;
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(pushed("C"), 5 - 2);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(ncalls, 1);
	CU_ASSERT_EQUAL(pushed("C"), 7 - 2);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT pushed_qty FROM shop_listing WHERE shop_id = 1 AND sku_id = "
	    "(SELECT id FROM sku WHERE sku = ?)", "C"), 5);
}

/* A failed call: owed with last_error, retried after the backoff, then done. */
static void
test_failure_retried(void)
{
	struct stockpush_counts n;

	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku_id("D"), "", 0, 9, "t"), 0);
	answer = MC_RETRY;
	CU_ASSERT_EQUAL(drain(&n), 1);
	answer = MC_OK;
	CU_ASSERT_EQUAL(n.failed, 1);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM shop_listing WHERE last_error LIKE "
	    "'RETRY: scripted%' AND next_at > 0 AND ? <> ''", "x"), 1);
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(ncalls, 0);                 /* backing off */
	now_s += 3600;
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(ncalls, 1);
	CU_ASSERT_EQUAL(pushed("D"), 7);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM shop_listing WHERE last_error IS NOT NULL AND "
	    "shop_id = 1 AND ? <> ''", "x"), 0);
}

/* No stock call on the channel: listings stay owed with last_error, nothing dropped. */
static void
test_unsupported(void)
{
	struct stockpush_counts n;

	CU_ASSERT_EQUAL(stock_receive(&sys, hcm, sku_id("A"), "", 0, 1, "t"), 0);
	CU_ASSERT_EQUAL(drain_as(&no_stock, "shopee", "shop-a", NULL, &n), 1);
	CU_ASSERT_EQUAL(n.failed, 1);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM shop_listing WHERE shop_id = 1 AND "
	    "last_error LIKE '%no stock call yet%' AND version <> pushed_version AND ? <> ''",
	    "x"), 1);
	now_s += 3600;
	CU_ASSERT_EQUAL(drain(&n), 0);
	CU_ASSERT_EQUAL(pushed("A"), 21 - 3 - 2);
	CU_ASSERT_EQUAL(n.pending, 0);
}

static void
test_config_key(void)
{
	char file[300], err[256];
	struct config cfg;
	FILE *f;

	tu_sibling(file, sizeof file, path, ".conf");
	f = fopen(file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("[sync]\nstock_buffer = 3\n", f);
	fclose(f);
	chmod(file, 0600);
	CU_ASSERT_EQUAL(config_load(&cfg, file, err, sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.sync.stock_buffer, 3);
	config_free(&cfg);
	f = fopen(file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("[sync]\nstock_buffer = -1\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(config_load(&cfg, file, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "stock_buffer"));
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(cfg.sync.stock_buffer, 0);
	unlink(file);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("stock push", setup, teardown);
	CU_add_test(su, "listings learned from orders", test_listings);
	CU_add_test(su, "available-to-sell after buffer, in batches", test_first_push);
	CU_add_test(su, "all warehouses; mixed batches", test_all_warehouses_mixed_batches);
	CU_add_test(su, "many changes, one push", test_coalesce);
	CU_add_test(su, "marked in the movement's transaction", test_marked_with_the_move);
	CU_add_test(su, "a change during a push is pushed again", test_change_during_push);
	CU_add_test(su, "failed push retried", test_failure_retried);
	CU_add_test(su, "no stock call: listings stay owed", test_unsupported);
	CU_add_test(su, "[sync] stock_buffer", test_config_key);
	return tu_run();
}

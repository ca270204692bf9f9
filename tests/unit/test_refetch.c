/*
 * test_refetch.c — the re-fetch queue against packbench-marketsim on an ephemeral
 * loopback port: a queued order is fetched, stored and leaves the queue in one go (a
 * buyer's cancel reaches an order being packed); a replayed hint queues it once; an
 * order the pull never saw is created; 120 queued orders take the channel's batches
 * (50, 50, 20); an order the platform does not know is dropped; a failing platform
 * leaves the batch queued; a push landing during the fetch gets its order fetched
 * again. A buyer's cancel re-fetched from a Lazada shop (whose detail call gives only
 * the items: the header comes from the list) and a TikTok shop. Backoff sleeps are
 * faked. argv: simulator, SKU list.
 */
#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/order.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"
#include "market/lazada.h"
#include "market/refetch.h"
#include "market/shopee.h"
#include "market/tiktok.h"
#include "market/sync.h"
#include "simutil.h"
#include "testutil.h"

#define SHOP "2000001"
#define KEY "test-partner-key"
#define TOKEN "test-access-token"

static const char *sim_path, *skus_path;
static struct sim sim;
static struct db *db;
static char dbfile[256];
static struct session sys;
static int64_t wh;

static const struct retry_policy policy = { .max_attempts = 3, .base_ms = 1, .cap_ms = 5,
	.quota_utc_offset = 8 * 3600 };
static const struct market_call_env env_tmpl = { .policy = &policy,
	.sleep_ms = sim_no_sleep };

static int
refetch(struct refetch_counts *n, struct market_error *err)
{
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct refetch_opts o = { 0 };

	o.channel = "shopee";
	o.shop = SHOP;
	o.env = &env_tmpl;
	return refetch_once(&sys, &shopee_connector, &c, sim.tr, &o, n, err);
}

static int
queue(const char *no, int *added)
{
	return refetch_queue_add(&sys, "shopee", SHOP, no, REFETCH_WEBHOOK, time(NULL), added);
}

static int64_t
depth(void)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(refetch_queue_depth(&sys, "shopee", SHOP, &n), 0);
	return n;
}

static char *
status_of(const char *no, char *buf, size_t len)
{
	struct db_stmt *st = db_prep(db, "SELECT status FROM orders WHERE order_no = ?");

	buf[0] = '\0';
	db_bind_text(st, 1, no);
	if (db_step(st) == DB_ROW)
		snprintf(buf, len, "%s", db_col_text(st, 0));
	db_done(st);
	return buf;
}

/* The simulator's orders' numbers (first max). */
static int
sim_orders(char nos[][32], int max)
{
	json_t *o = sim_ctl(&sim, "GET", "/_sim/orders", NULL), *list, *v;
	size_t i;
	int n = 0;

	list = json_object_get(o, "orders");
	json_array_foreach(list, i, v) {
		if (n < max)
			snprintf(nos[n++], 32, "%s", json_string_value(json_object_get(v, "order_sn")));
	}
	json_decref(o);
	return n;
}

static void
sim_status(const char *no, const char *status)
{
	char body[160];

	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"order_status\":\"%s\"}", no, status);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
}

static int
suite_init(void)
{
	static const char *args[] = { "--orders", "20", "--seed", "11", "--shop-id", SHOP,
	    "--partner-id", "1000001", "--partner-key", KEY, "--access-token", TOKEN,
	    "--skus", NULL, NULL };
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct sync_opts o = { 0 };
	struct market_error err;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	args[13] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	if (sim_stock_db(&sys, skus_path, 1000, &wh) != 8)
		return -1;
	o.channel = "shopee";
	o.shop = SHOP;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;
	o.overlap = 300;
	o.env = &env_tmpl;
	return sync_pull_once(&sys, &shopee_connector, &c, sim.tr, &o, NULL, &err);
}

static int
suite_clean(void)
{
	return sim_stop(&sim);
}

/* A buyer cancels an order we are packing: the hint brings the cancel in. */
static void
test_cancel_reaches_packing(void)
{
	struct refetch_counts n;
	struct market_error err;
	char nos[20][32], st[32];
	int64_t id, detail;
	int added = -1;

	CU_ASSERT_EQUAL_FATAL(sim_orders(nos, 20), 20);
	/* The first order that pulled as packable, put in packing at ST1. */
	CU_ASSERT_EQUAL_FATAL(order_find(&sys, nos[0], &id), 0);
	if (strcmp(status_of(nos[0], st, sizeof st), "ALLOCATED") != 0) {
		sim_status(nos[0], "READY_TO_SHIP");
		CU_ASSERT_EQUAL(queue(nos[0], NULL), 0);
		CU_ASSERT_EQUAL(refetch(&n, &err), 0);
	}
	/* Confirmed by the channel, allocated as it arrived (route.h). */
	CU_ASSERT_STRING_EQUAL_FATAL(status_of(nos[0], st, sizeof st), "ALLOCATED");
	CU_ASSERT_EQUAL_FATAL(order_start_packing(&sys, id, "ST1", wh), 0);
	CU_ASSERT_STRING_EQUAL(status_of(nos[0], st, sizeof st), "PACKING");

	sim_status(nos[0], "CANCELLED");
	CU_ASSERT_EQUAL(queue(nos[0], &added), 0);
	CU_ASSERT_EQUAL(added, 1);
	CU_ASSERT_EQUAL(queue(nos[0], &added), 0);        /* the push, replayed */
	CU_ASSERT_EQUAL(added, 0);
	CU_ASSERT_EQUAL(depth(), 1);
	detail = sim_counter(&sim, "detail");
	CU_ASSERT_EQUAL(refetch(&n, &err), 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "detail"), detail + 1);
	CU_ASSERT_EQUAL(n.fetched, 1);
	CU_ASSERT_EQUAL(n.updated, 1);
	CU_ASSERT_EQUAL(n.batches, 1);
	CU_ASSERT_EQUAL(n.left, 0);
	CU_ASSERT_STRING_EQUAL(status_of(nos[0], st, sizeof st), "CANCELLED");
	CU_ASSERT_EQUAL(depth(), 0);
	/* Nothing queued: no call at all. */
	CU_ASSERT_EQUAL(refetch(&n, &err), 0);
	CU_ASSERT_EQUAL(n.batches, 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "detail"), detail + 1);
}

/* Orders the pull has not seen yet are created; 120 take three detail calls. */
static void
test_new_orders_batched(void)
{
	struct refetch_counts n;
	struct market_error err;
	json_t *r, *v;
	size_t i;
	int64_t detail, before, after;
	char st[32];

	r = sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":120}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(r, "order_sn_list")), 120);
	json_array_foreach(json_object_get(r, "order_sn_list"), i, v)
		CU_ASSERT_EQUAL(queue(json_string_value(v), NULL), 0);
	CU_ASSERT_EQUAL(depth(), 120);
	CU_ASSERT_EQUAL(db_int(db, &before, "SELECT count(*) FROM orders", ""), 0);
	detail = sim_counter(&sim, "detail");
	CU_ASSERT_EQUAL(refetch(&n, &err), 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "detail") - detail, 3);
	CU_ASSERT_EQUAL(n.batches, 3);
	CU_ASSERT_EQUAL(n.fetched, 120);
	CU_ASSERT_EQUAL(n.created, 120);
	CU_ASSERT_EQUAL(n.left, 0);
	CU_ASSERT_EQUAL(db_int(db, &after, "SELECT count(*) FROM orders", ""), 0);
	CU_ASSERT_EQUAL(after - before, 120);
	CU_ASSERT_NOT_EQUAL(status_of(json_string_value(json_array_get(json_object_get(r,
	    "order_sn_list"), 119)), st, sizeof st)[0], '\0');
	json_decref(r);
}

/* An order number the platform does not know is dropped, not fetched forever. */
static void
test_unknown_dropped(void)
{
	struct refetch_counts n;
	struct market_error err;

	CU_ASSERT_EQUAL(queue("NOSUCHORDER01", NULL), 0);
	CU_ASSERT_EQUAL(refetch(&n, &err), 0);
	CU_ASSERT_EQUAL(n.missing, 1);
	CU_ASSERT_EQUAL(n.fetched, 0);
	CU_ASSERT_EQUAL(depth(), 0);
}

/* The platform fails for good: the batch stays queued, the error says why. */
static void
test_failure_keeps_queue(void)
{
	struct refetch_counts n;
	struct market_error err;
	char nos[2][32], st[32];

	CU_ASSERT_EQUAL_FATAL(sim_orders(nos, 2), 2);
	sim_status(nos[1], "CANCELLED");
	CU_ASSERT_EQUAL(queue(nos[1], NULL), 0);
	sim_fault(&sim, "500", 3);
	CU_ASSERT(refetch(&n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_RETRY);
	CU_ASSERT(err.msg[0] != '\0');
	CU_ASSERT_EQUAL(depth(), 1);
	CU_ASSERT_EQUAL(n.left, 1);
	CU_ASSERT_STRING_NOT_EQUAL(status_of(nos[1], st, sizeof st), "CANCELLED");
	/* The platform is back: the next pass takes it. */
	CU_ASSERT_EQUAL(refetch(&n, &err), 0);
	CU_ASSERT_EQUAL(depth(), 0);
	CU_ASSERT_STRING_EQUAL(status_of(nos[1], st, sizeof st), "CANCELLED");
}

/* A push for an order lands while that order is being fetched: the row is not deleted
 * with the answer that may predate it, the order is fetched once more. */
static const char *race_no;
static int race_fired;

static int64_t
race_clock(void *ctx)
{
	(void)ctx;
	if (race_no != NULL && !race_fired) {
		race_fired = 1;
		CU_ASSERT_EQUAL(queue(race_no, NULL), 0);
	}
	return (int64_t)time(NULL);
}

static void
test_push_during_fetch(void)
{
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct market_call_env env = env_tmpl;
	struct refetch_opts o = { 0 };
	struct refetch_counts n;
	struct market_error err;
	char nos[3][32];
	int64_t detail;

	CU_ASSERT_EQUAL_FATAL(sim_orders(nos, 3), 3);
	CU_ASSERT_EQUAL(queue(nos[2], NULL), 0);
	race_no = nos[2];
	race_fired = 0;
	env.wall_s = race_clock;
	o.channel = "shopee";
	o.shop = SHOP;
	o.env = &env;
	detail = sim_counter(&sim, "detail");
	CU_ASSERT_EQUAL(refetch_once(&sys, &shopee_connector, &c, sim.tr, &o, &n, &err), 0);
	CU_ASSERT_EQUAL(race_fired, 1);
	CU_ASSERT_EQUAL(n.batches, 2);
	CU_ASSERT_EQUAL(sim_counter(&sim, "detail") - detail, 2);
	CU_ASSERT_EQUAL(n.left, 0);
	CU_ASSERT_EQUAL(depth(), 0);
	race_no = NULL;
}

/* Bad input to the queue gets an error, not a row. */
static void
test_queue_bad_input(void)
{
	char longno[80];

	memset(longno, '9', sizeof longno - 1);
	longno[sizeof longno - 1] = '\0';
	CU_ASSERT_EQUAL(queue("", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(queue(longno, NULL), DB_EINVAL);
	CU_ASSERT(strstr(sys.err, "order number") != NULL);
	CU_ASSERT_EQUAL(depth(), 0);
	CU_ASSERT_STRING_EQUAL(refetch_source_name(REFETCH_LOST_PUSH), "lost_push");
}

/* ---- Lazada (its detail call gives the items only; the header comes from the list)
 * and TikTok Shop, each against its own simulated shop ---- */

static struct sim other;

static int
other_init(const char *shop)
{
	static const char *args[] = { "--shop", NULL, "--orders", "6", "--seed", "4",
	    "--skus", NULL, NULL };

	args[1] = shop;
	args[7] = skus_path;
	return sim_start(&other, sim_path, args);
}

static int lz_init(void) { return other_init("lazada:lz1"); }
static int tt_init(void) { return other_init("tiktok:tt1"); }

static int
other_clean(void)
{
	return sim_stop(&other);
}

/* The buyer cancels the simulated shop's third order; its hint is re-fetched. */
static void
cancel_refetched(const char *channel, const char *code, const struct connector *conn,
    int64_t min_calls)
{
	struct market_creds c = { 0 };
	struct refetch_opts o = { 0 };
	struct refetch_counts n;
	struct market_error err;
	char no[32], st[32], body[128], ak[64], as[64], at[64], cipher[64];
	json_t *r;
	int64_t calls;

	r = sim_ctl(&other, "GET", "/_sim/orders", NULL);
	snprintf(no, sizeof no, "%s", json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "orders"), 2), "order_sn")));
	json_decref(r);
	CU_ASSERT_FATAL(no[0] != '\0');
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\"}", no);
	json_decref(sim_ctl(&other, "POST", "/_sim/cancel", body));
	CU_ASSERT_EQUAL(refetch_queue_add(&sys, channel, code, no, REFETCH_WEBHOOK, time(NULL),
	    NULL), 0);
	/* The simulator derives a shop's keys from its code. */
	snprintf(ak, sizeof ak, "sim-ak-%s", code);
	snprintf(as, sizeof as, "sim-as-%s", code);
	snprintf(at, sizeof at, "sim-at-%s", code);
	snprintf(cipher, sizeof cipher, "sim-cipher-%s", code);
	c.app_key = ak;
	c.app_secret = as;
	c.access_token = at;
	c.shop_cipher = cipher;
	o.channel = channel;
	o.shop = code;
	o.env = &env_tmpl;
	calls = sim_counter(&other, "calls");
	if (refetch_once(&sys, conn, &c, other.tr, &o, &n, &err) != 0) {
		CU_FAIL("refetch_once");
		fprintf(stderr, "\n%s refetch: %s\n", channel, err.msg);
	}
	CU_ASSERT_EQUAL(n.fetched, 1);
	CU_ASSERT_EQUAL(n.missing, 0);
	CU_ASSERT_EQUAL(n.left, 0);
	CU_ASSERT_EQUAL(sim_counter(&other, "calls") - calls, min_calls);
	CU_ASSERT_STRING_EQUAL(status_of(no, st, sizeof st), "CANCELLED");
}

static void
test_lazada_cancel(void)
{
	cancel_refetched("lazada", "lz1", &lazada_connector, 2);    /* items, then the list */
}

static void
test_tiktok_cancel(void)
{
	cancel_refetched("tiktok", "tt1", &tiktok_connector, 1);    /* one detail call */
}

int
main(int argc, char **argv)
{
	CU_pSuite s;
	int rc;

	rc = sim_main(argc, argv, 3, "test_refetch SIMULATOR SKUS", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	s = CU_add_suite("refetch", suite_init, suite_clean);
	CU_add_test(s, "a buyer's cancel reaches an order in packing", test_cancel_reaches_packing);
	CU_add_test(s, "new orders, in the channel's batches", test_new_orders_batched);
	CU_add_test(s, "an unknown order is dropped", test_unknown_dropped);
	CU_add_test(s, "a failing platform leaves the queue", test_failure_keeps_queue);
	CU_add_test(s, "a push during the fetch", test_push_during_fetch);
	CU_add_test(s, "bad input", test_queue_bad_input);
	s = CU_add_suite("refetch lazada", lz_init, other_clean);
	CU_add_test(s, "a buyer's cancel: items, then the header from the list",
	    test_lazada_cancel);
	s = CU_add_suite("refetch tiktok", tt_init, other_clean);
	CU_add_test(s, "a buyer's cancel", test_tiktok_cancel);
	rc = tu_run();
	if (db != NULL)
		tu_db_free(db, dbfile);
	return rc;
}

/*
 * test_marketsim.c — the Shopee pull end to end against packbench-marketsim on an
 * ephemeral loopback port: every generated order arrives exactly once, a second pull
 * creates nothing, an order changed in the simulator is updated on the next pull, and
 * injected 500s, truncated JSON and dropped connections are retried without loss. The
 * simulator refuses bad signatures and tokens the way the platform does, and the pull
 * stops at once on them. Backoff sleeps are faked. argv: simulator path, SKU list.
 */
#include <CUnit/CUnit.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/db.h"
#include "core/order.h"
#include "core/sku.h"
#include "market/shopee.h"
#include "market/sync.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define NORDERS 240
#define PARTNER_ID 1000001
#define SHOP_ID 2000001
#define SHOP "2000001"
#define KEY "test-partner-key"
#define TOKEN "test-access-token"
#define REFRESH "test-refresh-token"

static const char *sim_path, *skus_path;
static struct sim sim;
static struct transport *tr;   /* sim.tr */
static struct db *db;
static char dbfile[256];
static struct session s;
static int64_t nslept;

static void
fake_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	(void)ms;
	nslept++;
}

static const struct retry_policy policy = { .max_attempts = 6, .base_ms = 1, .cap_ms = 5,
	.quota_utc_offset = 8 * 3600 };

static const struct market_call_env env_tmpl = { .policy = &policy, .sleep_ms = fake_sleep };

static struct market_creds
creds(void)
{
	struct market_creds c = { 0 };

	c.partner_id = PARTNER_ID;
	c.shop_id = SHOP_ID;
	c.partner_key = KEY;
	c.access_token = TOKEN;
	c.refresh_token = REFRESH;
	return c;
}

static int64_t
orders_in_db(void)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM orders", ""), 0);
	return n;
}

static int
pull(struct market_creds *c, struct sync_counts *n, struct market_error *err)
{
	struct sync_opts o = { 0 };

	o.channel = "shopee";
	o.shop = SHOP;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;     /* orders changed this very second included */
	o.overlap = 300;
	o.page_size = 50;
	o.env = &env_tmpl;
	return sync_pull_once(&s, &shopee_connector, c, tr, &o, n, err);
}

static int
suite_init(void)
{
	static char orders[16];
	static const char *args[] = { "--orders", orders, "--seed", "42", "--shop-id", SHOP,
	    "--partner-id", "1000001", "--partner-key", KEY, "--access-token", TOKEN,
	    "--refresh-token", REFRESH, "--skus", NULL, NULL };

	snprintf(orders, sizeof orders, "%d", NORDERS);
	args[15] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	tr = sim.tr;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&s, db, "test");
	return sim_import_skus(&s, skus_path, -1, 0, 0) == 8 ? 0 : -1;
}

static int
suite_clean(void)
{
	return sim_stop_db(&sim, db, dbfile);
}

/* Every order of the simulator is in the database exactly once. */
static void
assert_all_arrived(void)
{
	json_t *all = sim_ctl(&sim, "GET", "/_sim/orders", NULL), *o;
	size_t i, missing = 0;

	json_array_foreach(json_object_get(all, "orders"), i, o) {
		int64_t n = 0;

		db_int(db, &n, "SELECT count(*) FROM orders WHERE order_no = ?", "s",
		    json_string_value(json_object_get(o, "order_sn")));
		if (n != 1)
			missing++;
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(orders_in_db(), (int64_t)json_array_size(json_object_get(all, "orders")));
	json_decref(all);
}

static void
test_first_pull(void)
{
	struct market_creds c = creds();
	struct sync_counts n;
	struct market_error err;
	int64_t cur = 0;

	CU_ASSERT_EQUAL_FATAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, NORDERS);
	CU_ASSERT_EQUAL(n.pulled, NORDERS);
	CU_ASSERT_EQUAL(n.skipped, 0);
	CU_ASSERT(n.pages >= NORDERS / 50);
	CU_ASSERT_EQUAL(orders_in_db(), NORDERS);
	assert_all_arrived();
	CU_ASSERT_EQUAL(sync_cursor_get(&s, "shopee", SHOP, &cur), 0);
	CU_ASSERT_EQUAL(cur, n.window_end);
	CU_ASSERT(cur >= (int64_t)time(NULL) - 5);
	/* 240 orders in pages of 50 and detail batches of 50: 5 list and 5 detail calls. */
	CU_ASSERT_EQUAL(sim_counter(&sim, "list"), 5);
	CU_ASSERT_EQUAL(sim_counter(&sim, "detail"), 5);
}

static void
test_second_pull(void)
{
	struct market_creds c = creds();
	struct sync_counts n;
	struct market_error err;

	CU_ASSERT_EQUAL_FATAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 0);
	CU_ASSERT_EQUAL(n.pulled, n.updated);       /* only the overlap is read again */
	CU_ASSERT(n.pulled < NORDERS);
	CU_ASSERT_EQUAL(orders_in_db(), NORDERS);
}

static void
test_update(void)
{
	struct market_creds c = creds();
	struct sync_counts n;
	struct market_error err;
	json_t *all = sim_ctl(&sim, "GET", "/_sim/orders", NULL), *o, *added;
	char body[256];
	const char *sn;
	struct order *ord = NULL;
	int64_t id = 0;

	/* The oldest order: far outside the overlap, only its update brings it back. */
	o = json_array_get(json_object_get(all, "orders"), 0);
	sn = json_string_value(json_object_get(o, "order_sn"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(sn);
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"order_status\":\"CANCELLED\","
	    "\"buyer_name\":\"Trần Thị Cập Nhật\"}", sn);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
	added = sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":7}");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(added, "order_sn_list")), 7);
	json_decref(added);

	CU_ASSERT_EQUAL_FATAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 7);
	CU_ASSERT(n.updated >= 1);
	CU_ASSERT_EQUAL(n.skipped, 0);
	CU_ASSERT_EQUAL_FATAL(order_find(&s, sn, &id), 0);
	CU_ASSERT_EQUAL_FATAL(order_load(&s, id, &ord), 0);
	CU_ASSERT_EQUAL(ord->status, ST_CANCELLED);
	CU_ASSERT_STRING_EQUAL(ord->buyer_name, "Trần Thị Cập Nhật");
	order_free(ord);
	json_decref(all);
	CU_ASSERT_EQUAL(orders_in_db(), NORDERS + 7);
	assert_all_arrived();
}

/*
 * kind's next count answers fail; new orders made meanwhile all arrive, once. libcurl
 * itself reconnects once when a reused connection closes unanswered, so a dropped
 * connection may cost no backoff of ours (exact 0).
 */
static void
fault_round(const char *kind, int count, int exact)
{
	struct market_creds c = creds();
	struct sync_counts n;
	struct market_error err;
	char body[64];
	int64_t before = orders_in_db(), faults = sim_counter(&sim, "faults");

	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":60}"));
	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"count\":%d}", kind, count);
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault", body));
	nslept = 0;
	CU_ASSERT_EQUAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 60);
	CU_ASSERT_EQUAL(sim_counter(&sim, "faults") - faults, count);
	if (exact)
		CU_ASSERT_EQUAL(nslept, count);         /* one backoff per failed answer */
	CU_ASSERT(nslept >= 1 && nslept <= count);
	CU_ASSERT_EQUAL(orders_in_db(), before + 60);
	assert_all_arrived();
}

static void
test_fault_500(void)
{
	fault_round("500", 3, 1);
}

static void
test_fault_truncated(void)
{
	fault_round("truncated", 2, 1);
}

static void
test_fault_drop(void)
{
	fault_round("drop", 2, 0);
}

/* A wrong key or token: the platform's error, no retry, nothing pulled, cursor kept. */
static void
test_refused(void)
{
	struct market_creds c = creds();
	struct sync_counts n;
	struct market_error err;
	int64_t calls = sim_counter(&sim, "calls"), cur = 0, cur2 = 0;

	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":3}"));
	CU_ASSERT_EQUAL(sync_cursor_get(&s, "shopee", SHOP, &cur), 0);
	c.partner_key = "wrong-key";
	CU_ASSERT(pull(&c, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, "error_sign");
	CU_ASSERT_EQUAL(sim_counter(&sim, "calls") - calls, 1);
	CU_ASSERT_EQUAL(sim_counter(&sim, "error_sign"), 1);

	c = creds();
	c.access_token = "stale-token";
	CU_ASSERT(pull(&c, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_AUTH);
	CU_ASSERT_STRING_EQUAL(err.code, "error_auth");
	CU_ASSERT_EQUAL(sim_counter(&sim, "calls") - calls, 2);
	CU_ASSERT_EQUAL(n.created, 0);
	CU_ASSERT_EQUAL(sync_cursor_get(&s, "shopee", SHOP, &cur2), 0);
	CU_ASSERT_EQUAL(cur, cur2);

	c = creds();
	CU_ASSERT_EQUAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 3);
}

/* An order the engine refuses (an SKU we lack) is skipped and named; the rest of its
 * page commits and the audit chain stays whole. */
static void
test_skipped(void)
{
	struct market_creds c = creds();
	struct sync_counts n;
	struct market_error err;
	json_t *added = sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":5}");
	const char *sn = json_string_value(json_array_get(json_object_get(added,
	    "order_sn_list"), 2));
	char body[160], msg[256];
	int64_t count = 0, bad = 0, id = 0, before = orders_in_db();

	CU_ASSERT_PTR_NOT_NULL_FATAL(sn);
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"sku\":\"NOT-OURS-1\"}", sn);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
	CU_ASSERT_EQUAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 4);
	CU_ASSERT_EQUAL(n.skipped, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "NOT-OURS-1"));
	CU_ASSERT_EQUAL(order_find(&s, sn, &id), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(orders_in_db(), before + 4);
	CU_ASSERT_EQUAL(audit_verify(db, &count, &bad, msg, sizeof msg), 0);
	json_decref(added);
}

/* The refresh token rotates: the new pair works, the old access token no longer does. */
static void
test_refresh(void)
{
	struct market_creds c = creds();
	struct transport_resp resp = { 0 };
	struct market_token tok = { 0 };
	struct market_error err;
	struct market_call_env env = env_tmpl;
	struct sync_counts n;
	struct request r;
	char msg[256];

	env.transport = tr;
	env.conn = &shopee_connector;
	CU_ASSERT_EQUAL_FATAL(shopee_connector.refresh_request(&c, (int64_t)time(NULL), &r, msg,
	    sizeof msg), 0);
	CU_ASSERT_EQUAL(market_call(&env, &r, &resp, &err, NULL), MC_OK);
	CU_ASSERT_EQUAL(shopee_connector.parse_token(resp.http, resp.body, resp.len,
	    (int64_t)time(NULL), &tok, &err), MC_OK);
	transport_resp_free(&resp);
	request_free(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tok.access_token);
	CU_ASSERT_STRING_NOT_EQUAL(tok.access_token, TOKEN);

	CU_ASSERT(pull(&c, &n, &err) < 0);          /* the old token */
	CU_ASSERT_EQUAL(err.cls, MC_AUTH);
	c.access_token = tok.access_token;
	c.refresh_token = tok.refresh_token;
	CU_ASSERT_EQUAL(pull(&c, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 0);

	/* The used refresh token is spent. */
	c.refresh_token = REFRESH;
	CU_ASSERT_EQUAL_FATAL(shopee_connector.refresh_request(&c, (int64_t)time(NULL), &r, msg,
	    sizeof msg), 0);
	CU_ASSERT_EQUAL(market_call(&env, &r, &resp, &err, NULL), MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, "error_param");
	transport_resp_free(&resp);
	request_free(&r);
	market_token_free(&tok);
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 3, "test_marketsim SIMULATOR SKUS", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	su = CU_add_suite("marketsim shopee", suite_init, suite_clean);
	CU_add_test(su, "first pull: every order once", test_first_pull);
	CU_add_test(su, "second pull creates nothing", test_second_pull);
	CU_add_test(su, "updated order updated", test_update);
	CU_add_test(su, "500s retried", test_fault_500);
	CU_add_test(su, "truncated JSON retried", test_fault_truncated);
	CU_add_test(su, "dropped connections retried", test_fault_drop);
	CU_add_test(su, "bad sign and token refused", test_refused);
	CU_add_test(su, "refused order skipped", test_skipped);
	CU_add_test(su, "token refresh rotates", test_refresh);
	return tu_run();
}

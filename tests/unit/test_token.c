/*
 * test_token.c — a shop's tokens at run time (market/token.h) against packbench-marketsim,
 * whose Shopee refresh token is single-use as on the platform:
 *   - the configured pair seeds shop_token once; a refreshed pair is not overwritten by
 *     the configuration; a new configured pair (re-authorised) seeds again;
 *   - a refresh stores the new pair (the simulator's current one) before it is used;
 *   - a holder whose token is stale takes the pair someone else stored, calling nothing;
 *   - eight threads on their own connections refreshing the same stale token at once:
 *     the simulator sees exactly one refresh and every thread ends with its pair;
 *   - the lock held by another: wait for their pair, or give up with a message;
 *   - a refused refresh token is reported in words;
 *   - an access token expired mid-pull: market_call's hook refreshes and the pull ends;
 *   - ahead of expiry (token_ensure);
 *   - re-signing a built request with a new token equals building it anew, per channel.
 * argv: simulator, SKU list.
 */
#include <CUnit/CUnit.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/sku.h"
#include "core/stock.h"
#include "market/lazada.h"
#include "market/shopee.h"
#include "market/sync.h"
#include "market/tiktok.h"
#include "market/token.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define SHOP "2000001"
#define KEY "tok-partner-key"
#define NTHREADS 8

static const char *sim_path, *skus_path;
static struct sim sim;
static struct db *db;
static char dbfile[256];
static struct session sys;
static int64_t shop;

static const struct retry_policy policy = { .max_attempts = 3, .base_ms = 1, .cap_ms = 2,
	.quota_utc_offset = 8 * 3600 };
static const struct market_call_env env_tmpl = { .policy = &policy,
	.sleep_ms = sim_no_sleep };

static int
suite_init(void)
{
	static const char *args[] = { "--orders", "30", "--seed", "3", "--shop-id", SHOP,
	    "--partner-id", "1000001", "--partner-key", KEY, "--access-token", "cfg-at",
	    "--refresh-token", "cfg-rt", "--skus", NULL, NULL };
	int64_t wh;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	args[15] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	if (sim_stock_db(&sys, skus_path, 1000, &wh) <= 0)
		return -1;
	if (db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('shopee', ?, 'S')",
	    "s", SHOP) != 0)
		return -1;
	shop = db_last_id(db);
	return 0;
}

static int
suite_clean(void)
{
	return sim_stop_db(&sim, db, dbfile);
}

static void
ts_init(struct token_shop *ts, struct db *d, const char *holder)
{
	memset(ts, 0, sizeof *ts);
	ts->db = d;
	ts->shop_id = shop;
	ts->channel = "shopee";
	ts->conn = &shopee_connector;
	ts->transport = sim.tr;
	ts->env = &env_tmpl;
	ts->holder = holder;
	ts->creds = sim_shopee_creds(KEY, NULL);
}

static char *
sim_token(const char *which)
{
	json_t *c = sim_ctl(&sim, "GET", "/_sim/counters", NULL);
	char *v = strdup(json_string_value(json_object_get(c, which)) ?
	    json_string_value(json_object_get(c, which)) : "");

	json_decref(c);
	return v;
}

static int64_t
q(const char *sql)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(db_int(db, &v, sql, ""), 0);
	return v;
}

static void
assert_stored_is_sims(void)
{
	char *at = sim_token("access_token"), *rt = sim_token("refresh_token");
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM shop_token WHERE access_token = ? "
	    "AND refresh_token = ? AND refreshing_until IS NULL", "ss", at, rt), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(at);
	free(rt);
}

static void
test_seed(void)
{
	struct token_shop ts;
	struct market_error err;

	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", 100, &err), 0);
	CU_ASSERT_STRING_EQUAL(ts.creds.access_token, "cfg-at");
	CU_ASSERT_STRING_EQUAL(ts.creds.refresh_token, "cfg-rt");
	token_close(&ts);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM shop_token"), 1);
	/* A pair stored at run time is not overwritten by the same configuration. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET access_token = 'run-at', "
	    "refresh_token = 'run-rt'", ""), 0);
	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", 101, &err), 0);
	CU_ASSERT_STRING_EQUAL(ts.creds.access_token, "run-at");
	token_close(&ts);
	/* A new configured pair (the seller authorised again) seeds anew. */
	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "new-at", "new-rt", 102, &err), 0);
	CU_ASSERT_STRING_EQUAL(ts.creds.access_token, "new-at");
	token_close(&ts);
	/* Back to the simulator's pair for the rest. */
	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", 103, &err), 0);
	CU_ASSERT_STRING_EQUAL(ts.creds.refresh_token, "cfg-rt");
	token_close(&ts);
}

static void
test_refresh_stored(void)
{
	struct token_shop ts;
	struct market_error err;
	int64_t before = sim_counter(&sim, "refresh");

	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", time(NULL), &err), 0);
	CU_ASSERT_EQUAL(token_refresh(&ts, time(NULL), &err), 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before + 1);
	CU_ASSERT_STRING_NOT_EQUAL(ts.creds.access_token, "cfg-at");
	CU_ASSERT(ts.access_expires > time(NULL));
	assert_stored_is_sims();
	CU_ASSERT_EQUAL(q("SELECT refreshes FROM shop_token"), 1);
	CU_ASSERT_EQUAL(ts.refreshed, 1);
	token_close(&ts);
}

/* B loaded the pair before A refreshed: B takes A's pair without a call. */
static void
test_stale_adopts(void)
{
	struct token_shop a, b;
	struct market_error err;
	int64_t before;

	ts_init(&a, db, "A");
	ts_init(&b, db, "B");
	CU_ASSERT_EQUAL_FATAL(token_open(&a, "cfg-at", "cfg-rt", time(NULL), &err), 0);
	CU_ASSERT_EQUAL_FATAL(token_open(&b, "cfg-at", "cfg-rt", time(NULL), &err), 0);
	CU_ASSERT_EQUAL(token_refresh(&a, time(NULL), &err), 0);
	before = sim_counter(&sim, "refresh");
	CU_ASSERT_EQUAL(token_refresh(&b, time(NULL), &err), 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before);
	CU_ASSERT_STRING_EQUAL(a.creds.access_token, b.creds.access_token);
	CU_ASSERT_STRING_EQUAL(a.creds.refresh_token, b.creds.refresh_token);
	CU_ASSERT_EQUAL(b.refreshed, 0);
	assert_stored_is_sims();
	token_close(&a);
	token_close(&b);
}

struct racer {
	pthread_t th;
	struct token_shop ts;
	struct db *db;
	char holder[16];
	char start_at[128];
	int rc;
};

static pthread_barrier_t barrier;

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct market_error err;

	pthread_barrier_wait(&barrier);
	r->rc = token_refresh(&r->ts, time(NULL), &err);
	return NULL;
}

static void
test_threads_one_refresh(void)
{
	struct racer rs[NTHREADS];
	char err[256], base[64];
	int64_t before = sim_counter(&sim, "refresh");
	struct market_error merr;
	int i;

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		CU_ASSERT_EQUAL_FATAL(db_open(&rs[i].db, dbfile, err, sizeof err), 0);
		snprintf(rs[i].holder, sizeof rs[i].holder, "T%d", i);
		ts_init(&rs[i].ts, rs[i].db, rs[i].holder);
		rs[i].ts.env = NULL;        /* real sleeps while waiting for the lock */
		snprintf(base, sizeof base, "http://127.0.0.1:%u", sim.port);
		rs[i].ts.transport = transport_new(base, NULL, NULL, err, sizeof err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rs[i].ts.transport);
		CU_ASSERT_EQUAL_FATAL(token_open(&rs[i].ts, "cfg-at", "cfg-rt", time(NULL),
		    &merr), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&rs[i].th, NULL, race, &rs[i]);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(rs[i].th, NULL);
	pthread_barrier_destroy(&barrier);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before + 1);
	for (i = 0; i < NTHREADS; i++) {
		CU_ASSERT_EQUAL(rs[i].rc, 0);
		CU_ASSERT_STRING_EQUAL(rs[i].ts.creds.access_token, rs[0].ts.creds.access_token);
	}
	for (i = NTHREADS - 1; i >= 0; i--) {
		token_close(&rs[i].ts);
		transport_free(rs[i].ts.transport);
		db_close(rs[i].db);
	}
	assert_stored_is_sims();
}

struct late_store {
	char at[64], rt[64];
};

static void *
store_later(void *arg)
{
	struct late_store *ls = arg;
	struct timespec t = { 0, 150 * 1000000 };
	struct db *d;
	char err[256];

	nanosleep(&t, NULL);
	if (db_open(&d, dbfile, err, sizeof err) != 0)
		return NULL;
	db_run(d, "UPDATE shop_token SET access_token = ?, refresh_token = ?, "
	    "refreshing_until = NULL, refresh_holder = NULL", "ss", ls->at, ls->rt);
	db_close(d);
	return NULL;
}

/* Another holder's lock: wait for its pair; a lock never released: give up in words. */
static void
test_lock_held(void)
{
	struct late_store ls = { "other-at", "other-rt" };
	struct token_shop ts;
	struct market_error err;
	pthread_t th;
	int64_t before = sim_counter(&sim, "refresh"), now = time(NULL);
	char *at = sim_token("access_token"), *rt = sim_token("refresh_token");

	ts_init(&ts, db, "A");
	ts.env = NULL;
	ts.wait_ms = 300;
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", now, &err), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET refreshing_until = ?, "
	    "refresh_holder = 'Z'", "i", now + 30), 0);
	CU_ASSERT_EQUAL(token_refresh(&ts, now, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "token refresh by Z did not finish"));
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before);

	ts.wait_ms = 5000;
	pthread_create(&th, NULL, store_later, &ls);
	CU_ASSERT_EQUAL(token_refresh(&ts, now, &err), 0);
	pthread_join(th, NULL);
	CU_ASSERT_STRING_EQUAL(ts.creds.access_token, "other-at");
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before);
	/* An expired lock is taken over. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET access_token = ?, refresh_token = ?, "
	    "refreshing_until = ?, refresh_holder = 'Z'", "ssi", at, rt, now - 1), 0);
	CU_ASSERT_EQUAL(token_reload(&ts), 0);
	CU_ASSERT_EQUAL(token_refresh(&ts, now, &err), 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before + 1);
	assert_stored_is_sims();
	token_close(&ts);
	free(at);
	free(rt);
}

/* A refresh token the platform refuses (used already): said in words, pair kept. */
static void
test_refused(void)
{
	struct token_shop ts;
	struct market_error err;
	char *at = sim_token("access_token");

	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", time(NULL), &err), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET refresh_token = 'spent-rt'", ""), 0);
	CU_ASSERT_EQUAL(token_reload(&ts), 0);
	CU_ASSERT_EQUAL(token_refresh(&ts, time(NULL), &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "authorise the shop again"));
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM shop_token WHERE refreshing_until IS NULL AND "
	    "refresh_token = 'spent-rt'"), 1);
	/* Put the simulator's pair back (its refresh token is still unspent). */
	{
		char *rt = sim_token("refresh_token");

		CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET access_token = ?, "
		    "refresh_token = ?", "ss", at, rt), 0);
		free(rt);
	}
	token_close(&ts);
	free(at);
}

/* The access token expires under a pull: the hook refreshes once and the pull ends. */
static void
test_hook_mid_pull(void)
{
	struct market_call_env env = env_tmpl;
	struct sync_opts o = { 0 };
	struct sync_counts n;
	struct market_error err;
	struct token_shop ts;
	int64_t before = sim_counter(&sim, "refresh");

	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", time(NULL), &err), 0);
	json_decref(sim_ctl(&sim, "POST", "/_sim/expire-tokens", "{}"));
	env.refresh = token_retry_hook;
	env.refresh_ctx = &ts;
	o.channel = "shopee";
	o.shop = SHOP;
	o.from = time(NULL) - 3 * 86400;
	o.to = time(NULL) + 1;
	o.page_size = 10;
	o.env = &env;
	CU_ASSERT_EQUAL(sync_pull_once(&sys, &shopee_connector, &ts.creds, sim.tr, &o, &n,
	    &err), 0);
	CU_ASSERT_EQUAL(n.created, 30);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before + 1);
	assert_stored_is_sims();
	token_close(&ts);
}

static void
test_ensure(void)
{
	struct token_shop ts;
	struct market_error err;
	int64_t before = sim_counter(&sim, "refresh"), now = time(NULL);

	ts_init(&ts, db, "A");
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, "cfg-at", "cfg-rt", now, &err), 0);
	CU_ASSERT(ts.access_expires > now + 600);
	CU_ASSERT_EQUAL(token_ensure(&ts, now, 600, &err), 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before);
	/* Five minutes left (the platform checks our timestamp, so the clock stays). */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET access_expires = ?", "i", now + 300), 0);
	CU_ASSERT_EQUAL(token_reload(&ts), 0);
	CU_ASSERT_EQUAL(token_ensure(&ts, now, 600, &err), 0);
	CU_ASSERT(ts.access_expires > now + 600);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), before + 1);
	assert_stored_is_sims();
	token_close(&ts);
}

/* Re-signing with a new token at a new time equals building with them. */
static void
resign_case(const char *channel, const struct connector *conn, struct market_creds c)
{
	struct market_listq lq = { 1000, 2000, NULL, 20 };
	struct request r1, r2;
	char err[256];
	size_t i;

	c.access_token = "old-token";
	CU_ASSERT_EQUAL_FATAL(conn->list_request(&c, &lq, 1700000000, &r1, err, sizeof err), 0);
	c.access_token = "new-token";
	CU_ASSERT_EQUAL_FATAL(conn->list_request(&c, &lq, 1700000500, &r2, err, sizeof err), 0);
	CU_ASSERT_EQUAL(token_resign(channel, &c, 1700000500, &r1), 0);
	CU_ASSERT_STRING_EQUAL(r1.query, r2.query);
	CU_ASSERT_EQUAL(r1.nheaders, r2.nheaders);
	for (i = 0; i < r1.nheaders && i < r2.nheaders; i++)
		CU_ASSERT_STRING_EQUAL(r1.headers[i], r2.headers[i]);
	CU_ASSERT_EQUAL(r1.body_len, r2.body_len);
	if (r1.body != NULL && r2.body != NULL)
		CU_ASSERT_EQUAL(memcmp(r1.body, r2.body, r1.body_len), 0);
	request_free(&r1);
	request_free(&r2);
}

static void
test_resign(void)
{
	struct market_creds c = sim_shopee_creds("pk", NULL);

	resign_case("shopee", &shopee_connector, c);
	memset(&c, 0, sizeof c);
	c.app_key = "123456";
	c.app_secret = "helloworld";
	resign_case("lazada", &lazada_connector, c);
	c.shop_cipher = "CIPHER";
	resign_case("tiktok", &tiktok_connector, c);
	CU_ASSERT_EQUAL(token_resign("nowhere", &c, 1, NULL), -1);
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 3, "test_token SIMULATOR SKUS", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	su = CU_add_suite("token", suite_init, suite_clean);
	CU_add_test(su, "seeded from the configuration", test_seed);
	CU_add_test(su, "refresh stores the new pair", test_refresh_stored);
	CU_add_test(su, "a stale holder adopts the stored pair", test_stale_adopts);
	CU_add_test(su, "eight threads: one refresh", test_threads_one_refresh);
	CU_add_test(su, "lock held by another", test_lock_held);
	CU_add_test(su, "refused refresh token", test_refused);
	CU_add_test(su, "expired mid-pull: hook refreshes", test_hook_mid_pull);
	CU_add_test(su, "refresh ahead of expiry", test_ensure);
	CU_add_test(su, "re-sign equals rebuild", test_resign);
	return tu_run();
}

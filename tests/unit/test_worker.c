/*
 * test_worker.c — the sync worker (market/worker.h) against packbench-marketsim with one
 * Shopee shop: a pass pulls every order once and writes sync_state (holder, last
 * success, lag, pulled today, rate state) and a sync_pass row; a second worker on its own
 * connection leaves the shop to the lease holder (the simulator sees no call from it)
 * and takes over once the first is freed; a lease stolen mid-pull stops the pull at the
 * next page; pulled_today starts again on a new local day; the changed callback names
 * the orders; a token expired mid-run is refreshed; a wrong key leaves the last error in
 * words and the last success alone; worker_stop ends worker_run, releasing the lease.
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
#include "market/lease.h"
#include "market/worker.h"
#include "simutil.h"
#include "testutil.h"

#define SHOP "2000001"
#define KEY "wk-partner-key"
#define NORDERS 250

static const char *sim_path, *skus_path;
static struct sim sim;
static struct db *db;
static char dbfile[256], base[64];
static struct session sys;

static const struct retry_policy policy = { .max_attempts = 4, .base_ms = 1, .cap_ms = 2,
	.quota_utc_offset = 8 * 3600 };
static const struct market_call_env env_tmpl = { .policy = &policy,
	.sleep_ms = sim_no_sleep };

static void
quiet_log(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static int
suite_init(void)
{
	static char orders[16];
	static const char *args[] = { "--orders", orders, "--seed", "11", "--shop-id", SHOP,
	    "--partner-id", "1000001", "--partner-key", KEY, "--access-token", "wk-at",
	    "--refresh-token", "wk-rt", "--skus", NULL, NULL };
	int64_t wh;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	snprintf(orders, sizeof orders, "%d", NORDERS);
	args[15] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim.port);
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	if (sim_stock_db(&sys, skus_path, 100000, &wh) <= 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	return sim_stop_db(&sim, db, dbfile);
}

static struct worker_shop
shop_cfg(const char *key)
{
	struct worker_shop sh = { 0 };

	sh.name = "Shopee Sim";
	sh.channel = "shopee";
	sh.code = SHOP;
	sh.api_base = base;
	sh.auth_base = base;
	sh.creds = sim_shopee_creds(key, "wk-at");
	sh.creds.refresh_token = "wk-rt";
	sh.rate_per_s = 0;
	return sh;
}

struct seen {
	int64_t n, created;
	struct db *steal_db;        /* when set, the first call steals the lease */
	int64_t shop_id;
};

static void
on_changed(void *ctx, int64_t order_id, const char *order_no, int created)
{
	struct seen *s = ctx;

	CU_ASSERT(order_id > 0);
	CU_ASSERT(order_no != NULL && order_no[0] != '\0');
	s->n++;
	s->created += created;
	if (s->steal_db != NULL && s->n == 1)
		CU_ASSERT_EQUAL(db_run(s->steal_db, "UPDATE sync_lease SET holder = 'thief', "
		    "expires_at = ? WHERE shop_id = ?", "ii", (int64_t)time(NULL) + 3600,
		    s->shop_id), 0);
}

static struct worker *
new_worker(struct db *d, const struct worker_shop *sh, const char *holder, struct seen *s)
{
	struct worker_opts o = { 0 };
	struct worker *w = NULL;
	char err[256];

	o.interval_s = 1;
	o.lease_s = 60;
	o.holder = holder;
	o.env = &env_tmpl;
	o.log = quiet_log;
	o.utc_offset_s = 7 * 3600;
	if (s != NULL) {
		o.changed = on_changed;
		o.changed_ctx = s;
	}
	CU_ASSERT_EQUAL(worker_new(d, sh, 1, &o, &w, err, sizeof err), 0);
	return w;
}

static int64_t
q(const char *sql)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(db_int(db, &v, sql, ""), 0);
	return v;
}

static char *
qs(const char *sql)
{
	struct db_stmt *st = db_prep(db, sql);
	char *v = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	if (db_step(st) == DB_ROW)
		v = strdup(db_col_text(st, 0));
	db_done(st);
	return v != NULL ? v : strdup("");
}

static void
test_pass_and_state(void)
{
	struct worker_shop sh = shop_cfg(KEY);
	struct worker_result r;
	struct seen s = { 0 };
	struct worker *w = new_worker(db, &sh, "host:1:aaaa0001", &s);
	char *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(worker_pass(w, &r), 0);
	CU_ASSERT_EQUAL(r.held, 1);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_EQUAL(r.created, NORDERS);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM orders"), NORDERS);
	CU_ASSERT_EQUAL(s.n, NORDERS);
	CU_ASSERT_EQUAL(s.created, NORDERS);
	CU_ASSERT(r.lag_s >= 0 && r.lag_s < 60);
	CU_ASSERT_EQUAL(r.outbox_ran, 1);
	v = qs("SELECT holder || '|' || pulled_today || '|' || rate_state || '|' || "
	    "(last_ok_at = last_try_at) || '|' || coalesce(last_error, '-') FROM sync_state");
	CU_ASSERT_STRING_EQUAL(v, "host:1:aaaa0001|250|no limit|1|-");
	free(v);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_state WHERE lag_s BETWEEN 0 AND 59 AND "
	    "day = strftime('%Y-%m-%d', updated_at + 7 * 3600, 'unixepoch')"), 1);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_pass WHERE holder = 'host:1:aaaa0001' "
	    "AND ok = 1 AND pulled = 250 AND ended_ms >= started_ms"), 1);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM shop_token WHERE access_token = 'wk-at'"), 1);
	/* The pull learnt where the SKUs are listed and the pass pushed their stock. */
	CU_ASSERT(q("SELECT count(*) FROM shop_listing") > 0);
	CU_ASSERT(r.stock_pushed > 0);
	CU_ASSERT_EQUAL(r.stock_pushed, q("SELECT count(*) FROM shop_listing"));
	{
		json_t *log = sim_ctl(&sim, "GET", "/_sim/log?kind=stock", NULL);

		CU_ASSERT(json_array_size(json_object_get(log, "log")) > 0);
		json_decref(log);
	}
	/* Again: nothing new; pulled_today stays. */
	CU_ASSERT_EQUAL(worker_pass(w, &r), 0);
	CU_ASSERT_EQUAL(r.created, 0);
	CU_ASSERT_EQUAL(q("SELECT pulled_today FROM sync_state"), NORDERS);
	/* A new local day: the count starts again. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_state SET day = '2000-01-01'", ""), 0);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":3}"));
	{
		struct timespec t = { 1, 100000000 };

		nanosleep(&t, NULL);    /* a pull reads update times before now */
	}
	CU_ASSERT_EQUAL(worker_pass(w, &r), 0);
	CU_ASSERT_EQUAL(r.created, 3);
	CU_ASSERT_EQUAL(q("SELECT pulled_today FROM sync_state"), 3);
	worker_free(w);
	/* Freed: the lease is released at once. */
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_lease WHERE expires_at = 0"), 1);
}

/* Two workers on their own connections: the second never calls while the first holds. */
static void
test_second_worker(void)
{
	struct worker_shop sh = shop_cfg(KEY);
	struct worker_result r;
	struct worker *a = new_worker(db, &sh, "host:1:aaaa0001", NULL), *b;
	struct db *db2;
	char err[256];
	int64_t calls;

	CU_ASSERT_EQUAL_FATAL(db_open(&db2, dbfile, err, sizeof err), 0);
	b = new_worker(db2, &sh, "host:2:bbbb0002", NULL);
	CU_ASSERT_EQUAL(worker_pass(a, &r), 0);
	CU_ASSERT_EQUAL(r.held, 1);
	calls = sim_counter(&sim, "calls");
	CU_ASSERT_EQUAL(worker_pass(b, &r), 0);
	CU_ASSERT_EQUAL(r.held, 0);
	CU_ASSERT_STRING_EQUAL(r.other, "host:1:aaaa0001");
	CU_ASSERT_EQUAL(sim_counter(&sim, "calls"), calls);
	worker_free(a);
	CU_ASSERT_EQUAL(worker_pass(b, &r), 0);
	CU_ASSERT_EQUAL(r.held, 1);
	CU_ASSERT(sim_counter(&sim, "calls") > calls);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_state WHERE holder = 'host:2:bbbb0002'"), 1);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM orders"), NORDERS + 3);
	worker_free(b);
	db_close(db2);
}

/* The lease taken over by another mid-pull: this worker stops at the next page. */
static void
test_lease_lost(void)
{
	struct worker_shop sh = shop_cfg(KEY);
	struct worker_result r;
	struct seen s = { 0 };
	struct worker *w;
	struct db *thief;
	char err[256];
	int64_t lists;

	CU_ASSERT_EQUAL_FATAL(db_open(&thief, dbfile, err, sizeof err), 0);
	/* Everything changed: a pull of many pages. */
	CU_ASSERT_EQUAL(db_run(db, "DELETE FROM sync_cursor", ""), 0);
	s.steal_db = thief;
	s.shop_id = q("SELECT id FROM shop WHERE shop_code = '" SHOP "'");
	w = new_worker(db, &sh, "host:3:cccc0003", &s);
	lists = sim_counter(&sim, "list");
	CU_ASSERT_EQUAL(worker_pass(w, &r), 1);
	CU_ASSERT_EQUAL(r.held, 0);
	CU_ASSERT_STRING_EQUAL(r.other, "thief");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "lease"));
	/* One page pulled (its orders told), then stopped: not the whole 3-page window. */
	CU_ASSERT_EQUAL(sim_counter(&sim, "list"), lists + 1);
	CU_ASSERT_EQUAL(s.n, 100);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_state WHERE holder = 'host:3:cccc0003'"), 0);
	worker_free(w);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_lease WHERE holder = 'thief'"), 1);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_lease SET expires_at = 0", ""), 0);
	db_close(thief);
}

/* Token expired mid-run: refreshed by the hook and stored; the pass succeeds. */
static void
test_token_expiry(void)
{
	struct worker_shop sh = shop_cfg(KEY);
	struct worker_result r;
	struct worker *w = new_worker(db, &sh, "host:4:dddd0004", NULL);
	int64_t refresh = sim_counter(&sim, "refresh");
	json_t *c;

	json_decref(sim_ctl(&sim, "POST", "/_sim/expire-tokens", "{}"));
	CU_ASSERT_EQUAL(worker_pass(w, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_EQUAL(r.refreshes, 1);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), refresh + 1);
	c = sim_ctl(&sim, "GET", "/_sim/counters", NULL);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM shop_token WHERE refreshes = 1"), 1);
	{
		int64_t n = -1;

		CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM shop_token WHERE "
		    "access_token = ?", "s", json_string_value(json_object_get(c,
		    "access_token"))), 0);
		CU_ASSERT_EQUAL(n, 1);
	}
	json_decref(c);
	/* Another worker (a restart) uses the stored pair, not the configured one. */
	worker_free(w);
	w = new_worker(db, &sh, "host:4:dddd0004", NULL);
	CU_ASSERT_EQUAL(worker_pass(w, &r), 0);
	CU_ASSERT_EQUAL(r.refreshes, 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "refresh"), refresh + 1);
	worker_free(w);
}

static void
test_error_words(void)
{
	struct worker_shop sh = shop_cfg("wrong-key");
	struct worker_result r;
	struct worker *w = new_worker(db, &sh, "host:5:eeee0005", NULL);
	int64_t ok_before = q("SELECT last_ok_at FROM sync_state");
	char *v;

	CU_ASSERT_EQUAL(worker_pass(w, &r), 1);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "pull: "));
	v = qs("SELECT last_error FROM sync_state");
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "sign"));
	CU_ASSERT_PTR_NULL(strstr(v, "wrong-key"));     /* no secret in words */
	free(v);
	CU_ASSERT_EQUAL(q("SELECT last_ok_at FROM sync_state"), ok_before);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM sync_state WHERE last_error_at = last_try_at"), 1);
	worker_free(w);
}

static void *
run_thread(void *arg)
{
	worker_run(arg);
	return NULL;
}

/* worker_run until worker_stop from another thread: ends at once, lease released. */
static void
test_run_stop(void)
{
	struct worker_shop sh = shop_cfg(KEY);
	struct worker *w;
	struct db *d;
	pthread_t th;
	char err[256], who[LEASE_HOLDER_MAX];
	struct timespec t = { 0, 300 * 1000000 };
	int64_t start;

	CU_ASSERT_EQUAL_FATAL(db_open(&d, dbfile, err, sizeof err), 0);
	w = new_worker(d, &sh, "host:6:ffff0006", NULL);
	CU_ASSERT_EQUAL(worker_pass(w, NULL), 0);
	CU_ASSERT_EQUAL(lease_holder(db, q("SELECT id FROM shop"), time(NULL), who, sizeof who,
	    NULL), 1);
	pthread_create(&th, NULL, run_thread, w);
	nanosleep(&t, NULL);
	start = time(NULL);
	worker_stop(w);
	pthread_join(th, NULL);
	CU_ASSERT(time(NULL) - start <= 1);
	CU_ASSERT(worker_stopping(w));
	CU_ASSERT_EQUAL(lease_holder(db, q("SELECT id FROM shop"), time(NULL), who, sizeof who,
	    NULL), 0);
	CU_ASSERT_EQUAL(worker_pass(w, NULL), -1);
	worker_free(w);
	db_close(d);
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 3, "test_worker SIMULATOR SKUS", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	su = CU_add_suite("worker", suite_init, suite_clean);
	CU_add_test(su, "a pass and its sync_state", test_pass_and_state);
	CU_add_test(su, "a second worker leaves the shop alone", test_second_worker);
	CU_add_test(su, "lease lost mid-pull", test_lease_lost);
	CU_add_test(su, "token expired mid-run", test_token_expiry);
	CU_add_test(su, "last error in words", test_error_words);
	CU_add_test(su, "worker_run stops on worker_stop", test_run_stop);
	return tu_run();
}

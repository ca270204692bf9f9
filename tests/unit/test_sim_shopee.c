/*
 * test_sim_shopee.c — Shopee end to end against packbench-marketsim with two Shopee
 * shops in one simulator process (credentials derived from their codes): each shop's
 * pull gets only its orders; the pull survives a held (timed-out) answer, duplicate
 * pages and updates landing inside an already-pulled window without a duplicate or a
 * missed order; tokens expired mid-run are refreshed once; shopee_ops ships each order
 * exactly once by the simulator's log (dropoff, pickup, non-integrated, a dropped
 * answer, a recheck, a cancelled order refused), sets stock to exactly what was sent,
 * cancels, reads the escrow, recovers lost pushes; webhooks arrive signed with the same
 * push_sign; the rate limit answers Shopee's error_rate_limit; orders are generated at a
 * rate. Backoff sleeps are faked. argv: simulator path, SKU list.
 */
#include <CUnit/CUnit.h>

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/order.h"
#include "market/ops.h"
#include "market/shopee.h"
#include "market/sync.h"
#include "market/token.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define NA 120                  /* orders of shop A at start */
#define NB 30                   /* of shop B */
#define CODE_A "2000001"
#define CODE_B "hanoi-store"

static const char *sim_path, *skus_path;
static struct sim sim;
static struct db *db;
static char dbfile[256];
static struct session s;
static int64_t nslept;

/* A shop as /_sim/shops gives it. */
struct shop {
	char code[64], shop_id[32], partner_key[128], access[128], refresh[128];
	struct market_creds c;
};

static struct shop A, B;

static char *buyer_of(const char *sn);

static void
fake_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	(void)ms;
	nslept++;
}

static const struct retry_policy policy = { .max_attempts = 6, .base_ms = 1, .cap_ms = 5,
	.quota_utc_offset = 8 * 3600 };

static struct market_call_env
env_for(struct transport *t)
{
	struct market_call_env e = { 0 };

	e.transport = t;
	e.conn = &shopee_connector;
	e.policy = &policy;
	e.sleep_ms = fake_sleep;
	return e;
}

static int
load_shop(json_t *list, const char *code, struct shop *sh)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "code")), code) != 0)
			continue;
		snprintf(sh->code, sizeof sh->code, "%s", code);
		snprintf(sh->shop_id, sizeof sh->shop_id, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(v, "shop_id")));
		snprintf(sh->partner_key, sizeof sh->partner_key, "%s",
		    json_string_value(json_object_get(v, "partner_key")));
		snprintf(sh->access, sizeof sh->access, "%s",
		    json_string_value(json_object_get(v, "access_token")));
		snprintf(sh->refresh, sizeof sh->refresh, "%s",
		    json_string_value(json_object_get(v, "refresh_token")));
		memset(&sh->c, 0, sizeof sh->c);
		sh->c.partner_id = json_integer_value(json_object_get(v, "partner_id"));
		sh->c.shop_id = json_integer_value(json_object_get(v, "shop_id"));
		sh->c.partner_key = sh->partner_key;
		sh->c.access_token = sh->access;
		sh->c.refresh_token = sh->refresh;
		return 0;
	}
	return -1;
}

static int
suite_init(void)
{
	static const char *args[] = { "--seed", "5", "--hold-ms", "1500", "--skus", NULL,
	    "--shop", "shopee:" CODE_A, "--orders", "120",
	    "--shop", "shopee:" CODE_B, "--orders", "30", NULL };

	args[5] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
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

static int
pull_env(struct shop *sh, struct market_creds *c, struct transport *t,
    const struct market_call_env *env, struct sync_counts *n, struct market_error *err)
{
	struct sync_opts o = { 0 };

	o.channel = "shopee";
	o.shop = sh->shop_id;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;
	o.overlap = 300;
	o.page_size = 20;
	o.env = env;
	return sync_pull_once(&s, &shopee_connector, c, t, &o, n, err);
}

static int
pull(struct shop *sh, struct sync_counts *n, struct market_error *err)
{
	struct market_call_env env = env_for(sim.tr);

	return pull_env(sh, &sh->c, sim.tr, &env, n, err);
}

/* Every order of shop code in the simulator is in the database exactly once, with the
 * simulator's buyer name. */
static void
assert_all_arrived(const char *code)
{
	char path[96];
	json_t *all, *o;
	size_t i, missing = 0, stale = 0;

	snprintf(path, sizeof path, "/_sim/orders?shop=%s", code);
	all = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(all, "orders"), i, o) {
		int64_t n = 0;
		char *name;

		db_int(db, &n, "SELECT count(*) FROM orders WHERE order_no = ?", "s",
		    json_string_value(json_object_get(o, "order_sn")));
		if (n != 1)
			missing++;
		name = buyer_of(json_string_value(json_object_get(o, "order_sn")));
		if (name == NULL || strcmp(name, json_string_value(json_object_get(o,
		    "buyer_name"))) != 0)
			stale++;
		free(name);
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(stale, 0);
	json_decref(all);
}

/* The buyer name of order sn in the database (malloc'd), NULL when it is not there. */
static char *
buyer_of(const char *sn)
{
	struct order *o = NULL;
	int64_t id = 0;
	char *name;

	if (sn == NULL || order_find(&s, sn, &id) != 0 || order_load(&s, id, &o) != 0)
		return NULL;
	name = strdup(o->buyer_name != NULL ? o->buyer_name : "");
	order_free(o);
	return name;
}

static int64_t
orders_in_db(void)
{
	int64_t n = -1;

	db_int(db, &n, "SELECT count(*) FROM orders", "");
	return n;
}

static int64_t
shop_counter(const char *code, const char *name)
{
	char path[96];
	json_t *c;
	int64_t v;

	snprintf(path, sizeof path, "/_sim/counters?shop=%s", code);
	c = sim_ctl(&sim, "GET", path, NULL);
	v = (int64_t)json_integer_value(json_object_get(c, name));
	json_decref(c);
	return v;
}

static void
add_orders(const char *code, int n)
{
	char body[96];

	snprintf(body, sizeof body, "{\"count\":%d,\"shop\":\"%s\"}", n, code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/gen", body));
}

/* ------------------------------------------------------------------ the pull */

static void
test_shops(void)
{
	struct sync_counts n;
	struct market_error err;
	json_t *shops = sim_ctl(&sim, "GET", "/_sim/shops", NULL);

	/* The shops' credentials, as the simulator derived them from the codes. */
	CU_ASSERT_EQUAL(json_array_size(json_object_get(shops, "shops")), 2);
	CU_ASSERT_EQUAL_FATAL(load_shop(json_object_get(shops, "shops"), CODE_A, &A), 0);
	CU_ASSERT_EQUAL_FATAL(load_shop(json_object_get(shops, "shops"), CODE_B, &B), 0);
	json_decref(shops);
	/* Derived: the numeric code is the shop_id; another's from its hash. */
	CU_ASSERT_STRING_EQUAL(A.shop_id, CODE_A);
	CU_ASSERT_STRING_EQUAL(A.partner_key, "sim-pk-" CODE_A);
	CU_ASSERT_STRING_EQUAL(A.access, "sim-at-" CODE_A);
	CU_ASSERT(B.c.shop_id > 2000000 && B.c.shop_id < 3000000);
	CU_ASSERT(B.c.partner_id != A.c.partner_id);

	CU_ASSERT_EQUAL_FATAL(pull(&A, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, NA);
	CU_ASSERT_EQUAL(shop_counter(CODE_B, "calls"), 0);
	CU_ASSERT_EQUAL_FATAL(pull(&B, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, NB);
	CU_ASSERT_EQUAL(orders_in_db(), NA + NB);
	assert_all_arrived(CODE_A);
	assert_all_arrived(CODE_B);

	/* The same API under the channel's mount (api_base http://HOST:PORT/shopee). */
	{
		struct market_call_env env;
		struct transport *t;
		char base[64], msg[256];
		int64_t calls = shop_counter(CODE_B, "calls");

		snprintf(base, sizeof base, "http://127.0.0.1:%u/shopee", sim.port);
		t = transport_new(base, NULL, NULL, msg, sizeof msg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		env = env_for(t);
		add_orders(CODE_B, 3);
		CU_ASSERT_EQUAL(pull_env(&B, &B.c, t, &env, &n, &err), 0);
		CU_ASSERT_EQUAL(n.created, 3);
		CU_ASSERT(shop_counter(CODE_B, "calls") > calls);
		transport_free(t);
	}

	/* The simulator's clock 10 minutes ahead: our timestamps are stale, refused. */
	json_decref(sim_ctl(&sim, "POST", "/_sim/clock", "{\"offset\":600}"));
	CU_ASSERT(pull(&B, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, "error_param");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Invalid timestamp"));
	json_decref(sim_ctl(&sim, "POST", "/_sim/clock", "{\"offset\":0}"));

	/* B's key does not sign for A. */
	B.c.shop_id = A.c.shop_id;
	CU_ASSERT(pull(&B, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_FATAL);
	B.c.shop_id = strtoll(B.shop_id, NULL, 10);
}

/* A held answer past the client's timeout is retried; nothing lost, nothing doubled. */
static void
test_timeout(void)
{
	struct transport_opts topts = { .connect_ms = 1000, .total_ms = 600 };
	struct market_call_env env;
	struct transport *t;
	struct sync_counts n;
	struct market_error err;
	char base[64], msg[256];
	int64_t before = orders_in_db(), faults = sim_counter(&sim, "faults");

	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim.port);
	t = transport_new(base, NULL, &topts, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	env = env_for(t);
	add_orders(CODE_A, 25);
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault",
	    "{\"kind\":\"timeout\",\"count\":1,\"hold_ms\":1500,\"shop\":\"" CODE_A "\"}"));
	nslept = 0;
	CU_ASSERT_EQUAL(pull_env(&A, &A.c, t, &env, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 25);
	CU_ASSERT_EQUAL(nslept, 1);
	CU_ASSERT_EQUAL(sim_counter(&sim, "faults") - faults, 1);
	CU_ASSERT_EQUAL(orders_in_db(), before + 25);
	assert_all_arrived(CODE_A);
	transport_free(t);
}

static void
fault_round(const char *kind, int count)
{
	struct sync_counts n;
	struct market_error err;
	char body[96];
	int64_t before = orders_in_db(), faults = sim_counter(&sim, "faults");

	add_orders(CODE_B, 30);
	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"count\":%d,\"shop\":\"%s\"}", kind, count,
	    CODE_B);
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault", body));
	CU_ASSERT_EQUAL(pull(&B, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 30);
	CU_ASSERT_EQUAL(sim_counter(&sim, "faults") - faults, count);
	CU_ASSERT_EQUAL(orders_in_db(), before + 30);
	assert_all_arrived(CODE_B);
}

static void
test_faults(void)
{
	fault_round("500", 2);
	fault_round("truncated", 2);
	fault_round("drop", 1);
}

/* A page that repeats the previous page's ids: every order once, none missed. */
static void
test_duplicate_page(void)
{
	struct sync_counts n;
	struct market_error err;
	int64_t before = orders_in_db(), faults = shop_counter(CODE_A, "faults");

	add_orders(CODE_A, 70);
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault",
	    "{\"kind\":\"duplicate_page\",\"count\":2,\"shop\":\"" CODE_A "\"}"));
	CU_ASSERT_EQUAL(pull(&A, &n, &err), 0);
	CU_ASSERT_EQUAL(shop_counter(CODE_A, "faults") - faults, 2);  /* the pages did repeat */
	CU_ASSERT_EQUAL(n.created, 70);
	CU_ASSERT_EQUAL(n.skipped, 0);
	CU_ASSERT_EQUAL(orders_in_db(), before + 70);
	assert_all_arrived(CODE_A);
}

/* Changes stamped 60 s ago, inside the window already pulled: the overlap reads them. */
static void
test_late_update(void)
{
	struct sync_counts n;
	struct market_error err;
	json_t *r;
	size_t i;
	json_t *v;
	int64_t before = orders_in_db();

	r = sim_ctl(&sim, "POST", "/_sim/fault",
	    "{\"kind\":\"late_update\",\"count\":3,\"lag\":60,\"shop\":\"" CODE_B "\"}");
	CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(r, "order_sn_list")), 3);
	CU_ASSERT_EQUAL(pull(&B, &n, &err), 0);
	CU_ASSERT(n.updated >= 3);
	CU_ASSERT_EQUAL(n.created, 0);
	json_array_foreach(json_object_get(r, "order_sn_list"), i, v) {
		char *name = buyer_of(json_string_value(v));
		CU_ASSERT_PTR_NOT_NULL(name != NULL ? strstr(name, "Cập Nhật Muộn") : NULL);
		free(name);
	}
	json_decref(r);
	CU_ASSERT_EQUAL(orders_in_db(), before);
	assert_all_arrived(CODE_B);
}

/* Tokens expire mid-run: the pull refreshes once (the new pair stored) and goes on. */
static void
test_token_expiry(void)
{
	struct market_call_env env = env_for(sim.tr);
	struct token_shop ts;
	struct sync_counts n;
	struct market_error err;
	int64_t shop_row = 0, refresh = shop_counter(CODE_A, "refresh");
	json_t *c;

	CU_ASSERT_EQUAL_FATAL(db_int(db, &shop_row, "SELECT id FROM shop WHERE channel = "
	    "'shopee' AND shop_code = ?", "s", A.shop_id), 0);
	memset(&ts, 0, sizeof ts);
	ts.db = db;
	ts.shop_id = shop_row;
	ts.channel = "shopee";
	ts.conn = &shopee_connector;
	ts.transport = sim.tr;
	ts.env = &env;
	ts.holder = "test";
	ts.creds = A.c;
	CU_ASSERT_EQUAL_FATAL(token_open(&ts, A.access, A.refresh, (int64_t)time(NULL), &err), 0);
	env.refresh = token_retry_hook;
	env.refresh_ctx = &ts;

	add_orders(CODE_A, 10);
	json_decref(sim_ctl(&sim, "POST", "/_sim/expire-tokens", "{\"shop\":\"" CODE_A "\"}"));
	/* The pull builds with the token shop's creds, which the refresh renews. */
	CU_ASSERT(pull_env(&A, &ts.creds, sim.tr, &env, &n, &err) == 0);
	CU_ASSERT_EQUAL(n.created, 10);
	CU_ASSERT_EQUAL(shop_counter(CODE_A, "refresh") - refresh, 1);
	CU_ASSERT_EQUAL(ts.refreshed, 1);
	c = sim_ctl(&sim, "GET", "/_sim/counters?shop=" CODE_A, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "access_token")),
	    ts.creds.access_token);
	json_decref(c);
	/* The shop's creds from now on. */
	snprintf(A.access, sizeof A.access, "%s", ts.creds.access_token);
	snprintf(A.refresh, sizeof A.refresh, "%s", ts.creds.refresh_token);
	token_close(&ts);
	CU_ASSERT_EQUAL(pull(&A, &n, &err), 0);
	/* The other shop's token was not touched. */
	CU_ASSERT_EQUAL(pull(&B, &n, &err), 0);
	assert_all_arrived(CODE_A);
}

/* ------------------------------------------------------------------ owed calls */

/* The first n order numbers of code in status st. Caller frees each and the array. */
static size_t
orders_in(const char *code, const char *st, char **out, size_t n)
{
	char path[96];
	json_t *all, *o;
	size_t i, k = 0;

	snprintf(path, sizeof path, "/_sim/orders?shop=%s", code);
	all = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(all, "orders"), i, o) {
		if (k < n && strcmp(json_string_value(json_object_get(o, "order_status")), st) == 0)
			out[k++] = strdup(json_string_value(json_object_get(o, "order_sn")));
	}
	json_decref(all);
	return k;
}

/* ok ship calls and all ship calls of order sn in the simulator's log. */
static void
ship_log(const char *sn, int *ok, int *all)
{
	json_t *log = sim_ctl(&sim, "GET", "/_sim/log?kind=ship", NULL), *e;
	size_t i;

	*ok = *all = 0;
	json_array_foreach(json_object_get(log, "log"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "order_sn")), sn) != 0)
			continue;
		(*all)++;
		*ok += json_is_true(json_object_get(e, "ok"));
	}
	json_decref(log);
}

static json_t *
sim_order(const char *sn)
{
	json_t *all = sim_ctl(&sim, "GET", "/_sim/orders", NULL), *o, *found = NULL;
	size_t i;

	json_array_foreach(json_object_get(all, "orders"), i, o) {
		if (strcmp(json_string_value(json_object_get(o, "order_sn")), sn) == 0)
			found = json_incref(o);
	}
	json_decref(all);
	return found;
}

static void
set_mode(const char *sn, const char *mode)
{
	char body[160];

	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"ship_mode\":\"%s\"}", sn, mode);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
}

static void
test_ship(void)
{
	const struct market_ops *ops = ops_find("shopee");
	struct market_call_env env = env_for(sim.tr);
	struct market_error err;
	char *sns[8], tn[64], payload[160];
	json_t *o;
	size_t n, i;
	int ok, all;
	int64_t ships;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	n = orders_in(CODE_A, "READY_TO_SHIP", sns, 8);
	CU_ASSERT_EQUAL_FATAL(n, 8);
	set_mode(sns[1], "pickup");
	set_mode(sns[2], "non_integrated");
	set_mode(sns[3], "non_integrated");

	/* Dropoff and pickup: shipped, the simulator's tracking number given back. */
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[i], NULL, 0, tn, sizeof tn, &err), MC_OK);
		o = sim_order(sns[i]);
		CU_ASSERT_STRING_EQUAL(tn, json_string_value(json_object_get(o,
		    "tracking_number")));
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "order_status")),
		    "PROCESSED");
		CU_ASSERT(strncmp(tn, "SPXVN", 5) == 0);
		json_decref(o);
		ship_log(sns[i], &ok, &all);
		CU_ASSERT_EQUAL(ok, 1);
		CU_ASSERT_EQUAL(all, 1);
	}
	/* Non-integrated: our own tracking number from the payload; none is an error. */
	snprintf(payload, sizeof payload, "{\"order_no\":\"%s\",\"tracking_number\":\"VNP123\"}",
	    sns[2]);
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[2], payload, 0, tn, sizeof tn, &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(tn, "VNP123");
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[3], NULL, 0, tn, sizeof tn, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tracking_number"));
	ship_log(sns[3], &ok, &all);
	CU_ASSERT_EQUAL(all, 0);

	/* The answer to ship_order dropped: the retry is refused as shipped, counted done. */
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault",
	    "{\"kind\":\"drop\",\"count\":1,\"path\":\"ship_order\"}"));
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[4], NULL, 0, tn, sizeof tn, &err), MC_OK);
	CU_ASSERT(tn[0] != '\0');
	ship_log(sns[4], &ok, &all);
	CU_ASSERT_EQUAL(ok, 1);

	/* ship_order held past our timeout: the retry ships, the held one is refused. */
	{
		struct transport_opts topts = { .connect_ms = 1000, .total_ms = 600 };
		struct market_call_env tenv;
		struct transport *t;
		char base[64], msg[256];
		int k;

		snprintf(base, sizeof base, "http://127.0.0.1:%u", sim.port);
		t = transport_new(base, NULL, &topts, msg, sizeof msg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		tenv = env_for(t);
		json_decref(sim_ctl(&sim, "POST", "/_sim/fault", "{\"kind\":\"timeout\",\"count\":1,"
		    "\"hold_ms\":1500,\"path\":\"ship_order\"}"));
		CU_ASSERT_EQUAL(ops->ship(&tenv, &A.c, sns[7], NULL, 0, tn, sizeof tn, &err), MC_OK);
		CU_ASSERT(tn[0] != '\0');
		for (k = 0; k < 60; k++) {
			ship_log(sns[7], &ok, &all);
			if (all == 2)
				break;
			usleep(50000);
		}
		CU_ASSERT_EQUAL(all, 2);
		CU_ASSERT_EQUAL(ok, 1);
		transport_free(t);
	}

	/* Again, as a recheck and as a fresh row: no ship_order call at all. */
	ships = sim_counter(&sim, "ship");
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[0], NULL, 1, tn, sizeof tn, &err), MC_OK);
	CU_ASSERT(tn[0] != '\0');
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[1], NULL, 0, tn, sizeof tn, &err), MC_OK);
	CU_ASSERT(tn[0] != '\0');
	CU_ASSERT_EQUAL(sim_counter(&sim, "ship"), ships);
	/* A recheck of an order never shipped ships it, once. */
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[5], NULL, 1, tn, sizeof tn, &err), MC_OK);
	ship_log(sns[5], &ok, &all);
	CU_ASSERT_EQUAL(ok, 1);
	CU_ASSERT_EQUAL(all, 1);

	/* Cancelled by the buyer: refused, never called shipped. */
	snprintf(payload, sizeof payload, "{\"order_sn\":\"%s\"}", sns[6]);
	json_decref(sim_ctl(&sim, "POST", "/_sim/cancel", payload));
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[6], NULL, 0, tn, sizeof tn, &err), MC_FATAL);
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, sns[6], NULL, 1, tn, sizeof tn, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "CANCELLED"));
	ship_log(sns[6], &ok, &all);
	CU_ASSERT_EQUAL(ok, 0);
	/* Unknown order. */
	CU_ASSERT_EQUAL(ops->ship(&env, &A.c, "NO-SUCH", NULL, 0, tn, sizeof tn, &err), MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, "error_param");

	/* Over the whole log: no order shipped twice. */
	{
		json_t *log = sim_ctl(&sim, "GET", "/_sim/log?kind=ship", NULL), *e, *seen;
		size_t k;
		int twice = 0;

		seen = json_object();
		json_array_foreach(json_object_get(log, "log"), k, e) {
			const char *sn = json_string_value(json_object_get(e, "order_sn"));

			if (!json_is_true(json_object_get(e, "ok")))
				continue;
			twice += json_object_get(seen, sn) != NULL;
			json_object_set_new(seen, sn, json_true());
		}
		CU_ASSERT_EQUAL(twice, 0);
		CU_ASSERT_EQUAL(json_object_size(seen), 6);
		json_decref(seen);
		json_decref(log);
	}
	for (i = 0; i < n; i++)
		free(sns[i]);
}

/* The listings the detail mapper noted, fetched for a few orders of shop A. */
static void
listings(struct market_orders *set)
{
	struct market_call_env env = env_for(sim.tr);
	struct transport_resp resp = { 0 };
	struct market_error err;
	struct request r;
	char *sns[40], msg[256];
	size_t n = orders_in(CODE_A, "READY_TO_SHIP", sns, 40), i;

	CU_ASSERT_EQUAL_FATAL(shopee_connector.detail_request(&A.c, (const char *const *)sns, n,
	    (int64_t)time(NULL), &r, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(market_call(&env, &r, &resp, &err, NULL), MC_OK);
	CU_ASSERT_EQUAL(shopee_connector.parse_detail(resp.http, resp.body, resp.len, set, &err),
	    MC_OK);
	transport_resp_free(&resp);
	request_free(&r);
	for (i = 0; i < n; i++)
		free(sns[i]);
}

static const struct market_listing *
listing_of(struct market_orders *set, const char *sku)
{
	size_t i, k;

	for (i = 0; i < set->n; i++) {
		for (k = 0; k < set->v[i].nlistings; k++) {
			if (strcmp(set->v[i].listings[k].sku, sku) == 0)
				return &set->v[i].listings[k];
		}
	}
	return NULL;
}

static int64_t
sim_stock(const char *code, const char *sku)
{
	char path[96];
	json_t *st, *v;
	size_t i;
	int64_t q = -1;

	snprintf(path, sizeof path, "/_sim/stock?shop=%s", code);
	st = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(st, "stock"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "sku")), sku) == 0)
			q = json_integer_value(json_object_get(v, "stock"));
	}
	json_decref(st);
	return q;
}

static void
test_stock(void)
{
	const struct market_ops *ops = ops_find("shopee");
	struct market_call_env env = env_for(sim.tr);
	struct market_orders set = { 0 };
	const struct market_listing *blk, *wht, *mug;
	struct market_stock two[2], one;
	struct market_error err;
	json_t *log;

	listings(&set);
	blk = listing_of(&set, "TSHIRT-BLK-M");
	wht = listing_of(&set, "TSHIRT-WHT-L");
	mug = listing_of(&set, "MUG-CER-350");
	CU_ASSERT_PTR_NOT_NULL_FATAL(blk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(wht);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mug);
	CU_ASSERT_STRING_EQUAL(blk->item_id, wht->item_id);     /* two models of one item */
	CU_ASSERT_STRING_NOT_EQUAL(blk->model_id, wht->model_id);

	two[0] = (struct market_stock){ .sku = blk->sku, .item_id = blk->item_id,
	    .model_id = blk->model_id, .qty = 17 };
	two[1] = (struct market_stock){ .sku = wht->sku, .item_id = wht->item_id,
	    .model_id = wht->model_id, .qty = 0 };
	one = (struct market_stock){ .sku = mug->sku, .item_id = mug->item_id,
	    .model_id = mug->model_id, .qty = 245 };
	CU_ASSERT_EQUAL(ops->stock(&env, &A.c, two, 2, &err), MC_OK);
	CU_ASSERT_EQUAL(ops->stock(&env, &A.c, &one, 1, &err), MC_OK);
	CU_ASSERT_EQUAL(sim_stock(CODE_A, "TSHIRT-BLK-M"), 17);
	CU_ASSERT_EQUAL(sim_stock(CODE_A, "TSHIRT-WHT-L"), 0);
	CU_ASSERT_EQUAL(sim_stock(CODE_A, "MUG-CER-350"), 245);
	CU_ASSERT_EQUAL(sim_stock(CODE_B, "MUG-CER-350"), -1);  /* the other shop untouched */
	/* Set again: absolute, so the last value stands. */
	one.qty = 244;
	CU_ASSERT_EQUAL(ops->stock(&env, &A.c, &one, 1, &err), MC_OK);
	CU_ASSERT_EQUAL(sim_stock(CODE_A, "MUG-CER-350"), 244);
	/* One call per item: two items at once are refused before any call. */
	two[1] = one;
	CU_ASSERT_EQUAL(ops->stock(&env, &A.c, two, 2, &err), MC_FATAL);
	/* A model the item does not have: the platform's failure_list, FATAL. */
	two[0].model_id = "299999";
	CU_ASSERT_EQUAL(ops->stock(&env, &A.c, two, 1, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "299999"));

	log = sim_ctl(&sim, "GET", "/_sim/log?kind=stock&shop=" CODE_A, NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(log, "log")), 5);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(json_object_get(log,
	    "log"), 0), "stock")), 17);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
	    json_object_get(log, "log"), 0), "sku")), "TSHIRT-BLK-M");
	CU_ASSERT(!json_is_true(json_object_get(json_array_get(json_object_get(log, "log"), 4),
	    "ok")));
	json_decref(log);
	market_orders_free(&set);
}

static void
test_cancel(void)
{
	const struct market_ops *ops = ops_find("shopee");
	struct market_call_env env = env_for(sim.tr);
	struct market_error err;
	char *sns[2];
	json_t *o, *log;
	int64_t cancels = shop_counter(CODE_A, "cancel");

	CU_ASSERT_EQUAL_FATAL(orders_in(CODE_A, "READY_TO_SHIP", sns, 2), 2);
	CU_ASSERT_EQUAL(ops->cancel(&env, &A.c, sns[0], "Hết hàng", &err), MC_OK);
	o = sim_order(sns[0]);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "order_status")), "CANCELLED");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "cancel_reason")),
	    "OUT_OF_STOCK");
	json_decref(o);
	CU_ASSERT_EQUAL(ops->cancel(&env, &A.c, sns[1], "khách đổi ý", &err), MC_OK);
	o = sim_order(sns[1]);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "cancel_reason")),
	    "CUSTOMER_REQUEST");
	json_decref(o);
	/* Cancelled already: OK without another cancel call. */
	CU_ASSERT_EQUAL(ops->cancel(&env, &A.c, sns[0], "again", &err), MC_OK);
	CU_ASSERT_EQUAL(shop_counter(CODE_A, "cancel") - cancels, 2);
	log = sim_ctl(&sim, "GET", "/_sim/log?kind=cancel", NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(log, "log")), 2);
	json_decref(log);
	/* A shipped order cannot be cancelled. */
	{
		char *shipped[1];

		CU_ASSERT_EQUAL_FATAL(orders_in(CODE_A, "PROCESSED", shipped, 1), 1);
		CU_ASSERT_EQUAL(ops->cancel(&env, &A.c, shipped[0], "x", &err), MC_FATAL);
		CU_ASSERT_STRING_EQUAL(err.code, "order.order_status_error");
		free(shipped[0]);
	}
	free(sns[0]);
	free(sns[1]);
}

static int64_t
fee(const struct market_settlement *st, const char *type)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (strcmp(st->fees[i].type, type) == 0)
			return st->fees[i].amount;
	}
	return -1;
}

static void
test_escrow(void)
{
	const struct market_ops *ops = ops_find("shopee");
	struct market_call_env env = env_for(sim.tr);
	struct market_settlement st = { 0 };
	struct market_error err;
	char *sns[1], body[160];
	json_t *o;
	int64_t total;

	CU_ASSERT_EQUAL_FATAL(orders_in(CODE_B, "READY_TO_SHIP", sns, 1), 1);
	o = sim_order(sns[0]);
	total = json_integer_value(json_object_get(o, "total"));
	json_decref(o);
	CU_ASSERT_EQUAL_FATAL(ops->settlement(&env, &B.c, sns[0], &st, &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(st.order_no, sns[0]);
	CU_ASSERT_STRING_EQUAL(st.currency, "VND");
	CU_ASSERT_EQUAL(st.final, 0);
	CU_ASSERT_EQUAL(fee(&st, "original_price"), total);
	CU_ASSERT_EQUAL(fee(&st, "commission_fee"), -(total * 4 / 100));
	CU_ASSERT_EQUAL(fee(&st, "escrow_amount"), total + fee(&st, "commission_fee") +
	    fee(&st, "service_fee") + fee(&st, "seller_transaction_fee"));
	market_settlement_free(&st);

	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"order_status\":\"COMPLETED\"}",
	    sns[0]);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
	CU_ASSERT_EQUAL(ops->settlement(&env, &B.c, sns[0], &st, &err), MC_OK);
	CU_ASSERT_EQUAL(st.final, 1);
	market_settlement_free(&st);
	/* Another shop's order is not B's. */
	CU_ASSERT_EQUAL(ops->settlement(&env, &A.c, sns[0], &st, &err), MC_FATAL);
	market_settlement_free(&st);
	free(sns[0]);
}

/* ------------------------------------------------------------------ pushes */

struct hook {
	pthread_mutex_t lock;
	struct MHD_Daemon *d;
	unsigned short port;
	int fail;                   /* answer 500 */
	int n;
	char *body[32];
	char sig[32][65];
};

static struct hook hook = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct upload {
	char *buf;
	size_t len;
};

static enum MHD_Result
hook_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *len, void **con_cls)
{
	struct upload *u = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *auth;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	if (u == NULL) {
		*con_cls = calloc(1, sizeof *u);
		return MHD_YES;
	}
	if (*len > 0) {
		u->buf = realloc(u->buf, u->len + *len + 1);
		memcpy(u->buf + u->len, data, *len);
		u->len += *len;
		u->buf[u->len] = '\0';
		*len = 0;
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	pthread_mutex_lock(&hook.lock);
	if (!hook.fail && hook.n < 32) {
		hook.body[hook.n] = u->buf != NULL ? strdup(u->buf) : strdup("");
		snprintf(hook.sig[hook.n], 65, "%s", auth != NULL ? auth : "");
		hook.n++;
	}
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, hook.fail ? 500 : 200, r);
	pthread_mutex_unlock(&hook.lock);
	MHD_destroy_response(r);
	return ret;
}

static void
hook_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u != NULL) {
		free(u->buf);
		free(u);
		*con_cls = NULL;
	}
}

/* Wait until the hook holds n pushes (or 5 s). */
static int
hook_wait(int n)
{
	int i, got = 0;

	for (i = 0; i < 100; i++) {
		pthread_mutex_lock(&hook.lock);
		got = hook.n;
		pthread_mutex_unlock(&hook.lock);
		if (got >= n)
			break;
		usleep(50000);
	}
	return got;
}

static int64_t
counter_wait(const char *code, const char *name, int64_t want)
{
	int64_t v = 0;
	int i;

	for (i = 0; i < 100 && (v = shop_counter(code, name)) < want; i++)
		usleep(50000);
	return v;
}

static void
test_webhook(void)
{
	const struct market_ops *ops = ops_find("shopee");
	const union MHD_DaemonInfo *info;
	char url[96], body[256], sig[65], sn[64], st[32], *sns[2];
	int i;

	hook.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
	    0, NULL, NULL, hook_handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, hook_done, NULL,
	    MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hook.d);
	info = MHD_get_daemon_info(hook.d, MHD_DAEMON_INFO_BIND_PORT);
	hook.port = (unsigned short)info->port;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/hooks/shopee", hook.port);
	snprintf(body, sizeof body, "{\"url\":\"%s\",\"shop\":\"" CODE_B "\"}", url);
	json_decref(sim_ctl(&sim, "POST", "/_sim/webhook", body));

	/* A buyer cancel is pushed at once, signed with the channel's push_sign. */
	CU_ASSERT_EQUAL_FATAL(orders_in(CODE_B, "READY_TO_SHIP", sns, 2), 2);
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\"}", sns[0]);
	json_decref(sim_ctl(&sim, "POST", "/_sim/cancel", body));
	CU_ASSERT_EQUAL_FATAL(hook_wait(1), 1);
	ops->push_sign(&B.c, url, hook.body[0], strlen(hook.body[0]), sig);
	CU_ASSERT_STRING_EQUAL(hook.sig[0], sig);
	CU_ASSERT_EQUAL(ops->push_parse(hook.body[0], strlen(hook.body[0]), sn, sizeof sn, st,
	    sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(sn, sns[0]);
	CU_ASSERT_STRING_EQUAL(st, "CANCELLED");
	/* Signed with another key, it would not verify. */
	ops->push_sign(&A.c, url, hook.body[0], strlen(hook.body[0]), sig);
	CU_ASSERT_STRING_NOT_EQUAL(hook.sig[0], sig);

	/* /_sim/push for one order; bad_sign: a signature that does not verify. */
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\"}", sns[1]);
	json_decref(sim_ctl(&sim, "POST", "/_sim/push", body));
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"bad_sign\":true}", sns[1]);
	json_decref(sim_ctl(&sim, "POST", "/_sim/push", body));
	CU_ASSERT_EQUAL_FATAL(hook_wait(3), 3);
	ops->push_sign(&B.c, url, hook.body[1], strlen(hook.body[1]), sig);
	CU_ASSERT_STRING_EQUAL(hook.sig[1], sig);
	ops->push_sign(&B.c, url, hook.body[2], strlen(hook.body[2]), sig);
	CU_ASSERT_STRING_NOT_EQUAL(hook.sig[2], sig);
	CU_ASSERT_EQUAL(counter_wait(CODE_B, "push_ok", 3), 3);
	CU_ASSERT_EQUAL(shop_counter(CODE_B, "push_sent"), 3);
	CU_ASSERT_EQUAL(shop_counter(CODE_A, "push_sent"), 0);      /* A has no target */

	/* The target fails: counted, and filed as a lost push (Shopee serves those). */
	pthread_mutex_lock(&hook.lock);
	hook.fail = 1;
	pthread_mutex_unlock(&hook.lock);
	json_decref(sim_ctl(&sim, "POST", "/_sim/push", body));
	CU_ASSERT_EQUAL(counter_wait(CODE_B, "push_failed", 1), 1);
	CU_ASSERT_EQUAL(shop_counter(CODE_B, "push_lost"), 1);
	json_decref(sim_ctl(&sim, "POST", "/_sim/webhook", "{\"url\":\"\"}"));
	MHD_stop_daemon(hook.d);
	for (i = 0; i < hook.n; i++)
		free(hook.body[i]);
	free(sns[0]);
	free(sns[1]);
}

/* Pushes the target missed: this shop's order numbers, then confirmed consumed. */
static void
test_lost_push(void)
{
	const struct market_ops *ops = ops_find("shopee");
	struct market_call_env env = env_for(sim.tr);
	struct market_page ids;
	struct market_error err;
	char *sns[2], body[160];
	size_t i;
	int found = 0;

	CU_ASSERT_EQUAL_FATAL(orders_in(CODE_A, "READY_TO_SHIP", sns, 2), 2);
	for (i = 0; i < 2; i++) {
		snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"lost\":true}", sns[i]);
		json_decref(sim_ctl(&sim, "POST", "/_sim/push", body));
	}
	CU_ASSERT_EQUAL_FATAL(ops->lost_push(&env, &A.c, &ids, &err), MC_OK);
	CU_ASSERT_EQUAL(ids.n, 2);
	for (i = 0; i < ids.n; i++)
		found += strcmp(ids.ids[i], sns[0]) == 0 || strcmp(ids.ids[i], sns[1]) == 0;
	CU_ASSERT_EQUAL(found, 2);
	market_page_free(&ids);
	/* Confirmed: none the second time. */
	CU_ASSERT_EQUAL(ops->lost_push(&env, &A.c, &ids, &err), MC_OK);
	CU_ASSERT_EQUAL(ids.n, 0);
	market_page_free(&ids);
	/* B's failed delivery (test_webhook) is B's, under its own partner. */
	CU_ASSERT_EQUAL(ops->lost_push(&env, &B.c, &ids, &err), MC_OK);
	CU_ASSERT_EQUAL(ids.n, 1);
	market_page_free(&ids);
	free(sns[0]);
	free(sns[1]);
}

/* ------------------------------------------------------------------ rate, generation */

static void
test_rate_limit(void)
{
	struct market_call_env env = env_for(sim.tr);
	struct retry_policy once = policy;
	struct transport_resp resp = { 0 };
	struct market_error err;
	struct request r;
	char msg[256], *sn[1];
	int i, ok = 0, rate = 0;
	int64_t t0;

	once.max_attempts = 1;
	env.policy = &once;
	CU_ASSERT_EQUAL_FATAL(orders_in(CODE_B, "READY_TO_SHIP", sn, 1), 1);
	json_decref(sim_ctl(&sim, "POST", "/_sim/rate-limit",
	    "{\"rate\":5,\"shop\":\"" CODE_B "\"}"));
	t0 = (int64_t)time(NULL);
	for (i = 0; i < 20; i++) {
		enum market_class cls;

		CU_ASSERT_EQUAL_FATAL(shopee_tracking_request(&B.c, sn[0], (int64_t)time(NULL), &r,
		    msg, sizeof msg), 0);
		cls = market_call(&env, &r, &resp, &err, NULL);
		ok += cls == MC_OK;
		if (cls == MC_RATE) {
			rate++;
			CU_ASSERT_STRING_EQUAL(err.code, "error_rate_limit");
			CU_ASSERT_EQUAL(resp.http, 429);
		}
		transport_resp_free(&resp);
		request_free(&r);
	}
	/* A bucket of 5, refilled at 5/s over the few ms of the loop. */
	CU_ASSERT(ok >= 5 && ok <= 5 + 5 * ((int64_t)time(NULL) - t0 + 1));
	CU_ASSERT_EQUAL(ok + rate, 20);
	CU_ASSERT_EQUAL(shop_counter(CODE_B, "rate_limited"), rate);
	CU_ASSERT_EQUAL(shop_counter(CODE_A, "rate_limited"), 0);
	json_decref(sim_ctl(&sim, "POST", "/_sim/rate-limit", "{\"rate\":0}"));
	free(sn[0]);
}

static void
test_generation(void)
{
	int64_t before = shop_counter(CODE_A, "orders"), after;
	int i;

	json_decref(sim_ctl(&sim, "POST", "/_sim/gen", "{\"rate\":40}"));
	for (i = 0; i < 100 && shop_counter(CODE_A, "orders") < before + 10; i++)
		usleep(20000);
	json_decref(sim_ctl(&sim, "POST", "/_sim/gen", "{\"rate\":0}"));
	after = shop_counter(CODE_A, "orders");
	CU_ASSERT(after >= before + 10);
	usleep(200000);
	CU_ASSERT_EQUAL(shop_counter(CODE_A, "orders"), after);        /* stopped */
	CU_ASSERT(shop_counter(CODE_B, "generated") >= 1);             /* every shop */
}

/* The simulator run with bad options: exit status 2, the first stderr line says why. */
static int
bad_run(const char *const *args, char *line, size_t len)
{
	const char *argv[16];
	int fds[2], status = -1, n = 0;
	FILE *f;
	pid_t pid;

	argv[n++] = sim_path;
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	line[0] = '\0';
	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(sim_path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (f != NULL) {
		char rest[256];

		if (fgets(line, (int)len, f) == NULL)
			line[0] = '\0';
		while (fgets(rest, sizeof rest, f) != NULL)     /* the usage that follows */
			;
		fclose(f);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_bad_options(void)
{
	static const char *const nochan[] = { "--shop", "ebay:X", NULL };
	static const char *const nocode[] = { "--shop", "shopee:", NULL };
	static const char *const twice[] = { "--shop", "shopee:A", "--shop", "lazada:A", NULL };
	static const char *const rate[] = { "--shop", "shopee:A", "--rate-limit", "-1", NULL };
	static const char *const orders[] = { "--orders", "many", NULL };
	static const char *const noval[] = { "--shop", NULL };
	char line[256];

	CU_ASSERT_EQUAL(bad_run(nochan, line, sizeof line), 2);
	CU_ASSERT_STRING_EQUAL(line, "packbench-marketsim: bad --shop 'ebay:X'\n");
	CU_ASSERT_EQUAL(bad_run(nocode, line, sizeof line), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "bad --shop"));
	CU_ASSERT_EQUAL(bad_run(twice, line, sizeof line), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "bad --shop 'lazada:A'"));
	CU_ASSERT_EQUAL(bad_run(rate, line, sizeof line), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "bad --rate-limit '-1'"));
	CU_ASSERT_EQUAL(bad_run(orders, line, sizeof line), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "bad --orders 'many'"));
	CU_ASSERT_EQUAL(bad_run(noval, line, sizeof line), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "--shop needs a value"));
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 3, "test_sim_shopee SIMULATOR SKUS", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	su = CU_add_suite("simulator, shopee end to end", suite_init, suite_clean);
	CU_add_test(su, "two shops, each pulls its own", test_shops);
	CU_add_test(su, "held answer timed out, retried", test_timeout);
	CU_add_test(su, "500, truncated, drop", test_faults);
	CU_add_test(su, "duplicate pages", test_duplicate_page);
	CU_add_test(su, "late updates", test_late_update);
	CU_add_test(su, "token expiry mid-run", test_token_expiry);
	CU_add_test(su, "ship exactly once", test_ship);
	CU_add_test(su, "stock as sent", test_stock);
	CU_add_test(su, "cancel", test_cancel);
	CU_add_test(su, "escrow", test_escrow);
	CU_add_test(su, "webhooks signed", test_webhook);
	CU_add_test(su, "lost pushes", test_lost_push);
	CU_add_test(su, "rate limit", test_rate_limit);
	CU_add_test(su, "generation at a rate", test_generation);
	CU_add_test(su, "bad options refused", test_bad_options);
	return tu_run();
}

/*
 * test_sim_lzt.c — Lazada and TikTok Shop end to end against packbench-marketsim on an
 * ephemeral loopback port, one suite per channel over the same simulator (one shop of
 * each, mounted at /lazada and /tiktok) and database:
 *   - the generated orders pulled by sync_pull_once, each exactly once, a re-pull
 *     creating nothing, a change in the simulator updated;
 *   - with each fault: 500, truncated JSON, dropped connection, timeout, duplicate page
 *     (the page starts half a page early), late update (inside a window already pulled);
 *   - the access token expired in the middle of a pull, and before a call with a body:
 *     refreshed once through the connector's refresh call, the request signed again
 *     (token_resign, as the sync thread does), the call completes;
 *   - a wrong secret, a stale timestamp, a foreign token refused in the platform's shape
 *     and class, the cursor kept; the rate limit answered as the platform throttles;
 *   - packed orders shipped through the outbox and the channel's ops row: each exactly
 *     once by the simulator's ship log (Lazada: one pack and one rts; TikTok: one ship),
 *     with dropped, failed, truncated and held (timeout) answers of the ship calls
 *     themselves, and a recheck after; the tracking number stored;
 *   - stock set through ops->stock with the listing ids the mappers noted: the quantities
 *     the simulator received are those sent; an unknown listing is refused;
 *   - a seller cancel (twice: the second is "already cancelled", also done), pulled back
 *     as CANCELLED; a buyer's cancel pulled, its ship refused; the settlement lines of a
 *     shipped order, final once delivered;
 *   - push_sign against HMAC-SHA256 computed by Python's hmac module; push_parse; the
 *     simulator's own pushes received on a loopback target, verified and parsed.
 * Backoff sleeps are faked. argv: simulator, SKU list. PB_SIM_LZT_ORDERS=N seeds N
 * orders a shop instead of 60 (the first pull's rate is printed).
 */
#include <CUnit/CUnit.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/stock.h"
#include "core/user.h"
#include "market/lazada.h"
#include "market/ops.h"
#include "market/outbox.h"
#include "market/sync.h"
#include "market/tiktok.h"
#include "market/token.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define NORDERS_DEFAULT 60
#define NFAULT 25
#define MAXPACKED 48

struct chan {
	const char *name, *code;
	const struct connector *conn;
	const struct market_ops *ops;
	const char *st_ready, *st_cancelled, *st_delivered;
	const char *ship_path, *rts_path;   /* the hand-over calls, for faults aimed at them */
	struct transport *tr;
	struct market_creds c;
	char key[64], secret[64], cipher[64], at[128], rt[128];
	char packed[MAXPACKED][48];
	int npacked;
	char stock_item[32], stock_model[32], stock_sku[64];   /* a listing test_stock used */
	int64_t expected;           /* orders the simulator has for the shop */
};

static struct chan chans[2] = {
	{ .name = "lazada", .code = "LZ1", .conn = &lazada_connector, .ops = &lazada_ops,
	  .st_ready = "pending", .st_cancelled = "canceled",
	  .st_delivered = "delivered", .ship_path = "fulfill/pack", .rts_path = "package/rts" },
	{ .name = "tiktok", .code = "TT1", .conn = &tiktok_connector, .ops = &tiktok_ops,
	  .st_ready = "AWAITING_SHIPMENT",
	  .st_cancelled = "CANCELLED", .st_delivered = "DELIVERED", .ship_path = "/ship",
	  .rts_path = "/ship" },
};

static const char *sim_path, *skus_path;
static int norders = NORDERS_DEFAULT;  /* PB_SIM_LZT_ORDERS=N to measure a bigger pull */
static struct sim sim;
static struct db *db;
static char dbfile[256];
static struct session sys, packer;
static int64_t wh;
static struct chan *cur;
static int expire_at;           /* wall_s call on which the tokens expire (0: never) */
static int wall_calls;
static int move_at;             /* wall_s call on which the orders in to_move change */
static char to_move[2][48];

static void sim_update(const char *sn, const char *key, const char *value);

static int64_t
wall(void *ctx)
{
	(void)ctx;
	wall_calls++;
	if (expire_at > 0 && wall_calls == expire_at) {
		char body[64];

		snprintf(body, sizeof body, "{\"shop\":\"%s\"}", cur->code);
		json_decref(sim_ctl(&sim, "POST", "/_sim/expire-tokens", body));
	}
	if (move_at > 0 && wall_calls == move_at) {
		sim_update(to_move[0], "buyer_name", "Đổi Giữa Chừng A");
		sim_update(to_move[1], "buyer_name", "Đổi Giữa Chừng B");
	}
	return (int64_t)time(NULL);
}

/* The retry hook: refresh through the connector, keep the new pair, sign r again. */
static int
refresh(void *ctx, struct request *r, struct market_error *err)
{
	struct chan *ch = ctx;
	struct transport_resp resp = { 0 };
	struct market_token tok = { 0 };
	struct request rr;
	enum market_class cls;
	int64_t now = (int64_t)time(NULL);

	if (ch->conn->refresh_request(&ch->c, now, &rr, err->msg, sizeof err->msg) < 0)
		return -1;
	cls = transport_send(ch->tr, &rr, &resp, err);
	if (cls == MC_OK)
		cls = ch->conn->parse_token(resp.http, resp.body, resp.len, now, &tok, err);
	transport_resp_free(&resp);
	request_free(&rr);
	if (cls != MC_OK) {
		market_token_free(&tok);
		return -1;
	}
	snprintf(ch->at, sizeof ch->at, "%s", tok.access_token);
	snprintf(ch->rt, sizeof ch->rt, "%s", tok.refresh_token);
	market_token_free(&tok);
	/* As the sync thread does it (token.c), which also covers a form body. */
	return token_resign(ch->name, &ch->c, now, r);
}

static const struct retry_policy policy = { .max_attempts = 6, .base_ms = 1, .cap_ms = 5,
	.quota_utc_offset = 8 * 3600 };

static struct market_call_env
env(void)
{
	struct market_call_env e = { 0 };

	e.policy = &policy;
	e.sleep_ms = sim_no_sleep;
	e.wall_s = wall;
	e.refresh = refresh;
	e.refresh_ctx = cur;
	e.transport = cur->tr;
	e.conn = cur->conn;
	return e;
}

static int overlap = 300;       /* re-read before the cursor, s */
static int64_t pull_to;         /* the end of the pull's window; 0: the next second */

static int
pull(int page_size, struct sync_counts *n, struct market_error *err)
{
	struct market_call_env e = env();
	struct sync_opts o = { 0 };

	o.channel = cur->name;
	o.shop = cur->code;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = pull_to != 0 ? pull_to : (int64_t)time(NULL) + 1;
	o.overlap = overlap;
	o.page_size = page_size;
	o.env = &e;
	return sync_pull_once(&sys, cur->conn, &cur->c, cur->tr, &o, n, err);
}

/* The first column of sql's first row (one text parameter) into buf: 0, or -1. */
static int
db_str(char *buf, size_t len, const char *sql, const char *arg)
{
	struct db_stmt *st = db_prep(db, sql);
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, arg);
	if (db_step(st) == DB_ROW) {
		snprintf(buf, len, "%s", db_col_text(st, 0));
		rc = 0;
	}
	db_done(st);
	return rc;
}

static int64_t
orders_of_shop(void)
{
	return tu_int(db, "SELECT count(*) FROM orders o JOIN shop s ON s.id = o.shop_id WHERE "
	    "s.channel = ?", cur->name);
}

/* A counter of the current shop at the simulator. */
static int64_t
counter(const char *name)
{
	char path[96];
	json_t *c;
	int64_t v;

	snprintf(path, sizeof path, "/_sim/counters?shop=%s", cur->code);
	c = sim_ctl(&sim, "GET", path, NULL);
	v = (int64_t)json_integer_value(json_object_get(c, name));
	json_decref(c);
	return v;
}

/* The simulator's view of order sn (caller decrefs), NULL when it has none. */
static json_t *
sim_order(const char *sn)
{
	return sim_order_of(&sim, cur->code, sn);
}

/* /_sim/orders/update {order_sn: sn, key: value}. */
static void
sim_update(const char *sn, const char *key, const char *value)
{
	json_t *b = json_pack("{s:s, s:s}", "order_sn", sn, key, value);
	char *body = json_dumps(b, JSON_COMPACT);

	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
	free(body);
	json_decref(b);
}

static int
chan_start(struct chan *ch)
{
	char base[96], err[256];
	struct transport_opts topt = { .connect_ms = 2000, .total_ms = 1500 };

	snprintf(base, sizeof base, "http://127.0.0.1:%u/%s", sim.port, ch->name);
	if ((ch->tr = transport_new(base, base, &topt, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* The credentials the simulator derived from the shop code. */
	snprintf(ch->key, sizeof ch->key, "sim-ak-%s", ch->code);
	snprintf(ch->secret, sizeof ch->secret, "sim-as-%s", ch->code);
	snprintf(ch->cipher, sizeof ch->cipher, "sim-cipher-%s", ch->code);
	snprintf(ch->at, sizeof ch->at, "sim-at-%s", ch->code);
	snprintf(ch->rt, sizeof ch->rt, "sim-rt-%s", ch->code);
	ch->c.app_key = ch->key;
	ch->c.app_secret = ch->secret;
	ch->c.shop_cipher = ch->cipher;
	ch->c.access_token = ch->at;
	ch->c.refresh_token = ch->rt;
	ch->expected = norders;
	return 0;
}

static int
all_init(void)
{
	static char orders[16];
	static const char *args[] = { "--seed", "11", "--skus", NULL, "--hold-ms", "2500",
	    "--orders", orders, "--shop", "lazada:LZ1", "--shop", "tiktok:TT1", NULL };
	int i;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	if (getenv("PB_SIM_LZT_ORDERS") != NULL && atoi(getenv("PB_SIM_LZT_ORDERS")) > 0)
		norders = atoi(getenv("PB_SIM_LZT_ORDERS"));
	snprintf(orders, sizeof orders, "%d", norders);
	args[3] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		if (chan_start(&chans[i]) != 0)
			return -1;
	}
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	if (sim_stock_db(&sys, skus_path, 100000, &wh) != 8 ||
	    tu_packer(&sys, &packer) != 0)
		return -1;
	return 0;
}

static int
lazada_init(void)
{
	if (db == NULL && all_init() != 0)
		return -1;
	cur = &chans[0];
	return 0;
}

static int
tiktok_init(void)
{
	if (db == NULL && all_init() != 0)
		return -1;
	cur = &chans[1];
	return 0;
}

static int
tiktok_clean(void)
{
	int i;

	for (i = 0; i < 2; i++)
		transport_free(chans[i].tr);
	return sim_stop_db(&sim, db, dbfile);
}

/* ------------------------------------------------------------------ pull */

static void
test_pull(void)
{
	struct sync_counts n;
	struct market_error err;

	struct timespec t0, t1;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL_FATAL(pull(0, &n, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	fprintf(stderr, "%s: %d orders pulled in %.0f ms (%.0f orders/s) ", cur->name,
	    norders, ms, ms > 0 ? norders * 1e3 / ms : 0.0);
	if (err.msg[0] != '\0' && n.skipped > 0)
		fprintf(stderr, "%s: %s\n", cur->name, err.msg);
	CU_ASSERT_EQUAL(n.created, norders);
	CU_ASSERT_EQUAL(n.skipped, 0);
	CU_ASSERT_EQUAL(orders_of_shop(), norders);
	/* Details fetched in batches; the whole header, lines and address arrived. */
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders o JOIN shop s ON s.id = o.shop_id "
	    "WHERE s.channel = ? AND (buyer_name = '' OR province = '' OR total <= 0 OR "
	    "NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id))", cur->name), 0);
	/* Again: nothing new. */
	CU_ASSERT_EQUAL(pull(0, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 0);
	CU_ASSERT_EQUAL(orders_of_shop(), norders);
}

/* The simulator's COD orders of the shop. */
static int64_t
sim_cod(void)
{
	char path[96];
	json_t *all, *e;
	size_t i;
	int64_t n = 0;

	snprintf(path, sizeof path, "/_sim/orders?shop=%s", cur->code);
	all = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(all, "orders"), i, e)
		n += json_is_true(json_object_get(e, "cod"));
	json_decref(all);
	return n;
}

/* Total and COD in the database equal the simulator's; a changed name comes back. */
static void
test_update(void)
{
	struct sync_counts n;
	struct market_error err;
	char sn[48], name[64];
	json_t *o;
	int64_t total = -1;

	CU_ASSERT_EQUAL_FATAL(db_str(sn, sizeof sn, "SELECT order_no FROM orders o JOIN "
	    "shop s ON s.id = o.shop_id WHERE s.channel = ? ORDER BY o.id LIMIT 1",
	    cur->name), 0);
	o = sim_order(sn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(db_int(db, &total, "SELECT total FROM orders WHERE order_no = ?", "s",
	    sn), 0);
	CU_ASSERT_EQUAL(total, json_integer_value(json_object_get(o, "total")));
	/* COD: the whole total, or nothing. */
	CU_ASSERT_EQUAL(db_int(db, &total, "SELECT cod FROM orders WHERE order_no = ?", "s",
	    sn), 0);
	CU_ASSERT_EQUAL(total, json_is_true(json_object_get(o, "cod")) ?
	    json_integer_value(json_object_get(o, "total")) : 0);
	json_decref(o);
	/* Over every order: as many COD orders here as in the simulator. */
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders o JOIN shop s ON s.id = o.shop_id "
	    "WHERE s.channel = ? AND o.cod > 0 AND o.cod = o.total", cur->name), sim_cod());
	snprintf(name, sizeof name, "Trần Đổi Tên %s", cur->name);
	sim_update(sn, "buyer_name", name);
	CU_ASSERT_EQUAL(pull(0, &n, &err), 0);
	CU_ASSERT_EQUAL(n.created, 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders WHERE buyer_name = ?", name), 1);
}

/* New orders, a fault armed, a pull with small pages: every order once, none lost. */
static void
fault_round(const char *kind, int count)
{
	struct sync_counts n;
	struct market_error err;
	char body[160];
	int64_t faults = counter("faults");

	snprintf(body, sizeof body, "{\"count\":%d,\"shop\":\"%s\"}", NFAULT, cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/gen", body));
	cur->expected += NFAULT;
	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"count\":%d,\"shop\":\"%s\"}", kind,
	    count, cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault", body));
	CU_ASSERT_EQUAL(pull(10, &n, &err), 0);
	if (n.skipped > 0)
		fprintf(stderr, "%s %s: %s\n", cur->name, kind, err.msg);
	CU_ASSERT_EQUAL(counter("faults") - faults, count);
	CU_ASSERT_EQUAL(orders_of_shop(), cur->expected);
	CU_ASSERT_EQUAL(n.skipped, 0);
}

static void
test_fault_500(void)
{
	fault_round("500", 3);
}

static void
test_fault_truncated(void)
{
	fault_round("truncated", 3);
}

static void
test_fault_drop(void)
{
	fault_round("drop", 3);
}

static void
test_fault_timeout(void)
{
	fault_round("timeout", 1);
}

/* The window holds only the new orders (no overlap, the cursor passed), so the orders
 * after the repeated page are new ones: a client that moved past the repeats by the
 * page's length would skip some of them. */
static void
test_fault_dup_page(void)
{
	sleep(2);
	overlap = 0;
	fault_round("duplicate_page", 1);
	overlap = 300;
}

/* Stop the simulator's clock at Unix second t; 0: let it run again. */
static void
sim_clock_at(int64_t t)
{
	char body[64];

	snprintf(body, sizeof body, "{\"at\":%" PRId64 "}", t);
	json_decref(sim_ctl(&sim, "POST", "/_sim/clock", body));
}

/*
 * Orders updated while the client pages (between its first and second page): the first
 * of the new orders by creation and by update time. The list a page is cut from changes
 * under the client; no order may be skipped for it, and the changes arrive (at the
 * latest by the next pull). The window holds only the new orders, as for duplicate pages.
 *
 * The simulator's clock is stopped, so the times do not hang on how fast the machine
 * is: the new orders are updated at t0, after the cursor (the last window ended at most
 * a second from now); the moves at t0 + 1, inside the window pulled, which ends at
 * t0 + 2. With the clock running, a loaded machine could pass the window's end before
 * the moves, which then left the window (for the next pull) and failed the count.
 */
static void
test_moved_while_paging(void)
{
	struct sync_counts n;
	struct market_error err;
	char body[96], path[96];
	json_t *gen, *all, *o, *sn;
	size_t i, j;
	int64_t first_create = INT64_MAX, t0 = (int64_t)time(NULL) + 2;

	sim_clock_at(t0);
	snprintf(body, sizeof body, "{\"count\":30,\"shop\":\"%s\"}", cur->code);
	gen = sim_ctl(&sim, "POST", "/_sim/gen", body);
	cur->expected += 30;
	snprintf(path, sizeof path, "/_sim/orders?shop=%s", cur->code);
	all = sim_ctl(&sim, "GET", path, NULL);
	to_move[0][0] = to_move[1][0] = '\0';
	json_array_foreach(json_object_get(gen, "order_sn_list"), i, sn) {
		const char *s = json_string_value(sn);

		if (to_move[1][0] == '\0' || strcmp(s, to_move[1]) < 0)
			snprintf(to_move[1], sizeof to_move[1], "%s", s);      /* first by update */
		json_array_foreach(json_object_get(all, "orders"), j, o) {
			if (strcmp(json_string_value(json_object_get(o, "order_sn")), s) == 0 &&
			    json_integer_value(json_object_get(o, "create_time")) < first_create) {
				first_create = json_integer_value(json_object_get(o, "create_time"));
				snprintf(to_move[0], sizeof to_move[0], "%s", s);
			}
		}
	}
	json_decref(all);
	json_decref(gen);
	if (to_move[0][0] == '\0' || to_move[1][0] == '\0')
		sim_clock_at(0);
	CU_ASSERT_FATAL(to_move[0][0] != '\0' && to_move[1][0] != '\0');
	sim_clock_at(t0 + 1);   /* the updates get a later update time than the orders had */
	overlap = 0;
	pull_to = t0 + 2;
	wall_calls = 0;
	move_at = 3;        /* page 1 built, page 1 committed, page 2 being built */
	CU_ASSERT_EQUAL(pull(10, &n, &err), 0);
	move_at = 0;
	pull_to = 0;
	overlap = 300;
	sim_clock_at(0);
	CU_ASSERT(n.pages >= 3);
	CU_ASSERT_EQUAL(orders_of_shop(), cur->expected);
	CU_ASSERT_EQUAL(pull(10, &n, &err), 0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders o JOIN shop s ON s.id = o.shop_id WHERE "
	    "s.channel = ? AND buyer_name LIKE 'Đổi Giữa Chừng %'", cur->name), 2);
	CU_ASSERT_EQUAL(orders_of_shop(), cur->expected);
}

/* Orders changed with an update time a minute ago (inside the window pulled): the
 * overlap reads them again. */
static void
test_fault_late(void)
{
	struct sync_counts n;
	struct market_error err;
	char body[128];
	json_t *r;
	size_t i, late = 0;
	json_t *sn;

	snprintf(body, sizeof body, "{\"kind\":\"late_update\",\"count\":3,\"lag\":60,"
	    "\"shop\":\"%s\"}", cur->code);
	r = sim_ctl(&sim, "POST", "/_sim/fault", body);
	CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(r, "order_sn_list")), 3);
	CU_ASSERT_EQUAL(pull(10, &n, &err), 0);
	json_array_foreach(json_object_get(r, "order_sn_list"), i, sn) {
		char name[96];

		CU_ASSERT_EQUAL(db_str(name, sizeof name, "SELECT buyer_name FROM orders "
		    "WHERE order_no = ?", json_string_value(sn)), 0);
		late += strncmp(name, "Cập Nhật Muộn", strlen("Cập Nhật Muộn")) == 0;
	}
	CU_ASSERT_EQUAL(late, 3);
	CU_ASSERT_EQUAL(orders_of_shop(), cur->expected);
	json_decref(r);
}

/* The token expires on the fourth clock read of a many-page pull: one refresh, the
 * request signed again with the new token, the pull completes; the old token is dead. */
static void
test_token_expiry(void)
{
	struct sync_counts n;
	struct market_error err;
	char old[128];
	int64_t refreshes = counter("refreshes"), auth = counter("error_auth");

	snprintf(old, sizeof old, "%s", cur->at);
	wall_calls = 0;
	expire_at = 4;
	CU_ASSERT_EQUAL(pull(10, &n, &err), 0);
	expire_at = 0;
	CU_ASSERT(n.pages > 2);
	CU_ASSERT_EQUAL(counter("refreshes") - refreshes, 1);
	CU_ASSERT_EQUAL(counter("error_auth") - auth, 1);
	CU_ASSERT_STRING_NOT_EQUAL(cur->at, old);
	CU_ASSERT_EQUAL(orders_of_shop(), cur->expected);
}

static int64_t
wall_stale(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL) - 8000;  /* beyond Lazada's 7200 s and TikTok's 300 s */
}

/* A wrong secret, a stale timestamp, a token not the shop's: the platform's error shape,
 * classed so the pull stops at once (no retry, no refresh), nothing moves. */
static void
test_refused(void)
{
	struct market_call_env e = env();
	struct market_creds c = cur->c;
	struct sync_opts o = { 0 };
	struct sync_counts n;
	struct market_error err;
	int64_t cursor = 0, after = -1, sign = counter("error_sign"), calls;
	int lz = strcmp(cur->name, "lazada") == 0;

	CU_ASSERT_EQUAL(sync_cursor_get(&sys, cur->name, cur->code, &cursor), 0);
	o.channel = cur->name;
	o.shop = cur->code;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;     /* not the stale clock's */
	o.overlap = 300;
	o.env = &e;
	e.refresh = NULL;
	c.app_secret = "not-the-secret";
	calls = counter("calls");
	CU_ASSERT(sync_pull_once(&sys, cur->conn, &c, cur->tr, &o, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, lz ? "IncompleteSignature" : "106001");
	CU_ASSERT_EQUAL(counter("calls") - calls, 1);
	CU_ASSERT_EQUAL(counter("error_sign") - sign, 1);

	c = cur->c;
	e.wall_s = wall_stale;
	CU_ASSERT(sync_pull_once(&sys, cur->conn, &c, cur->tr, &o, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, lz ? "InvalidTimestamp" : "timestamp"));

	e.wall_s = wall;
	c.access_token = "someone-elses-token";
	CU_ASSERT(sync_pull_once(&sys, cur->conn, &c, cur->tr, &o, &n, &err) < 0);
	CU_ASSERT_EQUAL(err.cls, MC_AUTH);     /* refreshed when a hook is given */
	CU_ASSERT_STRING_EQUAL(err.code, lz ? "IllegalAccessToken" : "105001");
	CU_ASSERT_EQUAL(sync_cursor_get(&sys, cur->name, cur->code, &after), 0);
	CU_ASSERT_EQUAL(after, cursor);
}

/* Over the shop's rate limit: the platform's throttling answer, classed MC_RATE. */
static void
test_rate(void)
{
	static const struct retry_policy once = { .max_attempts = 1, .base_ms = 1, .cap_ms = 1 };
	struct market_call_env e = env();
	struct market_listq lq = { (int64_t)time(NULL) - 3600, (int64_t)time(NULL) + 1, NULL,
		10 };
	struct market_error err;
	char body[96];
	int i, rated = 0;

	e.policy = &once;
	snprintf(body, sizeof body, "{\"rate\":1,\"shop\":\"%s\"}", cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/rate-limit", body));
	for (i = 0; i < 4; i++) {
		struct transport_resp resp = { 0 };
		struct request r;

		CU_ASSERT_EQUAL_FATAL(cur->conn->list_request(&cur->c, &lq, (int64_t)time(NULL), &r,
		    err.msg, sizeof err.msg), 0);
		if (market_call(&e, &r, &resp, &err, NULL) == MC_RATE) {
			rated++;
			CU_ASSERT_STRING_EQUAL(err.code, strcmp(cur->name, "lazada") == 0 ?
			    "ApiCallLimit" : "36009008");
			CU_ASSERT_EQUAL(resp.retry_after, 1);
		}
		transport_resp_free(&resp);
		request_free(&r);
	}
	snprintf(body, sizeof body, "{\"rate\":0,\"shop\":\"%s\"}", cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/rate-limit", body));
	CU_ASSERT(rated >= 2);
}

/* ------------------------------------------------------------------ ship */


/* Pack the next n CONFIRMED orders of the channel; how many were packed. */
static int
pack_some(int n)
{
	struct db_stmt *st;
	char nos[16][48];
	int k = 0, i, done = 0;

	st = db_prep(db, "SELECT order_no FROM orders o JOIN shop s ON s.id = o.shop_id "
	    "WHERE s.channel = ? AND o.status IN ('CONFIRMED', 'ALLOCATED') "
	    "ORDER BY o.id LIMIT ?");                   /* allocated as they arrived */
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_text(st, 1, cur->name);
	db_bind_int(st, 2, n);
	while (k < 16 && db_step(st) == DB_ROW)
		snprintf(nos[k++], sizeof nos[0], "%s", db_col_text(st, 0));
	db_done(st);
	for (i = 0; i < k; i++) {
		if (tu_pack(&packer, wh, nos[i]) == 0 && cur->npacked < MAXPACKED) {
			memcpy(cur->packed[cur->npacked++], nos[i], sizeof cur->packed[0]);
			done++;
		}
	}
	return done;
}

static int
drain(struct outbox_counts *n, struct market_error *err)
{
	struct market_call_env e = env();
	struct outbox_opts o = { 0 };

	o.channel = cur->name;
	o.shop = cur->code;
	o.env = &e;
	return outbox_drain(&sys, &cur->c, cur->tr, &o, n, err);
}

/* The ok ship calls the simulator logged for sn with detail (NULL: any). */
static int
ships_ok(const json_t *log, const char *sn, const char *detail)
{
	const json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(log, "log"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "order_sn")), sn) == 0 &&
		    json_is_true(json_object_get(e, "ok")) && (detail == NULL ||
		    strcmp(json_string_value(json_object_get(e, "detail")), detail) == 0))
			n++;
	}
	return n;
}

/* Every packed order: shipped exactly once by the simulator's log, its tracking number
 * the simulator's, stored on the order. */
static void
assert_shipped_once(void)
{
	char path[96];
	json_t *log;
	int k, bad = 0, badtn = 0, total = 0;

	snprintf(path, sizeof path, "/_sim/log?kind=ship&shop=%s", cur->code);
	log = sim_ctl(&sim, "GET", path, NULL);
	for (k = 0; k < cur->npacked; k++) {
		json_t *o = sim_order(cur->packed[k]);
		char ourtn[64] = "";
		const char *simtn = json_string_value(json_object_get(o, "tracking_number"));
		int once = strcmp(cur->name, "lazada") == 0 ?
		    ships_ok(log, cur->packed[k], "pack") == 1 &&
		    ships_ok(log, cur->packed[k], "rts") == 1 &&
		    ships_ok(log, cur->packed[k], NULL) == 2 :
		    ships_ok(log, cur->packed[k], NULL) == 1;

		total += ships_ok(log, cur->packed[k], NULL);
		if (!once) {
			fprintf(stderr, "%s %s: %d ok ship calls\n", cur->name, cur->packed[k],
			    ships_ok(log, cur->packed[k], NULL));
			bad++;
		}
		(void)db_str(ourtn, sizeof ourtn, "SELECT coalesce(tracking_no, '') FROM "
		    "orders WHERE order_no = ?", cur->packed[k]);
		if (simtn == NULL || simtn[0] == '\0' || strcmp(ourtn, simtn) != 0)
			badtn++;
		json_decref(o);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(badtn, 0);
	/* Orders handed over (Lazada: made ready to ship; its packs count as pack_ok). */
	CU_ASSERT_EQUAL(counter("ship_ok"), cur->npacked);
	if (strcmp(cur->name, "lazada") == 0)
		CU_ASSERT_EQUAL(counter("pack_ok"), cur->npacked);
	CU_ASSERT_EQUAL(total, strcmp(cur->name, "lazada") == 0 ? 2 * cur->npacked :
	    cur->npacked);
	json_decref(log);
}

static void
test_ship(void)
{
	struct outbox_counts n;
	struct market_error err;

	CU_ASSERT_EQUAL_FATAL(pack_some(5), 5);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	if (err.msg[0] != '\0' && n.failed > 0)
		fprintf(stderr, "%s drain: %s\n", cur->name, err.msg);
	CU_ASSERT_EQUAL(n.sent, 5);
	CU_ASSERT_EQUAL(n.pending, 0);
	assert_shipped_once();
	/* Nothing due: nothing called. */
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 0);
	assert_shipped_once();
}

/* The simulator does the work before the fault spoils its answer (aimed at the calls on
 * path): the retries find it done and do not ship again. */
static void
ship_fault(const char *kind, int count, const char *path)
{
	struct outbox_counts n;
	struct market_error err;
	char body[160];
	int64_t faults = counter("faults");

	CU_ASSERT_EQUAL_FATAL(pack_some(3), 3);
	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"count\":%d,\"shop\":\"%s\","
	    "\"path\":\"%s\"}", kind, count, cur->code, path);
	json_decref(sim_ctl(&sim, "POST", "/_sim/fault", body));
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 3);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(counter("faults") - faults, count);
	assert_shipped_once();
}

static void
test_ship_drop(void)
{
	ship_fault("drop", 2, cur->ship_path);
	ship_fault("drop", 2, cur->rts_path);
}

static void
test_ship_500(void)
{
	ship_fault("500", 3, cur->ship_path);
	ship_fault("truncated", 2, cur->rts_path);
}

/* The answer held past our timeout: the call is made again while the first is still
 * being answered; one of them ships, the other is refused as shipped already. */
static void
test_ship_timeout(void)
{
	ship_fault("timeout", 1, cur->ship_path);
}

/* A row claimed before asks the platform first: a shipped order is not shipped again,
 * and the tracking number is the same. */
static void
test_ship_recheck(void)
{
	struct market_call_env e = env();
	struct market_error err;
	char tn[64];
	json_t *o;
	int64_t ok = counter("ship_ok");

	CU_ASSERT_FATAL(cur->npacked > 0);
	CU_ASSERT_EQUAL(cur->ops->ship(&e, &cur->c, cur->packed[0], "{}", 1, tn, sizeof tn,
	    &err), MC_OK);
	CU_ASSERT_EQUAL(cur->ops->ship(&e, &cur->c, cur->packed[0], "{}", 0, tn, sizeof tn,
	    &err), MC_OK);
	o = sim_order(cur->packed[0]);
	CU_ASSERT_STRING_EQUAL(tn, json_string_value(json_object_get(o, "tracking_number")));
	json_decref(o);
	CU_ASSERT_EQUAL(counter("ship_ok"), ok);
	assert_shipped_once();
}

/* ------------------------------------------------------------------ stock */

/* The listing ids the mappers note for the orders of the first list page. */
static void
listings(struct market_orders *set)
{
	struct market_call_env e = env();
	struct market_listq lq = { (int64_t)time(NULL) - 3 * 86400, (int64_t)time(NULL) + 1,
		NULL, 50 };
	struct transport_resp resp = { 0 };
	struct market_page page = { 0 };
	struct market_error err;
	struct request r;

	memset(set, 0, sizeof *set);
	CU_ASSERT_EQUAL_FATAL(cur->conn->list_request(&cur->c, &lq, (int64_t)time(NULL), &r,
	    err.msg, sizeof err.msg), 0);
	CU_ASSERT_EQUAL_FATAL(market_call(&e, &r, &resp, &err, NULL), MC_OK);
	CU_ASSERT_EQUAL_FATAL(cur->conn->parse_list(resp.http, resp.body, resp.len, &lq, &page,
	    set, &err), MC_OK);
	transport_resp_free(&resp);
	request_free(&r);
	if (!cur->conn->list_has_lines) {
		CU_ASSERT_EQUAL_FATAL(cur->conn->detail_request(&cur->c,
		    (const char *const *)page.ids, page.n, (int64_t)time(NULL), &r, err.msg,
		    sizeof err.msg), 0);
		CU_ASSERT_EQUAL_FATAL(market_call(&e, &r, &resp, &err, NULL), MC_OK);
		CU_ASSERT_EQUAL_FATAL(cur->conn->parse_detail(resp.http, resp.body, resp.len, set,
		    &err), MC_OK);
		transport_resp_free(&resp);
		request_free(&r);
	}
	market_page_free(&page);
}

static void
test_stock(void)
{
	struct market_call_env e = env();
	struct market_orders set;
	struct market_stock st[16];
	struct market_error err;
	char path[96];
	json_t *got, *s;
	size_t i, j, n = 0, at, k;
	int match = 0;

	listings(&set);
	for (i = 0; i < set.n; i++) {
		for (j = 0; j < set.v[i].nlistings && n < 16; j++) {
			const struct market_listing *l = &set.v[i].listings[j];

			for (k = 0; k < n && strcmp(st[k].sku, l->sku) != 0; k++)
				;
			if (k < n)
				continue;
			st[n].sku = l->sku;
			st[n].item_id = l->item_id;
			st[n].model_id = l->model_id;
			st[n].location = NULL;
			st[n].qty = 10 + (int64_t)n * 7;
			n++;
		}
	}
	CU_ASSERT_FATAL(n >= 4);
	for (at = 0; at < n; at += k) {
		k = n - at < (size_t)cur->ops->stock_batch ? n - at : (size_t)cur->ops->stock_batch;
		CU_ASSERT_EQUAL(cur->ops->stock(&e, &cur->c, st + at, k, &err), MC_OK);
	}
	snprintf(path, sizeof path, "/_sim/stock?shop=%s", cur->code);
	got = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(got, "stock"), i, s) {
		for (k = 0; k < n; k++) {
			if (strcmp(st[k].sku, json_string_value(json_object_get(s, "sku"))) == 0) {
				CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "stock")), st[k].qty);
				match++;
			}
		}
	}
	CU_ASSERT_EQUAL(match, (int)n);
	json_decref(got);
	snprintf(cur->stock_sku, sizeof cur->stock_sku, "%s", st[0].sku);
	snprintf(cur->stock_item, sizeof cur->stock_item, "%s", st[0].item_id);
	snprintf(cur->stock_model, sizeof cur->stock_model, "%s", st[0].model_id);
	/* A listing the platform does not have is refused, not retried. */
	st[0].model_id = "999";
	CU_ASSERT_EQUAL(cur->ops->stock(&e, &cur->c, st, 1, &err), MC_FATAL);
	market_orders_free(&set);
}

/* The token expired before a call with a body (Lazada: a form body, TikTok: JSON):
 * refreshed, signed again over the body, set. */
static void
test_token_expiry_post(void)
{
	struct market_call_env e = env();
	struct market_stock st = { cur->stock_sku, cur->stock_item, cur->stock_model, NULL, 77 };
	struct market_error err;
	char path[96];
	json_t *got, *s;
	size_t i;
	int64_t refreshes = counter("refreshes"), seen = -1;

	CU_ASSERT_FATAL(cur->stock_sku[0] != '\0');
	snprintf(path, sizeof path, "{\"shop\":\"%s\"}", cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/expire-tokens", path));
	CU_ASSERT_EQUAL(cur->ops->stock(&e, &cur->c, &st, 1, &err), MC_OK);
	if (err.cls != MC_OK)
		fprintf(stderr, "%s: %s\n", cur->name, err.msg);
	CU_ASSERT_EQUAL(counter("refreshes") - refreshes, 1);
	snprintf(path, sizeof path, "/_sim/stock?shop=%s", cur->code);
	got = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(got, "stock"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "sku")), cur->stock_sku) == 0)
			seen = (int64_t)json_integer_value(json_object_get(s, "stock"));
	}
	CU_ASSERT_EQUAL(seen, 77);
	json_decref(got);
}

/* ------------------------------------------------------------------ cancel, finance */

/* An order ready to ship that we did not pack, into sn ("" when none). */
static void
ready_order(char *sn, size_t len)
{
	char path[96];
	json_t *all, *o;
	size_t i;
	int k, packed;

	sn[0] = '\0';
	snprintf(path, sizeof path, "/_sim/orders?shop=%s", cur->code);
	all = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(all, "orders"), i, o) {
		const char *s = json_string_value(json_object_get(o, "order_sn"));

		for (k = 0, packed = 0; k < cur->npacked; k++)
			packed |= strcmp(cur->packed[k], s) == 0;
		if (!packed && sn[0] == '\0' && strcmp(json_string_value(json_object_get(o,
		    "order_status")), cur->st_ready) == 0)
			snprintf(sn, len, "%s", s);
	}
	json_decref(all);
}

static void
test_cancel(void)
{
	struct market_call_env e = env();
	struct market_error err;
	struct sync_counts n;
	char sn[48] = "", st[24] = "";
	json_t *o;

	ready_order(sn, sizeof sn);
	CU_ASSERT_FATAL(sn[0] != '\0');
	CU_ASSERT_EQUAL(cur->ops->cancel(&e, &cur->c, sn, "hết hàng", &err), MC_OK);
	o = sim_order(sn);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "order_status")),
	    cur->st_cancelled);
	json_decref(o);
	/* Cancelled already: done too. */
	CU_ASSERT_EQUAL(cur->ops->cancel(&e, &cur->c, sn, "hết hàng", &err), MC_OK);
	CU_ASSERT_EQUAL(pull(0, &n, &err), 0);
	CU_ASSERT_EQUAL(db_str(st, sizeof st, "SELECT status FROM orders WHERE order_no "
	    "= ?", sn), 0);
	CU_ASSERT_STRING_EQUAL(st, "CANCELLED");
	/* A shipped order cannot be cancelled: the platform's refusal, not retried. */
	CU_ASSERT_EQUAL(cur->ops->cancel(&e, &cur->c, cur->packed[0], "x", &err), MC_FATAL);
}

/* The buyer cancels in the simulator: the pull brings CANCELLED, and a ship of the
 * order is refused for good, not retried. */
static void
test_buyer_cancel(void)
{
	struct market_call_env e = env();
	struct market_error err;
	struct sync_counts n;
	char sn[48], st[24] = "", tn[64], body[128];

	ready_order(sn, sizeof sn);
	CU_ASSERT_FATAL(sn[0] != '\0');
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"reason\":\"buyer\"}", sn);
	json_decref(sim_ctl(&sim, "POST", "/_sim/cancel", body));
	CU_ASSERT_EQUAL(pull(0, &n, &err), 0);
	CU_ASSERT_EQUAL(db_str(st, sizeof st, "SELECT status FROM orders WHERE order_no = ?",
	    sn), 0);
	CU_ASSERT_STRING_EQUAL(st, "CANCELLED");
	CU_ASSERT_EQUAL(cur->ops->ship(&e, &cur->c, sn, "{}", 0, tn, sizeof tn, &err),
	    MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cancelled"));
}

static void
test_settlement(void)
{
	struct market_call_env e = env();
	struct market_settlement s = { 0 };
	struct market_error err;
	const char *sn;
	json_t *o;
	int64_t total;

	CU_ASSERT_FATAL(cur->npacked > 1);
	sn = cur->packed[1];
	o = sim_order(sn);
	total = (int64_t)json_integer_value(json_object_get(o, "total"));
	json_decref(o);
	CU_ASSERT_EQUAL_FATAL(cur->ops->settlement(&e, &cur->c, sn, &s, &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(s.order_no, sn);
	CU_ASSERT_STRING_EQUAL(s.currency, "VND");
	CU_ASSERT_EQUAL(s.final, 0);
	if (strcmp(cur->name, "lazada") == 0) {
		CU_ASSERT_EQUAL(s.n, 4);
		CU_ASSERT_EQUAL(tu_fee(&s, "item_price_credit"), total);
		CU_ASSERT_EQUAL(tu_fee(&s, "commission"), -(total * 4 / 100));
		CU_ASSERT_EQUAL(tu_fee(&s, "payment_fee"), -(total * 2 / 100));
		CU_ASSERT_EQUAL(tu_fee(&s, "shipping_fee_paid_by_seller"), -15000);
	} else {
		int64_t f = -(total * 5 / 100) - total * 2 / 100 - 15000;

		CU_ASSERT_EQUAL(tu_fee(&s, "revenue_amount"), total);
		CU_ASSERT_EQUAL(tu_fee(&s, "referral_fee_amount"), -(total * 5 / 100));
		CU_ASSERT_EQUAL(tu_fee(&s, "transaction_fee_amount"), -(total * 2 / 100));
		CU_ASSERT_EQUAL(tu_fee(&s, "shipping_fee_amount"), -15000);
		CU_ASSERT_EQUAL(tu_fee(&s, "fee_amount"), f);
		CU_ASSERT_EQUAL(tu_fee(&s, "settlement_amount"), total + f);
	}
	/* Delivered: the platform pays out, the settlement is final. */
	sim_update(sn, "order_status", cur->st_delivered);
	CU_ASSERT_EQUAL(cur->ops->settlement(&e, &cur->c, sn, &s, &err), MC_OK);
	CU_ASSERT_EQUAL(s.final, 1);
	market_settlement_free(&s);
}

/* ------------------------------------------------------------------ push */

static void
test_push(void)
{
	const char *body = "{\"message_type\":0,\"seller_id\":\"1\",\"type\":1,"
	    "\"data\":{\"trade_order_id\":\"480000000000007\",\"order_id\":\"576000000000000007\","
	    "\"order_status\":\"pending\"},\"timestamp\":1764547200}";
	char cmd[512], want[80] = "", got[65], no[48], st[32];
	FILE *p;

	snprintf(cmd, sizeof cmd, "python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1]"
	    ".encode(), (sys.argv[2] + sys.argv[3]).encode(), hashlib.sha256).hexdigest())' "
	    "'%s' '%s' '%s'", cur->secret, cur->key, body);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL(fgets(want, sizeof want, p));
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	cur->ops->push_sign(&cur->c, "https://example.invalid/hook", body, strlen(body), got);
	CU_ASSERT_EQUAL(strlen(want), 64);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(cur->ops->push_parse(body, strlen(body), no, sizeof no, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(no, strcmp(cur->name, "lazada") == 0 ? "480000000000007" :
	    "576000000000000007");
	CU_ASSERT_STRING_EQUAL(st, "pending");
	CU_ASSERT_EQUAL(cur->ops->push_parse("[1]", 3, no, sizeof no, st, sizeof st), -1);
	CU_ASSERT_PTR_NULL(cur->ops->lost_push);
	CU_ASSERT_PTR_EQUAL(ops_find(cur->name), cur->ops);
}

/* ------------------------------------------------------------------ webhooks */

/* What the test's webhook target received last. */
static struct {
	pthread_mutex_t lock;
	char body[4096], sig[96];
	int n;
} hook = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct hook_conn {
	char buf[4096];
	size_t len;
};

static enum MHD_Result
hook_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct hook_conn *hc = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *auth;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	if (hc == NULL) {
		*con_cls = calloc(1, sizeof *hc);
		return *con_cls != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_len > 0) {
		size_t n = *upload_len < sizeof hc->buf - 1 - hc->len ? *upload_len :
		    sizeof hc->buf - 1 - hc->len;

		memcpy(hc->buf + hc->len, upload, n);
		hc->len += n;
		*upload_len = 0;
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	pthread_mutex_lock(&hook.lock);
	snprintf(hook.body, sizeof hook.body, "%.*s", (int)hc->len, hc->buf);
	snprintf(hook.sig, sizeof hook.sig, "%s", auth != NULL ? auth : "");
	hook.n++;
	pthread_mutex_unlock(&hook.lock);
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static void
hook_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

/* Wait up to 5 s for push number n; 0 when it came. */
static int
hook_wait(int n)
{
	int i, got = 0;

	for (i = 0; i < 500 && !got; i++) {
		pthread_mutex_lock(&hook.lock);
		got = hook.n >= n;
		pthread_mutex_unlock(&hook.lock);
		if (!got)
			usleep(10000);
	}
	return got ? 0 : -1;
}

/* The simulator's push of an order's status: the channel's body, signed as the channel
 * signs it (push_sign over the exact bytes), naming the order and its status
 * (push_parse); a push signed with a wrong key does not verify. */
static void
test_webhook(void)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	char url[96], body[256], sn[48] = "", want[65], no[48], st[32];
	json_t *all, *o;
	int n0;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, hook_handler, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, hook_done,
	    NULL, MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/push/%s", info->port, cur->name);
	snprintf(body, sizeof body, "{\"url\":\"%s\",\"shop\":\"%s\"}", url, cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/webhook", body));

	snprintf(body, sizeof body, "/_sim/orders?shop=%s", cur->code);
	all = sim_ctl(&sim, "GET", body, NULL);
	o = json_array_get(json_object_get(all, "orders"), 3);
	snprintf(sn, sizeof sn, "%s", json_string_value(json_object_get(o, "order_sn")));
	snprintf(st, sizeof st, "%s", json_string_value(json_object_get(o, "order_status")));
	json_decref(all);
	pthread_mutex_lock(&hook.lock);
	n0 = hook.n;
	pthread_mutex_unlock(&hook.lock);
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"shop\":\"%s\"}", sn, cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/push", body));
	CU_ASSERT_EQUAL_FATAL(hook_wait(n0 + 1), 0);
	pthread_mutex_lock(&hook.lock);
	cur->ops->push_sign(&cur->c, url, hook.body, strlen(hook.body), want);
	CU_ASSERT_STRING_EQUAL(hook.sig, want);
	CU_ASSERT_EQUAL(cur->ops->push_parse(hook.body, strlen(hook.body), no, sizeof no,
	    body, sizeof body), 0);
	pthread_mutex_unlock(&hook.lock);
	CU_ASSERT_STRING_EQUAL(no, sn);
	CU_ASSERT_STRING_EQUAL(body, st);

	/* Signed with a wrong key: it does not verify. */
	snprintf(body, sizeof body, "{\"order_sn\":\"%s\",\"shop\":\"%s\",\"bad_sign\":true}",
	    sn, cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/push", body));
	CU_ASSERT_EQUAL_FATAL(hook_wait(n0 + 2), 0);
	pthread_mutex_lock(&hook.lock);
	cur->ops->push_sign(&cur->c, url, hook.body, strlen(hook.body), want);
	CU_ASSERT_STRING_NOT_EQUAL(hook.sig, want);
	pthread_mutex_unlock(&hook.lock);
	snprintf(body, sizeof body, "{\"url\":\"\",\"shop\":\"%s\"}", cur->code);
	json_decref(sim_ctl(&sim, "POST", "/_sim/webhook", body));
	MHD_stop_daemon(d);
}

static void
add_tests(CU_pSuite su)
{
	CU_add_test(su, "every order pulled once", test_pull);
	CU_add_test(su, "a change is updated", test_update);
	CU_add_test(su, "fault 500", test_fault_500);
	CU_add_test(su, "fault truncated", test_fault_truncated);
	CU_add_test(su, "fault drop", test_fault_drop);
	CU_add_test(su, "fault timeout", test_fault_timeout);
	CU_add_test(su, "fault duplicate page", test_fault_dup_page);
	CU_add_test(su, "fault late update", test_fault_late);
	CU_add_test(su, "orders updated while paging", test_moved_while_paging);
	CU_add_test(su, "token expiry mid-pull", test_token_expiry);
	CU_add_test(su, "bad sign, timestamp, token refused", test_refused);
	CU_add_test(su, "rate limit", test_rate);
	CU_add_test(su, "packed orders shipped once", test_ship);
	CU_add_test(su, "ship with dropped answers", test_ship_drop);
	CU_add_test(su, "ship with 500s", test_ship_500);
	CU_add_test(su, "ship with a timeout", test_ship_timeout);
	CU_add_test(su, "ship recheck", test_ship_recheck);
	CU_add_test(su, "stock received as sent", test_stock);
	CU_add_test(su, "token expiry before a call with a body", test_token_expiry_post);
	CU_add_test(su, "cancel", test_cancel);
	CU_add_test(su, "buyer cancel", test_buyer_cancel);
	CU_add_test(su, "settlement lines", test_settlement);
	CU_add_test(su, "push sign and parse", test_push);
	CU_add_test(su, "the simulator's signed pushes", test_webhook);
}

int
main(int argc, char **argv)
{
	int rc;

	rc = sim_main(argc, argv, 3, "test_sim_lzt SIMULATOR SKUS", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	add_tests(CU_add_suite("lazada end to end", lazada_init, NULL));
	add_tests(CU_add_suite("tiktok end to end", tiktok_init, tiktok_clean));
	return tu_run();
}

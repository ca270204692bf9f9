/*
 * test_outbox.c — the outbox drained against packbench-marketsim on an ephemeral
 * loopback port: orders pulled, packed through the core pack flow (which writes the
 * ready_to_ship rows), drained: every packed order shipped exactly once at the
 * simulator, its tracking number stored and audited; with 500s and dropped answers;
 * with the done mark lost after a successful call (no second ship); a FATAL error left
 * with last_error and never retried; a person's cancel sent once (also when drained
 * again); listings learned from order details and their stock pushed as exactly
 * available-to-sell less the buffer, one call per item; completed orders' escrow
 * stored as final settlements. Then `packbench sync --once` end to end with a
 * 0600 config file. Backoff sleeps are faked. argv: simulator, SKU list, packbench.
 * First, with a scripted ops row: a row whose channel has no ship call stays owed, and a
 * lost done mark (the call went through) never ships twice.
 */
#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/db.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"
#include "market/finance.h"
#include "market/outbox.h"
#include "market/shopee.h"
#include "market/stockpush.h"
#include "market/sync.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define NORDERS 60
#define SHOP "2000001"
#define KEY "test-partner-key"
#define TOKEN "test-access-token"
#define MAXPACKED 64

static const char *sim_path, *skus_path, *packbench_path;
static struct sim sim;
static struct transport *tr;   /* sim.tr */
static struct db *db;
static char dbfile[256];
static struct session sys, packer;
static int64_t wh;
static char packed[MAXPACKED][48];
static int npacked;

static const struct retry_policy policy = { .max_attempts = 6, .base_ms = 1, .cap_ms = 5,
	.quota_utc_offset = 8 * 3600 };
static const struct market_call_env env_tmpl = { .policy = &policy,
	.sleep_ms = sim_no_sleep };

static int
pull(void)
{
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct sync_opts o = { 0 };
	struct sync_counts n;
	struct market_error err;

	o.channel = "shopee";
	o.shop = SHOP;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;
	o.overlap = 300;
	o.env = &env_tmpl;
	return sync_pull_once(&sys, &shopee_connector, &c, tr, &o, &n, &err);
}

static int
drain(struct outbox_counts *n, struct market_error *err)
{
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct outbox_opts o = { 0 };

	o.channel = "shopee";
	o.shop = SHOP;
	o.env = &env_tmpl;
	return outbox_drain(&sys, &c, tr, &o, n, err);
}

static int
suite_init(void)
{
	static char orders[16];
	static const char *args[] = { "--orders", orders, "--seed", "7", "--shop-id", SHOP,
	    "--partner-id", "1000001", "--partner-key", KEY, "--access-token", TOKEN,
	    "--skus", NULL, NULL };

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	snprintf(orders, sizeof orders, "%d", NORDERS);
	args[13] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	tr = sim.tr;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	if (sim_stock_db(&sys, skus_path, 1000, &wh) != 8 ||
	    tu_packer(&sys, &packer) != 0)
		return -1;
	return pull() == 0 ? 0 : -1;
}

static int
suite_clean(void)
{
	return sim_stop_db(&sim, db, dbfile);
}

/* Pack the next n CONFIRMED orders; returns how many were packed. */
static int
pack_some(int n)
{
	int done = tu_pack_confirmed(&packer, wh, n, packed, &npacked, MAXPACKED);

	CU_ASSERT_FATAL(done >= 0);
	return done;
}

static int64_t
q(const char *sql)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, sql, ""), 0);
	return n;
}

/*
 * Every packed order: shipped by exactly one ship_order call at the simulator (refused
 * repeats may follow), its tracking number the simulator's, stored on the order.
 */
static void
assert_shipped_once(void)
{
	json_t *ships = sim_ctl(&sim, "GET", "/_sim/ships", NULL), *orders = sim_ctl(&sim, "GET", "/_sim/orders", NULL);
	json_t *o;
	size_t i;
	int k, bad = 0, badtn = 0;

	for (k = 0; k < npacked; k++) {
		int ok = 0;
		const char *simtn = "";
		char *ourtn = NULL;
		struct db_stmt *st;

		json_array_foreach(json_object_get(ships, "ships"), i, o) {
			if (strcmp(json_string_value(json_object_get(o, "order_sn")), packed[k]) == 0 &&
			    json_is_true(json_object_get(o, "ok")))
				ok++;
		}
		json_array_foreach(json_object_get(orders, "orders"), i, o) {
			if (strcmp(json_string_value(json_object_get(o, "order_sn")), packed[k]) == 0)
				simtn = json_string_value(json_object_get(o, "tracking_number"));
		}
		st = db_prep(db, "SELECT coalesce(tracking_no, '') FROM orders WHERE order_no = ?");
		db_bind_text(st, 1, packed[k]);
		if (db_step(st) == DB_ROW)
			ourtn = strdup(db_col_text(st, 0));
		db_done(st);
		if (ok != 1) {
			fprintf(stderr, "%s shipped %d times\n", packed[k], ok);
			bad++;
		}
		if (ourtn == NULL || simtn[0] == '\0' || strcmp(ourtn, simtn) != 0)
			badtn++;
		free(ourtn);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(badtn, 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "ship_ok"), npacked);
	json_decref(ships);
	json_decref(orders);
}

static void
test_drain(void)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t audits;

	CU_ASSERT_EQUAL_FATAL(pack_some(6), 6);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE kind = 'ready_to_ship' AND "
	    "done_at IS NULL"), 6);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 6);
	CU_ASSERT_EQUAL(n.failed, 0);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "ship"), 6);
	assert_shipped_once();
	audits = q("SELECT count(*) FROM audit WHERE entity = 'order' AND action = 'ship'");
	CU_ASSERT_EQUAL(audits, 6);
	/* Nothing due: nothing called. */
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "ship"), 6);
}

/* The simulator ships before the fault spoils its answer: retries must not ship again. */
static void
fault_round(const char *kind, int count)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t faults = sim_counter(&sim, "faults");

	CU_ASSERT_EQUAL_FATAL(pack_some(3), 3);
	sim_fault(&sim, kind, count);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 3);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(sim_counter(&sim, "faults") - faults, count);
	assert_shipped_once();
}

static void
test_fault_500(void)
{
	fault_round("500", 3);
}

static void
test_fault_drop(void)
{
	fault_round("drop", 2);
}

/* More 500s than market_call tries: the row fails with a retry later; the next drain
 * finds the order shipped (the first call went through) and does not ship it again. */
static void
test_retry_later(void)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t ships, next = 0;

	CU_ASSERT_EQUAL_FATAL(pack_some(1), 1);
	sim_fault(&sim, "500", 6);
	CU_ASSERT_EQUAL(drain(&n, &err), 1);
	CU_ASSERT_EQUAL(n.failed, 1);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(err.cls, MC_RETRY);
	CU_ASSERT_EQUAL(db_int(db, &next, "SELECT next_at FROM outbox WHERE done_at IS NULL", ""),
	    0);
	CU_ASSERT(next > (int64_t)time(NULL) && next < OUTBOX_NEVER);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND last_error "
	    "LIKE 'RETRY%'"), 1);
	/* Not due yet: untouched. */
	ships = sim_counter(&sim, "ship");
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET next_at = 0 WHERE done_at IS NULL", ""), 0);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 1);
	/* The faults may have struck before ship_order (Shopee's ship asks for the shipping
	 * parameters first): at most the one real call now, and shipped once in all. */
	CU_ASSERT(sim_counter(&sim, "ship") <= ships + 1);
	assert_shipped_once();
}

/* The call went through, the done mark was lost: the next drain ships nothing twice. */
static void
test_crash_after_call(void)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t ships = sim_counter(&sim, "ship"), refused = sim_counter(&sim, "ship_refused"), rows;

	rows = q("SELECT count(*) FROM outbox WHERE done_at IS NOT NULL");
	CU_ASSERT(rows >= 13);
	/* As if the drainer died after claiming and calling: attempts already counted. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET done_at = NULL, next_at = 0", ""), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE orders SET tracking_no = NULL", ""), 0);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, rows);
	CU_ASSERT_EQUAL(sim_counter(&sim, "ship"), ships);
	assert_shipped_once();

	/* Even with the claim lost too (attempts 0): the platform's refusal (of the shipping
	 * parameters or of ship_order) is checked against the order's status and counts as
	 * done; no ship_order goes through. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET done_at = NULL, next_at = 0, attempts = 0",
	    ""), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE orders SET tracking_no = NULL", ""), 0);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, rows);
	CU_ASSERT(sim_counter(&sim, "ship") <= ships + rows);
	CU_ASSERT_EQUAL(sim_counter(&sim, "ship_refused") - refused,
	    sim_counter(&sim, "ship") - ships);
	assert_shipped_once();
}

/* An order the platform does not know: FATAL, kept with last_error, never retried. */
static void
test_fatal(void)
{
	struct outbox_counts n;
	struct market_error err;
	int64_t shop_id = 0, params, count = 0, bad = 0;
	char msg[256];

	CU_ASSERT_EQUAL_FATAL(db_int(db, &shop_id, "SELECT id FROM shop WHERE channel = "
	    "'shopee' AND shop_code = ?", "s", SHOP), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO outbox(shop_id, kind, payload, created_at) "
	    "VALUES (?, 'ready_to_ship', '{\"order_no\":\"NO-SUCH-ORDER\"}', 1)", "i", shop_id), 0);
	params = sim_counter(&sim, "error_param");
	CU_ASSERT_EQUAL(drain(&n, &err), 1);
	CU_ASSERT_EQUAL(n.failed, 1);
	CU_ASSERT_EQUAL(n.dead, 1);
	CU_ASSERT_EQUAL(err.cls, MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, "error_param");
	CU_ASSERT(sim_counter(&sim, "error_param") > params);
	params = sim_counter(&sim, "error_param");
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND last_error "
	    "LIKE 'FATAL: %error_param%'"), 1);
	/* Not retried, still visible. */
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.failed, 0);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(n.dead, 1);
	CU_ASSERT_EQUAL(sim_counter(&sim, "error_param"), params);
	CU_ASSERT_EQUAL(audit_verify(db, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(db_run(db, "DELETE FROM outbox WHERE order_id IS NULL", ""), 0);
}

/* The entries of /_sim/log?kind=kind naming order_sn (NULL: all) that were ok. */
static int
sim_logged(const char *kind, const char *order_sn, int *okcount)
{
	char url[128];
	json_t *log, *e;
	size_t i;
	int n = 0;

	snprintf(url, sizeof url, "/_sim/log?kind=%s", kind);
	log = sim_ctl(&sim, "GET", url, NULL);
	*okcount = 0;
	json_array_foreach(json_object_get(log, "log"), i, e) {
		if (order_sn != NULL && strcmp(json_string_value(json_object_get(e, "order_sn")),
		    order_sn) != 0)
			continue;
		n++;
		if (json_is_true(json_object_get(e, "ok")))
			(*okcount)++;
	}
	json_decref(log);
	return n;
}

/* A person's cancel reaches the simulator once, through the outbox, even when the done
 * mark is lost and the row drained again. */
static void
test_sim_cancel(void)
{
	struct outbox_counts n;
	struct market_error err;
	char no[64] = "";
	int64_t id = 0;
	struct db_stmt *st;
	int ok;

	st = db_prep(db, "SELECT id, order_no FROM orders WHERE status IN ('CONFIRMED', "
	    "'ALLOCATED') ORDER BY id DESC LIMIT 1");       /* allocated as it arrived */
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	if (db_step(st) == DB_ROW) {
		id = db_col_int(st, 0);
		snprintf(no, sizeof no, "%s", db_col_text(st, 1));
	}
	db_done(st);
	CU_ASSERT_FATAL(id > 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_CANCELLED, "out of stock"), 0);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 1);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(sim_logged("cancel", no, &ok), 1);
	CU_ASSERT_EQUAL(ok, 1);
	/* The mark lost: drained again, the platform says cancelled, nothing sent. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET done_at = NULL, next_at = 0 WHERE "
	    "kind = 'cancel'", ""), 0);
	CU_ASSERT_EQUAL(drain(&n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 1);
	CU_ASSERT_EQUAL(sim_logged("cancel", no, &ok), 1);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM audit WHERE action = 'market_cancel'"), 2);
}

/* The simulator's stock of sku, or -1 when never set. */
static int64_t
sim_stock(const char *sku)
{
	json_t *r = sim_ctl(&sim, "GET", "/_sim/stock?shop=" SHOP, NULL), *e;
	int64_t v = -1;
	size_t i;

	json_array_foreach(json_object_get(r, "stock"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "sku")), sku) == 0)
			v = (int64_t)json_integer_value(json_object_get(e, "stock"));
	}
	json_decref(r);
	return v;
}

/* Listings from the detail of a few pulled orders, as the sync maps them. */
static int64_t
learn_listings(void)
{
	struct market_call_env env = env_tmpl;
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct transport_resp resp = { 0 };
	struct market_orders set = { 0 };
	struct market_error err;
	struct request r;
	const char *ids[20];
	char nos[20][48];
	struct db_stmt *st;
	int64_t changed = -1;
	size_t n = 0;

	st = db_prep(db, "SELECT order_no FROM orders ORDER BY id LIMIT 20");
	while (n < 20 && db_step(st) == DB_ROW) {
		snprintf(nos[n], sizeof nos[0], "%s", db_col_text(st, 0));
		ids[n] = nos[n];
		n++;
	}
	db_done(st);
	env.transport = tr;
	env.conn = &shopee_connector;
	CU_ASSERT_EQUAL_FATAL(shopee_connector.detail_request(&c, ids, n, (int64_t)time(NULL),
	    &r, err.msg, sizeof err.msg), 0);
	CU_ASSERT_EQUAL(market_call(&env, &r, &resp, &err, NULL), MC_OK);
	CU_ASSERT_EQUAL(shopee_connector.parse_detail(resp.http, resp.body, resp.len, &set,
	    &err), MC_OK);
	CU_ASSERT_EQUAL(stockpush_listings_from(&sys, "shopee", SHOP, &set, &changed), 0);
	transport_resp_free(&resp);
	request_free(&r);
	market_orders_free(&set);
	return changed;
}

static int
push(struct stockpush_counts *n)
{
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct stockpush_opts o = { 0 };
	struct market_error err;

	o.channel = "shopee";
	o.shop = SHOP;
	o.buffer = 2;
	o.env = &env_tmpl;
	return stockpush_drain(&sys, &c, tr, &o, n, &err);
}

/* Every listed SKU's stock at the simulator is exactly our available-to-sell less the
 * buffer; one update_stock per item; a later change pushed alone. */
static void
test_sim_stock(void)
{
	struct stockpush_counts n;
	struct db_stmt *st;
	int64_t listed, items, avail, sku_id = 0, calls;
	char sku[64] = "";
	int ok, bad = 0, rows = 0;

	listed = learn_listings();
	CU_ASSERT_FATAL(listed > 0);
	items = q("SELECT count(DISTINCT item_id) FROM shop_listing");
	calls = sim_logged("stock", NULL, &ok);
	CU_ASSERT_EQUAL(push(&n), 0);
	CU_ASSERT_EQUAL(n.pushed, listed);
	CU_ASSERT_EQUAL(n.calls, items);
	CU_ASSERT_EQUAL(n.pending, 0);
	st = db_prep(db, "SELECT k.id, k.sku FROM shop_listing l JOIN sku k ON k.id = l.sku_id");
	while (db_step(st) == DB_ROW) {
		sku_id = db_col_int(st, 0);
		snprintf(sku, sizeof sku, "%s", db_col_text(st, 1));
		CU_ASSERT_EQUAL(stock_available(&sys, 0, sku_id, &avail), 0);
		avail = avail > 2 ? avail - 2 : 0;
		if (sim_stock(sku) != avail) {
			fprintf(stderr, "%s: simulator %" PRId64 ", ours %" PRId64 "\n", sku,
			    sim_stock(sku), avail);
			bad++;
		}
		rows++;
	}
	db_done(st);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(rows, listed);
	CU_ASSERT(sim_logged("stock", NULL, &ok) - calls >= items);

	/* One SKU received: one call, its new value. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, sku_id, "", 0, 7, "e2e"), 0);
	CU_ASSERT_EQUAL(push(&n), 0);
	CU_ASSERT_EQUAL(n.calls, 1);
	CU_ASSERT_EQUAL(n.pushed, 1);
	CU_ASSERT_EQUAL(stock_available(&sys, 0, sku_id, &avail), 0);
	CU_ASSERT_EQUAL(sim_stock(sku), avail - 2);
}

/* Completed orders' escrow fetched from the simulator and stored, final. */
static void
test_sim_settlement(void)
{
	struct finance_counts n;
	struct finance_opts o = { 0 };
	struct market_creds c = sim_shopee_creds(KEY, TOKEN);
	struct market_error err;
	char body[160];
	int k;

	for (k = 0; k < 3 && k < npacked; k++) {
		int64_t id = 0;

		snprintf(body, sizeof body, "{\"order_sn\":\"%.47s\",\"order_status\":"
		    "\"COMPLETED\"}", packed[k]);
		json_decref(sim_ctl(&sim, "POST", "/_sim/orders/update", body));
		CU_ASSERT_EQUAL(order_find(&sys, packed[k], &id), 0);
		CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_SHIPPED, NULL), 0);
		CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_DELIVERED, NULL), 0);
		CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_COMPLETED, NULL), 0);
	}
	o.channel = "shopee";
	o.shop = SHOP;
	o.env = &env_tmpl;
	CU_ASSERT_EQUAL(finance_fetch_due(&sys, &c, tr, &o, &n, &err), 0);
	CU_ASSERT_EQUAL(n.fetched, 3);
	CU_ASSERT_EQUAL(n.final, 3);
	CU_ASSERT_EQUAL(n.due, 0);
	CU_ASSERT_EQUAL(q("SELECT count(DISTINCT order_id) FROM settlement_fee WHERE "
	    "fee_type = 'escrow_amount' AND final = 1 AND amount > 0"), 3);
	CU_ASSERT_EQUAL(finance_fetch_due(&sys, &c, tr, &o, &n, &err), 0);
	CU_ASSERT_EQUAL(n.fetched, 0);
}

/* Run packbench with args; its stdout into out (NUL-terminated); the exit status. */
static int
run_packbench(const char *config, char *out, size_t outlen, const char *const *extra)
{
	const char *argv[12];
	int fds[2], status = -1, k = 0;
	size_t len = 0;
	ssize_t got;
	pid_t pid;

	argv[k++] = packbench_path;
	argv[k++] = "--db";
	argv[k++] = dbfile;
	argv[k++] = "--config";
	argv[k++] = config;
	while (*extra != NULL && k < 11)
		argv[k++] = *extra++;
	argv[k] = NULL;
	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(packbench_path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < outlen && (got = read(fds[0], out + len, outlen - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
write_config(const char *path, const char *key)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	fprintf(f, "[shop \"Shopee Sim\"]\nchannel = shopee\napi_base = http://127.0.0.1:%u\n"
	    "partner_id = 1000001\npartner_key = %s\nshop_id = " SHOP "\naccess_token = "
	    TOKEN "\n", sim.port, key);
	fclose(f);
}

/* Until the wall clock has moved past t: a pull reads update times before now. */
static void
wait_past(int64_t t)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int guard = 0;

	while ((int64_t)time(NULL) <= t && guard++ < 100)
		nanosleep(&ts, NULL);
}

/* `packbench sync --once`: new orders pulled, packed ones shipped; a bad key: exit 1. */
static void
test_cli_sync(void)
{
	static const char *const once[] = { "sync", "--once", NULL };
	char config[300], out[2048], expect[128];
	int64_t before;

	tu_sibling(config, sizeof config, dbfile, ".conf");
	write_config(config, KEY);
	json_decref(sim_ctl(&sim, "POST", "/_sim/orders/add", "{\"count\":5}"));
	wait_past((int64_t)time(NULL));
	CU_ASSERT_EQUAL_FATAL(pack_some(2), 2);
	before = q("SELECT count(*) FROM orders");
	CU_ASSERT_EQUAL(run_packbench(config, out, sizeof out, once), 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM orders"), before + 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Shopee Sim: pulled "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "created 5,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "; outbox sent 2, failed 0, pending 0\n"));
	assert_shipped_once();

	/* Nothing new: nothing created, nothing sent. */
	CU_ASSERT_EQUAL(run_packbench(config, out, sizeof out, once), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "created 0,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "outbox sent 0, failed 0, pending 0"));

	/* A wrong partner_key: the platform refuses, exit 1, the row stays owed. */
	write_config(config, "wrong-key");
	CU_ASSERT_EQUAL_FATAL(pack_some(1), 1);
	CU_ASSERT_EQUAL(run_packbench(config, out, sizeof out, once), 1);
	snprintf(expect, sizeof expect, "; outbox sent 0, failed 1, pending 1");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, expect));
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND last_error "
	    "LIKE 'FATAL: %error_sign%'"), 1);
	/* Fixed key; the FATAL row waits for a person: make it due again by hand. */
	write_config(config, KEY);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE outbox SET next_at = 0 WHERE done_at IS NULL", ""), 0);
	CU_ASSERT_EQUAL(run_packbench(config, out, sizeof out, once), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "outbox sent 1, failed 0, pending 0"));
	assert_shipped_once();
	/* Usage: --once is required. */
	{
		static const char *const bare[] = { "sync", NULL };

		CU_ASSERT_EQUAL(run_packbench(config, out, sizeof out, bare), 2);
	}
	unlink(config);
}

/* ------------------------------------------------------------------ scripted channel */

/*
 * The outbox's own guarantees with a scripted ops row: a platform that remembers what
 * it shipped, and counts every ship it performs.
 */
static struct db *fk_db;
static char fk_path[256];
static struct session fk_sys;
static int64_t fk_now = TEST_EPOCH + 1000;
static int fk_ships, fk_calls, fk_recheck[8], fk_platform_shipped;
static char fk_payload[256];

static enum market_class
fk_ship(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, const char *payload, int recheck, char *tn, size_t tnlen,
    struct market_error *err)
{
	(void)env;
	(void)c;
	(void)err;
	if (fk_calls < 8)
		fk_recheck[fk_calls] = recheck;
	fk_calls++;
	snprintf(fk_payload, sizeof fk_payload, "%s", payload);
	if (!(recheck && fk_platform_shipped)) {
		fk_ships++;                     /* a parcel handed over: never twice */
		fk_platform_shipped = 1;
	}
	snprintf(tn, tnlen, "TN-%s", order_no);
	return MC_OK;
}

static const struct market_ops fk_ops = { .channel = "shopee", .ship = fk_ship };
static const struct market_ops fk_bare = { .channel = "shopee" };

static int64_t
fk_wall(void *ctx)
{
	(void)ctx;
	return fk_now;
}

static int
fk_drain(const struct market_ops *ops, struct outbox_counts *n, struct market_error *err)
{
	static const struct market_call_env env = { .policy = &policy, .sleep_ms = sim_no_sleep,
		.wall_s = fk_wall };
	struct market_creds c = { 0 };
	struct outbox_opts o = { 0 };

	o.channel = "shopee";
	o.shop = "fk-shop";
	o.env = &env;
	o.ops = ops;
	return outbox_drain(&fk_sys, &c, NULL, &o, n, err);
}

static int
fk_init(void)
{
	struct order_line_in line = { "FK-1", 1, 1000 };
	struct order_in in = {
		.channel = "shopee", .shop = "fk-shop", .order_no = "S-1",
		.created_at = TEST_EPOCH, .status = ST_PACKED, .currency = "VND", .total = 1000,
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	if ((fk_db = tu_db(fk_path)) == NULL)
		return -1;
	session_system(&fk_sys, fk_db, "T1");
	tu_sku(&fk_sys, "FK-1", 0);
	if (order_upsert(&fk_sys, &in, &id, NULL) != 0)
		return -1;
	return db_run(fk_db, "INSERT INTO outbox(shop_id, order_id, kind, payload, created_at) "
	    "SELECT shop_id, id, 'ready_to_ship', '{\"order_no\":\"S-1\",\"packages\":1}', 1 "
	    "FROM orders WHERE id = ?", "i", id);
}

static int
fk_clean(void)
{
	tu_db_free(fk_db, fk_path);
	return 0;
}

static int64_t
fk_q(const char *sql)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(fk_db, &n, sql, ""), 0);
	return n;
}

/* No ship call on the channel: the row stays owed, unclaimed, saying why. */
static void
test_fk_unsupported(void)
{
	struct outbox_counts n;
	struct market_error err;

	CU_ASSERT_EQUAL(fk_drain(&fk_bare, &n, &err), 1);
	CU_ASSERT_EQUAL(n.failed, 1);
	CU_ASSERT_EQUAL(n.pending, 1);
	CU_ASSERT_EQUAL(n.dead, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "has no ready_to_ship call yet"));
	CU_ASSERT_EQUAL(fk_q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND "
	    "attempts = 0 AND last_error LIKE '%no ready_to_ship call yet%'"), 1);
	CU_ASSERT_EQUAL(fk_calls, 0);
	CU_ASSERT(outbox_supported("shopee"));
	CU_ASSERT(!outbox_supported("no-such-channel"));
	fk_now += 3600;
}

/* The call went through, the done mark failed (as a crash would lose it): after the
 * lease the row is claimed again with recheck, and the parcel is not shipped twice. */
static void
test_fk_mark_lost(void)
{
	struct outbox_counts n;
	struct market_error err;

	CU_ASSERT_EQUAL_FATAL(db_exec(fk_db, "CREATE TEMP TRIGGER lose_mark BEFORE UPDATE OF "
	    "done_at ON outbox WHEN NEW.done_at IS NOT NULL BEGIN "
	    "SELECT RAISE(ABORT, 'crash'); END"), 0);
	CU_ASSERT(fk_drain(&fk_ops, &n, &err) < 0);
	CU_ASSERT_EQUAL(db_exec(fk_db, "DROP TRIGGER lose_mark"), 0);
	CU_ASSERT_EQUAL(fk_calls, 1);
	CU_ASSERT_EQUAL(fk_ships, 1);
	CU_ASSERT_EQUAL(fk_recheck[0], 0);
	CU_ASSERT_STRING_EQUAL(fk_payload, "{\"order_no\":\"S-1\",\"packages\":1}");
	CU_ASSERT_EQUAL(fk_q("SELECT count(*) FROM outbox WHERE done_at IS NULL AND "
	    "attempts = 1"), 1);
	/* Leased: not taken again at once. */
	CU_ASSERT_EQUAL(fk_drain(&fk_ops, &n, &err), 0);
	CU_ASSERT_EQUAL(fk_calls, 1);
	fk_now += 121;
	CU_ASSERT_EQUAL(fk_drain(&fk_ops, &n, &err), 0);
	CU_ASSERT_EQUAL(n.sent, 1);
	CU_ASSERT_EQUAL(n.pending, 0);
	CU_ASSERT_EQUAL(fk_calls, 2);
	CU_ASSERT_EQUAL(fk_recheck[1], 1);
	CU_ASSERT_EQUAL(fk_ships, 1);
	CU_ASSERT_EQUAL(fk_q("SELECT count(*) FROM orders WHERE tracking_no = 'TN-S-1'"), 1);
	CU_ASSERT_EQUAL(fk_q("SELECT count(*) FROM audit WHERE action = 'ship'"), 1);
	/* Done: never again. */
	fk_now += 86400;
	CU_ASSERT_EQUAL(fk_drain(&fk_ops, &n, &err), 0);
	CU_ASSERT_EQUAL(fk_calls, 2);
}

int
main(int argc, char **argv)
{
	CU_pSuite su;
	int rc;

	rc = sim_main(argc, argv, 4, "test_outbox SIMULATOR SKUS PACKBENCH", &sim_path, &skus_path);
	if (rc != 0)
		return rc;
	packbench_path = argv[3];
	su = CU_add_suite("outbox, scripted channel", fk_init, fk_clean);
	CU_add_test(su, "no ship call: row stays owed", test_fk_unsupported);
	CU_add_test(su, "done mark lost: rechecked, shipped once", test_fk_mark_lost);
	su = CU_add_suite("outbox shopee", suite_init, suite_clean);
	CU_add_test(su, "packed orders shipped once", test_drain);
	CU_add_test(su, "500s: retried, shipped once", test_fault_500);
	CU_add_test(su, "dropped answers: shipped once", test_fault_drop);
	CU_add_test(su, "failed row retried later, not shipped twice", test_retry_later);
	CU_add_test(su, "done mark lost: not shipped twice", test_crash_after_call);
	CU_add_test(su, "FATAL stays with last_error", test_fatal);
	CU_add_test(su, "a person's cancel reaches the platform once", test_sim_cancel);
	CU_add_test(su, "stock pushed is available-to-sell", test_sim_stock);
	CU_add_test(su, "settlements of completed orders stored", test_sim_settlement);
	CU_add_test(su, "packbench sync --once", test_cli_sync);
	return tu_run();
}

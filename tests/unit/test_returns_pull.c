/*
 * test_returns_pull.c — marketplace returns pulled from each channel's return API
 * (returnsync.c through the ops rows) against packbench-marketsim on an ephemeral
 * loopback port, one Shopee, one Lazada and one TikTok shop. Per channel: returns made
 * in the simulator are pulled into rma rows (return id, order, the channel's status
 * mapped to ours, reason, units per SKU); a refund with no parcel is left out; a
 * return of an order not shipped is skipped with its reason; a second pull changes
 * nothing (no row, no audit record); the buyer shipping it back (with the return
 * parcel's tracking number) turns the order RETURNING and the tracking number scans at
 * the Returns screen; the refund after it never moves the order back; a return opened
 * at the station takes the channel's id; a status the mapping does not know and a
 * truncated answer each fail the pull with one clear line, commit nothing and leave
 * the cursor, and the next pull brings the return in. Pages of two, so each channel's
 * paging is used. The sync worker's pass pulls returns too. Also core's input checks.
 * argv: simulator, SKU list.
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
#include "core/returns.h"
#include "market/channel.h"
#include "market/returnsync.h"
#include "market/sync.h"
#include "market/worker.h"
#include "simutil.h"
#include "testutil.h"
#include "ui/vm_returns.h"
#include "vmutil.h"

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

/* What differs per channel: its shop and its own status texts. */
struct chan {
	const char *channel, *code;
	const char *requested;          /* a new return's status */
	const char *transit, *logistics;    /* the buyer shipped it back */
	const char *refunded;
	const char *refund_type;        /* a refund with no parcel coming back */
	/* The shop's keys, from /_sim/shops. */
	char partner_key[64], app_key[64], app_secret[64], cipher[64], token[64];
	int64_t partner_id, shop_id;
	char first[32];                 /* the id of its first return (channel_flow) */
};

static struct chan shopee = { .channel = "shopee", .code = "2000001",
	.requested = "REQUESTED", .transit = "ACCEPTED", .logistics = "LOGISTICS_PICKUP_DONE",
	.refunded = "CLOSED", .refund_type = "REFUND_ONLY" };
static struct chan lazada = { .channel = "lazada", .code = "lz1",
	.requested = "REQUEST_INITIATE", .transit = "BUYER_RETURN_ITEM",
	.refunded = "REFUND_SUCCESS", .refund_type = "ONLY_REFUND" };
static struct chan tiktok = { .channel = "tiktok", .code = "tt1",
	.requested = "RETURN_OR_REFUND_REQUEST_PENDING", .transit = "BUYER_SHIPPED_ITEM",
	.refunded = "RETURN_OR_REFUND_REQUEST_COMPLETE", .refund_type = "REFUND" };

static struct market_creds
creds_of(const struct chan *ch)
{
	struct market_creds c = { 0 };

	c.partner_id = ch->partner_id;
	c.shop_id = ch->shop_id;
	c.partner_key = ch->partner_key;
	c.app_key = ch->app_key;
	c.app_secret = ch->app_secret;
	c.shop_cipher = ch->cipher;
	c.access_token = ch->token;
	return c;
}

static void
keys_from(const json_t *shop, struct chan *ch)
{
	snprintf(ch->partner_key, sizeof ch->partner_key, "%s",
	    json_string_value(json_object_get(shop, "partner_key")));
	snprintf(ch->app_key, sizeof ch->app_key, "%s",
	    json_string_value(json_object_get(shop, "app_key")));
	snprintf(ch->app_secret, sizeof ch->app_secret, "%s",
	    json_string_value(json_object_get(shop, "app_secret")));
	snprintf(ch->cipher, sizeof ch->cipher, "%s",
	    json_string_value(json_object_get(shop, "shop_cipher")));
	snprintf(ch->token, sizeof ch->token, "%s",
	    json_string_value(json_object_get(shop, "access_token")));
	ch->partner_id = json_integer_value(json_object_get(shop, "partner_id"));
	ch->shop_id = json_integer_value(json_object_get(shop, "shop_id"));
}

static int
pull_orders(const struct chan *ch)
{
	struct market_creds c = creds_of(ch);
	struct sync_opts o = { 0 };
	struct market_error err;
	int rc;

	o.channel = ch->channel;
	o.shop = ch->code;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;
	o.overlap = 300;
	o.env = &env_tmpl;
	rc = sync_pull_once(&sys, channel_find(ch->channel)->conn, &c, sim.tr, &o, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "\n%s order pull: %s\n", ch->channel, err.msg);
	return rc;
}

static int
suite_init(void)
{
	static const char *args[] = { "--orders", "12", "--seed", "5", "--skus", NULL,
	    "--shop", "shopee:2000001", "--shop", "lazada:lz1", "--shop", "tiktok:tt1", NULL };

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	args[5] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	return sim_stock_db(&sys, skus_path, 1000, &wh) == 8 ? 0 : -1;
}

/* Once, in the first test (sim_ctl asserts): the shops' keys, their orders pulled. */
static void
prepare(void)
{
	static int done;
	json_t *shops, *v;
	size_t i;

	if (done++)
		return;
	shops = sim_ctl(&sim, "GET", "/_sim/shops", NULL);
	json_array_foreach(json_object_get(shops, "shops"), i, v) {
		const char *code = json_string_value(json_object_get(v, "code"));

		if (strcmp(code, shopee.code) == 0)
			keys_from(v, &shopee);
		else if (strcmp(code, lazada.code) == 0)
			keys_from(v, &lazada);
		else if (strcmp(code, tiktok.code) == 0)
			keys_from(v, &tiktok);
	}
	json_decref(shops);
	CU_ASSERT_EQUAL_FATAL(pull_orders(&shopee), 0);
	CU_ASSERT_EQUAL_FATAL(pull_orders(&lazada), 0);
	CU_ASSERT_EQUAL_FATAL(pull_orders(&tiktok), 0);
}

static int
suite_clean(void)
{
	int rc = sim_stop_db(&sim, db, dbfile);

	db = NULL;
	return rc;
}

/* ------------------------------------------------------------------ helpers */

static int
pull(const struct chan *ch, struct returnsync_counts *n, struct market_error *err)
{
	struct market_creds c = creds_of(ch);
	struct returnsync_opts o = { 0 };

	o.channel = ch->channel;
	o.shop = ch->code;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;
	o.overlap = 300;
	o.page_size = 2;            /* every channel's paging, with a few returns */
	o.env = &env_tmpl;
	return returnsync_pull(&sys, &c, sim.tr, &o, n, err);
}

static int64_t
q(const char *sql, const char *text)
{
	return tu_int(db, sql, text);
}

static char *
text_of(const char *sql, const char *arg, char *buf, size_t len)
{
	struct db_stmt *st = db_prep(db, sql);

	buf[0] = '\0';
	db_bind_text(st, 1, arg);
	if (db_step(st) == DB_ROW)
		snprintf(buf, len, "%s", db_col_text(st, 0));
	db_done(st);
	return buf;
}

static char *
order_status(const char *no, char *buf, size_t len)
{
	return text_of("SELECT status FROM orders WHERE order_no = ?", no, buf, len);
}

/* The order numbers of the shop's orders in our database with status st (READY:
 * CONFIRMED or ALLOCATED, as routing at confirmation leaves them), oldest first, into
 * nos (at most max). */
static int
orders_in(const struct chan *ch, const char *st, char nos[][48], int max)
{
	struct db_stmt *s = db_prep(db, "SELECT o.order_no FROM orders o JOIN shop sh ON "
	    "sh.id = o.shop_id WHERE sh.channel = ? AND (o.status = ? OR (? = 'READY' AND "
	    "o.status IN ('CONFIRMED', 'ALLOCATED'))) ORDER BY o.id");
	int n = 0;

	db_bind_text(s, 1, ch->channel);
	db_bind_text(s, 2, st);
	db_bind_text(s, 3, st);
	while (n < max && db_step(s) == DB_ROW)
		snprintf(nos[n++], 48, "%s", db_col_text(s, 0));
	db_done(s);
	return n;
}

/* Take a CONFIRMED order (allocated here) or an ALLOCATED one (routed at confirmation)
 * to SHIPPED: packed, handed over. */
static void
ship(const char *no)
{
	struct order *o = NULL;
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_find(&sys, no, &id), 0);
	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id, &o), 0);
	if (o->status == ST_CONFIRMED)
		CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_ALLOCATED, NULL), 0);
	order_free(o);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_PACKING, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_PACKED, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(order_transition(&sys, id, 0, ST_SHIPPED, NULL), 0);
}

/* A return of order no made in the simulator (extra: more JSON members, or ""); its
 * id into id. */
static void
sim_return(const struct chan *ch, const char *no, const char *extra, char *id, size_t len)
{
	char body[512];
	json_t *r;

	snprintf(body, sizeof body, "{\"shop\":\"%s\",\"order_sn\":\"%s\"%s}", ch->code, no,
	    extra);
	r = sim_ctl(&sim, "POST", "/_sim/returns/add", body);
	snprintf(id, len, "%s", json_string_value(json_object_get(r, "return_id")) ?
	    json_string_value(json_object_get(r, "return_id")) : "");
	json_decref(r);
	CU_ASSERT_FATAL(id[0] != '\0');
}

static void
sim_return_update(const struct chan *ch, const char *id, const char *members)
{
	char body[512];
	json_t *r;

	snprintf(body, sizeof body, "{\"shop\":\"%s\",\"return_id\":\"%s\",%s}", ch->code, id,
	    members);
	r = sim_ctl(&sim, "POST", "/_sim/returns/update", body);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(r, "return_id"));
	json_decref(r);
}

static int64_t
audits(void)
{
	return q("SELECT count(*) FROM audit WHERE entity = 'rma'", NULL);
}

/* ------------------------------------------------------------------ per channel */

static void
channel_flow(struct chan *ch)
{
	struct returnsync_counts n;
	struct market_error err;
	char nos[8][48], r1[32], r2[32], r3[32], r4[32], r5[32], buf[256];
	char extra[160];
	int64_t rma = 0, rma2 = 0, order_id = 0, found = 0, open_rma = 0, cur = 0, cur2 = 0;
	int64_t a;
	int k;

	prepare();

	/* Five shipped orders: A returned, B refunded only, D the bad status, E opened at
	 * the station first; one more left unshipped (C) for the not-shipped skip. */
	CU_ASSERT_FATAL(orders_in(ch, "READY", nos, 8) >= 6);
	for (k = 0; k < 5; k++)
		ship(nos[k]);

	sim_return(ch, nos[0], ",\"reason\":\"Sai màu \\\"đỏ\\\"\"", r1, sizeof r1);
	snprintf(ch->first, sizeof ch->first, "%s", r1);
	snprintf(extra, sizeof extra, ",\"type\":\"%s\"", ch->refund_type);
	sim_return(ch, nos[1], extra, r2, sizeof r2);
	sim_return(ch, nos[5], "", r3, sizeof r3);

	CU_ASSERT_EQUAL(pull(ch, &n, &err), 0);
	CU_ASSERT_EQUAL(n.seen, 3);
	CU_ASSERT_EQUAL(n.changed, 1);
	CU_ASSERT_EQUAL(n.refund_only, 1);
	CU_ASSERT_EQUAL(n.skipped, 1);
	CU_ASSERT(strstr(err.msg, nos[5]) != NULL);     /* the skipped one, named */
	CU_ASSERT(strstr(err.msg, "only a shipped order") != NULL);
	CU_ASSERT_EQUAL(n.pages, 2);    /* 2 + 1 */

	/* R1 recorded: its order, source, state mapped, the channel's text, reason, units. */
	rma = q("SELECT id FROM rma WHERE market_id = ?", r1);
	CU_ASSERT_FATAL(rma > 0);
	CU_ASSERT_EQUAL_FATAL(order_find(&sys, nos[0], &order_id), 0);
	CU_ASSERT_EQUAL(q("SELECT order_id FROM rma WHERE market_id = ?", r1), order_id);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT source FROM rma WHERE market_id = ?", r1, buf,
	    sizeof buf), "marketplace");
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), "requested");
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_their FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), ch->requested);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_reason FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), "Sai màu \"đỏ\"");
	CU_ASSERT_STRING_EQUAL(text_of("SELECT status FROM rma WHERE market_id = ?", r1, buf,
	    sizeof buf), "open");
	/* Every unit of the order, per SKU. */
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma_market_unit u JOIN rma r ON r.id = u.rma_id "
	    "WHERE r.market_id = ?", r1), q("SELECT count(DISTINCT l.sku_id) FROM order_line l "
	    "JOIN orders o ON o.id = l.order_id WHERE o.order_no = ?", nos[0]));
	CU_ASSERT_EQUAL(q("SELECT sum(u.qty) FROM rma_market_unit u JOIN rma r ON r.id = "
	    "u.rma_id WHERE r.market_id = ?", r1), q("SELECT sum(l.qty) FROM order_line l JOIN "
	    "orders o ON o.id = l.order_id WHERE o.order_no = ?", nos[0]));
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma_market_unit u JOIN rma r ON r.id = u.rma_id "
	    "JOIN sku k ON k.sku = u.sku JOIN order_line l ON l.sku_id = k.id AND "
	    "l.order_id = r.order_id AND l.qty = u.qty WHERE r.market_id = ?", r1),
	    q("SELECT count(*) FROM rma_market_unit u JOIN rma r ON r.id = u.rma_id WHERE "
	    "r.market_id = ?", r1));
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE market_id = ?", r2), 0);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE market_id = ?", r3), 0);
	CU_ASSERT_STRING_EQUAL(order_status(nos[0], buf, sizeof buf), "SHIPPED");
	/* The id scans at the Returns screen. */
	CU_ASSERT_EQUAL(returns_find(&sys, r1, &found, &open_rma), 0);
	CU_ASSERT_EQUAL(found, order_id);
	CU_ASSERT_EQUAL(open_rma, rma);

	/* Pulled again: nothing changes. */
	a = audits();
	CU_ASSERT_EQUAL(returnsync_cursor_get(&sys, ch->channel, ch->code, &cur), 0);
	CU_ASSERT(cur > 0);
	CU_ASSERT_EQUAL(pull(ch, &n, &err), 0);
	CU_ASSERT_EQUAL(n.seen, 3);
	CU_ASSERT_EQUAL(n.changed, 0);
	CU_ASSERT_EQUAL(audits(), a);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE market_id = ?", r1), 1);

	/* The buyer ships it back: in transit with the parcel's tracking number; the order
	 * is RETURNING, and the tracking number finds it. */
	if (ch->logistics != NULL)
		snprintf(buf, sizeof buf, "\"status\":\"%s\",\"logistics\":\"%s\","
		    "\"tracking\":\"RT-%s-1\"", ch->transit, ch->logistics, ch->code);
	else
		snprintf(buf, sizeof buf, "\"status\":\"%s\",\"tracking\":\"RT-%s-1\"",
		    ch->transit, ch->code);
	sim_return_update(ch, r1, buf);
	CU_ASSERT_EQUAL(pull(ch, &n, &err), 0);
	CU_ASSERT_EQUAL(n.changed, 1);
	CU_ASSERT_EQUAL(audits(), a + 1);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), "in_transit");
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_their FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), ch->transit);
	CU_ASSERT_STRING_EQUAL(order_status(nos[0], buf, sizeof buf), "RETURNING");
	snprintf(buf, sizeof buf, "RT-%s-1", ch->code);
	found = 0;
	CU_ASSERT_EQUAL(returns_find(&sys, buf, &found, &open_rma), 0);
	CU_ASSERT_EQUAL(found, order_id);
	CU_ASSERT_EQUAL(open_rma, rma);
	snprintf(buf, sizeof buf, "%" PRId64, order_id);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "action = 'transition' AND after LIKE '%RETURNING%' AND entity_id = ?", buf), 1);

	/* Refunded: the state follows; the order is not moved (it is not back yet). */
	snprintf(buf, sizeof buf, "\"status\":\"%s\"", ch->refunded);
	sim_return_update(ch, r1, buf);
	CU_ASSERT_EQUAL(pull(ch, &n, &err), 0);
	CU_ASSERT_EQUAL(n.changed, 1);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), "refunded");
	CU_ASSERT_STRING_EQUAL(order_status(nos[0], buf, sizeof buf), "RETURNING");
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE market_id = ?", r1), 1);

	/* A return opened at the station before the channel said so takes its id. */
	CU_ASSERT_EQUAL(order_find(&sys, nos[4], &order_id), 0);
	CU_ASSERT_EQUAL_FATAL(returns_open(&sys, order_id, "station", NULL, &rma2), 0);
	sim_return(ch, nos[4], "", r5, sizeof r5);
	CU_ASSERT_EQUAL(pull(ch, &n, &err), 0);
	CU_ASSERT_EQUAL(q("SELECT id FROM rma WHERE market_id = ?", r5), rma2);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE order_id = (SELECT id FROM orders "
	    "WHERE order_no = ?)", nos[4]), 1);

	/* A status the mapping does not know: one clear line, nothing of its page kept
	 * (pages before it are), the cursor where it was. */
	CU_ASSERT_EQUAL(returnsync_cursor_get(&sys, ch->channel, ch->code, &cur), 0);
	sim_return(ch, nos[3], ",\"status\":\"WEIRD_NEW_STATUS\"", r4, sizeof r4);
	sim_return_update(ch, r1, "\"reason\":\"changed while the page failed\"");
	CU_ASSERT(pull(ch, &n, &err) < 0);
	CU_ASSERT(strstr(err.msg, "WEIRD_NEW_STATUS") != NULL);
	CU_ASSERT(strstr(err.msg, r4) != NULL);
	CU_ASSERT(strstr(err.msg, ch->channel) != NULL);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE market_id = ?", r4), 0);
	CU_ASSERT_EQUAL(returnsync_cursor_get(&sys, ch->channel, ch->code, &cur2), 0);
	CU_ASSERT_EQUAL(cur2, cur);
	/* A truncated answer (every attempt): the same. */
	snprintf(buf, sizeof buf, "\"status\":\"%s\"", ch->requested);
	sim_return_update(ch, r4, buf);
	sim_fault(&sim, "truncated", 3);
	CU_ASSERT(pull(ch, &n, &err) < 0);
	CU_ASSERT(err.msg[0] != '\0');
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma WHERE market_id = ?", r4), 0);
	CU_ASSERT_EQUAL(returnsync_cursor_get(&sys, ch->channel, ch->code, &cur2), 0);
	CU_ASSERT_EQUAL(cur2, cur);
	sim_fault(&sim, "none", 0);
	/* Answered well again: both come in. */
	CU_ASSERT_EQUAL(pull(ch, &n, &err), 0);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?", r4,
	    buf, sizeof buf), "requested");
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_reason FROM rma WHERE market_id = ?", r1,
	    buf, sizeof buf), "changed while the page failed");
	CU_ASSERT_EQUAL(returnsync_cursor_get(&sys, ch->channel, ch->code, &cur2), 0);
	CU_ASSERT(cur2 >= cur);
}

static void test_shopee(void) { channel_flow(&shopee); }
static void test_lazada(void) { channel_flow(&lazada); }
static void test_tiktok(void) { channel_flow(&tiktok); }

/* Two seconds ahead: what a return made this second is dated, the pass has seen. */
static int64_t
ahead(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL) + 2;
}

static void
quiet_log(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

/* The sync worker's pass pulls a shop's returns with the rest. */
static void
test_worker_pass(void)
{
	struct market_call_env env = env_tmpl;
	struct worker_opts o = { 0 };
	struct worker_shop sh = { 0 };
	struct worker_result r;
	struct worker *w = NULL;
	char base[64], err[256], no[3][48], id[32], buf[64];
	int64_t calls;

	prepare();
	/* TikTok's third shipped order, not returned yet (channel_flow left it). */
	CU_ASSERT_FATAL(orders_in(&tiktok, "SHIPPED", no, 3) == 3);
	snprintf(buf, sizeof buf, ",\"status\":\"%s\"", tiktok.transit);
	sim_return(&tiktok, no[2], buf, id, sizeof id);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim.port);
	sh.name = "TikTok Sim";
	sh.channel = "tiktok";
	sh.code = tiktok.code;
	sh.api_base = base;
	sh.auth_base = base;
	sh.creds = creds_of(&tiktok);
	sh.creds.refresh_token = "sim-rt-tt1";
	o.interval_s = 1;
	o.lease_s = 60;
	o.holder = "host:9:rma00001";
	env.wall_s = ahead;
	o.env = &env;
	o.log = quiet_log;
	CU_ASSERT_EQUAL_FATAL(worker_new(db, &sh, 1, &o, &w, err, sizeof err), 0);
	calls = sim_counter(&sim, "returns");
	CU_ASSERT_EQUAL(worker_pass(w, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);
	if (!r.ok)
		fprintf(stderr, "\nworker: %s\n", r.error);
	CU_ASSERT(r.returns >= 1);
	CU_ASSERT(sim_counter(&sim, "returns") > calls);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?", id,
	    buf, sizeof buf), "in_transit");
	CU_ASSERT_STRING_EQUAL(order_status(no[2], buf, sizeof buf), "RETURNING");
	worker_free(w);
}

static void ret_draw(void *vm, struct vm_screen *scr) { vm_returns_render(vm, scr); }

/* The open returns list (and the supervisor's Returns screen) shows the channel's id
 * and state; a cancelled one is not waited for. */
static void
test_open_list(void)
{
	struct vm_returns vm;
	struct session sup;
	char needle[64];
	struct returns_row *rows = NULL;
	size_t n = 0, i;
	int seen = 0;
	char id[32], no[2][48];
	struct returnsync_counts c;
	struct market_error err;

	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sys, (int64_t)time(NULL) + 10, &rows, &n), 0);
	for (i = 0; i < n; i++) {
		if (rows[i].market_id[0] != '\0' && strcmp(rows[i].market_status, "refunded") == 0)
			seen++;
	}
	free(rows);
	CU_ASSERT(seen >= 3);           /* each channel's first return */
	tu_session(&sup, db, ROLE_SUPERVISOR);
	vm_returns_init(&vm, &sup, (int64_t)time(NULL), 0);
	snprintf(needle, sizeof needle, "%-14.14s %s", shopee.first, "refunded");
	CU_ASSERT(tu_shows(ret_draw, &vm, needle));
	vm_returns_free(&vm);

	/* Shopee: a return of one more order, then cancelled by the buyer. */
	CU_ASSERT_FATAL(orders_in(&shopee, "READY", no, 2) == 2);
	ship(no[1]);
	sim_return(&shopee, no[1], ",\"status\":\"CANCELLED\"", id, sizeof id);
	CU_ASSERT_EQUAL(pull(&shopee, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?", id,
	    err.msg, sizeof err.msg), "cancelled");
	CU_ASSERT_EQUAL_FATAL(returns_list_open(&sys, (int64_t)time(NULL) + 10, &rows, &n), 0);
	for (i = 0; i < n; i++)
		CU_ASSERT(strcmp(rows[i].market_id, id) != 0);
	free(rows);
}

/* Core refuses bad input with one line and writes nothing. */
static void
test_bad_input(void)
{
	struct returns_munit bad_unit = { "", 1 };
	struct returns_market in = { 0 };
	struct session packer;
	int64_t before = q("SELECT count(*) FROM rma", NULL);
	char no[1][48];

	in.channel = "shopee";
	in.shop = shopee.code;
	in.order_no = "NO-SUCH-ORDER";
	in.market_id = "SP-X-1";
	in.state = RMS_REQUESTED;
	in.their_status = "REQUESTED";
	in.updated_at = 1;
	CU_ASSERT_EQUAL(returns_market_upsert(&sys, &in, NULL, NULL), DB_ENOTFOUND);
	CU_ASSERT(strstr(sys.err, "NO-SUCH-ORDER") != NULL);
	in.market_id = "";
	CU_ASSERT_EQUAL(returns_market_upsert(&sys, &in, NULL, NULL), DB_EINVAL);
	in.market_id = "SP-X-1";
	in.state = RMS__N;
	CU_ASSERT_EQUAL(returns_market_upsert(&sys, &in, NULL, NULL), DB_EINVAL);
	in.state = RMS_REQUESTED;
	CU_ASSERT_FATAL(orders_in(&shopee, "RETURNING", no, 1) == 1);
	in.order_no = no[0];
	in.units = &bad_unit;
	in.nunits = 1;
	CU_ASSERT_EQUAL(returns_market_upsert(&sys, &in, NULL, NULL), DB_EINVAL);
	CU_ASSERT(strstr(sys.err, "SP-X-1") != NULL);
	/* Only the system (the sync) records marketplace returns. */
	tu_session(&packer, db, ROLE_PACKER);
	in.nunits = 0;
	CU_ASSERT_EQUAL(returns_market_upsert(&packer, &in, NULL, NULL), DB_EPERM);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM rma", NULL), before);
	/* An answer older than what is stored changes nothing. */
	in.market_id = shopee.first;
	in.state = RMS_CANCELLED;
	in.their_status = "CANCELLED";
	in.units = NULL;
	before = q("SELECT count(*) FROM audit", NULL);
	{
		int changed = -1;
		int64_t id = 0;
		char buf[32];

		CU_ASSERT_EQUAL(returns_market_upsert(&sys, &in, &id, &changed), 0);
		CU_ASSERT_EQUAL(changed, 0);
		CU_ASSERT_EQUAL(id, q("SELECT id FROM rma WHERE market_id = ?", shopee.first));
		CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?",
		    shopee.first, buf, sizeof buf), "refunded");
		CU_ASSERT_EQUAL(q("SELECT count(*) FROM audit", NULL), before);
		/* A reason cut inside a character by the channel is stored without it. */
		in.reason = "h\xc3\xa0ng l\xe1\xbb";
		in.updated_at = (int64_t)time(NULL) + 100;
		CU_ASSERT_EQUAL(returns_market_upsert(&sys, &in, &id, &changed), 0);
		CU_ASSERT_EQUAL(changed, 1);
		CU_ASSERT_STRING_EQUAL(text_of("SELECT market_reason FROM rma WHERE market_id = ?",
		    shopee.first, buf, sizeof buf), "h\xc3\xa0ng l");
		CU_ASSERT_STRING_EQUAL(text_of("SELECT market_status FROM rma WHERE market_id = ?",
		    shopee.first, buf, sizeof buf), "cancelled");
	}
	CU_ASSERT_STRING_EQUAL(returns_mstate_name(RMS_IN_TRANSIT), "in_transit");
	{
		enum returns_mstate st;

		CU_ASSERT_EQUAL(returns_mstate_parse("refunded", &st), 0);
		CU_ASSERT_EQUAL(st, RMS_REFUNDED);
		CU_ASSERT_EQUAL(returns_mstate_parse("lost", &st), -1);
	}
}

int
main(int argc, char **argv)
{
	CU_pSuite s;
	int rc;

	rc = sim_main(argc, argv, 3, "test_returns_pull SIMULATOR SKUS", &sim_path,
	    &skus_path);
	if (rc != 0)
		return rc;
	s = CU_add_suite("returns pull", suite_init, suite_clean);
	CU_add_test(s, "shopee get_return_list", test_shopee);
	CU_add_test(s, "lazada reverse orders", test_lazada);
	CU_add_test(s, "tiktok returns search", test_tiktok);
	CU_add_test(s, "the sync worker pulls returns", test_worker_pass);
	CU_add_test(s, "open returns list", test_open_list);
	CU_add_test(s, "bad input", test_bad_input);
	return tu_run();
}

/*
 * test_merge_ship.c — a merged parcel on a marketplace whose routing policy merges,
 * against packbench-marketsim on an ephemeral loopback port (one Shopee, one Lazada and
 * one TikTok Shop shop): two orders of one buyer pulled, merged at the bench and packed
 * as one parcel, then the outbox drained. On every channel each order of the parcel is
 * reported shipped to the marketplace by its own call, exactly once by the simulator's
 * log (Lazada: one pack and one rts each), with the tracking number the platform gave
 * that order stored on it and a "ship" audit record naming it; draining again calls
 * nothing, and the next pull finds the member where the parcel's order is. With the
 * ship answers dropped (the simulator did the work) the retries still ship each once.
 * A member cancelled after packing owes a cancel, not a ship call. argv: simulator, SKU
 * list.
 */
#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/merge.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/route.h"
#include "market/lazada.h"
#include "market/ops.h"
#include "market/outbox.h"
#include "market/shopee.h"
#include "market/sync.h"
#include "market/tiktok.h"
#include "market/transport.h"
#include "simutil.h"
#include "testutil.h"

#define KEY "merge-partner-key"
#define TOKEN "merge-access-token"

struct chan {
	const char *name, *code;
	const struct connector *conn;
	const struct market_ops *ops;
	const char *ship_path;          /* the hand-over call, for faults aimed at it */
	int calls;                      /* ok ship-log entries per shipped order */
	struct transport *tr;
	struct market_creds c;
	char key[64], secret[64], cipher[64], at[128], rt[128];
};

static struct chan chans[3] = {
	{ .name = "shopee", .code = "2000001", .conn = &shopee_connector, .ops = &shopee_ops,
	  .ship_path = "ship_order", .calls = 1 },
	{ .name = "lazada", .code = "LZ1", .conn = &lazada_connector, .ops = &lazada_ops,
	  .ship_path = "fulfill/pack", .calls = 2 },
	{ .name = "tiktok", .code = "TT1", .conn = &tiktok_connector, .ops = &tiktok_ops,
	  .ship_path = "/ship", .calls = 1 },
};

static const char *sim_path, *skus_path;
static struct sim sim;
static struct db *db;
static char dbfile[256];
static struct session sys, sup, packer;
static int64_t wh;

static const struct retry_policy policy = { .max_attempts = 6, .base_ms = 1, .cap_ms = 5,
	.quota_utc_offset = 8 * 3600 };

static struct market_call_env
env_of(struct chan *ch)
{
	struct market_call_env e = { 0 };

	e.policy = &policy;
	e.sleep_ms = sim_no_sleep;
	e.transport = ch->tr;
	e.conn = ch->conn;
	return e;
}

static int
pull(struct chan *ch)
{
	struct market_call_env e = env_of(ch);
	struct sync_opts o = { 0 };
	struct sync_counts n;
	struct market_error err;
	int rc;

	o.channel = ch->name;
	o.shop = ch->code;
	o.from = (int64_t)time(NULL) - 3 * 86400;
	o.to = (int64_t)time(NULL) + 1;
	o.overlap = 300;
	o.env = &e;
	rc = sync_pull_once(&sys, ch->conn, &ch->c, ch->tr, &o, &n, &err);
	if (rc != 0)
		fprintf(stderr, "%s pull: %s\n", ch->name, err.msg);
	return rc;
}

/* Drain ch's shop's outbox (at most limit rows; 0: all due). */
static int
drain(struct chan *ch, int limit, struct outbox_counts *n)
{
	struct market_call_env e = env_of(ch);
	struct outbox_opts o = { 0 };
	struct market_error err;
	int rc;

	o.channel = ch->name;
	o.shop = ch->code;
	o.env = &e;
	o.limit = limit;
	rc = outbox_drain(&sys, &ch->c, ch->tr, &o, n, &err);
	if (rc != 0 || n->failed > 0)
		fprintf(stderr, "%s drain: %s\n", ch->name, err.msg);
	return rc;
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
	if (strcmp(ch->name, "shopee") == 0) {
		ch->c = sim_shopee_creds(KEY, TOKEN);
		return 0;
	}
	/* The credentials the simulator derives from the shop code. */
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
	return 0;
}

static int
suite_init(void)
{
	static const char *args[] = { "--seed", "23", "--skus", NULL, "--orders", "16",
	    "--shop", "shopee:2000001", "--partner-id", "1000001", "--partner-key", KEY,
	    "--access-token", TOKEN, "--shop", "lazada:LZ1", "--shop", "tiktok:TT1", NULL };
	struct route_policy merge = { .merge = 1 };
	size_t i;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	route_reset();
	args[3] = skus_path;
	if (sim_start(&sim, sim_path, args) != 0)
		return -1;
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "test");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	if (sim_stock_db(&sys, skus_path, 100000, &wh) != 8 || tu_packer(&sys, &packer) != 0)
		return -1;
	for (i = 0; i < sizeof chans / sizeof chans[0]; i++) {
		/* A seller who lets this marketplace's orders of one buyer share a parcel. */
		route_set_policy(chans[i].name, &merge);
		if (chan_start(&chans[i]) != 0 || pull(&chans[i]) != 0)
			return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	route_reset();
	return sim_stop_db(&sim, db, dbfile);
}

/* The simulator's view of order sn of ch's shop (caller decrefs), NULL when it has none. */
static json_t *
sim_order(struct chan *ch, const char *sn)
{
	return sim_order_of(&sim, ch->code, sn);
}

/* The ok hand-over calls the simulator logged for order sn of ch's shop. */
static int
ships_ok(struct chan *ch, const char *sn)
{
	char path[96];
	json_t *log, *e;
	size_t i;
	int n = 0;

	snprintf(path, sizeof path, "/_sim/log?kind=ship&shop=%s", ch->code);
	log = sim_ctl(&sim, "GET", path, NULL);
	json_array_foreach(json_object_get(log, "log"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "order_sn")), sn) == 0 &&
		    json_is_true(json_object_get(e, "ok")))
			n++;
	}
	json_decref(log);
	return n;
}

static int64_t
count(const char *sql, int64_t id)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, sql, "i", id), 0);
	return n;
}

static const char *
order_no(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s", tu_text(db, "SELECT order_no FROM orders WHERE id = ?", id));
	return buf;
}

/*
 * Two open orders of ch's shop, not merged or packed yet, made one buyer's: the
 * simulator's buyers all differ, so b takes a's phone and address here, as a buyer who
 * ordered twice would have them. 0, or -1 when the shop has too few left.
 */
static int
two_of_one_buyer(struct chan *ch, int64_t *a, int64_t *b)
{
	struct db_stmt *st;
	int64_t ids[2];
	int n = 0;

	st = db_prep(db, "SELECT o.id FROM orders o JOIN shop h ON h.id = o.shop_id WHERE "
	    "h.channel = ? AND o.status IN ('CONFIRMED', 'ALLOCATED') AND NOT EXISTS (SELECT "
	    "1 FROM order_merge m WHERE m.order_id = o.id OR m.parcel_id = o.id) ORDER BY o.id "
	    "LIMIT 2");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, ch->name);
	while (n < 2 && db_step(st) == DB_ROW)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	if (n < 2)
		return -1;
	*a = ids[0];
	*b = ids[1];
	return db_run(db, "UPDATE orders SET (buyer_phone, address, district, province) = "
	    "(SELECT buyer_phone, address, district, province FROM orders WHERE id = ?) "
	    "WHERE id = ?", "ii", *a, *b) == 0 ? 0 : -1;
}

/* Order a opened at the bench, b merged into its parcel, every unit scanned, weighed,
 * confirmed: 0 when both are PACKED. */
static int
pack_merged(int64_t a, int64_t b)
{
	struct pack_config c = tu_station("ST1", wh);
	struct pack_result r;
	struct pack p;
	char no[64], w[32];
	size_t i;
	int guard = 0, ok;

	pack_init(&p, &packer, &c);
	pack_input(&p, order_no(a, no, sizeof no), &r);
	if (r.outcome == PACK_OK)
		pack_input(&p, "CMD:MERGE", &r);
	ok = r.outcome == PACK_OK && p.nmembers == 1 && p.members[0] == b;
	while (ok && r.outcome == PACK_OK && guard++ < 100) {
		for (i = 0; i < p.nlines && p.lines[i].scanned >= p.lines[i].expected; i++)
			;
		if (i == p.nlines)
			break;
		pack_input(&p, p.lines[i].sku, &r);
	}
	if (ok && r.outcome == PACK_OK) {
		snprintf(w, sizeof w, "WEIGHT %" PRId64, pack_expected_g(&p, 0));
		pack_input(&p, w, &r);
	}
	if (ok && r.outcome == PACK_OK)
		pack_input(&p, "CMD:CONFIRM", &r);
	ok = ok && r.outcome == PACK_PACKED;
	if (!ok)
		fprintf(stderr, "pack %s with its merge: %s\n", no, r.message);
	pack_free(&p);
	return ok ? 0 : -1;
}

/* Order id of ch's shop: shipped exactly once at the simulator, the tracking number the
 * platform gave it stored on it, its ship call done and audited once. */
static void
assert_shipped_once(struct chan *ch, int64_t id)
{
	char no[64], ours[64];
	json_t *o;
	const char *theirs;

	order_no(id, no, sizeof no);
	if (ships_ok(ch, no) != ch->calls)
		fprintf(stderr, "%s %s: %d ok ship calls, wanted %d\n", ch->name, no,
		    ships_ok(ch, no), ch->calls);
	CU_ASSERT_EQUAL(ships_ok(ch, no), ch->calls);
	o = sim_order(ch, no);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	theirs = json_string_value(json_object_get(o, "tracking_number"));
	snprintf(ours, sizeof ours, "%s", tu_text(db, "SELECT coalesce(tracking_no, '') FROM "
	    "orders WHERE id = ?", id));
	CU_ASSERT(theirs != NULL && theirs[0] != '\0');
	CU_ASSERT_STRING_EQUAL(ours, theirs != NULL ? theirs : "?");
	json_decref(o);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'ready_to_ship' AND done_at IS NOT NULL", id), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = CAST(? AS TEXT) AND action = 'ship'", id), 1);
}

/*
 * On channel ch: a parcel of two orders packed and drained (the ship answers dropped
 * faults times first: the simulator did the work, the retries find it done).
 */
static void
merged_parcel(struct chan *ch, int faults)
{
	struct outbox_counts n;
	int64_t a = 0, b = 0;
	char no_a[64], no_b[64], tn_a[64], body[200], like[160];
	int64_t rows = -1, fault0 = sim_counter(&sim, "faults");

	CU_ASSERT_EQUAL_FATAL(two_of_one_buyer(ch, &a, &b), 0);
	CU_ASSERT_EQUAL_FATAL(pack_merged(a, b), 0);
	order_no(a, no_a, sizeof no_a);
	order_no(b, no_b, sizeof no_b);
	CU_ASSERT_STRING_EQUAL(tu_text(db, "SELECT status FROM orders WHERE id = ?", b),
	    "PACKED");
	/* Each order of the parcel owes the marketplace its own ship call; the member's
	 * names the parcel it travels in. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'ready_to_ship' AND done_at IS NULL", a), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'ready_to_ship' AND done_at IS NULL", b), 1);
	snprintf(like, sizeof like, "%%\"order_no\":\"%s\"%%\"parcel\":\"%s\"%%", no_b, no_a);
	CU_ASSERT_EQUAL(db_int(db, &rows, "SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "payload LIKE ?", "is", b, like), 0);
	CU_ASSERT_EQUAL(rows, 1);
	if (faults > 0) {
		/* The parcel's order first, then the member's call with its answers lost. */
		CU_ASSERT_EQUAL(drain(ch, 1, &n), 0);
		CU_ASSERT_EQUAL(n.sent, 1);
		snprintf(body, sizeof body, "{\"kind\":\"drop\",\"count\":%d,\"shop\":\"%s\","
		    "\"path\":\"%s\"}", faults, ch->code, ch->ship_path);
		json_decref(sim_ctl(&sim, "POST", "/_sim/fault", body));
		CU_ASSERT_EQUAL(drain(ch, 0, &n), 0);
		CU_ASSERT_EQUAL(n.sent, 1);
		CU_ASSERT_EQUAL(sim_counter(&sim, "faults") - fault0, faults);
	} else {
		CU_ASSERT_EQUAL(drain(ch, 0, &n), 0);
		CU_ASSERT_EQUAL(n.sent, 2);
	}
	CU_ASSERT_EQUAL(n.pending, 0);
	assert_shipped_once(ch, a);
	assert_shipped_once(ch, b);
	/* Each by the number the platform issued it, not the parcel's. */
	snprintf(tn_a, sizeof tn_a, "%s", tu_text(db, "SELECT tracking_no FROM orders WHERE "
	    "id = ?", a));
	CU_ASSERT_STRING_NOT_EQUAL(tu_text(db, "SELECT tracking_no FROM orders WHERE id = ?", b),
	    tn_a);

	/* Nothing due: nothing called again. */
	CU_ASSERT_EQUAL(drain(ch, 0, &n), 0);
	CU_ASSERT_EQUAL(n.sent, 0);
	assert_shipped_once(ch, a);
	assert_shipped_once(ch, b);

	/* The marketplace moved the member on with the parcel's order: the next pull finds
	 * both alike, not the member left behind to be cancelled for shipping late. */
	CU_ASSERT_EQUAL(pull(ch), 0);
	CU_ASSERT_STRING_EQUAL(tu_text(db, "SELECT status FROM orders WHERE id = ?", b),
	    tu_text(db, "SELECT status FROM orders WHERE id = ?", a));
	{
		char st[32];
		json_t *oa = sim_order(ch, no_a), *ob = sim_order(ch, no_b);

		snprintf(st, sizeof st, "%s", json_string_value(json_object_get(oa,
		    "order_status")));
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ob, "order_status")),
		    st);
		json_decref(oa);
		json_decref(ob);
	}
}

static void
test_shopee(void)
{
	merged_parcel(&chans[0], 0);
}

static void
test_lazada(void)
{
	merged_parcel(&chans[1], 0);
}

static void
test_tiktok(void)
{
	merged_parcel(&chans[2], 0);
}

/* The answers of the hand-over calls lost after the platform acted, for both orders. */
static void
test_dropped(void)
{
	size_t i;

	for (i = 0; i < sizeof chans / sizeof chans[0]; i++)
		merged_parcel(&chans[i], 3);
}

/* A member cancelled by a supervisor after the parcel was packed, before the drain:
 * its ship call is void and a cancel is owed instead; the parcel's order still ships. */
static void
test_member_cancelled(void)
{
	struct chan *ch = &chans[0];
	struct outbox_counts n;
	int64_t a = 0, b = 0;
	char no_b[64];

	CU_ASSERT_EQUAL_FATAL(two_of_one_buyer(ch, &a, &b), 0);
	CU_ASSERT_EQUAL_FATAL(pack_merged(a, b), 0);
	order_no(b, no_b, sizeof no_b);
	CU_ASSERT_EQUAL(order_transition(&sup, b, 0, ST_CANCELLED, "buyer asked"), 0);
	CU_ASSERT_EQUAL(drain(ch, 0, &n), 0);
	CU_ASSERT_EQUAL(n.pending, 0);
	assert_shipped_once(ch, a);
	CU_ASSERT_EQUAL(ships_ok(ch, no_b), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'cancel' AND done_at IS NOT NULL", b), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = CAST(? AS TEXT) AND action = 'ship'", b), 0);
}

int
main(int argc, char **argv)
{
	CU_pSuite s;
	int rc;

	if ((rc = sim_main(argc, argv, 3, "test_merge_ship SIMULATOR SKUS", &sim_path,
	    &skus_path)) != 0)
		return rc;
	s = CU_add_suite("merge_ship", suite_init, suite_clean);
	CU_add_test(s, "shopee: each order of a merged parcel shipped once", test_shopee);
	CU_add_test(s, "lazada: each order of a merged parcel shipped once", test_lazada);
	CU_add_test(s, "tiktok: each order of a merged parcel shipped once", test_tiktok);
	CU_add_test(s, "answers lost after the platform acted: still once each", test_dropped);
	CU_add_test(s, "a member cancelled after packing owes a cancel, not a ship",
	    test_member_cancelled);
	return tu_run();
}

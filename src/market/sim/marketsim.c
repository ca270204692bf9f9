/*
 * marketsim.c — packbench-marketsim, the local marketplace simulator (libmicrohttpd) the
 * tests, the demo and the benchmarks use instead of the real platforms. This is its core:
 * the HTTP server and routing, the shops, order generation from a seed, the per-shop
 * rate limit, injected faults, token expiry, the log of ship/stock/cancel calls, signed
 * webhooks and the /_sim control endpoints. Each channel's API (paths, checks, shapes)
 * is a struct sim_channel row in sim_<channel>.c (sim.h).
 *
 * Options (per-shop options apply to the last --shop given; given before any --shop
 * they are the defaults of every shop; with no --shop at all the simulator plays one
 * Shopee shop with them, as it always did: partner 1000001, key "sim-partner-key", shop
 * 2000001, tokens "sim-access-token" / "sim-refresh-token"):
 *   --listen ADDR:PORT   where to listen (default 127.0.0.1:0); the bound port is the
 *                        first line of stdout
 *   --seed S             the seed of every generated order and token (default 1)
 *   --skus FILE          the catalogue, one SKU a line (default: the 8 SKUs below)
 *   --hold-ms MS         how long a timeout fault holds its answer (default 3000)
 *   --gen-rate N         new orders per second per shop (default 0; 0.2 is one every
 *                        5 s), also /_sim/gen
 *   --shop CHANNEL:CODE  a shop (repeatable, up to 16; CHANNEL shopee, lazada, tiktok);
 *                        its credentials not given are derived from CODE: Shopee shop_id
 *                        = CODE when all digits, else 2000000 + hash % 1000000, partner_id
 *                        1000000 + hash % 1000000, partner_key "sim-pk-CODE"; app_key
 *                        "sim-ak-CODE", app_secret "sim-as-CODE", shop_cipher
 *                        "sim-cipher-CODE", seller_id 3000000 + hash % 1000000; tokens
 *                        "sim-at-CODE" / "sim-rt-CODE" (GET /_sim/shops lists them all)
 *   per shop: --orders N (default 100, updated over the last two days), --rate-limit N
 *   (requests/s, 0 none), --token-ttl S (0: tokens expire only on demand), --shop-id,
 *   --partner-id, --partner-key, --app-key, --app-secret, --shop-cipher, --seller-id,
 *   --access-token, --refresh-token.
 *
 * Control endpoints (JSON bodies; "shop" is a shop's CODE, default the first shop; an
 * order_sn is looked up in every shop when no shop is named):
 *   GET  /_sim/counters[?shop=C]  call counters (summed over shops without shop), orders,
 *                                 the shop's current access_token and refresh_token
 *   GET  /_sim/orders[?shop=C]    every order with its status, times, tracking, lines
 *                                 (born_ms: when it was made here, Unix ms)
 *   GET  /_sim/shops              every shop and its credentials
 *   GET  /_sim/stock?shop=C       the stock each SKU was last set to
 *   GET  /_sim/log?kind=ship|stock|cancel[&shop=C]   every such call received, with ok
 *                                 and its time t (s) and t_ms (ms)
 *   GET  /_sim/ships              the ship log as {ships:[{order_sn, ok}]} (older form)
 *   POST /_sim/gen {count, shop?} N new orders now; {rate} orders/s per shop from now
 *   POST /_sim/orders/add {count, shop?}   the same as /_sim/gen {count}
 *   POST /_sim/orders/update {order_sn, order_status?, buyer_name?, sku?, ship_mode?}
 *        change it (sku replaces the first line's SKU; ship_mode is the channel's own
 *        field ext[0]: Shopee dropoff, pickup or non_integrated)
 *   POST /_sim/cancel {order_sn, reason?}  the buyer cancels: the channel's cancelled
 *                                 status, update_time now, pushed
 *   POST /_sim/fault {kind, count, shop?, path?, hold_ms?, lag?}: the next count API
 *        answers (of that shop, of paths containing path) get kind: 500, truncated, drop,
 *        timeout (held hold_ms, then answered), none; duplicate_page (the next count list
 *        pages after the first repeat ids of the page before); late_update (count orders
 *        changed now with update_time lag s ago, default 60: inside a window already
 *        pulled; answers their order_sn_list)
 *   POST /_sim/expire-tokens {shop?}  current access tokens (every shop when none named)
 *                                 answer the channel's auth error until refreshed
 *   POST /_sim/token {access_token?, expire?}  replace or expire a shop's token (older)
 *   POST /_sim/rate-limit {rate, shop?}  change the rate limit (every shop when none)
 *   POST /_sim/webhook {url, shop?}  push every order status change of the shop (every
 *        shop when none) to url, signed with the channel's ops->push_sign; "" stops
 *   POST /_sim/push {order_sn, lost?, bad_sign?}  push one order now; lost: file it as a
 *        push the target missed instead (Shopee's lost push messages); bad_sign: sign
 *        with a wrong key. Deliveries are counted: push_sent, push_ok, push_failed (a
 *        failed delivery is filed as lost).
 *   POST /_sim/clock {offset}     the simulator's clock runs offset s from the machine's
 *        (0 when not given); {at}: it stops at Unix second at until the next /_sim/clock,
 *        so that tests know the update time a change gets
 *   POST /_sim/returns/add {order_sn, shop?, status?, reason?, tracking?, type?,
 *        logistics?, qty?:[units per order line]}  the buyer asks to return the order
 *        (every unit when qty is not given); it starts in the channel's first return
 *        status (st_return_new) unless status says otherwise; answers the return
 *   POST /_sim/returns/update {return_id, shop?, status?, reason?, tracking?, logistics?}
 *        change it, update_time now (never backwards)
 *   GET  /_sim/returns[?shop=C]   every return
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "market/ops.h"
#include "sim.h"

#define MAX_BODY (256 * 1024)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The channels this build has; rows of files not built are NULL (weak). */
extern const struct sim_channel sim_lazada __attribute__((weak));
extern const struct sim_channel sim_tiktok __attribute__((weak));

static const struct sim_channel *channels[3];
static size_t nchannels;

/* The SKUs when no --skus file is given; tests/fixtures/market/sim_skus.txt holds the same. */
static const char *const default_skus[] = {
	"TSHIRT-BLK-M", "TSHIRT-WHT-L", "MUG-CER-350", "CASE-IP15-CLR", "BOTTLE-STL-750",
	"TOWEL-CTN-70", "SOCKS-PK3-39", "CABLE-USBC-1M", NULL,
};

static const char *const family[] = {
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
	"Đỗ",
};
static const char *const middle[] = { "Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Đức" };
static const char *const given[] = {
	"An", "Bình", "Châu", "Dũng", "Hà", "Hương", "Lan", "Long", "Mai", "Nam", "Phương",
	"Quân", "Thảo", "Trang", "Tuấn", "Vy", "Khoa", "Linh",
};

const struct sim_place sim_places[] = {
	{ "TP. Hồ Chí Minh", "Quận 1", "Phường Bến Nghé", "Lê Lợi" },
	{ "TP. Hồ Chí Minh", "Quận 7", "Phường Tân Phong", "Nguyễn Văn Linh" },
	{ "TP. Hồ Chí Minh", "TP. Thủ Đức", "Phường Linh Trung", "Võ Văn Ngân" },
	{ "Hà Nội", "Quận Ba Đình", "Phường Kim Mã", "Đội Cấn" },
	{ "Hà Nội", "Quận Cầu Giấy", "Phường Dịch Vọng", "Xuân Thủy" },
	{ "Đà Nẵng", "Quận Hải Châu", "Phường Thạch Thang", "Bạch Đằng" },
	{ "Cần Thơ", "Quận Ninh Kiều", "Phường An Hòa", "Mậu Thân" },
	{ "Bình Dương", "TP. Thủ Dầu Một", "Phường Phú Cường", "Yersin" },
};
const size_t sim_nplaces = NELEM(sim_places);

struct sim_store sim = { .lock = PTHREAD_MUTEX_INITIALIZER, .hold_ms = 3000,
	.fault_shop = -1 };

/* Per connection: the request body collected so far. */
struct conn {
	char *body;
	size_t len;
	int too_big;
};

/* ------------------------------------------------------------------ the store */

void *
sim_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "packbench-marketsim: out of memory\n");
		abort();
	}
	return p;
}

static void *
grow(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		fprintf(stderr, "packbench-marketsim: out of memory\n");
		abort();
	}
	return q;
}

int64_t
sim_now(void)
{
	return sim.clock_at != 0 ? sim.clock_at : (int64_t)time(NULL) + sim.clock_offset;
}

/* sim_now() in milliseconds, for the load test's latencies. */
static int64_t
sim_now_ms(void)
{
	struct timespec ts;

	if (sim.clock_at != 0)
		return sim.clock_at * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + sim.clock_offset) * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
sim_rnd(void)
{
	sim.rng ^= sim.rng >> 12;
	sim.rng ^= sim.rng << 25;
	sim.rng ^= sim.rng >> 27;
	return sim.rng * 2685821657736338717ULL;
}

size_t
sim_pick(size_t n)
{
	return (size_t)(sim_rnd() % n);
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sim_counter *
counter_slot(struct sim_counter *v, int *n, const char *name, int add)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	}
	if (!add || *n == SIM_MAX_COUNTERS)
		return NULL;
	snprintf(v[*n].name, sizeof v[*n].name, "%s", name);
	v[*n].v = 0;
	return &v[(*n)++];
}

void
sim_count(struct sim_shop *sh, const char *name)
{
	struct sim_counter *c = sh != NULL ? counter_slot(sh->counters, &sh->ncounters, name, 1) :
	    counter_slot(sim.counters, &sim.ncounters, name, 1);

	if (c != NULL)
		c->v++;
}

int64_t
sim_counter_get(const struct sim_shop *sh, const char *name)
{
	struct sim_counter *c;
	int64_t v = 0;
	int i;

	if (sh != NULL) {
		c = counter_slot((struct sim_counter *)sh->counters, (int *)&sh->ncounters, name, 0);
		return c != NULL ? c->v : 0;
	}
	for (i = 0; i < sim.nshops; i++)
		v += sim_counter_get(&sim.shops[i], name);
	c = counter_slot(sim.counters, &sim.ncounters, name, 0);
	return v + (c != NULL ? c->v : 0);
}

struct sim_shop *
sim_shop_find(const struct sim_channel *ch, const char *code)
{
	int i;

	for (i = 0; code != NULL && i < sim.nshops; i++) {
		if ((ch == NULL || sim.shops[i].ch == ch) && strcmp(sim.shops[i].code, code) == 0)
			return &sim.shops[i];
	}
	return NULL;
}

struct sim_shop *
sim_shop_by(const struct sim_channel *ch, const char *field, const char *v)
{
	int i;

	for (i = 0; v != NULL && i < sim.nshops; i++) {
		struct sim_shop *sh = &sim.shops[i];
		const char *have = strcmp(field, "access_token") == 0 ? sh->access_token :
		    strcmp(field, "refresh_token") == 0 ? sh->refresh_token :
		    strcmp(field, "shop_cipher") == 0 ? sh->shop_cipher : sh->app_key;

		if (sh->ch == ch && strcmp(have, v) == 0)
			return sh;
	}
	return NULL;
}

void
sim_shop_creds(const struct sim_shop *sh, struct market_creds *c)
{
	memset(c, 0, sizeof *c);
	c->partner_id = sh->partner_id;
	c->shop_id = sh->shop_id;
	c->partner_key = sh->partner_key;
	c->app_key = sh->app_key;
	c->app_secret = sh->app_secret;
	c->shop_cipher = sh->shop_cipher;
	c->access_token = sh->access_token;
	c->refresh_token = sh->refresh_token;
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Fill what was not given from the code (see the top of this file). */
static void
shop_derive(struct sim_shop *sh)
{
	uint32_t h = fnv1a(sh->code);
	const char *p;
	int digits = sh->code[0] != '\0';

	for (p = sh->code; *p != '\0'; p++)
		digits = digits && *p >= '0' && *p <= '9';
	if (sh->shop_id == 0)
		sh->shop_id = digits && strlen(sh->code) < 16 ? strtoll(sh->code, NULL, 10) :
		    2000000 + (int64_t)(h % 1000000);
	if (sh->partner_id == 0)
		sh->partner_id = 1000000 + (int64_t)(h % 1000000);
	if (sh->partner_key[0] == '\0')
		snprintf(sh->partner_key, sizeof sh->partner_key, "sim-pk-%s", sh->code);
	if (sh->app_key[0] == '\0')
		snprintf(sh->app_key, sizeof sh->app_key, "sim-ak-%.50s", sh->code);
	if (sh->app_secret[0] == '\0')
		snprintf(sh->app_secret, sizeof sh->app_secret, "sim-as-%s", sh->code);
	if (sh->shop_cipher[0] == '\0')
		snprintf(sh->shop_cipher, sizeof sh->shop_cipher, "sim-cipher-%.40s", sh->code);
	if (sh->seller_id[0] == '\0')
		snprintf(sh->seller_id, sizeof sh->seller_id, "%" PRIu32, 3000000 + h % 1000000);
	if (sh->access_token[0] == '\0')
		snprintf(sh->access_token, sizeof sh->access_token, "sim-at-%s", sh->code);
	if (sh->refresh_token[0] == '\0')
		snprintf(sh->refresh_token, sizeof sh->refresh_token, "sim-rt-%s", sh->code);
	if (sh->ch->init_shop != NULL)
		sh->ch->init_shop(sh);
}

/* ------------------------------------------------------------------ orders */

/* Put order i of sh into the index (grown to keep it at most half full). */
static void
index_add(struct sim_shop *sh, size_t i)
{
	size_t h, k;

	if (2 * (sh->norders + 1) > sh->hcap) {
		free(sh->hslot);
		sh->hcap = sh->hcap ? sh->hcap * 2 : 256;
		while (2 * (sh->norders + 1) > sh->hcap)
			sh->hcap *= 2;
		sh->hslot = sim_alloc(sh->hcap * sizeof *sh->hslot);
		for (k = 0; k < sh->norders; k++) {
			if (k == i)
				continue;
			for (h = fnv1a(sh->orders[k].sn) & (sh->hcap - 1); sh->hslot[h] != 0;
			    h = (h + 1) & (sh->hcap - 1))
				;
			sh->hslot[h] = k + 1;
		}
	}
	for (h = fnv1a(sh->orders[i].sn) & (sh->hcap - 1); sh->hslot[h] != 0;
	    h = (h + 1) & (sh->hcap - 1))
		;
	sh->hslot[h] = i + 1;
}

struct sim_order *
sim_order_new(struct sim_shop *sh, int64_t t)
{
	struct sim_order *o;
	struct tm tm;
	time_t tt;
	int i;

	if (sh->norders == sh->cap) {
		sh->cap = sh->cap ? sh->cap * 2 : 64;
		sh->orders = grow(sh->orders, sh->cap * sizeof *sh->orders);
	}
	o = &sh->orders[sh->norders++];
	memset(o, 0, sizeof *o);
	o->seq = ++sh->seq;
	snprintf(o->status, sizeof o->status, "%s",
	    sim_pick(5) == 0 ? sh->ch->st_unpaid : sh->ch->st_ready);
	snprintf(o->name, sizeof o->name, "%s %s %s", family[sim_pick(NELEM(family))],
	    middle[sim_pick(NELEM(middle))], given[sim_pick(NELEM(given))]);
	snprintf(o->phone, sizeof o->phone, "849%08u", (unsigned)(sim_rnd() % 100000000u));
	o->place = (int)sim_pick(sim_nplaces);
	snprintf(o->address, sizeof o->address, "%u %s, %s, %s, %s",
	    (unsigned)(1 + sim_pick(300)), sim_places[o->place].street,
	    sim_places[o->place].ward, sim_places[o->place].district,
	    sim_places[o->place].province);
	o->cod = sim_pick(2) == 0;
	o->update_time = t;
	o->born_ms = sim_now_ms();
	o->create_time = t - (int64_t)sim_pick(3600);
	o->ship_by = o->create_time + 2 * 86400;
	o->nlines = 1 + (int)sim_pick(3);
	for (i = 0; i < o->nlines; i++) {
		o->lines[i].sku = (int)sim_pick(sim.nskus);
		o->lines[i].qty = 1 + (int64_t)sim_pick(3);
		o->lines[i].price = sim.prices[o->lines[i].sku];
	}
	if (sh->ch->order_no != NULL) {
		sh->ch->order_no(sh, o);
	} else {
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		/* The shop's index leads the sequence, so no two shops share a number. */
		snprintf(o->sn, sizeof o->sn, "%02d%02d%02d%04X%06" PRId64, tm.tm_year % 100,
		    tm.tm_mon + 1, tm.tm_mday, (unsigned)(sim_rnd() & 0xffff),
		    (int64_t)sh->idx * 1000000 + o->seq);
	}
	index_add(sh, sh->norders - 1);
	return o;
}

struct sim_order *
sim_order_find(struct sim_shop *sh, const char *sn)
{
	size_t h;

	if (sn == NULL || sh->hcap == 0)
		return NULL;
	for (h = fnv1a(sn) & (sh->hcap - 1); sh->hslot[h] != 0; h = (h + 1) & (sh->hcap - 1)) {
		if (strcmp(sh->orders[sh->hslot[h] - 1].sn, sn) == 0)
			return &sh->orders[sh->hslot[h] - 1];
	}
	return NULL;
}

struct sim_return *
sim_return_find(struct sim_shop *sh, const char *id)
{
	size_t i;

	for (i = 0; sh != NULL && id != NULL && i < sh->nreturns; i++) {
		if (strcmp(sh->returns[i].id, id) == 0)
			return &sh->returns[i];
	}
	return NULL;
}

static int
cmp_return(const void *a, const void *b)
{
	const struct sim_return *x = *(const struct sim_return *const *)a;
	const struct sim_return *y = *(const struct sim_return *const *)b;

	if (x->update_time != y->update_time)
		return x->update_time < y->update_time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct sim_return **
sim_returns_in(struct sim_shop *sh, int64_t from, int64_t to, size_t *n)
{
	struct sim_return **v = sim_alloc((sh->nreturns + 1) * sizeof *v);
	size_t i;

	*n = 0;
	for (i = 0; i < sh->nreturns; i++) {
		if (sh->returns[i].update_time >= from && sh->returns[i].update_time < to)
			v[(*n)++] = &sh->returns[i];
	}
	qsort(v, *n, sizeof *v, cmp_return);
	return v;
}

const char *
sim_line_sku(const struct sim_order *o, int i)
{
	return i == 0 && o->odd_sku[0] ? o->odd_sku : sim.skus[o->lines[i].sku];
}

int64_t
sim_order_total(const struct sim_order *o)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < o->nlines; i++)
		t += o->lines[i].qty * o->lines[i].price;
	return t;
}

static void push_order(struct sim_shop *sh, const struct sim_order *o, int lost,
    int bad_sign);

void
sim_order_touch(struct sim_shop *sh, struct sim_order *o)
{
	int64_t now = sim_now();

	if (now > o->update_time)
		o->update_time = now;
	if (sh->webhook_url[0] != '\0')
		push_order(sh, o, 0, 0);
}

void
sim_order_status(struct sim_shop *sh, struct sim_order *o, const char *status)
{
	snprintf(o->status, sizeof o->status, "%s", status);
	sim_order_touch(sh, o);
}

/* ------------------------------------------------------------------ tokens, faults, log */

int
sim_token_check(struct sim_shop *sh, const char *token)
{
	if (token == NULL || strcmp(token, sh->access_token) != 0 || sh->token_expired ||
	    (sh->token_ttl > 0 && sim_now() >= sh->token_issued + sh->token_ttl)) {
		sim_count(sh, "error_auth");
		return -1;
	}
	return 0;
}

void
sim_token_rotate(struct sim_shop *sh)
{
	sh->refreshes++;
	snprintf(sh->access_token, sizeof sh->access_token, "sim-at-%d-%08x", sh->refreshes,
	    (unsigned)(sim_rnd() & 0xffffffffu));
	snprintf(sh->refresh_token, sizeof sh->refresh_token, "sim-rt-%d-%08x", sh->refreshes,
	    (unsigned)(sim_rnd() & 0xffffffffu));
	sh->token_issued = sim_now();
	sh->token_expired = 0;
	sim_count(sh, "refreshes");
}

int
sim_take_fault(struct sim_shop *sh, enum sim_fault f)
{
	if (f != SIM_FAULT_DUP_PAGE || sh == NULL || sh->dup_pages <= 0)
		return 0;
	sh->dup_pages--;
	sim_count(sh, "faults");
	return 1;
}

void
sim_log_add(struct sim_shop *sh, struct sim_logent *e)
{
	if (sim.nlog == sim.caplog) {
		sim.caplog = sim.caplog ? sim.caplog * 2 : 256;
		sim.log = grow(sim.log, sim.caplog * sizeof *sim.log);
	}
	e->t = sim_now();
	e->t_ms = sim_now_ms();
	e->shop = sh != NULL ? sh->idx : -1;
	sim.log[sim.nlog++] = *e;
}

void
sim_log_order(struct sim_shop *sh, const char *kind, const char *sn, int ok,
    const char *detail)
{
	struct sim_logent e = { 0 };

	snprintf(e.kind, sizeof e.kind, "%s", kind);
	snprintf(e.order_sn, sizeof e.order_sn, "%s", sn != NULL ? sn : "");
	snprintf(e.detail, sizeof e.detail, "%s", detail);
	e.ok = ok;
	sim_log_add(sh, &e);
}

void
sim_log_stock(struct sim_shop *sh, const char *item, const char *model, int sku,
    int64_t stock, int ok, const char *detail)
{
	struct sim_logent e = { 0 };

	snprintf(e.kind, sizeof e.kind, "stock");
	snprintf(e.item_id, sizeof e.item_id, "%s", item);
	snprintf(e.model_id, sizeof e.model_id, "%s", model);
	snprintf(e.sku, sizeof e.sku, "%s", sku >= 0 ? sim.skus[sku] : "");
	snprintf(e.detail, sizeof e.detail, "%s", detail);
	e.stock = stock;
	e.ok = ok;
	sim_log_add(sh, &e);
}

int
sim_call_find(const struct sim_call *calls, size_t n, const char *method, const char *url)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(calls[i].path, url) == 0 && strcmp(calls[i].method, method) == 0)
			return (int)i;
	}
	return -1;
}

int
sim_cmp_update(const void *a, const void *b)
{
	const struct sim_order *x = *(const struct sim_order *const *)a;
	const struct sim_order *y = *(const struct sim_order *const *)b;

	if (x->update_time != y->update_time)
		return x->update_time < y->update_time ? -1 : 1;
	return strcmp(x->sn, y->sn);
}

int
sim_cmp_create(const void *a, const void *b)
{
	const struct sim_order *x = *(const struct sim_order *const *)a;
	const struct sim_order *y = *(const struct sim_order *const *)b;

	if (x->create_time != y->create_time)
		return x->create_time < y->create_time ? -1 : 1;
	return strcmp(x->sn, y->sn);
}

struct sim_order *
sim_order_by_seq(struct sim_shop *sh, const char *sn, int64_t base, int64_t span)
{
	int64_t v, seq;

	if (sh != NULL && sim_int(sn, &v) == 0 && v > base) {
		seq = (v - base) % span;
		if (seq >= 1 && (size_t)seq <= sh->norders &&
		    strcmp(sh->orders[seq - 1].sn, sn) == 0)
			return &sh->orders[seq - 1];
	}
	return sh != NULL ? sim_order_find(sh, sn) : NULL;
}

/* ------------------------------------------------------------------ answers */

const char *
sim_arg(const struct sim_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

int
sim_int(const char *v, int64_t *out)
{
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return -1;
	n = strtoll(v, &end, 10);
	if (*end != '\0')
		return -1;
	*out = (int64_t)n;
	return 0;
}

json_t *
sim_body_json(const struct sim_req *rq)
{
	json_t *j = rq->body != NULL ? json_loadb(rq->body, rq->len, 0, NULL) : NULL;

	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

void
sim_request_id(char out[33])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, 33, b, sizeof b);
}

static enum MHD_Result
send_text_hdr(struct MHD_Connection *c, unsigned status, const char *text, size_t len,
    const char *ctype, const char *hname, const char *hvalue)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	if (hname != NULL)
		MHD_add_response_header(r, hname, hvalue);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
sim_send_text(struct MHD_Connection *c, unsigned status, const char *text, size_t len,
    const char *ctype)
{
	return send_text_hdr(c, status, text, len, ctype, NULL, NULL);
}

static enum MHD_Result
send_json_hdr(struct MHD_Connection *c, enum sim_fault f, unsigned status, json_t *root,
    const char *hname, const char *hvalue)
{
	static const char page500[] = "<html><body>500 Internal Server Error</body></html>";
	enum MHD_Result ret;
	char *text;
	size_t len;

	if (f == SIM_FAULT_DROP) {
		json_decref(root);
		return MHD_NO;
	}
	if (f == SIM_FAULT_500) {
		json_decref(root);
		return sim_send_text(c, 500, page500, sizeof page500 - 1, "text/html");
	}
	text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (text == NULL)
		return MHD_NO;
	len = strlen(text);
	if (f == SIM_FAULT_TRUNCATED)
		len /= 2;               /* a whole response whose JSON stops half-way */
	ret = send_text_hdr(c, status, text, len, "application/json", hname, hvalue);
	free(text);
	return ret;
}

enum MHD_Result
sim_send_json(struct sim_req *rq, unsigned status, json_t *root)
{
	return send_json_hdr(rq->conn, rq->fault, status, root, NULL, NULL);
}

static const char *const err_names[] = {
	[SIM_ERR_PARAM] = "error_param", [SIM_ERR_SIGN] = "error_sign",
	[SIM_ERR_AUTH] = "error_auth", [SIM_ERR_RATE] = "error_rate",
	[SIM_ERR_SERVER] = "error_server", [SIM_ERR_NOT_FOUND] = "error_not_found",
};

/* A channel-less error (unknown path, control errors): Shopee's envelope shape. */
static json_t *
plain_error(const char *code, const char *msg)
{
	char rid[33];

	sim_request_id(rid);
	return json_pack("{s:s, s:s, s:s}", "request_id", rid, "error", code, "message", msg);
}

enum MHD_Result
sim_send_error(struct sim_req *rq, enum sim_err kind, const char *code, const char *msg)
{
	unsigned http = 400;
	json_t *body;

	/* error_auth is counted by sim_token_check. */
	if (kind != SIM_ERR_AUTH)
		sim_count(rq->shop, err_names[kind]);
	if (rq->ch != NULL && rq->ch->error != NULL) {
		body = rq->ch->error(kind, code, msg, &http);
	} else {
		body = plain_error(code != NULL ? code : err_names[kind], msg);
		http = kind == SIM_ERR_NOT_FOUND ? 404 : kind == SIM_ERR_RATE ? 429 : 400;
	}
	if (kind == SIM_ERR_RATE && http == 429)
		return send_json_hdr(rq->conn, rq->fault, http, body, "Retry-After", "1");
	return send_json_hdr(rq->conn, rq->fault, http, body, NULL, NULL);
}

/* ------------------------------------------------------------------ webhooks */

struct push {
	struct push *next;
	int shop;
	char url[256];
	char sig[65];
	char order_sn[48];
	char *body;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct push *head, *tail;
	int stop;
	pthread_t thread;
	int started;
} pq = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* One numbering of lost pushes over every shop: a partner sees all its shops' at once. */
static int64_t lost_seq;

/* File body as a push the target missed (sim.lock held). */
static void
lost_add(struct sim_shop *sh, const char *body)
{
	if (sh->nlost == sh->caplost) {
		sh->caplost = sh->caplost ? sh->caplost * 2 : 16;
		sh->lost = grow(sh->lost, sh->caplost * sizeof *sh->lost);
	}
	sh->lost[sh->nlost].id = ++lost_seq;
	sh->lost_seq = lost_seq;
	sh->lost[sh->nlost].t = sim_now();
	sh->lost[sh->nlost].body = strdup(body);
	if (sh->lost[sh->nlost].body == NULL)
		abort();
	sh->nlost++;
	sim_count(sh, "push_lost");
}

/* Queue a push of o to the shop's target, or file it as lost (sim.lock held). */
static void
push_order(struct sim_shop *sh, const struct sim_order *o, int lost, int bad_sign)
{
	const struct market_ops *ops = ops_find(sh->ch->name);
	struct market_creds c;
	struct push *p;
	char *body;

	if (sh->ch->push_body == NULL ||
	    (body = sh->ch->push_body(sh, o, sim_now())) == NULL)
		return;
	if (lost) {
		lost_add(sh, body);
		free(body);
		return;
	}
	if (ops == NULL || ops->push_sign == NULL || sh->webhook_url[0] == '\0') {
		free(body);
		return;
	}
	p = sim_alloc(sizeof *p);
	p->shop = sh->idx;
	p->body = body;
	snprintf(p->url, sizeof p->url, "%s", sh->webhook_url);
	snprintf(p->order_sn, sizeof p->order_sn, "%s", o->sn);
	sim_shop_creds(sh, &c);
	if (bad_sign) {
		c.partner_key = "not-the-key";
		c.app_secret = "not-the-secret";
	}
	ops->push_sign(&c, p->url, body, strlen(body), p->sig);
	sim_count(sh, "push_sent");
	pthread_mutex_lock(&pq.lock);
	if (pq.tail != NULL)
		pq.tail->next = p;
	else
		pq.head = p;
	pq.tail = p;
	pthread_cond_signal(&pq.cond);
	pthread_mutex_unlock(&pq.lock);
}

static size_t
discard(char *ptr, size_t size, size_t n, void *ctx)
{
	(void)ptr;
	(void)ctx;
	return size * n;
}

/* POST one push; 1 when the target answered 2xx. */
static int
deliver(CURL *curl, const struct push *p)
{
	struct curl_slist *h = NULL;
	char auth[96];
	long http = 0;
	CURLcode rc;

	snprintf(auth, sizeof auth, "Authorization: %s", p->sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, auth);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, p->url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(p->body));
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
	curl_slist_free_all(h);
	return rc == CURLE_OK && http >= 200 && http < 300;
}

static void *
push_thread(void *arg)
{
	CURL *curl = curl_easy_init();

	(void)arg;
	for (;;) {
		struct push *p;
		int ok;

		pthread_mutex_lock(&pq.lock);
		while (pq.head == NULL && !pq.stop)
			pthread_cond_wait(&pq.cond, &pq.lock);
		if (pq.head == NULL) {
			pthread_mutex_unlock(&pq.lock);
			break;
		}
		p = pq.head;
		pq.head = p->next;
		if (pq.head == NULL)
			pq.tail = NULL;
		pthread_mutex_unlock(&pq.lock);
		ok = curl != NULL && deliver(curl, p);
		pthread_mutex_lock(&sim.lock);
		sim_count(&sim.shops[p->shop], ok ? "push_ok" : "push_failed");
		if (!ok)
			lost_add(&sim.shops[p->shop], p->body);
		pthread_mutex_unlock(&sim.lock);
		free(p->body);
		free(p);
	}
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return NULL;
}

/* ------------------------------------------------------------------ control */

static json_t *
counters_json(const struct sim_shop *sh)
{
	const struct sim_shop *first = sh != NULL ? sh : sim.nshops > 0 ? &sim.shops[0] : NULL;
	json_t *out = json_object();
	int64_t norders = 0;
	int i, j;

	/* Every name any shop has, then the known ones that are still zero. */
	static const char *const known[] = { "calls", "list", "detail", "refresh", "control",
		"faults", "error_sign", "error_auth", "error_param", "error_rate", "ship",
		"ship_ok", "ship_refused", "tracking", "stock", "cancel", "push_sent", "push_ok",
		"push_failed", "rate_limited", NULL };

	for (i = 0; known[i] != NULL; i++)
		json_object_set_new(out, known[i], json_integer(sim_counter_get(sh, known[i])));
	for (i = -1; i < sim.nshops; i++) {
		const struct sim_counter *v = i < 0 ? sim.counters : sim.shops[i].counters;
		int n = i < 0 ? sim.ncounters : sim.shops[i].ncounters;

		if (sh != NULL && (i < 0 || &sim.shops[i] != sh))
			continue;
		for (j = 0; j < n; j++)
			json_object_set_new(out, v[j].name, json_integer(sim_counter_get(sh,
			    v[j].name)));
	}
	for (i = 0; i < sim.nshops; i++) {
		if (sh == NULL || &sim.shops[i] == sh)
			norders += (int64_t)sim.shops[i].norders;
	}
	json_object_set_new(out, "orders", json_integer(norders));
	if (first != NULL) {
		json_object_set_new(out, "access_token", json_string(first->access_token));
		json_object_set_new(out, "refresh_token", json_string(first->refresh_token));
	}
	return out;
}

static json_t *
order_summary(const struct sim_shop *sh, const struct sim_order *o)
{
	json_t *lines = json_array();
	int i;

	for (i = 0; i < o->nlines; i++)
		json_array_append_new(lines, json_pack("{s:s, s:I, s:I}", "sku", sim_line_sku(o, i),
		    "qty", (json_int_t)o->lines[i].qty, "price", (json_int_t)o->lines[i].price));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:I, s:b, s:o}",
	    "order_sn", o->sn, "shop", sh->code, "channel", sh->ch->name,
	    "order_status", o->status, "buyer_name", o->name,
	    "update_time", (json_int_t)o->update_time, "create_time", (json_int_t)o->create_time,
	    "born_ms", (json_int_t)o->born_ms,
	    "tracking_number", o->tracking, "cancel_reason", o->cancel_reason,
	    "total", (json_int_t)sim_order_total(o), "cod", o->cod, "lines", lines);
}

static json_t *
return_summary(const struct sim_shop *sh, const struct sim_return *r)
{
	json_t *qty = json_array();
	int i;

	for (i = 0; i < SIM_MAX_LINES; i++)
		json_array_append_new(qty, json_integer(r->qty[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
	    "return_id", r->id, "shop", sh->code, "order_sn", r->order_sn, "status", r->status,
	    "logistics", r->logistics, "type", r->type, "reason", r->reason,
	    "tracking", r->tracking, "create_time", (json_int_t)r->create_time,
	    "update_time", (json_int_t)r->update_time, "qty", qty);
}

/* Copy the string member key of body into dst when it is there. */
static void
take_str(const json_t *body, const char *key, char *dst, size_t len)
{
	const char *v = json_string_value(json_object_get(body, key));

	if (v != NULL)
		snprintf(dst, len, "%s", v);
}

static json_t *
logent_json(const struct sim_logent *e)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:s}",
	    "kind", e->kind, "shop", e->shop >= 0 ? sim.shops[e->shop].code : "",
	    "channel", e->shop >= 0 ? sim.shops[e->shop].ch->name : "", "ok", e->ok,
	    "t", (json_int_t)e->t, "t_ms", (json_int_t)e->t_ms, "order_sn", e->order_sn,
	    "sku", e->sku, "item_id", e->item_id, "model_id", e->model_id,
	    "stock", (json_int_t)e->stock, "detail", e->detail);
}

static json_t *
shop_json(const struct sim_shop *sh)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, "
	    "s:I, s:I}",
	    "code", sh->code, "channel", sh->ch->name, "partner_id", (json_int_t)sh->partner_id,
	    "shop_id", (json_int_t)sh->shop_id, "partner_key", sh->partner_key,
	    "app_key", sh->app_key, "app_secret", sh->app_secret, "shop_cipher", sh->shop_cipher,
	    "seller_id", sh->seller_id, "access_token", sh->access_token,
	    "refresh_token", sh->refresh_token, "rate_limit", sh->rate,
	    "webhook", sh->webhook_url, "orders", (json_int_t)sh->norders,
	    "lost_push", (json_int_t)sh->nlost);
}

/* The shop a control call names: ?shop= or body "shop"; the first shop when none. */
static struct sim_shop *
ctl_shop(const char *code, int *bad)
{
	*bad = 0;
	if (code == NULL || code[0] == '\0')
		return sim.nshops > 0 ? &sim.shops[0] : NULL;
	if (sim_shop_find(NULL, code) == NULL)
		*bad = 1;
	return sim_shop_find(NULL, code);
}

/* The order sn in shop sh, or (no shop named) in any shop. */
static struct sim_order *
ctl_order(const char *code, const char *sn, struct sim_shop **shp)
{
	int i, bad;

	*shp = NULL;
	if (code != NULL && code[0] != '\0') {
		*shp = ctl_shop(code, &bad);
		return *shp != NULL ? sim_order_find(*shp, sn) : NULL;
	}
	for (i = 0; i < sim.nshops; i++) {
		struct sim_order *o = sim_order_find(&sim.shops[i], sn);

		if (o != NULL) {
			*shp = &sim.shops[i];
			return o;
		}
	}
	return NULL;
}

static enum MHD_Result
ctl_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return send_json_hdr(c, SIM_FAULT_NONE, status, plain_error("error_param", msg), NULL,
	    NULL);
}

static enum MHD_Result
ctl_ok(struct MHD_Connection *c, json_t *root)
{
	return send_json_hdr(c, SIM_FAULT_NONE, 200, root, NULL, NULL);
}

/* /_sim/returns/add for order o of sh. */
static enum MHD_Result
ctl_return_add(struct MHD_Connection *c, struct sim_shop *sh, const struct sim_order *o,
    const json_t *body)
{
	const json_t *qty = json_object_get(body, "qty");
	struct sim_return *r;
	int i;

	if (qty != NULL && (!json_is_array(qty) || json_array_size(qty) > (size_t)o->nlines))
		return ctl_error(c, 400, "qty is a list of units per order line");
	if (sh->nreturns == sh->capreturns) {
		sh->capreturns = sh->capreturns ? sh->capreturns * 2 : 16;
		sh->returns = grow(sh->returns, sh->capreturns * sizeof *sh->returns);
	}
	r = &sh->returns[sh->nreturns++];
	memset(r, 0, sizeof *r);
	r->seq = (int64_t)sh->nreturns;
	snprintf(r->id, sizeof r->id, "%d%08" PRId64, 70 + sh->idx, r->seq);
	snprintf(r->order_sn, sizeof r->order_sn, "%s", o->sn);
	snprintf(r->status, sizeof r->status, "%s", sh->ch->st_return_new != NULL ?
	    sh->ch->st_return_new : "REQUESTED");
	snprintf(r->reason, sizeof r->reason, "%s", "Hàng không đúng mô tả");
	take_str(body, "status", r->status, sizeof r->status);
	take_str(body, "reason", r->reason, sizeof r->reason);
	take_str(body, "tracking", r->tracking, sizeof r->tracking);
	take_str(body, "type", r->type, sizeof r->type);
	take_str(body, "logistics", r->logistics, sizeof r->logistics);
	for (i = 0; i < o->nlines; i++)
		r->qty[i] = qty != NULL ? json_integer_value(json_array_get(qty, (size_t)i)) :
		    o->lines[i].qty;
	r->create_time = r->update_time = sim_now();
	sim_count(sh, "returns_made");
	return ctl_ok(c, return_summary(sh, r));
}

static enum MHD_Result
ctl_get(struct MHD_Connection *c, const char *url)
{
	const char *code = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "shop");
	const char *kind = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind");
	struct sim_shop *sh;
	json_t *out;
	size_t i;
	int s, bad;

	sh = ctl_shop(code, &bad);
	if (bad)
		return ctl_error(c, 404, "no such shop");
	if (code == NULL || code[0] == '\0')
		sh = NULL;              /* every shop */
	out = json_array();
	if (strcmp(url, "/_sim/counters") == 0) {
		json_decref(out);
		return ctl_ok(c, counters_json(sh));
	} else if (strcmp(url, "/_sim/orders") == 0) {
		for (s = 0; s < sim.nshops; s++) {
			if (sh != NULL && sh != &sim.shops[s])
				continue;
			for (i = 0; i < sim.shops[s].norders; i++)
				json_array_append_new(out, order_summary(&sim.shops[s],
				    &sim.shops[s].orders[i]));
		}
		return ctl_ok(c, json_pack("{s:o}", "orders", out));
	} else if (strcmp(url, "/_sim/returns") == 0) {
		for (s = 0; s < sim.nshops; s++) {
			if (sh != NULL && sh != &sim.shops[s])
				continue;
			for (i = 0; i < sim.shops[s].nreturns; i++)
				json_array_append_new(out, return_summary(&sim.shops[s],
				    &sim.shops[s].returns[i]));
		}
		return ctl_ok(c, json_pack("{s:o}", "returns", out));
	} else if (strcmp(url, "/_sim/shops") == 0) {
		for (s = 0; s < sim.nshops; s++)
			json_array_append_new(out, shop_json(&sim.shops[s]));
		return ctl_ok(c, json_pack("{s:o}", "shops", out));
	} else if (strcmp(url, "/_sim/stock") == 0) {
		if (sh == NULL)
			sh = &sim.shops[0];
		for (i = 0; i < sim.nskus; i++) {
			if (sh->stock[i] >= 0)
				json_array_append_new(out, json_pack("{s:s, s:I}", "sku", sim.skus[i],
				    "stock", (json_int_t)sh->stock[i]));
		}
		return ctl_ok(c, json_pack("{s:s, s:o}", "shop", sh->code, "stock", out));
	} else if (strcmp(url, "/_sim/log") == 0 || strcmp(url, "/_sim/ships") == 0) {
		int old = url[6] == 's';

		if (old)
			kind = "ship";
		if (kind == NULL || (strcmp(kind, "ship") != 0 && strcmp(kind, "stock") != 0 &&
		    strcmp(kind, "cancel") != 0)) {
			json_decref(out);
			return ctl_error(c, 400, "kind is ship, stock or cancel");
		}
		for (i = 0; i < sim.nlog; i++) {
			const struct sim_logent *e = &sim.log[i];

			if (strcmp(e->kind, kind) != 0 || (sh != NULL && e->shop != sh->idx))
				continue;
			json_array_append_new(out, old ? json_pack("{s:s, s:b}", "order_sn",
			    e->order_sn, "ok", e->ok) : logent_json(e));
		}
		return ctl_ok(c, json_pack("{s:o}", old ? "ships" : "log", out));
	}
	json_decref(out);
	return ctl_error(c, 404, "no such control endpoint");
}

static const struct {
	const char *name;
	enum sim_fault f;
} fault_names[] = {
	{ "none", SIM_FAULT_NONE }, { "500", SIM_FAULT_500 },
	{ "truncated", SIM_FAULT_TRUNCATED }, { "drop", SIM_FAULT_DROP },
	{ "timeout", SIM_FAULT_TIMEOUT }, { "duplicate_page", SIM_FAULT_DUP_PAGE },
};

/* Change count orders of sh with an update_time lag s ago (late_update). */
static json_t *
late_update(struct sim_shop *sh, int64_t count, int64_t lag)
{
	json_t *out = json_array();
	int64_t now = sim_now(), t = now - lag;
	size_t i;

	for (i = 0; i < sh->norders && (int64_t)json_array_size(out) < count; i++) {
		struct sim_order *o = &sh->orders[i];

		if (o->update_time >= t)
			continue;
		snprintf(o->name, sizeof o->name, "Cập Nhật Muộn %" PRId64, o->seq);
		o->update_time = t;
		sim_count(sh, "faults");
		sim_count(sh, "late_updates");
		json_array_append_new(out, json_string(o->sn));
	}
	return json_pack("{s:o}", "order_sn_list", out);
}

static enum MHD_Result
ctl_fault(struct MHD_Connection *c, json_t *body)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const char *code = json_string_value(json_object_get(body, "shop"));
	const char *path = json_string_value(json_object_get(body, "path"));
	json_int_t n = json_integer_value(json_object_get(body, "count"));
	json_t *hold = json_object_get(body, "hold_ms"), *lag = json_object_get(body, "lag");
	struct sim_shop *sh;
	size_t i;
	int bad;

	sh = ctl_shop(code, &bad);
	if (bad || sh == NULL)
		return ctl_error(c, 404, "no such shop");
	if (kind != NULL && strcmp(kind, "late_update") == 0)
		return ctl_ok(c, late_update(sh, n, json_is_integer(lag) ?
		    json_integer_value(lag) : 60));
	for (i = 0; i < NELEM(fault_names); i++) {
		if (kind != NULL && strcmp(kind, fault_names[i].name) == 0)
			break;
	}
	if (i == NELEM(fault_names))
		return ctl_error(c, 400, "kind is 500, truncated, drop, timeout, duplicate_page, "
		    "late_update or none");
	if (json_is_integer(hold))
		sim.hold_ms = json_integer_value(hold);
	if (fault_names[i].f == SIM_FAULT_DUP_PAGE) {
		sh->dup_pages = (int)n;
		return ctl_ok(c, counters_json(NULL));
	}
	sim.fault = fault_names[i].f;
	sim.fault_left = sim.fault == SIM_FAULT_NONE ? 0 : (int)n;
	sim.fault_shop = code != NULL && code[0] != '\0' ? sh->idx : -1;
	snprintf(sim.fault_path, sizeof sim.fault_path, "%s", path != NULL ? path : "");
	if (sim.fault == SIM_FAULT_NONE) {
		for (i = 0; i < (size_t)sim.nshops; i++)
			sim.shops[i].dup_pages = 0;
	}
	return ctl_ok(c, counters_json(NULL));
}

/* Apply fn to the shop named by code, or every shop when none is named. */
static int
each_shop(const char *code, void (*fn)(struct sim_shop *, const json_t *), const json_t *arg)
{
	int i;

	if (code != NULL && code[0] != '\0') {
		struct sim_shop *sh = sim_shop_find(NULL, code);

		if (sh == NULL)
			return -1;
		fn(sh, arg);
		return 0;
	}
	for (i = 0; i < sim.nshops; i++)
		fn(&sim.shops[i], arg);
	return 0;
}

static void
do_expire(struct sim_shop *sh, const json_t *arg)
{
	(void)arg;
	sh->token_expired = 1;
}

static void
do_rate(struct sim_shop *sh, const json_t *arg)
{
	sh->rate = json_number_value(json_object_get(arg, "rate"));
	sh->rl_tokens = sh->rate;
	sh->rl_last_us = mono_us();
}

static void
do_webhook(struct sim_shop *sh, const json_t *arg)
{
	snprintf(sh->webhook_url, sizeof sh->webhook_url, "%s",
	    json_string_value(json_object_get(arg, "url")));
}

static enum MHD_Result
ctl_post(struct MHD_Connection *c, const char *url, json_t *body)
{
	const char *code = json_string_value(json_object_get(body, "shop"));
	const char *sn = json_string_value(json_object_get(body, "order_sn"));
	struct sim_shop *sh = NULL;
	struct sim_order *o;
	int64_t now = sim_now();
	int bad;

	if (strcmp(url, "/_sim/orders/add") == 0 || strcmp(url, "/_sim/gen") == 0) {
		json_int_t i, n = json_integer_value(json_object_get(body, "count"));
		json_t *out, *rate = json_object_get(body, "rate");

		if ((sh = ctl_shop(code, &bad)) == NULL)
			return ctl_error(c, 404, "no such shop");
		if (json_is_number(rate))
			sim.gen_rate = json_number_value(rate);
		out = json_array();
		for (i = 0; i < n && i < 100000; i++) {
			o = sim_order_new(sh, now);
			json_array_append_new(out, json_string(o->sn));
			if (sh->webhook_url[0] != '\0')
				push_order(sh, o, 0, 0);
		}
		return ctl_ok(c, json_pack("{s:o}", "order_sn_list", out));
	}
	if (strcmp(url, "/_sim/fault") == 0)
		return ctl_fault(c, body);
	if (strcmp(url, "/_sim/expire-tokens") == 0)
		return each_shop(code, do_expire, body) < 0 ? ctl_error(c, 404, "no such shop") :
		    ctl_ok(c, counters_json(NULL));
	if (strcmp(url, "/_sim/rate-limit") == 0)
		return each_shop(code, do_rate, body) < 0 ? ctl_error(c, 404, "no such shop") :
		    ctl_ok(c, counters_json(NULL));
	if (strcmp(url, "/_sim/webhook") == 0) {
		if (!json_is_string(json_object_get(body, "url")))
			return ctl_error(c, 400, "url is required");
		return each_shop(code, do_webhook, body) < 0 ? ctl_error(c, 404, "no such shop") :
		    ctl_ok(c, counters_json(NULL));
	}
	if (strcmp(url, "/_sim/clock") == 0) {
		sim.clock_offset = json_integer_value(json_object_get(body, "offset"));
		sim.clock_at = json_integer_value(json_object_get(body, "at"));
		return ctl_ok(c, json_pack("{s:I}", "now", (json_int_t)sim_now()));
	}
	if (strcmp(url, "/_sim/token") == 0) {
		const char *at = json_string_value(json_object_get(body, "access_token"));

		if ((sh = ctl_shop(code, &bad)) == NULL)
			return ctl_error(c, 404, "no such shop");
		if (at != NULL)
			snprintf(sh->access_token, sizeof sh->access_token, "%s", at);
		if (json_is_true(json_object_get(body, "expire")))
			sh->token_expired = 1;
		return ctl_ok(c, counters_json(sh));
	}
	if (strcmp(url, "/_sim/returns/update") == 0) {
		const char *id = json_string_value(json_object_get(body, "return_id"));
		struct sim_return *r = NULL;
		int s;

		for (s = 0; r == NULL && s < sim.nshops; s++) {
			if (code == NULL || code[0] == '\0' || strcmp(code, sim.shops[s].code) == 0) {
				sh = &sim.shops[s];
				r = sim_return_find(sh, id);
			}
		}
		if (r == NULL)
			return ctl_error(c, 404, "no such return");
		take_str(body, "status", r->status, sizeof r->status);
		take_str(body, "reason", r->reason, sizeof r->reason);
		take_str(body, "tracking", r->tracking, sizeof r->tracking);
		take_str(body, "logistics", r->logistics, sizeof r->logistics);
		if (now > r->update_time)
			r->update_time = now;
		return ctl_ok(c, return_summary(sh, r));
	}
	/* The rest name an order. */
	if (sn == NULL || (o = ctl_order(code, sn, &sh)) == NULL)
		return ctl_error(c, 404, "no such order");
	if (strcmp(url, "/_sim/orders/update") == 0) {
		const char *st = json_string_value(json_object_get(body, "order_status"));
		const char *name = json_string_value(json_object_get(body, "buyer_name"));
		const char *sku = json_string_value(json_object_get(body, "sku"));
		const char *mode = json_string_value(json_object_get(body, "ship_mode"));

		if (name != NULL)
			snprintf(o->name, sizeof o->name, "%s", name);
		if (mode != NULL)
			snprintf(o->ext[0], sizeof o->ext[0], "%s", mode);
		if (sku != NULL)
			snprintf(o->odd_sku, sizeof o->odd_sku, "%s", sku);
		if (st != NULL)
			sim_order_status(sh, o, st);
		else
			sim_order_touch(sh, o);
		return ctl_ok(c, order_summary(sh, o));
	}
	if (strcmp(url, "/_sim/returns/add") == 0)
		return ctl_return_add(c, sh, o, body);
	if (strcmp(url, "/_sim/cancel") == 0) {
		const char *why = json_string_value(json_object_get(body, "reason"));

		snprintf(o->cancel_reason, sizeof o->cancel_reason, "%s",
		    why != NULL ? why : "BUYER_CANCELLED");
		sim_order_status(sh, o, sh->ch->st_cancelled);
		sim_count(sh, "buyer_cancel");
		return ctl_ok(c, order_summary(sh, o));
	}
	if (strcmp(url, "/_sim/push") == 0) {
		push_order(sh, o, json_is_true(json_object_get(body, "lost")),
		    json_is_true(json_object_get(body, "bad_sign")));
		return ctl_ok(c, counters_json(sh));
	}
	return ctl_error(c, 404, "no such control endpoint");
}

static enum MHD_Result
control(struct MHD_Connection *c, const char *url, const char *method, const struct conn *cn)
{
	json_t *body;
	enum MHD_Result ret;

	sim_count(NULL, "control");
	if (strcmp(method, "GET") == 0)
		return ctl_get(c, url);
	if (strcmp(method, "POST") != 0)
		return ctl_error(c, 404, "no such control endpoint");
	body = cn->body != NULL ? json_loadb(cn->body, cn->len, 0, NULL) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		return ctl_error(c, 400, "the body must be a JSON object");
	}
	ret = ctl_post(c, url, body);
	json_decref(body);
	return ret;
}

/* ------------------------------------------------------------------ server */

/* The channel a path goes to, with its mount stripped into *path. */
static const struct sim_channel *
route(const char *method, const char **path)
{
	size_t i, n;

	for (i = 0; i < nchannels; i++) {
		n = strlen(channels[i]->name);
		if ((*path)[0] == '/' && strncmp(*path + 1, channels[i]->name, n) == 0 &&
		    (*path)[n + 1] == '/') {
			*path += n + 1;
			return channels[i];
		}
	}
	for (i = 0; i < nchannels; i++) {
		if (channels[i]->owns(method, *path))
			return channels[i];
	}
	return NULL;
}

/* 1 when sh may make one more call now (its bucket holds rate tokens, refilled at rate/s). */
static int
rate_ok(struct sim_shop *sh)
{
	int64_t now = mono_us();

	if (sh == NULL || sh->rate <= 0)
		return 1;
	sh->rl_tokens += (double)(now - sh->rl_last_us) * sh->rate / 1e6;
	sh->rl_last_us = now;
	if (sh->rl_tokens > (sh->rate > 1 ? sh->rate : 1))
		sh->rl_tokens = sh->rate > 1 ? sh->rate : 1;
	if (sh->rl_tokens < 1)
		return 0;
	sh->rl_tokens -= 1;
	return 1;
}

/* The armed answer fault for a call of sh to path, consumed (lock held). */
static enum sim_fault
take_fault(struct sim_shop *sh, const char *path)
{
	if (sim.fault_left <= 0 || (sim.fault_shop >= 0 && (sh == NULL ||
	    sh->idx != sim.fault_shop)) || (sim.fault_path[0] != '\0' &&
	    strstr(path, sim.fault_path) == NULL))
		return SIM_FAULT_NONE;
	sim.fault_left--;
	sim_count(sh, "faults");
	return sim.fault;
}

static enum MHD_Result
api(struct MHD_Connection *c, const char *url, const char *method, const struct conn *cn)
{
	struct sim_req rq = { 0 };

	rq.conn = c;
	rq.method = method;
	rq.url = url;
	rq.body = cn->body;
	rq.len = cn->len;
	rq.now = sim_now();
	if ((rq.ch = route(method, &rq.url)) == NULL) {
		sim_count(NULL, "calls");
		return sim_send_error(&rq, SIM_ERR_NOT_FOUND, "error_not_found", "Invalid path.");
	}
	rq.shop = rq.ch->shop_of(&rq);
	sim_count(rq.shop, "calls");
	if (!rate_ok(rq.shop)) {
		sim_count(rq.shop, "rate_limited");
		return sim_send_error(&rq, SIM_ERR_RATE, NULL, "Too many requests.");
	}
	rq.fault = take_fault(rq.shop, rq.url);
	if (rq.fault == SIM_FAULT_TIMEOUT) {
		int64_t ms = sim.hold_ms;
		int idx = rq.shop != NULL ? rq.shop->idx : -1;

		/* Hold the answer past the client's timeout, without holding the store. */
		pthread_mutex_unlock(&sim.lock);
		usleep((useconds_t)(ms > 0 ? ms : 0) * 1000);
		pthread_mutex_lock(&sim.lock);
		rq.now = sim_now();
		rq.fault = SIM_FAULT_NONE;
		rq.shop = idx >= 0 ? &sim.shops[idx] : NULL;
	}
	return rq.ch->handle(&rq);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct conn *cn = *con_cls;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (cn == NULL) {
		*con_cls = sim_alloc(sizeof *cn);
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (cn->len + *upload_len > MAX_BODY) {
			cn->too_big = 1;
		} else {
			cn->body = grow(cn->body, cn->len + *upload_len + 1);
			memcpy(cn->body + cn->len, upload, *upload_len);
			cn->len += *upload_len;
			cn->body[cn->len] = '\0';
		}
		*upload_len = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&sim.lock);
	if (cn->too_big)
		ret = ctl_error(c, 413, "request body too large");
	else if (strncmp(url, "/_sim/", 6) == 0)
		ret = control(c, url, method, cn);
	else
		ret = api(c, url, method, cn);
	pthread_mutex_unlock(&sim.lock);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn != NULL) {
		free(cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

/* ------------------------------------------------------------------ generator */

static struct {
	pthread_t thread;
	int started, stop;
} gen;

/* Every 50 ms: each shop gets its share of gen_rate orders a second. */
static void *
gen_thread(void *arg)
{
	int64_t last = mono_us();

	(void)arg;
	for (;;) {
		int64_t now;
		int i;

		usleep(50000);
		pthread_mutex_lock(&sim.lock);
		if (gen.stop) {
			pthread_mutex_unlock(&sim.lock);
			break;
		}
		now = mono_us();
		for (i = 0; i < sim.nshops && sim.gen_rate > 0; i++) {
			struct sim_shop *sh = &sim.shops[i];

			sh->gen_acc_us += now - last;
			while ((double)sh->gen_acc_us * sim.gen_rate >= 1e6) {
				struct sim_order *o = sim_order_new(sh, sim_now());

				sh->gen_acc_us -= (int64_t)(1e6 / sim.gen_rate);
				sim_count(sh, "generated");
				if (sh->webhook_url[0] != '\0')
					push_order(sh, o, 0, 0);
			}
		}
		last = now;
		pthread_mutex_unlock(&sim.lock);
	}
	return NULL;
}

/* ------------------------------------------------------------------ start */

/* SKUs from path, one per line; # starts a comment. 0 or -1. */
static int
load_skus(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t cap = 0;

	if (f == NULL) {
		fprintf(stderr, "packbench-marketsim: %s: cannot open\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *s = line, *e;

		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, "#\r\n");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*s == '\0')
			continue;
		if (sim.nskus + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			sim.skus = grow(sim.skus, cap * sizeof *sim.skus);
		}
		sim.skus[sim.nskus] = strdup(s);
		if (sim.skus[sim.nskus++] == NULL)
			abort();
	}
	fclose(f);
	if (sim.nskus == 0) {
		fprintf(stderr, "packbench-marketsim: %s: no SKUs\n", path);
		return -1;
	}
	return 0;
}

/* Families: SKUs sharing the text before their first '-' share an index. */
static void
sku_families(void)
{
	size_t i, j;

	sim.family = sim_alloc(sim.nskus * sizeof *sim.family);
	for (i = 0; i < sim.nskus; i++) {
		size_t n = strcspn(sim.skus[i], "-");

		sim.family[i] = (int)i;
		for (j = 0; j < i; j++) {
			if (strcspn(sim.skus[j], "-") == n && strncmp(sim.skus[i], sim.skus[j], n) == 0) {
				sim.family[i] = sim.family[j];
				break;
			}
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: packbench-marketsim [--listen ADDR:PORT] [--seed S] [--skus FILE] "
	    "[--hold-ms MS] [--gen-rate N] [--shop CHANNEL:CODE [per-shop options]]...\n"
	    "per-shop options (before any --shop: defaults of every shop): --orders N "
	    "--rate-limit N --token-ttl S --shop-id ID --partner-id ID --partner-key KEY "
	    "--app-key K --app-secret S --shop-cipher C --seller-id ID --access-token T "
	    "--refresh-token T\n");
}

static int
parse_listen(const char *v, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(v, ':');
	int64_t port;

	if (colon == NULL || (size_t)(colon - v) >= sizeof host ||
	    sim_int(colon + 1, &port) < 0 || port < 0 || port > 65535)
		return -1;
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int
set_str(char *dst, size_t len, const char *v)
{
	return snprintf(dst, len, "%s", v) >= (int)len || v[0] == '\0';
}

/* A per-shop option into sh (the defaults or a --shop); 1: not one, -1: bad value. */
static int
shop_option(struct sim_shop *sh, int64_t *norders, const char *opt, const char *v)
{
	int64_t n;
	int bad = 0;

	if (strcmp(opt, "--orders") == 0)
		bad = sim_int(v, norders) < 0 || *norders < 0 || *norders > 10000000;
	else if (strcmp(opt, "--rate-limit") == 0)
		bad = sim_int(v, &n) < 0 || n < 0 || (sh->rate = (double)n, 0);
	else if (strcmp(opt, "--token-ttl") == 0)
		bad = sim_int(v, &sh->token_ttl) < 0 || sh->token_ttl < 0;
	else if (strcmp(opt, "--shop-id") == 0)
		bad = sim_int(v, &sh->shop_id) < 0 || sh->shop_id <= 0;
	else if (strcmp(opt, "--partner-id") == 0)
		bad = sim_int(v, &sh->partner_id) < 0 || sh->partner_id <= 0;
	else if (strcmp(opt, "--partner-key") == 0)
		bad = set_str(sh->partner_key, sizeof sh->partner_key, v);
	else if (strcmp(opt, "--app-key") == 0)
		bad = set_str(sh->app_key, sizeof sh->app_key, v);
	else if (strcmp(opt, "--app-secret") == 0)
		bad = set_str(sh->app_secret, sizeof sh->app_secret, v);
	else if (strcmp(opt, "--shop-cipher") == 0)
		bad = set_str(sh->shop_cipher, sizeof sh->shop_cipher, v);
	else if (strcmp(opt, "--seller-id") == 0)
		bad = set_str(sh->seller_id, sizeof sh->seller_id, v);
	else if (strcmp(opt, "--access-token") == 0)
		bad = set_str(sh->access_token, sizeof sh->access_token, v);
	else if (strcmp(opt, "--refresh-token") == 0)
		bad = set_str(sh->refresh_token, sizeof sh->refresh_token, v);
	else
		return 1;
	return bad ? -1 : 0;
}

static const struct sim_channel *
channel_named(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nchannels; i++) {
		if (strlen(channels[i]->name) == len && strncmp(channels[i]->name, name, len) == 0)
			return channels[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sim_shop def;
	const char *skus = NULL;
	int64_t seed = 1, now, def_orders = 100, norders[SIM_MAX_SHOPS];
	sigset_t sigs;
	size_t i, k;
	int a, sig, s;

	channels[nchannels++] = &sim_shopee;
	if (&sim_lazada != NULL)
		channels[nchannels++] = &sim_lazada;
	if (&sim_tiktok != NULL)
		channels[nchannels++] = &sim_tiktok;
	memset(&def, 0, sizeof def);
	parse_listen("127.0.0.1:0", &sa);
	for (a = 1; a < argc; a++) {
		const char *opt = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
		int bad = 0, r;

		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage();
			return 0;
		}
		if (v == NULL) {
			fprintf(stderr, "packbench-marketsim: %s needs a value\n", opt);
			usage();
			return 2;
		}
		a++;
		if (strcmp(opt, "--listen") == 0) {
			bad = parse_listen(v, &sa);
		} else if (strcmp(opt, "--seed") == 0) {
			bad = sim_int(v, &seed);
		} else if (strcmp(opt, "--skus") == 0) {
			skus = v;
		} else if (strcmp(opt, "--hold-ms") == 0) {
			bad = sim_int(v, &sim.hold_ms) < 0 || sim.hold_ms < 0;
		} else if (strcmp(opt, "--gen-rate") == 0) {
			char *end;

			sim.gen_rate = strtod(v, &end);
			bad = end == v || *end != '\0' || !(sim.gen_rate >= 0 && sim.gen_rate <= 1e6);
		} else if (strcmp(opt, "--shop") == 0) {
			const char *colon = strchr(v, ':');
			struct sim_shop *sh;

			if (sim.nshops == SIM_MAX_SHOPS) {
				fprintf(stderr, "packbench-marketsim: at most %d shops\n", SIM_MAX_SHOPS);
				return 2;
			}
			sh = &sim.shops[sim.nshops];
			*sh = def;
			sh->idx = sim.nshops;
			bad = colon == NULL || colon[1] == '\0' ||
			    (sh->ch = channel_named(v, (size_t)(colon - v))) == NULL ||
			    set_str(sh->code, sizeof sh->code, colon + 1) ||
			    sim_shop_find(NULL, colon + 1) != NULL;
			norders[sim.nshops++] = def_orders;
		} else {
			r = shop_option(sim.nshops > 0 ? &sim.shops[sim.nshops - 1] : &def,
			    sim.nshops > 0 ? &norders[sim.nshops - 1] : &def_orders, opt, v);
			bad = r != 0;
		}
		if (bad) {
			fprintf(stderr, "packbench-marketsim: bad %s '%s'\n", opt, v);
			usage();
			return 2;
		}
	}
	if (sim.nshops == 0) {
		/* The single Shopee shop of the older command line. */
		struct sim_shop *sh = &sim.shops[sim.nshops];

		*sh = def;
		sh->ch = &sim_shopee;
		if (sh->shop_id == 0)
			sh->shop_id = 2000001;
		if (sh->partner_id == 0)
			sh->partner_id = 1000001;
		if (sh->partner_key[0] == '\0')
			snprintf(sh->partner_key, sizeof sh->partner_key, "sim-partner-key");
		if (sh->access_token[0] == '\0')
			snprintf(sh->access_token, sizeof sh->access_token, "sim-access-token");
		if (sh->refresh_token[0] == '\0')
			snprintf(sh->refresh_token, sizeof sh->refresh_token, "sim-refresh-token");
		snprintf(sh->code, sizeof sh->code, "%" PRId64, sh->shop_id);
		norders[sim.nshops++] = def_orders;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "packbench-marketsim: libsodium failed to start\n");
		return 1;
	}
	if (skus != NULL && load_skus(skus) < 0)
		return 1;
	if (skus == NULL) {
		for (sim.nskus = 0; default_skus[sim.nskus] != NULL; sim.nskus++)
			;
		sim.skus = sim_alloc(sim.nskus * sizeof *sim.skus);
		for (i = 0; i < sim.nskus; i++) {
			sim.skus[i] = strdup(default_skus[i]);
			if (sim.skus[i] == NULL)
				abort();
		}
	}
	sku_families();
	sim.rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
	if (sim.rng == 0)
		sim.rng = 1;
	sim.prices = sim_alloc(sim.nskus * sizeof *sim.prices);
	for (i = 0; i < sim.nskus; i++)
		sim.prices[i] = (int64_t)(29 + sim_pick(470)) * 1000;  /* 29,000 .. 498,000 VND */
	/* The seeded orders were updated over the last two days, oldest first. */
	now = sim_now();
	for (s = 0; s < sim.nshops; s++) {
		struct sim_shop *sh = &sim.shops[s];

		shop_derive(sh);
		sh->token_issued = now;
		sh->rl_tokens = sh->rate;
		sh->rl_last_us = mono_us();
		sh->stock = sim_alloc(sim.nskus * sizeof *sh->stock);
		for (i = 0; i < sim.nskus; i++)
			sh->stock[i] = -1;
		for (k = 0; k < (size_t)norders[s]; k++)
			sim_order_new(sh, now - 2 * 86400 +
			    (int64_t)(k * (2 * 86400 - 60) / (size_t)norders[s]));
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* Signals wait for sigwait below; the server's threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	pq.started = pthread_create(&pq.thread, NULL, push_thread, NULL) == 0;
	gen.started = pthread_create(&gen.thread, NULL, gen_thread, NULL) == 0;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
	    0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "packbench-marketsim: cannot listen on %s:%u\n",
		    inet_ntoa(sa.sin_addr), ntohs(sa.sin_port));
		sig = 1;
	} else {
		info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		printf("%u\n", info != NULL ? (unsigned)info->port : (unsigned)ntohs(sa.sin_port));
		fflush(stdout);
		if (sigwait(&sigs, &sig) != 0)
			sig = 0;
		MHD_stop_daemon(d);
		sig = 0;
	}
	pthread_mutex_lock(&sim.lock);
	gen.stop = 1;
	pthread_mutex_unlock(&sim.lock);
	if (gen.started)
		pthread_join(gen.thread, NULL);
	pthread_mutex_lock(&pq.lock);
	pq.stop = 1;
	pthread_cond_signal(&pq.cond);
	pthread_mutex_unlock(&pq.lock);
	if (pq.started)
		pthread_join(pq.thread, NULL);
	curl_global_cleanup();
	for (s = 0; s < sim.nshops; s++) {
		free(sim.shops[s].orders);
		free(sim.shops[s].hslot);
		free(sim.shops[s].stock);
		for (i = 0; i < sim.shops[s].nlost; i++)
			free(sim.shops[s].lost[i].body);
		free(sim.shops[s].lost);
		free(sim.shops[s].returns);
	}
	for (i = 0; i < sim.nskus; i++)
		free(sim.skus[i]);
	free(sim.skus);
	free(sim.prices);
	free(sim.family);
	free(sim.log);
	return sig;
}

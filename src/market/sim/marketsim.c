/*
 * marketsim.c — packbench-marketsim, the local marketplace simulator (libmicrohttpd) the
 * tests, the demo and the benchmarks pull from instead of the real platforms. It plays
 * one Shopee Open Platform v2 shop: get_order_list, get_order_detail and the access
 * token refresh, checking partner id, timestamp (5 minutes), signature (shopee_sign, the
 * connector's own) and access token the way the platform does and answering with its
 * envelope and error codes. Orders are generated from a seed at startup (Vietnamese
 * buyers, SKUs from --skus or the fixed list below). It also plays the logistics calls
 * ship_order (dropoff, pickup or non_integrated; the order becomes PROCESSED with a
 * tracking number made here, and a second ship of it is refused as the platform does) and
 * get_tracking_number, and records every ship call it receives. Tests steer it through
 * /_sim/... : add or update orders, make the next K answers fail (500, truncated JSON,
 * dropped connection), read the call counters and the ship log.
 */
#include <arpa/inet.h>
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
#include <time.h>

#include "market/shopee.h"

#define PATH_LIST "/api/v2/order/get_order_list"
#define PATH_DETAIL "/api/v2/order/get_order_detail"
#define PATH_REFRESH "/api/v2/auth/access_token/get"
#define PATH_SHIP "/api/v2/logistics/ship_order"
#define PATH_TRACKING "/api/v2/logistics/get_tracking_number"
#define MAX_WINDOW (15 * 86400)
#define MAX_BODY (64 * 1024)
#define MAX_LINES 4

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
static const struct {
	const char *province, *district, *ward, *street;
} places[] = {
	{ "TP. Hồ Chí Minh", "Quận 1", "Phường Bến Nghé", "Lê Lợi" },
	{ "TP. Hồ Chí Minh", "Quận 7", "Phường Tân Phong", "Nguyễn Văn Linh" },
	{ "TP. Hồ Chí Minh", "TP. Thủ Đức", "Phường Linh Trung", "Võ Văn Ngân" },
	{ "Hà Nội", "Quận Ba Đình", "Phường Kim Mã", "Đội Cấn" },
	{ "Hà Nội", "Quận Cầu Giấy", "Phường Dịch Vọng", "Xuân Thủy" },
	{ "Đà Nẵng", "Quận Hải Châu", "Phường Thạch Thang", "Bạch Đằng" },
	{ "Cần Thơ", "Quận Ninh Kiều", "Phường An Hòa", "Mậu Thân" },
	{ "Bình Dương", "TP. Thủ Dầu Một", "Phường Phú Cường", "Yersin" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct sim_line {
	int sku;                    /* index into sim.skus */
	int64_t qty, price;
};

struct sim_order {
	char sn[48];
	char status[24];
	char name[96], phone[16], address[256];
	char odd_sku[64];           /* not "": the first line's SKU, one the seller lacks */
	char tracking[32];          /* "" until shipped */
	int place;
	int cod;
	int64_t create_time, update_time, ship_by;
	struct sim_line lines[MAX_LINES];
	int nlines;
};

/* One ship_order call received, whatever its answer. */
struct sim_ship {
	char sn[48];
	int ok;                     /* 1: this call shipped the order */
};

enum fault {
	FAULT_NONE,
	FAULT_500,
	FAULT_TRUNCATED,
	FAULT_DROP,
};

struct sim {
	pthread_mutex_t lock;
	int64_t partner_id, shop_id;
	const char *partner_key;
	char access_token[128], refresh_token[128];
	int64_t token_ttl, token_issued;
	int refreshes;
	char **skus;
	int64_t *prices;
	size_t nskus;
	struct sim_order *orders;
	size_t norders, cap;
	uint64_t rng;
	int64_t seq;                /* order numbers handed out */
	enum fault fault;
	int fault_left;
	/* Counters of received calls. */
	int64_t calls, list, detail, refresh, control, faults;
	int64_t err_sign, err_auth, err_param;
	int64_t ship, ship_ok, ship_refused, tracking;
	struct sim_ship *ships;
	size_t nships, capships;
};

static struct sim sim = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Per connection: the request body collected so far. */
struct conn {
	char *body;
	size_t len;
	int too_big;
};

static void *
xmalloc_or_die(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "packbench-marketsim: out of memory\n");
		abort();
	}
	return p;
}

static uint64_t
rnd(void)
{
	/* xorshift64*: the same seed gives the same shop. */
	sim.rng ^= sim.rng >> 12;
	sim.rng ^= sim.rng << 25;
	sim.rng ^= sim.rng >> 27;
	return sim.rng * 2685821657736338717ULL;
}

static size_t
pick(size_t n)
{
	return (size_t)(rnd() % n);
}

static struct sim_order *
find_order(const char *sn)
{
	size_t i;

	for (i = 0; i < sim.norders; i++) {
		if (strcmp(sim.orders[i].sn, sn) == 0)
			return &sim.orders[i];
	}
	return NULL;
}

/* A new order updated at t (lock held). */
static struct sim_order *
gen_order(int64_t t)
{
	struct sim_order *o;
	struct tm tm;
	time_t tt = (time_t)t;
	int i;

	if (sim.norders == sim.cap) {
		sim.cap = sim.cap ? sim.cap * 2 : 64;
		sim.orders = realloc(sim.orders, sim.cap * sizeof *sim.orders);
		if (sim.orders == NULL) {
			fprintf(stderr, "packbench-marketsim: out of memory\n");
			abort();
		}
	}
	o = &sim.orders[sim.norders++];
	memset(o, 0, sizeof *o);
	gmtime_r(&tt, &tm);
	sim.seq++;
	snprintf(o->sn, sizeof o->sn, "%02d%02d%02d%04X%06" PRId64, tm.tm_year % 100,
	    tm.tm_mon + 1, tm.tm_mday, (unsigned)(rnd() & 0xffff), sim.seq);
	snprintf(o->status, sizeof o->status, "%s", pick(5) == 0 ? "UNPAID" : "READY_TO_SHIP");
	snprintf(o->name, sizeof o->name, "%s %s %s", family[pick(NELEM(family))],
	    middle[pick(NELEM(middle))], given[pick(NELEM(given))]);
	snprintf(o->phone, sizeof o->phone, "849%08u", (unsigned)(rnd() % 100000000u));
	o->place = (int)pick(NELEM(places));
	snprintf(o->address, sizeof o->address, "%u %s, %s, %s, %s",
	    (unsigned)(1 + pick(300)), places[o->place].street, places[o->place].ward,
	    places[o->place].district, places[o->place].province);
	o->cod = pick(2) == 0;
	o->update_time = t;
	o->create_time = t - (int64_t)pick(3600);
	o->ship_by = o->create_time + 2 * 86400;
	o->nlines = 1 + (int)pick(3);
	for (i = 0; i < o->nlines; i++) {
		o->lines[i].sku = (int)pick(sim.nskus);
		o->lines[i].qty = 1 + (int64_t)pick(3);
		o->lines[i].price = sim.prices[o->lines[i].sku];
	}
	return o;
}

static int64_t
order_total(const struct sim_order *o)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < o->nlines; i++)
		t += o->lines[i].qty * o->lines[i].price;
	return t;
}

/* ------------------------------------------------------------------ responses */

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *text, size_t len,
    const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Send root (stolen) as JSON, or the injected fault of this answer. */
static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned status, json_t *root, enum fault f)
{
	static const char page500[] = "<html><body>500 Internal Server Error</body></html>";
	enum MHD_Result ret;
	char *text;
	size_t len;

	if (f == FAULT_DROP) {
		json_decref(root);
		return MHD_NO;
	}
	if (f == FAULT_500) {
		json_decref(root);
		return send_text(c, 500, page500, sizeof page500 - 1, "text/html");
	}
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		return MHD_NO;
	len = strlen(text);
	if (f == FAULT_TRUNCATED)
		len /= 2;               /* a whole response whose JSON stops half-way */
	ret = send_text(c, status, text, len, "application/json");
	free(text);
	return ret;
}

static void
request_id(char out[33])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, 33, b, sizeof b);
}

/* Shopee's error envelope, spoilt by the injected fault f. */
static enum MHD_Result
send_error_f(struct MHD_Connection *c, unsigned status, const char *code, const char *msg,
    enum fault f)
{
	char rid[33];

	request_id(rid);
	return send_json(c, status, json_pack("{s:s, s:s, s:s}", "request_id", rid,
	    "error", code, "message", msg), f);
}

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned status, const char *code, const char *msg)
{
	return send_error_f(c, status, code, msg, FAULT_NONE);
}

static json_t *
envelope(json_t *response)
{
	char rid[33];

	request_id(rid);
	return json_pack("{s:s, s:s, s:s, s:o}", "request_id", rid, "error", "", "message", "",
	    "response", response);
}

/* ------------------------------------------------------------------ the API */

static const char *
arg(struct MHD_Connection *c, const char *key)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

/* A decimal integer parameter; 0 or -1. */
static int
arg_int(const char *v, int64_t *out)
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

/*
 * The checks of every call, in the platform's order: partner, timestamp, signature,
 * then (shop-level) shop and access token. 0, or -1 after answering the error (lock
 * held).
 */
static int
check_common(struct MHD_Connection *c, const char *path, int shop_level, enum MHD_Result *ret)
{
	const char *sign = arg(c, "sign"), *token = arg(c, "access_token");
	int64_t partner, ts, shop = 0, now = (int64_t)time(NULL);
	char want[65];

	if (arg_int(arg(c, "partner_id"), &partner) < 0 || arg_int(arg(c, "timestamp"), &ts) < 0 ||
	    sign == NULL) {
		sim.err_param++;
		*ret = send_error(c, 400, "error_param", "partner_id, timestamp and sign are required");
		return -1;
	}
	if (partner != sim.partner_id) {
		sim.err_param++;
		*ret = send_error(c, 400, "error_param", "Invalid partner_id.");
		return -1;
	}
	if (ts < now - 300 || ts > now + 300) {
		sim.err_param++;
		*ret = send_error(c, 400, "error_param", "Invalid timestamp.");
		return -1;
	}
	if (shop_level && (token == NULL || arg_int(arg(c, "shop_id"), &shop) < 0)) {
		sim.err_param++;
		*ret = send_error(c, 400, "error_param", "access_token and shop_id are required");
		return -1;
	}
	shopee_sign(sim.partner_key, partner, path, ts, shop_level ? token : NULL, shop, want);
	if (strlen(sign) != 64 || sodium_memcmp(sign, want, 64) != 0) {
		sim.err_sign++;
		*ret = send_error(c, 403, "error_sign", "Wrong sign.");
		return -1;
	}
	if (!shop_level)
		return 0;
	if (shop != sim.shop_id) {
		sim.err_param++;
		*ret = send_error(c, 400, "error_param", "Invalid shop_id.");
		return -1;
	}
	if (strcmp(token, sim.access_token) != 0) {
		sim.err_auth++;
		*ret = send_error(c, 403, "error_auth", "Invalid access_token.");
		return -1;
	}
	if (sim.token_ttl > 0 && now >= sim.token_issued + sim.token_ttl) {
		sim.err_auth++;
		*ret = send_error(c, 403, "error_auth", "Access token expired.");
		return -1;
	}
	return 0;
}

static int
cmp_update(const void *a, const void *b)
{
	const struct sim_order *x = *(const struct sim_order *const *)a;
	const struct sim_order *y = *(const struct sim_order *const *)b;

	if (x->update_time != y->update_time)
		return x->update_time < y->update_time ? -1 : 1;
	return strcmp(x->sn, y->sn);
}

/* get_order_list: update_time in [time_from, time_to), oldest first; the cursor is the
 * offset into that order. */
static enum MHD_Result
api_list(struct MHD_Connection *c, enum fault f)
{
	const char *field = arg(c, "time_range_field");
	struct sim_order **hits;
	int64_t from, to, size, off = 0;
	size_t i, n = 0;
	json_t *list, *resp;
	int more;
	char next[32];

	sim.list++;
	if (field == NULL || (strcmp(field, "update_time") != 0 &&
	    strcmp(field, "create_time") != 0) || arg_int(arg(c, "time_from"), &from) < 0 ||
	    arg_int(arg(c, "time_to"), &to) < 0 || arg_int(arg(c, "page_size"), &size) < 0) {
		sim.err_param++;
		return send_error(c, 400, "error_param",
		    "time_range_field, time_from, time_to and page_size are required");
	}
	if (to <= from || to - from > MAX_WINDOW) {
		sim.err_param++;
		return send_error(c, 400, "error_param",
		    "order.order_list_invalid_time: the time range must be within 15 days");
	}
	if (size < 1 || size > 100) {
		sim.err_param++;
		return send_error(c, 400, "error_param", "page_size must be 1..100");
	}
	if (arg(c, "cursor") != NULL && arg(c, "cursor")[0] != '\0' &&
	    (arg_int(arg(c, "cursor"), &off) < 0 || off < 0)) {
		sim.err_param++;
		return send_error(c, 400, "error_param", "Invalid cursor.");
	}
	hits = xmalloc_or_die(sim.norders * sizeof *hits);
	for (i = 0; i < sim.norders; i++) {
		int64_t t = field[0] == 'u' ? sim.orders[i].update_time : sim.orders[i].create_time;

		if (t >= from && t < to)
			hits[n++] = &sim.orders[i];
	}
	qsort(hits, n, sizeof *hits, cmp_update);
	list = json_array();
	for (i = (size_t)off; i < n && i < (size_t)(off + size); i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "order_sn", hits[i]->sn,
		    "order_status", hits[i]->status));
	more = (size_t)(off + size) < n;
	snprintf(next, sizeof next, "%" PRId64, more ? off + size : 0);
	free(hits);
	resp = json_pack("{s:b, s:s, s:o}", "more", more, "next_cursor", more ? next : "",
	    "order_list", list);
	return send_json(c, 200, envelope(resp), f);
}

static json_t *
order_json(const struct sim_order *o)
{
	json_t *items = json_array(), *addr;
	int i;

	for (i = 0; i < o->nlines; i++) {
		const struct sim_line *l = &o->lines[i];
		const char *sku = i == 0 && o->odd_sku[0] ? o->odd_sku : sim.skus[l->sku];

		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:I, s:s, s:I, s:I, s:I}",
		    "item_id", (json_int_t)(100000 + l->sku), "item_name", sku,
		    "item_sku", sku, "model_id", (json_int_t)(200000 + l->sku),
		    "model_sku", sku, "model_quantity_purchased", (json_int_t)l->qty,
		    "model_discounted_price", (json_int_t)l->price,
		    "model_original_price", (json_int_t)l->price));
	}
	addr = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "name", o->name, "phone", o->phone, "town", places[o->place].ward,
	    "district", places[o->place].ward, "city", places[o->place].district,
	    "state", places[o->place].province, "region", "VN", "zipcode", "",
	    "full_address", o->address);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o}",
	    "order_sn", o->sn, "order_status", o->status, "region", "VN", "currency", "VND",
	    "cod", o->cod, "total_amount", (json_int_t)order_total(o),
	    "create_time", (json_int_t)o->create_time, "update_time", (json_int_t)o->update_time,
	    "ship_by_date", (json_int_t)o->ship_by, "days_to_ship", (json_int_t)2,
	    "buyer_username", "buyer", "payment_method", o->cod ? "Cash on Delivery" :
	    "Credit Card", "recipient_address", addr, "item_list", items);
}

static enum MHD_Result
api_detail(struct MHD_Connection *c, enum fault f)
{
	const char *v = arg(c, "order_sn_list");
	char *list, *save = NULL, *sn;
	json_t *orders;
	int n = 0;

	sim.detail++;
	if (v == NULL || v[0] == '\0') {
		sim.err_param++;
		return send_error(c, 400, "error_param", "order_sn_list is required");
	}
	list = strdup(v);
	if (list == NULL)
		abort();
	orders = json_array();
	for (sn = strtok_r(list, ",", &save); sn != NULL; sn = strtok_r(NULL, ",", &save)) {
		const struct sim_order *o = find_order(sn);

		if (++n > 50)
			break;
		if (o != NULL)
			json_array_append_new(orders, order_json(o));
	}
	free(list);
	if (n > 50) {
		json_decref(orders);
		sim.err_param++;
		return send_error(c, 400, "error_param", "order_sn_list takes at most 50 orders");
	}
	return send_json(c, 200, envelope(json_pack("{s:o}", "order_list", orders)), f);
}

/* The refresh token rotates and is single-use, as on the platform. */
static enum MHD_Result
api_refresh(struct MHD_Connection *c, const struct conn *cn, enum fault f)
{
	json_t *body = cn->body ? json_loadb(cn->body, cn->len, 0, NULL) : NULL;
	const char *rt = json_string_value(json_object_get(body, "refresh_token"));
	json_int_t shop = json_integer_value(json_object_get(body, "shop_id"));
	char rid[33];
	enum MHD_Result ret;

	sim.refresh++;
	if (rt == NULL || shop != sim.shop_id) {
		json_decref(body);
		sim.err_param++;
		return send_error(c, 400, "error_param", "refresh_token and shop_id are required");
	}
	if (strcmp(rt, sim.refresh_token) != 0) {
		json_decref(body);
		sim.err_param++;
		return send_error(c, 400, "error_param", "Invalid refresh_token.");
	}
	json_decref(body);
	sim.refreshes++;
	snprintf(sim.access_token, sizeof sim.access_token, "sim-at-%d-%08x", sim.refreshes,
	    (unsigned)(rnd() & 0xffffffffu));
	snprintf(sim.refresh_token, sizeof sim.refresh_token, "sim-rt-%d-%08x", sim.refreshes,
	    (unsigned)(rnd() & 0xffffffffu));
	sim.token_issued = (int64_t)time(NULL);
	request_id(rid);
	ret = send_json(c, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "request_id", rid, "error", "", "message", "", "access_token", sim.access_token,
	    "refresh_token", sim.refresh_token, "expire_in",
	    (json_int_t)(sim.token_ttl > 0 ? sim.token_ttl : 14400),
	    "partner_id", (json_int_t)sim.partner_id, "shop_id", (json_int_t)sim.shop_id), f);
	return ret;
}

/* Note a ship call in the log (lock held). */
static void
log_ship(const char *sn, int ok)
{
	if (sim.nships == sim.capships) {
		sim.capships = sim.capships ? sim.capships * 2 : 64;
		sim.ships = realloc(sim.ships, sim.capships * sizeof *sim.ships);
		if (sim.ships == NULL)
			abort();
	}
	snprintf(sim.ships[sim.nships].sn, sizeof sim.ships[sim.nships].sn, "%s", sn);
	sim.ships[sim.nships++].ok = ok;
	if (ok)
		sim.ship_ok++;
	else
		sim.ship_refused++;
}

/*
 * ship_order: only a READY_TO_SHIP (or RETRY_SHIP) order ships; it becomes PROCESSED
 * with a new tracking number. The work is done before an injected fault spoils the
 * answer, so a lost answer leaves a shipped order, as on a real network.
 */
static enum MHD_Result
api_ship(struct MHD_Connection *c, const struct conn *cn, enum fault f)
{
	json_t *body = cn->body ? json_loadb(cn->body, cn->len, 0, NULL) : NULL;
	const char *sn = json_string_value(json_object_get(body, "order_sn"));
	json_t *ni = json_object_get(body, "non_integrated"), *pu = json_object_get(body, "pickup");
	struct sim_order *o;
	const char *tn;
	enum MHD_Result ret;

	sim.ship++;
	if (sn == NULL || sn[0] == '\0' || (json_object_get(body, "dropoff") == NULL &&
	    pu == NULL && ni == NULL)) {
		log_ship(sn != NULL ? sn : "", 0);
		json_decref(body);
		sim.err_param++;
		return send_error_f(c, 400, "error_param",
		    "order_sn and one of pickup, dropoff, non_integrated are required", f);
	}
	if ((o = find_order(sn)) == NULL) {
		log_ship(sn, 0);
		json_decref(body);
		sim.err_param++;
		return send_error_f(c, 400, "error_param",
		    "logistics.order_not_found: no such order", f);
	}
	if (o->tracking[0] != '\0') {
		log_ship(sn, 0);
		json_decref(body);
		return send_error_f(c, 400, "logistics.ship_order_already_shipped",
		    "The order has already been shipped.", f);
	}
	if (strcmp(o->status, "READY_TO_SHIP") != 0 && strcmp(o->status, "RETRY_SHIP") != 0) {
		log_ship(sn, 0);
		json_decref(body);
		return send_error_f(c, 400, "logistics.invalid_order_status",
		    "The order status does not allow shipping.", f);
	}
	tn = json_string_value(json_object_get(ni, "tracking_number"));
	if (tn != NULL && tn[0] != '\0')
		snprintf(o->tracking, sizeof o->tracking, "%.31s", tn);
	else
		snprintf(o->tracking, sizeof o->tracking, "SPXVN%010" PRIu64,
		    (uint64_t)(rnd() % 10000000000ULL));
	snprintf(o->status, sizeof o->status, "PROCESSED");
	if ((int64_t)time(NULL) > o->update_time)
		o->update_time = (int64_t)time(NULL);
	log_ship(sn, 1);
	json_decref(body);
	ret = send_json(c, 200, envelope(json_object()), f);
	return ret;
}

static enum MHD_Result
api_tracking(struct MHD_Connection *c, enum fault f)
{
	const char *sn = arg(c, "order_sn");
	const struct sim_order *o = sn != NULL ? find_order(sn) : NULL;

	sim.tracking++;
	if (o == NULL) {
		sim.err_param++;
		return send_error_f(c, 400, "error_param",
		    "logistics.order_not_found: no such order", f);
	}
	return send_json(c, 200, envelope(json_pack("{s:s}", "tracking_number", o->tracking)),
	    f);
}

/* ------------------------------------------------------------------ control */

static json_t *
counters_json(void)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, "
	    "s:I, s:I, s:I, s:I}",
	    "calls", (json_int_t)sim.calls, "list", (json_int_t)sim.list,
	    "detail", (json_int_t)sim.detail, "refresh", (json_int_t)sim.refresh,
	    "control", (json_int_t)sim.control, "faults", (json_int_t)sim.faults,
	    "error_sign", (json_int_t)sim.err_sign, "error_auth", (json_int_t)sim.err_auth,
	    "error_param", (json_int_t)sim.err_param, "orders", (json_int_t)sim.norders,
	    "access_token", sim.access_token, "refresh_token", sim.refresh_token,
	    "ship", (json_int_t)sim.ship, "ship_ok", (json_int_t)sim.ship_ok,
	    "ship_refused", (json_int_t)sim.ship_refused, "tracking", (json_int_t)sim.tracking);
}

/*
 * POST /_sim/orders/add {"count":N}: N new orders updated now.
 * POST /_sim/orders/update {"order_sn", "order_status"?, "buyer_name"?, "sku"?}: change
 *   it and bump its update_time ("sku" replaces the first line's SKU).
 * POST /_sim/fault {"kind": "500"|"truncated"|"drop", "count": K}: the next K API answers.
 * POST /_sim/token {"access_token"?, "expire": 1}: replace or expire the access token.
 * GET /_sim/counters, GET /_sim/orders (with each tracking_number), GET /_sim/ships
 *   (every ship_order call received: order_sn, ok).
 */
static enum MHD_Result
control(struct MHD_Connection *c, const char *url, const char *method, const struct conn *cn)
{
	json_t *body = NULL, *out;
	enum MHD_Result ret;
	int64_t now = (int64_t)time(NULL);

	sim.control++;
	if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/counters") == 0)
		return send_json(c, 200, counters_json(), FAULT_NONE);
	if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/orders") == 0) {
		size_t i;

		out = json_array();
		for (i = 0; i < sim.norders; i++)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:s}",
			    "order_sn", sim.orders[i].sn, "order_status", sim.orders[i].status,
			    "buyer_name", sim.orders[i].name,
			    "update_time", (json_int_t)sim.orders[i].update_time,
			    "tracking_number", sim.orders[i].tracking));
		return send_json(c, 200, json_pack("{s:o}", "orders", out), FAULT_NONE);
	}
	if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/ships") == 0) {
		size_t i;

		out = json_array();
		for (i = 0; i < sim.nships; i++)
			json_array_append_new(out, json_pack("{s:s, s:b}", "order_sn",
			    sim.ships[i].sn, "ok", sim.ships[i].ok));
		return send_json(c, 200, json_pack("{s:o}", "ships", out), FAULT_NONE);
	}
	if (strcmp(method, "POST") != 0)
		return send_error(c, 404, "error_not_found", "no such control endpoint");
	if (cn->body != NULL)
		body = json_loadb(cn->body, cn->len, 0, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		return send_error(c, 400, "error_param", "the body must be a JSON object");
	}
	if (strcmp(url, "/_sim/orders/add") == 0) {
		json_int_t i, n = json_integer_value(json_object_get(body, "count"));

		out = json_array();
		for (i = 0; i < n && i < 100000; i++)
			json_array_append_new(out, json_string(gen_order(now)->sn));
		ret = send_json(c, 200, json_pack("{s:o}", "order_sn_list", out), FAULT_NONE);
	} else if (strcmp(url, "/_sim/orders/update") == 0) {
		const char *sn = json_string_value(json_object_get(body, "order_sn"));
		const char *st = json_string_value(json_object_get(body, "order_status"));
		const char *name = json_string_value(json_object_get(body, "buyer_name"));
		const char *sku = json_string_value(json_object_get(body, "sku"));
		struct sim_order *o = sn ? find_order(sn) : NULL;

		if (o == NULL) {
			ret = send_error(c, 404, "error_not_found", "no such order");
		} else {
			if (st != NULL)
				snprintf(o->status, sizeof o->status, "%s", st);
			if (name != NULL)
				snprintf(o->name, sizeof o->name, "%s", name);
			if (sku != NULL)
				snprintf(o->odd_sku, sizeof o->odd_sku, "%s", sku);
			if (now > o->update_time)
				o->update_time = now;
			ret = send_json(c, 200, order_json(o), FAULT_NONE);
		}
	} else if (strcmp(url, "/_sim/fault") == 0) {
		const char *kind = json_string_value(json_object_get(body, "kind"));
		json_int_t n = json_integer_value(json_object_get(body, "count"));

		sim.fault = FAULT_NONE;
		if (kind != NULL && strcmp(kind, "500") == 0)
			sim.fault = FAULT_500;
		else if (kind != NULL && strcmp(kind, "truncated") == 0)
			sim.fault = FAULT_TRUNCATED;
		else if (kind != NULL && strcmp(kind, "drop") == 0)
			sim.fault = FAULT_DROP;
		sim.fault_left = sim.fault == FAULT_NONE ? 0 : (int)n;
		ret = sim.fault == FAULT_NONE && kind != NULL && strcmp(kind, "none") != 0 ?
		    send_error(c, 400, "error_param", "kind is 500, truncated, drop or none") :
		    send_json(c, 200, counters_json(), FAULT_NONE);
	} else if (strcmp(url, "/_sim/token") == 0) {
		const char *at = json_string_value(json_object_get(body, "access_token"));

		if (at != NULL)
			snprintf(sim.access_token, sizeof sim.access_token, "%s", at);
		if (json_is_true(json_object_get(body, "expire"))) {
			if (sim.token_ttl == 0)
				sim.token_ttl = 14400;
			sim.token_issued = now - sim.token_ttl - 1;
		}
		ret = send_json(c, 200, counters_json(), FAULT_NONE);
	} else {
		ret = send_error(c, 404, "error_not_found", "no such control endpoint");
	}
	json_decref(body);
	return ret;
}

/* ------------------------------------------------------------------ server */

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct conn *cn = *con_cls;
	enum MHD_Result ret;
	enum fault f = FAULT_NONE;

	(void)cls;
	(void)version;
	if (cn == NULL) {
		*con_cls = xmalloc_or_die(sizeof *cn);
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (cn->len + *upload_len > MAX_BODY) {
			cn->too_big = 1;
		} else {
			char *nb = realloc(cn->body, cn->len + *upload_len + 1);

			if (nb == NULL)
				abort();
			cn->body = nb;
			memcpy(cn->body + cn->len, upload, *upload_len);
			cn->len += *upload_len;
			cn->body[cn->len] = '\0';
		}
		*upload_len = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&sim.lock);
	if (cn->too_big) {
		ret = send_error(c, 413, "error_param", "request body too large");
	} else if (strncmp(url, "/_sim/", 6) == 0) {
		ret = control(c, url, method, cn);
	} else {
		sim.calls++;
		if (sim.fault_left > 0) {
			f = sim.fault;
			sim.fault_left--;
			sim.faults++;
		}
		if (strcmp(url, PATH_LIST) == 0 && strcmp(method, "GET") == 0) {
			if (check_common(c, url, 1, &ret) == 0)
				ret = api_list(c, f);
		} else if (strcmp(url, PATH_DETAIL) == 0 && strcmp(method, "GET") == 0) {
			if (check_common(c, url, 1, &ret) == 0)
				ret = api_detail(c, f);
		} else if (strcmp(url, PATH_REFRESH) == 0 && strcmp(method, "POST") == 0) {
			if (check_common(c, url, 0, &ret) == 0)
				ret = api_refresh(c, cn, f);
		} else if (strcmp(url, PATH_SHIP) == 0 && strcmp(method, "POST") == 0) {
			if (check_common(c, url, 1, &ret) == 0)
				ret = api_ship(c, cn, f);
		} else if (strcmp(url, PATH_TRACKING) == 0 && strcmp(method, "GET") == 0) {
			if (check_common(c, url, 1, &ret) == 0)
				ret = api_tracking(c, f);
		} else {
			sim.err_param++;
			ret = send_error(c, 404, "error_not_found", "Invalid path.");
		}
	}
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
			sim.skus = realloc(sim.skus, cap * sizeof *sim.skus);
			if (sim.skus == NULL)
				abort();
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

static void
usage(void)
{
	fprintf(stderr, "usage: packbench-marketsim [--listen 127.0.0.1:PORT] [--orders N] "
	    "[--seed S] [--shop-id ID] [--partner-id ID] [--partner-key KEY] "
	    "[--access-token T] [--refresh-token T] [--token-ttl SECONDS] [--skus FILE]\n");
}

static int
parse_listen(const char *v, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(v, ':');
	int64_t port;

	if (colon == NULL || (size_t)(colon - v) >= sizeof host ||
	    arg_int(colon + 1, &port) < 0 || port < 0 || port > 65535)
		return -1;
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	const char *skus = NULL;
	int64_t norders = 100, seed = 1, now;
	sigset_t sigs;
	size_t i;
	int a, sig;

	sim.partner_id = 1000001;
	sim.shop_id = 2000001;
	sim.partner_key = "sim-partner-key";
	snprintf(sim.access_token, sizeof sim.access_token, "sim-access-token");
	snprintf(sim.refresh_token, sizeof sim.refresh_token, "sim-refresh-token");
	parse_listen("127.0.0.1:0", &sa);
	for (a = 1; a < argc; a++) {
		const char *opt = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
		int bad = 0;

		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage();
			return 0;
		}
		if (v == NULL) {
			usage();
			return 2;
		}
		a++;
		if (strcmp(opt, "--listen") == 0)
			bad = parse_listen(v, &sa);
		else if (strcmp(opt, "--orders") == 0)
			bad = arg_int(v, &norders) < 0 || norders < 0;
		else if (strcmp(opt, "--seed") == 0)
			bad = arg_int(v, &seed);
		else if (strcmp(opt, "--shop-id") == 0)
			bad = arg_int(v, &sim.shop_id);
		else if (strcmp(opt, "--partner-id") == 0)
			bad = arg_int(v, &sim.partner_id);
		else if (strcmp(opt, "--partner-key") == 0)
			sim.partner_key = v;
		else if (strcmp(opt, "--access-token") == 0)
			bad = snprintf(sim.access_token, sizeof sim.access_token, "%s", v) >=
			    (int)sizeof sim.access_token;
		else if (strcmp(opt, "--refresh-token") == 0)
			bad = snprintf(sim.refresh_token, sizeof sim.refresh_token, "%s", v) >=
			    (int)sizeof sim.refresh_token;
		else if (strcmp(opt, "--token-ttl") == 0)
			bad = arg_int(v, &sim.token_ttl) < 0 || sim.token_ttl < 0;
		else if (strcmp(opt, "--skus") == 0)
			skus = v;
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "packbench-marketsim: bad %s '%s'\n", opt, v);
			usage();
			return 2;
		}
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
		sim.skus = xmalloc_or_die(sim.nskus * sizeof *sim.skus);
		for (i = 0; i < sim.nskus; i++) {
			sim.skus[i] = strdup(default_skus[i]);
			if (sim.skus[i] == NULL)
				abort();
		}
	}
	sim.rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
	if (sim.rng == 0)
		sim.rng = 1;
	sim.prices = xmalloc_or_die(sim.nskus * sizeof *sim.prices);
	for (i = 0; i < sim.nskus; i++)
		sim.prices[i] = (int64_t)(29 + pick(470)) * 1000;      /* 29,000 .. 498,000 VND */
	/* The seeded orders were updated over the last two days, oldest first. */
	now = (int64_t)time(NULL);
	sim.token_issued = now;
	for (i = 0; i < (size_t)norders; i++)
		gen_order(now - 2 * 86400 + (int64_t)(i * (2 * 86400 - 60) / (size_t)(norders ? norders : 1)));

	/* Signals wait for sigwait below; the server's threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
	    0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "packbench-marketsim: cannot listen on %s:%u\n",
		    inet_ntoa(sa.sin_addr), ntohs(sa.sin_port));
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%u\n", info != NULL ? (unsigned)info->port : (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	if (sigwait(&sigs, &sig) != 0)
		sig = 0;
	MHD_stop_daemon(d);
	for (i = 0; i < sim.nskus; i++)
		free(sim.skus[i]);
	free(sim.skus);
	free(sim.prices);
	free(sim.orders);
	free(sim.ships);
	return 0;
}

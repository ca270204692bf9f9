/*
 * sim_tiktok.c — the simulator's TikTok Shop API 202309 (sim.h): orders/search, orders
 * (detail), packages/{id}/ship, products/{id}/inventory/update, return_refund
 * cancellations and returns/search, finance statement_transactions and the auth host's token refresh,
 * each checked as the platform does (app_key, timestamp within 300 s, the lower-case
 * sign made with the connector's own tiktok_sign over path, sorted query and body,
 * shop_cipher, then the x-tts-access-token header) and answered in its {code (0 ok),
 * message, request_id, data} shape; an expired token is code 105002, another token than
 * the shop's current one 105001. The page token is a key (the last order served), not
 * an offset, as a cursor API's is.
 *
 * Orders: 18-digit ids, one line item per unit; a paid order has its package (ext[0])
 * from the start, as the platform splits orders into packages itself. Shipping the
 * package makes the order AWAITING_COLLECTION with a tracking number (logged as a ship
 * call, detail the handover method; refusals not ok, with the code).
 *
 * Listing ids: a SKU's product_id is PRODUCT_BASE + its family, its sku id SKU_BASE +
 * its index. The cancel call, its reason keys, the refusal codes and the statement's
 * shape follow tiktok.c's UNCONFIRMED notes.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/request.h"
#include "market/tiktok.h"
#include "sim.h"

#define PATH_SEARCH "/order/202309/orders/search"
#define PATH_DETAIL "/order/202309/orders"
#define PATH_PACKAGES "/fulfillment/202309/packages/"
#define PATH_PRODUCTS "/product/202309/products/"
#define PATH_CANCEL "/return_refund/202309/cancellations"
#define PATH_FINANCE "/finance/202309/orders/"
#define PATH_REFRESH "/api/v2/token/refresh"
#define PATH_RETURNS "/return_refund/202309/returns/search"
#define RETURNS_PAGE_MAX 50
#define ORDER_BASE 576000000000000000LL
#define PRODUCT_BASE 1729000000000000LL
#define SKU_BASE 1731000000000000LL
#define TS_WINDOW 300
#define DETAIL_BATCH 50
#define STOCK_MAX 100

#define CODE_PARAM 36009003
#define CODE_SIGN 106001
#define CODE_EXPIRED 105002
#define CODE_TOKEN 105001
#define CODE_SHIPPED 21011004
#define CODE_PKG_STATUS 21011001
#define CODE_CANCELLED 25001003
#define CODE_NO_CANCEL 25001002

enum call {
	C_SEARCH, C_DETAIL, C_SHIP, C_STOCK, C_CANCEL, C_FINANCE, C_REFRESH, C_RETURNS,
	C_NONE,
};

/* The call path names, and the id in its middle (package, product, order) into id. */
static enum call
which(const char *method, const char *url, char *id, size_t idlen)
{
	static const struct {
		const char *prefix, *suffix, *method;
		enum call c;
	} mid[] = {
		{ PATH_PACKAGES, "/ship", "POST", C_SHIP },
		{ PATH_PRODUCTS, "/inventory/update", "POST", C_STOCK },
		{ PATH_FINANCE, "/statement_transactions", "GET", C_FINANCE },
	};
	size_t i, pl, sl, n = strlen(url);

	if (idlen > 0)
		id[0] = '\0';
	if (strcmp(url, PATH_SEARCH) == 0)
		return strcmp(method, "POST") == 0 ? C_SEARCH : C_NONE;
	if (strcmp(url, PATH_DETAIL) == 0)
		return strcmp(method, "GET") == 0 ? C_DETAIL : C_NONE;
	if (strcmp(url, PATH_CANCEL) == 0)
		return strcmp(method, "POST") == 0 ? C_CANCEL : C_NONE;
	if (strcmp(url, PATH_RETURNS) == 0)
		return strcmp(method, "POST") == 0 ? C_RETURNS : C_NONE;
	if (strcmp(url, PATH_REFRESH) == 0)
		return strcmp(method, "GET") == 0 ? C_REFRESH : C_NONE;
	for (i = 0; i < sizeof mid / sizeof mid[0]; i++) {
		pl = strlen(mid[i].prefix);
		sl = strlen(mid[i].suffix);
		if (n > pl + sl && strncmp(url, mid[i].prefix, pl) == 0 &&
		    strcmp(url + n - sl, mid[i].suffix) == 0 && n - pl - sl < idlen &&
		    memchr(url + pl, '/', n - pl - sl) == NULL) {
			memcpy(id, url + pl, n - pl - sl);
			id[n - pl - sl] = '\0';
			return strcmp(method, mid[i].method) == 0 ? mid[i].c : C_NONE;
		}
	}
	return C_NONE;
}

static int
owns(const char *method, const char *url)
{
	static const char *const prefixes[] = { "/order/202309/", "/fulfillment/202309/",
		"/product/202309/", "/return_refund/202309/", "/finance/202309/", NULL };
	size_t i;

	(void)method;
	if (strcmp(url, PATH_REFRESH) == 0)
		return 1;
	for (i = 0; prefixes[i] != NULL; i++) {
		if (strncmp(url, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	}
	return 0;
}

static struct sim_shop *
shop_by(const char *field, const char *v)
{
	return sim_shop_by(&sim_tiktok, field, v);
}

/* By shop_cipher; the token refresh by its refresh token, else the app's first shop. */
static struct sim_shop *
shop_of(const struct sim_req *rq)
{
	struct sim_shop *sh = shop_by("shop_cipher", sim_arg(rq, "shop_cipher"));

	if (sh == NULL)
		sh = shop_by("refresh_token", sim_arg(rq, "refresh_token"));
	if (sh == NULL)
		sh = shop_by("app_key", sim_arg(rq, "app_key"));
	return sh;
}

static json_t *
error(enum sim_err kind, const char *code, const char *msg, unsigned *http)
{
	static const struct {
		unsigned http;
		int code;
	} shapes[] = {
		[SIM_ERR_PARAM] = { 400, CODE_PARAM }, [SIM_ERR_SIGN] = { 401, CODE_SIGN },
		[SIM_ERR_AUTH] = { 401, CODE_EXPIRED }, [SIM_ERR_RATE] = { 429, 36009008 },
		[SIM_ERR_SERVER] = { 500, 36009999 }, [SIM_ERR_NOT_FOUND] = { 404, 36009004 },
	};
	char rid[33];
	long long c = shapes[kind].code;

	if (code != NULL)
		c = strtoll(code, NULL, 10);
	sim_request_id(rid);
	*http = shapes[kind].http;
	return json_pack("{s:I, s:s, s:s, s:{}}", "code", (json_int_t)c, "message", msg,
	    "request_id", rid, "data");
}

static enum MHD_Result
ok(struct sim_req *rq, json_t *data)
{
	char rid[33];

	sim_request_id(rid);
	return sim_send_json(rq, 200, json_pack("{s:i, s:s, s:s, s:o}", "code", 0, "message",
	    "Success", "request_id", rid, "data", data));
}

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	request_param(cls, key, value != NULL ? value : "");
	return MHD_YES;
}

/*
 * The platform's checks in its order: app_key, timestamp, sign, shop_cipher, then the
 * access token header. 0, or -1 after answering the error.
 */
static int
check(struct sim_req *rq, enum MHD_Result *ret)
{
	const char *key = sim_arg(rq, "app_key"), *sign = sim_arg(rq, "sign");
	const char *token = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    "x-tts-access-token");
	struct sim_shop *app = shop_by("app_key", key);
	struct request r;
	char want[65], code[16];
	int64_t ts;

	if (key == NULL || sign == NULL || sim_int(sim_arg(rq, "timestamp"), &ts) < 0) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "app_key, timestamp and sign are required");
		return -1;
	}
	if (app == NULL) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid app_key");
		return -1;
	}
	if (ts < rq->now - TS_WINDOW || ts > rq->now + TS_WINDOW) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid timestamp");
		return -1;
	}
	request_init(&r, rq->method, REQUEST_API, rq->url);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_arg, &r);
	if (rq->body != NULL && rq->len > 0) {
		char *b = sim_alloc(rq->len + 1);

		memcpy(b, rq->body, rq->len);
		request_set_body(&r, b);
		r.body_len = rq->len;
	}
	tiktok_sign(app->app_secret, &r, 0, want);
	request_free(&r);
	if (strlen(sign) != 64 || sodium_memcmp(sign, want, 64) != 0) {
		*ret = sim_send_error(rq, SIM_ERR_SIGN, NULL, "Invalid signature");
		return -1;
	}
	if (rq->shop == NULL || sim_arg(rq, "shop_cipher") == NULL ||
	    strcmp(rq->shop->shop_cipher, sim_arg(rq, "shop_cipher")) != 0 ||
	    strcmp(rq->shop->app_key, key) != 0) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid shop_cipher");
		return -1;
	}
	if (sim_token_check(rq->shop, token) < 0) {
		int expired = token != NULL && strcmp(token, rq->shop->access_token) == 0;

		snprintf(code, sizeof code, "%d", expired ? CODE_EXPIRED : CODE_TOKEN);
		*ret = sim_send_error(rq, SIM_ERR_AUTH, code, expired ?
		    "Access token is expired" : "Invalid access token");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ orders */

static void
order_no(struct sim_shop *sh, struct sim_order *o)
{
	long long id = ORDER_BASE + (long long)sh->idx * 1000000000000LL + o->seq;

	snprintf(o->sn, sizeof o->sn, "%lld", id);
	snprintf(o->ext[0], sizeof o->ext[0], "1153%014lld", id % 100000000000000LL);
}

/* The order numbered sn: at once by the sequence number in it (order_no), else by a
 * search (an order number of another form). */
static struct sim_order *
find(struct sim_shop *sh, const char *sn)
{
	return sim_order_by_seq(sh, sn, ORDER_BASE, 1000000000000LL);
}

static int
has_package(const struct sim_order *o)
{
	return strcmp(o->status, "UNPAID") != 0 && strcmp(o->status, "ON_HOLD") != 0;
}

static json_t *
order_json(const struct sim_order *o)
{
	const struct sim_place *pl = &sim_places[o->place];
	json_t *items = json_array();
	char total[32];
	int i, q, unit = 0;

	for (i = 0; i < o->nlines; i++) {
		const struct sim_line *l = &o->lines[i];
		const char *sku = sim_line_sku(o, i);
		char id[64], pid[32], sid[32], price[32];

		snprintf(pid, sizeof pid, "%lld", PRODUCT_BASE + sim.family[l->sku]);
		snprintf(sid, sizeof sid, "%lld", SKU_BASE + l->sku);
		snprintf(price, sizeof price, "%" PRId64, l->price);
		for (q = 0; q < l->qty; q++, unit++) {
			json_t *it;

			snprintf(id, sizeof id, "%s%02d", o->sn, unit);
			it = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
			    "sku_id", sid, "product_id", pid, "seller_sku", sku, "sku_name", sku,
			    "sale_price", price, "original_price", price, "display_status",
			    o->status);
			if (has_package(o))
				json_object_set_new(it, "package_id", json_string(o->ext[0]));
			if (o->tracking[0] != '\0')
				json_object_set_new(it, "tracking_number", json_string(o->tracking));
			json_array_append_new(items, it);
		}
	}
	snprintf(total, sizeof total, "%" PRId64, sim_order_total(o));
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s, s:s, "
	    "s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}, "
	    "{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]}, s:o}",
	    "id", o->sn, "status", o->status, "is_cod", o->cod,
	    "create_time", (json_int_t)o->create_time, "update_time", (json_int_t)o->update_time,
	    "rts_sla_time", (json_int_t)o->ship_by, "shipping_due_time",
	    (json_int_t)(o->ship_by + 86400), "tracking_number", o->tracking,
	    "warehouse_id", "7301000000000001",
	    "payment", "currency", "VND", "sub_total", total, "shipping_fee", "0",
	    "total_amount", total,
	    "recipient_address", "name", o->name, "phone_number", o->phone,
	    "full_address", o->address, "postal_code", "", "region_code", "VN",
	    "district_info", "address_level_name", "country", "address_name", "Việt Nam",
	    "address_level", "L0", "address_level_name", "province", "address_name",
	    pl->province, "address_level", "L1", "address_level_name", "district",
	    "address_name", pl->district, "address_level", "L2", "address_level_name", "ward",
	    "address_name", pl->ward, "address_level", "L3",
	    "line_items", items);
}

/* A body bound: 0 when absent, -1 when not an integer. */
static int
bound(const json_t *body, const char *key, int64_t *v)
{
	const json_t *j = json_object_get(body, key);

	if (j == NULL)
		return 0;
	if (!json_is_integer(j))
		return -1;
	*v = (int64_t)json_integer_value(j);
	return 0;
}

/*
 * orders/search: query page_size 1..100, page_token, sort_field (update_time, the
 * default, or create_time); body update_time_ge/lt, create_time_ge/lt, order_status.
 * Oldest first. The page token is a key, not an offset: "pt" + the sort time (hex) of
 * the last order served + "." + its id, and the next page starts after that key, so an
 * order updated (moved) while a client pages skips nobody. A duplicate-page fault starts
 * a page half a page before the key.
 */
static enum MHD_Result
api_search(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	const char *tok = sim_arg(rq, "page_token"), *st, *field = sim_arg(rq, "sort_field");
	int64_t size, uge = 0, ult = INT64_MAX, cge = 0, clt = INT64_MAX;
	uint64_t kt = 0;
	struct sim_order **hits;
	json_t *body = sim_body_json(rq), *list;
	size_t i, n = 0, start = 0, end;
	char next[80], ksn[48] = "";
	int by_create, keyed = tok != NULL && tok[0] != '\0';

	sim_count(sh, "list");
	if (sim_int(sim_arg(rq, "page_size"), &size) < 0 || size < 1 || size > 100) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "page_size must be 1..100");
	}
	if (field != NULL && strcmp(field, "update_time") != 0 &&
	    strcmp(field, "create_time") != 0) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "sort_field is update_time or create_time");
	}
	by_create = field != NULL && strcmp(field, "create_time") == 0;
	if (keyed && (strncmp(tok, "pt", 2) != 0 ||
	    sscanf(tok + 2, "%" SCNx64 ".%47[0-9]", &kt, ksn) != 2)) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid page_token");
	}
	if ((rq->body != NULL && rq->len > 0 && body == NULL) ||
	    bound(body, "update_time_ge", &uge) < 0 || bound(body, "update_time_lt", &ult) < 0 ||
	    bound(body, "create_time_ge", &cge) < 0 || bound(body, "create_time_lt", &clt) < 0) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "The body is not valid");
	}
	st = json_string_value(json_object_get(body, "order_status"));
	hits = sim_alloc((sh->norders + 1) * sizeof *hits);
	for (i = 0; i < sh->norders; i++) {
		const struct sim_order *o = &sh->orders[i];

		if (o->update_time >= uge && o->update_time < ult && o->create_time >= cge &&
		    o->create_time < clt && (st == NULL || strcmp(st, o->status) == 0))
			hits[n++] = &sh->orders[i];
	}
	json_decref(body);
	qsort(hits, n, sizeof *hits, by_create ? sim_cmp_create : sim_cmp_update);
	/* The first order after the key. */
	while (keyed && start < n) {
		int64_t t = by_create ? hits[start]->create_time : hits[start]->update_time;

		if (t > (int64_t)kt || (t == (int64_t)kt && strcmp(hits[start]->sn, ksn) > 0))
			break;
		start++;
	}
	if (keyed && sim_take_fault(sh, SIM_FAULT_DUP_PAGE))
		start -= start < (size_t)(size + 1) / 2 ? start : (size_t)(size + 1) / 2;
	end = start + (size_t)size < n ? start + (size_t)size : n;
	list = json_array();
	for (i = start; i < end; i++)
		json_array_append_new(list, order_json(hits[i]));
	next[0] = '\0';
	if (end < n)
		snprintf(next, sizeof next, "pt%" PRIx64 ".%s", (uint64_t)(by_create ?
		    hits[end - 1]->create_time : hits[end - 1]->update_time), hits[end - 1]->sn);
	free(hits);
	return ok(rq, json_pack("{s:o, s:s, s:I}", "orders", list, "next_page_token", next,
	    "total_count", (json_int_t)n));
}

static enum MHD_Result
api_detail(struct sim_req *rq)
{
	const char *v = sim_arg(rq, "ids");
	char *list, *save = NULL, *id;
	json_t *orders;
	int n = 0;

	sim_count(rq->shop, "detail");
	if (v == NULL || v[0] == '\0')
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "ids is required");
	if ((list = strdup(v)) == NULL)
		abort();
	orders = json_array();
	for (id = strtok_r(list, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
		const struct sim_order *o = find(rq->shop, id);

		if (++n > DETAIL_BATCH)
			break;
		if (o != NULL)
			json_array_append_new(orders, order_json(o));
	}
	free(list);
	if (n > DETAIL_BATCH) {
		json_decref(orders);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "ids takes at most 50 orders");
	}
	return ok(rq, json_pack("{s:o}", "orders", orders));
}

/* ------------------------------------------------------------------ fulfilment */

static void
log_ship(struct sim_shop *sh, const char *sn, int ok_, const char *detail)
{
	sim_log_order(sh, "ship", sn, ok_, detail);
	sim_count(sh, ok_ ? "ship_ok" : "ship_refused");
}

/* The order whose package is pid ("1153" + the order id's last 14 digits). */
static struct sim_order *
package_order(struct sim_shop *sh, const char *pid)
{
	struct sim_order *o;
	char sn[32];
	int64_t v;

	if (strncmp(pid, "1153", 4) != 0 || strlen(pid) != 18 || sim_int(pid + 4, &v) < 0)
		return NULL;
	snprintf(sn, sizeof sn, "%lld", (long long)(ORDER_BASE + v));
	o = find(sh, sn);
	return o != NULL && strcmp(o->ext[0], pid) == 0 && has_package(o) ? o : NULL;
}

/*
 * packages/{id}/ship {handover_method}: only an AWAITING_SHIPMENT order's package; it
 * becomes AWAITING_COLLECTION with a tracking number. The work is done before an
 * injected fault spoils the answer.
 */
static enum MHD_Result
api_ship(struct sim_req *rq, const char *pid)
{
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq);
	const char *how = json_string_value(json_object_get(body, "handover_method"));
	struct sim_order *o = package_order(sh, pid);
	char code[16], detail[32];
	enum MHD_Result ret;

	sim_count(sh, "ship");
	if (how == NULL || (strcmp(how, "DROP_OFF") != 0 && strcmp(how, "PICKUP") != 0)) {
		log_ship(sh, o != NULL ? o->sn : "", 0, "invalid_handover");
		ret = sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "handover_method must be DROP_OFF or PICKUP");
	} else if (o == NULL) {
		log_ship(sh, "", 0, "package_not_found");
		ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Package not found");
	} else if (strcmp(o->status, "AWAITING_SHIPMENT") != 0) {
		int done = strcmp(o->status, "CANCELLED") != 0;

		snprintf(code, sizeof code, "%d", done ? CODE_SHIPPED : CODE_PKG_STATUS);
		snprintf(detail, sizeof detail, "%s", code);
		log_ship(sh, o->sn, 0, detail);
		ret = sim_send_error(rq, SIM_ERR_PARAM, code, done ?
		    "The package has been shipped" : "The package status does not allow shipping");
	} else {
		snprintf(o->tracking, sizeof o->tracking, "TTVN%010" PRIu64,
		    (uint64_t)(sim_rnd() % 10000000000ULL));
		log_ship(sh, o->sn, 1, how);
		sim_order_status(sh, o, "AWAITING_COLLECTION");
		ret = ok(rq, json_object());
	}
	json_decref(body);
	return ret;
}

/* ------------------------------------------------------------------ stock */

/*
 * products/{id}/inventory/update {skus:[{id, inventory:[{warehouse_id?, quantity}]}]}:
 * each SKU of the product set, the others listed in data.errors[].
 */
static enum MHD_Result
api_stock(struct sim_req *rq, const char *product)
{
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq), *skus = json_object_get(body, "skus"), *s, *errs;
	int64_t prod;
	size_t i;

	sim_count(sh, "stock");
	if (!json_is_array(skus) || json_array_size(skus) == 0 ||
	    json_array_size(skus) > STOCK_MAX) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "skus (1..100) is required");
	}
	if (sim_int(product, &prod) < 0 || prod < PRODUCT_BASE ||
	    prod >= PRODUCT_BASE + (int64_t)sim.nskus) {
		sim_log_stock(sh, product, "", -1, -1, 0, "product_not_found");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, "12019001", "Product not found");
	}
	errs = json_array();
	json_array_foreach(skus, i, s) {
		const char *id = json_string_value(json_object_get(s, "id"));
		json_t *inv = json_array_get(json_object_get(s, "inventory"), 0);
		json_t *q = json_object_get(inv, "quantity");
		int64_t sk;
		int sku = -1;

		if (id != NULL && sim_int(id, &sk) == 0 && sk >= SKU_BASE &&
		    sk < SKU_BASE + (int64_t)sim.nskus && sim.family[sk - SKU_BASE] ==
		    prod - PRODUCT_BASE)
			sku = (int)(sk - SKU_BASE);
		if (sku < 0 || !json_is_integer(q) || json_integer_value(q) < 0) {
			sim_log_stock(sh, product, id != NULL ? id : "", sku, json_is_integer(q) ?
			    (int64_t)json_integer_value(q) : -1, 0, "invalid_sku_or_quantity");
			json_array_append_new(errs, json_pack("{s:i, s:s, s:{s:s}}", "code",
			    12052700, "message", sku < 0 ? "The SKU is not of this product" :
			    "quantity must be an integer >= 0", "detail", "sku_id", id ? id : ""));
			continue;
		}
		sh->stock[sku] = (int64_t)json_integer_value(q);
		sim_log_stock(sh, product, id, sku, sh->stock[sku], 1, "");
	}
	json_decref(body);
	if (json_array_size(errs) == 0) {
		json_decref(errs);
		return ok(rq, json_object());
	}
	return ok(rq, json_pack("{s:o}", "errors", errs));
}

/* ------------------------------------------------------------------ cancel, finance */

/* cancellations {order_id, cancel_reason}: an order not yet handed over. */
static enum MHD_Result
api_cancel(struct sim_req *rq)
{
	static const char *const reasons[] = { "seller_cancel_reason_out_of_stock",
		"seller_cancel_reason_wrong_price", "seller_cancel_reason_buyer_request", NULL };
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq);
	const char *id = json_string_value(json_object_get(body, "order_id"));
	const char *why = json_string_value(json_object_get(body, "cancel_reason"));
	struct sim_order *o = find(sh, id);
	enum MHD_Result ret;
	char code[16];
	size_t i;

	sim_count(sh, "cancel");
	for (i = 0; why != NULL && reasons[i] != NULL && strcmp(reasons[i], why) != 0; i++)
		;
	if (id == NULL || why == NULL || reasons[i] == NULL) {
		sim_log_order(sh, "cancel", id, 0, "invalid_param");
		ret = sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "order_id and a known cancel_reason are required");
	} else if (o == NULL) {
		sim_log_order(sh, "cancel", id, 0, "order_not_found");
		ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Order not found");
	} else if (strcmp(o->status, "CANCELLED") == 0) {
		snprintf(code, sizeof code, "%d", CODE_CANCELLED);
		sim_log_order(sh, "cancel", o->sn, 0, code);
		ret = sim_send_error(rq, SIM_ERR_PARAM, code, "The order is cancelled already");
	} else if (strcmp(o->status, "UNPAID") != 0 && strcmp(o->status, "ON_HOLD") != 0 &&
	    strcmp(o->status, "AWAITING_SHIPMENT") != 0) {
		snprintf(code, sizeof code, "%d", CODE_NO_CANCEL);
		sim_log_order(sh, "cancel", o->sn, 0, code);
		ret = sim_send_error(rq, SIM_ERR_PARAM, code,
		    "The order status does not allow cancelling");
	} else {
		snprintf(o->cancel_reason, sizeof o->cancel_reason, "%s", why);
		sim_log_order(sh, "cancel", o->sn, 1, why);
		sim_order_status(sh, o, "CANCELLED");
		ret = ok(rq, json_pack("{s:s, s:s}", "cancel_id", o->sn, "cancel_status",
		    "CANCELLATION_REQUEST_COMPLETE"));
	}
	json_decref(body);
	return ret;
}

/*
 * statement_transactions of an order handed over: revenue the total, referral fee 5 %,
 * transaction fee 2 %, shipping 15,000 (fees negative, decimal text); SETTLED once
 * delivered or completed.
 */
static enum MHD_Result
api_finance(struct sim_req *rq, const char *id)
{
	const struct sim_order *o = find(rq->shop, id);
	json_t *list = json_array();
	char v[9][32];
	int64_t total, ref, trans, ship = 15000, fee;

	sim_count(rq->shop, "finance");
	if (o == NULL) {
		json_decref(list);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "Order not found");
	}
	if (strcmp(o->status, "UNPAID") != 0 && strcmp(o->status, "ON_HOLD") != 0 &&
	    strcmp(o->status, "AWAITING_SHIPMENT") != 0 && strcmp(o->status, "CANCELLED") != 0) {
		total = sim_order_total(o);
		ref = total * 5 / 100;
		trans = total * 2 / 100;
		fee = -(ref + trans + ship);
		snprintf(v[0], sizeof v[0], "%" PRId64, total);
		snprintf(v[1], sizeof v[1], "%" PRId64, fee);
		snprintf(v[2], sizeof v[2], "0");
		snprintf(v[3], sizeof v[3], "%" PRId64, total + fee);
		snprintf(v[4], sizeof v[4], "%" PRId64, -ref);
		snprintf(v[5], sizeof v[5], "%" PRId64, -trans);
		snprintf(v[6], sizeof v[6], "0");
		snprintf(v[7], sizeof v[7], "%" PRId64, -ship);
		snprintf(v[8], sizeof v[8], "%" PRId64, -ship);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, "
		    "s:s, s:s, s:s, s:s, s:s}",
		    "id", o->sn, "status", strcmp(o->status, "DELIVERED") == 0 ||
		    strcmp(o->status, "COMPLETED") == 0 ? "SETTLED" : "PROCESSING",
		    "currency", "VND", "statement_time", (json_int_t)o->update_time,
		    "revenue_amount", v[0], "fee_amount", v[1], "adjustment_amount", v[2],
		    "settlement_amount", v[3], "referral_fee_amount", v[4],
		    "transaction_fee_amount", v[5], "affiliate_commission_amount", v[6],
		    "shipping_fee_amount", v[7], "actual_shipping_fee_amount", v[8]));
	}
	return ok(rq, json_pack("{s:s, s:s, s:o}", "order_id", o->sn, "currency", "VND",
	    "statement_transactions", list));
}

/* ------------------------------------------------------------------ auth */

/* The auth host: app_key, app_secret, refresh_token, grant_type in the query, no sign. */
static enum MHD_Result
api_refresh(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	const char *key = sim_arg(rq, "app_key"), *secret = sim_arg(rq, "app_secret");
	const char *rt = sim_arg(rq, "refresh_token"), *grant = sim_arg(rq, "grant_type");

	sim_count(sh, "refresh");
	if (key == NULL || secret == NULL || rt == NULL || grant == NULL ||
	    strcmp(grant, "refresh_token") != 0)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "app_key, app_secret, "
		    "refresh_token and grant_type=refresh_token are required");
	if (sh == NULL || strcmp(sh->app_key, key) != 0 || strcmp(sh->app_secret, secret) != 0)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid app_key or app_secret");
	if (strcmp(rt, sh->refresh_token) != 0)
		return sim_send_error(rq, SIM_ERR_PARAM, "105003", "Invalid refresh_token");
	sim_token_rotate(sh);
	return ok(rq, json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:s}", "access_token",
	    sh->access_token, "access_token_expire_in", (json_int_t)(rq->now +
	    (sh->token_ttl > 0 ? sh->token_ttl : 604800)), "refresh_token", sh->refresh_token,
	    "refresh_token_expire_in", (json_int_t)(rq->now + 31536000), "open_id",
	    sh->seller_id, "seller_name", sh->code, "seller_base_region", "VN"));
}

/* ------------------------------------------------------------------ push, row */

/* type 1, an order's status changed. */
static char *
push_body(const struct sim_shop *sh, const struct sim_order *o, int64_t now)
{
	char nid[24];
	json_t *j;
	char *s;

	snprintf(nid, sizeof nid, "%" PRIu64, (uint64_t)(sim_rnd() % 10000000000000000000ULL));
	j = json_pack("{s:i, s:s, s:s, s:I, s:{s:s, s:s, s:I}}", "type", 1,
	    "tts_notification_id", nid, "shop_id", sh->seller_id, "timestamp", (json_int_t)now,
	    "data", "order_id", o->sn, "order_status", o->status, "update_time",
	    (json_int_t)o->update_time);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* ------------------------------------------------------------------ returns */

static json_t *
return_json(struct sim_shop *sh, const struct sim_return *r)
{
	const struct sim_order *o = find(sh, r->order_sn);
	json_t *lines = json_array();
	int i, unit = 0;
	int64_t q;

	for (i = 0; o != NULL && i < o->nlines; i++) {
		const struct sim_line *l = &o->lines[i];

		for (q = 0; q < l->qty; q++, unit++) {
			char id[64], oid[64], sid[32];

			if (q >= r->qty[i])
				continue;
			snprintf(id, sizeof id, "%s%02d", r->id, unit);
			snprintf(oid, sizeof oid, "%s%02d", o->sn, unit);
			snprintf(sid, sizeof sid, "%lld", SKU_BASE + l->sku);
			json_array_append_new(lines, json_pack("{s:s, s:s, s:s, s:s, s:s}",
			    "return_line_item_id", id, "order_line_item_id", oid, "sku_id", sid,
			    "seller_sku", sim_line_sku(o, i), "product_name", sim_line_sku(o, i)));
		}
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
	    "return_id", r->id, "order_id", r->order_sn,
	    "return_type", r->type[0] != '\0' ? r->type : "RETURN_AND_REFUND",
	    "return_status", r->status, "return_reason", "ecom_order_delivered_refund_and_return",
	    "return_reason_text", r->reason, "return_tracking_number", r->tracking,
	    "create_time", (json_int_t)r->create_time, "update_time", (json_int_t)r->update_time,
	    "return_line_items", lines);
}

/* returns/search: page_size 1..50, page_token "rt" + the offset, sort_field
 * update_time; body update_time_ge/lt. Oldest first. */
static enum MHD_Result
api_returns(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	const char *tok = sim_arg(rq, "page_token");
	int64_t size, ge = 0, lt = INT64_MAX, off = 0;
	struct sim_return **hits;
	json_t *body = sim_body_json(rq), *list;
	size_t i, n;
	char next[32] = "";

	sim_count(sh, "returns");
	if (sim_int(sim_arg(rq, "page_size"), &size) < 0 || size < 1 || size > RETURNS_PAGE_MAX) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "page_size must be 1..50");
	}
	if (tok != NULL && tok[0] != '\0' && (strncmp(tok, "rt", 2) != 0 ||
	    sim_int(tok + 2, &off) < 0 || off < 0)) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid page_token");
	}
	if (body == NULL || bound(body, "update_time_ge", &ge) < 0 ||
	    bound(body, "update_time_lt", &lt) < 0) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "The body is not valid");
	}
	json_decref(body);
	hits = sim_returns_in(sh, ge, lt, &n);
	list = json_array();
	for (i = (size_t)off; i < n && i < (size_t)(off + size); i++)
		json_array_append_new(list, return_json(sh, hits[i]));
	if ((size_t)(off + size) < n)
		snprintf(next, sizeof next, "rt%" PRId64, off + size);
	free(hits);
	return ok(rq, json_pack("{s:o, s:s, s:I}", "return_orders", list, "next_page_token",
	    next, "total_count", (json_int_t)n));
}

static enum MHD_Result
handle(struct sim_req *rq)
{
	enum MHD_Result ret;
	char id[48];
	enum call c = which(rq->method, rq->url, id, sizeof id);

	if (c == C_NONE)
		return sim_send_error(rq, SIM_ERR_NOT_FOUND, NULL, "Invalid path");
	if (c == C_REFRESH)
		return api_refresh(rq);
	if (check(rq, &ret) < 0)
		return ret;
	switch (c) {
	case C_SEARCH:
		return api_search(rq);
	case C_DETAIL:
		return api_detail(rq);
	case C_SHIP:
		return api_ship(rq, id);
	case C_STOCK:
		return api_stock(rq, id);
	case C_CANCEL:
		return api_cancel(rq);
	case C_FINANCE:
		return api_finance(rq, id);
	case C_RETURNS:
		return api_returns(rq);
	default:
		return sim_send_error(rq, SIM_ERR_NOT_FOUND, NULL, "Invalid path");
	}
}

const struct sim_channel sim_tiktok = {
	.name = "tiktok",
	.st_unpaid = "UNPAID",
	.st_ready = "AWAITING_SHIPMENT",
	.st_cancelled = "CANCELLED",
	.st_return_new = "RETURN_OR_REFUND_REQUEST_PENDING",
	.owns = owns,
	.shop_of = shop_of,
	.handle = handle,
	.error = error,
	.init_shop = NULL,
	.order_no = order_no,
	.push_body = push_body,
};

/*
 * tiktok.c — TikTok Shop API 202309 (reference/marketplaces.md): the signer, the
 * builders of orders/search, orders?ids= and token refresh, and the mappers of its
 * {code, message, request_id, data} envelope, order pages (whole orders, lines
 * included) and order details onto our error classes and orders. Pure.
 */
#include "tiktok.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jsonx.h"

#define TIKTOK_PAGE_MAX 100
#define TIKTOK_DETAIL_BATCH 50      /* commonly cited, UNCONFIRMED */
#define TIKTOK_CODE_EXPIRED "105002"

#define PATH_SEARCH "/order/202309/orders/search"
#define PATH_DETAIL "/order/202309/orders"
#define PATH_REFRESH "/api/v2/token/refresh"

const struct channel_status tiktok_statuses[] = {
	{ "UNPAID", ST_NEW },
	{ "ON_HOLD", ST_NEW },
	{ "AWAITING_SHIPMENT", ST_CONFIRMED },
	{ "PARTIALLY_SHIPPING", ST_PACKING },
	{ "AWAITING_COLLECTION", ST_PACKED },
	{ "IN_TRANSIT", ST_SHIPPED },
	{ "DELIVERED", ST_DELIVERED },
	{ "COMPLETED", ST_COMPLETED },
	{ "CANCELLED", ST_CANCELLED },
	{ NULL, ST_NEW },
};

void
tiktok_sign(const char *app_secret, struct request *r, int multipart, char out[65])
{
	static const char *const skip[] = { "sign", "access_token", NULL };
	char *params = request_sign_base(r, r->path, skip), *base;
	size_t sl = strlen(app_secret), pl = strlen(params);
	size_t bl = multipart || r->body == NULL ? 0 : r->body_len;

	base = xmalloc(2 * sl + pl + bl);
	memcpy(base, app_secret, sl);
	memcpy(base + sl, params, pl);
	if (bl > 0)
		memcpy(base + sl + pl, r->body, bl);
	memcpy(base + sl + pl + bl, app_secret, sl);
	request_hmac_hex(app_secret, base, 2 * sl + pl + bl, 0, out);
	free(base);
	free(params);
}

/* app_key, timestamp, shop_cipher and the token header; the sign comes last. */
static int
common(struct request *r, const struct market_creds *c, int64_t now, char *err,
    size_t errlen)
{
	if (c->app_key == NULL || c->app_key[0] == '\0' || c->app_secret == NULL ||
	    c->app_secret[0] == '\0' || c->shop_cipher == NULL || c->shop_cipher[0] == '\0' ||
	    c->access_token == NULL || c->access_token[0] == '\0') {
		snprintf(err, errlen,
		    "tiktok: app_key, app_secret, shop_cipher and access_token are required");
		return -1;
	}
	request_param(r, "app_key", c->app_key);
	request_param_int(r, "timestamp", now);
	request_param(r, "shop_cipher", c->shop_cipher);
	request_header(r, "x-tts-access-token", c->access_token);
	return 0;
}

static void
sign_finish(struct request *r, const struct market_creds *c)
{
	char sign[65];

	tiktok_sign(c->app_secret, r, 0, sign);
	request_param(r, "sign", sign);
	request_finish(r);
}

static int
list_request(const struct market_creds *c, const struct market_listq *q, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : TIKTOK_PAGE_MAX;
	json_t *body;

	if (q->to <= q->from) {
		snprintf(err, errlen, "tiktok: empty window %" PRId64 "..%" PRId64, q->from, q->to);
		return -1;
	}
	if (size < 1 || size > TIKTOK_PAGE_MAX) {
		snprintf(err, errlen, "tiktok: page size %d is not 1..%d", size, TIKTOK_PAGE_MAX);
		return -1;
	}
	request_init(r, "POST", REQUEST_API, PATH_SEARCH);
	if (common(r, c, now, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_param_int(r, "page_size", size);
	if (q->cursor != NULL && q->cursor[0] != '\0')
		request_param(r, "page_token", q->cursor);
	request_param(r, "sort_field", "update_time");
	request_param(r, "sort_order", "ASC");
	body = json_pack("{s:I, s:I}", "update_time_ge", (json_int_t)q->from,
	    "update_time_lt", (json_int_t)q->to);
	if (body == NULL)
		abort();
	request_set_body(r, json_dumps(body, JSON_COMPACT));
	json_decref(body);
	if (r->body == NULL)
		abort();
	request_header(r, "Content-Type", "application/json");
	sign_finish(r, c);
	return 0;
}

static int
detail_request(const struct market_creds *c, const char *const *ids, size_t n, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	char *list = market_join_ids("tiktok", ids, n, TIKTOK_DETAIL_BATCH, ',', err, errlen);

	if (list == NULL)
		return -1;
	request_init(r, "GET", REQUEST_API, PATH_DETAIL);
	if (common(r, c, now, err, errlen) < 0) {
		free(list);
		request_free(r);
		return -1;
	}
	request_param(r, "ids", list);
	free(list);
	sign_finish(r, c);
	return 0;
}

/* The auth host takes the app secret itself in the query; no sign. */
static int
refresh_request(const struct market_creds *c, int64_t now, struct request *r, char *err,
    size_t errlen)
{
	if (c->app_key == NULL || c->app_key[0] == '\0' || c->app_secret == NULL ||
	    c->app_secret[0] == '\0' || c->refresh_token == NULL || c->refresh_token[0] == '\0') {
		snprintf(err, errlen, "tiktok: app_key, app_secret and refresh_token are required");
		return -1;
	}
	request_init(r, "GET", REQUEST_AUTH, PATH_REFRESH);
	request_param(r, "app_key", c->app_key);
	request_param(r, "app_secret", c->app_secret);
	request_param(r, "refresh_token", c->refresh_token);
	request_param(r, "grant_type", "refresh_token");
	request_finish(r);
	(void)now;
	return 0;
}

/* Success is code 0 in the body; 105002 is an expired token. Other codes are the
 * caller's to fix unless the HTTP status says the server failed or throttled. */
static enum market_class
classify(const char *code, long http)
{
	if (strcmp(code, TIKTOK_CODE_EXPIRED) == 0)
		return MC_AUTH;
	if (http == 429)
		return MC_RATE;
	return http >= 500 ? MC_RETRY : MC_FATAL;
}

static json_t *
load(long http, const char *body, size_t len, struct market_error *err)
{
	char buf[24];
	const char *code, *msg, *rid;
	json_t *root;

	memset(err, 0, sizeof *err);
	if ((root = jsonx_load("tiktok", http, body, len, err)) == NULL)
		return NULL;
	code = jsonx_text(root, "code", buf, sizeof buf);
	msg = jsonx_str(root, "message");
	rid = jsonx_str(root, "request_id");
	if (rid != NULL)
		snprintf(err->request_id, sizeof err->request_id, "%s", rid);
	if (code != NULL && strcmp(code, "0") == 0 && http >= 200 && http < 300) {
		market_error_set(err, MC_OK, "0", "ok");
		return root;
	}
	market_error_set(err, classify(code ? code : "", http), code ? code : "",
	    "tiktok: %s: %s", code ? code : "HTTP error", msg && msg[0] ? msg : "(no message)");
	json_decref(root);
	return NULL;
}

static enum market_class
check(long http, const char *body, size_t len, struct market_error *err)
{
	json_t *root = load(http, body, len, err);

	json_decref(root);
	return err->cls;
}

static int
cancelled(const json_t *item)
{
	const char *st = jsonx_str(item, "display_status");

	return st != NULL && strcmp(st, "CANCELLED") == 0;
}

/* One order object, as search and detail both give it. */
static int
map_order(struct market_orders *set, const json_t *o, struct market_error *err)
{
	const json_t *addr = json_object_get(o, "recipient_address"), *pay, *lvl, *it, *items;
	const char *id = jsonx_str(o, "id"), *cur;
	struct market_order *mo;
	size_t i, live = 0;
	int exp;

	if (id == NULL || id[0] == '\0') {
		market_error_set(err, MC_FATAL, "", "tiktok: an order without id");
		return -1;
	}
	mo = market_orders_get(set, "tiktok", id);
	mo->has_header = 1;
	mo->in.nlines = 0;      /* a newer copy of the order replaces its lines */
	channel_order_status(tiktok_statuses, set, mo, jsonx_str(o, "status"));
	pay = json_object_get(o, "payment");
	cur = jsonx_str(pay, "currency");
	mo->in.currency = market_orders_str(set, cur ? cur : "VND");
	exp = market_currency_exp(mo->in.currency);
	if (jsonx_money(pay, "total_amount", exp, &mo->in.total) < 0) {
		market_error_set(err, MC_FATAL, "", "tiktok: order %s: bad payment.total_amount", id);
		return -1;
	}
	mo->in.cod = json_is_true(json_object_get(o, "is_cod")) ? mo->in.total : 0;
	if (jsonx_int(o, "create_time", &mo->in.created_at) < 0)
		mo->in.created_at = 0;
	if (jsonx_int(o, "update_time", &mo->updated_at) < 0)
		mo->updated_at = mo->in.created_at;
	if (jsonx_int(o, "rts_sla_time", &mo->in.ship_by) < 0 &&
	    jsonx_int(o, "shipping_due_time", &mo->in.ship_by) < 0)
		mo->in.ship_by = 0;

	mo->in.buyer_name = market_orders_str(set, jsonx_str(addr, "name"));
	mo->in.buyer_phone = market_orders_str(set, jsonx_str(addr, "phone_number"));
	mo->in.address = market_orders_str(set, jsonx_str(addr, "full_address"));
	/* district_info: L0 country, L1 province, L2 district, L3 ward. */
	json_array_foreach(json_object_get(addr, "district_info"), i, lvl) {
		const char *level = jsonx_str(lvl, "address_level");
		const char *name = jsonx_str(lvl, "address_name");

		if (level != NULL && strcmp(level, "L1") == 0)
			mo->in.province = market_orders_str(set, name);
		else if (level != NULL && strcmp(level, "L2") == 0)
			mo->in.district = market_orders_str(set, name);
	}
	/* line_items: one per unit. Cancelled units are not packed, unless all are (the
	 * order keeps what it was). */
	items = json_object_get(o, "line_items");
	json_array_foreach(items, i, it)
		live += !cancelled(it);
	json_array_foreach(items, i, it) {
		const char *sku = jsonx_str(it, "seller_sku");
		int64_t price;

		if (live > 0 && cancelled(it))
			continue;
		if (sku == NULL || sku[0] == '\0')
			sku = jsonx_str(it, "sku_id");
		if (sku == NULL || jsonx_money(it, "sale_price", exp, &price) < 0) {
			market_error_set(err, MC_FATAL, "", "tiktok: order %s: bad line item", id);
			return -1;
		}
		market_order_line(set, mo, sku, 1, price);
	}
	return 0;
}

static enum market_class
parse_orders(json_t *root, struct market_orders *orders, struct market_error *err)
{
	json_t *list = json_object_get(json_object_get(root, "data"), "orders"), *o;
	size_t i;

	if (!json_is_array(list))
		return market_error_set(err, MC_FATAL, "", "tiktok: no data.orders");
	json_array_foreach(list, i, o) {
		if (orders != NULL && map_order(orders, o, err) < 0)
			return err->cls;
	}
	return MC_OK;
}

static enum market_class
parse_list(long http, const char *body, size_t len, const struct market_listq *q,
    struct market_page *page, struct market_orders *orders, struct market_error *err)
{
	json_t *root, *data, *list, *o;
	const char *next;
	int64_t total;
	size_t i;

	memset(page, 0, sizeof *page);
	page->total = -1;
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	if (parse_orders(root, orders, err) != MC_OK) {
		json_decref(root);
		return err->cls;
	}
	data = json_object_get(root, "data");
	list = json_object_get(data, "orders");
	page->ids = xcalloc(json_array_size(list) + 1, sizeof *page->ids);
	json_array_foreach(list, i, o) {
		const char *id = jsonx_str(o, "id");

		if (id != NULL && id[0] != '\0')
			page->ids[page->n++] = xstrdup(id);
	}
	if (jsonx_int(data, "total_count", &total) == 0)
		page->total = total;
	next = jsonx_str(data, "next_page_token");
	page->more = next != NULL && next[0] != '\0';
	page->cursor = xstrdup(page->more ? next : "");
	json_decref(root);
	(void)q;
	return MC_OK;
}

static enum market_class
parse_detail(long http, const char *body, size_t len, struct market_orders *orders,
    struct market_error *err)
{
	json_t *root;
	enum market_class cls;

	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	cls = parse_orders(root, orders, err);
	json_decref(root);
	return cls;
}

/* *_expire_in: TikTok sends the moment (Unix s); a small number is taken as a span. */
static int64_t
expiry(const json_t *data, const char *key, int64_t now)
{
	int64_t v;

	if (jsonx_int(data, key, &v) < 0 || v <= 0)
		return 0;
	return v > 1000000000 ? v : now + v;
}

static enum market_class
parse_token(long http, const char *body, size_t len, int64_t now, struct market_token *tok,
    struct market_error *err)
{
	json_t *root, *data;

	memset(tok, 0, sizeof *tok);
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	if (jsonx_tokens("tiktok", data, tok, err) != MC_OK) {
		json_decref(root);
		return err->cls;
	}
	tok->access_expires = expiry(data, "access_token_expire_in", now);
	tok->refresh_expires = expiry(data, "refresh_token_expire_in", now);
	json_decref(root);
	return MC_OK;
}

const struct connector tiktok_connector = {
	.max_window = 0,
	.page_max = TIKTOK_PAGE_MAX,
	.detail_batch = TIKTOK_DETAIL_BATCH,
	.list_has_lines = 1,
	.list_request = list_request,
	.detail_request = detail_request,
	.refresh_request = refresh_request,
	.check = check,
	.parse_list = parse_list,
	.parse_detail = parse_detail,
	.parse_token = parse_token,
};

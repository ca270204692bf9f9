/*
 * lazada.c — Lazada Open Platform (reference/marketplaces.md): the signer, the builders
 * of /orders/get, /orders/items/get and /auth/token/refresh, and the mappers of its
 * {code, type, message, request_id} envelope, order pages (whole order headers) and
 * order items (one row per unit) onto our error classes and orders. Pure.
 */
#include "lazada.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "jsonx.h"

#define LAZADA_PAGE_MAX 100
#define LAZADA_DETAIL_BATCH 50      /* /orders/items/get batch: UNCONFIRMED */
#define LAZADA_TZ (7 * 3600)        /* times are sent and read at Viet Nam's offset */

#define PATH_LIST "/orders/get"
#define PATH_ITEMS "/orders/items/get"
#define PATH_REFRESH "/auth/token/refresh"

const struct channel_status lazada_statuses[] = {
	{ "unpaid", ST_NEW },
	{ "pending", ST_CONFIRMED },
	{ "topack", ST_CONFIRMED },
	{ "toship", ST_PACKED },
	{ "ready_to_ship", ST_PACKED },
	{ "shipped", ST_SHIPPED },
	{ "delivered", ST_DELIVERED },
	{ "canceled", ST_CANCELLED },
	{ "failed", ST_RETURNING },
	{ "returned", ST_RETURNED },
	{ NULL, ST_NEW },
};

void
lazada_sign(const char *app_secret, struct request *r, char out[65])
{
	static const char *const skip[] = { "sign", NULL };
	char *base = request_sign_base(r, r->path, skip);

	request_hmac_hex(app_secret, base, strlen(base), 1, out);
	free(base);
}

/* app_key, timestamp (ms), sign_method [, access_token]; the sign comes last. */
static int
common(struct request *r, const struct market_creds *c, int64_t now, int shop, char *err,
    size_t errlen)
{
	if (c->app_key == NULL || c->app_key[0] == '\0' || c->app_secret == NULL ||
	    c->app_secret[0] == '\0') {
		snprintf(err, errlen, "lazada: app_key and app_secret are required");
		return -1;
	}
	if (shop && (c->access_token == NULL || c->access_token[0] == '\0')) {
		snprintf(err, errlen, "lazada: access_token is required");
		return -1;
	}
	request_param(r, "app_key", c->app_key);
	request_param_int(r, "timestamp", now * 1000);
	request_param(r, "sign_method", "sha256");
	if (shop)
		request_param(r, "access_token", c->access_token);
	return 0;
}

static void
sign_finish(struct request *r, const struct market_creds *c)
{
	char sign[65];

	lazada_sign(c->app_secret, r, sign);
	request_param(r, "sign", sign);
	request_finish(r);
}

/* The cursor is the offset of the next page, in decimal. */
static int
cursor_offset(const char *cursor, int64_t *off)
{
	const char *p;

	*off = 0;
	if (cursor == NULL || cursor[0] == '\0')
		return 0;
	if (strlen(cursor) > 12)
		return -1;
	for (p = cursor; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*off = *off * 10 + (*p - '0');
	}
	return 0;
}

static int
list_request(const struct market_creds *c, const struct market_listq *q, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : LAZADA_PAGE_MAX;
	char after[40], before[40];
	int64_t off;

	if (q->to <= q->from) {
		snprintf(err, errlen, "lazada: empty window %" PRId64 "..%" PRId64, q->from, q->to);
		return -1;
	}
	if (size < 1 || size > LAZADA_PAGE_MAX) {
		snprintf(err, errlen, "lazada: page size %d is not 1..%d", size, LAZADA_PAGE_MAX);
		return -1;
	}
	if (cursor_offset(q->cursor, &off) < 0) {
		snprintf(err, errlen, "lazada: bad cursor \"%s\"", q->cursor);
		return -1;
	}
	request_init(r, "GET", REQUEST_API, PATH_LIST);
	if (common(r, c, now, 1, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	market_iso8601(q->from, LAZADA_TZ, after, sizeof after);
	market_iso8601(q->to, LAZADA_TZ, before, sizeof before);
	request_param(r, "update_after", after);
	request_param(r, "update_before", before);
	request_param(r, "sort_by", "updated_at");
	request_param(r, "sort_direction", "ASC");
	request_param_int(r, "offset", off);
	request_param_int(r, "limit", size);
	sign_finish(r, c);
	return 0;
}

static int
detail_request(const struct market_creds *c, const char *const *ids, size_t n, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	char *list = market_join_ids("lazada", ids, n, LAZADA_DETAIL_BATCH, ',', err, errlen);
	char *arr;

	if (list == NULL)
		return -1;
	request_init(r, "GET", REQUEST_API, PATH_ITEMS);
	if (common(r, c, now, 1, err, errlen) < 0) {
		free(list);
		request_free(r);
		return -1;
	}
	arr = xasprintf("[%s]", list);      /* order_ids is a JSON array of numbers */
	request_param(r, "order_ids", arr);
	free(arr);
	free(list);
	sign_finish(r, c);
	return 0;
}

static int
refresh_request(const struct market_creds *c, int64_t now, struct request *r, char *err,
    size_t errlen)
{
	if (c->refresh_token == NULL || c->refresh_token[0] == '\0') {
		snprintf(err, errlen, "lazada: refresh_token is required");
		return -1;
	}
	request_init(r, "GET", REQUEST_AUTH, PATH_REFRESH);
	if (common(r, c, now, 0, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_param(r, "refresh_token", c->refresh_token);
	sign_finish(r, c);
	return 0;
}

/*
 * The reference fixes only the type: ISP and SYSTEM are the platform's (retry), ISV the
 * caller's. A few codes say more and are taken first (names as Lazada's SDKs know them).
 */
static enum market_class
classify(const char *code, const char *type, long http)
{
	static const struct {
		const char *code;
		enum market_class cls;
	} codes[] = {
		{ "IllegalAccessToken", MC_AUTH },
		{ "ApiCallLimit", MC_RATE },
		{ "AppCallLimit", MC_RATE },
		{ "SellerCallLimit", MC_RATE },
	};
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strcmp(codes[i].code, code) == 0)
			return codes[i].cls;
	}
	if (type != NULL && (strcmp(type, "ISP") == 0 || strcmp(type, "SYSTEM") == 0))
		return MC_RETRY;
	if (type != NULL && strcmp(type, "ISV") == 0)
		return MC_FATAL;
	if (http == 429)
		return MC_RATE;
	return http >= 500 ? MC_RETRY : MC_FATAL;
}

static json_t *
load(long http, const char *body, size_t len, struct market_error *err)
{
	char buf[24];
	const char *code, *type, *msg, *rid;
	json_t *root;

	memset(err, 0, sizeof *err);
	if ((root = jsonx_load("lazada", http, body, len, err)) == NULL)
		return NULL;
	code = jsonx_text(root, "code", buf, sizeof buf);
	type = jsonx_str(root, "type");
	msg = jsonx_str(root, "message");
	rid = jsonx_str(root, "request_id");
	if (rid != NULL)
		snprintf(err->request_id, sizeof err->request_id, "%s", rid);
	if (code != NULL && strcmp(code, "0") == 0 && http >= 200 && http < 300) {
		market_error_set(err, MC_OK, "0", "ok");
		return root;
	}
	market_error_set(err, classify(code ? code : "", type, http), code ? code : "",
	    "lazada: %s%s%s: %s", code ? code : "HTTP error", type ? " " : "", type ? type : "",
	    msg && msg[0] ? msg : "(no message)");
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

/* "2026-11-11 09:12:45 +0700" (Lazada's form) or ISO 8601; 0 when absent or bad. */
static int64_t
lazada_time(const char *s)
{
	char buf[40];
	size_t n, i, j;
	int64_t t;

	if (s == NULL || (n = strlen(s)) == 0 || n >= sizeof buf)
		return 0;
	for (i = j = 0; i < n; i++) {
		if (s[i] == ' ' && i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-'))
			continue;       /* the space before the offset */
		buf[j++] = s[i];
	}
	buf[j] = '\0';
	return clock_parse_iso(buf, LAZADA_TZ, &t) == 0 ? t : 0;
}

/* Lazada sends no currency with the order; the shipping country says it. */
static const char *
country_currency(const char *country)
{
	static const struct {
		const char *country, *currency;
	} map[] = {
		{ "Vietnam", "VND" }, { "Malaysia", "MYR" }, { "Singapore", "SGD" },
		{ "Thailand", "THB" }, { "Philippines", "PHP" }, { "Indonesia", "IDR" },
	};
	size_t i;

	for (i = 0; country != NULL && i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(map[i].country, country) == 0)
			return map[i].currency;
	}
	return "VND";
}

/* One entry of data.orders: the whole header, without lines. */
static int
map_header(struct market_orders *set, const json_t *o, struct market_order **out,
    struct market_error *err)
{
	const json_t *addr = json_object_get(o, "address_shipping"), *sts, *st;
	const char *id, *status = NULL, *first, *last, *s, *pm;
	struct market_order *mo;
	int64_t price, ship = 0, voucher = 0;
	char idbuf[24], *name;
	size_t i;
	int exp;

	if ((id = jsonx_text(o, "order_id", idbuf, sizeof idbuf)) == NULL || id[0] == '\0') {
		market_error_set(err, MC_FATAL, "", "lazada: an order without order_id");
		return -1;
	}
	mo = market_orders_get(set, "lazada", id);
	mo->has_header = 1;
	/* One status per item; a partly cancelled order is still to be packed. */
	sts = json_object_get(o, "statuses");
	json_array_foreach(sts, i, st) {
		if (json_is_string(st) && (status == NULL || strcmp(status, "canceled") == 0))
			status = json_string_value(st);
	}
	channel_order_status(lazada_statuses, set, mo, status);
	mo->in.currency = market_orders_str(set, country_currency(jsonx_str(addr, "country")));
	exp = market_currency_exp(mo->in.currency);
	if (jsonx_money(o, "price", exp, &price) < 0 ||
	    (json_object_get(o, "shipping_fee") && jsonx_money(o, "shipping_fee", exp, &ship) < 0) ||
	    (json_object_get(o, "voucher") && jsonx_money(o, "voucher", exp, &voucher) < 0)) {
		market_error_set(err, MC_FATAL, "", "lazada: order %s: bad price", id);
		return -1;
	}
	mo->in.total = price + ship - voucher;
	pm = jsonx_str(o, "payment_method");
	mo->in.cod = pm != NULL && strcmp(pm, "COD") == 0 ? mo->in.total : 0;
	mo->in.created_at = lazada_time(jsonx_str(o, "created_at"));
	mo->updated_at = lazada_time(jsonx_str(o, "updated_at"));
	mo->in.ship_by = lazada_time(jsonx_str(o, "promised_shipping_times"));

	first = jsonx_str(addr, "first_name");
	last = jsonx_str(addr, "last_name");
	name = xasprintf("%s%s%s", first ? first : "", first && first[0] && last && last[0] ?
	    " " : "", last ? last : "");
	mo->in.buyer_name = market_orders_str(set, name);
	free(name);
	mo->in.buyer_phone = market_orders_str(set, jsonx_str(addr, "phone"));
	mo->in.address = market_orders_str(set, jsonx_str(addr, "address1"));
	/* Viet Nam: address3 the province, address4 the district, address5 the ward
	 * (UNCONFIRMED; city is the district when address4 is empty). */
	s = jsonx_str(addr, "address4");
	mo->in.district = market_orders_str(set, s && s[0] ? s : jsonx_str(addr, "city"));
	mo->in.province = market_orders_str(set, jsonx_str(addr, "address3"));
	if (out != NULL)
		*out = mo;
	return 0;
}

static enum market_class
parse_list(long http, const char *body, size_t len, const struct market_listq *q,
    struct market_page *page, struct market_orders *orders, struct market_error *err)
{
	json_t *root, *data, *list, *o;
	int64_t off = 0, total = -1;
	char idbuf[24];
	size_t i;

	memset(page, 0, sizeof *page);
	page->total = -1;
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	list = json_object_get(data, "orders");
	if (!json_is_array(list)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "lazada: no data.orders");
	}
	page->ids = xcalloc(json_array_size(list) + 1, sizeof *page->ids);
	json_array_foreach(list, i, o) {
		const char *id = jsonx_text(o, "order_id", idbuf, sizeof idbuf);

		if (id == NULL || id[0] == '\0')
			continue;
		page->ids[page->n++] = xstrdup(id);
		if (orders != NULL && map_header(orders, o, NULL, err) < 0) {
			json_decref(root);
			return err->cls;
		}
	}
	(void)cursor_offset(q ? q->cursor : NULL, &off);
	if (jsonx_int(data, "countTotal", &total) == 0)
		page->total = total;
	off += (int64_t)json_array_size(list);
	page->more = json_array_size(list) > 0 && total >= 0 && off < total;
	page->cursor = page->more ? xasprintf("%" PRId64, off) : xstrdup("");
	json_decref(root);
	return MC_OK;
}

static int
cancelled(const json_t *item)
{
	const char *st = jsonx_str(item, "status");

	return st != NULL && strcmp(st, "canceled") == 0;
}

/* data[]: {order_id, order_items[]: one row per unit {sku, item_price, status}}. */
static enum market_class
parse_detail(long http, const char *body, size_t len, struct market_orders *orders,
    struct market_error *err)
{
	json_t *root, *data, *o, *it, *items;
	char idbuf[24];
	size_t i, j, live;

	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "lazada: no data[] of order items");
	}
	json_array_foreach(data, i, o) {
		const char *id = jsonx_text(o, "order_id", idbuf, sizeof idbuf);
		struct market_order *mo;
		int exp;

		if (id == NULL || id[0] == '\0')
			continue;
		mo = market_orders_get(orders, "lazada", id);
		if (mo->in.currency == NULL) {  /* items before the header: take theirs */
			const char *cur = jsonx_str(json_array_get(json_object_get(o, "order_items"), 0),
			    "currency");

			mo->in.currency = market_orders_str(orders, cur ? cur : "VND");
		}
		exp = market_currency_exp(mo->in.currency);
		/* A cancelled unit is not packed, unless all are (the order keeps its lines). A
		 * newer copy of the items replaces the lines. */
		items = json_object_get(o, "order_items");
		mo->in.nlines = 0;
		live = 0;
		json_array_foreach(items, j, it)
			live += !cancelled(it);
		json_array_foreach(items, j, it) {
			const char *sku = jsonx_str(it, "sku");
			int64_t price;

			if (live > 0 && cancelled(it))
				continue;
			if (sku == NULL || sku[0] == '\0')
				sku = jsonx_str(it, "shop_sku");
			if (sku == NULL || jsonx_money(it, "item_price", exp, &price) < 0) {
				json_decref(root);
				return market_error_set(err, MC_FATAL, "",
				    "lazada: order %s: bad item", id);
			}
			market_order_line(orders, mo, sku, 1, price);
		}
	}
	json_decref(root);
	return MC_OK;
}

static enum market_class
parse_token(long http, const char *body, size_t len, int64_t now, struct market_token *tok,
    struct market_error *err)
{
	json_t *root;
	int64_t in;

	memset(tok, 0, sizeof *tok);
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	if (jsonx_tokens("lazada", root, tok, err) != MC_OK) {
		json_decref(root);
		return err->cls;
	}
	tok->access_expires = jsonx_int(root, "expires_in", &in) == 0 ? now + in : 0;
	tok->refresh_expires = jsonx_int(root, "refresh_expires_in", &in) == 0 ? now + in : 0;
	json_decref(root);
	return MC_OK;
}

const struct connector lazada_connector = {
	.max_window = 0,
	.page_max = LAZADA_PAGE_MAX,
	.detail_batch = LAZADA_DETAIL_BATCH,
	.list_has_lines = 0,
	.list_request = list_request,
	.detail_request = detail_request,
	.refresh_request = refresh_request,
	.check = check,
	.parse_list = parse_list,
	.parse_detail = parse_detail,
	.parse_token = parse_token,
};

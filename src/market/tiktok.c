/*
 * tiktok.c — TikTok Shop API 202309 (reference/marketplaces.md): the signer, the
 * builders of orders/search, orders?ids= and token refresh, and the mappers of its
 * {code, message, request_id, data} envelope, order pages (whole orders, lines
 * included) and order details onto our error classes and orders; and the builders and
 * mappers of the owed calls ops_tiktok.c makes (ship, inventory, cancel, statement) and
 * of its pushes. Pure.
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
#define TIKTOK_CODE_INVALID "105001"

#define PATH_SEARCH "/order/202309/orders/search"
#define PATH_DETAIL "/order/202309/orders"
#define PATH_REFRESH "/api/v2/token/refresh"
#define PATH_PACKAGES "/fulfillment/202309/packages"
#define PATH_PRODUCTS "/product/202309/products"
#define PATH_CANCEL "/return_refund/202309/cancellations"
#define PATH_FINANCE "/finance/202309/orders"
/* Returns search: not in the reference; the platform's documented path (API 202309). */
#define PATH_RETURNS "/return_refund/202309/returns/search"
#define TIKTOK_RETURNS_PAGE_MAX 50

/*
 * UNCONFIRMED (not in an authoritative copy of the guide), kept here in one place: the
 * cancel call and its reason key; the codes of a package shipped already and of an
 * order cancelled already; the statement's per-transaction "status" ("SETTLED" = final)
 * and fee fields as decimal text on each of data.statement_transactions[]; the stock
 * answer's data.errors[] {code, message, detail{sku_id}}.
 */
#define TIKTOK_CANCEL_REASON "seller_cancel_reason_out_of_stock"

static const char *const shipped_codes[] = { "21011004", NULL };
static const char *const cancelled_codes[] = { "25001003", NULL };

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

/* Success is code 0 in the body; 105002 is an expired token, 105001 one that is not
 * (any more) the shop's, e.g. replaced by a refresh elsewhere (UNCONFIRMED code): both
 * refresh once. Other codes are the caller's to fix unless the HTTP status says the
 * server failed or throttled. */
static enum market_class
classify(const char *code, long http)
{
	if (strcmp(code, TIKTOK_CODE_EXPIRED) == 0 || strcmp(code, TIKTOK_CODE_INVALID) == 0)
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
		market_order_listing(set, mo, sku, jsonx_str(it, "product_id"),
		    jsonx_str(it, "sku_id"));
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

/* ------------------------------------------------------------------ owed calls */

/* An id that may stand in a path: letters, digits, '-' and '_'. */
static int
path_id(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 40)
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '_'))
			return 0;
	}
	return 1;
}

/* A signed call of path with body (stolen; NULL: none). */
static int
signed_call(struct request *r, const char *method, const char *path,
    const struct market_creds *c, int64_t now, json_t *body, char *err, size_t errlen)
{
	request_init(r, method, REQUEST_API, path);
	if (common(r, c, now, err, errlen) < 0) {
		json_decref(body);
		request_free(r);
		return -1;
	}
	if (body != NULL) {
		request_set_body(r, json_dumps(body, JSON_COMPACT));
		json_decref(body);
		if (r->body == NULL)
			abort();
		request_header(r, "Content-Type", "application/json");
	}
	sign_finish(r, c);
	return 0;
}

int
tiktok_ship_request(const struct market_creds *c, const char *package_id,
    const char *handover_method, int64_t now, struct request *r, char *err, size_t errlen)
{
	char path[96];
	const char *how = handover_method != NULL && handover_method[0] != '\0' ?
	    handover_method : "DROP_OFF";
	json_t *body;

	if (!path_id(package_id)) {
		snprintf(err, errlen, "tiktok: bad package id \"%s\"", package_id ? package_id : "");
		return -1;
	}
	if (strcmp(how, "DROP_OFF") != 0 && strcmp(how, "PICKUP") != 0) {
		snprintf(err, errlen, "tiktok: handover_method \"%s\" is not DROP_OFF or PICKUP",
		    how);
		return -1;
	}
	snprintf(path, sizeof path, PATH_PACKAGES "/%s/ship", package_id);
	if ((body = json_pack("{s:s}", "handover_method", how)) == NULL)
		abort();
	return signed_call(r, "POST", path, c, now, body, err, errlen);
}

int
tiktok_stock_request(const struct market_creds *c, const struct market_stock *items,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen)
{
	char path[112];
	json_t *skus, *inv;
	size_t i;

	if (n == 0 || n > TIKTOK_STOCK_BATCH) {
		snprintf(err, errlen, "tiktok: an inventory update takes 1..%d SKUs, not %zu",
		    TIKTOK_STOCK_BATCH, n);
		return -1;
	}
	if (!path_id(items[0].item_id)) {
		snprintf(err, errlen, "tiktok: SKU %s: bad product_id \"%s\"",
		    items[0].sku ? items[0].sku : "?", items[0].item_id ? items[0].item_id : "");
		return -1;
	}
	skus = json_array();
	for (i = 0; i < n; i++) {
		const struct market_stock *m = &items[i];

		if (m->item_id == NULL || strcmp(m->item_id, items[0].item_id) != 0) {
			json_decref(skus);
			snprintf(err, errlen, "tiktok: SKU %s is not of product %s: one product per "
			    "inventory update", m->sku ? m->sku : "?", items[0].item_id);
			return -1;
		}
		if (m->model_id == NULL || m->model_id[0] == '\0' || m->qty < 0 ||
		    m->qty > INT32_MAX) {
			json_decref(skus);
			snprintf(err, errlen, "tiktok: SKU %s needs a sku id and a quantity >= 0",
			    m->sku ? m->sku : "?");
			return -1;
		}
		/* No warehouse: the shop's default one takes it (UNCONFIRMED). */
		inv = m->location != NULL && m->location[0] != '\0' ?
		    json_pack("[{s:s, s:I}]", "warehouse_id", m->location, "quantity",
		    (json_int_t)m->qty) : json_pack("[{s:I}]", "quantity", (json_int_t)m->qty);
		json_array_append_new(skus, json_pack("{s:s, s:o}", "id", m->model_id,
		    "inventory", inv));
	}
	snprintf(path, sizeof path, PATH_PRODUCTS "/%s/inventory/update", items[0].item_id);
	return signed_call(r, "POST", path, c, now, json_pack("{s:o}", "skus", skus), err,
	    errlen);
}

int
tiktok_cancel_request(const struct market_creds *c, const char *order_id,
    const char *reason, int64_t now, struct request *r, char *err, size_t errlen)
{
	json_t *body;

	if (!path_id(order_id)) {
		snprintf(err, errlen, "tiktok: bad order id \"%s\"", order_id ? order_id : "");
		return -1;
	}
	/* cancel_reason is one of the platform's reason keys; our text is not sent. */
	(void)reason;
	if ((body = json_pack("{s:s, s:s}", "order_id", order_id, "cancel_reason",
	    TIKTOK_CANCEL_REASON)) == NULL)
		abort();
	return signed_call(r, "POST", PATH_CANCEL, c, now, body, err, errlen);
}

int
tiktok_finance_request(const struct market_creds *c, const char *order_id, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	char path[112];

	if (!path_id(order_id)) {
		snprintf(err, errlen, "tiktok: bad order id \"%s\"", order_id ? order_id : "");
		return -1;
	}
	snprintf(path, sizeof path, PATH_FINANCE "/%s/statement_transactions", order_id);
	return signed_call(r, "GET", path, c, now, NULL, err, errlen);
}

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src != NULL ? src : "");
}

enum market_class
tiktok_parse_shipinfo(long http, const char *body, size_t len, const char *order_id,
    struct tiktok_shipinfo *out, struct market_error *err)
{
	json_t *root, *list, *o = NULL, *it;
	size_t i, k;

	memset(out, 0, sizeof *out);
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	list = json_object_get(json_object_get(root, "data"), "orders");
	json_array_foreach(list, i, o) {
		const char *id = jsonx_str(o, "id");

		if (id != NULL && order_id != NULL && strcmp(id, order_id) == 0)
			break;
	}
	if (o == NULL || i >= json_array_size(list)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "tiktok: order %s not in the answer",
		    order_id ? order_id : "");
	}
	copy(out->status, sizeof out->status, jsonx_str(o, "status"));
	copy(out->tracking, sizeof out->tracking, jsonx_str(o, "tracking_number"));
	json_array_foreach(json_object_get(o, "line_items"), i, it) {
		const char *pk = jsonx_str(it, "package_id"), *tn = jsonx_str(it, "tracking_number");

		if (cancelled(it) || pk == NULL || pk[0] == '\0')
			continue;
		if (out->tracking[0] == '\0' && tn != NULL)
			copy(out->tracking, sizeof out->tracking, tn);
		for (k = 0; k < out->npackages && strcmp(out->packages[k], pk) != 0; k++)
			;
		if (k == out->npackages && k < TIKTOK_MAX_PACKAGES)
			copy(out->packages[out->npackages++], sizeof out->packages[0], pk);
	}
	json_decref(root);
	return MC_OK;
}

static json_t *
load_done(long http, const char *body, size_t len, const char *const *done, int *already,
    struct market_error *err)
{
	json_t *root = load(http, body, len, err);
	size_t i;

	*already = 0;
	for (i = 0; root == NULL && err->cls == MC_FATAL && done[i] != NULL; i++) {
		if (strcmp(err->code, done[i]) == 0) {
			*already = 1;
			err->cls = MC_OK;
		}
	}
	return root;
}

enum market_class
tiktok_parse_ship(long http, const char *body, size_t len, int *already,
    struct market_error *err)
{
	json_decref(load_done(http, body, len, shipped_codes, already, err));
	return err->cls;
}

enum market_class
tiktok_parse_cancel(long http, const char *body, size_t len, int *already,
    struct market_error *err)
{
	json_decref(load_done(http, body, len, cancelled_codes, already, err));
	return err->cls;
}

enum market_class
tiktok_parse_stock(long http, const char *body, size_t len, struct market_error *err)
{
	json_t *root = load(http, body, len, err), *e;
	size_t i;

	if (root == NULL)
		return err->cls;
	json_array_foreach(json_object_get(json_object_get(root, "data"), "errors"), i, e) {
		char cb[24];
		const char *code = jsonx_text(e, "code", cb, sizeof cb);
		const char *msg = jsonx_str(e, "message");
		const char *sku = jsonx_str(json_object_get(e, "detail"), "sku_id");

		market_error_set(err, MC_FATAL, code ? code : "", "tiktok: stock of %s refused: %s",
		    sku ? sku : "a SKU", msg && msg[0] ? msg : "(no message)");
		json_decref(root);
		return MC_FATAL;
	}
	json_decref(root);
	return MC_OK;
}

enum market_class
tiktok_parse_finance(long http, const char *body, size_t len, const char *order_id,
    struct market_settlement *out, struct market_error *err)
{
	static const char *const fields[] = {
		"revenue_amount", "fee_amount", "adjustment_amount", "settlement_amount",
		"referral_fee_amount", "transaction_fee_amount", "affiliate_commission_amount",
		"shipping_fee_amount", "actual_shipping_fee_amount", NULL,
	};
	json_t *root, *data, *list, *t;
	size_t i, f, k, settled = 0;
	const char *cur;

	market_settlement_free(out);
	memset(out, 0, sizeof *out);
	copy(out->order_no, sizeof out->order_no, order_id);
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	list = json_object_get(data, "statement_transactions");
	if (!json_is_array(list)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "",
		    "tiktok: no data.statement_transactions");
	}
	cur = jsonx_str(data, "currency");
	if (cur == NULL)
		cur = jsonx_str(json_array_get(list, 0), "currency");
	copy(out->currency, sizeof out->currency, cur != NULL ? cur : "VND");
	json_array_foreach(list, i, t) {
		const char *st = jsonx_str(t, "status");

		for (f = 0; fields[f] != NULL; f++) {
			int64_t v;

			if (json_object_get(t, fields[f]) == NULL)
				continue;
			if (jsonx_money(t, fields[f], market_currency_exp(out->currency), &v) < 0) {
				json_decref(root);
				market_settlement_free(out);
				return market_error_set(err, MC_FATAL, "", "tiktok: order %s: bad %s",
				    order_id ? order_id : "", fields[f]);
			}
			for (k = 0; k < out->n && strcmp(out->fees[k].type, fields[f]) != 0; k++)
				;
			if (k < out->n)
				out->fees[k].amount += v;
			else
				market_settlement_add(out, fields[f], v);
		}
		settled += st != NULL && strcmp(st, "SETTLED") == 0;
	}
	out->final = json_array_size(list) > 0 && settled == json_array_size(list);
	json_decref(root);
	return MC_OK;
}

void
tiktok_push_sign(const struct market_creds *c, const char *url, const char *body,
    size_t len, char out[65])
{
	(void)url;
	request_hmac_prefixed(c->app_secret, c->app_key, body, len, out);
}

int
tiktok_push_parse(const char *body, size_t len, char *order_no, size_t olen, char *status,
    size_t slen)
{
	json_t *root = json_loadb(body, len, 0, NULL), *data;
	char buf[24];
	const char *id;
	int64_t type;

	if (olen > 0)
		order_no[0] = '\0';
	if (slen > 0)
		status[0] = '\0';
	data = json_object_get(root, "data");
	if (!json_is_object(root) || jsonx_int(root, "type", &type) < 0 ||
	    !json_is_object(data)) {
		json_decref(root);
		return -1;
	}
	id = jsonx_text(data, "order_id", buf, sizeof buf);
	snprintf(order_no, olen, "%s", id != NULL ? id : "");
	snprintf(status, slen, "%s", jsonx_str(data, "order_status") ?
	    jsonx_str(data, "order_status") : "");
	json_decref(root);
	return 0;
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

int
tiktok_returns_request(const struct market_creds *c, const struct market_listq *q,
    int64_t now, struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : TIKTOK_RETURNS_PAGE_MAX;
	json_t *body;

	if (q->to <= q->from) {
		snprintf(err, errlen, "tiktok: empty returns window %" PRId64 "..%" PRId64, q->from,
		    q->to);
		return -1;
	}
	if (size < 1 || size > TIKTOK_RETURNS_PAGE_MAX) {
		snprintf(err, errlen, "tiktok: returns page size %d is not 1..%d", size,
		    TIKTOK_RETURNS_PAGE_MAX);
		return -1;
	}
	request_init(r, "POST", REQUEST_API, PATH_RETURNS);
	if (common(r, c, now, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_param_int(r, "page_size", size);
	request_param(r, "sort_field", "update_time");
	request_param(r, "sort_order", "ASC");
	if (q->cursor != NULL && q->cursor[0] != '\0')
		request_param(r, "page_token", q->cursor);
	body = json_pack("{s:I, s:I}", "update_time_ge", (json_int_t)q->from,
	    "update_time_lt", (json_int_t)q->to);
	request_set_body(r, json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(body);
	request_header(r, "Content-Type", "application/json");
	sign_finish(r, c);
	return 0;
}

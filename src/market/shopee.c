/*
 * shopee.c — Shopee Open Platform v2 (reference/marketplaces.md): the signer, the
 * builders of get_order_list / get_order_detail / access_token refresh, and the mappers
 * of its envelope {request_id, error, message, response} onto our error classes, order
 * list pages and orders; the logistics (get_shipping_parameter, ship_order,
 * get_tracking_number), update_stock, cancel_order, get_escrow_detail and lost-push
 * builders and mappers; the push signer and parser. Pure: no I/O, the clock comes in as
 * an argument. ops_shopee.c composes them into calls.
 */
#include "shopee.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jsonx.h"

#define SHOPEE_MAX_WINDOW (15 * 86400)
#define SHOPEE_PAGE_MAX 100
#define SHOPEE_DETAIL_BATCH 50
#define SHOPEE_REFRESH_LIFE (30 * 86400)  /* not in the response; the guide's 30 days */

#define PATH_LIST "/api/v2/order/get_order_list"
#define PATH_DETAIL "/api/v2/order/get_order_detail"
#define PATH_REFRESH "/api/v2/auth/access_token/get"
#define PATH_SHIP "/api/v2/logistics/ship_order"
#define PATH_TRACKING "/api/v2/logistics/get_tracking_number"
#define PATH_PARAM "/api/v2/logistics/get_shipping_parameter"
#define PATH_STOCK "/api/v2/product/update_stock"
#define PATH_CANCEL "/api/v2/order/cancel_order"           /* UNCONFIRMED */
#define PATH_ESCROW "/api/v2/payment/get_escrow_detail"
#define PATH_LOST "/api/v2/push/get_lost_push_message"      /* UNCONFIRMED */
#define PATH_CONFIRM "/api/v2/push/confirm_consumed_lost_push_message"  /* UNCONFIRMED */
/* v2.returns.get_return_list: not in the reference; the platform's documented name. */
#define PATH_RETURNS "/api/v2/returns/get_return_list"

/*
 * The codes ship_order answers for an order that is no longer READY_TO_SHIP because it
 * was shipped already. UNCONFIRMED (not in an authoritative copy of the guide): the
 * outbox does not rely on them alone, it asks get_tracking_number before shipping again.
 */
static const char *const already_shipped[] = {
	"logistics.ship_order_already_shipped",
	"logistics.invalid_order_status",
	NULL,
};

/* Unpaid orders are not ours to pack yet; they arrive as NEW and wait for confirmation. */
const struct channel_status shopee_statuses[] = {
	{ "UNPAID", ST_NEW },
	{ "PENDING", ST_NEW },
	{ "INVOICE_PENDING", ST_NEW },
	{ "READY_TO_SHIP", ST_CONFIRMED },
	{ "RETRY_SHIP", ST_CONFIRMED },
	{ "PROCESSED", ST_PACKED },
	{ "SHIPPED", ST_SHIPPED },
	{ "TO_CONFIRM_RECEIVE", ST_DELIVERED },
	{ "COMPLETED", ST_COMPLETED },
	{ "IN_CANCEL", ST_ON_HOLD },
	{ "CANCELLED", ST_CANCELLED },
	{ "TO_RETURN", ST_RETURNING },
	{ NULL, ST_NEW },
};

void
shopee_sign(const char *partner_key, int64_t partner_id, const char *api_path,
    int64_t timestamp, const char *access_token, int64_t shop_id, char out[65])
{
	char *base;

	if (access_token != NULL)
		base = xasprintf("%" PRId64 "%s%" PRId64 "%s%" PRId64, partner_id, api_path,
		    timestamp, access_token, shop_id);
	else
		base = xasprintf("%" PRId64 "%s%" PRId64, partner_id, api_path, timestamp);
	request_hmac_hex(partner_key, base, strlen(base), 0, out);
	free(base);
}

/* The common query parameters of a shop-level call (shop 1) or a public one. */
static int
common(struct request *r, const struct market_creds *c, int64_t now, int shop,
    char *err, size_t errlen)
{
	char sign[65];

	if (c->partner_key == NULL || c->partner_key[0] == '\0' || c->partner_id <= 0) {
		snprintf(err, errlen, "shopee: partner_id and partner_key are required");
		return -1;
	}
	if (shop && (c->access_token == NULL || c->access_token[0] == '\0' || c->shop_id <= 0)) {
		snprintf(err, errlen, "shopee: access_token and shop_id are required");
		return -1;
	}
	shopee_sign(c->partner_key, c->partner_id, r->path, now, shop ? c->access_token : NULL,
	    c->shop_id, sign);
	request_param_int(r, "partner_id", c->partner_id);
	request_param_int(r, "timestamp", now);
	if (shop) {
		request_param(r, "access_token", c->access_token);
		request_param_int(r, "shop_id", c->shop_id);
	}
	request_param(r, "sign", sign);
	return 0;
}

static int
list_request(const struct market_creds *c, const struct market_listq *q, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : SHOPEE_PAGE_MAX;

	if (q->to <= q->from || q->to - q->from > SHOPEE_MAX_WINDOW) {
		snprintf(err, errlen, "shopee: window %" PRId64 "..%" PRId64 " must be 1 s to 15 days",
		    q->from, q->to);
		return -1;
	}
	if (size < 1 || size > SHOPEE_PAGE_MAX) {
		snprintf(err, errlen, "shopee: page size %d is not 1..%d", size, SHOPEE_PAGE_MAX);
		return -1;
	}
	request_init(r, "GET", REQUEST_API, PATH_LIST);
	if (common(r, c, now, 1, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_param(r, "time_range_field", "update_time");
	request_param_int(r, "time_from", q->from);
	request_param_int(r, "time_to", q->to);
	request_param_int(r, "page_size", size);
	if (q->cursor != NULL && q->cursor[0] != '\0')
		request_param(r, "cursor", q->cursor);
	request_param(r, "response_optional_fields", "order_status");
	request_finish(r);
	return 0;
}

static int
detail_request(const struct market_creds *c, const char *const *ids, size_t n, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	char *list = market_join_ids("shopee", ids, n, SHOPEE_DETAIL_BATCH, ',', err, errlen);

	if (list == NULL)
		return -1;
	request_init(r, "GET", REQUEST_API, PATH_DETAIL);
	if (common(r, c, now, 1, err, errlen) < 0) {
		free(list);
		request_free(r);
		return -1;
	}
	request_param(r, "order_sn_list", list);
	request_param(r, "response_optional_fields",
	    "buyer_username,item_list,recipient_address,total_amount,payment_method");
	request_finish(r);
	free(list);
	return 0;
}

static int
refresh_request(const struct market_creds *c, int64_t now, struct request *r, char *err,
    size_t errlen)
{
	json_t *body;

	if (c->refresh_token == NULL || c->refresh_token[0] == '\0' || c->shop_id <= 0) {
		snprintf(err, errlen, "shopee: refresh_token and shop_id are required");
		return -1;
	}
	request_init(r, "POST", REQUEST_AUTH, PATH_REFRESH);
	if (common(r, c, now, 0, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	body = json_pack("{s:s, s:I, s:I}", "refresh_token", c->refresh_token,
	    "partner_id", (json_int_t)c->partner_id, "shop_id", (json_int_t)c->shop_id);
	if (body == NULL)
		abort();
	request_set_body(r, json_dumps(body, JSON_COMPACT));
	json_decref(body);
	if (r->body == NULL)
		abort();
	request_header(r, "Content-Type", "application/json");
	request_finish(r);
	return 0;
}

/* Shopee's error text to a class; unknown codes are the caller's to fix unless the
 * server failed. */
static enum market_class
classify(const char *code, long http)
{
	static const struct {
		const char *code;
		enum market_class cls;
	} codes[] = {
		{ "error_auth", MC_AUTH },
		{ "error_sign", MC_FATAL },
		{ "error_param", MC_FATAL },
		{ "error_server", MC_RETRY },
		{ "error_network", MC_RETRY },
		{ "error_rate_limit", MC_RATE },
		{ "error_limit", MC_QUOTA },
	};
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strcmp(codes[i].code, code) == 0)
			return codes[i].cls;
	}
	if (http == 429)
		return MC_RATE;
	return http >= 500 ? MC_RETRY : MC_FATAL;
}

/* The envelope of root: MC_OK or the error it carries. */
static enum market_class
envelope(const json_t *root, long http, struct market_error *err)
{
	const char *code = jsonx_str(root, "error"), *msg = jsonx_str(root, "message");
	const char *rid = jsonx_str(root, "request_id");

	if (rid != NULL)
		snprintf(err->request_id, sizeof err->request_id, "%s", rid);
	if (code == NULL || code[0] == '\0') {
		if (http >= 200 && http < 300)
			return market_error_set(err, MC_OK, "", "ok");
		return market_error_set(err, classify("", http), "",
		    "shopee: HTTP %ld without an error code", http);
	}
	return market_error_set(err, classify(code, http), code, "shopee: %s: %s", code,
	    msg && msg[0] ? msg : "(no message)");
}

static json_t *
load(long http, const char *body, size_t len, struct market_error *err)
{
	json_t *root;

	memset(err, 0, sizeof *err);
	root = jsonx_load("shopee", http, body, len, err);
	if (root != NULL && envelope(root, http, err) != MC_OK) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static enum market_class
check(long http, const char *body, size_t len, struct market_error *err)
{
	json_t *root = load(http, body, len, err);

	json_decref(root);
	return err->cls;
}

static enum market_class
parse_list(long http, const char *body, size_t len, const struct market_listq *q,
    struct market_page *page, struct market_orders *orders, struct market_error *err)
{
	json_t *root, *resp, *list, *o;
	const char *cursor;
	size_t i;

	memset(page, 0, sizeof *page);
	page->total = -1;
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	resp = json_object_get(root, "response");
	list = json_object_get(resp, "order_list");
	if (!json_is_array(list)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: no response.order_list");
	}
	page->ids = xcalloc(json_array_size(list) + 1, sizeof *page->ids);
	json_array_foreach(list, i, o) {
		const char *sn = jsonx_str(o, "order_sn"), *st = jsonx_str(o, "order_status");

		if (sn == NULL || sn[0] == '\0')
			continue;
		page->ids[page->n++] = xstrdup(sn);
		if (orders != NULL && st != NULL)
			channel_order_status(shopee_statuses, orders,
			    market_orders_get(orders, "shopee", sn), st);
	}
	page->more = json_is_true(json_object_get(resp, "more"));
	cursor = jsonx_str(resp, "next_cursor");
	page->cursor = xstrdup(page->more && cursor ? cursor : "");
	json_decref(root);
	return MC_OK;
}

/* Note where sku is listed: item_id, and model_id unless it is 0 (no models). */
static void
listing(struct market_orders *set, struct market_order *mo, const json_t *it, const char *sku)
{
	char ib[32], mb[32];
	const char *item = jsonx_text(it, "item_id", ib, sizeof ib);
	const char *model = jsonx_text(it, "model_id", mb, sizeof mb);

	if (item == NULL || strcmp(item, "0") == 0)
		return;
	market_order_listing(set, mo, sku, item, model != NULL && strcmp(model, "0") != 0 ?
	    model : "");
}

/* One order_list entry of get_order_detail. */
static int
map_order(struct market_orders *set, const json_t *o, struct market_error *err)
{
	const char *sn = jsonx_str(o, "order_sn"), *cur = jsonx_str(o, "currency");
	const json_t *addr = json_object_get(o, "recipient_address"), *items, *it;
	struct market_order *mo;
	const char *s;
	int exp;
	size_t i;

	if (sn == NULL || sn[0] == '\0') {
		market_error_set(err, MC_FATAL, "", "shopee: an order without order_sn");
		return -1;
	}
	mo = market_orders_get(set, "shopee", sn);
	mo->has_header = 1;
	mo->in.nlines = 0;      /* a newer copy of the order replaces its lines */
	mo->nlistings = 0;
	channel_order_status(shopee_statuses, set, mo, jsonx_str(o, "order_status"));
	mo->in.currency = market_orders_str(set, cur ? cur : "VND");
	exp = market_currency_exp(mo->in.currency);
	if (jsonx_money(o, "total_amount", exp, &mo->in.total) < 0) {
		market_error_set(err, MC_FATAL, "", "shopee: order %s: bad total_amount", sn);
		return -1;
	}
	mo->in.cod = json_is_true(json_object_get(o, "cod")) ? mo->in.total : 0;
	if (jsonx_int(o, "create_time", &mo->in.created_at) < 0)
		mo->in.created_at = 0;
	if (jsonx_int(o, "update_time", &mo->updated_at) < 0)
		mo->updated_at = mo->in.created_at;
	if (jsonx_int(o, "ship_by_date", &mo->in.ship_by) < 0)
		mo->in.ship_by = 0;
	/* Viet Nam: state is the province, city the district (quận/huyện), district the
	 * ward; older shapes put the district in district, so fall back to it. */
	mo->in.buyer_name = market_orders_str(set, jsonx_str(addr, "name"));
	mo->in.buyer_phone = market_orders_str(set, jsonx_str(addr, "phone"));
	mo->in.address = market_orders_str(set, jsonx_str(addr, "full_address"));
	s = jsonx_str(addr, "city");
	mo->in.district = market_orders_str(set, s && s[0] ? s : jsonx_str(addr, "district"));
	mo->in.province = market_orders_str(set, jsonx_str(addr, "state"));

	items = json_object_get(o, "item_list");
	json_array_foreach(items, i, it) {
		char fallback[64];
		int64_t qty, price = 0, item_id = 0, model_id = 0;

		s = jsonx_str(it, "model_sku");
		if (s == NULL || s[0] == '\0')
			s = jsonx_str(it, "item_sku");
		if (s == NULL || s[0] == '\0') {
			/* No seller SKU: an id the seller can find, which no SKU of ours matches. */
			(void)jsonx_int(it, "item_id", &item_id);
			(void)jsonx_int(it, "model_id", &model_id);
			snprintf(fallback, sizeof fallback, "shopee:%" PRId64 ":%" PRId64, item_id,
			    model_id);
			s = fallback;
		}
		if (jsonx_int(it, "model_quantity_purchased", &qty) < 0 || qty <= 0 ||
		    jsonx_money(it, "model_discounted_price", exp, &price) < 0) {
			market_error_set(err, MC_FATAL, "", "shopee: order %s: bad item %s", sn, s);
			return -1;
		}
		market_order_line(set, mo, s, qty, price);
		listing(set, mo, it, s);
	}
	return 0;
}

static enum market_class
parse_detail(long http, const char *body, size_t len, struct market_orders *orders,
    struct market_error *err)
{
	json_t *root, *list, *o;
	size_t i;

	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	list = json_object_get(json_object_get(root, "response"), "order_list");
	if (!json_is_array(list)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: no response.order_list");
	}
	json_array_foreach(list, i, o) {
		if (map_order(orders, o, err) < 0) {
			json_decref(root);
			return err->cls;
		}
	}
	json_decref(root);
	return MC_OK;
}

/* The auth calls answer flat: {access_token, refresh_token, expire_in, error, ...}. */
static enum market_class
parse_token(long http, const char *body, size_t len, int64_t now, struct market_token *tok,
    struct market_error *err)
{
	json_t *root;
	int64_t in;

	memset(tok, 0, sizeof *tok);
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	if (jsonx_tokens("shopee", root, tok, err) != MC_OK) {
		json_decref(root);
		return err->cls;
	}
	tok->access_expires = jsonx_int(root, "expire_in", &in) == 0 ? now + in : 0;
	tok->refresh_expires = now + SHOPEE_REFRESH_LIFE;
	json_decref(root);
	return MC_OK;
}

/* A POST of body (stolen) at path, shop-level (shop 1) or partner-level. */
static int
post_json(const struct market_creds *c, const char *path, int shop, json_t *body,
    int64_t now, struct request *r, char *err, size_t errlen)
{
	if (body == NULL)
		abort();
	request_init(r, "POST", REQUEST_API, path);
	if (common(r, c, now, shop, err, errlen) < 0) {
		json_decref(body);
		request_free(r);
		return -1;
	}
	request_set_body(r, json_dumps(body, JSON_COMPACT));
	json_decref(body);
	if (r->body == NULL)
		abort();
	request_header(r, "Content-Type", "application/json");
	request_finish(r);
	return 0;
}

int
shopee_ship_request(const struct market_creds *c, const struct shopee_ship *s, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	json_t *body, *how;

	if (s->order_sn == NULL || s->order_sn[0] == '\0') {
		snprintf(err, errlen, "shopee: ship_order needs an order_sn");
		return -1;
	}
	switch (s->mode) {
	case SHOPEE_PICKUP:
		if (s->address_id <= 0 || s->pickup_time_id == NULL || s->pickup_time_id[0] == '\0') {
			snprintf(err, errlen, "shopee: pickup needs address_id and pickup_time_id");
			return -1;
		}
		how = json_pack("{s:I, s:s}", "address_id", (json_int_t)s->address_id,
		    "pickup_time_id", s->pickup_time_id);
		break;
	case SHOPEE_NON_INTEGRATED:
		if (s->tracking_number == NULL || s->tracking_number[0] == '\0') {
			snprintf(err, errlen, "shopee: non_integrated needs a tracking_number");
			return -1;
		}
		how = json_pack("{s:s}", "tracking_number", s->tracking_number);
		break;
	default:
		how = json_object();
		break;
	}
	if (how == NULL)
		abort();
	body = json_pack("{s:s, s:o}", "order_sn", s->order_sn,
	    s->mode == SHOPEE_PICKUP ? "pickup" : s->mode == SHOPEE_NON_INTEGRATED ?
	    "non_integrated" : "dropoff", how);
	return post_json(c, PATH_SHIP, 1, body, now, r, err, errlen);
}

/* A shop-level GET of one order_sn. */
static int
order_get(const struct market_creds *c, const char *path, const char *what,
    const char *order_sn, int64_t now, struct request *r, char *err, size_t errlen)
{
	if (order_sn == NULL || order_sn[0] == '\0') {
		snprintf(err, errlen, "shopee: %s needs an order_sn", what);
		return -1;
	}
	request_init(r, "GET", REQUEST_API, path);
	if (common(r, c, now, 1, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_param(r, "order_sn", order_sn);
	request_finish(r);
	return 0;
}

int
shopee_tracking_request(const struct market_creds *c, const char *order_sn, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	return order_get(c, PATH_TRACKING, "get_tracking_number", order_sn, now, r, err,
	    errlen);
}

enum market_class
shopee_parse_ship(long http, const char *body, size_t len, int *already,
    struct market_error *err)
{
	json_t *root = load(http, body, len, err);
	size_t i;

	*already = 0;
	json_decref(root);
	if (err->cls != MC_FATAL)
		return err->cls;
	for (i = 0; already_shipped[i] != NULL; i++) {
		if (strcmp(err->code, already_shipped[i]) == 0) {
			*already = 1;
			return err->cls = MC_OK;
		}
	}
	return err->cls;
}

enum market_class
shopee_parse_tracking(long http, const char *body, size_t len, char *tn, size_t tnlen,
    struct market_error *err)
{
	json_t *root = load(http, body, len, err);
	const char *v;

	if (tnlen > 0)
		tn[0] = '\0';
	if (root == NULL)
		return err->cls;
	v = jsonx_str(json_object_get(root, "response"), "tracking_number");
	if (v != NULL && strlen(v) >= tnlen) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: tracking number too long");
	}
	snprintf(tn, tnlen, "%s", v != NULL ? v : "");
	json_decref(root);
	return MC_OK;
}

/* A listing id as Shopee's integer: decimal digits only, > 0. 0 or -1. */
static int
id_parse(const char *text, int64_t *out)
{
	char *end;
	long long v;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return -1;
	v = strtoll(text, &end, 10);
	if (*end != '\0' || v <= 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int
shopee_param_request(const struct market_creds *c, const char *order_sn, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	return order_get(c, PATH_PARAM, "get_shipping_parameter", order_sn, now, r, err,
	    errlen);
}

enum market_class
shopee_parse_param(long http, const char *body, size_t len, struct shopee_ship_param *out,
    struct market_error *err)
{
	json_t *root = load(http, body, len, err), *resp, *needed, *addrs, *a, *pick = NULL;
	const json_t *slot;
	const char *flag;
	size_t i, j;
	json_t *f;

	memset(out, 0, sizeof *out);
	if (root == NULL)
		return err->cls;
	resp = json_object_get(root, "response");
	needed = json_object_get(resp, "info_needed");
	if (json_object_get(needed, "pickup") != NULL) {
		out->mode = SHOPEE_PICKUP;
		addrs = json_object_get(json_object_get(resp, "pickup"), "address_list");
		json_array_foreach(addrs, i, a) {
			json_array_foreach(json_object_get(a, "address_flag"), j, f) {
				flag = json_string_value(f);
				if (pick == NULL && flag != NULL && strcmp(flag, "pickup_address") == 0)
					pick = a;
			}
		}
		if (pick == NULL)
			pick = json_array_get(addrs, 0);
		slot = json_array_get(json_object_get(pick, "time_slot_list"), 0);
		flag = jsonx_str(slot, "pickup_time_id");
		if (jsonx_int(pick, "address_id", &out->address_id) < 0 || flag == NULL ||
		    flag[0] == '\0' || strlen(flag) >= sizeof out->pickup_time_id) {
			json_decref(root);
			return market_error_set(err, MC_FATAL, "",
			    "shopee: pickup offered without an address and time slot");
		}
		snprintf(out->pickup_time_id, sizeof out->pickup_time_id, "%s", flag);
	} else if (json_object_get(needed, "dropoff") != NULL) {
		out->mode = SHOPEE_DROPOFF;
	} else if (json_object_get(needed, "non_integrated") != NULL) {
		out->mode = SHOPEE_NON_INTEGRATED;
	} else {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: no shipping mode offered");
	}
	json_decref(root);
	return MC_OK;
}

int
shopee_stock_request(const struct market_creds *c, const struct market_stock *items,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen)
{
	json_t *list;
	int64_t item, model;
	size_t i;

	if (n == 0 || n > SHOPEE_STOCK_BATCH) {
		snprintf(err, errlen, "shopee: update_stock takes 1..%d models, not %zu",
		    SHOPEE_STOCK_BATCH, n);
		return -1;
	}
	if (items[0].item_id == NULL || id_parse(items[0].item_id, &item) < 0) {
		snprintf(err, errlen, "shopee: %s: no item_id", items[0].sku);
		return -1;
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		json_t *ss;

		if (items[i].item_id == NULL || strcmp(items[i].item_id, items[0].item_id) != 0) {
			snprintf(err, errlen, "shopee: %s: one update_stock is one item_id (%s)",
			    items[i].sku, items[0].item_id);
			json_decref(list);
			return -1;
		}
		model = 0;
		if (items[i].model_id != NULL && items[i].model_id[0] != '\0' &&
		    id_parse(items[i].model_id, &model) < 0) {
			snprintf(err, errlen, "shopee: %s: bad model_id %s", items[i].sku,
			    items[i].model_id);
			json_decref(list);
			return -1;
		}
		if (items[i].qty < 0) {
			snprintf(err, errlen, "shopee: %s: negative stock", items[i].sku);
			json_decref(list);
			return -1;
		}
		ss = json_pack("{s:I}", "stock", (json_int_t)items[i].qty);
		if (items[i].location != NULL && items[i].location[0] != '\0')
			json_object_set_new(ss, "location_id", json_string(items[i].location));
		json_array_append_new(list, json_pack("{s:I, s:[o]}", "model_id", (json_int_t)model,
		    "seller_stock", ss));
	}
	return post_json(c, PATH_STOCK, 1, json_pack("{s:I, s:o}", "item_id", (json_int_t)item,
	    "stock_list", list), now, r, err, errlen);
}

enum market_class
shopee_parse_stock(long http, const char *body, size_t len, struct market_error *err)
{
	json_t *root = load(http, body, len, err), *fail;
	const char *why;
	char mb[32];

	if (root == NULL)
		return err->cls;
	fail = json_array_get(json_object_get(json_object_get(root, "response"),
	    "failure_list"), 0);
	if (fail != NULL) {
		why = jsonx_str(fail, "failed_reason");
		market_error_set(err, MC_FATAL, "update_stock.failure", "shopee: model %s: %s",
		    jsonx_text(fail, "model_id", mb, sizeof mb) ? mb : "?",
		    why != NULL ? why : "refused");
		json_decref(root);
		return MC_FATAL;
	}
	json_decref(root);
	return MC_OK;
}

const char *
shopee_cancel_reason(const char *text)
{
	static const char *const own[] = { "OUT_OF_STOCK", "CUSTOMER_REQUEST",
		"UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED", NULL };
	size_t i;

	for (i = 0; text != NULL && own[i] != NULL; i++) {
		if (strcmp(text, own[i]) == 0)
			return own[i];
	}
	if (text != NULL && (strcasestr(text, "stock") != NULL ||
	    strstr(text, "hết hàng") != NULL || strstr(text, "Hết hàng") != NULL))
		return "OUT_OF_STOCK";
	return "CUSTOMER_REQUEST";
}

int
shopee_cancel_request(const struct market_creds *c, const char *order_sn,
    const char *reason, const struct market_listing *listings, size_t n, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	const char *why = shopee_cancel_reason(reason);
	json_t *items = json_array();
	int64_t item, model;
	size_t i;

	if (order_sn == NULL || order_sn[0] == '\0') {
		snprintf(err, errlen, "shopee: cancel_order needs an order_sn");
		json_decref(items);
		return -1;
	}
	for (i = 0; i < n; i++) {
		model = 0;
		if (id_parse(listings[i].item_id, &item) < 0 ||
		    (listings[i].model_id != NULL && listings[i].model_id[0] != '\0' &&
		    id_parse(listings[i].model_id, &model) < 0)) {
			snprintf(err, errlen, "shopee: %s: bad item or model id", listings[i].sku);
			json_decref(items);
			return -1;
		}
		json_array_append_new(items, json_pack("{s:I, s:I}", "item_id", (json_int_t)item,
		    "model_id", (json_int_t)model));
	}
	if (strcmp(why, "OUT_OF_STOCK") == 0 && n == 0) {
		snprintf(err, errlen, "shopee: OUT_OF_STOCK needs the order's items");
		json_decref(items);
		return -1;
	}
	return post_json(c, PATH_CANCEL, 1, json_pack("{s:s, s:s, s:o}", "order_sn", order_sn,
	    "cancel_reason", why, "item_list", items), now, r, err, errlen);
}

enum market_class
shopee_parse_cancel(long http, const char *body, size_t len, int *already,
    struct market_error *err)
{
	json_t *root = load(http, body, len, err);

	*already = 0;
	json_decref(root);
	if (err->cls == MC_FATAL && strcmp(err->code, "order.order_already_cancelled") == 0) {
		*already = 1;
		return err->cls = MC_OK;
	}
	return err->cls;
}

int
shopee_escrow_request(const struct market_creds *c, const char *order_sn, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	return order_get(c, PATH_ESCROW, "get_escrow_detail", order_sn, now, r, err, errlen);
}

enum market_class
shopee_parse_escrow(long http, const char *body, size_t len, const char *currency,
    struct market_settlement *out, struct market_error *err)
{
	/* sign: 1 as reported, -1 always negative (a deduction), 0 its own sign. */
	static const struct {
		const char *field;
		int sign;
	} fields[] = {
		{ "escrow_amount", 1 }, { "buyer_total_amount", 1 }, { "original_price", 1 },
		{ "seller_discount", -1 }, { "shopee_discount", 1 },
		{ "voucher_from_seller", -1 }, { "voucher_from_shopee", 1 }, { "coins", 1 },
		{ "buyer_paid_shipping_fee", 1 }, { "actual_shipping_fee", -1 },
		{ "shopee_shipping_rebate", 1 }, { "final_shipping_fee", 0 },
		{ "reverse_shipping_fee", -1 }, { "commission_fee", -1 }, { "service_fee", -1 },
		{ "seller_transaction_fee", -1 }, { "campaign_fee", -1 }, { "escrow_tax", -1 },
	};
	json_t *root = load(http, body, len, err), *resp, *inc;
	const char *sn;
	int exp = market_currency_exp(currency != NULL ? currency : "VND");
	size_t i;

	if (root == NULL)
		return err->cls;
	resp = json_object_get(root, "response");
	inc = json_object_get(resp, "order_income");
	sn = jsonx_str(resp, "order_sn");
	if (!json_is_object(inc) || sn == NULL) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: no response.order_income");
	}
	snprintf(out->order_no, sizeof out->order_no, "%s", sn);
	snprintf(out->currency, sizeof out->currency, "%s", currency != NULL ? currency : "VND");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		int64_t v;

		if (json_object_get(inc, fields[i].field) == NULL)
			continue;
		if (jsonx_money(inc, fields[i].field, exp, &v) < 0) {
			/* The message first: sn lives in root. */
			market_error_set(err, MC_FATAL, "", "shopee: order %s: bad %s", sn,
			    fields[i].field);
			json_decref(root);
			return MC_FATAL;
		}
		if (fields[i].sign < 0 && v > 0)
			v = -v;
		market_settlement_add(out, fields[i].field, v);
	}
	json_decref(root);
	return MC_OK;
}

int
shopee_lost_request(const struct market_creds *c, int64_t now, struct request *r,
    char *err, size_t errlen)
{
	request_init(r, "GET", REQUEST_API, PATH_LOST);
	if (common(r, c, now, 0, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_finish(r);
	return 0;
}

enum market_class
shopee_parse_lost(long http, const char *body, size_t len, int64_t shop_id,
    struct market_page *ids, int64_t *last, int *more, struct market_error *err)
{
	json_t *root = load(http, body, len, err), *resp, *list, *m;
	size_t i, k;

	memset(ids, 0, sizeof *ids);
	ids->total = -1;
	ids->cursor = xstrdup("");
	*last = 0;
	*more = 0;
	if (root == NULL)
		return err->cls;
	resp = json_object_get(root, "response");
	list = json_object_get(resp, "push_message_list");
	if (!json_is_array(list)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: no response.push_message_list");
	}
	ids->ids = xcalloc(json_array_size(list) + 1, sizeof *ids->ids);
	json_array_foreach(list, i, m) {
		json_t *data = json_object_get(m, "data"), *parsed = NULL;
		int64_t code = 0, shop = 0;
		const char *sn;
		int dup = 0;

		if (jsonx_int(m, "code", &code) < 0 || code != 3)
			continue;
		if (shop_id != 0 && (jsonx_int(m, "shop_id", &shop) < 0 || shop != shop_id))
			continue;
		if (json_is_string(data))       /* the lost messages carry data as JSON text */
			data = parsed = json_loads(json_string_value(data), 0, NULL);
		sn = jsonx_str(data, "ordersn");
		for (k = 0; sn != NULL && k < ids->n; k++)
			dup = dup || strcmp(ids->ids[k], sn) == 0;
		if (sn != NULL && sn[0] != '\0' && !dup)
			ids->ids[ids->n++] = xstrdup(sn);
		json_decref(parsed);
	}
	(void)jsonx_int(resp, "last_message_id", last);
	*more = json_is_true(json_object_get(resp, "has_next_page"));
	json_decref(root);
	return MC_OK;
}

int
shopee_confirm_request(const struct market_creds *c, int64_t last, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	if (last <= 0) {
		snprintf(err, errlen, "shopee: nothing to confirm");
		return -1;
	}
	return post_json(c, PATH_CONFIRM, 0, json_pack("{s:I}", "last_message_id",
	    (json_int_t)last), now, r, err, errlen);
}

void
shopee_push_sign(const char *partner_key, const char *url, const char *body, size_t len,
    char out[65])
{
	size_t ulen = strlen(url);
	char *base = xmalloc(ulen + 1 + len + 1);

	memcpy(base, url, ulen);
	base[ulen] = '|';
	memcpy(base + ulen + 1, body, len);
	request_hmac_hex(partner_key, base, ulen + 1 + len, 0, out);
	free(base);
}

int
shopee_push_parse(const char *body, size_t len, char *order_no, size_t olen, char *status,
    size_t slen)
{
	json_t *root = json_loadb(body, len, 0, NULL), *data;
	const char *sn = NULL, *st = NULL;
	int64_t code;

	if (olen > 0)
		order_no[0] = '\0';
	if (slen > 0)
		status[0] = '\0';
	if (!json_is_object(root) || jsonx_int(root, "code", &code) < 0) {
		json_decref(root);
		return -1;
	}
	data = json_object_get(root, "data");
	if (code == 3) {
		sn = jsonx_str(data, "ordersn");
		st = jsonx_str(data, "status");
	} else if (code == 4) {
		sn = jsonx_str(data, "ordersn");
	}
	snprintf(order_no, olen, "%s", sn != NULL ? sn : "");
	snprintf(status, slen, "%s", st != NULL ? st : "");
	json_decref(root);
	return 0;
}

const struct connector shopee_connector = {
	.max_window = SHOPEE_MAX_WINDOW,
	.page_max = SHOPEE_PAGE_MAX,
	.detail_batch = SHOPEE_DETAIL_BATCH,
	.list_has_lines = 0,
	.list_request = list_request,
	.detail_request = detail_request,
	.refresh_request = refresh_request,
	.check = check,
	.parse_list = parse_list,
	.parse_detail = parse_detail,
	.parse_token = parse_token,
};

int
shopee_returns_request(const struct market_creds *c, const struct market_listq *q,
    int64_t now, struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : SHOPEE_PAGE_MAX;
	int64_t page = 0;

	if (q->to <= q->from || q->to - q->from > SHOPEE_MAX_WINDOW) {
		snprintf(err, errlen, "shopee: returns window %" PRId64 "..%" PRId64 " must be 1 s "
		    "to 15 days", q->from, q->to);
		return -1;
	}
	if (size < 1 || size > SHOPEE_PAGE_MAX) {
		snprintf(err, errlen, "shopee: page size %d is not 1..%d", size, SHOPEE_PAGE_MAX);
		return -1;
	}
	if (q->cursor != NULL && q->cursor[0] != '\0' &&
	    (sscanf(q->cursor, "%" SCNd64, &page) != 1 || page < 0)) {
		snprintf(err, errlen, "shopee: returns cursor '%s' is not a page number", q->cursor);
		return -1;
	}
	request_init(r, "GET", REQUEST_API, PATH_RETURNS);
	if (common(r, c, now, 1, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	request_param_int(r, "page_no", page);
	request_param_int(r, "page_size", size);
	/* The window's end is inclusive on the platform: one second less. */
	request_param_int(r, "update_time_from", q->from);
	request_param_int(r, "update_time_to", q->to - 1);
	request_finish(r);
	return 0;
}

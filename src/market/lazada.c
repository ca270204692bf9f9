/*
 * lazada.c — Lazada Open Platform (reference/marketplaces.md): the signer, the builders
 * of /orders/get, /orders/items/get and /auth/token/refresh, and the mappers of its
 * {code, type, message, request_id} envelope, order pages (whole order headers) and
 * order items (one row per unit) onto our error classes and orders; and the builders
 * and mappers of the owed calls ops_lazada.c makes (items, pack, rts, stock, cancel,
 * finance) and of its pushes. Pure.
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
#define PATH_ORDER_ITEMS "/order/items/get"
#define PATH_PACK "/order/fulfill/pack"
#define PATH_RTS "/order/package/rts"
#define PATH_STOCK "/product/price_quantity/update"
#define PATH_CANCEL "/order/cancel"
#define PATH_FINANCE "/finance/transaction/details/get"
/* GetReverseOrdersForSeller: not in the reference; the platform's documented path. Its
 * update-time filter names (update_time_start/_end, ms) are UNCONFIRMED. */
#define PATH_REVERSE "/reverse/getreverseordersforseller"

/*
 * UNCONFIRMED (not in an authoritative copy of the guide), kept here in one place:
 * - pack: packReq = {"pack_order_list":[{"order_id":N,"order_item_list":[N,...]}],
 *   "delivery_type":"dropship","shipping_allocate_type":"TFS"}; the answer's
 *   data.pack_order_list[].order_item_list[] gives {order_item_id, tracking_number,
 *   shipment_provider, package_id, item_err_code ("0" ok), msg} (data may sit under
 *   "result", as the platform's newer calls answer);
 * - rts: readyToShipReq = {"packages":[{"package_id":"FP..."}]}, answer
 *   data.packages[]{package_id, item_err_code, msg};
 * - cancel: order_item_id, reason_id (LAZADA_CANCEL_REASON), reason_detail;
 * - finance: trade_order_id, start_time/end_time (YYYY-MM-DD), answer data[]{order_no,
 *   fee_name, amount (signed decimal text), paid_status, currency?};
 * - the codes of a unit already packed, made ready or cancelled (already_done below).
 */
#define LAZADA_CANCEL_REASON "15"   /* "out of stock" */
#define LAZADA_DELIVERY "dropship"
#define LAZADA_ALLOCATE "TFS"
#define LAZADA_FINANCE_DAYS 90

static const char *const already_done[] = {
	"ItemAlreadyPacked", "PackageAlreadyRts", "OrderAlreadyCanceled", NULL,
};

const struct channel_status lazada_statuses[] = {
	{ "unpaid", ST_NEW },
	{ "pending", ST_CONFIRMED },
	{ "topack", ST_CONFIRMED },
	{ "packed", ST_PACKED },
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

/*
 * The cursor: the next page's offset in decimal, then ':' and the last order id of the
 * page before ("100:480012345678901"; the id may be absent). A page that begins with
 * ids of the page before (orders entered the list ahead of the offset while we paged)
 * is moved past by them, so no order behind them is skipped.
 */
static int
cursor_parse(const char *cursor, int64_t *off, char *last, size_t lastlen)
{
	const char *p;

	*off = 0;
	if (lastlen > 0)
		last[0] = '\0';
	if (cursor == NULL || cursor[0] == '\0')
		return 0;
	for (p = cursor; *p != '\0' && *p != ':'; p++) {
		if (*p < '0' || *p > '9' || p - cursor >= 12)
			return -1;
		*off = *off * 10 + (*p - '0');
	}
	if (p == cursor)
		return -1;
	if (*p == ':' && snprintf(last, lastlen, "%s", p + 1) >= (int)lastlen)
		return -1;
	return 0;
}

static int
cursor_offset(const char *cursor, int64_t *off)
{
	char last[32];

	return cursor_parse(cursor, off, last, sizeof last);
}

static int
list_request(const struct market_creds *c, const struct market_listq *q, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : LAZADA_PAGE_MAX;
	char after[40];
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
	/*
	 * The pages are offsets into a list the platform computes anew for each page. Sorted
	 * by update time and bounded by update_before, an order updated while we page would
	 * leave its place (or the list), moving every order behind it one place forward: the
	 * one at the page boundary would be skipped. Sorted by creation time with no upper
	 * bound, an update moves nothing and orders only join the list: a join ahead of the
	 * offset repeats ids, which the cursor's last id steps past. The window's end (q->to)
	 * is where sync moves the cursor; orders updated after it are taken too, and again by
	 * the next pull (harmless: an upsert).
	 */
	market_iso8601(q->from, LAZADA_TZ, after, sizeof after);
	request_param(r, "update_after", after);
	request_param(r, "sort_by", "created_at");
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
	char idbuf[24], last[32];
	size_t i, skip = 0;

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
	(void)cursor_parse(q ? q->cursor : NULL, &off, last, sizeof last);
	if (jsonx_int(data, "countTotal", &total) == 0)
		page->total = total;
	for (i = 0, skip = 0; last[0] != '\0' && i < page->n; i++) {
		if (strcmp(page->ids[i], last) == 0)
			skip = i + 1;   /* ids up to the last one seen are repeats */
	}
	off += (int64_t)(json_array_size(list) - skip);
	/* A page of repeats only ends the pull: orders that joined ahead of the offset
	 * shift the list as a repeated page does, so at its end the same few orders would
	 * come back at the same offset for ever (a campaign day, orders created meanwhile). */
	page->more = json_array_size(list) > 0 && skip < page->n && total >= 0 && off < total;
	page->cursor = !page->more ? xstrdup("") : page->n > 0 ?
	    xasprintf("%" PRId64 ":%s", off, page->ids[page->n - 1]) : xasprintf("%" PRId64, off);
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
	char idbuf[24], pbuf[24], sbuf[24];
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
				/* The message first: id may live in root. */
				market_error_set(err, MC_FATAL, "", "lazada: order %s: bad item", id);
				json_decref(root);
				return MC_FATAL;
			}
			market_order_line(orders, mo, sku, 1, price);
			/* product_id is the listing's ItemId, sku_id its SkuId. */
			market_order_listing(orders, mo, sku, jsonx_text(it, "product_id", pbuf,
			    sizeof pbuf), jsonx_text(it, "sku_id", sbuf, sizeof sbuf));
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

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) ('+' is a space) into a new string. */
static char *
form_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

int
lazada_form_params(const char *body, size_t len, struct request *into)
{
	size_t at = 0;

	while (at < len) {
		size_t end = at, eq;
		char *k, *v;

		while (end < len && body[end] != '&')
			end++;
		for (eq = at; eq < end && body[eq] != '='; eq++)
			;
		if (eq == end) {
			if (end > at)
				return -1;
		} else {
			k = form_decode(body + at, eq - at);
			v = form_decode(body + eq + 1, end - eq - 1);
			request_param(into, k, v);
			free(k);
			free(v);
		}
		at = end + 1;
	}
	return 0;
}

void
lazada_resign(const struct market_creds *c, int64_t now, struct request *r)
{
	struct request all;
	char sign[65];
	size_t i;
	int has_sign = 0;

	for (i = 0; i < r->nparams; i++) {
		struct request_param *p = &r->params[i];

		if (strcmp(p->key, "access_token") == 0 && c->access_token != NULL) {
			free(p->value);
			p->value = xstrdup(c->access_token);
		} else if (strcmp(p->key, "timestamp") == 0) {
			free(p->value);
			p->value = xasprintf("%" PRId64, now * 1000);
		}
	}
	/* The sign covers the query's and a form body's parameters alike. */
	request_init(&all, r->method, r->host, r->path);
	for (i = 0; i < r->nparams; i++) {
		if (strcmp(r->params[i].key, "sign") != 0)
			request_param(&all, r->params[i].key, r->params[i].value);
		else
			has_sign = 1;
	}
	if (r->body != NULL)
		(void)lazada_form_params(r->body, r->body_len, &all);
	lazada_sign(c->app_secret, &all, sign);
	request_free(&all);
	if (!has_sign)
		request_param(r, "sign", sign);
	for (i = 0; i < r->nparams; i++) {
		if (strcmp(r->params[i].key, "sign") == 0) {
			free(r->params[i].value);
			r->params[i].value = xstrdup(sign);
		}
	}
	request_finish(r);
}

/* ------------------------------------------------------------------ owed calls */

void
lazada_items_free(struct lazada_items *it)
{
	free(it->v);
	it->v = NULL;
	it->n = 0;
}

/*
 * A POST of path with the API parameters kv (NULL-terminated key, value pairs) in an
 * application/x-www-form-urlencoded body, the common ones in the query; the sign covers
 * both, as the platform's SDKs send it.
 */
static int
post_form(struct request *r, const char *path, const struct market_creds *c, int64_t now,
    const char *const *kv, char *err, size_t errlen)
{
	struct request all, form;
	char sign[65];
	size_t i;

	request_init(&all, "POST", REQUEST_API, path);
	if (common(&all, c, now, 1, err, errlen) < 0) {
		request_free(&all);
		return -1;
	}
	request_init(&form, "POST", REQUEST_API, path);
	for (i = 0; kv[i] != NULL; i += 2) {
		request_param(&all, kv[i], kv[i + 1]);
		request_param(&form, kv[i], kv[i + 1]);
	}
	lazada_sign(c->app_secret, &all, sign);
	request_free(&all);
	request_finish(&form);
	request_init(r, "POST", REQUEST_API, path);
	(void)common(r, c, now, 1, err, errlen);
	request_param(r, "sign", sign);
	request_finish(r);
	request_set_body(r, xstrdup(form.query));
	request_header(r, "Content-Type", "application/x-www-form-urlencoded");
	request_free(&form);
	return 0;
}

/* A GET of path with the API parameters kv in the query. */
static int
get_signed(struct request *r, const char *path, const struct market_creds *c, int64_t now,
    const char *const *kv, char *err, size_t errlen)
{
	size_t i;

	request_init(r, "GET", REQUEST_API, path);
	if (common(r, c, now, 1, err, errlen) < 0) {
		request_free(r);
		return -1;
	}
	for (i = 0; kv[i] != NULL; i += 2)
		request_param(r, kv[i], kv[i + 1]);
	sign_finish(r, c);
	return 0;
}

/* Lazada's ids are numbers: only digits pass into a JSON array. */
static int
numeric(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 20)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
	}
	return 1;
}

int
lazada_items_request(const struct market_creds *c, const char *order_id, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	const char *kv[] = { "order_id", order_id, NULL };

	if (!numeric(order_id)) {
		snprintf(err, errlen, "lazada: order id \"%s\" is not a number",
		    order_id ? order_id : "");
		return -1;
	}
	return get_signed(r, PATH_ORDER_ITEMS, c, now, kv, err, errlen);
}

static int
live_item(const struct lazada_item *it)
{
	return strcmp(it->status, "canceled") != 0;
}

int
lazada_pack_request(const struct market_creds *c, const char *order_id,
    const struct lazada_items *it, int64_t now, struct request *r, char *err, size_t errlen)
{
	json_t *ids, *req;
	char *text;
	const char *kv[3] = { "packReq", NULL, NULL };
	size_t i;
	int rc;

	if (!numeric(order_id)) {
		snprintf(err, errlen, "lazada: order id \"%s\" is not a number",
		    order_id ? order_id : "");
		return -1;
	}
	ids = json_array();
	for (i = 0; i < it->n; i++) {
		if (!live_item(&it->v[i]) || it->v[i].package_id[0] != '\0')
			continue;
		if (!numeric(it->v[i].id)) {
			json_decref(ids);
			snprintf(err, errlen, "lazada: order item id \"%s\" is not a number",
			    it->v[i].id);
			return -1;
		}
		json_array_append_new(ids, json_integer(strtoll(it->v[i].id, NULL, 10)));
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		snprintf(err, errlen, "lazada: order %s has no unit to pack", order_id);
		return -1;
	}
	req = json_pack("{s:[{s:I, s:o}], s:s, s:s}", "pack_order_list", "order_id",
	    (json_int_t)strtoll(order_id, NULL, 10), "order_item_list", ids,
	    "delivery_type", LAZADA_DELIVERY, "shipping_allocate_type", LAZADA_ALLOCATE);
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL)
		abort();
	json_decref(req);
	kv[1] = text;
	rc = post_form(r, PATH_PACK, c, now, kv, err, errlen);
	free(text);
	return rc;
}

int
lazada_rts_request(const struct market_creds *c, const char *const *package_ids, size_t n,
    int64_t now, struct request *r, char *err, size_t errlen)
{
	json_t *pk, *req;
	char *text;
	const char *kv[3] = { "readyToShipReq", NULL, NULL };
	size_t i;
	int rc;

	if (n == 0 || n > 20) {
		snprintf(err, errlen, "lazada: rts takes 1..20 packages, not %zu", n);
		return -1;
	}
	pk = json_array();
	for (i = 0; i < n; i++) {
		if (package_ids[i] == NULL || package_ids[i][0] == '\0') {
			json_decref(pk);
			snprintf(err, errlen, "lazada: an empty package id");
			return -1;
		}
		json_array_append_new(pk, json_pack("{s:s}", "package_id", package_ids[i]));
	}
	req = json_pack("{s:o}", "packages", pk);
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL)
		abort();
	json_decref(req);
	kv[1] = text;
	rc = post_form(r, PATH_RTS, c, now, kv, err, errlen);
	free(text);
	return rc;
}

/* Text fit for an XML element: & < > escaped; NULL when s holds a control byte. */
static char *
xml_text(const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *o;

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : 1;
	}
	out = o = xmalloc(n + 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '&')
			o += sprintf(o, "&amp;");
		else if (*p == '<')
			o += sprintf(o, "&lt;");
		else if (*p == '>')
			o += sprintf(o, "&gt;");
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

int
lazada_stock_request(const struct market_creds *c, const struct market_stock *items,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen)
{
	const char *kv[3] = { "payload", NULL, NULL };
	size_t i, len = 0, cap = 256;
	char *xml;
	int rc;

	if (n == 0 || n > LAZADA_STOCK_BATCH) {
		snprintf(err, errlen, "lazada: a stock update takes 1..%d SKUs, not %zu",
		    LAZADA_STOCK_BATCH, n);
		return -1;
	}
	xml = xmalloc(cap);
	len = (size_t)snprintf(xml, cap, "<Request><Product><Skus>");
	for (i = 0; i < n; i++) {
		char *item, *sku, line[512];
		int w;

		if (items[i].item_id == NULL || items[i].item_id[0] == '\0' ||
		    items[i].model_id == NULL || items[i].model_id[0] == '\0' || items[i].qty < 0) {
			free(xml);
			snprintf(err, errlen, "lazada: SKU %s needs ItemId, SkuId and a quantity >= 0",
			    items[i].sku ? items[i].sku : "?");
			return -1;
		}
		item = xml_text(items[i].item_id);
		sku = xml_text(items[i].model_id);
		w = item && sku ? snprintf(line, sizeof line, "<Sku><ItemId>%s</ItemId><SkuId>%s"
		    "</SkuId><Quantity>%" PRId64 "</Quantity></Sku>", item, sku, items[i].qty) : -1;
		free(item);
		free(sku);
		if (w < 0 || (size_t)w >= sizeof line) {
			free(xml);
			snprintf(err, errlen, "lazada: SKU %s: bad ItemId or SkuId",
			    items[i].sku ? items[i].sku : "?");
			return -1;
		}
		if (len + (size_t)w + 64 > cap) {
			cap = (len + (size_t)w + 64) * 2;
			xml = xrealloc(xml, cap);
		}
		memcpy(xml + len, line, (size_t)w + 1);
		len += (size_t)w;
	}
	snprintf(xml + len, cap - len, "</Skus></Product></Request>");
	kv[1] = xml;
	rc = post_form(r, PATH_STOCK, c, now, kv, err, errlen);
	free(xml);
	return rc;
}

int
lazada_cancel_request(const struct market_creds *c, const char *order_item_id,
    const char *reason, int64_t now, struct request *r, char *err, size_t errlen)
{
	const char *kv[] = { "order_item_id", order_item_id, "reason_id", LAZADA_CANCEL_REASON,
	    "reason_detail", reason != NULL && reason[0] != '\0' ? reason : "cancelled by seller",
	    NULL };

	if (!numeric(order_item_id)) {
		snprintf(err, errlen, "lazada: order item id \"%s\" is not a number",
		    order_item_id ? order_item_id : "");
		return -1;
	}
	return post_form(r, PATH_CANCEL, c, now, kv, err, errlen);
}

int
lazada_finance_request(const struct market_creds *c, const char *order_id, int64_t now,
    struct request *r, char *err, size_t errlen)
{
	char start[40], end[40];
	const char *kv[] = { "trade_order_id", order_id, "start_time", start, "end_time", end,
	    NULL };

	if (!numeric(order_id)) {
		snprintf(err, errlen, "lazada: order id \"%s\" is not a number",
		    order_id ? order_id : "");
		return -1;
	}
	market_iso8601(now - LAZADA_FINANCE_DAYS * 86400, LAZADA_TZ, start, sizeof start);
	market_iso8601(now, LAZADA_TZ, end, sizeof end);
	start[10] = end[10] = '\0';         /* YYYY-MM-DD */
	return get_signed(r, PATH_FINANCE, c, now, kv, err, errlen);
}

/* data, or result.data as the platform's newer calls nest it. */
static json_t *
answer_data(json_t *root)
{
	json_t *d = json_object_get(root, "data");

	return d != NULL ? d : json_object_get(json_object_get(root, "result"), "data");
}

static int
is_already(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && already_done[i] != NULL; i++) {
		if (strcmp(code, already_done[i]) == 0)
			return 1;
	}
	return 0;
}

/* load, with the "done before" refusals turned into MC_OK (*already = 1, root NULL). */
static json_t *
load_done(long http, const char *body, size_t len, int *already, struct market_error *err)
{
	json_t *root = load(http, body, len, err);

	*already = 0;
	if (root == NULL && err->cls == MC_FATAL && is_already(err->code)) {
		*already = 1;
		err->cls = MC_OK;
	}
	return root;
}

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src != NULL ? src : "");
}

enum market_class
lazada_parse_items(long http, const char *body, size_t len, struct lazada_items *out,
    struct market_error *err)
{
	json_t *root, *data, *it;
	char buf[24];
	size_t i;

	memset(out, 0, sizeof *out);
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	if (!json_is_array(data))       /* /order/items/get: data[] of units */
		data = json_object_get(data, "order_items");
	if (!json_is_array(data)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "lazada: no order items in the answer");
	}
	out->v = xcalloc(json_array_size(data) + 1, sizeof *out->v);
	json_array_foreach(data, i, it) {
		struct lazada_item *li = &out->v[out->n];
		const char *id = jsonx_text(it, "order_item_id", buf, sizeof buf);

		if (id == NULL || id[0] == '\0')
			continue;
		copy(li->id, sizeof li->id, id);
		copy(li->status, sizeof li->status, jsonx_str(it, "status"));
		copy(li->tracking, sizeof li->tracking, jsonx_str(it, "tracking_code"));
		copy(li->package_id, sizeof li->package_id, jsonx_str(it, "package_id"));
		out->n++;
	}
	json_decref(root);
	return MC_OK;
}

static struct lazada_item *
item_find(struct lazada_items *it, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < it->n; i++) {
		if (strcmp(it->v[i].id, id) == 0)
			return &it->v[i];
	}
	return NULL;
}

/* One entry's item_err_code: "0"/absent ok, an already code, or a failure (err set). */
static int
entry_failed(const json_t *e, const char *what, int *already, struct market_error *err)
{
	char buf[24];
	const char *code = jsonx_text(e, "item_err_code", buf, sizeof buf);
	const char *msg = jsonx_str(e, "msg");

	if (code == NULL || code[0] == '\0' || strcmp(code, "0") == 0)
		return 0;
	if (is_already(code)) {
		*already = 1;
		return 0;
	}
	market_error_set(err, MC_FATAL, code, "lazada: %s: %s: %s", what, code,
	    msg && msg[0] ? msg : "(no message)");
	return -1;
}

enum market_class
lazada_parse_pack(long http, const char *body, size_t len, struct lazada_items *it,
    int *already, struct market_error *err)
{
	json_t *root, *orders, *o, *e;
	char buf[24];
	size_t i, j;

	if ((root = load_done(http, body, len, already, err)) == NULL)
		return err->cls;
	orders = json_object_get(answer_data(root), "pack_order_list");
	if (!json_is_array(orders)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "lazada: pack: no pack_order_list");
	}
	json_array_foreach(orders, i, o) {
		json_array_foreach(json_object_get(o, "order_item_list"), j, e) {
			struct lazada_item *li = item_find(it, jsonx_text(e, "order_item_id", buf,
			    sizeof buf));

			if (entry_failed(e, "pack", already, err) < 0) {
				json_decref(root);
				return err->cls;
			}
			if (li == NULL)
				continue;
			if (jsonx_str(e, "package_id") != NULL)
				copy(li->package_id, sizeof li->package_id, jsonx_str(e, "package_id"));
			if (jsonx_str(e, "tracking_number") != NULL)
				copy(li->tracking, sizeof li->tracking, jsonx_str(e, "tracking_number"));
		}
	}
	json_decref(root);
	return MC_OK;
}

enum market_class
lazada_parse_rts(long http, const char *body, size_t len, int *already,
    struct market_error *err)
{
	json_t *root, *e;
	size_t i;

	if ((root = load_done(http, body, len, already, err)) == NULL)
		return err->cls;
	json_array_foreach(json_object_get(answer_data(root), "packages"), i, e) {
		if (entry_failed(e, "rts", already, err) < 0) {
			json_decref(root);
			return err->cls;
		}
	}
	json_decref(root);
	return MC_OK;
}

enum market_class
lazada_parse_cancel(long http, const char *body, size_t len, int *already,
    struct market_error *err)
{
	json_t *root = load_done(http, body, len, already, err);

	json_decref(root);
	return err->cls;
}

/* data.detail[] lists the SKUs it refused ({seller_sku?, message, code}). */
enum market_class
lazada_parse_stock(long http, const char *body, size_t len, struct market_error *err)
{
	json_t *root = load(http, body, len, err), *d, *e;
	size_t i;

	if (root == NULL)
		return err->cls;
	d = json_object_get(root, "detail");
	if (d == NULL)
		d = json_object_get(answer_data(root), "detail");
	json_array_foreach(d, i, e) {
		char ib[24], sb[24];
		const char *item = jsonx_text(e, "item_id", ib, sizeof ib);
		const char *sku = jsonx_text(e, "sku_id", sb, sizeof sb);
		const char *msg = jsonx_str(e, "message");

		market_error_set(err, MC_FATAL, jsonx_str(e, "code") ? jsonx_str(e, "code") : "",
		    "lazada: stock of %s/%s refused: %s", item ? item : "?", sku ? sku : "?",
		    msg && msg[0] ? msg : "(no message)");
		json_decref(root);
		return MC_FATAL;
	}
	json_decref(root);
	return MC_OK;
}

/* "Commission Fee" -> "commission_fee"; "other_fee" when nothing of it is left. */
static void
fee_type(const char *name, char *out, size_t n)
{
	size_t i, j = 0;

	for (i = 0; name[i] != '\0' && j + 1 < n; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '_';
		if (ch == '_' && (j == 0 || out[j - 1] == '_'))
			continue;
		out[j++] = ch;
	}
	while (j > 0 && out[j - 1] == '_')
		j--;
	out[j] = '\0';
	/* A name without a Latin letter or digit (Thai, say) is still a fee: not "". */
	if (j == 0)
		snprintf(out, n, "other_fee");
}

enum market_class
lazada_parse_finance(long http, const char *body, size_t len, const char *order_id,
    struct market_settlement *out, struct market_error *err)
{
	json_t *root, *data, *e;
	size_t i, k, lines = 0, paid = 0;

	market_settlement_free(out);
	memset(out, 0, sizeof *out);
	copy(out->order_no, sizeof out->order_no, order_id);
	copy(out->currency, sizeof out->currency, "VND");
	if ((root = load(http, body, len, err)) == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "lazada: no data[] of transactions");
	}
	json_array_foreach(data, i, e) {
		char nb[24], type[40];
		const char *no = jsonx_text(e, "order_no", nb, sizeof nb);
		const char *name = jsonx_str(e, "fee_name"), *cur = jsonx_str(e, "currency");
		const char *ps = jsonx_str(e, "paid_status");
		int64_t amount;

		if (no != NULL && order_id != NULL && strcmp(no, order_id) != 0)
			continue;
		if (cur != NULL && cur[0] != '\0')
			copy(out->currency, sizeof out->currency, cur);
		if (name == NULL || jsonx_money(e, "amount", market_currency_exp(out->currency),
		    &amount) < 0) {
			json_decref(root);
			market_settlement_free(out);
			return market_error_set(err, MC_FATAL, "",
			    "lazada: order %s: a transaction without fee_name or amount", order_id);
		}
		fee_type(name, type, sizeof type);
		for (k = 0; k < out->n && strcmp(out->fees[k].type, type) != 0; k++)
			;
		if (k < out->n)
			out->fees[k].amount += amount;
		else
			market_settlement_add(out, type, amount);
		lines++;
		paid += ps != NULL && strcmp(ps, "paid") == 0;
	}
	out->final = lines > 0 && paid == lines;
	json_decref(root);
	return MC_OK;
}

void
lazada_push_sign(const struct market_creds *c, const char *url, const char *body,
    size_t len, char out[65])
{
	(void)url;
	request_hmac_prefixed(c->app_secret, c->app_key, body, len, out);
}

int
lazada_push_parse(const char *body, size_t len, char *order_no, size_t olen, char *status,
    size_t slen)
{
	json_t *root = json_loadb(body, len, 0, NULL), *data;
	char buf[24];
	int64_t type;
	const char *id;

	if (olen > 0)
		order_no[0] = '\0';
	if (slen > 0)
		status[0] = '\0';
	data = json_object_get(root, "data");
	if (!json_is_object(root) || jsonx_int(root, "message_type", &type) < 0 ||
	    !json_is_object(data)) {
		json_decref(root);
		return -1;
	}
	if (type == 0) {
		id = jsonx_text(data, "trade_order_id", buf, sizeof buf);
		snprintf(order_no, olen, "%s", id != NULL ? id : "");
		snprintf(status, slen, "%s", jsonx_str(data, "order_status") ?
		    jsonx_str(data, "order_status") : "");
	}
	json_decref(root);
	return 0;
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

int
lazada_returns_request(const struct market_creds *c, const struct market_listq *q,
    int64_t now, struct request *r, char *err, size_t errlen)
{
	int size = q->page_size ? q->page_size : LAZADA_PAGE_MAX;
	int64_t page = 1;
	char pn[24], ps[24], from[24], to[24];
	const char *kv[] = { "page_no", pn, "page_size", ps, "update_time_start", from,
	    "update_time_end", to, NULL };

	if (q->to <= q->from) {
		snprintf(err, errlen, "lazada: empty returns window %" PRId64 "..%" PRId64, q->from,
		    q->to);
		return -1;
	}
	if (size < 1 || size > LAZADA_PAGE_MAX) {
		snprintf(err, errlen, "lazada: page size %d is not 1..%d", size, LAZADA_PAGE_MAX);
		return -1;
	}
	if (q->cursor != NULL && q->cursor[0] != '\0' &&
	    (sscanf(q->cursor, "%" SCNd64, &page) != 1 || page < 1)) {
		snprintf(err, errlen, "lazada: returns cursor '%s' is not a page number", q->cursor);
		return -1;
	}
	snprintf(pn, sizeof pn, "%" PRId64, page);
	snprintf(ps, sizeof ps, "%d", size);
	snprintf(from, sizeof from, "%" PRId64, q->from * 1000);
	snprintf(to, sizeof to, "%" PRId64, q->to * 1000 - 1);
	return get_signed(r, PATH_REVERSE, c, now, kv, err, errlen);
}

/*
 * sim_lazada.c — the simulator's Lazada Open Platform (sim.h): /orders/get,
 * /orders/items/get, /order/items/get, /order/fulfill/pack, /order/package/rts,
 * /product/price_quantity/update, /order/cancel, /finance/transaction/details/get, the
 * reverse orders (/reverse/getreverseordersforseller) and the auth host's
 * /auth/token/refresh, each checked as the platform does (app_key,
 * timestamp in ms within 7200 s, sign_method sha256, the UPPER-case sign made with the
 * connector's own lazada_sign over the query and a form body's parameters, then the
 * access token) and answered in its {code ("0" ok), type, message, request_id} shape.
 *
 * Orders: numeric order ids; one order item per unit (order_item_id = order id * 100 +
 * unit), each with the order's status unless that unit was cancelled (ext[1] holds the
 * mask of cancelled units, in decimal). Packing gives the order a package (ext[0], "FP"
 * + order id), a tracking number and the status "packed"; rts makes it "ready_to_ship".
 * Both are logged as ship calls (detail "pack" / "rts"; refusals not ok, with the code);
 * the counter ship_ok counts the rts (orders handed over), pack_ok the packs.
 *
 * Listing ids: a SKU's ItemId (product_id) is ITEM_BASE + its family, its SkuId
 * SKU_BASE + its index, so TSHIRT-BLK-M and TSHIRT-WHT-L are two SKUs of one item.
 * The shapes of pack, rts, cancel and finance follow lazada.c's UNCONFIRMED notes.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "market/lazada.h"
#include "market/request.h"
#include "sim.h"

#define PATH_LIST "/orders/get"
#define PATH_ITEMS "/orders/items/get"
#define PATH_ORDER_ITEMS "/order/items/get"
#define PATH_PACK "/order/fulfill/pack"
#define PATH_RTS "/order/package/rts"
#define PATH_STOCK "/product/price_quantity/update"
#define PATH_CANCEL "/order/cancel"
#define PATH_FINANCE "/finance/transaction/details/get"
#define PATH_REFRESH "/auth/token/refresh"
#define PATH_REVERSE "/reverse/getreverseordersforseller"
#define ORDER_BASE 480000000000000LL
#define ITEM_BASE 3000000000LL
#define SKU_BASE 4000000000LL
#define TZ (7 * 3600)
#define TS_WINDOW 7200
#define ITEMS_BATCH 50
#define STOCK_MAX 50
#define PACK_MAX 20

/* need 1: the seller's access token. */
static const struct sim_call calls[] = {
	{ "GET", PATH_LIST, 1 }, { "GET", PATH_ITEMS, 1 }, { "GET", PATH_ORDER_ITEMS, 1 },
	{ "POST", PATH_PACK, 1 }, { "POST", PATH_RTS, 1 }, { "POST", PATH_STOCK, 1 },
	{ "POST", PATH_CANCEL, 1 }, { "GET", PATH_FINANCE, 1 }, { "GET", PATH_REFRESH, 0 },
	{ "POST", PATH_REFRESH, 0 }, { "GET", PATH_REVERSE, 1 },
};

#define NCALLS (sizeof calls / sizeof calls[0])

static int
owns(const char *method, const char *url)
{
	size_t i;

	(void)method;
	for (i = 0; i < NCALLS; i++) {
		if (strcmp(calls[i].path, url) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ parameters */

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	request_param(cls, key, value != NULL ? value : "");
	return MHD_YES;
}

/* Every parameter of the request, the query's and a form body's, into r (path url). */
static void
all_params(const struct sim_req *rq, struct request *r)
{
	request_init(r, rq->method, REQUEST_API, rq->url);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_arg, r);
	if (rq->body != NULL && rq->len > 0 && strcmp(rq->method, "POST") == 0)
		(void)lazada_form_params(rq->body, rq->len, r);
}

/* The value of key (query or form), or NULL. */
static const char *
param(const struct request *all, const char *key)
{
	return request_get(all, key);
}

static struct sim_shop *
shop_by(const char *field, const char *v)
{
	return sim_shop_by(&sim_lazada, field, v);
}

/* By the seller's token (or refresh token), else the first shop of the app. */
static struct sim_shop *
shop_of(const struct sim_req *rq)
{
	struct request all;
	struct sim_shop *sh;

	all_params(rq, &all);
	sh = shop_by("access_token", param(&all, "access_token"));
	if (sh == NULL)
		sh = shop_by("refresh_token", param(&all, "refresh_token"));
	if (sh == NULL)
		sh = shop_by("app_key", param(&all, "app_key"));
	request_free(&all);
	return sh;
}

static json_t *
error(enum sim_err kind, const char *code, const char *msg, unsigned *http)
{
	static const struct {
		unsigned http;
		const char *code, *type;
	} shapes[] = {
		[SIM_ERR_PARAM] = { 200, "MissingParameter", "ISV" },
		[SIM_ERR_SIGN] = { 200, "IncompleteSignature", "ISV" },
		[SIM_ERR_AUTH] = { 200, "IllegalAccessToken", "ISV" },
		[SIM_ERR_RATE] = { 429, "ApiCallLimit", "ISP" },
		[SIM_ERR_SERVER] = { 500, "ServiceTimeout", "ISP" },
		[SIM_ERR_NOT_FOUND] = { 404, "InvalidApiPath", "ISV" },
	};
	char rid[33];

	sim_request_id(rid);
	*http = shapes[kind].http;
	return json_pack("{s:s, s:s, s:s, s:s}", "code", code != NULL ? code : shapes[kind].code,
	    "type", shapes[kind].type, "message", msg, "request_id", rid);
}

static enum MHD_Result
ok(struct sim_req *rq, const char *key, json_t *data)
{
	char rid[33];

	sim_request_id(rid);
	return sim_send_json(rq, 200, json_pack("{s:s, s:o, s:s}", "code", "0", key, data,
	    "request_id", rid));
}

/*
 * The platform's checks in its order: app_key, timestamp, sign_method, sign, then the
 * seller's access token. 0, or -1 after answering the error.
 */
static int
check(struct sim_req *rq, const struct request *all, int shop, enum MHD_Result *ret)
{
	const char *key = param(all, "app_key"), *sign = param(all, "sign");
	const char *method = param(all, "sign_method"), *token = param(all, "access_token");
	struct sim_shop *app = shop_by("app_key", key);
	struct request r;
	char want[65];
	int64_t ts;
	size_t i;

	if (key == NULL || sign == NULL || sim_int(param(all, "timestamp"), &ts) < 0) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "app_key, timestamp and sign are required");
		return -1;
	}
	if (app == NULL) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, "InvalidAppKey", "The app_key is invalid");
		return -1;
	}
	if (ts / 1000 < rq->now - TS_WINDOW || ts / 1000 > rq->now + TS_WINDOW) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, "InvalidTimestamp",
		    "The timestamp is more than 7200 s off (milliseconds expected)");
		return -1;
	}
	if (method == NULL || strcmp(method, "sha256") != 0) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, "InvalidSignMethod",
		    "sign_method must be sha256");
		return -1;
	}
	/* The sign over every parameter but sign (lazada_sign skips it). */
	request_init(&r, rq->method, REQUEST_API, rq->url);
	for (i = 0; i < all->nparams; i++)
		request_param(&r, all->params[i].key, all->params[i].value);
	lazada_sign(app->app_secret, &r, want);
	request_free(&r);
	if (strlen(sign) != 64 || sodium_memcmp(sign, want, 64) != 0) {
		*ret = sim_send_error(rq, SIM_ERR_SIGN, NULL, "The request signature does not "
		    "conform to platform standards");
		return -1;
	}
	if (!shop)
		return 0;
	if (token == NULL || token[0] == '\0') {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "access_token is required");
		return -1;
	}
	if (rq->shop == NULL || strcmp(rq->shop->app_key, key) != 0 ||
	    sim_token_check(rq->shop, token) < 0) {
		if (rq->shop == NULL)
			sim_count(NULL, "error_auth");
		*ret = sim_send_error(rq, SIM_ERR_AUTH, NULL,
		    "The specified access token is invalid or expired");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ orders */

static void
order_no(struct sim_shop *sh, struct sim_order *o)
{
	snprintf(o->sn, sizeof o->sn, "%lld", (long long)(ORDER_BASE +
	    (int64_t)sh->idx * 10000000000LL + o->seq));
}

/* The order numbered sn: at once by the sequence number in it (order_no), else by a
 * search (an order number of another form). */
static struct sim_order *
find(struct sim_shop *sh, const char *sn)
{
	return sim_order_by_seq(sh, sn, ORDER_BASE, 10000000000LL);
}

/* "2026-11-11 09:12:45 +0700" at Viet Nam's offset. */
static void
lz_time(int64_t t, char *buf, size_t len)
{
	char iso[40];

	market_iso8601(t, TZ, iso, sizeof iso);     /* 2026-11-11T09:12:45+07:00 */
	snprintf(buf, len, "%.10s %.8s +0700", iso, iso + 11);
}

static uint64_t
cancelled_mask(const struct sim_order *o)
{
	return strtoull(o->ext[1], NULL, 10);
}

static int
units(const struct sim_order *o)
{
	int i, n = 0;

	for (i = 0; i < o->nlines; i++)
		n += (int)o->lines[i].qty;
	return n;
}

/* Unit u's line. */
static int
unit_line(const struct sim_order *o, int u)
{
	int i;

	for (i = 0; i < o->nlines; i++) {
		if (u < o->lines[i].qty)
			return i;
		u -= (int)o->lines[i].qty;
	}
	return o->nlines - 1;
}

static const char *
unit_status(const struct sim_order *o, int u)
{
	return (cancelled_mask(o) >> u) & 1 ? "canceled" : o->status;
}

static void
money(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64 ".00", v);
}

static json_t *
order_json(const struct sim_order *o)
{
	const struct sim_place *pl = &sim_places[o->place];
	char created[40], updated[40], promised[40], price[32];
	json_t *sts = json_array();
	int u, n = units(o);

	for (u = 0; u < n; u++)
		json_array_append_new(sts, json_string(unit_status(o, u)));
	lz_time(o->create_time, created, sizeof created);
	lz_time(o->update_time, updated, sizeof updated);
	lz_time(o->ship_by, promised, sizeof promised);
	money(sim_order_total(o), price, sizeof price);
	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:i, s:s, "
	    "s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
	    "order_id", (json_int_t)strtoll(o->sn, NULL, 10),
	    "order_number", (json_int_t)strtoll(o->sn, NULL, 10),
	    "created_at", created, "updated_at", updated, "statuses", sts,
	    "payment_method", o->cod ? "COD" : "MIXEDCARD", "price", price,
	    "shipping_fee", "0.00", "voucher", "0.00", "items_count", n,
	    "promised_shipping_times", promised,
	    "address_shipping", "first_name", o->name, "last_name", "", "phone", o->phone,
	    "address1", o->address, "address3", pl->province, "address4", pl->district,
	    "address5", pl->ward, "city", pl->district, "post_code", "", "country", "Vietnam");
}

static json_t *
item_json(const struct sim_order *o, int u)
{
	const struct sim_line *l = &o->lines[unit_line(o, u)];
	const char *sku = sim_line_sku(o, unit_line(o, u));
	char id[32], price[32], shop_sku[64];

	snprintf(id, sizeof id, "%lld", (long long)(strtoll(o->sn, NULL, 10) * 100 + u));
	money(l->price, price, sizeof price);
	snprintf(shop_sku, sizeof shop_sku, "%lld_VNAMZ-%lld",
	    (long long)(ITEM_BASE + sim.family[l->sku]), (long long)(SKU_BASE + l->sku));
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s}",
	    "order_item_id", (json_int_t)strtoll(id, NULL, 10),
	    "order_id", (json_int_t)strtoll(o->sn, NULL, 10), "sku", sku, "shop_sku", shop_sku,
	    "product_id", (json_int_t)(ITEM_BASE + sim.family[l->sku]),
	    "sku_id", (json_int_t)(SKU_BASE + l->sku), "name", sku, "item_price", price,
	    "paid_price", price, "currency", "VND", "status", unit_status(o, u),
	    "tracking_code", o->tracking, "package_id", o->ext[0],
	    "shipment_provider", o->tracking[0] ? "LEX VN" : "");
}

static json_t *
items_json(const struct sim_order *o)
{
	json_t *a = json_array();
	int u, n = units(o);

	for (u = 0; u < n; u++)
		json_array_append_new(a, item_json(o, u));
	return a;
}

static int
time_arg(const struct request *all, const char *key, int64_t *t)
{
	const char *v = param(all, key);

	return v == NULL ? 1 : clock_parse_iso(v, TZ, t) < 0 || strchr(v, 'T') == NULL ? -1 : 0;
}

/*
 * /orders/get: updated (or created) in [*_after, *_before), sorted by sort_by and
 * sort_direction, offset and limit (<= 100). A duplicate-page fault starts a page half a
 * page early.
 */
static enum MHD_Result
api_list(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	int64_t after = 0, before = INT64_MAX, off = 0, limit = 100;
	struct sim_order **hits;
	const char *sort = param(all, "sort_by");
	int by_create, ua, ub, ca, cb, desc;
	size_t i, n = 0;
	json_t *list;

	sim_count(sh, "list");
	ua = time_arg(all, "update_after", &after);
	ca = time_arg(all, "created_after", &after);
	ub = time_arg(all, "update_before", &before);
	cb = time_arg(all, "created_before", &before);
	if ((ua != 0 && ca != 0) || ua < 0 || ca < 0 || ub < 0 || cb < 0)
		return sim_send_error(rq, SIM_ERR_PARAM, ua < 0 || ca < 0 || ub < 0 || cb < 0 ?
		    "InvalidParameter" : NULL, "update_after or created_after (ISO 8601 with its "
		    "offset) is required");
	by_create = ua != 0;
	if ((param(all, "offset") != NULL && (sim_int(param(all, "offset"), &off) < 0 ||
	    off < 0)) || (param(all, "limit") != NULL &&
	    (sim_int(param(all, "limit"), &limit) < 0 || limit < 1 || limit > 100)))
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidParameter",
		    "offset >= 0 and limit 1..100");
	if (sort != NULL && strcmp(sort, "updated_at") != 0 && strcmp(sort, "created_at") != 0)
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidParameter",
		    "sort_by is created_at or updated_at");
	desc = param(all, "sort_direction") != NULL &&
	    strcmp(param(all, "sort_direction"), "DESC") == 0;
	hits = sim_alloc((sh->norders + 1) * sizeof *hits);
	for (i = 0; i < sh->norders; i++) {
		int64_t t = by_create ? sh->orders[i].create_time : sh->orders[i].update_time;

		if (t >= after && t < before)
			hits[n++] = &sh->orders[i];
	}
	/* sort_by: created_at (the default) or updated_at; each page is computed anew. */
	qsort(hits, n, sizeof *hits, sort != NULL && strcmp(sort, "updated_at") == 0 ?
	    sim_cmp_update : sim_cmp_create);
	if (off > 0 && sim_take_fault(sh, SIM_FAULT_DUP_PAGE))
		off -= off < (limit + 1) / 2 ? off : (limit + 1) / 2;
	list = json_array();
	for (i = (size_t)off; i < n && i < (size_t)(off + limit); i++)
		json_array_append_new(list, order_json(hits[desc ? n - 1 - i : i]));
	free(hits);
	return ok(rq, "data", json_pack("{s:i, s:I, s:o}", "count", (int)json_array_size(list),
	    "countTotal", (json_int_t)n, "orders", list));
}

/* "[1,2,3]": the ids, at most ITEMS_BATCH; -1 when it is not such a list. */
static int
id_list(const char *v, char ids[][24], int max)
{
	json_t *a = v != NULL ? json_loads(v, JSON_DECODE_ANY, NULL) : NULL, *e;
	size_t i;
	int n = 0;

	if (!json_is_array(a) || json_array_size(a) == 0 || (int)json_array_size(a) > max) {
		json_decref(a);
		return -1;
	}
	json_array_foreach(a, i, e) {
		if (json_is_integer(e))
			snprintf(ids[n++], 24, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
		else if (json_is_string(e))
			snprintf(ids[n++], 24, "%s", json_string_value(e));
		else
			n = -1;
		if (n < 0)
			break;
	}
	json_decref(a);
	return n;
}

static enum MHD_Result
api_items(struct sim_req *rq, const struct request *all)
{
	char ids[ITEMS_BATCH][24];
	json_t *data;
	int i, n;

	sim_count(rq->shop, "detail");
	if ((n = id_list(param(all, "order_ids"), ids, ITEMS_BATCH)) < 0)
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidParameter",
		    "order_ids is a JSON array of 1..50 order ids");
	data = json_array();
	for (i = 0; i < n; i++) {
		const struct sim_order *o = find(rq->shop, ids[i]);

		if (o != NULL)
			json_array_append_new(data, json_pack("{s:I, s:I, s:o}", "order_id",
			    (json_int_t)strtoll(o->sn, NULL, 10), "order_number",
			    (json_int_t)strtoll(o->sn, NULL, 10), "order_items", items_json(o)));
	}
	return ok(rq, "data", data);
}

static enum MHD_Result
api_order_items(struct sim_req *rq, const struct request *all)
{
	const struct sim_order *o = find(rq->shop, param(all, "order_id"));

	sim_count(rq->shop, "items");
	if (o == NULL)
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidOrderId", "No such order");
	return ok(rq, "data", items_json(o));
}

/* ------------------------------------------------------------------ fulfilment */

/* A pack or rts call, logged as a ship call (detail "pack", "rts" or the refusal's
 * code). The counters: pack_ok / pack_refused, and ship_ok / ship_refused for rts, the
 * hand-over, so ship_ok counts orders shipped as on the other channels. */
static void
log_ship(struct sim_shop *sh, int rts, const char *sn, int ok_, const char *detail)
{
	sim_log_order(sh, "ship", sn, ok_, detail);
	sim_count(sh, rts ? (ok_ ? "ship_ok" : "ship_refused") : (ok_ ? "pack_ok" :
	    "pack_refused"));
}

/* The order of unit id (order id * 100 + unit), or NULL; *u its unit. */
static struct sim_order *
unit_order(struct sim_shop *sh, const char *id, int *u)
{
	char sn[24];
	int64_t v;
	struct sim_order *o;

	if (sim_int(id, &v) < 0 || v < 100)
		return NULL;
	snprintf(sn, sizeof sn, "%" PRId64, v / 100);
	*u = (int)(v % 100);
	o = find(sh, sn);
	return o != NULL && *u < units(o) ? o : NULL;
}

/*
 * /order/fulfill/pack packReq {pack_order_list:[{order_id, order_item_list}],
 * delivery_type}: the order must be pending and every unit named belong to it; the
 * order gets its package and tracking number and becomes "packed". The work is done
 * before an injected fault spoils the answer.
 */
static enum MHD_Result
api_pack(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	json_t *req = json_loads(param(all, "packReq") ? param(all, "packReq") : "", 0, NULL);
	json_t *list = json_object_get(req, "pack_order_list"), *po, *out, *e;
	size_t i, j;

	sim_count(sh, "pack");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > PACK_MAX ||
	    json_string_value(json_object_get(req, "delivery_type")) == NULL) {
		json_decref(req);
		log_ship(sh, 0, "", 0, "MissingParameter");
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "packReq needs pack_order_list "
		    "(1..20 orders) and delivery_type");
	}
	/* Every order first, so a refusal changes nothing. */
	json_array_foreach(list, i, po) {
		char sn[24];
		struct sim_order *o;
		int u;

		snprintf(sn, sizeof sn, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(po, "order_id")));
		if ((o = find(sh, sn)) == NULL) {
			json_decref(req);
			log_ship(sh, 0, sn, 0, "InvalidOrderId");
			return sim_send_error(rq, SIM_ERR_PARAM, "InvalidOrderId", "No such order");
		}
		if (o->ext[0][0] != '\0') {
			json_decref(req);
			log_ship(sh, 0, sn, 0, "ItemAlreadyPacked");
			return sim_send_error(rq, SIM_ERR_PARAM, "ItemAlreadyPacked",
			    "The order items are packed already");
		}
		if (strcmp(o->status, "pending") != 0 && strcmp(o->status, "topack") != 0) {
			json_decref(req);
			log_ship(sh, 0, sn, 0, "InvalidOrderStatus");
			return sim_send_error(rq, SIM_ERR_PARAM, "InvalidOrderStatus",
			    "The order status does not allow packing");
		}
		if (json_array_size(json_object_get(po, "order_item_list")) == 0) {
			json_decref(req);
			log_ship(sh, 0, sn, 0, "MissingParameter");
			return sim_send_error(rq, SIM_ERR_PARAM, NULL, "order_item_list is empty");
		}
		json_array_foreach(json_object_get(po, "order_item_list"), j, e) {
			char id[24];

			snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
			if (unit_order(sh, id, &u) != o) {
				json_decref(req);
				log_ship(sh, 0, sn, 0, "InvalidOrderItemId");
				return sim_send_error(rq, SIM_ERR_PARAM, "InvalidOrderItemId",
				    "An order item is not of the order");
			}
		}
	}
	out = json_array();
	json_array_foreach(list, i, po) {
		char sn[24];
		struct sim_order *o;
		json_t *its = json_array();

		snprintf(sn, sizeof sn, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(po, "order_id")));
		o = find(sh, sn);
		snprintf(o->ext[0], sizeof o->ext[0], "FP%s", o->sn);
		snprintf(o->tracking, sizeof o->tracking, "LXVN%010" PRIu64,
		    (uint64_t)(sim_rnd() % 10000000000ULL));
		json_array_foreach(json_object_get(po, "order_item_list"), j, e)
			json_array_append_new(its, json_pack("{s:O, s:s, s:s, s:s, s:s, s:s, s:b}",
			    "order_item_id", e, "tracking_number", o->tracking,
			    "shipment_provider", "LEX VN", "package_id", o->ext[0],
			    "item_err_code", "0", "msg", "success", "retry", 0));
		json_array_append_new(out, json_pack("{s:O, s:o}", "order_id",
		    json_object_get(po, "order_id"), "order_item_list", its));
		log_ship(sh, 0, o->sn, 1, "pack");
		sim_order_status(sh, o, "packed");
	}
	json_decref(req);
	return ok(rq, "result", json_pack("{s:b, s:{s:o}}", "success", 1, "data",
	    "pack_order_list", out));
}

/* /order/package/rts readyToShipReq {packages:[{package_id}]}: each packed order's
 * package becomes ready_to_ship; the answer says per package. */
static enum MHD_Result
api_rts(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	json_t *req = json_loads(param(all, "readyToShipReq") ? param(all, "readyToShipReq") :
	    "", 0, NULL);
	json_t *list = json_object_get(req, "packages"), *p, *out;
	size_t i;

	sim_count(sh, "rts");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > PACK_MAX) {
		json_decref(req);
		log_ship(sh, 1, "", 0, "MissingParameter");
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "readyToShipReq needs packages (1..20)");
	}
	out = json_array();
	json_array_foreach(list, i, p) {
		const char *pid = json_string_value(json_object_get(p, "package_id"));
		struct sim_order *o = NULL;
		const char *code = "0", *msg = "success";

		if (pid != NULL && strncmp(pid, "FP", 2) == 0 && (o = find(sh, pid + 2)) != NULL &&
		    strcmp(o->ext[0], pid) != 0)
			o = NULL;       /* the order of that number has no such package */
		if (o == NULL) {
			code = "PackageNotFound";
			msg = "No such package";
		} else if (strcmp(o->status, "packed") != 0) {
			code = strcmp(o->status, "canceled") == 0 ? "InvalidOrderStatus" :
			    "PackageAlreadyRts";
			msg = "The package is not waiting to be made ready";
		} else {
			sim_order_status(sh, o, "ready_to_ship");
		}
		log_ship(sh, 1, o != NULL ? o->sn : "", strcmp(code, "0") == 0,
		    strcmp(code, "0") == 0 ? "rts" : code);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:b}", "package_id",
		    pid != NULL ? pid : "", "item_err_code", code, "msg", msg, "retry", 0));
	}
	json_decref(req);
	return ok(rq, "result", json_pack("{s:b, s:{s:o}}", "success", 1, "data", "packages",
	    out));
}

/* ------------------------------------------------------------------ stock */

/* The text of <tag>...</tag> inside [p, end) into out; NULL when absent. */
static const char *
xml_get(const char *p, const char *end, const char *tag, char *out, size_t len)
{
	char open[32], close[32];
	const char *a, *b;

	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	if ((a = strstr(p, open)) == NULL || a >= end)
		return NULL;
	a += strlen(open);
	if ((b = strstr(a, close)) == NULL || b > end || (size_t)(b - a) >= len)
		return NULL;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return out;
}

/* The SKU index a listing names, or -1. */
static int
listing_sku(const char *item, const char *model)
{
	int64_t it, sk;

	if (sim_int(item, &it) < 0 || sim_int(model, &sk) < 0 || sk < SKU_BASE ||
	    sk >= SKU_BASE + (int64_t)sim.nskus)
		return -1;
	return sim.family[sk - SKU_BASE] == it - ITEM_BASE ? (int)(sk - SKU_BASE) : -1;
}

/*
 * /product/price_quantity/update payload <Request><Product><Skus><Sku><ItemId/><SkuId/>
 * <Quantity/></Sku>...: each SKU's quantity set, or listed in detail[] when refused.
 */
static enum MHD_Result
api_stock(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	const char *xml = param(all, "payload"), *p, *end;
	json_t *bad;
	int n = 0;

	sim_count(sh, "stock");
	if (xml == NULL || strstr(xml, "<Request>") == NULL || strstr(xml, "<Skus>") == NULL)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "payload <Request> is required");
	for (p = xml; (p = strstr(p, "<Sku>")) != NULL; p += 5)
		n++;
	if (n == 0 || n > STOCK_MAX)
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidParameter",
		    "the payload takes 1..50 SKUs");
	bad = json_array();
	for (p = strstr(xml, "<Sku>"); p != NULL; p = strstr(end, "<Sku>")) {
		char item[32], model[32], qty[32];
		int64_t q;
		int sku;

		if ((end = strstr(p, "</Sku>")) == NULL)
			break;
		if (xml_get(p, end, "ItemId", item, sizeof item) == NULL ||
		    xml_get(p, end, "SkuId", model, sizeof model) == NULL ||
		    xml_get(p, end, "Quantity", qty, sizeof qty) == NULL || sim_int(qty, &q) < 0 ||
		    q < 0) {
			sim_log_stock(sh, "", "", -1, -1, 0, "InvalidParameter");
			json_array_append_new(bad, json_pack("{s:s, s:s, s:s}", "item_id", "",
			    "code", "InvalidParameter", "message",
			    "ItemId, SkuId and Quantity >= 0 are required"));
			continue;
		}
		if ((sku = listing_sku(item, model)) < 0) {
			sim_log_stock(sh, item, model, -1, q, 0, "SkuNotFound");
			json_array_append_new(bad, json_pack("{s:s, s:s, s:s, s:s}", "item_id", item,
			    "sku_id", model, "code", "SkuNotFound", "message", "No such SKU"));
			continue;
		}
		sh->stock[sku] = q;
		sim_log_stock(sh, item, model, sku, q, 1, "");
	}
	return ok(rq, "detail", bad);
}

/* ------------------------------------------------------------------ cancel, finance */

/* /order/cancel order_item_id, reason_id, reason_detail: one unit of an unpaid or
 * pending order; the order is "canceled" when its last unit is. */
static enum MHD_Result
api_cancel(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	const char *why = param(all, "reason_detail");
	struct sim_order *o;
	uint64_t mask;
	int u, n;

	sim_count(sh, "cancel");
	if (param(all, "reason_id") == NULL || param(all, "order_item_id") == NULL) {
		sim_log_order(sh, "cancel", "", 0, "MissingParameter");
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "order_item_id and reason_id are required");
	}
	if ((o = unit_order(sh, param(all, "order_item_id"), &u)) == NULL) {
		sim_log_order(sh, "cancel", "", 0, "InvalidOrderItemId");
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidOrderItemId", "No such order item");
	}
	mask = cancelled_mask(o);
	if (strcmp(o->status, "canceled") == 0 || ((mask >> u) & 1)) {
		sim_log_order(sh, "cancel", o->sn, 0, "OrderAlreadyCanceled");
		return sim_send_error(rq, SIM_ERR_PARAM, "OrderAlreadyCanceled",
		    "The order item is cancelled already");
	}
	if (strcmp(o->status, "unpaid") != 0 && strcmp(o->status, "pending") != 0) {
		sim_log_order(sh, "cancel", o->sn, 0, "InvalidOrderStatus");
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidOrderStatus",
		    "The order status does not allow cancelling");
	}
	mask |= (uint64_t)1 << u;
	snprintf(o->ext[1], sizeof o->ext[1], "%" PRIu64, mask);
	n = units(o);
	snprintf(o->cancel_reason, sizeof o->cancel_reason, "%s", why != NULL ? why : "");
	sim_log_order(sh, "cancel", o->sn, 1, why != NULL ? why : param(all, "reason_id"));
	if (mask == ((uint64_t)1 << n) - 1)
		sim_order_status(sh, o, "canceled");
	else
		sim_order_touch(sh, o);
	return ok(rq, "data", json_object());
}

/*
 * /finance/transaction/details/get trade_order_id, start_time, end_time (YYYY-MM-DD):
 * the lines of an order past packing: the item price credited, commission 4 %, payment
 * fee 2 %, shipping 15,000 (signed decimal text); paid once delivered.
 */
static enum MHD_Result
api_finance(struct sim_req *rq, const struct request *all)
{
	const char *id = param(all, "trade_order_id");
	const struct sim_order *o = find(rq->shop, id);
	json_t *data = json_array();
	char amount[4][32], date[40];
	const char *paid;
	int64_t total;
	int k;
	static const char *const names[] = { "Item Price Credit", "Commission",
		"Payment Fee", "Shipping Fee (Paid By Seller)" };

	sim_count(rq->shop, "finance");
	if (param(all, "start_time") == NULL || param(all, "end_time") == NULL) {
		json_decref(data);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "start_time and end_time are required");
	}
	if (o != NULL && strcmp(o->status, "unpaid") != 0 && strcmp(o->status, "pending") != 0 &&
	    strcmp(o->status, "canceled") != 0) {
		total = sim_order_total(o);
		money(total, amount[0], sizeof amount[0]);
		snprintf(amount[1], sizeof amount[1], "-%" PRId64 ".00", total * 4 / 100);
		snprintf(amount[2], sizeof amount[2], "-%" PRId64 ".00", total * 2 / 100);
		snprintf(amount[3], sizeof amount[3], "-15000.00");
		paid = strcmp(o->status, "delivered") == 0 ? "paid" : "not paid";
		market_iso8601(o->update_time, TZ, date, sizeof date);
		date[10] = '\0';
		for (k = 0; k < 4; k++)
			json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			    "order_no", o->sn, "fee_name", names[k], "amount", amount[k],
			    "paid_status", paid, "transaction_date", date, "transaction_type",
			    k == 0 ? "Orders-Sales" : "Orders-Lazada Fees"));
	}
	return ok(rq, "data", data);
}

/* ------------------------------------------------------------------ returns */

/* A reverse order: one line per unit sent back, each with the return's status. */
static json_t *
reverse_json(struct sim_shop *sh, const struct sim_return *r)
{
	const struct sim_order *o = find(sh, r->order_sn);
	json_t *lines = json_array();
	int i, u, base = 0;
	int64_t q;

	for (i = 0; o != NULL && i < o->nlines; i++) {
		const struct sim_line *l = &o->lines[i];

		for (q = 0; q < r->qty[i] && q < l->qty; q++) {
			char line[40], oline[40], price[32];

			u = base + (int)q;
			snprintf(line, sizeof line, "%s%02d", r->id, u);
			snprintf(oline, sizeof oline, "%lld", (long long)(strtoll(o->sn, NULL, 10) *
			    100 + u));
			money(l->price, price, sizeof price);
			json_array_append_new(lines, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, "
			    "s:s, s:s, s:I, s:I}",
			    "reverse_order_line_id", line, "trade_order_line_id", oline,
			    "reverse_status", r->status, "ofc_status", "", "seller_sku_id",
			    sim_line_sku(o, i), "platform_sku_id", (json_int_t)(SKU_BASE + l->sku),
			    "reason_text", r->reason, "tracking_number", r->tracking,
			    "refund_amount", price,
			    "return_order_line_gmt_create", (json_int_t)r->create_time * 1000,
			    "return_order_line_gmt_modified", (json_int_t)r->update_time * 1000));
		}
		base += (int)l->qty;
	}
	return json_pack("{s:I, s:I, s:s, s:b, s:s, s:o}",
	    "reverse_order_id", (json_int_t)strtoll(r->id, NULL, 10),
	    "trade_order_id", (json_int_t)strtoll(r->order_sn, NULL, 10),
	    "request_type", r->type[0] != '\0' ? r->type : "RETURN", "is_rtm", 0,
	    "shipping_type", "DROPSHIP", "reverse_order_lines", lines);
}

/* GetReverseOrdersForSeller: page_no from 1, page_size 1..100, lines modified in
 * update_time_start..update_time_end (ms, inclusive), oldest first. */
static enum MHD_Result
api_reverse(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	struct sim_return **hits;
	int64_t page, size, from, to;
	size_t i, n;
	json_t *items;

	sim_count(sh, "returns");
	if (sim_int(param(all, "page_no"), &page) < 0 || sim_int(param(all, "page_size"),
	    &size) < 0 || page < 1 || size < 1 || size > 100)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "page_no (from 1) and page_size (1..100) are required");
	if (sim_int(param(all, "update_time_start"), &from) < 0 ||
	    sim_int(param(all, "update_time_end"), &to) < 0 || to < from)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "update_time_start and update_time_end (ms) are required");
	hits = sim_returns_in(sh, (from + 999) / 1000, to / 1000 + 1, &n);
	items = json_array();
	for (i = (size_t)((page - 1) * size); i < n && i < (size_t)(page * size); i++)
		json_array_append_new(items, reverse_json(sh, hits[i]));
	free(hits);
	return ok(rq, "result", json_pack("{s:b, s:o, s:I, s:I, s:I}", "success", 1,
	    "items", items, "page_no", (json_int_t)page, "page_size", (json_int_t)size,
	    "total", (json_int_t)n));
}

/* ------------------------------------------------------------------ auth */

static enum MHD_Result
api_refresh(struct sim_req *rq, const struct request *all)
{
	struct sim_shop *sh = rq->shop;
	const char *rt = param(all, "refresh_token");
	char rid[33];

	sim_count(sh, "refresh");
	if (rt == NULL || sh == NULL || strcmp(rt, sh->refresh_token) != 0)
		return sim_send_error(rq, SIM_ERR_PARAM, "InvalidRefreshToken",
		    "The refresh token is invalid or expired");
	sim_token_rotate(sh);
	sim_request_id(rid);
	return sim_send_json(rq, 200, json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, "
	    "s:[{s:s, s:s, s:s, s:s}], s:s, s:s}",
	    "access_token", sh->access_token, "refresh_token", sh->refresh_token,
	    "expires_in", (json_int_t)(sh->token_ttl > 0 ? sh->token_ttl : 604800),
	    "refresh_expires_in", (json_int_t)2592000, "account_platform", "seller_center",
	    "country", "vn", "account", sh->code, "country_user_info", "country", "vn",
	    "seller_id", sh->seller_id, "user_id", sh->seller_id, "short_code", sh->code,
	    "code", "0", "request_id", rid));
}

/* ------------------------------------------------------------------ push, row */

/* message_type 0, a trade order's status changed. */
static char *
push_body(const struct sim_shop *sh, const struct sim_order *o, int64_t now)
{
	json_t *j = json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:I}, s:I, s:s}",
	    "seller_id", sh->seller_id, "message_type", 0, "data", "order_status", o->status,
	    "trade_order_id", o->sn, "trade_order_line_id", "",
	    "status_update_time", (json_int_t)o->update_time, "timestamp", (json_int_t)now,
	    "site", "lazada_vn");
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static enum MHD_Result
handle(struct sim_req *rq)
{
	struct request all;
	enum MHD_Result ret;
	int i = sim_call_find(calls, NCALLS, rq->method, rq->url);

	if (i < 0)
		return sim_send_error(rq, SIM_ERR_NOT_FOUND, NULL, "The specified API is not "
		    "found, please check your request method and path");
	all_params(rq, &all);
	if (check(rq, &all, calls[i].need, &ret) == 0) {
		if (strcmp(rq->url, PATH_LIST) == 0)
			ret = api_list(rq, &all);
		else if (strcmp(rq->url, PATH_ITEMS) == 0)
			ret = api_items(rq, &all);
		else if (strcmp(rq->url, PATH_ORDER_ITEMS) == 0)
			ret = api_order_items(rq, &all);
		else if (strcmp(rq->url, PATH_PACK) == 0)
			ret = api_pack(rq, &all);
		else if (strcmp(rq->url, PATH_RTS) == 0)
			ret = api_rts(rq, &all);
		else if (strcmp(rq->url, PATH_STOCK) == 0)
			ret = api_stock(rq, &all);
		else if (strcmp(rq->url, PATH_CANCEL) == 0)
			ret = api_cancel(rq, &all);
		else if (strcmp(rq->url, PATH_FINANCE) == 0)
			ret = api_finance(rq, &all);
		else if (strcmp(rq->url, PATH_REVERSE) == 0)
			ret = api_reverse(rq, &all);
		else
			ret = api_refresh(rq, &all);
	}
	request_free(&all);
	return ret;
}

const struct sim_channel sim_lazada = {
	.name = "lazada",
	.st_unpaid = "unpaid",
	.st_ready = "pending",
	.st_cancelled = "canceled",
	.st_return_new = "REQUEST_INITIATE",
	.owns = owns,
	.shop_of = shop_of,
	.handle = handle,
	.error = error,
	.init_shop = NULL,
	.order_no = order_no,
	.push_body = push_body,
};

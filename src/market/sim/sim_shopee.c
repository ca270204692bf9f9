/*
 * sim_shopee.c — the simulator's Shopee Open Platform v2 (sim.h): get_order_list,
 * get_order_detail, the access token refresh, get_shipping_parameter, ship_order,
 * get_tracking_number, update_stock, cancel_order, get_escrow_detail, the lost push
 * calls and get_return_list (returns made by /_sim/returns/add), each checked as the platform does (partner id, timestamp within 5 minutes,
 * signature with the connector's own shopee_sign, shop id, access token) and answered
 * in its envelope {request_id, error, message, response}.
 *
 * Listing ids: a SKU's item is its family (the text before its first '-'), item_id
 * 100000 + family index, model_id 200000 + SKU index; so TSHIRT-BLK-M and TSHIRT-WHT-L
 * are two models of one item. An order ships by the mode in its ext[0] (dropoff when
 * ""; /_sim/orders/update ship_mode sets it), which get_shipping_parameter announces.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/shopee.h"
#include "sim.h"

#define PATH_LIST "/api/v2/order/get_order_list"
#define PATH_DETAIL "/api/v2/order/get_order_detail"
#define PATH_CANCEL "/api/v2/order/cancel_order"
#define PATH_REFRESH "/api/v2/auth/access_token/get"
#define PATH_PARAM "/api/v2/logistics/get_shipping_parameter"
#define PATH_SHIP "/api/v2/logistics/ship_order"
#define PATH_TRACKING "/api/v2/logistics/get_tracking_number"
#define PATH_STOCK "/api/v2/product/update_stock"
#define PATH_ESCROW "/api/v2/payment/get_escrow_detail"
#define PATH_LOST "/api/v2/push/get_lost_push_message"
#define PATH_CONFIRM "/api/v2/push/confirm_consumed_lost_push_message"
#define PATH_RETURNS "/api/v2/returns/get_return_list"
#define MAX_WINDOW (15 * 86400)
#define STOCK_MAX 50            /* models one update_stock takes */
#define LOST_PAGE 100
#define ITEM_BASE 100000
#define MODEL_BASE 200000
#define PICKUP_ADDRESS 7001

enum level { PUBLIC, PARTNER, SHOP };

/* need: an enum level. */
static const struct sim_call calls[] = {
	{ "GET", PATH_LIST, SHOP }, { "GET", PATH_DETAIL, SHOP },
	{ "POST", PATH_CANCEL, SHOP }, { "POST", PATH_REFRESH, PUBLIC },
	{ "GET", PATH_PARAM, SHOP }, { "POST", PATH_SHIP, SHOP },
	{ "GET", PATH_TRACKING, SHOP }, { "POST", PATH_STOCK, SHOP },
	{ "GET", PATH_ESCROW, SHOP }, { "GET", PATH_LOST, PARTNER },
	{ "POST", PATH_CONFIRM, PARTNER }, { "GET", PATH_RETURNS, SHOP },
};

#define NCALLS (sizeof calls / sizeof calls[0])

static int
owns(const char *method, const char *url)
{
	(void)method;
	return strncmp(url, "/api/v2/", 8) == 0 && strcmp(url, "/api/v2/token/refresh") != 0;
}

static struct sim_shop *
by_shop_id(int64_t id)
{
	int i;

	for (i = 0; i < sim.nshops; i++) {
		if (sim.shops[i].ch == &sim_shopee && sim.shops[i].shop_id == id)
			return &sim.shops[i];
	}
	return NULL;
}

static struct sim_shop *
by_partner(int64_t id)
{
	int i;

	for (i = 0; i < sim.nshops; i++) {
		if (sim.shops[i].ch == &sim_shopee && sim.shops[i].partner_id == id)
			return &sim.shops[i];
	}
	return NULL;
}

static struct sim_shop *
shop_of(const struct sim_req *rq)
{
	int64_t id;
	json_t *body;
	struct sim_shop *sh = NULL;

	if (sim_int(sim_arg(rq, "shop_id"), &id) == 0)
		return by_shop_id(id);
	if (strcmp(rq->url, PATH_REFRESH) == 0 && (body = sim_body_json(rq)) != NULL) {
		sh = by_shop_id((int64_t)json_integer_value(json_object_get(body, "shop_id")));
		json_decref(body);
		return sh;
	}
	if (sim_int(sim_arg(rq, "partner_id"), &id) == 0)
		return by_partner(id);
	return NULL;
}

static json_t *
error(enum sim_err kind, const char *code, const char *msg, unsigned *http)
{
	static const struct {
		unsigned http;
		const char *code;
	} shapes[] = {
		[SIM_ERR_PARAM] = { 400, "error_param" }, [SIM_ERR_SIGN] = { 403, "error_sign" },
		[SIM_ERR_AUTH] = { 403, "error_auth" }, [SIM_ERR_RATE] = { 429, "error_rate_limit" },
		[SIM_ERR_SERVER] = { 500, "error_server" },
		[SIM_ERR_NOT_FOUND] = { 404, "error_not_found" },
	};
	char rid[33];

	sim_request_id(rid);
	*http = shapes[kind].http;
	return json_pack("{s:s, s:s, s:s}", "request_id", rid, "error",
	    code != NULL ? code : shapes[kind].code, "message", msg);
}

static json_t *
envelope(json_t *response)
{
	char rid[33];

	sim_request_id(rid);
	return json_pack("{s:s, s:s, s:s, s:o}", "request_id", rid, "error", "", "message", "",
	    "response", response);
}

static enum MHD_Result
ok(struct sim_req *rq, json_t *response)
{
	return sim_send_json(rq, 200, envelope(response));
}

/*
 * The platform's checks in its order: partner, timestamp, signature, then (shop-level)
 * shop and access token. 0, or -1 after answering the error.
 */
static int
check(struct sim_req *rq, enum level level, enum MHD_Result *ret)
{
	const char *sign = sim_arg(rq, "sign"), *token = sim_arg(rq, "access_token");
	struct sim_shop *partner;
	int64_t pid, ts, shop = 0;
	char want[65];

	if (sim_int(sim_arg(rq, "partner_id"), &pid) < 0 ||
	    sim_int(sim_arg(rq, "timestamp"), &ts) < 0 || sign == NULL) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "partner_id, timestamp and sign are required");
		return -1;
	}
	partner = rq->shop != NULL && rq->shop->partner_id == pid ? rq->shop : by_partner(pid);
	if (partner == NULL) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid partner_id.");
		return -1;
	}
	if (ts < rq->now - 300 || ts > rq->now + 300) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid timestamp.");
		return -1;
	}
	if (level == SHOP && (token == NULL || sim_int(sim_arg(rq, "shop_id"), &shop) < 0)) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "access_token and shop_id are required");
		return -1;
	}
	shopee_sign(partner->partner_key, pid, rq->url, ts, level == SHOP ? token : NULL, shop,
	    want);
	if (strlen(sign) != 64 || sodium_memcmp(sign, want, 64) != 0) {
		*ret = sim_send_error(rq, SIM_ERR_SIGN, NULL, "Wrong sign.");
		return -1;
	}
	if (level != SHOP)
		return 0;
	if (rq->shop == NULL || rq->shop->partner_id != pid) {
		*ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid shop_id.");
		return -1;
	}
	if (sim_token_check(rq->shop, token) < 0) {
		*ret = sim_send_error(rq, SIM_ERR_AUTH, NULL, strcmp(token, rq->shop->access_token) ?
		    "Invalid access_token." : "Access token expired.");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ orders */

/* get_order_list: update_time in [time_from, time_to), oldest first; the cursor is the
 * offset into that order. A duplicate-page fault starts a page half a page early. */
static enum MHD_Result
api_list(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	const char *field = sim_arg(rq, "time_range_field"), *cur = sim_arg(rq, "cursor");
	struct sim_order **hits;
	int64_t from, to, size, off = 0;
	size_t i, n = 0;
	json_t *list;
	int more;
	char next[32];

	sim_count(sh, "list");
	if (field == NULL || (strcmp(field, "update_time") != 0 &&
	    strcmp(field, "create_time") != 0) || sim_int(sim_arg(rq, "time_from"), &from) < 0 ||
	    sim_int(sim_arg(rq, "time_to"), &to) < 0 ||
	    sim_int(sim_arg(rq, "page_size"), &size) < 0)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "time_range_field, time_from, time_to and page_size are required");
	if (to <= from || to - from > MAX_WINDOW)
		return sim_send_error(rq, SIM_ERR_PARAM, "order.order_list_invalid_time",
		    "Start time must be earlier than end time and diff in 15days.");
	if (size < 1 || size > 100)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "page_size must be 1..100");
	if (cur != NULL && cur[0] != '\0' && (sim_int(cur, &off) < 0 || off < 0))
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid cursor.");
	hits = sim_alloc(sh->norders * sizeof *hits);
	for (i = 0; i < sh->norders; i++) {
		int64_t t = field[0] == 'u' ? sh->orders[i].update_time : sh->orders[i].create_time;

		if (t >= from && t < to)
			hits[n++] = &sh->orders[i];
	}
	qsort(hits, n, sizeof *hits, sim_cmp_update);
	if (off > 0 && sim_take_fault(sh, SIM_FAULT_DUP_PAGE))
		off -= off < (size + 1) / 2 ? off : (size + 1) / 2;
	list = json_array();
	for (i = (size_t)off; i < n && i < (size_t)(off + size); i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "order_sn", hits[i]->sn,
		    "order_status", hits[i]->status));
	more = (size_t)(off + size) < n;
	snprintf(next, sizeof next, "%" PRId64, more ? off + size : 0);
	free(hits);
	return ok(rq, json_pack("{s:b, s:s, s:o}", "more", more, "next_cursor", more ? next : "",
	    "order_list", list));
}

static json_t *
order_json(const struct sim_order *o)
{
	const struct sim_place *pl = &sim_places[o->place];
	json_t *items = json_array(), *addr;
	int i;

	for (i = 0; i < o->nlines; i++) {
		const struct sim_line *l = &o->lines[i];
		const char *sku = sim_line_sku(o, i);

		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I, s:I, "
		    "s:I}",
		    "item_id", (json_int_t)(ITEM_BASE + sim.family[l->sku]), "item_name", sku,
		    "item_sku", sku, "model_id", (json_int_t)(MODEL_BASE + l->sku),
		    "model_name", sku, "model_sku", sku,
		    "model_quantity_purchased", (json_int_t)l->qty,
		    "model_discounted_price", (json_int_t)l->price,
		    "model_original_price", (json_int_t)l->price));
	}
	addr = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "name", o->name, "phone", o->phone, "town", pl->ward, "district", pl->ward,
	    "city", pl->district, "state", pl->province, "region", "VN", "zipcode", "",
	    "full_address", o->address);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o}",
	    "order_sn", o->sn, "order_status", o->status, "region", "VN", "currency", "VND",
	    "cod", o->cod, "total_amount", (json_int_t)sim_order_total(o),
	    "create_time", (json_int_t)o->create_time, "update_time", (json_int_t)o->update_time,
	    "ship_by_date", (json_int_t)o->ship_by, "days_to_ship", (json_int_t)2,
	    "buyer_username", "buyer", "payment_method", o->cod ? "Cash on Delivery" :
	    "Credit Card", "recipient_address", addr, "item_list", items);
}

static enum MHD_Result
api_detail(struct sim_req *rq)
{
	const char *v = sim_arg(rq, "order_sn_list");
	char *list, *save = NULL, *sn;
	json_t *orders;
	int n = 0;

	sim_count(rq->shop, "detail");
	if (v == NULL || v[0] == '\0')
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "order_sn_list is required");
	if ((list = strdup(v)) == NULL)
		abort();
	orders = json_array();
	for (sn = strtok_r(list, ",", &save); sn != NULL; sn = strtok_r(NULL, ",", &save)) {
		const struct sim_order *o = sim_order_find(rq->shop, sn);

		if (++n > 50)
			break;
		if (o != NULL)
			json_array_append_new(orders, order_json(o));
	}
	free(list);
	if (n > 50) {
		json_decref(orders);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "order_sn_list takes at most 50 orders");
	}
	return ok(rq, json_pack("{s:o}", "order_list", orders));
}

/* The refresh token rotates and is single-use, as on the platform. */
static enum MHD_Result
api_refresh(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq);
	const char *rt = json_string_value(json_object_get(body, "refresh_token"));
	char rid[33];

	sim_count(sh, "refresh");
	if (rt == NULL || sh == NULL) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "refresh_token and shop_id are required");
	}
	if (strcmp(rt, sh->refresh_token) != 0) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "Invalid refresh_token.");
	}
	json_decref(body);
	sim_token_rotate(sh);
	sim_request_id(rid);
	return sim_send_json(rq, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "request_id", rid, "error", "", "message", "", "access_token", sh->access_token,
	    "refresh_token", sh->refresh_token, "expire_in",
	    (json_int_t)(sh->token_ttl > 0 ? sh->token_ttl : 14400),
	    "partner_id", (json_int_t)sh->partner_id, "shop_id", (json_int_t)sh->shop_id));
}

/* ------------------------------------------------------------------ logistics */

static const char *
ship_mode(const struct sim_order *o)
{
	return o->ext[0][0] != '\0' ? o->ext[0] : "dropoff";
}

static int
can_ship(const struct sim_order *o)
{
	return strcmp(o->status, "READY_TO_SHIP") == 0 || strcmp(o->status, "RETRY_SHIP") == 0;
}

static enum MHD_Result
api_param(struct sim_req *rq)
{
	const char *sn = sim_arg(rq, "order_sn"), *mode;
	struct sim_order *o = sim_order_find(rq->shop, sn);
	json_t *needed, *resp;

	sim_count(rq->shop, "shipping_parameter");
	if (o == NULL)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "logistics.order_not_found: no such order");
	if (!can_ship(o))
		return sim_send_error(rq, SIM_ERR_PARAM, "logistics.invalid_order_status",
		    "The order status does not allow shipping.");
	mode = ship_mode(o);
	needed = json_object();
	resp = json_object();
	if (strcmp(mode, "pickup") == 0) {
		/* Two addresses; only the one flagged pickup_address takes pickups. */
		json_object_set_new(needed, "pickup", json_pack("[s, s]", "address_id",
		    "pickup_time_id"));
		json_object_set_new(resp, "pickup", json_pack("{s:[o, o]}", "address_list",
		    json_pack("{s:I, s:s, s:s, s:[s], s:[]}", "address_id",
		    (json_int_t)(PICKUP_ADDRESS - 1), "city", "Quận 1", "address", "1 Lê Lợi",
		    "address_flag", "default_address", "time_slot_list"),
		    json_pack("{s:I, s:s, s:s, s:[s], s:[{s:I, s:s, s:s}]}", "address_id",
		    (json_int_t)PICKUP_ADDRESS, "city", "Quận 7", "address", "12 Nguyễn Văn Linh",
		    "address_flag", "pickup_address", "time_slot_list", "date",
		    (json_int_t)(rq->now + 86400), "time_text", "9:00-12:00", "pickup_time_id",
		    "slot-1")));
	} else if (strcmp(mode, "non_integrated") == 0) {
		json_object_set_new(needed, "non_integrated", json_pack("[s]", "tracking_number"));
	} else {
		json_object_set_new(needed, "dropoff", json_array());
		json_object_set_new(resp, "dropoff", json_pack("{s:[]}", "branch_list"));
	}
	json_object_set_new(resp, "info_needed", needed);
	return ok(rq, resp);
}

static void
log_ship(struct sim_shop *sh, const char *sn, int ok_, const char *detail)
{
	sim_log_order(sh, "ship", sn, ok_, detail);
	sim_count(sh, ok_ ? "ship_ok" : "ship_refused");
}

/*
 * ship_order: only a READY_TO_SHIP (or RETRY_SHIP) order ships, by the mode
 * get_shipping_parameter named; it becomes PROCESSED with a tracking number. The work
 * is done before an injected fault spoils the answer, so a lost answer leaves a shipped
 * order, as on a real network.
 */
static enum MHD_Result
api_ship(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq), *how = NULL;
	const char *sn = json_string_value(json_object_get(body, "order_sn")), *tn, *mode = NULL;
	const char *modes[] = { "dropoff", "pickup", "non_integrated" };
	struct sim_order *o;
	enum MHD_Result ret;
	size_t i;

	sim_count(sh, "ship");
	for (i = 0; i < 3 && how == NULL; i++) {
		if ((how = json_object_get(body, modes[i])) != NULL)
			mode = modes[i];
	}
	if (sn == NULL || sn[0] == '\0' || !json_is_object(how)) {
		log_ship(sh, sn, 0, "error_param");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "order_sn and one of pickup, dropoff, non_integrated are required");
	}
	if ((o = sim_order_find(sh, sn)) == NULL) {
		log_ship(sh, sn, 0, "order_not_found");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "logistics.order_not_found: no such order");
	}
	if (o->tracking[0] != '\0') {
		log_ship(sh, sn, 0, "already_shipped");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, "logistics.ship_order_already_shipped",
		    "The order has already been shipped.");
	}
	if (!can_ship(o)) {
		log_ship(sh, sn, 0, "invalid_order_status");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, "logistics.invalid_order_status",
		    "The order status does not allow shipping.");
	}
	tn = json_string_value(json_object_get(how, "tracking_number"));
	if (strcmp(mode, ship_mode(o)) != 0 || (strcmp(mode, "pickup") == 0 &&
	    (json_integer_value(json_object_get(how, "address_id")) != PICKUP_ADDRESS ||
	    json_string_value(json_object_get(how, "pickup_time_id")) == NULL)) ||
	    (strcmp(mode, "non_integrated") == 0 && (tn == NULL || tn[0] == '\0'))) {
		log_ship(sh, sn, 0, "wrong_mode");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "The parameters do not match get_shipping_parameter.");
	}
	if (tn != NULL && tn[0] != '\0')
		snprintf(o->tracking, sizeof o->tracking, "%.31s", tn);
	else
		snprintf(o->tracking, sizeof o->tracking, "SPXVN%010" PRIu64,
		    (uint64_t)(sim_rnd() % 10000000000ULL));
	log_ship(sh, sn, 1, mode);
	json_decref(body);
	sim_order_status(sh, o, "PROCESSED");
	ret = ok(rq, json_object());
	return ret;
}

static enum MHD_Result
api_tracking(struct sim_req *rq)
{
	const char *sn = sim_arg(rq, "order_sn");
	const struct sim_order *o = sim_order_find(rq->shop, sn);

	sim_count(rq->shop, "tracking");
	if (o == NULL)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "logistics.order_not_found: no such order");
	return ok(rq, json_pack("{s:s}", "tracking_number", o->tracking));
}

/* ------------------------------------------------------------------ stock */

static void
log_stock(struct sim_shop *sh, int64_t item, int64_t model, int sku, int64_t stock, int ok_,
    const char *detail)
{
	char i[24], m[24];

	snprintf(i, sizeof i, "%" PRId64, item);
	snprintf(m, sizeof m, "%" PRId64, model);
	sim_log_stock(sh, i, m, sku, stock, ok_, detail);
}

/* The SKU index of model under item, or -1. Model 0: the item's only model. */
static int
model_sku(int64_t item, int64_t model)
{
	size_t i;
	int found = -1, n = 0;

	if (item < ITEM_BASE || item >= ITEM_BASE + (int64_t)sim.nskus)
		return -1;
	for (i = 0; i < sim.nskus; i++) {
		if (sim.family[i] != item - ITEM_BASE)
			continue;
		n++;
		if (model == MODEL_BASE + (int64_t)i || model == 0)
			found = (int)i;
	}
	return model == 0 && n != 1 ? -1 : found;
}

static int
item_exists(int64_t item)
{
	size_t i;

	for (i = 0; i < sim.nskus; i++) {
		if (ITEM_BASE + sim.family[i] == item)
			return 1;
	}
	return 0;
}

/*
 * update_stock {item_id, stock_list:[{model_id, seller_stock:[{location_id?, stock}]}]}:
 * each model's stock is set (success_list) or refused (failure_list).
 */
static enum MHD_Result
api_stock(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq), *list, *m, *good, *bad;
	int64_t item;
	size_t i;

	sim_count(sh, "stock");
	list = json_object_get(body, "stock_list");
	if (!json_is_integer(json_object_get(body, "item_id")) || !json_is_array(list) ||
	    json_array_size(list) == 0 || json_array_size(list) > STOCK_MAX) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "item_id and stock_list (1..50 models) are required");
	}
	item = (int64_t)json_integer_value(json_object_get(body, "item_id"));
	if (!item_exists(item)) {
		log_stock(sh, item, 0, -1, -1, 0, "item_not_found");
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, "product.error_item_not_found",
		    "Item not found.");
	}
	good = json_array();
	bad = json_array();
	json_array_foreach(list, i, m) {
		int64_t model = (int64_t)json_integer_value(json_object_get(m, "model_id"));
		json_t *ss = json_array_get(json_object_get(m, "seller_stock"), 0);
		json_t *st = json_object_get(ss, "stock");
		int sku = model_sku(item, model);

		if (sku < 0 || !json_is_integer(st) || json_integer_value(st) < 0) {
			log_stock(sh, item, model, sku, json_is_integer(st) ?
			    (int64_t)json_integer_value(st) : -1, 0, "invalid_model_or_stock");
			json_array_append_new(bad, json_pack("{s:I, s:s}", "model_id",
			    (json_int_t)model, "failed_reason", sku < 0 ? "model not found" :
			    "stock must be an integer >= 0"));
			continue;
		}
		sh->stock[sku] = (int64_t)json_integer_value(st);
		log_stock(sh, item, model, sku, sh->stock[sku], 1, "");
		json_array_append_new(good, json_pack("{s:I, s:I}", "model_id", (json_int_t)model,
		    "stock", (json_int_t)sh->stock[sku]));
	}
	json_decref(body);
	return ok(rq, json_pack("{s:o, s:o}", "success_list", good, "failure_list", bad));
}

/* ------------------------------------------------------------------ cancel, escrow */

/* cancel_order {order_sn, cancel_reason, item_list}: the reasons and the refusal codes
 * are UNCONFIRMED (not in the reference), as in shopee.c. */
static enum MHD_Result
api_cancel(struct sim_req *rq)
{
	static const char *const reasons[] = { "OUT_OF_STOCK", "CUSTOMER_REQUEST",
		"UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED", NULL };
	struct sim_shop *sh = rq->shop;
	json_t *body = sim_body_json(rq), *items;
	const char *sn = json_string_value(json_object_get(body, "order_sn"));
	const char *why = json_string_value(json_object_get(body, "cancel_reason"));
	struct sim_order *o = sim_order_find(sh, sn);
	enum MHD_Result ret;
	size_t i;

	sim_count(sh, "cancel");
	for (i = 0; why != NULL && reasons[i] != NULL && strcmp(reasons[i], why) != 0; i++)
		;
	items = json_object_get(body, "item_list");
	if (sn == NULL || why == NULL || reasons[i] == NULL || (strcmp(why, "OUT_OF_STOCK") == 0 &&
	    json_array_size(items) == 0)) {
		sim_log_order(sh, "cancel", sn, 0, "error_param");
		ret = sim_send_error(rq, SIM_ERR_PARAM, NULL, "order_sn and a known cancel_reason "
		    "(item_list for OUT_OF_STOCK) are required");
	} else if (o == NULL) {
		sim_log_order(sh, "cancel", sn, 0, "order_not_found");
		ret = sim_send_error(rq, SIM_ERR_PARAM, "order.order_not_found", "no such order");
	} else if (strcmp(o->status, "CANCELLED") == 0) {
		sim_log_order(sh, "cancel", sn, 0, "already_cancelled");
		ret = sim_send_error(rq, SIM_ERR_PARAM, "order.order_already_cancelled",
		    "The order has already been cancelled.");
	} else if (strcmp(o->status, "UNPAID") != 0 && !can_ship(o)) {
		sim_log_order(sh, "cancel", sn, 0, "invalid_order_status");
		ret = sim_send_error(rq, SIM_ERR_PARAM, "order.order_status_error",
		    "The order status does not allow cancelling.");
	} else {
		snprintf(o->cancel_reason, sizeof o->cancel_reason, "%s", why);
		sim_log_order(sh, "cancel", sn, 1, why);
		sim_order_status(sh, o, "CANCELLED");
		ret = ok(rq, json_pack("{s:I}", "update_time", (json_int_t)o->update_time));
	}
	json_decref(body);
	return ret;
}

/*
 * get_escrow_detail: fees from the order's total (commission 4 %, service 3 %,
 * transaction 2 %, shipping 30,000 of which the buyer paid 15,000 and Shopee rebated
 * 15,000); escrow_amount is what is left for the seller. Amounts are JSON reals, as on
 * the platform, fees positive.
 */
static enum MHD_Result
api_escrow(struct sim_req *rq)
{
	const char *sn = sim_arg(rq, "order_sn");
	const struct sim_order *o = sim_order_find(rq->shop, sn);
	int64_t total, comm, serv, trans, escrow;
	json_t *items;
	int i;

	sim_count(rq->shop, "escrow");
	if (o == NULL)
		return sim_send_error(rq, SIM_ERR_PARAM, "payment.order_not_found",
		    "no such order");
	total = sim_order_total(o);
	comm = total * 4 / 100;
	serv = total * 3 / 100;
	trans = total * 2 / 100;
	escrow = total - comm - serv - trans;
	items = json_array();
	for (i = 0; i < o->nlines; i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:f}", "item_id",
		    (json_int_t)(ITEM_BASE + sim.family[o->lines[i].sku]), "model_sku",
		    sim_line_sku(o, i), "quantity_purchased", (json_int_t)o->lines[i].qty,
		    "original_price", (double)(o->lines[i].price * o->lines[i].qty)));
	return ok(rq, json_pack("{s:s, s:s, s:[], s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, "
	    "s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:o}}",
	    "order_sn", o->sn, "buyer_user_name", "buyer", "return_order_sn_list",
	    "order_income",
	    "escrow_amount", (double)escrow, "buyer_total_amount", (double)(total + 15000),
	    "original_price", (double)total, "seller_discount", 0.0, "shopee_discount", 0.0,
	    "voucher_from_seller", 0.0, "voucher_from_shopee", 0.0, "coins", 0.0,
	    "buyer_paid_shipping_fee", 15000.0, "actual_shipping_fee", 30000.0,
	    "shopee_shipping_rebate", 15000.0, "final_shipping_fee", 0.0,
	    "reverse_shipping_fee", 0.0, "commission_fee", (double)comm,
	    "service_fee", (double)serv, "seller_transaction_fee", (double)trans,
	    "campaign_fee", 0.0, "escrow_tax", 0.0, "items", items));
}

/* ------------------------------------------------------------------ returns */

static json_t *
return_json(struct sim_shop *sh, const struct sim_return *r)
{
	const struct sim_order *o = sim_order_find(sh, r->order_sn);
	json_t *items = json_array();
	int64_t refund = 0;
	int i;

	for (i = 0; o != NULL && i < o->nlines; i++) {
		const struct sim_line *l = &o->lines[i];
		const char *sku = sim_line_sku(o, i);

		if (r->qty[i] <= 0)
			continue;
		refund += l->price * r->qty[i];
		json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:f}",
		    "item_id", (json_int_t)(ITEM_BASE + sim.family[l->sku]),
		    "model_id", (json_int_t)(MODEL_BASE + l->sku), "name", sku, "item_sku", sku,
		    "variation_sku", sku, "amount", (json_int_t)r->qty[i],
		    "item_price", (double)l->price));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:f, s:I, s:I, s:o}",
	    "return_sn", r->id, "order_sn", r->order_sn, "status", r->status,
	    "logistics_status", r->logistics, "reason", "OTHER", "text_reason", r->reason,
	    "tracking_number", r->tracking, "needs_logistics", strcmp(r->type, "REFUND_ONLY") != 0,
	    "currency", "VND", "refund_amount", (double)refund,
	    "create_time", (json_int_t)r->create_time, "update_time", (json_int_t)r->update_time,
	    "item", items);
}

/* get_return_list: page_no from 0, page_size 1..100, update_time_from..update_time_to
 * (both inclusive, at most 15 days apart), oldest first. */
static enum MHD_Result
api_returns(struct sim_req *rq)
{
	struct sim_shop *sh = rq->shop;
	struct sim_return **hits;
	int64_t page, size, from, to;
	size_t i, n;
	json_t *list;
	int more;

	sim_count(sh, "returns");
	if (sim_int(sim_arg(rq, "page_no"), &page) < 0 ||
	    sim_int(sim_arg(rq, "page_size"), &size) < 0 || page < 0 || size < 1 || size > 100)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL,
		    "page_no and page_size (1..100) are required");
	if (sim_int(sim_arg(rq, "update_time_from"), &from) < 0 ||
	    sim_int(sim_arg(rq, "update_time_to"), &to) < 0 || to < from ||
	    to - from > MAX_WINDOW)
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "update_time_from and "
		    "update_time_to are required, at most 15 days apart");
	hits = sim_returns_in(sh, from, to + 1, &n);
	list = json_array();
	for (i = (size_t)(page * size); i < n && i < (size_t)((page + 1) * size); i++)
		json_array_append_new(list, return_json(sh, hits[i]));
	more = (size_t)((page + 1) * size) < n;
	free(hits);
	return ok(rq, json_pack("{s:b, s:o}", "more", more, "return", list));
}

/* ------------------------------------------------------------------ push */

/* Code 3, order status changed. */
static char *
push_body(const struct sim_shop *sh, const struct sim_order *o, int64_t now)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:I}, s:I, s:i, s:I}", "data", "ordersn", o->sn,
	    "status", o->status, "update_time", (json_int_t)o->update_time,
	    "shop_id", (json_int_t)sh->shop_id, "code", 3, "timestamp", (json_int_t)now);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

/*
 * get_lost_push_message (partner-level; UNCONFIRMED path): the pushes no target took,
 * of every shop of the partner, oldest first, LOST_PAGE at most, "data" as JSON text.
 */
static enum MHD_Result
api_lost(struct sim_req *rq)
{
	json_t *list = json_array();
	int64_t last = 0;
	int s, more = 0;
	size_t i;

	sim_count(rq->shop, "lost_push");
	for (s = 0; s < sim.nshops; s++) {
		struct sim_shop *sh = &sim.shops[s];

		if (sh->ch != &sim_shopee || sh->partner_id != rq->shop->partner_id)
			continue;
		for (i = 0; i < sh->nlost; i++) {
			json_t *b = json_loads(sh->lost[i].body, 0, NULL);
			char *data;

			if (json_array_size(list) == LOST_PAGE) {
				more = 1;
				json_decref(b);
				break;
			}
			data = json_dumps(json_object_get(b, "data"), JSON_COMPACT);
			json_array_append_new(list, json_pack("{s:I, s:O, s:I, s:s}", "shop_id",
			    (json_int_t)sh->shop_id, "code", json_object_get(b, "code"),
			    "timestamp", (json_int_t)sh->lost[i].t, "data", data ? data : "{}"));
			if (sh->lost[i].id > last)
				last = sh->lost[i].id;
			free(data);
			json_decref(b);
		}
	}
	return ok(rq, json_pack("{s:o, s:b, s:I}", "push_message_list", list,
	    "has_next_page", more, "last_message_id", (json_int_t)last));
}

static enum MHD_Result
api_confirm(struct sim_req *rq)
{
	json_t *body = sim_body_json(rq), *v = json_object_get(body, "last_message_id");
	int64_t last;
	size_t i, k;
	int s;

	sim_count(rq->shop, "lost_push_confirm");
	if (!json_is_integer(v)) {
		json_decref(body);
		return sim_send_error(rq, SIM_ERR_PARAM, NULL, "last_message_id is required");
	}
	last = (int64_t)json_integer_value(v);
	json_decref(body);
	for (s = 0; s < sim.nshops; s++) {
		struct sim_shop *sh = &sim.shops[s];

		if (sh->ch != &sim_shopee || sh->partner_id != rq->shop->partner_id)
			continue;
		for (i = k = 0; i < sh->nlost; i++) {
			if (sh->lost[i].id <= last)
				free(sh->lost[i].body);
			else
				sh->lost[k++] = sh->lost[i];
		}
		sh->nlost = k;
	}
	return ok(rq, json_object());
}

/* ------------------------------------------------------------------ the row */

static enum MHD_Result
handle(struct sim_req *rq)
{
	enum MHD_Result ret;
	int i = sim_call_find(calls, NCALLS, rq->method, rq->url);

	if (i < 0)
		return sim_send_error(rq, SIM_ERR_NOT_FOUND, NULL, "Invalid path.");
	if (check(rq, (enum level)calls[i].need, &ret) < 0)
		return ret;
	if (strcmp(rq->url, PATH_LIST) == 0)
		return api_list(rq);
	if (strcmp(rq->url, PATH_DETAIL) == 0)
		return api_detail(rq);
	if (strcmp(rq->url, PATH_REFRESH) == 0)
		return api_refresh(rq);
	if (strcmp(rq->url, PATH_PARAM) == 0)
		return api_param(rq);
	if (strcmp(rq->url, PATH_SHIP) == 0)
		return api_ship(rq);
	if (strcmp(rq->url, PATH_TRACKING) == 0)
		return api_tracking(rq);
	if (strcmp(rq->url, PATH_STOCK) == 0)
		return api_stock(rq);
	if (strcmp(rq->url, PATH_CANCEL) == 0)
		return api_cancel(rq);
	if (strcmp(rq->url, PATH_ESCROW) == 0)
		return api_escrow(rq);
	if (strcmp(rq->url, PATH_LOST) == 0)
		return api_lost(rq);
	if (strcmp(rq->url, PATH_RETURNS) == 0)
		return api_returns(rq);
	return api_confirm(rq);
}

const struct sim_channel sim_shopee = {
	.name = "shopee",
	.st_unpaid = "UNPAID",
	.st_ready = "READY_TO_SHIP",
	.st_cancelled = "CANCELLED",
	.st_return_new = "REQUESTED",
	.owns = owns,
	.shop_of = shop_of,
	.handle = handle,
	.error = error,
	.push_body = push_body,
};

/*
 * ops_tiktok.c — TikTok Shop's row of the owed-call table (ops.h): ship each package
 * of the order, the inventory push, the seller cancel, the statement lines, the returns
 * (returns/search) and the push helpers, each a few market_call's through tiktok.c's pure builders and mappers.
 *
 * Shipping never ships twice: every ship starts by reading the order (its package ids
 * come from there anyway), and an order already awaiting collection or beyond is done;
 * a package the platform says was shipped already counts as shipped.
 *
 * Stock: stock_batch is the SKUs of one inventory update; the platform takes the SKUs
 * of one product per call, so items passed together are sent one call per product_id
 * (in the order they come), each at most TIKTOK_STOCK_BATCH SKUs.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jsonx.h"
#include "ops.h"
#include "ops_util.h"
#include "tiktok.h"

static enum market_class
fetch_info(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, struct tiktok_shipinfo *info, struct market_error *err)
{
	const char *ids[1] = { order_no };
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	memset(info, 0, sizeof *info);
	cls = ops_send(env, &tiktok_connector, tiktok_connector.detail_request(c, ids, 1,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = tiktok_parse_shipinfo(resp.http, resp.body, resp.len, order_no, info, err);
	transport_resp_free(&resp);
	return cls;
}

/* The order is handed over, or further along: no ship call is owed. */
static int
shipped(const char *status)
{
	static const char *const done[] = {
		"AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED", NULL,
	};
	size_t i;

	for (i = 0; done[i] != NULL; i++) {
		if (strcmp(status, done[i]) == 0)
			return 1;
	}
	return 0;
}

/* The payload's "handover_method" (DROP_OFF or PICKUP), DROP_OFF when it names none. */
static char *
handover(const char *payload)
{
	json_t *root = payload != NULL ? json_loads(payload, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(root, "handover_method"));
	char *out = xstrdup(v != NULL && v[0] != '\0' ? v : "DROP_OFF");

	json_decref(root);
	return out;
}

/* recheck is not needed: the order is always read first (see the top). */
static enum market_class
ship(const struct market_call_env *env, const struct market_creds *c, const char *order_no,
    const char *payload, int recheck, char *tn, size_t tnlen, struct market_error *err)
{
	struct tiktok_shipinfo info;
	enum market_class cls;
	char *how = NULL;
	size_t i;

	(void)recheck;
	snprintf(tn, tnlen, "%s", "");
	if ((cls = fetch_info(env, c, order_no, &info, err)) != MC_OK)
		return cls;
	if (strcmp(info.status, "CANCELLED") == 0)
		return market_error_set(err, MC_FATAL, "", "tiktok: order %s is cancelled",
		    order_no);
	if (!shipped(info.status)) {
		if (info.npackages == 0)
			return market_error_set(err, MC_RETRY, "", "tiktok: order %s (%s) has no "
			    "package yet", order_no, info.status);
		how = handover(payload);
		for (i = 0; i < info.npackages; i++) {
			struct transport_resp resp = { 0 };
			struct request r;
			int already = 0;

			cls = ops_send(env, &tiktok_connector, tiktok_ship_request(c,
			    info.packages[i], how, ops_wall(env), &r, err->msg, sizeof err->msg),
			    &r, &resp, err);
			if (ops_answered(cls, &resp))
				cls = tiktok_parse_ship(resp.http, resp.body, resp.len, &already, err);
			transport_resp_free(&resp);
			if (cls != MC_OK) {
				free(how);
				return cls;
			}
		}
		free(how);
		/* The tracking number comes with the shipped order. */
		if ((cls = fetch_info(env, c, order_no, &info, err)) != MC_OK)
			return cls;
	}
	snprintf(tn, tnlen, "%s", info.tracking);
	return market_error_set(err, MC_OK, "0", "ok");
}

static enum market_class
stock_one(const struct market_call_env *env, const struct market_creds *c,
    const struct market_stock *items, size_t n, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	cls = ops_send(env, &tiktok_connector, tiktok_stock_request(c, items, n,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = tiktok_parse_stock(resp.http, resp.body, resp.len, err);
	transport_resp_free(&resp);
	return cls;
}

static enum market_class
stock(const struct market_call_env *env, const struct market_creds *c,
    const struct market_stock *items, size_t n, struct market_error *err)
{
	struct market_stock *group;
	unsigned char *sent;
	enum market_class cls = MC_OK;
	size_t i, j, k;

	if (n == 0)
		return market_error_set(err, MC_FATAL, "", "tiktok: a stock push of no SKU");
	group = xcalloc(n, sizeof *group);
	sent = xcalloc(n, 1);
	for (i = 0; i < n && cls == MC_OK; i++) {
		if (sent[i])
			continue;
		for (j = i, k = 0; j < n; j++) {
			if (!sent[j] && items[j].item_id != NULL && items[i].item_id != NULL &&
			    strcmp(items[j].item_id, items[i].item_id) == 0) {
				group[k++] = items[j];
				sent[j] = 1;
			}
		}
		if (k == 0) {   /* no product_id: the builder names the SKU */
			group[k++] = items[i];
			sent[i] = 1;
		}
		for (j = 0; j < k && cls == MC_OK; j += TIKTOK_STOCK_BATCH)
			cls = stock_one(env, c, group + j, k - j < TIKTOK_STOCK_BATCH ? k - j :
			    TIKTOK_STOCK_BATCH, err);
	}
	free(group);
	free(sent);
	return cls;
}

static enum market_class
cancel(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, const char *reason, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;
	int already = 0;

	cls = ops_send(env, &tiktok_connector, tiktok_cancel_request(c, order_no, reason,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (ops_answered(cls, &resp))
		cls = tiktok_parse_cancel(resp.http, resp.body, resp.len, &already, err);
	transport_resp_free(&resp);
	return cls;
}

static enum market_class
settlement(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, struct market_settlement *out, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	cls = ops_send(env, &tiktok_connector, tiktok_finance_request(c, order_no,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = tiktok_parse_finance(resp.http, resp.body, resp.len, order_no, out, err);
	transport_resp_free(&resp);
	return cls;
}

/* ------------------------------------------------------------------ returns */

/*
 * return_status of returns/search (not in the reference: the values the platform's
 * return and refund guide names, UNCONFIRMED). TikTok says nothing between the buyer
 * shipping and the refund: a parcel received shows as the refund.
 */
static const struct market_rstate tiktok_rstates[] = {
	{ "RETURN_OR_REFUND_REQUEST_PENDING", RMS_REQUESTED },
	{ "AWAITING_BUYER_RESPONSE", RMS_REQUESTED },
	{ "AWAITING_BUYER_SHIP", RMS_ACCEPTED },
	{ "BUYER_SHIPPED_ITEM", RMS_IN_TRANSIT },
	{ "RETURN_OR_REFUND_REQUEST_SUCCESS", RMS_REFUNDED },
	{ "RETURN_OR_REFUND_REQUEST_COMPLETE", RMS_REFUNDED },
	{ "REFUND_OR_RETURN_REQUEST_REJECT", RMS_REJECTED },
	{ "REJECT_RECEIVE_PACKAGE", RMS_REJECTED },
	{ "RETURN_OR_REFUND_REQUEST_CANCEL", RMS_CANCELLED },
	{ NULL, RMS_REQUESTED },
};

/* One of data.return_orders: line items are units (one per unit, as in orders). */
static enum market_class
return_one(const json_t *j, size_t at, struct market_returns *rs, struct market_error *err)
{
	const json_t *lines = json_object_get(j, "return_line_items"), *l;
	const char *st = jsonx_str(j, "return_status"), *type = jsonx_str(j, "return_type");
	char idbuf[32], snbuf[32];
	const char *id = jsonx_text(j, "return_id", idbuf, sizeof idbuf);
	const char *sn = jsonx_text(j, "order_id", snbuf, sizeof snbuf);
	struct market_return_in in;
	struct market_return *mr;
	int64_t t;
	size_t i;

	if (id == NULL || id[0] == '\0' || sn == NULL || sn[0] == '\0')
		return market_error_set(err, MC_FATAL, "", "tiktok: return %zu of the page has no "
		    "return_id or order_id", at + 1);
	if (jsonx_int(j, "update_time", &t) < 0 || t < 0)
		return market_error_set(err, MC_FATAL, "", "tiktok: return %s: no update_time", id);
	if (lines != NULL && !json_is_array(lines))
		return market_error_set(err, MC_FATAL, "", "tiktok: return %s: return_line_items "
		    "is not a list", id);
	in.id = id;
	in.order_no = sn;
	in.status = st;
	in.reason = jsonx_str(j, "return_reason_text");
	if (in.reason == NULL || in.reason[0] == '\0')
		in.reason = jsonx_str(j, "return_reason");
	in.tracking = jsonx_str(j, "return_tracking_number");
	in.updated_at = t;
	in.refund_only = type != NULL && strcmp(type, "REFUND") == 0;
	if ((mr = market_return_new(rs, &in, tiktok_rstates, "tiktok", "return_status",
	    err)) == NULL)
		return err->cls;
	json_array_foreach(lines, i, l) {
		const char *sku = jsonx_str(l, "seller_sku");

		if (sku == NULL || sku[0] == '\0')
			return market_error_set(err, MC_FATAL, "", "tiktok: return %s: line %zu has "
			    "no seller_sku", id, i + 1);
		market_return_unit(mr, sku, 1);
	}
	return MC_OK;
}

static enum market_class
parse_returns(const struct transport_resp *resp, struct market_returns *rs,
    struct market_error *err)
{
	json_t *root = jsonx_load("tiktok", resp->http, resp->body, resp->len, err), *data;
	json_t *list;
	enum market_class cls = MC_OK;
	const char *next;
	size_t i;

	if (root == NULL)
		return err->cls;
	data = json_object_get(root, "data");
	list = json_object_get(data, "return_orders");
	next = jsonx_str(data, "next_page_token");
	/* An empty page may leave the list out; anything else must be one. */
	if (!json_is_array(list) && !(json_is_object(data) && list == NULL)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "tiktok: returns/search: no "
		    "data.return_orders list");
	}
	for (i = 0; cls == MC_OK && i < json_array_size(list); i++)
		cls = return_one(json_array_get(list, i), i, rs, err);
	if (next != NULL && next[0] != '\0' && strlen(next) < sizeof rs->cursor) {
		market_line_copy(rs->cursor, sizeof rs->cursor, next);
		rs->more = 1;
	}
	json_decref(root);
	return cls;
}

static enum market_class
returns(const struct market_call_env *env, const struct market_creds *c,
    const struct market_listq *q, struct market_returns *out, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	memset(err, 0, sizeof *err);
	cls = ops_send(env, &tiktok_connector, tiktok_returns_request(c, q, ops_wall(env), &r,
	    err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = parse_returns(&resp, out, err);
	transport_resp_free(&resp);
	return cls;
}

const struct market_ops tiktok_ops = {
	.channel = "tiktok",
	.ship = ship,
	.stock_batch = TIKTOK_STOCK_BATCH,
	.stock = stock,
	.cancel = cancel,
	.settlement = settlement,
	.returns = returns,
	.returns_window = 0,
	.lost_push = NULL,              /* TikTok retries its pushes itself */
	.push_sign = tiktok_push_sign,
	.push_parse = tiktok_push_parse,
};

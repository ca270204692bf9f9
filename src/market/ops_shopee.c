/*
 * ops_shopee.c — Shopee's row of the owed-call table (ops.h): ship, stock, cancel,
 * settlement, lost pushes, returns and the push helpers, each a few market_call's through the
 * pure builders and mappers of shopee.c.
 *
 * Ship never ships twice: with recheck (the row was claimed before) it first asks
 * get_tracking_number and the order's status, and an order already PROCESSED or later
 * is done; ship_order's "already shipped" refusal is confirmed the same way (the codes
 * are UNCONFIRMED, so the status decides, and a cancelled order is never called
 * shipped). Stock: one update_stock per item_id, at most SHOPEE_STOCK_BATCH (50) of its
 * models a call. Lost pushes are partner-wide on the platform: the order numbers of this
 * shop's messages are returned and every message read is confirmed consumed. Returns:
 * get_return_list pages, mapped here (the list carries every field needed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jsonx.h"
#include "ops.h"
#include "ops_util.h"
#include "shopee.h"

#define LOST_PAGES 20           /* at most this many get_lost_push_message pages a run */

/* env with Shopee's connector (its envelope check) when the caller left it unset. */
static struct market_call_env
env_of(const struct market_call_env *env)
{
	struct market_call_env e = *env;

	if (e.conn == NULL)
		e.conn = &shopee_connector;
	return e;
}

/* A builder's refusal: the caller's input is wrong, never retried. */
static enum market_class
build_failed(struct market_error *err)
{
	err->cls = MC_FATAL;
	err->code[0] = '\0';
	return MC_FATAL;
}

/* The order's detail into set; *mo is it. MC_FATAL when the platform does not know it. */
static enum market_class
order_detail(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, struct market_orders *set, struct market_order **mo,
    struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	*mo = NULL;
	if (shopee_connector.detail_request(c, &order_no, 1, ops_wall(env), &r, err->msg,
	    sizeof err->msg) < 0)
		return build_failed(err);
	cls = market_call(env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = shopee_connector.parse_detail(resp.http, resp.body, resp.len, set, err);
	transport_resp_free(&resp);
	request_free(&r);
	if (cls == MC_OK && (*mo = market_orders_find(set, order_no)) == NULL)
		cls = market_error_set(err, MC_FATAL, "", "shopee: order %s not found", order_no);
	return cls;
}

/* 1 when status says the parcel was handed over (shipped by someone, some time). */
static int
shipped_status(const char *st)
{
	static const char *const done[] = { "PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE",
		"COMPLETED", "TO_RETURN", NULL };
	size_t i;

	for (i = 0; st != NULL && done[i] != NULL; i++) {
		if (strcmp(st, done[i]) == 0)
			return 1;
	}
	return 0;
}

static enum market_class
tracking(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, char *tn, size_t tnlen, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	if (shopee_tracking_request(c, order_no, ops_wall(env), &r, err->msg,
	    sizeof err->msg) < 0)
		return build_failed(err);
	cls = market_call(env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = shopee_parse_tracking(resp.http, resp.body, resp.len, tn, tnlen, err);
	transport_resp_free(&resp);
	request_free(&r);
	return cls;
}

/*
 * Is the order shipped already? MC_OK with *shipped 1 (tn read) or 0 (shippable);
 * MC_FATAL when it never will be (cancelled, unpaid, unknown).
 */
static enum market_class
shipped_already(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, int *shipped, char *tn, size_t tnlen, struct market_error *err)
{
	struct market_orders set = { 0 };
	struct market_order *mo;
	enum market_class cls;

	*shipped = 0;
	cls = order_detail(env, c, order_no, &set, &mo, err);
	if (cls == MC_OK && shipped_status(mo->their_status)) {
		*shipped = 1;
	} else if (cls == MC_OK && strcmp(mo->their_status, "READY_TO_SHIP") != 0 &&
	    strcmp(mo->their_status, "RETRY_SHIP") != 0) {
		cls = market_error_set(err, MC_FATAL, "", "shopee: order %s is %s, not shippable",
		    order_no, mo->their_status);
	}
	market_orders_free(&set);
	if (cls == MC_OK && *shipped)
		cls = tracking(env, c, order_no, tn, tnlen, err);
	return cls;
}

/* The tracking number an outbox payload brings for a non-integrated channel. */
static const char *
payload_tracking(const char *payload, char *buf, size_t len)
{
	json_t *j = payload != NULL ? json_loads(payload, 0, NULL) : NULL;
	const char *v = jsonx_str(j, "tracking_number");

	snprintf(buf, len, "%s", v != NULL ? v : "");
	json_decref(j);
	return buf[0] != '\0' ? buf : NULL;
}

static enum market_class
ship(const struct market_call_env *env0, const struct market_creds *c, const char *order_no,
    const char *payload, int recheck, char *tn, size_t tnlen, struct market_error *err)
{
	struct market_call_env env = env_of(env0);
	struct transport_resp resp = { 0 };
	struct shopee_ship_param sp;
	struct shopee_ship sh = { .order_sn = order_no };
	struct request r;
	enum market_class cls;
	char own_tn[64];
	int already = 0, shipped = 0;

	memset(err, 0, sizeof *err);
	tn[0] = '\0';
	if (recheck) {
		cls = shipped_already(&env, c, order_no, &shipped, tn, tnlen, err);
		if (cls != MC_OK || shipped)
			return cls;
	}
	if (shopee_param_request(c, order_no, ops_wall(&env), &r, err->msg,
	    sizeof err->msg) < 0)
		return build_failed(err);
	cls = market_call(&env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = shopee_parse_param(resp.http, resp.body, resp.len, &sp, err);
	transport_resp_free(&resp);
	request_free(&r);
	if (cls == MC_FATAL && !recheck) {
		/* Not shippable now: shipped before (a lost answer), or never; then the
		 * platform's own refusal is the error to show. */
		struct market_error refusal = *err;

		cls = shipped_already(&env, c, order_no, &shipped, tn, tnlen, err);
		if (cls == MC_OK && shipped)
			return MC_OK;
		if (cls == MC_OK || cls == MC_FATAL)
			*err = refusal;
		return err->cls;
	}
	if (cls != MC_OK)
		return cls;
	sh.mode = sp.mode;
	sh.address_id = sp.address_id;
	sh.pickup_time_id = sp.pickup_time_id;
	sh.tracking_number = payload_tracking(payload, own_tn, sizeof own_tn);
	if (shopee_ship_request(c, &sh, ops_wall(&env), &r, err->msg, sizeof err->msg) < 0)
		return build_failed(err);
	cls = market_call(&env, &r, &resp, err, NULL);
	if ((cls == MC_OK || cls == MC_FATAL) && resp.http != 0)
		cls = shopee_parse_ship(resp.http, resp.body, resp.len, &already, err);
	transport_resp_free(&resp);
	request_free(&r);
	if (cls != MC_OK)
		return cls;
	if (already) {
		cls = shipped_already(&env, c, order_no, &shipped, tn, tnlen, err);
		if (cls == MC_OK && !shipped)
			cls = market_error_set(err, MC_RETRY, "", "shopee: order %s refused as "
			    "shipped but still shippable", order_no);
		return cls;
	}
	/* Shipped: a failure to read the number leaves the row for a retry, whose recheck
	 * finds the order shipped. */
	return tracking(&env, c, order_no, tn, tnlen, err);
}

static enum market_class
stock(const struct market_call_env *env0, const struct market_creds *c,
    const struct market_stock *items, size_t n, struct market_error *err)
{
	struct market_call_env env = env_of(env0);
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	memset(err, 0, sizeof *err);
	if (shopee_stock_request(c, items, n, ops_wall(&env), &r, err->msg,
	    sizeof err->msg) < 0)
		return build_failed(err);
	cls = market_call(&env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = shopee_parse_stock(resp.http, resp.body, resp.len, err);
	transport_resp_free(&resp);
	request_free(&r);
	return cls;
}

/* The order's items come from its detail (OUT_OF_STOCK names them). */
static enum market_class
cancel(const struct market_call_env *env0, const struct market_creds *c, const char *order_no,
    const char *reason, struct market_error *err)
{
	struct market_call_env env = env_of(env0);
	struct transport_resp resp = { 0 };
	struct market_orders set = { 0 };
	struct market_order *mo;
	struct request r;
	enum market_class cls;
	int already = 0;

	memset(err, 0, sizeof *err);
	cls = order_detail(&env, c, order_no, &set, &mo, err);
	if (cls == MC_OK && strcmp(mo->their_status, "CANCELLED") == 0) {
		market_orders_free(&set);
		return MC_OK;
	}
	if (cls == MC_OK && shopee_cancel_request(c, order_no, reason, mo->listings,
	    mo->nlistings, ops_wall(&env), &r, err->msg, sizeof err->msg) < 0)
		cls = build_failed(err);
	market_orders_free(&set);
	if (cls != MC_OK)
		return cls;
	cls = market_call(&env, &r, &resp, err, NULL);
	if ((cls == MC_OK || cls == MC_FATAL) && resp.http != 0)
		cls = shopee_parse_cancel(resp.http, resp.body, resp.len, &already, err);
	transport_resp_free(&resp);
	request_free(&r);
	return cls;
}

static enum market_class
settlement(const struct market_call_env *env0, const struct market_creds *c,
    const char *order_no, struct market_settlement *out, struct market_error *err)
{
	struct market_call_env env = env_of(env0);
	struct transport_resp resp = { 0 };
	struct market_orders set = { 0 };
	struct market_order *mo;
	struct request r;
	enum market_class cls;
	char currency[8] = "VND";
	int final = 0;

	memset(err, 0, sizeof *err);
	cls = order_detail(&env, c, order_no, &set, &mo, err);
	if (cls == MC_OK) {
		snprintf(currency, sizeof currency, "%s", mo->in.currency);
		final = strcmp(mo->their_status, "COMPLETED") == 0;
	}
	market_orders_free(&set);
	if (cls != MC_OK)
		return cls;
	if (shopee_escrow_request(c, order_no, ops_wall(&env), &r, err->msg,
	    sizeof err->msg) < 0)
		return build_failed(err);
	cls = market_call(&env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = shopee_parse_escrow(resp.http, resp.body, resp.len, currency, out, err);
	transport_resp_free(&resp);
	request_free(&r);
	if (cls == MC_OK)
		out->final = final;
	return cls;
}

/* Read every lost push page, confirm each consumed, gather this shop's order numbers. */
static enum market_class
lost_push(const struct market_call_env *env0, const struct market_creds *c,
    struct market_page *ids, struct market_error *err)
{
	struct market_call_env env = env_of(env0);
	enum market_class cls = MC_OK;
	int pages, more = 1;
	size_t i, k;

	memset(err, 0, sizeof *err);
	memset(ids, 0, sizeof *ids);
	ids->total = -1;
	ids->cursor = xstrdup("");
	for (pages = 0; more && pages < LOST_PAGES && cls == MC_OK; pages++) {
		struct transport_resp resp = { 0 };
		struct market_page page;
		struct request r;
		int64_t last = 0;

		more = 0;
		if (shopee_lost_request(c, ops_wall(&env), &r, err->msg, sizeof err->msg) < 0)
			return build_failed(err);
		cls = market_call(&env, &r, &resp, err, NULL);
		if (cls == MC_OK)
			cls = shopee_parse_lost(resp.http, resp.body, resp.len, c->shop_id, &page,
			    &last, &more, err);
		else
			memset(&page, 0, sizeof page);
		transport_resp_free(&resp);
		request_free(&r);
		if (cls != MC_OK) {
			market_page_free(&page);
			break;
		}
		ids->ids = xrealloc(ids->ids, (ids->n + page.n + 1) * sizeof *ids->ids);
		for (i = 0; i < page.n; i++) {
			int dup = 0;

			for (k = 0; k < ids->n; k++)
				dup = dup || strcmp(ids->ids[k], page.ids[i]) == 0;
			if (dup) {
				free(page.ids[i]);
			} else {
				ids->ids[ids->n++] = page.ids[i];
			}
			page.ids[i] = NULL;
		}
		page.n = 0;
		market_page_free(&page);
		if (last <= 0)
			break;
		if (shopee_confirm_request(c, last, ops_wall(&env), &r, err->msg,
		    sizeof err->msg) < 0)
			return build_failed(err);
		cls = market_call(&env, &r, &resp, err, NULL);
		transport_resp_free(&resp);
		request_free(&r);
	}
	return cls;
}

/* ------------------------------------------------------------------ returns */

/*
 * get_return_list's status (not in the reference; the platform's documented values).
 * JUDGING and SELLER_DISPUTE are a dispute the platform decides: still a request.
 * CLOSED is taken as settled with the buyer refunded (UNCONFIRMED: the guide's words
 * are "closed"). An ACCEPTED or PROCESSING return's logistics_status says where its
 * parcel is (values UNCONFIRMED).
 */
static const struct market_rstate shopee_rstates[] = {
	{ "REQUESTED", RMS_REQUESTED }, { "JUDGING", RMS_REQUESTED },
	{ "SELLER_DISPUTE", RMS_REQUESTED }, { "ACCEPTED", RMS_ACCEPTED },
	{ "PROCESSING", RMS_ACCEPTED }, { "REFUND_PAID", RMS_REFUNDED },
	{ "CLOSED", RMS_REFUNDED }, { "CANCELLED", RMS_CANCELLED },
	{ NULL, RMS_REQUESTED },
};

static const struct market_rstate shopee_rlogistics[] = {
	{ "LOGISTICS_PICKUP_DONE", RMS_IN_TRANSIT }, { "LOGISTICS_DELIVERY_DONE", RMS_RECEIVED },
	{ NULL, RMS_REQUESTED },
};

/* One element of response.return into rs; MC_FATAL naming what is wrong. */
static enum market_class
return_one(const json_t *j, size_t at, struct market_returns *rs, struct market_error *err)
{
	struct market_return *mr;
	const char *st = jsonx_str(j, "status"), *lg = jsonx_str(j, "logistics_status");
	const char *sn = jsonx_str(j, "order_sn");
	const json_t *items = json_object_get(j, "item"), *it;
	struct market_return_in in;
	char idbuf[32];
	const char *id = jsonx_text(j, "return_sn", idbuf, sizeof idbuf);
	enum returns_mstate lst;
	int64_t t, qty;
	size_t i;

	if (id == NULL || id[0] == '\0' || strlen(id) >= sizeof mr->id || sn == NULL ||
	    sn[0] == '\0' || strlen(sn) >= sizeof mr->order_no)
		return market_error_set(err, MC_FATAL, "", "shopee: return %zu of the page has no "
		    "return_sn or order_sn", at + 1);
	if (jsonx_int(j, "update_time", &t) < 0 || t < 0)
		return market_error_set(err, MC_FATAL, "", "shopee: return %s: no update_time", id);
	in.id = id;
	in.order_no = sn;
	in.status = st;
	in.reason = jsonx_str(j, "text_reason");
	if (in.reason == NULL || in.reason[0] == '\0')
		in.reason = jsonx_str(j, "reason");
	in.tracking = jsonx_str(j, "tracking_number");
	in.updated_at = t;
	in.refund_only = json_is_false(json_object_get(j, "needs_logistics"));
	if ((mr = market_return_new(rs, &in, shopee_rstates, "shopee", "status", err)) == NULL)
		return err->cls;
	if (mr->state == RMS_ACCEPTED && market_rstate_lookup(shopee_rlogistics, lg, &lst) == 0)
		mr->state = lst;
	if (items != NULL && !json_is_array(items))
		return market_error_set(err, MC_FATAL, "", "shopee: return %s: item is not a list",
		    id);
	json_array_foreach(items, i, it) {
		const char *sku = jsonx_str(it, "variation_sku");

		if (sku == NULL || sku[0] == '\0')
			sku = jsonx_str(it, "item_sku");
		if (sku == NULL || sku[0] == '\0' || jsonx_int(it, "amount", &qty) < 0 || qty <= 0)
			return market_error_set(err, MC_FATAL, "", "shopee: return %s: item %zu has "
			    "no SKU or amount", id, i + 1);
		market_return_unit(mr, sku, qty);
	}
	return MC_OK;
}

/* A get_return_list page (cursor: the page number it answers). */
static enum market_class
parse_returns(const struct transport_resp *resp, const struct market_listq *q,
    struct market_returns *rs, struct market_error *err)
{
	json_t *root = jsonx_load("shopee", resp->http, resp->body, resp->len, err), *r, *list;
	enum market_class cls = MC_OK;
	long long page = q->cursor != NULL && q->cursor[0] != '\0' ? atoll(q->cursor) : 0;
	size_t i;

	if (root == NULL)
		return err->cls;
	r = json_object_get(root, "response");
	list = json_object_get(r, "return");
	/* An empty page may leave the list out; anything else must be one. */
	if (!json_is_array(list) && !(json_is_object(r) && list == NULL)) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "shopee: get_return_list: no "
		    "response.return list");
	}
	for (i = 0; cls == MC_OK && i < json_array_size(list); i++)
		cls = return_one(json_array_get(list, i), i, rs, err);
	rs->more = json_is_true(json_object_get(r, "more"));
	snprintf(rs->cursor, sizeof rs->cursor, "%lld", rs->more ? page + 1 : 0);
	if (!rs->more)
		rs->cursor[0] = '\0';
	json_decref(root);
	return cls;
}

static enum market_class
returns(const struct market_call_env *env0, const struct market_creds *c,
    const struct market_listq *q, struct market_returns *out, struct market_error *err)
{
	struct market_call_env env = env_of(env0);
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	memset(err, 0, sizeof *err);
	cls = ops_send(&env, &shopee_connector, shopee_returns_request(c, q, ops_wall(&env), &r,
	    err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = parse_returns(&resp, q, out, err);
	transport_resp_free(&resp);
	return cls;
}

static void
push_sign(const struct market_creds *c, const char *url, const char *body, size_t len,
    char out[65])
{
	shopee_push_sign(c->partner_key != NULL ? c->partner_key : "", url, body, len, out);
}

const struct market_ops shopee_ops = {
	.channel = "shopee",
	.ship = ship,
	.stock_batch = SHOPEE_STOCK_BATCH,
	.stock = stock,
	.cancel = cancel,
	.settlement = settlement,
	.lost_push = lost_push,
	.returns = returns,
	.returns_window = 15 * 86400,
	.push_sign = push_sign,
	.push_parse = shopee_push_parse,
};

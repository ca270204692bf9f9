/*
 * ops_lazada.c — Lazada's row of the owed-call table (ops.h): ship as pack then
 * ready-to-ship, the stock push, the seller cancel, the settlement lines, the returns
 * and the push helpers, each a few market_call's through lazada.c's pure builders and mappers.
 *
 * Shipping never ships twice: every ship starts by reading the order's units
 * (/order/items/get), so a unit packed or made ready by an earlier call (a crash, a lost
 * answer) is not packed or made ready again, whether the row was claimed before or not;
 * the platform's own "already packed / ready" refusals count as done too. Returns are
 * its reverse orders (GetReverseOrdersForSeller), one line per unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "lazada.h"
#include "ops.h"
#include "ops_util.h"

#define RTS_MAX 20                  /* packages per /order/package/rts */

static enum market_class
fetch_items(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, struct lazada_items *it, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	memset(it, 0, sizeof *it);
	cls = ops_send(env, &lazada_connector, lazada_items_request(c, order_no,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = lazada_parse_items(resp.http, resp.body, resp.len, it, err);
	transport_resp_free(&resp);
	return cls;
}

static int
is_live(const struct lazada_item *u)
{
	return strcmp(u->status, "canceled") != 0;
}

/* The unit is ready to ship or beyond: nothing left for us to call. */
static int
is_done(const struct lazada_item *u)
{
	static const char *const done[] = {
		"ready_to_ship", "shipped", "delivered", "failed", "returned", NULL,
	};
	size_t i;

	for (i = 0; done[i] != NULL; i++) {
		if (strcmp(u->status, done[i]) == 0)
			return 1;
	}
	return 0;
}

static void
first_tracking(const struct lazada_items *it, char *tn, size_t tnlen)
{
	size_t i;

	snprintf(tn, tnlen, "%s", "");
	for (i = 0; i < it->n; i++) {
		if (is_live(&it->v[i]) && it->v[i].tracking[0] != '\0') {
			snprintf(tn, tnlen, "%s", it->v[i].tracking);
			return;
		}
	}
}

static enum market_class
pack(const struct market_call_env *env, const struct market_creds *c, const char *order_no,
    struct lazada_items *it, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;
	int already = 0;

	cls = ops_send(env, &lazada_connector, lazada_pack_request(c, order_no, it,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (ops_answered(cls, &resp))
		cls = lazada_parse_pack(resp.http, resp.body, resp.len, it, &already, err);
	transport_resp_free(&resp);
	if (cls == MC_OK && already) {
		/* Packed by an earlier call: its package ids are on the units now. */
		lazada_items_free(it);
		cls = fetch_items(env, c, order_no, it, err);
	}
	return cls;
}

static enum market_class
rts(const struct market_call_env *env, const struct market_creds *c,
    const char *const *ids, size_t n, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;
	int already = 0;

	cls = ops_send(env, &lazada_connector, lazada_rts_request(c, ids, n,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (ops_answered(cls, &resp))
		cls = lazada_parse_rts(resp.http, resp.body, resp.len, &already, err);
	transport_resp_free(&resp);
	return cls;
}

/* recheck is not needed: the units are always read first (see the top). */
static enum market_class
ship(const struct market_call_env *env, const struct market_creds *c, const char *order_no,
    const char *payload, int recheck, char *tn, size_t tnlen, struct market_error *err)
{
	struct lazada_items it;
	const char *ids[RTS_MAX];
	enum market_class cls;
	size_t i, j, n, live = 0, left = 0, unpacked = 0;

	(void)payload;
	(void)recheck;
	snprintf(tn, tnlen, "%s", "");
	if ((cls = fetch_items(env, c, order_no, &it, err)) != MC_OK)
		goto out;
	for (i = 0; i < it.n; i++) {
		if (!is_live(&it.v[i]))
			continue;
		live++;
		left += !is_done(&it.v[i]);
		unpacked += !is_done(&it.v[i]) && it.v[i].package_id[0] == '\0';
	}
	if (live == 0) {
		cls = market_error_set(err, MC_FATAL, "", "lazada: order %s is cancelled or has "
		    "no units", order_no);
		goto out;
	}
	if (unpacked > 0 && (cls = pack(env, c, order_no, &it, err)) != MC_OK)
		goto out;
	/* Ready to ship each package not yet ready, RTS_MAX at a time. */
	for (i = 0, n = 0; left > 0 && i <= it.n; i++) {
		if (i < it.n) {
			const struct lazada_item *u = &it.v[i];

			if (!is_live(u) || is_done(u) || u->package_id[0] == '\0')
				continue;
			for (j = 0; j < n && strcmp(ids[j], u->package_id) != 0; j++)
				;
			if (j < n)
				continue;
			ids[n++] = u->package_id;
		}
		if (n > 0 && (n == RTS_MAX || i == it.n)) {
			if ((cls = rts(env, c, ids, n, err)) != MC_OK)
				goto out;
			n = 0;
		}
	}
	first_tracking(&it, tn, tnlen);
	if (tn[0] == '\0') {
		/* A number given late: the units carry it once there is one. */
		lazada_items_free(&it);
		if ((cls = fetch_items(env, c, order_no, &it, err)) != MC_OK)
			goto out;
		first_tracking(&it, tn, tnlen);
	}
	market_error_set(err, MC_OK, "0", "ok");
	cls = MC_OK;
out:
	lazada_items_free(&it);
	return cls;
}

static enum market_class
stock(const struct market_call_env *env, const struct market_creds *c,
    const struct market_stock *items, size_t n, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	cls = ops_send(env, &lazada_connector, lazada_stock_request(c, items, n,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = lazada_parse_stock(resp.http, resp.body, resp.len, err);
	transport_resp_free(&resp);
	return cls;
}

/* Lazada cancels unit by unit; the order is cancelled when every unit is. */
static enum market_class
cancel(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, const char *reason, struct market_error *err)
{
	struct lazada_items it;
	enum market_class cls;
	size_t i;

	if ((cls = fetch_items(env, c, order_no, &it, err)) != MC_OK)
		goto out;
	for (i = 0; i < it.n; i++) {
		struct transport_resp resp = { 0 };
		struct request r;
		int already = 0;

		if (!is_live(&it.v[i]))
			continue;
		cls = ops_send(env, &lazada_connector, lazada_cancel_request(c, it.v[i].id,
		    reason, ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
		if (ops_answered(cls, &resp))
			cls = lazada_parse_cancel(resp.http, resp.body, resp.len, &already, err);
		transport_resp_free(&resp);
		if (cls != MC_OK)
			goto out;
	}
	market_error_set(err, MC_OK, "0", "ok");
	cls = MC_OK;
out:
	lazada_items_free(&it);
	return cls;
}

static enum market_class
settlement(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, struct market_settlement *out, struct market_error *err)
{
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	cls = ops_send(env, &lazada_connector, lazada_finance_request(c, order_no,
	    ops_wall(env), &r, err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = lazada_parse_finance(resp.http, resp.body, resp.len, order_no, out, err);
	transport_resp_free(&resp);
	return cls;
}

/* ------------------------------------------------------------------ returns */

/*
 * A reverse order line's reverse_status (not in the reference: the values as the
 * platform's reverse-order guide names them, UNCONFIRMED). A refund pending after the
 * parcel came back counts as received.
 */
static const struct market_rstate lazada_rstates[] = {
	{ "REQUEST_INITIATE", RMS_REQUESTED }, { "SELLER_AGREE_RETURN", RMS_ACCEPTED },
	{ "BUYER_RETURN_ITEM", RMS_IN_TRANSIT }, { "SELLER_RECEIVE_ITEM", RMS_RECEIVED },
	{ "REFUND_PENDING", RMS_RECEIVED }, { "REFUND_SUCCESS", RMS_REFUNDED },
	{ "REQUEST_REJECT", RMS_REJECTED }, { "SELLER_REJECT_RETURN", RMS_REJECTED },
	{ "REFUND_REJECT", RMS_REJECTED }, { "REQUEST_CANCEL", RMS_CANCELLED },
	{ "CANCEL_SUCCESS", RMS_CANCELLED }, { NULL, RMS_REQUESTED },
};

/* The lines' times are Unix milliseconds (a number or its text). */
static int
ms_time(const json_t *o, const char *key, int64_t *out)
{
	int64_t ms;

	if (jsonx_int(o, key, &ms) < 0 || ms < 0)
		return -1;
	*out = ms / 1000;
	return 0;
}

/*
 * One reverse order: one line per unit, each with its own status; the return takes the
 * status, reason and tracking number of its line changed last, and every line's SKU.
 */
static enum market_class
reverse_one(const json_t *j, size_t at, struct market_returns *rs, struct market_error *err)
{
	const json_t *lines = json_object_get(j, "reverse_order_lines"), *l;
	const char *type = jsonx_str(j, "request_type"), *st = NULL, *v;
	char idbuf[32], snbuf[32];
	const char *id = jsonx_text(j, "reverse_order_id", idbuf, sizeof idbuf);
	const char *sn = jsonx_text(j, "trade_order_id", snbuf, sizeof snbuf);
	struct market_return *mr;
	int64_t t, last = -1;
	size_t i;

	if (id == NULL || id[0] == '\0' || sn == NULL || sn[0] == '\0')
		return market_error_set(err, MC_FATAL, "", "lazada: reverse order %zu of the page "
		    "has no reverse_order_id or trade_order_id", at + 1);
	if (!json_is_array(lines) || json_array_size(lines) == 0)
		return market_error_set(err, MC_FATAL, "", "lazada: reverse order %s has no "
		    "reverse_order_lines", id);
	mr = market_returns_add(rs);
	market_line_copy(mr->id, sizeof mr->id, id);
	market_line_copy(mr->order_no, sizeof mr->order_no, sn);
	mr->refund_only = type != NULL && strcmp(type, "ONLY_REFUND") == 0;
	json_array_foreach(lines, i, l) {
		const char *sku = jsonx_str(l, "seller_sku_id"), *ls = jsonx_str(l, "reverse_status");

		if (sku == NULL || sku[0] == '\0' || ls == NULL)
			return market_error_set(err, MC_FATAL, "", "lazada: reverse order %s: line "
			    "%zu has no seller_sku_id or reverse_status", id, i + 1);
		if (ms_time(l, "return_order_line_gmt_modified", &t) < 0)
			return market_error_set(err, MC_FATAL, "", "lazada: reverse order %s: line "
			    "%zu has no return_order_line_gmt_modified", id, i + 1);
		market_return_unit(mr, sku, 1);
		if (t > last) {
			last = t;
			st = ls;
			v = jsonx_str(l, "reason_text");
			market_line_copy(mr->reason, sizeof mr->reason, v);
		}
		v = jsonx_str(l, "tracking_number");
		if (v != NULL && v[0] != '\0')
			market_line_copy(mr->tracking, sizeof mr->tracking, v);
	}
	mr->updated_at = last;
	if (market_rstate_lookup(lazada_rstates, st, &mr->state) < 0)
		return market_error_set(err, MC_FATAL, "", "lazada: reverse order %s: unknown "
		    "reverse_status '%s'", id, st);
	market_line_copy(mr->their_status, sizeof mr->their_status, st);
	return MC_OK;
}

static enum market_class
parse_returns(const struct transport_resp *resp, const struct market_listq *q,
    struct market_returns *rs, struct market_error *err)
{
	json_t *root = jsonx_load("lazada", resp->http, resp->body, resp->len, err), *res;
	json_t *items;
	enum market_class cls = MC_OK;
	int64_t page = 1, size = 0, total = 0;
	size_t i;

	if (root == NULL)
		return err->cls;
	res = json_object_get(root, "result");
	if (res == NULL)
		res = json_object_get(root, "data");
	items = json_object_get(res, "items");
	if (!json_is_array(items) || jsonx_int(res, "total", &total) < 0) {
		json_decref(root);
		return market_error_set(err, MC_FATAL, "", "lazada: getreverseordersforseller: no "
		    "result.items list or total");
	}
	if (q->cursor != NULL && q->cursor[0] != '\0')
		page = atoll(q->cursor);
	if (jsonx_int(res, "page_size", &size) < 0 || size <= 0)
		size = q->page_size > 0 ? q->page_size : 100;
	for (i = 0; cls == MC_OK && i < json_array_size(items); i++)
		cls = reverse_one(json_array_get(items, i), i, rs, err);
	rs->more = json_array_size(items) > 0 && page * size < total;
	if (rs->more)
		snprintf(rs->cursor, sizeof rs->cursor, "%lld", (long long)(page + 1));
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
	cls = ops_send(env, &lazada_connector, lazada_returns_request(c, q, ops_wall(env), &r,
	    err->msg, sizeof err->msg), &r, &resp, err);
	if (cls == MC_OK)
		cls = parse_returns(&resp, q, out, err);
	transport_resp_free(&resp);
	return cls;
}

const struct market_ops lazada_ops = {
	.channel = "lazada",
	.ship = ship,
	.stock_batch = LAZADA_STOCK_BATCH,
	.stock = stock,
	.cancel = cancel,
	.settlement = settlement,
	.returns = returns,
	.returns_window = 0,
	.lost_push = NULL,              /* Lazada retries its pushes itself (12 times) */
	.push_sign = lazada_push_sign,
	.push_parse = lazada_push_parse,
};

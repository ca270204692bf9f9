/*
 * ops_lazada.c — Lazada's row of the owed-call table (ops.h): ship as pack then
 * ready-to-ship, the stock push, the seller cancel, the settlement lines and the push
 * helpers, each a few market_call's through lazada.c's pure builders and mappers.
 *
 * Shipping never ships twice: every ship starts by reading the order's units
 * (/order/items/get), so a unit packed or made ready by an earlier call (a crash, a lost
 * answer) is not packed or made ready again, whether the row was claimed before or not;
 * the platform's own "already packed / ready" refusals count as done too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const struct market_ops lazada_ops = {
	.channel = "lazada",
	.ship = ship,
	.stock_batch = LAZADA_STOCK_BATCH,
	.stock = stock,
	.cancel = cancel,
	.settlement = settlement,
	.lost_push = NULL,              /* Lazada retries its pushes itself (12 times) */
	.push_sign = lazada_push_sign,
	.push_parse = lazada_push_parse,
};

/*
 * fuzz_market_json.c — libFuzzer target for every response mapper of the three
 * channels (src/market/shopee.c, lazada.c, tiktok.c and the returns lists of
 * ops_*.c): the first byte picks the channel, the second the mapper, the third the HTTP
 * status; the rest is the body, NUL-terminated as the transport hands it over. Beyond
 * not crashing or leaking: the class is one of the enum, anything but MC_OK says why in
 * one line, and what a success filled in keeps the mappers' promises (ids and order
 * numbers present, counts within their arrays, NUL-terminated texts).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "fuzz_ops.h"
#include "market/channel.h"
#include "market/lazada.h"
#include "market/market.h"
#include "market/ops.h"
#include "market/shopee.h"
#include "market/tiktok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1764547200

static const long statuses[] = { 200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 503,
    0 };

static void
check_line(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL || strchr(s, '\n') != NULL) {
		fprintf(stderr, "not one terminated line: '%.*s'\n", (int)cap, s);
		abort();
	}
}

static void
check_error(enum market_class cls, const struct market_error *err)
{
	if (cls > MC_QUOTA)
		abort();
	check_line(err->msg, sizeof err->msg);
	check_line(err->code, sizeof err->code);
	if (cls != MC_OK && err->msg[0] == '\0') {
		fprintf(stderr, "class %s without a message\n", market_class_name(cls));
		abort();
	}
}

static void
check_orders(const struct market_orders *o)
{
	size_t i, k;

	if (o->n > o->cap)
		abort();
	for (i = 0; i < o->n; i++) {
		const struct market_order *mo = &o->v[i];

		if (mo->in.order_no == NULL || mo->in.order_no[0] == '\0' ||
		    mo->in.nlines > mo->caplines || mo->nlistings > mo->caplistings)
			abort();
		for (k = 0; k < mo->in.nlines; k++) {
			if (mo->in.lines[k].sku == NULL)
				abort();
		}
		for (k = 0; k < mo->nlistings; k++) {
			if (mo->listings[k].sku == NULL || mo->listings[k].item_id == NULL)
				abort();
		}
	}
}

static void
check_page(const struct market_page *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (p->ids[i] == NULL || p->ids[i][0] == '\0')
			abort();
	}
	if (p->more && (p->cursor == NULL))
		abort();
}

static void
check_settlement(const struct market_settlement *s)
{
	size_t i;

	if (s->n > s->cap)
		abort();
	check_line(s->order_no, sizeof s->order_no);
	check_line(s->currency, sizeof s->currency);
	for (i = 0; i < s->n; i++) {
		if (s->fees[i].type[0] == '\0')
			abort();
		check_line(s->fees[i].type, sizeof s->fees[i].type);
	}
}

static void
check_returns(const struct market_returns *rs)
{
	size_t i, k;

	if (rs->n > rs->cap)
		abort();
	check_line(rs->cursor, sizeof rs->cursor);
	for (i = 0; i < rs->n; i++) {
		const struct market_return *r = &rs->v[i];

		check_line(r->id, sizeof r->id);
		check_line(r->order_no, sizeof r->order_no);
		check_line(r->their_status, sizeof r->their_status);
		check_line(r->tracking, sizeof r->tracking);
		if (memchr(r->reason, '\0', sizeof r->reason) == NULL)
			abort();
		for (k = 0; k < r->nunits; k++) {
			if (r->units[k].sku == NULL || r->units[k].qty <= 0)
				abort();
		}
	}
}

/* The connector's own mappers (channel.h): list, detail, token, envelope. */
static enum market_class
connector(const struct connector *conn, int which, long http, const char *body, size_t len,
    struct market_error *err)
{
	struct market_listq q = { NOW - 3600, NOW, NULL, 0 };
	struct market_orders orders = { 0 };
	struct market_page page = { 0 };
	struct market_token tok = { 0 };
	enum market_class cls;

	switch (which) {
	case 0:
		cls = conn->parse_list(http, body, len, &q, &page, &orders, err);
		check_error(cls, err);
		if (cls == MC_OK) {
			check_page(&page);
			check_orders(&orders);
		}
		break;
	case 1:
		q.cursor = "2";
		cls = conn->parse_list(http, body, len, &q, &page, NULL, err);
		check_error(cls, err);
		if (cls == MC_OK)
			check_page(&page);
		break;
	case 2:
		cls = conn->parse_detail(http, body, len, &orders, err);
		check_error(cls, err);
		if (cls == MC_OK)
			check_orders(&orders);
		break;
	case 3:
		cls = conn->parse_token(http, body, len, NOW, &tok, err);
		check_error(cls, err);
		if (cls == MC_OK && (tok.access_token == NULL || tok.refresh_token == NULL))
			abort();
		break;
	default:
		cls = conn->check(http, body, len, err);
		check_error(cls, err);
		break;
	}
	market_page_free(&page);
	market_orders_free(&orders);
	market_token_free(&tok);
	return cls;
}

static void
returns(enum market_class (*fn)(long, const char *, size_t, const struct market_listq *,
    struct market_returns *, struct market_error *), long http, const char *body,
    size_t len, int second_page, struct market_error *err)
{
	struct market_listq q = { NOW - 86400, NOW, second_page ? "2" : NULL, 50 };
	struct market_returns rs = { 0 };
	enum market_class cls;

	cls = fn(http, body, len, &q, &rs, err);
	check_error(cls, err);
	if (cls == MC_OK)
		check_returns(&rs);
	market_returns_free(&rs);
}

static void
shopee(int which, long http, const char *body, size_t len, struct market_error *err)
{
	struct market_settlement st = { 0 };
	struct shopee_ship_param sp;
	struct market_page ids = { 0 };
	char tn[64];
	int already = 0, more = 0;
	int64_t last = 0;
	enum market_class cls;

	switch (which) {
	case 5:
		cls = shopee_parse_ship(http, body, len, &already, err);
		break;
	case 6:
		cls = shopee_parse_tracking(http, body, len, tn, sizeof tn, err);
		if (cls == MC_OK)
			check_line(tn, sizeof tn);
		break;
	case 7:
		cls = shopee_parse_param(http, body, len, &sp, err);
		if (cls == MC_OK)
			check_line(sp.pickup_time_id, sizeof sp.pickup_time_id);
		break;
	case 8:
		cls = shopee_parse_stock(http, body, len, err);
		break;
	case 9:
		cls = shopee_parse_cancel(http, body, len, &already, err);
		break;
	case 10:
		cls = shopee_parse_escrow(http, body, len, "VND", &st, err);
		if (cls == MC_OK)
			check_settlement(&st);
		break;
	case 11:
		cls = shopee_parse_lost(http, body, len, 285037461, &ids, &last, &more, err);
		if (cls == MC_OK)
			check_page(&ids);
		break;
	default:
		returns(fuzz_shopee_returns, http, body, len, which == 13, err);
		return;
	}
	check_error(cls, err);
	market_settlement_free(&st);
	market_page_free(&ids);
}

static void
lazada(int which, long http, const char *body, size_t len, struct market_error *err)
{
	struct market_settlement st = { 0 };
	struct lazada_items it = { 0 };
	enum market_class cls;
	const char *pack;
	int already = 0;
	size_t i, ilen;

	switch (which) {
	case 5:
	case 6:
		/* For the pack answer, the body is the items answer, a NUL, the pack answer:
		 * the pack maps onto the units the items call gave. */
		pack = which == 6 ? memchr(body, '\0', len) : NULL;
		ilen = pack != NULL ? (size_t)(pack - body) : len;
		cls = lazada_parse_items(http, body, ilen, &it, err);
		if (cls == MC_OK && pack != NULL) {
			check_error(cls, err);
			memset(err, 0, sizeof *err);
			pack++;
			cls = lazada_parse_pack(http, pack, len - ilen - 1, &it, &already, err);
		}
		if (cls == MC_OK) {
			for (i = 0; i < it.n; i++) {
				check_line(it.v[i].id, sizeof it.v[i].id);
				check_line(it.v[i].tracking, sizeof it.v[i].tracking);
				check_line(it.v[i].package_id, sizeof it.v[i].package_id);
			}
		}
		break;
	case 7:
		cls = lazada_parse_rts(http, body, len, &already, err);
		break;
	case 8:
		cls = lazada_parse_stock(http, body, len, err);
		break;
	case 9:
		cls = lazada_parse_cancel(http, body, len, &already, err);
		break;
	case 10:
		cls = lazada_parse_finance(http, body, len, "1001", &st, err);
		if (cls == MC_OK)
			check_settlement(&st);
		break;
	default:
		returns(fuzz_lazada_returns, http, body, len, which == 12, err);
		return;
	}
	check_error(cls, err);
	market_settlement_free(&st);
	lazada_items_free(&it);
}

static void
tiktok(int which, long http, const char *body, size_t len, struct market_error *err)
{
	struct market_settlement st = { 0 };
	struct tiktok_shipinfo si;
	enum market_class cls;
	int already = 0;

	switch (which) {
	case 5:
		memset(&si, 0, sizeof si);
		cls = tiktok_parse_shipinfo(http, body, len, "576461413", &si, err);
		if (cls == MC_OK && si.npackages > TIKTOK_MAX_PACKAGES)
			abort();
		break;
	case 6:
		cls = tiktok_parse_ship(http, body, len, &already, err);
		break;
	case 7:
		cls = tiktok_parse_cancel(http, body, len, &already, err);
		break;
	case 8:
		cls = tiktok_parse_stock(http, body, len, err);
		break;
	case 9:
		cls = tiktok_parse_finance(http, body, len, "576461413", &st, err);
		if (cls == MC_OK)
			check_settlement(&st);
		break;
	default:
		returns(fuzz_tiktok_returns, http, body, len, which == 11, err);
		return;
	}
	check_error(cls, err);
	market_settlement_free(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "shopee", "lazada", "tiktok" };
	/* Mappers per channel: 5 of the connector, then the channel's own. */
	static const int nmappers[] = { 14, 13, 12 };
	struct market_error err;
	const struct channel *ch;
	int chan, which;
	long http;
	char *body;
	size_t len;

	if (size < 3)
		return 0;
	clock_fix(NOW);
	chan = data[0] % 3;
	which = data[1] % nmappers[chan];
	http = statuses[data[2] % (sizeof statuses / sizeof statuses[0])];
	len = size - 3;
	body = malloc(len + 1);
	if (body == NULL)
		abort();
	memcpy(body, data + 3, len);
	body[len] = '\0';
	memset(&err, 0, sizeof err);
	if (which < 5) {
		if ((ch = channel_find(names[chan])) == NULL || ch->conn == NULL)
			abort();
		connector(ch->conn, which, http, body, len, &err);
	} else if (chan == 0) {
		shopee(which, http, body, len, &err);
	} else if (chan == 1) {
		lazada(which, http, body, len, &err);
	} else {
		tiktok(which, http, body, len, &err);
	}
	free(body);
	return 0;
}

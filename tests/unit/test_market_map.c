/*
 * test_market_map.c — the response mappers on fixture JSON (tests/fixtures/market):
 * order pages, orders with their lines, COD, totals, deadlines and recipients; each
 * channel's error shapes to error classes; token responses; window splitting and money
 * text; and mapped orders accepted by order_upsert.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order.h"
#include "market/channel.h"
#include "testutil.h"

#define NOW 1764547200

/* The connector of channel name. */
static const struct connector *
conn(const char *name)
{
	return channel_find(name)->conn;
}

/* A fixture's bytes; the test stops when it is missing. */
static char *
fixture(const char *name, size_t *len)
{
	char path[512];
	char *buf;

	snprintf(path, sizeof path, "%s/%s", MARKET_FIXTURES, name);
	buf = tu_slurp(path, len);
	if (buf == NULL)
		fprintf(stderr, "fixture %s missing\n", path);
	return buf;
}

static const struct order_line_in *
line(const struct market_order *mo, const char *sku)
{
	size_t i;

	for (i = 0; i < mo->in.nlines; i++) {
		if (strcmp(mo->in.lines[i].sku, sku) == 0)
			return &mo->in.lines[i];
	}
	return NULL;
}

/* Body of a fixture through the channel's check(); returns the class. */
static enum market_class
classify(const char *chan, const char *name, long http, struct market_error *err)
{
	size_t len = 0;
	char *body = fixture(name, &len);
	enum market_class cls;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	cls = conn(chan)->check(http, body, len, err);
	free(body);
	return cls;
}

static void
test_errors(void)
{
	static const struct {
		const char *chan, *file;
		long http;
		enum market_class cls;
		const char *code;
	} cases[] = {
		{ "shopee", "shopee_order_list.json", 200, MC_OK, "" },
		{ "shopee", "shopee_error_auth.json", 403, MC_AUTH, "error_auth" },
		{ "shopee", "shopee_error_sign.json", 403, MC_FATAL, "error_sign" },
		{ "shopee", "shopee_error_rate.json", 429, MC_RATE, "error_rate_limit" },
		{ "shopee", "shopee_error_server.json", 500, MC_RETRY, "error_server" },
		{ "shopee", "shopee_error_quota.json", 403, MC_QUOTA, "error_limit" },
		{ "shopee", "shopee_error_window.json", 400, MC_FATAL,
		    "order.order_list_invalid_time" },
		{ "lazada", "lazada_order_list.json", 200, MC_OK, "0" },
		{ "lazada", "lazada_error_auth.json", 200, MC_AUTH, "IllegalAccessToken" },
		{ "lazada", "lazada_error_sign.json", 200, MC_FATAL, "IncompleteSignature" },
		{ "lazada", "lazada_error_rate.json", 200, MC_RATE, "ApiCallLimit" },
		{ "lazada", "lazada_error_server.json", 200, MC_RETRY, "ServiceTimeout" },
		{ "tiktok", "tiktok_order_search.json", 200, MC_OK, "0" },
		{ "tiktok", "tiktok_error_auth.json", 401, MC_AUTH, "105002" },
		{ "tiktok", "tiktok_error_sign.json", 401, MC_FATAL, "106001" },
		{ "tiktok", "tiktok_error_rate.json", 429, MC_RATE, "36009005" },
		{ "tiktok", "tiktok_error_server.json", 500, MC_RETRY, "36009001" },
		/* An error code under HTTP 200 is still an error. */
		{ "tiktok", "tiktok_error_sign.json", 200, MC_FATAL, "106001" },
	};
	struct market_error err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum market_class cls = classify(cases[i].chan, cases[i].file, cases[i].http, &err);

		if (cls != cases[i].cls || strcmp(err.code, cases[i].code) != 0)
			fprintf(stderr, "%s: got %s \"%s\" (%s)\n", cases[i].file,
			    market_class_name(cls), err.code, err.msg);
		CU_ASSERT_EQUAL(cls, cases[i].cls);
		CU_ASSERT_EQUAL(err.cls, cls);
		CU_ASSERT_STRING_EQUAL(err.code, cases[i].code);
		CU_ASSERT_EQUAL(err.http, cases[i].http);
	}
	/* The message names the channel and carries the platform's words. */
	classify("shopee", "shopee_error_auth.json", 403, &err);
	CU_ASSERT_STRING_EQUAL(err.msg, "shopee: error_auth: Invalid access_token.");
	CU_ASSERT_STRING_EQUAL(err.request_id, "e6f4c5b70d2a7b3c1d84f50617283940");
	classify("lazada", "lazada_error_sign.json", 200, &err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does not conform"));
	classify("tiktok", "tiktok_error_auth.json", 401, &err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Expired credentials"));
}

/* Bodies that are not the platform's JSON: cut short, empty, a proxy's HTML page. */
static void
test_broken_bodies(void)
{
	static const char cut[] = "{\"request_id\":\"x\",\"error\":\"\",\"response\":{\"more\":tr";
	static const char html[] = "<html><body>502 Bad Gateway</body></html>";
	static const char arr[] = "[1,2]";
	const char *chans[] = { "shopee", "lazada", "tiktok" };
	struct market_error err;
	size_t i;

	for (i = 0; i < 3; i++) {
		const struct connector *c = conn(chans[i]);

		CU_ASSERT_EQUAL(c->check(200, cut, strlen(cut), &err), MC_RETRY);
		CU_ASSERT_EQUAL(c->check(502, "", 0, &err), MC_RETRY);
		CU_ASSERT_EQUAL(c->check(0, NULL, 0, &err), MC_RETRY);
		CU_ASSERT_EQUAL(c->check(502, html, strlen(html), &err), MC_RETRY);
		CU_ASSERT_EQUAL(c->check(429, html, strlen(html), &err), MC_RATE);
		CU_ASSERT_EQUAL(c->check(200, html, strlen(html), &err), MC_FATAL);
		CU_ASSERT_EQUAL(c->check(200, arr, strlen(arr), &err), MC_FATAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, chans[i]));
	}
}

static void
test_shopee(void)
{
	const struct connector *c = conn("shopee");
	struct market_orders set = { 0 };
	struct market_page page;
	struct market_error err;
	const struct market_order *mo;
	const struct order_line_in *l;
	size_t len;
	char *body;

	body = fixture("shopee_order_list.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(c->parse_list(200, body, len, NULL, &page, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL_FATAL(page.n, 3);
	CU_ASSERT_STRING_EQUAL(page.ids[0], "2511300T6XKQ3M");
	CU_ASSERT_STRING_EQUAL(page.ids[2], "2511300W9CDA1R");
	CU_ASSERT_EQUAL(page.more, 1);
	CU_ASSERT_STRING_EQUAL(page.cursor, "3");
	CU_ASSERT_EQUAL(set.n, 3);
	mo = market_orders_find(&set, "2511300W9CDA1R");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_ON_HOLD);
	CU_ASSERT_EQUAL(mo->has_header, 0);
	market_page_free(&page);

	body = fixture("shopee_order_list_last.json", &len);
	CU_ASSERT_EQUAL(c->parse_list(200, body, len, NULL, &page, NULL, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(page.n, 1);
	CU_ASSERT_EQUAL(page.more, 0);
	CU_ASSERT_STRING_EQUAL(page.cursor, "");
	market_page_free(&page);

	body = fixture("shopee_order_detail.json", &len);
	CU_ASSERT_EQUAL_FATAL(c->parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(set.n, 3);      /* merged into the orders the list named */
	mo = market_orders_find(&set, "2511300T6XKQ3M");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->has_header, 1);
	CU_ASSERT_STRING_EQUAL(mo->in.channel, "shopee");
	CU_ASSERT_EQUAL(mo->in.status, ST_CONFIRMED);
	CU_ASSERT_STRING_EQUAL(mo->their_status, "READY_TO_SHIP");
	CU_ASSERT_STRING_EQUAL(mo->in.currency, "VND");
	CU_ASSERT_EQUAL(mo->in.total, 389000);      /* VND has no minor unit */
	CU_ASSERT_EQUAL(mo->in.cod, 389000);
	CU_ASSERT_EQUAL(mo->in.created_at, 1764489600);
	CU_ASSERT_EQUAL(mo->updated_at, 1764493200);
	CU_ASSERT_EQUAL(mo->in.ship_by, 1764691200);
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_name, "Nguyễn Thị Hương");
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_phone, "84912345678");
	CU_ASSERT_STRING_EQUAL(mo->in.address,
	    "12 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh");
	CU_ASSERT_STRING_EQUAL(mo->in.district, "Quận 1");
	CU_ASSERT_STRING_EQUAL(mo->in.province, "TP. Hồ Chí Minh");
	CU_ASSERT_EQUAL_FATAL(mo->in.nlines, 2);
	l = line(mo, "AT-COTTON-TRANG-L");      /* the model's seller SKU first */
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->qty, 2);
	CU_ASSERT_EQUAL(l->unit_price, 149000);
	l = line(mo, "TAT-NGAN-5");             /* else the item's */
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->qty, 1);
	CU_ASSERT_EQUAL(l->unit_price, 91000);

	mo = market_orders_find(&set, "2511300U2HBN8P");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_PACKED);
	CU_ASSERT_EQUAL(mo->in.cod, 0);
	CU_ASSERT_EQUAL(mo->in.total, 260000);
	CU_ASSERT_STRING_EQUAL(mo->in.district, "Quận Cầu Giấy");
	CU_ASSERT_STRING_EQUAL(mo->in.province, "Hà Nội");
	/* Pulled again: the same orders, lines replaced rather than added. */
	body = fixture("shopee_order_detail.json", &len);
	CU_ASSERT_EQUAL(c->parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(set.n, 3);
	mo = market_orders_find(&set, "2511300T6XKQ3M");
	CU_ASSERT_EQUAL(mo->in.nlines, 2);
	CU_ASSERT_EQUAL(line(mo, "AT-COTTON-TRANG-L")->qty, 2);
	market_orders_free(&set);
}

/* A currency with a minor unit, a float total, an unknown status, no seller SKU. */
static void
test_shopee_edges(void)
{
	static const char body[] = "{\"error\":\"\",\"message\":\"\",\"response\":{\"order_list\":"
	    "[{\"order_sn\":\"X1\",\"currency\":\"MYR\",\"cod\":false,\"total_amount\":12.3,"
	    "\"order_status\":\"LOST_IN_SPACE\",\"create_time\":1764489600,"
	    "\"item_list\":[{\"item_id\":11,\"model_id\":22,\"item_sku\":\"\",\"model_sku\":\"\","
	    "\"model_quantity_purchased\":3,\"model_discounted_price\":4.1}]}]}}";
	static const char bad[] = "{\"error\":\"\",\"response\":{\"order_list\":"
	    "[{\"order_sn\":\"X2\",\"currency\":\"VND\",\"total_amount\":\"lots\"}]}}";
	struct market_orders set = { 0 };
	struct market_error err;
	struct market_order *mo;

	CU_ASSERT_EQUAL_FATAL(conn("shopee")->parse_detail(200, body, strlen(body), &set, &err),
	    MC_OK);
	mo = market_orders_find(&set, "X1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.total, 1230);
	CU_ASSERT_EQUAL(mo->status_known, 0);
	CU_ASSERT_EQUAL(mo->in.status, ST_NEW);
	CU_ASSERT_STRING_EQUAL(mo->their_status, "LOST_IN_SPACE");
	CU_ASSERT_EQUAL(mo->updated_at, 1764489600);
	CU_ASSERT_EQUAL(mo->in.ship_by, 0);
	CU_ASSERT_EQUAL_FATAL(mo->in.nlines, 1);
	CU_ASSERT_STRING_EQUAL(mo->in.lines[0].sku, "shopee:11:22");
	CU_ASSERT_EQUAL(mo->in.lines[0].qty, 3);
	CU_ASSERT_EQUAL(mo->in.lines[0].unit_price, 410);
	CU_ASSERT_EQUAL(conn("shopee")->parse_detail(200, bad, strlen(bad), &set, &err),
	    MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "X2"));
	market_orders_free(&set);
}

static void
test_lazada(void)
{
	const struct connector *c = conn("lazada");
	struct market_listq q = { .from = NOW - 86400, .to = NOW, .cursor = "" };
	struct market_orders set = { 0 };
	struct market_page page;
	struct market_error err;
	const struct market_order *mo;
	const struct order_line_in *l;
	size_t len;
	char *body;

	body = fixture("lazada_order_list.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(c->parse_list(200, body, len, &q, &page, &set, &err), MC_OK);
	CU_ASSERT_EQUAL_FATAL(page.n, 2);
	CU_ASSERT_STRING_EQUAL(page.ids[0], "480012345678901");
	CU_ASSERT_EQUAL(page.total, 3);
	CU_ASSERT_EQUAL(page.more, 1);
	/* the next offset, and the page's last id to see repeats by */
	CU_ASSERT_STRING_EQUAL(page.cursor, "2:480012345679042");
	market_page_free(&page);
	q.cursor = "1";                             /* the same rows at offset 1: the end */
	CU_ASSERT_EQUAL(c->parse_list(200, body, len, &q, &page, NULL, &err), MC_OK);
	CU_ASSERT_EQUAL(page.more, 0);
	CU_ASSERT_STRING_EQUAL(page.cursor, "");
	market_page_free(&page);
	free(body);

	mo = market_orders_find(&set, "480012345678901");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_PACKED);
	CU_ASSERT_STRING_EQUAL(mo->in.currency, "VND");
	CU_ASSERT_EQUAL(mo->in.total, 320000);      /* price + shipping - voucher */
	CU_ASSERT_EQUAL(mo->in.cod, 320000);
	CU_ASSERT_EQUAL(mo->in.created_at, 1764489845); /* 15:04:05 +0700 */
	CU_ASSERT_EQUAL(mo->updated_at, 1764495000);
	CU_ASSERT_EQUAL(mo->in.ship_by, 1764694799);    /* 2025-12-02 23:59:59 at +07:00 */
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_name, "Lê Thị Mai");
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_phone, "84905123456");
	CU_ASSERT_STRING_EQUAL(mo->in.address, "45 Lê Duẩn");
	CU_ASSERT_STRING_EQUAL(mo->in.district, "Quận Hải Châu");
	CU_ASSERT_STRING_EQUAL(mo->in.province, "Đà Nẵng");
	CU_ASSERT_EQUAL(mo->in.nlines, 0);

	mo = market_orders_find(&set, "480012345679042");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_CONFIRMED);  /* pending; one unit cancelled */
	CU_ASSERT_EQUAL(mo->in.cod, 0);
	CU_ASSERT_EQUAL(mo->in.total, 455000);
	CU_ASSERT_EQUAL(mo->in.ship_by, 0);
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_name, "Phạm Quốc Bảo");

	body = fixture("lazada_order_items.json", &len);
	CU_ASSERT_EQUAL_FATAL(c->parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(set.n, 2);
	mo = market_orders_find(&set, "480012345678901");
	CU_ASSERT_EQUAL_FATAL(mo->in.nlines, 2);    /* one row per unit, folded */
	l = line(mo, "KEM-CHONG-NANG-50");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->qty, 2);
	CU_ASSERT_EQUAL(l->unit_price, 129000);
	l = line(mo, "SON-DUONG-MOI");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->qty, 1);
	mo = market_orders_find(&set, "480012345679042");
	CU_ASSERT_EQUAL_FATAL(mo->in.nlines, 1);    /* the cancelled unit is not packed */
	CU_ASSERT_STRING_EQUAL(mo->in.lines[0].sku, "NOI-CHIEN-4L");
	market_orders_free(&set);
}

static void
test_tiktok(void)
{
	const struct connector *c = conn("tiktok");
	struct market_orders set = { 0 };
	struct market_page page;
	struct market_error err;
	const struct market_order *mo;
	const struct order_line_in *l;
	size_t len;
	char *body;

	body = fixture("tiktok_order_search.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(c->parse_list(200, body, len, NULL, &page, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL_FATAL(page.n, 2);
	CU_ASSERT_STRING_EQUAL(page.ids[1], "578123456789099999");
	CU_ASSERT_EQUAL(page.more, 1);
	CU_ASSERT_STRING_EQUAL(page.cursor, "aDU2dHFtU1ZHdUhKU3VBV0FzWUNyZz09");
	CU_ASSERT_EQUAL(page.total, 5);
	market_page_free(&page);

	mo = market_orders_find(&set, "578123456789012345");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_CONFIRMED);
	CU_ASSERT_EQUAL(mo->in.total, 396000);
	CU_ASSERT_EQUAL(mo->in.cod, 396000);
	CU_ASSERT_STRING_EQUAL(mo->in.currency, "VND");
	CU_ASSERT_EQUAL(mo->in.created_at, 1764493200);
	CU_ASSERT_EQUAL(mo->updated_at, 1764496800);
	CU_ASSERT_EQUAL(mo->in.ship_by, 1764720000);   /* rts_sla_time */
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_name, "Võ Thị Ánh Tuyết");
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_phone, "(+84)909*****21");
	CU_ASSERT_STRING_EQUAL(mo->in.district, "Thành phố Quy Nhơn");
	CU_ASSERT_STRING_EQUAL(mo->in.province, "Bình Định");
	CU_ASSERT_EQUAL_FATAL(mo->in.nlines, 2);
	l = line(mo, "DEP-LE-NU-37");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->qty, 2);
	CU_ASSERT_EQUAL(l->unit_price, 129000);
	l = line(mo, "TUI-VAI-CANVAS");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->unit_price, 140000);

	mo = market_orders_find(&set, "578123456789099999");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_CANCELLED);
	CU_ASSERT_EQUAL(mo->in.cod, 0);
	CU_ASSERT_EQUAL(mo->in.nlines, 1);      /* every unit cancelled: the order keeps them */
	CU_ASSERT_STRING_EQUAL(mo->in.province, "Đắk Lắk");

	body = fixture("tiktok_order_detail.json", &len);
	CU_ASSERT_EQUAL_FATAL(c->parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(set.n, 3);
	mo = market_orders_find(&set, "578123456789054321");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL(mo->in.status, ST_PACKED);
	CU_ASSERT_EQUAL(mo->in.total, 266500);
	CU_ASSERT_EQUAL(mo->in.cod, 266500);
	CU_ASSERT_STRING_EQUAL(mo->in.buyer_name, "Hoàng Thuỳ Linh");
	CU_ASSERT_STRING_EQUAL(mo->in.district, "Quận Ngô Quyền");
	CU_ASSERT_EQUAL(mo->in.nlines, 1);
	market_orders_free(&set);
}

static void
test_tokens(void)
{
	static const struct {
		const char *chan, *file, *access;
		int64_t access_expires, refresh_expires;
	} cases[] = {
		{ "shopee", "shopee_token.json", "7a6d4f6e4b7a6d4f6e4b7a6d5a4d6f4b",
		    NOW + 14400, NOW + 30 * 86400 },
		{ "lazada", "lazada_token.json",
		    "50000601c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBg",
		    NOW + 2592000, NOW + 15552000 },
		{ "tiktok", "tiktok_token.json", "ROW_Mvq8GwAAAAB5x8Q0aCkT1nQ4bL",
		    1765152000, 1769731200 },
	};
	struct market_token tok;
	struct market_error err;
	size_t i, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *body = fixture(cases[i].file, &len);

		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		CU_ASSERT_EQUAL(conn(cases[i].chan)->parse_token(200, body, len, NOW, &tok, &err),
		    MC_OK);
		CU_ASSERT_STRING_EQUAL(tok.access_token, cases[i].access);
		CU_ASSERT_PTR_NOT_NULL(tok.refresh_token);
		CU_ASSERT_EQUAL(tok.access_expires, cases[i].access_expires);
		CU_ASSERT_EQUAL(tok.refresh_expires, cases[i].refresh_expires);
		market_token_free(&tok);
		free(body);
	}
	/* An error where a token was expected. */
	{
		char *body = fixture("shopee_error_auth.json", &len);

		CU_ASSERT_EQUAL(conn("shopee")->parse_token(403, body, len, NOW, &tok, &err), MC_AUTH);
		CU_ASSERT_PTR_NULL(tok.access_token);
		market_token_free(&tok);
		free(body);
	}
}

static void
test_windows(void)
{
	struct market_window *w;
	int64_t day = 86400;
	size_t n, i;

	/* 40 days in Shopee's 15-day windows, re-reading 5 minutes before the start. */
	n = market_window_split(NOW - 40 * day, NOW, 15 * day, 300, &w);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(w[0].from, NOW - 40 * day - 300);
	CU_ASSERT_EQUAL(w[0].to, w[0].from + 15 * day);
	CU_ASSERT_EQUAL(w[2].to, NOW);
	for (i = 0; i < n; i++) {
		CU_ASSERT(w[i].to - w[i].from <= 15 * day);
		CU_ASSERT(w[i].to > w[i].from);
		if (i > 0)
			CU_ASSERT_EQUAL(w[i].from, w[i - 1].to);
	}
	free(w);
	/* Exactly one maximum window (with its overlap it needs two). */
	n = market_window_split(NOW - 15 * day, NOW, 15 * day, 0, &w);
	CU_ASSERT_EQUAL(n, 1);
	free(w);
	n = market_window_split(NOW - 15 * day, NOW, 15 * day, 60, &w);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(w[1].to - w[1].from, 60);
	free(w);
	/* No maximum: one window. Empty range: none. Never before the epoch. */
	n = market_window_split(NOW - 400 * day, NOW, 0, 300, &w);
	CU_ASSERT_EQUAL(n, 1);
	free(w);
	n = market_window_split(NOW, NOW, 15 * day, 0, &w);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(w);
	n = market_window_split(100, 200, 15 * day, 300, &w);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(w[0].from, 0);
	free(w);
}

static void
test_money(void)
{
	int64_t v;

	CU_ASSERT_EQUAL(market_currency_exp("VND"), 0);
	CU_ASSERT_EQUAL(market_currency_exp("MYR"), 2);
	CU_ASSERT_EQUAL(market_money_parse("259000.00", 0, &v), 0);
	CU_ASSERT_EQUAL(v, 259000);
	CU_ASSERT_EQUAL(market_money_parse("12.5", 2, &v), 0);
	CU_ASSERT_EQUAL(v, 1250);
	CU_ASSERT_EQUAL(market_money_parse("-3", 2, &v), 0);
	CU_ASSERT_EQUAL(v, -300);
	CU_ASSERT_EQUAL(market_money_parse("0.125", 2, &v), -1);   /* below the minor unit */
	CU_ASSERT_EQUAL(market_money_parse("259000.50", 0, &v), -1);
	CU_ASSERT_EQUAL(market_money_parse("", 0, &v), -1);
	CU_ASSERT_EQUAL(market_money_parse("1e5", 0, &v), -1);
	CU_ASSERT_EQUAL(market_money_parse("99999999999999999999", 0, &v), -1);
}

/* What the mappers give is what the order engine takes. */
static void
test_upsert(void)
{
	static const char *const files[][2] = {
		{ "shopee", "shopee_order_detail.json" },
		{ "tiktok", "tiktok_order_search.json" },
	};
	static const char *const skus[] = { "AT-COTTON-TRANG-L", "TAT-NGAN-5", "BINH-INOX-500",
	    "DEP-LE-NU-37", "TUI-VAI-CANVAS", "OP-LUNG-IP15", "KEM-CHONG-NANG-50", "SON-DUONG-MOI",
	    "NOI-CHIEN-4L", NULL };
	struct market_page page;
	struct market_orders set = { 0 };
	struct market_error err;
	struct session s;
	struct order *o;
	struct db *db;
	char path[256], *body;
	size_t i, len;
	int64_t id;
	int created;

	db = tu_db(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	tu_session(&s, db, ROLE_SYSTEM);
	for (i = 0; skus[i] != NULL; i++)
		tu_sku(&s, skus[i], 0);
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		body = fixture(files[i][1], &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		CU_ASSERT_EQUAL(conn(files[i][0])->parse_detail(200, body, len, &set, &err), MC_OK);
		free(body);
	}
	/* Lazada: headers from the list page, lines from the items call. */
	body = fixture("lazada_order_list.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(conn("lazada")->parse_list(200, body, len, NULL, &page, &set, &err),
	    MC_OK);
	market_page_free(&page);
	free(body);
	body = fixture("lazada_order_items.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(conn("lazada")->parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL_FATAL(set.n, 6);
	for (i = 0; i < set.n; i++) {
		set.v[i].in.shop = "shop-hcm-01";
		int rc = order_upsert(&s, &set.v[i].in, &id, &created);

		if (rc != 0)
			fprintf(stderr, "upsert %s: %s\n", set.v[i].in.order_no, s.err);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(created, 1);
	}
	CU_ASSERT_EQUAL_FATAL(order_find(&s, "2511300T6XKQ3M", &id), 0);
	CU_ASSERT_EQUAL_FATAL(order_load(&s, id, &o), 0);
	CU_ASSERT_STRING_EQUAL(o->buyer_name, "Nguyễn Thị Hương");
	CU_ASSERT_EQUAL(o->cod, 389000);
	CU_ASSERT_EQUAL(o->nlines, 2);
	order_free(o);
	/* The same order pulled twice is one order. */
	CU_ASSERT_EQUAL(order_upsert(&s, &set.v[0].in, &id, &created), 0);
	CU_ASSERT_EQUAL(created, 0);
	market_orders_free(&set);
	tu_db_free(db, path);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("market_map", NULL, NULL);
	CU_add_test(s, "error classes", test_errors);
	CU_add_test(s, "broken bodies", test_broken_bodies);
	CU_add_test(s, "shopee list and detail", test_shopee);
	CU_add_test(s, "shopee edges", test_shopee_edges);
	CU_add_test(s, "lazada list and items", test_lazada);
	CU_add_test(s, "tiktok search and detail", test_tiktok);
	CU_add_test(s, "token responses", test_tokens);
	CU_add_test(s, "window splitting", test_windows);
	CU_add_test(s, "money text", test_money);
	CU_add_test(s, "mapped orders upsert", test_upsert);
	return tu_run();
}

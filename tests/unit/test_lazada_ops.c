/*
 * test_lazada_ops.c — the Lazada owed-call builders and mappers, pure, on fixture JSON:
 * the POST calls (pack, rts, stock, cancel) signed over their query and form body alike,
 * the stock XML payload and its 50-SKU limit, the finance window; the units, pack, rts,
 * stock and finance answers mapped, "already done" refusals counted as done; a token
 * refresh signing a request again; the listing ids noted by the order-items mapper; the
 * list cursor moving past ids a page repeats; push_sign against Python's hmac and
 * push_parse.
 */
#include <CUnit/CUnit.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/lazada.h"
#include "testutil.h"

#define NOW 1764547200

static struct market_creds
creds(void)
{
	struct market_creds c = { 0 };

	c.app_key = "123456";
	c.app_secret = "helloworld";
	c.access_token = "tok";
	return c;
}

/* The sign the platform computes: over the query's parameters (but sign) and the form
 * body's, whatever side each travels on. */
static void
platform_sign(const struct request *r, char out[65])
{
	struct request all;
	size_t i;

	request_init(&all, r->method, REQUEST_API, r->path);
	for (i = 0; i < r->nparams; i++)
		request_param(&all, r->params[i].key, r->params[i].value);
	if (r->body != NULL)
		CU_ASSERT_EQUAL(lazada_form_params(r->body, r->body_len, &all), 0);
	lazada_sign("helloworld", &all, out);
	request_free(&all);
}

/* The value of key in r's form body (caller frees), NULL when absent. */
static char *
form_value(const struct request *r, const char *key)
{
	struct request f;
	const char *v;
	char *out;

	request_init(&f, "POST", REQUEST_API, "/");
	if (r->body == NULL || lazada_form_params(r->body, r->body_len, &f) < 0) {
		request_free(&f);
		return NULL;
	}
	v = request_get(&f, key);
	out = v != NULL ? strdup(v) : NULL;
	request_free(&f);
	return out;
}

static void
test_pack_request(void)
{
	struct market_creds c = creds();
	struct lazada_item units[3] = {
		{ "48001234567890100", "packed", "LXVN1", "FP1" },
		{ "48001234567890101", "pending", "", "" },
		{ "48001234567890102", "canceled", "", "" },
	};
	struct lazada_items it = { units, 3 };
	struct request r;
	char err[256], sign[65], *req;
	json_t *j, *po;

	CU_ASSERT_EQUAL_FATAL(lazada_pack_request(&c, "480012345678901", &it, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_STRING_EQUAL(r.path, "/order/fulfill/pack");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "app_key"), "123456");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "timestamp"), "1764547200000");    /* ms */
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign_method"), "sha256");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "access_token"), "tok");
	CU_ASSERT_PTR_NULL(request_get(&r, "packReq"));     /* in the body */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.headers[0], "application/x-www-form-urlencoded"));
	platform_sign(&r, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	CU_ASSERT_EQUAL(strspn(sign, "0123456789ABCDEF"), 64);
	req = form_value(&r, "packReq");
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	j = json_loads(req, 0, NULL);
	po = json_array_get(json_object_get(j, "pack_order_list"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(po, "order_id")), 480012345678901LL);
	/* Only the live unit without a package. */
	CU_ASSERT_EQUAL(json_array_size(json_object_get(po, "order_item_list")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(json_object_get(po, "order_item_list"),
	    0)), 48001234567890101LL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "delivery_type")),
	    "dropship");
	json_decref(j);
	free(req);
	request_free(&r);

	/* Nothing to pack, or a bad id: one line, no request. */
	units[1].status[0] = '\0';
	snprintf(units[1].package_id, sizeof units[1].package_id, "FP2");
	CU_ASSERT_EQUAL(lazada_pack_request(&c, "480012345678901", &it, NOW, &r, err,
	    sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no unit to pack"));
	CU_ASSERT_EQUAL(lazada_pack_request(&c, "48001x", &it, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "48001x"));
}

static void
test_rts_cancel_finance_requests(void)
{
	struct market_creds c = creds();
	const char *ids[21];
	struct request r;
	char err[256], sign[65], *v;
	int i;

	for (i = 0; i < 21; i++)
		ids[i] = "FP1";
	CU_ASSERT_EQUAL_FATAL(lazada_rts_request(&c, ids, 2, NOW, &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/order/package/rts");
	v = form_value(&r, "readyToShipReq");
	CU_ASSERT_STRING_EQUAL(v, "{\"packages\":[{\"package_id\":\"FP1\"},"
	    "{\"package_id\":\"FP1\"}]}");
	free(v);
	platform_sign(&r, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	request_free(&r);
	CU_ASSERT_EQUAL(lazada_rts_request(&c, ids, 21, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_EQUAL(lazada_rts_request(&c, ids, 0, NOW, &r, err, sizeof err), -1);

	CU_ASSERT_EQUAL_FATAL(lazada_cancel_request(&c, "48001234567890101", "hết hàng & lỗi",
	    NOW, &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/order/cancel");
	v = form_value(&r, "reason_detail");
	CU_ASSERT_STRING_EQUAL(v, "hết hàng & lỗi");       /* encoded and back */
	free(v);
	v = form_value(&r, "order_item_id");
	CU_ASSERT_STRING_EQUAL(v, "48001234567890101");
	free(v);
	platform_sign(&r, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	request_free(&r);
	CU_ASSERT_EQUAL(lazada_cancel_request(&c, "", "x", NOW, &r, err, sizeof err), -1);

	CU_ASSERT_EQUAL_FATAL(lazada_finance_request(&c, "480012345678901", NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path, "/finance/transaction/details/get");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "trade_order_id"), "480012345678901");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "end_time"), "2025-12-01");  /* 07:00 +07 */
	CU_ASSERT_STRING_EQUAL(request_get(&r, "start_time"), "2025-09-02");
	CU_ASSERT_PTR_NULL(r.body);
	platform_sign(&r, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	request_free(&r);
	CU_ASSERT_EQUAL_FATAL(lazada_items_request(&c, "480012345678901", NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/order/items/get");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "order_id"), "480012345678901");
	request_free(&r);
}

static void
test_stock_request(void)
{
	struct market_creds c = creds();
	struct market_stock st[51];
	struct request r;
	char err[256], sign[65], *xml;
	int i;

	for (i = 0; i < 51; i++) {
		st[i].sku = "SKU";
		st[i].item_id = "2301456789";
		st[i].model_id = "11223344";
		st[i].location = NULL;
		st[i].qty = i;
	}
	st[1].model_id = "A&B<1>";
	CU_ASSERT_EQUAL_FATAL(lazada_stock_request(&c, st, 2, NOW, &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/product/price_quantity/update");
	xml = form_value(&r, "payload");
	CU_ASSERT_STRING_EQUAL(xml, "<Request><Product><Skus>"
	    "<Sku><ItemId>2301456789</ItemId><SkuId>11223344</SkuId><Quantity>0</Quantity></Sku>"
	    "<Sku><ItemId>2301456789</ItemId><SkuId>A&amp;B&lt;1&gt;</SkuId><Quantity>1"
	    "</Quantity></Sku></Skus></Product></Request>");
	free(xml);
	platform_sign(&r, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	request_free(&r);
	/* 50 at most; every SKU needs both ids. */
	st[1].model_id = "11223344";
	CU_ASSERT_EQUAL_FATAL(lazada_stock_request(&c, st, 50, NOW, &r, err, sizeof err), 0);
	request_free(&r);
	CU_ASSERT_EQUAL(lazada_stock_request(&c, st, 51, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "1..50"));
	st[3].sku = "MUG-CER-350";
	st[3].model_id = "";
	CU_ASSERT_EQUAL(lazada_stock_request(&c, st, 5, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "MUG-CER-350"));
	CU_ASSERT_EQUAL(LAZADA_STOCK_BATCH, 50);
	CU_ASSERT_EQUAL(lazada_ops.stock_batch, 50);
}

static void
test_parse_items_pack(void)
{
	struct lazada_items it;
	struct market_error err;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "lazada_items_one.json", &len);
	int already = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(lazada_parse_items(200, body, len, &it, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL_FATAL(it.n, 3);
	CU_ASSERT_STRING_EQUAL(it.v[0].id, "48001234567890100");
	CU_ASSERT_STRING_EQUAL(it.v[0].status, "packed");
	CU_ASSERT_STRING_EQUAL(it.v[0].tracking, "LXVN0012345678");
	CU_ASSERT_STRING_EQUAL(it.v[0].package_id, "FP480012345678901");
	CU_ASSERT_STRING_EQUAL(it.v[1].package_id, "");
	CU_ASSERT_STRING_EQUAL(it.v[2].status, "canceled");

	body = tu_fixture(MARKET_FIXTURES, "lazada_pack.json", &len);
	CU_ASSERT_EQUAL(lazada_parse_pack(200, body, len, &it, &already, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(already, 0);
	CU_ASSERT_STRING_EQUAL(it.v[1].package_id, "FP480012345678901-2");
	CU_ASSERT_STRING_EQUAL(it.v[1].tracking, "LXVN0099887766");
	CU_ASSERT_STRING_EQUAL(it.v[0].package_id, "FP480012345678901");   /* untouched */

	body = tu_fixture(MARKET_FIXTURES, "lazada_pack_already.json", &len);
	CU_ASSERT_EQUAL(lazada_parse_pack(200, body, len, &it, &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	free(body);
	/* Another refusal: the caller's fault, reported. */
	body = tu_fixture(MARKET_FIXTURES, "lazada_error_sign.json", &len);
	CU_ASSERT_EQUAL(lazada_parse_pack(200, body, len, &it, &already, &err), MC_FATAL);
	CU_ASSERT_EQUAL(already, 0);
	free(body);
	lazada_items_free(&it);
	CU_ASSERT_EQUAL(it.n, 0);
}

static void
test_parse_rts_stock_cancel(void)
{
	struct market_error err;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "lazada_rts.json", &len);
	int already = -1;

	CU_ASSERT_EQUAL(lazada_parse_rts(200, body, len, &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	free(body);
	body = tu_fixture(MARKET_FIXTURES, "lazada_rts_error.json", &len);
	CU_ASSERT_EQUAL(lazada_parse_rts(200, body, len, &already, &err), MC_FATAL);
	CU_ASSERT_STRING_EQUAL(err.code, "InvalidOrderStatus");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cancelled"));
	free(body);
	body = tu_fixture(MARKET_FIXTURES, "lazada_stock_refused.json", &len);
	CU_ASSERT_EQUAL(lazada_parse_stock(200, body, len, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2301456789/99999999"));
	free(body);
	body = "{\"code\":\"0\",\"request_id\":\"x\"}";
	CU_ASSERT_EQUAL(lazada_parse_stock(200, body, strlen(body), &err), MC_OK);
	body = "{\"code\":\"OrderAlreadyCanceled\",\"type\":\"ISV\",\"message\":\"m\"}";
	CU_ASSERT_EQUAL(lazada_parse_cancel(200, body, strlen(body), &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	body = "{\"code\":\"ServiceTimeout\",\"type\":\"ISP\",\"message\":\"m\"}";
	CU_ASSERT_EQUAL(lazada_parse_cancel(500, body, strlen(body), &already, &err), MC_RETRY);
	CU_ASSERT_EQUAL(already, 0);
}

static void
test_parse_finance(void)
{
	struct market_settlement s = { 0 };
	struct market_error err;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "lazada_finance.json", &len);

	CU_ASSERT_EQUAL_FATAL(lazada_parse_finance(200, body, len, "480012345678901", &s, &err),
	    MC_OK);
	CU_ASSERT_STRING_EQUAL(s.order_no, "480012345678901");
	CU_ASSERT_STRING_EQUAL(s.currency, "VND");
	CU_ASSERT_EQUAL(s.n, 3);            /* the other order's line left out */
	CU_ASSERT_EQUAL(tu_fee(&s, "item_price_credit"), 318000);
	CU_ASSERT_EQUAL(tu_fee(&s, "commission"), -12720);     /* two lines summed */
	CU_ASSERT_EQUAL(tu_fee(&s, "payment_fee"), -6360);
	CU_ASSERT_EQUAL(s.final, 0);        /* one line not paid yet */
	market_settlement_free(&s);
	free(body);
	body = "{\"code\":\"0\",\"data\":{}}";
	CU_ASSERT_EQUAL(lazada_parse_finance(200, body, strlen(body), "1", &s, &err), MC_FATAL);
}

/* A token refresh: the request signed again is the one built with the new token. */
static void
test_resign(void)
{
	struct market_creds c = creds();
	struct market_listq q = { NOW - 3600, NOW, "", 50 };
	struct market_stock st = { "S", "1", "2", NULL, 3 };
	struct request r, fresh;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(lazada_connector.list_request(&c, &q, NOW - 100, &r, err,
	    sizeof err), 0);
	c.access_token = "new-token";
	lazada_resign(&c, NOW, &r);
	CU_ASSERT_EQUAL_FATAL(lazada_connector.list_request(&c, &q, NOW, &fresh, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.query, fresh.query);
	request_free(&r);
	request_free(&fresh);

	c.access_token = "tok";
	CU_ASSERT_EQUAL_FATAL(lazada_stock_request(&c, &st, 1, NOW - 100, &r, err, sizeof err), 0);
	c.access_token = "new-token";
	lazada_resign(&c, NOW, &r);
	CU_ASSERT_EQUAL_FATAL(lazada_stock_request(&c, &st, 1, NOW, &fresh, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.query, fresh.query);
	CU_ASSERT_STRING_EQUAL(r.body, fresh.body);
	request_free(&r);
	request_free(&fresh);
}

static void
test_listings(void)
{
	struct market_orders set = { 0 };
	struct market_error err;
	struct market_order *mo;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "lazada_order_items_ids.json", &len);

	CU_ASSERT_EQUAL_FATAL(lazada_connector.parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	mo = market_orders_find(&set, "480012345678901");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL_FATAL(mo->nlistings, 2);
	CU_ASSERT_STRING_EQUAL(mo->listings[0].sku, "KEM-CHONG-NANG-50");
	CU_ASSERT_STRING_EQUAL(mo->listings[0].item_id, "2301456789");
	CU_ASSERT_STRING_EQUAL(mo->listings[0].model_id, "11223344");
	CU_ASSERT_STRING_EQUAL(mo->listings[1].item_id, "2301456790");     /* text ids too */
	CU_ASSERT_STRING_EQUAL(mo->listings[1].model_id, "11223345");
	market_orders_free(&set);
}

/* A page that begins with the last id of the page before: the offset moves past it. */
static void
test_cursor_repeats(void)
{
	struct market_listq q = { NOW - 86400, NOW, "1:480012345678901", 0 };
	struct market_page page;
	struct market_error err;
	size_t len;
	/* ids ...901, ...042; 3 in all */
	char *body = tu_fixture(MARKET_FIXTURES, "lazada_order_list.json", &len);
	struct request r;
	char msg[256];

	CU_ASSERT_EQUAL_FATAL(lazada_connector.parse_list(200, body, len, &q, &page, NULL, &err),
	    MC_OK);
	CU_ASSERT_EQUAL(page.more, 1);
	CU_ASSERT_STRING_EQUAL(page.cursor, "2:480012345679042");   /* 1 + 2 - 1 repeat */
	market_page_free(&page);
	q.cursor = "1:999";         /* no repeat: 1 + 2 = 3, the end */
	CU_ASSERT_EQUAL(lazada_connector.parse_list(200, body, len, &q, &page, NULL, &err), MC_OK);
	CU_ASSERT_EQUAL(page.more, 0);
	market_page_free(&page);
	/* Nothing but repeats (orders joined ahead while paging): the end, not the same
	 * cursor again (the pull looped on it for ever). */
	q.cursor = "2:480012345679042";
	CU_ASSERT_EQUAL(lazada_connector.parse_list(200, body, len, &q, &page, NULL, &err), MC_OK);
	CU_ASSERT_EQUAL(page.more, 0);
	market_page_free(&page);
	free(body);
	/* The offset is what goes to the platform; a cursor not of this form is refused. */
	q.cursor = "2:480012345679042";
	{
		struct market_creds c = creds();

		CU_ASSERT_EQUAL_FATAL(lazada_connector.list_request(&c, &q, NOW, &r, msg,
		    sizeof msg), 0);
		CU_ASSERT_STRING_EQUAL(request_get(&r, "offset"), "2");
		request_free(&r);
		q.cursor = "x:1";
		CU_ASSERT_EQUAL(lazada_connector.list_request(&c, &q, NOW, &r, msg, sizeof msg), -1);
	}
}

/* A truncated answer cut inside a UTF-8 sequence is a network fault (retried), not a
 * malformed answer; a complete non-JSON one is not retried. */
static void
test_truncated_utf8(void)
{
	const char *body = "{\"code\":\"0\",\"data\":{\"orders\":[{\"address_shipping\":"
	    "{\"first_name\":\"Nguy\xe1\xbb\x85n\"}}]}}";
	const char *cut = strstr(body, "\xe1");
	struct market_error err;
	size_t len;

	for (len = (size_t)(cut - body); len <= (size_t)(cut - body) + 2; len++)
		CU_ASSERT_EQUAL(lazada_connector.check(200, body, len, &err), MC_RETRY);
	CU_ASSERT_EQUAL(lazada_connector.check(200, body, strlen(body) - 1, &err), MC_RETRY);
	CU_ASSERT_EQUAL(lazada_connector.check(200, "<html>ok</html>", 15, &err), MC_FATAL);
}

static void
test_push(void)
{
	struct market_creds c = creds();
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "lazada_push.json", &len);
	char want[65] = "", got[65], no[48], st[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	/* Independently: Python's hmac over app_key + the raw body (read from the file). */
	CU_ASSERT_EQUAL(tu_hmac_file(c.app_secret, c.app_key,
	    MARKET_FIXTURES "/lazada_push.json", want), 0);
	lazada_push_sign(&c, NULL, body, len, got);
	CU_ASSERT_EQUAL(strlen(want), 64);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_PTR_EQUAL(lazada_ops.push_sign, lazada_push_sign);

	CU_ASSERT_EQUAL(lazada_push_parse(body, len, no, sizeof no, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(no, "480012345678901");
	CU_ASSERT_STRING_EQUAL(st, "ready_to_ship");
	free(body);
	body = "{\"message_type\":10,\"data\":{\"item_id\":1}}";  /* not a trade order */
	CU_ASSERT_EQUAL(lazada_push_parse(body, strlen(body), no, sizeof no, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(no, "");
	body = "{\"data\":{\"trade_order_id\":\"1\"}}";
	CU_ASSERT_EQUAL(lazada_push_parse(body, strlen(body), no, sizeof no, st, sizeof st), -1);
	CU_ASSERT_EQUAL(lazada_push_parse("{", 1, no, sizeof no, st, sizeof st), -1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("lazada ops", NULL, NULL);
	CU_add_test(s, "pack request", test_pack_request);
	CU_add_test(s, "rts, cancel, finance requests", test_rts_cancel_finance_requests);
	CU_add_test(s, "stock request", test_stock_request);
	CU_add_test(s, "units and pack answers", test_parse_items_pack);
	CU_add_test(s, "rts, stock, cancel answers", test_parse_rts_stock_cancel);
	CU_add_test(s, "finance lines", test_parse_finance);
	CU_add_test(s, "signed again after a refresh", test_resign);
	CU_add_test(s, "listing ids", test_listings);
	CU_add_test(s, "cursor past repeats", test_cursor_repeats);
	CU_add_test(s, "truncated inside a UTF-8 sequence", test_truncated_utf8);
	CU_add_test(s, "push sign and parse", test_push);
	return tu_run();
}

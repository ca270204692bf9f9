/*
 * test_tiktok_ops.c — the TikTok Shop owed-call builders and mappers, pure, on fixture
 * JSON: packages/{id}/ship, products/{id}/inventory/update (one product a call),
 * cancellations and statement_transactions, each signed over path, query and body; the
 * package ids and status a ship needs read from an order; "already shipped / cancelled"
 * counted as done; the statement summed into fee lines; the listing ids the order
 * mapper notes; push_sign against Python's hmac and push_parse.
 */
#include <CUnit/CUnit.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/tiktok.h"
#include "testutil.h"

#define NOW 1764547200

static struct market_creds
creds(void)
{
	struct market_creds c = { 0 };

	c.app_key = "29a39d";
	c.app_secret = "e59af819cc";
	c.shop_cipher = "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3";
	c.access_token = "tok";
	return c;
}

/* r's sign is what the platform computes over it, and the token is only in the header. */
static void
assert_signed(struct request *r)
{
	char want[65];
	size_t i;
	int tok = 0;

	tiktok_sign("e59af819cc", r, 0, want);
	CU_ASSERT_STRING_EQUAL(request_get(r, "sign"), want);
	CU_ASSERT_PTR_NULL(request_get(r, "access_token"));
	for (i = 0; i < r->nheaders; i++)
		tok += strcmp(r->headers[i], "x-tts-access-token: tok") == 0;
	CU_ASSERT_EQUAL(tok, 1);
	CU_ASSERT_STRING_EQUAL(request_get(r, "shop_cipher"),
	    "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3");
}

static void
test_ship_request(void)
{
	struct market_creds c = creds();
	struct request r;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(tiktok_ship_request(&c, "1153000000000101", NULL, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_STRING_EQUAL(r.path, "/fulfillment/202309/packages/1153000000000101/ship");
	CU_ASSERT_STRING_EQUAL(r.body, "{\"handover_method\":\"DROP_OFF\"}");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "timestamp"), "1764547200");
	assert_signed(&r);
	request_free(&r);
	CU_ASSERT_EQUAL_FATAL(tiktok_ship_request(&c, "1153000000000101", "PICKUP", NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.body, "{\"handover_method\":\"PICKUP\"}");
	request_free(&r);
	CU_ASSERT_EQUAL(tiktok_ship_request(&c, "../orders", NULL, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "../orders"));
	CU_ASSERT_EQUAL(tiktok_ship_request(&c, "1", "TELEPORT", NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "TELEPORT"));
}

static void
test_stock_request(void)
{
	struct market_creds c = creds();
	struct market_stock st[101];
	struct request r;
	char err[256];
	json_t *body, *s0;
	int i;

	for (i = 0; i < 101; i++) {
		st[i].sku = "SKU";
		st[i].item_id = "1729384756000020";
		st[i].model_id = "1729384756474001";
		st[i].location = i == 0 ? "7301000000000001" : NULL;
		st[i].qty = i;
	}
	CU_ASSERT_EQUAL_FATAL(tiktok_stock_request(&c, st, 2, NOW, &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path,
	    "/product/202309/products/1729384756000020/inventory/update");
	assert_signed(&r);
	body = json_loads(r.body, 0, NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(body, "skus")), 2);
	s0 = json_array_get(json_object_get(body, "skus"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s0, "id")), "1729384756474001");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
	    json_object_get(s0, "inventory"), 0), "warehouse_id")), "7301000000000001");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(body, "skus"), 1), "inventory"), 0), "quantity")), 1);
	json_decref(body);
	request_free(&r);
	CU_ASSERT_EQUAL_FATAL(tiktok_stock_request(&c, st, 100, NOW, &r, err, sizeof err), 0);
	request_free(&r);
	CU_ASSERT_EQUAL(tiktok_stock_request(&c, st, 101, NOW, &r, err, sizeof err), -1);
	/* One product per call. */
	st[1].item_id = "1729384756000021";
	st[1].sku = "PHIN-NHOM";
	CU_ASSERT_EQUAL(tiktok_stock_request(&c, st, 2, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "PHIN-NHOM"));
	st[1].item_id = st[0].item_id;
	st[1].qty = -1;
	CU_ASSERT_EQUAL(tiktok_stock_request(&c, st, 2, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_EQUAL(tiktok_ops.stock_batch, TIKTOK_STOCK_BATCH);
}

static void
test_cancel_finance_requests(void)
{
	struct market_creds c = creds();
	struct request r;
	char err[256];
	json_t *body;

	CU_ASSERT_EQUAL_FATAL(tiktok_cancel_request(&c, "578123456789054321", "hết hàng", NOW,
	    &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_STRING_EQUAL(r.path, "/return_refund/202309/cancellations");
	assert_signed(&r);
	body = json_loads(r.body, 0, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(body, "order_id")),
	    "578123456789054321");
	CU_ASSERT_PTR_NOT_NULL(json_string_value(json_object_get(body, "cancel_reason")));
	json_decref(body);
	request_free(&r);
	CU_ASSERT_EQUAL_FATAL(tiktok_finance_request(&c, "578123456789054321", NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path,
	    "/finance/202309/orders/578123456789054321/statement_transactions");
	CU_ASSERT_PTR_NULL(r.body);
	assert_signed(&r);
	request_free(&r);
	CU_ASSERT_EQUAL(tiktok_finance_request(&c, "a/b", NOW, &r, err, sizeof err), -1);
	CU_ASSERT_EQUAL(tiktok_cancel_request(&c, "", "x", NOW, &r, err, sizeof err), -1);
}

static void
test_shipinfo(void)
{
	struct tiktok_shipinfo info;
	struct market_error err;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "tiktok_order_packages.json", &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(tiktok_parse_shipinfo(200, body, len, "578123456789054399", &info,
	    &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(info.status, "AWAITING_SHIPMENT");
	CU_ASSERT_STRING_EQUAL(info.tracking, "");
	/* Distinct packages of live lines: the cancelled line's package is not shipped. */
	CU_ASSERT_EQUAL_FATAL(info.npackages, 2);
	CU_ASSERT_STRING_EQUAL(info.packages[0], "1153000000000101");
	CU_ASSERT_STRING_EQUAL(info.packages[1], "1153000000000102");
	CU_ASSERT_EQUAL(tiktok_parse_shipinfo(200, body, len, "1", &info, &err), MC_FATAL);
	free(body);
	body = tu_fixture(MARKET_FIXTURES, "tiktok_order_detail.json", &len);
	CU_ASSERT_EQUAL(tiktok_parse_shipinfo(200, body, len, "578123456789054321", &info,
	    &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(info.status, "AWAITING_COLLECTION");
	free(body);
}

static void
test_ship_cancel_stock_answers(void)
{
	struct market_error err;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "tiktok_ship_already.json", &len);
	int already = -1;

	CU_ASSERT_EQUAL(tiktok_parse_ship(400, body, len, &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	free(body);
	body = tu_fixture(MARKET_FIXTURES, "tiktok_error_sign.json", &len);
	CU_ASSERT_EQUAL(tiktok_parse_ship(200, body, len, &already, &err), MC_FATAL);
	CU_ASSERT_EQUAL(already, 0);
	free(body);
	body = tu_fixture(MARKET_FIXTURES, "tiktok_error_auth.json", &len);
	CU_ASSERT_EQUAL(tiktok_parse_cancel(200, body, len, &already, &err), MC_AUTH);
	free(body);
	body = "{\"code\":25001003,\"message\":\"cancelled already\",\"data\":{}}";
	CU_ASSERT_EQUAL(tiktok_parse_cancel(400, body, strlen(body), &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	/* A token that is not the shop's (any more): refresh once, as for an expired one. */
	body = "{\"code\":105001,\"message\":\"Invalid access token\",\"data\":{}}";
	CU_ASSERT_EQUAL(tiktok_connector.check(401, body, strlen(body), &err), MC_AUTH);
	body = "{\"code\":0,\"message\":\"Success\",\"data\":{}}";
	CU_ASSERT_EQUAL(tiktok_parse_ship(200, body, strlen(body), &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 0);
	CU_ASSERT_EQUAL(tiktok_parse_stock(200, body, strlen(body), &err), MC_OK);
	body = tu_fixture(MARKET_FIXTURES, "tiktok_stock_errors.json", &len);
	CU_ASSERT_EQUAL(tiktok_parse_stock(200, body, len, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "1729384756474999"));
	free(body);
}

static void
test_statement(void)
{
	struct market_settlement s = { 0 };
	struct market_error err;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "tiktok_statement.json", &len);

	CU_ASSERT_EQUAL_FATAL(tiktok_parse_finance(200, body, len, "578123456789054321", &s,
	    &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(s.order_no, "578123456789054321");
	CU_ASSERT_STRING_EQUAL(s.currency, "VND");
	CU_ASSERT_EQUAL(s.n, 9);
	CU_ASSERT_EQUAL(tu_fee(&s, "revenue_amount"), 250000);
	CU_ASSERT_EQUAL(tu_fee(&s, "fee_amount"), -29000);
	CU_ASSERT_EQUAL(tu_fee(&s, "adjustment_amount"), 3000);       /* summed over both */
	CU_ASSERT_EQUAL(tu_fee(&s, "settlement_amount"), 224000);
	CU_ASSERT_EQUAL(tu_fee(&s, "referral_fee_amount"), -12500);
	CU_ASSERT_EQUAL(tu_fee(&s, "transaction_fee_amount"), -5000);
	CU_ASSERT_EQUAL(tu_fee(&s, "affiliate_commission_amount"), -1000);
	CU_ASSERT_EQUAL(tu_fee(&s, "shipping_fee_amount"), -10500);
	CU_ASSERT_EQUAL(tu_fee(&s, "actual_shipping_fee_amount"), -16500);
	CU_ASSERT_EQUAL(s.final, 0);        /* one transaction still processing */
	free(body);
	body = "{\"code\":0,\"data\":{\"statement_transactions\":[{\"status\":\"SETTLED\","
	    "\"revenue_amount\":\"10\"}]}}";
	CU_ASSERT_EQUAL(tiktok_parse_finance(200, body, strlen(body), "1", &s, &err), MC_OK);
	CU_ASSERT_EQUAL(s.final, 1);
	CU_ASSERT_EQUAL(s.n, 1);
	body = "{\"code\":0,\"data\":{\"statement_transactions\":[{\"fee_amount\":\"x\"}]}}";
	CU_ASSERT_EQUAL(tiktok_parse_finance(200, body, strlen(body), "1", &s, &err), MC_FATAL);
	market_settlement_free(&s);
}

static void
test_listings(void)
{
	struct market_orders set = { 0 };
	struct market_error err;
	struct market_order *mo;
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "tiktok_order_packages.json", &len);

	CU_ASSERT_EQUAL_FATAL(tiktok_connector.parse_detail(200, body, len, &set, &err), MC_OK);
	free(body);
	mo = market_orders_find(&set, "578123456789054399");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL_FATAL(mo->nlistings, 2);        /* the cancelled line is not packed */
	CU_ASSERT_STRING_EQUAL(mo->listings[0].sku, "CA-PHE-HAT-500G");
	CU_ASSERT_STRING_EQUAL(mo->listings[0].item_id, "1729384756000020");
	CU_ASSERT_STRING_EQUAL(mo->listings[0].model_id, "1729384756474001");
	CU_ASSERT_STRING_EQUAL(mo->listings[1].sku, "PHIN-NHOM");
	CU_ASSERT_STRING_EQUAL(mo->listings[1].model_id, "1729384756474002");
	market_orders_free(&set);
}

static void
test_push(void)
{
	struct market_creds c = creds();
	size_t len;
	char *body = tu_fixture(MARKET_FIXTURES, "tiktok_push.json", &len);
	char want[65] = "", got[65], no[48], st[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(tu_hmac_file(c.app_secret, c.app_key,
	    MARKET_FIXTURES "/tiktok_push.json", want), 0);
	tiktok_push_sign(&c, NULL, body, len, got);
	CU_ASSERT_EQUAL(strlen(want), 64);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_PTR_EQUAL(tiktok_ops.push_sign, tiktok_push_sign);
	CU_ASSERT_EQUAL(tiktok_push_parse(body, len, no, sizeof no, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(no, "578123456789054321");
	CU_ASSERT_STRING_EQUAL(st, "AWAITING_COLLECTION");
	free(body);
	body = "{\"type\":5,\"data\":{\"product_id\":\"1\"}}";  /* not an order's */
	CU_ASSERT_EQUAL(tiktok_push_parse(body, strlen(body), no, sizeof no, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(no, "");
	body = "{\"data\":{\"order_id\":\"1\"}}";
	CU_ASSERT_EQUAL(tiktok_push_parse(body, strlen(body), no, sizeof no, st, sizeof st), -1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tiktok ops", NULL, NULL);
	CU_add_test(s, "ship request", test_ship_request);
	CU_add_test(s, "inventory request", test_stock_request);
	CU_add_test(s, "cancel and statement requests", test_cancel_finance_requests);
	CU_add_test(s, "packages of an order", test_shipinfo);
	CU_add_test(s, "ship, cancel, stock answers", test_ship_cancel_stock_answers);
	CU_add_test(s, "statement lines", test_statement);
	CU_add_test(s, "listing ids", test_listings);
	CU_add_test(s, "push sign and parse", test_push);
	return tu_run();
}

/*
 * test_shopee_ops.c — the pure parts of Shopee's owed calls on fixture JSON
 * (tests/fixtures/market/shopee_*): get_shipping_parameter read into a ship mode,
 * update_stock's body and answer, cancel_order's reason, body and "already cancelled",
 * get_escrow_detail as fee lines, the lost push page, the push signer (against a vector
 * computed independently, with Python's hmac) and parser, and the listing ids the detail
 * mapper notes for each SKU. The shopee row is in ops_find's table.
 */
#include <CUnit/CUnit.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/ops.h"
#include "market/shopee.h"
#include "testutil.h"

#define NOW 1764547200

static struct market_creds
creds(void)
{
	struct market_creds c = { 0 };

	c.partner_id = 1000001;
	c.shop_id = 2000001;
	c.partner_key = "key";
	c.access_token = "tok";
	return c;
}

static char *
fixture(const char *name, size_t *len)
{
	char *buf = tu_fixture(MARKET_FIXTURES, name, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	return buf;
}

static enum market_class
param(const char *name, struct shopee_ship_param *sp, struct market_error *err)
{
	size_t len;
	char *body = fixture(name, &len);
	enum market_class cls = shopee_parse_param(200, body, len, sp, err);

	free(body);
	return cls;
}

static void
test_param(void)
{
	struct market_creds c = creds();
	struct shopee_ship_param sp;
	struct market_error err;
	struct request r;
	char msg[256], sign[65];

	CU_ASSERT_EQUAL_FATAL(shopee_param_request(&c, "A1", NOW, &r, msg, sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/logistics/get_shipping_parameter");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "order_sn"), "A1");
	shopee_sign("key", 1000001, "/api/v2/logistics/get_shipping_parameter", NOW, "tok",
	    2000001, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	request_free(&r);
	CU_ASSERT_EQUAL(shopee_param_request(&c, "", NOW, &r, msg, sizeof msg), -1);

	/* Pickup: the address flagged pickup_address, its first slot. */
	CU_ASSERT_EQUAL(param("shopee_shipping_param_pickup.json", &sp, &err), MC_OK);
	CU_ASSERT_EQUAL(sp.mode, SHOPEE_PICKUP);
	CU_ASSERT_EQUAL(sp.address_id, 5502);
	CU_ASSERT_STRING_EQUAL(sp.pickup_time_id, "1764640800");
	CU_ASSERT_EQUAL(param("shopee_shipping_param_dropoff.json", &sp, &err), MC_OK);
	CU_ASSERT_EQUAL(sp.mode, SHOPEE_DROPOFF);
	CU_ASSERT_EQUAL(param("shopee_shipping_param_non_integrated.json", &sp, &err), MC_OK);
	CU_ASSERT_EQUAL(sp.mode, SHOPEE_NON_INTEGRATED);
	CU_ASSERT_EQUAL(param("shopee_shipping_param_none.json", &sp, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no shipping mode"));
	CU_ASSERT_EQUAL(param("shopee_error_auth.json", &sp, &err), MC_AUTH);
	CU_ASSERT_EQUAL(shopee_parse_param(403, "{\"error\":\"error_auth\",\"message\":\"x\"}", 36,
	    &sp, &err), MC_AUTH);
}

static void
test_stock(void)
{
	struct market_creds c = creds();
	struct market_stock items[3] = {
		{ .sku = "TSHIRT-BLK-M", .item_id = "100000", .model_id = "200000", .qty = 12 },
		{ .sku = "TSHIRT-WHT-L", .item_id = "100000", .model_id = "200001", .qty = 0,
		  .location = "VNZ" },
		{ .sku = "MUG-CER-350", .item_id = "100002", .model_id = "", .qty = 3 },
	};
	struct market_stock many[SHOPEE_STOCK_BATCH + 1];
	struct market_error err;
	struct request r;
	char msg[256], *body;
	json_t *j, *m;
	size_t len, i;

	CU_ASSERT_EQUAL_FATAL(shopee_stock_request(&c, items, 2, NOW, &r, msg, sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/product/update_stock");
	CU_ASSERT_PTR_NOT_NULL(request_get(&r, "sign"));
	j = json_loads(r.body, 0, NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "item_id")), 100000);
	CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(j, "stock_list")), 2);
	m = json_array_get(json_object_get(j, "stock_list"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "model_id")), 200000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(json_object_get(m,
	    "seller_stock"), 0), "stock")), 12);
	CU_ASSERT_PTR_NULL(json_object_get(json_array_get(json_object_get(m, "seller_stock"), 0),
	    "location_id"));
	m = json_array_get(json_object_get(j, "stock_list"), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(json_object_get(m,
	    "seller_stock"), 0), "stock")), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
	    json_object_get(m, "seller_stock"), 0), "location_id")), "VNZ");
	json_decref(j);
	request_free(&r);

	/* An item without models: model_id 0. */
	CU_ASSERT_EQUAL_FATAL(shopee_stock_request(&c, items + 2, 1, NOW, &r, msg, sizeof msg), 0);
	j = json_loads(r.body, 0, NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(json_object_get(j,
	    "stock_list"), 0), "model_id")), 0);
	json_decref(j);
	request_free(&r);

	/* Two items in one call, too many models, no item, a negative quantity: refused. */
	CU_ASSERT_EQUAL(shopee_stock_request(&c, items + 1, 2, NOW, &r, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "one item_id"));
	for (i = 0; i < SHOPEE_STOCK_BATCH + 1; i++)
		many[i] = items[0];
	CU_ASSERT_EQUAL(shopee_stock_request(&c, many, SHOPEE_STOCK_BATCH, NOW, &r, msg,
	    sizeof msg), 0);
	request_free(&r);
	CU_ASSERT_EQUAL(shopee_stock_request(&c, many, SHOPEE_STOCK_BATCH + 1, NOW, &r, msg,
	    sizeof msg), -1);
	many[0].item_id = "";
	CU_ASSERT_EQUAL(shopee_stock_request(&c, many, 1, NOW, &r, msg, sizeof msg), -1);
	many[0] = items[0];
	many[0].qty = -1;
	CU_ASSERT_EQUAL(shopee_stock_request(&c, many, 1, NOW, &r, msg, sizeof msg), -1);

	body = fixture("shopee_stock_ok.json", &len);
	CU_ASSERT_EQUAL(shopee_parse_stock(200, body, len, &err), MC_OK);
	free(body);
	body = fixture("shopee_stock_partial.json", &len);
	CU_ASSERT_EQUAL(shopee_parse_stock(200, body, len, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "299999"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "model not found"));
	free(body);
	body = fixture("shopee_error_rate.json", &len);
	CU_ASSERT_EQUAL(shopee_parse_stock(429, body, len, &err), MC_RATE);
	free(body);
}

static void
test_cancel(void)
{
	struct market_creds c = creds();
	struct market_listing l[2] = {
		{ .sku = "TSHIRT-BLK-M", .item_id = "100000", .model_id = "200000" },
		{ .sku = "MUG-CER-350", .item_id = "100002", .model_id = "" },
	};
	struct market_error err;
	struct request r;
	char msg[256], *body;
	json_t *j;
	size_t len;
	int already = -1;

	CU_ASSERT_STRING_EQUAL(shopee_cancel_reason("CUSTOMER_REQUEST"), "CUSTOMER_REQUEST");
	CU_ASSERT_STRING_EQUAL(shopee_cancel_reason("UNDELIVERABLE_AREA"), "UNDELIVERABLE_AREA");
	CU_ASSERT_STRING_EQUAL(shopee_cancel_reason("Out of stock"), "OUT_OF_STOCK");
	CU_ASSERT_STRING_EQUAL(shopee_cancel_reason("Hết hàng"), "OUT_OF_STOCK");
	CU_ASSERT_STRING_EQUAL(shopee_cancel_reason("buyer asked by phone"), "CUSTOMER_REQUEST");
	CU_ASSERT_STRING_EQUAL(shopee_cancel_reason(NULL), "CUSTOMER_REQUEST");

	CU_ASSERT_EQUAL_FATAL(shopee_cancel_request(&c, "A1", "out of stock", l, 2, NOW, &r, msg,
	    sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/order/cancel_order");
	j = json_loads(r.body, 0, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "order_sn")), "A1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "cancel_reason")),
	    "OUT_OF_STOCK");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "item_list")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(json_object_get(j,
	    "item_list"), 1), "model_id")), 0);
	json_decref(j);
	request_free(&r);
	/* OUT_OF_STOCK must name the items; a bad id is refused. */
	CU_ASSERT_EQUAL(shopee_cancel_request(&c, "A1", "OUT_OF_STOCK", l, 0, NOW, &r, msg,
	    sizeof msg), -1);
	l[0].item_id = "abc";
	CU_ASSERT_EQUAL(shopee_cancel_request(&c, "A1", "x", l, 1, NOW, &r, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(shopee_cancel_request(&c, "", "x", l, 0, NOW, &r, msg, sizeof msg), -1);

	body = fixture("shopee_cancel_ok.json", &len);
	CU_ASSERT_EQUAL(shopee_parse_cancel(200, body, len, &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 0);
	free(body);
	body = fixture("shopee_cancel_already.json", &len);
	CU_ASSERT_EQUAL(shopee_parse_cancel(400, body, len, &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	free(body);
	body = fixture("shopee_error_sign.json", &len);
	CU_ASSERT_EQUAL(shopee_parse_cancel(403, body, len, &already, &err), MC_FATAL);
	CU_ASSERT_EQUAL(already, 0);
	free(body);
}

static void
test_escrow(void)
{
	struct market_creds c = creds();
	struct market_settlement s = { 0 };
	struct market_error err;
	struct request r;
	char msg[256], *body;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(shopee_escrow_request(&c, "A1", NOW, &r, msg, sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/payment/get_escrow_detail");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "order_sn"), "A1");
	request_free(&r);

	body = fixture("shopee_escrow.json", &len);
	CU_ASSERT_EQUAL_FATAL(shopee_parse_escrow(200, body, len, "VND", &s, &err), MC_OK);
	free(body);
	CU_ASSERT_STRING_EQUAL(s.order_no, "2511300T6XKQ3M");
	CU_ASSERT_STRING_EQUAL(s.currency, "VND");
	CU_ASSERT_EQUAL(s.n, 18);
	CU_ASSERT_EQUAL(tu_fee(&s, "escrow_amount"), 328490);
	CU_ASSERT_EQUAL(tu_fee(&s, "original_price"), 389000);
	CU_ASSERT_EQUAL(tu_fee(&s, "commission_fee"), -15560);
	CU_ASSERT_EQUAL(tu_fee(&s, "service_fee"), -11670);
	CU_ASSERT_EQUAL(tu_fee(&s, "seller_transaction_fee"), -7780);
	CU_ASSERT_EQUAL(tu_fee(&s, "seller_discount"), -10000);
	CU_ASSERT_EQUAL(tu_fee(&s, "actual_shipping_fee"), -32000);
	CU_ASSERT_EQUAL(tu_fee(&s, "shopee_shipping_rebate"), 17000);
	CU_ASSERT_EQUAL(tu_fee(&s, "escrow_tax"), -500);
	CU_ASSERT_EQUAL(tu_fee(&s, "voucher_from_shopee"), 15000);
	CU_ASSERT_EQUAL(s.final, 0);
	market_settlement_free(&s);

	/* Two decimals; a fee reported negative stays negative; only the fields given. */
	body = fixture("shopee_escrow_myr.json", &len);
	CU_ASSERT_EQUAL_FATAL(shopee_parse_escrow(200, body, len, "MYR", &s, &err), MC_OK);
	free(body);
	CU_ASSERT_EQUAL(s.n, 5);
	CU_ASSERT_EQUAL(tu_fee(&s, "escrow_amount"), 4137);
	CU_ASSERT_EQUAL(tu_fee(&s, "original_price"), 4990);
	CU_ASSERT_EQUAL(tu_fee(&s, "commission_fee"), -250);
	CU_ASSERT_EQUAL(tu_fee(&s, "service_fee"), -303);
	CU_ASSERT_EQUAL(tu_fee(&s, "final_shipping_fee"), -490);
	market_settlement_free(&s);

	body = "{\"error\":\"\",\"response\":{}}";
	CU_ASSERT_EQUAL(shopee_parse_escrow(200, body, strlen(body), "VND", &s, &err), MC_FATAL);
	market_settlement_free(&s);
}

static void
test_lost(void)
{
	struct market_creds c = creds();
	struct market_page ids;
	struct market_error err;
	struct request r;
	char msg[256], sign[65], *body;
	int64_t last = 0;
	size_t len;
	int more = 0;
	json_t *j;

	/* Partner-level: signed without token and shop. */
	CU_ASSERT_EQUAL_FATAL(shopee_lost_request(&c, NOW, &r, msg, sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/push/get_lost_push_message");
	CU_ASSERT_PTR_NULL(request_get(&r, "access_token"));
	shopee_sign("key", 1000001, "/api/v2/push/get_lost_push_message", NOW, NULL, 0, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	request_free(&r);

	body = fixture("shopee_lost_push.json", &len);
	CU_ASSERT_EQUAL_FATAL(shopee_parse_lost(200, body, len, 2000001, &ids, &last, &more, &err),
	    MC_OK);
	CU_ASSERT_EQUAL_FATAL(ids.n, 2);        /* this shop's code 3, each order once */
	CU_ASSERT_STRING_EQUAL(ids.ids[0], "2511300T6XKQ3M");
	CU_ASSERT_STRING_EQUAL(ids.ids[1], "2511300U2HBN8P");
	CU_ASSERT_EQUAL(last, 4711);
	CU_ASSERT_EQUAL(more, 1);
	market_page_free(&ids);
	CU_ASSERT_EQUAL(shopee_parse_lost(200, body, len, 0, &ids, &last, &more, &err), MC_OK);
	CU_ASSERT_EQUAL(ids.n, 3);
	market_page_free(&ids);
	free(body);

	CU_ASSERT_EQUAL_FATAL(shopee_confirm_request(&c, 4711, NOW, &r, msg, sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/push/confirm_consumed_lost_push_message");
	j = json_loads(r.body, 0, NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "last_message_id")), 4711);
	json_decref(j);
	request_free(&r);
	CU_ASSERT_EQUAL(shopee_confirm_request(&c, 0, NOW, &r, msg, sizeof msg), -1);
}

static void
test_push(void)
{
	const struct market_ops *ops = ops_find("shopee");
	struct market_creds c = creds();
	char sig[65], sn[64], st[32], *body;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	CU_ASSERT_PTR_EQUAL(ops, &shopee_ops);
	CU_ASSERT_EQUAL(ops->stock_batch, SHOPEE_STOCK_BATCH);
	CU_ASSERT_PTR_NOT_NULL(ops->ship);
	CU_ASSERT_PTR_NOT_NULL(ops->stock);
	CU_ASSERT_PTR_NOT_NULL(ops->cancel);
	CU_ASSERT_PTR_NOT_NULL(ops->settlement);
	CU_ASSERT_PTR_NOT_NULL(ops->lost_push);

	/* The vector: python3 hmac.new(b"test-partner-key", url + b"|" + file bytes,
	 * sha256).hexdigest() over the fixture exactly as stored (with its newline). */
	body = fixture("shopee_push_status.json", &len);
	c.partner_key = "test-partner-key";
	ops->push_sign(&c, "https://hooks.example.vn/shopee", body, len, sig);
	CU_ASSERT_STRING_EQUAL(sig,
	    "458f821d87d0ca43a92365cc14f33b60a402ff8d16f8ac2f8a81f75c0a750381");
	/* One byte less, another URL, another key: another signature. */
	ops->push_sign(&c, "https://hooks.example.vn/shopee", body, len - 1, sig);
	CU_ASSERT_STRING_EQUAL(sig,
	    "f70cb02a9885ffafb36aab108d211f005db9ce04b3188fc470b808ab8b58a83e");
	ops->push_sign(&c, "https://hooks.example.vn/shopee/", body, len, sig);
	CU_ASSERT_STRING_NOT_EQUAL(sig,
	    "458f821d87d0ca43a92365cc14f33b60a402ff8d16f8ac2f8a81f75c0a750381");

	CU_ASSERT_EQUAL(ops->push_parse(body, len, sn, sizeof sn, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(sn, "2511300T6XKQ3M");
	CU_ASSERT_STRING_EQUAL(st, "CANCELLED");
	free(body);
	body = fixture("shopee_push_auth_expiry.json", &len);
	CU_ASSERT_EQUAL(ops->push_parse(body, len, sn, sizeof sn, st, sizeof st), 0);
	CU_ASSERT_STRING_EQUAL(sn, "");
	CU_ASSERT_STRING_EQUAL(st, "");
	free(body);
	CU_ASSERT_EQUAL(ops->push_parse("{\"code\":", 8, sn, sizeof sn, st, sizeof st), -1);
	CU_ASSERT_EQUAL(ops->push_parse("{\"type\":1}", 10, sn, sizeof sn, st, sizeof st), -1);
}

/* get_order_detail notes each SKU's item_id and model_id (none for model 0). */
static void
test_listings(void)
{
	struct market_orders set = { 0 };
	struct market_order *mo;
	struct market_error err;
	char *body;
	size_t len, i;
	int seen = 0;

	body = fixture("shopee_order_detail.json", &len);
	CU_ASSERT_EQUAL_FATAL(shopee_connector.parse_detail(200, body, len, &set, &err), MC_OK);
	mo = market_orders_find(&set, "2511300T6XKQ3M");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
	CU_ASSERT_EQUAL_FATAL(mo->nlistings, 2);
	for (i = 0; i < mo->nlistings; i++) {
		const struct market_listing *l = &mo->listings[i];

		if (strcmp(l->sku, "AT-COTTON-TRANG-L") == 0) {
			CU_ASSERT_STRING_EQUAL(l->item_id, "22871450311");
			CU_ASSERT_STRING_EQUAL(l->model_id, "180443219876");
			seen++;
		} else if (strcmp(l->sku, "TAT-NGAN-5") == 0) {
			CU_ASSERT_STRING_EQUAL(l->item_id, "23990125402");
			CU_ASSERT_STRING_EQUAL(l->model_id, "");
			seen++;
		}
	}
	CU_ASSERT_EQUAL(seen, 2);
	/* Read again: replaced, not doubled. */
	CU_ASSERT_EQUAL(shopee_connector.parse_detail(200, body, len, &set, &err), MC_OK);
	CU_ASSERT_EQUAL(market_orders_find(&set, "2511300T6XKQ3M")->nlistings, 2);
	free(body);
	market_orders_free(&set);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("shopee ops, pure", NULL, NULL);
	CU_add_test(su, "get_shipping_parameter", test_param);
	CU_add_test(su, "update_stock", test_stock);
	CU_add_test(su, "cancel_order", test_cancel);
	CU_add_test(su, "get_escrow_detail", test_escrow);
	CU_add_test(su, "lost push", test_lost);
	CU_add_test(su, "push sign and parse", test_push);
	CU_add_test(su, "detail notes listings", test_listings);
	return tu_run();
}

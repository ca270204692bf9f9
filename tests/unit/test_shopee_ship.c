/*
 * test_shopee_ship.c — the Shopee logistics builders and mappers, pure: ship_order's
 * body in its three modes (dropoff, pickup, non_integrated), signed like every
 * shop-level call; get_tracking_number's query; the answers mapped, the platform's
 * "already shipped" refusal counted as shipped, other errors classed.
 */
#include <CUnit/CUnit.h>

#include <jansson.h>
#include <string.h>

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

static void
test_ship_dropoff(void)
{
	struct market_creds c = creds();
	struct shopee_ship sh = { .order_sn = "2611270001", .mode = SHOPEE_DROPOFF };
	struct request r;
	char err[256], sign[65];
	json_t *body;

	CU_ASSERT_EQUAL_FATAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/logistics/ship_order");
	shopee_sign("key", 1000001, "/api/v2/logistics/ship_order", NOW, "tok", 2000001, sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"), sign);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "shop_id"), "2000001");
	CU_ASSERT_PTR_NULL(request_get(&r, "order_sn"));    /* POST: business in the body */
	body = json_loads(r.body, 0, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(body, "order_sn")), "2611270001");
	CU_ASSERT(json_is_object(json_object_get(body, "dropoff")));
	CU_ASSERT_EQUAL(json_object_size(json_object_get(body, "dropoff")), 0);
	CU_ASSERT_EQUAL(json_object_size(body), 2);
	json_decref(body);
	request_free(&r);
}

static void
test_ship_modes(void)
{
	struct market_creds c = creds();
	struct shopee_ship sh = { .order_sn = "A1", .mode = SHOPEE_PICKUP, .address_id = 77,
		.pickup_time_id = "slot-9" };
	struct request r;
	char err[256];
	json_t *body, *p;

	CU_ASSERT_EQUAL_FATAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), 0);
	body = json_loads(r.body, 0, NULL);
	p = json_object_get(body, "pickup");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "address_id")), 77);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "pickup_time_id")), "slot-9");
	json_decref(body);
	request_free(&r);

	sh.mode = SHOPEE_NON_INTEGRATED;
	sh.tracking_number = "VN123";
	CU_ASSERT_EQUAL_FATAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), 0);
	body = json_loads(r.body, 0, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(body,
	    "non_integrated"), "tracking_number")), "VN123");
	json_decref(body);
	request_free(&r);

	/* Missing parts are the caller's error, not a request. */
	sh.tracking_number = NULL;
	CU_ASSERT_EQUAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "tracking_number"));
	sh.mode = SHOPEE_PICKUP;
	sh.address_id = 0;
	CU_ASSERT_EQUAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), -1);
	sh.order_sn = "";
	CU_ASSERT_EQUAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), -1);
	c.access_token = NULL;
	sh.order_sn = "A1";
	sh.mode = SHOPEE_DROPOFF;
	CU_ASSERT_EQUAL(shopee_ship_request(&c, &sh, NOW, &r, err, sizeof err), -1);
}

static void
test_tracking_request(void)
{
	struct market_creds c = creds();
	struct request r;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(shopee_tracking_request(&c, "A1", NOW, &r, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/logistics/get_tracking_number");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "order_sn"), "A1");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.query, "order_sn=A1"));
	CU_ASSERT_PTR_NULL(r.body);
	request_free(&r);
	CU_ASSERT_EQUAL(shopee_tracking_request(&c, "", NOW, &r, err, sizeof err), -1);
}

static void
test_parse(void)
{
	static const char ok[] = "{\"request_id\":\"r1\",\"error\":\"\",\"message\":\"\","
	    "\"response\":{}}";
	static const char again[] = "{\"request_id\":\"r2\",\"error\":"
	    "\"logistics.ship_order_already_shipped\",\"message\":\"The order has already been "
	    "shipped.\"}";
	static const char param[] = "{\"request_id\":\"r3\",\"error\":\"error_param\","
	    "\"message\":\"no such order\"}";
	static const char tn[] = "{\"request_id\":\"r4\",\"error\":\"\",\"message\":\"\","
	    "\"response\":{\"tracking_number\":\"SPXVN0000000042\"}}";
	static const char none[] = "{\"request_id\":\"r5\",\"error\":\"\",\"message\":\"\","
	    "\"response\":{\"tracking_number\":\"\"}}";
	struct market_error err;
	char buf[32];
	int already = -1;

	CU_ASSERT_EQUAL(shopee_parse_ship(200, ok, strlen(ok), &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 0);
	CU_ASSERT_EQUAL(shopee_parse_ship(400, again, strlen(again), &already, &err), MC_OK);
	CU_ASSERT_EQUAL(already, 1);
	CU_ASSERT_EQUAL(shopee_parse_ship(400, param, strlen(param), &already, &err), MC_FATAL);
	CU_ASSERT_EQUAL(already, 0);
	CU_ASSERT_STRING_EQUAL(err.code, "error_param");
	CU_ASSERT_EQUAL(shopee_parse_ship(502, "<html>", 6, &already, &err), MC_RETRY);
	CU_ASSERT_EQUAL(shopee_parse_ship(200, ok, 10, &already, &err), MC_RETRY);  /* cut */

	CU_ASSERT_EQUAL(shopee_parse_tracking(200, tn, strlen(tn), buf, sizeof buf, &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(buf, "SPXVN0000000042");
	CU_ASSERT_EQUAL(shopee_parse_tracking(200, none, strlen(none), buf, sizeof buf, &err),
	    MC_OK);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(shopee_parse_tracking(200, tn, strlen(tn), buf, 8, &err), MC_FATAL);
	CU_ASSERT_EQUAL(shopee_parse_tracking(400, param, strlen(param), buf, sizeof buf, &err),
	    MC_FATAL);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("shopee logistics", NULL, NULL);
	CU_add_test(su, "ship_order dropoff, signed", test_ship_dropoff);
	CU_add_test(su, "ship_order pickup and non_integrated", test_ship_modes);
	CU_add_test(su, "get_tracking_number", test_tracking_request);
	CU_add_test(su, "answers mapped", test_parse);
	return tu_run();
}

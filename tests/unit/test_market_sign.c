/*
 * test_market_sign.c — the three signers and the request builders that use them.
 * Lazada's published vector, and for every channel vectors computed independently once
 * with Python's hmac module (the script's inputs are the constants below), e.g.
 *   hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "market/channel.h"
#include "market/lazada.h"
#include "market/shopee.h"
#include "market/tiktok.h"
#include "testutil.h"

#define NOW 1764547200                  /* 2025-12-01 00:00 UTC */
#define DAY 86400

#define SHOPEE_KEY "shpk4d6f4b7a6d4f6e4b7a6d4f6e4b7a6d5a4d6f4b7a6d4f6e4b7a6d4f6e4b7a"
#define SHOPEE_TOKEN "7a6d4f6e4b7a6d4f6e4b7a6d5a4d6f4b"
#define LAZADA_SECRET "Xk2pV9sQ7mLz4RtB1yWn8cHd3fJg6aUe"
#define LAZADA_TOKEN "50000601c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBg"
#define LAZADA_REFRESH "500016000300bwa2WteaQyfwBMnPxurcA0mXGhQdTt18356663CfcDTYpWoi"
#define TIKTOK_SECRET "e59af819cc4b3c3d9b1d1b3a2e4c5f6a7b8c9d0e"
#define TIKTOK_CIPHER "ROW_sz2-9AAAAAC5i0xXesBU5U8f6"

static const struct market_creds shopee_creds = {
	.partner_id = 2001887, .shop_id = 225533102, .partner_key = SHOPEE_KEY,
	.access_token = SHOPEE_TOKEN, .refresh_token = "5a4d6f4b7a6d4f6e4b7a6d4f6e4b7a6d",
};
static const struct market_creds lazada_creds = {
	.app_key = "501234", .app_secret = LAZADA_SECRET, .access_token = LAZADA_TOKEN,
	.refresh_token = LAZADA_REFRESH,
};
static const struct market_creds tiktok_creds = {
	.app_key = "6d8f3k2l1m9n0", .app_secret = TIKTOK_SECRET, .shop_cipher = TIKTOK_CIPHER,
	.access_token = "ROW_Mvq8GwAAAAB5x8Q0aCkT1nQ4bL",
	.refresh_token = "ROW_3k2pXgAAAAD7s9vLmN0qR2tU5w",
};

static const struct connector *
conn(const char *name)
{
	return channel_find(name)->conn;
}

/* The published vector: secret helloworld over /order/get and five parameters. */
static void
test_lazada_published(void)
{
	struct request r;
	char sign[65], *base;

	request_init(&r, "GET", REQUEST_API, "/order/get");
	/* Out of order on purpose: the signer sorts. */
	request_param(&r, "timestamp", "1517820392000");
	request_param(&r, "order_id", "1234");
	request_param(&r, "sign_method", "sha256");
	request_param(&r, "app_key", "123456");
	request_param(&r, "access_token", "test");
	base = request_sign_base(&r, r.path, NULL);
	CU_ASSERT_STRING_EQUAL(base, "/order/getaccess_tokentestapp_key123456order_id1234"
	    "sign_methodsha256timestamp1517820392000");
	free(base);
	lazada_sign("helloworld", &r, sign);
	CU_ASSERT_STRING_EQUAL(sign,
	    "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A");
	/* A sign already present is left out of its own base. */
	request_param(&r, "sign", "stale");
	lazada_sign("helloworld", &r, sign);
	CU_ASSERT_STRING_EQUAL(sign,
	    "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A");
	request_free(&r);
}

static void
test_lazada_list(void)
{
	struct market_listq q = { .from = NOW - DAY, .to = NOW, .cursor = "100" };
	struct request r;
	char err[200];

	CU_ASSERT_EQUAL_FATAL(conn("lazada")->list_request(&lazada_creds, &q, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_EQUAL(r.host, REQUEST_API);
	CU_ASSERT_STRING_EQUAL(r.path, "/orders/get");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "timestamp"), "1764547200000");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "update_after"), "2025-11-30T07:00:00+07:00");
	/* No upper bound, by creation time: see lazada.c's list_request. */
	CU_ASSERT_PTR_NULL(request_get(&r, "update_before"));
	/* Independent vector over the base
	 * /orders/getaccess_token<LAZADA_TOKEN>app_key501234limit100offset100
	 * sign_methodsha256sort_bycreated_atsort_directionASCtimestamp1764547200000
	 * update_after2025-11-30T07:00:00+07:00 */
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"),
	    "656A26748FABF0AB48BA3D3E1939FD4372F538CB3612144AF1CAD29A9916E918");
	CU_ASSERT_STRING_EQUAL(r.query, "access_token=" LAZADA_TOKEN "&app_key=501234"
	    "&limit=100&offset=100"
	    "&sign=656A26748FABF0AB48BA3D3E1939FD4372F538CB3612144AF1CAD29A9916E918"
	    "&sign_method=sha256&sort_by=created_at&sort_direction=ASC&timestamp=1764547200000"
	    "&update_after=2025-11-30T07%3A00%3A00%2B07%3A00");
	CU_ASSERT_PTR_NULL(r.body);
	request_free(&r);
}

static void
test_lazada_refresh_items(void)
{
	const char *ids[] = { "480012345678901", "480012345679042" };
	struct request r;
	char err[200];

	CU_ASSERT_EQUAL_FATAL(conn("lazada")->refresh_request(&lazada_creds, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_EQUAL(r.host, REQUEST_AUTH);
	CU_ASSERT_STRING_EQUAL(r.path, "/auth/token/refresh");
	CU_ASSERT_PTR_NULL(request_get(&r, "access_token"));
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"),
	    "7901A819920996E3B179973535C552DF4E012992C7DFF8027AD1BAC72BB00D8E");
	request_free(&r);

	CU_ASSERT_EQUAL_FATAL(conn("lazada")->detail_request(&lazada_creds, ids, 2, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/orders/items/get");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "order_ids"), "[480012345678901,480012345679042]");
	CU_ASSERT_EQUAL(strlen(request_get(&r, "sign")), 64);
	request_free(&r);
}

static void
test_shopee_sign(void)
{
	char sign[65];

	/* partner_id + api_path + timestamp + access_token + shop_id, key as text. */
	shopee_sign(SHOPEE_KEY, 2001887, "/api/v2/order/get_order_list", NOW, SHOPEE_TOKEN,
	    225533102, sign);
	CU_ASSERT_STRING_EQUAL(sign,
	    "6a302a01d5944608ea1c49dc95acbaf4e8e25a7cd92eb0714be7c8f296392f8e");
	/* Public call: partner_id + api_path + timestamp. */
	shopee_sign(SHOPEE_KEY, 2001887, "/api/v2/auth/access_token/get", NOW, NULL, 0, sign);
	CU_ASSERT_STRING_EQUAL(sign,
	    "847158f6ea2236f0c5aab2ed5e1da130b943ee4a32b625e64bbaa65463038607");
}

static void
test_shopee_requests(void)
{
	struct market_listq q = { .from = NOW - DAY, .to = NOW, .cursor = "20", .page_size = 50 };
	const char *ids[] = { "2511300T6XKQ3M", "2511300U2HBN8P" };
	struct request r;
	char err[200];

	CU_ASSERT_EQUAL_FATAL(conn("shopee")->list_request(&shopee_creds, &q, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/order/get_order_list");
	CU_ASSERT_STRING_EQUAL(r.query, "access_token=" SHOPEE_TOKEN "&cursor=20&page_size=50"
	    "&partner_id=2001887&response_optional_fields=order_status&shop_id=225533102"
	    "&sign=6a302a01d5944608ea1c49dc95acbaf4e8e25a7cd92eb0714be7c8f296392f8e"
	    "&time_from=1764460800&time_range_field=update_time&time_to=1764547200"
	    "&timestamp=1764547200");
	request_free(&r);

	CU_ASSERT_EQUAL_FATAL(conn("shopee")->detail_request(&shopee_creds, ids, 2, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/order/get_order_detail");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "order_sn_list"), "2511300T6XKQ3M,2511300U2HBN8P");
	CU_ASSERT_PTR_NOT_NULL(strstr(request_get(&r, "response_optional_fields"), "item_list"));
	CU_ASSERT_PTR_NOT_NULL(strstr(request_get(&r, "response_optional_fields"),
	    "recipient_address"));
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"),
	    "60d1f544ddbf9cbf37ae0e9f5766c68c243a3653b3bca90b9281a9329a67a010");
	request_free(&r);

	CU_ASSERT_EQUAL_FATAL(conn("shopee")->refresh_request(&shopee_creds, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_EQUAL(r.host, REQUEST_AUTH);
	CU_ASSERT_STRING_EQUAL(r.query, "partner_id=2001887"
	    "&sign=847158f6ea2236f0c5aab2ed5e1da130b943ee4a32b625e64bbaa65463038607"
	    "&timestamp=1764547200");
	CU_ASSERT_STRING_EQUAL(r.body, "{\"refresh_token\":\"5a4d6f4b7a6d4f6e4b7a6d4f6e4b7a6d\","
	    "\"partner_id\":2001887,\"shop_id\":225533102}");
	CU_ASSERT_EQUAL(r.body_len, strlen(r.body));
	CU_ASSERT_STRING_EQUAL(r.headers[0], "Content-Type: application/json");
	request_free(&r);
}

/* What a builder must refuse rather than send. */
static void
test_builder_refusals(void)
{
	struct market_listq q = { .from = NOW - 16 * DAY, .to = NOW };
	struct market_creds nokey = shopee_creds;
	const char *ids[51];
	struct request r;
	char err[200];
	size_t i;

	CU_ASSERT_EQUAL(conn("shopee")->list_request(&shopee_creds, &q, NOW, &r, err,
	    sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "15 days"));
	q.from = NOW - 15 * DAY;
	CU_ASSERT_EQUAL(conn("shopee")->list_request(&shopee_creds, &q, NOW, &r, err,
	    sizeof err), 0);
	request_free(&r);
	q.from = NOW;
	CU_ASSERT_EQUAL(conn("lazada")->list_request(&lazada_creds, &q, NOW, &r, err,
	    sizeof err), -1);
	q.from = NOW - DAY;
	q.page_size = 101;
	CU_ASSERT_EQUAL(conn("tiktok")->list_request(&tiktok_creds, &q, NOW, &r, err,
	    sizeof err), -1);
	q.page_size = 0;
	q.cursor = "12a";
	CU_ASSERT_EQUAL(conn("lazada")->list_request(&lazada_creds, &q, NOW, &r, err,
	    sizeof err), -1);

	for (i = 0; i < 51; i++)
		ids[i] = "2511300T6XKQ3M";
	CU_ASSERT_EQUAL(conn("shopee")->detail_request(&shopee_creds, ids, 51, NOW, &r, err,
	    sizeof err), -1);
	CU_ASSERT_EQUAL(conn("shopee")->detail_request(&shopee_creds, ids, 0, NOW, &r, err,
	    sizeof err), -1);
	CU_ASSERT_EQUAL(conn("shopee")->detail_request(&shopee_creds, ids, 50, NOW, &r, err,
	    sizeof err), 0);
	request_free(&r);
	ids[0] = "a,b";
	CU_ASSERT_EQUAL(conn("tiktok")->detail_request(&tiktok_creds, ids, 1, NOW, &r, err,
	    sizeof err), -1);

	nokey.partner_key = NULL;
	q.cursor = NULL;
	CU_ASSERT_EQUAL(conn("shopee")->list_request(&nokey, &q, NOW, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "partner_key"));
}

static void
test_tiktok(void)
{
	struct market_listq q = { .from = NOW - DAY, .to = NOW, .page_size = 50,
	    .cursor = "aDU2dHFtU1ZHdUhKU3VBV0FzWUNyZz09" };
	const char *ids[] = { "578123456789012345", "578123456789054321" };
	struct request r;
	char err[200], a[65], b[65];

	CU_ASSERT_EQUAL_FATAL(conn("tiktok")->list_request(&tiktok_creds, &q, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "POST");
	CU_ASSERT_STRING_EQUAL(r.path, "/order/202309/orders/search");
	CU_ASSERT_STRING_EQUAL(r.body,
	    "{\"update_time_ge\":1764460800,\"update_time_lt\":1764547200}");
	CU_ASSERT_STRING_EQUAL(r.headers[0], "x-tts-access-token: ROW_Mvq8GwAAAAB5x8Q0aCkT1nQ4bL");
	CU_ASSERT_PTR_NULL(request_get(&r, "access_token"));
	/* app_secret + path + sorted key/values + body + app_secret, lower-case hex. */
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"),
	    "d2da5a8cf7ebb46036c6063bdb78b0e9ec7f130caed888e658c22f93b86141a8");
	request_free(&r);

	CU_ASSERT_EQUAL_FATAL(conn("tiktok")->detail_request(&tiktok_creds, ids, 2, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path, "/order/202309/orders");
	CU_ASSERT_PTR_NULL(r.body);
	CU_ASSERT_STRING_EQUAL(request_get(&r, "sign"),
	    "3ab482cffabaef62a84f34c1b78a1ce96005e451a70cc33c81c16c5f3ed5f9a7");
	CU_ASSERT_STRING_EQUAL(r.query, "app_key=6d8f3k2l1m9n0"
	    "&ids=578123456789012345%2C578123456789054321&shop_cipher=" TIKTOK_CIPHER
	    "&sign=3ab482cffabaef62a84f34c1b78a1ce96005e451a70cc33c81c16c5f3ed5f9a7"
	    "&timestamp=1764547200");

	/* access_token and sign never enter the base; multipart leaves the body out. */
	tiktok_sign(TIKTOK_SECRET, &r, 0, a);
	request_param(&r, "access_token", "whatever");
	tiktok_sign(TIKTOK_SECRET, &r, 0, b);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(a, "3ab482cffabaef62a84f34c1b78a1ce96005e451a70cc33c81c16c5f3ed5f9a7");
	request_set_body(&r, strdup("--boundary-bytes--"));
	tiktok_sign(TIKTOK_SECRET, &r, 1, b);
	CU_ASSERT_STRING_EQUAL(a, b);
	tiktok_sign(TIKTOK_SECRET, &r, 0, b);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	request_free(&r);

	CU_ASSERT_EQUAL_FATAL(conn("tiktok")->refresh_request(&tiktok_creds, NOW, &r, err,
	    sizeof err), 0);
	CU_ASSERT_EQUAL(r.host, REQUEST_AUTH);
	CU_ASSERT_STRING_EQUAL(r.path, "/api/v2/token/refresh");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "grant_type"), "refresh_token");
	CU_ASSERT_STRING_EQUAL(request_get(&r, "refresh_token"), "ROW_3k2pXgAAAAD7s9vLmN0qR2tU5w");
	request_free(&r);
}

static void
test_hmac_case(void)
{
	char lo[65], up[65];

	request_hmac_hex("helloworld", "abc", 3, 0, lo);
	request_hmac_hex("helloworld", "abc", 3, 1, up);
	CU_ASSERT_EQUAL(strlen(lo), 64);
	CU_ASSERT_EQUAL(strcasecmp(lo, up), 0);
	CU_ASSERT_STRING_NOT_EQUAL(lo, up);
	CU_ASSERT_PTR_NULL(strpbrk(lo, "ABCDEF"));
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("market_sign", NULL, NULL);
	CU_add_test(s, "lazada published vector", test_lazada_published);
	CU_add_test(s, "lazada order list request", test_lazada_list);
	CU_add_test(s, "lazada refresh and items requests", test_lazada_refresh_items);
	CU_add_test(s, "shopee signer", test_shopee_sign);
	CU_add_test(s, "shopee requests", test_shopee_requests);
	CU_add_test(s, "builders refuse bad arguments", test_builder_refusals);
	CU_add_test(s, "tiktok signer and requests", test_tiktok);
	CU_add_test(s, "hex case", test_hmac_case);
	return tu_run();
}

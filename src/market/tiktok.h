/* tiktok.h — TikTok Shop API 202309: signer, request builders, response mappers. */
#ifndef PB_TIKTOK_H
#define PB_TIKTOK_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "ops.h"

extern const struct channel_status tiktok_statuses[];
extern const struct connector tiktok_connector;
/* The owed calls and push helpers (ops_tiktok.c). */
extern const struct market_ops tiktok_ops;

/*
 * sign = lower-case hex HMAC-SHA256 with app_secret over app_secret + path + the query
 * parameters but sign and access_token, sorted, as key1value1... + r's body bytes
 * (unless multipart) + app_secret. Sorts r's parameters.
 */
void tiktok_sign(const char *app_secret, struct request *r, int multipart, char out[65]);

#define TIKTOK_STOCK_BATCH 100      /* SKUs of one product per inventory update */
#define TIKTOK_MAX_PACKAGES 16

/* What the ship call needs of an order's detail. */
struct tiktok_shipinfo {
	char status[32];
	char tracking[64];          /* tracking_number, "" none yet */
	char packages[TIKTOK_MAX_PACKAGES][48];    /* distinct package_id of live lines */
	size_t npackages;
};

/* Builders of the owed calls (pure, now in Unix s): 0, or -1 with one line in err. */
/* POST /fulfillment/202309/packages/{package_id}/ship {handover_method}. */
int tiktok_ship_request(const struct market_creds *c, const char *package_id,
    const char *handover_method, int64_t now, struct request *r, char *err, size_t errlen);
/* POST /product/202309/products/{product_id}/inventory/update: n SKUs, all of one
 * product (item_id), 1..TIKTOK_STOCK_BATCH. */
int tiktok_stock_request(const struct market_creds *c, const struct market_stock *items,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen);
/* POST /return_refund/202309/cancellations {order_id, cancel_reason}. */
int tiktok_cancel_request(const struct market_creds *c, const char *order_id,
    const char *reason, int64_t now, struct request *r, char *err, size_t errlen);
/* GET /finance/202309/orders/{order_id}/statement_transactions. */
int tiktok_finance_request(const struct market_creds *c, const char *order_id, int64_t now,
    struct request *r, char *err, size_t errlen);

/* POST /return_refund/202309/returns/search?page_size&page_token&sort_field=update_time
 * {update_time_ge, update_time_lt}: returns updated in [q->from, q->to), 50 a page. */
int tiktok_returns_request(const struct market_creds *c, const struct market_listq *q,
    int64_t now, struct request *r, char *err, size_t errlen);
/* Mappers: MC_OK when the outputs were filled, else err says why (class as check). */
/* The order order_id of a detail answer (GET /order/202309/orders?ids=). */
enum market_class tiktok_parse_shipinfo(long http, const char *body, size_t len,
    const char *order_id, struct tiktok_shipinfo *out, struct market_error *err);
/* A ship or cancel answer; *already 1 when it was done before (counted as MC_OK). */
enum market_class tiktok_parse_ship(long http, const char *body, size_t len, int *already,
    struct market_error *err);
enum market_class tiktok_parse_cancel(long http, const char *body, size_t len, int *already,
    struct market_error *err);
/* An inventory update answer: a SKU it refused (data.errors[]) makes it MC_FATAL. */
enum market_class tiktok_parse_stock(long http, const char *body, size_t len,
    struct market_error *err);
/* statement_transactions summed into lines (revenue, fees, adjustment, settlement). */
enum market_class tiktok_parse_finance(long http, const char *body, size_t len,
    const char *order_id, struct market_settlement *out, struct market_error *err);

/* Push helpers (ops.h): HMAC-SHA256(app_secret, app_key + body), lower-case hex; and
 * data.order_id, data.order_status. */
void tiktok_push_sign(const struct market_creds *c, const char *url, const char *body,
    size_t len, char out[65]);
int tiktok_push_parse(const char *body, size_t len, char *order_no, size_t olen,
    char *status, size_t slen);

#endif

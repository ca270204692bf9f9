/* lazada.h — Lazada Open Platform: signer, request builders, response mappers. */
#ifndef PB_LAZADA_H
#define PB_LAZADA_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "ops.h"

extern const struct channel_status lazada_statuses[];
extern const struct connector lazada_connector;
/* The owed calls and push helpers (ops_lazada.c). */
extern const struct market_ops lazada_ops;

/*
 * sign = UPPER-case hex HMAC-SHA256 with app_secret over r's path followed by every
 * parameter but sign, sorted by name, as key1value1key2value2... Sorts r's parameters.
 */
void lazada_sign(const char *app_secret, struct request *r, char out[65]);

/*
 * The application/x-www-form-urlencoded body[0..len) added to into's parameters
 * (decoded): 0, or -1 when it is not such a body.
 */
int lazada_form_params(const char *body, size_t len, struct request *into);
/*
 * r signed again with c's access token and now (after a token refresh): the token and
 * timestamp parameters replaced, the sign made over them and r's form body. Calls
 * request_finish.
 */
void lazada_resign(const struct market_creds *c, int64_t now, struct request *r);

#define LAZADA_STOCK_BATCH 50       /* SKUs per /product/price_quantity/update */

/* One unit of an order, as /order/items/get gives it. */
struct lazada_item {
	char id[32];                /* order_item_id */
	char status[24];            /* pending, packed, ready_to_ship, shipped, canceled, ... */
	char tracking[64];          /* tracking_code, "" before packing */
	char package_id[48];        /* "" before packing */
};

struct lazada_items {
	struct lazada_item *v;      /* malloc'd; lazada_items_free */
	size_t n;
};

void lazada_items_free(struct lazada_items *it);

/*
 * Builders of the owed calls (pure, now in Unix s): 0, or -1 with one line in err. POST
 * calls carry their API parameters in a form body; every parameter is signed.
 */
/* GET /order/items/get?order_id=: the units of one order. */
int lazada_items_request(const struct market_creds *c, const char *order_id, int64_t now,
    struct request *r, char *err, size_t errlen);
/* POST /order/fulfill/pack: the units of it that have no package yet (dropship). */
int lazada_pack_request(const struct market_creds *c, const char *order_id,
    const struct lazada_items *it, int64_t now, struct request *r, char *err, size_t errlen);
/* POST /order/package/rts: ready to ship n packages. */
int lazada_rts_request(const struct market_creds *c, const char *const *package_ids,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen);
/* POST /product/price_quantity/update: n (1..LAZADA_STOCK_BATCH) SKUs' quantities. */
int lazada_stock_request(const struct market_creds *c, const struct market_stock *items,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen);
/* POST /order/cancel: one unit, reason text in reason_detail. */
int lazada_cancel_request(const struct market_creds *c, const char *order_item_id,
    const char *reason, int64_t now, struct request *r, char *err, size_t errlen);
/* GET /finance/transaction/details/get for one order, over the 90 days before now. */
int lazada_finance_request(const struct market_creds *c, const char *order_id, int64_t now,
    struct request *r, char *err, size_t errlen);

/* GET /reverse/getreverseordersforseller?page_no&page_size&update_time_start&
 * update_time_end (ms): reverse orders updated in [q->from, q->to); q->cursor the page
 * number ("" = 1). */
int lazada_returns_request(const struct market_creds *c, const struct market_listq *q,
    int64_t now, struct request *r, char *err, size_t errlen);
/* Mappers: MC_OK when the outputs were filled, else err says why (class as check). */
enum market_class lazada_parse_items(long http, const char *body, size_t len,
    struct lazada_items *out, struct market_error *err);
/* A pack answer: each unit's package_id and tracking number copied into it (by id);
 * *already 1 when the platform refused because the units were packed before. */
enum market_class lazada_parse_pack(long http, const char *body, size_t len,
    struct lazada_items *it, int *already, struct market_error *err);
/* An rts (or cancel) answer; *already 1 when it was done before (counted as MC_OK). */
enum market_class lazada_parse_rts(long http, const char *body, size_t len, int *already,
    struct market_error *err);
enum market_class lazada_parse_cancel(long http, const char *body, size_t len, int *already,
    struct market_error *err);
/* A price_quantity answer: a SKU the platform refused makes it MC_FATAL. */
enum market_class lazada_parse_stock(long http, const char *body, size_t len,
    struct market_error *err);
/* Transaction lines of order_id summed per fee name into out (cleared first). */
enum market_class lazada_parse_finance(long http, const char *body, size_t len,
    const char *order_id, struct market_settlement *out, struct market_error *err);

/* Push helpers (ops.h): HMAC-SHA256(app_secret, app_key + body), lower-case hex; and
 * message_type 0's data.trade_order_id and data.order_status. */
void lazada_push_sign(const struct market_creds *c, const char *url, const char *body,
    size_t len, char out[65]);
int lazada_push_parse(const char *body, size_t len, char *order_no, size_t olen,
    char *status, size_t slen);

#endif

/* shopee.h — Shopee Open Platform v2: signer, request builders, response mappers. */
#ifndef PB_SHOPEE_H
#define PB_SHOPEE_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "ops.h"

extern const struct channel_status shopee_statuses[];
extern const struct connector shopee_connector;

/*
 * sign = lower-case hex HMAC-SHA256, key partner_key as its UTF-8 text, over
 * partner_id + api_path + timestamp [+ access_token + shop_id]. A public call (auth,
 * token) passes access_token NULL and the last two are left out.
 */
void shopee_sign(const char *partner_key, int64_t partner_id, const char *api_path,
    int64_t timestamp, const char *access_token, int64_t shop_id, char out[65]);

/* Most models one update_stock call takes (our choice; all of one item_id). */
#define SHOPEE_STOCK_BATCH 50

/* How ship_order hands the parcel over (get_shipping_parameter's info_needed). */
enum shopee_ship_mode {
	SHOPEE_DROPOFF,             /* {order_sn, dropoff:{}} */
	SHOPEE_PICKUP,              /* {order_sn, pickup:{address_id, pickup_time_id}} */
	SHOPEE_NON_INTEGRATED,      /* {order_sn, non_integrated:{tracking_number}} */
};

struct shopee_ship {
	const char *order_sn;
	enum shopee_ship_mode mode;
	int64_t address_id;         /* pickup */
	const char *pickup_time_id; /* pickup */
	const char *tracking_number;    /* non_integrated */
};

/* POST /api/v2/logistics/ship_order: 0, or -1 with one line in err. */
int shopee_ship_request(const struct market_creds *c, const struct shopee_ship *s,
    int64_t now, struct request *r, char *err, size_t errlen);
/* GET /api/v2/logistics/get_tracking_number?order_sn=...: 0, or -1 with err. */
int shopee_tracking_request(const struct market_creds *c, const char *order_sn,
    int64_t now, struct request *r, char *err, size_t errlen);
/*
 * A ship_order answer. MC_OK when the order was shipped by this call; *already is 1 when
 * the platform refused because the order had been shipped before (the class is then
 * MC_OK too: the caller fetches the tracking number), else 0.
 */
enum market_class shopee_parse_ship(long http, const char *body, size_t len, int *already,
    struct market_error *err);
/* A get_tracking_number answer: MC_OK with tn filled ("" when none was given yet). */
enum market_class shopee_parse_tracking(long http, const char *body, size_t len, char *tn,
    size_t tnlen, struct market_error *err);

/* What get_shipping_parameter says: the mode and, for pickup, the address and slot. */
struct shopee_ship_param {
	enum shopee_ship_mode mode;
	int64_t address_id;
	char pickup_time_id[64];
};

/* GET /api/v2/logistics/get_shipping_parameter?order_sn=...: 0, or -1 with err. */
int shopee_param_request(const struct market_creds *c, const char *order_sn, int64_t now,
    struct request *r, char *err, size_t errlen);
/*
 * Its answer: info_needed names the mode (pickup before dropoff before non_integrated
 * when several are offered); pickup takes the address flagged "pickup_address" (else
 * the first) and its first time slot. MC_FATAL when no mode or no slot is offered.
 */
enum market_class shopee_parse_param(long http, const char *body, size_t len,
    struct shopee_ship_param *out, struct market_error *err);

/*
 * POST /api/v2/product/update_stock {item_id, stock_list:[{model_id, seller_stock:
 * [{location_id?, stock}]}]}: n (1..SHOPEE_STOCK_BATCH) models of one item_id (an empty
 * model_id is 0, the item without models). 0, or -1 with err.
 */
int shopee_stock_request(const struct market_creds *c, const struct market_stock *items,
    size_t n, int64_t now, struct request *r, char *err, size_t errlen);
/* Its answer: MC_OK when failure_list is empty, else MC_FATAL naming the first. */
enum market_class shopee_parse_stock(long http, const char *body, size_t len,
    struct market_error *err);

/*
 * cancel_order's reason for a reason text: the platform's own words pass as they are
 * ("OUT_OF_STOCK", "CUSTOMER_REQUEST", "UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED");
 * texts naming stock ("stock", "hết hàng") are OUT_OF_STOCK; anything else
 * CUSTOMER_REQUEST. UNCONFIRMED: the reasons are not in the reference.
 */
const char *shopee_cancel_reason(const char *text);
/*
 * POST /api/v2/order/cancel_order {order_sn, cancel_reason, item_list:[{item_id,
 * model_id}]} (path UNCONFIRMED); listings (n, may be 0) are the order's items. 0, or -1.
 */
int shopee_cancel_request(const struct market_creds *c, const char *order_sn,
    const char *reason, const struct market_listing *listings, size_t n, int64_t now,
    struct request *r, char *err, size_t errlen);
/* Its answer; *already is 1 (and the class MC_OK) when the order was cancelled before. */
enum market_class shopee_parse_cancel(long http, const char *body, size_t len, int *already,
    struct market_error *err);

/* GET /api/v2/payment/get_escrow_detail?order_sn=...: 0, or -1 with err. */
int shopee_escrow_request(const struct market_creds *c, const char *order_sn, int64_t now,
    struct request *r, char *err, size_t errlen);
/*
 * Its order_income as fee lines in minor units of currency, "positive = paid to the
 * seller": escrow_amount, original_price, shopee_discount, voucher_from_shopee, coins,
 * buyer_paid_shipping_fee, shopee_shipping_rebate as they are; buyer_total_amount too
 * (what the buyer paid, for reference); the fees and seller-borne amounts
 * (commission_fee, service_fee, seller_transaction_fee, campaign_fee, escrow_tax,
 * actual_shipping_fee, reverse_shipping_fee, seller_discount, voucher_from_seller)
 * negative whatever sign they came with; final_shipping_fee with its own sign. Fields
 * absent are left out. out->order_no and currency are set; out->final is the caller's.
 */
enum market_class shopee_parse_escrow(long http, const char *body, size_t len,
    const char *currency, struct market_settlement *out, struct market_error *err);

/* GET /api/v2/push/get_lost_push_message, partner-level (UNCONFIRMED path): 0 or -1. */
int shopee_lost_request(const struct market_creds *c, int64_t now, struct request *r,
    char *err, size_t errlen);
/*
 * Its answer: the order numbers of the code-3 messages of shop_id (0: every shop), in
 * page order, each once; *last the last_message_id to confirm (0: none); *more
 * has_next_page.
 */
enum market_class shopee_parse_lost(long http, const char *body, size_t len, int64_t shop_id,
    struct market_page *ids, int64_t *last, int *more, struct market_error *err);
/* POST /api/v2/push/confirm_consumed_lost_push_message {last_message_id}: 0 or -1. */
int shopee_confirm_request(const struct market_creds *c, int64_t last, int64_t now,
    struct request *r, char *err, size_t errlen);

/* A push's Authorization: hex HMAC-SHA256(partner_key, url + "|" + body). */
void shopee_push_sign(const char *partner_key, const char *url, const char *body,
    size_t len, char out[65]);
/* A push body: code 3 gives data.ordersn and data.status; other codes order_no "".
 * 0, or -1 when it is not a Shopee push. */
int shopee_push_parse(const char *body, size_t len, char *order_no, size_t olen,
    char *status, size_t slen);

/*
 * GET /api/v2/returns/get_return_list?page_no&page_size&update_time_from&update_time_to:
 * returns updated in [q->from, q->to) (at most 15 days: UNCONFIRMED for returns, the
 * order list's limit), q->cursor the page number ("" = 0). 0, or -1 with err.
 */
int shopee_returns_request(const struct market_creds *c, const struct market_listq *q,
    int64_t now, struct request *r, char *err, size_t errlen);

/* The effectful row (ops_shopee.c). */
extern const struct market_ops shopee_ops;

#endif

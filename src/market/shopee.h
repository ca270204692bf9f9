/* shopee.h — Shopee Open Platform v2: signer, request builders, response mappers. */
#ifndef PB_SHOPEE_H
#define PB_SHOPEE_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"

extern const struct channel_status shopee_statuses[];
extern const struct connector shopee_connector;

/*
 * sign = lower-case hex HMAC-SHA256, key partner_key as its UTF-8 text, over
 * partner_id + api_path + timestamp [+ access_token + shop_id]. A public call (auth,
 * token) passes access_token NULL and the last two are left out.
 */
void shopee_sign(const char *partner_key, int64_t partner_id, const char *api_path,
    int64_t timestamp, const char *access_token, int64_t shop_id, char out[65]);

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

#endif

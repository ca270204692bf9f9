/* shopee.h — Shopee Open Platform v2: signer, request builders, response mappers. */
#ifndef PB_SHOPEE_H
#define PB_SHOPEE_H

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

#endif

/* tiktok.h — TikTok Shop API 202309: signer, request builders, response mappers. */
#ifndef PB_TIKTOK_H
#define PB_TIKTOK_H

#include "channel.h"

extern const struct channel_status tiktok_statuses[];
extern const struct connector tiktok_connector;

/*
 * sign = lower-case hex HMAC-SHA256 with app_secret over app_secret + path + the query
 * parameters but sign and access_token, sorted, as key1value1... + r's body bytes
 * (unless multipart) + app_secret. Sorts r's parameters.
 */
void tiktok_sign(const char *app_secret, struct request *r, int multipart, char out[65]);

#endif

/* lazada.h — Lazada Open Platform: signer, request builders, response mappers. */
#ifndef PB_LAZADA_H
#define PB_LAZADA_H

#include "channel.h"

extern const struct channel_status lazada_statuses[];
extern const struct connector lazada_connector;

/*
 * sign = UPPER-case hex HMAC-SHA256 with app_secret over r's path followed by every
 * parameter but sign, sorted by name, as key1value1key2value2... Sorts r's parameters.
 */
void lazada_sign(const char *app_secret, struct request *r, char out[65]);

#endif

/*
 * jsonx.h — the few jansson helpers the response mappers share: load a body or say why
 * not, read a member as text or integer whatever JSON type the platform chose, money.
 */
#ifndef PB_JSONX_H
#define PB_JSONX_H

#include <jansson.h>
#include <stdint.h>

#include "market.h"

/*
 * Parse body as a JSON object. NULL when it is not one: err is MC_RETRY when the body
 * is empty or cut short (a truncated or dropped response), MC_RETRY on HTTP 5xx,
 * MC_RATE on 429, else MC_FATAL; the message names chan. Caller json_decref()s.
 */
json_t *jsonx_load(const char *chan, long http, const char *body, size_t len,
    struct market_error *err);
/* The member key of o as a string, or NULL when absent or not a string. */
const char *jsonx_str(const json_t *o, const char *key);
/* Member key of o as text: strings as they are, integers in decimal; NULL otherwise.
 * buf holds the decimal form. */
const char *jsonx_text(const json_t *o, const char *key, char *buf, size_t len);
/* Member key as an integer: a JSON integer or a string of digits. 0 or -1. */
int jsonx_int(const json_t *o, const char *key, int64_t *out);
/* Member key as money in minor units of exp digits: a string, integer or real. 0 or -1. */
int jsonx_money(const json_t *o, const char *key, int exp, int64_t *out);

/*
 * Take the access and refresh tokens from o (a token response's object) into tok,
 * which is cleared first; expiries are the caller's, each platform names them its own
 * way. MC_OK, or MC_FATAL naming chan when either token is missing.
 */
enum market_class jsonx_tokens(const char *chan, const json_t *o, struct market_token *tok,
    struct market_error *err);

#endif

/*
 * ops_util.h — what the code that calls the marketplaces shares: the channels' rows of
 * the owed-call table (ops_lazada.c, ops_tiktok.c, ops_shopee.c) and the runs that
 * drive them or pull (outbox.c, stockpush.c, finance.c, sync.c, refetch.c). The clock
 * their signed requests use, the call environment of a run, the shop's row, and one
 * call through a channel's connector whose answer is left for the channel's mapper.
 */
#ifndef PB_OPS_UTIL_H
#define PB_OPS_UTIL_H

#include <stdint.h>

#include "market.h"
#include "retry.h"

struct session;

/* Unix seconds from env's wall clock, the system's when it has none. */
int64_t ops_wall(const struct market_call_env *env);
/* The environment of a run: tmpl's (NULL: none), the default retry policy (4 attempts,
 * 200 ms doubling to 5 s, quota days at UTC+8) when it names none, transport t and
 * connector conn. */
void ops_env(struct market_call_env *env, const struct market_call_env *tmpl,
    struct transport *t, const struct connector *conn);
/* ops_env's environment of a run of what (e.g. "outbox") on channel, with the channel's
 * connector: 0, or DB_EINVAL when the channel is unknown (err says so). */
int ops_run_env(struct market_call_env *env, const struct market_call_env *tmpl,
    struct transport *t, const char *what, const char *channel, struct market_error *err);
/* The row id of the shop of channel with code shop; DB_ENOTFOUND when it was never
 * seen, unless create, which adds it (named by its code). */
int ops_shop_id(struct session *s, const char *channel, const char *shop, int create,
    int64_t *id);
/* The window_end of the shop's sync cursor of kind (0: none yet, or no such shop). */
int ops_cursor_get(struct session *s, const char *channel, const char *shop,
    const char *kind, int64_t *window_end);
/* Write the shop's sync cursor of kind (inside the caller's transaction). */
int ops_cursor_put(struct session *s, int64_t shop_id, const char *kind,
    const char *cursor, int64_t window_end, int64_t now);
/* The wait before try number attempts (1: the first retry) of an owed call: base
 * seconds doubling each try, at most max. */
int64_t ops_backoff(int64_t base, int64_t max, int64_t attempts);
/* market_call of r with conn's envelope check (whatever env->conn says); r is freed,
 * resp is the caller's to free after its mapper has read it. */
enum market_class ops_call(const struct market_call_env *env,
    const struct connector *conn, struct request *r, struct transport_resp *resp,
    struct market_error *err);
/* ops_call of r as its builder left it; built is the builder's status: negative, it
 * failed (err->msg says why) and this is MC_FATAL with no call. */
enum market_class ops_send(const struct market_call_env *env,
    const struct connector *conn, int built, struct request *r,
    struct transport_resp *resp, struct market_error *err);
/* The platform answered, with success or a refusal (MC_FATAL with an HTTP status) that
 * the mapper reads, e.g. as "already done". */
int ops_answered(enum market_class cls, const struct transport_resp *resp);

#endif

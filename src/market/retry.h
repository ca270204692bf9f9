/*
 * retry.h — what to do after a marketplace call failed, as pure functions: exponential
 * backoff with full jitter that never undercuts Retry-After, and the decision per error
 * class (retry transient and rate errors a bounded number of times, refresh once on an
 * auth error, never retry signature or parameter errors, stop until the reset on a spent
 * quota). market_call ties the transport, the connector's check, the shop's token bucket
 * and this policy together; its clock, sleep and random source are injectable so tests
 * run instantly.
 */
#ifndef PB_RETRY_H
#define PB_RETRY_H

#include <stdint.h>

#include "bucket.h"
#include "channel.h"
#include "market.h"
#include "request.h"
#include "transport.h"

struct retry_policy {
	int max_attempts;           /* calls in all for transient and rate errors, >= 1 */
	int64_t base_ms;            /* first backoff bound */
	int64_t cap_ms;             /* largest backoff bound */
	int64_t quota_utc_offset;   /* the quota resets at 00:00 at this offset (s) */
};

/* A uniformly random 64-bit value. */
typedef uint64_t (*retry_rng_fn)(void *ctx);

/* libsodium's randombytes, for real use. */
uint64_t retry_rng_system(void *ctx);

/*
 * The wait before retry number attempt (0 for the first retry): uniform in
 * [0, min(cap_ms, base_ms * 2^attempt)], raised to retry_after_ms when that is larger
 * (-1: no Retry-After).
 */
int64_t retry_delay(const struct retry_policy *p, int attempt, int64_t retry_after_ms,
    retry_rng_fn rng, void *ctx);

/* The first 00:00 after now (Unix s) at UTC offset offset_s, as Unix s. */
int64_t retry_quota_reset(int64_t now, int64_t offset_s);

enum retry_action {
	RETRY_DONE,                 /* success: use the response */
	RETRY_AGAIN,                /* back off, then call again */
	RETRY_REFRESH,              /* refresh the token, then call again at once */
	RETRY_STOP,                 /* surface the error */
	RETRY_QUOTA,                /* stop until the quota resets */
};

/* Per call sequence; zero it before the first call. */
struct retry_state {
	int calls;                  /* calls made so far, counting the one just answered */
	int retries;                /* backoffs taken */
	int refreshed;              /* 1 once the token was refreshed */
};

/* What to do after the call just answered with cls (st->calls already counts it). */
enum retry_action retry_decide(const struct retry_policy *p, struct retry_state *st,
    enum market_class cls);

/*
 * Refresh the shop's token and rebuild r (request_free, then the connector's builder)
 * with it: 0, or -1 with err filled.
 */
typedef int (*retry_refresh_fn)(void *ctx, struct request *r, struct market_error *err);

/* What market_call uses besides the request; unset hooks take the real ones. */
struct market_call_env {
	struct transport *transport;
	const struct connector *conn;
	const struct retry_policy *policy;
	struct bucket *bucket;      /* the shop's; NULL: no rate limit */
	retry_refresh_fn refresh;   /* NULL: auth errors surface */
	void *refresh_ctx;
	retry_rng_fn rng;           /* NULL: retry_rng_system */
	void *rng_ctx;
	void (*sleep_ms)(void *ctx, int64_t ms);        /* NULL: nanosleep */
	void *sleep_ctx;
	int64_t (*mono_ms)(void *ctx);                  /* NULL: bucket_clock_ms */
	void *mono_ctx;
	int64_t (*wall_s)(void *ctx);                   /* NULL: time() */
	void *wall_ctx;
	/* Nonzero when the caller is shutting down: no further call or wait is made and
	 * market_call returns MC_RETRY ("stopped"). NULL: never. */
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
};

struct market_call_stats {
	int calls, refreshes, backoffs;
	int64_t slept_ms;           /* backoff and rate-limit waits together */
	int64_t resume_at;          /* MC_QUOTA: Unix s when calls may start again */
};

/*
 * Send r until it succeeds or the policy says stop. Returns the last class: MC_OK with
 * resp holding the response for the connector's parser, else err says why in one line
 * (resp holds the last response, if any). resp is the caller's to free; stats may be
 * NULL.
 */
enum market_class market_call(const struct market_call_env *env, struct request *r,
    struct transport_resp *resp, struct market_error *err, struct market_call_stats *stats);

#endif

/*
 * retry.c — the retry policy of the marketplace calls (reference "Sync habits"): pure
 * backoff and decision functions, and market_call, the loop that applies them around the
 * transport and the connector's envelope check.
 */
#include "retry.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

uint64_t
retry_rng_system(void *ctx)
{
	uint64_t v;

	(void)ctx;
	if (sodium_init() < 0)      /* idempotent; only fails without an entropy source */
		abort();
	randombytes_buf(&v, sizeof v);
	return v;
}

int64_t
retry_delay(const struct retry_policy *p, int attempt, int64_t retry_after_ms,
    retry_rng_fn rng, void *ctx)
{
	int64_t bound = p->base_ms > 0 ? p->base_ms : 0, delay;
	double u;
	int i;

	for (i = 0; i < attempt && bound > 0 && bound < p->cap_ms; i++)
		bound *= 2;
	if (bound > p->cap_ms)
		bound = p->cap_ms;
	if (bound < 0)
		bound = 0;
	/* 53 random bits give a uniform u in [0, 1); floor(u * (bound + 1)) is then uniform
	 * over 0..bound. */
	u = (double)(rng(ctx) >> 11) * (1.0 / 9007199254740992.0);
	delay = (int64_t)(u * (double)(bound + 1));
	if (delay > bound)
		delay = bound;
	if (retry_after_ms > delay)
		delay = retry_after_ms;
	return delay;
}

int64_t
retry_quota_reset(int64_t now, int64_t offset_s)
{
	int64_t local = now + offset_s, day = 86400;
	int64_t midnight = (local / day - (local % day < 0)) * day;

	return midnight + day - offset_s;
}

enum retry_action
retry_decide(const struct retry_policy *p, struct retry_state *st, enum market_class cls)
{
	switch (cls) {
	case MC_OK:
		return RETRY_DONE;
	case MC_RETRY:
	case MC_RATE:
		return st->calls < p->max_attempts ? RETRY_AGAIN : RETRY_STOP;
	case MC_AUTH:
		if (st->refreshed)
			return RETRY_STOP;
		st->refreshed = 1;
		return RETRY_REFRESH;
	case MC_QUOTA:
		return RETRY_QUOTA;
	case MC_FATAL:
	default:
		return RETRY_STOP;
	}
}

static void
sleep_real(void *ctx, int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	(void)ctx;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int64_t
mono_real(void *ctx)
{
	(void)ctx;
	return bucket_clock_ms();
}

static int64_t
wall_real(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

enum market_class
market_call(const struct market_call_env *env, struct request *r,
    struct transport_resp *resp, struct market_error *err, struct market_call_stats *stats)
{
	struct market_call_stats dummy;
	struct retry_state st = { 0, 0, 0 };
	retry_rng_fn rng = env->rng ? env->rng : retry_rng_system;
	void (*sleep_ms)(void *, int64_t) = env->sleep_ms ? env->sleep_ms : sleep_real;
	int64_t (*mono_ms)(void *) = env->mono_ms ? env->mono_ms : mono_real;
	int64_t (*wall_s)(void *) = env->wall_s ? env->wall_s : wall_real;
	enum market_class cls;
	int64_t wait, after_ms;

	assert(env->transport != NULL && env->conn != NULL && env->policy != NULL);
	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof *stats);
	memset(resp, 0, sizeof *resp);
	resp->retry_after = -1;
	for (;;) {
		if (env->bucket != NULL) {
			while ((wait = bucket_take(env->bucket, mono_ms(env->mono_ctx))) > 0) {
				if (env->cancelled != NULL && env->cancelled(env->cancel_ctx))
					break;
				sleep_ms(env->sleep_ctx, wait);
				stats->slept_ms += wait;
			}
		}
		if (env->cancelled != NULL && env->cancelled(env->cancel_ctx))
			return market_error_set(err, MC_RETRY, "", "stopped before the call");
		transport_resp_free(resp);
		cls = transport_send(env->transport, r, resp, err);
		if (cls == MC_OK)
			cls = env->conn->check(resp->http, resp->body, resp->len, err);
		stats->calls = ++st.calls;
		after_ms = resp->retry_after >= 0 ? resp->retry_after * 1000 : -1;

		switch (retry_decide(env->policy, &st, cls)) {
		case RETRY_DONE:
			return MC_OK;
		case RETRY_AGAIN:
			wait = retry_delay(env->policy, st.retries++, after_ms, rng, env->rng_ctx);
			stats->backoffs++;
			stats->slept_ms += wait;
			sleep_ms(env->sleep_ctx, wait);
			break;
		case RETRY_REFRESH:
			if (env->refresh == NULL)
				return cls;
			stats->refreshes++;
			if (env->refresh(env->refresh_ctx, r, err) != 0)
				return MC_AUTH;
			break;
		case RETRY_QUOTA:
			stats->resume_at = after_ms >= 0 ? wall_s(env->wall_ctx) + resp->retry_after :
			    retry_quota_reset(wall_s(env->wall_ctx), env->policy->quota_utc_offset);
			return cls;
		case RETRY_STOP:
		default:
			return cls;
		}
	}
}

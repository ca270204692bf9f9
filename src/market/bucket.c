/*
 * bucket.c — the per-shop token bucket. Tokens are counted in millionths so the refill
 * per millisecond is an integer and rates and bursts come out exact.
 */
#include "bucket.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/xalloc.h"

#define UNIT 1000000            /* one token */

struct bucket {
	pthread_mutex_t lock;
	int64_t per_ms;             /* refill, units a millisecond */
	int64_t cap;                /* burst, in units */
	int64_t level;              /* units held */
	int64_t last_ms;            /* when level was last brought up to date */
};

struct bucket *
bucket_new(double rate, int burst, int64_t now_ms)
{
	struct bucket *b;

	assert(rate > 0 && burst >= 1);
	b = xcalloc(1, sizeof *b);
	pthread_mutex_init(&b->lock, NULL);
	b->per_ms = llround(rate * (UNIT / 1000));
	if (b->per_ms < 1)
		b->per_ms = 1;
	b->cap = (int64_t)burst * UNIT;
	b->level = b->cap;
	b->last_ms = now_ms;
	return b;
}

void
bucket_free(struct bucket *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

int64_t
bucket_take(struct bucket *b, int64_t now_ms)
{
	int64_t wait = 0, elapsed;

	pthread_mutex_lock(&b->lock);
	/* A clock read before another thread's later one must not refill twice. */
	if (now_ms > b->last_ms) {
		elapsed = now_ms - b->last_ms;
		if (elapsed >= (b->cap - b->level) / b->per_ms + 1)
			b->level = b->cap;
		else
			b->level += elapsed * b->per_ms;
		b->last_ms = now_ms;
	}
	if (b->level >= UNIT)
		b->level -= UNIT;
	else
		wait = (UNIT - b->level + b->per_ms - 1) / b->per_ms;
	pthread_mutex_unlock(&b->lock);
	return wait;
}

int64_t
bucket_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

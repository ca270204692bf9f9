/*
 * bucket.h — a token bucket per shop (and endpoint family) that keeps calls under the
 * configured rate: rate tokens a second, at most burst saved up. Thread-safe; the clock
 * is the caller's (monotonic ms), so tests drive it by hand.
 */
#ifndef PB_BUCKET_H
#define PB_BUCKET_H

#include <stdint.h>

struct bucket;

/* A full bucket at now_ms; rate > 0 (resolution 0.001/s), burst >= 1. Caller frees with
 * bucket_free. */
struct bucket *bucket_new(double rate, int burst, int64_t now_ms);
void bucket_free(struct bucket *b);

/* Take one token at now_ms: 0 when taken, else the ms until one is due (none taken). */
int64_t bucket_take(struct bucket *b, int64_t now_ms);

/* CLOCK_MONOTONIC in ms. */
int64_t bucket_clock_ms(void);

#endif

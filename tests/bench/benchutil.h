/*
 * benchutil.h — what the benchmarks share: reading a clock in seconds and a fast
 * pseudo-random sequence (xorshift64) that is the same on every run.
 */
#ifndef PB_BENCHUTIL_H
#define PB_BENCHUTIL_H

#include <stdint.h>
#include <time.h>

/* Clock which in seconds: CLOCK_MONOTONIC for wall time, CLOCK_PROCESS_CPUTIME_ID for
 * this process's CPU time (steadier than wall time on a shared machine). */
static inline double
bench_s(clockid_t which)
{
	struct timespec ts;

	clock_gettime(which, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next value of the xorshift64 sequence in *x (which must not be 0). */
static inline uint64_t
bench_xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#endif

/*
 * demo.h — a realistic Vietnamese seller for the demo and for tests: fashion and dated
 * FMCG SKUs, two warehouses (Ho Chi Minh City, Ha Noi), three channels with several
 * shops, buyers with diacritics across the 34 provinces, about 60% COD, ship-by
 * deadlines from overdue to two days out, stock received in lots, a few users.
 * The same seed always makes the same data.
 */
#ifndef PB_DEMO_H
#define PB_DEMO_H

#include <stdint.h>

#include "session.h"

struct demo_opts {
	int orders;
	int skus;
	uint64_t seed;
};

int demo_generate(struct session *s, const struct demo_opts *o);

#endif

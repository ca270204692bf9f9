/*
 * demo_market.h — the demo's own marketplace: the simulator started as one Shopee shop
 * selling the demo's SKUs, new orders arriving every few seconds (demo_market.c).
 */
#ifndef PB_DEMO_MARKET_H
#define PB_DEMO_MARKET_H

#include "config.h"
#include "core/session.h"

struct demo_market;

/*
 * Start the simulator selling s's SKUs and add its shop to cfg (the station's sync
 * thread then pulls from it). 0 with *out set, or -1 with one line in err and nothing
 * left running.
 */
int demo_market_start(struct session *s, struct config *cfg, struct demo_market **out,
    char *err, size_t errlen);
/* Stop the simulator and remove its files; NULL is fine. */
void demo_market_stop(struct demo_market *m);

#endif

/*
 * risk.h — what makes an order risky to ship, as the packing station shows it: a high
 * cash-on-delivery amount, and a buyer who refused COD parcels before. The supervisor
 * screens and the rules engine decide holds; this only says what is true of the order.
 */
#ifndef PB_RISK_H
#define PB_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* COD at or above this (VND) is flagged. */
#define RISK_HIGH_COD_VND 2000000

/*
 * The order's risk flags as one short line ("HIGH COD · REFUSED COD x2"), "" when none.
 * 0, or a negative status with s->err filled.
 */
int risk_flags(struct session *s, int64_t order_id, char *buf, size_t len);

#endif

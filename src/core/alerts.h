/*
 * alerts.h — what every station of a warehouse shows in its status line, whatever the
 * operator's role: open orders in the last hour before their deadline, SKUs whose
 * available-to-sell fell below their low-stock threshold, and shops whose last sync
 * failed (schema 6's sync_state: an error newer than the last success).
 */
#ifndef PB_ALERTS_H
#define PB_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define ALERTS_DUE_SECS 3600

struct alerts {
	int64_t due;                /* open, 0 <= ship_by - now < ALERTS_DUE_SECS */
	int64_t low;                /* SKUs below their threshold in the warehouse */
	int64_t sync_bad;           /* shops whose last sync failed */
	char sync_error[128];       /* the newest such error, "SHOP: text" */
};

/* The alerts of warehouse wh (0: every warehouse) at now. 0, or negative with s->err. */
int alerts_read(struct session *s, int64_t wh, int64_t now, struct alerts *out);
/* As the status line shows them: "⚠ 2 due <1h · 1 low stock · sync: S1 token expired";
 * "" when there is nothing. */
void alerts_line(const struct alerts *a, char *buf, size_t len);

#endif

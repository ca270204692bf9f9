/*
 * exceptions.h — what went wrong on the floor since a given time: error locks, weight
 * mismatches and wrong-item scans at the stations (their audited "lock" records), orders
 * put on hold (their transitions), and parcels in transit longer than their carrier
 * promised (sla.h carriers; EXC_PROMISE_H for a carrier the config does not name).
 * Supervisor role and above.
 */
#ifndef PB_EXCEPTIONS_H
#define PB_EXCEPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define EXC_PROMISE_H 72        /* hours in transit promised by an unknown carrier */
#define EXC_LOOKBACK_DAYS 30    /* late parcels: those due to ship this recently (or
                                 * with no deadline) */

enum exc_kind {
	EXC_LOCK,                   /* any other error lock (unknown code, order busy...) */
	EXC_WEIGHT,                 /* weight outside tolerance */
	EXC_WRONG_ITEM,             /* not in the order, one too many, wrong lot */
	EXC_HELD,
	EXC_TRANSIT,                /* shipped longer ago than the carrier promised */
	EXC__KINDS
};

struct exc_row {
	enum exc_kind kind;
	int64_t at;                 /* when it happened; for EXC_TRANSIT, when it shipped */
	int64_t audit_id;           /* the record it comes from; 0 for EXC_TRANSIT */
	int64_t order_id;           /* 0: none (a lock before any order was open) */
	char order_no[64];
	char station[32], user[64];
	char what[200];             /* the lock's message, the hold reason, carrier and age */
};

/* "error lock", "weight", "wrong item", "held", "late transit". */
const char *exc_kind_name(enum exc_kind k);

/*
 * Everything since from (locks and holds) and every parcel late at now, newest first.
 * *rows owned by the caller (free()).
 */
int exceptions_list(struct session *s, int64_t from, int64_t now, struct exc_row **rows,
    size_t *n);

#endif

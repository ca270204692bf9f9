/*
 * outbox.h — draining a shop's owed marketplace calls: the outbox rows written in the
 * transaction of their cause (ready_to_ship by the pack flow with PACKED, cancel by a
 * person's cancel in order_transition). Each due row is claimed with a lease, its call
 * made through the channel's ops row (ops.h), and the row marked done (audited; a ship
 * stores the tracking number) or given its error and a later retry. A row is never
 * shipped twice: see outbox.c. A row whose channel has no such call yet stays owed with
 * last_error saying so.
 */
#ifndef PB_OUTBOX_H
#define PB_OUTBOX_H

#include <stdint.h>

#include "core/session.h"
#include "market.h"
#include "ops.h"
#include "retry.h"
#include "transport.h"

/* next_at of a row that failed for good (a FATAL error): never due again. */
#define OUTBOX_NEVER INT64_MAX

/* Row kinds and what they carry (payload JSON). */
#define OUTBOX_SHIP "ready_to_ship"     /* {order_no, packages, weight_g}: ops->ship */
#define OUTBOX_CANCEL "cancel"          /* {order_no, reason}: ops->cancel */

struct outbox_opts {
	const char *channel;        /* "shopee", "lazada", "tiktok" */
	const char *shop;           /* the channel's shop id, as text (shop.shop_code) */
	int64_t lease_s;            /* a claimed row is due again after this; 0: 120 s */
	int64_t backoff_base_s;     /* first retry after a failure; 0: 10 s */
	int64_t backoff_max_s;      /* longest wait between retries; also how long a row
	                             * without a call waits before it is looked at again;
	                             * 0: 300 s */
	int limit;                  /* most rows per drain; 0: every due row */
	/* Retry policy and hooks for market_call, wall_s also the rows' clock (transport
	 * and conn are set by the drain); NULL: 4 attempts, 200 ms .. 5 s, real clock. */
	const struct market_call_env *env;
	const struct market_ops *ops;   /* NULL: ops_find(channel) (tests pass their own) */
};

struct outbox_counts {
	int64_t sent;               /* rows done by this drain */
	int64_t failed;             /* rows this drain left with an error (unsupported too) */
	int64_t pending;            /* the shop's rows not done after it (dead ones too) */
	int64_t dead;               /* of those, failed for good (FATAL) */
};

/* 1 when the channel has an ops row (its ship and cancel calls). */
int outbox_supported(const char *channel);

/*
 * Drain the shop's due rows, every kind, oldest first. 0 when every row tried was done;
 * 1 when some failed or wait for a call their channel lacks (they carry last_error; err
 * holds the first); negative on a database error or an unknown channel (err filled).
 * counts may be NULL.
 */
int outbox_drain(struct session *s, const struct market_creds *creds, struct transport *t,
    const struct outbox_opts *o, struct outbox_counts *counts, struct market_error *err);

#endif

/*
 * refetch.h — the re-fetch queue: orders a marketplace push named (a push is a hint,
 * never the truth), Shopee's missed pushes, or a person asked for. refetch_queue_add
 * puts an order in it (once per shop and order, however often it is pushed);
 * refetch_once, called by the sync worker each pass, takes a shop's queued orders,
 * fetches their details in the channel's batch (and, where the detail call carries no
 * order header, as Lazada's items, the header from the list of orders updated around
 * the time they were queued), upserts them and deletes their queue rows in the same
 * transaction, so a crash neither loses a queued order nor stores half a batch.
 */
#ifndef PB_REFETCH_H
#define PB_REFETCH_H

#include <stdint.h>

#include "channel.h"
#include "core/session.h"
#include "market.h"
#include "retry.h"
#include "transport.h"

enum refetch_source {
	REFETCH_WEBHOOK,
	REFETCH_LOST_PUSH,
	REFETCH_MANUAL,
};

const char *refetch_source_name(enum refetch_source src);

/* The shop's row id (shop.id) for the channel's shop code, created on first sight when
 * create; DB_ENOTFOUND when not create and never seen. */
int refetch_shop(struct session *s, const char *channel, const char *shop, int create,
    int64_t *id);

/*
 * Queue order_no of the channel's shop (shop.shop_code; the shop row is created on first
 * sight), in the caller's transaction if one is open. *added (may be NULL) is 1 when the
 * order was not queued yet, 0 when it was (its hints are bumped). 0, or negative with
 * s->err filled.
 */
int refetch_queue_add(struct session *s, const char *channel, const char *shop,
    const char *order_no, enum refetch_source src, int64_t now, int *added);

/* Orders queued for the shop (0 when the shop is unknown); negative on error. */
int refetch_queue_depth(struct session *s, const char *channel, const char *shop,
    int64_t *n);

struct refetch_opts {
	const char *channel;        /* "shopee": the orders' channel and the queue's shop */
	const char *shop;           /* the channel's shop id, as text (shop.shop_code) */
	int max_batches;            /* detail calls at most this pass; 0: until empty */
	/* Retry policy and hooks for market_call (transport and conn are set here), wall_s
	 * also the rows' clock; NULL: 4 attempts, 200 ms .. 5 s, real clock. */
	const struct market_call_env *env;
};

struct refetch_counts {
	int64_t fetched;            /* orders the detail responses held */
	int64_t created, updated;
	int64_t skipped;            /* refused by the order engine; first reason in err */
	int64_t missing;            /* queued but not in the answer (or no header in it):
	                             * dropped, the pull is the backstop */
	int64_t batches;
	int64_t left;               /* still queued after the pass */
};

/*
 * Re-fetch the shop's queued orders, oldest first, in batches of conn->detail_batch.
 * 0 when the queue was worked through (with skipped orders err->msg names the first);
 * negative with err filled in one line (the marketplace's class after market_call gave
 * up, or a database error): the batches done before stay committed, the failed one stays
 * queued. counts may be NULL.
 */
int refetch_once(struct session *s, const struct connector *conn, struct market_creds *creds,
    struct transport *t, const struct refetch_opts *o, struct refetch_counts *counts,
    struct market_error *err);

#endif

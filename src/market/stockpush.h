/*
 * stockpush.h — the stock each shop is owed: available-to-sell of every listed SKU,
 * pushed to the channel whenever it changed.
 *
 * A listing (table shop_listing) is where one of our SKUs is sold in one shop: the
 * channel's item and model ids, learned from the orders the sync maps. Every stock
 * movement of the SKU bumps the listing's version in its own transaction (core/stock.c),
 * so nothing owed is lost across a crash. stockpush_drain pushes the owed listings:
 *
 *   available-to-sell = on hand - reserved - buffer, never below 0, over the warehouses
 *   serving the shop (all when none is configured), counting only lots reservation
 *   would take (not expired, not within the SKU's min_shelf_days); buffer = the SKU's
 *   stock_buffer, else the [sync] stock_buffer default, never less than sku.buffer.
 *
 * Listings are grouped into the channel's stock calls (ops.h: at most stock_batch SKUs a
 * call; Shopee and TikTok one item/product a call), each call made with no database
 * lock held, and a listing is marked pushed only at the version its quantity was
 * computed from: a change during the call leaves it owed and the next drain pushes the
 * newer value. Setting an absolute quantity is idempotent, so a repeat after a crash is
 * harmless. A channel without a stock call leaves its listings owed with last_error.
 */
#ifndef PB_STOCKPUSH_H
#define PB_STOCKPUSH_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"
#include "market.h"
#include "ops.h"
#include "retry.h"
#include "transport.h"

/*
 * Record where the SKUs of one mapped order are listed in the shop (channel, shop as in
 * sync_opts): new listings, or listings whose ids changed, become owed a push; the
 * same ids again change nothing. SKUs we do not know are skipped. One transaction (a
 * savepoint inside the caller's). *changed (may be NULL) gets how many listings were
 * added or changed.
 */
int stockpush_listing_upsert(struct session *s, const char *channel, const char *shop,
    const struct market_listing *l, size_t n, int64_t *changed);

/* The same for every order of a mapped page (mo->listings of each). */
int stockpush_listings_from(struct session *s, const char *channel, const char *shop,
    const struct market_orders *orders, int64_t *changed);

/*
 * Set the units of sku held back from the marketplaces; buffer < 0 clears it (the
 * [sync] stock_buffer default applies). Audited; the SKU's listings become owed. Admin.
 */
int stockpush_set_buffer(struct session *s, const char *sku, int64_t buffer);

/*
 * Make every listing of the shop owed a push (channel NULL: of every shop): after the
 * default buffer or a shop's warehouse changed, or once a day, when lots crossing
 * their sell-by date changed what may be sold without a stock movement.
 */
int stockpush_touch(struct session *s, const char *channel, const char *shop);

struct stockpush_opts {
	const char *channel;        /* "shopee", "lazada", "tiktok" */
	const char *shop;           /* the channel's shop id, as text (shop.shop_code) */
	const char *warehouse;      /* code of the warehouse serving the shop ([shop]
	                             * warehouse); NULL or "": the shop row's, else all */
	int64_t buffer;             /* default units held back ([sync] stock_buffer) */
	const char *location;       /* the channel's location / warehouse id for listings
	                             * without their own (TikTok warehouse_id); NULL none */
	int64_t lease_s;            /* a claimed listing is due again after this; 0: 120 s */
	int64_t backoff_base_s;     /* first retry after a failure; 0: 10 s */
	int64_t backoff_max_s;      /* longest wait between retries; 0: 300 s */
	int limit;                  /* most listings per drain; 0: every owed one */
	/* As outbox_opts: market_call's policy and hooks, wall_s also the listings' clock;
	 * NULL: 4 attempts, 200 ms .. 5 s, real clock. */
	const struct market_call_env *env;
	const struct market_ops *ops;   /* NULL: ops_find(channel) (tests pass their own) */
};

struct stockpush_counts {
	int64_t pushed;             /* listings marked pushed by this drain */
	int64_t calls;              /* stock calls made */
	int64_t failed;             /* listings this drain left with an error */
	int64_t pending;            /* the shop's listings still owed after it */
};

/*
 * Push the shop's owed listings. 0 when every call succeeded; 1 when some failed or the
 * channel has no stock call (the listings keep last_error; err holds the first);
 * negative on a database error or bad options (err filled). counts may be NULL.
 */
int stockpush_drain(struct session *s, const struct market_creds *creds,
    struct transport *t, const struct stockpush_opts *o, struct stockpush_counts *counts,
    struct market_error *err);

#endif

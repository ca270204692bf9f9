/*
 * sync.h — one pull of a shop's orders from its marketplace into the order engine:
 * update-time windows from the shop's cursor (with overlap, split to the channel's
 * longest window), every page of the list, the details in the channel's batch, each
 * order upserted, and the cursor moved to the window's end in the same transaction as
 * the window's last page, so a crash never skips an order.
 */
#ifndef PB_SYNC_H
#define PB_SYNC_H

#include <stdint.h>

#include "channel.h"
#include "core/session.h"
#include "market.h"
#include "retry.h"
#include "transport.h"

struct sync_opts {
	const char *channel;        /* "shopee"; the orders' channel and the cursor's shop */
	const char *shop;           /* the channel's shop id, as text */
	int64_t from;               /* start when the shop has no cursor yet (Unix s) */
	int64_t to;                 /* end of the pull; 0: now */
	int64_t overlap;            /* re-read this many seconds before the cursor */
	int page_size;              /* 0: the channel's maximum */
	/* Retry policy and hooks for market_call (transport and conn are set by the pull);
	 * NULL: 4 attempts, 200 ms .. 5 s backoff, real sleep and clock. */
	const struct market_call_env *env;
	/* Called after each committed page for every order it created or updated (NULL:
	 * nobody listens): the station hears of a buyer's cancel at once. */
	void (*changed)(void *ctx, int64_t order_id, const char *order_no, int created);
	void *changed_ctx;
	/* Asked before each page: 0 stops the pull (the caller lost its lease or was told
	 * to stop) after what was committed; NULL: always go on. */
	int (*keep_going)(void *ctx);
	void *keep_ctx;
	/* 1: record where the orders' SKUs are listed (stockpush_listings_from) in each
	 * page's transaction, so the stock push knows the channel's ids. */
	int listings;
};

struct sync_counts {
	int64_t pulled;             /* orders seen in detail responses */
	int64_t created, updated;
	int64_t skipped;            /* refused by the order engine (unknown SKU, illegal
	                             * transition); the first reason is in the error */
	int64_t pages, windows;
	int64_t window_end;         /* the cursor reached */
	int stopped;                /* 1: keep_going said stop; the pull returned 0 early */
};

/*
 * Pull the shop's orders updated since its cursor. 0 when every window was pulled (with
 * skipped orders, err->msg names the first), else negative with err filled in one line
 * (a database error, or the marketplace's error class after market_call gave up); the
 * windows pulled before the failure stay committed. counts may be NULL.
 */
int sync_pull_once(struct session *s, const struct connector *conn,
    struct market_creds *creds, struct transport *t, const struct sync_opts *o,
    struct sync_counts *counts, struct market_error *err);

/* The shop's order cursor (window end reached), 0 when it has none; negative on error. */
int sync_cursor_get(struct session *s, const char *channel, const char *shop,
    int64_t *window_end);

#endif

/*
 * returnsync.h — a shop's returns pulled from its marketplace's return API (issue 8:
 * "marketplace return statuses are pulled where the channel offers them"): update-time
 * windows from the shop's returns cursor (sync_cursor kind "returns", with overlap,
 * split to the channel's longest window), every page through the channel's ops row
 * (ops.h returns), each return recorded in core (returns_market_upsert: opened when
 * new, its marketplace status kept, the order RETURNING once the buyer shipped it back),
 * and the cursor moved in the transaction of the window's last page. A page the
 * channel answers badly is not committed and the cursor stays, so nothing is lost.
 */
#ifndef PB_RETURNSYNC_H
#define PB_RETURNSYNC_H

#include <stdint.h>

#include "core/session.h"
#include "market.h"
#include "ops.h"
#include "retry.h"
#include "transport.h"

struct returnsync_opts {
	const char *channel;        /* "shopee", "lazada", "tiktok" */
	const char *shop;           /* the channel's shop id, as text (shop.shop_code) */
	int64_t from;               /* start when the shop has no returns cursor (Unix s) */
	int64_t to;                 /* end of the pull; 0: now */
	int64_t overlap;            /* re-read this many seconds before the cursor */
	int page_size;              /* 0: the channel's maximum */
	/* As sync_opts: market_call's policy and hooks; NULL: the defaults. */
	const struct market_call_env *env;
	const struct market_ops *ops;   /* NULL: ops_find(channel) */
	/* Asked before each page: 0 stops after what was committed; NULL: go on. */
	int (*keep_going)(void *ctx);
	void *keep_ctx;
};

struct returnsync_counts {
	int64_t seen;               /* returns the channel listed */
	int64_t changed;            /* of those, new or with news (recorded, audited) */
	int64_t refund_only;        /* refunds with no parcel coming back: not recorded */
	int64_t skipped;            /* refused by core (unknown order, not shipped); the
	                             * first reason is in the error */
	int64_t pages, windows;
	int64_t window_end;         /* the cursor reached */
	int stopped;                /* 1: keep_going said stop */
};

/*
 * Pull the shop's returns updated since its returns cursor. 0 when every window was
 * pulled (with skipped returns, err->msg names the first); 1 when the channel has no
 * returns call (err says so, nothing done); negative with err filled on a database
 * error or the marketplace's error (after market_call gave up), the windows before it
 * committed. counts may be NULL.
 */
int returnsync_pull(struct session *s, const struct market_creds *creds,
    struct transport *t, const struct returnsync_opts *o, struct returnsync_counts *counts,
    struct market_error *err);

/* The shop's returns cursor (window end reached), 0 when none; negative on error. */
int returnsync_cursor_get(struct session *s, const char *channel, const char *shop,
    int64_t *window_end);

#endif

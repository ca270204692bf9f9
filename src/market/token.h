/*
 * token.h — a shop's tokens at run time. The configuration's pair seeds shop_token the
 * first time (and again when the configuration's pair changes: the seller authorised
 * anew); from then on the database holds the current pair, never the file.
 *
 * Refreshing is serialised per shop across threads and processes by the row's lock
 * (refreshing_until): take the lock, call the channel's refresh, COMMIT the new pair,
 * and only then use it. Shopee's refresh token is single-use, so two refreshes at once
 * (or a new pair used before it is stored) would lose the shop's authorisation. A
 * process that finds the lock taken waits for the holder's pair instead of calling.
 */
#ifndef PB_TOKEN_H
#define PB_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "market.h"
#include "request.h"
#include "retry.h"
#include "transport.h"

struct db;

struct token_shop {
	struct db *db;
	int64_t shop_id;                /* shop.id */
	const char *channel;            /* "shopee", "lazada", "tiktok" */
	const struct connector *conn;
	struct transport *transport;
	const struct market_call_env *env;  /* policy and hooks for the refresh call; NULL:
	                                     * defaults (its refresh hook is never used) */
	const char *holder;             /* names this process in the lock (lease.h) */
	int64_t lock_s;                 /* how long the refresh lock holds; 0: 30 s */
	int64_t wait_ms;                /* longest wait for another's refresh; 0: lock_s */

	/* The shop's credentials with the current tokens: pass &creds to the builders. The
	 * token strings are owned here and change on refresh. */
	struct market_creds creds;
	char *access_token, *refresh_token;
	int64_t access_expires, refresh_expires;    /* 0: not known */
	int refreshed;                  /* refreshes this struct made */
};

/*
 * Load shop_id's tokens into ts (whose db, shop_id, channel, conn, transport, holder
 * and creds' non-token members the caller has set), seeding the row from cfg_access /
 * cfg_refresh when the shop has none or when the configured pair changed since it was
 * seeded. now: Unix s. 0, or negative with one line in err.
 */
int token_open(struct token_shop *ts, const char *cfg_access, const char *cfg_refresh,
    int64_t now, struct market_error *err);

/* Wipe and free the token strings. */
void token_close(struct token_shop *ts);

/* Read the stored pair again (another process may have refreshed). 0 or negative. */
int token_reload(struct token_shop *ts);

/*
 * Refresh the shop's pair, unless it changed in the database since ts loaded it (then
 * just take the new one). One refresh at a time per shop; see the top of this file.
 * now_s is the wall clock (Unix s). 0, or -1 with err filled (the refresh call's
 * error: a refused refresh token says the seller must authorise the shop again).
 */
int token_refresh(struct token_shop *ts, int64_t now, struct market_error *err);

/* Refresh ahead of time when the access token expires within margin_s: 0 or -1. */
int token_ensure(struct token_shop *ts, int64_t now, int64_t margin_s,
    struct market_error *err);

/*
 * market_call's refresh hook (retry.h), ctx a struct token_shop: refresh, then give r
 * the new access token, a new timestamp and the channel's new signature.
 */
int token_retry_hook(void *ctx, struct request *r, struct market_error *err);

/*
 * Give an already built request c's access token, the timestamp now and the channel's
 * signature again. 0, or -1 when the channel is unknown.
 */
int token_resign(const char *channel, const struct market_creds *c, int64_t now,
    struct request *r);

#endif

/*
 * webhooks.h — the push (webhook) receiver behind `packbench webhooks --listen`: an HTTP
 * server (libmicrohttpd) with one path per configured shop,
 *
 *     POST /push/shopee/NAME    POST /push/lazada/NAME    POST /push/tiktok/NAME
 *
 * (NAME as in [shop "NAME"]). Each push's Authorization header is checked against the
 * channel's push signature (ops.h push_sign) with a constant-time compare; a good push
 * queues the order it names for a re-fetch (refetch.h) in one short transaction and is
 * answered 200 with an empty body at once: a push is a hint, the worker fetches the
 * order. A bad signature gets 401 and is counted (webhook_stat), a body over the limit
 * 413, an unknown path 404, a method other than POST 405, a body that is no push of
 * the channel (or names an order number none can have) 400, a database that cannot take
 * the row 503 (the platform retries).
 * With opts.refetch, a thread of its own works the queue at once (refetch.h).
 */
#ifndef PB_WEBHOOKS_H
#define PB_WEBHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"
#include "market/market.h"
#include "market/retry.h"

#define WEBHOOKS_MAX_BODY (64 * 1024)

struct db;

/* One configured shop; strings borrowed for the receiver's life. */
struct webhooks_shop {
	const char *name;           /* [shop "NAME"]: the last part of its path */
	const char *channel;        /* "shopee", "lazada", "tiktok" */
	const char *code;           /* shop.shop_code: Shopee's shop_id as text, else NAME */
	const char *api_base, *auth_base;   /* for Shopee's missed-push recovery */
	struct market_creds creds;
};

struct webhooks_opts {
	const char *listen;         /* "ADDR:PORT", "[ADDR]:PORT"; PORT 0 picks a free one */
	/* The public base URL the platforms were given ("https://hooks.example.com"):
	 * Shopee signs the callback URL. NULL: http://ADDR:PORT as bound. */
	const char *url_base;
	size_t max_body;            /* 0: WEBHOOKS_MAX_BODY */
	/* 1: re-fetch queued orders here too, on a thread of its own (its own database
	 * connection and transports), as soon as a push queued one and every
	 * refetch_every_s besides, so a buyer's cancel reaches the stations in about a
	 * second without waiting for the sync worker's next pass. Tokens are read from
	 * shop_token (the worker refreshes them), else the configured ones. */
	int refetch;
	int64_t refetch_every_s;    /* 0: 5 */
	const struct market_call_env *env;  /* policy and hooks of those calls; NULL: real */
	/* One line per push handled and per failure; NULL: silent. Called on the server
	 * thread. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct webhooks;

/*
 * Listen for the n shops' pushes; the server thread uses db alone from now until
 * webhooks_stop (the caller must not touch it meanwhile). 0 with *out, or -1 with one
 * line in err (bad address, port taken, unknown channel).
 */
int webhooks_start(struct db *db, const struct webhooks_shop *shops, size_t n,
    const struct webhooks_opts *o, struct webhooks **out, char *err, size_t errlen);
/* 0 when listen is a valid ADDR:PORT, else -1 with one line in err. */
int webhooks_check_listen(const char *listen, char *err, size_t errlen);
/* The port bound (useful after PORT 0). */
unsigned short webhooks_port(const struct webhooks *w);
/* The base URL pushes are signed against ("http://127.0.0.1:8080"). */
const char *webhooks_url_base(const struct webhooks *w);
/* Stop listening (requests in flight finish first) and free. NULL is fine. */
void webhooks_stop(struct webhooks *w);

/*
 * Shopee's missed-push recovery for one shop (ops.h lost_push): the orders of the pushes
 * the platform could not deliver are queued (source lost_push). Channels without it
 * queue nothing. env: policy and hooks for the calls (NULL: defaults). 0 with *queued,
 * or -1 with err filled.
 */
int webhooks_recover(struct session *s, const struct webhooks_shop *shop,
    const struct market_call_env *env, int64_t *queued, struct market_error *err);

#endif

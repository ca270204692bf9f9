/*
 * channel.h — the marketplace registry: one row per channel with its name, how its own
 * order statuses map onto packbench's, and its connector (the pure request builders and
 * response mappers of shopee.c, lazada.c, tiktok.c). Adding a marketplace is adding a
 * file and a row, as tmux adds a command.
 */
#ifndef PB_CHANNEL_H
#define PB_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/order.h"
#include "market.h"
#include "request.h"

struct channel_status {
	const char *theirs;
	enum order_status ours;
};

/*
 * A channel's connector. Builders are pure (now is the clock, in Unix s): 0, or -1 with
 * one line in err when the arguments cannot make a valid request (r is then empty).
 * Mappers take the HTTP status and raw body and return the response's class (MC_OK when
 * the outputs were filled; err always says why not); outputs are the caller's to free
 * with market_*_free, whatever the result.
 */
struct connector {
	int64_t max_window;         /* longest update-time window a list call takes, s; 0 none */
	int page_max;               /* largest page size */
	int detail_batch;           /* most order ids per detail call */
	int list_has_lines;         /* 1: list pages carry whole orders, no detail call needed */

	int (*list_request)(const struct market_creds *c, const struct market_listq *q,
	    int64_t now, struct request *r, char *err, size_t errlen);
	int (*detail_request)(const struct market_creds *c, const char *const *ids, size_t n,
	    int64_t now, struct request *r, char *err, size_t errlen);
	int (*refresh_request)(const struct market_creds *c, int64_t now, struct request *r,
	    char *err, size_t errlen);

	/* Only the envelope: is this an error, and of which class. */
	enum market_class (*check)(long http, const char *body, size_t len,
	    struct market_error *err);
	/* A list page answering q; orders (may be NULL) gets what the page says of each
	 * order. */
	enum market_class (*parse_list)(long http, const char *body, size_t len,
	    const struct market_listq *q, struct market_page *page, struct market_orders *orders,
	    struct market_error *err);
	/* A detail response, merged into orders (found by order number, else added). */
	enum market_class (*parse_detail)(long http, const char *body, size_t len,
	    struct market_orders *orders, struct market_error *err);
	enum market_class (*parse_token)(long http, const char *body, size_t len, int64_t now,
	    struct market_token *tok, struct market_error *err);
};

struct channel {
	const char *name;           /* as in the config: shopee, lazada, tiktok */
	const char *title;
	const struct channel_status *statuses;
	const struct connector *conn;
};

extern const struct channel channel_table[];

/* NULL when unknown. */
const struct channel *channel_find(const char *name);
/* Map a channel's status text to ours; -1 when the channel does not have it. */
int channel_status_map(const struct channel *c, const char *theirs, enum order_status *out);
/* The same over a bare status table (NULL-terminated). */
int channel_status_lookup(const struct channel_status *table, const char *theirs,
    enum order_status *out);
/* Give mo the channel's status text theirs (copied into o) and ours through table. */
void channel_order_status(const struct channel_status *table, struct market_orders *o,
    struct market_order *mo, const char *theirs);

#endif

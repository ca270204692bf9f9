/*
 * ops.h — a channel's owed calls and push helpers, as one table row per channel: the
 * effectful compositions (one or several market_call's through the channel's pure
 * builders and mappers) that the outbox drain, the stock push, the settlement fetch and
 * the webhook receiver use without knowing the channel. ops_shopee.c, ops_lazada.c and
 * ops_tiktok.c each define one row; ops_find looks it up. A NULL member means the
 * channel does not offer that call.
 */
#ifndef PB_OPS_H
#define PB_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "market.h"
#include "retry.h"

/* One SKU's available-to-sell for a stock push, with the channel's listing ids. */
struct market_stock {
	const char *sku;            /* the seller SKU (ours) */
	const char *item_id;        /* Shopee item_id, Lazada ItemId, TikTok product_id */
	const char *model_id;       /* Shopee model_id, Lazada SkuId, TikTok sku id; may be "" */
	const char *location;       /* TikTok warehouse_id, Shopee location_id; may be NULL */
	int64_t qty;                /* available-to-sell after the buffer, >= 0 */
};

/* One fee or amount line of an order's settlement (minor units, signed as the channel
 * reports: fees negative where the channel says so, normalised by the mapper to
 * "positive = paid to the seller"). */
struct market_fee {
	char type[40];              /* "commission_fee", "service_fee", "escrow_amount", ... */
	int64_t amount;
};

struct market_settlement {
	char order_no[64];
	char currency[8];
	int final;                  /* 1: the channel says the settlement is final */
	struct market_fee *fees;    /* malloc'd; market_settlement_free */
	size_t n, cap;
};

void market_settlement_free(struct market_settlement *s);
/* Append a fee line (type truncated to fit). */
void market_settlement_add(struct market_settlement *s, const char *type, int64_t amount);

struct market_ops {
	const char *channel;        /* "shopee", "lazada", "tiktok" */

	/*
	 * Ship (ready-to-ship / pack / hand over) one order: MC_OK with tn filled (maybe ""
	 * when the channel gives it later) when the order is shipped, by this call or by an
	 * earlier one. recheck is 1 when the outbox row was claimed before (a crash or a lost
	 * answer may have shipped it): ask the platform first and do not ship twice.
	 * payload is the outbox row's JSON (order_no and what the channel needs).
	 */
	enum market_class (*ship)(const struct market_call_env *env,
	    const struct market_creds *c, const char *order_no, const char *payload,
	    int recheck, char *tn, size_t tnlen, struct market_error *err);

	/* Most SKUs one stock call takes (Shopee: the models of one item, Lazada 50). */
	int stock_batch;
	/* Set the available stock of n SKUs (n <= stock_batch, Shopee: one item_id).
	 * Setting an absolute quantity is idempotent, so a retry is safe. */
	enum market_class (*stock)(const struct market_call_env *env,
	    const struct market_creds *c, const struct market_stock *items, size_t n,
	    struct market_error *err);

	/* Cancel an order as the seller, with a reason text; MC_OK also when the platform
	 * says it is cancelled already. */
	enum market_class (*cancel)(const struct market_call_env *env,
	    const struct market_creds *c, const char *order_no, const char *reason,
	    struct market_error *err);

	/* The settlement (fees, escrow) of one order; out is the caller's to free. */
	enum market_class (*settlement)(const struct market_call_env *env,
	    const struct market_creds *c, const char *order_no, struct market_settlement *out,
	    struct market_error *err);

	/* Pushes the platform failed to deliver (Shopee's get_lost_push_message, confirmed
	 * consumed once read): the order numbers they name go into ids (page->n). NULL for
	 * channels that retry their pushes themselves. */
	enum market_class (*lost_push)(const struct market_call_env *env,
	    const struct market_creds *c, struct market_page *ids, struct market_error *err);

	/*
	 * The signature a push (webhook) carries in its Authorization header, lower-case
	 * hex: Shopee HMAC-SHA256(partner_key, url + "|" + body), Lazada and TikTok
	 * HMAC-SHA256(app_secret, app_key + body). url is the registered callback URL.
	 */
	void (*push_sign)(const struct market_creds *c, const char *url, const char *body,
	    size_t len, char out[65]);
	/* What a push body says: the order number it names (order_no "" when it names none,
	 * e.g. Shopee code 12) and the channel's status text (may be ""); 0, or -1 when the
	 * body is not a push of this channel. */
	int (*push_parse)(const char *body, size_t len, char *order_no, size_t olen,
	    char *status, size_t slen);
};

/* The channel's row, or NULL when it has none. */
const struct market_ops *ops_find(const char *channel);

#endif

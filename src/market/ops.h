/*
 * ops.h — a channel's owed calls and push helpers, as one table row per channel: the
 * effectful compositions (one or several market_call's through the channel's pure
 * builders and mappers) that the outbox drain, the stock push, the settlement fetch, the
 * returns pull and the webhook receiver use without knowing the channel. ops_shopee.c, ops_lazada.c and
 * ops_tiktok.c each define one row; ops_find looks it up. A NULL member means the
 * channel does not offer that call.
 */
#ifndef PB_OPS_H
#define PB_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/returns.h"
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

/* A return (reverse order) as a channel's returns list gives it, mapped. */
struct market_return {
	char id[64];                /* the channel's return id */
	char order_no[64];
	enum returns_mstate state;
	char their_status[48];      /* the channel's own status text */
	char reason[256];           /* the buyer's reason, as text ("" none) */
	char tracking[64];          /* the return parcel's tracking number ("" none yet) */
	int64_t updated_at;         /* Unix s */
	int refund_only;            /* 1: a refund without a parcel coming back */
	struct returns_munit *units;    /* sku strings owned here; market_returns_free */
	size_t nunits;
};

/* One page of a returns list. */
struct market_returns {
	struct market_return *v;
	size_t n, cap;
	char cursor[96];            /* for the next page ("" none) */
	int more;                   /* 1: ask again with cursor */
};

void market_returns_free(struct market_returns *rs);
/* A new zeroed return at the end of rs; valid until the next add. */
struct market_return *market_returns_add(struct market_returns *rs);
/* Add qty units of sku to r (merged with the same SKU). */
void market_return_unit(struct market_return *r, const char *sku, int64_t qty);
/* The state of their status text in a NULL-terminated table of {theirs, ours} pairs;
 * -1 when it is not there. */
struct market_rstate {
	const char *theirs;
	enum returns_mstate ours;
};
int market_rstate_lookup(const struct market_rstate *table, const char *theirs,
    enum returns_mstate *out);
/* A return's head as a channel's returns list gives it (borrowed; NULL text: ""). */
struct market_return_in {
	const char *id, *order_no;
	const char *status;         /* their status text */
	const char *reason, *tracking;
	int64_t updated_at;
	int refund_only;
};
/* in as a new return at the end of rs, each text on one line, the state that of
 * in->status in table (market_rstate_lookup); valid until the next add. NULL when table
 * has no such status, err set MC_FATAL: "CHANNEL: return ID: unknown FIELD 'STATUS'". */
struct market_return *market_return_new(struct market_returns *rs,
    const struct market_return_in *in, const struct market_rstate *table,
    const char *channel, const char *field, struct market_error *err);

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
	/*
	 * One page of the shop's returns updated in [q->from, q->to) (q->cursor: the page
	 * after the one that gave it), into out (the caller frees it, whatever the result).
	 * Returns whose status the channel maps to none of ours make the page MC_FATAL.
	 * returns_window is the longest window the call takes (0: none).
	 */
	enum market_class (*returns)(const struct market_call_env *env,
	    const struct market_creds *c, const struct market_listq *q,
	    struct market_returns *out, struct market_error *err);
	int64_t returns_window;

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

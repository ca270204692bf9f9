/*
 * market.h — what the connectors' pure parts take and give: a shop's credentials, a
 * list query, the error class of a response, a page of order ids, the mapped orders
 * (each a struct order_in that owns its strings through the set), a token pair; and the
 * helper that splits a long update-time range into a channel's windows.
 */
#ifndef PB_MARKET_H
#define PB_MARKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/order.h"

/* A shop's credentials, the platforms' own parameter names (DESIGN.md section 4). */
struct market_creds {
	int64_t partner_id, shop_id;        /* shopee */
	const char *partner_key;            /* shopee */
	const char *app_key, *app_secret;   /* lazada, tiktok */
	const char *shop_cipher;            /* tiktok */
	const char *access_token, *refresh_token;
};

/* One page of orders updated in [from, to) (Unix s). */
struct market_listq {
	int64_t from, to;
	const char *cursor;         /* NULL or "": the first page */
	int page_size;              /* 0: the channel's maximum */
};

/* What the sync loop does with a response. */
enum market_class {
	MC_OK,
	MC_RETRY,                   /* transient (server, network, 5xx): back off, retry */
	MC_AUTH,                    /* token expired or invalid: refresh once, retry */
	MC_FATAL,                   /* signature or parameter: never retry, report */
	MC_RATE,                    /* rate-limited: back off with jitter */
	MC_QUOTA,                   /* daily quota spent: wait for the reset */
};

struct market_error {
	enum market_class cls;
	long http;
	char code[64];              /* the channel's own code: "error_auth", "105002" */
	char msg[256];              /* one line for the sync screen */
	char request_id[64];
};

const char *market_class_name(enum market_class cls);
/* Copy src (NULL: "") into dst of cap bytes as one line: control characters become
 * spaces. Text a marketplace sent that goes to a log line or a screen row. */
void market_line_copy(char *dst, size_t cap, const char *src);
/* Fill err (cls, code, printf message), each one line; returns cls. */
enum market_class market_error_set(struct market_error *err, enum market_class cls,
    const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A page of an order list. */
struct market_page {
	char **ids;                 /* the channel's order ids, in page order */
	size_t n;
	char *cursor;               /* for the next page ("" when none) */
	int more;                   /* 1: ask again with cursor */
	int64_t total;              /* orders in the whole window, -1 when not said */
};

void market_page_free(struct market_page *p);

/* Where a seller SKU is listed on the channel (strings owned by the market_orders). */
struct market_listing {
	const char *sku;
	const char *item_id;        /* Shopee item_id, Lazada ItemId, TikTok product_id */
	const char *model_id;       /* Shopee model_id, Lazada SkuId, TikTok sku id; "" none */
};

/* A mapped order; in.lines, in.* strings are owned by the enclosing market_orders. */
struct market_order {
	struct order_in in;
	int64_t updated_at;
	const char *their_status;   /* the channel's own status text */
	int status_known;           /* 0: not in the channel's map (in.status is ST_NEW) */
	int has_header;             /* 0: only lines seen so far (Lazada items before list) */
	struct order_line_in *lines;
	size_t caplines;
	/* The channel's listing ids of the order's SKUs (for stock pushes), one per SKU. */
	struct market_listing *listings;
	size_t nlistings, caplistings;
};

struct market_orders {
	struct market_order *v;
	size_t n, cap;
	char **strs;                /* every string the orders point at */
	size_t nstrs, capstrs;
};

void market_orders_free(struct market_orders *o);
/* The order numbered order_no, or NULL. */
struct market_order *market_orders_find(struct market_orders *o, const char *order_no);
/* Find or append an order numbered order_no for channel; pointer valid until the next
 * add. */
struct market_order *market_orders_get(struct market_orders *o, const char *channel,
    const char *order_no);
/* A copy of s owned by o (NULL stays NULL). */
const char *market_orders_str(struct market_orders *o, const char *s);
/* Add qty units of sku at unit_price, merged into an existing line of the same SKU and
 * price. */
void market_order_line(struct market_orders *o, struct market_order *mo, const char *sku,
    int64_t qty, int64_t unit_price);

/* Note that sku is listed as item_id/model_id (once per SKU; model_id may be NULL). */
void market_order_listing(struct market_orders *o, struct market_order *mo, const char *sku,
    const char *item_id, const char *model_id);

/* A token pair from a token or refresh call. */
struct market_token {
	char *access_token, *refresh_token;
	int64_t access_expires, refresh_expires;    /* Unix s; 0 when not said */
};

void market_token_free(struct market_token *t);

struct market_window {
	int64_t from, to;
};

/*
 * Split [from, to) into windows of at most max seconds (0: no maximum). The first window
 * starts overlap seconds before from (not before 0), re-reading what the previous pull
 * may have missed; the windows then follow each other without gaps. *out is malloc'd
 * (caller frees); returns the count, 0 when the range is empty.
 */
size_t market_window_split(int64_t from, int64_t to, int64_t max, int64_t overlap,
    struct market_window **out);

/*
 * The ids of a detail batch joined by sep; NULL with one line in err when n is 0 or
 * above max or an id is empty or holds sep. Caller frees.
 */
char *market_join_ids(const char *chan, const char *const *ids, size_t n, size_t max,
    char sep, char *err, size_t errlen);

/* Digits after the decimal point in currency's minor unit (VND 0, MYR 2). */
int market_currency_exp(const char *currency);
/* Parse decimal text ("259000", "12.50") into minor units of exp digits; 0 or -1. */
int market_money_parse(const char *text, int exp, int64_t *out);
/* "2026-11-11T09:00:00+07:00": t at the UTC offset offset_secs. */
void market_iso8601(int64_t t, int64_t offset_secs, char *buf, size_t len);

#endif

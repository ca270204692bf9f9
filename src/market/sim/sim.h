/* sim.h: READY for channel files */
/*
 * sim.h — packbench-marketsim's shared store and its channel table. The core
 * (marketsim.c) runs the HTTP server, the /_sim control endpoints, order generation, the
 * rate limit, faults, token expiry, the call logs and the webhooks; each channel
 * (sim_shopee.c, sim_lazada.c, sim_tiktok.c) is one struct sim_channel row that answers
 * its own API paths over the shared store, in its own shapes.
 *
 * Threads: every request handler, control call and generator tick runs with sim.lock
 * held (the core takes it); channel code never locks. Webhook deliveries run on their
 * own thread, outside the lock.
 *
 * A request's path: the core strips a leading "/<channel name>" mount ("/lazada/orders/get"
 * goes to lazada as "/orders/get"); otherwise the first channel whose owns() accepts the
 * path gets it. The core then asks the channel's shop_of() which shop the request names
 * (for the per-shop rate limit and counters), applies the rate limit (answering with the
 * channel's SIM_ERR_RATE shape) and the timeout fault, and calls handle().
 */
#ifndef PB_SIM_H
#define PB_SIM_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "market/market.h"

#define SIM_MAX_LINES 4
#define SIM_MAX_SHOPS 16
#define SIM_MAX_COUNTERS 48

struct sim_channel;

struct sim_line {
	int sku;                    /* index into sim.skus */
	int64_t qty, price;         /* price in minor units (VND: dong) */
};

struct sim_order {
	char sn[48];                /* the channel's order number */
	char status[32];            /* the channel's own status text */
	char name[96], phone[16], address[256];
	char odd_sku[64];           /* not "": the first line's SKU, one the seller lacks */
	char tracking[32];          /* "" until shipped */
	char cancel_reason[64];     /* set by a cancel (seller or buyer) */
	char ext[2][64];            /* the channel's own fields (package id, ...) */
	int place;                  /* index into sim_places */
	int cod;
	int64_t seq;                /* 1, 2, ... within the shop */
	int64_t create_time, update_time, ship_by;
	int64_t born_ms;            /* when the simulator made it: Unix ms (sim clock) */
	struct sim_line lines[SIM_MAX_LINES];
	int nlines;
};

/* A buyer's return of (part of) an order, made by /_sim/returns/add. */
struct sim_return {
	char id[32];                /* the channel's return id (digits) */
	char order_sn[48];
	char status[48];            /* the channel's own status text */
	char logistics[40];         /* Shopee's logistics_status ("" none) */
	char type[32];              /* the channel's return type ("" return and refund) */
	char reason[96];
	char tracking[32];          /* the return parcel's ("" none yet) */
	int64_t qty[SIM_MAX_LINES]; /* units of each order line sent back */
	int64_t seq, create_time, update_time;
};

struct sim_counter {
	char name[32];
	int64_t v;
};

/* A push the target did not take (Shopee serves them as lost push messages). */
struct sim_lost {
	int64_t id;                 /* 1, 2, ... within the shop */
	int64_t t;
	char *body;                 /* malloc'd */
};

/* One shop: its channel, code, credentials, orders, stock and counters. */
struct sim_shop {
	int idx;                    /* position in sim.shops */
	const struct sim_channel *ch;
	char code[64];              /* --shop CHANNEL:CODE */
	/* Credentials, the platforms' names; those not given are derived from the code by
	 * the core (sim_shop_derive) and then by the channel's init_shop. */
	int64_t partner_id, shop_id;            /* shopee */
	char partner_key[128];                  /* shopee */
	char app_key[64], app_secret[128];      /* lazada, tiktok */
	char shop_cipher[64];                   /* tiktok */
	char seller_id[32];                     /* lazada, tiktok: the seller's id */
	char access_token[128], refresh_token[128];
	int64_t token_ttl;          /* s; 0: access tokens never expire by time */
	int64_t token_issued;
	int token_expired;          /* /_sim/expire-tokens: auth errors until a refresh */
	int refreshes;
	/* Orders, oldest first (the array moves when it grows: keep indexes, not pointers,
	 * across sim_order_new). */
	struct sim_order *orders;
	size_t norders, cap;
	int64_t seq;
	int64_t *stock;             /* per SKU (sim.nskus), -1 until a stock call set it */
	/* Rate limit: requests per second (0 none) and its bucket. */
	double rate, rl_tokens;
	int64_t rl_last_us;
	/* List faults armed for this shop (sim_take_fault). */
	int dup_pages;
	/* Webhooks. */
	char webhook_url[256];
	struct sim_lost *lost;
	size_t nlost, caplost;
	int64_t lost_seq;
	/* Returns, oldest first (/_sim/returns/add). */
	struct sim_return *returns;
	size_t nreturns, capreturns;
	/* Named counters (sim_count). */
	struct sim_counter counters[SIM_MAX_COUNTERS];
	int ncounters;
	int64_t gen_acc_us;         /* the generator's carried-over fraction */
	/* sim_order_find's index: open addressing over order numbers, slot = index + 1. */
	size_t *hslot;
	size_t hcap;
};

/* A fault spoiling an API answer (/_sim/fault). */
enum sim_fault {
	SIM_FAULT_NONE,
	SIM_FAULT_500,              /* HTTP 500 with an HTML body */
	SIM_FAULT_TRUNCATED,        /* the JSON cut half-way */
	SIM_FAULT_DROP,             /* the connection closed without an answer */
	SIM_FAULT_TIMEOUT,          /* the answer held sim.hold_ms (the core does it) */
	SIM_FAULT_DUP_PAGE,         /* a list page repeats ids of the previous page */
};

/* The error answers a channel gives, in its own shape (sim_channel.error). */
enum sim_err {
	SIM_ERR_PARAM,              /* a missing or bad parameter */
	SIM_ERR_SIGN,               /* the signature does not match */
	SIM_ERR_AUTH,               /* the access token is invalid or expired */
	SIM_ERR_RATE,               /* over the rate limit */
	SIM_ERR_SERVER,             /* the server failed */
	SIM_ERR_NOT_FOUND,          /* no such path or object */
};

/* One API request as a channel's handler sees it. */
struct sim_req {
	struct MHD_Connection *conn;
	const char *method;         /* "GET", "POST" */
	const char *url;            /* the path, the channel's mount stripped */
	const char *body;           /* the request body (NUL-terminated), NULL when none */
	size_t len;
	int64_t now;                /* sim_now() */
	enum sim_fault fault;       /* to spoil this answer with: the send helpers apply it */
	struct sim_shop *shop;      /* shop_of's answer, may be NULL */
	const struct sim_channel *ch;
};

/* A channel's row. */
struct sim_channel {
	const char *name;           /* "shopee", "lazada", "tiktok": as in ops_find */
	/* Status texts the core sets: new unpaid and paid orders, buyer cancellation. */
	const char *st_unpaid, *st_ready, *st_cancelled;
	/* 1 when method + path is one of this channel's API calls. */
	int (*owns)(const char *method, const char *url);
	/* The shop the request names (by shop_id, token, cipher ...) before any check;
	 * NULL when it names none of this channel's shops. */
	struct sim_shop *(*shop_of)(const struct sim_req *rq);
	/* Answer the request (checks included); return what MHD_queue_response gave, e.g.
	 * through sim_send_json / sim_send_error. */
	enum MHD_Result (*handle)(struct sim_req *rq);
	/* The channel's error answer for kind: the JSON body (new reference) and *http.
	 * code NULL: the channel's usual code for kind. */
	json_t *(*error)(enum sim_err kind, const char *code, const char *msg, unsigned *http);
	/* Complete a new shop's credentials (the core derived the generic ones). NULL: none. */
	void (*init_shop)(struct sim_shop *sh);
	/* Write a new order's number into o->sn (o->seq, o->create_time are set). NULL: the
	 * core's YYMMDD + hex + seq form. */
	void (*order_no)(struct sim_shop *sh, struct sim_order *o);
	/* The status a return made by /_sim/returns/add starts in ("" none given). */
	const char *st_return_new;
	/* The body of a status-change push for o, malloc'd; NULL: the channel sends none. */
	char *(*push_body)(const struct sim_shop *sh, const struct sim_order *o, int64_t now);
};

/* A generated buyer's place. */
struct sim_place {
	const char *province, *district, *ward, *street;
};

extern const struct sim_place sim_places[];
extern const size_t sim_nplaces;

/* The log of ship, stock and cancel calls received (GET /_sim/log?kind=...). */
struct sim_logent {
	char kind[8];               /* "ship", "stock", "cancel" */
	int shop;                   /* index into sim.shops */
	int ok;                     /* 1: the call did what it asked */
	int64_t t;
	int64_t t_ms;               /* t in Unix ms */
	char order_sn[48];          /* ship, cancel */
	char sku[64];               /* stock: the seller SKU, when the channel knows it */
	char item_id[32], model_id[32];     /* stock: the channel's listing ids */
	int64_t stock;              /* stock: the quantity set */
	char detail[64];            /* ship: the mode; cancel: the reason; error code if !ok */
};

struct sim_store {
	pthread_mutex_t lock;
	struct sim_shop shops[SIM_MAX_SHOPS];
	int nshops;
	char **skus;                /* the catalogue, shared by every shop */
	int64_t *prices;            /* per SKU, minor units */
	int *family;                /* per SKU: index of its family (the text before the first
	                             * '-'), so channels can group SKUs into items */
	size_t nskus;
	uint64_t rng;
	int64_t clock_offset;       /* sim_now() = time() + clock_offset (/_sim/clock) */
	int64_t clock_at;           /* not 0: sim_now() stays at it (/_sim/clock {at}) */
	int64_t hold_ms;            /* how long a timeout fault holds the answer */
	double gen_rate;            /* orders per second per shop, 0: none */
	/* The armed answer fault: the next fault_left API answers (of shop fault_shop when
	 * >= 0, of paths containing fault_path when not "") get fault. */
	enum sim_fault fault;
	int fault_left, fault_shop;
	char fault_path[128];
	/* Counters of calls no shop was found for, and control calls. */
	struct sim_counter counters[SIM_MAX_COUNTERS];
	int ncounters;
	struct sim_logent *log;
	size_t nlog, caplog;
};

extern struct sim_store sim;

/* ------------------------------------------------------------------ the store */

/* time(NULL) + sim.clock_offset, or sim.clock_at while the clock is stopped. */
int64_t sim_now(void);
/* xorshift64* from the seed: the same seed gives the same shops. */
uint64_t sim_rnd(void);
/* Uniform in [0, n). */
size_t sim_pick(size_t n);
/* calloc or abort. */
void *sim_alloc(size_t n);
/* Add 1 to the named counter of sh (NULL: the store's own). */
void sim_count(struct sim_shop *sh, const char *name);
/* The named counter of sh (NULL: summed over every shop and the store). */
int64_t sim_counter_get(const struct sim_shop *sh, const char *name);

/* The shop of channel ch with code, or NULL. */
struct sim_shop *sim_shop_find(const struct sim_channel *ch, const char *code);
/* The first shop of channel ch whose field ("access_token", "refresh_token",
 * "shop_cipher", anything else: app_key) is v, or NULL (also when v is NULL). */
struct sim_shop *sim_shop_by(const struct sim_channel *ch, const char *field, const char *v);
/* The shop's credentials as market.h has them (strings point into sh). */
void sim_shop_creds(const struct sim_shop *sh, struct market_creds *c);

/* A new order of sh updated at t (its status st_unpaid one time in five, else
 * st_ready); the pointer is valid until the next sim_order_new of sh. */
struct sim_order *sim_order_new(struct sim_shop *sh, int64_t t);
/* The order of sh numbered sn, or NULL. */
struct sim_order *sim_order_find(struct sim_shop *sh, const char *sn);
/* The return of sh with id, or NULL. */
struct sim_return *sim_return_find(struct sim_shop *sh, const char *id);
/* The returns of sh updated in [from, to) (*n of them), by update time then id; the
 * array is malloc'd (caller frees), its pointers valid until the next return is added. */
struct sim_return **sim_returns_in(struct sim_shop *sh, int64_t from, int64_t to,
    size_t *n);
/* The SKU of line i (the odd SKU for line 0 when set). */
const char *sim_line_sku(const struct sim_order *o, int i);
/* Sum of the lines. */
int64_t sim_order_total(const struct sim_order *o);
/* Set o's status (channel text), update_time = max(update_time, now), and push the
 * change to the shop's webhook target when one is set. */
void sim_order_status(struct sim_shop *sh, struct sim_order *o, const char *status);
/* Bump o's update_time to now (not backwards) and push it. */
void sim_order_touch(struct sim_shop *sh, struct sim_order *o);

/*
 * Is token the shop's current, unexpired access token? 0 yes; -1 after counting
 * error_auth (it is another token, the time-to-live passed, or /_sim/expire-tokens).
 */
int sim_token_check(struct sim_shop *sh, const char *token);
/* After a successful refresh: new pair (made here from the seed), issued now, the
 * expiry flag cleared. */
void sim_token_rotate(struct sim_shop *sh);

/* 1 (and disarm one) when a list fault f is armed for sh: SIM_FAULT_DUP_PAGE. */
int sim_take_fault(struct sim_shop *sh, enum sim_fault f);

/* Append to the ship/stock/cancel log (e->t and e->shop are filled here). */
void sim_log_add(struct sim_shop *sh, struct sim_logent *e);
/* Log a call about one order: kind "ship" or "cancel", its number sn (NULL: none). */
void sim_log_order(struct sim_shop *sh, const char *kind, const char *sn, int ok,
    const char *detail);
/* Log a stock push to one listing (item and model ids as text; sku -1: unknown). */
void sim_log_stock(struct sim_shop *sh, const char *item, const char *model, int sku,
    int64_t stock, int ok, const char *detail);

/* One call a channel answers: method and path, and what it asks of the caller (in the
 * channel's own terms: a shop's token, a partner's signature...). */
struct sim_call {
	const char *method, *path;
	int need;
};

/* The index of the call method url among n calls, or -1. */
int sim_call_find(const struct sim_call *calls, size_t n, const char *method,
    const char *url);

/* qsort orders (struct sim_order *) by update_time, or create_time, then number. */
int sim_cmp_update(const void *a, const void *b);
int sim_cmp_create(const void *a, const void *b);
/* The order numbered sn of a channel whose numbers are base + shop * span + seq, found
 * by its place in sh->orders, else by sim_order_find; NULL when sh is NULL or none. */
struct sim_order *sim_order_by_seq(struct sim_shop *sh, const char *sn, int64_t base,
    int64_t span);

/* ------------------------------------------------------------------ answers */

/* The value of query parameter key, or NULL. */
const char *sim_arg(const struct sim_req *rq, const char *key);
/* A decimal integer (text v): 0, or -1 when v is NULL, empty or not a number. */
int sim_int(const char *v, int64_t *out);
/* The request body as a JSON object (new reference), NULL when it is none. */
json_t *sim_body_json(const struct sim_req *rq);
/* 32 random hex digits. */
void sim_request_id(char out[33]);
/* Send root (stolen) with status, spoilt by rq->fault (500, truncated, drop). */
enum MHD_Result sim_send_json(struct sim_req *rq, unsigned status, json_t *root);
/* The channel's error answer for kind (counted as error_<kind> of rq->shop, except
 * error_auth, which sim_token_check counts), spoilt by rq->fault; code NULL: the
 * channel's usual code. A 429 answer carries Retry-After: 1. */
enum MHD_Result sim_send_error(struct sim_req *rq, enum sim_err kind, const char *code,
    const char *msg);
/* Plain bytes, no fault. */
enum MHD_Result sim_send_text(struct MHD_Connection *c, unsigned status, const char *text,
    size_t len, const char *ctype);

/* The channel rows (sim_shopee.c, sim_lazada.c, sim_tiktok.c). */
extern const struct sim_channel sim_shopee;
extern const struct sim_channel sim_lazada;
extern const struct sim_channel sim_tiktok;

#endif

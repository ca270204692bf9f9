/*
 * order.h — orders, their lines and the order state machine.
 *
 * The legal transitions are one explicit table (order.c); anything else is DB_ESTATE.
 * Every change bumps the order's version; a caller that passes the version it read gets
 * DB_ECONFLICT instead of overwriting a concurrent edit. Every change writes an audit
 * record in the same transaction.
 */
#ifndef PB_ORDER_H
#define PB_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

enum order_status {
	ST_NEW,
	ST_CONFIRMED,
	ST_ON_HOLD,
	ST_ALLOCATED,
	ST_PACKING,
	ST_PACKED,
	ST_SHIPPED,
	ST_DELIVERED,
	ST_COMPLETED,
	ST_CANCELLED,
	ST_RETURNING,
	ST_RETURNED,
	ST_PART_RETURNED,          /* some of the shipped units came back (returns.h) */
	ST__COUNT
};

const char *order_status_name(enum order_status st);
/* Case-insensitive; 0 or -1 when the name is unknown. */
int order_status_parse(const char *name, enum order_status *out);
/* 1 when from -> to is in the transition table. */
int order_transition_legal(enum order_status from, enum order_status to);
/* The least role that may make the transition (ROLE_SYSTEM for marketplace-driven ones). */
enum role order_transition_role(enum order_status from, enum order_status to);

struct order_line_in {
	const char *sku;
	int64_t qty;
	int64_t unit_price;
};

/* An order as it arrives (import, marketplace). Strings are borrowed. */
struct order_in {
	const char *channel;        /* shopee, lazada, tiktok, manual */
	const char *shop;           /* the channel's shop id */
	const char *order_no;
	int64_t created_at;
	int64_t ship_by;            /* 0: none */
	enum order_status status;
	int64_t cod;                /* amount to collect, minor units; 0: prepaid */
	const char *currency;
	int64_t total;
	const char *buyer_name, *buyer_phone, *address, *district, *province;
	const struct order_line_in *lines;
	size_t nlines;
};

/*
 * Insert the order, or update it when (channel, shop, order_no) exists: header fields
 * are refreshed, lines replaced while the order is still NEW/CONFIRMED/ON_HOLD, and a
 * different status is applied as a transition (an illegal one fails with DB_ESTATE).
 * The shop is created on first sight. Unknown SKUs fail with DB_EINVAL naming the SKU.
 * *id gets the order id, *created 1 when it was new (both may be NULL). The active
 * rules (rules.h) apply, in the same transaction, to a new order and to one that changed.
 */
int order_upsert(struct session *s, const struct order_in *in, int64_t *id, int *created);
/* The same, but a CONFIRMED order is left for the caller to route, with the rest of a
 * marketplace page or an import, in one route_batch() (route.h) before it commits. */
int order_upsert_unrouted(struct session *s, const struct order_in *in, int64_t *id,
    int *created);

struct order_line {
	int64_t id;
	int line_no;
	int64_t sku_id;
	char *sku;
	char *name;
	int64_t qty;
	int64_t unit_price;
};

struct order {
	int64_t id, shop_id, version;
	enum order_status status;
	int64_t created_at, ship_by, updated_at;
	int64_t cod, total;
	int64_t warehouse_id;       /* 0 until allocated */
	char *channel, *shop, *order_no, *currency;
	char *buyer_name, *buyer_phone, *address, *district, *province, *tracking_no;
	struct order_line *lines;
	size_t nlines;
};

/* Load order id with its lines; *out owned by the caller, freed by order_free(). */
int order_load(struct session *s, int64_t id, struct order **out);
void order_free(struct order *o);

/*
 * Find an order by what a person types or scans: the numeric id ("#123" or "123" when
 * no order number matches), the marketplace order number or the tracking number.
 * DB_ENOTFOUND, or DB_EINVAL when an order number is shared by shops of two channels.
 */
int order_find(struct session *s, const char *key, int64_t *id);

/*
 * Move order id to status to. expect_version: the version the caller saw, or 0 to skip
 * the check. Checks the role, the table, and applies the stock side effects (reserve on
 * ALLOCATED, release on CANCELLED/ON_HOLD after allocation, ship on SHIPPED). A person's
 * cancel of a marketplace order also writes the outbox row "cancel" {order_no, reason}
 * that tells the marketplace, and voids the order's ship calls not tried yet; the
 * marketplace's own cancels arrive through order_upsert and owe nothing. An order that
 * becomes DELIVERED or COMPLETED (here or through order_upsert) is marked due its
 * settlement (market/finance.h).
 */
int order_transition(struct session *s, int64_t id, int64_t expect_version,
    enum order_status to, const char *reason);

/* Allocate: reserve every line in one warehouse (the shop's, else the first that can
 * fill it) and move to ALLOCATED. DB_ESTOCK when no warehouse can fill it. */
int order_allocate(struct session *s, int64_t id, int64_t expect_version);
/*
 * The audit record and station notice of a transition from -> to whose orders row the
 * caller has written itself (version: the row's before the change), exactly as
 * order_transition() leaves them. For rules and routing, which write many orders at
 * once; only for transitions with no other effect (to CONFIRMED, ON_HOLD, ALLOCATED).
 */
int order_transition_logged(struct session *s, int64_t id, enum order_status from,
    int64_t version, enum order_status to, const char *reason);

/*
 * Route a CONFIRMED order (route.h): allocated from the nearest warehouse that fills it
 * (or split where the channel allows) with its carrier chosen (carrier.h), or, when out
 * of stock, ON_HOLD with the missing quantities as the reason (then DB_ESTOCK, s->err
 * the reason). With route_set_auto(1), the default, every confirmation does this
 * itself, in the confirming transaction.
 */
int order_route(struct session *s, int64_t id);

/*
 * Claim order id for packing at station: ALLOCATED (to warehouse wh, unless wh is 0)
 * or CONFIRMED (then allocated at wh first) becomes PACKING and remembers the station;
 * PACKING at the same station is a resume. DB_ECONFLICT when another station holds it,
 * DB_ESTATE when its status forbids packing, DB_EINVAL when it belongs to another
 * warehouse (allocated there, or sent there by a rule's `set warehouse`), DB_ESTOCK
 * when wh cannot fill it. Packer role.
 */
int order_start_packing(struct session *s, int64_t id, const char *station, int64_t wh);

struct order_filter {
	int status;                 /* enum order_status, or -1 for any */
	const char *channel;        /* NULL: any */
	const char *search;         /* substring of order_no or buyer name; NULL: any */
	int sort_ship_by;           /* 1: most urgent ship_by first; 0: newest first */
	int limit;                  /* 0: no limit */
	int offset;
	unsigned status_mask;       /* 1u << status for each status wanted; 0: see status */
	const char *shop;           /* the channel's shop id; NULL: any */
	int64_t warehouse_id;       /* allocated there, else the shop's; 0: any */
	int ship_by_range;          /* 1: ship_by in [ship_by_from, ship_by_to), sorted
	                             * ship_by, id; 2: no ship_by (by id); 0: any */
	int64_t ship_by_from, ship_by_to;
};

struct order_row {
	int64_t id;
	char order_no[64];
	char channel[16];
	char shop[64];
	enum order_status status;
	int64_t created_at, ship_by;
	int64_t cod, total;
	char currency[4];
	char buyer_name[96];
	char province[64];
	int64_t lines, units;
};

/* Rows matching f; *rows owned by the caller (free()). */
int order_list(struct session *s, const struct order_filter *f, struct order_row **rows,
    size_t *n);

#endif

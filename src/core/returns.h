/*
 * returns.h — returns (RMA): a returned parcel received and inspected at the station.
 *
 * A return is opened when the marketplace announces it (or the order turns RETURNING) or
 * when its parcel is scanned at the station, and received once its units are inspected.
 * Each unit gets a condition and a reason code. Resalable units go back on hand into the
 * lot the order shipped them from; damaged, missing and wrong-item units are written off
 * there (a 'return' then a 'writeoff' movement, so the ledger shows what came back and
 * what was lost). The order becomes RETURNED when every shipped unit is accounted for,
 * else PART_RETURNED. A unit is returned once: a second return of it is refused. All of
 * a receipt — movements, unit rows, costs, the order's status, audit records — is one
 * transaction.
 *
 * A marketplace's own return (its return id, its state mapped to ours, reason, units,
 * the return parcel's tracking number) is recorded by the sync through
 * returns_market_upsert.
 *
 * Roles: receiving is a packer's work (the receiving clerk); write-offs need no
 * approval. Listing the open returns is a supervisor's; recording a marketplace's
 * returns is the system's.
 */
#ifndef PB_RETURNS_H
#define PB_RETURNS_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

enum returns_cond {
	RET_RESALABLE,
	RET_DAMAGED,
	RET_MISSING,                /* not in the parcel */
	RET_WRONG_ITEM,             /* something else came back in its place */
	RET__NCOND
};

/* "resalable", "damaged", "missing", "wrong_item". */
const char *returns_cond_name(enum returns_cond c);
/* 0, or -1 when the name is unknown ("wrong" is taken for wrong_item). */
int returns_cond_parse(const char *name, enum returns_cond *out);

struct returns_reason {
	const char *code;
	const char *label;
};
/* The reason codes a unit may carry, in the order the station cycles them. */
extern const struct returns_reason returns_reasons[];
extern const size_t returns_nreasons;
/* 1 when code is one of returns_reasons. */
int returns_reason_valid(const char *code);

/*
 * The order a scanned return is for: a marketplace return id or the tracking number of
 * its return parcel (as the channel gave it), else what order_find() takes (tracking
 * number, order number, #id). *rma_id gets the order's open return, or
 * 0. DB_ENOTFOUND with one line naming the scan.
 */
int returns_find(struct session *s, const char *scan, int64_t *order_id, int64_t *rma_id);

/*
 * Open a return of order_id (source "station" when its parcel is scanned, "marketplace"
 * when announced; market_id the channel's return id or NULL), or give the open one.
 * Only a shipped order (SHIPPED, DELIVERED, COMPLETED, RETURNING, PART_RETURNED) has a
 * return: DB_ESTATE otherwise. Packer.
 */
int returns_open(struct session *s, int64_t order_id, const char *source,
    const char *market_id, int64_t *rma_id);

/* What order_id shipped, per warehouse, SKU and lot, and how much came back already. */
struct returns_unit {
	int64_t wh, sku_id, lot_id;
	char sku[64];
	char name[96];
	char lot[64];
	int64_t shipped, returned;
};

/* *out owned by the caller (free()); ordered by SKU, then lot expiry and id. */
int returns_units(struct session *s, int64_t order_id, struct returns_unit **out,
    size_t *n);

struct returns_item {
	const char *sku;            /* SKU code or one of its barcodes (a pack counts N) */
	const char *lot;            /* lot code, or NULL: the first lot with units left */
	int64_t qty;                /* units (multiplied by a barcode's pack size) */
	enum returns_cond cond;
	const char *reason;         /* a returns_reasons code */
};

struct returns_in {
	int64_t order_id;
	int64_t rma_id;             /* the open return to complete, or 0 (opened here) */
	const struct returns_item *items;
	size_t nitems;
	int64_t ship_cost;          /* return shipping, order currency minor units */
	int64_t handling_cost;
	const char *note;           /* NULL: none */
};

/*
 * Receive a return: every item's units into (or written off from) their lot, the unit
 * rows, the costs, the order to RETURNED or PART_RETURNED, audit records; all or
 * nothing. DB_EINVAL with one line for an unknown SKU, condition or reason, a SKU the
 * order did not ship, or more units than are left to return. *rma_id may be NULL.
 */
int returns_receive(struct session *s, const struct returns_in *in, int64_t *rma_id);

struct returns_row {
	int64_t rma_id;             /* 0: the order is RETURNING with no return opened */
	int64_t order_id;
	char order_no[64];
	char channel[16];
	char status[16];            /* the order's */
	char source[16];            /* marketplace or station */
	char market_id[64];
	char market_status[16];     /* what the channel last said (returns_mstate), or "" */
	int64_t opened_at;
};

/*
 * Open returns opened at or before cutoff (now - N days): returns not received yet
 * (but those the channel says were cancelled or rejected: no parcel is coming), and
 * orders the marketplace turned RETURNING with none (dated by the order's last change);
 * oldest first. *rows owned by the caller (free()). Supervisor.
 */
int returns_list_open(struct session *s, int64_t cutoff, struct returns_row **rows,
    size_t *n);

/* A marketplace return's state, the channels' statuses mapped onto ours. */
enum returns_mstate {
	RMS_REQUESTED,              /* the buyer asked; the seller or platform decides */
	RMS_ACCEPTED,               /* agreed: the buyer is to send the parcel back */
	RMS_IN_TRANSIT,             /* the buyer shipped it back */
	RMS_RECEIVED,               /* the channel says the seller received it */
	RMS_REFUNDED,               /* the buyer was refunded */
	RMS_REJECTED,               /* refused (by the seller or the platform) */
	RMS_CANCELLED,              /* withdrawn by the buyer */
	RMS__N
};

/* "requested", "accepted", "in_transit", "received", "refunded", "rejected",
 * "cancelled". */
const char *returns_mstate_name(enum returns_mstate st);
/* 0, or -1 when the name is unknown. */
int returns_mstate_parse(const char *name, enum returns_mstate *out);

/* Units per seller SKU a marketplace return names. */
struct returns_munit {
	const char *sku;
	int64_t qty;
};

/* A return as a marketplace announced it. */
struct returns_market {
	const char *channel;        /* the order's shop: channel and shop code */
	const char *shop;
	const char *market_id;      /* the channel's return id, 1..63 bytes */
	const char *order_no;
	enum returns_mstate state;
	const char *their_status;   /* the channel's own status text */
	const char *reason;         /* the buyer's reason text; NULL or "" none */
	const char *tracking;       /* the return parcel's tracking number; NULL or "" none */
	int64_t updated_at;         /* the channel's update time (Unix s) */
	const struct returns_munit *units;
	size_t nunits;
};

/*
 * Record a marketplace return: found by its id, else the order's return opened at the
 * station without one (the id attached), else opened as source "marketplace" (only a
 * shipped order: DB_ESTATE otherwise). Its state, status text, reason, tracking number
 * and units are replaced by these unless the stored update time is later; nothing is
 * written when nothing changed (*changed 0), else one audit record. When the state says
 * the buyer shipped it back (in_transit, received), a SHIPPED, DELIVERED or COMPLETED
 * order becomes RETURNING; an order is never moved backwards. One transaction.
 * DB_ENOTFOUND when the shop has no such order; DB_EINVAL for bad input. *rma_id and
 * *changed may be NULL. System (the sync).
 */
int returns_market_upsert(struct session *s, const struct returns_market *in,
    int64_t *rma_id, int *changed);

#endif

/*
 * stock.h — warehouses, lots and the append-only stock ledger.
 *
 * Every movement (receive, reserve, unreserve, ship, adjust, return) is a stock_move row
 * plus an update of the cached stock_level row and an audit record, in one transaction.
 * On hand never goes negative; reserved never exceeds on hand; available-to-sell is
 * on hand - reserved - the SKU's buffer. Reservation takes the database write lock first,
 * so two processes racing for the last unit cannot both win.
 */
#ifndef PB_STOCK_H
#define PB_STOCK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Create or update a warehouse by code; *id may be NULL. Admin or system. */
int warehouse_upsert(struct session *s, const char *code, const char *name,
    const char *province, int64_t *id);
struct warehouse_row {
	int64_t id;
	char code[32];
	char name[96];
	char province[64];
	int64_t skus;               /* SKUs with stock on hand */
	int64_t on_hand;            /* units on hand, all SKUs */
};

/* Every warehouse with its stock totals; *rows owned by the caller (free()). */
int warehouse_list(struct session *s, struct warehouse_row **rows, size_t *n);

/* DB_ENOTFOUND when unknown. */
int warehouse_find(struct session *s, const char *code, int64_t *id);

/*
 * Receive qty (> 0) units into warehouse wh, lot lot_code ("" for an SKU that is not
 * lot-tracked), expiring at expiry (0: none). Creates the lot on first sight; a lot's
 * expiry, once set, must match.
 */
int stock_receive(struct session *s, int64_t wh, int64_t sku_id, const char *lot_code,
    int64_t expiry, int64_t qty, const char *note);

/*
 * Reserve qty units of sku for order line line_id in warehouse wh, taking lots FEFO
 * (earliest expiry first, skipping lots that expire within the SKU's min_shelf_days) for
 * lot-tracked SKUs, FIFO (oldest received first) otherwise. All or nothing: DB_ESTOCK
 * when available-to-sell is short.
 */
int stock_reserve(struct session *s, int64_t order_id, int64_t line_id, int64_t wh,
    int64_t sku_id, int64_t qty);
/* The same, lots also keeping at least min_shelf_days (a channel's minimum shelf life;
 * the SKU's own min_shelf_days still applies when longer). */
int stock_reserve_fresh(struct session *s, int64_t order_id, int64_t line_id, int64_t wh,
    int64_t sku_id, int64_t qty, int64_t min_shelf_days);
/* In a row-locked transaction (db.h db_begin_rows()), lock the stock of every SKU on the
 * order's lines, SKU ids ascending, before reading any of it; a no-op otherwise. */
int stock_lock_order(struct session *s, int64_t order_id);
/* Release every reservation of the order. */
int stock_unreserve_order(struct session *s, int64_t order_id);
/* The order leaves: on hand and reserved both drop by each reservation; rows removed. */
int stock_ship_order(struct session *s, int64_t order_id);
/* The same for the units reserved in warehouse wh only: one part of a split order. */
int stock_ship_order_at(struct session *s, int64_t order_id, int64_t wh);
/* A packed order cancelled before it left: what it shipped goes back on hand, into the
 * same lots (return movements). Supervisor. */
int stock_unship_order(struct session *s, int64_t order_id);
/* Signed correction (count, damage); admin. Never below reserved or zero. */
int stock_adjust(struct session *s, int64_t wh, int64_t sku_id, const char *lot_code,
    int64_t delta, const char *reason);
/* Units back from a buyer into a lot; supervisor. */
int stock_return(struct session *s, int64_t order_id, int64_t wh, int64_t sku_id,
    const char *lot_code, int64_t qty);

/*
 * A buyer's return: qty units of order_id back on hand into lot lot_id (the lot its ship
 * movements took them from), a 'return' movement; with write_off set they are written
 * off from that lot at once (a 'writeoff' movement: back, but not to be sold). note goes
 * on the movements. Packer (the receiving clerk; a write-off needs no approval).
 */
int stock_return_lot(struct session *s, int64_t order_id, int64_t wh, int64_t sku_id,
    int64_t lot_id, int64_t qty, int write_off, const char *note);

/* Totals over all lots of sku in wh (wh 0: all warehouses). */
int stock_on_hand(struct session *s, int64_t wh, int64_t sku_id, int64_t *out);
int stock_reserved(struct session *s, int64_t wh, int64_t sku_id, int64_t *out);
/* on hand - reserved - buffer, never below 0. */
int stock_available(struct session *s, int64_t wh, int64_t sku_id, int64_t *out);

/*
 * Check the ledger invariants: each stock_level equals its movements' sums, none
 * negative, reserved equals the reservation rows. 0 ok, 1 broken (msg says where),
 * negative on error.
 */
int stock_verify(struct session *s, char *msg, size_t len);

#endif

/*
 * purchase.h — stock on order: purchase order lines (the purchase_due table, schemas 14
 * and 19), one row per SKU, warehouse and quantity, with an optional reference shared
 * by the lines of one supplier's order and an optional due date. An open line counts as
 * on order in the demand forecast (demand.h); receiving it puts the units in through
 * stock_receive() (a ledger movement and its audit record) and closes the line in the
 * same transaction; a cancelled line no longer counts. Every change is audited.
 * Supervisor and above.
 */
#ifndef PB_PURCHASE_H
#define PB_PURCHASE_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define PURCHASE_REF_MAX 48

struct purchase_row {
	int64_t id, wh_id, sku_id, qty;
	int64_t due_at;             /* 0: no date */
	int64_t created_at, received_at, cancelled_at;  /* 0: not (yet) */
	char sku[64], wh[32], ref[PURCHASE_REF_MAX + 1];
};

/* A line of qty (> 0) units; ref NULL or "" for none (letters, digits, . _ / -);
 * due_at 0 for no date. *id may be NULL. */
int purchase_add(struct session *s, int64_t wh, int64_t sku_id, int64_t qty,
    int64_t due_at, const char *ref, int64_t *id);

/* The open lines (all when all), by due date then id; *rows owned by the caller
 * (free()). */
int purchase_list(struct session *s, int all, struct purchase_row **rows, size_t *n);

/*
 * What `which` names: the open lines of the reference, else the line of that id (open
 * or not, so that receiving it twice says so). DB_ENOTFOUND when neither.
 */
int purchase_find(struct session *s, const char *which, struct purchase_row **rows,
    size_t *n);

/*
 * Receive every open line `which` names (purchase_find) into its warehouse, lot lot
 * ("" none) expiring at expiry (0: none), all in one transaction; *units (may be NULL)
 * gets the units received. DB_ECONFLICT when the line is received or cancelled already.
 */
int purchase_receive(struct session *s, const char *which, const char *lot,
    int64_t expiry, int64_t *units);

/* Cancel the open lines `which` names; *lines (may be NULL) gets how many. */
int purchase_cancel(struct session *s, const char *which, const char *reason,
    int64_t *lines);

#endif

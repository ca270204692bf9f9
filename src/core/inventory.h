/*
 * inventory.h — stock as the supervisor screens show it: per SKU and warehouse the units
 * on hand, reserved, the SKU's buffer, available-to-sell (on hand - reserved - buffer,
 * never below 0), its lots with expiry, the low-stock threshold (schema 9, sku.low_stock)
 * and whether available is below it, and the last stock push to each channel (schema 7's
 * shop_listing: when, how many, and whether a newer push is owed). Adjusting stock is
 * stock_adjust() (admin).
 */
#ifndef PB_INVENTORY_H
#define PB_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

struct inv_row {
	int64_t sku_id, wh_id;
	char sku[64], name[96], wh[32];
	int64_t on_hand, reserved, buffer, available;
	int64_t low_stock;          /* 0: no threshold */
	int low;                    /* available below low_stock */
	int64_t lots;               /* lots with units on hand */
	int64_t next_expiry;        /* the earliest expiry on hand; 0: none */
	char pushed[160];           /* "shopee 12-01 10:00 =40, lazada never" ; "" none */
};

struct inv_lot {
	char lot[48];
	int64_t expiry, on_hand, reserved;
};

/* Which rows; NULL/0 match any. */
struct inv_filter {
	const char *warehouse;      /* code */
	const char *search;         /* substring of the SKU code or name (ASCII case folded) */
	int low_only;
};

/* *rows owned by the caller (free()), by SKU then warehouse. Supervisor and above. */
int inventory_list(struct session *s, const struct inv_filter *f, int64_t tz_offset,
    struct inv_row **rows, size_t *n);
/* The lots of sku in wh with units on hand or reserved, earliest expiry first. */
int inventory_lots(struct session *s, int64_t wh, int64_t sku_id, struct inv_lot **lots,
    size_t *n);
/* Set a SKU's low-stock threshold (0: none). Admin; audited. */
int inventory_set_low(struct session *s, int64_t sku_id, int64_t threshold);
/* How many SKUs of warehouse wh (0: all) are below their threshold. Any role: the
 * status line of every station shows it. */
int inventory_low_count(struct session *s, int64_t wh, int64_t *n);

#endif

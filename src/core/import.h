/*
 * import.h — bulk CSV loads of SKUs, stock and orders.
 *
 * All-or-nothing: the whole file is parsed and applied in one transaction; the first bad
 * row rolls everything back and s->err reads "FILE:LINE: column: what is wrong".
 * Formats (header row required, UTF-8, optional BOM, CRLF or LF, RFC 4180 quoting):
 *   skus:   sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost
 *   stock:  warehouse,sku,lot,expiry,qty
 *   orders: channel,shop,order_no,created_at,ship_by,status,cod,currency,total,
 *           buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
 */
#ifndef PB_IMPORT_H
#define PB_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

enum import_kind {
	IMPORT_SKUS,
	IMPORT_STOCK,
	IMPORT_ORDERS,
};

struct import_stats {
	int64_t rows;               /* data rows read */
	int64_t created;            /* records created (skus, lots moved, orders) */
	int64_t updated;            /* records updated */
};

/* 0 when the kind name (skus, stock, orders) is known. */
int import_kind_parse(const char *name, enum import_kind *out);
int import_file(struct session *s, enum import_kind kind, const char *path,
    struct import_stats *stats);

#endif

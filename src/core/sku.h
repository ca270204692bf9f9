/*
 * sku.h — the SKU master: SKUs, their barcodes (a barcode may stand for a pack of N
 * units) and the data-quality check behind `packbench skus check`.
 */
#ifndef PB_SKU_H
#define PB_SKU_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

struct sku_barcode_in {
	const char *code;
	int64_t pack_qty;           /* >= 1 */
};

struct sku_in {
	const char *sku;
	const char *name;
	const struct sku_barcode_in *barcodes;
	size_t nbarcodes;
	int64_t weight_g;           /* -1: unknown */
	int lot_tracked;
	int64_t min_shelf_days;
	int64_t cost;               /* minor units; -1: unknown */
};

/* Insert or update by sku code; barcodes replaced. Admin or system. *id may be NULL. */
int sku_upsert(struct session *s, const struct sku_in *in, int64_t *id);
int sku_find(struct session *s, const char *sku, int64_t *id);
/* Resolve a scanned barcode: DB_ENOTFOUND, or DB_EINVAL when two SKUs share it. */
int sku_by_barcode(struct session *s, const char *code, int64_t *sku_id, int64_t *pack_qty);

/* GTIN-8/12/13/14 check digit: 1 valid, 0 wrong check digit, -1 not a GTIN shape. */
int gtin_check(const char *code);

struct sku_issue {
	char sku[64];
	char kind[24];              /* duplicate-barcode, missing-barcode, bad-gtin, missing-weight */
	char detail[160];
};

/* Every data-quality problem of the SKU master; *issues owned by the caller (free()). */
int sku_check(struct session *s, struct sku_issue **issues, size_t *n);

#endif

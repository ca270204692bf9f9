/*
 * merge.h — orders of one buyer that can travel in one parcel.
 *
 * Open orders (NEW to PACKING) of the same shop, buyer phone, address, district and
 * province are merge candidates where the channel's policy allows merging
 * (route_policy().merge). Merging records that an order ships in another's parcel
 * (order_merge) with an audit record on both; the pack screen offers it when the
 * scanned order has candidates; packing opens the whole parcel (pack.h), and confirming
 * it owes every marketplace order in it its own ship call (pack.c owe_ship), since the
 * platforms track each order by itself. An order split over warehouses ships in parts
 * and is never merged.
 */
#ifndef PB_MERGE_H
#define PB_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Other orders that could share order id's parcel, oldest first; *ids owned by the
 * caller (free()). None when the channel does not merge. */
int merge_candidates(struct session *s, int64_t id, int64_t **ids, size_t *n);

/* Put order other into the parcel of order parcel (both candidates of each other, in
 * one warehouse when allocated); audited. Packer. */
int merge_orders(struct session *s, int64_t parcel, int64_t other);

/* Orders merged into parcel's parcel; *ids owned by the caller (free()). */
int merge_members(struct session *s, int64_t parcel, int64_t **ids, size_t *n);

/* Un-merge order id: it leaves its parcel, or (when the parcel is its own) every order
 * in it leaves; each with an audit record "unmerge" saying why. In the caller's
 * transaction when there is one. A cancelled order leaves this way (order.c), so that
 * it is never packed and shipped in another's parcel. */
int merge_leave(struct session *s, int64_t id, const char *why);

#endif

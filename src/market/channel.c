/* channel.c — marketplace registry and status maps (reference/marketplaces.md). */
#include "channel.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Unpaid orders are not ours to pack yet; they arrive as NEW and wait for confirmation. */
static const struct channel_status shopee_statuses[] = {
	{ "UNPAID", ST_NEW },
	{ "PENDING", ST_NEW },
	{ "INVOICE_PENDING", ST_NEW },
	{ "READY_TO_SHIP", ST_CONFIRMED },
	{ "RETRY_SHIP", ST_CONFIRMED },
	{ "PROCESSED", ST_PACKED },
	{ "SHIPPED", ST_SHIPPED },
	{ "TO_CONFIRM_RECEIVE", ST_DELIVERED },
	{ "COMPLETED", ST_COMPLETED },
	{ "IN_CANCEL", ST_ON_HOLD },
	{ "CANCELLED", ST_CANCELLED },
	{ "TO_RETURN", ST_RETURNING },
	{ NULL, ST_NEW },
};

static const struct channel_status lazada_statuses[] = {
	{ "unpaid", ST_NEW },
	{ "pending", ST_CONFIRMED },
	{ "topack", ST_CONFIRMED },
	{ "toship", ST_PACKED },
	{ "ready_to_ship", ST_PACKED },
	{ "shipped", ST_SHIPPED },
	{ "delivered", ST_DELIVERED },
	{ "canceled", ST_CANCELLED },
	{ "failed", ST_RETURNING },
	{ "returned", ST_RETURNED },
	{ NULL, ST_NEW },
};

static const struct channel_status tiktok_statuses[] = {
	{ "UNPAID", ST_NEW },
	{ "ON_HOLD", ST_NEW },
	{ "AWAITING_SHIPMENT", ST_CONFIRMED },
	{ "PARTIALLY_SHIPPING", ST_PACKING },
	{ "AWAITING_COLLECTION", ST_PACKED },
	{ "IN_TRANSIT", ST_SHIPPED },
	{ "DELIVERED", ST_DELIVERED },
	{ "COMPLETED", ST_COMPLETED },
	{ "CANCELLED", ST_CANCELLED },
	{ NULL, ST_NEW },
};

const struct channel channel_table[] = {
	{ "shopee", "Shopee", shopee_statuses },
	{ "lazada", "Lazada", lazada_statuses },
	{ "tiktok", "TikTok Shop", tiktok_statuses },
	{ NULL, NULL, NULL },
};

const struct channel *
channel_find(const char *name)
{
	const struct channel *c;

	for (c = channel_table; c->name != NULL; c++) {
		if (strcasecmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

int
channel_status_map(const struct channel *c, const char *theirs, enum order_status *out)
{
	const struct channel_status *cs;

	for (cs = c->statuses; cs->theirs != NULL; cs++) {
		if (strcmp(cs->theirs, theirs) == 0) {
			*out = cs->ours;
			return 0;
		}
	}
	return -1;
}

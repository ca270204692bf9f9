/*
 * channel.h — the marketplace registry: one row per channel with its name and how its
 * own order statuses map onto packbench's. Adding a marketplace is adding a row.
 */
#ifndef PB_CHANNEL_H
#define PB_CHANNEL_H

#include "core/order.h"

struct channel_status {
	const char *theirs;
	enum order_status ours;
};

struct channel {
	const char *name;           /* as in the config: shopee, lazada, tiktok */
	const char *title;
	const struct channel_status *statuses;
};

extern const struct channel channel_table[];

/* NULL when unknown. */
const struct channel *channel_find(const char *name);
/* Map a channel's status text to ours; -1 when the channel does not have it. */
int channel_status_map(const struct channel *c, const char *theirs, enum order_status *out);

#endif

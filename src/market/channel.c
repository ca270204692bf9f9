/*
 * channel.c — the marketplace registry (reference/marketplaces.md). Each channel's file
 * provides its status map and connector; this table lists them.
 */
#include "channel.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "lazada.h"
#include "shopee.h"
#include "tiktok.h"

const struct channel channel_table[] = {
	{ "shopee", "Shopee", shopee_statuses, &shopee_connector },
	{ "lazada", "Lazada", lazada_statuses, &lazada_connector },
	{ "tiktok", "TikTok Shop", tiktok_statuses, &tiktok_connector },
	{ NULL, NULL, NULL, NULL },
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
channel_status_lookup(const struct channel_status *table, const char *theirs,
    enum order_status *out)
{
	const struct channel_status *cs;

	for (cs = table; cs->theirs != NULL; cs++) {
		if (strcmp(cs->theirs, theirs) == 0) {
			*out = cs->ours;
			return 0;
		}
	}
	return -1;
}

int
channel_status_map(const struct channel *c, const char *theirs, enum order_status *out)
{
	return channel_status_lookup(c->statuses, theirs, out);
}

void
channel_order_status(const struct channel_status *table, struct market_orders *o,
    struct market_order *mo, const char *theirs)
{
	mo->their_status = market_orders_str(o, theirs);
	mo->status_known = theirs != NULL &&
	    channel_status_lookup(table, theirs, &mo->in.status) == 0;
	if (!mo->status_known)
		mo->in.status = ST_NEW;
}

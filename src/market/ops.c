/*
 * ops.c — the table of channels' owed-call rows (ops.h) and the settlement helpers.
 * Each channel's row lives in its ops_<channel>.c and is listed here.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "lazada.h"
#include "shopee.h"
#include "tiktok.h"

static const struct market_ops *const ops_table[] = {
	&shopee_ops,
	&lazada_ops,
	&tiktok_ops,
	NULL,
};

const struct market_ops *
ops_find(const char *channel)
{
	size_t i;

	for (i = 0; channel != NULL && ops_table[i] != NULL; i++) {
		if (strcmp(ops_table[i]->channel, channel) == 0)
			return ops_table[i];
	}
	return NULL;
}

void
market_settlement_free(struct market_settlement *s)
{
	free(s->fees);
	s->fees = NULL;
	s->n = s->cap = 0;
}

void
market_settlement_add(struct market_settlement *s, const char *type, int64_t amount)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->fees = xrealloc(s->fees, s->cap * sizeof *s->fees);
	}
	snprintf(s->fees[s->n].type, sizeof s->fees[s->n].type, "%s", type);
	s->fees[s->n].amount = amount;
	s->n++;
}

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

void
market_returns_free(struct market_returns *rs)
{
	size_t i, k;

	for (i = 0; i < rs->n; i++) {
		for (k = 0; k < rs->v[i].nunits; k++)
			free((char *)rs->v[i].units[k].sku);
		free(rs->v[i].units);
	}
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

struct market_return *
market_returns_add(struct market_returns *rs)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = xrealloc(rs->v, rs->cap * sizeof *rs->v);
	}
	memset(&rs->v[rs->n], 0, sizeof rs->v[rs->n]);
	return &rs->v[rs->n++];
}

void
market_return_unit(struct market_return *r, const char *sku, int64_t qty)
{
	size_t i;

	for (i = 0; i < r->nunits; i++) {
		if (strcmp(r->units[i].sku, sku) == 0) {
			r->units[i].qty += qty;
			return;
		}
	}
	r->units = xrealloc(r->units, (r->nunits + 1) * sizeof *r->units);
	r->units[r->nunits].sku = xstrdup(sku);
	r->units[r->nunits].qty = qty;
	r->nunits++;
}

int
market_rstate_lookup(const struct market_rstate *table, const char *theirs,
    enum returns_mstate *out)
{
	size_t i;

	for (i = 0; theirs != NULL && table[i].theirs != NULL; i++) {
		if (strcmp(table[i].theirs, theirs) == 0) {
			*out = table[i].ours;
			return 0;
		}
	}
	return -1;
}

struct market_return *
market_return_new(struct market_returns *rs, const struct market_return_in *in,
    const struct market_rstate *table, const char *channel, const char *field,
    struct market_error *err)
{
	struct market_return *mr = market_returns_add(rs);

	market_line_copy(mr->id, sizeof mr->id, in->id);
	market_line_copy(mr->order_no, sizeof mr->order_no, in->order_no);
	if (market_rstate_lookup(table, in->status, &mr->state) < 0) {
		market_error_set(err, MC_FATAL, "", "%s: return %s: unknown %s '%s'", channel,
		    in->id, field, in->status != NULL ? in->status : "");
		return NULL;
	}
	market_line_copy(mr->their_status, sizeof mr->their_status, in->status);
	market_line_copy(mr->reason, sizeof mr->reason, in->reason);
	market_line_copy(mr->tracking, sizeof mr->tracking, in->tracking);
	mr->updated_at = in->updated_at;
	mr->refund_only = in->refund_only;
	return mr;
}

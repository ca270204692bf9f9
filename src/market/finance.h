/*
 * finance.h — settlements fetched from the marketplaces and stored for reconciliation
 * (issue 8 reads them): each delivered or completed order's fee and amount lines
 * (commission, service, transaction, shipping fees, vouchers, escrow), as the channel
 * reports them through its ops row's settlement call, in minor units with the currency,
 * positive = paid to the seller.
 *
 * Tables settlement (per order: final, when fetched, when to ask again, last error) and
 * settlement_fee (one line per shop, order and fee type). Lines the channel does not
 * call final are replaced at each fetch; once final, the order is not asked again.
 * Every store is one transaction with its audit record.
 */
#ifndef PB_FINANCE_H
#define PB_FINANCE_H

#include <stdint.h>

#include "core/session.h"
#include "market.h"
#include "ops.h"
#include "retry.h"
#include "transport.h"

struct finance_opts {
	const char *channel;        /* "shopee", "lazada", "tiktok" */
	const char *shop;           /* the channel's shop id, as text (shop.shop_code) */
	int limit;                  /* most orders per call; 0: 50 */
	int64_t refetch_s;          /* a settlement not yet final is asked again after
	                             * this; 0: 6 hours */
	int64_t lease_s;            /* an order being fetched is due again after this;
	                             * 0: 120 s */
	int64_t backoff_base_s;     /* first retry after a failure; 0: 60 s */
	int64_t backoff_max_s;      /* longest wait between retries; 0: 6 hours */
	/* As outbox_opts: market_call's policy and hooks, wall_s also the rows' clock;
	 * NULL: 4 attempts, 200 ms .. 5 s, real clock. */
	const struct market_call_env *env;
	const struct market_ops *ops;   /* NULL: ops_find(channel) (tests pass their own) */
};

struct finance_counts {
	int64_t fetched;            /* settlements stored by this call */
	int64_t final;              /* of those, final */
	int64_t failed;             /* orders whose fetch failed (they keep last_error) */
	int64_t due;                /* orders still due after it (not final, time come) */
};

/*
 * Fetch and store the settlements of the shop's orders that are due: delivered or
 * completed (the order engine marks them so in the transition's transaction), none
 * final, time come; at most o->limit of them, the longest due first. 0 when each
 * fetch succeeded; 1 when some failed or the channel has no settlement call (err holds
 * the first); negative on a database error (err filled). counts may be NULL.
 */
int finance_fetch_due(struct session *s, const struct market_creds *creds,
    struct transport *t, const struct finance_opts *o, struct finance_counts *counts,
    struct market_error *err);

/*
 * Store order order_id's settlement as fetched at now: its lines replace the order's
 * lines not yet final (repeated fee types summed), in one transaction with an audit
 * record; a settlement not final is due again at again_at. A final settlement is never
 * replaced (0, nothing changed). DB_ENOTFOUND when there is no such order.
 * finance_fetch_due uses it; so may a webhook or an import.
 */
int finance_store(struct session *s, int64_t order_id, const struct market_settlement *st,
    int64_t now, int64_t again_at);

#endif

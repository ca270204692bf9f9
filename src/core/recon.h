/*
 * recon.h — reconciliation: what each channel paid per order (settlement_fee, from the
 * sync's finance fetch or an imported settlement report) against what it should have
 * charged by the fee schedule of the configuration.
 *
 * A channel's own fee names (Shopee's commission_fee, Lazada's "Payment Fee", TikTok's
 * referral_fee_amount, ...) fall into a few categories (recon_category()). Expected
 * fees, per order:
 *   commission  = items x commission%          items = sum(qty x unit_price) of its lines
 *   service     = items x service% + fixed
 *   transaction = total x transaction%         total = what the buyer paid (orders.total)
 *   subsidy     = shipping_subsidy             (checked only when the schedule sets it)
 * each rounded half away from zero to the minor unit. A fee whose charge differs from the
 * expected one by more than the threshold is flagged. Amounts are minor units; settlement
 * lines are positive when paid to the seller, so a charge is the negated sum.
 */
#ifndef PB_RECON_H
#define PB_RECON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "session.h"

enum recon_cat {
	RC_GROSS,                   /* the items' price credited */
	RC_COMMISSION,
	RC_SERVICE,
	RC_TRANSACTION,             /* transaction / payment fee */
	RC_SHIPPING,                /* shipping paid by the buyer, charged by the carrier */
	RC_SUBSIDY,                 /* the channel's shipping rebate to the seller */
	RC_VOUCHER,                 /* seller-funded vouchers and discounts */
	RC_OTHER,                   /* any other fee or adjustment */
	RC_NET,                     /* the channel's own payout total (escrow, settlement) */
	RC_INFO,                    /* informational; in no sum */
	RC__CATS
};

const char *recon_cat_name(enum recon_cat c);
/* The category of a channel's fee type (lowercase_with_underscores). */
enum recon_cat recon_category(const char *fee_type);

/* One fee schedule: a channel's ("shopee") or one shop's ("shopee.220011"). */
struct recon_sched {
	char key[80];
	int64_t commission_ppm;     /* parts per million of the items */
	int64_t service_ppm;
	int64_t transaction_ppm;
	int64_t fixed;              /* minor units per order, added to the service fee */
	int64_t shipping_subsidy;   /* minor units per order; 0: not checked */
};

/* The [fees] section. */
struct recon_fees {
	struct recon_sched *sched;  /* owned */
	size_t n;
	int64_t threshold;          /* a difference above this is flagged (minor units) */
	int64_t packing_cost;       /* per parcel, for the KPIs' cost per order */
	int64_t dead_days;          /* dead stock: no sale in this many days (default 90) */
};

void recon_fees_init(struct recon_fees *f);
void recon_fees_free(struct recon_fees *f);
/*
 * One [fees] line: threshold = N, packing_cost = N, dead_days = N, or
 * CHANNEL[.SHOP] = commission 4%, service 3.5%, transaction 2%, fixed 1000,
 * shipping_subsidy 15000 (any of these, any order). 0, or -1 with one line in err.
 */
int recon_fees_set(struct recon_fees *f, const char *key, const char *value, char *err,
    size_t errlen);
/* The shop's schedule, else its channel's, else NULL. */
const struct recon_sched *recon_fees_find(const struct recon_fees *f, const char *channel,
    const char *shop);
/* amount x ppm / 1e6, rounded half away from zero. */
int64_t recon_ppm(int64_t amount, int64_t ppm);

/*
 * Import a channel's settlement report (CSV, accepted columns in README.md): every line
 * matched to an order or nothing is stored. Lines replace the orders' lines of the same
 * fee type (repeated ones summed) and are final. name is used in messages ("FILE:LINE:
 * ..."). *lines and *orders get what was stored. System or admin role.
 */
int recon_import(struct session *s, const char *name, FILE *fp, int64_t *lines,
    int64_t *orders);

struct recon_shop {
	char channel[16];
	char shop[64];
	char currency[4];
	int64_t orders;             /* orders with settlement lines */
	int64_t cat[RC__CATS];      /* sums of the lines, by category (as reported) */
	int64_t cod;                /* COD collected: delivered or completed orders' COD */
	int64_t net;                /* the channel's payout lines, else the sum of the rest */
	int64_t flagged;            /* discrepancies */
};

struct recon_flag {
	char channel[16];
	char shop[64];
	char order_no[64];
	enum recon_cat fee;
	int64_t expected, actual;   /* charges, positive */
	char currency[4];
};

struct recon_report {
	struct recon_shop *shops;   /* by channel, shop */
	size_t nshops;
	struct recon_flag *flags;   /* by channel, shop, order, fee */
	size_t nflags;
};

/*
 * Reconcile the orders created in [from, to): sums per channel and shop and the fees
 * that differ from the schedule. *out owned by the caller (recon_report_free).
 * Supervisor role.
 */
int recon_run(struct session *s, const struct recon_fees *f, int64_t from, int64_t to,
    struct recon_report *out);
void recon_report_free(struct recon_report *r);

#endif

/*
 * kpi.h — the numbers a seller runs the business on, over the orders created in a
 * period, grouped by day, week, channel or shop; with per-packer, per-province,
 * per-SKU-and-channel and dead-stock tables. Where each number comes from is written at
 * the top of kpi.c. Rates are counts (numerator and denominator) so that callers show
 * them as they like; money is minor units. Supervisor role.
 */
#ifndef PB_KPI_H
#define PB_KPI_H

#include <stddef.h>
#include <stdint.h>

#include "recon.h"
#include "session.h"

enum kpi_by { KPI_BY_DAY, KPI_BY_WEEK, KPI_BY_CHANNEL, KPI_BY_SHOP };

/* 0, or -1 when name is not day|week|channel|shop. */
int kpi_by_parse(const char *name, enum kpi_by *out);

enum kpi_cause { KPI_OUT_OF_STOCK, KPI_BUYER, KPI_SELLER, KPI_FAILED_DELIVERY, KPI__CAUSES };
const char *kpi_cause_name(enum kpi_cause c);
/* The cause of a cancel from its reason, the status it left and who made it. */
enum kpi_cause kpi_cancel_cause(const char *reason, const char *from, const char *user);

enum kpi_lead { KPI_PAID_PACKED, KPI_PACKED_HANDED, KPI_HANDED_DELIVERED, KPI__LEADS };

struct kpi_row {
	char key[80];               /* 2025-12-01 (day; a week by its Monday), shopee,
	                             * shopee/220011 */
	int64_t orders;
	int64_t shipped, otif;      /* OTIF = otif / shipped */
	int64_t cancels;            /* cancelled + failed deliveries */
	int64_t cause[KPI__CAUSES];
	int64_t delivered, returned;    /* return rate = returned / delivered */
	int64_t lead_n[KPI__LEADS], lead_s[KPI__LEADS];  /* average = lead_s / lead_n */
	int64_t cost_n, cost;       /* cost per order = cost / cost_n (shipped orders) */
	int64_t revenue, profit;    /* items sold and their gross profit */
};

struct kpi_packer {
	char user[64];
	int64_t parcels, hours, locks;  /* parcels / hour; locks / parcels */
};

struct kpi_province {
	char province[64];
	int64_t cod_shipped, refused;
};

struct kpi_profit {
	char sku[64];
	char channel[16];
	int64_t units, revenue, cost, fees, shipping, vouchers, profit;
};

struct kpi_dead {
	char sku[64];
	int64_t on_hand, value;
	int64_t last_sale;          /* 0: never */
};

struct kpi_report {
	struct kpi_row *rows;
	size_t nrows;
	struct kpi_row total;
	struct kpi_packer *packers;
	size_t npackers;
	struct kpi_province *provinces;
	size_t nprovinces;
	struct kpi_profit *profit;  /* by SKU, channel */
	size_t nprofit;
	struct kpi_dead *dead;      /* by value, largest first */
	size_t ndead;
	int64_t cogs;               /* cost of the units shipped */
	int64_t stock_start, stock_end;   /* stock value at from and at to */
	int64_t turnover_x100;      /* cogs / average stock value, x100; -1: no stock */
};

struct kpi_opts {
	int64_t from, to;           /* orders created in [from, to) */
	enum kpi_by by;
	int64_t utc_offset_s;       /* days and weeks in this zone */
	const struct recon_fees *fees;  /* packing_cost, dead_days; NULL: none, 90 days */
};

/* *out owned by the caller (kpi_report_free). */
int kpi_run(struct session *s, const struct kpi_opts *o, struct kpi_report *out);
void kpi_report_free(struct kpi_report *r);

#endif

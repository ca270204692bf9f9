/*
 * cmd_kpi.c — `packbench report kpi`: the KPIs of core/kpi.h over a period, grouped by
 * day, week, channel or shop, then per packer, per province, per SKU and channel, the
 * stock's turnover and dead stock. Rates are percentages with one decimal, lead times
 * hours with one decimal, money minor units.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/kpi.h"

int cmd_report_kpi(struct cmd_ctx *c);

/* n / d as a percentage with one decimal, rounded half up; "" when d is 0. */
static void
pct(char *buf, size_t len, int64_t n, int64_t d)
{
	int64_t v;

	if (d <= 0) {
		buf[0] = '\0';
		return;
	}
	v = (n * 1000 * 2 + d) / (2 * d);
	snprintf(buf, len, "%" PRId64 ".%" PRId64, v / 10, v % 10);
}

/* n / d with one decimal (seconds -> hours when scale is 3600). */
static void
ratio(char *buf, size_t len, int64_t n, int64_t d)
{
	int64_t v;

	if (d <= 0) {
		buf[0] = '\0';
		return;
	}
	v = (n * 10 * 2 + d) / (2 * d);
	snprintf(buf, len, "%" PRId64 ".%" PRId64, v / 10, v % 10);
}

static void
num(char *buf, size_t len, int64_t v)
{
	snprintf(buf, len, "%" PRId64, v);
}

enum { SEC_SUMMARY = 1, SEC_PACKERS = 2, SEC_PROVINCES = 4, SEC_PROFIT = 8, SEC_STOCK = 16,
    SEC_DEAD = 32, SEC_ALL = 63 };

static void
summary(struct out *o, const struct kpi_row *r)
{
	char v[17][24];
	const char *vals[18];
	int k, l;

	num(v[0], 24, r->orders);
	pct(v[1], 24, r->otif, r->shipped);
	pct(v[2], 24, r->cancels, r->orders);
	for (k = 0; k < KPI__CAUSES; k++)
		num(v[3 + k], 24, r->cause[k]);
	pct(v[7], 24, r->returned, r->delivered);
	for (l = 0; l < KPI__LEADS; l++)
		ratio(v[8 + l], 24, r->lead_s[l], r->lead_n[l] * 3600);
	ratio(v[11], 24, r->cost, r->cost_n);
	num(v[12], 24, r->revenue);
	num(v[13], 24, r->profit);
	num(v[14], 24, r->shipped);
	num(v[15], 24, r->delivered);
	num(v[16], 24, r->returned);
	vals[0] = r->key;
	for (k = 0; k < 17; k++)
		vals[k + 1] = v[k][0] != '\0' ? v[k] : NULL;   /* no denominator: null */
	out_row(o, vals);
}

int
cmd_report_kpi(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "section", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col scols[] = {
		{ "period", 0 }, { "orders", 1 }, { "otif_pct", 1 }, { "cancel_pct", 1 },
		{ "cancel_out_of_stock", 1 }, { "cancel_buyer", 1 }, { "cancel_seller", 1 },
		{ "cancel_failed_delivery", 1 }, { "return_pct", 1 }, { "paid_packed_h", 1 },
		{ "packed_handed_h", 1 }, { "handed_delivered_h", 1 }, { "cost_per_order", 1 },
		{ "revenue", 1 }, { "gross_profit", 1 }, { "shipped", 1 }, { "delivered", 1 },
		{ "returned", 1 },
	};
	static const struct out_col pcols[] = {
		{ "packer", 0 }, { "parcels", 1 }, { "hours", 1 }, { "parcels_per_hour", 1 },
		{ "locks", 1 }, { "lock_pct", 1 },
	};
	static const struct out_col rcols[] = {
		{ "province", 0 }, { "cod_shipped", 1 }, { "refused", 1 }, { "refusal_pct", 1 },
	};
	static const struct out_col gcols[] = {
		{ "sku", 0 }, { "channel", 0 }, { "units", 1 }, { "revenue", 1 }, { "cost", 1 },
		{ "fees", 1 }, { "shipping", 1 }, { "vouchers", 1 }, { "gross_profit", 1 },
	};
	static const struct out_col tcols[] = {
		{ "cogs", 1 }, { "stock_start", 1 }, { "stock_end", 1 }, { "turnover", 1 },
	};
	static const struct out_col dcols[] = {
		{ "sku", 0 }, { "on_hand", 1 }, { "value", 1 }, { "last_sale", 0 },
	};
	static const char *const secnames[] = { "summary", "packers", "provinces", "profit",
	    "stock", "dead" };
	const char *from = NULL, *to = NULL;
	struct kpi_opts ko = { 0 };
	struct kpi_report r;
	struct config cfg;
	struct session s;
	struct db *db;
	struct out *o;
	int opt, rc, sec = 0, k, first = 1;
	size_t i;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_period_opt(opt, optarg, &from, &to))
			continue;
		switch (opt) {
		case 'b':
			if (kpi_by_parse(optarg, &ko.by) != 0) {
				fprintf(stderr, "packbench: --by '%s' is not day, week, channel or "
				    "shop\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			for (k = 0; k < 6 && strcmp(optarg, secnames[k]) != 0; k++)
				;
			if (k == 6) {
				fprintf(stderr, "packbench: --section '%s' is not summary, packers, "
				    "provinces, profit, stock or dead\n", optarg);
				return EXIT_USAGE;
			}
			sec |= 1 << k;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (sec == 0)
		sec = c->fmt == OUT_CSV ? SEC_SUMMARY : SEC_ALL;
	if ((rc = cmd_report_config(c, &cfg, from, to, &ko.from, &ko.to)) != 0)
		return rc;
	ko.utc_offset_s = (int64_t)cfg.station.utc_offset_min * 60;
	ko.fees = &cfg.fees;
	if (cmd_open(c, &db, &s) != 0) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (kpi_run(&s, &ko, &r) != 0) {
		rc = cmd_fail(&s);
		db_close(db);
		config_free(&cfg);
		return rc;
	}
	if (c->fmt == OUT_JSON)
		fputs("{", stdout);
#define SECTION(name) do { \
		if (c->fmt == OUT_JSON) \
			printf("%s\"%s\":", first ? "" : ",", name); \
		else if (!first) \
			fputs("\n", stdout); \
		first = 0; \
	} while (0)
	if (sec & SEC_SUMMARY) {
		SECTION("summary");
		o = out_begin(stdout, c->fmt, scols, (int)(sizeof scols / sizeof scols[0]));
		for (i = 0; i < r.nrows; i++)
			summary(o, &r.rows[i]);
		summary(o, &r.total);
		out_end(o);
	}
	if (sec & SEC_PACKERS) {
		SECTION("packers");
		o = out_begin(stdout, c->fmt, pcols, (int)(sizeof pcols / sizeof pcols[0]));
		for (i = 0; i < r.npackers; i++) {
			const struct kpi_packer *p = &r.packers[i];
			char v[5][24];
			const char *vals[6] = { p->user, v[0], v[1], v[2], v[3], v[4] };

			num(v[0], 24, p->parcels);
			num(v[1], 24, p->hours);
			ratio(v[2], 24, p->parcels, p->hours);
			num(v[3], 24, p->locks);
			pct(v[4], 24, p->locks, p->parcels);
			out_row(o, vals);
		}
		out_end(o);
	}
	if (sec & SEC_PROVINCES) {
		SECTION("provinces");
		o = out_begin(stdout, c->fmt, rcols, (int)(sizeof rcols / sizeof rcols[0]));
		for (i = 0; i < r.nprovinces; i++) {
			const struct kpi_province *p = &r.provinces[i];
			char v[3][24];
			const char *vals[4] = { p->province, v[0], v[1], v[2] };

			num(v[0], 24, p->cod_shipped);
			num(v[1], 24, p->refused);
			pct(v[2], 24, p->refused, p->cod_shipped);
			out_row(o, vals);
		}
		out_end(o);
	}
	if (sec & SEC_PROFIT) {
		SECTION("profit");
		o = out_begin(stdout, c->fmt, gcols, (int)(sizeof gcols / sizeof gcols[0]));
		for (i = 0; i < r.nprofit; i++) {
			const struct kpi_profit *p = &r.profit[i];
			char v[7][24];
			const char *vals[9] = { p->sku, p->channel, v[0], v[1], v[2], v[3], v[4],
			    v[5], v[6] };

			num(v[0], 24, p->units);
			num(v[1], 24, p->revenue);
			num(v[2], 24, p->cost);
			num(v[3], 24, p->fees);
			num(v[4], 24, p->shipping);
			num(v[5], 24, p->vouchers);
			num(v[6], 24, p->profit);
			out_row(o, vals);
		}
		out_end(o);
	}
	if (sec & SEC_STOCK) {
		char v[4][24];
		const char *vals[4] = { v[0], v[1], v[2], v[3] };

		SECTION("stock");
		o = out_begin(stdout, c->fmt, tcols, 4);
		num(v[0], 24, r.cogs);
		num(v[1], 24, r.stock_start);
		num(v[2], 24, r.stock_end);
		if (r.turnover_x100 < 0)
			v[3][0] = '\0';
		else
			snprintf(v[3], 24, "%" PRId64 ".%02" PRId64, r.turnover_x100 / 100,
			    r.turnover_x100 % 100);
		out_row(o, vals);
		out_end(o);
	}
	if (sec & SEC_DEAD) {
		SECTION("dead");
		o = out_begin(stdout, c->fmt, dcols, 4);
		for (i = 0; i < r.ndead; i++) {
			const struct kpi_dead *d = &r.dead[i];
			char v[3][24];
			const char *vals[4] = { d->sku, v[0], v[1], v[2] };

			num(v[0], 24, d->on_hand);
			num(v[1], 24, d->value);
			if (d->last_sale > 0)
				clock_format(d->last_sale, ko.utc_offset_s, v[2], 24);
			else
				snprintf(v[2], 24, "never");
			out_row(o, vals);
		}
		out_end(o);
	}
#undef SECTION
	if (c->fmt == OUT_JSON)
		fputs("}\n", stdout);
	kpi_report_free(&r);
	db_close(db);
	config_free(&cfg);
	return EXIT_OK;
}

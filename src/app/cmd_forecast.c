/*
 * cmd_forecast.c — `packbench report forecast`: per SKU and warehouse the model chosen
 * by backtest and its MAPE, the mean daily forecast over the lead time, days of cover,
 * the projected out-of-stock date and the reorder quantity (core/demand.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/demand.h"

int cmd_report_forecast(struct cmd_ctx *c);

/* A whole number of days in [lo, hi] from optarg; -1 with a message when not. */
static int64_t
days_arg(const char *opt, const char *arg, int64_t lo, int64_t hi)
{
	char *end;
	long long v = strtoll(arg, &end, 10);

	if (end == arg || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "packbench: --%s %s: a whole number from %" PRId64 " to %" PRId64
		    "\n", opt, arg, lo, hi);
		return -1;
	}
	return (int64_t)v;
}

int
cmd_report_forecast(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "sku", required_argument, NULL, 'k' },
		{ "warehouse", required_argument, NULL, 'w' },
		{ "lead-time", required_argument, NULL, 'l' },
		{ "horizon", required_argument, NULL, 'H' },
		{ "campaigns", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "sku", 0 }, { "warehouse", 0 }, { "model", 0 }, { "mape_pct", 1 },
		{ "per_day", 1 }, { "free", 1 }, { "on_order", 1 }, { "cover_days", 1 },
		{ "out_of_stock", 0 }, { "reorder", 1 }, { "at_risk", 0 },
	};
	struct demand_params p;
	struct demand_filter f = { 0 };
	struct demand_calendar cal;
	struct demand_row *rows;
	struct config cfg;
	struct session s;
	struct db *db;
	struct out *o;
	const char *campaigns = NULL;
	int64_t lead = 0, horizon = 0;
	char err[512], num[8][32];
	size_t n, i;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			f.sku = optarg;
			break;
		case 'w':
			f.warehouse = optarg;
			break;
		case 'l':
			if ((lead = days_arg("lead-time", optarg, 1, 365)) < 0)
				return EXIT_USAGE;
			break;
		case 'H':
			if ((horizon = days_arg("horizon", optarg, 1, 730)) < 0)
				return EXIT_USAGE;
			break;
		case 'C':
			campaigns = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	p = cfg.forecast;
	if (lead)
		p.lead_time_days = lead;
	if (horizon)
		p.horizon_days = horizon;
	if (!campaigns && p.campaigns[0])
		campaigns = p.campaigns;
	rc = campaigns ? demand_calendar_load(&cal, campaigns, err, sizeof err) :
	    demand_calendar_builtin(&cal, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (cmd_open(c, &db, &s) != 0) {
		demand_calendar_free(&cal);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	rc = demand_plan(&s, &f, &cal, &p, clock_now(),
	    (int64_t)cfg.station.utc_offset_min * 60, &rows, &n);
	demand_calendar_free(&cal);
	config_free(&cfg);
	if (rc != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		const struct demand_row *r = &rows[i];
		const char *vals[11];

		if (isnan(r->mape))
			snprintf(num[0], sizeof num[0], "-");
		else
			snprintf(num[0], sizeof num[0], "%.1f", r->mape);
		snprintf(num[1], sizeof num[1], "%.2f", r->daily);
		snprintf(num[2], sizeof num[2], "%" PRId64, r->free);
		snprintf(num[3], sizeof num[3], "%" PRId64, r->on_order);
		if (r->cover < 0)
			snprintf(num[4], sizeof num[4], ">%" PRId64, p.horizon_days);
		else
			snprintf(num[4], sizeof num[4], "%.1f", r->cover);
		if (r->oos_day)
			demand_day_format(r->oos_day, num[5], sizeof num[5]);
		else
			snprintf(num[5], sizeof num[5], "-");
		snprintf(num[6], sizeof num[6], "%" PRId64, r->reorder);
		vals[0] = r->sku;
		vals[1] = r->wh;
		vals[2] = fc_model_name(r->model);
		vals[3] = num[0];
		vals[4] = num[1];
		vals[5] = num[2];
		vals[6] = num[3];
		vals[7] = num[4];
		vals[8] = num[5];
		vals[9] = num[6];
		vals[10] = r->at_risk ? "yes" : "no";
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

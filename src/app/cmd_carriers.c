/*
 * cmd_carriers.c — `packbench report carriers` (the scorecard), `packbench carriers list`
 * (the rate tables in use), `carriers quote` (what each carrier would charge and
 * promise for a parcel, and which routing would choose) and `carriers costs` (import
 * what parcels actually cost, from a carrier's invoice).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "core/carrier.h"
#include "core/clock.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/order.h"
#include "core/route.h"

int cmd_report_carriers(struct cmd_ctx *c);
int cmd_carriers_list(struct cmd_ctx *c);
int cmd_carriers_quote(struct cmd_ctx *c);
int cmd_carriers_costs(struct cmd_ctx *c);

static void
num(char *buf, size_t len, int64_t v)
{
	snprintf(buf, len, "%" PRId64, v);
}

/* Thousandths as a decimal with places digits ("" for -1: nothing to measure). */
static void
milli(char *buf, size_t len, int64_t v, int places)
{
	if (v < 0)
		snprintf(buf, len, "%s", "");
	else if (places == 1)
		snprintf(buf, len, "%" PRId64 ".%" PRId64, (v + 50) / 1000, (v + 50) % 1000 / 100);
	else
		snprintf(buf, len, "%" PRId64 ".%02" PRId64, (v + 5) / 1000, (v + 5) % 1000 / 10);
}

int
cmd_report_carriers(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "carrier", 0 }, { "region", 0 }, { "shipped", 1 }, { "delivered", 1 },
		{ "failed", 1 }, { "open", 1 }, { "promised_days", 1 }, { "actual_days", 1 },
		{ "success_pct", 1 }, { "cod_finished", 1 }, { "cod_failed_pct", 1 },
		{ "costed", 1 }, { "quoted", 1 }, { "actual_cost", 1 }, { "cost_diff", 1 },
	};
	const char *from = NULL, *to = NULL;
	struct carrier_score *r = NULL;
	struct config cfg;
	struct session s;
	struct db *db;
	struct out *o;
	int64_t f, t;
	size_t n = 0, i;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_period_opt(opt, optarg, &from, &to))
			continue;
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if ((rc = cmd_report_config(c, &cfg, from, to, &f, &t)) != 0)
		return rc;
	config_free(&cfg);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (carrier_scorecard(&s, f, t, &r, &n) != 0) {
		rc = cmd_fail(&s);
		db_close(db);
		return rc;
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		char v[13][24];
		const char *vals[15];
		int k;

		num(v[0], sizeof v[0], r[i].shipped);
		num(v[1], sizeof v[1], r[i].delivered);
		num(v[2], sizeof v[2], r[i].failed);
		num(v[3], sizeof v[3], r[i].open);
		milli(v[4], sizeof v[4], r[i].promised_mdays, 2);
		milli(v[5], sizeof v[5], r[i].actual_mdays, 2);
		milli(v[6], sizeof v[6], r[i].success_pm < 0 ? -1 : r[i].success_pm * 100, 1);
		num(v[7], sizeof v[7], r[i].cod_orders);
		milli(v[8], sizeof v[8], r[i].cod_failed_pm < 0 ? -1 : r[i].cod_failed_pm * 100,
		    1);
		num(v[9], sizeof v[9], r[i].costed);
		num(v[10], sizeof v[10], r[i].quoted);
		num(v[11], sizeof v[11], r[i].actual);
		num(v[12], sizeof v[12], r[i].actual - r[i].quoted);
		vals[0] = r[i].carrier;
		vals[1] = r[i].region;
		for (k = 0; k < 13; k++)
			vals[k + 2] = v[k];
		out_row(o, vals);
	}
	out_end(o);
	free(r);
	db_close(db);
	return EXIT_OK;
}

int
cmd_carriers_list(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "code", 0 }, { "name", 0 }, { "service", 0 }, { "cod", 0 },
		{ "cod_fee_pct", 1 }, { "cod_fee_min", 1 }, { "cutoff", 0 },
		{ "same_500g", 1 }, { "same_days", 1 }, { "region_500g", 1 },
		{ "region_days", 1 }, { "cross_500g", 1 }, { "cross_days", 1 },
	};
	const struct carrier_table *tab;
	struct config cfg;
	struct out *o;
	size_t i;
	int opt, rc;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1)
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	config_free(&cfg);
	tab = carrier_table();
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < tab->n; i++) {
		const struct carrier *k = &tab->c[i];
		char v[10][24];
		const char *vals[13];
		int z;

		snprintf(v[0], sizeof v[0], "%" PRId64 ".%02" PRId64, k->cod_fee_bp / 100,
		    k->cod_fee_bp % 100);
		num(v[1], sizeof v[1], k->cod_fee_min);
		if (k->cutoff_min < 0)
			snprintf(v[2], sizeof v[2], "none");
		else
			snprintf(v[2], sizeof v[2], "%02d:%02d", k->cutoff_min / 60,
			    k->cutoff_min % 60);
		for (z = 0; z < ZONE__COUNT; z++) {
			num(v[3 + 2 * z], sizeof v[0], k->rate[z][0].price);
			num(v[4 + 2 * z], sizeof v[0], k->rate[z][0].days);
		}
		vals[0] = k->code;
		vals[1] = k->name;
		vals[2] = k->service;
		vals[3] = k->cod ? "yes" : "no";
		vals[4] = k->cod ? v[0] : "";
		vals[5] = k->cod ? v[1] : "";
		for (z = 2; z < 9; z++)
			vals[z + 4] = v[z];
		out_row(o, vals);
	}
	out_end(o);
	return EXIT_OK;
}

int
cmd_carriers_quote(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "weight", required_argument, NULL, 'w' },
		{ "cod", required_argument, NULL, 'c' },
		{ "deliver-by", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "carrier", 0 }, { "zone", 0 }, { "price", 1 }, { "cod_fee", 1 },
		{ "total", 1 }, { "days", 1 }, { "promised_by", 0 }, { "meets", 0 },
		{ "chosen", 0 },
	};
	const char *from = NULL, *to = NULL, *by = NULL, *at = NULL;
	const struct carrier_table *tab;
	struct carrier_quote best, q;
	struct carrier_req r = { .weight_g = -1 };
	struct config cfg;
	struct out *o;
	int64_t off;
	char *end;
	size_t i;
	int opt, rc, chosen;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_period_opt(opt, optarg, &from, &to))
			continue;
		switch (opt) {
		case 'w':
			r.weight_g = strtoll(optarg, &end, 10);
			if (*end != '\0' || end == optarg || r.weight_g < 0 || r.weight_g > 1000000) {
				fprintf(stderr, "packbench: --weight '%s' is not grams from 0 to "
				    "1000000\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c':
			r.cod = strtoll(optarg, &end, 10);
			if (*end != '\0' || end == optarg || r.cod < 0) {
				fprintf(stderr, "packbench: --cod '%s' is not an amount in VND\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			by = optarg;
			break;
		case 'a':
			at = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc || from == NULL || to == NULL || r.weight_g < 0)
		return cmd_usage(c);
	if ((r.from_province = route_province(from)) < 0 ||
	    (r.to_province = route_province(to)) < 0) {
		fprintf(stderr, "packbench: '%s' is not a province of Viet Nam "
		    "(data/vn-provinces.csv)\n", r.from_province < 0 ? from : to);
		return EXIT_USAGE;
	}
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	off = (int64_t)cfg.station.utc_offset_min * 60;
	config_free(&cfg);
	r.tz_offset = off;
	r.now = clock_now();
	if (at != NULL && clock_parse_iso(at, off, &r.now) != 0) {
		fprintf(stderr, "packbench: --at '%s' is not a time (YYYY-MM-DDTHH:MM)\n", at);
		return EXIT_USAGE;
	}
	if (by != NULL && clock_parse_iso(by, off, &r.deadline) != 0) {
		fprintf(stderr, "packbench: --deliver-by '%s' is not a date or time "
		    "(YYYY-MM-DD[THH:MM]; a date alone means its start)\n", by);
		return EXIT_USAGE;
	}
	tab = carrier_table();
	chosen = carrier_choose(tab, &r, &best);
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < tab->n; i++) {
		char v[6][24];
		const char *vals[9];

		if (carrier_quote(&tab->c[i], &r, &q) != 0) {
			const char *no[9] = { tab->c[i].code, "", "", "", "", "", "", "no COD", "" };

			out_row(o, no);
			continue;
		}
		num(v[0], sizeof v[0], q.price);
		num(v[1], sizeof v[1], q.cod_fee);
		num(v[2], sizeof v[2], q.total);
		num(v[3], sizeof v[3], q.days);
		clock_format(q.promised_at, off, v[4], sizeof v[4]);
		vals[0] = q.c->code;
		vals[1] = carrier_zone_name(q.zone);
		vals[2] = v[0];
		vals[3] = v[1];
		vals[4] = v[2];
		vals[5] = v[3];
		vals[6] = v[4];
		vals[7] = r.deadline == 0 || q.promised_at <= r.deadline ? "yes" : "late";
		vals[8] = chosen >= 0 && best.c == &tab->c[i] ? (chosen == 0 ? "*" : "* late") :
		    "";
		out_row(o, vals);
	}
	out_end(o);
	return EXIT_OK;
}

/* FILE.csv with a header: order_no,cost (what the carrier invoiced, VND). All or
 * nothing. */
int
cmd_carriers_costs(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	FILE *fp;
	char line[512];
	int lineno = 0, rc, n = 0;

	if ((rc = cmd_start(c, 1, &db, &s)) >= 0)
		return rc;
	if ((fp = fopen(c->argv[optind], "r")) == NULL) {
		fprintf(stderr, "packbench: %s: cannot open it\n", c->argv[optind]);
		db_close(db);
		return EXIT_FAIL;
	}
	if (db_begin(db) != 0) {
		fclose(fp);
		db_close(db);
		return EXIT_FAIL;
	}
	rc = EXIT_OK;
	while (rc == EXIT_OK && fgets(line, sizeof line, fp) != NULL) {
		char *comma, *end, no[128];
		int64_t id, cost;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "order_no,cost") != 0) {
				fprintf(stderr, "packbench: %s:1: the header must be order_no,cost\n",
				    c->argv[optind]);
				rc = EXIT_FAIL;
			}
			continue;
		}
		if (line[0] == '\0')
			continue;
		comma = strchr(line, ',');
		if (comma == NULL || (size_t)(comma - line) >= sizeof no) {
			fprintf(stderr, "packbench: %s:%d: not order_no,cost\n", c->argv[optind],
			    lineno);
			rc = EXIT_FAIL;
			break;
		}
		snprintf(no, sizeof no, "%.*s", (int)(comma - line), line);
		cost = strtoll(comma + 1, &end, 10);
		if (*end != '\0' || end == comma + 1 || cost < 0) {
			fprintf(stderr, "packbench: %s:%d: cost '%s' is not an amount in VND\n",
			    c->argv[optind], lineno, comma + 1);
			rc = EXIT_FAIL;
		} else if (order_find(&s, no, &id) != 0 ||
		    carrier_set_cost(&s, id, cost, "import") != 0) {
			fprintf(stderr, "packbench: %s:%d: %s\n", c->argv[optind], lineno, s.err);
			rc = EXIT_FAIL;
		} else {
			n++;
		}
	}
	fclose(fp);
	if (rc == EXIT_OK && db_commit(db) != 0) {
		fprintf(stderr, "packbench: %s\n", db_errmsg(db));
		rc = EXIT_FAIL;
	} else if (rc != EXIT_OK) {
		db_rollback(db);
	}
	if (rc == EXIT_OK)
		printf("%d parcel costs recorded\n", n);
	db_close(db);
	return rc;
}

/* cmd_report.c — `packbench report sla`: the SLA aging board's numbers for scripts. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/sla.h"

int cmd_report_sla(struct cmd_ctx *c);

/* One row per state group and a total row; one column per bucket. */
int
cmd_report_sla(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "channel", required_argument, NULL, 'c' },
		{ "shop", required_argument, NULL, 's' },
		{ "warehouse", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "state", 0 }, { "overdue", 1 }, { "under_2h", 1 }, { "2_6h", 1 },
		{ "6_24h", 1 }, { "later", 1 }, { "no_deadline", 1 }, { "total", 1 },
	};
	struct sla_filter f = { 0 };
	struct sla_board bd;
	struct session s;
	struct db *db;
	struct out *o;
	int opt, rc, g, b;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			f.channel = optarg;
			break;
		case 's':
			f.shop = optarg;
			break;
		case 'w':
			f.warehouse = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (sla_board(&s, &f, clock_now(), &bd) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (g = 0; g <= SLA__GROUPS; g++) {
		const int64_t *v = g < SLA__GROUPS ? bd.n[g] : bd.bucket_total;
		char num[SLA__BUCKETS + 1][24];
		const char *vals[SLA__BUCKETS + 2];

		vals[0] = g < SLA__GROUPS ? sla_group_name((enum sla_group)g) : "total";
		for (b = 0; b < SLA__BUCKETS; b++) {
			snprintf(num[b], sizeof num[b], "%" PRId64, v[b]);
			vals[b + 1] = num[b];
		}
		snprintf(num[SLA__BUCKETS], sizeof num[SLA__BUCKETS], "%" PRId64,
		    g < SLA__GROUPS ? bd.group_total[g] : bd.total);
		vals[SLA__BUCKETS + 1] = num[SLA__BUCKETS];
		out_row(o, vals);
	}
	out_end(o);
	db_close(db);
	return EXIT_OK;
}

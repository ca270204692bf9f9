/*
 * cmd_recon.c — `packbench report recon`: what each channel and shop was paid and charged
 * in a period, and the fees that differ from the [fees] schedule; `packbench import
 * settlement FILE.csv`: a channel's settlement report, all or nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/recon.h"

int cmd_report_recon(struct cmd_ctx *c);
int cmd_import_settlement(struct cmd_ctx *c);

static void
num(char *buf, size_t len, int64_t v)
{
	snprintf(buf, len, "%" PRId64, v);
}

int
cmd_report_recon(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "discrepancies", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "channel", 0 }, { "shop", 0 }, { "currency", 0 }, { "orders", 1 },
		{ "gross", 1 }, { "commission", 1 }, { "service", 1 }, { "transaction", 1 },
		{ "other_fees", 1 }, { "vouchers", 1 }, { "shipping", 1 }, { "subsidy", 1 },
		{ "cod_collected", 1 }, { "net", 1 }, { "discrepancies", 1 },
	};
	static const struct out_col fcols[] = {
		{ "channel", 0 }, { "shop", 0 }, { "order", 0 }, { "fee", 0 }, { "expected", 1 },
		{ "actual", 1 }, { "difference", 1 }, { "currency", 0 },
	};
	const char *from = NULL, *to = NULL;
	struct recon_report r;
	struct config cfg;
	struct session s;
	struct db *db;
	struct out *o;
	int64_t f, t;
	int opt, rc, only_flags = 0;
	size_t i;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_period_opt(opt, optarg, &from, &to))
			continue;
		switch (opt) {
		case 'd':
			only_flags = 1;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if ((rc = cmd_report_config(c, &cfg, from, to, &f, &t)) != 0)
		return rc;
	if (cmd_open(c, &db, &s) != 0) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (recon_run(&s, &cfg.fees, f, t, &r) != 0) {
		rc = cmd_fail(&s);
		db_close(db);
		config_free(&cfg);
		return rc;
	}
	/* JSON: one object with both lists; table and CSV: the summary, then the list. */
	if (c->fmt == OUT_JSON && !only_flags)
		fputs("{\"shops\":", stdout);
	if (!only_flags) {
		o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
		for (i = 0; i < r.nshops; i++) {
			const struct recon_shop *sh = &r.shops[i];
			char v[12][24];
			const char *vals[15];
			int k;

			num(v[0], 24, sh->orders);
			num(v[1], 24, sh->cat[RC_GROSS]);
			num(v[2], 24, sh->cat[RC_COMMISSION]);
			num(v[3], 24, sh->cat[RC_SERVICE]);
			num(v[4], 24, sh->cat[RC_TRANSACTION]);
			num(v[5], 24, sh->cat[RC_OTHER]);
			num(v[6], 24, sh->cat[RC_VOUCHER]);
			num(v[7], 24, sh->cat[RC_SHIPPING]);
			num(v[8], 24, sh->cat[RC_SUBSIDY]);
			num(v[9], 24, sh->cod);
			num(v[10], 24, sh->net);
			num(v[11], 24, sh->flagged);
			vals[0] = sh->channel;
			vals[1] = sh->shop;
			vals[2] = sh->currency;
			for (k = 0; k < 12; k++)
				vals[k + 3] = v[k];
			out_row(o, vals);
		}
		out_end(o);
		if (c->fmt == OUT_JSON)
			fputs(",\"discrepancies\":", stdout);
		else
			fputs("\n", stdout);
	}
	o = out_begin(stdout, c->fmt, fcols, (int)(sizeof fcols / sizeof fcols[0]));
	for (i = 0; i < r.nflags; i++) {
		const struct recon_flag *fl = &r.flags[i];
		char e[24], a[24], d[24];
		const char *vals[8] = { fl->channel, fl->shop, fl->order_no,
		    recon_cat_name(fl->fee), e, a, d, fl->currency };

		num(e, sizeof e, fl->expected);
		num(a, sizeof a, fl->actual);
		num(d, sizeof d, fl->actual - fl->expected);
		out_row(o, vals);
	}
	out_end(o);
	if (c->fmt == OUT_JSON && !only_flags)
		fputs("}\n", stdout);
	recon_report_free(&r);
	db_close(db);
	config_free(&cfg);
	return EXIT_OK;
}

int
cmd_import_settlement(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct session s;
	struct db *db;
	const char *path;
	int64_t lines, orders;
	FILE *fp;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind + 1 != c->argc)
		return cmd_usage(c);
	path = c->argv[optind];
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "packbench: %s: cannot open: %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (cmd_open(c, &db, &s) != 0) {
		fclose(fp);
		return EXIT_FAIL;
	}
	rc = recon_import(&s, path, fp, &lines, &orders);
	fclose(fp);
	if (rc != 0) {
		rc = cmd_fail(&s);
		db_close(db);
		return rc;
	}
	printf("%s: %" PRId64 " settlement lines, %" PRId64 " orders\n", path, lines, orders);
	db_close(db);
	return EXIT_OK;
}

/*
 * cmd_stock.c — `packbench stock list|adjust|threshold`: stock by SKU and warehouse as
 * the inventory screen shows it, an admin's adjustment with a reason (a ledger movement,
 * audited), and a SKU's low-stock threshold (inventory.h, stock.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/inventory.h"
#include "core/sku.h"
#include "core/stock.h"

int cmd_stock_list(struct cmd_ctx *c);
int cmd_stock_adjust(struct cmd_ctx *c);
int cmd_stock_threshold(struct cmd_ctx *c);

/* A whole number operand; 0, or -1 with the usage error printed. */
static int
operand_int(const char *what, const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "packbench: %s '%s' is not a whole number\n", what, s);
		return -1;
	}
	*out = (int64_t)v;
	return 0;
}

int
cmd_stock_list(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "warehouse", required_argument, NULL, 'w' },
		{ "search", required_argument, NULL, 's' },
		{ "low", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "sku", 0 }, { "warehouse", 0 }, { "on_hand", 1 }, { "reserved", 1 },
		{ "buffer", 1 }, { "available", 1 }, { "low_stock", 1 }, { "low", 0 },
		{ "lots", 1 }, { "next_expiry", 0 }, { "pushed", 0 },
	};
	struct inv_filter f;
	struct inv_row *rows;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int opt, rc;

	memset(&f, 0, sizeof f);
	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 'w')
			f.warehouse = optarg;
		else if (opt == 's')
			f.search = optarg;
		else if (opt == 'l')
			f.low_only = 1;
		else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (inventory_list(&s, &f, 7 * 3600, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		const struct inv_row *r = &rows[i];
		char v[6][24], exp[32];
		const char *vals[11];

		snprintf(v[0], sizeof v[0], "%" PRId64, r->on_hand);
		snprintf(v[1], sizeof v[1], "%" PRId64, r->reserved);
		snprintf(v[2], sizeof v[2], "%" PRId64, r->buffer);
		snprintf(v[3], sizeof v[3], "%" PRId64, r->available);
		snprintf(v[4], sizeof v[4], "%" PRId64, r->low_stock);
		snprintf(v[5], sizeof v[5], "%" PRId64, r->lots);
		if (r->next_expiry > 0) {
			clock_format(r->next_expiry, 7 * 3600, exp, sizeof exp);    /* UTC+7 */
			exp[10] = '\0';
		}
		vals[0] = r->sku;
		vals[1] = r->wh;
		vals[2] = v[0];
		vals[3] = v[1];
		vals[4] = v[2];
		vals[5] = v[3];
		vals[6] = v[4];
		vals[7] = r->low ? "yes" : "no";
		vals[8] = v[5];
		vals[9] = r->next_expiry > 0 ? exp : NULL;
		vals[10] = r->pushed[0] ? r->pushed : NULL;
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

/* "-12": a negative whole number that fits the placeholder. */
static int
negative(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != '-' || n < 2 || n >= 32)
		return 0;
	return strspn(s + 1, "0123456789") == n - 1;
}

int
cmd_stock_adjust(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "lot", required_argument, NULL, 'l' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lot = "", *reason = NULL;
	static char neg[32];
	int64_t delta, wh, sku;
	struct session s;
	struct db *db;
	int opt, rc, i;

	/* A negative change is an operand, not an option: hidden from getopt behind a
	 * leading 'm' and given back after. */
	for (i = 1; i < c->argc; i++)
		if (negative(c->argv[i])) {
			snprintf(neg, sizeof neg, "m%s", c->argv[i] + 1);
			c->argv[i] = neg;
		}
	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 'l')
			lot = optarg;
		else if (opt == 'r')
			reason = optarg;
		else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc - 3)
		return cmd_usage(c);
	if (c->argv[optind + 2] == neg)
		neg[0] = '-';
	if (operand_int("change", c->argv[optind + 2], &delta) != 0)
		return EXIT_USAGE;
	if (reason == NULL) {
		fprintf(stderr, "packbench: stock adjust needs --reason TEXT\n");
		return EXIT_USAGE;
	}
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (warehouse_find(&s, c->argv[optind], &wh) != 0 ||
	    sku_find(&s, c->argv[optind + 1], &sku) != 0 ||
	    stock_adjust(&s, wh, sku, lot, delta, reason) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	db_close(db);
	printf("%s%s%s in %s adjusted by %+" PRId64 ": %s\n", c->argv[optind + 1],
	    lot[0] ? " lot " : "", lot, c->argv[optind], delta, reason);
	return EXIT_OK;
}

int
cmd_stock_threshold(struct cmd_ctx *c)
{
	int64_t v, sku;
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_start(c, 2, &db, &s)) >= 0)
		return rc;
	if (operand_int("threshold", c->argv[optind + 1], &v) != 0) {
		db_close(db);
		return EXIT_USAGE;
	}
	if (sku_find(&s, c->argv[optind], &sku) != 0 ||
	    inventory_set_low(&s, sku, v) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	db_close(db);
	printf("%s: low-stock threshold %" PRId64 "\n", c->argv[optind], v);
	return EXIT_OK;
}

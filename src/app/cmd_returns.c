/*
 * cmd_returns.c — `packbench returns receive|open|units|list|reasons`: returns (RMA) for
 * scripts, the same core calls the station's returns screen makes (core/returns.h).
 *
 * A unit is written SKU:CONDITION:REASON[:QTY[:LOT]] (SKU a code or barcode; condition
 * resalable, damaged, missing or wrong_item); `receive` takes them as operands, or one
 * per line on standard input when none are given. A receipt is all or nothing.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/returns.h"
#include "core/xalloc.h"

int cmd_returns_receive(struct cmd_ctx *c);
int cmd_returns_open(struct cmd_ctx *c);
int cmd_returns_units(struct cmd_ctx *c);
int cmd_returns_list(struct cmd_ctx *c);
int cmd_returns_reasons(struct cmd_ctx *c);

#define DAY 86400

/* A whole number >= 0 from an option; -1 with the error printed. */
static int
amount(const char *what, const char *s, int64_t *out)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "packbench: %s '%s' is not a whole number of 0 or more\n", what,
		    s);
		return -1;
	}
	*out = (int64_t)v;
	return 0;
}

/*
 * Split text (modified in place) into an item; where names the input for the error
 * ("operand 2", "line 3"). 0, or -1 with one line printed.
 */
static int
parse_unit(char *text, const char *where, struct returns_item *it)
{
	char *f[5] = { NULL }, *p = text, *end;
	int n = 0;

	while (n < 5) {
		f[n++] = p;
		if ((p = strchr(p, ':')) == NULL)
			break;
		*p++ = '\0';
	}
	if (n < 3 || p != NULL) {
		fprintf(stderr, "packbench: %s: a unit is SKU:CONDITION:REASON[:QTY[:LOT]]\n",
		    where);
		return -1;
	}
	memset(it, 0, sizeof *it);
	it->sku = f[0];
	it->reason = f[2];
	it->qty = 1;
	if (returns_cond_parse(f[1], &it->cond) != 0) {
		fprintf(stderr, "packbench: %s: condition '%s' is not resalable, damaged, "
		    "missing or wrong_item\n", where, f[1]);
		return -1;
	}
	if (n >= 4 && f[3][0] != '\0') {
		it->qty = strtoll(f[3], &end, 10);
		if (*end != '\0' || it->qty <= 0) {
			fprintf(stderr, "packbench: %s: quantity '%s' is not a whole number above "
			    "0\n", where, f[3]);
			return -1;
		}
	}
	if (n == 5)
		it->lot = f[4];
	return 0;
}

/* Units from standard input, one a line; blank lines and # comments skipped. */
static int
read_units(char ***lines, size_t *n)
{
	char buf[512], where[32];
	size_t lineno = 0;

	*lines = NULL;
	*n = 0;
	while (fgets(buf, sizeof buf, stdin) != NULL) {
		size_t len = strcspn(buf, "\r\n");

		lineno++;
		if (buf[len] == '\0' && !feof(stdin)) {
			snprintf(where, sizeof where, "line %zu", lineno);
			fprintf(stderr, "packbench: %s: longer than %zu bytes\n", where,
			    sizeof buf - 2);
			return -1;
		}
		buf[len] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		*lines = xrealloc(*lines, (*n + 1) * sizeof **lines);
		(*lines)[(*n)++] = xstrdup(buf);
	}
	return 0;
}

int
cmd_returns_receive(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "ship-cost", required_argument, NULL, 's' },
		{ "handling-cost", required_argument, NULL, 'H' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct returns_in in;
	struct returns_item *items = NULL;
	struct returns_unit *u = NULL;
	struct order *o = NULL;
	char **text = NULL, where[32];
	const char *scan;
	int64_t rma = 0, counts[RET__NCOND] = { 0 };
	size_t n = 0, i, nu = 0;
	struct session s;
	struct db *db = NULL;
	int opt, rc = EXIT_FAIL, from_stdin;

	memset(&in, 0, sizeof in);
	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 's') {
			if (amount("--ship-cost", optarg, &in.ship_cost) != 0)
				return EXIT_USAGE;
		} else if (opt == 'H') {
			if (amount("--handling-cost", optarg, &in.handling_cost) != 0)
				return EXIT_USAGE;
		} else if (opt == 'n')
			in.note = optarg;
		else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind >= c->argc)
		return cmd_usage(c);
	scan = c->argv[optind++];
	from_stdin = optind == c->argc;
	if (from_stdin) {
		if (read_units(&text, &n) != 0) {
			rc = EXIT_USAGE;
			goto out;
		}
	} else {
		n = (size_t)(c->argc - optind);
		text = xcalloc(n, sizeof *text);
		for (i = 0; i < n; i++)
			text[i] = xstrdup(c->argv[optind + (int)i]);
	}
	if (n == 0) {
		fprintf(stderr, "packbench: return '%s': no units given\n", scan);
		rc = EXIT_USAGE;
		goto out;
	}
	items = xcalloc(n, sizeof *items);
	for (i = 0; i < n; i++) {
		snprintf(where, sizeof where, "%s %zu", from_stdin ? "line" : "unit", i + 1);
		if (parse_unit(text[i], where, &items[i]) != 0) {
			rc = EXIT_USAGE;
			goto out;
		}
		counts[items[i].cond] += items[i].qty;
	}
	if (cmd_open(c, &db, &s) != 0)
		goto out;
	if (returns_find(&s, scan, &in.order_id, &in.rma_id) != 0) {
		rc = cmd_fail(&s);
		goto out;
	}
	in.items = items;
	in.nitems = n;
	if (returns_receive(&s, &in, &rma) != 0 || order_load(&s, in.order_id, &o) != 0 ||
	    returns_units(&s, in.order_id, &u, &nu) != 0) {
		rc = cmd_fail(&s);
		goto out;
	}
	{
		int64_t left = 0;

		for (i = 0; i < nu; i++)
			left += u[i].shipped - u[i].returned;
		printf("return %" PRId64 " of order %s: %" PRId64 " resalable, %" PRId64
		    " damaged, %" PRId64 " missing, %" PRId64 " wrong item; %" PRId64
		    " unit%s left; order %s\n", rma, o->order_no, counts[RET_RESALABLE],
		    counts[RET_DAMAGED], counts[RET_MISSING], counts[RET_WRONG_ITEM], left,
		    left == 1 ? "" : "s", order_status_name(o->status));
	}
	rc = EXIT_OK;
out:
	for (i = 0; text != NULL && i < n; i++)
		free(text[i]);
	free(text);
	free(items);
	free(u);
	order_free(o);
	if (db != NULL)
		db_close(db);
	return rc;
}

int
cmd_returns_open(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "return-id", required_argument, NULL, 'r' },
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *market_id = NULL, *source = "station";
	const struct cmd_arg args[] = { { 'r', &market_id, NULL }, { 's', &source, NULL },
	    { 0, NULL, NULL } };
	int64_t order_id, rma;
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_args(c, "h", opts, args, 1)) >= 0)
		return rc;
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (returns_find(&s, c->argv[optind], &order_id, &rma) != 0 ||
	    returns_open(&s, order_id, source, market_id, &rma) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	printf("return %" PRId64 " open\n", rma);
	db_close(db);
	return EXIT_OK;
}

int
cmd_returns_units(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "sku", 0 }, { "lot", 0 }, { "name", 0 }, { "shipped", 1 }, { "returned", 1 },
		{ "left", 1 },
	};
	struct returns_unit *u;
	int64_t order_id, rma;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int rc;

	if ((rc = cmd_start(c, 1, &db, &s)) >= 0)
		return rc;
	if (returns_find(&s, c->argv[optind], &order_id, &rma) != 0 ||
	    returns_units(&s, order_id, &u, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, 6);
	for (i = 0; i < n; i++) {
		char sh[24], re[24], le[24];
		const char *vals[6] = { u[i].sku, u[i].lot, u[i].name, sh, re, le };

		snprintf(sh, sizeof sh, "%" PRId64, u[i].shipped);
		snprintf(re, sizeof re, "%" PRId64, u[i].returned);
		snprintf(le, sizeof le, "%" PRId64, u[i].shipped - u[i].returned);
		out_row(o, vals);
	}
	out_end(o);
	free(u);
	db_close(db);
	return EXIT_OK;
}

int
cmd_returns_list(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "return", 1 }, { "order_no", 0 }, { "channel", 0 }, { "status", 0 },
		{ "source", 0 }, { "return_id", 0 }, { "return_status", 0 }, { "opened", 0 },
		{ "age_days", 1 },
	};
	struct returns_row *rows;
	int64_t days = 0, now;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 'o') {
			if (amount("--older-than", optarg, &days) != 0 || days > 36500) {
				if (days > 36500)
					fprintf(stderr, "packbench: --older-than %s: at most 36500 "
					    "days\n", optarg);
				return EXIT_USAGE;
			}
		} else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	now = clock_now();
	if (returns_list_open(&s, now - days * DAY, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, 9);
	for (i = 0; i < n; i++) {
		char id[24], at[32], age[24];
		const char *vals[9] = { id, rows[i].order_no, rows[i].channel, rows[i].status,
		    rows[i].source, rows[i].market_id, rows[i].market_status, at, age };

		if (rows[i].rma_id != 0)
			snprintf(id, sizeof id, "%" PRId64, rows[i].rma_id);
		else
			vals[0] = NULL;
		clock_format(rows[i].opened_at, 0, at, sizeof at);
		snprintf(age, sizeof age, "%" PRId64, (now - rows[i].opened_at) / DAY);
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

int
cmd_returns_reasons(struct cmd_ctx *c)
{
	static const struct out_col cols[] = { { "reason", 0 }, { "label", 0 } };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct out *o;
	size_t i;
	int rc;

	if ((rc = cmd_args(c, "h", opts, NULL, 0)) >= 0)
		return rc;
	o = out_begin(stdout, c->fmt, cols, 2);
	for (i = 0; i < returns_nreasons; i++) {
		const char *vals[2] = { returns_reasons[i].code, returns_reasons[i].label };

		out_row(o, vals);
	}
	out_end(o);
	return EXIT_OK;
}

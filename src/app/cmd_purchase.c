/*
 * cmd_purchase.c — `packbench purchase add|list|receive|cancel`: stock on order from a
 * supplier (core/purchase.h). What is open counts as on order in `report forecast`;
 * receiving puts the units on hand through the stock ledger. Supervisor and above.
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
#include "core/purchase.h"
#include "core/sku.h"
#include "core/stock.h"

int cmd_purchase_add(struct cmd_ctx *c);
int cmd_purchase_list(struct cmd_ctx *c);
int cmd_purchase_receive(struct cmd_ctx *c);
int cmd_purchase_cancel(struct cmd_ctx *c);

/* The station's offset from UTC (for dates given and shown), from the configuration. */
static int
station_offset(struct cmd_ctx *c, int64_t *off)
{
	struct config cfg;

	if (cmd_config(c, &cfg) != 0)
		return -1;
	*off = (int64_t)cfg.station.utc_offset_min * 60;
	config_free(&cfg);
	return 0;
}

/* "YYYY-MM-DD" at offset off into *t (the local midnight); -1 after the message. */
static int
date_arg(const char *opt, const char *arg, int64_t off, int64_t *t)
{
	if (strlen(arg) != 10 || clock_parse_iso(arg, off, t) != 0) {
		fprintf(stderr, "packbench: --%s %s: a date YYYY-MM-DD\n", opt, arg);
		return -1;
	}
	return 0;
}

static void
day_text(int64_t t, int64_t off, char *buf, size_t len)
{
	if (t <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	clock_format(t, off, buf, len);
	if (len > 10)
		buf[10] = '\0';
}

int
cmd_purchase_add(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "warehouse", required_argument, NULL, 'w' },
		{ "due", required_argument, NULL, 'd' },
		{ "ref", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *whc = NULL, *due = NULL, *ref = NULL;
	const struct cmd_arg args[] = { { 'w', &whc, NULL }, { 'd', &due, NULL },
	    { 'r', &ref, NULL }, { 0, NULL, NULL } };
	int64_t off, due_at = 0, wh, sku, id;
	long long qty;
	struct session s;
	struct db *db;
	char *end, day[32];
	int rc;

	if ((rc = cmd_args(c, "h", opts, args, 2)) >= 0)
		return rc;
	qty = strtoll(c->argv[optind + 1], &end, 10);
	if (*c->argv[optind + 1] == '\0' || *end != '\0' || qty < 1) {
		fprintf(stderr, "packbench: quantity '%s' is not a whole number above 0\n",
		    c->argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (whc == NULL || due == NULL) {
		fprintf(stderr, "packbench: purchase add needs --warehouse W and --due DATE\n");
		return EXIT_USAGE;
	}
	if (station_offset(c, &off) != 0)
		return EXIT_FAIL;
	if (date_arg("due", due, off, &due_at) != 0)
		return EXIT_USAGE;
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (warehouse_find(&s, whc, &wh) != 0 || sku_find(&s, c->argv[optind], &sku) != 0 ||
	    purchase_add(&s, wh, sku, (int64_t)qty, due_at, ref, &id) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	db_close(db);
	day_text(due_at, off, day, sizeof day);
	printf("purchase %" PRId64 "%s%s: %lld x %s into %s, due %s\n", id, ref ? " " : "",
	    ref ? ref : "", qty, c->argv[optind], whc, day);
	return EXIT_OK;
}

int
cmd_purchase_list(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "id", 1 }, { "ref", 0 }, { "sku", 0 }, { "warehouse", 0 }, { "qty", 1 },
		{ "due", 0 }, { "state", 0 },
	};
	struct purchase_row *rows;
	struct session s;
	struct db *db;
	struct out *o;
	int64_t off;
	size_t n, i;
	int rc, all = 0;
	const struct cmd_arg args[] = { { 'a', NULL, &all }, { 0, NULL, NULL } };

	if ((rc = cmd_args(c, "h", opts, args, 0)) >= 0)
		return rc;
	if (station_offset(c, &off) != 0)
		return EXIT_FAIL;
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (purchase_list(&s, all, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		const struct purchase_row *r = &rows[i];
		char id[24], qty[24], due[32], state[48];
		const char *vals[7];

		snprintf(id, sizeof id, "%" PRId64, r->id);
		snprintf(qty, sizeof qty, "%" PRId64, r->qty);
		day_text(r->due_at, off, due, sizeof due);
		if (r->received_at) {
			memcpy(state, "received ", 9);
			day_text(r->received_at, off, state + 9, sizeof state - 9);
		} else if (r->cancelled_at) {
			memcpy(state, "cancelled ", 10);
			day_text(r->cancelled_at, off, state + 10, sizeof state - 10);
		} else {
			snprintf(state, sizeof state, "open");
		}
		vals[0] = id;
		vals[1] = r->ref[0] ? r->ref : NULL;
		vals[2] = r->sku;
		vals[3] = r->wh;
		vals[4] = qty;
		vals[5] = r->due_at ? due : NULL;
		vals[6] = state;
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

int
cmd_purchase_receive(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "lot", required_argument, NULL, 'l' },
		{ "expiry", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lot = "", *expiry = NULL;
	const struct cmd_arg args[] = { { 'l', &lot, NULL }, { 'e', &expiry, NULL },
	    { 0, NULL, NULL } };
	int64_t off, exp = 0, units;
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_args(c, "h", opts, args, 1)) >= 0)
		return rc;
	if (expiry) {
		if (station_offset(c, &off) != 0)
			return EXIT_FAIL;
		if (date_arg("expiry", expiry, off, &exp) != 0)
			return EXIT_USAGE;
	}
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (purchase_receive(&s, c->argv[optind], lot, exp, &units) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	db_close(db);
	printf("purchase %s received: %" PRId64 " units\n", c->argv[optind], units);
	return EXIT_OK;
}

int
cmd_purchase_cancel(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	const struct cmd_arg args[] = { { 'r', &reason, NULL }, { 0, NULL, NULL } };
	struct session s;
	struct db *db;
	int64_t lines;
	int rc;

	if ((rc = cmd_args(c, "h", opts, args, 1)) >= 0)
		return rc;
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (purchase_cancel(&s, c->argv[optind], reason, &lines) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	db_close(db);
	printf("purchase %s cancelled: %" PRId64 " line%s\n", c->argv[optind], lines,
	    lines == 1 ? "" : "s");
	return EXIT_OK;
}

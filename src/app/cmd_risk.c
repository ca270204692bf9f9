/*
 * cmd_risk.c — `packbench risk block|unblock|list|check`: the blacklist of phones and
 * addresses the risk rules flag, and an order's flags with their reasons (risk.h).
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
#include "core/order.h"
#include "core/risk.h"

int cmd_risk_block(struct cmd_ctx *c);
int cmd_risk_unblock(struct cmd_ctx *c);
int cmd_risk_list(struct cmd_ctx *c);
int cmd_risk_check(struct cmd_ctx *c);

/* KIND VALUE from the two operands; 0, or the usage status. */
static int
kind_value(struct cmd_ctx *c, enum risk_block_kind *kind, const char **value)
{
	int k;

	if ((k = risk_block_kind_parse(c->argv[optind])) < 0) {
		fprintf(stderr, "packbench: '%s' is not phone or address\n", c->argv[optind]);
		return EXIT_USAGE;
	}
	*kind = (enum risk_block_kind)k;
	*value = c->argv[optind + 1];
	return 0;
}

int
cmd_risk_block(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL, *value = NULL;
	const struct cmd_arg args[] = { { 'r', &reason, NULL }, { 0, NULL, NULL } };
	enum risk_block_kind kind = RISK_BLOCK_PHONE;
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_args(c, "hr:", opts, args, 2)) >= 0)
		return rc;
	if ((rc = kind_value(c, &kind, &value)) != 0)
		return rc;
	if (reason == NULL) {
		fprintf(stderr, "packbench: risk block needs --reason TEXT\n");
		return EXIT_USAGE;
	}
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	rc = risk_block(&s, kind, value, reason);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("%s %s blocked\n", risk_block_kind_name(kind), value);
	return EXIT_OK;
}

int
cmd_risk_unblock(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum risk_block_kind kind = RISK_BLOCK_PHONE;
	const char *value = NULL;
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_args(c, "h", opts, NULL, 2)) >= 0)
		return rc;
	if ((rc = kind_value(c, &kind, &value)) != 0)
		return rc;
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	rc = risk_unblock(&s, kind, value);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("%s %s unblocked\n", risk_block_kind_name(kind), value);
	return EXIT_OK;
}

int
cmd_risk_list(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "kind", 0 }, { "value", 0 }, { "reason", 0 }, { "by", 0 }, { "at", 0 },
	};
	struct risk_block_row *rows = NULL;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	if (risk_block_list(&s, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		char at[32];
		const char *vals[5];

		clock_format(rows[i].created_at, 7 * 3600, at, sizeof at);
		vals[0] = risk_block_kind_name(rows[i].kind);
		vals[1] = rows[i].value;
		vals[2] = rows[i].reason;
		vals[3] = rows[i].user;
		vals[4] = at;
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

int
cmd_risk_check(struct cmd_ctx *c)
{
	static const struct out_col cols[] = { { "flag", 0 }, { "reason", 0 } };
	struct risk_flag f[RISK_MAX_FLAGS];
	struct config cfg;
	struct session s;
	struct db *db;
	struct out *o;
	int64_t id;
	int rc, n, i;

	if ((rc = cmd_start(c, 1, &db, &s)) >= 0)
		return rc;
	if (cmd_config(c, &cfg) != 0) {
		db_close(db);
		return EXIT_FAIL;
	}
	config_free(&cfg);
	if (order_find(&s, c->argv[optind], &id) != 0 ||
	    risk_check(&s, id, f, RISK_MAX_FLAGS, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, 2);
	for (i = 0; i < n; i++) {
		const char *vals[2] = { f[i].label, f[i].reason };

		out_row(o, vals);
	}
	out_end(o);
	db_close(db);
	return EXIT_OK;
}

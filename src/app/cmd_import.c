/* cmd_import.c — `packbench import skus|stock|orders FILE.csv`: all-or-nothing loads. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "core/db.h"
#include "core/import.h"

int cmd_import_run(struct cmd_ctx *c);

int
cmd_import_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const what[] = {
		[IMPORT_SKUS] = "SKUs",
		[IMPORT_STOCK] = "stock receipts",
		[IMPORT_ORDERS] = "orders",
	};
	struct import_stats st;
	struct config cfg;
	enum import_kind kind;
	struct session s;
	struct db *db;
	const char *path;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind + 1 != c->argc || import_kind_parse(c->cmd->sub, &kind) != 0)
		return cmd_usage(c);
	path = c->argv[optind];
	/* Confirmed orders are routed as the sync routes them: by [routing] and the
	 * carrier rate tables of the configuration file. */
	if (kind == IMPORT_ORDERS) {
		if (cmd_config(c, &cfg) != 0)
			return EXIT_FAIL;
		config_free(&cfg);
	}
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (import_file(&s, kind, path, &st) != 0) {
		rc = cmd_fail(&s);
		db_close(db);
		return rc;
	}
	if (kind == IMPORT_STOCK)
		printf("%s: %" PRId64 " rows, %" PRId64 " %s\n", path, st.rows, st.created,
		    what[kind]);
	else
		printf("%s: %" PRId64 " rows, %" PRId64 " %s created, %" PRId64 " updated\n",
		    path, st.rows, st.created, what[kind], st.updated);
	db_close(db);
	return EXIT_OK;
}

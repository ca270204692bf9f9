/* cmd_warehouse.c — `packbench warehouse add|list`: the warehouses stock is kept in. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/db.h"
#include "core/stock.h"

int cmd_warehouse_add(struct cmd_ctx *c);

int
cmd_warehouse_add(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "name", required_argument, NULL, 'n' },
		{ "province", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *province = NULL;
	struct session s;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'p':
			province = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc - 1 || province == NULL)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	rc = warehouse_upsert(&s, c->argv[optind], name, province, NULL);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("warehouse %s saved\n", c->argv[optind]);
	return EXIT_OK;
}

int cmd_warehouse_list(struct cmd_ctx *c);

int
cmd_warehouse_list(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "code", 0 }, { "name", 0 }, { "province", 0 }, { "skus", 1 }, { "on_hand", 1 },
	};
	struct warehouse_row *rows;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	if (warehouse_list(&s, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, 5);
	for (i = 0; i < n; i++) {
		char skus[24], onhand[24];
		const char *vals[5] = { rows[i].code, rows[i].name, rows[i].province, skus, onhand };

		snprintf(skus, sizeof skus, "%" PRId64, rows[i].skus);
		snprintf(onhand, sizeof onhand, "%" PRId64, rows[i].on_hand);
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

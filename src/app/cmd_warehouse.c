/* cmd_warehouse.c — `packbench warehouse add`: the warehouses stock is kept in. */
#include <getopt.h>
#include <stdio.h>

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

/* cmd_init.c — `packbench init`: create a database or migrate it to this binary's schema. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "core/db.h"

int cmd_init_run(struct cmd_ctx *c);

int
cmd_init_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct session s;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	printf("%s: schema version %d\n", c->db_path, db_schema_version(db));
	db_close(db);
	return EXIT_OK;
}

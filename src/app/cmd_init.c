/* cmd_init.c — `packbench init`: create a database or migrate it to this binary's schema. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "core/db.h"

int cmd_init_run(struct cmd_ctx *c);

int
cmd_init_run(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	printf("%s: schema version %d\n", c->db_path, db_schema_version(db));
	db_close(db);
	return EXIT_OK;
}

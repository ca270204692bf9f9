/* cmd_audit.c — `packbench audit verify`: walk the audit hash chain and say if it holds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"
#include "core/db.h"
#include "core/trail.h"

int cmd_audit_verify(struct cmd_ctx *c);

int
cmd_audit_verify(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	int64_t count, bad;
	char msg[512];
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	/* Behind the audit log's role check: with --user, supervisor and above. */
	rc = trail_verify(&s, &count, &bad, msg, sizeof msg);
	if (rc < 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	db_close(db);
	if (rc > 0) {
		fprintf(stderr, "packbench: %s: %s\n", c->db_path, msg);
		return EXIT_FAIL;
	}
	printf("audit chain intact: %" PRId64 " records\n", count);
	return EXIT_OK;
}

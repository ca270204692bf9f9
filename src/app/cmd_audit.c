/* cmd_audit.c — `packbench audit verify`: walk the audit hash chain and say if it holds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"
#include "core/audit.h"
#include "core/db.h"

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
	rc = audit_verify(db, &count, &bad, msg, sizeof msg);
	if (rc < 0) {
		session_fail(&s, rc, "audit verify: %s: %s", db_path(db), db_errmsg(db));
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

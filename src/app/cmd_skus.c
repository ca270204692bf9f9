/* cmd_skus.c — `packbench skus check`: the SKU master's data-quality problems. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/db.h"
#include "core/sku.h"

int cmd_skus_check(struct cmd_ctx *c);

/* Lists every issue; a master with issues is still exit 0 (a report, not a failure). */
int
cmd_skus_check(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "sku", 0 }, { "issue", 0 }, { "detail", 0 },
	};
	struct sku_issue *v = NULL;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n = 0, i;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	if (sku_check(&s, &v, &n) != 0) {
		rc = cmd_fail(&s);
		db_close(db);
		return rc;
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		const char *vals[3] = { v[i].sku, v[i].kind, v[i].detail };

		out_row(o, vals);
	}
	out_end(o);
	fflush(stdout);
	if (n == 0)
		fprintf(stderr, "skus check: no issues\n");
	else
		fprintf(stderr, "skus check: %zu issue%s\n", n, n == 1 ? "" : "s");
	free(v);
	db_close(db);
	return EXIT_OK;
}

/* cmd_tote.c — `packbench tote assign|list`: totes and pick lists for the pack station. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/db.h"
#include "core/order.h"
#include "core/tote.h"
#include "core/xalloc.h"

int cmd_tote_assign(struct cmd_ctx *c);
int cmd_tote_list(struct cmd_ctx *c);

int
cmd_tote_assign(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	int64_t *ids;
	int i, n, rc;

	/* At least CODE and one order: check before cmd_start counts operands. */
	for (n = 0, i = 1; i < c->argc; i++)
		n += c->argv[i][0] != '-';
	if (n < 2 && (c->argc < 2 || c->argv[1][0] != '-'))
		return cmd_usage(c);
	if ((rc = cmd_start(c, n, &db, &s)) >= 0)
		return rc;
	ids = xcalloc((size_t)n, sizeof *ids);
	for (i = 1; i < n; i++) {
		if (order_find(&s, c->argv[optind + i], &ids[i - 1]) != 0) {
			free(ids);
			db_close(db);
			return cmd_fail(&s);
		}
	}
	rc = tote_assign(&s, c->argv[optind], ids, (size_t)n - 1);
	free(ids);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("tote %s: %d order%s\n", c->argv[optind], n - 1, n == 2 ? "" : "s");
	return EXIT_OK;
}

int
cmd_tote_list(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "tote", 0 }, { "seq", 1 }, { "order_no", 0 }, { "status", 0 },
	};
	struct tote_row *rows;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	if (tote_list(&s, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, 4);
	for (i = 0; i < n; i++) {
		char seq[24];
		const char *vals[4] = { rows[i].code, seq, rows[i].order_no, rows[i].status };

		snprintf(seq, sizeof seq, "%" PRId64, rows[i].seq);
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

/*
 * cmd_db.c — `packbench db copy --from SRC --to DST`: move a site to another database
 * (the embedded SQLite file to a PostgreSQL server, or to another SQLite file), then show
 * per table the rows on each side and the audit chain's verdict; exit 1 on any mismatch.
 * The work is dbcopy.c's; this file opens the two databases and prints.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "core/db.h"
#include "core/dbcopy.h"

int cmd_db_copy(struct cmd_ctx *c);

/* A source must exist: db_open() would create an empty SQLite file. */
static int
source_exists(const char *path)
{
	struct stat sb;

	if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
		return 1;
	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	return stat(path, &sb) == 0;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
print_result(struct cmd_ctx *c, const struct dbcopy_result *r)
{
	static const struct out_col cols[] = {
		{ "table", 0 }, { "source", 1 }, { "target", 1 }, { "check", 0 },
	};
	char a[24], b[24], verdict[300];
	const char *row[4];
	struct out *o = out_begin(stdout, c->fmt, cols, 4);
	int i;

	for (i = 0; i < r->ntables; i++) {
		snprintf(a, sizeof a, "%" PRId64, r->tables[i].src);
		snprintf(b, sizeof b, "%" PRId64, r->tables[i].dst);
		row[0] = r->tables[i].table;
		row[1] = a;
		row[2] = b;
		row[3] = r->tables[i].src == r->tables[i].dst ? "ok" : "MISMATCH";
		out_row(o, row);
	}
	snprintf(a, sizeof a, "%" PRId64, r->audit_src);
	snprintf(b, sizeof b, "%" PRId64, r->audit_dst);
	if (r->audit_dst_ok && r->audit_dst == r->audit_src)
		snprintf(verdict, sizeof verdict, "chain intact");
	else if (!r->audit_dst_ok)
		snprintf(verdict, sizeof verdict, "CHAIN BROKEN: %s", r->audit_msg);
	else
		snprintf(verdict, sizeof verdict, "MISMATCH");
	row[0] = "(audit chain)";
	row[1] = a;
	row[2] = b;
	row[3] = verdict;
	out_row(o, row);
	out_end(o);
}

int
cmd_db_copy(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL;
	struct dbcopy_result res;
	struct db *src = NULL, *dst = NULL;
	struct timespec t0;
	char err[512];
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (from == NULL || to == NULL || optind != c->argc)
		return cmd_usage(c);
	if (strcmp(from, to) == 0) {
		fprintf(stderr, "packbench: db copy: --from and --to are both %s\n", from);
		return EXIT_USAGE;
	}
	if (!source_exists(from)) {
		fprintf(stderr, "packbench: db copy: --from %s: no such database file\n", from);
		return EXIT_FAIL;
	}
	if (c->user != NULL) {
		/* An operator named with --user copies a site only as its admin. */
		struct cmd_ctx as = *c;
		struct session s;

		as.db_path = from;
		if (cmd_open(&as, &src, &s) != 0)
			return EXIT_FAIL;
		rc = session_require(&s, ROLE_ADMIN, "copy the database");
		db_close(src);
		if (rc != 0)
			return cmd_fail(&s);
	}
	if (db_open(&src, from, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: db copy: --from %s\n", err);
		return EXIT_FAIL;
	}
	if (db_open(&dst, to, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: db copy: --to %s\n", err);
		db_close(src);
		return EXIT_FAIL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = dbcopy_run(src, dst, &res, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "packbench: db copy: %s; nothing was copied\n", err);
		rc = EXIT_FAIL;
		goto out;
	}
	print_result(c, &res);
	if (c->fmt == OUT_TABLE)
		printf("%" PRId64 " rows in %d tables copied from %s (%s) to %s (%s) in %.2f s; "
		    "%d triggers held off, %d sequences set\n", res.rows, res.ntables, from,
		    db_engine(src), to, db_engine(dst), seconds_since(&t0), res.triggers,
		    res.sequences);
	if (res.mismatches > 0) {
		fprintf(stderr, "packbench: db copy: %d check%s failed: %s does not match %s\n",
		    res.mismatches, res.mismatches == 1 ? "" : "s", to, from);
		rc = EXIT_FAIL;
	} else {
		rc = EXIT_OK;
	}
out:
	dbcopy_result_free(&res);
	db_close(dst);
	db_close(src);
	return rc;
}

/*
 * cmd_rules.c — `packbench rules check|load|show|dry-run`: validate a rules file (every
 * error as FILE:LINE:COL: message), store it as the active version, print what is
 * active, and replay a file over past orders without changing anything (rules.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/rules.h"

int cmd_rules_check(struct cmd_ctx *c);
int cmd_rules_load(struct cmd_ctx *c);
int cmd_rules_show(struct cmd_ctx *c);
int cmd_rules_dry_run(struct cmd_ctx *c);

#define MAX_FILE (4 << 20)
#define MAX_ERRORS 200

/* The whole file; NULL after printing why. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "packbench: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	if (buf == NULL) {
		fclose(fp);
		fprintf(stderr, "packbench: out of memory\n");
		exit(EXIT_FAIL);
	}
	n = fread(buf, 1, MAX_FILE + 1, fp);
	if (ferror(fp) || n > MAX_FILE) {
		fprintf(stderr, "packbench: %s: %s\n", path, ferror(fp) ? strerror(errno) :
		    "larger than 4 MiB");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Read and compile path; errors printed as FILE:LINE:COL: message. */
static struct rules *
compile_file(const char *path, char **text, size_t *len)
{
	struct rules_error errs[MAX_ERRORS];
	struct rules *r;
	int n, i;

	*text = slurp(path, len);
	if (*text == NULL)
		return NULL;
	if (rules_compile(*text, *len, &r, errs, MAX_ERRORS, &n) == 0)
		return r;
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s:%d:%d: %s\n", path, errs[i].line, errs[i].col, errs[i].msg);
	if (n == MAX_ERRORS)
		fprintf(stderr, "%s: too many errors, stopped after %d\n", path, n);
	free(*text);
	*text = NULL;
	return NULL;
}

static int
only_file(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind + 1 != c->argc)
		return cmd_usage(c);
	return -1;
}

int
cmd_rules_check(struct cmd_ctx *c)
{
	struct rules *r;
	char *text;
	size_t len;
	int rc, i;

	if ((rc = only_file(c)) >= 0)
		return rc;
	if ((r = compile_file(c->argv[optind], &text, &len)) == NULL)
		return EXIT_FAIL;
	printf("%s: %d rule%s, in this order:\n", c->argv[optind], rules_count(r),
	    rules_count(r) == 1 ? "" : "s");
	for (i = 0; i < rules_count(r); i++)
		printf("  %" PRId64 " \"%s\" (line %d)\n", rules_priority(r, i), rules_name(r, i),
		    rules_line(r, i));
	rules_free(r);
	free(text);
	return EXIT_OK;
}

int
cmd_rules_load(struct cmd_ctx *c)
{
	struct session s;
	struct rules *r;
	struct db *db;
	int64_t v;
	char *text;
	size_t len;
	int rc, n;

	if ((rc = only_file(c)) >= 0)
		return rc;
	if ((r = compile_file(c->argv[optind], &text, &len)) == NULL)
		return EXIT_FAIL;
	n = rules_count(r);
	rules_free(r);
	if (cmd_open(c, &db, &s) != 0) {
		free(text);
		return EXIT_FAIL;
	}
	rc = rules_store(&s, text, len, &v);
	free(text);
	if (rc != 0) {
		if (rc == DB_EINVAL)
			fprintf(stderr, "%s:%s\n", c->argv[optind], s.err);
		db_close(db);
		return rc == DB_EINVAL ? EXIT_FAIL : cmd_fail(&s);
	}
	printf("rules version %" PRId64 " loaded and active: %d rule%s\n", v, n,
	    n == 1 ? "" : "s");
	db_close(db);
	return EXIT_OK;
}

int
cmd_rules_show(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "versions", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "version", 1 }, { "active", 0 }, { "rules", 1 }, { "author", 0 }, { "at", 0 },
	};
	struct rules_set_row row, *rows;
	struct session s;
	struct db *db;
	char at[32];
	size_t n, i;
	int opt, rc, versions = 0;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 'v')
			versions = 1;
		else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (versions) {
		struct out *o;

		if (rules_versions(&s, &rows, &n) != 0) {
			db_close(db);
			return cmd_fail(&s);
		}
		o = out_begin(stdout, c->fmt, cols, 5);
		for (i = 0; i < n; i++) {
			char v[24], k[24];
			const char *vals[5];

			snprintf(v, sizeof v, "%" PRId64, rows[i].version);
			snprintf(k, sizeof k, "%d", rows[i].nrules);
			clock_format(rows[i].created_at, 7 * 3600, at, sizeof at);
			vals[0] = v;
			vals[1] = rows[i].active ? "yes" : "no";
			vals[2] = k;
			vals[3] = rows[i].author;
			vals[4] = at;
			out_row(o, vals);
		}
		out_end(o);
		free(rows);
		db_close(db);
		return EXIT_OK;
	}
	if (rules_active(&s, &row) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	clock_format(row.created_at, 7 * 3600, at, sizeof at);
	printf("# rules version %" PRId64 ", %d rule%s, loaded by %s at %s\n", row.version,
	    row.nrules, row.nrules == 1 ? "" : "s", row.author, at);
	fputs(row.text, stdout);
	if (row.text[0] && row.text[strlen(row.text) - 1] != '\n')
		putchar('\n');
	rules_set_free(&row);
	db_close(db);
	return EXIT_OK;
}

/* What a rule would do to one order: its actions taken, "; "-joined. */
static void
actions_text(const struct rules *r, const struct rules_hit *h, char *buf, size_t len)
{
	char one[512];
	size_t n = 0;
	int a;

	buf[0] = '\0';
	for (a = 0; a < rules_nactions(r, h->rule) && n + 1 < len; a++) {
		if (!(h->actions & (1u << a)))
			continue;
		rules_action_text(r, h->rule, a, one, sizeof one);
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "; " : "", one);
	}
}

int
cmd_rules_dry_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "priority", 1 }, { "rule", 0 }, { "order", 0 }, { "actions", 0 },
	};
	struct rules_dry d;
	struct session s;
	struct rules *r;
	struct db *db;
	int64_t since = 30 * 86400;
	char *text;
	size_t len, i, j;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 's') {
			if (rules_parse_duration(optarg, &since) != 0) {
				fprintf(stderr, "packbench: --since %s: not a duration like 30d, "
				    "12h or 90m\n", optarg);
				return EXIT_USAGE;
			}
		} else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind + 1 != c->argc)
		return cmd_usage(c);
	if ((r = compile_file(c->argv[optind], &text, &len)) == NULL)
		return EXIT_FAIL;
	free(text);
	if (cmd_open(c, &db, &s) != 0) {
		rules_free(r);
		return EXIT_FAIL;
	}
	if (rules_dry_run(&s, r, clock_now() - since, &d) != 0) {
		rules_free(r);
		db_close(db);
		return cmd_fail(&s);
	}
	if (c->fmt == OUT_TABLE) {
		/* Per rule: a heading with its count, then its orders and what it would do. */
		for (i = 0; i < d.nhits; i = j) {
			int k = d.hits[i].rule;

			for (j = i; j < d.nhits && d.hits[j].rule == k; j++)
				;
			printf("rule \"%s\" (priority %" PRId64 ", line %d): %zu order%s\n",
			    rules_name(r, k), rules_priority(r, k), rules_line(r, k), j - i,
			    j - i == 1 ? "" : "s");
			for (; i < j; i++) {
				char act[2048];

				actions_text(r, &d.hits[i], act, sizeof act);
				printf("  %-24s %s\n", d.pool + d.hits[i].order_no, act);
			}
		}
		printf("%zu order%s replayed, %zu rule hit%s; nothing was changed\n",
		    d.norders, d.norders == 1 ? "" : "s", d.nhits, d.nhits == 1 ? "" : "s");
	} else {
		struct out *o = out_begin(stdout, c->fmt, cols, 4);

		for (i = 0; i < d.nhits; i++) {
			char act[2048], prio[24];
			const char *vals[4];

			actions_text(r, &d.hits[i], act, sizeof act);
			snprintf(prio, sizeof prio, "%" PRId64, rules_priority(r, d.hits[i].rule));
			vals[0] = prio;
			vals[1] = rules_name(r, d.hits[i].rule);
			vals[2] = d.pool + d.hits[i].order_no;
			vals[3] = act;
			out_row(o, vals);
		}
		out_end(o);
	}
	rules_dry_free(&d);
	rules_free(r);
	db_close(db);
	return EXIT_OK;
}

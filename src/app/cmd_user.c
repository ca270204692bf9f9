/*
 * cmd_user.c — `packbench user add|passwd|list`: operators and their roles.
 *
 * A new PIN comes from the environment variable PACKBENCH_NEW_PIN (for scripts), or is
 * asked twice on /dev/tty without echo; it is never taken from the command line, where
 * other users could read it in the process list.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/user.h"

int cmd_user_add(struct cmd_ctx *c);
int cmd_user_passwd(struct cmd_ctx *c);
int cmd_user_list(struct cmd_ctx *c);
int cmd_user_role(struct cmd_ctx *c);
int cmd_user_unlock(struct cmd_ctx *c);

#define PIN_BUF 64

/* The new PIN for name into buf; prints the one-line error itself. 0 or EXIT_FAIL. */
static int
new_pin(const char *name, char *buf, size_t len)
{
	char again[PIN_BUF], prompt[128];
	const char *env;
	int rc;

	if ((env = getenv("PACKBENCH_NEW_PIN")) != NULL) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	snprintf(prompt, sizeof prompt, "New PIN for %s: ", name);
	rc = cmd_read_secret(prompt, buf, len);
	if (rc == 0)
		rc = cmd_read_secret("Repeat the PIN: ", again, sizeof again);
	if (rc != 0) {
		fprintf(stderr, "packbench: user %s: no terminal to ask the new PIN on "
		    "(set PACKBENCH_NEW_PIN)\n", name);
		rc = EXIT_FAIL;
	} else if (strcmp(buf, again) != 0) {
		fprintf(stderr, "packbench: user %s: the two PINs differ; nothing changed\n",
		    name);
		rc = EXIT_FAIL;
	}
	explicit_bzero(again, sizeof again);
	if (rc != 0)
		explicit_bzero(buf, len);
	return rc;
}

int
cmd_user_add(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "role", required_argument, NULL, 'r' },
		{ "badge", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *badge = NULL, *name;
	enum role role = ROLE_NONE;
	char pin[PIN_BUF];
	struct session s;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if ((role = role_parse(optarg)) == ROLE_NONE) {
				fprintf(stderr, "packbench: --role: '%s' is not packer, supervisor "
				    "or admin\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			badge = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc - 1 || role == ROLE_NONE)
		return cmd_usage(c);
	name = c->argv[optind];
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if ((rc = new_pin(name, pin, sizeof pin)) != 0) {
		db_close(db);
		return rc;
	}
	rc = user_add(&s, name, role, pin, badge);
	explicit_bzero(pin, sizeof pin);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("user %s added as %s\n", name, role_name(role));
	return EXIT_OK;
}

int
cmd_user_passwd(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	char pin[PIN_BUF];
	struct session s;
	const char *name;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc - 1)
		return cmd_usage(c);
	name = c->argv[optind];
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if ((rc = new_pin(name, pin, sizeof pin)) != 0) {
		db_close(db);
		return rc;
	}
	rc = user_passwd(&s, name, pin);
	explicit_bzero(pin, sizeof pin);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("PIN of %s changed\n", name);
	return EXIT_OK;
}

int
cmd_user_list(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "id", 1 }, { "name", 0 }, { "role", 0 }, { "badge", 0 }, { "active", 0 },
		{ "failed", 1 }, { "locked_until", 0 },
	};
	struct user_row *rows = NULL;
	struct session s;
	struct db *db;
	struct out *o;
	int64_t now = clock_now();
	size_t n, i;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	if (user_list(&s, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		struct user_row *r = &rows[i];
		char id[24], failed[24], until[32];
		const char *vals[7];

		snprintf(id, sizeof id, "%" PRId64, r->id);
		snprintf(failed, sizeof failed, "%d", r->failed);
		if (r->locked_until > now)
			clock_format(r->locked_until, 7 * 3600, until, sizeof until);  /* UTC+7 */
		vals[0] = id;
		vals[1] = r->name;
		vals[2] = role_name(r->role);
		vals[3] = r->badge[0] ? r->badge : NULL;
		vals[4] = r->active ? "yes" : "no";
		vals[5] = failed;
		vals[6] = r->locked_until > now ? until : NULL;
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

int
cmd_user_role(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	enum role role;
	int rc;

	if ((rc = cmd_start(c, 2, &db, &s)) >= 0)
		return rc;
	role = role_parse(c->argv[optind + 1]);
	if (role != ROLE_PACKER && role != ROLE_SUPERVISOR && role != ROLE_ADMIN) {
		fprintf(stderr, "packbench: '%s' is not packer, supervisor or admin\n",
		    c->argv[optind + 1]);
		db_close(db);
		return EXIT_USAGE;
	}
	rc = user_set_role(&s, c->argv[optind], role);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("%s is now %s\n", c->argv[optind], role_name(role));
	return EXIT_OK;
}

int
cmd_user_unlock(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_start(c, 1, &db, &s)) >= 0)
		return rc;
	rc = user_unlock(&s, c->argv[optind]);
	db_close(db);
	if (rc != 0)
		return cmd_fail(&s);
	printf("%s unlocked\n", c->argv[optind]);
	return EXIT_OK;
}

/*
 * cmd.h — the command table: one file per command group (cmd_*.c), one row per
 * subcommand in cmd_table[] (cmd.c), in the tmux style.
 */
#ifndef PB_CMD_H
#define PB_CMD_H

#include "core/session.h"
#include "out.h"

struct config;
struct db;
struct option;

struct cmd_ctx {
	int argc;                   /* arguments after the command words; argv[0] is the */
	char **argv;                /* full command name, so getopt_long works as usual */
	const char *db_path;        /* --db or PACKBENCH_DB or ./packbench.db */
	int db_given;               /* 1 when --db or PACKBENCH_DB named it */
	const char *config_path;    /* --config or PACKBENCH_CONFIG */
	const char *user;           /* --user: act as this operator (PIN asked) */
	enum out_format fmt;        /* --format */
	const struct cmd *cmd;
};

struct cmd {
	const char *name;           /* "orders" */
	const char *sub;            /* "list", or NULL for a one-word command */
	const char *usage;          /* arguments and options, for --help */
	const char *summary;
	int (*run)(struct cmd_ctx *c);
};

extern const struct cmd cmd_table[];

/* Exit statuses (DESIGN.md section 4). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/*
 * Open the database named by the context and fill *s: a system session, or with --user
 * the logged-in operator (PIN from PACKBENCH_PIN or asked on the terminal). Prints the
 * one-line error itself; returns 0 or EXIT_FAIL.
 */
int cmd_open(struct cmd_ctx *c, struct db **db, struct session *s);

/* Print "usage: packbench NAME SUB USAGE" to stderr and return EXIT_USAGE. */
int cmd_usage(struct cmd_ctx *c);
/* Print the command's help to stdout and return EXIT_OK. */
int cmd_help(struct cmd_ctx *c);

/*
 * Parse the common per-command options in argv: --help (prints help, returns 1 with
 * *rc = EXIT_OK) and --format (sets c->fmt). Other options are left for the command's own
 * getopt_long; commands just call getopt_long with their own table and handle 'h' and
 * 'F' through cmd_common_opt().
 */
int cmd_common_opt(struct cmd_ctx *c, int opt, const char *arg, int *rc);

/* Ask for a secret on the terminal without echo; 0, or -1 when there is no terminal. */
int cmd_read_secret(const char *prompt, char *buf, size_t len);

/* A command's own option: getopt_long's val for it, and where it goes: its argument
 * into *text, or 1 into *flag (the other NULL). */
struct cmd_arg {
	int val;
	const char **text;
	int *flag;
};

/*
 * Parse c's options with getopt_long(shortopts, opts): those in args (ended by val 0;
 * args may be NULL) are stored, --help and --format go to cmd_common_opt(), any other
 * is a usage error; then check there are exactly nargs operands (at c->argv[optind]...).
 * -1 when the command should go on; otherwise the exit status to return at once.
 */
int cmd_args(struct cmd_ctx *c, const char *shortopts, const struct option *opts,
    const struct cmd_arg *args, int nargs);

/*
 * For commands whose only options are --help and --format: parse them, check there are
 * exactly nargs operands (at c->argv[optind]...), open the database. -1 when the command
 * should go on with *db and *s; otherwise the exit status to return at once.
 */
int cmd_start(struct cmd_ctx *c, int nargs, struct db **db, struct session *s);

/* Report a core failure: "packbench: " + s->err to stderr; returns EXIT_FAIL. */
int cmd_fail(struct session *s);

/* --from/--to of a report (YYYY-MM-DD[THH:MM], dates at off seconds east of UTC) into
 * [*f, *t); default the 7 days to now. 0, or -1 after printing the error. */
int cmd_period(const char *from, const char *to, int64_t off, int64_t *f, int64_t *t);
/* A report's option 'f' (--from) or 't' (--to): its arg into *from or *to and 1; 0 for
 * any other option. */
int cmd_period_opt(int opt, const char *arg, const char **from, const char **to);
/* A report's configuration into *cfg (the caller's to config_free) and its cmd_period at
 * the station's offset: 0, or the exit status to return at once (cfg not kept). */
int cmd_report_config(struct cmd_ctx *c, struct config *cfg, const char *from,
    const char *to, int64_t *f, int64_t *t);

#endif

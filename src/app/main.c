/*
 * main.c — packbench's entry point: global options (--db, --config, --user), anywhere on
 * the command line, then dispatch through cmd_table[] by command and subcommand.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void
usage_all(FILE *fp)
{
	const struct cmd *cmd;

	fprintf(fp, "usage: packbench [--db PATH] [--config FILE] [--user NAME] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (cmd = cmd_table; cmd->name != NULL; cmd++) {
		char name[64];

		snprintf(name, sizeof name, "%s%s%s", cmd->name, cmd->sub ? " " : "",
		    cmd->sub ? cmd->sub : "");
		fprintf(fp, "  %-18s %s\n", name, cmd->summary);
	}
	fprintf(fp, "\nRun 'packbench COMMAND --help' for a command's options.\n");
}

/* Take a global option out of argv wherever it stands. 1 when argv[*i] was one. */
static int
take_global(int *argc, char **argv, int i, const char *name, const char **out, int *bad)
{
	size_t n = strlen(name);
	int used;

	if (strncmp(argv[i], name, n) != 0)
		return 0;
	if (argv[i][n] == '=') {
		*out = argv[i] + n + 1;
		used = 1;
	} else if (argv[i][n] == '\0') {
		if (i + 1 >= *argc) {
			fprintf(stderr, "packbench: %s needs a value\n", name);
			*bad = 1;
			return 1;
		}
		*out = argv[i + 1];
		used = 2;
	} else {
		return 0;
	}
	memmove(&argv[i], &argv[i + used], (size_t)(*argc - i - used + 1) * sizeof *argv);
	*argc -= used;
	return 1;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx c = { 0 };
	const struct cmd *cmd, *found = NULL;
	int i, bad = 0, nwords;
	char name[96];

	setlocale(LC_ALL, "");
	c.db_path = getenv("PACKBENCH_DB");
	c.config_path = getenv("PACKBENCH_CONFIG");
	for (i = 1; i < argc; ) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (take_global(&argc, argv, i, "--db", &c.db_path, &bad) ||
		    take_global(&argc, argv, i, "--config", &c.config_path, &bad) ||
		    take_global(&argc, argv, i, "--user", &c.user, &bad)) {
			if (bad)
				return EXIT_USAGE;
			continue;
		}
		i++;
	}
	c.db_given = c.db_path != NULL;
	if (c.db_path == NULL)
		c.db_path = "packbench.db";

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)) {
		usage_all(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("packbench %s\n", PACKBENCH_VERSION);
		return EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-') {
		/* Bare `packbench` is the station. */
		for (cmd = cmd_table; cmd->name != NULL; cmd++) {
			if (strcmp(cmd->name, "station") == 0)
				found = cmd;
		}
		if (found == NULL || argc >= 2) {
			usage_all(stderr);
			return EXIT_USAGE;
		}
		nwords = 1;
	} else {
		for (cmd = cmd_table; cmd->name != NULL; cmd++) {
			if (strcmp(cmd->name, argv[1]) != 0)
				continue;
			if (cmd->sub == NULL) {
				found = cmd;
				break;
			}
			if (argc >= 3 && strcmp(cmd->sub, argv[2]) == 0) {
				found = cmd;
				break;
			}
		}
		if (found == NULL) {
			int known = 0;

			for (cmd = cmd_table; cmd->name != NULL; cmd++)
				known |= strcmp(cmd->name, argv[1]) == 0;
			if (known) {
				fprintf(stderr, "packbench: %s: unknown or missing subcommand; one of:",
				    argv[1]);
				for (cmd = cmd_table; cmd->name != NULL; cmd++) {
					if (strcmp(cmd->name, argv[1]) == 0)
						fprintf(stderr, " %s", cmd->sub);
				}
				fputc('\n', stderr);
			} else {
				fprintf(stderr, "packbench: '%s' is not a command; see "
				    "'packbench --help'\n", argv[1]);
			}
			return EXIT_USAGE;
		}
		nwords = found->sub ? 2 : 1;
	}
	snprintf(name, sizeof name, "packbench %s%s%s", found->name, found->sub ? " " : "",
	    found->sub ? found->sub : "");
	c.cmd = found;
	c.argc = argc - nwords;
	c.argv = argv + nwords;
	if (c.argc >= 1)
		c.argv[0] = name;
	else {
		static char *solo[2];

		solo[0] = name;
		c.argv = solo;
		c.argc = 1;
	}
	return found->run(&c);
}

/*
 * cmd_webhooks.c — `packbench webhooks --listen ADDR:PORT [--url-base URL]
 * [--max-body BYTES] [--no-recover] [--refetch]`: the push receiver (webhooks.h) for
 * every [shop] of the configuration, until SIGTERM or SIGINT. On start, Shopee's missed
 * pushes are recovered for each Shopee shop and queued; with --refetch the queued orders
 * are also fetched here at once instead of at the sync worker's next pass. The first line on stdout says where it
 * listens ("listening on http://127.0.0.1:8080"); then a line per push on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "webhooks.h"

int cmd_webhooks_run(struct cmd_ctx *c);

static void
log_line(void *ctx, const char *line)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	(void)ctx;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s webhooks: %s\n", ts, line);
}

/* The shop's current access token from the database (refreshed at run time), else the
 * configured one; owned copy or NULL. */
static char *
access_token(struct session *s, const char *channel, const char *code, const char *cfg)
{
	struct db_stmt *st;
	char *tok = NULL;

	st = db_prep(s->db, "SELECT t.access_token FROM shop_token t JOIN shop p ON "
	    "p.id = t.shop_id WHERE p.channel = ? AND p.shop_code = ? AND "
	    "t.access_token IS NOT NULL");
	if (st != NULL) {
		db_bind_text(st, 1, channel);
		db_bind_text(st, 2, code);
		if (db_step(st) == DB_ROW)
			tok = xstrdup(db_col_text(st, 0));
		db_done(st);
	}
	if (tok == NULL && cfg != NULL)
		tok = xstrdup(cfg);
	return tok;
}

int
cmd_webhooks_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "listen", required_argument, NULL, 'l' },
		{ "url-base", required_argument, NULL, 'u' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "no-recover", no_argument, NULL, 'n' },
		{ "refetch", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct webhooks_opts wo = { 0 };
	struct webhooks_shop *shops = NULL;
	struct webhooks *w = NULL;
	struct config cfg;
	struct session s;
	struct db *db;
	char **tokens = NULL, (*codes)[32] = NULL, err[256], *end;
	sigset_t sigs, old;
	size_t i;
	int opt, rc, sig, recover = 1, status = EXIT_FAIL;
	long long mb;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			wo.listen = optarg;
			break;
		case 'u':
			wo.url_base = optarg;
			break;
		case 'm':
			errno = 0;
			mb = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || mb < 64 || mb > 16 * 1024 * 1024) {
				fprintf(stderr, "packbench: webhooks: --max-body '%s': a byte count "
				    "from 64 to 16777216\n", optarg);
				return EXIT_USAGE;
			}
			wo.max_body = (size_t)mb;
			break;
		case 'n':
			recover = 0;
			break;
		case 'r':
			wo.refetch = 1;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc || wo.listen == NULL)
		return cmd_usage(c);
	if (webhooks_check_listen(wo.listen, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: webhooks: %s\n", err);
		return EXIT_USAGE;
	}
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	if (cfg.nshops == 0) {
		fprintf(stderr, "packbench: webhooks: no [shop] in the configuration\n");
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (cmd_open(c, &db, &s) != 0) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (session_require(&s, ROLE_SUPERVISOR, "receive marketplace pushes") != 0) {
		cmd_fail(&s);
		db_close(db);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	shops = xcalloc(cfg.nshops, sizeof *shops);
	tokens = xcalloc(cfg.nshops, sizeof *tokens);
	codes = xcalloc(cfg.nshops, sizeof *codes);
	for (i = 0; i < cfg.nshops; i++) {
		const struct config_shop *sh = &cfg.shops[i];
		struct webhooks_shop *ws = &shops[i];

		ws->name = sh->name;
		ws->channel = config_channel_name(sh->channel);
		if (sh->channel == CONFIG_SHOPEE)
			snprintf(codes[i], sizeof codes[i], "%" PRId64, sh->shop_id);
		else
			snprintf(codes[i], sizeof codes[i], "%s", sh->name);
		ws->code = codes[i];
		ws->api_base = sh->api_base;
		ws->auth_base = sh->auth_base;
		ws->creds.partner_id = sh->partner_id;
		ws->creds.shop_id = sh->shop_id;
		ws->creds.partner_key = sh->partner_key;
		ws->creds.app_key = sh->app_key;
		ws->creds.app_secret = sh->app_secret;
		ws->creds.shop_cipher = sh->shop_cipher;
		ws->creds.refresh_token = sh->refresh_token;
		tokens[i] = access_token(&s, ws->channel, ws->code, sh->access_token);
		ws->creds.access_token = tokens[i];
	}

	/* Pushes missed while nobody listened, before listening (the connection is ours). */
	for (i = 0; recover && i < cfg.nshops; i++) {
		struct market_error merr;
		int64_t queued = 0;

		if (webhooks_recover(&s, &shops[i], NULL, &queued, &merr) != 0)
			fprintf(stderr, "packbench: webhooks %s: missed-push recovery: %s\n",
			    shops[i].name, merr.msg);
		else if (queued > 0)
			fprintf(stderr, "packbench: webhooks %s: %" PRId64 " missed push(es) "
			    "queued for re-fetch\n", shops[i].name, queued);
	}

	/* SIGTERM and SIGINT are taken by sigwait below, on this thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	wo.log = log_line;
	if (webhooks_start(db, shops, cfg.nshops, &wo, &w, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: webhooks: %s\n", err);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		goto done;
	}
	printf("listening on %s\n", webhooks_url_base(w));
	for (i = 0; i < cfg.nshops; i++)
		printf("  %s/push/%s/%s\n", webhooks_url_base(w), shops[i].channel,
		    shops[i].name);
	fflush(stdout);
	while (sigwait(&sigs, &sig) != 0)
		;
	db_interrupt();             /* threads waiting for a lost database stop waiting */
	webhooks_stop(w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	status = EXIT_OK;
done:
	for (i = 0; i < cfg.nshops; i++) {
		if (tokens[i] != NULL)
			explicit_bzero(tokens[i], strlen(tokens[i]));
		free(tokens[i]);
	}
	free(tokens);
	free(codes);
	free(shops);
	db_close(db);
	config_free(&cfg);
	return status;
}

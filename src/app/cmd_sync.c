/*
 * cmd_sync.c — `packbench sync --once`: for every [shop] of the configuration whose
 * channel can pull orders, one pull (sync_pull_once) and one drain of its outbox
 * (outbox_drain), with a line per shop; exit 0 when every shop succeeded. The tokens are
 * the configured ones (no refresh here); a shop never pulled starts SYNC_FIRST_S back.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "core/db.h"
#include "market/channel.h"
#include "market/outbox.h"
#include "market/sync.h"
#include "market/transport.h"

#define SYNC_FIRST_S (7 * 86400)    /* how far back a shop's first pull reaches */
#define SYNC_OVERLAP_S 300

int cmd_sync_run(struct cmd_ctx *c);

static struct market_creds
shop_creds(const struct config_shop *sh)
{
	struct market_creds cr = { 0 };

	cr.partner_id = sh->partner_id;
	cr.shop_id = sh->shop_id;
	cr.partner_key = sh->partner_key;
	cr.app_key = sh->app_key;
	cr.app_secret = sh->app_secret;
	cr.shop_cipher = sh->shop_cipher;
	cr.access_token = sh->access_token;
	cr.refresh_token = sh->refresh_token;
	return cr;
}

/* Pull and drain one shop, print its line; 0 or -1 (errors printed). */
static int
sync_shop(struct session *s, const struct config *cfg, const struct config_shop *sh)
{
	const char *chname = config_channel_name(sh->channel);
	const struct channel *ch = channel_find(chname);
	struct market_creds cr = shop_creds(sh);
	struct sync_opts so = { 0 };
	struct outbox_opts oo = { 0 };
	struct sync_counts sc = { 0 };
	struct outbox_counts oc = { 0 };
	struct market_error perr, oerr;
	struct transport *t;
	char code[32], err[256];
	int prc, orc = 0, drained;

	if (ch == NULL || ch->conn == NULL || ch->conn->list_request == NULL) {
		printf("%s: %s: no connector with order pull, skipped\n", sh->name, chname);
		return 0;
	}
	if (sh->channel == CONFIG_SHOPEE)
		snprintf(code, sizeof code, "%" PRId64, sh->shop_id);
	else
		snprintf(code, sizeof code, "%s", sh->name);
	if ((t = transport_new(sh->api_base, sh->auth_base, NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "packbench: sync %s: %s\n", sh->name, err);
		return -1;
	}
	so.channel = chname;
	so.shop = code;
	so.from = (int64_t)time(NULL) - SYNC_FIRST_S;
	so.overlap = SYNC_OVERLAP_S;
	prc = sync_pull_once(s, ch->conn, &cr, t, &so, &sc, &perr);

	/* Owed calls are drained even when the pull failed: they do not depend on it. */
	drained = outbox_supported(chname);
	if (drained) {
		oo.channel = chname;
		oo.shop = code;
		oo.backoff_max_s = cfg->sync.outbox_retry_max_s;
		orc = outbox_drain(s, &cr, t, &oo, &oc, &oerr);
	}
	transport_free(t);

	printf("%s: pulled %" PRId64 ", created %" PRId64 ", updated %" PRId64, sh->name,
	    sc.pulled, sc.created, sc.updated);
	if (sc.skipped > 0)
		printf(", skipped %" PRId64, sc.skipped);
	if (drained)
		printf("; outbox sent %" PRId64 ", failed %" PRId64 ", pending %" PRId64 "\n",
		    oc.sent, oc.failed, oc.pending);
	else
		printf("; outbox not drained (no ship call for %s yet)\n", chname);
	if (prc != 0)
		fprintf(stderr, "packbench: sync %s: pull: %s\n", sh->name, perr.msg);
	else if (sc.skipped > 0)
		fprintf(stderr, "packbench: sync %s: skipped: %s\n", sh->name, perr.msg);
	if (orc != 0)
		fprintf(stderr, "packbench: sync %s: outbox: %s\n", sh->name, oerr.msg);
	return prc != 0 || orc != 0 ? -1 : 0;
}

int
cmd_sync_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct session s;
	struct db *db;
	size_t i;
	int opt, rc, once = 0, bad = 0;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (opt == 'o')
			once = 1;
		else if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (optind != c->argc || !once)
		return cmd_usage(c);
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	if (cfg.nshops == 0) {
		fprintf(stderr, "packbench: sync: no [shop] in the configuration\n");
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (cmd_open(c, &db, &s) != 0) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	for (i = 0; i < cfg.nshops; i++) {
		if (sync_shop(&s, &cfg, &cfg.shops[i]) != 0)
			bad++;
	}
	db_close(db);
	config_free(&cfg);
	return bad ? EXIT_FAIL : EXIT_OK;
}

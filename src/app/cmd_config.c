/*
 * cmd_config.c — `packbench config check [FILE]`: read the configuration file as every
 * command would and summarise it: station, sync, shops per channel, boxes. Secrets are
 * shown only as set or not set.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"

int cmd_config_check(struct cmd_ctx *c);

static const char *
cmd_config_secret(const char *s)
{
	return s != NULL ? "(set)" : "(not set)";
}

static void
cmd_config_shop(const struct config_shop *sh)
{
	printf("  %s: %s, %s", sh->name, config_channel_name(sh->channel), sh->api_base);
	if (sh->auth_base != NULL && strcmp(sh->auth_base, sh->api_base) != 0)
		printf(" (auth %s)", sh->auth_base);
	printf(", warehouse %s\n", sh->warehouse != NULL ? sh->warehouse : "(the station's)");
	switch (sh->channel) {
	case CONFIG_SHOPEE:
		printf("    partner_id %" PRId64 ", shop_id %" PRId64 ", partner_key %s",
		    sh->partner_id, sh->shop_id, cmd_config_secret(sh->partner_key));
		break;
	case CONFIG_LAZADA:
		printf("    app_key %s, app_secret %s", sh->app_key,
		    cmd_config_secret(sh->app_secret));
		break;
	case CONFIG_TIKTOK:
		printf("    app_key %s, shop_cipher %s, app_secret %s", sh->app_key,
		    sh->shop_cipher, cmd_config_secret(sh->app_secret));
		break;
	case CONFIG_NCHANNELS:
		break;
	}
	printf(", access_token %s, refresh_token %s\n", cmd_config_secret(sh->access_token),
	    cmd_config_secret(sh->refresh_token));
}

static void
cmd_config_summary(const struct config *cfg)
{
	const struct config_station *st = &cfg->station;
	size_t per[CONFIG_NCHANNELS] = { 0 }, i;
	int b;

	printf("station %s: warehouse %s; printer %s, scale %s, scanner %s\n", st->id,
	    st->warehouse[0] ? st->warehouse : "(the only one)", st->printer, st->scale,
	    st->scanner);
	printf("  weight tolerance %" PRId64 " g or %" PRId64 " %%, auto-confirm %s, "
	    "labels %d dpi, times UTC%s\n", st->weight_tolerance_g, st->weight_tolerance_pct,
	    st->auto_confirm ? "yes" : "no", st->label_dpi, st->utc_offset);
	printf("sync: every %" PRId64 " s, at most %" PRId64 " requests/s, outbox retries "
	    "up to %" PRId64 " s apart\n", cfg->sync.interval_s, cfg->sync.rate_limit_per_s,
	    cfg->sync.outbox_retry_max_s);
	printf("  runs in the station: %s; a shop's lease: ", cfg->sync.in_station ? "yes" :
	    "no (a sync daemon does it)");
	if (cfg->sync.lease_s > 0)
		printf("%" PRId64 " s\n", cfg->sync.lease_s);
	else
		printf("three intervals, at least 30 s\n");
	for (i = 0; i < cfg->nshops; i++)
		per[cfg->shops[i].channel]++;
	printf("shops: %zu (shopee %zu, lazada %zu, tiktok %zu)\n", cfg->nshops,
	    per[CONFIG_SHOPEE], per[CONFIG_LAZADA], per[CONFIG_TIKTOK]);
	for (i = 0; i < cfg->nshops; i++)
		cmd_config_shop(&cfg->shops[i]);
	printf("boxes: %d%s\n", cfg->nboxes, cfg->nboxes ? "" : " (the built-in set is used)");
	for (b = 0; b < cfg->nboxes; b++) {
		const struct config_box *x = &cfg->boxes[b];

		printf("  %d %s: %" PRId64 " g, %dx%dx%d cm%s%s\n", b + 1, x->name, x->tare_g,
		    x->l_cm, x->w_cm, x->h_cm, x->barcode[0] ? ", barcode " : "", x->barcode);
	}
	printf("risk: high COD %" PRId64 " VND, COD refusals %" PRId64 ", returns %" PRId64
	    ", duplicates within %" PRId64 " s, phone check %s, address check %s (0: off)\n",
	    cfg->risk.high_cod, cfg->risk.cod_refusals, cfg->risk.returns,
	    cfg->risk.duplicate_window_s, cfg->risk.check_phone ? "yes" : "no",
	    cfg->risk.check_address ? "yes" : "no");
	printf("carriers: %d\n", cfg->ncarriers);
	for (b = 0; b < cfg->ncarriers; b++) {
		const struct sla_carrier *k = &cfg->carriers[b];

		if (k->cutoff_min < 0)
			printf("  %s: no cut-off, %" PRId64 " h in transit\n", k->name, k->promise_h);
		else
			printf("  %s: cut-off %02d:%02d, %" PRId64 " h in transit\n", k->name,
			    k->cutoff_min / 60, k->cutoff_min % 60, k->promise_h);
	}
}

int
cmd_config_check(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	char err[1024], defpath[4096];
	const char *path;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (cmd_common_opt(c, opt, optarg, &rc))
			return rc;
	}
	if (c->argc - optind > 1)
		return cmd_usage(c);
	path = optind < c->argc ? c->argv[optind] : c->config_path;
	if (config_load(&cfg, path, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return EXIT_FAIL;
	}
	if (cfg.path != NULL)
		printf("%s: ok\n", cfg.path);
	else if (config_default_path(defpath, sizeof defpath) == 0)
		printf("%s: not there; the defaults apply\n", defpath);
	else
		printf("no configuration file (neither XDG_CONFIG_HOME nor HOME is set); "
		    "the defaults apply\n");
	cmd_config_summary(&cfg);
	config_free(&cfg);
	return EXIT_OK;
}

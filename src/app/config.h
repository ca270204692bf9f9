/*
 * config.h — the configuration file (DESIGN.md section 4): [station], any number of
 * [shop "NAME"], [sync], [boxes], [risk], [carriers] and [auth], read with inih and
 * checked strictly. Unknown sections and keys, badly written values and keys a shop's
 * channel needs but lacks are errors of one line, FILE:LINE: [section] key: what is
 * wrong. A file that holds a secret is refused when group or others may read it, as ssh
 * refuses such keys. Secret values never appear in a message.
 */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_BOXES 9          /* the pack screen picks boxes with keys 1..9 */

#include "core/recon.h"
#include "core/risk.h"
#include "core/demand.h"
#include "core/sla.h"

struct cmd_ctx;

enum config_channel {
	CONFIG_SHOPEE,
	CONFIG_LAZADA,
	CONFIG_TIKTOK,
	CONFIG_NCHANNELS
};

struct config_station {
	char id[32];                /* "ST1" */
	char warehouse[32];         /* warehouse code; "" = the only one, resolved later */
	char printer[256];          /* device address (devuri.h), "sim" */
	char scale[256];            /* device address, "sim" */
	char scanner[256];          /* "keyboard" or a device address */
	int64_t weight_tolerance_g; /* a weight passes within the larger of these two */
	int64_t weight_tolerance_pct;
	int auto_confirm;
	int label_dpi;              /* 203 or 300 */
	char utc_offset[8];         /* for display, "+07:00" */
	int utc_offset_min;         /* the same in minutes east of UTC */
};

/*
 * One [shop "NAME"]. Strings are NULL when not given, except api_base and auth_base,
 * which always hold a URL without trailing slash: the channel's public host when
 * api_base is not given; auth_base defaults to the channel's auth host only when api_base
 * was left to its default too, otherwise to api_base (so a simulator gets both).
 */
struct config_shop {
	char *name;
	enum config_channel channel;
	char *api_base;
	char *auth_base;
	char *access_token;         /* secret */
	char *refresh_token;        /* secret */
	char *warehouse;
	int64_t partner_id;         /* shopee */
	char *partner_key;          /* shopee, secret */
	int64_t shop_id;            /* shopee */
	char *app_key;              /* lazada, tiktok */
	char *app_secret;           /* lazada, tiktok; secret */
	char *shop_cipher;          /* tiktok */
	int line;                   /* of the section header */
};

struct config_sync {
	int64_t interval_s;
	int64_t rate_limit_per_s;
	int64_t outbox_retry_max_s;
	int in_station;             /* 1: the station runs the sync thread (no: a daemon does) */
	int64_t lease_s;            /* a shop's pull lease; 0: 3 intervals, at least 30 s */
	int64_t stock_buffer;       /* units of each SKU held back from the marketplaces,
	                             * unless the SKU sets its own (market/stockpush.h) */
};

/* [auth]: log-in by name through PAM (auth_pam.h); roles stay packbench's. */
struct config_auth {
	int pam;
	char pam_service[64];       /* default "packbench" */
	char pam_confdir[256];      /* "" : the system's /etc/pam.d */
};

/* A [boxes] line NAME = TARE_G, LxWxH_cm[, BARCODE]. */
struct config_box {
	char name[16];
	int64_t tare_g;
	int l_cm, w_cm, h_cm;
	char barcode[48];           /* "" when the box has none */
};

/* [routing]: per channel (route.h's policy) and whether confirming allocates. */
struct config_route_channel {
	int64_t min_shelf_days;
	int split, merge;
	int64_t deliver_days;
};
struct config_routing {
	int allocate_on_confirm;
	struct config_route_channel shopee, lazada, tiktok, manual;
};

struct config {
	char *path;                 /* the file read; NULL when only defaults */
	struct config_station station;
	struct config_shop *shops;  /* in file order */
	size_t nshops;
	struct config_sync sync;
	struct config_box boxes[CONFIG_MAX_BOXES];  /* in file order */
	int nboxes;
	struct config_auth auth;    /* [auth] */
	struct risk_config risk;    /* [risk]: thresholds of the risk rules (risk.h) */
	struct demand_params forecast;  /* [forecast]: lead time, safety, horizon (demand.h) */
	/* [carriers]: NAME = HH:MM, HOURS: the daily cut-off (local) and promised hours in
	 * transit; in file order */
	struct sla_carrier carriers[SLA_MAX_CARRIERS];
	int ncarriers;
	/* [carriers] rates = DIR: the rate tables (carrier.h); "": the compiled-in samples */
	char carrier_rates[256];
	struct config_routing routing;
	/* [fees]: the fee schedules per channel and shop, the discrepancy threshold, the
	 * packing cost per parcel and the dead-stock days (core/recon.h) */
	struct recon_fees fees;
};

/* Fill *cfg with the defaults; allocates nothing. */
void config_defaults(struct config *cfg);

/*
 * Read the file at path into *cfg (which need not be initialised). A NULL path means the
 * default file (config_default_path), and that file missing is fine: defaults. A
 * missing explicit file is an error. Returns 0, or -1 with one line in err; on failure
 * *cfg holds the defaults and owns nothing. Not thread-safe (inih's settings are global).
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Release what config_load allocated, wiping secrets; *cfg is left zeroed. */
void config_free(struct config *cfg);

/*
 * $XDG_CONFIG_HOME/packbench/packbench.conf, or ~/.config/packbench/packbench.conf.
 * 0, or -1 when neither variable is set or the path does not fit.
 */
int config_default_path(char *buf, size_t len);

/* The shop of that name, or NULL; the pointer lives as long as cfg. */
const struct config_shop *config_shop(const struct config *cfg, const char *name);

/* "shopee", "lazada" or "tiktok". */
const char *config_channel_name(enum config_channel ch);

/* Allowed difference from an expected weight: the larger of the two tolerances. */
int64_t config_weight_tolerance_g(const struct config *cfg, int64_t expected_g);

/*
 * For commands that need the configuration: load from c->config_path (or the default
 * file). 0, or prints the one-line error to stderr and returns EXIT_FAIL.
 */
int cmd_config(struct cmd_ctx *c, struct config *cfg);

#endif

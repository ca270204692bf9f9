/*
 * cmd_demo.c — the demo seller and the station.
 *
 * `demo-data` fills the --db database with the generated seller (core/demo.c) and
 * refuses a database that already has orders. `demo` keeps its own database under
 * $XDG_DATA_HOME/packbench (unless --db or PACKBENCH_DB names one), fills it when empty,
 * makes it again when its orders have gone stale (deadlines days in the past), and
 * starts the station. `station` is the TUI on the --db database.
 *
 * The station's settings come from the configuration ([station], [boxes]); the demo's
 * station packs at the HCM warehouse unless the configuration names another. Labels
 * print through station.c on the configured printer, so the ui never sees a device.
 * When the configuration names real devices (usb:, hid:, tty:) the devices layer runs
 * too (station_dev.c): the ui polls its fd and hands its news to station_dev_pump.
 */
#include "cmd_demo.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/order.h"
#include "core/stock.h"
#include "auth_pam.h"
#include "config.h"
#include "demo_market.h"
#include "station.h"
#include "station_dev.h"
#include "station_sync.h"
#include "ui.h"

#define DEMO_ORDERS 1500
#define DEMO_SKUS 80
#define DEMO_STALE_SECS (24 * 3600)

/* Parse a whole number in [lo, hi] for option name; EXIT_USAGE with a message if not. */
static int
num_arg(const char *name, const char *arg, long long lo, long long hi, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || *out < lo || *out > hi) {
		fprintf(stderr, "packbench: --%s: '%s' is not a number from %lld to %lld\n",
		    name, arg, lo, hi);
		return EXIT_USAGE;
	}
	return 0;
}

/* The newest order's creation time in *newest; 0 when there are no orders. */
static int
newest_order(struct session *s, int64_t *newest)
{
	struct order_filter f = { .status = -1, .limit = 1 };
	struct order_row *rows = NULL;
	size_t n = 0;
	int rc;

	*newest = 0;
	if ((rc = order_list(s, &f, &rows, &n)) != 0)
		return rc;
	if (n > 0)
		*newest = rows[0].created_at > 0 ? rows[0].created_at : 1;
	free(rows);
	return 0;
}

static int
generate(struct session *s, const struct demo_opts *o, const char *path)
{
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = demo_generate(s, o)) != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "packbench: %s: demo seller with %d orders and %d SKUs (seed %" PRIu64
	    ") in %.1f s\n", path, o->orders, o->skus, o->seed,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	fprintf(stderr, "packbench: users: admin (PIN 1234), packers lan (1111) and duc (2222), "
	    "supervisor thao (5678)\n");
	return 0;
}

/* Shared option parsing of demo and demo-data. */
static int
demo_opts_parse(struct cmd_ctx *c, struct demo_opts *o, int *reset, int *market)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "orders", required_argument, NULL, 'o' },
		{ "skus", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "reset", no_argument, NULL, 'r' },
		{ "no-market", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if ((rc = num_arg("orders", optarg, 0, 1000000, &v)) != 0)
				return rc;
			o->orders = (int)v;
			break;
		case 'k':
			if ((rc = num_arg("skus", optarg, 1, 100000, &v)) != 0)
				return rc;
			o->skus = (int)v;
			break;
		case 's':
			if ((rc = num_arg("seed", optarg, 0, INT64_MAX, &v)) != 0)
				return rc;
			o->seed = (uint64_t)v;
			break;
		case 'r':
			if (reset == NULL)
				return cmd_usage(c);
			*reset = 1;
			break;
		case 'M':
			if (market == NULL)
				return cmd_usage(c);
			*market = 0;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	return -1;
}

int
cmd_demo_data_run(struct cmd_ctx *c)
{
	struct demo_opts o = { DEMO_ORDERS, DEMO_SKUS, 1 };
	struct session s;
	struct db *db;
	int64_t newest;
	int rc;

	if ((rc = demo_opts_parse(c, &o, NULL, NULL)) >= 0)
		return rc;
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (newest_order(&s, &newest) != 0) {
		rc = cmd_fail(&s);
	} else if (newest != 0) {
		fprintf(stderr, "packbench: %s: already has orders; demo data goes into an empty "
		    "database (pick another --db)\n", c->db_path);
		rc = EXIT_FAIL;
	} else {
		rc = generate(&s, &o, c->db_path) != 0 ? cmd_fail(&s) : EXIT_OK;
	}
	db_close(db);
	return rc;
}

/* $XDG_DATA_HOME/packbench/demo.db or ~/.local/share/packbench/demo.db, directories
 * made as needed. */
static int
demo_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char dir[4096];
	size_t i;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(dir, sizeof dir, "%s/packbench", xdg);
	else if (home != NULL && home[0] != '\0')
		snprintf(dir, sizeof dir, "%s/.local/share/packbench", home);
	else {
		fprintf(stderr, "packbench: demo: neither XDG_DATA_HOME nor HOME is set; "
		    "name a database with --db\n");
		return -1;
	}
	for (i = 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		mkdir(dir, 0755);
		dir[i] = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "packbench: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(buf, len, "%s/demo.db", dir) >= len)
		return -1;
	return 0;
}

static void
remove_db(const char *path)
{
	char aux[4200];

	unlink(path);
	snprintf(aux, sizeof aux, "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof aux, "%s-shm", path);
	unlink(aux);
}

/* What the print callback needs: a session to read labels with, the printer, and the
 * devices (NULL when none run) that may hold it. */
struct station_app {
	struct session *s;
	const struct config *cfg;
	struct station_dev *sd;
	struct station_sync *sync;  /* the background sync thread, NULL when none */
};

static int
station_print_cb(void *arg, int64_t order_id, int reprint, char *err, size_t errlen)
{
	struct station_app *a = arg;

	(void)reprint;
	return station_dev_print(a->sd, a->s, a->cfg, NULL, order_id, 0, err, errlen);
}

static int
station_pump_cb(void *arg, struct vm_pack *pack, struct vm_login *login)
{
	return station_dev_pump(arg, pack, login);
}

static int
station_sync_cb(void *arg, struct vm_pack *pack)
{
	return station_sync_pump(arg, pack);
}

/* The printer as the status line names it: the address's scheme ("file", "tcp"). */
static void
printer_label(const char *uri, char *buf, size_t len)
{
	size_t n = strcspn(uri, ":");

	snprintf(buf, len, "%.*s", (int)n, uri);
}

/*
 * The station TUI on s's database. demo: the warehouse defaults to HCM and the screens
 * hint the demo's users and packable orders. market: start the demo's marketplace
 * (demo_market.c) so new orders keep arriving.
 */
static int
station(struct cmd_ctx *c, struct session *s, int demo, int market)
{
	struct demo_market *dm = NULL;
	struct station_app app;
	struct ui_station st;
	struct config cfg;
	char err[512];
	const char *wh;
	int rc;

	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	auth_pam_apply(&cfg);
	memset(&st, 0, sizeof st);
	wh = cfg.station.warehouse[0] != '\0' ? cfg.station.warehouse : demo ? "HCM" : NULL;
	if (station_pack_config(s, &cfg, wh, &st.pack, err, sizeof err) != 0) {
		if (wh != NULL) {
			fprintf(stderr, "packbench: %s\n", err);
			config_free(&cfg);
			return EXIT_FAIL;
		}
		/* Several warehouses and none configured: this station packs for any. */
		st.pack.warehouse_id = 0;
	} else if (wh == NULL && st.pack.warehouse_id != 0) {
		struct warehouse_row *rows = NULL;
		size_t n = 0;

		if (warehouse_list(s, &rows, &n) == 0 && n == 1)
			snprintf(st.warehouse, sizeof st.warehouse, "%s", rows[0].code);
		free(rows);
	}
	if (wh != NULL)
		snprintf(st.warehouse, sizeof st.warehouse, "%s", wh);
	printer_label(cfg.station.printer, st.printer, sizeof st.printer);
	st.scale_sim = strcmp(cfg.station.scale, "sim") == 0;
	st.demo = demo;
	app.s = s;
	app.cfg = &cfg;
	app.sd = NULL;
	st.io.print = station_print_cb;
	st.io.arg = &app;
	st.dev_fd = -1;
	if (station_dev_wanted(&cfg) && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		app.sd = station_dev_start(&cfg);
		st.dev_fd = station_dev_fd(app.sd);
		st.dev_pump = station_pump_cb;
		st.dev_arg = app.sd;
	}
	if (market) {
		if (demo_market_start(s, &cfg, &dm, err, sizeof err) != 0)
			fprintf(stderr, "packbench: demo: %s; no new orders will arrive\n", err);
		else if (cfg.sync.interval_s > 5)
			cfg.sync.interval_s = 5;    /* new orders on the screen within seconds */
	}
	/* The sync thread on its own connection, unless [sync] in_station = no. */
	app.sync = NULL;
	st.sync_fd = -1;
	if (station_sync_start(&cfg, db_path(s->db), &app.sync, err, sizeof err) != 0)
		fprintf(stderr, "packbench: station: %s; the station runs without sync\n", err);
	if (app.sync != NULL) {
		st.sync_fd = station_sync_fd(app.sync);
		st.sync_pump = station_sync_cb;
		st.sync_arg = app.sync;
	}
	rc = EXIT_OK;
	if (ui_run(s, &st, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: station: %s\n", err);
		rc = EXIT_FAIL;
	}
	station_sync_stop(app.sync);
	demo_market_stop(dm);
	station_dev_stop(app.sd);
	config_free(&cfg);
	return rc;
}

int
cmd_demo_run(struct cmd_ctx *c)
{
	struct demo_opts o = { DEMO_ORDERS, DEMO_SKUS, 1 };
	char path[4096];
	struct session s;
	struct db *db;
	int64_t newest;
	int rc, reset = 0, own, market = 1;

	if ((rc = demo_opts_parse(c, &o, &reset, &market)) >= 0)
		return rc;
	own = !c->db_given;
	if (own) {
		if (demo_path(path, sizeof path) != 0)
			return EXIT_FAIL;
		c->db_path = path;
	} else if (reset) {
		fprintf(stderr, "packbench: demo: --reset only applies to the demo's own "
		    "database, not %s\n", c->db_path);
		return EXIT_USAGE;
	}
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (newest_order(&s, &newest) != 0) {
		rc = cmd_fail(&s);
		goto out;
	}
	if (own && newest != 0 && (reset || newest < clock_now() - DEMO_STALE_SECS)) {
		fprintf(stderr, "packbench: %s: %s; making it again\n", path,
		    reset ? "--reset" : "demo orders are stale");
		db_close(db);
		remove_db(path);
		if (cmd_open(c, &db, &s) != 0)
			return EXIT_FAIL;
		newest = 0;
	}
	if (newest == 0 && generate(&s, &o, c->db_path) != 0) {
		rc = cmd_fail(&s);
		goto out;
	}
	rc = station(c, &s, 1, market);
out:
	db_close(db);
	return rc;
}

int
cmd_station_run(struct cmd_ctx *c)
{
	struct session s;
	struct db *db;
	int rc;

	if ((rc = cmd_start(c, 0, &db, &s)) >= 0)
		return rc;
	rc = station(c, &s, 0, 0);
	db_close(db);
	return rc;
}

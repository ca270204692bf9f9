/*
 * cmd.c — the command table and what every command shares: opening the database as
 * the system or as a logged-in operator, usage and help text, common options.
 */
#include "cmd.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/user.h"
#include "cmd_demo.h"
#include "config.h"

int cmd_init_run(struct cmd_ctx *c);
int cmd_warehouse_add(struct cmd_ctx *c);
int cmd_tote_assign(struct cmd_ctx *c);
int cmd_tote_list(struct cmd_ctx *c);
int cmd_returns_receive(struct cmd_ctx *c);
int cmd_returns_open(struct cmd_ctx *c);
int cmd_returns_units(struct cmd_ctx *c);
int cmd_returns_list(struct cmd_ctx *c);
int cmd_returns_reasons(struct cmd_ctx *c);
int cmd_warehouse_list(struct cmd_ctx *c);
int cmd_orders_list(struct cmd_ctx *c);
int cmd_order_show(struct cmd_ctx *c);
int cmd_user_add(struct cmd_ctx *c);
int cmd_user_passwd(struct cmd_ctx *c);
int cmd_user_list(struct cmd_ctx *c);
int cmd_audit_verify(struct cmd_ctx *c);
int cmd_db_copy(struct cmd_ctx *c);
int cmd_import_run(struct cmd_ctx *c);
int cmd_skus_check(struct cmd_ctx *c);
int cmd_label_run(struct cmd_ctx *c);
int cmd_slip_run(struct cmd_ctx *c);
int cmd_config_check(struct cmd_ctx *c);
int cmd_devices_list(struct cmd_ctx *c);
int cmd_devices_read(struct cmd_ctx *c);
int cmd_gs1_run(struct cmd_ctx *c);
int cmd_scan_run(struct cmd_ctx *c);
int cmd_report_sla(struct cmd_ctx *c);
int cmd_report_recon(struct cmd_ctx *c);
int cmd_report_kpi(struct cmd_ctx *c);
int cmd_report_forecast(struct cmd_ctx *c);
int cmd_report_carriers(struct cmd_ctx *c);
int cmd_carriers_list(struct cmd_ctx *c);
int cmd_carriers_quote(struct cmd_ctx *c);
int cmd_carriers_costs(struct cmd_ctx *c);
int cmd_import_settlement(struct cmd_ctx *c);
int cmd_risk_block(struct cmd_ctx *c);
int cmd_risk_unblock(struct cmd_ctx *c);
int cmd_risk_list(struct cmd_ctx *c);
int cmd_risk_check(struct cmd_ctx *c);
int cmd_rules_check(struct cmd_ctx *c);
int cmd_rules_load(struct cmd_ctx *c);
int cmd_rules_show(struct cmd_ctx *c);
int cmd_rules_dry_run(struct cmd_ctx *c);
int cmd_stock_list(struct cmd_ctx *c);
int cmd_stock_adjust(struct cmd_ctx *c);
int cmd_stock_threshold(struct cmd_ctx *c);
int cmd_purchase_add(struct cmd_ctx *c);
int cmd_purchase_list(struct cmd_ctx *c);
int cmd_purchase_receive(struct cmd_ctx *c);
int cmd_purchase_cancel(struct cmd_ctx *c);
int cmd_user_role(struct cmd_ctx *c);
int cmd_user_unlock(struct cmd_ctx *c);
int cmd_sync_run(struct cmd_ctx *c);
int cmd_webhooks_run(struct cmd_ctx *c);

const struct cmd cmd_table[] = {
	{ "init", NULL, "",
	  "create the database or bring its schema up to date", cmd_init_run },
	{ "orders", "list", "[--status S] [--channel C] [--search TEXT] [--limit N] [--format F]",
	  "list orders, newest first", cmd_orders_list },
	{ "report", "sla", "[--channel C] [--shop S] [--warehouse W] [--format F]",
	  "open orders by time left to ship-by and by state (supervisor)", cmd_report_sla },
	{ "report", "recon", "[--from DATE] [--to DATE] [--discrepancies] [--format F]",
	  "settlements per channel and shop against the [fees] schedule (supervisor)",
	  cmd_report_recon },
	{ "report", "kpi", "[--from DATE] [--to DATE] [--by day|week|channel|shop] "
	  "[--section S] [--format F]", "OTIF, cancels, returns, lead times, costs, profit, "
	  "packers, stock (supervisor)", cmd_report_kpi },
	{ "report", "forecast", "[--sku SKU] [--warehouse W] [--lead-time DAYS] [--horizon DAYS] "
	  "[--campaigns FILE] [--format F]", "demand forecast per SKU and warehouse: cover, "
	  "out-of-stock date, reorder quantity (supervisor)", cmd_report_forecast },
	{ "report", "carriers", "[--from DATE] [--to DATE] [--format F]",
	  "carrier scorecard per region: promised vs actual days, delivery and failed-COD "
	  "rates, cost vs quote (supervisor)", cmd_report_carriers },
	{ "carriers", "list", "[--format F]",
	  "the carrier rate tables in use (the compiled-in SAMPLES unless [carriers] rates)",
	  cmd_carriers_list },
	{ "carriers", "quote", "--from PROVINCE --to PROVINCE --weight G [--cod VND] "
	  "[--deliver-by DATE] [--at TIME] [--format F]",
	  "each carrier's price and promise for a parcel, and the one routing would choose",
	  cmd_carriers_quote },
	{ "carriers", "costs", "FILE.csv",
	  "record what parcels actually cost (order_no,cost; all or nothing; supervisor)",
	  cmd_carriers_costs },
	{ "risk", "block", "phone|address VALUE --reason TEXT",
	  "blacklist a buyer phone or address text (supervisor)", cmd_risk_block },
	{ "risk", "unblock", "phone|address VALUE",
	  "take a phone or address off the blacklist (supervisor)", cmd_risk_unblock },
	{ "risk", "list", "[--format F]",
	  "the blacklist of phones and addresses (supervisor)", cmd_risk_list },
	{ "risk", "check", "ID|ORDER_NO [--format F]",
	  "an order's risk flags with their reasons", cmd_risk_check },
	{ "rules", "check", "FILE",
	  "validate a rules file: every error as FILE:LINE:COL: message", cmd_rules_check },
	{ "rules", "load", "FILE",
	  "store a rules file as the new active version (supervisor)", cmd_rules_load },
	{ "rules", "show", "[--versions] [--format F]",
	  "the active rules, or every stored version", cmd_rules_show },
	{ "rules", "dry-run", "FILE [--since 30d] [--format F]",
	  "replay rules over past orders: per rule, the orders touched and how", cmd_rules_dry_run },
	{ "stock", "list", "[--warehouse W] [--search TEXT] [--low] [--format F]",
	  "stock by SKU and warehouse: available, threshold, lots, pushes (supervisor)",
	  cmd_stock_list },
	{ "stock", "adjust", "WAREHOUSE SKU CHANGE --reason TEXT [--lot LOT]",
	  "correct stock by a signed quantity, with a reason (admin)", cmd_stock_adjust },
	{ "stock", "threshold", "SKU N",
	  "alert when a SKU's available falls below N; 0: never (admin)", cmd_stock_threshold },
	{ "purchase", "add", "SKU QTY --warehouse W --due YYYY-MM-DD [--ref PO]",
	  "record stock on order from a supplier (supervisor)", cmd_purchase_add },
	{ "purchase", "list", "[--all] [--format F]",
	  "purchases still on order, by due date; --all: received and cancelled too",
	  cmd_purchase_list },
	{ "purchase", "receive", "REF|ID [--lot LOT] [--expiry YYYY-MM-DD]",
	  "put a purchase's units on hand (ledger movement, audited)", cmd_purchase_receive },
	{ "purchase", "cancel", "REF|ID [--reason TEXT]",
	  "cancel a purchase still on order", cmd_purchase_cancel },
	{ "order", "show", "ID|ORDER_NO|TRACKING_NO [--format F]",
	  "show one order with its lines", cmd_order_show },
	{ "user", "add", "NAME --role packer|supervisor|admin [--badge CODE]",
	  "add an operator (PIN from PACKBENCH_NEW_PIN or asked twice)", cmd_user_add },
	{ "user", "passwd", "NAME",
	  "set an operator's PIN (PACKBENCH_NEW_PIN or asked twice)", cmd_user_passwd },
	{ "user", "list", "[--format F]",
	  "list operators, their roles and locks", cmd_user_list },
	{ "user", "role", "NAME packer|supervisor|admin",
	  "change an operator's role (admin)", cmd_user_role },
	{ "user", "unlock", "NAME",
	  "lift an operator's lock after failed log-ins (admin)", cmd_user_unlock },
	{ "audit", "verify", "",
	  "check the audit log's hash chain", cmd_audit_verify },
	{ "db", "copy", "--from sqlite:PATH|URL --to postgresql://...|PATH [--format F]",
	  "copy a site into a new database (ids kept, all or nothing); check counts and "
	  "the audit chain", cmd_db_copy },
	{ "import", "skus", "FILE.csv",
	  "load SKUs and barcodes (all or nothing)", cmd_import_run },
	{ "import", "stock", "FILE.csv",
	  "receive stock by warehouse, SKU and lot (all or nothing)", cmd_import_run },
	{ "import", "orders", "FILE.csv",
	  "load or update orders, one row per line (all or nothing)", cmd_import_run },
	{ "import", "settlement", "FILE.csv",
	  "load a channel's settlement report (all or nothing)", cmd_import_settlement },
	{ "skus", "check", "[--format F]",
	  "report duplicate and bad barcodes, SKUs without barcode or weight", cmd_skus_check },
	{ "station", NULL, "",
	  "the packing station TUI (also bare `packbench`)", cmd_station_run },
	{ "scan", NULL, "[--station S] --user U|--badge CODE [--format text|json] "
	  "[--warehouse CODE] [--printer URI] [--devices]",
	  "line-mode packing: one scan or command per stdin line (or device, with "
	  "--devices), one result line each",
	  cmd_scan_run },
	{ "demo", NULL, "[--orders N] [--skus M] [--seed S] [--reset] [--no-market]",
	  "demo database (made when empty or stale) and the station TUI", cmd_demo_run },
	{ "demo-data", NULL, "[--orders N] [--skus M] [--seed S]",
	  "fill an empty --db database with the demo seller", cmd_demo_data_run },
	{ "tote", "assign", "CODE ORDER...",
	  "put orders in a tote or pick list; scanning CODE at a station opens the next",
	  cmd_tote_assign },
	{ "tote", "list", "[--format F]",
	  "totes and pick lists with their orders still to pack", cmd_tote_list },
	{ "returns", "receive", "SCAN [SKU:CONDITION:REASON[:QTY[:LOT]]...] "
	  "[--ship-cost N] [--handling-cost N] [--note TEXT]",
	  "receive a returned parcel (tracking no, order no or return id): each unit back "
	  "in its lot or written off; units one a line on stdin when none given",
	  cmd_returns_receive },
	{ "returns", "open", "SCAN [--return-id ID] [--source station|marketplace]",
	  "open a return announced or started, to be received later", cmd_returns_open },
	{ "returns", "units", "SCAN [--format F]",
	  "the units an order shipped, per lot, and how many came back", cmd_returns_units },
	{ "returns", "list", "[--older-than N] [--format F]",
	  "open returns (announced or started, not received) opened N days ago or more",
	  cmd_returns_list },
	{ "returns", "reasons", "[--format F]",
	  "the reason codes a returned unit may carry", cmd_returns_reasons },
	{ "warehouse", "add", "CODE --province P [--name N]",
	  "add a warehouse or change its name and province", cmd_warehouse_add },
	{ "warehouse", "list", "[--format F]",
	  "warehouses with their stock totals", cmd_warehouse_list },
	{ "config", "check", "[FILE]",
	  "validate the configuration file and summarise it (secrets masked)",
	  cmd_config_check },
	{ "devices", "list", "[--all] [--table FILE] [--format F]",
	  "USB scanners, scales and printers connected: driver, access problems and the "
	  "udev fix", cmd_devices_list },
	{ "devices", "read", "DEVICE|scanner|scale|printer [--count N] [--timeout S] "
	  "[--table FILE] [--no-grab] [--format F]",
	  "a device's decoded events, one per line (weights in grams), until Ctrl-C or "
	  "--count N scans/weights/statuses", cmd_devices_read },
	{ "gs1", NULL, "TEXT [--fnc1 C] [--format F]",
	  "decode a scan: symbology, each AI and value, check digits (<GS> stands for FNC1)",
	  cmd_gs1_run },
	{ "label", NULL, "ORDER [--package N] | --orders [--status S] [--channel C] [--limit N] "
	  "| --command-sheet [--out FILE|--printer URI] [--dpi 203|300] [--template FILE] "
	  "[--font NAME]",
	  "shipping labels (ZPL) for an order or a wave (--orders: PACKED by default, in "
	  "ship-by order), or the command-barcode sheet", cmd_label_run },
	{ "slip", NULL, "ORDER [--pdf FILE [--size a4|a6] | --zpl [--out FILE|--printer URI] "
	  "[--dpi 203|300] [--template FILE] [--font NAME]]",
	  "packing slip: order lines, quantities and lots, as ZPL (default) or PDF",
	  cmd_slip_run },
	{ "sync", NULL, "--once | --daemon [--quiet]",
	  "pull every configured shop's orders and drain its owed calls: once, or every "
	  "[sync] interval_s until SIGTERM",
	  cmd_sync_run },
	{ "webhooks", NULL, "--listen ADDR:PORT [--url-base URL] [--max-body BYTES] "
	  "[--no-recover] [--refetch]",
	  "receive marketplace pushes (POST /push/CHANNEL/SHOP) and queue their orders for "
	  "re-fetch", cmd_webhooks_run },
	{ NULL, NULL, NULL, NULL, NULL },
};

int
cmd_read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	ssize_t n;
	size_t got = 0;
	char ch;

	if (fd < 0)
		return -1;
	if (write(fd, prompt, strlen(prompt)) < 0 || tcgetattr(fd, &old) != 0) {
		close(fd);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	while ((n = read(fd, &ch, 1)) == 1 && ch != '\n' && ch != '\r') {
		if (got + 1 < len)
			buf[got++] = ch;
	}
	buf[got] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		got = 0;
	close(fd);
	return n < 0 ? -1 : 0;
}

int
cmd_open(struct cmd_ctx *c, struct db **db, struct session *s)
{
	char err[512], pin[64];
	const char *envpin;
	int rc;

	if ((rc = db_open(db, c->db_path, err, sizeof err)) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return EXIT_FAIL;
	}
	session_system(s, *db, "cli");
	if (c->user == NULL)
		return 0;
	if ((envpin = getenv("PACKBENCH_PIN")) != NULL)
		snprintf(pin, sizeof pin, "%s", envpin);
	else if (cmd_read_secret("PIN: ", pin, sizeof pin) != 0) {
		fprintf(stderr, "packbench: --user %s: no terminal to ask the PIN on "
		    "(set PACKBENCH_PIN)\n", c->user);
		goto fail;
	}
	rc = user_login(*db, s, c->user, pin, "cli");
	explicit_bzero(pin, sizeof pin);
	if (rc != 0) {
		fprintf(stderr, "packbench: %s\n", s->err);
		goto fail;
	}
	return 0;
fail:
	db_close(*db);
	*db = NULL;
	return EXIT_FAIL;
}

static void
cmd_name(const struct cmd *cmd, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", cmd->name, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
}

int
cmd_usage(struct cmd_ctx *c)
{
	char name[64];

	cmd_name(c->cmd, name, sizeof name);
	fprintf(stderr, "usage: packbench %s%s%s\n", name, c->cmd->usage[0] ? " " : "",
	    c->cmd->usage);
	return EXIT_USAGE;
}

int
cmd_help(struct cmd_ctx *c)
{
	char name[64];

	cmd_name(c->cmd, name, sizeof name);
	printf("usage: packbench %s%s%s\n\n%s\n\n"
	    "Global options: --db PATH (or PACKBENCH_DB), --config FILE (or PACKBENCH_CONFIG),\n"
	    "--user NAME (act as an operator; PIN from PACKBENCH_PIN or asked).\n"
	    "Listings take --format table|csv|json. See packbench(1).\n",
	    name, c->cmd->usage[0] ? " " : "", c->cmd->usage, c->cmd->summary);
	return EXIT_OK;
}

int
cmd_common_opt(struct cmd_ctx *c, int opt, const char *arg, int *rc)
{
	switch (opt) {
	case 'h':
		*rc = cmd_help(c);
		return 1;
	case 'F':
		if (out_format_parse(arg, &c->fmt) != 0) {
			fprintf(stderr, "packbench: --format: '%s' is not table, csv or json\n", arg);
			*rc = EXIT_USAGE;
			return 1;
		}
		return 0;
	default:
		*rc = cmd_usage(c);
		return 1;
	}
}

int
cmd_period(const char *from, const char *to, int64_t off, int64_t *f, int64_t *t)
{
	*t = clock_now();
	if (to != NULL && clock_parse_iso(to, off, t) != 0) {
		fprintf(stderr, "packbench: --to '%s' is not a date (YYYY-MM-DD[THH:MM])\n", to);
		return -1;
	}
	*f = *t - 7 * 86400;
	if (from != NULL && clock_parse_iso(from, off, f) != 0) {
		fprintf(stderr, "packbench: --from '%s' is not a date (YYYY-MM-DD[THH:MM])\n", from);
		return -1;
	}
	if (*t <= *f) {
		fprintf(stderr, "packbench: --to must be after --from\n");
		return -1;
	}
	return 0;
}

int
cmd_period_opt(int opt, const char *arg, const char **from, const char **to)
{
	if (opt == 'f')
		*from = arg;
	else if (opt == 't')
		*to = arg;
	else
		return 0;
	return 1;
}

int
cmd_report_config(struct cmd_ctx *c, struct config *cfg, const char *from, const char *to,
    int64_t *f, int64_t *t)
{
	if (cmd_config(c, cfg) != 0)
		return EXIT_FAIL;
	if (cmd_period(from, to, (int64_t)cfg->station.utc_offset_min * 60, f, t) != 0) {
		config_free(cfg);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_start(struct cmd_ctx *c, int nargs, struct db **db, struct session *s)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int rc;

	if ((rc = cmd_args(c, "h", opts, NULL, nargs)) >= 0)
		return rc;
	if (cmd_open(c, db, s) != 0)
		return EXIT_FAIL;
	return -1;
}

int
cmd_args(struct cmd_ctx *c, const char *shortopts, const struct option *opts,
    const struct cmd_arg *args, int nargs)
{
	const struct cmd_arg *a;
	int opt, rc;

	while ((opt = getopt_long(c->argc, c->argv, shortopts, opts, NULL)) != -1) {
		for (a = args; a != NULL && a->val != 0 && a->val != opt; a++)
			;
		if (a == NULL || a->val == 0) {
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		} else if (a->text != NULL) {
			*a->text = optarg;
		} else {
			*a->flag = 1;
		}
	}
	if (optind + nargs != c->argc)
		return cmd_usage(c);
	return -1;
}

int
cmd_fail(struct session *s)
{
	fprintf(stderr, "packbench: %s\n", s->err[0] ? s->err : "failed");
	return EXIT_FAIL;
}

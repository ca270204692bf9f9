/*
 * cmd_devices.c — `packbench devices list` (what is plugged in, which driver, access
 * problems with the udev fix) and `packbench devices read DEVICE` (its decoded events,
 * one line each, until Ctrl-C or --count). DEVICE is an address (usb:VID:PID, hid:PATH,
 * tty:PATH, sim) or a role of the configured station: scanner, scale, printer.
 *
 * The device table is the compiled-in one plus --table FILE, or else devices.conf next
 * to the configuration file when there is one.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "devices/devices.h"

int cmd_devices_list(struct cmd_ctx *c);
int cmd_devices_read(struct cmd_ctx *c);

static volatile sig_atomic_t cmd_devices_stop;

/* --table, or devices.conf beside the configuration file when it exists; NULL none. */
static const char *
cmd_devices_table(struct cmd_ctx *c, const char *given, char *buf, size_t len)
{
	char conf[PATH_MAX];
	const char *slash;

	if (given != NULL)
		return given;
	if (c->config_path != NULL)
		snprintf(conf, sizeof conf, "%s", c->config_path);
	else if (config_default_path(conf, sizeof conf) != 0)
		return NULL;
	slash = strrchr(conf, '/');
	if (slash == NULL)
		snprintf(buf, len, "devices.conf");
	else
		snprintf(buf, len, "%.*s/devices.conf", (int)(slash - conf), conf);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

int
cmd_devices_list(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'a' },
		{ "table", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "device", 0 }, { "driver", 0 }, { "name", 0 }, { "where", 0 }, { "access", 0 },
		{ "problem", 0 },
	};
	struct devices_conf conf = { 0 };
	const char *table = NULL;
	char err[512], buf[PATH_MAX];
	struct dev_info *v;
	struct out *o;
	size_t n, i;
	int opt, rc, all = 0;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 't':
			table = optarg;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	conf.table_file = cmd_devices_table(c, table, buf, sizeof buf);
	if (devices_list(&conf, all, &v, &n, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return EXIT_FAIL;
	}
	o = out_begin(stdout, c->fmt, cols, 6);
	for (i = 0; i < n; i++) {
		const char *vals[6] = { v[i].dev, v[i].driver, v[i].name, v[i].where,
		    v[i].access ? "yes" : "no", v[i].problem };

		out_row(o, vals);
	}
	out_end(o);
	if (n == 0 && c->fmt == OUT_TABLE)
		fprintf(stderr, "packbench: no scanner, scale or printer packbench knows is "
		    "connected%s\n", all ? "" : " (--all lists every USB device)");
	free(v);
	return EXIT_OK;
}

/* Text shown as it is, control characters as <GS>, <0x04>. */
static void
cmd_devices_visible(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == 0x1d)
			fputs("<GS>", fp);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "<0x%02x>", ch);
		else
			fputc(ch, fp);
	}
}

static void
cmd_devices_json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", fp);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

static const char *const prn_flags[] = {
	"paper out", "head open", "paused", "ribbon out", "error",
};
static const char *const prn_keys[] = {
	"paper_out", "head_open", "paused", "ribbon_out", "error",
};

static void
cmd_devices_text(const struct dev_event *ev)
{
	int i, any = 0;

	printf("%-8s %s", dev_event_kind_name(ev->kind), ev->dev);
	switch (ev->kind) {
	case DEV_EV_ARRIVED:
		printf("  %s %s%s%s", dev_role_name(ev->role), ev->driver, ev->text[0] ? "  " : "",
		    ev->text);
		break;
	case DEV_EV_SCAN:
		printf("  %s  ", ev->symbology[0] ? ev->symbology : "-");
		cmd_devices_visible(stdout, ev->text);
		break;
	case DEV_EV_WEIGHT:
		printf("  %s %" PRId64 " g%s  (%u x10^%d %s)", dev_scale_status_name(ev->weight.status),
		    ev->weight.g, ev->weight.final ? " final" : "", ev->weight.raw,
		    ev->weight.exponent, dev_unit_name(ev->weight.unit));
		break;
	case DEV_EV_PRINTER:
		printf(" ");
		for (i = 0; i < 5; i++) {
			if (ev->printer & (1u << i)) {
				printf("%s%s", any ? ", " : " ", prn_flags[i]);
				any = 1;
			}
		}
		if (!any)
			printf(" ready");
		break;
	case DEV_EV_PRINTED:
		printf("  %s%s%s", ev->ok ? "ok" : "failed", ev->text[0] ? ": " : "", ev->text);
		break;
	case DEV_EV_ERROR:
		printf("  ");
		cmd_devices_visible(stdout, ev->text);
		break;
	case DEV_EV_LEFT:
		break;
	}
	putchar('\n');
}

static void
cmd_devices_json(const struct dev_event *ev)
{
	int i;

	printf("{\"event\":\"%s\",\"device\":", dev_event_kind_name(ev->kind));
	cmd_devices_json_str(stdout, ev->dev);
	printf(",\"driver\":");
	cmd_devices_json_str(stdout, ev->driver);
	printf(",\"role\":\"%s\",\"ms\":%" PRId64, dev_role_name(ev->role), ev->ms);
	switch (ev->kind) {
	case DEV_EV_ARRIVED:
		printf(",\"name\":");
		cmd_devices_json_str(stdout, ev->text);
		break;
	case DEV_EV_SCAN:
		printf(",\"symbology\":");
		cmd_devices_json_str(stdout, ev->symbology);
		printf(",\"text\":");
		cmd_devices_json_str(stdout, ev->text);
		break;
	case DEV_EV_WEIGHT:
		printf(",\"status\":\"%s\",\"final\":%s,\"grams\":%" PRId64 ",\"mg\":%" PRId64
		    ",\"unit\":\"%s\",\"raw\":%u,\"exponent\":%d",
		    dev_scale_status_name(ev->weight.status), ev->weight.final ? "true" : "false",
		    ev->weight.g, ev->weight.mg, dev_unit_name(ev->weight.unit), ev->weight.raw,
		    ev->weight.exponent);
		break;
	case DEV_EV_PRINTER:
		for (i = 0; i < 5; i++)
			printf(",\"%s\":%s", prn_keys[i], ev->printer & (1u << i) ? "true" : "false");
		break;
	case DEV_EV_PRINTED:
		printf(",\"ok\":%s,\"message\":", ev->ok ? "true" : "false");
		cmd_devices_json_str(stdout, ev->text);
		break;
	case DEV_EV_ERROR:
		printf(",\"message\":");
		cmd_devices_json_str(stdout, ev->text);
		break;
	case DEV_EV_LEFT:
		break;
	}
	printf("}\n");
}

static void
cmd_devices_csv_field(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* CSV: event,device,driver,role,ms,status,grams,final,symbology,text */
static void
cmd_devices_csv(const struct dev_event *ev)
{
	char grams[24] = "", text[DEV_SCAN_MAX] = "";

	if (ev->kind == DEV_EV_WEIGHT)
		snprintf(grams, sizeof grams, "%" PRId64, ev->weight.g);
	if (ev->kind != DEV_EV_WEIGHT && ev->kind != DEV_EV_PRINTER)
		snprintf(text, sizeof text, "%s", ev->text);
	printf("%s,", dev_event_kind_name(ev->kind));
	cmd_devices_csv_field(ev->dev);
	printf(",%s,%s,%" PRId64 ",%s,%s,%s,", ev->driver, dev_role_name(ev->role), ev->ms,
	    ev->kind == DEV_EV_WEIGHT ? dev_scale_status_name(ev->weight.status) : "", grams,
	    ev->kind == DEV_EV_WEIGHT ? (ev->weight.final ? "1" : "0") : "");
	cmd_devices_csv_field(ev->symbology);
	putchar(',');
	cmd_devices_csv_field(text);
	putchar('\n');
}

static void
cmd_devices_signal(int sig)
{
	cmd_devices_stop = 1;
}

/* DEVICE may name a role of the configured station. */
static int
cmd_devices_resolve(struct cmd_ctx *c, const char *arg, char *out, size_t len)
{
	struct config cfg;
	char err[1024];
	const char *v;

	if (strcmp(arg, "scanner") != 0 && strcmp(arg, "scale") != 0 &&
	    strcmp(arg, "printer") != 0) {
		snprintf(out, len, "%s", arg);
		return 0;
	}
	if (config_load(&cfg, c->config_path, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return -1;
	}
	v = strcmp(arg, "scanner") == 0 ? cfg.station.scanner : strcmp(arg, "scale") == 0 ?
	    cfg.station.scale : cfg.station.printer;
	snprintf(out, len, "%s", v);
	config_free(&cfg);
	if (strcmp(out, "keyboard") == 0) {
		fprintf(stderr, "packbench: the station's scanner is 'keyboard': its scans are "
		    "typed on stdin, there is no device to read\n");
		return -1;
	}
	return 0;
}

int
cmd_devices_read(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "table", required_argument, NULL, 't' },
		{ "no-grab", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct devices_conf conf = { 0 };
	struct sigaction sa, old_int, old_term;
	struct timespec t0, now;
	const char *table = NULL;
	char err[512], buf[PATH_MAX], addr[512], *end;
	struct devices *d;
	struct dev_event ev;
	long count = -1, timeout_s = -1, seen = 0;
	int opt, rc, fd;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
		case 'T':
			errno = 0;
			if (opt == 'n')
				count = strtol(optarg, &end, 10);
			else
				timeout_s = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    (opt == 'n' ? count : timeout_s) < 1) {
				fprintf(stderr, "packbench: --%s: '%s' is not a positive number\n",
				    opt == 'n' ? "count" : "timeout", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			table = optarg;
			break;
		case 'g':
			conf.no_grab = 1;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc - 1)
		return cmd_usage(c);
	if (cmd_devices_resolve(c, c->argv[optind], addr, sizeof addr) != 0)
		return EXIT_FAIL;
	conf.only = addr;
	conf.table_file = cmd_devices_table(c, table, buf, sizeof buf);
	if (devices_start(&conf, &d, &fd, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return EXIT_FAIL;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_devices_signal;     /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (c->fmt == OUT_CSV)
		printf("event,device,driver,role,ms,status,grams,final,symbology,text\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!cmd_devices_stop && (count < 0 || seen < count)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = 1000;

		if (timeout_s > 0) {
			long left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = timeout_s * 1000 - ((now.tv_sec - t0.tv_sec) * 1000 +
			    (now.tv_nsec - t0.tv_nsec) / 1000000);
			if (left <= 0)
				break;
			wait = left < wait ? (int)left : wait;
		}
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			break;
		while ((count < 0 || seen < count) && devices_poll(d, &ev) == 1) {
			if (c->fmt == OUT_JSON)
				cmd_devices_json(&ev);
			else if (c->fmt == OUT_CSV)
				cmd_devices_csv(&ev);
			else
				cmd_devices_text(&ev);
			seen += ev.kind == DEV_EV_SCAN || ev.kind == DEV_EV_WEIGHT ||
			    ev.kind == DEV_EV_PRINTER;
		}
	}
	devices_stop(d);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return EXIT_OK;
}

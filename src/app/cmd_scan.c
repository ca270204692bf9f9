/*
 * cmd_scan.c — `packbench scan`: the packing station in line mode, for scripts, tests
 * and other software. It logs an operator in at a station, then feeds every line of
 * standard input to the same core flow the station screen uses (pack.c) and answers each
 * with exactly one line, flushed at once:
 *
 *   text:  RESULT REMAINING MESSAGE          (RESULT is ok, error, locked or packed)
 *   json:  {"input": ..., "result": ..., "code": N, "message": ..., "order": ...,
 *           "remaining": N}
 *
 * When an order is packed its labels go to the station's printer; a printer failure is
 * told in the message of that same line and never undoes the packing.
 *
 * With --devices the station's scanner and scale (and every device the table knows)
 * feed the same flow while stdin is read (poll on both): each scan, and each stable
 * weight while the flow waits for one, is one more input with its own result line, its
 * input the scan or "WEIGHT <grams>". What the devices say besides (arrived, gone,
 * printer status) goes to stderr. End of stdin still ends the session.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth_pam.h"
#include "cmd.h"
#include "config.h"
#include "core/db.h"
#include "core/pack.h"
#include "core/stock.h"
#include "core/user.h"
#include "core/xalloc.h"
#include "station.h"
#include "station_dev.h"

/* How long a packed order's line waits to hear that a USB printer took the labels. */
#define PRINT_WAIT_MS 10000

int cmd_scan_run(struct cmd_ctx *c);

struct scan {
	struct session s;
	struct pack p;
	int json;
	const struct config *cfg;
	char printer[512];
	struct station_dev *sd;     /* --devices; NULL without */
};

/* Text mode keeps one result on one line: control characters become spaces. */
static void
text_str(FILE *fp, const char *v)
{
	for (; *v != '\0'; v++)
		fputc((unsigned char)*v < 0x20 || *v == 0x7f ? ' ' : *v, fp);
}

/* The input as it may be shown: a supervisor's badge in OVERRIDE is masked. */
static void
shown_input(const char *in, char *buf, size_t len)
{
	const char *badge = in + strspn(in, " \t"), *rest;

	if (strncasecmp(badge, "OVERRIDE ", 9) != 0) {
		snprintf(buf, len, "%s", in);
		return;
	}
	for (badge += 9; *badge == ' '; badge++)
		;
	for (rest = badge; *rest != '\0' && *rest != ' '; rest++)
		;
	snprintf(buf, len, "%.*s***%s", (int)(badge - in), in, rest);
}

static void
emit(struct scan *sc, const char *input, const struct pack_result *r, const char *order)
{
	char shown[1024];

	if (!sc->json) {
		printf("%s %" PRId64 " ", pack_outcome_name(r->outcome), r->remaining);
		text_str(stdout, r->message);
		putchar('\n');
	} else {
		shown_input(input, shown, sizeof shown);
		fputs("{\"input\": ", stdout);
		out_json_string(stdout, shown);
		printf(", \"result\": \"%s\", \"code\": %d, \"message\": ",
		    pack_outcome_name(r->outcome), r->code);
		out_json_string(stdout, r->message);
		fputs(", \"order\": ", stdout);
		out_json_string(stdout, order != NULL && order[0] != '\0' ? order : NULL);
		printf(", \"remaining\": %" PRId64 "}\n", r->remaining);
	}
	fflush(stdout);
}

/* The order number of order id into buf ("" when unknown). */
static void
order_no_of(struct scan *sc, int64_t id, char *buf, size_t len)
{
	struct db_stmt *st;

	buf[0] = '\0';
	if (id <= 0 || (st = db_prep(sc->s.db, "SELECT order_no FROM orders WHERE id = ?")) ==
	    NULL)
		return;
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(buf, len, "%s", db_col_text(st, 0));
	db_done(st);
}

/* After the core has answered: print when asked to, say so in the message. */
static void
after(struct scan *sc, struct pack_result *r)
{
	char err[512];
	size_t n;

	if (r->action != PACK_ACT_PRINT && r->action != PACK_ACT_REPRINT)
		return;
	if (sc->p.last_order_id <= 0)
		return;
	if (station_dev_print(sc->sd, &sc->s, sc->cfg, sc->printer, sc->p.last_order_id,
	    PRINT_WAIT_MS, err, sizeof err) == 0)
		return;
	n = strlen(r->message);
	snprintf(r->message + n, sizeof r->message - n, "%slabel not printed: %s",
	    n > 0 ? "; " : "", err);
}

/* The order open before an input: what its line concerns when the input closed it. */
struct before {
	int64_t id;
	char no[64];
};

static void
before_of(const struct scan *sc, struct before *b)
{
	b->id = sc->p.order_id;
	snprintf(b->no, sizeof b->no, "%s", sc->p.order_no);
}

/* After the flow answered input with r: print, and write its one line. 1 when the
 * operator logged out. */
static int
answer(struct scan *sc, const char *input, struct pack_result *r, const struct before *b)
{
	char order[64];

	after(sc, r);
	/* The order this line concerned: the open one, else the one it just closed. */
	if (sc->p.order_id != 0)
		snprintf(order, sizeof order, "%s", sc->p.order_no);
	else if (r->action == PACK_ACT_PRINT || r->action == PACK_ACT_REPRINT)
		order_no_of(sc, sc->p.last_order_id, order, sizeof order);
	else if (b->id != 0)
		snprintf(order, sizeof order, "%s", b->no);
	else
		order[0] = '\0';
	emit(sc, input, r, order);
	return r->action == PACK_ACT_LOGOUT;
}

/* One line of stdin (its newline gone) through the flow. 1 when logged out. */
static int
feed_line(struct scan *sc, char *line, size_t len)
{
	struct pack_result r;
	struct before b;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	before_of(sc, &b);
	pack_input(&sc->p, line, &r);           /* a blank line: error "empty input" */
	return answer(sc, line, &r, &b);
}

static int
run(struct scan *sc)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (feed_line(sc, line, (size_t)len))
			break;
	}
	free(line);
	return EXIT_OK;
}

/* Everything the devices have said: scans and weights through the flow, one line each;
 * the rest to stderr. 1 when logged out. */
static int
feed_devices(struct scan *sc)
{
	char input[1100], note[1200];
	struct pack_result r;
	struct before b;

	for (;;) {
		before_of(sc, &b);
		if (station_dev_line(sc->sd, &sc->p, input, sizeof input, &r, note,
		    sizeof note) == 0)
			return 0;
		if (note[0] != '\0')
			fprintf(stderr, "packbench: %s\n", note);
		if (input[0] != '\0' && answer(sc, input, &r, &b))
			return 1;
	}
}

/* Line mode with devices: stdin read as it comes (no stdio buffering, so poll() sees
 * all of it) and the devices' fd, until end of stdin or a log-out. */
static int
run_devices(struct scan *sc)
{
	char *buf = NULL, *nl;
	size_t len = 0, cap = 0, start;
	int eof = 0, out = 0;
	ssize_t n;

	if (station_dev_error(sc->sd)[0] != '\0')
		fprintf(stderr, "packbench: scan: %s\n", station_dev_error(sc->sd));
	out = feed_devices(sc);
	while (!eof && !out) {
		struct pollfd p[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = station_dev_fd(sc->sd), .events = POLLIN },
		};

		if (poll(p, p[1].fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "packbench: scan: poll: %s\n", strerror(errno));
			break;
		}
		if (p[0].revents != 0) {
			if (cap - len < 4096) {
				cap = cap ? 2 * cap : 8192;
				buf = xrealloc(buf, cap);
			}
			n = read(STDIN_FILENO, buf + len, cap - len - 1);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				eof = 1;
			else
				len += (size_t)n;
			start = 0;
			while (!out && (nl = memchr(buf + start, '\n', len - start)) != NULL) {
				*nl = '\0';
				out = feed_line(sc, buf + start, (size_t)(nl - (buf + start)));
				start = (size_t)(nl - buf) + 1;
			}
			memmove(buf, buf + start, len - start);
			len -= start;
			if (eof && !out && len > 0) {   /* a last line without its newline */
				buf[len] = '\0';
				out = feed_line(sc, buf, len);
			}
		}
		if (!out)
			out = feed_devices(sc);
	}
	free(buf);
	return EXIT_OK;
}

/* A lost database connection being re-opened (PostgreSQL; db_set_wait_hook()) blocks
 * the flow for up to about 25 s: told on stderr as it happens, so that stdout keeps one
 * line per input. */
static void
scan_db_wait(void *arg, int attempt, int64_t waited_ms)
{
	(void)arg;
	if (attempt > 0)
		fprintf(stderr, "packbench: scan: WAIT database connection lost — reconnecting "
		    "(attempt %d, %lld s)\n", attempt, (long long)(waited_ms / 1000));
	else if (attempt == 0)
		fprintf(stderr, "packbench: scan: database connection restored after %lld.%lld s\n",
		    (long long)(waited_ms / 1000), (long long)(waited_ms % 1000 / 100));
	else
		fprintf(stderr, "packbench: scan: database connection lost — gave up after "
		    "%lld s\n", (long long)(waited_ms / 1000));
	fflush(stderr);
}

/* Log in by badge, or as c->user with the PIN from PACKBENCH_PIN or the terminal. */
static int
login(struct cmd_ctx *c, struct db *db, struct session *s, const char *badge,
    const char *station)
{
	char pin[64];
	const char *env;
	int rc;

	if (badge != NULL)
		rc = user_login_badge(db, s, badge, station);
	else {
		if ((env = getenv("PACKBENCH_PIN")) != NULL)
			snprintf(pin, sizeof pin, "%s", env);
		else if (cmd_read_secret("PIN: ", pin, sizeof pin) != 0) {
			fprintf(stderr, "packbench: --user %s: no terminal to ask the PIN on "
			    "(set PACKBENCH_PIN)\n", c->user);
			return -1;
		}
		rc = user_login(db, s, c->user, pin, station);
		explicit_bzero(pin, sizeof pin);
	}
	if (rc != 0) {
		fprintf(stderr, "packbench: %s\n", s->err);
		return -1;
	}
	return 0;
}

int
cmd_scan_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "station", required_argument, NULL, 's' },
		{ "badge", required_argument, NULL, 'b' },
		{ "warehouse", required_argument, NULL, 'w' },
		{ "printer", required_argument, NULL, 'p' },
		{ "devices", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *station = NULL, *badge = NULL, *wh = NULL, *printer = NULL;
	struct pack_config pc;
	struct config cfg;
	struct scan *sc = NULL;
	struct db *db = NULL;
	char err[512];
	int opt, rc, json = 0, devices = 0;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return cmd_help(c);
		case 'F':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "packbench: --format: '%s' is not text or json\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			station = optarg;
			break;
		case 'b':
			badge = optarg;
			break;
		case 'w':
			wh = optarg;
			break;
		case 'p':
			printer = optarg;
			break;
		case 'd':
			devices = 1;
			break;
		default:
			return cmd_usage(c);
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if ((c->user == NULL) == (badge == NULL)) {
		fprintf(stderr, "packbench: scan: log in with either --user NAME or --badge "
		    "CODE\n");
		return EXIT_USAGE;
	}
	if (station != NULL && (station[0] == '\0' || strlen(station) >= sizeof pc.station)) {
		fprintf(stderr, "packbench: --station: '%s' is not a station id (1 to %zu "
		    "bytes)\n", station, sizeof pc.station - 1);
		return EXIT_USAGE;
	}
	if (cmd_config(c, &cfg) != 0)
		return EXIT_FAIL;
	auth_pam_apply(&cfg);
	if (station != NULL)
		snprintf(cfg.station.id, sizeof cfg.station.id, "%s", station);
	rc = EXIT_USAGE;
	if (cfg.station.id[0] == '\0') {
		fprintf(stderr, "packbench: scan: no station (--station, or [station] id in "
		    "the config)\n");
		goto out;
	}
	sc = xcalloc(1, sizeof *sc);
	sc->json = json;
	sc->cfg = &cfg;
	snprintf(sc->printer, sizeof sc->printer, "%s", printer != NULL ? printer :
	    cfg.station.printer[0] != '\0' ? cfg.station.printer : "sim");

	rc = EXIT_FAIL;
	if (db_open(&db, c->db_path, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		goto out;
	}
	db_set_wait_hook(db, scan_db_wait, NULL);
	if (login(c, db, &sc->s, badge, cfg.station.id) != 0)
		goto out;
	if (station_pack_config(&sc->s, &cfg, wh, &pc, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: scan: %s\n", err);
		goto out;
	}
	pack_init(&sc->p, &sc->s, &pc);
	if (devices) {
		sc->sd = station_dev_start(&cfg);
		rc = run_devices(sc);
		station_dev_stop(sc->sd);
	} else {
		rc = run(sc);
	}
	pack_free(&sc->p);
out:
	if (db != NULL)
		db_close(db);
	free(sc);
	config_free(&cfg);
	return rc;
}

/*
 * station_dev.c — the station's devices turned into pack flow calls (station_dev.h).
 * Everything here runs on the main thread: the devices layer's own threads only queue
 * events, which are taken here one at a time. Events taken while line mode waits for a
 * print job's outcome are kept in a small queue of our own and handed out first.
 */
#include "station_dev.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "devices/devices.h"
#include "devices/devuri.h"
#include "station.h"

#define STATUS_MAX 16

struct station_dev {
	const struct config *cfg;
	struct devices *d;          /* NULL when not running */
	int fd;
	char err[340];              /* why not running, "" */
	int err_told;               /* err went to the message line once */
	char usb_err[320];          /* libusb would not start (hid:/tty: scanners still run) */
	int live;                   /* w is the scale's last reading */
	struct dev_weight w;
	struct dev_event *kept;     /* taken while waiting for a print job, oldest first */
	size_t nkept, capkept;
};

/* An address the devices layer drives (not sim, keyboard, or one printer.c sends to). */
static int
is_device(const char *addr)
{
	return strncmp(addr, "usb:", 4) == 0 || strncmp(addr, "hid:", 4) == 0 ||
	    strncmp(addr, "tty:", 4) == 0;
}

int
station_dev_wanted(const struct config *cfg)
{
	return is_device(cfg->station.scanner) || is_device(cfg->station.scale) ||
	    is_device(cfg->station.printer);
}

/* devices.conf beside the configuration file, when there is one; NULL none. */
static const char *
table_file(const struct config *cfg, char *buf, size_t len)
{
	const char *slash;

	if (cfg->path == NULL || (slash = strrchr(cfg->path, '/')) == NULL)
		return NULL;
	if ((size_t)snprintf(buf, len, "%.*s/devices.conf", (int)(slash - cfg->path),
	    cfg->path) >= len)
		return NULL;
	return access(buf, R_OK) == 0 ? buf : NULL;
}

struct station_dev *
station_dev_start(const struct config *cfg)
{
	struct station_dev *sd = xcalloc(1, sizeof *sd);
	struct devices_conf conf;
	char err[300], table[4096];

	sd->cfg = cfg;
	sd->fd = -1;
	memset(&conf, 0, sizeof conf);
	conf.table_file = table_file(cfg, table, sizeof table);
	conf.scanner = cfg->station.scanner;
	conf.scale = cfg->station.scale;
	conf.printer = cfg->station.printer;
	if (devices_start(&conf, &sd->d, &sd->fd, err, sizeof err) != 0) {
		snprintf(sd->err, sizeof sd->err, "devices not started: %s", err);
		sd->d = NULL;
		sd->fd = -1;
	}
	return sd;
}

void
station_dev_stop(struct station_dev *sd)
{
	if (sd == NULL)
		return;
	devices_stop(sd->d);
	free(sd->kept);
	free(sd);
}

int
station_dev_fd(const struct station_dev *sd)
{
	return sd->fd;
}

const char *
station_dev_error(const struct station_dev *sd)
{
	return sd->err;
}

/* The next event: kept ones first. 1, or 0 when there is none. */
static int
next_event(struct station_dev *sd, struct dev_event *ev)
{
	if (sd->nkept > 0) {
		*ev = sd->kept[0];
		memmove(&sd->kept[0], &sd->kept[1], (sd->nkept - 1) * sizeof sd->kept[0]);
		sd->nkept--;
		return 1;
	}
	return sd->d != NULL && devices_poll(sd->d, ev) == 1;
}

static void
keep_event(struct station_dev *sd, const struct dev_event *ev)
{
	if (sd->nkept == sd->capkept) {
		sd->capkept = sd->capkept ? 2 * sd->capkept : 8;
		sd->kept = xrealloc(sd->kept, sd->capkept * sizeof *sd->kept);
	}
	sd->kept[sd->nkept++] = *ev;
}

/* What every event says about the devices' state besides its own news. */
static void
note_event(struct station_dev *sd, const struct dev_event *ev)
{
	if (ev->kind == DEV_EV_WEIGHT) {
		sd->live = 1;
		sd->w = ev->weight;
	}
	if (ev->kind == DEV_EV_ERROR && strcmp(ev->dev, "usb") == 0)
		snprintf(sd->usb_err, sizeof sd->usb_err, "%.300s", ev->text);
}

/* A reading as the status line shows it. */
static void
reading_text(const struct dev_weight *w, char *buf, size_t len)
{
	char g[40];

	vm_pack_grams(g, sizeof g, w->g);
	switch (w->status) {
	case DEV_SCALE_STABLE:
	case DEV_SCALE_ZERO:
		snprintf(buf, len, "%s", g);
		break;
	case DEV_SCALE_MOTION:
		snprintf(buf, len, "~%s", g);
		break;
	case DEV_SCALE_UNDER_ZERO:
		snprintf(buf, len, "under zero");
		break;
	case DEV_SCALE_OVER:
		snprintf(buf, len, "over capacity");
		break;
	default:
		snprintf(buf, len, "%s", dev_scale_status_name(w->status));
		break;
	}
}

/* A printer's status flags in words: the first that applies, "" when ready. */
static const char *
printer_text(unsigned flags)
{
	if (flags & DEV_PRN_PAPER_OUT)
		return "paper out";
	if (flags & DEV_PRN_HEAD_OPEN)
		return "head open";
	if (flags & DEV_PRN_RIBBON_OUT)
		return "ribbon out";
	if (flags & DEV_PRN_PAUSED)
		return "paused";
	if (flags & DEV_PRN_ERROR)
		return "error";
	return "";
}

/* The row shown for a role: a ready one, else the first; NULL when none. */
static const struct dev_status *
row_for(const struct dev_status *rows, int n, enum dev_role role)
{
	const struct dev_status *first = NULL;
	int i;

	for (i = 0; i < n; i++) {
		if (rows[i].role != role)
			continue;
		if (rows[i].state == DEV_ST_READY)
			return &rows[i];
		if (first == NULL)
			first = &rows[i];
	}
	return first;
}

int
station_dev_states(struct station_dev *sd, struct vm_pack_dev *out, int max)
{
	static const enum dev_role roles[] = {
		DEV_ROLE_SCALE, DEV_ROLE_SCANNER, DEV_ROLE_PRINTER,
	};
	struct dev_status rows[STATUS_MAX];
	int n, i, k = 0;

	if (sd->d == NULL) {
		if (max > 0 && sd->err[0] != '\0') {
			memset(&out[0], 0, sizeof out[0]);
			snprintf(out[0].role, sizeof out[0].role, "devices");
			snprintf(out[0].state, sizeof out[0].state, "off");
			out[0].bad = 1;
			return 1;
		}
		return 0;
	}
	n = devices_status(sd->d, rows, STATUS_MAX);
	if (n > STATUS_MAX)
		n = STATUS_MAX;
	for (i = 0; i < 3 && k < max; i++) {
		const struct dev_status *r = row_for(rows, n, roles[i]);
		const char *prn;

		if (r == NULL)
			continue;
		memset(&out[k], 0, sizeof out[k]);
		snprintf(out[k].role, sizeof out[k].role, "%s", dev_role_name(roles[i]));
		prn = r->state == DEV_ST_READY ? printer_text(r->printer) : "";
		snprintf(out[k].state, sizeof out[k].state, "%s", prn[0] != '\0' ? prn :
		    dev_state_name(r->state));
		out[k].bad = r->state != DEV_ST_READY || prn[0] != '\0';
		k++;
	}
	if (sd->usb_err[0] != '\0' && k < max) {
		memset(&out[k], 0, sizeof out[k]);
		snprintf(out[k].role, sizeof out[k].role, "USB");
		snprintf(out[k].state, sizeof out[k].state, "off");
		out[k].bad = 1;
		k++;
	}
	return k;
}

/*
 * A scan as the flow takes it: the AIM id of a GS1 symbol stays (it says the data are GS1
 * element strings), any other (]E0 EAN-13, ]C0 Code 128...) goes, as orders, barcodes,
 * badges and commands are looked up without one.
 */
static const char *
scan_text(const struct dev_event *ev)
{
	static const char *const gs1[] = { "]C1", "]d2", "]Q3", "]e0", "]J1" };
	size_t i;

	if (ev->symbology[0] == '\0' || strncmp(ev->text, ev->symbology, 3) != 0)
		return ev->text;
	for (i = 0; i < sizeof gs1 / sizeof gs1[0]; i++) {
		if (strcmp(ev->symbology, gs1[i]) == 0)
			return ev->text;
	}
	return ev->text + 3;
}

/* A scan typed into the log-in screen, as a wedge scanner would. */
static int
login_scan(struct vm_login *login, const char *text)
{
	int r = 0;

	for (; *text != '\0'; text++)
		r |= vm_login_key(login, (unsigned char)*text);
	return r | vm_login_key(login, VK_ENTER);
}

/* An event's news for the packing screen's message line. */
static int
pack_news(struct vm_pack *pack, const struct dev_event *ev)
{
	char msg[DEV_SCAN_MAX + 160];

	switch (ev->kind) {
	case DEV_EV_PRINTED:
		if (ev->ok)
			return 0;
		snprintf(msg, sizeof msg, "label NOT printed: %s (F4 reprints)",
		    ev->text[0] != '\0' ? ev->text : "printer error");
		return vm_pack_notice(pack, 1, msg);
	case DEV_EV_ERROR:
		snprintf(msg, sizeof msg, "%s %s: %s", dev_role_name(ev->role), ev->dev, ev->text);
		return vm_pack_notice(pack, 1, msg);
	default:
		return 0;
	}
}

int
station_dev_pump(struct station_dev *sd, struct vm_pack *pack, struct vm_login *login)
{
	struct vm_pack_dev devs[VM_PACK_DEVS];
	struct dev_event ev;
	char shown[64];
	int r = 0, n;

	if (pack != NULL && sd->err[0] != '\0' && !sd->err_told) {
		r |= vm_pack_notice(pack, 1, sd->err);
		sd->err_told = 1;
	}
	while (next_event(sd, &ev) == 1) {
		note_event(sd, &ev);
		if (ev.kind == DEV_EV_SCAN) {
			if (pack != NULL)
				r |= vm_pack_scan(pack, scan_text(&ev)) | VM_SWITCH;
			else if (login != NULL)
				r |= login_scan(login, scan_text(&ev));
		} else if (ev.kind == DEV_EV_WEIGHT && pack != NULL) {
			reading_text(&ev.weight, shown, sizeof shown);
			r |= vm_pack_reading(pack, ev.weight.g, ev.weight.final, shown, 1);
		} else if (pack != NULL) {
			r |= pack_news(pack, &ev);
		}
		if (pack != NULL && (r & VM_LOGOUT))
			return r;           /* pack is no more; the rest waits for the next screen */
		if (pack == NULL && (r & VM_DONE))
			return r;
	}
	if (pack == NULL)
		return r;
	n = station_dev_states(sd, devs, VM_PACK_DEVS);
	r |= vm_pack_devices(pack, devs, n);
	if (sd->live) {
		reading_text(&sd->w, shown, sizeof shown);
		r |= vm_pack_reading(pack, sd->w.g, sd->w.final, shown, 0);
	}
	return r;
}

int
station_dev_line(struct station_dev *sd, struct pack *p, char *input, size_t inlen,
    struct pack_result *r, char *note, size_t notelen)
{
	struct dev_event ev;
	const char *role;

	input[0] = '\0';
	note[0] = '\0';
	if (next_event(sd, &ev) == 0)
		return 0;
	note_event(sd, &ev);
	role = dev_role_name(ev.role);
	memset(r, 0, sizeof *r);
	switch (ev.kind) {
	case DEV_EV_SCAN:
		snprintf(input, inlen, "%s", scan_text(&ev));
		pack_input(p, scan_text(&ev), r);
		break;
	case DEV_EV_WEIGHT:
		/* Only a stable reading, and only when the flow waits for a weight. */
		if (!ev.weight.final || ev.weight.g <= 0 || !pack_wants_weight(p))
			break;
		snprintf(input, inlen, "WEIGHT %" PRId64, ev.weight.g);
		pack_weight(p, ev.weight.g, r);
		break;
	case DEV_EV_ARRIVED:
		snprintf(note, notelen, "%s %s: ready%s%s", role, ev.dev, ev.text[0] ? ": " : "",
		    ev.text);
		break;
	case DEV_EV_LEFT:
		snprintf(note, notelen, "%s %s: gone (unplugged?); it is picked up again when "
		    "back", role, ev.dev);
		break;
	case DEV_EV_PRINTER:
		snprintf(note, notelen, "%s %s: %s", role, ev.dev, ev.printer ?
		    printer_text(ev.printer) : "ready");
		break;
	case DEV_EV_PRINTED:
		if (!ev.ok)
			snprintf(note, notelen, "printer %s: label not printed: %s", ev.dev, ev.text);
		break;
	case DEV_EV_ERROR:
		snprintf(note, notelen, "%s %s: %s", role, ev.dev, ev.text);
		break;
	}
	return 1;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 and its status row in *out when the device thread holds the USB printer at uri;
 * 0 when it holds none such (printer_send's own usb: case may then reach it). */
static int
held_printer(struct station_dev *sd, const char *uri, struct dev_status *out)
{
	struct dev_status rows[STATUS_MAX];
	struct devuri want, have;
	char why[200];
	int n, i;

	if (sd == NULL || sd->d == NULL || strncmp(uri, "usb:", 4) != 0 ||
	    devuri_parse(uri, &want, why, sizeof why) != 0)
		return 0;
	n = devices_status(sd->d, rows, STATUS_MAX);
	for (i = 0; i < n && i < STATUS_MAX; i++) {
		if (rows[i].role != DEV_ROLE_PRINTER ||
		    devuri_parse(rows[i].dev, &have, why, sizeof why) != 0)
			continue;
		if (have.vid == want.vid && have.pid == want.pid &&
		    (want.serial[0] == '\0' || strcmp(want.serial, have.serial) == 0)) {
			*out = rows[i];
			return 1;
		}
	}
	return 0;
}

/* Wait up to ms for the outcome of a job; other events are kept. */
static int
wait_printed(struct station_dev *sd, const char *uri, int ms, char *err, size_t errlen)
{
	int64_t until = mono_ms() + ms;
	struct dev_event ev;

	for (;;) {
		while (devices_poll(sd->d, &ev) == 1) {
			if (ev.kind != DEV_EV_PRINTED) {
				note_event(sd, &ev);
				keep_event(sd, &ev);
				continue;
			}
			if (ev.ok)
				return 0;
			snprintf(err, errlen, "printer %s: %s", uri, ev.text[0] ? ev.text :
			    "printer error");
			return -1;
		}
		if (mono_ms() >= until)
			break;
		{
			struct pollfd p = { .fd = sd->fd, .events = POLLIN };

			if (poll(&p, 1, (int)(until - mono_ms())) < 0 && errno != EINTR)
				break;
		}
	}
	snprintf(err, errlen, "printer %s: no word of the job after %d s; it may still print",
	    uri, ms / 1000);
	return -1;
}

int
station_dev_print(struct station_dev *sd, struct session *s, const struct config *cfg,
    const char *printer, int64_t order_id, int wait_ms, char *err, size_t errlen)
{
	struct dev_status st;
	const char *uri = printer != NULL ? printer : cfg->station.printer;
	char *job;
	size_t len;
	int rc;

	if (!held_printer(sd, uri, &st))
		return station_print(s, cfg, uri, order_id, err, errlen);
	if (station_labels(s, cfg, order_id, &job, &len, err, errlen) != 0)
		return -1;
	rc = devices_print(sd->d, uri, job, len);
	free(job);
	if (rc != 0) {
		snprintf(err, errlen, "printer %s is %s%s%s", uri, dev_state_name(st.state),
		    st.msg[0] ? ": " : "", st.msg);
		return -1;
	}
	if (wait_ms > 0)
		return wait_printed(sd, uri, wait_ms, err, errlen);
	return 0;
}

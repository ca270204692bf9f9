/*
 * devices.c — the device thread and what the UI thread calls (see devices.h): one libusb
 * context, hotplug arrivals and departures matched against the device table, a slot per
 * USB device that outlives unplugging (so a re-plugged device is picked up again and its
 * state shown meanwhile), the reader threads of hid: and tty: scanners, and the commands
 * the UI thread sends (zero the scale, print).
 *
 * Locking: d->mu guards the slot and fd lists, each one's state/msg/printer fields and
 * the command queue. Everything else in a slot belongs to the device thread (hotplug and
 * transfer callbacks run there too, inside libusb_handle_events; the ARRIVED callbacks
 * for devices already present run in devices_start, before the thread exists).
 */
#include "devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices_int.h"
#include "fddev.h"
#include "printer_usb.h"
#include "scale_hidpos.h"
#include "usbdev.h"

static const char *const role_names[] = {
	[DEV_ROLE_NONE] = "device", [DEV_ROLE_SCANNER] = "scanner",
	[DEV_ROLE_SCALE] = "scale", [DEV_ROLE_PRINTER] = "printer",
};

const char *
dev_role_name(enum dev_role r)
{
	return (unsigned)r < 4 ? role_names[r] : "?";
}

const char *
dev_state_name(enum dev_state s)
{
	static const char *const names[] = {
		[DEV_ST_ABSENT] = "absent", [DEV_ST_READY] = "ready",
		[DEV_ST_NO_ACCESS] = "no access", [DEV_ST_BUSY] = "busy",
		[DEV_ST_ERROR] = "error",
	};

	return (unsigned)s <= DEV_ST_ERROR ? names[s] : "?";
}

const char *
dev_event_kind_name(enum dev_event_kind k)
{
	static const char *const names[] = {
		[DEV_EV_ARRIVED] = "arrived", [DEV_EV_LEFT] = "left", [DEV_EV_SCAN] = "scan",
		[DEV_EV_WEIGHT] = "weight", [DEV_EV_PRINTER] = "printer",
		[DEV_EV_PRINTED] = "printed", [DEV_EV_ERROR] = "error",
	};

	return (unsigned)k <= DEV_EV_ERROR ? names[k] : "?";
}

const char *
dev_scale_status_name(enum dev_scale_status s)
{
	static const char *const names[] = {
		[DEV_SCALE_FAULT] = "fault", [DEV_SCALE_ZERO] = "zero",
		[DEV_SCALE_MOTION] = "motion", [DEV_SCALE_STABLE] = "stable",
		[DEV_SCALE_UNDER_ZERO] = "under-zero", [DEV_SCALE_OVER] = "over-weight",
		[DEV_SCALE_CALIBRATE] = "calibrate", [DEV_SCALE_REZERO] = "re-zero",
	};

	return s >= DEV_SCALE_FAULT && s <= DEV_SCALE_REZERO ? names[s] : "?";
}

void
devices_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
devices_printer_poll_ms(const struct devices *d)
{
	return d->poll_ms;
}

void
devices_push(struct devices *d, struct dev_event *ev)
{
	if (ev->ms == 0)
		ev->ms = usbdev_now_ms();
	evq_push(d->q, ev);
}

/* Hotplug (device thread, or devices_start for devices already there). */

static struct usbdev *
devices_slot_new(struct devices *d, unsigned vid, unsigned pid, enum devtable_driver tdrv,
    const char *serial, const char *name)
{
	struct usbdev *u = calloc(1, sizeof *u);

	if (u == NULL) {
		fputs("packbench: out of memory\n", stderr);
		abort();
	}
	u->owner = d;
	u->vid = vid;
	u->pid = pid;
	u->tdrv = tdrv;
	u->role = devtable_driver_role(tdrv);
	u->phase = USB_ABSENT;
	u->state = DEV_ST_ABSENT;
	u->st_role = u->role;
	devices_copy(u->st_driver, sizeof u->st_driver, devtable_driver_name(tdrv));
	snprintf(u->serial, sizeof u->serial, "%s", serial ? serial : "");
	snprintf(u->name, sizeof u->name, "%s", name ? name : "");
	snprintf(u->addr, sizeof u->addr, "usb:%04x:%04x%s%s", vid, pid, u->serial[0] ? ":" :
	    "", u->serial);
	pthread_mutex_lock(&d->mu);
	u->next = d->usb;
	d->usb = u;
	pthread_mutex_unlock(&d->mu);
	return u;
}

static const enum devtable_driver role_driver[] = {
	[DEV_ROLE_NONE] = DRV_AUTO, [DEV_ROLE_SCANNER] = DRV_SCANNER,
	[DEV_ROLE_SCALE] = DRV_SCALE_HIDPOS, [DEV_ROLE_PRINTER] = DRV_PRINTER_USB,
};

/* Which driver for vid:pid, and the serial the configuration wants ("" any). */
static enum devtable_driver
devices_pick(struct devices *d, unsigned vid, unsigned pid, const char **serial,
    const char **name)
{
	const struct devtable_row *row = devtable_find(&d->table, vid, pid);
	int r;

	*serial = "";
	*name = row != NULL ? row->name : "";
	if (d->has_only) {
		if (d->only.kind != DEVURI_USB || d->only.vid != vid || d->only.pid != pid)
			return DRV_IGNORE;
		*serial = d->only.serial;
		return row != NULL && row->driver != DRV_IGNORE ? row->driver : DRV_AUTO;
	}
	for (r = DEV_ROLE_SCANNER; r <= DEV_ROLE_PRINTER; r++) {
		if (!d->has_role[r] || d->role_uri[r].vid != vid || d->role_uri[r].pid != pid)
			continue;
		*serial = d->role_uri[r].serial;
		if (row != NULL && devtable_driver_role(row->driver) == (enum dev_role)r)
			return row->driver;
		return role_driver[r];
	}
	return row != NULL ? row->driver : DRV_IGNORE;
}

static void
devices_arrived(struct devices *d, libusb_device *dev)
{
	struct libusb_device_descriptor dd;
	enum devtable_driver tdrv;
	const char *serial, *name;
	struct usbdev *u, *reuse = NULL;

	if (libusb_get_device_descriptor(dev, &dd) != 0)
		return;
	tdrv = devices_pick(d, dd.idVendor, dd.idProduct, &serial, &name);
	if (tdrv == DRV_IGNORE)
		return;
	for (u = d->usb; u != NULL; u = u->next) {
		if (u->dev == dev)
			return;         /* reported twice */
		if (reuse == NULL && u->phase == USB_ABSENT && u->vid == dd.idVendor &&
		    u->pid == dd.idProduct)
			reuse = u;
	}
	if ((u = reuse) == NULL)
		u = devices_slot_new(d, dd.idVendor, dd.idProduct, tdrv, serial, name);
	u->tdrv = tdrv;
	u->dev = libusb_ref_device(dev);
	u->phase = USB_PENDING;
	u->retry_ms = 0;
}

static void
devices_left(struct devices *d, libusb_device *dev)
{
	struct usbdev *u;

	for (u = d->usb; u != NULL && u->dev != dev; u = u->next)
		;
	if (u == NULL)
		return;
	switch (u->phase) {
	case USB_OPEN:
		usbdev_close_start(u, 0, NULL);
		break;
	case USB_CLOSING:
		u->reopen = 0;
		break;
	case USB_PENDING:
		usbdev_absent(u);
		usbdev_set_state(u, DEV_ST_ABSENT, "");
		usbdev_post_left(u);
		break;
	case USB_ABSENT:
		break;
	}
}

static int LIBUSB_CALL
devices_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event event,
    void *user_data)
{
	if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
		devices_arrived(user_data, dev);
	else
		devices_left(user_data, dev);
	return 0;
}

/* Commands from the UI thread. */

static int
devices_addr_match(const struct cmd *c, const struct usbdev *u)
{
	if (c->any)
		return 1;
	return c->addr.kind == DEVURI_USB && c->addr.vid == u->vid && c->addr.pid == u->pid &&
	    (c->addr.serial[0] == '\0' || strcmp(c->addr.serial, u->serial) == 0);
}

static void
devices_run(struct devices *d, struct cmd *c)
{
	struct usbdev *u;
	struct dev_event ev;
	int done = 0;

	for (u = d->usb; u != NULL; u = u->next) {
		if (u->phase != USB_OPEN || !devices_addr_match(c, u))
			continue;
		if (c->kind == CMD_ZERO && u->drv == &scale_hidpos_driver) {
			if (scale_hidpos_zero(u) != 0)
				usbdev_error(u, "cannot send the zero command now");
			done = 1;
		} else if (c->kind == CMD_PRINT && u->drv == &printer_usb_driver) {
			if (printer_usb_print(u, c->data, c->len) != 0) {
				memset(&ev, 0, sizeof ev);
				ev.kind = DEV_EV_PRINTED;
				snprintf(ev.text, sizeof ev.text, "the printer is busy with other jobs");
				usbdev_post(u, &ev);
			}
			return;
		}
	}
	if (!done && c->kind == CMD_PRINT) {
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_PRINTED;
		ev.role = DEV_ROLE_PRINTER;
		snprintf(ev.text, sizeof ev.text, "no USB printer is connected");
		devices_push(d, &ev);
	}
}

/* One pass over the slots after libusb_handle_events returns. */
static void
devices_service(struct devices *d)
{
	struct cmd *c;
	struct usbdev *u;
	int64_t now;

	for (;;) {
		pthread_mutex_lock(&d->mu);
		if ((c = d->cmds) != NULL && (d->cmds = c->next) == NULL)
			d->cmds_tail = &d->cmds;
		pthread_mutex_unlock(&d->mu);
		if (c == NULL)
			break;
		devices_run(d, c);
		free(c);
	}
	now = usbdev_now_ms();
	for (u = d->usb; u != NULL; u = u->next) {
		if (u->phase == USB_PENDING && now >= u->retry_ms)
			usbdev_open(u);
		else if (u->phase == USB_OPEN && u->drv->tick != NULL)
			u->drv->tick(u, now);
		else if (u->phase == USB_CLOSING && usbdev_inflight(u) == 0)
			usbdev_close_finish(u);
	}
}

static void *
devices_thread(void *arg)
{
	struct devices *d = arg;
	struct timeval tv = { 0, 100000 };
	struct usbdev *u;
	int64_t until;
	int busy;

	while (!atomic_load(&d->stop)) {
		devices_service(d);
		libusb_handle_events_timeout_completed(d->ctx, &tv, NULL);
	}
	if (d->hp_registered)
		libusb_hotplug_deregister_callback(d->ctx, d->hp);
	d->hp_registered = 0;
	for (u = d->usb; u != NULL; u = u->next)
		usbdev_close_start(u, 0, NULL);
	until = usbdev_now_ms() + CLOSE_WAIT_MS;
	do {
		struct timeval shortv = { 0, 20000 };

		busy = 0;
		for (u = d->usb; u != NULL; u = u->next)
			busy += u->phase == USB_CLOSING && usbdev_inflight(u) > 0;
		if (busy)
			libusb_handle_events_timeout_completed(d->ctx, &shortv, NULL);
	} while (busy && usbdev_now_ms() < until);
	for (u = d->usb; u != NULL; u = u->next) {
		if (u->phase == USB_CLOSING) {
			if (usbdev_inflight(u) > 0) {   /* never came back: leave them be */
				u->in = NULL;
				memset(u->xfers, 0, sizeof u->xfers);
			}
			usbdev_close_finish(u);
		}
		usbdev_absent(u);
	}
	return NULL;
}

static int
devices_add_fd(struct devices *d, const struct devuri *uri, const char *text)
{
	struct fddev *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	f->owner = d;
	f->kind = uri->kind;
	f->state = DEV_ST_ABSENT;
	snprintf(f->path, sizeof f->path, "%s", uri->path);
	snprintf(f->addr, sizeof f->addr, "%s", text);
	f->next = d->fds;
	d->fds = f;
	return 0;
}

/* Starting and stopping. */

static void
devices_sim(struct devices *d)
{
	static const struct {
		enum dev_event_kind kind;
		enum dev_role role;
		const char *dev, *driver, *text;
		enum dev_scale_status st;
		int64_t g;
	} seq[] = {
		{ DEV_EV_ARRIVED, DEV_ROLE_SCALE, "sim:scale", "sim", "simulated scale", 0, 0 },
		{ DEV_EV_ARRIVED, DEV_ROLE_SCANNER, "sim:scanner", "sim", "simulated scanner", 0,
		  0 },
		{ DEV_EV_WEIGHT, DEV_ROLE_SCALE, "sim:scale", "sim", "", DEV_SCALE_MOTION, 1180 },
		{ DEV_EV_WEIGHT, DEV_ROLE_SCALE, "sim:scale", "sim", "", DEV_SCALE_STABLE, 1250 },
		{ DEV_EV_SCAN, DEV_ROLE_SCANNER, "sim:scanner", "sim",
		  "]C10108935049501503\03517261231" "10LOT-7", 0, 0 },
	};
	struct dev_event ev;
	size_t i;

	for (i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		memset(&ev, 0, sizeof ev);
		ev.kind = seq[i].kind;
		ev.role = seq[i].role;
		snprintf(ev.dev, sizeof ev.dev, "%s", seq[i].dev);
		snprintf(ev.driver, sizeof ev.driver, "%s", seq[i].driver);
		snprintf(ev.text, sizeof ev.text, "%s", seq[i].text);
		if (ev.kind == DEV_EV_SCAN)
			memcpy(ev.symbology, ev.text, 3);
		if (ev.kind == DEV_EV_WEIGHT) {
			ev.weight.status = seq[i].st;
			ev.weight.final = seq[i].st == DEV_SCALE_STABLE;
			ev.weight.g = seq[i].g;
			ev.weight.mg = seq[i].g * 1000;
			ev.weight.unit = 2;
			ev.weight.raw = (unsigned)seq[i].g;
		}
		devices_push(d, &ev);
	}
}

/* The libusb context, the hotplug callback (ARRIVED for devices already plugged in
 * comes at once) and the device thread. 0, or -1 with why (all undone). */
static int
devices_usb_start(struct devices *d, char *why, size_t whylen)
{
	struct usbdev *u;
	int rc;

	if ((rc = libusb_init(&d->ctx)) != 0) {
		snprintf(why, whylen, "devices: cannot start libusb: %s", libusb_strerror(rc));
		d->ctx = NULL;
		return -1;
	}
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		snprintf(why, whylen, "devices: this libusb cannot report plugging in");
		goto fail;
	}
	rc = libusb_hotplug_register_callback(d->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
	    LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY,
	    LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, devices_hotplug, d, &d->hp);
	if (rc != 0) {
		snprintf(why, whylen, "devices: cannot watch USB: %s", libusb_strerror(rc));
		goto fail;
	}
	d->hp_registered = 1;
	if (pthread_create(&d->thr, NULL, devices_thread, d) != 0) {
		snprintf(why, whylen, "devices: cannot start the device thread");
		goto fail_hp;
	}
	d->thr_started = 1;
	return 0;
fail_hp:
	libusb_hotplug_deregister_callback(d->ctx, d->hp);
	d->hp_registered = 0;
fail:
	for (u = d->usb; u != NULL; u = u->next)       /* refs ARRIVED took already */
		usbdev_absent(u);
	libusb_exit(d->ctx);
	d->ctx = NULL;
	return -1;
}

/* One configured address: usb: ones filter hotplug, hid:/tty: get a reader thread. */
static int
devices_conf_addr(struct devices *d, enum dev_role role, const char *text, char *err,
    size_t errlen)
{
	struct devuri uri;
	char why[200];

	if (text == NULL || text[0] == '\0' || strcmp(text, "keyboard") == 0 ||
	    strcmp(text, "sim") == 0)
		return 0;
	if (devuri_parse(text, &uri, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", dev_role_name(role), why);
		return -1;
	}
	switch (uri.kind) {
	case DEVURI_USB:
		d->role_uri[role] = uri;
		d->has_role[role] = 1;
		devices_slot_new(d, uri.vid, uri.pid, role_driver[role], uri.serial, "");
		return 0;
	case DEVURI_HID:
	case DEVURI_TTY:
		if (role != DEV_ROLE_SCANNER) {
			snprintf(err, errlen, "%s '%s': only scanners are read from %s devices",
			    dev_role_name(role), text, devuri_kind_name(uri.kind));
			return -1;
		}
		return devices_add_fd(d, &uri, text);
	default:
		return 0;               /* tcp:, cups:, file: printers: printer.c sends those */
	}
}

int
devices_start(const struct devices_conf *conf, struct devices **out, int *event_fd,
    char *err, size_t errlen)
{
	struct devices *d = calloc(1, sizeof *d);
	struct fddev *f;
	char why[300];
	int rc;

	*out = NULL;
	if (d == NULL) {
		snprintf(err, errlen, "devices: out of memory");
		return -1;
	}
	pthread_mutex_init(&d->mu, NULL);
	d->cmds_tail = &d->cmds;
	d->wakefd = -1;
	d->poll_ms = conf->printer_poll_ms > 0 ? conf->printer_poll_ms : 5000;
	d->no_grab = conf->no_grab;
	if ((d->q = evq_new()) == NULL || (d->wakefd = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "devices: cannot make an eventfd: %s", strerror(errno));
		goto fail;
	}
	if (devtable_init(&d->table, why, sizeof why) != 0 ||
	    (conf->table_file != NULL && devtable_add_file(&d->table, conf->table_file, why,
	    sizeof why) != 0) || (conf->table_text != NULL &&
	    devtable_add_text(&d->table, conf->table_text, "configuration", why,
	    sizeof why) != 0)) {
		snprintf(err, errlen, "device table: %s", why);
		goto fail;
	}
	if (conf->only != NULL) {
		if (strcmp(conf->only, "sim") == 0) {
			devices_sim(d);
			d->only.kind = DEVURI_SIM;
			d->has_only = 1;
		} else if (devuri_parse(conf->only, &d->only, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		} else if (d->only.kind == DEVURI_HID || d->only.kind == DEVURI_TTY) {
			if (devices_add_fd(d, &d->only, conf->only) != 0)
				goto fail;
			d->has_only = 1;
		} else if (d->only.kind == DEVURI_USB) {
			d->has_only = 1;
			devices_slot_new(d, d->only.vid, d->only.pid, DRV_AUTO, d->only.serial, "");
		} else {
			snprintf(err, errlen, "%s: %s devices are printers packbench sends to; there "
			    "is nothing to read", conf->only, devuri_kind_name(d->only.kind));
			goto fail;
		}
	} else if (devices_conf_addr(d, DEV_ROLE_SCANNER, conf->scanner, err, errlen) != 0 ||
	    devices_conf_addr(d, DEV_ROLE_SCALE, conf->scale, err, errlen) != 0 ||
	    devices_conf_addr(d, DEV_ROLE_PRINTER, conf->printer, err, errlen) != 0) {
		goto fail;
	}
	/* USB: needed unless only a hid:, tty: or sim device is read. Without it the station
	 * still reads its other scanners; the UI is told. */
	if (!d->has_only || d->only.kind == DEVURI_USB) {
		if ((rc = devices_usb_start(d, why, sizeof why)) != 0 && d->has_only) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
		if (rc != 0) {
			struct dev_event ev;

			memset(&ev, 0, sizeof ev);
			ev.kind = DEV_EV_ERROR;
			snprintf(ev.dev, sizeof ev.dev, "usb");
			snprintf(ev.text, sizeof ev.text, "%s; USB scanners, scales and printers "
			    "will not be seen", why);
			devices_push(d, &ev);
		}
	}
	for (f = d->fds; f != NULL; f = f->next) {
		if (pthread_create(&f->thr, NULL, fddev_thread, f) != 0) {
			snprintf(err, errlen, "devices: cannot start a reader thread");
			goto fail;
		}
		f->started = 1;
	}
	*event_fd = evq_fd(d->q);
	*out = d;
	return 0;
fail:
	devices_stop(d);
	return -1;
}

void
devices_stop(struct devices *d)
{
	uint64_t one = 1;
	struct usbdev *u;
	struct fddev *f;
	struct cmd *c;

	if (d == NULL)
		return;
	atomic_store(&d->stop, 1);
	if (d->wakefd >= 0 && write(d->wakefd, &one, sizeof one) < 0) {
		/* the threads also look at the flag every second */
	}
	if (d->thr_started) {
		libusb_interrupt_event_handler(d->ctx);
		pthread_join(d->thr, NULL);
	}
	for (f = d->fds; f != NULL; f = f->next) {
		if (f->started)
			pthread_join(f->thr, NULL);
	}
	if (d->ctx != NULL && d->hp_registered)
		libusb_hotplug_deregister_callback(d->ctx, d->hp);
	while ((u = d->usb) != NULL) {
		d->usb = u->next;
		usbdev_absent(u);
		free(u);
	}
	while ((f = d->fds) != NULL) {
		d->fds = f->next;
		free(f);
	}
	while ((c = d->cmds) != NULL) {
		d->cmds = c->next;
		free(c);
	}
	if (d->ctx != NULL)
		libusb_exit(d->ctx);
	devtable_free(&d->table);
	if (d->wakefd >= 0)
		close(d->wakefd);
	evq_free(d->q);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

int
devices_poll(struct devices *d, struct dev_event *out)
{
	return evq_pop(d->q, out);
}

void
devices_inject(struct devices *d, const struct dev_event *ev)
{
	struct dev_event copy = *ev;

	devices_push(d, &copy);
}

static int
devices_queue(struct devices *d, enum cmd_kind kind, const char *addr, const void *data,
    size_t len, enum dev_role role)
{
	struct cmd *c = calloc(1, sizeof *c + len);
	struct usbdev *u;
	char why[200];
	int found = 0;

	if (c == NULL)
		return -1;
	c->kind = kind;
	c->any = addr == NULL;
	if (addr != NULL && devuri_parse(addr, &c->addr, why, sizeof why) != 0) {
		free(c);
		return -1;
	}
	c->len = len;
	if (len > 0)
		memcpy(c->data, data, len);
	pthread_mutex_lock(&d->mu);
	for (u = d->usb; u != NULL && !found; u = u->next)
		found = u->state == DEV_ST_READY && u->st_role == role &&
		    devices_addr_match(c, u);
	if (found) {
		*d->cmds_tail = c;
		d->cmds_tail = &c->next;
	}
	pthread_mutex_unlock(&d->mu);
	if (!found) {
		free(c);
		return -1;
	}
	libusb_interrupt_event_handler(d->ctx);
	return 0;
}

int
devices_scale_zero(struct devices *d, const char *addr)
{
	return devices_queue(d, CMD_ZERO, addr, NULL, 0, DEV_ROLE_SCALE);
}

int
devices_print(struct devices *d, const char *addr, const void *data, size_t len)
{
	if (len == 0)
		return -1;
	return devices_queue(d, CMD_PRINT, addr, data, len, DEV_ROLE_PRINTER);
}

/* An absent slot shadowed by a live one of the same address (a quick re-plug can leave
 * the old slot behind for a moment): not shown. Lock held. */
static int
devices_status_dup(const struct devices *d, const struct usbdev *u)
{
	const struct usbdev *v;

	if (u->state != DEV_ST_ABSENT)
		return 0;
	for (v = d->usb; v != NULL; v = v->next) {
		if (v != u && v->state != DEV_ST_ABSENT && strcmp(v->addr, u->addr) == 0)
			return 1;
	}
	return 0;
}

int
devices_status(struct devices *d, struct dev_status *out, int max)
{
	struct usbdev *u;
	struct fddev *f;
	struct dev_status *o;
	int n = 0;

	pthread_mutex_lock(&d->mu);
	for (u = d->usb; u != NULL; u = u->next) {
		if (devices_status_dup(d, u) || n++ >= max)
			continue;
		o = &out[n - 1];
		memset(o, 0, sizeof *o);
		snprintf(o->dev, sizeof o->dev, "%s", u->addr);
		snprintf(o->driver, sizeof o->driver, "%s", u->st_driver);
		o->role = u->st_role;
		o->state = u->state;
		o->printer = u->printer;
		snprintf(o->msg, sizeof o->msg, "%s", u->msg);
	}
	for (f = d->fds; f != NULL; f = f->next) {
		if (n++ >= max)
			continue;
		o = &out[n - 1];
		memset(o, 0, sizeof *o);
		snprintf(o->dev, sizeof o->dev, "%s", f->addr);
		snprintf(o->driver, sizeof o->driver, "%s", f->kind == DEVURI_HID ?
		    "scanner-evdev" : "scanner-tty");
		o->role = DEV_ROLE_SCANNER;
		o->state = f->state;
		snprintf(o->msg, sizeof o->msg, "%s", f->msg);
	}
	pthread_mutex_unlock(&d->mu);
	return n;
}

/*
 * devices.c — the device thread and everything around it (see devices.h): one libusb
 * context, hotplug arrivals and departures matched against the device table, a slot per
 * USB device that outlives unplugging (so a re-plugged device is picked up again and its
 * state shown meanwhile), the generic transfer plumbing the drivers use (usbdev.h), one
 * reader thread per evdev or serial scanner, and the commands the UI thread sends
 * (zero the scale, print).
 *
 * Locking: d->mu guards the slot and fd lists, each one's state/msg/printer fields and
 * the command queue. Everything else in a slot belongs to the device thread (hotplug and
 * transfer callbacks run there too, inside libusb_handle_events; the ARRIVED callbacks
 * for devices already present run in devices_start, before the thread exists).
 */
#include "devices.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libusb.h>

#include "devtable.h"
#include "devuri.h"
#include "evq.h"
#include "printer_usb.h"
#include "scale_hidpos.h"
#include "scan_evdev.h"
#include "scan_hidpos.h"
#include "scan_kbd.h"
#include "scan_tty.h"
#include "usbdev.h"

#define RETRY_MS 1000               /* open again after a failure */
#define ACCESS_RETRY_MS 2000        /* udev may set permissions a moment after arrival */
#define CLOSE_WAIT_MS 2000          /* at stop: how long transfers may take to cancel */

/* A scanner read through a file descriptor: evdev (hid:) or a serial port (tty:). */
struct fddev {
	struct devices *owner;
	struct fddev *next;
	enum devuri_kind kind;
	char path[256];
	char addr[DEV_ADDR_MAX];
	pthread_t thr;
	int started;
	enum dev_state state;           /* under owner->mu */
	char msg[160];
	struct kbd kbd;                 /* the thread's */
	struct ttyline line;
};

enum cmd_kind { CMD_ZERO, CMD_PRINT };

struct cmd {
	struct cmd *next;
	enum cmd_kind kind;
	struct devuri addr;
	int any;                        /* no address: every scale / the first printer */
	size_t len;
	unsigned char data[];
};

struct devices {
	libusb_context *ctx;
	libusb_hotplug_callback_handle hp;
	int hp_registered;
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	int wakefd;                     /* readable once stopping: fd threads leave */
	struct evq *q;
	pthread_mutex_t mu;
	struct devtable table;
	struct usbdev *usb;
	struct fddev *fds;
	struct cmd *cmds;
	struct cmd **cmds_tail;
	struct devuri only;
	int has_only;
	struct devuri role_uri[4];      /* by enum dev_role; usb: ones only */
	int has_role[4];
	int poll_ms;
	int no_grab;
};

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

/* Copy a message into a status field, cut to fit. */
static void
devices_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int64_t
usbdev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
devices_printer_poll_ms(const struct devices *d)
{
	return d->poll_ms;
}

static void
devices_push(struct devices *d, struct dev_event *ev)
{
	if (ev->ms == 0)
		ev->ms = usbdev_now_ms();
	evq_push(d->q, ev);
}

/* Slot status for devices_status, under the lock. */
static void
usbdev_set_state(struct usbdev *u, enum dev_state st, const char *msg)
{
	pthread_mutex_lock(&u->owner->mu);
	u->state = st;
	devices_copy(u->msg, sizeof u->msg, msg);
	pthread_mutex_unlock(&u->owner->mu);
}

static const char *
usbdev_driver_name(const struct usbdev *u)
{
	return u->drv != NULL ? u->drv->name : devtable_driver_name(u->tdrv);
}

void
usbdev_post(struct usbdev *u, struct dev_event *ev)
{
	snprintf(ev->dev, sizeof ev->dev, "%s", u->addr);
	snprintf(ev->driver, sizeof ev->driver, "%s", usbdev_driver_name(u));
	ev->role = u->role;
	devices_push(u->owner, ev);
}

void
usbdev_error(struct usbdev *u, const char *fmt, ...)
{
	struct dev_event ev;
	va_list ap;

	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_ERROR;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&u->owner->mu);
	devices_copy(u->msg, sizeof u->msg, ev.text);
	pthread_mutex_unlock(&u->owner->mu);
	usbdev_post(u, &ev);
}

void
usbdev_set_printer(struct usbdev *u, unsigned flags)
{
	pthread_mutex_lock(&u->owner->mu);
	u->printer = flags;
	pthread_mutex_unlock(&u->owner->mu);
}

/* Post a problem once: only when it differs from the one shown already. */
static void
usbdev_problem(struct usbdev *u, enum dev_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
usbdev_problem(struct usbdev *u, enum dev_state st, const char *fmt, ...)
{
	struct dev_event ev;
	va_list ap;
	int same;

	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_ERROR;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&u->owner->mu);
	same = u->state == st && strcmp(u->msg, ev.text) == 0;
	u->state = st;
	devices_copy(u->msg, sizeof u->msg, ev.text);
	pthread_mutex_unlock(&u->owner->mu);
	if (!same)
		usbdev_post(u, &ev);
}

/* Transfers. */

static int
usbdev_inflight(const struct usbdev *u)
{
	int i, n = u->in != NULL && u->in_busy;

	for (i = 0; i < USBDEV_XFERS; i++)
		n += u->xfers[i] != NULL;
	return n;
}

static void usbdev_close_start(struct usbdev *u, int reopen);

static void LIBUSB_CALL
usbdev_in_cb(struct libusb_transfer *t)
{
	struct usbdev *u = t->user_data;
	int rc;

	u->in_busy = 0;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		u->errors = 0;
		if (u->phase == USB_OPEN && u->drv->input != NULL)
			u->drv->input(u, t->buffer, t->actual_length);
		break;
	case LIBUSB_TRANSFER_TIMED_OUT:
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		return;
	case LIBUSB_TRANSFER_NO_DEVICE:
		usbdev_close_start(u, 1);
		return;
	default:                        /* error, stall, overflow */
		if (++u->errors >= 5) {
			usbdev_error(u, "reading failed %d times (%s); opening it again", u->errors,
			    libusb_error_name(t->status == LIBUSB_TRANSFER_STALL ?
			    LIBUSB_ERROR_PIPE : LIBUSB_ERROR_IO));
			usbdev_close_start(u, 1);
			return;
		}
	}
	if (u->phase != USB_OPEN)
		return;
	if ((rc = libusb_submit_transfer(t)) == 0) {
		u->in_busy = 1;
		return;
	}
	if (rc != LIBUSB_ERROR_NO_DEVICE)
		usbdev_error(u, "cannot read it: %s; opening it again", libusb_strerror(rc));
	usbdev_close_start(u, 1);
}

static void LIBUSB_CALL
usbdev_xfer_cb(struct libusb_transfer *t)
{
	struct usbdev *u = t->user_data;
	int i, tag = 0, ok = t->status == LIBUSB_TRANSFER_COMPLETED;
	const uint8_t *data = t->buffer;
	int len = t->actual_length;

	for (i = 0; i < USBDEV_XFERS; i++) {
		if (u->xfers[i] == t) {
			u->xfers[i] = NULL;
			tag = u->xtags[i];
			break;
		}
	}
	if (t->type == LIBUSB_TRANSFER_TYPE_CONTROL)
		data = libusb_control_transfer_get_data(t);
	if (ok && t->type == LIBUSB_TRANSFER_TYPE_BULK &&
	    !(t->endpoint & LIBUSB_ENDPOINT_IN) && t->actual_length < t->length)
		ok = 0;                 /* short write */
	if (u->drv != NULL && u->drv->done != NULL && t->status != LIBUSB_TRANSFER_CANCELLED)
		u->drv->done(u, tag, ok, data, len);
	if (t->status == LIBUSB_TRANSFER_NO_DEVICE)
		usbdev_close_start(u, 1);
	libusb_free_transfer(t);    /* and its buffer: LIBUSB_TRANSFER_FREE_BUFFER */
}

static int
usbdev_slot(struct usbdev *u)
{
	int i;

	if (u->phase != USB_OPEN)
		return -1;
	for (i = 0; i < USBDEV_XFERS; i++) {
		if (u->xfers[i] == NULL)
			return i;
	}
	return -1;
}

int
usbdev_write(struct usbdev *u, const void *data, size_t len, int tag)
{
	struct libusb_transfer *t;
	unsigned char *buf;
	int i = usbdev_slot(u);

	if (i < 0 || u->ep_out == 0 || len == 0 || len > 64u << 20)
		return -1;
	if ((t = libusb_alloc_transfer(0)) == NULL || (buf = malloc(len)) == NULL) {
		libusb_free_transfer(t);
		return -1;
	}
	memcpy(buf, data, len);
	if (u->out_type == LIBUSB_TRANSFER_TYPE_BULK)
		libusb_fill_bulk_transfer(t, u->h, u->ep_out, buf, (int)len, usbdev_xfer_cb, u,
		    15000);
	else
		libusb_fill_interrupt_transfer(t, u->h, u->ep_out, buf, (int)len, usbdev_xfer_cb,
		    u, 1000);
	t->flags = LIBUSB_TRANSFER_FREE_BUFFER;
	if (libusb_submit_transfer(t) != 0) {
		libusb_free_transfer(t);
		return -1;
	}
	u->xfers[i] = t;
	u->xtags[i] = tag;
	return 0;
}

int
usbdev_control(struct usbdev *u, uint8_t rt, uint8_t req, uint16_t value, uint16_t index,
    const void *data, uint16_t len, int tag)
{
	struct libusb_transfer *t;
	unsigned char *buf;
	int i = usbdev_slot(u);

	if (i < 0)
		return -1;
	if ((t = libusb_alloc_transfer(0)) == NULL ||
	    (buf = calloc(1, LIBUSB_CONTROL_SETUP_SIZE + (size_t)len)) == NULL) {
		libusb_free_transfer(t);
		return -1;
	}
	libusb_fill_control_setup(buf, rt, req, value, index, len);
	if (!(rt & LIBUSB_ENDPOINT_IN) && len > 0)
		memcpy(buf + LIBUSB_CONTROL_SETUP_SIZE, data, len);
	libusb_fill_control_transfer(t, u->h, buf, usbdev_xfer_cb, u, 1000);
	t->flags = LIBUSB_TRANSFER_FREE_BUFFER;
	if (libusb_submit_transfer(t) != 0) {
		libusb_free_transfer(t);
		return -1;
	}
	u->xfers[i] = t;
	u->xtags[i] = tag;
	return 0;
}

/* Opening and closing slots (device thread). */

static void
usbdev_post_left(struct usbdev *u)
{
	struct dev_event ev;

	if (u->left_posted || !u->arrived_posted)
		return;
	u->left_posted = 1;
	u->arrived_posted = 0;
	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_LEFT;
	usbdev_post(u, &ev);
}

/* Cancel what is in flight; usbdev_service closes the handle once all of it is back. */
static void
usbdev_close_start(struct usbdev *u, int reopen)
{
	int i;

	if (u->phase != USB_OPEN)
		return;
	u->phase = USB_CLOSING;
	u->reopen = reopen;
	u->close_ms = usbdev_now_ms();
	if (u->in != NULL && u->in_busy)
		libusb_cancel_transfer(u->in);
	for (i = 0; i < USBDEV_XFERS; i++) {
		if (u->xfers[i] != NULL)
			libusb_cancel_transfer(u->xfers[i]);
	}
	usbdev_post_left(u);
	usbdev_set_state(u, DEV_ST_ABSENT, "");
}

static void
usbdev_absent(struct usbdev *u)
{
	if (u->dev != NULL)
		libusb_unref_device(u->dev);
	u->dev = NULL;
	u->phase = USB_ABSENT;
}

static void
usbdev_close_finish(struct usbdev *u)
{
	if (u->drv != NULL && u->drv->close != NULL)
		u->drv->close(u);
	if (u->h != NULL) {
		libusb_release_interface(u->h, u->iface);
		if (u->kernel_detached)
			libusb_attach_kernel_driver(u->h, u->iface);
		libusb_close(u->h);
	}
	u->h = NULL;
	u->kernel_detached = 0;
	if (u->in != NULL && !u->in_busy)
		libusb_free_transfer(u->in);
	u->in = NULL;
	u->in_busy = 0;
	if (u->reopen && u->dev != NULL) {
		u->phase = USB_PENDING;
		u->retry_ms = usbdev_now_ms() + RETRY_MS;
	} else {
		usbdev_absent(u);
	}
}

/* The first usage page in a HID report descriptor, or 0. */
static unsigned
usbdev_usage_page(const uint8_t *p, int len)
{
	int i = 0;

	while (i < len) {
		int size = p[i] & 3, tag = p[i] & 0xfc;

		if (size == 3)
			size = 4;
		if (i + 1 + size > len)
			return 0;
		if (tag == 0x04 && size == 1)
			return p[i + 1];
		if (tag == 0x04 && size >= 2)
			return (unsigned)p[i + 1] | (unsigned)p[i + 2] << 8;
		i += 1 + size;
	}
	return 0;
}

static unsigned
usbdev_hid_page(struct usbdev *u, int iface)
{
	uint8_t desc[512];
	int n = libusb_control_transfer(u->h, LIBUSB_ENDPOINT_IN | LIBUSB_RECIPIENT_INTERFACE,
	    LIBUSB_REQUEST_GET_DESCRIPTOR, 0x2200, (uint16_t)iface, desc, sizeof desc, 1000);

	return n > 0 ? usbdev_usage_page(desc, n) : 0;
}

/*
 * Pick the driver and the interface for it. Returns the interface's alternate setting 0,
 * or NULL with why set.
 */
static const struct libusb_interface_descriptor *
usbdev_choose(struct usbdev *u, const struct libusb_config_descriptor *cfg, char *why,
    size_t whylen)
{
	static const struct usb_driver *const by_table[] = {
		[DRV_SCALE_HIDPOS] = &scale_hidpos_driver, [DRV_SCANNER_KBD] = &scan_kbd_driver,
		[DRV_SCANNER_HIDPOS] = &scan_hidpos_driver, [DRV_PRINTER_USB] = &printer_usb_driver,
	};
	const struct libusb_interface_descriptor *kbd = NULL, *pos = NULL, *alt;
	int i, cdc = 0;

	for (i = 0; i < cfg->bNumInterfaces; i++) {
		if (cfg->interface[i].num_altsetting < 1)
			continue;
		alt = &cfg->interface[i].altsetting[0];
		if (u->tdrv != DRV_SCANNER && u->tdrv != DRV_AUTO) {
			if (by_table[u->tdrv]->match(alt)) {
				u->drv = by_table[u->tdrv];
				return alt;
			}
			continue;
		}
		if (alt->bInterfaceClass == LIBUSB_CLASS_COMM ||
		    alt->bInterfaceClass == LIBUSB_CLASS_DATA)
			cdc = 1;
		if (u->tdrv == DRV_AUTO && alt->bInterfaceClass == LIBUSB_CLASS_PRINTER) {
			u->drv = &printer_usb_driver;
			return alt;
		}
		if (scan_kbd_driver.match(alt)) {
			if (kbd == NULL)
				kbd = alt;
		} else if (alt->bInterfaceClass == LIBUSB_CLASS_HID && pos == NULL) {
			unsigned page = usbdev_hid_page(u, alt->bInterfaceNumber);

			if (page == 0x8d && u->tdrv == DRV_AUTO) {
				u->drv = &scale_hidpos_driver;
				return alt;
			}
			if (page == 0x8c || (u->tdrv == DRV_SCANNER && page != 0x8d))
				pos = alt;
		}
	}
	if (pos != NULL) {
		u->drv = &scan_hidpos_driver;
		return pos;
	}
	if (kbd != NULL) {
		u->drv = &scan_kbd_driver;
		return kbd;
	}
	if (cdc)
		snprintf(why, whylen, "it is in serial (CDC-ACM) mode: read it as tty:/dev/ttyACMn");
	else
		snprintf(why, whylen, "it has no interface the %s driver can drive",
		    devtable_driver_name(u->tdrv));
	return NULL;
}

/* Endpoints of the chosen interface: the first IN and the first OUT. */
static void
usbdev_endpoints(struct usbdev *u, const struct libusb_interface_descriptor *alt)
{
	int e;

	u->ep_in = u->ep_out = 0;
	for (e = 0; e < alt->bNumEndpoints; e++) {
		const struct libusb_endpoint_descriptor *ed = &alt->endpoint[e];
		uint8_t type = ed->bmAttributes & 3;

		if (type != LIBUSB_TRANSFER_TYPE_BULK && type != LIBUSB_TRANSFER_TYPE_INTERRUPT)
			continue;
		if ((ed->bEndpointAddress & LIBUSB_ENDPOINT_IN) && u->ep_in == 0) {
			u->ep_in = ed->bEndpointAddress;
			u->in_type = type;
			u->in_size = type == LIBUSB_TRANSFER_TYPE_BULK ? (int)sizeof u->inbuf :
			    ed->wMaxPacketSize;
			if (u->in_size <= 0 || u->in_size > (int)sizeof u->inbuf)
				u->in_size = sizeof u->inbuf;
		} else if (!(ed->bEndpointAddress & LIBUSB_ENDPOINT_IN) && u->ep_out == 0) {
			u->ep_out = ed->bEndpointAddress;
			u->out_type = type;
		}
	}
}

static void
usbdev_open(struct usbdev *u)
{
	struct libusb_config_descriptor *cfg = NULL;
	const struct libusb_interface_descriptor *alt;
	struct libusb_device_descriptor dd;
	struct dev_event ev;
	char why[160];
	int rc;

	u->drv = NULL;
	rc = libusb_open(u->dev, &u->h);
	if (rc == LIBUSB_ERROR_NO_DEVICE) {
		usbdev_absent(u);
		return;
	}
	if (rc != 0) {
		u->h = NULL;
		u->retry_ms = usbdev_now_ms() + ACCESS_RETRY_MS;
		if (rc == LIBUSB_ERROR_ACCESS)
			usbdev_problem(u, DEV_ST_NO_ACCESS, "%s: no permission to open it; %s",
			    u->addr, DEV_UDEV_HINT);
		else
			usbdev_problem(u, DEV_ST_ERROR, "%s: cannot open it: %s", u->addr,
			    libusb_strerror(rc));
		return;
	}
	libusb_get_device_descriptor(u->dev, &dd);
	if (u->serial[0] != '\0') {
		unsigned char sn[128] = "";

		if (dd.iSerialNumber == 0 || libusb_get_string_descriptor_ascii(u->h,
		    dd.iSerialNumber, sn, sizeof sn) < 0 || strcmp((char *)sn, u->serial) != 0) {
			libusb_close(u->h);
			u->h = NULL;
			usbdev_absent(u);
			usbdev_set_state(u, DEV_ST_ABSENT, "");
			return;
		}
	}
	if (u->name[0] == '\0' && dd.iProduct != 0)
		libusb_get_string_descriptor_ascii(u->h, dd.iProduct, (unsigned char *)u->name,
		    sizeof u->name);
	if ((rc = libusb_get_active_config_descriptor(u->dev, &cfg)) != 0) {
		snprintf(why, sizeof why, "no configuration descriptor (%s)", libusb_strerror(rc));
		goto fail;
	}
	if ((alt = usbdev_choose(u, cfg, why, sizeof why)) == NULL)
		goto fail;
	u->iface = alt->bInterfaceNumber;
	usbdev_endpoints(u, alt);
	libusb_free_config_descriptor(cfg);
	cfg = NULL;
	/* Not auto-detach: detach only when a kernel driver is bound (umockdev replays, and
	 * some kernels, refuse a detach with nothing to detach). */
	if (libusb_kernel_driver_active(u->h, u->iface) == 1) {
		if ((rc = libusb_detach_kernel_driver(u->h, u->iface)) != 0) {
			snprintf(why, sizeof why, "cannot detach the kernel driver: %s",
			    libusb_strerror(rc));
			goto fail;
		}
		u->kernel_detached = 1;
	}
	if ((rc = libusb_claim_interface(u->h, u->iface)) != 0) {
		if (u->kernel_detached)
			libusb_attach_kernel_driver(u->h, u->iface);
		u->kernel_detached = 0;
		libusb_close(u->h);
		u->h = NULL;
		u->retry_ms = usbdev_now_ms() + ACCESS_RETRY_MS;
		if (rc == LIBUSB_ERROR_BUSY)
			usbdev_problem(u, DEV_ST_BUSY, "%s: in use by another program", u->addr);
		else
			usbdev_problem(u, DEV_ST_ERROR, "%s: cannot claim it: %s", u->addr,
			    libusb_strerror(rc));
		return;
	}
	if (u->drv->open(u) != 0) {
		snprintf(why, sizeof why, "the %s driver could not set it up", u->drv->name);
		goto fail_claim;
	}
	u->role = u->drv->role;
	u->phase = USB_OPEN;
	u->errors = 0;
	if (u->ep_in != 0) {
		if ((u->in = libusb_alloc_transfer(0)) == NULL) {
			snprintf(why, sizeof why, "out of memory");
			goto fail_driver;
		}
		if (u->in_type == LIBUSB_TRANSFER_TYPE_BULK)
			libusb_fill_bulk_transfer(u->in, u->h, u->ep_in, u->inbuf, u->in_size,
			    usbdev_in_cb, u, 0);
		else
			libusb_fill_interrupt_transfer(u->in, u->h, u->ep_in, u->inbuf, u->in_size,
			    usbdev_in_cb, u, 0);
		if ((rc = libusb_submit_transfer(u->in)) != 0) {
			snprintf(why, sizeof why, "cannot read it: %s", libusb_strerror(rc));
			goto fail_driver;
		}
		u->in_busy = 1;
	}
	usbdev_set_state(u, DEV_ST_READY, "");
	u->left_posted = 0;
	u->arrived_posted = 1;
	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_ARRIVED;
	snprintf(ev.text, sizeof ev.text, "%s", u->name);
	usbdev_post(u, &ev);
	return;
fail_driver:
	u->phase = USB_PENDING;
	libusb_free_transfer(u->in);
	u->in = NULL;
	if (u->drv->close != NULL)
		u->drv->close(u);
fail_claim:
	libusb_release_interface(u->h, u->iface);
	if (u->kernel_detached)
		libusb_attach_kernel_driver(u->h, u->iface);
	u->kernel_detached = 0;
fail:
	libusb_free_config_descriptor(cfg);
	libusb_close(u->h);
	u->h = NULL;
	u->drv = NULL;
	u->phase = USB_PENDING;
	u->retry_ms = usbdev_now_ms() + 10 * RETRY_MS;
	usbdev_problem(u, DEV_ST_ERROR, "%s: %s", u->addr, why);
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
		usbdev_close_start(u, 0);
		break;
	case USB_CLOSING:
		u->reopen = 0;
		break;
	case USB_PENDING:
		usbdev_absent(u);
		usbdev_post_left(u);
		usbdev_set_state(u, DEV_ST_ABSENT, "");
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
	return c->addr.kind == DEVURI_USB && c->addr.vid == u->vid && c->addr.pid == u->pid;
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
		usbdev_close_start(u, 0);
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

/* Scanners on file descriptors. */

static void
fddev_post(struct fddev *f, struct dev_event *ev)
{
	snprintf(ev->dev, sizeof ev->dev, "%s", f->addr);
	snprintf(ev->driver, sizeof ev->driver, "%s", f->kind == DEVURI_HID ?
	    "scanner-evdev" : "scanner-tty");
	ev->role = DEV_ROLE_SCANNER;
	devices_push(f->owner, ev);
}

static void
fddev_state(struct fddev *f, enum dev_state st, const char *msg, int post)
{
	struct dev_event ev;
	int same;

	pthread_mutex_lock(&f->owner->mu);
	same = f->state == st && strcmp(f->msg, msg) == 0;
	f->state = st;
	devices_copy(f->msg, sizeof f->msg, msg);
	pthread_mutex_unlock(&f->owner->mu);
	if (post && !same && msg[0] != '\0') {
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_ERROR;
		snprintf(ev.text, sizeof ev.text, "%s", msg);
		fddev_post(f, &ev);
	}
}

static void
fddev_emit(void *ctx, const char *text, size_t len, int overflow)
{
	struct fddev *f = ctx;
	struct dev_event ev;

	memset(&ev, 0, sizeof ev);
	if (overflow) {
		ev.kind = DEV_EV_ERROR;
		snprintf(ev.text, sizeof ev.text, "a scan longer than %d characters was dropped",
		    DEV_SCAN_MAX - 1);
	} else {
		ev.kind = DEV_EV_SCAN;
		memcpy(ev.text, text, len);
		if (len >= 3 && text[0] == ']')
			memcpy(ev.symbology, text, 3);
	}
	fddev_post(f, &ev);
}

/* Wait up to ms for the stop signal; 1 when stopping. */
static int
fddev_sleep(struct fddev *f, int ms)
{
	struct pollfd p = { .fd = f->owner->wakefd, .events = POLLIN };

	return poll(&p, 1, ms) > 0 || atomic_load(&f->owner->stop);
}

static void
fddev_read(struct fddev *f, int fd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN }, { .fd = f->owner->wakefd, .events = POLLIN },
	};
	struct input_event iev[32];
	char buf[512];
	ssize_t n;
	int r, i;

	for (;;) {
		int wait = f->kind == DEVURI_TTY && f->line.len > 0 ? SCAN_TTY_IDLE_MS : 1000;

		r = poll(p, 2, wait);
		if (atomic_load(&f->owner->stop) || (r > 0 && p[1].revents))
			return;
		if (r == 0) {
			if (f->kind == DEVURI_TTY)
				scan_tty_idle(&f->line, fddev_emit, f);
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (f->kind == DEVURI_HID)
			n = read(fd, iev, sizeof iev);
		else
			n = read(fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return;             /* unplugged: EOF, EIO or ENODEV */
		if (f->kind == DEVURI_HID) {
			for (i = 0; i < (int)((size_t)n / sizeof iev[0]); i++)
				scan_evdev_feed(&f->kbd, &iev[i], fddev_emit, f);
		} else {
			scan_tty_feed(&f->line, buf, (size_t)n, fddev_emit, f);
		}
	}
}

static void *
fddev_thread(void *arg)
{
	struct fddev *f = arg;
	struct dev_event ev;
	char err[200], warn[200];
	int fd;

	while (!atomic_load(&f->owner->stop)) {
		warn[0] = '\0';
		if (f->kind == DEVURI_HID)
			fd = scan_evdev_open(f->path, f->owner->no_grab, err, sizeof err, warn,
			    sizeof warn);
		else
			fd = scan_tty_open(f->path, err, sizeof err);
		if (fd < 0) {
			if (errno == EACCES || errno == EPERM) {
				char msg[300];

				snprintf(msg, sizeof msg, "%s: no permission to open it; install the udev "
				    "rule data/udev/70-packbench.rules", f->addr);
				fddev_state(f, DEV_ST_NO_ACCESS, msg, 1);
			} else {
				fddev_state(f, errno == ENOENT || errno == ENODEV || errno == ENXIO ?
				    DEV_ST_ABSENT : DEV_ST_ERROR, err, errno != ENOENT);
			}
			if (fddev_sleep(f, RETRY_MS))
				break;
			continue;
		}
		kbd_init(&f->kbd);
		scan_tty_init(&f->line);
		fddev_state(f, DEV_ST_READY, warn, 1);
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_ARRIVED;
		fddev_post(f, &ev);
		fddev_read(f, fd);
		close(fd);
		if (atomic_load(&f->owner->stop))
			break;
		fddev_state(f, DEV_ST_ABSENT, "", 0);
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_LEFT;
		fddev_post(f, &ev);
		if (fddev_sleep(f, 200))
			break;
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
	if ((rc = libusb_init(&d->ctx)) != 0) {
		snprintf(err, errlen, "devices: cannot start libusb: %s", libusb_strerror(rc));
		d->ctx = NULL;
		goto fail;
	}
	if (!(d->has_only && d->only.kind != DEVURI_USB)) {
		if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
			snprintf(err, errlen, "devices: this libusb cannot report plugging in");
			goto fail;
		}
		rc = libusb_hotplug_register_callback(d->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
		    LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, LIBUSB_HOTPLUG_ENUMERATE,
		    LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
		    devices_hotplug, d, &d->hp);
		if (rc != 0) {
			snprintf(err, errlen, "devices: cannot watch USB: %s", libusb_strerror(rc));
			goto fail;
		}
		d->hp_registered = 1;
	}
	if (pthread_create(&d->thr, NULL, devices_thread, d) != 0) {
		snprintf(err, errlen, "devices: cannot start the device thread");
		goto fail;
	}
	d->thr_started = 1;
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
		found = u->state == DEV_ST_READY && u->role == role && devices_addr_match(c, u);
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

int
devices_status(struct devices *d, struct dev_status *out, int max)
{
	struct usbdev *u;
	struct fddev *f;
	int n = 0;

	pthread_mutex_lock(&d->mu);
	for (u = d->usb; u != NULL; u = u->next, n++) {
		if (n >= max)
			continue;
		memset(&out[n], 0, sizeof out[n]);
		snprintf(out[n].dev, sizeof out[n].dev, "%s", u->addr);
		snprintf(out[n].driver, sizeof out[n].driver, "%s", usbdev_driver_name(u));
		out[n].role = u->role;
		out[n].state = u->state;
		out[n].printer = u->printer;
		snprintf(out[n].msg, sizeof out[n].msg, "%s", u->msg);
	}
	for (f = d->fds; f != NULL; f = f->next, n++) {
		if (n >= max)
			continue;
		memset(&out[n], 0, sizeof out[n]);
		snprintf(out[n].dev, sizeof out[n].dev, "%s", f->addr);
		snprintf(out[n].driver, sizeof out[n].driver, "%s", f->kind == DEVURI_HID ?
		    "scanner-evdev" : "scanner-tty");
		out[n].role = DEV_ROLE_SCANNER;
		out[n].state = f->state;
		snprintf(out[n].msg, sizeof out[n].msg, "%s", f->msg);
	}
	pthread_mutex_unlock(&d->mu);
	return n;
}

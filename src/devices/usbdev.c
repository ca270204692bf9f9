/*
 * usbdev.c — one USB device slot on the device thread (see usbdev.h): opening it (the
 * driver and interface chosen, the kernel driver detached only when one is bound, the
 * interface claimed), the IN transfer kept running, writes and control requests for the
 * drivers, and closing once every transfer has come back.
 */
#include "usbdev.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices_int.h"

int64_t
usbdev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
usbdev_set_state(struct usbdev *u, enum dev_state st, const char *msg)
{
	pthread_mutex_lock(&u->owner->mu);
	u->state = st;
	devices_copy(u->msg, sizeof u->msg, msg);
	devices_copy(u->st_driver, sizeof u->st_driver, usbdev_driver_name(u));
	u->st_role = u->role;
	pthread_mutex_unlock(&u->owner->mu);
}

const char *
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
	devices_copy(u->st_driver, sizeof u->st_driver, usbdev_driver_name(u));
	u->st_role = u->role;
	pthread_mutex_unlock(&u->owner->mu);
	if (!same)
		usbdev_post(u, &ev);
}

/* Transfers. */

int
usbdev_inflight(const struct usbdev *u)
{
	int i, n = u->in != NULL && u->in_busy;

	for (i = 0; i < USBDEV_XFERS; i++)
		n += u->xfers[i] != NULL;
	return n;
}

/* Reading went wrong: say so, close, and open it again after a while. */
static void
usbdev_fail(struct usbdev *u, const char *what, int rc)
{
	char msg[160];

	snprintf(msg, sizeof msg, "%s: %s (%s); opening it again", u->addr, what,
	    libusb_error_name(rc));
	usbdev_error(u, "%s", msg);
	usbdev_close_start(u, 1, msg);
}

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
		usbdev_close_start(u, 1, NULL);
		return;
	default:                        /* error, stall, overflow */
		if (++u->errors >= 5) {
			usbdev_fail(u, "reading failed 5 times", t->status == LIBUSB_TRANSFER_STALL ?
			    LIBUSB_ERROR_PIPE : LIBUSB_ERROR_IO);
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
		usbdev_fail(u, "cannot read it", rc);
	else
		usbdev_close_start(u, 1, NULL);
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
	if (u->drv != NULL && u->drv->done != NULL)     /* cancelled too: a job is lost */
		u->drv->done(u, tag, ok, data, len);
	if (t->status == LIBUSB_TRANSFER_NO_DEVICE)
		usbdev_close_start(u, 1, NULL);
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

void
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
void
usbdev_close_start(struct usbdev *u, int reopen, const char *why)
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
	/* The state before the event: the UI may ask on seeing it. */
	usbdev_set_state(u, why != NULL ? DEV_ST_ERROR : DEV_ST_ABSENT, why != NULL ? why : "");
	usbdev_post_left(u);
}

void
usbdev_absent(struct usbdev *u)
{
	if (u->dev != NULL)
		libusb_unref_device(u->dev);
	u->dev = NULL;
	u->phase = USB_ABSENT;
}

void
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

void
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

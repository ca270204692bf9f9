/*
 * printer_usb.c — the USB printer class (interface class 7): the device-thread driver
 * and the one-off synchronous send (see printer_usb.h).
 */
#include "printer_usb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb.h>

#include "usbdev.h"

#define TAG_JOB 1
#define TAG_HS 2
#define TAG_PORT 3

#define HS_TIMEOUT_MS 3000

static int
hs_field(const char *s, size_t n, int idx)
{
	size_t i;
	int f = 0;

	for (i = 0; i < n && f < idx; i++) {
		if (s[i] == ',')
			f++;
	}
	if (f < idx || i >= n)
		return -1;
	return s[i] == '1' ? 1 : s[i] == '0' ? 0 : -1;
}

int
printer_usb_parse_hs(const char *buf, size_t len, unsigned *flags)
{
	const char *seg[3];
	size_t seglen[3], i = 0;
	int nseg = 0, paper, pause, head, ribbon;

	while (nseg < 3) {
		size_t start;

		while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
			i++;
		if (i == len)
			return 0;
		if (buf[i] != 0x02)
			return -1;
		start = ++i;
		while (i < len && buf[i] != 0x03) {
			if (buf[i] == 0x02)
				return -1;
			i++;
		}
		if (i == len)
			return 0;
		seg[nseg] = buf + start;
		seglen[nseg++] = i - start;
		i++;
	}
	paper = hs_field(seg[0], seglen[0], 1);
	pause = hs_field(seg[0], seglen[0], 2);
	head = hs_field(seg[1], seglen[1], 2);
	ribbon = hs_field(seg[1], seglen[1], 3);
	if (paper < 0 || pause < 0 || head < 0 || ribbon < 0)
		return -1;
	*flags = (paper ? DEV_PRN_PAPER_OUT : 0) | (pause ? DEV_PRN_PAUSED : 0) |
	    (head ? DEV_PRN_HEAD_OPEN : 0) | (ribbon ? DEV_PRN_RIBBON_OUT : 0);
	return 1;
}

unsigned
printer_usb_port_flags(unsigned char status)
{
	return ((status & 0x20) ? DEV_PRN_PAPER_OUT : 0) |
	    (!(status & 0x10) ? DEV_PRN_PAUSED : 0) |
	    (!(status & 0x08) && !(status & 0x20) ? DEV_PRN_ERROR : 0);
}

struct prn {
	char rx[512];
	size_t rxlen;
	int64_t next_ms;            /* next status request */
	int64_t asked_ms;           /* 0 when no answer is awaited */
	int known;                  /* a status was posted */
	int silent;                 /* unanswered requests in a row */
	unsigned flags;
	int poll_ms;
};

static int
prn_match(const struct libusb_interface_descriptor *alt)
{
	return alt->bInterfaceClass == LIBUSB_CLASS_PRINTER;
}

static int
prn_open(struct usbdev *u)
{
	struct prn *p = calloc(1, sizeof *p);

	if (p == NULL)
		return -1;
	p->poll_ms = devices_printer_poll_ms(u->owner);
	u->priv = p;
	return 0;
}

static void
prn_status(struct usbdev *u, unsigned flags)
{
	struct prn *p = u->priv;
	struct dev_event ev;

	p->asked_ms = 0;
	p->silent = 0;
	if (p->known && flags == p->flags)
		return;
	p->known = 1;
	p->flags = flags;
	usbdev_set_printer(u, flags);
	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_PRINTER;
	ev.printer = flags;
	usbdev_post(u, &ev);
}

static void
prn_input(struct usbdev *u, const uint8_t *buf, int len)
{
	struct prn *p = u->priv;
	unsigned flags;
	int rc;

	if ((size_t)len > sizeof p->rx - p->rxlen)
		p->rxlen = 0;           /* garbage: start again */
	if ((size_t)len > sizeof p->rx)
		return;
	memcpy(p->rx + p->rxlen, buf, (size_t)len);
	p->rxlen += (size_t)len;
	rc = printer_usb_parse_hs(p->rx, p->rxlen, &flags);
	if (rc == 0)
		return;
	p->rxlen = 0;
	if (rc > 0)
		prn_status(u, flags);
}

static void
prn_done(struct usbdev *u, int tag, int ok, const uint8_t *data, int len)
{
	struct dev_event ev;

	if (tag == TAG_JOB) {
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_PRINTED;
		ev.ok = ok;
		if (!ok)
			snprintf(ev.text, sizeof ev.text, "the printer did not take the job");
		usbdev_post(u, &ev);
		if (ok)                 /* ask how it is doing soon after a job */
			((struct prn *)u->priv)->next_ms = usbdev_now_ms() + 500;
	} else if (tag == TAG_PORT) {
		if (ok && len >= 1)
			prn_status(u, printer_usb_port_flags(data[0]));
		else
			((struct prn *)u->priv)->asked_ms = 0;
	}
}

static void
prn_tick(struct usbdev *u, int64_t now)
{
	struct prn *p = u->priv;

	if (p->asked_ms != 0) {
		if (now - p->asked_ms < HS_TIMEOUT_MS)
			return;
		p->asked_ms = 0;        /* no answer: maybe a printer that never answers */
		p->rxlen = 0;
		p->silent++;
	}
	if (now < p->next_ms)
		return;
	/* Printers that leave ~HS unanswered three times are asked less often. */
	p->next_ms = now + (p->silent >= 3 ? 60000 : p->poll_ms);
	if (u->ep_in != 0) {
		if (usbdev_write(u, "~HS", 3, TAG_HS) == 0)
			p->asked_ms = now;
	} else if (usbdev_control(u, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS |
	    LIBUSB_RECIPIENT_INTERFACE, 1, 0, (uint16_t)u->iface, NULL, 1,
	    TAG_PORT) == 0) {
		p->asked_ms = now;
	}
}

static void
prn_close(struct usbdev *u)
{
	free(u->priv);
	u->priv = NULL;
}

int
printer_usb_print(struct usbdev *u, const void *data, size_t len)
{
	return usbdev_write(u, data, len, TAG_JOB);
}

const struct usb_driver printer_usb_driver = {
	.name = "printer-usb",
	.role = DEV_ROLE_PRINTER,
	.match = prn_match,
	.open = prn_open,
	.input = prn_input,
	.done = prn_done,
	.tick = prn_tick,
	.close = prn_close,
};

/* The one-off send. */

static libusb_device_handle *
send_open(libusb_context *ctx, unsigned vid, unsigned pid, const char *serial, char *err,
    size_t errlen)
{
	libusb_device **list;
	libusb_device_handle *h = NULL;
	ssize_t n, i;
	int found = 0, rc = 0;

	if ((n = libusb_get_device_list(ctx, &list)) < 0) {
		snprintf(err, errlen, "usb:%04x:%04x: %s", vid, pid, libusb_strerror((int)n));
		return NULL;
	}
	for (i = 0; i < n && h == NULL; i++) {
		struct libusb_device_descriptor dd;
		unsigned char sn[128];

		if (libusb_get_device_descriptor(list[i], &dd) != 0 || dd.idVendor != vid ||
		    dd.idProduct != pid)
			continue;
		found = 1;
		if ((rc = libusb_open(list[i], &h)) != 0)
			continue;
		if (serial != NULL && serial[0] != '\0' && (dd.iSerialNumber == 0 ||
		    libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, sn, sizeof sn) < 0 ||
		    strcmp((char *)sn, serial) != 0)) {
			libusb_close(h);
			h = NULL;
			found = 0;
		}
	}
	libusb_free_device_list(list, 1);
	if (h != NULL)
		return h;
	if (!found)
		snprintf(err, errlen, "usb:%04x:%04x%s%s: no such printer connected", vid, pid,
		    serial && *serial ? ":" : "", serial ? serial : "");
	else if (rc == LIBUSB_ERROR_ACCESS)
		snprintf(err, errlen, "usb:%04x:%04x: no permission to open it; %s", vid, pid,
		    DEV_UDEV_HINT);
	else
		snprintf(err, errlen, "usb:%04x:%04x: %s", vid, pid, libusb_strerror(rc));
	return NULL;
}

/* The printer interface and its bulk OUT endpoint; -1 when there is none. */
static int
send_find(libusb_device_handle *h, int *iface, unsigned char *ep)
{
	struct libusb_config_descriptor *cfg;
	int i, e, rc = -1;

	if (libusb_get_active_config_descriptor(libusb_get_device(h), &cfg) != 0)
		return -1;
	for (i = 0; i < cfg->bNumInterfaces && rc < 0; i++) {
		const struct libusb_interface_descriptor *alt;

		if (cfg->interface[i].num_altsetting < 1)
			continue;
		alt = &cfg->interface[i].altsetting[0];
		if (alt->bInterfaceClass != LIBUSB_CLASS_PRINTER)
			continue;
		for (e = 0; e < alt->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ed = &alt->endpoint[e];

			if ((ed->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK &&
			    !(ed->bEndpointAddress & LIBUSB_ENDPOINT_IN)) {
				*iface = alt->bInterfaceNumber;
				*ep = ed->bEndpointAddress;
				rc = 0;
				break;
			}
		}
	}
	libusb_free_config_descriptor(cfg);
	return rc;
}

int
printer_usb_send(unsigned vid, unsigned pid, const char *serial, const void *data,
    size_t len, char *err, size_t errlen)
{
	libusb_context *ctx;
	libusb_device_handle *h;
	const unsigned char *p = data;
	unsigned char ep = 0;
	int iface = 0, detached = 0, rc, sent;
	size_t done = 0;

	if ((rc = libusb_init(&ctx)) != 0) {
		snprintf(err, errlen, "usb: cannot start libusb: %s", libusb_strerror(rc));
		return -1;
	}
	if ((h = send_open(ctx, vid, pid, serial, err, errlen)) == NULL)
		goto fail_ctx;
	if (send_find(h, &iface, &ep) != 0) {
		snprintf(err, errlen, "usb:%04x:%04x: not a USB printer (no printer interface "
		    "with a bulk OUT endpoint)", vid, pid);
		goto fail_open;
	}
	if (libusb_kernel_driver_active(h, iface) == 1) {
		if (libusb_detach_kernel_driver(h, iface) == 0)
			detached = 1;
	}
	if ((rc = libusb_claim_interface(h, iface)) != 0) {
		snprintf(err, errlen, "usb:%04x:%04x: cannot claim the printer: %s%s", vid, pid,
		    libusb_strerror(rc), rc == LIBUSB_ERROR_BUSY ? " (in use by another program)" :
		    "");
		goto fail_detach;
	}
	while (done < len) {
		int chunk = len - done > 65536 ? 65536 : (int)(len - done);

		sent = 0;
		rc = libusb_bulk_transfer(h, ep, (unsigned char *)(uintptr_t)(p + done), chunk,
		    &sent, 10000);
		done += (size_t)sent;
		if (rc != 0 && sent == 0) {
			snprintf(err, errlen, "usb:%04x:%04x: sent %zu of %zu bytes: %s", vid, pid,
			    done, len, libusb_strerror(rc));
			goto fail_claim;
		}
	}
	libusb_release_interface(h, iface);
	if (detached)
		libusb_attach_kernel_driver(h, iface);
	libusb_close(h);
	libusb_exit(ctx);
	return 0;
fail_claim:
	libusb_release_interface(h, iface);
fail_detach:
	if (detached)
		libusb_attach_kernel_driver(h, iface);
fail_open:
	libusb_close(h);
fail_ctx:
	libusb_exit(ctx);
	return -1;
}

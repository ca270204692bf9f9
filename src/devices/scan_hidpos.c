/* scan_hidpos.c — HID POS scanner decoding and its libusb driver (see scan_hidpos.h). */
#include "scan_hidpos.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbdev.h"

#define HIDPOS_REPORT 64

void
hidpos_init(struct hidpos *h)
{
	memset(h, 0, sizeof *h);
}

static int
hidpos_aim(const uint8_t *p)
{
	return p[0] == ']' && isalpha(p[1]) && isalnum(p[2]);
}

int
hidpos_report(struct hidpos *h, const uint8_t *rep, size_t len, char *text, size_t textlen,
    char aim[4])
{
	size_t off, n, room;
	int more;

	if (len < 2 || rep[0] != 0x02)
		return 0;
	more = len >= HIDPOS_REPORT && rep[HIDPOS_REPORT - 1] != 0;
	if (h->off == 0) {
		/* The first report of a scan says where the AIM id is: at [2], or at [3]. */
		h->off = 5;
		if (len >= 5 && hidpos_aim(rep + 2)) {
			memcpy(h->aim, rep + 2, 3);
		} else if (len >= 6 && hidpos_aim(rep + 3)) {
			memcpy(h->aim, rep + 3, 3);
			h->off = 6;
		}
		h->aim[3] = '\0';
	}
	off = h->off;
	/* Data runs to the length byte, the report's end, or byte 63 (the flag). */
	room = len > off ? len - off : 0;
	if (len >= HIDPOS_REPORT)
		room = HIDPOS_REPORT - 1 - off;
	n = rep[1] < room ? rep[1] : room;
	if (h->len + n + 4 > sizeof h->buf) {
		h->overflow = 1;
	} else {
		memcpy(h->buf + h->len, rep + off, n);
		h->len += n;
	}
	if (more)
		return 0;
	if (h->overflow) {
		hidpos_init(h);
		return -1;
	}
	while (h->len > 0 && (h->buf[h->len - 1] == '\r' || h->buf[h->len - 1] == '\n'))
		h->len--;
	snprintf(aim, 4, "%s", h->aim);
	n = strlen(aim);
	if (n + h->len + 1 > textlen) {
		hidpos_init(h);
		return -1;
	}
	memcpy(text, aim, n);
	memcpy(text + n, h->buf, h->len);
	text[n + h->len] = '\0';
	hidpos_init(h);
	return 1;
}

/* The libusb driver: a HID interface that is not a boot keyboard. */

static int
hidpos_match(const struct libusb_interface_descriptor *alt)
{
	return alt->bInterfaceClass == LIBUSB_CLASS_HID &&
	    !(alt->bInterfaceSubClass == 1 && alt->bInterfaceProtocol == 1);
}

static int
hidpos_open(struct usbdev *u)
{
	struct hidpos *h = malloc(sizeof *h);

	if (h == NULL)
		return -1;
	hidpos_init(h);
	u->priv = h;
	return 0;
}

static void
hidpos_input(struct usbdev *u, const uint8_t *buf, int len)
{
	struct dev_event ev;
	int rc;

	memset(&ev, 0, sizeof ev);
	rc = hidpos_report(u->priv, buf, (size_t)len, ev.text, sizeof ev.text, ev.symbology);
	if (rc < 0)
		usbdev_error(u, "a scan longer than %d characters was dropped", DEV_SCAN_MAX - 1);
	if (rc <= 0)
		return;
	ev.kind = DEV_EV_SCAN;
	usbdev_post(u, &ev);
}

static void
hidpos_close(struct usbdev *u)
{
	free(u->priv);
	u->priv = NULL;
}

const struct usb_driver scan_hidpos_driver = {
	.name = "scanner-hidpos",
	.role = DEV_ROLE_SCANNER,
	.match = hidpos_match,
	.open = hidpos_open,
	.input = hidpos_input,
	.close = hidpos_close,
};

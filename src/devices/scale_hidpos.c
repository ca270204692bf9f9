/*
 * scale_hidpos.c — HID POS scale driver. Report: [0] id 3 (or 4), [1] status, [2] unit,
 * [3] exponent (signed power of ten), [4-5] weight little endian. The first reading after
 * opening may be stale and is dropped; afterwards a reading is posted when it differs
 * from the last one. Zero: output report 2 with bit 1 set, out the interrupt endpoint,
 * or as SET_REPORT when the scale has none.
 */
#include "scale_hidpos.h"

#include <stdlib.h>
#include <string.h>

#include "usbdev.h"

/* Nanograms per unit, by HID POS unit code. */
static const long double unit_ng[] = {
	[1] = 1e6L,                 /* milligram */
	[2] = 1e9L,                 /* gram */
	[3] = 1e12L,                /* kilogram */
	[4] = 2e8L,                 /* carat */
	[5] = 37799364167.0L,       /* tael (Hong Kong, 37.799 g) */
	[6] = 64798910.0L,          /* grain */
	[7] = 1555173840.0L,        /* pennyweight */
	[8] = 1e15L,                /* metric ton */
	[9] = 907184740000000.0L,   /* short ton */
	[10] = 31103476800.0L,      /* troy ounce */
	[11] = 28349523125.0L,      /* ounce */
	[12] = 453592370000.0L,     /* pound */
};

static const char *const unit_names[] = {
	[1] = "mg", [2] = "g", [3] = "kg", [4] = "ct", [5] = "tael", [6] = "gr", [7] = "dwt",
	[8] = "t", [9] = "ton", [10] = "ozt", [11] = "oz", [12] = "lb",
};

const char *
dev_unit_name(int unit)
{
	if (unit < 1 || unit > 12)
		return "?";
	return unit_names[unit];
}

int
scale_hidpos_decode(const uint8_t *rep, size_t len, struct dev_weight *w)
{
	long double v;
	int e;

	memset(w, 0, sizeof *w);
	if (len < 1 || (rep[0] != 3 && rep[0] != 4))
		return 0;
	if (len < 6 || rep[1] < DEV_SCALE_FAULT || rep[1] > DEV_SCALE_REZERO || rep[2] < 1 ||
	    rep[2] > 12)
		return -1;
	w->status = (enum dev_scale_status)rep[1];
	w->unit = rep[2];
	w->exponent = (int8_t)rep[3];
	w->raw = (unsigned)rep[4] | (unsigned)rep[5] << 8;
	w->final = w->status == DEV_SCALE_STABLE;
	switch (w->status) {
	case DEV_SCALE_ZERO:
	case DEV_SCALE_MOTION:
	case DEV_SCALE_STABLE:
	case DEV_SCALE_UNDER_ZERO:
		break;
	default:                    /* fault, over, calibrate, re-zero: no weight to trust */
		return 1;
	}
	v = (long double)w->raw * unit_ng[w->unit] / 1e6L;     /* milligrams */
	for (e = w->exponent; e > 0; e--)
		v *= 10;
	for (e = w->exponent; e < 0; e++)
		v /= 10;
	if (v > 9e15L)              /* beyond any scale; keep the arithmetic defined */
		v = 9e15L;
	w->mg = (int64_t)(v + 0.5L);
	w->g = (w->mg + 500) / 1000;
	if (w->status == DEV_SCALE_UNDER_ZERO) {
		w->mg = -w->mg;
		w->g = -w->g;
	}
	if (w->status == DEV_SCALE_ZERO)
		w->mg = w->g = 0;
	return 1;
}

struct scale {
	int seen;                   /* reports read since opening */
	int have_last;
	struct dev_weight last;
};

static int
scale_match(const struct libusb_interface_descriptor *alt)
{
	return alt->bInterfaceClass == LIBUSB_CLASS_HID;
}

static int
scale_open(struct usbdev *u)
{
	/* SET_IDLE 0: report on change only, where the scale allows; STALL is fine. */
	if (libusb_control_transfer(u->h, LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS |
	    LIBUSB_RECIPIENT_INTERFACE, 0x0a, 0, (uint16_t)u->iface, NULL, 0, 500) < 0) {
		/* many scales do not implement it */
	}
	u->priv = calloc(1, sizeof(struct scale));
	return u->priv != NULL ? 0 : -1;
}

static void
scale_input(struct usbdev *u, const uint8_t *buf, int len)
{
	struct scale *s = u->priv;
	struct dev_event ev;
	struct dev_weight w;
	int rc = scale_hidpos_decode(buf, (size_t)len, &w);

	if (rc == 0)
		return;
	if (rc < 0) {
		usbdev_error(u, "scale sent a report packbench cannot read (%d bytes, status %d, "
		    "unit %d)", len, len > 1 ? buf[1] : -1, len > 2 ? buf[2] : -1);
		return;
	}
	if (s->seen++ == 0)         /* the first reading can be stale */
		return;
	if (s->have_last && w.status == s->last.status && w.raw == s->last.raw &&
	    w.unit == s->last.unit && w.exponent == s->last.exponent)
		return;
	s->last = w;
	s->have_last = 1;
	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_WEIGHT;
	ev.weight = w;
	usbdev_post(u, &ev);
}

static void
scale_done(struct usbdev *u, int tag, int ok, const uint8_t *data, int len)
{
	if (!ok)
		usbdev_error(u, "the scale did not take the zero command");
}

static void
scale_close(struct usbdev *u)
{
	free(u->priv);
	u->priv = NULL;
}

int
scale_hidpos_zero(struct usbdev *u)
{
	static const uint8_t rep[2] = { 0x02, 0x02 };

	if (u->ep_out != 0)
		return usbdev_write(u, rep, sizeof rep, 1);
	return usbdev_control(u, LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS |
	    LIBUSB_RECIPIENT_INTERFACE, 0x09, 0x0202, (uint16_t)u->iface, rep, sizeof rep, 1);
}

const struct usb_driver scale_hidpos_driver = {
	.name = "scale-hidpos",
	.role = DEV_ROLE_SCALE,
	.match = scale_match,
	.open = scale_open,
	.input = scale_input,
	.done = scale_done,
	.close = scale_close,
};

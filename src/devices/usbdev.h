/*
 * usbdev.h — inside the device thread: one USB device slot (present or not) and the
 * driver interface each USB driver fills in (scale_hidpos.c, scan_kbd.c,
 * scan_hidpos.c, printer_usb.c). usbdev.c opens and claims, keeps an IN transfer
 * running and hands the driver what arrives; drivers decode and post events. Every
 * function here runs on the device thread.
 */
#ifndef PB_USBDEV_H
#define PB_USBDEV_H

#include <stdint.h>

#include <libusb.h>

#include "devices.h"
#include "devtable.h"

#define USBDEV_XFERS 8              /* writes and control requests in flight */

struct devices;
struct usbdev;

struct usb_driver {
	const char *name;               /* as in devices.conf */
	enum dev_role role;
	/* 1 when this interface (alternate setting 0) is one the driver can drive. */
	int (*match)(const struct libusb_interface_descriptor *alt);
	/* After the claim: set up the device, allocate priv. 0, or -1 (msg set). */
	int (*open)(struct usbdev *u);
	/* Data from the IN endpoint. */
	void (*input)(struct usbdev *u, const uint8_t *buf, int len);
	/* A usbdev_write or usbdev_control finished; ok 0 on failure. */
	void (*done)(struct usbdev *u, int tag, int ok, const uint8_t *data, int len);
	/* Called every loop of the device thread (at least every 100 ms). */
	void (*tick)(struct usbdev *u, int64_t now_ms);
	/* Free priv. The handle is still open, transfers are over. */
	void (*close)(struct usbdev *u);
};

enum usbdev_phase {
	USB_ABSENT,                     /* not plugged in (or ignored) */
	USB_PENDING,                    /* plugged in, to be opened at retry_ms */
	USB_OPEN,
	USB_CLOSING,                    /* waiting for transfers before libusb_close */
};

struct usbdev {
	struct devices *owner;
	struct usbdev *next;
	const struct usb_driver *drv;   /* NULL until opened */
	enum devtable_driver tdrv;      /* what the table (or config) said */
	enum dev_role role;
	char addr[DEV_ADDR_MAX];        /* usb:VID:PID */
	char name[64];
	unsigned vid, pid;
	char serial[64];                /* wanted serial (from the address), "" = any */

	libusb_device *dev;             /* referenced while plugged in */
	libusb_device_handle *h;
	enum usbdev_phase phase;
	int reopen;                     /* close, then open again (transfer errors) */
	int64_t retry_ms;
	int kernel_detached;
	int arrived_posted;             /* DEV_EV_ARRIVED sent, no LEFT since */
	int left_posted;                /* DEV_EV_LEFT sent for this absence */
	int64_t close_ms;               /* when closing began */
	int errors;                     /* IN errors in a row */

	int iface;
	uint8_t ep_in, ep_out;          /* 0 when absent */
	uint8_t in_type;                /* LIBUSB_TRANSFER_TYPE_INTERRUPT or _BULK */
	uint8_t out_type;
	int in_size;
	struct libusb_transfer *in;
	int in_busy;                    /* in is submitted */
	uint8_t inbuf[512];
	struct libusb_transfer *xfers[USBDEV_XFERS];    /* writes, control requests */
	int xtags[USBDEV_XFERS];

	/* What devices_status shows; written under the owner's lock. */
	enum dev_state state;
	unsigned printer;
	char msg[160];
	char st_driver[24];             /* driver and role as of the last state change */
	enum dev_role st_role;

	void *priv;                     /* the driver's */
};

/* Post an event from this device (dev, driver, role and time filled in here). */
void usbdev_post(struct usbdev *u, struct dev_event *ev);
/* Post DEV_EV_ERROR with a message, and keep it as the status message. */
void usbdev_error(struct usbdev *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Remember the printer flags for devices_status. */
void usbdev_set_printer(struct usbdev *u, unsigned flags);
/* Send data out the OUT endpoint (copied). 0 submitted, -1 not (no endpoint, busy). */
int usbdev_write(struct usbdev *u, const void *data, size_t len, int tag);
/* A control request; IN when rt has LIBUSB_ENDPOINT_IN (len bytes asked), else data
 * (len bytes) goes out. 0 submitted, -1 not. */
int usbdev_control(struct usbdev *u, uint8_t rt, uint8_t req, uint16_t value,
    uint16_t index, const void *data, uint16_t len, int tag);
/* CLOCK_MONOTONIC in milliseconds. */
int64_t usbdev_now_ms(void);
/* The configured printer status period (devices.c). */
int devices_printer_poll_ms(const struct devices *d);

/* For devices.c: the slot's life cycle on the device thread. */
void usbdev_open(struct usbdev *u);
/* Cancel what is in flight; usbdev_close_finish once usbdev_inflight is 0. reopen: open
 * it again afterwards, else it is absent (unplugged). why: the error that closes it (the
 * state shown is then an error), NULL when it went away. */
void usbdev_close_start(struct usbdev *u, int reopen, const char *why);
void usbdev_close_finish(struct usbdev *u);
int usbdev_inflight(const struct usbdev *u);
/* Drop the libusb device: not plugged in. */
void usbdev_absent(struct usbdev *u);
/* Post DEV_EV_LEFT unless already posted for this absence. */
void usbdev_post_left(struct usbdev *u);
/* Status for devices_status, under the owner's lock. */
void usbdev_set_state(struct usbdev *u, enum dev_state st, const char *msg);
const char *usbdev_driver_name(const struct usbdev *u);

extern const struct usb_driver scale_hidpos_driver;
extern const struct usb_driver scan_kbd_driver;
extern const struct usb_driver scan_hidpos_driver;
extern const struct usb_driver printer_usb_driver;

#endif

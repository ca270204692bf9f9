/*
 * test_dev_umock.h — emulated USB devices for the device tests, on umockdev's in-process
 * testbed (the way libusb's own tests/umockdev.c does it): sysfs entries with descriptor
 * blobs, and an ioctl handler per device node that answers usbdevfs (claim, submit, reap,
 * discard). Tests queue what a device sends on an IN endpoint, read back what was sent
 * to it, and plug and unplug it. No root, no kernel USB, no udev.
 */
#ifndef PB_TEST_DEV_UMOCK_H
#define PB_TEST_DEV_UMOCK_H

#include <stddef.h>
#include <stdint.h>

#include "devices/devices.h"

struct um;
struct um_dev;

/* One interface of an emulated device (alternate setting 0). */
struct um_iface {
	uint8_t cls, sub, proto;
	uint8_t ep_in;              /* 0x81..; 0 none */
	uint8_t in_type;            /* 2 bulk, 3 interrupt */
	uint16_t in_max;
	uint8_t ep_out;             /* 0x01..; 0 none */
	uint8_t out_type;
	uint16_t out_max;
};

/* The testbed; call before anything starts libusb. */
struct um *um_new(void);
void um_free(struct um *u);

/* Plug in a device (bus 1, a new address) with these interfaces. Owned by u. */
struct um_dev *um_plug(struct um *u, uint16_t vid, uint16_t pid, const struct um_iface *ifs,
    int nifs);
/* The same with a serial number string (ASCII). */
struct um_dev *um_plug_serial(struct um *u, uint16_t vid, uint16_t pid, const char *serial,
    const struct um_iface *ifs, int nifs);
/* Unplug: pending reads fail with ENODEV, a remove uevent goes out. */
void um_unplug(struct um_dev *d);
/* Plug the same device in again, at a new address. */
void um_replug(struct um_dev *d);

/* Queue one packet the device sends on an IN endpoint. */
void um_in(struct um_dev *d, uint8_t ep, const void *data, size_t len);
/* Queue a read that fails with this errno (EPIPE: a stall, EPROTO...). */
void um_in_error(struct um_dev *d, uint8_t ep, int err);
/* Everything written to an OUT endpoint, in order, without chunks equal to skip (may be
 * NULL); returns the length (data cut at max). */
size_t um_out(struct um_dev *d, uint8_t ep, const char *skip, void *buf, size_t max);
/* Called (on umockdev's thread) for every OUT chunk: lets a test answer like a device. */
void um_on_out(struct um_dev *d, void (*fn)(struct um_dev *d, uint8_t ep,
    const uint8_t *data, size_t len, void *arg), void *arg);
/* The answer to GET_DESCRIPTOR(HID report) and to class IN requests (printer status). */
void um_set_report_desc(struct um_dev *d, const uint8_t *desc, size_t len);
void um_set_port_status(struct um_dev *d, uint8_t status);

/* Interfaces claimed now (bit mask), and control requests seen: count of those with
 * this bRequest and bmRequestType; data of the last such request copied to data. */
unsigned um_claimed(struct um_dev *d);
int um_controls(struct um_dev *d, uint8_t rt, uint8_t req, uint8_t *data, size_t *len);
/* IN reads waiting on ep (the driver is listening). */
int um_reading(struct um_dev *d, uint8_t ep);

/*
 * Wait up to ms for an event of this kind from d (polling fd); others are dropped (and
 * errors printed when verbose). 1 got it, 0 timed out.
 */
int um_event(struct devices *d, int fd, enum dev_event_kind kind, struct dev_event *out,
    int ms);
/* Wait until cond(arg) holds, up to ms; 1 or 0. */
int um_until(int (*cond)(void *arg), void *arg, int ms);

#endif

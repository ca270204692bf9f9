/*
 * devices.h — the packing station's hardware: USB scales, scanners and label printers
 * driven through one libusb context on a device thread, plus scanners read from evdev
 * (hid:) and serial ports (tty:) on a thread each. What they report arrives as plain
 * struct dev_event values in a queue the UI thread drains when an eventfd is readable.
 * Nothing here knows about orders or the screen.
 *
 * Use from the UI thread:
 *
 *	struct devices *d;
 *	int fd;
 *	if (devices_start(&conf, &d, &fd, err, sizeof err) != 0) ...
 *	poll fd for POLLIN, then: while (devices_poll(d, &ev) == 1) handle(&ev);
 *	devices_scale_zero(d, NULL); devices_print(d, NULL, zpl, len);
 *	devices_stop(d);
 *
 * USB devices are matched against the device table (data/devices.conf, compiled in, plus
 * rows from conf->table_file and conf->table_text); every known device plugged in is
 * opened, claimed and driven, and one unplugged and plugged back in is picked up again
 * by itself.
 */
#ifndef PB_DEVICES_H
#define PB_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#define DEV_SCAN_MAX 1024       /* longest scan kept; longer ones are refused */
#define DEV_ADDR_MAX 96

enum dev_role {
	DEV_ROLE_NONE,
	DEV_ROLE_SCANNER,
	DEV_ROLE_SCALE,
	DEV_ROLE_PRINTER,
};

enum dev_event_kind {
	DEV_EV_ARRIVED,             /* connected and claimed; text: product name */
	DEV_EV_LEFT,                /* unplugged or lost; it comes back by itself */
	DEV_EV_SCAN,                /* text, symbology */
	DEV_EV_WEIGHT,              /* weight (posted when the reading changes) */
	DEV_EV_PRINTER,             /* printer status changed: printer */
	DEV_EV_PRINTED,             /* a job went out the endpoint; text says why not */
	DEV_EV_ERROR,               /* a problem to show: text (no access, busy...) */
};

/* HID POS scale status (usage page 0x8D), the byte as the scale sends it. */
enum dev_scale_status {
	DEV_SCALE_FAULT = 1,
	DEV_SCALE_ZERO = 2,         /* stable at zero */
	DEV_SCALE_MOTION = 3,       /* in motion: never a final reading */
	DEV_SCALE_STABLE = 4,       /* the only final reading */
	DEV_SCALE_UNDER_ZERO = 5,
	DEV_SCALE_OVER = 6,         /* over its capacity */
	DEV_SCALE_CALIBRATE = 7,
	DEV_SCALE_REZERO = 8,
};

struct dev_weight {
	enum dev_scale_status status;
	int final;                  /* 1 only for DEV_SCALE_STABLE */
	int64_t mg;                 /* milligrams; negative under zero; 0 for fault, over */
	int64_t g;                  /* the same rounded to grams */
	int unit;                   /* HID POS unit code it came in (2 g, 3 kg, 11 oz...) */
	int exponent;               /* power of ten of raw */
	unsigned raw;               /* the 16-bit value as sent */
};

/* Printer status flags (from ~HS, or the USB printer class port status). */
enum {
	DEV_PRN_PAPER_OUT = 1,
	DEV_PRN_HEAD_OPEN = 2,
	DEV_PRN_PAUSED = 4,
	DEV_PRN_RIBBON_OUT = 8,
	DEV_PRN_ERROR = 16,         /* port status says error, cause unknown */
};

struct dev_event {
	enum dev_event_kind kind;
	enum dev_role role;
	char dev[DEV_ADDR_MAX];     /* the device's address: usb:0922:8003, tty:/dev/ttyACM0 */
	char driver[24];            /* scale-hidpos, scanner-kbd, scanner-hidpos, ... */
	char text[DEV_SCAN_MAX];    /* scan as sent (AIM id included); or a message */
	char symbology[4];          /* scan: AIM id such as "]C1", "" when none */
	struct dev_weight weight;
	unsigned printer;           /* DEV_PRN_* flags; 0 = ready */
	int64_t ms;                 /* CLOCK_MONOTONIC milliseconds when it happened */
	int ok;                     /* DEV_EV_PRINTED: 1 sent, 0 failed */
};

struct devices_conf {
	const char *table_file;     /* more table rows in a file; NULL: none */
	const char *table_text;     /* more rows inline (from the configuration); NULL */
	/* Station devices (device addresses, see devuri.h). usb: ones not in the table
	 * are driven by their role's driver; hid: and tty: ones are opened (scanners);
	 * NULL, "keyboard", "sim", tcp:, cups:, file: are not this thread's business. */
	const char *scanner;
	const char *scale;
	const char *printer;
	const char *only;           /* drive only this one address (devices read) */
	int printer_poll_ms;        /* printer status (~HS) every so often; 0: 5000 */
	int no_grab;                /* hid: leave the keyboard to the console too */
};

struct devices;

/*
 * Start the device thread (and one thread per hid:/tty: device). *event_fd becomes
 * readable when events are queued; it belongs to *out. Returns 0, or -1 with one line
 * in err (libusb cannot start, a bad table row, a bad address).
 */
int devices_start(const struct devices_conf *conf, struct devices **out, int *event_fd,
    char *err, size_t errlen);
/* Stop the threads, release every device, free d. NULL is fine. */
void devices_stop(struct devices *d);

/* Take the oldest event: 1 and *out filled, or 0 when there is none (fd drained). */
int devices_poll(struct devices *d, struct dev_event *out);

/* Queue an event as if a device had sent it (the demo's simulated scale and scanner). */
void devices_inject(struct devices *d, const struct dev_event *ev);

/* Zero (tare) the scale at addr, or every scale when addr is NULL. 0 queued, -1 none. */
int devices_scale_zero(struct devices *d, const char *addr);

/*
 * Send data (ZPL) to the USB printer at addr, or the first one when NULL. The bytes are
 * copied; DEV_EV_PRINTED says how it went. 0 queued, -1 when no such printer is connected.
 */
int devices_print(struct devices *d, const char *addr, const void *data, size_t len);

/* What the status line shows: one row per device seen or configured. */
enum dev_state {
	DEV_ST_ABSENT,              /* configured or seen before, not connected now */
	DEV_ST_READY,
	DEV_ST_NO_ACCESS,           /* permissions: the udev rule is missing */
	DEV_ST_BUSY,                /* claimed by another program */
	DEV_ST_ERROR,
};

struct dev_status {
	char dev[DEV_ADDR_MAX];
	char driver[24];
	enum dev_role role;
	enum dev_state state;
	unsigned printer;           /* last DEV_PRN_* flags */
	char msg[160];              /* the last problem, "" when none */
};

/* Copy up to max rows into out; returns how many there are (may exceed max). */
int devices_status(struct devices *d, struct dev_status *out, int max);

/* One row of `packbench devices list`. */
struct dev_info {
	char dev[DEV_ADDR_MAX];     /* usb:VID:PID[:SERIAL], hid:/dev/input/eventN, tty:... */
	char driver[24];            /* "" when the table does not know it */
	char name[96];              /* table name, or the product string */
	char where[32];             /* bus 001 device 004 */
	int access;                 /* 1 can be opened; 0 not (see problem) */
	char problem[200];          /* what is wrong and the fix, "" when fine */
};

/*
 * Look at what is connected now: USB devices the table knows (all USB devices when
 * all is set), evdev keyboards and CDC-ACM ports of known scanner vendors. *out is
 * malloc'd (free()); 0, or -1 with one line in err.
 */
int devices_list(const struct devices_conf *conf, int all, struct dev_info **out,
    size_t *n, char *err, size_t errlen);

const char *dev_role_name(enum dev_role r);
const char *dev_state_name(enum dev_state s);
const char *dev_event_kind_name(enum dev_event_kind k);
const char *dev_scale_status_name(enum dev_scale_status s);
/* "g", "kg", "oz", "lb"..., or "?" */
const char *dev_unit_name(int unit);

/* The udev hint shown with access problems. */
#define DEV_UDEV_HINT "install the udev rule: sudo cp data/udev/70-packbench.rules " \
	"/etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger " \
	"(or meson install), then re-plug"

#endif

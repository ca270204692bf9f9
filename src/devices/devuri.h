/*
 * devuri.h — device addresses as written in the config and on the command line:
 * usb:VID:PID[:SERIAL], hid:/dev/input/eventN, tty:/dev/ttyACM0, tcp://HOST:PORT,
 * cups:QUEUE, file:PATH and sim.
 */
#ifndef PB_DEVURI_H
#define PB_DEVURI_H

#include <stddef.h>

enum devuri_kind {
	DEVURI_USB,
	DEVURI_HID,
	DEVURI_TTY,
	DEVURI_TCP,
	DEVURI_CUPS,
	DEVURI_FILE,
	DEVURI_SIM,
};

struct devuri {
	enum devuri_kind kind;
	unsigned vid, pid;       /* usb */
	char serial[64];         /* usb, optional */
	char path[256];          /* hid, tty, file; host for tcp; queue for cups */
	unsigned port;           /* tcp; 9100 when not given */
};

/* Parse text into *out. Returns 0, or -1 with one line in err naming what is wrong. */
int devuri_parse(const char *text, struct devuri *out, char *err, size_t errlen);
const char *devuri_kind_name(enum devuri_kind k);

#endif

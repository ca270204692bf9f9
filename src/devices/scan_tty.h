/*
 * scan_tty.h — scanners on a serial port: CDC-ACM (/dev/ttyACM*) or RS-232, read with
 * termios in raw mode. A scan ends with CR, LF or CR LF, or after a pause in the data
 * for scanners set to send no suffix.
 */
#ifndef PB_SCAN_TTY_H
#define PB_SCAN_TTY_H

#include <stddef.h>

#include "scan_kbd.h"

#define SCAN_TTY_IDLE_MS 150    /* a pause this long ends a scan without a suffix */

struct ttyline {
	size_t len;
	int overflow;
	int cr;                     /* the last byte was CR (so a LF after it is no scan) */
	char buf[DEV_SCAN_MAX];
};

/* Open path read-only, raw, 9600 8N1 (CDC-ACM ignores the speed). fd, or -1 with err. */
int scan_tty_open(const char *path, char *err, size_t errlen);
void scan_tty_init(struct ttyline *t);
/* Feed bytes as read; emit is called for each scan completed. */
void scan_tty_feed(struct ttyline *t, const char *buf, size_t n, kbd_emit_fn emit, void *ctx);
/* The line went quiet: what was read is a scan. */
void scan_tty_idle(struct ttyline *t, kbd_emit_fn emit, void *ctx);

#endif

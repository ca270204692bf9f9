/*
 * scan_evdev.h — a keyboard-wedge scanner read from its evdev node (hid:/dev/input/
 * eventN), the alternative to claiming it through libusb. EVIOCGRAB makes packbench
 * its only reader, so scans stop typing into the console.
 */
#ifndef PB_SCAN_EVDEV_H
#define PB_SCAN_EVDEV_H

#include <linux/input.h>
#include <stddef.h>

#include "scan_kbd.h"

/*
 * Open path; grab it unless nograb. fd, or -1 with err. When the grab fails the device is
 * still read and warn says why (another program holds it, or it is not an evdev node).
 */
int scan_evdev_open(const char *path, int nograb, char *err, size_t errlen, char *warn,
    size_t warnlen);
/* One input event into the keyboard decoder. */
void scan_evdev_feed(struct kbd *k, const struct input_event *ev, kbd_emit_fn emit,
    void *ctx);

#endif

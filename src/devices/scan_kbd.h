/*
 * scan_kbd.h — keyboard-wedge scanners: key presses to scan text, US layout. The same
 * decoder serves HID boot keyboard reports read through libusb (this file's driver) and
 * key events read from evdev (scan_evdev.c). A scan ends with Enter; Ctrl-] gives GS
 * (FNC1), Ctrl-letter the other control characters, Alt + keypad digits the character
 * of that code (Alt 0029 = GS).
 */
#ifndef PB_SCAN_KBD_H
#define PB_SCAN_KBD_H

#include <stddef.h>
#include <stdint.h>

#include "devices.h"

/* Modifier bits of a boot report's first byte. */
enum {
	KBD_LCTRL = 0x01, KBD_LSHIFT = 0x02, KBD_LALT = 0x04, KBD_LGUI = 0x08,
	KBD_RCTRL = 0x10, KBD_RSHIFT = 0x20, KBD_RALT = 0x40, KBD_RGUI = 0x80,
};

/* A finished scan; overflow 1 when it was longer than DEV_SCAN_MAX - 1 (text cut). */
typedef void (*kbd_emit_fn)(void *ctx, const char *text, size_t len, int overflow);

struct kbd {
	uint8_t prev[6];            /* keys down in the last report */
	uint8_t mods;
	int alt_code;               /* Alt + keypad digits so far; -1 none */
	size_t len;
	int overflow;
	char buf[DEV_SCAN_MAX];
};

void kbd_init(struct kbd *k);
/* Forget a scan half read (the device went away). */
void kbd_reset(struct kbd *k);
/* One boot-protocol report (8 bytes: modifiers, reserved, six usage ids). */
void kbd_report(struct kbd *k, const uint8_t *rep, size_t len, kbd_emit_fn emit, void *ctx);
/* One key going down (HID usage id) with these modifiers. */
void kbd_press(struct kbd *k, uint8_t usage, uint8_t mods, kbd_emit_fn emit, void *ctx);
/* The modifiers changed (Alt going up ends an Alt + keypad code). */
void kbd_set_mods(struct kbd *k, uint8_t mods, kbd_emit_fn emit, void *ctx);

/* evdev key code to HID usage id (0 when not a key a scanner types). */
uint8_t kbd_evdev_usage(unsigned code);
/* evdev key code of a modifier to its KBD_* bit, 0 when not a modifier. */
uint8_t kbd_evdev_mod(unsigned code);

#endif

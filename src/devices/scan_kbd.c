/*
 * scan_kbd.c — keyboard-wedge scanner decoding and its libusb driver (see scan_kbd.h).
 * Claiming the interface detaches the scanner from the console, so scans stop typing
 * into whatever has the focus. Key-down edges are found against the previous report,
 * in report order, so rollover (several keys down at once) keeps the typing order.
 */
#include "scan_kbd.h"

#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>

#include "usbdev.h"

#define KBD_SHIFT (KBD_LSHIFT | KBD_RSHIFT)
#define KBD_CTRL (KBD_LCTRL | KBD_RCTRL)
#define KBD_ALT (KBD_LALT | KBD_RALT)

#define U_ENTER 0x28
#define U_BACKSPACE 0x2a
#define U_KP_ENTER 0x58

/* Usage ids 0x1e-0x38 (digits and punctuation): plain, shifted, with Ctrl (0: none). */
static const char punct[][3] = {
	/* 1e */ { '1', '!', 0 }, { '2', '@', 0 }, { '3', '#', 0x1b }, { '4', '$', 0x1c },
	/* 22 */ { '5', '%', 0x1d }, { '6', '^', 0x1e }, { '7', '&', 0x1f }, { '8', '*', 0x7f },
	/* 26 */ { '9', '(', 0 }, { '0', ')', 0 }, { 0, 0, 0 }, { 0x1b, 0x1b, 0 },
	/* 2a */ { 0, 0, 0 }, { '\t', '\t', 0 }, { ' ', ' ', 0 }, { '-', '_', 0x1f },
	/* 2e */ { '=', '+', 0 }, { '[', '{', 0x1b }, { ']', '}', 0x1d }, { '\\', '|', 0x1c },
	/* 32 */ { '\\', '|', 0x1c }, { ';', ':', 0 }, { '\'', '"', 0 }, { '`', '~', 0 },
	/* 36 */ { ',', '<', 0 }, { '.', '>', 0 }, { '/', '?', 0x1f },
};

/* Keypad 0x54-0x63. */
static const char keypad[] = "/*-+\n1234567890.";

void
kbd_init(struct kbd *k)
{
	memset(k, 0, sizeof *k);
	k->alt_code = -1;
}

void
kbd_reset(struct kbd *k)
{
	kbd_init(k);
}

static void
kbd_put(struct kbd *k, char c)
{
	if (k->len + 1 < sizeof k->buf)
		k->buf[k->len++] = c;
	else
		k->overflow = 1;
}

static void
kbd_end(struct kbd *k, kbd_emit_fn emit, void *ctx)
{
	if (k->len > 0 || k->overflow) {
		k->buf[k->len] = '\0';
		emit(ctx, k->buf, k->len, k->overflow);
	}
	k->len = 0;
	k->overflow = 0;
}

void
kbd_set_mods(struct kbd *k, uint8_t mods, kbd_emit_fn emit, void *ctx)
{
	if ((k->mods & KBD_ALT) && !(mods & KBD_ALT) && k->alt_code >= 0) {
		int c = k->alt_code & 0xff;

		k->alt_code = -1;
		if (c == '\r' || c == '\n')
			kbd_end(k, emit, ctx);
		else if (c != 0)
			kbd_put(k, (char)c);
	}
	k->mods = mods;
}

void
kbd_press(struct kbd *k, uint8_t u, uint8_t mods, kbd_emit_fn emit, void *ctx)
{
	int shift = (mods & KBD_SHIFT) != 0, ctrl = (mods & KBD_CTRL) != 0;
	char c = 0;

	kbd_set_mods(k, mods, emit, ctx);
	if (u == U_ENTER || u == U_KP_ENTER) {
		kbd_end(k, emit, ctx);
		return;
	}
	if (u == U_BACKSPACE) {
		if (k->len > 0)
			k->len--;
		return;
	}
	if (u >= 0x59 && u <= 0x62 && (mods & KBD_ALT)) {       /* Alt + keypad digit */
		int digit = u == 0x62 ? 0 : u - 0x59 + 1;

		k->alt_code = (k->alt_code < 0 ? 0 : k->alt_code % 1000) * 10 + digit;
		return;
	}
	if (u >= 0x04 && u <= 0x1d) {
		if (ctrl)
			c = (char)(u - 0x04 + 1);
		else
			c = (char)((shift ? 'A' : 'a') + u - 0x04);
	} else if (u >= 0x1e && u <= 0x38) {
		c = punct[u - 0x1e][ctrl ? 2 : shift ? 1 : 0];
	} else if (u >= 0x54 && u <= 0x63) {
		c = keypad[u - 0x54];
	}
	if (c != 0)
		kbd_put(k, c);
}

void
kbd_report(struct kbd *k, const uint8_t *rep, size_t len, kbd_emit_fn emit, void *ctx)
{
	const uint8_t *keys;
	size_t i, j;

	if (len < 8)
		return;
	keys = rep + 2;
	for (i = 0; i < 6; i++) {
		if (keys[i] == 0x01)    /* ErrorRollOver: too many keys, a phantom state */
			return;
	}
	kbd_set_mods(k, rep[0], emit, ctx);
	for (i = 0; i < 6; i++) {
		if (keys[i] < 0x04)
			continue;
		for (j = 0; j < 6 && k->prev[j] != keys[i]; j++)
			;
		if (j == 6)
			kbd_press(k, keys[i], rep[0], emit, ctx);
	}
	memcpy(k->prev, keys, 6);
}

/* evdev codes (linux/input-event-codes.h) to HID usage ids. */
static const uint8_t evdev_usage[] = {
	[KEY_A] = 0x04, [KEY_B] = 0x05, [KEY_C] = 0x06, [KEY_D] = 0x07, [KEY_E] = 0x08,
	[KEY_F] = 0x09, [KEY_G] = 0x0a, [KEY_H] = 0x0b, [KEY_I] = 0x0c, [KEY_J] = 0x0d,
	[KEY_K] = 0x0e, [KEY_L] = 0x0f, [KEY_M] = 0x10, [KEY_N] = 0x11, [KEY_O] = 0x12,
	[KEY_P] = 0x13, [KEY_Q] = 0x14, [KEY_R] = 0x15, [KEY_S] = 0x16, [KEY_T] = 0x17,
	[KEY_U] = 0x18, [KEY_V] = 0x19, [KEY_W] = 0x1a, [KEY_X] = 0x1b, [KEY_Y] = 0x1c,
	[KEY_Z] = 0x1d, [KEY_1] = 0x1e, [KEY_2] = 0x1f, [KEY_3] = 0x20, [KEY_4] = 0x21,
	[KEY_5] = 0x22, [KEY_6] = 0x23, [KEY_7] = 0x24, [KEY_8] = 0x25, [KEY_9] = 0x26,
	[KEY_0] = 0x27, [KEY_ENTER] = 0x28, [KEY_ESC] = 0x29, [KEY_BACKSPACE] = 0x2a,
	[KEY_TAB] = 0x2b, [KEY_SPACE] = 0x2c, [KEY_MINUS] = 0x2d, [KEY_EQUAL] = 0x2e,
	[KEY_LEFTBRACE] = 0x2f, [KEY_RIGHTBRACE] = 0x30, [KEY_BACKSLASH] = 0x31,
	[KEY_SEMICOLON] = 0x33, [KEY_APOSTROPHE] = 0x34, [KEY_GRAVE] = 0x35,
	[KEY_COMMA] = 0x36, [KEY_DOT] = 0x37, [KEY_SLASH] = 0x38, [KEY_KPSLASH] = 0x54,
	[KEY_KPASTERISK] = 0x55, [KEY_KPMINUS] = 0x56, [KEY_KPPLUS] = 0x57,
	[KEY_KPENTER] = 0x58, [KEY_KP1] = 0x59, [KEY_KP2] = 0x5a, [KEY_KP3] = 0x5b,
	[KEY_KP4] = 0x5c, [KEY_KP5] = 0x5d, [KEY_KP6] = 0x5e, [KEY_KP7] = 0x5f,
	[KEY_KP8] = 0x60, [KEY_KP9] = 0x61, [KEY_KP0] = 0x62, [KEY_KPDOT] = 0x63,
	[KEY_102ND] = 0x31,
};

uint8_t
kbd_evdev_usage(unsigned code)
{
	return code < sizeof evdev_usage ? evdev_usage[code] : 0;
}

uint8_t
kbd_evdev_mod(unsigned code)
{
	switch (code) {
	case KEY_LEFTCTRL:
		return KBD_LCTRL;
	case KEY_LEFTSHIFT:
		return KBD_LSHIFT;
	case KEY_LEFTALT:
		return KBD_LALT;
	case KEY_LEFTMETA:
		return KBD_LGUI;
	case KEY_RIGHTCTRL:
		return KBD_RCTRL;
	case KEY_RIGHTSHIFT:
		return KBD_RSHIFT;
	case KEY_RIGHTALT:
		return KBD_RALT;
	case KEY_RIGHTMETA:
		return KBD_RGUI;
	default:
		return 0;
	}
}

/* The libusb driver: the scanner's boot keyboard interface. */

static int
kbd_match(const struct libusb_interface_descriptor *alt)
{
	return alt->bInterfaceClass == LIBUSB_CLASS_HID && alt->bInterfaceSubClass == 1 &&
	    alt->bInterfaceProtocol == 1;
}

static int
kbd_open(struct usbdev *u)
{
	uint8_t rt = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE;
	struct kbd *k;

	/* SET_PROTOCOL boot, SET_IDLE 0; a device may refuse either (STALL). */
	if (libusb_control_transfer(u->h, rt, 0x0b, 0, (uint16_t)u->iface, NULL, 0, 500) < 0 ||
	    libusb_control_transfer(u->h, rt, 0x0a, 0, (uint16_t)u->iface, NULL, 0, 500) < 0) {
		/* boot keyboards send boot reports anyway */
	}
	if ((k = malloc(sizeof *k)) == NULL)
		return -1;
	kbd_init(k);
	u->priv = k;
	return 0;
}

static void
kbd_emit_usb(void *ctx, const char *text, size_t len, int overflow)
{
	struct usbdev *u = ctx;
	struct dev_event ev;

	if (overflow) {
		usbdev_error(u, "a scan longer than %d characters was dropped", DEV_SCAN_MAX - 1);
		return;
	}
	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_SCAN;
	memcpy(ev.text, text, len);
	if (len >= 3 && text[0] == ']')
		memcpy(ev.symbology, text, 3);
	usbdev_post(u, &ev);
}

static void
kbd_input(struct usbdev *u, const uint8_t *buf, int len)
{
	kbd_report(u->priv, buf, (size_t)len, kbd_emit_usb, u);
}

static void
kbd_close(struct usbdev *u)
{
	free(u->priv);
	u->priv = NULL;
}

const struct usb_driver scan_kbd_driver = {
	.name = "scanner-kbd",
	.role = DEV_ROLE_SCANNER,
	.match = kbd_match,
	.open = kbd_open,
	.input = kbd_input,
	.close = kbd_close,
};

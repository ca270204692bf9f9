/*
 * test_dev_decode.c — the device decoders without any device: HID POS scale reports
 * (every unit, exponents, statuses, malformed), keyboard reports and evdev keys, HID POS
 * scanner reports, serial lines, ~HS answers and port status, the device table, and the
 * event queue's eventfd.
 */
#include <CUnit/CUnit.h>
#include <linux/input-event-codes.h>
#include <poll.h>
#include <string.h>

#include "devices/devtable.h"
#include "devices/evq.h"
#include "devices/printer_usb.h"
#include "devices/scale_hidpos.h"
#include "devices/scan_evdev.h"
#include "devices/scan_hidpos.h"
#include "devices/scan_kbd.h"
#include "devices/scan_tty.h"
#include "testutil.h"

static void
test_scale_decode(void)
{
	static const struct {
		int unit;
		int64_t mg;
	} units[] = {   /* 1000 of each unit */
		{ 1, 1000 }, { 2, 1000000 }, { 3, 1000000000 }, { 4, 200000 },
		{ 5, 37799364 }, { 6, 64799 }, { 7, 1555174 }, { 8, 1000000000000 },
		{ 9, 907184740000 }, { 10, 31103477 }, { 11, 28349523 }, { 12, 453592370 },
	};
	struct dev_weight w;
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		const uint8_t rep[6] = { 3, 4, (uint8_t)units[i].unit, 0, 0xe8, 0x03 };

		CU_ASSERT_EQUAL(scale_hidpos_decode(rep, 6, &w), 1);
		CU_ASSERT_EQUAL(w.mg, units[i].mg);
		CU_ASSERT_STRING_NOT_EQUAL(dev_unit_name(units[i].unit), "?");
	}
	{       /* examples of the reference: 0 oz at zero, 30.0 oz, 20 g; report id 4 */
		const uint8_t z[6] = { 3, 2, 11, 0xff, 0, 0 }, oz[6] = { 3, 4, 11, 0xff, 0x2c, 1 };
		const uint8_t g[6] = { 4, 4, 2, 0, 0x14, 0 };

		CU_ASSERT_EQUAL(scale_hidpos_decode(z, 6, &w), 1);
		CU_ASSERT_EQUAL(w.status, DEV_SCALE_ZERO);
		CU_ASSERT_EQUAL(w.g, 0);
		CU_ASSERT_FALSE(w.final);
		CU_ASSERT_EQUAL(scale_hidpos_decode(oz, 6, &w), 1);
		CU_ASSERT_EQUAL(w.raw, 300);
		CU_ASSERT_EQUAL(w.exponent, -1);
		CU_ASSERT_EQUAL(w.g, 850);
		CU_ASSERT_TRUE(w.final);
		CU_ASSERT_EQUAL(scale_hidpos_decode(g, 6, &w), 1);
		CU_ASSERT_EQUAL(w.g, 20);
	}
	{       /* positive exponents, and one no scale sends, kept defined */
		const uint8_t e2[6] = { 3, 4, 2, 2, 5, 0 }, huge[6] = { 3, 4, 9, 127, 0xff, 0xff };
		const uint8_t tiny[6] = { 3, 4, 1, 0x80, 0xff, 0xff };

		CU_ASSERT_EQUAL(scale_hidpos_decode(e2, 6, &w), 1);
		CU_ASSERT_EQUAL(w.g, 500);
		CU_ASSERT_EQUAL(scale_hidpos_decode(huge, 6, &w), 1);
		CU_ASSERT_TRUE(w.mg > 0);
		CU_ASSERT_EQUAL(scale_hidpos_decode(tiny, 6, &w), 1);
		CU_ASSERT_EQUAL(w.mg, 0);
	}
	{       /* not a data report; malformed ones */
		const uint8_t attr[6] = { 1, 0, 0, 0, 0, 0 }, shortr[5] = { 3, 4, 2, 0, 1 };
		const uint8_t st0[6] = { 3, 0, 2, 0, 0, 0 }, st9[6] = { 3, 9, 2, 0, 0, 0 };
		const uint8_t u0[6] = { 3, 4, 0, 0, 0, 0 }, u13[6] = { 3, 4, 13, 0, 0, 0 };

		CU_ASSERT_EQUAL(scale_hidpos_decode(attr, 6, &w), 0);
		CU_ASSERT_EQUAL(scale_hidpos_decode(attr, 0, &w), 0);
		CU_ASSERT_EQUAL(scale_hidpos_decode(shortr, 5, &w), -1);
		CU_ASSERT_EQUAL(scale_hidpos_decode(st0, 6, &w), -1);
		CU_ASSERT_EQUAL(scale_hidpos_decode(st9, 6, &w), -1);
		CU_ASSERT_EQUAL(scale_hidpos_decode(u0, 6, &w), -1);
		CU_ASSERT_EQUAL(scale_hidpos_decode(u13, 6, &w), -1);
	}
	CU_ASSERT_STRING_EQUAL(dev_scale_status_name(DEV_SCALE_OVER), "over-weight");
	CU_ASSERT_STRING_EQUAL(dev_unit_name(0), "?");
}

static char scans[4][DEV_SCAN_MAX];
static int nscans, overflows;

static void
collect(void *ctx, const char *text, size_t len, int overflow)
{
	if (overflow) {
		overflows++;
		return;
	}
	if (nscans < 4) {
		memcpy(scans[nscans], text, len);
		scans[nscans][len] = '\0';
	}
	nscans++;
}

static void
press(struct kbd *k, uint8_t mods, uint8_t usage)
{
	const uint8_t down[8] = { mods, 0, usage }, up[8] = { mods };

	kbd_report(k, down, 8, collect, NULL);
	kbd_report(k, up, 8, collect, NULL);
}

static void
test_keyboard_decode(void)
{
	struct kbd k;
	int i;

	nscans = overflows = 0;
	kbd_init(&k);
	/* Alt + keypad 0 2 9 gives GS; Ctrl-D gives EOT; keypad digits; backspace. */
	press(&k, 0, 0x1e);                     /* 1 */
	press(&k, 0x04, 0x62);                  /* alt kp0 */
	press(&k, 0x04, 0x5a);                  /* alt kp2 */
	press(&k, 0x04, 0x61);                  /* alt kp9 */
	{
		const uint8_t none[8] = { 0 };

		kbd_report(&k, none, 8, collect, NULL);     /* alt up: GS */
	}
	press(&k, 0x10, 0x07);                  /* right ctrl + d */
	press(&k, 0, 0x59);                     /* kp1 */
	press(&k, 0, 0x0b);                     /* h */
	press(&k, 0, 0x2a);                     /* backspace */
	press(&k, 0x02, 0x1f);                  /* @ */
	press(&k, 0, 0x58);                     /* keypad Enter ends it */
	CU_ASSERT_EQUAL(nscans, 1);
	CU_ASSERT_STRING_EQUAL(scans[0], "1\x1d\x04" "1@");
	press(&k, 0, 0x28);                     /* Enter with nothing: no scan */
	CU_ASSERT_EQUAL(nscans, 1);
	{       /* a report too short to be a boot report is ignored */
		const uint8_t shortr[4] = { 0, 0, 0x04, 0 };

		kbd_report(&k, shortr, 4, collect, NULL);
	}
	for (i = 0; i < DEV_SCAN_MAX + 10; i++)
		press(&k, 0, 0x04);
	press(&k, 0, 0x28);
	CU_ASSERT_EQUAL(overflows, 1);
	CU_ASSERT_EQUAL(nscans, 1);
	press(&k, 0, 0x05);
	press(&k, 0, 0x28);
	CU_ASSERT_STRING_EQUAL(scans[1], "b");

	/* The same decoder fed from evdev. */
	{
		static const struct {
			uint16_t code;
			int32_t value;
		} evs[] = {
			{ KEY_LEFTSHIFT, 1 }, { KEY_Q, 1 }, { KEY_Q, 0 }, { KEY_LEFTSHIFT, 0 },
			{ KEY_Q, 1 }, { KEY_Q, 2 }, { KEY_Q, 0 }, { KEY_LEFTCTRL, 1 },
			{ KEY_RIGHTBRACE, 1 }, { KEY_RIGHTBRACE, 0 }, { KEY_LEFTCTRL, 0 },
			{ KEY_KP7, 1 }, { KEY_SLASH, 1 }, { KEY_ENTER, 1 },
		};
		struct input_event ie;
		size_t j;

		nscans = 0;
		kbd_init(&k);
		memset(&ie, 0, sizeof ie);
		for (j = 0; j < sizeof evs / sizeof evs[0]; j++) {
			ie.type = EV_KEY;
			ie.code = evs[j].code;
			ie.value = evs[j].value;
			scan_evdev_feed(&k, &ie, collect, NULL);
		}
		ie.type = EV_SYN;
		scan_evdev_feed(&k, &ie, collect, NULL);
		CU_ASSERT_EQUAL(nscans, 1);
		CU_ASSERT_STRING_EQUAL(scans[0], "Qq\x1d" "7/");
	}
	CU_ASSERT_EQUAL(kbd_evdev_usage(KEY_A), 0x04);
	CU_ASSERT_EQUAL(kbd_evdev_usage(KEY_KP0), 0x62);
	CU_ASSERT_EQUAL(kbd_evdev_usage(KEY_F1), 0);
	CU_ASSERT_EQUAL(kbd_evdev_usage(60000), 0);
	CU_ASSERT_EQUAL(kbd_evdev_mod(KEY_RIGHTALT), KBD_RALT);
	CU_ASSERT_EQUAL(kbd_evdev_mod(KEY_A), 0);
}

static void
pos(uint8_t *rep, const char *aim, const char *data, int more, int shift)
{
	size_t off = shift ? 6 : 5, n = strlen(data);

	memset(rep, 0, 64);
	rep[0] = 2;
	rep[1] = (uint8_t)n;
	memcpy(rep + off - 3, aim, 3);
	memcpy(rep + off, data, n);
	rep[63] = (uint8_t)more;
}

static void
test_hidpos_decode(void)
{
	struct hidpos h;
	uint8_t rep[64];
	char text[DEV_SCAN_MAX], aim[4];
	int i, rc = 0;

	hidpos_init(&h);
	pos(rep, "]C1", "0109506000134352\r\n", 0, 0);
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), 1);
	CU_ASSERT_STRING_EQUAL(text, "]C10109506000134352");
	CU_ASSERT_STRING_EQUAL(aim, "]C1");
	/* Three reports, AIM id shifted by one byte. */
	pos(rep, "]Q3", "AAAA", 1, 1);
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), 0);
	pos(rep, "]Q3", "BBBB", 1, 1);
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), 0);
	pos(rep, "]Q3", "CC", 0, 1);
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), 1);
	CU_ASSERT_STRING_EQUAL(text, "]Q3AAAABBBBCC");
	/* No AIM id at all; a short report (no continuation byte); a length past the end. */
	memset(rep, 0, sizeof rep);
	rep[0] = 2;
	rep[1] = 200;
	memcpy(rep + 5, "XYZ", 3);
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 8, text, sizeof text, aim), 1);
	CU_ASSERT_STRING_EQUAL(text, "XYZ");
	CU_ASSERT_STRING_EQUAL(aim, "");
	/* Other report ids are not scans. */
	rep[0] = 1;
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), 0);
	/* Too long: dropped whole, and the next scan is clean. */
	pos(rep, "]d2", "0123456789012345678901234567890123456789012345678901234567", 1, 0);
	for (i = 0; i < 40 && rc == 0; i++)
		rc = hidpos_report(&h, rep, 64, text, sizeof text, aim);
	CU_ASSERT_EQUAL(rc, 0);
	rep[63] = 0;
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), -1);
	pos(rep, "]E0", "4006381333931", 0, 0);
	CU_ASSERT_EQUAL(hidpos_report(&h, rep, 64, text, sizeof text, aim), 1);
	CU_ASSERT_STRING_EQUAL(text, "]E04006381333931");
}

static void
test_tty_lines(void)
{
	struct ttyline t;
	const char in[] = "A1\r\nB2\nC3\rD4";

	nscans = overflows = 0;
	scan_tty_init(&t);
	scan_tty_feed(&t, in, 6, collect, NULL);
	scan_tty_feed(&t, in + 6, sizeof in - 1 - 6, collect, NULL);
	CU_ASSERT_EQUAL(nscans, 3);
	CU_ASSERT_STRING_EQUAL(scans[0], "A1");
	CU_ASSERT_STRING_EQUAL(scans[1], "B2");
	CU_ASSERT_STRING_EQUAL(scans[2], "C3");
	scan_tty_idle(&t, collect, NULL);       /* no suffix: the pause ends it */
	CU_ASSERT_EQUAL(nscans, 4);
	CU_ASSERT_STRING_EQUAL(scans[3], "D4");
	scan_tty_idle(&t, collect, NULL);
	CU_ASSERT_EQUAL(nscans, 4);
}

#define HS_OK "\002030,0,0,1245,000,0,0,0,000,0,0,0\003\r\n" \
	"\002000,0,0,0,1,2,6,0,00000000,1,000\003\r\n\0021234,0\003\r\n"

static void
test_printer_status(void)
{
	static const char paper_ribbon[] = "\002030,1,0,1245,000,0,0,0,000,0,0,0\003\r\n"
	    "\002000,0,0,1,1,2,6,0,00000000,1,000\003\r\n\0021234,0\003\r\n";
	unsigned f = 99;

	CU_ASSERT_EQUAL(printer_usb_parse_hs(HS_OK, strlen(HS_OK), &f), 1);
	CU_ASSERT_EQUAL(f, 0u);
	CU_ASSERT_EQUAL(printer_usb_parse_hs(paper_ribbon, strlen(paper_ribbon), &f), 1);
	CU_ASSERT_EQUAL(f, (unsigned)(DEV_PRN_PAPER_OUT | DEV_PRN_RIBBON_OUT));
	CU_ASSERT_EQUAL(printer_usb_parse_hs(HS_OK, 40, &f), 0);        /* more to come */
	CU_ASSERT_EQUAL(printer_usb_parse_hs("", 0, &f), 0);
	CU_ASSERT_EQUAL(printer_usb_parse_hs("hello", 5, &f), -1);
	CU_ASSERT_EQUAL(printer_usb_parse_hs("\002a\003\002b\003\002c\003", 9, &f), -1);
	CU_ASSERT_EQUAL(printer_usb_parse_hs("\002030,0\002", 7, &f), -1);
	CU_ASSERT_EQUAL(printer_usb_port_flags(0x18), 0u);
	CU_ASSERT_EQUAL(printer_usb_port_flags(0x38), (unsigned)DEV_PRN_PAPER_OUT);
	CU_ASSERT_EQUAL(printer_usb_port_flags(0x08), (unsigned)DEV_PRN_PAUSED);
	CU_ASSERT_EQUAL(printer_usb_port_flags(0x10), (unsigned)DEV_PRN_ERROR);
}

static void
test_table(void)
{
	const struct devtable_row *r;
	struct devtable t;
	char err[300];

	CU_ASSERT_EQUAL_FATAL(devtable_init(&t, err, sizeof err), 0);
	CU_ASSERT_TRUE(t.n >= 17);
	r = devtable_find(&t, 0x0922, 0x8003);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->driver, DRV_SCALE_HIDPOS);
	CU_ASSERT_STRING_EQUAL(r->name, "DYMO M10");
	r = devtable_find(&t, 0x0c2e, 0x0b61);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->driver, DRV_SCANNER);
	CU_ASSERT_PTR_NULL(devtable_find(&t, 0x1d6b, 0x0002));
	CU_ASSERT_TRUE(devtable_scanner_vendor(&t, 0x05f9));
	CU_ASSERT_FALSE(devtable_scanner_vendor(&t, 0x0922));
	/* Later rows win; an exact PID wins over *. */
	CU_ASSERT_EQUAL(devtable_add_text(&t, "0c2e:0b61 scanner-hidpos Xenon\r\n"
	    "0c2e:* ignore\n\n   # comment\n0922:8003 ignore\n", "site", err, sizeof err), 0);
	CU_ASSERT_EQUAL(devtable_find(&t, 0x0c2e, 0x0b61)->driver, DRV_SCANNER_HIDPOS);
	CU_ASSERT_STRING_EQUAL(devtable_find(&t, 0x0c2e, 0x0b61)->name, "Xenon");
	CU_ASSERT_EQUAL(devtable_find(&t, 0x0c2e, 0x1234)->driver, DRV_IGNORE);
	CU_ASSERT_EQUAL(devtable_find(&t, 0x0922, 0x8003)->driver, DRV_IGNORE);
	CU_ASSERT_EQUAL(devtable_add_text(&t, "\n0a5f:0100 printer\n", "site.conf", err,
	    sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "site.conf:2: unknown driver 'printer'"));
	CU_ASSERT_EQUAL(devtable_add_text(&t, "0a5f:12345 printer-usb\n", "x", err,
	    sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "x:1: '0a5f:12345' is not VID:PID"));
	CU_ASSERT_EQUAL(devtable_add_text(&t, "0a5f printer-usb\n", "x", err, sizeof err), -1);
	CU_ASSERT_EQUAL(devtable_add_file(&t, "/nonexistent/devices.conf", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/devices.conf"));
	CU_ASSERT_STRING_EQUAL(devtable_driver_name(DRV_PRINTER_USB), "printer-usb");
	CU_ASSERT_EQUAL(devtable_driver_role(DRV_SCANNER_KBD), DEV_ROLE_SCANNER);
	devtable_free(&t);
}

static void
test_queue(void)
{
	struct evq *q = evq_new();
	struct dev_event ev;
	struct pollfd p;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	p.fd = evq_fd(q);
	p.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	for (i = 0; i < 100; i++) {
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_SCAN;
		ev.ms = i;
		evq_push(q, &ev);
	}
	CU_ASSERT_EQUAL(evq_len(q), 100u);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 1);
	for (i = 0; i < 60; i++) {
		CU_ASSERT_EQUAL(evq_pop(q, &ev), 1);
		CU_ASSERT_EQUAL(ev.ms, i);
	}
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 1);     /* still some left: still readable */
	for (; i < 100; i++) {
		CU_ASSERT_EQUAL(evq_pop(q, &ev), 1);
		CU_ASSERT_EQUAL(ev.ms, i);
	}
	CU_ASSERT_EQUAL(evq_pop(q, &ev), 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);     /* drained */
	evq_push(q, &ev);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 1);
	evq_free(q);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dev_decode", NULL, NULL);
	CU_add_test(s, "scale reports: units, exponents, statuses", test_scale_decode);
	CU_add_test(s, "keyboard reports and evdev keys", test_keyboard_decode);
	CU_add_test(s, "HID POS scanner reports", test_hidpos_decode);
	CU_add_test(s, "serial scanner lines", test_tty_lines);
	CU_add_test(s, "printer ~HS answers and port status", test_printer_status);
	CU_add_test(s, "device table", test_table);
	CU_add_test(s, "event queue and its eventfd", test_queue);
	return tu_run();
}

/*
 * test_dev_usb.c — every USB driver against a device emulated with umockdev (no
 * hardware, no root): enumeration and claim; a scale going in motion -> stable -> over
 * weight, every unit and exponent, fault states, the zero command; unplugging during a
 * read and plugging back in; keyboard reports with shift, rollover and Ctrl-]; an HID
 * POS barcode split over two reports; the printer receiving the exact ZPL bytes and its
 * ~HS status; devices list.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "devices/printer_usb.h"
#include "test_dev_umock.h"
#include "testutil.h"

#define WAIT_MS 15000

static struct um *um;

static const struct um_iface scale_if = { 3, 0, 0, 0x81, 3, 8, 0, 0, 0 };
static const struct um_iface scale_out_if = { 3, 0, 0, 0x81, 3, 8, 0x02, 3, 8 };
static const struct um_iface kbd_if = { 3, 1, 1, 0x81, 3, 8, 0, 0, 0 };
static const struct um_iface pos_if = { 3, 0, 0, 0x81, 3, 64, 0, 0, 0 };
static const struct um_iface printer_if = { 7, 1, 2, 0x82, 2, 64, 0x01, 2, 64 };
static const struct um_iface printer_uni_if = { 7, 1, 1, 0, 0, 0, 0x01, 2, 64 };

static struct devices *
start(const struct devices_conf *conf, int *fd)
{
	struct devices *d = NULL;
	char err[300] = "";

	if (devices_start(conf, &d, fd, err, sizeof err) != 0)
		fprintf(stderr, "devices_start: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return d;
}

static int
next_weight(struct devices *d, int fd, struct dev_weight *w)
{
	struct dev_event ev;

	if (!um_event(d, fd, DEV_EV_WEIGHT, &ev, WAIT_MS))
		return 0;
	*w = ev.weight;
	return 1;
}

static void
scale_report(struct um_dev *s, int status, int unit, int exp, unsigned v)
{
	const uint8_t rep[6] = { 3, (uint8_t)status, (uint8_t)unit, (uint8_t)(int8_t)exp,
	    v & 0xff, (v >> 8) & 0xff };

	um_in(s, 0x81, rep, sizeof rep);
}

static void
test_scale_sequence(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct dev_weight w;
	struct um_dev *s = um_plug(um, 0x0922, 0x8003, &scale_if, 1);
	struct devices *d;
	int fd;

	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.dev, "usb:0922:8003");
	CU_ASSERT_STRING_EQUAL(ev.driver, "scale-hidpos");
	CU_ASSERT_STRING_EQUAL(ev.text, "DYMO M10");
	CU_ASSERT_EQUAL(ev.role, DEV_ROLE_SCALE);
	CU_ASSERT_EQUAL(um_claimed(s), 1u);
	CU_ASSERT_EQUAL(um_controls(s, 0x21, 0x0a, NULL, NULL), 1);    /* SET_IDLE */

	scale_report(s, 4, 2, 0, 999);          /* stale: dropped */
	scale_report(s, 3, 2, 0, 100);
	scale_report(s, 3, 2, 0, 100);          /* unchanged: not posted again */
	scale_report(s, 4, 2, 0, 1250);
	scale_report(s, 6, 2, 0, 0xffff);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_MOTION);
	CU_ASSERT_EQUAL(w.g, 100);
	CU_ASSERT_FALSE(w.final);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_STABLE);
	CU_ASSERT_EQUAL(w.g, 1250);
	CU_ASSERT_EQUAL(w.mg, 1250000);
	CU_ASSERT_TRUE(w.final);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_OVER);
	CU_ASSERT_FALSE(w.final);
	CU_ASSERT_EQUAL(w.g, 0);
	devices_stop(d);
	CU_ASSERT_EQUAL(um_claimed(s), 0u);     /* released at stop */
	um_unplug(s);
}

static void
test_scale_units(void)
{
	static const struct {
		int unit, exp;
		unsigned raw;
		int64_t mg, g;
	} rows[] = {
		{ 2, 0, 1250, 1250000, 1250 },          /* g */
		{ 3, -3, 1250, 1250000, 1250 },         /* kg x 0.001 */
		{ 3, -2, 126, 1260000, 1260 },          /* kg x 0.01 */
		{ 11, -1, 300, 850486, 850 },           /* 30.0 oz */
		{ 12, -2, 373, 1691900, 1692 },         /* 3.73 lb */
		{ 12, 0, 2, 907185, 907 },              /* 2 lb */
		{ 2, 1, 125, 1250000, 1250 },           /* g x 10 */
		{ 1, 0, 500, 500, 1 },                  /* 500 mg */
		{ 11, 0, 0, 0, 0 },                     /* 0 oz, stable */
	};
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct dev_weight w;
	struct um_dev *s = um_plug(um, 0x0922, 0x8004, &scale_if, 1);
	struct devices *d;
	size_t i;
	int fd;

	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	scale_report(s, 4, 2, 0, 1);            /* stale */
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		scale_report(s, 4, rows[i].unit, rows[i].exp, rows[i].raw);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
		CU_ASSERT_EQUAL(w.unit, rows[i].unit);
		CU_ASSERT_EQUAL(w.exponent, rows[i].exp);
		CU_ASSERT_EQUAL(w.mg, rows[i].mg);
		CU_ASSERT_EQUAL(w.g, rows[i].g);
		CU_ASSERT_TRUE(w.final);
		if (w.mg != rows[i].mg)
			fprintf(stderr, "\n  unit %d exp %d raw %u: %lld mg\n", rows[i].unit,
			    rows[i].exp, rows[i].raw, (long long)w.mg);
	}
	devices_stop(d);
	um_unplug(s);
}

static void
test_scale_faults(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct dev_weight w;
	struct um_dev *s = um_plug(um, 0x0922, 0x8009, &scale_if, 1);
	struct devices *d;
	const uint8_t junk[6] = { 3, 9, 2, 0, 0, 0 };   /* status 9 does not exist */
	int fd;

	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	scale_report(s, 2, 2, 0, 0);            /* stale */
	scale_report(s, 1, 2, 0, 0);
	scale_report(s, 5, 2, 0, 15);
	scale_report(s, 7, 2, 0, 0);
	scale_report(s, 8, 2, 0, 0);
	scale_report(s, 2, 11, -1, 0);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_FAULT);
	CU_ASSERT_FALSE(w.final);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_UNDER_ZERO);
	CU_ASSERT_EQUAL(w.g, -15);
	CU_ASSERT_FALSE(w.final);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_CALIBRATE);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_REZERO);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.status, DEV_SCALE_ZERO);
	CU_ASSERT_EQUAL(w.g, 0);
	CU_ASSERT_FALSE(w.final);
	um_in(s, 0x81, junk, sizeof junk);
	CU_ASSERT_TRUE(um_event(d, fd, DEV_EV_ERROR, &ev, WAIT_MS));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "cannot read"));
	devices_stop(d);
	um_unplug(s);
}

static int
out_has_zero(void *arg)
{
	uint8_t buf[8];

	return um_out(arg, 0x02, NULL, buf, sizeof buf) == 2 && buf[0] == 2 && buf[1] == 2;
}

static int
control_has_zero(void *arg)
{
	return um_controls(arg, 0x21, 0x09, NULL, NULL) == 1;
}

static void
test_scale_zero(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct um_dev *a = um_plug(um, 0x0eb8, 0xf000, &scale_out_if, 1);
	struct um_dev *b = um_plug(um, 0x0eb8, 0xf001, &scale_if, 1);
	struct devices *d;
	uint8_t data[8];
	size_t len = 0;
	int fd;

	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(devices_scale_zero(d, "usb:0eb8:f000"), 0);
	CU_ASSERT_TRUE(um_until(out_has_zero, a, WAIT_MS));
	CU_ASSERT_EQUAL(um_controls(b, 0x21, 0x09, NULL, NULL), 0);
	CU_ASSERT_EQUAL(devices_scale_zero(d, "usb:0eb8:f001"), 0);
	CU_ASSERT_TRUE(um_until(control_has_zero, b, WAIT_MS));
	um_controls(b, 0x21, 0x09, data, &len);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_TRUE(data[0] == 2 && data[1] == 2);
	CU_ASSERT_EQUAL(devices_scale_zero(d, "usb:1111:2222"), -1);
	CU_ASSERT_EQUAL(devices_print(d, NULL, "^XA^XZ", 6), -1);      /* no printer */
	devices_stop(d);
	um_unplug(a);
	um_unplug(b);
}

static int
reading(void *arg)
{
	return um_reading(arg, 0x81) > 0;
}

static enum dev_state
state_of(struct devices *d, const char *addr)
{
	struct dev_status st[8];
	int n = devices_status(d, st, 8), i;

	for (i = 0; i < n && i < 8; i++) {
		if (strcmp(st[i].dev, addr) == 0)
			return st[i].state;
	}
	return (enum dev_state)-1;
}

/* Key reports for text: press and release per character (US layout). */
static void
type(struct um_dev *k, const char *s)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz1234567890";
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()";
	static const char punct[] = "-=[]\\#;'`,./";
	static const char punct_up[] = "_+{}|~:\"~<>?";
	const uint8_t up[8] = { 0 };

	for (; *s != '\0'; s++) {
		uint8_t rep[8] = { 0 };
		const char *p;

		if (*s == '\n') {
			rep[2] = 0x28;
		} else if (*s == ' ') {
			rep[2] = 0x2c;
		} else if (*s == '\x1d') {
			rep[0] = 0x01;      /* left ctrl + ] */
			rep[2] = 0x30;
		} else if ((p = strchr(lower, *s)) != NULL) {
			rep[2] = (uint8_t)(0x04 + (p - lower));
		} else if ((p = strchr(upper, *s)) != NULL) {
			rep[0] = 0x20;      /* right shift */
			rep[2] = (uint8_t)(0x04 + (p - upper));
		} else if ((p = strchr(punct, *s)) != NULL) {
			rep[2] = (uint8_t)(0x2d + (p - punct));
		} else if ((p = strchr(punct_up, *s)) != NULL) {
			rep[0] = 0x02;
			rep[2] = (uint8_t)(0x2d + (p - punct_up));
		}
		um_in(k, 0x81, rep, sizeof rep);
		um_in(k, 0x81, up, sizeof up);
	}
}

static void
test_unplug_replug(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct dev_weight w;
	struct um_dev *s = um_plug(um, 0x1446, 0x6a73, &scale_if, 1);
	struct um_dev *k = um_plug(um, 0x0c2e, 0x0b61, &kbd_if, 1);
	struct devices *d;
	int fd, i;

	d = start(&conf, &fd);
	for (i = 0; i < 2; i++)
		CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	scale_report(s, 4, 2, 0, 1);
	scale_report(s, 4, 2, 0, 500);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.g, 500);
	type(k, "AB1");                         /* a scan half typed when it goes */
	CU_ASSERT_TRUE(um_until(reading, s, WAIT_MS));
	CU_ASSERT_TRUE(um_until(reading, k, WAIT_MS));

	um_unplug(s);                           /* a read is waiting on each */
	um_unplug(k);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_LEFT, &ev, WAIT_MS));
		CU_ASSERT_TRUE(strcmp(ev.dev, "usb:1446:6a73") == 0 ||
		    strcmp(ev.dev, "usb:0c2e:0b61") == 0);
	}
	CU_ASSERT_EQUAL(state_of(d, "usb:1446:6a73"), DEV_ST_ABSENT);
	CU_ASSERT_EQUAL(state_of(d, "usb:0c2e:0b61"), DEV_ST_ABSENT);

	um_replug(s);
	um_replug(k);
	for (i = 0; i < 2; i++)
		CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(state_of(d, "usb:1446:6a73"), DEV_ST_READY);
	CU_ASSERT_EQUAL(um_claimed(s), 1u);
	CU_ASSERT_EQUAL(um_claimed(k), 1u);
	scale_report(s, 4, 2, 0, 1);            /* stale again after opening */
	scale_report(s, 4, 2, 0, 700);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.g, 700);
	type(k, "SKU-42\n");                    /* the half scan is gone, this one whole */
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "SKU-42");
	devices_stop(d);
	um_unplug(s);
	um_unplug(k);
}

static void
test_read_errors(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct dev_weight w;
	struct um_dev *s = um_plug(um, 0x0b67, 0x555e, &scale_if, 1);
	struct devices *d;
	int fd, i;

	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	for (i = 0; i < 5; i++)
		um_in_error(s, 0x81, EPIPE);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ERROR, &ev, WAIT_MS));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "reading failed"));
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_LEFT, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(state_of(d, "usb:0b67:555e"), DEV_ST_ERROR);
	/* It is opened again by itself a moment later, and reads. */
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(state_of(d, "usb:0b67:555e"), DEV_ST_READY);
	scale_report(s, 4, 2, 0, 1);
	scale_report(s, 4, 2, 0, 321);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.g, 321);
	devices_stop(d);
	um_unplug(s);
}

static void
test_keyboard(void)
{
	/* Rollover: a, a+b, b, (none) types "ab"; a phantom report changes nothing. */
	static const uint8_t roll[][8] = {
		{ 0, 0, 0x04 }, { 0, 0, 0x04, 0x05 }, { 0, 0, 0x05 }, { 0 },
		{ 0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 },
		{ 0x02, 0, 0x06, 0x07 }, { 0x02, 0, 0x07 }, { 0 }, { 0, 0, 0x28 }, { 0 },
	};
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct um_dev *k = um_plug(um, 0x05e0, 0x1200, &kbd_if, 1);
	struct devices *d;
	size_t i;
	int fd;

	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.driver, "scanner-kbd");
	CU_ASSERT_EQUAL(ev.role, DEV_ROLE_SCANNER);
	CU_ASSERT_EQUAL(um_claimed(k), 1u);
	CU_ASSERT_EQUAL(um_controls(k, 0x21, 0x0b, NULL, NULL), 1);    /* SET_PROTOCOL */

	type(k, "]C10109506000134352\x1d" "10Lot-7/B\n");
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "]C10109506000134352\x1d" "10Lot-7/B");
	CU_ASSERT_STRING_EQUAL(ev.symbology, "]C1");
	type(k, "Hello, World! {x} 99%\n");
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "Hello, World! {x} 99%");
	CU_ASSERT_STRING_EQUAL(ev.symbology, "");
	for (i = 0; i < sizeof roll / sizeof roll[0]; i++)
		um_in(k, 0x81, roll[i], 8);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "abCD");
	devices_stop(d);
	um_unplug(k);
}

static void
pos_report(struct um_dev *p, const char *aim, const char *data, size_t n, int more,
    int shifted)
{
	uint8_t rep[64] = { 0x02 };
	size_t off = shifted ? 6 : 5;

	rep[1] = (uint8_t)n;
	memcpy(rep + off - 3, aim, 3);
	memcpy(rep + off, data, n);
	rep[63] = (uint8_t)more;
	um_in(p, 0x81, rep, sizeof rep);
}

static void
test_hidpos_scanner(void)
{
	static const uint8_t report_desc[] = { 0x05, 0x8c, 0x09, 0x02, 0xa1, 0x01, 0xc0 };
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct um_dev *p = um_plug(um, 0x0536, 0x02e1, &pos_if, 1);
	struct devices *d;
	char data[200], want[220];
	int fd, i;

	um_set_report_desc(p, report_desc, sizeof report_desc);
	for (i = 0; i < 90; i++)
		data[i] = (char)('A' + i % 26);
	data[90] = '\0';
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.driver, "scanner-hidpos");
	/* 90 characters of DataMatrix: 58 in the first report, 32 in the second. */
	pos_report(p, "]d2", data, 58, 1, 0);
	pos_report(p, "]d2", data + 58, 32, 0, 0);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	snprintf(want, sizeof want, "]d2%s", data);
	CU_ASSERT_STRING_EQUAL(ev.text, want);
	CU_ASSERT_STRING_EQUAL(ev.symbology, "]d2");
	/* The AIM id one byte later, as some devices send it. */
	pos_report(p, "]E0", "8935049501503", 13, 0, 1);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "]E08935049501503");
	CU_ASSERT_STRING_EQUAL(ev.symbology, "]E0");
	devices_stop(d);
	um_unplug(p);
}

/* The emulated Zebra: answers ~HS with the status the test sets. */
static _Atomic(const char *) hs_answer;

static void
printer_answer(struct um_dev *p, uint8_t ep, const uint8_t *data, size_t len, void *arg)
{
	const char *a = atomic_load(&hs_answer);

	if (len == 3 && memcmp(data, "~HS", 3) == 0 && a != NULL)
		um_in(p, 0x82, a, strlen(a));
}

#define HS(paper, pause, head) \
	"\002030,"paper","pause",1245,000,0,0,0,000,0,0,0\003\r\n" \
	"\002000,0,"head",0,1,2,6,0,00000000,1,000\003\r\n" \
	"\0021234,0\003\r\n"

struct out_want {
	struct um_dev *p;
	const char *data;
	size_t len;
};

static int
out_complete(void *arg)
{
	struct out_want *w = arg;
	char *buf = malloc(w->len + 16);
	size_t n = um_out(w->p, 0x01, "~HS", buf, w->len + 16);
	int ok = n == w->len && memcmp(buf, w->data, n) == 0;

	free(buf);
	return ok;
}

static char *
make_zpl(size_t *len)
{
	static const char head[] = "^XA^CI28^PW812^LL1218^FO50,50^A0N,40,40^FDĐơn hàng 42^FS"
	    "^FO50,120^GFA,32000,32000,100,";
	size_t n = strlen(head), i;
	char *z = malloc(n + 32000 + 8);

	memcpy(z, head, n);
	for (i = 0; i < 32000; i++)
		z[n + i] = "0123456789ABCDEF"[(i * 7) % 16];
	memcpy(z + n + 32000, "^FS^XZ", 6);
	*len = n + 32000 + 6;
	return z;
}

static void
test_printer(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct um_dev *p = um_plug(um, 0x0a5f, 0x0100, &printer_if, 1);
	struct out_want w;
	struct devices *d;
	char err[300];
	size_t len;
	char *zpl = make_zpl(&len);
	int fd;

	hs_answer = HS("1", "0", "0");          /* paper out */
	um_on_out(p, printer_answer, NULL);
	conf.printer_poll_ms = 100;
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.driver, "printer-usb");
	CU_ASSERT_EQUAL(ev.role, DEV_ROLE_PRINTER);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTER, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(ev.printer, DEV_PRN_PAPER_OUT);
	hs_answer = HS("0", "1", "1");          /* head open, paused */
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTER, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(ev.printer, DEV_PRN_HEAD_OPEN | DEV_PRN_PAUSED);
	hs_answer = HS("0", "0", "0");
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTER, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(ev.printer, 0u);

	CU_ASSERT_EQUAL(devices_print(d, NULL, zpl, len), 0);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTED, &ev, WAIT_MS));
	CU_ASSERT_TRUE(ev.ok);
	w.p = p;
	w.data = zpl;
	w.len = len;
	CU_ASSERT_TRUE(out_complete(&w));
	devices_stop(d);

	/* The one-off send (printer_send's usb: case), with the device thread gone. */
	hs_answer = NULL;
	CU_ASSERT_EQUAL(printer_usb_send(0x0a5f, 0x0100, NULL, "^XA^FO1,1^FDx^FS^XZ", 19, err,
	    sizeof err), 0);
	w.len = len + 19;
	zpl = realloc(zpl, len + 19);
	memcpy(zpl + len, "^XA^FO1,1^FDx^FS^XZ", 19);
	w.data = zpl;
	CU_ASSERT_TRUE(out_complete(&w));
	CU_ASSERT_EQUAL(printer_usb_send(0x0a5f, 0x0999, NULL, "x", 1, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such printer"));
	um_unplug(p);
	free(zpl);
}

static void
test_printer_port_status(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct um_dev *p = um_plug(um, 0x0a5f, 0x0101, &printer_uni_if, 1);
	struct devices *d;
	int fd;

	um_set_port_status(p, 0x38);            /* paper empty */
	conf.printer_poll_ms = 100;
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTER, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(ev.printer, DEV_PRN_PAPER_OUT);
	um_set_port_status(p, 0x08);            /* not selected: offline */
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTER, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(ev.printer, DEV_PRN_PAUSED);
	devices_stop(d);
	um_unplug(p);
}

static void
test_auto_and_table(void)
{
	static const uint8_t scale_desc[] = { 0x05, 0x8d, 0x09, 0x01, 0xa1, 0x01, 0xc0 };
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct dev_weight w;
	struct um_dev *a = um_plug(um, 0x1234, 0x5678, &scale_if, 1);
	struct um_dev *b = um_plug(um, 0x1234, 0x5679, &scale_if, 1);
	struct devices *d;
	int fd;

	um_set_report_desc(a, scale_desc, sizeof scale_desc);
	/* Not in the table: `devices read usb:1234:5678` finds the scale by usage page. */
	conf.only = "usb:1234:5678";
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.dev, "usb:1234:5678");
	CU_ASSERT_STRING_EQUAL(ev.driver, "scale-hidpos");
	CU_ASSERT_EQUAL(um_claimed(b), 0u);     /* only the one asked for */
	scale_report(a, 4, 2, 0, 1);
	scale_report(a, 4, 2, 0, 42);
	CU_ASSERT_TRUE_FATAL(next_weight(d, fd, &w));
	CU_ASSERT_EQUAL(w.g, 42);
	devices_stop(d);

	/* A row from the configuration adds a device to the table. */
	memset(&conf, 0, sizeof conf);
	conf.table_text = "# site additions\n1234:5679  scale-hidpos  Test scale\n";
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.dev, "usb:1234:5679");
	CU_ASSERT_STRING_EQUAL(ev.text, "Test scale");
	CU_ASSERT_EQUAL(um_claimed(a), 0u);
	devices_stop(d);

	/* The station's configured scale, unknown to the table, gets the scale driver. */
	memset(&conf, 0, sizeof conf);
	conf.scale = "usb:1234:5678";
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.driver, "scale-hidpos");
	CU_ASSERT_STRING_EQUAL(ev.dev, "usb:1234:5678");
	devices_stop(d);
	um_unplug(a);
	um_unplug(b);
}

static void
test_serial(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct um_dev *a = um_plug_serial(um, 0x0a5f, 0x0102, "ZB1", &printer_uni_if, 1);
	struct um_dev *b = um_plug_serial(um, 0x0a5f, 0x0102, "ZB2", &printer_uni_if, 1);
	struct devices *d;
	int fd;

	/* Two identical printers: the station's is the one with this serial. */
	conf.printer = "usb:0a5f:0102:ZB2";
	conf.printer_poll_ms = 60000;
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.dev, "usb:0a5f:0102:ZB2");
	CU_ASSERT_EQUAL(um_claimed(b), 1u);
	CU_ASSERT_EQUAL(um_claimed(a), 0u);
	CU_ASSERT_EQUAL(devices_print(d, "usb:0a5f:0102", "^XA^XZ", 6), 0);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_PRINTED, &ev, WAIT_MS));
	CU_ASSERT_TRUE(ev.ok);
	devices_stop(d);
	um_unplug(a);
	um_unplug(b);
}

static void
test_list(void)
{
	struct devices_conf conf = { 0 };
	struct um_dev *s = um_plug(um, 0x7b7c, 0x0100, &scale_if, 1);
	struct um_dev *x = um_plug(um, 0x4321, 0x0001, &scale_if, 1);
	struct dev_info *v;
	char err[200];
	size_t n, i;
	int found = 0, other = 0;

	CU_ASSERT_EQUAL_FATAL(devices_list(&conf, 0, &v, &n, err, sizeof err), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].dev, "usb:7b7c:0100") == 0) {
			found = 1;
			CU_ASSERT_STRING_EQUAL(v[i].driver, "scale-hidpos");
			CU_ASSERT_STRING_EQUAL(v[i].name, "USPS / Elane PS2000");
			CU_ASSERT_TRUE(v[i].access);
			CU_ASSERT_STRING_EQUAL(v[i].problem, "");
			CU_ASSERT_PTR_NOT_NULL(strstr(v[i].where, "bus 001"));
		}
		other += strcmp(v[i].dev, "usb:4321:0001") == 0;
	}
	free(v);
	CU_ASSERT_TRUE(found);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL_FATAL(devices_list(&conf, 1, &v, &n, err, sizeof err), 0);
	for (i = 0; i < n; i++)
		other += strcmp(v[i].dev, "usb:4321:0001") == 0;
	free(v);
	CU_ASSERT_EQUAL(other, 1);
	conf.table_text = "zz:1 scale-hidpos";
	CU_ASSERT_EQUAL(devices_list(&conf, 0, &v, &n, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "configuration:1:"));
	um_unplug(s);
	um_unplug(x);
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	um = um_new();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dev_usb", NULL, NULL);
	CU_add_test(s, "scale: claim, in motion -> stable -> over weight", test_scale_sequence);
	CU_add_test(s, "scale: every unit and exponent", test_scale_units);
	CU_add_test(s, "scale: fault, under zero, calibrate, re-zero", test_scale_faults);
	CU_add_test(s, "scale: zero command, out endpoint and SET_REPORT", test_scale_zero);
	CU_add_test(s, "unplug during a read and plug back in", test_unplug_replug);
	CU_add_test(s, "read errors: reported, reopened", test_read_errors);
	CU_add_test(s, "keyboard wedge: shift, Ctrl-], rollover", test_keyboard);
	CU_add_test(s, "HID POS scanner: a barcode over two reports", test_hidpos_scanner);
	CU_add_test(s, "printer: ~HS status, exact ZPL bytes, one-off send", test_printer);
	CU_add_test(s, "printer without IN endpoint: port status", test_printer_port_status);
	CU_add_test(s, "unknown device by usage page; table rows from config", test_auto_and_table);
	CU_add_test(s, "a serial number picks one of two printers", test_serial);
	CU_add_test(s, "devices list", test_list);
	rc = tu_run();
	um_free(um);
	return rc;
}

/*
 * test_dev_station.c — end to end: orders packed with the scanner, the scale and the
 * label printer emulated over USB (umockdev, in-process; no hardware, no root), fed to
 * the pack flow by the same app glue the station uses (station_dev.c): for the station
 * screen, a badge scanned at the log-in screen, the order and its items scanned on an
 * HID POS scanner, the scale in motion (never taken) then stable, confirm scanned, the
 * labels out the printer's bulk endpoint, each device's state on the status line; for
 * line mode (`packbench scan --devices`), a keyboard-wedge scanner and a scale giving one
 * input each; and a station whose devices cannot start, saying why.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/app/config.h"
#include "../../src/app/station.h"
#include "../../src/app/station_dev.h"
#include "core/db.h"
#include "core/order.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"
#include "test_dev_umock.h"
#include "testutil.h"
#include "vm_login.h"
#include "vm_pack.h"
#include "vm_screen.h"

#define WAIT_MS 15000

static struct um *um;
static struct db *db;
static char path[256];
static struct session sys;
static int64_t hcm;

static const struct um_iface scale_if = { 3, 0, 0, 0x81, 3, 8, 0, 0, 0 };
static const struct um_iface kbd_if = { 3, 1, 1, 0x81, 3, 8, 0, 0, 0 };
static const struct um_iface pos_if = { 3, 0, 0, 0x81, 3, 64, 0, 0, 0 };
static const struct um_iface printer_if = { 7, 1, 1, 0, 0, 0, 0x01, 2, 64 };
static const uint8_t pos_desc[] = { 0x05, 0x8c, 0x09, 0x02, 0xa1, 0x01, 0xc0 };

/* What the screen or line mode works on, for the conditions waited for. */
static struct station_dev *sd;
static struct vm_pack vm;
static struct vm_login login;
static struct session op;
static const struct config *print_cfg;

static int
add_sku(const char *code, const char *barcode, int64_t weight)
{
	struct sku_barcode_in bc[1] = { { barcode, 1 } };
	struct sku_in in = {
		.sku = code, .name = code, .barcodes = bc, .nbarcodes = 1, .weight_g = weight,
		.cost = 1000,
	};

	return sku_upsert(&sys, &in, NULL);
}

static int
setup(void)
{
	int64_t id;

	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	db = tu_db(path);
	session_system(&sys, db, "T1");
	if (warehouse_upsert(&sys, "HCM", "Kho HCM", "Hồ Chí Minh", &hcm) != 0 ||
	    add_sku("AO-THUN-M", "8934567890120", 200) != 0 ||
	    add_sku("NON-LA", "8930000000019", 350) != 0)
		return -1;
	sku_find(&sys, "AO-THUN-M", &id);
	stock_receive(&sys, hcm, id, "", 0, 100, NULL);
	sku_find(&sys, "NON-LA", &id);
	stock_receive(&sys, hcm, id, "", 0, 100, NULL);
	return user_add(&sys, "lan", ROLE_PACKER, "1111", "PB-1001");
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int64_t
order(const char *no)
{
	struct order_line_in lines[2] = { { "AO-THUN-M", 2, 100000 }, { "NON-LA", 1, 50000 } };
	struct order_in in = {
		.channel = "shopee", .shop = "285037461", .order_no = no,
		.created_at = TEST_EPOCH, .ship_by = TEST_EPOCH + 7200, .status = ST_CONFIRMED,
		.cod = 250000, .currency = "VND", .total = 250000, .buyer_name = "Nguyễn Thị Hương",
		.province = "Hồ Chí Minh", .lines = lines, .nlines = 2,
	};
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static const char *
status_of(int64_t id)
{
	static char st[16];
	struct order *o;

	if (order_load(&sys, id, &o) != 0)
		return "?";
	snprintf(st, sizeof st, "%s", order_status_name(o->status));
	order_free(o);
	return st;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Pump the devices into the screen (pack once someone is logged in, else login), as
 * the ui loop does when their fd is readable, until cond holds or ms pass. */
static int
pump_until(int (*cond)(void), int pack_on, int ms)
{
	int64_t until = mono_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = station_dev_fd(sd), .events = POLLIN };

		station_dev_pump(sd, pack_on ? &vm : NULL, pack_on ? NULL : &login);
		if (cond())
			return 1;
		if (mono_ms() >= until)
			return 0;
		poll(&p, 1, 50);
	}
}

/* One HID POS scanner report: AIM id, then the data, the last byte "more follows". */
static void
pos_scan(struct um_dev *p, const char *aim, const char *data)
{
	uint8_t rep[64] = { 0x02 };
	size_t n = strlen(data);

	rep[1] = (uint8_t)n;
	memcpy(rep + 2, aim, 3);
	memcpy(rep + 5, data, n);
	um_in(p, 0x81, rep, sizeof rep);
}

static void
scale_report(struct um_dev *s, int status, int unit, int exp, unsigned v)
{
	const uint8_t rep[6] = { 3, (uint8_t)status, (uint8_t)unit, (uint8_t)(int8_t)exp,
	    v & 0xff, (v >> 8) & 0xff };

	um_in(s, 0x81, rep, sizeof rep);
}

/* Key reports for text (US layout, letters, digits, '-', ':' and Enter). */
static void
type(struct um_dev *k, const char *s)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz1234567890";
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const uint8_t up[8] = { 0 };
	const char *p;

	for (; *s != '\0'; s++) {
		uint8_t rep[8] = { 0 };

		if (*s == '\n') {
			rep[2] = 0x28;
		} else if (*s == '-') {
			rep[2] = 0x2d;
		} else if (*s == ':') {
			rep[0] = 0x02;
			rep[2] = 0x33;
		} else if ((p = strchr(lower, *s)) != NULL) {
			rep[2] = (uint8_t)(0x04 + (p - lower));
		} else if ((p = strchr(upper, *s)) != NULL) {
			rep[0] = 0x02;
			rep[2] = (uint8_t)(0x04 + (p - upper));
		}
		um_in(k, 0x81, rep, sizeof rep);
		um_in(k, 0x81, up, sizeof up);
	}
}

/* The status line of the packing screen at 100x24. */
static void
status_line(char *buf, size_t len)
{
	struct vm_screen scr;

	vm_screen_init(&scr, 24, 100, ROLE_NORMAL);
	vm_pack_render(&vm, &scr);
	vm_screen_row(&scr, 0, buf, len);
	vm_screen_free(&scr);
}

static int
dev_state_is(const char *role, const char *state)
{
	int i;

	for (i = 0; i < vm.ndevs; i++) {
		if (strcmp(vm.devs[i].role, role) == 0)
			return strcmp(vm.devs[i].state, state) == 0;
	}
	return 0;
}

static int
all_ready(void)
{
	return dev_state_is("scanner", "ready") && dev_state_is("scale", "ready") &&
	    dev_state_is("printer", "ready");
}

static int
logged_in(void)
{
	return login.ok;
}

static int
order_open(void)
{
	return vm.p.order_id != 0;
}

static int
weighing(void)
{
	return vm.p.step == PACK_WEIGH;
}

static int
reads_zero(void)
{
	return vm.live && vm.live_g == 0 && vm.live_final == 0;
}

static int
in_motion(void)
{
	return vm.live && !vm.live_final && vm.live_g > 0;
}

static int
ready(void)
{
	return vm.p.step == PACK_READY;
}

static int
packed(void)
{
	return vm.p.order_id == 0 && vm.p.last_order_id != 0;
}

static int
scale_gone(void)
{
	return dev_state_is("scale", "absent");
}

/* Stop what a test that failed half-way left running. */
static void
fresh(void)
{
	station_dev_stop(sd);
	sd = NULL;
}

/* The station's print callback, as cmd_demo.c wires it. */
static int
print_cb(void *arg, int64_t order_id, int reprint, char *err, size_t errlen)
{
	(void)reprint;
	return station_dev_print(sd, arg, print_cfg, NULL, order_id, 0, err, errlen);
}

struct want_out {
	struct um_dev *p;
	const char *data;
	size_t len;
};

static struct want_out want_job;

static int
printer_has_job(void)
{
	char *buf = malloc(want_job.len + 16);
	size_t n = um_out(want_job.p, 0x01, "~HS", buf, want_job.len + 16);
	int ok = n == want_job.len && memcmp(buf, want_job.data, n) == 0;

	free(buf);
	return ok;
}

static void
test_station_screen(void)
{
	struct um_dev *scanner = um_plug(um, 0x0536, 0x02e1, &pos_if, 1);
	struct um_dev *scale = um_plug(um, 0x0922, 0x8003, &scale_if, 1);
	struct um_dev *printer = um_plug(um, 0x0a5f, 0x0101, &printer_if, 1);
	struct vm_pack_opts o;
	struct pack_config pc;
	struct config cfg;
	char err[300], line[512], *job;
	int64_t id = order("E2E-1"), exp, weight;
	size_t len;
	int64_t n;

	fresh();
	um_set_report_desc(scanner, pos_desc, sizeof pos_desc);
	config_defaults(&cfg);
	snprintf(cfg.station.warehouse, sizeof cfg.station.warehouse, "HCM");
	snprintf(cfg.station.scanner, sizeof cfg.station.scanner, "usb:0536:02e1");
	snprintf(cfg.station.scale, sizeof cfg.station.scale, "usb:0922:8003");
	snprintf(cfg.station.printer, sizeof cfg.station.printer, "usb:0a5f:0101");
	CU_ASSERT_TRUE(station_dev_wanted(&cfg));
	CU_ASSERT_EQUAL_FATAL(station_pack_config(&sys, &cfg, NULL, &pc, err, sizeof err), 0);
	sd = station_dev_start(&cfg);
	CU_ASSERT_STRING_EQUAL(station_dev_error(sd), "");
	CU_ASSERT_TRUE_FATAL(station_dev_fd(sd) >= 0);

	/* The log-in screen takes a badge from the USB scanner. */
	vm_login_init(&login, db, "ST1", "warehouse HCM", NULL, TEST_EPOCH, 0);
	pos_scan(scanner, "]C0", "PB-1001");
	CU_ASSERT_TRUE_FATAL(pump_until(logged_in, 0, WAIT_MS));
	op = login.out;
	CU_ASSERT_STRING_EQUAL(op.user, "lan");

	memset(&o, 0, sizeof o);
	snprintf(o.printer, sizeof o.printer, "usb");
	o.io.print = print_cb;
	o.io.arg = &op;
	print_cfg = &cfg;
	vm_pack_init(&vm, &op, &pc, &o, TEST_EPOCH);
	CU_ASSERT_TRUE_FATAL(pump_until(all_ready, 1, WAIT_MS));
	status_line(line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "scanner: ready"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "printer: ready"));

	/* The scale's first report after it is opened is stale and dropped; then 0 g. */
	scale_report(scale, 2, 2, 0, 0);
	scale_report(scale, 2, 2, 0, 0);
	CU_ASSERT_TRUE(pump_until(reads_zero, 1, WAIT_MS));
	status_line(line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "scale: 0 g"));

	/* The order and its items, scanned: AIM ids of plain symbols do not get in the way. */
	pos_scan(scanner, "]C0", "E2E-1");
	CU_ASSERT_TRUE_FATAL(pump_until(order_open, 1, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(vm.p.order_no, "E2E-1");
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKING");
	pos_scan(scanner, "]E0", "8934567890120");
	pos_scan(scanner, "]E0", "8930000000019");
	pos_scan(scanner, "]E0", "8934567890120");
	CU_ASSERT_TRUE_FATAL(pump_until(weighing, 1, WAIT_MS));
	CU_ASSERT_EQUAL(pack_remaining(&vm.p), 0);
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);

	/* In motion, even at the right weight: shown, never taken. */
	exp = pack_expected_g(&vm.p, 0);
	CU_ASSERT_TRUE(exp > 750);
	scale_report(scale, 3, 2, 0, (unsigned)(exp - 300));
	scale_report(scale, 3, 2, 0, (unsigned)exp);
	CU_ASSERT_TRUE(pump_until(in_motion, 1, WAIT_MS));
	{
		struct pollfd p = { .fd = station_dev_fd(sd), .events = POLLIN };

		poll(&p, 1, 300);
		station_dev_pump(sd, &vm, NULL);
	}
	CU_ASSERT_EQUAL(vm.p.step, PACK_WEIGH);
	CU_ASSERT_EQUAL(vm.p.pkgs[0].weight_g, -1);
	status_line(line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "scale: ~"));
	vm_pack_key(&vm, VK_F(6));              /* weigh now: refused while it moves */
	CU_ASSERT_PTR_NOT_NULL(strstr(vm.msg, "not steady"));
	CU_ASSERT_EQUAL(vm.p.pkgs[0].weight_g, -1);

	/* Stable within tolerance: weighed. In kilograms, as a scale may send it. */
	weight = exp + 4;
	scale_report(scale, 4, 3, -3, (unsigned)weight);
	CU_ASSERT_TRUE_FATAL(pump_until(ready, 1, WAIT_MS));
	CU_ASSERT_EQUAL(vm.p.pkgs[0].weight_g, weight);
	CU_ASSERT_PTR_NOT_NULL(strstr(vm.msg, "ok"));

	/* Confirm from the command sheet: packed, the labels out the USB printer. */
	pos_scan(scanner, "]C0", "CMD:CONFIRM");
	CU_ASSERT_TRUE_FATAL(pump_until(packed, 1, WAIT_MS));
	CU_ASSERT_EQUAL(vm.p.last_order_id, id);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	CU_ASSERT_PTR_NOT_NULL(strstr(vm.msg, "label printed"));
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ? AND weight_g = ?",
	    "ii", id, weight);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL_FATAL(station_labels(&sys, &cfg, id, &job, &len, err, sizeof err), 0);
	want_job.p = printer;
	want_job.data = job;
	want_job.len = len;
	CU_ASSERT_TRUE(pump_until(printer_has_job, 1, WAIT_MS));
	free(job);

	/* The scale unplugged: its state on the status line. */
	um_unplug(scale);
	CU_ASSERT_TRUE(pump_until(scale_gone, 1, WAIT_MS));
	status_line(line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "scale: absent"));

	vm_pack_free(&vm);
	station_dev_stop(sd);
	sd = NULL;
	um_unplug(scanner);
	um_unplug(printer);
}

/* Line mode's side, as run_devices() in cmd_scan.c does it: what went in, one input per
 * event that reached the flow, and the notes on the rest. */
static struct {
	struct pack p;
	char ins[2000];             /* inputs, each followed by '|' */
	char notes[4000];
	int ninputs, nready;
	struct pack_result last;
} lm;

/* Take device events until n more inputs went to the flow (and, with ready, until that
 * many devices said they are ready). 1, or 0 after ms. */
static int
line_take(int n, int nready, int ms)
{
	int64_t until = mono_ms() + ms;
	int want = lm.ninputs + n;
	char input[1100], note[1200];
	struct pack_result r;

	while (lm.ninputs < want || lm.nready < nready) {
		struct pollfd pf = { .fd = station_dev_fd(sd), .events = POLLIN };

		while (station_dev_line(sd, &lm.p, input, sizeof input, &r, note,
		    sizeof note) == 1) {
			if (note[0] != '\0') {
				strncat(lm.notes, note, sizeof lm.notes - strlen(lm.notes) - 2);
				strcat(lm.notes, "\n");
				lm.nready += strstr(note, ": ready") != NULL;
			}
			if (input[0] == '\0')
				continue;
			strncat(lm.ins, input, sizeof lm.ins - strlen(lm.ins) - 2);
			strcat(lm.ins, "|");
			lm.last = r;
			lm.ninputs++;
		}
		if (lm.ninputs >= want && lm.nready >= nready)
			break;
		if (mono_ms() >= until)
			return 0;
		poll(&pf, 1, 50);
	}
	return 1;
}

static void
test_line_mode(void)
{
	struct um_dev *scanner = um_plug(um, 0x0c2e, 0x0b61, &kbd_if, 1);
	struct um_dev *scale = um_plug(um, 0x0922, 0x8004, &scale_if, 1);
	struct pack_config pc;
	struct session packer;
	struct config cfg;
	char err[300], want_in[200];
	int64_t id = order("E2E-2"), exp, n;

	fresh();
	config_defaults(&cfg);
	snprintf(cfg.station.scanner, sizeof cfg.station.scanner, "usb:0c2e:0b61");
	snprintf(cfg.station.scale, sizeof cfg.station.scale, "usb:0922:8004");
	CU_ASSERT_EQUAL_FATAL(station_pack_config(&sys, &cfg, "HCM", &pc, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(user_login(db, &packer, "lan", "1111", "ST1"), 0);
	memset(&lm, 0, sizeof lm);
	pack_init(&lm.p, &packer, &pc);
	sd = station_dev_start(&cfg);
	CU_ASSERT_TRUE_FATAL(station_dev_fd(sd) >= 0);

	CU_ASSERT_TRUE_FATAL(line_take(0, 2, WAIT_MS));
	CU_ASSERT_PTR_NOT_NULL(strstr(lm.notes, "scanner usb:0c2e:0b61: ready"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lm.notes, "scale usb:0922:8004: ready"));
	scale_report(scale, 2, 2, 0, 0);        /* stale, dropped */
	scale_report(scale, 2, 2, 0, 0);        /* zero: no input */
	type(scanner, "E2E-2\n");
	CU_ASSERT_TRUE_FATAL(line_take(1, 0, WAIT_MS));
	CU_ASSERT_EQUAL(lm.last.outcome, PACK_OK);
	CU_ASSERT_EQUAL(lm.p.order_id, id);
	type(scanner, "8934567890120\n8930000000019\n8934567890120\n");
	CU_ASSERT_TRUE_FATAL(line_take(3, 0, WAIT_MS));
	CU_ASSERT_EQUAL_FATAL(lm.p.step, PACK_WEIGH);

	/* In motion: nothing goes in; stable: one WEIGHT input. */
	exp = pack_expected_g(&lm.p, 0);
	scale_report(scale, 3, 2, 0, (unsigned)exp);
	scale_report(scale, 4, 2, 0, (unsigned)(exp - 6));
	CU_ASSERT_TRUE_FATAL(line_take(1, 0, WAIT_MS));
	snprintf(want_in, sizeof want_in, "E2E-2|8934567890120|8930000000019|8934567890120|"
	    "WEIGHT %" PRId64 "|", exp - 6);
	CU_ASSERT_STRING_EQUAL(lm.ins, want_in);
	CU_ASSERT_EQUAL(lm.last.outcome, PACK_OK);
	CU_ASSERT_EQUAL(lm.p.step, PACK_READY);

	/* A stable reading when no weight is wanted goes nowhere. */
	scale_report(scale, 4, 2, 0, (unsigned)(exp + 100));
	type(scanner, "CMD:CONFIRM\n");
	CU_ASSERT_TRUE_FATAL(line_take(1, 0, WAIT_MS));
	CU_ASSERT_PTR_NOT_NULL(strstr(lm.ins, "|CMD:CONFIRM|"));
	CU_ASSERT_EQUAL(lm.last.outcome, PACK_PACKED);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ? AND weight_g = ?",
	    "ii", id, exp - 6);
	CU_ASSERT_EQUAL(n, 1);

	pack_free(&lm.p);
	station_dev_stop(sd);
	sd = NULL;
	um_unplug(scanner);
	um_unplug(scale);
}

static void
test_devices_fail(void)
{
	struct vm_pack_opts o;
	struct pack_config pc;
	struct session packer;
	struct config cfg;
	char err[300], line[512];

	fresh();
	config_defaults(&cfg);
	/* A scale is never read from evdev: the devices layer refuses to start. */
	snprintf(cfg.station.scale, sizeof cfg.station.scale, "hid:/dev/input/event99");
	CU_ASSERT_EQUAL_FATAL(station_pack_config(&sys, &cfg, "HCM", &pc, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(user_login(db, &packer, "lan", "1111", "ST1"), 0);
	sd = station_dev_start(&cfg);
	CU_ASSERT_EQUAL(station_dev_fd(sd), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(station_dev_error(sd), "only scanners"));
	memset(&o, 0, sizeof o);
	vm_pack_init(&vm, &packer, &pc, &o, TEST_EPOCH);
	station_dev_pump(sd, &vm, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vm.msg, "devices not started"));
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_WARN);
	status_line(line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "devices: off"));
	/* The station still packs: typed scans go on as before. */
	order("E2E-3");
	vm_pack_scan(&vm, "E2E-3");
	CU_ASSERT_STRING_EQUAL(vm.p.order_no, "E2E-3");
	vm_pack_free(&vm);
	station_dev_stop(sd);
	sd = NULL;
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	um = um_new();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dev_station", setup, teardown);
	CU_add_test(s, "station screen: badge, order, items, scale, confirm, label over USB",
	    test_station_screen);
	CU_add_test(s, "line mode: wedge scanner and scale, one input each", test_line_mode);
	CU_add_test(s, "devices that cannot start: the station runs and says why",
	    test_devices_fail);
	rc = tu_run();
	um_free(um);
	return rc;
}

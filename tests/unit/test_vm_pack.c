/*
 * test_vm_pack.c — the station's log-in and packing screens without curses, on a real
 * database with a fixed clock: every step of the flow (log-in, scan an order, scan
 * items, box, weigh, confirm and print), every kind of lock with its message, bell and
 * acknowledgement, the weight override by a supervisor's badge, the box keys against
 * scanner input, the GS separator, problem reports, and the layouts at 80x24, 40x12 and
 * smaller, read back as text.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"
#include "testutil.h"
#include "vm_login.h"
#include "vm_pack.h"

#define NOW ((int64_t)TEST_EPOCH)
#define H 3600

static struct db *db;
static char path[256];
static struct session sys, packer;
static int64_t hcm, hn;

/* The print callback: what it was asked, and whether it fails. */
static struct {
	int calls, reprints, fail;
	int64_t order_id;
} printed;

static int
fake_print(void *arg, int64_t order_id, int reprint, char *err, size_t len)
{
	(void)arg;
	printed.calls++;
	printed.reprints += reprint;
	printed.order_id = order_id;
	if (printed.fail) {
		snprintf(err, len, "file:/nonexistent/label.zpl: No such file or directory");
		return -1;
	}
	return 0;
}

static int
add_sku(const char *code, const char *name, const char *barcode, int64_t weight,
    int lot_tracked, int64_t shelf, const char *pack_barcode, int64_t pack_qty)
{
	struct sku_barcode_in bc[2] = { { barcode, 1 }, { pack_barcode, pack_qty } };
	struct sku_in in = {
		.sku = code, .name = name, .barcodes = bc, .nbarcodes = pack_barcode ? 2 : 1,
		.weight_g = weight, .lot_tracked = lot_tracked, .min_shelf_days = shelf,
		.cost = 1000,
	};

	return sku_upsert(&sys, &in, NULL);
}

static int64_t
receive(const char *sku, int64_t wh, const char *lot, int64_t expiry, int64_t qty)
{
	int64_t id = 0;

	sku_find(&sys, sku, &id);
	stock_receive(&sys, wh, id, lot, expiry, qty, NULL);
	return id;
}

static int
setup(void)
{
	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	db = tu_db(path);
	session_system(&sys, db, "T1");
	if (warehouse_upsert(&sys, "HCM", "Kho HCM", "Hồ Chí Minh", &hcm) != 0 ||
	    warehouse_upsert(&sys, "HN", "Kho HN", "Hà Nội", &hn) != 0)
		return -1;
	if (add_sku("AO-THUN-M", "Áo thun cotton nam - Trắng - M", "8934567890120", 200, 0, 0,
	    NULL, 0) != 0 ||
	    add_sku("SUA-180", "Sữa tươi tiệt trùng 180ml", "8935049501503", 190, 1, 30,
	    "18935049501500", 6) != 0 ||
	    add_sku("NON-LA", "Nón lá Huế", "8930000000019", 100, 0, 0, NULL, 0) != 0 ||
	    add_sku("KHAN", "Khăn rằn Nam Bộ", "8930000000026", 50, 0, 0, NULL, 0) != 0) {
		fprintf(stderr, "setup: %s\n", sys.err);
		return -1;
	}
	receive("AO-THUN-M", hcm, "", 0, 500);
	receive("SUA-180", hcm, "L1", NOW + 200 * 86400, 500);
	receive("KHAN", hcm, "", 0, 500);
	receive("NON-LA", hn, "", 0, 50);       /* only in Ha Noi */
	if (user_add(&sys, "lan", ROLE_PACKER, "1111", "PB-1001") != 0 ||
	    user_add(&sys, "duc", ROLE_PACKER, "2222", "PB-1002") != 0 ||
	    user_add(&sys, "thao", ROLE_SUPERVISOR, "5678", "PB-2001") != 0)
		return -1;
	return user_login(db, &packer, "lan", "1111", "ST1");
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int64_t
order(const char *no, enum order_status st, int64_t ship_by, int64_t cod,
    const char *sku1, int64_t q1, const char *sku2, int64_t q2)
{
	struct order_line_in lines[2] = { { sku1, q1, 100000 }, { sku2, q2, 50000 } };
	struct order_in in = {
		.channel = "shopee", .shop = "285037461", .order_no = no, .created_at = NOW - 20 * H,
		.ship_by = ship_by, .status = st, .cod = cod, .currency = "VND",
		.total = cod > 0 ? cod : 150000, .buyer_name = "Nguyễn Thị Hương",
		.province = "Hồ Chí Minh", .lines = lines, .nlines = sku2 ? 2 : 1,
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

static struct pack_config
config(int64_t wh)
{
	struct pack_config c = { .warehouse_id = wh, .tol_g = 30, .tol_pct = 5 };

	snprintf(c.station, sizeof c.station, "ST1");
	return c;
}

static void
start(struct vm_pack *vm, int demo)
{
	struct pack_config c = config(hcm);
	struct vm_pack_opts o;

	memset(&o, 0, sizeof o);
	snprintf(o.printer, sizeof o.printer, "file");
	snprintf(o.sync, sizeof o.sync, "off");
	o.scale_sim = 1;
	o.demo = demo;
	o.tz_offset = 7 * H;
	o.io.print = fake_print;
	memset(&printed, 0, sizeof printed);
	vm_pack_init(vm, &packer, &c, &o, NOW);
}

/* The screen at rows x cols as text; row i in rows_out[i] (each up to 2048 bytes). */
struct shot {
	struct vm_screen scr;
	char row[64][2048];
};

static void
shoot(struct vm_pack *vm, int rows, int cols, struct shot *s)
{
	int y;

	vm_screen_init(&s->scr, rows, cols, ROLE_NORMAL);
	vm_pack_render(vm, &s->scr);
	for (y = 0; y < rows && y < 64; y++)
		vm_screen_row(&s->scr, y, s->row[y], sizeof s->row[y]);
}

static void
shot_free(struct shot *s)
{
	vm_screen_free(&s->scr);
}

/* The first row of the shot holding text, or -1. */
static int
row_of(const struct shot *s, const char *text)
{
	int y;

	for (y = 0; y < s->scr.rows && y < 64; y++) {
		if (strstr(s->row[y], text) != NULL)
			return y;
	}
	return -1;
}

/* The rows trimmed and joined by one space: text wrapped over rows reads as one. */
static void
joined(const struct shot *s, char *buf, size_t len)
{
	size_t used = 0;
	int y;

	buf[0] = '\0';
	for (y = 0; y < s->scr.rows && y < 64; y++) {
		const char *p = s->row[y];
		size_t n;

		while (*p == ' ')
			p++;
		n = strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0 || used + n + 2 > len)
			continue;
		if (used > 0)
			buf[used++] = ' ';
		memcpy(buf + used, p, n);
		used += n;
		buf[used] = '\0';
	}
}

/* Whether text is on the screen of vm at rows x cols (in a row, or wrapped); quiet:
 * do not show the screen when it is not. */
static int
find_on_screen(struct vm_pack *vm, int rows, int cols, const char *text, int quiet)
{
	struct shot *s = malloc(sizeof *s);
	char *all = malloc(64 * 2048);
	int y;

	shoot(vm, rows, cols, s);
	y = row_of(s, text);
	joined(s, all, 64 * 2048);
	if (y < 0 && strstr(all, text) != NULL)
		y = 0;
	free(all);
	if (y < 0 && !quiet) {
		int i;

		fprintf(stderr, "\n'%s' not on the %dx%d screen:\n", text, cols, rows);
		for (i = 0; i < rows; i++)
			fprintf(stderr, "|%s|\n", s->row[i]);
	}
	shot_free(s);
	free(s);
	return y >= 0;
}

static int
on_screen(struct vm_pack *vm, int rows, int cols, const char *text)
{
	return find_on_screen(vm, rows, cols, text, 0);
}

static int
off_screen(struct vm_pack *vm, int rows, int cols, const char *text)
{
	return !find_on_screen(vm, rows, cols, text, 1);
}

/* Every row is exactly cols display columns. */
static int
rows_fit(struct vm_pack *vm, int rows, int cols)
{
	struct shot *s = malloc(sizeof *s);
	int y, ok = 1;

	shoot(vm, rows, cols, s);
	for (y = 0; y < rows; y++) {
		if (vm_orders_width(s->row[y]) != cols) {
			fprintf(stderr, "\nrow %d is %d wide, not %d: |%s|\n", y,
			    vm_orders_width(s->row[y]), cols, s->row[y]);
			ok = 0;
		}
	}
	shot_free(s);
	free(s);
	return ok;
}

static void
keys(struct vm_pack *vm, const char *text)
{
	for (; *text != '\0'; text++)
		vm_pack_key(vm, (unsigned char)*text);
}

/* ---- log-in ---- */

static void
render_login(struct vm_login *vm, int rows, int cols, struct vm_screen *scr)
{
	vm_screen_init(scr, rows, cols, ROLE_NORMAL);
	vm_login_render(vm, scr);
}

static int
login_shows(struct vm_login *vm, const char *text)
{
	struct vm_screen scr;
	char row[2048];
	int y, found = 0;

	render_login(vm, 24, 80, &scr);
	for (y = 0; y < 24 && !found; y++) {
		vm_screen_row(&scr, y, row, sizeof row);
		found = strstr(row, text) != NULL;
	}
	vm_screen_free(&scr);
	return found;
}

static void
test_login(void)
{
	struct vm_login vm;
	int r, i;

	vm_login_init(&vm, db, "ST1", "warehouse HCM", "demo: badge PB-1001", NOW, 7 * H);
	CU_ASSERT(login_shows(&vm, "packbench station ST1"));
	CU_ASSERT(login_shows(&vm, "warehouse HCM"));
	CU_ASSERT(login_shows(&vm, "demo: badge PB-1001"));
	/* A badge scan logs in at once. */
	for (i = 0; "PB-1002"[i] != '\0'; i++)
		vm_login_key(&vm, "PB-1002"[i]);
	r = vm_login_key(&vm, VK_ENTER);
	CU_ASSERT(r & VM_DONE);
	CU_ASSERT_EQUAL(vm.ok, 1);
	CU_ASSERT_STRING_EQUAL(vm.out.user, "duc");
	CU_ASSERT_STRING_EQUAL(vm.out.station, "ST1");
	CU_ASSERT_EQUAL(vm.out.role, ROLE_PACKER);

	/* A name, Enter, the PIN (never shown), Enter. */
	vm_login_reset(&vm);
	for (i = 0; "lan"[i] != '\0'; i++)
		vm_login_key(&vm, "lan"[i]);
	r = vm_login_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(r & VM_DONE, 0);
	CU_ASSERT_EQUAL(vm.field, VL_PIN);
	for (i = 0; "1111"[i] != '\0'; i++)
		vm_login_key(&vm, "1111"[i]);
	CU_ASSERT(login_shows(&vm, "••••_"));
	CU_ASSERT(!login_shows(&vm, "1111"));
	r = vm_login_key(&vm, VK_ENTER);
	CU_ASSERT(r & VM_DONE);
	CU_ASSERT_STRING_EQUAL(vm.out.user, "lan");
	CU_ASSERT_STRING_EQUAL(vm.pin, "");

	/* Tab goes straight to the PIN; a wrong one says so and keeps the name. */
	vm_login_reset(&vm);
	for (i = 0; "thao"[i] != '\0'; i++)
		vm_login_key(&vm, "thao"[i]);
	vm_login_key(&vm, VK_TAB);
	CU_ASSERT_EQUAL(vm.field, VL_PIN);
	for (i = 0; "0000"[i] != '\0'; i++)
		vm_login_key(&vm, "0000"[i]);
	r = vm_login_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(r & VM_DONE, 0);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_ERROR_LOCK);
	CU_ASSERT(login_shows(&vm, "wrong user name or PIN"));
	CU_ASSERT_STRING_EQUAL(vm.user, "thao");
	CU_ASSERT_STRING_EQUAL(vm.pin, "");

	/* Five wrong PINs lock the account; the screen says until when. */
	for (i = 1; i < USER_MAX_FAILS; i++) {
		int k;

		for (k = 0; "0000"[k] != '\0'; k++)
			vm_login_key(&vm, "0000"[k]);
		vm_login_key(&vm, VK_ENTER);
	}
	CU_ASSERT(login_shows(&vm, "locked"));
	CU_ASSERT_EQUAL(vm.field, VL_USER);
	/* Even the right PIN is refused while locked. */
	for (i = 0; "thao"[i] != '\0'; i++)
		vm_login_key(&vm, "thao"[i]);
	vm_login_key(&vm, VK_TAB);
	for (i = 0; "5678"[i] != '\0'; i++)
		vm_login_key(&vm, "5678"[i]);
	r = vm_login_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(r & VM_DONE, 0);
	CU_ASSERT(login_shows(&vm, "locked"));
	/* Unknown badge and name: asked for a PIN, then refused. */
	vm_login_reset(&vm);
	for (i = 0; "PB-9999"[i] != '\0'; i++)
		vm_login_key(&vm, "PB-9999"[i]);
	vm_login_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.field, VL_PIN);
	/* F10 quits without logging in. */
	r = vm_login_key(&vm, VK_F(10));
	CU_ASSERT(r & VM_DONE);
	CU_ASSERT_EQUAL(vm.ok, 0);
	/* Small screens still lay out. */
	{
		struct vm_screen scr;
		char row[2048];
		int y, found = 0;

		render_login(&vm, 12, 40, &scr);
		for (y = 0; y < 12; y++) {
			vm_screen_row(&scr, y, row, sizeof row);
			CU_ASSERT_EQUAL(vm_orders_width(row), 40);
			found |= strstr(row, "PIN") != NULL;
		}
		CU_ASSERT(found);
		vm_screen_free(&scr);
	}
	/* Later tests need thao's badge: lift the lock as the time running out would. */
	vm_login_reset(&vm);
	db_run(db, "UPDATE app_user SET locked_until = 0, failed = 0 WHERE name = 'thao'", "");
}

/* ---- the flow ---- */

static void
test_scan_order_screen(void)
{
	struct vm_pack vm;

	order("VMP-HINT-1", ST_CONFIRMED, NOW + 1 * H, 0, "KHAN", 1, NULL, 0);
	order("VMP-HINT-2", ST_CONFIRMED, NOW + 2 * H, 0, "KHAN", 1, NULL, 0);
	start(&vm, 1);
	CU_ASSERT_EQUAL(vm.p.step, PACK_SCAN_ORDER);
	CU_ASSERT(on_screen(&vm, 24, 80, "SCAN AN ORDER"));
	CU_ASSERT(on_screen(&vm, 24, 80, "Scan order ▸ _"));
	/* The status line: station, operator, scale, printer, sync, clock (UTC+7). */
	CU_ASSERT(on_screen(&vm, 24, 80, "ST1  lan  scale: sim  printer: file  sync: off"));
	CU_ASSERT(on_screen(&vm, 24, 80, "07:00"));
	/* The demo hints the most urgent confirmed orders. */
	CU_ASSERT(vm.nhints >= 2);
	CU_ASSERT(on_screen(&vm, 24, 80, "VMP-HINT-1  VMP-HINT-2"));
	CU_ASSERT(on_screen(&vm, 12, 40, "VMP-HINT-1"));
	/* Enter with nothing typed asks for an order. */
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_WARN);
	/* Keys that need an order say so. */
	vm_pack_key(&vm, VK_F(5));
	CU_ASSERT_EQUAL(vm.mode, VP_MAIN);
	CU_ASSERT(strstr(vm.msg, "no order open") != NULL);
	vm_pack_free(&vm);
	/* Outside the demo, no hints. */
	start(&vm, 0);
	CU_ASSERT_EQUAL(vm.nhints, 0);
	vm_pack_free(&vm);
}

static void
test_happy_path(void)
{
	struct vm_pack vm;
	struct shot *s = malloc(sizeof *s);
	int64_t id, n;
	int y, r;

	id = order("VMP-1", ST_CONFIRMED, NOW + 3 * H, 1250000, "AO-THUN-M", 2, "KHAN", 1);
	start(&vm, 1);
	r = vm_pack_scan(&vm, "VMP-1");
	CU_ASSERT(r & VM_REDRAW);
	CU_ASSERT_EQUAL(vm.p.step, PACK_SCAN_ITEMS);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKING");
	CU_ASSERT_EQUAL(vm.input[0], '\0');
	/* The order screen: header, lines, units left, package, weight. */
	shoot(&vm, 24, 80, s);
	CU_ASSERT(row_of(s, "Order VMP-1") == 1);
	CU_ASSERT(row_of(s, "Shopee · shop 285037461") == 1);
	CU_ASSERT(row_of(s, "Ship by in 3h00m") == 1);
	CU_ASSERT(row_of(s, "Nguyễn Thị Hương · Hồ Chí Minh") == 2);
	CU_ASSERT(row_of(s, "COD 1.250.000 ₫") == 2);
	CU_ASSERT(row_of(s, "UNITS LEFT") == 3);
	y = row_of(s, "AO-THUN-M");
	CU_ASSERT(y >= 4);
	CU_ASSERT(strstr(s->row[y], "Áo thun cotton nam - Trắng - M") != NULL);
	CU_ASSERT(strstr(s->row[y], "0 / 2") != NULL);
	CU_ASSERT(row_of(s, "of 3 units") > 0);
	CU_ASSERT(row_of(s, "SCAN ITEMS") > 0);
	/* 3 in large digits: the 3x5 font's first row "######" in the panel. */
	CU_ASSERT(row_of(s, "██████") == 5);
	CU_ASSERT(row_of(s, "Package 1 · box S 20x15x10 cm, tare 40 g") > 0);
	CU_ASSERT(row_of(s, "Weight: expected 40 g ±30 g") > 0);
	CU_ASSERT(row_of(s, "F1 Ack F2 Box F3 New pkg F4 Reprint F5 Hold F6 Weigh") == 22);
	CU_ASSERT(row_of(s, "F10 Logout") == 23);
	shot_free(s);

	/* A scan: the line lights up, the count falls. */
	vm_pack_scan(&vm, "8934567890120");
	CU_ASSERT_EQUAL(vm.last_line, 0);
	CU_ASSERT_EQUAL(pack_remaining(&vm.p), 2);
	shoot(&vm, 24, 80, s);
	y = row_of(s, "AO-THUN-M");
	CU_ASSERT(strstr(s->row[y], "▶") != NULL);
	CU_ASSERT(strstr(s->row[y], "1 / 2") != NULL);
	CU_ASSERT_EQUAL(vm_screen_role(&s->scr, y, 4), ROLE_PACK_LAST);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_MESSAGE);
	shot_free(s);
	vm_pack_scan(&vm, "8934567890120");
	vm_pack_scan(&vm, "8930000000026");
	CU_ASSERT_EQUAL(vm.last_line, 1);
	CU_ASSERT_EQUAL(vm.p.step, PACK_WEIGH);
	shoot(&vm, 24, 80, s);
	/* Done lines are dimmed, the last one lit. */
	y = row_of(s, "AO-THUN-M");
	CU_ASSERT(strstr(s->row[y], "✓") != NULL);
	CU_ASSERT_EQUAL(vm_screen_role(&s->scr, y, 4), ROLE_DONE);
	CU_ASSERT_EQUAL(vm_screen_role(&s->scr, row_of(s, "KHAN"), 4), ROLE_PACK_LAST);
	CU_ASSERT(row_of(s, "WEIGH") > 0);
	CU_ASSERT(row_of(s, "put the parcel on the scale (F6)") > 0);
	shot_free(s);

	/* Confirming now is refused (not weighed), no lock. */
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_WARN);
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);
	CU_ASSERT_EQUAL(vm_pack_bell(&vm), 0);

	/* Box M by its number key; F6 weighs within tolerance. */
	vm_pack_key(&vm, '2');
	CU_ASSERT_EQUAL(vm.pending, 1);
	vm_pack_idle(&vm);
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 1);
	CU_ASSERT_EQUAL(vm.input[0], '\0');
	vm_pack_key(&vm, VK_F(6));
	CU_ASSERT(vm.scale_g > 0);
	CU_ASSERT(llabs(vm.scale_g - pack_expected_g(&vm.p, 0)) <= 8);
	CU_ASSERT_EQUAL(vm.p.step, PACK_READY);
	CU_ASSERT(on_screen(&vm, 24, 80, "READY: Enter"));
	CU_ASSERT(on_screen(&vm, 24, 80, "weighed"));
	{
		char g[32], t[48];

		vm_pack_grams(g, sizeof g, vm.scale_g);
		snprintf(t, sizeof t, "scale: %s", g);
		CU_ASSERT(on_screen(&vm, 24, 80, t));
	}
	/* Enter confirms: packed, printed, back to "Scan order" with the summary. */
	r = vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT(r & VM_REDRAW);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	CU_ASSERT_EQUAL(printed.calls, 1);
	CU_ASSERT_EQUAL(printed.order_id, id);
	CU_ASSERT_EQUAL(vm.p.step, PACK_SCAN_ORDER);
	CU_ASSERT_EQUAL(vm.scale_g, -1);
	CU_ASSERT(strstr(vm.msg, "label printed") != NULL);
	CU_ASSERT(on_screen(&vm, 24, 80, "Last parcel  packed VMP-1: 1 package"));
	CU_ASSERT(on_screen(&vm, 12, 40, "packed VMP-1"));
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ? AND box = 'M'", "i", id);
	CU_ASSERT_EQUAL(n, 1);
	/* F4 reprints; a printer failure is told and the order stays packed. */
	vm_pack_key(&vm, VK_F(4));
	CU_ASSERT_EQUAL(printed.calls, 2);
	CU_ASSERT_EQUAL(printed.reprints, 1);
	printed.fail = 1;
	vm_pack_key(&vm, VK_F(4));
	CU_ASSERT(strstr(vm.msg, "label NOT printed") != NULL);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_WARN);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	vm_pack_free(&vm);
	free(s);
}

/* Open a lock of the expected kind; check the screen, the bell, and acknowledge it
 * with ack_key (VK_ENTER, VK_F1, or 0 for a CMD:ACK scan). */
static void
check_lock(struct vm_pack *vm, enum pack_lock kind, const char *title, const char *msg,
    int ack_key)
{
	struct shot *s = malloc(sizeof *s);
	int64_t locks0, locks1, acks0, acks1;

	db_int(db, &acks0, "SELECT count(*) FROM audit WHERE action = 'ack' AND user_name = "
	    "'lan' AND station = 'ST1'", "");
	CU_ASSERT_EQUAL(vm->p.lock, kind);
	CU_ASSERT_EQUAL(vm_pack_bell(vm), 1);
	CU_ASSERT_EQUAL(vm_pack_bell(vm), 0);
	shoot(vm, 24, 80, s);
	CU_ASSERT_EQUAL(s->scr.bg, ROLE_ERROR_LOCK);
	CU_ASSERT(row_of(s, title) >= 0);
	CU_ASSERT(row_of(s, "scan CMD:ACK or press Enter/F1 to acknowledge") >= 0);
	CU_ASSERT(row_of(s, "Enter/F1 Acknowledge") == 23);
	CU_ASSERT_EQUAL(vm_screen_role(&s->scr, 0, 1), ROLE_ERROR_LOCK);
	CU_ASSERT_EQUAL(vm_screen_role(&s->scr, 12, 40), ROLE_ERROR_LOCK);
	shot_free(s);
	CU_ASSERT(strstr(vm->p.lock_msg, msg) != NULL);
	CU_ASSERT(on_screen(vm, 24, 80, msg));
	/* The compact layout: the lock, its title and the message, no large digits. */
	shoot(vm, 12, 40, s);
	CU_ASSERT_EQUAL(s->scr.bg, ROLE_ERROR_LOCK);
	CU_ASSERT(row_of(s, "STOP:") == 1);
	CU_ASSERT(row_of(s, "CMD:ACK or Enter/F1: acknowledge") > 0);
	CU_ASSERT(row_of(s, "██") < 0);
	shot_free(s);
	CU_ASSERT(rows_fit(vm, 24, 80));
	CU_ASSERT(rows_fit(vm, 12, 40));
	/* While locked: scans and keys are refused with the bell; Tab does not leave. */
	db_int(db, &locks0, "SELECT count(*) FROM audit WHERE action = 'lock'", "");
	vm_pack_scan(vm, "8934567890120");
	CU_ASSERT_EQUAL(vm->p.lock, kind);
	CU_ASSERT_EQUAL(vm_pack_bell(vm), 1);
	CU_ASSERT_EQUAL(vm_pack_key(vm, VK_TAB) & VM_SWITCH, 0);
	vm_pack_key(vm, VK_F(8));
	CU_ASSERT_EQUAL(vm->p.lock, kind);
	vm_pack_bell(vm);
	db_int(db, &locks1, "SELECT count(*) FROM audit WHERE action = 'lock'", "");
	CU_ASSERT_EQUAL(locks1, locks0);
	if (ack_key != 0)
		vm_pack_key(vm, ack_key);
	else
		vm_pack_scan(vm, "CMD:ACK");
	CU_ASSERT_EQUAL(vm->p.lock, PACK_LOCK_NONE);
	shoot(vm, 24, 80, s);
	CU_ASSERT_EQUAL(s->scr.bg, ROLE_NORMAL);
	CU_ASSERT(row_of(s, "acknowledged") >= 0);
	shot_free(s);
	db_int(db, &acks1, "SELECT count(*) FROM audit WHERE action = 'ack' AND user_name = "
	    "'lan' AND station = 'ST1'", "");
	CU_ASSERT_EQUAL(acks1, acks0 + 1);
	free(s);
}

/* GS1 element string: GTIN-14 of gtin13, expiry (17) YYMMDD, lot (10), GS-separated. */
static void
gs1_scan(char *buf, size_t len, const char *gtin13, int64_t expiry, const char *lot)
{
	char date[24];

	clock_format(expiry, 0, date, sizeof date);
	snprintf(buf, len, "010%s17%.2s%.2s%.2s10%s\x1d", gtin13, date + 2, date + 5, date + 8,
	    lot);
}

static void
test_order_locks(void)
{
	struct pack_config c2 = config(hcm);
	struct pack other;
	struct pack_result r;
	struct session duc;
	struct vm_pack vm;

	order("VMP-HOLD", ST_ON_HOLD, NOW + 5 * H, 0, "KHAN", 1, NULL, 0);
	order("VMP-HN", ST_CONFIRMED, NOW + 5 * H, 0, "NON-LA", 1, NULL, 0);
	order("VMP-BUSY", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 1, NULL, 0);
	start(&vm, 0);

	/* Not an order at all. */
	vm_pack_scan(&vm, "NO-SUCH-ORDER");
	check_lock(&vm, PACK_LOCK_UNKNOWN, "UNKNOWN BARCODE",
	    "'NO-SUCH-ORDER' is not an order, tracking number, tote", VK_ENTER);
	/* On hold. */
	vm_pack_scan(&vm, "VMP-HOLD");
	check_lock(&vm, PACK_LOCK_ORDER, "ORDER CANNOT BE PACKED", "VMP-HOLD", VK_F1);
	/* Only Ha Noi can fill it. */
	vm_pack_scan(&vm, "VMP-HN");
	check_lock(&vm, PACK_LOCK_WAREHOUSE, "NOT PACKABLE HERE", "VMP-HN", 0);
	/* Another station holds it. */
	CU_ASSERT_EQUAL_FATAL(user_login(db, &duc, "duc", "2222", "ST2"), 0);
	snprintf(c2.station, sizeof c2.station, "ST2");
	pack_init(&other, &duc, &c2);
	pack_input(&other, "VMP-BUSY", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	vm_pack_scan(&vm, "VMP-BUSY");
	check_lock(&vm, PACK_LOCK_BUSY, "BUSY AT ANOTHER STATION", "ST2", VK_ENTER);
	pack_cancel(&other, &r);
	pack_free(&other);
	CU_ASSERT_EQUAL(vm.p.order_id, 0);
	vm_pack_free(&vm);
}

static void
test_item_locks(void)
{
	struct vm_pack vm;
	char scan[128];
	int64_t id, n;

	id = order("VMP-2", ST_CONFIRMED, NOW - 2 * H, 0, "AO-THUN-M", 1, "SUA-180", 2);
	start(&vm, 0);
	vm_pack_scan(&vm, "VMP-2");
	CU_ASSERT_EQUAL(vm.p.step, PACK_SCAN_ITEMS);
	CU_ASSERT(on_screen(&vm, 24, 80, "Ship by overdue 2h"));
	CU_ASSERT(on_screen(&vm, 24, 80, "prepaid"));
	/* A barcode nobody knows: what was scanned and what the order wants. */
	vm_pack_scan(&vm, "1234567");
	check_lock(&vm, PACK_LOCK_UNKNOWN, "UNKNOWN BARCODE",
	    "scanned 1234567: no SKU has this barcode; order VMP-2 wants AO-THUN-M x1, "
	    "SUA-180 x2", VK_ENTER);
	/* A real SKU this order does not want. */
	vm_pack_scan(&vm, "8930000000026");
	check_lock(&vm, PACK_LOCK_NOT_IN_ORDER, "WRONG ITEM",
	    "scanned KHAN (8930000000026): not in order VMP-2, which wants AO-THUN-M x1, "
	    "SUA-180 x2", VK_F1);
	/* One too many. */
	vm_pack_scan(&vm, "8934567890120");
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);
	vm_pack_scan(&vm, "8934567890120");
	check_lock(&vm, PACK_LOCK_OVERSCAN, "ONE TOO MANY",
	    "scanned AO-THUN-M: one too many; order VMP-2 wants 1, 1 already scanned", 0);
	/* A lot expiring in 10 days; the SKU needs 30. The GS separator survives. */
	gs1_scan(scan, sizeof scan, "8935049501503", NOW + 10 * 86400, "OLD7");
	vm_pack_scan(&vm, scan);
	CU_ASSERT(strstr(vm.p.lock_msg, "10 days left; SUA-180 needs at least 30 days") !=
	    NULL);
	check_lock(&vm, PACK_LOCK_SHELF_LIFE, "EXPIRES TOO SOON",
	    "scanned SUA-180 lot OLD7: expires", VK_ENTER);
	/* A fresh lot with the GS between the lot and what follows. */
	gs1_scan(scan, sizeof scan, "8935049501503", NOW + 100 * 86400, "L1");
	strncat(scan, "3001", sizeof scan - strlen(scan) - 1);     /* (30) count 1 */
	keys(&vm, scan);
	CU_ASSERT(strchr(vm.input, 0x1d) != NULL);
	CU_ASSERT(on_screen(&vm, 24, 80, "L1␝3001_"));
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);
	CU_ASSERT_EQUAL(vm.p.lines[1].scanned, 1);
	db_int(db, &n, "SELECT count(*) FROM pack_scan WHERE order_id = ? AND lot_code = "
	    "'L1'", "i", id);
	CU_ASSERT_EQUAL(n, 1);
	vm_pack_free(&vm);
}

static void
test_weight_lock(void)
{
	struct vm_pack vm;
	int64_t id, n;

	id = order("VMP-3", ST_CONFIRMED, NOW + 30 * 60, 350000, "AO-THUN-M", 1, NULL, 0);
	start(&vm, 0);
	vm_pack_scan(&vm, "VMP-3");
	CU_ASSERT(on_screen(&vm, 24, 80, "Ship by in 30m"));
	vm_pack_scan(&vm, "8934567890120");
	CU_ASSERT_EQUAL(vm.p.step, PACK_WEIGH);
	/* F7: the simulated wrong weight, expected + 500 g: a weight lock. */
	vm_pack_key(&vm, VK_F(7));
	CU_ASSERT_EQUAL(vm.scale_g, pack_expected_g(&vm.p, 0) + VM_PACK_WRONG_G);
	CU_ASSERT(on_screen(&vm, 24, 80, "supervisor: scan badge to override"));
	CU_ASSERT(on_screen(&vm, 24, 80, "badge Override"));
	check_lock(&vm, PACK_LOCK_WEIGHT, "WRONG WEIGHT",
	    "package 1 weighs 740 g, expected 240 g +/- 30 g (box S)", VK_ENTER);
	CU_ASSERT_EQUAL(vm.p.step, PACK_WEIGH);
	/* F6: a good weight. */
	vm_pack_key(&vm, VK_F(6));
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);
	CU_ASSERT_EQUAL(vm.p.step, PACK_READY);

	/* Weigh wrong again; a packer's badge cannot override, a supervisor's can. */
	vm_pack_key(&vm, VK_F(7));
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_WEIGHT);
	vm_pack_bell(&vm);
	vm_pack_scan(&vm, "PB-1002");
	CU_ASSERT_EQUAL(vm.mode, VP_OVERRIDE);
	CU_ASSERT(on_screen(&vm, 24, 80, "Why accept this weight?"));
	CU_ASSERT(on_screen(&vm, 24, 80, "1  scale needs calibrating"));
	CU_ASSERT(on_screen(&vm, 12, 40, "1  scale needs calibrating"));
	CU_ASSERT(off_screen(&vm, 24, 80, "PB-1002"));
	vm_pack_key(&vm, '1');
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_WEIGHT);
	CU_ASSERT_EQUAL(vm.mode, VP_MAIN);
	CU_ASSERT(strstr(vm.msg, "override refused") != NULL);
	CU_ASSERT(strstr(vm.msg, "supervisor") != NULL);
	CU_ASSERT(on_screen(&vm, 24, 80, "✗ override refused: duc is a packer"));
	CU_ASSERT(on_screen(&vm, 12, 40, "✗ override refused"));
	vm_pack_bell(&vm);
	/* Esc leaves the reason list, the lock stays. */
	vm_pack_scan(&vm, "PB-2001");
	CU_ASSERT_EQUAL(vm.mode, VP_OVERRIDE);
	vm_pack_key(&vm, VK_ESC);
	CU_ASSERT_EQUAL(vm.mode, VP_MAIN);
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_WEIGHT);
	/* A typed reason. */
	vm_pack_scan(&vm, "PB-2001");
	vm_pack_scan(&vm, "gift box added by the shop");
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);
	CU_ASSERT_EQUAL(vm.p.step, PACK_READY);
	CU_ASSERT(strstr(vm.p.pkgs[0].override, "thao: gift box added") != NULL);
	CU_ASSERT(on_screen(&vm, 24, 80, "weighed 740 g ✓ override (thao: gift box"));
	CU_ASSERT(on_screen(&vm, 24, 80, "accepted by thao: gift box added by the shop"));
	CU_ASSERT_STRING_EQUAL(vm.badge, "");
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	db_int(db, &n, "SELECT count(*) FROM audit WHERE action = 'weight_override' AND "
	    "user_name = 'thao'", "");
	CU_ASSERT_EQUAL(n, 1);
	vm_pack_free(&vm);
}

static void
test_box_keys(void)
{
	struct vm_pack vm;
	int nb;

	order("VMP-4", ST_CONFIRMED, NOW + 5 * H, 0, "AO-THUN-M", 3, NULL, 0);
	start(&vm, 0);
	pack_boxes(&vm.p, &nb);
	CU_ASSERT_EQUAL(nb, 3);
	/* No order: a digit is the start of an order number. */
	vm_pack_key(&vm, '3');
	CU_ASSERT_EQUAL(vm.pending, 0);
	vm_pack_key(&vm, VK_ESC);
	CU_ASSERT_STRING_EQUAL(vm.input, "");
	vm_pack_scan(&vm, "VMP-4");
	/* A digit and Enter: a box. */
	vm_pack_scan(&vm, "3");
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 2);
	/* A scan starting with a digit is a scan, not a box. */
	keys(&vm, "8934567890120");
	CU_ASSERT_EQUAL(vm.pending, 0);
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 2);
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.p.lines[0].scanned, 1);
	/* A digit alone, then quiet: a box. A digit for a box that is not there: nothing. */
	vm_pack_key(&vm, '1');
	vm_pack_idle(&vm);
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 0);
	vm_pack_key(&vm, '7');
	CU_ASSERT_EQUAL(vm.pending, 0);
	vm_pack_key(&vm, VK_BACKSPACE);
	/* A digit then a function key: the box first. */
	vm_pack_key(&vm, '2');
	vm_pack_key(&vm, VK_F(2));
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 1);
	/* F2 opened the box list: a number picks at once, Esc closes. */
	CU_ASSERT_EQUAL(vm.mode, VP_BOXES);
	CU_ASSERT(on_screen(&vm, 24, 80, "Box for package 1"));
	CU_ASSERT(on_screen(&vm, 24, 80, "2  M    30x20x15 cm, tare 80 g · BOX-M   ◀ now"));
	CU_ASSERT(on_screen(&vm, 24, 80, "1-3 Pick box"));
	vm_pack_key(&vm, '3');
	CU_ASSERT_EQUAL(vm.mode, VP_MAIN);
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 2);
	vm_pack_key(&vm, VK_F(2));
	vm_pack_key(&vm, VK_ESC);
	CU_ASSERT_EQUAL(vm.mode, VP_MAIN);
	/* A box's barcode picks it too. */
	vm_pack_scan(&vm, "BOX-S");
	CU_ASSERT_EQUAL(vm.p.pkgs[0].box, 0);
	vm_pack_free(&vm);
}

static void
test_packages(void)
{
	struct vm_pack vm;
	int64_t id, n;

	id = order("VMP-5", ST_CONFIRMED, NOW + 5 * H, 0, "AO-THUN-M", 2, NULL, 0);
	start(&vm, 0);
	vm_pack_scan(&vm, "VMP-5");
	vm_pack_scan(&vm, "8934567890120");
	/* F3 before weighing: refused. */
	vm_pack_key(&vm, VK_F(3));
	CU_ASSERT_EQUAL(vm.p.npkgs, 1);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_WARN);
	vm_pack_key(&vm, VK_F(6));
	CU_ASSERT(vm.p.pkgs[0].weight_g > 0);
	vm_pack_key(&vm, VK_F(3));
	CU_ASSERT_EQUAL(vm.p.npkgs, 2);
	CU_ASSERT(on_screen(&vm, 24, 80, "Package 2 · box S"));
	vm_pack_scan(&vm, "8934567890120");
	vm_pack_key(&vm, VK_F(6));
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	CU_ASSERT(strstr(vm.msg, "2 packages") != NULL);
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ?", "i", id);
	CU_ASSERT_EQUAL(n, 2);
	vm_pack_free(&vm);
}

/* The marketplace's cancel of order no, as a pull in another process stores it. */
static void
cancel_elsewhere(const char *no, const char *sku, int64_t qty)
{
	struct order_line_in line = { sku, qty, 100000 };
	struct order_in in = {
		.channel = "shopee", .shop = "285037461", .order_no = no, .created_at = NOW - 20 * H,
		.ship_by = NOW + 5 * H, .status = ST_CANCELLED, .currency = "VND", .total = 150000,
		.buyer_name = "Nguyễn Thị Hương", .province = "Hồ Chí Minh", .lines = &line,
		.nlines = 1,
	};
	struct session other;
	struct db *db2;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(db_open(&db2, path, err, sizeof err), 0);
	session_system(&other, db2, "sync");
	CU_ASSERT_EQUAL(order_upsert(&other, &in, NULL, NULL), 0);
	db_close(db2);
}

/* A buyer cancels the order being packed: the station locks at once and takes nothing
 * but an acknowledge, which closes the order unlabelled. */
static void
test_cancel_lock(void)
{
	struct vm_pack vm;
	struct session sup;
	int64_t a, b, c, n;
	int r;

	a = order("VMP-C1", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 2, NULL, 0);
	b = order("VMP-C2", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 2, NULL, 0);
	c = order("VMP-C3", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 2, NULL, 0);
	start(&vm, 0);
	vm_pack_scan(&vm, "VMP-C1");
	vm_pack_scan(&vm, "8930000000026");
	CU_ASSERT_EQUAL(vm.p.lines[0].scanned, 1);
	/* Nothing changed: the tick finds nothing. */
	CU_ASSERT_EQUAL(vm_pack_tick(&vm, NOW + 1) & VM_REDRAW, 0);
	CU_ASSERT_EQUAL(vm.cancelled, 0);
	vm_pack_bell(&vm);

	cancel_elsewhere("VMP-C1", "KHAN", 2);
	CU_ASSERT_STRING_EQUAL(status_of(a), "CANCELLED");
	r = vm_pack_tick(&vm, NOW + 2);
	CU_ASSERT(r & VM_REDRAW);
	CU_ASSERT_EQUAL(vm.cancelled, 1);
	CU_ASSERT_STRING_EQUAL(vm.cancel_by, "buyer");
	CU_ASSERT_EQUAL(vm_pack_bell(&vm), 1);
	CU_ASSERT(on_screen(&vm, 24, 80, "CANCELLED BY BUYER"));
	CU_ASSERT(on_screen(&vm, 24, 80, "cancelled by the buyer on Shopee"));
	CU_ASSERT(on_screen(&vm, 24, 80, "do not label or ship it"));
	CU_ASSERT(on_screen(&vm, 12, 40, "STOP: CANCELLED BY BUYER"));
	CU_ASSERT(rows_fit(&vm, 24, 80));
	{
		struct shot *sh = malloc(sizeof *sh);

		shoot(&vm, 24, 80, sh);
		CU_ASSERT_EQUAL(sh->scr.bg, ROLE_ERROR_LOCK);
		shot_free(sh);
		free(sh);
	}
	/* Nothing else is taken: a unit, the weight, confirm, Tab. */
	vm_pack_scan(&vm, "8930000000026");
	CU_ASSERT_EQUAL(vm.p.lines[0].scanned, 1);
	vm_pack_key(&vm, VK_F(6));
	vm_pack_scan(&vm, "CMD:CONFIRM");
	CU_ASSERT_EQUAL(vm_pack_key(&vm, VK_TAB) & VM_SWITCH, 0);
	CU_ASSERT_EQUAL(vm.cancelled, 1);
	CU_ASSERT_EQUAL(printed.calls, 0);
	/* Acknowledged: the order is closed here, never packed or labelled. */
	vm_pack_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.cancelled, 0);
	CU_ASSERT_EQUAL(vm.p.order_id, 0);
	CU_ASSERT_EQUAL(vm.p.lock, PACK_LOCK_NONE);
	CU_ASSERT(strstr(vm.msg, "VMP-C1 closed (cancelled by buyer)") != NULL);
	CU_ASSERT_STRING_EQUAL(status_of(a), "CANCELLED");
	CU_ASSERT(on_screen(&vm, 24, 80, "SCAN AN ORDER"));
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ?", "i", a);
	CU_ASSERT_EQUAL(n, 0);
	db_int(db, &n, "SELECT count(*) FROM outbox WHERE order_id = ?", "i", a);
	CU_ASSERT_EQUAL(n, 0);
	db_int(db, &n, "SELECT count(*) FROM audit WHERE entity = 'order' AND entity_id = ? "
	    "AND after LIKE '%\"lock\":\"cancelled\"%'", "i", a);
	CU_ASSERT_EQUAL(n, 2);          /* the lock and its acknowledgement */
	CU_ASSERT_EQUAL(printed.calls, 0);

	/* The cancel lands just before a scan: the scan is not applied, the lock shows. */
	vm_pack_scan(&vm, "VMP-C2");
	CU_ASSERT_EQUAL(vm.p.order_id, b);
	cancel_elsewhere("VMP-C2", "KHAN", 2);
	vm_pack_scan(&vm, "8930000000026");
	CU_ASSERT_EQUAL(vm.cancelled, 1);
	CU_ASSERT_EQUAL(vm.p.lines[0].scanned, 0);
	vm_pack_scan(&vm, "CMD:ACK");
	CU_ASSERT_EQUAL(vm.p.order_id, 0);

	/* A supervisor cancels it on this very connection: named on the lock. */
	vm_pack_scan(&vm, "VMP-C3");
	CU_ASSERT_EQUAL_FATAL(user_login(db, &sup, "thao", "5678", "ST9"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, c, 0, ST_CANCELLED, "buyer phoned"), 0);
	CU_ASSERT(vm_pack_tick(&vm, NOW + 3) & VM_REDRAW);
	CU_ASSERT_STRING_EQUAL(vm.cancel_by, "thao");
	CU_ASSERT(on_screen(&vm, 24, 80, "CANCELLED BY THAO"));
	vm_pack_key(&vm, VK_F(1));
	CU_ASSERT_EQUAL(vm.p.order_id, 0);
	vm_pack_free(&vm);
}

static void
test_hold_and_cancel(void)
{
	struct vm_pack vm;
	int64_t a, b, c, n;

	a = order("VMP-6", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 2, NULL, 0);
	b = order("VMP-7", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 2, NULL, 0);
	c = order("VMP-8", ST_CONFIRMED, NOW + 5 * H, 0, "KHAN", 2, NULL, 0);
	start(&vm, 0);
	/* F5, 1: damaged. */
	vm_pack_scan(&vm, "VMP-6");
	vm_pack_key(&vm, VK_F(5));
	CU_ASSERT_EQUAL(vm.mode, VP_HOLD);
	CU_ASSERT(on_screen(&vm, 24, 80, "Report a problem: order VMP-6 goes on hold"));
	CU_ASSERT(on_screen(&vm, 24, 80, "1  damaged"));
	CU_ASSERT(on_screen(&vm, 24, 80, "4  other (type it)"));
	vm_pack_key(&vm, '1');
	CU_ASSERT_STRING_EQUAL(status_of(a), "ON_HOLD");
	CU_ASSERT_EQUAL(vm.p.order_id, 0);
	CU_ASSERT(strstr(vm.msg, "on hold for a supervisor: damaged") != NULL);
	/* F5, 4: a typed reason. */
	vm_pack_scan(&vm, "VMP-7");
	vm_pack_key(&vm, VK_F(5));
	vm_pack_key(&vm, '4');
	CU_ASSERT_EQUAL(vm.mode, VP_HOLD_OTHER);
	vm_pack_scan(&vm, "hộp móp");
	CU_ASSERT_STRING_EQUAL(status_of(b), "ON_HOLD");
	db_int(db, &n, "SELECT count(*) FROM audit WHERE entity = 'order' AND after LIKE "
	    "'%hộp móp%'", "");
	CU_ASSERT(n >= 1);
	/* F5 then Esc: nothing happens. */
	vm_pack_scan(&vm, "VMP-8");
	vm_pack_key(&vm, VK_F(5));
	vm_pack_key(&vm, VK_ESC);
	CU_ASSERT_EQUAL(vm.mode, VP_MAIN);
	CU_ASSERT_STRING_EQUAL(status_of(c), "PACKING");
	/* F8: the order goes back, its scans undone. */
	vm_pack_scan(&vm, "8930000000026");
	vm_pack_key(&vm, VK_F(8));
	CU_ASSERT_STRING_EQUAL(status_of(c), "ALLOCATED");
	CU_ASSERT_EQUAL(vm.p.order_id, 0);
	db_int(db, &n, "SELECT count(*) FROM pack_scan WHERE order_id = ?", "i", c);
	CU_ASSERT_EQUAL(n, 0);
	vm_pack_free(&vm);
}

static void
test_switch_logout(void)
{
	struct vm_pack vm;
	int r;

	start(&vm, 0);
	r = vm_pack_key(&vm, VK_TAB);
	CU_ASSERT(r & VM_SWITCH);
	/* Typed text edits; Esc clears. */
	keys(&vm, "ABC");
	vm_pack_key(&vm, VK_BACKSPACE);
	CU_ASSERT_STRING_EQUAL(vm.input, "AB");
	vm_pack_key(&vm, VK_ESC);
	CU_ASSERT_STRING_EQUAL(vm.input, "");
	/* The clock: a redraw when the minute turns. (First the alerts settle: an order
	 * allocated here at confirmation falls due within the hour just after NOW.) */
	vm_pack_tick(&vm, NOW + 5);
	CU_ASSERT_EQUAL(vm_pack_tick(&vm, NOW + 30), 0);
	CU_ASSERT_EQUAL(vm_pack_tick(&vm, NOW + 61), VM_REDRAW);
	r = vm_pack_key(&vm, VK_F(10));
	CU_ASSERT(r & VM_LOGOUT);
	vm_pack_free(&vm);
	/* CMD:LOGOUT scanned does the same. */
	start(&vm, 0);
	r = vm_pack_scan(&vm, "CMD:LOGOUT");
	CU_ASSERT(r & VM_LOGOUT);
	vm_pack_free(&vm);
}

static void
test_layouts(void)
{
	static const int sizes[][2] = { { 24, 80 }, { 30, 120 }, { 12, 40 }, { 20, 60 },
	    { 40, 200 } };
	struct vm_pack vm;
	struct shot *s = malloc(sizeof *s);
	size_t i;

	order("VMP-9-WITH-A-LONG-ORDER-NUMBER", ST_CONFIRMED, NOW + 26 * H, 2500000,
	    "AO-THUN-M", 12, "SUA-180", 6);
	start(&vm, 0);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		CU_ASSERT(rows_fit(&vm, sizes[i][0], sizes[i][1]));
	vm_pack_scan(&vm, "VMP-9-WITH-A-LONG-ORDER-NUMBER");
	vm_pack_scan(&vm, "8934567890120");
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		CU_ASSERT(rows_fit(&vm, sizes[i][0], sizes[i][1]));
	/* Full: 17 left in large digits (two digits side by side). */
	shoot(&vm, 24, 80, s);
	CU_ASSERT_EQUAL(vm.layout, VP_FULL);
	CU_ASSERT(row_of(s, "██    ██████") == 5);
	CU_ASSERT(row_of(s, "of 18 units") > 0);
	CU_ASSERT(row_of(s, "Ship by in 1d 2h") == 1);
	shot_free(s);
	/* Compact: the essentials, no large digits. */
	shoot(&vm, 12, 40, s);
	CU_ASSERT_EQUAL(vm.layout, VP_COMPACT);
	CU_ASSERT(row_of(s, "LEFT 17") == 3);
	CU_ASSERT(row_of(s, "COD 2.500.000 ₫") == 2);
	CU_ASSERT(row_of(s, "in 1d 2h") == 1);
	CU_ASSERT(row_of(s, "AO-THUN-M") >= 4);
	CU_ASSERT(row_of(s, "1 / 12") >= 4);
	CU_ASSERT(row_of(s, "Scan ▸ _") == 10);
	CU_ASSERT(row_of(s, "F2 Box") == 11);
	CU_ASSERT(row_of(s, "██") < 0);
	shot_free(s);
	/* Too small: how large it must be; the state is kept. */
	shoot(&vm, 10, 30, s);
	CU_ASSERT_EQUAL(vm.layout, VP_SMALL);
	CU_ASSERT(row_of(s, "at least 40x12") >= 0);
	CU_ASSERT(row_of(s, "(now 30x10)") >= 0);
	shot_free(s);
	CU_ASSERT_EQUAL(pack_remaining(&vm.p), 17);
	CU_ASSERT(on_screen(&vm, 24, 80, "1 / 12"));
	/* Many lines scroll, keeping the line scanned last in sight. */
	vm_pack_key(&vm, VK_PGDN);
	CU_ASSERT(rows_fit(&vm, 12, 40));
	vm_pack_free(&vm);
	free(s);
}

/* An order of many lines scrolls to keep the line scanned last in sight. */
static void
test_scroll(void)
{
	struct order_line_in lines[12];
	struct order_in in = {
		.channel = "tiktok", .shop = "7494026358142141", .order_no = "VMP-MANY",
		.created_at = NOW - H, .ship_by = NOW + 5 * H, .status = ST_CONFIRMED,
		.currency = "VND", .total = 120000, .buyer_name = "Lê Văn Tám",
		.province = "Cần Thơ", .lines = lines, .nlines = 12,
	};
	char code[12][16], bc[12][16];
	struct vm_pack vm;
	int i;

	for (i = 0; i < 12; i++) {
		struct sku_barcode_in b = { bc[i], 1 };
		struct sku_in k = { .sku = code[i], .name = "Móc khóa", .barcodes = &b,
		    .nbarcodes = 1, .weight_g = 20, .cost = -1 };

		snprintf(code[i], sizeof code[i], "LINE-%02d", i + 1);
		snprintf(bc[i], sizeof bc[i], "LN%02d", i + 1);
		CU_ASSERT_EQUAL_FATAL(sku_upsert(&sys, &k, NULL), 0);
		receive(code[i], hcm, "", 0, 5);
		lines[i] = (struct order_line_in){ code[i], 1, 10000 };
	}
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, NULL, NULL), 0);
	start(&vm, 0);
	vm_pack_scan(&vm, "VMP-MANY");
	CU_ASSERT(on_screen(&vm, 12, 40, "LINE-01"));
	CU_ASSERT(on_screen(&vm, 12, 40, "↑↓ lines 1-3 of 12"));
	CU_ASSERT(on_screen(&vm, 24, 80, "↑↓ lines 1-10 of 12"));
	vm_pack_scan(&vm, "LN11");
	CU_ASSERT_EQUAL(vm.last_line, 10);
	CU_ASSERT(on_screen(&vm, 12, 40, "LINE-11"));
	CU_ASSERT(on_screen(&vm, 12, 40, "↑↓ lines 9-11 of 12"));
	CU_ASSERT(off_screen(&vm, 12, 40, "LINE-01"));
	/* Up scrolls back by hand. */
	for (i = 0; i < 10; i++)
		vm_pack_key(&vm, VK_UP);
	CU_ASSERT(on_screen(&vm, 24, 80, "LINE-01"));
	CU_ASSERT(rows_fit(&vm, 12, 40));
	CU_ASSERT(rows_fit(&vm, 24, 80));
	vm_pack_free(&vm);
}

static void
test_big_digits(void)
{
	char rows[VM_BIG_ROWS][256];
	char g[32];

	CU_ASSERT_EQUAL(vm_pack_big(0, rows), 6);
	CU_ASSERT_STRING_EQUAL(rows[0], "██████");
	CU_ASSERT_STRING_EQUAL(rows[2], "██  ██");
	CU_ASSERT_EQUAL(vm_pack_big(10, rows), 14);
	CU_ASSERT_STRING_EQUAL(rows[1], "████    ██  ██");
	CU_ASSERT_EQUAL(vm_orders_width(rows[1]), 14);
	CU_ASSERT_EQUAL(vm_pack_big(123, rows), 22);
	vm_pack_grams(g, sizeof g, 1234);
	CU_ASSERT_STRING_EQUAL(g, "1.234 g");
}

int
main(void)
{
	CU_pSuite s;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_vm_pack: the C.UTF-8 locale is missing\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vm_pack", setup, teardown);
	CU_add_test(s, "big digits", test_big_digits);
	CU_add_test(s, "login", test_login);
	CU_add_test(s, "scan order screen", test_scan_order_screen);
	CU_add_test(s, "happy path", test_happy_path);
	CU_add_test(s, "order locks", test_order_locks);
	CU_add_test(s, "item locks", test_item_locks);
	CU_add_test(s, "weight lock and override", test_weight_lock);
	CU_add_test(s, "box keys", test_box_keys);
	CU_add_test(s, "packages", test_packages);
	CU_add_test(s, "hold and cancel", test_hold_and_cancel);
	CU_add_test(s, "cancelled under the packer", test_cancel_lock);
	CU_add_test(s, "switch and logout", test_switch_logout);
	CU_add_test(s, "layouts", test_layouts);
	CU_add_test(s, "scroll", test_scroll);
	return tu_run();
}

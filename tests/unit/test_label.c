/* test_label.c — labels, packing slips and the command sheet rendered as ZPL. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/label.h"
#include "core/order.h"
#include "core/stock.h"
#include "testutil.h"

static struct db *db;
static char path[256];
static struct session sys;
static int64_t wh, cod_order, prepaid_order;

static int64_t
add_order(const char *no, int64_t cod, const char *name, const char *address)
{
	struct order_line_in lines[] = {
		{ "AO-THUN", 2, 65000 },
		{ "SUA-1L", 3, 28000 },
	};
	struct order_in in = {
		.channel = "shopee", .shop = "shop-hcm", .order_no = no,
		.created_at = TEST_EPOCH, .ship_by = TEST_EPOCH + 86400, .status = ST_NEW,
		.cod = cod, .currency = "VND", .total = 214000, .buyer_name = name,
		.buyer_phone = "0912345678", .address = address, .district = "Quận 1",
		.province = "Hồ Chí Minh", .lines = lines, .nlines = 2,
	};
	int64_t id = 0;

	if (order_upsert(&sys, &in, &id, NULL) != 0) {
		fprintf(stderr, "order %s: %s\n", no, sys.err);
		return -1;
	}
	return id;
}

static int
setup(void)
{
	int64_t ao, sua, allocated = 0;

	db = tu_db(path);
	session_system(&sys, db, "ST-07");
	wh = tu_warehouse(&sys, "HCM");
	ao = tu_sku(&sys, "AO-THUN", 0);
	sua = tu_sku(&sys, "SUA-1L", 1);
	db_run(db, "UPDATE sku SET name = 'Áo thun cotton, size M' WHERE id = ?", "i", ao);
	db_run(db, "UPDATE sku SET name = 'Sữa tươi 1L' WHERE id = ?", "i", sua);
	if (stock_receive(&sys, wh, ao, "", 0, 100, "t") != 0 ||
	    stock_receive(&sys, wh, sua, "L2401", TEST_EPOCH + 200 * 86400, 2, "t") != 0 ||
	    stock_receive(&sys, wh, sua, "L2402", TEST_EPOCH + 300 * 86400, 50, "t") != 0)
		return -1;
	cod_order = add_order("251127ABCD01", 186000, "Nguyễn Thị Hương",
	    "12 Lê Lợi, Phường Bến Thành");
	prepaid_order = add_order("LZ-99001", 0, "Trần ^Văn~ Bình_",
	    "5 Trần Phú ^XZ~JR");
	if (cod_order < 0 || prepaid_order < 0 ||
	    order_transition(&sys, cod_order, 0, ST_CONFIRMED, "t") != 0 ||
	    /* confirmed: allocated at once (route.h) */
	    db_int(db, &allocated, "SELECT count(*) FROM orders WHERE id = ? AND "
	    "status = 'ALLOCATED'", "i", cod_order) != 0 || allocated != 1)
		return -1;
	/* Two packages of the COD order, packed at 2025-12-01 09:30 UTC (16:30 in Viet Nam). */
	db_run(db, "INSERT INTO package(order_id, box, weight_g, carrier, tracking_no, "
	    "created_at) VALUES (?, 'B1', 1250, 'SPX', 'SPXVN041234567', ?)", "ii", cod_order,
	    (int64_t)TEST_EPOCH + 9 * 3600 + 1800);
	db_run(db, "INSERT INTO package(order_id, box, weight_g, carrier, tracking_no, "
	    "created_at) VALUES (?, 'B2', 800, 'SPX', 'SPXVN041234568', ?)", "ii", cod_order,
	    (int64_t)TEST_EPOCH + 9 * 3600 + 1900);
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int
has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_load(void)
{
	struct label_data d;

	CU_ASSERT_EQUAL_FATAL(label_load(&sys, cod_order, 2, &d), 0);
	CU_ASSERT_STRING_EQUAL(d.channel, "Shopee");
	CU_ASSERT_STRING_EQUAL(d.order_no, "251127ABCD01");
	CU_ASSERT_STRING_EQUAL(d.tracking_no, "SPXVN041234568");
	CU_ASSERT_STRING_EQUAL(d.carrier, "SPX");
	CU_ASSERT_STRING_EQUAL(d.name, "Nguyễn Thị Hương");
	CU_ASSERT_EQUAL(d.pkg_no, 2);
	CU_ASSERT_EQUAL(d.pkg_count, 2);
	CU_ASSERT_EQUAL(d.weight_g, 800);
	CU_ASSERT_EQUAL(d.cod, 186000);
	CU_ASSERT_STRING_EQUAL(d.station, "ST-07");
	CU_ASSERT_EQUAL_FATAL(d.nlines, 2);
	CU_ASSERT_STRING_EQUAL(d.lines[0].sku, "AO-THUN");
	CU_ASSERT_STRING_EQUAL(d.lines[0].lot, "");
	/* FEFO: the 2 units of L2401 first, then 1 of L2402. */
	CU_ASSERT_STRING_EQUAL(d.lines[1].lot, "L2401 x2, L2402 x1");
	label_free(&d);

	/* Once the station has recorded what it scanned (pack_scan, schema 2), that wins. */
	if (db_run(db, "INSERT INTO pack_scan(order_id, order_line_id, pkg_no, qty, code, "
	    "lot_code, station, user_name, at) SELECT order_id, id, 1, 3, '(10)L2402', 'L2402', "
	    "'ST-07', 'tester', 0 FROM order_line WHERE order_id = ? AND line_no = 2", "i",
	    cod_order) == 0) {
		CU_ASSERT_EQUAL_FATAL(label_load(&sys, cod_order, 1, &d), 0);
		CU_ASSERT_STRING_EQUAL(d.lines[1].lot, "L2402");
		CU_ASSERT_STRING_EQUAL(d.lines[0].lot, "");
		label_free(&d);
		db_run(db, "DELETE FROM pack_scan", "");
	}

	CU_ASSERT_EQUAL(label_load(&sys, cod_order, 3, &d), DB_EINVAL);
	CU_ASSERT(has(sys.err, "2 packages"));
	CU_ASSERT_EQUAL(label_load(&sys, 999999, 1, &d), DB_ENOTFOUND);

	/* Not packed yet: package 1 of 1 weighing what its SKUs weigh (100 g each). */
	CU_ASSERT_EQUAL_FATAL(label_load(&sys, prepaid_order, 0, &d), 0);
	CU_ASSERT_EQUAL(d.pkg_no, 1);
	CU_ASSERT_EQUAL(d.pkg_count, 1);
	CU_ASSERT_EQUAL(d.weight_g, 500);
	CU_ASSERT_STRING_EQUAL(d.tracking_no, "");
	CU_ASSERT_STRING_EQUAL(d.lines[1].lot, "");
	label_free(&d);
}

static void
test_label_fields(void)
{
	struct label_data d;
	char *z;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(label_load(&sys, cod_order, 1, &d), 0);
	CU_ASSERT_EQUAL_FATAL(label_zpl(NULL, &d, 203, &z, &len), 0);
	CU_ASSERT_EQUAL(strlen(z), len);
	CU_ASSERT(strncmp(z, "^XA", 3) == 0);
	CU_ASSERT(has(z, "^XZ"));
	CU_ASSERT_EQUAL(count(z, "^XA"), 1);
	CU_ASSERT(has(z, "^CI28"));
	CU_ASSERT(has(z, "^PW812"));
	CU_ASSERT(has(z, "^LL1218"));
	CU_ASSERT(has(z, "^A@N,40,40,E:TT0003M_.FNT"));
	CU_ASSERT(has(z, "Shopee"));
	CU_ASSERT(has(z, "SPX"));
	CU_ASSERT(has(z, "251127ABCD01"));
	/* Diacritics go through as UTF-8 bytes. */
	CU_ASSERT(has(z, "Nguyễn Thị Hương"));
	CU_ASSERT(has(z, "12 Lê Lợi, Phường Bến Thành"));
	CU_ASSERT(has(z, "Quận 1"));
	CU_ASSERT(has(z, "Hồ Chí Minh"));
	CU_ASSERT(has(z, "0912345678"));
	/* Tracking number as Code 128; QR with order and package n/m. */
	CU_ASSERT(has(z, "^BCN,130,Y,N,N^FH^FDSPXVN041234567^FS"));
	CU_ASSERT(has(z, "^BQN,2,5^FH^FDQA,251127ABCD01 1/2^FS"));
	CU_ASSERT(has(z, "^FH^FD1 / 2^FS"));
	CU_ASSERT(has(z, "THU HỘ / COD"));
	CU_ASSERT(has(z, "186.000 VND"));
	CU_ASSERT(!has(z, "PREPAID"));
	CU_ASSERT(has(z, "1250 g"));
	CU_ASSERT(has(z, "2025-12-01 16:30 (UTC+7)"));
	CU_ASSERT(has(z, "ST-07"));
	/* No template syntax or comments left over, no blank lines. */
	CU_ASSERT(!has(z, "{{"));
	CU_ASSERT(!has(z, "^FX"));
	CU_ASSERT(!has(z, "\n\n"));
	free(z);
	label_free(&d);
}

static void
test_escaping_and_prepaid(void)
{
	struct label_data d;
	char *z, *p;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(label_load(&sys, prepaid_order, 1, &d), 0);
	CU_ASSERT_EQUAL_FATAL(label_zpl(NULL, &d, 203, &z, &len), 0);
	CU_ASSERT(has(z, "^FH^FDTrần _5EVăn_7E Bình_5F^FS"));
	CU_ASSERT(has(z, "5 Trần Phú _5EXZ_7EJR"));
	/* The buyer's ^XZ did not end the label early. */
	CU_ASSERT_EQUAL(count(z, "^XZ"), 1);
	p = strstr(z, "^XZ");
	CU_ASSERT(p != NULL && p[3] == '\n' && p[4] == '\0');
	CU_ASSERT(has(z, "PREPAID"));
	CU_ASSERT(!has(z, "THU HỘ"));
	CU_ASSERT(has(z, "NO TRACKING NUMBER"));
	CU_ASSERT(!has(z, "^BC"));
	CU_ASSERT(has(z, "^FH^FD1 / 1^FS"));
	free(z);

	/* Code 128 data: ^ > ~ as invocation codes, '_' hex-escaped, non-ASCII as '?'. */
	free(d.tracking_no);
	d.tracking_no = strdup("AB>C^D~E_É");
	CU_ASSERT_EQUAL_FATAL(label_zpl(NULL, &d, 203, &z, &len), 0);
	CU_ASSERT(has(z, "^FH^FDAB>0C><D>=E_5F?^FS"));
	free(z);
	label_free(&d);
}

static void
test_dpi_300(void)
{
	struct label_data d;
	char *z;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(label_load(&sys, cod_order, 1, &d), 0);
	CU_ASSERT_EQUAL_FATAL(label_zpl(NULL, &d, 300, &z, &len), 0);
	CU_ASSERT(has(z, "^PW1200"));
	CU_ASSERT(has(z, "^LL1800"));
	/* ^FO20,18 -> 30,27; ^A@N,44,44 -> 65,65; ^GB772,4,4 -> 1141,6,6. */
	CU_ASSERT(has(z, "^FO30,27^A@N,65,65,E:TT0003M_.FNT"));
	CU_ASSERT(has(z, "^GB1141,6,6"));
	/* ^BY2,3,130 -> module 3, ratio kept, height 192; QR magnification 5 -> 7. */
	CU_ASSERT(has(z, "^BY3,3,192^BCN,192,Y,N,N"));
	CU_ASSERT(has(z, "^BQN,2,7"));
	CU_ASSERT(has(z, "^FB532,1,0,R"));
	/* Field data is never scaled. */
	CU_ASSERT(has(z, "186.000 VND"));
	CU_ASSERT(has(z, "12 Lê Lợi"));
	free(z);

	CU_ASSERT_EQUAL(label_zpl(NULL, &d, 600, &z, &len), DB_EINVAL);
	CU_ASSERT(z == NULL);
	CU_ASSERT(has(label_error(), "600"));
	label_free(&d);
}

static void
test_slip(void)
{
	struct label_data d;
	char *z;
	size_t len, i;

	CU_ASSERT_EQUAL_FATAL(label_load(&sys, cod_order, 1, &d), 0);
	CU_ASSERT_EQUAL_FATAL(label_slip_zpl(NULL, &d, 203, &z, &len), 0);
	CU_ASSERT(has(z, "PACKING SLIP"));
	CU_ASSERT(has(z, "AO-THUN"));
	CU_ASSERT(has(z, "Áo thun cotton, size M"));
	CU_ASSERT(has(z, "Sữa tươi 1L"));
	CU_ASSERT(has(z, "L2401 x2, L2402 x1"));
	CU_ASSERT(has(z, "^FO20,270^"));       /* row 1 at y=270, row 2 one step below */
	CU_ASSERT(has(z, "^FO20,332^"));
	CU_ASSERT(has(z, "Total: 5 SP / units, 2"));
	CU_ASSERT(has(z, "Page 1/1"));
	free(z);

	/* 30 lines: three labels of 14, 14 and 2 rows. */
	d.lines = realloc(d.lines, 30 * sizeof *d.lines);
	for (i = d.nlines; i < 30; i++) {
		d.lines[i].sku = strdup("X");
		d.lines[i].name = strdup("Bánh");
		d.lines[i].lot = strdup("");
		d.lines[i].qty = 1;
	}
	d.nlines = 30;
	CU_ASSERT_EQUAL_FATAL(label_slip_zpl(NULL, &d, 203, &z, &len), 0);
	CU_ASSERT_EQUAL(count(z, "^XA"), 3);
	CU_ASSERT_EQUAL(count(z, "^XZ"), 3);
	CU_ASSERT(has(z, "Page 3/3"));
	CU_ASSERT(has(z, "^FH^FD30^FS"));
	CU_ASSERT(!has(z, "^FH^FD31^FS"));
	free(z);
	label_free(&d);
}

static void
test_command_sheet(void)
{
	char *z;
	size_t len, i;
	char want[64];

	CU_ASSERT_EQUAL_FATAL(label_command_sheet_zpl(NULL, NULL, 203, &z, &len), 0);
	for (i = 0; label_commands[i].code != NULL; i++) {
		snprintf(want, sizeof want, "^BCN,86,N,N,N^FH^FD%s^FS", label_commands[i].code);
		CU_ASSERT(has(z, want));
	}
	CU_ASSERT_EQUAL(i, 7);
	CU_ASSERT_EQUAL(count(z, "^BC"), 7);
	CU_ASSERT(has(z, "CMD:CANCEL-SCAN"));
	CU_ASSERT(has(z, "Xác nhận lỗi"));
	free(z);
}

static void
test_templates(void)
{
	struct label_data d;
	char *z;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL(label_template("label-4x6.zpl"));
	CU_ASSERT_PTR_NOT_NULL(label_template("slip-4x6.zpl"));
	CU_ASSERT_PTR_NOT_NULL(label_template("command-sheet.zpl"));
	CU_ASSERT_PTR_NULL(label_template("nope.zpl"));

	CU_ASSERT_EQUAL_FATAL(label_load(&sys, cod_order, 1, &d), 0);
	/* Truncation counts characters, not bytes. */
	CU_ASSERT_EQUAL_FATAL(label_zpl("^XA^FO1,1^FD{{recipient:8}}|{{shop:3}}^FS^XZ", &d,
	    203, &z, &len), 0);
	CU_ASSERT_STRING_EQUAL(z, "^XA^FO1,1^FH^FDNguyễ...|sho^FS^XZ");
	free(z);
	CU_ASSERT_EQUAL(label_zpl("^XA{{#cod}}^FO1,1^FD{{nope}}^FS{{/cod}}^XZ", &d, 203, &z,
	    &len), DB_EINVAL);
	CU_ASSERT(has(label_error(), "nope"));
	CU_ASSERT_EQUAL(label_zpl("^XA{{#cod}}^XZ", &d, 203, &z, &len), DB_EINVAL);
	CU_ASSERT(has(label_error(), "not closed"));
	/* Buyer text cannot land in a command parameter. */
	CU_ASSERT_EQUAL(label_zpl("^XA^FO{{recipient}},1^FDx^FS^XZ", &d, 203, &z, &len),
	    DB_EINVAL);
	/* A field that already has ^FH gets no second one. */
	CU_ASSERT_EQUAL_FATAL(label_zpl("^XA^FH^FD{{pkg_no}}^FS^XZ", &d, 203, &z, &len), 0);
	CU_ASSERT_STRING_EQUAL(z, "^XA^FH^FD1^FS^XZ");
	free(z);
	label_free(&d);
}

static void
test_money(void)
{
	char buf[64];

	label_money(186000, "VND", buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "186.000 VND");
	label_money(1234567890, "VND", buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.234.567.890 VND");
	label_money(999, "VND", buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "999 VND");
	label_money(123456, "MYR", buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.234,56 MYR");
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("label", setup, teardown);
	CU_add_test(s, "load", test_load);
	CU_add_test(s, "label fields", test_label_fields);
	CU_add_test(s, "escaping and prepaid", test_escaping_and_prepaid);
	CU_add_test(s, "dpi 300", test_dpi_300);
	CU_add_test(s, "slip", test_slip);
	CU_add_test(s, "command sheet", test_command_sheet);
	CU_add_test(s, "templates", test_templates);
	CU_add_test(s, "money", test_money);
	return tu_run();
}

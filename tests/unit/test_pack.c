/* test_pack.c — the scan-to-pack flow in core: every step, every lock, resume, two
 * stations, confirm's effects; and GS1 scans. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/gs1.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/risk.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/tote.h"
#include "core/user.h"
#include "testutil.h"

static struct db *db;
static char path[256];
static struct session sys, packer;
static int64_t hcm, hn;

static int
add_sku(const char *code, const char *barcode, int64_t weight, int lot_tracked,
    int64_t shelf, const char *pack_barcode, int64_t pack_qty)
{
	struct sku_barcode_in bc[2] = { { barcode, 1 }, { pack_barcode, pack_qty } };
	struct sku_in in = {
		.sku = code, .name = code, .barcodes = bc, .nbarcodes = pack_barcode ? 2 : 1,
		.weight_g = weight, .lot_tracked = lot_tracked, .min_shelf_days = shelf,
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
	    warehouse_upsert(&sys, "HN", "Kho HN", "Hà Nội", &hn) != 0)
		return -1;
	if (add_sku("TEE", "8934567890120", 200, 0, 0, NULL, 0) != 0 ||
	    add_sku("MILK", "8935049501503", 1000, 1, 30, "18935049501500", 6) != 0 ||
	    add_sku("CAP", "8930000000019", 100, 0, 0, NULL, 0) != 0) {
		fprintf(stderr, "setup: %s\n", sys.err);
		return -1;
	}
	sku_find(&sys, "TEE", &id);
	stock_receive(&sys, hcm, id, "", 0, 100, NULL);
	sku_find(&sys, "MILK", &id);
	stock_receive(&sys, hcm, id, "L1", TEST_EPOCH + 200 * 86400, 100, NULL);
	sku_find(&sys, "CAP", &id);
	stock_receive(&sys, hn, id, "", 0, 10, NULL);
	if (user_add(&sys, "lan", ROLE_PACKER, "1111", "PB-1001") != 0 ||
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

static void
order(const char *no, enum order_status st, const char *sku1, int64_t q1,
    const char *sku2, int64_t q2)
{
	struct order_line_in lines[2] = { { sku1, q1, 100000 }, { sku2, q2, 50000 } };
	struct order_in in = {
		.channel = "shopee", .shop = "s1", .order_no = no, .created_at = TEST_EPOCH,
		.ship_by = TEST_EPOCH + 7200, .status = st, .cod = 250000, .currency = "VND",
		.total = 250000, .buyer_name = "Nguyễn Văn A", .province = "Hồ Chí Minh",
		.lines = lines, .nlines = sku2 ? 2 : 1,
	};

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, NULL, NULL), 0);
}

static struct pack_config
config(const char *station, int64_t wh)
{
	struct pack_config c = { .warehouse_id = wh, .tol_g = 30, .tol_pct = 5 };

	snprintf(c.station, sizeof c.station, "%s", station);
	return c;
}

static enum pack_outcome
in(struct pack *p, const char *text, struct pack_result *r)
{
	pack_input(p, text, r);
	return r->outcome;
}

static const char *
status_of(const char *no)
{
	static char st[16];
	struct order *o;
	int64_t id;

	if (order_find(&sys, no, &id) != 0 || order_load(&sys, id, &o) != 0)
		return "?";
	snprintf(st, sizeof st, "%s", order_status_name(o->status));
	order_free(o);
	return st;
}

static void
test_happy_path(void)
{
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;
	int64_t onhand0, onhand, n, tee;

	order("P-1", ST_CONFIRMED, "TEE", 2, "MILK", 6);
	sku_find(&sys, "TEE", &tee);
	stock_on_hand(&sys, hcm, tee, &onhand0);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "P-1", &r), PACK_OK);
	CU_ASSERT_STRING_EQUAL(status_of("P-1"), "PACKING");
	CU_ASSERT_EQUAL(r.remaining, 8);
	CU_ASSERT_EQUAL(p.step, PACK_SCAN_ITEMS);
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "TEE", &r), PACK_OK);        /* the seller's SKU label */
	CU_ASSERT_EQUAL(r.remaining, 6);
	/* Confirm too early is an error, not a lock. */
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "6 units"));
	/* A case of 6 counts 6. */
	CU_ASSERT_EQUAL(in(&p, "18935049501500", &r), PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 0);
	CU_ASSERT_EQUAL(p.step, PACK_WEIGH);
	/* Box M: 2*200 + 6*1000 + 80 = 6480 g expected. */
	CU_ASSERT_EQUAL(in(&p, "BOX M", &r), PACK_OK);
	CU_ASSERT_EQUAL(pack_expected_g(&p, 0), 6480);
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 6500", &r), PACK_OK);
	CU_ASSERT_EQUAL(p.step, PACK_READY);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_PACKED);
	CU_ASSERT_EQUAL(r.action, PACK_ACT_PRINT);
	CU_ASSERT_EQUAL(p.step, PACK_SCAN_ORDER);
	CU_ASSERT_STRING_EQUAL(status_of("P-1"), "PACKED");
	CU_ASSERT_PTR_NOT_NULL(strstr(p.last_summary, "P-1"));
	stock_on_hand(&sys, hcm, tee, &onhand);
	CU_ASSERT_EQUAL(onhand, onhand0 - 2);
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ? AND weight_g = 6500 "
	    "AND box = 'M' AND station = 'ST1' AND user_name = 'lan'", "i", p.last_order_id);
	CU_ASSERT_EQUAL(n, 1);
	db_int(db, &n, "SELECT count(*) FROM outbox WHERE order_id = ? AND kind = "
	    "'ready_to_ship' AND done_at IS NULL", "i", p.last_order_id);
	CU_ASSERT_EQUAL(n, 1);
	db_int(db, &n, "SELECT count(*) FROM audit WHERE entity = 'order' AND entity_id = ? "
	    "AND action = 'pack' AND user_name = 'lan' AND station = 'ST1'", "s",
	    (const char *)"0");
	{
		char id[24];

		snprintf(id, sizeof id, "%" PRId64, p.last_order_id);
		db_int(db, &n, "SELECT count(*) FROM audit WHERE entity = 'order' AND "
		    "entity_id = ? AND action = 'pack' AND user_name = 'lan'", "s", id);
		CU_ASSERT_EQUAL(n, 1);
	}
	/* Scanning it again: already packed is a lock. */
	CU_ASSERT_EQUAL(in(&p, "P-1", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_ORDER);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "already packed"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:REPRINT", &r), PACK_OK);
	CU_ASSERT_EQUAL(r.action, PACK_ACT_REPRINT);
	pack_free(&p);
}

static void
test_locks(void)
{
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;
	int64_t locks0, locks1;

	order("P-2", ST_CONFIRMED, "TEE", 1, NULL, 0);
	pack_init(&p, &packer, &c);
	db_int(db, &locks0, "SELECT count(*) FROM audit WHERE action = 'lock'", "");
	CU_ASSERT_EQUAL(in(&p, "no-such-order", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_UNKNOWN);
	/* While locked, scans are refused, and only an ack clears it. */
	CU_ASSERT_EQUAL(in(&p, "P-2", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "P-2", &r), PACK_OK);
	/* Wrong item (a real SKU not in the order), unknown barcode, one too many. */
	CU_ASSERT_EQUAL(in(&p, "8935049501503", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_NOT_IN_ORDER);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "MILK"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "TEE x1"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "0000000000000", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_UNKNOWN);
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_OVERSCAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "one too many"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 0);
	/* Weight: S box 40 g + 200 g = 240 g, tolerance max(30, 5%) = 30 g. */
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 400", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_WEIGHT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "expected 240 g"));
	/* A packer's badge cannot override; a supervisor's can, with a reason. */
	CU_ASSERT_EQUAL(in(&p, "OVERRIDE PB-1001 fine", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(in(&p, "OVERRIDE PB-2001", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(in(&p, "OVERRIDE PB-2001 gift wrap added", &r), PACK_OK);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_NONE);
	CU_ASSERT_EQUAL(p.step, PACK_READY);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_PACKED);
	{
		int64_t n;

		db_int(db, &n, "SELECT count(*) FROM package WHERE weight_g = 400 AND "
		    "weight_override LIKE 'thao: gift wrap%'", "");
		CU_ASSERT_EQUAL(n, 1);
		db_int(db, &n, "SELECT count(*) FROM audit WHERE action = 'weight_override' AND "
		    "user_name = 'thao'", "");
		CU_ASSERT_EQUAL(n, 1);
	}
	db_int(db, &locks1, "SELECT count(*) FROM audit WHERE action = 'lock' AND station = "
	    "'ST1' AND user_name = 'lan'", "");
	CU_ASSERT_EQUAL(locks1 - locks0, 5);
	pack_free(&p);
}

static void
test_order_locks(void)
{
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;

	order("P-NEW", ST_NEW, "TEE", 1, NULL, 0);
	order("P-HOLD", ST_ON_HOLD, "TEE", 1, NULL, 0);
	order("P-HN", ST_CONFIRMED, "CAP", 1, NULL, 0);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "P-NEW", &r), PACK_LOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "not confirmed"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "P-HOLD", &r), PACK_LOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "on hold"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	/* Only Ha Noi has caps: allocated there as it arrived confirmed, so this station
	 * (HCM) cannot pack it. */
	CU_ASSERT_EQUAL(in(&p, "P-HN", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_WAREHOUSE);
	CU_ASSERT_STRING_EQUAL(status_of("P-HN"), "ALLOCATED");
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	pack_free(&p);
}

static void
test_shelf_life(void)
{
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;
	char scan[96];

	order("P-3", ST_CONFIRMED, "MILK", 1, NULL, 0);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "P-3", &r), PACK_OK);
	/* 2025-12-11 is 10 days after the test epoch; MILK needs 30. */
	snprintf(scan, sizeof scan, "]C10108935049501503\x1d" "17251211" "10L0");
	CU_ASSERT_EQUAL(in(&p, scan, &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_SHELF_LIFE);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "2025-12-11"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	/* MILK's stock is reserved from lot L1: another lot is refused. */
	CU_ASSERT_EQUAL(in(&p, "(01)08935049501503(17)260630(10)L9", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_WRONG_LOT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "reserved from lot L1"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "BOX XL", &r), PACK_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "1 to 3"));
	CU_ASSERT_EQUAL(in(&p, "(01)08935049501503(17)260630(10)L1", &r), PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 0);
	{
		int64_t n;

		db_int(db, &n, "SELECT count(*) FROM pack_scan WHERE lot_code = 'L1' AND "
		    "expiry IS NOT NULL", "");
		CU_ASSERT_EQUAL(n, 1);
	}
	CU_ASSERT_EQUAL(in(&p, "CMD:CANCEL-SCAN", &r), PACK_OK);
	CU_ASSERT_STRING_EQUAL(status_of("P-3"), "ALLOCATED");
	pack_free(&p);
}

static void
test_two_stations_and_resume(void)
{
	struct pack_config c1 = config("ST1", hcm), c2 = config("ST2", hcm);
	struct session packer2;
	struct pack_result r;
	struct pack p1, p2, p3;

	CU_ASSERT_EQUAL_FATAL(user_login(db, &packer2, "lan", "1111", "ST2"), 0);
	order("P-4", ST_CONFIRMED, "TEE", 3, NULL, 0);
	pack_init(&p1, &packer, &c1);
	pack_init(&p2, &packer2, &c2);
	CU_ASSERT_EQUAL(in(&p1, "P-4", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p2, "P-4", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p2.lock, PACK_LOCK_BUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "ST1"));
	CU_ASSERT_EQUAL(in(&p1, "8934567890120", &r), PACK_OK);
	/* Station 1 restarts: a new session at ST1 resumes with 2 left. */
	pack_free(&p1);
	pack_init(&p3, &packer, &c1);
	CU_ASSERT_EQUAL(in(&p3, "P-4", &r), PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 2);
	/* Report a problem: on hold, stock released, station free. */
	CU_ASSERT_EQUAL(in(&p3, "CMD:HOLD damaged", &r), PACK_OK);
	CU_ASSERT_STRING_EQUAL(status_of("P-4"), "ON_HOLD");
	CU_ASSERT_EQUAL(p3.step, PACK_SCAN_ORDER);
	pack_free(&p2);
	pack_free(&p3);
}

static void
test_multi_package(void)
{
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;
	int64_t n;

	order("P-5", ST_CONFIRMED, "TEE", 2, NULL, 0);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "P-5", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:NEWPKG", &r), PACK_ERROR);   /* weigh first */
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 240", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:NEWPKG", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "BOX-L", &r), PACK_OK);            /* box by barcode */
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 350", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_PACKED);
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ?", "i", p.last_order_id);
	CU_ASSERT_EQUAL(n, 2);
	db_int(db, &n, "SELECT count(*) FROM package WHERE order_id = ? AND pkg_no = 2 AND "
	    "box = 'L'", "i", p.last_order_id);
	CU_ASSERT_EQUAL(n, 1);
	pack_free(&p);

	/* A restart after package 1 was weighed and package 2 begun resumes both. */
	order("P-6", ST_CONFIRMED, "TEE", 2, NULL, 0);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "P-6", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "BOX M", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 280", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:NEWPKG", &r), PACK_OK);
	pack_free(&p);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "P-6", &r), PACK_OK);
	CU_ASSERT_EQUAL(p.npkgs, 2);
	CU_ASSERT_EQUAL(p.pkgs[0].box, 1);
	CU_ASSERT_EQUAL(p.pkgs[0].weight_g, 280);
	CU_ASSERT_EQUAL(p.pkgs[1].units, 0);
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(p.pkgs[1].units, 1);
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 240", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_PACKED);
	db_int(db, &n, "SELECT count(*) FROM pack_open_pkg WHERE order_id = ?", "i", p.last_order_id);
	CU_ASSERT_EQUAL(n, 0);
	pack_free(&p);
}

static void
test_tote(void)
{
	struct pack_config c = config("ST1", hcm);
	struct session packer_s;
	struct pack_result r;
	struct pack p;
	int64_t ids[2];

	order("T-1", ST_CONFIRMED, "TEE", 1, NULL, 0);
	order("T-2", ST_CONFIRMED, "TEE", 1, NULL, 0);
	order_find(&sys, "T-1", &ids[0]);
	order_find(&sys, "T-2", &ids[1]);
	tu_session(&packer_s, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(tote_assign(&packer_s, "TOTE-7", ids, 2), DB_EPERM);
	CU_ASSERT_EQUAL(tote_assign(&sys, "TOTE-7", ids, 2), 0);
	CU_ASSERT_EQUAL(tote_assign(&sys, "TOTE-8", ids, 1), DB_EINVAL);   /* already in 7 */
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "TOTE-7", &r), PACK_OK);
	CU_ASSERT_STRING_EQUAL(p.order_no, "T-1");
	CU_ASSERT_EQUAL(in(&p, "8934567890120", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 240", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_PACKED);
	/* The pick list goes on with its next order, then says it is done. */
	CU_ASSERT_EQUAL(in(&p, "TOTE-7", &r), PACK_OK);
	CU_ASSERT_STRING_EQUAL(p.order_no, "T-2");
	CU_ASSERT_EQUAL(in(&p, "CMD:HOLD label torn", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "TOTE-7", &r), PACK_LOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "TOTE-7"));
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "TOTE-99", &r), PACK_LOCKED);
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_UNKNOWN);
	CU_ASSERT_EQUAL(in(&p, "CMD:ACK", &r), PACK_OK);
	pack_free(&p);
}

static void
test_risk(void)
{
	struct order_line_in line = { "TEE", 1, 2500000 };
	struct order_in o = {
		.channel = "tiktok", .shop = "t1", .order_no = "R-1", .created_at = TEST_EPOCH,
		.status = ST_CONFIRMED, .cod = 2500000, .currency = "VND", .total = 2500000,
		.buyer_phone = "0911000111", .district = "Q1", .province = "Hồ Chí Minh",
		.lines = &line, .nlines = 1,
	};
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;
	char flags[96];
	int64_t id;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &o, &id, NULL), 0);
	CU_ASSERT_EQUAL(risk_flags(&sys, id, flags, sizeof flags), 0);
	CU_ASSERT_STRING_EQUAL(flags, "HIGH COD");
	/* The same phone refused a COD parcel before. */
	o.order_no = "R-0";
	o.status = ST_RETURNED;
	o.cod = 150000;
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &o, NULL, NULL), 0);
	CU_ASSERT_EQUAL(risk_flags(&sys, id, flags, sizeof flags), 0);
	CU_ASSERT_STRING_EQUAL(flags, "HIGH COD · REFUSED COD x1");
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, "R-1", &r), PACK_OK);
	CU_ASSERT_STRING_EQUAL(p.risk, "HIGH COD · REFUSED COD x1");
	CU_ASSERT_EQUAL(in(&p, "CMD:CANCEL-SCAN", &r), PACK_OK);
	CU_ASSERT_EQUAL(risk_flags(&sys, 999999, flags, sizeof flags), DB_ENOTFOUND);
	pack_free(&p);
}

/* Pack one TEE of order no (channel ch) through to PACKED. */
static void
pack_one_tee(const char *ch, const char *no)
{
	struct order_line_in line = { "TEE", 1, 100000 };
	struct order_in o = {
		.channel = ch, .shop = "own", .order_no = no, .created_at = TEST_EPOCH,
		.status = ST_CONFIRMED, .currency = "VND", .total = 100000,
		.district = "Q1", .province = "Hồ Chí Minh", .lines = &line, .nlines = 1,
	};
	struct pack_config c = config("ST1", hcm);
	struct pack_result r;
	struct pack p;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &o, NULL, NULL), 0);
	pack_init(&p, &packer, &c);
	CU_ASSERT_EQUAL(in(&p, no, &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "TEE", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "BOX M", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "WEIGHT 280", &r), PACK_OK);
	CU_ASSERT_EQUAL(in(&p, "CMD:CONFIRM", &r), PACK_PACKED);
	CU_ASSERT_STRING_EQUAL(status_of(no), "PACKED");
	pack_free(&p);
}

/* The ship call a packed order owes: a JSON payload whatever its number holds, and
 * none for a manual shop's order (nobody to call; it would stay owed for ever). */
static void
test_owed_ship_call(void)
{
	int64_t n = -1;

	pack_one_tee("lazada", "Q-\"1\\");
	db_int(db, &n, "SELECT count(*) FROM outbox o JOIN orders d ON d.id = o.order_id "
	    "WHERE d.order_no = ? AND o.kind = 'ready_to_ship' AND "
	    "json_extract(o.payload, '$.order_no') = d.order_no AND "
	    "json_extract(o.payload, '$.packages') = 1 AND "
	    "json_extract(o.payload, '$.weight_g') = 280", "s", (const char *)"Q-\"1\\");
	CU_ASSERT_EQUAL(n, 1);
	pack_one_tee("manual", "M-1");
	db_int(db, &n, "SELECT count(*) FROM outbox o JOIN orders d ON d.id = o.order_id "
	    "WHERE d.order_no = 'M-1'", "");
	CU_ASSERT_EQUAL(n, 0);
}

static void
test_chain_and_ledger_hold(void)
{
	int64_t count, bad;
	char msg[256];

	CU_ASSERT_EQUAL(audit_verify(db, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
}

static void
test_gs1(void)
{
	struct gs1 g;
	char err[200];
	int64_t t;

	CU_ASSERT_EQUAL(gs1_parse("8934567890120", &g, err, sizeof err), 0);
	CU_ASSERT_FALSE(g.is_gs1);
	CU_ASSERT_EQUAL(gs1_parse("]C10108935049501503\x1d" "10ABC\x1d" "17261231", &g, err,
	    sizeof err), 0);
	CU_ASSERT_TRUE(g.is_gs1);
	CU_ASSERT_STRING_EQUAL(g.gtin, "08935049501503");
	CU_ASSERT_STRING_EQUAL(g.lot, "ABC");
	clock_parse_iso("2026-12-31", 0, &t);
	CU_ASSERT_EQUAL(g.expiry, t);
	CU_ASSERT_EQUAL(gs1_parse("(01)08935049501503(17)260200(37)12(3102)001250", &g, err,
	    sizeof err), 0);
	clock_parse_iso("2026-02-28", 0, &t);
	CU_ASSERT_EQUAL(g.expiry, t);
	CU_ASSERT_EQUAL(g.count, 12);
	CU_ASSERT_EQUAL(g.net_g, 12500);
	CU_ASSERT_EQUAL(gs1_parse("(01)08935049501504", &g, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "check digit"));
	CU_ASSERT_EQUAL(gs1_parse("(17)261340", &g, err, sizeof err), -1);
	CU_ASSERT_EQUAL(gs1_parse("]d201089350495015", &g, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
	CU_ASSERT_EQUAL(gs1_parse("(99)x", &g, err, sizeof err), -1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pack", setup, teardown);
	CU_add_test(s, "scan, weigh, confirm", test_happy_path);
	CU_add_test(s, "locks and acknowledge, weight override", test_locks);
	CU_add_test(s, "orders that cannot be packed here", test_order_locks);
	CU_add_test(s, "shelf life from a GS1 scan", test_shelf_life);
	CU_add_test(s, "the ship call a packed order owes", test_owed_ship_call);
	CU_add_test(s, "two stations, resume, hold", test_two_stations_and_resume);
	CU_add_test(s, "several packages", test_multi_package);
	CU_add_test(s, "totes and pick lists", test_tote);
	CU_add_test(s, "risk flags at the bench", test_risk);
	CU_add_test(s, "audit chain and ledger hold", test_chain_and_ledger_hold);
	CU_add_test(s, "GS1 element strings", test_gs1);
	return tu_run();
}

/*
 * test_pack_parts.c — packing a split order part by part at the stations of its two
 * warehouses (only that part's lines, its own weight, packages and labels, stock out of
 * its own warehouse, PACKED after the last part), and orders merged into one parcel
 * packed once (every line, one weight, one package and label, all PACKED together); a
 * member cancelled before the parcel is packed leaves it and is not shipped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/audit.h"
#include "core/clock.h"
#include "core/label.h"
#include "core/merge.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/route.h"
#include "core/stock.h"
#include "market/outbox.h"
#include "simutil.h"

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int64_t wh_hn, wh_dn, wh_hcm, sku_a, sku_b, sku_c;

static void
setup(void)
{
	clock_fix(TEST_EPOCH);
	route_reset();
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HN", "Hà Nội WH", "Hà Nội", &wh_hn), 0);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "DN", "Đà Nẵng WH", "Đà Nẵng", &wh_dn), 0);
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "HCM WH", "Hồ Chí Minh", &wh_hcm), 0);
	sku_a = tu_sku(&sys, "SKU-A", 0);   /* 100 g each */
	sku_b = tu_sku(&sys, "SKU-B", 0);
	sku_c = tu_sku(&sys, "SKU-C", 0);
	/* A only in Hà Nội, B and C only in HCM: an order of A and B is split. */
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hn, sku_a, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_b, "", 0, 5, NULL), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh_hcm, sku_c, "", 0, 10, NULL), 0);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
	route_reset();
}

/* A confirmed order of channel ch of qa A, qb B, qc C. */
static int64_t
mk_ch(const char *ch, const char *no, const char *phone, int64_t qa, int64_t qb,
    int64_t qc)
{
	struct order_line_in lines[3];
	struct order_in in;
	size_t n = 0;
	int64_t id = 0;

	if (qa > 0)
		lines[n++] = (struct order_line_in){ "SKU-A", qa, 50000 };
	if (qb > 0)
		lines[n++] = (struct order_line_in){ "SKU-B", qb, 70000 };
	if (qc > 0)
		lines[n++] = (struct order_line_in){ "SKU-C", qc, 30000 };
	clock_advance(60);
	in = (struct order_in){ .channel = ch, .shop = "S1", .order_no = no,
	    .created_at = clock_now(), .status = ST_CONFIRMED, .currency = "VND",
	    .total = 100000, .buyer_name = "Lan", .buyer_phone = phone,
	    .address = "1 Lê Lợi", .district = "Ninh Kiều", .province = "Cần Thơ",
	    .lines = lines, .nlines = n };
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static const char *status_of(int64_t id);

/* order_route, saying why when it fails. */
static int
route(int64_t id)
{
	int rc;

	/* Confirmed orders may be routed at intake already ([routing] allocate_on_confirm). */
	if (strcmp(status_of(id), "ALLOCATED") == 0)
		return 0;
	rc = order_route(&sys, id);
	if (rc != 0)
		fprintf(stderr, "\norder_route: %s\n", sys.err);
	return rc;
}

/* A manual-shop order: manual shops split and merge. */
static int64_t
mk(const char *no, const char *phone, int64_t qa, int64_t qb, int64_t qc)
{
	return mk_ch("manual", no, phone, qa, qb, qc);
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
on_hand(int64_t wh, int64_t sku)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(stock_on_hand(&sys, wh, sku, &n), 0);
	return n;
}

static int64_t
count(const char *sql, int64_t id)
{
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_int(db, &n, sql, "i", id), 0);
	return n;
}

static void
test_split(void)
{
	struct pack_config c_hn, c_hcm, c_dn, c_hn2;
	struct pack p1, p2, p3;
	struct pack_result r;
	struct label_data d;
	int64_t id;
	int first = 0, last = 0;

	setup();
	c_hn = tu_station("HN-1", wh_hn);
	c_hn2 = tu_station("HN-2", wh_hn);
	c_hcm = tu_station("HCM-1", wh_hcm);
	c_dn = tu_station("DN-1", wh_dn);
	id = mk("SPLIT-1", "0901111111", 2, 1, 0);
	CU_ASSERT_EQUAL_FATAL(route(id), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM route_part WHERE order_id = ?", id), 2);

	/* Đà Nẵng holds no part of it. */
	pack_init(&p3, &packer, &c_dn);
	pack_input(&p3, "SPLIT-1", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_LOCKED);
	if (r.outcome != PACK_LOCKED)
		fprintf(stderr, "\nDN: %s\n", r.message);
	CU_ASSERT_EQUAL(p3.lock, PACK_LOCK_WAREHOUSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "part 1 at HN, part 2 at HCM"));
	pack_free(&p3);
	CU_ASSERT_STRING_EQUAL(status_of(id), "ALLOCATED");

	/* Both warehouses' stations claim their own part at the same time. */
	pack_init(&p1, &packer, &c_hn);
	pack_init(&p2, &packer, &c_hcm);
	pack_input(&p1, "SPLIT-1", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	CU_ASSERT_STRING_EQUAL(r.message, "order SPLIT-1 part 1/2 (from HN) open: 2 units to "
	    "scan");
	CU_ASSERT_EQUAL(p1.part_no, 1);
	CU_ASSERT_EQUAL(p1.nparts, 2);
	CU_ASSERT_EQUAL(p1.nlines, 1);
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKING");
	CU_ASSERT(tu_feed(&p2, "SPLIT-1", PACK_OK));
	CU_ASSERT_EQUAL(p2.part_no, 2);
	CU_ASSERT_EQUAL(pack_remaining(&p2), 1);
	/* A second station in Hà Nội finds part 1 taken. */
	pack_init(&p3, &packer, &c_hn2);
	CU_ASSERT(tu_feed(&p3, "SPLIT-1", PACK_LOCKED));
	CU_ASSERT_EQUAL(p3.lock, PACK_LOCK_BUSY);
	pack_free(&p3);

	/* B belongs to the other part: refused at Hà Nội, nothing counted. */
	pack_input(&p1, "SKU-B", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_LOCKED);
	CU_ASSERT_EQUAL(p1.lock, PACK_LOCK_NOT_IN_ORDER);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "belongs to part 2/2 (HCM)"));
	CU_ASSERT(tu_feed(&p1, "CMD:ACK", PACK_OK));
	CU_ASSERT_EQUAL(pack_remaining(&p1), 2);
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	/* One more A is one too many for this part (the order has only 2). */
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_LOCKED));
	CU_ASSERT_EQUAL(p1.lock, PACK_LOCK_OVERSCAN);
	CU_ASSERT(tu_feed(&p1, "CMD:ACK", PACK_OK));
	/* The part's weight: 2 x 100 g + box S 40 g, not the whole order's 340 g. */
	CU_ASSERT_EQUAL(pack_expected_g(&p1, 0), 240);
	CU_ASSERT(tu_feed(&p1, "WEIGHT 340", PACK_LOCKED));
	CU_ASSERT(tu_feed(&p1, "CMD:ACK", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "WEIGHT 245", PACK_OK));
	pack_input(&p1, "CMD:CONFIRM", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_PACKED);
	CU_ASSERT_EQUAL(r.action, PACK_ACT_PRINT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "part 1/2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "waits for its other parts"));
	/* Hà Nội's stock left, HCM's not yet; the order waits for part 2. */
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKING");
	CU_ASSERT_EQUAL(on_hand(wh_hn, sku_a), 3);
	CU_ASSERT_EQUAL(on_hand(wh_hcm, sku_b), 5);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM package WHERE order_id = ? AND part_no = 1",
	    id), 1);
	CU_ASSERT_EQUAL(pack_label_pkgs(&sys, id, &first, &last), 0);
	CU_ASSERT_EQUAL(first, 1);
	CU_ASSERT_EQUAL(last, 1);
	/* Its label lists its part's units only. */
	CU_ASSERT_EQUAL_FATAL(label_load(&sys, id, 1, &d), 0);
	CU_ASSERT_EQUAL(d.nlines, 1);
	if (d.nlines == 1) {
		CU_ASSERT_STRING_EQUAL(d.lines[0].sku, "SKU-A");
		CU_ASSERT_EQUAL(d.lines[0].qty, 2);
	}
	CU_ASSERT_EQUAL(d.weight_g, 245);
	label_free(&d);
	/* Packed parts are not packed again. */
	pack_init(&p3, &packer, &c_hn2);
	CU_ASSERT(tu_feed(&p3, "SPLIT-1", PACK_LOCKED));
	CU_ASSERT_EQUAL(p3.lock, PACK_LOCK_ORDER);
	pack_free(&p3);

	/* A (part 1's) at HCM is refused as well. */
	CU_ASSERT(tu_feed(&p2, "SKU-A", PACK_LOCKED));
	CU_ASSERT_EQUAL(p2.lock, PACK_LOCK_NOT_IN_ORDER);
	CU_ASSERT(tu_feed(&p2, "CMD:ACK", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "SKU-B", PACK_OK));
	CU_ASSERT_EQUAL(pack_expected_g(&p2, 0), 140);
	CU_ASSERT(tu_feed(&p2, "WEIGHT 141", PACK_OK));
	pack_input(&p2, "CMD:CONFIRM", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_PACKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "part 2/2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "order complete"));
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	CU_ASSERT_EQUAL(on_hand(wh_hn, sku_a), 3);
	CU_ASSERT_EQUAL(on_hand(wh_hcm, sku_b), 4);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation WHERE order_id = ?", id), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE order_id = ? AND "
	    "kind = 'ship'", id), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM package WHERE order_id = ?", id), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity_id = ? AND "
	    "action = 'pack_part'", id), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity_id = ? AND "
	    "action = 'pack'", id), 1);
	/* The second station labels its own package only: package 2 of the order. */
	CU_ASSERT_EQUAL(pack_label_pkgs(&sys, id, &first, &last), 0);
	CU_ASSERT_EQUAL(first, 2);
	CU_ASSERT_EQUAL(last, 2);
	{
		int64_t cnt, bad;
		char msg[200];

		CU_ASSERT_EQUAL(audit_verify(db, &cnt, &bad, msg, sizeof msg), 0);
	}
	pack_free(&p1);
	pack_free(&p2);
	teardown();
}

/* Giving a part back frees it for another station; the order is ALLOCATED again only
 * when no other part is held; a hold is refused while the other part is packed. */
static void
test_split_give_back(void)
{
	struct pack_config c_hn, c_hcm, c_hn2;
	struct pack p1, p2;
	struct pack_result r;
	int64_t id;

	setup();
	c_hn = tu_station("HN-1", wh_hn);
	c_hn2 = tu_station("HN-2", wh_hn);
	c_hcm = tu_station("HCM-1", wh_hcm);
	id = mk("SPLIT-2", "0902222222", 1, 1, 0);
	CU_ASSERT_EQUAL_FATAL(route(id), 0);
	pack_init(&p1, &packer, &c_hn);
	CU_ASSERT(tu_feed(&p1, "SPLIT-2", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "CMD:CANCEL-SCAN", PACK_OK));
	CU_ASSERT_STRING_EQUAL(status_of(id), "ALLOCATED");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM pack_scan WHERE order_id = ?", id), 0);
	pack_free(&p1);
	/* Another Hà Nội station takes it; restarted, it resumes the part as it was. */
	pack_init(&p1, &packer, &c_hn2);
	CU_ASSERT(tu_feed(&p1, "SPLIT-2", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "WEIGHT 140", PACK_OK));
	pack_free(&p1);
	pack_init(&p1, &packer, &c_hn2);
	CU_ASSERT(tu_feed(&p1, "SPLIT-2", PACK_OK));
	CU_ASSERT_EQUAL(p1.part_wh, wh_hn);
	CU_ASSERT_EQUAL(pack_remaining(&p1), 0);
	CU_ASSERT_EQUAL(p1.pkgs[0].weight_g, 140);
	CU_ASSERT_EQUAL(p1.step, PACK_READY);
	CU_ASSERT(tu_feed(&p1, "CMD:CONFIRM", PACK_PACKED));
	pack_free(&p1);
	/* Part 2 cannot put the order on hold now: part 1 is packed. */
	pack_init(&p2, &packer, &c_hcm);
	CU_ASSERT(tu_feed(&p2, "SPLIT-2", PACK_OK));
	pack_input(&p2, "CMD:HOLD damaged", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "cannot go on hold"));
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKING");
	CU_ASSERT(tu_feed(&p2, "SKU-B", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "WEIGHT 140", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKED");
	pack_free(&p2);

	/* Cancelled with one part packed: its units go back on hand, the other part's
	 * reservation is released. */
	id = mk("SPLIT-3", "0902222223", 2, 1, 0);
	CU_ASSERT_EQUAL_FATAL(route(id), 0);
	pack_init(&p1, &packer, &c_hn);
	CU_ASSERT(tu_feed(&p1, "SPLIT-3", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "WEIGHT 240", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_EQUAL(on_hand(wh_hn, sku_a), 2);
	/* A supervisor cannot hold it either (its packed part would be planned again). */
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_ON_HOLD, "check"), DB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "cannot go on hold"));
	CU_ASSERT_STRING_EQUAL(status_of(id), "PACKING");
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_CANCELLED, "buyer cancelled"), 0);
	CU_ASSERT_EQUAL(on_hand(wh_hn, sku_a), 4);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM reservation WHERE order_id = ?", id), 0);
	pack_free(&p1);
	teardown();
}

static void
test_merged(void)
{
	struct pack_config c;
	struct pack_result r;
	struct label_data d;
	struct pack p;
	int64_t a, b;
	int first = 0, last = 0;

	setup();
	c = tu_station("HCM-1", wh_hcm);
	a = mk("MA", "0903333333", 0, 0, 1);
	b = mk("MB", "0903333333", 0, 1, 2);
	CU_ASSERT_EQUAL(merge_orders(&packer, a, b), 0);
	pack_init(&p, &packer, &c);
	/* Scanning the member opens the whole parcel, under MA. */
	pack_input(&p, "MB", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	CU_ASSERT_STRING_EQUAL(r.message, "order MA with MB in one parcel open: 4 units to "
	    "scan");
	CU_ASSERT_EQUAL(p.order_id, a);
	CU_ASSERT_EQUAL(p.nmembers, 1);
	CU_ASSERT_EQUAL(p.nlines, 3);
	CU_ASSERT_STRING_EQUAL(status_of(a), "PACKING");
	CU_ASSERT_STRING_EQUAL(status_of(b), "PACKING");
	/* Scans across both orders; a fifth unit is one too many. */
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p, "SKU-B", PACK_OK));
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT_EQUAL(pack_remaining(&p), 0);
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_LOCKED));
	CU_ASSERT_EQUAL(p.lock, PACK_LOCK_OVERSCAN);
	CU_ASSERT(tu_feed(&p, "CMD:ACK", PACK_OK));
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM pack_scan WHERE order_id = ?", b), 3);
	/* One weight for the parcel: 4 x 100 g + 40 g. */
	CU_ASSERT_EQUAL(pack_expected_g(&p, 0), 440);
	CU_ASSERT(tu_feed(&p, "WEIGHT 445", PACK_OK));
	pack_input(&p, "CMD:CONFIRM", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_PACKED);
	CU_ASSERT_EQUAL(p.last_order_id, a);
	/* Both PACKED in one go, each audited; one package, one label for both. */
	CU_ASSERT_STRING_EQUAL(status_of(a), "PACKED");
	CU_ASSERT_STRING_EQUAL(status_of(b), "PACKED");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity_id = ? AND "
	    "action = 'pack'", a), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity_id = ? AND "
	    "action = 'pack'", b), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM package WHERE order_id IN (?, 0)", a), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM package WHERE order_id = ?", b), 0);
	CU_ASSERT_EQUAL(on_hand(wh_hcm, sku_c), 7);
	CU_ASSERT_EQUAL(on_hand(wh_hcm, sku_b), 4);
	CU_ASSERT_EQUAL(pack_label_pkgs(&sys, a, &first, &last), 0);
	CU_ASSERT_EQUAL(first, 1);
	CU_ASSERT_EQUAL(last, 1);
	CU_ASSERT_EQUAL_FATAL(label_load(&sys, a, 1, &d), 0);
	CU_ASSERT_EQUAL(d.nlines, 3);       /* MA's C, MB's B and C */
	if (d.nlines == 3) {                /* each line names its own order */
		CU_ASSERT_EQUAL(strncmp(d.lines[0].name, "MA: ", 4), 0);
		CU_ASSERT_EQUAL(strncmp(d.lines[1].name, "MB: ", 4), 0);
		CU_ASSERT_EQUAL(strncmp(d.lines[2].name, "MB: ", 4), 0);
	}
	CU_ASSERT_EQUAL(d.weight_g, 445);
	label_free(&d);
	{
		int64_t cnt, bad;
		char msg[200];

		CU_ASSERT_EQUAL(audit_verify(db, &cnt, &bad, msg, sizeof msg), 0);
	}
	pack_free(&p);
	teardown();
}

/* A member cancelled before packing leaves the parcel; one cancelled while the parcel is
 * on the bench is taken out before anything is labelled. */
static void
test_merged_cancel(void)
{
	struct pack_config c;
	struct pack_result r;
	struct pack p;
	int64_t a, b, e, f;

	setup();
	c = tu_station("HCM-1", wh_hcm);
	a = mk("MC", "0904444444", 0, 0, 1);
	b = mk("MD", "0904444444", 0, 0, 1);
	CU_ASSERT_EQUAL(merge_orders(&packer, a, b), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, b, 0, ST_CANCELLED, "buyer changed mind"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM order_merge WHERE order_id = ?", b), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity_id = ? AND "
	    "action = 'unmerge'", b), 1);
	pack_init(&p, &packer, &c);
	pack_input(&p, "MC", &r);
	CU_ASSERT_STRING_EQUAL(r.message, "order MC open: 1 unit to scan");
	CU_ASSERT_EQUAL(p.nmembers, 0);
	CU_ASSERT(tu_feed(&p, "CMD:CANCEL-SCAN", PACK_OK));

	/* Cancelled under the packer: confirm takes it out of the parcel. */
	e = mk("ME", "0905555555", 0, 0, 1);
	f = mk("MF", "0905555555", 0, 0, 2);
	CU_ASSERT(tu_feed(&p, "ME", PACK_OK));
	CU_ASSERT(tu_feed(&p, "CMD:MERGE", PACK_OK));
	CU_ASSERT_EQUAL(p.nmembers, 1);
	CU_ASSERT_EQUAL(pack_remaining(&p), 3);
	CU_ASSERT_STRING_EQUAL(status_of(f), "PACKING");
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p, "WEIGHT 340", PACK_OK));
	CU_ASSERT_EQUAL(order_transition(&sup, f, 0, ST_CANCELLED, "buyer cancelled"), 0);
	pack_input(&p, "CMD:CONFIRM", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_LOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "order MF in this parcel was cancelled"));
	CU_ASSERT(tu_feed(&p, "CMD:ACK", PACK_OK));
	CU_ASSERT_EQUAL(p.nmembers, 0);
	CU_ASSERT_EQUAL(p.nlines, 1);
	/* Weighed again without MF's two units. */
	CU_ASSERT(tu_feed(&p, "CMD:CONFIRM", PACK_ERROR));
	CU_ASSERT(tu_feed(&p, "WEIGHT 140", PACK_OK));
	CU_ASSERT(tu_feed(&p, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_STRING_EQUAL(status_of(e), "PACKED");
	CU_ASSERT_STRING_EQUAL(status_of(f), "CANCELLED");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM stock_move WHERE order_id = ? AND "
	    "kind = 'ship'", f), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM order_merge WHERE parcel_id = ?", e), 0);
	/* 10 - 1 (ME); MC was given back, MD and MF cancelled. */
	CU_ASSERT_EQUAL(on_hand(wh_hcm, sku_c), 9);

	/* A problem reported on a parcel holds every order in it. */
	e = mk("MG", "0906666666", 0, 0, 1);
	f = mk("MH", "0906666666", 0, 0, 1);
	CU_ASSERT_EQUAL(merge_orders(&packer, e, f), 0);
	CU_ASSERT(tu_feed(&p, "MH", PACK_OK));
	CU_ASSERT_EQUAL(p.order_id, e);
	CU_ASSERT(tu_feed(&p, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p, "CMD:HOLD damaged", PACK_OK));
	CU_ASSERT_STRING_EQUAL(status_of(e), "ON_HOLD");
	CU_ASSERT_STRING_EQUAL(status_of(f), "ON_HOLD");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM pack_scan WHERE order_id IN (?, 0)", e) +
	    count("SELECT count(*) FROM pack_scan WHERE order_id IN (?, 0)", f), 0);
	CU_ASSERT_EQUAL(p.order_id, 0);
	pack_free(&p);
	teardown();
}

/* ---- the ship calls owed to a marketplace that splits and merges ---- */

static int fk_n;

/* A ship call that answers with a new tracking number each time. */
static enum market_class
fk_ship(const struct market_call_env *env, const struct market_creds *c,
    const char *order_no, const char *payload, int recheck, char *tn, size_t tnlen,
    struct market_error *err)
{
	(void)env;
	(void)c;
	(void)payload;
	(void)recheck;
	(void)err;
	snprintf(tn, tnlen, "TN-%s-%d", order_no, ++fk_n);
	return MC_OK;
}

static int64_t
fk_wall(void *ctx)
{
	(void)ctx;
	return clock_now() + 3600;
}

static void
drain(void)
{
	static const struct retry_policy policy = { .max_attempts = 2, .base_ms = 1,
		.cap_ms = 1 };
	static const struct market_call_env env = { .policy = &policy,
		.sleep_ms = sim_no_sleep, .wall_s = fk_wall };
	static const struct market_ops ops = { .channel = "shopee", .ship = fk_ship };
	struct market_creds c = { 0 };
	struct outbox_opts o = { .channel = "shopee", .shop = "S1", .env = &env, .ops = &ops };
	struct outbox_counts n;
	struct market_error err;

	CU_ASSERT_EQUAL(outbox_drain(&sys, &c, NULL, &o, &n, &err), 0);
	if (n.pending != 0)
		fprintf(stderr, "\noutbox: %s\n", err.msg);
}

/* Column col of the one row sql returns for id, as text. */
static void
test_marketplace(void)
{
	struct route_policy pol = { .split = 1, .merge = 1 };
	struct pack_config c_hn, c_hcm;
	struct pack p1, p2;
	int64_t id, a, b;

	setup();
	route_set_policy("shopee", &pol);
	c_hn = tu_station("HN-1", wh_hn);
	c_hcm = tu_station("HCM-1", wh_hcm);
	id = mk_ch("shopee", "SP-SPLIT", "0907777777", 1, 1, 0);
	CU_ASSERT_EQUAL_FATAL(route(id), 0);
	pack_init(&p1, &packer, &c_hn);
	pack_init(&p2, &packer, &c_hcm);
	CU_ASSERT(tu_feed(&p1, "SP-SPLIT", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "SKU-A", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "WEIGHT 140", PACK_OK));
	CU_ASSERT(tu_feed(&p1, "CMD:CONFIRM", PACK_PACKED));
	/* Each part owes its own ship call as it is packed. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'ready_to_ship'", id), 1);
	CU_ASSERT(tu_feed(&p2, "SP-SPLIT", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "SKU-B", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "WEIGHT 140", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'ready_to_ship' AND payload LIKE '%\"parts\":2%'", id), 2);
	drain();
	/* Each part's package carries the tracking number its own call gave. */
	CU_ASSERT_EQUAL(count("SELECT count(DISTINCT tracking_no) FROM package WHERE "
	    "order_id = ? AND tracking_no LIKE 'TN-SP-SPLIT-%'", id), 2);
	CU_ASSERT_STRING_EQUAL(tu_text(db, "SELECT w.code FROM package p JOIN route_part r ON "
	    "r.order_id = p.order_id AND r.part_no = p.part_no JOIN warehouse w ON "
	    "w.id = r.warehouse_id WHERE p.order_id = ? ORDER BY p.tracking_no LIMIT 1", id),
	    "HN");      /* packed, owed and shipped first */

	/* A merged parcel: each order reported shipped by its own call (the member's
	 * names the parcel), each keeping the tracking number its call gave. */
	a = mk_ch("shopee", "SP-A", "0908888888", 0, 0, 1);
	b = mk_ch("shopee", "SP-B", "0908888888", 0, 0, 1);
	CU_ASSERT(tu_feed(&p2, "SP-A", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "CMD:MERGE", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "SKU-C", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "WEIGHT 240", PACK_OK));
	CU_ASSERT(tu_feed(&p2, "CMD:CONFIRM", PACK_PACKED));
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "payload LIKE '%\"merged\":\"SP-B\"%'", a), 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM outbox WHERE order_id = ? AND "
	    "kind = 'ready_to_ship' AND payload LIKE '{\"order_no\":\"SP-B\",%\"parcel\":"
	    "\"SP-A\"}'", b), 1);
	drain();
	CU_ASSERT_STRING_EQUAL(tu_text(db, "SELECT tracking_no FROM orders WHERE id = ?", a),
	    "TN-SP-A-3");
	CU_ASSERT_STRING_EQUAL(tu_text(db, "SELECT tracking_no FROM orders WHERE id = ?", b),
	    "TN-SP-B-4");
	pack_free(&p1);
	pack_free(&p2);
	teardown();
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pack_parts", NULL, NULL);
	CU_add_test(s, "a split order packed part by part at two warehouses", test_split);
	CU_add_test(s, "a part given back; no hold while another part is packed",
	    test_split_give_back);
	CU_add_test(s, "merged orders packed as one parcel", test_merged);
	CU_add_test(s, "a cancelled member leaves the parcel", test_merged_cancel);
	CU_add_test(s, "a marketplace's ship calls and tracking per part and parcel",
	    test_marketplace);
	return tu_run();
}

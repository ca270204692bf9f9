/*
 * test_merge.c — merge candidates (same shop, phone and address, open, channel allows
 * it) over a table of neighbours, and merging: recorded, audited, refused for a
 * non-candidate, never twice; and the pack screen's offer (CMD:MERGE).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/merge.h"
#include "core/order.h"
#include "core/route.h"
#include "core/stock.h"
#include "ui/vm_pack.h"

static struct db *db;
static char path[256];
static struct session sys, packer;

static void
setup(void)
{
	clock_fix(TEST_EPOCH);
	route_reset();
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&packer, db, ROLE_PACKER);
	/* Confirmed orders are allocated as they arrive (route.h): stock for them. */
	stock_receive(&sys, tu_warehouse(&sys, "HCM"), tu_sku(&sys, "SKU-1", 0), "", 0, 100,
	    NULL);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
	route_reset();
}

static int64_t
mk(const char *channel, const char *shop, const char *no, const char *phone,
    const char *address, enum order_status st)
{
	struct order_line_in line = { "SKU-1", 1, 50000 };
	struct order_in in = { .channel = channel, .shop = shop, .order_no = no,
	    .created_at = clock_now(), .status = st, .currency = "VND", .total = 50000,
	    .buyer_name = "Lan", .buyer_phone = phone, .address = address,
	    .district = "Quận 1", .province = "Hồ Chí Minh", .lines = &line, .nlines = 1 };
	int64_t id = 0;

	clock_advance(60);
	if (order_upsert(&sys, &in, &id, NULL) != 0)
		fprintf(stderr, "\norder %s: %s\n", no, sys.err);
	CU_ASSERT_FATAL(id != 0);
	return id;
}

static void
test_candidates(void)
{
	int64_t base, *ids = NULL, want[8];
	size_t n = 0, nwant = 0, i;
	int ok;

	setup();
	base = mk("manual", "S1", "A", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	want[nwant++] = mk("manual", "S1", "B", "0901234567", "1 Lê Lợi", ST_NEW);
	want[nwant++] = mk("manual", "S1", "C", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	mk("manual", "S1", "D", "0901234567", "2 Lê Lợi", ST_CONFIRMED);      /* address */
	mk("manual", "S1", "E", "0907654321", "1 Lê Lợi", ST_CONFIRMED);      /* phone */
	mk("manual", "S2", "F", "0901234567", "1 Lê Lợi", ST_CONFIRMED);      /* shop */
	mk("manual", "S1", "G", "0901234567", "1 Lê Lợi", ST_SHIPPED);        /* closed */
	mk("shopee", "S1", "H", "0901234567", "1 Lê Lợi", ST_CONFIRMED);      /* channel */
	CU_ASSERT_EQUAL(merge_candidates(&sys, base, &ids, &n), 0);
	ok = n == nwant;
	for (i = 0; ok && i < n; i++)
		ok = ids[i] == want[i];
	CU_ASSERT(ok);
	free(ids);

	/* Shopee does not merge unless configured to. */
	base = mk("shopee", "S1", "I", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	CU_ASSERT_EQUAL(merge_candidates(&sys, base, &ids, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(ids);
	{
		struct route_policy p = { .merge = 1 };

		route_set_policy("shopee", &p);
	}
	CU_ASSERT_EQUAL(merge_candidates(&sys, base, &ids, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(ids);
	/* No phone: no candidates. */
	base = mk("manual", "S1", "J", "", "1 Lê Lợi", ST_CONFIRMED);
	mk("manual", "S1", "K", "", "1 Lê Lợi", ST_CONFIRMED);
	CU_ASSERT_EQUAL(merge_candidates(&sys, base, &ids, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(ids);
	teardown();
}

static void
test_merge(void)
{
	int64_t a, b, c, x, *ids = NULL, n64 = -1;
	size_t n = 0;

	setup();
	a = mk("manual", "S1", "A", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	b = mk("manual", "S1", "B", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	c = mk("manual", "S1", "C", "0901234567", "1 Lê Lợi", ST_NEW);
	x = mk("manual", "S1", "X", "0900000000", "1 Lê Lợi", ST_CONFIRMED);
	CU_ASSERT_EQUAL(merge_orders(&packer, a, a), DB_EINVAL);
	CU_ASSERT_EQUAL(merge_orders(&packer, a, x), DB_EINVAL);
	CU_ASSERT_EQUAL(merge_orders(&packer, a, b), 0);
	CU_ASSERT_EQUAL(merge_orders(&packer, a, c), 0);
	CU_ASSERT_EQUAL(merge_members(&sys, a, &ids, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	if (n == 2)
		CU_ASSERT(ids[0] == b && ids[1] == c);
	free(ids);
	/* b is in a's parcel: it takes no other and is nobody's candidate now. */
	CU_ASSERT_EQUAL(merge_orders(&packer, b, c), DB_EINVAL);
	CU_ASSERT_EQUAL(merge_candidates(&sys, c, &ids, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(ids);
	CU_ASSERT_EQUAL(db_int(db, &n64, "SELECT count(*) FROM audit WHERE action = 'merge'",
	    ""), 0);
	CU_ASSERT_EQUAL(n64, 4);
	CU_ASSERT_EQUAL(db_int(db, &n64, "SELECT count(*) FROM order_merge WHERE parcel_id = ? "
	    "AND user_name = ?", "is", a, packer.user), 0);
	CU_ASSERT_EQUAL(n64, 2);
	teardown();
}

static void
test_bench_offer(void)
{
	struct pack_config pc = { .tol_g = 30, .tol_pct = 5 };
	struct vm_pack_opts o;
	struct vm_pack vm;
	int64_t a, b, wh, n = -1;

	setup();
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "HCM", "Hồ Chí Minh", &wh), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, tu_sku(&sys, "SKU-1", 0), "", 0, 10, NULL), 0);
	a = mk("manual", "S1", "MA", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	b = mk("manual", "S1", "MB", "0901234567", "1 Lê Lợi", ST_CONFIRMED);
	mk("manual", "S1", "MC", "0907777777", "9 Hai Bà Trưng", ST_CONFIRMED);
	pc.warehouse_id = wh;
	snprintf(pc.station, sizeof pc.station, "ST1");
	memset(&o, 0, sizeof o);
	snprintf(o.sync, sizeof o.sync, "off");
	o.tz_offset = 7 * 3600;
	vm_pack_init(&vm, &packer, &pc, &o, clock_now());
	/* An order without neighbours: no offer. */
	vm_pack_scan(&vm, "MC");
	CU_ASSERT_PTR_NULL(strstr(vm.msg, "SAME BUYER"));
	CU_ASSERT_EQUAL(vm_pack_scan(&vm, "CMD:MERGE") & VM_HANDLED, VM_HANDLED);
	CU_ASSERT_STRING_EQUAL(vm.msg, "No other open order of this buyer to merge");
	vm_pack_free(&vm);
	vm_pack_init(&vm, &packer, &pc, &o, clock_now());
	vm_pack_scan(&vm, "MA");
	CU_ASSERT_EQUAL(vm.p.order_id, a);
	CU_ASSERT_PTR_NOT_NULL(strstr(vm.msg, "SAME BUYER: order MB open (CMD:MERGE = one "
	    "parcel)"));
	vm_pack_scan(&vm, "CMD:MERGE");
	CU_ASSERT_STRING_EQUAL(vm.msg, "1 order merged into order MA's parcel");
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT parcel_id FROM order_merge WHERE order_id = ?",
	    "i", b), 0);
	CU_ASSERT_EQUAL(n, a);
	vm_pack_free(&vm);
	teardown();
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("merge", NULL, NULL);
	CU_add_test(s, "candidates: same shop, phone, address, open, channel allows",
	    test_candidates);
	CU_add_test(s, "merging records, audits and refuses", test_merge);
	CU_add_test(s, "the pack screen offers and merges", test_bench_offer);
	return tu_run();
}

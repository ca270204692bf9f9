/*
 * test_purchase.c — purchase order lines (core/purchase.h): recorded, listed, received
 * through the stock ledger with their audit records, cancelled, refused to a packer and
 * to bad input; and the forecast's reorder quantity counting only what is due before
 * the projected out-of-stock day (core/demand.h), worked out by hand:
 *
 *   SKU-A sells 4 a day over the 28 days of history (the moving average: 4.0 a day),
 *   22 free: out on day 5 (cover 5.5 days). Lead time 10 days, no safety stock: the
 *   lead time needs 40. On order: 6 due on day 2 (in time), 9 due on day 8 (too late),
 *   3 with no date (counted), 100 cancelled (not on order). Reorder = 40 - 22 - 9 = 9.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/demand.h"
#include "core/order.h"
#include "core/purchase.h"
#include "core/stock.h"
#include "testutil.h"

#define NOW ((int64_t)TEST_EPOCH)   /* 2025-12-01 00:00 UTC */
#define DAY 86400

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int64_t hcm, ska, skb;

static int
setup(void)
{
	struct order_line_in line = { "SKU-A", 4, 10000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .currency = "VND", .total = 40000,
		.buyer_name = "An", .province = "Hà Nội", .lines = &line, .nlines = 1,
		.status = ST_NEW,
	};
	char no[32];
	int d;

	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	clock_fix(NOW);
	hcm = tu_warehouse(&sys, "HCM");
	ska = tu_sku(&sys, "SKU-A", 0);
	skb = tu_sku(&sys, "SKU-B", 0);
	for (d = 1; d <= 28; d++) {
		snprintf(no, sizeof no, "P%d", d);
		in.order_no = no;
		in.created_at = NOW - (int64_t)d * DAY + 10 * 3600;
		if (order_upsert(&sys, &in, NULL, NULL) != 0) {
			fprintf(stderr, "test_purchase: %s\n", sys.err);
			return 1;
		}
	}
	db_run(db, "UPDATE shop SET warehouse_id = ?", "i", hcm);
	return stock_receive(&sys, hcm, ska, "", 0, 22, "test") != 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

/* Add, list, refusals, receive (ledger + audit), cancel. */
static void
test_lines(void)
{
	struct purchase_row *r;
	int64_t id1, id2, id3, units, lines, oh;
	size_t n;

	CU_ASSERT_EQUAL(purchase_add(&packer, hcm, ska, 5, NOW, NULL, NULL), DB_EPERM);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 0, NOW, NULL, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "quantity 0"));
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 5, NOW, "PO 1", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 5, 0, "PO-1", &id1), 0);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, skb, 7, NOW + 3 * DAY, "PO-1", &id2), 0);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, skb, 2, NOW + 1 * DAY, NULL, &id3), 0);

	CU_ASSERT_EQUAL(purchase_list(&packer, 0, &r, &n), DB_EPERM);
	CU_ASSERT_EQUAL_FATAL(purchase_list(&sup, 0, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	/* by due date, the undated last */
	CU_ASSERT_EQUAL(r[0].id, id3);
	CU_ASSERT_EQUAL(r[1].id, id2);
	CU_ASSERT_STRING_EQUAL(r[1].ref, "PO-1");
	CU_ASSERT_STRING_EQUAL(r[1].sku, "SKU-B");
	CU_ASSERT_EQUAL(r[1].due_at, NOW + 3 * DAY);
	CU_ASSERT_EQUAL(r[2].id, id1);
	CU_ASSERT_EQUAL(r[2].due_at, 0);
	free(r);

	/* Receiving the reference takes both its lines in, through the ledger. */
	CU_ASSERT_EQUAL(purchase_receive(&packer, "PO-1", "", 0, &units), DB_EPERM);
	CU_ASSERT_EQUAL(purchase_receive(&sup, "PO-1", "", 0, &units), 0);
	CU_ASSERT_EQUAL(units, 12);
	CU_ASSERT_EQUAL(stock_on_hand(&sys, hcm, ska, &oh), 0);
	CU_ASSERT_EQUAL(oh, 27);
	CU_ASSERT_EQUAL(stock_on_hand(&sys, hcm, skb, &oh), 0);
	CU_ASSERT_EQUAL(oh, 7);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM stock_move WHERE kind = 'receive' "
	    "AND note LIKE 'purchase %PO-1'", NULL), 2);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM audit WHERE entity = 'purchase' "
	    "AND action = 'receive'", NULL), 2);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM purchase_due WHERE ref = 'PO-1' "
	    "AND received_at IS NOT NULL", NULL), 2);
	/* Twice: refused, nothing more on hand. */
	CU_ASSERT_EQUAL(purchase_receive(&sup, "PO-1", "", 0, &units), DB_ECONFLICT);
	CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "received or cancelled already"));
	snprintf(sup.err, sizeof sup.err, "%s", "");
	{
		char idtext[24];

		snprintf(idtext, sizeof idtext, "%lld", (long long)id1);
		CU_ASSERT_EQUAL(purchase_receive(&sup, idtext, "", 0, &units), DB_ECONFLICT);
		CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "received already"));
		snprintf(idtext, sizeof idtext, "%lld", (long long)id3);
		CU_ASSERT_EQUAL(purchase_cancel(&packer, idtext, "late", &lines), DB_EPERM);
		CU_ASSERT_EQUAL(purchase_cancel(&sup, idtext, "supplier out", &lines), 0);
		CU_ASSERT_EQUAL(lines, 1);
		CU_ASSERT_EQUAL(purchase_receive(&sup, idtext, "", 0, &units), DB_ECONFLICT);
		CU_ASSERT_PTR_NOT_NULL(strstr(sup.err, "cancelled already"));
	}
	CU_ASSERT_EQUAL(stock_on_hand(&sys, hcm, ska, &oh), 0);
	CU_ASSERT_EQUAL(oh, 27);
	CU_ASSERT_EQUAL(purchase_receive(&sup, "NOPE", "", 0, &units), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(purchase_list(&sup, 0, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(r);
	CU_ASSERT_EQUAL(purchase_list(&sup, 1, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	free(r);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM audit WHERE entity = 'purchase'",
	    NULL), 3 + 2 + 1);
	/* Back to the fixture's 22 for the plan. */
	CU_ASSERT_EQUAL(stock_adjust(&sys, hcm, ska, "", -5, "test"), 0);
}

/* The reorder quantity counts what comes in before the stock runs out (see the top). */
static void
test_reorder(void)
{
	struct demand_params p;
	struct demand_filter f = { "SKU-A", NULL };
	struct demand_calendar cal = { 0 };
	struct demand_row *r;
	int64_t id;
	size_t n;

	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 6, NOW + 2 * DAY, "IN-TIME", NULL), 0);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 9, NOW + 8 * DAY, "LATE", NULL), 0);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 3, 0, NULL, NULL), 0);
	CU_ASSERT_EQUAL(purchase_add(&sup, hcm, ska, 100, NOW + DAY, "GONE", &id), 0);
	CU_ASSERT_EQUAL(purchase_cancel(&sup, "GONE", NULL, NULL), 0);
	demand_params_default(&p);
	p.lead_time_days = 10;
	p.service_level_pct = 0;
	p.history_days = 28;
	p.horizon_days = 30;
	CU_ASSERT_EQUAL_FATAL(demand_plan(&sup, &f, &cal, &p, NOW, 0, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(r[0].free, 22);
	CU_ASSERT_DOUBLE_EQUAL(r[0].daily, 4, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r[0].cover, 5.5, 1e-9);
	CU_ASSERT_EQUAL(r[0].oos_day, NOW / DAY + 5);
	CU_ASSERT_EQUAL(r[0].on_order, 18);
	CU_ASSERT_EQUAL(r[0].on_order_due, 9);
	CU_ASSERT_EQUAL(r[0].reorder, 9);
	free(r);
	/* The late one received: on hand 31, out beyond the lead time, nothing to order. */
	CU_ASSERT_EQUAL(purchase_receive(&sup, "LATE", "", 0, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(demand_plan(&sup, &f, &cal, &p, NOW, 0, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(r[0].on_order, 9);
	CU_ASSERT_EQUAL(r[0].reorder, 0);
	free(r);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("purchase", setup, teardown);
	CU_add_test(s, "lines", test_lines);
	CU_add_test(s, "reorder", test_reorder);
	return tu_run();
}

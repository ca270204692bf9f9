/*
 * test_recon.c — reconciliation against a settlement computed by hand
 * (tests/fixtures/recon/shopee_settlement.csv): two orders of 200,000 VND under the
 * schedule commission 4%, service 3% + 1,000, transaction 2%, threshold 100. R1 is
 * charged exactly; R2's commission is 9,500 for 8,000 expected (flagged) and its
 * transaction fee 50 over (within the threshold). Also the import's all-or-nothing
 * errors, the schedule's parsing and the rounding.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/recon.h"
#include "testutil.h"

#define NOW ((int64_t)TEST_EPOCH)

static struct db *db;
static char path[256];
static struct session sys, sup;

static int
setup(void)
{
	struct order_line_in line = { "SKU-1", 2, 100000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .created_at = NOW - 3600,
		.status = ST_DELIVERED, .currency = "VND", .total = 200000,
		.buyer_name = "An", .province = "Hà Nội", .lines = &line, .nlines = 1,
	};

	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	clock_fix(NOW);
	tu_warehouse(&sys, "HCM");
	tu_sku(&sys, "SKU-1", 0);
	in.order_no = "R1";
	in.cod = 200000;
	if (order_upsert(&sys, &in, NULL, NULL) != 0)
		return 1;
	in.order_no = "R2";
	in.cod = 0;
	return order_upsert(&sys, &in, NULL, NULL) != 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int
import(const char *name, int64_t *lines, int64_t *orders)
{
	char p[512];
	FILE *fp;
	int rc;

	snprintf(p, sizeof p, "%s/%s", RECON_FIXTURES, name);
	fp = fopen(p, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	rc = recon_import(&sys, name, fp, lines, orders);
	fclose(fp);
	return rc;
}

static void
test_schedule(void)
{
	struct recon_fees f;
	const struct recon_sched *sc;
	char err[200];

	recon_fees_init(&f);
	CU_ASSERT_EQUAL(recon_fees_set(&f, "shopee", "commission 4%, service 3.5, "
	    "transaction 2.125%, fixed 1000", err, sizeof err), 0);
	CU_ASSERT_EQUAL(recon_fees_set(&f, "shopee.S9", "commission 6%", err, sizeof err), 0);
	CU_ASSERT_EQUAL(recon_fees_set(&f, "threshold", "100", err, sizeof err), 0);
	CU_ASSERT_EQUAL(f.threshold, 100);
	sc = recon_fees_find(&f, "shopee", "S1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->commission_ppm, 40000);
	CU_ASSERT_EQUAL(sc->service_ppm, 35000);
	CU_ASSERT_EQUAL(sc->transaction_ppm, 21250);
	CU_ASSERT_EQUAL(sc->fixed, 1000);
	CU_ASSERT_EQUAL(recon_fees_find(&f, "shopee", "S9")->commission_ppm, 60000);
	CU_ASSERT_PTR_NULL(recon_fees_find(&f, "lazada", "S1"));
	CU_ASSERT_EQUAL(recon_fees_set(&f, "shopee", "commission 5%", err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "set twice");
	CU_ASSERT_EQUAL(recon_fees_set(&f, "ebay", "commission 5%", err, sizeof err), -1);
	CU_ASSERT_EQUAL(recon_fees_set(&f, "lazada", "commission 105%", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "percentage"));
	CU_ASSERT_EQUAL(recon_fees_set(&f, "lazada", "bonus 5%", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'bonus'"));
	recon_fees_free(&f);
	/* Half away from zero: 2.125% of 1,000 VND = 21.25 -> 21; 2.5% of 100 = 2.5 -> 3. */
	CU_ASSERT_EQUAL(recon_ppm(1000, 21250), 21);
	CU_ASSERT_EQUAL(recon_ppm(100, 25000), 3);
	CU_ASSERT_EQUAL(recon_ppm(-100, 25000), -3);
	CU_ASSERT_EQUAL(recon_category("Commission"), RC_OTHER);     /* keys are normalised */
	CU_ASSERT_EQUAL(recon_category("commission"), RC_COMMISSION);
	CU_ASSERT_EQUAL(recon_category("payment_fee"), RC_TRANSACTION);
	CU_ASSERT_EQUAL(recon_category("escrow_amount"), RC_NET);
}

static void
test_bad_files(void)
{
	int64_t lines, orders, n = -1;

	CU_ASSERT_NOT_EQUAL(import("bad_order.csv", &lines, &orders), 0);
	CU_ASSERT_STRING_EQUAL(sys.err, "bad_order.csv:3: order NOPE of shopee shop S1 not found");
	CU_ASSERT_NOT_EQUAL(import("bad_amount.csv", &lines, &orders), 0);
	CU_ASSERT_STRING_EQUAL(sys.err, "bad_amount.csv:2: amount '-12.50' is not a number in VND");
	/* Nothing of either file was kept. */
	db_int(db, &n, "SELECT count(*) FROM settlement_fee", "");
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_NOT_EQUAL(recon_import(&sup, "x.csv", stdin, &lines, &orders), 0);
}

static void
test_overcharge(void)
{
	struct recon_fees f;
	struct recon_report r;
	const struct recon_shop *sh;
	int64_t lines = 0, orders = 0, n = 0;
	char err[200];

	if (import("shopee_settlement.csv", &lines, &orders) != 0)
		fprintf(stderr, "import: %s\n", sys.err);
	CU_ASSERT_EQUAL_FATAL(lines, 11);
	CU_ASSERT_EQUAL(orders, 2);
	db_int(db, &n, "SELECT amount FROM settlement_fee f JOIN orders o ON o.id = f.order_id "
	    "WHERE o.order_no = 'R2' AND fee_type = 'commission_fee' AND source = 'file'", "");
	CU_ASSERT_EQUAL(n, -9500);
	recon_fees_init(&f);
	CU_ASSERT_EQUAL(recon_fees_set(&f, "shopee", "commission 4%, service 3%, transaction 2%, "
	    "fixed 1000", err, sizeof err), 0);
	f.threshold = 100;
	{
		struct session pk;

		tu_session(&pk, db, ROLE_PACKER);
		CU_ASSERT_EQUAL(recon_run(&pk, &f, NOW - 86400, NOW, &r), DB_EPERM);
	}
	CU_ASSERT_EQUAL_FATAL(recon_run(&sup, &f, NOW - 86400, NOW, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r.nshops, 1);
	sh = &r.shops[0];
	CU_ASSERT_STRING_EQUAL(sh->channel, "shopee");
	CU_ASSERT_STRING_EQUAL(sh->shop, "S1");
	CU_ASSERT_EQUAL(sh->orders, 2);
	CU_ASSERT_EQUAL(sh->cat[RC_GROSS], 400000);
	CU_ASSERT_EQUAL(sh->cat[RC_COMMISSION], -17500);
	CU_ASSERT_EQUAL(sh->cat[RC_SERVICE], -14000);
	CU_ASSERT_EQUAL(sh->cat[RC_TRANSACTION], -8050);
	CU_ASSERT_EQUAL(sh->net, 181000 + 179450);
	CU_ASSERT_EQUAL(sh->cod, 200000);
	CU_ASSERT_EQUAL(sh->flagged, 1);
	CU_ASSERT_EQUAL_FATAL(r.nflags, 1);
	CU_ASSERT_STRING_EQUAL(r.flags[0].order_no, "R2");
	CU_ASSERT_EQUAL(r.flags[0].fee, RC_COMMISSION);
	CU_ASSERT_EQUAL(r.flags[0].expected, 8000);
	CU_ASSERT_EQUAL(r.flags[0].actual, 9500);
	recon_report_free(&r);
	/* A threshold under 50 flags R2's transaction fee too. */
	f.threshold = 49;
	CU_ASSERT_EQUAL_FATAL(recon_run(&sup, &f, NOW - 86400, NOW, &r), 0);
	CU_ASSERT_EQUAL(r.nflags, 2);
	recon_report_free(&r);
	/* Outside the period: nothing. */
	CU_ASSERT_EQUAL_FATAL(recon_run(&sup, &f, NOW, NOW + 86400, &r), 0);
	CU_ASSERT_EQUAL(r.nshops, 0);
	recon_report_free(&r);
	/* Importing the same file again replaces the lines instead of adding them. */
	CU_ASSERT_EQUAL_FATAL(import("shopee_settlement.csv", &lines, &orders), 0);
	db_int(db, &n, "SELECT amount FROM settlement_fee f JOIN orders o ON o.id = f.order_id "
	    "WHERE o.order_no = 'R2' AND fee_type = 'commission_fee'", "");
	CU_ASSERT_EQUAL(n, -9500);
	recon_fees_free(&f);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("recon", setup, teardown);
	CU_add_test(s, "fee schedule", test_schedule);
	CU_add_test(s, "bad settlement files", test_bad_files);
	CU_add_test(s, "one overcharged fee", test_overcharge);
	return tu_run();
}

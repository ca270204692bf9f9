/*
 * test_risk.c — the risk rules, table-driven on a real database with a fixed clock: each
 * case is an order (and what history and blacklist it meets) with the flags it must get,
 * in rule order, and nothing else; the phone checker and normalisers on their own
 * tables; the thresholds from the config turn rules off and move their edges; the
 * blacklist refuses a packer, bad values and repeats, and is audited.
 */
#include <CUnit/CUnit.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/risk.h"
#include "testutil.h"

#define NOW ((int64_t)TEST_EPOCH)
#define H 3600

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int seq;

struct o {
	const char *phone, *address, *district, *province;
	int64_t cod;
	enum order_status status;
	int64_t created_at;
	const char *sku;
};

static int64_t
add(const struct o *o)
{
	struct order_line_in line = { o->sku ? o->sku : "SKU-1", 1, 100000 };
	char no[32];
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .order_no = no,
		.created_at = o->created_at ? o->created_at : NOW, .status = o->status,
		.cod = o->cod, .currency = "VND", .total = o->cod ? o->cod : 100000,
		.buyer_name = "Buyer", .buyer_phone = o->phone, .address = o->address,
		.district = o->district, .province = o->province, .lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	snprintf(no, sizeof no, "R-%d", ++seq);
	if (order_upsert(&sys, &in, &id, NULL) != 0)
		fprintf(stderr, "add %s: %s\n", no, sys.err);
	return id;
}

static int
setup(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	clock_fix(NOW);
	tu_sku(&sys, "SKU-1", 0);
	tu_sku(&sys, "SKU-2", 0);
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

/* The labels of order id, as risk_flags() joins them. */
static const char *
flags(int64_t id)
{
	static char buf[256];

	if (risk_flags(&sup, id, buf, sizeof buf) != 0)
		snprintf(buf, sizeof buf, "error: %.200s", sup.err);
	return buf;
}

static void
test_phone_valid(void)
{
	static const struct {
		const char *phone;
		int ok;
	} t[] = {
		{ "0912345678", 1 }, { "0387654321", 1 }, { "0523456789", 1 },
		{ "0701234567", 1 }, { "0812345678", 1 }, { "0991234567", 1 },
		{ "+84 912 345 678", 1 }, { "84912345678", 1 }, { "091.234.5678", 1 },
		{ "0912-345-678", 1 }, { "02438251234", 1 }, { "(028) 3822 1234", 1 },
		{ "0112345678", 0 }, { "0952345678", 0 }, { "0712345678", 0 },
		{ "091234567", 0 }, { "09123456789", 0 }, { "0243825123", 0 },
		{ "12345", 0 }, { "", 0 }, { "09l2345678", 0 }, { "0912 345 67x", 0 },
		{ "+1 415 555 0100", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (risk_phone_valid(t[i].phone) != t[i].ok)
			fprintf(stderr, "phone '%s': want %d\n", t[i].phone, t[i].ok);
		CU_ASSERT_EQUAL(risk_phone_valid(t[i].phone), t[i].ok);
	}
}

static void
test_norm(void)
{
	static const struct {
		const char *in, *phone, *addr;
	} t[] = {
		{ "+84 912 345 678", "0912345678", "84 912 345 678" },
		{ "  12, Lê Lợi.  Q1 ", "", "12 lê lợi q1" },
		{ "SỐ 5 NGÕ 10/2 ĐƯỜNG ƠN", "", "số 5 ngõ 10 2 đường ơn" },
	};
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		risk_address_norm(t[i].in, buf, sizeof buf);
		CU_ASSERT_STRING_EQUAL(buf, t[i].addr);
		if (t[i].phone[0] != '\0') {
			CU_ASSERT_EQUAL(risk_phone_norm(t[i].in, buf, sizeof buf), 0);
			CU_ASSERT_STRING_EQUAL(buf, t[i].phone);
		} else {
			CU_ASSERT_EQUAL(risk_phone_norm(t[i].in, buf, sizeof buf), -1);
		}
	}
}

/* Each case: history first (orders that only set the scene), then the order checked. */
static void
test_rules(void)
{
	static const struct {
		const char *name;
		struct o history[3];
		struct o order;
		const char *want;
	} t[] = {
		{ "clean", {{ 0 }}, { "0912000001", "1 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 },
		  "" },
		{ "COD just under", {{ 0 }}, { "0912000002", "2 Lê Lợi", "Q1", "HCM", 1999999,
		  ST_NEW, 0, 0 }, "" },
		{ "COD at the edge", {{ 0 }}, { "0912000003", "3 Lê Lợi", "Q1", "HCM", 2000000,
		  ST_NEW, 0, 0 }, "HIGH COD" },
		{ "one COD refusal", {{ "0912000004", "9 Hai Bà Trưng", "Q3", "HCM", 300000,
		  ST_RETURNED, NOW - 40 * 86400, 0 }},
		  { "0912000004", "4 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "REFUSED COD x1" },
		{ "one prepaid return is not enough", {{ "0912000005", "9 Hai Bà Trưng", "Q3",
		  "HCM", 0, ST_RETURNED, NOW - 40 * 86400, 0 }},
		  { "0912000005", "5 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "" },
		{ "two prepaid returns", {{ "0912000006", "a", "Q3", "HCM", 0, ST_RETURNED,
		  NOW - 40 * 86400, 0 }, { "0912000006", "b", "Q3", "HCM", 0, ST_RETURNING,
		  NOW - 30 * 86400, 0 }},
		  { "0912000006", "6 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "RETURNS x2" },
		{ "no district", {{ 0 }}, { "0912000007", "7 Lê Lợi", "", "HCM", 0, ST_NEW, 0, 0 },
		  "NO DISTRICT" },
		{ "no province", {{ 0 }}, { "0912000008", "8 Lê Lợi", "Q1", " ", 0, ST_NEW, 0,
		  0 }, "NO PROVINCE" },
		{ "neither", {{ 0 }}, { "0912000009", "9 Lê Lợi", "", "", 0, ST_NEW, 0, 0 },
		  "NO DISTRICT/PROVINCE" },
		{ "bad phone", {{ 0 }}, { "0112000010", "10 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0,
		  0 }, "BAD PHONE" },
		{ "no phone", {{ 0 }}, { "", "11 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 },
		  "NO PHONE" },
		{ "duplicate within the window", {{ "0912000012", "12 Lê Lợi", "Q1", "HCM", 0,
		  ST_CONFIRMED, NOW - 23 * H, 0 }},
		  { "0912000012", "12 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "DUPLICATE" },
		{ "same order outside the window", {{ "0912000013", "13 Lê Lợi", "Q1", "HCM", 0,
		  ST_CONFIRMED, NOW - 25 * H, 0 }},
		  { "0912000013", "13 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "" },
		{ "other SKUs are no duplicate", {{ "0912000014", "14 Lê Lợi", "Q1", "HCM", 0,
		  ST_NEW, NOW - H, "SKU-2" }},
		  { "0912000014", "14 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "" },
		{ "a cancelled one is no duplicate", {{ "0912000015", "15 Lê Lợi", "Q1", "HCM", 0,
		  ST_CANCELLED, NOW - H, 0 }},
		  { "0912000015", "15 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "" },
		{ "another address is no duplicate", {{ "0912000016", "99 Lê Lợi", "Q1", "HCM", 0,
		  ST_NEW, NOW - H, 0 }},
		  { "0912000016", "16 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 }, "" },
		{ "several at once", {{ "0112000017", "x", "Q3", "HCM", 500000, ST_RETURNED,
		  NOW - 40 * 86400, 0 }},
		  { "0112000017", "17 Lê Lợi", "", "HCM", 2500000, ST_NEW, 0, 0 },
		  "HIGH COD · REFUSED COD x1 · NO DISTRICT · BAD PHONE" },
	};
	size_t i, j;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t id;

		for (j = 0; j < 3 && t[i].history[j].address != NULL; j++)
			CU_ASSERT(add(&t[i].history[j]) > 0);
		id = add(&t[i].order);
		CU_ASSERT(id > 0);
		if (strcmp(flags(id), t[i].want) != 0)
			fprintf(stderr, "%s: got '%s', want '%s'\n", t[i].name, flags(id), t[i].want);
		CU_ASSERT_STRING_EQUAL(flags(id), t[i].want);
	}
}

static void
test_reasons(void)
{
	struct o o = { "0112000020", "20 Lê Lợi", "Q1", "HCM", 2500000, ST_NEW, 0, 0 };
	struct risk_flag f[RISK_MAX_FLAGS];
	char buf[512];
	int64_t id = add(&o);
	int n;

	CU_ASSERT_EQUAL(risk_check(&sup, id, f, RISK_MAX_FLAGS, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(f[0].kind, RISK_HIGH_COD);
	CU_ASSERT_STRING_EQUAL(f[0].reason, "COD 2.500.000 VND is at least 2.000.000");
	CU_ASSERT_EQUAL(f[1].kind, RISK_PHONE);
	CU_ASSERT(strstr(f[1].reason, "'0112000020' is not a Vietnamese") != NULL);
	CU_ASSERT_EQUAL(risk_reasons(&sup, id, buf, sizeof buf), 0);
	CU_ASSERT(strncmp(buf, "HIGH COD: COD 2.500.000", 23) == 0);
	CU_ASSERT(strstr(buf, "; BAD PHONE: ") != NULL);
	/* At most max flags. */
	CU_ASSERT_EQUAL(risk_check(&sup, id, f, 1, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(risk_check(&sup, 999999, f, RISK_MAX_FLAGS, &n), DB_ENOTFOUND);
}

/*
 * A phone shared by many orders (marketplaces mask buyers' phones): the history counts
 * stop at 100 ("x100+") and both history queries stay index ranges, so opening an order
 * at the bench does not read every order of the phone (bench_pack's order scan).
 */
static void
test_shared_phone(void)
{
	static const char *const q[] = {
		"EXPLAIN QUERY PLAN SELECT 1 FROM orders WHERE buyer_phone = 'x' AND status IN "
		"('RETURNING', 'RETURNED') AND cod > 0 AND id <> 1 LIMIT 100",
		"EXPLAIN QUERY PLAN SELECT id, created_at FROM orders WHERE buyer_phone = 'x' AND "
		"created_at >= 1 AND created_at <= 2 AND id <> 1 AND status NOT IN ('CANCELLED', "
		"'RETURNING', 'RETURNED') ORDER BY created_at, id LIMIT 5",
	};
	struct o back = { "0912000099", "99 Lê Lợi", "Q1", "HCM", 300000, ST_RETURNED,
	    NOW - 40 * 86400, 0 };
	struct o o = { "0912000099", "99 Lê Lợi", "Q1", "HCM", 0, ST_NEW, 0, 0 };
	struct db_stmt *st;
	char plan[1024];
	size_t len;
	int i;
	int64_t id;

	db_begin(db);
	for (i = 0; i < 150; i++)
		CU_ASSERT(add(&back) > 0);
	db_commit(db);
	id = add(&o);
	CU_ASSERT_STRING_EQUAL(flags(id), "REFUSED COD x100+");
	if (strcmp(db_engine(db), "sqlite") != 0)
		return;
	for (i = 0; i < 2; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(st = db_prep(db, q[i]));
		plan[0] = '\0';
		len = 0;
		while (db_step(st) == DB_ROW && len < sizeof plan - 1)
			len += (size_t)snprintf(plan + len, sizeof plan - len, "%s;",
			    db_col_text(st, 3));
		db_done(st);
		CU_ASSERT_PTR_NOT_NULL(strstr(plan, i == 0 ? "orders_phone_hist" :
		    "orders_phone_at"));
		CU_ASSERT_PTR_NULL(strstr(plan, "SCAN orders"));
	}
}

/* The config's thresholds: rules off, edges moved. */
static void
test_config(void)
{
	struct o o = { "0112000030", "30 Lê Lợi", "", "HCM", 1500000, ST_NEW, 0, 0 };
	struct risk_config c;
	int64_t id = add(&o);

	CU_ASSERT_STRING_EQUAL(flags(id), "NO DISTRICT · BAD PHONE");
	risk_config_defaults(&c);
	c.high_cod = 1500000;
	c.check_phone = 0;
	c.check_address = 0;
	risk_set_config(&c);
	CU_ASSERT_STRING_EQUAL(flags(id), "HIGH COD");
	c.high_cod = 0;
	risk_set_config(&c);
	CU_ASSERT_STRING_EQUAL(flags(id), "");
	risk_config_defaults(&c);
	risk_set_config(&c);
	CU_ASSERT_STRING_EQUAL(flags(id), "NO DISTRICT · BAD PHONE");
}

static void
test_blacklist(void)
{
	struct o a = { "0912000040", "40 Nguyễn Trãi, P.2", "Q5", "HCM", 0, ST_NEW, 0, 0 };
	struct o b = { "0987000041", "Kho 7, 40 nguyễn trãi p 2", "Q5", "HCM", 0, ST_NEW, 0,
	    0 };
	struct risk_block_row *rows;
	int64_t ia = add(&a), ib = add(&b), count, bad;
	size_t n;
	char msg[256];

	CU_ASSERT_STRING_EQUAL(flags(ia), "");
	/* A packer may not touch it. */
	CU_ASSERT_EQUAL(risk_block(&packer, RISK_BLOCK_PHONE, "0912000040", "fraud"),
	    DB_EPERM);
	CU_ASSERT_EQUAL(risk_block_list(&packer, &rows, &n), DB_EPERM);
	/* Bad values and a missing reason. */
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_PHONE, "call me", "x"), DB_EINVAL);
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_PHONE, "0912000040", " "), DB_EINVAL);
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_ADDRESS, "  ..", "x"), DB_EINVAL);
	/* Written as +84 it is the same phone. */
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_PHONE, "+84 912 000 040", "fraud"), 0);
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_PHONE, "0912000040", "again"),
	    DB_ECONSTRAINT);
	CU_ASSERT(strstr(sup.err, "already blocked") != NULL);
	CU_ASSERT_STRING_EQUAL(flags(ia), "BLOCKED PHONE");
	CU_ASSERT_STRING_EQUAL(flags(ib), "");
	/* An address text matches any order whose address contains it, whatever the case
	 * and punctuation. */
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_ADDRESS, "40 Nguyễn Trãi P2", "x"), 0);
	CU_ASSERT_STRING_EQUAL(flags(ib), "");
	CU_ASSERT_EQUAL(risk_unblock(&sup, RISK_BLOCK_ADDRESS, "40 Nguyễn Trãi P2"), 0);
	CU_ASSERT_EQUAL(risk_block(&sup, RISK_BLOCK_ADDRESS, "40 NGUYỄN TRÃI, P.2",
	    "parcels never collected"), 0);
	CU_ASSERT_STRING_EQUAL(flags(ib), "BLOCKED ADDRESS");
	CU_ASSERT_STRING_EQUAL(flags(ia), "BLOCKED PHONE · BLOCKED ADDRESS");
	CU_ASSERT_EQUAL(risk_block_list(&sup, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	if (n == 2) {
		CU_ASSERT_EQUAL(rows[0].kind, RISK_BLOCK_ADDRESS);
		CU_ASSERT_STRING_EQUAL(rows[1].value, "0912000040");
		CU_ASSERT_STRING_EQUAL(rows[1].reason, "fraud");
		CU_ASSERT_STRING_EQUAL(rows[1].user, "tester-supervisor");
	}
	free(rows);
	CU_ASSERT_EQUAL(risk_unblock(&sup, RISK_BLOCK_PHONE, "0912 000 040"), 0);
	CU_ASSERT_EQUAL(risk_unblock(&sup, RISK_BLOCK_PHONE, "0912000040"), DB_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(flags(ia), "BLOCKED ADDRESS");
	/* Every change is in the chain. */
	CU_ASSERT_EQUAL(db_int(db, &count, "SELECT count(*) FROM audit WHERE entity = "
	    "'risk_block'", ""), 0);
	CU_ASSERT_EQUAL(count, 5);
	CU_ASSERT_EQUAL(audit_verify(db, &count, &bad, msg, sizeof msg), 0);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("risk", setup, teardown);
	CU_add_test(s, "phone numbers", test_phone_valid);
	CU_add_test(s, "normalising", test_norm);
	CU_add_test(s, "rules", test_rules);
	CU_add_test(s, "reasons", test_reasons);
	CU_add_test(s, "thresholds from the config", test_config);
	CU_add_test(s, "blacklist", test_blacklist);
	CU_add_test(s, "a phone shared by many orders", test_shared_phone);
	return tu_run();
}

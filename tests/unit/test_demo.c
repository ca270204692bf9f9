/*
 * test_demo.c — the demo seller: the same seed makes the same data, and the data looks
 * like the brief says (about 60% COD, all 34 provinces, ship-by from overdue to two days
 * out, lines on existing SKUs, valid GTINs, stock to allocate from, users that log in).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/clock.h"
#include "core/demo.h"
#include "core/order.h"
#include "core/sku.h"
#include "core/stock.h"
#include "core/user.h"

#define NORDERS 3000
#define NSKUS 60

static struct db *db;
static char path[256];
static struct session sys;

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;   /* field separator */
}

/* A digest of every order, line, SKU, barcode, lot and stock level, by natural keys. */
static uint64_t
digest(struct db *d)
{
	static const char *const sql[] = {
		"SELECT sh.channel, sh.shop_code, o.order_no, o.status, o.created_at, o.ship_by, "
		"o.cod, o.total, o.currency, o.buyer_name, o.buyer_phone, o.address, o.district, "
		"o.province FROM orders o JOIN shop sh ON sh.id = o.shop_id "
		"ORDER BY sh.channel, sh.shop_code, o.order_no",
		"SELECT o.order_no, l.line_no, s.sku, l.qty, l.unit_price FROM order_line l "
		"JOIN orders o ON o.id = l.order_id JOIN sku s ON s.id = l.sku_id "
		"ORDER BY o.order_no, l.line_no",
		"SELECT sku, name, weight_g, lot_tracked, min_shelf_days, cost FROM sku ORDER BY sku",
		"SELECT s.sku, b.code, b.pack_qty FROM barcode b JOIN sku s ON s.id = b.sku_id "
		"ORDER BY b.code, s.sku",
		"SELECT w.code, s.sku, l.lot_code, l.expiry, v.on_hand FROM stock_level v "
		"JOIN warehouse w ON w.id = v.warehouse_id JOIN sku s ON s.id = v.sku_id "
		"JOIN lot l ON l.id = v.lot_id ORDER BY w.code, s.sku, l.lot_code",
	};
	uint64_t h = 1469598103934665603ULL;
	size_t q;
	int c;

	for (q = 0; q < sizeof sql / sizeof sql[0]; q++) {
		struct db_stmt *st = db_prep(d, sql[q]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		while (db_step(st) == DB_ROW) {
			for (c = 0; c < db_col_count(st); c++)
				h = fnv(h, db_col_text(st, c));
		}
		db_done(st);
	}
	return h;
}

static int64_t
count(const char *sql)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(db_int(db, &v, sql, ""), 0);
	return v;
}

static int
make(struct db **out, char *p, uint64_t seed, int orders)
{
	struct demo_opts o = { orders, NSKUS, seed };
	struct session s;

	*out = tu_db(p);
	session_system(&s, *out, "test");
	if (demo_generate(&s, &o) != 0) {
		fprintf(stderr, "demo_generate: %s\n", s.err);
		return -1;
	}
	return 0;
}

static int
suite_init(void)
{
	if (make(&db, path, 42, NORDERS) != 0)
		return -1;
	session_system(&sys, db, "test");
	return 0;
}

static int
suite_clean(void)
{
	tu_db_free(db, path);
	return 0;
}

static void
test_deterministic(void)
{
	struct db *d2, *d3;
	char p2[256], p3[256];
	uint64_t h1 = digest(db);

	CU_ASSERT_EQUAL_FATAL(make(&d2, p2, 42, NORDERS), 0);
	CU_ASSERT_EQUAL_FATAL(make(&d3, p3, 43, NORDERS), 0);
	CU_ASSERT_EQUAL(digest(d2), h1);
	CU_ASSERT_NOT_EQUAL(digest(d3), h1);
	tu_db_free(d2, p2);
	tu_db_free(d3, p3);
}

static void
test_shape(void)
{
	int64_t n = count("SELECT count(*) FROM orders");
	int64_t cod = count("SELECT count(*) FROM orders WHERE cod > 0");

	CU_ASSERT_EQUAL(n, NORDERS);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku"), NSKUS);
	/* About 60% COD; COD collects the whole total; totals are the sum of the lines. */
	CU_ASSERT(cod * 100 >= n * 55 && cod * 100 <= n * 65);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE cod > 0 AND cod != total"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE currency != 'VND'"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders o WHERE total != "
	    "(SELECT sum(qty * unit_price) FROM order_line l WHERE l.order_id = o.id)"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders o WHERE NOT EXISTS "
	    "(SELECT 1 FROM order_line l WHERE l.order_id = o.id)"), 0);
	/* Only states order_upsert can create, confirmed ones allocated at once (route.h). */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE status NOT IN "
	    "('NEW', 'ALLOCATED', 'ON_HOLD')"), 0);
	CU_ASSERT(count("SELECT count(*) FROM orders WHERE status = 'NEW'") > n / 4);
	CU_ASSERT(count("SELECT count(*) FROM orders WHERE status = 'ALLOCATED'") > n / 4);
	CU_ASSERT(count("SELECT count(*) FROM orders WHERE status = 'ON_HOLD'") > 0);
	/* Three channels, five shops, two warehouses. */
	CU_ASSERT_EQUAL(count("SELECT count(DISTINCT channel) FROM shop"), 3);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM shop"), 5);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM warehouse WHERE code IN ('HCM', 'HN')"), 2);
	/* Buyers: Vietnamese names with diacritics, 10-digit phones starting 09, an address. */
	CU_ASSERT(count("SELECT count(*) FROM orders WHERE buyer_name GLOB '*[^ -~]*'") >
	    n * 9 / 10);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE buyer_phone NOT GLOB "
	    "'09[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE address = '' OR "
	    "district = ''"), 0);
	/* Some buyers come back (merge suggestions have something to find). */
	CU_ASSERT(count("SELECT count(*) FROM (SELECT buyer_phone FROM orders "
	    "GROUP BY buyer_phone HAVING count(*) > 1)") > 10);
}

/* The province names of data/vn-provinces.csv, when the source tree is reachable. */
static int
csv_provinces(char names[40][64])
{
	static const char *const candidates[] = {
		"data/vn-provinces.csv", "../data/vn-provinces.csv",
		"../../data/vn-provinces.csv", "../../../data/vn-provinces.csv",
	};
	char buf[512], file[512];
	const char *slash = strrchr(__FILE__, '/');
	FILE *fp = NULL;
	size_t i;
	int n = 0;

	/* __FILE__ is tests/unit/test_demo.c, as seen from the build directory. */
	if (slash != NULL) {
		snprintf(file, sizeof file, "%.*s/../../data/vn-provinces.csv",
		    (int)(slash - __FILE__), __FILE__);
		fp = fopen(file, "r");
	}
	for (i = 0; fp == NULL && i < sizeof candidates / sizeof candidates[0]; i++)
		fp = fopen(candidates[i], "r");
	if (fp == NULL)
		return 0;
	while (fgets(buf, sizeof buf, fp) != NULL && n < 40) {
		char *comma = strchr(buf, ',');

		if (comma == NULL || strncmp(buf, "name,", 5) == 0)
			continue;
		*comma = '\0';
		snprintf(names[n++], 64, "%.63s", buf);
	}
	fclose(fp);
	return n;
}

static void
test_provinces(void)
{
	char names[40][64];
	int n = csv_provinces(names), i;

	CU_ASSERT_EQUAL(count("SELECT count(DISTINCT province) FROM orders"), 34);
	/* Every province has enough orders to show on a map or a report. */
	CU_ASSERT(count("SELECT min(c) FROM (SELECT count(*) AS c FROM orders "
	    "GROUP BY province)") >= 10);
	if (n == 0) {
		fprintf(stderr, "test_demo: data/vn-provinces.csv not found; names not compared\n");
		return;
	}
	CU_ASSERT_EQUAL(n, 34);
	for (i = 0; i < n; i++) {
		int64_t c = 0;

		CU_ASSERT_EQUAL(db_int(db, &c, "SELECT count(*) FROM orders WHERE province = ?",
		    "s", names[i]), 0);
		if (c == 0)
			fprintf(stderr, "test_demo: no order in %s\n", names[i]);
		CU_ASSERT(c > 0);
	}
}

static void
test_ship_by(void)
{
	int64_t now = clock_now();
	int64_t lo = count("SELECT min(ship_by) FROM orders");
	int64_t hi = count("SELECT max(ship_by) FROM orders");
	int64_t n = count("SELECT count(*) FROM orders");
	int64_t overdue = count("SELECT count(*) FROM orders WHERE ship_by < (SELECT 1764547200)");

	CU_ASSERT_EQUAL(now, TEST_EPOCH);
	/* From a few hours overdue to two days out. */
	CU_ASSERT(lo < now - 3 * 3600 && lo >= now - 6 * 3600);
	CU_ASSERT(hi > now + 40 * 3600 && hi <= now + 48 * 3600);
	CU_ASSERT(overdue > n / 50 && overdue < n / 5);
	CU_ASSERT(count("SELECT count(*) FROM orders WHERE ship_by >= 1764547200 AND "
	    "ship_by <= 1764547200 + 4 * 3600") > n / 20);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE ship_by IS NULL"), 0);
	/* Created over the past few days, never in the future. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders WHERE created_at >= 1764547200 "
	    "OR created_at < 1764547200 - 5 * 86400"), 0);
}

static void
test_skus_and_barcodes(void)
{
	struct db_stmt *st;
	int bad = 0, packs6 = 0, packs12 = 0;

	/* Every line names an SKU that exists. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM order_line l LEFT JOIN sku s "
	    "ON s.id = l.sku_id WHERE s.id IS NULL"), 0);
	/* Every SKU has its unit GTIN-13 with a Vietnamese prefix. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku s WHERE NOT EXISTS (SELECT 1 FROM "
	    "barcode b WHERE b.sku_id = s.id AND b.pack_qty = 1 AND length(b.code) = 13 AND "
	    "b.code LIKE '893%')"), 0);
	/* No code stands for two SKUs. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM (SELECT code FROM barcode GROUP BY code "
	    "HAVING count(DISTINCT sku_id) > 1)"), 0);
	st = db_prep(db, "SELECT code, pack_qty FROM barcode");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	while (db_step(st) == DB_ROW) {
		const char *code = db_col_text(st, 0);

		if (gtin_check(code) != 1) {
			fprintf(stderr, "test_demo: bad GTIN %s\n", code);
			bad++;
		}
		packs6 += db_col_int(st, 1) == 6;
		packs12 += db_col_int(st, 1) == 12;
	}
	db_done(st);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(packs6 > 0);
	CU_ASSERT(packs12 > 0);
	/* Both kinds of goods; dated ones are lot-tracked with a minimum shelf life. */
	CU_ASSERT(count("SELECT count(*) FROM sku WHERE lot_tracked = 0") > NSKUS / 3);
	CU_ASSERT(count("SELECT count(*) FROM sku WHERE lot_tracked = 1") > NSKUS / 4);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku WHERE lot_tracked = 1 AND "
	    "min_shelf_days <= 0"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku WHERE weight_g IS NULL OR cost IS NULL"),
	    0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku s WHERE (SELECT count(*) FROM order_line "
	    "l WHERE l.sku_id = s.id) = 0"), 0);
	/* Fashion comes in sizes and colours. */
	CU_ASSERT(count("SELECT count(*) FROM sku WHERE name LIKE 'Áo thun%' AND "
	    "name LIKE '% - M'") > 0);
}

static enum order_status
order_status_of(int64_t id)
{
	struct order *o;
	enum order_status st = ST__COUNT;

	if (order_load(&sys, id, &o) == 0) {
		st = o->status;
		order_free(o);
	}
	return st;
}

static void
test_stock(void)
{
	struct db_stmt *st;
	char msg[256];
	int64_t ids[60];
	int n = 0, i, failed = 0;

	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	/* Dated SKUs have lots of different expiries in each warehouse. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM (SELECT v.warehouse_id, v.sku_id FROM "
	    "stock_level v JOIN sku s ON s.id = v.sku_id JOIN lot l ON l.id = v.lot_id "
	    "WHERE s.lot_tracked = 1 GROUP BY v.warehouse_id, v.sku_id "
	    "HAVING count(DISTINCT l.expiry) < 2)"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM lot l JOIN sku s ON s.id = l.sku_id "
	    "WHERE s.lot_tracked = 1 AND (l.expiry IS NULL OR l.expiry <= 1764547200)"), 0);
	/* Each warehouse alone covers every SKU's demand. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku s JOIN warehouse w WHERE "
	    "(SELECT coalesce(sum(on_hand), 0) FROM stock_level v WHERE v.sku_id = s.id AND "
	    "v.warehouse_id = w.id) < (SELECT coalesce(sum(qty), 0) FROM order_line l "
	    "WHERE l.sku_id = s.id)"), 0);
	/* Confirmed orders were allocated: every unit of each reserved in the warehouse it
	 * names, with its carrier; those held by the stock say what is missing. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders o WHERE o.status = 'ALLOCATED' AND "
	    "(SELECT sum(qty) FROM order_line l WHERE l.order_id = o.id) != (SELECT "
	    "coalesce(sum(qty), 0) FROM reservation r WHERE r.order_id = o.id)"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM orders o WHERE o.status = 'ALLOCATED' AND "
	    "(o.warehouse_id IS NULL OR NOT EXISTS (SELECT 1 FROM order_carrier c WHERE "
	    "c.order_id = o.id))"), 0);
	/* Orders not allocated yet still can be, from what is left. */
	st = db_prep(db, "SELECT id FROM orders WHERE status = 'NEW' ORDER BY ship_by "
	    "LIMIT 60");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	while (db_step(st) == DB_ROW && n < 60)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	CU_ASSERT(n == 60);
	for (i = 0; i < n; i++) {
		if (order_transition(&sys, ids[i], 0, ST_CONFIRMED, NULL) != 0 ||
		    order_status_of(ids[i]) != ST_ALLOCATED) {
			fprintf(stderr, "test_demo: allocate %lld: %s\n", (long long)ids[i], sys.err);
			failed++;
		}
	}
	CU_ASSERT_EQUAL(failed, 0);
	CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
}

static void
test_users(void)
{
	struct session s;

	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user"), 4);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user WHERE badge IS NULL"), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user WHERE role = 'packer'"), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user WHERE role = 'supervisor'"), 1);
	CU_ASSERT_EQUAL(user_login(db, &s, "admin", "1234", "T1"), 0);
	CU_ASSERT_EQUAL(s.role, ROLE_ADMIN);
	CU_ASSERT_EQUAL(user_login_badge(db, &s, "PB-1001", "T1"), 0);
	CU_ASSERT_EQUAL(s.role, ROLE_PACKER);
}

static void
test_bad_opts(void)
{
	struct demo_opts o = { 10, 0, 1 };

	CU_ASSERT_EQUAL(demo_generate(&sys, &o), DB_EINVAL);
	o.skus = 5;
	o.orders = -1;
	CU_ASSERT_EQUAL(demo_generate(&sys, &o), DB_EINVAL);
	CU_ASSERT(strstr(sys.err, "orders") != NULL);
}

/* Tiny catalogues still work: one SKU serves every shop. */
static void
test_tiny(void)
{
	struct db *d;
	char p[256];
	int64_t v = 0;

	CU_ASSERT_EQUAL_FATAL(make(&d, p, 5, 20), 0);
	tu_db_free(d, p);
	d = tu_db(p);
	{
		struct demo_opts o = { 15, 1, 9 };
		struct session s;

		session_system(&s, d, "test");
		CU_ASSERT_EQUAL(demo_generate(&s, &o), 0);
		CU_ASSERT_EQUAL(db_int(d, &v, "SELECT count(*) FROM orders", ""), 0);
		CU_ASSERT_EQUAL(v, 15);
	}
	tu_db_free(d, p);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("demo", suite_init, suite_clean);
	CU_add_test(s, "deterministic", test_deterministic);
	CU_add_test(s, "shape", test_shape);
	CU_add_test(s, "provinces", test_provinces);
	CU_add_test(s, "ship-by", test_ship_by);
	CU_add_test(s, "skus and barcodes", test_skus_and_barcodes);
	CU_add_test(s, "users", test_users);
	CU_add_test(s, "bad options", test_bad_opts);
	CU_add_test(s, "tiny", test_tiny);
	CU_add_test(s, "stock", test_stock);
	return tu_run();
}

/*
 * bench_kpi.c — the KPI report over N orders (default 1,000,000; target under 2 s):
 * orders over 30 days in 4 shops and 2,000 SKUs, 1-2 lines each, most packed, shipped
 * and delivered (order_kpi filled as the audit trigger would), some cancelled, refused or
 * returned, 4 settlement lines per delivered order and a package each. The database is
 * built once with plain SQL into $TMPDIR and kept for re-runs.
 *
 *   bench_kpi [N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "benchutil.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/kpi.h"

#define DAY 86400
#define T0 ((int64_t)1764547200)

static int
build(struct db *db, int64_t n)
{
	int64_t i, have = 0;
	uint64_t x = 88172645463325252ULL;

	if (db_int(db, &have, "SELECT count(*) FROM orders", "") == 0 && have == n)
		return 0;
	if (have != 0) {
		fprintf(stderr, "bench_kpi: the database holds %" PRId64 " orders, not %" PRId64
		    "; remove it\n", have, n);
		return -1;
	}
	db_exec(db, "PRAGMA synchronous = OFF");
	if (db_begin(db) != 0)
		return -1;
	db_run(db, "INSERT INTO warehouse(code, name, province) VALUES ('HCM', 'HCM', 'HCM')", "");
	for (i = 1; i <= 4; i++)
		db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES (?, ?, ?)", "sss",
		    i <= 2 ? "shopee" : i == 3 ? "lazada" : "tiktok", i % 2 ? "A" : "B", "shop");
	for (i = 1; i <= 2000; i++) {
		char sku[16];

		snprintf(sku, sizeof sku, "SKU-%04" PRId64, i);
		db_run(db, "INSERT INTO sku(id, sku, name, cost) VALUES (?, ?, ?, ?)", "issi", i,
		    sku, sku, 20000 + i * 10);
	}
	for (i = 1; i <= n; i++) {
		int64_t created = T0 + (i * 30 * DAY) / n, r, sku, lines, k, st;
		char no[24];
		static const char *const prov[] = { "Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Cần Thơ" };

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		r = (int64_t)(x % 1000);
		sku = 1 + (int64_t)((x >> 10) % 2000);
		lines = 1 + (r % 3 == 0);
		snprintf(no, sizeof no, "N%" PRId64, i);
		st = r < 50 ? 0 : r < 80 ? 1 : r < 100 ? 2 : 3;   /* cancel, refused, returned, ok */
		if (db_run(db, "INSERT INTO orders(id, shop_id, order_no, status, created_at, ship_by, "
		    "updated_at, cod, currency, total, province) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
		    "'VND', ?, ?)", "iisiiiiiis", i, 1 + (i % 4), no, st == 0 ? "CANCELLED" :
		    "DELIVERED", created, created + DAY, created, r % 2 ? lines * 150000 : 0,
		    lines * 150000, prov[r % 4]) != 0)
			return -1;
		for (k = 0; k < lines; k++)
			db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price) "
			    "VALUES (?, ?, ?, 1, 150000)", "iii", i, k + 1, 1 + (sku + k) % 2000);
		if (st == 0) {
			db_run(db, "INSERT INTO order_kpi(order_id, cancelled_at, cancel_from, "
			    "cancel_reason, cancel_user) VALUES (?, ?, 'NEW', ?, 'sup')", "iis", i,
			    created + 3600, r % 2 ? "out of stock" : "buyer asked to cancel");
			continue;
		}
		db_run(db, "INSERT INTO order_kpi(order_id, packed_at, packed_units, shipped_at, "
		    "delivered_at, returning_at, returning_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    "iiiiiis", i, created + 3 * 3600, lines, created + (r % 30) * 3600,
		    st == 1 ? (int64_t)0 : created + 2 * DAY, st < 3 ? created + 3 * DAY : 0,
		    st == 1 ? "SHIPPED" : st == 2 ? "DELIVERED" : NULL);
		db_run(db, "UPDATE order_kpi SET delivered_at = NULL WHERE order_id = ? AND "
		    "delivered_at = 0", "i", i);
		db_run(db, "INSERT INTO package(order_id, created_at, user_name) VALUES (?, ?, ?)",
		    "iis", i, created + 3 * 3600, (i % 5) ? "lan" : "minh");
		if (st == 1)
			continue;
		db_run(db, "INSERT INTO settlement_fee(shop_id, order_id, fee_type, amount, currency, "
		    "fetched_at) VALUES (?, ?, 'commission_fee', ?, 'VND', 0), (?, ?, 'service_fee', "
		    "?, 'VND', 0), (?, ?, 'actual_shipping_fee', -18000, 'VND', 0), (?, ?, "
		    "'escrow_amount', ?, 'VND', 0)", "iiiiiiiiiiii", 1 + (i % 4), i, -lines * 6000,
		    1 + (i % 4), i, -lines * 4500, 1 + (i % 4), i, 1 + (i % 4), i,
		    lines * 150000 - lines * 10500 - 18000);
	}
	if (db_commit(db) != 0)
		return -1;
	return db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int
main(int argc, char **argv)
{
	int64_t n = argc > 1 ? strtoll(argv[1], NULL, 10) : 1000000;
	const char *tmp = getenv("TMPDIR");
	struct kpi_opts ko = { .from = T0, .to = T0 + 31 * DAY, .by = KPI_BY_DAY,
	    .utc_offset_s = 7 * 3600 };
	struct kpi_report r;
	struct session s;
	struct db *db;
	char path[512], err[256];
	double t0, t1, c0, c1;
	int by;

	if (n < 100) {
		fprintf(stderr, "usage: bench_kpi [ORDERS >= 100]\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/pb-bench-kpi-%" PRId64 ".db", tmp ? tmp : "/tmp", n);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_kpi: %s\n", err);
		return 1;
	}
	t0 = bench_s(CLOCK_MONOTONIC);
	if (build(db, n) != 0) {
		fprintf(stderr, "bench_kpi: building: %s\n", db_errmsg(db));
		db_close(db);
		return 1;
	}
	t1 = bench_s(CLOCK_MONOTONIC);
	printf("database: %" PRId64 " orders ready in %.1f s (%s)\n", n, t1 - t0, path);
	session_system(&s, db, "bench");
	clock_fix(T0 + 31 * DAY);
	for (by = KPI_BY_DAY; by <= KPI_BY_SHOP; by++) {
		ko.by = (enum kpi_by)by;
		t0 = bench_s(CLOCK_MONOTONIC);
		c0 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
		if (kpi_run(&s, &ko, &r) != 0) {
			fprintf(stderr, "bench_kpi: %s\n", s.err);
			db_close(db);
			return 1;
		}
		t1 = bench_s(CLOCK_MONOTONIC);
		c1 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
		printf("kpi report by %-7s over %" PRId64 " orders: %.3f s (cpu %.3f s in both "
		    "threads; %zu rows, OTIF %" PRId64 "/%" PRId64 ", %zu SKU x channel)\n",
		    by == 0 ? "day" : by == 1 ? "week" : by == 2 ? "channel" : "shop",
		    r.total.orders, t1 - t0, c1 - c0, r.nrows, r.total.otif,
		    r.total.shipped, r.nprofit);
		if (r.total.orders != n) {
			fprintf(stderr, "bench_kpi: counted %" PRId64 " orders of %" PRId64 "\n",
			    r.total.orders, n);
			kpi_report_free(&r);
			db_close(db);
			return 1;
		}
		kpi_report_free(&r);
	}
	db_close(db);
	return 0;
}

/*
 * bench_lookup.c — find one order by its order number, and load it with its lines,
 * in a database of N orders (default 1,000,000), through the core API.
 *
 *   bench_lookup [ORDERS] [LOOKUPS]    prints mean, p50, p99 and max per lookup
 *
 * The database is built with plain batched inserts (building is not what is measured)
 * and kept in $TMPDIR/bench_lookup_N.db for re-runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/session.h"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
build(struct db *db, int norders)
{
	int64_t have = 0;
	int n, i;

	db_int(db, &have, "SELECT count(*) FROM orders", "");
	if (have == norders)
		return;
	fprintf(stderr, "bench_lookup: building %d orders...\n", norders);
	db_begin(db);
	for (i = 0; i < 500; i++) {
		char sku[32];

		snprintf(sku, sizeof sku, "SKU-%03d", i);
		db_run(db, "INSERT INTO sku(sku, name, weight_g) VALUES (?, ?, 300)", "ss", sku, sku);
	}
	db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('shopee','S1','S1'), "
	    "('lazada','L1','L1'), ('tiktok','T1','T1')", "");
	for (n = 0; n < norders; n++) {
		char no[32];
		int64_t oid;

		if (n % 10000 == 0 && n > 0) {
			db_commit(db);
			db_begin(db);
		}
		snprintf(no, sizeof no, "2511%08dVN", n);
		db_run(db, "INSERT INTO orders(shop_id, order_no, status, created_at, ship_by, "
		    "updated_at, cod, currency, total, buyer_name, buyer_phone, address, province) "
		    "VALUES (?, ?, 'NEW', ?, ?, ?, 150000, 'VND', 150000, 'Lê Văn Tám', "
		    "'0987654321', '5 Trần Phú', 'Đà Nẵng')", "isiii", (int64_t)(1 + n % 3), no,
		    (int64_t)1764547200 + n, (int64_t)1764547200 + n + 86400, (int64_t)1764547200);
		oid = db_last_id(db);
		db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price) "
		    "VALUES (?, 1, ?, 1, 75000), (?, 2, ?, 1, 75000)", "iiii", oid,
		    (int64_t)(1 + n % 500), oid, (int64_t)(1 + (n * 7) % 500));
	}
	db_commit(db);
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int
main(int argc, char **argv)
{
	int norders = argc > 1 ? atoi(argv[1]) : 1000000;
	int nlook = argc > 2 ? atoi(argv[2]) : 20000;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[256], err[512], key[32];
	struct session s;
	struct order *o;
	struct db *db;
	double *t, sum = 0;
	uint64_t x = 88172645463325252ULL;
	int i;

	if (norders <= 0 || nlook <= 0) {
		fprintf(stderr, "usage: bench_lookup [ORDERS] [LOOKUPS]\n");
		return 2;
	}
	clock_fix(1764547200);
	snprintf(path, sizeof path, "%s/bench_lookup_%d.db", dir, norders);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_lookup: %s\n", err);
		return 1;
	}
	build(db, norders);
	session_system(&s, db, "bench");
	t = malloc((size_t)nlook * sizeof *t);
	for (i = 0; i < nlook; i++) {
		int64_t id;
		double t0;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		snprintf(key, sizeof key, "2511%08dVN", (int)(x % (uint64_t)norders));
		t0 = now_us();
		if (order_find(&s, key, &id) != 0 || order_load(&s, id, &o) != 0) {
			fprintf(stderr, "bench_lookup: %s\n", s.err);
			return 1;
		}
		t[i] = now_us() - t0;
		sum += t[i];
		order_free(o);
	}
	qsort(t, (size_t)nlook, sizeof *t, cmp_d);
	printf("lookup by order number + load with lines, %d orders, %d lookups\n", norders,
	    nlook);
	printf("  mean %.1f us  p50 %.1f us  p99 %.1f us  max %.1f us  (target < 1000 us)\n",
	    sum / nlook, t[nlook / 2], t[(int)(nlook * 0.99)], t[nlook - 1]);
	free(t);
	db_close(db);
	return 0;
}

/*
 * bench_sla.c — the supervisor screens' refreshes in a database of N orders (default
 * 1,000,000), one in ten open (default 100,000): the SLA board (all orders, and
 * filtered by a channel and by a warehouse), its drill-down to the first page of a bucket, and the
 * confirmation queue (its first 200 NEW orders with their risk flags, as the screen
 * loads it).
 *
 *   bench_sla [ORDERS] [REFRESHES]    prints p50, p99 and max of each (target < 20 ms)
 *
 * The database is built with plain batched inserts and kept in $TMPDIR/bench_sla_N.db.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/risk.h"
#include "core/session.h"
#include "core/sla.h"

#define T0 1764547200           /* 2025-12-01 00:00 UTC, a fixed clock */
#define QUEUE_ROWS 200

static const char *const open_st[] = { "NEW", "NEW", "NEW", "ON_HOLD", "CONFIRMED",
    "CONFIRMED", "ALLOCATED", "PACKING", "PACKED", "PACKED" };
static const char *const closed_st[] = { "COMPLETED", "DELIVERED", "SHIPPED", "CANCELLED",
    "RETURNED" };

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
	uint64_t x = 88172645463325252ULL;
	int64_t have = 0;
	int n;

	db_int(db, &have, "SELECT count(*) FROM orders", "");
	if (have == norders)
		return;
	fprintf(stderr, "bench_sla: building %d orders...\n", norders);
	db_begin(db);
	db_run(db, "INSERT INTO sku(sku, name, weight_g) VALUES ('SKU-1', 'SKU-1', 300)", "");
	db_run(db, "INSERT INTO warehouse(code, name, province) VALUES ('HCM', 'HCM', 'HCM'), "
	    "('HN', 'HN', 'HN')", "");
	db_run(db, "INSERT INTO shop(channel, shop_code, name, warehouse_id) VALUES "
	    "('shopee','S1','S1',1), ('lazada','L1','L1',2), ('tiktok','T1','T1',1)", "");
	for (n = 0; n < norders; n++) {
		char no[32], phone[16];
		int open = n % 10 == 0;
		int64_t ship_by, oid;

		if (n % 10000 == 0 && n > 0) {
			db_commit(db);
			db_begin(db);
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		snprintf(no, sizeof no, "2511%08dVN", n);
		snprintf(phone, sizeof phone, "09%08d", (int)(x % 100000));
		/* Open orders are due from 12 h ago to 3 days ahead; history long before. */
		ship_by = open ? T0 - 12 * 3600 + (int64_t)(x % (84 * 3600)) :
		    T0 - (int64_t)(norders - n) * 60;
		db_run(db, "INSERT INTO orders(shop_id, order_no, status, created_at, ship_by, "
		    "updated_at, cod, currency, total, buyer_name, buyer_phone, address, province) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, 'VND', 150000, 'Lê Văn Tám', ?, '5 Trần Phú', "
		    "'Đà Nẵng')", "issiiiis", (int64_t)(1 + n % 3), no,
		    open ? open_st[(n / 10) % 10] : closed_st[n % 5], ship_by - 86400, ship_by,
		    (int64_t)T0, (int64_t)((x >> 20) % 4 ? 0 : 2500000), phone);
		if (open && (x >> 8) % 50 == 0)
			db_run(db, "UPDATE orders SET ship_by = NULL WHERE id = last_insert_rowid()",
			    "");
		oid = db_last_id(db);
		db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price) "
		    "VALUES (?, 1, 1, 1, 150000)", "i", oid);
	}
	db_commit(db);
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static void
report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	printf("  %-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", what, t[n / 2] / 1e3,
	    t[(int)(n * 0.99)] / 1e3, t[n - 1] / 1e3);
}

int
main(int argc, char **argv)
{
	int norders = argc > 1 ? atoi(argv[1]) : 1000000;
	int nrep = argc > 2 ? atoi(argv[2]) : 200;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct sla_filter hcm = { .warehouse = "HCM" }, shopee = { .channel = "shopee" };
	char path[256], err[512], flags[128];
	double *t[6];
	struct session s;
	struct sla_board bd;
	struct order_row *rows;
	struct db *db;
	int64_t open = 0;
	size_t n, j;
	int i, k;

	if (norders <= 0 || nrep <= 0) {
		fprintf(stderr, "usage: bench_sla [ORDERS] [REFRESHES]\n");
		return 2;
	}
	clock_fix(T0);
	snprintf(path, sizeof path, "%s/bench_sla_%d.db", dir, norders);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_sla: %s\n", err);
		return 1;
	}
	build(db, norders);
	session_system(&s, db, "bench");
	for (k = 0; k < 6; k++)
		t[k] = malloc((size_t)nrep * sizeof *t[k]);
	for (i = 0; i < nrep; i++) {
		int64_t now = T0 + i;   /* time passes: the edges move each refresh */
		double t0 = now_us();

		if (sla_board(&s, NULL, now, &bd) != 0)
			goto fail;
		t[0][i] = now_us() - t0;
		open = bd.total;
		t0 = now_us();
		if (sla_board(&s, &hcm, now, &bd) != 0)
			goto fail;
		t[1][i] = now_us() - t0;
		t0 = now_us();
		if (sla_orders(&s, NULL, SLA_TO_PACK, SLA_UNDER_2H, now, QUEUE_ROWS, &rows, &n) != 0)
			goto fail;
		free(rows);
		t[2][i] = now_us() - t0;
		t0 = now_us();
		if (sla_queue(&s, NULL, NULL, QUEUE_ROWS, &rows, &n) != 0)
			goto fail;
		for (j = 0; j < n; j++)
			if (risk_flags(&s, rows[j].id, flags, sizeof flags) != 0)
				goto fail;
		free(rows);
		t[3][i] = now_us() - t0;
		t0 = now_us();
		if (sla_board(&s, &shopee, now, &bd) != 0)
			goto fail;
		t[4][i] = now_us() - t0;
		t0 = now_us();
		if (sla_orders(&s, NULL, -1, SLA_LATER, now, QUEUE_ROWS, &rows, &n) != 0)
			goto fail;
		free(rows);
		t[5][i] = now_us() - t0;
	}
	printf("SLA board and confirmation queue, %d orders, %" PRId64 " open, %d refreshes "
	    "(target < 20 ms)\n", norders, open, nrep);
	report("board", t[0], nrep);
	report("board, channel shopee", t[4], nrep);
	report("board, warehouse HCM", t[1], nrep);
	report("drill-down to pack < 2h, 200 rows", t[2], nrep);
	report("drill-down all later, 200 rows", t[5], nrep);
	report("queue, 200 NEW with risk flags", t[3], nrep);
	for (k = 0; k < 6; k++)
		free(t[k]);
	db_close(db);
	return 0;
fail:
	fprintf(stderr, "bench_sla: %s\n", s.err);
	return 1;
}

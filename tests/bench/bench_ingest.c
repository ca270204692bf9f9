/*
 * bench_ingest.c — order ingest through the core API against raw prepared SQLite inserts
 * of the same rows into the same schema, both in batches of 1,000 orders a transaction
 * (the way the importer and the sync thread write).
 *
 *   bench_ingest [ORDERS]        default 100000; prints orders/s of each and the ratio
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "benchutil.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/session.h"

#define NSKUS 1000
#define BATCH 1000

static double last_cpu;

static struct db *
fresh(const char *path)
{
	char err[512], buf[300];
	struct db *db;
	int i;

	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_ingest: %s\n", err);
		exit(1);
	}
	db_begin(db);
	for (i = 0; i < NSKUS; i++) {
		char sku[32];

		snprintf(sku, sizeof sku, "SKU-%04d", i);
		db_run(db, "INSERT INTO sku(sku, name, weight_g) VALUES (?, ?, 250)", "ss", sku, sku);
	}
	db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('shopee', 'S1', 'S1')", "");
	db_commit(db);
	return db;
}

/* The n-th synthetic order: 1 to 3 lines, mean 2. */
static void
make_order(int n, char *no, size_t nolen, struct order_line_in *lines, size_t *nlines,
    char skus[3][16])
{
	size_t k;

	snprintf(no, nolen, "2511%08dVN", n);
	*nlines = 1 + (size_t)(n % 3);
	for (k = 0; k < *nlines; k++) {
		snprintf(skus[k], 16, "SKU-%04d", (n * 7 + (int)k * 13) % NSKUS);
		lines[k].sku = skus[k];
		lines[k].qty = 1 + (n + (int)k) % 2;
		lines[k].unit_price = 99000;
	}
}

static double
run_core(const char *path, int norders)
{
	struct db *db = fresh(path);
	struct session s;
	struct order_line_in lines[3];
	char skus[3][16], no[32];
	double t0, t;
	int n;

	session_system(&s, db, "bench");
	last_cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = bench_s(CLOCK_MONOTONIC);
	for (n = 0; n < norders; n++) {
		struct order_in in = {
			.channel = "shopee", .shop = "S1", .order_no = no,
			.created_at = 1764547200 + n, .ship_by = 1764547200 + n + 86400,
			.status = ST_NEW, .cod = 198000, .currency = "VND", .total = 198000,
			.buyer_name = "Nguyễn Thị Hương", .buyer_phone = "0912345678",
			.address = "12 Lê Lợi, Phường Bến Thành", .district = "",
			.province = "Hồ Chí Minh", .lines = lines,
		};

		make_order(n, no, sizeof no, lines, &in.nlines, skus);
		if (n % BATCH == 0 && db_begin(db) != 0)
			goto fail;
		if (order_upsert(&s, &in, NULL, NULL) != 0)
			goto fail;
		if ((n % BATCH == BATCH - 1 || n == norders - 1) && db_commit(db) != 0)
			goto fail;
	}
	t = bench_s(CLOCK_MONOTONIC) - t0;
	last_cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID) - last_cpu;
	db_close(db);
	return t;
fail:
	fprintf(stderr, "bench_ingest: core: %s\n", s.err[0] ? s.err : db_errmsg(db));
	exit(1);
}

static double
run_raw(const char *path, int norders)
{
	struct db *db = fresh(path);
	sqlite3 *h;
	sqlite3_stmt *ins_o, *ins_l, *find_sku;
	struct order_line_in lines[3];
	char skus[3][16], no[32];
	size_t nlines, k;
	double t0, t;
	int n;

	db_close(db);
	/* Same pragmas as the db layer. */
	sqlite3_open(path, &h);
	sqlite3_exec(h, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
	    "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	sqlite3_prepare_v2(h, "INSERT INTO orders(shop_id, order_no, status, created_at, ship_by, "
	    "updated_at, cod, currency, total, buyer_name, buyer_phone, address, district, "
	    "province) VALUES (1,?,'NEW',?,?,?,?,'VND',?,?,?,?,'',?)", -1, &ins_o, NULL);
	sqlite3_prepare_v2(h, "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price) "
	    "VALUES (?,?,?,?,?)", -1, &ins_l, NULL);
	sqlite3_prepare_v2(h, "SELECT id FROM sku WHERE sku = ?", -1, &find_sku, NULL);
	last_cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = bench_s(CLOCK_MONOTONIC);
	for (n = 0; n < norders; n++) {
		sqlite3_int64 oid;

		make_order(n, no, sizeof no, lines, &nlines, skus);
		if (n % BATCH == 0)
			sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(ins_o, 1, no, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins_o, 2, 1764547200 + n);
		sqlite3_bind_int64(ins_o, 3, 1764547200 + n + 86400);
		sqlite3_bind_int64(ins_o, 4, 1764547200);
		sqlite3_bind_int64(ins_o, 5, 198000);
		sqlite3_bind_int64(ins_o, 6, 198000);
		sqlite3_bind_text(ins_o, 7, "Nguyễn Thị Hương", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_o, 8, "0912345678", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_o, 9, "12 Lê Lợi, Phường Bến Thành", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_o, 10, "Hồ Chí Minh", -1, SQLITE_STATIC);
		if (sqlite3_step(ins_o) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(ins_o);
		oid = sqlite3_last_insert_rowid(h);
		for (k = 0; k < nlines; k++) {
			sqlite3_bind_text(find_sku, 1, lines[k].sku, -1, SQLITE_STATIC);
			if (sqlite3_step(find_sku) != SQLITE_ROW)
				goto fail;
			sqlite3_bind_int64(ins_l, 1, oid);
			sqlite3_bind_int64(ins_l, 2, (sqlite3_int64)k + 1);
			sqlite3_bind_int64(ins_l, 3, sqlite3_column_int64(find_sku, 0));
			sqlite3_bind_int64(ins_l, 4, lines[k].qty);
			sqlite3_bind_int64(ins_l, 5, lines[k].unit_price);
			sqlite3_reset(find_sku);
			if (sqlite3_step(ins_l) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(ins_l);
		}
		if (n % BATCH == BATCH - 1 || n == norders - 1)
			sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	}
	t = bench_s(CLOCK_MONOTONIC) - t0;
	last_cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID) - last_cpu;
	sqlite3_finalize(ins_o);
	sqlite3_finalize(ins_l);
	sqlite3_finalize(find_sku);
	sqlite3_close(h);
	return t;
fail:
	fprintf(stderr, "bench_ingest: raw: %s\n", sqlite3_errmsg(h));
	exit(1);
}

int
main(int argc, char **argv)
{
	int norders = argc > 1 ? atoi(argv[1]) : 100000;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	const char *pg = getenv("PACKBENCH_TEST_DB");
	char p1[256], p2[256];
	double tc, tr, cc, cr;

	if (norders <= 0) {
		fprintf(stderr, "usage: bench_ingest [ORDERS]\n");
		return 2;
	}
	clock_fix(1764547200);
	snprintf(p1, sizeof p1, "%s/bench_ingest_core.db", dir);
	snprintf(p2, sizeof p2, "%s/bench_ingest_raw.db", dir);
	tr = run_raw(p2, norders);
	cr = last_cpu;
	tc = run_core(p1, norders);
	cc = last_cpu;
	printf("ingest %d orders (~2 lines each, batches of %d)\n", norders, BATCH);
	printf("  core API (upsert + audit): %6.2f s wall %6.2f s cpu  %8.0f orders/s\n",
	    tc, cc, norders / tc);
	printf("  raw prepared SQLite:       %6.2f s wall %6.2f s cpu  %8.0f orders/s\n",
	    tr, cr, norders / tr);
	printf("  core / raw ratio:          %6.2f x wall %6.2f x cpu  (target <= 2.0; "
	    ">= 20000 orders/s)\n", tc / tr, cc / cr);
	/* The same core run on PostgreSQL, side by side, when PACKBENCH_TEST_DB names one
	 * (tests/pg/cluster.sh), in a schema of its own. */
	if (pg != NULL && strncmp(pg, "postgres", 8) == 0) {
		char url[512];

		snprintf(url, sizeof url, "%s%soptions=-csearch_path%%3Dbench_ingest_%ld", pg,
		    strchr(pg, '?') != NULL ? "&" : "?", (long)getpid());
		tc = run_core(url, norders);
		printf("  core API on PostgreSQL:    %6.2f s wall %6.2f s cpu  %8.0f orders/s\n",
		    tc, last_cpu, norders / tc);
	}
	unlink(p1);
	unlink(p2);
	return 0;
}

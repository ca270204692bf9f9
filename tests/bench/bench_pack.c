/*
 * bench_pack.c — the packing station's core flow in a database of N orders (default
 * 1,000,000): time per scan (the order scan and each item scan through pack_input) and
 * from the last scan to the label bytes handed to the printer (weigh, confirm, load and
 * render every package's label, send it to a file: printer).
 *
 *   bench_pack [ORDERS] [PACKS]    prints p50, p99 and max of each
 *
 * With PACKBENCH_TEST_DB=postgresql://... (tests/pg/cluster.sh) the same run follows on
 * PostgreSQL, in a schema of its own built afresh, its lines marked "postgresql" beside
 * SQLite's "sqlite" (tests/pg/bench.sh puts them in one table).
 *
 * The database is built with plain batched inserts (building is not what is measured):
 * 500 SKUs with barcodes (and a 6-pack barcode each), one order in 200 CONFIRMED, the
 * rest history; shipped history has its reserve and ship movements in the stock ledger
 * (some 2.7M rows for 1M orders), as a seller's database would. It is kept in
 * $TMPDIR/bench_pack_N.db; each run packs CONFIRMED orders and tops the pool up with
 * fresh ones (and stock) when it runs low, so re-runs need no rebuild.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/label.h"
#include "core/order.h"
#include "core/pack.h"
#include "core/session.h"
#include "core/stock.h"
#include "devices/printer.h"

#define NSKUS 500
#define T0 1764547200           /* 2025-12-01 00:00 UTC, a fixed clock */

static const char *const statuses[] = { "COMPLETED", "DELIVERED", "SHIPPED", "CANCELLED",
    "RETURNED", "NEW" };

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
die(struct session *s, const char *what)
{
	fprintf(stderr, "bench_pack: %s: %s\n", what, s->err[0] ? s->err : db_errmsg(s->db));
	exit(1);
}

/* EAN-13 for SKU i: 893 (Viet Nam), 9 digits, check digit. */
static void
ean13(int i, int pack, char *buf, size_t len)
{
	int k, sum = 0;

	snprintf(buf, len, "893%d%08d", pack, i);
	for (k = 0; k < 12; k++)
		sum += (buf[k] - '0') * (k % 2 ? 3 : 1);
	snprintf(buf + 12, len - 12, "%d", (10 - sum % 10) % 10);
}

/* Orders in these states have left the warehouse: the ledger holds their movements. */
static int
shipped(const char *st)
{
	return strcmp(st, "SHIPPED") == 0 || strcmp(st, "DELIVERED") == 0 ||
	    strcmp(st, "COMPLETED") == 0 || strcmp(st, "RETURNED") == 0;
}

static void
fail_db(struct db *db, const char *what)
{
	fprintf(stderr, "bench_pack: %s: %s\n", what, db_errmsg(db));
	exit(1);
}

/*
 * Insert order n with status st (raw; no audit). A shipped order also gets the reserve
 * and ship movements of each line (SKU i's lot '' is lot i + 1), counted into out[].
 */
static void
insert_order(struct db *db, int n, const char *st, int64_t *out)
{
	char no[32];
	int64_t oid, at = (int64_t)T0 - 86400 + n % 86400;
	int64_t sku[2], qty[2];
	int k;

	sku[0] = n % NSKUS + 1;
	sku[1] = (n % NSKUS + 1 + n % (NSKUS - 1)) % NSKUS + 1;
	qty[0] = 1 + n % 2;
	qty[1] = 1;
	snprintf(no, sizeof no, "2512%08dVN", n);
	if (db_run(db, "INSERT INTO orders(shop_id, order_no, status, created_at, ship_by, "
	    "updated_at, cod, currency, total, buyer_name, buyer_phone, address, district, "
	    "province) VALUES (?, ?, ?, ?, ?, ?, 150000, 'VND', 150000, 'Lê Văn Tám', "
	    "'0987654321', '5 Trần Phú', 'Hải Châu', 'Đà Nẵng')", "issiii",
	    (int64_t)(1 + n % 3), no, st, at, (int64_t)T0 + 86400, (int64_t)T0) != 0)
		fail_db(db, "insert order");
	oid = db_last_id(db);
	if (db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price) "
	    "VALUES (?, 1, ?, ?, 50000), (?, 2, ?, ?, 50000)", "iiiiii", oid, sku[0], qty[0],
	    oid, sku[1], qty[1]) != 0)
		fail_db(db, "insert line");
	if (!shipped(st))
		return;
	for (k = 0; k < 2; k++) {
		if (db_run(db, "INSERT INTO stock_move(at, kind, warehouse_id, sku_id, lot_id, "
		    "d_on_hand, d_reserved, order_id, user_name) VALUES "
		    "(?, 'reserve', 1, ?, ?, 0, ?, ?, 'bench'), "
		    "(?, 'ship', 1, ?, ?, ?, ?, ?, 'bench')", "iiiiiiiiiii",
		    at, sku[k], sku[k], qty[k], oid, at + 3600, sku[k], sku[k], -qty[k], -qty[k],
		    oid) != 0)
			fail_db(db, "insert move");
		out[sku[k] - 1] += qty[k];
	}
}

static void
build(struct db *db, struct session *sys, int norders)
{
	int64_t have = 0, out[NSKUS] = { 0 };
	int n, i;

	db_int(db, &have, "SELECT count(*) FROM orders", "");
	if (have >= norders)
		return;
	if (have != 0) {
		fprintf(stderr, "bench_pack: %s has %" PRId64 " orders, not %d; remove it\n",
		    db_path(db), have, norders);
		exit(1);
	}
	fprintf(stderr, "bench_pack: building %d orders...\n", norders);
	db_begin(db);
	if (warehouse_upsert(sys, "WH1", "Kho Hải Châu", "Đà Nẵng", NULL) != 0)
		die(sys, "warehouse");
	for (i = 0; i < NSKUS; i++) {
		char sku[32], bc[16], bc6[16];

		snprintf(sku, sizeof sku, "SKU-%03d", i);
		ean13(i, 0, bc, sizeof bc);
		ean13(i, 6, bc6, sizeof bc6);
		db_run(db, "INSERT INTO sku(sku, name, weight_g) VALUES (?, ?, ?)", "ssi", sku,
		    sku, (int64_t)(100 + i % 7 * 50));
		db_run(db, "INSERT INTO barcode(code, sku_id, pack_qty) VALUES (?, ?, 1), "
		    "(?, ?, 6)", "sisi", bc, (int64_t)i + 1, bc6, (int64_t)i + 1);
		db_run(db, "INSERT INTO lot(id, sku_id, lot_code, received_at) VALUES (?, ?, '', ?)",
		    "iii", (int64_t)i + 1, (int64_t)i + 1, (int64_t)T0 - 400 * 86400);
	}
	db_run(db, "INSERT INTO shop(channel, shop_code, name, warehouse_id) VALUES "
	    "('shopee','S1','S1',1), ('lazada','L1','L1',1), ('tiktok','T1','T1',1)", "");
	for (n = 0; n < norders; n++) {
		if (n % 20000 == 0 && n > 0) {
			db_commit(db);
			db_begin(db);
		}
		insert_order(db, n, n % 200 == 0 ? "CONFIRMED" :
		    statuses[n % (int)(sizeof statuses / sizeof statuses[0])], out);
	}
	/* What history shipped was received first: the ledger sums to zero on hand. */
	for (i = 0; i < NSKUS; i++) {
		if (db_run(db, "INSERT INTO stock_move(at, kind, warehouse_id, sku_id, lot_id, "
		    "d_on_hand, d_reserved, user_name) VALUES (?, 'receive', 1, ?, ?, ?, 0, "
		    "'bench')", "iiii", (int64_t)T0 - 400 * 86400, (int64_t)i + 1, (int64_t)i + 1,
		    out[i]) != 0 ||
		    db_run(db, "INSERT INTO stock_level(warehouse_id, sku_id, lot_id, on_hand, "
		    "reserved) VALUES (1, ?, ?, 0, 0)", "ii", (int64_t)i + 1, (int64_t)i + 1) != 0)
			fail_db(db, "insert stock");
	}
	if (db_commit(db) != 0) {
		fprintf(stderr, "bench_pack: build: %s\n", db_errmsg(db));
		exit(1);
	}
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/* At least npacks CONFIRMED orders, and stock for all of them. */
static void
top_up(struct db *db, struct session *sys, int npacks)
{
	int64_t have = 0, next = 0, avail;
	int n, i;

	db_int(db, &have, "SELECT count(*) FROM orders WHERE status = 'CONFIRMED'", "");
	db_int(db, &next, "SELECT count(*) FROM orders", "");
	db_begin(db);
	for (n = (int)next; have < npacks; n++, have++)
		insert_order(db, n, "CONFIRMED", NULL);
	for (i = 0; i < NSKUS; i++) {
		if (stock_available(sys, 1, i + 1, &avail) != 0)
			die(sys, "stock");
		if (avail < 10 * npacks / NSKUS + 100 &&
		    stock_receive(sys, 1, i + 1, "", 0, 20 * npacks / NSKUS + 1000, "bench") != 0)
			die(sys, "receive");
	}
	if (db_commit(db) != 0)
		die(sys, "top up");
}

/* Labels of every package of order id, rendered as one printer job; *len bytes, owned by
 * the caller (free()). */
static char *
render_labels(struct session *s, int64_t id, size_t *len)
{
	char *all = NULL, *z;
	struct label_data d;
	size_t zlen;
	int pkg = 1, count;

	*len = 0;
	do {
		if (label_load(s, id, pkg, &d) != 0)
			die(s, "label");
		count = d.pkg_count;
		if (label_zpl(NULL, &d, 203, &z, &zlen) != 0) {
			fprintf(stderr, "bench_pack: label: %s\n", label_error());
			exit(1);
		}
		label_free(&d);
		all = realloc(all, *len + zlen + 1);
		if (all == NULL)
			abort();
		memcpy(all + *len, z, zlen + 1);
		*len += zlen;
		free(z);
	} while (++pkg <= count);
	return all;
}

struct job {
	int64_t id;
	char no[32];
};

static void
report(const char *engine, const char *what, double *t, int n, const char *target)
{
	double sum = 0;
	int i;

	if (n == 0)
		return;
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	for (i = 0; i < n; i++)
		sum += t[i];
	printf("  %-10s %-36s n %6d  mean %8.1f us  p50 %8.1f us  p99 %8.1f us  max %8.1f us"
	    "%s%s\n", engine, what, n, sum / n, t[n / 2], t[(int)(n * 0.99)], t[n - 1],
	    target[0] ? "  " : "", target);
}

static int
check(const struct pack_result *r, enum pack_outcome want, const char *input)
{
	if (r->outcome == want)
		return 0;
	fprintf(stderr, "bench_pack: '%s': %s, wanted %s: %s\n", input,
	    pack_outcome_name(r->outcome), pack_outcome_name(want), r->message);
	return -1;
}

/* Build (or reuse) the database at path, pack npacks orders, print the figures. */
static int
run(const char *path, int norders, int npacks, const char *printer)
{
	char err[512];
	const char *engine;
	double *t_order, *t_item, *t_all, *t_label, *t_confirm, *t_render, *t_send, t1, t2;
	char *zpl;
	size_t zlen;
	int n_order = 0, n_item = 0, n_all = 0, n_label = 0, i, cap;
	struct pack_config pc;
	struct session sys;
	struct pack p;
	struct pack_result r;
	struct job *jobs;
	struct db *db;
	int64_t wh = 0;
	struct db_stmt *st;

	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_pack: %s\n", err);
		return 1;
	}
	engine = db_engine(db);
	session_system(&sys, db, "bench");
	build(db, &sys, norders);
	top_up(db, &sys, npacks);
	if (warehouse_find(&sys, "WH1", &wh) != 0)
		die(&sys, "warehouse");

	jobs = calloc((size_t)npacks, sizeof *jobs);
	st = db_prep(db, "SELECT id, order_no FROM orders WHERE status = 'CONFIRMED' "
	    "ORDER BY id LIMIT ?");
	db_bind_int(st, 1, npacks);
	for (i = 0; i < npacks && db_step(st) == DB_ROW; i++) {
		jobs[i].id = db_col_int(st, 0);
		snprintf(jobs[i].no, sizeof jobs[i].no, "%s", db_col_text(st, 1));
	}
	db_done(st);

	cap = npacks * 8;
	t_order = calloc((size_t)npacks, sizeof(double));
	t_item = calloc((size_t)cap, sizeof(double));
	t_all = calloc((size_t)cap, sizeof(double));
	t_label = calloc((size_t)npacks, sizeof(double));
	t_confirm = calloc((size_t)npacks, sizeof(double));
	t_render = calloc((size_t)npacks, sizeof(double));
	t_send = calloc((size_t)npacks, sizeof(double));

	memset(&pc, 0, sizeof pc);
	snprintf(pc.station, sizeof pc.station, "B1");
	pc.warehouse_id = wh;
	pc.tol_g = 20;
	pc.tol_pct = 5;
	snprintf(sys.station, sizeof sys.station, "B1");
	pack_init(&p, &sys, &pc);
	for (i = 0; i < npacks; i++) {
		size_t k;
		double t0;

		t0 = now_us();
		pack_input(&p, jobs[i].no, &r);
		t1 = now_us() - t0;
		if (check(&r, PACK_OK, jobs[i].no) != 0)
			return 1;
		t_order[n_order++] = t1;
		t_all[n_all++] = t1;
		for (k = 0; k < p.nlines; k++) {
			char bc[16];
			int64_t u;

			ean13((int)(p.lines[k].sku_id - 1), 0, bc, sizeof bc);
			for (u = 0; u < p.lines[k].expected; u++) {
				t0 = now_us();
				pack_input(&p, bc, &r);
				t1 = now_us() - t0;
				if (check(&r, PACK_OK, bc) != 0)
					return 1;
				if (n_item < cap) {
					t_item[n_item++] = t1;
					t_all[n_all++] = t1;
				}
			}
		}
		t0 = now_us();
		pack_weight(&p, pack_expected_g(&p, p.npkgs - 1), &r);
		if (check(&r, PACK_OK, "weight") != 0)
			return 1;
		pack_confirm(&p, &r);
		if (check(&r, PACK_PACKED, "confirm") != 0)
			return 1;
		t_confirm[n_label] = now_us() - t0;
		t2 = now_us();
		zpl = render_labels(&sys, p.last_order_id, &zlen);
		t_render[n_label] = now_us() - t2;
		t2 = now_us();
		if (printer_send(printer, zpl, zlen, err, sizeof err) != 0) {
			fprintf(stderr, "bench_pack: %s\n", err);
			return 1;
		}
		t_send[n_label] = now_us() - t2;
		free(zpl);
		t_label[n_label++] = now_us() - t0;
	}
	pack_free(&p);

	printf("pack flow on %s, %d orders in the database, %d orders packed at one station\n",
	    engine, norders, npacks);
	report(engine, "order scan (open + allocate)", t_order, n_order, "");
	report(engine, "item scan", t_item, n_item, "");
	report(engine, "every scan", t_all, n_all, "(target p99 < 5000 us)");
	report(engine, "last scan -> label bytes to printer", t_label, n_label,
	    "(target < 50000 us)");
	report(engine, "  of which weigh + confirm", t_confirm, n_label, "");
	report(engine, "  of which label_load + label_zpl", t_render, n_label, "");
	report(engine, "  of which printer_send (file:)", t_send, n_label, "");
	free(t_order);
	free(t_item);
	free(t_all);
	free(t_label);
	free(t_confirm);
	free(t_render);
	free(t_send);
	free(jobs);
	db_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	int norders = argc > 1 ? atoi(argv[1]) : 1000000;
	int npacks = argc > 2 ? atoi(argv[2]) : 2000;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	const char *pg = getenv("PACKBENCH_TEST_DB");
	char path[512], printer[300];
	int rc;

	if (norders <= 0 || npacks <= 0) {
		fprintf(stderr, "usage: bench_pack [ORDERS] [PACKS]\n");
		return 2;
	}
	clock_fix(T0);
	snprintf(path, sizeof path, "%s/bench_pack_%d.db", dir, norders);
	snprintf(printer, sizeof printer, "file:%s/bench_pack_labels.zpl", dir);
	if ((rc = run(path, norders, npacks, printer)) != 0)
		return rc;
	if (pg != NULL && strncmp(pg, "postgres", 8) == 0) {
		snprintf(path, sizeof path, "%s%soptions=-csearch_path%%3Dbench_pack_%ld", pg,
		    strchr(pg, '?') != NULL ? "&" : "?", (long)getpid());
		rc = run(path, norders, npacks, printer);
	}
	return rc;
}

/*
 * test_dbcopy.c — a whole site copied to a new database (dbcopy.c): a source with
 * stock, packed orders (pack scans, packages, stock moves, the KPI trigger's rows), a
 * cancelled one and its audit chain. The copy holds the same rows in every table, ids
 * and all; a KPI row edited by hand stays as it was (the trigger did not recompute it,
 * nor record anything twice); the triggers are back and fire on the copy's next order,
 * which takes the next id. The tables come parents first. A used target is refused and
 * left alone; a source value its column cannot hold rolls the whole copy back; a source
 * whose chain was tampered with is copied but reported broken. The source is always a
 * SQLite file (what a site moves from); the targets are tu_db()'s: PostgreSQL when
 * PACKBENCH_TEST_DB names a server, else SQLite files too.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/dbcopy.h"
#include "core/order.h"
#include "core/stock.h"
#include "testutil.h"

static struct db *src;
static char src_path[256];
static struct session sys, sup;
static int64_t wh;
static int failed;

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); failed = 1; } } while (0)

static int64_t
add_order(struct session *s, const char *no, const char *sku, int64_t qty)
{
	struct order_line_in line = { sku, qty, 50000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .order_no = no, .created_at = TEST_EPOCH,
		.ship_by = TEST_EPOCH + 86400, .status = ST_CONFIRMED, .currency = "VND",
		.total = qty * 50000, .buyer_name = "Hương", .province = "Hồ Chí Minh",
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	if (order_upsert(s, &in, &id, NULL) != 0)
		fprintf(stderr, "order %s: %s\n", no, s->err);
	return id;
}

/* A new SQLite database in a fresh temp dir, whatever engine the other tests use. */
static struct db *
sqlite_db(char *path)
{
	char dir[] = "/tmp/pbcopy-XXXXXX", err[512];
	struct db *db = NULL;

	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(path, 256, "%s/site.db", dir);
	if (db_open(&db, path, err, sizeof err) != 0)
		fprintf(stderr, "%s\n", err);
	return db;
}

static void
sqlite_free(struct db *db, char *path)
{
	char buf[300];

	db_close(db);
	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

/* Triggers the schema defines, by the engine's catalogue. */
static int64_t
ntriggers(struct db *db)
{
	if (strcmp(db_engine(db), "postgresql") == 0)
		return tu_int(db, "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = "
		    "t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace WHERE NOT "
		    "t.tgisinternal AND s.nspname = current_schema()", NULL);
	return tu_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", NULL);
}

static int
setup(void)
{
	struct session packer;
	int64_t o3, n = 0;

	clock_fix(TEST_EPOCH);
	if ((src = sqlite_db(src_path)) == NULL)
		return 1;
	session_system(&sys, src, "T1");
	tu_session(&sup, src, ROLE_SUPERVISOR);
	wh = tu_warehouse(&sys, "HCM");
	CHECK(stock_receive(&sys, wh, tu_sku(&sys, "AO-THUN-M", 0), "", 0, 50, "in") == 0);
	CHECK(stock_receive(&sys, wh, tu_sku(&sys, "SUA-1L", 0), "", 0, 50, "in") == 0);
	CHECK(add_order(&sys, "CP-1", "AO-THUN-M", 2) > 0);
	CHECK(add_order(&sys, "CP-2", "SUA-1L", 3) > 0);
	CHECK((o3 = add_order(&sys, "CP-3", "SUA-1L", 1)) > 0);
	CHECK(tu_packer(&sys, &packer) == 0);
	CHECK(tu_pack(&packer, wh, "CP-1") == 0);
	CHECK(tu_pack(&packer, wh, "CP-2") == 0);
	CHECK(order_transition(&sup, o3, 0, ST_CANCELLED, "out of stock") == 0);
	/* By hand: a copy that recomputed the KPI rows from the audit log would lose it. */
	CHECK(db_run(src, "UPDATE order_kpi SET packed_units = 4242 WHERE order_id = "
	    "(SELECT id FROM orders WHERE order_no = 'CP-1')", "") == 0);
	CHECK(db_int(src, &n, "SELECT count(*) FROM pack_scan", "") == 0 && n > 0);
	CHECK(db_int(src, &n, "SELECT count(*) FROM package", "") == 0 && n > 0);
	CHECK(db_int(src, &n, "SELECT count(*) FROM order_kpi WHERE packed_at IS NOT NULL",
	    "") == 0 && n == 2);
	return failed;
}

static int
teardown(void)
{
	sqlite_free(src, src_path);
	return 0;
}

static int
qsort_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every table's rows of db as one text: rows sorted within each table. */
static char *
dump(struct db *db)
{
	char **names, err[256], sql[128];
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	int i, n, c;

	out[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(dbcopy_tables(db, &names, &n, err, sizeof err), 0);
	for (i = 0; i < n; i++) {
		char **rows = NULL;
		int nrows = 0, r;
		struct db_stmt *st;

		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", names[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(st = db_prep(db, sql));
		while (db_step(st) == DB_ROW) {
			char row[4096];
			size_t rl = 0;

			for (c = 0; c < db_col_count(st) && rl < sizeof row; c++)
				rl += (size_t)snprintf(row + rl, sizeof row - rl, "%s\x1f",
				    db_col_null(st, c) ? "\x01" : db_col_text(st, c));
			rows = realloc(rows, (size_t)(nrows + 1) * sizeof *rows);
			rows[nrows++] = strdup(row);
		}
		db_done(st);
		if (nrows > 0)
			qsort(rows, (size_t)nrows, sizeof *rows, qsort_cmp);
		for (r = -1; r < nrows; r++) {
			const char *line = r < 0 ? names[i] : rows[r];
			size_t l = strlen(line);

			while (len + l + 2 > cap)
				out = realloc(out, cap *= 2);
			memcpy(out + len, line, l);
			len += l;
			out[len++] = '\n';
			out[len] = '\0';
			if (r >= 0)
				free(rows[r]);
		}
		free(rows);
	}
	dbcopy_names_free(names, n);
	return out;
}

static int64_t
pos(char **names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static void
test_tables_in_order(void)
{
	char **names, err[256];
	int n;

	CU_ASSERT_EQUAL_FATAL(dbcopy_tables(src, &names, &n, err, sizeof err), 0);
	CU_ASSERT(n > 20);
	CU_ASSERT(pos(names, n, "schema_version") < 0);
	CU_ASSERT(pos(names, n, "shop") >= 0);
	CU_ASSERT(pos(names, n, "shop") < pos(names, n, "orders"));
	CU_ASSERT(pos(names, n, "orders") < pos(names, n, "order_line"));
	CU_ASSERT(pos(names, n, "sku") < pos(names, n, "order_line"));
	CU_ASSERT(pos(names, n, "order_line") < pos(names, n, "reservation"));
	CU_ASSERT(pos(names, n, "lot") < pos(names, n, "stock_level"));
	CU_ASSERT(pos(names, n, "orders") < pos(names, n, "order_kpi"));
	/* Every table once. */
	qsort(names, (size_t)n, sizeof *names, qsort_cmp);
	for (int i = 1; i < n; i++)
		CU_ASSERT(strcmp(names[i - 1], names[i]) != 0);
	dbcopy_names_free(names, n);
}

static void
test_copy_exact(void)
{
	struct dbcopy_result r;
	struct session s2;
	char dst_path[256], err[512];
	struct db *dst = tu_db(dst_path);
	char *a, *b;
	int64_t max, id;
	int i;

	CU_ASSERT_EQUAL_FATAL(dbcopy_run(src, dst, &r, err, sizeof err), 0);
	CU_ASSERT_EQUAL(r.mismatches, 0);
	CU_ASSERT(r.ntables > 20);
	for (i = 0; i < r.ntables; i++)
		CU_ASSERT_EQUAL(r.tables[i].src, r.tables[i].dst);
	CU_ASSERT(r.rows > 30);
	CU_ASSERT_EQUAL(r.audit_src_ok, 1);
	CU_ASSERT_EQUAL(r.audit_dst_ok, 1);
	CU_ASSERT_EQUAL(r.audit_src, r.audit_dst);
	CU_ASSERT_EQUAL(r.audit_dst, tu_int(src, "SELECT count(*) FROM audit", NULL));
	CU_ASSERT(r.triggers >= 1);
	dbcopy_result_free(&r);

	a = dump(src);
	b = dump(dst);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	CU_ASSERT_EQUAL(tu_int(dst, "SELECT count(*) FROM order_kpi WHERE packed_units = 4242",
	    NULL), 1);
	CU_ASSERT_EQUAL(ntriggers(dst), ntriggers(src));

	/* The copy works on: next id, and the KPI trigger fires there. */
	max = tu_int(dst, "SELECT max(id) FROM orders", NULL);
	session_system(&s2, dst, "T2");
	id = add_order(&s2, "CP-NEXT", "AO-THUN-M", 1);
	CU_ASSERT_EQUAL(id, max + 1);
	CU_ASSERT_EQUAL(tu_int(dst, "SELECT count(*) FROM order_kpi WHERE order_id = "
	    "(SELECT id FROM orders WHERE order_no = 'CP-NEXT')", NULL), 1);
	CU_ASSERT(tu_int(dst, "SELECT count(*) FROM audit", NULL) >
	    tu_int(src, "SELECT count(*) FROM audit", NULL));
	{
		int64_t n, bad;
		char msg[256];

		CU_ASSERT_EQUAL(audit_verify(dst, &n, &bad, msg, sizeof msg), 0);
	}

	/* Used now: a second copy is refused and changes nothing. */
	a = dump(dst);
	memset(err, 0, sizeof err);
	CU_ASSERT_EQUAL(dbcopy_run(src, dst, &r, err, sizeof err), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "already holds 4 orders"));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	dbcopy_result_free(&r);
	b = dump(dst);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	tu_db_free(dst, dst_path);
}

/* A scratch copy of the source to damage. */
static struct db *
scratch(char *path)
{
	struct dbcopy_result r;
	struct db *db = sqlite_db(path);
	char err[512];

	CU_ASSERT_EQUAL_FATAL(dbcopy_run(src, db, &r, err, sizeof err), 0);
	CU_ASSERT_EQUAL(r.mismatches, 0);
	dbcopy_result_free(&r);
	return db;
}

static void
test_bad_value_rolls_back(void)
{
	char p1[256], p2[256], err[512] = "";
	struct db *bad = scratch(p1), *dst = tu_db(p2);
	struct dbcopy_result r;
	int64_t trg = ntriggers(dst);

	CU_ASSERT_EQUAL(db_exec(bad, "UPDATE orders SET total = 'lots' WHERE order_no = "
	    "'CP-3'"), 0);
	CU_ASSERT(dbcopy_run(bad, dst, &r, err, sizeof err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an integer"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "orders"));
	dbcopy_result_free(&r);
	CU_ASSERT_EQUAL(tu_int(dst, "SELECT count(*) FROM orders", NULL), 0);
	CU_ASSERT_EQUAL(tu_int(dst, "SELECT count(*) FROM sku", NULL), 0);
	CU_ASSERT_EQUAL(tu_int(dst, "SELECT count(*) FROM audit", NULL), 0);
	CU_ASSERT_EQUAL(ntriggers(dst), trg);
	CU_ASSERT(trg >= 1);
	CU_ASSERT_EQUAL(db_in_tx(dst), 0);
	tu_db_free(dst, p2);
	sqlite_free(bad, p1);
}

static void
test_broken_chain_reported(void)
{
	char p1[256], p2[256], err[512] = "";
	struct db *bad = scratch(p1), *dst = tu_db(p2);
	struct dbcopy_result r;

	CU_ASSERT_EQUAL(db_exec(bad, "UPDATE audit SET after = '{}' WHERE id = 3"), 0);
	CU_ASSERT_EQUAL(dbcopy_run(bad, dst, &r, err, sizeof err), 0);
	CU_ASSERT_EQUAL(r.audit_src_ok, 0);
	CU_ASSERT_EQUAL(r.audit_dst_ok, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.audit_msg, "record 3"));
	CU_ASSERT(r.mismatches >= 1);
	dbcopy_result_free(&r);
	tu_db_free(dst, p2);
	sqlite_free(bad, p1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dbcopy", setup, teardown);
	CU_add_test(s, "tables come parents first", test_tables_in_order);
	CU_add_test(s, "copy is exact, ids kept, triggers back; used target refused",
	    test_copy_exact);
	CU_add_test(s, "a bad source value rolls the whole copy back",
	    test_bad_value_rolls_back);
	CU_add_test(s, "a tampered source chain is reported", test_broken_chain_reported);
	return tu_run();
}

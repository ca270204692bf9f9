/*
 * test_db.c — the thin db layer: migrations, refusal of newer schemas, WAL, nesting.
 * On PostgreSQL (PACKBENCH_TEST_DB, tests/pg/cluster.sh) the same, with the engine's own
 * settings checked in place of SQLite's PRAGMAs: the schema the URL names is created and
 * used, and text orders by bytes as SQLite's BINARY collation does.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/db.h"
#include "testutil.h"

static int
is_pg(struct db *db)
{
	return strcmp(db_engine(db), "postgresql") == 0;
}

/* The schema a test URL names in its search_path ("" for a file). */
static void
url_schema(const char *path, char *out, size_t len)
{
	const char *k = strstr(path, "search_path%3D");
	size_t n = 0;

	if (k != NULL) {
		k += strlen("search_path%3D");
		while (k[n] != '\0' && k[n] != '&' && n + 1 < len)
			n++;
		memcpy(out, k, n);
	}
	out[n] = '\0';
}

static void
test_open_migrates(void)
{
	char path[256], mode[64] = "", want[64];
	struct db *db = tu_db(path);
	struct db_stmt *st;
	int64_t fk = 0;

	CU_ASSERT_EQUAL(db_schema_version(db), db_schema_latest());
	CU_ASSERT(db_schema_latest() >= 1);
	if (is_pg(db)) {
		/* The schema named in the URL was created, and the tables live in it. */
		url_schema(path, want, sizeof want);
		CU_ASSERT(want[0] != '\0');
		st = db_prep(db, "SELECT current_schema()");
		CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
		snprintf(mode, sizeof mode, "%s", db_col_text(st, 0));
		db_done(st);
		CU_ASSERT_STRING_EQUAL(mode, want);
		CU_ASSERT_EQUAL(db_int(db, &fk, "SELECT count(*) FROM information_schema.tables "
		    "WHERE table_schema = ? AND table_name = 'orders'", "s", want), 0);
		CU_ASSERT_EQUAL(fk, 1);
	} else {
		st = db_prep(db, "PRAGMA journal_mode");
		CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
		snprintf(mode, sizeof mode, "%s", db_col_text(st, 0));
		db_done(st);
		CU_ASSERT_STRING_EQUAL(mode, "wal");
		db_int(db, &fk, "PRAGMA foreign_keys", "");
		CU_ASSERT_EQUAL(fk, 1);
	}
	/* Text orders by its bytes on both engines (upper case before lower, UTF-8 last). */
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO warehouse(code, name, province) VALUES "
	    "('b', 'b', 'x'), ('Đ', 'Đ', 'x'), ('B', 'B', 'x'), ('a', 'a', 'x')", ""), 0);
	st = db_prep(db, "SELECT code FROM warehouse ORDER BY code");
	mode[0] = '\0';
	while (db_step(st) == DB_ROW)
		strncat(mode, db_col_text(st, 0), sizeof mode - strlen(mode) - 1);
	db_done(st);
	CU_ASSERT_STRING_EQUAL(mode, "Bab" "Đ");
	/* Foreign keys are enforced. */
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, "
	    "unit_price) VALUES (999, 1, 999, 1, 1)", ""), DB_ECONSTRAINT);
	tu_db_free(db, path);
}

static void
test_refuses_newer(void)
{
	char path[256], err[512] = "";
	struct db *db = tu_db(path), *db2 = NULL;

	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO schema_version VALUES (?, 0)", "i",
	    (int64_t)db_schema_latest() + 1), 0);
	db_close(db);
	CU_ASSERT_NOT_EQUAL(db_open(&db2, path, err, sizeof err), 0);
	CU_ASSERT_PTR_NULL(db2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "newer"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	/* Reopening the same version again is fine and does not migrate twice. */
	{
		char err2[512];
		struct db *db3;
		char p2[256];

		db3 = tu_db(p2);
		db_close(db3);
		CU_ASSERT_EQUAL(db_open(&db3, p2, err2, sizeof err2), 0);
		CU_ASSERT_EQUAL(db_schema_version(db3), db_schema_latest());
		tu_db_free(db3, p2);
	}
	/* Reopen with the refusal undone, to clean up through the fixture. */
	{
		char err3[512];

		CU_ASSERT_EQUAL(db_open(&db2, path, err3, sizeof err3), DB_EINVAL);
	}
	if (strncmp(path, "postgres", 8) == 0) {
		/* The refused schema is dropped from another one's connection. */
		char p4[256], schema[64], sql[128];
		struct db *db4 = tu_db(p4);

		url_schema(path, schema, sizeof schema);
		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
		CU_ASSERT_EQUAL(db_exec(db4, sql), 0);
		tu_db_free(db4, p4);
	} else {
		char buf[300];

		snprintf(buf, sizeof buf, "%s-wal", path);
		unlink(buf);
		snprintf(buf, sizeof buf, "%s-shm", path);
		unlink(buf);
		unlink(path);
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
}

static void
test_not_a_database(void)
{
	char path[] = "/tmp/pbtest-notdb-XXXXXX", err[512] = "";
	int fd = mkstemp(path);
	struct db *db;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "hello, this is not sqlite at all, not even close......"
	    "..........................................................", 110), 110);
	close(fd);
	CU_ASSERT_NOT_EQUAL(db_open(&db, path, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	unlink(path);
}

static void
test_nested_rollback(void)
{
	char path[256];
	struct db *db = tu_db(path);
	int64_t n = -1;

	CU_ASSERT_EQUAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO warehouse(code, name, province) "
	    "VALUES ('A', 'A', 'x')", ""), 0);
	CU_ASSERT_EQUAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO warehouse(code, name, province) "
	    "VALUES ('B', 'B', 'x')", ""), 0);
	db_rollback(db);                    /* inner undone, outer kept */
	CU_ASSERT_EQUAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO warehouse(code, name, province) "
	    "VALUES ('C', 'C', 'x')", ""), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	db_int(db, &n, "SELECT count(*) FROM warehouse", "");
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT id FROM warehouse WHERE code = 'B'", ""),
	    DB_ENOTFOUND);
	CU_ASSERT_FALSE(db_in_tx(db));
	tu_db_free(db, path);
}

static void
test_iso_times(void)
{
	int64_t t;

	CU_ASSERT_EQUAL(clock_parse_iso("2025-12-01T07:00:00+07:00", 0, &t), 0);
	CU_ASSERT_EQUAL(t, TEST_EPOCH);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-12-01T00:00:00Z", 0, &t), 0);
	CU_ASSERT_EQUAL(t, TEST_EPOCH);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-11-30T20:00-04:00", 0, &t), 0);
	CU_ASSERT_EQUAL(t, TEST_EPOCH);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-12-01", 0, &t), 0);
	CU_ASSERT_EQUAL(t, TEST_EPOCH);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-02-29T00:00Z", 0, &t), -1);
	CU_ASSERT_EQUAL(clock_parse_iso("2024-02-29T00:00Z", 0, &t), 0);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-13-01T00:00Z", 0, &t), -1);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-12-01T24:00Z", 0, &t), -1);
	CU_ASSERT_EQUAL(clock_parse_iso("2025-12-01T10:00+07:00x", 0, &t), -1);
	CU_ASSERT_EQUAL(clock_parse_iso("yesterday", 0, &t), -1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("db", NULL, NULL);
	CU_add_test(s, "open applies migrations, WAL, foreign keys", test_open_migrates);
	CU_add_test(s, "refuses a newer schema", test_refuses_newer);
	CU_add_test(s, "refuses a file that is not a database", test_not_a_database);
	CU_add_test(s, "nested transactions", test_nested_rollback);
	CU_add_test(s, "ISO 8601 times", test_iso_times);
	return tu_run();
}

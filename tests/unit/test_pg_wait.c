/*
 * test_pg_wait.c — what the PostgreSQL backend does to spare round trips keeps SQLite's
 * answers, and a station is told while a lost connection is re-opened (issue 9):
 *
 * - db_run_later(): a queued write is seen by the next statement; one that fails fails
 *   that later call (naming the write) and the transaction; on SQLite it fails at once.
 * - a write failing inside a nested transaction is undone with it (no savepoint of its
 *   own on PostgreSQL); a nested savepoint rolled back before any statement ran.
 * - db_set_wait_hook(): the server ends the station's session and refuses its role for
 *   two attempts; the hook hears attempts 1, 2, 3 with the time waited growing, then 0
 *   when the connection is back, and the scan that met the loss is saved (none lost).
 *   On SQLite the hook is never called.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/db.h"
#include "core/pack.h"
#include "testutil.h"

static struct db *db;
static char path[256];

static int
setup(void)
{
	db = tu_db(path);
	return db == NULL;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int
is_pg(void)
{
	return strcmp(db_engine(db), "postgresql") == 0;
}

/* The integer sql selects on the test's connection (its success asserted). */
static int64_t
num(const char *sql)
{
	return tu_int(db, sql, NULL);
}

static void
test_later(void)
{
	int64_t n = -1;
	int rc;

	/* Outside a transaction it runs at once, on both engines. */
	CU_ASSERT_EQUAL(db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'L-0', 'L')", ""), 0);
	CU_ASSERT_EQUAL(db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('nope', 'L-X', 'L')", ""), DB_ECONSTRAINT);

	/* Queued, then seen by the read after it, and committed. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "(?, ?, 'L')", "ss", "lazada", "L-1"), 0);
	CU_ASSERT_EQUAL(db_run_later(db, "UPDATE shop SET name = ? WHERE shop_code = ?", "ss",
	    "L one", "L-1"), 0);
	CU_ASSERT_EQUAL(db_int(db, &n, "SELECT count(*) FROM shop WHERE shop_code = 'L-1' AND "
	    "name = 'L one'", ""), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('tiktok', 'L-2', 'L')", ""), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code IN ('L-1', 'L-2')"), 2);

	/* A failing one: at once on SQLite; on PostgreSQL the next call fails, naming it. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'L-3', 'L')", ""), 0);
	rc = db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('nope', 'L-4', 'L')", "");
	if (is_pg()) {
		CU_ASSERT_EQUAL(rc, 0);
		rc = db_int(db, &n, "SELECT count(*) FROM shop", "");
		CU_ASSERT_PTR_NOT_NULL(strstr(db_errmsg(db), "in an earlier write: INSERT INTO "
		    "shop"));
	}
	CU_ASSERT_EQUAL(rc, DB_ECONSTRAINT);
	db_rollback(db);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code IN ('L-3', 'L-4')"), 0);

	/* Failing at commit: the commit fails and nothing is kept. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'L-5', 'L')", ""), 0);
	rc = db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('lazada', 'L-1', 'dup')", "");
	if (is_pg()) {
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(db_commit(db), DB_ECONSTRAINT);
	} else {
		CU_ASSERT_EQUAL(rc, DB_ECONSTRAINT);
		db_rollback(db);
	}
	CU_ASSERT_FALSE(db_in_tx(db));
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code = 'L-5'"), 0);
}

static void
test_nested(void)
{
	/* A write failing in a nested transaction: rolled back with it, the outer goes on. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'N-1', 'N')", ""), 0);
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'N-2', 'N')", ""), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('nope', 'N-3', 'N')", ""), DB_ECONSTRAINT);
	db_rollback(db);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'N-4', 'N')", ""), 0);
	/* A nested one begun and rolled back before any statement ran. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	db_rollback(db);
	/* And one committed with only a queued write in it. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run_later(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'N-5', 'N')", ""), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code LIKE 'N-%'"), 3);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code IN ('N-2', 'N-3')"), 0);
}

/* ---- the wait hook ----------------------------------------------------------------- */

struct waits {
	int n;
	int attempt[16];
	int64_t waited[16];
	char role[64];              /* refused for attempts 1 and 2 */
};

/* ALTER ROLE role what, on the test's own connection. */
static void
alter_role(const char *role, const char *what)
{
	char sql[160];

	snprintf(sql, sizeof sql, "ALTER ROLE %s %s", role, what);
	CU_ASSERT_EQUAL(db_exec(db, sql), 0);
}

static void
on_wait(void *arg, int attempt, int64_t waited_ms)
{
	struct waits *w = arg;

	if (w->n < 16) {
		w->attempt[w->n] = attempt;
		w->waited[w->n] = waited_ms;
		w->n++;
	}
	if (attempt == 1)
		alter_role(w->role, "NOLOGIN");
	else if (attempt == 3)
		alter_role(w->role, "LOGIN");
}

/* $PACKBENCH_TEST_DB as user role, in a schema of its own, into out. */
static void
role_url(char *out, size_t len, const char *role)
{
	const char *u = getenv("PACKBENCH_TEST_DB"), *host = strstr(u, "://") + 3;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');

	if (at != NULL && (slash == NULL || at < slash))
		host = at + 1;
	snprintf(out, len, "%.*s%s@%s%soptions=-csearch_path%%3D%s", (int)(strstr(u, "://") +
	    3 - u), u, role, host, strchr(host, '?') != NULL ? "&" : "?", role);
}

static void
test_wait_hook(void)
{
	struct waits w = { 0 };
	struct tu_midpack m;
	struct pack_result r;
	struct db *st;
	char url[512], err[512], sql[160];
	int64_t pid = 0;
	uint64_t before;
	int i;

	if (!is_pg()) {
		db_set_wait_hook(db, on_wait, &w);
		CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop"), num("SELECT count(*) FROM shop"));
		db_set_wait_hook(db, NULL, NULL);
		CU_ASSERT_EQUAL(w.n, 0);
		return;
	}
	/* The station connects as a role of its own, which the hook can shut out. */
	snprintf(w.role, sizeof w.role, "pbwait_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN SUPERUSER", w.role);
	if (db_exec(db, sql) != 0) {
		fprintf(stderr, "wait hook: skipped, cannot create a role: %s\n", db_errmsg(db));
		return;
	}
	role_url(url, sizeof url, w.role);
	CU_ASSERT_EQUAL_FATAL(db_open(&st, url, err, sizeof err), 0);

	CU_ASSERT_EQUAL_FATAL(tu_midpack(&m, st, "WT", "8934567890777", "PB-9101"), 0);
	CU_ASSERT_EQUAL(w.n, 0);

	/* Lost between two scans; the server lets the role in again at the third try. */
	db_set_wait_hook(st, on_wait, &w);
	before = db_reconnects(st);
	CU_ASSERT_EQUAL_FATAL(db_int(st, &pid, "SELECT pg_backend_pid()", ""), 0);
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	CU_ASSERT_EQUAL(db_exec(db, sql), 0);
	pack_input(&m.p, "8934567890777", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 1);
	CU_ASSERT_EQUAL(db_reconnects(st), before + 1);
	CU_ASSERT_EQUAL(w.n, 4);
	for (i = 0; i < w.n && i < 3; i++)
		CU_ASSERT_EQUAL(w.attempt[i], i + 1);
	CU_ASSERT_EQUAL(w.attempt[3], 0);
	CU_ASSERT(w.waited[0] >= 0 && w.waited[0] < 100);
	CU_ASSERT(w.waited[1] >= 100);              /* 0.1 s, then 0.2 s more */
	CU_ASSERT(w.waited[2] >= 300);
	CU_ASSERT(w.waited[3] >= w.waited[2]);
	CU_ASSERT_EQUAL(tu_int(st, "SELECT coalesce(sum(qty), 0) FROM pack_scan WHERE "
	    "order_id = (SELECT id FROM orders WHERE order_no = ?)", "WT-1"), 2);

	/* The last unit on the connection re-opened: the hook hears nothing more. */
	pack_input(&m.p, "8934567890777", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 0);
	CU_ASSERT_EQUAL(w.n, 4);
	CU_ASSERT_EQUAL(tu_int(st, "SELECT coalesce(sum(qty), 0) FROM pack_scan WHERE "
	    "order_id = (SELECT id FROM orders WHERE order_no = ?)", "WT-1"), 3);
	pack_free(&m.p);
	db_set_wait_hook(st, NULL, NULL);
	tu_db_free(st, url);
	alter_role(w.role, "LOGIN");
	snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", w.role);
	CU_ASSERT_EQUAL(db_exec(db, sql), 0);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pg_wait", setup, teardown);
	CU_add_test(s, "writes queued until a result is needed", test_later);
	CU_add_test(s, "a failing write in a nested transaction", test_nested);
	CU_add_test(s, "lost connection: the station is told, no scan lost", test_wait_hook);
	return tu_run();
}

/*
 * test_db_dialect.c — the SQLite idioms the code writes give the same answers on both
 * engines (run with PACKBENCH_TEST_DB=postgresql://... for PostgreSQL, tests/pg/run.sh):
 * placeholders, functions PostgreSQL names otherwise, LIKE and GLOB, upserts, a failing
 * write inside a transaction, triggers raising, a lost connection re-opened (also in
 * the middle of packing an order: no scan lost, the next one saved), and LISTEN/NOTIFY
 * between two connections.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/pack.h"
#include "testutil.h"
#include "ui/vm_pack.h"
#include "ui/vm_screen.h"

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

/* The first column of sql's first row as text, into buf. */
static const char *
text(const char *sql, char *buf, size_t len)
{
	struct db_stmt *st = db_prep(db, sql);

	buf[0] = '\0';
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	if (db_step(st) == DB_ROW)
		snprintf(buf, len, "%s", db_col_text(st, 0));
	else
		snprintf(buf, len, "(no row: %s)", db_errmsg(db));
	db_done(st);
	return buf;
}

/* The integer sql selects on the test's connection (its success asserted). */
static int64_t
num(const char *sql)
{
	return tu_int(db, sql, NULL);
}

static void
test_functions(void)
{
	char b[128];

	CU_ASSERT_EQUAL(num("SELECT instr('packbench', 'bench')"), 5);
	CU_ASSERT_EQUAL(num("SELECT max(3, 9, 4)"), 9);
	CU_ASSERT_EQUAL(num("SELECT min(3, 9, 4)"), 3);
	CU_ASSERT_EQUAL(num("SELECT ifnull(NULL, 7)"), 7);
	CU_ASSERT_EQUAL(num("SELECT iif(2 > 1, 10, 20)"), 10);
	CU_ASSERT_EQUAL(num("SELECT CAST('42abc' AS INTEGER)"), 42);
	CU_ASSERT_EQUAL(num("SELECT CAST('x' AS INTEGER)"), 0);
	CU_ASSERT_EQUAL(num("SELECT 7 / 2"), 3);
	CU_ASSERT_EQUAL(num("SELECT 'Kho HCM' LIKE 'kho%'"), 1);
	CU_ASSERT_EQUAL(num("SELECT 'a\\b' LIKE 'a\\b'"), 1);
	CU_ASSERT_EQUAL(num("SELECT '8934567890120' GLOB '*[^0-9]*'"), 0);
	CU_ASSERT_EQUAL(num("SELECT '89345X' NOT GLOB '*[^0-9]*'"), 0);
	CU_ASSERT_EQUAL(num("SELECT 'SKU-1' GLOB 'SKU-?'"), 1);
	CU_ASSERT_STRING_EQUAL(text("SELECT json_extract('{\"a\":{\"b\":\"x\"}}', '$.a.b')", b,
	    sizeof b), "x");
	CU_ASSERT_EQUAL(num("SELECT iif(json_valid('{\"a\":1}'), 1, 0) + "
	    "iif(json_valid('{nope'), 10, 0)"), 1);
	CU_ASSERT_STRING_EQUAL(text("SELECT strftime('%Y-%m-%d %H:%M', 1764547200, "
	    "'unixepoch')", b, sizeof b), "2025-12-01 00:00");
	CU_ASSERT_STRING_EQUAL(text("SELECT 'n=' || (1 = 1)", b, sizeof b), "n=1");
}

static void
test_queries(void)
{
	char b[128];
	struct db_stmt *st;

	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO warehouse(code, name, province) VALUES "
	    "('HCM', 'HCM', 'x'), ('HN', 'HN', 'y'), ('DN', 'DN', 'z')", ""), 0);
	CU_ASSERT_STRING_EQUAL(text("SELECT group_concat(code, '+') FROM (SELECT code FROM "
	    "warehouse ORDER BY code)", b, sizeof b), "DN+HCM+HN");
	CU_ASSERT_EQUAL(num("SELECT total(id) FROM warehouse WHERE id < 0"), 0);
	CU_ASSERT_EQUAL(num("SELECT sum(province = 'x') + 10 * sum(province <> 'x') FROM "
	    "warehouse"), 21);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM warehouse a JOIN warehouse b"), 9);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM warehouse LIMIT -1"), 3);
	/* ?NNN used twice, and ? after it numbered on from the highest. */
	st = db_prep(db, "SELECT count(*) FROM warehouse WHERE (code = ?1 OR name = ?1) AND "
	    "province <> ?");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_text(st, 1, "HN");
	db_bind_text(st, 2, "q");
	CU_ASSERT_EQUAL(db_step(st), DB_ROW);
	CU_ASSERT_EQUAL(db_col_int(st, 0), 1);
	db_done(st);
	/* A parameter with no type in its context alone. */
	st = db_prep(db, "SELECT count(*) FROM warehouse WHERE (? IS NULL OR code = ?)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_null(st, 1);
	db_bind_null(st, 2);
	CU_ASSERT_EQUAL(db_step(st), DB_ROW);
	CU_ASSERT_EQUAL(db_col_int(st, 0), 3);
	db_done(st);
}

static void
test_writes(void)
{
	int64_t id = 0, again = 0;

	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'S-D', 'S')", ""), 0);
	id = db_last_id(db);
	CU_ASSERT(id > 0);
	CU_ASSERT_EQUAL(db_int(db, &again, "SELECT id FROM shop WHERE shop_code = 'S-D'", ""), 0);
	CU_ASSERT_EQUAL(id, again);
	CU_ASSERT_EQUAL(db_changes(db), 1);
	/* An upsert whose update names the row's own column. */
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO webhook_stat(shop_id, rejected, last_rejected_at) "
	    "VALUES (?, 1, 5) ON CONFLICT(shop_id) DO UPDATE SET rejected = rejected + 1",
	    "i", id), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO webhook_stat(shop_id, rejected, last_rejected_at) "
	    "VALUES (?, 1, 5) ON CONFLICT(shop_id) DO UPDATE SET rejected = rejected + 1",
	    "i", id), 0);
	CU_ASSERT_EQUAL(num("SELECT rejected FROM webhook_stat"), 2);

	/* A write that fails inside a transaction fails alone; the rest commits. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('nope', 'S-X', 'S')", ""), DB_ECONSTRAINT);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('lazada', 'S-L', 'S')", ""), 0);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code = 'S-L'"), 1);

	/* A nested transaction rolled back keeps the outer one's work. */
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop SET name = 'outer' WHERE shop_code = 'S-L'", ""), 0);
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop SET name = 'inner' WHERE shop_code = 'S-L'", ""), 0);
	db_rollback(db);
	CU_ASSERT_EQUAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE name = 'outer'"), 1);
}

static void
test_trigger(void)
{
	CU_ASSERT_EQUAL_FATAL(db_exec(db, "CREATE TEMP TRIGGER no_tiktok BEFORE INSERT ON shop "
	    "WHEN NEW.channel = 'tiktok' BEGIN SELECT RAISE(ABORT, 'no tiktok here'); END"), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('tiktok', 'T-1', 'T')", ""), DB_ECONSTRAINT);
	CU_ASSERT_PTR_NOT_NULL(strstr(db_errmsg(db), "no tiktok here"));
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', 'T-2', 'T')", ""), 0);
	CU_ASSERT_EQUAL(db_exec(db, "DROP TRIGGER no_tiktok"), 0);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('tiktok', 'T-1', 'T')", ""), 0);
}

/* The server ends this connection's session (PostgreSQL). */
static void
kill_backend(void)
{
	struct db *other;
	char err[512];
	int64_t pid = 0;

	CU_ASSERT_EQUAL_FATAL(db_int(db, &pid, "SELECT pg_backend_pid()", ""), 0);
	CU_ASSERT_EQUAL_FATAL(db_open(&other, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL(db_run(other, "SELECT pg_terminate_backend(?)", "i", pid), 0);
	db_close(other);
}

/* PostgreSQL only: the server ends the session; the next statement reconnects. */
static void
test_reconnect(void)
{
	if (strcmp(db_engine(db), "postgresql") != 0) {
		CU_ASSERT_EQUAL(db_reconnects(db), 0);
		return;
	}
	kill_backend();
	CU_ASSERT_EQUAL(num("SELECT count(*) FROM shop WHERE shop_code = 'S-L'"), 1);
	CU_ASSERT_EQUAL(db_reconnects(db), 1);
}

/*
 * PostgreSQL only: the connection is lost mid-shift, between two scans of one order.
 * The next scan is saved on the re-opened connection, db_reconnects() counted it, the
 * station's status line says so, and the scans saved match what the packer saw.
 */
static void
test_reconnect_packing(void)
{
	struct tu_midpack m;
	struct pack_result r;
	struct vm_pack_opts vo;
	struct vm_pack *vm;
	struct vm_screen scr;
	char row[2048], want[32];
	uint64_t before;

	if (strcmp(db_engine(db), "postgresql") != 0)
		return;
	CU_ASSERT_EQUAL_FATAL(tu_midpack(&m, db, "RC", "8934567890999", "PB-9001"), 0);

	before = db_reconnects(db);
	kill_backend();
	pack_input(&m.p, "8934567890999", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 1);
	CU_ASSERT_EQUAL(db_reconnects(db), before + 1);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT coalesce(sum(qty), 0) FROM pack_scan WHERE "
	    "order_id = (SELECT id FROM orders WHERE order_no = ?)", "RC-1"), 2);

	/* Lost again just before the last unit: saved too, counted twice now. */
	kill_backend();
	pack_input(&m.p, "8934567890999", &r);
	CU_ASSERT_EQUAL(r.outcome, PACK_OK);
	CU_ASSERT_EQUAL(r.remaining, 0);
	CU_ASSERT_EQUAL(db_reconnects(db), before + 2);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT coalesce(sum(qty), 0) FROM pack_scan WHERE "
	    "order_id = (SELECT id FROM orders WHERE order_no = ?)", "RC-1"), 3);
	pack_free(&m.p);

	/* The packing screen's status line on this connection tells of it. */
	setlocale(LC_ALL, "C.UTF-8");
	memset(&vo, 0, sizeof vo);
	vm = calloc(1, sizeof *vm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	vm_pack_init(vm, &m.packer, &m.c, &vo, TEST_EPOCH);
	vm_screen_init(&scr, 24, 100, ROLE_NORMAL);
	vm_pack_render(vm, &scr);
	vm_screen_row(&scr, 0, row, sizeof row);
	snprintf(want, sizeof want, "DB lost %" PRIu64 "×", before + 2);
	if (strstr(row, want) == NULL)
		fprintf(stderr, "status line: %s\n", row);
	CU_ASSERT_PTR_NOT_NULL(strstr(row, want));
	vm_screen_free(&scr);
	vm_pack_free(vm);
	free(vm);
}

/* PostgreSQL only: a notification sent by one connection reaches a listening one. */
static void
test_listen(void)
{
	struct db *other;
	struct pollfd pfd;
	char err[512], ch[64], payload[64];
	int got = 0, i;

	if (strcmp(db_engine(db), "postgresql") != 0) {
		CU_ASSERT_EQUAL(db_fd(db), -1);
		CU_ASSERT_EQUAL(db_listen(db, "orders"), DB_EINVAL);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(db_listen(db, "orders"), 0);
	CU_ASSERT_EQUAL(db_notification(db, ch, sizeof ch, payload, sizeof payload), 0);
	CU_ASSERT_EQUAL_FATAL(db_open(&other, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(db_begin(other), 0);
	CU_ASSERT_EQUAL(db_notify(other, "orders", "42 CANCELLED"), 0);
	CU_ASSERT_EQUAL(db_notification(db, ch, sizeof ch, payload, sizeof payload), 0);
	CU_ASSERT_EQUAL(db_commit(other), 0);
	db_close(other);
	for (i = 0; i < 50 && got == 0; i++) {
		pfd.fd = db_fd(db);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) > 0)
			got = db_notification(db, ch, sizeof ch, payload, sizeof payload);
	}
	CU_ASSERT_EQUAL_FATAL(got, 1);
	CU_ASSERT_STRING_EQUAL(ch, "orders");
	CU_ASSERT_STRING_EQUAL(payload, "42 CANCELLED");
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("db_dialect", setup, teardown);
	CU_add_test(s, "functions", test_functions);
	CU_add_test(s, "queries", test_queries);
	CU_add_test(s, "writes and transactions", test_writes);
	CU_add_test(s, "trigger raising", test_trigger);
	CU_add_test(s, "lost connection", test_reconnect);
	CU_add_test(s, "lost connection mid-shift: no scan lost", test_reconnect_packing);
	CU_add_test(s, "listen and notify", test_listen);
	return tu_run();
}

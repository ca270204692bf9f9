/*
 * test_audit.c — the hash-chained audit log: a chain built through audit_log() verifies
 * intact, and every kind of tampering done behind its back with raw SQL (editing any
 * field, deleting a record in the middle or at the end, inserting a forged record in the
 * middle or at the end, replacing the newest, dropping the head) is caught, with the
 * record named in one line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "core/audit.h"
#include "core/clock.h"

#define N 10

static struct db *db;
static char path[256];

/* Records from..to, as an "order" status change each; a transaction per group of 4. */
static void
build(struct db *d, int from, int to)
{
	struct session s;
	char before[64], after[64];
	int i;

	session_system(&s, d, "T1");
	for (i = from; i <= to; i++) {
		if (i == from || i % 4 == 1)
			CU_ASSERT_EQUAL_FATAL(db_begin(d), 0);
		snprintf(before, sizeof before, "{\"status\":\"new\",\"n\":%d}", i);
		snprintf(after, sizeof after, "{\"status\":\"confirmed\",\"n\":%d}", i);
		CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 100 + i, "confirm", before, after), 0);
		if (i == to || i % 4 == 0)
			CU_ASSERT_EQUAL_FATAL(db_commit(d), 0);
	}
}

static void
setup(void)
{
	db = tu_db(path);
	build(db, 1, N);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
}

static void
sql(const char *q)
{
	CU_ASSERT_EQUAL_FATAL(db_exec(db, q), 0);
}

/* Records hash as they always have (the chain of an existing database stays valid): the
 * digests below were computed apart, from the format (each field length-prefixed), for a
 * short record and one too long for the one-call path. */
static void
test_known_hashes(void)
{
	char after[3100];
	struct session s;
	struct db *d;
	char p[256];
	int64_t n = 0;

	d = tu_db(p);
	clock_fix(1764547200);
	session_system(&s, d, "T1");
	snprintf(after, sizeof after, "{\"note\":\"%3000s\"}", "");
	memset(after + 9, 'x', 3000);
	CU_ASSERT_EQUAL_FATAL(db_begin(d), 0);
	CU_ASSERT_EQUAL(audit_log(&s, "order", 7, "confirm", "{\"a\":1}",
	    "{\"status\":\"Đã giao\"}"), 0);
	CU_ASSERT_EQUAL(audit_log(&s, "stock", -3, "reserve", NULL, after), 0);
	CU_ASSERT_EQUAL_FATAL(db_commit(d), 0);
	CU_ASSERT_EQUAL(db_int(d, &n, "SELECT count(*) FROM audit WHERE id = 1 AND hash = "
	    "'ba092bb8f06fc832ef6bb062965ab879d1632e798c125cfc261d88da4d791f81'", ""), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(db_int(d, &n, "SELECT count(*) FROM audit WHERE id = 2 AND hash = "
	    "'21fdc3b5176d4742125ec87a5799f891291dfe7394ddc99f957f8c9b8874ba66'", ""), 0);
	CU_ASSERT_EQUAL(n, 1);
	clock_real();
	tu_db_free(d, p);
}

/* Verify expecting a break at bad; the message is one line naming that record. */
static void
expect_broken(int64_t bad, const char *what)
{
	char msg[256], name[48], names[48];
	int64_t n = -1, id = -1;

	memset(msg, 0, sizeof msg);
	CU_ASSERT_EQUAL(audit_verify(db, &n, &id, msg, sizeof msg), 1);
	CU_ASSERT_EQUAL(id, bad);
	snprintf(name, sizeof name, "record %" PRId64 " ", bad);
	snprintf(names, sizeof names, "records %" PRId64 " ", bad);
	if (strstr(msg, names) != NULL)
		snprintf(name, sizeof name, "%s", names);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, name));
	CU_ASSERT_PTR_NULL(strchr(msg, '\n'));
	if (what != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, what));
	if (id != bad || strstr(msg, name) == NULL)
		fprintf(stderr, "\n    expected record %" PRId64 ", got %" PRId64 ": %s\n", bad,
		    id, msg);
}

static void
expect_intact(int64_t count)
{
	char msg[256] = "";
	int64_t n = -1, id = -1;

	CU_ASSERT_EQUAL(audit_verify(db, &n, &id, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(n, count);
	CU_ASSERT_EQUAL(id, 0);
}

static void
test_intact(void)
{
	int64_t v = 0;

	expect_intact(N);
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT last_id FROM audit_head", ""), 0);
	CU_ASSERT_EQUAL(v, N);
	build(db, N + 1, N + 3);
	expect_intact(N + 3);
}

static void
test_empty(void)
{
	struct db *d;
	char p[256], msg[256] = "";
	int64_t n = -1, id = -1;

	d = tu_db(p);
	CU_ASSERT_EQUAL(audit_verify(d, &n, &id, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(n, 0);
	tu_db_free(d, p);
}

/* Editing any one field of a middle record names that record. */
static void
test_edit_field(void)
{
	static const char *const edits[] = {
		"UPDATE audit SET at = at + 1 WHERE id = 5",
		"UPDATE audit SET user_name = 'mallory' WHERE id = 5",
		"UPDATE audit SET station = 'T9' WHERE id = 5",
		"UPDATE audit SET entity = 'sku' WHERE id = 5",
		"UPDATE audit SET entity_id = '999' WHERE id = 5",
		"UPDATE audit SET action = 'cancel' WHERE id = 5",
		"UPDATE audit SET before = '' WHERE id = 5",
		"UPDATE audit SET after = replace(after, 'confirmed', 'cancelled') WHERE id = 5",
		"UPDATE audit SET hash = (SELECT hash FROM audit WHERE id = 4) WHERE id = 5",
		/* Moving a byte between two fields keeps their concatenation. */
		"UPDATE audit SET action = 'confir', before = 'm' || before WHERE id = 5",
	};
	size_t i;

	for (i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
		sql(edits[i]);
		CU_ASSERT_EQUAL(db_changes(db), 1);
		expect_broken(5, "altered");
		db_rollback(db);
		expect_intact(N);
	}
	/* prev_hash is checked against the chain, not trusted. */
	sql("UPDATE audit SET prev_hash = (SELECT prev_hash FROM audit WHERE id = 4) "
	    "WHERE id = 5");
	expect_broken(5, NULL);
}

static void
test_edit_first_and_last(void)
{
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	sql("UPDATE audit SET user_name = 'x' WHERE id = 1");
	expect_broken(1, "altered");
	db_rollback(db);
	sql("UPDATE audit SET after = '{}' WHERE id = 10");
	expect_broken(N, "altered");
}

static void
test_delete_middle(void)
{
	sql("DELETE FROM audit WHERE id = 5");
	expect_broken(5, "missing");
}

static void
test_delete_first(void)
{
	sql("DELETE FROM audit WHERE id = 1");
	expect_broken(1, "missing");
}

/* Deleting in the middle and renumbering the rest down to hide the gap. */
static void
test_delete_renumbered(void)
{
	sql("DELETE FROM audit WHERE id = 5;"
	    "UPDATE audit SET id = -id WHERE id > 5;"
	    "UPDATE audit SET id = -id - 1 WHERE id < 0;"
	    "UPDATE audit_head SET last_id = last_id - 1");
	expect_broken(5, NULL);
}

static void
test_delete_newest(void)
{
	sql("DELETE FROM audit WHERE id = 10");
	expect_broken(N, "deleted");
}

static void
test_delete_newest_three(void)
{
	sql("DELETE FROM audit WHERE id >= 8");
	expect_broken(8, "deleted");
}

static void
test_head_dropped(void)
{
	sql("DELETE FROM audit_head");
	expect_broken(N + 1, "head");
}

struct row {
	int64_t at;
	char text[9][160];
};

static void
row_read(struct db *d, int64_t id, struct row *r)
{
	struct db_stmt *st;
	int i;

	st = db_prep(d, "SELECT at, user_name, station, entity, entity_id, action, before, "
	    "after, prev_hash, hash FROM audit WHERE id = ?");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_int(st, 1, id);
	CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
	r->at = db_col_int(st, 0);
	for (i = 0; i < 9; i++)
		snprintf(r->text[i], sizeof r->text[i], "%s", db_col_text(st, i + 1));
	db_done(st);
}

static void
row_insert(int64_t id, const struct row *r)
{
	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO audit(id, at, user_name, station, "
	    "entity, entity_id, action, before, after, prev_hash, hash) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?)", "iisssssssss", id, r->at, r->text[0],
	    r->text[1], r->text[2], r->text[3], r->text[4], r->text[5], r->text[6],
	    r->text[7], r->text[8]), 0);
}

/* Make room at id 5 by moving records 5.. up one. */
static void
renumber_up(void)
{
	sql("UPDATE audit SET id = -id WHERE id >= 5;"
	    "UPDATE audit SET id = 1 - id WHERE id < 0;"
	    "UPDATE audit_head SET last_id = last_id + 1");
}

/*
 * A forged record with a correct hash for its place: built by the real audit_log() in a
 * second database holding the same first four records (the clock is fixed).
 */
static void
test_insert_middle_forged(void)
{
	struct session s;
	struct db *d;
	struct row forged, four;
	char p[256];

	d = tu_db(p);
	build(d, 1, 4);
	row_read(d, 4, &four);
	session_system(&s, d, "T1");
	CU_ASSERT_EQUAL_FATAL(db_begin(d), 0);
	CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 777, "refund", "", "{\"amount\":1}"), 0);
	CU_ASSERT_EQUAL_FATAL(db_commit(d), 0);
	row_read(d, 5, &forged);
	tu_db_free(d, p);

	row_read(db, 4, &four);
	CU_ASSERT_STRING_EQUAL(forged.text[7], four.text[8]);  /* it chains onto record 4 */
	renumber_up();
	row_insert(5, &forged);
	expect_broken(5, "inserted");
}

/* A forged record with a made-up hash, in the middle. */
static void
test_insert_middle_sloppy(void)
{
	struct row r;

	row_read(db, 4, &r);
	snprintf(r.text[7], sizeof r.text[7], "%s", r.text[8]);
	snprintf(r.text[5], sizeof r.text[5], "{\"amount\":1}");
	memset(r.text[8], 'a', 64);
	r.text[8][64] = '\0';
	renumber_up();
	row_insert(5, &r);
	expect_broken(5, NULL);
}

/* A record appended with a correct hash, but not through packbench (the head is old). */
static void
test_insert_end(void)
{
	struct session s;
	char h[80];
	struct db_stmt *st;

	st = db_prep(db, "SELECT last_hash FROM audit_head");
	CU_ASSERT_EQUAL_FATAL(db_step(st), DB_ROW);
	snprintf(h, sizeof h, "%s", db_col_text(st, 0));
	db_done(st);
	session_system(&s, db, "T1");
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 777, "refund", "", ""), 0);
	CU_ASSERT_EQUAL_FATAL(db_commit(db), 0);
	expect_intact(N + 1);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE audit_head SET last_id = ?, last_hash = ?", "is",
	    (int64_t)N, h), 0);
	expect_broken(N + 1, "added");
}

/* An appended record with a made-up hash, head moved along with it. */
static void
test_insert_end_sloppy(void)
{
	struct row r;

	row_read(db, N, &r);
	snprintf(r.text[7], sizeof r.text[7], "%s", r.text[8]);
	memset(r.text[8], 'b', 64);
	r.text[8][64] = '\0';
	row_insert(N + 1, &r);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE audit_head SET last_id = ?, last_hash = ?", "is",
	    (int64_t)N + 1, r.text[8]), 0);
	expect_broken(N + 1, "altered");
}

/* The newest record swapped for another one that chains correctly onto record 9. */
static void
test_replace_newest(void)
{
	struct session s;
	struct row nine, ten;

	row_read(db, N - 1, &nine);
	row_read(db, N, &ten);
	sql("DELETE FROM audit WHERE id = 10");
	CU_ASSERT_EQUAL(db_run(db, "UPDATE audit_head SET last_id = ?, last_hash = ?", "is",
	    (int64_t)N - 1, nine.text[8]), 0);
	session_system(&s, db, "T1");
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 110, "cancel", "", ""), 0);
	CU_ASSERT_EQUAL_FATAL(db_commit(db), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE audit_head SET last_hash = ?", "s", ten.text[8]), 0);
	expect_broken(N, "replaced");
}

/* Records written in a transaction that rolls back leave no trace in the chain. */
static void
test_rollback(void)
{
	struct session s;

	session_system(&s, db, "T1");
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 1, "x", NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 2, "y", NULL, NULL), 0);
	db_rollback(db);
	CU_ASSERT_EQUAL_FATAL(db_commit(db), 0);
	expect_intact(N + 1);
	CU_ASSERT_EQUAL_FATAL(db_begin(db), 0);
	CU_ASSERT_EQUAL_FATAL(audit_log(&s, "order", 3, "z", NULL, NULL), 0);
	db_rollback(db);
	expect_intact(N + 1);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite_with_setup_and_teardown("audit", NULL, NULL, setup, teardown);
	CU_add_test(su, "intact", test_intact);
	CU_add_test(su, "known digests", test_known_hashes);
	CU_add_test(su, "empty", test_empty);
	CU_add_test(su, "edit a field", test_edit_field);
	CU_add_test(su, "edit first and last", test_edit_first_and_last);
	CU_add_test(su, "delete middle", test_delete_middle);
	CU_add_test(su, "delete first", test_delete_first);
	CU_add_test(su, "delete middle, renumbered", test_delete_renumbered);
	CU_add_test(su, "delete newest", test_delete_newest);
	CU_add_test(su, "delete newest three", test_delete_newest_three);
	CU_add_test(su, "head dropped", test_head_dropped);
	CU_add_test(su, "insert forged in middle", test_insert_middle_forged);
	CU_add_test(su, "insert sloppy in middle", test_insert_middle_sloppy);
	CU_add_test(su, "insert at end", test_insert_end);
	CU_add_test(su, "insert sloppy at end", test_insert_end_sloppy);
	CU_add_test(su, "replace newest", test_replace_newest);
	CU_add_test(su, "rollback", test_rollback);
	return tu_run();
}

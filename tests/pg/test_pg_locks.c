/*
 * test_pg_locks.c — the row locks of db_begin_rows()/db_lock() on PostgreSQL (db_pg.c),
 * two connections to one schema, each driven by its own thread where one must wait:
 * a key locked by one transaction holds another that locks it until the first commits,
 * while another key does not wait; a plain db_begin() waits for a row-locked transaction
 * (its schema lock is exclusive) and the reverse; two transactions locking two keys in
 * opposite orders: one loses the deadlock, db_retry() says run it again, the other goes
 * on; the audit records of row-locked transactions are chained at commit, in commit
 * order, a rolled-back savepoint's records left out, and the chain verifies; a lost
 * transaction's own records never reach the chain. Skipped (77) without
 * PACKBENCH_TEST_DB=postgresql://... (tests/pg/run.sh).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "core/audit.h"

#define HOLD_MS 800

static struct db *a, *b;
static char path[256];

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
setup(void)
{
	char err[512];

	a = tu_db(path);
	CU_ASSERT_EQUAL_FATAL(db_open(&b, path, err, sizeof err), 0);
}

static void
teardown(void)
{
	db_close(b);
	b = NULL;
	tu_db_free(a, path);
	a = NULL;
}

/* What a second thread does on connection b, and when it got there. */
struct job {
	int rows;                   /* db_begin_rows() rather than db_begin() */
	int64_t key;                /* locked after begin; 0: none */
	int64_t key2;               /* then this one; 0: none */
	int rc_begin, rc_lock, rc_lock2, retry;
	int64_t locked_at;          /* when its begin and locks had all returned */
};

static void *
job_run(void *arg)
{
	struct job *j = arg;
	int tries = 0;

	j->rc_begin = j->rows ? db_begin_rows(b) : db_begin(b);
	if (j->rc_begin != 0)
		return NULL;
	if (j->key != 0)
		j->rc_lock = db_lock(b, "stock", j->key);
	if (j->rc_lock == 0 && j->key2 != 0)
		j->rc_lock2 = db_lock(b, "stock", j->key2);
	j->locked_at = now_ms();
	if (j->rc_lock != 0 || j->rc_lock2 != 0) {
		db_rollback(b);
		j->retry = db_retry(b, j->rc_lock != 0 ? j->rc_lock : j->rc_lock2, &tries);
		return NULL;
	}
	db_commit(b);
	return NULL;
}

/* a holds key 7 for HOLD_MS while b locks key (7 or another). When b's lock returned,
 * relative to a's commit (negative: before it). */
static int64_t
race_key(int64_t key, int a_rows, int b_rows)
{
	struct job j = { .rows = b_rows, .key = key };
	pthread_t th;
	int64_t committed;

	CU_ASSERT_EQUAL_FATAL(a_rows ? db_begin_rows(a) : db_begin(a), 0);
	CU_ASSERT_EQUAL(db_rowlocked(a), a_rows);
	CU_ASSERT_EQUAL_FATAL(db_lock(a, "stock", 7), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, job_run, &j), 0);
	sleep_ms(HOLD_MS);
	committed = now_ms();
	CU_ASSERT_EQUAL(db_commit(a), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(j.rc_begin, 0);
	CU_ASSERT_EQUAL(j.rc_lock, 0);
	return j.locked_at - committed;
}

static void
test_same_key_waits(void)
{
	CU_ASSERT(race_key(7, 1, 1) >= 0);
}

static void
test_other_key_goes_on(void)
{
	CU_ASSERT(race_key(8, 1, 1) < -HOLD_MS / 2);
}

static void
test_plain_waits_for_rows(void)
{
	CU_ASSERT(race_key(0, 1, 0) >= 0);      /* b's db_begin() waits for a's rows */
	CU_ASSERT(race_key(0, 0, 1) >= 0);      /* and b's db_begin_rows() for a's db_begin() */
}

/* a: 1 then 2; b: 2 then 1. One of them loses; db_retry() on it says run it again. */
static void
test_deadlock_retried(void)
{
	struct job j = { .rows = 1, .key = 2, .key2 = 1 };
	pthread_t th;
	int rc, tries = 0, retry_a = 0;

	CU_ASSERT_EQUAL_FATAL(db_begin_rows(a), 0);
	CU_ASSERT_EQUAL_FATAL(db_lock(a, "stock", 1), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, job_run, &j), 0);
	sleep_ms(200);                          /* b holds 2 and waits for 1 */
	rc = db_lock(a, "stock", 2);
	if (rc != 0) {
		db_rollback(a);
		retry_a = db_retry(a, rc, &tries);
		CU_ASSERT_EQUAL(tries, 1);
	} else {
		CU_ASSERT_EQUAL(db_commit(a), 0);
	}
	pthread_join(th, NULL);
	/* Exactly one lost, and that one is told to run again; the winner got both. */
	CU_ASSERT_EQUAL((rc != 0) + (j.rc_lock2 != 0), 1);
	CU_ASSERT_EQUAL(retry_a, rc != 0);
	CU_ASSERT_EQUAL(j.retry, j.rc_lock2 != 0);
	/* An ordinary failure is not retried. */
	tries = 0;
	CU_ASSERT_EQUAL_FATAL(db_begin_rows(a), 0);
	CU_ASSERT_NOT_EQUAL(db_exec(a, "SELECT no_such_column FROM orders"), 0);
	db_rollback(a);
	CU_ASSERT_EQUAL(db_retry(a, DB_ERR, &tries), 0);
}

static void
log_one(struct session *s, int64_t id, const char *what)
{
	CU_ASSERT_EQUAL(audit_log(s, "order", id, what, "", "{}"), 0);
}

/* The action of audit record id. */
static void
action_is(int64_t id, const char *want)
{
	struct db_stmt *st = db_prep(a, "SELECT action FROM audit WHERE id = ?");
	char got[64] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		snprintf(got, sizeof got, "%s", db_col_text(st, 0));
	db_done(st);
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void
test_audit_chained_at_commit(void)
{
	struct session sa, sb;
	int64_t count, bad;
	char msg[256];

	session_system(&sa, a, "SA");
	session_system(&sb, b, "SB");
	/* A plain transaction first: the chain has a head to go on from. */
	CU_ASSERT_EQUAL_FATAL(db_begin(a), 0);
	log_one(&sa, 1, "plain");
	CU_ASSERT_EQUAL(db_commit(a), 0);

	CU_ASSERT_EQUAL_FATAL(db_begin_rows(a), 0);
	log_one(&sa, 1, "a-first");
	CU_ASSERT_EQUAL_FATAL(db_begin(a), 0);          /* a savepoint, rolled back */
	log_one(&sa, 1, "a-undone");
	db_rollback(a);
	CU_ASSERT_EQUAL_FATAL(db_begin_rows(b), 0);
	log_one(&sb, 2, "b-only");
	CU_ASSERT_EQUAL(db_commit(b), 0);               /* b commits first: chained first */
	log_one(&sa, 1, "a-second");
	CU_ASSERT_EQUAL(db_commit(a), 0);
	/* A transaction that loses is rolled back with the records it held. */
	CU_ASSERT_EQUAL_FATAL(db_begin_rows(b), 0);
	log_one(&sb, 2, "b-lost");
	db_rollback(b);

	CU_ASSERT_EQUAL(audit_verify(a, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(count, 4);
	action_is(1, "plain");
	action_is(2, "b-only");
	action_is(3, "a-first");
	action_is(4, "a-second");
	CU_ASSERT_EQUAL(tu_int(a, "SELECT count(*) FROM audit WHERE action IN ('a-undone', "
	    "'b-lost')", NULL), 0);
	CU_ASSERT_EQUAL(tu_int(a, "SELECT last_id FROM audit_head", NULL), 4);
	/* After it, a plain transaction goes on from the new head. */
	CU_ASSERT_EQUAL_FATAL(db_begin(b), 0);
	log_one(&sb, 2, "plain-after");
	CU_ASSERT_EQUAL(db_commit(b), 0);
	CU_ASSERT_EQUAL(audit_verify(a, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(count, 5);
}

/* A new connection whose very first row-locked record is in a savepoint rolled back:
 * the waiting room (audit_late) went with it and is made again for the next record. */
static void
test_audit_first_record_undone(void)
{
	struct session sc;
	struct db *c;
	char err[512], msg[256];
	int64_t count, bad;

	CU_ASSERT_EQUAL_FATAL(db_open(&c, path, err, sizeof err), 0);
	session_system(&sc, c, "SC");
	CU_ASSERT_EQUAL_FATAL(db_begin_rows(c), 0);
	CU_ASSERT_EQUAL_FATAL(db_begin(c), 0);
	log_one(&sc, 3, "c-undone");
	db_rollback(c);
	log_one(&sc, 3, "c-kept");
	CU_ASSERT_EQUAL(db_commit(c), 0);
	CU_ASSERT_EQUAL_FATAL(db_begin_rows(c), 0);
	log_one(&sc, 3, "c-next");
	CU_ASSERT_EQUAL(db_commit(c), 0);
	db_close(c);
	CU_ASSERT_EQUAL(audit_verify(a, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(count, 2);
	action_is(1, "c-kept");
	action_is(2, "c-next");
}

int
main(void)
{
	const char *u = getenv("PACKBENCH_TEST_DB");
	CU_pSuite su;

	if (u == NULL || (strncmp(u, "postgresql://", 13) != 0 &&
	    strncmp(u, "postgres://", 11) != 0)) {
		printf("test_pg_locks: PACKBENCH_TEST_DB is not a postgresql:// URL: skipped\n");
		return 77;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite_with_setup_and_teardown("pg_locks", NULL, NULL, setup, teardown);
	CU_add_test(su, "same key waits", test_same_key_waits);
	CU_add_test(su, "other key goes on", test_other_key_goes_on);
	CU_add_test(su, "plain and row-locked wait for each other", test_plain_waits_for_rows);
	CU_add_test(su, "deadlock retried", test_deadlock_retried);
	CU_add_test(su, "audit chained at commit", test_audit_chained_at_commit);
	CU_add_test(su, "audit's first record undone", test_audit_first_record_undone);
	return tu_run();
}

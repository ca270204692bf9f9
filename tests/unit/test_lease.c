/*
 * test_lease.c — the per-shop sync lease (market/lease.h): taken when free, refused
 * while another holds it, renewed by its holder, taken over once expired, released;
 * and the election under a real race: processes on their own connections grabbing the
 * same expired lease at the same moment, exactly one winning each round.
 */
#include <CUnit/CUnit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db.h"
#include "market/lease.h"
#include "testutil.h"

#define T0 TEST_EPOCH
#define RACERS 8
#define ROUNDS 15

static struct db *db;
static char path[256];
static int64_t shop;

static int
suite_init(void)
{
	if ((db = tu_db(path)) == NULL)
		return -1;
	if (db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('shopee', '1', 'S')",
	    "") != 0)
		return -1;
	shop = db_last_id(db);
	return 0;
}

static int
suite_clean(void)
{
	tu_db_free(db, path);
	return 0;
}

static void
test_name(void)
{
	char a[LEASE_HOLDER_MAX], b[LEASE_HOLDER_MAX], pid[32];
	const char *last;

	lease_holder_name(a, sizeof a);
	lease_holder_name(b, sizeof b);
	snprintf(pid, sizeof pid, ":%ld:", (long)getpid());
	CU_ASSERT_PTR_NOT_NULL(strstr(a, pid));
	last = strrchr(a, ':');
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	CU_ASSERT_EQUAL(strlen(last + 1), 8);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);   /* two workers of one process differ */
}

static void
test_take_refuse_renew(void)
{
	char who[LEASE_HOLDER_MAX];
	int64_t exp = 0;

	CU_ASSERT_EQUAL(lease_holder(db, shop, T0, who, sizeof who, NULL), 0);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "A", T0, 60), 1);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "B", T0 + 1, 60), 0);
	CU_ASSERT_EQUAL(lease_holder(db, shop, T0 + 1, who, sizeof who, &exp), 1);
	CU_ASSERT_STRING_EQUAL(who, "A");
	CU_ASSERT_EQUAL(exp, T0 + 60);
	/* Renewed by its holder: later expiry; B still refused past the first expiry. */
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "A", T0 + 50, 60), 1);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "B", T0 + 61, 60), 0);
	CU_ASSERT_EQUAL(lease_holder(db, shop, T0 + 61, who, sizeof who, &exp), 1);
	CU_ASSERT_EQUAL(exp, T0 + 110);
	/* Expired: B takes it over, A is refused from then on. */
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "B", T0 + 111, 60), 1);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "A", T0 + 112, 60), 0);
	CU_ASSERT_EQUAL(lease_holder(db, shop, T0 + 112, who, sizeof who, NULL), 1);
	CU_ASSERT_STRING_EQUAL(who, "B");
	/* Released by someone who does not hold it: nothing happens. */
	CU_ASSERT_EQUAL(lease_release(db, shop, "A"), 0);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "A", T0 + 113, 60), 0);
	/* Released by its holder: free at once. */
	CU_ASSERT_EQUAL(lease_release(db, shop, "B"), 0);
	CU_ASSERT_EQUAL(lease_holder(db, shop, T0 + 113, who, sizeof who, NULL), 0);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "A", T0 + 113, 60), 1);
	/* Another shop's lease is separate. */
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('shopee', '2', 'S2')", ""), 0);
	CU_ASSERT_EQUAL(lease_acquire(db, db_last_id(db), "B", T0 + 113, 60), 1);
	CU_ASSERT_EQUAL(lease_release(db, shop, "A"), 0);
}

/* A racer: its own connection, waits for the start byte, grabs; exits 1 when it won. */
static void
racer(int start_fd, int64_t now, int i)
{
	struct db *mine;
	char err[256], name[32], go;
	int rc;

	if (db_open(&mine, path, err, sizeof err) != 0)
		_exit(3);
	snprintf(name, sizeof name, "racer-%d", i);
	if (read(start_fd, &go, 1) != 1)
		_exit(4);
	do
		rc = lease_acquire(mine, shop, name, now, 30);
	while (rc == DB_EBUSY);
	db_close(mine);
	_exit(rc == 1 ? 1 : rc == 0 ? 0 : 5);
}

static void
test_race(void)
{
	int round;

	for (round = 0; round < ROUNDS; round++) {
		int64_t now = T0 + 1000 + round * 100;   /* every earlier lease has expired */
		pid_t pids[RACERS];
		int fds[2], i, won = 0, bad = 0;
		char who[LEASE_HOLDER_MAX], go[RACERS];

		CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
		for (i = 0; i < RACERS; i++) {
			pids[i] = fork();
			CU_ASSERT_FATAL(pids[i] >= 0);
			if (pids[i] == 0) {
				close(fds[1]);
				racer(fds[0], now, i);
			}
		}
		close(fds[0]);
		memset(go, 'g', sizeof go);
		CU_ASSERT_EQUAL(write(fds[1], go, sizeof go), (ssize_t)sizeof go);
		close(fds[1]);
		for (i = 0; i < RACERS; i++) {
			int st = 0;

			waitpid(pids[i], &st, 0);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
				won++;
			else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bad++;
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(won, 1);
		CU_ASSERT_EQUAL(lease_holder(db, shop, now, who, sizeof who, NULL), 1);
		CU_ASSERT_EQUAL(strncmp(who, "racer-", 6), 0);
	}
}

/* A holder of this host whose process is gone is reaped; a live one is not. */
static void
test_reap(void)
{
	char host[64], dead[LEASE_HOLDER_MAX], live[LEASE_HOLDER_MAX];
	pid_t child = fork();
	int st;

	CU_ASSERT_FATAL(child >= 0);
	if (child == 0)
		_exit(0);
	waitpid(child, &st, 0);
	CU_ASSERT_EQUAL_FATAL(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = '\0';
	snprintf(dead, sizeof dead, "%s:%ld:0badf00d", host, (long)child);
	snprintf(live, sizeof live, "%s:%ld:600df00d", host, (long)getppid());
	CU_ASSERT_EQUAL(lease_acquire(db, shop, dead, T0 + 5000, 3600), 1);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "B", T0 + 5001, 60), 0);
	CU_ASSERT_EQUAL(lease_reap_dead(db, shop), 1);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, live, T0 + 5001, 3600), 1);
	CU_ASSERT_EQUAL(lease_reap_dead(db, shop), 0);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "B", T0 + 5002, 60), 0);
	/* Another host's holder is never judged by a pid here. */
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "B", T0 + 9000, 60), 1);
	CU_ASSERT_EQUAL(lease_release(db, shop, "B"), 0);
	CU_ASSERT_EQUAL(lease_acquire(db, shop, "elsewhere:1:00000000", T0 + 9001, 60), 1);
	CU_ASSERT_EQUAL(lease_reap_dead(db, shop), 0);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("lease", suite_init, suite_clean);
	CU_add_test(su, "holder names", test_name);
	CU_add_test(su, "take, refuse, renew, expire, release", test_take_refuse_renew);
	CU_add_test(su, "racing processes: one winner", test_race);
	CU_add_test(su, "a dead holder of this host is reaped", test_reap);
	return tu_run();
}

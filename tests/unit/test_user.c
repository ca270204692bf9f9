/*
 * test_user.c — operators and log-in: RBAC on adding users and setting PINs, PIN and
 * badge log-in, the five-failure lockout against a fixed clock, Argon2id hashes, and the
 * audit records every change leaves (never with a PIN in them).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/audit.h"
#include "core/clock.h"
#include "core/user.h"

#define PIN_ANA "739251"
#define PIN_SAM "482913"
#define PIN_PAT "615204"
#define BADGE_PAT "B-PAT-0001"

static struct db *db;
static char path[256];
static struct session sys;

static int64_t
count(const char *sql, const char *arg)
{
	int64_t n = -1;
	int rc;

	rc = arg != NULL ? db_int(db, &n, sql, "s", arg) : db_int(db, &n, sql, "");
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return n;
}

static int64_t
audits(const char *action)
{
	return count("SELECT count(*) FROM audit WHERE entity = 'user' AND action = ?", action);
}

static int
failed_of(const char *name)
{
	return (int)count("SELECT failed FROM app_user WHERE name = ?", name);
}

static void
setup(void)
{
	db = tu_db(path);
	session_system(&sys, db, "T1");
	CU_ASSERT_EQUAL(user_add(&sys, "ana", ROLE_ADMIN, PIN_ANA, NULL), 0);
	CU_ASSERT_EQUAL(user_add(&sys, "sam", ROLE_SUPERVISOR, PIN_SAM, NULL), 0);
	CU_ASSERT_EQUAL(user_add(&sys, "pat", ROLE_PACKER, PIN_PAT, BADGE_PAT), 0);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
}

static void
login_ok(struct session *s, const char *name, const char *pin)
{
	int rc = user_login(db, s, name, pin, "T1");

	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void
test_add_validation(void)
{
	struct session s;
	char longname[80];

	session_system(&s, db, "T1");
	CU_ASSERT_EQUAL(user_add(&s, "", ROLE_PACKER, "1234", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(user_add(&s, "bad name", ROLE_PACKER, "1234", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(user_add(&s, "bad/name", ROLE_PACKER, "1234", NULL), DB_EINVAL);
	memset(longname, 'a', 64);
	longname[64] = '\0';
	CU_ASSERT_EQUAL(user_add(&s, longname, ROLE_PACKER, "1234", NULL), DB_EINVAL);
	longname[63] = '\0';
	CU_ASSERT_EQUAL(user_add(&s, longname, ROLE_PACKER, "1234", NULL), 0);
	CU_ASSERT_EQUAL(user_add(&s, "Kim.Le_2-b", ROLE_PACKER, "1234", NULL), 0);

	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "123", NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "4 to 12 digits"));
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "1234567890123", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "12a4", NULL), DB_EINVAL);
	CU_ASSERT_PTR_NULL(strstr(s.err, "12a4"));
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_NONE, "1234", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_SYSTEM, "1234", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "1234", "bad badge"), DB_EINVAL);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "123456789012", NULL), 0);

	CU_ASSERT_EQUAL(user_add(&s, "pat", ROLE_PACKER, "1234", NULL), DB_ECONSTRAINT);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "pat"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "already exists"));
	CU_ASSERT_EQUAL(user_add(&s, "minh", ROLE_PACKER, "1234", BADGE_PAT), DB_ECONSTRAINT);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "badge"));
	CU_ASSERT_PTR_NULL(strstr(s.err, BADGE_PAT));
	/* Nothing of the refused adds was written. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user", NULL), 6);
	CU_ASSERT_EQUAL(audits("add"), 6);
}

static void
test_rbac_add(void)
{
	struct session s;
	int roles[] = { ROLE_NONE, ROLE_PACKER, ROLE_SUPERVISOR };
	size_t i;

	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		tu_session(&s, db, (enum role)roles[i]);
		CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "1234", NULL), DB_EPERM);
		CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "admin"));
	}
	/* Logged-in operators, not only role-stamped sessions. */
	login_ok(&s, "sam", PIN_SAM);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "1234", NULL), DB_EPERM);
	login_ok(&s, "pat", PIN_PAT);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_ADMIN, "1234", NULL), DB_EPERM);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user WHERE name = 'lan'", NULL), 0);

	login_ok(&s, "ana", PIN_ANA);
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, "1234", NULL), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'add' AND "
	    "user_name = ?", "ana"), 1);
}

static void
test_rbac_passwd(void)
{
	struct session s, t;

	/* A packer or supervisor cannot set anyone else's PIN. */
	login_ok(&s, "pat", PIN_PAT);
	CU_ASSERT_EQUAL(user_passwd(&s, "sam", "1111"), DB_EPERM);
	CU_ASSERT_EQUAL(user_passwd(&s, "ana", "1111"), DB_EPERM);
	/* ... and cannot learn whether a name exists. */
	CU_ASSERT_EQUAL(user_passwd(&s, "nobody", "1111"), DB_EPERM);
	login_ok(&s, "sam", PIN_SAM);
	CU_ASSERT_EQUAL(user_passwd(&s, "pat", "1111"), DB_EPERM);
	tu_session(&s, db, ROLE_SUPERVISOR);
	CU_ASSERT_EQUAL(user_passwd(&s, "pat", "1111"), DB_EPERM);
	CU_ASSERT_EQUAL(audits("passwd"), 0);
	login_ok(&t, "pat", PIN_PAT);   /* unchanged */

	/* A packer changes their own PIN. */
	login_ok(&s, "pat", PIN_PAT);
	CU_ASSERT_EQUAL(user_passwd(&s, "pat", "12x4"), DB_EINVAL);
	CU_ASSERT_EQUAL(user_passwd(&s, "pat", "24680"), 0);
	CU_ASSERT_EQUAL(user_login(db, &t, "pat", PIN_PAT, "T1"), DB_EPERM);
	login_ok(&t, "pat", "24680");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'passwd' AND "
	    "user_name = 'pat' AND after LIKE '%self%'", NULL), 1);

	/* An admin resets another user's PIN; a missing user is named. */
	login_ok(&s, "ana", PIN_ANA);
	CU_ASSERT_EQUAL(user_passwd(&s, "sam", "13579"), 0);
	login_ok(&t, "sam", "13579");
	CU_ASSERT_EQUAL(user_passwd(&s, "nobody", "13579"), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "nobody"));
	session_system(&s, db, "T1");
	CU_ASSERT_EQUAL(user_passwd(&s, "ana", "97531"), 0);
	CU_ASSERT_EQUAL(audits("passwd"), 3);
}

static void
test_list(void)
{
	struct user_row *rows;
	struct session s;
	size_t n;

	tu_session(&s, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(user_list(&s, &rows, &n), DB_EPERM);
	CU_ASSERT_PTR_NULL(rows);
	tu_session(&s, db, ROLE_SUPERVISOR);
	CU_ASSERT_EQUAL_FATAL(user_list(&s, &rows, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(rows[0].name, "ana");
	CU_ASSERT_EQUAL(rows[0].role, ROLE_ADMIN);
	CU_ASSERT_STRING_EQUAL(rows[0].badge, "");
	CU_ASSERT_STRING_EQUAL(rows[1].name, "pat");
	CU_ASSERT_EQUAL(rows[1].role, ROLE_PACKER);
	CU_ASSERT_STRING_EQUAL(rows[1].badge, BADGE_PAT);
	CU_ASSERT_EQUAL(rows[1].active, 1);
	CU_ASSERT_EQUAL(rows[1].failed, 0);
	CU_ASSERT_EQUAL(rows[1].locked_until, 0);
	CU_ASSERT_STRING_EQUAL(rows[2].name, "sam");
	CU_ASSERT_EQUAL(rows[2].role, ROLE_SUPERVISOR);
	free(rows);
}

static void
test_login_ok(void)
{
	struct session s;

	CU_ASSERT_EQUAL_FATAL(user_login(db, &s, "pat", PIN_PAT, "PACK-03"), 0);
	CU_ASSERT_PTR_EQUAL(s.db, db);
	CU_ASSERT(s.user_id > 0);
	CU_ASSERT_STRING_EQUAL(s.user, "pat");
	CU_ASSERT_EQUAL(s.role, ROLE_PACKER);
	CU_ASSERT_STRING_EQUAL(s.station, "PACK-03");
	CU_ASSERT_STRING_EQUAL(s.err, "");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'login' AND "
	    "user_name = 'pat' AND station = ?", "PACK-03"), 1);
}

static void
test_wrong_pin(void)
{
	struct session s, u;

	CU_ASSERT_EQUAL(user_login(db, &s, "pat", "000000", "T1"), DB_EPERM);
	CU_ASSERT_EQUAL(s.role, ROLE_NONE);
	CU_ASSERT_EQUAL(s.user_id, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "wrong user name or PIN"));
	CU_ASSERT_PTR_NULL(strstr(s.err, "000000"));
	CU_ASSERT_EQUAL(failed_of("pat"), 1);
	CU_ASSERT_EQUAL(user_login(db, &s, "pat", "", "T1"), DB_EPERM);
	CU_ASSERT_EQUAL(failed_of("pat"), 2);

	/* An unknown user gets exactly the same answer. */
	CU_ASSERT_EQUAL(user_login(db, &u, "nobody", "000000", "T1"), DB_EPERM);
	CU_ASSERT_STRING_EQUAL(u.err, s.err);
	CU_ASSERT_EQUAL(audits("login_failed"), 3);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'login_failed' AND "
	    "entity_id = '0' AND after LIKE ?", "%nobody%"), 1);

	/* Success resets the counter. */
	login_ok(&s, "pat", PIN_PAT);
	CU_ASSERT_EQUAL(failed_of("pat"), 0);
}

static void
test_lockout(void)
{
	struct session s;
	int i;

	/* Four failures, a success, four more: the counter restarted, so no lock. */
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(user_login(db, &s, "pat", "1111", "T1"), DB_EPERM);
	login_ok(&s, "pat", PIN_PAT);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(user_login(db, &s, "pat", "1111", "T1"), DB_EPERM);
	CU_ASSERT_EQUAL(failed_of("pat"), 4);
	CU_ASSERT_EQUAL(audits("lock"), 0);

	/* The fifth in a row locks for five minutes from now. */
	CU_ASSERT_EQUAL(user_login(db, &s, "pat", "1111", "T1"), DB_ELOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "2025-12-01 00:05"));
	CU_ASSERT_EQUAL(count("SELECT locked_until FROM app_user WHERE name = ?", "pat"),
	    TEST_EPOCH + USER_LOCK_SECS);
	CU_ASSERT_EQUAL(audits("lock"), 1);

	/* The right PIN does not help while locked; the message says until when. */
	CU_ASSERT_EQUAL(user_login(db, &s, "pat", PIN_PAT, "T1"), DB_ELOCKED);
	CU_ASSERT_EQUAL(s.role, ROLE_NONE);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "pat is locked"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "until 2025-12-01 00:05 UTC"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "5 min left"));
	CU_ASSERT_PTR_NULL(strstr(s.err, PIN_PAT));
	CU_ASSERT_EQUAL(user_login_badge(db, &s, BADGE_PAT, "T1"), DB_ELOCKED);
	CU_ASSERT_EQUAL(audits("login_refused"), 2);

	clock_advance(USER_LOCK_SECS - 1);
	CU_ASSERT_EQUAL(user_login(db, &s, "pat", PIN_PAT, "T1"), DB_ELOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "1 min left"));
	/* Attempts while locked neither count nor extend the lock. */
	CU_ASSERT_EQUAL(count("SELECT locked_until FROM app_user WHERE name = ?", "pat"),
	    TEST_EPOCH + USER_LOCK_SECS);

	clock_advance(1);
	login_ok(&s, "pat", PIN_PAT);
	CU_ASSERT_EQUAL(s.role, ROLE_PACKER);
	CU_ASSERT_EQUAL(failed_of("pat"), 0);
	CU_ASSERT_EQUAL(count("SELECT locked_until FROM app_user WHERE name = ?", "pat"), 0);
	/* Other users were never affected. */
	login_ok(&s, "sam", PIN_SAM);
}

static void
test_admin_unlocks(void)
{
	struct session s;
	int i;

	for (i = 0; i < USER_MAX_FAILS; i++)
		user_login(db, &s, "sam", "1111", "T1");
	CU_ASSERT_EQUAL(user_login(db, &s, "sam", PIN_SAM, "T1"), DB_ELOCKED);
	login_ok(&s, "ana", PIN_ANA);
	CU_ASSERT_EQUAL(user_passwd(&s, "sam", "8642"), 0);
	login_ok(&s, "sam", "8642");
}

static void
test_badge(void)
{
	struct session s, u;

	CU_ASSERT_EQUAL_FATAL(user_login_badge(db, &s, BADGE_PAT, "PACK-01"), 0);
	CU_ASSERT_STRING_EQUAL(s.user, "pat");
	CU_ASSERT_EQUAL(s.role, ROLE_PACKER);
	CU_ASSERT(s.user_id > 0);
	CU_ASSERT_STRING_EQUAL(s.station, "PACK-01");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'login' AND "
	    "after LIKE ?", "%badge%"), 1);

	CU_ASSERT_EQUAL(user_login_badge(db, &u, "B-NOBODY", "PACK-01"), DB_EPERM);
	CU_ASSERT_EQUAL(u.role, ROLE_NONE);
	CU_ASSERT_PTR_NULL(strstr(u.err, "B-NOBODY"));
	CU_ASSERT_EQUAL(user_login_badge(db, &u, "", "PACK-01"), DB_EPERM);
	/* Deactivated users cannot log in by either means. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE app_user SET active = 0 WHERE name = 'pat'", ""), 0);
	CU_ASSERT_EQUAL(user_login_badge(db, &u, BADGE_PAT, "PACK-01"), DB_EPERM);
	CU_ASSERT_EQUAL(user_login(db, &u, "pat", PIN_PAT, "PACK-01"), DB_EPERM);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE after LIKE ?", "%B-%"), 0);
}

static void
test_hashes(void)
{
	struct session s;
	const char *fast = getenv("PACKBENCH_TEST_FAST_HASH");

	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user WHERE pin_hash LIKE ?",
	    "$argon2id$%"), 3);
	/* Distinct salts: equal PINs never give equal hashes. */
	session_system(&s, db, "T1");
	CU_ASSERT_EQUAL(user_add(&s, "lan", ROLE_PACKER, PIN_PAT, NULL), 0);
	CU_ASSERT_EQUAL(count("SELECT count(DISTINCT pin_hash) FROM app_user", NULL), 4);

	/* Without the test switch, the interactive limits (64 MiB, 2 passes). */
	unsetenv("PACKBENCH_TEST_FAST_HASH");
	CU_ASSERT_EQUAL(user_add(&s, "minh", ROLE_PACKER, "5555", NULL), 0);
	if (fast != NULL)
		setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM app_user WHERE name = 'minh' AND "
	    "pin_hash LIKE ?", "$argon2id$v=19$m=65536,t=2,p=1$%"), 1);
	login_ok(&s, "minh", "5555");
}

static void
test_audit_trail(void)
{
	struct session s, a;
	int64_t n, bad;
	char msg[256];
	int i;

	login_ok(&a, "ana", PIN_ANA);
	CU_ASSERT_EQUAL(user_passwd(&a, "pat", "314159"), 0);
	login_ok(&s, "pat", "314159");
	for (i = 0; i < USER_MAX_FAILS; i++)
		user_login(db, &s, "pat", PIN_PAT, "T1");
	user_login(db, &s, "pat", "314159", "T1");
	/* A PIN typed into the name field is not recorded either. */
	user_login(db, &s, PIN_SAM, PIN_SAM, "T1");

	CU_ASSERT_EQUAL(audits("add"), 3);
	CU_ASSERT_EQUAL(audits("passwd"), 1);
	CU_ASSERT_EQUAL(audits("login"), 2);
	CU_ASSERT_EQUAL(audits("login_failed"), USER_MAX_FAILS + 1);
	CU_ASSERT_EQUAL(audits("lock"), 1);
	CU_ASSERT_EQUAL(audits("login_refused"), 1);
	CU_ASSERT_EQUAL(audit_verify(db, &n, &bad, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(n, 3 + 1 + 2 + USER_MAX_FAILS + 1 + 1 + 1);

	/* No PIN and no hash anywhere in the audit table. */
	{
		static const char *const secrets[] = {
			PIN_ANA, PIN_SAM, PIN_PAT, "314159", "$argon2", "argon2id",
		};
		size_t k;

		for (k = 0; k < sizeof secrets / sizeof secrets[0]; k++) {
			char like[64];

			snprintf(like, sizeof like, "%%%s%%", secrets[k]);
			CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE "
			    "(user_name || station || entity || entity_id || action || before || "
			    "after) LIKE ?", like), 0);
		}
	}
}

int
main(void)
{
	CU_pSuite su;

	/* Minimum Argon2id limits for speed; test_hashes checks the real ones too. */
	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite_with_setup_and_teardown("user", NULL, NULL, setup, teardown);
	CU_add_test(su, "add validation", test_add_validation);
	CU_add_test(su, "rbac add", test_rbac_add);
	CU_add_test(su, "rbac passwd", test_rbac_passwd);
	CU_add_test(su, "list", test_list);
	CU_add_test(su, "login ok", test_login_ok);
	CU_add_test(su, "wrong pin", test_wrong_pin);
	CU_add_test(su, "lockout", test_lockout);
	CU_add_test(su, "admin unlocks", test_admin_unlocks);
	CU_add_test(su, "badge", test_badge);
	CU_add_test(su, "hashes", test_hashes);
	CU_add_test(su, "audit trail", test_audit_trail);
	return tu_run();
}

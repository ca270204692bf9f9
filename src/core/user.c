/*
 * user.c — operators, roles, PINs and log-in.
 *
 * PINs are kept only as Argon2id strings from crypto_pwhash_str (interactive limits).
 * Setting the environment variable PACKBENCH_TEST_FAST_HASH makes new hashes use the
 * minimum limits instead: for test suites only, never on a real site. Verifying reads
 * the limits from the stored string, so either kind of hash verifies either way.
 *
 * The PIN check runs outside any transaction so a slow hash never holds the write lock;
 * the outcome (counter, lock, audit record) is then written in one transaction. An
 * unknown or inactive user costs the same hashing work and gets the same message as a
 * wrong PIN, so log-in does not tell which names exist. Neither PINs, hashes nor badge
 * codes ever reach an audit record or a message.
 */
#include "user.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "xalloc.h"

/* A user's row as log-in needs it. */
struct urow {
	int64_t id;
	char name[64];
	enum role role;
	char hash[crypto_pwhash_STRBYTES];
	int active;
	int failed;
	int64_t locked_until;
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void
sodium_start(void)
{
	sodium_status = sodium_init() < 0 ? -1 : 0;
}

static int
crypto_ready(struct session *s)
{
	pthread_once(&sodium_once, sodium_start);
	if (sodium_status != 0)
		return session_fail(s, DB_ERR, "cannot initialise libsodium");
	return 0;
}

static int
valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* A name made only of digits might be a PIN typed in the wrong field. */
static int
loggable_name(const char *name)
{
	const char *p;

	if (!valid_name(name))
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 1;
	}
	return 0;
}

static int
valid_pin(const char *pin)
{
	size_t i, n = strlen(pin);

	if (n < 4 || n > 12)
		return 0;
	for (i = 0; i < n; i++) {
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	}
	return 1;
}

/* Badge codes come from scanners: printable ASCII without spaces. */
static int
valid_badge(const char *badge)
{
	size_t i, n = strlen(badge);

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)badge[i] <= 0x20 || (unsigned char)badge[i] >= 0x7f)
			return 0;
	}
	return 1;
}

static int
pin_hash(struct session *s, const char *pin, char out[crypto_pwhash_STRBYTES])
{
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

	if (getenv("PACKBENCH_TEST_FAST_HASH") != NULL) {
		ops = crypto_pwhash_OPSLIMIT_MIN;
		mem = crypto_pwhash_MEMLIMIT_MIN;
	}
	if (crypto_pwhash_str_alg(out, pin, strlen(pin), ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return session_fail(s, DB_ERR, "cannot hash the PIN: out of memory");
	return 0;
}

/* Load by name (by_badge 0) or badge: DB_ROW, DB_DONE when absent, or negative. */
static int
load(struct db *db, struct urow *u, int by_badge, const char *key)
{
	static const char *const sql[] = {
		"SELECT id, name, role, pin_hash, active, failed, locked_until "
		    "FROM app_user WHERE name = ?",
		"SELECT id, name, role, pin_hash, active, failed, locked_until "
		    "FROM app_user WHERE badge = ?",
	};
	struct db_stmt *st;
	int rc;

	memset(u, 0, sizeof *u);
	if ((st = db_prep(db, sql[by_badge != 0])) == NULL)
		return DB_ERR;
	db_bind_text(st, 1, key);
	if ((rc = db_step(st)) == DB_ROW) {
		u->id = db_col_int(st, 0);
		snprintf(u->name, sizeof u->name, "%s", db_col_text(st, 1));
		u->role = role_parse(db_col_text(st, 2));
		snprintf(u->hash, sizeof u->hash, "%s", db_col_text(st, 3));
		u->active = (int)db_col_int(st, 4);
		u->failed = (int)db_col_int(st, 5);
		u->locked_until = db_col_int(st, 6);
	}
	db_done(st);
	return rc;
}

int
user_add(struct session *s, const char *name, enum role role, const char *pin,
    const char *badge)
{
	char hash[crypto_pwhash_STRBYTES], after[160];
	int64_t id;
	int rc;

	if ((rc = session_require(s, ROLE_ADMIN, "add a user")) != 0)
		return rc;
	if (!valid_name(name))
		return session_fail(s, DB_EINVAL, "user add: a user name is 1 to 63 characters "
		    "of A-Z a-z 0-9 . _ -");
	if (role < ROLE_PACKER || role > ROLE_ADMIN)
		return session_fail(s, DB_EINVAL, "user add %s: the role must be packer, "
		    "supervisor or admin", name);
	if (!valid_pin(pin))
		return session_fail(s, DB_EINVAL, "user add %s: a PIN is 4 to 12 digits", name);
	if (badge != NULL && badge[0] == '\0')
		badge = NULL;
	if (badge != NULL && !valid_badge(badge))
		return session_fail(s, DB_EINVAL, "user add %s: a badge code is 1 to 63 "
		    "printable characters without spaces", name);
	if ((rc = crypto_ready(s)) != 0 || (rc = pin_hash(s, pin, hash)) != 0)
		return rc;

	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "user add %s: %s", name, db_errmsg(s->db));
	rc = db_int(s->db, &id, "SELECT id FROM app_user WHERE name = ?", "s", name);
	if (rc == 0) {
		rc = session_fail(s, DB_ECONSTRAINT, "user add %s: a user of that name "
		    "already exists", name);
		goto fail;
	}
	if (rc == DB_ENOTFOUND && badge != NULL) {
		rc = db_int(s->db, &id, "SELECT id FROM app_user WHERE badge = ?", "s", badge);
		if (rc == 0) {
			rc = session_fail(s, DB_ECONSTRAINT, "user add %s: that badge is "
			    "already assigned to another user", name);
			goto fail;
		}
	}
	if (rc != DB_ENOTFOUND)
		goto fail_db;
	rc = db_run(s->db, "INSERT INTO app_user(name, role, pin_hash, badge, created_at) "
	    "VALUES (?, ?, ?, ?, ?)", "ssssi", name, role_name(role), hash, badge, clock_now());
	if (rc != 0)
		goto fail_db;
	id = db_last_id(s->db);
	snprintf(after, sizeof after, "{\"name\":\"%s\",\"role\":\"%s\",\"badge\":%s}", name,
	    role_name(role), badge != NULL ? "true" : "false");
	if ((rc = audit_log(s, "user", id, "add", NULL, after)) != 0)
		goto fail;
	rc = db_commit(s->db);
	sodium_memzero(hash, sizeof hash);
	if (rc != 0)
		return session_fail(s, rc, "user add %s: %s", name, db_errmsg(s->db));
	return 0;
fail_db:
	session_fail(s, rc < 0 ? rc : DB_ERR, "user add %s: %s", name, db_errmsg(s->db));
	rc = rc < 0 ? rc : DB_ERR;
fail:
	db_rollback(s->db);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int
user_passwd(struct session *s, const char *name, const char *pin)
{
	char hash[crypto_pwhash_STRBYTES], after[32];
	struct urow u;
	int rc, self;

	if ((rc = load(s->db, &u, 0, name)) < 0)
		return session_fail(s, rc, "user passwd: %s", db_errmsg(s->db));
	self = rc == DB_ROW && s->user_id != 0 && s->user_id == u.id;
	/* The role check comes first so that a packer cannot probe for names. */
	if (!self && (rc = session_require(s, ROLE_ADMIN, "set another user's PIN")) != 0)
		return rc;
	if (u.id == 0)
		return session_fail(s, DB_ENOTFOUND, "user passwd %s: no such user",
		    valid_name(name) ? name : "?");
	if (!valid_pin(pin))
		return session_fail(s, DB_EINVAL, "user passwd %s: a PIN is 4 to 12 digits",
		    u.name);
	if ((rc = crypto_ready(s)) != 0 || (rc = pin_hash(s, pin, hash)) != 0)
		return rc;

	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "user passwd %s: %s", u.name, db_errmsg(s->db));
	/* A new PIN also lifts a lock: that is how an admin unlocks someone at once. */
	rc = db_run(s->db, "UPDATE app_user SET pin_hash = ?, failed = 0, locked_until = 0 "
	    "WHERE id = ?", "si", hash, u.id);
	sodium_memzero(hash, sizeof hash);
	if (rc != 0) {
		session_fail(s, rc, "user passwd %s: %s", u.name, db_errmsg(s->db));
		db_rollback(s->db);
		return rc;
	}
	snprintf(after, sizeof after, "{\"by\":\"%s\"}", self ? "self" : role_name(s->role));
	if ((rc = audit_log(s, "user", u.id, "passwd", NULL, after)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "user passwd %s: %s", u.name, db_errmsg(s->db));
	return 0;
}

/* An admin change to a user's row: the role check, the user, a transaction begun. */
static int
admin_begin(struct session *s, const char *what, const char *name, struct urow *u)
{
	int rc;

	if ((rc = session_require(s, ROLE_ADMIN, what)) != 0)
		return rc;
	if ((rc = load(s->db, u, 0, name)) < 0)
		return session_fail(s, rc, "user %s: %s", what, db_errmsg(s->db));
	if (u->id == 0)
		return session_fail(s, DB_ENOTFOUND, "user %s: no such user",
		    valid_name(name) ? name : "?");
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "user %s: %s", u->name, db_errmsg(s->db));
	return 0;
}

/* The change made (rc 0): audited and committed; else rolled back. */
static int
admin_end(struct session *s, const char *what, const struct urow *u, int rc,
    const char *after)
{
	if (rc != 0) {
		session_fail(s, rc, "user %s: %s", u->name, db_errmsg(s->db));
		db_rollback(s->db);
		return rc;
	}
	if ((rc = audit_log(s, "user", u->id, what, NULL, after)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "user %s: %s", u->name, db_errmsg(s->db));
	return 0;
}

int
user_set_role(struct session *s, const char *name, enum role role)
{
	char after[48];
	int64_t admins = 0;
	struct urow u;
	int rc;

	if ((rc = session_require(s, ROLE_ADMIN, "change a user's role")) != 0)
		return rc;
	if (role != ROLE_PACKER && role != ROLE_SUPERVISOR && role != ROLE_ADMIN)
		return session_fail(s, DB_EINVAL, "user role: a role is packer, supervisor or "
		    "admin");
	if (s->user_id != 0 && strcmp(s->user, name) == 0 && role != ROLE_ADMIN)
		return session_fail(s, DB_EINVAL, "user role: an admin cannot take away their "
		    "own admin role");
	if (role != ROLE_ADMIN && db_int(s->db, &admins, "SELECT count(*) FROM app_user WHERE "
	    "role = 'admin' AND active = 1 AND name <> ?", "s", name) == 0 && admins == 0 &&
	    db_int(s->db, &admins, "SELECT count(*) FROM app_user WHERE role = 'admin' AND "
	    "name = ?", "s", name) == 0 && admins > 0)
		return session_fail(s, DB_EINVAL, "user role: %s is the last admin", name);
	if ((rc = admin_begin(s, "change a user's role", name, &u)) != 0)
		return rc;
	snprintf(after, sizeof after, "{\"role\":\"%s\"}", role_name(role));
	rc = db_run(s->db, "UPDATE app_user SET role = ? WHERE id = ?", "si", role_name(role),
	    u.id);
	return admin_end(s, "role", &u, rc, after);
}

int
user_unlock(struct session *s, const char *name)
{
	struct urow u;
	int rc;

	if ((rc = admin_begin(s, "unlock a user", name, &u)) != 0)
		return rc;
	rc = db_run(s->db, "UPDATE app_user SET failed = 0, locked_until = 0 WHERE id = ?", "i",
	    u.id);
	return admin_end(s, "unlock", &u, rc, NULL);
}

static void
locked_msg(struct session *s, const char *name, int64_t until, int64_t now)
{
	char at[32];

	clock_format(until, 0, at, sizeof at);
	session_fail(s, DB_ELOCKED, "user %s is locked after %d failed log-ins until %s UTC "
	    "(%" PRId64 " min left)", name, USER_MAX_FAILS, at, (until - now + 59) / 60);
}

/*
 * Record the outcome of a log-in attempt in one transaction. u is NULL for an unknown
 * user (name_hint is then recorded only when it cannot be a PIN). Returns 0 or a
 * negative status with out->err filled.
 */
static int
login_record(struct session *out, struct urow *u, const char *via, int ok,
    const char *name_hint)
{
	struct session a;
	char after[160];
	int64_t now = clock_now(), failed = 0;
	int rc, lock = 0;

	a = *out;
	snprintf(a.user, sizeof a.user, "%s", u != NULL ? u->name : "unknown");
	a.role = u != NULL ? u->role : ROLE_NONE;
	a.user_id = u != NULL ? u->id : 0;
	if ((rc = db_begin(a.db)) != 0)
		goto fail_db;
	if (u == NULL) {
		if (name_hint != NULL && loggable_name(name_hint))
			snprintf(after, sizeof after, "{\"via\":\"%s\",\"name\":\"%s\"}", via,
			    name_hint);
		else
			snprintf(after, sizeof after, "{\"via\":\"%s\"}", via);
		rc = audit_log(&a, "user", 0, "login_failed", NULL, after);
	} else if (ok) {
		rc = db_run(a.db, "UPDATE app_user SET failed = 0, locked_until = 0 WHERE id = ?",
		    "i", u->id);
		if (rc != 0)
			goto fail_db_tx;
		snprintf(after, sizeof after, "{\"via\":\"%s\"}", via);
		rc = audit_log(&a, "user", u->id, "login", NULL, after);
	} else {
		rc = db_run(a.db, "UPDATE app_user SET failed = failed + 1 WHERE id = ?", "i",
		    u->id);
		if (rc == 0)
			rc = db_int(a.db, &failed, "SELECT failed FROM app_user WHERE id = ?", "i",
			    u->id);
		if (rc == 0 && failed >= USER_MAX_FAILS) {
			lock = 1;
			u->locked_until = now + USER_LOCK_SECS;
			rc = db_run(a.db, "UPDATE app_user SET failed = 0, locked_until = ? "
			    "WHERE id = ?", "ii", u->locked_until, u->id);
		}
		if (rc != 0)
			goto fail_db_tx;
		snprintf(after, sizeof after, "{\"via\":\"%s\",\"failed\":%" PRId64 "}", via,
		    failed);
		rc = audit_log(&a, "user", u->id, "login_failed", NULL, after);
		if (rc == 0 && lock) {
			snprintf(after, sizeof after, "{\"locked_until\":%" PRId64 "}",
			    u->locked_until);
			rc = audit_log(&a, "user", u->id, "lock", NULL, after);
		}
	}
	if (rc != 0) {
		db_rollback(a.db);
		return session_fail(out, rc, "%s", a.err);
	}
	if ((rc = db_commit(a.db)) != 0)
		goto fail_db;
	if (ok)
		return 0;
	if (lock) {
		locked_msg(out, u->name, u->locked_until, now);
		return DB_ELOCKED;
	}
	return session_fail(out, DB_EPERM, "log-in failed: %s", strcmp(via, "badge") == 0 ?
	    "unknown badge" : "wrong user name or PIN");
fail_db_tx:
	session_fail(out, rc, "log-in: %s", db_errmsg(a.db));
	db_rollback(a.db);
	return rc;
fail_db:
	return session_fail(out, rc, "log-in: %s", db_errmsg(a.db));
}

static user_auth_fn auth_fn;
static void *auth_arg;
static const char *auth_via = "pin";

void
user_set_authenticator(user_auth_fn fn, void *arg, const char *via)
{
	auth_fn = fn;
	auth_arg = arg;
	auth_via = fn != NULL && via != NULL ? via : "pin";
}

/* Log-in by name and PIN (or the site's check), or by badge when pin is NULL. */
static int
login(struct db *db, struct session *out, const char *key, const char *pin,
    const char *station)
{
	char scratch[crypto_pwhash_STRBYTES];
	const char *via = pin != NULL ? auth_via : "badge";
	struct session a;
	struct urow u;
	int64_t now;
	int rc, found, ok;

	assert(db != NULL && key != NULL);
	memset(out, 0, sizeof *out);
	out->db = db;
	snprintf(out->station, sizeof out->station, "%s", station != NULL ? station : "");
	if ((rc = crypto_ready(out)) != 0)
		return rc;
	if ((rc = load(db, &u, pin == NULL, key)) < 0)
		return session_fail(out, rc, "log-in: %s", db_errmsg(db));
	found = rc == DB_ROW && u.active && u.role != ROLE_NONE;

	now = clock_now();
	if (found && u.locked_until > now) {
		a = *out;
		snprintf(a.user, sizeof a.user, "%s", u.name);
		a.user_id = u.id;
		a.role = u.role;
		if ((rc = db_begin(db)) != 0)
			return session_fail(out, rc, "log-in: %s", db_errmsg(db));
		if ((rc = audit_log(&a, "user", u.id, "login_refused", NULL,
		    "{\"reason\":\"locked\"}")) != 0) {
			db_rollback(db);
			return session_fail(out, rc, "%s", a.err);
		}
		if ((rc = db_commit(db)) != 0)
			return session_fail(out, rc, "log-in: %s", db_errmsg(db));
		locked_msg(out, u.name, u.locked_until, now);
		return DB_ELOCKED;
	}

	if (pin == NULL)
		ok = found;
	else if (found && auth_fn != NULL)
		ok = auth_fn(u.name, pin, auth_arg) == 0;
	else if (found)
		ok = crypto_pwhash_str_verify(u.hash, pin, strlen(pin)) == 0;
	else {
		/* Spend the same effort as a real check so timing tells nothing. */
		if (pin_hash(out, pin, scratch) != 0)
			return DB_ERR;
		ok = 0;
	}
	sodium_memzero(u.hash, sizeof u.hash);

	if ((rc = login_record(out, found ? &u : NULL, via, ok,
	    pin != NULL ? key : NULL)) != 0)
		return rc;
	out->user_id = u.id;
	out->role = u.role;
	snprintf(out->user, sizeof out->user, "%s", u.name);
	return 0;
}

int
user_login(struct db *db, struct session *out, const char *name, const char *pin,
    const char *station)
{
	return login(db, out, name, pin, station);
}

int
user_login_badge(struct db *db, struct session *out, const char *badge,
    const char *station)
{
	return login(db, out, badge, NULL, station);
}

int
user_list(struct session *s, struct user_row **rows, size_t *n)
{
	struct user_row *r = NULL, *row;
	struct db_stmt *st;
	size_t cap = 0, len = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "list users")) != 0)
		return rc;
	st = db_prep(s->db, "SELECT id, name, role, badge, active, failed, locked_until "
	    "FROM app_user ORDER BY name");
	if (st == NULL)
		return session_fail(s, DB_ERR, "user list: %s", db_errmsg(s->db));
	while ((rc = db_step(st)) == DB_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			r = xrealloc(r, cap * sizeof *r);
		}
		row = &r[len++];
		memset(row, 0, sizeof *row);
		row->id = db_col_int(st, 0);
		snprintf(row->name, sizeof row->name, "%s", db_col_text(st, 1));
		row->role = role_parse(db_col_text(st, 2));
		snprintf(row->badge, sizeof row->badge, "%s", db_col_text(st, 3));
		row->active = (int)db_col_int(st, 4);
		row->failed = (int)db_col_int(st, 5);
		row->locked_until = db_col_int(st, 6);
	}
	db_done(st);
	if (rc < 0) {
		free(r);
		return session_fail(s, rc, "user list: %s", db_errmsg(s->db));
	}
	*rows = r;
	*n = len;
	return 0;
}

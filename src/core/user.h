/*
 * user.h — operators, roles and log-in.
 *
 * PINs are stored as Argon2id hashes (libsodium crypto_pwhash_str). Five failed log-ins
 * in a row lock the user for five minutes. Adding users and resetting other users' PINs
 * needs the admin role.
 */
#ifndef PB_USER_H
#define PB_USER_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define USER_MAX_FAILS 5
#define USER_LOCK_SECS 300

/* PIN: 4 to 12 digits. badge may be NULL. */
int user_add(struct session *s, const char *name, enum role role, const char *pin,
    const char *badge);
/* Set a user's PIN: admin, or the user themself. */
int user_passwd(struct session *s, const char *name, const char *pin);

/*
 * Log in on a station: on success fill *out (a session on db for that user) and
 * return 0. Wrong PIN: DB_EPERM; locked: DB_ELOCKED (out->err says until when).
 * Failures and successes are audited.
 */
int user_login(struct db *db, struct session *out, const char *name, const char *pin,
    const char *station);
int user_login_badge(struct db *db, struct session *out, const char *badge,
    const char *station);

/*
 * A site's own password check (PAM) instead of the stored PIN for log-ins by name:
 * fn(name, secret, arg) returns 0 when the secret is right. The user must still exist
 * and be active in packbench, whose role, failure count and lock apply; badges are
 * unchanged. via names it in the audit ("pam"). NULL goes back to PINs. Set once at
 * start-up.
 */
typedef int (*user_auth_fn)(const char *name, const char *secret, void *arg);
void user_set_authenticator(user_auth_fn fn, void *arg, const char *via);

/* Change a user's role. Admin; not one's own admin role, not the last admin. */
int user_set_role(struct session *s, const char *name, enum role role);
/* Clear failed log-ins and a lock. Admin. */
int user_unlock(struct session *s, const char *name);

struct user_row {
	int64_t id;
	char name[64];
	enum role role;
	char badge[64];
	int active;
	int failed;
	int64_t locked_until;
};

/* All users; *rows owned by the caller (free()). Supervisor or above. */
int user_list(struct session *s, struct user_row **rows, size_t *n);

#endif

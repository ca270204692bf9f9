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

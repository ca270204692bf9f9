/*
 * session.h — who is doing what, where: the context every core operation takes.
 *
 * A session carries the database, the acting user and role, the station, and a
 * caller-owned buffer for the one-line error message of the last failed call. Core
 * functions check the role themselves (RBAC is never only a UI matter).
 */
#ifndef PB_SESSION_H
#define PB_SESSION_H

#include <stdint.h>

struct db;

enum role {
	ROLE_NONE = 0,
	ROLE_PACKER = 1,
	ROLE_SUPERVISOR = 2,
	ROLE_ADMIN = 3,
	ROLE_SYSTEM = 4,     /* the program itself: imports, sync, migrations run by admin CLI */
};

struct session {
	struct db *db;
	int64_t user_id;     /* 0 for the system */
	char user[64];
	enum role role;
	char station[32];
	char err[512];       /* one line describing the last failure */
};

/* A session acting as the system (CLI maintenance, imports, sync) at station. */
void session_system(struct session *s, struct db *db, const char *station);

/* Fill s->err and return status (negative) so callers can `return session_fail(...)`. */
int session_fail(struct session *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 0 when the session's role is at least min, else DB_EPERM with s->err filled. */
int session_require(struct session *s, enum role min, const char *what);

const char *role_name(enum role r);
/* ROLE_NONE when the name is unknown. */
enum role role_parse(const char *name);

#endif

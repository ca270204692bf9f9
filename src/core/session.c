/* session.c — the acting user, role checks and the one-line error buffer. */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

void
session_system(struct session *s, struct db *db, const char *station)
{
	memset(s, 0, sizeof *s);
	s->db = db;
	s->role = ROLE_SYSTEM;
	snprintf(s->user, sizeof s->user, "system");
	snprintf(s->station, sizeof s->station, "%s", station != NULL ? station : "cli");
}

int
session_fail(struct session *s, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return status;
}

int
session_require(struct session *s, enum role min, const char *what)
{
	if (s->role >= min)
		return 0;
	return session_fail(s, DB_EPERM, "%s: needs the %s role; %s is %s", what,
	    role_name(min), s->user[0] ? s->user : "nobody", role_name(s->role));
}

static const char *const role_names[] = {
	[ROLE_NONE] = "none",
	[ROLE_PACKER] = "packer",
	[ROLE_SUPERVISOR] = "supervisor",
	[ROLE_ADMIN] = "admin",
	[ROLE_SYSTEM] = "system",
};

const char *
role_name(enum role r)
{
	if ((unsigned)r < sizeof role_names / sizeof role_names[0])
		return role_names[r];
	return "none";
}

enum role
role_parse(const char *name)
{
	int r;

	for (r = ROLE_PACKER; r <= ROLE_ADMIN; r++) {
		if (strcmp(name, role_names[r]) == 0)
			return (enum role)r;
	}
	return ROLE_NONE;
}

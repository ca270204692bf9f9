/* trail.c — the audit log read back (trail.h). */
#include "trail.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "xalloc.h"

static int
has(const char *v)
{
	return v != NULL && v[0] != '\0';
}

int
trail_list(struct session *s, const struct trail_filter *f, struct trail_row **rows,
    size_t *n)
{
	static const struct trail_filter any;
	struct db_stmt *st;
	char eid[24];
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the audit log")) != 0)
		return rc;
	if (f == NULL)
		f = &any;
	snprintf(eid, sizeof eid, "%" PRId64, f->order_id);
	st = db_prep(s->db, "SELECT id, at, user_name, station, entity, entity_id, action, "
	    "before, after FROM audit WHERE (?1 = 0 OR (entity = 'order' AND entity_id = ?2)) "
	    "AND (?3 IS NULL OR user_name = ?3) AND (?4 IS NULL OR station = ?4) AND "
	    "at >= ?5 AND at < ?6 ORDER BY id DESC LIMIT ?7");
	if (st == NULL)
		return session_fail(s, DB_ERR, "audit: %s", db_errmsg(s->db));
	db_bind_int(st, 1, f->order_id);
	db_bind_text(st, 2, eid);
	db_bind_text(st, 3, has(f->user) ? f->user : NULL);
	db_bind_text(st, 4, has(f->station) ? f->station : NULL);
	db_bind_int(st, 5, f->from > 0 ? f->from : INT64_MIN);
	db_bind_int(st, 6, f->to > 0 ? f->to : INT64_MAX);
	db_bind_int(st, 7, f->limit > 0 ? f->limit : -1);
	while ((rc = db_step(st)) == DB_ROW) {
		struct trail_row *r;

		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		r = &(*rows)[(*n)++];
		r->id = db_col_int(st, 0);
		r->at = db_col_int(st, 1);
		snprintf(r->user, sizeof r->user, "%s", db_col_text(st, 2));
		snprintf(r->station, sizeof r->station, "%s", db_col_text(st, 3));
		snprintf(r->entity, sizeof r->entity, "%s", db_col_text(st, 4));
		snprintf(r->entity_id, sizeof r->entity_id, "%s", db_col_text(st, 5));
		snprintf(r->action, sizeof r->action, "%s", db_col_text(st, 6));
		snprintf(r->before, sizeof r->before, "%s", db_col_text(st, 7));
		snprintf(r->after, sizeof r->after, "%s", db_col_text(st, 8));
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return session_fail(s, rc, "audit: %s", db_errmsg(s->db));
	}
	return 0;
}

int
trail_verify(struct session *s, int64_t *count, int64_t *bad_id, char *msg, size_t len)
{
	int rc;

	*count = *bad_id = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the audit log")) != 0)
		return rc;
	rc = audit_verify(s->db, count, bad_id, msg, len);
	if (rc < 0)
		return session_fail(s, rc, "audit: %s", msg);
	return rc;
}

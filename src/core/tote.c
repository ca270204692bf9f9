/* tote.c — totes and pick lists (tote.h). */
#include "tote.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "order.h"
#include "xalloc.h"

static int
assign_locked(struct session *s, const char *code, const int64_t *orders, size_t n)
{
	struct db_stmt *st;
	char after[96];
	size_t i;
	int rc;

	if ((rc = db_run(s->db, "DELETE FROM tote WHERE code = ?", "s", code)) != 0)
		return session_fail(s, rc, "tote %s: %s", code, db_errmsg(s->db));
	for (i = 0; i < n; i++) {
		char no[64] = "", status[16] = "", held[64] = "";

		st = db_prep(s->db, "SELECT o.order_no, o.status, coalesce(t.code, '') "
		    "FROM orders o LEFT JOIN tote t ON t.order_id = o.id WHERE o.id = ?");
		if (st == NULL)
			return session_fail(s, DB_ERR, "tote %s: %s", code, db_errmsg(s->db));
		db_bind_int(st, 1, orders[i]);
		rc = db_step(st);
		if (rc == DB_ROW) {
			snprintf(no, sizeof no, "%s", db_col_text(st, 0));
			snprintf(status, sizeof status, "%s", db_col_text(st, 1));
			snprintf(held, sizeof held, "%s", db_col_text(st, 2));
		}
		db_done(st);
		if (rc != DB_ROW)
			return session_fail(s, DB_ENOTFOUND, "tote %s: order #%" PRId64 " does not "
			    "exist", code, orders[i]);
		if (held[0] != '\0')
			return session_fail(s, DB_EINVAL, "tote %s: order %s is already in tote %s",
			    code, no, held);
		if (strcmp(status, "CONFIRMED") != 0 && strcmp(status, "ALLOCATED") != 0 &&
		    strcmp(status, "PACKING") != 0)
			return session_fail(s, DB_ESTATE, "tote %s: order %s is %s, not waiting to "
			    "be packed", code, no, status);
		rc = db_run(s->db, "INSERT INTO tote(code, seq, order_id, assigned_at) "
		    "VALUES (?, ?, ?, ?)", "siii", code, (int64_t)i + 1, orders[i], clock_now());
		if (rc != 0)
			return session_fail(s, rc, "tote %s: %s", code, db_errmsg(s->db));
		snprintf(after, sizeof after, "{\"tote\":\"%.40s\",\"seq\":%zu}", code, i + 1);
		if ((rc = audit_log(s, "order", orders[i], "tote", "", after)) != 0)
			return rc;
	}
	return 0;
}

int
tote_assign(struct session *s, const char *code, const int64_t *orders, size_t n)
{
	size_t len = strlen(code), i;
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "fill a tote")) != 0)
		return rc;
	if (len == 0 || len >= sizeof ((struct tote_row *)0)->code)
		return session_fail(s, DB_EINVAL, "tote code must be 1 to 63 characters");
	for (i = 0; i < len; i++) {
		if ((unsigned char)code[i] <= ' ')
			return session_fail(s, DB_EINVAL, "tote code '%s' has a space or control "
			    "character", code);
	}
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "tote %s: %s", code, db_errmsg(s->db));
	if ((rc = assign_locked(s, code, orders, n)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "tote %s: %s", code, db_errmsg(s->db));
	return 0;
}

int
tote_next(struct session *s, const char *code, const char *station, int64_t wh,
    int64_t *order_id)
{
	struct db_stmt *st;
	int64_t total = 0;
	int rc;

	rc = db_int(s->db, &total, "SELECT count(*) FROM tote WHERE code = ?", "s", code);
	if (rc != 0)
		return session_fail(s, rc, "tote %s: %s", code, db_errmsg(s->db));
	if (total == 0)
		return session_fail(s, DB_ENOTFOUND, "no tote or pick list '%s'", code);
	/* ?3 = 0: a station of no warehouse takes any. A split order (route_part) is judged
	 * by its parts: one of this warehouse, not packed, free or held here. */
	st = db_prep(s->db, "SELECT o.id FROM tote t JOIN orders o ON o.id = t.order_id "
	    "WHERE t.code = ?1 AND ("
	    "(o.status = 'CONFIRMED' AND (?3 = 0 OR coalesce(o.route_warehouse_id, ?3) = ?3)) "
	    "OR (o.status IN ('ALLOCATED', 'PACKING') AND EXISTS (SELECT 1 FROM route_part r "
	    "WHERE r.order_id = o.id) AND EXISTS (SELECT 1 FROM route_part r WHERE "
	    "r.order_id = o.id AND (?3 = 0 OR r.warehouse_id = ?3) AND r.packed_at IS NULL "
	    "AND coalesce(r.packing_station, '') IN ('', ?2))) "
	    "OR (o.status IN ('ALLOCATED', 'PACKING') AND NOT EXISTS (SELECT 1 FROM route_part "
	    "r WHERE r.order_id = o.id) AND (?3 = 0 OR o.warehouse_id = ?3) AND "
	    "(o.status = 'ALLOCATED' OR coalesce(o.packing_station, '') IN ('', ?2)))) "
	    "ORDER BY t.seq LIMIT 1");
	if (st == NULL)
		return session_fail(s, DB_ERR, "tote %s: %s", code, db_errmsg(s->db));
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, station);
	db_bind_int(st, 3, wh);
	rc = db_step(st);
	if (rc == DB_ROW)
		*order_id = db_col_int(st, 0);
	db_done(st);
	if (rc == DB_DONE)
		return session_fail(s, DB_ESTATE, "tote %s: none of its %" PRId64 " order%s is "
		    "left to pack here", code, total, total == 1 ? "" : "s");
	return rc == DB_ROW ? 0 : session_fail(s, rc, "tote %s: %s", code, db_errmsg(s->db));
}

int
tote_release(struct session *s, int64_t order_id)
{
	int rc = db_run(s->db, "DELETE FROM tote WHERE order_id = ?", "i", order_id);

	return rc == 0 ? 0 : session_fail(s, rc, "tote: %s", db_errmsg(s->db));
}

int
tote_list(struct session *s, struct tote_row **rows, size_t *n)
{
	struct db_stmt *st;
	struct tote_row *r = NULL;
	size_t cnt = 0;
	int rc;

	st = db_prep(s->db, "SELECT t.code, t.seq, o.order_no, o.status FROM tote t "
	    "JOIN orders o ON o.id = t.order_id ORDER BY t.code, t.seq");
	if (st == NULL)
		return session_fail(s, DB_ERR, "tote list: %s", db_errmsg(s->db));
	while ((rc = db_step(st)) == DB_ROW) {
		r = xrealloc(r, (cnt + 1) * sizeof *r);
		snprintf(r[cnt].code, sizeof r[cnt].code, "%s", db_col_text(st, 0));
		r[cnt].seq = db_col_int(st, 1);
		snprintf(r[cnt].order_no, sizeof r[cnt].order_no, "%s", db_col_text(st, 2));
		snprintf(r[cnt].status, sizeof r[cnt].status, "%s", db_col_text(st, 3));
		cnt++;
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(r);
		return session_fail(s, rc, "tote list: %s", db_errmsg(s->db));
	}
	*rows = r;
	*n = cnt;
	return 0;
}

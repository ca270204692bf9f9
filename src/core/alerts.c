/* alerts.c — the status line's alerts (alerts.h). */
#include "alerts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "inventory.h"

int
alerts_read(struct session *s, int64_t wh, int64_t now, struct alerts *out)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	/* The partial index of open orders (schema 9), its WHERE repeated word for word. */
	rc = db_int(s->db, &out->due, "SELECT count(*) FROM orders o WHERE status IN ('NEW', "
	    "'CONFIRMED', 'ON_HOLD', 'ALLOCATED', 'PACKING', 'PACKED') AND o.ship_by >= ?1 AND "
	    "o.ship_by < ?2 AND (?3 = 0 OR o.warehouse_id = ?3 OR (o.warehouse_id IS NULL AND "
	    "o.shop_id IN (SELECT id FROM shop WHERE warehouse_id = ?3)))", "iii", now,
	    now + ALERTS_DUE_SECS, wh);
	if (rc != 0)
		return session_fail(s, rc, "alerts: %s", db_errmsg(s->db));
	if ((rc = inventory_low_count(s, wh, &out->low)) != 0)
		return rc;
	st = db_prep(s->db, "SELECT sh.shop_code, st.last_error FROM sync_state st JOIN shop sh "
	    "ON sh.id = st.shop_id WHERE st.last_error IS NOT NULL AND st.last_error <> '' AND "
	    "coalesce(st.last_error_at, 0) >= coalesce(st.last_ok_at, 0) AND (?1 = 0 OR "
	    "sh.warehouse_id IS NULL OR sh.warehouse_id = ?1) ORDER BY st.last_error_at DESC");
	if (st == NULL)
		return session_fail(s, DB_ERR, "alerts: %s", db_errmsg(s->db));
	db_bind_int(st, 1, wh);
	while ((rc = db_step(st)) == DB_ROW) {
		if (out->sync_bad++ == 0)
			snprintf(out->sync_error, sizeof out->sync_error, "%s %s", db_col_text(st, 0),
			    db_col_text(st, 1));
	}
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc, "alerts: %s", db_errmsg(s->db));
	return 0;
}

void
alerts_line(const struct alerts *a, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (a->due > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%" PRId64 " due <1h", a->due);
	if (a->low > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%s%" PRId64 " low stock", o ? " · " : "",
		    a->low);
	if (a->sync_bad > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%ssync: %s%s", o ? " · " : "",
		    a->sync_error, a->sync_bad > 1 ? " (+more)" : "");
}

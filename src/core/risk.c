/* risk.c — risk flags of an order (risk.h). */
#include "risk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

int
risk_flags(struct session *s, int64_t order_id, char *buf, size_t len)
{
	struct db_stmt *st;
	char phone[64] = "", currency[4] = "";
	int64_t cod = 0, refused = 0;
	size_t o = 0;
	int rc;

	buf[0] = '\0';
	st = db_prep(s->db, "SELECT cod, currency, buyer_phone FROM orders WHERE id = ?");
	if (st == NULL)
		return session_fail(s, DB_ERR, "risk: %s", db_errmsg(s->db));
	db_bind_int(st, 1, order_id);
	if ((rc = db_step(st)) == DB_ROW) {
		cod = db_col_int(st, 0);
		snprintf(currency, sizeof currency, "%s", db_col_text(st, 1));
		snprintf(phone, sizeof phone, "%s", db_col_text(st, 2));
	}
	db_done(st);
	if (rc != DB_ROW)
		return session_fail(s, rc == DB_DONE ? DB_ENOTFOUND : rc, "risk: order %" PRId64
		    " not found", order_id);
	if (strcmp(currency, "VND") == 0 && cod >= RISK_HIGH_COD_VND)
		o += (size_t)snprintf(buf + o, len - o, "HIGH COD");
	/* Parcels to the same phone that came back unpaid. */
	if (phone[0] != '\0' &&
	    db_int(s->db, &refused, "SELECT count(*) FROM orders WHERE buyer_phone = ? AND "
	    "id <> ? AND cod > 0 AND status IN ('RETURNING', 'RETURNED')", "si", phone,
	    order_id) == 0 && refused > 0 && o < len)
		snprintf(buf + o, len - o, "%sREFUSED COD x%" PRId64, o ? " · " : "", refused);
	return 0;
}

/*
 * sku.c — the SKU master: insert or update SKUs with their barcode sets (each change
 * audited with the record before and after), barcode look-up for scans, GTIN check
 * digits and the data-quality report behind `packbench skus check`.
 */
#include "sku.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "xalloc.h"

/* A growing string for the audit record's JSON. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static void
sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sbuf_add(struct sbuf *b, const char *s)
{
	sbuf_addn(b, s, strlen(s));
}

static void
sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sbuf_addn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* s as a JSON string (UTF-8 passes through; quotes, backslashes, controls escaped). */
static void
sbuf_json(struct sbuf *b, const char *s)
{
	const char *run = s;

	sbuf_add(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		sbuf_addn(b, run, (size_t)(s - run));
		if (ch == '"' || ch == '\\') {
			char esc[3] = { '\\', (char)ch, '\0' };

			sbuf_add(b, esc);
		} else
			sbuf_printf(b, "\\u%04x", ch);
		run = s + 1;
	}
	sbuf_addn(b, run, (size_t)(s - run));
	sbuf_add(b, "\"");
}

/* The fields of a SKU as the audit record shows them; barcodes are added after. */
static void
sku_json_head(struct sbuf *b, const char *name, int64_t weight_g, int lot_tracked,
    int64_t min_shelf_days, int64_t cost)
{
	sbuf_add(b, "{\"name\":");
	sbuf_json(b, name);
	if (weight_g >= 0)
		sbuf_printf(b, ",\"weight_g\":%" PRId64, weight_g);
	else
		sbuf_add(b, ",\"weight_g\":null");
	sbuf_printf(b, ",\"lot_tracked\":%d,\"min_shelf_days\":%" PRId64, lot_tracked ? 1 : 0,
	    min_shelf_days);
	if (cost >= 0)
		sbuf_printf(b, ",\"cost\":%" PRId64, cost);
	else
		sbuf_add(b, ",\"cost\":null");
	sbuf_add(b, ",\"barcodes\":[");
}

static void
sku_json_barcode(struct sbuf *b, int first, const char *code, int64_t pack_qty)
{
	char *packed;

	if (!first)
		sbuf_add(b, ",");
	if (pack_qty == 1) {
		sbuf_json(b, code);
		return;
	}
	packed = xasprintf("%s*%" PRId64, code, pack_qty);
	sbuf_json(b, packed);
	free(packed);
}

static int
sku_valid(struct session *s, const struct sku_in *in)
{
	size_t i, j;

	if (in->sku == NULL || in->sku[0] == '\0')
		return session_fail(s, DB_EINVAL, "SKU: the code is empty");
	if (strlen(in->sku) >= sizeof ((struct sku_issue *)0)->sku)
		return session_fail(s, DB_EINVAL, "SKU %.40s...: the code is longer than %zu "
		    "bytes", in->sku, sizeof ((struct sku_issue *)0)->sku - 1);
	if (in->name == NULL || in->name[0] == '\0')
		return session_fail(s, DB_EINVAL, "SKU %s: the name is empty", in->sku);
	if (in->weight_g < -1 || in->cost < -1 || in->min_shelf_days < 0)
		return session_fail(s, DB_EINVAL, "SKU %s: weight, cost and shelf days cannot "
		    "be negative", in->sku);
	for (i = 0; i < in->nbarcodes; i++) {
		const struct sku_barcode_in *bc = &in->barcodes[i];

		if (bc->code == NULL || bc->code[0] == '\0')
			return session_fail(s, DB_EINVAL, "SKU %s: empty barcode", in->sku);
		if (bc->pack_qty < 1)
			return session_fail(s, DB_EINVAL, "SKU %s: barcode %s: the pack "
			    "quantity must be at least 1", in->sku, bc->code);
		for (j = 0; j < i; j++) {
			if (strcmp(in->barcodes[j].code, bc->code) == 0)
				return session_fail(s, DB_EINVAL, "SKU %s: barcode %s is "
				    "listed twice", in->sku, bc->code);
		}
	}
	return 0;
}

/* The audit JSON of SKU id as stored now. */
static int
sku_json_stored(struct session *s, int64_t id, struct sbuf *b)
{
	struct db_stmt *st;
	int rc, first = 1;

	st = db_prep(s->db, "SELECT name, weight_g, lot_tracked, min_shelf_days, cost "
	    "FROM sku WHERE id = ?");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		sku_json_head(b, db_col_text(st, 0), db_col_null(st, 1) ? -1 : db_col_int(st, 1),
		    (int)db_col_int(st, 2), db_col_int(st, 3),
		    db_col_null(st, 4) ? -1 : db_col_int(st, 4));
	db_done(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : DB_ENOTFOUND;
	st = db_prep(s->db, "SELECT code, pack_qty FROM barcode WHERE sku_id = ? ORDER BY id");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		sku_json_barcode(b, first, db_col_text(st, 0), db_col_int(st, 1));
		first = 0;
	}
	db_done(st);
	sbuf_add(b, "]}");
	return rc < 0 ? rc : 0;
}

static void
bind_opt(struct db_stmt *st, int idx, int64_t v)
{
	if (v < 0)
		db_bind_null(st, idx);
	else
		db_bind_int(st, idx, v);
}

/* Run an INSERT or UPDATE taking the SKU's columns in table order (and id when > 0). */
static int
sku_write(struct session *s, const char *sql, const struct sku_in *in, int64_t id)
{
	struct db_stmt *st = db_prep(s->db, sql);
	int rc;

	if (st == NULL)
		return DB_ERR;
	db_bind_text(st, 1, in->sku);
	db_bind_text(st, 2, in->name);
	bind_opt(st, 3, in->weight_g);
	db_bind_int(st, 4, in->lot_tracked != 0);
	db_bind_int(st, 5, in->min_shelf_days);
	bind_opt(st, 6, in->cost);
	if (id > 0)
		db_bind_int(st, 7, id);
	rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

int
sku_upsert(struct session *s, const struct sku_in *in, int64_t *id)
{
	struct sbuf before = { 0 }, after = { 0 };
	int64_t sid = 0;
	size_t i;
	int rc, exists;

	if ((rc = session_require(s, ROLE_ADMIN, "change the SKU master")) != 0)
		return rc;
	if ((rc = sku_valid(s, in)) != 0)
		return rc;
	sku_json_head(&after, in->name, in->weight_g, in->lot_tracked, in->min_shelf_days,
	    in->cost);
	for (i = 0; i < in->nbarcodes; i++)
		sku_json_barcode(&after, i == 0, in->barcodes[i].code, in->barcodes[i].pack_qty);
	sbuf_add(&after, "]}");

	if ((rc = db_begin(s->db)) != 0) {
		session_fail(s, rc, "SKU %s: %s", in->sku, db_errmsg(s->db));
		goto out;
	}
	rc = db_int(s->db, &sid, "SELECT id FROM sku WHERE sku = ?", "s", in->sku);
	if (rc != 0 && rc != DB_ENOTFOUND)
		goto fail_db;
	exists = rc == 0;
	if (exists) {
		if ((rc = sku_json_stored(s, sid, &before)) != 0)
			goto fail_db;
		if (strcmp(before.p, after.p) == 0)
			goto done;      /* nothing to change, nothing to audit */
		rc = sku_write(s, "UPDATE sku SET sku = ?, name = ?, weight_g = ?, "
		    "lot_tracked = ?, min_shelf_days = ?, cost = ? WHERE id = ?", in, sid);
		if (rc == 0)
			rc = db_run(s->db, "DELETE FROM barcode WHERE sku_id = ?", "i", sid);
	} else {
		rc = sku_write(s, "INSERT INTO sku(sku, name, weight_g, lot_tracked, "
		    "min_shelf_days, cost) VALUES (?, ?, ?, ?, ?, ?)", in, 0);
		sid = db_last_id(s->db);
	}
	if (rc != 0)
		goto fail_db;
	for (i = 0; i < in->nbarcodes; i++) {
		rc = db_run(s->db, "INSERT INTO barcode(code, sku_id, pack_qty) VALUES (?, ?, ?)",
		    "sii", in->barcodes[i].code, sid, in->barcodes[i].pack_qty);
		if (rc != 0)
			goto fail_db;
	}
	if ((rc = audit_log(s, "sku", sid, exists ? "update" : "create",
	    exists ? before.p : NULL, after.p)) != 0)
		goto fail;
done:
	if ((rc = db_commit(s->db)) != 0) {
		session_fail(s, rc, "SKU %s: %s", in->sku, db_errmsg(s->db));
		goto out;
	}
	if (id != NULL)
		*id = sid;
	goto out;
fail_db:
	rc = session_fail(s, rc < 0 ? rc : DB_ERR, "SKU %s: %s", in->sku, db_errmsg(s->db));
fail:
	db_rollback(s->db);
out:
	free(before.p);
	free(after.p);
	return rc;
}

int
sku_find(struct session *s, const char *sku, int64_t *id)
{
	int rc = db_int(s->db, id, "SELECT id FROM sku WHERE sku = ?", "s", sku);

	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "unknown SKU %s", sku);
	if (rc != 0)
		return session_fail(s, rc, "SKU %s: %s", sku, db_errmsg(s->db));
	return 0;
}

/* Look code up among the codes given; 1 found, 0 not, negative on error. */
static int
barcode_lookup(struct session *s, const char *const codes[4], const char *shown,
    int64_t *sku_id, int64_t *pack_qty)
{
	struct db_stmt *st;
	int64_t first = 0, qty = 0;
	int rc, n = 0, i;

	st = db_prep(s->db, "SELECT sku_id, pack_qty FROM barcode WHERE code IN (?, ?, ?, ?) "
	    "ORDER BY length(code) DESC, id");
	if (st == NULL)
		return session_fail(s, DB_ERR, "barcode %s: %s", shown, db_errmsg(s->db));
	for (i = 0; i < 4; i++)
		db_bind_text(st, i + 1, codes[i]);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == 0) {
			first = db_col_int(st, 0);
			qty = db_col_int(st, 1);
		} else if (db_col_int(st, 0) != first) {
			n = -1;
			break;
		}
		n++;
	}
	db_done(st);
	if (rc < 0)
		return session_fail(s, rc, "barcode %s: %s", shown, db_errmsg(s->db));
	if (n < 0)
		return session_fail(s, DB_EINVAL, "barcode %s belongs to more than one SKU; "
		    "fix the SKU master (packbench skus check)", shown);
	if (n == 0)
		return 0;
	*sku_id = first;
	*pack_qty = qty;
	return 1;
}

/*
 * An exact match first; failing that, a GTIN matches its zero-padded forms (a GTIN-13
 * scanned out of a GS1 (01) element arrives as 14 digits).
 */
int
sku_by_barcode(struct session *s, const char *code, int64_t *sku_id, int64_t *pack_qty)
{
	static const size_t lens[] = { 14, 13, 12, 8 };
	const char *codes[4] = { code, NULL, NULL, NULL };
	char forms[4][15], full[15];
	size_t len = strlen(code), i, k = 1;
	int rc;

	if ((rc = barcode_lookup(s, codes, code, sku_id, pack_qty)) != 0)
		return rc < 0 ? rc : 0;
	if (gtin_check(code) < 0)
		return session_fail(s, DB_ENOTFOUND, "barcode %s is not in the SKU master", code);
	memset(full, '0', 14 - len);
	memcpy(full + 14 - len, code, len + 1);
	for (i = 0; i < 4; i++) {
		size_t cut = 14 - lens[i];

		if (lens[i] == len || strspn(full, "0") < cut)
			continue;
		snprintf(forms[k], sizeof forms[k], "%s", full + cut);
		codes[k] = forms[k];
		k++;
		if (k == 4)
			break;
	}
	if (k == 1 || (rc = barcode_lookup(s, codes, code, sku_id, pack_qty)) == 0)
		return session_fail(s, DB_ENOTFOUND, "barcode %s is not in the SKU master", code);
	return rc < 0 ? rc : 0;
}

int
gtin_check(const char *code)
{
	size_t len = strlen(code), i;
	int sum = 0, w = 3;

	if (len != 8 && len != 12 && len != 13 && len != 14)
		return -1;
	if (strspn(code, "0123456789") != len)
		return -1;
	/* Weights 3,1,3,... from the digit left of the check digit leftwards. */
	for (i = len - 1; i-- > 0; ) {
		sum += (code[i] - '0') * w;
		w = 4 - w;
	}
	return (10 - sum % 10) % 10 == code[len - 1] - '0';
}

struct issues {
	struct sku_issue *v;
	size_t n, cap;
};

static void issue_add(struct issues *is, const char *sku, const char *kind,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
issue_add(struct issues *is, const char *sku, const char *kind, const char *fmt, ...)
{
	struct sku_issue *it;
	va_list ap;

	if (is->n == is->cap) {
		is->cap = is->cap ? is->cap * 2 : 16;
		is->v = xrealloc(is->v, is->cap * sizeof *is->v);
	}
	it = &is->v[is->n++];
	snprintf(it->sku, sizeof it->sku, "%s", sku);
	snprintf(it->kind, sizeof it->kind, "%s", kind);
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof it->detail, fmt, ap);
	va_end(ap);
}

static int
issue_cmp(const void *a, const void *b)
{
	const struct sku_issue *x = a, *y = b;
	int c;

	if ((c = strcmp(x->sku, y->sku)) != 0)
		return c;
	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	return strcmp(x->detail, y->detail);
}

int
sku_check(struct session *s, struct sku_issue **issues, size_t *n)
{
	struct issues is = { 0 };
	struct db_stmt *st;
	int rc = DB_ERR;

	*issues = NULL;
	*n = 0;
	/* One row per SKU holding a code that another SKU holds too. */
	st = db_prep(s->db, "SELECT s.sku, b.code, (SELECT group_concat(sku, ', ') FROM "
	    "(SELECT s2.sku AS sku FROM barcode b2 JOIN sku s2 ON s2.id = b2.sku_id "
	    "WHERE b2.code = b.code AND b2.sku_id <> b.sku_id ORDER BY s2.sku)) "
	    "FROM barcode b JOIN sku s ON s.id = b.sku_id WHERE EXISTS (SELECT 1 FROM "
	    "barcode b3 WHERE b3.code = b.code AND b3.sku_id <> b.sku_id)");
	if (st == NULL)
		goto fail_db;
	while ((rc = db_step(st)) == DB_ROW)
		issue_add(&is, db_col_text(st, 0), "duplicate-barcode", "barcode %s is also on %s",
		    db_col_text(st, 1), db_col_text(st, 2));
	db_done(st);
	if (rc < 0)
		goto fail_db;

	st = db_prep(s->db, "SELECT sku FROM sku s WHERE NOT EXISTS (SELECT 1 FROM barcode b "
	    "WHERE b.sku_id = s.id)");
	if (st == NULL)
		goto fail_db;
	while ((rc = db_step(st)) == DB_ROW)
		issue_add(&is, db_col_text(st, 0), "missing-barcode", "no barcode");
	db_done(st);
	if (rc < 0)
		goto fail_db;

	st = db_prep(s->db, "SELECT s.sku, b.code FROM barcode b JOIN sku s ON s.id = b.sku_id "
	    "WHERE length(b.code) IN (8, 12, 13, 14) AND b.code NOT GLOB '*[^0-9]*'");
	if (st == NULL)
		goto fail_db;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *code = db_col_text(st, 1);

		if (gtin_check(code) == 0)
			issue_add(&is, db_col_text(st, 0), "bad-gtin", "barcode %s: wrong GTIN-%zu "
			    "check digit", code, strlen(code));
	}
	db_done(st);
	if (rc < 0)
		goto fail_db;

	st = db_prep(s->db, "SELECT sku, weight_g FROM sku WHERE weight_g IS NULL OR "
	    "weight_g = 0");
	if (st == NULL)
		goto fail_db;
	while ((rc = db_step(st)) == DB_ROW)
		issue_add(&is, db_col_text(st, 0), "missing-weight", "%s",
		    db_col_null(st, 1) ? "no weight" : "weight is 0 g");
	db_done(st);
	if (rc < 0)
		goto fail_db;

	if (is.n > 1)
		qsort(is.v, is.n, sizeof *is.v, issue_cmp);
	*issues = is.v;
	*n = is.n;
	return 0;
fail_db:
	free(is.v);
	return session_fail(s, rc < 0 ? rc : DB_ERR, "skus check: %s", db_errmsg(s->db));
}

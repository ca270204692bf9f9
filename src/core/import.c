/*
 * import.c — all-or-nothing CSV loads of SKUs, stock and orders.
 *
 * The file is read as a stream (csv.c) inside one transaction; every row is checked and
 * applied through the owning module (sku_upsert, stock_receive, order_upsert), and the
 * first problem rolls the whole file back with "FILE:LINE: column: what is wrong".
 * Orders come one row per line; rows sharing channel, shop and order_no are one order
 * wherever they stand in the file, so orders are gathered in memory and applied once
 * the whole file has been read. Duplicate keys are found with hash tables, so the cost
 * grows linearly with the file.
 */
#include "import.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "csv.h"
#include "db.h"
#include "order.h"
#include "route.h"
#include "sku.h"
#include "stock.h"
#include "xalloc.h"

#define MONEY_MAX INT64_C(1000000000000000)    /* 10^15 minor units */
#define CODE_MAX 63                             /* SKU, warehouse, lot, order codes */

static const char *const skus_cols[] = {
	"sku", "name", "barcodes", "weight_g", "lot_tracked", "min_shelf_days", "cost", NULL,
};
enum { SK_SKU, SK_NAME, SK_BARCODES, SK_WEIGHT, SK_LOT_TRACKED, SK_SHELF, SK_COST };

static const char *const stock_cols[] = {
	"warehouse", "sku", "lot", "expiry", "qty", NULL,
};
enum { SC_WAREHOUSE, SC_SKU, SC_LOT, SC_EXPIRY, SC_QTY };

static const char *const orders_cols[] = {
	"channel", "shop", "order_no", "created_at", "ship_by", "status", "cod", "currency",
	"total", "buyer_name", "buyer_phone", "address", "district", "province", "sku", "qty",
	"unit_price", NULL,
};
enum {
	OC_CHANNEL, OC_SHOP, OC_ORDER_NO, OC_CREATED_AT, OC_SHIP_BY, OC_STATUS, OC_COD,
	OC_CURRENCY, OC_TOTAL, OC_BUYER_NAME, OC_BUYER_PHONE, OC_ADDRESS, OC_DISTRICT,
	OC_PROVINCE, OC_SKU, OC_QTY, OC_UNIT_PRICE, OC__COUNT
};

static const char *const kind_names[] = {
	[IMPORT_SKUS] = "skus",
	[IMPORT_STOCK] = "stock",
	[IMPORT_ORDERS] = "orders",
};

/* Strings that live as long as the import. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct arena {
	struct chunk *head;
};

/* Open-addressing hash table from string keys to numbers. */
struct ment {
	const char *key;
	uint64_t hash;
	int64_t val;
};

struct map {
	struct ment *v;
	size_t cap, n;
};

/* An order gathered from its rows. */
struct ord {
	struct order_in in;
	long line;                  /* its first row */
	struct order_line_in *lines;
	size_t nlines, cap;
};

struct imp {
	struct session *s;
	enum import_kind kind;
	const char *name;           /* the file as the user named it */
	struct csv *csv;
	const char *const *cols;
	size_t ncols;
	char header_text[256];
	int header_ok;
	long line;                  /* the row being looked at */
	struct import_stats st;

	char *row;                  /* the current row's fields, trimmed */
	size_t rowcap;
	char *f[OC__COUNT];
	char *kbuf;                 /* a key being built */
	size_t kcap;
	char q[2][64];              /* values quoted for messages */

	struct arena arena;
	struct map keys;            /* key of a row -> its line: duplicates */
	struct map skus;            /* SKU code -> id << 1 | lot_tracked */
	struct map whs;             /* warehouse code -> id */
	struct map omap;            /* order key -> index in ords */
	struct sku_barcode_in *bcs;
	size_t nbc, bccap;
	struct ord *ords;
	size_t nords, ordcap;
};

static char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	struct chunk *c = a->head;
	char *p;

	if (c == NULL || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;

		c = xmalloc(sizeof *c + cap);
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

static uint64_t
map_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
map_grow(struct map *m)
{
	struct ment *old = m->v;
	size_t oldcap = m->cap, i, j;

	m->cap = m->cap ? m->cap * 2 : 256;
	m->v = xcalloc(m->cap, sizeof *m->v);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		for (j = old[i].hash & (m->cap - 1); m->v[j].key != NULL; j = (j + 1) & (m->cap - 1))
			;
		m->v[j] = old[i];
	}
	free(old);
}

/* The entry of key, or NULL. */
static struct ment *
map_get(struct map *m, const char *key)
{
	uint64_t h = map_hash(key);
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = h & (m->cap - 1); m->v[i].key != NULL; i = (i + 1) & (m->cap - 1)) {
		if (m->v[i].hash == h && strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	}
	return NULL;
}

/* The entry of key; a new one holding val when there was none (*added set to 1). */
static struct ment *
map_put(struct map *m, struct arena *a, const char *key, int64_t val, int *added)
{
	struct ment *e;
	size_t i;

	if ((e = map_get(m, key)) != NULL) {
		*added = 0;
		return e;
	}
	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	for (i = map_hash(key) & (m->cap - 1); m->v[i].key != NULL; i = (i + 1) & (m->cap - 1))
		;
	e = &m->v[i];
	e->key = arena_strndup(a, key, strlen(key));
	e->hash = map_hash(key);
	e->val = val;
	m->n++;
	*added = 1;
	return e;
}

/* v in quotes for a message: short, on one line, cut on a character boundary. */
static const char *
qv(struct imp *im, int slot, const char *v)
{
	char *o = im->q[slot];
	size_t n = 0, max = 48;

	o[n++] = '"';
	for (; *v != '\0' && n < max; v++)
		o[n++] = (unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v;
	if (*v != '\0') {
		if (((unsigned char)*v & 0xc0) == 0x80) {
			while (n > 1 && ((unsigned char)o[n - 1] & 0xc0) == 0x80)
				n--;
			if (n > 1)
				n--;
		}
		memcpy(o + n, "...", 3);
		n += 3;
	}
	o[n++] = '"';
	o[n] = '\0';
	return o;
}

static int imp_vfail(struct imp *im, int status, const char *col, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

static int
imp_vfail(struct imp *im, int status, const char *col, const char *fmt, va_list ap)
{
	char what[400];

	vsnprintf(what, sizeof what, fmt, ap);
	if (col != NULL)
		return session_fail(im->s, status, "%s:%ld: %s: %s", im->name, im->line, col, what);
	return session_fail(im->s, status, "%s:%ld: %s", im->name, im->line, what);
}

/* Fail the import at the current line about column col (-1: none). */
static int
imp_fail(struct imp *im, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
imp_fail(struct imp *im, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = imp_vfail(im, DB_EINVAL, col >= 0 ? im->cols[col] : NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* The same with a status and a column given by name. */
static int
imp_failn(struct imp *im, int status, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
imp_failn(struct imp *im, int status, const char *col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = imp_vfail(im, status, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* A core call failed on this row: its message, placed at the row and column. */
static int
imp_core_fail(struct imp *im, int status, int col)
{
	char err[sizeof im->s->err];

	snprintf(err, sizeof err, "%s", im->s->err);
	return imp_failn(im, status < 0 ? status : DB_ERR, im->cols[col], "%s", err);
}

/* The reader failed: its message, at its line and field. */
static int
imp_csv_fail(struct imp *im)
{
	long f = csv_error_field(im->csv);
	char colname[32];
	const char *col = NULL;

	im->line = csv_error_line(im->csv);
	if (!im->header_ok)
		col = "header";
	else if (f >= 0 && (size_t)f < im->ncols)
		col = im->cols[f];
	else if (f >= 0) {
		snprintf(colname, sizeof colname, "column %ld", f + 1);
		col = colname;
	}
	return imp_failn(im, DB_EINVAL, col, "%s", csv_error(im->csv));
}

static int
check_header(struct imp *im)
{
	struct csv *c = im->csv;
	size_t n = csv_header_count(c), i;

	im->line = csv_line(c);
	for (i = 0; i < im->ncols; i++) {
		if (i >= n)
			return imp_fail(im, (int)i, "missing column (the header must be %s)",
			    im->header_text);
		if (strcmp(csv_header_name(c, i), im->cols[i]) != 0)
			return imp_fail(im, (int)i, "column %zu is %s, expected %s (the header "
			    "must be %s)", i + 1, qv(im, 0, csv_header_name(c, i)), im->cols[i],
			    im->header_text);
	}
	if (n > im->ncols)
		return imp_failn(im, DB_EINVAL, "header", "unexpected column %zu %s (the header "
		    "must be %s)", im->ncols + 1, qv(im, 0, csv_header_name(c, im->ncols)),
		    im->header_text);
	im->header_ok = 1;
	return 0;
}

/* Copy the current record's fields into row, without surrounding blanks. */
static void
row_load(struct imp *im)
{
	size_t i, need = 0, at = 0;

	for (i = 0; i < im->ncols; i++)
		need += csv_field_len(im->csv, i) + 1;
	if (need > im->rowcap) {
		im->rowcap = need * 2;
		im->row = xrealloc(im->row, im->rowcap);
	}
	for (i = 0; i < im->ncols; i++) {
		const char *v = csv_field(im->csv, i);
		size_t len = csv_field_len(im->csv, i);

		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		im->f[i] = im->row + at;
		memcpy(im->row + at, v, len);
		im->row[at + len] = '\0';
		at += len + 1;
	}
}

/* Join fields with the unit separator (codes cannot contain it) into kbuf. */
static const char *
make_key(struct imp *im, const int *cols, int n)
{
	size_t need = 1, at = 0;
	int i;

	for (i = 0; i < n; i++)
		need += strlen(im->f[cols[i]]) + 1;
	if (need > im->kcap) {
		im->kcap = need * 2;
		im->kbuf = xrealloc(im->kbuf, im->kcap);
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(im->f[cols[i]]);

		if (i > 0)
			im->kbuf[at++] = '\x1f';
		memcpy(im->kbuf + at, im->f[cols[i]], len);
		at += len;
	}
	im->kbuf[at] = '\0';
	return im->kbuf;
}

/* A code: 1..CODE_MAX bytes without control characters (empty allowed if empty_ok). */
static int
get_code(struct imp *im, int col, int empty_ok)
{
	const unsigned char *p = (const unsigned char *)im->f[col];

	if (*p == '\0')
		return empty_ok ? 0 : imp_fail(im, col, "is empty");
	if (strlen(im->f[col]) > CODE_MAX)
		return imp_fail(im, col, "%s is longer than %d bytes", qv(im, 0, im->f[col]),
		    CODE_MAX);
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return imp_fail(im, col, "%s contains a control character",
			    qv(im, 0, im->f[col]));
	}
	return 0;
}

/* A whole number in lo..hi; an empty field gives dflt when empty_ok. */
static int
get_int(struct imp *im, int col, int64_t lo, int64_t hi, int empty_ok, int64_t dflt,
    int64_t *out)
{
	const char *v = im->f[col], *p = v;
	uint64_t n = 0;
	int neg = 0, big = 0;
	int64_t x;

	if (*v == '\0') {
		if (!empty_ok)
			return imp_fail(im, col, "is empty (a whole number is needed)");
		*out = dflt;
		return 0;
	}
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (*p == '\0')
		return imp_fail(im, col, "%s is not a whole number", qv(im, 0, v));
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return imp_fail(im, col, "%s is not a whole number", qv(im, 0, v));
		if (n > UINT64_C(1000000000000000000))
			big = 1;
		else
			n = n * 10 + (uint64_t)(*p - '0');
	}
	x = big || n > UINT64_C(1000000000000000000) ? INT64_MAX : (int64_t)n;
	if (neg)
		x = -x;
	if (x < lo || x > hi)
		return imp_fail(im, col, "%s is out of range (%" PRId64 " to %" PRId64 ")",
		    qv(im, 0, v), lo, hi);
	*out = x;
	return 0;
}

/* 0/1, true/false, yes/no (any case); empty is 0. */
static int
get_bool(struct imp *im, int col, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "y", NULL };
	static const char *const no[] = { "", "0", "false", "no", "n", NULL };
	const char *v = im->f[col];
	int i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	}
	for (i = 0; no[i] != NULL; i++) {
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return imp_fail(im, col, "%s is not 0 or 1 (or true/false, yes/no)", qv(im, 0, v));
}

/* YYYY-MM-DD as midnight UTC; empty gives 0. */
static int
get_date(struct imp *im, int col, int64_t *out)
{
	const char *v = im->f[col];

	*out = 0;
	if (*v == '\0')
		return 0;
	if (strlen(v) != 10 || clock_parse_iso(v, 0, out) != 0)
		return imp_fail(im, col, "%s is not a date (YYYY-MM-DD)", qv(im, 0, v));
	if (*out <= 0)
		return imp_fail(im, col, "%s is not a plausible date", qv(im, 0, v));
	return 0;
}

/* An ISO 8601 time with a zone offset or Z; empty gives 0 when empty_ok. */
static int
get_time(struct imp *im, int col, int empty_ok, int64_t *out)
{
	const char *v = im->f[col];
	size_t len = strlen(v);

	*out = 0;
	if (*v == '\0')
		return empty_ok ? 0 : imp_fail(im, col, "is empty (a time like "
		    "2025-12-01T09:30:00+07:00 is needed)");
	if (len > 10 && v[len - 1] != 'Z' && strpbrk(v + 10, "+-") == NULL)
		return imp_fail(im, col, "%s has no time zone (end it in Z or an offset like "
		    "+07:00)", qv(im, 0, v));
	if (len <= 10 || clock_parse_iso(v, 0, out) != 0)
		return imp_fail(im, col, "%s is not a time like 2025-12-01T09:30:00+07:00",
		    qv(im, 0, v));
	return 0;
}

/* The SKU named in column col: its id and whether it is lot-tracked. */
static int
get_sku(struct imp *im, int col, int64_t *id, int *lot_tracked)
{
	struct db_stmt *st;
	struct ment *e;
	int rc, added;

	if ((rc = get_code(im, col, 0)) != 0)
		return rc;
	if ((e = map_get(&im->skus, im->f[col])) == NULL) {
		st = db_prep(im->s->db, "SELECT id, lot_tracked FROM sku WHERE sku = ?");
		if (st == NULL)
			return imp_failn(im, DB_ERR, im->cols[col], "%s", db_errmsg(im->s->db));
		db_bind_text(st, 1, im->f[col]);
		rc = db_step(st);
		if (rc == DB_ROW) {
			e = map_put(&im->skus, &im->arena, im->f[col],
			    db_col_int(st, 0) << 1 | (db_col_int(st, 1) != 0), &added);
		}
		db_done(st);
		if (rc < 0)
			return imp_failn(im, rc, im->cols[col], "%s", db_errmsg(im->s->db));
		if (e == NULL)
			return imp_fail(im, col, "unknown SKU %s", qv(im, 0, im->f[col]));
	}
	*id = e->val >> 1;
	*lot_tracked = (int)(e->val & 1);
	return 0;
}

/* "CODE[*N];CODE..." into bcs; codes point into the row. */
static int
get_barcodes(struct imp *im)
{
	char *p = im->f[SK_BARCODES], *seg, *star, *end;
	size_t i;
	int64_t qty;

	im->nbc = 0;
	for (seg = p; seg != NULL; seg = end) {
		if ((end = strchr(seg, ';')) != NULL)
			*end++ = '\0';
		while (*seg == ' ' || *seg == '\t')
			seg++;
		for (i = strlen(seg); i > 0 && (seg[i - 1] == ' ' || seg[i - 1] == '\t'); i--)
			seg[i - 1] = '\0';
		if (*seg == '\0')
			continue;
		qv(im, 1, seg);
		qty = 1;
		if ((star = strchr(seg, '*')) != NULL) {
			char *n = star + 1, *e;

			*star = '\0';
			while (*n == ' ')
				n++;
			errno = 0;
			qty = strtoll(n, &e, 10);
			if (*n < '0' || *n > '9' || *e != '\0' || errno != 0 || qty < 1 ||
			    qty > 100000)
				return imp_fail(im, SK_BARCODES, "%s: the pack size after * must be "
				    "a whole number from 1 to 100000", im->q[1]);
			for (i = strlen(seg); i > 0 && seg[i - 1] == ' '; i--)
				seg[i - 1] = '\0';
		}
		if (*seg == '\0')
			return imp_fail(im, SK_BARCODES, "%s: the code is empty", im->q[1]);
		if (strlen(seg) > CODE_MAX)
			return imp_fail(im, SK_BARCODES, "%s: the code is longer than %d bytes",
			    im->q[1], CODE_MAX);
		for (i = 0; seg[i] != '\0'; i++) {
			if ((unsigned char)seg[i] <= 0x20 || seg[i] == 0x7f)
				return imp_fail(im, SK_BARCODES, "%s: the code contains a space or "
				    "control character", im->q[1]);
		}
		for (i = 0; i < im->nbc; i++) {
			if (strcmp(im->bcs[i].code, seg) == 0)
				return imp_fail(im, SK_BARCODES, "barcode %s is listed twice",
				    qv(im, 0, seg));
		}
		if (im->nbc == im->bccap) {
			im->bccap = im->bccap ? im->bccap * 2 : 8;
			im->bcs = xrealloc(im->bcs, im->bccap * sizeof *im->bcs);
		}
		im->bcs[im->nbc].code = seg;
		im->bcs[im->nbc].pack_qty = qty;
		im->nbc++;
	}
	return 0;
}

/* Fail when the key of this row was on an earlier row. */
static int
check_dup(struct imp *im, const int *cols, int n, int col, const char *what)
{
	struct ment *e;
	int added;

	e = map_put(&im->keys, &im->arena, make_key(im, cols, n), im->line, &added);
	if (added)
		return 0;
	return imp_fail(im, col, "%s is listed twice (first on line %" PRId64 ")", what, e->val);
}

static int
row_sku(struct imp *im)
{
	static const int key[] = { SK_SKU };
	struct sku_in in = { 0 };
	int64_t id;
	int rc, exists;

	if ((rc = get_code(im, SK_SKU, 0)) != 0 ||
	    (rc = check_dup(im, key, 1, SK_SKU, qv(im, 0, im->f[SK_SKU]))) != 0)
		return rc;
	if (im->f[SK_NAME][0] == '\0')
		return imp_fail(im, SK_NAME, "is empty");
	if ((rc = get_barcodes(im)) != 0 ||
	    (rc = get_int(im, SK_WEIGHT, 0, 1000000, 1, -1, &in.weight_g)) != 0 ||
	    (rc = get_bool(im, SK_LOT_TRACKED, &in.lot_tracked)) != 0 ||
	    (rc = get_int(im, SK_SHELF, 0, 36500, 1, 0, &in.min_shelf_days)) != 0 ||
	    (rc = get_int(im, SK_COST, 0, MONEY_MAX, 1, -1, &in.cost)) != 0)
		return rc;
	in.sku = im->f[SK_SKU];
	in.name = im->f[SK_NAME];
	in.barcodes = im->bcs;
	in.nbarcodes = im->nbc;
	rc = sku_find(im->s, in.sku, &id);
	if (rc != 0 && rc != DB_ENOTFOUND)
		return imp_core_fail(im, rc, SK_SKU);
	exists = rc == 0;
	if ((rc = sku_upsert(im->s, &in, NULL)) != 0)
		return imp_core_fail(im, rc, SK_SKU);
	if (exists)
		im->st.updated++;
	else
		im->st.created++;
	return 0;
}

static int
row_stock(struct imp *im)
{
	static const int key[] = { SC_WAREHOUSE, SC_SKU, SC_LOT };
	const char *sku = im->f[SC_SKU], *lot = im->f[SC_LOT];
	char note[320];
	struct ment *e;
	int64_t wh, sku_id = 0, expiry, qty;
	int rc, lot_tracked = 0, added;

	if ((rc = get_code(im, SC_WAREHOUSE, 0)) != 0)
		return rc;
	if ((e = map_get(&im->whs, im->f[SC_WAREHOUSE])) == NULL) {
		rc = warehouse_find(im->s, im->f[SC_WAREHOUSE], &wh);
		if (rc == DB_ENOTFOUND)
			return imp_fail(im, SC_WAREHOUSE, "unknown warehouse %s",
			    qv(im, 0, im->f[SC_WAREHOUSE]));
		if (rc != 0)
			return imp_core_fail(im, rc, SC_WAREHOUSE);
		e = map_put(&im->whs, &im->arena, im->f[SC_WAREHOUSE], wh, &added);
	}
	wh = e->val;
	if ((rc = get_sku(im, SC_SKU, &sku_id, &lot_tracked)) != 0 ||
	    (rc = get_code(im, SC_LOT, 1)) != 0 ||
	    (rc = get_date(im, SC_EXPIRY, &expiry)) != 0)
		return rc;
	if (lot_tracked && *lot == '\0')
		return imp_fail(im, SC_LOT, "is empty, but SKU %s is lot-tracked", sku);
	if (lot_tracked && expiry == 0)
		return imp_fail(im, SC_EXPIRY, "is empty, but SKU %s is lot-tracked", sku);
	if (!lot_tracked && *lot != '\0')
		return imp_fail(im, SC_LOT, "SKU %s is not lot-tracked; leave the lot empty", sku);
	if (!lot_tracked && expiry != 0)
		return imp_fail(im, SC_EXPIRY, "SKU %s is not lot-tracked; leave the expiry "
		    "empty", sku);
	snprintf(note, sizeof note, "warehouse %s, SKU %s%s%s", im->f[SC_WAREHOUSE], sku,
	    *lot ? ", lot " : "", lot);
	if ((rc = check_dup(im, key, 3, *lot ? SC_LOT : SC_SKU, note)) != 0 ||
	    (rc = get_int(im, SC_QTY, 1, 1000000000, 0, 0, &qty)) != 0)
		return rc;
	snprintf(note, sizeof note, "import %s:%ld", im->name, im->line);
	if ((rc = stock_receive(im->s, wh, sku_id, lot, expiry, qty, note)) != 0)
		return imp_core_fail(im, rc, *lot ? SC_LOT : SC_SKU);
	im->st.created++;
	return 0;
}

/* Fail unless field col of this row matches what the order's first row said. */
static int
same_text(struct imp *im, const struct ord *o, int col, const char *had)
{
	if (strcmp(im->f[col], had) == 0)
		return 0;
	return imp_fail(im, col, "%s differs from line %ld (%s) of the same order %s",
	    qv(im, 0, im->f[col]), o->line, qv(im, 1, had), o->in.order_no);
}

static int
same_num(struct imp *im, const struct ord *o, int col, int64_t now, int64_t had)
{
	if (now == had)
		return 0;
	return imp_fail(im, col, "%s differs from line %ld of the same order %s",
	    qv(im, 0, im->f[col]), o->line, o->in.order_no);
}

static int
same_order(struct imp *im, const struct ord *o, const struct order_in *in)
{
	const struct order_in *h = &o->in;
	int rc;

	if ((rc = same_num(im, o, OC_CREATED_AT, in->created_at, h->created_at)) != 0 ||
	    (rc = same_num(im, o, OC_SHIP_BY, in->ship_by, h->ship_by)) != 0 ||
	    (rc = same_num(im, o, OC_STATUS, in->status, h->status)) != 0 ||
	    (rc = same_num(im, o, OC_COD, in->cod, h->cod)) != 0 ||
	    (rc = same_text(im, o, OC_CURRENCY, h->currency)) != 0 ||
	    (rc = same_num(im, o, OC_TOTAL, in->total, h->total)) != 0 ||
	    (rc = same_text(im, o, OC_BUYER_NAME, h->buyer_name)) != 0 ||
	    (rc = same_text(im, o, OC_BUYER_PHONE, h->buyer_phone)) != 0 ||
	    (rc = same_text(im, o, OC_ADDRESS, h->address)) != 0 ||
	    (rc = same_text(im, o, OC_DISTRICT, h->district)) != 0 ||
	    (rc = same_text(im, o, OC_PROVINCE, h->province)) != 0)
		return rc;
	return 0;
}

static const char *
keep(struct imp *im, int col)
{
	return arena_strndup(&im->arena, im->f[col], strlen(im->f[col]));
}

static int
row_order(struct imp *im)
{
	static const char *const channels[] = { "shopee", "lazada", "tiktok", "manual", NULL };
	static const int okey[] = { OC_CHANNEL, OC_SHOP, OC_ORDER_NO };
	static const int lkey[] = { OC_CHANNEL, OC_SHOP, OC_ORDER_NO, OC_SKU };
	struct order_in in = { 0 };
	struct order_line_in line;
	struct ment *e;
	struct ord *o;
	const char *cur = im->f[OC_CURRENCY];
	char *p, what[200];
	int64_t sku_id;
	int rc, i, added, lot_tracked;

	for (p = im->f[OC_CHANNEL]; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	for (i = 0; channels[i] != NULL && strcmp(channels[i], im->f[OC_CHANNEL]) != 0; i++)
		;
	if (channels[i] == NULL)
		return imp_fail(im, OC_CHANNEL, "%s is not shopee, lazada, tiktok or manual",
		    qv(im, 0, im->f[OC_CHANNEL]));
	if ((rc = get_code(im, OC_SHOP, 0)) != 0 ||
	    (rc = get_code(im, OC_ORDER_NO, 0)) != 0 ||
	    (rc = get_time(im, OC_CREATED_AT, 0, &in.created_at)) != 0 ||
	    (rc = get_time(im, OC_SHIP_BY, 1, &in.ship_by)) != 0)
		return rc;
	if (order_status_parse(im->f[OC_STATUS], &in.status) != 0)
		return imp_fail(im, OC_STATUS, "%s is not an order status",
		    qv(im, 0, im->f[OC_STATUS]));
	if ((rc = get_int(im, OC_COD, 0, MONEY_MAX, 1, 0, &in.cod)) != 0)
		return rc;
	if (strlen(cur) != 3 || cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' || cur[1] > 'Z' ||
	    cur[2] < 'A' || cur[2] > 'Z')
		return imp_fail(im, OC_CURRENCY, "%s is not a currency code (3 capital letters, "
		    "like VND)", qv(im, 0, cur));
	if ((rc = get_int(im, OC_TOTAL, 0, MONEY_MAX, 0, 0, &in.total)) != 0 ||
	    (rc = get_sku(im, OC_SKU, &sku_id, &lot_tracked)) != 0 ||
	    (rc = get_int(im, OC_QTY, 1, 1000000, 0, 0, &line.qty)) != 0 ||
	    (rc = get_int(im, OC_UNIT_PRICE, 0, MONEY_MAX, 0, 0, &line.unit_price)) != 0)
		return rc;
	snprintf(what, sizeof what, "SKU %s in order %s", im->f[OC_SKU], im->f[OC_ORDER_NO]);
	if ((rc = check_dup(im, lkey, 4, OC_SKU, what)) != 0)
		return rc;

	e = map_put(&im->omap, &im->arena, make_key(im, okey, 3), (int64_t)im->nords, &added);
	if (added) {
		if (im->nords == im->ordcap) {
			im->ordcap = im->ordcap ? im->ordcap * 2 : 64;
			im->ords = xrealloc(im->ords, im->ordcap * sizeof *im->ords);
		}
		o = &im->ords[im->nords++];
		memset(o, 0, sizeof *o);
		o->line = im->line;
		o->in = in;
		o->in.channel = keep(im, OC_CHANNEL);
		o->in.shop = keep(im, OC_SHOP);
		o->in.order_no = keep(im, OC_ORDER_NO);
		o->in.currency = keep(im, OC_CURRENCY);
		o->in.buyer_name = keep(im, OC_BUYER_NAME);
		o->in.buyer_phone = keep(im, OC_BUYER_PHONE);
		o->in.address = keep(im, OC_ADDRESS);
		o->in.district = keep(im, OC_DISTRICT);
		o->in.province = keep(im, OC_PROVINCE);
	} else {
		o = &im->ords[e->val];
		if ((rc = same_order(im, o, &in)) != 0)
			return rc;
	}
	if (o->nlines == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 2;
		o->lines = xrealloc(o->lines, o->cap * sizeof *o->lines);
	}
	line.sku = keep(im, OC_SKU);
	o->lines[o->nlines++] = line;
	return 0;
}

/* The gathered orders, in the order of their first rows. */
static int
apply_orders(struct imp *im)
{
	int64_t *ids = xcalloc(im->nords ? im->nords : 1, sizeof *ids);
	size_t i;
	int rc = 0, created;

	for (i = 0; i < im->nords; i++) {
		struct ord *o = &im->ords[i];

		o->in.lines = o->lines;
		o->in.nlines = o->nlines;
		created = 0;
		if ((rc = order_upsert_unrouted(im->s, &o->in, &ids[i], &created)) != 0) {
			im->line = o->line;
			rc = imp_core_fail(im, rc, rc == DB_ESTATE ? OC_STATUS : OC_ORDER_NO);
			goto out;
		}
		if (created)
			im->st.created++;
		else
			im->st.updated++;
	}
	/* The confirmed ones allocated together (route.h), as order_upsert would have one
	 * by one. */
	if (route_auto() && im->nords > 0)
		rc = route_batch(im->s, ids, im->nords, 0, NULL);
out:
	free(ids);
	return rc;
}

/* A summary of the import for the audit log. */
static int
audit_import(struct imp *im)
{
	char file[200], after[400];
	const char *base = strrchr(im->name, '/');
	size_t i;

	snprintf(file, sizeof file, "%s", base != NULL ? base + 1 : im->name);
	for (i = 0; file[i] != '\0'; i++) {
		if ((unsigned char)file[i] < 0x20 || file[i] == '"' || file[i] == '\\')
			file[i] = '_';
	}
	snprintf(after, sizeof after, "{\"file\":\"%s\",\"rows\":%" PRId64 ",\"created\":%"
	    PRId64 ",\"updated\":%" PRId64 "}", file, im->st.rows, im->st.created,
	    im->st.updated);
	return audit_log(im->s, "import", 0, kind_names[im->kind], NULL, after);
}

static int
import_run(struct imp *im)
{
	int r, rc = 0;

	if (csv_header(im->csv) != 0)
		return imp_csv_fail(im);
	if ((rc = check_header(im)) != 0)
		return rc;
	while ((r = csv_next(im->csv)) > 0) {
		im->line = csv_line(im->csv);
		im->st.rows++;
		row_load(im);
		switch (im->kind) {
		case IMPORT_SKUS:
			rc = row_sku(im);
			break;
		case IMPORT_STOCK:
			rc = row_stock(im);
			break;
		case IMPORT_ORDERS:
			rc = row_order(im);
			break;
		}
		if (rc != 0)
			return rc;
	}
	if (r < 0)
		return imp_csv_fail(im);
	if (im->kind == IMPORT_ORDERS && (rc = apply_orders(im)) != 0)
		return rc;
	return audit_import(im);
}

int
import_kind_parse(const char *name, enum import_kind *out)
{
	size_t i;

	for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum import_kind)i;
			return 0;
		}
	}
	return -1;
}

int
import_file(struct session *s, enum import_kind kind, const char *path,
    struct import_stats *stats)
{
	struct imp im = { 0 };
	FILE *fp;
	size_t i, at = 0;
	int rc;

	if (stats != NULL)
		memset(stats, 0, sizeof *stats);
	rc = session_require(s, kind == IMPORT_ORDERS ? ROLE_SUPERVISOR : ROLE_ADMIN,
	    kind == IMPORT_ORDERS ? "import orders" : kind == IMPORT_SKUS ? "import SKUs" :
	    "import stock");
	if (rc != 0)
		return rc;
	if ((fp = fopen(path, "rb")) == NULL)
		return session_fail(s, DB_EINVAL, "%s: %s", path, strerror(errno));

	im.s = s;
	im.kind = kind;
	im.name = path;
	im.cols = kind == IMPORT_SKUS ? skus_cols : kind == IMPORT_STOCK ? stock_cols :
	    orders_cols;
	for (im.ncols = 0; im.cols[im.ncols] != NULL; im.ncols++)
		at += (size_t)snprintf(im.header_text + at, sizeof im.header_text - at, "%s%s",
		    im.ncols ? "," : "", im.cols[im.ncols]);
	im.csv = csv_open_file(fp);

	if ((rc = db_begin(s->db)) != 0) {
		session_fail(s, rc, "%s: %s", path, db_errmsg(s->db));
		goto out;
	}
	if ((rc = import_run(&im)) != 0) {
		db_rollback(s->db);
		goto out;
	}
	if ((rc = db_commit(s->db)) != 0) {
		session_fail(s, rc, "%s: %s", path, db_errmsg(s->db));
		goto out;
	}
	if (stats != NULL)
		*stats = im.st;
out:
	for (i = 0; i < im.nords; i++)
		free(im.ords[i].lines);
	free(im.ords);
	free(im.bcs);
	free(im.keys.v);
	free(im.skus.v);
	free(im.whs.v);
	free(im.omap.v);
	free(im.kbuf);
	free(im.row);
	arena_free(&im.arena);
	csv_free(im.csv);
	fclose(fp);
	return rc;
}

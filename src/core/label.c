/*
 * label.c — what a shipping label shows, read from the database, and the small
 * template engine that turns the data/labels/ templates into ZPL II (the template
 * language is described in label.h).
 *
 * Rendering is two passes. The first expands sections and placeholders, keeping track
 * of which ZPL field it is in, so that a value lands escaped for that field (text or
 * Code 128) or, outside field data, checked to be a plain number or name. The second
 * walks the ZPL commands, drops ^FX comments and blank lines, and at 300 dpi scales the
 * dot-valued parameters. Escaped data never holds ^ or ~, so the second pass cannot
 * mistake a buyer's text for a command.
 */
#include "label.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "order.h"
#include "xalloc.h"

#define VN_OFFSET (7 * 3600)   /* labels show Viet Nam time */

const struct label_command label_commands[] = {
	{ "CMD:ACK", "Xác nhận lỗi / Acknowledge" },
	{ "CMD:CONFIRM", "Hoàn tất đơn / Confirm" },
	{ "CMD:NEWPKG", "Kiện mới / New package" },
	{ "CMD:REPRINT", "In lại nhãn / Reprint label" },
	{ "CMD:HOLD", "Báo sự cố / Hold, report" },
	{ "CMD:CANCEL-SCAN", "Hủy lần quét / Cancel scan" },
	{ "CMD:LOGOUT", "Đăng xuất / Log out" },
	{ NULL, NULL },
};

static _Thread_local char last_err[200];

const char *
label_error(void)
{
	return last_err;
}

/* ---- Loading ---------------------------------------------------------------------- */

static const char *
channel_display(const char *ch)
{
	if (strcmp(ch, "shopee") == 0)
		return "Shopee";
	if (strcmp(ch, "lazada") == 0)
		return "Lazada";
	if (strcmp(ch, "tiktok") == 0)
		return "TikTok Shop";
	if (strcmp(ch, "manual") == 0)
		return "Manual";
	return ch;
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

/*
 * The lots of a line: as scanned at the station when the schema keeps scans (the packing
 * migration's pack_scan), else as reserved, else as shipped once the reservation is gone.
 */
static int
load_lots(struct session *s, int64_t order_id, const struct order_line *ol, char **out)
{
	static const char *const sql[] = {
		"SELECT lot_code, sum(qty) FROM pack_scan WHERE order_line_id = ? "
		"AND coalesce(lot_code, '') <> '' "
		"GROUP BY lot_code ORDER BY min(coalesce(expiry, 0)), lot_code",
		"SELECT lt.lot_code, sum(r.qty) FROM reservation r JOIN lot lt ON lt.id = r.lot_id "
		"WHERE r.order_line_id = ? AND lt.lot_code <> '' "
		"GROUP BY lt.lot_code ORDER BY min(coalesce(lt.expiry, 0)), lt.lot_code",
		"SELECT lt.lot_code, -sum(m.d_on_hand) FROM stock_move m "
		"JOIN lot lt ON lt.id = m.lot_id WHERE m.order_id = ? AND m.sku_id = ? "
		"AND m.kind = 'ship' AND lt.lot_code <> '' "
		"GROUP BY lt.lot_code ORDER BY min(coalesce(lt.expiry, 0)), lt.lot_code",
	};
	struct db_stmt *st;
	char *text = NULL, *more;
	size_t i, n;
	int rc;

	for (i = 0; i < 3 && text == NULL; i++) {
		if ((st = db_prep(s->db, sql[i])) == NULL) {
			if (i == 0)
				continue;           /* no pack_scan table in this schema */
			return session_fail(s, DB_ERR, "lots: %s", db_errmsg(s->db));
		}
		db_bind_int(st, 1, i < 2 ? ol->id : order_id);
		if (i == 2)
			db_bind_int(st, 2, ol->sku_id);
		n = 0;
		while ((rc = db_step(st)) == DB_ROW) {
			const char *code = db_col_text(st, 0);
			int64_t qty = db_col_int(st, 1);

			more = xasprintf("%s%s%s x%" PRId64, text ? text : "", text ? ", " : "",
			    code, qty);
			free(text);
			text = more;
			n++;
		}
		db_done(st);
		if (rc != DB_DONE) {
			free(text);
			return session_fail(s, rc, "lots: %s", db_errmsg(s->db));
		}
		/* One lot that covers the whole line needs no count. */
		if (n == 1) {
			char *x = strrchr(text, ' ');

			if (x != NULL && strtoll(x + 2, NULL, 10) == ol->qty)
				*x = '\0';
		}
	}
	*out = text != NULL ? text : xstrdup("");
	return 0;
}

/* Package pkg_no of the order (ordered by id): fills the package fields of d. */
static int
load_package(struct session *s, int64_t order_id, int pkg_no, struct label_data *d,
    int64_t *pkg_id)
{
	struct db_stmt *st;
	int n = 0, rc;

	*pkg_id = 0;
	st = db_prep(s->db, "SELECT id, weight_g, carrier, tracking_no, created_at "
	    "FROM package WHERE order_id = ? ORDER BY id");
	if (st == NULL)
		return session_fail(s, DB_ERR, "packages: %s", db_errmsg(s->db));
	db_bind_int(st, 1, order_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (++n != pkg_no)
			continue;
		*pkg_id = db_col_int(st, 0);
		d->weight_g = db_col_null(st, 1) ? 0 : db_col_int(st, 1);
		d->carrier = xstrdup(db_col_text(st, 2));
		if (db_col_text(st, 3)[0] != '\0') {
			free(d->tracking_no);
			d->tracking_no = xstrdup(db_col_text(st, 3));
		}
		d->packed_at = db_col_int(st, 4);
	}
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc, "packages: %s", db_errmsg(s->db));
	d->pkg_count = n > 0 ? n : 1;
	if (pkg_no > d->pkg_count)
		return session_fail(s, DB_EINVAL, "order %s has %d package%s; there is no "
		    "package %d", d->order_no, d->pkg_count, d->pkg_count == 1 ? "" : "s", pkg_no);
	return 0;
}

/* Append a line to d. */
static void
add_line(struct label_data *d, const char *sku, const char *name, int64_t qty, char *lot)
{
	struct label_line *l;

	d->lines = xrealloc(d->lines, (d->nlines + 1) * sizeof *d->lines);
	l = &d->lines[d->nlines++];
	l->sku = dup_or_empty(sku);
	l->name = dup_or_empty(name);
	l->qty = qty;
	l->lot = lot != NULL ? lot : xstrdup("");
}

/*
 * What a packed parcel holds when it is not simply the order (schema 17, pack.h): a
 * split order's package lists the units scanned into its part only; a parcel of merged
 * orders lists the lines of every order in it, each named after its order ("MA: ..."). Nothing changes on older schemas.
 */
static int
parcel_lines(struct session *s, int64_t order_id, int64_t pkg_id, struct label_data *d)
{
	struct db_stmt *st;
	struct order *m;
	int64_t part = 0, *ids = NULL;
	size_t n = 0, i, j;
	char *lot;
	int rc;

	if (db_int(s->db, &part, "SELECT part_no FROM package WHERE id = ?", "i", pkg_id) != 0)
		return 0;
	if (part > 0) {
		st = db_prep(s->db, "SELECT k.sku, k.name, sum(p.qty), coalesce(max(p.lot_code), "
		    "'') FROM pack_scan p JOIN order_line l ON l.id = p.order_line_id JOIN sku k "
		    "ON k.id = l.sku_id WHERE p.order_id = ? AND p.part_no = ? GROUP BY l.id, "
		    "l.line_no, k.sku, k.name ORDER BY l.line_no");
		if (st == NULL)
			return session_fail(s, DB_ERR, "lines: %s", db_errmsg(s->db));
		db_bind_int(st, 1, order_id);
		db_bind_int(st, 2, part);
		for (i = 0; i < d->nlines; i++) {
			free(d->lines[i].sku);
			free(d->lines[i].name);
			free(d->lines[i].lot);
		}
		d->nlines = 0;
		while ((rc = db_step(st)) == DB_ROW)
			add_line(d, db_col_text(st, 0), db_col_text(st, 1), db_col_int(st, 2),
			    xstrdup(db_col_text(st, 3)));
		db_done(st);
		return rc == DB_DONE ? 0 : session_fail(s, rc, "lines: %s", db_errmsg(s->db));
	}
	if ((st = db_prep(s->db, "SELECT order_id FROM order_merge WHERE parcel_id = ? "
	    "ORDER BY order_id")) == NULL)
		return 0;
	db_bind_int(st, 1, order_id);
	while (db_step(st) == DB_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = db_col_int(st, 0);
	}
	db_done(st);
	for (i = 0; i < d->nlines && n > 0; i++) {       /* the parcel order's own lines */
		char name[256];

		snprintf(name, sizeof name, "%s: %s", d->order_no, d->lines[i].name);
		free(d->lines[i].name);
		d->lines[i].name = xstrdup(name);
	}
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		if ((rc = order_load(s, ids[i], &m)) != 0)
			break;
		for (j = 0; j < m->nlines && rc == 0; j++) {
			char name[256];

			/* The slip says which order of the parcel each line belongs to. */
			snprintf(name, sizeof name, "%s: %s", m->order_no, m->lines[j].name);
			if ((rc = load_lots(s, ids[i], &m->lines[j], &lot)) == 0)
				add_line(d, m->lines[j].sku, name, m->lines[j].qty, lot);
		}
		order_free(m);
	}
	free(ids);
	return rc;
}

/*
 * The station that packed the package when the schema records it (the packing
 * migration adds package.station); otherwise the session's own station.
 */
static void
load_station(struct session *s, int64_t pkg_id, struct label_data *d)
{
	struct db_stmt *st;

	snprintf(d->station, sizeof d->station, "%s", s->station);
	if (pkg_id == 0 || (st = db_prep(s->db, "SELECT station FROM package WHERE id = ?")) ==
	    NULL)
		return;
	db_bind_int(st, 1, pkg_id);
	if (db_step(st) == DB_ROW && db_col_text(st, 0)[0] != '\0')
		snprintf(d->station, sizeof d->station, "%s", db_col_text(st, 0));
	db_done(st);
}

int
label_load(struct session *s, int64_t order_id, int pkg_no, struct label_data *out)
{
	struct order *o = NULL;
	int64_t pkg_id, est = 0;
	struct db_stmt *st;
	size_t i;
	int rc, shop_rc;

	memset(out, 0, sizeof *out);
	if (pkg_no <= 0)
		pkg_no = 1;
	if ((rc = order_load(s, order_id, &o)) != 0)
		return rc;
	out->channel = xstrdup(channel_display(o->channel));
	out->order_no = dup_or_empty(o->order_no);
	out->tracking_no = dup_or_empty(o->tracking_no);
	out->name = dup_or_empty(o->buyer_name);
	out->phone = dup_or_empty(o->buyer_phone);
	out->address = dup_or_empty(o->address);
	out->district = dup_or_empty(o->district);
	out->province = dup_or_empty(o->province);
	out->cod = o->cod;
	snprintf(out->currency, sizeof out->currency, "%s", o->currency);
	snprintf(out->font, sizeof out->font, "%s", LABEL_FONT_DEFAULT);

	st = db_prep(s->db, "SELECT name FROM shop WHERE id = ?");
	if (st == NULL) {
		rc = session_fail(s, DB_ERR, "shop: %s", db_errmsg(s->db));
		goto fail;
	}
	db_bind_int(st, 1, o->shop_id);
	shop_rc = db_step(st);
	out->shop = xstrdup(shop_rc == DB_ROW && db_col_text(st, 0)[0] != '\0' ?
	    db_col_text(st, 0) : o->shop);
	db_done(st);

	if ((rc = load_package(s, order_id, pkg_no, out, &pkg_id)) != 0)
		goto fail;
	if (out->carrier == NULL)
		out->carrier = xstrdup("");
	load_station(s, pkg_id, out);

	out->lines = xcalloc(o->nlines ? o->nlines : 1, sizeof *out->lines);
	for (i = 0; i < o->nlines; i++) {
		struct label_line *l = &out->lines[i];

		l->sku = dup_or_empty(o->lines[i].sku);
		l->name = dup_or_empty(o->lines[i].name);
		l->qty = o->lines[i].qty;
		out->nlines = i + 1;
		if ((rc = load_lots(s, order_id, &o->lines[i], &l->lot)) != 0)
			goto fail;
	}
	if (pkg_id != 0 && (rc = parcel_lines(s, order_id, pkg_id, out)) != 0)
		goto fail;
	/* Not packed yet: the weight the SKUs should have. */
	if (pkg_id == 0) {
		rc = db_int(s->db, &est, "SELECT coalesce(sum(l.qty * coalesce(k.weight_g, 0)), 0) "
		    "FROM order_line l JOIN sku k ON k.id = l.sku_id WHERE l.order_id = ?", "i",
		    order_id);
		if (rc != 0) {
			rc = session_fail(s, rc, "weights: %s", db_errmsg(s->db));
			goto fail;
		}
		out->weight_g = est;
	}
	out->pkg_no = pkg_no;
	order_free(o);
	return 0;
fail:
	order_free(o);
	label_free(out);
	return rc;
}

void
label_free(struct label_data *d)
{
	size_t i;

	if (d == NULL)
		return;
	free(d->channel);
	free(d->shop);
	free(d->order_no);
	free(d->tracking_no);
	free(d->carrier);
	free(d->name);
	free(d->phone);
	free(d->address);
	free(d->district);
	free(d->province);
	for (i = 0; i < d->nlines; i++) {
		free(d->lines[i].sku);
		free(d->lines[i].name);
		free(d->lines[i].lot);
	}
	free(d->lines);
	memset(d, 0, sizeof *d);
}

const char *
label_template(const char *name)
{
	size_t i;

	for (i = 0; i < label_files_count; i++) {
		if (strcmp(label_files[i].name, name) == 0)
			return label_files[i].text;
	}
	return NULL;
}

/* ---- Values ----------------------------------------------------------------------- */

/* Minor units per ISO 4217 for the currencies a seller here meets; 2 otherwise. */
static int
currency_decimals(const char *cur)
{
	static const char *const zero[] = { "VND", "JPY", "KRW", "CLP", "ISK", NULL };
	size_t i;

	for (i = 0; zero[i] != NULL; i++) {
		if (strcmp(cur, zero[i]) == 0)
			return 0;
	}
	return 2;
}

void
label_money(int64_t amount, const char *currency, char *buf, size_t len)
{
	int dec = currency_decimals(currency);
	uint64_t v = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
	uint64_t unit = dec == 2 ? 100 : 1, whole = v / unit;
	char digits[32], grouped[48];
	size_t n, i, o = 0;

	/* Vietnamese convention: '.' groups thousands, ',' marks decimals. */
	n = (size_t)snprintf(digits, sizeof digits, "%" PRIu64, whole);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			grouped[o++] = '.';
		grouped[o++] = digits[i];
	}
	grouped[o] = '\0';
	if (dec == 2)
		snprintf(buf, len, "%s%s,%02" PRIu64 " %s", amount < 0 ? "-" : "", grouped,
		    v % unit, currency);
	else
		snprintf(buf, len, "%s%s %s", amount < 0 ? "-" : "", grouped, currency);
}

/* ---- Rendering -------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

enum list_kind {
	LIST_NONE,
	LIST_LINES,
	LIST_COMMANDS,
};

struct render {
	const struct label_data *d;    /* NULL for the command sheet */
	const char *font;
	struct sbuf out;
	/* The ZPL field being written: inside ^FD data, a Code 128 field, ^FH given. */
	int in_fd, field_bc, field_fh;
	/* The list item in scope, if any. */
	enum list_kind item_kind;
	size_t item;
	long item_y;
	/* Pagination over the list with rows=. */
	enum list_kind page_kind;
	size_t page_rows;
	int page, pages;
	char err[160];
};

static int
fail(struct render *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof r->err, fmt, ap);
		va_end(ap);
	}
	return DB_EINVAL;
}

static enum list_kind
list_kind(const char *name, size_t n)
{
	if (n == 5 && memcmp(name, "lines", 5) == 0)
		return LIST_LINES;
	if (n == 8 && memcmp(name, "commands", 8) == 0)
		return LIST_COMMANDS;
	return LIST_NONE;
}

static size_t
list_count(const struct render *r, enum list_kind k)
{
	size_t n = 0;

	if (k == LIST_LINES)
		return r->d != NULL ? r->d->nlines : 0;
	if (k == LIST_COMMANDS) {
		while (label_commands[n].code != NULL)
			n++;
	}
	return n;
}

static int
key_is(const char *key, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(key, want, n) == 0;
}

/*
 * The value of key (n bytes) in the current scope; scalars are formatted into tmp.
 * NULL when no such key exists.
 */
static const char *
lookup(struct render *r, const char *key, size_t n, char *tmp, size_t tmplen)
{
	const struct label_data *d = r->d;

	if (r->item_kind != LIST_NONE) {
		if (key_is(key, n, "y")) {
			snprintf(tmp, tmplen, "%ld", r->item_y);
			return tmp;
		}
		if (key_is(key, n, "n")) {
			snprintf(tmp, tmplen, "%zu", r->item + 1);
			return tmp;
		}
	}
	if (r->item_kind == LIST_LINES) {
		const struct label_line *l = &d->lines[r->item];

		if (key_is(key, n, "sku"))
			return l->sku;
		if (key_is(key, n, "name"))
			return l->name;
		if (key_is(key, n, "lot"))
			return l->lot != NULL ? l->lot : "";
		if (key_is(key, n, "qty")) {
			snprintf(tmp, tmplen, "%" PRId64, l->qty);
			return tmp;
		}
	}
	if (r->item_kind == LIST_COMMANDS) {
		if (key_is(key, n, "code"))
			return label_commands[r->item].code;
		if (key_is(key, n, "caption"))
			return label_commands[r->item].caption;
	}
	if (key_is(key, n, "font"))
		return r->font;
	if (key_is(key, n, "page")) {
		snprintf(tmp, tmplen, "%d", r->page);
		return tmp;
	}
	if (key_is(key, n, "pages")) {
		snprintf(tmp, tmplen, "%d", r->pages);
		return tmp;
	}
	if (d == NULL)
		return NULL;
#define STR(k, field) if (key_is(key, n, k)) return d->field != NULL ? d->field : ""
	STR("channel", channel);
	STR("shop", shop);
	STR("order_no", order_no);
	STR("tracking_no", tracking_no);
	STR("carrier", carrier);
	STR("recipient", name);
	STR("phone", phone);
	STR("address", address);
	STR("district", district);
	STR("province", province);
	STR("station", station);
#undef STR
	if (key_is(key, n, "cod")) {
		if (d->cod <= 0)
			return "";
		label_money(d->cod, d->currency, tmp, tmplen);
		return tmp;
	}
	if (key_is(key, n, "prepaid"))
		return d->cod <= 0 ? "PREPAID" : "";
	if (key_is(key, n, "weight") || key_is(key, n, "weight_g")) {
		if (d->weight_g <= 0)
			return "";
		snprintf(tmp, tmplen, "%" PRId64 "%s", d->weight_g,
		    key_is(key, n, "weight") ? " g" : "");
		return tmp;
	}
	if (key_is(key, n, "pkg_no") || key_is(key, n, "pkg_count")) {
		snprintf(tmp, tmplen, "%d", key_is(key, n, "pkg_no") ?
		    (d->pkg_no > 0 ? d->pkg_no : 1) : (d->pkg_count > 0 ? d->pkg_count : 1));
		return tmp;
	}
	if (key_is(key, n, "packed_at")) {
		if (d->packed_at <= 0)
			return "";
		clock_format(d->packed_at, VN_OFFSET, tmp, (unsigned)tmplen);
		return tmp;
	}
	if (key_is(key, n, "units") || key_is(key, n, "nlines")) {
		int64_t units = 0;
		size_t i;

		for (i = 0; i < d->nlines; i++)
			units += d->lines[i].qty;
		snprintf(tmp, tmplen, "%" PRId64, key_is(key, n, "units") ? units :
		    (int64_t)d->nlines);
		return tmp;
	}
	return NULL;
}

/* Length in bytes of the first max characters of s (combining marks ride along with
 * their letter); *cut set when s is longer. */
static size_t
utf8_prefix(const char *s, size_t max, int *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, i = 0;

	*cut = 0;
	while (p[i] != '\0') {
		size_t clen = p[i] < 0x80 ? 1 : p[i] < 0xe0 ? 2 : p[i] < 0xf0 ? 3 : 4;
		int combining = p[i] == 0xcc || (p[i] == 0xcd && p[i + 1] < 0xb0);

		if (!combining) {
			if (chars == max) {
				*cut = 1;
				return i;
			}
			chars++;
		}
		while (clen-- > 0 && p[i] != '\0')
			i++;
	}
	return i;
}

static void
put_hex(struct sbuf *b, unsigned char c)
{
	char h[4];

	snprintf(h, sizeof h, "_%02X", c);
	sb_add(b, h, 3);
}

/*
 * Value bytes as ^FH field data. A Code 128 field (subset B) takes printable ASCII, with
 * ^ > ~ written as the invocation codes >< >0 >= (ZPL ^BC, "Code 128 Invocation
 * Characters"); anything else becomes '?'.
 */
static void
put_field(struct render *r, const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (r->field_bc && (c == '^' || c == '>' || c == '~'))
			sb_add(&r->out, c == '^' ? "><" : c == '>' ? ">0" : ">=", 2);
		else if (r->field_bc && (c < 0x20 || c >= 0x7f)) {
			if (c < 0x80 || (c & 0xc0) != 0x80)
				sb_add(&r->out, "?", 1);
		} else if (c == '^' || c == '~' || c == '_' || c == '\\')
			put_hex(&r->out, c);
		else if (c < 0x20 || c == 0x7f)
			sb_add(&r->out, " ", 1);
		else
			sb_add(&r->out, (const char *)&p[i], 1);
	}
}

static int
placeholder(struct render *r, const char *tag, size_t n)
{
	char tmp[96];
	const char *v, *colon = memchr(tag, ':', n);
	size_t keylen = colon ? (size_t)(colon - tag) : n, vlen, i, plus;
	long max = -1, off = 0;
	int cut = 0;

	/* {{y+N}} / {{y-N}} */
	for (plus = 0; plus < keylen && tag[plus] != '+' && tag[plus] != '-'; plus++)
		;
	if (plus < keylen) {
		char num[16], *end;

		if (keylen - plus >= sizeof num)
			return fail(r, "template: bad placeholder {{%.*s}}", (int)n, tag);
		memcpy(num, tag + plus, keylen - plus);
		num[keylen - plus] = '\0';
		off = strtol(num, &end, 10);
		if (*end != '\0')
			return fail(r, "template: bad placeholder {{%.*s}}", (int)n, tag);
		keylen = plus;
	}
	if (colon != NULL) {
		char num[16], *end;
		size_t ml = n - (size_t)(colon - tag) - 1;

		if (ml == 0 || ml >= sizeof num)
			return fail(r, "template: bad length in {{%.*s}}", (int)n, tag);
		memcpy(num, colon + 1, ml);
		num[ml] = '\0';
		max = strtol(num, &end, 10);
		if (*end != '\0' || max <= 0)
			return fail(r, "template: bad length in {{%.*s}}", (int)n, tag);
	}
	if ((v = lookup(r, tag, keylen, tmp, sizeof tmp)) == NULL)
		return fail(r, "template: unknown placeholder {{%.*s}}", (int)n, tag);
	if (off != 0) {
		char *end;
		long base = strtol(v, &end, 10);

		if (*end != '\0' || v[0] == '\0')
			return fail(r, "template: {{%.*s}} adds to a value that is not a number",
			    (int)n, tag);
		snprintf(tmp, sizeof tmp, "%ld", base + off);
		v = tmp;
	}
	vlen = strlen(v);
	if (max > 0) {
		vlen = utf8_prefix(v, (size_t)max, &cut);
		/* Too long: keep room for "..." (not for very short limits). */
		if (cut && max >= 4)
			vlen = utf8_prefix(v, (size_t)max - 3, &cut);
		else
			cut = 0;
	}
	if (r->in_fd) {
		put_field(r, v, vlen);
		if (cut)
			sb_add(&r->out, "...", 3);
		return 0;
	}
	/* A command parameter: numbers and device file names only. */
	for (i = 0; i < vlen; i++) {
		char c = v[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == ':' || c == '.' || c == '_' || c == '+' || c == '-'))
			return fail(r, "template: {{%.*s}} = '%s' cannot stand in a ZPL command "
			    "parameter", (int)keylen, tag, v);
	}
	sb_add(&r->out, v, vlen);
	return 0;
}

/* Copy template text, following which field it writes; adds ^FH before ^FD data that
 * holds a placeholder (looked for up to end). */
static void
literal(struct render *r, const char *s, size_t n, const char *end)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '^' && i + 2 < n) {
			char a = s[i + 1], b = s[i + 2];

			if (r->in_fd)
				r->in_fd = 0;       /* any command ends field data */
			if (a == 'F' && (b == 'D' || b == 'V')) {
				const char *stop = memchr(s + i + 3, '^', (size_t)(end - (s + i + 3)));
				const char *ph = strstr(s + i + 3, "{{");

				if (!r->field_fh && ph != NULL && (stop == NULL || ph < stop) && ph < end) {
					sb_str(&r->out, "^FH");
					r->field_fh = 1;
				}
				r->in_fd = 1;
				sb_add(&r->out, s + i, 3);
				i += 2;
				continue;
			}
			if (a == 'F' && b == 'S')
				r->field_bc = r->field_fh = 0;
			else if (a == 'F' && b == 'H')
				r->field_fh = 1;
			else if (a == 'B' && b == 'C')
				r->field_bc = 1;
		}
		sb_add(&r->out, s + i, 1);
	}
}

/* The tag's name and its length; attributes follow a space. */
static size_t
tag_name_len(const char *tag, size_t n)
{
	size_t i;

	for (i = 0; i < n && tag[i] != ' '; i++)
		;
	return i;
}

/* Find the {{/name}} closing the section whose body starts at p; NULL if none. */
static const char *
section_end(const char *p, const char *end, const char *name, size_t nlen,
    const char **after)
{
	int depth = 1;

	while ((p = strstr(p, "{{")) != NULL && p < end) {
		const char *close = strstr(p + 2, "}}");
		const char *tag = p + 2;

		if (close == NULL || close > end)
			return NULL;
		if ((tag[0] == '#' || tag[0] == '^' || tag[0] == '/') &&
		    tag_name_len(tag + 1, (size_t)(close - tag - 1)) == nlen &&
		    memcmp(tag + 1, name, nlen) == 0) {
			if (tag[0] != '/')
				depth++;
			else if (--depth == 0) {
				*after = close + 2;
				return p;
			}
		}
		p = close + 2;
	}
	return NULL;
}

/* Parse "y=N step=N rows=N" attributes. */
static int
list_attrs(struct render *r, const char *a, size_t n, long *y, long *step, long *rows)
{
	char buf[96], *save = NULL, *tok;

	*y = 0;
	*step = 0;
	*rows = 0;
	if (n >= sizeof buf)
		return fail(r, "template: section attributes too long");
	memcpy(buf, a, n);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *end;
		long v;

		if (eq == NULL)
			return fail(r, "template: section attribute '%s' is not NAME=NUMBER", tok);
		*eq = '\0';
		v = strtol(eq + 1, &end, 10);
		if (*end != '\0' || eq[1] == '\0')
			return fail(r, "template: section attribute '%s' is not a number", tok);
		if (strcmp(tok, "y") == 0)
			*y = v;
		else if (strcmp(tok, "step") == 0)
			*step = v;
		else if (strcmp(tok, "rows") == 0 && v > 0)
			*rows = v;
		else
			return fail(r, "template: unknown section attribute '%s'", tok);
	}
	return 0;
}

static int expand(struct render *r, const char *p, const char *end);

static int
section(struct render *r, int inverse, const char *tag, size_t n, const char *body,
    const char *body_end)
{
	size_t nlen = tag_name_len(tag, n), count, first, last, i;
	enum list_kind k = list_kind(tag, nlen);
	long y, step, rows;
	char tmp[96];
	const char *v;

	if (k == LIST_NONE) {
		if (nlen < n)
			return fail(r, "template: {{#%.*s}} takes no attributes", (int)nlen, tag);
		if ((v = lookup(r, tag, nlen, tmp, sizeof tmp)) == NULL)
			return fail(r, "template: unknown section {{#%.*s}}", (int)nlen, tag);
		if ((v[0] != '\0') != inverse)
			return expand(r, body, body_end);
		return 0;
	}
	count = list_count(r, k);
	if (inverse)
		return count == 0 ? expand(r, body, body_end) : 0;
	if (r->item_kind != LIST_NONE)
		return fail(r, "template: lists cannot nest");
	if (list_attrs(r, tag + nlen, n - nlen, &y, &step, &rows) != 0)
		return DB_EINVAL;
	first = 0;
	last = count;
	if (rows > 0 && k == r->page_kind) {
		first = (size_t)(r->page - 1) * r->page_rows;
		last = first + r->page_rows < count ? first + r->page_rows : count;
	}
	for (i = first; i < last; i++) {
		int rc;

		r->item_kind = k;
		r->item = i;
		r->item_y = y + (long)(i - first) * step;
		rc = expand(r, body, body_end);
		r->item_kind = LIST_NONE;
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
expand(struct render *r, const char *p, const char *end)
{
	while (p < end) {
		const char *open = strstr(p, "{{"), *close, *tag, *body, *body_end, *after;
		size_t n, nlen;
		int rc;

		if (open == NULL || open >= end) {
			literal(r, p, (size_t)(end - p), end);
			break;
		}
		literal(r, p, (size_t)(open - p), end);
		close = strstr(open + 2, "}}");
		if (close == NULL || close > end)
			return fail(r, "template: '{{' without '}}'");
		tag = open + 2;
		n = (size_t)(close - tag);
		if (n == 0)
			return fail(r, "template: empty {{}}");
		if (tag[0] == '#' || tag[0] == '^') {
			nlen = tag_name_len(tag + 1, n - 1);
			body = close + 2;
			body_end = section_end(body, end, tag + 1, nlen, &after);
			if (body_end == NULL)
				return fail(r, "template: {{%c%.*s}} is not closed by {{/%.*s}}", tag[0],
				    (int)nlen, tag + 1, (int)nlen, tag + 1);
			if ((rc = section(r, tag[0] == '^', tag + 1, n - 1, body, body_end)) != 0)
				return rc;
			p = after;
			continue;
		}
		if (tag[0] == '/')
			return fail(r, "template: {{%.*s}} closes no section", (int)n, tag);
		if ((rc = placeholder(r, tag, n)) != 0)
			return rc;
		p = close + 2;
	}
	return 0;
}

/* Which parameters (bit i = parameter i) of a command are in dots. */
static unsigned
dot_params(char a, char b, int *round_small)
{
	static const struct {
		char cmd[3];
		unsigned mask;
		int small;      /* a module width or magnification: 1..10 */
	} tab[] = {
		{ "FO", 0x3, 0 }, { "FT", 0x3, 0 }, { "LH", 0x3, 0 }, { "PW", 0x1, 0 },
		{ "LL", 0x1, 0 }, { "CF", 0x6, 0 }, { "GB", 0x7, 0 }, { "BY", 0x5, 1 },
		{ "BC", 0x2, 0 }, { "BQ", 0x4, 1 }, { "FB", 0x15, 0 },
	};
	size_t i;

	*round_small = 0;
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (tab[i].cmd[0] == a && tab[i].cmd[1] == b) {
			*round_small = tab[i].small;
			return tab[i].mask;
		}
	}
	return 0;
}

static long
scale(long v, int dpi)
{
	return (v * dpi + 101) / 203;
}

/* Write the parameters p[0..n) with the masked ones scaled. */
static void
put_params(struct sbuf *b, const char *p, size_t n, unsigned mask, int small, int dpi)
{
	size_t i = 0, start;
	unsigned idx = 0;

	while (i <= n) {
		start = i;
		while (i < n && p[i] != ',')
			i++;
		if ((mask & (1u << idx)) && i > start && dpi != 203) {
			char num[24], *end;
			long v;

			if (i - start < sizeof num) {
				memcpy(num, p + start, i - start);
				num[i - start] = '\0';
				v = strtol(num, &end, 10);
				if (*end == '\0') {
					long sv = scale(v, dpi);

					/* A module width at BY index 0, a QR magnification at BQ index 2. */
					if (small && ((mask == 0x5 && idx == 0) || (mask == 0x4 && idx == 2)))
						sv = sv < 1 ? 1 : sv > 10 ? 10 : sv;
					snprintf(num, sizeof num, "%ld", sv);
					sb_str(b, num);
					goto next;
				}
			}
		}
		sb_add(b, p + start, i - start);
next:
		if (i < n)
			sb_add(b, ",", 1);
		i++;
		idx++;
	}
}

/* Second pass: drop ^FX comments and blank lines, scale dot parameters to dpi. */
static void
finish(const char *in, size_t n, int dpi, struct sbuf *out)
{
	size_t i = 0, line_start = 0;

	while (i < n) {
		char c = in[i];

		if ((c == '^' || c == '~') && i + 2 < n) {
			char a = in[i + 1], b = in[i + 2];
			size_t j, pstart;
			unsigned mask = 0;
			int small = 0;

			if (c == '^' && a == 'F' && b == 'X') {
				for (j = i + 3; j < n && in[j] != '^' && in[j] != '~'; j++)
					;
				i = j;
				continue;
			}
			if (c == '^' && a == 'F' && (b == 'D' || b == 'V')) {
				for (j = i + 3; j < n && in[j] != '^'; j++)
					;
				sb_add(out, in + i, j - i);
				i = j;
				continue;
			}
			/* ^A takes the font name as the first character of its first parameter. */
			pstart = (c == '^' && a == 'A') ? i + 2 : i + 3;
			if (c == '^')
				mask = a == 'A' ? 0x6 : dot_params(a, b, &small);
			for (j = pstart; j < n && in[j] != '^' && in[j] != '~' && in[j] != '\n' &&
			    in[j] != '\r'; j++)
				;
			sb_add(out, in + i, pstart - i);
			put_params(out, in + pstart, j - pstart, mask, small, dpi);
			i = j;
			continue;
		}
		if (c == '\n') {
			size_t k;

			for (k = line_start; k < out->len && (out->p[k] == ' ' ||
			    out->p[k] == '\t' || out->p[k] == '\r'); k++)
				;
			if (k == out->len) {
				out->len = line_start;      /* a blank line: drop it */
				if (out->p != NULL)
					out->p[out->len] = '\0';
				i++;
				continue;
			}
			sb_add(out, "\n", 1);
			line_start = out->len;
			i++;
			continue;
		}
		sb_add(out, &c, 1);
		i++;
	}
}

/* The first list section with rows= decides the pages. */
static void
paginate(struct render *r, const char *tmpl)
{
	const char *p = tmpl;

	r->page_kind = LIST_NONE;
	r->pages = 1;
	while ((p = strstr(p, "{{#")) != NULL) {
		const char *close = strstr(p, "}}"), *rows;
		size_t nlen;
		enum list_kind k;
		long v;

		if (close == NULL)
			return;
		nlen = tag_name_len(p + 3, (size_t)(close - p - 3));
		k = list_kind(p + 3, nlen);
		rows = strstr(p + 3, "rows=");
		if (k != LIST_NONE && rows != NULL && rows < close && (v = atol(rows + 5)) > 0) {
			size_t count = list_count(r, k);

			r->page_kind = k;
			r->page_rows = (size_t)v;
			r->pages = count == 0 ? 1 : (int)((count + (size_t)v - 1) / (size_t)v);
			return;
		}
		p = close;
	}
}

static int
render(const char *tmpl, const char *tmpl_name, const struct label_data *d,
    const char *font, int dpi, char **out, size_t *len)
{
	struct render r;
	struct sbuf fin = { 0 };
	int rc = 0;

	*out = NULL;
	*len = 0;
	memset(&r, 0, sizeof r);
	last_err[0] = '\0';
	if (dpi != 203 && dpi != 300) {
		snprintf(last_err, sizeof last_err, "dpi %d: labels print at 203 or 300 dpi", dpi);
		return DB_EINVAL;
	}
	if (tmpl == NULL && (tmpl = label_template(tmpl_name)) == NULL) {
		snprintf(last_err, sizeof last_err, "no built-in template %s", tmpl_name);
		return DB_EINVAL;
	}
	r.d = d;
	r.font = font != NULL && font[0] != '\0' ? font : LABEL_FONT_DEFAULT;
	paginate(&r, tmpl);
	for (r.page = 1; r.page <= r.pages && rc == 0; r.page++) {
		r.in_fd = r.field_bc = r.field_fh = 0;
		rc = expand(&r, tmpl, tmpl + strlen(tmpl));
	}
	if (rc != 0) {
		snprintf(last_err, sizeof last_err, "%s", r.err);
		free(r.out.p);
		return rc;
	}
	finish(r.out.p != NULL ? r.out.p : "", r.out.len, dpi, &fin);
	free(r.out.p);
	if (fin.p == NULL)
		sb_add(&fin, "", 0);
	*out = fin.p;
	*len = fin.len;
	return 0;
}

int
label_zpl(const char *tmpl, const struct label_data *d, int dpi, char **out, size_t *len)
{
	return render(tmpl, "label-4x6.zpl", d, d->font, dpi, out, len);
}

int
label_slip_zpl(const char *tmpl, const struct label_data *d, int dpi, char **out,
    size_t *len)
{
	return render(tmpl, "slip-4x6.zpl", d, d->font, dpi, out, len);
}

int
label_command_sheet_zpl(const char *tmpl, const char *font, int dpi, char **out,
    size_t *len)
{
	return render(tmpl, "command-sheet.zpl", NULL, font, dpi, out, len);
}

/*
 * vm_orders.c — the order list as display lines: filtering (status, diacritic-blind
 * search), sorting (open orders by ship-by, most urgent first), selection and
 * scrolling, SLA colour roles against the clock, and column fitting by display width.
 * No curses here: the view draws what this produces, and the tests drive it directly.
 */
#include "vm_orders.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/xalloc.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])
#define ELLIPSIS "…"

static const struct vm_colspec {
	const char *title;
	int min, want, extra;       /* widths: at least, when room, when plenty of room */
	enum vm_align align;
	int drop;                   /* hidden first when too narrow: highest */
} colspec[VM_COL__COUNT] = {
	[VM_COL_NO] =       { "Order no", 12, 15, 18, VM_TAIL, 0 },
	[VM_COL_CHANNEL] =  { "Market", 6, 6, 6, VM_LEFT, 5 },
	[VM_COL_STATUS] =   { "Status", 9, 9, 9, VM_LEFT, 3 },
	[VM_COL_SHIPBY] =   { "Ship by", 11, 11, 11, VM_LEFT, 1 },
	[VM_COL_COD] =      { "COD ₫", 9, 9, 11, VM_RIGHT, 4 },
	[VM_COL_BUYER] =    { "Buyer", 10, 13, 24, VM_LEFT, 2 },
	[VM_COL_PROVINCE] = { "Province", 6, 11, 14, VM_LEFT, 6 },
};

/* The order in which spare columns are handed out, per stage. */
static const enum vm_col grow_want[] = { VM_COL_PROVINCE, VM_COL_NO, VM_COL_BUYER };
static const enum vm_col grow_extra[] = { VM_COL_NO, VM_COL_BUYER, VM_COL_PROVINCE,
    VM_COL_COD };

static const char *const status_label[ST__COUNT] = {
	[ST_NEW] = "new",
	[ST_CONFIRMED] = "confirmed",
	[ST_ON_HOLD] = "on hold",
	[ST_ALLOCATED] = "allocated",
	[ST_PACKING] = "packing",
	[ST_PACKED] = "packed",
	[ST_SHIPPED] = "shipped",
	[ST_DELIVERED] = "delivered",
	[ST_COMPLETED] = "completed",
	[ST_CANCELLED] = "cancelled",
	[ST_RETURNING] = "returning",
	[ST_RETURNED] = "returned",
	[ST_PART_RETURNED] = "part returned",
};

static const char *
label_of(enum order_status st)
{
	return (unsigned)st < ST__COUNT ? status_label[st] : "?";
}

/* Still on the floor: the ship-by deadline matters. */
static int
is_open(enum order_status st)
{
	return st == ST_NEW || st == ST_CONFIRMED || st == ST_ON_HOLD ||
	    st == ST_ALLOCATED || st == ST_PACKING || st == ST_PACKED;
}

/* ---- text ---- */

/* One UTF-8 sequence at s (n bytes available): its code point, or -1 when invalid.
 * *adv gets the bytes used (1 for an invalid byte). Independent of the locale. */
static long
utf8_decode(const char *s, size_t n, size_t *adv)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k, i;
	long c;

	*adv = 1;
	if (u[0] < 0x80)
		return u[0];
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		k = 2;
		c = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		k = 3;
		c = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		k = 4;
		c = u[0] & 0x07;
	} else {
		return -1;
	}
	if (n < k)
		return -1;
	for (i = 1; i < k; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*adv = k;
	return c;
}

static size_t
utf8_encode(char *out, long c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* A character as the terminal will see it: bytes, display width, printable or not. */
struct glyph {
	size_t off, len;
	int w;
	int bad;                    /* invalid or unprintable: shown as '?' */
};

/* Split s into at most max glyphs; returns how many. */
static size_t
glyphs(const char *s, struct glyph *g, size_t max)
{
	size_t n = strlen(s), off = 0, ng = 0, k;
	mbstate_t st;
	wchar_t wc;
	int w;

	memset(&st, 0, sizeof st);
	while (off < n && ng < max) {
		k = mbrtowc(&wc, s + off, n - off, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			g[ng++] = (struct glyph){ off, 1, 1, 1 };
			off++;
			continue;
		}
		w = wcwidth(wc);
		g[ng++] = (struct glyph){ off, k, w < 0 ? 1 : w, w < 0 };
		off += k;
	}
	return ng;
}

int
vm_orders_width(const char *s)
{
	struct glyph g[512];
	size_t n = glyphs(s, g, NELEM(g)), i;
	int w = 0;

	for (i = 0; i < n; i++)
		w += g[i].w;
	return w;
}

/* Append n bytes to dst (len bytes, *used so far); cut silently when full. */
static void
put(char *dst, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used + n + 1 > len)
		n = *used + 1 < len ? len - *used - 1 : 0;
	memcpy(dst + *used, s, n);
	*used += n;
	dst[*used] = '\0';
}

static void
put_glyph(char *dst, size_t len, size_t *used, const char *s, const struct glyph *g)
{
	if (g->bad)
		put(dst, len, used, "?", 1);
	else
		put(dst, len, used, s + g->off, g->len);
}

static void
put_spaces(char *dst, size_t len, size_t *used, int n)
{
	while (n-- > 0)
		put(dst, len, used, " ", 1);
}

size_t
vm_orders_fit(char *dst, size_t len, const char *s, int width, enum vm_align a)
{
	struct glyph g[512];
	size_t n = glyphs(s, g, NELEM(g)), i, first, used = 0;
	int total = 0, w, ell = vm_orders_width(ELLIPSIS);

	if (len == 0)
		return 0;
	dst[0] = '\0';
	if (width <= 0)
		return 0;
	for (i = 0; i < n; i++)
		total += g[i].w;
	if (total <= width) {
		if (a == VM_RIGHT)
			put_spaces(dst, len, &used, width - total);
		for (i = 0; i < n; i++)
			put_glyph(dst, len, &used, s, &g[i]);
		if (a != VM_RIGHT)
			put_spaces(dst, len, &used, width - total);
		return used;
	}
	if (width <= ell) {
		put_spaces(dst, len, &used, width);
		return used;
	}
	if (a == VM_TAIL) {
		/* Keep the end: walk back while it fits, then skip marks left dangling. */
		w = 0;
		first = n;
		while (first > 0 && w + g[first - 1].w <= width - ell) {
			w += g[first - 1].w;
			first--;
		}
		while (first < n && g[first].w == 0)
			first++;
		put(dst, len, &used, ELLIPSIS, strlen(ELLIPSIS));
		for (i = first; i < n; i++)
			put_glyph(dst, len, &used, s, &g[i]);
		put_spaces(dst, len, &used, width - ell - w);
		return used;
	}
	w = 0;
	for (i = 0; i < n && w + g[i].w <= width - ell; i++) {
		put_glyph(dst, len, &used, s, &g[i]);
		w += g[i].w;
	}
	put(dst, len, &used, ELLIPSIS, strlen(ELLIPSIS));
	put_spaces(dst, len, &used, width - ell - w);
	return used;
}

/* The first character of word (with its combining marks) followed by a dot. */
static void
initial(char *out, size_t len, const char *word, size_t wlen)
{
	char tmp[64];
	struct glyph g[16];
	size_t n, i, used = 0;

	snprintf(tmp, sizeof tmp, "%.*s", (int)wlen, word);
	n = glyphs(tmp, g, NELEM(g));
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0 && g[i].w != 0)
			break;
		put_glyph(out, len, &used, tmp, &g[i]);
	}
	put(out, len, &used, ".", 1);
}

size_t
vm_orders_fit_name(char *dst, size_t len, const char *name, int width)
{
	const char *word[8];
	size_t wlen[8], nw = 0, i, first;
	char buf[256];
	const char *p = name;

	if (vm_orders_width(name) <= width)
		return vm_orders_fit(dst, len, name, width, VM_LEFT);
	while (*p != '\0' && nw < NELEM(word)) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		word[nw] = p;
		while (*p != '\0' && *p != ' ')
			p++;
		wlen[nw] = (size_t)(p - word[nw]);
		nw++;
	}
	/* Shorten the middle names, then the family name, keeping the given name whole. */
	for (first = nw >= 3 ? 1 : 0; nw >= 2; first--) {
		size_t used = 0;

		buf[0] = '\0';
		for (i = 0; i < nw; i++) {
			char ini[16];

			if (i > 0)
				put(buf, sizeof buf, &used, " ", 1);
			if (i >= first && i + 1 < nw) {
				initial(ini, sizeof ini, word[i], wlen[i]);
				put(buf, sizeof buf, &used, ini, strlen(ini));
			} else {
				put(buf, sizeof buf, &used, word[i], wlen[i]);
			}
		}
		if (vm_orders_width(buf) <= width || first == 0)
			return vm_orders_fit(dst, len, buf, width, VM_LEFT);
	}
	return vm_orders_fit(dst, len, name, width, VM_LEFT);
}

/* The unaccented lower-case letter for a Vietnamese (or Latin-1) letter, else 0. */
static char
fold_char(long c)
{
	static const char latin1[] =
	    "aaaaaaaceeeeiiiidnooooo*ouuuuyps"
	    "aaaaaaaceeeeiiiidnooooo/ouuuuypy";

	if (c < 0x80)
		return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	if (c >= 0xC0 && c <= 0xFF)
		return latin1[c - 0xC0];
	switch (c) {
	case 0x102: case 0x103: return 'a';
	case 0x110: case 0x111: return 'd';
	case 0x128: case 0x129: return 'i';
	case 0x168: case 0x169: return 'u';
	case 0x1A0: case 0x1A1: return 'o';
	case 0x1AF: case 0x1B0: return 'u';
	default: break;
	}
	if (c >= 0x1EA0 && c <= 0x1EB7)
		return 'a';
	if (c >= 0x1EB8 && c <= 0x1EC7)
		return 'e';
	if (c >= 0x1EC8 && c <= 0x1ECB)
		return 'i';
	if (c >= 0x1ECC && c <= 0x1EE3)
		return 'o';
	if (c >= 0x1EE4 && c <= 0x1EF1)
		return 'u';
	if (c >= 0x1EF2 && c <= 0x1EF9)
		return 'y';
	return 0;
}

void
vm_orders_fold(char *dst, size_t len, const char *s)
{
	size_t n = strlen(s), off = 0, used = 0, adv;
	long c;
	char f;

	if (len == 0)
		return;
	dst[0] = '\0';
	while (off < n) {
		c = utf8_decode(s + off, n - off, &adv);
		if (c >= 0x300 && c <= 0x36F) {
			;   /* combining accents (decomposed text) fold away */
		} else if (c >= 0 && (f = fold_char(c)) != 0) {
			put(dst, len, &used, &f, 1);
		} else {
			put(dst, len, &used, s + off, adv);
		}
		off += adv;
	}
}

void
vm_orders_money(char *dst, size_t len, int64_t v)
{
	char digits[32], out[48];
	size_t nd, i, o = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
	nd = strlen(digits);
	if (v < 0)
		out[o++] = '-';
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(dst, len, "%s", out);
}

void
vm_orders_relative(char *dst, size_t len, int64_t ship_by, int64_t now)
{
	int64_t d = ship_by - now;

	if (ship_by == 0) {
		snprintf(dst, len, "—");
	} else if (d < 0) {
		d = -d;
		if (d < 3600)
			snprintf(dst, len, "overdue %lldm", (long long)(d / 60 > 0 ? d / 60 : 1));
		else if (d < 48 * 3600)
			snprintf(dst, len, "overdue %lldh", (long long)(d / 3600));
		else
			snprintf(dst, len, "overdue %lldd", (long long)(d / 86400));
	} else if (d < 3600) {
		snprintf(dst, len, "in %lldm", (long long)(d / 60));
	} else if (d < 10 * 3600) {
		snprintf(dst, len, "in %lldh%02lldm", (long long)(d / 3600),
		    (long long)(d % 3600 / 60));
	} else if (d < 86400) {
		snprintf(dst, len, "in %lldh", (long long)(d / 3600));
	} else {
		snprintf(dst, len, "in %lldd %lldh", (long long)(d / 86400),
		    (long long)(d % 86400 / 3600));
	}
}

/* "DD/MM HH:MM" at the model's UTC offset. */
static void
short_time(const struct vm_orders *vm, int64_t t, char *dst, size_t len)
{
	char iso[24];

	clock_format(t, vm->tz_offset, iso, sizeof iso);
	snprintf(dst, len, "%.2s/%.2s %.5s", iso + 8, iso + 5, iso + 11);
}

/* ---- rows, filter, selection ---- */

static enum theme_role
role_at(const struct order_row *r, int64_t now)
{
	if (!is_open(r->status))
		return ROLE_DONE;
	if (r->ship_by != 0 && r->ship_by < now)
		return ROLE_SLA_OVERDUE;
	if (r->ship_by != 0 && r->ship_by - now <= VM_SOON_SECS)
		return ROLE_SLA_SOON;
	if (r->status == ST_ON_HOLD)
		return ROLE_HOLD;
	return ROLE_NORMAL;
}

enum theme_role
vm_orders_role(const struct vm_orders *vm, const struct order_row *r)
{
	return role_at(r, vm->now);
}

/* Open orders first, most urgent ship-by first (none last); then the rest, newest first. */
static int
row_cmp(const void *a, const void *b)
{
	const struct order_row *x = a, *y = b;
	int ox = is_open(x->status), oy = is_open(y->status);

	if (ox != oy)
		return oy - ox;
	if (ox) {
		if ((x->ship_by == 0) != (y->ship_by == 0))
			return x->ship_by == 0 ? 1 : -1;
		if (x->ship_by != y->ship_by)
			return x->ship_by < y->ship_by ? -1 : 1;
	} else if (x->created_at != y->created_at) {
		return x->created_at > y->created_at ? -1 : 1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Same order, same everything shown or searched. */
static int
row_same(const struct order_row *a, const struct order_row *b)
{
	return a->id == b->id && a->status == b->status && a->ship_by == b->ship_by &&
	    a->created_at == b->created_at && a->cod == b->cod && a->total == b->total &&
	    a->lines == b->lines && a->units == b->units &&
	    strcmp(a->order_no, b->order_no) == 0 && strcmp(a->channel, b->channel) == 0 &&
	    strcmp(a->shop, b->shop) == 0 && strcmp(a->currency, b->currency) == 0 &&
	    strcmp(a->buyer_name, b->buyer_name) == 0 &&
	    strcmp(a->province, b->province) == 0;
}

int64_t
vm_orders_selected(const struct vm_orders *vm)
{
	return vm->nvis > 0 ? vm->all[vm->vis[vm->sel]].id : 0;
}

static void
scroll_to_sel(struct vm_orders *vm)
{
	size_t page = vm->page > 0 ? (size_t)vm->page : 1;

	if (vm->nvis == 0) {
		vm->sel = vm->top = 0;
		return;
	}
	if (vm->sel >= vm->nvis)
		vm->sel = vm->nvis - 1;
	if (vm->sel < vm->top)
		vm->top = vm->sel;
	if (vm->sel >= vm->top + page)
		vm->top = vm->sel - page + 1;
	if (vm->top + page > vm->nvis)
		vm->top = vm->nvis > page ? vm->nvis - page : 0;
}

/* Search: anywhere in the order number (people type its tail), at the start of a word
 * in the buyer's name ("huong" finds Hương, not Phương). key is "order_no\nbuyer". */
static int
matches(const char *key, const char *needle)
{
	const char *nl = strchr(key, '\n'), *p;

	for (p = key; (p = strstr(p, needle)) != NULL; p++) {
		if (nl == NULL || p < nl || p[-1] == ' ' || p[-1] == '\n')
			return 1;
	}
	return 0;
}

static int
passes(const struct vm_orders *vm, size_t i, const char *needle)
{
	const struct order_row *r = &vm->all[i];

	if (vm->filter == VM_FILTER_OPEN && !is_open(r->status))
		return 0;
	if (vm->filter >= 0 && (int)r->status != vm->filter)
		return 0;
	return needle[0] == '\0' || matches(vm->fold[i], needle);
}

/* Recompute the visible rows; the selection stays on the same order when it can. */
static void
refilter(struct vm_orders *vm)
{
	int64_t keep = vm_orders_selected(vm);
	char needle[sizeof vm->search];
	size_t i;

	vm_orders_fold(needle, sizeof needle, vm->search);
	vm->nvis = 0;
	for (i = 0; i < vm->nall; i++) {
		if (passes(vm, i, needle))
			vm->vis[vm->nvis++] = i;
	}
	for (i = 0; keep != 0 && i < vm->nvis; i++) {
		if (vm->all[vm->vis[i]].id == keep) {
			vm->sel = i;
			break;
		}
	}
	scroll_to_sel(vm);
}

static void
recount(struct vm_orders *vm)
{
	size_t i;

	memset(vm->counts, 0, sizeof vm->counts);
	vm->overdue = vm->soon = 0;
	for (i = 0; i < vm->nall; i++) {
		const struct order_row *r = &vm->all[i];
		enum theme_role role = role_at(r, vm->now);

		if ((unsigned)r->status < ST__COUNT)
			vm->counts[r->status]++;
		vm->overdue += role == ROLE_SLA_OVERDUE;
		vm->soon += role == ROLE_SLA_SOON;
	}
}

static void
free_rows(struct vm_orders *vm)
{
	size_t i;

	for (i = 0; vm->fold != NULL && i < vm->nall; i++)
		free(vm->fold[i]);
	free(vm->fold);
	free(vm->all);
	free(vm->vis);
	vm->fold = NULL;
	vm->all = NULL;
	vm->vis = NULL;
	vm->nall = vm->nvis = 0;
}

/* Take ownership of rows: sort, index for search, count, filter. */
static void
adopt_rows(struct vm_orders *vm, struct order_row *rows, size_t n)
{
	int64_t keep = vm_orders_selected(vm);
	size_t i;

	free_rows(vm);
	vm->all = rows;
	vm->nall = n;
	if (n > 0)
		qsort(vm->all, n, sizeof *vm->all, row_cmp);
	vm->fold = xcalloc(n, sizeof *vm->fold);
	vm->vis = xcalloc(n, sizeof *vm->vis);
	for (i = 0; i < n; i++) {
		char key[sizeof rows->order_no + sizeof rows->buyer_name + 2];
		char f[sizeof key];

		snprintf(key, sizeof key, "%s\n%s", rows[i].order_no, rows[i].buyer_name);
		vm_orders_fold(f, sizeof f, key);
		vm->fold[i] = xstrdup(f);
	}
	recount(vm);
	/* Seed the selection so refilter() can find the order again. */
	vm->nvis = 0;
	for (i = 0; keep != 0 && i < n; i++) {
		if (rows[i].id == keep) {
			vm->vis[0] = i;
			vm->nvis = 1;
			vm->sel = 0;
			break;
		}
	}
	refilter(vm);
}

/*
 * The database as the title names it: a file's base name; on a server, the database and
 * the schema a search_path option names ("pbtest.shop2"), never the URL's user, password
 * or other options.
 */
static void
title_name(const char *path, char *out, size_t len)
{
	const char *end, *p, *slash, *sp;
	int n;

	if (strncmp(path, "postgres", 8) != 0) {
		slash = strrchr(path, '/');
		snprintf(out, len, "%s", slash != NULL ? slash + 1 : path);
		return;
	}
	end = path + strcspn(path, "?#");
	p = strstr(path, "://");
	p = p != NULL && p < end ? p + 3 : path;
	slash = memchr(p, '/', (size_t)(end - p));
	if (slash != NULL && slash + 1 < end)
		n = snprintf(out, len, "%.*s", (int)(end - slash - 1), slash + 1);
	else
		n = snprintf(out, len, "postgresql");
	sp = *end == '?' ? strcasestr(end, "search_path%3D") : NULL;
	if (sp != NULL && n >= 0 && (size_t)n < len) {
		sp += strlen("search_path%3D");
		snprintf(out + n, len - (size_t)n, ".%.*s", (int)strcspn(sp, "&%#"), sp);
	}
}

void
vm_orders_init(struct vm_orders *vm, struct session *s, int64_t now)
{
	memset(vm, 0, sizeof *vm);
	vm->s = s;
	vm->now = now;
	vm->filter = VM_FILTER_OPEN;
	vm->page = 20;
	snprintf(vm->quit_label, sizeof vm->quit_label, "Quit");
	if (s != NULL && s->db != NULL)
		title_name(db_path(s->db), vm->dbname, sizeof vm->dbname);
	vm_orders_layout(vm, 80, 20);
}

void
vm_orders_free(struct vm_orders *vm)
{
	free_rows(vm);
	order_free(vm->detail);
	vm->detail = NULL;
}

void
vm_orders_set_rows(struct vm_orders *vm, const struct order_row *rows, size_t n)
{
	struct order_row *copy = xcalloc(n, sizeof *copy);

	if (n > 0)
		memcpy(copy, rows, n * sizeof *copy);
	adopt_rows(vm, copy, n);
}

int
vm_orders_reload(struct vm_orders *vm)
{
	struct order_filter f;
	struct order_row *rows = NULL;
	size_t n = 0;
	int rc;

	if (vm->s == NULL)
		return 0;
	memset(&f, 0, sizeof f);
	f.status = -1;
	f.sort_ship_by = 1;
	if ((rc = order_list(vm->s, &f, &rows, &n)) != 0) {
		snprintf(vm->msg, sizeof vm->msg, "cannot read orders: %.130s", vm->s->err);
		free(rows);
		return rc;
	}
	if (n > 0)
		qsort(rows, n, sizeof *rows, row_cmp);
	if (n == vm->nall && vm->all != NULL) {
		size_t i;

		for (i = 0; i < n && row_same(&rows[i], &vm->all[i]); i++)
			;
		if (i == n) {
			free(rows);
			return 0;
		}
	}
	adopt_rows(vm, rows, n);
	return 1;
}

int
vm_orders_tick(struct vm_orders *vm, int64_t now)
{
	int64_t old = vm->now, overdue = vm->overdue, soon = vm->soon;
	size_t i;
	int r = 0;

	vm->now = now;
	recount(vm);
	if (now / 60 != old / 60 || overdue != vm->overdue || soon != vm->soon)
		r = VM_REDRAW;
	for (i = vm->top; r == 0 && i < vm->nvis && i < vm->top + (size_t)vm->page; i++) {
		const struct order_row *row = &vm->all[vm->vis[i]];

		if (role_at(row, old) != role_at(row, now))
			r = VM_REDRAW;
	}
	return r;
}

/* ---- keys ---- */

static void
move_sel(struct vm_orders *vm, long delta)
{
	long s = (long)vm->sel + delta;

	if (vm->nvis == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)vm->nvis)
		s = (long)vm->nvis - 1;
	vm->sel = (size_t)s;
	scroll_to_sel(vm);
}

/* Next status filter in direction dir, skipping statuses with no orders. */
static void
cycle_filter(struct vm_orders *vm, int dir)
{
	/* The ring: open, each status, all. */
	int ring[ST__COUNT + 2], n = 0, i, at = 0;

	ring[n++] = VM_FILTER_OPEN;
	for (i = 0; i < ST__COUNT; i++)
		ring[n++] = i;
	ring[n++] = VM_FILTER_ALL;
	for (i = 0; i < n; i++) {
		if (ring[i] == vm->filter)
			at = i;
	}
	for (i = 0; i < n; i++) {
		at = (at + dir + n) % n;
		if (ring[at] < 0 || vm->counts[ring[at]] > 0)
			break;
	}
	vm->filter = ring[at];
	refilter(vm);
}

static void
search_backspace(struct vm_orders *vm)
{
	size_t n = strlen(vm->search);

	while (n > 0 && ((unsigned char)vm->search[n - 1] & 0xC0) == 0x80)
		n--;
	if (n > 0)
		n--;
	vm->search[n] = '\0';
}

static int
key_nav(struct vm_orders *vm, int key)
{
	long page = vm->page > 1 ? vm->page - 1 : 1;

	switch (key) {
	case VK_UP:
		move_sel(vm, -1);
		break;
	case VK_DOWN:
		move_sel(vm, 1);
		break;
	case VK_PGUP:
		move_sel(vm, -page);
		break;
	case VK_PGDN:
		move_sel(vm, page);
		break;
	case VK_HOME:
		move_sel(vm, -(long)vm->nvis);
		break;
	case VK_END:
		move_sel(vm, (long)vm->nvis);
		break;
	default:
		return VM_IGNORED;
	}
	return VM_HANDLED | VM_REDRAW;
}

static int
key_search(struct vm_orders *vm, int key)
{
	char enc[4];
	size_t n, k;

	switch (key) {
	case VK_ENTER:
		vm->editing = 0;
		return VM_HANDLED | VM_REDRAW;
	case VK_ESC:
		vm->editing = 0;
		vm->search[0] = '\0';
		refilter(vm);
		return VM_HANDLED | VM_REDRAW;
	case VK_BACKSPACE:
		search_backspace(vm);
		refilter(vm);
		return VM_HANDLED | VM_REDRAW;
	default:
		break;
	}
	if (key_nav(vm, key) != VM_IGNORED)
		return VM_HANDLED | VM_REDRAW;
	if (key < 0x20 || key == 0x7F || key >= 0x110000)
		return VM_IGNORED;
	k = utf8_encode(enc, key);
	n = strlen(vm->search);
	if (n + k >= sizeof vm->search)
		return VM_HANDLED;
	memcpy(vm->search + n, enc, k);
	vm->search[n + k] = '\0';
	refilter(vm);
	return VM_HANDLED | VM_REDRAW;
}

static int
key_detail(struct vm_orders *vm, int key)
{
	switch (key) {
	case VK_ESC:
	case VK_ENTER:
	case VK_BACKSPACE:
	case 'q':
		order_free(vm->detail);
		vm->detail = NULL;
		return VM_HANDLED | VM_REDRAW;
	case VK_UP:
		if (vm->detail_top > 0)
			vm->detail_top--;
		return VM_HANDLED | VM_REDRAW;
	case VK_DOWN:
		vm->detail_top++;       /* the view clamps it */
		return VM_HANDLED | VM_REDRAW;
	case VK_PGUP:
		vm->detail_top = vm->detail_top > 10 ? vm->detail_top - 10 : 0;
		return VM_HANDLED | VM_REDRAW;
	case VK_PGDN:
		vm->detail_top += 10;
		return VM_HANDLED | VM_REDRAW;
	default:
		return VM_HANDLED;      /* the panel is modal */
	}
}

void
vm_orders_show_detail(struct vm_orders *vm, struct order *o)
{
	order_free(vm->detail);
	vm->detail = o;
	vm->detail_top = 0;
}

static int
open_detail(struct vm_orders *vm)
{
	struct order *o = NULL;
	int64_t id = vm_orders_selected(vm);

	if (id == 0 || vm->s == NULL)
		return VM_HANDLED;
	if (order_load(vm->s, id, &o) != 0) {
		snprintf(vm->msg, sizeof vm->msg, "cannot open order: %.130s", vm->s->err);
		return VM_HANDLED | VM_REDRAW;
	}
	vm_orders_show_detail(vm, o);
	return VM_HANDLED | VM_REDRAW;
}

int
vm_orders_key(struct vm_orders *vm, int key)
{
	int r = VM_IGNORED;

	if (vm->msg[0] != '\0') {
		vm->msg[0] = '\0';
		r = VM_REDRAW;
	}
	if (vm->detail != NULL)
		return r | key_detail(vm, key);
	if (vm->editing)
		return r | key_search(vm, key);
	if ((r |= key_nav(vm, key)) & VM_HANDLED)
		return r;
	switch (key) {
	case 'q':
	case 'Q':
		return r | VM_HANDLED | VM_DONE;
	case 'k':
		return r | key_nav(vm, VK_UP);
	case 'j':
		return r | key_nav(vm, VK_DOWN);
	case '/':
		vm->editing = 1;
		vm->search[0] = '\0';
		refilter(vm);
		return r | VM_HANDLED | VM_REDRAW;
	case VK_ESC:
		if (vm->search[0] == '\0')
			return r | VM_HANDLED;
		vm->search[0] = '\0';
		refilter(vm);
		return r | VM_HANDLED | VM_REDRAW;
	case 's':
		cycle_filter(vm, 1);
		return r | VM_HANDLED | VM_REDRAW;
	case 'S':
		cycle_filter(vm, -1);
		return r | VM_HANDLED | VM_REDRAW;
	case 'r':
		vm_orders_reload(vm);
		return r | VM_HANDLED | VM_REDRAW;
	case VK_ENTER:
		return r | open_detail(vm);
	default:
		return r;
	}
}

/* ---- layout and lines ---- */

void
vm_orders_layout(struct vm_orders *vm, int cols, int page)
{
	int shown[VM_COL__COUNT], nshown = VM_COL__COUNT, used, i, rem;
	size_t k;

	vm->cols = cols > 0 ? cols : 0;
	vm->page = page > 0 ? page : 1;
	for (i = 0; i < VM_COL__COUNT; i++)
		shown[i] = 1;
	for (;;) {
		int worst = -1;

		used = nshown - 1;
		for (i = 0; i < VM_COL__COUNT; i++)
			used += shown[i] ? colspec[i].min : 0;
		if (used <= vm->cols || nshown == 1)
			break;
		for (i = 0; i < VM_COL__COUNT; i++) {
			if (shown[i] && (worst < 0 || colspec[i].drop > colspec[worst].drop))
				worst = i;
		}
		shown[worst] = 0;
		nshown--;
	}
	for (i = 0; i < VM_COL__COUNT; i++)
		vm->width[i] = shown[i] ? colspec[i].min : 0;
	rem = vm->cols - used;
	for (k = 0; k < NELEM(grow_want) && rem > 0; k++) {
		enum vm_col c = grow_want[k];
		int add = shown[c] ? colspec[c].want - vm->width[c] : 0;

		add = add < rem ? add : rem;
		vm->width[c] += add;
		rem -= add;
	}
	for (k = 0; k < NELEM(grow_extra) && rem > 0; k++) {
		enum vm_col c = grow_extra[k];
		int add = shown[c] ? colspec[c].extra - vm->width[c] : 0;

		add = add < rem ? add : rem;
		vm->width[c] += add;
		rem -= add;
	}
	/* Whatever is left pads the last column shown. */
	if (rem > 0) {
		for (i = VM_COL__COUNT - 1; i > 0 && !shown[i]; i--)
			;
		vm->width[i] += rem;
	}
	if (vm->cols < used)   /* one column, still too wide: cut it */
		for (i = 0; i < VM_COL__COUNT; i++)
			if (shown[i])
				vm->width[i] = vm->cols;
	scroll_to_sel(vm);
}

/* Join the cells into one line, one space between shown columns. */
static void
join(const struct vm_orders *vm, char cells[VM_COL__COUNT][512], char *buf, size_t len)
{
	size_t used = 0;
	int i, any = 0;

	buf[0] = '\0';
	for (i = 0; i < VM_COL__COUNT; i++) {
		if (vm->width[i] == 0)
			continue;
		if (any)
			put(buf, len, &used, " ", 1);
		put(buf, len, &used, cells[i], strlen(cells[i]));
		any = 1;
	}
}

void
vm_orders_heading(struct vm_orders *vm, char *buf, size_t len)
{
	char cells[VM_COL__COUNT][512];
	int i;

	for (i = 0; i < VM_COL__COUNT; i++) {
		enum vm_align a = colspec[i].align == VM_RIGHT ? VM_RIGHT : VM_LEFT;

		vm_orders_fit(cells[i], sizeof cells[i], colspec[i].title, vm->width[i], a);
	}
	join(vm, cells, buf, len);
}

const char *
vm_orders_channel(const char *ch)
{
	if (strcmp(ch, "shopee") == 0)
		return "Shopee";
	if (strcmp(ch, "lazada") == 0)
		return "Lazada";
	if (strcmp(ch, "tiktok") == 0)
		return "TikTok";
	if (strcmp(ch, "manual") == 0)
		return "Manual";
	return ch;
}

static void
cod_text(const struct order_row *r, char *dst, size_t len)
{
	char m[32];

	if (r->cod <= 0) {
		snprintf(dst, len, "—");
		return;
	}
	vm_orders_money(m, sizeof m, r->cod);
	if (strcmp(r->currency, "VND") == 0 || r->currency[0] == '\0')
		snprintf(dst, len, "%s", m);
	else
		snprintf(dst, len, "%s %s", m, r->currency);
}

enum theme_role
vm_orders_line(struct vm_orders *vm, size_t i, char *buf, size_t len)
{
	char cells[VM_COL__COUNT][512], tmp[64];
	const struct order_row *r;
	const int *w = vm->width;

	if (i >= vm->nvis) {
		vm_orders_fit(buf, len, "", vm->cols, VM_LEFT);
		return ROLE_NORMAL;
	}
	r = &vm->all[vm->vis[i]];
	vm_orders_fit(cells[VM_COL_NO], 512, r->order_no, w[VM_COL_NO], VM_TAIL);
	vm_orders_fit(cells[VM_COL_CHANNEL], 512, vm_orders_channel(r->channel),
	    w[VM_COL_CHANNEL], VM_LEFT);
	vm_orders_fit(cells[VM_COL_STATUS], 512, label_of(r->status), w[VM_COL_STATUS],
	    VM_LEFT);
	if (is_open(r->status))
		vm_orders_relative(tmp, sizeof tmp, r->ship_by, vm->now);
	else
		snprintf(tmp, sizeof tmp, "—");
	vm_orders_fit(cells[VM_COL_SHIPBY], 512, tmp, w[VM_COL_SHIPBY], VM_LEFT);
	cod_text(r, tmp, sizeof tmp);
	vm_orders_fit(cells[VM_COL_COD], 512, tmp, w[VM_COL_COD], VM_RIGHT);
	vm_orders_fit_name(cells[VM_COL_BUYER], 512, r->buyer_name, w[VM_COL_BUYER]);
	vm_orders_fit(cells[VM_COL_PROVINCE], 512, r->province, w[VM_COL_PROVINCE], VM_LEFT);
	join(vm, cells, buf, len);
	return role_at(r, vm->now);
}

/* ---- title, footer, detail ---- */

static int
seg_add(struct vm_seg *segs, int n, int max, enum theme_role role, int gap,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int
seg_add(struct vm_seg *segs, int n, int max, enum theme_role role, int gap,
    const char *fmt, ...)
{
	va_list ap;

	if (n >= max)
		return n;
	va_start(ap, fmt);
	vsnprintf(segs[n].text, sizeof segs[n].text, fmt, ap);
	va_end(ap);
	segs[n].role = role;
	segs[n].right = 0;
	segs[n].gap = gap;
	return n + 1;
}

/* Columns a line of segments takes: margins, texts, gaps, one space between groups. */
static int
segs_width(const struct vm_seg *segs, int n)
{
	int w = 2, i, last_left = -1, last = n - 1;

	for (i = 0; i < n; i++) {
		w += vm_orders_width(segs[i].text);
		if (!segs[i].right)
			last_left = i;
	}
	for (i = 0; i < n; i++) {
		if (i != last_left && i != last)
			w += segs[i].gap;
	}
	return last_left >= 0 && last_left != last ? w + 1 : w;
}

int
vm_orders_title(struct vm_orders *vm, struct vm_seg *segs, int max, int cols)
{
	struct vm_seg s[ST__COUNT + 4];
	int n = 0, nleft, i, st;
	char num[32], iso[24];

	n = seg_add(s, n, (int)NELEM(s), ROLE_TITLE, 2, "%s",
	    vm->dbname[0] != '\0' ? vm->dbname : "packbench");
	for (st = 0; st < ST__COUNT; st++) {
		if (vm->counts[st] == 0)
			continue;
		vm_orders_money(num, sizeof num, vm->counts[st]);
		n = seg_add(s, n, (int)NELEM(s), ROLE_TITLE, 2, "%s %s", status_label[st], num);
	}
	nleft = n;
	if (vm->overdue > 0) {
		vm_orders_money(num, sizeof num, vm->overdue);
		n = seg_add(s, n, (int)NELEM(s), ROLE_TITLE_ALERT, 2, "overdue %s", num);
	}
	clock_format(vm->now, vm->tz_offset, iso, sizeof iso);
	n = seg_add(s, n, (int)NELEM(s), ROLE_TITLE, 0, "%s", iso + 11);
	for (i = nleft; i < n; i++)
		s[i].right = 1;
	/* Drop status counts from the end until it fits. */
	while (nleft > 1 && segs_width(s, n) > cols) {
		memmove(&s[nleft - 1], &s[nleft], sizeof s[0] * (size_t)(n - nleft));
		nleft--;
		n--;
	}
	for (i = 0; i < n && i < max; i++)
		segs[i] = s[i];
	return i;
}

int
vm_orders_footer(struct vm_orders *vm, struct vm_seg *segs, int max, int cols)
{
	struct vm_seg s[16];
	char a[32], b[32];
	int n = 0, i, keep;

	if (vm->msg[0] != '\0') {
		n = seg_add(s, n, (int)NELEM(s), ROLE_MESSAGE, 1, "%s", vm->msg);
	} else if (vm->detail != NULL) {
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "Esc");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "Close");
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "↑↓");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 1, "Scroll");
	} else if (vm->editing) {
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 1, "Search:");
		n = seg_add(s, n, (int)NELEM(s), ROLE_PROMPT, 2, "%s_", vm->search);
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "Enter");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "Keep");
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "Esc");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 1, "Clear");
	} else {
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "↑↓");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "Move");
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "/");
		if (vm->search[0] != '\0')
			n = seg_add(s, n, (int)NELEM(s), ROLE_PROMPT, 2, "“%s”", vm->search);
		else
			n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "Search");
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "s");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "Status:%s",
		    vm->filter == VM_FILTER_OPEN ? "open" : vm->filter == VM_FILTER_ALL ?
		    "all" : label_of((enum order_status)vm->filter));
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "Enter");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "Detail");
		n = seg_add(s, n, (int)NELEM(s), ROLE_KEY, 1, "q");
		n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 2, "%s", vm->quit_label);
	}
	vm_orders_money(a, sizeof a, vm->nvis > 0 ? (int64_t)vm->sel + 1 : 0);
	vm_orders_money(b, sizeof b, (int64_t)vm->nvis);
	keep = n;
	n = seg_add(s, n, (int)NELEM(s), ROLE_FOOTER, 0, "%s/%s", a, b);
	s[n - 1].right = 1;
	/* Too narrow: drop key hints in pairs before the position; in the list, "Move" goes
	 * first (arrows need no hint), then from the end. */
	if (vm->msg[0] == '\0' && vm->detail == NULL && !vm->editing &&
	    segs_width(s, n) > cols) {
		memmove(&s[0], &s[2], sizeof s[0] * (size_t)(n - 2));
		keep -= 2;
		n -= 2;
	}
	while (keep > 2 && segs_width(s, n) > cols) {
		memmove(&s[keep - 2], &s[keep], sizeof s[0] * (size_t)(n - keep));
		keep -= 2;
		n -= 2;
	}
	for (i = 0; i < n && i < max; i++)
		segs[i] = s[i];
	return i;
}

/* Append a line to a growing array. */
static void
line_add(struct vm_line **lines, size_t *n, size_t *cap, enum theme_role role,
    const char *text, int width)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*lines = xrealloc(*lines, *cap * sizeof **lines);
	}
	vm_orders_fit((*lines)[*n].text, sizeof (*lines)[*n].text, text, width, VM_LEFT);
	(*lines)[*n].role = role;
	(*n)++;
}

/* "Label   value" lines; a long value wraps at spaces under itself. */
static void
field(struct vm_line **lines, size_t *n, size_t *cap, const char *label, const char *value,
    int width)
{
	char buf[VM_LINE_MAX], head[32];
	const char *p = value;
	int indent = 10, avail = width - indent, first = 1;
	size_t used;

	snprintf(head, sizeof head, "%-*s", indent, label);
	if (avail < 10) {
		snprintf(buf, sizeof buf, "%s%s", head, value);
		line_add(lines, n, cap, ROLE_PANEL, buf, width);
		return;
	}
	do {
		const char *cut = p, *q = p;
		char part[VM_LINE_MAX];

		/* Take words while they fit; a single long word is cut by the fitter. */
		while (*q != '\0') {
			const char *e = q;

			while (*e == ' ')
				e++;
			while (*e != '\0' && *e != ' ')
				e++;
			snprintf(part, sizeof part, "%.*s", (int)(e - p), p);
			if (vm_orders_width(part) > avail && cut != p)
				break;
			cut = q = e;
		}
		used = 0;
		buf[0] = '\0';
		put(buf, sizeof buf, &used, first ? head : "", first ? strlen(head) : 0);
		put_spaces(buf, sizeof buf, &used, first ? 0 : indent);
		put(buf, sizeof buf, &used, p, (size_t)(cut - p));
		line_add(lines, n, cap, ROLE_PANEL, buf, width);
		first = 0;
		p = cut;
		while (*p == ' ')
			p++;
	} while (*p != '\0');
}

size_t
vm_orders_detail(struct vm_orders *vm, int width, struct vm_line **lines)
{
	const struct order *o = vm->detail;
	struct vm_line *l = NULL;
	size_t n = 0, cap = 0, i;
	char buf[VM_LINE_MAX], t1[32], t2[32], rel[32], m1[32], m2[32];
	char c_no[16], c_sku[128], c_name[512], c_qty[32], c_price[64];
	int wname, wsku = 16;
	int64_t units = 0;

	*lines = NULL;
	if (o == NULL)
		return 0;
	snprintf(buf, sizeof buf, "Order %s · %s shop %s", o->order_no,
	    vm_orders_channel(o->channel), o->shop);
	line_add(&l, &n, &cap, ROLE_PANEL_TITLE, buf, width);
	short_time(vm, o->ship_by, t1, sizeof t1);
	vm_orders_relative(rel, sizeof rel, o->ship_by, vm->now);
	snprintf(buf, sizeof buf, "%-12s  ship by %s (%s)", label_of(o->status),
	    o->ship_by ? t1 : "—", rel);
	field(&l, &n, &cap, "Status", buf, width);
	short_time(vm, o->created_at, t2, sizeof t2);
	field(&l, &n, &cap, "Created", t2, width);
	snprintf(buf, sizeof buf, "%s · %s", o->buyer_name, o->buyer_phone);
	field(&l, &n, &cap, "Buyer", buf, width);
	snprintf(buf, sizeof buf, "%s%s%s%s%s", o->address,
	    o->district[0] ? ", " : "", o->district, o->province[0] ? ", " : "", o->province);
	field(&l, &n, &cap, "Address", buf, width);
	vm_orders_money(m1, sizeof m1, o->cod);
	vm_orders_money(m2, sizeof m2, o->total);
	if (o->cod > 0)
		snprintf(buf, sizeof buf, "%s %s to collect · total %s %s", m1, o->currency,
		    m2, o->currency);
	else
		snprintf(buf, sizeof buf, "prepaid · total %s %s", m2, o->currency);
	field(&l, &n, &cap, "COD", buf, width);
	if (o->tracking_no != NULL && o->tracking_no[0] != '\0')
		field(&l, &n, &cap, "Tracking", o->tracking_no, width);
	line_add(&l, &n, &cap, ROLE_PANEL, "", width);

	/* The lines as a small table: #, SKU, name, qty, unit price. */
	if (width < 40)
		wsku = 10;
	wname = width - 3 - 1 - wsku - 1 - 1 - 4 - 1 - 10;
	if (wname < 4)
		wname = 4;
	vm_orders_fit(c_no, sizeof c_no, "#", 3, VM_RIGHT);
	vm_orders_fit(c_sku, sizeof c_sku, "SKU", wsku, VM_LEFT);
	vm_orders_fit(c_name, sizeof c_name, "Item", wname, VM_LEFT);
	vm_orders_fit(c_qty, sizeof c_qty, "Qty", 4, VM_RIGHT);
	vm_orders_fit(c_price, sizeof c_price, "Price ₫", 10, VM_RIGHT);
	snprintf(buf, sizeof buf, "%s %s %s %s %s", c_no, c_sku, c_name, c_qty, c_price);
	line_add(&l, &n, &cap, ROLE_PANEL_TITLE, buf, width);
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *ol = &o->lines[i];
		char num[16];

		snprintf(num, sizeof num, "%d", ol->line_no);
		vm_orders_fit(c_no, sizeof c_no, num, 3, VM_RIGHT);
		vm_orders_fit(c_sku, sizeof c_sku, ol->sku ? ol->sku : "", wsku, VM_LEFT);
		vm_orders_fit(c_name, sizeof c_name, ol->name ? ol->name : "", wname, VM_LEFT);
		snprintf(num, sizeof num, "%lld", (long long)ol->qty);
		vm_orders_fit(c_qty, sizeof c_qty, num, 4, VM_RIGHT);
		vm_orders_money(m1, sizeof m1, ol->unit_price);
		vm_orders_fit(c_price, sizeof c_price, m1, 10, VM_RIGHT);
		snprintf(buf, sizeof buf, "%s %s %s %s %s", c_no, c_sku, c_name, c_qty, c_price);
		line_add(&l, &n, &cap, ROLE_PANEL, buf, width);
		units += ol->qty;
	}
	snprintf(buf, sizeof buf, "%zu line%s, %lld unit%s", o->nlines,
	    o->nlines == 1 ? "" : "s", (long long)units, units == 1 ? "" : "s");
	line_add(&l, &n, &cap, ROLE_PANEL, buf, width);
	*lines = l;
	return n;
}

/*
 * market.c — the shared values of the connectors' pure parts: error classes, pages,
 * mapped orders with the strings they own, tokens, window splitting and money text.
 */
#include "market.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"

const char *
market_class_name(enum market_class cls)
{
	static const char *const names[] = {
		[MC_OK] = "ok", [MC_RETRY] = "retry", [MC_AUTH] = "auth",
		[MC_FATAL] = "fatal", [MC_RATE] = "rate-limited", [MC_QUOTA] = "quota",
	};

	return (unsigned)cls < sizeof names / sizeof names[0] ? names[cls] : "?";
}

static void
one_line(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	}
}

void
market_line_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
	one_line(dst);
}

enum market_class
market_error_set(struct market_error *err, enum market_class cls, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	/* One line, whatever a body quoted in it held (fuzz_market_json found newlines in
	 * the message, then in the code). */
	one_line(err->msg);
	market_line_copy(err->code, sizeof err->code, code);
	return cls;
}

void
market_page_free(struct market_page *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->ids[i]);
	free(p->ids);
	free(p->cursor);
	memset(p, 0, sizeof *p);
}

void
market_orders_free(struct market_orders *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		free(o->v[i].lines);
		free(o->v[i].listings);
	}
	free(o->v);
	for (i = 0; i < o->nstrs; i++)
		free(o->strs[i]);
	free(o->strs);
	memset(o, 0, sizeof *o);
}

const char *
market_orders_str(struct market_orders *o, const char *s)
{
	if (s == NULL)
		return NULL;
	if (o->nstrs == o->capstrs) {
		o->capstrs = o->capstrs ? o->capstrs * 2 : 64;
		o->strs = xrealloc(o->strs, o->capstrs * sizeof *o->strs);
	}
	o->strs[o->nstrs] = xstrdup(s);
	return o->strs[o->nstrs++];
}

struct market_order *
market_orders_find(struct market_orders *o, const char *order_no)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (strcmp(o->v[i].in.order_no, order_no) == 0)
			return &o->v[i];
	}
	return NULL;
}

struct market_order *
market_orders_get(struct market_orders *o, const char *channel, const char *order_no)
{
	struct market_order *mo = market_orders_find(o, order_no);

	if (mo != NULL)
		return mo;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->v = xrealloc(o->v, o->cap * sizeof *o->v);
	}
	mo = &o->v[o->n++];
	memset(mo, 0, sizeof *mo);
	mo->in.channel = channel;
	mo->in.order_no = market_orders_str(o, order_no);
	mo->in.status = ST_NEW;
	return mo;
}

void
market_order_line(struct market_orders *o, struct market_order *mo, const char *sku,
    int64_t qty, int64_t unit_price)
{
	size_t i;

	for (i = 0; i < mo->in.nlines; i++) {
		if (strcmp(mo->lines[i].sku, sku) == 0 && mo->lines[i].unit_price == unit_price) {
			mo->lines[i].qty += qty;
			return;
		}
	}
	if (mo->in.nlines == mo->caplines) {
		mo->caplines = mo->caplines ? mo->caplines * 2 : 4;
		mo->lines = xrealloc(mo->lines, mo->caplines * sizeof *mo->lines);
	}
	mo->lines[mo->in.nlines].sku = market_orders_str(o, sku);
	mo->lines[mo->in.nlines].qty = qty;
	mo->lines[mo->in.nlines].unit_price = unit_price;
	mo->in.nlines++;
	mo->in.lines = mo->lines;
}

void
market_order_listing(struct market_orders *o, struct market_order *mo, const char *sku,
    const char *item_id, const char *model_id)
{
	size_t i;

	if (sku == NULL || *sku == '\0' || item_id == NULL || *item_id == '\0')
		return;
	for (i = 0; i < mo->nlistings; i++) {
		if (strcmp(mo->listings[i].sku, sku) == 0)
			return;
	}
	if (mo->nlistings == mo->caplistings) {
		mo->caplistings = mo->caplistings ? mo->caplistings * 2 : 4;
		mo->listings = xrealloc(mo->listings, mo->caplistings * sizeof *mo->listings);
	}
	mo->listings[mo->nlistings].sku = market_orders_str(o, sku);
	mo->listings[mo->nlistings].item_id = market_orders_str(o, item_id);
	mo->listings[mo->nlistings].model_id = market_orders_str(o, model_id != NULL ? model_id : "");
	mo->nlistings++;
}

void
market_token_free(struct market_token *t)
{
	if (t->access_token != NULL)
		memset(t->access_token, 0, strlen(t->access_token));
	if (t->refresh_token != NULL)
		memset(t->refresh_token, 0, strlen(t->refresh_token));
	free(t->access_token);
	free(t->refresh_token);
	memset(t, 0, sizeof *t);
}

size_t
market_window_split(int64_t from, int64_t to, int64_t max, int64_t overlap,
    struct market_window **out)
{
	size_t n = 0, cap;
	int64_t at;

	*out = NULL;
	from = from - overlap < 0 ? 0 : from - overlap;
	if (to <= from)
		return 0;
	cap = max > 0 ? (size_t)((to - from + max - 1) / max) : 1;
	*out = xcalloc(cap, sizeof **out);
	for (at = from; at < to; n++) {
		(*out)[n].from = at;
		(*out)[n].to = max > 0 && to - at > max ? at + max : to;
		at = (*out)[n].to;
	}
	return n;
}

int
market_currency_exp(const char *currency)
{
	/* ISO 4217 currencies of the region without a minor unit; the rest have two. */
	static const char *const none[] = { "VND", "KRW", "JPY", NULL };
	const char *const *c;

	for (c = none; currency != NULL && *c != NULL; c++) {
		if (strcmp(*c, currency) == 0)
			return 0;
	}
	return 2;
}

int
market_money_parse(const char *text, int exp, int64_t *out)
{
	const char *p = text;
	int64_t v = 0;
	int neg = 0, frac = -1, digits = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -1;
		if (frac >= exp) {      /* beyond the minor unit: only zeros are exact */
			if (*p != '0')
				return -1;
			continue;
		}
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
		digits++;
		if (frac >= 0)
			frac++;
	}
	if (digits == 0)
		return -1;
	for (frac = frac < 0 ? 0 : frac; frac < exp; frac++) {
		if (v > INT64_MAX / 10)
			return -1;
		v *= 10;
	}
	*out = neg ? -v : v;
	return 0;
}

void
market_iso8601(int64_t t, int64_t offset_secs, char *buf, size_t len)
{
	time_t tt = (time_t)(t + offset_secs);
	struct tm tm;
	int64_t a = offset_secs < 0 ? -offset_secs : offset_secs;

	gmtime_r(&tt, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    offset_secs < 0 ? '-' : '+', (int)(a / 3600), (int)(a % 3600 / 60));
}

char *
market_join_ids(const char *chan, const char *const *ids, size_t n, size_t max, char sep,
    char *err, size_t errlen)
{
	size_t i, len = 0, off = 0;
	char *s;

	if (n == 0 || n > max) {
		snprintf(err, errlen, "%s: a detail batch holds 1..%zu orders, not %zu", chan, max, n);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (ids[i] == NULL || ids[i][0] == '\0' || strchr(ids[i], sep) != NULL) {
			snprintf(err, errlen, "%s: bad order id \"%s\"", chan, ids[i] ? ids[i] : "");
			return NULL;
		}
		len += strlen(ids[i]) + 1;
	}
	s = xmalloc(len);
	for (i = 0; i < n; i++) {
		size_t l = strlen(ids[i]);

		memcpy(s + off, ids[i], l);
		off += l;
		s[off++] = sep;
	}
	s[off - 1] = '\0';
	return s;
}

/*
 * slip_pdf.c — the packing slip drawn with cairo's PDF surface into memory. Text goes
 * through the toy text API with DejaVu Sans, which has every precomposed Vietnamese
 * letter; before drawing, the font fontconfig actually picked is checked for them, so a
 * machine without the font fails with a clear message instead of printing boxes.
 */
#include "slip_pdf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define VN_OFFSET (7 * 3600)

/* Every Vietnamese letter that is not plain ASCII, lower and upper case. */
static const char vn_letters[] =
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ";

/* Page and type sizes in points. */
struct metrics {
	double w, h, margin;
	double title, big, body, small;
	double row;
};

static const struct metrics sizes[] = {
	[SLIP_A4] = { 595.276, 841.890, 40, 18, 14, 10, 8, 17 },
	[SLIP_A6] = { 297.638, 419.528, 14, 9.5, 9, 7, 5.5, 11 },
};

struct pdfbuf {
	unsigned char *p;
	size_t len, cap;
};

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int n)
{
	struct pdfbuf *b = closure;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return CAIRO_STATUS_SUCCESS;
}

int
slip_pdf_size_parse(const char *text, enum slip_size *out)
{
	if (strcasecmp(text, "a4") == 0)
		*out = SLIP_A4;
	else if (strcasecmp(text, "a6") == 0)
		*out = SLIP_A6;
	else
		return -1;
	return 0;
}

static void
font(cairo_t *cr, double size, int bold)
{
	cairo_select_font_face(cr, SLIP_PDF_FONT, CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/* 0 when the current font maps every character of text to a real glyph. */
static int
has_glyphs(cairo_t *cr, const char *text)
{
	cairo_scaled_font_t *sf = cairo_get_scaled_font(cr);
	cairo_glyph_t *glyphs = NULL;
	int n = 0, i, missing = 0;

	if (cairo_scaled_font_text_to_glyphs(sf, 0, 0, text, -1, &glyphs, &n, NULL, NULL,
	    NULL) != CAIRO_STATUS_SUCCESS)
		return -1;
	for (i = 0; i < n; i++) {
		if (glyphs[i].index == 0)
			missing++;
	}
	cairo_glyph_free(glyphs);
	return missing ? -1 : 0;
}

static int
font_check(cairo_t *cr, char *err, size_t errlen)
{
	int bold;

	for (bold = 0; bold <= 1; bold++) {
		font(cr, 10, bold);
		if (has_glyphs(cr, vn_letters) != 0) {
			snprintf(err, errlen, "PDF slip: the font '%s'%s lacks Vietnamese letters "
			    "(install fonts-dejavu-core)", SLIP_PDF_FONT, bold ? " (bold)" : "");
			return -1;
		}
	}
	return 0;
}

int
slip_pdf_font_check(char *err, size_t errlen)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_A8, 8, 8);
	cairo_t *cr = cairo_create(surf);
	int rc = font_check(cr, err, errlen);

	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	return rc;
}

void
slip_pdf_cleanup(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}

static double
text_w(cairo_t *cr, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

/* Byte length of the next UTF-8 character at s (combining marks stay with it). */
static size_t
u8next(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4, i;

	for (i = 1; i < n; i++) {
		if (p[i] == '\0')
			return i;
	}
	while (p[n] == 0xcc || (p[n] == 0xcd && p[n + 1] < 0xb0))
		n += 2;
	return n;
}

/* s cut with an ellipsis to fit in maxw at the current font; caller frees. */
static char *
fit(cairo_t *cr, const char *s, double maxw)
{
	size_t len = strlen(s), keep = 0, step;
	char *buf;

	if (text_w(cr, s) <= maxw)
		return xstrdup(s);
	buf = xmalloc(len + 4);
	for (;;) {
		step = u8next(s + keep);
		if (keep + step > len)
			break;
		memcpy(buf, s, keep + step);
		memcpy(buf + keep + step, "…", sizeof "…");
		if (text_w(cr, buf) > maxw)
			break;
		keep += step;
	}
	memcpy(buf, s, keep);
	memcpy(buf + keep, "…", sizeof "…");
	return buf;
}

static void
show(cairo_t *cr, double x, double y, const char *s, double maxw)
{
	char *t = fit(cr, s, maxw);

	cairo_move_to(cr, x, y);
	cairo_show_text(cr, t);
	free(t);
}

static void
show_right(cairo_t *cr, double xr, double y, const char *s, double maxw)
{
	char *t = fit(cr, s, maxw);

	cairo_move_to(cr, xr - text_w(cr, t), y);
	cairo_show_text(cr, t);
	free(t);
}

/* Word-wrap s into at most maxlines lines of width maxw (the last one cut with an
 * ellipsis); returns the y below the text. */
static double
show_wrapped(cairo_t *cr, double x, double y, const char *s, double maxw, double lh,
    int maxlines)
{
	size_t len = strlen(s), start = 0;
	char *line = xmalloc(len + 1);
	int lines = 0;

	while (start < len && lines < maxlines) {
		size_t best = 0, cand = start;

		if (lines == maxlines - 1)
			best = len;
		/* The longest run of whole words that fits; a lone long word is cut. */
		while (best == 0 || (best < len && lines < maxlines - 1)) {
			while (cand < len && s[cand] == ' ')
				cand++;
			while (cand < len && s[cand] != ' ')
				cand += u8next(s + cand);
			memcpy(line, s + start, cand - start);
			line[cand - start] = '\0';
			if (text_w(cr, line) > maxw && best != 0)
				break;
			best = cand;
			if (cand >= len || text_w(cr, line) > maxw)
				break;
		}
		memcpy(line, s + start, best - start);
		line[best - start] = '\0';
		show(cr, x, y, line, maxw);
		y += lh;
		lines++;
		start = best;
		while (start < len && s[start] == ' ')
			start++;
	}
	free(line);
	return y;
}

static void
rule(cairo_t *cr, const struct metrics *m, double y, double width)
{
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, m->margin, y);
	cairo_line_to(cr, m->w - m->margin, y);
	cairo_stroke(cr);
}

/* Title, order number and page; returns the y below. */
static double
page_header(cairo_t *cr, const struct metrics *m, const struct label_data *d, int page,
    int pages)
{
	double cw = m->w - 2 * m->margin, y = m->margin + m->title;
	char buf[256];

	font(cr, m->title, 1);
	show(cr, m->margin, y, "PHIẾU ĐÓNG GÓI / PACKING SLIP", cw * 0.75);
	font(cr, m->small, 0);
	snprintf(buf, sizeof buf, "Trang / Page %d/%d", page, pages);
	show_right(cr, m->w - m->margin, y, buf, cw * 0.25);
	y += m->big * 1.6;
	font(cr, m->big, 1);
	snprintf(buf, sizeof buf, "Đơn hàng / Order: %s", d->order_no);
	show(cr, m->margin, y, buf, cw);
	return y + m->body * 0.8;
}

/* Columns of the lines table as x offsets into the content width. */
struct cols {
	double n, sku, name, qty_r, lot, end;
};

static void
table_header(cairo_t *cr, const struct metrics *m, const struct cols *c, double *y)
{
	font(cr, m->small, 1);
	*y += m->row * 0.9;
	show(cr, c->n, *y, "#", c->sku - c->n);
	show(cr, c->sku, *y, "SKU", c->name - c->sku);
	show(cr, c->name, *y, "Tên hàng / Name", c->qty_r - c->name - 40);
	show_right(cr, c->qty_r, *y, "SL / Qty", c->qty_r - c->name);
	show(cr, c->lot, *y, "Lô / Lot", c->end - c->lot);
	*y += m->row * 0.35;
	rule(cr, m, *y, 0.8);
}

static void
draw(cairo_t *cr, const struct metrics *m, const struct label_data *d)
{
	double cw = m->w - 2 * m->margin, y, bottom = m->h - m->margin - 3 * m->row;
	struct cols c;
	char buf[512], when[32];
	int64_t units = 0;
	size_t i, per_first, per_next;
	int page = 1, pages;

	c.n = m->margin;
	c.sku = m->margin + cw * 0.05;
	c.name = m->margin + cw * 0.27;
	c.qty_r = m->margin + cw * 0.75;
	c.lot = m->margin + cw * 0.78;
	c.end = m->margin + cw;
	for (i = 0; i < d->nlines; i++)
		units += d->lines[i].qty;

	/* Rows that fit: the first page also carries the recipient block. */
	{
		double head = m->margin + m->title + m->big * 1.6 + m->body * 0.8;
		double block = m->row * 6.2, th = m->row * 1.25;

		per_first = (size_t)((bottom - head - block - th) / m->row);
		per_next = (size_t)((bottom - head - th) / m->row);
		if (per_first < 1)
			per_first = 1;
		if (per_next < 1)
			per_next = 1;
		pages = d->nlines <= per_first ? 1 :
		    1 + (int)((d->nlines - per_first + per_next - 1) / per_next);
	}

	cairo_set_source_rgb(cr, 0, 0, 0);
	y = page_header(cr, m, d, page, pages);
	font(cr, m->body, 0);
	y += m->row * 0.4;
	snprintf(buf, sizeof buf, "%s - %s", d->channel, d->shop);
	show(cr, m->margin, y, buf, cw * 0.5);
	snprintf(buf, sizeof buf, "%s%s%s", d->carrier[0] ? d->carrier : "",
	    d->carrier[0] && d->tracking_no[0] ? "  " : "", d->tracking_no);
	show_right(cr, m->w - m->margin, y, buf, cw * 0.5);
	y += m->row * 1.2;
	font(cr, m->small, 0);
	show(cr, m->margin, y, "Người nhận / To:", cw);
	y += m->row;
	font(cr, m->body, 1);
	snprintf(buf, sizeof buf, "%s   %s", d->name, d->phone);
	show(cr, m->margin, y, buf, cw);
	y += m->row;
	font(cr, m->body, 0);
	snprintf(buf, sizeof buf, "%s%s%s, %s", d->address, d->district[0] ? ", " : "",
	    d->district, d->province);
	y = show_wrapped(cr, m->margin, y, buf, cw, m->row, 2);
	font(cr, m->body, 1);
	if (d->cod > 0) {
		char money[64];

		label_money(d->cod, d->currency, money, sizeof money);
		snprintf(buf, sizeof buf, "Thu hộ / COD: %s", money);
	} else {
		snprintf(buf, sizeof buf, "Đã thanh toán / Prepaid");
	}
	show(cr, m->margin, y, buf, cw);
	y += m->row * 0.6;
	rule(cr, m, y, 1.2);
	table_header(cr, m, &c, &y);

	for (i = 0; i < d->nlines; i++) {
		const struct label_line *l = &d->lines[i];
		size_t on_page = page == 1 ? per_first : per_next;
		size_t first = page == 1 ? 0 : per_first + (size_t)(page - 2) * per_next;

		if (i - first >= on_page) {
			cairo_show_page(cr);
			page++;
			y = page_header(cr, m, d, page, pages);
			table_header(cr, m, &c, &y);
		}
		y += m->row;
		font(cr, m->body, 0);
		snprintf(buf, sizeof buf, "%zu", i + 1);
		show(cr, c.n, y, buf, c.sku - c.n);
		show(cr, c.sku, y, l->sku, c.name - c.sku - 4);
		show(cr, c.name, y, l->name, c.qty_r - c.name - m->body * 3);
		font(cr, m->body, 1);
		snprintf(buf, sizeof buf, "%" PRId64, l->qty);
		show_right(cr, c.qty_r, y, buf, m->body * 4);
		font(cr, m->small, 0);
		show(cr, c.lot, y, l->lot != NULL ? l->lot : "", c.end - c.lot);
		cairo_set_line_width(cr, 0.3);
		cairo_move_to(cr, m->margin, y + m->row * 0.3);
		cairo_line_to(cr, m->w - m->margin, y + m->row * 0.3);
		cairo_stroke(cr);
	}

	y += m->row * 1.4;
	rule(cr, m, y - m->row * 0.8, 1.2);
	font(cr, m->body, 1);
	snprintf(buf, sizeof buf, "Tổng / Total: %" PRId64 " SP / units, %zu dòng / lines",
	    units, d->nlines);
	show(cr, m->margin, y, buf, cw);
	y += m->row;
	font(cr, m->small, 0);
	if (d->packed_at > 0)
		clock_format(d->packed_at, VN_OFFSET, when, sizeof when);
	else
		snprintf(when, sizeof when, "-");
	snprintf(buf, sizeof buf, "Kiện / Package %d/%d   Đóng gói / Packed: %s (UTC+7)   "
	    "Trạm / Station: %s", d->pkg_no > 0 ? d->pkg_no : 1,
	    d->pkg_count > 0 ? d->pkg_count : 1, when, d->station);
	show(cr, m->margin, y, buf, cw);
	cairo_show_page(cr);
}

int
slip_pdf(const struct label_data *d, enum slip_size size, unsigned char **out,
    size_t *len, char *err, size_t errlen)
{
	const struct metrics *m = &sizes[size];
	struct pdfbuf b = { 0 };
	cairo_surface_t *surf;
	cairo_status_t st;
	cairo_t *cr;
	char title[160];
	int rc = 0;

	*out = NULL;
	*len = 0;
	surf = cairo_pdf_surface_create_for_stream(pdf_write, &b, m->w, m->h);
	cr = cairo_create(surf);
	if ((st = cairo_status(cr)) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "PDF slip: %s", cairo_status_to_string(st));
		rc = -1;
		goto done;
	}
	if (font_check(cr, err, errlen) != 0) {
		rc = -1;
		goto done;
	}
	snprintf(title, sizeof title, "Packing slip %s", d->order_no);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "packbench");
	draw(cr, m, d);
	cairo_surface_finish(surf);
	if ((st = cairo_surface_status(surf)) != CAIRO_STATUS_SUCCESS ||
	    (st = cairo_status(cr)) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "PDF slip: %s", cairo_status_to_string(st));
		rc = -1;
	}
done:
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	if (rc != 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

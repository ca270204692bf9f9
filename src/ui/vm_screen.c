/*
 * vm_screen.c — cells of text placed by the view-models, fitted by display width, and
 * read back as rows of plain text for the tests. No curses here.
 */
#include "vm_screen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/xalloc.h"

void
vm_screen_init(struct vm_screen *scr, int rows, int cols, enum theme_role bg)
{
	memset(scr, 0, sizeof *scr);
	scr->rows = rows > 0 ? rows : 0;
	scr->cols = cols > 0 ? cols : 0;
	scr->bg = bg;
}

void
vm_screen_free(struct vm_screen *scr)
{
	free(scr->cells);
	scr->cells = NULL;
	scr->n = scr->cap = 0;
}

static struct vm_cell *
add_cell(struct vm_screen *scr, int y, int x, enum theme_role role)
{
	struct vm_cell *c;

	if (scr->n == scr->cap) {
		scr->cap = scr->cap ? scr->cap * 2 : 64;
		scr->cells = xrealloc(scr->cells, scr->cap * sizeof *scr->cells);
	}
	c = &scr->cells[scr->n++];
	c->y = y;
	c->x = x;
	c->role = role;
	c->text[0] = '\0';
	return c;
}

int
vm_screen_put(struct vm_screen *scr, int y, int x, enum theme_role role, const char *text)
{
	int w, room;

	if (y < 0 || y >= scr->rows || x < 0 || x >= scr->cols || text[0] == '\0')
		return 0;
	w = vm_orders_width(text);
	room = scr->cols - x;
	if (w > room)
		w = room;
	vm_orders_fit(add_cell(scr, y, x, role)->text, VM_CELL_MAX, text, w, VM_LEFT);
	return w;
}

int
vm_screen_putf(struct vm_screen *scr, int y, int x, enum theme_role role,
    const char *fmt, ...)
{
	char buf[VM_CELL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return vm_screen_put(scr, y, x, role, buf);
}

void
vm_screen_fit(struct vm_screen *scr, int y, int x, int width, enum theme_role role,
    const char *text, enum vm_align a)
{
	if (y < 0 || y >= scr->rows || x < 0 || x >= scr->cols || width <= 0)
		return;
	if (width > scr->cols - x)
		width = scr->cols - x;
	vm_orders_fit(add_cell(scr, y, x, role)->text, VM_CELL_MAX, text, width, a);
}

void
vm_screen_centre(struct vm_screen *scr, int y, enum theme_role role, const char *text)
{
	int w = vm_orders_width(text), x = (scr->cols - w) / 2;

	vm_screen_put(scr, y, x > 0 ? x : 0, role, text);
}

void
vm_screen_bar(struct vm_screen *scr, int y, enum theme_role role)
{
	vm_screen_fit(scr, y, 0, scr->cols, role, "", VM_LEFT);
}

int
vm_screen_seg(struct vm_seg *segs, int n, int max, enum theme_role role, int gap,
    int right, const char *fmt, ...)
{
	va_list ap;

	if (n >= max)
		return n;
	va_start(ap, fmt);
	vsnprintf(segs[n].text, sizeof segs[n].text, fmt, ap);
	va_end(ap);
	segs[n].role = role;
	segs[n].right = right;
	segs[n].gap = gap;
	return n + 1;
}

/* Columns the segments need: a margin each side, texts, inner gaps, and one blank
 * between the two groups. */
static int
segs_width(const struct vm_seg *segs, int n)
{
	int w = 2, i, left = 0;

	for (i = 0; i < n; i++) {
		w += vm_orders_width(segs[i].text);
		if (i + 1 < n && segs[i + 1].right == segs[i].right)
			w += segs[i].gap;
		left += !segs[i].right;
	}
	return left > 0 && left < n ? w + 1 : w;
}

void
vm_screen_segs(struct vm_screen *scr, int y, enum theme_role base,
    const struct vm_seg *segs, int n, int keep)
{
	struct vm_seg s[32];
	int i, x, nleft = 0, right_w = 0;

	if (n > 32)
		n = 32;
	memcpy(s, segs, sizeof s[0] * (size_t)n);
	for (i = 0; i < n; i++)
		nleft += !s[i].right;
	while (nleft > keep && segs_width(s, n) > scr->cols) {
		memmove(&s[nleft - 1], &s[nleft], sizeof s[0] * (size_t)(n - nleft));
		nleft--;
		n--;
	}
	vm_screen_bar(scr, y, base);
	for (i = nleft; i < n; i++)
		right_w += vm_orders_width(s[i].text) + (i + 1 < n ? s[i].gap : 0);
	x = 1;
	for (i = 0; i < nleft; i++) {
		int room = scr->cols - 1 - x - (right_w > 0 ? right_w + 1 : 0);
		int w = vm_orders_width(s[i].text);

		if (room <= 0)
			break;
		if (w > room)
			w = room;
		vm_screen_fit(scr, y, x, w, s[i].role, s[i].text, VM_LEFT);
		x += w + s[i].gap;
	}
	x = scr->cols - 1 - right_w;
	for (i = nleft; i < n && x >= 0; i++) {
		x += vm_screen_put(scr, y, x, s[i].role, s[i].text);
		x += s[i].gap;
	}
}

/* ---- reading back ---- */

struct slot {
	char g[24];                 /* a glyph with its combining marks; "" continuation */
	int cont;                   /* second column of a wide glyph */
};

static void
slot_set(struct slot *row, int cols, int x, const char *g, size_t len, int w)
{
	if (row[x].cont && x > 0)
		snprintf(row[x - 1].g, sizeof row[x - 1].g, " ");
	if (x + 1 < cols && row[x + 1].cont) {
		row[x + 1].cont = 0;
		snprintf(row[x + 1].g, sizeof row[x + 1].g, " ");
	}
	snprintf(row[x].g, sizeof row[x].g, "%.*s", (int)len, g);
	row[x].cont = 0;
	if (w == 2 && x + 1 < cols) {
		if (x + 2 < cols && row[x + 2].cont) {
			row[x + 2].cont = 0;
			snprintf(row[x + 2].g, sizeof row[x + 2].g, " ");
		}
		row[x + 1].g[0] = '\0';
		row[x + 1].cont = 1;
	}
}

void
vm_screen_row(const struct vm_screen *scr, int y, char *buf, size_t len)
{
	struct slot *row;
	size_t i, used = 0;
	int x;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (y < 0 || y >= scr->rows || scr->cols == 0)
		return;
	row = xcalloc((size_t)scr->cols, sizeof *row);
	for (x = 0; x < scr->cols; x++)
		snprintf(row[x].g, sizeof row[x].g, " ");
	for (i = 0; i < scr->n; i++) {
		const struct vm_cell *c = &scr->cells[i];
		const char *p = c->text;
		size_t n = strlen(p), k;
		int last = -1;
		mbstate_t st;
		wchar_t wc;

		if (c->y != y)
			continue;
		memset(&st, 0, sizeof st);
		x = c->x;
		while (n > 0 && x <= scr->cols) {
			int w;

			k = mbrtowc(&wc, p, n, &st);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
				memset(&st, 0, sizeof st);
				k = 1;
				w = 1;
			} else {
				w = wcwidth(wc);
				w = w < 0 ? 1 : w;
			}
			if (w == 0 && last >= 0) {
				size_t gl = strlen(row[last].g);

				if (gl + k < sizeof row[last].g) {
					memcpy(row[last].g + gl, p, k);
					row[last].g[gl + k] = '\0';
				}
			} else if (w > 0 && x + w <= scr->cols) {
				slot_set(row, scr->cols, x, p, k, w);
				last = x;
				x += w;
			} else if (w > 0) {
				break;
			}
			p += k;
			n -= k;
		}
	}
	for (x = 0; x < scr->cols; x++) {
		size_t gl = strlen(row[x].g);

		if (used + gl + 1 > len)
			break;
		memcpy(buf + used, row[x].g, gl);
		used += gl;
	}
	buf[used] = '\0';
	free(row);
}

enum theme_role
vm_screen_role(const struct vm_screen *scr, int y, int x)
{
	size_t i;

	for (i = scr->n; i-- > 0;) {
		const struct vm_cell *c = &scr->cells[i];

		if (c->y == y && x >= c->x && x < c->x + vm_orders_width(c->text))
			return c->role;
	}
	return scr->bg;
}

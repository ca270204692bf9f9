/*
 * view_orders.c — the order list in curses. Everything shown comes from vm_orders as
 * lines already fitted to the width; this file only places them and applies the theme's
 * attributes. The selected row is the row's own role in reverse video, so an overdue
 * order stays red when selected.
 */
#include "view_orders.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

/* Fill row y of win with blanks in attr. */
static void
blank_line(WINDOW *win, int y, int cols, attr_t attr)
{
	wattrset(win, attr);
	wmove(win, y, 0);
	whline(win, ' ', cols);
}

static void
draw_segs(int y, int cols, const struct vm_seg *segs, int n, enum theme_role base)
{
	int i, x = 1, right_w = 0, first_right = n, last;

	blank_line(stdscr, y, cols, (attr_t)theme_attr(base));
	for (i = 0; i < n; i++) {
		if (segs[i].right && first_right == n)
			first_right = i;
		if (segs[i].right)
			right_w += vm_orders_width(segs[i].text) + (i + 1 < n ? segs[i].gap : 0);
	}
	last = cols - 1 - right_w - (first_right < n ? 1 : 0);
	for (i = 0; i < first_right && x < last; i++) {
		char fit[VM_LINE_MAX];
		int w = vm_orders_width(segs[i].text);

		/* The view-model made them fit; a long message is still cut, never wrapped. */
		if (w > last - x)
			w = last - x;
		vm_orders_fit(fit, sizeof fit, segs[i].text, w, VM_LEFT);
		attrset((attr_t)theme_attr(segs[i].role));
		mvaddstr(y, x, fit);
		x += w;
		attrset((attr_t)theme_attr(base));
		x += segs[i].gap;
	}
	x = cols - 1 - right_w;
	for (i = first_right; i < n; i++) {
		if (x < 0 || x + vm_orders_width(segs[i].text) > cols)
			break;
		attrset((attr_t)theme_attr(segs[i].role));
		mvaddstr(y, x, segs[i].text);
		x += vm_orders_width(segs[i].text) + segs[i].gap;
	}
	attrset(A_NORMAL);
}

static void
draw_detail(struct vm_orders *vm, int rows, int cols)
{
	struct vm_line *lines;
	int width, inner, height, y0, x0, i, avail;
	size_t n;
	WINDOW *w;

	width = cols - 4 < 78 ? cols - 4 : 78;
	if (width < 20)
		width = cols;
	inner = width - 4;
	n = vm_orders_detail(vm, inner, &lines);
	avail = rows - 4 > 3 ? rows - 4 : 3;
	height = (int)n + 2 < avail ? (int)n + 2 : avail;
	if (height > rows)
		height = rows;
	if (vm->detail_top > (int)n - (height - 2))
		vm->detail_top = (int)n - (height - 2) > 0 ? (int)n - (height - 2) : 0;
	y0 = (rows - height) / 2;
	x0 = (cols - width) / 2;
	if ((w = newwin(height, width, y0, x0)) == NULL) {
		free(lines);
		return;
	}
	wbkgdset(w, ' ' | (attr_t)theme_attr(ROLE_PANEL));
	werase(w);
	wattrset(w, (attr_t)theme_attr(ROLE_PANEL));
	box(w, 0, 0);
	for (i = 0; i < height - 2 && (size_t)(i + vm->detail_top) < n; i++) {
		const struct vm_line *l = &lines[i + vm->detail_top];

		wattrset(w, (attr_t)theme_attr(l->role));
		mvwaddstr(w, i + 1, 2, l->text);
	}
	if (vm->detail_top > 0 || (size_t)(vm->detail_top + height - 2) < n) {
		wattrset(w, (attr_t)theme_attr(ROLE_PANEL));
		mvwaddstr(w, height - 1, width - 8, " more ");
	}
	wnoutrefresh(stdscr);
	wnoutrefresh(w);
	delwin(w);
	free(lines);
}

void
view_orders_draw(struct vm_orders *vm)
{
	struct vm_seg segs[24];
	char line[VM_LINE_MAX];
	int rows = LINES, cols = COLS, list = rows - 3, i, n;

	if (list < 1)
		list = 1;
	vm_orders_layout(vm, cols, list);
	erase();

	n = vm_orders_title(vm, segs, (int)NELEM(segs), cols);
	draw_segs(0, cols, segs, n, ROLE_TITLE);

	if (rows > 2) {
		vm_orders_heading(vm, line, sizeof line);
		attrset((attr_t)theme_attr(ROLE_COLHEAD));
		mvaddstr(1, 0, line);
	}
	for (i = 0; i < list && 2 + i < rows - 1; i++) {
		size_t at = vm->top + (size_t)i;
		enum theme_role role;
		attr_t attr;

		if (at >= vm->nvis)
			break;
		role = vm_orders_line(vm, at, line, sizeof line);
		attr = (attr_t)theme_attr(role);
		if (at == vm->sel)
			attr |= A_REVERSE | A_BOLD;
		attrset(attr);
		mvaddstr(2 + i, 0, line);
	}
	if (vm->nvis == 0 && rows > 3) {
		attrset((attr_t)theme_attr(ROLE_DONE));
		mvaddstr(3, 2, vm->nall == 0 ? "No orders yet." : "No orders match.");
	}

	n = vm_orders_footer(vm, segs, (int)NELEM(segs), cols);
	draw_segs(rows - 1, cols, segs, n, ROLE_FOOTER);
	attrset(A_NORMAL);

	if (vm->detail != NULL)
		draw_detail(vm, rows, cols);
	else
		wnoutrefresh(stdscr);
}

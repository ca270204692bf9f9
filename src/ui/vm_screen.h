/*
 * vm_screen.h — a whole screen as the view-models lay it out: text cells at (row,
 * column), each with a colour role, over a background role. The station's screens
 * (login, pack) render into one; a view draws the cells with curses, and tests read the
 * rows back as plain text, so the layout at 80x24 or 40x12 is tested without a terminal.
 * Columns are display columns (vm_orders_width), never bytes.
 */
#ifndef PB_VM_SCREEN_H
#define PB_VM_SCREEN_H

#include <stddef.h>

#include "theme.h"
#include "vm_orders.h"

#define VM_CELL_MAX 1024

struct vm_cell {
	int y, x;
	enum theme_role role;
	char text[VM_CELL_MAX];     /* UTF-8, already cut to the screen's width */
};

struct vm_screen {
	int rows, cols;
	enum theme_role bg;         /* every blank of the screen */
	struct vm_cell *cells;      /* owned; later cells are drawn over earlier ones */
	size_t n, cap;
};

void vm_screen_init(struct vm_screen *scr, int rows, int cols, enum theme_role bg);
void vm_screen_free(struct vm_screen *scr);

/* Text at row y, column x, cut at the right edge; returns the columns it took. Rows and
 * columns outside the screen take nothing. */
int vm_screen_put(struct vm_screen *scr, int y, int x, enum theme_role role,
    const char *text);
int vm_screen_putf(struct vm_screen *scr, int y, int x, enum theme_role role,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Text at row y fitted to exactly width columns (padded or cut with an ellipsis). */
void vm_screen_fit(struct vm_screen *scr, int y, int x, int width, enum theme_role role,
    const char *text, enum vm_align a);
/* Text centred on row y. */
void vm_screen_centre(struct vm_screen *scr, int y, enum theme_role role, const char *text);
/* Row y filled with blanks in role (a bar under a title or legend). */
void vm_screen_bar(struct vm_screen *scr, int y, enum theme_role role);
/*
 * A title or legend line on row y: a bar in base, the left segments from column 1, the
 * right-aligned group ending one column before the edge. Left segments are dropped from
 * the end (keep of them always stay) until the right group fits.
 */
void vm_screen_segs(struct vm_screen *scr, int y, enum theme_role base,
    const struct vm_seg *segs, int n, int keep);

/* Append a segment to segs[max] holding n; returns the new count. */
int vm_screen_seg(struct vm_seg *segs, int n, int max, enum theme_role role, int gap,
    int right, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Row y as plain text, exactly cols columns (tests, and the tmux captures' twin). */
void vm_screen_row(const struct vm_screen *scr, int y, char *buf, size_t len);
/* The role at row y, column x (the last cell covering it, else the background). */
enum theme_role vm_screen_role(const struct vm_screen *scr, int y, int x);

#endif

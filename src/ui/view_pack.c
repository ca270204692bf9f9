/*
 * view_pack.c — the packing screen in curses. The view-model has already placed and
 * fitted every piece of text; this file paints the background role (the whole screen
 * turns the error colour under a lock) and the cells with the theme's attributes.
 */
#include "view_pack.h"

#include <curses.h>

#include "theme.h"

void
view_pack_screen(const struct vm_screen *scr)
{
	size_t i;

	bkgdset(' ' | (attr_t)theme_attr(scr->bg));
	erase();
	for (i = 0; i < scr->n; i++) {
		const struct vm_cell *c = &scr->cells[i];

		attrset((attr_t)theme_attr(c->role));
		mvaddstr(c->y, c->x, c->text);
	}
	attrset(A_NORMAL);
	bkgdset(' ' | A_NORMAL);
	wnoutrefresh(stdscr);
}

void
view_pack_draw(struct vm_pack *vm)
{
	struct vm_screen scr;

	vm_screen_init(&scr, LINES, COLS, ROLE_NORMAL);
	vm_pack_render(vm, &scr);
	view_pack_screen(&scr);
	vm_screen_free(&scr);
}

/*
 * view_login.c — the log-in screen in curses: the view-model lays it out into a
 * vm_screen, drawn like the pack screen (view_pack_screen).
 */
#include "view_login.h"

#include <curses.h>

#include "view_pack.h"

void
view_login_draw(struct vm_login *vm)
{
	struct vm_screen scr;

	vm_screen_init(&scr, LINES, COLS, ROLE_NORMAL);
	vm_login_render(vm, &scr);
	view_pack_screen(&scr);
	vm_screen_free(&scr);
}

/*
 * view_pack.h — curses drawing of the packing screen, and of any vm_screen (the log-in
 * screen uses the same drawing): a background in one colour role, then the cells the
 * view-model laid out, each in its role's attributes.
 */
#ifndef PB_VIEW_PACK_H
#define PB_VIEW_PACK_H

#include "vm_pack.h"
#include "vm_screen.h"

/* Lay the pack screen out for the current terminal size and draw it into stdscr; the
 * caller calls doupdate(). */
void view_pack_draw(struct vm_pack *vm);

/* Draw a laid-out screen into stdscr (erasing it first) and mark it for doupdate(). */
void view_pack_screen(const struct vm_screen *scr);

#endif

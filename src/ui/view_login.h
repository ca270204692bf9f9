/* view_login.h — curses drawing of the station's log-in screen from its view-model. */
#ifndef PB_VIEW_LOGIN_H
#define PB_VIEW_LOGIN_H

#include "vm_login.h"

/* Lay out for the current terminal size and draw into stdscr; the caller calls
 * doupdate(). */
void view_login_draw(struct vm_login *vm);

#endif

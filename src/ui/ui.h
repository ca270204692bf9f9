/*
 * ui.h — the station's full-screen loop: curses set-up and tear-down, poll() on the
 * keyboard and a one-second timer, and the screens (for now the order list).
 */
#ifndef PB_UI_H
#define PB_UI_H

#include <stddef.h>

#include "core/session.h"

/*
 * Run the station on session s until the operator quits. Restores the terminal on
 * every way out (quit, SIGINT/SIGTERM/SIGHUP, allocation failure). Returns 0, or -1
 * with one line in err (e.g. not a terminal).
 */
int ui_run(struct session *s, char *err, size_t errlen);

#endif

/*
 * ui.h — the station's full-screen loop: curses set-up and tear-down, poll() on the
 * keyboard and a one-second timer, and the screens: log-in, packing, and the order list
 * (Tab from the packing screen and back).
 */
#ifndef PB_UI_H
#define PB_UI_H

#include <stddef.h>

#include "core/pack.h"
#include "core/session.h"
#include "vm_pack.h"

/* What the app tells the station about itself; the ui reads no configuration. */
struct ui_station {
	struct pack_config pack;    /* station id, warehouse, tolerance, boxes */
	char warehouse[32];         /* the warehouse's code, for the log-in screen */
	char printer[48];           /* as the status line names it; "" none */
	int scale_sim;              /* F6/F7 simulate the scale */
	int demo;                   /* hint packable orders and the demo's users */
	struct vm_pack_io io;       /* printing labels */
};

/*
 * Run the station on the database of session s (any session; operators log in on the
 * first screen) until the operator quits. Restores the terminal on every way out (quit,
 * SIGINT/SIGTERM/SIGHUP, allocation failure). Returns 0, or -1 with one line in err
 * (e.g. not a terminal).
 */
int ui_run(struct session *s, const struct ui_station *st, char *err, size_t errlen);

#endif

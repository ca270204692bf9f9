/*
 * ui.h — the station's full-screen loop: curses set-up and tear-down, poll() on the
 * keyboard, the app's device fd and a one-second timer, and the screens: log-in,
 * packing, the order list (Tab from the packing screen), and the registered screens the
 * operator's role may see (screens.h), Tab cycling through them back to packing.
 */
#ifndef PB_UI_H
#define PB_UI_H

#include <stddef.h>

#include "core/pack.h"
#include "core/session.h"
#include "vm_pack.h"

struct vm_login;

/* What the app tells the station about itself; the ui reads no configuration. */
struct ui_station {
	struct pack_config pack;    /* station id, warehouse, tolerance, boxes */
	char warehouse[32];         /* the warehouse's code, for the log-in screen */
	char printer[48];           /* as the status line names it; "" none */
	int scale_sim;              /* F6/F7 simulate the scale */
	int demo;                   /* hint packable orders and the demo's users */
	struct vm_pack_io io;       /* printing labels */

	/*
	 * Real devices, driven by the app; the ui sees only an fd and a call. dev_pump is
	 * called on the main thread when dev_fd is readable and when the packing screen
	 * opens, to hand what the devices said to the screen in front: pack while someone is
	 * logged in, else login (the other is NULL). It returns VM_* flags, VM_SWITCH when
	 * a scan went to the packing screen (which then comes to the front), and stops at
	 * a VM_DONE of the log-in or a VM_LOGOUT. NULL dev_pump: no devices (dev_fd unused).
	 */
	int dev_fd;
	int (*dev_pump)(void *arg, struct vm_pack *pack, struct vm_login *login);
	void *dev_arg;

	/*
	 * The background sync thread, driven by the app like the devices: sync_pump is
	 * called on the main thread when sync_fd is readable, with the packing screen
	 * (NULL when nobody is logged in); it returns VM_* flags. NULL sync_pump: no sync.
	 */
	int sync_fd;
	int (*sync_pump)(void *arg, struct vm_pack *pack);
	void *sync_arg;
};

/*
 * Run the station on the database of session s (any session; operators log in on the
 * first screen) until the operator quits. Restores the terminal on every way out (quit,
 * SIGINT/SIGTERM/SIGHUP, allocation failure). Returns 0, or -1 with one line in err
 * (e.g. not a terminal).
 */
int ui_run(struct session *s, const struct ui_station *st, char *err, size_t errlen);

#endif

/*
 * screens.h — the registry of the station's supervisor screens, one file each
 * (vm_sla.c, vm_confirm.c), one row each in ui_screens[] (screens.c), as tmux lists its
 * commands in cmd_table[]. The main loop shows a screen only to a role at least
 * min_role (and the core refuses anyway); Tab goes pack -> orders -> each screen the
 * role may see -> pack, and each screen's Ctrl key (go) goes straight to it.
 */
#ifndef PB_SCREENS_H
#define PB_SCREENS_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"
#include "vm_screen.h"

struct ui_screen_def {
	const char *name;
	enum role min_role;
	/* A new view-model for operator op; owned, freed by close (which also finishes
	 * any work the screen holds, such as a pending action). */
	void *(*open)(struct session *op, int64_t now, int64_t tz_offset);
	/* VM_* flags: VM_SWITCH for the next screen, VM_DONE to go back to packing. */
	int (*key)(void *vm, int key);
	/* Called every second while the screen is open, in front or not. */
	int (*tick)(void *vm, int64_t now);
	void (*render)(void *vm, struct vm_screen *scr);
	void (*close)(void *vm);
	char go;                    /* its key, Ctrl with this letter ('G': ^G); 0 none */
};

extern const struct ui_screen_def ui_screens[];
extern const size_t ui_nscreens;

#endif

/*
 * vm_login.h — the station's log-in screen without curses. A badge scan logs in at once;
 * a user name typed and Enter (or Tab) asks for the PIN, which is never shown, only
 * counted in dots. A wrong PIN, an unknown badge or a locked account says so in the
 * error role; the PIN is wiped from memory as soon as it has been tried.
 *
 * Enter on the first field tries the text as a badge first (scanners end with Enter);
 * when no badge matches it is taken as a user name and the PIN is asked. Tab goes to the
 * PIN without trying a badge.
 */
#ifndef PB_VM_LOGIN_H
#define PB_VM_LOGIN_H

#include <stdint.h>

#include "core/session.h"
#include "vm_orders.h"
#include "vm_screen.h"

enum vm_login_field {
	VL_USER,                    /* badge or user name */
	VL_PIN,
};

struct vm_login {
	struct db *db;
	char station[32];
	char where[64];             /* shown under the title: "warehouse HCM" */
	char hint[160];             /* the demo's users, or "" */
	int64_t now, tz_offset;

	enum vm_login_field field;
	char user[64];
	char pin[32];
	char msg[512];
	enum theme_role msg_role;

	int ok;                     /* 1: logged in, out holds the operator */
	struct session out;
};

/* where and hint may be NULL. */
void vm_login_init(struct vm_login *vm, struct db *db, const char *station,
    const char *where, const char *hint, int64_t now, int64_t tz_offset);
/* Back to an empty screen (after a log-out), keeping msg as the notice shown. */
void vm_login_reset(struct vm_login *vm);

/* VM_DONE when logged in (ok = 1) or when the operator quits the station (ok = 0). */
int vm_login_key(struct vm_login *vm, int key);
int vm_login_tick(struct vm_login *vm, int64_t now);
void vm_login_render(struct vm_login *vm, struct vm_screen *scr);

#endif

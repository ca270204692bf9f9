/*
 * vm_users.h — the users screen (admin) without curses: every operator with role,
 * badge, failed log-ins and lock; `a` adds one (name, role picked from a list, PIN typed
 * twice), `r` changes the selected user's role, `p` resets their PIN (twice), `u` lifts
 * their lock. The core checks the admin role on every change.
 */
#ifndef PB_VM_USERS_H
#define PB_VM_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/user.h"
#include "vm_prompt.h"
#include "vm_screen.h"

struct vm_users {
	struct session *op;
	int64_t now, tz_offset;
	struct user_row *rows;      /* owned */
	size_t n, sel, top;
	struct vm_prompt prompt;
	int picking, pick;          /* the role list is open (for add or change) */
	char name[128];             /* the user being added or changed */
	int role;                   /* picked role, for an add */
	char pin[128];              /* the first typing of a new PIN; wiped after */
	int help;
	char msg[600];
	enum theme_role msg_role;
};

void vm_users_init(struct vm_users *vm, struct session *op, int64_t now, int64_t tz_offset);
/* Wipes any PIN being typed. */
void vm_users_free(struct vm_users *vm);
int vm_users_reload(struct vm_users *vm);
int vm_users_tick(struct vm_users *vm, int64_t now);
int vm_users_key(struct vm_users *vm, int key);
void vm_users_render(struct vm_users *vm, struct vm_screen *scr);

#endif

/*
 * vm_exceptions.h — the exceptions screen without curses: today's error locks, weight
 * mismatches, wrong-item scans and holds, and parcels late in transit, newest first;
 * `s`, `o` and `f` cycle the station, operator and kind filters, `g` shows the counts by
 * station and operator instead, Enter opens the order with its audit trail. Read again
 * every VM_EXC_RELOAD seconds. Key handlers return VM_* flags.
 */
#ifndef PB_VM_EXCEPTIONS_H
#define PB_VM_EXCEPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/exceptions.h"
#include "vm_screen.h"
#include "vm_trail.h"

#define VM_EXC_RELOAD 5
#define VM_EXC_NAMES 32             /* stations and operators the filters cycle through */

struct vm_exc_group {
	char station[32], user[64];
	int64_t n[EXC__KINDS];
};

struct vm_exceptions {
	struct session *op;
	int64_t now, tz_offset, loaded_at;
	struct exc_row *rows;       /* owned, everything since local midnight */
	size_t n;
	size_t *shown;              /* owned: indexes of rows passing the filters */
	size_t nshown, sel, top;
	struct vm_exc_group *groups;    /* owned: counts by station and operator */
	size_t ngroups;
	int64_t total[EXC__KINDS];
	char stations[VM_EXC_NAMES][64];
	char users[VM_EXC_NAMES][64];
	int nstations, nusers;
	int station, user, kind;    /* filters: 0 all, else 1 + index (kind: 1 + exc_kind) */
	int grouped, help;
	struct vm_trail trail;      /* open when trail.o != NULL */
	char msg[600];
	enum theme_role msg_role;
};

void vm_exceptions_init(struct vm_exceptions *vm, struct session *op, int64_t now,
    int64_t tz_offset);
void vm_exceptions_free(struct vm_exceptions *vm);
int vm_exceptions_reload(struct vm_exceptions *vm);
int vm_exceptions_tick(struct vm_exceptions *vm, int64_t now);
/* VM_DONE: Esc (leave); VM_SWITCH: Tab. */
int vm_exceptions_key(struct vm_exceptions *vm, int key);
void vm_exceptions_render(struct vm_exceptions *vm, struct vm_screen *scr);
/* Local midnight before now, in UTC seconds. */
int64_t vm_exceptions_day_start(int64_t now, int64_t tz_offset);

#endif

/*
 * vm_trail.h — one order opened from a supervisor screen (exceptions, audit viewer, SLA
 * drill-down): its header, risk reasons and lines, then its audit trail newest first,
 * scrolled with the arrows (the record on top shown in full under the list); Esc closes
 * it. No curses.
 */
#ifndef PB_VM_TRAIL_H
#define PB_VM_TRAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/order.h"
#include "core/trail.h"
#include "vm_keys.h"
#include "vm_screen.h"

struct vm_trail {
	struct session *op;
	int64_t tz_offset;
	struct order *o;            /* owned; NULL: closed */
	char risk[400];
	struct trail_row *rows;     /* owned */
	size_t n, top;
	char err[600];
};

/* Open order id; 0, or negative with vm->err set (nothing open). */
int vm_trail_open(struct vm_trail *vm, struct session *op, int64_t order_id,
    int64_t tz_offset);
void vm_trail_close(struct vm_trail *vm);
/* VM_DONE when Esc closed it. */
int vm_trail_key(struct vm_trail *vm, int key);
/* The whole screen but its bottom row (the caller's legend goes there). */
void vm_trail_render(struct vm_trail *vm, struct vm_screen *scr);
/* The open order over a screen: vm_trail_render, the legend and, when help is set,
 * the `?` panel. */
void vm_trail_show(struct vm_trail *vm, struct vm_screen *scr, int help);
/* A record's change as words: "status=NEW, version=1 -> status=ON_HOLD, ...". */
void vm_trail_change(const struct trail_row *r, char *buf, size_t len);
/* What the legend shows while it is open. */
extern const struct vm_key_help vm_trail_keys[];
extern const int vm_trail_nkeys;

#endif

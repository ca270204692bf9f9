/*
 * vm_returns.h — the returns screen without curses, driven by the scanner (a keyboard
 * wedge types the code and Enter). Scan the returned parcel (tracking number, order
 * number or marketplace return id): the order's shipped units are listed per lot and a
 * return is opened. Each unit scanned then counts one unit of that SKU as the current
 * condition (F2 resalable, F3 damaged, F4 missing, F5 wrong item) and reason (F6 cycles
 * the codes); Enter with nothing typed counts one of the selected row (a missing unit
 * cannot be scanned); Backspace takes the last one back. F7 asks the return shipping and
 * handling costs, F9 receives it all in one transaction (core/returns.h). Esc leaves the
 * return open: it stays on the supervisor's list of open returns, shown under the scan
 * line to a supervisor (older than N days, F7 sets N when no return is being counted).
 */
#ifndef PB_VM_RETURNS_H
#define PB_VM_RETURNS_H

#include <stddef.h>
#include <stdint.h>

#include "core/returns.h"
#include "vm_prompt.h"
#include "vm_screen.h"

/* One unit counted in the current receipt. */
struct vm_return_pick {
	size_t row;                 /* index into units */
	enum returns_cond cond;
	size_t reason;              /* index into returns_reasons */
};

struct vm_returns {
	struct session *op;
	int64_t now, tz_offset;
	char scan[128];             /* what the wedge typed so far */
	/* The return being counted; order_id 0 when none. */
	int64_t order_id, rma_id;
	char order_no[64], status[16], currency[4];
	struct returns_unit *units; /* owned */
	size_t nu, sel, top;
	struct vm_return_pick *picks;   /* owned, in scan order */
	size_t npicks;
	enum returns_cond cond;
	size_t reason;
	int64_t ship_cost, handling_cost;
	struct vm_prompt prompt;
	/* The supervisor's list of open returns. */
	struct returns_row *open;   /* owned */
	size_t nopen;
	int64_t days;               /* older than this many days */
	int help;
	char msg[600];
	enum theme_role msg_role;
};

void vm_returns_init(struct vm_returns *vm, struct session *op, int64_t now,
    int64_t tz_offset);
void vm_returns_free(struct vm_returns *vm);
/* Read the open returns again (supervisor; nothing for a packer). */
int vm_returns_reload(struct vm_returns *vm);
int vm_returns_tick(struct vm_returns *vm, int64_t now);
/* VM_DONE: Esc with no return being counted; VM_SWITCH: Tab. */
int vm_returns_key(struct vm_returns *vm, int key);
void vm_returns_render(struct vm_returns *vm, struct vm_screen *scr);
/* Units of units[row] counted now in condition cond (tests). */
int64_t vm_returns_counted(const struct vm_returns *vm, size_t row, int cond);

#endif

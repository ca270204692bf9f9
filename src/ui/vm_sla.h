/*
 * vm_sla.h — the SLA aging board screen without curses: the counts of sla_board() as a
 * grid of state groups by time left, each count coloured by urgency, a cell selected
 * with the arrows, Enter drilling down to its orders most urgent first (Esc back; Enter
 * there opens the order with its audit trail), `c` cycling the channel filter and `w`
 * the warehouse filter; each configured carrier's next cut-off under the grid. It reads the board again every second (tick), so counts
 * move as time passes and as orders change. Key handlers return VM_* flags.
 */
#ifndef PB_VM_SLA_H
#define PB_VM_SLA_H

#include <stddef.h>
#include <stdint.h>

#include "core/sla.h"
#include "vm_screen.h"
#include "vm_trail.h"

#define VM_SLA_ROWS 500         /* orders read for a drill-down */
#define VM_SLA_WAREHOUSES 16    /* warehouses the filter cycles through */

struct vm_sla {
	struct session *op;         /* the operator; the core checks the role */
	int64_t now, tz_offset;
	int channel;                /* index into the channel filter list; 0: all */
	char whs[VM_SLA_WAREHOUSES][32];    /* warehouse codes, read at init */
	int nwhs, wh;               /* wh: 1 + index into whs; 0: all */
	struct sla_filter f;
	struct sla_board bd;
	int err;                    /* the last read failed: msg says why */

	int g, b;                   /* selected cell: g up to SLA__GROUPS (the total row),
	                             * b up to SLA__BUCKETS - 1 */
	int drill;                  /* showing the orders of the selected cell */
	struct order_row *rows;     /* owned */
	size_t nrows, sel, top;
	struct vm_trail trail;      /* the drill-down's order opened with Enter */
	int help;                   /* the `?` panel is open */
	char msg[600];
	enum theme_role msg_role;
};

void vm_sla_init(struct vm_sla *vm, struct session *op, int64_t now, int64_t tz_offset);
void vm_sla_free(struct vm_sla *vm);
/* Read the board (and the drill-down list when open) again; 0 or negative. */
int vm_sla_reload(struct vm_sla *vm);
/* Move the clock and read again; VM_REDRAW. */
int vm_sla_tick(struct vm_sla *vm, int64_t now);
/* VM_DONE: Esc on the board (leave); VM_SWITCH: Tab (next screen). */
int vm_sla_key(struct vm_sla *vm, int key);
void vm_sla_render(struct vm_sla *vm, struct vm_screen *scr);
/* The role a count takes in bucket b (0 counts are dimmed). */
enum theme_role vm_sla_role(enum sla_bucket b, int64_t count);

#endif

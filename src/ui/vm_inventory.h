/*
 * vm_inventory.h — the inventory screen without curses: stock by SKU and warehouse
 * (on hand, reserved, buffer, available-to-sell, the low-stock threshold flagged when
 * crossed, the earliest expiry; the selected row's last pushes per channel under the
 * list; a `*` after available marks stock at risk: out, by the demand forecast, before
 * the lead time, the selected row's cover and reorder quantity under the list); `w`
 * cycles the warehouse, `l` shows only low stock, `/` searches, `t` sets the
 * selected SKU's threshold; Enter lists its lots, where `a` adjusts the selected lot by a
 * signed quantity with a reason picked from a list. Thresholds and adjustments are the
 * admin's: the core refuses anyone else, and the screen says so.
 *
 * The forecast (seconds for thousands of SKUs) runs on a thread of its own with its own
 * database connection, when the screen opens and every VM_INV_RISK_RELOAD seconds; the
 * thread never touches the screen: it leaves its rows under a mutex and the main
 * thread's tick takes them. Until the first rows arrive the screen says "forecast:
 * computing…" and answers keys as ever.
 */
#ifndef PB_VM_INVENTORY_H
#define PB_VM_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/demand.h"
#include "core/inventory.h"
#include "vm_prompt.h"
#include "vm_screen.h"

#define VM_INV_RELOAD 5
#define VM_INV_WAREHOUSES 16
#define VM_INV_RISK_RELOAD 600   /* the forecast behind "at risk" is redone this often */

struct vm_inv_job;              /* the forecast computing on its own thread */

struct vm_inventory {
	struct session *op;
	int64_t now, tz_offset, loaded_at;
	struct inv_row *rows;       /* owned */
	struct demand_row *risk;    /* owned; the forecast (demand.h), by id */
	size_t nrisk;
	int64_t risk_at;            /* when it was made; 0: not yet */
	int64_t risk_asked;         /* when the last one was started; 0: never */
	struct vm_inv_job *job;     /* the one computing, shared with its thread */
	char risk_err[256];         /* why the last one failed; "": it did not */
	size_t n, sel, top;
	char whs[VM_INV_WAREHOUSES][32];
	int nwhs, wh;               /* wh: 1 + index into whs; 0: all */
	int low_only;
	char search[128];
	int editing;                /* the `/` prompt has the keyboard */
	int lots_on;                /* showing the lots of rows[sel] */
	struct inv_lot *lots;       /* owned */
	size_t nlots, lsel;
	struct vm_prompt prompt;
	int64_t delta;              /* the adjustment waiting for its reason */
	int picking, pick;          /* the reason list is open */
	int help;
	char msg[600];
	enum theme_role msg_role;
};

void vm_inventory_init(struct vm_inventory *vm, struct session *op, int64_t now,
    int64_t tz_offset);
void vm_inventory_free(struct vm_inventory *vm);
int vm_inventory_reload(struct vm_inventory *vm);
/* Also takes the forecast's results when they have arrived (VM_REDRAW then). */
int vm_inventory_tick(struct vm_inventory *vm, int64_t now);
/* Take the forecast's results if they have arrived: 1 when taken, 0 when still
 * computing or none asked for. */
int vm_inventory_forecast_poll(struct vm_inventory *vm);
/* VM_DONE: Esc (leave); VM_SWITCH: Tab. */
int vm_inventory_key(struct vm_inventory *vm, int key);
void vm_inventory_render(struct vm_inventory *vm, struct vm_screen *scr);
/* The reasons offered for an adjustment; *n set. */
const char *const *vm_inventory_reasons(int *n);

#endif

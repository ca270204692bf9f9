/*
 * vm_confirm.h — the confirmation queue without curses: NEW orders most urgent first
 * with their risk flags (the selected order's reasons in words under the list); Enter
 * confirms, h holds and c cancels (with a reason picked
 * from a list), space marks several so one key acts on all, `/` searches, `b` puts the
 * selected order's phone or address on the risk blacklist (or takes its phone off). An action is
 * not committed at once: it waits VM_CONFIRM_GRACE seconds, counted down on screen,
 * during which `u` undoes it; then it goes through order_transition() (the core checks
 * the role and the state machine). A second action commits the first one at once.
 */
#ifndef PB_VM_CONFIRM_H
#define PB_VM_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include "core/order.h"
#include "vm_screen.h"

#define VM_CONFIRM_ROWS 200     /* NEW orders read per refresh */
#define VM_CONFIRM_GRACE 5      /* seconds an action can be undone */
#define VM_CONFIRM_RELOAD 2     /* seconds between refreshes */

struct vm_confirm_row {
	struct order_row r;
	char risk[128];             /* risk_flags(); "" none */
	char why[400];              /* risk_reasons(): each flag's reason */
	int marked;
};

/* An action waiting out its grace period. */
struct vm_confirm_pending {
	enum order_status to;       /* ST_CONFIRMED, ST_ON_HOLD or ST_CANCELLED; ST_NEW: none */
	char reason[64];
	int64_t *ids;               /* owned */
	size_t n;
	int64_t due;                /* committed when the clock reaches it */
};

struct vm_confirm {
	struct session *op;
	int64_t now, tz_offset, loaded_at;
	struct vm_confirm_row *rows;    /* owned */
	size_t n, sel, top;
	char search[64];
	int editing;                /* the `/` prompt has the keyboard */
	enum order_status picking;  /* ST_ON_HOLD or ST_CANCELLED: the reason list is open;
	                             * ST_NEW: closed */
	int pick;                   /* selected reason */
	/* `b`: the blacklist for the selected order's phone or address. bstep 1 picks what
	 * (phone, address), 2 the reason; 0 closed. */
	int bstep, bpick, bwhat;
	char bphone[64], baddr[400];
	int bphone_blocked;
	int help;
	struct vm_confirm_pending pend;
	int committed;              /* orders committed since the screen opened */
	char msg[600];
	enum theme_role msg_role;
};

void vm_confirm_init(struct vm_confirm *vm, struct session *op, int64_t now,
    int64_t tz_offset);
/* Commits a pending action, then frees. */
void vm_confirm_free(struct vm_confirm *vm);
int vm_confirm_reload(struct vm_confirm *vm);
/* Move the clock: commit a pending action whose grace ran out, refresh every
 * VM_CONFIRM_RELOAD seconds; VM_REDRAW. */
int vm_confirm_tick(struct vm_confirm *vm, int64_t now);
/* Commit the pending action now (leaving the screen); 0 or negative. */
int vm_confirm_commit(struct vm_confirm *vm);
/* VM_DONE: Esc with nothing open (leave); VM_SWITCH: Tab. */
int vm_confirm_key(struct vm_confirm *vm, int key);
void vm_confirm_render(struct vm_confirm *vm, struct vm_screen *scr);

/* The reasons offered for a hold or a cancel (ST_ON_HOLD, ST_CANCELLED), or for a
 * blacklist entry (ST_NEW); *n set. */
const char *const *vm_confirm_reasons(enum order_status to, int *n);

#endif

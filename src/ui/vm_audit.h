/*
 * vm_audit.h — the audit viewer without curses: the audit log newest first, filtered by
 * order (`o`), user (`u`), station (`s`) and time (`f` from, `t` to: "HH:MM" today, or
 * "YYYY-MM-DD[ HH:MM]"), `x` clears the filters; the title shows the hash chain's check
 * (run at open and with `v`). The selected record's change shows in full under the list;
 * Enter on an order's record opens the order with its trail.
 */
#ifndef PB_VM_AUDIT_H
#define PB_VM_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/trail.h"
#include "vm_prompt.h"
#include "vm_screen.h"
#include "vm_trail.h"

#define VM_AUDIT_ROWS 500           /* records read per refresh */
#define VM_AUDIT_RELOAD 5

struct vm_audit {
	struct session *op;
	int64_t now, tz_offset, loaded_at;
	struct trail_row *rows;     /* owned */
	size_t n, sel, top;
	/* filters */
	int64_t order_id;
	char order_no[128], user[128], station[128];
	int64_t from, to;
	/* the chain check */
	int chain;                  /* 0 intact, 1 broken, -1 not run or failed */
	int64_t chain_count, chain_bad;
	char chain_msg[256];
	struct vm_prompt prompt;
	struct vm_trail trail;
	int help;
	char msg[600];
	enum theme_role msg_role;
};

void vm_audit_init(struct vm_audit *vm, struct session *op, int64_t now, int64_t tz_offset);
void vm_audit_free(struct vm_audit *vm);
int vm_audit_reload(struct vm_audit *vm);
/* Run the chain check again. */
void vm_audit_verify(struct vm_audit *vm);
int vm_audit_tick(struct vm_audit *vm, int64_t now);
int vm_audit_key(struct vm_audit *vm, int key);
void vm_audit_render(struct vm_audit *vm, struct vm_screen *scr);
/* A time as typed: "HH:MM" (today, local), "YYYY-MM-DD" or "YYYY-MM-DD HH:MM"; 0 or -1. */
int vm_audit_parse_time(const char *s, int64_t now, int64_t tz_offset, int64_t *out);

#endif

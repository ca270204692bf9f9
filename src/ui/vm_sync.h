/*
 * vm_sync.h — the sync screen without curses (supervisor and admin): one row per
 * marketplace shop with its last successful pull, lag, orders pulled today, outbox depth
 * (pending and dead), webhook counts and state; under it the selected shop in words:
 * who pulls it, the last error, token expiry, the rate limiter's state, the re-fetch
 * queue. It reads the database again every second (tick), so it follows the sync
 * thread, `packbench sync --daemon` and `packbench webhooks` in other processes. Key
 * handlers return VM_* flags.
 */
#ifndef PB_VM_SYNC_H
#define PB_VM_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"
#include "vm_screen.h"

#define VM_SYNC_SHOPS 64

/* One shop as the screen shows it; times are Unix s, 0 when never. */
struct vm_sync_shop {
	int64_t id;
	char channel[16], code[64], name[96];
	char holder[96];            /* the process pulling it ("" none yet) */
	int64_t last_ok_at, last_try_at, lag_s;     /* lag_s -1: not known */
	int64_t pulled_today;
	char last_error[256];
	int64_t last_error_at;
	char rate_state[96];
	int64_t access_expires, refresh_expires;
	int64_t outbox_pending, outbox_dead;   /* owed calls still to go; failed for good */
	int64_t hooks_ok, hooks_bad, hook_last_at, hook_bad_at;
	int64_t queued;             /* orders waiting for a re-fetch */
};

struct vm_sync {
	struct session *op;         /* the operator; the role is checked on every read */
	int64_t now, tz_offset;
	struct vm_sync_shop shops[VM_SYNC_SHOPS];
	size_t n, sel, top;         /* top: the first shop row on screen */
	int help;
	char msg[600];
	enum theme_role msg_role;
};

void vm_sync_init(struct vm_sync *vm, struct session *op, int64_t now, int64_t tz_offset);
void vm_sync_free(struct vm_sync *vm);
/* Read every shop's state again; 0 or negative (msg says why). */
int vm_sync_reload(struct vm_sync *vm);
/* Move the clock and read again; VM_REDRAW. */
int vm_sync_tick(struct vm_sync *vm, int64_t now);
/* VM_DONE: Esc (back to packing); VM_SWITCH: Tab. */
int vm_sync_key(struct vm_sync *vm, int key);
void vm_sync_render(struct vm_sync *vm, struct vm_screen *scr);

/* A duration as a short text: "42s", "5m", "3h05", "2d04"; "-" when negative. */
void vm_sync_span(char *buf, size_t len, int64_t secs);

#endif

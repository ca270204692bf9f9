/* screens.c — the supervisor screens' registry (screens.h): a row per screen. */
#include "screens.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "vm_audit.h"
#include "vm_confirm.h"
#include "vm_exceptions.h"
#include "vm_inventory.h"
#include "vm_kpi.h"
#include "vm_returns.h"
#include "vm_sla.h"
#include "vm_users.h"
#include "vm_sync.h"

/*
 * The registry's five functions of a screen whose view-model is struct VM with
 * VM_init/_key/_tick/_render/_free (every screen's is): SCREEN_FNS(sla, vm_sla) makes
 * sla_open .. sla_close.
 */
#define SCREEN_FNS(pfx, vmt)                                                          \
	static void *pfx##_open(struct session *op, int64_t now, int64_t tz_offset)    \
	{                                                                               \
		struct vmt *vm = xmalloc(sizeof *vm);                                   \
		vmt##_init(vm, op, now, tz_offset);                                     \
		return vm;                                                              \
	}                                                                               \
	static int pfx##_key(void *vm, int key) { return vmt##_key(vm, key); }          \
	static int pfx##_tick(void *vm, int64_t now) { return vmt##_tick(vm, now); }    \
	static void pfx##_render(void *vm, struct vm_screen *scr)                        \
	{                                                                               \
		vmt##_render(vm, scr);                                                  \
	}                                                                               \
	static void pfx##_close(void *vm)                                               \
	{                                                                               \
		vmt##_free(vm);                                                         \
		free(vm);                                                               \
	}

SCREEN_FNS(sla, vm_sla)
SCREEN_FNS(confirm, vm_confirm)
SCREEN_FNS(exc, vm_exceptions)
SCREEN_FNS(inv, vm_inventory)
SCREEN_FNS(sync, vm_sync)
SCREEN_FNS(audit, vm_audit)
SCREEN_FNS(users, vm_users)
SCREEN_FNS(ret, vm_returns)
SCREEN_FNS(kpi, vm_kpi)

/* A row: the screen's name, the least role that sees it, its functions, its Ctrl key. */
#define SCREEN(name, role, pfx, go) \
	{ name, role, pfx##_open, pfx##_key, pfx##_tick, pfx##_render, pfx##_close, go }

const struct ui_screen_def ui_screens[] = {
	SCREEN("SLA board", ROLE_SUPERVISOR, sla, 'G'),
	SCREEN("Confirmation queue", ROLE_SUPERVISOR, confirm, 'F'),
	SCREEN("Exceptions", ROLE_SUPERVISOR, exc, 'E'),
	SCREEN("Inventory", ROLE_SUPERVISOR, inv, 'N'),
	SCREEN("Audit log", ROLE_SUPERVISOR, audit, 'A'),
	SCREEN("Users", ROLE_ADMIN, users, 'U'),
	SCREEN("Marketplace sync", ROLE_SUPERVISOR, sync, 'Y'),
	SCREEN("KPIs", ROLE_SUPERVISOR, kpi, 'K'),
	/* The receiving clerk is a packer: the one screen besides packing a packer sees. */
	SCREEN("Returns", ROLE_PACKER, ret, 'R'),
};
const size_t ui_nscreens = sizeof ui_screens / sizeof ui_screens[0];

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

static void *
sla_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_sla *vm = xmalloc(sizeof *vm);

	vm_sla_init(vm, op, now, tz_offset);
	return vm;
}

static int sla_key(void *vm, int key) { return vm_sla_key(vm, key); }
static int sla_tick(void *vm, int64_t now) { return vm_sla_tick(vm, now); }
static void sla_render(void *vm, struct vm_screen *scr) { vm_sla_render(vm, scr); }

static void
sla_close(void *vm)
{
	vm_sla_free(vm);
	free(vm);
}

static void *
confirm_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_confirm *vm = xmalloc(sizeof *vm);

	vm_confirm_init(vm, op, now, tz_offset);
	return vm;
}

static int confirm_key(void *vm, int key) { return vm_confirm_key(vm, key); }
static int confirm_tick(void *vm, int64_t now) { return vm_confirm_tick(vm, now); }
static void confirm_render(void *vm, struct vm_screen *scr) { vm_confirm_render(vm, scr); }

static void
confirm_close(void *vm)
{
	vm_confirm_free(vm);
	free(vm);
}

static void *
exc_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_exceptions *vm = xmalloc(sizeof *vm);

	vm_exceptions_init(vm, op, now, tz_offset);
	return vm;
}

static int exc_key(void *vm, int key) { return vm_exceptions_key(vm, key); }
static int exc_tick(void *vm, int64_t now) { return vm_exceptions_tick(vm, now); }
static void exc_render(void *vm, struct vm_screen *scr) { vm_exceptions_render(vm, scr); }

static void
exc_close(void *vm)
{
	vm_exceptions_free(vm);
	free(vm);
}

static void *
inv_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_inventory *vm = xmalloc(sizeof *vm);

	vm_inventory_init(vm, op, now, tz_offset);
	return vm;
}

static int inv_key(void *vm, int key) { return vm_inventory_key(vm, key); }
static int inv_tick(void *vm, int64_t now) { return vm_inventory_tick(vm, now); }
static void inv_render(void *vm, struct vm_screen *scr) { vm_inventory_render(vm, scr); }

static void
inv_close(void *vm)
{
	vm_inventory_free(vm);
	free(vm);
}

static void *
sync_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_sync *vm = xmalloc(sizeof *vm);

	vm_sync_init(vm, op, now, tz_offset);
	return vm;
}

static int sync_key(void *vm, int key) { return vm_sync_key(vm, key); }
static int sync_tick(void *vm, int64_t now) { return vm_sync_tick(vm, now); }
static void sync_render(void *vm, struct vm_screen *scr) { vm_sync_render(vm, scr); }

static void
sync_close(void *vm)
{
	vm_sync_free(vm);
	free(vm);
}

static void *
audit_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_audit *vm = xmalloc(sizeof *vm);

	vm_audit_init(vm, op, now, tz_offset);
	return vm;
}

static int audit_key(void *vm, int key) { return vm_audit_key(vm, key); }
static int audit_tick(void *vm, int64_t now) { return vm_audit_tick(vm, now); }
static void audit_render(void *vm, struct vm_screen *scr) { vm_audit_render(vm, scr); }

static void
audit_close(void *vm)
{
	vm_audit_free(vm);
	free(vm);
}

static void *
users_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_users *vm = xmalloc(sizeof *vm);

	vm_users_init(vm, op, now, tz_offset);
	return vm;
}

static int users_key(void *vm, int key) { return vm_users_key(vm, key); }
static int users_tick(void *vm, int64_t now) { return vm_users_tick(vm, now); }
static void users_render(void *vm, struct vm_screen *scr) { vm_users_render(vm, scr); }

static void
users_close(void *vm)
{
	vm_users_free(vm);
	free(vm);
}

static void *
ret_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_returns *vm = xmalloc(sizeof *vm);

	vm_returns_init(vm, op, now, tz_offset);
	return vm;
}

static int ret_key(void *vm, int key) { return vm_returns_key(vm, key); }
static int ret_tick(void *vm, int64_t now) { return vm_returns_tick(vm, now); }
static void ret_render(void *vm, struct vm_screen *scr) { vm_returns_render(vm, scr); }

static void
ret_close(void *vm)
{
	vm_returns_free(vm);
	free(vm);
}

static void *
kpi_open(struct session *op, int64_t now, int64_t tz_offset)
{
	struct vm_kpi *vm = xmalloc(sizeof *vm);

	vm_kpi_init(vm, op, now, tz_offset);
	return vm;
}

static int kpi_key(void *vm, int key) { return vm_kpi_key(vm, key); }
static int kpi_tick(void *vm, int64_t now) { return vm_kpi_tick(vm, now); }
static void kpi_render(void *vm, struct vm_screen *scr) { vm_kpi_render(vm, scr); }

static void
kpi_close(void *vm)
{
	vm_kpi_free(vm);
	free(vm);
}

const struct ui_screen_def ui_screens[] = {
	{ "SLA board", ROLE_SUPERVISOR, sla_open, sla_key, sla_tick, sla_render, sla_close, 'G' },
	{ "Confirmation queue", ROLE_SUPERVISOR, confirm_open, confirm_key, confirm_tick,
	  confirm_render, confirm_close, 'F' },
	{ "Exceptions", ROLE_SUPERVISOR, exc_open, exc_key, exc_tick, exc_render, exc_close, 'E' },
	{ "Inventory", ROLE_SUPERVISOR, inv_open, inv_key, inv_tick, inv_render, inv_close, 'N' },
	{ "Audit log", ROLE_SUPERVISOR, audit_open, audit_key, audit_tick, audit_render,
	  audit_close, 'A' },
	{ "Users", ROLE_ADMIN, users_open, users_key, users_tick, users_render, users_close, 'U' },
	{ "Marketplace sync", ROLE_SUPERVISOR, sync_open, sync_key, sync_tick, sync_render,
	  sync_close, 'Y' },
	{ "KPIs", ROLE_SUPERVISOR, kpi_open, kpi_key, kpi_tick, kpi_render, kpi_close, 'K' },
	/* The receiving clerk is a packer: the one screen besides packing a packer sees. */
	{ "Returns", ROLE_PACKER, ret_open, ret_key, ret_tick, ret_render, ret_close, 'R' },
};
const size_t ui_nscreens = sizeof ui_screens / sizeof ui_screens[0];

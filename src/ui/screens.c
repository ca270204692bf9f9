/* screens.c — the supervisor screens' registry (screens.h): a row per screen. */
#include "screens.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "vm_confirm.h"
#include "vm_sla.h"

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

const struct ui_screen_def ui_screens[] = {
	{ "SLA board", ROLE_SUPERVISOR, sla_open, sla_key, sla_tick, sla_render, sla_close },
	{ "Confirmation queue", ROLE_SUPERVISOR, confirm_open, confirm_key, confirm_tick,
	  confirm_render, confirm_close },
};
const size_t ui_nscreens = sizeof ui_screens / sizeof ui_screens[0];

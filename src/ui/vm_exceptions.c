/*
 * vm_exceptions.c — the exceptions screen (vm_exceptions.h). Layout at 80x24:
 *   0      title: screen, counts by kind, filters, clock, operator
 *   1      column headings
 *   2..r-3 the exceptions (or the counts by station and operator)
 *   r-2    message
 *   r-1    key legend
 * An opened order takes the whole screen but the legend (vm_trail).
 */
#include "vm_exceptions.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct vm_key_help exc_keys[] = {
	{ "Enter", "Open", "open the order with its audit trail" },
	{ "s", "Station", "next station filter: all, then each station seen today" },
	{ "o", "Operator", "next operator filter: all, then each operator seen today" },
	{ "f", "Kind", "next kind: all, error lock, weight, wrong item, held, late transit" },
	{ "g", "Groups", "counts by station and operator, or back to the list" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "Up/Down", NULL, "move (also j k, PgUp PgDn, Home End)" },
	{ "F10", NULL, "log out" },
};

int64_t
vm_exceptions_day_start(int64_t now, int64_t tz_offset)
{
	int64_t local = now + tz_offset;

	return local - ((local % 86400) + 86400) % 86400 - tz_offset;
}

void
vm_exceptions_init(struct vm_exceptions *vm, struct session *op, int64_t now,
    int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->msg_role = ROLE_MESSAGE;
	vm_exceptions_reload(vm);
}

void
vm_exceptions_free(struct vm_exceptions *vm)
{
	vm_trail_close(&vm->trail);
	free(vm->rows);
	free(vm->shown);
	free(vm->groups);
	vm->rows = NULL;
	vm->shown = NULL;
	vm->groups = NULL;
	vm->n = vm->nshown = vm->ngroups = 0;
}

static int
name_add(char (*names)[64], int *n, size_t w, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	if (*n >= VM_EXC_NAMES || name[0] == '\0')
		return -1;
	snprintf(names[*n], w, "%s", name);
	return (*n)++;
}

/* The filters and groups over the rows read. */
static void
derive(struct vm_exceptions *vm)
{
	int64_t keep = vm->sel < vm->nshown ? vm->rows[vm->shown[vm->sel]].audit_id : -1;
	char st[64], us[64];
	size_t i, j;
	int k;

	snprintf(st, sizeof st, "%s", vm->station ? vm->stations[vm->station - 1] : "");
	snprintf(us, sizeof us, "%s", vm->user ? vm->users[vm->user - 1] : "");
	vm->nstations = vm->nusers = 0;
	memset(vm->total, 0, sizeof vm->total);
	for (i = 0; i < vm->n; i++) {
		name_add(vm->stations, &vm->nstations, sizeof vm->stations[0],
		    vm->rows[i].station);
		name_add(vm->users, &vm->nusers, sizeof vm->users[0], vm->rows[i].user);
		vm->total[vm->rows[i].kind]++;
	}
	/* A filter keeps its name across reloads, or falls back to all. */
	vm->station = vm->user = 0;
	for (k = 0; st[0] && k < vm->nstations; k++)
		if (strcmp(vm->stations[k], st) == 0)
			vm->station = k + 1;
	for (k = 0; us[0] && k < vm->nusers; k++)
		if (strcmp(vm->users[k], us) == 0)
			vm->user = k + 1;
	free(vm->shown);
	free(vm->groups);
	vm->shown = xcalloc(vm->n ? vm->n : 1, sizeof *vm->shown);
	vm->groups = xcalloc(vm->n ? vm->n : 1, sizeof *vm->groups);
	vm->nshown = vm->ngroups = 0;
	for (i = 0; i < vm->n; i++) {
		const struct exc_row *r = &vm->rows[i];

		if ((vm->station && strcmp(r->station, st) != 0) ||
		    (vm->user && strcmp(r->user, us) != 0) ||
		    (vm->kind && (int)r->kind != vm->kind - 1))
			continue;
		vm->shown[vm->nshown++] = i;
		for (j = 0; j < vm->ngroups; j++)
			if (strcmp(vm->groups[j].station, r->station) == 0 &&
			    strcmp(vm->groups[j].user, r->user) == 0)
				break;
		if (j == vm->ngroups) {
			snprintf(vm->groups[j].station, sizeof vm->groups[j].station, "%s",
			    r->station);
			snprintf(vm->groups[j].user, sizeof vm->groups[j].user, "%s", r->user);
			vm->ngroups++;
		}
		vm->groups[j].n[r->kind]++;
	}
	for (i = 0; i < vm->nshown; i++)
		if (keep >= 0 && vm->rows[vm->shown[i]].audit_id == keep) {
			vm->sel = i;
			return;
		}
	if (vm->sel >= vm->nshown)
		vm->sel = vm->nshown ? vm->nshown - 1 : 0;
}

int
vm_exceptions_reload(struct vm_exceptions *vm)
{
	struct exc_row *rows;
	size_t n;
	int rc;

	vm->loaded_at = vm->now;
	rc = exceptions_list(vm->op, vm_exceptions_day_start(vm->now, vm->tz_offset), vm->now,
	    &rows, &n);
	if (rc != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	free(vm->rows);
	vm->rows = rows;
	vm->n = n;
	derive(vm);
	return 0;
}

int
vm_exceptions_tick(struct vm_exceptions *vm, int64_t now)
{
	vm->now = now;
	if (vm->trail.o == NULL && now - vm->loaded_at >= VM_EXC_RELOAD) {
		vm_exceptions_reload(vm);
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

static void
open_sel(struct vm_exceptions *vm)
{
	const struct exc_row *r;

	if (vm->grouped || vm->sel >= vm->nshown) {
		VM_MSG(vm, ROLE_WARN, "no exception selected");
		return;
	}
	r = &vm->rows[vm->shown[vm->sel]];
	if (r->order_id == 0) {
		VM_MSG(vm, ROLE_WARN, "this lock came before any order was open: see the audit "
		    "viewer for station %s", r->station);
		return;
	}
	if (vm_trail_open(&vm->trail, vm->op, r->order_id, vm->tz_offset) != 0)
		VM_MSG(vm, ROLE_WARN, "%s", vm->trail.err);
}

int
vm_exceptions_key(struct vm_exceptions *vm, int key)
{
	size_t lim = vm->grouped ? vm->ngroups : vm->nshown;

	if (vm_keys_help(&vm->help, key))
		return VM_REDRAW;
	if (key == VK_TAB)
		return VM_SWITCH;
	if (vm->trail.o != NULL) {
		vm_trail_key(&vm->trail, key);
		return VM_REDRAW;
	}
	vm->msg[0] = '\0';
	if (vm_keys_move(&vm->sel, lim, key, VM_MOVE_ALL))
		return VM_REDRAW;
	switch (key) {
	case VK_ESC:
		return VM_DONE;
	case 's':
		vm->station = (vm->station + 1) % (vm->nstations + 1);
		break;
	case 'o':
		vm->user = (vm->user + 1) % (vm->nusers + 1);
		break;
	case 'f':
		vm->kind = (vm->kind + 1) % (EXC__KINDS + 1);
		break;
	case 'g':
		vm->grouped = !vm->grouped;
		vm->sel = vm->top = 0;
		return VM_REDRAW;
	case VK_ENTER:
		open_sel(vm);
		return VM_REDRAW;
	default:
		return VM_HANDLED;
	}
	vm->sel = vm->top = 0;
	derive(vm);
	return VM_REDRAW;
}

static void
title(struct vm_exceptions *vm, struct vm_screen *scr)
{
	struct vm_seg s[10];
	char at[32];
	int n = 0, k;

	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 10, ROLE_TITLE, 2, 0, "Exceptions today");
	for (k = 0; k < EXC__KINDS; k++)
		n = vm_screen_seg(s, n, 10, vm->total[k] ? ROLE_TITLE_ALERT : ROLE_TITLE, 1, 0,
		    "%" PRId64 " %s", vm->total[k], exc_kind_name((enum exc_kind)k));
	n = vm_screen_seg(s, n, 10, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 10, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

static void
filters(struct vm_exceptions *vm, char *buf, size_t len)
{
	snprintf(buf, len, "station %s, operator %s, kind %s: %zu shown",
	    vm->station ? vm->stations[vm->station - 1] : "all",
	    vm->user ? vm->users[vm->user - 1] : "all",
	    vm->kind ? exc_kind_name((enum exc_kind)(vm->kind - 1)) : "all", vm->nshown);
}

static void
list(struct vm_exceptions *vm, struct vm_screen *scr)
{
	int page, i;
	char line[VM_CELL_MAX], at[32];

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 5);
	vm_screen_bar(scr, 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-5s %-12s %-5s %-10s %-16s %s", "Time", "Kind", "Stn",
	    "Operator", "Order no", "What");
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->nshown == 0)
		vm_screen_centre(scr, 4, ROLE_DONE, vm->n ? "nothing matches the filters" :
		    "no exceptions today");
	for (i = 0; i < page && vm->top + (size_t)i < vm->nshown; i++) {
		const struct exc_row *r = &vm->rows[vm->shown[vm->top + (size_t)i]];
		enum theme_role role = r->kind == EXC_HELD ? ROLE_HOLD : r->kind == EXC_TRANSIT ?
		    ROLE_SLA_SOON : ROLE_WARN;

		clock_format(r->at, vm->tz_offset, at, sizeof at);
		snprintf(line, sizeof line, "%-5.5s %-12.12s %-5.5s %-10.10s %-16.16s %s",
		    r->kind == EXC_TRANSIT ? at + 5 : at + 11, exc_kind_name(r->kind), r->station,
		    r->user, r->order_no[0] ? r->order_no : "-", r->what);
		if (vm->top + (size_t)i == vm->sel)
			role = ROLE_PACK_LAST;
		vm_screen_fit(scr, 2 + i, 1, scr->cols - 2, role, line, VM_LEFT);
	}
	filters(vm, line, sizeof line);
	vm_screen_fit(scr, scr->rows - 3, 1, scr->cols - 2, ROLE_DONE, line, VM_LEFT);
}

static void
groups(struct vm_exceptions *vm, struct vm_screen *scr)
{
	int page, i, k, off;
	char line[VM_CELL_MAX];

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 5);
	vm_screen_bar(scr, 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-6s %-12s %6s %6s %6s %6s %6s", "Stn", "Operator",
	    "locks", "weight", "wrong", "held", "late");
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->ngroups == 0)
		vm_screen_centre(scr, 4, ROLE_DONE, "no exceptions today");
	for (i = 0; i < page && vm->top + (size_t)i < vm->ngroups; i++) {
		const struct vm_exc_group *g = &vm->groups[vm->top + (size_t)i];

		off = snprintf(line, sizeof line, "%-6.6s %-12.12s", g->station[0] ? g->station :
		    "-", g->user[0] ? g->user : "-");
		for (k = 0; k < EXC__KINDS; k++)
			off += snprintf(line + off, sizeof line - (size_t)off, " %6" PRId64, g->n[k]);
		vm_screen_fit(scr, 2 + i, 1, scr->cols - 2, vm->top + (size_t)i == vm->sel ?
		    ROLE_PACK_LAST : ROLE_NORMAL, line, VM_LEFT);
	}
	filters(vm, line, sizeof line);
	vm_screen_fit(scr, scr->rows - 3, 1, scr->cols - 2, ROLE_DONE, line, VM_LEFT);
}

void
vm_exceptions_render(struct vm_exceptions *vm, struct vm_screen *scr)
{
	if (vm->trail.o != NULL) {
		vm_trail_show(&vm->trail, scr, vm->help);
		return;
	}
	title(vm, scr);
	if (vm->grouped)
		groups(vm, scr);
	else
		list(vm, scr);
	if (vm->msg[0] != '\0')
		vm_screen_fit(scr, scr->rows - 2, 1, scr->cols - 2, vm->msg_role, vm->msg,
		    VM_LEFT);
	vm_keys_legend(scr, scr->rows - 1, exc_keys, (int)NELEM(exc_keys));
	if (vm->help)
		vm_keys_panel(scr, "Keys: exceptions", exc_keys, (int)NELEM(exc_keys));
}

/*
 * vm_audit.c — the audit viewer (vm_audit.h). Layout at 80x24:
 *   0      title: screen, the chain check, clock, operator
 *   1      the filters in force
 *   2      column headings
 *   3..r-4 the records
 *   r-3    the selected record's change in full
 *   r-2    message, or a prompt
 *   r-1    key legend
 */
#include "vm_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { ASK_ORDER = 1, ASK_USER, ASK_STATION, ASK_FROM, ASK_TO };

static const struct vm_key_help audit_keys[] = {
	{ "o", "Order", "only the records of one order (its number, tracking no or id)" },
	{ "u", "User", "only one user's records" },
	{ "s", "Station", "only one station's records" },
	{ "f", "From", "from a time: HH:MM today, or YYYY-MM-DD [HH:MM]" },
	{ "t", "To", "up to a time (not included)" },
	{ "x", "Clear", "clear every filter" },
	{ "v", "Verify", "check the hash chain again" },
	{ "Enter", "Open", "open the order the selected record is about" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "Up/Down", NULL, "move (also j k, PgUp PgDn, Home End)" },
};

int
vm_audit_parse_time(const char *s, int64_t now, int64_t tz_offset, int64_t *out)
{
	char buf[40], day[16];
	size_t i, n = strlen(s);

	if (n == 5 && s[2] == ':') {
		clock_format(now, tz_offset, day, sizeof day);
		day[10] = '\0';
		snprintf(buf, sizeof buf, "%sT%s", day, s);
	} else if (n < sizeof buf) {
		snprintf(buf, sizeof buf, "%s", s);
		for (i = 0; buf[i] != '\0'; i++)
			if (buf[i] == ' ')
				buf[i] = 'T';
	} else {
		return -1;
	}
	return clock_parse_iso(buf, tz_offset, out);
}

void
vm_audit_init(struct vm_audit *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->chain = -1;
	vm->msg_role = ROLE_MESSAGE;
	if (vm_audit_reload(vm) == 0)
		vm_audit_verify(vm);
}

void
vm_audit_free(struct vm_audit *vm)
{
	vm_trail_close(&vm->trail);
	free(vm->rows);
	vm->rows = NULL;
	vm->n = 0;
}

void
vm_audit_verify(struct vm_audit *vm)
{
	int rc = trail_verify(vm->op, &vm->chain_count, &vm->chain_bad, vm->chain_msg,
	    sizeof vm->chain_msg);

	if (rc < 0) {
		vm->chain = -1;
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return;
	}
	vm->chain = rc;
}

int
vm_audit_reload(struct vm_audit *vm)
{
	struct trail_filter f;
	struct trail_row *rows;
	int64_t keep = vm->sel < vm->n ? vm->rows[vm->sel].id : 0;
	size_t n, i;
	int rc;

	vm->loaded_at = vm->now;
	memset(&f, 0, sizeof f);
	f.order_id = vm->order_id;
	f.user = vm->user;
	f.station = vm->station;
	f.from = vm->from;
	f.to = vm->to;
	f.limit = VM_AUDIT_ROWS;
	if ((rc = trail_list(vm->op, &f, &rows, &n)) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	free(vm->rows);
	vm->rows = rows;
	vm->n = n;
	for (i = 0; i < n; i++)
		if (rows[i].id == keep) {
			vm->sel = i;
			return 0;
		}
	vm_keys_clamp(&vm->sel, n);
	return 0;
}

int
vm_audit_tick(struct vm_audit *vm, int64_t now)
{
	vm->now = now;
	if (!vm->prompt.on && vm->trail.o == NULL && now - vm->loaded_at >= VM_AUDIT_RELOAD) {
		vm_audit_reload(vm);
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

static void
answered(struct vm_audit *vm)
{
	const char *v = vm->prompt.buf;
	int64_t t, id;

	switch (vm->prompt.what) {
	case ASK_ORDER:
		if (v[0] == '\0') {
			vm->order_id = 0;
			vm->order_no[0] = '\0';
			break;
		}
		if (order_find(vm->op, v, &id) != 0) {
			VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
			return;
		}
		vm->order_id = id;
		snprintf(vm->order_no, sizeof vm->order_no, "%s", v);
		break;
	case ASK_USER:
		snprintf(vm->user, sizeof vm->user, "%s", v);
		break;
	case ASK_STATION:
		snprintf(vm->station, sizeof vm->station, "%s", v);
		break;
	case ASK_FROM:
	case ASK_TO:
		if (v[0] == '\0') {
			t = 0;
		} else if (vm_audit_parse_time(v, vm->now, vm->tz_offset, &t) != 0) {
			VM_MSG(vm, ROLE_WARN, "'%s' is not a time (HH:MM, or YYYY-MM-DD [HH:MM])",
			    v);
			return;
		}
		if (vm->prompt.what == ASK_FROM)
			vm->from = t;
		else
			vm->to = t;
		break;
	}
	vm->sel = vm->top = 0;
	vm_audit_reload(vm);
}

static void
ask(struct vm_audit *vm, int what, const char *label)
{
	vm_prompt_open(&vm->prompt, what, VM_PROMPT_TEXT, label);
}

int
vm_audit_key(struct vm_audit *vm, int key)
{
	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	if (vm->prompt.on) {
		if (vm_prompt_key(&vm->prompt, key) > 0)
			answered(vm);
		return VM_REDRAW;
	}
	if (key == '?' || key == VK_F(1)) {
		vm->help = 1;
		return VM_REDRAW;
	}
	if (key == VK_TAB)
		return VM_SWITCH;
	if (vm->trail.o != NULL) {
		vm_trail_key(&vm->trail, key);
		return VM_REDRAW;
	}
	vm->msg[0] = '\0';
	if (vm_keys_move(&vm->sel, vm->n, key, VM_MOVE_ALL))
		return VM_REDRAW;
	switch (key) {
	case VK_ESC:
		return VM_DONE;
	case 'o':
		ask(vm, ASK_ORDER, "Order (empty: any)");
		return VM_REDRAW;
	case 'u':
		ask(vm, ASK_USER, "User (empty: any)");
		return VM_REDRAW;
	case 's':
		ask(vm, ASK_STATION, "Station (empty: any)");
		return VM_REDRAW;
	case 'f':
		ask(vm, ASK_FROM, "From (HH:MM or YYYY-MM-DD [HH:MM]; empty: any)");
		return VM_REDRAW;
	case 't':
		ask(vm, ASK_TO, "To (HH:MM or YYYY-MM-DD [HH:MM]; empty: any)");
		return VM_REDRAW;
	case 'x':
		vm->order_id = vm->from = vm->to = 0;
		vm->order_no[0] = vm->user[0] = vm->station[0] = '\0';
		vm->sel = vm->top = 0;
		vm_audit_reload(vm);
		return VM_REDRAW;
	case 'v':
		vm_audit_verify(vm);
		if (vm->chain == 0)
			VM_MSG(vm, ROLE_MESSAGE, "chain intact: %" PRId64 " records", vm->chain_count);
		return VM_REDRAW;
	case VK_ENTER: {
		const struct trail_row *r = vm->sel < vm->n ? &vm->rows[vm->sel] : NULL;

		if (r == NULL || strcmp(r->entity, "order") != 0 || atoll(r->entity_id) <= 0) {
			VM_MSG(vm, ROLE_WARN, "this record is not about an order");
			return VM_REDRAW;
		}
		if (vm_trail_open(&vm->trail, vm->op, atoll(r->entity_id), vm->tz_offset) != 0)
			VM_MSG(vm, ROLE_WARN, "%s", vm->trail.err);
		return VM_REDRAW;
	}
	}
	return VM_HANDLED;
}

static void
title(struct vm_audit *vm, struct vm_screen *scr)
{
	struct vm_seg s[6];
	char at[32];
	int n = 0;

	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "Audit log");
	if (vm->chain == 0)
		n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "chain OK (%" PRId64 " records)",
		    vm->chain_count);
	else if (vm->chain == 1)
		n = vm_screen_seg(s, n, 6, ROLE_TITLE_ALERT, 2, 0, "CHAIN BROKEN at #%" PRId64,
		    vm->chain_bad);
	else
		n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "chain not checked");
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

static void
filters(struct vm_audit *vm, struct vm_screen *scr)
{
	char line[VM_CELL_MAX], f[32], t[32];

	if (vm->from)
		clock_format(vm->from, vm->tz_offset, f, sizeof f);
	if (vm->to)
		clock_format(vm->to, vm->tz_offset, t, sizeof t);
	snprintf(line, sizeof line, "order %s  user %s  station %s  from %s  to %s  %zu%s shown",
	    vm->order_id ? vm->order_no : "any", vm->user[0] ? vm->user : "any",
	    vm->station[0] ? vm->station : "any", vm->from ? f + 5 : "-", vm->to ? t + 5 : "-",
	    vm->n,
	    vm->n >= VM_AUDIT_ROWS ? "+" : "");
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_DONE, line, VM_LEFT);
}

static void
list(struct vm_audit *vm, struct vm_screen *scr)
{
	int page, i;
	char line[VM_CELL_MAX], at[32], change[900];

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 7);
	vm_screen_bar(scr, 2, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%6s %-11s %-8s %-4s %-14s %-12s %s", "#", "When", "User",
	    "Stn", "Entity", "Action", "Change");
	vm_screen_fit(scr, 2, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->n == 0)
		vm_screen_centre(scr, 5, ROLE_DONE, "no record matches");
	for (i = 0; i < page && vm->top + (size_t)i < vm->n; i++) {
		const struct trail_row *r = &vm->rows[vm->top + (size_t)i];
		char ent[48];

		clock_format(r->at, vm->tz_offset, at, sizeof at);
		snprintf(ent, sizeof ent, "%s %s", r->entity, r->entity_id);
		vm_trail_change(r, change, sizeof change);
		snprintf(line, sizeof line, "%6" PRId64 " %-11.11s %-8.8s %-4.4s %-14.14s %-12.12s "
		    "%s", r->id, at + 5, r->user, r->station, ent, r->action, change);
		vm_screen_fit(scr, 3 + i, 1, scr->cols - 2, vm->top + (size_t)i == vm->sel ?
		    ROLE_PACK_LAST : ROLE_NORMAL, line, VM_LEFT);
	}
	if (vm->sel < vm->n) {
		vm_trail_change(&vm->rows[vm->sel], change, sizeof change);
		vm_screen_fit(scr, scr->rows - 3, 1, scr->cols - 2, ROLE_MESSAGE, change, VM_LEFT);
	}
}

void
vm_audit_render(struct vm_audit *vm, struct vm_screen *scr)
{
	int y = scr->rows - 2;

	if (vm->trail.o != NULL) {
		vm_trail_show(&vm->trail, scr, vm->help);
		return;
	}
	title(vm, scr);
	filters(vm, scr);
	list(vm, scr);
	if (vm->prompt.on)
		vm_prompt_render(&vm->prompt, scr, y);
	else if (vm->chain == 1)
		vm_screen_fit(scr, y, 1, scr->cols - 2, ROLE_ERROR_LOCK, vm->chain_msg, VM_LEFT);
	else if (vm->msg[0] != '\0')
		vm_screen_fit(scr, y, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	vm_keys_legend(scr, scr->rows - 1, audit_keys, (int)NELEM(audit_keys));
	if (vm->help)
		vm_keys_panel(scr, "Keys: audit log", audit_keys, (int)NELEM(audit_keys));
}

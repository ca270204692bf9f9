/*
 * vm_trail.c — an order and its audit trail (vm_trail.h). Layout at 80x24:
 *   0      title: order no, status, channel, shop
 *   1-3    buyer and phone, address, COD and ship-by
 *   4      risk reasons (when any)
 *   5      lines, as many as fit on one row
 *   6      column headings of the trail
 *   7..r-3 the trail: time, user, station, action, what changed (the JSON of the
 *          records without its quotes and braces), the selected one highlighted
 *   r-2    the selected record's change in full, as much as fits
 */
#include "vm_trail.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/risk.h"
#include "vm_orders.h"

const struct vm_key_help vm_trail_keys[] = {
	{ "Up/Down", "Scroll", "scroll the audit trail; the top record shows in full below" },
	{ "Esc", "Close", "close the order" },
	{ "?", "Keys", "this list" },
};
const int vm_trail_nkeys = (int)(sizeof vm_trail_keys / sizeof vm_trail_keys[0]);

int
vm_trail_open(struct vm_trail *vm, struct session *op, int64_t order_id, int64_t tz_offset)
{
	struct trail_filter f;
	int rc;

	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->tz_offset = tz_offset;
	memset(&f, 0, sizeof f);
	f.order_id = order_id;
	if ((rc = order_load(op, order_id, &vm->o)) != 0 ||
	    (rc = trail_list(op, &f, &vm->rows, &vm->n)) != 0) {
		snprintf(vm->err, sizeof vm->err, "%s", op->err);
		vm_trail_close(vm);
		return rc;
	}
	if (risk_reasons(op, order_id, vm->risk, sizeof vm->risk) != 0)
		vm->risk[0] = '\0';
	return 0;
}

void
vm_trail_close(struct vm_trail *vm)
{
	if (vm->o != NULL)
		order_free(vm->o);
	vm->o = NULL;
	free(vm->rows);
	vm->rows = NULL;
	vm->n = vm->top = 0;
}

/* A record's JSON as words: {"a":"x","b":2} as a=x, b=2. */
static void
plain(char *out, size_t len, const char *json)
{
	size_t o = 0;
	int quoted = 0;

	for (; *json != '\0' && o + 2 < len; json++) {
		char c = *json;

		if (c == '\\' && json[1] != '\0') {
			out[o++] = *++json;
			continue;
		}
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (c == '{' || c == '}'))
			continue;
		if (!quoted && c == ':') {
			out[o++] = '=';
			continue;
		}
		out[o++] = c;
		if (!quoted && c == ',')
			out[o++] = ' ';
	}
	out[o] = '\0';
}

void
vm_trail_change(const struct trail_row *r, char *buf, size_t len)
{
	char b[300], a[600];

	plain(b, sizeof b, r->before);
	plain(a, sizeof a, r->after);
	snprintf(buf, len, "%s%s%s", b, b[0] ? " -> " : "", a);
}

int
vm_trail_key(struct vm_trail *vm, int key)
{
	switch (key) {
	case VK_ESC:
	case 'q':
		vm_trail_close(vm);
		return VM_DONE | VM_REDRAW;
	}
	if (vm_keys_move(&vm->top, vm->n, key, VM_MOVE_STEP | VM_MOVE_PAGE | VM_MOVE_HOME))
		return VM_REDRAW;
	return VM_HANDLED;
}

void
vm_trail_render(struct vm_trail *vm, struct vm_screen *scr)
{
	const struct order *o = vm->o;
	char line[VM_CELL_MAX], at[32], cod[32], change[900];
	size_t i, k;
	int y, off, w = scr->cols - 2;

	if (o == NULL)
		return;
	snprintf(line, sizeof line, "Order %s  %s  %s %s  %zu audit records", o->order_no,
	    order_status_name(o->status), o->channel, o->shop, vm->n);
	vm_screen_bar(scr, 0, ROLE_TITLE);
	vm_screen_fit(scr, 0, 1, w, ROLE_TITLE, line, VM_LEFT);
	snprintf(line, sizeof line, "Buyer  %s  %s", o->buyer_name, o->buyer_phone);
	vm_screen_fit(scr, 1, 1, w, ROLE_NORMAL, line, VM_LEFT);
	snprintf(line, sizeof line, "Ship   %s, %s, %s", o->address, o->district, o->province);
	vm_screen_fit(scr, 2, 1, w, ROLE_NORMAL, line, VM_LEFT);
	if (o->cod > 0)
		vm_orders_money(cod, sizeof cod, o->cod);
	else
		snprintf(cod, sizeof cod, "prepaid");
	if (o->ship_by > 0)
		clock_format(o->ship_by, vm->tz_offset, at, sizeof at);
	else
		snprintf(at, sizeof at, "-");
	snprintf(line, sizeof line, "COD    %s %s   ship by %s", cod, o->cod > 0 ?
	    o->currency : "", at);
	vm_screen_fit(scr, 3, 1, w, ROLE_NORMAL, line, VM_LEFT);
	if (vm->risk[0] != '\0')
		vm_screen_fit(scr, 4, 1, w, ROLE_WARN, vm->risk, VM_LEFT);
	off = snprintf(line, sizeof line, "Lines ");
	for (k = 0; k < o->nlines && off < (int)sizeof line - 1; k++)
		off += snprintf(line + off, sizeof line - (size_t)off, " %s x%" PRId64 "%s",
		    o->lines[k].sku, o->lines[k].qty, k + 1 < o->nlines ? "," : "");
	vm_screen_fit(scr, 5, 1, w, ROLE_NORMAL, line, VM_LEFT);
	vm_screen_bar(scr, 6, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-11s %-8s %-4s %-10s %s", "When", "User", "Stn",
	    "Action", "Change");
	vm_screen_fit(scr, 6, 1, w, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->n == 0)
		vm_screen_centre(scr, 8, ROLE_DONE, "no audit records for this order");
	for (i = vm->top, y = 7; i < vm->n && y < scr->rows - 2; i++, y++) {
		const struct trail_row *r = &vm->rows[i];

		clock_format(r->at, vm->tz_offset, at, sizeof at);
		vm_trail_change(r, change, sizeof change);
		snprintf(line, sizeof line, "%-11.11s %-8.8s %-4.4s %-10.10s %s", at + 5,
		    r->user, r->station, r->action, change);
		vm_screen_fit(scr, y, 1, w, i == vm->top ? ROLE_PACK_LAST : ROLE_NORMAL, line,
		    VM_LEFT);
	}
	if (vm->top < vm->n) {
		vm_trail_change(&vm->rows[vm->top], change, sizeof change);
		vm_screen_fit(scr, scr->rows - 2, 1, w, ROLE_MESSAGE, change, VM_LEFT);
	}
}

void
vm_trail_show(struct vm_trail *vm, struct vm_screen *scr, int help)
{
	vm_trail_render(vm, scr);
	vm_keys_legend(scr, scr->rows - 1, vm_trail_keys, vm_trail_nkeys);
	if (help)
		vm_keys_panel(scr, "Keys: order and audit trail", vm_trail_keys, vm_trail_nkeys);
}

/*
 * vm_returns.c — the returns screen (vm_returns.h). Layout at 80x24:
 *   0      title: screen, the order and its status, clock, operator
 *   1      the scan line, or the current condition and reason
 *   2      column headings
 *   3..r-4 the order's shipped units per lot; with no return open, the open returns
 *   r-3    return costs
 *   r-2    message, or a prompt
 *   r-1    key legend
 */
#include "vm_returns.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/order.h"
#include "core/sku.h"
#include "core/xalloc.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400

enum { ASK_SHIP = 1, ASK_HANDLING, ASK_DAYS };

static const struct vm_key_help return_keys[] = {
	{ "F2", "Resal", "count the next units resalable (back in their lot)" },
	{ "F3", "Dmg", "count the next units damaged (written off)" },
	{ "F4", "Miss", "count the next units missing (written off)" },
	{ "F5", "Wrong", "count the next units as a wrong item received (written off)" },
	{ "F6", "Reason", "next reason code" },
	{ "F7", "Cost", "return shipping and handling cost; with no return: N days" },
	{ "F9", "Receive", "receive the return: stock, write-offs, order status" },
	{ "Esc", "Back", "leave the return open (it stays on the open list); back" },
	{ "Enter", NULL, "after a scan: count it; alone: one unit of the selected row" },
	{ "Backspace", NULL, "take the last counted unit back" },
	{ "Up/Down", NULL, "select a row" },
	{ "Tab", NULL, "next screen" },
	{ "F1", NULL, "this list" },
};

static const struct vm_key_help idle_keys[] = {
	{ "F7", "Days", "open returns older than N days (supervisor)" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "Tab", "Next", "next screen" },
	{ "F1", "Keys", "this list" },
	{ "Enter", NULL, "after a parcel's scan: open its return" },
};

static const char *const cond_label[RET__NCOND] = {
	[RET_RESALABLE] = "RESALABLE",
	[RET_DAMAGED] = "DAMAGED",
	[RET_MISSING] = "MISSING",
	[RET_WRONG_ITEM] = "WRONG ITEM",
};

static void set_msg(struct vm_returns *vm, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_msg(struct vm_returns *vm, enum theme_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->msg, sizeof vm->msg, fmt, ap);
	va_end(ap);
	vm->msg_role = role;
}

void
vm_returns_init(struct vm_returns *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->days = 7;
	vm->msg_role = ROLE_MESSAGE;
	vm_returns_reload(vm);
}

/* Forget the return being counted. */
static void
drop(struct vm_returns *vm)
{
	free(vm->units);
	free(vm->picks);
	vm->units = NULL;
	vm->picks = NULL;
	vm->nu = vm->npicks = vm->sel = vm->top = 0;
	vm->order_id = vm->rma_id = 0;
	vm->ship_cost = vm->handling_cost = 0;
	vm->cond = RET_RESALABLE;
	vm->reason = 0;
}

void
vm_returns_free(struct vm_returns *vm)
{
	drop(vm);
	free(vm->open);
	vm->open = NULL;
	vm->nopen = 0;
}

int
vm_returns_reload(struct vm_returns *vm)
{
	struct returns_row *rows;
	size_t n;
	int rc;

	if (vm->op->role < ROLE_SUPERVISOR)
		return 0;
	if ((rc = returns_list_open(vm->op, vm->now - vm->days * DAY, &rows, &n)) != 0) {
		set_msg(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	free(vm->open);
	vm->open = rows;
	vm->nopen = n;
	return 0;
}

int
vm_returns_tick(struct vm_returns *vm, int64_t now)
{
	vm->now = now;
	return VM_REDRAW;
}

int64_t
vm_returns_counted(const struct vm_returns *vm, size_t row, int cond)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < vm->npicks; i++)
		n += vm->picks[i].row == row && (cond < 0 || (int)vm->picks[i].cond == cond);
	return n;
}

static int64_t
left_of(const struct vm_returns *vm, size_t row)
{
	return vm->units[row].shipped - vm->units[row].returned -
	    vm_returns_counted(vm, row, -1);
}

static void
pick(struct vm_returns *vm, size_t row)
{
	struct vm_return_pick *p;

	vm->picks = xrealloc(vm->picks, (vm->npicks + 1) * sizeof *vm->picks);
	p = &vm->picks[vm->npicks++];
	p->row = row;
	p->cond = vm->cond;
	p->reason = vm->reason;
	vm->sel = row;
	set_msg(vm, ROLE_MESSAGE, "%s%s%s: 1 %s (%s)", vm->units[row].sku,
	    vm->units[row].lot[0] ? " lot " : "", vm->units[row].lot,
	    returns_cond_name(vm->cond), returns_reasons[vm->reason].code);
}

/* The returned parcel: find its order, open (or take up) its return, list its units. */
static void
scan_parcel(struct vm_returns *vm, const char *code)
{
	struct order *o = NULL;
	int64_t order_id, rma;

	if (returns_find(vm->op, code, &order_id, &rma) != 0 ||
	    returns_open(vm->op, order_id, "station", NULL, &rma) != 0 ||
	    order_load(vm->op, order_id, &o) != 0) {
		set_msg(vm, ROLE_WARN, "%s", vm->op->err);
		return;
	}
	drop(vm);
	if (returns_units(vm->op, order_id, &vm->units, &vm->nu) != 0) {
		set_msg(vm, ROLE_WARN, "%s", vm->op->err);
		order_free(o);
		return;
	}
	vm->order_id = order_id;
	vm->rma_id = rma;
	snprintf(vm->order_no, sizeof vm->order_no, "%s", o->order_no);
	snprintf(vm->status, sizeof vm->status, "%s", order_status_name(o->status));
	snprintf(vm->currency, sizeof vm->currency, "%s", o->currency);
	order_free(o);
	set_msg(vm, ROLE_MESSAGE, "return %" PRId64 " of order %s: scan each unit", rma,
	    vm->order_no);
}

/* A unit scanned: one of its SKU, from the first lot with units left. */
static void
scan_unit(struct vm_returns *vm, const char *code)
{
	int64_t sku, pack = 1;
	size_t i;
	int known = 0;

	if (sku_find(vm->op, code, &sku) != 0 &&
	    sku_by_barcode(vm->op, code, &sku, &pack) != 0) {
		set_msg(vm, ROLE_WARN, "'%s' is no SKU or barcode", code);
		return;
	}
	if (pack != 1) {
		set_msg(vm, ROLE_WARN, "'%s' is a pack of %" PRId64 "; scan the units one by one",
		    code, pack);
		return;
	}
	for (i = 0; i < vm->nu; i++) {
		if (vm->units[i].sku_id != sku)
			continue;
		known = 1;
		if (left_of(vm, i) > 0) {
			pick(vm, i);
			return;
		}
	}
	if (known)
		set_msg(vm, ROLE_WARN, "'%s': every unit order %s shipped of it is counted or "
		    "back already", code, vm->order_no);
	else
		set_msg(vm, ROLE_WARN, "'%s': order %s did not ship it", code, vm->order_no);
}

/* F9: every counted unit received in one transaction. */
static void
receive(struct vm_returns *vm)
{
	struct returns_item *items;
	struct returns_in in;
	struct order *o = NULL;
	int64_t rma = 0, n[RET__NCOND] = { 0 };
	size_t i, k, ni = 0;

	if (vm->npicks == 0) {
		set_msg(vm, ROLE_WARN, "no unit counted yet: scan the units first");
		return;
	}
	items = xcalloc(vm->npicks, sizeof *items);
	for (i = 0; i < vm->npicks; i++) {
		const struct vm_return_pick *p = &vm->picks[i];

		n[p->cond]++;
		for (k = 0; k < ni; k++) {
			if (strcmp(items[k].sku, vm->units[p->row].sku) == 0 &&
			    strcmp(items[k].lot, vm->units[p->row].lot) == 0 &&
			    items[k].cond == p->cond &&
			    strcmp(items[k].reason, returns_reasons[p->reason].code) == 0)
				break;
		}
		if (k == ni) {
			items[ni].sku = vm->units[p->row].sku;
			items[ni].lot = vm->units[p->row].lot;
			items[ni].cond = p->cond;
			items[ni].reason = returns_reasons[p->reason].code;
			ni++;
		}
		items[k].qty++;
	}
	memset(&in, 0, sizeof in);
	in.order_id = vm->order_id;
	in.rma_id = vm->rma_id;
	in.items = items;
	in.nitems = ni;
	in.ship_cost = vm->ship_cost;
	in.handling_cost = vm->handling_cost;
	if (returns_receive(vm->op, &in, &rma) != 0) {
		set_msg(vm, ROLE_WARN, "%s", vm->op->err);
		free(items);
		return;
	}
	free(items);
	if (order_load(vm->op, vm->order_id, &o) == 0)
		snprintf(vm->status, sizeof vm->status, "%s", order_status_name(o->status));
	order_free(o);
	set_msg(vm, ROLE_MESSAGE, "return %" PRId64 " of %s received: %" PRId64 " back in "
	    "stock, %" PRId64 " written off; order %s", rma, vm->order_no, n[RET_RESALABLE],
	    n[RET_DAMAGED] + n[RET_MISSING] + n[RET_WRONG_ITEM], vm->status);
	drop(vm);
	vm_returns_reload(vm);
}

static void
answered(struct vm_returns *vm)
{
	int64_t v;

	if (vm_prompt_int(&vm->prompt, &v) != 0 || v < 0) {
		set_msg(vm, ROLE_WARN, "'%s' is not a whole number of 0 or more",
		    vm->prompt.buf);
		return;
	}
	switch (vm->prompt.what) {
	case ASK_SHIP:
		vm->ship_cost = v;
		vm_prompt_open(&vm->prompt, ASK_HANDLING, VM_PROMPT_NUMBER, "Handling cost");
		return;
	case ASK_HANDLING:
		vm->handling_cost = v;
		set_msg(vm, ROLE_MESSAGE, "costs: shipping %" PRId64 ", handling %" PRId64 " %s",
		    vm->ship_cost, vm->handling_cost, vm->currency);
		return;
	case ASK_DAYS:
		if (v > 36500) {
			set_msg(vm, ROLE_WARN, "at most 36500 days");
			return;
		}
		vm->days = v;
		vm_returns_reload(vm);
		return;
	}
}

/* Keys while a return is being counted. */
static int
counting_key(struct vm_returns *vm, int key)
{
	switch (key) {
	case VK_F(2):
	case VK_F(3):
	case VK_F(4):
	case VK_F(5):
		vm->cond = (enum returns_cond)(key - VK_F(2));
		return VM_REDRAW;
	case VK_F(6):
		vm->reason = (vm->reason + 1) % returns_nreasons;
		return VM_REDRAW;
	case VK_F(7):
		vm_prompt_open(&vm->prompt, ASK_SHIP, VM_PROMPT_NUMBER, "Return shipping cost");
		return VM_REDRAW;
	case VK_F(9):
		receive(vm);
		return VM_REDRAW;
	case VK_UP:
		if (vm->sel > 0)
			vm->sel--;
		return VM_REDRAW;
	case VK_DOWN:
		if (vm->sel + 1 < vm->nu)
			vm->sel++;
		return VM_REDRAW;
	case VK_BACKSPACE:
		if (vm->npicks > 0) {
			vm->npicks--;
			set_msg(vm, ROLE_MESSAGE, "took back 1 %s",
			    vm->units[vm->picks[vm->npicks].row].sku);
		}
		return VM_REDRAW;
	case VK_ENTER:
		if (vm->nu == 0)
			set_msg(vm, ROLE_WARN, "order %s shipped no units", vm->order_no);
		else if (left_of(vm, vm->sel) <= 0)
			set_msg(vm, ROLE_WARN, "%s: no unit of this row left to return",
			    vm->units[vm->sel].sku);
		else
			pick(vm, vm->sel);
		return VM_REDRAW;
	case VK_ESC:
		set_msg(vm, ROLE_MESSAGE, "return %" PRId64 " of %s left open", vm->rma_id,
		    vm->order_no);
		drop(vm);
		vm_returns_reload(vm);
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

int
vm_returns_key(struct vm_returns *vm, int key)
{
	size_t len = strlen(vm->scan);

	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	if (vm->prompt.on) {
		if (vm_prompt_key(&vm->prompt, key) > 0)
			answered(vm);
		return VM_REDRAW;
	}
	if (key == VK_F(1)) {
		vm->help = 1;
		return VM_REDRAW;
	}
	if (key == VK_TAB)
		return VM_SWITCH;
	/* The wedge types printable ASCII and ends with Enter. */
	if (key >= 0x20 && key < 0x7f) {
		if (len + 1 < sizeof vm->scan) {
			vm->scan[len] = (char)key;
			vm->scan[len + 1] = '\0';
		}
		return VM_REDRAW;
	}
	if (len > 0) {
		if (key == VK_BACKSPACE)
			vm->scan[len - 1] = '\0';
		else if (key == VK_ESC)
			vm->scan[0] = '\0';
		else if (key == VK_ENTER) {
			char code[sizeof vm->scan];

			memcpy(code, vm->scan, sizeof code);
			vm->scan[0] = '\0';
			if (vm->order_id == 0)
				scan_parcel(vm, code);
			else
				scan_unit(vm, code);
		}
		return VM_REDRAW;
	}
	if (vm->order_id != 0)
		return counting_key(vm, key);
	switch (key) {
	case VK_ESC:
		return VM_DONE;
	case VK_F(7):
		if (vm->op->role >= ROLE_SUPERVISOR)
			vm_prompt_open(&vm->prompt, ASK_DAYS, VM_PROMPT_NUMBER,
			    "Open returns older than N days");
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

static void
units(struct vm_returns *vm, struct vm_screen *scr, int y0, int page)
{
	char line[VM_CELL_MAX];
	size_t i;
	int y;

	vm_screen_bar(scr, y0 - 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-16s %-10s %-16s %4s %4s %4s %4s %4s %4s", "SKU", "Lot",
	    "Name", "Ship", "Back", "Res", "Dmg", "Miss", "Wrng");
	vm_screen_fit(scr, y0 - 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->sel < vm->top)
		vm->top = vm->sel;
	if (vm->sel >= vm->top + (size_t)page)
		vm->top = vm->sel - (size_t)page + 1;
	for (y = 0, i = vm->top; y < page && i < vm->nu; y++, i++) {
		const struct returns_unit *u = &vm->units[i];
		enum theme_role role = left_of(vm, i) > 0 ? ROLE_NORMAL : ROLE_DONE;

		/* Names are fitted in display columns (Vietnamese), the figures are ASCII. */
		snprintf(line, sizeof line, "%4" PRId64 " %4" PRId64 " %4" PRId64 " %4" PRId64
		    " %4" PRId64 " %4" PRId64, u->shipped, u->returned,
		    vm_returns_counted(vm, i, RET_RESALABLE),
		    vm_returns_counted(vm, i, RET_DAMAGED),
		    vm_returns_counted(vm, i, RET_MISSING),
		    vm_returns_counted(vm, i, RET_WRONG_ITEM));
		if (i == vm->sel)
			role = ROLE_PACK_LAST;
		vm_screen_fit(scr, y0 + y, 1, scr->cols - 2, role, "", VM_LEFT);
		vm_screen_fit(scr, y0 + y, 1, 16, role, u->sku, VM_LEFT);
		vm_screen_fit(scr, y0 + y, 18, 10, role, u->lot[0] ? u->lot : "-", VM_LEFT);
		vm_screen_fit(scr, y0 + y, 29, 16, role, u->name, VM_LEFT);
		vm_screen_put(scr, y0 + y, 46, role, line);
	}
}

static void
open_list(struct vm_returns *vm, struct vm_screen *scr, int y0, int page)
{
	char line[VM_CELL_MAX];
	size_t i;
	int y;

	vm_screen_bar(scr, y0 - 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "Open returns older than %" PRId64 " day%s: %zu",
	    vm->days, vm->days == 1 ? "" : "s", vm->nopen);
	vm_screen_fit(scr, y0 - 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	for (y = 0, i = 0; y < page && i < vm->nopen; y++, i++) {
		const struct returns_row *r = &vm->open[i];

		/* 78 columns: the channel's return id and the state it last said. */
		snprintf(line, sizeof line, "%-18.18s %-6.6s %-13s %-7s %-14.14s %-10s %3" PRId64
		    "d", r->order_no, r->channel, r->status,
		    strcmp(r->source, "marketplace") == 0 ? "market" : r->source,
		    r->market_id[0] ? r->market_id : "-",
		    r->market_status[0] ? r->market_status : "-", (vm->now - r->opened_at) / DAY);
		vm_screen_fit(scr, y0 + y, 1, scr->cols - 2, ROLE_SLA_OVERDUE, line, VM_LEFT);
	}
}

void
vm_returns_render(struct vm_returns *vm, struct vm_screen *scr)
{
	struct vm_seg s[6];
	char at[32], line[VM_CELL_MAX];
	int n = 0, page = scr->rows - 6;

	if (page < 1)
		page = 1;
	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "Returns");
	if (vm->order_id != 0)
		n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "%s %s", vm->order_no, vm->status);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);

	if (vm->order_id == 0) {
		snprintf(line, sizeof line, "Scan the returned parcel: %s_", vm->scan);
		vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_PROMPT, line, VM_LEFT);
		if (vm->op->role >= ROLE_SUPERVISOR)
			open_list(vm, scr, 3, page);
	} else {
		snprintf(line, sizeof line, "%s  reason %s  scan: %s_", cond_label[vm->cond],
		    returns_reasons[vm->reason].code, vm->scan);
		vm_screen_fit(scr, 1, 1, scr->cols - 2,
		    vm->cond == RET_RESALABLE ? ROLE_PROMPT : ROLE_WARN, line, VM_LEFT);
		units(vm, scr, 3, page);
		snprintf(line, sizeof line, "Return %" PRId64 "  counted %zu  shipping %" PRId64
		    "  handling %" PRId64 " %s", vm->rma_id, vm->npicks, vm->ship_cost,
		    vm->handling_cost, vm->currency);
		vm_screen_fit(scr, scr->rows - 3, 1, scr->cols - 2, ROLE_NORMAL, line, VM_LEFT);
	}
	if (vm->prompt.on)
		vm_prompt_render(&vm->prompt, scr, scr->rows - 2);
	else if (vm->msg[0] != '\0')
		vm_screen_fit(scr, scr->rows - 2, 1, scr->cols - 2, vm->msg_role, vm->msg,
		    VM_LEFT);
	if (vm->order_id != 0)
		vm_keys_legend(scr, scr->rows - 1, return_keys, (int)NELEM(return_keys));
	else
		vm_keys_legend(scr, scr->rows - 1, idle_keys, (int)NELEM(idle_keys));
	if (vm->help && vm->order_id != 0)
		vm_keys_panel(scr, "Keys: returns", return_keys, (int)NELEM(return_keys));
	else if (vm->help)
		vm_keys_panel(scr, "Keys: returns", idle_keys, (int)NELEM(idle_keys));
}

/*
 * vm_sla.c — the SLA aging board screen (vm_sla.h). Layout at 80x24:
 *   0      title: screen, channel filter, open orders, clock, operator
 *   2      column headings: the buckets
 *   3-6    the groups (to confirm, to pack, packed) and the total row
 *   8      the selected cell in words
 *   r-2    message
 *   r-1    key legend
 * The drill-down replaces rows 2 to r-3 with the cell's orders.
 */
#include "vm_sla.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/stock.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The buckets' column headings, short enough for 80 columns. */
static const char *const heads[SLA__BUCKETS] = { "overdue", "< 2h", "2-6h", "6-24h",
    "later", "none" };

static const char *const channels[] = { NULL, "shopee", "lazada", "tiktok", "manual" };

static const struct vm_key_help board_keys[] = {
	{ "Arrows", "Move", "move between counts (also h j k l)" },
	{ "Enter", "Orders", "the orders behind the count, most urgent first" },
	{ "c", "Channel", "next channel filter: all, shopee, lazada, tiktok, manual" },
	{ "w", "Warehouse", "next warehouse filter: all, then each warehouse" },
	{ "Tab", "Next", "next screen (pack, orders, SLA board, queue)" },
	{ "Esc", "Back", "back to the pack screen (from orders: to the board)" },
	{ "?", "Keys", "this list (also F1)" },
	{ "F10", NULL, "log out" },
};

static const struct vm_key_help drill_keys[] = {
	{ "Up/Down", "Move", "move (also j k, PgUp PgDn, Home End)" },
	{ "Enter", "Open", "open the order with its audit trail" },
	{ "Esc", "Board", "back to the board" },
	{ "Tab", "Next", "next screen" },
	{ "?", "Keys", "this list" },
};

void
vm_sla_init(struct vm_sla *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->msg_role = ROLE_MESSAGE;
	vm->nwhs = vm_keys_warehouses(op, vm->whs, VM_SLA_WAREHOUSES);
	vm_sla_reload(vm);
}

void
vm_sla_free(struct vm_sla *vm)
{
	vm_trail_close(&vm->trail);
	free(vm->rows);
	vm->rows = NULL;
	vm->nrows = 0;
}

static int
load_rows(struct vm_sla *vm)
{
	struct order_row *rows;
	int64_t keep = vm->sel < vm->nrows ? vm->rows[vm->sel].id : 0;
	size_t n, i;
	int rc;

	rc = sla_orders(vm->op, &vm->f, vm->g < SLA__GROUPS ? vm->g : -1,
	    (enum sla_bucket)vm->b, vm->now, VM_SLA_ROWS, &rows, &n);
	if (rc != 0)
		return rc;
	free(vm->rows);
	vm->rows = rows;
	vm->nrows = n;
	/* Keep the selection on the same order while it is there. */
	for (i = 0; i < n; i++)
		if (rows[i].id == keep) {
			vm->sel = i;
			return 0;
		}
	vm_keys_clamp(&vm->sel, n);
	return 0;
}

int
vm_sla_reload(struct vm_sla *vm)
{
	int rc;

	vm->f.channel = channels[vm->channel];
	vm->f.warehouse = vm->wh > 0 ? vm->whs[vm->wh - 1] : NULL;
	rc = sla_board(vm->op, &vm->f, vm->now, &vm->bd);
	if (rc == 0 && vm->drill)
		rc = load_rows(vm);
	if (rc != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
	} else if (vm->err) {
		vm->msg[0] = '\0';
	}
	vm->err = rc != 0;
	return rc;
}

int
vm_sla_tick(struct vm_sla *vm, int64_t now)
{
	vm->now = now;
	if (vm->trail.o != NULL)
		return VM_HANDLED;
	vm_sla_reload(vm);
	return VM_REDRAW;
}

enum theme_role
vm_sla_role(enum sla_bucket b, int64_t count)
{
	if (count == 0)
		return ROLE_DONE;
	if (b == SLA_OVERDUE)
		return ROLE_SLA_OVERDUE;
	if (b == SLA_UNDER_2H)
		return ROLE_SLA_SOON;
	return ROLE_NORMAL;
}

static int
drill_key(struct vm_sla *vm, int key)
{
	if (vm_keys_move(&vm->sel, vm->nrows, key, VM_MOVE_ALL))
		return VM_REDRAW;
	switch (key) {
	case VK_ESC:
	case 'q':
		vm->drill = 0;
		vm_sla_free(vm);
		return VM_REDRAW;
	case VK_ENTER:
		if (vm->sel < vm->nrows && vm_trail_open(&vm->trail, vm->op, vm->rows[vm->sel].id,
		    vm->tz_offset) != 0)
			VM_MSG(vm, ROLE_WARN, "%s", vm->trail.err);
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

int
vm_sla_key(struct vm_sla *vm, int key)
{
	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	vm->msg[0] = '\0';
	if (key == '?' || key == VK_F(1)) {
		vm->help = 1;
		return VM_REDRAW;
	}
	if (key == VK_TAB)
		return VM_SWITCH;
	if (vm->trail.o != NULL) {
		vm_trail_key(&vm->trail, key);
		if (vm->trail.o == NULL)
			vm_sla_reload(vm);
		return VM_REDRAW;
	}
	if (vm->drill)
		return drill_key(vm, key);
	switch (key) {
	case VK_ESC:
		return VM_DONE;
	case VK_UP:
	case 'k':
		if (vm->g > 0)
			vm->g--;
		return VM_REDRAW;
	case VK_DOWN:
	case 'j':
		if (vm->g < SLA__GROUPS)
			vm->g++;
		return VM_REDRAW;
	case VK_LEFT:
	case 'h':
		if (vm->b > 0)
			vm->b--;
		return VM_REDRAW;
	case VK_RIGHT:
	case 'l':
		if (vm->b + 1 < SLA__BUCKETS)
			vm->b++;
		return VM_REDRAW;
	case 'c':
		vm->channel = (vm->channel + 1) % (int)NELEM(channels);
		vm_sla_reload(vm);
		return VM_REDRAW;
	case 'w':
		vm->wh = (vm->wh + 1) % (vm->nwhs + 1);
		vm_sla_reload(vm);
		return VM_REDRAW;
	case VK_ENTER:
		vm->drill = 1;
		vm->sel = 0;
		vm->top = 0;
		if (load_rows(vm) != 0) {
			vm->drill = 0;
			VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		}
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

static void
title(struct vm_sla *vm, struct vm_screen *scr, const char *what)
{
	struct vm_seg s[8];
	char at[32];
	int n = 0;

	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "%s", what);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "channel %s",
	    channels[vm->channel] ? channels[vm->channel] : "all");
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "wh %s",
	    vm->wh > 0 ? vm->whs[vm->wh - 1] : "all");
	n = vm_screen_seg(s, n, 8, vm->bd.bucket_total[SLA_OVERDUE] ? ROLE_TITLE_ALERT :
	    ROLE_TITLE, 2, 0, "%" PRId64 " open, %" PRId64 " overdue", vm->bd.total,
	    vm->bd.bucket_total[SLA_OVERDUE]);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

/* Each configured carrier's next cut-off and the time left to it, on row y (and the
 * next when they do not fit on one). */
static void
cutoffs(struct vm_sla *vm, struct vm_screen *scr, int y)
{
	const struct sla_carrier *c;
	char line[VM_CELL_MAX], at[32], left[16];
	size_t o;
	int n, i;

	c = sla_carriers(&n);
	if (n == 0) {
		vm_screen_fit(scr, y, 1, scr->cols - 2, ROLE_DONE, "no carrier cut-offs configured "
		    "([carriers] in the config)", VM_LEFT);
		return;
	}
	o = (size_t)snprintf(line, sizeof line, "Cut-off:");
	for (i = 0; i < n && o < sizeof line; i++) {
		int64_t next = sla_next_cutoff(&c[i], vm->now);

		if (next == 0) {
			o += (size_t)snprintf(line + o, sizeof line - o, " %s none%s", c[i].name,
			    i + 1 < n ? "," : "");
			continue;
		}
		clock_format(next, vm->tz_offset, at, sizeof at);
		vm_keys_left(left, sizeof left, next, vm->now);
		o += (size_t)snprintf(line + o, sizeof line - o, " %s %s (%s)%s", c[i].name,
		    at + 11, left, i + 1 < n ? "," : "");
	}
	vm_screen_fit(scr, y, 1, scr->cols - 2, ROLE_NORMAL, line, VM_LEFT);
	if (vm_orders_width(line) > scr->cols - 2)
		vm_screen_fit(scr, y + 1, 1, scr->cols - 2, ROLE_NORMAL, line + (scr->cols - 2),
		    VM_LEFT);
}

/* The grid: a label column then one column per bucket and the total. */
static void
board(struct vm_sla *vm, struct vm_screen *scr)
{
	int lw = 12, cw = (scr->cols - lw - 1) / (SLA__BUCKETS + 1), g, b, y = 2;
	char num[24], what[160];
	int64_t v;

	if (cw > 10)
		cw = 10;
	vm_screen_bar(scr, y, ROLE_COLHEAD);
	vm_screen_fit(scr, y, 1, lw, ROLE_COLHEAD, "State", VM_LEFT);
	for (b = 0; b <= SLA__BUCKETS; b++)
		vm_screen_fit(scr, y, 1 + lw + b * cw, cw, ROLE_COLHEAD,
		    b < SLA__BUCKETS ? heads[b] : "total", VM_RIGHT);
	for (g = 0; g <= SLA__GROUPS; g++) {
		y = 3 + g;
		vm_screen_fit(scr, y, 1, lw, g < SLA__GROUPS ? ROLE_NORMAL : ROLE_COLHEAD,
		    g < SLA__GROUPS ? sla_group_name((enum sla_group)g) : "total", VM_LEFT);
		for (b = 0; b <= SLA__BUCKETS; b++) {
			enum theme_role role;

			if (b < SLA__BUCKETS)
				v = g < SLA__GROUPS ? vm->bd.n[g][b] : vm->bd.bucket_total[b];
			else
				v = g < SLA__GROUPS ? vm->bd.group_total[g] : vm->bd.total;
			role = b < SLA__BUCKETS ? vm_sla_role((enum sla_bucket)b, v) : ROLE_NORMAL;
			if (g == vm->g && b == vm->b)
				role = ROLE_PACK_LAST;
			snprintf(num, sizeof num, "%" PRId64 " ", v);
			vm_screen_fit(scr, y, 1 + lw + b * cw, cw, role, num, VM_RIGHT);
		}
	}
	snprintf(what, sizeof what, "%s, %s: %" PRId64 " orders; Enter lists them",
	    vm->g < SLA__GROUPS ? sla_group_name((enum sla_group)vm->g) : "all open",
	    sla_bucket_name((enum sla_bucket)vm->b),
	    vm->g < SLA__GROUPS ? vm->bd.n[vm->g][vm->b] : vm->bd.bucket_total[vm->b]);
	vm_screen_fit(scr, 8, 1, scr->cols - 2, ROLE_NORMAL, what, VM_LEFT);
	vm_screen_fit(scr, 10, 1, scr->cols - 2, ROLE_DONE, "overdue: past ship-by; < 2h: "
	    "due within 2 hours; counts refresh every second", VM_LEFT);
	cutoffs(vm, scr, 12);
}

static void
drill(struct vm_sla *vm, struct vm_screen *scr)
{
	int page, i, y;
	char left[16], at[32], line[VM_CELL_MAX];

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 5);
	vm_screen_bar(scr, 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-20s %-7s %-10s %-11s %6s  %s", "Order no", "Channel",
	    "Status", "Ship by", "Left", "Buyer");
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->nrows == 0)
		vm_screen_centre(scr, 3, ROLE_DONE, "no orders in this count");
	for (i = 0; i < page && vm->top + (size_t)i < vm->nrows; i++) {
		const struct order_row *r = &vm->rows[vm->top + (size_t)i];
		enum theme_role role = vm_sla_role(sla_bucket_of(r->ship_by, vm->now), 1);

		y = 2 + i;
		vm_keys_left(left, sizeof left, r->ship_by, vm->now);
		if (r->ship_by > 0)
			clock_format(r->ship_by, vm->tz_offset, at, sizeof at);
		else
			snprintf(at, sizeof at, "%s", "-");
		snprintf(line, sizeof line, "%-20.20s %-7.7s %-10.10s %-11.11s %6s  %s",
		    r->order_no, r->channel, order_status_name(r->status),
		    r->ship_by > 0 ? at + 5 : at, left, r->buyer_name);
		if (vm->top + (size_t)i == vm->sel)
			role = ROLE_PACK_LAST;
		vm_screen_fit(scr, y, 1, scr->cols - 2, role, line, VM_LEFT);
	}
}

void
vm_sla_render(struct vm_sla *vm, struct vm_screen *scr)
{
	char what[160];

	if (vm->trail.o != NULL) {
		vm_trail_show(&vm->trail, scr, vm->help);
		return;
	}
	if (vm->drill) {
		snprintf(what, sizeof what, "SLA %s %s: %zu%s",
		    vm->g < SLA__GROUPS ? sla_group_name((enum sla_group)vm->g) : "all",
		    sla_bucket_name((enum sla_bucket)vm->b), vm->nrows,
		    vm->nrows >= VM_SLA_ROWS ? "+" : "");
		title(vm, scr, what);
		drill(vm, scr);
	} else {
		title(vm, scr, "SLA board");
		board(vm, scr);
	}
	if (vm->msg[0] != '\0')
		vm_screen_fit(scr, scr->rows - 2, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	if (vm->drill)
		vm_keys_legend(scr, scr->rows - 1, drill_keys, (int)NELEM(drill_keys));
	else
		vm_keys_legend(scr, scr->rows - 1, board_keys, (int)NELEM(board_keys));
	if (vm->help) {
		if (vm->drill)
			vm_keys_panel(scr, "Keys: SLA orders", drill_keys, (int)NELEM(drill_keys));
		else
			vm_keys_panel(scr, "Keys: SLA board", board_keys, (int)NELEM(board_keys));
	}
}

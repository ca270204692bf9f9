/*
 * vm_confirm.c — the confirmation queue screen (vm_confirm.h). Layout at 80x24:
 *   0      title: screen, NEW count, marked, search, clock, operator
 *   1      column headings
 *   2..r-3 the orders: mark, order no, channel, left to ship-by, COD, buyer, risk
 *   r-2    message, the pending action's countdown, the search prompt, or the
 *          selected order's risk reasons
 *   r-1    key legend
 * The reason list and the `?` panel are centred panels over the list.
 */
#include "vm_confirm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/risk.h"
#include "core/sla.h"
#include "core/xalloc.h"
#include "vm_keys.h"
#include "vm_orders.h"
#include "vm_sla.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hold_reasons[] = {
	"call buyer to verify", "address incomplete", "high COD: check buyer",
	"suspected duplicate", "waiting for stock",
};
static const char *const block_reasons[] = {
	"refused COD parcels", "suspected fraud", "fake orders", "address does not exist",
};
static const char *const cancel_reasons[] = {
	"buyer asked to cancel", "out of stock", "suspected fraud",
	"address undeliverable", "duplicate order",
};

static const struct vm_key_help queue_keys[] = {
	{ "Enter", "Confirm", "confirm the marked orders, or the selected one" },
	{ "h", "Hold", "hold them, with a reason picked from a list" },
	{ "c", "Cancel", "cancel them, with a reason picked from a list" },
	{ "Spc", "Mark", "mark or unmark the selected order and move down" },
	{ "/", "Find", "search order no, buyer or phone; Enter keeps, Esc clears" },
	{ "b", "Block", "blacklist the order's phone or address (or unblock its phone)" },
	{ "u", "Undo", "undo the last action within 5 seconds" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "Up/Down", NULL, "move (also j k, PgUp PgDn, Home End); a marks all, n none" },
	{ "F10", NULL, "log out" },
};

const char *const *
vm_confirm_reasons(enum order_status to, int *n)
{
	if (to == ST_CANCELLED) {
		*n = (int)NELEM(cancel_reasons);
		return cancel_reasons;
	}
	if (to == ST_NEW) {
		*n = (int)NELEM(block_reasons);
		return block_reasons;
	}
	*n = (int)NELEM(hold_reasons);
	return hold_reasons;
}

void
vm_confirm_init(struct vm_confirm *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->picking = ST_NEW;
	vm->pend.to = ST_NEW;
	vm_confirm_reload(vm);
}

void
vm_confirm_free(struct vm_confirm *vm)
{
	vm_confirm_commit(vm);
	free(vm->rows);
	vm->rows = NULL;
	vm->n = 0;
}

static int
pending_has(const struct vm_confirm *vm, int64_t id)
{
	size_t i;

	for (i = 0; i < vm->pend.n; i++)
		if (vm->pend.ids[i] == id)
			return 1;
	return 0;
}

int
vm_confirm_reload(struct vm_confirm *vm)
{
	struct order_row *rows;
	struct vm_confirm_row *nr;
	struct risk_flag flags[RISK_MAX_FLAGS];
	int nflags;
	int64_t keep = vm->sel < vm->n ? vm->rows[vm->sel].r.id : 0;
	size_t n, i, j;
	int rc;

	vm->loaded_at = vm->now;
	rc = sla_queue(vm->op, NULL, vm->search, VM_CONFIRM_ROWS, &rows, &n);
	if (rc != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	nr = xcalloc(n ? n : 1, sizeof *nr);
	for (i = 0; i < n; i++) {
		nr[i].r = rows[i];
		if (risk_check(vm->op, rows[i].id, flags, RISK_MAX_FLAGS, &nflags) != 0)
			nflags = 0;
		risk_join(flags, nflags, 0, nr[i].risk, sizeof nr[i].risk);
		risk_join(flags, nflags, 1, nr[i].why, sizeof nr[i].why);
		/* Marks stay on the orders that are still here. */
		for (j = 0; j < vm->n; j++)
			if (vm->rows[j].r.id == rows[i].id) {
				nr[i].marked = vm->rows[j].marked;
				break;
			}
	}
	free(rows);
	free(vm->rows);
	vm->rows = nr;
	vm->n = n;
	for (i = 0; i < n; i++)
		if (nr[i].r.id == keep) {
			vm->sel = i;
			return 0;
		}
	vm_keys_clamp(&vm->sel, n);
	return 0;
}

static const char *
verb(enum order_status to)
{
	return to == ST_CONFIRMED ? "confirmed" : to == ST_ON_HOLD ? "held" : "cancelled";
}

int
vm_confirm_commit(struct vm_confirm *vm)
{
	struct vm_confirm_pending *p = &vm->pend;
	size_t i, ok = 0;
	int rc = 0;

	if (p->to == ST_NEW)
		return 0;
	for (i = 0; i < p->n; i++) {
		int r = order_transition(vm->op, p->ids[i], 0, p->to,
		    p->reason[0] ? p->reason : NULL);

		if (r == 0)
			ok++;
		else if (rc == 0)
			rc = r;
	}
	if (rc != 0)
		VM_MSG(vm, ROLE_WARN, "%zu of %zu %s; %s", ok, p->n, verb(p->to), vm->op->err);
	else
		VM_MSG(vm, ROLE_MESSAGE, "%zu order%s %s", ok, ok == 1 ? "" : "s", verb(p->to));
	vm->committed += (int)ok;
	free(p->ids);
	memset(p, 0, sizeof *p);
	p->to = ST_NEW;
	vm_confirm_reload(vm);
	return rc;
}

/* Start the grace period of an action on the marked orders, or the selected one. */
static int
act(struct vm_confirm *vm, enum order_status to, const char *reason)
{
	struct vm_confirm_pending *p = &vm->pend;
	size_t i, n = 0;

	vm_confirm_commit(vm);
	if (vm->n == 0) {
		VM_MSG(vm, ROLE_WARN, "no order to act on");
		return VM_REDRAW;
	}
	p->ids = xcalloc(vm->n, sizeof *p->ids);
	for (i = 0; i < vm->n; i++)
		if (vm->rows[i].marked)
			p->ids[n++] = vm->rows[i].r.id;
	if (n == 0)
		p->ids[n++] = vm->rows[vm->sel].r.id;
	for (i = 0; i < vm->n; i++)
		vm->rows[i].marked = 0;
	p->n = n;
	p->to = to;
	snprintf(p->reason, sizeof p->reason, "%s", reason ? reason : "");
	p->due = vm->now + VM_CONFIRM_GRACE;
	vm->msg[0] = '\0';
	return VM_REDRAW;
}

int
vm_confirm_tick(struct vm_confirm *vm, int64_t now)
{
	vm->now = now;
	if (vm->pend.to != ST_NEW && now >= vm->pend.due)
		vm_confirm_commit(vm);
	else if (now - vm->loaded_at >= VM_CONFIRM_RELOAD && !vm->editing)
		vm_confirm_reload(vm);
	return VM_REDRAW;
}

static int
search_key(struct vm_confirm *vm, int key)
{
	size_t len = strlen(vm->search);

	switch (key) {
	case VK_ENTER:
		vm->editing = 0;
		return VM_REDRAW;
	case VK_ESC:
		vm->editing = 0;
		vm->search[0] = '\0';
		break;
	case VK_BACKSPACE:
		/* Back over one UTF-8 character. */
		while (len > 0 && ((unsigned char)vm->search[--len] & 0xc0) == 0x80)
			;
		vm->search[len] = '\0';
		break;
	default:
		if (key < 0x20 || key >= 0x110000 || key == 0x7f)
			return VM_HANDLED;
		if (key < 0x80 && len + 1 < sizeof vm->search) {
			vm->search[len] = (char)key;
			vm->search[len + 1] = '\0';
		} else if (key >= 0x80 && len + 4 < sizeof vm->search) {
			char *o = vm->search + len;

			if (key < 0x800) {
				*o++ = (char)(0xc0 | (key >> 6));
			} else if (key < 0x10000) {
				*o++ = (char)(0xe0 | (key >> 12));
				*o++ = (char)(0x80 | ((key >> 6) & 0x3f));
			} else {
				*o++ = (char)(0xf0 | (key >> 18));
				*o++ = (char)(0x80 | ((key >> 12) & 0x3f));
				*o++ = (char)(0x80 | ((key >> 6) & 0x3f));
			}
			*o++ = (char)(0x80 | (key & 0x3f));
			*o = '\0';
		}
	}
	vm->sel = 0;
	vm_confirm_reload(vm);
	return VM_REDRAW;
}

/* `b`: read the selected order's phone and address for the blacklist picker. */
static int
block_open(struct vm_confirm *vm)
{
	struct order *o;

	if (vm->n == 0) {
		VM_MSG(vm, ROLE_WARN, "no order to act on");
		return VM_REDRAW;
	}
	if (order_load(vm->op, vm->rows[vm->sel].r.id, &o) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return VM_REDRAW;
	}
	snprintf(vm->bphone, sizeof vm->bphone, "%s", o->buyer_phone);
	/* Without a street address the rest would block a whole district or province. */
	if (strspn(o->address, " \t,.") == strlen(o->address))
		vm->baddr[0] = '\0';
	else
		snprintf(vm->baddr, sizeof vm->baddr, "%s, %s, %s", o->address, o->district,
		    o->province);
	order_free(o);
	vm->bphone_blocked = strstr(vm->rows[vm->sel].risk, "BLOCKED PHONE") != NULL;
	vm->bstep = 1;
	vm->bpick = 0;
	return VM_REDRAW;
}

static int
block_key(struct vm_confirm *vm, int key)
{
	int n = 2, rc;
	const char *const *r = vm->bstep == 2 ? vm_confirm_reasons(ST_NEW, &n) : NULL;

	if (key == VK_ESC) {
		vm->bstep = 0;
		return VM_REDRAW;
	}
	if ((key == VK_UP || key == 'k') && vm->bpick > 0) {
		vm->bpick--;
		return VM_REDRAW;
	}
	if ((key == VK_DOWN || key == 'j') && vm->bpick + 1 < n) {
		vm->bpick++;
		return VM_REDRAW;
	}
	if (key >= '1' && key < '1' + n)
		vm->bpick = key - '1';
	else if (key != VK_ENTER)
		return VM_HANDLED;
	if (vm->bstep == 1) {
		vm->bwhat = vm->bpick;
		if (vm->bwhat == 0 && vm->bphone_blocked) {
			vm->bstep = 0;
			rc = risk_unblock(vm->op, RISK_BLOCK_PHONE, vm->bphone);
			if (rc != 0)
				VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
			else
				VM_MSG(vm, ROLE_MESSAGE, "phone %s taken off the blacklist", vm->bphone);
			vm_confirm_reload(vm);
			return VM_REDRAW;
		}
		if (vm->bwhat == 1 && vm->baddr[0] == '\0') {
			vm->bstep = 0;
			VM_MSG(vm, ROLE_WARN, "this order has no street address to block");
			return VM_REDRAW;
		}
		vm->bstep = 2;
		vm->bpick = 0;
		return VM_REDRAW;
	}
	vm->bstep = 0;
	rc = risk_block(vm->op, vm->bwhat == 0 ? RISK_BLOCK_PHONE : RISK_BLOCK_ADDRESS,
	    vm->bwhat == 0 ? vm->bphone : vm->baddr, r[vm->bpick]);
	if (rc != 0)
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
	else
		VM_MSG(vm, ROLE_MESSAGE, "%s %s blacklisted: %s", vm->bwhat == 0 ? "phone" :
		    "address", vm->bwhat == 0 ? vm->bphone : vm->baddr, r[vm->bpick]);
	vm_confirm_reload(vm);
	return VM_REDRAW;
}

static int
pick_key(struct vm_confirm *vm, int key)
{
	int n;
	const char *const *r = vm_confirm_reasons(vm->picking, &n);
	enum order_status to = vm->picking;

	if (key == VK_ESC) {
		vm->picking = ST_NEW;
		return VM_REDRAW;
	}
	if (key == VK_UP || key == 'k') {
		if (vm->pick > 0)
			vm->pick--;
		return VM_REDRAW;
	}
	if (key == VK_DOWN || key == 'j') {
		if (vm->pick + 1 < n)
			vm->pick++;
		return VM_REDRAW;
	}
	if (key >= '1' && key < '1' + n)
		vm->pick = key - '1';
	else if (key != VK_ENTER)
		return VM_HANDLED;
	vm->picking = ST_NEW;
	return act(vm, to, r[vm->pick]);
}

int
vm_confirm_key(struct vm_confirm *vm, int key)
{
	size_t i;
	int all;

	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	if (vm->editing)
		return search_key(vm, key);
	if (vm->picking != ST_NEW)
		return pick_key(vm, key);
	if (vm->bstep != 0)
		return block_key(vm, key);
	if (key == VK_TAB)
		return VM_SWITCH;
	if (vm_keys_move(&vm->sel, vm->n, key, VM_MOVE_ALL))
		return VM_REDRAW;
	switch (key) {
	case '?':
	case VK_F(1):
		vm->help = 1;
		return VM_REDRAW;
	case VK_ESC:
		if (vm->search[0] != '\0') {
			vm->search[0] = '\0';
			vm_confirm_reload(vm);
			return VM_REDRAW;
		}
		return VM_DONE;
	case '/':
		vm->editing = 1;
		return VM_REDRAW;
	case ' ':
		if (vm->n > 0) {
			vm->rows[vm->sel].marked = !vm->rows[vm->sel].marked;
			if (vm->sel + 1 < vm->n)
				vm->sel++;
		}
		return VM_REDRAW;
	case 'a':
	case 'n':
		for (i = 0; i < vm->n; i++)
			vm->rows[i].marked = key == 'a';
		return VM_REDRAW;
	case VK_ENTER:
		return act(vm, ST_CONFIRMED, NULL);
	case 'b':
		return block_open(vm);
	case 'h':
	case 'c':
		if (vm->n == 0) {
			VM_MSG(vm, ROLE_WARN, "no order to act on");
			return VM_REDRAW;
		}
		vm->picking = key == 'h' ? ST_ON_HOLD : ST_CANCELLED;
		vm->pick = 0;
		return VM_REDRAW;
	case 'u':
		if (vm->pend.to == ST_NEW) {
			VM_MSG(vm, ROLE_WARN, "nothing to undo (an action can be undone for %d s)",
			    VM_CONFIRM_GRACE);
			return VM_REDRAW;
		}
		all = (int)vm->pend.n;
		VM_MSG(vm, ROLE_MESSAGE, "undone: %d order%s stay%s NEW", all,
		    all == 1 ? "" : "s", all == 1 ? "s" : "");
		free(vm->pend.ids);
		memset(&vm->pend, 0, sizeof vm->pend);
		vm->pend.to = ST_NEW;
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

static void
title(struct vm_confirm *vm, struct vm_screen *scr)
{
	struct vm_seg s[8];
	char at[32];
	size_t i, marked = 0;
	int n = 0;

	for (i = 0; i < vm->n; i++)
		marked += vm->rows[i].marked != 0;
	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "Confirmation queue");
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "%zu%s NEW", vm->n,
	    vm->n >= VM_CONFIRM_ROWS ? "+" : "");
	if (marked)
		n = vm_screen_seg(s, n, 8, ROLE_TITLE_ALERT, 2, 0, "%zu marked", marked);
	if (vm->search[0])
		n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "/%s", vm->search);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

static void
list(struct vm_confirm *vm, struct vm_screen *scr)
{
	int page, i, bw, rw;
	char left[16], cod[24], line[VM_CELL_MAX], head[VM_CELL_MAX];

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 4);
	/* mark 2, order no 18, channel 7, left 6, COD 10 (47 columns from column 1), then
	 * buyer and risk share the rest */
	rw = scr->cols - 49;
	bw = rw > 30 ? rw / 2 : rw;
	rw = rw - bw - 1;
	vm_screen_bar(scr, 1, ROLE_COLHEAD);
	snprintf(head, sizeof head, "  %-18s %-7s %6s %10s ", "Order no", "Channel", "Left",
	    "COD");
	vm_screen_put(scr, 1, 1, ROLE_COLHEAD, head);
	vm_screen_fit(scr, 1, 48, bw, ROLE_COLHEAD, "Buyer", VM_LEFT);
	if (rw > 0)
		vm_screen_fit(scr, 1, 49 + bw, rw, ROLE_COLHEAD, "Risk", VM_LEFT);
	if (vm->n == 0)
		vm_screen_centre(scr, 3, ROLE_DONE, vm->search[0] ? "no NEW order matches" :
		    "no order waits for confirmation");
	for (i = 0; i < page && vm->top + (size_t)i < vm->n; i++) {
		const struct vm_confirm_row *r = &vm->rows[vm->top + (size_t)i];
		int cur = vm->top + (size_t)i == vm->sel, pend = pending_has(vm, r->r.id);
		enum theme_role role = vm_sla_role(sla_bucket_of(r->r.ship_by, vm->now), 1);
		int y = 2 + i;

		if (pend)
			role = ROLE_DONE;
		if (cur)
			role = ROLE_PACK_LAST;
		vm_keys_left(left, sizeof left, r->r.ship_by, vm->now);
		if (r->r.cod > 0)
			vm_orders_money(cod, sizeof cod, r->r.cod);
		else
			snprintf(cod, sizeof cod, "%s", "prepaid");
		snprintf(line, sizeof line, "%c %-18.18s %-7.7s %6s %10s ",
		    r->marked ? '*' : ' ', r->r.order_no, r->r.channel, left, cod);
		vm_screen_fit(scr, y, 1, 47, role, line, VM_LEFT);
		vm_screen_fit(scr, y, 48, bw + 1, role, r->r.buyer_name, VM_LEFT);
		if (rw > 0)
			vm_screen_fit(scr, y, 49 + bw, rw, pend ? role : r->risk[0] && !cur ?
			    ROLE_WARN : role, pend ? verb(vm->pend.to) : r->risk, VM_LEFT);
	}
}

static void
picker(struct vm_confirm *vm, struct vm_screen *scr)
{
	const char *const *r;
	int n;

	r = vm_confirm_reasons(vm->picking, &n);
	vm_keys_pick(scr, vm->picking == ST_ON_HOLD ? "Hold: pick a reason" :
	    "Cancel: pick a reason", 40, r, n, vm->pick, "Enter or 1-5 picks, Esc closes");
}

static void
block_picker(struct vm_confirm *vm, struct vm_screen *scr)
{
	const char *const *r;
	char line[VM_CELL_MAX];
	int n, y, x, w;

	if (vm->bstep == 1) {
		w = vm_keys_box(scr, "Blacklist: what", 3, 60, &y, &x);
		snprintf(line, sizeof line, "1 %s phone %s", vm->bphone_blocked ? "unblock" :
		    "block", vm->bphone[0] ? vm->bphone : "(none)");
		vm_screen_fit(scr, y, x, w, vm->bpick == 0 ? ROLE_PACK_LAST : ROLE_PANEL, line,
		    VM_LEFT);
		snprintf(line, sizeof line, "2 %s%s", vm->baddr[0] ? "block address " :
		    "(no street address to block)", vm->baddr);
		vm_screen_fit(scr, y + 1, x, w, vm->bpick == 1 ? ROLE_PACK_LAST : ROLE_PANEL, line,
		    VM_LEFT);
		vm_screen_fit(scr, y + 2, x, w, ROLE_PANEL, "Enter or 1-2 picks, Esc closes",
		    VM_LEFT);
		return;
	}
	r = vm_confirm_reasons(ST_NEW, &n);
	vm_keys_pick(scr, vm->bwhat == 0 ? "Block phone: pick a reason" :
	    "Block address: pick a reason", 40, r, n, vm->bpick,
	    "Enter or 1-4 picks, Esc closes");
}

void
vm_confirm_render(struct vm_confirm *vm, struct vm_screen *scr)
{
	int y = scr->rows - 2;

	title(vm, scr);
	list(vm, scr);
	if (vm->editing) {
		vm_screen_putf(scr, y, 1, ROLE_PROMPT, "/%s_  (Enter keeps, Esc clears)",
		    vm->search);
	} else if (vm->pend.to != ST_NEW) {
		int64_t left = vm->pend.due - vm->now;

		vm_screen_putf(scr, y, 1, ROLE_SLA_SOON, "%zu order%s %s%s%s in %" PRId64
		    " s: u undoes", vm->pend.n, vm->pend.n == 1 ? "" : "s", verb(vm->pend.to),
		    vm->pend.reason[0] ? ": " : "", vm->pend.reason, left > 0 ? left : 0);
	} else if (vm->msg[0] != '\0') {
		vm_screen_fit(scr, y, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	} else if (vm->sel < vm->n && vm->rows[vm->sel].why[0] != '\0') {
		vm_screen_fit(scr, y, 1, scr->cols - 2, ROLE_WARN, vm->rows[vm->sel].why,
		    VM_LEFT);
	}
	vm_keys_legend(scr, scr->rows - 1, queue_keys, (int)NELEM(queue_keys));
	if (vm->picking != ST_NEW)
		picker(vm, scr);
	if (vm->bstep != 0)
		block_picker(vm, scr);
	if (vm->help)
		vm_keys_panel(scr, "Keys: confirmation queue", queue_keys,
		    (int)NELEM(queue_keys));
}

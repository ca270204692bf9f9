/*
 * vm_inventory.c — the inventory screen (vm_inventory.h). Layout at 80x24:
 *   0      title: screen, rows, low count, filters, clock, operator
 *   1      column headings
 *   2..r-4 the rows (or the selected row's lots)
 *   r-3    the selected row's pushes per channel (or the lot being adjusted)
 *   r-2    message, or a prompt
 *   r-1    key legend
 * The forecast behind the risk marks is made on a thread (struct vm_inv_job): it opens
 * the database again, runs demand_plan() as the same operator, and leaves the rows
 * under the job's mutex; the job is freed by whichever of the screen and the thread
 * lets go of it last, so leaving the screen never waits for a forecast.
 */
#include "vm_inventory.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/stock.h"
#include "core/xalloc.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { ASK_THRESHOLD = 1, ASK_DELTA };

static const char *const reasons[] = {
	"count correction", "damaged", "expired", "found in the warehouse", "lost",
};

static const struct vm_key_help list_keys[] = {
	{ "Enter", "Lots", "the lots of the selected SKU in its warehouse; a adjusts there" },
	{ "w", "Warehouse", "next warehouse filter: all, then each warehouse" },
	{ "l", "Low", "only the SKUs below their low-stock threshold, or all" },
	{ "/", "Find", "search SKU code or name; Enter keeps, Esc clears" },
	{ "t", "Threshold", "set the selected SKU's low-stock threshold (admin)" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "Up/Down", NULL, "move (also j k, PgUp PgDn, Home End)" },
	{ "F10", NULL, "log out" },
};

static const struct vm_key_help lot_keys[] = {
	{ "a", "Adjust", "adjust the selected lot: a signed quantity, then a reason (admin)" },
	{ "Up/Down", "Move", "move between lots (also j k)" },
	{ "Esc", "Back", "back to the stock list" },
	{ "?", "Keys", "this list" },
};

struct vm_inv_job {
	pthread_mutex_t lock;
	int refs;                   /* the screen and the thread */
	int done;
	char *path;                 /* the database, opened again by the thread */
	struct session who;         /* the operator, without a connection */
	struct demand_params p;
	int64_t now, tz_offset;
	struct demand_row *rows;    /* the result, by id; owned until taken */
	size_t n;
	int rc;
	char err[256];
};

static void
job_release(struct vm_inv_job *j)
{
	int last;

	pthread_mutex_lock(&j->lock);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&j->lock);
	free(j->rows);
	free(j->path);
	free(j);
}

static void *
job_run(void *arg)
{
	struct vm_inv_job *j = arg;
	struct session s = j->who;
	struct demand_row *rows = NULL;
	struct db *db = NULL;
	char err[256] = "";
	size_t n = 0;
	int rc;

	rc = db_open(&db, j->path, err, sizeof err);
	if (rc == 0) {
		s.db = db;
		s.err[0] = '\0';
		rc = demand_plan(&s, NULL, NULL, &j->p, j->now, j->tz_offset, &rows, &n);
		if (rc == 0)
			demand_rows_by_id(rows, n);
		else
			snprintf(err, sizeof err, "%.*s", (int)sizeof err - 1, s.err);
		db_close(db);
	}
	pthread_mutex_lock(&j->lock);
	j->rows = rows;
	j->n = n;
	j->rc = rc;
	snprintf(j->err, sizeof j->err, "%s", err);
	j->done = 1;
	pthread_mutex_unlock(&j->lock);
	job_release(j);
	return NULL;
}

/* Start the forecast on its thread (on this one when no thread can be had). */
static void
job_start(struct vm_inventory *vm)
{
	struct vm_inv_job *j;
	pthread_attr_t at;
	pthread_t th;
	int ok;

	if (vm->job != NULL)
		return;
	j = xcalloc(1, sizeof *j);
	pthread_mutex_init(&j->lock, NULL);
	j->refs = 2;
	j->path = xstrdup(db_path(vm->op->db));
	j->who = *vm->op;
	j->who.db = NULL;
	j->p = *demand_config();
	j->now = vm->now;
	j->tz_offset = vm->tz_offset;
	vm->job = j;
	vm->risk_asked = vm->now ? vm->now : 1;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&th, &at, job_run, j) == 0;
	pthread_attr_destroy(&at);
	if (!ok)
		job_run(j);
}

int
vm_inventory_forecast_poll(struct vm_inventory *vm)
{
	struct vm_inv_job *j = vm->job;
	int done;

	if (j == NULL)
		return 0;
	pthread_mutex_lock(&j->lock);
	done = j->done;
	if (done) {
		if (j->rc == 0) {
			free(vm->risk);
			vm->risk = j->rows;
			vm->nrisk = j->n;
			j->rows = NULL;
			vm->risk_at = j->now ? j->now : 1;
			vm->risk_err[0] = '\0';
		} else {
			snprintf(vm->risk_err, sizeof vm->risk_err, "%s", j->err);
		}
	}
	pthread_mutex_unlock(&j->lock);
	if (!done)
		return 0;
	vm->job = NULL;
	job_release(j);
	return 1;
}

const char *const *
vm_inventory_reasons(int *n)
{
	*n = (int)NELEM(reasons);
	return reasons;
}

void
vm_inventory_init(struct vm_inventory *vm, struct session *op, int64_t now,
    int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->msg_role = ROLE_MESSAGE;
	vm->nwhs = vm_keys_warehouses(op, vm->whs, VM_INV_WAREHOUSES);
	vm_inventory_reload(vm);
}

void
vm_inventory_free(struct vm_inventory *vm)
{
	free(vm->rows);
	free(vm->lots);
	free(vm->risk);
	if (vm->job != NULL)
		job_release(vm->job);   /* the thread frees it if still computing */
	vm->job = NULL;
	vm->rows = NULL;
	vm->lots = NULL;
	vm->risk = NULL;
	vm->n = vm->nlots = vm->nrisk = 0;
}

static int
load_lots(struct vm_inventory *vm)
{
	struct inv_lot *lots;
	size_t n;
	int rc;

	if (vm->sel >= vm->n)
		return DB_ENOTFOUND;
	rc = inventory_lots(vm->op, vm->rows[vm->sel].wh_id, vm->rows[vm->sel].sku_id, &lots,
	    &n);
	if (rc != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	free(vm->lots);
	vm->lots = lots;
	vm->nlots = n;
	if (vm->lsel >= n)
		vm->lsel = n ? n - 1 : 0;
	return 0;
}

int
vm_inventory_reload(struct vm_inventory *vm)
{
	struct inv_filter f;
	struct inv_row *rows;
	int64_t keep_sku = vm->sel < vm->n ? vm->rows[vm->sel].sku_id : 0;
	int64_t keep_wh = vm->sel < vm->n ? vm->rows[vm->sel].wh_id : 0;
	size_t n, i;
	int rc;

	vm->loaded_at = vm->now;
	memset(&f, 0, sizeof f);
	f.warehouse = vm->wh > 0 ? vm->whs[vm->wh - 1] : NULL;
	f.search = vm->search;
	f.low_only = vm->low_only;
	if ((rc = inventory_list(vm->op, &f, vm->tz_offset, &rows, &n)) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	free(vm->rows);
	vm->rows = rows;
	vm->n = n;
	if (!vm->risk_asked || vm->now - vm->risk_asked >= VM_INV_RISK_RELOAD)
		job_start(vm);
	for (i = 0; i < n; i++)
		if (rows[i].sku_id == keep_sku && rows[i].wh_id == keep_wh) {
			vm->sel = i;
			break;
		}
	if (i == n && vm->sel >= n)
		vm->sel = n ? n - 1 : 0;
	if (vm->lots_on && (i == n || load_lots(vm) != 0))
		vm->lots_on = 0;
	return 0;
}

int
vm_inventory_tick(struct vm_inventory *vm, int64_t now)
{
	int r = vm_inventory_forecast_poll(vm) ? VM_REDRAW : VM_HANDLED;

	vm->now = now;
	if (!vm->editing && !vm->prompt.on && !vm->picking &&
	    now - vm->loaded_at >= VM_INV_RELOAD) {
		vm_inventory_reload(vm);
		return VM_REDRAW;
	}
	return r;
}

static void
adjust(struct vm_inventory *vm, const char *reason)
{
	const struct inv_row *r = &vm->rows[vm->sel];
	const struct inv_lot *l = &vm->lots[vm->lsel];
	char lot[48];

	snprintf(lot, sizeof lot, "%s", l->lot);
	if (stock_adjust(vm->op, r->wh_id, r->sku_id, lot, vm->delta, reason) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return;
	}
	VM_MSG(vm, ROLE_MESSAGE, "%s%s%s in %s adjusted by %+" PRId64 ": %s", r->sku,
	    lot[0] ? " lot " : "", lot, r->wh, vm->delta, reason);
	vm_inventory_reload(vm);
}

static void
answered(struct vm_inventory *vm)
{
	int64_t v;

	if (vm_prompt_int(&vm->prompt, &v) != 0) {
		VM_MSG(vm, ROLE_WARN, "'%s' is not a whole number", vm->prompt.buf);
		return;
	}
	if (vm->prompt.what == ASK_THRESHOLD) {
		const struct inv_row *r = &vm->rows[vm->sel];

		if (inventory_set_low(vm->op, r->sku_id, v) != 0) {
			VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
			return;
		}
		VM_MSG(vm, ROLE_MESSAGE, "%s: low-stock threshold %" PRId64, r->sku, v);
		vm_inventory_reload(vm);
		return;
	}
	if (v == 0) {
		VM_MSG(vm, ROLE_WARN, "an adjustment of 0 changes nothing");
		return;
	}
	vm->delta = v;
	vm->picking = 1;
	vm->pick = 0;
}

static int
search_key(struct vm_inventory *vm, int key)
{
	struct vm_prompt p;
	int r;

	/* The search edits in place: a prompt over the search text. */
	memset(&p, 0, sizeof p);
	p.on = 1;
	snprintf(p.buf, sizeof p.buf, "%s", vm->search);
	r = vm_prompt_key(&p, key);
	if (r < 0)
		vm->search[0] = '\0';
	else
		snprintf(vm->search, sizeof vm->search, "%s", p.buf);
	if (r != 0)
		vm->editing = 0;
	vm->sel = vm->top = 0;
	vm_inventory_reload(vm);
	return VM_REDRAW;
}

static int
lots_key(struct vm_inventory *vm, int key)
{
	if (vm_keys_move(&vm->lsel, vm->nlots, key, VM_MOVE_ALL))
		return VM_REDRAW;
	switch (key) {
	case VK_ESC:
	case 'q':
		vm->lots_on = 0;
		return VM_REDRAW;
	case 'a':
		if (vm->nlots == 0) {
			VM_MSG(vm, ROLE_WARN, "no lot to adjust");
			return VM_REDRAW;
		}
		vm_prompt_open(&vm->prompt, ASK_DELTA, VM_PROMPT_NUMBER,
		    "Adjust by (+N adds, -N takes)");
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

int
vm_inventory_key(struct vm_inventory *vm, int key)
{
	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	if (vm->editing)
		return search_key(vm, key);
	if (vm->prompt.on) {
		if (vm_prompt_key(&vm->prompt, key) > 0)
			answered(vm);
		return VM_REDRAW;
	}
	if (vm->picking) {
		int n = (int)NELEM(reasons);

		if (key == VK_ESC) {
			vm->picking = 0;
			VM_MSG(vm, ROLE_MESSAGE, "adjustment dropped");
		} else if ((key == VK_UP || key == 'k') && vm->pick > 0) {
			vm->pick--;
		} else if ((key == VK_DOWN || key == 'j') && vm->pick + 1 < n) {
			vm->pick++;
		} else if (key == VK_ENTER || (key >= '1' && key < '1' + n)) {
			if (key != VK_ENTER)
				vm->pick = key - '1';
			vm->picking = 0;
			adjust(vm, reasons[vm->pick]);
		}
		return VM_REDRAW;
	}
	if (key == '?' || key == VK_F(1)) {
		vm->help = 1;
		return VM_REDRAW;
	}
	if (key == VK_TAB)
		return VM_SWITCH;
	vm->msg[0] = '\0';
	if (vm->lots_on)
		return lots_key(vm, key);
	if (vm_keys_move(&vm->sel, vm->n, key, VM_MOVE_ALL))
		return VM_REDRAW;
	switch (key) {
	case VK_ESC:
		if (vm->search[0] != '\0') {
			vm->search[0] = '\0';
			vm_inventory_reload(vm);
			return VM_REDRAW;
		}
		return VM_DONE;
	case 'w':
		vm->wh = (vm->wh + 1) % (vm->nwhs + 1);
		break;
	case 'l':
		vm->low_only = !vm->low_only;
		break;
	case '/':
		vm->editing = 1;
		return VM_REDRAW;
	case 't':
		if (vm->n == 0)
			return VM_REDRAW;
		vm_prompt_open(&vm->prompt, ASK_THRESHOLD, VM_PROMPT_NUMBER,
		    "Low-stock threshold (0: none)");
		return VM_REDRAW;
	case VK_ENTER:
		if (vm->n == 0)
			return VM_REDRAW;
		vm->lsel = 0;
		if (load_lots(vm) == 0)
			vm->lots_on = 1;
		return VM_REDRAW;
	default:
		return VM_HANDLED;
	}
	vm->sel = vm->top = 0;
	vm_inventory_reload(vm);
	return VM_REDRAW;
}

static void
title(struct vm_inventory *vm, struct vm_screen *scr)
{
	struct vm_seg s[8];
	char at[32];
	const struct demand_row *d;
	size_t i, low = 0, risk = 0;
	int n = 0;

	for (i = 0; i < vm->n; i++) {
		low += vm->rows[i].low != 0;
		d = demand_row_find(vm->risk, vm->nrisk, vm->rows[i].sku_id, vm->rows[i].wh_id);
		risk += d && d->at_risk;
	}
	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "Inventory");
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "wh %s", vm->wh ? vm->whs[vm->wh - 1] :
	    "all");
	n = vm_screen_seg(s, n, 8, low ? ROLE_TITLE_ALERT : ROLE_TITLE, 2, 0, "%zu low", low);
	if (risk)
		n = vm_screen_seg(s, n, 8, ROLE_TITLE_ALERT, 2, 0, "%zu at risk", risk);
	if (vm->low_only)
		n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "low only");
	if (vm->search[0])
		n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "/%s", vm->search);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

static void
list(struct vm_inventory *vm, struct vm_screen *scr)
{
	int page, i;
	char line[VM_CELL_MAX], exp[32], low[32], avail[32], day[16];
	const struct demand_row *d;

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 6);
	vm_screen_bar(scr, 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-14s %-16s %-4s %6s %5s %4s %6s %5s %4s %-5s", "SKU",
	    "Name", "Wh", "OnHand", "Resv", "Buf", "Avail", "Low", "Lots", "Exp");
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->n == 0)
		vm_screen_centre(scr, 4, ROLE_DONE, vm->low_only ? "no SKU is below its threshold"
		    : "no stock matches");
	for (i = 0; i < page && vm->top + (size_t)i < vm->n; i++) {
		const struct inv_row *r = &vm->rows[vm->top + (size_t)i];
		enum theme_role role = r->low ? ROLE_WARN : ROLE_NORMAL;

		if (r->next_expiry > 0) {
			clock_format(r->next_expiry, vm->tz_offset, exp, sizeof exp);
			memmove(exp, exp + 5, 6);
			exp[5] = '\0';
		} else {
			snprintf(exp, sizeof exp, "-");
		}
		if (r->low_stock > 0)
			snprintf(low, sizeof low, "%" PRId64 "%s", r->low_stock, r->low ? "!" : "");
		else
			snprintf(low, sizeof low, "-");
		if (vm->top + (size_t)i == vm->sel)
			role = ROLE_PACK_LAST;
		/* The name by display columns (Vietnamese takes more bytes than columns). */
		snprintf(line, sizeof line, "%-14.14s ", r->sku);
		vm_screen_fit(scr, 2 + i, 1, 15, role, line, VM_LEFT);
		vm_screen_fit(scr, 2 + i, 16, 16, role, r->name, VM_LEFT);
		vm_screen_fit(scr, 2 + i, 32, 1, role, "", VM_LEFT);
		d = demand_row_find(vm->risk, vm->nrisk, r->sku_id, r->wh_id);
		snprintf(avail, sizeof avail, "%" PRId64 "%s", r->available,
		    d && d->at_risk ? "*" : "");
		snprintf(line, sizeof line, "%-4.4s %6" PRId64 " %5" PRId64 " %4" PRId64 " %6s"
		    " %5s %4" PRId64 " %-5s", r->wh, r->on_hand, r->reserved, r->buffer,
		    avail, low, r->lots, exp);
		vm_screen_fit(scr, 2 + i, 33, scr->cols - 34, role, line, VM_LEFT);
	}
	d = vm->sel < vm->n ? demand_row_find(vm->risk, vm->nrisk, vm->rows[vm->sel].sku_id,
	    vm->rows[vm->sel].wh_id) : NULL;
	if (!vm->risk_at && vm->job != NULL) {
		vm_screen_putf(scr, scr->rows - 4, 1, ROLE_DONE, "forecast: computing…");
	} else if (!vm->risk_at && vm->risk_err[0]) {
		vm_screen_fit(scr, scr->rows - 4, 1, scr->cols - 2, ROLE_WARN, vm->risk_err,
		    VM_LEFT);
	} else if (d && d->oos_day) {
		demand_day_format(d->oos_day, day, sizeof day);
		vm_screen_putf(scr, scr->rows - 4, 1, d->at_risk ? ROLE_WARN : ROLE_DONE,
		    "forecast: %.1f a day, %.1f days of cover, out %s, reorder %" PRId64 "%s",
		    d->daily, d->cover, day, d->reorder, d->at_risk ? " (at risk)" : "");
	}
	if (vm->sel < vm->n)
		vm_screen_putf(scr, scr->rows - 3, 1, ROLE_DONE, "pushed: %s",
		    vm->rows[vm->sel].pushed[0] ? vm->rows[vm->sel].pushed : "not listed on any "
		    "channel");
}

static void
lots(struct vm_inventory *vm, struct vm_screen *scr)
{
	const struct inv_row *r = &vm->rows[vm->sel];
	char line[VM_CELL_MAX], exp[32];
	size_t i;
	int y;

	snprintf(line, sizeof line, "%s %s in %s: %" PRId64 " on hand, %" PRId64 " reserved, "
	    "buffer %" PRId64 ", %" PRId64 " available", r->sku, r->name, r->wh, r->on_hand,
	    r->reserved, r->buffer, r->available);
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_NORMAL, line, VM_LEFT);
	vm_screen_bar(scr, 2, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-20s %-10s %8s %8s", "Lot", "Expiry", "OnHand",
	    "Reserved");
	vm_screen_fit(scr, 2, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->nlots == 0)
		vm_screen_centre(scr, 4, ROLE_DONE, "no lot holds units");
	for (i = 0, y = 3; i < vm->nlots && y < scr->rows - 3; i++, y++) {
		const struct inv_lot *l = &vm->lots[i];

		if (l->expiry > 0) {
			clock_format(l->expiry, vm->tz_offset, exp, sizeof exp);
			exp[10] = '\0';
		} else {
			snprintf(exp, sizeof exp, "-");
		}
		snprintf(line, sizeof line, "%-20.20s %-10s %8" PRId64 " %8" PRId64,
		    l->lot[0] ? l->lot : "(no lot)", exp, l->on_hand, l->reserved);
		vm_screen_fit(scr, y, 1, scr->cols - 2, i == vm->lsel ? ROLE_PACK_LAST :
		    ROLE_NORMAL, line, VM_LEFT);
	}
}

static void
picker(struct vm_inventory *vm, struct vm_screen *scr)
{
	char head[64];

	snprintf(head, sizeof head, "Adjust by %+" PRId64 ": pick a reason", vm->delta);
	vm_keys_pick(scr, head, 40, reasons, (int)NELEM(reasons), vm->pick,
	    "Enter or 1-5 picks, Esc drops it");
}

void
vm_inventory_render(struct vm_inventory *vm, struct vm_screen *scr)
{
	int y = scr->rows - 2;

	title(vm, scr);
	if (vm->lots_on && vm->sel < vm->n)
		lots(vm, scr);
	else
		list(vm, scr);
	if (vm->editing)
		vm_screen_putf(scr, y, 1, ROLE_PROMPT, "/%s_  (Enter keeps, Esc clears)",
		    vm->search);
	else if (vm->prompt.on)
		vm_prompt_render(&vm->prompt, scr, y);
	else if (vm->msg[0] != '\0')
		vm_screen_fit(scr, y, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	if (vm->lots_on)
		vm_keys_legend(scr, scr->rows - 1, lot_keys, (int)NELEM(lot_keys));
	else
		vm_keys_legend(scr, scr->rows - 1, list_keys, (int)NELEM(list_keys));
	if (vm->picking)
		picker(vm, scr);
	if (vm->help) {
		if (vm->lots_on)
			vm_keys_panel(scr, "Keys: lots", lot_keys, (int)NELEM(lot_keys));
		else
			vm_keys_panel(scr, "Keys: inventory", list_keys, (int)NELEM(list_keys));
	}
}

/*
 * vm_sync.c — the sync screen (vm_sync.h). Layout at 80x24:
 *   0        title: screen, shops, how many need a look, clock, operator
 *   2        column headings
 *   3..      one row per shop (scrolls), the selected one lit
 *   then     the selected shop in words: holder; last pull; outbox and re-fetch queue;
 *            tokens; rate limiter; webhooks; the last error (two rows)
 *   r-2      message
 *   r-1      key legend
 * Everything comes from the tables the sync worker, the outbox drain and the webhook
 * receiver write (sync_state, shop_token, outbox, webhook_stat, refetch_queue), one
 * query for all shops.
 */
#include "vm_sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DETAIL_ROWS 9
#define ERROR_ROWS 3
#define TOKEN_SOON (3600)           /* an access token this close to expiry is shown */

static const struct vm_key_help keys[] = {
	{ "Up/Down", "Shop", "select a shop (also j k, Home End)" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "F10", NULL, "log out" },
};

void
vm_sync_span(char *buf, size_t len, int64_t secs)
{
	if (secs < 0)
		snprintf(buf, len, "-");
	else if (secs < 60)
		snprintf(buf, len, "%" PRId64 "s", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%" PRId64 "m", secs / 60);
	else if (secs < 86400)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64, secs / 3600, secs % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 "d%02" PRId64, secs / 86400, secs % 86400 / 3600);
}

void
vm_sync_init(struct vm_sync *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->msg_role = ROLE_MESSAGE;
	vm_sync_reload(vm);
}

void
vm_sync_free(struct vm_sync *vm)
{
	vm->n = 0;
}

static void
copy(char *dst, size_t len, struct db_stmt *st, int col)
{
	snprintf(dst, len, "%s", db_col_text(st, col));
}

/* The local day of t as "YYYY-MM-DD" (sync_state.day). */
static void
local_day(int64_t t, int64_t tz, char *buf, size_t len)
{
	char at[32];

	clock_format(t, tz, at, sizeof at);
	snprintf(buf, len, "%.10s", at);
}

int
vm_sync_reload(struct vm_sync *vm)
{
	struct db_stmt *st;
	int64_t keep = vm->sel < vm->n ? vm->shops[vm->sel].id : 0;
	char today[16];
	size_t i;
	int rc;

	if ((rc = session_require(vm->op, ROLE_SUPERVISOR, "the sync screen")) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		vm->n = 0;
		return rc;
	}
	st = db_prep(vm->op->db, "SELECT s.id, s.channel, s.shop_code, s.name, "
	    "coalesce(y.holder, ''), coalesce(y.last_ok_at, 0), coalesce(y.last_try_at, 0), "
	    "coalesce(y.lag_s, -1), coalesce(y.day, ''), coalesce(y.pulled_today, 0), "
	    "coalesce(y.last_error, ''), coalesce(y.last_error_at, 0), "
	    "coalesce(y.rate_state, ''), coalesce(t.access_expires, 0), "
	    "coalesce(t.refresh_expires, 0), "
	    "(SELECT count(*) FROM outbox o WHERE o.done_at IS NULL AND o.shop_id = s.id AND "
	    "o.next_at <> 9223372036854775807), "
	    "(SELECT count(*) FROM outbox o WHERE o.done_at IS NULL AND o.shop_id = s.id AND "
	    "o.next_at = 9223372036854775807), "
	    "coalesce(w.accepted, 0), coalesce(w.rejected, 0), "
	    "coalesce(w.last_accepted_at, 0), coalesce(w.last_rejected_at, 0), "
	    "(SELECT count(*) FROM refetch_queue q WHERE q.shop_id = s.id) "
	    "FROM shop s LEFT JOIN sync_state y ON y.shop_id = s.id "
	    "LEFT JOIN shop_token t ON t.shop_id = s.id "
	    "LEFT JOIN webhook_stat w ON w.shop_id = s.id "
	    "WHERE s.channel <> 'manual' ORDER BY s.channel, s.name, s.id");
	if (st == NULL) {
		VM_MSG(vm, ROLE_WARN, "sync state cannot be read: %s", db_errmsg(vm->op->db));
		return DB_ERR;
	}
	local_day(vm->now, vm->tz_offset, today, sizeof today);
	vm->n = 0;
	while ((rc = db_step(st)) == DB_ROW && vm->n < VM_SYNC_SHOPS) {
		struct vm_sync_shop *p = &vm->shops[vm->n++];

		memset(p, 0, sizeof *p);
		p->id = db_col_int(st, 0);
		copy(p->channel, sizeof p->channel, st, 1);
		copy(p->code, sizeof p->code, st, 2);
		copy(p->name, sizeof p->name, st, 3);
		copy(p->holder, sizeof p->holder, st, 4);
		p->last_ok_at = db_col_int(st, 5);
		p->last_try_at = db_col_int(st, 6);
		p->lag_s = db_col_int(st, 7);
		/* Orders pulled on another day are not today's. */
		p->pulled_today = strcmp(db_col_text(st, 8), today) == 0 ? db_col_int(st, 9) : 0;
		copy(p->last_error, sizeof p->last_error, st, 10);
		p->last_error_at = db_col_int(st, 11);
		copy(p->rate_state, sizeof p->rate_state, st, 12);
		p->access_expires = db_col_int(st, 13);
		p->refresh_expires = db_col_int(st, 14);
		p->outbox_pending = db_col_int(st, 15);
		p->outbox_dead = db_col_int(st, 16);
		p->hooks_ok = db_col_int(st, 17);
		p->hooks_bad = db_col_int(st, 18);
		p->hook_last_at = db_col_int(st, 19);
		p->hook_bad_at = db_col_int(st, 20);
		p->queued = db_col_int(st, 21);
	}
	db_done(st);
	if (rc < 0) {
		VM_MSG(vm, ROLE_WARN, "sync state cannot be read: %s", db_errmsg(vm->op->db));
		return rc;
	}
	vm->sel = 0;
	for (i = 0; i < vm->n; i++)
		if (vm->shops[i].id == keep)
			vm->sel = i;
	return 0;
}

int
vm_sync_tick(struct vm_sync *vm, int64_t now)
{
	vm->now = now;
	vm_sync_reload(vm);
	return VM_REDRAW;
}

int
vm_sync_key(struct vm_sync *vm, int key)
{
	if (vm_keys_help(&vm->help, key))
		return VM_REDRAW;
	if (vm_keys_move(&vm->sel, vm->n, key, VM_MOVE_STEP | VM_MOVE_HOME | VM_MOVE_END))
		return VM_REDRAW;
	switch (key) {
	case VK_TAB:
		return VM_SWITCH;
	case VK_ESC:
		return VM_DONE;
	}
	return VM_HANDLED;
}

/* An error newer than the last successful pull: the shop needs a look. */
static int
failing(const struct vm_sync_shop *p)
{
	return p->last_error[0] != '\0' && p->last_error_at >= p->last_ok_at;
}

/* The shop's state in a word, and its role. */
static const char *
state(const struct vm_sync *vm, const struct vm_sync_shop *p, enum theme_role *role)
{
	*role = ROLE_NORMAL;
	if (failing(p)) {
		*role = ROLE_WARN;
		return "error";
	}
	if (p->outbox_dead > 0) {
		*role = ROLE_WARN;
		return "dead out";
	}
	if (p->access_expires > 0 && p->access_expires <= vm->now) {
		*role = ROLE_WARN;
		return "token exp";
	}
	if (p->last_ok_at == 0) {
		*role = ROLE_DONE;
		return "no pull";
	}
	if (strstr(p->rate_state, "quota") != NULL) {
		*role = ROLE_WARN;
		return "quota";
	}
	if (strncmp(p->rate_state, "limited", 7) == 0 || strstr(p->rate_state, "429") != NULL) {
		*role = ROLE_SLA_SOON;
		return "rate lim";
	}
	return "ok";
}

static void
title(struct vm_sync *vm, struct vm_screen *scr)
{
	struct vm_seg s[8];
	char at[32];
	size_t i, bad = 0;
	int n = 0;
	enum theme_role r;

	for (i = 0; i < vm->n; i++) {
		state(vm, &vm->shops[i], &r);
		bad += r == ROLE_WARN;
	}
	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "Marketplace sync");
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "%zu shop%s", vm->n, vm->n == 1 ? "" : "s");
	n = vm_screen_seg(s, n, 8, bad ? ROLE_TITLE_ALERT : ROLE_TITLE, 2, 0, "%zu need%s a look",
	    bad, bad == 1 ? "s" : "");
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

/* "5m ago", "never". */
static void
ago(char *buf, size_t len, int64_t t, int64_t now)
{
	char sp[24];

	if (t <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	vm_sync_span(sp, sizeof sp, now - t < 0 ? 0 : now - t);
	snprintf(buf, len, "%s ago", sp);
}

static void
table(struct vm_sync *vm, struct vm_screen *scr, int y0, int rows, size_t *top)
{
	char line[VM_CELL_MAX], last[40], lag[16], out[24], hooks[24];
	size_t i;
	int y;

	vm_screen_bar(scr, y0 - 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "  %-14s %-7s %-9s %5s %5s %-8s %-9s %s", "Shop", "Channel",
	    "Last pull", "Lag", "Today", "Out/dead", "Hooks/401", "State");
	vm_screen_fit(scr, y0 - 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	if (vm->n == 0) {
		vm_screen_centre(scr, y0 + 1, ROLE_DONE, "no marketplace shop has synced yet: "
		    "see [shop] in the configuration");
		return;
	}
	vm_keys_scroll(top, vm->sel, rows);
	for (i = *top, y = y0; i < vm->n && y < y0 + rows; i++, y++) {
		const struct vm_sync_shop *p = &vm->shops[i];
		enum theme_role role;
		const char *word = state(vm, p, &role);

		ago(last, sizeof last, p->last_ok_at, vm->now);
		vm_sync_span(lag, sizeof lag, p->lag_s);
		snprintf(out, sizeof out, "%" PRId64 "/%" PRId64, p->outbox_pending, p->outbox_dead);
		snprintf(hooks, sizeof hooks, "%" PRId64 "/%" PRId64, p->hooks_ok, p->hooks_bad);
		snprintf(line, sizeof line, "%s %-14.14s %-7.7s %-9.9s %5s %5" PRId64 " %-8s %-9s %s",
		    role == ROLE_WARN ? "✗" : "✓", p->name, p->channel, last, lag, p->pulled_today,
		    out, hooks, word);
		vm_screen_fit(scr, y, 1, scr->cols - 2, i == vm->sel ? ROLE_PACK_LAST : role, line,
		    VM_LEFT);
	}
	if (vm->n > (size_t)rows) {
		snprintf(line, sizeof line, "↑↓ shops %zu-%zu of %zu", *top + 1,
		    *top + (size_t)rows < vm->n ? *top + (size_t)rows : vm->n, vm->n);
		vm_screen_fit(scr, y0 + rows, 1, scr->cols - 2, ROLE_DONE, line, VM_RIGHT);
	}
}

/* "14:05" of t, or "-". */
static void
hm(const struct vm_sync *vm, char *buf, size_t len, int64_t t)
{
	char at[32];

	if (t <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	clock_format(t, vm->tz_offset, at, sizeof at);
	snprintf(buf, len, "%s", at + 11);
}

/* When a token runs out, in words. */
static void
expiry(const struct vm_sync *vm, char *buf, size_t len, int64_t t)
{
	char sp[24], at[32];

	if (t <= 0) {
		snprintf(buf, len, "not known");
		return;
	}
	hm(vm, at, sizeof at, t);
	if (t <= vm->now) {
		vm_sync_span(sp, sizeof sp, vm->now - t);
		snprintf(buf, len, "EXPIRED %s ago", sp);
	} else {
		vm_sync_span(sp, sizeof sp, t - vm->now);
		snprintf(buf, len, "in %s (%s)", sp, t - vm->now < 86400 ? at : "later");
	}
}

/* text over at most max rows from row y, broken at spaces (a word too long is cut), the
 * last row cut with an ellipsis; later rows indented by two. */
static void
wrap_rows(struct vm_screen *scr, int y, int w, enum theme_role role, const char *text,
    int max)
{
	char part[VM_CELL_MAX];
	int row;

	for (row = 0; row < max && *text != '\0'; row++) {
		int indent = row > 0 ? 2 : 0, room = w - indent;
		const char *p = text, *cut = NULL;

		if (row + 1 == max || vm_orders_width(text) <= room) {
			vm_screen_fit(scr, y + row, 1 + indent, room, role, text, VM_LEFT);
			return;
		}
		/* The longest run of whole words that fits. */
		while (*p != '\0') {
			const char *e = p;

			while (*e == ' ')
				e++;
			while (*e != '\0' && *e != ' ')
				e++;
			snprintf(part, sizeof part, "%.*s", (int)(e - text), text);
			if (vm_orders_width(part) > room)
				break;
			cut = p = e;
		}
		if (cut == NULL || cut == text) {
			vm_screen_fit(scr, y + row, 1 + indent, room, role, text, VM_LEFT);
			return;
		}
		snprintf(part, sizeof part, "%.*s", (int)(cut - text), text);
		vm_screen_fit(scr, y + row, 1 + indent, room, role, part, VM_LEFT);
		text = cut;
		while (*text == ' ')
			text++;
	}
}

/* The selected shop in words, rows y0 .. y0 + DETAIL_ROWS - 1. */
static void
detail(struct vm_sync *vm, struct vm_screen *scr, int y0)
{
	const struct vm_sync_shop *p;
	char line[VM_CELL_MAX], a[80], b[80], c[80], lag[16];
	int w = scr->cols - 2, y = y0;
	enum theme_role role;

	if (vm->n == 0)
		return;
	p = &vm->shops[vm->sel];
	vm_screen_bar(scr, y, ROLE_PANEL_TITLE);
	snprintf(line, sizeof line, "%s · %s shop %s · pulled by %s", p->name,
	    p->channel, p->code, p->holder[0] ? p->holder : "nobody yet");
	vm_screen_fit(scr, y++, 1, w, ROLE_PANEL_TITLE, line, VM_LEFT);

	ago(a, sizeof a, p->last_ok_at, vm->now);
	hm(vm, b, sizeof b, p->last_ok_at);
	hm(vm, c, sizeof c, p->last_try_at);
	vm_sync_span(lag, sizeof lag, p->lag_s);
	if (p->last_ok_at > 0)
		snprintf(line, sizeof line, "Last pull: ok %s (%s) · tried %s · lag %s · "
		    "%" PRId64 " order%s today", b, a, c, lag, p->pulled_today,
		    p->pulled_today == 1 ? "" : "s");
	else
		snprintf(line, sizeof line, "Last pull: never succeeded%s%s", p->last_try_at ?
		    " · tried " : "", p->last_try_at ? c : "");
	vm_screen_fit(scr, y++, 1, w, p->last_ok_at > 0 ? ROLE_NORMAL : ROLE_WARN, line,
	    VM_LEFT);

	snprintf(line, sizeof line, "Outbox: %" PRId64 " pending, %" PRId64 " dead (failed for "
	    "good) · re-fetch queue: %" PRId64 " order%s", p->outbox_pending, p->outbox_dead,
	    p->queued, p->queued == 1 ? "" : "s");
	vm_screen_fit(scr, y++, 1, w, p->outbox_dead > 0 ? ROLE_WARN : ROLE_NORMAL, line,
	    VM_LEFT);

	expiry(vm, a, sizeof a, p->access_expires);
	expiry(vm, b, sizeof b, p->refresh_expires);
	snprintf(line, sizeof line, "Token: access %s · refresh %s", a, b);
	role = p->access_expires > 0 && p->access_expires <= vm->now ? ROLE_WARN :
	    p->access_expires > 0 && p->access_expires - vm->now < TOKEN_SOON ? ROLE_SLA_SOON :
	    ROLE_NORMAL;
	if (p->refresh_expires > 0 && p->refresh_expires <= vm->now)
		role = ROLE_WARN;
	vm_screen_fit(scr, y++, 1, w, role, line, VM_LEFT);

	snprintf(line, sizeof line, "Rate limit: %s", p->rate_state[0] ? p->rate_state :
	    "no state yet");
	vm_screen_fit(scr, y++, 1, w, ROLE_NORMAL, line, VM_LEFT);

	hm(vm, a, sizeof a, p->hook_last_at);
	hm(vm, b, sizeof b, p->hook_bad_at);
	snprintf(line, sizeof line, "Webhooks: %" PRId64 " accepted (last %s), %" PRId64
	    " refused for a bad signature (last %s)", p->hooks_ok, a, p->hooks_bad, b);
	vm_screen_fit(scr, y++, 1, w, p->hooks_bad > 0 ? ROLE_SLA_SOON : ROLE_NORMAL, line,
	    VM_LEFT);

	if (p->last_error[0] != '\0') {
		hm(vm, a, sizeof a, p->last_error_at);
		snprintf(line, sizeof line, "Last error (%s%s): %s", a,
		    failing(p) ? "" : ", since recovered", p->last_error);
		wrap_rows(scr, y, w, failing(p) ? ROLE_WARN : ROLE_DONE, line, ERROR_ROWS);
	} else {
		vm_screen_fit(scr, y, 1, w, ROLE_DONE, "No error recorded", VM_LEFT);
	}
}

void
vm_sync_render(struct vm_sync *vm, struct vm_screen *scr)
{
	/* The shop in words needs DETAIL_ROWS under a few shop rows; a short terminal shows
	 * the shop rows alone. */
	int full = scr->rows >= 3 + 3 + 1 + DETAIL_ROWS + 2;
	int rows = scr->rows - 3 - (full ? DETAIL_ROWS + 1 : 0) - 3;

	if (rows < 1)
		rows = 1;
	title(vm, scr);
	table(vm, scr, 3, rows, &vm->top);
	if (full)
		detail(vm, scr, 3 + rows + 1);
	if (vm->msg[0] != '\0')
		vm_screen_fit(scr, scr->rows - 2, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	vm_keys_legend(scr, scr->rows - 1, keys, (int)NELEM(keys));
	if (vm->help)
		vm_keys_panel(scr, "Keys: marketplace sync", keys, (int)NELEM(keys));
}

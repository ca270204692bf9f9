/*
 * vm_users.c — the users screen (vm_users.h). Layout at 80x24:
 *   0      title: screen, user count, clock, operator
 *   1      column headings
 *   2..r-3 the users
 *   r-2    message, or a prompt
 *   r-1    key legend
 * The role list is a centred panel.
 */
#include "vm_users.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What a prompt or the role list is for. */
enum { ASK_NAME = 1, ASK_PIN, ASK_PIN2, PICK_ADD, PICK_CHANGE };
enum { FOR_ADD = 0x100, FOR_RESET = 0x200 };

static const enum role roles[] = { ROLE_PACKER, ROLE_SUPERVISOR, ROLE_ADMIN };

static const struct vm_key_help user_keys[] = {
	{ "a", "Add", "add an operator: name, role, PIN twice" },
	{ "r", "Role", "change the selected operator's role" },
	{ "p", "PIN", "reset the selected operator's PIN (typed twice)" },
	{ "u", "Unlock", "lift the selected operator's lock after failed log-ins" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "Up/Down", NULL, "move (also j k)" },
};

void
vm_users_init(struct vm_users *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->msg_role = ROLE_MESSAGE;
	vm_users_reload(vm);
}

static void
wipe(struct vm_users *vm)
{
	explicit_bzero(vm->pin, sizeof vm->pin);
	vm_prompt_clear(&vm->prompt);
}

void
vm_users_free(struct vm_users *vm)
{
	wipe(vm);
	free(vm->rows);
	vm->rows = NULL;
	vm->n = 0;
}

int
vm_users_reload(struct vm_users *vm)
{
	struct user_row *rows;
	size_t n;
	int rc;

	if ((rc = user_list(vm->op, &rows, &n)) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return rc;
	}
	free(vm->rows);
	vm->rows = rows;
	vm->n = n;
	vm_keys_clamp(&vm->sel, n);
	return 0;
}

int
vm_users_tick(struct vm_users *vm, int64_t now)
{
	vm->now = now;
	return VM_REDRAW;           /* lock times count down */
}

static void
ask(struct vm_users *vm, int what, enum vm_prompt_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
ask(struct vm_users *vm, int what, enum vm_prompt_kind kind, const char *fmt, ...)
{
	char label[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof label, fmt, ap);
	va_end(ap);
	vm_prompt_open(&vm->prompt, what, kind, label);
}

/* Both PINs typed: add the user or reset the PIN. */
static void
pin_done(struct vm_users *vm, int for_what)
{
	int rc;

	if (strcmp(vm->pin, vm->prompt.buf) != 0) {
		wipe(vm);
		VM_MSG(vm, ROLE_WARN, "the two PINs differ; nothing changed");
		return;
	}
	if (for_what == FOR_ADD)
		rc = user_add(vm->op, vm->name, (enum role)vm->role, vm->pin, NULL);
	else
		rc = user_passwd(vm->op, vm->name, vm->pin);
	wipe(vm);
	if (rc != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return;
	}
	if (for_what == FOR_ADD)
		VM_MSG(vm, ROLE_MESSAGE, "user %s added as %s", vm->name,
		    role_name((enum role)vm->role));
	else
		VM_MSG(vm, ROLE_MESSAGE, "PIN of %s reset", vm->name);
	vm_users_reload(vm);
}

static void
answered(struct vm_users *vm)
{
	int what = vm->prompt.what & 0xff, for_what = vm->prompt.what & ~0xff;

	switch (what) {
	case ASK_NAME:
		if (vm->prompt.buf[0] == '\0') {
			VM_MSG(vm, ROLE_WARN, "no name given; nothing added");
			return;
		}
		snprintf(vm->name, sizeof vm->name, "%s", vm->prompt.buf);
		vm->picking = PICK_ADD;
		vm->pick = 0;
		return;
	case ASK_PIN:
		snprintf(vm->pin, sizeof vm->pin, "%s", vm->prompt.buf);
		vm_prompt_clear(&vm->prompt);
		ask(vm, ASK_PIN2 | for_what, VM_PROMPT_SECRET, "PIN for %s again", vm->name);
		return;
	case ASK_PIN2:
		pin_done(vm, for_what);
		return;
	}
}

static void
picked(struct vm_users *vm)
{
	enum role r = roles[vm->pick];

	if (vm->picking == PICK_ADD) {
		vm->picking = 0;
		vm->role = (int)r;
		ask(vm, ASK_PIN | FOR_ADD, VM_PROMPT_SECRET, "PIN for %s (4 to 12 digits)",
		    vm->name);
		return;
	}
	vm->picking = 0;
	if (user_set_role(vm->op, vm->name, r) != 0) {
		VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		return;
	}
	VM_MSG(vm, ROLE_MESSAGE, "%s is now %s", vm->name, role_name(r));
	vm_users_reload(vm);
}

int
vm_users_key(struct vm_users *vm, int key)
{
	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	if (vm->prompt.on) {
		int r = vm_prompt_key(&vm->prompt, key);

		if (r > 0)
			answered(vm);
		else if (r < 0)
			wipe(vm);
		return VM_REDRAW;
	}
	if (vm->picking) {
		int n = (int)NELEM(roles);

		if (key == VK_ESC)
			vm->picking = 0;
		else if ((key == VK_UP || key == 'k') && vm->pick > 0)
			vm->pick--;
		else if ((key == VK_DOWN || key == 'j') && vm->pick + 1 < n)
			vm->pick++;
		else if (key == VK_ENTER || (key >= '1' && key < '1' + n)) {
			if (key != VK_ENTER)
				vm->pick = key - '1';
			picked(vm);
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
	if (vm_keys_move(&vm->sel, vm->n, key, VM_MOVE_STEP))
		return VM_REDRAW;
	switch (key) {
	case VK_ESC:
		return VM_DONE;
	case 'a':
		ask(vm, ASK_NAME, VM_PROMPT_TEXT, "New user's name");
		return VM_REDRAW;
	}
	if (vm->sel >= vm->n)
		return VM_HANDLED;
	snprintf(vm->name, sizeof vm->name, "%s", vm->rows[vm->sel].name);
	switch (key) {
	case 'r':
		vm->picking = PICK_CHANGE;
		vm->pick = vm->rows[vm->sel].role == ROLE_ADMIN ? 2 :
		    vm->rows[vm->sel].role == ROLE_SUPERVISOR ? 1 : 0;
		return VM_REDRAW;
	case 'p':
		ask(vm, ASK_PIN | FOR_RESET, VM_PROMPT_SECRET, "New PIN for %s", vm->name);
		return VM_REDRAW;
	case 'u':
		if (user_unlock(vm->op, vm->name) != 0)
			VM_MSG(vm, ROLE_WARN, "%s", vm->op->err);
		else
			VM_MSG(vm, ROLE_MESSAGE, "%s unlocked", vm->name);
		vm_users_reload(vm);
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

static void
list(struct vm_users *vm, struct vm_screen *scr)
{
	int page, i;
	char line[VM_CELL_MAX], lock[48];

	page = vm_keys_scroll(&vm->top, vm->sel, scr->rows - 4);
	vm_screen_bar(scr, 1, ROLE_COLHEAD);
	snprintf(line, sizeof line, "%-20s %-10s %-14s %-6s %6s  %s", "Name", "Role", "Badge",
	    "Active", "Failed", "Locked");
	vm_screen_fit(scr, 1, 1, scr->cols - 2, ROLE_COLHEAD, line, VM_LEFT);
	for (i = 0; i < page && vm->top + (size_t)i < vm->n; i++) {
		const struct user_row *u = &vm->rows[vm->top + (size_t)i];
		int locked = u->locked_until > vm->now;
		enum theme_role role = locked ? ROLE_WARN : u->active ? ROLE_NORMAL : ROLE_DONE;

		if (locked)
			snprintf(lock, sizeof lock, "%" PRId64 " min left",
			    (u->locked_until - vm->now + 59) / 60);
		else
			snprintf(lock, sizeof lock, "-");
		snprintf(line, sizeof line, "%-20.20s %-10s %-14.14s %-6s %6d  %s", u->name,
		    role_name(u->role), u->badge[0] ? u->badge : "-", u->active ? "yes" : "no",
		    u->failed, lock);
		if (vm->top + (size_t)i == vm->sel)
			role = ROLE_PACK_LAST;
		vm_screen_fit(scr, 2 + i, 1, scr->cols - 2, role, line, VM_LEFT);
	}
}

static void
picker(struct vm_users *vm, struct vm_screen *scr)
{
	const char *names[NELEM(roles)];
	char head[160];
	size_t i;

	for (i = 0; i < NELEM(roles); i++)
		names[i] = role_name(roles[i]);
	snprintf(head, sizeof head, "Role for %s", vm->name);
	vm_keys_pick(scr, head, 36, names, (int)NELEM(roles), vm->pick,
	    "Enter or 1-3 picks, Esc closes");
}

void
vm_users_render(struct vm_users *vm, struct vm_screen *scr)
{
	struct vm_seg s[6];
	char at[32];
	int n = 0, y = scr->rows - 2;

	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "Users");
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 0, "%zu operators", vm->n);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 6, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
	list(vm, scr);
	if (vm->prompt.on)
		vm_prompt_render(&vm->prompt, scr, y);
	else if (vm->msg[0] != '\0')
		vm_screen_fit(scr, y, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	vm_keys_legend(scr, scr->rows - 1, user_keys, (int)NELEM(user_keys));
	if (vm->picking)
		picker(vm, scr);
	if (vm->help)
		vm_keys_panel(scr, "Keys: users", user_keys, (int)NELEM(user_keys));
}

/*
 * vm_login.c — log-in by badge or by user name and PIN (core/user.h does the checking,
 * the lockout and the audit); this file holds what is typed and lays the screen out.
 */
#include "vm_login.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/user.h"

void
vm_login_init(struct vm_login *vm, struct db *db, const char *station, const char *where,
    const char *hint, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->db = db;
	snprintf(vm->station, sizeof vm->station, "%s", station != NULL ? station : "");
	snprintf(vm->where, sizeof vm->where, "%s", where != NULL ? where : "");
	snprintf(vm->hint, sizeof vm->hint, "%s", hint != NULL ? hint : "");
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->msg_role = ROLE_NORMAL;
}

static void
wipe(struct vm_login *vm)
{
	explicit_bzero(vm->pin, sizeof vm->pin);
}

void
vm_login_reset(struct vm_login *vm)
{
	wipe(vm);
	vm->user[0] = '\0';
	vm->field = VL_USER;
	vm->ok = 0;
	memset(&vm->out, 0, sizeof vm->out);
}

static void
add(char *buf, size_t size, int key)
{
	size_t n = strlen(buf), k;
	char enc[4];

	if (key < 0x80) {
		enc[0] = (char)key;
		k = 1;
	} else if (key < 0x800) {
		enc[0] = (char)(0xC0 | (key >> 6));
		enc[1] = (char)(0x80 | (key & 0x3F));
		k = 2;
	} else if (key < 0x10000) {
		enc[0] = (char)(0xE0 | (key >> 12));
		enc[1] = (char)(0x80 | ((key >> 6) & 0x3F));
		enc[2] = (char)(0x80 | (key & 0x3F));
		k = 3;
	} else {
		enc[0] = (char)(0xF0 | (key >> 18));
		enc[1] = (char)(0x80 | ((key >> 12) & 0x3F));
		enc[2] = (char)(0x80 | ((key >> 6) & 0x3F));
		enc[3] = (char)(0x80 | (key & 0x3F));
		k = 4;
	}
	if (n + k >= size)
		return;
	memcpy(buf + n, enc, k);
	buf[n + k] = '\0';
}

static void
backspace(char *buf)
{
	size_t n = strlen(buf);

	while (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
		n--;
	if (n > 0)
		n--;
	buf[n] = '\0';
}

static int
to_pin(struct vm_login *vm)
{
	if (vm->user[0] == '\0') {
		snprintf(vm->msg, sizeof vm->msg, "scan your badge or type your user name first");
		vm->msg_role = ROLE_WARN;
		return VM_HANDLED | VM_REDRAW;
	}
	vm->field = VL_PIN;
	wipe(vm);
	vm->msg[0] = '\0';
	return VM_HANDLED | VM_REDRAW;
}

/* The core's answer to a failed log-in; a locked account starts over. */
static int
failed(struct vm_login *vm, int rc)
{
	snprintf(vm->msg, sizeof vm->msg, "%s", vm->out.err);
	vm->msg_role = ROLE_ERROR_LOCK;
	wipe(vm);
	if (rc == DB_ELOCKED) {
		vm->user[0] = '\0';
		vm->field = VL_USER;
	}
	return VM_HANDLED | VM_REDRAW;
}

static int
enter(struct vm_login *vm)
{
	int rc;

	if (vm->field == VL_USER) {
		if (vm->user[0] == '\0')
			return to_pin(vm);
		rc = user_login_badge(vm->db, &vm->out, vm->user, vm->station);
		if (rc == 0) {
			vm->ok = 1;
			vm->user[0] = '\0';
			return VM_HANDLED | VM_REDRAW | VM_DONE;
		}
		if (rc == DB_ELOCKED)
			return failed(vm, rc);
		/* Not a badge: a user name, whose PIN comes next. */
		return to_pin(vm);
	}
	rc = user_login(vm->db, &vm->out, vm->user, vm->pin, vm->station);
	wipe(vm);
	if (rc == 0) {
		vm->ok = 1;
		vm->user[0] = '\0';
		vm->field = VL_USER;
		return VM_HANDLED | VM_REDRAW | VM_DONE;
	}
	return failed(vm, rc);
}

int
vm_login_key(struct vm_login *vm, int key)
{
	char *buf = vm->field == VL_USER ? vm->user : vm->pin;
	size_t size = vm->field == VL_USER ? sizeof vm->user : sizeof vm->pin;

	switch (key) {
	case VK_ENTER:
		return enter(vm);
	case VK_TAB:
		if (vm->field == VL_USER)
			return to_pin(vm);
		vm->field = VL_USER;
		wipe(vm);
		return VM_HANDLED | VM_REDRAW;
	case VK_BACKSPACE:
		if (buf[0] == '\0' && vm->field == VL_PIN) {
			vm->field = VL_USER;
			return VM_HANDLED | VM_REDRAW;
		}
		backspace(buf);
		return VM_HANDLED | VM_REDRAW;
	case VK_ESC:
		vm_login_reset(vm);
		vm->msg[0] = '\0';
		return VM_HANDLED | VM_REDRAW;
	case VK_F(10):
		vm_login_reset(vm);
		return VM_HANDLED | VM_DONE;
	default:
		break;
	}
	if (key < 0x20 || key == 0x7F || key >= 0x110000)
		return VM_IGNORED;
	if (vm->msg_role == ROLE_ERROR_LOCK || vm->msg_role == ROLE_WARN)
		vm->msg[0] = '\0';
	add(buf, size, key);
	return VM_HANDLED | VM_REDRAW;
}

int
vm_login_tick(struct vm_login *vm, int64_t now)
{
	int64_t old = vm->now;

	vm->now = now;
	return now / 60 != old / 60 ? VM_REDRAW : 0;
}

/* A field: its label, its value (or dots), a cursor when it has the keyboard. */
static void
field(struct vm_login *vm, struct vm_screen *scr, int y, int x, const char *label,
    enum vm_login_field f)
{
	char val[160];
	int lw = 16, w;

	if (f == VL_PIN) {
		size_t i, n = strlen(vm->pin), o = 0;

		/* "•" is three bytes: the dots stop well before the buffer does. */
		for (i = 0; i < n && o + 4 < sizeof val; i++, o += 3)
			memcpy(val + o, "•", 3);
		val[o] = '\0';
	} else {
		snprintf(val, sizeof val, "%s", vm->user);
	}
	if (vm->field == f)
		strncat(val, "_", sizeof val - strlen(val) - 1);
	if (scr->cols < 50)
		lw = 10;
	vm_screen_put(scr, y, x, vm->field == f ? ROLE_NORMAL : ROLE_DONE, label);
	w = scr->cols - x - lw - 1;
	vm_screen_fit(scr, y, x + lw, w, vm->field == f ? ROLE_PROMPT : ROLE_NORMAL, val,
	    VM_TAIL);
}

void
vm_login_render(struct vm_login *vm, struct vm_screen *scr)
{
	struct vm_seg s[8];
	char iso[24], buf[256];
	int n = 0, compact = scr->cols < 80 || scr->rows < 24, y, x;

	if (scr->cols < 40 || scr->rows < 12) {
		snprintf(buf, sizeof buf, "Make the window at least 40x12");
		vm_screen_centre(scr, scr->rows / 2 - 1, ROLE_NORMAL, buf);
		snprintf(buf, sizeof buf, "(now %dx%d)", scr->cols, scr->rows);
		vm_screen_centre(scr, scr->rows / 2, ROLE_DONE, buf);
		return;
	}
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "%s", vm->station);
	if (vm->where[0] != '\0')
		n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "%s", vm->where);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "not logged in");
	clock_format(vm->now, vm->tz_offset, iso, sizeof iso);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 0, 1, "%s", iso + 11);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);

	y = compact ? 2 : 5;
	snprintf(buf, sizeof buf, "packbench station %s", vm->station);
	vm_screen_centre(scr, y, ROLE_BIG, buf);
	y += compact ? 2 : 3;
	vm_screen_centre(scr, y++, ROLE_NORMAL, "Scan your badge,");
	vm_screen_centre(scr, y, ROLE_NORMAL, compact ? "or type user name, Enter, PIN, Enter" :
	    "or type your user name, Enter, PIN, Enter");
	y += compact ? 2 : 3;
	x = compact ? 1 : (scr->cols - 44) / 2;
	field(vm, scr, y++, x, compact ? "User:" : "Badge or user", VL_USER);
	field(vm, scr, y++, x, "PIN", VL_PIN);
	y++;
	if (vm->msg[0] != '\0') {
		vm_screen_fit(scr, compact ? scr->rows - 3 : y, 1, scr->cols - 2, vm->msg_role,
		    vm->msg, VM_LEFT);
		y++;
	}
	if (vm->hint[0] != '\0' && (!compact || scr->rows >= 15))
		vm_screen_centre(scr, compact ? scr->rows - 2 : scr->rows - 4, ROLE_DONE,
		    vm->hint);

	n = 0;
	n = vm_screen_seg(s, n, 8, ROLE_KEY, 1, 0, "Enter");
	n = vm_screen_seg(s, n, 8, ROLE_FOOTER, 2, 0, "%s", vm->field == VL_USER ? "Next" :
	    "Log in");
	n = vm_screen_seg(s, n, 8, ROLE_KEY, 1, 0, "Tab");
	n = vm_screen_seg(s, n, 8, ROLE_FOOTER, 2, 0, "%s", vm->field == VL_USER ? "PIN" :
	    "User");
	n = vm_screen_seg(s, n, 8, ROLE_KEY, 1, 0, "F10");
	n = vm_screen_seg(s, n, 8, ROLE_FOOTER, 2, 0, "Quit");
	if (scr->cols >= 50) {
		n = vm_screen_seg(s, n, 8, ROLE_KEY, 1, 0, "Esc");
		n = vm_screen_seg(s, n, 8, ROLE_FOOTER, 0, 0, "Clear");
	}
	vm_screen_segs(scr, scr->rows - 1, ROLE_FOOTER, s, n, n);
}

/* vm_prompt.c — the shared one-line prompt (vm_prompt.h). */
#include "vm_prompt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
vm_prompt_open(struct vm_prompt *p, int what, enum vm_prompt_kind kind, const char *label)
{
	memset(p, 0, sizeof *p);
	p->on = 1;
	p->what = what;
	p->kind = kind;
	snprintf(p->label, sizeof p->label, "%s", label);
}

void
vm_prompt_clear(struct vm_prompt *p)
{
	explicit_bzero(p->buf, sizeof p->buf);
}

/* Append the code point key as UTF-8 when it fits. */
static void
put(struct vm_prompt *p, int key)
{
	size_t len = strlen(p->buf);
	char enc[4];
	size_t n;

	if (key < 0x80) {
		enc[0] = (char)key;
		n = 1;
	} else if (key < 0x800) {
		enc[0] = (char)(0xc0 | (key >> 6));
		enc[1] = (char)(0x80 | (key & 0x3f));
		n = 2;
	} else if (key < 0x10000) {
		enc[0] = (char)(0xe0 | (key >> 12));
		enc[1] = (char)(0x80 | ((key >> 6) & 0x3f));
		enc[2] = (char)(0x80 | (key & 0x3f));
		n = 3;
	} else {
		enc[0] = (char)(0xf0 | (key >> 18));
		enc[1] = (char)(0x80 | ((key >> 12) & 0x3f));
		enc[2] = (char)(0x80 | ((key >> 6) & 0x3f));
		enc[3] = (char)(0x80 | (key & 0x3f));
		n = 4;
	}
	if (len + n + 1 > sizeof p->buf)
		return;
	memcpy(p->buf + len, enc, n);
	p->buf[len + n] = '\0';
}

int
vm_prompt_key(struct vm_prompt *p, int key)
{
	size_t len = strlen(p->buf);

	switch (key) {
	case VK_ENTER:
		p->on = 0;
		return 1;
	case VK_ESC:
		p->on = 0;
		vm_prompt_clear(p);
		p->buf[0] = '\0';
		return -1;
	case VK_BACKSPACE:
		while (len > 0 && ((unsigned char)p->buf[--len] & 0xc0) == 0x80)
			;
		p->buf[len] = '\0';
		return 0;
	}
	if (key < 0x20 || key >= 0x110000 || key == 0x7f)
		return 0;
	if (p->kind == VM_PROMPT_NUMBER && !((key >= '0' && key <= '9') ||
	    ((key == '-' || key == '+') && len == 0)))
		return 0;
	put(p, key);
	return 0;
}

void
vm_prompt_render(const struct vm_prompt *p, struct vm_screen *scr, int y)
{
	char shown[sizeof p->buf];
	size_t i, n = strlen(p->buf);

	if (!p->on)
		return;
	if (p->kind == VM_PROMPT_SECRET) {
		for (i = 0; i < n && i + 1 < sizeof shown; i++)
			shown[i] = '*';
		shown[i] = '\0';
	} else {
		snprintf(shown, sizeof shown, "%s", p->buf);
	}
	vm_screen_bar(scr, y, ROLE_PROMPT);
	vm_screen_putf(scr, y, 1, ROLE_PROMPT, "%s: %s_  (Enter, Esc cancels)", p->label,
	    shown);
}

int
vm_prompt_int(const struct vm_prompt *p, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(p->buf, &end, 10);
	if (p->buf[0] == '\0' || *end != '\0' || errno != 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

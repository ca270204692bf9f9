/*
 * vm_keys.c — key legends, the `?` help panel, pickers' boxes and the keys that move
 * over a list, shared by the supervisor screens (vm_keys.h).
 */
#include "vm_keys.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/stock.h"
#include "vm_orders.h"

void
vm_keys_legend(struct vm_screen *scr, int y, const struct vm_key_help *k, int n)
{
	struct vm_seg s[64];
	int i, ns = 0, w = 1;

	for (i = 0; i < n && ns + 2 <= 64; i++) {
		int pw;

		if (k[i].label == NULL)
			continue;
		pw = vm_orders_width(k[i].key) + 1 + vm_orders_width(k[i].label) + 1;
		if (w + pw > scr->cols)
			break;
		w += pw;
		ns = vm_screen_seg(s, ns, 64, ROLE_KEY, 1, 0, "%s", k[i].key);
		ns = vm_screen_seg(s, ns, 64, ROLE_FOOTER, 1, 0, "%s", k[i].label);
	}
	vm_screen_segs(scr, y, ROLE_FOOTER, s, ns, ns);
}

int
vm_keys_box(struct vm_screen *scr, const char *title, int n, int width, int *y0, int *x0)
{
	int h = n + 2, w = width + 4, y, x, i;

	if (w > scr->cols)
		w = scr->cols;
	if (h > scr->rows)
		h = scr->rows;
	y = (scr->rows - h) / 2;
	x = (scr->cols - w) / 2;
	vm_screen_fit(scr, y, x, w, ROLE_PANEL_TITLE, "", VM_LEFT);
	vm_screen_put(scr, y, x + 2, ROLE_PANEL_TITLE, title);
	for (i = 1; i < h; i++)
		vm_screen_fit(scr, y + i, x, w, ROLE_PANEL, "", VM_LEFT);
	*y0 = y + 1;
	*x0 = x + 2;
	return w - 4;
}

void
vm_keys_pick(struct vm_screen *scr, const char *title, int width,
    const char *const *items, int n, int pick, const char *foot)
{
	char line[VM_CELL_MAX];
	int i, y, x, w;

	w = vm_keys_box(scr, title, n + 1, width, &y, &x);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "%d %s", i + 1, items[i]);
		vm_screen_fit(scr, y + i, x, w, i == pick ? ROLE_PACK_LAST : ROLE_PANEL, line,
		    VM_LEFT);
	}
	vm_screen_fit(scr, y + n, x, w, ROLE_PANEL, foot, VM_LEFT);
}

#define NAV_LINES 3
#define NAV_WIDTH 60

static char nav[NAV_LINES][NAV_WIDTH * 4 + 1];  /* UTF-8: up to 4 bytes a column */
static int nnav;

void
vm_keys_nav(const char *text)
{
	const char *p = text, *cut;
	int w;

	/* Wrap at the double spaces between keys, NAV_WIDTH columns a line. */
	for (nnav = 0; nnav < NAV_LINES && *p != '\0'; nnav++) {
		const char *q = p, *brk = NULL;

		for (w = 0; *q != '\0'; q++) {
			if ((*q & 0xC0) != 0x80 && ++w > NAV_WIDTH)
				break;
			if (q[0] == ' ' && q[1] == ' ')
				brk = q;
		}
		cut = *q == '\0' || brk == NULL ? q : brk;
		snprintf(nav[nnav], sizeof nav[nnav], "%.*s", (int)(cut - p), p);
		for (p = cut; *p == ' '; p++)
			;
	}
}

void
vm_keys_panel(struct vm_screen *scr, const char *title, const struct vm_key_help *k, int n)
{
	int y, x, w, i, j, kw = 0;

	for (i = 0; i < n; i++)
		if (vm_orders_width(k[i].key) > kw)
			kw = vm_orders_width(k[i].key);
	w = vm_keys_box(scr, title, n + 1 + nnav, 64, &y, &x);
	for (i = 0; i < n && i + 1 + nnav < scr->rows - 2; i++) {
		vm_screen_fit(scr, y + i, x, kw, ROLE_PANEL_TITLE, k[i].key, VM_LEFT);
		vm_screen_fit(scr, y + i, x + kw + 2, w - kw - 2, ROLE_PANEL, k[i].help, VM_LEFT);
	}
	for (j = 0; j < nnav; j++, i++)
		vm_screen_fit(scr, y + i, x, w, ROLE_PANEL_TITLE, nav[j], VM_LEFT);
	vm_screen_fit(scr, y + i, x, w, ROLE_PANEL, "any key closes this panel", VM_LEFT);
}

void
vm_keys_left(char *buf, unsigned len, int64_t ship_by, int64_t now)
{
	int64_t left = ship_by - now, a = left < 0 ? -left : left;

	if (ship_by <= 0)
		snprintf(buf, len, "%s", "");
	else if (a >= 86400)
		snprintf(buf, len, "%s%" PRId64 "d%02" PRId64, left < 0 ? "-" : "", a / 86400,
		    a % 86400 / 3600);
	else
		snprintf(buf, len, "%s%" PRId64 "h%02" PRId64, left < 0 ? "-" : "", a / 3600,
		    a % 3600 / 60);
}

int
vm_keys_move(size_t *sel, size_t n, int key, int moves)
{
	switch (key) {
	case VK_UP:
	case 'k':
		if (!(moves & VM_MOVE_STEP))
			return 0;
		if (*sel > 0)
			(*sel)--;
		return 1;
	case VK_DOWN:
	case 'j':
		if (!(moves & VM_MOVE_STEP))
			return 0;
		if (*sel + 1 < n)
			(*sel)++;
		return 1;
	case VK_PGUP:
		if (!(moves & VM_MOVE_PAGE))
			return 0;
		*sel = *sel > VM_KEYS_PAGE ? *sel - VM_KEYS_PAGE : 0;
		return 1;
	case VK_PGDN:
		if (!(moves & VM_MOVE_PAGE))
			return 0;
		*sel = *sel + VM_KEYS_PAGE < n ? *sel + VM_KEYS_PAGE : (n ? n - 1 : 0);
		return 1;
	case VK_HOME:
		if (!(moves & VM_MOVE_HOME))
			return 0;
		*sel = 0;
		return 1;
	case VK_END:
		if (!(moves & VM_MOVE_END))
			return 0;
		*sel = n ? n - 1 : 0;
		return 1;
	}
	return 0;
}

int
vm_keys_scroll(size_t *top, size_t sel, int page)
{
	if (page < 1)
		page = 1;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + (size_t)page)
		*top = sel - (size_t)page + 1;
	return page;
}

void
vm_keys_clamp(size_t *sel, size_t n)
{
	if (*sel >= n)
		*sel = n ? n - 1 : 0;
}

int
vm_keys_help(int *help, int key)
{
	if (*help) {
		*help = 0;
		return 1;
	}
	if (key == '?' || key == VK_F(1)) {
		*help = 1;
		return 1;
	}
	return 0;
}

void
vm_keys_msg(char *msg, size_t len, enum theme_role *msg_role, enum theme_role role,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	*msg_role = role;
}

int
vm_keys_warehouses(struct session *op, char (*codes)[32], int max)
{
	struct warehouse_row *whs;
	size_t n, i;

	if (warehouse_list(op, &whs, &n) != 0)
		return 0;
	for (i = 0; i < n && i < (size_t)max; i++)
		snprintf(codes[i], sizeof codes[i], "%s", whs[i].code);
	free(whs);
	return (int)i;
}

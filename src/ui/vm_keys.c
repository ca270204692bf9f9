/* vm_keys.c — key legends, the `?` help panel and pickers' boxes (vm_keys.h). */
#include "vm_keys.h"

#include <inttypes.h>
#include <stdio.h>

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
vm_keys_panel(struct vm_screen *scr, const char *title, const struct vm_key_help *k, int n)
{
	int y, x, w, i, kw = 0;

	for (i = 0; i < n; i++)
		if (vm_orders_width(k[i].key) > kw)
			kw = vm_orders_width(k[i].key);
	w = vm_keys_box(scr, title, n + 1, 64, &y, &x);
	for (i = 0; i < n && i + 1 < scr->rows - 2; i++) {
		vm_screen_fit(scr, y + i, x, kw, ROLE_PANEL_TITLE, k[i].key, VM_LEFT);
		vm_screen_fit(scr, y + i, x + kw + 2, w - kw - 2, ROLE_PANEL, k[i].help, VM_LEFT);
	}
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

/*
 * vm_kpi.c — the KPI screen (vm_kpi.h). Layout at 80x24:
 *   0        title: screen, period, clock, operator
 *   2        orders, OTIF, cancel rate, return rate
 *   3        cost per order, gross profit
 *   4        lead times: paid -> packed -> handed over -> delivered
 *   6..8     sparklines per day: orders, OTIF %, cancel %
 *   10..14   bars: cancels by cause
 *   16..     bars: parcels per hour by packer (with the lock rate), then COD refusal
 *            by province, as many as fit
 *   r-2      message
 *   r-1      key legend
 */
#include "vm_kpi.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "vm_keys.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define RELOAD_S 60
#define LABEL_W 16

static const struct vm_key_help keys[] = {
	{ "+/-", "Period", "a longer or shorter period: 7, 14, 30 or 90 days (also Right Left)" },
	{ "r", "Reload", "compute the figures again" },
	{ "Tab", "Next", "next screen" },
	{ "Esc", "Back", "back to the pack screen" },
	{ "?", "Keys", "this list (also F1)" },
	{ "F10", NULL, "log out" },
};

static const int periods[] = { 7, 14, 30, 90 };

int
vm_kpi_utf8_env(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	size_t i;

	for (i = 0; i < NELEM(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v != NULL && v[0] != '\0')
			return strcasestr(v, "utf-8") != NULL || strcasestr(v, "utf8") != NULL;
	}
	return 0;
}

void
vm_kpi_spark(char *buf, size_t len, const int64_t *v, size_t n, int ascii)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char plain[] = " .:-=+*#";
	int64_t max = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (v[i] > max)
			max = v[i];
	}
	for (i = 0; i < n; i++) {
		int lvl = max > 0 && v[i] > 0 ? (int)((v[i] * 7 + max - 1) / max) : 0;
		const char *c;
		char one[2] = { 0, 0 };
		size_t cl;

		if (lvl > 7)
			lvl = 7;
		if (ascii) {
			one[0] = plain[lvl];
			c = one;
		} else {
			c = blocks[lvl];
		}
		cl = strlen(c);
		if (o + cl + 1 > len)
			break;
		memcpy(buf + o, c, cl);
		o += cl;
	}
	buf[o] = '\0';
}

void
vm_kpi_bar(char *buf, size_t len, int64_t value, int64_t max, int width, int ascii)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	int64_t e = max > 0 && value > 0 ? value * width * 8 / max : 0;
	size_t o = 0;
	int64_t i;

	if (value > 0 && e == 0)
		e = 1;                  /* something is never drawn as nothing */
	for (i = 0; i < e / 8; i++) {
		const char *c = ascii ? "#" : "█";
		size_t cl = strlen(c);

		if (o + cl + 1 > len)
			break;
		memcpy(buf + o, c, cl);
		o += cl;
	}
	if (e % 8 != 0 && o + 4 < len) {
		const char *c = ascii ? (e % 8 >= 4 ? "+" : "") : eighths[e % 8];

		memcpy(buf + o, c, strlen(c));
		o += strlen(c);
	}
	buf[o] = '\0';
}

void
vm_kpi_init(struct vm_kpi *vm, struct session *op, int64_t now, int64_t tz_offset)
{
	memset(vm, 0, sizeof *vm);
	vm->op = op;
	vm->now = now;
	vm->tz_offset = tz_offset;
	vm->days = 14;
	vm->ascii = !vm_kpi_utf8_env();
	vm->msg_role = ROLE_MESSAGE;
	vm_kpi_reload(vm);
}

void
vm_kpi_free(struct vm_kpi *vm)
{
	kpi_report_free(&vm->r);
	vm->loaded = 0;
}

int
vm_kpi_reload(struct vm_kpi *vm)
{
	struct kpi_opts o = { 0 };
	int64_t day0;
	int rc;

	/* Whole local days: from midnight days - 1 days ago to the end of today. */
	day0 = (vm->now + vm->tz_offset) / 86400 * 86400 - vm->tz_offset;
	o.from = day0 - (int64_t)(vm->days - 1) * 86400;
	o.to = day0 + 86400;
	o.by = KPI_BY_DAY;
	o.utc_offset_s = vm->tz_offset;
	kpi_report_free(&vm->r);
	vm->loaded = 0;
	vm->loaded_at = vm->now;
	if ((rc = kpi_run(vm->op, &o, &vm->r)) != 0) {
		snprintf(vm->msg, sizeof vm->msg, "%s", vm->op->err);
		vm->msg_role = ROLE_WARN;
		return rc;
	}
	vm->loaded = 1;
	if (vm->msg_role == ROLE_WARN)
		vm->msg[0] = '\0';
	return 0;
}

int
vm_kpi_tick(struct vm_kpi *vm, int64_t now)
{
	vm->now = now;
	if (now - vm->loaded_at < RELOAD_S)
		return 0;
	vm_kpi_reload(vm);
	return VM_REDRAW;
}

int
vm_kpi_key(struct vm_kpi *vm, int key)
{
	size_t i;

	if (vm->help) {
		vm->help = 0;
		return VM_REDRAW;
	}
	if (key == '?' || key == VK_F(1)) {
		vm->help = 1;
		return VM_REDRAW;
	}
	for (i = 0; i < NELEM(periods) && periods[i] != vm->days; i++)
		;
	switch (key) {
	case VK_TAB:
		return VM_SWITCH;
	case VK_ESC:
		return VM_DONE;
	case '+':
	case VK_RIGHT:
		if (i + 1 < NELEM(periods)) {
			vm->days = periods[i + 1];
			vm_kpi_reload(vm);
		}
		return VM_REDRAW;
	case '-':
	case VK_LEFT:
		if (i > 0 && i < NELEM(periods)) {
			vm->days = periods[i - 1];
			vm_kpi_reload(vm);
		}
		return VM_REDRAW;
	case 'r':
		vm_kpi_reload(vm);
		snprintf(vm->msg, sizeof vm->msg, "Figures computed again");
		vm->msg_role = ROLE_MESSAGE;
		return VM_REDRAW;
	}
	return VM_HANDLED;
}

/* n / d as "12.3%", "-" when d is 0. */
static void
pct(char *buf, size_t len, int64_t n, int64_t d)
{
	int64_t v;

	if (d <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	v = (n * 2000 + d) / (2 * d);
	snprintf(buf, len, "%" PRId64 ".%" PRId64 "%%", v / 10, v % 10);
}

/* Seconds over n as hours with one decimal, "-" when n is 0. */
static void
hours(char *buf, size_t len, int64_t s, int64_t n)
{
	int64_t v;

	if (n <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	v = (s * 20 + n * 3600) / (n * 7200);
	snprintf(buf, len, "%" PRId64 ".%" PRId64 "h", v / 10, v % 10);
}

/* 1234567 -> "1,234,567". */
static void
money(char *buf, size_t len, int64_t v)
{
	char d[32];
	size_t n, i, o = 0;

	snprintf(d, sizeof d, "%" PRId64, v < 0 ? -v : v);
	n = strlen(d);
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
}

/* The per-day values of one figure, one a day of the period (days without orders 0). */
static size_t
series(const struct vm_kpi *vm, int what, int64_t *v, size_t max)
{
	size_t n = 0, k;
	int64_t day0 = (vm->now + vm->tz_offset) / 86400 * 86400 - vm->tz_offset;
	int d;

	for (d = vm->days - 1; d >= 0 && n < max; d--) {
		char key[16];
		int64_t t = day0 - (int64_t)d * 86400 + vm->tz_offset;
		const struct kpi_row *r = NULL;

		/* The report's key of that day. */
		clock_format(t, 0, key, sizeof key);
		key[10] = '\0';
		for (k = 0; k < vm->r.nrows; k++) {
			if (strcmp(vm->r.rows[k].key, key) == 0)
				r = &vm->r.rows[k];
		}
		if (r == NULL)
			v[n] = 0;
		else if (what == 0)
			v[n] = r->orders;
		else if (what == 1)
			v[n] = r->shipped ? r->otif * 1000 / r->shipped : 0;
		else
			v[n] = r->orders ? r->cancels * 1000 / r->orders : 0;
		n++;
	}
	return n;
}

static void
title(struct vm_kpi *vm, struct vm_screen *scr)
{
	struct vm_seg s[8];
	char at[32];
	int n = 0;

	clock_format(vm->now, vm->tz_offset, at, sizeof at);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "KPIs");
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 0, "last %d days", vm->days);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 2, 1, "%s", at + 11);
	n = vm_screen_seg(s, n, 8, ROLE_TITLE, 0, 1, "%s", vm->op->user);
	vm_screen_segs(scr, 0, ROLE_TITLE, s, n, 1);
}

/* A labelled bar: "label      ████▌ value". */
static void
bar_row(struct vm_kpi *vm, struct vm_screen *scr, int y, const char *label, int64_t v,
    int64_t max, const char *shown, enum theme_role role)
{
	char bar[VM_CELL_MAX];
	int w = scr->cols - 2 - LABEL_W - 1 - 14;

	if (w < 4)
		w = 4;
	vm_screen_fit(scr, y, 1, LABEL_W, ROLE_NORMAL, label, VM_LEFT);
	vm_kpi_bar(bar, sizeof bar, v, max, w, vm->ascii);
	vm_screen_put(scr, y, 1 + LABEL_W + 1, role, bar);
	vm_screen_put(scr, y, 1 + LABEL_W + 1 + w + 1, ROLE_NORMAL, shown);
}

void
vm_kpi_render(struct vm_kpi *vm, struct vm_screen *scr)
{
	const struct kpi_row *t = &vm->r.total;
	char a[80], b[32], c[32], d[32], e[32], line[VM_CELL_MAX], sp[VM_CELL_MAX];
	int64_t v[128], max;
	size_t n, i;
	int y, k, spark_w = scr->cols - 2 - LABEL_W - 1 - 14;

	title(vm, scr);
	if (!vm->loaded) {
		vm_screen_fit(scr, 2, 1, scr->cols - 2, ROLE_WARN, "No figures", VM_LEFT);
		goto bottom;
	}
	pct(a, sizeof a, t->otif, t->shipped);
	pct(b, sizeof b, t->cancels, t->orders);
	pct(c, sizeof c, t->returned, t->delivered);
	money(d, sizeof d, t->cost_n ? t->cost / t->cost_n : 0);
	money(e, sizeof e, t->profit);
	snprintf(line, sizeof line, "Orders %" PRId64 "  OTIF %s  Cancel %s  Return %s",
	    t->orders, a, b, c);
	vm_screen_fit(scr, 2, 1, scr->cols - 2, ROLE_NORMAL, line, VM_LEFT);
	snprintf(line, sizeof line, "Cost/order %s  Gross profit %s", d, e);
	vm_screen_fit(scr, 3, 1, scr->cols - 2, ROLE_NORMAL, line, VM_LEFT);
	hours(a, sizeof a, t->lead_s[KPI_PAID_PACKED], t->lead_n[KPI_PAID_PACKED]);
	hours(b, sizeof b, t->lead_s[KPI_PACKED_HANDED], t->lead_n[KPI_PACKED_HANDED]);
	hours(c, sizeof c, t->lead_s[KPI_HANDED_DELIVERED], t->lead_n[KPI_HANDED_DELIVERED]);
	snprintf(line, sizeof line, "Lead time: paid %s packed %s handed over %s delivered",
	    a, b, c);
	vm_screen_fit(scr, 4, 1, scr->cols - 2, ROLE_NORMAL, line, VM_LEFT);

	/* Sparklines: the last days that fit. */
	if (spark_w > (int)NELEM(v))
		spark_w = (int)NELEM(v);
	for (k = 0; k < 3; k++) {
		static const char *const labels[] = { "Orders/day", "OTIF %/day", "Cancel %/day" };

		n = series(vm, k, v, NELEM(v));
		i = n > (size_t)spark_w ? n - (size_t)spark_w : 0;
		vm_kpi_spark(sp, sizeof sp, v + i, n - i, vm->ascii);
		for (max = 0; i < n; i++)
			max = v[i] > max ? v[i] : max;
		vm_screen_fit(scr, 6 + k, 1, LABEL_W, ROLE_COLHEAD, labels[k], VM_LEFT);
		vm_screen_put(scr, 6 + k, 1 + LABEL_W + 1, k == 2 ? ROLE_SLA_SOON : ROLE_DONE, sp);
		if (k == 0)
			snprintf(line, sizeof line, "max %" PRId64, max);
		else
			snprintf(line, sizeof line, "max %" PRId64 ".%" PRId64 "%%", max / 10,
			    max % 10);
		vm_screen_put(scr, 6 + k, 1 + LABEL_W + 1 + spark_w + 1, ROLE_NORMAL, line);
	}

	y = 10;
	vm_screen_fit(scr, y++, 1, scr->cols - 2, ROLE_COLHEAD, "Cancels by cause", VM_LEFT);
	for (max = 0, k = 0; k < KPI__CAUSES; k++)
		max = t->cause[k] > max ? t->cause[k] : max;
	for (k = 0; k < KPI__CAUSES; k++) {
		static const char *const names[] = { "out of stock", "buyer", "seller",
		    "failed delivery" };

		snprintf(a, sizeof a, "%" PRId64, t->cause[k]);
		bar_row(vm, scr, y++, names[k], t->cause[k], max, a, ROLE_SLA_OVERDUE);
	}

	y++;
	if (y + 1 < scr->rows - 2) {
		vm_screen_fit(scr, y++, 1, scr->cols - 2, ROLE_COLHEAD,
		    "Parcels per hour by packer (lock rate)", VM_LEFT);
		for (max = 0, i = 0; i < vm->r.npackers; i++) {
			int64_t pph = vm->r.packers[i].hours ? vm->r.packers[i].parcels * 10 /
			    vm->r.packers[i].hours : 0;

			max = pph > max ? pph : max;
		}
		for (i = 0; i < vm->r.npackers && y < scr->rows - 2; i++) {
			const struct kpi_packer *p = &vm->r.packers[i];
			int64_t pph = p->hours ? p->parcels * 10 / p->hours : 0;

			pct(b, sizeof b, p->locks, p->parcels);
			snprintf(a, sizeof a, "%" PRId64 ".%" PRId64 " (%s)", pph / 10, pph % 10, b);
			bar_row(vm, scr, y++, p->user[0] ? p->user : "?", pph, max, a, ROLE_DONE);
		}
	}
	if (y + 2 < scr->rows - 2 && vm->r.nprovinces > 0) {
		y++;
		vm_screen_fit(scr, y++, 1, scr->cols - 2, ROLE_COLHEAD,
		    "COD refusals by province", VM_LEFT);
		for (i = 0; i < vm->r.nprovinces && y < scr->rows - 2; i++) {
			const struct kpi_province *p = &vm->r.provinces[i];

			pct(b, sizeof b, p->refused, p->cod_shipped);
			snprintf(a, sizeof a, "%" PRId64 "/%" PRId64 " %s", p->refused,
			    p->cod_shipped, b);
			bar_row(vm, scr, y++, p->province, p->refused * 1000 / (p->cod_shipped ?
			    p->cod_shipped : 1), 1000, a, ROLE_SLA_SOON);
		}
	}
bottom:
	if (vm->msg[0] != '\0')
		vm_screen_fit(scr, scr->rows - 2, 1, scr->cols - 2, vm->msg_role, vm->msg, VM_LEFT);
	vm_keys_legend(scr, scr->rows - 1, keys, (int)NELEM(keys));
	if (vm->help)
		vm_keys_panel(scr, "Keys: KPIs", keys, (int)NELEM(keys));
}

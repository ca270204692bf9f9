/*
 * vm_kpi.h — the KPI screen without curses (supervisor and admin): the headline KPIs of
 * the last N days (core/kpi.h), sparklines of orders, OTIF and cancel rate per day, and
 * bar charts of cancels by cause, parcels per hour by packer and COD refusals by
 * province. Drawn with block elements (▁▂▃▄▅▆▇█) when the terminal's locale is UTF-8,
 * else with plain ASCII (" .:-=+*#" and '#'). The figures are read again every minute
 * and on `r`. Key handlers return VM_* flags.
 */
#ifndef PB_VM_KPI_H
#define PB_VM_KPI_H

#include <stddef.h>
#include <stdint.h>

#include "core/kpi.h"
#include "core/session.h"
#include "vm_screen.h"

struct vm_kpi {
	struct session *op;
	int64_t now, tz_offset, loaded_at;
	int days;                   /* the period: 7, 14, 30 or 90 days to today */
	int ascii;                  /* 1: no block elements */
	int loaded;
	struct kpi_report r;        /* by day */
	int help;
	char msg[600];
	enum theme_role msg_role;
};

void vm_kpi_init(struct vm_kpi *vm, struct session *op, int64_t now, int64_t tz_offset);
void vm_kpi_free(struct vm_kpi *vm);
/* Compute the KPIs again; 0 or negative (msg says why). */
int vm_kpi_reload(struct vm_kpi *vm);
/* Move the clock; reads again once a minute. VM_REDRAW when it did. */
int vm_kpi_tick(struct vm_kpi *vm, int64_t now);
/* '+'/'-' (or Right/Left) the period, 'r' read again, Tab, Esc, '?'. */
int vm_kpi_key(struct vm_kpi *vm, int key);
void vm_kpi_render(struct vm_kpi *vm, struct vm_screen *scr);

/* A sparkline of n values (scaled from 0 to their maximum) into buf: one character a
 * value, block elements or ASCII. */
void vm_kpi_spark(char *buf, size_t len, const int64_t *v, size_t n, int ascii);
/* A bar of value / max over width columns (eighths of a column in UTF-8). */
void vm_kpi_bar(char *buf, size_t len, int64_t value, int64_t max, int width, int ascii);
/* 1 when LC_ALL, else LC_CTYPE, else LANG names UTF-8. */
int vm_kpi_utf8_env(void);

#endif

/*
 * vm_keys.h — a screen's keys as one table: the legend on its bottom row is drawn from
 * it (short labels, dropped from the end when the row is full) and `?` opens a panel
 * listing every key with what it does, so the two never disagree. No curses.
 */
#ifndef PB_VM_KEYS_H
#define PB_VM_KEYS_H

#include "vm_screen.h"

struct vm_key_help {
	const char *key;            /* as shown: "Enter", "h", "Tab" */
	const char *label;          /* short, for the legend; NULL: only in the help */
	const char *help;           /* one line for the `?` panel */
};

/* The legend on row y from the keys with a label. */
void vm_keys_legend(struct vm_screen *scr, int y, const struct vm_key_help *k, int n);
/* The `?` panel: title and every key, centred over what is on screen. */
void vm_keys_panel(struct vm_screen *scr, const char *title, const struct vm_key_help *k,
    int n);
/* A centred panel of n lines under a title (pickers and help share it); returns the
 * first row and column of its body in *y0, *x0 and its inner width. */
int vm_keys_box(struct vm_screen *scr, const char *title, int n, int width, int *y0,
    int *x0);
/* Seconds to ship-by as a short text: "-1h05", "0h42", "3d02", "" when no deadline. */
void vm_keys_left(char *buf, unsigned len, int64_t ship_by, int64_t now);

#endif

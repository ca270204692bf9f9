/*
 * vm_keys.h — a screen's keys as one table: the legend on its bottom row is drawn from
 * it (short labels, dropped from the end when the row is full) and `?` opens a panel
 * listing every key with what it does, so the two never disagree. No curses.
 */
#ifndef PB_VM_KEYS_H
#define PB_VM_KEYS_H

#include <stddef.h>

#include "core/session.h"
#include "vm_screen.h"

struct vm_key_help {
	const char *key;            /* as shown: "Enter", "h", "Tab" */
	const char *label;          /* short, for the legend; NULL: only in the help */
	const char *help;           /* one line for the `?` panel */
};

/* Up to max warehouse codes, read once for a screen's warehouse filter: the count
 * (0 when the database cannot say). */
int vm_keys_warehouses(struct session *op, char (*codes)[32], int max);
/* The legend on row y from the keys with a label. */
void vm_keys_legend(struct vm_screen *scr, int y, const struct vm_key_help *k, int n);
/* The keys that go to other screens (Ctrl+letter, one line of text, wrapped), listed
 * under every `?` panel; "" for none. Set by the main loop at log-in. */
void vm_keys_nav(const char *text);
/* The `?` panel: title and every key, centred over what is on screen, then the keys to
 * the other screens. */
void vm_keys_panel(struct vm_screen *scr, const char *title, const struct vm_key_help *k,
    int n);
/* A centred panel of n lines under a title (pickers and help share it); returns the
 * first row and column of its body in *y0, *x0 and its inner width. */
int vm_keys_box(struct vm_screen *scr, const char *title, int n, int width, int *y0,
    int *x0);
/* A picker: vm_keys_box of title listing the n items numbered from 1, item pick
 * highlighted, and foot (what the keys do) on its last line. */
void vm_keys_pick(struct vm_screen *scr, const char *title, int width,
    const char *const *items, int n, int pick, const char *foot);
/* The list keys vm_keys_move knows, to combine: Up/Down (also k j), PgUp/PgDn by
 * VM_KEYS_PAGE rows, Home, End. */
enum {
	VM_MOVE_STEP = 1,
	VM_MOVE_PAGE = 2,
	VM_MOVE_HOME = 4,
	VM_MOVE_END = 8,
	VM_MOVE_ALL = 15,
};
#define VM_KEYS_PAGE 10
/* Moves *sel over a list of n rows when key is one of `moves`; 1 when it was (the
 * screen needs a redraw), 0 when the key is not a list key. */
int vm_keys_move(size_t *sel, size_t n, int key, int moves);
/* Scrolls *top so that row sel stands on a page of `page` rows; returns the page, at
 * least one row. */
int vm_keys_scroll(size_t *top, size_t sel, int page);
/* Keeps *sel inside a list of n rows after a reload: on the last row when past it. */
void vm_keys_clamp(size_t *sel, size_t n);
/* The `?` panel's keys: closes an open panel on any key, opens it on `?` or F1; 1 when
 * the key was spent on that. */
int vm_keys_help(int *help, int key);
/* A screen's message line: fmt printed into msg (len bytes), shown in role. */
void vm_keys_msg(char *msg, size_t len, enum theme_role *msg_role, enum theme_role role,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* vm_keys_msg for a view-model with `char msg[]` and `msg_role` members. */
#define VM_MSG(vm, role, ...) \
	vm_keys_msg((vm)->msg, sizeof (vm)->msg, &(vm)->msg_role, (role), __VA_ARGS__)
/* Seconds to ship-by as a short text: "-1h05", "0h42", "3d02", "" when no deadline. */
void vm_keys_left(char *buf, unsigned len, int64_t ship_by, int64_t now);

#endif

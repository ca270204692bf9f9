/*
 * vm_orders.h — the order list screen without curses: order_list() rows become display
 * lines fitted to the terminal width (measured in display columns, so Vietnamese text
 * with diacritics lines up) and tagged with a colour role; the model also holds the
 * selection, scroll position, status filter, search text and the open detail panel.
 * Key handlers return VM_* flags and never draw (htop's HandlerResult).
 *
 * Text measurement uses mbrtowc/wcwidth and so needs a UTF-8 LC_CTYPE (ui_run sets one).
 */
#ifndef PB_VM_ORDERS_H
#define PB_VM_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/order.h"
#include "theme.h"

/* Keys: a typed character is its Unicode code point; other keys are these. */
enum vm_key {
	VK_UP = 0x110000,
	VK_DOWN,
	VK_PGUP,
	VK_PGDN,
	VK_HOME,
	VK_END,
	VK_ENTER,
	VK_ESC,
	VK_BACKSPACE,
	VK_TAB,
	VK_F1,                      /* VK_F1 + n - 1 is function key n, up to F12 */
	VK_F12 = VK_F1 + 11,
	VK_LEFT,
	VK_RIGHT,
};
#define VK_F(n) (VK_F1 + (n) - 1)  /* function key n, 1 to 12 */

/* What a handler wants done (flags). */
enum {
	VM_IGNORED = 0,
	VM_HANDLED = 1,
	VM_REDRAW = 2,
	VM_DONE = 4,                /* leave the screen */
	VM_SWITCH = 8,              /* go to the station's other screen (Tab) */
	VM_LOGOUT = 16,             /* the operator logged out */
};

enum vm_col {
	VM_COL_NO,
	VM_COL_CHANNEL,
	VM_COL_STATUS,
	VM_COL_SHIPBY,
	VM_COL_COD,
	VM_COL_BUYER,
	VM_COL_PROVINCE,
	VM_COL__COUNT
};

/* Status filters besides a single enum order_status. */
enum {
	VM_FILTER_ALL = -1,
	VM_FILTER_OPEN = -2,        /* not yet shipped nor cancelled: what the floor works on */
};

#define VM_SOON_SECS (4 * 3600)
#define VM_LINE_MAX 4096

/*
 * A piece of the title or footer line. The left group starts at column 1, the right
 * group ends one column before the edge; gap spaces follow each piece.
 */
struct vm_seg {
	char text[192];
	enum theme_role role;
	int right;                  /* 1: belongs to the right-aligned group */
	int gap;
};

/* A line of the detail panel, already fitted to the panel width. */
struct vm_line {
	char text[VM_LINE_MAX];
	enum theme_role role;
};

struct vm_orders {
	struct session *s;          /* NULL when rows come from vm_orders_set_rows() */
	char dbname[64];
	int64_t now;
	int64_t tz_offset;          /* seconds east of UTC for absolute times */

	struct order_row *all;      /* every order, open ones first by ship-by */
	char **fold;                /* per row: folded "order_no\nbuyer" for search */
	size_t nall;
	size_t *vis;                /* indexes into all[] passing filter and search */
	size_t nvis;
	int64_t counts[ST__COUNT];
	int64_t overdue, soon;      /* among open orders */

	size_t sel, top;
	int page;                   /* list rows on screen */
	int filter;                 /* VM_FILTER_* or an enum order_status */
	char search[128];           /* UTF-8 as typed */
	int editing;                /* the search prompt has the keyboard */

	int cols;                   /* layout width */
	int width[VM_COL__COUNT];   /* 0: column hidden */

	struct order *detail;       /* open detail panel, owned */
	int detail_top;
	char msg[160];              /* one-line notice, cleared by the next key */
	char quit_label[16];        /* what q does, for the legend: "Quit" or "Back" */
};

/* s may be NULL (tests feed rows with vm_orders_set_rows). */
void vm_orders_init(struct vm_orders *vm, struct session *s, int64_t now);
void vm_orders_free(struct vm_orders *vm);
/* Read all orders again through order_list(); keeps the selection on the same order.
 * 1 when anything changed, 0 when not, negative on error (vm->msg says why). */
int vm_orders_reload(struct vm_orders *vm);
/* Replace the rows (copied) without a database. */
void vm_orders_set_rows(struct vm_orders *vm, const struct order_row *rows, size_t n);
/* Move the clock; VM_REDRAW when something on screen changes. */
int vm_orders_tick(struct vm_orders *vm, int64_t now);
int vm_orders_key(struct vm_orders *vm, int key);
/* Open the detail panel on an order the caller loaded (vm takes ownership). */
void vm_orders_show_detail(struct vm_orders *vm, struct order *o);

/* Fix the column widths for a terminal cols wide with page list rows. */
void vm_orders_layout(struct vm_orders *vm, int cols, int page);
/* The column headings, exactly vm->cols columns wide. */
void vm_orders_heading(struct vm_orders *vm, char *buf, size_t len);
/* Visible row i (0 <= i < nvis) as one line exactly vm->cols wide; returns its role. */
enum theme_role vm_orders_line(struct vm_orders *vm, size_t i, char *buf, size_t len);
enum theme_role vm_orders_role(const struct vm_orders *vm, const struct order_row *r);
/* The selected order's id, or 0 when the list is empty. */
int64_t vm_orders_selected(const struct vm_orders *vm);
/* Title and footer pieces for a line cols wide; returns how many were written. */
int vm_orders_title(struct vm_orders *vm, struct vm_seg *segs, int max, int cols);
int vm_orders_footer(struct vm_orders *vm, struct vm_seg *segs, int max, int cols);
/* The detail panel as lines width wide; *lines owned by the caller (free()). */
size_t vm_orders_detail(struct vm_orders *vm, int width, struct vm_line **lines);

/* Text helpers, exported for the views and tests. */
/* Display columns of UTF-8 s (invalid bytes count one each). */
int vm_orders_width(const char *s);
enum vm_align { VM_LEFT, VM_RIGHT, VM_TAIL };   /* VM_TAIL: keep the end, cut the front */
/* Write s fitted to exactly width columns: padded, or cut with an ellipsis. Returns the
 * bytes written (dst always terminated). */
size_t vm_orders_fit(char *dst, size_t len, const char *s, int width, enum vm_align a);
/* A Vietnamese name fitted to width: middle names, then the family name shortened to
 * initials before anything is cut ("Nguyễn Thị Hương" -> "Nguyễn T. Hương" -> "N. T. Hương"). */
size_t vm_orders_fit_name(char *dst, size_t len, const char *name, int width);
/* Lower-case ASCII with Vietnamese diacritics removed, for search ("Hương" -> "huong"). */
void vm_orders_fold(char *dst, size_t len, const char *s);
/* 1234567 -> "1.234.567" (Vietnamese grouping). */
void vm_orders_money(char *dst, size_t len, int64_t v);
/* A channel's display name: "shopee" -> "Shopee". */
const char *vm_orders_channel(const char *ch);
/* "overdue 3h", "in 45m", "in 3h20m", "in 1d 4h"; "—" when ship_by is 0. */
void vm_orders_relative(char *dst, size_t len, int64_t ship_by, int64_t now);

#endif

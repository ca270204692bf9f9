/*
 * vm_pack.c — the packing screen's model: keys and scans become pack_*() calls, their
 * results become the message line, the bell, labels printed through the app's callback
 * and the simulated scale (or a real scale's stable reading, when the flow waits for a
 * weight); vm_pack_render() lays out whatever the flow is in (scan an order, scan items,
 * weigh, ready, a lock, a pick list) for the terminal's size.
 *
 * Layout (full, 80x24; extra rows go to the order lines, extra columns to the names):
 *   0        status line: station, operator, scale, scanner, printer, sync, "DB lost N×"
 *            (PostgreSQL connection re-opened), clock
 *   1-2      order, channel and shop, ship-by countdown; buyer, province, COD
 *   3        column headings                              | UNITS LEFT
 *   4..r-10  order lines (done dimmed, last scanned lit)  | large digits
 *   r-9,r-8  package and box; expected weight against the scale
 *   r-6      the last message
 *   r-4      the scan line
 *   r-2,r-1  the key legend
 * The compact layout keeps the order, the units left, the lines that fit, the weight,
 * the message, the scan line and a one-row legend of the keys that apply now.
 */
#include "vm_pack.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alerts.h"
#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/merge.h"
#include "core/order.h"
#include "core/sku.h"
#include "core/xalloc.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])
#define GS 0x1d
#define GS_SHOWN "␝"

/* Report a problem (F5): the order goes on hold with one of these; the last is typed. */
static const char *const hold_reasons[] = {
	"damaged", "missing stock", "wrong label", "other",
};

/* Why a supervisor accepts a weight outside tolerance; or a reason typed. */
static const char *const override_reasons[] = {
	"scale needs calibrating", "packaging heavier than the box tare",
	"SKU weight wrong in the master",
};

static const char *const lock_titles[] = {
	[PACK_LOCK_NONE] = "",
	[PACK_LOCK_ORDER] = "ORDER CANNOT BE PACKED",
	[PACK_LOCK_WAREHOUSE] = "NOT PACKABLE HERE",
	[PACK_LOCK_BUSY] = "BUSY AT ANOTHER STATION",
	[PACK_LOCK_UNKNOWN] = "UNKNOWN BARCODE",
	[PACK_LOCK_NOT_IN_ORDER] = "WRONG ITEM",
	[PACK_LOCK_OVERSCAN] = "ONE TOO MANY",
	[PACK_LOCK_SHELF_LIFE] = "EXPIRES TOO SOON",
	[PACK_LOCK_WEIGHT] = "WRONG WEIGHT",
	[PACK_LOCK_WRONG_LOT] = "WRONG LOT",
};

/* 3x5 pixel digits; a pixel is two columns so the digits are about square. */
static const char *const big_font[10][VM_BIG_ROWS] = {
	{ "###", "# #", "# #", "# #", "###" },
	{ " # ", "## ", " # ", " # ", "###" },
	{ "###", "  #", "###", "#  ", "###" },
	{ "###", "  #", "###", "  #", "###" },
	{ "# #", "# #", "###", "  #", "  #" },
	{ "###", "#  ", "###", "  #", "###" },
	{ "###", "#  ", "###", "# #", "###" },
	{ "###", "  #", "  #", "  #", "  #" },
	{ "###", "# #", "###", "# #", "###" },
	{ "###", "# #", "###", "  #", "###" },
};

int
vm_pack_big(int64_t n, char rows[VM_BIG_ROWS][256])
{
	char digits[24];
	size_t nd, i, j, used[VM_BIG_ROWS] = { 0 };
	int y;

	snprintf(digits, sizeof digits, "%" PRId64, n < 0 ? 0 : n);
	nd = strlen(digits);
	for (y = 0; y < VM_BIG_ROWS; y++)
		rows[y][0] = '\0';
	for (i = 0; i < nd; i++) {
		const char *const *g = big_font[digits[i] - '0'];

		for (y = 0; y < VM_BIG_ROWS; y++) {
			for (j = 0; j < 3 + (i + 1 < nd); j++) {
				/* "██" is 6 bytes; the gap after a digit is two blanks */
				const char *px = j < 3 && g[y][j] == '#' ? "██" : "  ";
				size_t k = strlen(px);

				if (used[y] + k + 1 > 256)
					break;
				memcpy(rows[y] + used[y], px, k);
				used[y] += k;
				rows[y][used[y]] = '\0';
			}
		}
	}
	return (int)(nd * 8 - 2);
}

void
vm_pack_grams(char *dst, size_t len, int64_t g)
{
	char num[32];

	vm_orders_money(num, sizeof num, g);
	snprintf(dst, len, "%s g", num);
}

/* ---- state ---- */

/* The next number of the simulated scale's noise (xorshift64). */
static uint64_t
rng_next(struct vm_pack *vm)
{
	uint64_t x = vm->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	vm->rng = x;
	return x;
}

void
vm_pack_hints(struct vm_pack *vm)
{
	struct order_filter f;
	struct order_row *rows = NULL;
	size_t n = 0, i;

	vm->nhints = 0;
	if (!vm->o.demo)
		return;
	memset(&f, 0, sizeof f);
	/* What this station may claim: allocated here (most are, at confirmation), or
	 * confirmed and not allocated yet. */
	f.status = -1;
	f.status_mask = 1u << ST_CONFIRMED | 1u << ST_ALLOCATED;
	f.warehouse_id = vm->p.cfg.warehouse_id;
	f.sort_ship_by = 1;
	f.limit = VM_PACK_HINTS;
	if (order_list(vm->p.s, &f, &rows, &n) != 0) {
		free(rows);
		return;
	}
	for (i = 0; i < n && vm->nhints < VM_PACK_HINTS; i++)
		snprintf(vm->hints[vm->nhints++], sizeof vm->hints[0], "%s", rows[i].order_no);
	free(rows);
}

void
vm_pack_init(struct vm_pack *vm, struct session *s, const struct pack_config *cfg,
    const struct vm_pack_opts *o, int64_t now)
{
	memset(vm, 0, sizeof *vm);
	pack_init(&vm->p, s, cfg);
	if (o != NULL)
		vm->o = *o;
	vm->now = now;
	vm->last_line = -1;
	vm->scale_g = -1;
	vm->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)now;
	vm->msg_role = ROLE_NORMAL;
	vm_pack_hints(vm);
	vm_pack_alerts(vm, now);
}

void
vm_pack_free(struct vm_pack *vm)
{
	pack_free(&vm->p);
}

int
vm_pack_bell(struct vm_pack *vm)
{
	int b = vm->bell;

	vm->bell = 0;
	return b;
}

int
vm_pack_tick(struct vm_pack *vm, int64_t now)
{
	int64_t old = vm->now;
	int r = vm_pack_watch(vm);

	vm->now = now;
	if (now - vm->alert_at >= VM_PACK_ALERT_SECS)
		r |= vm_pack_alerts(vm, now);
	return r | (now / 60 != old / 60 ? VM_REDRAW : 0);
}

int
vm_pack_alerts(struct vm_pack *vm, int64_t now)
{
	struct alerts a;
	char line[sizeof vm->alert];

	vm->alert_at = now;
	if (alerts_read(vm->p.s, vm->p.cfg.warehouse_id, now, &a) != 0)
		return 0;
	alerts_line(&a, line, sizeof line);
	if (strcmp(line, vm->alert) == 0)
		return 0;
	memcpy(vm->alert, line, sizeof line);
	return VM_REDRAW;
}

static void
set_msg(struct vm_pack *vm, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_msg(struct vm_pack *vm, enum theme_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->msg, sizeof vm->msg, fmt, ap);
	va_end(ap);
	vm->msg_role = role;
}

static void merge_offer(struct vm_pack *vm);

/* ---- an order cancelled under the packer ---- */

/* One audit record about the open order, in a transaction of its own. */
static void
cancel_audit(struct vm_pack *vm, const char *action, const char *after)
{
	struct session *s = vm->p.s;

	if (db_begin(s->db) != 0)
		return;
	if (audit_log(s, "order", vm->p.order_id, action, "", after) != 0 ||
	    db_commit(s->db) != 0)
		db_rollback(s->db);
}

/* Who cancelled the open order: its last transition's author among the newest audit
 * records ("system" is the marketplace sync: the buyer). */
static void
cancel_author(struct vm_pack *vm)
{
	struct db_stmt *st;
	const char *who = "system";

	st = db_prep(vm->p.s->db, "SELECT user_name FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'transition' AND id > (SELECT coalesce(max(id), 0) - "
	    "10000 FROM audit) ORDER BY id DESC LIMIT 1");
	if (st != NULL) {
		db_bind_int(st, 1, vm->p.order_id);
		if (db_step(st) == DB_ROW)
			who = db_col_text(st, 0);
	}
	snprintf(vm->cancel_by, sizeof vm->cancel_by, "%s", strcmp(who, "system") == 0 ?
	    "buyer" : who);
	if (st != NULL)
		db_done(st);
}

/* Lock the station on the cancelled open order; whatever else was open is dropped. */
static void
cancel_lock(struct vm_pack *vm)
{
	char after[160], who[96];

	cancel_author(vm);
	vm->cancelled = 1;
	vm->mode = VP_MAIN;
	vm->input[0] = '\0';
	vm->pending = 0;
	explicit_bzero(vm->badge, sizeof vm->badge);
	vm->p.lock = PACK_LOCK_ORDER;
	if (strcmp(vm->cancel_by, "buyer") == 0)
		snprintf(who, sizeof who, "the buyer on %s", vm_orders_channel(vm->p.channel));
	else
		snprintf(who, sizeof who, "%s", vm->cancel_by);
	snprintf(vm->p.lock_msg, sizeof vm->p.lock_msg, "order %s was cancelled by %s while "
	    "being packed: do not label or ship it; put its items back", vm->p.order_no, who);
	set_msg(vm, ROLE_ERROR_LOCK, "%s", vm->p.lock_msg);
	snprintf(after, sizeof after, "{\"lock\":\"cancelled\",\"by\":\"%s\"}",
	    strcmp(vm->cancel_by, "buyer") == 0 ? "buyer" : "operator");
	cancel_audit(vm, "lock", after);
	vm->bell = 1;
}

int
vm_pack_watch(struct vm_pack *vm)
{
	struct db *db = vm->p.s->db;
	struct db_stmt *st;
	int64_t dv = -1;
	uint64_t tx = db_tx_serial(db);
	int gone = 0;

	if (vm->p.order_id == 0 || vm->cancelled)
		return 0;
	if (db_int(db, &dv, "PRAGMA data_version", "") != 0)
		dv = -1;
	if (vm->watch_id == vm->p.order_id && dv >= 0 && dv == vm->watch_dv &&
	    tx == vm->watch_tx)
		return 0;
	vm->watch_id = vm->p.order_id;
	vm->watch_dv = dv;
	vm->watch_tx = tx;
	if ((st = db_prep(db, "SELECT status FROM orders WHERE id = ?")) == NULL)
		return 0;
	db_bind_int(st, 1, vm->p.order_id);
	if (db_step(st) == DB_ROW)
		gone = strcmp(db_col_text(st, 0), order_status_name(ST_CANCELLED)) == 0;
	db_done(st);
	if (!gone)
		return 0;
	cancel_lock(vm);
	return VM_REDRAW;
}

/* The packer saw it: the order is closed at this station (it stays CANCELLED). */
static int
cancel_ack(struct vm_pack *vm)
{
	struct pack_config cfg = vm->p.cfg;
	struct session *s = vm->p.s;
	int64_t last = vm->p.last_order_id;
	char summary[sizeof vm->p.last_summary], no[sizeof vm->p.order_no];

	cancel_audit(vm, "ack", "{\"lock\":\"cancelled\"}");
	memcpy(summary, vm->p.last_summary, sizeof summary);
	memcpy(no, vm->p.order_no, sizeof no);
	pack_free(&vm->p);
	pack_init(&vm->p, s, &cfg);
	vm->p.last_order_id = last;
	memcpy(vm->p.last_summary, summary, sizeof summary);
	vm->cancelled = 0;
	vm->last_line = -1;
	vm->line_top = 0;
	vm->scale_g = -1;
	set_msg(vm, ROLE_WARN, "order %s closed (cancelled by %s); scan the next order", no,
	    vm->cancel_by);
	vm_pack_hints(vm);
	return VM_HANDLED | VM_REDRAW;
}

/* Print through the app; say how it went after the result's message. */
static void
print_labels(struct vm_pack *vm, int reprint)
{
	char err[200];
	size_t n = strlen(vm->msg);

	if (vm->p.last_order_id == 0)
		return;
	if (vm->o.io.print == NULL) {
		snprintf(vm->msg + n, sizeof vm->msg - n, "; no printer configured");
		vm->msg_role = ROLE_WARN;
		return;
	}
	err[0] = '\0';
	if (vm->o.io.print(vm->o.io.arg, vm->p.last_order_id, reprint, err, sizeof err) != 0) {
		snprintf(vm->msg + n, sizeof vm->msg - n, "; label NOT printed: %s (F4 reprints)",
		    err[0] ? err : "printer error");
		vm->msg_role = ROLE_WARN;
		return;
	}
	if (!reprint)
		snprintf(vm->msg + n, sizeof vm->msg - n, "; label printed");
}

/*
 * Take in what a pack_*() call did. before: the lines' scanned counts before the call
 * (for the line to light up), of order before_id.
 */
static int
apply(struct vm_pack *vm, const struct pack_result *r, int64_t before_id,
    const int64_t *before, size_t nbefore)
{
	size_t i;
	int flags = VM_HANDLED | VM_REDRAW;

	switch (r->outcome) {
	case PACK_OK:
		set_msg(vm, ROLE_MESSAGE, "%s", r->message);
		break;
	case PACK_PACKED:
		set_msg(vm, ROLE_MESSAGE, "%s", r->message);
		break;
	case PACK_ERROR:
		set_msg(vm, ROLE_WARN, "%s", r->message);
		break;
	case PACK_LOCKED:
		set_msg(vm, ROLE_ERROR_LOCK, "%s", r->message);
		vm->bell = 1;
		break;
	}
	if (vm->p.order_id != before_id) {
		vm->last_line = -1;
		vm->line_top = 0;
		vm->scale_g = -1;
		vm->badge[0] = '\0';
		if (r->outcome == PACK_OK)
			merge_offer(vm);
	} else if (before != NULL && r->outcome == PACK_OK) {
		for (i = 0; i < vm->p.nlines && i < nbefore; i++) {
			if (vm->p.lines[i].scanned > before[i]) {
				vm->last_line = (int)i;
				vm->follow = 1;
			}
		}
	}
	switch (r->action) {
	case PACK_ACT_PRINT:
		print_labels(vm, 0);
		break;
	case PACK_ACT_REPRINT:
		print_labels(vm, 1);
		break;
	case PACK_ACT_LOGOUT:
		flags |= VM_LOGOUT;
		break;
	case PACK_ACT_NONE:
		break;
	}
	if (vm->p.order_id == 0 && before_id != 0)
		vm_pack_hints(vm);
	return flags;
}

/* ---- merging orders of one buyer into one parcel (core/merge.h) ---- */

/* The open order has others of the same buyer and address: say so after the message. */
static void
merge_offer(struct vm_pack *vm)
{
	int64_t *ids = NULL;
	size_t n = 0, len;
	char no[64] = "";
	struct db_stmt *st;

	if (vm->p.order_id == 0 || merge_candidates(vm->p.s, vm->p.order_id, &ids, &n) != 0 ||
	    n == 0) {
		free(ids);
		return;
	}
	if ((st = db_prep(vm->p.s->db, "SELECT order_no FROM orders WHERE id = ?")) != NULL) {
		db_bind_int(st, 1, ids[0]);
		if (db_step(st) == DB_ROW)
			snprintf(no, sizeof no, "%s", db_col_text(st, 0));
		db_done(st);
	}
	len = strlen(vm->msg);
	snprintf(vm->msg + len, sizeof vm->msg - len, " | SAME BUYER: order %s%s open "
	    "(CMD:MERGE = one parcel)", no, n > 1 ? " and more" : "");
	free(ids);
}

/* The call kinds run() makes, so the before/after bookkeeping is written once. */
enum call {
	CALL_INPUT,
	CALL_BOX,
	CALL_WEIGHT,
	CALL_ACK,
	CALL_CONFIRM,
	CALL_NEWPKG,
	CALL_HOLD,
	CALL_CANCEL,
	CALL_OVERRIDE,
};

static int
run(struct vm_pack *vm, enum call c, const char *text, int64_t n)
{
	struct pack_result r;
	int64_t before_id = vm->p.order_id, *before = NULL;
	size_t nbefore = vm->p.nlines, i;
	int flags;

	/* A cancelled order takes nothing but an acknowledge (and log-out); input that
	 * arrives just after the cancel is dropped for the lock. */
	if (!vm->cancelled && vm_pack_watch(vm) != 0 &&
	    !(c == CALL_INPUT && strcasecmp(text, "CMD:LOGOUT") == 0))
		return VM_HANDLED | VM_REDRAW;
	if (vm->cancelled && (c == CALL_ACK || (c == CALL_INPUT &&
	    strcasecmp(text, "CMD:ACK") == 0)))
		return cancel_ack(vm);
	if (nbefore > 0) {
		before = xcalloc(nbefore, sizeof *before);
		for (i = 0; i < nbefore; i++)
			before[i] = vm->p.lines[i].scanned;
	}
	memset(&r, 0, sizeof r);
	switch (c) {
	case CALL_INPUT:
		pack_input(&vm->p, text, &r);
		break;
	case CALL_BOX:
		pack_box(&vm->p, (int)n, &r);
		break;
	case CALL_WEIGHT:
		pack_weight(&vm->p, n, &r);
		break;
	case CALL_ACK:
		pack_ack(&vm->p, &r);
		break;
	case CALL_CONFIRM:
		pack_confirm(&vm->p, &r);
		break;
	case CALL_NEWPKG:
		pack_new_package(&vm->p, &r);
		break;
	case CALL_HOLD:
		pack_hold(&vm->p, text, &r);
		break;
	case CALL_CANCEL:
		pack_cancel(&vm->p, &r);
		break;
	case CALL_OVERRIDE:
		pack_override(&vm->p, vm->badge, text, &r);
		explicit_bzero(vm->badge, sizeof vm->badge);
		vm->mode = VP_MAIN;
		break;
	}
	flags = apply(vm, &r, before_id, before, nbefore);
	free(before);
	return flags;
}

/* ---- keys ---- */

static int
is_text(int key)
{
	return key == GS || (key >= 0x20 && key != 0x7F && key < 0x110000);
}

static void
input_add(struct vm_pack *vm, int key)
{
	char enc[4];
	size_t n = strlen(vm->input), k;
	long c = key;

	if (c < 0x80) {
		enc[0] = (char)c;
		k = 1;
	} else if (c < 0x800) {
		enc[0] = (char)(0xC0 | (c >> 6));
		enc[1] = (char)(0x80 | (c & 0x3F));
		k = 2;
	} else if (c < 0x10000) {
		enc[0] = (char)(0xE0 | (c >> 12));
		enc[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		enc[2] = (char)(0x80 | (c & 0x3F));
		k = 3;
	} else {
		enc[0] = (char)(0xF0 | (c >> 18));
		enc[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		enc[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		enc[3] = (char)(0x80 | (c & 0x3F));
		k = 4;
	}
	if (n + k >= sizeof vm->input)
		return;
	memcpy(vm->input + n, enc, k);
	vm->input[n + k] = '\0';
}

static void
input_backspace(struct vm_pack *vm)
{
	size_t n = strlen(vm->input);

	while (n > 0 && ((unsigned char)vm->input[n - 1] & 0xC0) == 0x80)
		n--;
	if (n > 0)
		n--;
	vm->input[n] = '\0';
}

static int
order_open(const struct vm_pack *vm)
{
	return vm->p.order_id != 0;
}

static int
locked(const struct vm_pack *vm)
{
	return vm->p.lock != PACK_LOCK_NONE;
}

/* Boxes can be picked: an order open and nothing locked. */
static int
can_box(const struct vm_pack *vm)
{
	return order_open(vm) && !locked(vm);
}

static int
box_digit(const struct vm_pack *vm, const char *s)
{
	int n;

	pack_boxes(&vm->p, &n);
	if (s[0] >= '1' && s[0] <= '9' && s[1] == '\0' && s[0] - '1' < n)
		return s[0] - '1';
	return -1;
}

/* A weight lock takes a supervisor's badge: a scan that is no command and no product
 * (a GTIN with a right check digit, a GS1 element string); those go to the flow, which
 * refuses them while locked. */
static int
is_badge(const char *s)
{
	return strncasecmp(s, "CMD:", 4) != 0 && strncasecmp(s, "OVERRIDE", 8) != 0 &&
	    strchr(s, ' ') == NULL && strchr(s, GS) == NULL && s[0] != ']' && s[0] != '(' &&
	    gtin_check(s) != 1;
}

/* Enter on what was typed or scanned. */
static int
submit(struct vm_pack *vm)
{
	char text[sizeof vm->input];
	int b;

	snprintf(text, sizeof text, "%s", vm->input);
	vm->input[0] = '\0';
	vm->pending = 0;
	if (vm->p.lock == PACK_LOCK_WEIGHT && is_badge(text)) {
		snprintf(vm->badge, sizeof vm->badge, "%.*s", (int)sizeof vm->badge - 1, text);
		vm->mode = VP_OVERRIDE;
		set_msg(vm, ROLE_PROMPT, "badge read: the reason for accepting this weight?");
		return VM_HANDLED | VM_REDRAW;
	}
	if (can_box(vm) && (b = box_digit(vm, text)) >= 0)
		return run(vm, CALL_BOX, NULL, b);
	return run(vm, CALL_INPUT, text, 0);
}

/* Enter with nothing typed: acknowledge a lock, else confirm. */
static int
enter_empty(struct vm_pack *vm)
{
	if (locked(vm))
		return run(vm, CALL_ACK, NULL, 0);
	if (order_open(vm))
		return run(vm, CALL_CONFIRM, NULL, 0);
	set_msg(vm, ROLE_WARN, "scan an order first");
	return VM_HANDLED | VM_REDRAW;
}

/* The real device of this role the app told about, or NULL. */
static const struct vm_pack_dev *
dev_of(const struct vm_pack *vm, const char *role)
{
	int i;

	for (i = 0; i < vm->ndevs; i++) {
		if (strcmp(vm->devs[i].role, role) == 0)
			return &vm->devs[i];
	}
	return NULL;
}

/* F6 with a real scale: weigh with its last stable reading (never one in motion). */
static int
weigh_live(struct vm_pack *vm)
{
	const struct vm_pack_dev *d = dev_of(vm, "scale");

	if (d != NULL && d->bad) {
		set_msg(vm, ROLE_WARN, "the scale is %s: no weight to take", d->state);
		return VM_HANDLED | VM_REDRAW;
	}
	if (!vm->live) {
		set_msg(vm, ROLE_WARN, "no reading from the scale yet: put the parcel on it");
		return VM_HANDLED | VM_REDRAW;
	}
	if (!vm->live_final) {
		set_msg(vm, ROLE_WARN, "the scale is not steady (%s): wait for a stable reading",
		    vm->live_shown);
		return VM_HANDLED | VM_REDRAW;
	}
	return run(vm, CALL_WEIGHT, NULL, vm->live_g);
}

/* The simulated scale: the parcel goes on, the station reads it. */
static int
weigh(struct vm_pack *vm, int wrong)
{
	int64_t exp, tol, noise;
	int i;

	if (!vm->o.scale_sim && !wrong && dev_of(vm, "scale") != NULL) {
		if (order_open(vm))
			return weigh_live(vm);
		set_msg(vm, ROLE_WARN, "no order open: nothing to weigh");
		return VM_HANDLED | VM_REDRAW;
	}
	if (!vm->o.scale_sim) {
		set_msg(vm, ROLE_WARN, "the scale is not simulated: put the parcel on the scale");
		return VM_HANDLED | VM_REDRAW;
	}
	if (!order_open(vm)) {
		set_msg(vm, ROLE_WARN, "no order open: nothing to weigh");
		return VM_HANDLED | VM_REDRAW;
	}
	i = vm->p.npkgs - 1;
	exp = pack_expected_g(&vm->p, i);
	tol = pack_tolerance_g(&vm->p, exp);
	/* A little noise, well inside the tolerance: at most a third of it, up to 8 g. */
	noise = tol / 3 < 8 ? tol / 3 : 8;
	noise = noise > 0 ? (int64_t)(rng_next(vm) % (uint64_t)(2 * noise + 1)) - noise : 0;
	vm->scale_g = wrong ? exp + VM_PACK_WRONG_G : exp + noise;
	if (vm->scale_g < 1)
		vm->scale_g = 1;
	return run(vm, CALL_WEIGHT, NULL, vm->scale_g);
}

/* A pick list is open (boxes, problem reasons, override reasons). */
static int
key_pick(struct vm_pack *vm, int key)
{
	int nboxes, n = 0, i;

	pack_boxes(&vm->p, &nboxes);
	switch (vm->mode) {
	case VP_BOXES:
		n = nboxes;
		break;
	case VP_HOLD:
		n = (int)NELEM(hold_reasons);
		break;
	case VP_OVERRIDE:
		n = (int)NELEM(override_reasons);
		break;
	default:
		break;
	}
	if (key == VK_ESC || (vm->mode == VP_BOXES && key == VK_F(2)) ||
	    (vm->mode == VP_HOLD && key == VK_F(5))) {
		if (vm->mode == VP_OVERRIDE)
			set_msg(vm, ROLE_NORMAL, "override abandoned");
		vm->mode = VP_MAIN;
		vm->input[0] = '\0';
		vm->badge[0] = '\0';
		return VM_HANDLED | VM_REDRAW;
	}
	if (vm->input[0] == '\0' && key >= '1' && key < '1' + n &&
	    (vm->mode != VP_HOLD_OTHER)) {
		i = key - '1';
		switch (vm->mode) {
		case VP_BOXES:
			vm->mode = VP_MAIN;
			return run(vm, CALL_BOX, NULL, i);
		case VP_HOLD:
			if (i + 1 == n) {
				vm->mode = VP_HOLD_OTHER;
				return VM_HANDLED | VM_REDRAW;
			}
			vm->mode = VP_MAIN;
			return run(vm, CALL_HOLD, hold_reasons[i], 0);
		case VP_OVERRIDE:
			return run(vm, CALL_OVERRIDE, override_reasons[i], 0);
		default:
			break;
		}
	}
	switch (key) {
	case VK_BACKSPACE:
		input_backspace(vm);
		return VM_HANDLED | VM_REDRAW;
	case VK_ENTER:
		if (vm->input[0] == '\0')
			return VM_HANDLED;
		if (vm->mode == VP_BOXES) {
			vm->mode = VP_MAIN;
			return submit(vm);
		}
		{
			char text[sizeof vm->input];
			enum vm_pack_mode m = vm->mode;

			snprintf(text, sizeof text, "%s", vm->input);
			vm->input[0] = '\0';
			if (m == VP_OVERRIDE)
				return run(vm, CALL_OVERRIDE, text, 0);
			vm->mode = VP_MAIN;
			return run(vm, CALL_HOLD, text, 0);
		}
	default:
		break;
	}
	if (is_text(key)) {
		input_add(vm, key);
		return VM_HANDLED | VM_REDRAW;
	}
	return VM_HANDLED;
}

int
vm_pack_idle(struct vm_pack *vm)
{
	int b;

	if (!vm->pending)
		return 0;
	vm->pending = 0;
	if (!can_box(vm) || (b = box_digit(vm, vm->input)) < 0)
		return VM_REDRAW;
	vm->input[0] = '\0';
	return run(vm, CALL_BOX, NULL, b);
}

int
vm_pack_key(struct vm_pack *vm, int key)
{
	int r = 0;

	/* A digit typed alone: more text makes it a scan, anything else a box key. */
	if (vm->pending) {
		if (is_text(key))
			vm->pending = 0;
		else if (key != VK_ENTER && key != VK_BACKSPACE && key != VK_ESC)
			r = vm_pack_idle(vm);
		else
			vm->pending = 0;
	}
	if (vm->mode != VP_MAIN)
		return r | key_pick(vm, key);
	if (is_text(key)) {
		if (vm->input[0] == '\0' && can_box(vm) && key >= '1' && key <= '9') {
			char d[2] = { (char)key, '\0' };

			if (box_digit(vm, d) >= 0)
				vm->pending = 1;
		}
		input_add(vm, key);
		return r | VM_HANDLED | VM_REDRAW;
	}
	switch (key) {
	case VK_ENTER:
		if (vm->input[0] == '\0')
			return r | enter_empty(vm);
		return r | submit(vm);
	case VK_BACKSPACE:
		input_backspace(vm);
		return r | VM_HANDLED | VM_REDRAW;
	case VK_ESC:
		vm->input[0] = '\0';
		return r | VM_HANDLED | VM_REDRAW;
	case VK_UP:
	case VK_DOWN:
	case VK_PGUP:
	case VK_PGDN:
		/* By hand; the layout clamps it. The next scan follows again. */
		vm->follow = 0;
		vm->line_top += key == VK_UP ? -1 : key == VK_DOWN ? 1 : key == VK_PGUP ? -5 : 5;
		if (vm->line_top < 0)
			vm->line_top = 0;
		return r | VM_HANDLED | VM_REDRAW;
	case VK_F(1):
		if (!locked(vm))
			return r | VM_HANDLED;
		return r | run(vm, CALL_ACK, NULL, 0);
	case VK_F(10):
		vm->input[0] = '\0';
		return r | run(vm, CALL_INPUT, "CMD:LOGOUT", 0);
	case VK_TAB:
		if (locked(vm)) {
			vm->bell = 1;
			return r | VM_HANDLED;
		}
		return r | VM_HANDLED | VM_SWITCH;
	default:
		break;
	}
	if (key < VK_F1 || key > VK_F12)
		return r;
	/* Every other function key waits for the lock to be cleared. */
	if (locked(vm)) {
		vm->bell = 1;
		set_msg(vm, ROLE_ERROR_LOCK, "locked: acknowledge first (Enter or F1)");
		return r | VM_HANDLED | VM_REDRAW;
	}
	switch (key) {
	case VK_F(2):
		if (!order_open(vm))
			break;
		vm->mode = VP_BOXES;
		vm->input[0] = '\0';
		return r | VM_HANDLED | VM_REDRAW;
	case VK_F(3):
		return r | run(vm, CALL_NEWPKG, NULL, 0);
	case VK_F(4):
		return r | run(vm, CALL_INPUT, "CMD:REPRINT", 0);
	case VK_F(5):
		if (!order_open(vm))
			break;
		vm->mode = VP_HOLD;
		vm->input[0] = '\0';
		return r | VM_HANDLED | VM_REDRAW;
	case VK_F(6):
		return r | weigh(vm, 0);
	case VK_F(7):
		return r | weigh(vm, 1);
	case VK_F(8):
		return r | run(vm, CALL_CANCEL, NULL, 0);
	default:
		return r;
	}
	set_msg(vm, ROLE_WARN, "no order open: scan an order first");
	return r | VM_HANDLED | VM_REDRAW;
}

int
vm_pack_devices(struct vm_pack *vm, const struct vm_pack_dev *devs, int n)
{
	if (n > VM_PACK_DEVS)
		n = VM_PACK_DEVS;
	if (n == vm->ndevs && memcmp(devs, vm->devs, (size_t)n * sizeof *devs) == 0)
		return 0;
	memset(vm->devs, 0, sizeof vm->devs);
	memcpy(vm->devs, devs, (size_t)n * sizeof *devs);
	vm->ndevs = n;
	return VM_REDRAW;
}

int
vm_pack_reading(struct vm_pack *vm, int64_t g, int final, const char *shown, int weigh)
{
	int changed = !vm->live || vm->live_g != g || vm->live_final != final ||
	    strcmp(vm->live_shown, shown) != 0;

	vm->live = 1;
	vm->live_g = g;
	vm->live_final = final;
	snprintf(vm->live_shown, sizeof vm->live_shown, "%s", shown);
	if (weigh && final && g > 0 && pack_wants_weight(&vm->p))
		return run(vm, CALL_WEIGHT, NULL, g);
	return changed ? VM_REDRAW : 0;
}

int
vm_pack_notice(struct vm_pack *vm, int warn, const char *text)
{
	set_msg(vm, warn ? ROLE_WARN : ROLE_MESSAGE, "%s", text);
	return VM_REDRAW;
}

int
vm_pack_scan(struct vm_pack *vm, const char *text)
{
	const unsigned char *u = (const unsigned char *)text;
	int r = 0;

	/* Bytes as keys: ASCII is what a wedge scanner types. Multi-byte UTF-8 is decoded. */
	while (*u != '\0') {
		long c = *u;
		int k = 1;

		if (c >= 0xC0 && c < 0xE0 && u[1] != '\0') {
			c = ((c & 0x1F) << 6) | (u[1] & 0x3F);
			k = 2;
		} else if (c >= 0xE0 && c < 0xF0 && u[1] != '\0' && u[2] != '\0') {
			c = ((c & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
			k = 3;
		}
		r |= vm_pack_key(vm, (int)c);
		u += k;
	}
	return r | vm_pack_key(vm, VK_ENTER);
}

/* ---- layout ---- */

/* Large letters for the lock screen; digits come from big_font. */
static const struct {
	char c;
	const char *rows[VM_BIG_ROWS];
} big_letters[] = {
	{ 'S', { "###", "#  ", "###", "  #", "###" } },
	{ 'T', { "###", " # ", " # ", " # ", " # " } },
	{ 'O', { "###", "# #", "# #", "# #", "###" } },
	{ 'P', { "###", "# #", "###", "#  ", "#  " } },
};

/* "STOP" in large letters, like vm_pack_big(); returns the columns used. */
static int
big_stop(char rows[VM_BIG_ROWS][256])
{
	const char *word = "STOP";
	size_t i, j, k, used[VM_BIG_ROWS] = { 0 };
	int y;

	for (y = 0; y < VM_BIG_ROWS; y++)
		rows[y][0] = '\0';
	for (i = 0; word[i] != '\0'; i++) {
		for (k = 0; k < NELEM(big_letters) && big_letters[k].c != word[i]; k++)
			;
		for (y = 0; y < VM_BIG_ROWS; y++) {
			for (j = 0; j < 4; j++) {
				const char *px = j < 3 && big_letters[k].rows[y][j] == '#' ? "██" : "  ";
				size_t n = strlen(px);

				memcpy(rows[y] + used[y], px, n);
				used[y] += n;
				rows[y][used[y]] = '\0';
			}
		}
	}
	return (int)(strlen(word) * 8 - 2);
}

/* Split text at spaces into at most max lines of width columns; a word too long for a
 * line is cut when it is drawn. Returns the lines written. */
static int
wrap(const char *text, int width, char out[][VM_CELL_MAX], int max)
{
	const char *p = text;
	int n = 0;

	while (*p == ' ')
		p++;
	while (*p != '\0' && n < max) {
		const char *cut = NULL, *q = p;

		if (n + 1 == max) {
			snprintf(out[n++], VM_CELL_MAX, "%s", p);
			break;
		}
		while (*q != '\0') {
			const char *e = q;
			char part[VM_CELL_MAX];

			while (*e == ' ')
				e++;
			while (*e != '\0' && *e != ' ')
				e++;
			snprintf(part, sizeof part, "%.*s", (int)(e - p), p);
			if (vm_orders_width(part) > width && cut != NULL)
				break;
			cut = q = e;
		}
		snprintf(out[n++], VM_CELL_MAX, "%.*s", (int)(cut - p), p);
		p = cut;
		while (*p == ' ')
			p++;
	}
	return n;
}

/* The typed text as shown: the GS separator visible, other control characters '?'. */
static void
shown_input(const char *in, char *out, size_t len)
{
	size_t o = 0, k = strlen(GS_SHOWN);

	for (; *in != '\0' && o + k + 1 < len; in++) {
		if (*in == GS) {
			memcpy(out + o, GS_SHOWN, k);
			o += k;
		} else {
			out[o++] = (unsigned char)*in < 0x20 ? '?' : *in;
		}
	}
	out[o] = '\0';
}

static enum theme_role
ship_role(int64_t ship_by, int64_t now)
{
	if (ship_by == 0)
		return ROLE_NORMAL;
	if (ship_by < now)
		return ROLE_SLA_OVERDUE;
	return ship_by - now <= VM_SOON_SECS ? ROLE_SLA_SOON : ROLE_NORMAL;
}

static void
cod_text(const struct vm_pack *vm, char *buf, size_t len)
{
	char m[32];

	if (vm->p.cod <= 0) {
		snprintf(buf, len, "prepaid");
		return;
	}
	vm_orders_money(m, sizeof m, vm->p.cod);
	if (strcmp(vm->p.currency, "VND") == 0 || vm->p.currency[0] == '\0')
		snprintf(buf, len, "COD %s ₫", m);
	else
		snprintf(buf, len, "COD %s %s", m, vm->p.currency);
}

/* A real device on the status line: alarmed when it needs a person (unless the whole
 * screen already is). */
static enum theme_role
dev_role(enum theme_role base, const struct vm_pack_dev *d)
{
	return base == ROLE_ERROR_LOCK || !d->bad ? base : ROLE_TITLE_ALERT;
}

/* Status line: station, operator, scale, scanner and printer (a real device's state, a
 * real scale's reading), sync; the clock on the right. */
static void
title(struct vm_pack *vm, struct vm_screen *scr, enum theme_role base)
{
	struct vm_seg s[12];
	const struct vm_pack_dev *scale = dev_of(vm, "scale"), *prn = dev_of(vm, "printer");
	char g[48], iso[24];
	int n = 0, i;

	n = vm_screen_seg(s, n, 12, base, 2, 0, "%s", vm->p.cfg.station);
	n = vm_screen_seg(s, n, 12, base, 2, 0, "%s", vm->p.s->user);
	if (vm->alert[0] != '\0')
		n = vm_screen_seg(s, n, 12, base == ROLE_ERROR_LOCK ? base : ROLE_TITLE_ALERT, 2, 0,
		    "⚠ %s", vm->alert);
	if (scale != NULL && !scale->bad && vm->live) {
		n = vm_screen_seg(s, n, 12, base, 2, 0, "scale: %s", vm->live_shown);
	} else if (scale != NULL) {
		n = vm_screen_seg(s, n, 12, dev_role(base, scale), 2, 0, "scale: %s", scale->state);
	} else if (vm->scale_g >= 0) {
		vm_pack_grams(g, sizeof g, vm->scale_g);
		n = vm_screen_seg(s, n, 12, base, 2, 0, "scale: %s", g);
	} else {
		n = vm_screen_seg(s, n, 12, base, 2, 0, "scale: %s", vm->o.scale_sim ? "sim" : "—");
	}
	for (i = 0; i < vm->ndevs; i++) {
		const struct vm_pack_dev *d = &vm->devs[i];

		if (d != scale && d != prn)
			n = vm_screen_seg(s, n, 12, dev_role(base, d), 2, 0, "%s: %s", d->role, d->state);
	}
	if (prn != NULL)
		n = vm_screen_seg(s, n, 12, dev_role(base, prn), 2, 0, "printer: %s", prn->state);
	else
		n = vm_screen_seg(s, n, 12, base, 2, 0, "printer: %s",
		    vm->o.printer[0] != '\0' ? vm->o.printer : "none");
	n = vm_screen_seg(s, n, 12, base, 2, 0, "sync: %s",
	    vm->o.sync[0] != '\0' ? vm->o.sync : "off");
	/* PostgreSQL: the server connection was lost and re-opened this often. */
	if (db_reconnects(vm->p.s->db) > 0)
		n = vm_screen_seg(s, n, 12, base == ROLE_ERROR_LOCK ? base : ROLE_TITLE_ALERT, 2,
		    0, "DB lost %" PRIu64 "×", db_reconnects(vm->p.s->db));
	clock_format(vm->now, vm->o.tz_offset, iso, sizeof iso);
	n = vm_screen_seg(s, n, 12, base, 0, 1, "%s", iso + 11);
	vm_screen_segs(scr, 0, base, s, n, 1);
}

struct key_item {
	char key[16];
	const char *label;
	int on;
};

static int
key_add(struct key_item *k, int n, int max, const char *key, const char *label, int on)
{
	if (n >= max)
		return n;
	snprintf(k[n].key, sizeof k[n].key, "%s", key);
	k[n].label = label;
	k[n].on = on;
	return n + 1;
}

/* One legend row: key and label pairs that fit (dropped from the end); keys that do
 * nothing now are dimmed, or left out when only_on. */
static void
legend_row(struct vm_screen *scr, int y, enum theme_role base, const struct key_item *k,
    int n, int only_on)
{
	struct vm_seg s[48];
	int i, ns = 0, w = 1;

	for (i = 0; i < n && ns + 2 <= (int)NELEM(s); i++) {
		int pw;

		if (only_on && !k[i].on)
			continue;
		pw = vm_orders_width(k[i].key) + 1 + vm_orders_width(k[i].label) + 1;
		if (w + pw > scr->cols)
			break;
		w += pw;
		ns = vm_screen_seg(s, ns, (int)NELEM(s), k[i].on ? ROLE_KEY : ROLE_DONE, 1, 0,
		    "%s", k[i].key);
		ns = vm_screen_seg(s, ns, (int)NELEM(s), k[i].on ? base : ROLE_DONE, 1, 0,
		    "%s", k[i].label);
	}
	vm_screen_segs(scr, y, base, s, ns, ns);
}

static int
pkg_weighed(const struct vm_pack *vm)
{
	const struct pack_pkg *k = &vm->p.pkgs[vm->p.npkgs - 1];

	return k->units > 0 && k->weight_g >= 0;
}

/* The legend: two rows in the full layout, one in the compact. */
static void
legend(struct vm_pack *vm, struct vm_screen *scr, int compact, enum theme_role base)
{
	struct key_item k[24];
	char nums[8];
	int n = 0, nboxes, open = order_open(vm), sim = vm->o.scale_sim;
	int live = !sim && dev_of(vm, "scale") != NULL;
	int weigh_now = open && vm->p.step == PACK_WEIGH;
	int y = scr->rows - 1;

	pack_boxes(&vm->p, &nboxes);
	snprintf(nums, sizeof nums, "1-%d", vm->mode == VP_HOLD ? (int)NELEM(hold_reasons) :
	    vm->mode == VP_OVERRIDE ? (int)NELEM(override_reasons) : nboxes);
	if (vm->mode != VP_MAIN) {
		if (vm->mode == VP_BOXES || vm->mode == VP_HOLD || vm->mode == VP_OVERRIDE)
			n = key_add(k, n, 24, nums, vm->mode == VP_BOXES ? "Pick box" : "Pick reason",
			    1);
		if (vm->mode == VP_HOLD_OTHER || vm->mode == VP_OVERRIDE)
			n = key_add(k, n, 24, "Enter", "Typed reason", vm->input[0] != '\0');
		if (vm->mode == VP_BOXES)
			n = key_add(k, n, 24, "scan", "Box barcode", 1);
		n = key_add(k, n, 24, "Esc", "Back", 1);
		legend_row(scr, y, base, k, n, 0);
		return;
	}
	if (locked(vm)) {
		n = key_add(k, n, 24, "Enter/F1", "Acknowledge", 1);
		if (vm->p.lock == PACK_LOCK_WEIGHT)
			n = key_add(k, n, 24, "badge", "Override", 1);
		n = key_add(k, n, 24, "F10", "Logout", 1);
		legend_row(scr, y, base, k, n, 0);
		return;
	}
	if (!compact) {
		n = key_add(k, n, 24, "F1", "Ack", 0);
		n = key_add(k, n, 24, "F2", "Box", open);
		n = key_add(k, n, 24, "F3", "New pkg", open && pkg_weighed(vm) &&
		    pack_remaining(&vm->p) > 0);
		n = key_add(k, n, 24, "F4", "Reprint", vm->p.last_order_id != 0);
		n = key_add(k, n, 24, "F5", "Hold", open);
		if (sim || live)
			n = key_add(k, n, 24, "F6", "Weigh", open && (sim || vm->live_final));
		if (sim)
			n = key_add(k, n, 24, "F7", "Wrong wt", open);
		n = key_add(k, n, 24, "F8", "Cancel", open);
		legend_row(scr, y - 1, base, k, n, 0);
		n = 0;
		n = key_add(k, n, 24, "Enter", open ? "Confirm" : "Open order",
		    open ? vm->p.step == PACK_READY : vm->input[0] != '\0');
		n = key_add(k, n, 24, nums, "Box", open);
		n = key_add(k, n, 24, "Tab",
		    vm->p.s->role >= ROLE_SUPERVISOR ? "Screens" : "Orders", 1);
		n = key_add(k, n, 24, "Esc", "Clear", vm->input[0] != '\0');
		n = key_add(k, n, 24, "F10", "Logout", 1);
		legend_row(scr, y, base, k, n, 0);
		return;
	}
	/* Compact: only what applies now, the likeliest first. */
	if (!open) {
		n = key_add(k, n, 24, "Enter", "Open", 1);
		n = key_add(k, n, 24, "Tab",
		    vm->p.s->role >= ROLE_SUPERVISOR ? "Screens" : "Orders", 1);
		n = key_add(k, n, 24, "F4", "Reprint", vm->p.last_order_id != 0);
		n = key_add(k, n, 24, "F10", "Logout", 1);
		legend_row(scr, y, base, k, n, 1);
		return;
	}
	n = key_add(k, n, 24, "Enter", "Confirm", vm->p.step == PACK_READY);
	if (weigh_now && sim) {
		n = key_add(k, n, 24, "F6", "Weigh", 1);
		n = key_add(k, n, 24, "F7", "Wrong", 1);
	}
	if (live && vm->live_final)
		n = key_add(k, n, 24, "F6", "Weigh", 1);
	n = key_add(k, n, 24, "F2", "Box", 1);
	n = key_add(k, n, 24, "F3", "New pkg", pkg_weighed(vm) && pack_remaining(&vm->p) > 0);
	n = key_add(k, n, 24, "F5", "Hold", 1);
	n = key_add(k, n, 24, "F8", "Cancel", 1);
	if (!weigh_now && sim)
		n = key_add(k, n, 24, "F6", "Weigh", 1);
	n = key_add(k, n, 24, "Tab",
	    vm->p.s->role >= ROLE_SUPERVISOR ? "Screens" : "Orders", 1);
	n = key_add(k, n, 24, "F10", "Logout", 1);
	legend_row(scr, y, base, k, n, 1);
}

/* The scan line: a label, what has been typed, a cursor. */
static void
input_line(struct vm_pack *vm, struct vm_screen *scr, int y, enum theme_role base)
{
	char shown[sizeof vm->input * 3], buf[sizeof shown + 8];
	const char *label;
	int x;

	switch (vm->mode) {
	case VP_HOLD:
	case VP_HOLD_OTHER:
	case VP_OVERRIDE:
		label = "Reason ▸ ";
		break;
	case VP_BOXES:
		label = "Box ▸ ";
		break;
	default:
		label = order_open(vm) || locked(vm) ? "Scan ▸ " : "Scan order ▸ ";
		break;
	}
	x = 1 + vm_screen_put(scr, y, 1, base == ROLE_ERROR_LOCK ? base : ROLE_NORMAL, label);
	shown_input(vm->input, shown, sizeof shown);
	snprintf(buf, sizeof buf, "%s_", shown);
	if (vm_orders_width(buf) > scr->cols - 1 - x)
		vm_screen_fit(scr, y, x, scr->cols - 1 - x, base == ROLE_ERROR_LOCK ? base :
		    ROLE_PROMPT, buf, VM_TAIL);
	else
		vm_screen_put(scr, y, x, base == ROLE_ERROR_LOCK ? base : ROLE_PROMPT, buf);
}

/* The message line(s): the last result, wrapped. */
static void
message(struct vm_pack *vm, struct vm_screen *scr, int y, int nrows, enum theme_role base)
{
	char lines[3][VM_CELL_MAX], text[sizeof vm->msg + 8];
	enum theme_role role = base == ROLE_ERROR_LOCK ? base : vm->msg_role;
	int n, i;

	if (vm->msg[0] == '\0')
		return;
	snprintf(text, sizeof text, "%s%s", vm->msg_role == ROLE_MESSAGE ? "✓ " :
	    vm->msg_role == ROLE_WARN || vm->msg_role == ROLE_ERROR_LOCK ? "✗ " : "", vm->msg);
	n = wrap(text, scr->cols - 2, lines, nrows < 3 ? nrows : 3);
	for (i = 0; i < n; i++)
		vm_screen_fit(scr, y + i, 1, scr->cols - 2, role, lines[i], VM_LEFT);
}

/* Expected weight of the current package against the scale; returns its role. */
static enum theme_role
weight_text(const struct vm_pack *vm, char *buf, size_t len, int compact)
{
	const struct pack_pkg *k = &vm->p.pkgs[vm->p.npkgs - 1];
	int64_t exp = pack_expected_g(&vm->p, vm->p.npkgs - 1);
	int64_t tol = pack_tolerance_g(&vm->p, exp);
	char e[32], t[32], w[32];
	size_t o;

	vm_pack_grams(e, sizeof e, exp);
	vm_orders_money(t, sizeof t, tol);
	o = (size_t)snprintf(buf, len, "%s%s ±%s g", compact ? "exp " : "Weight: expected ",
	    e, t);
	if (o >= len)
		return ROLE_NORMAL;
	if (k->weight_g >= 0) {
		vm_pack_grams(w, sizeof w, k->weight_g);
		if (k->override[0] != '\0')
			snprintf(buf + o, len - o, "   weighed %s ✓ override (%s)", w, k->override);
		else
			snprintf(buf + o, len - o, "   weighed %s ✓", w);
		return ROLE_MESSAGE;
	}
	if (k->weight_g < -1) {
		vm_pack_grams(w, sizeof w, -k->weight_g - 1);
		snprintf(buf + o, len - o, "   weighed %s ✗", w);
		return ROLE_WARN;
	}
	if (vm->p.step == PACK_WEIGH && vm->live && !vm->o.scale_sim) {
		snprintf(buf + o, len - o, compact ? "  weigh: %s" : "   put the parcel on the "
		    "scale: %s", vm->live_shown);
		return ROLE_PROMPT;
	}
	if (vm->p.step == PACK_WEIGH) {
		snprintf(buf + o, len - o, compact ? "  weigh%s" : "   put the parcel on the "
		    "scale%s", vm->o.scale_sim ? " (F6)" : "");
		return ROLE_PROMPT;
	}
	if (vm->live && !vm->o.scale_sim) {
		snprintf(buf + o, len - o, "   scale %s", vm->live_shown);
	} else if (vm->scale_g >= 0) {
		vm_pack_grams(w, sizeof w, vm->scale_g);
		snprintf(buf + o, len - o, "   scale %s", w);
	}
	return ROLE_NORMAL;
}

static void
package_text(const struct vm_pack *vm, char *buf, size_t len)
{
	const struct pack_pkg *k = &vm->p.pkgs[vm->p.npkgs - 1];
	const struct pack_box *b;
	int n;

	b = pack_boxes(&vm->p, &n);
	if (k->box >= 0 && k->box < n)
		snprintf(buf, len, "Package %d · box %s %s cm, tare %" PRId64 " g · %" PRId64
		    " unit%s in it", vm->p.npkgs, b[k->box].code, b[k->box].size, b[k->box].tare_g,
		    k->units, k->units == 1 ? "" : "s");
	else
		snprintf(buf, len, "Package %d · no box yet · %" PRId64 " unit%s in it",
		    vm->p.npkgs, k->units, k->units == 1 ? "" : "s");
}

/* What the packer does next, in a word or two. */
static const char *
step_text(const struct vm_pack *vm)
{
	switch (vm->p.step) {
	case PACK_SCAN_ORDER:
		return "SCAN ORDER";
	case PACK_SCAN_ITEMS:
		return "SCAN ITEMS";
	case PACK_WEIGH:
		return "WEIGH";
	case PACK_READY:
		return "READY: Enter";
	}
	return "";
}

/* Keep the line scanned last on screen when it moves. */
static void
clamp_top(struct vm_pack *vm, int page)
{
	int n = (int)vm->p.nlines;

	if (n <= page) {
		vm->line_top = 0;
		return;
	}
	if (vm->line_top > n - page)
		vm->line_top = n - page;
	if (vm->line_top < 0)
		vm->line_top = 0;
}

/* The order lines in rows y0.. (nrows of them) from column x0, width wide. */
static void
lines_table(struct vm_pack *vm, struct vm_screen *scr, int y0, int nrows, int x0,
    int width, int compact)
{
	int wsku = compact ? (width >= 50 ? 14 : 10) : (width >= 60 ? 16 : 14);
	int wqty = 7, wname, page = nrows, i, y;
	char buf[768], nm[512], sk[128], qty[32], q[32];

	if (nrows <= 0)
		return;
	wname = width - 2 - wsku - 1 - 1 - wqty;
	if (wname < 0) {
		wsku += wname;
		wname = 0;
	}
	if ((int)vm->p.nlines > nrows)
		page = nrows - 1;
	if (page < 1)
		page = 1;
	if (vm->last_line >= 0 && vm->follow) {
		if (vm->last_line < vm->line_top)
			vm->line_top = vm->last_line;
		else if (vm->last_line >= vm->line_top + page)
			vm->line_top = vm->last_line - page + 1;
	}
	clamp_top(vm, page);
	if (!compact) {
		vm_orders_fit(sk, sizeof sk, "SKU", wsku, VM_LEFT);
		vm_orders_fit(nm, sizeof nm, "Item", wname, VM_LEFT);
		vm_orders_fit(q, sizeof q, "Done", wqty, VM_RIGHT);
		snprintf(buf, sizeof buf, "  %s %s %s", sk, nm, q);
		vm_screen_fit(scr, y0 - 1, x0, width, ROLE_COLHEAD, buf, VM_LEFT);
	}
	for (i = vm->line_top, y = y0; i < (int)vm->p.nlines && y < y0 + page; i++, y++) {
		const struct pack_line *l = &vm->p.lines[i];
		int done = l->scanned >= l->expected;
		enum theme_role role = i == vm->last_line ? ROLE_PACK_LAST :
		    done ? ROLE_DONE : ROLE_NORMAL;

		vm_orders_fit(sk, sizeof sk, l->sku, wsku, VM_TAIL);
		if (vm->p.nmembers > 0) {       /* a merged parcel: whose line it is */
			char who[256];

			snprintf(who, sizeof who, "[%s] %s", l->order_no, l->name);
			vm_orders_fit(nm, sizeof nm, who, wname, VM_LEFT);
		} else
			vm_orders_fit(nm, sizeof nm, l->name, wname, VM_LEFT);
		snprintf(qty, sizeof qty, "%" PRId64 " / %" PRId64, l->scanned, l->expected);
		vm_orders_fit(q, sizeof q, qty, wqty, VM_RIGHT);
		snprintf(buf, sizeof buf, "%s %s %s%s%s", i == vm->last_line ? "▶" : done ? "✓" :
		    " ", sk, nm, wname > 0 ? " " : "", q);
		vm_screen_fit(scr, y, x0, width, role, buf, VM_LEFT);
	}
	if ((int)vm->p.nlines > page) {
		snprintf(buf, sizeof buf, "  ↑↓ lines %d-%d of %zu", vm->line_top + 1,
		    vm->line_top + page, vm->p.nlines);
		vm_screen_fit(scr, y0 + page, x0, width, ROLE_DONE, buf, VM_LEFT);
	}
}

/* A pick list (boxes, problem reasons, override reasons) in rows y0.., nrows. */
static void
pick_list(struct vm_pack *vm, struct vm_screen *scr, int y0, int nrows, int x0, int width,
    enum theme_role base)
{
	char buf[VM_CELL_MAX], head[160];
	const struct pack_box *b;
	int n, i, y = y0, cur = order_open(vm) ? vm->p.pkgs[vm->p.npkgs - 1].box : -1;
	enum theme_role role = base == ROLE_ERROR_LOCK ? base : ROLE_PANEL;

	b = pack_boxes(&vm->p, &n);
	switch (vm->mode) {
	case VP_BOXES:
		snprintf(head, sizeof head, "Box for package %d: press its number or scan it",
		    vm->p.npkgs);
		break;
	case VP_HOLD:
		snprintf(head, sizeof head, "Report a problem: order %s goes on hold",
		    vm->p.order_no);
		break;
	case VP_HOLD_OTHER:
		snprintf(head, sizeof head, "Type what is wrong with order %s, then Enter",
		    vm->p.order_no);
		break;
	case VP_OVERRIDE:
		snprintf(head, sizeof head, "Supervisor's badge read. Why accept this weight?");
		break;
	default:
		return;
	}
	if (nrows <= 0)
		return;
	vm_screen_fit(scr, y++, x0, width, base == ROLE_ERROR_LOCK ? base : ROLE_PANEL_TITLE,
	    head, VM_LEFT);
	if (vm->mode == VP_BOXES) {
		for (i = 0; i < n && y < y0 + nrows; i++) {
			char g[32];

			vm_pack_grams(g, sizeof g, b[i].tare_g);
			snprintf(buf, sizeof buf, " %d  %-4s %s cm, tare %s%s%s%s", i + 1, b[i].code,
			    b[i].size, g, b[i].barcode[0] ? " · " : "", b[i].barcode,
			    i == cur ? "   ◀ now" : "");
			vm_screen_fit(scr, y++, x0, width, role, buf, VM_LEFT);
		}
	} else if (vm->mode == VP_HOLD) {
		for (i = 0; i < (int)NELEM(hold_reasons) && y < y0 + nrows; i++) {
			snprintf(buf, sizeof buf, " %d  %s%s", i + 1, hold_reasons[i],
			    i + 1 == (int)NELEM(hold_reasons) ? " (type it)" : "");
			vm_screen_fit(scr, y++, x0, width, role, buf, VM_LEFT);
		}
	} else if (vm->mode == VP_OVERRIDE) {
		for (i = 0; i < (int)NELEM(override_reasons) && y < y0 + nrows; i++) {
			snprintf(buf, sizeof buf, " %d  %s", i + 1, override_reasons[i]);
			vm_screen_fit(scr, y++, x0, width, role, buf, VM_LEFT);
		}
		if (y < y0 + nrows)
			vm_screen_fit(scr, y++, x0, width, role, " or type a reason, then Enter",
			    VM_LEFT);
	}
	while (y < y0 + nrows)
		vm_screen_fit(scr, y++, x0, width, role, "", VM_LEFT);
}

/* Order number, channel and shop; ship-by countdown; buyer, province and COD. */
static void
order_header(struct vm_pack *vm, struct vm_screen *scr, int y, int compact)
{
	struct vm_seg s[6];
	char rel[32], cod[48], name[256];
	int n = 0;

	vm_orders_relative(rel, sizeof rel, vm->p.ship_by, vm->now);
	cod_text(vm, cod, sizeof cod);
	if (compact) {
		n = vm_screen_seg(s, n, 6, ROLE_PANEL_TITLE, 1, 0, "%s", vm->p.order_no);
		if (vm->p.part_no > 0)
			n = vm_screen_seg(s, n, 6, ROLE_WARN, 1, 0, "part %d/%d", vm->p.part_no,
			    vm->p.nparts);
		else if (vm->p.nmembers > 0)
			n = vm_screen_seg(s, n, 6, ROLE_WARN, 1, 0, "+%zu merged", vm->p.nmembers);
		n = vm_screen_seg(s, n, 6, ship_role(vm->p.ship_by, vm->now), 0, 1, "%s", rel);
		vm_screen_segs(scr, y, ROLE_NORMAL, s, n, 1);
		n = 0;
		n = vm_screen_seg(s, n, 6, vm->p.cod > 0 ? ROLE_BIG : ROLE_NORMAL, 2, 0, "%s", cod);
		if (vm->p.risk[0] != '\0')
			n = vm_screen_seg(s, n, 6, ROLE_WARN, 1, 0, "⚠ %s", vm->p.risk);
		else
			n = vm_screen_seg(s, n, 6, ROLE_NORMAL, 0, 0, "%s %s",
			    vm_orders_channel(vm->p.channel), vm->p.shop);
		vm_screen_segs(scr, y + 1, ROLE_NORMAL, s, n, 1);
		return;
	}
	n = vm_screen_seg(s, n, 6, ROLE_PANEL_TITLE, 2, 0, "Order %s", vm->p.order_no);
	/* A split order's part, or a parcel of merged orders: the packer must see it. */
	if (vm->p.part_no > 0)
		n = vm_screen_seg(s, n, 6, ROLE_WARN, 2, 0, "PART %d/%d from %s", vm->p.part_no,
		    vm->p.nparts, vm->p.part_wh_code);
	else if (vm->p.nmembers > 0)
		n = vm_screen_seg(s, n, 6, ROLE_WARN, 2, 0, "ONE PARCEL + %s", vm->p.merged);
	n = vm_screen_seg(s, n, 6, ROLE_NORMAL, 2, 0, "%s · shop %s",
	    vm_orders_channel(vm->p.channel), vm->p.shop);
	n = vm_screen_seg(s, n, 6, ROLE_NORMAL, 1, 1, "Ship by");
	n = vm_screen_seg(s, n, 6, ship_role(vm->p.ship_by, vm->now), 0, 1, "%s", rel);
	vm_screen_segs(scr, y, ROLE_NORMAL, s, n, 1);
	n = 0;
	vm_orders_fit_name(name, sizeof name, vm->p.buyer, 30);
	n = vm_screen_seg(s, n, 6, ROLE_NORMAL, 0, 0, "%s · %s", vm->p.buyer, vm->p.province);
	if (vm->p.risk[0] != '\0')
		n = vm_screen_seg(s, n, 6, ROLE_WARN, 2, 1, "⚠ %s", vm->p.risk);
	n = vm_screen_seg(s, n, 6, vm->p.cod > 0 ? ROLE_BIG : ROLE_NORMAL, 0, 1, "%s", cod);
	if (vm_orders_width(s[0].text) + vm_orders_width(cod) + 4 > scr->cols)
		snprintf(s[0].text, sizeof s[0].text, "%.120s · %.60s", name, vm->p.province);
	vm_screen_segs(scr, y + 1, ROLE_NORMAL, s, n, 1);
}

/* Large-digit rows made scale times larger: each column repeated, each row too. */
static int
big_scale(char src[VM_BIG_ROWS][256], int scale, char dst[][512], int w)
{
	int y, k, r;

	for (y = 0; y < VM_BIG_ROWS; y++) {
		for (r = 0; r < scale; r++) {
			const char *p = src[y];
			size_t used = 0;

			while (*p != '\0') {
				size_t n = *p == ' ' ? 1 : strlen("█");

				for (k = 0; k < scale && used + n + 1 < 512; k++) {
					memcpy(dst[y * scale + r] + used, p, n);
					used += n;
				}
				p += n;
			}
			dst[y * scale + r][used] = '\0';
		}
	}
	return w * scale;
}

/* The right-hand panel of the full layout: units left in large digits (twice as large
 * when there is room), what is next. */
static void
units_panel(struct vm_pack *vm, struct vm_screen *scr, int y0, int nrows, int x0, int width,
    int scale)
{
	char big[VM_BIG_ROWS][256], rows[VM_BIG_ROWS * 2][512], buf[64];
	int64_t left = pack_remaining(&vm->p), total = 0;
	int w, y, x, h = VM_BIG_ROWS * scale;
	size_t i;

	for (i = 0; i < vm->p.nlines; i++)
		total += vm->p.lines[i].expected;
	vm_screen_fit(scr, y0 - 1, x0, width, ROLE_COLHEAD, "", VM_LEFT);
	vm_screen_put(scr, y0 - 1, x0 + (width - 10) / 2, ROLE_COLHEAD, "UNITS LEFT");
	w = vm_pack_big(left, big);
	w = big_scale(big, scale, rows, w);
	x = x0 + (width - w) / 2;
	for (y = 0; y < h && y + 1 < nrows; y++)
		vm_screen_put(scr, y0 + 1 + y, x > x0 ? x : x0, left > 0 ? ROLE_BIG : ROLE_MESSAGE,
		    rows[y]);
	y = y0 + 1 + h + 1;
	if (y < y0 + nrows) {
		snprintf(buf, sizeof buf, "of %" PRId64 " unit%s", total, total == 1 ? "" : "s");
		vm_screen_put(scr, y, x0 + (width - vm_orders_width(buf)) / 2, ROLE_NORMAL, buf);
	}
	if (y + 2 < y0 + nrows) {
		const char *t = step_text(vm);

		vm_screen_put(scr, y + 2, x0 + (width - vm_orders_width(t)) / 2, ROLE_PROMPT, t);
	}
}

/* No order open: the prompt, the last parcel, the demo's packable orders. */
static void
scan_order_body(struct vm_pack *vm, struct vm_screen *scr, int y0, int y1, int compact)
{
	char buf[VM_CELL_MAX], lines[3][VM_CELL_MAX];
	int y = y0, n, i;

	if (!compact) {
		y += (y1 - y0 > 12) ? 2 : 1;
		vm_screen_centre(scr, y, ROLE_BIG, "SCAN AN ORDER");
		y += 2;
		vm_screen_centre(scr, y, ROLE_NORMAL, "order number · marketplace order id · "
		    "tracking number · tote or pick list");
		y += 3;
	} else {
		vm_screen_put(scr, y++, 1, ROLE_BIG, "SCAN AN ORDER");
	}
	if (vm->p.last_summary[0] != '\0' && y < y1) {
		n = wrap(vm->p.last_summary, scr->cols - 16, lines, compact ? 2 : 2);
		if (compact) {
			vm_screen_put(scr, y++, 1, ROLE_DONE, "Last parcel:");
			for (i = 0; i < n && y < y1; i++)
				vm_screen_fit(scr, y++, 1, scr->cols - 2, ROLE_MESSAGE, lines[i], VM_LEFT);
		} else {
			vm_screen_put(scr, y, 2, ROLE_DONE, "Last parcel");
			for (i = 0; i < n && y < y1; i++)
				vm_screen_fit(scr, y++, 15, scr->cols - 16, ROLE_MESSAGE, lines[i],
				    VM_LEFT);
		}
		y++;
	}
	if (vm->nhints > 0 && y < y1) {
		size_t o = 0;

		buf[0] = '\0';
		for (i = 0; i < vm->nhints; i++)
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "  " : "",
			    vm->hints[i]);
		if (compact) {
			vm_screen_put(scr, y++, 1, ROLE_DONE, "Demo, try:");
			n = wrap(buf, scr->cols - 2, lines, 3);
			for (i = 0; i < n && y < y1; i++)
				vm_screen_put(scr, y++, 1, ROLE_PROMPT, lines[i]);
		} else {
			vm_screen_put(scr, y, 2, ROLE_DONE, "Demo: try");
			vm_screen_put(scr, y, 15, ROLE_PROMPT, buf);
		}
	}
}

/* The error lock: the whole screen in the error role. */
static void
lock_body(struct vm_pack *vm, struct vm_screen *scr, int compact)
{
	const enum theme_role E = ROLE_ERROR_LOCK;
	char big[VM_BIG_ROWS][256], lines[6][VM_CELL_MAX], buf[VM_CELL_MAX];
	int y = 1, w, n, i, bottom = compact ? scr->rows - 4 : scr->rows - 7, maxl;
	int weight = vm->p.lock == PACK_LOCK_WEIGHT;
	char cancel_title[96];
	const char *title_text = lock_titles[vm->p.lock];

	if (vm->cancelled) {
		snprintf(cancel_title, sizeof cancel_title, "CANCELLED BY %s", vm->cancel_by);
		for (i = 0; cancel_title[i] != '\0'; i++)
			cancel_title[i] = (char)toupper((unsigned char)cancel_title[i]);
		title_text = cancel_title;
	}
	if (!compact) {
		w = big_stop(big);
		for (i = 0; i < VM_BIG_ROWS; i++)
			vm_screen_put(scr, 2 + i, (scr->cols - w) / 2, E, big[i]);
		y = 2 + VM_BIG_ROWS + 1;
		vm_screen_centre(scr, y, E, title_text);
		y += 2;
	} else {
		snprintf(buf, sizeof buf, "STOP: %s", title_text);
		vm_screen_centre(scr, y++, E, buf);
	}
	/* What the last input got, when it is not the lock itself (a refused override,
	 * a key refused while locked). */
	if (vm->msg[0] != '\0' && strcmp(vm->msg, vm->p.lock_msg) != 0 &&
	    strncmp(vm->msg, "station locked", 14) != 0 && bottom - 1 > y) {
		snprintf(buf, sizeof buf, "%s%s", vm->msg_role == ROLE_PROMPT ? "" : "✗ ", vm->msg);
		bottom--;
		vm_screen_fit(scr, bottom, compact ? 1 : 4, scr->cols - (compact ? 2 : 8), E, buf,
		    VM_LEFT);
	}
	if (vm->mode == VP_OVERRIDE) {
		pick_list(vm, scr, y, bottom - y, 2, scr->cols - 4, E);
	} else {
		maxl = bottom - y - (order_open(vm) && !compact ? 1 : 0);
		if (maxl > 6)
			maxl = 6;
		n = wrap(vm->p.lock_msg, scr->cols - (compact ? 2 : 8), lines, maxl > 0 ? maxl : 0);
		for (i = 0; i < n; i++)
			vm_screen_put(scr, y++, compact ? 1 : 4, E, lines[i]);
		if (order_open(vm) && !compact && y < bottom) {
			snprintf(buf, sizeof buf, "order %s · %" PRId64 " unit%s left", vm->p.order_no,
			    pack_remaining(&vm->p), pack_remaining(&vm->p) == 1 ? "" : "s");
			vm_screen_put(scr, ++y, 4, E, buf);
		}
	}
	y = compact ? scr->rows - 4 + (weight ? 0 : 1) : scr->rows - 6;
	vm_screen_centre(scr, y, E, compact ? "CMD:ACK or Enter/F1: acknowledge" :
	    "scan CMD:ACK or press Enter/F1 to acknowledge");
	if (weight && vm->mode != VP_OVERRIDE)
		vm_screen_centre(scr, y + 1, E, "supervisor: scan badge to override");
}

static void
render_small(struct vm_pack *vm, struct vm_screen *scr)
{
	char buf[64];
	int y = scr->rows / 2 - 1;

	snprintf(buf, sizeof buf, "Make the window at least %dx%d", VM_PACK_MIN_COLS,
	    VM_PACK_MIN_ROWS);
	vm_screen_centre(scr, y < 0 ? 0 : y, locked(vm) ? ROLE_ERROR_LOCK : ROLE_NORMAL, buf);
	snprintf(buf, sizeof buf, "(now %dx%d)", scr->cols, scr->rows);
	vm_screen_centre(scr, y + 1, ROLE_DONE, buf);
	if (locked(vm))
		vm_screen_centre(scr, y + 2, ROLE_ERROR_LOCK, "LOCKED");
}

void
vm_pack_render(struct vm_pack *vm, struct vm_screen *scr)
{
	int compact, lock = locked(vm), y1, panel, top, bigw, scale, nlines, msg_rows;
	enum theme_role base = lock ? ROLE_ERROR_LOCK : ROLE_TITLE;
	char buf[VM_CELL_MAX];

	if (scr->cols < VM_PACK_MIN_COLS || scr->rows < VM_PACK_MIN_ROWS) {
		vm->layout = VP_SMALL;
		render_small(vm, scr);
		return;
	}
	compact = scr->cols < VM_PACK_FULL_COLS || scr->rows < VM_PACK_FULL_ROWS;
	vm->layout = compact ? VP_COMPACT : VP_FULL;
	if (lock)
		scr->bg = ROLE_ERROR_LOCK;
	title(vm, scr, base);
	if (lock) {
		lock_body(vm, scr, compact);
		input_line(vm, scr, compact ? scr->rows - 2 : scr->rows - 4, ROLE_ERROR_LOCK);
		legend(vm, scr, compact, ROLE_ERROR_LOCK);
		return;
	}
	if (!compact) {
		y1 = scr->rows - 9;             /* first row below the order lines */
		if (!order_open(vm)) {
			scan_order_body(vm, scr, 1, scr->rows - 7, 0);
		} else {
			char big[VM_BIG_ROWS][256];
			int64_t total = 0;
			size_t i;

			order_header(vm, scr, 1, 0);
			/* Wide enough for the order's unit count, so it stays put as it falls. */
			for (i = 0; i < vm->p.nlines; i++)
				total += vm->p.lines[i].expected;
			top = 4;
			bigw = vm_pack_big(total, big);
			/* Twice as large when the panel still leaves the lines 60 columns. */
			scale = y1 - top >= 2 * VM_BIG_ROWS + 6 && scr->cols - 2 * bigw - 6 >= 60 ?
			    2 : 1;
			panel = bigw * scale + 6;
			if (panel < 18)
				panel = 18;
			vm_screen_bar(scr, top - 1, ROLE_COLHEAD);
			if (vm->mode != VP_MAIN) {
				pick_list(vm, scr, top, y1 - top, 1, scr->cols - panel - 2, ROLE_NORMAL);
			} else {
				lines_table(vm, scr, top, y1 - top, 0, scr->cols - panel - 1, 0);
			}
			units_panel(vm, scr, top, y1 - top, scr->cols - panel, panel - 1, scale);
			package_text(vm, buf, sizeof buf);
			vm_screen_fit(scr, y1, 1, scr->cols - 2, ROLE_NORMAL, buf, VM_LEFT);
			{
				enum theme_role r = weight_text(vm, buf, sizeof buf, 0);

				vm_screen_fit(scr, y1 + 1, 1, scr->cols - 2, r, buf, VM_LEFT);
			}
		}
		message(vm, scr, scr->rows - 6, 2, ROLE_NORMAL);
		input_line(vm, scr, scr->rows - 4, ROLE_NORMAL);
		legend(vm, scr, 0, ROLE_FOOTER);
		return;
	}
	/* Compact: 0 status, 1-2 order, 3 units left and box, lines, weight, message,
	 * scan, legend. A long message takes a second row when a line row is free. */
	nlines = scr->rows - 8;
	msg_rows = vm->msg[0] != '\0' && vm_orders_width(vm->msg) + 2 > scr->cols - 2 ? 2 : 1;
	if (order_open(vm) && (vm->mode != VP_MAIN || (int)vm->p.nlines >= nlines))
		msg_rows = 1;
	if (!order_open(vm)) {
		scan_order_body(vm, scr, 1, scr->rows - 2 - msg_rows, 1);
	} else {
		const struct pack_pkg *k = &vm->p.pkgs[vm->p.npkgs - 1];
		const struct pack_box *b;
		int nb;

		nlines -= msg_rows - 1;
		order_header(vm, scr, 1, 1);
		b = pack_boxes(&vm->p, &nb);
		snprintf(buf, sizeof buf, "LEFT %" PRId64, pack_remaining(&vm->p));
		vm_screen_put(scr, 3, 1, pack_remaining(&vm->p) > 0 ? ROLE_BIG : ROLE_MESSAGE,
		    buf);
		snprintf(buf, sizeof buf, "%s · pkg %d box %s", step_text(vm), vm->p.npkgs,
		    k->box >= 0 && k->box < nb ? b[k->box].code : "-");
		vm_screen_fit(scr, 3, 12, scr->cols - 13, ROLE_PROMPT, buf, VM_RIGHT);
		if (vm->mode != VP_MAIN)
			pick_list(vm, scr, 4, nlines, 0, scr->cols, ROLE_NORMAL);
		else
			lines_table(vm, scr, 4, nlines, 0, scr->cols, 1);
		{
			enum theme_role r = weight_text(vm, buf, sizeof buf, 1);

			vm_screen_fit(scr, 4 + nlines, 1, scr->cols - 2, r, buf, VM_LEFT);
		}
	}
	message(vm, scr, scr->rows - 2 - msg_rows, msg_rows, ROLE_NORMAL);
	input_line(vm, scr, scr->rows - 2, ROLE_NORMAL);
	legend(vm, scr, 1, ROLE_FOOTER);
}

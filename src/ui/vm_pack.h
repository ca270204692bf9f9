/*
 * vm_pack.h — the packing screen without curses. It owns the station's pack flow
 * (core/pack.h), turns keys and scans into its calls, keeps what the screen needs between
 * them (the line being typed, the last message, the line scanned last, the simulated
 * scale, the pick lists for box, problem and override reason) and lays the screen out
 * into a vm_screen: a full layout from 80x24 with the units left in large digits, a
 * compact one down to 40x12, and below that a note saying how large it must be.
 *
 * A keyboard-wedge scanner types a scan's characters and Enter; the GS separator
 * (0x1d, Ctrl-]) is kept in the scan. A digit 1-9 typed alone while an order is open is
 * a box key when nothing follows it (vm_pack_idle) or Enter follows it, and the first
 * character of a scan otherwise.
 *
 * Key handlers return VM_* flags and never draw. Labels are printed through the
 * caller's callback, so this layer knows nothing of printers. Real devices reach it the
 * same way, as plain calls from the app: their states for the status line
 * (vm_pack_devices), a scale's readings (vm_pack_reading) and their news
 * (vm_pack_notice); their scans come in through vm_pack_scan like a wedge scanner's.
 */
#ifndef PB_VM_PACK_H
#define PB_VM_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/pack.h"
#include "theme.h"
#include "vm_orders.h"
#include "vm_screen.h"

/* Full layout from this size, compact from the smaller one. */
#define VM_PACK_FULL_COLS 80
#define VM_PACK_FULL_ROWS 24
#define VM_PACK_MIN_COLS 40
#define VM_PACK_MIN_ROWS 12

/* Grams a simulated wrong weight (F7) adds to the expected weight. */
#define VM_PACK_WRONG_G 500

enum vm_pack_mode {
	VP_MAIN,                    /* scanning: the input line has the keyboard */
	VP_BOXES,                   /* F2: the box list, a number picks */
	VP_HOLD,                    /* F5: report a problem, a number picks the reason */
	VP_HOLD_OTHER,              /* the problem's reason, typed */
	VP_OVERRIDE,                /* a badge was scanned on a weight lock: the reason */
};

enum vm_pack_layout {
	VP_FULL,
	VP_COMPACT,
	VP_SMALL,                   /* too small to work in */
};

/* How the station prints, provided by the app. */
struct vm_pack_io {
	/* Print the labels of order_id (reprint: 1 when asked again). 0, or -1 with one
	 * line in err. NULL: no printer. */
	int (*print)(void *arg, int64_t order_id, int reprint, char *err, size_t errlen);
	void *arg;
};

struct vm_pack_opts {
	char printer[48];           /* as the status line names it: "file", "tcp", "" none */
	int scale_sim;              /* F6/F7 put a simulated parcel on the scale */
	char sync[16];              /* sync state shown: "off" */
	int demo;                   /* hint a few packable order numbers */
	int64_t tz_offset;          /* seconds east of UTC for the clock */
	struct vm_pack_io io;
};

#define VM_PACK_HINTS 3

/* A device the app drives, as the status line names it. */
#define VM_PACK_DEVS 4
struct vm_pack_dev {
	char role[12];              /* "scanner", "scale", "printer"; "devices" for them all */
	char state[48];             /* "ready", "absent", "no access", "paper out"... */
	int bad;                    /* needs a person: shown in the alert role */
};

#define VM_PACK_ALERT_SECS 5

struct vm_pack {
	struct pack p;              /* the flow; vm_pack_free() releases it */
	struct vm_pack_opts o;
	int64_t now;

	enum vm_pack_mode mode;
	char input[256];            /* what has been typed or scanned so far */
	int pending;                /* input is one digit typed alone: maybe a box key */
	char msg[320];              /* the last result, for the message line */
	enum theme_role msg_role;
	int last_line;              /* index into p.lines scanned last; -1 none */
	int line_top;               /* first order line on screen */
	int follow;                 /* keep last_line in sight (until scrolled by hand) */
	int64_t scale_g;            /* on the simulated scale; -1 nothing */
	char badge[64];             /* a supervisor's badge waiting for its reason */
	int bell;                   /* ring: the station locked or refused while locked */
	char hints[VM_PACK_HINTS][64];
	int nhints;
	uint64_t rng;               /* noise of the simulated scale */
	enum vm_pack_layout layout; /* of the last render */

	struct vm_pack_dev devs[VM_PACK_DEVS];  /* real devices (vm_pack_devices) */
	int ndevs;
	int live;                   /* a real scale has reported: live_* is its reading */
	int64_t live_g;
	int live_final;             /* stable: the only reading that weighs */
	char live_shown[32];        /* as the status line shows it */

	/* The open order was cancelled under the packer (by the buyer through the
	 * marketplace, or by a supervisor): locked until acknowledged (vm_pack_watch). */
	int cancelled;
	char cancel_by[64];         /* "buyer", or the operator who cancelled it */
	int64_t watch_id;           /* the order, data_version and transaction count of */
	int64_t watch_dv;           /* the last look, to skip it when nothing changed */
	uint64_t watch_tx;

	/* The warehouse's alerts (core/alerts.h) on the status line, read every
	 * VM_PACK_ALERT_SECS seconds by vm_pack_tick. */
	char alert[192];
	int64_t alert_at;
};

/* Start the flow for operator s (borrowed, must outlive vm) at the configured station. */
void vm_pack_init(struct vm_pack *vm, struct session *s, const struct pack_config *cfg,
    const struct vm_pack_opts *o, int64_t now);
void vm_pack_free(struct vm_pack *vm);

int vm_pack_key(struct vm_pack *vm, int key);
/* A whole scan, as a wedge scanner types it: its characters, then Enter. */
int vm_pack_scan(struct vm_pack *vm, const char *text);
/* Nothing was typed for a moment: a pending digit is a box key. */
int vm_pack_idle(struct vm_pack *vm);
/* Move the clock; VM_REDRAW when something on screen changes. */
int vm_pack_tick(struct vm_pack *vm, int64_t now);
/*
 * Look whether the open order was cancelled meanwhile (by a pull or re-fetch in this
 * process's sync thread or in another process, or by a supervisor); if so lock the
 * station: "cancelled by buyer", nothing more is taken for the order but an
 * acknowledge, which closes it (nothing is labelled or shipped). Cheap: one primary-key
 * read, skipped when the database did not change (PRAGMA data_version and this
 * connection's transaction count). vm_pack_tick calls it; call it on a sync event too.
 * VM_REDRAW when the lock opened.
 */
int vm_pack_watch(struct vm_pack *vm);
/* Read the warehouse's alerts for the status line now; VM_REDRAW when they changed. */
int vm_pack_alerts(struct vm_pack *vm, int64_t now);
/* 1 once after a lock opened or a locked station refused input: ring the bell. */
int vm_pack_bell(struct vm_pack *vm);
/* Read the demo's packable order numbers again (no-op outside the demo). */
void vm_pack_hints(struct vm_pack *vm);

/* The real devices' states for the status line (n at most VM_PACK_DEVS); VM_REDRAW when
 * they changed. */
int vm_pack_devices(struct vm_pack *vm, const struct vm_pack_dev *devs, int n);
/*
 * A real scale's reading: g grams, final only when stable, shown as the status line
 * says it ("1.250 g", "~1.180 g", "over weight"). With weigh, a final reading weighs the
 * package when the flow waits for a weight (pack_wants_weight); a reading in motion
 * never does. F6 weighs with the last final reading at any step.
 */
int vm_pack_reading(struct vm_pack *vm, int64_t g, int final, const char *shown,
    int weigh);
/* News from the devices for the message line (a label that did not print, a device that
 * cannot be opened); warn: in the warning role. */
int vm_pack_notice(struct vm_pack *vm, int warn, const char *text);

/* Lay the screen out into scr (initialised by the caller with its size). */
void vm_pack_render(struct vm_pack *vm, struct vm_screen *scr);

/* n in large digits, 5 rows of block characters; returns the columns used. */
#define VM_BIG_ROWS 5
int vm_pack_big(int64_t n, char rows[VM_BIG_ROWS][256]);
/* Grams as shown: "1.234 g". */
void vm_pack_grams(char *dst, size_t len, int64_t g);

#endif

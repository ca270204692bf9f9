/*
 * pack.h — the scan-to-pack flow of one station, shared by the station screen and by
 * line mode (`packbench scan`), so both behave the same to the letter.
 *
 * A pack session is fed input lines (a scan or a command) and weights, and answers each
 * with a result: ok, error, locked or packed. Wrong item, one unit too many, a lot too
 * close to expiry, an order that cannot be packed here, or a weight outside tolerance
 * opens an error lock: nothing but an acknowledge (or, for the weight, a supervisor
 * override) is taken until it is cleared, and every lock is an audit record. Every scan is
 * stored as it happens, so a station that restarts resumes the order where it was.
 *
 * A split order (route.h: one part per warehouse) is packed part by part: a station
 * claims only a part of its own warehouse, scans that part's units (as reserved there),
 * weighs and labels that part's packages, and its stock leaves that warehouse when the
 * part is confirmed; the order is PACKED once its last part is. Orders merged into one
 * parcel (merge.h) are packed together: scanning any of them opens the parcel with the
 * lines of all, one weight, one label, and confirming packs them all at once.
 *
 * Commands, as barcodes or typed: CMD:ACK, CMD:CONFIRM, CMD:NEWPKG, CMD:REPRINT,
 * CMD:HOLD [reason], CMD:CANCEL-SCAN, CMD:MERGE, CMD:LOGOUT; and for line mode and the
 * keyboard: WEIGHT <grams>, BOX <code or 1-9>, OVERRIDE <badge> <reason>.
 */
#ifndef PB_PACK_H
#define PB_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define PACK_MAX_BOXES 9
#define PACK_MAX_PKGS 20

struct pack_box {
	char code[16];              /* "S", also what BOX <code> takes */
	char barcode[48];           /* scanning this picks the box; "" for none */
	int64_t tare_g;
	char size[24];              /* "20x15x10" cm, for the screen and the label */
};

struct pack_config {
	char station[32];
	int64_t warehouse_id;       /* the station's warehouse; 0 accepts any */
	int64_t tol_g;              /* weight tolerance: the larger of grams ... */
	int64_t tol_pct;            /* ... and percent of the expected weight */
	int auto_confirm;           /* confirm by itself once everything checks */
	struct pack_box boxes[PACK_MAX_BOXES];
	int nboxes;                 /* 0: a built-in S/M/L set is used */
};

enum pack_step {
	PACK_SCAN_ORDER,            /* waiting for an order, tracking number or tote */
	PACK_SCAN_ITEMS,            /* units still to scan */
	PACK_WEIGH,                 /* all scanned; waiting for a weight in tolerance */
	PACK_READY,                 /* everything checks; confirm */
};

enum pack_lock {
	PACK_LOCK_NONE,
	PACK_LOCK_ORDER,            /* on hold, cancelled, not confirmed, already packed */
	PACK_LOCK_WAREHOUSE,        /* allocated to another warehouse */
	PACK_LOCK_BUSY,             /* another station is packing it */
	PACK_LOCK_UNKNOWN,          /* barcode or order not known at all */
	PACK_LOCK_NOT_IN_ORDER,     /* a real SKU, but not one this order wants */
	PACK_LOCK_OVERSCAN,         /* one unit too many */
	PACK_LOCK_SHELF_LIFE,       /* lot expires too soon for the SKU */
	PACK_LOCK_WEIGHT,           /* measured weight outside tolerance */
	PACK_LOCK_WRONG_LOT,        /* a lot other than the one reserved (FEFO) for it */
};

enum pack_outcome {
	PACK_OK,
	PACK_ERROR,                 /* refused, nothing changed, no lock (e.g. confirm too early) */
	PACK_LOCKED,                /* a lock is (still) open */
	PACK_PACKED,                /* the order was confirmed packed */
};

/* What the caller should do besides showing the result. */
enum pack_action {
	PACK_ACT_NONE,
	PACK_ACT_PRINT,             /* print labels of last_order_id (just packed) */
	PACK_ACT_REPRINT,           /* print the last label again */
	PACK_ACT_LOGOUT,
};

struct pack_line {
	int64_t order_id;           /* its order: in a merged parcel, not always the open one */
	char order_no[64];
	int64_t line_id, sku_id;
	char sku[64];
	char name[128];
	int64_t expected, scanned;
	int64_t weight_g;           /* of one unit; 0 when the SKU master has none */
	int lot_tracked;
	int64_t min_shelf_days;
};

struct pack_pkg {
	int box;                    /* index into the box set, -1 none chosen yet */
	int64_t units;
	int64_t content_g;          /* sum of the unit weights scanned into it */
	int64_t weight_g;           /* measured; -1 not weighed */
	char override[96];          /* supervisor's reason when the weight gate was overridden */
};

struct pack_result {
	enum pack_outcome outcome;
	int code;                   /* 0 or the DB_* status behind an error */
	enum pack_action action;
	char message[256];
	int64_t remaining;
};

struct pack {
	struct session *s;          /* the operator (borrowed) */
	struct pack_config cfg;
	enum pack_step step;
	enum pack_lock lock;
	char lock_msg[256];

	/* The open order (order_id 0 when none). */
	int64_t order_id;
	char order_no[64], channel[16], shop[64], currency[4], buyer[96], province[64];
	int64_t ship_by, cod, total;
	char risk[96];              /* risk flags to show ("HIGH COD"), "" when none */
	struct pack_line *lines;
	size_t nlines;
	struct pack_pkg pkgs[PACK_MAX_PKGS];
	int npkgs;                  /* the current package is pkgs[npkgs - 1] */
	/* A split order: the part packed here, of nparts, from warehouse part_wh (part_no
	 * 0: the order is not split). */
	int part_no, nparts;
	int64_t part_wh;
	char part_wh_code[16];
	/* A merged parcel: the other orders in it (owned) and their numbers, "B, C". */
	int64_t *members;
	size_t nmembers;
	char merged[160];

	int64_t last_order_id;      /* the order packed last, for labels and reprint */
	char last_summary[400];
};

void pack_init(struct pack *p, struct session *s, const struct pack_config *cfg);
void pack_free(struct pack *p);

/* One scan or command (see the top of this file); never NULL result. */
void pack_input(struct pack *p, const char *input, struct pack_result *r);
/* A stable weight from the scale. */
void pack_weight(struct pack *p, int64_t grams, struct pack_result *r);
/* Choose box index (0-based) for the current package. */
void pack_box(struct pack *p, int index, struct pack_result *r);
void pack_ack(struct pack *p, struct pack_result *r);
void pack_confirm(struct pack *p, struct pack_result *r);
void pack_new_package(struct pack *p, struct pack_result *r);
/* Report a problem: the order goes ON_HOLD with the reason; the station is free again. */
void pack_hold(struct pack *p, const char *reason, struct pack_result *r);
/* Give the order back (PACKING -> ALLOCATED), forgetting its scans. */
void pack_cancel(struct pack *p, struct pack_result *r);
/* CMD:MERGE: the open order's merge candidates (merge.h) join its parcel and their lines
 * the bench. */
void pack_merge(struct pack *p, struct pack_result *r);
/* A supervisor's badge lifts a weight lock, with a reason kept on the package. */
void pack_override(struct pack *p, const char *badge, const char *reason,
    struct pack_result *r);

/* Units still to scan in the open order. */
int64_t pack_remaining(const struct pack *p);
/* 1 when the flow waits for the current package's weight (an order open, nothing locked,
 * every unit scanned): a scale's stable reading then weighs it. */
int pack_wants_weight(const struct pack *p);
/* Expected weight of package i: its units' weights plus the box tare. */
int64_t pack_expected_g(const struct pack *p, int i);
/* Allowed difference for an expected weight under the configured tolerance. */
int64_t pack_tolerance_g(const struct pack *p, int64_t expected_g);
/* The box set in use (the configured one, or the built-in default). */
const struct pack_box *pack_boxes(const struct pack *p, int *n);

/* The packages of order_id a station labels after packing it, numbered as label_load()
 * counts them (1 = the order's first package): all of them, or for a split order those
 * of the part packed last. */
int pack_label_pkgs(struct session *s, int64_t order_id, int *first, int *last);

const char *pack_outcome_name(enum pack_outcome o);
const char *pack_lock_name(enum pack_lock l);

#endif

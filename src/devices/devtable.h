/*
 * devtable.h — the device table: which driver drives which USB device, by VID:PID.
 * Rows come from data/devices.conf (compiled in) and may be added by a file or by text
 * from the configuration; a later row wins over an earlier one, an exact PID over "*".
 *
 *	# VID:PID  driver          name
 *	0922:8003  scale-hidpos    DYMO M10
 *	0c2e:*     scanner         Honeywell / Metrologic scanner
 */
#ifndef PB_DEVTABLE_H
#define PB_DEVTABLE_H

#include <stddef.h>

#include "devices.h"

/* A compiled-in file (tools/embed_files.py writes the table of them). */
struct devtable_file {
	const char *name;
	const char *text;
};

extern const struct devtable_file devtable_files[];
extern const size_t devtable_files_count;

enum devtable_driver {
	DRV_IGNORE,                 /* "ignore": never touch it */
	DRV_SCALE_HIDPOS,
	DRV_SCANNER,                /* pick by interface: HID POS, boot keyboard, CDC-ACM */
	DRV_SCANNER_KBD,
	DRV_SCANNER_HIDPOS,
	DRV_PRINTER_USB,
	DRV_AUTO,                   /* "auto": by interface class and HID usage page */
};

struct devtable_row {
	unsigned vid;
	int pid;                    /* -1: any product */
	enum devtable_driver driver;
	char name[64];
};

struct devtable {
	struct devtable_row *rows;
	size_t n, cap;
};

/* The compiled-in rows. 0, or -1 with err (a broken data/devices.conf). */
int devtable_init(struct devtable *t, char *err, size_t errlen);
/* Add rows from text; origin names it in errors ("FILE:LINE: ..."). 0 or -1. */
int devtable_add_text(struct devtable *t, const char *text, const char *origin, char *err,
    size_t errlen);
int devtable_add_file(struct devtable *t, const char *path, char *err, size_t errlen);
void devtable_free(struct devtable *t);

/* The row for vid:pid, or NULL. The pointer lives as long as t is not changed. */
const struct devtable_row *devtable_find(const struct devtable *t, unsigned vid,
    unsigned pid);
/* 1 when some row names this vendor with a scanner driver. */
int devtable_scanner_vendor(const struct devtable *t, unsigned vid);

const char *devtable_driver_name(enum devtable_driver d);
enum dev_role devtable_driver_role(enum devtable_driver d);

#endif

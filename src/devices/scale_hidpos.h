/*
 * scale_hidpos.h — USB HID point-of-sale scales (usage page 0x8D): the 6-byte data
 * report decoded to a weight in milligrams and grams, and the driver that reads them.
 */
#ifndef PB_SCALE_HIDPOS_H
#define PB_SCALE_HIDPOS_H

#include <stddef.h>
#include <stdint.h>

#include "devices.h"

/*
 * Decode one input report: 1 and *w filled; 0 when it is not a data report (report id
 * other than 3 or 4: ignore it); -1 when it is malformed (too short, unknown status or
 * unit).
 */
int scale_hidpos_decode(const uint8_t *rep, size_t len, struct dev_weight *w);

struct usbdev;

/* Zero (tare) the scale: output report 2 with bit 1 set. 0 submitted, -1 not. */
int scale_hidpos_zero(struct usbdev *u);

#endif

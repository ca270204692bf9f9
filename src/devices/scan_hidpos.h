/*
 * scan_hidpos.h — HID point-of-sale scanners (usage page 0x8C), in the layout of
 * Honeywell, Zebra and Datalogic: [0] report id 2, [1] data length, [2-4] AIM symbology
 * id (]C1), data from [5], [63] non-zero when more reports follow. Some devices put the
 * AIM id one byte later; both are read. The parts of a long code are joined.
 */
#ifndef PB_SCAN_HIDPOS_H
#define PB_SCAN_HIDPOS_H

#include <stddef.h>
#include <stdint.h>

#include "devices.h"

struct hidpos {
	char aim[4];
	size_t off;                 /* where data starts (5 or 6); 0 before a scan */
	size_t len;
	int overflow;
	char buf[DEV_SCAN_MAX];     /* data so far, without the AIM id */
};

void hidpos_init(struct hidpos *h);
/*
 * Feed one input report. Returns 1 when a scan is complete: text (textlen bytes, at
 * least DEV_SCAN_MAX) holds it with the AIM id in front, aim the id ("" when none).
 * 0 when more reports are awaited or the report was not a scan; -1 when the scan was too
 * long (dropped).
 */
int hidpos_report(struct hidpos *h, const uint8_t *rep, size_t len, char *text,
    size_t textlen, char aim[4]);

#endif

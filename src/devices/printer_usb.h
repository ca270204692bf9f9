/*
 * printer_usb.h — label printers on the USB printer class: ZPL bytes out the bulk OUT
 * endpoint; where the printer has a bulk IN endpoint, its status asked with ~HS (host
 * status) and read back: paper out, head open, paused, ribbon out. Printers without one
 * are asked the class's GET_PORT_STATUS (paper empty, not selected, error).
 *
 * Two ways in: the device thread's driver (devices_print, status events for the station)
 * and printer_usb_send, a self-contained synchronous send for one-off jobs (`packbench
 * label --out usb:...`, printer_send's usb: case).
 */
#ifndef PB_PRINTER_USB_H
#define PB_PRINTER_USB_H

#include <stddef.h>

#include "devices.h"

/*
 * Read the answer to ~HS: three lines, each STX ... ETX CR LF. Returns 1 and *flags
 * (DEV_PRN_*) when all three are there, 0 when more bytes are needed, -1 when it is not
 * a host status answer.
 */
int printer_usb_parse_hs(const char *buf, size_t len, unsigned *flags);

/* Flags from the printer class port status byte. */
unsigned printer_usb_port_flags(unsigned char status);

struct usbdev;

/* Queue a job to the printer the device thread drives. 0 submitted, -1 not. */
int printer_usb_print(struct usbdev *u, const void *data, size_t len);

/*
 * Open the USB printer vid:pid (serial, when not NULL or "", must match), send data out
 * its bulk endpoint, and release it. Returns 0, or -1 with one line in err (not found,
 * no access with the udev hint, busy, short write).
 */
int printer_usb_send(unsigned vid, unsigned pid, const char *serial, const void *data,
    size_t len, char *err, size_t errlen);

#endif

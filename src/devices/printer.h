/*
 * printer.h — hand finished label bytes (ZPL, or anything raw) to a printer named by a
 * device address (devuri.h). Knows nothing of what the bytes say.
 *
 *   file:PATH       a regular file is replaced atomically (temp file + rename), so a
 *                   reader never sees half a label; a device node or FIFO there
 *                   (file:/dev/usb/lp0) is written directly
 *   tty:DEV         written directly (serial printers)
 *   tcp://HOST:PORT raw socket (port 9100): connect with a timeout, retried with
 *                   backoff while the printer refuses or is busy with another host
 *   cups:QUEUE      a raw job on a CUPS queue
 *   usb:VID:PID     the USB printer class, straight out the bulk endpoint (printer_usb.h)
 *   sim             accepted and counted; written to $PACKBENCH_SIM_PRINTER when set
 */
#ifndef PB_PRINTER_H
#define PB_PRINTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Send len bytes of buf to the printer at uri. Returns 0, or -1 with one line in err
 * naming the printer and what went wrong.
 */
int printer_send(const char *uri, const void *buf, size_t len, char *err, size_t errlen);

/* TCP behaviour: connection attempts (first one included), the first backoff (doubled
 * each retry) and the connect and send timeouts. Defaults 4, 250 ms, 3000 ms, 10000 ms. */
struct printer_tcp_opts {
	int attempts;
	int backoff_ms;
	int connect_timeout_ms;
	int io_timeout_ms;
};
void printer_tcp_set(const struct printer_tcp_opts *o);

/* Bytes accepted by the sim printer in this process. */
uint64_t printer_sim_bytes(void);

#endif

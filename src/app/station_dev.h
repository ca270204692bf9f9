/*
 * station_dev.h — the station's own scanner, scale and printer, between the devices
 * layer and the pack flow. When the configuration names real devices (usb:, hid:, tty:)
 * the app starts the devices layer here and turns what it reports into the calls the
 * flow already has: a scan is a scan, a stable weight weighs the package when the flow
 * waits for one (never a reading in motion), and arrivals, departures, printer status and
 * errors become each device's state on the status line. A scan keeps its AIM
 * symbology id only when it is a GS1 one (]C1, ]d2, ]Q3, ]e0, ]J1), which the flow
 * needs to read GS1 data; others (]E0, ]C0...) are dropped before lookup. The station
 * screen (through its device fd and pump) and line mode (`packbench scan --devices`)
 * share it, and labels for a USB printer the device thread holds go out through it.
 */
#ifndef PB_STATION_DEV_H
#define PB_STATION_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "core/pack.h"
#include "vm_login.h"
#include "vm_pack.h"

struct station_dev;

/* 1 when cfg's [station] names a device the devices layer drives (usb:, hid:, tty:). */
int station_dev_wanted(const struct config *cfg);

/*
 * Start the devices of cfg's [station], and every device the table knows that is
 * plugged in (the table: compiled in, plus devices.conf beside the configuration file).
 * Never fails: when the devices layer cannot start, the result says why on the status
 * line (station_dev_error) and its fd is -1. Free with station_dev_stop; cfg must
 * outlive it.
 */
struct station_dev *station_dev_start(const struct config *cfg);
void station_dev_stop(struct station_dev *sd);

/* Readable when the devices have news; -1 when they are not running. */
int station_dev_fd(const struct station_dev *sd);
/* Why the devices are not running; "" when they are. */
const char *station_dev_error(const struct station_dev *sd);

/*
 * The station screen: hand everything the devices said to the screen in front, pack
 * when someone is logged in, else login (keys, as a wedge scanner types them). Scans go
 * through vm_pack_scan, readings through vm_pack_reading, news to the message line,
 * states to the status line. Stops early at a log-in (VM_DONE) or a log-out
 * (VM_LOGOUT), leaving the rest queued. Returns VM_* flags, VM_SWITCH when a scan went
 * to the packing screen.
 */
int station_dev_pump(struct station_dev *sd, struct vm_pack *pack, struct vm_login *login);

/* The devices' states as the status line shows them (at most max); returns how many. */
int station_dev_states(struct station_dev *sd, struct vm_pack_dev *out, int max);

/*
 * Line mode: take the next device event. A scan goes to p through pack_input; a stable
 * weight goes through pack_weight when p waits for one; input then says what went in
 * (the scan, or "WEIGHT 1250") and r how it went. Other news (a device arrived or left,
 * a printer's status, an error) is one line in note. Returns 1 when an event was taken
 * (input and note "" when there is nothing to show), 0 when none is left.
 */
int station_dev_line(struct station_dev *sd, struct pack *p, char *input, size_t inlen,
    struct pack_result *r, char *note, size_t notelen);

/*
 * Print the labels of order_id on printer (NULL: the configured one). A USB printer the
 * device thread holds gets the job through it: queued, and with wait_ms > 0 waited for
 * (other events meanwhile are kept for later); without waiting, a failure arrives later
 * as news. Any other printer (or sd NULL): station_print. 0, or -1 with one line in err.
 */
int station_dev_print(struct station_dev *sd, struct session *s, const struct config *cfg,
    const char *printer, int64_t order_id, int wait_ms, char *err, size_t errlen);

#endif

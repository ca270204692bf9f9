/*
 * station.h — what line mode (`packbench scan`) and the station screen share in the app
 * layer: the station's pack settings taken from the configuration, and printing the
 * labels of a packed order on the station's printer.
 */
#ifndef PB_STATION_H
#define PB_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "core/pack.h"

/*
 * Fill *out from cfg's [station] and [boxes]: station id, warehouse (warehouse overrides
 * the configured code when not NULL; with neither, the only warehouse in the database),
 * weight tolerance, auto-confirm, boxes. With several warehouses and none named,
 * warehouse_id is 0: any. 0, or -1 with one line in err.
 */
int station_pack_config(struct session *s, const struct config *cfg, const char *warehouse,
    struct pack_config *out, char *err, size_t errlen);

/*
 * The labels of every package of order_id as one job (ZPL) in *job, *len bytes; *job is
 * malloc'd and the caller's to free. 0, or -1 with one line in err.
 */
int station_labels(struct session *s, const struct config *cfg, int64_t order_id,
    char **job, size_t *len, char *err, size_t errlen);

/*
 * Render the labels of every package of order_id and send them to printer (NULL: the
 * configured one) as one job, so a file: printer holds the whole order. 0, or -1 with
 * one line in err; the order stays packed either way. (A USB printer held by the
 * station's device thread is printed to through station_dev.h instead.)
 */
int station_print(struct session *s, const struct config *cfg, const char *printer,
    int64_t order_id, char *err, size_t errlen);

#endif

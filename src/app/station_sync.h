/*
 * station_sync.h — the configuration's shops as the sync worker takes them (shared by
 * `packbench sync` and the station), and the station's background sync thread: the
 * worker (market/worker.h) on its own database connection, telling the main loop of
 * orders that changed through an eventfd. Only the main thread touches curses: the
 * thread never calls the ui, the ui's loop calls station_sync_pump.
 */
#ifndef PB_STATION_SYNC_H
#define PB_STATION_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "market/worker.h"

struct vm_pack;

/* The shops the worker can pull, and those it cannot (no connector yet). */
struct station_sync_shops {
	struct worker_shop *v;      /* strings borrow from the config, codes from here */
	size_t n;
	char **codes;
	const char **skipped_names, **skipped_channels;
	size_t skipped;
};

/* Fill ss from cfg's [shop] sections; free with station_sync_shops_free. */
void station_sync_shops(const struct config *cfg, struct station_sync_shops *ss);
void station_sync_shops_free(struct station_sync_shops *ss);

/* The worker's options from cfg's [sync] (interval, lease, station's UTC offset). */
void station_sync_opts(const struct config *cfg, struct worker_opts *o);

struct station_sync;

/*
 * Start the sync thread on its own connection to the database at db_path, when cfg has
 * shops it can pull and [sync] in_station is not no: *out, or *out NULL when there is
 * nothing to run. 0, or -1 with one line in err.
 */
int station_sync_start(const struct config *cfg, const char *db_path,
    struct station_sync **out, char *err, size_t errlen);

/* Readable when the thread has news (orders changed, an error). -1 for NULL. */
int station_sync_fd(const struct station_sync *ss);

/*
 * On the main thread when the fd is readable: take the news and hand it to the packing
 * screen (pack may be NULL when nobody is logged in): when the open order changed, the
 * screen looks at it at once (vm_pack_watch: a buyer's cancel locks the station).
 * Returns VM_* flags.
 */
int station_sync_pump(struct station_sync *ss, struct vm_pack *pack);

/* The last line the thread logged ("" none), for the status line; copied into buf. */
void station_sync_last(struct station_sync *ss, char *buf, size_t len);

/* Stop the thread (waits for the call in flight), release its leases, free. NULL ok. */
void station_sync_stop(struct station_sync *ss);

#endif

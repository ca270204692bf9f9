/*
 * notify.h — changes other processes should hear of at once: an order cancelled or
 * packed at one station updates every other station's screens showing it.
 *
 * A sender writes a notification (a channel and a short payload) inside its own
 * transaction; it is delivered if and only if that transaction commits. A listener is
 * one per connection, for the main loop: it gives a file descriptor to poll() and,
 * when that is readable (or whenever the caller likes), hands over what was committed
 * since, its own process's included.
 *
 * SQLite (stations on one machine sharing the file): notifications are rows of the
 * change_log table (schema 20), pruned as they go; the descriptor is an inotify watch
 * on the database's directory that fires when the write-ahead log is written (a timer
 * when inotify is not there), and PRAGMA data_version tells whether anything was
 * committed before the table is read. PostgreSQL: the same rows, and pg_notify() on
 * channel "pb_<channel>"; the listener LISTENs there, its descriptor wakes when the
 * connection's socket has input (and once a second besides); the table stays what
 * is read.
 */
#ifndef PB_NOTIFY_H
#define PB_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct notify;

/* The channel order changes go on; their payload is "ID STATUS". */
#define NOTIFY_ORDER "order"

/*
 * Record a notification in the caller's open transaction (the caller's to commit).
 * channel: a plain lower-case name; payload: up to 200 bytes of text. 0 or negative.
 */
int notify_send(struct db *db, const char *channel, const char *payload);

/* Order id is now in status (order_status_name()); on NOTIFY_ORDER. */
int notify_order(struct db *db, int64_t id, const char *status);

/*
 * A listener on db for channel (more with notify_listen()); it hears what is committed
 * from now on. Owned by the caller: notify_close(). 0, or negative with err set.
 */
int notify_open(struct notify **out, struct db *db, const char *channel, char *err,
    size_t errlen);
int notify_listen(struct notify *n, const char *channel);
void notify_close(struct notify *n);

/* The descriptor to poll() for POLLIN; stays the same for the listener's life. */
int notify_fd(const struct notify *n);

/*
 * Deliver what was committed since the last call, oldest first: cb(ctx, channel,
 * payload) for each notification on a channel listened to. payload NULL means some
 * were missed (pruned before they were read): reload everything of that channel.
 * Clears the descriptor's readiness. The count delivered, or negative on a database
 * error.
 */
int notify_read(struct notify *n, void (*cb)(void *ctx, const char *channel,
    const char *payload), void *ctx);

#endif

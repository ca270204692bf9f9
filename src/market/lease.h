/*
 * lease.h — one puller per shop across the processes that share a database: a row in
 * sync_lease names the holder (host:pid:random) and when its hold runs out. Taking and
 * renewing are the same single UPDATE-or-INSERT, which succeeds only when the row is
 * free, expired or already ours, so two processes never both believe they hold it.
 * The clock is the caller's (Unix s), so tests move it by hand.
 */
#ifndef PB_LEASE_H
#define PB_LEASE_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define LEASE_HOLDER_MAX 96

/* A holder name for this process: "host:pid:random" (random: 8 hex digits). */
void lease_holder_name(char *buf, size_t len);

/*
 * Take or renew the lease of shop_id for holder until now + ttl_s. 1 when holder holds
 * it now, 0 when another live holder has it, negative on a database error. Not to be
 * called inside an open transaction (it is its own statement).
 */
int lease_acquire(struct db *db, int64_t shop_id, const char *holder, int64_t now,
    int64_t ttl_s);

/* Give the lease up if holder has it (expires at once). 0, or negative on error. */
int lease_release(struct db *db, int64_t shop_id, const char *holder);

/*
 * When shop_id's lease is held by a process of this host that no longer exists (it was
 * killed or crashed; its name says host and pid), expire the lease so a restarted
 * process need not wait out the dead one's hold. 1 reaped, 0 not (free, another host, a
 * live process), negative on error.
 */
int lease_reap_dead(struct db *db, int64_t shop_id);

/*
 * Who holds shop_id's lease at now: 1 with holder copied into buf (and *expires_at set
 * when not NULL), 0 when nobody holds a live one, negative on error.
 */
int lease_holder(struct db *db, int64_t shop_id, int64_t now, char *buf, size_t len,
    int64_t *expires_at);

#endif

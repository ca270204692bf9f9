/*
 * lease.c — the per-shop sync lease (lease.h). The whole election is one statement:
 *
 *   INSERT ... ON CONFLICT(shop_id) DO UPDATE SET holder, expires_at
 *       WHERE sync_lease.expires_at < now OR sync_lease.holder = me
 *
 * SQLite runs it under the database's write lock (PostgreSQL under the row lock), so of
 * two processes racing for an expired row exactly one changes it; the other sees zero
 * rows changed and does not pull. A holder of this host whose process is gone (by its
 * pid) is reaped at once instead of waiting for its expiry: a daemon restarted after a
 * crash carries on where it stopped.
 */
#include "lease.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/db.h"

void
lease_holder_name(char *buf, size_t len)
{
	char host[64];
	uint32_t r;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	if (sodium_init() < 0)
		r = (uint32_t)getpid() * 2654435761u;
	else
		r = randombytes_random();
	snprintf(buf, len, "%s:%ld:%08x", host, (long)getpid(), (unsigned)r);
}

int
lease_acquire(struct db *db, int64_t shop_id, const char *holder, int64_t now,
    int64_t ttl_s)
{
	int rc;

	rc = db_run(db, "INSERT INTO sync_lease(shop_id, holder, expires_at) VALUES (?, ?, ?) "
	    "ON CONFLICT(shop_id) DO UPDATE SET holder = excluded.holder, "
	    "expires_at = excluded.expires_at "
	    "WHERE sync_lease.expires_at < ? OR sync_lease.holder = excluded.holder",
	    "isii", shop_id, holder, now + ttl_s, now);
	if (rc != 0)
		return rc;
	return db_changes(db) > 0 ? 1 : 0;
}

int
lease_release(struct db *db, int64_t shop_id, const char *holder)
{
	/* Expired in the past, not deleted: the row keeps who held it last. */
	return db_run(db, "UPDATE sync_lease SET expires_at = 0 WHERE shop_id = ? AND holder = ?",
	    "is", shop_id, holder);
}

int
lease_holder(struct db *db, int64_t shop_id, int64_t now, char *buf, size_t len,
    int64_t *expires_at)
{
	struct db_stmt *st;
	int rc;

	buf[0] = '\0';
	st = db_prep(db, "SELECT holder, expires_at FROM sync_lease WHERE shop_id = ? AND "
	    "expires_at >= ?");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, shop_id);
	db_bind_int(st, 2, now);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(buf, len, "%s", db_col_text(st, 0));
		if (expires_at != NULL)
			*expires_at = db_col_int(st, 1);
		rc = 1;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_done(st);
	return rc;
}

int
lease_reap_dead(struct db *db, int64_t shop_id)
{
	char holder[LEASE_HOLDER_MAX], host[64], *colon, *end;
	size_t hl;
	long pid;
	int rc;

	rc = lease_holder(db, shop_id, 0, holder, sizeof holder, NULL);
	if (rc <= 0)
		return rc;
	if (gethostname(host, sizeof host) != 0)
		return 0;
	host[sizeof host - 1] = '\0';
	hl = strlen(host);
	if (strncmp(holder, host, hl) != 0 || holder[hl] != ':')
		return 0;
	pid = strtol(holder + hl + 1, &end, 10);
	colon = end;
	if (colon == holder + hl + 1 || *colon != ':' || pid <= 0 || pid == (long)getpid())
		return 0;
	if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0;
	rc = db_run(db, "UPDATE sync_lease SET expires_at = 0 WHERE shop_id = ? AND holder = ?",
	    "is", shop_id, holder);
	if (rc != 0)
		return rc;
	return db_changes(db) > 0 ? 1 : 0;
}

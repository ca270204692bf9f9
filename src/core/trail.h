/*
 * trail.h — reading the audit log back: the records of one order (its trail), or any
 * records filtered by user, station and time, newest first; and the chain check as the
 * supervisor screens run it. Supervisor role and above; the log itself is audit.c's.
 */
#ifndef PB_TRAIL_H
#define PB_TRAIL_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Which records; 0 and NULL fields match any. */
struct trail_filter {
	int64_t order_id;           /* the order's own records (entity "order") */
	const char *user;           /* exact user name */
	const char *station;        /* exact station id */
	int64_t from, to;           /* at in [from, to); 0: open */
	int limit;                  /* 0: all */
};

struct trail_row {
	int64_t id, at;
	char user[64], station[32], entity[24], entity_id[24], action[32];
	char before[256], after[512];
};

/* *rows owned by the caller (free()), newest first. */
int trail_list(struct session *s, const struct trail_filter *f, struct trail_row **rows,
    size_t *n);
/* audit_verify() behind the role check: 0 intact, 1 broken (msg says where), negative. */
int trail_verify(struct session *s, int64_t *count, int64_t *bad_id, char *msg, size_t len);

#endif

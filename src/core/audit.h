/*
 * audit.h — the append-only, SHA-256 hash-chained audit log.
 *
 * Each record's hash covers the previous record's hash and every field of its own, and
 * audit_head holds the newest id and hash, so editing, inserting or deleting any record
 * (the newest included) breaks the chain where it happened. Records are written in the
 * caller's transaction.
 */
#ifndef PB_AUDIT_H
#define PB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct db;

/*
 * Append a record: who and where from the session, what (entity, entity_id, action) and
 * before/after (short text, usually JSON; NULL is stored as ""). Must run inside a
 * transaction the caller opened. Returns 0 or a negative status.
 */
int audit_log(struct session *s, const char *entity, int64_t entity_id,
    const char *action, const char *before, const char *after);

/*
 * Hold the records audit_log() makes from now on (hashed and chained as usual) and
 * insert them many to a statement at audit_flush(): for a batch that writes thousands
 * (route_batch). Inside the caller's transaction; audit_flush() before it commits, with
 * discard set when it rolls back. A savepoint rolled back in between fails the next
 * audit_log(). Nothing may read the audit table in between.
 */
void audit_defer(struct session *s);
int audit_flush(struct session *s, int discard);

/*
 * Walk the chain. Returns 0 when intact and fills *count; 1 when broken, with *bad_id the
 * first record found altered, inserted or missing and msg one line saying what; negative
 * on a database error.
 */
int audit_verify(struct db *db, int64_t *count, int64_t *bad_id, char *msg, size_t len);

/* text as the body of a JSON string for a record's before/after: quotes and backslashes
 * escaped, controls dropped; cut to fit len. */
void audit_json_text(char *out, size_t len, const char *text);

#endif

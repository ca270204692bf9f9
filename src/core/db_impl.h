/*
 * db_impl.h — what db.c (the engine-neutral half of the db layer) and the two engine
 * backends, db_sqlite.c and db_pg.c, share. Nothing outside those three files includes
 * it: the rest of the code sees only db.h.
 *
 * db.c owns the statement cache, transaction nesting, commit hooks and slots; a backend
 * owns its connection and turns one SQL text into one statement it can bind and step.
 */
#ifndef PB_DB_IMPL_H
#define PB_DB_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define DB_STMT_BUCKETS 128
#define DB_FAST_SLOTS 256
#define DB_MAX_DEPTH 16
#define DB_MAX_HOOKS 4

/* The head of every backend's statement: a backend allocates its own, bigger struct
 * with this as its first member. */
struct db_stmt {
	struct db *db;
	uint64_t hash;
	char *sql;                  /* the text it was prepared from (cache key) */
	struct db_stmt *next;       /* cache bucket chain */
};

/* Transaction verbs a backend runs for db.c; depth names the savepoint. */
enum db_tx_op {
	DB_TX_BEGIN,                /* outermost, taking the write lock at once */
	DB_TX_BEGIN_ROWS,           /* outermost, locking rows with lock() (db_begin_rows) */
	DB_TX_COMMIT,
	DB_TX_ROLLBACK,
	DB_TX_SAVEPOINT,
	DB_TX_RELEASE,
	DB_TX_ROLLBACK_TO,
};

struct db_ops {
	const char *engine;         /* "sqlite", "postgresql" */
	/* Connect to target (the path or URL without any "sqlite:" prefix), setting
	 * db->impl; on failure one line in err and a negative status. */
	int (*open)(struct db *db, const char *target, char *err, size_t errlen);
	void (*close)(struct db *db);
	const char *(*errmsg)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	/* A new statement for sql (db.c fills the head's cache fields); NULL on error. */
	struct db_stmt *(*prepare)(struct db *db, const char *sql);
	void (*finalize)(struct db_stmt *st);
	/* Back to before the first step, bindings cleared. */
	void (*reset)(struct db_stmt *st);
	void (*bind_int)(struct db_stmt *st, int idx, int64_t v);
	/* n bytes of s, or up to its NUL when n is (size_t)-1. */
	void (*bind_text)(struct db_stmt *st, int idx, const char *s, size_t n);
	void (*bind_null)(struct db_stmt *st, int idx);
	int (*step)(struct db_stmt *st);
	/* db_step_later(); NULL to step at once. */
	int (*step_later)(struct db_stmt *st);
	int64_t (*col_int)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col);   /* NULL for SQL NULL */
	int (*col_null)(struct db_stmt *st, int col);
	int (*col_count)(struct db_stmt *st);
	const char *(*col_name)(struct db_stmt *st, int col);
	int64_t (*last_id)(struct db *db);
	int (*changes)(struct db *db);
	int (*tx)(struct db *db, enum db_tx_op op, int depth);
	int64_t (*size)(struct db *db);
	/* db_lock() in a DB_TX_BEGIN_ROWS transaction; NULL where BEGIN serialises writers
	 * (then db_begin_rows() is DB_TX_BEGIN). */
	int (*lock)(struct db *db, const char *table, int64_t key);
	/* LISTEN/NOTIFY (db.h); NULL where the engine has none. */
	int (*listen)(struct db *db, const char *channel);
	int (*fd)(struct db *db);
	int (*notification)(struct db *db, char *channel, size_t clen, char *payload,
	    size_t plen);
	/* Run the migrations newer than the schema_version table says, in one transaction;
	 * NULL to use db.c's generic runner with the migration's text unchanged. */
	int (*migrate)(struct db *db, char *err, size_t errlen);
};

struct db {
	const struct db_ops *ops;
	void *impl;                         /* the backend's connection state */
	char *path;                         /* as given to db_open() */
	int depth;                          /* open transaction nesting */
	struct db_stmt *cache[DB_STMT_BUCKETS];
	/* Most SQL is a string literal: a direct-mapped cache keyed by its address saves
	 * hashing the text on every call (the text is still compared). */
	struct {
		const char *key;
		struct db_stmt *st;
	} fast[DB_FAST_SLOTS];
	int (*hooks[DB_MAX_HOOKS])(struct db *);
	int nhooks;
	int64_t tx_mark;
	uint64_t tx_serial;                 /* outermost transactions begun */
	uint64_t rollbacks;                 /* rollbacks at any depth */
	uint64_t reconnects;                /* lost connections re-opened (PostgreSQL) */
	db_wait_fn *wait_fn;                /* db_set_wait_hook() */
	void *wait_arg;
	int rowlocked;                      /* the backend began DB_TX_BEGIN_ROWS */
	int tx_lost;                        /* this transaction lost a deadlock (db_retry) */
	void *slots[DB_NSLOTS];
};

/* data/schema/pg/: 000_compat.sql, run before the migrations on PostgreSQL, and
 * NNN_*.sql files used there instead of migration NNN (compiled in by data/meson.build). */
struct db_pg_file {
	const char *name;
	const char *text;
};
extern const struct db_pg_file db_pg_files[];
extern const size_t db_pg_files_count;

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

/* Sleep ms, cut short by db_interrupt(): 0 slept, -1 interrupted (also before). */
int db_wait_ms(int64_t ms);
/* A descriptor that polls readable once db_interrupt() was called; -1 when none. */
int db_interrupt_fd(void);

/* The generic migration runner (db.c), for backends that need no translation. */
int db_migrate_generic(struct db *db, char *err, size_t errlen);

#endif

/*
 * db.h — the thin database layer every core module goes through.
 *
 * It owns the connection, applies the numbered migrations at open, caches prepared
 * statements by their SQL text, and nests transactions as savepoints so that a core
 * operation is all-or-nothing whether or not its caller already opened a transaction.
 * Two engines sit behind it: SQLite (db_sqlite.c, the embedded default) and PostgreSQL
 * (db_pg.c, for sites with stations on several machines), chosen by db_open()'s path.
 * The SQL callers write is SQLite's; the PostgreSQL backend translates it.
 */
#ifndef PB_DB_H
#define PB_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

/* db_step() results and error statuses (all errors are negative). */
enum {
	DB_ROW = 1,
	DB_DONE = 0,
	DB_ERR = -1,        /* anything else; see db_errmsg() */
	DB_EBUSY = -2,      /* another writer held the database past the busy timeout */
	DB_ECONSTRAINT = -3,
	DB_EREADONLY = -4,
	DB_EFULL = -5,      /* disk or quota full */
	DB_ECONFLICT = -6,  /* optimistic version check lost: reload and retry */
	DB_ENOTFOUND = -7,
	DB_EINVAL = -8,     /* bad input, described in the session error */
	DB_EPERM = -9,      /* role does not allow it */
	DB_ESTATE = -10,    /* illegal state transition */
	DB_ESTOCK = -11,    /* not enough stock */
	DB_ELOCKED = -12,   /* account locked */
};

/*
 * Open (creating if needed) the database at path and bring its schema up to date.
 * path is a file name or "sqlite:FILE" for SQLite, "postgresql://..." or
 * "postgres://..." (a libpq connection URI) for PostgreSQL.
 * Refuses a database whose schema is newer than this binary knows. On failure returns
 * negative, writes one line into err, and *out is NULL.
 */
int db_open(struct db **out, const char *path, char *err, size_t errlen);
void db_close(struct db *db);

/* Schema version applied in this database, and the newest this binary knows. */
int db_schema_version(struct db *db);
int db_schema_latest(void);

const char *db_errmsg(struct db *db);
const char *db_path(struct db *db);
/* The engine behind db: "sqlite" or "postgresql". */
const char *db_engine(struct db *db);
/* How often a lost server connection was re-opened (PostgreSQL; always 0 on SQLite):
 * a station shows it changed. A statement outside a transaction waits for the server
 * with backoff (about 25 s) before failing; inside one it fails, and the transaction is
 * rolled back by its caller as for any error. */
uint64_t db_reconnects(struct db *db);

/*
 * Told while a lost server connection is re-opened (PostgreSQL), which blocks the calling
 * thread for up to about 25 s (db_interrupt() ends it): fn(arg, attempt, waited_ms)
 * before each attempt (1, 2, ...; waited_ms since the loss was noticed), then once with
 * attempt 0 when the connection is back, or -1 when it gave up. A station says so on
 * its status line meanwhile. fn runs on the thread that was using db. NULL fn: nothing
 * told. SQLite never calls it.
 */
typedef void db_wait_fn(void *arg, int attempt, int64_t waited_ms);
void db_set_wait_hook(struct db *db, db_wait_fn *fn, void *arg);

/*
 * Stop waiting for lost server connections, in this whole process, now and from then on:
 * a wait under way (db_set_wait_hook()) ends at once, and a connection found lost
 * afterwards is not re-opened; the statement fails as for any error, saying so. Working
 * connections go on. For a process told to stop (SIGTERM, SIGINT): async-signal-safe,
 * any thread. db_interrupted(): 1 once it was called.
 */
void db_interrupt(void);
int db_interrupted(void);

/* Run one or more statements without parameters. */
int db_exec(struct db *db, const char *sql);

/*
 * Prepared statement for sql, from the cache (keyed by the SQL text), reset and with
 * no bindings. The statement stays owned by the db; call db_done() when finished with
 * it. NULL on a SQL error (db_errmsg says why).
 */
struct db_stmt *db_prep(struct db *db, const char *sql);
void db_done(struct db_stmt *st);

/* Bind parameter idx (1-based). Text is not copied: it must stay valid until the
 * statement is stepped for the last time (db_done()). */
void db_bind_int(struct db_stmt *st, int idx, int64_t v);
void db_bind_text(struct db_stmt *st, int idx, const char *s);   /* NULL binds NULL */
void db_bind_textn(struct db_stmt *st, int idx, const char *s, size_t n);
void db_bind_null(struct db_stmt *st, int idx);

/* DB_ROW, DB_DONE or a negative status. */
int db_step(struct db_stmt *st);

/*
 * For a write whose failure the caller does not tell apart from any other (it only
 * gives up): as db_step() run to DB_DONE, except that inside a transaction on
 * PostgreSQL the statement is queued and goes to the server with the next one whose
 * result is needed (or the commit), saving a round trip. Its failure then fails that
 * later call (db_errmsg() names the write) and the transaction with it. db_last_id()
 * and db_changes() do not see it. db_run_later() is db_run() the same way.
 */
int db_step_later(struct db_stmt *st);

int64_t db_col_int(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col);  /* "" for NULL; valid until next step */
int db_col_null(struct db_stmt *st, int col);
int db_col_count(struct db_stmt *st);
const char *db_col_name(struct db_stmt *st, int col);

/*
 * Prepare, bind from a type string and run to completion: 'i' int64_t, 's' const char *
 * (NULL binds NULL), 'n' NULL (takes no argument). Returns 0 or a negative status.
 */
int db_run(struct db *db, const char *sql, const char *types, ...);
int db_run_later(struct db *db, const char *sql, const char *types, ...);

/* Same, returning the first column of the first row in *out; DB_ENOTFOUND if no row. */
int db_int(struct db *db, int64_t *out, const char *sql, const char *types, ...);

int64_t db_last_id(struct db *db);
int db_changes(struct db *db);

/*
 * Transactions nest: the outermost db_begin() takes the write lock at once (so readers
 * never upgrade and deadlock), inner ones are savepoints. Every db_begin() is matched by
 * exactly one db_commit() or db_rollback().
 */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
int db_in_tx(struct db *db);

/*
 * Row locking, for the write paths several stations run at once (claim, scan, pack,
 * give back). db_begin_rows() is db_begin() for a transaction that takes, with db_lock(),
 * a lock on every order and stock key it reads to decide and writes, BEFORE reading it:
 * on PostgreSQL such transactions run side by side, the others still one at a time
 * (db_pg.c). Lock order: orders before stock, keys ascending; the audit chain is locked
 * last, at commit, by audit.c. Nested in another transaction it is a savepoint of that
 * transaction's kind. On SQLite both are db_begin() and db_lock() does nothing (BEGIN
 * IMMEDIATE serialises the writers). db_rowlocked(): whether the current transaction is
 * such a one on PostgreSQL.
 */
int db_begin_rows(struct db *db);
int db_lock(struct db *db, const char *table, int64_t key);
int db_rowlocked(struct db *db);

/*
 * After the outermost transaction was rolled back (or its commit failed) with status rc:
 * 1 when it lost a deadlock or a serialization failure on the server and should simply be
 * run again (at most a few times per *tries, which starts at 0; a short random pause
 * first), 0 otherwise.
 */
int db_retry(struct db *db, int rc, int *tries);

/*
 * Run fn just before the outermost transaction commits (once, however often it is
 * registered); a failing fn rolls the transaction back. Forgotten on rollback. For work
 * that needs doing once per transaction, not once per change (the audit chain head).
 */
void db_on_commit(struct db *db, int (*fn)(struct db *));

/* One int64 of scratch for the current outermost transaction, zeroed when it begins
 * (the audit chain keeps the id of the transaction's first record there). */
int64_t *db_tx_mark(struct db *db);

/*
 * For caches that must not outlive what they cache: the count of outermost
 * transactions begun and of rollbacks (any depth) on this connection. A value read
 * under the write lock stays true while neither count moved.
 */
uint64_t db_tx_serial(struct db *db);
uint64_t db_rollbacks(struct db *db);

/* A module's per-connection pointer, freed with free() by db_close(). */
enum db_slot {
	DB_SLOT_AUDIT,
	DB_SLOT_ORDER,
	DB_SLOT_RULES,
	DB_NSLOTS
};
void **db_slot(struct db *db, enum db_slot which);

/*
 * LISTEN/NOTIFY between connections (PostgreSQL). db_listen() subscribes db to channel;
 * db_notify() sends payload to every listener when the current transaction commits (at
 * once outside one); db_fd() is the socket to poll() for input, and db_notification()
 * takes the next one received: 1 with channel and payload copied, 0 when none is
 * waiting, negative when the connection failed. On SQLite db_listen() and db_notify()
 * return DB_EINVAL and db_fd() -1: poll the database instead (PRAGMA data_version).
 */
int db_listen(struct db *db, const char *channel);
int db_notify(struct db *db, const char *channel, const char *payload);
int db_fd(struct db *db);
int db_notification(struct db *db, char *channel, size_t clen, char *payload, size_t plen);

/* Sum of bytes in the main database file (pages * page size). */
int64_t db_size(struct db *db);

#endif

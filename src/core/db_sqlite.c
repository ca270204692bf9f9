/*
 * db_sqlite.c — the SQLite engine behind the db layer (the embedded default): one file
 * in WAL mode with a busy timeout and foreign keys on; write transactions begin
 * IMMEDIATE so that readers never upgrade and deadlock. The only file that includes
 * sqlite3.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_impl.h"
#include "xalloc.h"

struct sq_stmt {
	struct db_stmt head;
	sqlite3_stmt *st;
};

struct sq_conn {
	sqlite3 *h;
	sqlite3_stmt *sp[DB_MAX_DEPTH][3];  /* SAVEPOINT, RELEASE, ROLLBACK TO per depth */
};

#define CONN(db) ((struct sq_conn *)(db)->impl)
#define ST(s) (((struct sq_stmt *)(void *)(s))->st)

static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_EBUSY;
	case SQLITE_CONSTRAINT:
		return DB_ECONSTRAINT;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return DB_EREADONLY;
	case SQLITE_FULL:
	case SQLITE_IOERR:
		return DB_EFULL;
	default:
		return DB_ERR;
	}
}

static const char *
sq_errmsg(struct db *db)
{
	return sqlite3_errmsg(CONN(db)->h);
}

static int
sq_exec(struct db *db, const char *sql)
{
	return map_rc(sqlite3_exec(CONN(db)->h, sql, NULL, NULL, NULL));
}

/*
 * A test hook for a full disk and a read-only database, which root (the test machines)
 * cannot get from a small file system or chmod: with PACKBENCH_TEST_DISK=FILE set, every
 * outermost transaction first reads FILE: "full" caps the database at its present size
 * (PRAGMA max_page_count: SQLite answers SQLITE_FULL as on a full disk), "readonly"
 * refuses every write (PRAGMA query_only: SQLITE_READONLY); anything else, or no file,
 * lifts both, as when space returns.
 */
static void
test_disk_hook(struct db *db)
{
	const char *path = getenv("PACKBENCH_TEST_DISK");
	char word[16] = "";
	FILE *fp;

	if (path == NULL || path[0] == '\0')
		return;
	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%15s", word) != 1)
			word[0] = '\0';
		fclose(fp);
	}
	sq_exec(db, strcmp(word, "readonly") == 0 ? "PRAGMA query_only = 1" :
	    "PRAGMA query_only = 0");
	sq_exec(db, strcmp(word, "full") == 0 ? "PRAGMA max_page_count = 1" :
	    "PRAGMA max_page_count = 1073741823");
}

static int
sq_open(struct db *db, const char *path, char *err, size_t errlen)
{
	struct sq_conn *c;
	int rc;

	/* Allocation statistics cost a global mutex per malloc; packbench never reads them.
	 * Only possible before SQLite initialises; later calls fail harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	c = xcalloc(1, sizeof *c);
	db->impl = c;
	rc = sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		return map_rc(rc) < 0 ? map_rc(rc) : DB_ERR;
	}
	sqlite3_extended_result_codes(c->h, 0);
	sqlite3_busy_timeout(c->h, 10000);
	if ((rc = sq_exec(db, "PRAGMA foreign_keys = ON")) != 0 ||
	    (rc = sq_exec(db, "PRAGMA synchronous = NORMAL")) != 0 ||
	    (rc = sq_exec(db, "PRAGMA temp_store = MEMORY")) != 0) {
		snprintf(err, errlen, "%s: %s", path, sq_errmsg(db));
		return rc;
	}
	/* WAL is persistent in the file; only switch when not in WAL yet. */
	if ((rc = sq_exec(db, "PRAGMA journal_mode = WAL")) != 0) {
		snprintf(err, errlen, "%s: cannot enable WAL: %s", path, sq_errmsg(db));
		return rc;
	}
	/* A file that is not a database fails here with a clear message. */
	if ((rc = sq_exec(db, "SELECT count(*) FROM sqlite_master")) != 0) {
		snprintf(err, errlen, "%s: not a packbench database: %s", path, sq_errmsg(db));
		return rc;
	}
	test_disk_hook(db);
	return 0;
}

static void
sq_close(struct db *db)
{
	struct sq_conn *c = CONN(db);
	int i, j;

	for (i = 0; i < DB_MAX_DEPTH; i++) {
		for (j = 0; j < 3; j++)
			sqlite3_finalize(c->sp[i][j]);
	}
	sqlite3_close_v2(c->h);
	free(c);
	db->impl = NULL;
}

static struct db_stmt *
sq_prepare(struct db *db, const char *sql)
{
	struct sq_stmt *s;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(CONN(db)->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->st = st;
	return &s->head;
}

static void
sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

static void
sq_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
	sqlite3_clear_bindings(ST(st));
}

static void
sq_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(ST(st), idx, v);
}

static void
sq_bind_text(struct db_stmt *st, int idx, const char *s, size_t n)
{
	sqlite3_bind_text(ST(st), idx, s, n == (size_t)-1 ? -1 : (int)n, SQLITE_STATIC);
}

static void
sq_bind_null(struct db_stmt *st, int idx)
{
	sqlite3_bind_null(ST(st), idx);
}

static int
sq_step(struct db_stmt *st)
{
	return map_rc(sqlite3_step(ST(st)));
}

static int64_t
sq_col_int(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(ST(st), col);
}

static const char *
sq_col_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(ST(st), col);
}

static int
sq_col_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(ST(st), col) == SQLITE_NULL;
}

static int
sq_col_count(struct db_stmt *st)
{
	return sqlite3_column_count(ST(st));
}

static const char *
sq_col_name(struct db_stmt *st, int col)
{
	return sqlite3_column_name(ST(st), col);
}

static int64_t
sq_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(CONN(db)->h);
}

static int
sq_changes(struct db *db)
{
	return sqlite3_changes(CONN(db)->h);
}

/* Run a cached SAVEPOINT / RELEASE / ROLLBACK TO for nesting level depth. */
static int
savepoint(struct db *db, int depth, int which)
{
	static const char *const verb[3] = { "SAVEPOINT", "RELEASE", "ROLLBACK TO" };
	sqlite3_stmt **slot = &CONN(db)->sp[depth][which];
	char sql[48];
	int rc;

	if (*slot == NULL) {
		snprintf(sql, sizeof sql, "%s sp%d", verb[which], depth);
		if (sqlite3_prepare_v3(CONN(db)->h, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
		    NULL) != SQLITE_OK)
			return DB_ERR;
	}
	rc = map_rc(sqlite3_step(*slot));
	sqlite3_reset(*slot);
	return rc == DB_DONE ? 0 : rc;
}

static int
sq_tx(struct db *db, enum db_tx_op op, int depth)
{
	switch (op) {
	case DB_TX_BEGIN:
	case DB_TX_BEGIN_ROWS:      /* BEGIN IMMEDIATE serialises writers: no row locks */
		test_disk_hook(db);
		return sq_exec(db, "BEGIN IMMEDIATE");
	case DB_TX_COMMIT:
		return sq_exec(db, "COMMIT");
	case DB_TX_ROLLBACK:
		/* After a failed COMMIT (a full disk) SQLite may have rolled back already: a
		 * second ROLLBACK would only replace its error message with its own. */
		if (sqlite3_get_autocommit(CONN(db)->h))
			return 0;
		return sq_exec(db, "ROLLBACK");
	case DB_TX_SAVEPOINT:
		return savepoint(db, depth, 0);
	case DB_TX_RELEASE:
		return savepoint(db, depth, 1);
	case DB_TX_ROLLBACK_TO:
		return savepoint(db, depth, 2);
	}
	return DB_ERR;
}

static int64_t
sq_size(struct db *db)
{
	int64_t pages = 0, size = 0;

	db_int(db, &pages, "PRAGMA page_count", "");
	db_int(db, &size, "PRAGMA page_size", "");
	return pages * size;
}

const struct db_ops db_sqlite_ops = {
	.engine = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.col_null = sq_col_null,
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.last_id = sq_last_id,
	.changes = sq_changes,
	.tx = sq_tx,
	.size = sq_size,
	.migrate = NULL,
};

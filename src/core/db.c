/*
 * db.c — SQLite behind the thin db layer: open with WAL, busy timeout and foreign keys,
 * numbered migrations, a prepared-statement cache and savepoint-nested transactions.
 */
#include "db.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "migrations.h"
#include "xalloc.h"

#define STMT_BUCKETS 128
#define FAST_SLOTS 256
#define MAX_DEPTH 16
#define MAX_HOOKS 4

struct db_stmt {
	sqlite3_stmt *st;
	struct db *db;
	uint64_t hash;
	struct db_stmt *next;
};

struct db {
	sqlite3 *h;
	char *path;
	int depth;                          /* open transaction nesting */
	struct db_stmt *cache[STMT_BUCKETS];
	/* Most SQL is a string literal: a direct-mapped cache keyed by its address saves
	 * hashing the text on every call (the text is still compared). */
	struct {
		const char *key;
		struct db_stmt *st;
	} fast[FAST_SLOTS];
	struct db_stmt *sp[MAX_DEPTH][3];   /* SAVEPOINT, RELEASE, ROLLBACK TO per depth */
	int (*hooks[MAX_HOOKS])(struct db *);
	int nhooks;
	int64_t tx_mark;
	uint64_t tx_serial;                 /* outermost transactions begun */
	uint64_t rollbacks;                 /* rollbacks at any depth */
	void *slots[DB_NSLOTS];
};

static uint64_t
hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

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

const char *
db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

const char *
db_path(struct db *db)
{
	return db->path;
}

int
db_exec(struct db *db, const char *sql)
{
	return map_rc(sqlite3_exec(db->h, sql, NULL, NULL, NULL));
}

int
db_schema_latest(void)
{
	return migrations_count > 0 ? migrations[migrations_count - 1].version : 0;
}

int
db_schema_version(struct db *db)
{
	int64_t v = 0;

	if (db_int(db, &v, "SELECT coalesce(max(version), 0) FROM schema_version", "") != 0)
		return 0;
	return (int)v;
}

static int
migrate(struct db *db, char *err, size_t errlen)
{
	int have, latest = db_schema_latest();
	int i, rc;

	rc = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
	if (rc != 0)
		goto fail;
	have = db_schema_version(db);
	if (have > latest) {
		snprintf(err, errlen, "%s: database schema version %d is newer than this "
		    "packbench knows (%d); upgrade packbench", db->path, have, latest);
		return DB_EINVAL;
	}
	if (have == latest)
		return 0;
	if ((rc = db_begin(db)) != 0)
		goto fail;
	have = db_schema_version(db);   /* another process may have migrated meanwhile */
	for (i = 0; i < migrations_count; i++) {
		if (migrations[i].version <= have)
			continue;
		if ((rc = db_exec(db, migrations[i].sql)) != 0 ||
		    (rc = db_run(db, "INSERT INTO schema_version(version, applied_at) "
		    "VALUES (?, ?)", "ii", (int64_t)migrations[i].version, clock_now())) != 0) {
			snprintf(err, errlen, "%s: migration %d failed: %s", db->path,
			    migrations[i].version, db_errmsg(db));
			db_rollback(db);
			return rc;
		}
	}
	if ((rc = db_commit(db)) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
	return rc < 0 ? rc : DB_ERR;
}

int
db_open(struct db **out, const char *path, char *err, size_t errlen)
{
	struct db *db;
	int rc;

	*out = NULL;
	/* Allocation statistics cost a global mutex per malloc; packbench never reads them.
	 * Only possible before SQLite initialises; later calls fail harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	db = xcalloc(1, sizeof *db);
	db->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		rc = map_rc(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 0);
	sqlite3_busy_timeout(db->h, 10000);
	if ((rc = db_exec(db, "PRAGMA foreign_keys = ON")) != 0 ||
	    (rc = db_exec(db, "PRAGMA synchronous = NORMAL")) != 0 ||
	    (rc = db_exec(db, "PRAGMA temp_store = MEMORY")) != 0) {
		snprintf(err, errlen, "%s: %s", path, db_errmsg(db));
		goto fail;
	}
	/* WAL is persistent in the file; only switch when not in WAL yet. */
	if ((rc = db_exec(db, "PRAGMA journal_mode = WAL")) != 0) {
		snprintf(err, errlen, "%s: cannot enable WAL: %s", path, db_errmsg(db));
		goto fail;
	}
	/* A file that is not a database fails here with a clear message. */
	if ((rc = db_exec(db, "SELECT count(*) FROM sqlite_master")) != 0) {
		snprintf(err, errlen, "%s: not a packbench database: %s", path, db_errmsg(db));
		goto fail;
	}
	if ((rc = migrate(db, err, errlen)) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	db_close(db);
	return rc < 0 ? rc : DB_ERR;
}

void
db_close(struct db *db)
{
	struct db_stmt *s, *n;
	int i;

	if (db == NULL)
		return;
	assert(db->depth == 0);
	for (i = 0; i < STMT_BUCKETS; i++) {
		for (s = db->cache[i]; s != NULL; s = n) {
			n = s->next;
			sqlite3_finalize(s->st);
			free(s);
		}
	}
	for (i = 0; i < DB_NSLOTS; i++)
		free(db->slots[i]);
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

struct db_stmt *
db_prep(struct db *db, const char *sql)
{
	unsigned slot = (unsigned)(((uintptr_t)sql >> 3) % FAST_SLOTS);
	uint64_t h;
	struct db_stmt **head, *s;
	sqlite3_stmt *st;

	s = db->fast[slot].st;
	if (db->fast[slot].key == sql && s != NULL && strcmp(sqlite3_sql(s->st), sql) == 0) {
		sqlite3_reset(s->st);
		sqlite3_clear_bindings(s->st);
		return s;
	}
	h = hash_sql(sql);
	head = &db->cache[h % STMT_BUCKETS];
	for (s = *head; s != NULL; s = s->next) {
		if (s->hash == h && strcmp(sqlite3_sql(s->st), sql) == 0) {
			sqlite3_reset(s->st);
			sqlite3_clear_bindings(s->st);
			db->fast[slot].key = sql;
			db->fast[slot].st = s;
			return s;
		}
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->st = st;
	s->db = db;
	s->hash = h;
	s->next = *head;
	*head = s;
	db->fast[slot].key = sql;
	db->fast[slot].st = s;
	return s;
}

void
db_done(struct db_stmt *st)
{
	if (st != NULL)
		sqlite3_reset(st->st);
}

void
db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(st->st, idx, v);
}

void
db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st->st, idx);
	else
		sqlite3_bind_text(st->st, idx, s, -1, SQLITE_STATIC);
}

void
db_bind_textn(struct db_stmt *st, int idx, const char *s, size_t n)
{
	sqlite3_bind_text(st->st, idx, s, (int)n, SQLITE_STATIC);
}

void
db_bind_null(struct db_stmt *st, int idx)
{
	sqlite3_bind_null(st->st, idx);
}

int
db_step(struct db_stmt *st)
{
	return map_rc(sqlite3_step(st->st));
}

int64_t
db_col_int(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const char *
db_col_text(struct db_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);

	return t != NULL ? (const char *)t : "";
}

int
db_col_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int
db_col_count(struct db_stmt *st)
{
	return sqlite3_column_count(st->st);
}

const char *
db_col_name(struct db_stmt *st, int col)
{
	return sqlite3_column_name(st->st, col);
}

static void
bind_va(struct db_stmt *st, const char *types, va_list ap)
{
	int i;

	for (i = 0; types[i] != '\0'; i++) {
		switch (types[i]) {
		case 'i':
			db_bind_int(st, i + 1, va_arg(ap, int64_t));
			break;
		case 's':
			db_bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		case 'n':
			db_bind_null(st, i + 1);
			break;
		default:
			assert(!"bad db bind type");
		}
	}
}

int
db_run(struct db *db, const char *sql, const char *types, ...)
{
	struct db_stmt *st = db_prep(db, sql);
	va_list ap;
	int rc;

	if (st == NULL)
		return DB_ERR;
	va_start(ap, types);
	bind_va(st, types, ap);
	va_end(ap);
	while ((rc = db_step(st)) == DB_ROW)
		;
	db_done(st);
	return rc;
}

int
db_int(struct db *db, int64_t *out, const char *sql, const char *types, ...)
{
	struct db_stmt *st = db_prep(db, sql);
	va_list ap;
	int rc;

	if (st == NULL)
		return DB_ERR;
	va_start(ap, types);
	bind_va(st, types, ap);
	va_end(ap);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*out = db_col_int(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = DB_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int64_t
db_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

int
db_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

/* Run a cached SAVEPOINT / RELEASE / ROLLBACK TO for nesting level depth. */
static int
savepoint(struct db *db, int depth, int which)
{
	static const char *const verb[3] = { "SAVEPOINT", "RELEASE", "ROLLBACK TO" };
	struct db_stmt **slot = &db->sp[depth][which];
	char sql[48];
	int rc;

	if (*slot == NULL) {
		snprintf(sql, sizeof sql, "%s sp%d", verb[which], depth);
		if ((*slot = db_prep(db, sql)) == NULL)
			return DB_ERR;
	}
	rc = db_step(*slot);
	sqlite3_reset((*slot)->st);
	return rc == DB_DONE ? 0 : rc;
}

int
db_begin(struct db *db)
{
	int rc;

	if (db->depth >= MAX_DEPTH)
		return DB_ERR;
	if (db->depth == 0) {
		rc = db_exec(db, "BEGIN IMMEDIATE");
		db->nhooks = 0;
		db->tx_mark = 0;
		db->tx_serial++;
	} else {
		rc = savepoint(db, db->depth, 0);
	}
	if (rc == 0)
		db->depth++;
	return rc;
}

uint64_t
db_tx_serial(struct db *db)
{
	return db->tx_serial;
}

uint64_t
db_rollbacks(struct db *db)
{
	return db->rollbacks;
}

void **
db_slot(struct db *db, enum db_slot which)
{
	return &db->slots[which];
}

int64_t *
db_tx_mark(struct db *db)
{
	assert(db->depth > 0);
	return &db->tx_mark;
}

void
db_on_commit(struct db *db, int (*fn)(struct db *))
{
	int i;

	assert(db->depth > 0);
	for (i = 0; i < db->nhooks; i++) {
		if (db->hooks[i] == fn)
			return;
	}
	assert(db->nhooks < MAX_HOOKS);
	db->hooks[db->nhooks++] = fn;
}

int
db_commit(struct db *db)
{
	int i, rc;

	assert(db->depth > 0);
	if (db->depth == 1) {
		for (i = 0, rc = 0; i < db->nhooks && rc == 0; i++)
			rc = db->hooks[i](db);
		db->nhooks = 0;
		if (rc == 0)
			rc = db_exec(db, "COMMIT");
		if (rc != 0) {
			db->rollbacks++;
			db_exec(db, "ROLLBACK");
			db->depth = 0;
			return rc;
		}
	} else if ((rc = savepoint(db, db->depth - 1, 1)) != 0) {
		return rc;
	}
	db->depth--;
	return 0;
}

void
db_rollback(struct db *db)
{
	assert(db->depth > 0);
	db->rollbacks++;
	if (db->depth == 1) {
		db_exec(db, "ROLLBACK");
		db->nhooks = 0;
	} else {
		savepoint(db, db->depth - 1, 2);
		savepoint(db, db->depth - 1, 1);
	}
	db->depth--;
}

int
db_in_tx(struct db *db)
{
	return db->depth > 0;
}

int64_t
db_size(struct db *db)
{
	int64_t pages = 0, size = 0;

	db_int(db, &pages, "PRAGMA page_count", "");
	db_int(db, &size, "PRAGMA page_size", "");
	return pages * size;
}

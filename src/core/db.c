/*
 * db.c — the engine-neutral half of the thin db layer: db_open() picks the engine from
 * the path, and this file keeps what both engines share (the prepared-statement cache,
 * savepoint-nested transactions, commit hooks, per-connection slots, the migration
 * runner). The engines are db_sqlite.c and db_pg.c behind struct db_ops (db_impl.h).
 */
#include "db.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "db_impl.h"
#include "migrations.h"
#include "xalloc.h"

static uint64_t
hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

const char *
db_errmsg(struct db *db)
{
	return db->ops->errmsg(db);
}

const char *
db_path(struct db *db)
{
	return db->path;
}

const char *
db_engine(struct db *db)
{
	return db->ops->engine;
}

uint64_t
db_reconnects(struct db *db)
{
	return db->reconnects;
}

void
db_set_wait_hook(struct db *db, db_wait_fn *fn, void *arg)
{
	db->wait_fn = fn;
	db->wait_arg = arg;
}

/* db_interrupt(): the flag, and a pipe never drained whose read end polls readable once
 * it was called (made by the first wait, before that wait reads the flag). */
static volatile sig_atomic_t db_intr;
static volatile int db_intr_pipe[2] = { -1, -1 };
static pthread_once_t db_intr_once = PTHREAD_ONCE_INIT;

static void
db_intr_init(void)
{
	int fd[2];

	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) == 0) {
		db_intr_pipe[0] = fd[0];
		db_intr_pipe[1] = fd[1];
	}
}

void
db_interrupt(void)
{
	int saved = errno, fd = db_intr_pipe[1];
	char one = 1;
	ssize_t r;

	db_intr = 1;
	if (fd >= 0) {
		r = write(fd, &one, 1);     /* a full pipe is readable already */
		(void)r;
	}
	errno = saved;
}

int
db_interrupted(void)
{
	return db_intr != 0;
}

int
db_interrupt_fd(void)
{
	pthread_once(&db_intr_once, db_intr_init);
	return db_intr_pipe[0];
}

int
db_wait_ms(int64_t ms)
{
	struct pollfd p = { db_interrupt_fd(), POLLIN, 0 };
	struct timespec now;
	int64_t end, left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	end = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + ms;
	while (!db_intr) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = end - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return 0;
	}
	return -1;
}

int
db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
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

int
db_migrate_generic(struct db *db, char *err, size_t errlen)
{
	int have, i, rc;

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

static int
migrate(struct db *db, char *err, size_t errlen)
{
	int have, latest = db_schema_latest();
	int rc;

	rc = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		return rc < 0 ? rc : DB_ERR;
	}
	have = db_schema_version(db);
	if (have > latest) {
		snprintf(err, errlen, "%s: database schema version %d is newer than this "
		    "packbench knows (%d); upgrade packbench", db->path, have, latest);
		return DB_EINVAL;
	}
	if (have == latest)
		return 0;
	if (db->ops->migrate != NULL)
		return db->ops->migrate(db, err, errlen);
	return db_migrate_generic(db, err, errlen);
}

/* The backend for path, and in *target the part of path it opens. */
static const struct db_ops *
pick_engine(const char *path, const char **target)
{
	*target = path;
	if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
		return &db_pg_ops;
	if (strncmp(path, "sqlite:", 7) == 0)
		*target = path + 7;
	return &db_sqlite_ops;
}

int
db_open(struct db **out, const char *path, char *err, size_t errlen)
{
	const char *target;
	struct db *db;
	int rc;

	*out = NULL;
	db = xcalloc(1, sizeof *db);
	db->path = xstrdup(path);
	db->ops = pick_engine(path, &target);
	if (*target == '\0') {
		snprintf(err, errlen, "%s: no database file named", path);
		rc = DB_EINVAL;
		goto fail;
	}
	if ((rc = db->ops->open(db, target, err, errlen)) != 0)
		goto fail;
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
	for (i = 0; i < DB_STMT_BUCKETS; i++) {
		for (s = db->cache[i]; s != NULL; s = n) {
			n = s->next;
			free(s->sql);
			db->ops->finalize(s);
		}
	}
	for (i = 0; i < DB_NSLOTS; i++)
		free(db->slots[i]);
	if (db->impl != NULL)
		db->ops->close(db);
	free(db->path);
	free(db);
}

struct db_stmt *
db_prep(struct db *db, const char *sql)
{
	unsigned slot = (unsigned)(((uintptr_t)sql >> 3) % DB_FAST_SLOTS);
	uint64_t h;
	struct db_stmt **head, *s;

	s = db->fast[slot].st;
	if (db->fast[slot].key == sql && s != NULL && strcmp(s->sql, sql) == 0) {
		db->ops->reset(s);
		return s;
	}
	h = hash_sql(sql);
	head = &db->cache[h % DB_STMT_BUCKETS];
	for (s = *head; s != NULL; s = s->next) {
		if (s->hash == h && strcmp(s->sql, sql) == 0) {
			db->ops->reset(s);
			db->fast[slot].key = sql;
			db->fast[slot].st = s;
			return s;
		}
	}
	if ((s = db->ops->prepare(db, sql)) == NULL)
		return NULL;
	s->db = db;
	s->sql = xstrdup(sql);
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
		st->db->ops->reset(st);
}

void
db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	st->db->ops->bind_int(st, idx, v);
}

void
db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		st->db->ops->bind_null(st, idx);
	else
		st->db->ops->bind_text(st, idx, s, (size_t)-1);
}

void
db_bind_textn(struct db_stmt *st, int idx, const char *s, size_t n)
{
	st->db->ops->bind_text(st, idx, s, n);
}

void
db_bind_null(struct db_stmt *st, int idx)
{
	st->db->ops->bind_null(st, idx);
}

int
db_step(struct db_stmt *st)
{
	return st->db->ops->step(st);
}

int
db_step_later(struct db_stmt *st)
{
	int rc;

	if (st->db->ops->step_later != NULL)
		return st->db->ops->step_later(st);
	while ((rc = db_step(st)) == DB_ROW)
		;
	return rc;
}

int64_t
db_col_int(struct db_stmt *st, int col)
{
	return st->db->ops->col_int(st, col);
}

const char *
db_col_text(struct db_stmt *st, int col)
{
	const char *t = st->db->ops->col_text(st, col);

	return t != NULL ? t : "";
}

int
db_col_null(struct db_stmt *st, int col)
{
	return st->db->ops->col_null(st, col);
}

int
db_col_count(struct db_stmt *st)
{
	return st->db->ops->col_count(st);
}

const char *
db_col_name(struct db_stmt *st, int col)
{
	return st->db->ops->col_name(st, col);
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

/* db_run and db_run_later: one statement to its end, or queued when LATER. */
static int
run_va(struct db *db, int later, const char *sql, const char *types, va_list ap)
{
	struct db_stmt *st = db_prep(db, sql);
	int rc;

	if (st == NULL)
		return DB_ERR;
	bind_va(st, types, ap);
	if (later)
		rc = db_step_later(st);
	else
		while ((rc = db_step(st)) == DB_ROW)
			;
	db_done(st);
	return rc;
}

int
db_run(struct db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = run_va(db, 0, sql, types, ap);
	va_end(ap);
	return rc;
}

int
db_run_later(struct db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = run_va(db, 1, sql, types, ap);
	va_end(ap);
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
	return db->ops->last_id(db);
}

int
db_changes(struct db *db)
{
	return db->ops->changes(db);
}

static int
begin(struct db *db, enum db_tx_op op)
{
	int rc;

	if (db->depth >= DB_MAX_DEPTH)
		return DB_ERR;
	if (db->depth == 0) {
		db->rowlocked = 0;
		db->tx_lost = 0;
		rc = db->ops->tx(db, op, 0);
		db->nhooks = 0;
		db->tx_mark = 0;
		db->tx_serial++;
	} else {
		rc = db->ops->tx(db, DB_TX_SAVEPOINT, db->depth);
	}
	if (rc == 0)
		db->depth++;
	return rc;
}

int
db_begin(struct db *db)
{
	return begin(db, DB_TX_BEGIN);
}

int
db_begin_rows(struct db *db)
{
	return begin(db, db->ops->lock != NULL ? DB_TX_BEGIN_ROWS : DB_TX_BEGIN);
}

int
db_lock(struct db *db, const char *table, int64_t key)
{
	if (db->depth == 0 || !db->rowlocked)
		return 0;
	return db->ops->lock(db, table, key);
}

int
db_rowlocked(struct db *db)
{
	return db->depth > 0 && db->rowlocked;
}

#define DB_RETRIES 8

int
db_retry(struct db *db, int rc, int *tries)
{
	struct timespec ts;

	if (rc == 0 || db->depth > 0 || !db->tx_lost || *tries >= DB_RETRIES)
		return 0;
	(*tries)++;
	/* 1 to 4 ms times the attempt, so that two losers do not meet again at once. */
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(1 + rand() % 4) * *tries * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
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
	assert(db->nhooks < DB_MAX_HOOKS);
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
			rc = db->ops->tx(db, DB_TX_COMMIT, 0);
		if (rc != 0) {
			db->rollbacks++;
			db->ops->tx(db, DB_TX_ROLLBACK, 0);
			db->depth = 0;
			return rc;
		}
	} else if ((rc = db->ops->tx(db, DB_TX_RELEASE, db->depth - 1)) != 0) {
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
		db->ops->tx(db, DB_TX_ROLLBACK, 0);
		db->nhooks = 0;
	} else {
		db->ops->tx(db, DB_TX_ROLLBACK_TO, db->depth - 1);
		db->ops->tx(db, DB_TX_RELEASE, db->depth - 1);
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
	return db->ops->size(db);
}

int
db_listen(struct db *db, const char *channel)
{
	return db->ops->listen != NULL ? db->ops->listen(db, channel) : DB_EINVAL;
}

int
db_notify(struct db *db, const char *channel, const char *payload)
{
	if (db->ops->listen == NULL)
		return DB_EINVAL;
	return db_run(db, "SELECT pg_notify(?, ?)", "ss", channel, payload);
}

int
db_fd(struct db *db)
{
	return db->ops->fd != NULL ? db->ops->fd(db) : -1;
}

int
db_notification(struct db *db, char *channel, size_t clen, char *payload, size_t plen)
{
	if (db->ops->notification == NULL)
		return 0;
	return db->ops->notification(db, channel, clen, payload, plen);
}

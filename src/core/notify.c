/*
 * notify.c — notifications between processes sharing a database (notify.h).
 *
 * Every engine keeps them as change_log rows: a listener remembers the last id it read
 * and reads on from there; when the oldest row left is past it, rows it never read were
 * pruned, and it is told to reload. SQLite serialises writers, so ids commit in order;
 * PostgreSQL's sequences do not, so there the last LOOKBACK ids are read again and the
 * ones not delivered yet (committed late) go out then. What
 * wakes a listener: on SQLite an inotify watch on the database's directory, since every
 * commit writes the -wal file beside it (PRAGMA data_version then says cheaply whether
 * another connection committed, db_tx_serial() whether this one did); a 200 ms timer
 * where inotify cannot watch it.
 *
 * PostgreSQL: the listener LISTENs on "pb_<channel>" and its descriptor is an epoll set
 * holding the connection's socket (a NOTIFY wakes it at once) and a 1 s timer (for
 * notifications libpq took in while the connection ran other statements, and for a
 * connection lost meanwhile). The notifications only wake the listener and are thrown
 * away: a NOTIFY can arrive after its sender's COMMIT returned, so every read reads the
 * table, which is what was committed. After a reconnect the LISTENs are issued again
 * (the server forgot them); what was sent meanwhile is in the table.
 */
#include "notify.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "xalloc.h"

#define MAX_CHANNELS 8
#define CHANNEL_MAX 32
#define PAYLOAD_MAX 200
#define KEEP_ROWS 4096          /* newest rows kept for listeners behind */
#define PRUNE_EVERY 256         /* sends per process between prunes */
#define TIMER_MS 200
#define PG_TICK_MS 1000         /* PostgreSQL: safety tick beside the socket */
#define READ_BATCH 512
#define LOOKBACK 64             /* PostgreSQL: ids re-read for late commits */

struct notify {
	struct db *db;
	int fd;
	char channels[MAX_CHANNELS][CHANNEL_MAX];
	int nchannels;
	int64_t last_id;            /* newest change_log id read */
	int64_t dv;                 /* PRAGMA data_version when last read; -1 unknown */
	uint64_t tx;                /* db_tx_serial() when last read */
	int64_t seen[LOOKBACK];     /* PostgreSQL: the newest ids delivered */
	unsigned nseen;
	int tick;                   /* PostgreSQL: the timer in the epoll set fd */
	int sock;                   /* PostgreSQL: the socket in it; -1 none */
	uint64_t reconnects;        /* db_reconnects() when the LISTENs were issued */
};

static atomic_uint notify_sends;

static int
is_pg(struct db *db)
{
	return strcmp(db_engine(db), "postgresql") == 0;
}

static int
channel_ok(const char *c)
{
	size_t n = strlen(c);

	if (n == 0 || n >= CHANNEL_MAX)
		return 0;
	for (; *c != '\0'; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_')
			return 0;
	return 1;
}

int
notify_send(struct db *db, const char *channel, const char *payload)
{
	char pgch[CHANNEL_MAX + 3];
	int rc;

	if (!channel_ok(channel) || payload == NULL || strlen(payload) > PAYLOAD_MAX)
		return DB_EINVAL;
	rc = db_run(db, "INSERT INTO change_log(at, channel, payload) VALUES (?, ?, ?)", "iss",
	    clock_now(), channel, payload);
	if (rc == 0 && is_pg(db)) {
		snprintf(pgch, sizeof pgch, "pb_%s", channel);
		rc = db_run(db, "SELECT pg_notify(?, ?)", "ss", pgch, payload);
	}
	if (rc == 0 && atomic_fetch_add(&notify_sends, 1) % PRUNE_EVERY == PRUNE_EVERY - 1)
		rc = db_run(db, "DELETE FROM change_log WHERE id <= (SELECT max(id) FROM "
		    "change_log) - ?", "i", (int64_t)KEEP_ROWS);
	return rc;
}

int
notify_order(struct db *db, int64_t id, const char *status)
{
	char payload[64];

	snprintf(payload, sizeof payload, "%" PRId64 " %s", id, status);
	return notify_send(db, NOTIFY_ORDER, payload);
}

/* The inotify watch on the SQLite file's directory; -1 when there is none to make. */
static int
watch_sqlite(struct notify *n)
{
	const char *path = db_path(n->db), *slash;
	char dir[PATH_MAX];
	int fd;

	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	if (*path == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return -1;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE |
	    IN_MOVED_TO) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
timer_fd(long ms)
{
	struct itimerspec its = {
		.it_interval = { ms / 1000, ms % 1000 * 1000000L },
		.it_value = { ms / 1000, ms % 1000 * 1000000L },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int64_t
data_version(struct db *db)
{
	int64_t v;

	if (is_pg(db) || db_int(db, &v, "PRAGMA data_version", "") != 0)
		return -1;
	return v;
}

/*
 * PostgreSQL: LISTEN on every channel and put the connection's socket in the epoll set
 * (again after a reconnect: the server forgot the LISTENs, the socket was closed and so
 * left the set). 0, or negative when the connection cannot listen now.
 */
static int
pg_arm(struct notify *n)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char pgch[CHANNEL_MAX + 3];
	int i, rc, sock;

	if (n->sock >= 0)
		epoll_ctl(n->fd, EPOLL_CTL_DEL, n->sock, NULL);
	n->sock = -1;
	n->reconnects = db_reconnects(n->db);
	for (i = 0; i < n->nchannels; i++) {
		snprintf(pgch, sizeof pgch, "pb_%s", n->channels[i]);
		if ((rc = db_listen(n->db, pgch)) != 0)
			return rc;
	}
	if ((sock = db_fd(n->db)) < 0)
		return DB_ERR;
	ev.data.fd = sock;
	if (epoll_ctl(n->fd, EPOLL_CTL_ADD, sock, &ev) != 0 && errno != EEXIST)
		return DB_ERR;
	n->sock = sock;
	return 0;
}

/* PostgreSQL: the epoll set with its tick; the socket goes in by pg_arm(). */
static int
pg_fd(struct notify *n)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if ((n->fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -1;
	if ((n->tick = timer_fd(PG_TICK_MS)) < 0)
		return -1;
	ev.data.fd = n->tick;
	return epoll_ctl(n->fd, EPOLL_CTL_ADD, n->tick, &ev);
}

/* PostgreSQL: what the look-back window holds at open was before the listener. */
static int
skip_window(struct notify *n)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(n->db, "SELECT id FROM change_log WHERE id > ? ORDER BY id");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, n->last_id > LOOKBACK ? n->last_id - LOOKBACK : 0);
	while ((rc = db_step(st)) == DB_ROW)
		n->seen[n->nseen++ % LOOKBACK] = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
}

int
notify_open(struct notify **out, struct db *db, const char *channel, char *err,
    size_t errlen)
{
	struct notify *n;
	int rc;

	*out = NULL;
	if (!channel_ok(channel)) {
		snprintf(err, errlen, "notify: bad channel name '%s'", channel);
		return DB_EINVAL;
	}
	n = xcalloc(1, sizeof *n);
	n->db = db;
	n->fd = n->tick = n->sock = -1;
	snprintf(n->channels[n->nchannels++], CHANNEL_MAX, "%s", channel);
	/* PostgreSQL: listening before the table is read, so nothing falls between. */
	if (is_pg(db)) {
		if (pg_fd(n) != 0) {
			snprintf(err, errlen, "notify: no epoll or timer: %s", strerror(errno));
			notify_close(n);
			return DB_ERR;
		}
		pg_arm(n);
	}
	n->dv = data_version(db);
	n->tx = db_tx_serial(db);
	if ((rc = db_int(db, &n->last_id, "SELECT coalesce(max(id), 0) FROM change_log",
	    "")) != 0) {
		snprintf(err, errlen, "notify: %s: %s", db_path(db), db_errmsg(db));
		notify_close(n);
		return rc;
	}
	if (is_pg(db) && (rc = skip_window(n)) != 0) {
		snprintf(err, errlen, "notify: %s: %s", db_path(db), db_errmsg(db));
		notify_close(n);
		return rc;
	}
	if (!is_pg(db))
		n->fd = watch_sqlite(n);
	if (n->fd < 0 && (n->fd = timer_fd(TIMER_MS)) < 0) {
		snprintf(err, errlen, "notify: no timer: %s", strerror(errno));
		notify_close(n);
		return DB_ERR;
	}
	*out = n;
	return 0;
}

int
notify_listen(struct notify *n, const char *channel)
{
	int i;

	if (!channel_ok(channel))
		return DB_EINVAL;
	for (i = 0; i < n->nchannels; i++)
		if (strcmp(n->channels[i], channel) == 0)
			return 0;
	if (n->nchannels == MAX_CHANNELS)
		return DB_EINVAL;
	snprintf(n->channels[n->nchannels++], CHANNEL_MAX, "%s", channel);
	if (is_pg(n->db)) {
		char pgch[CHANNEL_MAX + 3];

		snprintf(pgch, sizeof pgch, "pb_%s", channel);
		if (db_listen(n->db, pgch) != 0)
			n->sock = -1;       /* LISTEN them all again at the next read */
	}
	return 0;
}

void
notify_close(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->fd >= 0)
		close(n->fd);
	if (n->tick >= 0)
		close(n->tick);
	free(n);
}

int
notify_fd(const struct notify *n)
{
	return n->fd;
}

/* Empty the descriptor; whether anything changed is data_version's and the table's to
 * say (an event may be for another file of the directory). */
static void
drain(struct notify *n)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (n->tick >= 0) {
		while (read(n->tick, buf, sizeof buf) > 0)
			;
		return;
	}
	while (read(n->fd, buf, sizeof buf) > 0)
		;
}

/* PostgreSQL: take every notification waiting on the connection, LISTENing again
 * first after a reconnect. */
static void
pg_drain(struct notify *n)
{
	char ch[64], pl[PAYLOAD_MAX + 1];
	int rc;

	if ((n->sock < 0 || n->reconnects != db_reconnects(n->db)) && pg_arm(n) != 0)
		return;
	while ((rc = db_notification(n->db, ch, sizeof ch, pl, sizeof pl)) == 1)
		;
	if (rc < 0) {
		/* Broken: out of the set, or its EOF would wake poll() forever; the table
		 * read re-opens the connection, the next call re-arms. */
		epoll_ctl(n->fd, EPOLL_CTL_DEL, n->sock, NULL);
		n->sock = -1;
	}
}

static int
listened(const struct notify *n, const char *channel)
{
	int i;

	for (i = 0; i < n->nchannels; i++)
		if (strcmp(n->channels[i], channel) == 0)
			return 1;
	return 0;
}

struct pending {
	int64_t id;
	char channel[CHANNEL_MAX];
	char payload[PAYLOAD_MAX + 1];
};

/* PostgreSQL: was id, at or below last_id, delivered already? Records it if not. */
static int
seen_before(struct notify *n, int64_t id)
{
	int i;

	for (i = 0; i < LOOKBACK; i++)
		if (n->seen[i] == id)
			return 1;
	n->seen[n->nseen++ % LOOKBACK] = id;
	return 0;
}

/* Rows after the last read (PostgreSQL: from LOOKBACK ids before it) into rows. */
static int
fetch(struct notify *n, struct pending *rows, int *got)
{
	struct db_stmt *st;
	int64_t from = n->last_id;
	int rc;

	if (is_pg(n->db))
		from = from > LOOKBACK ? from - LOOKBACK : 0;
	*got = 0;
	st = db_prep(n->db, "SELECT id, channel, payload FROM change_log WHERE id > ? "
	    "ORDER BY id LIMIT ?");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, READ_BATCH);
	while (*got < READ_BATCH && (rc = db_step(st)) == DB_ROW) {
		rows[*got].id = db_col_int(st, 0);
		snprintf(rows[*got].channel, CHANNEL_MAX, "%s", db_col_text(st, 1));
		snprintf(rows[*got].payload, PAYLOAD_MAX + 1, "%s", db_col_text(st, 2));
		(*got)++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int
notify_read(struct notify *n, void (*cb)(void *ctx, const char *channel,
    const char *payload), void *ctx)
{
	struct pending *rows;
	int64_t dv, oldest = 0;
	uint64_t tx = db_tx_serial(n->db);
	int i, c, got, fresh, delivered = 0, pg = is_pg(n->db), rc;

	drain(n);
	/* Nothing committed by anyone since the last read: no query at all. */
	dv = data_version(n->db);
	if (dv >= 0 && dv == n->dv && tx == n->tx)
		return 0;
	if (pg)
		pg_drain(n);
	/* Rows the listener never read were pruned: it must reload everything. */
	if ((rc = db_int(n->db, &oldest, "SELECT coalesce(min(id), 0) FROM change_log",
	    "")) != 0)
		return rc;
	if (n->last_id > 0 && oldest > n->last_id + 1)
		for (c = 0; c < n->nchannels; c++, delivered++)
			cb(ctx, n->channels[c], NULL);
	rows = xcalloc(READ_BATCH, sizeof *rows);
	do {
		if ((rc = fetch(n, rows, &got)) != 0)
			break;
		fresh = 0;
		/* Called with no statement running: cb may use the database. */
		for (i = 0; i < got; i++) {
			/* PostgreSQL commits need not come in id order: a lower id committed
			 * late is read in the look-back window, once. */
			if (pg ? seen_before(n, rows[i].id) : rows[i].id <= n->last_id)
				continue;
			fresh++;
			if (rows[i].id > n->last_id)
				n->last_id = rows[i].id;
			if (listened(n, rows[i].channel)) {
				cb(ctx, rows[i].channel, rows[i].payload);
				delivered++;
			}
		}
	} while (got == READ_BATCH && fresh > 0);
	free(rows);
	if (rc < 0)
		return rc;
	n->dv = dv;
	n->tx = tx;
	return delivered;
}

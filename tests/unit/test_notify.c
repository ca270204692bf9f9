/*
 * test_notify.c — notifications between connections on one SQLite file (notify.c): a
 * notification sent in a transaction reaches a listener on another connection when it
 * commits, never when it rolls back; the listener's descriptor becomes readable within
 * a second of the other connection's commit (and, on SQLite, not before); its own connection's
 * commits are heard too; other channels are not, until listened to; a listener that
 * fell behind the pruning is told to reload (NULL payload) and goes on; on PostgreSQL a
 * lower id committed after a higher one is still heard, once, and the listener wakes
 * on the NOTIFY itself (well before its 1 s tick), again after its connection was
 * killed and re-opened; an order
 * cancelled through the order engine is announced as "ID CANCELLED"; bad names are
 * refused.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/notify.h"
#include "core/order.h"
#include "testutil.h"

static struct db *db, *other;
static char path[256];

/* What a listener heard, in order. */
struct heard {
	int n;
	char ch[8192][16];
	char pl[8192][64];
};

static struct heard *h;

static void
on_note(void *ctx, const char *channel, const char *payload)
{
	struct heard *x = ctx;

	if (x->n >= 8192)
		return;
	snprintf(x->ch[x->n], sizeof x->ch[0], "%s", channel);
	snprintf(x->pl[x->n], sizeof x->pl[0], "%s", payload != NULL ? payload : "(null)");
	x->n++;
}

static int
setup(void)
{
	char err[512];

	db = tu_db(path);
	if (db_open(&other, path, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	h = calloc(1, sizeof *h);
	return h == NULL;
}

static int
teardown(void)
{
	free(h);
	db_close(other);
	tu_db_free(db, path);
	return 0;
}

static int
send_in_tx(struct db *d, const char *channel, const char *payload, int commit)
{
	int rc;

	if ((rc = db_begin(d)) != 0)
		return rc;
	if ((rc = notify_send(d, channel, payload)) != 0) {
		db_rollback(d);
		return rc;
	}
	if (!commit) {
		db_rollback(d);
		return 0;
	}
	return db_commit(d);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() the listener's fd up to ms; 1 when readable. */
static int
readable(struct notify *n, int ms)
{
	struct pollfd p = { .fd = notify_fd(n), .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void
test_commit_only(void)
{
	struct notify *n;
	char err[256];
	int64_t t0;

	CU_ASSERT_EQUAL_FATAL(notify_open(&n, db, "order", err, sizeof err), 0);
	CU_ASSERT(notify_fd(n) >= 0);
	h->n = 0;
	/* What was there before the listener opened is not replayed. */
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 0);
	CU_ASSERT_EQUAL(h->n, 0);

	/* Rolled back: never heard, whatever wakes the listener. */
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "7 CANCELLED", 0), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 0);
	CU_ASSERT_EQUAL(h->n, 0);

	/* Quiet: on SQLite the descriptor stays quiet (drained first); PostgreSQL's ticks. */
	notify_read(n, on_note, h);
	if (strcmp(db_engine(db), "sqlite") == 0)
		CU_ASSERT_EQUAL(readable(n, 300), 0);

	/* Committed by the other connection: readable at once, heard once. */
	t0 = mono_ms();
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "8 PACKED", 1), 0);
	CU_ASSERT_EQUAL(readable(n, 1000), 1);
	printf("\n    woke %" PRId64 " ms after the other connection's commit\n",
	    mono_ms() - t0);
	CU_ASSERT(mono_ms() - t0 < 1000);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_EQUAL_FATAL(h->n, 1);
	CU_ASSERT_STRING_EQUAL(h->ch[0], "order");
	CU_ASSERT_STRING_EQUAL(h->pl[0], "8 PACKED");
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 0);
	CU_ASSERT_EQUAL(h->n, 1);

	/* Its own connection's commits, several in order. */
	CU_ASSERT_EQUAL(send_in_tx(db, "order", "9 ON_HOLD", 1), 0);
	CU_ASSERT_EQUAL(send_in_tx(db, "order", "9 CONFIRMED", 1), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 2);
	CU_ASSERT_EQUAL_FATAL(h->n, 3);
	CU_ASSERT_STRING_EQUAL(h->pl[1], "9 ON_HOLD");
	CU_ASSERT_STRING_EQUAL(h->pl[2], "9 CONFIRMED");
	notify_close(n);
}

static void
test_channels(void)
{
	struct notify *n;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(notify_open(&n, db, "order", err, sizeof err), 0);
	h->n = 0;
	CU_ASSERT_EQUAL(send_in_tx(other, "stock", "SKU-1", 1), 0);
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "1 NEW", 1), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_EQUAL_FATAL(h->n, 1);
	CU_ASSERT_STRING_EQUAL(h->pl[0], "1 NEW");
	CU_ASSERT_EQUAL(notify_listen(n, "stock"), 0);
	CU_ASSERT_EQUAL(send_in_tx(other, "stock", "SKU-2", 1), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_STRING_EQUAL(h->ch[1], "stock");
	CU_ASSERT_STRING_EQUAL(h->pl[1], "SKU-2");

	/* Bad names and payloads are refused, nothing written. */
	CU_ASSERT_EQUAL(notify_listen(n, "Bad Name"), DB_EINVAL);
	CU_ASSERT_EQUAL(notify_send(db, "", "x"), DB_EINVAL);
	CU_ASSERT_EQUAL(notify_send(db, "order;drop", "x"), DB_EINVAL);
	{
		char big[400];

		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		CU_ASSERT_EQUAL(notify_send(db, "order", big), DB_EINVAL);
	}
	CU_ASSERT_EQUAL(notify_open(&(struct notify *){ NULL }, db, "UPPER", err, sizeof err),
	    DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "UPPER"));
	notify_close(n);
}

static void
test_behind_the_pruning(void)
{
	struct notify *n;
	char err[256], pl[32];
	int i, nulls = 0;
	int64_t rows;

	CU_ASSERT_EQUAL_FATAL(notify_open(&n, db, "order", err, sizeof err), 0);
	h->n = 0;
	/* Far more than are kept, in one transaction of the other connection. */
	CU_ASSERT_EQUAL_FATAL(db_begin(other), 0);
	for (i = 0; i < 6000; i++) {
		snprintf(pl, sizeof pl, "%d CONFIRMED", i);
		CU_ASSERT_EQUAL(notify_send(other, "order", pl), 0);
	}
	CU_ASSERT_EQUAL(db_commit(other), 0);
	rows = tu_int(db, "SELECT count(*) FROM change_log", NULL);
	CU_ASSERT(rows < 6000);
	CU_ASSERT(rows >= 4096);
	CU_ASSERT(notify_read(n, on_note, h) > 0);
	for (i = 0; i < h->n; i++)
		nulls += strcmp(h->pl[i], "(null)") == 0;
	CU_ASSERT_EQUAL(nulls, 1);
	CU_ASSERT_STRING_EQUAL(h->pl[0], "(null)");
	CU_ASSERT_STRING_EQUAL(h->pl[h->n - 1], "5999 CONFIRMED");
	/* And goes on normally. */
	h->n = 0;
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "1 PACKED", 1), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_STRING_EQUAL(h->pl[0], "1 PACKED");
	notify_close(n);
}

/* PostgreSQL: an id committed after a higher one is still heard, once. (SQLite takes
 * the write lock at BEGIN: its ids always commit in order.) */
static void
test_late_commit(void)
{
	struct notify *n;
	struct db *third;
	char err[512];

	if (strcmp(db_engine(db), "postgresql") != 0)
		return;
	CU_ASSERT_EQUAL_FATAL(db_open(&third, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(notify_open(&n, db, "order", err, sizeof err), 0);
	h->n = 0;
	/* The db layer's PostgreSQL writers take one lock, so their ids commit in order
	 * too; a plain BEGIN (some other writer) does not. */
	CU_ASSERT_EQUAL_FATAL(db_exec(other, "BEGIN"), 0);
	CU_ASSERT_EQUAL(notify_send(other, "order", "1 EARLY-ID"), 0);
	CU_ASSERT_EQUAL(send_in_tx(third, "order", "2 LATE-ID", 1), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_EQUAL(db_exec(other, "COMMIT"), 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 0);
	CU_ASSERT_EQUAL_FATAL(h->n, 2);
	CU_ASSERT_STRING_EQUAL(h->pl[0], "2 LATE-ID");
	CU_ASSERT_STRING_EQUAL(h->pl[1], "1 EARLY-ID");
	notify_close(n);
	db_close(third);
}

/* PostgreSQL: the descriptor is readable on the NOTIFY, not on the next tick; a
 * connection the server killed is re-opened and listens again. */
static void
test_pg_wake(void)
{
	struct notify *n;
	char err[512];
	int64_t pid = 0, t0, ms;

	if (strcmp(db_engine(db), "postgresql") != 0)
		return;
	CU_ASSERT_EQUAL_FATAL(notify_open(&n, db, "order", err, sizeof err), 0);
	h->n = 0;
	t0 = mono_ms();
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "3 PACKED", 1), 0);
	CU_ASSERT_EQUAL(readable(n, 1000), 1);
	ms = mono_ms() - t0;
	CU_ASSERT(ms < 400);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);

	/* The server ends the listener's session: the next read re-opens it and LISTENs
	 * again, and what was committed meanwhile is still heard. */
	CU_ASSERT_EQUAL_FATAL(db_int(db, &pid, "SELECT pg_backend_pid()", ""), 0);
	CU_ASSERT_EQUAL(db_run(other, "SELECT pg_terminate_backend(?)", "i", pid), 0);
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "4 CANCELLED", 1), 0);
	CU_ASSERT_EQUAL(readable(n, 1500), 1);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT(db_reconnects(db) >= 1);
	/* The tick may be due: take it, then wait for the NOTIFY alone. */
	(void)readable(n, 0);
	notify_read(n, on_note, h);
	t0 = mono_ms();
	CU_ASSERT_EQUAL(send_in_tx(other, "order", "5 PACKED", 1), 0);
	CU_ASSERT_EQUAL(readable(n, 1000), 1);
	ms = mono_ms() - t0;
	CU_ASSERT(ms < 400);
	printf("\n    woke %" PRId64 " ms after a commit, connection re-opened\n", ms);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 1);
	CU_ASSERT_EQUAL_FATAL(h->n, 3);
	CU_ASSERT_STRING_EQUAL(h->pl[1], "4 CANCELLED");
	CU_ASSERT_STRING_EQUAL(h->pl[2], "5 PACKED");
	notify_close(n);
}

static void
test_order_engine(void)
{
	struct order_line_in line = { "SKU-1", 1, 1000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .order_no = "N-1", .created_at = TEST_EPOCH,
		.status = ST_NEW, .currency = "VND", .total = 1000, .lines = &line, .nlines = 1,
	};
	struct session sup, sup2;
	struct notify *n;
	char err[256], want[64];
	int64_t id = 0;

	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&sup2, other, ROLE_SUPERVISOR);
	tu_sku(&sup, "SKU-1", 0);
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sup, &in, &id, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(notify_open(&n, db, NOTIFY_ORDER, err, sizeof err), 0);
	h->n = 0;
	/* Held and cancelled at "another station". */
	CU_ASSERT_EQUAL(order_transition(&sup2, id, 0, ST_ON_HOLD, "check address"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup2, id, 0, ST_CANCELLED, "buyer asked"), 0);
	CU_ASSERT_EQUAL(readable(n, 1000), 1);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 2);
	CU_ASSERT_EQUAL_FATAL(h->n, 2);
	snprintf(want, sizeof want, "%" PRId64 " ON_HOLD", id);
	CU_ASSERT_STRING_EQUAL(h->pl[0], want);
	snprintf(want, sizeof want, "%" PRId64 " CANCELLED", id);
	CU_ASSERT_STRING_EQUAL(h->pl[1], want);
	/* A refused transition announces nothing. */
	CU_ASSERT(order_transition(&sup2, id, 0, ST_PACKED, NULL) != 0);
	CU_ASSERT_EQUAL(notify_read(n, on_note, h), 0);
	notify_close(n);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("notify", setup, teardown);
	CU_add_test(s, "heard when committed, at once, never when rolled back",
	    test_commit_only);
	CU_add_test(s, "only the channels listened to; bad names refused", test_channels);
	CU_add_test(s, "a listener behind the pruning reloads and goes on",
	    test_behind_the_pruning);
	CU_add_test(s, "PostgreSQL: a lower id committed late is heard once", test_late_commit);
	CU_add_test(s, "PostgreSQL: woken by NOTIFY at once, also after a reconnect",
	    test_pg_wake);
	CU_add_test(s, "the order engine announces holds and cancels", test_order_engine);
	return tu_run();
}

/*
 * test_pg_interrupt.c — db_interrupt() ends a wait for a lost PostgreSQL connection, so a
 * process told to stop (SIGTERM) does not sit out the backoff first:
 *
 * - the station's connection goes through a proxy of the test's own; the proxy drops it
 *   and from then on takes new connections without ever answering (a server that hangs):
 *   re-opening it waits on that silent server, with no time limit of its own. Another
 *   thread calls db_interrupt() half a second later: the statement fails then, within a
 *   second or so, saying the process is stopping; the wait hook heard attempt 1 first
 *   and "gave up" last. Before, PQreset() waited for an answer for ever (the watchdog
 *   ends the test after 20 s).
 * - afterwards a statement on the lost connection fails at once, without an attempt;
 *   a working connection goes on (on SQLite too, where there is nothing to re-open).
 *
 * db_interrupt() is for the whole process and for good: these tests run last, alone.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "testutil.h"

#define MAXPAIRS 8

static struct db *db;
static char path[256];

/* A TCP proxy to the server: relays until told to hang, then drops the relayed
 * connections and holds every new one open without a byte in either direction. */
struct proxy {
	char host[128], port[16];   /* the server */
	int lfd;
	unsigned short lport;
	int ctl[2];                 /* 'h': hang; 'q': quit */
	pthread_t th;
	int started;
};

static struct proxy px = { .lfd = -1, .ctl = { -1, -1 } };

static int
setup(void)
{
	db = tu_db(path);
	return db == NULL;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
connect_server(const struct proxy *p)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	int fd = -1;

	if (getaddrinfo(p->host, p->port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Everything fd has to give, written to to; 0, or -1 when either side is done. */
static int
relay(int fd, int to)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof buf), off = 0, w;

	if (n <= 0)
		return -1;
	while (off < n) {
		if ((w = write(to, buf + off, (size_t)(n - off))) <= 0)
			return -1;
		off += w;
	}
	return 0;
}

static void *
proxy_run(void *arg)
{
	struct proxy *p = arg;
	int pair[MAXPAIRS][2], held[MAXPAIRS], npair = 0, nheld = 0, hang = 0, i, j;

	for (;;) {
		struct pollfd f[2 + 2 * MAXPAIRS];
		int n = 0;
		char c;

		f[n].fd = p->lfd;
		f[n++].events = POLLIN;
		f[n].fd = p->ctl[0];
		f[n++].events = POLLIN;
		for (i = 0; i < npair; i++) {
			for (j = 0; j < 2; j++) {
				f[n].fd = pair[i][j];
				f[n++].events = POLLIN;
			}
		}
		for (i = 0; i < n; i++)
			f[i].revents = 0;
		if (poll(f, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (f[1].revents != 0) {
			if (read(p->ctl[0], &c, 1) != 1 || c == 'q')
				break;
			hang = 1;
			for (i = 0; i < npair; i++) {
				close(pair[i][0]);
				close(pair[i][1]);
			}
			npair = 0;
			continue;
		}
		for (i = 0; i < npair; i++) {
			for (j = 0; j < 2; j++) {
				if (pair[i][0] >= 0 && f[2 + 2 * i + j].revents != 0 &&
				    relay(pair[i][j], pair[i][1 - j]) != 0) {
					close(pair[i][0]);
					close(pair[i][1]);
					pair[i][0] = pair[i][1] = -1;
				}
			}
		}
		for (i = j = 0; i < npair; i++)
			if (pair[i][0] >= 0) {
				pair[j][0] = pair[i][0];
				pair[j][1] = pair[i][1];
				j++;
			}
		npair = j;
		if (f[0].revents != 0) {
			int cfd = accept(p->lfd, NULL, NULL), sfd;

			if (cfd < 0)
				continue;
			if (hang && nheld < MAXPAIRS) {
				held[nheld++] = cfd;        /* accepted, never answered */
			} else if (!hang && npair < MAXPAIRS && (sfd = connect_server(p)) >= 0) {
				pair[npair][0] = cfd;
				pair[npair++][1] = sfd;
			} else {
				close(cfd);
			}
		}
	}
	for (i = 0; i < npair; i++) {
		close(pair[i][0]);
		close(pair[i][1]);
	}
	for (i = 0; i < nheld; i++)
		close(held[i]);
	return NULL;
}

/* The proxy to the server of url on a loopback port; url again through it into out. */
static int
proxy_start(struct proxy *p, const char *url, char *out, size_t len)
{
	const char *h = strstr(url, "://"), *at, *end, *colon;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;

	if (h == NULL)
		return -1;
	h += 3;
	end = h + strcspn(h, "/?");
	if ((at = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	colon = memchr(h, ':', (size_t)(end - h));
	snprintf(p->host, sizeof p->host, "%.*s", (int)((colon != NULL ? colon : end) - h), h);
	if (colon != NULL)
		snprintf(p->port, sizeof p->port, "%.*s", (int)(end - colon - 1), colon + 1);
	else
		snprintf(p->port, sizeof p->port, "5432");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((p->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(p->lfd, 8) != 0 ||
	    getsockname(p->lfd, (struct sockaddr *)&a, &alen) != 0 || pipe(p->ctl) != 0)
		return -1;
	p->lport = ntohs(a.sin_port);
	snprintf(out, len, "%.*s127.0.0.1:%u%s", (int)(h - url), url, (unsigned)p->lport, end);
	if (pthread_create(&p->th, NULL, proxy_run, p) != 0)
		return -1;
	p->started = 1;
	return 0;
}

static void
proxy_say(struct proxy *p, char c)
{
	CU_ASSERT_EQUAL(write(p->ctl[1], &c, 1), 1);
}

static void
proxy_stop(struct proxy *p)
{
	if (p->started) {
		proxy_say(p, 'q');
		pthread_join(p->th, NULL);
	}
	if (p->lfd >= 0)
		close(p->lfd);
	if (p->ctl[0] >= 0) {
		close(p->ctl[0]);
		close(p->ctl[1]);
	}
}

struct waits {
	int n, first, last;
};

static void
on_wait(void *arg, int attempt, int64_t waited_ms)
{
	struct waits *w = arg;

	(void)waited_ms;
	if (w->n++ == 0)
		w->first = attempt;
	w->last = attempt;
}

static void *
interrupt_later(void *arg)
{
	struct timespec t = { 0, 500 * 1000000L };

	(void)arg;
	nanosleep(&t, NULL);
	db_interrupt();
	return NULL;
}

static void
watchdog(int sig)
{
	static const char msg[] = "FAIL: still waiting for the silent server after 20 s "
	    "(db_interrupt() came after 0.5 s)\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);

	(void)sig;
	(void)r;
	_exit(1);
}

static void
test_interrupt(void)
{
	struct waits w = { 0 };
	struct db *st = NULL;
	pthread_t th;
	char url[512], err[512];
	int64_t v = 0, t0, ms;
	int rc;

	CU_ASSERT_EQUAL(db_interrupted(), 0);
	if (strcmp(db_engine(db), "postgresql") != 0) {
		/* Nothing to re-open on SQLite: statements go on after db_interrupt(). */
		db_interrupt();
		CU_ASSERT_EQUAL(db_interrupted(), 1);
		CU_ASSERT_EQUAL(db_int(db, &v, "SELECT 7", ""), 0);
		CU_ASSERT_EQUAL(v, 7);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(proxy_start(&px, path, url, sizeof url), 0);
	CU_ASSERT_EQUAL_FATAL(db_open(&st, url, err, sizeof err), 0);
	db_set_wait_hook(st, on_wait, &w);
	/* Prepared now: the statements after the loss are the same (a statement first
	 * prepared on a lost connection fails without re-opening it). */
	CU_ASSERT_EQUAL(db_int(st, &v, "SELECT 1", ""), 0);
	CU_ASSERT_EQUAL(v, 1);

	/* Dropped, and the server silent from now on: the statement waits for it until
	 * db_interrupt(), half a second later. */
	proxy_say(&px, 'h');
	signal(SIGALRM, watchdog);
	alarm(20);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, interrupt_later, NULL), 0);
	t0 = mono_ms();
	rc = db_int(st, &v, "SELECT 1", "");
	ms = mono_ms() - t0;
	alarm(0);
	pthread_join(th, NULL);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	CU_ASSERT(ms >= 400);
	CU_ASSERT(ms < 3000);
	CU_ASSERT_PTR_NOT_NULL(strstr(db_errmsg(st), "stopping"));
	CU_ASSERT(w.n >= 2);
	CU_ASSERT_EQUAL(w.first, 1);
	CU_ASSERT_EQUAL(w.last, -1);
	fprintf(stderr, "(interrupted after %lld ms: %s) ", (long long)ms, db_errmsg(st));

	/* Once stopping, a lost connection is not waited for at all. */
	w.n = 0;
	t0 = mono_ms();
	CU_ASSERT_NOT_EQUAL(db_int(st, &v, "SELECT 1", ""), 0);
	CU_ASSERT(mono_ms() - t0 < 200);
	CU_ASSERT_EQUAL(w.n, 0);
	CU_ASSERT_EQUAL(db_interrupted(), 1);

	/* A working connection goes on. */
	CU_ASSERT_EQUAL(db_int(db, &v, "SELECT 4", ""), 0);
	CU_ASSERT_EQUAL(v, 4);
	db_close(st);
	proxy_stop(&px);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pg_interrupt", setup, teardown);
	CU_add_test(s, "db_interrupt ends a wait for a silent server", test_interrupt);
	return tu_run();
}

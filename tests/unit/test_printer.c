/* test_printer.c — printer transports: atomic file replace, raw TCP with retries against
 * a loopback listener, CUPS errors, the sim, and bad addresses. */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devices/printer.h"
#include "testutil.h"

static char dir[] = "/tmp/pbprinter-XXXXXX";

static int
setup(void)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	return 0;
}

static int
one_line_naming(const char *err, const char *what)
{
	return err[0] != '\0' && strchr(err, '\n') == NULL && strstr(err, what) != NULL;
}

static size_t
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_file_atomic(void)
{
	char uri[300], path[280], err[512], got[64];
	const char *first = "^XA^FDfirst^FS^XZ", *second = "^XA^FDsecond label^FS^XZ";
	struct stat st1, st2;
	char *data;
	size_t len;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/label.zpl", dir);
	snprintf(uri, sizeof uri, "file:%s", path);
	CU_ASSERT_EQUAL_FATAL(printer_send(uri, first, strlen(first), err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st1), 0);
	/* A reader that opened the old label keeps reading all of it... */
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(printer_send(uri, second, strlen(second), err, sizeof err), 0);
	n = read(fd, got, sizeof got - 1);
	close(fd);
	CU_ASSERT_EQUAL(n, (ssize_t)strlen(first));
	got[n > 0 ? n : 0] = '\0';
	CU_ASSERT_STRING_EQUAL(got, first);
	/* ...while the path now names a new, whole file: a rename, not a rewrite. */
	CU_ASSERT_EQUAL(stat(path, &st2), 0);
	CU_ASSERT_NOT_EQUAL(st1.st_ino, st2.st_ino);
	data = tu_slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_STRING_EQUAL(data, second);
	free(data);
	CU_ASSERT_EQUAL(entries(), 1);          /* no temp file left behind */

	/* A device node is written in place (file:/dev/usb/lp0 style). */
	CU_ASSERT_EQUAL(printer_send("file:/dev/null", first, strlen(first), err, sizeof err),
	    0);

	err[0] = '\0';
	CU_ASSERT_EQUAL(printer_send("file:/nonexistent-dir/x.zpl", first, 3, err, sizeof err),
	    -1);
	CU_ASSERT(one_line_naming(err, "/nonexistent-dir/x.zpl"));
}

/* A loopback printer: accepts one connection after an optional delay, reads to EOF. */
struct listener {
	int fd;                 /* bound and listening, or -1: bind port after delay_ms */
	unsigned port;
	int delay_ms;
	char *got;
	size_t len;
};

static int
listen_on(unsigned port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned
port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;

	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

/* A port nothing listens on (bound for a moment, then closed). */
static unsigned
free_port(void)
{
	int fd = listen_on(0);
	unsigned port = port_of(fd);

	close(fd);
	return port;
}

static void *
listener_run(void *arg)
{
	struct listener *l = arg;
	char buf[65536];
	ssize_t n;
	int c;

	if (l->fd < 0) {
		struct timespec ts = { l->delay_ms / 1000, (long)(l->delay_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		if ((l->fd = listen_on(l->port)) < 0)
			return NULL;
	}
	if ((c = accept(l->fd, NULL, NULL)) < 0)
		return NULL;
	while ((n = read(c, buf, sizeof buf)) > 0) {
		l->got = realloc(l->got, l->len + (size_t)n);
		memcpy(l->got + l->len, buf, (size_t)n);
		l->len += (size_t)n;
	}
	close(c);
	return NULL;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
test_tcp(void)
{
	struct printer_tcp_opts o = { 4, 100, 2000, 5000 };
	struct listener l = { 0 };
	size_t big = 3 * 1024 * 1024, i;
	char uri[64], err[512], *buf;
	pthread_t th;

	printer_tcp_set(&o);
	l.fd = listen_on(0);
	CU_ASSERT_FATAL(l.fd >= 0);
	snprintf(uri, sizeof uri, "tcp://127.0.0.1:%u", port_of(l.fd));
	buf = malloc(big);
	for (i = 0; i < big; i++)
		buf[i] = (char)('A' + i % 26);
	pthread_create(&th, NULL, listener_run, &l);
	/* Larger than the socket buffers: every byte must still arrive, in order. */
	CU_ASSERT_EQUAL(printer_send(uri, buf, big, err, sizeof err), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(l.len, big);
	CU_ASSERT(l.got != NULL && memcmp(l.got, buf, big) == 0);
	close(l.fd);
	free(l.got);
	free(buf);
}

static void
test_tcp_retry(void)
{
	struct printer_tcp_opts o = { 4, 150, 2000, 5000 };
	struct listener l = { .fd = -1, .delay_ms = 250 };
	const char *label = "^XA^FDretry^FS^XZ";
	char uri[64], err[512];
	pthread_t th;
	double t0, took;

	printer_tcp_set(&o);
	/* The printer comes up 250 ms late: the first attempt is refused, a retry lands. */
	l.port = free_port();
	snprintf(uri, sizeof uri, "tcp://127.0.0.1:%u", l.port);
	pthread_create(&th, NULL, listener_run, &l);
	t0 = now_ms();
	CU_ASSERT_EQUAL(printer_send(uri, label, strlen(label), err, sizeof err), 0);
	took = now_ms() - t0;
	pthread_join(th, NULL);
	CU_ASSERT(took >= 150);                 /* at least one backoff was slept */
	CU_ASSERT_EQUAL(l.len, strlen(label));
	CU_ASSERT(l.got != NULL && memcmp(l.got, label, strlen(label)) == 0);
	if (l.fd >= 0)
		close(l.fd);
	free(l.got);
}

static void
test_tcp_refused(void)
{
	struct printer_tcp_opts o = { 3, 10, 1000, 1000 };
	char uri[64], want[32], err[512];
	unsigned port = free_port();

	printer_tcp_set(&o);
	snprintf(uri, sizeof uri, "tcp://127.0.0.1:%u", port);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	err[0] = '\0';
	CU_ASSERT_EQUAL(printer_send(uri, "x", 1, err, sizeof err), -1);
	CU_ASSERT(one_line_naming(err, want));
	CU_ASSERT(strstr(err, "refused") != NULL);
	CU_ASSERT(strstr(err, "3 attempts") != NULL);
}

static void
test_bad_uris(void)
{
	static const struct {
		const char *uri, *says;
	} bad[] = {
		{ "bogus:x", "unknown kind" },
		{ "", "unknown kind" },
		{ "tcp://", "missing host" },
		{ "usb:0a5f:0164", "usb:0a5f:0164" },   /* no such printer here */
		{ "hid:/dev/input/event0", "not a printer" },
	};
	char err[512];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(printer_send(bad[i].uri, "x", 1, err, sizeof err), -1);
		CU_ASSERT(one_line_naming(err, bad[i].says));
	}
}

/*
 * There is no cupsd in the test environment to print to; what can be checked is that a
 * queue that does not exist (or an unreachable scheduler) gives one clean line.
 */
static void
test_cups_unknown_queue(void)
{
	char err[512];

	err[0] = '\0';
	CU_ASSERT_EQUAL(printer_send("cups:packbench-no-such-queue", "x", 1, err, sizeof err),
	    -1);
	CU_ASSERT(one_line_naming(err, "cups:packbench-no-such-queue"));
	printf("\n    (cups said: %s) ", err);
}

static void
test_sim(void)
{
	char path[280], err[512];
	uint64_t before = printer_sim_bytes();
	char *data;
	size_t len;

	CU_ASSERT_EQUAL(printer_send("sim", "12345", 5, err, sizeof err), 0);
	CU_ASSERT_EQUAL(printer_sim_bytes(), before + 5);
	snprintf(path, sizeof path, "%s/sim.zpl", dir);
	setenv("PACKBENCH_SIM_PRINTER", path, 1);
	CU_ASSERT_EQUAL(printer_send("sim", "^XA^XZ", 6, err, sizeof err), 0);
	unsetenv("PACKBENCH_SIM_PRINTER");
	data = tu_slurp(path, &len);
	CU_ASSERT(data != NULL && strcmp(data, "^XA^XZ") == 0);
	free(data);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("printer", setup, teardown);
	CU_add_test(s, "file atomic", test_file_atomic);
	CU_add_test(s, "tcp", test_tcp);
	CU_add_test(s, "tcp retry", test_tcp_retry);
	CU_add_test(s, "tcp refused", test_tcp_refused);
	CU_add_test(s, "bad uris", test_bad_uris);
	CU_add_test(s, "cups unknown queue", test_cups_unknown_queue);
	CU_add_test(s, "sim", test_sim);
	return tu_run();
}

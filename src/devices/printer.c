/*
 * printer.c — the printer transports behind printer_send(): atomic file replace, direct
 * device writes, raw TCP with connect timeout and retries, CUPS raw jobs, the sim; USB
 * printers go to printer_usb.c.
 */
#include "printer.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cups/cups.h>

#include "devuri.h"
#include "printer_usb.h"

static struct printer_tcp_opts tcp_opts = { 4, 250, 3000, 10000 };
static _Atomic uint64_t sim_bytes;
static _Atomic unsigned tmp_serial;

void
printer_tcp_set(const struct printer_tcp_opts *o)
{
	tcp_opts = *o;
	if (tcp_opts.attempts < 1)
		tcp_opts.attempts = 1;
}

uint64_t
printer_sim_bytes(void)
{
	return atomic_load(&sim_bytes);
}

/* Messages from libraries may hold newlines; the user gets one line. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	}
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Write all of buf to fd, waiting up to timeout_ms whenever it would block. */
static int
write_all(int fd, const char *p, size_t len, int timeout_ms, int sock)
{
	while (len > 0) {
		ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int rc = poll(&pfd, 1, timeout_ms);

			if (rc == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (rc < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (n == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* A device node, FIFO or tty: open and write, no temp file. */
static int
direct_write(const char *uri, const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "printer %s: %s", uri, strerror(errno));
		return -1;
	}
	if (write_all(fd, buf, len, -1, 0) != 0) {
		snprintf(err, errlen, "printer %s: %s", uri, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0 && errno != EINTR) {
		snprintf(err, errlen, "printer %s: %s", uri, strerror(errno));
		return -1;
	}
	return 0;
}

/* Replace the regular file at path: a temp file beside it, then rename over it. */
static int
file_replace(const char *uri, const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	char tmp[512];
	struct stat st;
	int fd = -1, tries;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return direct_write(uri, path, buf, len, err, errlen);
	for (tries = 0; tries < 100 && fd < 0; tries++) {
		snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(),
		    atomic_fetch_add(&tmp_serial, 1));
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "printer %s: cannot create a file beside it: %s", uri,
		    strerror(errno));
		return -1;
	}
	if (write_all(fd, buf, len, -1, 0) != 0) {
		snprintf(err, errlen, "printer %s: %s", uri, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "printer %s: %s", uri, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "printer %s: %s", uri, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* One non-blocking connect with a timeout; the socket, or -1 with errno set. */
static int
tcp_connect_one(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t slen = sizeof(int);
	int fd, rc, soerr = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while ((rc = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (rc == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (rc < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;
fail:
	rc = errno;
	close(fd);
	errno = rc;
	return -1;
}

static int
tcp_send(const struct devuri *d, const void *buf, size_t len, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int attempt, fd = -1, rc, last = 0, backoff = tcp_opts.backoff_ms;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", d->port);
	if ((rc = getaddrinfo(d->path, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "printer %s:%u: %s", d->path, d->port,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (attempt = 0; attempt < tcp_opts.attempts && fd < 0; attempt++) {
		if (attempt > 0) {
			sleep_ms(backoff);
			backoff *= 2;
		}
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
			fd = tcp_connect_one(ai, tcp_opts.connect_timeout_ms);
			if (fd < 0)
				last = errno;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "printer %s:%u: %s (%d attempt%s)", d->path, d->port,
		    strerror(last), tcp_opts.attempts, tcp_opts.attempts == 1 ? "" : "s");
		return -1;
	}
	/* Once bytes have gone out, no retry: a resend could print the label twice. */
	if (write_all(fd, buf, len, tcp_opts.io_timeout_ms, 1) != 0) {
		snprintf(err, errlen, "printer %s:%u: sending: %s", d->path, d->port,
		    errno == ETIMEDOUT ? "the printer stopped taking data (timeout)" :
		    strerror(errno));
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	return 0;
}

/* CUPS reports a scheduler it cannot reach as an internal error with errno's text. */
static void
cups_error(const char *queue, char *err, size_t errlen)
{
	ipp_status_t st = cupsLastError();

	if (st == IPP_STATUS_ERROR_INTERNAL || st == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE)
		snprintf(err, errlen, "printer cups:%s: cannot reach the CUPS scheduler at %s (%s)",
		    queue, cupsServer(), cupsLastErrorString());
	else
		snprintf(err, errlen, "printer cups:%s: %s", queue, cupsLastErrorString());
	one_line(err);
}

static int
cups_send(const char *queue, const void *buf, size_t len, char *err, size_t errlen)
{
	int job;

	job = cupsCreateJob(CUPS_HTTP_DEFAULT, queue, "packbench label", 0, NULL);
	if (job == 0)
		goto fail;
	if (cupsStartDocument(CUPS_HTTP_DEFAULT, queue, job, "label", CUPS_FORMAT_RAW, 1) !=
	    HTTP_STATUS_CONTINUE)
		goto cancel;
	if (cupsWriteRequestData(CUPS_HTTP_DEFAULT, buf, len) != HTTP_STATUS_CONTINUE)
		goto cancel;
	if (cupsFinishDocument(CUPS_HTTP_DEFAULT, queue) != IPP_STATUS_OK)
		goto fail;
	return 0;
cancel:
	cups_error(queue, err, errlen);
	cupsCancelJob2(CUPS_HTTP_DEFAULT, queue, job, 0);
	return -1;
fail:
	cups_error(queue, err, errlen);
	return -1;
}

int
printer_send(const char *uri, const void *buf, size_t len, char *err, size_t errlen)
{
	struct devuri d;
	const char *sim;

	if (devuri_parse(uri, &d, err, errlen) != 0)
		return -1;
	switch (d.kind) {
	case DEVURI_FILE:
		return file_replace(uri, d.path, buf, len, err, errlen);
	case DEVURI_TTY:
		return direct_write(uri, d.path, buf, len, err, errlen);
	case DEVURI_TCP:
		return tcp_send(&d, buf, len, err, errlen);
	case DEVURI_CUPS:
		return cups_send(d.path, buf, len, err, errlen);
	case DEVURI_SIM:
		if ((sim = getenv("PACKBENCH_SIM_PRINTER")) != NULL && sim[0] != '\0' &&
		    file_replace(uri, sim, buf, len, err, errlen) != 0)
			return -1;
		atomic_fetch_add(&sim_bytes, (uint64_t)len);
		return 0;
	case DEVURI_USB:
		if (printer_usb_send(d.vid, d.pid, d.serial, buf, len, err, errlen) != 0) {
			char inner[400];

			snprintf(inner, sizeof inner, "%s", err);
			snprintf(err, errlen, "printer %s", inner);
			return -1;
		}
		return 0;
	case DEVURI_HID:
		break;
	}
	snprintf(err, errlen, "printer %s: a %s: device is not a printer", uri,
	    devuri_kind_name(d.kind));
	return -1;
}

/*
 * fddev.c — scanners read through a file descriptor, one thread each: evdev nodes
 * (hid:, grabbed) and serial ports (tty:). A device that goes away (read error, hang-up)
 * is reported as left and opened again every second until it is back.
 */
#include "fddev.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices_int.h"
#include "scan_evdev.h"

static void
fddev_post(struct fddev *f, struct dev_event *ev)
{
	snprintf(ev->dev, sizeof ev->dev, "%s", f->addr);
	snprintf(ev->driver, sizeof ev->driver, "%s", f->kind == DEVURI_HID ?
	    "scanner-evdev" : "scanner-tty");
	ev->role = DEV_ROLE_SCANNER;
	devices_push(f->owner, ev);
}

static void
fddev_state(struct fddev *f, enum dev_state st, const char *msg, int post)
{
	struct dev_event ev;
	int same;

	pthread_mutex_lock(&f->owner->mu);
	same = f->state == st && strcmp(f->msg, msg) == 0;
	f->state = st;
	devices_copy(f->msg, sizeof f->msg, msg);
	pthread_mutex_unlock(&f->owner->mu);
	if (post && !same && msg[0] != '\0') {
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_ERROR;
		snprintf(ev.text, sizeof ev.text, "%s", msg);
		fddev_post(f, &ev);
	}
}

static void
fddev_emit(void *ctx, const char *text, size_t len, int overflow)
{
	struct fddev *f = ctx;
	struct dev_event ev;

	memset(&ev, 0, sizeof ev);
	if (overflow) {
		ev.kind = DEV_EV_ERROR;
		snprintf(ev.text, sizeof ev.text, "a scan longer than %d characters was dropped",
		    DEV_SCAN_MAX - 1);
	} else {
		ev.kind = DEV_EV_SCAN;
		memcpy(ev.text, text, len);
		if (len >= 3 && text[0] == ']')
			memcpy(ev.symbology, text, 3);
	}
	fddev_post(f, &ev);
}

/* Wait up to ms for the stop signal; 1 when stopping. */
static int
fddev_sleep(struct fddev *f, int ms)
{
	struct pollfd p = { .fd = f->owner->wakefd, .events = POLLIN };

	return poll(&p, 1, ms) > 0 || atomic_load(&f->owner->stop);
}

static void
fddev_read(struct fddev *f, int fd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN }, { .fd = f->owner->wakefd, .events = POLLIN },
	};
	struct input_event iev[32];
	char buf[512];
	ssize_t n;
	int r, i;

	for (;;) {
		int wait = f->kind == DEVURI_TTY && f->line.len > 0 ? SCAN_TTY_IDLE_MS : 1000;

		r = poll(p, 2, wait);
		if (atomic_load(&f->owner->stop) || (r > 0 && p[1].revents))
			return;
		if (r == 0) {
			if (f->kind == DEVURI_TTY)
				scan_tty_idle(&f->line, fddev_emit, f);
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (f->kind == DEVURI_HID)
			n = read(fd, iev, sizeof iev);
		else
			n = read(fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return;             /* unplugged: EOF, EIO or ENODEV */
		if (f->kind == DEVURI_HID) {
			for (i = 0; i < (int)((size_t)n / sizeof iev[0]); i++)
				scan_evdev_feed(&f->kbd, &iev[i], fddev_emit, f);
		} else {
			scan_tty_feed(&f->line, buf, (size_t)n, fddev_emit, f);
		}
	}
}

void *
fddev_thread(void *arg)
{
	struct fddev *f = arg;
	struct dev_event ev;
	char err[200], warn[200];
	int fd;

	while (!atomic_load(&f->owner->stop)) {
		warn[0] = '\0';
		if (f->kind == DEVURI_HID)
			fd = scan_evdev_open(f->path, f->owner->no_grab, err, sizeof err, warn,
			    sizeof warn);
		else
			fd = scan_tty_open(f->path, err, sizeof err);
		if (fd < 0) {
			if (errno == EACCES || errno == EPERM) {
				char msg[300];

				snprintf(msg, sizeof msg, "%s: no permission to open it; install the udev "
				    "rule data/udev/70-packbench.rules", f->addr);
				fddev_state(f, DEV_ST_NO_ACCESS, msg, 1);
			} else {
				fddev_state(f, errno == ENOENT || errno == ENODEV || errno == ENXIO ?
				    DEV_ST_ABSENT : DEV_ST_ERROR, err, errno != ENOENT);
			}
			if (fddev_sleep(f, RETRY_MS))
				break;
			continue;
		}
		kbd_init(&f->kbd);
		scan_tty_init(&f->line);
		fddev_state(f, DEV_ST_READY, warn, 1);
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_ARRIVED;
		fddev_post(f, &ev);
		fddev_read(f, fd);
		close(fd);
		if (atomic_load(&f->owner->stop))
			break;
		fddev_state(f, DEV_ST_ABSENT, "", 0);
		memset(&ev, 0, sizeof ev);
		ev.kind = DEV_EV_LEFT;
		fddev_post(f, &ev);
		if (fddev_sleep(f, 200))
			break;
	}
	return NULL;
}

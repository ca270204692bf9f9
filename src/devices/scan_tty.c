/* scan_tty.c — serial-port scanners (see scan_tty.h). */
#include "scan_tty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int
scan_tty_open(const char *path, char *err, size_t errlen)
{
	struct termios tio;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "tty:%s: %s", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) != 0) {
		snprintf(err, errlen, "tty:%s: not a serial port (%s)", path, strerror(errno));
		close(fd);
		return -1;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, B9600);
	cfsetospeed(&tio, B9600);
	if (tcsetattr(fd, TCSANOW, &tio) != 0) {
		snprintf(err, errlen, "tty:%s: cannot set raw mode: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	tcflush(fd, TCIFLUSH);
	return fd;
}

void
scan_tty_init(struct ttyline *t)
{
	memset(t, 0, sizeof *t);
}

static void
scan_tty_end(struct ttyline *t, kbd_emit_fn emit, void *ctx)
{
	if (t->len > 0 || t->overflow) {
		t->buf[t->len] = '\0';
		emit(ctx, t->buf, t->len, t->overflow);
	}
	t->len = 0;
	t->overflow = 0;
}

void
scan_tty_feed(struct ttyline *t, const char *buf, size_t n, kbd_emit_fn emit, void *ctx)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\r' || (c == '\n' && !t->cr)) {
			scan_tty_end(t, emit, ctx);
		} else if (c != '\n' && c != '\0') {
			if (t->len + 1 < sizeof t->buf)
				t->buf[t->len++] = c;
			else
				t->overflow = 1;
		}
		t->cr = c == '\r';
	}
}

void
scan_tty_idle(struct ttyline *t, kbd_emit_fn emit, void *ctx)
{
	scan_tty_end(t, emit, ctx);
	t->cr = 0;
}

/* scan_evdev.c — wedge scanners through evdev (see scan_evdev.h). */
#include "scan_evdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int
scan_evdev_open(const char *path, int nograb, char *err, size_t errlen, char *warn,
    size_t warnlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	warn[0] = '\0';
	if (fd < 0) {
		snprintf(err, errlen, "hid:%s: %s", path, strerror(errno));
		return -1;
	}
	if (!nograb && ioctl(fd, EVIOCGRAB, (void *)1) != 0)
		snprintf(warn, warnlen, "hid:%s: could not grab it (%s); its scans also type "
		    "into the console", path, errno == EBUSY ? "another program holds it" :
		    strerror(errno));
	return fd;
}

void
scan_evdev_feed(struct kbd *k, const struct input_event *ev, kbd_emit_fn emit, void *ctx)
{
	uint8_t mod, usage;

	if (ev->type != EV_KEY)
		return;
	if ((mod = kbd_evdev_mod(ev->code)) != 0) {
		uint8_t mods = ev->value ? (uint8_t)(k->mods | mod) : (uint8_t)(k->mods & ~mod);

		kbd_set_mods(k, mods, emit, ctx);
		return;
	}
	if (ev->value != 1)         /* releases and autorepeat */
		return;
	if ((usage = kbd_evdev_usage(ev->code)) != 0)
		kbd_press(k, usage, k->mods, emit, ctx);
}

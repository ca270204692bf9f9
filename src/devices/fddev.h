/*
 * fddev.h — inside src/devices: a scanner read through a file descriptor, evdev (hid:)
 * or a serial port (tty:), on a thread of its own (fddev.c).
 */
#ifndef PB_FDDEV_H
#define PB_FDDEV_H

#include <pthread.h>

#include "devices.h"
#include "devuri.h"
#include "scan_kbd.h"
#include "scan_tty.h"

struct fddev {
	struct devices *owner;
	struct fddev *next;
	enum devuri_kind kind;          /* DEVURI_HID or DEVURI_TTY */
	char path[256];
	char addr[DEV_ADDR_MAX];
	pthread_t thr;
	int started;
	enum dev_state state;           /* under owner->mu */
	char msg[160];
	struct kbd kbd;                 /* the thread's */
	struct ttyline line;
};

/* The reader thread (a pthread start routine; arg is the struct fddev). Opens the
 * device, posts what it reads, reopens it after it goes away, until the owner stops. */
void *fddev_thread(void *arg);

#endif

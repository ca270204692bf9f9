/*
 * devices_int.h — inside src/devices only: the state the device thread (devices.c), the
 * USB slots (usbdev.c) and the fd readers (fddev.c) share.
 */
#ifndef PB_DEVICES_INT_H
#define PB_DEVICES_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <libusb.h>

#include "devices.h"
#include "devtable.h"
#include "devuri.h"
#include "evq.h"

#define RETRY_MS 1000               /* open again after a failure */
#define ACCESS_RETRY_MS 2000        /* udev may set permissions a moment after arrival */
#define CLOSE_WAIT_MS 2000          /* at stop: how long transfers may take to cancel */

struct usbdev;
struct fddev;

enum cmd_kind { CMD_ZERO, CMD_PRINT };

/* A request from the UI thread, run on the device thread. */
struct cmd {
	struct cmd *next;
	enum cmd_kind kind;
	struct devuri addr;
	int any;                        /* no address: every scale / the first printer */
	size_t len;
	unsigned char data[];
};

struct devices {
	libusb_context *ctx;
	libusb_hotplug_callback_handle hp;
	int hp_registered;
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	int wakefd;                     /* readable once stopping: fd threads leave */
	struct evq *q;
	pthread_mutex_t mu;
	struct devtable table;
	struct usbdev *usb;
	struct fddev *fds;
	struct cmd *cmds;
	struct cmd **cmds_tail;
	struct devuri only;
	int has_only;
	struct devuri role_uri[4];      /* by enum dev_role; usb: ones only */
	int has_role[4];
	int poll_ms;
	int no_grab;
};

/* Queue ev for the UI thread (its time set when 0). Any thread. */
void devices_push(struct devices *d, struct dev_event *ev);
/* Copy a message into a status field, cut to fit. */
void devices_copy(char *dst, size_t size, const char *src);

#endif

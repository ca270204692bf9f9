/*
 * test_dev_umock.c — emulated USB devices on umockdev's in-process testbed (see
 * test_dev_umock.h). The ioctl handler runs on umockdev's own thread; one mutex guards
 * every device's queues. IN reads wait in a list until the test queues a packet for their
 * endpoint; writes and control requests complete at once and are recorded. Each URB
 * remembers the device node (address) it came through: after a re-plug, a handle still
 * open on the old address reaps only its own URBs and gets ENODEV for anything new.
 */
#include "test_dev_umock.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#define UM_MAX_DEVS 64
#define UM_MAX_URBS 64
#define UM_MAX_CTRL 256

struct um_pkt {
	struct um_pkt *next;
	uint8_t ep;
	int err;                    /* the read fails with -err */
	size_t len;
	uint8_t data[];
};

struct um_ctrl {
	uint8_t rt, req;
	uint16_t value, index, len;
	uint8_t data[64];
};

struct um_dev {
	struct um *um;
	UMockdevIoctlBase *handler;
	uint16_t vid, pid;
	int port, devnum;
	char syspath[64];
	char *desc_hex;
	UMockdevIoctlData *pending[UM_MAX_URBS];    /* IN reads awaiting data */
	int pending_dn[UM_MAX_URBS];                /* the address each came through */
	int npending;
	UMockdevIoctlData *done[UM_MAX_URBS];       /* completed, to be reaped */
	int done_dn[UM_MAX_URBS];
	int ndone;
	struct um_pkt *inq, **inq_tail;
	struct um_pkt *outq, **outq_tail;
	unsigned claimed;
	struct um_ctrl ctrl[UM_MAX_CTRL];
	int nctrl;
	uint8_t report_desc[256];
	size_t report_len;
	uint8_t port_status;
	char serial[32];
	int gone;
	void (*on_out)(struct um_dev *, uint8_t, const uint8_t *, size_t, void *);
	void *on_out_arg;
};

struct um {
	UMockdevTestbed *tb;
	pthread_mutex_t mu;
	struct um_dev *devs[UM_MAX_DEVS];
	int ndevs;
	int next_devnum;
};

static void
um_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Device descriptor and one configuration holding the interfaces, as sysfs has them. */
static char *
um_descriptors(uint16_t vid, uint16_t pid, int sn, const struct um_iface *ifs, int nifs)
{
	uint8_t b[512];
	size_t n = 0, total_at;
	char *hex;
	int i;

	{
		const uint8_t dev[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 64, vid & 0xff, vid >> 8,
		    pid & 0xff, pid >> 8, 0x00, 0x01, 0, 0, sn ? 3 : 0, 1 };

		memcpy(b, dev, 18);
		n = 18;
	}
	total_at = n + 2;
	{
		const uint8_t cfg[9] = { 9, 2, 0, 0, (uint8_t)nifs, 1, 0, 0x80, 50 };

		memcpy(b + n, cfg, 9);
		n += 9;
	}
	for (i = 0; i < nifs; i++) {
		const struct um_iface *f = &ifs[i];
		uint8_t neps = (f->ep_in != 0) + (f->ep_out != 0);
		const uint8_t itf[9] = { 9, 4, (uint8_t)i, 0, neps, f->cls, f->sub, f->proto, 0 };

		memcpy(b + n, itf, 9);
		n += 9;
		if (f->cls == 3) {      /* HID class descriptor */
			const uint8_t hid[9] = { 9, 0x21, 0x11, 0x01, 0, 1, 0x22, 64, 0 };

			memcpy(b + n, hid, 9);
			n += 9;
		}
		if (f->ep_in != 0) {
			const uint8_t ep[7] = { 7, 5, f->ep_in, f->in_type, f->in_max & 0xff,
			    f->in_max >> 8, f->in_type == 3 ? 10 : 0 };

			memcpy(b + n, ep, 7);
			n += 7;
		}
		if (f->ep_out != 0) {
			const uint8_t ep[7] = { 7, 5, f->ep_out, f->out_type, f->out_max & 0xff,
			    f->out_max >> 8, f->out_type == 3 ? 10 : 0 };

			memcpy(b + n, ep, 7);
			n += 7;
		}
	}
	b[total_at] = (uint8_t)((n - 18) & 0xff);
	b[total_at + 1] = (uint8_t)((n - 18) >> 8);
	hex = malloc(2 * n + 1);
	um_hex(hex, b, n);
	return hex;
}

static struct usbdevfs_urb *
um_urb(UMockdevIoctlData *d)
{
	return (struct usbdevfs_urb *)(void *)d->data;
}

static void
um_add_done(struct um_dev *d, UMockdevIoctlData *u, int dn)
{
	d->done[d->ndone] = u;
	d->done_dn[d->ndone++] = dn;
}

/* Pending read i is complete: to the done list (lock held). */
static void
um_move_done(struct um_dev *d, int i)
{
	um_add_done(d, d->pending[i], d->pending_dn[i]);
	memmove(&d->pending[i], &d->pending[i + 1],
	    (size_t)(d->npending - i - 1) * sizeof d->pending[0]);
	memmove(&d->pending_dn[i], &d->pending_dn[i + 1],
	    (size_t)(d->npending - i - 1) * sizeof d->pending_dn[0]);
	d->npending--;
}

/* The address of the node a client opened: /dev/bus/usb/001/NNN. */
static int
um_client_dn(UMockdevIoctlClient *client)
{
	const char *node = umockdev_ioctl_client_get_devnode(client);
	const char *slash = node != NULL ? strrchr(node, '/') : NULL;

	return slash != NULL ? atoi(slash + 1) : -1;
}

/* Match waiting reads with queued packets (lock held). */
static void
um_feed(struct um_dev *d)
{
	int i = 0;

	while (i < d->npending) {
		struct usbdevfs_urb *urb = um_urb(d->pending[i]);
		struct um_pkt **pp, *p;

		if (d->pending_dn[i] != d->devnum || d->gone) {
			i++;
			continue;
		}
		for (pp = &d->inq; *pp != NULL && (*pp)->ep != urb->endpoint; pp = &(*pp)->next)
			;
		if ((p = *pp) == NULL || d->ndone == UM_MAX_URBS) {
			i++;
			continue;
		}
		if ((*pp = p->next) == NULL) {
			struct um_pkt **t;

			for (t = &d->inq; *t != NULL; t = &(*t)->next)
				;
			d->inq_tail = t;
		}
		urb->actual_length = (int)(p->len < (size_t)urb->buffer_length ? p->len :
		    (size_t)urb->buffer_length);
		memcpy(urb->buffer, p->data, (size_t)urb->actual_length);
		urb->status = -p->err;
		if (p->err != 0)
			urb->actual_length = 0;
		free(p);
		um_move_done(d, i);
	}
}

/* A control request: record it, answer it. Returns the URB status. */
static int
um_control(struct um_dev *d, struct usbdevfs_urb *urb)
{
	uint8_t *b = urb->buffer;
	struct um_ctrl c;
	size_t n;

	if (urb->buffer_length < 8)
		return -EINVAL;
	c.rt = b[0];
	c.req = b[1];
	c.value = (uint16_t)(b[2] | b[3] << 8);
	c.index = (uint16_t)(b[4] | b[5] << 8);
	c.len = (uint16_t)(b[6] | b[7] << 8);
	n = c.len < sizeof c.data ? c.len : sizeof c.data;
	if (!(c.rt & 0x80) && (size_t)urb->buffer_length >= 8 + n)
		memcpy(c.data, b + 8, n);
	if (d->nctrl < UM_MAX_CTRL)
		d->ctrl[d->nctrl++] = c;
	urb->actual_length = 0;
	if (!(c.rt & 0x80)) {
		urb->actual_length = c.len;
		return 0;
	}
	if (c.req == 6 && c.value >> 8 == 0x22 && d->report_len > 0) {
		n = d->report_len < c.len ? d->report_len : c.len;
		memcpy(b + 8, d->report_desc, n);
		urb->actual_length = (int)n;
		return 0;
	}
	if (c.rt == 0x80 && c.req == 6 && c.value >> 8 == 3 && d->serial[0] != '\0') {
		uint8_t s[66];
		size_t k, sl = strlen(d->serial);

		if ((c.value & 0xff) == 0) {            /* languages: en-US */
			s[0] = 4;
			s[2] = 0x09;
			s[3] = 0x04;
		} else {
			s[0] = (uint8_t)(2 + 2 * sl);
			for (k = 0; k < sl; k++) {
				s[2 + 2 * k] = (uint8_t)d->serial[k];
				s[3 + 2 * k] = 0;
			}
		}
		s[1] = 3;
		n = s[0] < c.len ? s[0] : c.len;
		memcpy(b + 8, s, n);
		urb->actual_length = (int)n;
		return 0;
	}
	if (c.rt == 0xa1 && c.req == 1 && c.len >= 1) {
		b[8] = d->port_status;
		urb->actual_length = 1;
		return 0;
	}
	return -EPIPE;
}

static gboolean
um_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer arg)
{
	struct um_dev *d = arg;
	struct um *um = d->um;
	UMockdevIoctlData *io = umockdev_ioctl_client_get_arg(client);
	unsigned long req = umockdev_ioctl_client_get_request(client);
	struct um_pkt *out = NULL;
	gboolean handled = TRUE;
	int dn = um_client_dn(client), live;

	pthread_mutex_lock(&um->mu);
	live = dn == d->devnum && !d->gone;
	switch (req) {
	case USBDEVFS_GET_CAPABILITIES: {
		UMockdevIoctlData *c = umockdev_ioctl_data_resolve(io, 0, sizeof(guint32), NULL);

		*(guint32 *)(void *)c->data = USBDEVFS_CAP_BULK_CONTINUATION |
		    USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT |
		    USBDEVFS_CAP_ZERO_PACKET;
		umockdev_ioctl_data_unref(c);
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_GETDRIVER:
		umockdev_ioctl_client_complete(client, -1, ENODATA);
		break;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE: {
		UMockdevIoctlData *c = umockdev_ioctl_data_resolve(io, 0, sizeof(unsigned), NULL);
		unsigned iface = *(unsigned *)(void *)c->data;

		umockdev_ioctl_data_unref(c);
		if (req == USBDEVFS_CLAIMINTERFACE && !live) {
			umockdev_ioctl_client_complete(client, -1, ENODEV);
			break;
		}
		if (iface < 32 && dn == d->devnum) {
			if (req == USBDEVFS_CLAIMINTERFACE)
				d->claimed |= 1u << iface;
			else
				d->claimed &= ~(1u << iface);
		}
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESET:
	case USBDEVFS_RESETEP:
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_SUBMITURB: {
		UMockdevIoctlData *u = umockdev_ioctl_data_resolve(io, 0,
		    sizeof(struct usbdevfs_urb), NULL);
		struct usbdevfs_urb *urb = um_urb(u);
		UMockdevIoctlData *b;

		if (!live || d->ndone == UM_MAX_URBS || d->npending == UM_MAX_URBS) {
			umockdev_ioctl_data_unref(u);
			umockdev_ioctl_client_complete(client, -1, !live ? ENODEV : ENOMEM);
			break;
		}
		b = umockdev_ioctl_data_resolve(u, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
		    (gsize)urb->buffer_length, NULL);
		umockdev_ioctl_data_unref(b);
		if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
			urb->status = um_control(d, urb);
			um_add_done(d, u, dn);
		} else if (urb->endpoint & 0x80) {
			d->pending[d->npending] = u;
			d->pending_dn[d->npending++] = dn;
			um_feed(d);
		} else {
			out = malloc(sizeof *out + (size_t)urb->buffer_length);
			out->next = NULL;
			out->ep = urb->endpoint;
			out->len = (size_t)urb->buffer_length;
			memcpy(out->data, urb->buffer, out->len);
			*d->outq_tail = out;
			d->outq_tail = &out->next;
			urb->actual_length = urb->buffer_length;
			urb->status = 0;
			um_add_done(d, u, dn);
		}
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY: {
		UMockdevIoctlData *u, *p;
		int i;

		um_feed(d);
		for (i = 0; i < d->ndone && d->done_dn[i] != dn; i++)
			;
		if (i == d->ndone) {
			umockdev_ioctl_client_complete(client, -1, live ? EAGAIN : ENODEV);
			break;
		}
		u = d->done[i];
		memmove(&d->done[i], &d->done[i + 1], (size_t)(d->ndone - i - 1) * sizeof d->done[0]);
		memmove(&d->done_dn[i], &d->done_dn[i + 1],
		    (size_t)(d->ndone - i - 1) * sizeof d->done_dn[0]);
		d->ndone--;
		p = umockdev_ioctl_data_resolve(io, 0, sizeof(gpointer), NULL);
		umockdev_ioctl_data_set_ptr(p, 0, u);
		umockdev_ioctl_data_unref(p);
		umockdev_ioctl_data_unref(u);
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_DISCARDURB: {
		gulong addr = (gulong)*(void **)(void *)io->data;
		int i;

		for (i = 0; i < d->npending && (d->pending[i]->client_addr != addr ||
		    d->pending_dn[i] != dn); i++)
			;
		if (i == d->npending || d->ndone == UM_MAX_URBS) {
			umockdev_ioctl_client_complete(client, -1, EINVAL);
			break;
		}
		um_urb(d->pending[i])->status = -ENOENT;
		um_urb(d->pending[i])->actual_length = 0;
		um_move_done(d, i);
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	default:
		handled = FALSE;
	}
	pthread_mutex_unlock(&um->mu);
	if (out != NULL && d->on_out != NULL)
		d->on_out(d, out->ep, out->data, out->len, d->on_out_arg);
	return handled;
}

struct um *
um_new(void)
{
	struct um *u = calloc(1, sizeof *u);

	u->tb = umockdev_testbed_new();
	pthread_mutex_init(&u->mu, NULL);
	u->next_devnum = 2;
	return u;
}

/* Forget queued IN packets; with urbs, the URBs too (at the end). */
static void
um_dev_clear(struct um_dev *d, int urbs)
{
	struct um_pkt *p;

	while (urbs && d->npending > 0)
		umockdev_ioctl_data_unref(d->pending[--d->npending]);
	while (urbs && d->ndone > 0)
		umockdev_ioctl_data_unref(d->done[--d->ndone]);
	while ((p = d->inq) != NULL) {
		d->inq = p->next;
		free(p);
	}
	d->inq_tail = &d->inq;
}

void
um_free(struct um *u)
{
	int i;

	for (i = 0; i < u->ndevs; i++) {
		struct um_dev *d = u->devs[i];
		struct um_pkt *p;

		um_dev_clear(d, 1);
		while ((p = d->outq) != NULL) {
			d->outq = p->next;
			free(p);
		}
		g_object_unref(d->handler);
		free(d->desc_hex);
		free(d);
	}
	g_object_unref(u->tb);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

static void
um_add(struct um_dev *d)
{
	char devnode[64], *text;

	pthread_mutex_lock(&d->um->mu);
	d->devnum = d->um->next_devnum++;
	d->gone = 0;
	d->claimed = 0;
	pthread_mutex_unlock(&d->um->mu);
	snprintf(devnode, sizeof devnode, "/dev/bus/usb/001/%03d", d->devnum);
	if (!umockdev_testbed_attach_ioctl(d->um->tb, devnode, d->handler, NULL))
		fprintf(stderr, "umock: cannot attach %s\n", devnode);
	text = g_strdup_printf(
	    "P: /devices/usb1/1-%d\n"
	    "N: bus/usb/001/%03d\n"
	    "E: SUBSYSTEM=usb\n"
	    "E: DEVTYPE=usb_device\n"
	    "E: DRIVER=usb\n"
	    "E: BUSNUM=001\n"
	    "E: DEVNUM=%03d\n"
	    "E: DEVNAME=/dev/bus/usb/001/%03d\n"
	    "A: bConfigurationValue=1\\n\n"
	    "A: busnum=1\\n\n"
	    "A: devnum=%d\\n\n"
	    "A: speed=12\\n\n"
	    "H: descriptors=%s\n", d->port, d->devnum, d->devnum, d->devnum, d->devnum,
	    d->desc_hex);
	if (!umockdev_testbed_add_from_string(d->um->tb, text, NULL))
		fprintf(stderr, "umock: cannot add the device\n");
	g_free(text);
	snprintf(d->syspath, sizeof d->syspath, "/sys/devices/usb1/1-%d", d->port);
}

struct um_dev *
um_plug(struct um *u, uint16_t vid, uint16_t pid, const struct um_iface *ifs, int nifs)
{
	return um_plug_serial(u, vid, pid, NULL, ifs, nifs);
}

struct um_dev *
um_plug_serial(struct um *u, uint16_t vid, uint16_t pid, const char *serial,
    const struct um_iface *ifs, int nifs)
{
	struct um_dev *d = calloc(1, sizeof *d);

	d->um = u;
	d->vid = vid;
	d->pid = pid;
	d->port = u->ndevs + 1;
	d->port_status = 0x18;      /* selected, no error */
	d->inq_tail = &d->inq;
	d->outq_tail = &d->outq;
	snprintf(d->serial, sizeof d->serial, "%s", serial ? serial : "");
	d->desc_hex = um_descriptors(vid, pid, serial != NULL, ifs, nifs);
	d->handler = umockdev_ioctl_base_new();
	g_signal_connect(d->handler, "handle-ioctl", G_CALLBACK(um_ioctl), d);
	u->devs[u->ndevs++] = d;
	um_add(d);
	return d;
}

void
um_unplug(struct um_dev *d)
{
	int i;

	pthread_mutex_lock(&d->um->mu);
	d->gone = 1;
	for (i = d->npending; i-- > 0; ) {
		if (d->pending_dn[i] != d->devnum || d->ndone == UM_MAX_URBS)
			continue;
		um_urb(d->pending[i])->status = -ENODEV;
		um_urb(d->pending[i])->actual_length = 0;
		um_move_done(d, i);
	}
	d->claimed = 0;
	pthread_mutex_unlock(&d->um->mu);
	umockdev_testbed_uevent(d->um->tb, d->syspath, "remove");
	umockdev_testbed_remove_device(d->um->tb, d->syspath);
}

void
um_replug(struct um_dev *d)
{
	pthread_mutex_lock(&d->um->mu);
	um_dev_clear(d, 0);         /* a handle on the old address may still reap its URBs */
	pthread_mutex_unlock(&d->um->mu);
	um_add(d);
}

static void
um_queue(struct um_dev *d, uint8_t ep, const void *data, size_t len, int err)
{
	struct um_pkt *p = malloc(sizeof *p + len);

	p->next = NULL;
	p->err = err;
	p->ep = ep;
	p->len = len;
	memcpy(p->data, data, len);
	pthread_mutex_lock(&d->um->mu);
	*d->inq_tail = p;
	d->inq_tail = &p->next;
	pthread_mutex_unlock(&d->um->mu);
}

void
um_in(struct um_dev *d, uint8_t ep, const void *data, size_t len)
{
	um_queue(d, ep, data, len, 0);
}

void
um_in_error(struct um_dev *d, uint8_t ep, int err)
{
	um_queue(d, ep, "", 0, err);
}

size_t
um_out(struct um_dev *d, uint8_t ep, const char *skip, void *buf, size_t max)
{
	struct um_pkt *p;
	size_t n = 0, k;

	pthread_mutex_lock(&d->um->mu);
	for (p = d->outq; p != NULL; p = p->next) {
		if (p->ep != ep || (skip != NULL && p->len == strlen(skip) &&
		    memcmp(p->data, skip, p->len) == 0))
			continue;
		k = p->len < max - n ? p->len : max - n;
		memcpy((char *)buf + n, p->data, k);
		n += k;
	}
	pthread_mutex_unlock(&d->um->mu);
	return n;
}

void
um_on_out(struct um_dev *d, void (*fn)(struct um_dev *, uint8_t, const uint8_t *, size_t,
    void *), void *arg)
{
	pthread_mutex_lock(&d->um->mu);
	d->on_out = fn;
	d->on_out_arg = arg;
	pthread_mutex_unlock(&d->um->mu);
}

void
um_set_report_desc(struct um_dev *d, const uint8_t *desc, size_t len)
{
	pthread_mutex_lock(&d->um->mu);
	d->report_len = len < sizeof d->report_desc ? len : sizeof d->report_desc;
	memcpy(d->report_desc, desc, d->report_len);
	pthread_mutex_unlock(&d->um->mu);
}

void
um_set_port_status(struct um_dev *d, uint8_t status)
{
	pthread_mutex_lock(&d->um->mu);
	d->port_status = status;
	pthread_mutex_unlock(&d->um->mu);
}

unsigned
um_claimed(struct um_dev *d)
{
	unsigned c;

	pthread_mutex_lock(&d->um->mu);
	c = d->claimed;
	pthread_mutex_unlock(&d->um->mu);
	return c;
}

int
um_controls(struct um_dev *d, uint8_t rt, uint8_t req, uint8_t *data, size_t *len)
{
	int i, n = 0;

	pthread_mutex_lock(&d->um->mu);
	for (i = 0; i < d->nctrl; i++) {
		if (d->ctrl[i].rt != rt || d->ctrl[i].req != req)
			continue;
		n++;
		if (data != NULL && len != NULL) {
			*len = d->ctrl[i].len < sizeof d->ctrl[i].data ? d->ctrl[i].len :
			    sizeof d->ctrl[i].data;
			memcpy(data, d->ctrl[i].data, *len);
		}
	}
	pthread_mutex_unlock(&d->um->mu);
	return n;
}

int
um_reading(struct um_dev *d, uint8_t ep)
{
	int i, n = 0;

	pthread_mutex_lock(&d->um->mu);
	for (i = 0; i < d->npending; i++)
		n += um_urb(d->pending[i])->endpoint == ep && d->pending_dn[i] == d->devnum;
	pthread_mutex_unlock(&d->um->mu);
	return n;
}

static int64_t
um_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
um_event(struct devices *d, int fd, enum dev_event_kind kind, struct dev_event *out,
    int ms)
{
	int64_t until = um_now_ms() + ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		while (devices_poll(d, out) == 1) {
			if (out->kind == kind)
				return 1;
			if (getenv("UM_VERBOSE") != NULL)
				fprintf(stderr, "[%s %s %s]\n", dev_event_kind_name(out->kind), out->dev,
				    out->text);
		}
		if (um_now_ms() >= until)
			return 0;
		poll(&p, 1, (int)(until - um_now_ms()));
	}
}

int
um_until(int (*cond)(void *), void *arg, int ms)
{
	int64_t until = um_now_ms() + ms;

	while (!cond(arg)) {
		struct timespec ts = { 0, 5000000 };

		if (um_now_ms() >= until)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 1;
}

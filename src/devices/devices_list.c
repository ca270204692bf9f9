/*
 * devices_list.c — `packbench devices list`: what is plugged in now, which driver the
 * table gives it, and whether packbench may open it (with the udev fix when not). USB
 * devices through a libusb context of its own; evdev keyboards and CDC-ACM ports of
 * scanner vendors through sysfs.
 */
#include "devices.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libusb.h>

#include "devtable.h"

struct list {
	struct dev_info *v;
	size_t n, cap;
};

static struct dev_info *
devices_list_add(struct list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dev_info *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL) {
			fputs("packbench: out of memory\n", stderr);
			abort();
		}
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	return &l->v[l->n++];
}

/* First line of a sysfs file, newline cut; "" when unreadable. */
static void
devices_list_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void
devices_list_usb(libusb_context *ctx, const struct devtable *t, int all, struct list *l)
{
	libusb_device **devs;
	ssize_t n, i;

	if ((n = libusb_get_device_list(ctx, &devs)) < 0)
		return;
	for (i = 0; i < n; i++) {
		struct libusb_device_descriptor dd;
		const struct devtable_row *row;
		libusb_device_handle *h;
		struct dev_info *info;
		int rc;

		if (libusb_get_device_descriptor(devs[i], &dd) != 0)
			continue;
		row = devtable_find(t, dd.idVendor, dd.idProduct);
		if ((row == NULL || row->driver == DRV_IGNORE) && !all)
			continue;
		info = devices_list_add(l);
		snprintf(info->dev, sizeof info->dev, "usb:%04x:%04x", dd.idVendor, dd.idProduct);
		if (row != NULL) {
			snprintf(info->driver, sizeof info->driver, "%s",
			    devtable_driver_name(row->driver));
			snprintf(info->name, sizeof info->name, "%s", row->name);
		}
		snprintf(info->where, sizeof info->where, "bus %03u device %03u",
		    libusb_get_bus_number(devs[i]), libusb_get_device_address(devs[i]));
		if ((rc = libusb_open(devs[i], &h)) != 0) {
			if (rc == LIBUSB_ERROR_ACCESS)
				snprintf(info->problem, sizeof info->problem, "no permission to open "
				    "it; %s", DEV_UDEV_HINT);
			else
				snprintf(info->problem, sizeof info->problem, "cannot open it: %s",
				    libusb_strerror(rc));
			continue;
		}
		info->access = 1;
		if (info->name[0] == '\0' && dd.iProduct != 0)
			libusb_get_string_descriptor_ascii(h, dd.iProduct,
			    (unsigned char *)info->name, sizeof info->name);
		if (dd.iSerialNumber != 0 && row != NULL) {
			char sn[64] = "";

			if (libusb_get_string_descriptor_ascii(h, dd.iSerialNumber,
			    (unsigned char *)sn, sizeof sn) > 0 && strchr(sn, ':') == NULL)
				snprintf(info->dev, sizeof info->dev, "usb:%04x:%04x:%s", dd.idVendor,
				    dd.idProduct, sn);
		}
		libusb_close(h);
	}
	libusb_free_device_list(devs, 1);
}

/* evdev nodes and CDC-ACM ports whose USB vendor makes scanners. */
static void
devices_list_sysfs(const struct devtable *t, const char *cls, const char *prefix,
    const char *idfile, const char *kind, const char *driver, struct list *l)
{
	char path[512], vid[16], name[96];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof path, "/sys/class/%s", cls);
	if ((dir = opendir(path)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		struct dev_info *info;
		char dev[DEV_ADDR_MAX - 8];
		unsigned v;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof path, "/sys/class/%s/%s/device/%s", cls, e->d_name, idfile);
		devices_list_read(path, vid, sizeof vid);
		if (sscanf(vid, "%x", &v) != 1 || !devtable_scanner_vendor(t, v))
			continue;
		snprintf(path, sizeof path, "/sys/class/%s/%s/device/name", cls, e->d_name);
		devices_list_read(path, name, sizeof name);
		if (strlen(e->d_name) > 32)
			continue;
		snprintf(dev, sizeof dev, "/dev/%s%.32s", strcmp(cls, "input") == 0 ? "input/" :
		    "", e->d_name);
		info = devices_list_add(l);
		snprintf(info->dev, sizeof info->dev, "%s:%s", kind, dev);
		snprintf(info->driver, sizeof info->driver, "%s", driver);
		snprintf(info->name, sizeof info->name, "%s", name);
		snprintf(info->where, sizeof info->where, "vendor %04x", v);
		info->access = access(dev, R_OK) == 0;
		if (!info->access)
			snprintf(info->problem, sizeof info->problem, "no permission to read it; "
			    "install the udev rule data/udev/70-packbench.rules");
	}
	closedir(dir);
}

int
devices_list(const struct devices_conf *conf, int all, struct dev_info **out, size_t *n,
    char *err, size_t errlen)
{
	struct list l = { NULL, 0, 0 };
	libusb_context *ctx;
	struct devtable t;
	char why[300];
	int rc;

	*out = NULL;
	*n = 0;
	if (devtable_init(&t, why, sizeof why) != 0 ||
	    (conf->table_file != NULL && devtable_add_file(&t, conf->table_file, why,
	    sizeof why) != 0) || (conf->table_text != NULL &&
	    devtable_add_text(&t, conf->table_text, "configuration", why, sizeof why) != 0)) {
		devtable_free(&t);
		snprintf(err, errlen, "device table: %s", why);
		return -1;
	}
	if ((rc = libusb_init(&ctx)) != 0) {
		devtable_free(&t);
		snprintf(err, errlen, "devices: cannot start libusb: %s", libusb_strerror(rc));
		return -1;
	}
	devices_list_usb(ctx, &t, all, &l);
	libusb_exit(ctx);
	devices_list_sysfs(&t, "input", "event", "id/vendor", "hid", "scanner-evdev", &l);
	devices_list_sysfs(&t, "tty", "ttyACM", "../idVendor", "tty", "scanner-tty", &l);
	devtable_free(&t);
	*out = l.v;
	*n = l.n;
	return 0;
}

/*
 * test_dev_tty.c — scanners read through file descriptors: a serial (CDC-ACM) scanner
 * through a pty, unplugged by closing the master; and the evdev reader fed input events
 * through a FIFO (where EVIOCGRAB is refused, which must be reported and not stop it).
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <linux/input.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/devices.h"
#include "test_dev_umock.h"
#include "testutil.h"

#define WAIT_MS 15000

static struct devices *
start(const struct devices_conf *conf, int *fd)
{
	struct devices *d = NULL;
	char err[300] = "";

	if (devices_start(conf, &d, fd, err, sizeof err) != 0)
		fprintf(stderr, "devices_start: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return d;
}

static void
put(int fd, const char *s)
{
	CU_ASSERT_EQUAL(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void
test_tty_scanner(void)
{
	struct devices_conf conf = { 0 };
	struct dev_status st[4];
	struct dev_event ev;
	struct devices *d;
	char name[64], addr[80];
	int master, slave, fd;

	CU_ASSERT_EQUAL_FATAL(openpty(&master, &slave, name, NULL, NULL), 0);
	close(slave);
	snprintf(addr, sizeof addr, "tty:%s", name);
	conf.scanner = addr;                    /* as the station configuration names it */
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.dev, addr);
	CU_ASSERT_STRING_EQUAL(ev.driver, "scanner-tty");
	CU_ASSERT_EQUAL(devices_status(d, st, 4), 1);
	CU_ASSERT_EQUAL(st[0].state, DEV_ST_READY);

	put(master, "]C10109506000134352\x1d" "10ABC\r\n");
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "]C10109506000134352\x1d" "10ABC");
	CU_ASSERT_STRING_EQUAL(ev.symbology, "]C1");
	put(master, "4006381333931\n");
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "4006381333931");
	CU_ASSERT_STRING_EQUAL(ev.symbology, "");
	put(master, "NO-SUFFIX");               /* ended by the pause after it */
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "NO-SUFFIX");

	close(master);                          /* the scanner is unplugged */
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_LEFT, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.dev, addr);
	devices_status(d, st, 4);
	CU_ASSERT_NOT_EQUAL(st[0].state, DEV_ST_READY);
	devices_stop(d);
}

static void
key(int w, uint16_t code, int32_t value)
{
	struct input_event ie[2];

	memset(ie, 0, sizeof ie);
	ie[0].type = EV_KEY;
	ie[0].code = code;
	ie[0].value = value;
	ie[1].type = EV_SYN;        /* SYN_REPORT */
	CU_ASSERT_EQUAL(write(w, ie, sizeof ie), (ssize_t)sizeof ie);
}

static void
test_evdev_fifo(void)
{
	static const uint16_t codes[] = { KEY_0, KEY_1, KEY_9, KEY_5, KEY_0, KEY_6 };
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct devices *d;
	char dir[] = "/tmp/pbevXXXXXX", path[96], addr[112];
	size_t i;
	int fd, w;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/event7", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	snprintf(addr, sizeof addr, "hid:%s", path);
	conf.only = addr;                       /* as `devices read hid:...` does */
	d = start(&conf, &fd);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ERROR, &ev, WAIT_MS));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "could not grab"));
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_ARRIVED, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.driver, "scanner-evdev");
	w = open(path, O_WRONLY);
	CU_ASSERT_TRUE_FATAL(w >= 0);
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		key(w, codes[i], 1);
		key(w, codes[i], 0);
	}
	key(w, KEY_LEFTCTRL, 1);
	key(w, KEY_RIGHTBRACE, 1);
	key(w, KEY_RIGHTBRACE, 0);
	key(w, KEY_LEFTCTRL, 0);
	key(w, KEY_RIGHTSHIFT, 1);
	key(w, KEY_L, 1);
	key(w, KEY_L, 0);
	key(w, KEY_RIGHTSHIFT, 0);
	key(w, KEY_ENTER, 1);
	key(w, KEY_ENTER, 0);
	CU_ASSERT_TRUE_FATAL(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "019506\x1dL");
	devices_stop(d);
	close(w);
	unlink(path);
	rmdir(dir);
}

static void
test_sim_and_bad_conf(void)
{
	struct devices_conf conf = { 0 };
	struct dev_event ev;
	struct devices *d;
	char err[300];
	int fd;

	conf.only = "sim";
	d = start(&conf, &fd);
	CU_ASSERT_TRUE(um_event(d, fd, DEV_EV_WEIGHT, &ev, WAIT_MS));
	CU_ASSERT_EQUAL(ev.weight.status, DEV_SCALE_MOTION);
	CU_ASSERT_TRUE(um_event(d, fd, DEV_EV_WEIGHT, &ev, WAIT_MS));
	CU_ASSERT_TRUE(ev.weight.final);
	CU_ASSERT_EQUAL(ev.weight.g, 1250);
	CU_ASSERT_TRUE(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.symbology, "]C1");
	memset(&ev, 0, sizeof ev);
	ev.kind = DEV_EV_SCAN;
	snprintf(ev.text, sizeof ev.text, "injected");
	devices_inject(d, &ev);
	CU_ASSERT_TRUE(um_event(d, fd, DEV_EV_SCAN, &ev, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(ev.text, "injected");
	devices_stop(d);

	memset(&conf, 0, sizeof conf);
	conf.scale = "tty:/dev/ttyS0";
	d = NULL;
	CU_ASSERT_EQUAL(devices_start(&conf, &d, &fd, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "only scanners"));
	conf.scale = "usb:zz";
	CU_ASSERT_EQUAL(devices_start(&conf, &d, &fd, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "scale: device 'usb:zz'"));
	memset(&conf, 0, sizeof conf);
	conf.only = "tcp://printer:9100";
	CU_ASSERT_EQUAL(devices_start(&conf, &d, &fd, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nothing to read"));
	memset(&conf, 0, sizeof conf);
	conf.table_file = "/nonexistent/devices.conf";
	CU_ASSERT_EQUAL(devices_start(&conf, &d, &fd, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "device table: /nonexistent/devices.conf"));
	CU_ASSERT_PTR_NULL(d);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dev_tty", NULL, NULL);
	CU_add_test(s, "serial scanner through a pty, unplugged", test_tty_scanner);
	CU_add_test(s, "evdev scanner through a FIFO", test_evdev_fifo);
	CU_add_test(s, "simulated devices, injected events, bad addresses", test_sim_and_bad_conf);
	return tu_run();
}

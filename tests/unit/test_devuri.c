/* test_devuri.c — device address parsing. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "devices/devuri.h"
#include "testutil.h"

static void
test_good(void)
{
	struct devuri d;
	char err[200];

	CU_ASSERT_EQUAL(devuri_parse("usb:0c2e:0b61", &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.kind, DEVURI_USB);
	CU_ASSERT_EQUAL(d.vid, 0x0c2e);
	CU_ASSERT_EQUAL(d.pid, 0x0b61);
	CU_ASSERT_STRING_EQUAL(d.serial, "");
	CU_ASSERT_EQUAL(devuri_parse("usb:0922:8003:SN42", &d, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(d.serial, "SN42");
	CU_ASSERT_EQUAL(devuri_parse("tcp://10.0.0.5:9101", &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.kind, DEVURI_TCP);
	CU_ASSERT_STRING_EQUAL(d.path, "10.0.0.5");
	CU_ASSERT_EQUAL(d.port, 9101);
	CU_ASSERT_EQUAL(devuri_parse("tcp://printer", &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.port, 9100);
	CU_ASSERT_EQUAL(devuri_parse("hid:/dev/input/event3", &d, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(d.path, "/dev/input/event3");
	CU_ASSERT_EQUAL(devuri_parse("cups:Zebra", &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.kind, DEVURI_CUPS);
	CU_ASSERT_EQUAL(devuri_parse("sim", &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.kind, DEVURI_SIM);
}

static void
test_bad(void)
{
	static const char *const bad[] = {
		"usb:", "usb:12345:1", "usb:zz:01", "usb:0c2e", "usb:0c2e:0b61:", "tcp://",
		"tcp://host:0", "tcp://host:99999", "tcp://host:x", "hid:", "bogus:1", "",
	};
	struct devuri d;
	char err[200];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(devuri_parse(bad[i], &d, err, sizeof err), -1);
		CU_ASSERT(strlen(err) > 0 && strchr(err, '\n') == NULL);
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("devuri", NULL, NULL);
	CU_add_test(s, "good addresses", test_good);
	CU_add_test(s, "bad addresses", test_bad);
	return tu_run();
}

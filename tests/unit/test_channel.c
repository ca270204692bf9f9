/* test_channel.c — marketplace registry and status maps. */
#include <CUnit/CUnit.h>

#include "market/channel.h"
#include "testutil.h"

static void
test_maps(void)
{
	const struct channel *c;
	enum order_status st;

	CU_ASSERT_PTR_NULL(channel_find("ebay"));
	c = channel_find("shopee");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(channel_status_map(c, "READY_TO_SHIP", &st), 0);
	CU_ASSERT_EQUAL(st, ST_CONFIRMED);
	CU_ASSERT_EQUAL(channel_status_map(c, "CANCELLED", &st), 0);
	CU_ASSERT_EQUAL(st, ST_CANCELLED);
	CU_ASSERT_EQUAL(channel_status_map(c, "ready_to_ship", &st), -1);
	c = channel_find("lazada");
	CU_ASSERT_EQUAL(channel_status_map(c, "canceled", &st), 0);
	CU_ASSERT_EQUAL(st, ST_CANCELLED);
	c = channel_find("TikTok");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(channel_status_map(c, "AWAITING_SHIPMENT", &st), 0);
	CU_ASSERT_EQUAL(st, ST_CONFIRMED);
}

/* Every status a channel maps to must be reachable: a real order state. */
static void
test_all_valid(void)
{
	const struct channel *c;
	const struct channel_status *cs;

	for (c = channel_table; c->name != NULL; c++) {
		for (cs = c->statuses; cs->theirs != NULL; cs++)
			CU_ASSERT((unsigned)cs->ours < ST__COUNT);
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("channel", NULL, NULL);
	CU_add_test(s, "status maps", test_maps);
	CU_add_test(s, "maps give real states", test_all_valid);
	return tu_run();
}

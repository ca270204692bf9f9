/*
 * test_demand.c — the campaign calendar (parse, errors, which day is which) and the plan
 * on a fixture whose answers are worked out by hand: steady daily demand, stock, stock on
 * order, a cancelled order that must not count, a campaign day's lift, filters and RBAC;
 * and stock at risk marked on the inventory screen's view-model.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/demand.h"
#include "core/order.h"
#include "core/stock.h"
#include "testutil.h"
#include "ui/vm_inventory.h"

#define NOW ((int64_t)TEST_EPOCH)   /* 2025-12-01 00:00 UTC */
#define DAY 86400

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int64_t hcm;
static int nord;

/* One order a day, days_from..days_to days before NOW at 10:00, of qty units of sku. */
static int
daily(const char *sku, int qty, enum order_status st, int days_from, int days_to)
{
	struct order_line_in line = { sku, qty, 10000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .currency = "VND", .total = 10000,
		.buyer_name = "An", .province = "Hà Nội", .lines = &line, .nlines = 1,
		.status = st,
	};
	char no[32];
	int d;

	for (d = days_from; d <= days_to; d++) {
		snprintf(no, sizeof no, "O%d", ++nord);
		in.order_no = no;
		in.created_at = NOW - (int64_t)d * DAY + 10 * 3600;
		if (order_upsert(&sys, &in, NULL, NULL) != 0) {
			fprintf(stderr, "test_demand: %s\n", sys.err);
			return -1;
		}
	}
	return 0;
}

static int
setup(void)
{
	int64_t s1, s4;

	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	clock_fix(NOW);
	hcm = tu_warehouse(&sys, "HCM");
	tu_warehouse(&sys, "HN");
	s1 = tu_sku(&sys, "SKU-1", 0);
	tu_sku(&sys, "SKU-2", 0);
	tu_sku(&sys, "SKU-3", 0);
	s4 = tu_sku(&sys, "SKU-4", 0);
	tu_sku(&sys, "SKU-5", 0);        /* sold, never stocked here */
	/* SKU-4: 2 a day, 6 on 11.11 (20 days before NOW): the mega lift is 3 */
	if (daily("SKU-1", 4, ST_NEW, 1, 56) != 0 ||
	    daily("SKU-2", 2, ST_NEW, 1, 56) != 0 ||
	    daily("SKU-2", 50, ST_NEW, 3, 4) != 0 ||
	    daily("SKU-4", 2, ST_NEW, 1, 19) != 0 ||
	    daily("SKU-4", 6, ST_NEW, 20, 20) != 0 ||
	    daily("SKU-4", 2, ST_NEW, 21, 56) != 0 ||
	    daily("SKU-5", 1, ST_NEW, 1, 56) != 0)
		return 1;
	db_run(db, "UPDATE shop SET warehouse_id = ?", "i", hcm);
	/* the two orders of 50 (O113, O114) were cancelled */
	db_run(db, "UPDATE orders SET status = 'CANCELLED' WHERE order_no IN ('O113', 'O114')",
	    "");
	stock_receive(&sys, hcm, s1, "", 0, 30, "test");
	stock_receive(&sys, hcm, s1 + 1, "", 0, 10, "test");
	stock_receive(&sys, hcm, s1 + 2, "", 0, 50, "test");
	stock_receive(&sys, hcm, s4, "", 0, 20, "test");
	db_run(db, "INSERT INTO purchase_due(warehouse_id, sku_id, qty, created_at) "
	    "VALUES (?, ?, 5, 0)", "ii", hcm, s1);
	db_run(db, "INSERT INTO purchase_due(warehouse_id, sku_id, qty, created_at, "
	    "received_at) VALUES (?, ?, 99, 0, 1)", "ii", hcm, s1);
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static void
test_days(void)
{
	char buf[16];

	CU_ASSERT_EQUAL(demand_day(1970, 1, 1), 0);
	CU_ASSERT_EQUAL(demand_day(2025, 12, 1), NOW / DAY);
	CU_ASSERT_EQUAL(demand_day(2024, 3, 1) - demand_day(2024, 2, 28), 2);   /* leap */
	demand_day_format(NOW / DAY + 7, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "2025-12-08");
}

static void
test_calendar(void)
{
	struct demand_calendar cal;
	char err[256];
	int k;

	CU_ASSERT_EQUAL_FATAL(demand_calendar_builtin(&cal, err, sizeof err), 0);
	CU_ASSERT_EQUAL(cal.nkinds, 4);
	k = demand_calendar_kind(&cal, demand_day(2026, 2, 17));     /* Tet 2026 */
	CU_ASSERT_STRING_EQUAL(cal.kinds[k], "tet_holiday");
	k = demand_calendar_kind(&cal, demand_day(2026, 2, 10));
	CU_ASSERT_STRING_EQUAL(cal.kinds[k], "tet_rush");
	k = demand_calendar_kind(&cal, demand_day(2028, 1, 25));     /* Tet 2028 eve */
	CU_ASSERT_STRING_EQUAL(cal.kinds[k], "tet_holiday");
	k = demand_calendar_kind(&cal, demand_day(2027, 11, 11));
	CU_ASSERT_STRING_EQUAL(cal.kinds[k], "mega");
	CU_ASSERT_DOUBLE_EQUAL(cal.lift[k], 2.5, 1e-12);
	k = demand_calendar_kind(&cal, demand_day(2026, 3, 25));
	CU_ASSERT_STRING_EQUAL(cal.kinds[k], "payday");
	/* the 25th inside Tet 2025's rush is the rush: the first row wins */
	k = demand_calendar_kind(&cal, demand_day(2025, 1, 25));
	CU_ASSERT_STRING_EQUAL(cal.kinds[k], "tet_rush");
	CU_ASSERT_EQUAL(demand_calendar_kind(&cal, demand_day(2026, 3, 24)), -1);
	demand_calendar_free(&cal);

	CU_ASSERT_EQUAL(demand_calendar_parse(&cal, "# x\n*-10-10,*-10-10,dd,2,10.10\n",
	    "c.csv", err, sizeof err), 0);
	CU_ASSERT_EQUAL(demand_calendar_kind(&cal, demand_day(2030, 10, 10)), 0);
	demand_calendar_free(&cal);
	CU_ASSERT_EQUAL(demand_calendar_parse(&cal, "\n2026-02-30,2026-03-01,x,2,bad\n",
	    "c.csv", err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "c.csv:2: bad date (YYYY-MM-DD, *-MM-DD or *-*-DD, "
	    "both ends of the same form)");
	CU_ASSERT_EQUAL(demand_calendar_parse(&cal, "2026-03-02,2026-03-01,x,2,n\n",
	    "c.csv", err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "c.csv:1: period ends before it starts");
	CU_ASSERT_EQUAL(demand_calendar_parse(&cal, "*-*-25,*-*-25,x,0,n\n",
	    "c.csv", err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "c.csv:1: lift: a number above 0, up to 100");
	CU_ASSERT_EQUAL(demand_calendar_parse(&cal, "*-*-25,*-*-25,x\n",
	    "c.csv", err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "c.csv:1: expected from,to,kind,lift,name");
}

static const struct demand_row *
find(const struct demand_row *r, size_t n, const char *sku, const char *wh)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(r[i].sku, sku) == 0 && strcmp(r[i].wh, wh) == 0)
			return &r[i];
	return NULL;
}

/*
 * Lead time 7, safety 2 days, no statistical safety, history 56 days, no campaigns.
 * SKU-1: 4/day, 30 free, 5 on order: cover 7 + 2/4 = 7.5, out 2025-12-08, lead 28,
 * safety 8, reorder ceil(28 + 8 - 30 - 5) = 1, not at risk.
 * SKU-2: 2/day (the cancelled 100 do not count), 10 free: cover 5, out 2025-12-06,
 * reorder ceil(14 + 4 - 10) = 8, at risk. SKU-3: no demand, 50: no date, nothing to order.
 * SKU-5: 1/day and no stock row at all: out today, reorder ceil(7 + 2) = 9, at risk.
 */
static void
test_plan(void)
{
	struct demand_calendar none = { 0 };
	struct demand_params p;
	struct demand_filter f = { 0 };
	struct demand_row *r;
	const struct demand_row *x;
	size_t n;
	char day[16];

	demand_params_default(&p);
	p.lead_time_days = 7;
	p.service_level_pct = 0;
	p.safety_days = 2;
	p.history_days = 56;
	p.horizon_days = 30;
	CU_ASSERT_EQUAL_FATAL(demand_plan(&sup, &f, &none, &p, NOW, 0, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 5);
	x = find(r, n, "SKU-1", "HCM");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_DOUBLE_EQUAL(x->history, 224, 1e-9);
	CU_ASSERT_EQUAL(x->free, 30);
	CU_ASSERT_EQUAL(x->on_order, 5);
	CU_ASSERT_DOUBLE_EQUAL(x->daily, 4, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x->cover, 7.5, 1e-5);
	demand_day_format(x->oos_day, day, sizeof day);
	CU_ASSERT_STRING_EQUAL(day, "2025-12-08");
	CU_ASSERT_DOUBLE_EQUAL(x->lead, 28, 1e-5);
	CU_ASSERT_DOUBLE_EQUAL(x->safety, 8, 1e-5);
	CU_ASSERT_EQUAL(x->reorder, 1);
	CU_ASSERT_EQUAL(x->at_risk, 0);
	CU_ASSERT_DOUBLE_EQUAL(x->mape, 0, 1e-4);
	x = find(r, n, "SKU-2", "HCM");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_DOUBLE_EQUAL(x->history, 112, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x->cover, 5, 1e-5);
	demand_day_format(x->oos_day, day, sizeof day);
	CU_ASSERT_STRING_EQUAL(day, "2025-12-06");
	CU_ASSERT_EQUAL(x->reorder, 8);
	CU_ASSERT_EQUAL(x->at_risk, 1);
	x = find(r, n, "SKU-3", "HCM");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_DOUBLE_EQUAL(x->cover, -1, 1e-12);
	CU_ASSERT_EQUAL(x->oos_day, 0);
	CU_ASSERT_EQUAL(x->reorder, 0);
	CU_ASSERT_EQUAL(x->at_risk, 0);
	x = find(r, n, "SKU-5", "HCM");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_DOUBLE_EQUAL(x->history, 56, 1e-9);
	CU_ASSERT_EQUAL(x->free, 0);
	CU_ASSERT_DOUBLE_EQUAL(x->cover, 0, 1e-9);
	demand_day_format(x->oos_day, day, sizeof day);
	CU_ASSERT_STRING_EQUAL(day, "2025-12-01");
	CU_ASSERT_EQUAL(x->reorder, 9);
	CU_ASSERT_EQUAL(x->at_risk, 1);
	CU_ASSERT_STRING_EQUAL(r[0].sku, "SKU-1");      /* by SKU code */
	CU_ASSERT_STRING_EQUAL(r[4].sku, "SKU-5");
	free(r);

	f.sku = "SKU-2";
	CU_ASSERT_EQUAL_FATAL(demand_plan(&sup, &f, &none, &p, NOW, 0, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(r);
	f.sku = NULL;
	f.warehouse = "HN";
	CU_ASSERT_EQUAL_FATAL(demand_plan(&sup, &f, &none, &p, NOW, 0, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(r);

	CU_ASSERT_EQUAL(demand_plan(&packer, NULL, &none, &p, NOW, 0, &r, &n), DB_EPERM);
	p.lead_time_days = 0;
	CU_ASSERT_EQUAL(demand_plan(&sup, NULL, &none, &p, NOW, 0, &r, &n), DB_EINVAL);
}

/*
 * The built-in calendar: SKU-4 sold 6 on 11.11 against 2 on plain days, a mega lift of
 * 3, and 2 on the 25th (payday lift 1). Lead time 14 from 2025-12-01 covers 12.12:
 * lead = 13 x 2 + 6 = 32, safety 2 days x 32/14, reorder ceil(32 + 4.571 - 20) = 17.
 */
static void
test_plan_campaign(void)
{
	struct demand_params p;
	struct demand_filter f = { "SKU-4", NULL };
	struct demand_row *r;
	size_t n;

	demand_params_default(&p);
	p.lead_time_days = 14;
	p.service_level_pct = 0;
	p.safety_days = 2;
	p.history_days = 56;
	p.horizon_days = 30;
	CU_ASSERT_EQUAL_FATAL(demand_plan(&sup, &f, NULL, &p, NOW, 0, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_DOUBLE_EQUAL(r[0].lead, 32, 1e-4);
	CU_ASSERT_DOUBLE_EQUAL(r[0].safety, 2.0 * 32 / 14, 1e-4);
	CU_ASSERT_EQUAL(r[0].reorder, 17);
	/* 20 free: 2 a day for 10 days, 12.12 on day 11 */
	CU_ASSERT_DOUBLE_EQUAL(r[0].cover, 10, 1e-4);
	CU_ASSERT_EQUAL(r[0].at_risk, 1);
	free(r);
}

/* The screen as text, all rows joined by newlines. */
static void
screen(struct vm_inventory *vm, char *buf, size_t len)
{
	struct vm_screen scr;
	size_t at = 0;
	int y;

	vm_screen_init(&scr, 24, 80, ROLE_NORMAL);
	vm_inventory_render(vm, &scr);
	buf[0] = '\0';
	for (y = 0; y < 24 && at + 1 < len; y++) {
		vm_screen_row(&scr, y, buf + at, len - at - 1);
		at += strlen(buf + at);
		buf[at++] = '\n';
		buf[at] = '\0';
	}
	vm_screen_free(&scr);
}

/* The default parameters (lead time 7 days): SKU-2 (5 days of cover) is at risk, the
 * others are not; its row says so with a `*` and the line under the list gives the
 * numbers once it is selected. */
static void
test_screen(void)
{
	struct vm_inventory vm;
	char text[24 * 1024];
	int i;

	vm_inventory_init(&vm, &sup, NOW, 0);
	/* The forecast runs on its own thread: "computing" until the tick takes its rows. */
	screen(&vm, text, sizeof text);
	CU_ASSERT(vm.risk_at != 0 || strstr(text, "forecast: computing") != NULL);
	for (i = 0; i < 3000 && vm.risk_at == 0; i++) {
		struct timespec ms = { 0, 10000000 };

		nanosleep(&ms, NULL);
		vm_inventory_tick(&vm, NOW);
	}
	CU_ASSERT_FATAL(vm.risk_at != 0);
	screen(&vm, text, sizeof text);
	CU_ASSERT_PTR_NULL(strstr(text, "forecast: computing"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "1 at risk"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "   10* "));     /* SKU-2's available */
	CU_ASSERT_PTR_NULL(strstr(text, "30*"));             /* SKU-1: 7.5 days */
	for (i = 0; i < 4 && (vm.sel >= vm.n || strcmp(vm.rows[vm.sel].sku, "SKU-2") != 0); i++)
		vm_inventory_key(&vm, VK_DOWN);
	screen(&vm, text, sizeof text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "5.0 days of cover, out 2025-12-06"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "(at risk)"));
	vm_inventory_free(&vm);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("demand", setup, teardown);
	CU_add_test(s, "days", test_days);
	CU_add_test(s, "calendar", test_calendar);
	CU_add_test(s, "plan", test_plan);
	CU_add_test(s, "plan with campaigns", test_plan_campaign);
	CU_add_test(s, "inventory screen", test_screen);
	return tu_run();
}

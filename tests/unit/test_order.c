/* test_order.c — the order state machine, versions, upsert idempotence, find. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/route.h"
#include "core/stock.h"
#include "testutil.h"

static struct db *db;
static char path[256];
static struct session sys;
static int64_t wh, sku;

static int
setup(void)
{
	db = tu_db(path);
	/* The state machine on its own, allocation a step of its own: allocation at
	 * confirmation (route.h, on by default) is tested in test_route.c. */
	route_set_auto(0);
	session_system(&sys, db, "T1");
	wh = tu_warehouse(&sys, "HCM");
	sku = tu_sku(&sys, "SKU-1", 0);
	return stock_receive(&sys, wh, sku, "", 0, 1000000, "test") == 0 ? 0 : -1;
}

static int
teardown(void)
{
	route_set_auto(1);
	tu_db_free(db, path);
	return 0;
}

static int64_t
new_order(const char *no)
{
	struct order_line_in line = { "SKU-1", 2, 50000 };
	struct order_in in = {
		.channel = "shopee", .shop = "shop-a", .order_no = no,
		.created_at = TEST_EPOCH, .ship_by = TEST_EPOCH + 86400, .status = ST_NEW,
		.cod = 100000, .currency = "VND", .total = 100000, .buyer_name = "Nguyễn Văn A",
		.buyer_phone = "0901234567", .address = "12 Lê Lợi", .province = "Hồ Chí Minh",
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static enum order_status
status_of(int64_t id)
{
	struct order *o;
	enum order_status st;

	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id, &o), 0);
	st = o->status;
	order_free(o);
	return st;
}

/* Put an order straight into a state, bypassing the machine (test set-up only). */
static void
force_status(int64_t id, enum order_status st)
{
	CU_ASSERT_EQUAL_FATAL(db_run(db, "UPDATE orders SET status = ? WHERE id = ?", "si",
	    order_status_name(st), id), 0);
}

static void
test_every_transition(void)
{
	int from, to, legal = 0, illegal = 0;
	char no[32];

	for (from = 0; from < ST__COUNT; from++) {
		for (to = 0; to < ST__COUNT; to++) {
			int64_t id, audits_before = 0, audits_after = 0;
			int rc;

			snprintf(no, sizeof no, "T-%d-%d", from, to);
			id = new_order(no);
			/* ALLOCATED and later states need a reservation to release or ship. */
			if (from != ST_NEW) {
				force_status(id, ST_CONFIRMED);
				if (from >= ST_ALLOCATED && from <= ST_PACKED)
					CU_ASSERT_EQUAL_FATAL(order_allocate(&sys, id, 0), 0);
				force_status(id, (enum order_status)from);
			}
			db_int(db, &audits_before, "SELECT count(*) FROM audit", "");
			rc = order_transition(&sys, id, 0, (enum order_status)to, NULL);
			db_int(db, &audits_after, "SELECT count(*) FROM audit", "");
			if (order_transition_legal((enum order_status)from, (enum order_status)to)) {
				legal++;
				if (rc != 0)
					fprintf(stderr, "\n%s -> %s: %s\n", order_status_name(from),
					    order_status_name(to), sys.err);
				CU_ASSERT_EQUAL(rc, 0);
				CU_ASSERT_EQUAL(status_of(id), to);
				CU_ASSERT(audits_after > audits_before);
			} else {
				illegal++;
				CU_ASSERT_EQUAL(rc, DB_ESTATE);
				CU_ASSERT_EQUAL(status_of(id), from);
				CU_ASSERT_EQUAL(audits_after, audits_before);
				CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "cannot go from"));
			}
		}
	}
	CU_ASSERT_EQUAL(legal + illegal, ST__COUNT * ST__COUNT);
	CU_ASSERT(legal >= 20);
}

static void
test_stock_effects(void)
{
	int64_t id = new_order("FX-1"), onhand0, onhand, reserved;

	stock_on_hand(&sys, wh, sku, &onhand0);
	stock_reserved(&sys, wh, sku, &reserved);
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(order_allocate(&sys, id, 0), 0);
	{
		int64_t r2;

		stock_reserved(&sys, wh, sku, &r2);
		CU_ASSERT_EQUAL(r2, reserved + 2);
	}
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_PACKING, NULL), 0);
	/* Packed: the units are out of stock (reserved -> shipped) ... */
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_PACKED, NULL), 0);
	stock_on_hand(&sys, wh, sku, &onhand);
	CU_ASSERT_EQUAL(onhand, onhand0 - 2);
	{
		int64_t r3;

		stock_reserved(&sys, wh, sku, &r3);
		CU_ASSERT_EQUAL(r3, reserved);
	}
	/* ... and handing over moves no stock again. */
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_SHIPPED, NULL), 0);
	stock_on_hand(&sys, wh, sku, &onhand);
	CU_ASSERT_EQUAL(onhand, onhand0 - 2);

	/* A packed parcel cancelled before handover goes back on hand. */
	id = new_order("FX-3");
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(order_allocate(&sys, id, 0), 0);
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_PACKING, NULL), 0);
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_PACKED, NULL), 0);
	stock_on_hand(&sys, wh, sku, &onhand);
	CU_ASSERT_EQUAL(onhand, onhand0 - 4);
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_CANCELLED, "buyer cancelled"), 0);
	stock_on_hand(&sys, wh, sku, &onhand);
	CU_ASSERT_EQUAL(onhand, onhand0 - 2);
	{
		char msg[256];

		CU_ASSERT_EQUAL(stock_verify(&sys, msg, sizeof msg), 0);
	}

	/* Cancel after allocation gives the stock back. */
	id = new_order("FX-2");
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(order_allocate(&sys, id, 0), 0);
	CU_ASSERT_EQUAL(order_transition(&sys, id, 0, ST_CANCELLED, NULL), 0);
	{
		int64_t r4;

		stock_reserved(&sys, wh, sku, &r4);
		CU_ASSERT_EQUAL(r4, reserved);
	}
}

static void
test_allocate_short(void)
{
	struct order_line_in line = { "SKU-2", 5, 1000 };
	struct order_in in = {
		.channel = "lazada", .shop = "lz", .order_no = "SHORT-1", .created_at = TEST_EPOCH,
		.status = ST_CONFIRMED, .currency = "VND", .total = 5000, .lines = &line,
		.nlines = 1,
	};
	int64_t id, sku2 = tu_sku(&sys, "SKU-2", 0);

	CU_ASSERT_EQUAL_FATAL(stock_receive(&sys, wh, sku2, "", 0, 3, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	CU_ASSERT_EQUAL(order_allocate(&sys, id, 0), DB_ESTOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "SHORT-1"));
	CU_ASSERT_EQUAL(status_of(id), ST_CONFIRMED);
}

static void
test_version_conflict(void)
{
	int64_t id = new_order("V-1");
	struct order *o;
	int64_t v;

	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id, &o), 0);
	v = o->version;
	order_free(o);
	/* Someone else confirms first ... */
	CU_ASSERT_EQUAL(order_transition(&sys, id, v, ST_CONFIRMED, NULL), 0);
	/* ... so our hold, made on the old version, must fail, not overwrite. */
	CU_ASSERT_EQUAL(order_transition(&sys, id, v, ST_ON_HOLD, NULL), DB_ECONFLICT);
	CU_ASSERT_EQUAL(status_of(id), ST_CONFIRMED);
	CU_ASSERT_EQUAL(order_transition(&sys, id, v + 1, ST_ON_HOLD, "address check"), 0);
}

static void
test_rbac(void)
{
	struct session packer, sup;
	int64_t id = new_order("R-1");

	tu_session(&packer, db, ROLE_PACKER);
	tu_session(&sup, db, ROLE_SUPERVISOR);
	CU_ASSERT_EQUAL(order_transition(&packer, id, 0, ST_CONFIRMED, NULL), DB_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "supervisor"));
	CU_ASSERT_EQUAL(status_of(id), ST_NEW);
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(order_allocate(&sup, id, 0), 0);
	CU_ASSERT_EQUAL(order_transition(&packer, id, 0, ST_PACKING, NULL), 0);
	/* A packer cannot cancel, a supervisor cannot fake a delivery; a packer may report a
	 * problem (hold) while packing. */
	CU_ASSERT_EQUAL(order_transition(&packer, id, 0, ST_CANCELLED, NULL), DB_EPERM);
	CU_ASSERT_EQUAL(order_upsert(&packer, &(struct order_in){ .order_no = "X" }, NULL,
	    NULL), DB_EPERM);
	CU_ASSERT_EQUAL(order_transition(&packer, id, 0, ST_PACKED, NULL), 0);
	CU_ASSERT_EQUAL(order_transition(&packer, id, 0, ST_SHIPPED, NULL), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_DELIVERED, NULL), DB_EPERM);
}

static void
test_upsert_idempotent(void)
{
	struct order_line_in lines[2] = { { "SKU-1", 1, 10000 }, { "SKU-1", 3, 20000 } };
	struct order_in in = {
		.channel = "tiktok", .shop = "tt-1", .order_no = "UP-1", .created_at = TEST_EPOCH,
		.ship_by = TEST_EPOCH + 3600, .status = ST_NEW, .currency = "VND", .total = 70000,
		.buyer_name = "Trần Thị B", .lines = lines, .nlines = 2,
	};
	int64_t id1, id2, n0, n1, nl;
	struct order *o;
	int created;

	db_int(db, &n0, "SELECT count(*) FROM orders", "");
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id1, &created), 0);
	CU_ASSERT_EQUAL(created, 1);
	in.total = 90000;
	in.buyer_name = "Trần Thị Bích";
	in.status = ST_CONFIRMED;
	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id2, &created), 0);
	CU_ASSERT_EQUAL(created, 0);
	CU_ASSERT_EQUAL(id1, id2);
	db_int(db, &n1, "SELECT count(*) FROM orders", "");
	CU_ASSERT_EQUAL(n1, n0 + 1);
	db_int(db, &nl, "SELECT count(*) FROM order_line WHERE order_id = ?", "i", id1);
	CU_ASSERT_EQUAL(nl, 2);
	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id1, &o), 0);
	CU_ASSERT_EQUAL(o->total, 90000);
	CU_ASSERT_STRING_EQUAL(o->buyer_name, "Trần Thị Bích");
	CU_ASSERT_EQUAL(o->status, ST_CONFIRMED);
	order_free(o);

	/* The same order pulled again changes nothing: no new version, no audit record. */
	{
		int64_t v0, a0, v1, a1;

		db_int(db, &v0, "SELECT version FROM orders WHERE id = ?", "i", id1);
		db_int(db, &a0, "SELECT count(*) FROM audit", "");
		CU_ASSERT_EQUAL(order_upsert(&sys, &in, NULL, &created), 0);
		CU_ASSERT_EQUAL(created, 0);
		db_int(db, &v1, "SELECT version FROM orders WHERE id = ?", "i", id1);
		db_int(db, &a1, "SELECT count(*) FROM audit", "");
		CU_ASSERT_EQUAL(v1, v0);
		CU_ASSERT_EQUAL(a1, a0);
		/* ... but one changed line is an update. */
		lines[1].qty = 4;
		CU_ASSERT_EQUAL(order_upsert(&sys, &in, NULL, NULL), 0);
		db_int(db, &v1, "SELECT version FROM orders WHERE id = ?", "i", id1);
		CU_ASSERT_EQUAL(v1, v0 + 1);
		db_int(db, &nl, "SELECT sum(qty) FROM order_line WHERE order_id = ?", "i", id1);
		CU_ASSERT_EQUAL(nl, 5);
		lines[1].qty = 3;
		CU_ASSERT_EQUAL(order_upsert(&sys, &in, NULL, NULL), 0);
	}

	/* The marketplace still says "ready to ship" while we pack it: not news, our status
	 * stands and the rest of the update (a corrected address) applies. */
	{
		int64_t pk;

		CU_ASSERT_EQUAL(order_allocate(&sys, id1, 0), 0);
		CU_ASSERT_EQUAL(order_transition(&sys, id1, 0, ST_PACKING, NULL), 0);
		in.address = "99 Nguyễn Huệ";
		CU_ASSERT_EQUAL(order_upsert(&sys, &in, &pk, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(order_load(&sys, id1, &o), 0);
		CU_ASSERT_EQUAL(o->status, ST_PACKING);
		CU_ASSERT_STRING_EQUAL(o->address, "99 Nguyễn Huệ");
		order_free(o);
		CU_ASSERT_EQUAL(order_transition(&sys, id1, 0, ST_ALLOCATED, NULL), 0);
		CU_ASSERT_EQUAL(order_transition(&sys, id1, 0, ST_CANCELLED, NULL), 0);
		in.status = ST_CANCELLED;
	}

	/* A stale file asking to go back is an error, and nothing of it is applied. */
	in.status = ST_NEW;
	in.total = 1;
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, NULL, NULL), DB_ESTATE);
	CU_ASSERT_EQUAL_FATAL(order_load(&sys, id1, &o), 0);
	CU_ASSERT_EQUAL(o->total, 90000);
	order_free(o);

	/* Unknown SKU names the SKU. */
	lines[1].sku = "NOPE";
	in.order_no = "UP-2";
	CU_ASSERT_EQUAL(order_upsert(&sys, &in, NULL, NULL), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "NOPE"));
	CU_ASSERT_EQUAL(order_find(&sys, "UP-2", &id2), DB_ENOTFOUND);
}

static void
test_find(void)
{
	int64_t id = new_order("FIND-1"), got = 0;
	char key[32];

	CU_ASSERT_EQUAL(order_find(&sys, "FIND-1", &got), 0);
	CU_ASSERT_EQUAL(got, id);
	snprintf(key, sizeof key, "#%" PRId64, id);
	CU_ASSERT_EQUAL(order_find(&sys, key, &got), 0);
	CU_ASSERT_EQUAL(got, id);
	db_run(db, "UPDATE orders SET tracking_no = 'SPXVN0123' WHERE id = ?", "i", id);
	CU_ASSERT_EQUAL(order_find(&sys, "SPXVN0123", &got), 0);
	CU_ASSERT_EQUAL(got, id);
	CU_ASSERT_EQUAL(order_find(&sys, "nothing-here", &got), DB_ENOTFOUND);
}

static void
test_list_filters(void)
{
	struct order_filter f = { .status = ST_ON_HOLD };
	struct order_row *rows;
	size_t n, i;

	CU_ASSERT_EQUAL_FATAL(order_list(&sys, &f, &rows, &n), 0);
	CU_ASSERT(n >= 1);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(rows[i].status, ST_ON_HOLD);
	free(rows);
	f = (struct order_filter){ .status = -1, .channel = "tiktok" };
	CU_ASSERT_EQUAL_FATAL(order_list(&sys, &f, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(rows[0].lines, 2);
	CU_ASSERT_EQUAL(rows[0].units, 4);
	free(rows);
}

static void
test_audit_chain_holds(void)
{
	int64_t count, bad;
	char msg[256];

	CU_ASSERT_EQUAL(audit_verify(db, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT(count > 100);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("order", setup, teardown);
	CU_add_test(s, "every legal and illegal transition", test_every_transition);
	CU_add_test(s, "stock effects of transitions", test_stock_effects);
	CU_add_test(s, "allocation short of stock", test_allocate_short);
	CU_add_test(s, "version conflict", test_version_conflict);
	CU_add_test(s, "role checks on transitions", test_rbac);
	CU_add_test(s, "upsert is idempotent", test_upsert_idempotent);
	CU_add_test(s, "find by number, id, tracking", test_find);
	CU_add_test(s, "list filters", test_list_filters);
	CU_add_test(s, "audit chain after all that", test_audit_chain_holds);
	return tu_run();
}

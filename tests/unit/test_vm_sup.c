/*
 * test_vm_sup.c — the supervisor screens without curses, on a real database with a fixed
 * clock: the SLA board's counts, colours, drill-down and refresh as time passes; the
 * confirmation queue's order, risk flags, marks, bulk confirm, hold and cancel with a
 * reason, search, the grace period and undo; a packer gets nothing from either; the
 * registry shows both to a supervisor only. Screens are read back as text at 80x24.
 */
#include <CUnit/CUnit.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/stock.h"
#include "core/risk.h"
#include "screens.h"
#include "testutil.h"
#include "vmutil.h"
#include "vm_confirm.h"
#include "vm_sla.h"

#define NOW ((int64_t)TEST_EPOCH)
#define H 3600

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int64_t o_late, o_soon, o_cod, o_later, o_pack;

static int64_t
add(const char *no, enum order_status st, int64_t ship_by, int64_t cod, const char *buyer)
{
	struct order_line_in line = { "SKU-1", 1, 100000 };
	struct order_in in = {
		.channel = "shopee", .shop = "S1", .order_no = no, .created_at = NOW - 30 * H,
		.ship_by = ship_by, .status = st, .cod = cod, .currency = "VND",
		.total = cod ? cod : 100000, .buyer_name = buyer, .buyer_phone = "0912345678",
		.province = "Hà Nội", .lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	if (order_upsert(&sys, &in, &id, NULL) != 0)
		fprintf(stderr, "add %s: %s\n", no, sys.err);
	return id;
}

static int
setup(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	clock_fix(NOW);
	/* Stock behind the orders: confirmed ones are allocated at once (route.h). */
	stock_receive(&sys, tu_warehouse(&sys, "HCM"), tu_sku(&sys, "SKU-1", 0), "", 0, 100,
	    NULL);
	o_late = add("Q-LATE", ST_NEW, NOW - 30 * 60, 0, "Nguyễn Thị Hương");
	o_soon = add("Q-SOON", ST_NEW, NOW + 90 * 60, 0, "Trần Văn An");
	o_cod = add("Q-COD", ST_NEW, NOW + 3 * H, 2500000, "Lê Văn Tám");
	o_later = add("Q-LATER", ST_NEW, NOW + 30 * H, 0, "Phạm Minh Châu");
	o_pack = add("P-1", ST_CONFIRMED, NOW + 90 * 60, 0, "Võ Thị Sáu");
	return o_pack > 0 ? 0 : -1;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

static void sla_draw(void *vm, struct vm_screen *scr) { vm_sla_render(vm, scr); }
static void q_draw(void *vm, struct vm_screen *scr) { vm_confirm_render(vm, scr); }

static const char *
status_of(int64_t id)
{
	static char st[16];
	struct order *o;

	if (order_load(&sys, id, &o) != 0)
		return "?";
	snprintf(st, sizeof st, "%s", order_status_name(o->status));
	order_free(o);
	return st;
}

static void
test_board(void)
{
	struct vm_sla vm;
	struct vm_screen scr;
	char row[1024];

	vm_sla_init(&vm, &sup, NOW, 7 * H);
	CU_ASSERT_EQUAL(vm.bd.total, 5);
	CU_ASSERT_EQUAL(vm.bd.n[SLA_TO_CONFIRM][SLA_OVERDUE], 1);
	CU_ASSERT_EQUAL(vm.bd.n[SLA_TO_CONFIRM][SLA_UNDER_2H], 1);
	CU_ASSERT_EQUAL(vm.bd.n[SLA_TO_PACK][SLA_UNDER_2H], 1);
	CU_ASSERT(tu_shows(sla_draw, &vm, "SLA board"));
	CU_ASSERT(tu_shows(sla_draw, &vm, "5 open, 1 overdue"));
	CU_ASSERT(tu_shows(sla_draw, &vm, "Enter Orders"));
	/* The overdue count is red, the one under 2 h amber, zeros dimmed. */
	vm.g = SLA_PACKED;                  /* the selection out of the way */
	vm_screen_init(&scr, 24, 80, ROLE_NORMAL);
	vm_sla_render(&vm, &scr);
	vm_screen_row(&scr, 3, row, sizeof row);
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "to confirm"));
	/* Label 12 columns from column 1, then counts 9 wide. */
	CU_ASSERT_EQUAL(vm_screen_role(&scr, 3, 13 + 7), ROLE_SLA_OVERDUE);
	CU_ASSERT_EQUAL(vm_screen_role(&scr, 3, 13 + 9 + 7), ROLE_SLA_SOON);
	CU_ASSERT_EQUAL(vm_screen_role(&scr, 4, 13 + 7), ROLE_DONE);
	CU_ASSERT_EQUAL(vm_screen_role(&scr, 5, 13 + 7), ROLE_PACK_LAST);  /* selected */
	vm_screen_free(&scr);

	/* Drill down to "to confirm", 2-6h: the COD order. */
	vm.g = 0;
	vm.b = 0;
	CU_ASSERT_EQUAL(vm_sla_key(&vm, VK_RIGHT), VM_REDRAW);
	CU_ASSERT_EQUAL(vm_sla_key(&vm, VK_RIGHT), VM_REDRAW);
	CU_ASSERT_EQUAL(vm_sla_key(&vm, VK_ENTER), VM_REDRAW);
	CU_ASSERT_EQUAL_FATAL(vm.nrows, 1);
	CU_ASSERT_EQUAL(vm.rows[0].id, o_cod);
	CU_ASSERT(tu_shows(sla_draw, &vm, "Q-COD"));
	CU_ASSERT(tu_shows(sla_draw, &vm, "3h00"));
	CU_ASSERT_EQUAL(vm_sla_key(&vm, VK_ESC), VM_REDRAW);
	CU_ASSERT_EQUAL(vm.drill, 0);
	/* The total row, under 2 h: both, most urgent first, whatever their group. */
	vm.g = SLA__GROUPS;
	vm.b = SLA_UNDER_2H;
	vm_sla_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL_FATAL(vm.nrows, 2);
	CU_ASSERT(vm.rows[0].id == o_soon || vm.rows[0].id == o_pack);
	/* Time passes: 91 minutes on, both are overdue and the COD order, due in 89
	 * minutes, takes their place (the list follows the clock). */
	CU_ASSERT_EQUAL(vm_sla_tick(&vm, NOW + 91 * 60), VM_REDRAW);
	CU_ASSERT_EQUAL_FATAL(vm.nrows, 1);
	CU_ASSERT_EQUAL(vm.rows[0].id, o_cod);
	CU_ASSERT_EQUAL(vm.bd.bucket_total[SLA_OVERDUE], 3);
	vm_sla_key(&vm, VK_ESC);
	/* `?` lists the keys; any key closes it; Tab and Esc leave. */
	CU_ASSERT_EQUAL(vm_sla_key(&vm, '?'), VM_REDRAW);
	CU_ASSERT(tu_shows(sla_draw, &vm, "Keys: SLA board"));
	vm_sla_key(&vm, 'x');
	CU_ASSERT_EQUAL(vm.help, 0);
	CU_ASSERT_EQUAL(vm_sla_key(&vm, 'c'), VM_REDRAW);
	CU_ASSERT(tu_shows(sla_draw, &vm, "channel shopee"));
	CU_ASSERT_EQUAL(vm.bd.total, 5);
	vm_sla_key(&vm, 'c');
	CU_ASSERT(tu_shows(sla_draw, &vm, "channel lazada"));
	CU_ASSERT_EQUAL(vm.bd.total, 0);
	vm_sla_key(&vm, 'c');
	vm_sla_key(&vm, 'c');
	vm_sla_key(&vm, 'c');
	CU_ASSERT(tu_shows(sla_draw, &vm, "channel all"));
	/* The warehouse filter: S1 belongs to no warehouse, so HCM has only the order
	 * allocated there (confirmed, allocated at once). */
	CU_ASSERT_EQUAL_FATAL(vm.nwhs, 1);
	vm_sla_key(&vm, 'w');
	CU_ASSERT(tu_shows(sla_draw, &vm, "wh HCM"));
	CU_ASSERT_EQUAL(vm.bd.total, 1);
	vm_sla_key(&vm, 'w');
	CU_ASSERT(tu_shows(sla_draw, &vm, "wh all"));
	CU_ASSERT_EQUAL(vm.bd.total, 5);
	CU_ASSERT_EQUAL(vm_sla_key(&vm, VK_TAB), VM_SWITCH);
	CU_ASSERT_EQUAL(vm_sla_key(&vm, VK_ESC), VM_DONE);
	vm_sla_free(&vm);
}

/* Carrier cut-offs under the grid; Enter in the drill-down opens the order and its
 * trail, Esc closes it and keeps the drill-down. */
static void
test_cutoffs_and_open(void)
{
	struct sla_carrier c[2] = { { "GHN", 16 * 60, 48 }, { "JT", -1, 72 } };
	struct vm_sla vm;

	vm_sla_init(&vm, &sup, NOW, 7 * H);
	CU_ASSERT(tu_shows(sla_draw, &vm, "no carrier cut-offs configured"));
	sla_set_carriers(c, 2, 7 * H);
	/* 07:00 in Viet Nam: GHN's 16:00 is 9 h away; past it, tomorrow's. */
	CU_ASSERT_EQUAL(sla_next_cutoff(&c[0], NOW), NOW + 9 * H);
	CU_ASSERT_EQUAL(sla_next_cutoff(&c[0], NOW + 9 * H), NOW + 9 * H);
	CU_ASSERT_EQUAL(sla_next_cutoff(&c[0], NOW + 9 * H + 1), NOW + 33 * H);
	CU_ASSERT_EQUAL(sla_next_cutoff(&c[1], NOW), 0);
	CU_ASSERT_PTR_NOT_NULL(sla_carrier_find("ghn"));
	CU_ASSERT(tu_shows(sla_draw, &vm, "Cut-off: GHN 16:00 (9h00), JT none"));
	/* The overdue order of the to-confirm row. */
	vm.g = SLA_TO_CONFIRM;
	vm.b = SLA_OVERDUE;
	vm_sla_key(&vm, VK_ENTER);
	CU_ASSERT_EQUAL(vm.drill, 1);
	CU_ASSERT(tu_shows(sla_draw, &vm, "Q-LATE"));
	vm_sla_key(&vm, VK_ENTER);
	CU_ASSERT_PTR_NOT_NULL(vm.trail.o);
	CU_ASSERT(tu_shows(sla_draw, &vm, "Order Q-LATE  NEW  shopee S1"));
	CU_ASSERT(tu_shows(sla_draw, &vm, "create"));
	vm_sla_key(&vm, VK_ESC);
	CU_ASSERT_PTR_NULL(vm.trail.o);
	CU_ASSERT_EQUAL(vm.drill, 1);
	CU_ASSERT(tu_shows(sla_draw, &vm, "Q-LATE"));
	vm_sla_free(&vm);
	sla_set_carriers(NULL, 0, 7 * H);
}

static void
test_packer(void)
{
	struct vm_sla b;
	struct vm_confirm q;
	size_t i;
	int seen = 0;

	vm_sla_init(&b, &packer, NOW, 7 * H);
	CU_ASSERT_EQUAL(b.bd.total, 0);
	CU_ASSERT(tu_shows(sla_draw, &b, "needs the supervisor role"));
	vm_sla_key(&b, VK_ENTER);
	CU_ASSERT_EQUAL(b.drill, 0);
	vm_sla_free(&b);
	vm_confirm_init(&q, &packer, NOW, 7 * H);
	CU_ASSERT_EQUAL(q.n, 0);
	CU_ASSERT(tu_shows(q_draw, &q, "needs the supervisor role"));
	vm_confirm_free(&q);
	/* The registry shows the supervisor screens to no packer (Returns is the receiving
	 * clerk's, a packer's). */
	for (i = 0; i < ui_nscreens; i++) {
		CU_ASSERT(ui_screens[i].min_role >= ROLE_SUPERVISOR ||
		    strcmp(ui_screens[i].name, "Returns") == 0);
		seen += strcmp(ui_screens[i].name, "SLA board") == 0 ||
		    strcmp(ui_screens[i].name, "Confirmation queue") == 0;
	}
	CU_ASSERT_EQUAL(seen, 2);
}

static void
test_queue(void)
{
	struct vm_confirm q;
	int i;

	clock_fix(NOW);
	vm_confirm_init(&q, &sup, NOW, 7 * H);
	CU_ASSERT_EQUAL_FATAL(q.n, 4);
	CU_ASSERT_EQUAL(q.rows[0].r.id, o_late);
	CU_ASSERT_EQUAL(q.rows[1].r.id, o_soon);
	CU_ASSERT_EQUAL(q.rows[2].r.id, o_cod);
	CU_ASSERT_PTR_NOT_NULL(strstr(q.rows[2].risk, "HIGH COD"));
	CU_ASSERT(tu_shows(q_draw, &q, "Confirmation queue"));
	CU_ASSERT(tu_shows(q_draw, &q, "HIGH COD"));
	CU_ASSERT(tu_shows(q_draw, &q, "-0h30"));
	CU_ASSERT(tu_shows(q_draw, &q, "Enter Confirm"));

	/* Mark two, confirm both; within the grace period u undoes it. */
	CU_ASSERT_EQUAL(vm_confirm_key(&q, ' '), VM_REDRAW);
	CU_ASSERT_EQUAL(vm_confirm_key(&q, ' '), VM_REDRAW);
	CU_ASSERT(tu_shows(q_draw, &q, "2 marked"));
	vm_confirm_key(&q, VK_ENTER);
	CU_ASSERT_EQUAL(q.pend.n, 2);
	CU_ASSERT(tu_shows(q_draw, &q, "2 orders confirmed in 5 s: u undoes"));
	vm_confirm_tick(&q, NOW + 4);
	CU_ASSERT(tu_shows(q_draw, &q, "in 1 s"));
	CU_ASSERT_STRING_EQUAL(status_of(o_late), "NEW");
	vm_confirm_key(&q, 'u');
	CU_ASSERT(tu_shows(q_draw, &q, "undone: 2 orders stay NEW"));
	vm_confirm_tick(&q, NOW + 10);
	CU_ASSERT_STRING_EQUAL(status_of(o_late), "NEW");
	CU_ASSERT_STRING_EQUAL(status_of(o_soon), "NEW");
	vm_confirm_key(&q, 'u');
	CU_ASSERT(tu_shows(q_draw, &q, "nothing to undo"));

	/* Again, and let the grace run out: committed through the core. */
	q.sel = 0;
	vm_confirm_key(&q, 'a');
	q.rows[2].marked = q.rows[3].marked = 0;
	vm_confirm_key(&q, VK_ENTER);
	vm_confirm_tick(&q, NOW + 15);
	/* Confirmed, and so allocated in the same step. */
	CU_ASSERT_STRING_EQUAL(status_of(o_late), "ALLOCATED");
	CU_ASSERT_STRING_EQUAL(status_of(o_soon), "ALLOCATED");
	CU_ASSERT(tu_shows(q_draw, &q, "2 orders confirmed"));
	CU_ASSERT_EQUAL_FATAL(q.n, 2);
	CU_ASSERT_EQUAL(q.rows[0].r.id, o_cod);

	/* Hold with a reason from the list. */
	q.sel = 0;
	CU_ASSERT_EQUAL(vm_confirm_key(&q, 'h'), VM_REDRAW);
	CU_ASSERT(tu_shows(q_draw, &q, "Hold: pick a reason"));
	CU_ASSERT(tu_shows(q_draw, &q, "3 high COD: check buyer"));
	vm_confirm_key(&q, VK_DOWN);
	vm_confirm_key(&q, VK_DOWN);
	vm_confirm_key(&q, VK_ENTER);
	CU_ASSERT_EQUAL(q.picking, ST_NEW);
	CU_ASSERT_STRING_EQUAL(q.pend.reason, "high COD: check buyer");
	CU_ASSERT(tu_shows(q_draw, &q, "1 order held: high COD: check buyer in 5 s"));
	/* A second action commits the first at once. */
	q.sel = 1;
	vm_confirm_key(&q, 'c');
	CU_ASSERT_STRING_EQUAL(status_of(o_cod), "NEW");
	vm_confirm_key(&q, VK_ESC);             /* the list closes, nothing happens */
	CU_ASSERT_EQUAL(q.picking, ST_NEW);
	vm_confirm_key(&q, 'c');
	vm_confirm_key(&q, '2');
	CU_ASSERT_STRING_EQUAL(status_of(o_cod), "ON_HOLD");
	CU_ASSERT_EQUAL(q.pend.to, ST_CANCELLED);
	CU_ASSERT_STRING_EQUAL(q.pend.reason, "out of stock");
	for (i = 16; i <= 21; i++)
		vm_confirm_tick(&q, NOW + i);
	CU_ASSERT_STRING_EQUAL(status_of(o_later), "CANCELLED");
	CU_ASSERT_EQUAL(q.n, 0);
	CU_ASSERT(tu_shows(q_draw, &q, "no order waits for confirmation"));
	CU_ASSERT_EQUAL(vm_confirm_key(&q, VK_TAB), VM_SWITCH);
	CU_ASSERT_EQUAL(vm_confirm_key(&q, VK_ESC), VM_DONE);
	vm_confirm_free(&q);
}

static void
test_search_and_leave(void)
{
	struct vm_confirm q;
	int64_t a, b;

	a = add("S-AN", ST_NEW, NOW + 5 * H, 0, "Đặng Thu Hà");
	b = add("S-BINH", ST_NEW, NOW + 6 * H, 0, "Bùi Văn Bình");
	vm_confirm_init(&q, &sup, NOW, 7 * H);
	CU_ASSERT_EQUAL(q.n, 2);
	vm_confirm_key(&q, '/');
	CU_ASSERT_EQUAL(q.editing, 1);
	vm_confirm_key(&q, 'B');
	vm_confirm_key(&q, 'I');
	vm_confirm_key(&q, 'N');
	CU_ASSERT_EQUAL_FATAL(q.n, 1);
	CU_ASSERT_EQUAL(q.rows[0].r.id, b);
	CU_ASSERT(tu_shows(q_draw, &q, "/BIN_"));
	vm_confirm_key(&q, VK_ENTER);
	CU_ASSERT_EQUAL(q.editing, 0);
	CU_ASSERT(tu_shows(q_draw, &q, "/BIN"));
	CU_ASSERT_EQUAL(vm_confirm_key(&q, VK_ESC), VM_REDRAW);    /* clears the search */
	CU_ASSERT_EQUAL(q.n, 2);
	/* The selection stayed on S-BINH; leaving the screen commits what is pending. */
	vm_confirm_key(&q, VK_ENTER);
	CU_ASSERT_STRING_EQUAL(status_of(b), "NEW");
	vm_confirm_free(&q);
	CU_ASSERT_STRING_EQUAL(status_of(b), "ALLOCATED");       /* confirmed, allocated */
	CU_ASSERT_STRING_EQUAL(status_of(a), "NEW");
}

/* `b`: the selected order's phone on the blacklist and off again, its address on. */
static void
test_blacklist(void)
{
	struct vm_confirm q;
	struct risk_block_row *rows;
	size_t n;
	int64_t b;

	b = add("B-1", ST_NEW, NOW - 2 * H, 0, "Bùi Thị Lan");
	CU_ASSERT(b > 0);
	vm_confirm_init(&q, &sup, NOW, 7 * H);
	CU_ASSERT_EQUAL_FATAL(q.rows[0].r.id, b);
	q.sel = 0;
	vm_confirm_key(&q, 'b');
	CU_ASSERT(tu_shows(q_draw, &q, "1 block phone 0912345678"));
	CU_ASSERT(tu_shows(q_draw, &q, "2 (no street address to block)"));
	vm_confirm_key(&q, VK_ENTER);
	CU_ASSERT(tu_shows(q_draw, &q, "Block phone: pick a reason"));
	vm_confirm_key(&q, '2');
	CU_ASSERT_EQUAL(q.bstep, 0);
	CU_ASSERT(tu_shows(q_draw, &q, "phone 0912345678 blacklisted: suspected fraud"));
	CU_ASSERT_PTR_NOT_NULL(strstr(q.rows[0].risk, "BLOCKED PHONE"));
	/* Again: now it offers to take it off. */
	vm_confirm_key(&q, 'b');
	CU_ASSERT(tu_shows(q_draw, &q, "1 unblock phone 0912345678"));
	vm_confirm_key(&q, '1');
	CU_ASSERT(tu_shows(q_draw, &q, "phone 0912345678 taken off the blacklist"));
	CU_ASSERT_PTR_NULL(strstr(q.rows[0].risk, "BLOCKED PHONE"));
	/* Esc changes nothing; an order without a street address cannot block the whole
	 * province. */
	vm_confirm_key(&q, 'b');
	vm_confirm_key(&q, VK_ESC);
	CU_ASSERT_EQUAL(q.bstep, 0);
	vm_confirm_key(&q, 'b');
	vm_confirm_key(&q, '2');
	CU_ASSERT(tu_shows(q_draw, &q, "this order has no street address to block"));
	CU_ASSERT_EQUAL(risk_block_list(&sup, &rows, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(rows);
	vm_confirm_free(&q);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vm_sup", setup, teardown);
	CU_add_test(s, "SLA board", test_board);
	CU_add_test(s, "cut-offs, order from the drill-down", test_cutoffs_and_open);
	CU_add_test(s, "packer", test_packer);
	CU_add_test(s, "confirmation queue", test_queue);
	CU_add_test(s, "search and leave", test_search_and_leave);
	CU_add_test(s, "blacklist from the queue", test_blacklist);
	return tu_run();
}

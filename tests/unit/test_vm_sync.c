/*
 * test_vm_sync.c — the sync screen without curses, on a database whose sync tables
 * (sync_state, shop_token, outbox, webhook_stat, refetch_queue) are filled as the worker,
 * the outbox drain and the webhook receiver write them: each shop's row and the selected
 * shop in words at 80x24, every row exactly 80 columns; a failing shop flagged; the
 * screen following changes by itself on the tick; orders pulled on another day not
 * counted as today's; a packer refused.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/user.h"
#include "testutil.h"
#include "vm_keys.h"
#include "vm_sync.h"

#define NOW ((int64_t)TEST_EPOCH + 5 * 3600)    /* 12:00 at UTC+7 */
#define TZ (7 * 3600)

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int64_t shopee, lazada;

static int
setup(void)
{
	setenv("PACKBENCH_TEST_FAST_HASH", "1", 1);
	db = tu_db(path);
	session_system(&sys, db, "T1");
	if (user_add(&sys, "thao", ROLE_SUPERVISOR, "5678", "PB-2001") != 0 ||
	    user_add(&sys, "lan", ROLE_PACKER, "1111", "PB-1001") != 0 ||
	    user_login(db, &sup, "thao", "5678", "ST1") != 0 ||
	    user_login(db, &packer, "lan", "1111", "ST1") != 0)
		return -1;
	if (db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('shopee', "
	    "'3001001', 'Shopee HCM')", "") != 0)
		return -1;
	shopee = db_last_id(db);
	if (db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('lazada', "
	    "'Lazada Demo', 'Lazada Demo')", "") != 0)
		return -1;
	lazada = db_last_id(db);
	/* A manual shop is not a marketplace: not listed. */
	if (db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('manual', "
	    "'walk-in', 'Walk-in')", "") != 0)
		return -1;
	/* Shopee: pulled 2 minutes ago, 3 minutes behind, 125 today; 4 owed calls, one
	 * dead (3 + 1); tokens; 12 pushes and 3 refused; 2 orders waiting for a re-fetch. */
	if (db_run(db, "INSERT INTO sync_state(shop_id, holder, last_ok_at, last_try_at, lag_s, "
	    "day, pulled_today, rate_state, updated_at) VALUES (?, 'st1:4242:ab', ?, ?, 180, "
	    "'2025-12-01', 125, '8.0 of 10 tokens, no 429 today', ?)", "iiii", shopee, NOW - 120,
	    NOW - 30, NOW) != 0 ||
	    db_run(db, "INSERT INTO shop_token(shop_id, access_token, refresh_token, "
	    "access_expires, refresh_expires, updated_at) VALUES (?, 'a', 'r', ?, ?, ?)", "iiii",
	    shopee, NOW + 3 * 3600 + 5 * 60, NOW + 29 * 86400, NOW) != 0 ||
	    db_run(db, "INSERT INTO webhook_stat(shop_id, accepted, rejected, last_accepted_at, "
	    "last_rejected_at) VALUES (?, 12, 3, ?, ?)", "iii", shopee, NOW - 60, NOW - 600) != 0 ||
	    db_run(db, "INSERT INTO refetch_queue(shop_id, order_no, source, queued_at) VALUES "
	    "(?, 'A1', 'webhook', ?), (?, 'A2', 'lost_push', ?)", "iiii", shopee, NOW, shopee,
	    NOW) != 0)
		return -1;
	if (db_run(db, "INSERT INTO outbox(shop_id, kind, payload, created_at, next_at) VALUES "
	    "(?, 'ship', '{}', ?, 0), (?, 'ship', '{}', ?, 0), (?, 'ship', '{}', ?, 0), "
	    "(?, 'ship', '{}', ?, 9223372036854775807)", "iiiiiiii", shopee, NOW, shopee, NOW,
	    shopee, NOW, shopee, NOW) != 0 ||
	    db_run(db, "INSERT INTO outbox(shop_id, kind, payload, created_at, done_at) VALUES "
	    "(?, 'ship', '{}', ?, ?)", "iii", shopee, NOW, NOW) != 0)
		return -1;
	/* Lazada: never pulled successfully, failing, its access token expired. */
	if (db_run(db, "INSERT INTO sync_state(shop_id, last_try_at, lag_s, day, pulled_today, "
	    "last_error, last_error_at, updated_at) VALUES (?, ?, -1, '2025-11-30', 40, "
	    "'the signature was refused (IncompleteSignature): check app_secret in [shop "
	    "\"Lazada Demo\"]; not retried until the configuration changes', ?, ?)", "iiii",
	    lazada, NOW - 10, NOW - 10, NOW) != 0 ||
	    db_run(db, "INSERT INTO shop_token(shop_id, access_token, access_expires, "
	    "updated_at) VALUES (?, 'a', ?, ?)", "iii", lazada, NOW - 3600, NOW) != 0)
		return -1;
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, path);
	return 0;
}

struct shot {
	struct vm_screen scr;
	char row[64][2048];
};

static void
shoot(struct vm_sync *vm, int rows, int cols, struct shot *s)
{
	int y;

	vm_screen_init(&s->scr, rows, cols, ROLE_NORMAL);
	vm_sync_render(vm, &s->scr);
	for (y = 0; y < rows && y < 64; y++)
		vm_screen_row(&s->scr, y, s->row[y], sizeof s->row[y]);
}

static int
row_of(const struct shot *s, const char *text)
{
	int y;

	for (y = 0; y < s->scr.rows && y < 64; y++)
		if (strstr(s->row[y], text) != NULL)
			return y;
	return -1;
}

/* text on the 80x24 screen (the screen is printed when not). */
static int
shows(struct vm_sync *vm, const char *text)
{
	struct shot *s = malloc(sizeof *s);
	int y, i;

	shoot(vm, 24, 80, s);
	y = row_of(s, text);
	if (y < 0) {
		fprintf(stderr, "\n'%s' not on the screen:\n", text);
		for (i = 0; i < 24; i++)
			fprintf(stderr, "|%s|\n", s->row[i]);
	}
	vm_screen_free(&s->scr);
	free(s);
	return y >= 0;
}

static void
test_rows(void)
{
	struct vm_sync vm;
	struct shot *s = malloc(sizeof *s);
	int y;

	vm_sync_init(&vm, &sup, NOW, TZ);
	CU_ASSERT_EQUAL_FATAL(vm.n, 2);
	/* Ordered by channel: lazada first. */
	CU_ASSERT_STRING_EQUAL(vm.shops[0].channel, "lazada");
	CU_ASSERT_EQUAL(vm.shops[1].outbox_pending, 3);
	CU_ASSERT_EQUAL(vm.shops[1].outbox_dead, 1);
	CU_ASSERT_EQUAL(vm.shops[1].queued, 2);
	CU_ASSERT_EQUAL(vm.shops[1].pulled_today, 125);
	CU_ASSERT_EQUAL(vm.shops[0].pulled_today, 0);      /* yesterday's */
	shoot(&vm, 24, 80, s);
	for (y = 0; y < 24; y++)
		CU_ASSERT_EQUAL(vm_orders_width(s->row[y]), 80);
	CU_ASSERT(row_of(s, "Marketplace sync") == 0);
	CU_ASSERT(row_of(s, "2 shops") == 0);
	CU_ASSERT(row_of(s, "2 need a look") == 0);
	y = row_of(s, "Shopee HCM");
	CU_ASSERT(y > 0);
	if (y > 0) {
		CU_ASSERT(strstr(s->row[y], "2m ago") != NULL);
		CU_ASSERT(strstr(s->row[y], "3m") != NULL);
		CU_ASSERT(strstr(s->row[y], "125") != NULL);
		CU_ASSERT(strstr(s->row[y], "3/1") != NULL);
		CU_ASSERT(strstr(s->row[y], "12/3") != NULL);
		CU_ASSERT(strstr(s->row[y], "dead out") != NULL);
	}
	y = row_of(s, "Lazada Demo");
	CU_ASSERT(y > 0);
	if (y > 0) {
		CU_ASSERT(strstr(s->row[y], "never") != NULL);
		CU_ASSERT(strstr(s->row[y], "error") != NULL);
		CU_ASSERT(strstr(s->row[y], "✗") != NULL);
		CU_ASSERT_EQUAL(vm_screen_role(&s->scr, y, 10), ROLE_PACK_LAST);  /* selected */
	}
	vm_screen_free(&s->scr);
	/* The selected shop (Lazada) in words. */
	CU_ASSERT(shows(&vm, "Lazada Demo · lazada shop Lazada Demo · pulled by nobody yet"));
	CU_ASSERT(shows(&vm, "Last pull: never succeeded · tried 11:59"));
	CU_ASSERT(shows(&vm, "Token: access EXPIRED 1h00 ago"));
	CU_ASSERT(shows(&vm, "Last error (11:59): the signature was refused"));
	CU_ASSERT(shows(&vm, "app_secret in [shop \"Lazada Demo\"]; not retried until the"));
	/* Down: Shopee. */
	CU_ASSERT(vm_sync_key(&vm, VK_DOWN) & VM_REDRAW);
	CU_ASSERT(shows(&vm, "Shopee HCM · shopee shop 3001001 · pulled by st1:4242:ab"));
	CU_ASSERT(shows(&vm, "Last pull: ok 11:58 (2m ago) · tried 11:59 · lag 3m · 125 "
	    "orders today"));
	CU_ASSERT(shows(&vm, "Outbox: 3 pending, 1 dead (failed for good) · re-fetch queue: "
	    "2 orders"));
	CU_ASSERT(shows(&vm, "Token: access in 3h05 (15:05) · refresh in 29d00 (later)"));
	CU_ASSERT(shows(&vm, "Rate limit: 8.0 of 10 tokens, no 429 today"));
	CU_ASSERT(shows(&vm, "Webhooks: 12 accepted (last 11:59), 3 refused for a bad "
	    "signature (last 11:50)"));
	CU_ASSERT(shows(&vm, "No error recorded"));
	/* A short terminal keeps the shop rows, every row its width. */
	shoot(&vm, 12, 60, s);
	CU_ASSERT(row_of(s, "Shopee HCM") > 0);
	CU_ASSERT(row_of(s, "Up/Down") == 11);
	CU_ASSERT(row_of(s, "Token:") < 0);
	for (y = 0; y < 12; y++)
		CU_ASSERT_EQUAL(vm_orders_width(s->row[y]), 60);
	vm_screen_free(&s->scr);
	/* Keys. */
	CU_ASSERT_EQUAL(vm_sync_key(&vm, VK_TAB), VM_SWITCH);
	CU_ASSERT_EQUAL(vm_sync_key(&vm, VK_ESC), VM_DONE);
	vm_sync_key(&vm, '?');
	CU_ASSERT(shows(&vm, "Keys: marketplace sync"));
	vm_sync_key(&vm, 'x');
	CU_ASSERT_EQUAL(vm.help, 0);
	vm_sync_free(&vm);
	free(s);
}

/* The screen follows the database by itself; the selection stays on its shop. */
static void
test_tick(void)
{
	struct vm_sync vm;

	vm_sync_init(&vm, &sup, NOW, TZ);
	vm_sync_key(&vm, VK_DOWN);
	CU_ASSERT_STRING_EQUAL(vm.shops[vm.sel].channel, "shopee");
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_state SET last_ok_at = ?, last_error = NULL, "
	    "lag_s = 20, day = '2025-12-01', pulled_today = 3 WHERE shop_id = ?", "ii", NOW + 5,
	    lazada), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE webhook_stat SET accepted = 13 WHERE shop_id = ?",
	    "i", shopee), 0);
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop_token SET access_expires = ? WHERE shop_id = ?",
	    "ii", NOW + 86400, lazada), 0);
	CU_ASSERT_EQUAL(vm_sync_tick(&vm, NOW + 65), VM_REDRAW);
	CU_ASSERT_STRING_EQUAL(vm.shops[vm.sel].channel, "shopee");
	CU_ASSERT(shows(&vm, "Webhooks: 13 accepted"));
	CU_ASSERT(shows(&vm, "1 needs a look"));
	vm_sync_key(&vm, VK_UP);
	CU_ASSERT(shows(&vm, "Last pull: ok 12:00 (1m ago)"));
	CU_ASSERT(shows(&vm, "3 orders today"));
	/* The worker's words for the rate limiter colour the state. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_state SET rate_state = 'limited by the "
	    "platform' WHERE shop_id = ?", "i", lazada), 0);
	vm_sync_tick(&vm, NOW + 66);
	CU_ASSERT(shows(&vm, "rate lim"));
	CU_ASSERT(shows(&vm, "Rate limit: limited by the platform"));
	CU_ASSERT_EQUAL(db_run(db, "UPDATE sync_state SET rate_state = 'daily quota spent' "
	    "WHERE shop_id = ?", "i", lazada), 0);
	vm_sync_tick(&vm, NOW + 67);
	CU_ASSERT(shows(&vm, "2 need a look"));
	vm_sync_free(&vm);
}

/* A packer may not see it (the screen is registered for supervisors, and the read is
 * refused anyway). */
static void
test_packer(void)
{
	struct vm_sync vm;

	vm_sync_init(&vm, &packer, NOW, TZ);
	CU_ASSERT_EQUAL(vm.n, 0);
	CU_ASSERT(strstr(vm.msg, "the sync screen") != NULL);
	CU_ASSERT_EQUAL(vm.msg_role, ROLE_WARN);
	vm_sync_free(&vm);
}

static void
test_span(void)
{
	char b[24];

	vm_sync_span(b, sizeof b, 42);
	CU_ASSERT_STRING_EQUAL(b, "42s");
	vm_sync_span(b, sizeof b, 300);
	CU_ASSERT_STRING_EQUAL(b, "5m");
	vm_sync_span(b, sizeof b, 3 * 3600 + 5 * 60);
	CU_ASSERT_STRING_EQUAL(b, "3h05");
	vm_sync_span(b, sizeof b, 2 * 86400 + 4 * 3600);
	CU_ASSERT_STRING_EQUAL(b, "2d04");
	vm_sync_span(b, sizeof b, -1);
	CU_ASSERT_STRING_EQUAL(b, "-");
}

int
main(void)
{
	CU_pSuite s;

	setlocale(LC_ALL, "C.UTF-8");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vm_sync", setup, teardown);
	CU_add_test(s, "durations", test_span);
	CU_add_test(s, "rows and the selected shop", test_rows);
	CU_add_test(s, "follows the database", test_tick);
	CU_add_test(s, "packer refused", test_packer);
	return tu_run();
}

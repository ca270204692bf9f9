/*
 * bench_rules.c — the rule engine's speed with 50 rules over every kind of field:
 *   1. evaluation: N orders' facts in memory (default 100,000), each through all 50
 *      rules (none stops), in orders per second — the rules' share of the issue's
 *      50,000 orders/s target for rules + routing + carrier choice;
 *   2. intake: rules_apply on the first 20,000 NEW orders of the database (facts read,
 *      evaluated, actions written and audited), inside a transaction rolled back after;
 *   3. the dry run over the M past orders of a database (default 1,000,000; target under
 *      30 s), built once with batched inserts and kept in $TMPDIR/bench_rules_M.db.
 *
 *   bench_rules [ORDERS] [PAST_ORDERS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/rules.h"
#include "core/session.h"

#define T0 1764547200           /* 2025-12-01 00:00 UTC, a fixed clock */
#define NRULES 50
#define NSKUS 40
#define APPLY_MAX 20000

static const char *const provinces[] = { "Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Hải Phòng",
    "Cần Thơ", "Bắc Ninh", "Nghệ An", "Khánh Hòa" };
static const char *const districts[] = { "Ba Đình", "Quận 1", "Hải Châu", "Bắc Từ Liêm",
    "Ninh Kiều", "Từ Sơn" };
static const char *const channels[] = { "shopee", "lazada", "tiktok" };
static const char *const shops[] = { "S1", "L1", "T1" };

/* 50 rules, ten shapes with varied constants; none stops, so every order meets all. */
static char *
make_rules(void)
{
	size_t cap = 64 * 1024, n = 0;
	char *t = malloc(cap);
	int i;

	for (i = 0; i < NRULES; i++) {
		const char *when = "", *then = "";
		char w[512], th[256];

		switch (i % 10) {
		case 0:
			snprintf(w, sizeof w, "cod and total > %d and buyer.cod_refusals >= 1",
			    1000000 + i * 10000);
			then = "hold \"COD risk\"";
			break;
		case 1:
			snprintf(w, sizeof w, "weight >= %dkg and not channel in (\"shopee\", "
			    "\"tiktok\")", 2 + i / 10);
			then = "set carrier \"GHTK\" service \"road\"";
			break;
		case 2:
			snprintf(w, sizeof w, "province in (\"Hà Nội\", \"Hải Phòng\", \"Bắc Ninh\") "
			    "or district contains \"Bắc\"");
			then = "set warehouse \"HN\"; tag \"north\"";
			break;
		case 3:
			snprintf(w, sizeof w, "skus contains \"SKU-%d\" and (units >= 2 or lines > 1)",
			    i % NSKUS + 1);
			snprintf(th, sizeof th, "tag \"gift-%d\"", i);
			then = th;
			break;
		case 4:
			snprintf(w, sizeof w, "buyer.orders >= %d and buyer.returns = 0 and "
			    "ship_by < 2d", 2 + i / 10);
			then = "confirm";
			break;
		case 5:
			snprintf(w, sizeof w, "total in (99000, 199000, 299000) or max_qty > %d",
			    4 + i / 10);
			snprintf(th, sizeof th, "flag \"odd %d\"", i);
			then = th;
			break;
		case 6:
			snprintf(w, sizeof w, "channel = \"lazada\" and shop != \"L9\" and "
			    "ship_by < %dh", 6 + i / 10);
			then = "tag \"urgent\"";
			break;
		case 7:
			snprintf(w, sizeof w, "tags contains \"north\" and weight < %dg",
			    500 + i * 10);
			then = "set box \"S\"";
			break;
		case 8:
			snprintf(w, sizeof w, "not cod and total > %d", 3000000 + i * 1000);
			then = "flag \"high value\"";
			break;
		default:
			snprintf(w, sizeof w, "skus in (\"SKU-1\", \"SKU-2\", \"SKU-3\") and "
			    "units >= %d", 3 + i / 10);
			then = "set box \"M\"";
			break;
		}
		when = w;
		n += (size_t)snprintf(t + n, cap - n, "rule \"r%02d\" priority %d\n  when %s\n"
		    "  then %s\n", i, i, when, then);
	}
	return t;
}

static void
build(struct db *db, int norders)
{
	uint64_t x = 88172645463325252ULL;
	int64_t have = 0;
	int n, k;

	db_int(db, &have, "SELECT count(*) FROM orders", "");
	if (have == norders)
		return;
	fprintf(stderr, "bench_rules: building %d orders...\n", norders);
	db_begin(db);
	for (k = 1; k <= NSKUS; k++) {
		char sku[16];

		snprintf(sku, sizeof sku, "SKU-%d", k);
		db_run(db, "INSERT INTO sku(sku, name, weight_g) VALUES (?, ?, ?)", "ssi", sku, sku,
		    (int64_t)(100 * k));
	}
	db_run(db, "INSERT INTO warehouse(code, name, province) VALUES ('HCM', 'HCM', 'HCM'), "
	    "('HN', 'HN', 'HN')", "");
	db_run(db, "INSERT INTO shop(channel, shop_code, name, warehouse_id) VALUES "
	    "('shopee','S1','S1',1), ('lazada','L1','L1',2), ('tiktok','T1','T1',1)", "");
	for (n = 0; n < norders; n++) {
		static const char *const st[] = { "NEW", "CONFIRMED", "SHIPPED", "DELIVERED",
		    "COMPLETED", "COMPLETED", "RETURNED", "CANCELLED" };
		char no[32], phone[16];
		int64_t oid, cod, lines, l;

		if (n % 20000 == 0 && n > 0) {
			db_commit(db);
			db_begin(db);
		}
		bench_xorshift(&x);
		snprintf(no, sizeof no, "2511%08dVN", n);
		snprintf(phone, sizeof phone, "09%08d", (int)(x % 200000));
		cod = (x >> 20) % 3 ? 0 : 100000 + (int64_t)((x >> 24) % 50) * 100000;
		db_run(db, "INSERT INTO orders(shop_id, order_no, status, created_at, ship_by, "
		    "updated_at, cod, currency, total, buyer_name, buyer_phone, address, district, "
		    "province) VALUES (?, ?, ?, ?, ?, ?, ?, 'VND', ?, 'Lê Văn Tám', ?, '5 Trần Phú', "
		    "?, ?)", "issiiiiisss", (int64_t)(1 + n % 3), no,
		    n >= norders - APPLY_MAX ? "NEW" : st[(x >> 8) % 8],
		    (int64_t)T0 - (int64_t)(norders - n) * 2, (int64_t)T0 + (int64_t)((x >> 4) %
		    (3 * 86400)), (int64_t)T0, cod, cod ? cod : (int64_t)((x >> 30) % 60) * 100000,
		    phone, districts[(x >> 12) % 6], provinces[(x >> 16) % 8]);
		oid = db_last_id(db);
		lines = 1 + (int64_t)((x >> 40) % 3);
		for (l = 1; l <= lines; l++)
			db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price) "
			    "VALUES (?, ?, ?, ?, 100000)", "iiii", oid, l,
			    (int64_t)(1 + (x >> (42 + l * 3)) % NSKUS), (int64_t)(1 + (x >> 50) % 4));
	}
	db_commit(db);
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int
main(int argc, char **argv)
{
	int norders = argc > 1 ? atoi(argv[1]) : 100000;
	int npast = argc > 2 ? atoi(argv[2]) : 1000000;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct rules_line *lines;
	struct rules_order *orders;
	struct rules_result res;
	struct rules_error e;
	struct rules_dry d;
	struct rules *r;
	struct session s;
	struct db *db;
	char path[256], err[512], *text;
	double t0, t, c0, c;
	uint64_t x = 0x9E3779B97F4A7C15ULL, taken = 0;
	int64_t ids[APPLY_MAX];
	int i, n, napply = 0;
	struct db_stmt *st;

	if (norders <= 0 || npast <= 0) {
		fprintf(stderr, "usage: bench_rules [ORDERS] [PAST_ORDERS]\n");
		return 2;
	}
	clock_fix(T0);
	text = make_rules();
	if (rules_compile(text, strlen(text), &r, &e, 1, &n) != 0) {
		fprintf(stderr, "bench_rules: %d:%d: %s\n", e.line, e.col, e.msg);
		return 1;
	}

	/* 1. Evaluation in memory. */
	orders = calloc((size_t)norders, sizeof *orders);
	lines = calloc((size_t)norders * 3, sizeof *lines);
	for (i = 0; i < norders; i++) {
		static char skus[NSKUS][16];
		struct rules_order *o = &orders[i];
		int k, nl;

		if (i == 0)
			for (k = 0; k < NSKUS; k++)
				snprintf(skus[k], sizeof skus[k], "SKU-%d", k + 1);
		bench_xorshift(&x);
		o->channel = channels[x % 3];
		o->shop = shops[x % 3];
		o->province = provinces[(x >> 4) % 8];
		o->district = districts[(x >> 8) % 6];
		o->cod = (x >> 12) % 3 ? 0 : 100000 + (int64_t)((x >> 14) % 50) * 100000;
		o->total = o->cod ? o->cod : (int64_t)((x >> 20) % 60) * 100000;
		o->ship_by = T0 + (int64_t)((x >> 26) % (3 * 86400));
		o->now = T0;
		o->tags = (x >> 44) % 4 ? NULL : "vip";
		o->buyer_orders = (int64_t)((x >> 46) % 6);
		o->buyer_cod_refusals = (int64_t)((x >> 49) % 3 == 0);
		o->buyer_returns = (int64_t)((x >> 51) % 4 == 0);
		nl = 1 + (int)((x >> 53) % 3);
		for (k = 0; k < nl; k++) {
			struct rules_line *l = &lines[(size_t)i * 3 + (size_t)k];

			l->sku = skus[(x >> (k * 5)) % NSKUS];
			l->qty = 1 + (int64_t)((x >> (30 + k * 2)) % 4);
			l->weight_g = 100 * (int64_t)(1 + (x >> (k * 5)) % NSKUS);
		}
		o->lines = &lines[(size_t)i * 3];
		o->nlines = (size_t)nl;
	}
	t0 = bench_s(CLOCK_MONOTONIC);
	c0 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < norders; i++) {
		rules_eval(r, &orders[i], &res);
		taken += (uint64_t)res.ntaken;
	}
	t = bench_s(CLOCK_MONOTONIC) - t0;
	c = bench_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("rules: %d rules, %d orders evaluated in %.3f s (%.3f s CPU): %.0f orders/s, "
	    "%.0f per CPU second (%.2f us/order, %" PRIu64 " actions taken)\n", NRULES, norders,
	    t, c, norders / t, norders / (c > 0 ? c : 1e-9), c * 1e6 / norders, taken);
	free(orders);
	free(lines);

	/* 2 and 3 on a database. */
	snprintf(path, sizeof path, "%s/bench_rules_%d.db", dir, npast);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rules: %s\n", err);
		return 1;
	}
	build(db, npast);
	session_system(&s, db, "bench");

	st = db_prep(db, "SELECT id FROM orders WHERE status = 'NEW' ORDER BY id DESC LIMIT ?");
	db_bind_int(st, 1, APPLY_MAX);
	while (db_step(st) == DB_ROW && napply < APPLY_MAX)
		ids[napply++] = db_col_int(st, 0);
	db_done(st);
	db_begin(db);
	if (rules_store(&s, text, strlen(text), NULL) != 0) {
		fprintf(stderr, "bench_rules: %s\n", s.err);
		return 1;
	}
	t0 = bench_s(CLOCK_MONOTONIC);
	c0 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < napply; i++) {
		if (rules_apply(&s, ids[i]) != 0) {
			fprintf(stderr, "bench_rules: apply: %s\n", s.err);
			return 1;
		}
	}
	t = bench_s(CLOCK_MONOTONIC) - t0;
	c = bench_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	db_rollback(db);
	printf("intake: rules_apply on %d NEW orders in %.3f s (%.3f s CPU): %.0f orders/s "
	    "(read, evaluate, write, audit; rolled back)\n", napply, t, c,
	    napply / (t > 0 ? t : 1e-9));

	t0 = bench_s(CLOCK_MONOTONIC);
	c0 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	if (rules_dry_run(&s, r, 0, &d) != 0) {
		fprintf(stderr, "bench_rules: %s\n", s.err);
		return 1;
	}
	t = bench_s(CLOCK_MONOTONIC) - t0;
	c = bench_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("dry run: %zu past orders in %.2f s (%.2f s CPU, %.0f orders/s), %zu rule hits "
	    "(target under 30 s for 1,000,000)\n", d.norders, t, c, d.norders / t, d.nhits);
	rules_dry_free(&d);
	rules_free(r);
	free(text);
	db_close(db);
	return 0;
}

/*
 * bench_route.c — routing and carrier choice.
 *
 *   bench_route [ORDERS] [DB_ORDERS] [BATCH] [RULES]
 *
 * 1. The decisions alone: ORDERS (default 100,000) synthetic orders of 1-3 lines to
 *    random provinces, three warehouses with random stock, planned (route_plan) and
 *    given a carrier (carrier_choose over the five sample tables, a third of them COD
 *    with a deadline). Prints orders/s.
 * 2. Against the database: DB_ORDERS (default 20,000) NEW orders in a fresh SQLite
 *    file in $TMPDIR, RULES (default 50) rules active, the last of which confirms what
 *    the others did not hold. BATCH 1: each order through rules_apply() and
 *    order_route() in its own transaction; BATCH > 1: route_batch() with
 *    ROUTE_BATCH_RULES over BATCH orders to a transaction (rules applied and audited,
 *    stock read, plan, reservations, ledger, audit, carrier row). Prints orders/s, then
 *    checks the stock ledger and the audit chain.
 * 3. The engine alone (before 2, over the same orders): route_batch() with
 *    ROUTE_BATCH_DRY over all DB_ORDERS at once: the orders, lines, buyer histories and
 *    stock read as the batch reads them, the rules, plan and carrier choice made, nothing
 *    written. Prints orders/s; 2 must then allocate and hold the same orders.
 *
 * BENCH_KEEP=1 keeps the database; BENCH_SQL="PRAGMA ..." runs that SQL before 3 and 2
 * (to try a setting).
 *
 * Target (issue 7): rules + routing + carrier choice at 50,000 orders/s:
 *    bench_route 100000 100000 1000
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "core/audit.h"
#include "core/carrier.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/route.h"
#include "core/rules.h"
#include "core/session.h"
#include "core/stock.h"

#define T0      1764547200
#define NWH     3
#define NSKU    200

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(uint32_t n)
{
	return (uint32_t)(bench_xorshift(&rng) % n);
}

static int
decisions(long n)
{
	struct route_wh wh[NWH] = { { 1, 0, 1 }, { 2, 0, 0 }, { 3, 0, 0 } };
	const struct carrier_table *tab = carrier_table();
	int nprov = route_province_count();
	int64_t qty[3], avail[NWH * 3], missing[3];
	struct route_take take[NWH * 3];
	long i, kinds[3] = { 0, 0, 0 }, chosen = 0;
	int64_t cost = 0;
	double t;

	if (tab->n == 0 || nprov == 0) {
		fprintf(stderr, "bench_route: no carrier tables or provinces compiled in\n");
		return 1;
	}
	wh[0].province = route_province("Hà Nội");
	wh[1].province = route_province("Đà Nẵng");
	wh[2].province = route_province("Hồ Chí Minh");
	t = bench_s(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		struct route_plan plan = { .take = take, .missing = missing };
		struct route_in in;
		struct carrier_req r;
		struct carrier_quote q;
		size_t l, w, nl = 1 + rnd(3);

		for (l = 0; l < nl; l++) {
			qty[l] = 1 + rnd(3);
			for (w = 0; w < NWH; w++)
				avail[w * nl + l] = rnd(8);
		}
		in = (struct route_in){ .nlines = nl, .nwh = NWH, .qty = qty, .avail = avail,
		    .wh = wh, .to_province = (int)rnd((uint32_t)nprov), .split = (i & 1) != 0 };
		route_plan(&in, &plan);
		kinds[plan.kind]++;
		if (plan.kind == ROUTE_SHORT)
			continue;
		r = (struct carrier_req){ .from_province = wh[plan.part_wh[0]].province,
		    .to_province = in.to_province, .weight_g = 100 + rnd(4000),
		    .cod = i % 3 == 0 ? 100000 + rnd(2000000) : 0, .now = T0 + rnd(86400),
		    .tz_offset = 7 * 3600 };
		if (r.cod > 0)
			r.deadline = r.now + (2 + rnd(4)) * 86400;
		if (carrier_choose(tab, &r, &q) >= 0) {
			chosen++;
			cost += q.total;
		}
	}
	t = bench_s(CLOCK_MONOTONIC) - t;
	printf("decisions: %ld orders in %.3f s = %.0f orders/s (single %ld, split %ld, "
	    "short %ld; carriers %ld, average %" PRId64 " VND)\n", n, t, (double)n / t,
	    kinds[ROUTE_SINGLE], kinds[ROUTE_SPLIT], kinds[ROUTE_SHORT], chosen,
	    chosen ? cost / chosen : 0);
	return 0;
}

/* nrules rules over every kind of field, the last confirming what is left. */
static char *
make_rules(int nrules)
{
	size_t cap = 64 * 1024, n = 0;
	char *t = malloc(cap);
	int i;

	t[0] = '\0';
	for (i = 0; i < nrules - 1; i++) {
		char w[512], th[256];

		switch (i % 10) {
		case 0:
			snprintf(w, sizeof w, "cod and total > %d and buyer.cod_refusals >= 1",
			    1000000 + i * 10000);
			snprintf(th, sizeof th, "hold \"COD risk\"; stop");
			break;
		case 1:
			snprintf(w, sizeof w, "weight >= %dkg and not channel in (\"shopee\", "
			    "\"tiktok\")", 2 + i / 10);
			snprintf(th, sizeof th, "set carrier \"GHTK\" service \"road\"");
			break;
		case 2:
			snprintf(w, sizeof w, "province in (\"Hải Phòng\", \"Bắc Ninh\") or "
			    "district contains \"Bắc Từ\"");
			snprintf(th, sizeof th, "set warehouse \"HN\"; tag \"north\"");
			break;
		case 3:
			snprintf(w, sizeof w, "skus contains \"B-%03d\" and units >= 4", i);
			snprintf(th, sizeof th, "tag \"gift-%d\"", i);
			break;
		case 4:
			snprintf(w, sizeof w, "buyer.orders >= %d and buyer.returns >= 1", 2 + i);
			snprintf(th, sizeof th, "flag \"returner\"");
			break;
		case 5:
			snprintf(w, sizeof w, "total in (99000, 199000, 299000) or max_qty > %d",
			    4 + i / 10);
			snprintf(th, sizeof th, "flag \"odd %d\"", i);
			break;
		case 6:
			snprintf(w, sizeof w, "channel = \"lazada\" and ship_by < %dh", 6 + i);
			snprintf(th, sizeof th, "tag \"urgent\"");
			break;
		case 7:
			snprintf(w, sizeof w, "tags contains \"north\" and weight < %dg",
			    500 + i * 10);
			snprintf(th, sizeof th, "set box \"S\"");
			break;
		case 8:
			snprintf(w, sizeof w, "not cod and total > %d", 3000000 + i * 1000);
			snprintf(th, sizeof th, "flag \"high value\"");
			break;
		default:
			snprintf(w, sizeof w, "skus in (\"B-001\", \"B-002\") and units >= %d",
			    3 + i / 10);
			snprintf(th, sizeof th, "set box \"M\"");
			break;
		}
		n += (size_t)snprintf(t + n, cap - n, "rule \"r%02d\" priority %d\n  when %s\n"
		    "  then %s\n", i, i, w, th);
	}
	if (nrules > 0)
		snprintf(t + n, cap - n, "rule \"confirm the rest\" priority 1000\n"
		    "  when true\n  then confirm\n");
	return t;
}

static int
database(long n, long batch, int nrules)
{
	static const char *const provs[] = { "Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng",
	    "Hồ Chí Minh", "Cần Thơ", "Khánh Hòa", "Nghệ An", "Bắc Ninh", "An Giang" };
	const char *tmp = getenv("TMPDIR");
	char path[512], err[256];
	struct route_batch_stats dry;
	struct session sys;
	struct db *db;
	int64_t wh[NWH], shop, *ids;
	long i, ok = 0, held = 0;
	int64_t audits = 0, audit0 = 0, bad = 0;
	double t, cpu;
	int rc, k;

	snprintf(path, sizeof path, "%s/bench_route_%ld.db", tmp ? tmp : "/tmp", n);
	unlink(path);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_route: %s\n", err);
		return 1;
	}
	clock_fix(T0);
	session_system(&sys, db, "BENCH");
	route_reset();
	{
		struct route_policy manual = { .split = 1, .merge = 1, .deliver_days = 4 };

		route_set_policy("manual", &manual);
	}
	warehouse_upsert(&sys, "HN", "HN", "Hà Nội", &wh[0]);
	warehouse_upsert(&sys, "DN", "DN", "Đà Nẵng", &wh[1]);
	warehouse_upsert(&sys, "HCM", "HCM", "Hồ Chí Minh", &wh[2]);
	db_begin(db);
	db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES ('manual', 'M', 'M')", "");
	shop = db_last_id(db);
	for (k = 0; k < NSKU; k++) {
		char code[16];
		int64_t sku;

		snprintf(code, sizeof code, "B-%03d", k);
		db_run(db, "INSERT INTO sku(sku, name, weight_g) VALUES (?, ?, ?)", "ssi", code,
		    code, (int64_t)(100 + k * 10));
		sku = db_last_id(db);
		for (int w = 0; w < NWH; w++)
			if (rnd(4) != 0 && stock_receive(&sys, wh[w], sku, "", 0,
			    n / 8 + 10, NULL) != 0)
				fprintf(stderr, "bench_route: %s\n", sys.err);
	}
	ids = malloc((size_t)n * sizeof *ids);
	for (i = 0; i < n; i++) {
		char no[24], phone[16];
		int nl = 1 + (int)rnd(3);

		snprintf(no, sizeof no, "R%08ld", i);
		snprintf(phone, sizeof phone, "09%08u", rnd(n / 2 + 1));
		db_run(db, "INSERT INTO orders(shop_id, order_no, status, created_at, updated_at, "
		    "currency, total, cod, buyer_phone, address, province, district) VALUES "
		    "(?, ?, ?, ?, ?, 'VND', ?, ?, ?, '1 Lê Lợi', ?, 'Bắc Từ Liêm')", "issiiiiss",
		    shop, no, nrules > 0 ? "NEW" : "CONFIRMED", (int64_t)T0, (int64_t)T0,
		    (int64_t)(100000 + rnd(40) * 100000), (int64_t)(i % 3 == 0 ? 150000 : 0),
		    phone, provs[rnd(10)]);
		ids[i] = db_last_id(db);
		for (k = 0; k < nl; k++)
			db_run(db, "INSERT INTO order_line(order_id, line_no, sku_id, qty, "
			    "unit_price) VALUES (?, ?, ?, ?, 50000)", "iiii", ids[i], (int64_t)k + 1,
			    (int64_t)(1 + (rnd(NSKU / 3) * 3 + (uint32_t)k) % NSKU), (int64_t)(1 +
			    rnd(2)));
	}
	if (db_commit(db) != 0) {
		fprintf(stderr, "bench_route: building: %s\n", db_errmsg(db));
		return 1;
	}
	if (nrules > 0) {
		char *text = make_rules(nrules);

		if (rules_store(&sys, text, strlen(text), NULL) != 0) {
			fprintf(stderr, "bench_route: rules: %s\n", sys.err);
			return 1;
		}
		free(text);
	}
	db_int(db, &audit0, "SELECT count(*) FROM audit", "");
	if (getenv("BENCH_SQL") != NULL && db_exec(db, getenv("BENCH_SQL")) != 0)
		fprintf(stderr, "bench_route: BENCH_SQL: %s\n", db_errmsg(db));

	/* The engine alone over the database: everything read as the batch reads it, every
	 * decision made, nothing written. One batch, so that its stock runs down as the
	 * written batches' does and both must come to the same allocations. */
	t = bench_s(CLOCK_MONOTONIC);
	cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	rc = route_batch(&sys, ids, (size_t)n, ROUTE_BATCH_DRY | (nrules > 0 ?
	    ROUTE_BATCH_RULES : 0), &dry);
	t = bench_s(CLOCK_MONOTONIC) - t;
	cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	if (rc != 0) {
		fprintf(stderr, "bench_route: dry run: %s\n", sys.err);
		return 1;
	}
	printf("engine: %ld orders, %d rules: read, rules + routing + carrier, nothing "
	    "written, in %.3f s (%.3f s CPU) = %.0f orders/s (%.0f per CPU second; "
	    "allocated %zu, held out of stock %zu)\n", n, nrules, t, cpu, (double)n / t,
	    (double)n / cpu, dry.allocated, dry.held);
	if (db_int(db, &audits, "SELECT count(*) FROM audit", "") != 0 || audits != audit0) {
		fprintf(stderr, "bench_route: the dry run wrote audit records\n");
		return 1;
	}

	t = bench_s(CLOCK_MONOTONIC);
	cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < n; i += batch) {
		struct route_batch_stats st;
		size_t m = (size_t)(n - i < batch ? n - i : batch);

		if (batch == 1) {
			rc = nrules > 0 ? rules_apply(&sys, ids[i]) : 0;
			if (rc == 0)
				rc = order_route(&sys, ids[i]);
			ok += rc == 0;
			held += rc == DB_ESTOCK;
			if (rc == DB_ESTATE)    /* held by a rule */
				rc = 0;
		} else {
			rc = route_batch(&sys, ids + i, m, nrules > 0 ? ROUTE_BATCH_RULES : 0, &st);
			ok += (long)st.allocated;
			held += (long)st.held;
		}
		if (rc != 0 && rc != DB_ESTOCK) {
			fprintf(stderr, "bench_route: %s\n", sys.err);
			return 1;
		}
	}
	t = bench_s(CLOCK_MONOTONIC) - t;
	cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	printf("written: %ld orders, %d rules: rules + routing + carrier in %.3f s (%.3f s "
	    "CPU) = %.0f orders/s (%.0f per CPU second; allocated %ld, held out of stock %ld, "
	    "held by rules %ld; %ld to a transaction)\n", n, nrules, t, cpu, (double)n / t,
	    (double)n / cpu, ok, held, n - ok - held, batch);
	if (batch > 1 && ((size_t)ok != dry.allocated || (size_t)held != dry.held)) {
		fprintf(stderr, "bench_route: the dry run allocated %zu and held %zu, the batches "
		    "%ld and %ld\n", dry.allocated, dry.held, ok, held);
		return 1;
	}
	if (stock_verify(&sys, err, sizeof err) != 0) {
		fprintf(stderr, "bench_route: ledger broken: %s\n", err);
		return 1;
	}
	if (audit_verify(db, &audits, &bad, err, sizeof err) != 0) {
		fprintf(stderr, "bench_route: audit chain broken: %s\n", err);
		return 1;
	}
	printf("ledger balanced; audit chain of %" PRId64 " records intact\n", audits);
	free(ids);
	db_close(db);
	if (getenv("BENCH_KEEP") == NULL)       /* BENCH_KEEP=1: left to look at */
		unlink(path);
	else
		printf("database kept: %s\n", path);
	return 0;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long ndb = argc > 2 ? atol(argv[2]) : 20000;
	long batch = argc > 3 ? atol(argv[3]) : 1;
	int nrules = argc > 4 ? atoi(argv[4]) : 50;

	if (n <= 0 || ndb <= 0 || batch <= 0 || nrules < 0 || nrules > 200) {
		fprintf(stderr, "usage: bench_route [ORDERS] [DB_ORDERS] [BATCH] [RULES]\n");
		return 2;
	}
	if (decisions(n) != 0)
		return 1;
	return database(ndb, batch, nrules);
}

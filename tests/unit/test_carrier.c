/*
 * test_carrier.c — carrier rate tables: the samples parse, bad tables get FILE:LINE
 * errors; quotes at weight-bracket edges and COD fees; the choice at deadline and
 * cut-off boundaries, with COD; the order's recorded carrier (auto, platform, rule);
 * and the scorecard against figures worked out by hand for a fixture.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "../../src/app/cmd.h"
#include "../../src/app/config.h"

#include "core/carrier.h"
#include "core/clock.h"
#include "core/order.h"
#include "core/route.h"
#include "core/stock.h"

#define DAY   86400
#define HOUR  3600
#define TZ    (7 * HOUR)
/* TEST_EPOCH is 07:00 on 1 December in Viet Nam; local midnight of that day: */
#define D1    ((int64_t)TEST_EPOCH - TZ)
/* The end of local day n (1 = 1 December). */
#define END(n) (D1 + (int64_t)(n) * DAY - 1)

static struct carrier_table tab;

static void
test_samples(void)
{
	static const char *const codes[] = { "GHN", "GHTK", "JT", "SPX", "VTP" };
	char err[256] = "";
	size_t i;

	CU_ASSERT_EQUAL_FATAL(carrier_table_samples(&tab, err, sizeof err), 0);
	CU_ASSERT_EQUAL(tab.n, 5);
	for (i = 0; i < 5; i++)
		CU_ASSERT_PTR_NOT_NULL(carrier_find(&tab, codes[i]));
	CU_ASSERT_PTR_NOT_NULL(carrier_find(&tab, "j&t express"));
	CU_ASSERT_PTR_NULL(carrier_find(&tab, "DHL"));
	CU_ASSERT_EQUAL(carrier_find(&tab, "SPX")->cod, 0);
	CU_ASSERT_EQUAL(carrier_find(&tab, "JT")->cod_fee_bp, 100);
	CU_ASSERT_EQUAL(carrier_find(&tab, "VTP")->cod_fee_bp, 80);
	CU_ASSERT_EQUAL(carrier_find(&tab, "VTP")->cutoff_min, 16 * 60 + 30);
}

static void
test_parse_errors(void)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "service,x\n", "t.csv: no 'carrier,CODE,NAME' line" },
		{ "carrier,X,X\nrate,same,500,1,1\nrate,region,500,1,1\n",
		  "t.csv: no rate for zone cross" },
		{ "carrier,X,X\ncutoff,25:00\n", "t.csv:2: cut-off '25:00' is not HH:MM" },
		{ "carrier,X,X\n# c\nrate,same,500,1,1\nrate,same,400,1,1\n",
		  "t.csv:4: brackets of zone same must rise, at most 16" },
		{ "carrier,X,X\nrate,moon,500,1,1\n", "t.csv:2: not a carrier, service, cod, "
		  "cutoff, rate or extra line as the format says" },
		{ "carrier,X,X\ncod,yes,1.234,0\n", "t.csv:2: not a carrier, service, cod, "
		  "cutoff, rate or extra line as the format says" },
		{ "carrier,X,X\nrate,same,-5,1,1\n", "t.csv:2: not a carrier, service, cod, "
		  "cutoff, rate or extra line as the format says" },
	};
	struct carrier c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(carrier_parse(&c, "t.csv", cases[i].text, err, sizeof err), -1);
		if (strcmp(err, cases[i].err) != 0) {
			fprintf(stderr, "\ncase %zu: got '%s'\n", i, err);
			CU_FAIL("parse error text");
		}
	}
}

static void
test_quotes(void)
{
	static const struct {
		const char *carrier, *from, *to;
		int64_t weight, cod;
		enum carrier_zone zone;
		int64_t price, cod_fee;
		int days;
	} cases[] = {
		{ "GHN", "Hồ Chí Minh", "Bình Dương", 500, 0, ZONE_SAME, 16500, 0, 1 },
		{ "GHN", "Hồ Chí Minh", "Hồ Chí Minh", 501, 0, ZONE_SAME, 18500, 0, 1 },
		{ "GHN", "Hồ Chí Minh", "Hồ Chí Minh", 5000, 0, ZONE_SAME, 28500, 0, 1 },
		{ "GHN", "Hồ Chí Minh", "Hồ Chí Minh", 5001, 0, ZONE_SAME, 31000, 0, 1 },
		{ "GHN", "Hồ Chí Minh", "Hồ Chí Minh", 6000, 0, ZONE_SAME, 33500, 0, 1 },
		{ "SPX", "Hồ Chí Minh", "Cần Thơ", 1000, 0, ZONE_REGION, 22000, 0, 3 },
		{ "SPX", "Hồ Chí Minh", "Cần Thơ", 1001, 0, ZONE_REGION, 27000, 0, 3 },
		{ "VTP", "Hà Nội", "Hồ Chí Minh", 0, 0, ZONE_CROSS, 32000, 0, 2 },
		{ "VTP", "Hà Nội", "Atlantis", 0, 0, ZONE_CROSS, 32000, 0, 2 },
		{ "JT", "Hà Nội", "Hải Phòng", 300, 500000, ZONE_REGION, 21000, 10000, 2 },
		{ "JT", "Hà Nội", "Hải Phòng", 300, 2000000, ZONE_REGION, 21000, 20000, 2 },
		{ "VTP", "Hà Nội", "Hà Nội", 300, 2000000, ZONE_SAME, 18000, 16000, 1 },
		{ "GHN", "Hà Nội", "Hà Nội", 300, 2000000, ZONE_SAME, 16500, 10000, 1 },
		{ "GHTK", "Hà Nội", "Hà Nội", 300, 2000000, ZONE_SAME, 15000, 0, 1 },
	};
	struct carrier_quote q;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct carrier_req r = { route_province(cases[i].from),
		    route_province(cases[i].to), cases[i].weight, cases[i].cod, TEST_EPOCH, 0,
		    TZ };

		CU_ASSERT_EQUAL_FATAL(carrier_quote(carrier_find(&tab, cases[i].carrier), &r,
		    &q), 0);
		if (q.zone != cases[i].zone || q.price != cases[i].price ||
		    q.cod_fee != cases[i].cod_fee || q.total != q.price + q.cod_fee ||
		    q.days != cases[i].days || q.promised_at != END(1 + q.days)) {
			fprintf(stderr, "\nquote %zu: zone %d price %" PRId64 " fee %" PRId64
			    " days %d\n", i, (int)q.zone, q.price, q.cod_fee, q.days);
			CU_FAIL("quote");
		}
	}
	{
		struct carrier_req r = { 0, 0, 100, 1000, TEST_EPOCH, 0, TZ };

		CU_ASSERT_EQUAL(carrier_quote(carrier_find(&tab, "SPX"), &r, &q), -1);
	}
}

static void
test_choose(void)
{
	static const struct {
		const char *what, *from, *to;
		int64_t weight, cod;
		int64_t now, deadline;
		int rc;
		const char *carrier;
		int64_t total;
	} cases[] = {
		{ "cheapest, no deadline", "Hồ Chí Minh", "Hồ Chí Minh", 500, 0,
		  TEST_EPOCH, 0, 0, "SPX", 14000 },
		{ "deadline exactly SPX's promise", "Hồ Chí Minh", "Hồ Chí Minh", 500, 0,
		  TEST_EPOCH, END(3), 0, "SPX", 14000 },
		{ "a second less: next cheapest that makes it", "Hồ Chí Minh", "Hồ Chí Minh",
		  500, 0, TEST_EPOCH, END(3) - 1, 0, "GHTK", 15000 },
		{ "COD: SPX does not collect", "Hồ Chí Minh", "Hồ Chí Minh", 500, 300000,
		  TEST_EPOCH, 0, 0, "GHTK", 15000 },
		{ "just before GHTK's 16:00 cut-off", "Hồ Chí Minh", "Hồ Chí Minh", 500, 300000,
		  D1 + 16 * HOUR - 1, END(2), 0, "GHTK", 15000 },
		{ "at GHTK's cut-off: GHN with its COD fee", "Hồ Chí Minh", "Hồ Chí Minh", 500,
		  300000, D1 + 16 * HOUR, END(2), 0, "GHN", 18000 },
		{ "weight bracket 2 kg across regions", "Hà Nội", "Hồ Chí Minh", 1200, 0,
		  TEST_EPOCH, 0, 0, "SPX", 39000 },
		{ "3 days across regions", "Hà Nội", "Hồ Chí Minh", 1200, 0,
		  TEST_EPOCH, END(4), 0, "JT", 42000 },
		{ "2 days across regions", "Hà Nội", "Hồ Chí Minh", 1200, 0,
		  TEST_EPOCH, END(3), 0, "VTP", 45000 },
		{ "none in time: the earliest, cheapest of those", "Hồ Chí Minh", "Hồ Chí Minh",
		  500, 0, TEST_EPOCH, TEST_EPOCH, 1, "GHTK", 15000 },
	};
	struct carrier_quote q;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct carrier_req r = { route_province(cases[i].from),
		    route_province(cases[i].to), cases[i].weight, cases[i].cod, cases[i].now,
		    cases[i].deadline, TZ };
		int rc = carrier_choose(&tab, &r, &q);

		if (rc != cases[i].rc || strcmp(q.c->code, cases[i].carrier) != 0 ||
		    q.total != cases[i].total) {
			fprintf(stderr, "\nchoose '%s': rc %d, %s %" PRId64 "\n", cases[i].what, rc,
			    q.c != NULL ? q.c->code : "-", q.total);
			CU_FAIL("choose");
		}
	}
	{
		struct carrier only = *carrier_find(&tab, "SPX");
		struct carrier_table spx = { &only, 1 };
		struct carrier_req r = { 0, 0, 100, 1000, TEST_EPOCH, 0, TZ };

		CU_ASSERT_EQUAL(carrier_choose(&spx, &r, &q), -1);
	}
}

/* --- on orders --- */

static struct db *db;
static char path[256];
static struct session sys, sup;

static void
setup(void)
{
	clock_fix(TEST_EPOCH);
	route_reset();
	carrier_set_table(&tab);
	carrier_set_tz(TZ);
	db = tu_db(path);
	session_system(&sys, db, "T1");
	tu_session(&sup, db, ROLE_SUPERVISOR);
}

static void
teardown(void)
{
	tu_db_free(db, path);
	db = NULL;
	route_reset();
}

static int64_t
mk_order_status(const char *channel, const char *no, int64_t cod, enum order_status status)
{
	struct order_line_in line = { "SKU-1", 3, 50000 };      /* 3 x 100 g */
	struct order_in in = { .channel = channel, .shop = "S1", .order_no = no,
	    .created_at = TEST_EPOCH, .status = status, .currency = "VND",
	    .total = 150000, .cod = cod, .buyer_phone = "0901234567",
	    .province = "Cần Thơ", .lines = &line, .nlines = 1 };
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(order_upsert(&sys, &in, &id, NULL), 0);
	return id;
}

static int64_t
mk_order(const char *channel, const char *no, int64_t cod)
{
	return mk_order_status(channel, no, cod, ST_CONFIRMED);
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

static void
carrier_of(int64_t id, char *code, char *source, int64_t *quote)
{
	struct db_stmt *st = db_prep(db, "SELECT carrier, source, coalesce(quote, -1) "
	    "FROM order_carrier WHERE order_id = ?");

	code[0] = source[0] = '\0';
	*quote = -2;
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW) {
		snprintf(code, 16, "%s", db_col_text(st, 0));
		snprintf(source, 16, "%s", db_col_text(st, 1));
		*quote = db_col_int(st, 2);
	}
	db_done(st);
}

static void
test_assign(void)
{
	struct route_policy fast = { .split = 1, .merge = 1, .deliver_days = 3 };
	char code[16], source[16];
	int64_t wh, id, quote;

	setup();
	CU_ASSERT_EQUAL(warehouse_upsert(&sys, "HCM", "HCM", "Hồ Chí Minh", &wh), 0);
	CU_ASSERT_EQUAL(stock_receive(&sys, wh, tu_sku(&sys, "SKU-1", 0), "", 0, 100, NULL), 0);

	/* A manual shop ships itself: HCM -> Cần Thơ (region), 300 g, prepaid: SPX. The
	 * order arrives confirmed: allocated and given its carrier at once. */
	id = mk_order("manual", "M1", 0);
	CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);
	carrier_of(id, code, source, &quote);
	CU_ASSERT_STRING_EQUAL(code, "SPX");
	CU_ASSERT_STRING_EQUAL(source, "auto");
	CU_ASSERT_EQUAL(quote, 19000);
	/* COD 1,000,000 within 3 days (by 07:00 on 4 December): the 2-day carriers make it
	 * (by the end of 3 December), GHTK's 3 days do not; GHN 22000 + 0.5% = 27000. */
	route_set_policy("manual", &fast);
	id = mk_order("manual", "M2", 1000000);
	CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);
	carrier_of(id, code, source, &quote);
	CU_ASSERT_STRING_EQUAL(code, "GHN");
	CU_ASSERT_EQUAL(quote, 27000);

	/* A marketplace order keeps the platform's logistics ... */
	id = mk_order("shopee", "P1", 0);
	CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);
	carrier_of(id, code, source, &quote);
	CU_ASSERT_STRING_EQUAL(code, "shopee");
	CU_ASSERT_STRING_EQUAL(source, "platform");
	CU_ASSERT_EQUAL(quote, -1);
	/* ... unless its shop ships itself. */
	CU_ASSERT_EQUAL(db_run(db, "UPDATE shop SET self_ship = 1 WHERE channel = 'shopee'",
	    ""), 0);
	CU_ASSERT_EQUAL(carrier_assign(&sys, id, TZ, code, sizeof code), 0);
	CU_ASSERT_STRING_EQUAL(code, "SPX");

	/* A rule's carrier wins, quoted from its table: set while the order is NEW, the
	 * supervisor's confirmation routes it. */
	id = mk_order_status("manual", "R1", 0, ST_NEW);
	CU_ASSERT_EQUAL(carrier_set_override(&sup, id, "NOPE", NULL), DB_EINVAL);
	CU_ASSERT_EQUAL(carrier_set_override(&sup, id, "VTP", "VCN"), 0);
	CU_ASSERT_EQUAL(order_transition(&sup, id, 0, ST_CONFIRMED, NULL), 0);
	CU_ASSERT_EQUAL(status_of(id), ST_ALLOCATED);
	carrier_of(id, code, source, &quote);
	CU_ASSERT_STRING_EQUAL(code, "VTP");
	CU_ASSERT_STRING_EQUAL(source, "rule");
	CU_ASSERT_EQUAL(quote, 23000);
	teardown();
}

/* A scorecard row fixture: order, carrier, region, promised days, shipped, done
 * (0 open), outcome, quote, actual (-1 none), cod. */
static void
fx(int64_t shop, const char *no, const char *carrier, const char *region, int days,
    int64_t shipped, int64_t done, const char *outcome, int64_t quote, int64_t actual,
    int64_t cod)
{
	int64_t id;

	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO orders(shop_id, order_no, status, "
	    "created_at, updated_at, currency, total, cod) VALUES (?, ?, 'SHIPPED', ?, ?, "
	    "'VND', 100000, ?)", "isiii", shop, no, shipped, shipped, cod), 0);
	id = db_last_id(db);
	CU_ASSERT_EQUAL_FATAL(db_run(db, "INSERT INTO order_carrier(order_id, carrier, source, "
	    "region, quote, promised_days, quoted_at, shipped_at) VALUES (?, ?, 'auto', ?, ?, "
	    "?, ?, ?)", "issiiii", id, carrier, region, quote, (int64_t)days, shipped,
	    shipped), 0);
	if (done != 0) {
		clock_fix(done);
		CU_ASSERT_EQUAL(carrier_track(&sys, id, strcmp(outcome, "delivered") == 0 ?
		    ST_DELIVERED : ST_RETURNING), 0);
		/* A later status never rewrites the outcome. */
		CU_ASSERT_EQUAL(carrier_track(&sys, id, ST_COMPLETED), 0);
	}
	if (actual >= 0)
		CU_ASSERT_EQUAL(carrier_set_cost(&sup, id, actual, "import"), 0);
	if (strcmp(no, "O5") == 0)      /* its cost comes from the settlement */
		CU_ASSERT_EQUAL(db_run(db, "INSERT INTO settlement_fee(shop_id, order_id, "
		    "fee_type, amount, currency, fetched_at) VALUES (?, ?, 'shipping_fee', "
		    "-31000, 'VND', 0)", "ii", shop, id), 0);
}

static void
test_scorecard(void)
{
	struct carrier_score *r = NULL;
	struct session packer;
	int64_t shop, t = TEST_EPOCH;
	size_t n = 0;

	setup();
	tu_session(&packer, db, ROLE_PACKER);
	CU_ASSERT_EQUAL(db_run(db, "INSERT INTO shop(channel, shop_code, name) VALUES "
	    "('manual', 'S', 'S')", ""), 0);
	shop = db_last_id(db);
	fx(shop, "O1", "GHN", "south", 1, t, t + DAY, "delivered", 16500, 17000, 0);
	fx(shop, "O2", "GHN", "south", 1, t, t + 2 * DAY, "delivered", 16500, -1, 100000);
	fx(shop, "O3", "GHN", "south", 1, t, t + 3 * DAY, "failed", 18000, 16000, 200000);
	fx(shop, "O4", "GHN", "south", 2, t, 0, "", 20000, -1, 0);
	fx(shop, "O5", "GHN", "north", 2, t + HOUR, t + 13 * HOUR, "delivered", 30000, -1, 0);
	fx(shop, "O6", "JT", "south", 3, t - 2 * DAY, t, "delivered", 1, 1, 0);
	CU_ASSERT_EQUAL(carrier_scorecard(&packer, t, 0, &r, &n), DB_EPERM);
	CU_ASSERT_EQUAL_FATAL(carrier_scorecard(&sup, t - DAY, t + DAY, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	/* GHN north: one parcel in 12 h, cost 31000 from the settlement. */
	CU_ASSERT_STRING_EQUAL(r[0].carrier, "GHN");
	CU_ASSERT_STRING_EQUAL(r[0].region, "north");
	CU_ASSERT_EQUAL(r[0].shipped, 1);
	CU_ASSERT_EQUAL(r[0].promised_mdays, 2000);
	CU_ASSERT_EQUAL(r[0].actual_mdays, 500);
	CU_ASSERT_EQUAL(r[0].success_pm, 1000);
	CU_ASSERT_EQUAL(r[0].cod_failed_pm, -1);
	CU_ASSERT_EQUAL(r[0].quoted, 30000);
	CU_ASSERT_EQUAL(r[0].actual, 31000);
	/* GHN south: 4 shipped, 2 delivered (1 and 2 days), 1 failed, 1 open; promised
	 * (1+1+1+2)/4 = 1.25 d; success 2/3; of 2 finished COD parcels 1 failed; costs
	 * known for O1 and O3: quoted 34500, paid 33000. */
	CU_ASSERT_STRING_EQUAL(r[1].region, "south");
	CU_ASSERT_EQUAL(r[1].shipped, 4);
	CU_ASSERT_EQUAL(r[1].delivered, 2);
	CU_ASSERT_EQUAL(r[1].failed, 1);
	CU_ASSERT_EQUAL(r[1].open, 1);
	CU_ASSERT_EQUAL(r[1].promised_mdays, 1250);
	CU_ASSERT_EQUAL(r[1].actual_mdays, 1500);
	CU_ASSERT_EQUAL(r[1].success_pm, 666);
	CU_ASSERT_EQUAL(r[1].cod_orders, 2);
	CU_ASSERT_EQUAL(r[1].cod_failed_pm, 500);
	CU_ASSERT_EQUAL(r[1].costed, 2);
	CU_ASSERT_EQUAL(r[1].quoted, 34500);
	CU_ASSERT_EQUAL(r[1].actual, 33000);
	free(r);
	/* Without bounds JT's earlier parcel counts too. */
	CU_ASSERT_EQUAL_FATAL(carrier_scorecard(&sup, 0, 0, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	free(r);
	teardown();
}

static void
write_file(const char *file, const char *text)
{
	FILE *fp = fopen(file, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

/* [routing] and [carriers] rates reach the core through cmd_config. */
static void
test_config(void)
{
	char dir[] = "/tmp/pb-carrier-XXXXXX", conf[128], rates[128], csv[160], text[512];
	struct route_policy p;
	struct cmd_ctx c;
	struct config cfg;
	const struct carrier *k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(conf, sizeof conf, "%s/packbench.conf", dir);
	snprintf(rates, sizeof rates, "%s/rates", dir);
	snprintf(csv, sizeof csv, "%s/own.csv", rates);
	CU_ASSERT_EQUAL_FATAL(mkdir(rates, 0700), 0);
	write_file(csv, "carrier,OWN,Own fleet\ncod,yes,2,5000\ncutoff,20:00\n"
	    "rate,same,3000,9000,0\nrate,region,3000,12000,1\nrate,cross,3000,20000,2\n");
	snprintf(text, sizeof text, "[carriers]\nGHN = 17:00, 48\nrates = %s\n[routing]\n"
	    "allocate_on_confirm = no\nlazada_min_shelf_days = 45\nlazada_split = yes\n"
	    "manual_merge = no\nmanual_deliver_days = 3\n", rates);
	write_file(conf, text);
	memset(&c, 0, sizeof c);
	c.config_path = conf;
	CU_ASSERT_EQUAL_FATAL(cmd_config(&c, &cfg), 0);
	config_free(&cfg);
	route_policy("lazada", &p);
	CU_ASSERT_EQUAL(p.min_shelf_days, 45);
	CU_ASSERT_EQUAL(p.split, 1);
	CU_ASSERT_EQUAL(p.merge, 0);
	route_policy("manual", &p);
	CU_ASSERT_EQUAL(p.split, 1);                /* the default stands */
	CU_ASSERT_EQUAL(p.merge, 0);
	CU_ASSERT_EQUAL(p.deliver_days, 3);
	route_policy("shopee", &p);
	CU_ASSERT_EQUAL(p.split + p.merge + p.min_shelf_days, 0);
	CU_ASSERT_EQUAL(route_auto(), 0);
	CU_ASSERT_EQUAL(carrier_table()->n, 1);
	k = carrier_find(carrier_table(), "OWN");
	CU_ASSERT_PTR_NOT_NULL(k);
	if (k != NULL)
		CU_ASSERT_EQUAL(k->cod_fee_bp, 200);

	/* Without the key, confirmation allocates (the default). */
	snprintf(text, sizeof text, "[carriers]\nrates = %s\n[routing]\nmanual_merge = no\n",
	    rates);
	write_file(conf, text);
	CU_ASSERT_EQUAL_FATAL(cmd_config(&c, &cfg), 0);
	config_free(&cfg);
	CU_ASSERT_EQUAL(route_auto(), 1);

	/* A bad table or key is one clear error. */
	write_file(csv, "carrier,OWN,Own\nrate,same,x,1,1\n");
	CU_ASSERT_EQUAL(cmd_config(&c, &cfg), EXIT_FAIL);
	snprintf(text, sizeof text, "[routing]\nlazada_min_shelf_days = -1\n");
	write_file(conf, text);
	CU_ASSERT_EQUAL(cmd_config(&c, &cfg), EXIT_FAIL);
	snprintf(text, sizeof text, "[routing]\nzalora_split = yes\n");
	write_file(conf, text);
	CU_ASSERT_EQUAL(cmd_config(&c, &cfg), EXIT_FAIL);
	unlink(csv);
	rmdir(rates);
	unlink(conf);
	rmdir(dir);
	route_reset();
	carrier_set_table(&tab);
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("carrier", NULL, NULL);
	CU_add_test(s, "the sample tables", test_samples);
	CU_add_test(s, "rate table errors name the line", test_parse_errors);
	CU_add_test(s, "quotes at bracket edges, COD fees", test_quotes);
	CU_add_test(s, "choice at deadline and cut-off edges, COD", test_choose);
	CU_add_test(s, "the order's carrier: auto, platform, rule", test_assign);
	CU_add_test(s, "scorecard figures by hand", test_scorecard);
	CU_add_test(s, "[routing] and [carriers] rates from the configuration", test_config);
	rc = tu_run();
	carrier_table_free(&tab);
	return rc;
}

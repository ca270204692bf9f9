/*
 * test_inject.c — hostile text from the marketplaces: each channel's order JSON (the
 * fixtures of tests/fixtures/market) with the buyer's name, the address and a seller SKU
 * replaced by SQL-looking text, quotes, LIKE wildcards, backslashes, non-ASCII text and a
 * very long string, through the channel's mapper and order_upsert() into the database.
 * The text comes back from SQLite exactly as mapped; an unknown hostile SKU is refused in
 * one line with nothing stored; afterwards every table is there, the orders counted are
 * the ones accepted and the audit chain holds.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/order.h"
#include "market/channel.h"
#include "testutil.h"

#define NOW 1764547200

static const char *evil[] = {
	"'; DROP TABLE orders; --",
	"\" OR 1=1 --",
	"100% _off_ \\ back\\slash",
	"Ngô' OR '1'='1",
	"Đặng Thị Ánh 🍜 ｶﾞ 中文",
	NULL,       /* the long one, made in main */
};
#define NEVIL (sizeof evil / sizeof evil[0])
static char longtext[301];

static struct db *db;
static char dbfile[256];
static struct session sys;

static int
init(void)
{
	if ((db = tu_db(dbfile)) == NULL)
		return -1;
	session_system(&sys, db, "T1");
	return tu_warehouse(&sys, "HCM") > 0 && tu_sku(&sys, "SKU-R", 0) > 0 ? 0 : -1;
}

static int
clean(void)
{
	tu_db_free(db, dbfile);
	return 0;
}

/* text as a JSON string's contents (quotes and backslashes escaped); malloc'd. */
static char *
json_escape(const char *text)
{
	char *out = malloc(strlen(text) * 2 + 1), *o = out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (; *text; text++) {
		if (*text == '"' || *text == '\\')
			*o++ = '\\';
		*o++ = *text;
	}
	*o = '\0';
	return out;
}

/* The fixture name with the JSON string "from" (its first occurrence) replaced by the
 * string to; malloc'd, length in *len. */
static char *
fixture_with(const char *name, const char *from, const char *to, size_t *len)
{
	char path[512], key[256], *body, *at, *out, *esc;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", MARKET_FIXTURES, name);
	body = tu_slurp(path, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	snprintf(key, sizeof key, "\"%s\"", from);
	at = strstr(body, key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	esc = json_escape(to);
	out = malloc(n + strlen(esc) + 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	*len = (size_t)sprintf(out, "%.*s\"%s\"%s", (int)(at - body), body, esc,
	    at + strlen(key));
	free(esc);
	free(body);
	return out;
}

/* One text column of the order numbered no (channel's), read back with SQLite; malloc'd. */
static char *
stored(const char *col, const char *no)
{
	static const char *const cols[] = { "buyer_name", "address", "district", "province" };
	struct db_stmt *st;
	char sql[128], *v = NULL;
	size_t i;

	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		if (strcmp(cols[i], col) == 0)
			break;
	}
	CU_ASSERT_FATAL(i < sizeof cols / sizeof cols[0]);
	/* The column name is one of the constants above; the order number is bound. */
	snprintf(sql, sizeof sql, "SELECT %s FROM orders WHERE order_no = ?", cols[i]);
	st = db_prep(db, sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_text(st, 1, no);
	if (db_step(st) == DB_ROW)
		v = strdup(db_col_text(st, 0));
	db_done(st);
	return v;
}

struct json_case {
	const char *channel, *fixture;
	int list;                   /* parse_list, else parse_detail */
	const char *original;       /* the JSON string replaced */
	const char *column;         /* where the mapper puts it */
};

static const struct json_case cases[] = {
	{ "shopee", "shopee_order_detail.json", 0, "Nguyễn Thị Hương", "buyer_name" },
	{ "shopee", "shopee_order_detail.json", 0,
	  "12 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "address" },
	{ "lazada", "lazada_order_list.json", 1, "Lê Thị Mai", "buyer_name" },
	{ "lazada", "lazada_order_list.json", 1, "45 Lê Duẩn", "address" },
	{ "tiktok", "tiktok_order_search.json", 1, "Võ Thị Ánh Tuyết", "buyer_name" },
	{ "tiktok", "tiktok_order_search.json", 1,
	  "27 Trần Hưng Đạo, Phường Lê Lợi, Thành phố Quy Nhơn, Bình Định", "address" },
};

/* The mapped text of column in mo. */
static const char *
field(const struct market_order *mo, const char *column)
{
	return strcmp(column, "buyer_name") == 0 ? mo->in.buyer_name : mo->in.address;
}

static void
test_json_text(void)
{
	struct market_listq q = { .from = NOW - 86400, .to = NOW, .cursor = "" };
	struct order_line_in line = { "SKU-R", 1, 1000 };
	int64_t tables0, orders = 0;
	size_t c, e, i, len;

	tables0 = tu_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", NULL);
	for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct json_case *k = &cases[c];
		const struct connector *conn = channel_find(k->channel)->conn;

		for (e = 0; e < NEVIL; e++) {
			struct market_orders set = { 0 };
			struct market_page page;
			struct market_error err;
			struct market_order *mo = NULL;
			char *body = fixture_with(k->fixture, k->original, evil[e], &len), *back;
			enum market_class cls;

			memset(&page, 0, sizeof page);
			cls = k->list ? conn->parse_list(200, body, len, &q, &page, &set, &err) :
			    conn->parse_detail(200, body, len, &set, &err);
			free(body);
			if (cls != MC_OK) {
				fprintf(stderr, "%s %s: %s\n", k->channel, k->fixture, err.msg);
				CU_FAIL("hostile text made the mapper fail");
				goto next;
			}
			for (i = 0; i < set.n; i++) {
				const char *v = field(&set.v[i], k->column);

				if (v != NULL && strstr(v, evil[e]) != NULL)
					mo = &set.v[i];
			}
			if (mo == NULL) {
				fprintf(stderr, "%s %s: '%s' not mapped into %s\n", k->channel,
				    k->fixture, evil[e], k->column);
				CU_FAIL("the mapper lost the text");
				goto next;
			}
			/* The lines are ours: the text fields are what is under test. */
			mo->in.lines = &line;
			mo->in.nlines = 1;
			if (mo->in.currency == NULL)
				mo->in.currency = "VND";
			if (mo->in.shop == NULL)
				mo->in.shop = "shop-x";     /* the sync's, from the configuration */
			if (order_upsert(&sys, &mo->in, NULL, NULL) != 0) {
				fprintf(stderr, "%s: %s\n", k->channel, sys.err);
				CU_FAIL("a mapped order with hostile text was not stored");
				goto next;
			}
			orders++;
			back = stored(k->column, mo->in.order_no);
			CU_ASSERT_PTR_NOT_NULL(back);
			if (back != NULL && strcmp(back, field(mo, k->column)) != 0) {
				fprintf(stderr, "%s %s: stored '%s', mapped '%s'\n", k->channel,
				    k->column, back, field(mo, k->column));
				CU_FAIL("stored text differs from the mapped text");
			}
			free(back);
			/* The order is stored once, the next case updates it in place. */
			CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders WHERE order_no = ?",
			    mo->in.order_no), 1);
next:
			if (k->list)
				market_page_free(&page);
			market_orders_free(&set);
		}
	}
	CU_ASSERT(orders == (int64_t)(NEVIL * (sizeof cases / sizeof cases[0])));
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
	    NULL), tables0);
	/* One order per fixture order touched: Shopee's, Lazada's and TikTok's first. */
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders", NULL), 3);
}

/* A hostile seller SKU: not in the SKU master, so the order is refused in one line
 * naming it, and nothing is stored. */
static void
test_json_sku(void)
{
	struct market_orders set = { 0 };
	struct market_error err;
	struct market_order *mo;
	int64_t orders0, audit0;
	size_t e, len;
	char *body;

	orders0 = tu_int(db, "SELECT count(*) FROM orders", NULL);
	audit0 = tu_int(db, "SELECT count(*) FROM audit", NULL);
	for (e = 0; e < NEVIL; e++) {
		body = fixture_with("shopee_order_detail.json", "AT-COTTON-TRANG-L", evil[e], &len);
		CU_ASSERT_EQUAL_FATAL(channel_find("shopee")->conn->parse_detail(200, body, len,
		    &set, &err), MC_OK);
		free(body);
		mo = market_orders_find(&set, "2511300T6XKQ3M");
		CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
		mo->in.order_no = "INJ-SKU";
		mo->in.shop = "shop-x";
		CU_ASSERT_EQUAL(order_upsert(&sys, &mo->in, NULL, NULL), DB_EINVAL);
		CU_ASSERT_PTR_NULL(strchr(sys.err, '\n'));
		CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "SKU"));
		market_orders_free(&set);
		memset(&set, 0, sizeof set);
	}
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM orders", NULL), orders0);
	CU_ASSERT_EQUAL(tu_int(db, "SELECT count(*) FROM audit", NULL), audit0);
}

static void
test_chain(void)
{
	int64_t count = 0, bad = 0;
	char msg[256];

	CU_ASSERT_EQUAL(audit_verify(db, &count, &bad, msg, sizeof msg), 0);
	CU_ASSERT(count > 0);
}

int
main(void)
{
	CU_pSuite su;
	size_t i;

	for (i = 0; i + 5 < sizeof longtext; i += 5)
		memcpy(longtext + i, "Ω'%_", 5);     /* Ω is two bytes */
	longtext[i] = '\0';
	evil[NEVIL - 1] = longtext;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("marketplace text", init, clean);
	CU_add_test(su, "buyer and address through each mapper into the database",
	    test_json_text);
	CU_add_test(su, "a hostile SKU refused, nothing stored", test_json_sku);
	CU_add_test(su, "audit chain intact", test_chain);
	return tu_run();
}

/*
 * test_rules.c — the rule language and the rules at work, table-driven: every field and
 * operator against one order's facts; precedence; errors with their positions; rule
 * order, first-wins and stop; the parser over nasty inputs (the fuzz corpus and
 * generated ones) ending without a crash; storing versions (RBAC, audit); intake and
 * change application with one audit record per action naming the rule; and the dry run
 * on a fixture history, proven read-only by a checksum of every table.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"
#include "core/risk.h"
#include "core/route.h"
#include "core/rules.h"
#include "testutil.h"

#define NOW ((int64_t)TEST_EPOCH)

/* ---- The language, without a database ---- */

static const struct rules_line lines3[] = {
	{ "TEE-1", 2, 250 },
	{ "GIFT-1", 1, 1500 },
	{ "MUG-2", 3, 400 },
};

/* units 6, max_qty 3, weight 2*250 + 1500 + 3*400 = 3200 g */
static const struct rules_order facts = {
	.channel = "shopee", .shop = "S1", .province = "Hà Nội", .district = "Ba Đình",
	.total = 2500000, .cod = 2500000, .ship_by = NOW + 7200, .now = NOW,
	.lines = lines3, .nlines = 3, .tags = "vip, repeat",
	.buyer_orders = 4, .buyer_cod_refusals = 1, .buyer_returns = 0,
};

struct cond_case {
	const char *cond;
	int want;
};

static const struct cond_case cond_cases[] = {
	{ "true", 1 },
	{ "false", 0 },
	/* text fields: = == != in contains, case-insensitive ASCII */
	{ "channel = \"shopee\"", 1 },
	{ "channel == \"SHOPEE\"", 1 },
	{ "channel != \"shopee\"", 0 },
	{ "channel != \"lazada\"", 1 },
	{ "channel in (\"lazada\", \"shopee\")", 1 },
	{ "channel in (\"lazada\", \"tiktok\")", 0 },
	{ "shop = \"S1\"", 1 },
	{ "province = \"Hà Nội\"", 1 },
	{ "province contains \"Nội\"", 1 },
	{ "province contains \"Huế\"", 0 },
	{ "district contains \"ba\"", 1 },
	{ "district", 1 },
	/* numbers: every comparison at its edge */
	{ "total = 2500000", 1 },
	{ "total != 2500000", 0 },
	{ "total > 2500000", 0 },
	{ "total >= 2500000", 1 },
	{ "total < 2500001", 1 },
	{ "total <= 2499999", 0 },
	{ "total in (1, 2500000)", 1 },
	{ "total in (1, 2)", 0 },
	{ "cod", 1 },
	{ "cod > 2000000", 1 },
	{ "ship_by < 2h", 0 },
	{ "ship_by <= 2h", 1 },
	{ "ship_by = 120m", 1 },
	{ "ship_by > 7199s", 1 },
	{ "ship_by < 1d", 1 },
	{ "ship_by > -1h", 1 },
	{ "lines = 3", 1 },
	{ "units = 6", 1 },
	{ "max_qty = 3", 1 },
	{ "weight = 3200", 1 },
	{ "weight >= 3kg", 1 },
	{ "weight > 3200g", 0 },
	{ "buyer.orders = 4", 1 },
	{ "buyer.cod_refusals >= 1", 1 },
	{ "buyer.returns", 0 },
	{ "buyer.returns = 0", 1 },
	/* lists */
	{ "skus contains \"GIFT-1\"", 1 },
	{ "skus contains \"gift-1\"", 1 },
	{ "skus contains \"GIFT\"", 0 },
	{ "skus in (\"X\", \"MUG-2\")", 1 },
	{ "skus in (\"X\", \"Y\")", 0 },
	{ "skus", 1 },
	{ "tags contains \"repeat\"", 1 },
	{ "tags contains \"vip\"", 1 },
	{ "tags contains \"new\"", 0 },
	{ "tags in (\"new\", \"vip\")", 1 },
	/* and, or, not, parentheses */
	{ "cod and total > 2000000 and buyer.cod_refusals >= 1", 1 },
	{ "cod and total > 9000000", 0 },
	{ "total > 9000000 or channel = \"shopee\"", 1 },
	{ "not cod", 0 },
	{ "not not cod", 1 },
	{ "not (cod and false)", 1 },
	/* precedence: not > and > or */
	{ "true or false and false", 1 },
	{ "(true or false) and false", 0 },
	{ "false and false or true", 1 },
	{ "false and (false or true)", 0 },
	{ "not false and false", 0 },
	{ "not (false and false)", 1 },
	{ "not true or true", 1 },
	{ "# a comment\n  true # and another\n", 1 },
};

static struct rules *
compile_ok(const char *text)
{
	struct rules_error e[4];
	struct rules *r = NULL;
	int n = 0;

	if (rules_compile(text, strlen(text), &r, e, 4, &n) != 0)
		fprintf(stderr, "compile failed: %d:%d: %s\n---\n%s\n", e[0].line, e[0].col,
		    e[0].msg, text);
	return r;
}

static void
test_conditions(void)
{
	size_t i;

	for (i = 0; i < sizeof cond_cases / sizeof cond_cases[0]; i++) {
		char text[512];
		struct rules_result res;
		struct rules *r;

		snprintf(text, sizeof text, "rule \"t\" when %s then tag \"hit\"",
		    cond_cases[i].cond);
		r = compile_ok(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		rules_eval(r, &facts, &res);
		if (res.ntags != cond_cases[i].want)
			fprintf(stderr, "case %zu: %s: got %d\n", i, cond_cases[i].cond, res.ntags);
		CU_ASSERT_EQUAL(res.ntags, cond_cases[i].want);
		rules_free(r);
	}
}

/* Without a ship-by time every ship_by test is false, not "0 seconds left". */
static void
test_no_ship_by(void)
{
	static const char *const conds[] = { "ship_by", "ship_by < 1h", "ship_by = 0",
	    "ship_by >= -100d", "ship_by in (0)" };
	struct rules_order o = facts;
	size_t i;

	o.ship_by = 0;
	for (i = 0; i < sizeof conds / sizeof conds[0]; i++) {
		char text[128];
		struct rules_result res;
		struct rules *r;

		snprintf(text, sizeof text, "rule \"t\" when %s then confirm", conds[i]);
		r = compile_ok(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		rules_eval(r, &o, &res);
		CU_ASSERT_EQUAL(res.status, 0);
		rules_free(r);
	}
}

struct err_case {
	const char *text;
	const char *want;           /* the first error, "LINE:COL: message" */
	int count;                  /* errors in all */
};

static const struct err_case err_cases[] = {
	{ "rule \"a\" when totl > 5 then confirm", "1:15: unknown field 'totl'", 1 },
	{ "rule \"a\"\n  when total > \"x\" then confirm",
	  "2:16: total is a number: compare it with a number", 1 },
	{ "rule \"a\" when channel > \"x\" then confirm",
	  "1:23: text is compared with = or != only", 1 },
	{ "rule \"a\" when channel = 5 then confirm",
	  "1:25: channel is text: compare it with a string", 1 },
	{ "rule \"a\" when skus = \"A\" then confirm",
	  "1:20: skus is a list: use contains or in", 1 },
	{ "rule \"a\" when total contains \"1\" then confirm",
	  "1:21: total is a number: contains needs text or a list", 1 },
	{ "rule \"a\" when total in (1, \"x\") then confirm",
	  "1:28: total is a number: list numbers", 1 },
	{ "rule \"a\" priority when cod then confirm",
	  "1:19: expected a whole number after priority, found 'when'", 1 },
	{ "rule \"a\" priority 5h when cod then confirm",
	  "1:19: expected a whole number after priority, found a number", 1 },
	{ "rule \"a\" when cod and then confirm",
	  "1:23: expected a condition, found 'then'", 1 },
	{ "rule \"a\" when (cod then confirm", "1:20: expected ')', found 'then'", 1 },
	{ "rule \"a\" when cod then", "1:23: expected an action (confirm, hold, flag, tag, "
	  "set, stop), found end of file", 1 },
	{ "rule \"a\" when cod then hold", "1:28: expected a reason string, found end of "
	  "file", 1 },
	{ "rule \"a\" when cod then set colour \"red\"",
	  "1:28: expected warehouse, carrier or box after set, found 'colour'", 1 },
	{ "rule \"a\" when cod then confirm confirm",
	  "1:32: expected ';' or the next rule, found 'confirm'", 1 },
	{ "rule \"a\" when cod then stop; confirm",
	  "1:30: actions after stop are never taken", 1 },
	{ "rule \"a\" when province = \"Hà Nội then confirm", "1:26: unterminated string", 1 },
	{ "rule \"a\" when total > 99999999999999999999 then confirm",
	  "1:23: number 99999999999999999999 is too large", 1 },
	{ "rule \"a\" when weight > 5lb then confirm",
	  "1:25: unknown unit 'lb' (s, m, h, d, g or kg)", 1 },
	{ "rule \"a\" when total > 5 @ then confirm", "1:25: unexpected character '@'", 1 },
	{ "rule \"a\" when cod then tag \"a,b\"", "1:28: a tag may not contain ','", 1 },
	{ "rule \"a\" when cod then flag \"\"", "1:29: empty string", 1 },
	{ "rule \"a\" when cod then flag \"x; y\"", "1:29: a flag may not contain ';'", 1 },
	{ "rule \"a\" priority -1 when cod then confirm",
	  "1:19: priority must be 0 to 1000000000", 1 },
	{ "when cod then confirm", "1:1: expected rule, found 'when'", 1 },
	{ "rule 5 when cod then confirm", "1:6: expected the rule's name as a string, "
	  "found a number", 1 },
	{ "rule \"a\" when cod then confirm\nrule \"a\" when cod then hold \"x\"",
	  "2:6: a rule named \"a\" already exists (line 1)", 1 },
	/* Every rule's errors in one pass, in position order. */
	{ "rule \"a\" when totl then confirm\nrule \"b\" when cod then\n"
	  "rule \"c\" when cod or then confirm\nrule \"d\" when shop > 1 then stop",
	  "1:15: unknown field 'totl'", 4 },
};

static void
test_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
		struct rules_error e[8];
		struct rules *r = (struct rules *)1;
		char got[200];
		int n = -1;

		CU_ASSERT_EQUAL(rules_compile(err_cases[i].text, strlen(err_cases[i].text), &r,
		    e, 8, &n), DB_EINVAL);
		CU_ASSERT_PTR_NULL(r);
		CU_ASSERT_EQUAL(n, err_cases[i].count);
		if (n < 1)
			continue;
		snprintf(got, sizeof got, "%d:%d: %s", e[0].line, e[0].col, e[0].msg);
		if (strcmp(got, err_cases[i].want) != 0 || n != err_cases[i].count)
			fprintf(stderr, "case %zu: got \"%s\" (%d errors), want \"%s\"\n", i, got,
			    n, err_cases[i].want);
		CU_ASSERT_STRING_EQUAL(got, err_cases[i].want);
	}
}

/* A NUL byte inside the text is an error at its position, not the end of the text. */
static void
test_nul(void)
{
	static const char text[] = "rule \"a\" when cod then confirm\n\0rule";
	static const char text2[] = "rule \"a\" when province = \"x\0y\" then confirm";
	struct rules_error e[4];
	struct rules *r;
	int n;

	CU_ASSERT_EQUAL(rules_compile(text, sizeof text - 1, &r, e, 4, &n), DB_EINVAL);
	CU_ASSERT(n >= 1 && e[0].line == 2 && e[0].col == 1 &&
	    strcmp(e[0].msg, "unexpected byte 0x00") == 0);
	CU_ASSERT_EQUAL(rules_compile(text2, sizeof text2 - 1, &r, e, 4, &n), DB_EINVAL);
	CU_ASSERT(n >= 1 && e[0].line == 1 && e[0].col == 28 &&
	    strcmp(e[0].msg, "NUL byte in string") == 0);
}

/* Priority order (file order on ties), first status / warehouse / carrier / box wins,
 * tags and flags add up, stop ends it. */
static void
test_order_and_stop(void)
{
	static const char text[] =
	    "rule \"late\" priority 90 when true then tag \"late\"; confirm\n"
	    "rule \"first\" priority 1 when cod then hold \"risky\"; set carrier \"GHN\"\n"
	    "rule \"tie-a\" priority 5 when true then tag \"a\"; set box \"S\"\n"
	    "rule \"tie-b\" priority 5 when true then tag \"b\"; set box \"M\"; "
	    "set carrier \"GHTK\" service \"fast\"; flag \"x\"; flag \"x\"\n"
	    "rule \"stopper\" priority 50 when tags contains \"b\" then flag \"y\"; stop\n";
	struct rules_result res;
	struct rules *r = compile_ok(text);
	char buf[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(rules_count(r), 5);
	CU_ASSERT_STRING_EQUAL(rules_name(r, 0), "first");
	CU_ASSERT_STRING_EQUAL(rules_name(r, 1), "tie-a");
	CU_ASSERT_STRING_EQUAL(rules_name(r, 2), "tie-b");
	CU_ASSERT_STRING_EQUAL(rules_name(r, 3), "stopper");
	CU_ASSERT_STRING_EQUAL(rules_name(r, 4), "late");
	rules_eval(r, &facts, &res);
	CU_ASSERT_EQUAL(res.status, RULES_HOLD);
	CU_ASSERT_STRING_EQUAL(res.hold_reason, "risky");
	CU_ASSERT_STRING_EQUAL(res.carrier, "GHN");
	CU_ASSERT_PTR_NULL(res.service);
	CU_ASSERT_STRING_EQUAL(res.box, "S");
	CU_ASSERT_EQUAL(res.ntags, 2);
	CU_ASSERT_EQUAL(res.nflags, 2);
	CU_ASSERT_EQUAL(res.stopped, 3);
	/* taken: first(hold, carrier) tie-a(tag, box) tie-b(tag, flag) stopper(flag, stop) */
	CU_ASSERT_EQUAL_FATAL(res.ntaken, 8);
	CU_ASSERT(res.taken[0].rule == 0 && res.taken[0].kind == RA_HOLD);
	CU_ASSERT(res.taken[1].rule == 0 && res.taken[1].kind == RA_CARRIER);
	CU_ASSERT(res.taken[2].rule == 1 && res.taken[2].kind == RA_TAG);
	CU_ASSERT(res.taken[3].rule == 1 && res.taken[3].kind == RA_BOX);
	CU_ASSERT(res.taken[4].rule == 2 && res.taken[4].kind == RA_TAG &&
	    res.taken[4].action == 0);
	CU_ASSERT(res.taken[5].rule == 2 && res.taken[5].kind == RA_FLAG &&
	    res.taken[5].action == 3);
	CU_ASSERT(res.taken[6].rule == 3 && res.taken[6].kind == RA_FLAG);
	CU_ASSERT(res.taken[7].rule == 3 && res.taken[7].kind == RA_STOP);
	rules_action_text(r, 2, 2, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "set carrier \"GHTK\" service \"fast\"");
	CU_ASSERT_EQUAL(rules_uses(r), RULES_USES_TAGS);
	rules_free(r);
}

/* ---- Nasty inputs: the parser ends, without a crash, on each ---- */

static void
compile_any(const char *text, size_t len)
{
	struct rules_error e[8];
	struct rules *r = NULL;
	int n = 0;

	if (rules_compile(text, len, &r, e, 8, &n) == 0) {
		struct rules_result res;

		CU_ASSERT_PTR_NOT_NULL(r);
		rules_eval(r, &facts, &res);
		rules_free(r);
	} else {
		int i;

		CU_ASSERT(n >= 1);
		CU_ASSERT_PTR_NULL(r);
		for (i = 0; i < n; i++)
			CU_ASSERT(e[i].line >= 1 && e[i].col >= 1 && strchr(e[i].msg, '\n') == NULL);
	}
}

static char *
repeat(const char *head, const char *unit, size_t times, const char *tail, size_t *len)
{
	size_t hu = strlen(unit), n = strlen(head) + hu * times + strlen(tail), i;
	char *s = malloc(n + 1), *p = s;

	if (s == NULL)
		abort();
	p += sprintf(p, "%s", head);
	for (i = 0; i < times; i++, p += hu)
		memcpy(p, unit, hu);
	strcpy(p, tail);
	*len = n;
	return s;
}

static void
test_nasty(void)
{
	static const char *const small[] = {
		"", "rule", "rule \"", "rule \"a", "rule \"a\" when", "\"\\", "rule \"a\\",
		"rule \"a\" when total > -", "rule \"a\" when total > -9223372036854775808 "
		"then confirm", "rule \"a\" when total > 9223372036854775807 then confirm",
		"rule \"a\" when total > 9223372036854775807kg then confirm",
		"rule \"a\" when cod then confirm;;;;", ";;;;", "((((", "))))",
		"rule \"a\" when total in () then confirm", "rule \"a\" when total in (",
		"\xff\xfe\xfd", "rule \"\xc3\" when cod then confirm", "rule rule rule rule",
	};
	DIR *d;
	struct dirent *de;
	char *s;
	size_t i, len;
	unsigned seed = 12345, files = 0;

	for (i = 0; i < sizeof small / sizeof small[0]; i++)
		compile_any(small[i], strlen(small[i]));
	/* Deep nesting past the limit: parentheses, not, both unbalanced. */
	s = repeat("rule \"a\" when ", "(", 100000, "cod", &len);
	compile_any(s, len);
	free(s);
	s = repeat("rule \"a\" when ", "not ", 100000, "cod then confirm", &len);
	compile_any(s, len);
	free(s);
	s = repeat("rule \"a\" when cod", " and cod", 100000, " then confirm", &len);
	compile_any(s, len);
	free(s);
	s = repeat("rule \"a\" when total in (1", ", 1", 100000, ") then confirm", &len);
	compile_any(s, len);
	free(s);
	s = repeat("", "rule \"x\" when cod then confirm\n", 2000, "", &len);
	compile_any(s, len);            /* duplicate names, many errors */
	free(s);
	s = repeat("rule \"a\" when total > ", "9", 100000, " then confirm", &len);
	compile_any(s, len);
	free(s);
	s = repeat("rule \"a\" when province = \"", "x", 100000, "", &len);
	compile_any(s, len);
	free(s);
	/* Random bytes and random mixes of the language's own tokens. */
	for (i = 0; i < 3000; i++) {
		static const char *const toks[] = { "rule", "\"n\"", "priority", "5", "when",
		    "then", "and", "or", "not", "(", ")", "cod", "total", ">", "=", "in", ",",
		    "contains", "\"x\"", "skus", "confirm", "hold", "stop", ";", "set", "box",
		    "carrier", "service", "\0", "\"", "-", "3kg", "\n" };
		char buf[512];
		size_t n = 0, k;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 16) % 60;
		while (k-- > 0 && n < sizeof buf - 16) {
			seed = seed * 1103515245u + 12345u;
			if (i % 2) {
				buf[n++] = (char)(seed >> 16);
			} else {
				const char *t = toks[(seed >> 16) % (sizeof toks / sizeof toks[0])];
				size_t tl = t[0] ? strlen(t) : 1;

				memcpy(buf + n, t, tl);
				n += tl;
				buf[n++] = ' ';
			}
		}
		compile_any(buf, n);
	}
	/* The fuzz target's corpus. */
	d = opendir(RULES_CORPUS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		char path[1024];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", RULES_CORPUS, de->d_name);
		s = tu_slurp(path, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		compile_any(s, len);
		free(s);
		files++;
	}
	closedir(d);
	CU_ASSERT(files >= 10);
}

static void
test_duration(void)
{
	int64_t v;

	CU_ASSERT(rules_parse_duration("30d", &v) == 0 && v == 30 * 86400);
	CU_ASSERT(rules_parse_duration("12h", &v) == 0 && v == 12 * 3600);
	CU_ASSERT(rules_parse_duration("90m", &v) == 0 && v == 5400);
	CU_ASSERT(rules_parse_duration("45", &v) == 0 && v == 45);
	CU_ASSERT(rules_parse_duration("", &v) == -1);
	CU_ASSERT(rules_parse_duration("3w", &v) == -1);
	CU_ASSERT(rules_parse_duration("d", &v) == -1);
	CU_ASSERT(rules_parse_duration("5dd", &v) == -1);
	CU_ASSERT(rules_parse_duration("99999999999999999999d", &v) == -1);
}

/* ---- With a database ---- */

static struct db *db;
static char path[256];
static struct session sys, sup, packer;
static int seq;

static int
setup(void)
{
	clock_fix(NOW);
	db = tu_db(path);
	if (db == NULL)
		return 1;
	/* What the rules do to an order, the statuses they set as they leave them: what
	 * allocation at confirmation (on by default) then does is test_route.c's. */
	route_set_auto(0);
	tu_session(&sys, db, ROLE_SYSTEM);
	tu_session(&sup, db, ROLE_SUPERVISOR);
	tu_session(&packer, db, ROLE_PACKER);
	tu_warehouse(&sys, "HCM");
	tu_warehouse(&sys, "HN");
	tu_sku(&sys, "TEE-1", 0);
	tu_sku(&sys, "GIFT-1", 0);
	tu_sku(&sys, "BIG-1", 0);
	db_run(db, "UPDATE sku SET weight_g = 6000 WHERE sku = 'BIG-1'", "");
	return 0;
}

static int
teardown(void)
{
	route_set_auto(1);
	tu_db_free(db, path);
	return 0;
}

struct o {
	const char *channel, *phone, *province, *sku;
	int64_t cod, total, qty;
	enum order_status status;
	int64_t created_at;
};

static int64_t
add_order(const struct o *o, const char *no)
{
	struct order_line_in line = { o->sku ? o->sku : "TEE-1", o->qty ? o->qty : 1, 100000 };
	struct order_in in = {
		.channel = o->channel ? o->channel : "shopee", .shop = "S1", .order_no = no,
		.created_at = o->created_at ? o->created_at : NOW, .status = o->status,
		.cod = o->cod, .currency = "VND", .total = o->total ? o->total : 100000,
		.buyer_name = "Buyer", .buyer_phone = o->phone ? o->phone : "0912345678",
		.address = "1 Main St", .district = "D1",
		.province = o->province ? o->province : "Hồ Chí Minh",
		.lines = &line, .nlines = 1,
	};
	int64_t id = 0;

	if (order_upsert(&sys, &in, &id, NULL) != 0)
		fprintf(stderr, "add %s: %s\n", no, sys.err);
	return id;
}

static int64_t
add(const struct o *o)
{
	char no[32];

	snprintf(no, sizeof no, "RU-%d", ++seq);
	return add_order(o, no);
}

static int64_t
count(const char *sql, int64_t arg)
{
	int64_t n = -1;

	db_int(db, &n, sql, "i", arg);
	return n;
}

static const char *
status_of(int64_t id)
{
	static char buf[32];
	struct db_stmt *st = db_prep(db, "SELECT status FROM orders WHERE id = ?");

	db_bind_int(st, 1, id);
	buf[0] = '\0';
	if (db_step(st) == DB_ROW)
		snprintf(buf, sizeof buf, "%s", db_col_text(st, 0));
	db_done(st);
	return buf;
}

static const char intake_rules[] =
    "rule \"COD over 2M from a buyer who refused before\" priority 10\n"
    "  when cod and total > 2000000 and buyer.cod_refusals >= 1\n"
    "  then hold \"COD risk\"; stop\n"
    "rule \"heavy\" priority 20 when weight >= 5kg\n"
    "  then set carrier \"GHTK\" service \"road\"; set box \"B-L\"; set warehouse \"HN\"\n"
    "rule \"big spender\" priority 30 when total >= 1000000 then tag \"big\"; "
    "flag \"check value\"\n"
    "rule \"ok\" priority 40 when channel = \"shopee\" then confirm\n";

static void
test_store(void)
{
	struct rules_set_row row, *rows;
	int64_t v = 0;
	size_t n;
	static const char bad[] = "rule \"a\" when cod then hold";
	static const char nowh[] = "rule \"a\" when cod then set warehouse \"NOPE\"";

	CU_ASSERT_EQUAL(rules_store(&packer, intake_rules, strlen(intake_rules), &v),
	    DB_EPERM);
	CU_ASSERT_EQUAL(rules_store(&sup, bad, strlen(bad), &v), DB_EINVAL);
	CU_ASSERT_STRING_EQUAL(sup.err, "1:28: expected a reason string, found end of file");
	CU_ASSERT_EQUAL(rules_store(&sup, nowh, strlen(nowh), &v), DB_EINVAL);
	CU_ASSERT_STRING_EQUAL(sup.err, "1: rule \"a\": no warehouse \"NOPE\"");
	CU_ASSERT_EQUAL(rules_active(&sup, &row), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(rules_store(&sup, "rule \"x\" when false then confirm",
	    strlen("rule \"x\" when false then confirm"), &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(rules_store(&sup, intake_rules, strlen(intake_rules), &v), 0);
	CU_ASSERT_EQUAL(v, 2);
	CU_ASSERT_EQUAL_FATAL(rules_active(&sup, &row), 0);
	CU_ASSERT_EQUAL(row.version, 2);
	CU_ASSERT_EQUAL(row.nrules, 4);
	CU_ASSERT_STRING_EQUAL(row.author, "tester-supervisor");
	CU_ASSERT_STRING_EQUAL(row.text, intake_rules);
	rules_set_free(&row);
	CU_ASSERT_EQUAL_FATAL(rules_versions(&sup, &rows, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT(rows[0].version == 2 && rows[0].active && rows[1].version == 1 &&
	    !rows[1].active);
	free(rows);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'rules' AND "
	    "action = 'load' AND ? = 0", 0), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'rules' AND "
	    "entity_id = '2' AND after = '{\"version\":2,\"rules\":4}' AND "
	    "before = '{\"version\":1}' AND ? = 0", 0), 1);
}

static int64_t
rule_audits(int64_t id, const char *rule, const char *action)
{
	char after[512];
	int64_t n = -1;

	snprintf(after, sizeof after, "{\"rules\":2,\"rule\":\"%s\",\"action\":\"%s\"}", rule,
	    action);
	db_int(db, &n, "SELECT count(*) FROM audit WHERE entity = 'order' AND entity_id = ? "
	    "AND action = 'rule' AND after = ?", "is", id, after);
	return n;
}

static void
test_intake(void)
{
	struct rules_stored rs;
	int64_t refused, risky, heavy, plain, lazada, n;
	struct o r1 = { .phone = "0987000001", .cod = 300000, .total = 300000,
	    .status = ST_RETURNED };

	refused = add(&r1);
	CU_ASSERT(refused > 0);
	/* History: one refused COD parcel; then a COD order over 2M: held, stopped. */
	risky = add(&(struct o){ .phone = "0987000001", .cod = 2500000, .total = 2500000 });
	CU_ASSERT_STRING_EQUAL(status_of(risky), "ON_HOLD");
	CU_ASSERT_EQUAL(rule_audits(risky, "COD over 2M from a buyer who refused before",
	    "hold \\\"COD risk\\\""), 1);
	CU_ASSERT_EQUAL(rule_audits(risky, "COD over 2M from a buyer who refused before",
	    "stop"), 1);
	/* stop: the later rules did nothing */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'rule'", risky), 2);
	CU_ASSERT_EQUAL_FATAL(rules_order_result(&sys, risky, &rs), 0);
	CU_ASSERT_STRING_EQUAL(rs.tags, "");
	/* Heavy and big: carrier, box, warehouse, tag, flag, confirm. */
	heavy = add(&(struct o){ .sku = "BIG-1", .total = 1500000 });
	CU_ASSERT_STRING_EQUAL(status_of(heavy), "CONFIRMED");
	CU_ASSERT_EQUAL_FATAL(rules_order_result(&sys, heavy, &rs), 0);
	CU_ASSERT_STRING_EQUAL(rs.carrier, "GHTK");
	CU_ASSERT_STRING_EQUAL(rs.service, "road");
	CU_ASSERT_STRING_EQUAL(rs.box, "B-L");
	CU_ASSERT_STRING_EQUAL(rs.warehouse, "HN");
	CU_ASSERT(rs.warehouse_id > 0);
	CU_ASSERT_STRING_EQUAL(rs.tags, "big");
	CU_ASSERT_STRING_EQUAL(rs.flags, "check value");
	CU_ASSERT_EQUAL(rule_audits(heavy, "heavy",
	    "set carrier \\\"GHTK\\\" service \\\"road\\\""), 1);
	CU_ASSERT_EQUAL(rule_audits(heavy, "heavy", "set box \\\"B-L\\\""), 1);
	CU_ASSERT_EQUAL(rule_audits(heavy, "heavy", "set warehouse \\\"HN\\\""), 1);
	CU_ASSERT_EQUAL(rule_audits(heavy, "big spender", "tag \\\"big\\\""), 1);
	CU_ASSERT_EQUAL(rule_audits(heavy, "big spender", "flag \\\"check value\\\""), 1);
	CU_ASSERT_EQUAL(rule_audits(heavy, "ok", "confirm"), 1);
	/* A rule's flag is one of the order's risk flags. */
	{
		struct risk_flag f[RISK_MAX_FLAGS];
		int nf = 0, k, found = 0;

		CU_ASSERT_EQUAL(risk_check(&sys, heavy, f, RISK_MAX_FLAGS, &nf), 0);
		for (k = 0; k < nf; k++)
			found += f[k].kind == RISK_RULE && strcmp(f[k].label, "check value") == 0 &&
			    strcmp(f[k].reason, "flagged by a rule: check value") == 0;
		CU_ASSERT_EQUAL(found, 1);
	}
	/* The status change itself is the state machine's audit record too. */
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action <> 'rule' AND after LIKE '%CONFIRMED%'", heavy), 1);
	/* A plain shopee order is confirmed; a lazada one is left alone. */
	plain = add(&(struct o){ 0 });
	CU_ASSERT_STRING_EQUAL(status_of(plain), "CONFIRMED");
	lazada = add(&(struct o){ .channel = "lazada" });
	CU_ASSERT_STRING_EQUAL(status_of(lazada), "NEW");
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND action = 'rule'", lazada), 0);
	/* The order changes (a bigger total): the rules again, only what is new audited. */
	n = count("SELECT count(*) FROM audit WHERE action = 'rule' AND ? = 0", 0);
	CU_ASSERT(add_order(&(struct o){ .channel = "lazada", .total = 1200000 }, "RU-5") ==
	    lazada);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'rule' AND ? = 0", 0),
	    n + 2);
	CU_ASSERT_EQUAL_FATAL(rules_order_result(&sys, lazada, &rs), 0);
	CU_ASSERT_STRING_EQUAL(rs.tags, "big");
	/* The same pull again: nothing changes, nothing is audited. */
	CU_ASSERT(add_order(&(struct o){ .channel = "lazada", .total = 1200000 }, "RU-5") ==
	    lazada);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE action = 'rule' AND ? = 0", 0),
	    n + 2);
	/* A hold made by a person is not undone by the rules on a later change. */
	CU_ASSERT_EQUAL(order_transition(&sup, plain, 0, ST_ON_HOLD, "check address"), 0);
	CU_ASSERT(add_order(&(struct o){ .total = 120000, .status = ST_ON_HOLD }, "RU-4") ==
	    plain);
	CU_ASSERT_STRING_EQUAL(status_of(plain), "ON_HOLD");
	/* The chain still verifies. */
	{
		int64_t cnt, bad;
		char msg[256];

		CU_ASSERT_EQUAL(audit_verify(db, &cnt, &bad, msg, sizeof msg), 0);
	}
}

/* Every table's rows, hashed (FNV-1a over the text of each column). */
static uint64_t
checksum(void)
{
	uint64_t h = 1469598103934665603ULL;
	char names[64][48];
	int nt = 0, t, c;
	struct db_stmt *st = db_prep(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
	    "ORDER BY name");

	while (db_step(st) == DB_ROW && nt < 64)
		snprintf(names[nt++], sizeof names[0], "%s", db_col_text(st, 0));
	db_done(st);
	for (t = 0; t < nt; t++) {
		char sql[160];

		snprintf(sql, sizeof sql, "SELECT * FROM \"%.47s\" ORDER BY rowid", names[t]);
		st = db_prep(db, sql);
		if (st == NULL) {
			snprintf(sql, sizeof sql, "SELECT * FROM \"%.47s\"", names[t]);
			st = db_prep(db, sql);
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		while (db_step(st) == DB_ROW) {
			for (c = 0; c < db_col_count(st); c++) {
				const unsigned char *p = (const unsigned char *)db_col_text(st, c);

				for (; *p; p++)
					h = (h ^ *p) * 1099511628211ULL;
				h = (h ^ 0x1f) * 1099511628211ULL;
			}
		}
		db_done(st);
	}
	return h;
}

/* The dry run over a fixture history: exact output, and nothing changed. */
static void
test_dry_run(void)
{
	static const char text[] =
	    "rule \"refusers\" priority 1 when buyer.cod_refusals >= 1 and cod\n"
	    "  then hold \"refused before\"; tag \"risk\"\n"
	    "rule \"two or more units\" priority 2 when units >= 2 then set box \"M\"; tag \"multi\"\n"
	    "rule \"gift\" priority 3 when skus contains \"GIFT-1\" then flag \"wrap\"; stop\n"
	    "rule \"everyone\" priority 4 when true then tag \"seen\"\n";
	static const struct {
		const char *no;
		struct o o;
	} hist[] = {
		{ "DR-1", { .phone = "0901000001", .cod = 100000, .status = ST_RETURNED,
		    .created_at = NOW - 40 * 86400 } },
		{ "DR-2", { .phone = "0901000001", .cod = 200000, .qty = 2,
		    .created_at = NOW - 10 * 86400 } },
		{ "DR-3", { .phone = "0901000002", .sku = "GIFT-1", .created_at = NOW - 5 * 86400 } },
		{ "DR-4", { .phone = "0901000002", .qty = 3, .sku = "GIFT-1",
		    .created_at = NOW - 86400 } },
		{ "DR-5", { .phone = "0901000003", .created_at = NOW - 31 * 86400 } },
		{ "DR-6", { .phone = "0901000001", .cod = 0, .created_at = NOW - 3600 } },
	};
	static const char *const want[] = {
		"refusers DR-2 3",
		"two or more units DR-2 3",
		"two or more units DR-4 3",
		"gift DR-3 3",
		"gift DR-4 3",
		"everyone DR-2 1",
		"everyone DR-6 1",
	};
	struct rules_dry d;
	struct rules *r = compile_ok(text);
	uint64_t before, after;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* A fresh shop so that intake rules (version 2) touch these as they do. */
	for (i = 0; i < sizeof hist / sizeof hist[0]; i++)
		CU_ASSERT(add_order(&hist[i].o, hist[i].no) > 0);
	before = checksum();
	CU_ASSERT_EQUAL_FATAL(rules_dry_run(&sup, r, NOW - 30 * 86400, &d), 0);
	after = checksum();
	CU_ASSERT_EQUAL(before, after);
	/* Orders from the intake test also fall in the window: keep the DR- ones. */
	{
		char got[16][96];
		size_t ng = 0;

		for (i = 0; i < d.nhits && ng < 16; i++) {
			const char *no = d.pool + d.hits[i].order_no;

			if (strncmp(no, "DR-", 3) != 0)
				continue;
			snprintf(got[ng++], sizeof got[0], "%s %s %u", rules_name(r, d.hits[i].rule),
			    no, d.hits[i].actions);
		}
		CU_ASSERT_EQUAL_FATAL(ng, sizeof want / sizeof want[0]);
		for (i = 0; i < ng && i < sizeof want / sizeof want[0]; i++) {
			if (strcmp(got[i], want[i]) != 0)
				fprintf(stderr, "dry run %zu: got \"%s\"\n", i, got[i]);
			CU_ASSERT_STRING_EQUAL(got[i], want[i]);
		}
	}
	/* DR-1 and DR-5 are older than 30 days; the rest count. */
	CU_ASSERT(d.norders >= 4);
	rules_dry_free(&d);
	rules_free(r);
}

/* Audit records stay JSON whatever a rule's name and strings hold. */
static void
test_audit_json(void)
{
	static const char text[] = "rule \"say \\\"hi\\\" \\\\ there\" when channel = \"tiktok\" "
	    "then tag \"t\\\"q\"";
	struct db_stmt *st;
	int64_t id, v = 0;
	int rows = 0;

	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, text, strlen(text), &v), 0);
	CU_ASSERT_EQUAL(v, 3);
	id = add(&(struct o){ .channel = "tiktok" });
	CU_ASSERT(id > 0);
	st = db_prep(db, "SELECT json_extract(after, '$.rule'), json_extract(after, '$.action'), "
	    "json_extract(after, '$.rules') FROM audit WHERE entity = 'order' AND entity_id = ? "
	    "AND action = 'rule'");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_int(st, 1, id);
	while (db_step(st) == DB_ROW) {
		CU_ASSERT_STRING_EQUAL(db_col_text(st, 0), "say \"hi\" \\ there");
		CU_ASSERT_STRING_EQUAL(db_col_text(st, 1), "tag \"t\"q\"");
		CU_ASSERT_EQUAL(db_col_int(st, 2), 3);
		rows++;
	}
	db_done(st);
	CU_ASSERT_EQUAL(rows, 1);
}

/* One order's row and its records after audit id mark, as text to compare. */
static char *
trail(int64_t id, int64_t mark)
{
	size_t cap = 8192, n = 0;
	char *t = malloc(cap);
	struct db_stmt *st;

	t[0] = '\0';
	st = db_prep(db, "SELECT status || '|' || version || '|' || tags || '|' || rule_flags "
	    "|| '|' || coalesce(CAST(route_warehouse_id AS TEXT), '-') "
	    "|| '|' || coalesce(route_carrier, '-') || '|' || coalesce(route_service, '-') "
	    "|| '|' || coalesce(box, '-') FROM orders WHERE id = ?");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	db_bind_int(st, 1, id);
	if (db_step(st) == DB_ROW)
		n += (size_t)snprintf(t + n, cap - n, "%s\n", db_col_text(st, 0));
	db_done(st);
	st = db_prep(db, "SELECT action, before, after FROM audit WHERE entity = 'order' AND "
	    "entity_id = ? AND id > ? ORDER BY id");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, mark);
	while (db_step(st) == DB_ROW && n < cap)
		n += (size_t)snprintf(t + n, cap - n, "%s %s %s\n", db_col_text(st, 0),
		    db_col_text(st, 1), db_col_text(st, 2));
	db_done(st);
	return t;
}

/* Many orders at once (route_batch's way: facts read a chunk at a time, one row write
 * per order) leave exactly what one at a time leaves: rows, records, their order. */
static void
test_many(void)
{
	static const char idle[] = "rule \"idle\" when false then confirm";
	enum { N = 150 };           /* more than one chunk */
	int64_t a[N + 1], b[N + 1], mark = 0;
	int i, same = 0, changed = 0;

	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, idle, sizeof idle - 1, NULL), 0);
	for (i = 0; i < N; i++) {
		char pa[16], pb[16], no[32];
		struct o o = { .channel = i % 3 == 0 ? "lazada" : "shopee",
		    .sku = i % 4 == 0 ? "BIG-1" : "TEE-1",
		    .total = (i % 5) * 700000 + 100000,
		    .status = i % 7 == 0 ? ST_CONFIRMED : ST_NEW };

		o.cod = i % 2 ? o.total : 0;
		snprintf(pa, sizeof pa, "0971%06d", i);
		snprintf(pb, sizeof pb, "0972%06d", i);
		if (i % 3 != 2) {       /* a refused COD parcel before */
			snprintf(no, sizeof no, "MH-A%d", i);
			add_order(&(struct o){ .phone = pa, .cod = 300000, .total = 300000,
			    .status = ST_RETURNED }, no);
			snprintf(no, sizeof no, "MH-B%d", i);
			add_order(&(struct o){ .phone = pb, .cod = 300000, .total = 300000,
			    .status = ST_RETURNED }, no);
		}
		o.phone = pa;
		snprintf(no, sizeof no, "MA-%d", i);
		a[i] = add_order(&o, no);
		o.phone = pb;
		snprintf(no, sizeof no, "MB-%d", i);
		b[i] = add_order(&o, no);
	}
	a[N] = a[0];                /* twice: the second time finds nothing to do */
	b[N] = b[0];
	CU_ASSERT_EQUAL_FATAL(rules_store(&sup, intake_rules, sizeof intake_rules - 1, NULL), 0);
	CU_ASSERT_EQUAL(db_int(db, &mark, "SELECT max(id) FROM audit", ""), 0);
	for (i = 0; i <= N; i++)
		CU_ASSERT_EQUAL(rules_apply(&sup, a[i]), 0);
	CU_ASSERT_EQUAL(rules_apply_many(&packer, b, N + 1), DB_EPERM);
	CU_ASSERT_EQUAL(rules_apply_many(&sup, b, N + 1), 0);
	for (i = 0; i < N; i++) {
		char *ta = trail(a[i], mark), *tb = trail(b[i], mark);

		same += strcmp(ta, tb) == 0;
		changed += strstr(ta, "rule ") != NULL;
		if (strcmp(ta, tb) != 0)
			fprintf(stderr, "\none by one:\n%sat once:\n%s", ta, tb);
		free(ta);
		free(tb);
	}
	CU_ASSERT_EQUAL(same, N);
	CU_ASSERT(changed > N / 2);
	CU_ASSERT_STRING_EQUAL(status_of(b[0]), "CONFIRMED");   /* lazada, heavy */
	CU_ASSERT_STRING_EQUAL(status_of(b[3]), "ON_HOLD");     /* COD 2.2M, refused before */
	CU_ASSERT_STRING_EQUAL(status_of(b[1]), "CONFIRMED");   /* shopee */
	CU_ASSERT_STRING_EQUAL(status_of(b[6]), "NEW");         /* lazada, light */
	/* An unknown order: nothing of the batch stays. */
	{
		int64_t bad[2] = { b[1], 999999 }, n0, n1;

		n0 = count("SELECT count(*) FROM audit WHERE ? = 0", 0);
		CU_ASSERT_EQUAL(rules_apply_many(&sup, bad, 2), DB_ENOTFOUND);
		n1 = count("SELECT count(*) FROM audit WHERE ? = 0", 0);
		CU_ASSERT_EQUAL(n0, n1);
	}
	{
		int64_t cnt, bad;
		char msg[256];

		CU_ASSERT_EQUAL(audit_verify(db, &cnt, &bad, msg, sizeof msg), 0);
	}
}

int
main(void)
{
	CU_pSuite lang, dbs;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	lang = CU_add_suite("rules_language", NULL, NULL);
	CU_add_test(lang, "conditions", test_conditions);
	CU_add_test(lang, "no ship-by", test_no_ship_by);
	CU_add_test(lang, "errors", test_errors);
	CU_add_test(lang, "nul", test_nul);
	CU_add_test(lang, "order and stop", test_order_and_stop);
	CU_add_test(lang, "nasty inputs", test_nasty);
	CU_add_test(lang, "duration", test_duration);
	dbs = CU_add_suite("rules_db", setup, teardown);
	CU_add_test(dbs, "store", test_store);
	CU_add_test(dbs, "intake", test_intake);
	CU_add_test(dbs, "dry run", test_dry_run);
	CU_add_test(dbs, "audit JSON", test_audit_json);
	CU_add_test(dbs, "many at once as one by one", test_many);
	return tu_run();
}

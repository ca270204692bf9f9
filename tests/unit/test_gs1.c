/*
 * test_gs1.c — GS1 element strings in scans, table-driven: valid forms (raw with GS or a
 * substitute, with and without symbology identifiers, human-readable) and malformed ones
 * (bad check digit, truncated AI, unknown AI, missing separator, overlong field).
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "core/clock.h"
#include "core/gs1.h"
#include "testutil.h"

#define GS "\x1d"

struct row {
	const char *name;
	const char *text;
	int sub;
	int rc;                     /* 0 or -1 */
	int is_gs1;
	const char *gtin;           /* expected field values when rc is 0 */
	const char *lot;
	int64_t expiry;
	int nelems;
	const char *err;            /* a part of the message when rc is -1 */
};

static const struct row rows[] = {
	{ "plain EAN-13 stays plain", "8935049501503", 0, 0, 0, "", "", 0, 0, NULL },
	{ "non-GS1 symbology id", "]E08935049501503", 0, 0, 0, "", "", 0, 0, NULL },
	{ "GS1-128 GTIN, lot, expiry", "]C10108935049501503" "10LOT-7" GS "17261231", 0, 0, 1,
	  "08935049501503", "LOT-7", 1798675200, 3, NULL },
	{ "DataMatrix, fixed then variable last", "]d2010950600013435217261231" "10AB12", 0,
	  0, 1, "09506000134352", "AB12", 1798675200, 3, NULL },
	{ "QR with a leading FNC1", "]Q3" GS "0109506000134352", 0, 0, 1, "09506000134352",
	  "", 0, 1, NULL },
	{ "leading GS alone marks GS1", GS "0109506000134352" "21SN1", 0, 0, 1,
	  "09506000134352", "", 0, 2, NULL },
	{ "GS inside without symbology id", "0109506000134352" "10X" GS "21Y", 0, 0, 1,
	  "09506000134352", "X", 0, 3, NULL },
	{ "substitute '|' between fields", "]C1010950600013435210LOT9|17270600", '|', 0, 1,
	  "09506000134352", "LOT9", 1814313600, 3, NULL },
	{ "substitute also as the leading FNC1", "^0109506000134352" "10L^21S", '^', 0, 1,
	  "09506000134352", "L", 0, 3, NULL },
	{ "substitute inside, no symbology id", "0109506000134352" "10L~37" "5", '~', 0, 1,
	  "09506000134352", "L", 0, 3, NULL },
	{ "GS still works with a substitute", "]C10109506000134352" "10Q" GS "375", '|', 0, 1,
	  "09506000134352", "Q", 0, 3, NULL },
	{ "human-readable form", "(01)09506000134352(17)260200(10)B7", 0, 0, 1,
	  "09506000134352", "B7", 1772236800, 3, NULL },
	{ "SSCC", "]C100106141411234567897", 0, 0, 1, "", "", 0, 1, NULL },
	{ "GLN ship-to with a check digit", "]C14103761234500007", 0, 0, 1, "", "", 0, 1,
	  NULL },
	{ "three-digit variable AI", "]C1400PO-12" GS "0109506000134352", 0, 0, 1,
	  "09506000134352", "", 0, 2, NULL },
	{ "lot of exactly 20", "]C110ABCDEFGHIJKLMNOPQRST", 0, 0, 1, "",
	  "ABCDEFGHIJKLMNOPQRST", 0, 1, NULL },

	{ "bad GTIN check digit", "]C10109506000134353", 0, -1, 1, NULL, NULL, 0, 0,
	  "wrong check digit" },
	{ "bad SSCC check digit", "]C100106141411234567890", 0, -1, 1, NULL, NULL, 0, 0,
	  "SSCC 106141411234567890 has a wrong check digit" },
	{ "bad GLN check digit", "]C14103761234500008", 0, -1, 1, NULL, NULL, 0, 0,
	  "wrong check digit" },
	{ "bad check digit, human form", "(01)09506000134350", 0, -1, 1, NULL, NULL, 0, 0,
	  "wrong check digit" },
	{ "truncated fixed field", "]C1010950600013", 0, -1, 1, NULL, NULL, 0, 0,
	  "(01): truncated, 10 of 14" },
	{ "truncated AI at the end", "]C10109506000134352" "31", 0, -1, 1, NULL, NULL, 0, 0,
	  "truncated application identifier '31'" },
	{ "truncated AI before GS", "]C10109506000134352" "3" GS "10A", 0, -1, 1, NULL, NULL,
	  0, 0, "truncated application identifier '3'" },
	{ "unknown AI", "]C19912345", 0, -1, 1, NULL, NULL, 0, 0,
	  "unknown application identifier at '9912345'" },
	{ "unknown AI after a good one", "]C10109506000134352" "8200x", 0, -1, 1, NULL, NULL,
	  0, 0, "unknown application identifier" },
	{ "unknown AI, human form", "(99)x", 0, -1, 1, NULL, NULL, 0, 0, "(99) is not supported" },
	{ "missing separator after a lot", "]C110ABCDEFGHIJKLMNOP17261231", 0, -1, 1, NULL,
	  NULL, 0, 0, "(10): missing separator" },
	{ "missing separator, substitute lost", "]C121SERIAL-0001-XYZ0109506000134352", '|',
	  -1, 1, NULL, NULL, 0, 0, "(21): missing separator" },
	{ "overlong lot", "]C110ABCDEFGHIJKLMNOPQRSTU", 0, -1, 1, NULL, NULL, 0, 0,
	  "(10): overlong field, 21 characters where at most 20" },
	{ "overlong count", "]C137123456789", 0, -1, 1, NULL, NULL, 0, 0,
	  "(37): overlong field, 9 characters" },
	{ "overlong lot, human form", "(10)ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0, -1, 1, NULL, NULL,
	  0, 0, "(10): overlong field, 26" },
	{ "empty variable field", "]C110" GS "0109506000134352", 0, -1, 1, NULL, NULL, 0, 0,
	  "(10): empty field" },
	{ "bad date", "]C117261340", 0, -1, 1, NULL, NULL, 0, 0, "not a date" },
	{ "letters in a numeric AI", "]C1010950600013435X", 0, -1, 1, NULL, NULL, 0, 0,
	  "must be digits" },
	{ "control character in a lot", "]C110AB\x01" "C", 0, -1, 1, NULL, NULL, 0, 0,
	  "character 0x01 is not allowed" },
	{ "digit as substitute", "]C10109506000134352", '5', -1, 0, NULL, NULL, 0, 0,
	  "cannot stand for FNC1" },
	{ "wrong length, human form", "(01)0950600013435", 0, -1, 1, NULL, NULL, 0, 0,
	  "(01): wrong length 13" },
};

static void
test_table(void)
{
	size_t i;

	clock_fix(TEST_EPOCH);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct gs1 g;
		char err[256] = "";
		int rc = gs1_parse_sub(r->text, r->sub, &g, err, sizeof err);
		int ok = rc == r->rc;

		if (rc == 0 && ok) {
			ok = g.is_gs1 == r->is_gs1 && strcmp(g.gtin, r->gtin) == 0 &&
			    strcmp(g.lot, r->lot) == 0 && g.expiry == r->expiry &&
			    g.nelems == r->nelems;
		} else if (rc != 0 && ok) {
			ok = strstr(err, r->err) != NULL && strchr(err, '\n') == NULL;
		}
		if (!ok)
			fprintf(stderr, "\n  row '%s': rc %d is_gs1 %d gtin '%s' lot '%s' "
			    "expiry %lld nelems %d err '%s'\n", r->name, rc, g.is_gs1, g.gtin, g.lot,
			    (long long)g.expiry, g.nelems, err);
		CU_ASSERT_TRUE(ok);
		/* Without a substitute, gs1_parse must agree whenever no substitute is in play. */
		if (r->sub == 0) {
			struct gs1 g2;
			char err2[256] = "";

			CU_ASSERT_EQUAL(gs1_parse(r->text, &g2, err2, sizeof err2), rc);
			CU_ASSERT_STRING_EQUAL(err2, err);
		}
	}
	clock_real();
}

static void
test_elements(void)
{
	struct gs1 g;
	char err[256];

	clock_fix(TEST_EPOCH);
	CU_ASSERT_EQUAL(gs1_parse("]C10109506000134352" "3102001250" "10L1" GS "37" "12", &g,
	    err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(g.symbology, "]C1");
	CU_ASSERT_EQUAL(g.nelems, 4);
	CU_ASSERT_STRING_EQUAL(g.elems[0].ai, "01");
	CU_ASSERT_STRING_EQUAL(g.elems[0].value, "09506000134352");
	CU_ASSERT_EQUAL(g.elems[0].checked, 1);
	CU_ASSERT_STRING_EQUAL(g.elems[1].ai, "3102");
	CU_ASSERT_EQUAL(g.elems[1].checked, 0);
	CU_ASSERT_EQUAL(g.net_g, 12500);
	CU_ASSERT_STRING_EQUAL(g.elems[2].value, "L1");
	CU_ASSERT_EQUAL(g.count, 12);
	CU_ASSERT_STRING_EQUAL(gs1_ai_title("17"), "USE BY OR EXPIRY");
	CU_ASSERT_STRING_EQUAL(gs1_ai_title("3103"), "NET WEIGHT (kg)");
	CU_ASSERT_STRING_EQUAL(gs1_ai_title("99"), "");
	CU_ASSERT_STRING_EQUAL(gs1_ai_title("0"), "");

	/* After an error, the elements before it are kept, the bad one marked. */
	CU_ASSERT_EQUAL(gs1_parse("]C1172612310109506000134353", &g, err, sizeof err), -1);
	CU_ASSERT_EQUAL(g.nelems, 2);
	CU_ASSERT_EQUAL(g.elems[1].checked, -1);
	CU_ASSERT_EQUAL(g.expiry, 1798675200);

	/* Dates: day 00 is the month's last; 12, 13, 16 are checked but not stored. */
	CU_ASSERT_EQUAL(gs1_parse("(17)240200", &g, err, sizeof err), 0);
	CU_ASSERT_EQUAL(g.expiry, 1709164800);
	CU_ASSERT_EQUAL(gs1_parse("(13)240200(16)261231", &g, err, sizeof err), 0);
	CU_ASSERT_EQUAL(g.expiry, 0);
	CU_ASSERT_EQUAL(g.produced, 0);
	CU_ASSERT_EQUAL(gs1_parse("(16)261232", &g, err, sizeof err), -1);
	clock_real();
}

static void
test_check_digit(void)
{
	CU_ASSERT_EQUAL(gs1_check_digit("8935049501503"), 1);
	CU_ASSERT_EQUAL(gs1_check_digit("8935049501504"), 0);
	CU_ASSERT_EQUAL(gs1_check_digit("106141411234567897"), 1);
	CU_ASSERT_EQUAL(gs1_check_digit("96385074"), 1);
	CU_ASSERT_EQUAL(gs1_check_digit("12A4"), -1);
	CU_ASSERT_EQUAL(gs1_check_digit("1"), -1);
	CU_ASSERT_EQUAL(gs1_check_digit("1234567890123456789"), -1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("gs1", NULL, NULL);
	CU_add_test(s, "valid and malformed scans, table-driven", test_table);
	CU_add_test(s, "elements, titles, partial results, dates", test_elements);
	CU_add_test(s, "mod-10 check digits", test_check_digit);
	return tu_run();
}

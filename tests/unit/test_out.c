/* test_out.c — table, CSV and JSON listings. */
#include <CUnit/CUnit.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/app/out.h"
#include "testutil.h"

static const struct out_col cols[] = { { "id", 1 }, { "buyer", 0 } };

static char *
render(enum out_format fmt)
{
	const char *r1[] = { "7", "Nguyễn Văn A" }, *r2[] = { "12", "say \"hi\", ok" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct out *o = out_begin(fp, fmt, cols, 2);

	out_row(o, r1);
	out_row(o, r2);
	out_end(o);
	fclose(fp);
	return buf;
}

static void
test_csv(void)
{
	char *s = render(OUT_CSV);

	CU_ASSERT_STRING_EQUAL(s, "id,buyer\n7,Nguyễn Văn A\n12,\"say \"\"hi\"\", ok\"\n");
	free(s);
}

static void
test_json(void)
{
	char *s = render(OUT_JSON);

	CU_ASSERT_STRING_EQUAL(s, "[\n {\"id\": 7, \"buyer\": \"Nguyễn Văn A\"},\n"
	    " {\"id\": 12, \"buyer\": \"say \\\"hi\\\", ok\"}\n]\n");
	free(s);
}

/* Columns line up by display width, not bytes, with diacritics. */
static void
test_table(void)
{
	char *s = render(OUT_TABLE);

	CU_ASSERT_STRING_EQUAL(s, "id  buyer\n 7  Nguyễn Văn A\n12  say \"hi\", ok\n");
	free(s);
}

static void
test_parse(void)
{
	enum out_format f;

	CU_ASSERT_EQUAL(out_format_parse("json", &f), 0);
	CU_ASSERT_EQUAL(f, OUT_JSON);
	CU_ASSERT_EQUAL(out_format_parse("xml", &f), -1);
}

int
main(void)
{
	CU_pSuite s;

	setlocale(LC_ALL, "C.UTF-8");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("out", NULL, NULL);
	CU_add_test(s, "csv", test_csv);
	CU_add_test(s, "json", test_json);
	CU_add_test(s, "table", test_table);
	CU_add_test(s, "format names", test_parse);
	return tu_run();
}

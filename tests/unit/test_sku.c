/* test_sku.c — GTIN check digits, SKU upsert, barcode look-up, the data-quality check. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "core/db.h"
#include "core/sku.h"
#include "testutil.h"

static struct db *db;
static char dbpath[256];
static struct session sys;

static int
setup(void)
{
	db = tu_db(dbpath);
	tu_session(&sys, db, ROLE_SYSTEM);
	return 0;
}

static int
teardown(void)
{
	tu_db_free(db, dbpath);
	return 0;
}

static int64_t
count(const char *sql)
{
	int64_t n = -1;

	db_int(db, &n, sql, "");
	return n;
}

static int
add(const char *sku, const char *const *codes, const int64_t *packs, int64_t weight)
{
	struct sku_barcode_in bc[8];
	struct sku_in in = { 0 };
	size_t n = 0;

	for (; codes != NULL && codes[n] != NULL; n++) {
		bc[n].code = codes[n];
		bc[n].pack_qty = packs != NULL ? packs[n] : 1;
	}
	in.sku = sku;
	in.name = sku;
	in.barcodes = bc;
	in.nbarcodes = n;
	in.weight_g = weight;
	in.cost = -1;
	return sku_upsert(&sys, &in, NULL);
}

static void
test_gtin(void)
{
	CU_ASSERT_EQUAL(gtin_check("96385074"), 1);             /* GTIN-8 */
	CU_ASSERT_EQUAL(gtin_check("036000291452"), 1);         /* GTIN-12 (UPC-A) */
	CU_ASSERT_EQUAL(gtin_check("4006381333931"), 1);        /* GTIN-13 */
	CU_ASSERT_EQUAL(gtin_check("8934567890120"), 1);
	CU_ASSERT_EQUAL(gtin_check("10012345678902"), 1);       /* GTIN-14 */
	CU_ASSERT_EQUAL(gtin_check("96385075"), 0);
	CU_ASSERT_EQUAL(gtin_check("036000291453"), 0);
	CU_ASSERT_EQUAL(gtin_check("8934567890128"), 0);        /* should end in 0 */
	CU_ASSERT_EQUAL(gtin_check("10012345678903"), 0);
	CU_ASSERT_EQUAL(gtin_check(""), -1);
	CU_ASSERT_EQUAL(gtin_check("1234567"), -1);
	CU_ASSERT_EQUAL(gtin_check("12345678901"), -1);         /* 11 digits */
	CU_ASSERT_EQUAL(gtin_check("123456789012345"), -1);     /* 15 digits */
	CU_ASSERT_EQUAL(gtin_check("400638133393A"), -1);
	CU_ASSERT_EQUAL(gtin_check("ABC-12345"), -1);
}

static void
test_upsert(void)
{
	static const char *const codes1[] = { "8934567890113", "18934567890110", NULL };
	static const int64_t packs1[] = { 1, 12 };
	static const char *const codes2[] = { "8934567890137", NULL };
	struct session packer;
	int64_t id = 0, id2 = 0, sku_id, pack, audits;

	CU_ASSERT_EQUAL(add("TEA-1", codes1, packs1, 250), 0);
	CU_ASSERT_EQUAL(sku_find(&sys, "TEA-1", &id), 0);
	CU_ASSERT(id > 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM barcode WHERE sku_id = "
	    "(SELECT id FROM sku WHERE sku = 'TEA-1')"), 2);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'sku' AND "
	    "action = 'create'"), 1);

	/* The same data again changes nothing and writes no audit record. */
	audits = count("SELECT count(*) FROM audit");
	CU_ASSERT_EQUAL(add("TEA-1", codes1, packs1, 250), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit"), audits);

	/* An update replaces the barcode set and is audited with before and after. */
	CU_ASSERT_EQUAL(add("TEA-1", codes2, NULL, 260), 0);
	CU_ASSERT_EQUAL(sku_find(&sys, "TEA-1", &id2), 0);
	CU_ASSERT_EQUAL(id2, id);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM barcode WHERE sku_id = "
	    "(SELECT id FROM sku WHERE sku = 'TEA-1')"), 1);
	CU_ASSERT_EQUAL(count("SELECT weight_g FROM sku WHERE sku = 'TEA-1'"), 260);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM audit WHERE entity = 'sku' AND "
	    "action = 'update' AND before LIKE '%18934567890110*12%' AND "
	    "after LIKE '%8934567890137%'"), 1);
	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "18934567890110", &sku_id, &pack), DB_ENOTFOUND);

	/* Unknown weight and cost are stored as NULL. */
	CU_ASSERT_EQUAL(add("TEA-2", NULL, NULL, -1), 0);
	CU_ASSERT_EQUAL(count("SELECT count(*) FROM sku WHERE sku = 'TEA-2' AND "
	    "weight_g IS NULL AND cost IS NULL"), 1);

	/* Only admins (or the system) change the SKU master. */
	tu_session(&packer, db, ROLE_SUPERVISOR);
	{
		struct sku_in in = { .sku = "X-1", .name = "x", .weight_g = 1, .cost = 1 };

		CU_ASSERT_EQUAL(sku_upsert(&packer, &in, NULL), DB_EPERM);
		CU_ASSERT_PTR_NOT_NULL(strstr(packer.err, "admin"));
	}
	CU_ASSERT_EQUAL(sku_find(&sys, "X-1", &id), DB_ENOTFOUND);

	/* Bad input gets a message, not a half-written SKU. */
	{
		struct sku_barcode_in dup[] = { { "111", 1 }, { "111", 2 } };
		struct sku_in in = { .sku = "X-2", .name = "x", .barcodes = dup, .nbarcodes = 2,
		    .weight_g = 1, .cost = 1 };

		CU_ASSERT_EQUAL(sku_upsert(&sys, &in, NULL), DB_EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "twice"));
		dup[1].code = "112";
		dup[1].pack_qty = 0;
		CU_ASSERT_EQUAL(sku_upsert(&sys, &in, NULL), DB_EINVAL);
		in.name = "";
		CU_ASSERT_EQUAL(sku_upsert(&sys, &in, NULL), DB_EINVAL);
	}
	CU_ASSERT_EQUAL(sku_find(&sys, "X-2", &id), DB_ENOTFOUND);
}

static void
test_by_barcode(void)
{
	static const char *const codes[] = { "8934567890144", "18934567890110", NULL };
	static const int64_t packs[] = { 1, 6 };
	static const char *const shared_a[] = { "SHARED-1", NULL };
	int64_t want, sku_id = 0, pack = 0;

	CU_ASSERT_EQUAL(add("MILK-1", codes, packs, 1000), 0);
	CU_ASSERT_EQUAL(sku_find(&sys, "MILK-1", &want), 0);

	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "8934567890144", &sku_id, &pack), 0);
	CU_ASSERT_EQUAL(sku_id, want);
	CU_ASSERT_EQUAL(pack, 1);
	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "18934567890110", &sku_id, &pack), 0);
	CU_ASSERT_EQUAL(sku_id, want);
	CU_ASSERT_EQUAL(pack, 6);
	/* A GTIN-13 read out of a GS1 (01) element arrives padded to 14 digits. */
	sku_id = pack = 0;
	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "08934567890144", &sku_id, &pack), 0);
	CU_ASSERT_EQUAL(sku_id, want);
	CU_ASSERT_EQUAL(pack, 1);

	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "8934567890151", &sku_id, &pack), DB_ENOTFOUND);
	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "NOPE", &sku_id, &pack), DB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "NOPE"));

	CU_ASSERT_EQUAL(add("SH-A", shared_a, NULL, 10), 0);
	CU_ASSERT_EQUAL(add("SH-B", shared_a, NULL, 10), 0);
	CU_ASSERT_EQUAL(sku_by_barcode(&sys, "SHARED-1", &sku_id, &pack), DB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sys.err, "more than one SKU"));
}

static const struct sku_issue *
find_issue(const struct sku_issue *v, size_t n, const char *sku, const char *kind)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].sku, sku) == 0 && strcmp(v[i].kind, kind) == 0)
			return &v[i];
	}
	return NULL;
}

static void
test_check(void)
{
	static const char *const good[] = { "8935000000014", "ABC-PACK", NULL };
	static const char *const dup[] = { "8935000000021", NULL };
	static const char *const bad[] = { "8934567890128", NULL };
	const struct sku_issue *it;
	struct sku_issue *v = NULL;
	size_t n = 0, i;

	/* A database of its own, so earlier tests' SKUs do not count. */
	tu_db_free(db, dbpath);
	setup();

	CU_ASSERT_EQUAL(add("GOOD", good, NULL, 100), 0);
	CU_ASSERT_EQUAL(add("DUP-A", dup, NULL, 100), 0);
	CU_ASSERT_EQUAL(add("DUP-B", dup, NULL, 100), 0);
	CU_ASSERT_EQUAL(add("NOCODE", NULL, NULL, 100), 0);
	CU_ASSERT_EQUAL(add("BADGTIN", bad, NULL, 100), 0);
	CU_ASSERT_EQUAL(add("NOWEIGHT", good + 1, NULL, -1), 0);
	CU_ASSERT_EQUAL(sku_check(&sys, &v, &n), 0);

	CU_ASSERT_PTR_NOT_NULL(it = find_issue(v, n, "DUP-A", "duplicate-barcode"));
	if (it != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(it->detail, "DUP-B"));
	CU_ASSERT_PTR_NOT_NULL(it = find_issue(v, n, "DUP-B", "duplicate-barcode"));
	if (it != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(it->detail, "8935000000021"));
	CU_ASSERT_PTR_NOT_NULL(find_issue(v, n, "NOCODE", "missing-barcode"));
	CU_ASSERT_PTR_NOT_NULL(it = find_issue(v, n, "BADGTIN", "bad-gtin"));
	if (it != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(it->detail, "8934567890128"));
	CU_ASSERT_PTR_NOT_NULL(find_issue(v, n, "NOWEIGHT", "missing-weight"));
	/* "ABC-PACK" is on GOOD and NOWEIGHT: shared too. */
	CU_ASSERT_PTR_NOT_NULL(find_issue(v, n, "NOWEIGHT", "duplicate-barcode"));
	CU_ASSERT_PTR_NOT_NULL(find_issue(v, n, "GOOD", "duplicate-barcode"));
	CU_ASSERT_EQUAL(n, 7);
	for (i = 0; i < n; i++)
		CU_ASSERT(strcmp(v[i].sku, "GOOD") != 0 ||
		    strcmp(v[i].kind, "duplicate-barcode") == 0);
	/* Sorted by SKU. */
	for (i = 1; i < n; i++)
		CU_ASSERT(strcmp(v[i - 1].sku, v[i].sku) <= 0);
	free(v);

	/* A clean master reports nothing. */
	tu_db_free(db, dbpath);
	setup();
	CU_ASSERT_EQUAL(add("GOOD", good, NULL, 100), 0);
	v = NULL;
	CU_ASSERT_EQUAL(sku_check(&sys, &v, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(v);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sku", setup, teardown);
	CU_add_test(s, "gtin_check", test_gtin);
	CU_add_test(s, "upsert", test_upsert);
	CU_add_test(s, "by_barcode", test_by_barcode);
	CU_add_test(s, "check", test_check);
	return tu_run();
}

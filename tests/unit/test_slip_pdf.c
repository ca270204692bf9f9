/* test_slip_pdf.c — the packing slip as PDF: A4 and A6, Vietnamese text, many pages.
 * When pdftotext (poppler-utils) is installed, the text is read back out of the PDF. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/slip_pdf.h"
#include "testutil.h"

static struct label_line lines[40];
static struct label_data d = {
	.channel = "Shopee", .shop = "Shop Thời Trang HCM", .order_no = "251127ABCD01",
	.tracking_no = "SPXVN041234567", .carrier = "SPX", .name = "Nguyễn Thị Hương",
	.phone = "0912345678", .address = "12 Lê Lợi, Phường Bến Thành",
	.district = "Quận 1", .province = "Hồ Chí Minh", .cod = 186000, .currency = "VND",
	.weight_g = 1250, .pkg_no = 1, .pkg_count = 2, .packed_at = TEST_EPOCH,
	.station = "ST-07", .font = "", .lines = lines, .nlines = 2,
};

static int
setup(void)
{
	static char names[40][48];
	size_t i;

	lines[0] = (struct label_line){ "AO-THUN-M", "Áo thun cotton, size M", "", 2 };
	lines[1] = (struct label_line){ "SUA-1L", "Sữa tươi tiệt trùng 1L",
	    "L2401 x2, L2402 x1", 3 };
	for (i = 2; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "Bánh đậu xanh Hải Dương %zu", i + 1);
		lines[i] = (struct label_line){ "BANH-DX", names[i], "L7", 1 };
	}
	return 0;
}

static int
have_pdftotext(void)
{
	return system("command -v pdftotext >/dev/null 2>&1") == 0;
}

/* The text of the PDF through pdftotext, or NULL. */
static char *
pdf_text(const unsigned char *pdf, size_t len)
{
	char dir[] = "/tmp/pbslip-XXXXXX", in[64], out[64], cmd[200];
	char *text = NULL;
	size_t tlen;
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(in, sizeof in, "%s/s.pdf", dir);
	snprintf(out, sizeof out, "%s/s.txt", dir);
	if ((fp = fopen(in, "wb")) != NULL) {
		fwrite(pdf, 1, len, fp);
		fclose(fp);
		snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s %s", in, out);
		if (system(cmd) == 0)
			text = tu_slurp(out, &tlen);
	}
	unlink(in);
	unlink(out);
	rmdir(dir);
	return text;
}

static void
check(enum slip_size size, size_t nlines, int want_pages)
{
	unsigned char *pdf = NULL;
	char err[512], *text, pages[32];
	size_t len;

	d.nlines = nlines;
	err[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(slip_pdf(&d, size, &pdf, &len, err, sizeof err), 0);
	CU_ASSERT(len > 1000);
	CU_ASSERT(memcmp(pdf, "%PDF-", 5) == 0);
	CU_ASSERT(len > 6 && memmem(pdf + len - 7, 7, "%%EOF", 5) != NULL);
	snprintf(pages, sizeof pages, "/Count %d", want_pages);
	CU_ASSERT(memmem(pdf, len, pages, strlen(pages)) != NULL);
	if (have_pdftotext() && (text = pdf_text(pdf, len)) != NULL) {
		CU_ASSERT(strstr(text, "PHIẾU ĐÓNG GÓI") != NULL);
		CU_ASSERT(strstr(text, "251127ABCD01") != NULL);
		CU_ASSERT(strstr(text, "Nguyễn Thị Hương") != NULL);
		CU_ASSERT(strstr(text, "Hồ Chí Minh") != NULL);
		CU_ASSERT(strstr(text, "Sữa tươi tiệt trùng 1L") != NULL);
		CU_ASSERT(strstr(text, "L2401 x2") != NULL);
		CU_ASSERT(strstr(text, "186.000 VND") != NULL);
		free(text);
	}
	free(pdf);
}

static void
test_a4(void)
{
	check(SLIP_A4, 2, 1);
}

static void
test_a6(void)
{
	check(SLIP_A6, 2, 1);
}

static void
test_pages(void)
{
	check(SLIP_A4, 40, 2);
	check(SLIP_A6, 40, 2);
}

static void
test_font(void)
{
	char err[256];
	enum slip_size sz;

	err[0] = '\0';
	CU_ASSERT_EQUAL(slip_pdf_font_check(err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(slip_pdf_size_parse("A6", &sz), 0);
	CU_ASSERT_EQUAL(sz, SLIP_A6);
	CU_ASSERT_EQUAL(slip_pdf_size_parse("letter", &sz), -1);
	if (!have_pdftotext())
		printf("\n    (pdftotext not installed: Vietnamese text not read back) ");
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("slip_pdf", setup, NULL);
	CU_add_test(s, "font", test_font);
	CU_add_test(s, "a4", test_a4);
	CU_add_test(s, "a6", test_a6);
	CU_add_test(s, "pages", test_pages);
	rc = tu_run();
	slip_pdf_cleanup();
	return rc;
}

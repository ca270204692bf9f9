/*
 * test_vm_orders.c — the order list view-model without curses: SLA roles against a
 * fixed clock, ordering, selection and scrolling, status filter, diacritic-blind search,
 * and fitting text by display width (Vietnamese with precomposed and combining marks).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "testutil.h"
#include "core/xalloc.h"
#include "vm_orders.h"

#define NOW ((int64_t)TEST_EPOCH)
#define H 3600

static struct order_row
mkrow(int64_t id, const char *no, enum order_status st, int64_t ship_by, int64_t cod,
    const char *buyer, const char *province)
{
	struct order_row r;

	memset(&r, 0, sizeof r);
	r.id = id;
	snprintf(r.order_no, sizeof r.order_no, "%s", no);
	snprintf(r.channel, sizeof r.channel, "%s", id % 3 == 0 ? "shopee" :
	    id % 3 == 1 ? "lazada" : "tiktok");
	snprintf(r.shop, sizeof r.shop, "shop%lld", (long long)(id % 2));
	r.status = st;
	r.created_at = NOW - 24 * H;
	r.ship_by = ship_by;
	r.cod = cod;
	r.total = cod > 0 ? cod : 100000;
	snprintf(r.currency, sizeof r.currency, "VND");
	snprintf(r.buyer_name, sizeof r.buyer_name, "%s", buyer);
	snprintf(r.province, sizeof r.province, "%s", province);
	r.lines = 1;
	r.units = 1;
	return r;
}

/* Send a UTF-8 string as typed keys. */
static void
type(struct vm_orders *vm, const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t k, n = strlen(s);

	memset(&st, 0, sizeof st);
	while (n > 0 && (k = mbrtowc(&wc, s, n, &st)) != (size_t)-1 && k != (size_t)-2 &&
	    k != 0) {
		vm_orders_key(vm, (int)wc);
		s += k;
		n -= k;
	}
}

static int
has_text(const char *line, const char *needle)
{
	return strstr(line, needle) != NULL;
}

static void
test_roles_and_order(void)
{
	struct order_row rows[] = {
		mkrow(1, "NORMAL10H", ST_NEW, NOW + 10 * H, 0, "Trần Văn Hùng", "Hà Nội"),
		mkrow(2, "OVERDUE3H", ST_CONFIRMED, NOW - 3 * H, 250000, "Nguyễn Thị Hương",
		    "Hồ Chí Minh"),
		mkrow(3, "SOON2H", ST_NEW, NOW + 2 * H, 1250000, "Lê Minh Khoa", "Đà Nẵng"),
		mkrow(4, "HOLD20H", ST_ON_HOLD, NOW + 20 * H, 3000000, "Phạm Thu Trang",
		    "Cần Thơ"),
		mkrow(5, "SHIPPED", ST_SHIPPED, NOW - 5 * H, 0, "Võ Thị Mai", "Huế"),
		mkrow(6, "EDGE4H", ST_NEW, NOW + 4 * H, 0, "Đỗ Văn Nam", "Cà Mau"),
		mkrow(7, "NOSHIPBY", ST_NEW, 0, 0, "Bùi Thị Lan", "An Giang"),
	};
	struct vm_orders vm;
	char line[VM_LINE_MAX];
	enum theme_role role;

	vm_orders_init(&vm, NULL, NOW);
	vm_orders_set_rows(&vm, rows, sizeof rows / sizeof rows[0]);
	vm_orders_layout(&vm, 80, 20);

	/* Default filter: open orders, most urgent ship-by first, none last. */
	CU_ASSERT_EQUAL(vm.nvis, 6);
	CU_ASSERT_STRING_EQUAL(vm.all[vm.vis[0]].order_no, "OVERDUE3H");
	CU_ASSERT_STRING_EQUAL(vm.all[vm.vis[1]].order_no, "SOON2H");
	CU_ASSERT_STRING_EQUAL(vm.all[vm.vis[2]].order_no, "EDGE4H");
	CU_ASSERT_STRING_EQUAL(vm.all[vm.vis[5]].order_no, "NOSHIPBY");

	role = vm_orders_line(&vm, 0, line, sizeof line);
	CU_ASSERT_EQUAL(role, ROLE_SLA_OVERDUE);
	CU_ASSERT(has_text(line, "overdue 3h"));
	CU_ASSERT(has_text(line, "250.000"));
	CU_ASSERT(has_text(line, "N. T. Hương"));
	CU_ASSERT(has_text(line, "Hồ Chí Minh"));
	CU_ASSERT_EQUAL(vm_orders_width(line), 80);

	role = vm_orders_line(&vm, 1, line, sizeof line);
	CU_ASSERT_EQUAL(role, ROLE_SLA_SOON);
	CU_ASSERT(has_text(line, "in 2h00m"));
	CU_ASSERT(has_text(line, "1.250.000"));

	/* Exactly 4 h out is still "soon"; the edge belongs to the warning. */
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 2, line, sizeof line), ROLE_SLA_SOON);
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 3, line, sizeof line), ROLE_NORMAL);
	CU_ASSERT(has_text(line, "in 10h"));
	CU_ASSERT(has_text(line, "—"));    /* prepaid */
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 4, line, sizeof line), ROLE_HOLD);
	CU_ASSERT(has_text(line, "on hold"));
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 5, line, sizeof line), ROLE_NORMAL);

	/* Shipped orders are past the SLA: shown under "all", never red. */
	CU_ASSERT_EQUAL(vm.overdue, 1);
	CU_ASSERT_EQUAL(vm.soon, 2);
	CU_ASSERT_EQUAL(vm.counts[ST_NEW], 4);
	CU_ASSERT_EQUAL(vm_orders_role(&vm, &rows[4]), ROLE_DONE);
	vm_orders_free(&vm);
}

static void
test_tick(void)
{
	struct order_row rows[] = {
		mkrow(1, "A", ST_NEW, NOW + 30, 0, "Lê Văn Tám", "Hà Nội"),
		mkrow(2, "B", ST_NEW, NOW + 5 * H, 0, "Lê Thị Sáu", "Hà Nội"),
	};
	struct vm_orders vm;
	char line[VM_LINE_MAX];

	vm_orders_init(&vm, NULL, NOW);
	vm_orders_set_rows(&vm, rows, 2);
	vm_orders_layout(&vm, 80, 10);
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 0, line, sizeof line), ROLE_SLA_SOON);
	CU_ASSERT(has_text(line, "in 0m"));
	/* Same minute, nothing changes: no redraw. */
	CU_ASSERT_EQUAL(vm_orders_tick(&vm, NOW + 1), 0);
	/* Past the deadline within the same minute: the colour changes, redraw. */
	CU_ASSERT(vm_orders_tick(&vm, NOW + 31) & VM_REDRAW);
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 0, line, sizeof line), ROLE_SLA_OVERDUE);
	CU_ASSERT(has_text(line, "overdue 1m"));
	CU_ASSERT_EQUAL(vm.overdue, 1);
	/* A new minute always redraws (relative times and the clock). */
	CU_ASSERT(vm_orders_tick(&vm, NOW + 61) & VM_REDRAW);
	CU_ASSERT(vm_orders_tick(&vm, NOW + 2 * H) & VM_REDRAW);
	CU_ASSERT_EQUAL(vm_orders_line(&vm, 1, line, sizeof line), ROLE_SLA_SOON);
	vm_orders_free(&vm);
}

static void
test_selection(void)
{
	struct order_row rows[50];
	struct vm_orders vm;
	char no[16];
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(no, sizeof no, "N%02d", i);
		rows[i] = mkrow(i + 1, no, ST_CONFIRMED, NOW + (i + 1) * 600, 0, "Hà Anh Tuấn",
		    "Huế");
	}
	vm_orders_init(&vm, NULL, NOW);
	vm_orders_set_rows(&vm, rows, 50);
	vm_orders_layout(&vm, 80, 10);
	CU_ASSERT_EQUAL(vm.sel, 0);
	CU_ASSERT_EQUAL(vm_orders_key(&vm, VK_UP) & VM_HANDLED, VM_HANDLED);
	CU_ASSERT_EQUAL(vm.sel, 0);
	vm_orders_key(&vm, VK_DOWN);
	vm_orders_key(&vm, VK_DOWN);
	vm_orders_key(&vm, 'j');
	CU_ASSERT_EQUAL(vm.sel, 3);
	CU_ASSERT_EQUAL(vm.top, 0);
	CU_ASSERT(vm_orders_key(&vm, VK_PGDN) & VM_REDRAW);
	CU_ASSERT_EQUAL(vm.sel, 12);
	CU_ASSERT(vm.sel >= vm.top && vm.sel < vm.top + 10);
	vm_orders_key(&vm, VK_END);
	CU_ASSERT_EQUAL(vm.sel, 49);
	CU_ASSERT_EQUAL(vm.top, 40);
	vm_orders_key(&vm, VK_DOWN);
	CU_ASSERT_EQUAL(vm.sel, 49);
	vm_orders_key(&vm, VK_PGUP);
	CU_ASSERT_EQUAL(vm.sel, 40);
	CU_ASSERT_EQUAL(vm.top, 40);
	vm_orders_key(&vm, 'k');
	CU_ASSERT_EQUAL(vm.sel, 39);
	CU_ASSERT_EQUAL(vm.top, 39);
	CU_ASSERT_EQUAL(vm_orders_selected(&vm), rows[39].id);
	vm_orders_key(&vm, VK_HOME);
	CU_ASSERT_EQUAL(vm.sel, 0);
	CU_ASSERT_EQUAL(vm.top, 0);
	/* A smaller screen keeps the selection visible. */
	vm_orders_key(&vm, VK_END);
	vm_orders_layout(&vm, 80, 3);
	CU_ASSERT(vm.sel >= vm.top && vm.sel < vm.top + 3);
	CU_ASSERT_EQUAL(vm_orders_key(&vm, 'q'), VM_HANDLED | VM_DONE);
	vm_orders_free(&vm);
}

static void
test_search(void)
{
	struct order_row rows[] = {
		mkrow(1, "2512013XKQ7P9M", ST_NEW, NOW + H, 0, "Nguyễn Thị Hương", "Hà Nội"),
		mkrow(2, "408742625828464", ST_NEW, NOW + 2 * H, 0, "Phạm Phương Linh", "Huế"),
		mkrow(3, "570701457869438119", ST_CONFIRMED, NOW + 3 * H, 0, "Trần Văn Hùng",
		    "Cà Mau"),
		mkrow(4, "261126UFV35511", ST_SHIPPED, NOW - H, 0, "Đặng Thị Hương", "Sơn La"),
	};
	struct vm_orders vm;
	struct vm_seg segs[16];
	int n, i, found;

	vm_orders_init(&vm, NULL, NOW);
	vm_orders_set_rows(&vm, rows, 4);
	vm_orders_layout(&vm, 80, 10);
	vm_orders_key(&vm, VK_DOWN);
	CU_ASSERT_EQUAL(vm_orders_selected(&vm), 2);

	/* Without diacritics finds the name at a word start: Hương, not Phương. */
	CU_ASSERT(vm_orders_key(&vm, '/') & VM_REDRAW);
	CU_ASSERT(vm.editing);
	type(&vm, "huong");
	CU_ASSERT_EQUAL(vm.nvis, 1);
	CU_ASSERT_EQUAL(vm_orders_selected(&vm), 1);
	/* The footer shows the prompt with what was typed. */
	n = vm_orders_footer(&vm, segs, 16, 80);
	for (i = found = 0; i < n; i++)
		found |= strcmp(segs[i].text, "huong_") == 0;
	CU_ASSERT(found);
	/* 'q' while typing is text, not quit. */
	CU_ASSERT_EQUAL(vm_orders_key(&vm, 'q') & VM_DONE, 0);
	CU_ASSERT_EQUAL(vm.nvis, 0);
	CU_ASSERT(vm_orders_key(&vm, VK_BACKSPACE) & VM_REDRAW);
	CU_ASSERT_EQUAL(vm.nvis, 1);
	vm_orders_key(&vm, VK_ENTER);
	CU_ASSERT(!vm.editing);
	CU_ASSERT_STRING_EQUAL(vm.search, "huong");

	/* With diacritics, and in capitals. */
	vm_orders_key(&vm, '/');
	type(&vm, "HƯƠNG");
	CU_ASSERT_EQUAL(vm.nvis, 1);
	/* Backspace takes a whole multibyte character. */
	vm_orders_key(&vm, VK_BACKSPACE);
	CU_ASSERT_STRING_EQUAL(vm.search, "HƯƠN");
	vm_orders_key(&vm, VK_ESC);
	CU_ASSERT(!vm.editing);
	CU_ASSERT_EQUAL(vm.search[0], '\0');
	CU_ASSERT_EQUAL(vm.nvis, 3);

	/* Order numbers match anywhere (people type the tail). */
	vm_orders_key(&vm, '/');
	type(&vm, "438119");
	CU_ASSERT_EQUAL(vm.nvis, 1);
	CU_ASSERT_EQUAL(vm_orders_selected(&vm), 3);
	vm_orders_key(&vm, VK_ENTER);
	/* Esc in the list clears a kept search; the selection stays on the order. */
	vm_orders_key(&vm, VK_ESC);
	CU_ASSERT_EQUAL(vm.nvis, 3);
	CU_ASSERT_EQUAL(vm_orders_selected(&vm), 3);

	/* The shipped Hương appears under "all". */
	vm_orders_key(&vm, 'S');
	CU_ASSERT_EQUAL(vm.filter, VM_FILTER_ALL);
	vm_orders_key(&vm, '/');
	type(&vm, "dang");
	CU_ASSERT_EQUAL(vm.nvis, 1);
	CU_ASSERT_EQUAL(vm_orders_selected(&vm), 4);
	vm_orders_free(&vm);
}

static void
test_filter(void)
{
	struct order_row rows[] = {
		mkrow(1, "A", ST_NEW, NOW + H, 0, "A", "Huế"),
		mkrow(2, "B", ST_CONFIRMED, NOW + H, 0, "B", "Huế"),
		mkrow(3, "C", ST_CONFIRMED, NOW + H, 0, "C", "Huế"),
		mkrow(4, "D", ST_CANCELLED, NOW + H, 0, "D", "Huế"),
	};
	struct vm_orders vm;

	vm_orders_init(&vm, NULL, NOW);
	vm_orders_set_rows(&vm, rows, 4);
	CU_ASSERT_EQUAL(vm.filter, VM_FILTER_OPEN);
	CU_ASSERT_EQUAL(vm.nvis, 3);
	vm_orders_key(&vm, 's');
	CU_ASSERT_EQUAL(vm.filter, ST_NEW);
	CU_ASSERT_EQUAL(vm.nvis, 1);
	vm_orders_key(&vm, 's');
	CU_ASSERT_EQUAL(vm.filter, ST_CONFIRMED);
	CU_ASSERT_EQUAL(vm.nvis, 2);
	/* Statuses without orders are skipped. */
	vm_orders_key(&vm, 's');
	CU_ASSERT_EQUAL(vm.filter, ST_CANCELLED);
	CU_ASSERT_EQUAL(vm.nvis, 1);
	vm_orders_key(&vm, 's');
	CU_ASSERT_EQUAL(vm.filter, VM_FILTER_ALL);
	CU_ASSERT_EQUAL(vm.nvis, 4);
	vm_orders_key(&vm, 's');
	CU_ASSERT_EQUAL(vm.filter, VM_FILTER_OPEN);
	vm_orders_key(&vm, 'S');
	CU_ASSERT_EQUAL(vm.filter, VM_FILTER_ALL);
	vm_orders_free(&vm);
}

static void
test_width_and_fit(void)
{
	char buf[256];
	/* "Hường" decomposed: u + horn, o + horn + grave; five columns. */
	const char *nfd = "Hu\xcc\x9bo\xcc\x9b\xcc\x80ng";

	CU_ASSERT_EQUAL(vm_orders_width("Nguyễn Thị Hương"), 16);
	CU_ASSERT_EQUAL(vm_orders_width("Hồ Chí Minh"), 11);
	CU_ASSERT_EQUAL(vm_orders_width(nfd), 5);
	CU_ASSERT_EQUAL(vm_orders_width("東京"), 4);

	vm_orders_fit(buf, sizeof buf, "Hồ Chí Minh", 14, VM_LEFT);
	CU_ASSERT_STRING_EQUAL(buf, "Hồ Chí Minh   ");
	vm_orders_fit(buf, sizeof buf, "Hồ Chí Minh", 8, VM_LEFT);
	CU_ASSERT_STRING_EQUAL(buf, "Hồ Chí …");
	CU_ASSERT_EQUAL(vm_orders_width(buf), 8);
	vm_orders_fit(buf, sizeof buf, "1.250.000", 11, VM_RIGHT);
	CU_ASSERT_STRING_EQUAL(buf, "  1.250.000");
	vm_orders_fit(buf, sizeof buf, "570701457869438119", 15, VM_TAIL);
	CU_ASSERT_STRING_EQUAL(buf, "…01457869438119");
	/* Cutting never splits a letter from its combining marks. */
	vm_orders_fit(buf, sizeof buf, nfd, 4, VM_LEFT);
	CU_ASSERT_STRING_EQUAL(buf, "Hu\xcc\x9bo\xcc\x9b\xcc\x80…");
	CU_ASSERT_EQUAL(vm_orders_width(buf), 4);
	vm_orders_fit(buf, sizeof buf, nfd, 3, VM_TAIL);
	CU_ASSERT_STRING_EQUAL(buf, "…ng");
	/* A wide character that does not fit leaves a pad, not half a glyph. */
	vm_orders_fit(buf, sizeof buf, "東京都", 4, VM_LEFT);
	CU_ASSERT_STRING_EQUAL(buf, "東… ");
	CU_ASSERT_EQUAL(vm_orders_width(buf), 4);
	/* Control characters cannot reach the terminal. */
	vm_orders_fit(buf, sizeof buf, "a\x1b[2Jb", 6, VM_LEFT);
	CU_ASSERT_PTR_NULL(strchr(buf, '\x1b'));
	CU_ASSERT_EQUAL(vm_orders_width(buf), 6);
	vm_orders_fit(buf, sizeof buf, "anything", 0, VM_LEFT);
	CU_ASSERT_STRING_EQUAL(buf, "");

	/* Names keep the given name: middle names, then the family name, shrink. */
	vm_orders_fit_name(buf, sizeof buf, "Nguyễn Thị Hương", 16);
	CU_ASSERT_STRING_EQUAL(buf, "Nguyễn Thị Hương");
	vm_orders_fit_name(buf, sizeof buf, "Nguyễn Thị Hương", 15);
	CU_ASSERT_STRING_EQUAL(buf, "Nguyễn T. Hương");
	vm_orders_fit_name(buf, sizeof buf, "Nguyễn Thị Hương", 13);
	CU_ASSERT_STRING_EQUAL(buf, "N. T. Hương  ");
	vm_orders_fit_name(buf, sizeof buf, "Đặng Thị Ánh", 9);
	CU_ASSERT_STRING_EQUAL(buf, "Đ. T. Ánh");
	vm_orders_fit_name(buf, sizeof buf, "Nguyễn Thị Hương", 6);
	CU_ASSERT_EQUAL(vm_orders_width(buf), 6);

	vm_orders_fold(buf, sizeof buf, "Đặng Thị Ánh NGUYỄN");
	CU_ASSERT_STRING_EQUAL(buf, "dang thi anh nguyen");
	vm_orders_fold(buf, sizeof buf, nfd);
	CU_ASSERT_STRING_EQUAL(buf, "huong");

	vm_orders_money(buf, sizeof buf, 1234567);
	CU_ASSERT_STRING_EQUAL(buf, "1.234.567");
	vm_orders_money(buf, sizeof buf, 999);
	CU_ASSERT_STRING_EQUAL(buf, "999");
	vm_orders_money(buf, sizeof buf, 1000);
	CU_ASSERT_STRING_EQUAL(buf, "1.000");
	vm_orders_money(buf, sizeof buf, -25000);
	CU_ASSERT_STRING_EQUAL(buf, "-25.000");

	vm_orders_relative(buf, sizeof buf, NOW + 26 * H + 1800, NOW);
	CU_ASSERT_STRING_EQUAL(buf, "in 1d 2h");
	vm_orders_relative(buf, sizeof buf, NOW - 72 * H, NOW);
	CU_ASSERT_STRING_EQUAL(buf, "overdue 3d");
	vm_orders_relative(buf, sizeof buf, NOW - 20, NOW);
	CU_ASSERT_STRING_EQUAL(buf, "overdue 1m");
}

/* Every line is exactly as wide as the terminal, whatever the width. */
static void
test_line_widths(void)
{
	struct order_row rows[] = {
		mkrow(1, "570701457869438119", ST_CONFIRMED, NOW - 3 * H, 12500000,
		    "Trương Thị Ngọc Hường", "Thái Nguyên"),
		mkrow(2, "2512013XKQ7P9M", ST_NEW, NOW + 30 * H, 0, "Lý Văn Đạt", "Huế"),
	};
	static const int widths[] = { 24, 40, 60, 80, 100, 132, 200 };
	struct vm_orders vm;
	struct vm_seg segs[24];
	char line[VM_LINE_MAX];
	size_t w, i;
	int n, k, total;

	vm_orders_init(&vm, NULL, NOW);
	snprintf(vm.dbname, sizeof vm.dbname, "kho-sài-gòn.db");
	vm_orders_set_rows(&vm, rows, 2);
	for (w = 0; w < sizeof widths / sizeof widths[0]; w++) {
		vm_orders_layout(&vm, widths[w], 20);
		vm_orders_heading(&vm, line, sizeof line);
		CU_ASSERT_EQUAL(vm_orders_width(line), widths[w]);
		for (i = 0; i < vm.nvis; i++) {
			vm_orders_line(&vm, i, line, sizeof line);
			CU_ASSERT_EQUAL(vm_orders_width(line), widths[w]);
		}
		/* Title and footer pieces fit with their gaps and margins. */
		n = vm_orders_title(&vm, segs, 24, widths[w]);
		for (k = 0, total = 2; k < n; k++)
			total += vm_orders_width(segs[k].text) + (k + 1 < n ? segs[k].gap : 0);
		CU_ASSERT(total <= widths[w] + 1 || widths[w] < 40);
		n = vm_orders_footer(&vm, segs, 24, widths[w]);
		for (k = 0, total = 2; k < n; k++)
			total += vm_orders_width(segs[k].text) + (k + 1 < n ? segs[k].gap : 0);
		CU_ASSERT(total <= widths[w] + 1 || widths[w] < 40);
	}
	/* At 80 columns every column is shown. */
	vm_orders_layout(&vm, 80, 20);
	for (k = 0; k < VM_COL__COUNT; k++)
		CU_ASSERT(vm.width[k] > 0);
	vm_orders_free(&vm);
}

static void
test_detail(void)
{
	struct order_row rows[] = {
		mkrow(9, "2512013XKQ7P9M", ST_CONFIRMED, NOW + 5 * H, 448000, "Nguyễn Thị Hương",
		    "Hồ Chí Minh"),
	};
	struct vm_orders vm;
	struct vm_line *lines;
	struct order *o = xcalloc(1, sizeof *o);
	size_t n, i;
	int saw_line = 0, saw_addr = 0;

	o->id = 9;
	o->status = ST_CONFIRMED;
	o->created_at = NOW - 20 * H;
	o->ship_by = NOW + 5 * H;
	o->cod = o->total = 448000;
	o->channel = xstrdup("shopee");
	o->shop = xstrdup("285037461");
	o->order_no = xstrdup("2512013XKQ7P9M");
	o->currency = xstrdup("VND");
	o->buyer_name = xstrdup("Nguyễn Thị Hương");
	o->buyer_phone = xstrdup("0912345678");
	o->address = xstrdup("Số 12, ngõ 45 Nguyễn Thị Minh Khai, tòa nhà Hoàng Anh, tầng 12");
	o->district = xstrdup("Phường Bến Thành");
	o->province = xstrdup("Hồ Chí Minh");
	o->nlines = 2;
	o->lines = xcalloc(2, sizeof *o->lines);
	o->lines[0] = (struct order_line){ 1, 1, 1, xstrdup("ATN-DEN-M"),
	    xstrdup("Áo thun nam cổ tròn cotton - Đen - M"), 2, 149000 };
	o->lines[1] = (struct order_line){ 2, 2, 2, xstrdup("SUA180-1"),
	    xstrdup("Lốc 4 hộp sữa tươi tiệt trùng 180ml có đường"), 5, 30000 };

	vm_orders_init(&vm, NULL, NOW);
	vm_orders_set_rows(&vm, rows, 1);
	vm_orders_show_detail(&vm, o);
	n = vm_orders_detail(&vm, 50, &lines);
	CU_ASSERT(n >= 10);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(vm_orders_width(lines[i].text), 50);
		saw_line |= has_text(lines[i].text, "SUA180-1") && has_text(lines[i].text,
		    "30.000");
		saw_addr |= has_text(lines[i].text, "tầng 12");   /* wrapped, not cut */
	}
	CU_ASSERT(saw_line);
	CU_ASSERT(saw_addr);
	CU_ASSERT(has_text(lines[0].text, "2512013XKQ7P9M"));
	CU_ASSERT_EQUAL(lines[0].role, ROLE_PANEL_TITLE);
	free(lines);
	/* Keys go to the panel; Esc closes it; q there does not quit. */
	CU_ASSERT_EQUAL(vm_orders_key(&vm, VK_DOWN) & VM_DONE, 0);
	CU_ASSERT_EQUAL(vm_orders_key(&vm, 'q') & VM_DONE, 0);
	CU_ASSERT_PTR_NULL(vm.detail);
	vm_orders_free(&vm);
}

int
main(void)
{
	CU_pSuite s;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_vm_orders: the C.UTF-8 locale is missing\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vm_orders", NULL, NULL);
	CU_add_test(s, "roles and order", test_roles_and_order);
	CU_add_test(s, "tick", test_tick);
	CU_add_test(s, "selection", test_selection);
	CU_add_test(s, "search", test_search);
	CU_add_test(s, "status filter", test_filter);
	CU_add_test(s, "width and fit", test_width_and_fit);
	CU_add_test(s, "line widths", test_line_widths);
	CU_add_test(s, "detail", test_detail);
	return tu_run();
}

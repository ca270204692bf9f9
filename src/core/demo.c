/*
 * demo.c — the demo seller: a Vietnamese shop selling fashion and dated FMCG on Shopee,
 * Lazada and TikTok Shop, shipping from Ho Chi Minh City and Ha Noi.
 *
 * Everything comes from one splitmix64 stream seeded by the caller, and every time is
 * relative to clock_now(), so a seed and a clock make the same database. Only the public
 * core calls are used (warehouse_upsert, sku_upsert, stock_receive, order_upsert,
 * user_add), all inside one transaction. Orders are drawn first so that stock can be
 * received to cover what they ask for.
 *
 * Users made: admin (PIN 1234, badge PB-0001), packers lan (1111, PB-1001) and duc
 * (2222, PB-1002), supervisor thao (5678, PB-2001).
 */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "order.h"
#include "route.h"
#include "sku.h"
#include "stock.h"
#include "user.h"
#include "xalloc.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])
#define HOUR 3600
#define DAY 86400

struct rng {
	uint64_t s;
};

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for fake data. */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int64_t
rng_below(struct rng *r, int64_t n)
{
	return n <= 1 ? 0 : (int64_t)(rng_next(r) % (uint64_t)n);
}

/* Uniform in [lo, hi]. */
static int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* 1 with probability pct / 100. */
static int
rng_pct(struct rng *r, int pct)
{
	return rng_below(r, 100) < pct;
}

/* Index into a table of integer weights. */
static size_t
rng_weighted(struct rng *r, const int *w, size_t n)
{
	int64_t total = 0, x;
	size_t i;

	for (i = 0; i < n; i++)
		total += w[i];
	x = rng_below(r, total);
	for (i = 0; i + 1 < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* The 34 provinces and cities since July 2025 (data/vn-provinces.csv), with weights
 * roughly following online-order volume; the warehouse that ships there. */
static const struct province {
	const char *name;
	int weight;
	int north;
} provinces[] = {
	{ "Hà Nội", 150, 1 },
	{ "Huế", 15, 0 },
	{ "Hải Phòng", 40, 1 },
	{ "Đà Nẵng", 35, 0 },
	{ "Hồ Chí Minh", 200, 0 },
	{ "Cần Thơ", 30, 0 },
	{ "Lai Châu", 8, 1 },
	{ "Điện Biên", 8, 1 },
	{ "Sơn La", 10, 1 },
	{ "Lạng Sơn", 10, 1 },
	{ "Quảng Ninh", 18, 1 },
	{ "Thanh Hóa", 25, 1 },
	{ "Nghệ An", 25, 1 },
	{ "Hà Tĩnh", 12, 1 },
	{ "Cao Bằng", 8, 1 },
	{ "Tuyên Quang", 10, 1 },
	{ "Lào Cai", 12, 1 },
	{ "Thái Nguyên", 15, 1 },
	{ "Phú Thọ", 18, 1 },
	{ "Bắc Ninh", 30, 1 },
	{ "Hưng Yên", 18, 1 },
	{ "Ninh Bình", 18, 1 },
	{ "Quảng Trị", 12, 0 },
	{ "Quảng Ngãi", 15, 0 },
	{ "Gia Lai", 18, 0 },
	{ "Khánh Hòa", 20, 0 },
	{ "Lâm Đồng", 20, 0 },
	{ "Đắk Lắk", 20, 0 },
	{ "Đồng Nai", 40, 0 },
	{ "Tây Ninh", 18, 0 },
	{ "Vĩnh Long", 18, 0 },
	{ "Đồng Tháp", 18, 0 },
	{ "Cà Mau", 14, 0 },
	{ "An Giang", 22, 0 },
};

/* Family names with their rough share of the population. */
static const char *const family_names[] = {
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
	"Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh",
};
static const int family_weights[] = {
	38, 11, 9, 7, 4, 4, 4, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1,
};
static const char *const middle_f[] = {
	"Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Mai", "Hoài",
	"Kim", "Bảo",
};
static const char *const middle_m[] = {
	"Văn", "Văn", "Minh", "Đức", "Quốc", "Thanh", "Hoàng", "Anh", "Công", "Hữu",
	"Gia", "Trọng",
};
static const char *const given_f[] = {
	"Hương", "Lan", "Mai", "Linh", "Trang", "Hà", "Anh", "Phương", "Thảo", "Hạnh",
	"Quỳnh", "Nhung", "Ngân", "Yến", "Vy", "Trâm", "Nhi", "Hằng", "Loan", "Diệp",
	"Thủy", "Uyên", "My", "Hiền",
};
static const char *const given_m[] = {
	"Tuấn", "Hùng", "Dũng", "Nam", "Khoa", "Long", "Bảo", "Huy", "Phúc", "Sơn",
	"Thắng", "Đạt", "Quân", "Hiếu", "Tùng", "Khánh", "Trung", "Vinh", "Cường", "Thịnh",
	"Lộc", "Tài",
};
static const char *const streets[] = {
	"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt",
	"Quang Trung", "Điện Biên Phủ", "Nguyễn Huệ", "Phan Chu Trinh", "Hùng Vương",
	"Võ Thị Sáu", "Cách Mạng Tháng Tám", "Nguyễn Văn Cừ", "Lê Duẩn", "Trường Chinh",
	"Nguyễn Thị Minh Khai", "Phạm Văn Đồng", "Lạc Long Quân", "Âu Cơ", "Bạch Đằng",
	"Nguyễn Du", "Tôn Đức Thắng", "Lê Thánh Tông", "Hoàng Diệu", "Ngô Quyền",
	"Trần Phú", "Phan Đình Phùng", "Lê Hồng Phong", "Yersin", "Đống Đa",
};
static const char *const wards[] = {
	"Tân An", "An Bình", "Hòa Thuận", "Phú Lợi", "Tân Hiệp", "Long Thạnh", "Bình Minh",
	"Thanh Xuân", "Đông Hòa", "Quang Trung", "Tân Phú", "Hòa Khánh", "Phước Long",
	"Thắng Lợi", "Hưng Phú", "Trung Tâm", "Đông Hải", "An Phú", "Bắc Sơn", "Nam Thành",
};

/* Fashion: one row per product; a SKU is a product in one colour and one size. */
static const struct fashion {
	const char *name, *code;
	int64_t cost, price, weight_g;
	const char *sizes[5];
} fashion[] = {
	{ "Áo thun nam cổ tròn cotton", "ATN", 65000, 149000, 220, { "S", "M", "L", "XL", "XXL" } },
	{ "Áo thun nữ form rộng", "ATW", 58000, 129000, 180, { "S", "M", "L", "XL" } },
	{ "Quần jean nam ống đứng", "QJN", 160000, 359000, 650, { "29", "30", "31", "32", "34" } },
	{ "Quần jean nữ lưng cao", "QJW", 150000, 329000, 550, { "26", "27", "28", "29", "30" } },
	{ "Váy liền thân hoa nhí", "VAY", 120000, 279000, 300, { "S", "M", "L" } },
	{ "Chân váy chữ A", "CVA", 85000, 189000, 250, { "S", "M", "L" } },
	{ "Áo sơ mi nam tay dài", "SMN", 110000, 249000, 280, { "M", "L", "XL", "XXL" } },
	{ "Áo khoác gió unisex", "AKG", 140000, 299000, 400, { "M", "L", "XL" } },
	{ "Áo polo nam", "APL", 90000, 199000, 250, { "M", "L", "XL", "XXL" } },
};
static const struct colour {
	const char *name, *code;
} colours[] = {
	{ "Đen", "DEN" }, { "Trắng", "TRG" }, { "Xanh navy", "NVY" }, { "Be", "BEE" },
	{ "Đỏ đô", "DDO" }, { "Xám", "XAM" }, { "Hồng pastel", "HNG" }, { "Xanh rêu", "REU" },
};

/* Dated goods: lot-tracked, with a shelf life from manufacture and the minimum shelf
 * life the channels demand at dispatch. pack: units in the case barcode (0: none). */
static const struct fmcg {
	const char *name, *code;
	int64_t cost, price, weight_g;
	int min_shelf_days, shelf_days;
	int pack6, pack12;
	const char *variants[3];
} fmcg[] = {
	{ "Lốc 4 hộp sữa tươi tiệt trùng 180ml", "SUA180", 26000, 32000, 780, 30, 180, 0, 1,
	    { "có đường", "ít đường", "không đường" } },
	{ "Bánh quy hộp thiếc 454g", "BQB454", 75000, 115000, 600, 60, 365, 1, 0,
	    { "vị bơ", "vị socola", "vị dừa" } },
	{ "Cà phê hòa tan 3in1 hộp 20 gói", "CF3IN1", 42000, 59000, 360, 60, 540, 0, 1,
	    { "sữa đá", "đậm đà" } },
	{ "Cà phê rang xay 500g", "CFRX500", 95000, 145000, 520, 45, 365, 1, 0,
	    { "Robusta", "Arabica", "Culi" } },
	{ "Thùng 30 gói mì ăn liền", "MI30", 98000, 125000, 2600, 30, 180, 0, 0,
	    { "tôm chua cay", "bò hầm", "gà" } },
	{ "Dầu gội thảo dược 300ml", "DG300", 68000, 119000, 340, 90, 730, 1, 1,
	    { "bưởi", "bồ kết", "trà xanh" } },
	{ "Nước mắm cá cơm 500ml", "NM500", 38000, 55000, 700, 60, 720, 0, 1,
	    { "40 độ đạm", "30 độ đạm" } },
	{ "Trà túi lọc 25 gói", "TX25", 22000, 35000, 80, 60, 540, 1, 1,
	    { "trà xanh", "hoa nhài", "sen" } },
	{ "Hạt điều 500g", "HD500", 135000, 199000, 530, 30, 270, 1, 0,
	    { "rang muối", "tỏi ớt", "mộc" } },
	{ "Bánh tráng 500g", "BT500", 30000, 49000, 520, 20, 120, 0, 0,
	    { "phơi sương", "trộn sẵn", "cuốn" } },
};

enum { CAT_FASHION = 1, CAT_FMCG = 2, CAT_ANY = 3 };

/* Shops: the marketplace's shop id, what it sells, its share of orders. */
static const struct shop {
	const char *channel, *code;
	int cats;
	int weight;
} shops[] = {
	{ "shopee", "285037461", CAT_FASHION, 30 },
	{ "shopee", "517392028", CAT_FMCG, 20 },
	{ "lazada", "VN1K3Y7ZQ2", CAT_ANY, 20 },
	{ "tiktok", "7494026358142141", CAT_FASHION, 18 },
	{ "tiktok", "7495188203365751", CAT_ANY, 12 },
};

static const struct demo_user {
	const char *name;
	enum role role;
	const char *pin, *badge;
} users[] = {
	{ "admin", ROLE_ADMIN, "1234", "PB-0001" },
	{ "lan", ROLE_PACKER, "1111", "PB-1001" },
	{ "duc", ROLE_PACKER, "2222", "PB-1002" },
	{ "thao", ROLE_SUPERVISOR, "5678", "PB-2001" },
};

struct dsku {
	char code[32];
	char name[160];
	char gtin[14];
	char pack6[15], pack12[15];
	int64_t id, cost, price, weight_g;
	int cat, lot_tracked, min_shelf_days, shelf_days;
	int64_t demand;
};

struct buyer {
	char name[64];
	char phone[11];
	char address[96];
	char ward[40];
	int province;
};

struct gen {
	struct session *s;
	struct rng r;
	int64_t now;
	struct dsku *skus;
	size_t nskus;
	size_t *pool[3];            /* SKU indexes selling in a shop of each category */
	size_t npool[3];
	struct buyer *buyers;
	size_t nbuyers;
	uint64_t salt;
};

/* The GS1 check digit over the n digits of d (weights 3,1,3,... from the right). */
static char
gtin_digit(const char *d, size_t n)
{
	int sum = 0, w = 3;
	size_t i;

	for (i = n; i-- > 0; w = 4 - w)
		sum += (d[i] - '0') * w;
	return (char)('0' + (10 - sum % 10) % 10);
}

/* GTIN-13 under a Vietnamese company prefix (893 + 4 digits) and a 5-digit item. */
static void
make_gtin13(char out[14], int company, int item)
{
	char body[24];

	snprintf(body, sizeof body, "893%04u%05u", (unsigned)company % 10000u,
	    (unsigned)item % 100000u);
	memcpy(out, body, 12);
	out[12] = gtin_digit(out, 12);
	out[13] = '\0';
}

/* GTIN-14 of a case: packaging indicator + the unit's first 12 digits + check. */
static void
make_gtin14(char out[15], const char *gtin13, int indicator)
{
	out[0] = (char)('0' + indicator);
	memcpy(out + 1, gtin13, 12);
	out[13] = gtin_digit(out, 13);
	out[14] = '\0';
}

static void
make_skus(struct gen *g, int want)
{
	size_t nf = 0, nd = 0, i;

	g->skus = xcalloc((size_t)want, sizeof *g->skus);
	g->nskus = (size_t)want;
	for (i = 0; i < g->nskus; i++) {
		struct dsku *k = &g->skus[i];

		if (i % 5 < 3 || want < 2) {
			const struct fashion *f = &fashion[nf % NELEM(fashion)];
			size_t v = nf / NELEM(fashion), nsz = 0, round;
			const struct colour *c;
			const char *sz;

			while (nsz < NELEM(f->sizes) && f->sizes[nsz] != NULL)
				nsz++;
			round = v / (nsz * NELEM(colours));
			c = &colours[(v / nsz) % NELEM(colours)];
			sz = f->sizes[v % nsz];
			if (round == 0) {
				snprintf(k->code, sizeof k->code, "%s-%s-%s", f->code, c->code, sz);
				snprintf(k->name, sizeof k->name, "%s - %s - %s", f->name, c->name, sz);
			} else {
				snprintf(k->code, sizeof k->code, "%s%zu-%s-%s", f->code, round + 1,
				    c->code, sz);
				snprintf(k->name, sizeof k->name, "%s mẫu %zu - %s - %s", f->name,
				    round + 1, c->name, sz);
			}
			k->cat = CAT_FASHION;
			k->cost = f->cost;
			k->price = f->price;
			k->weight_g = f->weight_g + rng_range(&g->r, -10, 10);
			make_gtin13(k->gtin, 6012, (int)nf + 1);
			nf++;
		} else {
			const struct fmcg *f = &fmcg[nd % NELEM(fmcg)];
			size_t v = nd / NELEM(fmcg), nv = 0;

			while (nv < NELEM(f->variants) && f->variants[nv] != NULL)
				nv++;
			if (nv == 0 && v == 0) {
				snprintf(k->code, sizeof k->code, "%s", f->code);
				snprintf(k->name, sizeof k->name, "%s", f->name);
			} else if (v < nv) {
				snprintf(k->code, sizeof k->code, "%s-%zu", f->code, v + 1);
				snprintf(k->name, sizeof k->name, "%s %s", f->name, f->variants[v]);
			} else {
				snprintf(k->code, sizeof k->code, "%s-%zu", f->code, v + 1);
				snprintf(k->name, sizeof k->name, "%s loại %zu", f->name, v + 1);
			}
			k->cat = CAT_FMCG;
			k->cost = f->cost;
			k->price = f->price;
			k->weight_g = f->weight_g;
			k->lot_tracked = 1;
			k->min_shelf_days = f->min_shelf_days;
			k->shelf_days = f->shelf_days;
			make_gtin13(k->gtin, 4563, (int)nd + 1);
			if (f->pack6)
				make_gtin14(k->pack6, k->gtin, 1);
			if (f->pack12)
				make_gtin14(k->pack12, k->gtin, 2);
			nd++;
		}
	}
	for (i = 0; i < 3; i++)
		g->pool[i] = xcalloc(g->nskus, sizeof *g->pool[i]);
	for (i = 0; i < g->nskus; i++) {
		int cat;

		for (cat = CAT_FASHION; cat <= CAT_ANY; cat++) {
			if (g->skus[i].cat & cat)
				g->pool[cat - 1][g->npool[cat - 1]++] = i;
		}
	}
	/* A category with no SKU (tiny --skus) sells from the whole catalogue. */
	for (i = 0; i < 3; i++) {
		if (g->npool[i] == 0) {
			size_t j;

			for (j = 0; j < g->nskus; j++)
				g->pool[i][j] = j;
			g->npool[i] = g->nskus;
		}
	}
}

static int
save_skus(struct gen *g)
{
	size_t i;
	int rc;

	for (i = 0; i < g->nskus; i++) {
		struct dsku *k = &g->skus[i];
		struct sku_barcode_in bc[3];
		struct sku_in in;
		size_t nbc = 0;

		bc[nbc++] = (struct sku_barcode_in){ k->gtin, 1 };
		if (k->pack6[0] != '\0')
			bc[nbc++] = (struct sku_barcode_in){ k->pack6, 6 };
		if (k->pack12[0] != '\0')
			bc[nbc++] = (struct sku_barcode_in){ k->pack12, 12 };
		memset(&in, 0, sizeof in);
		in.sku = k->code;
		in.name = k->name;
		in.barcodes = bc;
		in.nbarcodes = nbc;
		in.weight_g = k->weight_g;
		in.lot_tracked = k->lot_tracked;
		in.min_shelf_days = k->min_shelf_days;
		in.cost = k->cost;
		if ((rc = sku_upsert(g->s, &in, &k->id)) != 0)
			return rc;
	}
	return 0;
}

static void
make_buyer(struct gen *g, struct buyer *b)
{
	int female = rng_pct(&g->r, 62);   /* most marketplace buyers in VN are women */
	const char *fam = family_names[rng_weighted(&g->r, family_weights,
	    NELEM(family_weights))];
	const char *mid, *given;
	int pw[NELEM(provinces)];
	size_t i;

	if (female) {
		mid = middle_f[rng_below(&g->r, NELEM(middle_f))];
		given = given_f[rng_below(&g->r, NELEM(given_f))];
	} else {
		mid = middle_m[rng_below(&g->r, NELEM(middle_m))];
		given = given_m[rng_below(&g->r, NELEM(given_m))];
	}
	snprintf(b->name, sizeof b->name, "%s %s %s", fam, mid, given);
	snprintf(b->phone, sizeof b->phone, "09%08d", (int)rng_below(&g->r, 100000000));
	for (i = 0; i < NELEM(provinces); i++)
		pw[i] = provinces[i].weight;
	b->province = (int)rng_weighted(&g->r, pw, NELEM(pw));
	switch (rng_below(&g->r, 3)) {
	case 0:
		snprintf(b->address, sizeof b->address, "%d %s", (int)rng_range(&g->r, 1, 480),
		    streets[rng_below(&g->r, NELEM(streets))]);
		break;
	case 1:
		snprintf(b->address, sizeof b->address, "%d/%d %s",
		    (int)rng_range(&g->r, 2, 250), (int)rng_range(&g->r, 1, 40),
		    streets[rng_below(&g->r, NELEM(streets))]);
		break;
	default:
		snprintf(b->address, sizeof b->address, "Số %d, ngõ %d %s",
		    (int)rng_range(&g->r, 1, 90), (int)rng_range(&g->r, 2, 300),
		    streets[rng_below(&g->r, NELEM(streets))]);
		break;
	}
	snprintf(b->ward, sizeof b->ward, "%s %s", rng_pct(&g->r, 70) ? "Phường" : "Xã",
	    wards[rng_below(&g->r, NELEM(wards))]);
}

/*
 * The marketplace's own order number, unique per sequence number: Shopee's order_sn
 * (yymmdd + 8 of [0-9A-Z]), Lazada's 15 digits, TikTok Shop's 18 digits. Each maps seq
 * through a bijection, so numbers never repeat but do not look sequential.
 */
static void
make_order_no(struct gen *g, const char *channel, int64_t seq, int64_t created,
    char *out, size_t len)
{
	static const char b32[] = "0123456789ABCDEFGHJKLMNPQRSTUVWX";
	uint64_t x;

	if (strcmp(channel, "shopee") == 0) {
		char tail[9], date[20];
		int i;

		x = ((uint64_t)seq * 0x9E3779B1ULL + g->salt) & ((1ULL << 40) - 1);
		for (i = 7; i >= 0; i--, x >>= 5)
			tail[i] = b32[x & 31];
		tail[8] = '\0';
		clock_format(created, 7 * HOUR, date, sizeof date);   /* the platform's day */
		snprintf(out, len, "%.2s%.2s%.2s%s", date + 2, date + 5, date + 8, tail);
	} else if (strcmp(channel, "lazada") == 0) {
		x = ((uint64_t)seq * 7919ULL * 104729ULL + g->salt) % 100000000000000ULL;
		snprintf(out, len, "4%014llu", (unsigned long long)x);
	} else {
		x = ((uint64_t)seq * 15485863ULL * 7919ULL + g->salt) % 10000000000000000ULL;
		snprintf(out, len, "57%016llu", (unsigned long long)x);
	}
}

/* How many units one line asks for; dated goods are sometimes bought by the case. */
static int64_t
line_qty(struct gen *g, const struct dsku *k)
{
	int64_t x = rng_below(&g->r, 100);

	if (k->cat == CAT_FMCG) {
		if (k->pack12[0] != '\0' && x < 4)
			return 12;
		if (k->pack6[0] != '\0' && x < 8)
			return 6;
		return x < 60 ? 1 : x < 85 ? 2 : x < 95 ? 3 : 4;
	}
	return x < 82 ? 1 : x < 96 ? 2 : 3;
}

static int
make_orders(struct gen *g, int norders)
{
	int shop_w[NELEM(shops)];
	int64_t seq;
	size_t i;
	int rc;

	for (i = 0; i < NELEM(shops); i++)
		shop_w[i] = shops[i].weight;
	for (seq = 1; seq <= norders; seq++) {
		const struct shop *sh = &shops[rng_weighted(&g->r, shop_w, NELEM(shop_w))];
		size_t cat = (size_t)sh->cats - 1;
		struct order_line_in lines[3];
		size_t picked[3], nlines, j;
		int64_t total = 0, x, ship_by, created;
		const struct buyer *b;
		struct order_in in;
		char order_no[32];

		/* Repeat buyers cluster on the first fifth of the pool. */
		if (rng_pct(&g->r, 25))
			b = &g->buyers[rng_below(&g->r, (int64_t)(g->nbuyers / 5 + 1))];
		else
			b = &g->buyers[rng_below(&g->r, (int64_t)g->nbuyers)];

		x = rng_below(&g->r, 100);
		nlines = x < 70 ? 1 : x < 92 ? 2 : 3;
		if (nlines > g->npool[cat])
			nlines = g->npool[cat];
		for (j = 0; j < nlines; j++) {
			size_t k, tries = 0;
			struct dsku *sku;

			do {
				picked[j] = g->pool[cat][rng_below(&g->r, (int64_t)g->npool[cat])];
				for (k = 0; k < j && picked[k] != picked[j]; k++)
					;
			} while (k < j && ++tries < 20);
			if (k < j)
				break;      /* could not find a distinct SKU; keep fewer lines */
			sku = &g->skus[picked[j]];
			lines[j].sku = sku->code;
			lines[j].qty = line_qty(g, sku);
			/* Shop vouchers and flash sales: up to 20% off list, whole thousands. */
			lines[j].unit_price = sku->price * (100 - rng_below(&g->r, 5) * 5) / 100 /
			    1000 * 1000;
			total += lines[j].qty * lines[j].unit_price;
			sku->demand += lines[j].qty;
		}
		nlines = j;

		/* Ship-by from six hours overdue to two days out, most within a day. */
		x = rng_below(&g->r, 100);
		if (x < 8)
			ship_by = g->now - rng_range(&g->r, 10 * 60, 6 * HOUR);
		else if (x < 25)
			ship_by = g->now + rng_range(&g->r, 5 * 60, 4 * HOUR);
		else if (x < 70)
			ship_by = g->now + rng_range(&g->r, 4 * HOUR, 24 * HOUR);
		else
			ship_by = g->now + rng_range(&g->r, 24 * HOUR, 48 * HOUR);
		ship_by -= ship_by % 60;
		created = ship_by - rng_range(&g->r, 24 * HOUR, 72 * HOUR);
		if (created > g->now - 120)
			created = g->now - rng_range(&g->r, 120, 10 * HOUR);

		memset(&in, 0, sizeof in);
		make_order_no(g, sh->channel, seq, created, order_no, sizeof order_no);
		in.channel = sh->channel;
		in.shop = sh->code;
		in.order_no = order_no;
		in.created_at = created;
		in.ship_by = ship_by;
		in.cod = rng_pct(&g->r, 60) ? total : 0;
		in.currency = "VND";
		in.total = total;
		in.buyer_name = b->name;
		in.buyer_phone = b->phone;
		in.address = b->address;
		in.district = b->ward;
		in.province = provinces[b->province].name;
		in.lines = lines;
		in.nlines = nlines;
		/* Risky COD (large amounts) waits on hold; overdue ones were mostly confirmed. */
		x = rng_below(&g->r, 100);
		if (in.cod >= 1500000 && x < 40)
			in.status = ST_ON_HOLD;
		else if (x < 3)
			in.status = ST_ON_HOLD;
		else if (ship_by < g->now + 6 * HOUR ? x < 75 : x < 45)
			in.status = ST_CONFIRMED;
		else
			in.status = ST_NEW;
		if ((rc = order_upsert(g->s, &in, NULL, NULL)) != 0)
			return rc;
	}
	return 0;
}

/* Receive stock in both warehouses to cover the orders with room to spare; dated goods
 * arrive in two or three lots of different expiry, one of them often too short-dated
 * for the channels (FEFO has to skip it). */
static int
receive_stock(struct gen *g, const int64_t wh[2])
{
	size_t i;
	int w, rc;

	for (i = 0; i < g->nskus; i++) {
		struct dsku *k = &g->skus[i];

		for (w = 0; w < 2; w++) {
			int64_t need = k->demand + k->demand / 3 + rng_range(&g->r, 5, 40);
			int64_t left = need, age_max;
			int nlots, l;

			if (!k->lot_tracked) {
				if ((rc = stock_receive(g->s, wh[w], k->id, "", 0, need,
				    "demo: opening stock")) != 0)
					return rc;
				continue;
			}
			/* Older lots first, all still well inside the channels' shelf life. */
			nlots = (int)rng_range(&g->r, 2, 3);
			age_max = k->shelf_days - k->min_shelf_days - 10;
			for (l = 0; l < nlots; l++) {
				int64_t age = age_max * (nlots - l) / nlots - rng_below(&g->r, 5);
				int64_t made = g->now - (age < 1 ? 1 : age) * DAY;
				int64_t expiry = made + (int64_t)k->shelf_days * DAY;
				int64_t qty = l + 1 < nlots ? left / (nlots - l) : left;
				char lot[32], date[20];

				expiry -= expiry % DAY;
				clock_format(made, 7 * HOUR, date, sizeof date);
				snprintf(lot, sizeof lot, "L%.2s%.2s%.2s%c", date + 2, date + 5,
				    date + 8, 'A' + l + w * 3);
				if (qty <= 0)
					qty = 1;
				left -= qty;
				if ((rc = stock_receive(g->s, wh[w], k->id, lot, expiry, qty,
				    "demo: opening stock")) != 0)
					return rc;
			}
			/* A short-dated remainder: under min_shelf_days, not to be shipped. */
			if (rng_pct(&g->r, 50)) {
				char lot[32];
				int64_t expiry = g->now + (int64_t)k->min_shelf_days * DAY / 2;

				expiry -= expiry % DAY;
				snprintf(lot, sizeof lot, "LOLD%c", 'A' + w);
				if ((rc = stock_receive(g->s, wh[w], k->id, lot, expiry,
				    rng_range(&g->r, 3, 24), "demo: short-dated remainder")) != 0)
					return rc;
			}
		}
	}
	return 0;
}

/* Allocate the confirmed orders now that there is stock, as they would have been when
 * they arrived (route.h: allocation at confirmation). */
static int
route_confirmed(struct gen *g)
{
	struct db_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if ((st = db_prep(g->s->db, "SELECT id FROM orders WHERE status = 'CONFIRMED' "
	    "ORDER BY id")) == NULL)
		return session_fail(g->s, DB_ERR, "demo: %s", db_errmsg(g->s->db));
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc < 0)
		rc = session_fail(g->s, rc, "demo: %s", db_errmsg(g->s->db));
	else
		rc = route_batch(g->s, ids, n, 0, NULL);
	free(ids);
	return rc;
}

static int
make_users(struct gen *g)
{
	size_t i;
	int rc;

	for (i = 0; i < NELEM(users); i++) {
		int64_t id;

		if (db_int(g->s->db, &id, "SELECT id FROM app_user WHERE name = ?", "s",
		    users[i].name) == 0)
			continue;   /* already there (e.g. an admin made by `user add`) */
		if ((rc = user_add(g->s, users[i].name, users[i].role, users[i].pin,
		    users[i].badge)) != 0)
			return rc;
	}
	return 0;
}

int
demo_generate(struct session *s, const struct demo_opts *o)
{
	struct gen g;
	int64_t wh[2];
	size_t i;
	int rc, allocate = route_auto();

	if (o->orders < 0 || o->orders > 10000000)
		return session_fail(s, DB_EINVAL, "demo: orders must be 0 to 10000000, not %d",
		    o->orders);
	if (o->skus < 1 || o->skus > 100000)
		return session_fail(s, DB_EINVAL, "demo: skus must be 1 to 100000, not %d",
		    o->skus);
	memset(&g, 0, sizeof g);
	g.s = s;
	g.r.s = o->seed;
	g.now = clock_now();
	g.salt = rng_next(&g.r) & 0xFFFFFFFFFFULL;
	g.nbuyers = (size_t)o->orders * 7 / 10 + 20;
	g.buyers = xcalloc(g.nbuyers, sizeof *g.buyers);
	for (i = 0; i < g.nbuyers; i++)
		make_buyer(&g, &g.buyers[i]);
	make_skus(&g, o->skus);

	if ((rc = db_begin(s->db)) != 0) {
		session_fail(s, rc, "demo: cannot start a transaction: %s", db_errmsg(s->db));
		goto out;
	}
	/* The orders first (their demand sizes the stock), allocated once it is in. */
	route_set_auto(0);
	rc = warehouse_upsert(s, "HCM", "Kho Hồ Chí Minh", "Hồ Chí Minh", &wh[0]);
	if (rc == 0)
		rc = warehouse_upsert(s, "HN", "Kho Hà Nội", "Hà Nội", &wh[1]);
	if (rc == 0)
		rc = save_skus(&g);
	if (rc == 0)
		rc = make_orders(&g, o->orders);
	route_set_auto(allocate);
	if (rc != 0 || (rc = receive_stock(&g, wh)) != 0 ||
	    (allocate && (rc = route_confirmed(&g)) != 0) ||
	    (rc = make_users(&g)) != 0)
		goto rollback;
	if ((rc = db_commit(s->db)) != 0) {
		session_fail(s, rc, "demo: commit failed: %s", db_errmsg(s->db));
		goto rollback;
	}
	goto out;
rollback:
	db_rollback(s->db);
out:
	for (i = 0; i < 3; i++)
		free(g.pool[i]);
	free(g.skus);
	free(g.buyers);
	return rc;
}

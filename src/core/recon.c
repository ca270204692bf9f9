/*
 * recon.c — reconciliation (recon.h): the fee schedule of [fees], the import of the
 * channels' settlement report files, and the comparison of what each channel charged
 * with what its schedule says.
 */
#include "recon.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "csv.h"
#include "db.h"
#include "xalloc.h"

static const char *const cat_names[RC__CATS] = {
	[RC_GROSS] = "gross", [RC_COMMISSION] = "commission", [RC_SERVICE] = "service",
	[RC_TRANSACTION] = "transaction", [RC_SHIPPING] = "shipping",
	[RC_SUBSIDY] = "subsidy", [RC_VOUCHER] = "voucher", [RC_OTHER] = "other",
	[RC_NET] = "net", [RC_INFO] = "info",
};

/* The fee types the three channels report (market/shopee.c, lazada.c, tiktok.c) and
 * those of their settlement report files. Anything else is RC_OTHER. */
static const struct {
	const char *type;
	enum recon_cat cat;
} fee_types[] = {
	{ "original_price", RC_GROSS }, { "item_price_credit", RC_GROSS },
	{ "item_price", RC_GROSS }, { "revenue_amount", RC_GROSS },
	{ "commission_fee", RC_COMMISSION }, { "commission", RC_COMMISSION },
	{ "referral_fee_amount", RC_COMMISSION }, { "referral_fee", RC_COMMISSION },
	{ "affiliate_commission_amount", RC_COMMISSION },
	{ "service_fee", RC_SERVICE }, { "campaign_fee", RC_SERVICE },
	{ "seller_transaction_fee", RC_TRANSACTION }, { "transaction_fee", RC_TRANSACTION },
	{ "payment_fee", RC_TRANSACTION }, { "transaction_fee_amount", RC_TRANSACTION },
	{ "buyer_paid_shipping_fee", RC_SHIPPING }, { "actual_shipping_fee", RC_SHIPPING },
	{ "reverse_shipping_fee", RC_SHIPPING }, { "shipping_fee", RC_SHIPPING },
	{ "shipping_fee_paid_by_customer", RC_SHIPPING },
	{ "shipping_fee_amount", RC_SHIPPING }, { "actual_shipping_fee_amount", RC_SHIPPING },
	{ "shopee_shipping_rebate", RC_SUBSIDY }, { "shipping_subsidy", RC_SUBSIDY },
	{ "shipping_fee_subsidy", RC_SUBSIDY },
	{ "seller_discount", RC_VOUCHER }, { "voucher_from_seller", RC_VOUCHER },
	{ "voucher", RC_VOUCHER }, { "seller_voucher", RC_VOUCHER },
	{ "escrow_amount", RC_NET }, { "settlement_amount", RC_NET },
	{ "buyer_total_amount", RC_INFO }, { "shopee_discount", RC_INFO },
	{ "voucher_from_shopee", RC_INFO }, { "coins", RC_INFO },
	{ "final_shipping_fee", RC_INFO }, { "fee_amount", RC_INFO },
};

const char *
recon_cat_name(enum recon_cat c)
{
	return (unsigned)c < RC__CATS ? cat_names[c] : "?";
}

enum recon_cat
recon_category(const char *fee_type)
{
	size_t i;

	for (i = 0; i < sizeof fee_types / sizeof fee_types[0]; i++) {
		if (strcmp(fee_types[i].type, fee_type) == 0)
			return fee_types[i].cat;
	}
	return RC_OTHER;
}

void
recon_fees_init(struct recon_fees *f)
{
	memset(f, 0, sizeof *f);
	f->dead_days = 90;
}

void
recon_fees_free(struct recon_fees *f)
{
	free(f->sched);
	recon_fees_init(f);
}

int64_t
recon_ppm(int64_t amount, int64_t ppm)
{
	int64_t p = amount * ppm, q = p / 1000000, r = p % 1000000;

	if (r >= 500000)
		q++;
	else if (r <= -500000)
		q--;
	return q;
}

/* "4", "4.5", "2.125%": a percentage with up to 4 decimals, 0 to 100, as ppm. */
static int
parse_pct(const char *s, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, fd = 0;

	while (isdigit((unsigned char)*s) && digits < 4) {
		whole = whole * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0)
		return -1;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s) && fd < 4) {
			frac = frac * 10 + (*s++ - '0');
			fd++;
		}
		if (fd == 0)
			return -1;
	}
	for (; fd < 4; fd++)
		frac *= 10;
	if (*s == '%')
		s++;
	if (*s != '\0' || whole > 100 || (whole == 100 && frac > 0))
		return -1;
	*out = whole * 10000 + frac;
	return 0;
}

/* A whole number of minor units, 0 to 10^12. */
static int
parse_amount(const char *s, int64_t *out)
{
	int64_t v = 0;
	int digits = 0;

	while (isdigit((unsigned char)*s) && digits < 13) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || *s != '\0' || v > 1000000000000LL)
		return -1;
	*out = v;
	return 0;
}

/* The schedule parts of "commission 4%, service 3%, fixed 1000". */
static int
parse_sched(struct recon_sched *sc, const char *value, char *err, size_t errlen)
{
	const char *p = value;

	while (*p != '\0') {
		char name[32], num[32];
		size_t n = 0, m = 0;
		int64_t *dst = NULL;
		int pct = 0;

		while (isspace((unsigned char)*p))
			p++;
		while (*p != '\0' && !isspace((unsigned char)*p) && *p != ',' && n + 1 < sizeof name)
			name[n++] = *p++;
		name[n] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p) && m + 1 < sizeof num)
			num[m++] = *p++;
		num[m] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
		if (strcmp(name, "commission") == 0)
			dst = &sc->commission_ppm, pct = 1;
		else if (strcmp(name, "service") == 0)
			dst = &sc->service_ppm, pct = 1;
		else if (strcmp(name, "transaction") == 0)
			dst = &sc->transaction_ppm, pct = 1;
		else if (strcmp(name, "fixed") == 0)
			dst = &sc->fixed;
		else if (strcmp(name, "shipping_subsidy") == 0)
			dst = &sc->shipping_subsidy;
		else if (name[0] != '\0')
			return snprintf(err, errlen, "'%s' is not commission, service, transaction, "
			    "fixed or shipping_subsidy", name), -1;
		if (dst == NULL)
			goto bad;
		if (pct ? parse_pct(num, dst) != 0 : parse_amount(num, dst) != 0)
			return snprintf(err, errlen, "%s '%s' is not %s", name, num, pct ?
			    "a percentage (0 to 100, as 4.5%)" : "a whole amount in minor units"), -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%.60s' is not a list like commission 4%%, service 3%%, "
	    "transaction 2%%, fixed 1000, shipping_subsidy 15000", value);
	return -1;
}

int
recon_fees_set(struct recon_fees *f, const char *key, const char *value, char *err,
    size_t errlen)
{
	struct recon_sched sc;
	const char *dot = strchr(key, '.');
	size_t cl = dot ? (size_t)(dot - key) : strlen(key), i;
	int64_t *num = NULL;

	if (strcmp(key, "threshold") == 0)
		num = &f->threshold;
	else if (strcmp(key, "packing_cost") == 0)
		num = &f->packing_cost;
	else if (strcmp(key, "dead_days") == 0)
		num = &f->dead_days;
	if (num != NULL) {
		if (parse_amount(value, num) != 0 || (num == &f->dead_days && *num < 1))
			return snprintf(err, errlen, "'%.40s' is not a whole number%s", value,
			    num == &f->dead_days ? " of days, 1 or more" : " of minor units"), -1;
		return 0;
	}
	if (!((cl == 6 && strncmp(key, "shopee", 6) == 0) ||
	    (cl == 6 && strncmp(key, "lazada", 6) == 0) ||
	    (cl == 6 && strncmp(key, "tiktok", 6) == 0) ||
	    (cl == 6 && strncmp(key, "manual", 6) == 0)) || (dot != NULL && dot[1] == '\0') ||
	    strlen(key) >= sizeof sc.key)
		return snprintf(err, errlen, "not threshold, packing_cost, dead_days or a "
		    "channel (shopee, lazada, tiktok, manual) with an optional .SHOP"), -1;
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->sched[i].key, key) == 0)
			return snprintf(err, errlen, "set twice"), -1;
	}
	memset(&sc, 0, sizeof sc);
	memcpy(sc.key, key, strlen(key) + 1);
	if (parse_sched(&sc, value, err, errlen) != 0)
		return -1;
	f->sched = xrealloc(f->sched, (f->n + 1) * sizeof *f->sched);
	f->sched[f->n++] = sc;
	return 0;
}

const struct recon_sched *
recon_fees_find(const struct recon_fees *f, const char *channel, const char *shop)
{
	const struct recon_sched *ch = NULL;
	size_t i, cl = strlen(channel);

	for (i = 0; f != NULL && i < f->n; i++) {
		const char *k = f->sched[i].key;

		if (strncmp(k, channel, cl) != 0)
			continue;
		if (k[cl] == '\0')
			ch = &f->sched[i];
		else if (k[cl] == '.' && shop != NULL && strcmp(k + cl + 1, shop) == 0)
			return &f->sched[i];
	}
	return ch;
}

/* ---- import ------------------------------------------------------------------- */

enum { COL_CHANNEL, COL_SHOP, COL_ORDER, COL_FEE, COL_AMOUNT, COL_CURRENCY, COL__N };

static const struct {
	int col;
	const char *name;
} col_names[] = {
	{ COL_CHANNEL, "channel" }, { COL_SHOP, "shop" }, { COL_SHOP, "shop_id" },
	{ COL_ORDER, "order_no" }, { COL_ORDER, "order_sn" }, { COL_ORDER, "order_id" },
	{ COL_ORDER, "order number" }, { COL_ORDER, "order no" }, { COL_FEE, "fee_type" }, { COL_FEE, "fee_name" },
	{ COL_FEE, "fee name" }, { COL_AMOUNT, "amount" }, { COL_CURRENCY, "currency" },
};

/* "Commission Fee" -> "commission_fee". */
static void
fee_key(const char *name, char *out, size_t n)
{
	size_t i, j = 0;

	for (i = 0; name[i] != '\0' && j + 1 < n; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '_';
		if (ch == '_' && (j == 0 || out[j - 1] == '_'))
			continue;
		out[j++] = ch;
	}
	while (j > 0 && out[j - 1] == '_')
		j--;
	out[j] = '\0';
}

/* Minor units of the currency: none for VND, IDR, JPY, KRW; two for the others. */
static int
currency_exp(const char *cur)
{
	static const char *const zero[] = { "VND", "IDR", "JPY", "KRW" };
	size_t i;

	for (i = 0; i < sizeof zero / sizeof zero[0]; i++) {
		if (strcmp(cur, zero[i]) == 0)
			return 0;
	}
	return 2;
}

/* "-6,360.00" or "318000": a signed decimal (thousands commas allowed) in minor units of
 * exp decimals; decimals beyond exp must be zeros. */
static int
parse_money(const char *s, int exp, int64_t *out)
{
	int64_t v = 0;
	int neg = 0, digits = 0, fd = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s) || (*s == ',' && digits > 0); s++) {
		if (*s == ',')
			continue;
		if (++digits > 15)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (digits == 0)
		return -1;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, fd++) {
			if (fd < exp)
				v = v * 10 + (*s - '0');
			else if (*s != '0')
				return -1;
		}
	}
	for (; fd < exp; fd++)
		v *= 10;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		return -1;
	*out = neg ? -v : v;
	return 0;
}

int
recon_import(struct session *s, const char *name, FILE *fp, int64_t *lines, int64_t *orders)
{
	struct csv *c = csv_open_file(fp);
	int col[COL__N];
	size_t i, k;
	int rc = 0, r;
	int64_t nl = 0, now = clock_now();
	char after[256];

	*lines = *orders = 0;
	if ((rc = session_require(s, ROLE_ADMIN, "import settlements")) != 0) {
		csv_free(c);
		return rc;
	}
	for (i = 0; i < COL__N; i++)
		col[i] = -1;
	if (csv_header(c) != 0) {
		rc = session_fail(s, DB_EINVAL, "%s:%ld: %s", name, csv_error_line(c), csv_error(c));
		goto out;
	}
	for (i = 0; i < csv_header_count(c); i++) {
		char h[64];
		const char *hn = csv_header_name(c, i);
		size_t n = 0;

		for (; hn[n] != '\0' && n + 1 < sizeof h; n++)
			h[n] = (char)tolower((unsigned char)hn[n]);
		h[n] = '\0';
		while (n > 0 && h[n - 1] == ' ')
			h[--n] = '\0';
		for (k = 0; k < sizeof col_names / sizeof col_names[0]; k++) {
			if (strcmp(col_names[k].name, h) == 0)
				break;
		}
		if (k == sizeof col_names / sizeof col_names[0])
			continue;                   /* other columns are ignored */
		if (col[col_names[k].col] >= 0) {
			rc = session_fail(s, DB_EINVAL, "%s:1: column %s given twice", name, hn);
			goto out;
		}
		col[col_names[k].col] = (int)i;
	}
	for (i = 0; i < COL__N; i++) {
		static const char *const need[] = { "channel", "shop", "order_no", "fee_type",
		    "amount" };

		if (i < COL_CURRENCY && col[i] < 0) {
			rc = session_fail(s, DB_EINVAL, "%s:1: no %s column (needs channel, shop, "
			    "order_no, fee_type, amount; currency optional)", name, need[i]);
			goto out;
		}
	}
	if ((rc = db_begin(s->db)) != 0) {
		rc = session_fail(s, rc, "%s: %s", name, db_errmsg(s->db));
		goto out;
	}
	while ((r = csv_next(c)) == 1) {
		const char *ch = csv_field(c, (size_t)col[COL_CHANNEL]);
		const char *shop = csv_field(c, (size_t)col[COL_SHOP]);
		const char *no = csv_field(c, (size_t)col[COL_ORDER]);
		const char *fee = csv_field(c, (size_t)col[COL_FEE]);
		const char *amt = csv_field(c, (size_t)col[COL_AMOUNT]);
		char cur[8], type[48];
		struct db_stmt *st;
		int64_t oid = 0, sid = 0, amount;
		long line = csv_line(c);

		if ((st = db_prep(s->db, "SELECT o.id, o.shop_id, o.currency FROM orders o "
		    "JOIN shop sh ON sh.id = o.shop_id WHERE sh.channel = ? AND sh.shop_code = ? "
		    "AND o.order_no = ?")) == NULL) {
			rc = session_fail(s, DB_ERR, "%s: %s", name, db_errmsg(s->db));
			break;
		}
		db_bind_text(st, 1, ch);
		db_bind_text(st, 2, shop);
		db_bind_text(st, 3, no);
		if ((rc = db_step(st)) == DB_ROW) {
			oid = db_col_int(st, 0);
			sid = db_col_int(st, 1);
			snprintf(cur, sizeof cur, "%s", db_col_text(st, 2));
			rc = 0;
		}
		db_done(st);
		if (rc < 0) {
			rc = session_fail(s, rc, "%s:%ld: %s", name, line, db_errmsg(s->db));
			break;
		}
		if (oid == 0) {
			rc = session_fail(s, DB_EINVAL, "%s:%ld: order %s of %s shop %s not found",
			    name, line, no, ch, shop);
			break;
		}
		if (col[COL_CURRENCY] >= 0 && csv_field(c, (size_t)col[COL_CURRENCY])[0] != '\0' &&
		    strcmp(csv_field(c, (size_t)col[COL_CURRENCY]), cur) != 0) {
			rc = session_fail(s, DB_EINVAL, "%s:%ld: currency %s, but order %s is in %s",
			    name, line, csv_field(c, (size_t)col[COL_CURRENCY]), no, cur);
			break;
		}
		fee_key(fee, type, sizeof type);
		if (type[0] == '\0') {
			rc = session_fail(s, DB_EINVAL, "%s:%ld: empty fee_type", name, line);
			break;
		}
		if (parse_money(amt, currency_exp(cur), &amount) != 0) {
			rc = session_fail(s, DB_EINVAL, "%s:%ld: amount '%.40s' is not a number in %s",
			    name, line, amt, cur);
			break;
		}
		/* 'file-new' marks the lines of this import, so repeats within it add up. */
		rc = db_run(s->db, "INSERT INTO settlement_fee(shop_id, order_id, fee_type, amount, "
		    "currency, final, fetched_at, source) VALUES (?, ?, ?, ?, ?, 1, ?, 'file-new') "
		    "ON CONFLICT(shop_id, order_id, fee_type) DO UPDATE SET amount = CASE WHEN "
		    "settlement_fee.source = 'file-new' THEN settlement_fee.amount + excluded.amount "
		    "ELSE excluded.amount END, final = 1, fetched_at = excluded.fetched_at, "
		    "source = 'file-new'", "iisisi", sid, oid, type, amount, cur, now);
		if (rc == 0)
			rc = db_run(s->db, "INSERT INTO settlement(order_id, shop_id, currency, final, "
			    "fetched_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT(order_id) DO UPDATE SET "
			    "final = 1, fetched_at = excluded.fetched_at, last_error = NULL",
			    "iisi", oid, sid, cur, now);
		if (rc != 0) {
			rc = session_fail(s, rc, "%s:%ld: %s", name, line, db_errmsg(s->db));
			break;
		}
		nl++;
	}
	if (rc == 0 && r < 0)
		rc = session_fail(s, DB_EINVAL, "%s:%ld: %s", name, csv_error_line(c), csv_error(c));
	if (rc == 0 && nl == 0)
		rc = session_fail(s, DB_EINVAL, "%s: no settlement lines", name);
	if (rc == 0 && (rc = db_int(s->db, orders, "SELECT count(DISTINCT order_id) FROM "
	    "settlement_fee WHERE source = 'file-new'", "")) != 0)
		rc = session_fail(s, rc, "%s: %s", name, db_errmsg(s->db));
	if (rc == 0 && (rc = db_run(s->db, "UPDATE settlement_fee SET source = 'file' WHERE "
	    "source = 'file-new'", "")) != 0)
		rc = session_fail(s, rc, "%s: %s", name, db_errmsg(s->db));
	if (rc == 0) {
		snprintf(after, sizeof after, "{\"lines\":%" PRId64 ",\"orders\":%" PRId64 "}",
		    nl, *orders);
		rc = audit_log(s, "settlement", 0, "import", "", after);
	}
	if (rc == 0 && (rc = db_commit(s->db)) != 0)
		rc = session_fail(s, rc, "%s: %s", name, db_errmsg(s->db));
	if (rc != 0) {
		db_rollback(s->db);
		*orders = 0;
	} else {
		*lines = nl;
	}
out:
	csv_free(c);
	return rc;
}

/* ---- reconciliation ------------------------------------------------------------ */

struct acc {
	struct recon_report *r;
	size_t cap_shops, cap_flags;
};

static struct recon_shop *
shop_row(struct acc *a, const char *channel, const char *shop, const char *cur)
{
	struct recon_report *r = a->r;
	struct recon_shop *sh;

	if (r->nshops > 0) {
		sh = &r->shops[r->nshops - 1];
		if (strcmp(sh->channel, channel) == 0 && strcmp(sh->shop, shop) == 0)
			return sh;
	}
	if (r->nshops == a->cap_shops) {
		a->cap_shops = a->cap_shops ? 2 * a->cap_shops : 8;
		r->shops = xrealloc(r->shops, a->cap_shops * sizeof *r->shops);
	}
	sh = &r->shops[r->nshops++];
	memset(sh, 0, sizeof *sh);
	snprintf(sh->channel, sizeof sh->channel, "%s", channel);
	snprintf(sh->shop, sizeof sh->shop, "%s", shop);
	snprintf(sh->currency, sizeof sh->currency, "%s", cur);
	return sh;
}

static void
flag(struct acc *a, const struct recon_shop *sh, const char *order_no, enum recon_cat fee,
    int64_t expected, int64_t actual)
{
	struct recon_report *r = a->r;
	struct recon_flag *fl;

	if (r->nflags == a->cap_flags) {
		a->cap_flags = a->cap_flags ? 2 * a->cap_flags : 8;
		r->flags = xrealloc(r->flags, a->cap_flags * sizeof *r->flags);
	}
	fl = &r->flags[r->nflags++];
	memset(fl, 0, sizeof *fl);
	snprintf(fl->channel, sizeof fl->channel, "%s", sh->channel);
	snprintf(fl->shop, sizeof fl->shop, "%s", sh->shop);
	snprintf(fl->order_no, sizeof fl->order_no, "%s", order_no);
	snprintf(fl->currency, sizeof fl->currency, "%s", sh->currency);
	fl->fee = fee;
	fl->expected = expected;
	fl->actual = actual;
}

/* One order's lines summed by category: compare, then add to its shop's row. */
static void
close_order(struct acc *a, const struct recon_fees *f, struct recon_shop *sh,
    const char *order_no, const int64_t cat[RC__CATS], int has_net, int64_t items,
    int64_t total)
{
	const struct recon_sched *sc = recon_fees_find(f, sh->channel, sh->shop);
	int64_t net = 0;
	int c;

	sh->orders++;
	for (c = 0; c < RC__CATS; c++) {
		sh->cat[c] += cat[c];
		if (c != RC_NET && c != RC_INFO)
			net += cat[c];
	}
	sh->net += has_net ? cat[RC_NET] : net;
	if (sc == NULL)
		return;
	{
		const struct { enum recon_cat c; int64_t expected; int on; } chk[] = {
			{ RC_COMMISSION, recon_ppm(items, sc->commission_ppm), 1 },
			{ RC_SERVICE, recon_ppm(items, sc->service_ppm) + sc->fixed, 1 },
			{ RC_TRANSACTION, recon_ppm(total, sc->transaction_ppm), 1 },
			{ RC_SUBSIDY, sc->shipping_subsidy, sc->shipping_subsidy > 0 },
		};
		size_t i;

		for (i = 0; i < sizeof chk / sizeof chk[0]; i++) {
			/* A fee is charged (negative lines); the subsidy is paid (positive). */
			int64_t actual = chk[i].c == RC_SUBSIDY ? cat[RC_SUBSIDY] : -cat[chk[i].c];
			int64_t d = actual - chk[i].expected;

			if (!chk[i].on || (d <= f->threshold && -d <= f->threshold))
				continue;
			flag(a, sh, order_no, chk[i].c, chk[i].expected, actual);
			sh->flagged++;
		}
	}
}

static int
by_shop(const void *x, const void *y)
{
	const struct recon_shop *a = x, *b = y;
	int c = strcmp(a->channel, b->channel);

	return c != 0 ? c : strcmp(a->shop, b->shop);
}

int
recon_run(struct session *s, const struct recon_fees *f, int64_t from, int64_t to,
    struct recon_report *out)
{
	struct acc a = { out, 0, 0 };
	struct db_stmt *st;
	struct recon_shop *sh = NULL;
	int64_t cat[RC__CATS], cur_order = 0, items = 0, total = 0;
	char order_no[64] = "";
	int rc, has_net = 0;

	memset(out, 0, sizeof *out);
	if ((rc = session_require(s, ROLE_SUPERVISOR, "reconciliation")) != 0)
		return rc;
	/* The orders with settlement lines, each once per line, by shop then order. */
	st = db_prep(s->db, "SELECT sh.channel, sh.shop_code, o.id, o.order_no, o.currency, "
	    "o.total, (SELECT coalesce(sum(qty * unit_price), 0) FROM order_line WHERE "
	    "order_id = o.id), f.fee_type, f.amount FROM settlement_fee f "
	    "JOIN orders o ON o.id = f.order_id JOIN shop sh ON sh.id = o.shop_id "
	    "WHERE o.created_at >= ? AND o.created_at < ? "
	    "ORDER BY sh.channel, sh.shop_code, o.order_no, o.id, f.fee_type");
	if (st == NULL)
		return session_fail(s, DB_ERR, "reconciliation: %s", db_errmsg(s->db));
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	memset(cat, 0, sizeof cat);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t oid = db_col_int(st, 2);
		enum recon_cat c;

		if (oid != cur_order) {
			if (cur_order != 0)
				close_order(&a, f, sh, order_no, cat, has_net, items, total);
			sh = shop_row(&a, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 4));
			cur_order = oid;
			snprintf(order_no, sizeof order_no, "%s", db_col_text(st, 3));
			total = db_col_int(st, 5);
			items = db_col_int(st, 6);
			memset(cat, 0, sizeof cat);
			has_net = 0;
		}
		c = recon_category(db_col_text(st, 7));
		cat[c] += db_col_int(st, 8);
		has_net |= c == RC_NET;
	}
	db_done(st);
	if (cur_order != 0)
		close_order(&a, f, sh, order_no, cat, has_net, items, total);
	if (rc < 0) {
		recon_report_free(out);
		return session_fail(s, rc, "reconciliation: %s", db_errmsg(s->db));
	}
	/* COD collected: delivered or completed COD orders of each shop in the period. */
	st = db_prep(s->db, "SELECT sh.channel, sh.shop_code, min(o.currency), sum(o.cod) "
	    "FROM orders o JOIN shop sh ON sh.id = o.shop_id WHERE o.cod > 0 AND "
	    "o.status IN ('DELIVERED', 'COMPLETED') AND o.created_at >= ? AND o.created_at < ? "
	    "GROUP BY sh.channel, sh.shop_code ORDER BY sh.channel, sh.shop_code");
	if (st == NULL) {
		recon_report_free(out);
		return session_fail(s, DB_ERR, "reconciliation: %s", db_errmsg(s->db));
	}
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	while ((rc = db_step(st)) == DB_ROW) {
		size_t i;

		for (i = 0; i < out->nshops; i++) {
			if (strcmp(out->shops[i].channel, db_col_text(st, 0)) == 0 &&
			    strcmp(out->shops[i].shop, db_col_text(st, 1)) == 0)
				break;
		}
		if (i == out->nshops)
			shop_row(&a, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
		out->shops[i].cod += db_col_int(st, 3);
	}
	db_done(st);
	if (rc < 0) {
		recon_report_free(out);
		return session_fail(s, rc, "reconciliation: %s", db_errmsg(s->db));
	}
	if (out->nshops > 1)
		qsort(out->shops, out->nshops, sizeof *out->shops, by_shop);
	return 0;
}

void
recon_report_free(struct recon_report *r)
{
	free(r->shops);
	free(r->flags);
	memset(r, 0, sizeof *r);
}

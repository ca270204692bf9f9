/*
 * risk.c — the risk rules (risk.h): one function per rule in rules[], each reading what
 * it needs of the order (loaded once) and adding at most one flag; and the blacklist
 * (schema 9, risk_block).
 */
#include "risk.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "xalloc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct risk_config cfg = {
	RISK_HIGH_COD_VND, 1, 2, 24 * 3600, 1, 1,
};

void
risk_config_defaults(struct risk_config *c)
{
	c->high_cod = RISK_HIGH_COD_VND;
	c->cod_refusals = 1;
	c->returns = 2;
	c->duplicate_window_s = 24 * 3600;
	c->check_phone = 1;
	c->check_address = 1;
}

void
risk_set_config(const struct risk_config *c)
{
	cfg = *c;
}

const struct risk_config *
risk_get_config(void)
{
	return &cfg;
}

/* ---- normalising ---- */

int
risk_phone_norm(const char *phone, char *buf, size_t len)
{
	size_t o = 0;
	const char *p = phone;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+')
		p++;
	for (; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p)) {
			if (o + 1 >= len)
				return -1;
			buf[o++] = *p;
		} else if (!strchr(" .-()", *p)) {
			buf[0] = '\0';
			return -1;
		}
	}
	buf[o] = '\0';
	/* 84 912 345 678 (the country code, 11 digits and more) is 0912 345 678. */
	if (o >= 11 && buf[0] == '8' && buf[1] == '4') {
		memmove(buf + 1, buf + 2, o - 1);
		buf[0] = '0';
		o--;
	}
	return o >= 6 ? 0 : -1;
}

int
risk_phone_valid(const char *phone)
{
	/* Mobile prefixes in use since the 2018 renumbering. */
	static const char *const mobile[] = {
		"032", "033", "034", "035", "036", "037", "038", "039",
		"052", "055", "056", "058", "059",
		"070", "076", "077", "078", "079",
		"081", "082", "083", "084", "085", "086", "087", "088", "089",
		"090", "091", "092", "093", "094", "096", "097", "098", "099",
	};
	char n[32];
	size_t len, i;

	if (risk_phone_norm(phone, n, sizeof n) != 0)
		return 0;
	len = strlen(n);
	if (len == 10) {
		for (i = 0; i < NELEM(mobile); i++)
			if (memcmp(n, mobile[i], 3) == 0)
				return 1;
		return 0;
	}
	/* Landlines: 02 + a two-digit area code (20-29 hundreds) + 8 digits... all start
	 * 02 and have 11 digits. */
	return len == 11 && n[0] == '0' && n[1] == '2';
}

/* The lowercase of a Vietnamese letter (Latin-1, Latin Extended-A and -B's horned
 * letters, Latin Extended Additional's tone-marked vowels); others unchanged. */
static unsigned
vn_lower(unsigned c)
{
	if (c < 0x80)
		return (unsigned)tolower((int)c);
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if ((c >= 0x100 && c <= 0x17f && c % 2 == 0 && c != 0x130 && c != 0x138) ||
	    c == 0x1a0 || c == 0x1af || (c >= 0x1ea0 && c <= 0x1ef9 &&
	    c % 2 == 0))
		return c + 1;
	return c;
}

/* Decode one UTF-8 sequence at p (n bytes left) into *c; its length, 1 for bad bytes
 * (taken as they are). */
static size_t
utf8_get(const unsigned char *p, size_t n, unsigned *c)
{
	size_t len, i;

	if (p[0] < 0x80) {
		*c = p[0];
		return 1;
	}
	len = (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ?
	    4 : 0;
	if (len == 0 || len > n) {
		*c = 0xfffd;
		return 1;
	}
	*c = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*c = 0xfffd;
			return 1;
		}
		*c = (*c << 6) | (p[i] & 0x3f);
	}
	return len;
}

static size_t
utf8_put(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | (c >> 12));
	o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

void
risk_address_norm(const char *addr, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)addr;
	size_t o = 0, n = strlen(addr), k;
	int blank = 0;

	if (len == 0)
		return;
	while (n > 0) {
		unsigned c;

		k = utf8_get(p, n, &c);
		if (c < 0x80 && (isspace((int)c) || ispunct((int)c))) {
			blank = o > 0;
		} else {
			char enc[4];
			size_t m;

			if (k == 1 && c == 0xfffd) {
				enc[0] = (char)*p;
				m = 1;
			} else if (k == 4) {
				memcpy(enc, p, 4);
				m = 4;
			} else {
				m = utf8_put(enc, vn_lower(c));
			}
			if (o + (size_t)blank + m + 1 > len)
				break;
			if (blank)
				buf[o++] = ' ';
			blank = 0;
			memcpy(buf + o, enc, m);
			o += m;
		}
		p += k;
		n -= k;
	}
	buf[o] = '\0';
}

/* ---- the rules ---- */

struct order_facts {
	int64_t id, cod, created_at;
	char currency[4];
	char phone[64], norm_phone[32];
	char address[256], district[64], province[64];
	char full[512];             /* address, district, province normalised */
	char rule_flags[512];       /* flags set by rules (rules.h), "; "-separated */
};

#define RISK_DUP_CANDIDATES 16

/* What the other orders to the same phone say, read once for the rules that need it. */
/* Past parcels that came back are counted up to this many (shown as "100+"). */
#define HISTORY_CAP 100

struct history {
	int loaded;
	int64_t cod_back, prepaid_back;         /* RETURNING or RETURNED */
	/* Live orders within the duplicate window, oldest first (address not checked). */
	int64_t dup_id[RISK_DUP_CANDIDATES], dup_at[RISK_DUP_CANDIDATES];
	int ndup;
};

struct ctx {
	struct session *s;
	const struct order_facts *o;
	struct history h;
	struct risk_flag *out;
	int max, n;
};

static void add(struct ctx *c, enum risk_kind k, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct ctx *c, enum risk_kind k, const char *label, const char *fmt, ...)
{
	struct risk_flag *f;
	va_list ap;

	if (c->n >= c->max)
		return;
	f = &c->out[c->n++];
	f->kind = k;
	snprintf(f->label, sizeof f->label, "%s", label);
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
}

/* 2500000 as "2.500.000". */
static void
grouped(char *buf, size_t len, int64_t v)
{
	char d[32];
	size_t n, i, o = 0;

	n = (size_t)snprintf(d, sizeof d, "%" PRId64, v < 0 ? -v : v);
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = '.';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
}

static int
rule_high_cod(struct ctx *c)
{
	char a[32], b[32];

	if (cfg.high_cod <= 0 || strcmp(c->o->currency, "VND") != 0 || c->o->cod < cfg.high_cod)
		return 0;
	grouped(a, sizeof a, c->o->cod);
	grouped(b, sizeof b, cfg.high_cod);
	add(c, RISK_HIGH_COD, "HIGH COD", "COD %s VND is at least %s", a, b);
	return 0;
}

/*
 * The other orders to the same phone, in two index ranges: parcels that came back, and
 * the oldest RISK_DUP_CANDIDATES live orders within the duplicate window.
 */
static int
history(struct ctx *c)
{
	struct history *h = &c->h;
	struct db_stmt *st;
	int rc;

	if (h->loaded)
		return 0;
	h->loaded = 1;
	if (c->o->phone[0] == '\0')
		return 0;
	/* Parcels that came back, counted up to HISTORY_CAP each: ranges of schema 9's
	 * orders_phone_hist alone, however many orders share the phone. */
	st = db_prep(c->s->db, "SELECT (SELECT count(*) FROM (SELECT 1 FROM orders WHERE "
	    "buyer_phone = ?1 AND status IN ('RETURNING', 'RETURNED') AND cod > 0 AND id <> ?2 "
	    "LIMIT ?3) AS a), (SELECT count(*) FROM (SELECT 1 FROM orders WHERE buyer_phone = ?1 "
	    "AND status IN ('RETURNING', 'RETURNED') AND cod <= 0 AND id <> ?2 LIMIT ?3) AS b)");
	if (st == NULL)
		return session_fail(c->s, DB_ERR, "risk: %s", db_errmsg(c->s->db));
	db_bind_text(st, 1, c->o->phone);
	db_bind_int(st, 2, c->o->id);
	db_bind_int(st, 3, HISTORY_CAP);
	if ((rc = db_step(st)) == DB_ROW) {
		h->cod_back = db_col_int(st, 0);
		h->prepaid_back = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != DB_ROW)
		return session_fail(c->s, rc < 0 ? rc : DB_ERR, "risk: %s", db_errmsg(c->s->db));
	/*
	 * Live orders within the duplicate window, oldest first: a range of schema 21's
	 * orders_phone_at, so a phone shared by thousands of orders (marketplaces mask
	 * buyers' phones) costs no more than a few rows. The address is compared later.
	 */
	st = db_prep(c->s->db, "SELECT id, created_at FROM orders WHERE buyer_phone = ?1 AND "
	    "created_at >= ?3 AND created_at <= ?4 AND id <> ?2 AND status NOT IN "
	    "('CANCELLED', 'RETURNING', 'RETURNED') ORDER BY created_at, id LIMIT ?5");
	if (st == NULL)
		return session_fail(c->s, DB_ERR, "risk: %s", db_errmsg(c->s->db));
	db_bind_text(st, 1, c->o->phone);
	db_bind_int(st, 2, c->o->id);
	db_bind_int(st, 3, c->o->created_at - cfg.duplicate_window_s);
	db_bind_int(st, 4, c->o->created_at + cfg.duplicate_window_s);
	db_bind_int(st, 5, RISK_DUP_CANDIDATES);
	while ((rc = db_step(st)) == DB_ROW && h->ndup < RISK_DUP_CANDIDATES) {
		h->dup_id[h->ndup] = db_col_int(st, 0);
		h->dup_at[h->ndup] = db_col_int(st, 1);
		h->ndup++;
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return session_fail(c->s, rc, "risk: %s", db_errmsg(c->s->db));
	return 0;
}

/* Past parcels to the same phone that came back: COD ones (refused) and prepaid. */
static int
rule_history(struct ctx *c)
{
	int64_t cod, prepaid;
	char label[48];
	int rc;

	if (cfg.cod_refusals <= 0 && cfg.returns <= 0)
		return 0;
	if ((rc = history(c)) != 0)
		return rc;
	cod = c->h.cod_back;
	prepaid = c->h.prepaid_back;
	if (cfg.cod_refusals > 0 && cod >= cfg.cod_refusals) {
		snprintf(label, sizeof label, "REFUSED COD x%" PRId64 "%s", cod,
		    cod >= HISTORY_CAP ? "+" : "");
		add(c, RISK_REFUSED, label, "this phone refused %" PRId64 "%s COD parcel%s before",
		    cod, cod >= HISTORY_CAP ? " or more" : "", cod == 1 ? "" : "s");
	}
	if (cfg.returns > 0 && prepaid >= cfg.returns) {
		snprintf(label, sizeof label, "RETURNS x%" PRId64 "%s", prepaid,
		    prepaid >= HISTORY_CAP ? "+" : "");
		add(c, RISK_RETURNS, label, "this phone sent %" PRId64 "%s parcels back before",
		    prepaid, prepaid >= HISTORY_CAP ? " or more" : "");
	}
	return 0;
}

static int
rule_blocked(struct ctx *c)
{
	struct db_stmt *st;
	int rc, phone = 0, addr = 0;

	if (c->o->norm_phone[0] == '\0' && c->o->full[0] == '\0')
		return 0;
	/* instr() keeps the blacklist's own text out of any LIKE pattern; the longest
	 * address text that matches is named. */
	st = db_prep(c->s->db, "SELECT kind, value, reason FROM risk_block WHERE (kind = "
	    "'phone' AND value = ?1) OR (kind = 'address' AND ?2 <> '' AND instr(?2, value) > 0) "
	    "ORDER BY kind DESC, length(value) DESC");
	if (st == NULL)
		return session_fail(c->s, DB_ERR, "risk: %s", db_errmsg(c->s->db));
	db_bind_text(st, 1, c->o->norm_phone);
	db_bind_text(st, 2, c->o->full);
	while ((rc = db_step(st)) == DB_ROW) {
		if (strcmp(db_col_text(st, 0), "phone") == 0 && !phone++)
			add(c, RISK_BLOCKED_PHONE, "BLOCKED PHONE", "phone %s is blacklisted: %.80s",
			    db_col_text(st, 1), db_col_text(st, 2));
		else if (strcmp(db_col_text(st, 0), "address") == 0 && !addr++)
			add(c, RISK_BLOCKED_ADDRESS, "BLOCKED ADDRESS", "address matches blacklisted "
			    "'%.60s': %.60s", db_col_text(st, 1), db_col_text(st, 2));
	}
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(c->s, rc, "risk: %s", db_errmsg(c->s->db));
	return 0;
}

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static int
rule_address(struct ctx *c)
{
	int d = blank(c->o->district), p = blank(c->o->province);

	if (!cfg.check_address || (!d && !p))
		return 0;
	add(c, RISK_ADDRESS, d && p ? "NO DISTRICT/PROVINCE" : d ? "NO DISTRICT" :
	    "NO PROVINCE", "the address has no %s", d && p ? "district or province" :
	    d ? "district" : "province");
	return 0;
}

static int
rule_phone(struct ctx *c)
{
	if (!cfg.check_phone || risk_phone_valid(c->o->phone))
		return 0;
	if (blank(c->o->phone))
		add(c, RISK_PHONE, "NO PHONE", "the order has no buyer phone");
	else
		add(c, RISK_PHONE, "BAD PHONE", "'%.40s' is not a Vietnamese mobile or landline "
		    "number", c->o->phone);
	return 0;
}

/* The order's distinct SKUs as "3,7,12". */
static int
sku_set(struct session *s, int64_t order_id, char *buf, size_t len)
{
	struct db_stmt *st;
	int rc;

	buf[0] = '\0';
	st = db_prep(s->db, "SELECT group_concat(sku_id) FROM (SELECT DISTINCT sku_id FROM "
	    "order_line WHERE order_id = ? ORDER BY sku_id)");
	if (st == NULL)
		return session_fail(s, DB_ERR, "risk: %s", db_errmsg(s->db));
	db_bind_int(st, 1, order_id);
	if ((rc = db_step(st)) == DB_ROW) {
		snprintf(buf, len, "%s", db_col_text(st, 0));
		rc = 0;
	}
	db_done(st);
	if (rc < 0)
		return session_fail(s, rc, "risk: %s", db_errmsg(s->db));
	return 0;
}

/* 1 when order id ships to the same address, district and province (its number in
 * no), 0 when not, negative on error. */
static int
same_address(struct ctx *c, int64_t id, char *no, size_t len)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(c->s->db, "SELECT order_no FROM orders WHERE id = ? AND address = ? AND "
	    "district = ? AND province = ?");
	if (st == NULL)
		return session_fail(c->s, DB_ERR, "risk: %s", db_errmsg(c->s->db));
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, c->o->address);
	db_bind_text(st, 3, c->o->district);
	db_bind_text(st, 4, c->o->province);
	if ((rc = db_step(st)) == DB_ROW)
		snprintf(no, len, "%s", db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return session_fail(c->s, rc, "risk: %s", db_errmsg(c->s->db));
	return rc == DB_ROW;
}

/* Another live order to the same phone and address with the same SKUs, created within
 * the window either side; the oldest is named. */
static int
rule_duplicate(struct ctx *c)
{
	char mine[512], theirs[512];
	int rc, i;

	if (cfg.duplicate_window_s <= 0 || c->o->phone[0] == '\0')
		return 0;
	if ((rc = history(c)) != 0)
		return rc;
	if (c->h.ndup == 0)
		return 0;
	if ((rc = sku_set(c->s, c->o->id, mine, sizeof mine)) != 0)
		return rc;
	for (i = 0; i < c->h.ndup; i++) {
		char no[64];

		if ((rc = same_address(c, c->h.dup_id[i], no, sizeof no)) < 0)
			return rc;
		if (rc == 0)
			continue;
		if ((rc = sku_set(c->s, c->h.dup_id[i], theirs, sizeof theirs)) != 0)
			return rc;
		if (strcmp(mine, theirs) == 0) {
			add(c, RISK_DUPLICATE, "DUPLICATE", "same phone, address and SKUs as %.40s "
			    "within %" PRId64 " h", no, cfg.duplicate_window_s / 3600);
			break;
		}
	}
	return 0;
}

/* The order rules' flags (rules.h): each its own flag, labelled with its words. */
static int
rule_flagged(struct ctx *c)
{
	const char *p = c->o->rule_flags;

	while (*p) {
		const char *e = strstr(p, "; ");
		int n = e ? (int)(e - p) : (int)strlen(p);
		char label[48];

		snprintf(label, sizeof label, "%.*s", n, p);
		add(c, RISK_RULE, label, "flagged by a rule: %.*s", n, p);
		p += n + (e ? 2 : 0);
	}
	return 0;
}

static int (*const rules[])(struct ctx *) = {
	rule_high_cod, rule_history, rule_blocked, rule_address, rule_phone, rule_duplicate,
	rule_flagged,
};

static int
load_facts(struct session *s, int64_t order_id, struct order_facts *o)
{
	struct db_stmt *st;
	char full[600];
	int rc;

	memset(o, 0, sizeof *o);
	st = db_prep(s->db, "SELECT cod, currency, buyer_phone, address, district, province, "
	    "created_at, rule_flags FROM orders WHERE id = ?");
	if (st == NULL)
		return session_fail(s, DB_ERR, "risk: %s", db_errmsg(s->db));
	db_bind_int(st, 1, order_id);
	if ((rc = db_step(st)) == DB_ROW) {
		o->id = order_id;
		o->cod = db_col_int(st, 0);
		snprintf(o->currency, sizeof o->currency, "%s", db_col_text(st, 1));
		snprintf(o->phone, sizeof o->phone, "%s", db_col_text(st, 2));
		snprintf(o->address, sizeof o->address, "%s", db_col_text(st, 3));
		snprintf(o->district, sizeof o->district, "%s", db_col_text(st, 4));
		snprintf(o->province, sizeof o->province, "%s", db_col_text(st, 5));
		o->created_at = db_col_int(st, 6);
		snprintf(o->rule_flags, sizeof o->rule_flags, "%s", db_col_text(st, 7));
	}
	db_done(st);
	if (rc != DB_ROW)
		return session_fail(s, rc == DB_DONE ? DB_ENOTFOUND : rc, "risk: order %" PRId64
		    " not found", order_id);
	if (risk_phone_norm(o->phone, o->norm_phone, sizeof o->norm_phone) != 0)
		o->norm_phone[0] = '\0';
	snprintf(full, sizeof full, "%s, %s, %s", o->address, o->district, o->province);
	risk_address_norm(full, o->full, sizeof o->full);
	return 0;
}

int
risk_check(struct session *s, int64_t order_id, struct risk_flag *out, int max, int *n)
{
	struct order_facts o;
	struct ctx c;
	size_t i;
	int rc;

	*n = 0;
	if ((rc = load_facts(s, order_id, &o)) != 0)
		return rc;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.o = &o;
	c.out = out;
	c.max = max;
	c.n = 0;
	for (i = 0; i < NELEM(rules); i++)
		if ((rc = rules[i](&c)) != 0)
			return rc;
	*n = c.n;
	return 0;
}

void
risk_join(const struct risk_flag *f, int n, int reasons, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		if (reasons)
			o += (size_t)snprintf(buf + o, len - o, "%s%s: %s", i ? "; " : "",
			    f[i].label, f[i].reason);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " · " : "", f[i].label);
	}
}

static int
join(struct session *s, int64_t order_id, char *buf, size_t len, int reasons)
{
	struct risk_flag f[RISK_MAX_FLAGS];
	int n, rc;

	if (len > 0)
		buf[0] = '\0';
	if ((rc = risk_check(s, order_id, f, RISK_MAX_FLAGS, &n)) != 0)
		return rc;
	risk_join(f, n, reasons, buf, len);
	return 0;
}

int
risk_flags(struct session *s, int64_t order_id, char *buf, size_t len)
{
	return join(s, order_id, buf, len, 0);
}

int
risk_reasons(struct session *s, int64_t order_id, char *buf, size_t len)
{
	return join(s, order_id, buf, len, 1);
}

/* ---- the blacklist ---- */

static const char *const block_kinds[] = { "phone", "address" };

int
risk_block_kind_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(block_kinds); i++)
		if (strcmp(name, block_kinds[i]) == 0)
			return (int)i;
	return -1;
}

const char *
risk_block_kind_name(enum risk_block_kind k)
{
	return (unsigned)k < NELEM(block_kinds) ? block_kinds[k] : "?";
}

/* The value as stored for kind; 0, or DB_EINVAL with s->err. */
static int
block_value(struct session *s, enum risk_block_kind kind, const char *value, char *buf,
    size_t len)
{
	if ((unsigned)kind >= NELEM(block_kinds))
		return session_fail(s, DB_EINVAL, "risk: no such blacklist kind");
	if (kind == RISK_BLOCK_PHONE) {
		if (risk_phone_norm(value, buf, len) != 0)
			return session_fail(s, DB_EINVAL, "'%.40s' is not a phone number", value);
		return 0;
	}
	risk_address_norm(value, buf, len);
	if (strlen(buf) < 5)
		return session_fail(s, DB_EINVAL, "address '%.60s' is too short to block (5 "
		    "characters at least)", value);
	return 0;
}

int
risk_block(struct session *s, enum risk_block_kind kind, const char *value,
    const char *reason)
{
	char v[256], after[512];
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "the blacklist")) != 0)
		return rc;
	if ((rc = block_value(s, kind, value, v, sizeof v)) != 0)
		return rc;
	if (reason == NULL || blank(reason))
		return session_fail(s, DB_EINVAL, "blocking %s needs a reason", v);
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "risk: %s", db_errmsg(s->db));
	rc = db_run(s->db, "INSERT INTO risk_block (kind, value, reason, user_name, created_at) "
	    "VALUES (?, ?, ?, ?, ?)", "ssssi", block_kinds[kind], v, reason, s->user,
	    clock_now());
	if (rc == DB_ECONSTRAINT) {
		db_rollback(s->db);
		return session_fail(s, rc, "%s %s is already blocked", block_kinds[kind], v);
	}
	if (rc == 0) {
		snprintf(after, sizeof after, "%s %s: %s", block_kinds[kind], v, reason);
		rc = audit_log(s, "risk_block", db_last_id(s->db), "block", "", after);
	}
	if (rc == 0 && (rc = db_commit(s->db)) == 0)
		return 0;
	db_rollback(s->db);
	return session_fail(s, rc, "risk: %s", db_errmsg(s->db));
}

int
risk_unblock(struct session *s, enum risk_block_kind kind, const char *value)
{
	char v[256], before[512];
	int64_t id;
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "the blacklist")) != 0)
		return rc;
	if ((rc = block_value(s, kind, value, v, sizeof v)) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "risk: %s", db_errmsg(s->db));
	rc = db_int(s->db, &id, "SELECT id FROM risk_block WHERE kind = ? AND value = ?", "ss",
	    block_kinds[kind], v);
	if (rc == DB_ENOTFOUND) {
		db_rollback(s->db);
		return session_fail(s, rc, "%s %s is not blocked", block_kinds[kind], v);
	}
	if (rc == 0)
		rc = db_run(s->db, "DELETE FROM risk_block WHERE id = ?", "i", id);
	if (rc == 0) {
		snprintf(before, sizeof before, "%s %s", block_kinds[kind], v);
		rc = audit_log(s, "risk_block", id, "unblock", before, "");
	}
	if (rc == 0 && (rc = db_commit(s->db)) == 0)
		return 0;
	db_rollback(s->db);
	return session_fail(s, rc, "risk: %s", db_errmsg(s->db));
}

int
risk_block_list(struct session *s, struct risk_block_row **rows, size_t *n)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the blacklist")) != 0)
		return rc;
	st = db_prep(s->db, "SELECT id, kind, value, reason, user_name, created_at FROM "
	    "risk_block ORDER BY kind, value");
	if (st == NULL)
		return session_fail(s, DB_ERR, "risk: %s", db_errmsg(s->db));
	while ((rc = db_step(st)) == DB_ROW) {
		struct risk_block_row *r;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof *r);
		r->id = db_col_int(st, 0);
		r->kind = strcmp(db_col_text(st, 1), "phone") == 0 ? RISK_BLOCK_PHONE :
		    RISK_BLOCK_ADDRESS;
		snprintf(r->value, sizeof r->value, "%s", db_col_text(st, 2));
		snprintf(r->reason, sizeof r->reason, "%s", db_col_text(st, 3));
		snprintf(r->user, sizeof r->user, "%s", db_col_text(st, 4));
		r->created_at = db_col_int(st, 5);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return session_fail(s, rc, "risk: %s", db_errmsg(s->db));
	}
	return 0;
}

/*
 * config.c — the configuration file. inih splits the lines; this file knows every section
 * and key, each in a table with its kind, range and (for shops) the channels that have or
 * need it. inih's handler is not told line numbers, so the parse goes through
 * ini_parse_stream with a reader of ours that counts lines, meets each [section] header
 * before inih does (so an empty misspelt or incomplete section is caught too) and refuses
 * a line too long for the buffer instead of letting it be cut. The first error ends it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "cmd.h"
#include "core/carrier.h"
#include "core/route.h"
#include "core/xalloc.h"
#include "devices/devuri.h"

#define MAX_LINE 4096               /* inih's line buffer while we parse */
#define MAX_SHOP_NAME 63
#define MAX_KEYS 24

enum kind {
	K_BUF,                      /* text into a char array of max bytes */
	K_DEVICE,                   /* a device address into a char array */
	K_SCANNER,                  /* "keyboard" or a device address */
	K_INT,                      /* int64_t in [min, max] */
	K_BOOL,                     /* int */
	K_DPI,                      /* int, 203 or 300 */
	K_OFFSET,                   /* the station's utc_offset and utc_offset_min */
	K_CHANNEL,                  /* enum config_channel */
	K_STR,                      /* malloc'd text, at most max bytes when max > 0 */
	K_SECRET,                   /* malloc'd text that is never shown */
	K_URL,                      /* malloc'd http(s) URL */
};

#define CH(c) (1u << (c))
#define ANY (CH(CONFIG_SHOPEE) | CH(CONFIG_LAZADA) | CH(CONFIG_TIKTOK))
#define LZ_TT (CH(CONFIG_LAZADA) | CH(CONFIG_TIKTOK))

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	int64_t min, max;           /* K_INT range; the size of K_BUF, K_DEVICE, K_SCANNER */
	unsigned channels;          /* shop keys: the channels that have the key */
	unsigned needs;             /* shop keys: the channels that need it */
};

#define ST(f) offsetof(struct config_station, f)
#define STSZ(f) ((int64_t)sizeof(((struct config_station *)NULL)->f))
static const struct key station_keys[] = {
	{ "id", K_BUF, ST(id), 0, STSZ(id), 0, 0 },
	{ "warehouse", K_BUF, ST(warehouse), 0, STSZ(warehouse), 0, 0 },
	{ "printer", K_DEVICE, ST(printer), 0, STSZ(printer), 0, 0 },
	{ "scale", K_DEVICE, ST(scale), 0, STSZ(scale), 0, 0 },
	{ "scanner", K_SCANNER, ST(scanner), 0, STSZ(scanner), 0, 0 },
	{ "weight_tolerance_g", K_INT, ST(weight_tolerance_g), 0, 100000, 0, 0 },
	{ "weight_tolerance_pct", K_INT, ST(weight_tolerance_pct), 0, 100, 0, 0 },
	{ "auto_confirm", K_BOOL, ST(auto_confirm), 0, 0, 0, 0 },
	{ "label_dpi", K_DPI, ST(label_dpi), 0, 0, 0, 0 },
	{ "utc_offset", K_OFFSET, 0, 0, 0, 0, 0 },
};

#define SH(f) offsetof(struct config_shop, f)
static const struct key shop_keys[] = {
	{ "channel", K_CHANNEL, SH(channel), 0, 0, ANY, ANY },
	{ "api_base", K_URL, SH(api_base), 0, 0, ANY, 0 },
	{ "auth_base", K_URL, SH(auth_base), 0, 0, ANY, 0 },
	{ "access_token", K_SECRET, SH(access_token), 0, 0, ANY, 0 },
	{ "refresh_token", K_SECRET, SH(refresh_token), 0, 0, ANY, 0 },
	{ "warehouse", K_STR, SH(warehouse), 0, 31, ANY, 0 },
	{ "partner_id", K_INT, SH(partner_id), 1, INT64_MAX, CH(CONFIG_SHOPEE),
	  CH(CONFIG_SHOPEE) },
	{ "partner_key", K_SECRET, SH(partner_key), 0, 0, CH(CONFIG_SHOPEE),
	  CH(CONFIG_SHOPEE) },
	{ "shop_id", K_INT, SH(shop_id), 1, INT64_MAX, CH(CONFIG_SHOPEE), CH(CONFIG_SHOPEE) },
	{ "app_key", K_STR, SH(app_key), 0, 0, LZ_TT, LZ_TT },
	{ "app_secret", K_SECRET, SH(app_secret), 0, 0, LZ_TT, LZ_TT },
	{ "shop_cipher", K_STR, SH(shop_cipher), 0, 0, CH(CONFIG_TIKTOK), CH(CONFIG_TIKTOK) },
};

#define SY(f) offsetof(struct config_sync, f)
static const struct key sync_keys[] = {
	{ "interval_s", K_INT, SY(interval_s), 1, 86400, 0, 0 },
	{ "rate_limit_per_s", K_INT, SY(rate_limit_per_s), 1, 1000, 0, 0 },
	{ "outbox_retry_max_s", K_INT, SY(outbox_retry_max_s), 1, 86400, 0, 0 },
	{ "in_station", K_BOOL, SY(in_station), 0, 0, 0, 0 },
	{ "lease_s", K_INT, SY(lease_s), 10, 86400, 0, 0 },
	{ "stock_buffer", K_INT, SY(stock_buffer), 0, 1000000000, 0, 0 },
};

#define AU(f) offsetof(struct config_auth, f)
#define AUSZ(f) ((int64_t)sizeof(((struct config_auth *)NULL)->f))
static const struct key auth_keys[] = {
	{ "pam", K_BOOL, AU(pam), 0, 0, 0, 0 },
	{ "pam_service", K_BUF, AU(pam_service), 0, AUSZ(pam_service), 0, 0 },
	{ "pam_confdir", K_BUF, AU(pam_confdir), 0, AUSZ(pam_confdir), 0, 0 },
};

#define RK(f) offsetof(struct risk_config, f)
static const struct key risk_keys[] = {
	{ "high_cod", K_INT, RK(high_cod), 0, INT64_MAX, 0, 0 },
	{ "cod_refusals", K_INT, RK(cod_refusals), 0, 1000, 0, 0 },
	{ "returns", K_INT, RK(returns), 0, 1000, 0, 0 },
	{ "duplicate_window_s", K_INT, RK(duplicate_window_s), 0, 30 * 86400, 0, 0 },
	{ "check_phone", K_BOOL, RK(check_phone), 0, 0, 0, 0 },
	{ "check_address", K_BOOL, RK(check_address), 0, 0, 0, 0 },
};

#define RO(f) offsetof(struct config_routing, f)
#define RO_CHANNEL(ch) \
	{ #ch "_min_shelf_days", K_INT, RO(ch.min_shelf_days), 0, 3650, 0, 0 }, \
	{ #ch "_split", K_BOOL, RO(ch.split), 0, 0, 0, 0 }, \
	{ #ch "_merge", K_BOOL, RO(ch.merge), 0, 0, 0, 0 }, \
	{ #ch "_deliver_days", K_INT, RO(ch.deliver_days), 0, 60, 0, 0 }
static const struct key routing_keys[] = {
	{ "allocate_on_confirm", K_BOOL, RO(allocate_on_confirm), 0, 0, 0, 0 },
	RO_CHANNEL(shopee),
	RO_CHANNEL(lazada),
	RO_CHANNEL(tiktok),
	RO_CHANNEL(manual),
};

#define FC(f) offsetof(struct demand_params, f)
static const struct key forecast_keys[] = {
	{ "lead_time_days", K_INT, FC(lead_time_days), 1, 365, 0, 0 },
	{ "service_level_pct", K_INT, FC(service_level_pct), 0, 99, 0, 0 },
	{ "safety_days", K_INT, FC(safety_days), 0, 365, 0, 0 },
	{ "horizon_days", K_INT, FC(horizon_days), 1, 730, 0, 0 },
	{ "history_days", K_INT, FC(history_days), 7, 3660, 0, 0 },
	{ "campaigns", K_BUF, FC(campaigns), 0,
	  (int64_t)sizeof(((struct demand_params *)NULL)->campaigns), 0, 0 },
};

#define NKEYS(t) (sizeof (t) / sizeof (t)[0])
_Static_assert(NKEYS(station_keys) <= MAX_KEYS && NKEYS(shop_keys) <= MAX_KEYS &&
    NKEYS(sync_keys) <= MAX_KEYS && NKEYS(routing_keys) <= MAX_KEYS, "raise MAX_KEYS");

static const char *const channel_names[] = {
	[CONFIG_SHOPEE] = "shopee",
	[CONFIG_LAZADA] = "lazada",
	[CONFIG_TIKTOK] = "tiktok",
};

/* The platforms' own hosts, for a shop that does not name its api_base. */
static const struct {
	const char *api, *auth;
} channel_hosts[] = {
	[CONFIG_SHOPEE] = { "https://partner.shopeemobile.com",
	    "https://partner.shopeemobile.com" },
	[CONFIG_LAZADA] = { "https://api.lazada.vn/rest", "https://auth.lazada.com/rest" },
	[CONFIG_TIKTOK] = { "https://open-api.tiktokglobalshop.com",
	    "https://auth.tiktok-shops.com" },
};

enum sec { SEC_NONE, SEC_STATION, SEC_SHOP, SEC_SYNC, SEC_BOXES, SEC_RISK, SEC_CARRIERS,
    SEC_AUTH, SEC_FEES, SEC_ROUTING, SEC_FORECAST, SEC__COUNT };

/* One parse in progress. */
struct load {
	struct config *cfg;
	const char *path;
	FILE *fp;
	int lineno;                 /* of the line inih is working on */
	enum sec sec;
	char secname[96];           /* as written between the brackets, for messages */
	int sec_line;
	int seen[SEC__COUNT];       /* header line of [station], [sync], [boxes] */
	const struct key *keys;     /* the current section's keys, and where they go */
	size_t nkeys;
	void *base;
	int key_line[MAX_KEYS];     /* where each key of the current section was set */
	int box_line[CONFIG_MAX_BOXES];
	int secrets;                /* a secret key has a value */
	int failed;
	char *err;
	size_t errlen;
};

/* Fill the error (the first one only) and return 0, inih's "stop". */
static int load_fail(struct load *ld, int line, const char *sec, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
load_fail(struct load *ld, int line, const char *sec, const char *key, const char *fmt, ...)
{
	char msg[512], where[160];
	va_list ap;

	if (ld->failed)
		return 0;
	ld->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sec != NULL && key != NULL)
		snprintf(where, sizeof where, "[%s] %s: ", sec, key);
	else if (sec != NULL)
		snprintf(where, sizeof where, "[%s]: ", sec);
	else if (key != NULL)
		snprintf(where, sizeof where, "%s: ", key);
	else
		where[0] = '\0';
	snprintf(ld->err, ld->errlen, "%s:%d: %s%s", ld->path, line, where, msg);
	return 0;
}

/* The error for the current line, section and key. */
static int load_bad(struct load *ld, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
load_bad(struct load *ld, const char *key, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return load_fail(ld, ld->lineno, ld->sec == SEC_NONE ? NULL : ld->secname, key,
	    "%s", msg);
}

/* Decimal integer: optional '-', digits, nothing else. */
static int
parse_int(const char *s, int64_t *out)
{
	const char *p = s[0] == '-' ? s + 1 : s;
	long long v;
	char *end;

	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "1" }, *const no[] = { "false", "no", "0" };
	size_t i;

	for (i = 0; i < NKEYS(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* "+07:00", "-03:30": minutes east of UTC, within -12:00 .. +14:00. */
static int
parse_offset(const char *s, int *out)
{
	int h, m;

	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]) ||
	    !isdigit((unsigned char)s[4]) || !isdigit((unsigned char)s[5]))
		return -1;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	m = (s[4] - '0') * 10 + (s[5] - '0');
	if (m > 59)
		return -1;
	*out = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return *out < -12 * 60 || *out > 14 * 60 ? -1 : 0;
}

/* http:// or https://, a host, no spaces. */
static int
url_ok(const char *s)
{
	const char *p;

	if (strncmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		p = s + 8;
	else
		return 0;
	if (*p == '\0' || *p == '/' || *p == ':')
		return 0;
	for (; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p) && (unsigned char)*p < 0x80)
			return 0;
	}
	return 1;
}

/*
 * Whether a name the file gives where a key or section goes may be echoed: keys and
 * section names are short words, while a secret pasted there by mistake is long.
 */
static int
name_shown(const char *s, size_t n, int section)
{
	size_t i;

	if (n == 0 || n > 24)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.' &&
		    !(section && (c == ' ' || c == '"')))
			return 0;
	}
	return 1;
}

/* Levenshtein distance of short words (keys), to suggest the key meant. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
	}
	return prev[lb];
}

static int
load_unknown(struct load *ld, const char *name)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < ld->nkeys; i++) {
		d = edit_distance(name, ld->keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = ld->keys[i].name;
		}
	}
	if (best != NULL)
		return load_bad(ld, name, "unknown key (did you mean %s?)", best);
	return load_bad(ld, name, "unknown key");
}

static int
load_device(struct load *ld, const struct key *k, const char *value)
{
	struct devuri d;
	char msg[300];

	if (k->kind == K_SCANNER && strcmp(value, "keyboard") == 0)
		return 1;
	if (devuri_parse(value, &d, msg, sizeof msg) != 0)
		return load_bad(ld, k->name, "%s%s", msg,
		    k->kind == K_SCANNER ? " or keyboard" : "");
	return 1;
}

/* Check value and store it for key k at ld->base; 1 when stored (inih's "go on"). */
static int
load_value(struct load *ld, const struct key *k, const char *value)
{
	char *field = (char *)ld->base + k->off;
	size_t len = strlen(value);
	int64_t v;
	char *s;
	int b;

	switch (k->kind) {
	case K_DEVICE:
	case K_SCANNER:
		if (!load_device(ld, k, value))
			return 0;
		/* FALLTHROUGH */
	case K_BUF:
		if (len >= (size_t)k->max)
			return load_bad(ld, k->name, "longer than %d characters", (int)k->max - 1);
		memcpy(field, value, len + 1);
		return 1;
	case K_INT:
		if (parse_int(value, &v) != 0)
			return load_bad(ld, k->name, "'%.40s' is not a whole number", value);
		if (v < k->min || v > k->max) {
			if (k->max == INT64_MAX)
				return load_bad(ld, k->name, "%" PRId64 " is less than %" PRId64,
				    v, k->min);
			return load_bad(ld, k->name, "%" PRId64 " is not between %" PRId64
			    " and %" PRId64, v, k->min, k->max);
		}
		memcpy(field, &v, sizeof v);
		return 1;
	case K_BOOL:
		if (parse_bool(value, &b) != 0)
			return load_bad(ld, k->name, "'%.40s' is not true, false, yes, no, 1 or 0",
			    value);
		memcpy(field, &b, sizeof b);
		return 1;
	case K_DPI:
		if (parse_int(value, &v) != 0 || (v != 203 && v != 300))
			return load_bad(ld, k->name, "'%.40s' is not 203 or 300", value);
		b = (int)v;
		memcpy(field, &b, sizeof b);
		return 1;
	case K_OFFSET:
		if (parse_offset(value, &b) != 0)
			return load_bad(ld, k->name, "'%.40s' is not an offset from UTC like +07:00 "
			    "(-12:00 to +14:00)", value);
		memcpy(ld->cfg->station.utc_offset, value, len + 1);
		ld->cfg->station.utc_offset_min = b;
		return 1;
	case K_CHANNEL:
		for (b = 0; b < CONFIG_NCHANNELS; b++) {
			if (strcmp(value, channel_names[b]) == 0) {
				enum config_channel ch = (enum config_channel)b;

				memcpy(field, &ch, sizeof ch);
				return 1;
			}
		}
		return load_bad(ld, k->name, "'%.40s' is not shopee, lazada or tiktok", value);
	case K_URL:
		if (!url_ok(value))
			return load_bad(ld, k->name, "'%.60s' is not an http:// or https:// URL",
			    value);
		while (len > 0 && value[len - 1] == '/')
			len--;
		s = xstrndup(value, len);
		memcpy(field, &s, sizeof s);
		return 1;
	case K_SECRET:
		ld->secrets = 1;
		/* FALLTHROUGH */
	case K_STR:
		if (k->max > 0 && len > (size_t)k->max)
			return load_bad(ld, k->name, "longer than %d characters", (int)k->max);
		s = xstrdup(value);
		memcpy(field, &s, sizeof s);
		return 1;
	}
	return load_bad(ld, k->name, "cannot be set");
}

/* Copy the comma-separated field at *p (trimmed) into buf; -1 when it does not fit. */
static int
next_field(const char **p, char *buf, size_t len)
{
	const char *s = *p, *e = strchr(s, ',');
	size_t n;

	if (e == NULL)
		e = s + strlen(s);
	*p = *e == ',' ? e + 1 : e;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - s);
	if (n >= len)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* "20x15x10": three whole centimetres, 1 to 1000 each. */
static int
parse_dims(const char *s, int out[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		int v = 0, digits = 0;

		while (isdigit((unsigned char)*s) && digits < 5) {
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0 || v < 1 || v > 1000)
			return -1;
		out[i] = v;
		if (i < 2 && *s != 'x' && *s != 'X')
			return -1;
		if (i < 2)
			s++;
	}
	return *s == '\0' ? 0 : -1;
}

/* A [boxes] line: NAME = TARE_G, LxWxH_cm[, BARCODE]. */
static int
load_box(struct load *ld, const char *name, const char *value)
{
	struct config *cfg = ld->cfg;
	struct config_box *b;
	char tare[24], dims[24], barcode[64], rest[8];
	const char *p = value, *q;
	int i, d[3];
	int64_t v;

	for (i = 0; i < cfg->nboxes; i++) {
		if (strcmp(cfg->boxes[i].name, name) == 0)
			return load_bad(ld, name, "set twice (first on line %d)", ld->box_line[i]);
	}
	if (cfg->nboxes == CONFIG_MAX_BOXES)
		return load_bad(ld, name, "more than %d box types (the pack screen picks them "
		    "with keys 1 to %d)", CONFIG_MAX_BOXES, CONFIG_MAX_BOXES);
	for (q = name; *q != '\0'; q++) {
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_')
			break;
	}
	if (*q != '\0' || q == name || strlen(name) >= sizeof b->name)
		return load_bad(ld, name, "a box name is 1 to %d letters, digits, - or _",
		    (int)sizeof b->name - 1);
	barcode[0] = '\0';
	if (next_field(&p, tare, sizeof tare) != 0 || next_field(&p, dims, sizeof dims) != 0 ||
	    (*p != '\0' && next_field(&p, barcode, sizeof barcode) != 0) ||
	    next_field(&p, rest, sizeof rest) != 0 || rest[0] != '\0' ||
	    parse_int(tare, &v) != 0 || v < 0 || v > 100000 || parse_dims(dims, d) != 0)
		goto bad;
	if (strlen(barcode) >= sizeof b->barcode)
		return load_bad(ld, name, "barcode longer than %d characters",
		    (int)sizeof b->barcode - 1);
	for (q = barcode; *q != '\0'; q++) {
		if (!isgraph((unsigned char)*q))
			goto bad;
	}
	if (strchr(value, ',') != strrchr(value, ',') && barcode[0] == '\0')
		goto bad;
	for (i = 0; barcode[0] != '\0' && i < cfg->nboxes; i++) {
		if (strcmp(cfg->boxes[i].barcode, barcode) == 0)
			return load_bad(ld, name, "barcode %s is box %s's already", barcode,
			    cfg->boxes[i].name);
	}
	b = &cfg->boxes[cfg->nboxes];
	memset(b, 0, sizeof *b);
	memcpy(b->name, name, strlen(name) + 1);
	b->tare_g = v;
	b->l_cm = d[0];
	b->w_cm = d[1];
	b->h_cm = d[2];
	memcpy(b->barcode, barcode, strlen(barcode) + 1);
	ld->box_line[cfg->nboxes++] = ld->lineno;
	return 1;
bad:
	return load_bad(ld, name, "'%.60s' is not TARE_G, LxWxH_cm[, BARCODE] as in "
	    "40, 20x15x10, BOX-S", value);
}

/* A [carriers] line: NAME = HH:MM, HOURS (the daily cut-off, local time, or "none";
 * the hours promised in transit). */
static int
load_carrier(struct load *ld, const char *name, const char *value)
{
	struct config *cfg = ld->cfg;
	struct sla_carrier *c;
	char cut[16], hours[24], rest[8];
	const char *p = value, *q;
	int i, hh = -1, mm = -1, n = 0;
	int64_t h;

	if (strcmp(name, "rates") == 0) {       /* the rate tables' directory */
		if (strlen(value) >= sizeof cfg->carrier_rates)
			return load_bad(ld, name, "longer than %d characters",
			    (int)sizeof cfg->carrier_rates - 1);
		memcpy(cfg->carrier_rates, value, strlen(value) + 1);
		return 1;
	}
	for (i = 0; i < cfg->ncarriers; i++) {
		if (strcasecmp(cfg->carriers[i].name, name) == 0)
			return load_bad(ld, name, "carrier set twice");
	}
	if (cfg->ncarriers == SLA_MAX_CARRIERS)
		return load_bad(ld, name, "more than %d carriers", SLA_MAX_CARRIERS);
	for (q = name; *q != '\0'; q++) {
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_')
			break;
	}
	if (*q != '\0' || q == name || strlen(name) >= sizeof c->name)
		return load_bad(ld, name, "a carrier name is 1 to %d letters, digits, - or _",
		    (int)sizeof c->name - 1);
	if (next_field(&p, cut, sizeof cut) != 0 || next_field(&p, hours, sizeof hours) != 0 ||
	    next_field(&p, rest, sizeof rest) != 0 || rest[0] != '\0' ||
	    parse_int(hours, &h) != 0 || h < 1 || h > 24 * 60)
		goto bad;
	if (strcmp(cut, "none") != 0 && (sscanf(cut, "%2d:%2d%n", &hh, &mm, &n) != 2 ||
	    cut[n] != '\0' || strlen(cut) != 5 || hh < 0 || hh > 23 || mm < 0 || mm > 59))
		goto bad;
	c = &cfg->carriers[cfg->ncarriers++];
	memset(c, 0, sizeof *c);
	memcpy(c->name, name, strlen(name) + 1);
	c->cutoff_min = hh < 0 ? -1 : hh * 60 + mm;
	c->promise_h = h;
	return 1;
bad:
	return load_bad(ld, name, "'%.60s' is not CUTOFF, HOURS as in 16:00, 72 (cut-off HH:MM "
	    "or none; 1 to 1440 hours in transit)", value);
}

static int
load_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	size_t i;

	if (ld->failed)
		return 0;
	if (!name_shown(name, strlen(name), 0))
		return load_bad(ld, NULL, "a key of %zu characters that is not known (not shown, "
		    "in case it is a secret)", strlen(name));
	if (ld->sec == SEC_NONE)
		return load_bad(ld, name, "outside any section ([station], [shop \"NAME\"], "
		    "[sync] or [boxes])");
	if (ld->sec == SEC_BOXES)
		return load_box(ld, name, value);
	if (ld->sec == SEC_CARRIERS)
		return load_carrier(ld, name, value);
	if (ld->sec == SEC_FEES) {
		char why[200];

		if (recon_fees_set(&ld->cfg->fees, name, value, why, sizeof why) != 0)
			return load_bad(ld, name, "%s", why);
		return 1;
	}
	for (i = 0; i < ld->nkeys; i++) {
		if (strcmp(ld->keys[i].name, name) == 0)
			break;
	}
	if (i == ld->nkeys)
		return load_unknown(ld, name);
	if (ld->key_line[i] != 0)
		return load_bad(ld, name, "set twice (first on line %d)", ld->key_line[i]);
	ld->key_line[i] = ld->lineno;
	if (*value == '\0')
		return load_bad(ld, name, "no value (leave the line out for the default)");
	return load_value(ld, &ld->keys[i], value);
}

/* At the end of a [shop]: the channel, its keys and nothing else; default hosts. */
static int
load_shop_done(struct load *ld)
{
	struct config_shop *sh = ld->base;
	const char *chname;
	char missing[200];
	size_t i;
	unsigned ch;

	if (ld->key_line[0] == 0)
		return load_fail(ld, ld->sec_line, ld->secname, NULL,
		    "no channel (shopee, lazada or tiktok)");
	ch = CH(sh->channel);
	chname = channel_names[sh->channel];
	for (i = 0; i < NKEYS(shop_keys); i++) {
		if (ld->key_line[i] != 0 && !(shop_keys[i].channels & ch))
			return load_fail(ld, ld->key_line[i], ld->secname, shop_keys[i].name,
			    "not a key of %s shops", chname);
	}
	missing[0] = '\0';
	for (i = 0; i < NKEYS(shop_keys); i++) {
		if (ld->key_line[i] == 0 && (shop_keys[i].needs & ch)) {
			size_t n = strlen(missing);

			snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "",
			    shop_keys[i].name);
		}
	}
	if (missing[0] != '\0')
		return load_fail(ld, ld->sec_line, ld->secname, NULL, "a %s shop needs %s",
		    chname, missing);
	if (sh->api_base == NULL) {
		sh->api_base = xstrdup(channel_hosts[sh->channel].api);
		if (sh->auth_base == NULL)
			sh->auth_base = xstrdup(channel_hosts[sh->channel].auth);
	} else if (sh->auth_base == NULL) {
		sh->auth_base = xstrdup(sh->api_base);
	}
	return 1;
}

/* Start the section named by the text between brackets; 1, or 0 on error. */
static int
load_section(struct load *ld, const char *name, size_t len)
{
	struct config *cfg = ld->cfg;
	struct config_shop *sh;
	const char *q;
	size_t i, n;

	while (len > 0 && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)name[len - 1]))
		len--;
	snprintf(ld->secname, sizeof ld->secname, "%.*s", (int)len, name);
	ld->sec_line = ld->lineno;
	memset(ld->key_line, 0, sizeof ld->key_line);
	ld->keys = NULL;
	ld->nkeys = 0;
	if (len == 7 && memcmp(name, "station", 7) == 0) {
		ld->sec = SEC_STATION;
		ld->keys = station_keys;
		ld->nkeys = NKEYS(station_keys);
		ld->base = &cfg->station;
	} else if (len == 4 && memcmp(name, "sync", 4) == 0) {
		ld->sec = SEC_SYNC;
		ld->keys = sync_keys;
		ld->nkeys = NKEYS(sync_keys);
		ld->base = &cfg->sync;
	} else if (len == 5 && memcmp(name, "boxes", 5) == 0) {
		ld->sec = SEC_BOXES;
	} else if (len == 4 && memcmp(name, "risk", 4) == 0) {
		ld->sec = SEC_RISK;
		ld->keys = risk_keys;
		ld->nkeys = NKEYS(risk_keys);
		ld->base = &cfg->risk;
	} else if (len == 8 && memcmp(name, "carriers", 8) == 0) {
		ld->sec = SEC_CARRIERS;
	} else if (len == 7 && memcmp(name, "routing", 7) == 0) {
		ld->sec = SEC_ROUTING;
		ld->keys = routing_keys;
		ld->nkeys = NKEYS(routing_keys);
		ld->base = &cfg->routing;
	} else if (len == 4 && memcmp(name, "fees", 4) == 0) {
		ld->sec = SEC_FEES;
	} else if (len == 8 && memcmp(name, "forecast", 8) == 0) {
		ld->sec = SEC_FORECAST;
		ld->keys = forecast_keys;
		ld->nkeys = NKEYS(forecast_keys);
		ld->base = &cfg->forecast;
	} else if (len == 4 && memcmp(name, "auth", 4) == 0) {
		ld->sec = SEC_AUTH;
		ld->keys = auth_keys;
		ld->nkeys = NKEYS(auth_keys);
		ld->base = &cfg->auth;
	} else if (len > 4 && memcmp(name, "shop", 4) == 0 && isspace((unsigned char)name[4])) {
		ld->sec = SEC_SHOP;
		for (q = name + 4; isspace((unsigned char)*q); q++)
			;
		n = len - (size_t)(q - name);
		if (n < 3 || q[0] != '"' || q[n - 1] != '"' || memchr(q + 1, '"', n - 2) != NULL)
			return load_fail(ld, ld->lineno, ld->secname, NULL,
			    "write a shop section as [shop \"NAME\"]");
		if (n - 2 > MAX_SHOP_NAME)
			return load_fail(ld, ld->lineno, ld->secname, NULL,
			    "shop name longer than %d characters", MAX_SHOP_NAME);
		for (i = 0; i < cfg->nshops; i++) {
			if (strlen(cfg->shops[i].name) == n - 2 &&
			    memcmp(cfg->shops[i].name, q + 1, n - 2) == 0)
				return load_fail(ld, ld->lineno, ld->secname, NULL,
				    "shop repeated (first on line %d)", cfg->shops[i].line);
		}
		cfg->shops = xrealloc(cfg->shops, (cfg->nshops + 1) * sizeof *cfg->shops);
		sh = &cfg->shops[cfg->nshops++];
		memset(sh, 0, sizeof *sh);
		sh->name = xstrndup(q + 1, n - 2);
		sh->line = ld->lineno;
		ld->keys = shop_keys;
		ld->nkeys = NKEYS(shop_keys);
		ld->base = sh;
		return 1;
	} else {
		ld->sec = SEC_NONE;
		if (!name_shown(name, len, 1))
			return load_fail(ld, ld->lineno, NULL, NULL, "a section name of %zu "
			    "characters that is not known (not shown, in case it is a secret)", len);
		return load_fail(ld, ld->lineno, ld->secname, NULL,
		    "unknown section (station, shop \"NAME\", sync or boxes)");
	}
	if (ld->seen[ld->sec] != 0)
		return load_fail(ld, ld->lineno, ld->secname, NULL,
		    "section repeated (first on line %d)", ld->seen[ld->sec]);
	ld->seen[ld->sec] = ld->lineno;
	return 1;
}

/* The end of the current section: at the next header and at the end of the file. */
static int
load_section_done(struct load *ld)
{
	return ld->sec == SEC_SHOP ? load_shop_done(ld) : 1;
}

/*
 * inih's line reader: counts lines, refuses lines that do not fit, and handles section
 * headers itself (inih only passes key lines on). NULL ends the parse.
 */
static char *
load_read(char *buf, int num, void *stream)
{
	struct load *ld = stream;
	const char *p, *close, *q;
	size_t len;
	int ch;

	if (ld->failed || fgets(buf, num, ld->fp) == NULL)
		return NULL;
	ld->lineno++;
	len = strlen(buf);
	if (len + 1 == (size_t)num && buf[len - 1] != '\n') {
		if ((ch = getc(ld->fp)) != EOF) {
			load_fail(ld, ld->lineno, NULL, NULL, "line longer than %d characters",
			    num - 2);
			return NULL;
		}
	}
	p = buf;
	if (ld->lineno == 1 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '[' || (close = strchr(p, ']')) == NULL)
		return buf;
	for (q = close + 1; isspace((unsigned char)*q); q++)
		;
	if (!load_section_done(ld))
		return NULL;
	if (!load_section(ld, p + 1, (size_t)(close - p - 1)))
		return NULL;
	if (*q != '\0' && *q != ';' && *q != '#') {
		load_bad(ld, NULL, "text after the section header");
		return NULL;
	}
	return buf;
}

/* Run inih over ld->fp with the settings we need, restoring its (global) ones after. */
static int
load_parse(struct load *ld)
{
	bool multiline = ini_allow_multiline, stop = ini_stop_on_first_error;
	bool stack = ini_use_stack, noval = ini_allow_no_value;
	int max_line = ini_max_line, initial = ini_initial_alloc, rc;

	ini_allow_multiline = false;        /* an indented line is not a continuation */
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	ini_use_stack = false;              /* a heap buffer of MAX_LINE: long tokens fit */
	ini_max_line = MAX_LINE;
	ini_initial_alloc = MAX_LINE;
	rc = ini_parse_stream(load_read, ld, load_handler, ld);
	ini_allow_multiline = multiline;
	ini_stop_on_first_error = stop;
	ini_allow_no_value = noval;
	ini_use_stack = stack;
	ini_max_line = max_line;
	ini_initial_alloc = initial;
	return rc;
}

void
config_defaults(struct config *cfg)
{
	struct config_station *st = &cfg->station;

	memset(cfg, 0, sizeof *cfg);
	snprintf(st->id, sizeof st->id, "ST1");
	snprintf(st->printer, sizeof st->printer, "sim");
	snprintf(st->scale, sizeof st->scale, "sim");
	snprintf(st->scanner, sizeof st->scanner, "keyboard");
	st->weight_tolerance_g = 50;
	st->weight_tolerance_pct = 5;
	st->auto_confirm = 0;
	st->label_dpi = 203;
	snprintf(st->utc_offset, sizeof st->utc_offset, "+07:00");
	st->utc_offset_min = 7 * 60;
	cfg->sync.interval_s = 60;
	cfg->sync.rate_limit_per_s = 10;
	cfg->sync.outbox_retry_max_s = 300;
	cfg->sync.in_station = 1;
	risk_config_defaults(&cfg->risk);
	demand_params_default(&cfg->forecast);
	snprintf(cfg->auth.pam_service, sizeof cfg->auth.pam_service, "packbench");
	cfg->sync.stock_buffer = 0;
	recon_fees_init(&cfg->fees);
	cfg->routing.manual.split = cfg->routing.manual.merge = 1;
	cfg->routing.allocate_on_confirm = 1;
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
config_free(struct config *cfg)
{
	size_t i, k;

	for (i = 0; i < cfg->nshops; i++) {
		struct config_shop *sh = &cfg->shops[i];

		for (k = 0; k < NKEYS(shop_keys); k++) {
			enum kind kind = shop_keys[k].kind;
			char *s;

			if (kind != K_STR && kind != K_SECRET && kind != K_URL)
				continue;
			memcpy(&s, (char *)sh + shop_keys[k].off, sizeof s);
			wipe_free(s);
		}
		free(sh->name);
	}
	free(cfg->shops);
	free(cfg->path);
	recon_fees_free(&cfg->fees);
	memset(cfg, 0, sizeof *cfg);
}

int
config_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	/* The XDG base directory spec ignores a relative XDG_CONFIG_HOME. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/packbench/packbench.conf", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, len, "%s/.config/packbench/packbench.conf", home);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	char defpath[4096];
	struct load ld;
	struct stat st;
	int rc;

	config_defaults(cfg);
	memset(&ld, 0, sizeof ld);
	ld.cfg = cfg;
	ld.err = err;
	ld.errlen = errlen;
	if (path == NULL && config_default_path(defpath, sizeof defpath) != 0)
		return 0;
	ld.path = path != NULL ? path : defpath;
	if ((ld.fp = fopen(ld.path, "re")) == NULL) {
		if (path == NULL && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", ld.path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(ld.fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", ld.path);
		goto fail;
	}
	rc = load_parse(&ld);
	if (ld.failed)
		goto fail;
	if (ferror(ld.fp)) {
		snprintf(err, errlen, "%s: %s", ld.path, strerror(errno));
		goto fail;
	}
	if (rc > 0) {
		load_fail(&ld, rc, NULL, NULL, "expected [section] or key = value");
		goto fail;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot parse (out of memory)", ld.path);
		goto fail;
	}
	if (!load_section_done(&ld))
		goto fail;
	if (ld.secrets && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: contains secrets but is readable by others "
		    "(mode %04o); chmod 600 %s", ld.path, (unsigned)(st.st_mode & 07777), ld.path);
		goto fail;
	}
	fclose(ld.fp);
	cfg->path = xstrdup(ld.path);
	return 0;
fail:
	fclose(ld.fp);
	config_free(cfg);
	config_defaults(cfg);
	return -1;
}

const struct config_shop *
config_shop(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nshops; i++) {
		if (strcmp(cfg->shops[i].name, name) == 0)
			return &cfg->shops[i];
	}
	return NULL;
}

const char *
config_channel_name(enum config_channel ch)
{
	return ch < CONFIG_NCHANNELS ? channel_names[ch] : "?";
}

int64_t
config_weight_tolerance_g(const struct config *cfg, int64_t expected_g)
{
	int64_t pct = expected_g * cfg->station.weight_tolerance_pct / 100;

	return pct > cfg->station.weight_tolerance_g ? pct : cfg->station.weight_tolerance_g;
}

/* [routing] and the carrier rate tables into the core (route.h, carrier.h). */
static int
apply_routing(const struct config *cfg, char *err, size_t len)
{
	static const char *const names[] = { "shopee", "lazada", "tiktok", "manual" };
	const struct config_route_channel *ch[] = { &cfg->routing.shopee,
	    &cfg->routing.lazada, &cfg->routing.tiktok, &cfg->routing.manual };
	struct carrier_table t;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct route_policy p = { ch[i]->min_shelf_days, ch[i]->split, ch[i]->merge,
		    ch[i]->deliver_days };

		route_set_policy(names[i], &p);
	}
	route_set_auto(cfg->routing.allocate_on_confirm);
	carrier_set_tz((int64_t)cfg->station.utc_offset_min * 60);
	if (cfg->carrier_rates[0] == '\0')
		return 0;
	if (carrier_table_load_dir(&t, cfg->carrier_rates, err, len) != 0)
		return -1;
	carrier_set_table(&t);
	carrier_table_free(&t);
	return 0;
}

int
cmd_config(struct cmd_ctx *c, struct config *cfg)
{
	char err[1024];

	if (config_load(cfg, c->config_path, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return EXIT_FAIL;
	}
	/* The core's process-wide settings, before any thread starts. */
	risk_set_config(&cfg->risk);
	demand_set_config(&cfg->forecast);
	sla_set_carriers(cfg->carriers, cfg->ncarriers,
	    (int64_t)cfg->station.utc_offset_min * 60);
	if (apply_routing(cfg, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		config_free(cfg);       /* a failure leaves the caller nothing to free */
		return EXIT_FAIL;
	}
	return 0;
}

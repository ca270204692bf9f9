/* gs1.c — GS1 application identifiers in scans (see gs1.h). */
#include "gs1.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* Known AIs: fixed data length, or variable up to max (then ended by GS or the end). */
struct ai {
	const char *ai;
	int fixed;                  /* 1: exactly len characters */
	int len;
	int digits;                 /* data must be numeric */
	int check;                  /* the last digit is a mod-10 check digit */
	const char *title;
};

static const struct ai ais[] = {
	{ "00", 1, 18, 1, 1, "SSCC" }, { "01", 1, 14, 1, 1, "GTIN" },
	{ "02", 1, 14, 1, 1, "CONTENT" }, { "10", 0, 20, 0, 0, "BATCH/LOT" },
	{ "11", 1, 6, 1, 0, "PROD DATE" }, { "12", 1, 6, 1, 0, "DUE DATE" },
	{ "13", 1, 6, 1, 0, "PACK DATE" }, { "15", 1, 6, 1, 0, "BEST BEFORE" },
	{ "16", 1, 6, 1, 0, "SELL BY" }, { "17", 1, 6, 1, 0, "USE BY OR EXPIRY" },
	{ "20", 1, 2, 1, 0, "VARIANT" }, { "21", 0, 20, 0, 0, "SERIAL" },
	{ "240", 0, 30, 0, 0, "ADDITIONAL ID" }, { "241", 0, 30, 0, 0, "CUST. PART No." },
	{ "30", 0, 8, 1, 0, "VAR. COUNT" }, { "37", 0, 8, 1, 0, "COUNT" },
	{ "3100", 1, 6, 1, 0, "NET WEIGHT (kg)" }, { "3101", 1, 6, 1, 0, "NET WEIGHT (kg)" },
	{ "3102", 1, 6, 1, 0, "NET WEIGHT (kg)" }, { "3103", 1, 6, 1, 0, "NET WEIGHT (kg)" },
	{ "3104", 1, 6, 1, 0, "NET WEIGHT (kg)" }, { "3105", 1, 6, 1, 0, "NET WEIGHT (kg)" },
	{ "400", 0, 30, 0, 0, "ORDER NUMBER" }, { "410", 1, 13, 1, 1, "SHIP TO LOC" },
	{ "414", 1, 13, 1, 1, "LOC No." }, { "420", 0, 20, 0, 0, "SHIP TO POST" },
};

/* The AI p starts with (AIs are prefix-free, the longest is taken all the same). */
static const struct ai *
ai_match(const char *p)
{
	const struct ai *best = NULL;
	size_t i, n;

	for (i = 0; i < sizeof ais / sizeof ais[0]; i++) {
		n = strlen(ais[i].ai);
		if (strncmp(p, ais[i].ai, n) == 0 && (best == NULL || n > strlen(best->ai)))
			best = &ais[i];
	}
	return best;
}

/* 1 when p (shorter than any AI it could begin) is the start of a known AI. */
static int
ai_prefix(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof ais / sizeof ais[0]; i++) {
		if (n < strlen(ais[i].ai) && strncmp(p, ais[i].ai, n) == 0)
			return 1;
	}
	return 0;
}

const char *
gs1_ai_title(const char *ai)
{
	const struct ai *a = ai_match(ai);

	return a != NULL && strcmp(a->ai, ai) == 0 ? a->title : "";
}

/* GS1 AI encodable character set 82, what alphanumeric AIs may hold. */
static int
cset82(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c != '\0' && strchr("!\"%&'()*+,-./:;<=>?_", c) != NULL);
}

static int
mod10_ok(const char *d, size_t n)
{
	int sum = 0, w = 3;
	size_t i;

	for (i = n - 1; i-- > 0; w = 4 - w)
		sum += (d[i] - '0') * w;
	return (10 - sum % 10) % 10 == d[n - 1] - '0';
}

int
gs1_check_digit(const char *digits)
{
	size_t n = strlen(digits), i;

	if (n < 2 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)digits[i]))
			return -1;
	}
	return mod10_ok(digits, n);
}

int
gs1_gtin14(const char *code, char out[15])
{
	size_t n = strlen(code), i;

	if (n != 8 && n != 12 && n != 13 && n != 14)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)code[i]))
			return -1;
	}
	memset(out, '0', 14 - n);
	memcpy(out + 14 - n, code, n);
	out[14] = '\0';
	return 0;
}

/* YYMMDD (DD 00 = last day of the month) to midnight UTC; the century as GS1 says. */
static int
gs1_date(const char *d, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int yy = (d[0] - '0') * 10 + d[1] - '0', mm = (d[2] - '0') * 10 + d[3] - '0';
	int dd = (d[4] - '0') * 10 + d[5] - '0', year, cur, diff;
	char iso[48];

	if (mm < 1 || mm > 12 || dd > mdays[mm - 1])
		return -1;
	/* GS1 General Specifications 7.12: within -49..+50 years of the current year. */
	cur = (int)(1970 + clock_now() / 31556952);
	year = cur - cur % 100 + yy;
	diff = year - cur;
	if (diff > 50)
		year -= 100;
	else if (diff < -49)
		year += 100;
	if (dd == 0) {
		int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

		dd = mm == 2 ? (leap ? 29 : 28) : mdays[mm - 1];
	}
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", year, mm, dd);
	return clock_parse_iso(iso, 0, out);
}

/* Copy a value already checked to fit (AI lengths are below each field's size). */
static void
put(char *dst, size_t size, const char *v)
{
	size_t n = strnlen(v, size - 1);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* At most n bytes of scanned text for an error message, control bytes shown as '?'. */
static const char *
shown(const char *p, size_t n, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size && p[i] != '\0'; i++)
		out[i] = (unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f ? '?' : p[i];
	out[i] = '\0';
	return out;
}

static int
store(struct gs1 *g, const struct ai *a, const char *v, size_t n, char *err, size_t errlen)
{
	char buf[32], show[32];
	size_t i;

	memcpy(buf, v, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++) {
		if (a->digits && !isdigit((unsigned char)buf[i])) {
			snprintf(err, errlen, "GS1 (%s): '%s' must be digits", a->ai,
			    shown(buf, n, show, sizeof show));
			return -1;
		}
		if (!cset82((unsigned char)buf[i])) {
			snprintf(err, errlen, "GS1 (%s): character 0x%02x is not allowed in a "
			    "GS1 field", a->ai, (unsigned char)buf[i]);
			return -1;
		}
	}
	if (g->nelems == GS1_MAX_ELEMS) {
		snprintf(err, errlen, "GS1: more than %d elements", GS1_MAX_ELEMS);
		return -1;
	}
	put(g->elems[g->nelems].ai, sizeof g->elems[0].ai, a->ai);
	put(g->elems[g->nelems].value, sizeof g->elems[0].value, buf);
	g->elems[g->nelems].checked = a->check;
	g->nelems++;
	if (a->check && !mod10_ok(buf, n)) {
		g->elems[g->nelems - 1].checked = -1;
		snprintf(err, errlen, "GS1 (%s): %s %s has a wrong check digit", a->ai,
		    a->ai[0] == '0' && a->ai[1] != '0' ? "GTIN" : a->title, buf);
		return -1;
	}
	if (strcmp(a->ai, "01") == 0 || strcmp(a->ai, "02") == 0) {
		put(g->gtin, sizeof g->gtin, buf);
	} else if (strcmp(a->ai, "00") == 0) {
		put(g->sscc, sizeof g->sscc, buf);
	} else if (strcmp(a->ai, "10") == 0) {
		put(g->lot, sizeof g->lot, buf);
	} else if (strcmp(a->ai, "21") == 0) {
		put(g->serial, sizeof g->serial, buf);
	} else if (a->ai[0] == '1') {       /* dates; 12, 13 and 16 are only checked */
		int64_t other, *t = a->ai[1] == '7' ? &g->expiry : a->ai[1] == '5' ?
		    &g->best_before : a->ai[1] == '1' ? &g->produced : &other;

		if (gs1_date(buf, t) != 0) {
			snprintf(err, errlen, "GS1 (%s): '%s' is not a date YYMMDD", a->ai, buf);
			return -1;
		}
	} else if (strcmp(a->ai, "30") == 0 || strcmp(a->ai, "37") == 0) {
		g->count = strtoll(buf, NULL, 10);
	} else if (strncmp(a->ai, "310", 3) == 0) {     /* kilograms with n decimals */
		int64_t v2 = strtoll(buf, NULL, 10), scale = 1;
		int dec = a->ai[3] - '0', k;

		for (k = 0; k < dec; k++)
			scale *= 10;
		g->net_g = v2 * 1000 / scale;
	}
	return 0;
}

/* Human-readable "(01)0893...(17)261231(10)L1". */
static int
parse_paren(const char *p, struct gs1 *g, char *err, size_t errlen)
{
	while (*p != '\0') {
		const char *close = strchr(p, ')'), *next;
		const struct ai *a;
		char ai[8], show[16];
		size_t n;

		if (*p != '(' || close == NULL || (size_t)(close - p - 1) >= sizeof ai) {
			snprintf(err, errlen, "GS1: expected (AI) at '%s'", shown(p, 12, show,
			    sizeof show));
			return -1;
		}
		memcpy(ai, p + 1, (size_t)(close - p - 1));
		ai[close - p - 1] = '\0';
		if ((a = ai_match(ai)) == NULL || strcmp(a->ai, ai) != 0) {
			snprintf(err, errlen, "GS1: application identifier (%s) is not supported",
			    shown(ai, sizeof ai, show, sizeof show));
			return -1;
		}
		next = strchr(close + 1, '(');
		n = next ? (size_t)(next - close - 1) : strlen(close + 1);
		if (!a->fixed && n > (size_t)a->len) {
			snprintf(err, errlen, "GS1 (%s): overlong field, %zu characters where at "
			    "most %d are allowed", a->ai, n, a->len);
			return -1;
		}
		if ((a->fixed && n != (size_t)a->len) || n == 0) {
			snprintf(err, errlen, "GS1 (%s): wrong length %zu", a->ai, n);
			return -1;
		}
		if (store(g, a, close + 1, n, err, errlen) != 0)
			return -1;
		p = close + 1 + n;
	}
	return 0;
}

/* The length of the field at p: up to FNC1 (GS or sub) or the end. */
static size_t
field_len(const char *p, int sub)
{
	size_t n = 0;

	while (p[n] != '\0' && p[n] != GS1_GS && (sub == 0 || p[n] != sub))
		n++;
	return n;
}

static int parse_raw(const char *p, int sub, int probe, struct gs1 *g, char *err,
    size_t errlen);

/*
 * A variable-length field v runs past its maximum: did a scanner drop the FNC1 after it?
 * Yes when a known AI starts within the maximum and the rest from there parses.
 */
static int
lost_separator(const char *v, size_t max, int sub)
{
	struct gs1 scratch;
	char e[8];
	size_t k;

	for (k = 1; k <= max && v[k] != '\0'; k++) {
		memset(&scratch, 0, sizeof scratch);
		if (ai_match(v + k) != NULL && parse_raw(v + k, sub, 1, &scratch, e, sizeof e) == 0)
			return 1;
	}
	return 0;
}

/* Element strings with FNC1 as GS or sub; probe: only say whether it parses. */
static int
parse_raw(const char *p, int sub, int probe, struct gs1 *g, char *err, size_t errlen)
{
	while (*p != '\0') {
		const struct ai *a;
		size_t n, alen;
		char show[16];

		if (*p == GS1_GS || (sub != 0 && *p == sub)) {
			p++;
			continue;
		}
		if ((a = ai_match(p)) == NULL) {
			n = field_len(p, sub);
			if (n < 4 && ai_prefix(p, n))
				snprintf(err, errlen, "GS1: truncated application identifier '%s'",
				    shown(p, n, show, sizeof show));
			else
				snprintf(err, errlen, "GS1: unknown application identifier at '%s'",
				    shown(p, 8, show, sizeof show));
			return -1;
		}
		alen = strlen(a->ai);
		if (a->fixed) {
			n = strnlen(p + alen, (size_t)a->len);
			if (n != (size_t)a->len) {
				snprintf(err, errlen, "GS1 (%s): truncated, %zu of %d characters", a->ai,
				    n, a->len);
				return -1;
			}
		} else {
			n = field_len(p + alen, sub);
			if (n == 0) {
				snprintf(err, errlen, "GS1 (%s): empty field", a->ai);
				return -1;
			}
			if (n > (size_t)a->len) {
				if (!probe && lost_separator(p + alen, (size_t)a->len, sub))
					snprintf(err, errlen, "GS1 (%s): missing separator (FNC1) "
					    "after this field", a->ai);
				else
					snprintf(err, errlen, "GS1 (%s): overlong field, %zu characters "
					    "where at most %d are allowed", a->ai, n, a->len);
				return -1;
			}
		}
		if (store(g, a, p + alen, n, err, errlen) != 0)
			return -1;
		p += alen + n;
	}
	return 0;
}

int
gs1_parse(const char *text, struct gs1 *out, char *err, size_t errlen)
{
	return gs1_parse_sub(text, 0, out, err, errlen);
}

int
gs1_parse_sub(const char *text, int sub, struct gs1 *out, char *err, size_t errlen)
{
	const char *p = text;
	int symb = 0;

	memset(out, 0, sizeof *out);
	if (sub < 0 || sub > 0x7f || (sub != 0 && (isalnum(sub) || sub == '(' ||
	    sub == ']'))) {
		snprintf(err, errlen, "GS1: 0x%02x cannot stand for FNC1", (unsigned)sub & 0xff);
		return -1;
	}
	/* AIM symbology identifiers of GS1 symbols: ]C1 GS1-128, ]d2 DataMatrix, ]Q3 QR,
	 * ]e0 DataBar, ]J1 DotCode. */
	if (p[0] == ']' && p[1] != '\0' && p[2] != '\0') {
		symb = strncmp(p, "]C1", 3) == 0 || strncmp(p, "]d2", 3) == 0 ||
		    strncmp(p, "]Q3", 3) == 0 || strncmp(p, "]e0", 3) == 0 ||
		    strncmp(p, "]J1", 3) == 0;
		memcpy(out->symbology, p, 3);
		p += 3;
	}
	if (*p == GS1_GS || (sub != 0 && *p == sub)) {
		symb = 1;
		p++;
	}
	if (*p == '(') {
		out->is_gs1 = 1;
		return parse_paren(p, out, err, errlen);
	}
	/* Without a symbology id or leading FNC1, only a GS (or sub) inside says it is GS1:
	 * a plain EAN-13 must stay a plain barcode. */
	if (!symb && strchr(p, GS1_GS) == NULL && (sub == 0 || strchr(p, sub) == NULL))
		return 0;
	out->is_gs1 = 1;
	return parse_raw(p, sub, 0, out, err, errlen);
}

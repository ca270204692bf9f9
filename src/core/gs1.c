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
};

static const struct ai ais[] = {
	{ "00", 1, 18, 1 }, { "01", 1, 14, 1 }, { "02", 1, 14, 1 },
	{ "10", 0, 20, 0 }, { "11", 1, 6, 1 }, { "15", 1, 6, 1 }, { "17", 1, 6, 1 },
	{ "21", 0, 20, 0 }, { "30", 0, 8, 1 }, { "37", 0, 8, 1 },
	{ "3100", 1, 6, 1 }, { "3101", 1, 6, 1 }, { "3102", 1, 6, 1 }, { "3103", 1, 6, 1 },
	{ "3104", 1, 6, 1 }, { "3105", 1, 6, 1 },
};

static const struct ai *
ai_match(const char *p)
{
	size_t i;

	for (i = sizeof ais / sizeof ais[0]; i-- > 0; ) {   /* 4-digit AIs first */
		if (strncmp(p, ais[i].ai, strlen(ais[i].ai)) == 0)
			return &ais[i];
	}
	return NULL;
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

static int
store(struct gs1 *g, const struct ai *a, const char *v, size_t n, char *err, size_t errlen)
{
	char buf[32];
	size_t i;

	memcpy(buf, v, n);
	buf[n] = '\0';
	if (a->digits) {
		for (i = 0; i < n; i++) {
			if (!isdigit((unsigned char)buf[i])) {
				snprintf(err, errlen, "GS1 (%s): '%s' must be digits", a->ai, buf);
				return -1;
			}
		}
	}
	if (strcmp(a->ai, "01") == 0 || strcmp(a->ai, "02") == 0) {
		if (!mod10_ok(buf, 14)) {
			snprintf(err, errlen, "GS1 (%s): GTIN %s has a wrong check digit", a->ai, buf);
			return -1;
		}
		put(g->gtin, sizeof g->gtin, buf);
	} else if (strcmp(a->ai, "00") == 0) {
		if (!mod10_ok(buf, 18)) {
			snprintf(err, errlen, "GS1 (00): SSCC %s has a wrong check digit", buf);
			return -1;
		}
		put(g->sscc, sizeof g->sscc, buf);
	} else if (strcmp(a->ai, "10") == 0) {
		put(g->lot, sizeof g->lot, buf);
	} else if (strcmp(a->ai, "21") == 0) {
		put(g->serial, sizeof g->serial, buf);
	} else if (a->ai[0] == '1') {
		int64_t *t = a->ai[1] == '7' ? &g->expiry : a->ai[1] == '5' ? &g->best_before :
		    &g->produced;

		if (gs1_date(buf, t) != 0) {
			snprintf(err, errlen, "GS1 (%s): '%s' is not a date YYMMDD", a->ai, buf);
			return -1;
		}
	} else if (strcmp(a->ai, "30") == 0 || strcmp(a->ai, "37") == 0) {
		g->count = strtoll(buf, NULL, 10);
	} else {                    /* 310n: kilograms with n decimals */
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
		char ai[8];
		size_t n;

		if (*p != '(' || close == NULL || (size_t)(close - p - 1) >= sizeof ai) {
			snprintf(err, errlen, "GS1: expected (AI) at '%.12s'", p);
			return -1;
		}
		memcpy(ai, p + 1, (size_t)(close - p - 1));
		ai[close - p - 1] = '\0';
		if ((a = ai_match(ai)) == NULL || strcmp(a->ai, ai) != 0) {
			snprintf(err, errlen, "GS1: application identifier (%s) is not supported", ai);
			return -1;
		}
		next = strchr(close + 1, '(');
		n = next ? (size_t)(next - close - 1) : strlen(close + 1);
		if ((a->fixed && n != (size_t)a->len) || n == 0 || n > (size_t)a->len) {
			snprintf(err, errlen, "GS1 (%s): wrong length %zu", a->ai, n);
			return -1;
		}
		if (store(g, a, close + 1, n, err, errlen) != 0)
			return -1;
		p = close + 1 + n;
	}
	return 0;
}

static int
parse_raw(const char *p, struct gs1 *g, char *err, size_t errlen)
{
	while (*p != '\0') {
		const struct ai *a;
		size_t n, alen;

		if (*p == GS1_GS) {
			p++;
			continue;
		}
		if ((a = ai_match(p)) == NULL) {
			snprintf(err, errlen, "GS1: unknown application identifier at '%.8s'", p);
			return -1;
		}
		alen = strlen(a->ai);
		if (a->fixed) {
			n = strnlen(p + alen, (size_t)a->len);
			if (n != (size_t)a->len) {
				snprintf(err, errlen, "GS1 (%s): truncated", a->ai);
				return -1;
			}
		} else {
			const char *gs = strchr(p + alen, GS1_GS);

			n = gs ? (size_t)(gs - p - alen) : strlen(p + alen);
			if (n == 0 || n > (size_t)a->len) {
				snprintf(err, errlen, "GS1 (%s): length %zu not 1 to %d", a->ai, n,
				    a->len);
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
	const char *p = text;
	int symb = 0;

	memset(out, 0, sizeof *out);
	/* AIM symbology identifiers of GS1 symbols: ]C1 GS1-128, ]d2 DataMatrix, ]Q3 QR,
	 * ]e0 DataBar, ]J1 DotCode. */
	if (p[0] == ']' && p[1] != '\0' && p[2] != '\0') {
		symb = strncmp(p, "]C1", 3) == 0 || strncmp(p, "]d2", 3) == 0 ||
		    strncmp(p, "]Q3", 3) == 0 || strncmp(p, "]e0", 3) == 0 ||
		    strncmp(p, "]J1", 3) == 0;
		p += 3;
	}
	if (*p == GS1_GS) {
		symb = 1;
		p++;
	}
	if (*p == '(') {
		out->is_gs1 = 1;
		return parse_paren(p, out, err, errlen);
	}
	/* Without a symbology id or leading FNC1, only a GS inside says it is GS1: a plain
	 * EAN-13 must stay a plain barcode. */
	if (!symb && strchr(p, GS1_GS) == NULL)
		return 0;
	out->is_gs1 = 1;
	return parse_raw(p, out, err, errlen);
}

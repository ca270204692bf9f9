/* clock.c — injectable clock and ISO 8601 parsing without the C library's time zones. */
#include "clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t fixed_time = -1;

int64_t
clock_now(void)
{
	int64_t f = atomic_load(&fixed_time);

	return f >= 0 ? f : (int64_t)time(NULL);
}

void
clock_fix(int64_t t)
{
	atomic_store(&fixed_time, t);
}

void
clock_advance(int64_t secs)
{
	atomic_fetch_add(&fixed_time, secs);
}

void
clock_real(void)
{
	atomic_store(&fixed_time, -1);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
clock_parse_iso(const char *s, int64_t tz_default_secs, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, se = 0, oh, om, leap;
	int64_t off = tz_default_secs;
	const char *p = s;

	if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
	    digits(p + 8, 2, &d))
		return -1;
	p += 10;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	if (*p == 'T' || *p == ' ') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &se))
				return -1;
			p += 3;
			if (*p == '.') {    /* fractions of a second are dropped */
				p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*p == 'Z') {
			off = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int neg = *p == '-';

			if (digits(p + 1, 2, &oh))
				return -1;
			if (p[3] == ':') {
				if (digits(p + 4, 2, &om))
					return -1;
				p += 6;
			} else if (digits(p + 3, 2, &om) == 0) {
				p += 5;
			} else {
				om = 0;
				p += 3;
			}
			if (oh > 14 || om > 59)
				return -1;
			off = (int64_t)oh * 3600 + om * 60;
			if (neg)
				off = -off;
		}
	}
	if (*p != '\0')
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	return 0;
}

void
clock_format(int64_t t, int64_t offset_secs, char *buf, unsigned len)
{
	time_t tt = (time_t)(t + offset_secs);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

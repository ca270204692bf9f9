/*
 * fuzz_gs1.c — libFuzzer target for the GS1 parser (src/core/gs1.c). The first byte
 * picks the FNC1 substitute (none, or one of a few punctuation marks); the rest is the
 * scan. Beyond not crashing, each result must keep the parser's promises: one-line
 * errors, digits where digits belong, values within their fields.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/gs1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_gs1_digits(const char *s, size_t want)
{
	size_t i, n = strlen(s);

	if (n != 0 && n != want)
		abort();
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char subs[] = { 0, '|', '^', '~', '#' };
	char text[512], err[256];
	struct gs1 g;
	int rc, i;

	if (size == 0 || size > sizeof text)
		return 0;
	clock_fix(1764547200);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	err[0] = '\0';
	rc = gs1_parse_sub(text, subs[data[0] % sizeof subs], &g, err, sizeof err);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && (err[0] == '\0' || strchr(err, '\n') != NULL))
		abort();
	if (g.nelems < 0 || g.nelems > GS1_MAX_ELEMS)
		abort();
	for (i = 0; i < g.nelems; i++) {
		if (strlen(g.elems[i].value) > 30 || gs1_ai_title(g.elems[i].ai)[0] == '\0')
			abort();
	}
	if (rc == 0) {
		fuzz_gs1_digits(g.gtin, 14);
		fuzz_gs1_digits(g.sscc, 18);
		if (g.gtin[0] != '\0' && gs1_check_digit(g.gtin) != 1)
			abort();
		if (!g.is_gs1 && g.nelems != 0)
			abort();
	}
	return 0;
}

/*
 * gs1.h — GS1 element strings from a scan: GTIN (01/02), lot (10), expiry (17), best
 * before (15), production (11), serial (21), SSCC (00), counts (30, 37) and net weight
 * (310n). Accepts the raw form with FNC1 as GS (0x1d), with or without a symbology
 * identifier (]C1, ]d2, ]Q3, ]e0), and the human form "(01)...(17)...". Check digits of
 * GTIN and SSCC are verified.
 */
#ifndef PB_GS1_H
#define PB_GS1_H

#include <stddef.h>
#include <stdint.h>

#define GS1_GS '\x1d'

struct gs1 {
	int is_gs1;                 /* 0: a plain barcode, nothing below is set */
	char gtin[15];              /* 14 digits, "" when absent */
	char sscc[19];
	char lot[21];
	char serial[21];
	int64_t expiry;             /* (17) as Unix seconds at 00:00 UTC; 0 when absent */
	int64_t best_before;        /* (15) */
	int64_t produced;           /* (11) */
	int64_t count;              /* (30) or (37); 0 when absent */
	int64_t net_g;              /* (310n) in grams; 0 when absent */
};

/*
 * Decode text. Returns 0 (out->is_gs1 says whether it was GS1 at all), or -1 with one
 * line in err naming the AI and what is wrong (bad date, bad check digit, truncated).
 */
int gs1_parse(const char *text, struct gs1 *out, char *err, size_t errlen);

/* GTIN-8/12/13/14 left-padded to 14 digits into out (15 bytes); -1 if not digits. */
int gs1_gtin14(const char *code, char out[15]);

#endif

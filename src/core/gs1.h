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
#define GS1_MAX_ELEMS 16

/* One element string as read, for display (`packbench gs1`). */
struct gs1_elem {
	char ai[5];
	char value[31];             /* data as scanned (at most 30 characters) */
	int checked;                /* 1 check digit right, -1 wrong, 0 none to check */
};

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
	char symbology[4];          /* AIM id the scan began with ("]C1"), "" when none */
	struct gs1_elem elems[GS1_MAX_ELEMS];   /* every element in scan order; after an */
	int nelems;                             /* error, those read before it */
};

/*
 * Decode text. Returns 0 (out->is_gs1 says whether it was GS1 at all), or -1 with one
 * line in err naming the AI and what is wrong (bad date, bad check digit, truncated).
 */
int gs1_parse(const char *text, struct gs1 *out, char *err, size_t errlen);

/*
 * The same, with sub also read as FNC1 wherever GS is (keyboard wedges often lose GS;
 * scanners can be set to send a substitute such as '|' or '^'). sub 0 = none; a digit
 * or a letter is refused (-1). Errors besides gs1_parse's: unknown or truncated AI, a
 * variable-length field over its maximum ("overlong") and, when a known AI could start
 * inside such a field, a missing separator.
 */
int gs1_parse_sub(const char *text, int sub, struct gs1 *out, char *err, size_t errlen);

/* The GS1 data title of an AI ("GTIN", "BATCH/LOT", "NET WEIGHT (kg)"), or "". */
const char *gs1_ai_title(const char *ai);

/* Mod-10 check digit of a GTIN/SSCC/GLN (the last digit): 1 right, 0 wrong, -1 when
 * digits is not 2 to 18 digits. */
int gs1_check_digit(const char *digits);

/* GTIN-8/12/13/14 left-padded to 14 digits into out (15 bytes); -1 if not digits. */
int gs1_gtin14(const char *code, char out[15]);

#endif

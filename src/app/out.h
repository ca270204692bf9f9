/*
 * out.h — listings as an aligned table, CSV (RFC 4180) or JSON (an array of objects),
 * chosen by --format. Values are text; columns flagged numeric are right-aligned in
 * tables and unquoted in JSON.
 */
#ifndef PB_OUT_H
#define PB_OUT_H

#include <stdio.h>

enum out_format {
	OUT_TABLE,
	OUT_CSV,
	OUT_JSON,
};

/* 0, or -1 when name is not table|csv|json. */
int out_format_parse(const char *name, enum out_format *out);

struct out_col {
	const char *name;
	int numeric;
};

struct out;

/* Start a listing on fp; the caller keeps cols alive until out_end(). */
struct out *out_begin(FILE *fp, enum out_format fmt, const struct out_col *cols, int ncols);
/* One row of ncols values (NULL prints empty / JSON null). */
void out_row(struct out *o, const char *const *vals);
/* v as a JSON string (NULL as null): escaped, bytes that are not UTF-8 as U+FFFD. */
void out_json_string(FILE *fp, const char *v);

/* Flush (tables are buffered to align columns) and free. */
void out_end(struct out *o);

#endif

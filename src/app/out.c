/* out.c — listings as aligned table, CSV or JSON (see out.h). */
#include "out.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/xalloc.h"

struct out {
	FILE *fp;
	enum out_format fmt;
	const struct out_col *cols;
	int ncols;
	char **cells;               /* table: buffered rows * ncols */
	size_t nrows, cap;
	long nemitted;
};

int
out_format_parse(const char *name, enum out_format *out)
{
	if (strcmp(name, "table") == 0)
		*out = OUT_TABLE;
	else if (strcmp(name, "csv") == 0)
		*out = OUT_CSV;
	else if (strcmp(name, "json") == 0)
		*out = OUT_JSON;
	else
		return -1;
	return 0;
}

/* Display width of UTF-8 text (diacritics take one column, CJK two). */
static int
text_width(const char *s)
{
	mbstate_t ps;
	wchar_t wc;
	size_t n;
	int w = 0, cw;

	memset(&ps, 0, sizeof ps);
	while (*s != '\0') {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &ps);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&ps, 0, sizeof ps);
			s++;
			w++;
			continue;
		}
		cw = wcwidth(wc);
		w += cw > 0 ? cw : 0;
		s += n;
	}
	return w;
}

static void
csv_field(FILE *fp, const char *v)
{
	if (strpbrk(v, ",\"\r\n") == NULL) {
		fputs(v, fp);
		return;
	}
	fputc('"', fp);
	for (; *v != '\0'; v++) {
		if (*v == '"')
			fputc('"', fp);
		fputc(*v, fp);
	}
	fputc('"', fp);
}

/* Write v as a JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
void
out_json_string(FILE *fp, const char *v)
{
	const unsigned char *u = (const unsigned char *)v;

	if (v == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	while (*u != '\0') {
		unsigned char c = *u;
		size_t n, i;
		uint32_t cp;

		if (c < 0x80) {
			if (c == '"' || c == '\\')
				fprintf(fp, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", fp);
			else if (c == '\r')
				fputs("\\r", fp);
			else if (c == '\t')
				fputs("\\t", fp);
			else if (c < 0x20 || c == 0x7f)
				fprintf(fp, "\\u%04x", c);
			else
				fputc(c, fp);
			u++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		for (i = 1; i < n; i++) {
			if ((u[i] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (u[i] & 0x3f);
		}
		if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			goto bad;
		fwrite(u, 1, n, fp);
		u += n;
		continue;
bad:
		fputs("\\ufffd", fp);
		u++;
	}
	fputc('"', fp);
}

/* A numeric column's value is emitted bare in JSON only if it looks like a number. */
static int
is_number(const char *v)
{
	char *end;

	if (*v == '\0')
		return 0;
	strtod(v, &end);
	return *end == '\0';
}

struct out *
out_begin(FILE *fp, enum out_format fmt, const struct out_col *cols, int ncols)
{
	struct out *o = xcalloc(1, sizeof *o);
	int i;

	o->fp = fp;
	o->fmt = fmt;
	o->cols = cols;
	o->ncols = ncols;
	if (fmt == OUT_CSV) {
		for (i = 0; i < ncols; i++) {
			if (i > 0)
				fputc(',', fp);
			csv_field(fp, cols[i].name);
		}
		fputc('\n', fp);
	} else if (fmt == OUT_JSON) {
		fputc('[', fp);
	}
	return o;
}

void
out_row(struct out *o, const char *const *vals)
{
	int i;

	switch (o->fmt) {
	case OUT_CSV:
		for (i = 0; i < o->ncols; i++) {
			if (i > 0)
				fputc(',', o->fp);
			csv_field(o->fp, vals[i] ? vals[i] : "");
		}
		fputc('\n', o->fp);
		break;
	case OUT_JSON:
		fputs(o->nemitted > 0 ? ",\n {" : "\n {", o->fp);
		for (i = 0; i < o->ncols; i++) {
			if (i > 0)
				fputs(", ", o->fp);
			out_json_string(o->fp, o->cols[i].name);
			fputs(": ", o->fp);
			if (vals[i] == NULL)
				fputs("null", o->fp);
			else if (o->cols[i].numeric && is_number(vals[i]))
				fputs(vals[i], o->fp);
			else
				out_json_string(o->fp, vals[i]);
		}
		fputc('}', o->fp);
		break;
	case OUT_TABLE:
		if (o->nrows == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 64;
			o->cells = xrealloc(o->cells, o->cap * (size_t)o->ncols * sizeof *o->cells);
		}
		for (i = 0; i < o->ncols; i++)
			o->cells[o->nrows * (size_t)o->ncols + (size_t)i] = xstrdup(vals[i] ? vals[i] : "");
		o->nrows++;
		break;
	}
	o->nemitted++;
}

static void
table_cell(FILE *fp, const char *v, int width, int right, int last)
{
	int pad = width - text_width(v);

	if (right)
		fprintf(fp, "%*s%s", pad > 0 ? pad : 0, "", v);
	else
		fprintf(fp, "%s%*s", v, last ? 0 : (pad > 0 ? pad : 0), "");
}

void
out_end(struct out *o)
{
	size_t r;
	int i, *w;

	if (o->fmt == OUT_JSON) {
		fputs(o->nemitted > 0 ? "\n]\n" : "]\n", o->fp);
	} else if (o->fmt == OUT_TABLE) {
		w = xcalloc((size_t)o->ncols, sizeof *w);
		for (i = 0; i < o->ncols; i++)
			w[i] = text_width(o->cols[i].name);
		for (r = 0; r < o->nrows; r++) {
			for (i = 0; i < o->ncols; i++) {
				int tw = text_width(o->cells[r * (size_t)o->ncols + (size_t)i]);

				if (tw > w[i])
					w[i] = tw;
			}
		}
		for (i = 0; i < o->ncols; i++) {
			table_cell(o->fp, o->cols[i].name, w[i], o->cols[i].numeric,
			    i == o->ncols - 1);
			fputs(i == o->ncols - 1 ? "\n" : "  ", o->fp);
		}
		for (r = 0; r < o->nrows; r++) {
			for (i = 0; i < o->ncols; i++) {
				char *cell = o->cells[r * (size_t)o->ncols + (size_t)i];

				table_cell(o->fp, cell, w[i], o->cols[i].numeric, i == o->ncols - 1);
				fputs(i == o->ncols - 1 ? "\n" : "  ", o->fp);
				free(cell);
			}
		}
		free(w);
		free(o->cells);
	}
	fflush(o->fp);
	free(o);
}

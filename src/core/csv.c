/*
 * csv.c — streaming RFC 4180 reader. Input is read in chunks and validated as UTF-8 one
 * byte at a time as the parser consumes it, so a bad byte is reported on its own line
 * even inside a quoted field that spans lines. The current record lives in one growing
 * buffer of NUL-terminated fields.
 */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define CSV_CHUNK 65536
#define CSV_MAX_RECORD ((size_t)64 << 20)

enum { IN_EOF = -1, IN_ERR = -2 };

struct csv {
	FILE *fp;
	const unsigned char *buf;   /* the caller's memory, or fbuf */
	unsigned char *fbuf;
	size_t pos, end;
	int started;                /* BOM looked for */
	long line;                  /* line of the next byte */

	int u_need;                 /* UTF-8 continuation bytes still expected */
	unsigned char u_lo, u_hi;   /* allowed range of the next continuation byte */

	char *rec;                  /* current record: fields, each NUL-terminated */
	size_t rlen, rcap;
	size_t *off;                /* start of each field in rec */
	size_t nf, fcap;
	long rline, rlast;          /* first and last line of the record */
	int too_long;

	char **hdr;
	size_t nh;
	int have_header;

	int failed;
	char err[160];
	long err_line, err_field;
};

static struct csv *
csv_new(void)
{
	struct csv *c = xcalloc(1, sizeof *c);

	c->line = 1;
	c->err_field = -1;
	return c;
}

struct csv *
csv_open_mem(const char *buf, size_t len)
{
	struct csv *c = csv_new();

	c->buf = (const unsigned char *)buf;
	c->end = len;
	return c;
}

struct csv *
csv_open_file(FILE *fp)
{
	struct csv *c = csv_new();

	c->fp = fp;
	c->fbuf = xmalloc(CSV_CHUNK);
	c->buf = c->fbuf;
	return c;
}

void
csv_free(struct csv *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nh; i++)
		free(c->hdr[i]);
	free(c->hdr);
	free(c->rec);
	free(c->off);
	free(c->fbuf);
	free(c);
}

static int
csv_fail(struct csv *c, long line, long field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
csv_fail(struct csv *c, long line, long field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	c->err_line = line;
	c->err_field = field;
	c->failed = 1;
	return IN_ERR;
}

/* More input into buf: the number of bytes now available, 0 at the end, -1 on error. */
static int
fill(struct csv *c)
{
	size_t n;

	if (c->fp == NULL)
		return 0;
	n = fread(c->fbuf, 1, CSV_CHUNK, c->fp);
	c->pos = 0;
	c->end = n;
	if (n == 0 && ferror(c->fp))
		return csv_fail(c, c->line, -1, "read error: %s", strerror(errno));
	return n > 0;
}

/* The next byte, checked to continue valid UTF-8 (no NUL); IN_EOF or IN_ERR. */
static int
next_byte(struct csv *c)
{
	int b;

	if (c->pos == c->end) {
		int r = fill(c);

		if (r < 0)
			return IN_ERR;
		if (r == 0) {
			if (c->u_need > 0)
				return csv_fail(c, c->line, (long)c->nf, "invalid UTF-8 "
				    "(the file ends inside a character)");
			return IN_EOF;
		}
	}
	b = c->buf[c->pos++];
	if (c->u_need > 0) {
		if (b < c->u_lo || b > c->u_hi)
			return csv_fail(c, c->line, (long)c->nf, "invalid UTF-8 (byte 0x%02x "
			    "cannot continue a character; save the file as CSV UTF-8)", b);
		c->u_need--;
		c->u_lo = 0x80;
		c->u_hi = 0xbf;
		return b;
	}
	if (b < 0x80) {
		if (b == 0)
			return csv_fail(c, c->line, (long)c->nf, "NUL byte in the text");
		if (b == '\n')
			c->line++;
		return b;
	}
	c->u_lo = 0x80;
	c->u_hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf)
		c->u_need = 1;
	else if (b == 0xe0) {
		c->u_need = 2;
		c->u_lo = 0xa0;         /* no overlong forms */
	} else if (b == 0xed) {
		c->u_need = 2;
		c->u_hi = 0x9f;         /* no UTF-16 surrogates */
	} else if (b >= 0xe1 && b <= 0xef)
		c->u_need = 2;
	else if (b == 0xf0) {
		c->u_need = 3;
		c->u_lo = 0x90;
	} else if (b >= 0xf1 && b <= 0xf3)
		c->u_need = 3;
	else if (b == 0xf4) {
		c->u_need = 3;
		c->u_hi = 0x8f;         /* nothing past U+10FFFF */
	} else
		return csv_fail(c, c->line, (long)c->nf, "invalid UTF-8 (byte 0x%02x; save the "
		    "file as CSV UTF-8)", b);
	return b;
}

/* Whether the next byte is ch; consumes it when it is. */
static int
next_is(struct csv *c, int ch, int *err)
{
	int b;

	if (c->pos == c->end) {
		int r = fill(c);

		if (r < 0) {
			*err = 1;
			return 0;
		}
		if (r == 0)
			return 0;
	}
	if (c->buf[c->pos] != ch)
		return 0;
	b = next_byte(c);
	return b == ch;
}

static void
put(struct csv *c, int ch)
{
	if (c->rlen >= CSV_MAX_RECORD) {
		c->too_long = 1;
		return;
	}
	if (c->rlen == c->rcap) {
		c->rcap = c->rcap ? c->rcap * 2 : 256;
		c->rec = xrealloc(c->rec, c->rcap);
	}
	c->rec[c->rlen++] = (char)ch;
}

static void
field_begin(struct csv *c)
{
	if (c->nf == c->fcap) {
		c->fcap = c->fcap ? c->fcap * 2 : 16;
		c->off = xrealloc(c->off, c->fcap * sizeof *c->off);
	}
	c->off[c->nf] = c->rlen;
}

static void
field_end(struct csv *c)
{
	put(c, '\0');
	c->nf++;
}

static void
skip_bom(struct csv *c)
{
	c->started = 1;
	if (c->pos == c->end && fill(c) <= 0)
		return;
	if (c->end - c->pos >= 3 && c->buf[c->pos] == 0xef && c->buf[c->pos + 1] == 0xbb &&
	    c->buf[c->pos + 2] == 0xbf)
		c->pos += 3;
	else if (c->end - c->pos >= 2 && (c->buf[c->pos] == 0xff || c->buf[c->pos] == 0xfe) &&
	    c->buf[c->pos + 1] == (c->buf[c->pos] ^ 0x01))
		csv_fail(c, 1, -1, "the file is UTF-16; save it as CSV UTF-8");
}

/* A record after a line end: LF, CRLF or a lone CR. */
static int
line_end(struct csv *c, int ch)
{
	int err = 0;

	if (ch == '\r' && !next_is(c, '\n', &err)) {
		if (err || c->failed)
			return -1;
		c->line++;              /* a lone CR ends a line too */
	}
	return c->failed ? -1 : 1;
}

/* Read one record into rec/off: 1, 0 at the end of input, -1 on an error. */
static int
read_record(struct csv *c)
{
	long qline;
	int ch, err = 0;

	if (c->failed)
		return -1;
	if (!c->started)
		skip_bom(c);
	if (c->failed)
		return -1;
again:
	c->rlen = 0;
	c->nf = 0;
	c->too_long = 0;
	c->rline = c->line;
	for (;;) {
		field_begin(c);
		ch = next_byte(c);
		if (ch == IN_ERR)
			return -1;
		if (ch == '"') {
			qline = c->line;
			for (;;) {
				ch = next_byte(c);
				if (ch == IN_ERR)
					return -1;
				if (ch == IN_EOF) {
					csv_fail(c, qline, (long)c->nf, "unterminated quoted field "
					    "(the quote opened on this line is never closed)");
					return -1;
				}
				if (ch == '"') {
					if (!next_is(c, '"', &err))
						break;
					if (c->failed)
						return -1;
				}
				put(c, ch);
			}
			if (err || c->failed)
				return -1;
			field_end(c);
			ch = next_byte(c);
			if (ch == IN_ERR) {
				/* A bad byte right after the closing quote is in that field, not in
				 * the next one, which may not exist. */
				if (c->err_field == (long)c->nf)
					c->err_field--;
				return -1;
			}
			if (ch == ',')
				continue;
			if (ch == IN_EOF || ch == '\n' || ch == '\r')
				break;
			/* Spanning lines, the quote most likely was never closed. */
			if (qline != c->line)
				csv_fail(c, qline, (long)c->nf - 1, "unterminated quoted field (the "
				    "quote opened on this line runs on to line %ld)", c->line);
			else
				csv_fail(c, c->line, (long)c->nf - 1, "text after the closing "
				    "quote (a quote inside a quoted field is written \"\")");
			return -1;
		}
		if (c->nf == 0 && (ch == IN_EOF || ch == '\n' || ch == '\r')) {
			if (ch == IN_EOF)
				return 0;
			if (line_end(c, ch) < 0)
				return -1;
			goto again;     /* a blank line */
		}
		while (ch != ',' && ch != '\n' && ch != '\r' && ch != IN_EOF) {
			put(c, ch);
			if ((ch = next_byte(c)) == IN_ERR)
				return -1;
		}
		field_end(c);
		if (ch != ',')
			break;
	}
	c->rlast = ch == '\n' ? c->line - 1 : c->line;
	if (ch != IN_EOF && line_end(c, ch) < 0)
		return -1;
	if (c->too_long) {
		csv_fail(c, c->rline, -1, "record longer than %zu MiB", CSV_MAX_RECORD >> 20);
		return -1;
	}
	return 1;
}

int
csv_header(struct csv *c)
{
	size_t i;
	int r;

	if (c->have_header)
		return 0;
	if ((r = read_record(c)) < 0)
		return -1;
	if (r == 0) {
		csv_fail(c, 1, -1, "empty file");
		return -1;
	}
	c->hdr = xcalloc(c->nf, sizeof *c->hdr);
	for (i = 0; i < c->nf; i++)
		c->hdr[i] = xstrdup(c->rec + c->off[i]);
	c->nh = c->nf;
	c->have_header = 1;
	return 0;
}

size_t
csv_header_count(const struct csv *c)
{
	return c->nh;
}

const char *
csv_header_name(const struct csv *c, size_t i)
{
	return i < c->nh ? c->hdr[i] : NULL;
}

int
csv_next(struct csv *c)
{
	int r;

	if (!c->have_header && csv_header(c) != 0)
		return -1;
	if ((r = read_record(c)) <= 0)
		return r;
	if (c->nf != c->nh) {
		char hint[80] = "";

		if (c->rlast > c->rline)
			snprintf(hint, sizeof hint, "; the row runs on to line %ld: is a quote "
			    "not closed?", c->rlast);
		if (c->nf < c->nh)
			csv_fail(c, c->rline, (long)c->nf, "missing (the row has %zu field%s, "
			    "the header %zu%s)", c->nf, c->nf == 1 ? "" : "s", c->nh, hint);
		else
			csv_fail(c, c->rline, (long)c->nh, "extra field (the row has %zu fields, "
			    "the header %zu%s)", c->nf, c->nh, hint);
		return -1;
	}
	return 1;
}

size_t
csv_count(const struct csv *c)
{
	return c->nf;
}

const char *
csv_field(const struct csv *c, size_t i)
{
	return i < c->nf ? c->rec + c->off[i] : "";
}

size_t
csv_field_len(const struct csv *c, size_t i)
{
	if (i >= c->nf)
		return 0;
	return (i + 1 < c->nf ? c->off[i + 1] : c->rlen) - c->off[i] - 1;
}

long
csv_line(const struct csv *c)
{
	return c->rline;
}

const char *
csv_error(const struct csv *c)
{
	return c->err;
}

long
csv_error_line(const struct csv *c)
{
	return c->err_line;
}

long
csv_error_field(const struct csv *c)
{
	return c->err_field;
}

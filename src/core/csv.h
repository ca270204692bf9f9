/*
 * csv.h — a streaming RFC 4180 reader over a memory buffer or a FILE.
 *
 * The first record is the header and is required. Input must be UTF-8 (an optional BOM
 * is skipped); records end in CRLF or LF; quoted fields may hold commas, "" escapes and
 * newlines; blank lines are skipped. Every data record must have as many fields as the
 * header. Errors carry the line they were found on and, where it applies, the field.
 */
#ifndef PB_CSV_H
#define PB_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv;

/* Readers over len bytes at buf or over fp; both stay owned (and open) by the caller and
 * must outlive the reader. Freed by csv_free(). */
struct csv *csv_open_mem(const char *buf, size_t len);
struct csv *csv_open_file(FILE *fp);
void csv_free(struct csv *c);

/* Read the header if not yet read: 0, or -1 with the error set ("empty file"). */
int csv_header(struct csv *c);
size_t csv_header_count(const struct csv *c);
const char *csv_header_name(const struct csv *c, size_t i);

/* Next data record (reads the header first if needed): 1 a record, 0 end of input, -1 an
 * error. Once it has failed it keeps returning -1. */
int csv_next(struct csv *c);
size_t csv_count(const struct csv *c);
/* Field i of the current record, NUL-terminated; valid until the next csv_next(). */
const char *csv_field(const struct csv *c, size_t i);
size_t csv_field_len(const struct csv *c, size_t i);
/* The line the current record starts on (1-based; the header is line 1 or later). */
long csv_line(const struct csv *c);

/* After -1: what went wrong (one line, no file or line prefix), the line it is on and
 * the 0-based field it is in, or -1 when it concerns no field. */
const char *csv_error(const struct csv *c);
long csv_error_line(const struct csv *c);
long csv_error_field(const struct csv *c);

#endif

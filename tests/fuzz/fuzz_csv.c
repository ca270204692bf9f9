/*
 * fuzz_csv.c — libFuzzer target for the CSV imports: the reader (src/core/csv.c) and the
 * skus, stock and orders validation (src/core/import.c). The first byte picks the kind;
 * the rest is the file. The reader must give the same records and the same verdict
 * whether it reads from memory or from a FILE, every record as wide as the header, every
 * error one line on a line that exists. The import then runs on the demo database inside
 * a transaction rolled back afterwards: it succeeds or fails with one line naming the
 * file, and a success counts exactly the records the reader saw.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/csv.h"
#include "core/import.h"
#include "fuzzdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one pass of the reader saw. */
struct pass {
	long records;
	int rc;                     /* the last csv_next: 0 end, -1 error */
	char err[256];
	long err_line;
	uint64_t sum;               /* a hash of every field, in order */
};

static uint64_t
mix(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return (h ^ 0xff) * 1099511628211u;
}

static void
read_all(struct csv *c, long lines, long fields, struct pass *p)
{
	size_t i, n;

	memset(p, 0, sizeof *p);
	p->sum = 14695981039346656037u;
	if (csv_header(c) == 0) {
		n = csv_header_count(c);
		if (n == 0)
			abort();
		for (i = 0; i < n; i++)
			p->sum = mix(p->sum, csv_header_name(c, i), strlen(csv_header_name(c, i)));
	}
	while ((p->rc = csv_next(c)) == 1) {
		if (csv_count(c) != csv_header_count(c) || csv_line(c) < 1 || csv_line(c) > lines)
			abort();
		for (i = 0; i < csv_count(c); i++) {
			const char *f = csv_field(c, i);

			if (f == NULL || strlen(f) > csv_field_len(c, i))
				abort();
			p->sum = mix(p->sum, f, csv_field_len(c, i));
		}
		p->records++;
	}
	if (p->rc != 0 && p->rc != -1)
		abort();
	if (p->rc == -1) {
		const char *e = csv_error(c);

		if (e == NULL || e[0] == '\0' || strchr(e, '\n') != NULL ||
		    csv_error_line(c) < 1 || csv_error_line(c) > lines ||
		    csv_error_field(c) < -1 || csv_error_field(c) >= fields)
			abort();
		snprintf(p->err, sizeof p->err, "%s", e);
		p->err_line = csv_error_line(c);
		if (csv_next(c) != -1)          /* once failed, always failed */
			abort();
	}
}

static void
import(enum import_kind kind, const uint8_t *data, size_t size, const struct pass *p)
{
	static char path[128];
	struct import_stats st;
	struct session s;
	FILE *fp;
	int rc;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "%s/import.csv", fuzzdb_dir());
	if ((fp = fopen(path, "wb")) == NULL || fwrite(data, 1, size, fp) != size ||
	    fclose(fp) != 0)
		abort();
	session_system(&s, fuzzdb(), "FZ");
	fuzzdb_begin();
	rc = import_file(&s, kind, path, &st);
	fuzzdb_end();
	if (rc > 0)
		abort();
	if (rc == 0) {
		/* Only a file the reader takes whole may load. */
		if (p->rc != 0 || st.rows != p->records || st.created + st.updated < 0)
			abort();
	} else if (s.err[0] == '\0' || strchr(s.err, '\n') != NULL ||
	    strncmp(s.err, path, strlen(path)) != 0) {
		fprintf(stderr, "import error not one line naming the file: %s\n", s.err);
		abort();
	}
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum import_kind kinds[] = { IMPORT_SKUS, IMPORT_STOCK, IMPORT_ORDERS };
	struct pass mem, file;
	const char *text;
	struct csv *c;
	size_t len, k;
	long lines = 1, fields = 1;    /* at most: a field index is below the commas + 1 */
	FILE *fp;

	if (size < 1 || size > 65536)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	for (k = 0; k < len; k++) {
		lines += text[k] == '\n' || (text[k] == '\r' && (k + 1 == len || text[k + 1] != '\n'));
		fields += text[k] == ',';
	}

	c = csv_open_mem(text, len);
	read_all(c, lines, fields, &mem);
	csv_free(c);

	if ((fp = fmemopen((void *)(uintptr_t)text, len, "rb")) == NULL) {
		if (len != 0)
			abort();
	} else {
		c = csv_open_file(fp);
		read_all(c, lines, fields, &file);
		csv_free(c);
		fclose(fp);
		if (mem.records != file.records || mem.rc != file.rc || mem.sum != file.sum ||
		    strcmp(mem.err, file.err) != 0 || mem.err_line != file.err_line) {
			fprintf(stderr, "memory and FILE readers differ: %ld/%ld records, "
			    "'%s' line %ld / '%s' line %ld\n", mem.records, file.records, mem.err,
			    mem.err_line, file.err, file.err_line);
			abort();
		}
	}
	import(kinds[data[0] % 3], data + 1, len, &mem);
	return 0;
}

/* devtable.c — the VID:PID to driver table (see devtable.h). */
#include "devtable.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum devtable_driver driver;
	enum dev_role role;
} drivers[] = {
	{ "ignore", DRV_IGNORE, DEV_ROLE_NONE },
	{ "scale-hidpos", DRV_SCALE_HIDPOS, DEV_ROLE_SCALE },
	{ "scanner", DRV_SCANNER, DEV_ROLE_SCANNER },
	{ "scanner-kbd", DRV_SCANNER_KBD, DEV_ROLE_SCANNER },
	{ "scanner-hidpos", DRV_SCANNER_HIDPOS, DEV_ROLE_SCANNER },
	{ "printer-usb", DRV_PRINTER_USB, DEV_ROLE_PRINTER },
	{ "auto", DRV_AUTO, DEV_ROLE_NONE },
};

const char *
devtable_driver_name(enum devtable_driver d)
{
	size_t i;

	for (i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
		if (drivers[i].driver == d)
			return drivers[i].name;
	}
	return "?";
}

enum dev_role
devtable_driver_role(enum devtable_driver d)
{
	size_t i;

	for (i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
		if (drivers[i].driver == d)
			return drivers[i].role;
	}
	return DEV_ROLE_NONE;
}

static int
devtable_hex(const char *s, size_t n, unsigned *out)
{
	size_t i;

	if (n == 0 || n > 4)
		return -1;
	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return 0;
}

/* One line "VID:PID driver [name]"; blank and # lines give 0 without a row. */
static int
devtable_line(struct devtable *t, const char *line, char *err, size_t errlen)
{
	const char *p = line, *id, *colon, *drv;
	size_t idlen, drvlen, i;
	struct devtable_row row;
	unsigned pid;

	memset(&row, 0, sizeof row);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	id = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	idlen = (size_t)(p - id);
	colon = memchr(id, ':', idlen);
	if (colon == NULL || devtable_hex(id, (size_t)(colon - id), &row.vid) != 0) {
		snprintf(err, errlen, "'%.*s' is not VID:PID (hex, PID may be *)", (int)idlen, id);
		return -1;
	}
	if ((size_t)(id + idlen - colon - 1) == 1 && colon[1] == '*') {
		row.pid = -1;
	} else if (devtable_hex(colon + 1, (size_t)(id + idlen - colon - 1), &pid) != 0) {
		snprintf(err, errlen, "'%.*s' is not VID:PID (hex, PID may be *)", (int)idlen, id);
		return -1;
	} else {
		row.pid = (int)pid;
	}
	while (isspace((unsigned char)*p))
		p++;
	drv = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	drvlen = (size_t)(p - drv);
	for (i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
		if (strlen(drivers[i].name) == drvlen && strncmp(drv, drivers[i].name, drvlen) == 0)
			break;
	}
	if (i == sizeof drivers / sizeof drivers[0]) {
		snprintf(err, errlen, "unknown driver '%.*s' (want scale-hidpos, scanner, "
		    "scanner-kbd, scanner-hidpos, printer-usb, auto or ignore)", (int)drvlen, drv);
		return -1;
	}
	row.driver = drivers[i].driver;
	while (isspace((unsigned char)*p))
		p++;
	i = strnlen(p, sizeof row.name - 1);
	memcpy(row.name, p, i);
	row.name[i] = '\0';
	for (i = strlen(row.name); i > 0 && isspace((unsigned char)row.name[i - 1]); i--)
		row.name[i - 1] = '\0';
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct devtable_row *r = realloc(t->rows, cap * sizeof *r);

		if (r == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		t->rows = r;
		t->cap = cap;
	}
	t->rows[t->n++] = row;
	return 0;
}

int
devtable_add_text(struct devtable *t, const char *text, const char *origin, char *err,
    size_t errlen)
{
	const char *p = text;
	char line[256], why[200];
	int lineno = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (n >= sizeof line) {
			snprintf(err, errlen, "%s:%d: line too long", origin, lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (devtable_line(t, line, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s:%d: %s", origin, lineno, why);
			return -1;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

int
devtable_add_file(struct devtable *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 4096) {
			char *nt = realloc(text, cap + 8192);

			if (nt == NULL) {
				free(text);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			text = nt;
			cap += 8192;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	text[len] = '\0';
	rc = ferror(f) ? -1 : 0;
	fclose(f);
	if (rc != 0)
		snprintf(err, errlen, "%s: read error", path);
	else
		rc = devtable_add_text(t, text, path, err, errlen);
	free(text);
	return rc;
}

int
devtable_init(struct devtable *t, char *err, size_t errlen)
{
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < devtable_files_count; i++) {
		if (devtable_add_text(t, devtable_files[i].text, devtable_files[i].name, err,
		    errlen) != 0) {
			devtable_free(t);
			return -1;
		}
	}
	return 0;
}

void
devtable_free(struct devtable *t)
{
	free(t->rows);
	memset(t, 0, sizeof *t);
}

const struct devtable_row *
devtable_find(const struct devtable *t, unsigned vid, unsigned pid)
{
	const struct devtable_row *any = NULL;
	size_t i;

	for (i = t->n; i-- > 0; ) {
		if (t->rows[i].vid != vid)
			continue;
		if (t->rows[i].pid == (int)pid)
			return &t->rows[i];
		if (t->rows[i].pid == -1 && any == NULL)
			any = &t->rows[i];
	}
	return any;
}

int
devtable_scanner_vendor(const struct devtable *t, unsigned vid)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->rows[i].vid == vid &&
		    devtable_driver_role(t->rows[i].driver) == DEV_ROLE_SCANNER)
			return 1;
	}
	return 0;
}

/*
 * cmd_label.c — `packbench label` (shipping labels for one order or a whole wave, and
 * the command-barcode sheet) and `packbench slip` (packing slip as ZPL or PDF). Every
 * label of one run is rendered first and handed to the printer as one job, so a failure
 * part way prints nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/db.h"
#include "core/label.h"
#include "core/order.h"
#include "core/xalloc.h"
#include "devices/printer.h"
#include "slip_pdf.h"

int cmd_label_run(struct cmd_ctx *c);
int cmd_slip_run(struct cmd_ctx *c);

/* Where the bytes go and how labels are drawn: options both commands share. */
struct dest {
	const char *out;            /* --out FILE ("-": stdout) */
	const char *printer;        /* --printer URI */
	int dpi;
	const char *template_path;
	char *template_text;
	const char *font;
};

/* Options common to label and slip; 1 when opt was one of them (*rc set on error). */
static int
dest_opt(struct dest *d, int opt, const char *arg, int *rc)
{
	const char *p;

	switch (opt) {
	case 'o':
		d->out = arg;
		return 1;
	case 'p':
		d->printer = arg;
		return 1;
	case 'd':
		if (strcmp(arg, "203") == 0)
			d->dpi = 203;
		else if (strcmp(arg, "300") == 0)
			d->dpi = 300;
		else {
			fprintf(stderr, "packbench: --dpi: '%s' is not 203 or 300\n", arg);
			*rc = EXIT_USAGE;
		}
		return 1;
	case 't':
		d->template_path = arg;
		return 1;
	case 'f':
		for (p = arg; *p != '\0'; p++) {
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789:._-", *p) == NULL)
				break;
		}
		if (*arg == '\0' || *p != '\0') {
			fprintf(stderr, "packbench: --font: '%s' is not a printer font name "
			    "(like E:TT0003M_.FNT)\n", arg);
			*rc = EXIT_USAGE;
		}
		d->font = arg;
		return 1;
	}
	return 0;
}

static int
dest_check(struct dest *d)
{
	size_t len;

	if (d->out != NULL && d->printer != NULL) {
		fprintf(stderr, "packbench: --out and --printer: give one of them\n");
		return EXIT_USAGE;
	}
	if (d->template_path != NULL) {
		FILE *fp = fopen(d->template_path, "rb");
		long n;

		if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
		    fseek(fp, 0, SEEK_SET) != 0) {
			fprintf(stderr, "packbench: --template %s: cannot read it\n", d->template_path);
			if (fp != NULL)
				fclose(fp);
			return EXIT_FAIL;
		}
		len = (size_t)n;
		d->template_text = xmalloc(len + 1);
		if (fread(d->template_text, 1, len, fp) != len) {
			fprintf(stderr, "packbench: --template %s: cannot read it\n", d->template_path);
			fclose(fp);
			return EXIT_FAIL;
		}
		d->template_text[len] = '\0';
		fclose(fp);
	}
	return -1;
}

/* Send buf to --printer, --out or stdout; one line on stderr on failure. */
static int
dest_send(const struct dest *d, const void *buf, size_t len, const char *what)
{
	char err[512], uri[300];

	if (d->printer == NULL && (d->out == NULL || strcmp(d->out, "-") == 0)) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "packbench: writing %s to stdout failed\n", what);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (d->out != NULL) {
		if (strlen(d->out) >= 255) {
			fprintf(stderr, "packbench: --out %s: path too long\n", d->out);
			return EXIT_FAIL;
		}
		snprintf(uri, sizeof uri, "file:%s", d->out);
	} else {
		snprintf(uri, sizeof uri, "%s", d->printer);
	}
	if (printer_send(uri, buf, len, err, sizeof err) != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		return EXIT_FAIL;
	}
	printf("%s (%zu bytes) sent to %s\n", what, len, uri);
	return EXIT_OK;
}

/* Append the labels of every package of order id (or only package pkg) to *buf. */
static int
add_order_labels(struct session *s, const struct dest *dst, int64_t id, int pkg, int slip,
    char **buf, size_t *len, int *count)
{
	struct label_data d;
	int n, first = pkg > 0 ? pkg : 1, last;
	char *z;
	size_t zlen;
	int rc;

	for (n = first, last = first; n <= last; n++) {
		if (label_load(s, id, n, &d) != 0)
			return cmd_fail(s);
		if (n == first && (d.pkg_count > 1 && pkg == 0))
			last = d.pkg_count;
		if (dst->font != NULL)
			snprintf(d.font, sizeof d.font, "%s", dst->font);
		rc = slip ? label_slip_zpl(dst->template_text, &d, dst->dpi, &z, &zlen) :
		    label_zpl(dst->template_text, &d, dst->dpi, &z, &zlen);
		if (rc != 0) {
			fprintf(stderr, "packbench: %s%s%s\n", dst->template_path ?
			    dst->template_path : "", dst->template_path ? ": " : "", label_error());
			label_free(&d);
			return EXIT_FAIL;
		}
		*buf = xrealloc(*buf, *len + zlen + 2);
		memcpy(*buf + *len, z, zlen + 1);
		*len += zlen;
		if (zlen == 0 || z[zlen - 1] != '\n') {
			(*buf)[(*len)++] = '\n';       /* one label per line group */
			(*buf)[*len] = '\0';
		}
		(*count)++;
		free(z);
		label_free(&d);
		if (slip)
			break;          /* the slip lists the whole order */
	}
	return EXIT_OK;
}

/* Refuse orders that must not leave the warehouse. */
static int
printable(struct session *s, int64_t id, const char *key)
{
	struct order *o;
	int ok;

	if (order_load(s, id, &o) != 0)
		return cmd_fail(s);
	ok = o->status != ST_CANCELLED && o->status != ST_ON_HOLD;
	if (!ok)
		fprintf(stderr, "packbench: order %s is %s; no label for it\n", key,
		    order_status_name(o->status));
	order_free(o);
	return ok ? EXIT_OK : EXIT_FAIL;
}

int
cmd_label_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "out", required_argument, NULL, 'o' },
		{ "printer", required_argument, NULL, 'p' },
		{ "dpi", required_argument, NULL, 'd' },
		{ "package", required_argument, NULL, 'k' },
		{ "template", required_argument, NULL, 't' },
		{ "font", required_argument, NULL, 'f' },
		{ "orders", no_argument, NULL, 'O' },
		{ "status", required_argument, NULL, 's' },
		{ "channel", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ "command-sheet", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct dest dst = { .dpi = 203 };
	struct order_filter f = { .status = ST_PACKED, .sort_ship_by = 1 };
	int opt, rc = -1, pkg = 0, wave = 0, sheet = 0, filtered = 0, count = 0;
	struct order_row *rows = NULL;
	enum order_status st;
	struct session s;
	struct db *db = NULL;
	char *buf = NULL, *end, what[64];
	size_t len = 0, n = 0, i;
	int64_t id;
	long v;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (dest_opt(&dst, opt, optarg, &rc)) {
			if (rc >= 0)
				return rc;
			continue;
		}
		switch (opt) {
		case 'k':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 999) {
				fprintf(stderr, "packbench: --package: '%s' is not a package number\n",
				    optarg);
				return EXIT_USAGE;
			}
			pkg = (int)v;
			break;
		case 'O':
			wave = 1;
			break;
		case 'C':
			sheet = 1;
			break;
		case 's':
			if (order_status_parse(optarg, &st) != 0) {
				fprintf(stderr, "packbench: --status: '%s' is not an order status\n",
				    optarg);
				return EXIT_USAGE;
			}
			f.status = (int)st;
			filtered = 1;
			break;
		case 'c':
			f.channel = optarg;
			filtered = 1;
			break;
		case 'n':
			f.limit = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || f.limit <= 0) {
				fprintf(stderr, "packbench: --limit: '%s' is not a positive number\n",
				    optarg);
				return EXIT_USAGE;
			}
			filtered = 1;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	/* Exactly one of ORDER, --orders, --command-sheet. */
	if (wave + sheet + (optind < c->argc) != 1 || optind + 1 < c->argc ||
	    (filtered && !wave) || (pkg && (wave || sheet)))
		return cmd_usage(c);
	if ((rc = dest_check(&dst)) >= 0)
		goto done;

	if (sheet) {
		if (label_command_sheet_zpl(dst.template_text, dst.font, dst.dpi, &buf, &len) !=
		    0) {
			fprintf(stderr, "packbench: %s\n", label_error());
			rc = EXIT_FAIL;
			goto done;
		}
		rc = dest_send(&dst, buf, len, "command sheet");
		goto done;
	}
	if (cmd_open(c, &db, &s) != 0) {
		rc = EXIT_FAIL;
		goto done;
	}
	if (!wave) {
		const char *key = c->argv[optind];

		if (order_find(&s, key, &id) != 0) {
			rc = cmd_fail(&s);
			goto done;
		}
		if ((rc = printable(&s, id, key)) != EXIT_OK ||
		    (rc = add_order_labels(&s, &dst, id, pkg, 0, &buf, &len, &count)) != EXIT_OK)
			goto done;
		snprintf(what, sizeof what, "%d label%s", count, count == 1 ? "" : "s");
		rc = dest_send(&dst, buf, len, what);
		goto done;
	}
	if (order_list(&s, &f, &rows, &n) != 0) {
		rc = cmd_fail(&s);
		goto done;
	}
	if (n == 0) {
		fprintf(stderr, "packbench: label --orders: no %s orders%s%s to label\n",
		    f.status >= 0 ? order_status_name((enum order_status)f.status) : "",
		    f.channel ? " on " : "", f.channel ? f.channel : "");
		rc = EXIT_FAIL;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((rc = printable(&s, rows[i].id, rows[i].order_no)) != EXIT_OK ||
		    (rc = add_order_labels(&s, &dst, rows[i].id, 0, 0, &buf, &len, &count)) !=
		    EXIT_OK)
			goto done;
	}
	snprintf(what, sizeof what, "%d label%s for %zu order%s", count, count == 1 ? "" : "s",
	    n, n == 1 ? "" : "s");
	rc = dest_send(&dst, buf, len, what);
done:
	free(rows);
	free(buf);
	free(dst.template_text);
	if (db != NULL)
		db_close(db);
	return rc;
}

int
cmd_slip_run(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "pdf", required_argument, NULL, 'P' },
		{ "size", required_argument, NULL, 'S' },
		{ "zpl", no_argument, NULL, 'Z' },
		{ "out", required_argument, NULL, 'o' },
		{ "printer", required_argument, NULL, 'p' },
		{ "dpi", required_argument, NULL, 'd' },
		{ "template", required_argument, NULL, 't' },
		{ "font", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct dest dst = { .dpi = 203 };
	enum slip_size size = SLIP_A4;
	const char *pdf = NULL;
	int opt, rc = -1, zpl = 0, sized = 0, count = 0;
	struct label_data d;
	struct session s;
	struct db *db = NULL;
	unsigned char *pbuf = NULL;
	char *buf = NULL, err[512];
	size_t len = 0;
	int64_t id;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		if (dest_opt(&dst, opt, optarg, &rc)) {
			if (rc >= 0)
				return rc;
			continue;
		}
		switch (opt) {
		case 'P':
			pdf = optarg;
			break;
		case 'S':
			if (slip_pdf_size_parse(optarg, &size) != 0) {
				fprintf(stderr, "packbench: --size: '%s' is not a4 or a6\n", optarg);
				return EXIT_USAGE;
			}
			sized = 1;
			break;
		case 'Z':
			zpl = 1;
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind + 1 != c->argc || (pdf != NULL && zpl) || (sized && pdf == NULL) ||
	    (pdf != NULL && (dst.printer || dst.out || dst.template_path || dst.font)))
		return cmd_usage(c);
	if ((rc = dest_check(&dst)) >= 0)
		goto done;
	if (cmd_open(c, &db, &s) != 0) {
		rc = EXIT_FAIL;
		goto done;
	}
	if (order_find(&s, c->argv[optind], &id) != 0) {
		rc = cmd_fail(&s);
		goto done;
	}
	if (pdf == NULL) {
		rc = add_order_labels(&s, &dst, id, 0, 1, &buf, &len, &count);
		if (rc == EXIT_OK)
			rc = dest_send(&dst, buf, len, "packing slip");
		goto done;
	}
	if (label_load(&s, id, 1, &d) != 0) {
		rc = cmd_fail(&s);
		goto done;
	}
	rc = slip_pdf(&d, size, &pbuf, &len, err, sizeof err);
	label_free(&d);
	slip_pdf_cleanup();
	if (rc != 0) {
		fprintf(stderr, "packbench: %s\n", err);
		rc = EXIT_FAIL;
		goto done;
	}
	dst.out = pdf;
	rc = dest_send(&dst, pbuf, len, "packing slip PDF");
done:
	free(buf);
	free(pbuf);
	free(dst.template_text);
	if (db != NULL)
		db_close(db);
	return rc;
}

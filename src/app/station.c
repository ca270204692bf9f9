/* station.c — station settings from the configuration, and label printing (station.h). */
#include "station.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/label.h"
#include "core/stock.h"
#include "core/xalloc.h"
#include "devices/printer.h"

int
station_pack_config(struct session *s, const struct config *cfg, const char *warehouse,
    struct pack_config *out, char *err, size_t errlen)
{
	const char *code = warehouse ? warehouse : cfg->station.warehouse;
	int i;

	memset(out, 0, sizeof *out);
	snprintf(out->station, sizeof out->station, "%s", cfg->station.id);
	out->tol_g = cfg->station.weight_tolerance_g;
	out->tol_pct = cfg->station.weight_tolerance_pct;
	out->auto_confirm = cfg->station.auto_confirm;
	for (i = 0; i < cfg->nboxes && i < PACK_MAX_BOXES; i++) {
		struct pack_box *b = &out->boxes[i];
		const struct config_box *c = &cfg->boxes[i];

		snprintf(b->code, sizeof b->code, "%s", c->name);
		snprintf(b->barcode, sizeof b->barcode, "%s", c->barcode);
		snprintf(b->size, sizeof b->size, "%dx%dx%d", c->l_cm, c->w_cm, c->h_cm);
		b->tare_g = c->tare_g;
	}
	out->nboxes = i;
	if (code != NULL && code[0] != '\0') {
		if (warehouse_find(s, code, &out->warehouse_id) != 0) {
			snprintf(err, errlen, "station %s: %s", out->station, s->err);
			return -1;
		}
		return 0;
	}
	{
		struct warehouse_row *rows;
		size_t n;

		if (warehouse_list(s, &rows, &n) != 0) {
			snprintf(err, errlen, "%s", s->err);
			return -1;
		}
		/* With several and none named, the station packs for any of them. */
		if (n == 1)
			out->warehouse_id = rows[0].id;
		free(rows);
	}
	return 0;
}

int
station_labels(struct session *s, const struct config *cfg, int64_t order_id,
    char **jobp, size_t *joblenp, char *err, size_t errlen)
{
	struct label_data d;
	char *job = NULL, *zpl;
	size_t joblen = 0, len;
	int pkg = 1, count = 1, rc = 0;

	/* A split order's part labels its own packages only. */
	pack_label_pkgs(s, order_id, &pkg, &count);
	for (; pkg <= count; pkg++) {
		if (label_load(s, order_id, pkg, &d) != 0) {
			snprintf(err, errlen, "label: %s", s->err);
			rc = -1;
			break;
		}
		count = d.pkg_count;
		if (label_zpl(NULL, &d, cfg->station.label_dpi, &zpl, &len) != 0) {
			snprintf(err, errlen, "label: %s", label_error());
			label_free(&d);
			rc = -1;
			break;
		}
		label_free(&d);
		job = xrealloc(job, joblen + len + 1);
		memcpy(job + joblen, zpl, len);
		joblen += len;
		free(zpl);
	}
	if (rc != 0) {
		free(job);
		return -1;
	}
	*jobp = job;
	*joblenp = joblen;
	return 0;
}

int
station_print(struct session *s, const struct config *cfg, const char *printer,
    int64_t order_id, char *err, size_t errlen)
{
	char *job;
	size_t len;
	int rc = 0;

	if (printer == NULL)
		printer = cfg->station.printer;
	if (station_labels(s, cfg, order_id, &job, &len, err, errlen) != 0)
		return -1;
	if (printer_send(printer, job, len, err, errlen) != 0)
		rc = -1;
	free(job);
	return rc;
}

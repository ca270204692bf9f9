/* cmd_orders.c — `packbench orders list` and `packbench order show`. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/order.h"

int cmd_orders_list(struct cmd_ctx *c);
int cmd_order_show(struct cmd_ctx *c);

static void
fmt_time(int64_t t, char *buf, size_t len)
{
	if (t <= 0)
		snprintf(buf, len, "%s", "");
	else
		clock_format(t, 7 * 3600, buf, (unsigned)len);   /* Viet Nam, UTC+7 */
}

int
cmd_orders_list(struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'F' },
		{ "status", required_argument, NULL, 's' },
		{ "channel", required_argument, NULL, 'c' },
		{ "search", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'n' },
		{ "urgent", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "id", 1 }, { "order_no", 0 }, { "channel", 0 }, { "shop", 0 },
		{ "status", 0 }, { "created", 0 }, { "ship_by", 0 }, { "cod", 1 },
		{ "total", 1 }, { "currency", 0 }, { "buyer", 0 }, { "province", 0 },
		{ "lines", 1 }, { "units", 1 },
	};
	struct order_filter f = { .status = -1 };
	struct order_row *rows = NULL;
	enum order_status st;
	struct session s;
	struct db *db;
	struct out *o;
	size_t n, i;
	int opt, rc;
	char *end;

	while ((opt = getopt_long(c->argc, c->argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (order_status_parse(optarg, &st) != 0) {
				fprintf(stderr, "packbench: --status: '%s' is not an order status "
				    "(NEW, CONFIRMED, ON_HOLD, ALLOCATED, PACKING, PACKED, SHIPPED, "
				    "DELIVERED, COMPLETED, CANCELLED, RETURNING, RETURNED)\n", optarg);
				return EXIT_USAGE;
			}
			f.status = (int)st;
			break;
		case 'c':
			f.channel = optarg;
			break;
		case 'q':
			f.search = optarg;
			break;
		case 'u':
			f.sort_ship_by = 1;
			break;
		case 'n':
			f.limit = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || f.limit <= 0) {
				fprintf(stderr, "packbench: --limit: '%s' is not a positive number\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			if (cmd_common_opt(c, opt, optarg, &rc))
				return rc;
		}
	}
	if (optind != c->argc)
		return cmd_usage(c);
	if (cmd_open(c, &db, &s) != 0)
		return EXIT_FAIL;
	if (order_list(&s, &f, &rows, &n) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < n; i++) {
		struct order_row *r = &rows[i];
		char id[24], created[32], shipby[32], cod[24], total[24], lines[24], units[24];
		const char *vals[14];

		snprintf(id, sizeof id, "%" PRId64, r->id);
		fmt_time(r->created_at, created, sizeof created);
		fmt_time(r->ship_by, shipby, sizeof shipby);
		snprintf(cod, sizeof cod, "%" PRId64, r->cod);
		snprintf(total, sizeof total, "%" PRId64, r->total);
		snprintf(lines, sizeof lines, "%" PRId64, r->lines);
		snprintf(units, sizeof units, "%" PRId64, r->units);
		vals[0] = id; vals[1] = r->order_no; vals[2] = r->channel; vals[3] = r->shop;
		vals[4] = order_status_name(r->status); vals[5] = created;
		vals[6] = r->ship_by ? shipby : NULL; vals[7] = cod; vals[8] = total;
		vals[9] = r->currency; vals[10] = r->buyer_name; vals[11] = r->province;
		vals[12] = lines; vals[13] = units;
		out_row(o, vals);
	}
	out_end(o);
	free(rows);
	db_close(db);
	return EXIT_OK;
}

int
cmd_order_show(struct cmd_ctx *c)
{
	static const struct out_col cols[] = {
		{ "line", 1 }, { "sku", 0 }, { "name", 0 }, { "qty", 1 }, { "unit_price", 1 },
	};
	struct order *ord = NULL;
	struct session s;
	struct db *db;
	struct out *o;
	int64_t id;
	size_t i;
	int rc;

	if ((rc = cmd_start(c, 1, &db, &s)) >= 0)
		return rc;
	if (order_find(&s, c->argv[optind], &id) != 0 || order_load(&s, id, &ord) != 0) {
		db_close(db);
		return cmd_fail(&s);
	}
	if (c->fmt == OUT_TABLE) {
		char created[32], shipby[32];

		fmt_time(ord->created_at, created, sizeof created);
		fmt_time(ord->ship_by, shipby, sizeof shipby);
		printf("order     %s  (#%" PRId64 ", %s %s)\n", ord->order_no, ord->id,
		    ord->channel, ord->shop);
		printf("status    %s  (version %" PRId64 ")\n", order_status_name(ord->status),
		    ord->version);
		printf("created   %s\nship by   %s\n", created, ord->ship_by ? shipby : "-");
		printf("total     %" PRId64 " %s   COD %" PRId64 "\n", ord->total, ord->currency,
		    ord->cod);
		printf("buyer     %s  %s\n", ord->buyer_name, ord->buyer_phone);
		printf("address   %s%s%s, %s\n", ord->address, ord->district[0] ? ", " : "",
		    ord->district, ord->province);
		if (ord->tracking_no != NULL)
			printf("tracking  %s\n", ord->tracking_no);
		printf("\n");
	}
	o = out_begin(stdout, c->fmt, cols, (int)(sizeof cols / sizeof cols[0]));
	for (i = 0; i < ord->nlines; i++) {
		struct order_line *l = &ord->lines[i];
		char ln[16], qty[24], price[24];
		const char *vals[5];

		snprintf(ln, sizeof ln, "%d", l->line_no);
		snprintf(qty, sizeof qty, "%" PRId64, l->qty);
		snprintf(price, sizeof price, "%" PRId64, l->unit_price);
		vals[0] = ln; vals[1] = l->sku; vals[2] = l->name; vals[3] = qty; vals[4] = price;
		out_row(o, vals);
	}
	out_end(o);
	order_free(ord);
	db_close(db);
	return EXIT_OK;
}

/*
 * sla.c — the SLA aging board (sla.h). One query counts every status and bucket at once
 * as ranges of the partial index of open orders (schema 5); the orders behind a count
 * come from order_list() with a ship-by range.
 */
#include "sla.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "xalloc.h"

#define HOUR 3600

/* Bucket edges, as seconds left: bucket b holds [edge[b - 1], edge[b]). */
static const int64_t sla_edges[] = { 0, 2 * HOUR, 6 * HOUR, 24 * HOUR };

static const char *const bucket_names[SLA__BUCKETS] = {
	[SLA_OVERDUE] = "overdue",
	[SLA_UNDER_2H] = "< 2h",
	[SLA_2_6H] = "2-6h",
	[SLA_6_24H] = "6-24h",
	[SLA_LATER] = "later",
	[SLA_NO_DEADLINE] = "no deadline",
};

static const char *const group_names[SLA__GROUPS] = {
	[SLA_TO_CONFIRM] = "to confirm",
	[SLA_TO_PACK] = "to pack",
	[SLA_PACKED] = "packed",
};

const char *
sla_bucket_name(enum sla_bucket b)
{
	return (unsigned)b < SLA__BUCKETS ? bucket_names[b] : "?";
}

const char *
sla_group_name(enum sla_group g)
{
	return (unsigned)g < SLA__GROUPS ? group_names[g] : "?";
}

enum sla_bucket
sla_bucket_of(int64_t ship_by, int64_t now)
{
	int64_t left = ship_by - now;
	int b;

	if (ship_by <= 0)
		return SLA_NO_DEADLINE;
	if (left < 0)
		return SLA_OVERDUE;
	for (b = 1; b < 4; b++)
		if (left < sla_edges[b])
			return (enum sla_bucket)b;
	return SLA_LATER;
}

int
sla_group_of(enum order_status st)
{
	switch (st) {
	case ST_NEW:
	case ST_ON_HOLD:
		return SLA_TO_CONFIRM;
	case ST_CONFIRMED:
	case ST_ALLOCATED:
	case ST_PACKING:
		return SLA_TO_PACK;
	case ST_PACKED:
		return SLA_PACKED;
	default:
		return -1;
	}
}

void
sla_bucket_range(enum sla_bucket b, int64_t now, int64_t *from, int64_t *to)
{
	*from = b == SLA_OVERDUE ? INT64_MIN : now + sla_edges[b - 1];
	*to = b >= SLA_LATER ? INT64_MAX : now + sla_edges[b];
}

static int
has(const char *v)
{
	return v != NULL && v[0] != '\0';
}

/* The warehouse code's id in *id (0 when f names none). */
static int
warehouse_id(struct session *s, const struct sla_filter *f, int64_t *id)
{
	int rc;

	*id = 0;
	if (f == NULL || !has(f->warehouse))
		return 0;
	rc = db_int(s->db, id, "SELECT id FROM warehouse WHERE code = ?", "s", f->warehouse);
	if (rc == DB_ENOTFOUND)
		return session_fail(s, rc, "warehouse '%s' not found", f->warehouse);
	if (rc != 0)
		return session_fail(s, rc, "sla: %s", db_errmsg(s->db));
	return 0;
}

/* The ids the query selects, as "1, 3" ("0" when none: no shop has id 0). */
static int
shop_ids(struct session *s, const char *sql, const char *a, const char *b, int64_t c,
    char *buf, size_t len)
{
	struct db_stmt *st;
	size_t o = 0;
	int rc;

	buf[0] = '\0';
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "sla: %s", db_errmsg(s->db));
	if (c != 0) {
		db_bind_int(st, 3, c);
	} else {
		db_bind_text(st, 1, a);
		db_bind_text(st, 2, b);
	}
	while ((rc = db_step(st)) == DB_ROW)
		if (o + 24 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%" PRId64, o ? ", " : "",
			    db_col_int(st, 0));
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc, "sla: %s", db_errmsg(s->db));
	if (o == 0)
		snprintf(buf, len, "0");
	return 0;
}

/* The open orders' partial indexes (schema 5 and 9) are taken only by a query that
 * repeats their WHERE word for word. */
#define OPEN_WHERE "status IN ('NEW', 'CONFIRMED', 'ON_HOLD', 'ALLOCATED', 'PACKING', " \
	"'PACKED')"

/*
 * The filters as SQL on orders o: literal lists of shop ids (a short constant list is a
 * few comparisons per index entry, where a subquery would be a lookup each), the same
 * orders as order_list() selects with the channel, shop and warehouse.
 */
static int
filter_sql(struct session *s, const struct sla_filter *f, char *shops, size_t slen,
    char *whs, size_t wlen)
{
	char ids[4096];
	int64_t wh;
	int rc;

	shops[0] = whs[0] = '\0';
	if ((rc = warehouse_id(s, f, &wh)) != 0)
		return rc;
	if (has(f->channel) || has(f->shop)) {
		if ((rc = shop_ids(s, "SELECT id FROM shop WHERE (?1 IS NULL OR channel = ?1) AND "
		    "(?2 IS NULL OR shop_code = ?2) ORDER BY id", has(f->channel) ? f->channel :
		    NULL, has(f->shop) ? f->shop : NULL, 0, ids, sizeof ids)) != 0)
			return rc;
		snprintf(shops, slen, " AND o.shop_id IN (%s)", ids);
	}
	if (wh != 0) {
		if ((rc = shop_ids(s, "SELECT id FROM shop WHERE warehouse_id = ?3 ORDER BY id",
		    NULL, NULL, wh, ids, sizeof ids)) != 0)
			return rc;
		snprintf(whs, wlen, " AND (o.warehouse_id = %" PRId64 " OR "
		    "(o.warehouse_id IS NULL AND o.shop_id IN (%s)))", wh, ids);
	}
	return 0;
}

int
sla_board(struct session *s, const struct sla_filter *f, int64_t now, struct sla_board *out)
{
	static const struct sla_filter any;
	static const char *const ranges[SLA__BUCKETS] = {
		"o.ship_by < ?1", "o.ship_by >= ?1 AND o.ship_by < ?2",
		"o.ship_by >= ?2 AND o.ship_by < ?3", "o.ship_by >= ?3 AND o.ship_by < ?4",
		"o.ship_by >= ?4", "o.ship_by IS NULL",
	};
	char sql[65536], shops[4200], whs[4300];
	const char *sep;
	size_t o;
	struct db_stmt *st;
	int rc, idx, b, i;

	memset(out, 0, sizeof *out);
	out->now = now;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the SLA board")) != 0)
		return rc;
	if (f == NULL)
		f = &any;
	if ((rc = filter_sql(s, f, shops, sizeof shops, whs, sizeof whs)) != 0)
		return rc;
	/*
	 * One count per open status and bucket, each a range of the partial index of open
	 * orders (its WHERE repeated word for word so the planner takes it): counting a
	 * range walks index entries only, with no expression per row.
	 */
	o = (size_t)snprintf(sql, sizeof sql, "SELECT ");
	sep = "";
	for (i = 0; i < ST__COUNT; i++) {
		if (sla_group_of((enum order_status)i) < 0)
			continue;
		for (b = 0; b < SLA__BUCKETS; b++, sep = ", ")
			o += (size_t)snprintf(sql + o, sizeof sql - o, "%s(SELECT count(*) FROM "
			    "orders o WHERE " OPEN_WHERE " AND o.status = '%s' AND %s%s%s)",
			    sep, order_status_name((enum order_status)i), ranges[b],
			    shops, whs);
	}
	if (o >= sizeof sql)
		return session_fail(s, DB_ERR, "sla: query too long");
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "sla: %s", db_errmsg(s->db));
	for (idx = 1; idx <= 4; idx++)
		db_bind_int(st, idx, now + sla_edges[idx - 1]);
	if ((rc = db_step(st)) == DB_ROW) {
		int col = 0;

		for (i = 0; i < ST__COUNT; i++) {
			int g = sla_group_of((enum order_status)i);

			if (g < 0)
				continue;
			for (b = 0; b < SLA__BUCKETS; b++)
				out->n[g][b] += db_col_int(st, col++);
		}
		rc = DB_DONE;
	}
	db_done(st);
	if (rc != DB_DONE)
		return session_fail(s, rc, "sla: %s", db_errmsg(s->db));
	for (i = 0; i < SLA__GROUPS; i++)
		for (b = 0; b < SLA__BUCKETS; b++) {
			out->group_total[i] += out->n[i][b];
			out->bucket_total[b] += out->n[i][b];
			out->total += out->n[i][b];
		}
	return 0;
}

/* The statuses of group g (-1: every open one) as an order_filter status mask. */
static unsigned
group_mask(int g)
{
	unsigned m = 0;
	int i;

	for (i = 0; i < ST__COUNT; i++)
		if (sla_group_of((enum order_status)i) >= 0 &&
		    (g < 0 || sla_group_of((enum order_status)i) == g))
			m |= 1u << i;
	return m;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Narrow [*from, *to) to end just after the limit-th order's deadline, so order_list()
 * sorts a page, not a whole bucket (the later bucket holds most open orders). The first
 * limit deadlines of each status come in order from the partial index of open orders
 * (status, ship_by, ...: no sort), merged here; the same filters as the board and
 * order_list(), so no order of the first page falls outside.
 */
static int
narrow(struct session *s, const struct sla_filter *f, int group, int limit, int64_t *from,
    int64_t *to)
{
	static const struct sla_filter any;
	char sql[10000], shops[4200], whs[4300];
	int64_t *at = NULL;
	size_t n = 0;
	int rc, i;

	if ((rc = filter_sql(s, f != NULL ? f : &any, shops, sizeof shops, whs,
	    sizeof whs)) != 0)
		return rc;
	at = xcalloc((size_t)limit * ST__COUNT, sizeof *at);
	for (i = 0; i < ST__COUNT; i++) {
		struct db_stmt *st;
		int g = sla_group_of((enum order_status)i);

		if (g < 0 || (group >= 0 && g != group))
			continue;
		snprintf(sql, sizeof sql, "SELECT o.ship_by FROM orders o WHERE " OPEN_WHERE
		    " AND o.status = '%s' AND o.ship_by >= ?1 AND o.ship_by < ?2%s%s ORDER BY "
		    "o.ship_by LIMIT ?3", order_status_name((enum order_status)i), shops, whs);
		if ((st = db_prep(s->db, sql)) == NULL) {
			free(at);
			return session_fail(s, DB_ERR, "sla: %s", db_errmsg(s->db));
		}
		db_bind_int(st, 1, *from);
		db_bind_int(st, 2, *to);
		db_bind_int(st, 3, limit);
		while ((rc = db_step(st)) == DB_ROW)
			at[n++] = db_col_int(st, 0);
		db_done(st);
		if (rc != DB_DONE) {
			free(at);
			return session_fail(s, rc, "sla: %s", db_errmsg(s->db));
		}
	}
	if (n >= (size_t)limit) {
		qsort(at, n, sizeof *at, cmp_i64);
		if (at[limit - 1] < INT64_MAX && at[limit - 1] + 1 < *to)
			*to = at[limit - 1] + 1;
	}
	free(at);
	return 0;
}

int
sla_orders(struct session *s, const struct sla_filter *f, int group, enum sla_bucket b,
    int64_t now, int limit, struct order_row **rows, size_t *n)
{
	struct order_filter of;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the SLA board")) != 0)
		return rc;
	if (group >= SLA__GROUPS || (unsigned)b >= SLA__BUCKETS)
		return session_fail(s, DB_EINVAL, "sla: no such count");
	memset(&of, 0, sizeof of);
	of.status = -1;
	of.status_mask = group_mask(group);
	of.limit = limit;
	of.sort_ship_by = 1;
	if (f != NULL) {
		of.channel = has(f->channel) ? f->channel : NULL;
		of.shop = has(f->shop) ? f->shop : NULL;
		if ((rc = warehouse_id(s, f, &of.warehouse_id)) != 0)
			return rc;
	}
	if (b == SLA_NO_DEADLINE) {
		of.ship_by_range = 2;
	} else {
		of.ship_by_range = 1;
		sla_bucket_range(b, now, &of.ship_by_from, &of.ship_by_to);
		if (limit > 0 && (rc = narrow(s, f, group, limit, &of.ship_by_from,
		    &of.ship_by_to)) != 0)
			return rc;
	}
	return order_list(s, &of, rows, n);
}

int
sla_queue(struct session *s, const struct sla_filter *f, const char *search, int limit,
    struct order_row **rows, size_t *n)
{
	struct order_filter of;
	struct order_row *more = NULL;
	size_t nmore = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the confirmation queue")) != 0)
		return rc;
	memset(&of, 0, sizeof of);
	of.status = ST_NEW;
	of.search = has(search) ? search : NULL;
	of.limit = limit;
	if (f != NULL) {
		of.channel = has(f->channel) ? f->channel : NULL;
		of.shop = has(f->shop) ? f->shop : NULL;
		if ((rc = warehouse_id(s, f, &of.warehouse_id)) != 0)
			return rc;
	}
	/* Two ranges, each in index order, so no sort of every NEW order is needed. */
	of.ship_by_range = 1;
	of.ship_by_from = INT64_MIN;
	of.ship_by_to = INT64_MAX;
	if ((rc = order_list(s, &of, rows, n)) != 0)
		return rc;
	if (limit > 0 && *n >= (size_t)limit)
		return 0;
	of.ship_by_range = 2;
	of.limit = limit > 0 ? limit - (int)*n : 0;
	if ((rc = order_list(s, &of, &more, &nmore)) != 0) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	if (nmore > 0) {
		*rows = xrealloc(*rows, (*n + nmore) * sizeof **rows);
		memcpy(*rows + *n, more, nmore * sizeof *more);
		*n += nmore;
	}
	free(more);
	return 0;
}

/* ---- carriers ---- */

static struct sla_carrier carriers[SLA_MAX_CARRIERS];
static int ncarriers;
static int64_t carriers_tz = 7 * HOUR;

void
sla_set_carriers(const struct sla_carrier *c, int n, int64_t tz_offset)
{
	if (n > SLA_MAX_CARRIERS)
		n = SLA_MAX_CARRIERS;
	if (n > 0)
		memcpy(carriers, c, (size_t)n * sizeof *c);
	ncarriers = n > 0 ? n : 0;
	carriers_tz = tz_offset;
}

const struct sla_carrier *
sla_carriers(int *n)
{
	*n = ncarriers;
	return carriers;
}

const struct sla_carrier *
sla_carrier_find(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < ncarriers; i++)
		if (strcasecmp(carriers[i].name, name) == 0)
			return &carriers[i];
	return NULL;
}

int64_t
sla_next_cutoff(const struct sla_carrier *c, int64_t now)
{
	int64_t local, midnight, at;

	if (c == NULL || c->cutoff_min < 0)
		return 0;
	local = now + carriers_tz;
	midnight = local - ((local % 86400) + 86400) % 86400;
	at = midnight + (int64_t)c->cutoff_min * 60;
	if (at < local)
		at += 86400;
	return at - carriers_tz;
}

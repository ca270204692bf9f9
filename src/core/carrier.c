/*
 * carrier.c — rate tables, quotes, the carrier choice for an order and the scorecard.
 *
 * The table routing uses is process-wide, set once at start-up (like sla.c's carriers);
 * the compiled-in samples until then. Quoting is pure arithmetic on the table, so a
 * choice over five carriers costs well under a microsecond.
 */
#include "carrier.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "order.h"
#include "route.h"
#include "xalloc.h"

#define DAY 86400

const char *
carrier_zone_name(enum carrier_zone z)
{
	static const char *const names[ZONE__COUNT] = { "same", "region", "cross" };

	return z < ZONE__COUNT ? names[z] : "";
}

static int
zone_parse(const char *s, enum carrier_zone *z)
{
	int i;

	for (i = 0; i < ZONE__COUNT; i++) {
		if (strcmp(s, carrier_zone_name((enum carrier_zone)i)) == 0) {
			*z = (enum carrier_zone)i;
			return 0;
		}
	}
	return -1;
}

/* A non-negative integer, all of s. */
static int
num(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 0 || v > 1000000000000LL)
		return -1;
	*out = v;
	return 0;
}

/* "0.5" (percent) in basis points. */
static int
percent_bp(const char *s, int64_t *bp)
{
	int64_t whole = 0, frac = 0;
	const char *dot = strchr(s, '.');
	char buf[32];

	if (strlen(s) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", s);
	if (dot != NULL) {
		size_t k = (size_t)(dot - s);
		const char *f = buf + k + 1;

		buf[k] = '\0';
		if (strlen(f) == 0 || strlen(f) > 2 || num(f, &frac) != 0)
			return -1;
		if (strlen(f) == 1)
			frac *= 10;
	}
	if (num(buf, &whole) != 0 || whole > 100)
		return -1;
	*bp = whole * 100 + frac;
	return 0;
}

#define FIELDS 8

int
carrier_parse(struct carrier *c, const char *name, const char *text, char *err,
    size_t len)
{
	const char *p = text;
	int lineno = 0, have = 0;

	memset(c, 0, sizeof *c);
	c->cutoff_min = -1;
	while (*p != '\0') {
		const char *end = strchr(p, '\n');
		char line[256], *f[FIELDS] = { NULL }, *save = NULL, *tok;
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		int nf = 0;
		enum carrier_zone z;
		int64_t a, b, d;

		lineno++;
		if (n >= sizeof line) {
			snprintf(err, len, "%s:%d: line too long", name, lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		p = end != NULL ? end + 1 : p + n;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (tok = strtok_r(line, ",", &save); tok != NULL && nf < FIELDS;
		    tok = strtok_r(NULL, ",", &save))
			f[nf++] = tok;
		if (nf == 0)
			continue;
		if (strcmp(f[0], "carrier") == 0 && nf == 3) {
			snprintf(c->code, sizeof c->code, "%s", f[1]);
			snprintf(c->name, sizeof c->name, "%s", f[2]);
			have = 1;
		} else if (strcmp(f[0], "service") == 0 && nf == 2) {
			snprintf(c->service, sizeof c->service, "%s", f[1]);
		} else if (strcmp(f[0], "cod") == 0 && nf == 2 && strcmp(f[1], "no") == 0) {
			c->cod = 0;
		} else if (strcmp(f[0], "cod") == 0 && nf == 4 && strcmp(f[1], "yes") == 0 &&
		    percent_bp(f[2], &a) == 0 && num(f[3], &b) == 0) {
			c->cod = 1;
			c->cod_fee_bp = a;
			c->cod_fee_min = b;
		} else if (strcmp(f[0], "cutoff") == 0 && nf == 2) {
			int hh, mm;
			char extra;

			if (sscanf(f[1], "%2d:%2d%c", &hh, &mm, &extra) != 2 || hh < 0 || hh > 23 ||
			    mm < 0 || mm > 59) {
				snprintf(err, len, "%s:%d: cut-off '%s' is not HH:MM", name, lineno,
				    f[1]);
				return -1;
			}
			c->cutoff_min = hh * 60 + mm;
		} else if (strcmp(f[0], "rate") == 0 && nf == 5 && zone_parse(f[1], &z) == 0 &&
		    num(f[2], &a) == 0 && num(f[3], &b) == 0 && num(f[4], &d) == 0 && d < 365) {
			int k = c->nrate[z];

			if (k == CARRIER_BRACKETS || (k > 0 && a <= c->rate[z][k - 1].max_g)) {
				snprintf(err, len, "%s:%d: brackets of zone %s must rise, at most %d",
				    name, lineno, f[1], CARRIER_BRACKETS);
				return -1;
			}
			c->rate[z][k] = (struct carrier_rate){ a, b, (int)d };
			c->nrate[z]++;
		} else if (strcmp(f[0], "extra") == 0 && nf == 4 && zone_parse(f[1], &z) == 0 &&
		    num(f[2], &a) == 0 && a > 0 && num(f[3], &b) == 0) {
			c->extra_step_g[z] = a;
			c->extra_price[z] = b;
		} else {
			snprintf(err, len, "%s:%d: not a carrier, service, cod, cutoff, rate or "
			    "extra line as the format says", name, lineno);
			return -1;
		}
	}
	if (!have) {
		snprintf(err, len, "%s: no 'carrier,CODE,NAME' line", name);
		return -1;
	}
	for (int i = 0; i < ZONE__COUNT; i++) {
		if (c->nrate[i] == 0) {
			snprintf(err, len, "%s: no rate for zone %s", name,
			    carrier_zone_name((enum carrier_zone)i));
			return -1;
		}
	}
	return 0;
}

static int
table_add(struct carrier_table *t, const char *name, const char *text, char *err,
    size_t len)
{
	struct carrier c;

	if (carrier_parse(&c, name, text, err, len) != 0)
		return -1;
	t->c = xrealloc(t->c, (t->n + 1) * sizeof *t->c);
	t->c[t->n++] = c;
	return 0;
}

int
carrier_table_samples(struct carrier_table *t, char *err, size_t len)
{
	size_t i;

	t->c = NULL;
	t->n = 0;
	for (i = 0; i < carrier_files_count; i++) {
		if (table_add(t, carrier_files[i].name, carrier_files[i].text, err, len) != 0) {
			carrier_table_free(t);
			return -1;
		}
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
carrier_table_load_dir(struct carrier_table *t, const char *dir, char *err, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	t->c = NULL;
	t->n = 0;
	if (d == NULL) {
		snprintf(err, len, "%s: cannot open the carrier rate directory", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".csv") == 0) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		char path[1024], *text = NULL;
		FILE *fp;
		long size;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if ((fp = fopen(path, "r")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
		    (size = ftell(fp)) < 0 || size > 1 << 20 || fseek(fp, 0, SEEK_SET) != 0) {
			snprintf(err, len, "%s: cannot read it", path);
			rc = -1;
		} else {
			text = xmalloc((size_t)size + 1);
			text[fread(text, 1, (size_t)size, fp)] = '\0';
			rc = table_add(t, path, text, err, len);
		}
		if (fp != NULL)
			fclose(fp);
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && t->n == 0) {
		snprintf(err, len, "%s: no *.csv rate table in it", dir);
		rc = -1;
	}
	if (rc != 0)
		carrier_table_free(t);
	return rc;
}

void
carrier_table_free(struct carrier_table *t)
{
	free(t->c);
	t->c = NULL;
	t->n = 0;
}

const struct carrier *
carrier_find(const struct carrier_table *t, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < t->n; i++)
		if (strcasecmp(t->c[i].code, key) == 0 || strcasecmp(t->c[i].name, key) == 0)
			return &t->c[i];
	return NULL;
}

static struct carrier_table current;
static int current_set;
static pthread_once_t samples_once = PTHREAD_ONCE_INIT;

static void
samples_load(void)
{
	char err[256];

	if (!current_set && carrier_table_samples(&current, err, sizeof err) != 0)
		current.n = 0;      /* the build checks the samples parse (test_carrier) */
}

void
carrier_set_table(const struct carrier_table *t)
{
	pthread_once(&samples_once, samples_load);
	free(current.c);
	current.c = t->n ? xmalloc(t->n * sizeof *t->c) : NULL;
	if (t->n)
		memcpy(current.c, t->c, t->n * sizeof *t->c);
	current.n = t->n;
	current_set = 1;
}

const struct carrier_table *
carrier_table(void)
{
	pthread_once(&samples_once, samples_load);
	return &current;
}

static int64_t tz_offset = 7 * 3600;

void
carrier_set_tz(int64_t offset)
{
	tz_offset = offset;
}

int64_t
carrier_tz(void)
{
	return tz_offset;
}

enum carrier_zone
carrier_zone_of(int from, int to)
{
	if (from < 0 || to < 0)
		return ZONE_CROSS;
	if (from == to)
		return ZONE_SAME;
	return strcmp(route_region(from), route_region(to)) == 0 ? ZONE_REGION : ZONE_CROSS;
}

int
carrier_quote(const struct carrier *c, const struct carrier_req *r, struct carrier_quote *q)
{
	enum carrier_zone z = carrier_zone_of(r->from_province, r->to_province);
	const struct carrier_rate *last;
	int64_t local, day, pickup, w = r->weight_g > 0 ? r->weight_g : 0;
	int k;

	if (r->cod > 0 && !c->cod)
		return -1;
	memset(q, 0, sizeof *q);
	q->c = c;
	q->zone = z;
	for (k = 0; k < c->nrate[z]; k++)
		if (w <= c->rate[z][k].max_g)
			break;
	if (k < c->nrate[z]) {
		q->price = c->rate[z][k].price;
		q->days = c->rate[z][k].days;
	} else {
		last = &c->rate[z][c->nrate[z] - 1];
		if (c->extra_step_g[z] <= 0)
			return -1;
		q->price = last->price + (w - last->max_g + c->extra_step_g[z] - 1) /
		    c->extra_step_g[z] * c->extra_price[z];
		q->days = last->days;
	}
	if (r->cod > 0) {
		q->cod_fee = r->cod * c->cod_fee_bp / 10000;
		if (q->cod_fee < c->cod_fee_min)
			q->cod_fee = c->cod_fee_min;
	}
	q->total = q->price + q->cod_fee;
	local = r->now + r->tz_offset;
	day = local - ((local % DAY) + DAY) % DAY;
	pickup = day;
	if (c->cutoff_min >= 0 && local - day >= (int64_t)c->cutoff_min * 60)
		pickup += DAY;
	q->promised_at = pickup + (int64_t)(q->days + 1) * DAY - 1 - r->tz_offset;
	return 0;
}

int
carrier_choose(const struct carrier_table *t, const struct carrier_req *r,
    struct carrier_quote *out)
{
	struct carrier_quote q, best, fastest;
	int have = 0, any = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (carrier_quote(&t->c[i], r, &q) != 0)
			continue;
		if (!any || q.promised_at < fastest.promised_at ||
		    (q.promised_at == fastest.promised_at && q.total < fastest.total))
			fastest = q;
		any = 1;
		if (r->deadline > 0 && q.promised_at > r->deadline)
			continue;
		if (!have || q.total < best.total || (q.total == best.total &&
		    (q.promised_at < best.promised_at || (q.promised_at == best.promised_at &&
		    strcmp(q.c->code, best.c->code) < 0))))
			best = q;
		have = 1;
	}
	if (have) {
		*out = best;
		return 0;
	}
	if (any) {
		*out = fastest;
		return 1;
	}
	return -1;
}

static int
dberr(struct session *s, const char *what)
{
	return session_fail(s, DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

static int
assign(struct session *s, int64_t id, int64_t tz, char *code, size_t len)
{
	struct carrier_facts f;
	struct db_stmt *st;
	char channel[16] = "", to[64] = "", from[64] = "", rc_code[32] = "", rc_svc[32] = "";
	int64_t created = 0, cod = 0, weight = 0;
	int self = 0, rc, found = 0;

	st = db_prep(s->db, "SELECT h.channel, h.self_ship, o.province, coalesce(w.province, "
	    "''), coalesce(o.route_carrier, ''), coalesce(o.route_service, ''), o.created_at, "
	    "o.cod, (SELECT coalesce(sum(l.qty * coalesce(k.weight_g, 0)), 0) FROM order_line "
	    "l JOIN sku k ON k.id = l.sku_id WHERE l.order_id = o.id) FROM orders o JOIN shop "
	    "h ON h.id = o.shop_id LEFT JOIN warehouse w ON w.id = o.warehouse_id "
	    "WHERE o.id = ?");
	if (st == NULL)
		return dberr(s, "carrier");
	db_bind_int(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		found = 1;
		snprintf(channel, sizeof channel, "%s", db_col_text(st, 0));
		self = db_col_int(st, 1) != 0 || strcmp(channel, "manual") == 0;
		snprintf(to, sizeof to, "%s", db_col_text(st, 2));
		snprintf(from, sizeof from, "%s", db_col_text(st, 3));
		snprintf(rc_code, sizeof rc_code, "%s", db_col_text(st, 4));
		snprintf(rc_svc, sizeof rc_svc, "%s", db_col_text(st, 5));
		created = db_col_int(st, 6);
		cod = db_col_int(st, 7);
		weight = db_col_int(st, 8);
	}
	db_done(st);
	if (!found)
		return rc < 0 ? dberr(s, "carrier") : session_fail(s, DB_ENOTFOUND,
		    "carrier: no order with id %" PRId64, id);
	f = (struct carrier_facts){ .channel = channel, .self_ship = self,
	    .from_province = route_province(from), .to_province = route_province(to),
	    .carrier = rc_code, .service = rc_svc, .created_at = created, .cod = cod,
	    .weight_g = weight };
	return carrier_assign_facts(s, id, &f, tz, code, len);
}

int
carrier_row_facts(int64_t id, const struct carrier_facts *f, int64_t tz,
    struct carrier_row *out)
{
	struct route_policy pol;
	struct carrier_req r;
	struct carrier_quote q;
	const struct carrier *c;
	const char *channel = f->channel;

	memset(out, 0, sizeof *out);
	out->order_id = id;
	snprintf(out->carrier, sizeof out->carrier, "%s", f->carrier != NULL ? f->carrier : "");
	snprintf(out->service, sizeof out->service, "%s", f->service != NULL ? f->service : "");
	route_policy(channel, &pol);
	memset(&q, 0, sizeof q);
	r = (struct carrier_req){ .from_province = f->from_province,
	    .to_province = f->to_province, .weight_g = f->weight_g, .cod = f->cod,
	    .now = clock_now(), .tz_offset = tz,
	    .deadline = pol.deliver_days > 0 ? f->created_at + pol.deliver_days * DAY : 0 };
	if (!f->self_ship) {
		out->source = "platform";
		snprintf(out->carrier, sizeof out->carrier, "%s", channel);
		out->service[0] = '\0';
	} else if (out->carrier[0] != '\0') {
		out->source = "rule";
		c = carrier_find(carrier_table(), out->carrier);
		if (c != NULL && carrier_quote(c, &r, &q) != 0)
			memset(&q, 0, sizeof q);
	} else {
		out->source = "auto";
		if (carrier_choose(carrier_table(), &r, &q) < 0)
			return 1;
		snprintf(out->carrier, sizeof out->carrier, "%s", q.c->code);
		snprintf(out->service, sizeof out->service, "%s", q.c->service);
	}
	out->zone = carrier_zone_name(carrier_zone_of(r.from_province, r.to_province));
	out->region = route_region(r.to_province);
	out->weight_g = f->weight_g;
	out->quoted = q.c != NULL;  /* the platform's, or a rule's carrier the table lacks */
	out->quote = q.total;
	out->days = q.days;
	out->promised_at = q.promised_at;
	out->cod_fee = q.cod_fee;
	out->quoted_at = r.now;
	return 0;
}

#define ROWS_PER_INSERT 32

int
carrier_write_rows(struct session *s, const struct carrier_row *rows, size_t n)
{
	size_t i, j, k;
	int rc;

	for (i = 0; i < n; i += k) {
		char sql[768 + ROWS_PER_INSERT * 40];
		struct db_stmt *st;
		size_t at;

		k = n - i < ROWS_PER_INSERT ? n - i : ROWS_PER_INSERT;
		at = (size_t)snprintf(sql, sizeof sql, "INSERT INTO order_carrier(order_id, "
		    "carrier, service, source, zone, region, weight_g, quote, cod_fee, "
		    "promised_days, promised_at, quoted_at) VALUES ");
		for (j = 0; j < k; j++)
			at += (size_t)snprintf(sql + at, sizeof sql - at, "%s(?, ?, ?, ?, ?, ?, ?, ?, "
			    "?, ?, ?, ?)", j ? ", " : "");
		snprintf(sql + at, sizeof sql - at, " ON CONFLICT(order_id) DO UPDATE SET "
		    "carrier = excluded.carrier, service = excluded.service, source = "
		    "excluded.source, zone = excluded.zone, region = excluded.region, weight_g = "
		    "excluded.weight_g, quote = excluded.quote, cod_fee = excluded.cod_fee, "
		    "promised_days = excluded.promised_days, promised_at = excluded.promised_at, "
		    "quoted_at = excluded.quoted_at");
		if ((st = db_prep(s->db, sql)) == NULL)
			return dberr(s, "carrier");
		for (j = 0; j < k; j++) {
			const struct carrier_row *x = &rows[i + j];
			int b = (int)j * 12;

			db_bind_int(st, b + 1, x->order_id);
			db_bind_text(st, b + 2, x->carrier);
			db_bind_text(st, b + 3, x->service);
			db_bind_text(st, b + 4, x->source);
			db_bind_text(st, b + 5, x->zone);
			db_bind_text(st, b + 6, x->region);
			db_bind_int(st, b + 7, x->weight_g);
			if (x->quoted) {
				db_bind_int(st, b + 8, x->quote);
				db_bind_int(st, b + 10, x->days);
				db_bind_int(st, b + 11, x->promised_at);
			} else {
				db_bind_null(st, b + 8);
				db_bind_null(st, b + 10);
				db_bind_null(st, b + 11);
			}
			db_bind_int(st, b + 9, x->cod_fee);
			db_bind_int(st, b + 12, x->quoted_at);
		}
		rc = db_step(st);
		db_done(st);
		if (rc != DB_DONE)
			return dberr(s, "carrier");
	}
	return 0;
}

int
carrier_assign_facts(struct session *s, int64_t id, const struct carrier_facts *f,
    int64_t tz, char *code, size_t len)
{
	struct carrier_row row;
	int rc;

	if (carrier_row_facts(id, f, tz, &row) != 0) {
		if (code != NULL)
			snprintf(code, len, "%s", "");
		return 0;
	}
	if ((rc = carrier_write_rows(s, &row, 1)) != 0)
		return rc;
	if (code != NULL)
		snprintf(code, len, "%s", row.carrier);
	return 0;
}

int
carrier_assign(struct session *s, int64_t id, int64_t tz, char *code, size_t len)
{
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "carrier");
	if ((rc = assign(s, id, tz, code, len)) != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db) != 0 ? dberr(s, "carrier") : 0;
}

int
carrier_set_override(struct session *s, int64_t id, const char *carrier, const char *service)
{
	char after[128];
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "choose an order's carrier")) != 0)
		return rc;
	if (carrier != NULL && carrier_find(carrier_table(), carrier) == NULL)
		return session_fail(s, DB_EINVAL, "no carrier '%s' in the rate tables", carrier);
	if ((rc = db_begin(s->db)) != 0)
		return dberr(s, "carrier");
	rc = db_run(s->db, "UPDATE orders SET route_carrier = ?, route_service = ? WHERE id = ?",
	    "ssi", carrier, service, id);
	if (rc == 0 && db_changes(s->db) != 1)
		rc = session_fail(s, DB_ENOTFOUND, "no order with id %" PRId64, id);
	else if (rc != 0)
		rc = dberr(s, "carrier");
	if (rc == 0) {
		snprintf(after, sizeof after, "{\"carrier\":\"%.16s\",\"service\":\"%.32s\"}",
		    carrier != NULL ? carrier : "", service != NULL ? service : "");
		rc = audit_log(s, "order", id, "set_carrier", NULL, after);
	}
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db) != 0 ? dberr(s, "carrier") : 0;
}

int
carrier_track(struct session *s, int64_t id, int status)
{
	const char *sql;
	int rc;

	switch (status) {
	case ST_SHIPPED:
		sql = "UPDATE order_carrier SET shipped_at = coalesce(shipped_at, ?) "
		    "WHERE order_id = ?";
		break;
	case ST_DELIVERED:
	case ST_COMPLETED:
		sql = "UPDATE order_carrier SET done_at = ?, outcome = 'delivered' "
		    "WHERE order_id = ? AND outcome IS NULL AND shipped_at IS NOT NULL";
		break;
	case ST_RETURNING:
	case ST_RETURNED:
	case ST_CANCELLED:
		sql = "UPDATE order_carrier SET done_at = ?, outcome = 'failed' "
		    "WHERE order_id = ? AND outcome IS NULL AND shipped_at IS NOT NULL";
		break;
	default:
		return 0;
	}
	rc = db_run(s->db, sql, "ii", clock_now(), id);
	return rc != 0 ? dberr(s, "carrier") : 0;
}

int
carrier_set_cost(struct session *s, int64_t id, int64_t cost, const char *source)
{
	int rc;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "record a shipping cost")) != 0)
		return rc;
	if (cost < 0)
		return session_fail(s, DB_EINVAL, "a shipping cost cannot be negative");
	rc = db_run(s->db, "UPDATE order_carrier SET actual_cost = ?, cost_source = ? "
	    "WHERE order_id = ?", "isi", cost, source, id);
	if (rc != 0)
		return dberr(s, "carrier");
	if (db_changes(s->db) != 1)
		return session_fail(s, DB_ENOTFOUND, "order %" PRId64 " has no carrier recorded",
		    id);
	return 0;
}

int
carrier_scorecard(struct session *s, int64_t from, int64_t to, struct carrier_score **rows,
    size_t *n)
{
	/* Actual cost: the imported one, else the settlement's shipping fees (negative
	 * amounts are what the seller paid). */
	static const char sql[] =
	    "WITH c AS (SELECT oc.*, o.cod AS cod, coalesce(oc.actual_cost, (SELECT "
	    "-sum(f.amount) FROM settlement_fee f WHERE f.order_id = oc.order_id AND "
	    "f.fee_type LIKE '%ship%')) AS cost FROM order_carrier oc JOIN orders o ON "
	    "o.id = oc.order_id WHERE oc.shipped_at >= ? AND oc.shipped_at < ?) "
	    "SELECT carrier, region, count(*), "
	    "sum(outcome = 'delivered'), sum(outcome = 'failed'), sum(outcome IS NULL), "
	    "coalesce(avg(promised_days), 0) * 1000, "
	    "avg(CASE WHEN outcome = 'delivered' THEN done_at - shipped_at END) * 1000 / 86400, "
	    "sum(cod > 0 AND outcome IS NOT NULL), sum(cod > 0 AND outcome = 'failed'), "
	    "sum(CASE WHEN cost IS NOT NULL THEN quote END), sum(cost), count(cost) "
	    "FROM c GROUP BY carrier, region ORDER BY carrier, region";
	struct carrier_score *r = NULL;
	struct db_stmt *st;
	size_t k = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "see the carrier scorecard")) != 0)
		return rc;
	if ((st = db_prep(s->db, sql)) == NULL)
		return dberr(s, "scorecard");
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to > 0 ? to : INT64_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		struct carrier_score *x;
		int64_t done;

		r = xrealloc(r, (k + 1) * sizeof *r);
		x = &r[k++];
		memset(x, 0, sizeof *x);
		snprintf(x->carrier, sizeof x->carrier, "%s", db_col_text(st, 0));
		snprintf(x->region, sizeof x->region, "%s", db_col_text(st, 1));
		x->shipped = db_col_int(st, 2);
		x->delivered = db_col_int(st, 3);
		x->failed = db_col_int(st, 4);
		x->open = db_col_int(st, 5);
		x->promised_mdays = db_col_int(st, 6);
		x->actual_mdays = db_col_null(st, 7) ? -1 : db_col_int(st, 7);
		done = x->delivered + x->failed;
		x->success_pm = done > 0 ? x->delivered * 1000 / done : -1;
		x->cod_orders = db_col_int(st, 8);
		x->cod_failed_pm = x->cod_orders > 0 ? db_col_int(st, 9) * 1000 / x->cod_orders :
		    -1;
		x->quoted = db_col_int(st, 10);
		x->actual = db_col_int(st, 11);
		x->costed = db_col_int(st, 12);
	}
	db_done(st);
	if (rc < 0) {
		free(r);
		return dberr(s, "scorecard");
	}
	*rows = r;
	*n = k;
	return 0;
}

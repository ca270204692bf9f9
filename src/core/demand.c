/*
 * demand.c — from orders and stock to a reorder list: the daily demand series per SKU and
 * warehouse, the campaign calendar, and the cover / out-of-stock / reorder arithmetic of
 * demand.h around the forecast of forecast.c.
 */
#include "demand.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "xalloc.h"

static struct demand_params config;
static int config_set;

void
demand_params_default(struct demand_params *p)
{
	memset(p, 0, sizeof *p);
	p->lead_time_days = 7;
	p->service_level_pct = 95;
	p->safety_days = 0;
	p->horizon_days = 60;
	p->history_days = 365;
}

void
demand_set_config(const struct demand_params *p)
{
	config = *p;
	config_set = 1;
}

const struct demand_params *
demand_config(void)
{
	if (!config_set) {
		demand_params_default(&config);
		config_set = 1;
	}
	return &config;
}

/* ---- days -------------------------------------------------------------------------- */

/* The proleptic Gregorian calendar counted in eras of 400 years. */
int64_t
demand_day(int y, int m, int d)
{
	int64_t yy = m <= 2 ? y - 1 : y, era, yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void
demand_day_format(int64_t day, char *buf, size_t len)
{
	int y, m, d;

	civil(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

/* ---- the calendar ------------------------------------------------------------------ */

/* "YYYY-MM-DD", "*-MM-DD" or "*-*-DD" into y (0: any), m (0: any), d. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	char *end;
	long v;

	*y = *m = 0;
	if (s[0] == '*' && s[1] == '-') {
		s += 2;
	} else {
		v = strtol(s, &end, 10);
		if (end != s + 4 || *end != '-' || v < 1900 || v > 9999)
			return -1;
		*y = (int)v;
		s = end + 1;
	}
	if (s[0] == '*' && s[1] == '-') {
		if (*y != 0)
			return -1;
		s += 2;
	} else {
		v = strtol(s, &end, 10);
		if (end != s + 2 || *end != '-' || v < 1 || v > 12)
			return -1;
		*m = (int)v;
		s = end + 1;
	}
	v = strtol(s, &end, 10);
	if (end != s + 2 || *end != '\0' || v < 1 || v > 31)
		return -1;
	*d = (int)v;
	if (*y && *m) {                 /* no 2026-02-30 */
		int yy, mm, dd;

		civil(demand_day(*y, *m, *d), &yy, &mm, &dd);
		if (mm != *m)
			return -1;
	}
	return 0;
}

static int
cal_fail(char *err, size_t len, const char *name, int line, const char *what)
{
	snprintf(err, len, "%s:%d: %s", name, line, what);
	return -1;
}

int
demand_calendar_parse(struct demand_calendar *cal, const char *text, const char *name,
    char *err, size_t errlen)
{
	const char *p = text, *nl;
	char buf[512], *f[5], *q, *end;
	size_t cap = 0, len;
	int line = 0, nf, k, header = 0;
	double lift;

	memset(cal, 0, sizeof *cal);
	for (; *p; p = nl ? nl + 1 : p + len) {
		struct demand_campaign c;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		if (len >= sizeof buf) {
			demand_calendar_free(cal);
			return cal_fail(err, errlen, name, line, "line too long");
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (len && buf[len - 1] == '\r')
			buf[--len] = '\0';
		q = buf;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\0' || *q == '#')
			continue;
		if (!header && strncmp(q, "from,", 5) == 0) {
			header = 1;
			continue;
		}
		nf = 0;
		f[nf++] = q;
		while (nf < 5 && (q = strchr(q, ',')) != NULL) {
			*q++ = '\0';
			f[nf++] = q;
		}
		if (nf != 5) {
			demand_calendar_free(cal);
			return cal_fail(err, errlen, name, line,
			    "expected from,to,kind,lift,name");
		}
		memset(&c, 0, sizeof c);
		if (parse_date(f[0], &c.yr, &c.mo, &c.dy) != 0 ||
		    parse_date(f[1], &c.yr2, &c.mo2, &c.dy2) != 0 ||
		    (c.yr == 0) != (c.yr2 == 0) || (c.mo == 0) != (c.mo2 == 0)) {
			demand_calendar_free(cal);
			return cal_fail(err, errlen, name, line, "bad date (YYYY-MM-DD, *-MM-DD "
			    "or *-*-DD, both ends of the same form)");
		}
		if ((c.yr && demand_day(c.yr2, c.mo2, c.dy2) < demand_day(c.yr, c.mo, c.dy)) ||
		    (!c.yr && c.mo && c.mo2 * 32 + c.dy2 < c.mo * 32 + c.dy) ||
		    (!c.mo && c.dy2 < c.dy)) {
			demand_calendar_free(cal);
			return cal_fail(err, errlen, name, line, "period ends before it starts");
		}
		if (f[2][0] == '\0' || strlen(f[2]) >= sizeof cal->kinds[0]) {
			demand_calendar_free(cal);
			return cal_fail(err, errlen, name, line, "kind: a short word");
		}
		errno = 0;
		lift = strtod(f[3], &end);
		if (end == f[3] || *end != '\0' || errno != 0 || !(lift > 0) || lift > 100) {
			demand_calendar_free(cal);
			return cal_fail(err, errlen, name, line,
			    "lift: a number above 0, up to 100");
		}
		for (k = 0; k < cal->nkinds; k++)
			if (strcmp(cal->kinds[k], f[2]) == 0)
				break;
		if (k == cal->nkinds) {
			if (k == FC_MAX_KINDS) {
				demand_calendar_free(cal);
				return cal_fail(err, errlen, name, line,
				    "too many kinds (at most 8)");
			}
			snprintf(cal->kinds[k], sizeof cal->kinds[k], "%s", f[2]);
			cal->lift[k] = lift;
			cal->nkinds++;
		}
		c.kind = k;
		snprintf(c.name, sizeof c.name, "%s", f[4]);
		if (cal->n == cap) {
			cap = cap ? cap * 2 : 32;
			cal->rows = xrealloc(cal->rows, cap * sizeof *cal->rows);
		}
		cal->rows[cal->n++] = c;
	}
	return 0;
}

int
demand_calendar_load(struct demand_calendar *cal, const char *path, char *err,
    size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *text;
	long len;
	int rc;

	memset(cal, 0, sizeof *cal);
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 || len > (1L << 22) ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		snprintf(err, errlen, "%s: unreadable or larger than 4 MiB", path);
		return -1;
	}
	text = xmalloc((size_t)len + 1);
	if (fread(text, 1, (size_t)len, fp) != (size_t)len) {
		fclose(fp);
		free(text);
		snprintf(err, errlen, "%s: read error", path);
		return -1;
	}
	fclose(fp);
	text[len] = '\0';
	rc = demand_calendar_parse(cal, text, path, err, errlen);
	free(text);
	return rc;
}

int
demand_calendar_builtin(struct demand_calendar *cal, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < demand_files_count; i++)
		if (strcmp(demand_files[i].name, "campaigns.csv") == 0)
			return demand_calendar_parse(cal, demand_files[i].text,
			    "campaigns.csv", err, errlen);
	memset(cal, 0, sizeof *cal);
	return 0;
}

void
demand_calendar_free(struct demand_calendar *cal)
{
	free(cal->rows);
	memset(cal, 0, sizeof *cal);
}

int
demand_calendar_kind(const struct demand_calendar *cal, int64_t day)
{
	int y, m, d;
	size_t i;

	civil(day, &y, &m, &d);
	for (i = 0; i < cal->n; i++) {
		const struct demand_campaign *c = &cal->rows[i];

		if (c->yr) {
			if (day >= demand_day(c->yr, c->mo, c->dy) &&
			    day <= demand_day(c->yr2, c->mo2, c->dy2))
				return c->kind;
		} else if (c->mo) {
			if (m * 32 + d >= c->mo * 32 + c->dy && m * 32 + d <= c->mo2 * 32 + c->dy2)
				return c->kind;
		} else if (d >= c->dy && d <= c->dy2) {
			return c->kind;
		}
	}
	return -1;
}

/* ---- the plan ---------------------------------------------------------------------- */

static int
row_key_cmp(const void *a, const void *b)
{
	const struct demand_row *x = a, *y = b;

	if (x->sku_id != y->sku_id)
		return x->sku_id < y->sku_id ? -1 : 1;
	return (x->wh_id > y->wh_id) - (x->wh_id < y->wh_id);
}

static int
row_name_cmp(const void *a, const void *b)
{
	const struct demand_row *x = a, *y = b;
	int c = strcmp(x->sku, y->sku);

	return c ? c : strcmp(x->wh, y->wh);
}

void
demand_rows_by_id(struct demand_row *rows, size_t n)
{
	if (n > 0)
		qsort(rows, n, sizeof *rows, row_key_cmp);
}

const struct demand_row *
demand_row_find(const struct demand_row *rows, size_t n, int64_t sku_id, int64_t wh_id)
{
	struct demand_row key;

	if (n == 0)
		return NULL;
	key.sku_id = sku_id;
	key.wh_id = wh_id;
	return bsearch(&key, rows, n, sizeof *rows, row_key_cmp);
}

/* An open purchase line; day INT64_MIN when it has no due date. */
struct due {
	int64_t sku_id, wh_id, day, qty;
};

static int
due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->sku_id != y->sku_id)
		return x->sku_id < y->sku_id ? -1 : 1;
	return (x->wh_id > y->wh_id) - (x->wh_id < y->wh_id);
}

/* The arithmetic of demand.h for one row, given its forecast f[0..h) and its open
 * purchase lines du[0..ndu). */
static void
plan_row(struct demand_row *r, const double *f, size_t h, double rmse,
    const struct demand_params *p, int64_t today, const struct due *du, size_t ndu)
{
	size_t L = (size_t)p->lead_time_days, i;
	double cum = 0, z;

	r->free = r->on_hand - r->reserved > 0 ? r->on_hand - r->reserved : 0;
	r->cover = -1;
	r->oos_day = 0;
	for (i = 0; i < h; i++) {
		if (cum + f[i] > (double)r->free) {
			r->cover = (double)i + ((double)r->free - cum) / f[i];
			r->oos_day = today + (int64_t)i;
			break;
		}
		cum += f[i];
	}
	r->lead = 0;
	for (i = 0; i < L && i < h; i++)
		r->lead += f[i];
	r->daily = L ? r->lead / (double)L : 0;
	r->safety = (double)p->safety_days * r->daily;
	if (p->service_level_pct > 0 && isfinite(rmse)) {
		z = fc_norm_quantile((double)p->service_level_pct / 100.0);
		r->safety += z * rmse * sqrt((double)L);
	}
	/* What is on order counts when it comes in before the stock runs out. */
	r->on_order_due = 0;
	for (i = 0; i < ndu; i++)
		if (r->oos_day == 0 || du[i].day < r->oos_day)
			r->on_order_due += du[i].qty;
	r->reorder = (int64_t)ceil(r->lead + r->safety - (double)r->free -
	    (double)r->on_order_due - 1e-9);
	if (r->reorder < 0)
		r->reorder = 0;
	r->at_risk = r->cover >= 0 && r->cover < (double)L;
}

/* The warehouse of an order not yet allocated whose shop names none: the only one, if
 * there is only one. */
#define ONLY_WH "(SELECT CASE WHEN count(*) = 1 THEN min(id) END FROM warehouse)"

/* The pairs with stock, with their totals and units on order. */
static const char pairs_sql[] =
    "SELECT st.sku_id, st.warehouse_id, s.sku, s.name, w.code, st.oh, st.rs,"
    " coalesce(po.q, 0) FROM"
    " (SELECT warehouse_id, sku_id, sum(on_hand) AS oh, sum(reserved) AS rs"
    "  FROM stock_level GROUP BY warehouse_id, sku_id) st"
    " JOIN sku s ON s.id = st.sku_id JOIN warehouse w ON w.id = st.warehouse_id"
    " LEFT JOIN (SELECT warehouse_id, sku_id, sum(qty) AS q FROM purchase_due"
    "  WHERE received_at IS NULL AND cancelled_at IS NULL"
    "  GROUP BY warehouse_id, sku_id) po"
    "  ON po.warehouse_id = st.warehouse_id AND po.sku_id = st.sku_id"
    " WHERE (? IS NULL OR s.sku = ?) AND (? IS NULL OR w.code = ?)";

/* A pair met in the orders without stock: its names, if the filter takes it. */
static const char pair_sql[] =
    "SELECT s.sku, s.name, w.code, coalesce((SELECT sum(qty) FROM purchase_due"
    " WHERE warehouse_id = w.id AND sku_id = s.id AND received_at IS NULL"
    " AND cancelled_at IS NULL), 0)"
    " FROM sku s, warehouse w WHERE s.id = ? AND w.id = ?"
    " AND (? IS NULL OR s.sku = ?) AND (? IS NULL OR w.code = ?)";

/* The open purchase lines, with the local day they are due (NULL: no date). */
static const char due_sql[] =
    "SELECT sku_id, warehouse_id, (due_at + ?) / 86400, qty FROM purchase_due"
    " WHERE received_at IS NULL AND cancelled_at IS NULL";

/* Every line of the window, unsorted and ungrouped: summing in C is several times
 * cheaper than SQLite's GROUP BY over millions of lines. */
static const char series_sql[] =
    "SELECT ol.sku_id, coalesce(o.warehouse_id, sh.warehouse_id, " ONLY_WH "),"
    " (o.created_at + ?) / 86400, ol.qty"
    " FROM order_line ol JOIN orders o ON o.id = ol.order_id"
    " JOIN shop sh ON sh.id = o.shop_id"
    " WHERE o.created_at >= ? AND o.created_at < ? AND o.status <> 'CANCELLED'";

/* A line whose pair had no stock row yet. */
struct extra {
	int64_t sku_id, wh_id, day, qty;
};

static int
extra_cmp(const void *a, const void *b)
{
	const struct extra *x = a, *y = b;

	if (x->sku_id != y->sku_id)
		return x->sku_id < y->sku_id ? -1 : 1;
	return (x->wh_id > y->wh_id) - (x->wh_id < y->wh_id);
}

/* What the forecasting threads share; each takes rows i = k, k + nthreads, ... */
struct plan_job {
	struct demand_row *r;
	size_t nr, nd, h;
	const double *y;
	const signed char *kind;
	const struct demand_calendar *cal;
	const struct demand_params *p;
	int64_t today;
	const struct due *du;       /* by SKU and warehouse id */
	size_t ndu;
	size_t first, step;
};

static void *
plan_rows(void *arg)
{
	const struct plan_job *j = arg;
	double *fc = xmalloc(sizeof *fc * j->h);
	struct fc_result res;
	const struct due *du;
	struct due key;
	size_t i, t, ndu;

	for (i = j->first; i < j->nr; i += j->step) {
		struct fc_input in = { j->y + i * j->nd, j->nd, j->kind, j->cal->lift,
		    j->cal->nkinds, j->h, 28 };
		struct demand_row *r = &j->r[i];

		for (t = 0; t < j->nd; t++)
			r->history += in.y[t];
		if (r->history > 0) {
			fc_run(&in, fc, &res);
		} else {
			memset(&res, 0, sizeof res);
			res.model = FC_MA;
			res.mape = NAN;
			res.rmse = NAN;
			memset(fc, 0, sizeof *fc * j->h);
		}
		r->model = res.model;
		r->mape = res.mape;
		key.sku_id = r->sku_id;
		key.wh_id = r->wh_id;
		du = j->ndu ? bsearch(&key, j->du, j->ndu, sizeof key, due_cmp) : NULL;
		for (; du && du > j->du && due_cmp(du - 1, &key) == 0; du--)
			;
		for (ndu = 0; du && du + ndu < j->du + j->ndu && due_cmp(du + ndu, &key) == 0;
		    ndu++)
			;
		plan_row(r, fc, j->h, res.rmse, j->p, j->today, du, ndu);
	}
	free(fc);
	return NULL;
}

#define PLAN_THREADS 8

/* Forecast every row, on as many threads as there are processors (up to 8). */
static void
plan_all(struct plan_job *job)
{
	struct plan_job jobs[PLAN_THREADS];
	pthread_t th[PLAN_THREADS];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k, nth = ncpu < 1 ? 1 : ncpu > PLAN_THREADS ? PLAN_THREADS : (size_t)ncpu;
	int started[PLAN_THREADS] = { 0 };

	if (job->nr < 64)
		nth = 1;
	for (k = 0; k < nth; k++) {
		jobs[k] = *job;
		jobs[k].first = k;
		jobs[k].step = nth;
		if (k > 0)
			started[k] = pthread_create(&th[k], NULL, plan_rows, &jobs[k]) == 0;
	}
	plan_rows(&jobs[0]);
	for (k = 1; k < nth; k++) {
		if (started[k])
			pthread_join(th[k], NULL);
		else
			plan_rows(&jobs[k]);   /* no thread to be had: do its share here */
	}
}

int
demand_plan(struct session *s, const struct demand_filter *f,
    const struct demand_calendar *cal, const struct demand_params *p, int64_t now,
    int64_t tz_offset, struct demand_row **rows, size_t *n)
{
	struct demand_calendar builtin = { 0 };
	struct demand_row *r = NULL, key, *hit;
	struct extra *ex = NULL;
	struct due *du = NULL;
	size_t ndu = 0, ducap = 0;
	struct { size_t from, to; } *span = NULL;  /* each new row's lines in ex */
	struct db_stmt *st;
	size_t cap = 0, nr = 0, nd, h, i, j, nex = 0, excap = 0, nold;
	int64_t today, first, day;
	const char *sku = f && f->sku && *f->sku ? f->sku : NULL;
	const char *wh = f && f->warehouse && *f->warehouse ? f->warehouse : NULL;
	signed char *kind = NULL;
	double *y = NULL;
	struct plan_job job;
	char err[256];
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = session_require(s, ROLE_SUPERVISOR, "the demand forecast")) != 0)
		return rc;
	if (p->lead_time_days < 1 || p->lead_time_days > 365 || p->horizon_days < 1 ||
	    p->horizon_days > 730 || p->history_days < 7 || p->history_days > 3660 ||
	    p->service_level_pct < 0 || p->service_level_pct > 99 || p->safety_days < 0)
		return session_fail(s, DB_EINVAL, "forecast: lead time 1-365 days, horizon "
		    "1-730, history 7-3660, service level 0-99 %%, safety days >= 0");
	if (!cal) {
		if (demand_calendar_builtin(&builtin, err, sizeof err) != 0)
			return session_fail(s, DB_EINVAL, "%s", err);
		cal = &builtin;
	}
	today = (now + tz_offset) / 86400;
	nd = (size_t)p->history_days;
	h = (size_t)p->horizon_days;
	first = today - (int64_t)nd;

	st = db_prep(s->db, pairs_sql);
	if (!st) {
		rc = session_fail(s, DB_ERR, "forecast: %s", db_errmsg(s->db));
		goto out;
	}
	db_bind_text(st, 1, sku);
	db_bind_text(st, 2, sku);
	db_bind_text(st, 3, wh);
	db_bind_text(st, 4, wh);
	while ((rc = db_step(st)) == DB_ROW) {
		if (nr == cap) {
			cap = cap ? cap * 2 : 64;
			r = xrealloc(r, cap * sizeof *r);
		}
		memset(&r[nr], 0, sizeof r[nr]);
		r[nr].sku_id = db_col_int(st, 0);
		r[nr].wh_id = db_col_int(st, 1);
		snprintf(r[nr].sku, sizeof r[nr].sku, "%s", db_col_text(st, 2));
		snprintf(r[nr].name, sizeof r[nr].name, "%s", db_col_text(st, 3));
		snprintf(r[nr].wh, sizeof r[nr].wh, "%s", db_col_text(st, 4));
		r[nr].on_hand = db_col_int(st, 5);
		r[nr].reserved = db_col_int(st, 6);
		r[nr].on_order = db_col_int(st, 7);
		nr++;
	}
	db_done(st);
	if (rc != DB_DONE) {
		rc = session_fail(s, rc, "forecast: %s", db_errmsg(s->db));
		goto out;
	}
	demand_rows_by_id(r, nr);

	y = xcalloc(nr * nd + 1, sizeof *y);
	st = db_prep(s->db, series_sql);
	if (!st) {
		rc = session_fail(s, DB_ERR, "forecast: %s", db_errmsg(s->db));
		goto out;
	}
	db_bind_int(st, 1, tz_offset);
	db_bind_int(st, 2, first * 86400 - tz_offset);
	db_bind_int(st, 3, today * 86400 - tz_offset);
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_col_null(st, 1))
			continue;           /* no warehouse to put it in */
		key.sku_id = db_col_int(st, 0);
		key.wh_id = db_col_int(st, 1);
		day = db_col_int(st, 2);
		if (day < first || day >= today)
			continue;
		hit = nr ? bsearch(&key, r, nr, sizeof *r, row_key_cmp) : NULL;
		if (hit) {
			y[(size_t)(hit - r) * nd + (size_t)(day - first)] +=
			    (double)db_col_int(st, 3);
			continue;
		}
		if (nex == excap) {
			excap = excap ? excap * 2 : 256;
			ex = xrealloc(ex, excap * sizeof *ex);
		}
		ex[nex].sku_id = key.sku_id;
		ex[nex].wh_id = key.wh_id;
		ex[nex].day = day;
		ex[nex].qty = db_col_int(st, 3);
		nex++;
	}
	db_done(st);
	if (rc != DB_DONE) {
		rc = session_fail(s, rc, "forecast: %s", db_errmsg(s->db));
		goto out;
	}

	/* Pairs with demand and no stock row: new rows at the end, if the filter takes them. */
	if (nex > 0)
		qsort(ex, nex, sizeof *ex, extra_cmp);
	nold = nr;
	for (i = 0; i < nex; i = j) {
		for (j = i + 1; j < nex && extra_cmp(&ex[i], &ex[j]) == 0; j++)
			;
		st = db_prep(s->db, pair_sql);
		if (!st) {
			rc = session_fail(s, DB_ERR, "forecast: %s", db_errmsg(s->db));
			goto out;
		}
		db_bind_int(st, 1, ex[i].sku_id);
		db_bind_int(st, 2, ex[i].wh_id);
		db_bind_text(st, 3, sku);
		db_bind_text(st, 4, sku);
		db_bind_text(st, 5, wh);
		db_bind_text(st, 6, wh);
		rc = db_step(st);
		if (rc == DB_ROW) {
			if (nr == cap) {
				cap = cap ? cap * 2 : 64;
				r = xrealloc(r, cap * sizeof *r);
			}
			memset(&r[nr], 0, sizeof r[nr]);
			r[nr].sku_id = ex[i].sku_id;
			r[nr].wh_id = ex[i].wh_id;
			snprintf(r[nr].sku, sizeof r[nr].sku, "%s", db_col_text(st, 0));
			snprintf(r[nr].name, sizeof r[nr].name, "%s", db_col_text(st, 1));
			snprintf(r[nr].wh, sizeof r[nr].wh, "%s", db_col_text(st, 2));
			r[nr].on_order = db_col_int(st, 3);
			span = xrealloc(span, (nr - nold + 1) * sizeof *span);
			span[nr - nold].from = i;
			span[nr - nold].to = j;
			nr++;
		}
		db_done(st);
		if (rc < 0) {
			rc = session_fail(s, rc, "forecast: %s", db_errmsg(s->db));
			goto out;
		}
	}
	if (nr > nold) {
		y = xrealloc(y, (nr * nd + 1) * sizeof *y);
		memset(y + nold * nd, 0, (nr - nold) * nd * sizeof *y);
		for (i = nold; i < nr; i++)
			for (j = span[i - nold].from; j < span[i - nold].to; j++)
				y[i * nd + (size_t)(ex[j].day - first)] += (double)ex[j].qty;
	}

	kind = xmalloc(nd + h);
	for (i = 0; i < nd + h; i++)
		kind[i] = (signed char)demand_calendar_kind(cal, first + (int64_t)i);
	st = db_prep(s->db, due_sql);
	if (!st) {
		rc = session_fail(s, DB_ERR, "forecast: %s", db_errmsg(s->db));
		goto out;
	}
	db_bind_int(st, 1, tz_offset);
	while ((rc = db_step(st)) == DB_ROW) {
		if (ndu == ducap) {
			ducap = ducap ? ducap * 2 : 64;
			du = xrealloc(du, ducap * sizeof *du);
		}
		du[ndu].sku_id = db_col_int(st, 0);
		du[ndu].wh_id = db_col_int(st, 1);
		du[ndu].day = db_col_null(st, 2) ? INT64_MIN : db_col_int(st, 2);
		du[ndu].qty = db_col_int(st, 3);
		ndu++;
	}
	db_done(st);
	if (rc != DB_DONE) {
		rc = session_fail(s, rc, "forecast: %s", db_errmsg(s->db));
		goto out;
	}
	if (ndu > 0)
		qsort(du, ndu, sizeof *du, due_cmp);
	job = (struct plan_job){ r, nr, nd, h, y, kind, cal, p, today, du, ndu, 0, 1 };
	plan_all(&job);
	if (nr > 0)
		qsort(r, nr, sizeof *r, row_name_cmp);
	*rows = r;
	*n = nr;
	r = NULL;
	rc = 0;
out:
	free(du);
	free(span);
	free(ex);
	free(kind);
	free(y);
	free(r);
	demand_calendar_free(&builtin);
	return rc;
}

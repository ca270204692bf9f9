/*
 * bench_forecast.c — the demand forecast for N SKUs (default 10,000) over D days of
 * history (default 365): for each series the three models are backtested on the last 28
 * days, the winner refitted and run 60 days ahead, with the campaign calendar compiled
 * in (data/campaigns.csv) lifting its days. Series are synthetic and reproducible: a
 * level, a weekly pattern, a slow trend, noise, stretches of zero demand for one SKU in
 * five, and campaign days sold at twice the level.
 *
 *   bench_forecast [SKUS] [DAYS] [DB_SKUS] [THREADS]
 *
 * prints the wall and CPU time of the forecasts (target < 5 s for 10,000 x 365) and how
 * often each model won. The series are made first, then forecast on THREADS threads
 * (default 2, as demand_plan() uses one per processor), each taking every THREADS-th
 * series; the figures do not depend on the count. With DB_SKUS (default 0: skipped), the whole report end to end:
 * a database of DB_SKUS SKUs with an order on four days in five over the DAYS days
 * (built once with plain SQL in $TMPDIR/bench_forecast_N_D.db), and demand_plan() over
 * it: the series read from SQLite, the forecasts, cover and reorder quantities.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "core/db.h"
#include "core/demand.h"
#include "core/forecast.h"
#include "core/session.h"

#define HORIZON 60
#define FIRST_DAY 20089             /* 2025-01-01, days since 1970-01-01 */
#define T0 1764547200               /* 2025-12-01 00:00 UTC, "now" of the database run */

/* The database, in plain SQL: one warehouse and shop, SKUs with stock, and an order of
 * 1-9 units of each SKU on four days in five. */
static char *
build_sql(long nsku, long days)
{
	char *sql = NULL;

	if (asprintf(&sql,
	    "BEGIN;"
	    "INSERT INTO warehouse(id, code, name, province) VALUES (1, 'HCM', 'HCM', 'HCM');"
	    "INSERT INTO shop(id, channel, shop_code, name, warehouse_id)"
	    " VALUES (1, 'shopee', 's1', 's1', 1);"
	    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %ld)"
	    " INSERT INTO sku(id, sku, name) SELECT i, printf('SKU-%%06d', i),"
	    " printf('Item %%d', i) FROM k;"
	    "INSERT INTO lot(id, sku_id, lot_code, received_at) SELECT id, id, '', 0 FROM sku;"
	    "INSERT INTO stock_level(warehouse_id, sku_id, lot_id, on_hand, reserved)"
	    " SELECT 1, id, id, 20 + id %% 300, 0 FROM sku;"
	    "WITH RECURSIVE dd(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM dd WHERE d < %ld)"
	    " INSERT INTO orders(id, shop_id, order_no, status, created_at, updated_at,"
	    " currency, total) SELECT s.id * 10000 + dd.d, 1, printf('O%%d-%%d', s.id, dd.d),"
	    " 'NEW', %d - dd.d * 86400 + 7200, %d, 'VND', 0 FROM sku s, dd"
	    " WHERE (s.id * 31 + dd.d * 17) %% 5 <> 0;"
	    "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price)"
	    " SELECT id, 1, id / 10000, 1 + (id * 7919) %% 9, 1000 FROM orders;"
	    "COMMIT;", nsku, days, T0, T0) < 0)
		abort();
	return sql;
}

static uint64_t rng = 88172645463325252ULL;

static double
unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

/* The forecasting threads' shared work: series i = first, first + step, ... */
struct job {
	const double *y;            /* nsku x days */
	const signed char *kind;
	const struct demand_calendar *cal;
	long nsku, days, first, step;
	double *first_day;          /* per series: the first day's forecast */
	int *model;                 /* per series: the model chosen */
};

static void *
run_job(void *arg)
{
	const struct job *j = arg;
	double f[HORIZON];
	struct fc_result res;
	long s;

	for (s = j->first; s < j->nsku; s += j->step) {
		struct fc_input in = { j->y + (size_t)s * (size_t)j->days, (size_t)j->days,
		    j->kind, j->cal->lift, j->cal->nkinds, HORIZON, 28 };

		fc_run(&in, f, &res);
		j->first_day[s] = f[0];
		j->model[s] = (int)res.model;
	}
	return NULL;
}

/* The database run: 0, or 1 with a message. */
static int
db_run_plan(long nsku, long days)
{
	const char *tmp = getenv("TMPDIR");
	struct demand_params p;
	struct demand_row *rows;
	struct session s;
	struct db *db;
	char path[512], err[256], *sql;
	int64_t have = 0;
	double t0, c0;
	size_t n, i, risk = 0;

	snprintf(path, sizeof path, "%s/bench_forecast_%ld_%ld.db", tmp && *tmp ? tmp : "/tmp",
	    nsku, days);
	if (db_open(&db, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_forecast: %s\n", err);
		return 1;
	}
	db_int(db, &have, "SELECT count(*) FROM sku", "");
	if (have != nsku) {
		fprintf(stderr, "bench_forecast: building %ld SKUs x %ld days of orders...\n",
		    nsku, days);
		sql = build_sql(nsku, days);
		if (db_exec(db, sql) != 0) {
			fprintf(stderr, "bench_forecast: %s\n", db_errmsg(db));
			free(sql);
			db_close(db);
			return 1;
		}
		free(sql);
	}
	session_system(&s, db, "BENCH");
	demand_params_default(&p);
	p.history_days = days;
	t0 = bench_s(CLOCK_MONOTONIC);
	c0 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	if (demand_plan(&s, NULL, NULL, &p, T0, 7 * 3600, &rows, &n) != 0) {
		fprintf(stderr, "bench_forecast: %s\n", s.err);
		db_close(db);
		return 1;
	}
	for (i = 0; i < n; i++)
		risk += rows[i].at_risk != 0;
	printf("report forecast (database): %zu SKU x warehouse rows, %ld days: %.2f s "
	    "(%.2f s of CPU; %zu at risk)\n", n, days, bench_s(CLOCK_MONOTONIC) - t0,
	    bench_s(CLOCK_PROCESS_CPUTIME_ID) - c0, risk);
	free(rows);
	db_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	long nsku = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	long days = argc > 2 ? strtol(argv[2], NULL, 10) : 365;
	long dbsku = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	long nth = argc > 4 ? strtol(argv[4], NULL, 10) : 2;
	struct demand_calendar cal;
	struct job jobs[16];
	pthread_t th[16];
	signed char *kind;
	double *y, *first_day, t0, c0, el, cpu, total = 0;
	long won[FC__MODELS] = { 0 }, s, t;
	int *model;
	char err[256];

	if (nsku < 1 || nsku > 10000000 || days < 7 || days > 3660 || dbsku < 0 ||
	    dbsku > 999999 || nth < 1 || nth > 16) {
		fprintf(stderr, "usage: bench_forecast [SKUS] [DAYS (7-3660)] [DB_SKUS] "
		    "[THREADS (1-16)]\n");
		return 2;
	}
	if (demand_calendar_builtin(&cal, err, sizeof err) != 0) {
		fprintf(stderr, "bench_forecast: %s\n", err);
		return 1;
	}
	kind = malloc((size_t)(days + HORIZON));
	y = malloc(sizeof(double) * (size_t)days * (size_t)nsku);
	first_day = malloc(sizeof(double) * (size_t)nsku);
	model = malloc(sizeof(int) * (size_t)nsku);
	if (!kind || !y || !first_day || !model)
		return 1;
	for (t = 0; t < days + HORIZON; t++)
		kind[t] = (signed char)demand_calendar_kind(&cal, FIRST_DAY + t);

	for (s = 0; s < nsku; s++) {
		double level = 1 + 40 * unif(), week = unif(), trend = (unif() - 0.5) * 0.02;
		double *ys = y + (size_t)s * (size_t)days;
		int sparse = s % 5 == 0;

		for (t = 0; t < days; t++) {
			double v = level * (1 + trend * (double)t) *
			    (1 + 0.3 * week * sin(2 * M_PI * (double)(t % 7) / 7));

			if (kind[t] >= 0)
				v *= 2;
			v += sqrt(level) * (unif() + unif() + unif() - 1.5);
			if (sparse && unif() < 0.6)
				v = 0;
			ys[t] = v > 0 ? floor(v + 0.5) : 0;
		}
	}
	t0 = bench_s(CLOCK_MONOTONIC);
	c0 = bench_s(CLOCK_PROCESS_CPUTIME_ID);
	for (t = 0; t < nth; t++) {
		jobs[t] = (struct job){ y, kind, &cal, nsku, days, t, nth, first_day, model };
		if (t > 0 && pthread_create(&th[t], NULL, run_job, &jobs[t]) != 0) {
			fprintf(stderr, "bench_forecast: cannot start a thread\n");
			return 1;
		}
	}
	run_job(&jobs[0]);
	for (t = 1; t < nth; t++)
		pthread_join(th[t], NULL);
	el = bench_s(CLOCK_MONOTONIC) - t0;
	cpu = bench_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	for (s = 0; s < nsku; s++) {
		won[model[s]]++;
		total += first_day[s];
	}
	printf("forecast: %ld SKUs x %ld days of history, %d days ahead, %ld thread%s: "
	    "%.2f s (%.2f s of CPU, %.1f us per SKU; target < 5 s for 10,000 x 365)\n", nsku,
	    days, HORIZON, nth, nth == 1 ? "" : "s", el, cpu, 1e6 * cpu / (double)nsku);
	printf("chosen: ma %ld, hw %ld, arima %ld (sum of first-day forecasts %.0f)\n",
	    won[FC_MA], won[FC_HW], won[FC_ARIMA], total);
	demand_calendar_free(&cal);
	free(kind);
	free(y);
	free(first_day);
	free(model);
	return dbsku > 0 ? db_run_plan(dbsku, days) : 0;
}

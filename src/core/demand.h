/*
 * demand.h — demand planning from the database: the daily demand series per SKU and
 * warehouse (units on order lines by the local day the order was made, orders not
 * cancelled, in the order's warehouse, else its shop's, else the only warehouse there
 * is), the campaign calendar
 * (data/campaigns.csv, compiled in; a site may name its own file), and per SKU and
 * warehouse the forecast (forecast.h), days of cover, projected out-of-stock date and
 * reorder quantity:
 *
 *   free      = on hand - reserved (units not yet promised to an order)
 *   cover     = days until the cumulative forecast from today exceeds free
 *               (fractional; none within the horizon: -1)
 *   lead      = the forecast summed over the lead time
 *   safety    = z(service level) * backtest RMSE * sqrt(lead time)
 *               + safety_days * the lead time's mean daily forecast
 *   on order  = units of the open purchase lines (purchase.h)
 *   due       = those of them due before the projected out-of-stock day, or with no
 *               due date (all of them when no day is short within the horizon)
 *   reorder   = ceil(lead + safety - free - due), never below 0
 *   at risk   = cover shorter than the lead time: out before a reorder could arrive
 */
#ifndef PB_DEMAND_H
#define PB_DEMAND_H

#include <stddef.h>
#include <stdint.h>

#include "forecast.h"
#include "session.h"

/* [forecast] in the configuration. */
struct demand_params {
	int64_t lead_time_days;     /* default 7 */
	int64_t service_level_pct;  /* default 95; 0: no statistical safety stock */
	int64_t safety_days;        /* default 0 */
	int64_t horizon_days;       /* days forecast, default 60 */
	int64_t history_days;       /* days of history used, default 365 */
	char campaigns[256];        /* a calendar file; "" the built-in one */
};

void demand_params_default(struct demand_params *p);
/* The process-wide parameters (the app sets them from the configuration at start;
 * defaults until then), for screens that have no configuration of their own. */
void demand_set_config(const struct demand_params *p);
const struct demand_params *demand_config(void);

/* A compiled-in text file (data/campaigns.csv). */
struct demand_file {
	const char *name;
	const char *text;
};
extern const struct demand_file demand_files[];
extern const size_t demand_files_count;

/*
 * The campaign calendar. CSV, one row a period, '#' comments:
 *   from,to,kind,lift,name
 * from and to are YYYY-MM-DD, *-MM-DD (every year) or *-*-DD (every month), both of the
 * same form, to on or after from. kind is a short word (at most FC_MAX_KINDS kinds);
 * lift the default multiplier of the kind's days, used for a SKU whose history holds
 * none of them (the first row of a kind sets it). The first row that covers a day wins.
 */
struct demand_campaign {
	int yr, mo, dy, yr2, mo2, dy2;   /* yr 0: every year; mo 0: every month */
	int kind;
	char name[64];
};

struct demand_calendar {
	struct demand_campaign *rows;    /* owned */
	size_t n;
	char kinds[FC_MAX_KINDS][24];
	double lift[FC_MAX_KINDS];
	int nkinds;
};

/* Parse text (name for messages); 0, or -1 with "NAME:LINE: what" in err. */
int demand_calendar_parse(struct demand_calendar *cal, const char *text, const char *name,
    char *err, size_t errlen);
int demand_calendar_load(struct demand_calendar *cal, const char *path, char *err,
    size_t errlen);
int demand_calendar_builtin(struct demand_calendar *cal, char *err, size_t errlen);
void demand_calendar_free(struct demand_calendar *cal);
/* The kind of a day (days since 1970-01-01), -1 when no campaign. */
int demand_calendar_kind(const struct demand_calendar *cal, int64_t day);

/* Days since 1970-01-01 of a civil date, and back ("YYYY-MM-DD", 11 bytes). */
int64_t demand_day(int y, int m, int d);
void demand_day_format(int64_t day, char *buf, size_t len);

struct demand_row {
	int64_t sku_id, wh_id;
	char sku[64], name[96], wh[32];
	int64_t on_hand, reserved, free, on_order;
	int64_t on_order_due;       /* of on_order, the units due before oos_day (or with
	                             * no due date): what the reorder quantity subtracts */
	double history;             /* units over the history */
	enum fc_model model;
	double mape;                /* NaN: no backtest or no non-zero day in it */
	double daily;               /* mean forecast per day over the lead time */
	double lead, safety;
	double cover;               /* days; -1: beyond the horizon */
	int64_t oos_day;            /* projected first day short; 0: none in the horizon */
	int64_t reorder;
	int at_risk;
};

/* NULL/"" match any. */
struct demand_filter {
	const char *sku;            /* code */
	const char *warehouse;      /* code */
};

/* Sort rows by SKU id then warehouse id, and find one in rows so sorted (NULL: none). */
void demand_rows_by_id(struct demand_row *rows, size_t n);
const struct demand_row *demand_row_find(const struct demand_row *rows, size_t n,
    int64_t sku_id, int64_t wh_id);

/*
 * Every SKU and warehouse with stock or demand in the history (the days before today,
 * today being the local day of now at tz_offset), by SKU code then warehouse. cal NULL:
 * the built-in calendar. *rows owned by the caller (free()). Supervisor and above.
 */
int demand_plan(struct session *s, const struct demand_filter *f,
    const struct demand_calendar *cal, const struct demand_params *p, int64_t now,
    int64_t tz_offset, struct demand_row **rows, size_t *n);

#endif

/*
 * forecast.h — daily demand forecasting, numbers only (no database, no I/O): a moving
 * average, Holt-Winters additive with a weekly season, a small ARIMA chosen by AIC and
 * fitted by conditional sum of squares, campaign lifts, and the per-series model choice
 * by backtest.
 *
 * Campaign days (11.11, payday, Tet...) are given per day as a kind index. The lift of
 * each kind is estimated from the series (campaign days against the plain days before
 * them), the models are fitted to the series with those days divided by their lift, and
 * the forecast of a future campaign day is multiplied by it again.
 *
 * Backtest: the last `holdout` days are held out, every model is fitted to the days
 * before and forecasts them from that one origin; the model with the lowest absolute
 * error (WAPE: sum |error| / sum actual, which ranks as MAE does) is refitted to the
 * whole series and makes the forecast. MAPE is shown alongside, averaged over the days
 * with non-zero demand only (a zero-demand day has no percentage error); with no such
 * day it is NaN.
 */
#ifndef PB_FORECAST_H
#define PB_FORECAST_H

#include <stddef.h>

#define FC_PERIOD 7                 /* the weekly season */
#define FC_MA_WINDOW 28             /* the moving average: four whole weeks */
#define FC_MAX_KINDS 8              /* campaign kinds */

enum fc_model {
	FC_MA,
	FC_HW,
	FC_ARIMA,
	FC__MODELS
};

/* "ma", "hw", "arima". */
const char *fc_model_name(enum fc_model m);

/* Mean of the last k values (all of them when n < k); 0 for an empty series. */
double fc_ma(const double *y, size_t n, size_t k);

/* Holt-Winters additive, period FC_PERIOD: the smoothing constants and the state after
 * the last observation; season[i] belongs to the days t with t % FC_PERIOD == i. */
struct fc_hw {
	double alpha, beta, gamma;
	double level, trend, season[FC_PERIOD];
	double sse;                 /* in-sample one-step squared error */
	size_t n;                   /* observations fitted */
};

/*
 * Fit to y[0..n): the state starts from the first two weeks (level the first week's
 * mean, trend the weekly change of the means / 7, season the first week's deviations);
 * alpha, beta, gamma in [0, 1] minimise the one-step squared error over the days after
 * the first week, by a grid (3 x 2 x 3) refined by Nelder-Mead (40 evaluations).
 * -1 when n < 2 periods.
 */
int fc_hw_fit(const double *y, size_t n, struct fc_hw *m);
/* The forecast h >= 1 days after the last observation. */
double fc_hw_at(const struct fc_hw *m, size_t h);

/*
 * ARIMA(p, d, q), p, q <= 2, d <= 1: w = y differenced d times,
 *   w_t = c + phi_1 w_{t-1} + ... + theta_1 e_{t-1} + ... + e_t
 * (c only when d = 0). Conditional sum of squares: the residuals before the first term
 * are taken as zero, and the sum runs over the same days of y (from y[3]) whatever the
 * orders, so that AIC = N ln(SSE / N) + 2 (parameters + 1) compares them all. Pure AR
 * is solved by least squares; with MA terms the start is Hannan-Rissanen (a long AR's
 * residuals as regressors) refined by Nelder-Mead (15 + 5 x parameters evaluations),
 * within the stationary and invertible region. In fc_run() ARIMA sees the last 26 weeks
 * only (18 fits per series are most of the forecast's time); the orders the backtest
 * chose are refitted to them for the forecast.
 */
struct fc_arima {
	int p, d, q;
	double c, phi[2], theta[2];
	double sse, aic;
	size_t neff;                /* terms in the sum */
};

int fc_arima_fit(const double *y, size_t n, int p, int d, int q, struct fc_arima *m);
/* Every order up to (2, 1, 2); the lowest AIC wins. -1 when n < 12. */
int fc_arima_select(const double *y, size_t n, struct fc_arima *m);
/* out[0..h): the forecasts 1..h days after y[n-1] (the series m was fitted to). */
void fc_arima_forecast(const struct fc_arima *m, const double *y, size_t n, size_t h,
    double *out);

/* The whole per-series run. */
struct fc_input {
	const double *y;            /* daily demand, oldest first */
	size_t n;
	/* n + horizon entries: the campaign kind of each day (history, then the days
	 * forecast), -1 for none; NULL: no campaigns */
	const signed char *kind;
	const double *default_lift; /* per kind, used when the history shows none */
	int nkinds;
	size_t horizon;
	size_t holdout;             /* backtest days; 0: 28 */
};

struct fc_result {
	enum fc_model model;        /* chosen */
	double wape[FC__MODELS];    /* backtest error per model; NaN: not tried */
	double mape;                /* of the chosen model, % over non-zero days; NaN: none */
	double rmse;                /* of the chosen model's backtest days */
	double lift[FC_MAX_KINDS];  /* used per kind */
	int lift_seen[FC_MAX_KINDS];/* campaign days the lift was estimated from; 0: default */
	struct fc_hw hw;            /* the last fits made: the final one for the model
	                             * chosen */
	struct fc_arima arima;
};

/*
 * Forecast in->horizon days into out (caller's, never negative). With too little history
 * for a backtest (holdout + 2 weeks) the moving average is used untested.
 */
void fc_run(const struct fc_input *in, double *out, struct fc_result *res);

/* Per kind: lift[k] = sum of y on days of kind k / sum of their baselines (the mean of
 * the plain days among the 14 before each, at least 7 of them), over y[0..n); kinds not
 * seen take default_lift. */
void fc_lifts(const double *y, size_t n, const signed char *kind, int nkinds,
    const double *default_lift, double *lift, int *seen);

/* WAPE and MAPE (see the top of this file) of forecast f against actual a. */
double fc_wape(const double *a, const double *f, size_t n);
double fc_mape(const double *a, const double *f, size_t n);

/* The standard normal quantile (for the service level's z). */
double fc_norm_quantile(double p);

#endif

/*
 * test_forecast.c — the demand models on series whose answers are known by hand: the
 * moving average, Holt-Winters recovering a weekly pattern, ARIMA recovering a simulated
 * AR(1) and MA(1) (and AIC picking the AR(1)), campaign lifts, the backtest's errors and
 * the model choice.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/forecast.h"
#include "testutil.h"

static const double season7[FC_PERIOD] = { -6, -3, -1, 0, 2, 3, 5 };   /* sums to 0 */

/* A reproducible standard normal: a 64-bit LCG through Box-Muller. */
static uint64_t rng = 42;

static double
unif(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

static void
test_ma(void)
{
	double y[10];
	int i;

	for (i = 0; i < 10; i++)
		y[i] = i + 1;
	CU_ASSERT_DOUBLE_EQUAL(fc_ma(y, 10, 4), 8.5, 1e-12);     /* (7+8+9+10)/4 */
	CU_ASSERT_DOUBLE_EQUAL(fc_ma(y, 10, 28), 5.5, 1e-12);    /* all ten */
	CU_ASSERT_DOUBLE_EQUAL(fc_ma(y, 0, 4), 0, 1e-12);
}

/* 50 + 0.5 t + season, with a little deterministic noise: the season comes back within
 * 0.6, the trend within 0.05, two weeks ahead within 1.5. */
static void
test_hw_season(void)
{
	enum { N = 112 };
	double y[N], mean = 0, truth;
	struct fc_hw m;
	size_t t, h;
	int i;

	for (t = 0; t < N; t++)
		y[t] = 50 + 0.5 * (double)t + season7[t % 7] + 0.2 * ((double)((t * 37) % 5) - 2);
	CU_ASSERT_EQUAL_FATAL(fc_hw_fit(y, N, &m), 0);
	for (i = 0; i < FC_PERIOD; i++)
		mean += m.season[i] / FC_PERIOD;
	for (i = 0; i < FC_PERIOD; i++)
		CU_ASSERT_DOUBLE_EQUAL(m.season[i] - mean, season7[i], 0.6);
	CU_ASSERT_DOUBLE_EQUAL(m.trend, 0.5, 0.05);
	CU_ASSERT(m.alpha >= 0 && m.alpha <= 1 && m.beta >= 0 && m.beta <= 1 &&
	    m.gamma >= 0 && m.gamma <= 1);
	for (h = 1; h <= 14; h++) {
		t = N - 1 + h;
		truth = 50 + 0.5 * (double)t + season7[t % 7];
		CU_ASSERT_DOUBLE_EQUAL(fc_hw_at(&m, h), truth, 1.5);
	}
	/* too short: two weeks needed */
	CU_ASSERT_EQUAL(fc_hw_fit(y, 13, &m), -1);
}

/* y = 10 + 0.6 (y[t-1] - 10) + e: phi near 0.6, mean near 10, and of the 18 orders AIC
 * picks (1, 0, 0). */
static void
test_arima_ar1(void)
{
	enum { N = 400 };
	double y[N], f[5];
	struct fc_arima m, m0;
	size_t t;

	rng = 42;
	y[0] = 10;
	for (t = 1; t < N; t++)
		y[t] = 10 + 0.6 * (y[t - 1] - 10) + gauss();
	CU_ASSERT_EQUAL_FATAL(fc_arima_fit(y, N, 1, 0, 0, &m), 0);
	CU_ASSERT_DOUBLE_EQUAL(m.phi[0], 0.6, 0.1);
	CU_ASSERT_DOUBLE_EQUAL(m.c / (1 - m.phi[0]), 10, 0.5);
	CU_ASSERT_EQUAL(m.neff, N - 3);
	/* white noise fits far worse: N ln(1 / (1 - 0.36)) ~ 177 in AIC */
	CU_ASSERT_EQUAL_FATAL(fc_arima_fit(y, N, 0, 0, 0, &m0), 0);
	CU_ASSERT(m0.aic - m.aic > 100);
	CU_ASSERT_EQUAL_FATAL(fc_arima_select(y, N, &m), 0);
	CU_ASSERT_EQUAL(m.p, 1);
	CU_ASSERT_EQUAL(m.d, 0);
	CU_ASSERT_EQUAL(m.q, 0);
	/* forecasts decay geometrically toward the mean */
	fc_arima_forecast(&m, y, N, 5, f);
	CU_ASSERT_DOUBLE_EQUAL(f[0], m.c + m.phi[0] * y[N - 1], 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(f[1], m.c + m.phi[0] * f[0], 1e-9);
	CU_ASSERT_EQUAL(fc_arima_fit(y, 11, 1, 0, 0, &m), -1);
}

/* y = 20 + e + 0.5 e[t-1]: theta near 0.5 (the Nelder-Mead path). */
static void
test_arima_ma1(void)
{
	enum { N = 500 };
	double y[N], prev = 0, e;
	struct fc_arima m;
	size_t t;

	rng = 7;
	for (t = 0; t < N; t++) {
		e = gauss();
		y[t] = 20 + e + 0.5 * prev;
		prev = e;
	}
	CU_ASSERT_EQUAL_FATAL(fc_arima_fit(y, N, 0, 0, 1, &m), 0);
	CU_ASSERT_DOUBLE_EQUAL(m.theta[0], 0.5, 0.1);
	CU_ASSERT_DOUBLE_EQUAL(m.c, 20, 0.3);
}

/* Every day 10, two days of kind 0 at 30: lift 30 / 10 = 3 exactly; kind 1 never seen
 * takes its default. A future day of kind 0 is forecast at three times a plain day. */
static void
test_lift(void)
{
	enum { N = 70, H = 14 };
	static const double deflt[2] = { 2.0, 1.5 };
	signed char kind[N + H];
	double y[N], f[H], lift[2];
	struct fc_input in = { y, N, kind, deflt, 2, H, 14 };
	struct fc_result res;
	int seen[2];
	size_t t;

	memset(kind, -1, sizeof kind);
	for (t = 0; t < N; t++)
		y[t] = 10;
	kind[40] = kind[50] = 0;
	y[40] = y[50] = 30;
	kind[N + 2] = 0;
	kind[N + 5] = 1;
	fc_lifts(y, N, kind, 2, deflt, lift, seen);
	CU_ASSERT_DOUBLE_EQUAL(lift[0], 3.0, 1e-12);
	CU_ASSERT_EQUAL(seen[0], 2);
	CU_ASSERT_DOUBLE_EQUAL(lift[1], 1.5, 1e-12);
	CU_ASSERT_EQUAL(seen[1], 0);
	fc_run(&in, f, &res);
	CU_ASSERT_DOUBLE_EQUAL(f[0], 10, 0.5);
	CU_ASSERT_DOUBLE_EQUAL(f[2], 30, 1.5);
	CU_ASSERT_DOUBLE_EQUAL(f[5], 15, 0.8);
	CU_ASSERT_DOUBLE_EQUAL(res.lift[0], 3.0, 1e-12);
	/* a campaign day with fewer than 7 plain days before it teaches nothing */
	kind[3] = 0;
	y[3] = 100;
	fc_lifts(y, N, kind, 2, deflt, lift, seen);
	CU_ASSERT_DOUBLE_EQUAL(lift[0], 3.0, 1e-12);
}

/* By hand: |e| = 2 1 5 0 over sum 35; MAPE over the three non-zero days only. */
static void
test_errors(void)
{
	static const double a[4] = { 10, 0, 20, 5 }, f[4] = { 12, 1, 15, 5 };
	static const double z[3] = { 0, 0, 0 };

	CU_ASSERT_DOUBLE_EQUAL(fc_wape(a, f, 4), 8.0 / 35.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(fc_mape(a, f, 4), 100.0 * (0.2 + 0.25 + 0) / 3, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(fc_wape(z, z, 3), 0, 1e-12);
	CU_ASSERT(isnan(fc_mape(z, z, 3)));
	CU_ASSERT(isinf(fc_wape(z, f, 3)));
	CU_ASSERT_DOUBLE_EQUAL(fc_norm_quantile(0.95), 1.644854, 1e-5);
	CU_ASSERT_DOUBLE_EQUAL(fc_norm_quantile(0.5), 0, 1e-9);
}

/* A strong weekly pattern: the flat average misses it, Holt-Winters wins the backtest;
 * whatever wins has the lowest backtest error. Short history: the average, untested. */
static void
test_choice(void)
{
	enum { N = 140, H = 7 };
	double y[N], f[H];
	struct fc_input in = { y, N, NULL, NULL, 0, H, 28 };
	struct fc_result res;
	size_t t;
	int m;

	for (t = 0; t < N; t++)
		y[t] = 20 + 3 * season7[t % 7];
	fc_run(&in, f, &res);
	CU_ASSERT_EQUAL(res.model, FC_HW);
	for (m = 0; m < FC__MODELS; m++)
		CU_ASSERT(res.wape[res.model] <= res.wape[m]);
	CU_ASSERT(res.wape[FC_MA] > 0.2);
	CU_ASSERT(res.wape[FC_HW] < 0.02);
	CU_ASSERT(res.mape < 2);
	for (t = 0; t < H; t++)
		CU_ASSERT_DOUBLE_EQUAL(f[t], 20 + 3 * season7[(N + t) % 7], 0.5);

	in.n = 30;
	fc_run(&in, f, &res);
	CU_ASSERT_EQUAL(res.model, FC_MA);
	CU_ASSERT(isnan(res.wape[FC_MA]) && isnan(res.mape));
	CU_ASSERT_DOUBLE_EQUAL(f[0], fc_ma(y, 30, FC_MA_WINDOW), 1e-12);
	CU_ASSERT_STRING_EQUAL(fc_model_name(FC_ARIMA), "arima");
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("forecast", NULL, NULL);
	CU_add_test(s, "moving average", test_ma);
	CU_add_test(s, "holt-winters season", test_hw_season);
	CU_add_test(s, "arima ar(1) and aic", test_arima_ar1);
	CU_add_test(s, "arima ma(1)", test_arima_ma1);
	CU_add_test(s, "campaign lift", test_lift);
	CU_add_test(s, "wape and mape", test_errors);
	CU_add_test(s, "model choice", test_choice);
	return tu_run();
}

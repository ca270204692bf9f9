/*
 * forecast.c — the demand models and the backtest that picks one per series (see
 * forecast.h for the definitions). Plain doubles and libm; scratch memory from xalloc.
 */
#include "forecast.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define LIFT_WINDOW 28              /* days before a campaign day for its baseline */
#define LIFT_MIN_PLAIN 7
#define HOLDOUT_DEFAULT 28
#define ARIMA_START 3               /* the CSS sums run over y[3..n) */
#define LONG_AR 8                   /* Hannan-Rissanen's long autoregression */
#define BIG 1e300
#define ARIMA_WINDOW 182            /* the last 26 weeks: ARIMA's cost is 18 fits */

const char *
fc_model_name(enum fc_model m)
{
	static const char *const names[FC__MODELS] = { "ma", "hw", "arima" };

	return (unsigned)m < FC__MODELS ? names[m] : "?";
}

double
fc_ma(const double *y, size_t n, size_t k)
{
	double s = 0;
	size_t i, from;

	if (n == 0)
		return 0;
	from = n > k ? n - k : 0;
	for (i = from; i < n; i++)
		s += y[i];
	return s / (double)(n - from);
}

/* ---- Nelder-Mead ------------------------------------------------------------------- */

typedef double (*nm_fn)(const double *x, void *ctx);

#define NM_MAXK 5

/* Minimise f from x (k <= NM_MAXK parameters, initial steps step) within maxeval
 * evaluations; x gets the best point, the best value is returned. */
static double
nm_min(nm_fn f, void *ctx, double *x, int k, const double *step, int maxeval)
{
	double p[NM_MAXK + 1][NM_MAXK], fv[NM_MAXK + 1], cen[NM_MAXK], xr[NM_MAXK],
	    xe[NM_MAXK], fr, fe;
	int i, j, ev = 0, lo, hi, nh;

	for (i = 0; i <= k; i++) {
		memcpy(p[i], x, sizeof(double) * (size_t)k);
		if (i > 0)
			p[i][i - 1] += step[i - 1];
		fv[i] = f(p[i], ctx);
		ev++;
	}
	while (ev < maxeval) {
		lo = hi = 0;
		for (i = 1; i <= k; i++) {
			if (fv[i] < fv[lo])
				lo = i;
			if (fv[i] > fv[hi])
				hi = i;
		}
		nh = lo == 0 ? (k > 0 ? 1 : 0) : 0;
		for (i = 0; i <= k; i++)
			if (i != hi && fv[i] > fv[nh])
				nh = i;
		if (fabs(fv[hi] - fv[lo]) <= 1e-10 * (fabs(fv[lo]) + 1e-12))
			break;
		for (j = 0; j < k; j++) {
			cen[j] = 0;
			for (i = 0; i <= k; i++)
				if (i != hi)
					cen[j] += p[i][j];
			cen[j] /= k;
			xr[j] = cen[j] + (cen[j] - p[hi][j]);
		}
		fr = f(xr, ctx);
		ev++;
		if (fr < fv[lo]) {
			for (j = 0; j < k; j++)
				xe[j] = cen[j] + 2 * (cen[j] - p[hi][j]);
			fe = f(xe, ctx);
			ev++;
			if (fe < fr) {
				memcpy(p[hi], xe, sizeof(double) * (size_t)k);
				fv[hi] = fe;
			} else {
				memcpy(p[hi], xr, sizeof(double) * (size_t)k);
				fv[hi] = fr;
			}
		} else if (fr < fv[nh]) {
			memcpy(p[hi], xr, sizeof(double) * (size_t)k);
			fv[hi] = fr;
		} else {
			/* contract toward the better of the worst and its reflection */
			const double *from = fr < fv[hi] ? xr : p[hi];

			for (j = 0; j < k; j++)
				xe[j] = cen[j] + 0.5 * (from[j] - cen[j]);
			fe = f(xe, ctx);
			ev++;
			if (fe < (fr < fv[hi] ? fr : fv[hi])) {
				memcpy(p[hi], xe, sizeof(double) * (size_t)k);
				fv[hi] = fe;
			} else {
				for (i = 0; i <= k; i++) {
					if (i == lo)
						continue;
					for (j = 0; j < k; j++)
						p[i][j] = p[lo][j] + 0.5 * (p[i][j] - p[lo][j]);
					fv[i] = f(p[i], ctx);
					ev++;
				}
			}
		}
	}
	lo = 0;
	for (i = 1; i <= k; i++)
		if (fv[i] < fv[lo])
			lo = i;
	memcpy(x, p[lo], sizeof(double) * (size_t)k);
	return fv[lo];
}

/* ---- Holt-Winters ------------------------------------------------------------------ */

static double
clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* One pass with the given constants; the state after y[n-1] into *m when m. */
static double
hw_pass(const double *y, size_t n, double a, double b, double g, struct fc_hw *m)
{
	double l0 = 0, l1 = 0, lv, tr, s[FC_PERIOD], sse = 0;
	size_t t;
	int i, si;

	for (i = 0; i < FC_PERIOD; i++) {
		l0 += y[i];
		l1 += y[i + FC_PERIOD];
	}
	l0 /= FC_PERIOD;
	l1 /= FC_PERIOD;
	tr = (l1 - l0) / FC_PERIOD;
	for (i = 0; i < FC_PERIOD; i++)
		s[i] = y[i] - l0;
	lv = l0 + (FC_PERIOD - 1) / 2.0 * tr;   /* the first week's mean sits mid-week */
	for (t = FC_PERIOD, si = 0; t < n; t++, si = si + 1 == FC_PERIOD ? 0 : si + 1) {
		double e = y[t] - (lv + tr + s[si]), nl;

		sse += e * e;
		nl = a * (y[t] - s[si]) + (1 - a) * (lv + tr);
		tr = b * (nl - lv) + (1 - b) * tr;
		s[si] = g * (y[t] - nl) + (1 - g) * s[si];
		lv = nl;
	}
	if (m) {
		m->alpha = a;
		m->beta = b;
		m->gamma = g;
		m->level = lv;
		m->trend = tr;
		memcpy(m->season, s, sizeof s);
		m->sse = sse;
		m->n = n;
	}
	return sse;
}

struct hw_ctx {
	const double *y;
	size_t n;
};

static double
hw_obj(const double *x, void *ctx)
{
	const struct hw_ctx *c = ctx;

	if (x[0] < 0 || x[0] > 1 || x[1] < 0 || x[1] > 1 || x[2] < 0 || x[2] > 1)
		return BIG;
	return hw_pass(c->y, c->n, x[0], x[1], x[2], NULL);
}

int
fc_hw_fit(const double *y, size_t n, struct fc_hw *m)
{
	static const double ga[] = { 0.1, 0.4, 0.8 };
	static const double gb[] = { 0.0, 0.1 };
	static const double gg[] = { 0.05, 0.2, 0.5 };
	static const double step[3] = { 0.1, 0.03, 0.1 };
	struct hw_ctx c = { y, n };
	double best = BIG, x[3] = { 0.3, 0.05, 0.2 }, v;
	size_t i, j, k;

	if (n < 2 * FC_PERIOD)
		return -1;
	for (i = 0; i < sizeof ga / sizeof ga[0]; i++)
		for (j = 0; j < sizeof gb / sizeof gb[0]; j++)
			for (k = 0; k < sizeof gg / sizeof gg[0]; k++) {
				v = hw_pass(y, n, ga[i], gb[j], gg[k], NULL);
				if (v < best) {
					best = v;
					x[0] = ga[i];
					x[1] = gb[j];
					x[2] = gg[k];
				}
			}
	nm_min(hw_obj, &c, x, 3, step, 40);
	hw_pass(y, n, clamp01(x[0]), clamp01(x[1]), clamp01(x[2]), m);
	return 0;
}

double
fc_hw_at(const struct fc_hw *m, size_t h)
{
	return m->level + (double)h * m->trend + m->season[(m->n + h - 1) % FC_PERIOD];
}

/* ---- ARIMA ------------------------------------------------------------------------- */

/* Solve a k x k system (row-major, destroyed) by elimination with partial pivoting. */
static int
solve(double *a, double *b, int k)
{
	int i, j, r, piv;
	double t;

	for (i = 0; i < k; i++) {
		piv = i;
		for (r = i + 1; r < k; r++)
			if (fabs(a[r * k + i]) > fabs(a[piv * k + i]))
				piv = r;
		if (fabs(a[piv * k + i]) < 1e-12)
			return -1;
		if (piv != i) {
			for (j = 0; j < k; j++) {
				t = a[i * k + j];
				a[i * k + j] = a[piv * k + j];
				a[piv * k + j] = t;
			}
			t = b[i];
			b[i] = b[piv];
			b[piv] = t;
		}
		for (r = i + 1; r < k; r++) {
			double f = a[r * k + i] / a[i * k + i];

			for (j = i; j < k; j++)
				a[r * k + j] -= f * a[i * k + j];
			b[r] -= f * b[i];
		}
	}
	for (i = k - 1; i >= 0; i--) {
		for (j = i + 1; j < k; j++)
			b[i] -= a[i * k + j] * b[j];
		b[i] /= a[i * k + i];
	}
	return 0;
}

#define OLS_MAXK (LONG_AR + 1)

/*
 * Least squares of w[t] on (1 when cst, w[t-1..t-p], e[t-1..t-q]) for t in [from, nw):
 * beta gets the coefficients in that order. -1 when singular.
 */
static int
ols(const double *w, const double *e, size_t nw, size_t from, int cst, int p, int q,
    double *beta)
{
	double a[OLS_MAXK * OLS_MAXK], x[OLS_MAXK];
	int k = cst + p + q, i, j;
	size_t t;

	memset(a, 0, sizeof a);
	memset(beta, 0, sizeof(double) * (size_t)k);
	for (t = from; t < nw; t++) {
		j = 0;
		if (cst)
			x[j++] = 1;
		for (i = 1; i <= p; i++)
			x[j++] = w[t - (size_t)i];
		for (i = 1; i <= q; i++)
			x[j++] = e[t - (size_t)i];
		for (i = 0; i < k; i++) {
			for (j = 0; j < k; j++)
				a[i * k + j] += x[i] * x[j];
			beta[i] += x[i] * w[t];
		}
	}
	for (i = 0; i < k; i++)
		a[i * k + i] += 1e-9 * (a[i * k + i] + 1);
	return solve(a, beta, k);
}

/* Roots of 1 - a1 z - a2 z^2 outside the unit circle (with a margin). */
static int
poly_ok(const double *a, int k)
{
	const double lim = 0.995;

	if (k == 0)
		return 1;
	if (k == 1)
		return fabs(a[0]) < lim;
	return fabs(a[1]) < lim && a[0] + a[1] < lim && a[1] - a[0] < lim;
}

static int
arma_ok(const struct fc_arima *m)
{
	double mt[2] = { -m->theta[0], -m->theta[1] };

	return poly_ok(m->phi, m->p) && poly_ok(mt, m->q);
}

/* CSS residuals of w under m into e[0..nw) when e (zero before start, start >= 2); their
 * sum of squares. Written with both lags always present (unused ones zero): this loop is
 * most of the forecast's time. */
static double
css(const struct fc_arima *m, const double *w, size_t nw, size_t start, double *e)
{
	double a1 = m->p > 0 ? m->phi[0] : 0, a2 = m->p > 1 ? m->phi[1] : 0;
	double b1 = m->q > 0 ? m->theta[0] : 0, b2 = m->q > 1 ? m->theta[1] : 0;
	double e1 = 0, e2 = 0, sse = 0, v, c = m->c;
	size_t t;

	assert(start >= 2);
	for (t = 0; e && t < start && t < nw; t++)
		e[t] = 0;
	for (t = start; t < nw; t++) {
		v = w[t] - c - a1 * w[t - 1] - a2 * w[t - 2] - b1 * e1 - b2 * e2;
		e2 = e1;
		e1 = v;
		sse += v * v;
		if (e)
			e[t] = v;
	}
	return sse;
}

struct arima_ctx {
	struct fc_arima m;
	const double *w;
	size_t nw, start;
	double *e;
};

static void
unpack(struct fc_arima *m, const double *x)
{
	int j = 0, i;

	if (m->d == 0)
		m->c = x[j++];
	for (i = 0; i < m->p; i++)
		m->phi[i] = x[j++];
	for (i = 0; i < m->q; i++)
		m->theta[i] = x[j++];
}

static double
arima_obj(const double *x, void *vctx)
{
	struct arima_ctx *c = vctx;

	unpack(&c->m, x);
	if (!arma_ok(&c->m))
		return BIG;
	return css(&c->m, c->w, c->nw, c->start, NULL);
}

static size_t
difference(const double *y, size_t n, int d, double *w)
{
	size_t t;

	if (d == 0) {
		memcpy(w, y, sizeof(double) * n);
		return n;
	}
	for (t = 1; t < n; t++)
		w[t - 1] = y[t] - y[t - 1];
	return n - 1;
}

/* Fit orders (p, d, q) to the differenced series w; ehat: the long AR's residuals (for
 * the MA start), or NULL; e: scratch of nw. */
static void
arima_fit_w(const double *w, size_t nw, int p, int d, int q, const double *ehat,
    double *e, struct fc_arima *m)
{
	size_t start = (size_t)(ARIMA_START - d);
	double beta[OLS_MAXK], x[NM_MAXK], step[NM_MAXK];
	int k, i, j;

	memset(m, 0, sizeof *m);
	m->p = p;
	m->d = d;
	m->q = q;
	k = (d == 0) + p + q;
	if (q == 0 || ehat == NULL || nw < LONG_AR + 2 + 8) {
		if (ols(w, e, nw, start, d == 0, p, 0, beta) == 0) {
			j = 0;
			if (d == 0)
				m->c = beta[j++];
			for (i = 0; i < p; i++)
				m->phi[i] = beta[j++];
		}
	} else if (ols(w, ehat, nw, LONG_AR + 2, d == 0, p, q, beta) == 0) {
		unpack(m, beta);
	}
	/* pull an unstable start back into the region */
	for (i = 0; i < 40 && !arma_ok(m); i++) {
		for (j = 0; j < 2; j++) {
			m->phi[j] *= 0.8;
			m->theta[j] *= 0.8;
		}
	}
	if (!arma_ok(m))
		memset(m->phi, 0, sizeof m->phi), memset(m->theta, 0, sizeof m->theta);
	if (q > 0) {
		struct arima_ctx c = { *m, w, nw, start, e };
		double sd = 0, mean = 0;
		size_t t;

		for (t = 0; t < nw; t++)
			mean += w[t];
		mean /= (double)(nw ? nw : 1);
		for (t = 0; t < nw; t++)
			sd += (w[t] - mean) * (w[t] - mean);
		sd = sqrt(sd / (double)(nw ? nw : 1)) + 1e-6;
		j = 0;
		if (d == 0) {
			x[j] = m->c;
			step[j++] = 0.1 * sd;
		}
		for (i = 0; i < p; i++) {
			x[j] = m->phi[i];
			step[j++] = 0.1;
		}
		for (i = 0; i < q; i++) {
			x[j] = m->theta[i];
			step[j++] = 0.1;
		}
		nm_min(arima_obj, &c, x, k, step, 15 + 5 * k);
		unpack(m, x);
		if (!arma_ok(m))
			memset(m->theta, 0, sizeof m->theta);
	}
	m->sse = css(m, w, nw, start, e);
	m->neff = nw - start;
	m->aic = (double)m->neff * log(m->sse / (double)m->neff + 1e-12) + 2.0 * (k + 1);
}

int
fc_arima_fit(const double *y, size_t n, int p, int d, int q, struct fc_arima *m)
{
	double *w, *e, *eh = NULL, beta[OLS_MAXK];
	size_t nw, t;
	int i;

	if (n < 12 || p < 0 || p > 2 || q < 0 || q > 2 || d < 0 || d > 1)
		return -1;
	w = xmalloc(sizeof(double) * n * 3);
	e = w + n;
	nw = difference(y, n, d, w);
	if (q > 0 && nw >= LONG_AR + 2 + 8 &&
	    ols(w, e, nw, LONG_AR, d == 0, LONG_AR, 0, beta) == 0) {
		eh = e + n;
		for (t = 0; t < nw; t++) {
			double v = w[t];

			if (t < LONG_AR) {
				eh[t] = 0;
				continue;
			}
			v -= d == 0 ? beta[0] : 0;
			for (i = 0; i < LONG_AR; i++)
				v -= beta[(d == 0) + i] * w[t - 1 - (size_t)i];
			eh[t] = v;
		}
	}
	arima_fit_w(w, nw, p, d, q, eh, e, m);
	free(w);
	return 0;
}

int
fc_arima_select(const double *y, size_t n, struct fc_arima *m)
{
	double *w, *e, *eh, beta[OLS_MAXK];
	struct fc_arima cand;
	size_t nw, t;
	int p, d, q, i, have = 0, haveh;

	if (n < 12)
		return -1;
	w = xmalloc(sizeof(double) * n * 3);
	e = w + n;
	eh = e + n;
	for (d = 0; d <= 1; d++) {
		nw = difference(y, n, d, w);
		haveh = nw >= LONG_AR + 2 + 8 &&
		    ols(w, e, nw, LONG_AR, d == 0, LONG_AR, 0, beta) == 0;
		if (haveh) {
			for (t = 0; t < nw; t++) {
				double v = w[t];

				if (t < LONG_AR) {
					eh[t] = 0;
					continue;
				}
				v -= d == 0 ? beta[0] : 0;
				for (i = 0; i < LONG_AR; i++)
					v -= beta[(d == 0) + i] * w[t - 1 - (size_t)i];
				eh[t] = v;
			}
		}
		for (p = 0; p <= 2; p++)
			for (q = 0; q <= 2; q++) {
				arima_fit_w(w, nw, p, d, q, haveh ? eh : NULL, e, &cand);
				if (!have || cand.aic < m->aic) {
					*m = cand;
					have = 1;
				}
			}
	}
	free(w);
	return 0;
}

void
fc_arima_forecast(const struct fc_arima *m, const double *y, size_t n, size_t h,
    double *out)
{
	double *w, *e, v, last;
	size_t nw, t, start = (size_t)(ARIMA_START - m->d);
	int i;

	w = xmalloc(sizeof(double) * (n + h) * 2);
	e = w + n + h;
	nw = difference(y, n, m->d, w);
	css(m, w, nw, start, e);
	for (t = nw; t < nw + h; t++) {
		v = m->c;
		for (i = 0; i < m->p; i++)
			v += m->phi[i] * w[t - 1 - (size_t)i];
		for (i = 0; i < m->q; i++)
			v += m->theta[i] * e[t - 1 - (size_t)i];
		w[t] = v;
		e[t] = 0;
	}
	last = y[n - 1];
	for (t = 0; t < h; t++) {
		if (m->d == 0) {
			out[t] = w[nw + t];
		} else {
			last += w[nw + t];
			out[t] = last;
		}
	}
	free(w);
}

/* ---- campaigns, errors, the per-series run ----------------------------------------- */

void
fc_lifts(const double *y, size_t n, const signed char *kind, int nkinds,
    const double *default_lift, double *lift, int *seen)
{
	double sy[FC_MAX_KINDS] = { 0 }, sb[FC_MAX_KINDS] = { 0 };
	size_t t, j;
	int k;

	for (k = 0; k < nkinds && k < FC_MAX_KINDS; k++)
		seen[k] = 0;
	for (t = 0; kind && t < n; t++) {
		double b = 0;
		int plain = 0;

		k = kind[t];
		if (k < 0 || k >= nkinds || k >= FC_MAX_KINDS)
			continue;
		for (j = t > LIFT_WINDOW ? t - LIFT_WINDOW : 0; j < t; j++)
			if (kind[j] < 0) {
				b += y[j];
				plain++;
			}
		if (plain < LIFT_MIN_PLAIN)
			continue;
		sy[k] += y[t];
		sb[k] += b / plain;
		seen[k]++;
	}
	for (k = 0; k < nkinds && k < FC_MAX_KINDS; k++) {
		if (seen[k] > 0 && sb[k] > 0) {
			lift[k] = sy[k] / sb[k];
			lift[k] = lift[k] < 0.05 ? 0.05 : lift[k] > 20 ? 20 : lift[k];
		} else {
			seen[k] = 0;
			lift[k] = default_lift ? default_lift[k] : 1.0;
		}
	}
}

double
fc_wape(const double *a, const double *f, size_t n)
{
	double se = 0, sa = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		se += fabs(a[i] - f[i]);
		sa += fabs(a[i]);
	}
	if (sa > 0)
		return se / sa;
	return se > 0 ? INFINITY : 0;
}

double
fc_mape(const double *a, const double *f, size_t n)
{
	double s = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (a[i] != 0) {
			s += fabs((a[i] - f[i]) / a[i]);
			k++;
		}
	return k ? 100.0 * s / (double)k : NAN;
}

double
fc_norm_quantile(double p)
{
	double lo = -10, hi = 10, mid;
	int i;

	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	for (i = 0; i < 80; i++) {
		mid = 0.5 * (lo + hi);
		if (0.5 * erfc(-mid / sqrt(2.0)) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* The series with campaign days divided by their lift. */
static void
clean(const double *y, size_t n, const signed char *kind, const double *lift, double *out)
{
	size_t t;

	for (t = 0; t < n; t++)
		out[t] = kind && kind[t] >= 0 && lift[(int)kind[t]] > 0 ?
		    y[t] / lift[(int)kind[t]] : y[t];
}

/* Model m fitted to yc[0..n), h days ahead into out (before lifts). ARIMA's orders are
 * chosen by AIC unless keep_orders (then those of res->arima are refitted). */
static void
model_forecast(enum fc_model mdl, const double *yc, size_t n, size_t h, double *out,
    struct fc_result *res, int keep_orders)
{
	size_t i;

	if (mdl == FC_HW && fc_hw_fit(yc, n, &res->hw) == 0) {
		for (i = 0; i < h; i++)
			out[i] = fc_hw_at(&res->hw, i + 1);
		return;
	}
	if (mdl == FC_ARIMA) {
		size_t skip = n > ARIMA_WINDOW ? n - ARIMA_WINDOW : 0;

		int rc = keep_orders ? fc_arima_fit(yc + skip, n - skip, res->arima.p,
		    res->arima.d, res->arima.q, &res->arima) :
		    fc_arima_select(yc + skip, n - skip, &res->arima);

		if (rc == 0) {
			fc_arima_forecast(&res->arima, yc + skip, n - skip, h, out);
			return;
		}
	}
	for (i = 0; i < h; i++)
		out[i] = fc_ma(yc, n, FC_MA_WINDOW);
}

/* Multiply the campaign days among kind[0..h) by their lift; never below zero. */
static void
relift(double *f, size_t h, const signed char *kind, const double *lift)
{
	size_t i;

	for (i = 0; i < h; i++) {
		if (kind && kind[i] >= 0)
			f[i] *= lift[(int)kind[i]];
		if (!(f[i] > 0))
			f[i] = 0;
	}
}

void
fc_run(const struct fc_input *in, double *out, struct fc_result *res)
{
	size_t n = in->n, hold = in->holdout ? in->holdout : HOLDOUT_DEFAULT, tr, i;
	int nk = in->nkinds < FC_MAX_KINDS ? in->nkinds : FC_MAX_KINDS, mdl, best = FC_MA;
	double lift[FC_MAX_KINDS], *yc, *fb;
	int seen[FC_MAX_KINDS];

	memset(res, 0, sizeof *res);
	for (mdl = 0; mdl < FC__MODELS; mdl++)
		res->wape[mdl] = NAN;
	res->mape = NAN;
	res->rmse = NAN;
	yc = xmalloc(sizeof(double) * (n + FC__MODELS * hold + 1));
	fb = yc + n;
	if (n >= hold + 3 * FC_PERIOD) {
		tr = n - hold;
		fc_lifts(in->y, tr, in->kind, nk, in->default_lift, lift, seen);
		clean(in->y, tr, in->kind, lift, yc);
		for (mdl = 0; mdl < FC__MODELS; mdl++) {
			double *fm = fb + (size_t)mdl * hold;

			model_forecast((enum fc_model)mdl, yc, tr, hold, fm, res, 0);
			relift(fm, hold, in->kind ? in->kind + tr : NULL, lift);
			res->wape[mdl] = fc_wape(in->y + tr, fm, hold);
			if (res->wape[mdl] < res->wape[best])
				best = mdl;
		}
		fb += (size_t)best * hold;
		res->mape = fc_mape(in->y + tr, fb, hold);
		res->rmse = 0;
		for (i = 0; i < hold; i++)
			res->rmse += (in->y[tr + i] - fb[i]) * (in->y[tr + i] - fb[i]);
		res->rmse = sqrt(res->rmse / (double)hold);
	}
	res->model = (enum fc_model)best;
	fc_lifts(in->y, n, in->kind, nk, in->default_lift, res->lift, res->lift_seen);
	clean(in->y, n, in->kind, res->lift, yc);
	if (in->horizon > 0) {
		/* the orders the backtest chose, refitted to the whole series */
		model_forecast(res->model, yc, n, in->horizon, out, res, res->model == FC_ARIMA);
		relift(out, in->horizon, in->kind ? in->kind + n : NULL, res->lift);
	}
	free(yc);
}

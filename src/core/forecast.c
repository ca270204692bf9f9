/*
 * forecast.c — the demand models and the backtest that picks one per series (see
 * forecast.h for the definitions). Plain doubles and libm; scratch memory from xalloc.
 *
 * Speed: the objectives (Holt-Winters' one-step errors, ARIMA's conditional sum of
 * squares) are recurrences whose every step waits for the one before, so independent
 * evaluations are run side by side, LANES at a time, each lane doing exactly the
 * arithmetic of a lone evaluation (the results are the same to the bit): the
 * Holt-Winters grid and Nelder-Mead's starts and shrinks, and the 18 ARIMA orders,
 * whose Nelder-Mead runs step together (struct nm is Nelder-Mead as a state machine).
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
#define LANES 6                     /* points evaluated together (see nm_batch) */

/*
 * Evaluate f at the np points x[0..np), each exactly as f alone would: the objectives
 * are long recurrences whose every step waits for the one before, so the points are run
 * side by side (LANES at a time) to keep the processor busy. fb NULL: one by one.
 */
typedef void (*nm_batch_fn)(const double (*x)[NM_MAXK], int np, void *ctx, double *out);

static void
nm_batch(nm_fn f, nm_batch_fn fb, void *ctx, const double (*x)[NM_MAXK], int np,
    double *out)
{
	int i;

	if (fb != NULL && np > 1) {
		for (i = 0; i < np; i += LANES)
			fb(x + i, np - i < LANES ? np - i : LANES, ctx, out + i);
		return;
	}
	for (i = 0; i < np; i++)
		out[i] = f(x[i], ctx);
}

/*
 * Nelder-Mead as a state machine, so that several minimisations can share the work of
 * their evaluations (the ARIMA orders are fitted in lockstep): nm_start(), then while
 * nwant > 0 the values at want[0..nwant) go to nm_feed(); nm_best() gives the result.
 * The sequence of points is exactly that of the textbook loop.
 */
enum nm_phase { NM_START, NM_REFLECT, NM_EXPAND, NM_CONTRACT, NM_SHRINK, NM_DONE };

struct nm {
	int k, maxeval, ev, lo, hi, nh;
	enum nm_phase phase;
	double p[NM_MAXK + 1][NM_MAXK], fv[NM_MAXK + 1], cen[NM_MAXK], xr[NM_MAXK],
	    xe[NM_MAXK], fr;
	double want[NM_MAXK + 1][NM_MAXK];  /* the points whose values are wanted */
	int nwant;
};

/* x (k <= NM_MAXK parameters), initial steps step, within maxeval evaluations. */
static void
nm_start(struct nm *s, const double *x, int k, const double *step, int maxeval)
{
	int i;

	s->k = k;
	s->maxeval = maxeval;
	s->ev = 0;
	for (i = 0; i <= k; i++) {
		memcpy(s->p[i], x, sizeof(double) * (size_t)k);
		if (i > 0)
			s->p[i][i - 1] += step[i - 1];
		memcpy(s->want[i], s->p[i], sizeof s->want[0]);
	}
	s->nwant = k + 1;
	s->phase = NM_START;
}

/* An iteration's start: the reflection of the worst point wanted, or done. */
static void
nm_iterate(struct nm *s)
{
	int i, j, k = s->k;

	s->nwant = 0;
	s->phase = NM_DONE;
	if (s->ev >= s->maxeval)
		return;
	s->lo = s->hi = 0;
	for (i = 1; i <= k; i++) {
		if (s->fv[i] < s->fv[s->lo])
			s->lo = i;
		if (s->fv[i] > s->fv[s->hi])
			s->hi = i;
	}
	s->nh = s->lo == 0 ? (k > 0 ? 1 : 0) : 0;
	for (i = 0; i <= k; i++)
		if (i != s->hi && s->fv[i] > s->fv[s->nh])
			s->nh = i;
	if (fabs(s->fv[s->hi] - s->fv[s->lo]) <= 1e-10 * (fabs(s->fv[s->lo]) + 1e-12))
		return;
	for (j = 0; j < k; j++) {
		s->cen[j] = 0;
		for (i = 0; i <= k; i++)
			if (i != s->hi)
				s->cen[j] += s->p[i][j];
		s->cen[j] /= k;
		s->xr[j] = s->cen[j] + (s->cen[j] - s->p[s->hi][j]);
	}
	memcpy(s->want[0], s->xr, sizeof s->want[0]);
	s->nwant = 1;
	s->phase = NM_REFLECT;
}

/* The expansion's value fe: keep the better of it and the reflection. */
static void
nm_expanded(struct nm *s, double fe)
{
	int k = s->k, hi = s->hi;

	s->ev++;
	if (fe < s->fr) {
		memcpy(s->p[hi], s->xe, sizeof(double) * (size_t)k);
		s->fv[hi] = fe;
	} else {
		memcpy(s->p[hi], s->xr, sizeof(double) * (size_t)k);
		s->fv[hi] = s->fr;
	}
}

/* The contraction's value fe: keep it if better, else shrink toward the best (1: the
 * shrunk points are wanted). */
static int
nm_contracted(struct nm *s, double fe)
{
	int i, j, n, k = s->k, hi = s->hi, lo = s->lo;

	s->ev++;
	if (fe < (s->fr < s->fv[hi] ? s->fr : s->fv[hi])) {
		memcpy(s->p[hi], s->xe, sizeof(double) * (size_t)k);
		s->fv[hi] = fe;
		return 0;
	}
	for (i = 0, n = 0; i <= k; i++) {
		if (i == lo)
			continue;
		for (j = 0; j < k; j++)
			s->p[i][j] = s->p[lo][j] + 0.5 * (s->p[i][j] - s->p[lo][j]);
		memcpy(s->want[n++], s->p[i], sizeof s->want[0]);
	}
	s->nwant = n;
	s->phase = NM_SHRINK;
	return 1;
}

/* The values at want[0..nwant). */
static void
nm_feed(struct nm *s, const double *v)
{
	int i, j, n, k = s->k, hi = s->hi, lo = s->lo;

	switch (s->phase) {
	case NM_START:
		for (i = 0; i <= k; i++)
			s->fv[i] = v[i];
		s->ev += k + 1;
		break;
	case NM_REFLECT:
		s->fr = v[0];
		s->ev++;
		if (s->fr < s->fv[lo]) {
			for (j = 0; j < k; j++)
				s->xe[j] = s->cen[j] + 2 * (s->cen[j] - s->p[hi][j]);
			memcpy(s->want[0], s->xe, sizeof s->want[0]);
			s->nwant = 1;
			s->phase = NM_EXPAND;
			return;
		}
		if (s->fr < s->fv[s->nh]) {
			memcpy(s->p[hi], s->xr, sizeof(double) * (size_t)k);
			s->fv[hi] = s->fr;
			break;
		} else {
			/* contract toward the better of the worst and its reflection */
			const double *from = s->fr < s->fv[hi] ? s->xr : s->p[hi];

			for (j = 0; j < k; j++)
				s->xe[j] = s->cen[j] + 0.5 * (from[j] - s->cen[j]);
			memcpy(s->want[0], s->xe, sizeof s->want[0]);
			s->nwant = 1;
			s->phase = NM_CONTRACT;
			return;
		}
	case NM_EXPAND:
		nm_expanded(s, v[0]);
		break;
	case NM_CONTRACT:
		if (nm_contracted(s, v[0]))
			return;
		break;
	case NM_SHRINK:
		for (i = 0, n = 0; i <= k; i++)
			if (i != lo)
				s->fv[i] = v[n++];
		s->ev += n;
		break;
	case NM_DONE:
		return;
	}
	nm_iterate(s);
}

/* The best point into x; its value. */
static double
nm_best(const struct nm *s, double *x)
{
	int i, lo = 0;

	for (i = 1; i <= s->k; i++)
		if (s->fv[i] < s->fv[lo])
			lo = i;
	memcpy(x, s->p[lo], sizeof(double) * (size_t)s->k);
	return s->fv[lo];
}

/* Minimise f from x (k <= NM_MAXK parameters, initial steps step) within maxeval
 * evaluations; x gets the best point, the best value is returned. fb: f for several
 * points at once (the start and the shrinks), or NULL. */
static double
nm_min(nm_fn f, nm_batch_fn fb, void *ctx, double *x, int k, const double *step,
    int maxeval)
{
	struct nm s;
	double v[NM_MAXK + 1];

	nm_start(&s, x, k, step, maxeval);
	while (s.nwant > 0) {
		nm_batch(f, fb, ctx, (const double (*)[NM_MAXK])s.want, s.nwant, v);
		nm_feed(&s, v);
	}
	return nm_best(&s, x);
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

/*
 * hw_pass for np <= LANES sets of constants abg[i] = { alpha, beta, gamma } side by
 * side: each lane does exactly hw_pass's arithmetic, so sse[i] is what hw_pass returns.
 */
static void
hw_pass_lanes(const double *y, size_t n, const double (*abg)[NM_MAXK], int np,
    double *sse)
{
	double l0 = 0, l1 = 0, tr0, a[LANES], b[LANES], g[LANES], lv[LANES], tr[LANES],
	    s[FC_PERIOD][LANES], e2[LANES];
	size_t t;
	int i, k, si;

	for (i = 0; i < FC_PERIOD; i++) {
		l0 += y[i];
		l1 += y[i + FC_PERIOD];
	}
	l0 /= FC_PERIOD;
	l1 /= FC_PERIOD;
	tr0 = (l1 - l0) / FC_PERIOD;
	for (k = 0; k < LANES; k++) {
		int from = k < np ? k : 0;  /* idle lanes repeat the first */

		a[k] = abg[from][0];
		b[k] = abg[from][1];
		g[k] = abg[from][2];
		tr[k] = tr0;
		lv[k] = l0 + (FC_PERIOD - 1) / 2.0 * tr0;
		e2[k] = 0;
		for (i = 0; i < FC_PERIOD; i++)
			s[i][k] = y[i] - l0;
	}
	for (t = FC_PERIOD, si = 0; t < n; t++, si = si + 1 == FC_PERIOD ? 0 : si + 1) {
		for (k = 0; k < LANES; k++) {
			double e = y[t] - (lv[k] + tr[k] + s[si][k]), nl;

			e2[k] += e * e;
			nl = a[k] * (y[t] - s[si][k]) + (1 - a[k]) * (lv[k] + tr[k]);
			tr[k] = b[k] * (nl - lv[k]) + (1 - b[k]) * tr[k];
			s[si][k] = g[k] * (y[t] - nl) + (1 - g[k]) * s[si][k];
			lv[k] = nl;
		}
	}
	for (k = 0; k < np; k++)
		sse[k] = e2[k];
}

struct hw_ctx {
	const double *y;
	size_t n;
};

static void
hw_obj_lanes(const double (*x)[NM_MAXK], int np, void *ctx, double *out)
{
	const struct hw_ctx *c = ctx;
	int i;

	hw_pass_lanes(c->y, c->n, x, np, out);
	for (i = 0; i < np; i++)
		if (x[i][0] < 0 || x[i][0] > 1 || x[i][1] < 0 || x[i][1] > 1 || x[i][2] < 0 ||
		    x[i][2] > 1)
			out[i] = BIG;
}

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
	enum { NA = sizeof ga / sizeof ga[0], NB = sizeof gb / sizeof gb[0],
	    NG = sizeof gg / sizeof gg[0], NGRID = NA * NB * NG };
	struct hw_ctx c = { y, n };
	double best = BIG, x[3] = { 0.3, 0.05, 0.2 }, grid[NGRID][NM_MAXK], v[NGRID];
	size_t i;

	if (n < 2 * FC_PERIOD)
		return -1;
	/* the grid in its nested order, the first of equals kept */
	for (i = 0; i < NGRID; i++) {
		grid[i][0] = ga[i / (NB * NG)];
		grid[i][1] = gb[i / NG % NB];
		grid[i][2] = gg[i % NG];
	}
	for (i = 0; i < NGRID; i += LANES)
		hw_pass_lanes(y, n, (const double (*)[NM_MAXK])grid + i,
		    NGRID - i < LANES ? (int)(NGRID - i) : LANES, v + i);
	for (i = 0; i < NGRID; i++)
		if (v[i] < best) {
			best = v[i];
			memcpy(x, grid[i], sizeof x);
		}
	nm_min(hw_obj, hw_obj_lanes, &c, x, 3, step, 40);
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
		/* the upper triangle: x[i] * x[j] is x[j] * x[i] to the bit */
		for (i = 0; i < k; i++) {
			for (j = i; j < k; j++)
				a[i * k + j] += x[i] * x[j];
			beta[i] += x[i] * w[t];
		}
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < i; j++)
			a[i * k + j] = a[j * k + i];
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

/* css (without residuals) for np <= LANES models side by side, each lane exactly css's
 * arithmetic. */
static void
css_lanes(const struct fc_arima *const *m, int np, const double *w, size_t nw,
    size_t start, double *out)
{
	double a1[LANES], a2[LANES], b1[LANES], b2[LANES], c[LANES], e1[LANES], e2[LANES],
	    sse[LANES];
	size_t t;
	int k;

	for (k = 0; k < LANES; k++) {
		const struct fc_arima *mk = m[k < np ? k : 0];

		a1[k] = mk->p > 0 ? mk->phi[0] : 0;
		a2[k] = mk->p > 1 ? mk->phi[1] : 0;
		b1[k] = mk->q > 0 ? mk->theta[0] : 0;
		b2[k] = mk->q > 1 ? mk->theta[1] : 0;
		c[k] = mk->c;
		e1[k] = e2[k] = sse[k] = 0;
	}
	for (t = start; t < nw; t++) {
		for (k = 0; k < LANES; k++) {
			double v = w[t] - c[k] - a1[k] * w[t - 1] - a2[k] * w[t - 2] -
			    b1[k] * e1[k] - b2[k] * e2[k];

			e2[k] = e1[k];
			e1[k] = v;
			sse[k] += v * v;
		}
	}
	for (k = 0; k < np; k++)
		out[k] = sse[k];
}

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

/* A fit of one order under way: its start, and its Nelder-Mead when it has MA terms. */
struct arima_fit {
	struct fc_arima m;
	double x[NM_MAXK], step[NM_MAXK];
	int k;
	struct nm nm;
};

/* The start of orders (p, d, q) on the differenced series w; ehat: the long AR's
 * residuals (for the MA start), or NULL; e: scratch of nw. With MA terms f->x and
 * f->step are Nelder-Mead's start. */
static void
arima_prep(const double *w, size_t nw, int p, int d, int q, const double *ehat,
    double *e, struct arima_fit *f)
{
	size_t start = (size_t)(ARIMA_START - d);
	double beta[OLS_MAXK], *x = f->x, *step = f->step;
	struct fc_arima *m = &f->m;
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
	f->k = k;
	if (q > 0) {
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
	}
}

/* The end of a fit: Nelder-Mead's best point (MA terms), the residuals into e, AIC. */
static void
arima_done(const double *w, size_t nw, double *e, struct arima_fit *f)
{
	struct fc_arima *m = &f->m;
	size_t start = (size_t)(ARIMA_START - m->d);

	if (m->q > 0) {
		nm_best(&f->nm, f->x);
		unpack(m, f->x);
		if (!arma_ok(m))
			memset(m->theta, 0, sizeof m->theta);
	}
	m->sse = css(m, w, nw, start, e);
	m->neff = nw - start;
	m->aic = (double)m->neff * log(m->sse / (double)m->neff + 1e-12) +
	    2.0 * (f->k + 1);
}

/*
 * Fit the n orders f[0..n) (all of the same d) on w at once: their Nelder-Mead runs
 * step together and the points they want are evaluated LANES at a time (css_lanes), so
 * that each fit sees exactly the values it would alone.
 */
static void
arima_fit_all(const double *w, size_t nw, const double *ehat, double *e,
    const int (*order)[3], int n, struct arima_fit *f)
{
	const struct fc_arima *run[LANES];
	struct fc_arima cand[LANES];
	double *slot[LANES], v[LANES], vals[9][NM_MAXK + 1];
	int i, j, nrun, active;
	size_t start;

	assert(n <= 9);
	for (i = 0; i < n; i++) {
		arima_prep(w, nw, order[i][0], order[i][1], order[i][2], ehat, e, &f[i]);
		if (f[i].m.q > 0)
			nm_start(&f[i].nm, f[i].x, f[i].k, f[i].step, 15 + 5 * f[i].k);
		else
			f[i].nm.nwant = 0;
	}
	start = n > 0 ? (size_t)(ARIMA_START - f[0].m.d) : 0;
	for (;;) {
		active = 0;
		nrun = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; j < f[i].nm.nwant; j++) {
				struct fc_arima *c = &cand[nrun];

				active = 1;
				*c = f[i].m;
				unpack(c, f[i].nm.want[j]);
				if (!arma_ok(c)) {
					vals[i][j] = BIG;
					continue;
				}
				run[nrun] = c;
				slot[nrun++] = &vals[i][j];
				if (nrun == LANES) {
					css_lanes(run, nrun, w, nw, start, v);
					while (nrun-- > 0)
						*slot[nrun] = v[nrun];
					nrun = 0;
				}
			}
		}
		if (nrun == 1)
			*slot[0] = css(run[0], w, nw, start, NULL);
		else if (nrun > 1) {
			css_lanes(run, nrun, w, nw, start, v);
			while (nrun-- > 0)
				*slot[nrun] = v[nrun];
		}
		if (!active)
			break;
		for (i = 0; i < n; i++)
			if (f[i].nm.nwant > 0)
				nm_feed(&f[i].nm, vals[i]);
	}
	for (i = 0; i < n; i++)
		arima_done(w, nw, e, &f[i]);
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
	{
		const int order[1][3] = { { p, d, q } };
		struct arima_fit f;

		arima_fit_all(w, nw, eh, e, order, 1, &f);
		*m = f.m;
	}
	free(w);
	return 0;
}

int
fc_arima_select(const double *y, size_t n, struct fc_arima *m)
{
	double *w, *e, *eh, beta[OLS_MAXK];
	struct arima_fit fits[9];
	int order[9][3];
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
				order[p * 3 + q][0] = p;
				order[p * 3 + q][1] = d;
				order[p * 3 + q][2] = q;
			}
		arima_fit_all(w, nw, haveh ? eh : NULL, e, (const int (*)[3])order, 9, fits);
		for (i = 0; i < 9; i++) {
			if (!have || fits[i].m.aic < m->aic) {
				*m = fits[i].m;
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

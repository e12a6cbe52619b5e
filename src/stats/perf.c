/* perf.c -- performance statistics of equity curves, returns and trades.
 *
 * Everything a backtest report prints about risk and return, each defined
 * once in docs/statistics.md and computed here the plain way: two passes
 * over the data for the moments (the mean first, then the central sums,
 * which is exact enough for returns of a few percent and needs no
 * compensated update), one pass for drawdowns, a sorted copy for the
 * historical quantile. The functions check every input before they write an
 * output, so an error leaves the caller's struct as it was, except for the
 * "empty" answers, which fill it with NaN so that a report can print it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/stats.h"

static int all_finite(size_t n, const double *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static int all_positive(size_t n, const double *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || x[i] <= 0)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------------
 * Moments
 * ------------------------------------------------------------------------ */

static void moments_nan(kr_moments *m)
{
    m->n = 0;
    m->mean = m->std = m->skew = m->kurt = m->sharpe = NAN;
}

int kr_moments_compute(size_t n, const double *r, kr_moments *out)
{
    if (n == 0) {
        moments_nan(out);
        return KR_EEMPTY;
    }
    if (!all_finite(n, r))
        return KR_EINVAL;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += r[i];
    double mean = sum / (double)n;
    double s2 = 0, s3 = 0, s4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = r[i] - mean;
        double d2 = d * d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    double m2 = s2 / (double)n, m3 = s3 / (double)n, m4 = s4 / (double)n;
    out->n = n;
    out->mean = mean;
    out->std = n >= 2 ? sqrt(s2 / (double)(n - 1)) : NAN;
    out->skew = m2 > 0 ? m3 / (m2 * sqrt(m2)) : NAN;
    out->kurt = m2 > 0 ? m4 / (m2 * m2) : NAN;
    out->sharpe = out->std > 0 ? mean / out->std : NAN;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Drawdown
 * ------------------------------------------------------------------------ */

int kr_drawdown(size_t n, const double *equity, double *max_dd,
                size_t *duration)
{
    if (n == 0)
        return KR_EEMPTY;
    if (!all_positive(n, equity))
        return KR_EINVAL;
    double peak = equity[0], worst = 0;
    size_t peak_at = 0, longest = 0;
    for (size_t i = 1; i < n; i++) {
        if (equity[i] >= peak) {
            /* A new peak ends any stretch under water at this bar. */
            if (i - peak_at > 1 && i - peak_at > longest)
                longest = i - peak_at;
            peak = equity[i];
            peak_at = i;
        } else {
            double dd = (peak - equity[i]) / peak;
            if (dd > worst)
                worst = dd;
            if (i - peak_at > longest)
                longest = i - peak_at;
        }
    }
    if (max_dd)
        *max_dd = worst;
    if (duration)
        *duration = longest;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Historical VaR and expected shortfall
 * ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rearranges x so that x[k] is the value a sort would put there, with
 * nothing greater before it and nothing smaller after it (quickselect,
 * median of three; a range that keeps failing to shrink is sorted, so the
 * worst case stays O(n log n)). */
static void select_nth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the answer is in [lo, hi) */
    int budget = 64;
    while (hi - lo > 16) {
        if (--budget == 0) {
            qsort(x + lo, hi - lo, sizeof *x, cmp_double);
            return;
        }
        size_t mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi - 1];
        double p = a < b ? (b < c ? b : (a < c ? c : a))
                         : (a < c ? a : (b < c ? c : b));
        /* Three-way partition: < p, == p, > p. */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (x[i] < p) {
                double t = x[lt];
                x[lt++] = x[i];
                x[i++] = t;
            } else if (x[i] > p) {
                double t = x[--gt];
                x[gt] = x[i];
                x[i] = t;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return; /* x[k] == p, in place */
    }
    qsort(x + lo, hi - lo, sizeof *x, cmp_double);
}

int kr_var_es(size_t n, const double *r, double tail, double *var,
              double *es)
{
    if (n == 0)
        return KR_EEMPTY;
    if (!(tail > 0 && tail < 1) || !all_finite(n, r))
        return KR_EINVAL;
    double *x = malloc(n * sizeof *x);
    if (!x)
        return KR_ENOMEM;
    memcpy(x, r, n * sizeof *x);
    double h = (double)(n - 1) * tail;
    size_t lo = (size_t)floor(h);
    /* Two order statistics, not a sort: select x[lo], then the smallest
     * of what lies above it is x[lo + 1]. */
    select_nth(x, n, lo);
    double q = x[lo];
    if (lo + 1 < n) {
        double next = x[lo + 1];
        for (size_t i = lo + 2; i < n; i++)
            if (x[i] < next)
                next = x[i];
        q += (h - (double)lo) * (next - x[lo]);
    }
    /* The returns at or below q, summed in ascending order as a sorted
     * prefix would be: those below x[lo] sit in x[0, lo), unordered, so
     * sort just that part (a tail of a few per cent). */
    qsort(x, lo, sizeof *x, cmp_double);
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i <= lo; i++, k++)
        sum += x[i];
    for (size_t i = lo + 1; i < n; i++)
        if (x[i] <= q) {
            sum += x[i];
            k++;
        }
    free(x);
    if (var)
        *var = -q;
    if (es)
        *es = -(sum / (double)k); /* k >= 1: x[0] <= q always */
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The report of one equity curve
 * ------------------------------------------------------------------------ */

static void perf_nan(kr_perf *p, size_t n, double ppy)
{
    p->bars = n;
    p->ppy = ppy;
    p->total_return = p->cagr = p->volatility = p->sharpe = NAN;
    p->sortino = p->calmar = p->max_dd = p->var95 = p->es95 = NAN;
    p->max_dd_duration = 0;
    moments_nan(&p->moments);
}

int kr_perf_compute(size_t n, const double *equity, double ppy,
                    kr_perf *out)
{
    if (!(ppy > 0) || !isfinite(ppy))
        return KR_EINVAL;
    if (n < 2) {
        perf_nan(out, n, ppy);
        return KR_EEMPTY;
    }
    if (!all_positive(n, equity))
        return KR_EINVAL;
    double *r = malloc((n - 1) * sizeof *r);
    if (!r)
        return KR_ENOMEM;
    kr_perf p;
    perf_nan(&p, n, ppy);
    int rc = kr_returns(n, equity, r);
    if (rc)
        goto done;
    size_t m = n - 1;
    if ((rc = kr_moments_compute(m, r, &p.moments)))
        goto done;
    if ((rc = kr_drawdown(n, equity, &p.max_dd, &p.max_dd_duration)))
        goto done;
    if ((rc = kr_var_es(m, r, 0.05, &p.var95, &p.es95)))
        goto done;
    double down = 0;
    for (size_t i = 0; i < m; i++)
        if (r[i] < 0)
            down += r[i] * r[i];
    down = sqrt(down / (double)m);
    double ann = sqrt(ppy);
    double growth = equity[n - 1] / equity[0];
    p.total_return = growth - 1.0;
    p.cagr = pow(growth, ppy / (double)m) - 1.0;
    p.volatility = p.moments.std * ann;
    p.sharpe = p.moments.sharpe * ann;
    p.sortino = down > 0 ? p.moments.mean / down * ann : NAN;
    p.calmar = p.max_dd > 0 ? p.cagr / p.max_dd : NAN;
    *out = p;
done:
    free(r);
    return rc;
}

/* ------------------------------------------------------------------------
 * Trades, exposure and turnover
 * ------------------------------------------------------------------------ */

int kr_trade_stats_compute(size_t n, const double *pnl, kr_trade_stats *out)
{
    if (n == 0) {
        memset(out, 0, sizeof *out);
        out->win_rate = out->gross_profit = out->gross_loss = NAN;
        out->profit_factor = out->expectancy = NAN;
        out->avg_win = out->avg_loss = NAN;
        return KR_EEMPTY;
    }
    if (!all_finite(n, pnl))
        return KR_EINVAL;
    kr_trade_stats t = {0};
    double win = 0, loss = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += pnl[i];
        if (pnl[i] > 0) {
            t.wins++;
            win += pnl[i];
        } else if (pnl[i] < 0) {
            t.losses++;
            loss -= pnl[i];
        }
    }
    t.trades = n;
    t.win_rate = (double)t.wins / (double)n;
    t.gross_profit = win;
    t.gross_loss = loss;
    if (loss > 0)
        t.profit_factor = win / loss;
    else
        t.profit_factor = win > 0 ? INFINITY : NAN;
    t.expectancy = sum / (double)n;
    t.avg_win = t.wins ? win / (double)t.wins : NAN;
    t.avg_loss = t.losses ? -loss / (double)t.losses : NAN;
    *out = t;
    return KR_OK;
}

int kr_exposure(size_t n, const double *position, double *out)
{
    if (n == 0)
        return KR_EEMPTY;
    size_t in = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(position[i]))
            return KR_EINVAL;
        if (position[i] != 0)
            in++;
    }
    *out = (double)in / (double)n;
    return KR_OK;
}

int kr_turnover(size_t n, const double *traded, const double *equity,
                double ppy, double *out)
{
    if (n == 0)
        return KR_EEMPTY;
    if (!all_finite(n, traded) || !all_positive(n, equity) || !(ppy >= 0) ||
        !isfinite(ppy))
        return KR_EINVAL;
    double vol = 0, eq = 0;
    for (size_t i = 0; i < n; i++) {
        vol += fabs(traded[i]);
        eq += equity[i];
    }
    double total = vol / (eq / (double)n);
    *out = ppy > 0 ? total * ppy / (double)n : total;
    return KR_OK;
}

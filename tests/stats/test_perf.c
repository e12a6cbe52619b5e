/* test_perf.c -- tests of src/stats/perf.c: moments, drawdowns, VaR/ES, the
 * equity report, trade statistics, exposure and turnover.
 *
 * Every known answer is small enough to check by hand; the arithmetic is in
 * the comments. The main curve is 100, 110, 99, 108.9, whose returns are
 * +10%, -10%, +10%: with 3 bars a year (so that years = 3/3 = 1) it gives
 * round numbers for every annualised statistic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/stats.h"

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g (tol %g)", got, want, tol);
}

static const double curve[] = {100, 110, 99, 108.9};

/* ------------------------------------------------------------------------
 * Moments
 * ------------------------------------------------------------------------ */

static void test_moments_known(void **state)
{
    (void)state;
    /* r = 0.1, -0.1, 0.1. mean = 0.1/3. Deviations 0.2/3, -0.4/3, 0.2/3;
     * squares sum to (0.04 + 0.16 + 0.04)/9 = 0.24/9, sample variance
     * 0.12/9, std = sqrt(0.12)/3 = 0.115470. Sharpe = (0.1/3) / (sqrt(0.12)/3)
     * = 0.1/sqrt(0.12) = 1/(2 sqrt 3) = 0.288675.
     * m2 = 0.08/9, m3 = (0.008 - 0.064 + 0.008)/27/3 = -0.048/81,
     * skew = m3 / m2^1.5 = (-0.048/81) / (0.08^1.5/27) = -0.048/(3*0.0226274)
     * = -0.707107 = -1/sqrt 2.
     * m4 = (0.0016 + 0.0256 + 0.0016)/81/3 = 0.0288/243, m2^2 = 0.0064/81,
     * kurt = 0.0288/(3*0.0064) = 1.5. */
    const double r[] = {0.1, -0.1, 0.1};
    kr_moments m;
    assert_int_equal(kr_moments_compute(3, r, &m), KR_OK);
    assert_int_equal(m.n, 3);
    near(m.mean, 0.1 / 3, 1e-15);
    near(m.std, sqrt(0.12) / 3, 1e-15);
    near(m.sharpe, 1 / (2 * sqrt(3)), 1e-14);
    near(m.skew, -1 / sqrt(2), 1e-13);
    near(m.kurt, 1.5, 1e-13);
}

static void test_moments_degenerate(void **state)
{
    (void)state;
    kr_moments m;
    const double one[] = {0.02};
    const double flat[] = {0.01, 0.01, 0.01};
    const double bad[] = {0.01, INFINITY};
    /* One return: a mean, no standard deviation. */
    assert_int_equal(kr_moments_compute(1, one, &m), KR_OK);
    near(m.mean, 0.02, 0);
    assert_true(isnan(m.std) && isnan(m.sharpe) && isnan(m.skew) &&
                isnan(m.kurt));
    /* Zero dispersion: std 0, the ratios NaN. */
    assert_int_equal(kr_moments_compute(3, flat, &m), KR_OK);
    near(m.std, 0, 0);
    assert_true(isnan(m.sharpe) && isnan(m.skew) && isnan(m.kurt));
    assert_int_equal(kr_moments_compute(0, one, &m), KR_EEMPTY);
    assert_true(isnan(m.mean) && m.n == 0);
    assert_int_equal(kr_moments_compute(2, bad, &m), KR_EINVAL);
}

/* ------------------------------------------------------------------------
 * Drawdown
 * ------------------------------------------------------------------------ */

static void dd(size_t n, const double *e, double want_dd, size_t want_dur)
{
    double got = -1;
    size_t dur = 999;
    assert_int_equal(kr_drawdown(n, e, &got, &dur), KR_OK);
    near(got, want_dd, 1e-15);
    assert_int_equal(dur, want_dur);
}

static void test_drawdown(void **state)
{
    (void)state;
    /* Peak 110 at bar 1, trough 99: (110 - 99)/110 = 0.1. Never recovered:
     * bar 1 to the last bar 3 is 2 bars. */
    dd(4, curve, 0.1, 2);
    /* Recovered: peak 100 at bar 0, back to 100 at bar 3: 3 bars; the
     * depth is 10/100. Reaching the old peak exactly counts as recovery. */
    const double rec[] = {100, 90, 95, 100, 101};
    dd(5, rec, 0.1, 3);
    /* Two drawdowns, the first deeper and longer: 100 -> 80 (0.2) back at
     * bar 4 (4 bars), then 100 -> 95 (0.05) back at bar 6 (2 bars). */
    const double two[] = {100, 80, 85, 90, 100, 95, 110};
    dd(7, two, 0.2, 4);
    /* The longest one never recovers: 100 -> 99 back at bar 2 (2 bars),
     * then peak 101 at bar 2 to the end at bar 5 (3 bars), deepest
     * (101 - 98)/101. */
    const double open[] = {100, 99, 101, 100, 99, 98};
    dd(6, open, 3.0 / 101, 3);
    /* A curve that never falls, and a single value. */
    const double up[] = {100, 100, 101, 102};
    dd(4, up, 0, 0);
    dd(1, up, 0, 0);
    const double bad[] = {100, -1};
    assert_int_equal(kr_drawdown(2, bad, NULL, NULL), KR_EINVAL);
    assert_int_equal(kr_drawdown(0, bad, NULL, NULL), KR_EEMPTY);
}

/* ------------------------------------------------------------------------
 * VaR and ES
 * ------------------------------------------------------------------------ */

/* kr_var_es selects two order statistics instead of sorting: against a
 * plain sort-based reference (type 7 quantile, mean of the sorted prefix at
 * or below it), bit for bit, on random series with many ties, sorted and
 * reversed series, and every size from 1 to 300. */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void ref_var_es(size_t n, const double *r, double tail, double *var,
                       double *es)
{
    double *x = malloc(n * sizeof *x);
    memcpy(x, r, n * sizeof *x);
    qsort(x, n, sizeof *x, cmp_d);
    double h = (double)(n - 1) * tail;
    size_t lo = (size_t)floor(h);
    double q = x[lo];
    if (lo + 1 < n)
        q += (h - (double)lo) * (x[lo + 1] - x[lo]);
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n && x[i] <= q; i++, k++)
        sum += x[i];
    *var = -q;
    *es = -(sum / (double)k);
    free(x);
}

static void test_var_es_selection(void **state)
{
    (void)state;
    uint64_t u = 7;
    double *r = malloc(5000 * sizeof *r);
    for (int trial = 0; trial < 600; trial++) {
        size_t n = trial < 300 ? (size_t)trial + 1 : 1000 + (size_t)trial * 6;
        for (size_t i = 0; i < n; i++) {
            u ^= u << 13;
            u ^= u >> 7;
            u ^= u << 17;
            /* Few distinct values every third trial: many ties. */
            double v = trial % 3 == 0 ? (double)(u % 7) / 100 - 0.03
                                      : ((double)(u >> 11) / 9007199254740992.0 - 0.5) * 0.1;
            r[i] = v;
        }
        if (trial % 5 == 1)
            qsort(r, n, sizeof *r, cmp_d);
        if (trial % 5 == 2)
            for (size_t i = 0; i < n / 2; i++) {
                double t = r[i];
                r[i] = r[n - 1 - i];
                r[n - 1 - i] = t;
            }
        for (int t = 0; t < 3; t++) {
            double tail = t == 0 ? 0.05 : t == 1 ? 0.01 : 0.5;
            double v, e, rv, re;
            assert_int_equal(kr_var_es(n, r, tail, &v, &e), KR_OK);
            ref_var_es(n, r, tail, &rv, &re);
            assert_true(v == rv);
            assert_true(e == re);
        }
    }
    free(r);
}

static void test_var_es(void **state)
{
    (void)state;
    /* 20 returns in percent; sorted: -5 -4 -3 -2 -2 -1 -1 0 0 1 1 1 1 2 2 2
     * 3 3 4 5. At tail 0.05, h = 19 * 0.05 = 0.95, so q = x0 + 0.95 (x1 -
     * x0) = -5 + 0.95 = -4.05%: VaR95 = 0.0405. Only -5% is <= q, so ES95 =
     * 0.05. At tail 0.10, h = 1.9: q = -4 + 0.9 = -3.1%, VaR90 = 0.031, ES90
     * = mean(5, 4)% = 0.045. (numpy.percentile(r, 5) agrees: type 7.) */
    const double r[20] = {0.01,  -0.02, 0.03,  -0.05, 0.00, 0.02,  -0.01,
                          0.04,  -0.03, 0.01,  0.02,  -0.04, 0.05, 0.00,
                          0.01,  -0.01, 0.03,  0.02,  -0.02, 0.01};
    double var = 0, es = 0;
    assert_int_equal(kr_var_es(20, r, 0.05, &var, &es), KR_OK);
    near(var, 0.0405, 1e-15);
    near(es, 0.05, 1e-15);
    assert_int_equal(kr_var_es(20, r, 0.10, &var, &es), KR_OK);
    near(var, 0.031, 1e-15);
    near(es, 0.045, 1e-15);
    /* The input is not reordered. */
    near(r[0], 0.01, 0);
    near(r[3], -0.05, 0);
    /* One return: it is the quantile. */
    assert_int_equal(kr_var_es(1, r + 3, 0.05, &var, &es), KR_OK);
    near(var, 0.05, 0);
    near(es, 0.05, 0);
    assert_int_equal(kr_var_es(0, r, 0.05, &var, &es), KR_EEMPTY);
    assert_int_equal(kr_var_es(20, r, 0, &var, &es), KR_EINVAL);
    assert_int_equal(kr_var_es(20, r, 1, &var, &es), KR_EINVAL);
    assert_int_equal(kr_var_es(20, r, NAN, &var, &es), KR_EINVAL);
}

/* ------------------------------------------------------------------------
 * The equity report
 * ------------------------------------------------------------------------ */

static void test_perf_known(void **state)
{
    (void)state;
    kr_perf p;
    /* ppy 3: years = (4 - 1)/3 = 1. */
    assert_int_equal(kr_perf_compute(4, curve, 3, &p), KR_OK);
    assert_int_equal(p.bars, 4);
    near(p.ppy, 3, 0);
    /* 108.9/100 - 1 = 0.089, and over one year CAGR is the same. */
    near(p.total_return, 0.089, 1e-14);
    near(p.cagr, 0.089, 1e-14);
    /* std sqrt(0.12)/3 * sqrt 3 = sqrt(0.04) = 0.2. */
    near(p.volatility, 0.2, 1e-14);
    /* 1/(2 sqrt 3) * sqrt 3 = 0.5. */
    near(p.sharpe, 0.5, 1e-14);
    /* Downside: sqrt((0 + 0.01 + 0)/3) = 0.1/sqrt 3; mean / it =
     * (0.1/3) * sqrt(3)/0.1 = 1/sqrt 3; times sqrt 3 = 1. */
    near(p.sortino, 1.0, 1e-14);
    /* 0.089 / 0.1. */
    near(p.calmar, 0.89, 1e-13);
    near(p.max_dd, 0.1, 1e-15);
    assert_int_equal(p.max_dd_duration, 2);
    /* Sorted returns -0.1, 0.1, 0.1: h = 2 * 0.05 = 0.1, q = -0.1 + 0.1 *
     * 0.2 = -0.08; ES is the -0.1 alone. */
    near(p.var95, 0.08, 1e-15);
    near(p.es95, 0.1, 1e-15);
    near(p.moments.kurt, 1.5, 1e-13);

    /* With 252 bars a year the ratios scale by sqrt(252/3) and CAGR
     * compounds 84 times: 1.089^84 - 1. */
    assert_int_equal(kr_perf_compute(4, curve, 252, &p), KR_OK);
    near(p.sharpe, 0.5 * sqrt(84), 1e-13);
    near(p.sortino, sqrt(84), 1e-13);
    near(p.cagr, pow(1.089, 84) - 1, 1e-9);
}

static void test_perf_degenerate(void **state)
{
    (void)state;
    kr_perf p;
    const double one[] = {100};
    const double flat[] = {100, 100, 100};
    const double up[] = {100, 101, 102.01};
    const double bad[] = {100, 0};
    assert_int_equal(kr_perf_compute(1, one, 252, &p), KR_EEMPTY);
    assert_int_equal(p.bars, 1);
    assert_true(isnan(p.sharpe) && isnan(p.total_return) && isnan(p.max_dd));
    assert_int_equal(kr_perf_compute(0, NULL, 252, &p), KR_EEMPTY);
    /* Flat: returns 0, std 0, no drawdown: the ratios are NaN. */
    assert_int_equal(kr_perf_compute(3, flat, 252, &p), KR_OK);
    near(p.total_return, 0, 0);
    near(p.volatility, 0, 0);
    near(p.var95, 0, 0);
    assert_true(isnan(p.sharpe) && isnan(p.sortino) && isnan(p.calmar));
    /* Two +1% bars: std 0 again, no losing bar, no drawdown. */
    assert_int_equal(kr_perf_compute(3, up, 252, &p), KR_OK);
    near(p.total_return, 0.0201, 1e-15);
    assert_true(isnan(p.sortino) && isnan(p.calmar));
    /* Two equity values: one return, no std. */
    assert_int_equal(kr_perf_compute(2, up, 252, &p), KR_OK);
    assert_true(isnan(p.sharpe) && isnan(p.volatility));
    assert_int_equal(kr_perf_compute(2, bad, 252, &p), KR_EINVAL);
    assert_int_equal(kr_perf_compute(3, up, 0, &p), KR_EINVAL);
    assert_int_equal(kr_perf_compute(3, up, NAN, &p), KR_EINVAL);
}

/* ------------------------------------------------------------------------
 * Trades, exposure, turnover
 * ------------------------------------------------------------------------ */

static void test_trades(void **state)
{
    (void)state;
    kr_trade_stats t;
    /* Wins 100 and 200 (gross 300), losses -50 and -150 (gross 200), one
     * flat trade: win rate 2/5, profit factor 300/200 = 1.5, expectancy
     * (100 - 50 + 0 + 200 - 150)/5 = 20, average win 150, loss -100. */
    const double pnl[] = {100, -50, 0, 200, -150};
    assert_int_equal(kr_trade_stats_compute(5, pnl, &t), KR_OK);
    assert_int_equal(t.trades, 5);
    assert_int_equal(t.wins, 2);
    assert_int_equal(t.losses, 2);
    near(t.win_rate, 0.4, 0);
    near(t.gross_profit, 300, 0);
    near(t.gross_loss, 200, 0);
    near(t.profit_factor, 1.5, 0);
    near(t.expectancy, 20, 0);
    near(t.avg_win, 150, 0);
    near(t.avg_loss, -100, 0);
    /* No losing trade: the profit factor is infinite. */
    const double wins[] = {10, 0};
    assert_int_equal(kr_trade_stats_compute(2, wins, &t), KR_OK);
    assert_true(isinf(t.profit_factor) && t.profit_factor > 0);
    assert_true(isnan(t.avg_loss));
    /* Nothing won or lost: NaN. */
    const double zero[] = {0, 0};
    assert_int_equal(kr_trade_stats_compute(2, zero, &t), KR_OK);
    assert_true(isnan(t.profit_factor) && isnan(t.avg_win));
    near(t.win_rate, 0, 0);
    /* All losses: profit factor 0. */
    const double losses[] = {-1, -3};
    assert_int_equal(kr_trade_stats_compute(2, losses, &t), KR_OK);
    near(t.profit_factor, 0, 0);
    near(t.avg_loss, -2, 0);
    assert_int_equal(kr_trade_stats_compute(0, pnl, &t), KR_EEMPTY);
    assert_true(t.trades == 0 && isnan(t.expectancy));
    const double bad[] = {1, NAN};
    assert_int_equal(kr_trade_stats_compute(2, bad, &t), KR_EINVAL);
}

static void test_exposure_turnover(void **state)
{
    (void)state;
    double x = -1;
    /* Two of four bars hold a position (long or short). */
    const double pos[] = {0, 1, -2, 0};
    assert_int_equal(kr_exposure(4, pos, &x), KR_OK);
    near(x, 0.5, 0);
    const double nanpos[] = {0, NAN};
    assert_int_equal(kr_exposure(2, nanpos, &x), KR_EINVAL);
    assert_int_equal(kr_exposure(0, pos, &x), KR_EEMPTY);
    /* Traded |1000| + |-500| + |500| = 2000 over a mean equity of 10000:
     * 0.2 over the 4 bars; annualised at 252 bars a year 0.2 * 252/4 =
     * 12.6 times a year. */
    const double traded[] = {1000, 0, -500, 500};
    const double eq[] = {9000, 10000, 11000, 10000};
    assert_int_equal(kr_turnover(4, traded, eq, 0, &x), KR_OK);
    near(x, 0.2, 1e-15);
    assert_int_equal(kr_turnover(4, traded, eq, 252, &x), KR_OK);
    near(x, 12.6, 1e-13);
    const double eqbad[] = {9000, 0, 1, 1};
    assert_int_equal(kr_turnover(4, traded, eqbad, 0, &x), KR_EINVAL);
    assert_int_equal(kr_turnover(4, traded, eq, -1, &x), KR_EINVAL);
    assert_int_equal(kr_turnover(0, traded, eq, 0, &x), KR_EEMPTY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_known),
        cmocka_unit_test(test_moments_degenerate),
        cmocka_unit_test(test_drawdown),
        cmocka_unit_test(test_var_es),
        cmocka_unit_test(test_var_es_selection),
        cmocka_unit_test(test_perf_known),
        cmocka_unit_test(test_perf_degenerate),
        cmocka_unit_test(test_trades),
        cmocka_unit_test(test_exposure_turnover),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_metrics.c -- tests of src/engine/metrics.c: the run's statistics and
 * their name table.
 *
 * The run is made by hand: a 12-point equity curve at 252 bars a year,
 * gross exposure and traded notional per point, five trades (one still
 * open, one closed flat) and the account's costs. Every metric is checked
 * against a value this file computes on its own from the textbook formula
 * (the sample standard deviation with n - 1, the plain moment ratios, Phi
 * through erfc, ...) or by hand in a comment, never by calling the stats
 * function that metrics.c calls.
 *
 * The curve, and what can be read off it by eye:
 *
 *   i   0       1       2       3       4       5      6       7       8       9       10      11
 *   E   100000  101000  100500  102000  101000  99000  100000  103000  102500  104000  103500  105000
 *
 *   - peaks at 1, 3, 7, 9, 11; the deepest fall is from 102000 (bar 3) to
 *     99000 (bar 5): 3000/102000 = 1/34 = 0.0294118;
 *   - the longest stretch under water runs from the peak at bar 3 to bar 7,
 *     which first tops it: 4 bars;
 *   - the two worst returns are bar 5, 99000/101000 - 1 = -2/101, and bar
 *     4, 101000/102000 - 1 = -1/102. With 11 returns the 5% quantile sits at
 *     h = 10 x 0.05 = 0.5, halfway between them: VaR95 = (2/101 + 1/102)/2
 *     = 0.0148029, and only the worst return lies at or below it: ES95 =
 *     2/101 = 0.0198020.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "kairos/engine.h"

#define NPTS 12
#define PPY 252.0

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g (tol %g)", got, want, tol);
}

static const double equity[NPTS] = {100000, 101000, 100500, 102000,
                                    101000, 99000,  100000, 103000,
                                    102500, 104000, 103500, 105000};
/* Non-zero at 7 of the 12 points. */
static const double gross[NPTS] = {0,     50000, 50000, 0,     0,     60000,
                                   60000, 60000, 0,     40000, 40000, 0};
/* Sum of |traded| = 50000 + 50000 + 60000 + 60000 + 40000 + 40000 =
 * 300000. */
static const double traded[NPTS] = {0, 50000, 0,     50000, 0, 60000,
                                    0, 0,     60000, 40000, 0, 40000};
static kr_ts ts[NPTS];

/* Closed: +1500, -1000, +500, 0. Open (valued at the last close, not a
 * result yet): +999. */
static kr_trade trades[5];

static void make_run(kr_backtest *bt)
{
    memset(bt, 0, sizeof *bt);
    for (int i = 0; i < NPTS; i++)
        ts[i] = (kr_ts)(i + 1) * 86400 * INT64_C(1000000000);
    const double pnl[5] = {1500, -1000, 999, 500, 0};
    for (int i = 0; i < 5; i++) {
        memset(&trades[i], 0, sizeof trades[i]);
        trades[i].side = KR_BUY;
        trades[i].entry_ts = ts[2 * i];
        trades[i].exit_ts = ts[2 * i + 1];
        trades[i].pnl = pnl[i];
    }
    trades[2].exit_ts = KR_TS_NONE;
    bt->npoints = NPTS;
    bt->ts = ts;
    bt->equity = (double *)equity;
    bt->gross = (double *)gross;
    bt->traded = (double *)traded;
    bt->trades = trades;
    bt->ntrades = 5;
    bt->pf.ccy_precision = 2;
    bt->pf.costs = 12345; /* 123.45 in money */
    bt->ppy = PPY;
}

/* The reference statistics of the curve, written out. */
typedef struct ref {
    double r[NPTS - 1];
    double mean, sd, skew, kurt, sr_bar;
} ref;

static void reference(ref *f)
{
    const int m = NPTS - 1;
    double sum = 0;
    for (int i = 0; i < m; i++) {
        f->r[i] = equity[i + 1] / equity[i] - 1;
        sum += f->r[i];
    }
    f->mean = sum / m;
    double ss = 0, s3 = 0, s4 = 0;
    for (int i = 0; i < m; i++) {
        double d = f->r[i] - f->mean;
        ss += d * d;
        s3 += d * d * d;
        s4 += d * d * d * d;
    }
    f->sd = sqrt(ss / (m - 1));
    double m2 = ss / m;
    f->skew = (s3 / m) / pow(m2, 1.5);
    f->kurt = (s4 / m) / (m2 * m2);
    f->sr_bar = f->mean / f->sd;
}

static double phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* PSR of Bailey and Lopez de Prado (2012) from n returns, written out. */
static double psr_ref(const ref *f, double sr_star)
{
    double n = NPTS - 1;
    double rad = 1 - f->skew * f->sr_bar +
                 (f->kurt - 1) / 4 * f->sr_bar * f->sr_bar;
    return phi((f->sr_bar - sr_star) * sqrt(n - 1) / sqrt(rad));
}

static void test_every_metric(void **state)
{
    (void)state;
    kr_backtest bt;
    make_run(&bt);
    ref f;
    reference(&f);
    kr_bt_metrics m;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_OK);

    /* Returns and risk. years = 11/252. */
    double growth = 105000.0 / 100000.0;
    near(m.total_return, 0.05, 1e-15);
    double cagr = pow(growth, 252.0 / 11.0) - 1;
    near(m.cagr, cagr, 1e-12 * cagr);
    near(m.volatility, f.sd * sqrt(252.0), 1e-15);
    near(m.sharpe, f.mean / f.sd * sqrt(252.0), 1e-12);
    /* Sortino: the downside deviation over all 11 returns. */
    double down = 0;
    for (int i = 0; i < NPTS - 1; i++)
        if (f.r[i] < 0)
            down += f.r[i] * f.r[i];
    down = sqrt(down / (NPTS - 1));
    near(m.sortino, f.mean / down * sqrt(252.0), 1e-12);
    near(m.max_drawdown, 1.0 / 34.0, 1e-15);
    near(m.max_drawdown_duration, 4, 0);
    near(m.calmar, cagr * 34.0, 1e-12 * cagr * 34.0);
    near(m.var_95, (2.0 / 101 + 1.0 / 102) / 2, 1e-15);
    near(m.es_95, 2.0 / 101, 1e-15);
    near(m.skew, f.skew, 1e-12);
    near(m.kurtosis, f.kurt, 1e-12);
    near(m.sharpe_per_bar, f.sr_bar, 1e-14);

    /* Trades: the four closed ones only. 2 wins (1500, 500), 1 loss
     * (-1000), one flat: win rate 2/4, profit factor 2000/1000 = 2,
     * expectancy 1000/4 = 250, average win 1000, average loss -1000. */
    near(m.trades, 4, 0);
    near(m.win_rate, 0.5, 0);
    near(m.profit_factor, 2, 0);
    near(m.expectancy, 250, 0);
    near(m.avg_win, 1000, 0);
    near(m.avg_loss, -1000, 0);

    /* Exposure 7/12; turnover = 300000 / mean(E) x 252/12. */
    near(m.exposure, 7.0 / 12.0, 1e-15);
    double esum = 0;
    for (int i = 0; i < NPTS; i++)
        esum += equity[i];
    near(m.turnover, 300000.0 / (esum / NPTS) * 252.0 / NPTS, 1e-12);

    /* PSR against 0; one trial: DSR = PSR. */
    double psr = psr_ref(&f, 0);
    near(m.psr, psr, 1e-12);
    assert_true(m.psr > 0.5 && m.psr < 1);
    near(m.dsr, m.psr, 0);

    near(m.final_equity, 105000, 0);
    near(m.costs, 123.45, 1e-12);
    near(m.ppy, 252, 0);
    near(m.bars, 12, 0);
}

static void test_dsr_trials(void **state)
{
    (void)state;
    kr_backtest bt;
    make_run(&bt);
    ref f;
    reference(&f);
    /* Four trials, this run's per-bar Sharpe among them. V is their sample
     * variance; the expected maximum of N = 4 unskilled trials is
     * sqrt(V) ((1 - g) Phi^-1(1 - 1/4) + g Phi^-1(1 - 1/(4e))). */
    const double trials[4] = {f.sr_bar, 0.05, -0.02, 0.10};
    double tm = (trials[0] + trials[1] + trials[2] + trials[3]) / 4, v = 0;
    for (int i = 0; i < 4; i++)
        v += (trials[i] - tm) * (trials[i] - tm);
    v /= 3;
    const double g = 0.57721566490153286061;
    double q1 = gsl_cdf_ugaussian_Pinv(1 - 1.0 / 4);
    double q2 = gsl_cdf_ugaussian_Pinv(1 - 1 / (4 * exp(1.0)));
    double sr0 = sqrt(v) * ((1 - g) * q1 + g * q2);
    kr_bt_metrics m;
    assert_int_equal(kr_bt_metrics_compute(&bt, 4, trials, &m), KR_OK);
    near(m.dsr, psr_ref(&f, sr0), 1e-12);
    /* Deflation only lowers it: the benchmark is above 0. */
    assert_true(sr0 > 0);
    assert_true(m.dsr < m.psr);
    near(m.psr, psr_ref(&f, 0), 1e-12);
}

static void test_optional_columns(void **state)
{
    (void)state;
    kr_backtest bt;
    make_run(&bt);
    /* KR_RECORD_EQUITY: no gross, no traded, no trades. */
    bt.gross = NULL;
    bt.traded = NULL;
    bt.trades = NULL;
    bt.ntrades = 0;
    kr_bt_metrics m;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_OK);
    assert_true(isnan(m.exposure));
    assert_true(isnan(m.turnover));
    near(m.trades, 0, 0);
    assert_true(isnan(m.win_rate));
    assert_true(isnan(m.profit_factor));
    assert_true(isnan(m.expectancy));
    near(m.total_return, 0.05, 1e-15);

    /* Only open trades: none closed. */
    make_run(&bt);
    bt.trades = &trades[2];
    bt.ntrades = 1;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_OK);
    near(m.trades, 0, 0);
    assert_true(isnan(m.avg_win));

    /* Only winners: profit factor infinite. */
    make_run(&bt);
    bt.trades = &trades[0];
    bt.ntrades = 1;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_OK);
    assert_true(isinf(m.profit_factor) && m.profit_factor > 0);
    assert_true(isnan(m.avg_loss));
}

static void test_errors(void **state)
{
    (void)state;
    kr_backtest bt;
    kr_bt_metrics m;
    memset(&m, 0, sizeof m);
    m.sharpe = 42;

    make_run(&bt);
    bt.ppy = 0;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_EINVAL);
    bt.ppy = NAN;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_EINVAL);
    make_run(&bt);
    assert_int_equal(kr_bt_metrics_compute(&bt, 0, NULL, &m), KR_EINVAL);
    assert_int_equal(kr_bt_metrics_compute(&bt, 3, NULL, &m), KR_EINVAL);
    const double bad_trials[2] = {0.1, NAN};
    assert_int_equal(kr_bt_metrics_compute(&bt, 2, bad_trials, &m),
                     KR_EINVAL);
    assert_int_equal(kr_bt_metrics_compute(NULL, 1, NULL, &m), KR_EINVAL);
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, NULL), KR_EINVAL);
    /* An equity value <= 0 is no curve. */
    double neg[NPTS];
    memcpy(neg, equity, sizeof neg);
    neg[4] = -1;
    bt.equity = neg;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_EINVAL);
    /* A NaN in gross. */
    make_run(&bt);
    double g2[NPTS];
    memcpy(g2, gross, sizeof g2);
    g2[3] = NAN;
    bt.gross = g2;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_EINVAL);
    /* Errors leave the output alone. */
    near(m.sharpe, 42, 0);

    /* One point: KR_EEMPTY, every statistic NaN, the facts kept. */
    make_run(&bt);
    bt.npoints = 1;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_EEMPTY);
    assert_true(isnan(m.sharpe));
    assert_true(isnan(m.total_return));
    assert_true(isnan(m.final_equity));
    assert_true(isnan(m.trades));
    near(m.bars, 1, 0);
    near(m.ppy, 252, 0);
}

static void test_name_table(void **state)
{
    (void)state;
    /* The names of metrics.json, in their order. */
    static const char *const names[] = {
        "total_return", "cagr", "volatility", "sharpe", "sortino", "calmar",
        "max_drawdown", "max_drawdown_duration", "trades", "win_rate",
        "profit_factor", "expectancy", "avg_win", "avg_loss", "exposure",
        "turnover", "var_95", "es_95", "skew", "kurtosis", "psr", "dsr",
        "sharpe_per_bar", "final_equity", "costs", "periods_per_year",
        "bars"};
    const size_t n = sizeof names / sizeof names[0];
    assert_int_equal(kr_bt_metric_count(), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(kr_bt_metric_name(i), names[i]);
    assert_null(kr_bt_metric_name(n));

    /* Each name reads its own field: number the fields by name and read
     * them back by index. */
    kr_bt_metrics m;
    m.total_return = 1;
    m.cagr = 2;
    m.volatility = 3;
    m.sharpe = 4;
    m.sortino = 5;
    m.calmar = 6;
    m.max_drawdown = 7;
    m.max_drawdown_duration = 8;
    m.trades = 9;
    m.win_rate = 10;
    m.profit_factor = 11;
    m.expectancy = 12;
    m.avg_win = 13;
    m.avg_loss = 14;
    m.exposure = 15;
    m.turnover = 16;
    m.var_95 = 17;
    m.es_95 = 18;
    m.skew = 19;
    m.kurtosis = 20;
    m.psr = 21;
    m.dsr = 22;
    m.sharpe_per_bar = 23;
    m.final_equity = 24;
    m.costs = 25;
    m.ppy = 26;
    m.bars = 27;
    for (size_t i = 0; i < n; i++)
        near(kr_bt_metric_value(&m, i), (double)(i + 1), 0);
    assert_true(isnan(kr_bt_metric_value(&m, n)));
    assert_true(isnan(kr_bt_metric_value(NULL, 0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_metric),
        cmocka_unit_test(test_dsr_trials),
        cmocka_unit_test(test_optional_columns),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_name_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* metrics.c -- the statistics of a backtest run (metrics.json).
 *
 * A finished kr_backtest holds an equity curve, per-point gross exposure and
 * traded notional, the round-trip trades and the final account. This file
 * turns those into the run's statistics, and computes none of them itself:
 * every formula lives once in the stats domain (include/kairos/stats.h,
 * docs/statistics.md) and metrics.c only wires the columns of the run to
 * it. That keeps a Sharpe ratio in metrics.json the same number as the one
 * a research script gets from kr_perf_compute on the same curve.
 *
 * The metrics come in a family, so one static table is their source of
 * truth: each row names a metric as metrics.json spells it and gives the
 * offset of its double in kr_bt_metrics. Writers iterate the table through
 * kr_bt_metric_count/name/value, and a static assertion ties the table's
 * length to the struct's size, so that a field added to the struct without a
 * row (or the reverse) fails the build rather than a report.
 *
 * Computing the metrics allocates two scratch arrays (the per-point returns
 * and the closed trades' P&L) and frees them before returning: this runs
 * once per run, not on a hot path. Nothing is written to the caller's
 * struct until everything has been computed.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "kairos/engine.h"
#include "kairos/stats.h"

/* ------------------------------------------------------------------------
 * The name table
 * ------------------------------------------------------------------------ */

typedef struct metric_row {
    const char *name;
    size_t off;
} metric_row;

#define ROW(name, field) {name, offsetof(kr_bt_metrics, field)}

static const metric_row metric_table[] = {
    ROW("total_return", total_return),
    ROW("cagr", cagr),
    ROW("volatility", volatility),
    ROW("sharpe", sharpe),
    ROW("sortino", sortino),
    ROW("calmar", calmar),
    ROW("max_drawdown", max_drawdown),
    ROW("max_drawdown_duration", max_drawdown_duration),
    ROW("trades", trades),
    ROW("win_rate", win_rate),
    ROW("profit_factor", profit_factor),
    ROW("expectancy", expectancy),
    ROW("avg_win", avg_win),
    ROW("avg_loss", avg_loss),
    ROW("exposure", exposure),
    ROW("turnover", turnover),
    ROW("var_95", var_95),
    ROW("es_95", es_95),
    ROW("skew", skew),
    ROW("kurtosis", kurtosis),
    ROW("psr", psr),
    ROW("dsr", dsr),
    ROW("sharpe_per_bar", sharpe_per_bar),
    ROW("final_equity", final_equity),
    ROW("costs", costs),
    ROW("periods_per_year", ppy),
    ROW("bars", bars),
};

#undef ROW

#define METRIC_COUNT (sizeof metric_table / sizeof metric_table[0])

_Static_assert(METRIC_COUNT * sizeof(double) == sizeof(kr_bt_metrics),
               "every double of kr_bt_metrics needs a row in metric_table");

size_t kr_bt_metric_count(void)
{
    return METRIC_COUNT;
}

const char *kr_bt_metric_name(size_t i)
{
    return i < METRIC_COUNT ? metric_table[i].name : NULL;
}

double kr_bt_metric_value(const kr_bt_metrics *m, size_t i)
{
    if (!m || i >= METRIC_COUNT)
        return NAN;
    const double *v =
        (const double *)(const void *)((const char *)m + metric_table[i].off);
    return *v;
}

/* ------------------------------------------------------------------------
 * Computing them
 * ------------------------------------------------------------------------ */

/* Every metric NaN but the two facts of the run that need no statistics. */
static void metrics_nan(kr_bt_metrics *m, const kr_backtest *bt)
{
    for (size_t i = 0; i < METRIC_COUNT; i++)
        *(double *)(void *)((char *)m + metric_table[i].off) = NAN;
    m->ppy = bt->ppy;
    m->bars = (double)bt->npoints;
}

/* The trade statistics of the closed trades (exit_ts set); open trades are
 * valued at the last close and would mix marks into realized results.
 * No closed trade leaves the fields NaN and the count 0. */
static int trade_metrics(const kr_backtest *bt, kr_bt_metrics *m)
{
    size_t closed = 0;
    for (size_t i = 0; i < bt->ntrades; i++)
        if (bt->trades[i].exit_ts != KR_TS_NONE)
            closed++;
    m->trades = (double)closed;
    if (closed == 0)
        return KR_OK;
    double *pnl = malloc(closed * sizeof *pnl);
    if (!pnl)
        return KR_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < bt->ntrades; i++)
        if (bt->trades[i].exit_ts != KR_TS_NONE)
            pnl[k++] = bt->trades[i].pnl;
    kr_trade_stats t;
    int rc = kr_trade_stats_compute(closed, pnl, &t);
    free(pnl);
    if (rc)
        return rc;
    m->win_rate = t.win_rate;
    m->profit_factor = t.profit_factor;
    m->expectancy = t.expectancy;
    m->avg_win = t.avg_win;
    m->avg_loss = t.avg_loss;
    return KR_OK;
}

int kr_bt_metrics_compute(const kr_backtest *bt, size_t ntrials,
                          const double *trial_sharpes, kr_bt_metrics *out)
{
    if (!bt || !out || ntrials < 1 || (ntrials >= 2 && !trial_sharpes))
        return KR_EINVAL;
    if (!(bt->ppy > 0) || !isfinite(bt->ppy))
        return KR_EINVAL;
    if (bt->ntrades > 0 && !bt->trades)
        return KR_EINVAL;
    if (bt->npoints < 2) {
        metrics_nan(out, bt);
        return KR_EEMPTY;
    }
    if (!bt->equity)
        return KR_EINVAL;

    size_t n = bt->npoints, nr = n - 1;
    kr_bt_metrics m;
    metrics_nan(&m, bt);

    kr_perf p;
    int rc = kr_perf_compute(n, bt->equity, bt->ppy, &p);
    if (rc)
        return rc;
    m.total_return = p.total_return;
    m.cagr = p.cagr;
    m.volatility = p.volatility;
    m.sharpe = p.sharpe;
    m.sortino = p.sortino;
    m.calmar = p.calmar;
    m.max_drawdown = p.max_dd;
    m.max_drawdown_duration = (double)p.max_dd_duration;
    m.var_95 = p.var95;
    m.es_95 = p.es95;
    m.skew = p.moments.skew;
    m.kurtosis = p.moments.kurt;
    m.sharpe_per_bar = p.moments.sharpe;
    m.final_equity = bt->equity[n - 1];

    double *r = malloc(nr * sizeof *r);
    if (!r)
        return KR_ENOMEM;
    if ((rc = kr_returns(n, bt->equity, r)))
        goto done;
    if ((rc = kr_psr_returns(nr, r, 0.0, &m.psr)))
        goto done;
    if (ntrials == 1)
        m.dsr = m.psr;
    else if ((rc = kr_dsr_returns(nr, r, ntrials, trial_sharpes, &m.dsr)))
        goto done;

    if ((rc = trade_metrics(bt, &m)))
        goto done;
    if (bt->gross && (rc = kr_exposure(n, bt->gross, &m.exposure)))
        goto done;
    if (bt->traded &&
        (rc = kr_turnover(n, bt->traded, bt->equity, bt->ppy, &m.turnover)))
        goto done;
    m.costs = kr_fixed_to_double(bt->pf.costs, bt->pf.ccy_precision);
    *out = m;
done:
    free(r);
    return rc;
}

/* stats.h -- kairos performance statistics: returns, risk, trades, PSR/DSR.
 *
 * The statistics a backtest reports, computed from an equity curve (one value
 * a bar, in account currency, every value finite and > 0), from a list of
 * trade P&Ls, or from per-bar positions. Every function is pure: it reads the
 * caller's arrays, writes the caller's outputs and keeps no state; only
 * kr_var_es allocates (a sorted copy, freed before it returns).
 *
 * The conventions are binding and spelled out in docs/statistics.md: returns
 * are simple per-bar returns r_i = E_i/E_{i-1} - 1; standard deviations are
 * sample ones (n - 1); skew and kurtosis are the plain moment ratios m3/m2^1.5
 * and m4/m2^2 (kurtosis not excess: 3 for a normal), which is what the PSR of
 * Bailey and Lopez de Prado (2012) takes; Sharpe ratios use a risk-free rate
 * of 0. A statistic that is undefined for the data (a ratio whose
 * denominator is 0, a standard deviation of fewer than two returns) is NaN,
 * never a crash; the only infinite value is a profit factor with no losing
 * trade.
 */
#ifndef KAIROS_STATS_H
#define KAIROS_STATS_H

#include <stddef.h>

#include "kairos/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Returns and periods per year (src/stats/returns.c)
 * ------------------------------------------------------------------------ */

/* kr_returns writes the n - 1 simple returns of an equity curve of n values
 * into out (caller-allocated, n - 1 doubles): out[i-1] = E_i/E_{i-1} - 1.
 * Returns KR_EEMPTY when n < 2 and KR_EINVAL when a value is not finite or
 * not > 0; out is then untouched. */
int kr_returns(size_t n, const double *equity, double *out);

/* kr_periods_per_year infers how many bars make a year from the bars'
 * timestamps (n values, strictly increasing):
 *   - if any bar falls on a Saturday or Sunday (UTC) the year has 365 trading
 *     days, else 252;
 *   - several bars on one UTC day make intraday data: the answer is the
 *     average number of bars per distinct day (the first and last days
 *     left out when there are at least three), rounded, times 252 or 365;
 *   - one bar a day at most, with an average spacing under 5 days, is daily:
 *     252 or 365;
 *   - slower data gives round(365.25 days / average spacing): 52 for weekly,
 *     12 for monthly bars.
 * An `override` > 0 wins and is returned as is (ts may then be NULL).
 * Returns KR_EEMPTY for n < 2 without an override, KR_EINVAL for timestamps
 * that do not increase or a NaN/negative override. */
int kr_periods_per_year(size_t n, const kr_ts *ts, double override,
                        double *ppy);

/* ------------------------------------------------------------------------
 * Statistics of returns, equity curves and trades (src/stats/perf.c)
 * ------------------------------------------------------------------------ */

/* Moments of a return series. std is the sample standard deviation (n - 1);
 * skew = m3 / m2^1.5 and kurt = m4 / m2^2 with m_k the central moments
 * divided by n (plain moment ratios, kurt = 3 for a normal). sharpe is the
 * per-bar Sharpe mean / std. NaN where undefined: std and sharpe need n >= 2,
 * skew and kurt need m2 > 0, sharpe needs std > 0. */
typedef struct kr_moments {
    size_t n;
    double mean;
    double std;
    double skew;
    double kurt;
    double sharpe;
} kr_moments;

/* Returns KR_EEMPTY for n == 0 (all fields NaN, n 0), KR_EINVAL when a
 * return is not finite, else KR_OK. */
int kr_moments_compute(size_t n, const double *r, kr_moments *out);

/* kr_drawdown finds the largest drawdown of an equity curve as a positive
 * fraction of the running peak, (peak - E) / peak, and the longest
 * drawdown's duration in bars: from the bar of a peak to the first bar that
 * reaches the peak again (E >= peak), or to the last bar when the curve never
 * recovers. A curve that never falls has 0 and 0. Either output may be
 * NULL. Returns KR_EEMPTY for n == 0, KR_EINVAL for a value not finite or
 * not > 0. */
int kr_drawdown(size_t n, const double *equity, double *max_dd,
                size_t *duration);

/* kr_var_es computes historical value at risk and expected shortfall of n
 * per-bar returns at tail probability `tail` (0.05 for VaR95), both as
 * positive loss fractions: q is the empirical `tail` quantile of the
 * returns by linear interpolation between order statistics (Hyndman-Fan
 * type 7, numpy's default: h = (n - 1) * tail, q = x[floor h] + (h - floor
 * h) * (x[floor h + 1] - x[floor h]) on the sorted x, 0-based), VaR = -q and
 * ES = -(mean of the returns <= q). Either output may be NULL. Returns
 * KR_EEMPTY for n == 0, KR_EINVAL for tail outside (0, 1) or a return not
 * finite, KR_ENOMEM. */
int kr_var_es(size_t n, const double *r, double tail, double *var,
              double *es);

/* The statistics of one equity curve; see kr_perf_compute. */
typedef struct kr_perf {
    size_t bars;            /* equity values */
    double ppy;             /* periods (bars) per year used */
    double total_return;    /* E_last / E_first - 1 */
    double cagr;            /* (E_last/E_first)^(1/years) - 1 */
    double volatility;      /* std * sqrt(ppy) */
    double sharpe;          /* mean / std * sqrt(ppy) */
    double sortino;         /* mean / downside deviation * sqrt(ppy) */
    double calmar;          /* cagr / max_dd */
    double max_dd;          /* positive fraction of the peak */
    size_t max_dd_duration; /* bars */
    double var95;           /* kr_var_es at tail 0.05 */
    double es95;
    kr_moments moments;     /* of the per-bar returns */
} kr_perf;

/* kr_perf_compute fills *out from an equity curve of n values and `ppy`
 * bars per year (> 0; see kr_periods_per_year). years = (n - 1) / ppy; the
 * downside deviation is sqrt(sum over ALL returns of min(r, 0)^2 / count).
 * Ratios with a zero denominator are NaN (sharpe with std 0, sortino with no
 * losing bar, calmar with no drawdown). Returns KR_EEMPTY for n < 2 (every
 * double field NaN, bars = n), KR_EINVAL for a bad equity value or ppy,
 * KR_ENOMEM. */
int kr_perf_compute(size_t n, const double *equity, double ppy,
                    kr_perf *out);

/* Statistics of closed trades, from one P&L (or return) per trade. A trade
 * with P&L > 0 is a win, < 0 a loss, exactly 0 neither (it still counts in
 * `trades`, the win rate's denominator and the expectancy). */
typedef struct kr_trade_stats {
    size_t trades;
    size_t wins;
    size_t losses;
    double win_rate;      /* wins / trades */
    double gross_profit;  /* sum of the wins, >= 0 */
    double gross_loss;    /* -(sum of the losses), >= 0 */
    double profit_factor; /* gross_profit / gross_loss; INFINITY with no loss
                             and some profit, NaN with neither */
    double expectancy;    /* mean P&L per trade */
    double avg_win;       /* mean of the wins (> 0); NaN with no win */
    double avg_loss;      /* mean of the losses (< 0); NaN with no loss */
} kr_trade_stats;

/* Returns KR_EEMPTY for n == 0 (counts 0, doubles NaN), KR_EINVAL for a P&L
 * that is not finite. */
int kr_trade_stats_compute(size_t n, const double *pnl, kr_trade_stats *out);

/* kr_exposure writes the fraction of the n bars whose position (or exposure)
 * is not 0. Returns KR_EEMPTY for n == 0, KR_EINVAL for a NaN position. */
int kr_exposure(size_t n, const double *position, double *out);

/* kr_turnover writes sum |traded[i]| / mean(equity) over n bars, traded[i]
 * being the notional traded at bar i in account currency. With ppy > 0 it is
 * annualised (times ppy / n: the portfolio is turned over that many times a
 * year); with ppy == 0 it is the total over the n bars. Returns KR_EEMPTY for
 * n == 0, KR_EINVAL for a non-finite value, equity <= 0 or ppy < 0. */
int kr_turnover(size_t n, const double *traded, const double *equity,
                double ppy, double *out);

/* ------------------------------------------------------------------------
 * Probabilistic and deflated Sharpe ratios (src/stats/sharpe.c)
 * ------------------------------------------------------------------------ */

/* kr_psr is the probabilistic Sharpe ratio of Bailey and Lopez de Prado
 * (2012): the probability that the true Sharpe exceeds sr_star, given a
 * per-bar (not annualised) Sharpe `sr` estimated from n returns with skew
 * and non-excess kurtosis kurt:
 *   PSR = Phi((sr - sr_star) sqrt(n - 1) / sqrt(1 - skew sr + (kurt-1)/4 sr^2))
 * NaN when n < 2, an input is NaN, or the radicand is not > 0. */
double kr_psr(double sr, double n, double skew, double kurt, double sr_star);

/* kr_min_trl is the minimum track record length of Bailey and Lopez de
 * Prado (2012, section 4): how many per-bar returns it takes for
 * PSR(sr_star) to reach prob, given the per-bar Sharpe sr, skew and
 * non-excess kurtosis:
 *   1 + (1 - skew sr + (kurt-1)/4 sr^2) (Phi^-1(prob) / (sr - sr_star))^2
 * NaN when sr <= sr_star, prob outside (0, 1), an input is NaN, or the
 * radicand is not > 0. */
double kr_min_trl(double sr, double skew, double kurt, double sr_star,
                  double prob);

/* kr_expected_max_sharpe is the expected maximum of the per-bar Sharpe
 * ratios of n_trials independent trials whose Sharpe ratios have variance
 * var_sr and mean 0 (Bailey and Lopez de Prado 2014, after the false strategy
 * theorem):
 *   sqrt(var_sr) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))
 * with g the Euler-Mascheroni constant. One trial gives 0 (the mean). NaN
 * for n_trials < 1 or var_sr < 0 or NaN. */
double kr_expected_max_sharpe(double n_trials, double var_sr);

/* kr_dsr is the deflated Sharpe ratio (Bailey and Lopez de Prado 2014): the
 * PSR against kr_expected_max_sharpe(n_trials, var_sr). */
double kr_dsr(double sr, double n, double skew, double kurt, double n_trials,
              double var_sr);

/* Convenience forms from n per-bar returns: the Sharpe ratio, skew and
 * kurtosis are those of kr_moments_compute. kr_dsr_returns takes the
 * per-bar Sharpe ratios of all `ntrials` trials (the chosen one included):
 * N = ntrials and V = their sample variance (ntrials >= 2). *out is NaN
 * when the statistic is undefined. Returns KR_EEMPTY for n == 0, KR_EINVAL
 * for a non-finite return or trial Sharpe, or ntrials < 2. */
int kr_psr_returns(size_t n, const double *r, double sr_star, double *out);
int kr_dsr_returns(size_t n, const double *r, size_t ntrials,
                   const double *trial_sharpes, double *out);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_STATS_H */

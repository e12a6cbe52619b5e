/* sharpe.c -- probabilistic and deflated Sharpe ratios.
 *
 * A Sharpe ratio measured on a backtest is an estimate, and the best of many
 * backtests is a biased one. Bailey and Lopez de Prado give both
 * corrections in closed form. The PSR ("The Sharpe Ratio Efficient
 * Frontier", Journal of Risk 15(2), 2012) is the probability that the true
 * Sharpe exceeds a benchmark, with the estimate's standard error widened by
 * negative skew and fat tails. The DSR ("The Deflated Sharpe Ratio", Journal
 * of Portfolio Management 40(5), 2014) is the PSR whose benchmark is the
 * Sharpe ratio the best of N unskilled trials would show by luck: the
 * expected maximum of N normal draws with the trials' variance, in the
 * paper's approximation through two normal quantiles.
 *
 * Everything here is per bar: Sharpe ratios are not annualised and n counts
 * returns. The skew and kurtosis are the plain moment ratios of
 * kr_moments_compute (kurtosis 3 for a normal), as in the papers. Bad or
 * undefined inputs give NaN rather than an error code, so that a report can
 * print the statistic whatever the data; the _returns forms check their
 * arrays and return codes like the rest of the domain.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "kairos/stats.h"

#define EULER_GAMMA 0.57721566490153286061
#define EULER_E 2.71828182845904523536

double kr_psr(double sr, double n, double skew, double kurt, double sr_star)
{
    if (isnan(sr) || isnan(n) || isnan(skew) || isnan(kurt) ||
        isnan(sr_star) || !(n >= 2))
        return NAN;
    double rad = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr;
    if (!(rad > 0) || !isfinite(rad))
        return NAN;
    double z = (sr - sr_star) * sqrt(n - 1.0) / sqrt(rad);
    return gsl_cdf_ugaussian_P(z);
}

double kr_min_trl(double sr, double skew, double kurt, double sr_star,
                  double prob)
{
    if (isnan(sr) || isnan(skew) || isnan(kurt) || isnan(sr_star) ||
        !(sr > sr_star) || !(prob > 0 && prob < 1))
        return NAN;
    double rad = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr;
    if (!(rad > 0) || !isfinite(rad))
        return NAN;
    double z = gsl_cdf_ugaussian_Pinv(prob) / (sr - sr_star);
    return 1.0 + rad * z * z;
}

double kr_expected_max_sharpe(double n_trials, double var_sr)
{
    if (!(n_trials >= 1) || !(var_sr >= 0) || !isfinite(var_sr))
        return NAN;
    if (n_trials == 1)
        return 0.0;
    double a = gsl_cdf_ugaussian_Pinv(1.0 - 1.0 / n_trials);
    double b = gsl_cdf_ugaussian_Pinv(1.0 - 1.0 / (n_trials * EULER_E));
    return sqrt(var_sr) * ((1.0 - EULER_GAMMA) * a + EULER_GAMMA * b);
}

double kr_dsr(double sr, double n, double skew, double kurt, double n_trials,
              double var_sr)
{
    return kr_psr(sr, n, skew, kurt, kr_expected_max_sharpe(n_trials, var_sr));
}

int kr_psr_returns(size_t n, const double *r, double sr_star, double *out)
{
    kr_moments m;
    int rc = kr_moments_compute(n, r, &m);
    if (rc == KR_EEMPTY)
        *out = NAN;
    if (rc)
        return rc;
    *out = kr_psr(m.sharpe, (double)n, m.skew, m.kurt, sr_star);
    return KR_OK;
}

int kr_dsr_returns(size_t n, const double *r, size_t ntrials,
                   const double *trial_sharpes, double *out)
{
    if (ntrials < 2)
        return KR_EINVAL;
    kr_moments t;
    if (kr_moments_compute(ntrials, trial_sharpes, &t))
        return KR_EINVAL;
    kr_moments m;
    int rc = kr_moments_compute(n, r, &m);
    if (rc == KR_EEMPTY)
        *out = NAN;
    if (rc)
        return rc;
    *out = kr_dsr(m.sharpe, (double)n, m.skew, m.kurt, (double)ntrials,
                  t.std * t.std);
    return KR_OK;
}

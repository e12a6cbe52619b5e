/* bbands.c -- Bollinger Bands, equal to TA-Lib's BBANDS with an SMA.
 *
 * The middle band is the simple moving average of the last `period` closes;
 * the upper and lower bands lie `nbdev` population standard deviations above
 * and below it (TA-Lib's nbDevUp and nbDevDn both set to nbdev, MAType SMA).
 * TA-Lib 0.4.0 computes that deviation from the SMA it already has
 * (TA_INT_stddev_using_precalc_ma in ta_STDDEV.c): a running sum of squares
 * divided by the period, minus the square of the SMA, 0 below TA-Lib's
 * epsilon (TA_IS_ZERO_OR_NEG), else its square root. Those are the numbers
 * of stddev.c's kr__var_step to the last bit (the SMA's running sum is the
 * variance's sum of values), so the bands share it and equal TA-Lib's
 * exactly, running-sum rounding and NaN persistence included (stddev.c says
 * why nothing less than exact will do). The batch is built as stddev.c's:
 * groups of KR__GROUP bars, the running sums of one and the bands of the
 * one before it in the same loop, eight bars at a time in vectors (on 10M
 * bars about 1.4 times Tulip's BBANDS, which writes as many columns). The
 * stream keeps the last period-1 closes in a ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef kr__varwin bbands_state; /* the rolling mean and variance, stats.h */

int kr_bbands_start(const double *params) { return (int)params[0] - 1; }

/* The three bands from the window's mean and variance: TA-Lib multiplies the
 * deviation by the factor (a factor of 1.0 it skips, which is the same
 * number) and adds and subtracts the product. */
static inline void bbands_out(double mean, double var, double nbdev,
                              double *up, double *mid, double *lo)
{
    const double dev = kr__stddev_of_var(var) * nbdev;
    *up = mean + dev;
    *mid = mean;
    *lo = mean - dev;
}

/* bbands_out for eight bars at once: the same operations lane by lane. */
static inline void bbands_group(const double *a1, const double *a2,
                                const kr__v8d *vp, const kr__v8d *vnb,
                                double *up, double *mid, double *lo)
{
    kr__v8d mean, var;
    kr__var_v8(a1, a2, vp, &mean, &var);
    kr__v8i zero;
    kr__v8_zero_or_neg(&var, &zero);
    kr__v8d sd = var;
    kr__v8_sqrt(&sd);
    sd = (kr__v8d)((kr__v8i)sd & ~zero);
    const kr__v8d dev = sd * *vnb;
    const kr__v8d u = mean + dev;
    const kr__v8d l = mean - dev;
    kr__v8_store(up, &u);
    kr__v8_store(mid, &mean);
    kr__v8_store(lo, &l);
}

int kr_bbands(size_t n, const double *const *in, const double *params,
              double *const *out)
{
    const double *x = in[0];
    double *up = out[0], *mid = out[1], *lo = out[2];
    const size_t p = (size_t)params[0];
    const double dp = (double)p, rp = 1.0 / dp;
    const double nbdev = params[1];
    double s1 = 0.0, s2 = 0.0, mean;
    size_t i = 0;
    for (; i < n && i + 1 < p; i++) {
        kr__var_add(&s1, &s2, x[i]);
        up[i] = mid[i] = lo[i] = NAN;
    }
    /* Groups of KR__GROUP bars: the sums of one, then the bands of the one
     * before (stats.h says why), through two buffers in turn. */
    kr__v8d vp, vnb;
    for (int j = 0; j < 8; j++) {
        vp[j] = dp;
        vnb[j] = nbdev;
    }
    double a1[2][KR__GROUP], a2[2][KR__GROUP];
    int cur = 0;
    size_t q = SIZE_MAX; /* first bar of the group waiting for its bands */
    for (; i + KR__GROUP <= n; i += KR__GROUP) {
        kr__var_chain(x, i, KR__GROUP, p, &s1, &s2, a1[cur], a2[cur]);
        if (q != SIZE_MAX)
            bbands_group(a1[!cur], a2[!cur], &vp, &vnb, up + q, mid + q,
                         lo + q);
        q = i;
        cur = !cur;
    }
    if (q != SIZE_MAX)
        bbands_group(a1[!cur], a2[!cur], &vp, &vnb, up + q, mid + q, lo + q);
    for (; i < n; i++) {
        const double var = kr__var_step(&s1, &s2, x[i], x[i + 1 - p], dp,
                                        rp, &mean);
        bbands_out(mean, var, nbdev, &up[i], &mid[i], &lo[i]);
    }
    return KR_OK;
}

size_t kr_bbands_stream_size(const double *params)
{
    return kr__varwin_size((int)params[0]);
}

int kr_bbands_stream_init(void *state, const double *params)
{
    bbands_state *s = state;
    kr__varwin_init(s, (int)params[0], params[1]);
    return KR_OK;
}

void kr_bbands_stream_next(void *state, const double *in, double *out)
{
    bbands_state *s = state;
    double mean, var;
    if (!kr__varwin_next(s, in[0], &mean, &var)) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    bbands_out(mean, var, s->nbdev, &out[0], &out[1], &out[2]);
}

const kr_ta_info kr_bbands_info = {
    .name = "bbands",
    .title = "Bollinger Bands",
    .talib = "BBANDS",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 2,
    .params = {{"period", 5, 2, 100000, true},
               {"nbdev", 2, -3e37, 3e37, false}},
    .noutputs = 3,
    .outputs = {"upper", "middle", "lower"},
    .start = kr_bbands_start,
    .batch = kr_bbands,
    .stream_size = kr_bbands_stream_size,
    .stream_init = kr_bbands_stream_init,
    .stream_next = kr_bbands_stream_next,
    .formula = "middle = sma(close, period), upper/lower = middle +/- nbdev * "
               "stddev(close, period) (population, 0 when variance < 1e-14)",
};

/* stddev.c -- standard deviation, equal to TA-Lib's STDDEV.
 *
 * The population standard deviation of the last `period` values, times
 * `nbdev`. As TA-Lib 0.4.0 (ta_STDDEV.c over ta_VAR.c's TA_INT_VAR) computes
 * it: running sums of the values and of their squares, the variance
 * E[x^2] - E[x]^2 over the window, and 0 whenever that variance is below
 * TA-Lib's epsilon (TA_IS_ZERO_OR_NEG, ma.h), its guard against the negative
 * values the cancellation in E[x^2] - E[x]^2 can leave on flat stretches.
 *
 * That cancellation is also why this must equal TA-Lib to the last bit and
 * not merely closely: on a near-flat window E[x^2] and E[x]^2 agree to a
 * dozen digits, so one ulp of difference in either moves the deviation by
 * far more than the 1e-9 parity tolerance. So the sums are updated in
 * TA-Lib's order (add the newest, divide, subtract the oldest), a chain of
 * two additions a bar that no batch can shorten, and divided by the period
 * to the division's bits. Like TA-Lib's, the sums cannot forget a NaN once
 * it entered the window.
 *
 * The stream is kr__varwin (stats.h), shared with bbands: kr__var_step,
 * whose kr__div_period2 gets the division's bits with multiplies. The batch takes groups of KR__GROUP
 * bars: the running sums of one group (kr__var_chain), then, in the same
 * loop, the divisions, square roots and outputs of the group before it,
 * eight bars per vector instruction (kr__var_v8, stddev_out8), so that the
 * divider's work overlaps the chain instead of queueing a bar at a time
 * behind it: on 10M bars about 1.8 times Tulip's STDDEV. The stream keeps
 * the last period-1 values in a ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef kr__varwin stddev_state; /* the rolling mean and variance, stats.h */

int kr_stddev_start(const double *params) { return (int)params[0] - 1; }

/* One output from a variance: TA-Lib's STDDEV writes 0.0 itself (not
 * 0 * nbdev) when the variance is guarded. */
static inline double stddev_out(double var, double nbdev)
{
    return kr__ta_is_zero_or_neg(var) ? 0.0 : sqrt(var) * nbdev;
}

/* stddev_out for eight bars at once: the same operations lane by lane. */
static inline void stddev_out8(const kr__v8d *var, const kr__v8d *nbdev,
                               kr__v8d *out)
{
    kr__v8i zero;
    kr__v8_zero_or_neg(var, &zero);
    kr__v8d sd = *var;
    kr__v8_sqrt(&sd);
    const kr__v8d d = sd * *nbdev;
    *out = (kr__v8d)((kr__v8i)d & ~zero);
}

/* The outputs of one group of bars whose window sums are in a1, a2. */
static inline void stddev_group(const double *a1, const double *a2,
                                const kr__v8d *vp, const kr__v8d *vnb,
                                double *y)
{
    kr__v8d mean, var, o;
    kr__var_v8(a1, a2, vp, &mean, &var);
    stddev_out8(&var, vnb, &o);
    kr__v8_store(y, &o);
}

int kr_stddev(size_t n, const double *const *in, const double *params,
              double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const size_t p = (size_t)params[0];
    const double dp = (double)p, rp = 1.0 / dp;
    const double nbdev = params[1];
    double s1 = 0.0, s2 = 0.0, mean;
    size_t i = 0;
    for (; i < n && i + 1 < p; i++) {
        kr__var_add(&s1, &s2, x[i]);
        y[i] = NAN;
    }
    /* Groups of KR__GROUP bars: the sums of one, then the outputs of the
     * one before (stats.h says why), through two buffers in turn. */
    kr__v8d vp, vnb;
    for (int j = 0; j < 8; j++) {
        vp[j] = dp;
        vnb[j] = nbdev;
    }
    double a1[2][KR__GROUP], a2[2][KR__GROUP];
    int cur = 0;
    size_t pending = SIZE_MAX;
    for (; i + KR__GROUP <= n; i += KR__GROUP) {
        kr__var_chain(x, i, KR__GROUP, p, &s1, &s2, a1[cur], a2[cur]);
        if (pending != SIZE_MAX)
            stddev_group(a1[!cur], a2[!cur], &vp, &vnb, y + pending);
        pending = i;
        cur = !cur;
    }
    if (pending != SIZE_MAX)
        stddev_group(a1[!cur], a2[!cur], &vp, &vnb, y + pending);
    for (; i < n; i++) {
        const double var = kr__var_step(&s1, &s2, x[i], x[i + 1 - p], dp,
                                        rp, &mean);
        y[i] = stddev_out(var, nbdev);
    }
    return KR_OK;
}

size_t kr_stddev_stream_size(const double *params)
{
    return kr__varwin_size((int)params[0]);
}

int kr_stddev_stream_init(void *state, const double *params)
{
    stddev_state *s = state;
    kr__varwin_init(s, (int)params[0], params[1]);
    return KR_OK;
}

void kr_stddev_stream_next(void *state, const double *in, double *out)
{
    stddev_state *s = state;
    double mean, var;
    if (!kr__varwin_next(s, in[0], &mean, &var)) {
        out[0] = NAN;
        return;
    }
    out[0] = stddev_out(var, s->nbdev);
}

const kr_ta_info kr_stddev_info = {
    .name = "stddev",
    .title = "Standard Deviation",
    .talib = "STDDEV",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 2,
    .params = {{"period", 5, 2, 100000, true},
               {"nbdev", 1, -3e37, 3e37, false}},
    .noutputs = 1,
    .outputs = {"stddev"},
    .start = kr_stddev_start,
    .batch = kr_stddev,
    .stream_size = kr_stddev_stream_size,
    .stream_init = kr_stddev_stream_init,
    .stream_next = kr_stddev_stream_next,
    .formula = "stddev = nbdev * sqrt(sum(close^2, period) / period - "
               "sma(close, period)^2), 0 when that variance < 1e-14",
};

/* willr.c -- Williams' %R, equal to TA-Lib's WILLR.
 *
 * Larry Williams' %R over the last `period` bars, current bar included:
 * (highest high - close) / ((highest high - lowest low) / -100), and 0 when
 * that range is exactly zero (TA-Lib's guard), the first at bar period - 1.
 *
 * The highest and lowest come from window.h: kr__ext replays TA-Lib's
 * bookkeeping (ties, NaN inputs) and answers its rescans from van
 * Herk/Gil-Werman blocks, O(1) amortised per bar where TA-Lib's rescans
 * cost O(period); the stream runs it on rings of the last `period` highs
 * and lows. The batch first runs the blocks alone (kr__vh: a MAXSD and a
 * MINSD per bar, read straight from the columns), which give TA-Lib's
 * extremes wherever highs and lows hold no NaN and no zero, and falls back
 * to kr__ext over the whole call where they do.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef kr__chan willr_state; /* rolling high and low, window.h */

int kr_willr_start(const double *params) { return (int)params[0] - 1; }

/* The value from the window's extremes, in TA-Lib's order. */
static inline double willr_value(double highest, double lowest, double close)
{
    const double diff = (highest - lowest) / (-100.0);
    if (diff != 0.0)
        return (highest - close) / diff;
    return 0.0;
}

/* The batch on clean columns; false, with y half written, at the first NaN
 * or zero high or low. */
static bool willr_fast(size_t n, const double *high, const double *low,
                       const double *close, double *y, int p, double *suf)
{
    kr__vh hi, lo;
    kr__vh_init(&hi, p);
    kr__vh_init(&lo, p);
    const int64_t nn = (int64_t)n;
    for (int64_t t = 0; t < nn; t++) {
        const double h = high[t], l = low[t];
        if (kr__unclean(h) || kr__unclean(l))
            return false;
        const int64_t b = t >= p ? t - p : 0;
        const double hh = kr__vh_next(&hi, suf, high + b, h, t, true);
        const double ll = kr__vh_next(&lo, suf + p, low + b, l, t, false);
        y[t] = t < p - 1 ? NAN : willr_value(hh, ll, close[t]);
    }
    return true;
}

static void willr_exact(size_t n, const double *high, const double *low,
                        const double *close, double *y, int p,
                        kr__ext_ent *suf)
{
    kr__ext_ent *sh = suf, *sl = suf + p + 1;
    kr__ext hi, lo;
    kr__ext_init(&hi, sh, p);
    kr__ext_init(&lo, sl, p);
    const int64_t nn = (int64_t)n;
    int64_t t = 0;
    for (; t < nn && t < p - 1; t++) {
        kr__ext_next(&hi, sh, high, high[t], 0.0, t, true, false);
        kr__ext_next(&lo, sl, low, low[t], 0.0, t, false, false);
        y[t] = NAN;
    }
    for (; t < nn; t++) {
        const int64_t b = t >= p ? t - p : 0, trail = t - p + 1;
        kr__ext_next(&hi, sh, high + b, high[t], high[trail], t, true, false);
        kr__ext_next(&lo, sl, low + b, low[t], low[trail], t, false, false);
        y[t] = willr_value(kr__ext_val(&hi), kr__ext_val(&lo), close[t]);
    }
}

int kr_willr(size_t n, const double *const *in, const double *params,
             double *const *out)
{
    const int p = (int)params[0];
    if (n == 0)
        return KR_OK;
    const size_t size = 2 * ((size_t)p + 1) * sizeof(kr__ext_ent);
    kr__ext_ent *suf = kr_alloc_aligned(size);
    if (!suf)
        return KR_ENOMEM;
    memset(suf, 0, size);
    if (!willr_fast(n, in[0], in[1], in[2], out[0], p, (double *)suf))
        willr_exact(n, in[0], in[1], in[2], out[0], p, suf);
    kr_free_aligned(suf);
    return KR_OK;
}

size_t kr_willr_stream_size(const double *params)
{
    return kr__chan_size((int)params[0]);
}

int kr_willr_stream_init(void *state, const double *params)
{
    kr__chan_init(state, (int)params[0]);
    return KR_OK;
}

void kr_willr_stream_next(void *state, const double *in, double *out)
{
    willr_state *s = state;
    double hh, ll;
    out[0] = kr__chan_next(s, in[0], in[1], &hh, &ll)
                 ? willr_value(hh, ll, in[2])
                 : NAN;
}

const kr_ta_info kr_willr_info = {
    .name = "willr",
    .title = "Williams' %R",
    .talib = "WILLR",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"willr"},
    .start = kr_willr_start,
    .batch = kr_willr,
    .stream_size = kr_willr_stream_size,
    .stream_init = kr_willr_stream_init,
    .stream_next = kr_willr_stream_next,
    .formula = "willr = -100 * (max(high, period) - close) / (max(high, "
               "period) - min(low, period)); 0 on a zero range",
};

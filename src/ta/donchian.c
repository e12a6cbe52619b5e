/* donchian.c -- Donchian channel: the highest high and lowest low of the
 * last `period` bars and their midpoint. No TA-Lib twin.
 *
 * Richard Donchian's price channel, as described in Perry J. Kaufman,
 * Trading Systems and Methods (5th ed., Wiley 2013), ch. 5 "Trend Systems",
 * section on breakout systems ("Donchian's 4-week rule" and N-day
 * breakouts): upper = max(high, period), lower = min(low, period), middle =
 * (upper + lower) / 2. The current bar is part of its own window, as in
 * TA-Lib's MAX and MIN, so the first value is at bar period - 1 and
 * upper/lower equal TA-Lib's MAX(high)/MIN(low) bar for bar, NaN inputs
 * included.
 *
 * The extremes come from window.h: kr__ext replays TA-Lib's MAX/MIN
 * bookkeeping and answers its rescans from van Herk/Gil-Werman blocks, O(1)
 * amortised per bar; the stream runs it on rings of the last `period` highs
 * and lows. The batch first runs the blocks alone (kr__vh: a MAXSD and a
 * MINSD per bar, read straight from the columns), which give the same
 * values wherever highs and lows hold no NaN and no zero, and falls back to
 * kr__ext over the whole call where they do.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef kr__chan donchian_state; /* rolling high and low, window.h */

int kr_donchian_start(const double *params) { return (int)params[0] - 1; }

static inline void donchian_value(double upper, double lower, double *u,
                                  double *m, double *l)
{
    const double s = upper + lower;
    *u = upper;
    *m = s * 0.5;
    *l = lower;
}

/* The batch on clean columns; false, with the outputs half written, at the
 * first NaN or zero high or low. */
static bool donchian_fast(size_t n, const double *high, const double *low,
                          double *const *out, int p, double *suf)
{
    double *up = out[0], *mid = out[1], *dn = out[2];
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
        if (t < p - 1)
            up[t] = mid[t] = dn[t] = NAN;
        else
            donchian_value(hh, ll, &up[t], &mid[t], &dn[t]);
    }
    return true;
}

static void donchian_exact(size_t n, const double *high, const double *low,
                           double *const *out, int p, kr__ext_ent *suf)
{
    double *up = out[0], *mid = out[1], *dn = out[2];
    kr__ext_ent *sh = suf, *sl = suf + p + 1;
    kr__ext hi, lo;
    kr__ext_init(&hi, sh, p);
    kr__ext_init(&lo, sl, p);
    const int64_t nn = (int64_t)n;
    int64_t t = 0;
    for (; t < nn && t < p - 1; t++) {
        kr__ext_next(&hi, sh, high, high[t], 0.0, t, true, false);
        kr__ext_next(&lo, sl, low, low[t], 0.0, t, false, false);
        up[t] = mid[t] = dn[t] = NAN;
    }
    for (; t < nn; t++) {
        const int64_t b = t >= p ? t - p : 0, trail = t - p + 1;
        kr__ext_next(&hi, sh, high + b, high[t], high[trail], t, true, false);
        kr__ext_next(&lo, sl, low + b, low[t], low[trail], t, false, false);
        donchian_value(kr__ext_val(&hi), kr__ext_val(&lo), &up[t], &mid[t],
                       &dn[t]);
    }
}

int kr_donchian(size_t n, const double *const *in, const double *params,
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
    if (!donchian_fast(n, in[0], in[1], out, p, (double *)suf))
        donchian_exact(n, in[0], in[1], out, p, suf);
    kr_free_aligned(suf);
    return KR_OK;
}

size_t kr_donchian_stream_size(const double *params)
{
    return kr__chan_size((int)params[0]);
}

int kr_donchian_stream_init(void *state, const double *params)
{
    kr__chan_init(state, (int)params[0]);
    return KR_OK;
}

void kr_donchian_stream_next(void *state, const double *in, double *out)
{
    donchian_state *s = state;
    double hh, ll;
    if (!kr__chan_next(s, in[0], in[1], &hh, &ll))
        out[0] = out[1] = out[2] = NAN;
    else
        donchian_value(hh, ll, &out[0], &out[1], &out[2]);
}

const kr_ta_info kr_donchian_info = {
    .name = "donchian",
    .title = "Donchian Channel",
    .talib = NULL,
    .ninputs = 2,
    .inputs = {KR_TA_HIGH, KR_TA_LOW},
    .nparams = 1,
    .params = {{"period", 20, 1, 100000, true}},
    .noutputs = 3,
    .outputs = {"upper", "middle", "lower"},
    .start = kr_donchian_start,
    .batch = kr_donchian,
    .stream_size = kr_donchian_stream_size,
    .stream_init = kr_donchian_stream_init,
    .stream_next = kr_donchian_stream_next,
    .formula = "upper = max(high, period), lower = min(low, period), middle "
               "= (upper + lower) / 2",
};

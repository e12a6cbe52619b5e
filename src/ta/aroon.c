/* aroon.c -- Aroon up and down, equal to TA-Lib's AROON.
 *
 * Tushar Chande's Aroon (1995) over a window of period + 1 bars, the
 * current one included: up = 100/period * (period - bars since the highest
 * high), down the same for the lowest low, the first at bar `period`. Where
 * several bars share the extreme the most recent one counts, as in TA-Lib
 * (which compares with >= and <= both when it rescans and when it updates).
 * TA-Lib returns (aroonDown, aroonUp); ours are (up, down) in that order.
 *
 * Only where the extremes are matters, and window.h's kr__ext keeps TA-Lib's
 * bookkeeping of where (NaN inputs included), answering its rescans from
 * van Herk/Gil-Werman blocks with ties settled on the newest bar: O(1)
 * amortised per bar instead of TA-Lib's O(period) rescans. The stream runs
 * it on rings of the last period + 1 highs and lows. The batch first runs
 * the blocks alone (kr__vhi, read straight from the columns), which find
 * TA-Lib's bars wherever highs and lows hold no NaN, and falls back to
 * kr__ext over the whole call where they do.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef struct aroon_state {
    int period;
    double factor; /* 100 / period */
    int64_t t;     /* bars seen */
    kr__ext hi, lo;
    /* period + 1 suffix entries for hi, as many for lo; then rings of
     * period + 1 highs and lows. */
    kr__ext_ent suf[];
} aroon_state;

int kr_aroon_start(const double *params) { return (int)params[0]; }

/* TA-Lib's factor * (period - (today - index)), the difference in ints. */
static inline double aroon_value(double factor, int period, int64_t t,
                                 int64_t idx)
{
    return factor * (double)(period - (t - idx));
}

/* The batch on columns without NaN; false, with the outputs half written,
 * at the first NaN high or low. */
static bool aroon_fast(size_t n, const double *high, const double *low,
                       double *up, double *down, int p, kr__ext_ent *suf)
{
    const int w = p + 1;
    const double factor = 100.0 / (double)p;
    kr__vh hi, lo;
    kr__vh_init(&hi, w);
    kr__vh_init(&lo, w);
    const int64_t nn = (int64_t)n;
    for (int64_t t = 0; t < nn; t++) {
        const double h = high[t], l = low[t];
        if ((h != h) | (l != l))
            return false;
        const int64_t b = t >= w ? t - w : 0;
        const int64_t ih = kr__vhi_next(&hi, suf, high + b, h, t, true);
        const int64_t il = kr__vhi_next(&lo, suf + w, low + b, l, t, false);
        if (t < p) {
            up[t] = down[t] = NAN;
        } else {
            up[t] = aroon_value(factor, p, t, ih);
            down[t] = aroon_value(factor, p, t, il);
        }
    }
    return true;
}

static void aroon_exact(size_t n, const double *high, const double *low,
                        double *up, double *down, int p, kr__ext_ent *suf)
{
    const int w = p + 1;
    const double factor = 100.0 / (double)p;
    kr__ext_ent *sh = suf, *sl = suf + w;
    kr__ext hi, lo;
    kr__ext_init(&hi, w);
    kr__ext_init(&lo, w);
    const int64_t nn = (int64_t)n;
    int64_t t = 0;
    for (; t < nn && t < p; t++) {
        kr__ext_next(&hi, sh, high, high[t], 0.0, t, true, true);
        kr__ext_next(&lo, sl, low, low[t], 0.0, t, false, true);
        up[t] = down[t] = NAN;
    }
    for (; t < nn; t++) {
        const int64_t b = t >= w ? t - w : 0, trail = t - p;
        kr__ext_next(&hi, sh, high + b, high[t], high[trail], t, true, true);
        kr__ext_next(&lo, sl, low + b, low[t], low[trail], t, false, true);
        up[t] = aroon_value(factor, p, t, hi.idx);
        down[t] = aroon_value(factor, p, t, lo.idx);
    }
}

int kr_aroon(size_t n, const double *const *in, const double *params,
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
    if (!aroon_fast(n, in[0], in[1], out[0], out[1], p, suf))
        aroon_exact(n, in[0], in[1], out[0], out[1], p, suf);
    kr_free_aligned(suf);
    return KR_OK;
}

size_t kr_aroon_stream_size(const double *params)
{
    const size_t w = (size_t)params[0] + 1;
    return sizeof(aroon_state) + 2 * w * sizeof(kr__ext_ent) +
           2 * w * sizeof(double);
}

int kr_aroon_stream_init(void *state, const double *params)
{
    aroon_state *s = state;
    memset(s, 0, sizeof *s);
    s->period = (int)params[0];
    s->factor = 100.0 / (double)s->period;
    kr__ext_init(&s->hi, s->period + 1);
    kr__ext_init(&s->lo, s->period + 1);
    return KR_OK;
}

void kr_aroon_stream_next(void *state, const double *in, double *out)
{
    aroon_state *s = state;
    const int p = s->period, w = p + 1;
    kr__ext_ent *sh = s->suf, *sl = s->suf + w;
    double *rh = (double *)(s->suf + 2 * w), *rl = rh + w;
    const double high = in[0], low = in[1];
    const int32_t pos = s->hi.pos;
    const int64_t t = s->t++;
    kr__ext_next(&s->hi, sh, rh, high, kr__ring_trail(rh, pos, w, high), t,
                 true, true);
    kr__ext_next(&s->lo, sl, rl, low, kr__ring_trail(rl, pos, w, low), t,
                 false, true);
    rh[pos] = high;
    rl[pos] = low;
    if (t < p) {
        out[0] = out[1] = NAN;
        return;
    }
    out[0] = aroon_value(s->factor, p, t, s->hi.idx);
    out[1] = aroon_value(s->factor, p, t, s->lo.idx);
}

const kr_ta_info kr_aroon_info = {
    .name = "aroon",
    .title = "Aroon",
    .talib = "AROON",
    .ninputs = 2,
    .inputs = {KR_TA_HIGH, KR_TA_LOW},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 2,
    .outputs = {"up", "down"},
    .start = kr_aroon_start,
    .batch = kr_aroon,
    .stream_size = kr_aroon_stream_size,
    .stream_init = kr_aroon_stream_init,
    .stream_next = kr_aroon_stream_next,
    .formula = "up = 100 * (period - bars since max(high, period + 1)) / "
               "period; down likewise with min(low)",
};

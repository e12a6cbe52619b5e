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
 * it on rings of the last period + 1 highs and lows. Where highs and lows
 * hold no NaN, TA-Lib's bar is simply the newest holding the window's
 * extreme, and the batch first runs blocks of its own that find it
 * (aroon_fast: arrays of suffix extremes and their bars, read straight
 * from the columns, then one forward pass of compares and integer
 * selects), falling back to kr__ext over the whole call at a NaN.
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
    /* period + 2 suffix entries for hi, as many for lo; then rings of
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

/* The batch on columns without NaN, where TA-Lib's bar is the newest
 * holding the window's extreme: van Herk/Gil-Werman blocks of w = p + 1
 * bars in arrays. For each block, a backward pass over the block before it
 * gives the extreme of every suffix and its newest bar (strictly greater
 * moves it), then a forward pass keeps the extreme of the block so far and
 * its newest bar (greater or equal moves it) and answers each bar from
 * that prefix against the suffix that completes its window, the prefix
 * winning ties (it is newer); entry w is a sentinel that always loses, for
 * the bar whose window is its own block. Only comparisons decide bars, as
 * in TA-Lib, so the sign of a zero cannot show. Returns false, with the
 * outputs half written, at a block holding a NaN. `buf` holds 4 * (p + 2)
 * doubles. */
static bool aroon_fast(size_t n, const double *high, const double *low,
                       double *up, double *down, int p, double *buf)
{
    const int64_t w = p + 1, nn = (int64_t)n;
    const double factor = 100.0 / (double)p;
    double *shv = buf, *slv = buf + w + 1;
    int64_t *shi = (int64_t *)(buf + 2 * (w + 1)), *sli = shi + w + 1;
    for (int64_t j = 0; j <= w; j++) {
        shv[j] = -INFINITY;
        slv[j] = INFINITY;
        shi[j] = sli[j] = 0;
    }
    for (int64_t b0 = 0; b0 < nn; b0 += w) {
        const int64_t cnt = nn - b0 < w ? nn - b0 : w;
        const double *h = high + b0, *l = low + b0;
        if (b0 > 0) {
            const double *ph = h - w, *pl = l - w;
            double ch = ph[w - 1], cl = pl[w - 1];
            int64_t ih = b0 - 1, il = b0 - 1;
            shv[w - 1] = ch;
            slv[w - 1] = cl;
            shi[w - 1] = ih;
            sli[w - 1] = il;
            for (int64_t j = w - 2; j >= 0; j--) {
                const double vh = ph[j], vl = pl[j];
                ih = kr__seli(vh > ch, b0 - w + j, ih);
                il = kr__seli(vl < cl, b0 - w + j, il);
                ch = kr__pick(vh, ch, true);
                cl = kr__pick(vl, cl, false);
                shv[j] = ch;
                slv[j] = cl;
                shi[j] = ih;
                sli[j] = il;
            }
        }
        double ch = h[0], cl = l[0];
        int64_t ih = b0, il = b0;
        bool nan = false;
        for (int64_t j = 0; j < cnt; j++) {
            const double vh = h[j], vl = l[j];
            const int64_t t = b0 + j;
            nan |= (vh != vh) | (vl != vl);
            ih = kr__seli(vh >= ch, t, ih);
            il = kr__seli(vl <= cl, t, il);
            ch = kr__pick(vh, ch, true);
            cl = kr__pick(vl, cl, false);
            const int64_t bh = kr__seli(ch >= shv[j + 1], ih, shi[j + 1]);
            const int64_t bl = kr__seli(cl <= slv[j + 1], il, sli[j + 1]);
            up[t] = aroon_value(factor, p, t, bh);
            down[t] = aroon_value(factor, p, t, bl);
        }
        if (nan)
            return false;
    }
    for (int64_t t = 0; t < nn && t < p; t++)
        up[t] = down[t] = NAN;
    return true;
}

static void aroon_exact(size_t n, const double *high, const double *low,
                        double *up, double *down, int p, kr__ext_ent *suf)
{
    const int w = p + 1;
    const double factor = 100.0 / (double)p;
    kr__ext_ent *sh = suf, *sl = suf + w + 1;
    kr__ext hi, lo;
    kr__ext_init(&hi, sh, w);
    kr__ext_init(&lo, sl, w);
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
        up[t] = aroon_value(factor, p, t, (int64_t)kr__ext_idx(&hi));
        down[t] = aroon_value(factor, p, t, (int64_t)kr__ext_idx(&lo));
    }
}

int kr_aroon(size_t n, const double *const *in, const double *params,
             double *const *out)
{
    const int p = (int)params[0];
    if (n == 0)
        return KR_OK;
    const size_t size = 2 * ((size_t)p + 2) * sizeof(kr__ext_ent);
    kr__ext_ent *suf = kr_alloc_aligned(size);
    if (!suf)
        return KR_ENOMEM;
    if (!aroon_fast(n, in[0], in[1], out[0], out[1], p, (double *)suf))
        aroon_exact(n, in[0], in[1], out[0], out[1], p, suf);
    kr_free_aligned(suf);
    return KR_OK;
}

size_t kr_aroon_stream_size(const double *params)
{
    const size_t w = (size_t)params[0] + 1;
    return sizeof(aroon_state) + 2 * (w + 1) * sizeof(kr__ext_ent) +
           2 * w * sizeof(double);
}

int kr_aroon_stream_init(void *state, const double *params)
{
    aroon_state *s = state;
    memset(s, 0, kr_aroon_stream_size(params));
    s->period = (int)params[0];
    s->factor = 100.0 / (double)s->period;
    kr__ext_init(&s->hi, s->suf, s->period + 1);
    kr__ext_init(&s->lo, s->suf + s->period + 2, s->period + 1);
    return KR_OK;
}

void kr_aroon_stream_next(void *state, const double *in, double *out)
{
    aroon_state *s = state;
    const int p = s->period, w = p + 1;
    kr__ext_ent *sh = s->suf, *sl = s->suf + w + 1;
    double *rh = (double *)(s->suf + 2 * w + 2), *rl = rh + w;
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
    out[0] = aroon_value(s->factor, p, t, (int64_t)kr__ext_idx(&s->hi));
    out[1] = aroon_value(s->factor, p, t, (int64_t)kr__ext_idx(&s->lo));
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

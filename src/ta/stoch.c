/* stoch.c -- slow stochastic oscillator, equal to TA-Lib's STOCH with
 * simple moving averages.
 *
 * George Lane's stochastic as TA-Lib 0.4.0 computes it: the fast %K of bar
 * t is (close - lowest low) / ((highest high - lowest low) / 100) over the
 * last `fastk` bars, 0 when the range is exactly zero; slow %K is the SMA of
 * fast %K over `slowk` bars and %D the SMA of slow %K over `slowd` bars
 * (TA_MA with MAType SMA: a running sum in TA-Lib's order, a copy for a
 * period of 1). Both outputs start at bar (fastk - 1) + (slowk - 1) +
 * (slowd - 1), where TA-Lib starts both, although slow %K is defined
 * earlier.
 *
 * The highest and lowest come from window.h: kr__ext replays TA-Lib's
 * bookkeeping (ties, NaN) and answers its rescans from van Herk/Gil-Werman
 * blocks, O(1) amortised per bar where TA-Lib's rescans cost O(fastk); the
 * stream runs it on rings of the last `fastk` highs and lows. The batch
 * first runs the blocks alone (kr__vh: a MAXSD and a MINSD per bar, read
 * straight from the columns), which give the same extremes wherever highs
 * and lows hold no NaN and no zero, and falls back to kr__ext over the
 * whole call where they do. It goes a chunk of bars at a time: the
 * extremes of every bar, then every fast %K in one loop the compiler
 * vectorises (its two divisions several bars per instruction), then the
 * SMAs bar by bar. The arithmetic is TA-Lib's, in its order, in batch and
 * stream alike (stoch_tail and window.h's steps); the batch keeps the
 * state in locals and its buffers in one allocation per call.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef struct stoch_core {
    int fastk, slowk, slowd;
    int64_t t; /* bars seen */
    kr__ext hi, lo;
    kr__sma k, d;
} stoch_core;

typedef struct stoch_state {
    stoch_core c;
    /* fastk + 1 suffix entries for hi, as many for lo; then rings of fastk
     * highs and fastk lows, then slowk - 1 and slowd - 1 doubles for the
     * SMAs. */
    kr__ext_ent suf[];
} stoch_state;

int kr_stoch_start(const double *params)
{
    return (int)params[0] - 1 + (int)params[1] - 1 + (int)params[2] - 1;
}

static void stoch_core_init(stoch_core *c, kr__ext_ent *suf,
                            const double *params)
{
    c->fastk = (int)params[0];
    c->slowk = (int)params[1];
    c->slowd = (int)params[2];
    c->t = 0;
    kr__ext_init(&c->hi, suf, c->fastk);
    kr__ext_init(&c->lo, suf + c->fastk + 1, c->fastk);
    kr__sma_init(&c->k, c->slowk);
    kr__sma_init(&c->d, c->slowd);
}

/* Bar c->t from fast %K on, given that %K: the two outputs, NaN before
 * the first. */
KR__STEP void stoch_tail(stoch_core *c, double *rk, double *rd, double fk,
                         double *ok, double *od)
{
    const int64_t t = c->t;
    const double sk = kr__sma_next(&c->k, rk, fk);
    const int64_t kstart = c->fastk - 1 + c->slowk - 1;
    double d = NAN;
    if (t >= kstart)
        d = kr__sma_next(&c->d, rd, sk);
    if (t >= kstart + c->slowd - 1) {
        *ok = sk;
        *od = d;
    } else {
        *ok = *od = NAN;
    }
}

#define STOCH_CHUNK 256

/* The batch on clean columns, a chunk of bars at a time: the extremes of
 * every bar of the chunk (kr__vh), then every fast %K (one loop the
 * compiler vectorises, its divisions several bars per instruction), then
 * the two SMAs bar by bar. Returns false, with the outputs half written,
 * at a chunk holding a NaN or zero high or low. */
static bool stoch_fast(size_t n, const double *const *in, double *ok,
                       double *od, const double *params, double *suf,
                       double *rk, double *rd)
{
    const double *high = in[0], *low = in[1], *close = in[2];
    stoch_core c;
    c.fastk = (int)params[0];
    c.slowk = (int)params[1];
    c.slowd = (int)params[2];
    c.t = 0;
    kr__sma_init(&c.k, c.slowk);
    kr__sma_init(&c.d, c.slowd);
    const int w = c.fastk;
    kr__vh hi, lo;
    kr__vh_init(&hi, w);
    kr__vh_init(&lo, w);
    double hh[STOCH_CHUNK], ll[STOCH_CHUNK], fk[STOCH_CHUNK];
    const int64_t nn = (int64_t)n;
    for (int64_t t0 = 0; t0 < nn; t0 += STOCH_CHUNK) {
        const int cnt = nn - t0 < STOCH_CHUNK ? (int)(nn - t0) : STOCH_CHUNK;
        bool bad = false;
        for (int j = 0; j < cnt; j++) {
            const int64_t t = t0 + j;
            const double h = high[t], l = low[t];
            bad |= kr__unclean(h);
            bad |= kr__unclean(l);
            const int64_t b = t >= w ? t - w : 0;
            hh[j] = kr__vh_next(&hi, suf, high + b, h, t, true);
            ll[j] = kr__vh_next(&lo, suf + w, low + b, l, t, false);
        }
        if (bad)
            return false;
        const double *cl = close + t0;
        for (int j = 0; j < cnt; j++)
            fk[j] = kr__stoch_k(cl[j], hh[j], ll[j]);
        for (int j = 0; j < cnt; j++, c.t++) {
            const int64_t t = c.t;
            if (t < w - 1)
                ok[t] = od[t] = NAN;
            else
                stoch_tail(&c, rk, rd, fk[j], &ok[t], &od[t]);
        }
    }
    return true;
}

static void stoch_exact(size_t n, const double *const *in, double *ok,
                        double *od, const double *params, kr__ext_ent *suf,
                        double *rk, double *rd)
{
    const double *high = in[0], *low = in[1], *close = in[2];
    stoch_core c;
    stoch_core_init(&c, suf, params);
    const int w = c.fastk;
    kr__ext_ent *sh = suf, *sl = suf + w + 1;
    const int64_t nn = (int64_t)n;
    for (; c.t < nn && c.t < w - 1; c.t++) {
        const int64_t t = c.t;
        kr__ext_next(&c.hi, sh, high, high[t], 0.0, t, true, false);
        kr__ext_next(&c.lo, sl, low, low[t], 0.0, t, false, false);
        ok[t] = od[t] = NAN;
    }
    for (; c.t < nn; c.t++) {
        const int64_t t = c.t, b = t >= w ? t - w : 0, trail = t - w + 1;
        kr__ext_next(&c.hi, sh, high + b, high[t], high[trail], t, true,
                     false);
        kr__ext_next(&c.lo, sl, low + b, low[t], low[trail], t, false, false);
        stoch_tail(&c, rk, rd,
                   kr__stoch_k(close[t], kr__ext_val(&c.hi),
                               kr__ext_val(&c.lo)),
                   &ok[t], &od[t]);
    }
}

int kr_stoch(size_t n, const double *const *in, const double *params,
             double *const *out)
{
    if (n == 0)
        return KR_OK;
    const size_t w = (size_t)params[0];
    const size_t nsma = (size_t)params[1] - 1 + (size_t)params[2] - 1;
    const size_t size =
        2 * (w + 1) * sizeof(kr__ext_ent) + (nsma + 1) * sizeof(double);
    kr__ext_ent *suf = kr_alloc_aligned(size);
    if (!suf)
        return KR_ENOMEM;
    memset(suf, 0, size);
    double *rk = (double *)(suf + 2 * w + 2);
    double *rd = rk + ((size_t)params[1] - 1);
    if (!stoch_fast(n, in, out[0], out[1], params, (double *)suf, rk, rd))
        stoch_exact(n, in, out[0], out[1], params, suf, rk, rd);
    kr_free_aligned(suf);
    return KR_OK;
}

size_t kr_stoch_stream_size(const double *params)
{
    const size_t w = (size_t)params[0];
    const size_t nsma = (size_t)params[1] - 1 + (size_t)params[2] - 1;
    return sizeof(stoch_state) + 2 * (w + 1) * sizeof(kr__ext_ent) +
           2 * w * sizeof(double) + nsma * sizeof(double);
}

int kr_stoch_stream_init(void *state, const double *params)
{
    stoch_state *s = state;
    memset(s, 0, kr_stoch_stream_size(params));
    stoch_core_init(&s->c, s->suf, params);
    return KR_OK;
}

void kr_stoch_stream_next(void *state, const double *in, double *out)
{
    stoch_state *s = state;
    stoch_core *c = &s->c;
    const int w = c->fastk;
    kr__ext_ent *sh = s->suf, *sl = s->suf + w + 1;
    double *rh = (double *)(s->suf + 2 * w + 2), *rl = rh + w;
    double *rk = rl + w, *rd = rk + (c->slowk - 1);
    const double high = in[0], low = in[1];
    const int32_t pos = c->hi.pos;
    const int64_t t = c->t;
    kr__ext_next(&c->hi, sh, rh, high, kr__ring_trail(rh, pos, w, high), t,
                 true, false);
    kr__ext_next(&c->lo, sl, rl, low, kr__ring_trail(rl, pos, w, low), t,
                 false, false);
    rh[pos] = high;
    rl[pos] = low;
    if (t < w - 1)
        out[0] = out[1] = NAN;
    else
        stoch_tail(c, rk, rd,
                   kr__stoch_k(in[2], kr__ext_val(&c->hi),
                               kr__ext_val(&c->lo)),
                   &out[0], &out[1]);
    c->t++;
}

const kr_ta_info kr_stoch_info = {
    .name = "stoch",
    .title = "Stochastic Oscillator (slow)",
    .talib = "STOCH",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 3,
    .params = {{"fastk", 5, 1, 100000, true},
               {"slowk", 3, 1, 100000, true},
               {"slowd", 3, 1, 100000, true}},
    .noutputs = 2,
    .outputs = {"k", "d"},
    .start = kr_stoch_start,
    .batch = kr_stoch,
    .stream_size = kr_stoch_stream_size,
    .stream_init = kr_stoch_stream_init,
    .stream_next = kr_stoch_stream_next,
    .formula = "fastk = 100 * (close - min(low, fastk)) / (max(high, fastk) "
               "- min(low, fastk)); k = sma(fastk, slowk); d = sma(k, slowd)",
};

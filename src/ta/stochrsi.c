/* stochrsi.c -- stochastic RSI, equal to TA-Lib's STOCHRSI with a simple
 * moving average for %D.
 *
 * Tushar Chande and Stanley Kroll's stochastic RSI ("Stochastic RSI and
 * Dynamic Momentum Index", Technical Analysis of Stocks & Commodities 11:5,
 * 1993) as TA-Lib 0.4.0 builds it: TA_STOCHF run over TA_RSI(period), the
 * RSI column serving as high, low and close. Fast %K is (rsi - lowest rsi)
 * / ((highest rsi - lowest rsi) / 100) over the last `fastk` RSI values, 0
 * when the range is exactly zero; %D is the SMA of %K over `fastd` values
 * (a copy for 1). Both start at bar period + (fastk - 1) + (fastd - 1),
 * TA-Lib's lookback.
 *
 * The RSI is TA-Lib's to the bit (window.h's kr__rsi with `exact`, which
 * divides where rsi.c multiplies by a reciprocal): on a flat stretch the
 * RSI's highest and lowest differ by an ulp or two, and %K is the ratio of
 * those ulps, which only the same arithmetic reproduces. The extremes come
 * from window.h's kr__ext (TA-Lib's bookkeeping, van Herk/Gil-Werman
 * blocks, O(1) amortised), indexed by RSI value rather than by bar. The RSI
 * column is never stored: batch and stream keep a ring of the last `fastk`
 * RSI values, the batch in a buffer it allocates for the call. The batch
 * first runs the blocks alone (kr__vh: a MAXSD and a MINSD per value),
 * which give the same extremes while the RSI is not NaN (it is never -0.0,
 * so equal values have equal bits), and falls back to kr__ext over the
 * whole call at the first NaN. RSI and %K/%D are the same steps in both.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef struct stochrsi_core {
    int period, fastk, fastd;
    int64_t t; /* bars seen */
    kr__rsi rsi;
    kr__ext hi, lo;
    kr__sma d;
} stochrsi_core;

typedef struct stochrsi_bufs {
    kr__ext_ent *hi, *lo; /* fastk + 1 suffix entries each */
    double *ring;         /* the last fastk RSI values */
    double *d;            /* fastd - 1 */
} stochrsi_bufs;

typedef struct stochrsi_state {
    stochrsi_core c;
    kr__ext_ent suf[]; /* then the other buffers, see stochrsi_bufs_at */
} stochrsi_state;

int kr_stochrsi_start(const double *params)
{
    return (int)params[0] + (int)params[1] - 1 + (int)params[2] - 1;
}

static size_t stochrsi_bufs_size(const double *params)
{
    const size_t fk = (size_t)params[1], fd = (size_t)params[2];
    return 2 * (fk + 1) * sizeof(kr__ext_ent) + fk * sizeof(double) +
           (fd - 1) * sizeof(double);
}

static stochrsi_bufs stochrsi_bufs_at(kr__ext_ent *base, int fastk)
{
    stochrsi_bufs r;
    r.hi = base;
    r.lo = base + fastk + 1;
    r.ring = (double *)(base + 2 * fastk + 2);
    r.d = r.ring + fastk;
    return r;
}

static void stochrsi_core_init(stochrsi_core *c, const stochrsi_bufs *r,
                               const double *params)
{
    c->period = (int)params[0];
    c->fastk = (int)params[1];
    c->fastd = (int)params[2];
    c->t = 0;
    kr__rsi_init(&c->rsi, c->period);
    kr__ext_init(&c->hi, r->hi, c->fastk);
    kr__ext_init(&c->lo, r->lo, c->fastk);
    kr__sma_init(&c->d, c->fastd);
}

/* From the fastk-th RSI value on, given the window's extremes: %K, %D. */
KR__STEP void stochrsi_tail(stochrsi_core *c, const stochrsi_bufs *r,
                            int64_t j, double v, double highest,
                            double lowest, double *ok, double *od)
{
    const double k = kr__stoch_k(v, highest, lowest);
    const double d = kr__sma_next(&c->d, r->d, k);
    if (j >= c->fastk - 1 + c->fastd - 1) {
        *ok = k;
        *od = d;
    }
}

KR__STEP void stochrsi_step(stochrsi_core *c, const stochrsi_bufs *r,
                            double x, double *ok, double *od)
{
    const double v = kr__rsi_next(&c->rsi, x, true);
    const int64_t j = c->t++ - c->period; /* index of v among RSI values */
    *ok = *od = NAN;
    if (j < 0)
        return;
    const int w = c->fastk;
    const int32_t pos = c->hi.pos;
    const double trail = kr__ring_trail(r->ring, pos, w, v);
    kr__ext_next(&c->hi, r->hi, r->ring, v, trail, j, true, false);
    kr__ext_next(&c->lo, r->lo, r->ring, v, trail, j, false, false);
    r->ring[pos] = v;
    if (j >= w - 1)
        stochrsi_tail(c, r, j, v, kr__ext_val(&c->hi), kr__ext_val(&c->lo),
                      ok, od);
}

/* The batch while the RSI is not NaN; false, with the outputs half
 * written, at its first NaN. */
static bool stochrsi_fast(size_t n, const double *x, double *ok, double *od,
                          const double *params, const stochrsi_bufs *r)
{
    stochrsi_core c;
    stochrsi_core_init(&c, r, params);
    const int w = c.fastk;
    kr__vh hi, lo;
    kr__vh_init(&hi, w);
    kr__vh_init(&lo, w);
    double *sh = (double *)r->hi, *sl = (double *)r->lo;
    const int64_t nn = (int64_t)n;
    for (int64_t i = 0; i < nn; i++) {
        const double v = kr__rsi_next(&c.rsi, x[i], true);
        const int64_t j = i - c.period;
        ok[i] = od[i] = NAN;
        if (j < 0)
            continue;
        if (v != v)
            return false;
        const int32_t pos = hi.pos;
        const double hh = kr__vh_next(&hi, sh, r->ring, v, j, true);
        const double ll = kr__vh_next(&lo, sl, r->ring, v, j, false);
        r->ring[pos] = v;
        if (j >= w - 1)
            stochrsi_tail(&c, r, j, v, hh, ll, &ok[i], &od[i]);
    }
    return true;
}

int kr_stochrsi(size_t n, const double *const *in, const double *params,
                double *const *out)
{
    if (n == 0)
        return KR_OK;
    const size_t size = stochrsi_bufs_size(params) + sizeof(double);
    kr__ext_ent *buf = kr_alloc_aligned(size);
    if (!buf)
        return KR_ENOMEM;
    memset(buf, 0, size);
    const stochrsi_bufs r = stochrsi_bufs_at(buf, (int)params[1]);
    if (!stochrsi_fast(n, in[0], out[0], out[1], params, &r)) {
        stochrsi_core c;
        stochrsi_core_init(&c, &r, params);
        for (size_t i = 0; i < n; i++)
            stochrsi_step(&c, &r, in[0][i], &out[0][i], &out[1][i]);
    }
    kr_free_aligned(buf);
    return KR_OK;
}

size_t kr_stochrsi_stream_size(const double *params)
{
    return sizeof(stochrsi_state) + stochrsi_bufs_size(params);
}

int kr_stochrsi_stream_init(void *state, const double *params)
{
    stochrsi_state *s = state;
    memset(s, 0, kr_stochrsi_stream_size(params));
    const stochrsi_bufs r = stochrsi_bufs_at(s->suf, (int)params[1]);
    stochrsi_core_init(&s->c, &r, params);
    return KR_OK;
}

void kr_stochrsi_stream_next(void *state, const double *in, double *out)
{
    stochrsi_state *s = state;
    const stochrsi_bufs r = stochrsi_bufs_at(s->suf, s->c.fastk);
    stochrsi_step(&s->c, &r, in[0], &out[0], &out[1]);
}

const kr_ta_info kr_stochrsi_info = {
    .name = "stochrsi",
    .title = "Stochastic RSI",
    .talib = "STOCHRSI",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 3,
    .params = {{"period", 14, 2, 100000, true},
               {"fastk", 5, 1, 100000, true},
               {"fastd", 3, 1, 100000, true}},
    .noutputs = 2,
    .outputs = {"k", "d"},
    .start = kr_stochrsi_start,
    .batch = kr_stochrsi,
    .stream_size = kr_stochrsi_stream_size,
    .stream_init = kr_stochrsi_stream_init,
    .stream_next = kr_stochrsi_stream_next,
    .formula = "k = 100 * (rsi - min(rsi, fastk)) / (max(rsi, fastk) - "
               "min(rsi, fastk)), rsi = rsi(close, period); d = sma(k, fastd)",
};

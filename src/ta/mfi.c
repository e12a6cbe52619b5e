/* mfi.c -- money flow index, equal to TA-Lib's MFI.
 *
 * Gene Quong and Avrum Soudack's MFI as TA-Lib 0.4.0 computes it: the money
 * flow of a bar is its typical price (high + low + close) / 3 times its
 * volume, positive when the typical price rose from the bar before,
 * negative when it fell, and neither when it is unchanged (or either is
 * NaN). Running sums of the last `period` positive and negative flows give
 * MFI = 100 * pos / (pos + neg), and 0 when pos + neg is below 1 (TA-Lib's
 * guard, in money, not an epsilon). The first value is at bar `period`.
 *
 * The sums are TA-Lib's: the oldest flow is subtracted before the newest is
 * added, and a ring keeps the last `period` flows. A flow goes to one sum
 * and 0.0 to the other, with no branch, which leaves the other sum's bits
 * as TA-Lib's. Batch and stream run the same step.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"

typedef struct mfi_flow {
    double pos, neg;
} mfi_flow;

typedef struct mfi_core {
    int period;
    int pos;    /* ring slot of the oldest flow */
    int64_t t;  /* bars seen */
    double prev; /* typical price of the bar before */
    double psum, nsum;
} mfi_core;

typedef struct mfi_state {
    mfi_core c;
    mfi_flow ring[]; /* period flows */
} mfi_state;

int kr_mfi_start(const double *params) { return (int)params[0]; }

static inline double mfi_tp(double high, double low, double close)
{
    const double s = high + low;
    const double s2 = s + close;
    return s2 / 3.0;
}

static inline double mfi_value(double psum, double nsum)
{
    const double s = psum + nsum;
    if (s < 1.0)
        return 0.0;
    return 100.0 * (psum / s);
}

/* Enters one bar's flow into slot c->pos and the sums; the caller has
 * subtracted whatever the slot held. */
static inline void mfi_add(mfi_core *c, mfi_flow *ring, double high,
                           double low, double close, double volume)
{
    const double tp = mfi_tp(high, low, close);
    const double d = tp - c->prev;
    c->prev = tp;
    const double f = tp * volume;
    const double fp = d > 0 ? f : 0.0;
    const double fn = d < 0 ? f : 0.0;
    ring[c->pos].pos = fp;
    ring[c->pos].neg = fn;
    c->psum += fp;
    c->nsum += fn;
}

/* One bar: the MFI, NaN before bar `period`. */
static inline double mfi_step(mfi_core *c, mfi_flow *ring, double high,
                              double low, double close, double volume)
{
    const int64_t t = c->t++;
    if (t == 0) {
        c->prev = mfi_tp(high, low, close);
        return NAN;
    }
    if (t > c->period) {
        c->psum -= ring[c->pos].pos;
        c->nsum -= ring[c->pos].neg;
    }
    mfi_add(c, ring, high, low, close, volume);
    if (++c->pos == c->period)
        c->pos = 0;
    return t >= c->period ? mfi_value(c->psum, c->nsum) : NAN;
}

static void mfi_core_init(mfi_core *c, int period)
{
    memset(c, 0, sizeof *c);
    c->period = period;
}

int kr_mfi(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *high = in[0], *low = in[1], *close = in[2], *vol = in[3];
    double *y = out[0];
    const int p = (int)params[0];
    if (n == 0)
        return KR_OK;
    mfi_flow *ring = kr_alloc_aligned((size_t)p * sizeof *ring);
    if (!ring)
        return KR_ENOMEM;
    mfi_core c;
    mfi_core_init(&c, p);
    size_t i = 0;
    for (; i < n && i <= (size_t)p; i++)
        y[i] = mfi_step(&c, ring, high[i], low[i], close[i], vol[i]);
    /* From here every bar subtracts the oldest flow first. */
    for (; i < n; i++) {
        c.psum -= ring[c.pos].pos;
        c.nsum -= ring[c.pos].neg;
        mfi_add(&c, ring, high[i], low[i], close[i], vol[i]);
        if (++c.pos == p)
            c.pos = 0;
        y[i] = mfi_value(c.psum, c.nsum);
    }
    kr_free_aligned(ring);
    return KR_OK;
}

size_t kr_mfi_stream_size(const double *params)
{
    return sizeof(mfi_state) + (size_t)params[0] * sizeof(mfi_flow);
}

int kr_mfi_stream_init(void *state, const double *params)
{
    mfi_state *s = state;
    memset(s, 0, kr_mfi_stream_size(params));
    mfi_core_init(&s->c, (int)params[0]);
    return KR_OK;
}

void kr_mfi_stream_next(void *state, const double *in, double *out)
{
    mfi_state *s = state;
    out[0] = mfi_step(&s->c, s->ring, in[0], in[1], in[2], in[3]);
}

const kr_ta_info kr_mfi_info = {
    .name = "mfi",
    .title = "Money Flow Index",
    .talib = "MFI",
    .ninputs = 4,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE, KR_TA_VOLUME},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"mfi"},
    .start = kr_mfi_start,
    .batch = kr_mfi,
    .stream_size = kr_mfi_stream_size,
    .stream_init = kr_mfi_stream_init,
    .stream_next = kr_mfi_stream_next,
    .formula = "mfi = 100 * sum(pos flow, period) / sum(flow, period), flow "
               "= tp * volume signed by the change of tp; 0 below 1",
};

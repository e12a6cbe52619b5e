/* obv.c -- on-balance volume, equal to TA-Lib's OBV.
 *
 * A running total of volume, added on bars that close above the previous
 * close and subtracted on bars that close below it (J. Granville, New Key
 * to Stock Market Profits, 1963). TA-Lib 0.4.0 (ta_OBV.c) starts the total
 * at the first bar's volume and compares the first close with itself, so
 * bar 0 gives volume[0] and there is no warm-up; we do the same. Like
 * TA-Lib's, the comparisons are false for a NaN close, which then leaves
 * the total unchanged for that bar and the next, while a NaN volume on a
 * bar that moves makes every later total NaN. The stream keeps the previous
 * close and the total.
 *
 * The total is TA-Lib's running sum, one addition a bar in its order. What
 * each bar adds is chosen without a branch, and the batch chooses it for
 * four bars at once in a vector (obv_delta4) before adding the four one by
 * one; over long series it writes with non-temporal stores (stats.h), since
 * at one addition a bar it is memory, not arithmetic, that sets the pace:
 * on 10M bars it moves its three columns at the machine's read bandwidth
 * (0.98 of it by the benchmark's count), about 9 times Tulip's OBV, which
 * branches on every bar.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef struct obv_state {
    int started;
    double prev; /* previous close */
    double obv;
} obv_state;

int kr_obv_start(const double *params)
{
    (void)params;
    return 0;
}

/* One bar: the total after close c with volume v, given the previous close.
 * TA-Lib adds v on a rise and subtracts it on a fall; adding v or -v
 * (negation is exact) is the same sum, and choosing it without a branch
 * (kr__keep; at most one of the two is nonzero, so OR-ing their bits picks
 * it) spares a mispredicted jump on half the bars. On a flat bar +0.0 is
 * added, which changes nothing but the sign of a total of -0.0. */
static inline double obv_step(double obv, double prev, double c, double v)
{
    const double up = kr__keep(c > prev, v), down = kr__keep(c < prev, -v);
    uint64_t bu, bd;
    memcpy(&bu, &up, sizeof bu);
    memcpy(&bd, &down, sizeof bd);
    bu |= bd;
    double delta;
    memcpy(&delta, &bu, sizeof delta);
    return obv + delta;
}

/* obv_delta4 is obv_step's choice for four bars at once, in a vector: c
 * holds their closes and prev the closes before them, v the volumes. */
static inline void obv_delta4(const double *c, const double *prev,
                              const double *v, kr__v4d *delta)
{
    kr__v4d cv, pv, vv;
    kr__v4_load(&cv, c);
    kr__v4_load(&pv, prev);
    kr__v4_load_reg(&vv, v);
    const kr__v4i rise = cv > pv, fall = cv < pv;
    const kr__v4i up = (kr__v4i)vv & rise;
    const kr__v4i down = (kr__v4i)(-vv) & fall;
    *delta = (kr__v4d)(up | down);
}

int kr_obv(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    (void)params;
    const double *c = in[0], *v = in[1];
    double *y = out[0];
    if (n == 0)
        return KR_OK;
    /* Bar 0 compares the first close with itself, as TA-Lib does. */
    double obv = obv_step(v[0], c[0], c[0], v[0]);
    y[0] = obv;
    size_t i = 1;
    const bool nt = kr__nt_ok(n);
    for (const size_t head = nt ? kr__nt_from(y, i) : 0; i < n && i < head;
         i++) {
        obv = obv_step(obv, c[i - 1], c[i], v[i]);
        y[i] = obv;
    }
    for (; i + 4 <= n; i += 4) {
        kr__v4d d, o;
        obv_delta4(c + i, c + i - 1, v + i, &d);
        for (int j = 0; j < 4; j++) {
            obv += d[j];
            o[j] = obv;
        }
        if (nt)
            kr__v4_store_nt(y + i, &o);
        else
            kr__v4_store(y + i, &o);
    }
    for (; i < n; i++) {
        obv = obv_step(obv, c[i - 1], c[i], v[i]);
        y[i] = obv;
    }
    if (nt)
        kr__nt_fence();
    return KR_OK;
}

size_t kr_obv_stream_size(const double *params)
{
    (void)params;
    return sizeof(obv_state);
}

int kr_obv_stream_init(void *state, const double *params)
{
    (void)params;
    memset(state, 0, sizeof(obv_state));
    return KR_OK;
}

void kr_obv_stream_next(void *state, const double *in, double *out)
{
    obv_state *s = state;
    const double c = in[0], v = in[1];
    if (!s->started) {
        s->started = 1;
        s->obv = v;
        s->prev = c;
    }
    s->obv = obv_step(s->obv, s->prev, c, v);
    s->prev = c;
    out[0] = s->obv;
}

const kr_ta_info kr_obv_info = {
    .name = "obv",
    .title = "On Balance Volume",
    .talib = "OBV",
    .ninputs = 2,
    .inputs = {KR_TA_CLOSE, KR_TA_VOLUME},
    .nparams = 0,
    .noutputs = 1,
    .outputs = {"obv"},
    .start = kr_obv_start,
    .batch = kr_obv,
    .stream_size = kr_obv_stream_size,
    .stream_init = kr_obv_stream_init,
    .stream_next = kr_obv_stream_next,
    .formula = "obv = volume[0] at bar 0, then obv[-1] + volume if close > "
               "close[-1], - volume if close < close[-1], else obv[-1]",
};

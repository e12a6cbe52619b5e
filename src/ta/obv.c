/* obv.c -- on-balance volume, equal to TA-Lib's OBV.
 *
 * A running total of volume, added on bars that close above the previous
 * close and subtracted on bars that close below it (J. Granville, New Key
 * to Stock Market Profits, 1963). TA-Lib 0.4.0 (ta_OBV.c) starts the total
 * at the first bar's volume and compares the first close with itself, so
 * bar 0 gives volume[0] and there is no warm-up; we do the same. Like TA-Lib's, the comparisons are false for a NaN close,
 * which then leaves the total unchanged for that bar and the next, while a
 * NaN volume on a bar that moves makes every later total NaN. The stream
 * keeps the previous close and the total.
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

int kr_obv(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    (void)params;
    const double *c = in[0], *v = in[1];
    double *y = out[0];
    if (n == 0)
        return KR_OK;
    double obv = v[0], prev = c[0];
    for (size_t i = 0; i < n; i++) {
        obv = obv_step(obv, prev, c[i], v[i]);
        y[i] = obv;
        prev = c[i];
    }
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

/* dema.c -- double exponential moving average, equal to TA-Lib's DEMA.
 *
 * dema = 2 * ema1 - ema2, with ema1 = EMA(close, period) and ema2 =
 * EMA(ema1, period): Patrick Mulloy's lag-reduced average ("Smoothing Data
 * With Faster Moving Averages", Stocks & Commodities V.12:1, 1994), not the
 * plain EMA of an EMA. Both EMAs are seeded TA-Lib's way, each with the mean
 * of its first `period` inputs, so ema1 starts at bar period-1, ema2 at bar
 * 2*(period-1), and so does the output.
 *
 * Both are ma.h's kr__ema4: after the seed, three one-bar steps and then
 * the recurrence unrolled four bars at a time (ema.c says why), where
 * TA-Lib and Tulip take a chain of operations a bar. The batch runs both
 * EMAs in one loop, four bars at a time in vectors, ema2's inputs being
 * ema1's four new values and the four before them (kr__v4_back), so that
 * the two chains overlap: on 10M bars about 2.7 times Tulip's DEMA. The
 * stream takes the same steps one bar at a time, so batch and stream agree
 * bit for bit and TA-Lib to a few ulps (4e-15 relative at worst on the
 * parity series). The stream is two EMA states and no ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct dema_state {
    kr__ema4 e1, e2;
} dema_state;

/* TA-Lib's (2.0 * ema1) - ema2. */
static inline double dema_combine(double v1, double v2)
{
    const double a = 2.0 * v1;
    return a - v2;
}

static void dema_init(dema_state *s, int period)
{
    memset(s, 0, sizeof *s);
    kr__ema4_init(&s->e1, period);
    kr__ema4_init(&s->e2, period);
}

static double dema_next(dema_state *s, double x)
{
    const double v1 = kr__ema4_next(&s->e1, x);
    if (!kr__ema4_ready(&s->e1))
        return NAN;
    const double v2 = kr__ema4_next(&s->e2, v1);
    if (!kr__ema4_ready(&s->e2))
        return NAN;
    return dema_combine(v1, v2);
}

int kr_dema_start(const double *params) { return 2 * ((int)params[0] - 1); }

int kr_dema(size_t n, const double *const *in, const double *params,
            double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    dema_state s;
    dema_init(&s, p);
    size_t i = 0;
    for (; i < n && !kr__ema4_steady(&s.e2); i++)
        y[i] = dema_next(&s, x[i]);
    /* Four bars at a time: ema1 from the closes, ema2 from ema1's four new
     * values and the four before them, each a chain of its own. */
    kr__ema4_vec c;
    kr__ema4_vec_init(&c, &s.e1);
    kr__v4d v1, v2, xin, unused;
    kr__ema4_last(&s.e1, &v1, &xin);
    kr__ema4_last(&s.e2, &v2, &unused);
    const kr__v4d two = {2.0, 2.0, 2.0, 2.0};
    const size_t start = i;
    for (; i + 4 <= n; i += 4) {
        kr__v4d x0, x1, x2, x3, w1, w2, w3;
        kr__v4_load(&x0, x + i);
        kr__v4_load(&x1, x + i - 1);
        kr__v4_load(&x2, x + i - 2);
        kr__v4_load(&x3, x + i - 3);
        const kr__v4d p1 = v1;
        kr__ema4_vstep(&c, &x0, &x1, &x2, &x3, &v1);
        kr__v4_back(&p1, &v1, &w1, &w2, &w3);
        kr__ema4_vstep(&c, &v1, &w1, &w2, &w3, &v2);
        const kr__v4d a = v1 * two;
        const kr__v4d d = a - v2;
        kr__v4_store(y + i, &d);
        xin = x0;
    }
    if (i > start) {
        kr__ema4_save(&s.e1, &v1, &xin);
        kr__ema4_save(&s.e2, &v2, &v1);
    }
    for (; i < n; i++)
        y[i] = dema_next(&s, x[i]);
    return KR_OK;
}

size_t kr_dema_stream_size(const double *params)
{
    (void)params;
    return sizeof(dema_state);
}

int kr_dema_stream_init(void *state, const double *params)
{
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    dema_init(state, p);
    return KR_OK;
}

void kr_dema_stream_next(void *state, const double *in, double *out)
{
    out[0] = dema_next(state, in[0]);
}

const kr_ta_info kr_dema_info = {
    .name = "dema",
    .title = "Double Exponential Moving Average",
    .talib = "DEMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"dema"},
    .start = kr_dema_start,
    .batch = kr_dema,
    .stream_size = kr_dema_stream_size,
    .stream_init = kr_dema_stream_init,
    .stream_next = kr_dema_stream_next,
    .formula = "dema = 2 * ema(close, period) - "
               "ema(ema(close, period), period)",
};

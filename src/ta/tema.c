/* tema.c -- triple exponential moving average, equal to TA-Lib's TEMA.
 *
 * tema = 3 * ema1 - 3 * ema2 + ema3, where ema1 = EMA(close, period), ema2 =
 * EMA(ema1, period) and ema3 = EMA(ema2, period): Patrick Mulloy's
 * lag-reduced average ("Smoothing Data With Less Lag", Stocks & Commodities
 * V.12:2, 1994). Each EMA is seeded TA-Lib's way with the mean of its first
 * `period` inputs, so the chain starts at bars period-1, 2*(period-1) and
 * 3*(period-1), the last being the first output. TA-Lib adds the terms as
 * ema3 + ((3 * ema1) - (3 * ema2)); tema_combine keeps that order, one
 * operation per statement so that no compiler fuses it into an FMA.
 *
 * The three EMAs are ma.h's kr__ema4: after the seed, three one-bar steps
 * and then the recurrence unrolled four bars at a time (ema.c says why),
 * where TA-Lib and Tulip take a chain of operations a bar. The batch runs
 * the three EMAs in one loop, four bars at a time in vectors, each taking
 * the four new values of the one before it and the four before them
 * (kr__v4_back), so that the three chains overlap: on 10M bars about 1.6
 * times Tulip's TEMA. The stream takes the same steps one bar at a time,
 * so batch and stream agree bit for bit and TA-Lib to a few ulps (5e-15
 * relative at worst on the parity series). The stream is three EMA states
 * and no ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct tema_state {
    kr__ema4 e1, e2, e3;
} tema_state;

static inline double tema_combine(double v1, double v2, double v3)
{
    const double a = 3.0 * v1;
    const double b = 3.0 * v2;
    const double d = a - b;
    return v3 + d;
}

static void tema_init(tema_state *s, int period)
{
    memset(s, 0, sizeof *s);
    kr__ema4_init(&s->e1, period);
    kr__ema4_init(&s->e2, period);
    kr__ema4_init(&s->e3, period);
}

static double tema_next(tema_state *s, double x)
{
    const double v1 = kr__ema4_next(&s->e1, x);
    if (!kr__ema4_ready(&s->e1))
        return NAN;
    const double v2 = kr__ema4_next(&s->e2, v1);
    if (!kr__ema4_ready(&s->e2))
        return NAN;
    const double v3 = kr__ema4_next(&s->e3, v2);
    if (!kr__ema4_ready(&s->e3))
        return NAN;
    return tema_combine(v1, v2, v3);
}

int kr_tema_start(const double *params) { return 3 * ((int)params[0] - 1); }

int kr_tema(size_t n, const double *const *in, const double *params,
            double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    tema_state s;
    tema_init(&s, p);
    size_t i = 0;
    for (; i < n && !kr__ema4_steady(&s.e3); i++)
        y[i] = tema_next(&s, x[i]);
    /* Four bars at a time: ema1 from the closes, ema2 from ema1's four new
     * values and the four before them, ema3 likewise from ema2, each a
     * chain of its own. */
    kr__ema4_vec c;
    kr__ema4_vec_init(&c, &s.e1);
    kr__v4d v1, v2, v3, xin, unused;
    kr__ema4_last(&s.e1, &v1, &xin);
    kr__ema4_last(&s.e2, &v2, &unused);
    kr__ema4_last(&s.e3, &v3, &unused);
    const kr__v4d three = {3.0, 3.0, 3.0, 3.0};
    const size_t start = i;
    for (; i + 4 <= n; i += 4) {
        kr__v4d x0, x1, x2, x3, w1, w2, w3;
        kr__v4_load(&x0, x + i);
        kr__v4_load(&x1, x + i - 1);
        kr__v4_load(&x2, x + i - 2);
        kr__v4_load(&x3, x + i - 3);
        const kr__v4d p1 = v1, p2 = v2;
        kr__ema4_vstep(&c, &x0, &x1, &x2, &x3, &v1);
        kr__v4_back(&p1, &v1, &w1, &w2, &w3);
        kr__ema4_vstep(&c, &v1, &w1, &w2, &w3, &v2);
        kr__v4_back(&p2, &v2, &w1, &w2, &w3);
        kr__ema4_vstep(&c, &v2, &w1, &w2, &w3, &v3);
        const kr__v4d a = three * v1;
        const kr__v4d b = three * v2;
        const kr__v4d d = a - b;
        const kr__v4d t = v3 + d;
        kr__v4_store(y + i, &t);
        xin = x0;
    }
    if (i > start) {
        kr__ema4_save(&s.e1, &v1, &xin);
        kr__ema4_save(&s.e2, &v2, &v1);
        kr__ema4_save(&s.e3, &v3, &v2);
    }
    for (; i < n; i++)
        y[i] = tema_next(&s, x[i]);
    return KR_OK;
}

size_t kr_tema_stream_size(const double *params)
{
    (void)params;
    return sizeof(tema_state);
}

int kr_tema_stream_init(void *state, const double *params)
{
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    tema_init(state, p);
    return KR_OK;
}

void kr_tema_stream_next(void *state, const double *in, double *out)
{
    out[0] = tema_next(state, in[0]);
}

const kr_ta_info kr_tema_info = {
    .name = "tema",
    .title = "Triple Exponential Moving Average",
    .talib = "TEMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"tema"},
    .start = kr_tema_start,
    .batch = kr_tema,
    .stream_size = kr_tema_stream_size,
    .stream_init = kr_tema_stream_init,
    .stream_next = kr_tema_stream_next,
    .formula = "tema = 3*ema1 - 3*ema2 + ema3, ema1 = ema(close, period), "
               "emaN = ema(ema(N-1), period)",
};

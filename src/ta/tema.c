/* tema.c -- triple exponential moving average, equal to TA-Lib's TEMA.
 *
 * tema = 3 * ema1 - 3 * ema2 + ema3, where ema1 = EMA(close, period), ema2 =
 * EMA(ema1, period) and ema3 = EMA(ema2, period): Patrick Mulloy's
 * lag-reduced average ("Smoothing Data With Less Lag", Stocks & Commodities
 * V.12:2, 1994). Each EMA is seeded TA-Lib's way with the mean of its first
 * `period` inputs, so the chain starts at bars period-1, 2*(period-1) and
 * 3*(period-1), the last being the first output. TA-Lib adds the terms as
 * ema3 + ((3 * ema1) - (3 * ema2)); tema_combine keeps that order, one
 * operation per statement so that no compiler fuses it into an FMA. Both
 * forms run ma.h's kr__ema for the warm-up and kr__ema_step_fast after it
 * (one multiply and one add on each EMA's critical path, as in Tulip's TEMA,
 * where TA-Lib's order takes three operations), so batch and stream agree
 * bit for bit and TA-Lib to a few ulps. The stream is three EMA states and no
 * ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct tema_state {
    kr__ema e1, e2, e3;
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
    kr__ema_init(&s->e1, period);
    kr__ema_init(&s->e2, period);
    kr__ema_init(&s->e3, period);
}

static double tema_next(tema_state *s, double x)
{
    const double v1 = kr__ema_next_fast(&s->e1, x);
    if (!kr__ema_ready(&s->e1))
        return NAN;
    const double v2 = kr__ema_next_fast(&s->e2, v1);
    if (!kr__ema_ready(&s->e2))
        return NAN;
    const double v3 = kr__ema_next_fast(&s->e3, v2);
    if (!kr__ema_ready(&s->e3))
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
    for (; i < n && !kr__ema_ready(&s.e3); i++)
        y[i] = tema_next(&s, x[i]);
    const double k = s.e1.k, c = s.e1.c;
    double v1 = s.e1.value, v2 = s.e2.value, v3 = s.e3.value;
    for (; i < n; i++) {
        v1 = kr__ema_step_fast(v1, x[i], k, c);
        v2 = kr__ema_step_fast(v2, v1, k, c);
        v3 = kr__ema_step_fast(v3, v2, k, c);
        y[i] = tema_combine(v1, v2, v3);
    }
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

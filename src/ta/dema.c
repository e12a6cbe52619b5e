/* dema.c -- double exponential moving average, equal to TA-Lib's DEMA.
 *
 * dema = 2 * ema1 - ema2, with ema1 = EMA(close, period) and ema2 =
 * EMA(ema1, period): Patrick Mulloy's lag-reduced average ("Smoothing Data
 * With Faster Moving Averages", Stocks & Commodities V.12:1, 1994), not the
 * plain EMA of an EMA. Both EMAs are seeded TA-Lib's way, each with the mean
 * of its first `period` inputs, so ema1 starts at bar period-1, ema2 at bar
 * 2*(period-1), and so does the output. Both forms run ma.h's kr__ema for the
 * warm-up and kr__ema_step_fast after it (one multiply and one add on each
 * EMA's critical path, as in Tulip's DEMA, where TA-Lib's order takes three
 * operations), so batch and stream agree bit for bit and TA-Lib to a few
 * ulps. The stream is two EMA states and no ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct dema_state {
    kr__ema e1, e2;
} dema_state;

/* TA-Lib's (2.0 * ema1) - ema2. */
static inline double dema_combine(double v1, double v2)
{
    return (2.0 * v1) - v2;
}

static void dema_init(dema_state *s, int period)
{
    memset(s, 0, sizeof *s);
    kr__ema_init(&s->e1, period);
    kr__ema_init(&s->e2, period);
}

static double dema_next(dema_state *s, double x)
{
    const double v1 = kr__ema_next_fast(&s->e1, x);
    if (!kr__ema_ready(&s->e1))
        return NAN;
    const double v2 = kr__ema_next_fast(&s->e2, v1);
    if (!kr__ema_ready(&s->e2))
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
    for (; i < n && !kr__ema_ready(&s.e2); i++)
        y[i] = dema_next(&s, x[i]);
    const double k = s.e1.k, c = s.e1.c;
    double v1 = s.e1.value, v2 = s.e2.value;
    for (; i < n; i++) {
        v1 = kr__ema_step_fast(v1, x[i], k, c);
        v2 = kr__ema_step_fast(v2, v1, k, c);
        y[i] = dema_combine(v1, v2);
    }
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

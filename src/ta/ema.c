/* ema.c -- exponential moving average, equal to TA-Lib's EMA.
 *
 * ema[i] = ema[i-1] + k * (close[i] - ema[i-1]) with k = 2 / (period + 1),
 * seeded as TA-Lib does by default: the first value, at bar period-1, is the
 * simple mean of the first `period` closes (TA-Lib's bits). The batch seeds
 * through the same kr__ema state the stream uses, then runs a tight loop of
 * ma.h's kr__ema_step_fast, ema[-1] * (1 - k) + close * k, whose critical
 * path is one multiply and one add: on 10M bars about 1.3 times faster than
 * TA-Lib's subtract-multiply-add order (which is also Tulip's), at the cost
 * of a few ulps of difference from TA-Lib that the smoothing keeps bounded.
 * The stream takes the same steps, so batch and stream agree bit for bit; it
 * needs no ring. As in TA-Lib, a NaN close makes every later value NaN.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct ema_state {
    kr__ema ema;
} ema_state;

int kr_ema_start(const double *params) { return (int)params[0] - 1; }

int kr_ema(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    kr__ema e;
    kr__ema_init(&e, p);
    size_t i = 0;
    for (; i < n && !kr__ema_ready(&e); i++)
        y[i] = kr__ema_seed(&e, x[i]);
    const double k = e.k, c = e.c;
    double v = e.value;
    for (; i < n; i++) {
        v = kr__ema_step_fast(v, x[i], k, c);
        y[i] = v;
    }
    return KR_OK;
}

size_t kr_ema_stream_size(const double *params)
{
    (void)params;
    return sizeof(ema_state);
}

int kr_ema_stream_init(void *state, const double *params)
{
    ema_state *s = state;
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    memset(s, 0, sizeof *s);
    kr__ema_init(&s->ema, p);
    return KR_OK;
}

void kr_ema_stream_next(void *state, const double *in, double *out)
{
    ema_state *s = state;
    out[0] = kr__ema_next_fast(&s->ema, in[0]);
}

const kr_ta_info kr_ema_info = {
    .name = "ema",
    .title = "Exponential Moving Average",
    .talib = "EMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"ema"},
    .start = kr_ema_start,
    .batch = kr_ema,
    .stream_size = kr_ema_stream_size,
    .stream_init = kr_ema_stream_init,
    .stream_next = kr_ema_stream_next,
    .formula = "ema = ema[-1] + 2/(period+1) * (close - ema[-1]), seeded with "
               "sma(close, period)",
};

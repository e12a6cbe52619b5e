/* rsi.c -- relative strength index, equal to TA-Lib's RSI.
 *
 * Wilder's RSI (New Concepts in Technical Trading Systems, 1978) as TA-Lib
 * 0.4.0 computes it with no unstable period: the first value, at bar
 * `period`, averages the first `period` changes (gains and losses summed
 * and divided by the period); every later average is Wilder's smoothing,
 * avg = (avg * (period - 1) + change) / period, and RSI = 100 * gain /
 * (gain + loss), 0 when gain + loss is zero within TA-Lib's epsilon. A NaN
 * change counts as a gain, as in TA-Lib, so a NaN input makes every later
 * value NaN.
 *
 * The smoothing multiplies by a precomputed 1/period where TA-Lib divides,
 * which keeps the loop's critical path to three short operations; values
 * stay within a few units in the last place of TA-Lib's. Batch and stream
 * share the steps of window.h.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef struct rsi_state {
    kr__rsi rsi;
} rsi_state;

int kr_rsi_start(const double *params) { return (int)params[0]; }

int kr_rsi(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const size_t p = (size_t)params[0];
    if (n <= p) {
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
        return KR_OK;
    }
    kr__rsi r;
    kr__rsi_init(&r, (int)p);
    size_t i = 0;
    for (; i <= p; i++)
        y[i] = kr__rsi_next(&r, x[i], false);
    /* The smoothing phase, with the state in registers. */
    const double pm1 = r.pm1, inv = r.inv, dp = r.dp;
    double gain = r.gain, loss = r.loss, prev = r.prev;
    for (; i < n; i++) {
        const double d = x[i] - prev;
        prev = x[i];
        double up, down;
        kr__rsi_split(d, &up, &down);
        gain = kr__rsi_smooth(gain, up, pm1, inv, dp, false);
        loss = kr__rsi_smooth(loss, -down, pm1, inv, dp, false);
        y[i] = kr__rsi_value(gain, loss);
    }
    return KR_OK;
}

size_t kr_rsi_stream_size(const double *params)
{
    (void)params;
    return sizeof(rsi_state);
}

int kr_rsi_stream_init(void *state, const double *params)
{
    rsi_state *s = state;
    memset(s, 0, sizeof *s);
    kr__rsi_init(&s->rsi, (int)params[0]);
    return KR_OK;
}

void kr_rsi_stream_next(void *state, const double *in, double *out)
{
    rsi_state *s = state;
    out[0] = kr__rsi_next(&s->rsi, in[0], false);
}

const kr_ta_info kr_rsi_info = {
    .name = "rsi",
    .title = "Relative Strength Index",
    .talib = "RSI",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"rsi"},
    .start = kr_rsi_start,
    .batch = kr_rsi,
    .stream_size = kr_rsi_stream_size,
    .stream_init = kr_rsi_stream_init,
    .stream_next = kr_rsi_stream_next,
    .formula = "rsi = 100 * avg_gain / (avg_gain + avg_loss), Wilder-smoothed "
               "over period",
};

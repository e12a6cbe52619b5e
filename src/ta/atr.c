/* atr.c -- average true range, equal to TA-Lib's ATR.
 *
 * Welles Wilder's ATR (New Concepts in Technical Trading Systems, 1978): the
 * true range smoothed with Wilder's average, atr = (atr[-1] * (period-1) +
 * tr) / period. TA-Lib's seeding is kept: the first bar has no true range,
 * the first ATR is at bar `period` and is the plain mean of the true ranges
 * of bars 1..period, and a period of 1 is the true range itself.
 *
 * The state machine is ma.h's kr__atr, shared with NATR and Keltner; the
 * batch runs it over the first period+1 bars and then a tight loop of
 * kr__true_range and kr__wilder_step_fast, the stream runs it on every bar,
 * so the two agree bit for bit. The Wilder step multiplies by precomputed
 * (period-1)/period and 1/period instead of TA-Lib's multiply, add, divide:
 * one multiply and one add on the recurrence instead of a division, which
 * puts the batch at memory speed (TA-Lib's order is twice slower here). The
 * price is a few ulps of difference from TA-Lib, far inside the 1e-9 parity.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct atr_state {
    kr__atr atr;
} atr_state;

int kr_atr_start(const double *params) { return (int)params[0]; }

int kr_atr(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *h = in[0], *l = in[1], *c = in[2];
    double *y = out[0];
    const int p = (int)params[0];
    if (p < 1)
        return KR_EINVAL;
    kr__atr a;
    kr__atr_init(&a, p);
    size_t i = 0;
    for (; i < n && !kr__atr_ready(&a); i++)
        y[i] = kr__atr_next(&a, h[i], l[i], c[i]);
    if (p == 1) {
        for (; i < n; i++)
            y[i] = kr__true_range(h[i], l[i], c[i - 1]);
        return KR_OK;
    }
    const double c1 = a.c1, rp = a.rp;
    double v = a.value;
    for (; i < n; i++) {
        const double tr = kr__true_range(h[i], l[i], c[i - 1]);
        v = kr__wilder_step_fast(v, tr, c1, rp);
        y[i] = v;
    }
    return KR_OK;
}

size_t kr_atr_stream_size(const double *params)
{
    (void)params;
    return sizeof(atr_state);
}

int kr_atr_stream_init(void *state, const double *params)
{
    atr_state *s = state;
    const int p = (int)params[0];
    if (p < 1)
        return KR_EINVAL;
    memset(s, 0, sizeof *s);
    kr__atr_init(&s->atr, p);
    return KR_OK;
}

void kr_atr_stream_next(void *state, const double *in, double *out)
{
    atr_state *s = state;
    out[0] = kr__atr_next(&s->atr, in[0], in[1], in[2]);
}

const kr_ta_info kr_atr_info = {
    .name = "atr",
    .title = "Average True Range",
    .talib = "ATR",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 1, 100000, true}},
    .noutputs = 1,
    .outputs = {"atr"},
    .start = kr_atr_start,
    .batch = kr_atr,
    .stream_size = kr_atr_stream_size,
    .stream_init = kr_atr_stream_init,
    .stream_next = kr_atr_stream_next,
    .formula = "atr = (atr[-1] * (period-1) + trange) / period, seeded with "
               "sma(trange, period)",
};

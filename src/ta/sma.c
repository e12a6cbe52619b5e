/* sma.c -- simple moving average, equal to TA-Lib's SMA.
 *
 * The mean of the last `period` values: a running sum that adds the newest
 * value, divides, then subtracts the oldest, in TA-Lib's order, so the result
 * equals TA-Lib's to the last bit on the same data. The stream keeps the last
 * period-1 values in a ring. A running sum cannot forget a NaN: as in
 * TA-Lib, every output from a NaN input on is NaN.
 *
 * This file is the model every indicator follows: _start, the batch form, the
 * stream (_size, _init, _next) sharing one step, and the table entry.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"

typedef struct sma_state {
    int period;
    int count; /* values seen, capped at period - 1 */
    int pos;   /* oldest slot of the ring once full */
    double sum;
    double ring[]; /* period - 1 values */
} sma_state;

int kr_sma_start(const double *params) { return (int)params[0] - 1; }

int kr_sma(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const size_t p = (size_t)params[0];
    const double dp = (double)p;
    size_t i = 0;
    double sum = 0.0;
    for (; i < n && i + 1 < p; i++) {
        sum += x[i];
        y[i] = NAN;
    }
    for (; i < n; i++) {
        sum += x[i];
        y[i] = sum / dp;
        sum -= x[i + 1 - p];
    }
    return KR_OK;
}

size_t kr_sma_stream_size(const double *params)
{
    return sizeof(sma_state) + ((size_t)params[0] - 1) * sizeof(double);
}

int kr_sma_stream_init(void *state, const double *params)
{
    sma_state *s = state;
    memset(s, 0, kr_sma_stream_size(params));
    s->period = (int)params[0];
    return KR_OK;
}

void kr_sma_stream_next(void *state, const double *in, double *out)
{
    sma_state *s = state;
    const double x = in[0];
    const int keep = s->period - 1;
    if (s->count < keep) {
        s->ring[s->count++] = x;
        s->sum += x;
        out[0] = NAN;
        return;
    }
    s->sum += x;
    out[0] = s->sum / (double)s->period;
    if (keep == 0)
        s->sum -= x;
    else {
        s->sum -= s->ring[s->pos];
        s->ring[s->pos] = x;
        if (++s->pos == keep)
            s->pos = 0;
    }
}

const kr_ta_info kr_sma_info = {
    .name = "sma",
    .title = "Simple Moving Average",
    .talib = "SMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"sma"},
    .start = kr_sma_start,
    .batch = kr_sma,
    .stream_size = kr_sma_stream_size,
    .stream_init = kr_sma_stream_init,
    .stream_next = kr_sma_stream_next,
    .formula = "sma = sum(close, period) / period",
};

/* wma.c -- weighted moving average, equal to TA-Lib's WMA.
 *
 * wma = (1*x[i-p+1] + 2*x[i-p+2] + ... + p*x[i]) / (p(p+1)/2): linear
 * weights, the newest close weighing most. Like TA-Lib (and Tulip), the
 * weighted sum is kept incrementally: each bar adds p*x to it, and after the
 * output subtracts the plain sum of the window, which lowers every weight by
 * one; the plain sum adds the newest value and drops the oldest. The order
 * of those adds and subtracts is TA-Lib's, so the result is TA-Lib's to the
 * last bit; there is no per-bar loop over the window. The stream keeps the
 * last period-1 closes in a ring to know what leaves the window. Running sums
 * cannot forget a NaN: from a NaN close on, every value is NaN, as in TA-Lib.
 * One deliberate difference: TA-Lib's divider p(p+1)/2 overflows a 32-bit
 * int for periods above 46340; here it is computed in 64 bits.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"

typedef struct wma_state {
    int period;
    int count;       /* values seen, capped at period - 1 */
    int pos;         /* oldest slot of the ring once full */
    double divider;  /* p(p+1)/2 */
    double sum;      /* plain sum of the window */
    double wsum;     /* weighted sum */
    double trailing; /* the value that left the window at the last bar */
    double ring[];   /* period - 1 values */
} wma_state;

/* The sum of the weights, p(p+1)/2, in 64 bits: TA-Lib computes it in int,
 * which overflows above a period of 46340. */
static double wma_divider(int p)
{
    return (double)(((long long)p * (p + 1)) >> 1);
}

int kr_wma_start(const double *params) { return (int)params[0] - 1; }

int kr_wma(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int ip = (int)params[0];
    if (ip < 2)
        return KR_EINVAL;
    const size_t p = (size_t)ip;
    const double dp = (double)ip;
    const double divider = wma_divider(ip);
    double sum = 0.0, wsum = 0.0, trailing = 0.0;
    size_t i = 0;
    for (; i < n && i + 1 < p; i++) {
        sum += x[i];
        wsum += x[i] * (double)(i + 1);
        y[i] = NAN;
    }
    for (; i < n; i++) {
        const double v = x[i];
        sum += v;
        sum -= trailing;
        wsum += v * dp;
        trailing = x[i + 1 - p];
        y[i] = wsum / divider;
        wsum -= sum;
    }
    return KR_OK;
}

size_t kr_wma_stream_size(const double *params)
{
    return sizeof(wma_state) + ((size_t)params[0] - 1) * sizeof(double);
}

int kr_wma_stream_init(void *state, const double *params)
{
    wma_state *s = state;
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    memset(s, 0, kr_wma_stream_size(params));
    s->period = p;
    s->divider = wma_divider(p);
    return KR_OK;
}

void kr_wma_stream_next(void *state, const double *in, double *out)
{
    wma_state *s = state;
    const double v = in[0];
    const int keep = s->period - 1;
    if (s->count < keep) {
        s->ring[s->count++] = v;
        s->sum += v;
        s->wsum += v * (double)s->count;
        out[0] = NAN;
        return;
    }
    s->sum += v;
    s->sum -= s->trailing;
    s->wsum += v * (double)s->period;
    s->trailing = s->ring[s->pos];
    s->ring[s->pos] = v;
    if (++s->pos == keep)
        s->pos = 0;
    out[0] = s->wsum / s->divider;
    s->wsum -= s->sum;
}

const kr_ta_info kr_wma_info = {
    .name = "wma",
    .title = "Weighted Moving Average",
    .talib = "WMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"wma"},
    .start = kr_wma_start,
    .batch = kr_wma,
    .stream_size = kr_wma_stream_size,
    .stream_init = kr_wma_stream_init,
    .stream_next = kr_wma_stream_next,
    .formula = "wma = sum(k * close[-(period-k)], k = 1..period) / "
               "(period*(period+1)/2)",
};

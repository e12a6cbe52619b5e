/* kama.c -- Kaufman adaptive moving average, equal to TA-Lib's KAMA.
 *
 * Perry Kaufman's KAMA (Trading Systems and Methods; "Smarter Trading",
 * 1995) is an EMA whose factor follows the efficiency ratio
 * er = |close - close[-period]| / sum(|close - close[-1]|, period): the
 * factor is sc = (er * (2/3 - 2/31) + 2/31)^2, between the squares of a
 * 30-bar and a 2-bar EMA factor (TA-Lib's fixed fast 2 / slow 30), and
 * kama = kama[-1] + sc * (close - kama[-1]).
 *
 * TA-Lib's details, all kept: the first value is at bar `period` (the lookback
 * is period, not period-1), computed from a previous KAMA equal to the close
 * of bar period-1; er is 1 when the sum of moves is ~0 (TA_IS_ZERO) or not
 * above the signed net move; the sum of moves is kept incrementally, taking
 * the oldest move out and the newest in, in TA-Lib's order, so er and sc
 * are TA-Lib's to the last bit. The average itself is updated as
 * kama[-1] * (1 - sc) + close * sc (ma.h's kr__ema_step_fast): one multiply
 * and one add on the critical path instead of TA-Lib's (and Tulip's)
 * subtract, multiply, add, which makes the batch about 1.2 times faster
 * than Tulip's KAMA and differs from TA-Lib by a few ulps. The stream keeps
 * the last `period` closes in a ring (what leaves the window) plus the last
 * close and the close that left last, and takes the same steps, so batch and
 * stream agree bit for bit. A NaN close propagates through the running sum
 * as in TA-Lib.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

/* TA-Lib's constMax and constDiff: 2/(30+1) and 2/(2+1) - 2/(30+1). */
static const double kama_max = 2.0 / (30.0 + 1.0);
static const double kama_diff = 2.0 / (2.0 + 1.0) - 2.0 / (30.0 + 1.0);

typedef struct kama_state {
    int period;
    int count;       /* closes seen, capped at period + 1 */
    int pos;         /* oldest slot of the ring once full */
    double sum_roc;  /* sum of |close - close[-1]| over the window */
    double kama;
    double last;     /* the previous close */
    double trailing; /* the close that left the window at the last bar */
    double ring[];   /* the last `period` closes */
} kama_state;

/* One KAMA step once warm: x is the new close, old the close `period` bars
 * back, prev the close before x; sum_roc and trailing are updated. */
static inline double kama_step(double kama, double x, double old, double prev,
                               double *sum_roc, double *trailing)
{
    const double roc = x - old;
    double s = *sum_roc;
    s -= fabs(*trailing - old);
    s += fabs(x - prev);
    *sum_roc = s;
    *trailing = old;
    double er;
    if (s <= roc || kr__ta_is_zero(s))
        er = 1.0;
    else
        er = fabs(roc / s);
    double sc = er * kama_diff;
    sc = sc + kama_max;
    sc *= sc;
    return kr__ema_step_fast(kama, x, sc, 1.0 - sc);
}

/* The first KAMA, at bar `period`: sum_roc already holds every move up to x;
 * the previous KAMA is the previous close. */
static inline double kama_first(double x, double old, double prev,
                                double sum_roc)
{
    const double roc = x - old;
    double er;
    if (sum_roc <= roc || kr__ta_is_zero(sum_roc))
        er = 1.0;
    else
        er = fabs(roc / sum_roc);
    double sc = er * kama_diff;
    sc = sc + kama_max;
    sc *= sc;
    return kr__ema_step_fast(prev, x, sc, 1.0 - sc);
}

int kr_kama_start(const double *params) { return (int)params[0]; }

int kr_kama(size_t n, const double *const *in, const double *params,
            double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int ip = (int)params[0];
    if (ip < 2)
        return KR_EINVAL;
    const size_t p = (size_t)ip;
    if (n <= p) {
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
        return KR_OK;
    }
    double sum_roc = 0.0;
    y[0] = NAN;
    for (size_t i = 1; i < p; i++) {
        sum_roc += fabs(x[i - 1] - x[i]);
        y[i] = NAN;
    }
    sum_roc += fabs(x[p - 1] - x[p]);
    double kama = kama_first(x[p], x[0], x[p - 1], sum_roc);
    double trailing = x[0];
    y[p] = kama;
    for (size_t i = p + 1; i < n; i++) {
        kama = kama_step(kama, x[i], x[i - p], x[i - 1], &sum_roc, &trailing);
        y[i] = kama;
    }
    return KR_OK;
}

size_t kr_kama_stream_size(const double *params)
{
    return sizeof(kama_state) + (size_t)params[0] * sizeof(double);
}

int kr_kama_stream_init(void *state, const double *params)
{
    kama_state *s = state;
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    memset(s, 0, kr_kama_stream_size(params));
    s->period = p;
    return KR_OK;
}

void kr_kama_stream_next(void *state, const double *in, double *out)
{
    kama_state *s = state;
    const double x = in[0];
    if (s->count > s->period) {
        const double old = s->ring[s->pos];
        s->kama = kama_step(s->kama, x, old, s->last, &s->sum_roc,
                            &s->trailing);
        out[0] = s->kama;
    } else if (s->count == s->period) {
        const double old = s->ring[0];
        s->sum_roc += fabs(s->last - x);
        s->kama = kama_first(x, old, s->last, s->sum_roc);
        s->trailing = old;
        s->count++;
        out[0] = s->kama;
    } else {
        if (s->count > 0)
            s->sum_roc += fabs(s->last - x);
        s->ring[s->count++] = x;
        s->last = x;
        out[0] = NAN;
        return;
    }
    s->ring[s->pos] = x;
    if (++s->pos == s->period)
        s->pos = 0;
    s->last = x;
}

const kr_ta_info kr_kama_info = {
    .name = "kama",
    .title = "Kaufman Adaptive Moving Average",
    .talib = "KAMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"kama"},
    .start = kr_kama_start,
    .batch = kr_kama,
    .stream_size = kr_kama_stream_size,
    .stream_init = kr_kama_stream_init,
    .stream_next = kr_kama_stream_next,
    .formula = "kama = kama[-1] + (er*(2/3-2/31) + 2/31)^2 * (close - "
               "kama[-1]), er = |close - close[-period]| / sum(|close - "
               "close[-1]|, period)",
};

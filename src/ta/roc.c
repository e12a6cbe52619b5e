/* roc.c -- rate of change in percent, equal to TA-Lib's ROC.
 *
 * ((x / x[-period]) - 1) * 100 in TA-Lib's order, the first at bar
 * `period`, and 0 where x[-period] is exactly zero (TA-Lib's guard; NaN
 * passes it and gives NaN). The batch is one division per bar over two
 * offsets of the column, two bars per SSE2 instruction (DIVPD costs what
 * DIVSD does), the guard a mask; IEEE arithmetic per lane gives the scalar
 * step's bits. The stream keeps the last `period` values in a ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct roc_state {
    int period;
    int count; /* values seen, capped at period */
    int pos;   /* oldest slot of the ring once full */
    double ring[]; /* period values */
} roc_state;

int kr_roc_start(const double *params) { return (int)params[0]; }

static inline double roc_step(double x, double old)
{
    const double r = x / old;
    const double c = r - 1.0;
    return old != 0.0 ? c * 100.0 : 0.0;
}

int kr_roc(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const size_t p = (size_t)params[0];
    size_t i = 0;
    for (; i < n && i < p; i++)
        y[i] = NAN;
#if defined(__SSE2__)
    const __m128d one = _mm_set1_pd(1.0), hundred = _mm_set1_pd(100.0);
    const __m128d zero = _mm_setzero_pd();
    for (; i + 2 <= n; i += 2) {
        const __m128d old = _mm_loadu_pd(x + i - p);
        const __m128d r = _mm_div_pd(_mm_loadu_pd(x + i), old);
        const __m128d c = _mm_mul_pd(_mm_sub_pd(r, one), hundred);
        _mm_storeu_pd(y + i, _mm_and_pd(c, _mm_cmpneq_pd(old, zero)));
    }
#endif
    for (; i < n; i++)
        y[i] = roc_step(x[i], x[i - p]);
    return KR_OK;
}

size_t kr_roc_stream_size(const double *params)
{
    return sizeof(roc_state) + (size_t)params[0] * sizeof(double);
}

int kr_roc_stream_init(void *state, const double *params)
{
    roc_state *s = state;
    memset(s, 0, kr_roc_stream_size(params));
    s->period = (int)params[0];
    return KR_OK;
}

void kr_roc_stream_next(void *state, const double *in, double *out)
{
    roc_state *s = state;
    const double x = in[0];
    if (s->count < s->period) {
        s->ring[s->count++] = x;
        out[0] = NAN;
        return;
    }
    out[0] = roc_step(x, s->ring[s->pos]);
    s->ring[s->pos] = x;
    if (++s->pos == s->period)
        s->pos = 0;
}

const kr_ta_info kr_roc_info = {
    .name = "roc",
    .title = "Rate of Change",
    .talib = "ROC",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 10, 1, 100000, true}},
    .noutputs = 1,
    .outputs = {"roc"},
    .start = kr_roc_start,
    .batch = kr_roc,
    .stream_size = kr_roc_stream_size,
    .stream_init = kr_roc_stream_init,
    .stream_next = kr_roc_stream_next,
    .formula = "roc = (close / close[-period] - 1) * 100; 0 when "
               "close[-period] = 0",
};

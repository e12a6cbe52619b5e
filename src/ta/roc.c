/* roc.c -- rate of change in percent, equal to TA-Lib's ROC.
 *
 * ((x / x[-period]) - 1) * 100 in TA-Lib's order, the first at bar
 * `period`, and 0 where x[-period] is exactly zero (TA-Lib's guard; NaN
 * passes it and gives NaN). The guard is a select on the bits rather than
 * a branch, so the batch is one loop over two offsets of the column that
 * the compiler vectorises, DIVPD as wide as the target has; IEEE
 * arithmetic per lane gives the scalar step's bits. Over long columns the
 * batch writes with non-temporal stores (window.h's kr__vd_stream), which
 * spares the memory the read of every output line. The stream keeps the
 * last `period` values in a ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef kr__lag roc_state; /* the value period bars ago, window.h */

int kr_roc_start(const double *params) { return (int)params[0]; }

static inline double roc_step(double x, double old)
{
    const double r = x / old;
    const double c = r - 1.0;
    const double y = c * 100.0;
    return kr__seld(old != 0.0, y, 0.0);
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
#ifdef KR__VN
    if (kr__nt_wanted(n)) {
        const kr__vd one = kr__vd_splat(1.0), hundred = kr__vd_splat(100.0);
        const kr__vd zero = kr__vd_splat(0.0);
        for (; i < n && !kr__nt_aligned(y + i); i++)
            y[i] = roc_step(x[i], x[i - p]);
        for (; i + KR__VN <= n; i += KR__VN) {
            const kr__vd old = kr__vd_load(x + i - p);
            const kr__vd r = kr__vd_load(x + i) / old;
            const kr__vd c = r - one;
            const kr__vd v = c * hundred;
            kr__vd_stream(y + i, kr__vd_sel(old != zero, v, zero));
        }
        kr__nt_done();
    }
#endif
    for (; i < n; i++)
        y[i] = roc_step(x[i], x[i - p]);
    return KR_OK;
}

size_t kr_roc_stream_size(const double *params)
{
    return kr__lag_size((int)params[0]);
}

int kr_roc_stream_init(void *state, const double *params)
{
    kr__lag_init(state, (int)params[0]);
    return KR_OK;
}

void kr_roc_stream_next(void *state, const double *in, double *out)
{
    roc_state *s = state;
    double old;
    out[0] = kr__lag_next(s, in[0], &old) ? roc_step(in[0], old) : NAN;
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

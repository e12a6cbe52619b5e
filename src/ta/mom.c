/* mom.c -- momentum, equal to TA-Lib's MOM.
 *
 * The change over `period` bars, x - x[-period], the first at bar `period`.
 * The batch is one subtraction per bar over two offsets of the column, a
 * loop the compiler vectorises, and runs at the memory's speed; over long
 * columns it writes with non-temporal stores (window.h's kr__vd_stream),
 * which spare the memory the read of every output line that ordinary
 * stores cost, a third of the traffic. The stream keeps the last `period`
 * values in a ring and subtracts the one it overwrites.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef kr__lag mom_state; /* the value period bars ago, window.h */

int kr_mom_start(const double *params) { return (int)params[0]; }

static inline double mom_step(double x, double old) { return x - old; }

int kr_mom(size_t n, const double *const *in, const double *params,
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
        for (; i < n && !kr__nt_aligned(y + i); i++)
            y[i] = mom_step(x[i], x[i - p]);
        for (; i + KR__VN <= n; i += KR__VN)
            kr__vd_stream(y + i, kr__vd_load(x + i) - kr__vd_load(x + i - p));
        kr__nt_done();
    }
#endif
    for (; i < n; i++)
        y[i] = mom_step(x[i], x[i - p]);
    return KR_OK;
}

size_t kr_mom_stream_size(const double *params)
{
    return kr__lag_size((int)params[0]);
}

int kr_mom_stream_init(void *state, const double *params)
{
    kr__lag_init(state, (int)params[0]);
    return KR_OK;
}

void kr_mom_stream_next(void *state, const double *in, double *out)
{
    mom_state *s = state;
    double old;
    out[0] = kr__lag_next(s, in[0], &old) ? mom_step(in[0], old) : NAN;
}

const kr_ta_info kr_mom_info = {
    .name = "mom",
    .title = "Momentum",
    .talib = "MOM",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 10, 1, 100000, true}},
    .noutputs = 1,
    .outputs = {"mom"},
    .start = kr_mom_start,
    .batch = kr_mom,
    .stream_size = kr_mom_stream_size,
    .stream_init = kr_mom_stream_init,
    .stream_next = kr_mom_stream_next,
    .formula = "mom = close - close[-period]",
};

/* trange.c -- true range, equal to TA-Lib's TRANGE.
 *
 * Welles Wilder's true range (New Concepts in Technical Trading Systems,
 * 1978): the greatest of high - low, |close[-1] - high| and
 * |close[-1] - low|, the bar's range stretched to the previous close. As in
 * TA-Lib, the first bar has no previous close and gives NaN rather than
 * high - low. ma.h's kr__true_range is the one definition, shared with ATR,
 * NATR and Keltner; its comparisons are TA-Lib's, so a NaN previous close
 * alone yields high - low as it does there. The batch is a branch-free loop
 * the compiler vectorises (max of three); over long columns it writes
 * with non-temporal stores (window.h's kr__vd_stream, the same operations
 * per lane), sparing the memory the read of every output line. The stream
 * keeps the last close.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "window.h"

typedef struct trange_state {
    int started;
    double prev_close;
} trange_state;

int kr_trange_start(const double *params)
{
    (void)params;
    return 1;
}

int kr_trange(size_t n, const double *const *in, const double *params,
              double *const *out)
{
    const double *h = in[0], *l = in[1], *c = in[2];
    double *y = out[0];
    (void)params;
    if (n == 0)
        return KR_OK;
    y[0] = NAN;
    size_t i = 1;
#ifdef KR__VN
    if (kr__nt_wanted(n)) {
        for (; i < n && !kr__nt_aligned(y + i); i++)
            y[i] = kr__true_range(h[i], l[i], c[i - 1]);
        for (; i + KR__VN <= n; i += KR__VN) {
            /* kr__true_range, a lane per bar. */
            const kr__vd hi = kr__vd_load(h + i), lo = kr__vd_load(l + i);
            const kr__vd pc = kr__vd_load(c + i - 1);
            kr__vd g = hi - lo;
            const kr__vd a = kr__vd_abs(pc - hi);
            const kr__vd b = kr__vd_abs(pc - lo);
            g = kr__vd_max(a, g);
            g = kr__vd_max(b, g);
            kr__vd_stream(y + i, g);
        }
        kr__nt_done();
    }
#endif
    for (; i < n; i++)
        y[i] = kr__true_range(h[i], l[i], c[i - 1]);
    return KR_OK;
}

size_t kr_trange_stream_size(const double *params)
{
    (void)params;
    return sizeof(trange_state);
}

int kr_trange_stream_init(void *state, const double *params)
{
    trange_state *s = state;
    (void)params;
    memset(s, 0, sizeof *s);
    return KR_OK;
}

void kr_trange_stream_next(void *state, const double *in, double *out)
{
    trange_state *s = state;
    out[0] = s->started ? kr__true_range(in[0], in[1], s->prev_close) : NAN;
    s->started = 1;
    s->prev_close = in[2];
}

const kr_ta_info kr_trange_info = {
    .name = "trange",
    .title = "True Range",
    .talib = "TRANGE",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 0,
    .noutputs = 1,
    .outputs = {"trange"},
    .start = kr_trange_start,
    .batch = kr_trange,
    .stream_size = kr_trange_stream_size,
    .stream_init = kr_trange_stream_init,
    .stream_next = kr_trange_stream_next,
    .formula = "trange = max(high - low, |close[-1] - high|, "
               "|close[-1] - low|)",
};

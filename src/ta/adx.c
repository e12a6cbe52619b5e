/* adx.c -- Wilder's average directional index with its +DI and -DI, equal
 * to TA-Lib's ADX, PLUS_DI and MINUS_DI.
 *
 * Each bar's directional movements (+DM, -DM: the part of its range outside
 * the previous bar's, kr__dm in stats.h) and true range are smoothed the
 * Wilder way, and the smoothed DMs over the smoothed TR give the directional
 * indicators +DI and -DI (in percent); DX = 100 |(-DI) - (+DI)| / (+DI + -DI)
 * measures how one-sided the movement is, and ADX is DX smoothed again (J. W.
 * Wilder, New Concepts in Technical Trading Systems, 1978).
 *
 * TA-Lib 0.4.0 (ta_ADX.c, ta_PLUS_DI.c, ta_MINUS_DI.c) sequences it so, and
 * so do we: bars 1 .. p-1 are summed plainly (p-1 values, as there is no DM
 * for bar 0); from bar p on each sum s becomes s - s/p + today's value, and
 * +DI and -DI are output from bar p (100 * DM / TR, or 0 when TR is zero
 * within TA-Lib's epsilon, TA_IS_ZERO in ma.h); the DX of bars p .. 2p-1
 * are summed and their mean is the first ADX, at bar 2p-1; after that
 * ADX = (ADX * (p-1) + DX) / p. A DX is skipped, and the ADX kept, when TR
 * or +DI + -DI is zero within that epsilon. The three outputs start where
 * their TA-Lib functions do: +DI and -DI at bar `period` (which is what
 * kr_adx_start reports: the first bar with any output), ADX at bar
 * 2*period-1.
 *
 * TA-Lib's order of operations is kept, with one change for speed: TA-Lib
 * divides by the period in each of its four smoothings and divides both DMs
 * by the TR, seven divisions a bar, three of them on the critical path of
 * the recurrences (s - s/p + x). We multiply by 1/period and by 1/TR
 * instead: two divisions a bar, none on a recurrence (a third less time
 * than with TA-Lib's divisions; bench_ta has this at about half the time of
 * Tulip Indicators' ADX, which writes no DIs). x * (1/p) may differ from
 * x / p in the last bit; the smoothing damps such differences rather than
 * letting them grow, and on the parity series the three outputs stay
 * within 4e-15 relative of TA-Lib's. The directional movements are chosen
 * without branches (kr__dm), which matters more than the divisions: on real
 * prices the test "did the high rise more than the low fell" is a coin flip.
 *
 * Batch and stream share adx_step, so they agree bit for bit; the state is
 * a dozen numbers.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef struct adx_state {
    long seen; /* bars seen, capped at 2 * period */
    int period;
    double rp, dp1; /* 1 / period and period - 1 */
    double ph, pl, pc; /* previous high, low, close */
    double pdm, mdm, tr; /* summed, then smoothed, +DM, -DM, TR */
    double sumdx, adx;
} adx_state;

int kr_adx_start(const double *params) { return (int)params[0]; }

static void adx_setup(adx_state *s, const double *params)
{
    memset(s, 0, sizeof *s);
    s->period = (int)params[0];
    s->rp = 1.0 / (double)s->period;
    s->dp1 = (double)(s->period - 1);
}

/* The three outputs of a bar. */
typedef struct adx_out {
    double adx, pdi, mdi;
} adx_out;

/* One bar: t is its index (capped at 2p, which is all that matters).
 * Returns adx, +DI and -DI, NaN where TA-Lib has no output yet. */
static inline adx_out adx_step(adx_state *s, long t, double h, double l,
                               double c)
{
    const long p = s->period;
    adx_out o = {NAN, NAN, NAN};
    if (t == 0) {
        s->ph = h;
        s->pl = l;
        s->pc = c;
        return o;
    }
    double plus, minus;
    kr__dm(s->ph, s->pl, h, l, &plus, &minus);
    const double trv = kr__true_range(h, l, s->pc);
    s->ph = h;
    s->pl = l;
    s->pc = c;
    if (t < p) {
        s->pdm += plus;
        s->mdm += minus;
        s->tr += trv;
        return o;
    }
    const double pdm_p = s->pdm * s->rp, mdm_p = s->mdm * s->rp;
    const double tr_p = s->tr * s->rp;
    s->pdm = s->pdm - pdm_p + plus;
    s->mdm = s->mdm - mdm_p + minus;
    s->tr = s->tr - tr_p + trv;
    double dx = 0.0;
    bool have_dx = false;
    if (!kr__ta_is_zero(s->tr)) {
        const double per_tr = 1.0 / s->tr;
        const double pq = s->pdm * per_tr, mq = s->mdm * per_tr;
        o.pdi = 100.0 * pq;
        o.mdi = 100.0 * mq;
        const double sum = o.mdi + o.pdi;
        if (!kr__ta_is_zero(sum)) {
            dx = 100.0 * (fabs(o.mdi - o.pdi) / sum);
            have_dx = true;
        }
    } else {
        o.pdi = 0.0;
        o.mdi = 0.0;
    }
    if (t < 2 * p - 1) {
        if (have_dx)
            s->sumdx += dx;
        return o;
    }
    if (t == 2 * p - 1) {
        if (have_dx)
            s->sumdx += dx;
        s->adx = s->sumdx * s->rp;
    } else if (have_dx) {
        const double prior = s->adx * s->dp1;
        const double sum = prior + dx;
        s->adx = sum * s->rp;
    }
    o.adx = s->adx;
    return o;
}

int kr_adx(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *h = in[0], *l = in[1], *c = in[2];
    double *adx = out[0], *pdi = out[1], *mdi = out[2];
    adx_state s;
    adx_setup(&s, params);
    const size_t cap = 2 * (size_t)s.period;
    for (size_t i = 0; i < n; i++) {
        const adx_out o = adx_step(&s, i < cap ? (long)i : (long)cap, h[i],
                                   l[i], c[i]);
        adx[i] = o.adx;
        pdi[i] = o.pdi;
        mdi[i] = o.mdi;
    }
    return KR_OK;
}

size_t kr_adx_stream_size(const double *params)
{
    (void)params;
    return sizeof(adx_state);
}

int kr_adx_stream_init(void *state, const double *params)
{
    adx_setup(state, params);
    return KR_OK;
}

void kr_adx_stream_next(void *state, const double *in, double *out)
{
    adx_state *s = state;
    const adx_out o = adx_step(s, s->seen, in[0], in[1], in[2]);
    out[0] = o.adx;
    out[1] = o.pdi;
    out[2] = o.mdi;
    if (s->seen < 2 * (long)s->period)
        s->seen++;
}

const kr_ta_info kr_adx_info = {
    .name = "adx",
    .title = "Average Directional Movement Index",
    .talib = "ADX",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 3,
    .outputs = {"adx", "plus_di", "minus_di"},
    .start = kr_adx_start,
    .batch = kr_adx,
    .stream_size = kr_adx_stream_size,
    .stream_init = kr_adx_stream_init,
    .stream_next = kr_adx_stream_next,
    .formula = "adx = wilder(100 * |-DI - +DI| / (+DI + -DI), period), "
               "+DI/-DI = 100 * wilder(+DM/-DM) / wilder(TR)",
};

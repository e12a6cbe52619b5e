/* natr.c -- normalized average true range, equal to TA-Lib's NATR.
 *
 * natr = atr / close * 100: the ATR as a percentage of the close, so that
 * volatility compares across price levels and instruments (John Forman,
 * Technical Analysis of Stocks & Commodities, May 2006, the reference TA-Lib
 * gives). The ATR is atr.c's, through ma.h's kr__atr (TA-Lib's seeding, first
 * value at bar `period`), and the normalisation is TA-Lib's:
 * (atr / close) * 100, and 0 where the close is ~0 (TA_IS_ZERO).
 *
 * Two TA-Lib 0.4.0 bugs are not reproduced. At a period of 1 its NATR takes
 * its ATR's shortcut to TRANGE and returns the raw true range, forgetting to
 * normalise; here natr:1 is true range / close * 100 like every other period
 * (the parity test skips that set and says why). And where a close after the
 * first output is ~0, TA-Lib writes its 0 into the first output instead of
 * that bar's, leaving that bar unset; here that bar gets 0.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct natr_state {
    kr__atr atr;
} natr_state;

static inline double natr_of(double atr, double close)
{
    if (kr__ta_is_zero(close))
        return 0.0;
    const double r = atr / close;
    return r * 100.0;
}

/* The output for a bar whose ATR is v: NaN during the warm-up, else
 * natr_of. */
static inline double natr_out(const kr__atr *a, double v, double close)
{
    if (!kr__atr_ready(a))
        return NAN;
    return natr_of(v, close);
}

int kr_natr_start(const double *params) { return (int)params[0]; }

int kr_natr(size_t n, const double *const *in, const double *params,
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
    for (; i < n && !kr__atr_ready(&a); i++) {
        const double v = kr__atr_next(&a, h[i], l[i], c[i]);
        y[i] = natr_out(&a, v, c[i]);
    }
    if (p == 1) { /* the ATR of one bar is its true range */
        for (; i < n; i++)
            y[i] = natr_of(kr__true_range(h[i], l[i], c[i - 1]), c[i]);
        return KR_OK;
    }
    const double c1 = a.c1, rp = a.rp;
    double v = a.value;
    for (; i < n; i++) {
        const double tr = kr__true_range(h[i], l[i], c[i - 1]);
        v = kr__wilder_step_fast(v, tr, c1, rp);
        y[i] = natr_of(v, c[i]);
    }
    return KR_OK;
}

size_t kr_natr_stream_size(const double *params)
{
    (void)params;
    return sizeof(natr_state);
}

int kr_natr_stream_init(void *state, const double *params)
{
    natr_state *s = state;
    const int p = (int)params[0];
    if (p < 1)
        return KR_EINVAL;
    memset(s, 0, sizeof *s);
    kr__atr_init(&s->atr, p);
    return KR_OK;
}

void kr_natr_stream_next(void *state, const double *in, double *out)
{
    natr_state *s = state;
    const double v = kr__atr_next(&s->atr, in[0], in[1], in[2]);
    out[0] = natr_out(&s->atr, v, in[2]);
}

const kr_ta_info kr_natr_info = {
    .name = "natr",
    .title = "Normalized Average True Range",
    .talib = "NATR",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 1, 100000, true}},
    .noutputs = 1,
    .outputs = {"natr"},
    .start = kr_natr_start,
    .batch = kr_natr,
    .stream_size = kr_natr_stream_size,
    .stream_init = kr_natr_stream_init,
    .stream_next = kr_natr_stream_next,
    .formula = "natr = atr(period) / close * 100",
};

/* keltner.c -- Keltner Channel: an EMA of the close with ATR bands.
 *
 * No TA-Lib twin. This is Linda Bradford Raschke's modern Keltner Channel,
 * the form most charting software uses:
 *
 *     middle = EMA(close, period)
 *     upper  = middle + mult * ATR(atr_period)
 *     lower  = middle - mult * ATR(atr_period)
 *
 * with Raschke's defaults period 20, mult 2, atr_period 10. Source: the
 * StockCharts ChartSchool article "Keltner Channels", section "Calculation",
 * which credits this version to Linda Bradford Raschke (1980s) and gives
 * Middle = 20-day EMA, Upper/Lower = EMA +/- 2 x ATR(10). Chester Keltner's
 * original ("How to Make Money in Commodities", 1960, the "Ten-Day Moving
 * Average Rule") was a 10-day SMA of the typical price with bands at the
 * 10-day SMA of high - low; that is not this indicator.
 *
 * The EMA and ATR are exactly this library's ema.c and atr.c (TA-Lib's
 * seeding: the EMA from bar period-1, the ATR from bar atr_period), through
 * the same ma.h state machines and steps, so batch and stream agree bit for
 * bit. Every output is NaN until both are defined, i.e. before bar
 * max(period - 1, atr_period). The bands are middle +/- (mult * atr), the
 * width computed once. The stream is an EMA state and an ATR state; no ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "ma.h"

typedef struct keltner_state {
    double mult;
    kr__ema ema;
    kr__atr atr;
} keltner_state;

static int keltner_params(const double *params, int *p, double *mult,
                          int *ap)
{
    *p = (int)params[0];
    *mult = params[1];
    *ap = (int)params[2];
    return *p < 2 || *ap < 1 ? KR_EINVAL : KR_OK;
}

static void keltner_init(keltner_state *s, int p, double mult, int ap)
{
    memset(s, 0, sizeof *s);
    s->mult = mult;
    kr__ema_init(&s->ema, p);
    kr__atr_init(&s->atr, ap);
}

static inline void keltner_bands(double mid, double atr, double mult,
                                 double *out)
{
    const double w = mult * atr;
    out[0] = mid + w;
    out[1] = mid;
    out[2] = mid - w;
}

static void keltner_next(keltner_state *s, const double *in, double *out)
{
    const double mid = kr__ema_next_fast(&s->ema, in[2]);
    const double atr = kr__atr_next(&s->atr, in[0], in[1], in[2]);
    if (kr__ema_ready(&s->ema) && kr__atr_ready(&s->atr))
        keltner_bands(mid, atr, s->mult, out);
    else
        out[0] = out[1] = out[2] = NAN;
}

int kr_keltner_start(const double *params)
{
    const int e = (int)params[0] - 1, a = (int)params[2];
    return e > a ? e : a;
}

int kr_keltner(size_t n, const double *const *in, const double *params,
               double *const *out)
{
    const double *h = in[0], *l = in[1], *c = in[2];
    double *yu = out[0], *ym = out[1], *yl = out[2];
    int p, ap;
    double mult;
    if (keltner_params(params, &p, &mult, &ap))
        return KR_EINVAL;
    keltner_state s;
    keltner_init(&s, p, mult, ap);
    size_t i = 0;
    for (; i < n && !(kr__ema_ready(&s.ema) && kr__atr_ready(&s.atr)); i++) {
        const double bar[3] = {h[i], l[i], c[i]};
        double o[3];
        keltner_next(&s, bar, o);
        yu[i] = o[0];
        ym[i] = o[1];
        yl[i] = o[2];
    }
    const double k = s.ema.k, ck = s.ema.c;
    double mid = s.ema.value;
    if (ap == 1) {
        for (; i < n; i++) {
            double o[3];
            mid = kr__ema_step_fast(mid, c[i], k, ck);
            keltner_bands(mid, kr__true_range(h[i], l[i], c[i - 1]), mult, o);
            yu[i] = o[0];
            ym[i] = o[1];
            yl[i] = o[2];
        }
        return KR_OK;
    }
    const double c1 = s.atr.c1, rp = s.atr.rp;
    double atr = s.atr.value;
    for (; i < n; i++) {
        double o[3];
        mid = kr__ema_step_fast(mid, c[i], k, ck);
        const double tr = kr__true_range(h[i], l[i], c[i - 1]);
        atr = kr__wilder_step_fast(atr, tr, c1, rp);
        keltner_bands(mid, atr, mult, o);
        yu[i] = o[0];
        ym[i] = o[1];
        yl[i] = o[2];
    }
    return KR_OK;
}

size_t kr_keltner_stream_size(const double *params)
{
    (void)params;
    return sizeof(keltner_state);
}

int kr_keltner_stream_init(void *state, const double *params)
{
    int p, ap;
    double mult;
    if (keltner_params(params, &p, &mult, &ap))
        return KR_EINVAL;
    keltner_init(state, p, mult, ap);
    return KR_OK;
}

void kr_keltner_stream_next(void *state, const double *in, double *out)
{
    keltner_next(state, in, out);
}

const kr_ta_info kr_keltner_info = {
    .name = "keltner",
    .title = "Keltner Channel",
    .talib = NULL,
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 3,
    .params = {{"period", 20, 2, 100000, true},
               {"mult", 2.0, 0, 100, false},
               {"atr_period", 10, 1, 100000, true}},
    .noutputs = 3,
    .outputs = {"upper", "middle", "lower"},
    .start = kr_keltner_start,
    .batch = kr_keltner,
    .stream_size = kr_keltner_stream_size,
    .stream_init = kr_keltner_stream_init,
    .stream_next = kr_keltner_stream_next,
    .formula = "middle = ema(close, period); upper, lower = middle +/- mult * "
               "atr(atr_period)",
};

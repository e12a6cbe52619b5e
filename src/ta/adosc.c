/* adosc.c -- Chaikin A/D oscillator, equal to TA-Lib's ADOSC.
 *
 * The fast EMA of the accumulation/distribution line (ad.c) minus its slow
 * EMA. TA-Lib 0.4.0 (ta_ADOSC.c) does not seed these EMAs with an SMA as its
 * EMA function does: both start at the first bar's A/D value and then run
 * ema = k * ad + (1 - k) * ema with k = 2 / (period + 1) from the second bar
 * on, and the first `max(fast, slow) - 1` bars (the EMA lookback of the
 * longer period) are not output. We follow that to the last bit: the same
 * money flow (kr__ad_flow, stats.h), the same constants and the same order.
 *
 * As in TA-Lib, `fast` need not be below `slow`: the result is always
 * EMA(fast) - EMA(slow), so swapping them negates it, and there is no
 * relation check. The stream keeps the A/D total and the two EMAs.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef struct adosc_state {
    long seen; /* bars seen, capped at the lookback */
    int lookback;
    double fk, fk1, sk, sk1; /* k and 1 - k of each EMA */
    double ad, fast, slow;
} adosc_state;

static int adosc_lookback(const double *params)
{
    const int fast = (int)params[0], slow = (int)params[1];
    return (fast > slow ? fast : slow) - 1;
}

int kr_adosc_start(const double *params) { return adosc_lookback(params); }

/* One bar: add its money flow to the A/D total, then move both EMAs (or
 * seed them on the first bar). */
static inline void adosc_step(adosc_state *s, int first, double h, double l,
                              double c, double v)
{
    s->ad += kr__ad_flow(h, l, c, v);
    if (first) {
        s->fast = s->ad;
        s->slow = s->ad;
    } else {
        const double fa = s->fk * s->ad, fb = s->fk1 * s->fast;
        const double sa = s->sk * s->ad, sb = s->sk1 * s->slow;
        s->fast = fa + fb;
        s->slow = sa + sb;
    }
}

static void adosc_setup(adosc_state *s, const double *params)
{
    memset(s, 0, sizeof *s);
    s->lookback = adosc_lookback(params);
    s->fk = kr__ema_k((int)params[0]);
    s->fk1 = 1.0 - s->fk;
    s->sk = kr__ema_k((int)params[1]);
    s->sk1 = 1.0 - s->sk;
}

int kr_adosc(size_t n, const double *const *in, const double *params,
             double *const *out)
{
    const double *h = in[0], *l = in[1], *c = in[2], *v = in[3];
    double *y = out[0];
    adosc_state s;
    adosc_setup(&s, params);
    const size_t lb = (size_t)s.lookback;
    for (size_t i = 0; i < n; i++) {
        adosc_step(&s, i == 0, h[i], l[i], c[i], v[i]);
        y[i] = i >= lb ? s.fast - s.slow : NAN;
    }
    return KR_OK;
}

size_t kr_adosc_stream_size(const double *params)
{
    (void)params;
    return sizeof(adosc_state);
}

int kr_adosc_stream_init(void *state, const double *params)
{
    adosc_setup(state, params);
    return KR_OK;
}

void kr_adosc_stream_next(void *state, const double *in, double *out)
{
    adosc_state *s = state;
    adosc_step(s, s->seen == 0, in[0], in[1], in[2], in[3]);
    out[0] = s->seen >= s->lookback ? s->fast - s->slow : NAN;
    if (s->seen <= s->lookback)
        s->seen++;
}

const kr_ta_info kr_adosc_info = {
    .name = "adosc",
    .title = "Chaikin A/D Oscillator",
    .talib = "ADOSC",
    .ninputs = 4,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE, KR_TA_VOLUME},
    .nparams = 2,
    .params = {{"fast", 3, 2, 100000, true}, {"slow", 10, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"adosc"},
    .start = kr_adosc_start,
    .batch = kr_adosc,
    .stream_size = kr_adosc_stream_size,
    .stream_init = kr_adosc_stream_init,
    .stream_next = kr_adosc_stream_next,
    .formula = "adosc = ema(ad, fast) - ema(ad, slow), both EMAs seeded with "
               "the first A/D value (not an SMA)",
};

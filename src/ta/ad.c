/* ad.c -- Chaikin accumulation/distribution line, equal to TA-Lib's AD.
 *
 * A running total of each bar's money flow: the close location value
 * ((close - low) - (high - close)) / (high - low), from -1 at the low to +1
 * at the high, times the bar's volume. TA-Lib 0.4.0 (ta_AD.c) starts the
 * total at 0 with no warm-up and skips bars without a range (high - low not
 * above 0), which guards the division; kr__ad_flow (stats.h, shared with
 * adosc.c) does exactly that. A NaN high or low is skipped by the same test,
 * as in TA-Lib, while a NaN close or volume on a bar with a range makes
 * every later total NaN. The stream keeps the total.
 *
 * The total is TA-Lib's running sum, one addition a bar in its order, which
 * no batch can shorten without leaving TA-Lib's bits (and a running total
 * of volumes that crosses zero needs them). The flows are independent of
 * one another, so the batch computes four at a time in a vector
 * (kr__ad_flow4; the division above all, which one bar at a time would
 * take longer than the addition) and adds them to the total one by one.
 * Reading four columns, it is then limited by memory, and over long series
 * it writes with non-temporal stores (stats.h): on 10M bars about 1.3 times
 * Tulip's AD, which reads as much.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef struct ad_state {
    double ad;
} ad_state;

int kr_ad_start(const double *params)
{
    (void)params;
    return 0;
}

int kr_ad(size_t n, const double *const *in, const double *params,
          double *const *out)
{
    (void)params;
    const double *h = in[0], *l = in[1], *c = in[2], *v = in[3];
    double *y = out[0];
    double ad = 0.0;
    size_t i = 0;
    const bool nt = kr__nt_ok(n);
    for (const size_t head = nt ? kr__nt_from(y, i) : 0; i < head; i++) {
        ad += kr__ad_flow(h[i], l[i], c[i], v[i]);
        y[i] = ad;
    }
    for (; i + 4 <= n; i += 4) {
        kr__v4d f, o;
        kr__ad_flow4(h + i, l + i, c + i, v + i, &f);
        for (int j = 0; j < 4; j++) {
            ad += f[j];
            o[j] = ad;
        }
        if (nt)
            kr__v4_store_nt(y + i, &o);
        else
            kr__v4_store(y + i, &o);
    }
    for (; i < n; i++) {
        ad += kr__ad_flow(h[i], l[i], c[i], v[i]);
        y[i] = ad;
    }
    if (nt)
        kr__nt_fence();
    return KR_OK;
}

size_t kr_ad_stream_size(const double *params)
{
    (void)params;
    return sizeof(ad_state);
}

int kr_ad_stream_init(void *state, const double *params)
{
    (void)params;
    memset(state, 0, sizeof(ad_state));
    return KR_OK;
}

void kr_ad_stream_next(void *state, const double *in, double *out)
{
    ad_state *s = state;
    s->ad += kr__ad_flow(in[0], in[1], in[2], in[3]);
    out[0] = s->ad;
}

const kr_ta_info kr_ad_info = {
    .name = "ad",
    .title = "Chaikin A/D Line",
    .talib = "AD",
    .ninputs = 4,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE, KR_TA_VOLUME},
    .nparams = 0,
    .noutputs = 1,
    .outputs = {"ad"},
    .start = kr_ad_start,
    .batch = kr_ad,
    .stream_size = kr_ad_stream_size,
    .stream_init = kr_ad_stream_init,
    .stream_next = kr_ad_stream_next,
    .formula = "ad = ad[-1] + ((close - low) - (high - close)) / (high - low) "
               "* volume, the term skipped when high - low <= 0",
};

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
    for (size_t i = 0; i < n; i++) {
        ad += kr__ad_flow(h[i], l[i], c[i], v[i]);
        y[i] = ad;
    }
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

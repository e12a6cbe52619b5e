/* bollinger_reversion.c -- Bollinger band mean reversion.
 *
 * Enter long when the close falls below the lower band (the SMA of the
 * close over `period` bars minus k population standard deviations) and go
 * flat when it rises back above the middle band (the SMA). With shorting
 * allowed, mirrored: short above the upper band, covered below the middle.
 * A close beyond the opposite band while in a position reverses it (or,
 * without shorting, closes a long). The bands are the ta domain's BBANDS
 * stream (TA-Lib's), one per symbol; no order before they exist.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kairos/strategy.h"
#include "kairos/ta.h"
#include "strategy/internal.h"

typedef struct bollinger_reversion {
    kr__strat b;
    kr_ta_stream **bands;
} bollinger_reversion;

static void bollinger_release(bollinger_reversion *s)
{
    kr__strat_free_streams(s->bands, s->b.nsym);
    free(s->bands);
    s->bands = NULL;
}

static int bollinger_start(void *self, kr_ctx *ctx)
{
    bollinger_reversion *s = self;
    bollinger_release(s);
    int rc = kr__strat_start(&s->b, ctx);
    if (rc)
        return rc;
    s->bands = calloc(s->b.nsym ? s->b.nsym : 1, sizeof *s->bands);
    const double p[2] = {s->b.params[0], s->b.params[1]};
    if (!s->bands ||
        kr__strat_alloc_streams(s->bands, s->b.nsym, &kr_bbands_info, p)) {
        bollinger_release(s);
        return KR_ENOMEM;
    }
    return KR_OK;
}

static int bollinger_bar(void *self, kr_ctx *ctx, uint32_t symbol,
                         const kr_bar *bar)
{
    bollinger_reversion *s = self;
    int held;
    const int may = kr__strat_bar(&s->b, ctx, symbol, bar, &held);
    if (symbol >= s->b.nsym)
        return KR_OK;
    double band[3]; /* upper, middle, lower */
    kr_ta_stream_next(s->bands[symbol], &bar->close, band);
    if (!may || isnan(band[1]))
        return KR_OK;
    const double c = bar->close;
    int want = held;
    if (c < band[2])
        want = 1;
    else if (c > band[0] && s->b.allow_short)
        want = -1;
    else if (held > 0 && c > band[1])
        want = 0;
    else if (held < 0 && c < band[1])
        want = 0;
    return kr__strat_want(&s->b, ctx, symbol, bar, held, want, 0.0);
}

static void bollinger_destroy(void *self)
{
    bollinger_reversion *s = self;
    bollinger_release(s);
    kr__strat_free(&s->b);
    free(s);
}

static const kr_strategy_ops bollinger_ops = {
    .name = "bollinger_reversion",
    .on_start = bollinger_start,
    .on_bar = bollinger_bar,
    .destroy = bollinger_destroy,
};

static const kr_strategy_param bollinger_params[] = {
    {"period", 20, 2, 100000, 1, "bars of the SMA and standard deviation"},
    {"k", 2.0, 0, 100, 0, "band width in standard deviations"},
};

const kr__strat_def kr__bollinger_reversion_def = {
    .info = {"bollinger_reversion",
             "long below the lower band, flat above the middle band (short "
             "mirrored if allowed)",
             bollinger_params, 2},
    .ops = &bollinger_ops,
    .size = sizeof(bollinger_reversion),
    .check = NULL,
};

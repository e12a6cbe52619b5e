/* rsi_reversion.c -- RSI mean reversion.
 *
 * Buy what has fallen too far, sell what has risen too far: enter long when
 * Wilder's RSI(period) of the close drops below `lower` and go flat when it
 * rises above `upper`. With shorting allowed the rule is symmetric, so the
 * two thresholds become reversals: above `upper` the strategy goes short
 * (from long or flat) and below `lower` long (from short or flat). Between
 * the thresholds it holds whatever it holds. RSI is the ta domain's stream
 * (TA-Lib's RSI), one per symbol; no order before its first value.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kairos/strategy.h"
#include "kairos/ta.h"
#include "strategy/internal.h"

typedef struct rsi_reversion {
    kr__strat b;
    kr_ta_stream **rsi;
} rsi_reversion;

static void rsi_release(rsi_reversion *s)
{
    kr__strat_free_streams(s->rsi, s->b.nsym);
    free(s->rsi);
    s->rsi = NULL;
}

static int rsi_start(void *self, kr_ctx *ctx)
{
    rsi_reversion *s = self;
    rsi_release(s);
    int rc = kr__strat_start(&s->b, ctx);
    if (rc)
        return rc;
    s->rsi = calloc(s->b.nsym ? s->b.nsym : 1, sizeof *s->rsi);
    double p = s->b.params[0];
    if (!s->rsi ||
        kr__strat_alloc_streams(s->rsi, s->b.nsym, &kr_rsi_info, &p)) {
        rsi_release(s);
        return KR_ENOMEM;
    }
    return KR_OK;
}

static int rsi_bar(void *self, kr_ctx *ctx, uint32_t symbol,
                   const kr_bar *bar)
{
    rsi_reversion *s = self;
    int held;
    const int may = kr__strat_bar(&s->b, ctx, symbol, bar, &held);
    if (symbol >= s->b.nsym)
        return KR_OK;
    double r;
    kr_ta_stream_next(s->rsi[symbol], &bar->close, &r);
    if (!may || isnan(r))
        return KR_OK;
    const double lower = s->b.params[1], upper = s->b.params[2];
    int want = held;
    if (r < lower)
        want = 1;
    else if (r > upper)
        want = s->b.allow_short ? -1 : 0;
    return kr__strat_want(&s->b, ctx, symbol, bar, held, want, 0.0);
}

static void rsi_destroy(void *self)
{
    rsi_reversion *s = self;
    rsi_release(s);
    kr__strat_free(&s->b);
    free(s);
}

static int rsi_check(const double *p, char *msg, size_t size)
{
    if (p[1] < p[2])
        return 0;
    snprintf(msg, size, "lower (%.10g) must be below upper (%.10g)", p[1],
             p[2]);
    return -1;
}

static const kr_strategy_ops rsi_ops = {
    .name = "rsi_reversion",
    .on_start = rsi_start,
    .on_bar = rsi_bar,
    .destroy = rsi_destroy,
};

static const kr_strategy_param rsi_params[] = {
    {"period", 14, 2, 100000, 1, "bars of Wilder's RSI of the close"},
    {"lower", 30, 0, 100, 0, "enter long below this RSI (exit a short)"},
    {"upper", 70, 0, 100, 0, "exit a long above this RSI (enter short)"},
};

const kr__strat_def kr__rsi_reversion_def = {
    .info = {"rsi_reversion",
             "long when RSI < lower, flat when RSI > upper (short there if "
             "allowed)",
             rsi_params, 3},
    .ops = &rsi_ops,
    .size = sizeof(rsi_reversion),
    .check = rsi_check,
};

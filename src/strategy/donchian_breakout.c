/* donchian_breakout.c -- the channel breakout, with an ATR stop.
 *
 * The turtle-style breakout: enter long when the close rises above the
 * highest high of the previous `period` bars, the current bar excluded, and
 * go flat when it falls below the lowest low of the previous `exit` bars.
 * The entry carries a bracket stop-loss at close - stop x ATR(atr) (no stop
 * when stop is 0). With shorting allowed the rule is mirrored: short below
 * the lowest low of the previous `period` bars, with its stop above at
 * close + stop x ATR, covered above the highest high of the previous `exit`
 * bars.
 *
 * "Previous bars" come from the ta domain's Donchian stream, whose window
 * includes the bar it is fed: the channel is read before the bar is fed,
 * i.e. as it stood after the previous bar. When the stop child fills, the
 * account is flat and the shared logic reads the held state from the
 * position, so the next breakout enters again. No order before both
 * channels (and, with a stop, the ATR) exist.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kairos/strategy.h"
#include "kairos/ta.h"
#include "strategy/internal.h"

/* The channels of one symbol as of the previous bar. */
typedef struct donchian_prev {
    double entry_hi, entry_lo, exit_hi, exit_lo;
} donchian_prev;

typedef struct donchian_breakout {
    kr__strat b;
    kr_ta_stream **entry, **exit, **atr;
    donchian_prev *prev;
} donchian_breakout;

enum { P_PERIOD, P_EXIT, P_ATR, P_STOP };

static void donchian_release(donchian_breakout *s)
{
    kr__strat_free_streams(s->entry, s->b.nsym);
    kr__strat_free_streams(s->exit, s->b.nsym);
    kr__strat_free_streams(s->atr, s->b.nsym);
    free(s->entry);
    free(s->exit);
    free(s->atr);
    free(s->prev);
    s->entry = s->exit = s->atr = NULL;
    s->prev = NULL;
}

static int donchian_start(void *self, kr_ctx *ctx)
{
    donchian_breakout *s = self;
    donchian_release(s);
    int rc = kr__strat_start(&s->b, ctx);
    if (rc)
        return rc;
    const size_t n = s->b.nsym ? s->b.nsym : 1;
    s->entry = calloc(n, sizeof *s->entry);
    s->exit = calloc(n, sizeof *s->exit);
    s->atr = calloc(n, sizeof *s->atr);
    s->prev = malloc(n * sizeof *s->prev);
    if (!s->entry || !s->exit || !s->atr || !s->prev)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        s->prev[i] = (donchian_prev){NAN, NAN, NAN, NAN};
    const double pe = s->b.params[P_PERIOD], px = s->b.params[P_EXIT],
                 pa = s->b.params[P_ATR];
    if (kr__strat_alloc_streams(s->entry, s->b.nsym, &kr_donchian_info,
                                &pe) ||
        kr__strat_alloc_streams(s->exit, s->b.nsym, &kr_donchian_info, &px) ||
        kr__strat_alloc_streams(s->atr, s->b.nsym, &kr_atr_info, &pa))
        goto nomem;
    return KR_OK;
nomem:
    donchian_release(s);
    return KR_ENOMEM;
}

static int donchian_bar(void *self, kr_ctx *ctx, uint32_t symbol,
                        const kr_bar *bar)
{
    donchian_breakout *s = self;
    int held;
    const int may = kr__strat_bar(&s->b, ctx, symbol, bar, &held);
    if (symbol >= s->b.nsym)
        return KR_OK;
    /* The channels of the previous bars, then this bar into the streams. */
    const donchian_prev p = s->prev[symbol];
    const double hl[2] = {bar->high, bar->low};
    const double hlc[3] = {bar->high, bar->low, bar->close};
    double ce[3], cx[3], atr;
    kr_ta_stream_next(s->entry[symbol], hl, ce);
    kr_ta_stream_next(s->exit[symbol], hl, cx);
    kr_ta_stream_next(s->atr[symbol], hlc, &atr);
    s->prev[symbol] = (donchian_prev){ce[0], ce[2], cx[0], cx[2]};
    if (!may || isnan(p.entry_hi) || isnan(p.exit_hi))
        return KR_OK;
    const double c = bar->close, stop = s->b.params[P_STOP];
    int want = held;
    if (c > p.entry_hi)
        want = 1;
    else if (s->b.allow_short && c < p.entry_lo)
        want = -1;
    else if (held > 0 && c < p.exit_lo)
        want = 0;
    else if (held < 0 && c > p.exit_hi)
        want = 0;
    double dist = 0.0;
    if (stop > 0 && want != 0) {
        if (isnan(atr))
            return KR_OK; /* no entry without its stop */
        dist = stop * atr;
    }
    return kr__strat_want(&s->b, ctx, symbol, bar, held, want, dist);
}

static void donchian_destroy(void *self)
{
    donchian_breakout *s = self;
    donchian_release(s);
    kr__strat_free(&s->b);
    free(s);
}

static const kr_strategy_ops donchian_ops = {
    .name = "donchian_breakout",
    .on_start = donchian_start,
    .on_bar = donchian_bar,
    .destroy = donchian_destroy,
};

static const kr_strategy_param donchian_params[] = {
    {"period", 20, 1, 100000, 1,
     "enter above the highest high (short: below the lowest low) of the "
     "previous period bars"},
    {"exit", 10, 1, 100000, 1,
     "exit below the lowest low (short: above the highest high) of the "
     "previous exit bars"},
    {"atr", 14, 1, 100000, 1, "bars of the ATR that sizes the stop"},
    {"stop", 2.0, 0, 100, 0,
     "bracket stop-loss stop x ATR from the entry bar's close; 0: none"},
};

const kr__strat_def kr__donchian_breakout_def = {
    .info = {"donchian_breakout",
             "long above the previous period-bar high, flat below the "
             "previous exit-bar low, stop at stop x ATR",
             donchian_params, 4},
    .ops = &donchian_ops,
    .size = sizeof(donchian_breakout),
    .check = NULL,
};

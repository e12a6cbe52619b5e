/* states.c -- a strategy that follows states given in advance: the bridge
 * from a model's out-of-sample predictions (or any signal computed outside
 * the engine) to a backtest.
 *
 * states[s][i] is the state wanted for symbol s at its i-th bar (+1 long,
 * 0 flat, -1 short, NaN: no decision), decided at that bar's close, and
 * the shared order logic of the built-ins (kr__strat_bar, kr__strat_want)
 * turns a change of state into an order, with the same sizing, shorting
 * and one-order-in-flight rules. The arrays are borrowed. Whatever computed
 * the states answers for their look-ahead: the cross-validation code fills
 * them from predictions made on features that read only the past, and the
 * engine adds nothing (the state of bar i is read at bar i).
 */
#include <math.h>
#include <stdlib.h>

#include "kairos/strategy.h"
#include "strategy/internal.h"

typedef struct states_strat {
    kr__strat b; /* first */
    const double *const *states;
    const size_t *nstates;
    size_t nsym;
} states_strat;

static int states_start(void *self, kr_ctx *ctx)
{
    states_strat *s = self;
    return kr__strat_start(&s->b, ctx);
}

static int states_bar(void *self, kr_ctx *ctx, uint32_t symbol,
                      const kr_bar *bar)
{
    states_strat *s = self;
    int held;
    const int may = kr__strat_bar(&s->b, ctx, symbol, bar, &held);
    if (!may || symbol >= s->nsym)
        return KR_OK;
    kr_bar_view v;
    if (kr_ctx_history(ctx, symbol, &v) || v.n == 0 ||
        v.n > s->nstates[symbol])
        return KR_OK;
    const double w = s->states[symbol][v.n - 1];
    if (isnan(w))
        return KR_OK;
    return kr__strat_want(&s->b, ctx, symbol, bar, held,
                          (w > 0) - (w < 0), 0.0);
}

static void states_destroy(void *self)
{
    states_strat *s = self;
    kr__strat_free(&s->b);
    free(s);
}

static const kr_strategy_ops states_ops = {
    .name = "states",
    .on_start = states_start,
    .on_bar = states_bar,
    .destroy = states_destroy,
};

int kr_strategy_states(const double *const *states, const size_t *nstates,
                       size_t nsym, const kr_sizing *sizing, int allow_short,
                       kr_strategy *out, kr_error *err)
{
    if (!states || !nstates || nsym == 0 || !out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "states",
                            "no states given");
    states_strat *s = calloc(1, sizeof *s);
    if (!s)
        return KR_ENOMEM;
    if (sizing)
        s->b.sizing = *sizing;
    else
        kr_sizing_init(&s->b.sizing);
    s->b.allow_short = allow_short != 0;
    s->b.name = "states";
    s->states = states;
    s->nstates = nstates;
    s->nsym = nsym;
    out->ops = &states_ops;
    out->self = s;
    return KR_OK;
}

/* sma_cross.c -- the moving-average crossover, a trend-following regime.
 *
 * Long while the simple moving average of the close over `fast` bars is
 * above the one over `slow` bars, flat (short when allowed) while it is
 * not. It is a regime rather than an event: the first bar where both
 * averages exist may already enter, and no order is sent before both
 * exist. The averages are the ta domain's SMA streams, one pair per symbol,
 * fed every bar, including those on which the strategy waits for an order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kairos/strategy.h"
#include "kairos/ta.h"
#include "strategy/internal.h"

/* The two averages of every symbol are SMA stream states held directly
 * and stepped with kr_sma_stream_next (no kr_ta_stream indirection: this
 * runs on every bar). */
typedef struct sma_cross {
    kr__strat b; /* first: kr_strategy_create fills it */
    unsigned char *fast, *slow; /* nsym states of fsize / ssize bytes */
    size_t fsize, ssize;
} sma_cross;

static void sma_cross_release(sma_cross *s)
{
    kr_free_aligned(s->fast);
    kr_free_aligned(s->slow);
    s->fast = s->slow = NULL;
}

/* n states of an SMA with period p, each `*size` bytes (64-aligned). */
static unsigned char *sma_states(size_t n, double p, size_t *size)
{
    size_t one = (kr_sma_stream_size(&p) + 63) & ~(size_t)63;
    unsigned char *m = kr_alloc_aligned(one * n);
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (kr_sma_stream_init(m + i * one, &p)) {
            kr_free_aligned(m);
            return NULL;
        }
    *size = one;
    return m;
}

static int sma_cross_start(void *self, kr_ctx *ctx)
{
    sma_cross *s = self;
    sma_cross_release(s);
    int rc = kr__strat_start(&s->b, ctx);
    if (rc)
        return rc;
    const size_t n = s->b.nsym ? s->b.nsym : 1;
    s->fast = sma_states(n, s->b.params[0], &s->fsize);
    s->slow = sma_states(n, s->b.params[1], &s->ssize);
    if (!s->fast || !s->slow) {
        sma_cross_release(s);
        return KR_ENOMEM;
    }
    return KR_OK;
}

static int sma_cross_bar(void *self, kr_ctx *ctx, uint32_t symbol,
                         const kr_bar *bar)
{
    sma_cross *s = self;
    int held;
    const int may = kr__strat_bar(&s->b, ctx, symbol, bar, &held);
    if (symbol >= s->b.nsym)
        return KR_OK;
    double f, sl;
    kr_sma_stream_next(s->fast + symbol * s->fsize, &bar->close, &f);
    kr_sma_stream_next(s->slow + symbol * s->ssize, &bar->close, &sl);
    if (!may || isnan(f) || isnan(sl))
        return KR_OK;
    return kr__strat_want(&s->b, ctx, symbol, bar, held, f > sl ? 1 : -1,
                          0.0);
}

static void sma_cross_destroy(void *self)
{
    sma_cross *s = self;
    sma_cross_release(s);
    kr__strat_free(&s->b);
    free(s);
}

static int sma_cross_check(const double *p, char *msg, size_t size)
{
    if (p[0] < p[1])
        return 0;
    snprintf(msg, size, "fast (%.10g) must be below slow (%.10g)", p[0],
             p[1]);
    return -1;
}

static const kr_strategy_ops sma_cross_ops = {
    .name = "sma_cross",
    .on_start = sma_cross_start,
    .on_bar = sma_cross_bar,
    .destroy = sma_cross_destroy,
};

static const kr_strategy_param sma_cross_params[] = {
    {"fast", 50, 2, 100000, 1, "bars of the fast SMA of the close"},
    {"slow", 200, 3, 100000, 1, "bars of the slow SMA of the close"},
};

const kr__strat_def kr__sma_cross_def = {
    .info = {"sma_cross",
             "long while SMA(fast) > SMA(slow) of the close, else flat "
             "(short if allowed)",
             sma_cross_params, 2},
    .ops = &sma_cross_ops,
    .size = sizeof(sma_cross),
    .check = sma_cross_check,
};

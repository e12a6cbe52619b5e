/* internal.h -- what the built-in strategies share inside src/strategy.
 *
 * Every built-in is a struct that begins with a kr__strat (the sizing, the
 * short flag and one kr__strat_sym per symbol) followed by its own
 * per-symbol indicator streams. The shared part does what is the same for
 * all of them, so that each built-in file holds only its rule:
 *
 *   - kr__strat_start allocates the per-symbol records in on_start (the
 *     only allocation of a run; on_bar never allocates);
 *   - kr__strat_bar, called first in every on_bar, feeds the realized
 *     volatility stream, and says whether the strategy may decide on this
 *     bar (no order of its own still open) and which state it holds: the
 *     sign of kr_ctx_position, so that a position closed by a bracket's
 *     stop or by the engine is seen as flat;
 *   - kr__strat_want turns the wanted state (+1 long, 0 flat, -1 short)
 *     into an order by the sizing, only when it differs from the held
 *     state, and remembers a wanted state whose order came to nothing
 *     (rejected by risk, canceled) so as not to ask again until the rule
 *     has wanted the held state in between.
 */
#ifndef KR_STRATEGY_INTERNAL_H
#define KR_STRATEGY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/strategy.h"
#include "kairos/ta.h"

/* No wanted state remembered. */
#define KR__WANT_NONE 2

typedef struct kr__strat_sym {
    uint64_t pending;   /* id of the strategy's own order still open, or 0 */
    int want_sent;      /* the state `pending` asked for */
    int want_failed;    /* a state whose order filled nothing, or
                           KR__WANT_NONE */
    double prev_close;  /* NaN before the first bar */
    double vol;         /* annualised realized volatility, NaN until the
                           window is full */
    kr_ta_stream *vol_stream; /* stddev of simple returns; NULL unless
                                 KR_SIZE_VOL_TARGET */
} kr__strat_sym;

typedef struct kr__strat {
    kr_sizing sizing;
    int allow_short;
    double ppy;         /* periods per year of the run */
    const char *name;   /* the built-in's, static */
    size_t nsym;
    kr__strat_sym *sym; /* nsym records, owned */
    double params[KR_STRATEGY_MAX_PARAMS];
} kr__strat;

/* A built-in as strategy.c's table sees it: its info, its ops and the
 * size of its struct, which begins with a kr__strat. `check` tests
 * relations between parameters (NULL when there are none): it returns 0,
 * or -1 after writing what is wrong into msg. kr_strategy_create allocates `size`
 * zeroed bytes and fills the kr__strat; the built-in's on_start makes its
 * streams and its ops->destroy frees them, the kr__strat and the struct. */
typedef struct kr__strat_def {
    kr_strategy_info info;
    const kr_strategy_ops *ops;
    size_t size;
    int (*check)(const double *params, char *msg, size_t size);
} kr__strat_def;

extern const kr__strat_def kr__sma_cross_def;
extern const kr__strat_def kr__rsi_reversion_def;
extern const kr__strat_def kr__donchian_breakout_def;
extern const kr__strat_def kr__bollinger_reversion_def;

/* kr__strat_start allocates b->sym for kr_ctx_nsymbols(ctx) symbols and,
 * under volatility targeting, their volatility streams. Safe to call again
 * (a second run with the same strategy): what a previous run left is freed
 * first. Returns KR_OK or KR_ENOMEM. */
int kr__strat_start(kr__strat *b, kr_ctx *ctx);

/* kr__strat_free frees what kr__strat_start allocated (not b). */
void kr__strat_free(kr__strat *b);

/* kr__strat_alloc_streams makes n streams of `info` with `params` into
 * `out` (n pointers, set to NULL first); on error frees those it made.
 * kr__strat_free_streams frees n of them (NULL entries skipped) and zeroes
 * the pointers. */
int kr__strat_alloc_streams(kr_ta_stream **out, size_t n,
                            const kr_ta_info *info, const double *params);
void kr__strat_free_streams(kr_ta_stream **s, size_t n);

/* kr__strat_bar is called first in on_bar: it updates the volatility of
 * `symbol` with the bar's close and sets *held to the sign of the position.
 * Returns 1 when the strategy may decide on this bar, 0 while an order of
 * its own is still open or the symbol is not one of the run's. */
int kr__strat_bar(kr__strat *b, kr_ctx *ctx, uint32_t symbol,
                  const kr_bar *bar, int *held);

/* kr__strat_want (below, inline) and kr__strat_send, which it calls when
 * there is something to send, move `symbol` to the wanted state (+1, 0,
 * -1; a short
 * state is flat without allow_short) when it differs from `held`. Any open
 * order of the symbol left (a bracket child) is canceled first. stop_dist
 * > 0 adds a bracket stop-loss that far from the bar's close against the
 * position. Returns KR_OK (also when nothing was sent: same state, a state
 * that failed before, volatility not yet known) or an error of
 * kr_ctx_submit other than KR_EREJECTED, which stops the run. */
int kr__strat_send(kr__strat *b, kr_ctx *ctx, uint32_t symbol,
                   const kr_bar *bar, int held, int want, double stop_dist);

/* The every-bar part, inline: most bars want what is held and return here
 * without a call. */
static inline int kr__strat_want(kr__strat *b, kr_ctx *ctx, uint32_t symbol,
                                 const kr_bar *bar, int held, int want,
                                 double stop_dist)
{
    if (symbol >= b->nsym)
        return KR_OK;
    kr__strat_sym *y = &b->sym[symbol];
    if (want < 0 && !b->allow_short)
        want = 0;
    if (want == held) {
        y->want_failed = KR__WANT_NONE;
        return KR_OK;
    }
    if (want == y->want_failed)
        return KR_OK;
    return kr__strat_send(b, ctx, symbol, bar, held, want, stop_dist);
}

#endif /* KR_STRATEGY_INTERNAL_H */

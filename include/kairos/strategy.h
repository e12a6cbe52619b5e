/* strategy.h -- kairos built-in strategies and position-sizing specs.
 *
 * The strategy domain sits on the engine: a built-in is a kr_strategy (an
 * ops table and its state) that kr_backtest_run, and later the live runner,
 * drive through on_start and on_bar. One table (strategy.c) lists every
 * built-in with its parameters (name, default, range, whether whole) and a
 * one-line help; lookup, `kairos backtest --list-strategies`, the spec
 * parser's messages and docs/strategies.md all come from it.
 *
 * A built-in is made from a text spec, "name" or "name:key=value,...", the
 * form the command line and the YAML run-config share, together with a
 * sizing (kr_sizing, from a --size spec) and whether it may go short. Every
 * built-in trades each symbol of the run on its own, with one set of
 * streaming indicator states per symbol, and decides from the current bar
 * and earlier ones only. docs/strategies.md describes each rule.
 */
#ifndef KAIROS_STRATEGY_H
#define KAIROS_STRATEGY_H

#include <stddef.h>

#include "kairos/core.h"
#include "kairos/engine.h"
#include "kairos/ml.h"
#include "kairos/risk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most parameters any built-in takes. */
#define KR_STRATEGY_MAX_PARAMS 8

/* One parameter of a built-in: its default, its accepted range (inclusive)
 * and whether it must be a whole number. */
typedef struct kr_strategy_param {
    const char *name;
    double def, min, max;
    int integer;
    const char *help;
} kr_strategy_param;

/* A built-in as the table lists it. */
typedef struct kr_strategy_info {
    const char *name;    /* "sma_cross" */
    const char *summary; /* one line: the rule */
    const kr_strategy_param *params;
    size_t nparams;
} kr_strategy_info;

/* The table: kr_strategy_count() entries, sorted by name. info_at returns
 * NULL past the end; find (exact name) returns NULL for an unknown name.
 * The entries are static: never freed. */
size_t kr_strategy_count(void);
const kr_strategy_info *kr_strategy_info_at(size_t i);
const kr_strategy_info *kr_strategy_find(const char *name);

/* kr_strategy_create makes a built-in from `spec`: "name" or
 * "name:key=value,key=value" (keys in any order, missing ones take their
 * defaults). `sizing` (NULL: kr_sizing_init's defaults) is copied; with
 * allow_short 0 the short states of a rule mean flat. On success *out holds
 * the strategy, owned by the caller, who releases it with
 * kr_strategy_destroy after the run. Everything is checked before anything
 * is allocated: an unknown name or key, a value that is not a number, out
 * of its range or not whole when it must be, a duplicate key, or a broken
 * relation between parameters (sma_cross fast < slow, rsi_reversion lower
 * < upper) gives KR_EINVAL with err->field = `field` (e.g. "--strategy")
 * and a message naming the bad part and what is allowed; a bad sizing
 * gives KR_EINVAL too. *out is untouched on error. KR_ENOMEM. */
int kr_strategy_create(const char *spec, const kr_sizing *sizing,
                       int allow_short, kr_strategy *out, const char *field,
                       kr_error *err);

/* kr_strategy_destroy calls ops->destroy(self) and zeroes *s; safe on a
 * zeroed struct and on NULL. */
void kr_strategy_destroy(kr_strategy *s);

/* kr_sizing_parse parses a --size spec into *s, which it first sets to
 * kr_sizing_init's defaults:
 *   fraction:F                     target F of equity (0 < F <= 100)
 *   qty:Q                          Q units (Q > 0)
 *   vol:T[,window=W][,max=M]       the fraction that targets annual
 *                                  volatility T (0 < T <= 10) from the last
 *                                  W returns (2..100000, 20), capped at M
 *                                  (0 < M <= 100, 1.0)
 * Returns KR_OK, or KR_EINVAL with err->field = `field` and a message
 * naming the bad part; *s is untouched on error. */
int kr_sizing_parse(const char *spec, kr_sizing *s, const char *field,
                    kr_error *err);

/* kr_strategy_states makes a strategy that follows states given in
 * advance: states[s][i] is the state wanted for symbol s at its i-th bar
 * of the run's input (+1 long, 0 flat, -1 short, NaN: no decision; nstates[s]
 * entries), decided at that bar's close and traded with the built-ins'
 * order logic and `sizing` (NULL: all in). The arrays are borrowed for the
 * strategy's life. Used to backtest out-of-sample model predictions. */
int kr_strategy_states(const double *const *states, const size_t *nstates,
                       size_t nsym, const kr_sizing *sizing, int allow_short,
                       kr_strategy *out, kr_error *err);

/* kr_strategy_model makes the model strategy: it trades the live model of
 * the registry at `registry` (its feature set from the version's meta),
 * long when the predicted probability of an up label is above `threshold`
 * (0.5 .. <1), short below 1 - threshold when allow_short, flat otherwise.
 * Features are computed each bar over the trailing max(10 x look-back,
 * 1000) bars of the symbol's history. KR_ENOENT when nothing is live, or
 * the registry's and the feature parser's errors. */
int kr_strategy_model(const char *registry, double threshold,
                      const kr_sizing *sizing, int allow_short,
                      kr_strategy *out, kr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_STRATEGY_H */

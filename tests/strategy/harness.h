/* harness.h -- runs a built-in strategy through kr_backtest_run on small
 * hand-made bar series, for the strategy tests.
 *
 * Bars are daily from 2024-01-01 so that a fill's timestamp gives its bar
 * index; prices have 2 decimals and quantities 0 (whole units), with no
 * costs, and market orders fill at the next bar's open (the default rule).
 * A series given by closes alone gets open = close + 0.25 (so a fill price
 * names the bar it came from), high = max(open, close) + 1 and low =
 * min(open, close) - 1.
 */
#ifndef KR_TEST_STRATEGY_HARNESS_H
#define KR_TEST_STRATEGY_HARNESS_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/data.h"
#include "kairos/engine.h"
#include "kairos/oms.h"
#include "kairos/strategy.h"

#define H_MAXSYM 4
#define H_DAY INT64_C(86400000000000)

static inline kr_ts h_ts(size_t i)
{
    return kr_ts_from_civil(2024, 1, 1, 0, 0, 0, 0) + (int64_t)i * H_DAY;
}

/* Bars from explicit columns (any of o, h, l NULL: derived as above). */
static inline void h_bars(kr_bars *b, uint32_t symbol, size_t n,
                          const double *o, const double *h, const double *l,
                          const double *c)
{
    assert_int_equal(kr_bars_init(b, symbol, n, 0), KR_OK);
    for (size_t i = 0; i < n; i++) {
        double op = o ? o[i] : c[i] + 0.25;
        double hi = h ? h[i] : fmax(op, c[i]) + 1;
        double lo = l ? l[i] : fmin(op, c[i]) - 1;
        assert_int_equal(kr_bars_push(b, h_ts(i), op, hi, lo, c[i], 1000, 0,
                                      0),
                         KR_OK);
    }
}

/* A run: the results, the strategy and the input it borrowed. */
typedef struct h_run {
    kr_backtest bt;
    kr_backtest_config cfg;
    kr_instrument inst[H_MAXSYM];
    int rc;
} h_run;

static inline void h_config(h_run *r, int allow_short)
{
    kr_backtest_config_init(&r->cfg);
    r->cfg.allow_short = allow_short;
    r->cfg.periods_per_year = 252;
    r->cfg.check_ledger = 1;
}

/* h_go runs `spec` sized by `size` (NULL: fraction 1) over bars[0, n),
 * with r->cfg as set by h_config and maybe changed by the caller. */
static inline void h_go(h_run *r, const char *spec, const char *size,
                        int allow_short, const kr_bars *bars, size_t n)
{
    kr_error err;
    kr_sizing sz;
    kr_sizing_init(&sz);
    if (size)
        assert_int_equal(kr_sizing_parse(size, &sz, "--size", &err), KR_OK);
    kr_strategy s = {0};
    assert_int_equal(kr_strategy_create(spec, &sz, allow_short, &s,
                                        "--strategy", &err),
                     KR_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kr_instrument_init(&r->inst[i], (uint32_t)i, 2, 0),
                         KR_OK);
        r->inst[i].lot_size = 1; /* whole units: targets round down */
    }
    kr_backtest_input in = {bars, r->inst, NULL, n};
    kr_backtest_init(&r->bt);
    r->rc = kr_backtest_run(&r->bt, &r->cfg, &in, &s, &err);
    if (r->rc)
        print_error("run: %d %s\n", r->rc, err.msg);
    kr_strategy_destroy(&s);
    assert_null(s.self);
}

/* Doubles compared to a tolerance (cmocka's float assert is single). */
#define h_near(a, b, tol)                                                     \
    do {                                                                      \
        double a_ = (a), b_ = (b);                                            \
        if (!(fabs(a_ - b_) <= (tol)))                                        \
            print_error("%s = %.17g, want %.17g\n", #a, a_, b_);            \
        assert_true(fabs(a_ - b_) <= (tol));                                  \
    } while (0)

static inline size_t h_bar_of(kr_ts ts)
{
    return (size_t)((ts - h_ts(0)) / H_DAY);
}

/* One expected fill. */
typedef struct h_fill {
    uint32_t symbol;
    size_t bar;
    int side;
    double price;
    double qty; /* < 0: not checked */
} h_fill;

/* h_check_fills asserts the run's fills are exactly `want`, in order. */
static inline void h_check_fills(const h_run *r, const h_fill *want,
                                 size_t n)
{
    assert_int_equal(r->rc, KR_OK);
    if (r->bt.nfills != n) {
        for (size_t i = 0; i < r->bt.nfills; i++) {
            const kr_fill *f = &r->bt.fills[i];
            print_error("fill %zu: sym %u bar %zu side %d px %.2f qty %lld\n",
                        i, f->symbol, h_bar_of(f->ts), f->side,
                        kr_fixed_to_double(f->price, 2), (long long)f->qty);
        }
    }
    assert_int_equal(r->bt.nfills, n);
    for (size_t i = 0; i < n; i++) {
        const kr_fill *f = &r->bt.fills[i];
        assert_int_equal(f->symbol, want[i].symbol);
        assert_int_equal(h_bar_of(f->ts), want[i].bar);
        assert_int_equal(f->side, want[i].side);
        h_near(kr_fixed_to_double(f->price, 2), want[i].price, 1e-9);
        if (want[i].qty >= 0)
            h_near((double)f->qty, want[i].qty, 1e-9);
    }
}

#endif /* KR_TEST_STRATEGY_HARNESS_H */

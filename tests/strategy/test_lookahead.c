/* test_lookahead.c -- no look-ahead, for every built-in strategy: changing
 * every bar after t changes no order decided at or before t, nor the equity
 * curve up to t.
 *
 * Each strategy runs on a random walk (long only and with shorts, under
 * each fill rule), then again on copies whose bars after a cut t are
 * replaced by different random bars. Every order created at or before t's
 * timestamp must be the same order (side, type, time in force, quantity
 * asked, limit and stop prices, target fraction, role), and every equity
 * point up to t the same double. The cuts include the start and the end.
 * Orders filled at t+1's open are decided at t and so are compared; their
 * fills are not (they read bar t+1, as a real fill would).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/strategy.h"

#define N 700
#define DAY INT64_C(86400000000000)
#define T0 INT64_C(946857600000000000) /* 2000-01-03 */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Bars from `from` on are a fresh random walk starting at row from-1's
 * close (or 100). */
static void walk(kr_bars *b, size_t from)
{
    double px = from ? b->close[from - 1] : 100;
    for (size_t i = from; i < N; i++) {
        double o = px * (1 + (uniform() - 0.5) * 0.01);
        double c = o * (1 + (uniform() - 0.5) * 0.05);
        b->ts[i] = T0 + (int64_t)i * DAY;
        b->open[i] = o;
        b->close[i] = c;
        b->high[i] = fmax(o, c) * (1 + uniform() * 0.01);
        b->low[i] = fmin(o, c) * (1 - uniform() * 0.01);
        b->volume[i] = 1000 + 1000 * uniform();
        px = c;
    }
    b->n = N;
}

static void run(const char *spec, int shorts, int rule, const kr_sizing *sz,
                const kr_bars *b, kr_backtest *bt)
{
    kr_instrument inst;
    assert_int_equal(kr_instrument_init(&inst, 0, 4, 3), KR_OK);
    kr_backtest_input in = {b, &inst, NULL, 1};
    kr_strategy s;
    kr_error err;
    assert_int_equal(kr_strategy_create(spec, sz, shorts, &s, "spec", &err),
                     KR_OK);
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.allow_short = shorts;
    cfg.venue.fill_rule = rule;
    cfg.check_ledger = 1;
    kr_backtest_init(bt);
    assert_int_equal(kr_backtest_run(bt, &cfg, &in, &s, &err), KR_OK);
    kr_strategy_destroy(&s);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void check_strategy(const char *spec)
{
    static const size_t cuts[] = {0, 1, 35, 120, 333, 500, N - 2};
    kr_sizing sizes[2];
    kr_sizing_init(&sizes[0]);
    kr_sizing_init(&sizes[1]);
    assert_int_equal(kr_sizing_parse("qty:10", &sizes[1], "size", NULL),
                     KR_OK);
    for (int shorts = 0; shorts <= 1; shorts++)
        for (int rule = 0; rule < KR_FILL_RULE_COUNT; rule++)
            for (int z = 0; z < 2; z++) {
                kr_bars base;
                assert_int_equal(kr_bars_init(&base, 0, N, 0), KR_OK);
                walk(&base, 0);
                kr_backtest ref;
                run(spec, shorts, rule, &sizes[z], &base, &ref);
                assert_true(ref.norders >= 4);
                for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
                    size_t t = cuts[k];
                    kr_bars alt;
                    assert_int_equal(kr_bars_init(&alt, 0, N, 0), KR_OK);
                    memcpy(alt.ts, base.ts, N * sizeof *alt.ts);
                    memcpy(alt.open, base.open, N * sizeof(double));
                    memcpy(alt.high, base.high, N * sizeof(double));
                    memcpy(alt.low, base.low, N * sizeof(double));
                    memcpy(alt.close, base.close, N * sizeof(double));
                    memcpy(alt.volume, base.volume, N * sizeof(double));
                    walk(&alt, t + 1);
                    kr_backtest bt;
                    run(spec, shorts, rule, &sizes[z], &alt, &bt);
                    for (size_t i = 0; i < ref.norders; i++) {
                        const kr_order *a = &ref.orders[i];
                        if (a->ts_init > base.ts[t])
                            continue;
                        assert_true(i < bt.norders);
                        const kr_order *o = &bt.orders[i];
                        assert_int_equal(o->ts_init, a->ts_init);
                        assert_int_equal(o->side, a->side);
                        assert_int_equal(o->type, a->type);
                        assert_int_equal(o->tif, a->tif);
                        assert_int_equal(o->limit_px, a->limit_px);
                        assert_int_equal(o->stop_px, a->stop_px);
                        assert_int_equal(bt.extra[i].role, ref.extra[i].role);
                        assert_true(same_double(bt.extra[i].target,
                                                ref.extra[i].target));
                        /* The quantity asked is decided at t; a target
                         * order's is re-sized at its fill, which may read
                         * bar t+1: compare it only for fixed quantities. */
                        if (isnan(ref.extra[i].target) &&
                            ref.extra[i].role == KR_ROLE_ENTRY)
                            assert_int_equal(o->qty, a->qty);
                    }
                    for (size_t i = 0; i <= t && i < ref.npoints; i++)
                        assert_true(bt.equity[i] == ref.equity[i]);
                    kr_backtest_free(&bt);
                    kr_bars_free(&alt);
                }
                kr_backtest_free(&ref);
                kr_bars_free(&base);
            }
}

static void test_sma_cross(void **state)
{
    (void)state;
    check_strategy("sma_cross:fast=5,slow=20");
}

static void test_rsi_reversion(void **state)
{
    (void)state;
    check_strategy("rsi_reversion:period=5,lower=35,upper=65");
}

static void test_donchian_breakout(void **state)
{
    (void)state;
    check_strategy("donchian_breakout:period=10,exit=5,atr=5,stop=1.5");
}

static void test_bollinger_reversion(void **state)
{
    (void)state;
    check_strategy("bollinger_reversion:period=10,k=1.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sma_cross),
        cmocka_unit_test(test_rsi_reversion),
        cmocka_unit_test(test_donchian_breakout),
        cmocka_unit_test(test_bollinger_reversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

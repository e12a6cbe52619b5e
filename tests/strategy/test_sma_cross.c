/* test_sma_cross.c -- tests of src/strategy/sma_cross.c through the
 * backtest runner: the exact fills the crossover rule gives on a hand-made
 * series, long-only and long-short, under fraction, fixed-quantity and
 * volatility-target sizing, with a refused order not resent, and two
 * symbols traded independently.
 *
 * The series (closes; open = close + 0.25, see harness.h), with fast = 2
 * and slow = 3, worked by hand:
 *
 *   bar    0   1   2      3      4      5      6     7      8     9     10
 *   close  10  10  10     11     12     11     10    9      10    11    12
 *   sma2   -   10  10     10.5   11.5   11.5   10.5  9.5    9.5   10.5  11.5
 *   sma3   -   -   10     10.33  11     11.33  11    10     9.67  10    11
 *   want   .   .   flat/S long   long   long   flat/S flat/S flat/S long long
 *
 * Orders decided at bar t fill at bar t+1's open (close + 0.25).
 */
#include <math.h>
#include <stdlib.h>

#include "strategy/harness.h"

static const double C[] = {10, 10, 10, 11, 12, 11, 10, 9, 10, 11, 12};
#define N (sizeof C / sizeof C[0])
#define SPEC "sma_cross:fast=2,slow=3"

static void long_only_fraction(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    h_go(&r, SPEC, NULL, 0, &b, 1);
    /* Bar 3 goes long -> buy at bar 4's open 12.25 with all of 100000:
     * floor((100000 - 0.01) / 12.25) = floor(8163.26) = 8163 (the engine
     * keeps a cent back). Bar 6 goes flat -> sell 8163 at bar 7's open
     * 9.25; cash 100000 - 8163 x 3 = 75511. Bar 9 goes long -> buy at bar
     * 10's open 12.25: floor(75510.99 / 12.25) = floor(6164.16) = 6164. */
    const h_fill want[] = {
        {0, 4, KR_BUY, 12.25, 8163},
        {0, 7, KR_SELL, 9.25, 8163},
        {0, 10, KR_BUY, 12.25, 6164},
    };
    h_check_fills(&r, want, 3);
    /* Three orders, each a target: +1, 0, +1. */
    assert_int_equal(r.bt.norders, 3);
    h_near(r.bt.extra[0].target, 1.0, 0);
    h_near(r.bt.extra[1].target, 0.0, 0);
    h_near(r.bt.extra[2].target, 1.0, 0);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void long_short_qty(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 1);
    h_go(&r, SPEC, "qty:100", 1, &b, 1);
    /* Bar 2 is the first with both averages and sma2 = sma3 = 10 is not
     * above: short -> sell 100 at bar 3 (11.25). Bar 3 long: buy the
     * difference 100 - (-100) = 200 at bar 4 (12.25). Bar 6 short: sell 200
     * at bar 7 (9.25). Bar 9 long: buy 200 at bar 10 (12.25). */
    const h_fill want[] = {
        {0, 3, KR_SELL, 11.25, 100},
        {0, 4, KR_BUY, 12.25, 200},
        {0, 7, KR_SELL, 9.25, 200},
        {0, 10, KR_BUY, 12.25, 200},
    };
    h_check_fills(&r, want, 4);
    assert_int_equal(r.bt.norders, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(isnan(r.bt.extra[i].target)); /* plain market orders */
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void long_only_qty_never_sells_short(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 1); /* the account could short; the strategy may not */
    h_go(&r, SPEC, "qty:100", 0, &b, 1);
    const h_fill want[] = {
        {0, 4, KR_BUY, 12.25, 100},
        {0, 7, KR_SELL, 9.25, 100},
        {0, 10, KR_BUY, 12.25, 100},
    };
    h_check_fills(&r, want, 3);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

/* The sample standard deviation of the w simple returns ending at bar t,
 * annualised with 252 periods: the reference for the strategy's stream. */
static double ref_vol(const double *c, size_t t, size_t w)
{
    double r[64], mean = 0, ss = 0;
    for (size_t k = 0; k < w; k++) {
        r[k] = c[t - w + 1 + k] / c[t - w + k] - 1.0;
        mean += r[k];
    }
    mean /= (double)w;
    for (size_t k = 0; k < w; k++)
        ss += (r[k] - mean) * (r[k] - mean);
    return sqrt(ss / (double)(w - 1)) * sqrt(252.0);
}

static void vol_target_waits_for_window(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    h_go(&r, SPEC, "vol:0.2,window=5", 0, &b, 1);
    /* Long from bar 3, but 5 returns exist only from bar 5 (returns of
     * bars 1..5: 0, 0, 0.1, 1/11, -1/12): the first order is decided at bar
     * 5 and fills at bar 6's open 10.25. Realized vol = sample std of those
     * x sqrt(252) = 1.20097756 (Python: statistics.stdev(r) *
     * math.sqrt(252)), so the target is 0.2 / 1.20097756 = 0.16653100. Bar
     * 6 exits (fills bar 7); bar 9 re-enters with the vol of the returns
     * of bars 5..9, 1.71631024, so 0.2 / 1.71631024 = 0.11653. */
    assert_int_equal(r.rc, KR_OK);
    assert_int_equal(r.bt.norders, 3);
    const double v5 = ref_vol(C, 5, 5), v9 = ref_vol(C, 9, 5);
    h_near(v5, 1.2009775632533763, 1e-12);
    h_near(v9, 1.7163102414224989, 1e-12);
    h_near(r.bt.extra[0].target, 0.16653100450787106, 1e-9);
    h_near(r.bt.extra[1].target, 0.0, 0);
    h_near(r.bt.extra[2].target, 0.2 / v9, 1e-9);
    assert_int_equal(r.bt.nfills, 3);
    assert_int_equal(h_bar_of(r.bt.fills[0].ts), 6);
    h_near(kr_fixed_to_double(r.bt.fills[0].price, 2), 10.25, 1e-9);
    /* floor((0.16653 x 100000 - 0.01) / 10.25) = floor(1624.69) = 1624. */
    h_near((double)r.bt.fills[0].qty, 1624, 0);
    assert_int_equal(h_bar_of(r.bt.fills[1].ts), 7);
    assert_int_equal(h_bar_of(r.bt.fills[2].ts), 10);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void vol_target_capped(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    /* A 500% target over ~120% vol is 4.2, capped at max = 0.5. */
    h_go(&r, SPEC, "vol:5,window=5,max=0.5", 0, &b, 1);
    assert_int_equal(r.rc, KR_OK);
    assert_int_equal(r.bt.norders, 3);
    h_near(r.bt.extra[0].target, 0.5, 0);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void refused_order_not_resent(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    r.cfg.risk.max_order_notional = 100; /* 100 units x 11 = 1100 > 100 */
    h_go(&r, SPEC, "qty:100", 0, &b, 1);
    /* Long is wanted on bars 3, 4, 5: one order (bar 3), rejected, not
     * asked again on bars 4 and 5. Bars 6..8 want flat, which is held, so
     * the long wanted again on bar 9 is a new decision: a second order,
     * rejected too. */
    assert_int_equal(r.rc, KR_OK);
    assert_int_equal(r.bt.nfills, 0);
    assert_int_equal(r.bt.norders, 2);
    assert_int_equal(r.bt.orders[0].status, KR_ORDER_REJECTED);
    assert_int_equal(r.bt.orders[1].status, KR_ORDER_REJECTED);
    assert_int_equal(h_bar_of(r.bt.orders[0].ts_init), 3);
    assert_int_equal(h_bar_of(r.bt.orders[1].ts_init), 9);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void two_symbols_independent(void **state)
{
    (void)state;
    /* Symbol 1 is symbol 0's series backwards: bar t of it is C[10 - t].
     * By the table above read from the right, with its own averages:
     *   close 12 11 10 9 10 11 12 11 10 10 10
     *   sma2   -  11.5 10.5 9.5 9.5 10.5 11.5 11.5 10.5 10 10
     *   sma3   -  -  11 10 9.67 10 11 11.33 11 10.33 10
     * long at bars 5, 6, 7 (decided at 5: buy at bar 6's open 12.25); flat
     * from bar 8 (sell at bar 9's open 10.25); nothing long after. */
    double c1[N];
    for (size_t i = 0; i < N; i++)
        c1[i] = C[N - 1 - i];
    kr_bars b[2];
    h_bars(&b[0], 0, N, NULL, NULL, NULL, C);
    h_bars(&b[1], 1, N, NULL, NULL, NULL, c1);
    h_run r;
    h_config(&r, 0);
    h_go(&r, SPEC, "qty:100", 0, b, 2);
    /* Fills come bar by bar, symbol 0 before 1 within a bar. */
    const h_fill want[] = {
        {0, 4, KR_BUY, 12.25, 100},
        {1, 6, KR_BUY, 12.25, 100},
        {0, 7, KR_SELL, 9.25, 100},
        {1, 9, KR_SELL, 10.25, 100},
        {0, 10, KR_BUY, 12.25, 100},
    };
    h_check_fills(&r, want, 5);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b[0]);
    kr_bars_free(&b[1]);
}

static void destroy_zeroed_is_safe(void **state)
{
    (void)state;
    kr_strategy s = {0};
    kr_strategy_destroy(&s);
    kr_strategy_destroy(NULL);
    assert_null(s.ops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_only_fraction),
        cmocka_unit_test(long_short_qty),
        cmocka_unit_test(long_only_qty_never_sells_short),
        cmocka_unit_test(vol_target_waits_for_window),
        cmocka_unit_test(vol_target_capped),
        cmocka_unit_test(refused_order_not_resent),
        cmocka_unit_test(two_symbols_independent),
        cmocka_unit_test(destroy_zeroed_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

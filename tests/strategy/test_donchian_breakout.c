/* test_donchian_breakout.c -- tests of src/strategy/donchian_breakout.c
 * through the backtest runner: breakouts against the channel of the
 * PREVIOUS bars, the ATR bracket stop, the state following a stop-out, the
 * channel exit canceling the stop, and the same series without a stop.
 *
 * period = 3, exit = 2, atr = 2, stop = 1. The bars, worked by hand:
 *
 *  bar  open  high  low   close  prev 3-bar high  prev 2-bar low  ATR(2)
 *   0   10    10.5  9.5   10     -                -               -
 *   1   10    10.5  9.5   10     -                -               -
 *   2   10    10.5  9.5   10     -                9.5             1
 *   3   10    11.5  10    11     10.5  -> long    9.5             1.25
 *   4   11.2  12    11    11.8   11.5             9.5             1.125
 *   5   11.5  11.6  9.0   9.5    12               10              1.9625
 *   6   9.6   10    9.4   9.8    12               9.0             1.28125
 *   7   9.9   12.6  9.8   12.5   12    -> long    9.0             2.040625
 *   8   12.6  13    12.4  12.9   12.6             9.4             ..
 *   9   12.8  13.2  12.7  13.1   13               9.8             ..
 *  10   13.0  13.1  11.9  12.0   13.2             12.4 -> exit    ..
 *  11   11.8  12    11.5  11.9
 *
 * ATR (TA-Lib, Wilder): true ranges 1, 1 at bars 1-2 give 1 at bar 2; then
 * atr = (atr + tr) / 2 with tr 1.5, 1, 2.8, 0.6, 2.8 at bars 3..7. The
 * entry at bar 3 carries a stop at 11 - 1.25 = 9.75; bar 5 trades down to
 * 9.0 and fills it at 9.75. On bar 5 the strategy must see itself flat:
 * were it still "long", 9.5 < 10 (the previous 2-bar low) would send an
 * exit. The entry at bar 7 has its stop at 12.5 - 2.040625 = 10.459375,
 * 10.46 at the price precision; bar 10 closes below the previous 2-bar
 * low, so the stop is canceled and the position sold at bar 11's open.
 */
#include <math.h>
#include <stdlib.h>

#include "strategy/harness.h"

static const double O[] = {10, 10, 10, 10, 11.2, 11.5, 9.6, 9.9, 12.6, 12.8,
                           13.0, 11.8};
static const double H[] = {10.5, 10.5, 10.5, 11.5, 12, 11.6, 10, 12.6, 13,
                           13.2, 13.1, 12};
static const double L[] = {9.5, 9.5, 9.5, 10, 11, 9.0, 9.4, 9.8, 12.4, 12.7,
                           11.9, 11.5};
static const double C[] = {10, 10, 10, 11, 11.8, 9.5, 9.8, 12.5, 12.9, 13.1,
                           12.0, 11.9};
#define N (sizeof C / sizeof C[0])

static void stop_and_channel_exit(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, O, H, L, C);
    h_run r;
    h_config(&r, 0);
    h_go(&r, "donchian_breakout:period=3,exit=2,atr=2,stop=1", NULL, 0, &b,
         1);
    /* Buy at bar 4's open 11.2: floor(99999.99 / 11.2) = 8928. The stop
     * sells 8928 at 9.75 in bar 5: cash 100000 - 8928 x 1.45 = 87054.40.
     * Buy at bar 8's open 12.6: floor(87054.39 / 12.6) = 6909. Sell 6909
     * at bar 11's open 11.8. */
    const h_fill want[] = {
        {0, 4, KR_BUY, 11.2, 8928},
        {0, 5, KR_SELL, 9.75, 8928},
        {0, 8, KR_BUY, 12.6, 6909},
        {0, 11, KR_SELL, 11.8, 6909},
    };
    h_check_fills(&r, want, 4);
    /* Orders: entry, its stop (filled), entry, its stop (canceled), exit. */
    assert_int_equal(r.bt.norders, 5);
    assert_int_equal(r.bt.extra[1].role, KR_ROLE_STOP_LOSS);
    assert_int_equal(r.bt.extra[1].parent, 1);
    assert_int_equal(r.bt.orders[1].status, KR_ORDER_FILLED);
    h_near(kr_fixed_to_double(r.bt.orders[1].stop_px, 2), 9.75, 1e-9);
    assert_int_equal(r.bt.extra[3].role, KR_ROLE_STOP_LOSS);
    assert_int_equal(r.bt.orders[3].status, KR_ORDER_CANCELED);
    h_near(kr_fixed_to_double(r.bt.orders[3].stop_px, 2), 10.46, 1e-9);
    assert_int_equal(r.bt.extra[4].role, KR_ROLE_ENTRY);
    h_near(r.bt.extra[4].target, 0.0, 0);
    assert_int_equal(h_bar_of(r.bt.orders[4].ts_init), 10);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void no_stop(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, O, H, L, C);
    h_run r;
    h_config(&r, 0);
    h_go(&r, "donchian_breakout:period=3,exit=2,atr=2,stop=0", "qty:100", 0,
         &b, 1);
    /* Without the stop, bar 5's close 9.5 < 10 (lows of bars 3-4) exits
     * by the channel: sell at bar 6's open 9.6. The rest as above. */
    const h_fill want[] = {
        {0, 4, KR_BUY, 11.2, 100},
        {0, 6, KR_SELL, 9.6, 100},
        {0, 8, KR_BUY, 12.6, 100},
        {0, 11, KR_SELL, 11.8, 100},
    };
    h_check_fills(&r, want, 4);
    assert_int_equal(r.bt.norders, 4);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void short_breakdown(void **state)
{
    (void)state;
    /* The series upside down (price 30 - x, high and low swapped): every
     * breakout above becomes one below, so with shorting allowed the fills
     * mirror the long run's: sell at bar 4 (30 - 11.2 = 18.8), stop buys
     * at 30 - 9.75 = 20.25 in bar 5 (its stop at 19 + 1.25), sell at bar 8
     * (17.4), buy back at bar 11 (18.2). */
    double o[N], h[N], l[N], c[N];
    for (size_t i = 0; i < N; i++) {
        o[i] = 30 - O[i];
        h[i] = 30 - L[i];
        l[i] = 30 - H[i];
        c[i] = 30 - C[i];
    }
    kr_bars b;
    h_bars(&b, 0, N, o, h, l, c);
    h_run r;
    h_config(&r, 1);
    h_go(&r, "donchian_breakout:period=3,exit=2,atr=2,stop=1", "qty:100", 1,
         &b, 1);
    const h_fill want[] = {
        {0, 4, KR_SELL, 18.8, 100},
        {0, 5, KR_BUY, 20.25, 100},
        {0, 8, KR_SELL, 17.4, 100},
        {0, 11, KR_BUY, 18.2, 100},
    };
    h_check_fills(&r, want, 4);
    h_near(kr_fixed_to_double(r.bt.orders[3].stop_px, 2), 19.54, 1e-9);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stop_and_channel_exit),
        cmocka_unit_test(no_stop),
        cmocka_unit_test(short_breakdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

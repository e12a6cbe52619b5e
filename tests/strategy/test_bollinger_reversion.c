/* test_bollinger_reversion.c -- tests of src/strategy/bollinger_reversion.c
 * through the backtest runner: the exact fills of the band rule on a
 * hand-made series, long-only and long-short.
 *
 * period = 3, k = 1; bands from the population standard deviation (TA-Lib's
 * BBANDS), worked by hand:
 *
 *  bar  close  window       middle  sd      lower   upper
 *   2   10     10 10 10     10      0       10      10      nothing
 *   3   7      10 10 7      9       1.4142  7.5858  10.414  7 < lower: long
 *   4   8      10 7 8       8.3333  1.2472  7.0861  9.5805  hold
 *   5   10     7 8 10       8.3333  1.2472  7.0861  9.5805  > middle: flat
 *                                                           (> upper: short)
 *   6   11     8 10 11      9.6667  1.2472  8.4195  10.914  (short: hold)
 *   7   10     10 11 10     10.333  0.4714  9.8619  10.805  (< middle: flat)
 *   8   10     11 10 10     10.333  0.4714  9.8619  10.805
 *
 * Opens are close + 0.25; an order decided at bar t fills at bar t+1's
 * open.
 */
#include <math.h>
#include <stdlib.h>

#include "strategy/harness.h"

static const double C[] = {10, 10, 10, 7, 8, 10, 11, 10, 10};
#define N (sizeof C / sizeof C[0])
#define SPEC "bollinger_reversion:period=3,k=1"

static void long_only(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    h_go(&r, SPEC, NULL, 0, &b, 1);
    /* Buy at bar 4's open 8.25: floor(99999.99 / 8.25) = 12121; sell at
     * bar 6's open 11.25. */
    const h_fill want[] = {
        {0, 4, KR_BUY, 8.25, 12121},
        {0, 6, KR_SELL, 11.25, 12121},
    };
    h_check_fills(&r, want, 2);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void long_short(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 1);
    h_go(&r, SPEC, "qty:10", 1, &b, 1);
    const h_fill want[] = {
        {0, 4, KR_BUY, 8.25, 10},
        {0, 6, KR_SELL, 11.25, 20}, /* bar 5 above the upper band */
        {0, 8, KR_BUY, 10.25, 10},  /* bar 7 below the middle */
    };
    h_check_fills(&r, want, 3);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void wide_bands_never_trade(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 1);
    /* k = 3: bar 3's lower band is 9 - 3 x 1.4142 = 4.76 < 7, and no close
     * leaves the bands anywhere (the largest |close - middle| / sd is
     * 2 / 1.4142 = 1.41 at bar 3). */
    h_go(&r, "bollinger_reversion:period=3,k=3", "qty:10", 1, &b, 1);
    assert_int_equal(r.rc, KR_OK);
    assert_int_equal(r.bt.norders, 0);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_only),
        cmocka_unit_test(long_short),
        cmocka_unit_test(wide_bands_never_trade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_rsi_reversion.c -- tests of src/strategy/rsi_reversion.c through the
 * backtest runner: the exact fills of the RSI rule on a hand-made series,
 * long-only and long-short, with the RSI checked against a reference loop.
 *
 * Closes (open = close + 0.25, see harness.h) and Wilder's RSI(2) as TA-Lib
 * computes it: the first averages are the means of the first two changes,
 * then avg = (avg x 1 + change) / 2; RSI = 100 x AG / (AG + AL).
 *
 *   bar    0   1    2    3    4     5      6       7        8
 *   close  10  9    8    9    10    11     10      9        10
 *   AG     .   .    0    0.5  0.75  0.875  0.4375  0.21875  0.609375
 *   AL     .   .    1    0.5  0.25  0.125  0.5625  0.78125  0.390625
 *   RSI    .   .    0    50   75    87.5   43.75   21.875   60.9375
 *
 * With lower 30 and upper 70: long at bar 2 (RSI 0), out at bar 4 (75),
 * long again at bar 7 (21.875); orders fill at the next bar's open.
 */
#include <math.h>
#include <stdlib.h>

#include "kairos/ta.h"
#include "strategy/harness.h"

static const double C[] = {10, 9, 8, 9, 10, 11, 10, 9, 10};
#define N (sizeof C / sizeof C[0])
#define SPEC "rsi_reversion:period=2"

static void reference_rsi(void **state)
{
    (void)state;
    /* The table above, from a plain Wilder loop, against the ta stream the
     * strategy uses. */
    const double want[] = {NAN, NAN, 0, 50, 75, 87.5, 43.75, 21.875, 60.9375};
    double ag = 0, al = 0;
    kr_ta_stream *s;
    const double p = 2;
    assert_int_equal(kr_ta_stream_new(&kr_rsi_info, &p, &s), KR_OK);
    for (size_t i = 0; i < N; i++) {
        double out;
        kr_ta_stream_next(s, &C[i], &out);
        if (i == 0)
            continue;
        double d = C[i] - C[i - 1], g = d > 0 ? d : 0, l = d < 0 ? -d : 0;
        if (i <= 2) {
            ag += g / 2;
            al += l / 2;
        } else {
            ag = (ag + g) / 2;
            al = (al + l) / 2;
        }
        if (i >= 2) {
            h_near(100 * ag / (ag + al), want[i], 1e-12);
            h_near(out, want[i], 1e-9);
        } else {
            assert_true(isnan(out));
        }
    }
    kr_ta_stream_free(s);
}

static void long_only(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    h_go(&r, SPEC, NULL, 0, &b, 1);
    /* Buy at bar 3's open 9.25: floor(99999.99 / 9.25) = 10810. Sell at
     * bar 5's open 11.25; cash 100000 + 10810 x 2 = 121620. Buy at bar 8's
     * open 10.25: floor(121619.99 / 10.25) = 11865. */
    const h_fill want[] = {
        {0, 3, KR_BUY, 9.25, 10810},
        {0, 5, KR_SELL, 11.25, 10810},
        {0, 8, KR_BUY, 10.25, 11865},
    };
    h_check_fills(&r, want, 3);
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
    /* Long at bar 2 (buy 10 at bar 3); RSI 75 > 70 at bar 4 reverses to
     * short (sell 20 at bar 5); 87.5 and 43.75 hold; 21.875 < 30 at bar 7
     * reverses to long (buy 20 at bar 8). */
    const h_fill want[] = {
        {0, 3, KR_BUY, 9.25, 10},
        {0, 5, KR_SELL, 11.25, 20},
        {0, 8, KR_BUY, 10.25, 20},
    };
    h_check_fills(&r, want, 3);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

static void thresholds_move_the_trades(void **state)
{
    (void)state;
    kr_bars b;
    h_bars(&b, 0, N, NULL, NULL, NULL, C);
    h_run r;
    h_config(&r, 0);
    /* lower 25, upper 80: long at bar 2 (0 < 25), out at bar 5 (87.5 >
     * 80, sell at bar 6's open 10.25), long at bar 7 (21.875 < 25). */
    h_go(&r, "rsi_reversion:period=2,lower=25,upper=80", "qty:5", 0, &b, 1);
    const h_fill want[] = {
        {0, 3, KR_BUY, 9.25, 5},
        {0, 6, KR_SELL, 10.25, 5},
        {0, 8, KR_BUY, 10.25, 5},
    };
    h_check_fills(&r, want, 3);
    kr_backtest_free(&r.bt);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_rsi),
        cmocka_unit_test(long_only),
        cmocka_unit_test(long_short),
        cmocka_unit_test(thresholds_move_the_trades),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

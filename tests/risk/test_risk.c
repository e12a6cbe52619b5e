/* test_risk.c -- tests of src/risk/risk.c: the pre-trade check, the kill
 * switch and sizing. Answers worked by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/risk.h"

static kr_risk_order order(double qty, double price, double position,
                           double gross, double equity)
{
    kr_risk_order o = {.qty = qty, .price = price, .multiplier = 1,
                       .position = position, .gross = gross,
                       .equity = equity};
    return o;
}

static void test_limits(void **state)
{
    (void)state;
    kr_risk_limits l;
    kr_risk_limits_init(&l);
    char why[128];
    kr_risk_order o = order(100, 50, 0, 0, 10000);
    /* No limits: anything goes. */
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_OK);
    assert_string_equal(why, "");
    /* 100 x 50 = 5000 > 4000. */
    l.max_order_notional = 4000;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    assert_string_equal(why, "max_order_notional: order notional 5000.00 "
                             "exceeds 4000.00");
    l.max_order_notional = 5000; /* equal passes */
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_OK);
    /* Position 30 + 100 = 130 > 120. */
    o.position = 30;
    o.gross = 1500;
    l.max_position = 120;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    assert_string_equal(why, "max_position: position 130 would exceed 120");
    l.max_position = 0;
    /* Gross 1500 - 30 x 50 + 130 x 50 = 6500 over 10000 = 0.65 > 0.6. */
    l.max_leverage = 0.6;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    assert_string_equal(why, "max_leverage: leverage 0.6500 would exceed "
                             "0.6000");
    l.max_leverage = 0.65;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_OK);
    /* A short of the same size: |30 - 100| = 70 -> 3500 / 10000. */
    o.qty = -100;
    l.max_leverage = 0.34;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    l.max_leverage = 0.35;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_OK);
    /* The kill switch refuses what adds risk, not what reduces it. */
    l.halted = 1;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    assert_string_equal(why, "kill_switch: trading halted");
    o.qty = -30;
    assert_int_equal(kr_risk_reduces(&o), 1);
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_OK);
    o.qty = -31; /* crosses zero: not a pure reduction */
    assert_int_equal(kr_risk_reduces(&o), 0);
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    /* Reductions pass even a limit they would break in size. */
    l.halted = 0;
    l.max_order_notional = 1;
    o.qty = -30;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_OK);
    /* No equity: only reductions. */
    l.max_order_notional = 0;
    o = order(1, 10, 0, 0, -5);
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EREJECTED);
    assert_non_null(strstr(why, "not positive"));
}

static void test_invalid(void **state)
{
    (void)state;
    kr_risk_limits l;
    kr_risk_limits_init(&l);
    char why[64];
    kr_risk_order o = order(0, 10, 0, 0, 100);
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EINVAL);
    o = order(1, NAN, 0, 0, 100);
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EINVAL);
    o = order(1, 10, 0, 0, INFINITY);
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EINVAL);
    o = order(1, 10, 0, 0, 100);
    o.multiplier = 0;
    assert_int_equal(kr_risk_check(&l, &o, why, sizeof why), KR_EINVAL);
    assert_int_equal(kr_risk_check(NULL, &o, why, sizeof why), KR_EINVAL);
    /* A short reason buffer is cut, not overrun. */
    o = order(100, 50, 0, 0, 10000);
    l.max_order_notional = 1;
    char tiny[8];
    assert_int_equal(kr_risk_check(&l, &o, tiny, sizeof tiny), KR_EREJECTED);
    assert_string_equal(tiny, "max_ord");
}

static void test_sizing(void **state)
{
    (void)state;
    kr_sizing s;
    kr_sizing_init(&s);
    assert_int_equal(s.kind, KR_SIZE_FRACTION);
    assert_true(s.fraction == 1.0);
    /* Lots: 7.9 -> 7, -7.9 -> -7, lot 0.5: 7.9 -> 7.5, 3 lots of 0.1
     * computed as 0.30000000000000004 / 0.1 stays 3 lots. */
    assert_true(kr_round_lot(7.9, 1) == 7);
    assert_true(kr_round_lot(-7.9, 1) == -7);
    assert_true(kr_round_lot(7.9, 0.5) == 7.5);
    assert_float_equal(kr_round_lot(0.1 + 0.2, 0.1), 0.3, 1e-15);
    assert_true(kr_round_lot(7.9, 0) == 7.9);
    /* Large counts of small lots never round up: 1234.567891 is
     * 1234567891 quanta of 1e-6, where a relative tolerance of 1e-9 alone
     * would be more than a whole quantum. Every 6-decimal quantity up to
     * ten million units rounds to itself, never to the next quantum. */
    for (int64_t q = 999999999; q < INT64_C(10000000000000);
         q = q * 3 + 7) {
        double x = (double)q / 1e6;
        double r = kr_round_lot(x, 1e-6);
        assert_true(llround(r * 1e6) == q);
        assert_true(llround(kr_round_lot(-x, 1e-6) * 1e6) == -q);
    }
    double q;
    /* 0.5 x 10000 / (40 x 1) = 125; at 41: 121.95 -> 121 with lot 1. */
    assert_int_equal(kr_size_fraction(0.5, 10000, 40, 1, 1, &q), KR_OK);
    assert_true(q == 125);
    assert_int_equal(kr_size_fraction(0.5, 10000, 41, 1, 1, &q), KR_OK);
    assert_true(q == 121);
    /* A futures multiplier of 50: 100000 / (4000 x 50) = 0.5 -> 0 lots. */
    assert_int_equal(kr_size_fraction(1, 100000, 4000, 50, 1, &q), KR_OK);
    assert_true(q == 0);
    assert_int_equal(kr_size_fraction(1, 100, 0, 1, 1, &q), KR_EINVAL);
    assert_int_equal(kr_size_fraction(1, 100, 10, 0.5, 1, &q), KR_EINVAL);
    /* Vol target 15% on 30% realized: half; on 10%: 1.5 capped at 1. */
    assert_float_equal(kr_size_vol_fraction(0.15, 0.30, 1), 0.5, 1e-15);
    assert_float_equal(kr_size_vol_fraction(0.15, 0.10, 1), 1.0, 0);
    assert_float_equal(kr_size_vol_fraction(0.15, 0.10, 0), 1.5, 1e-15);
    assert_true(isnan(kr_size_vol_fraction(0.15, 0, 1)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_sizing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

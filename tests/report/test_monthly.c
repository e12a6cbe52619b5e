/* test_monthly.c -- tests of src/report/monthly.c: monthly and yearly
 * returns of an equity curve, with a missing month and a year boundary.
 *
 * Points (UTC): 2019-12-31 100; 2020-01-15 110; 2020-01-31 121;
 * 2020-03-02 108.9; 2021-01-04 130.68. By hand:
 *   2019-12  100 / 100 - 1 = 0        (the first month's base is the first
 *                                      point)
 *   2020-01  121 / 100 - 1 = 0.21     (the month's last point over the
 *                                      last point of December)
 *   2020-02  no point: NaN
 *   2020-03  108.9 / 121 - 1 = -0.1   (the base skips the empty February)
 *   2021-01  130.68 / 108.9 - 1 = 0.2
 *   years    2019: 0; 2020: 108.9 / 100 - 1 = 0.089; 2021: 0.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "report/internal.h"

static void test_months(void **state)
{
    (void)state;
    kr_ts ts[5] = {
        kr_ts_from_civil(2019, 12, 31, 0, 0, 0, 0),
        kr_ts_from_civil(2020, 1, 15, 0, 0, 0, 0),
        kr_ts_from_civil(2020, 1, 31, 23, 59, 0, 0),
        kr_ts_from_civil(2020, 3, 2, 0, 0, 0, 0),
        kr_ts_from_civil(2021, 1, 4, 0, 0, 0, 0),
    };
    double eq[5] = {100, 110, 121, 108.9, 130.68};
    kr__monthly m;
    assert_int_equal(kr__monthly_compute(5, ts, eq, &m), KR_OK);
    assert_int_equal(m.year0, 2019);
    assert_int_equal(m.nyears, 3);
    for (int k = 0; k < 11; k++)
        assert_true(isnan(m.month[k]));
    assert_true(m.month[11] == 0);
    assert_true(m.month[12] == 121.0 / 100.0 - 1);
    assert_true(fabs(m.month[12] - 0.21) < 1e-12);
    assert_true(isnan(m.month[13]));
    assert_true(m.month[14] == 108.9 / 121.0 - 1);
    assert_true(fabs(m.month[14] - -0.1) < 1e-12);
    for (int k = 15; k < 24; k++)
        assert_true(isnan(m.month[k]));
    assert_true(fabs(m.month[24] - 0.2) < 1e-12);
    assert_true(m.year[0] == 0);
    assert_true(fabs(m.year[1] - 0.089) < 1e-12);
    assert_true(fabs(m.year[2] - 0.2) < 1e-12);
    /* A year's return is the product of its months' growth. */
    assert_true(fabs((1 + m.month[12]) * (1 + m.month[14]) - 1 - m.year[1]) <
                1e-12);
    kr__monthly_free(&m);

    assert_int_equal(kr__monthly_compute(0, ts, eq, &m), KR_EEMPTY);
    kr__monthly_free(&m);
}

/* The fixture's curve: January 0.028, February -1500/102800, 2020 0.013. */
static void test_fixture_months(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    kr__monthly m;
    assert_int_equal(kr__monthly_compute(FX_POINTS, fx.ts, fx.equity, &m),
                     KR_OK);
    assert_int_equal(m.nyears, 1);
    assert_true(fabs(m.month[0] - 0.028) < 1e-12);
    assert_true(fabs(m.month[1] - -1500.0 / 102800.0) < 1e-12);
    assert_true(fabs(m.year[0] - 0.013) < 1e-12);
    kr__monthly_free(&m);
    fx_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_fixture_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

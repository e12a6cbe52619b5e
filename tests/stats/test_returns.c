/* test_returns.c -- tests of src/stats/returns.c: per-bar returns and the
 * inference of periods per year.
 *
 * Returns are checked against hand arithmetic on a four-bar curve. Periods
 * per year are checked on calendars built with kr_ts_from_civil: weekday
 * daily bars (252), daily bars every day of the week (365), 5-minute bars of
 * a US equity session (78 bars a day, 78 x 252) and of a 24/7 market (288 x
 * 365), weekly and monthly bars, the override, and bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "kairos/stats.h"

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g (tol %g)", got, want, tol);
}

/* ------------------------------------------------------------------------
 * Returns
 * ------------------------------------------------------------------------ */

static void test_returns_known(void **state)
{
    (void)state;
    /* 110/100 - 1 = 0.1; 99/110 - 1 = -0.1; 108.9/99 - 1 = 0.1. */
    const double e[] = {100, 110, 99, 108.9};
    double r[3];
    assert_int_equal(kr_returns(4, e, r), KR_OK);
    near(r[0], 0.1, 1e-15);
    near(r[1], -0.1, 1e-15);
    near(r[2], 0.1, 1e-15);
}

static void test_returns_bad(void **state)
{
    (void)state;
    const double one[] = {100};
    const double zero[] = {100, 0, 50};
    const double nan[] = {100, NAN};
    double r[2] = {7, 7};
    assert_int_equal(kr_returns(0, one, r), KR_EEMPTY);
    assert_int_equal(kr_returns(1, one, r), KR_EEMPTY);
    assert_int_equal(kr_returns(3, zero, r), KR_EINVAL);
    assert_int_equal(kr_returns(2, nan, r), KR_EINVAL);
    /* Errors leave the output untouched. */
    assert_true(r[0] == 7 && r[1] == 7);
}

/* ------------------------------------------------------------------------
 * Periods per year
 * ------------------------------------------------------------------------ */

#define NMAX 4096

/* Bars every `step_ns` from hh:mm to (excluding) hh2:mm2 UTC on each of
 * `days` calendar days from 2024-01-01 (a Monday), skipping Saturdays and
 * Sundays when weekdays_only. Returns the count. */
static size_t calendar(kr_ts *ts, int days, int weekdays_only, unsigned h0,
                       unsigned m0, unsigned h1, unsigned m1, int64_t step_ns)
{
    size_t n = 0;
    kr_ts day0 = kr_ts_from_civil(2024, 1, 1, 0, 0, 0, 0);
    for (int d = 0; d < days; d++) {
        kr_ts day = day0 + d * KR_NS_PER_DAY;
        if (weekdays_only && kr_weekday_of_day(kr_ts_day(day)) >= 5)
            continue;
        kr_ts t = day + h0 * KR_NS_PER_HOUR + m0 * KR_NS_PER_MIN;
        kr_ts end = day + h1 * KR_NS_PER_HOUR + m1 * KR_NS_PER_MIN;
        for (; t < end && n < NMAX; t += step_ns)
            ts[n++] = t;
    }
    return n;
}

static void test_ppy_daily(void **state)
{
    (void)state;
    static kr_ts ts[NMAX];
    double ppy = 0;
    /* 2024-01-01 is a Monday: 60 days are 8 weeks (40 weekdays) and a
     * Monday to Thursday, 44 weekdays with one bar each at 21:00. */
    size_t n = calendar(ts, 60, 1, 21, 0, 21, 1, KR_NS_PER_HOUR);
    assert_int_equal(n, 44);
    assert_int_equal(kr_weekday_of_day(kr_ts_day(kr_ts_from_civil(2024, 1, 1,
                                                                  0, 0, 0, 0))),
                     0);
    assert_int_equal(kr_periods_per_year(n, ts, 0, &ppy), KR_OK);
    near(ppy, 252, 0);
    /* The same calendar with weekends: a crypto market, 365. */
    n = calendar(ts, 60, 0, 0, 0, 0, 1, KR_NS_PER_HOUR);
    assert_int_equal(n, 60);
    assert_int_equal(kr_periods_per_year(n, ts, 0, &ppy), KR_OK);
    near(ppy, 365, 0);
}

static void test_ppy_intraday(void **state)
{
    (void)state;
    static kr_ts ts[NMAX];
    double ppy = 0;
    /* US session 14:30-21:00 UTC in 5-minute bars: 6.5 h * 12 = 78 bars a
     * day, weekdays only (3 weeks: 15 days), so 78 * 252 = 19656. */
    size_t n = calendar(ts, 21, 1, 14, 30, 21, 0, 5 * KR_NS_PER_MIN);
    assert_int_equal(n, 15 * 78);
    assert_int_equal(kr_periods_per_year(n, ts, 0, &ppy), KR_OK);
    near(ppy, 78 * 252, 0);
    /* A half last session does not count: the first and last days are left
     * out of the average, which stays 78 (1131 bars over 15 days would
     * average 75.4). So does a first session that starts late. */
    assert_int_equal(kr_periods_per_year(n - 39, ts, 0, &ppy), KR_OK);
    near(ppy, 78 * 252, 0);
    assert_int_equal(kr_periods_per_year(n - 50, ts + 50, 0, &ppy), KR_OK);
    near(ppy, 78 * 252, 0);
    /* 24/7 5-minute bars: 288 a day, 365 days: 105120. */
    n = calendar(ts, 7, 0, 0, 0, 24, 0, 5 * KR_NS_PER_MIN);
    assert_int_equal(n, 7 * 288);
    assert_int_equal(kr_periods_per_year(n, ts, 0, &ppy), KR_OK);
    near(ppy, 288 * 365, 0);
}

static void test_ppy_slow(void **state)
{
    (void)state;
    kr_ts ts[30];
    double ppy = 0;
    /* Weekly bars, every Friday: average spacing 7 days, 365.25/7 = 52.2. */
    for (int i = 0; i < 30; i++)
        ts[i] = kr_ts_from_civil(2024, 1, 5, 0, 0, 0, 0) +
                (int64_t)i * 7 * KR_NS_PER_DAY;
    assert_int_equal(kr_periods_per_year(30, ts, 0, &ppy), KR_OK);
    near(ppy, 52, 0);
    /* Month ends of 2023-2024: spacing 30.4 days, 365.25/30.4 = 12.0. */
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 24; i++) {
        unsigned m = (unsigned)(i % 12);
        unsigned d = mdays[m] + (i / 12 == 1 && m == 1); /* 2024 leap */
        ts[i] = kr_ts_from_civil(2023 + i / 12, m + 1, d, 0, 0, 0, 0);
    }
    assert_int_equal(kr_periods_per_year(24, ts, 0, &ppy), KR_OK);
    near(ppy, 12, 0);
}

static void test_ppy_override_and_bad(void **state)
{
    (void)state;
    kr_ts ts[3] = {3, 2, 1};
    double ppy = 0;
    /* The override wins, even over timestamps that would be rejected. */
    assert_int_equal(kr_periods_per_year(3, ts, 12, &ppy), KR_OK);
    near(ppy, 12, 0);
    assert_int_equal(kr_periods_per_year(0, NULL, 252, &ppy), KR_OK);
    near(ppy, 252, 0);
    ppy = -1;
    assert_int_equal(kr_periods_per_year(3, ts, 0, &ppy), KR_EINVAL);
    kr_ts same[2] = {5, 5};
    assert_int_equal(kr_periods_per_year(2, same, 0, &ppy), KR_EINVAL);
    assert_int_equal(kr_periods_per_year(1, ts, 0, &ppy), KR_EEMPTY);
    assert_int_equal(kr_periods_per_year(0, NULL, 0, &ppy), KR_EEMPTY);
    assert_int_equal(kr_periods_per_year(3, ts, NAN, &ppy), KR_EINVAL);
    assert_int_equal(kr_periods_per_year(3, ts, -1, &ppy), KR_EINVAL);
    near(ppy, -1, 0); /* untouched by every error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_returns_known),
        cmocka_unit_test(test_returns_bad),
        cmocka_unit_test(test_ppy_daily),
        cmocka_unit_test(test_ppy_intraday),
        cmocka_unit_test(test_ppy_slow),
        cmocka_unit_test(test_ppy_override_and_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_svg.c -- tests of src/report/svg.c: the downsampler, date and value
 * ticks, and the chart scales.
 *
 * The downsampler is checked against a reference: for every bucket the kept
 * points are exactly the bucket's minimum and maximum, in time order, so a
 * single spike survives any amount of thinning. Ticks are checked on spans
 * whose round dates are known by calendar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "report/internal.h"

/* 100000 points in 10 buckets of 10000: a sine, a spike down at 12345 and
 * one up at 77777. */
static void test_downsample_spikes(void **state)
{
    (void)state;
    enum { N = 100000, NB = 10 };
    kr__ds d;
    assert_int_equal(kr__ds_init(&d, 0, N, NB), KR_OK);
    static double v[N];
    for (int i = 0; i < N; i++)
        v[i] = sin(i * 0.001);
    v[12345] = -50;
    v[77777] = 60;
    for (int i = 0; i < N; i++)
        kr__ds_push(&d, i, v[i]);
    kr__ds_push(&d, N, NAN); /* skipped */
    kr__ds_finish(&d);
    assert_int_equal(d.pushed, N);
    assert_true(d.n <= 2 * NB);
    assert_true(d.lo == -50 && d.hi == 60);
    /* Reference: bucket b holds i in [b * 10000, (b + 1) * 10000). */
    size_t k = 0;
    for (int b = 0; b < NB; b++) {
        int imin = b * 10000, imax = b * 10000;
        for (int i = b * 10000; i < (b + 1) * 10000; i++) {
            if (v[i] < v[imin])
                imin = i;
            if (v[i] > v[imax])
                imax = i;
        }
        int first = imin < imax ? imin : imax, second = imin < imax ? imax
                                                                    : imin;
        assert_int_equal(d.t[k], first);
        assert_true(d.v[k] == v[first]);
        k++;
        if (second != first) {
            assert_int_equal(d.t[k], second);
            assert_true(d.v[k] == v[second]);
            k++;
        }
    }
    assert_int_equal(k, d.n);
    /* The spikes are kept. */
    int seen_low = 0, seen_high = 0;
    for (size_t i = 0; i < d.n; i++) {
        seen_low |= d.t[i] == 12345 && d.v[i] == -50;
        seen_high |= d.t[i] == 77777 && d.v[i] == 60;
    }
    assert_true(seen_low && seen_high);

    /* Fewer points than buckets: every point kept, once. */
    kr__ds_reset(&d, 0, 1000);
    for (int i = 0; i < 5; i++)
        kr__ds_push(&d, i * 200, i);
    kr__ds_finish(&d);
    assert_int_equal(d.n, 5);
    for (int i = 0; i < 5; i++)
        assert_true(d.t[i] == i * 200 && d.v[i] == i);
    kr__ds_free(&d);
}

static void test_time_ticks(void **state)
{
    (void)state;
    kr_ts t[KR__TIME_TICKS_MAX];
    char lab[KR__TIME_TICKS_MAX][24];
    /* 2020-01-01 .. 2020-12-31: monthly steps give 12 > 8 ticks, so every
     * second month: Jan, Mar, May, Jul, Sep, Nov. */
    size_t n = kr__time_ticks(kr_ts_from_civil(2020, 1, 1, 0, 0, 0, 0),
                              kr_ts_from_civil(2020, 12, 31, 0, 0, 0, 0), 8,
                              t, lab);
    assert_int_equal(n, 6);
    assert_string_equal(lab[0], "Jan 2020");
    assert_string_equal(lab[5], "Nov 2020");
    assert_true(t[1] == kr_ts_from_civil(2020, 3, 1, 0, 0, 0, 0));
    /* 1993-02-01 .. 2024-06-28: 31 years; 5-year steps: 1995 .. 2020. */
    n = kr__time_ticks(kr_ts_from_civil(1993, 2, 1, 0, 0, 0, 0),
                       kr_ts_from_civil(2024, 6, 28, 0, 0, 0, 0), 8, t, lab);
    assert_int_equal(n, 6);
    assert_string_equal(lab[0], "1995");
    assert_string_equal(lab[5], "2020");
    /* One trading day 14:30 .. 21:00: hourly steps (6.5 h / 1 h = 6 <= 8)
     * from 15:00 to 21:00. */
    n = kr__time_ticks(kr_ts_from_civil(2024, 3, 5, 14, 30, 0, 0),
                       kr_ts_from_civil(2024, 3, 5, 21, 0, 0, 0), 8, t, lab);
    assert_int_equal(n, 7);
    assert_string_equal(lab[0], "15:00");
    assert_string_equal(lab[6], "21:00");
    /* 2020-01-01 .. 2020-02-15 (45 days): daily steps give 45 > 8 ticks,
     * two-daily 22, weekly 6 on Mondays: Jan 6, 13, 20, 27, Feb 3, 10. */
    n = kr__time_ticks(kr_ts_from_civil(2020, 1, 1, 0, 0, 0, 0),
                       kr_ts_from_civil(2020, 2, 15, 0, 0, 0, 0), 8, t, lab);
    assert_int_equal(n, 6);
    assert_string_equal(lab[0], "Jan 6");
    assert_int_equal(kr_weekday_of_day(kr_ts_day(t[0])), 0);
    assert_string_equal(lab[5], "Feb 10");
}

static void test_axis(void **state)
{
    (void)state;
    char b[32];
    kr__axis_label(150000, 50000, 200000, KR__FMT_MONEY, b, sizeof b);
    assert_string_equal(b, "150k");
    kr__axis_label(2500000, 500000, 3000000, KR__FMT_MONEY, b, sizeof b);
    assert_string_equal(b, "2.5M");
    kr__axis_label(-0.1, 0.05, 0.2, KR__FMT_PCT, b, sizeof b);
    assert_string_equal(b, "-10%");
    kr__axis_label(-0.025, 0.025, 0.1, KR__FMT_PCT, b, sizeof b);
    assert_string_equal(b, "-2.5%");
    kr__axis_label(-1e-17, 0.5, 2, KR__FMT_NUM, b, sizeof b);
    assert_string_equal(b, "0.0");
    kr__axis_label(97.5, 2.5, 100, KR__FMT_NUM, b, sizeof b);
    assert_string_equal(b, "97.5");

    /* 98000 .. 103000 on 5 ticks: step 1000, axis 98000 .. 103000; x and y
     * map the corners of the plot area. */
    kr__chart c;
    kr__chart_setup(&c, 1000, 300, 0, 100, 98100, 102900, KR__FMT_MONEY);
    assert_true(c.v0 == 98000 && c.v1 == 103000);
    assert_true(kr__chart_x(&c, 0) == c.ml);
    assert_true(kr__chart_x(&c, 100) == 1000 - c.mr);
    assert_true(kr__chart_y(&c, 98000) == 300 - c.mb);
    assert_true(kr__chart_y(&c, 103000) == c.mt);
    /* A flat series still gets a range. */
    kr__chart_setup(&c, 1000, 300, 0, 100, 5, 5, KR__FMT_NUM);
    assert_true(c.v0 < 5 && c.v1 > 5);
}

static void test_money(void **state)
{
    (void)state;
    char b[64];
    kr__fmt_money(1234567.891, b, sizeof b);
    assert_string_equal(b, "1,234,567.89");
    kr__fmt_money(-2.675, b, sizeof b); /* the double is 2.67499999... */
    assert_string_equal(b, "-2.67");
    kr__fmt_money(-999.999, b, sizeof b); /* rounds up into a new group */
    assert_string_equal(b, "-1,000.00");
    kr__fmt_money(-1000, b, sizeof b);
    assert_string_equal(b, "-1,000.00");
    kr__fmt_money(-0.001, b, sizeof b);
    assert_string_equal(b, "0.00");
    kr__fmt_money(NAN, b, sizeof b);
    assert_string_equal(b, "n/a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_downsample_spikes),
        cmocka_unit_test(test_time_ticks),
        cmocka_unit_test(test_axis),
        cmocka_unit_test(test_money),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

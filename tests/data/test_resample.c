/* test_resample.c -- kr_bars_resample: bucket alignment and aggregation.
 *
 * Every expected bar below was worked out by hand from the input table next
 * to it: open of the first row in the bucket, high the largest high, low the
 * smallest low, close of the last row, volume the sum, stamped with the bucket
 * start. Calendar facts used: 1970-01-05, 2019-12-23, 2019-12-30 and
 * 2020-01-06 are Mondays; 1969-12-29 is the Monday before the epoch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "kairos/data.h"

/* cmocka 1.1 has no double comparison: fails unless |got - want| <= eps
 * (NaN matches NaN), printing both values in full. */
#define assert_near(got, want, eps)                                            \
    check_near((got), (want), (eps), __FILE__, __LINE__)
static void check_near(double got, double want, double eps, const char *file,
                       int line)
{
    if ((isnan(got) && isnan(want)) || fabs(got - want) <= eps)
        return;
    print_error("%.17g != %.17g (tolerance %g)\n", got, want, eps);
    _fail(file, line);
}

#define T(y, mo, d, h, mi) kr_ts_from_civil(y, mo, d, h, mi, 0, 0)
#define D(y, mo, d) kr_ts_from_civil(y, mo, d, 0, 0, 0, 0)

typedef struct row {
    kr_ts ts;
    double o, h, l, c, v;
} row;

/* Builds a series with adj close (= close / 2) and source lines (index +
 * 2, as if row 0 were on the line after a header). */
static void make(kr_bars *b, const row *r, size_t n)
{
    assert_int_equal(kr_bars_init(b, 7, n, KR_BARS_ADJ | KR_BARS_LINES), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kr_bars_push(b, r[i].ts, r[i].o, r[i].h, r[i].l,
                                      r[i].c, r[i].v, r[i].c / 2,
                                      (int64_t)i + 2),
                         0);
}

static void expect_bar(const kr_bars *b, size_t i, kr_ts ts, double o,
                       double h, double l, double c, double v, int64_t line)
{
    assert_true(i < b->n);
    assert_int_equal(b->ts[i], ts);
    assert_near(b->open[i], o, 0);
    assert_near(b->high[i], h, 0);
    assert_near(b->low[i], l, 0);
    assert_near(b->close[i], c, 0);
    assert_near(b->volume[i], v, 0);
    if (b->adj_close)
        assert_near(b->adj_close[i], c / 2, 0);
    if (b->line)
        assert_int_equal(b->line[i], line);
}

static kr_interval iv(const char *s)
{
    kr_interval v;
    assert_int_equal(kr_interval_parse(s, &v), 0);
    return v;
}

/* 1m -> 5m; 09:33 is missing and the last bucket holds two minutes. */
static void test_minutes_to_5m(void **state)
{
    (void)state;
    const row r[] = {
        {T(2020, 1, 2, 9, 30), 100, 101, 99, 100.5, 10},   /* line 2 */
        {T(2020, 1, 2, 9, 31), 100.5, 110, 100, 101, 20},  /* line 3 */
        {T(2020, 1, 2, 9, 32), 101, 102, 95, 101.5, 30},   /* line 4 */
        {T(2020, 1, 2, 9, 34), 101.5, 103, 101, 102, 40},  /* line 5 */
        {T(2020, 1, 2, 9, 35), 102, 104, 101.5, 103, 50},  /* line 6 */
        {T(2020, 1, 2, 9, 36), 103, 103.5, 97, 98, 60},    /* line 7 */
        {T(2020, 1, 2, 9, 37), 98, 99, 96, 97, 70},        /* line 8 */
        {T(2020, 1, 2, 9, 38), 97, 108, 96.5, 107, 80},    /* line 9 */
        {T(2020, 1, 2, 9, 39), 107, 107.5, 106, 106.5, 90},/* line 10 */
        {T(2020, 1, 2, 9, 40), 106.5, 107, 105, 105.5, 100},/* line 11 */
        {T(2020, 1, 2, 9, 41), 105.5, 106, 104, 104.25, 110},/* line 12 */
    };
    kr_bars in, out;
    make(&in, r, 11);
    assert_int_equal(kr_bars_resample(&in, iv("5m"), &out), 0);
    assert_int_equal(out.n, 3);
    assert_int_equal(out.symbol, 7);
    assert_non_null(out.adj_close);
    assert_non_null(out.line);
    /* 09:30-09:34: rows 0-3; high 110 (09:31), low 95 (09:32), 10+20+30+40. */
    expect_bar(&out, 0, T(2020, 1, 2, 9, 30), 100, 110, 95, 102, 100, 2);
    /* 09:35-09:39: rows 4-8; high 108 (09:38), low 96 (09:37), 50+...+90. */
    expect_bar(&out, 1, T(2020, 1, 2, 9, 35), 102, 108, 96, 106.5, 350, 6);
    /* 09:40-09:41: the partial bucket, 100+110. */
    expect_bar(&out, 2, T(2020, 1, 2, 9, 40), 106.5, 107, 104, 104.25, 210,
               11);
    kr_bars_free(&out);
    kr_bars_free(&in);
}

/* 1h -> 1d across midnight, with 2020-01-04 empty (no bar for it). */
static void test_hours_to_days(void **state)
{
    (void)state;
    const row r[] = {
        {T(2020, 1, 2, 22, 0), 10, 11, 9, 10, 1},
        {T(2020, 1, 2, 23, 0), 10, 12, 10, 11, 2},
        {T(2020, 1, 3, 0, 0), 11, 11, 8, 9, 3},
        {T(2020, 1, 3, 1, 0), 9, 9.5, 8.5, 9, 4},
        {T(2020, 1, 3, 2, 0), 9, 13, 9, 12, 5},
        {T(2020, 1, 5, 10, 0), 12, 12.5, 11.5, 12.25, 6},
    };
    kr_bars in, out;
    make(&in, r, 6);
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), 0);
    assert_int_equal(out.n, 3);
    expect_bar(&out, 0, D(2020, 1, 2), 10, 12, 9, 11, 3, 2);
    expect_bar(&out, 1, D(2020, 1, 3), 11, 13, 8, 12, 12, 4);
    expect_bar(&out, 2, D(2020, 1, 5), 12, 12.5, 11.5, 12.25, 6, 7);
    kr_bars_free(&out);
    kr_bars_free(&in);
}

/* 1d -> 1w across the 2019/2020 boundary: 2019-12-30 is a Monday, so the
 * Wednesday 2020-01-01 belongs to the week stamped 2019-12-30. */
static void test_days_to_weeks(void **state)
{
    (void)state;
    const row r[] = {
        {D(2019, 12, 26), 1, 2, 0.5, 1.5, 10},  /* Thu, week of 12-23 */
        {D(2019, 12, 27), 1.5, 3, 1, 2, 10},    /* Fri */
        {D(2019, 12, 30), 2, 2.5, 1.5, 2.25, 5}, /* Mon, week of 12-30 */
        {D(2019, 12, 31), 2.25, 4, 2, 3, 5},
        {D(2020, 1, 1), 3, 3.5, 0.25, 3.25, 5},
        {D(2020, 1, 2), 3.25, 3.5, 3, 3.5, 5},
        {D(2020, 1, 3), 3.5, 3.75, 3.25, 3.75, 5},
        {D(2020, 1, 6), 4, 5, 3.5, 4.5, 7},     /* Mon, week of 01-06 */
    };
    kr_bars in, out;
    make(&in, r, 8);
    assert_int_equal(kr_weekday_of_day(kr_ts_day(D(2019, 12, 30))), 0);
    assert_int_equal(kr_bars_resample(&in, iv("1w"), &out), 0);
    assert_int_equal(out.n, 3);
    expect_bar(&out, 0, D(2019, 12, 23), 1, 3, 0.5, 2, 20, 2);
    expect_bar(&out, 1, D(2019, 12, 30), 2, 4, 0.25, 3.75, 25, 4);
    expect_bar(&out, 2, D(2020, 1, 6), 4, 5, 3.5, 4.5, 7, 9);
    kr_bars_free(&out);

    /* 2w buckets start on Mondays whose week count since 1970-01-05 is even:
     * 2019-12-23 is 2607 weeks after it, 2019-12-30 is 2608. */
    assert_int_equal(kr_bars_resample(&in, iv("2w"), &out), 0);
    assert_int_equal(out.n, 2);
    expect_bar(&out, 0, D(2019, 12, 16), 1, 3, 0.5, 2, 20, 2);
    expect_bar(&out, 1, D(2019, 12, 30), 2, 5, 0.25, 4.5, 32, 4);
    kr_bars_free(&out);
    kr_bars_free(&in);
}

/* 1d -> 1M, 3M and 1y; May 2020 has no bar and gets none. */
static void test_days_to_months(void **state)
{
    (void)state;
    const row r[] = {
        {D(2020, 1, 30), 10, 11, 9, 10, 1},   /* line 2 */
        {D(2020, 1, 31), 10, 12, 10, 11, 2},  /* line 3 */
        {D(2020, 2, 3), 11, 11, 7, 8, 3},     /* line 4 */
        {D(2020, 2, 28), 8, 9, 8, 9, 4},      /* line 5 */
        {D(2020, 3, 2), 9, 15, 9, 14, 5},     /* line 6 */
        {D(2020, 3, 31), 14, 14, 13, 13, 6},  /* line 7 */
        {D(2020, 4, 1), 13, 13.5, 12, 12.5, 7},/* line 8 */
        {D(2020, 6, 30), 20, 21, 19, 20, 8},  /* line 9 */
        {D(2020, 7, 1), 20, 22, 6, 21, 9},    /* line 10 */
    };
    kr_bars in, out;
    make(&in, r, 9);
    assert_int_equal(kr_bars_interval(&in), KR_NS_PER_DAY);

    assert_int_equal(kr_bars_resample(&in, iv("1M"), &out), 0);
    assert_int_equal(out.n, 6);
    expect_bar(&out, 0, D(2020, 1, 1), 10, 12, 9, 11, 3, 2);
    expect_bar(&out, 1, D(2020, 2, 1), 11, 11, 7, 9, 7, 4);
    expect_bar(&out, 2, D(2020, 3, 1), 9, 15, 9, 13, 11, 6);
    expect_bar(&out, 3, D(2020, 4, 1), 13, 13.5, 12, 12.5, 7, 8);
    expect_bar(&out, 4, D(2020, 6, 1), 20, 21, 19, 20, 8, 9);
    expect_bar(&out, 5, D(2020, 7, 1), 20, 22, 6, 21, 9, 10);
    kr_bars_free(&out);

    /* Quarters: 2020-01 is month 600 since 1970-01, divisible by 3. */
    assert_int_equal(kr_bars_resample(&in, iv("3M"), &out), 0);
    assert_int_equal(out.n, 3);
    expect_bar(&out, 0, D(2020, 1, 1), 10, 15, 7, 13, 21, 2);
    expect_bar(&out, 1, D(2020, 4, 1), 13, 21, 12, 20, 15, 8);
    expect_bar(&out, 2, D(2020, 7, 1), 20, 22, 6, 21, 9, 10);
    kr_bars_free(&out);

    assert_int_equal(kr_bars_resample(&in, iv("1y"), &out), 0);
    assert_int_equal(out.n, 1);
    expect_bar(&out, 0, D(2020, 1, 1), 10, 22, 6, 21, 45, 2);
    kr_bars_free(&out);
    kr_bars_free(&in);
}

/* Before the epoch the division must floor, not truncate. */
static void test_negative_timestamps(void **state)
{
    (void)state;
    const row r[] = {
        {T(1969, 12, 31, 23, 58), 1, 2, 1, 2, 1},
        {T(1969, 12, 31, 23, 59), 2, 3, 2, 3, 1},
        {T(1970, 1, 1, 0, 0), 3, 4, 3, 4, 1},
        {T(1970, 1, 1, 0, 1), 4, 5, 4, 5, 1},
    };
    kr_bars in, out;
    make(&in, r, 4);
    assert_true(in.ts[0] < 0);
    /* -120 s floors to the bucket at -300 s, 23:55, not to 0. */
    assert_int_equal(kr_bars_resample(&in, iv("5m"), &out), 0);
    assert_int_equal(out.n, 2);
    expect_bar(&out, 0, T(1969, 12, 31, 23, 55), 1, 3, 1, 3, 2, 2);
    expect_bar(&out, 1, 0, 3, 5, 3, 5, 2, 4);
    kr_bars_free(&out);
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), 0);
    assert_int_equal(out.n, 2);
    expect_bar(&out, 0, D(1969, 12, 31), 1, 3, 1, 3, 2, 2);
    expect_bar(&out, 1, 0, 3, 5, 3, 5, 2, 4);
    kr_bars_free(&out);
    /* 1969-12-31 and 1970-01-01 share the week of Monday 1969-12-29. */
    assert_int_equal(kr_bars_resample(&in, iv("1w"), &out), 0);
    assert_int_equal(out.n, 1);
    expect_bar(&out, 0, D(1969, 12, 29), 1, 5, 1, 5, 4, 2);
    kr_bars_free(&out);
    /* 1M: December 1969 is month -1. */
    assert_int_equal(kr_bars_resample(&in, iv("1M"), &out), 0);
    assert_int_equal(out.n, 2);
    expect_bar(&out, 0, D(1969, 12, 1), 1, 3, 1, 3, 2, 2);
    expect_bar(&out, 1, 0, 3, 5, 3, 5, 2, 4);
    kr_bars_free(&out);
    kr_bars_free(&in);

    /* An hourly Sunday -> Monday step before the epoch splits the weeks. */
    const row w[] = {
        {T(1969, 12, 28, 23, 0), 1, 1, 1, 1, 1},
        {T(1969, 12, 29, 0, 0), 2, 2, 2, 2, 1},
    };
    make(&in, w, 2);
    assert_int_equal(kr_bars_resample(&in, iv("1w"), &out), 0);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.ts[0], D(1969, 12, 22));
    assert_int_equal(out.ts[1], D(1969, 12, 29));
    kr_bars_free(&out);
    kr_bars_free(&in);
}

static void test_rejections(void **state)
{
    (void)state;
    const row r[] = {
        {T(2020, 1, 2, 10, 0), 1, 1, 1, 1, 1},
        {T(2020, 1, 2, 11, 0), 1, 1, 1, 1, 1},
        {T(2020, 1, 2, 12, 0), 1, 1, 1, 1, 1},
    };
    kr_bars in, out;
    make(&in, r, 3);
    /* Hourly data cannot become 5-minute bars. */
    assert_int_equal(kr_bars_resample(&in, iv("5m"), &out), KR_EINVAL);
    assert_null(out.ts);
    assert_int_equal(out.n, 0);
    /* An empty interval and a mixed one. */
    assert_int_equal(kr_bars_resample(&in, (kr_interval){0, 0}, &out),
                     KR_EINVAL);
    assert_int_equal(
        kr_bars_resample(&in, (kr_interval){KR_NS_PER_DAY, 1}, &out),
        KR_EINVAL);
    assert_int_equal(kr_bars_resample(&in, (kr_interval){-5, 0}, &out),
                     KR_EINVAL);
    /* The same interval is allowed and is the identity. */
    assert_int_equal(kr_bars_resample(&in, iv("1h"), &out), 0);
    assert_int_equal(out.n, 3);
    for (size_t i = 0; i < 3; i++)
        expect_bar(&out, i, in.ts[i], 1, 1, 1, 1, 1, (int64_t)i + 2);
    kr_bars_free(&out);
    /* Unsorted, then duplicated timestamps. */
    in.ts[0] = T(2020, 1, 2, 13, 0);
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), KR_EINVAL);
    in.ts[0] = in.ts[1];
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), KR_EINVAL);
    kr_bars_free(&in);

    /* Yearly data: even the longest month (31 days) is finer than a year. */
    const row y[] = {
        {D(2018, 1, 1), 1, 1, 1, 1, 1},
        {D(2019, 1, 1), 1, 1, 1, 1, 1},
        {D(2020, 1, 1), 1, 1, 1, 1, 1},
    };
    make(&in, y, 3);
    assert_int_equal(kr_bars_resample(&in, iv("1M"), &out), KR_EINVAL);
    assert_int_equal(kr_bars_resample(&in, iv("1y"), &out), 0);
    assert_int_equal(out.n, 3);
    kr_bars_free(&out);
    kr_bars_free(&in);

    /* Monthly data (most frequent gap 31 days) resamples to 1M. */
    const row m[] = {
        {D(2020, 1, 1), 1, 1, 1, 1, 1}, {D(2020, 2, 1), 1, 1, 1, 1, 1},
        {D(2020, 3, 1), 1, 1, 1, 1, 1}, {D(2020, 4, 1), 1, 1, 1, 1, 1},
    };
    make(&in, m, 4);
    assert_int_equal(kr_bars_interval(&in), 31 * KR_NS_PER_DAY);
    assert_int_equal(kr_bars_resample(&in, iv("1M"), &out), 0);
    assert_int_equal(out.n, 4);
    kr_bars_free(&out);
    kr_bars_free(&in);
}

/* Empty input gives an empty series; a series without the optional columns
 * gives one without them. */
static void test_empty_and_plain(void **state)
{
    (void)state;
    kr_bars in, out;
    assert_int_equal(kr_bars_init(&in, 3, 0, 0), 0);
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.symbol, 3);
    assert_null(out.adj_close);
    assert_null(out.line);
    kr_bars_free(&out);
    assert_int_equal(kr_bars_push(&in, T(2020, 1, 2, 10, 0), 1, 2, 0.5, 1.5,
                                  4, 0, 0),
                     0);
    assert_int_equal(kr_bars_resample(&in, iv("1h"), &out), 0);
    assert_int_equal(out.n, 1);
    assert_null(out.adj_close);
    assert_null(out.line);
    assert_int_equal(out.ts[0], T(2020, 1, 2, 10, 0));
    kr_bars_free(&out);
    kr_bars_free(&in);
}

/* Invariants on a longer series: resampling in steps (1m -> 5m -> 15m)
 * equals resampling at once (1m -> 15m), volume is conserved, and every
 * output bar satisfies low <= open, close <= high. */
static void test_composition(void **state)
{
    (void)state;
    kr_bars in, a, b, c;
    assert_int_equal(kr_bars_init(&in, 0, 4000, KR_BARS_LINES), 0);
    uint64_t x = 12345;
    double price = 100, vol_in = 0;
    kr_ts t = T(2021, 3, 5, 0, 0) + 7 * KR_NS_PER_MIN;
    for (int i = 0; i < 4000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        double step = (double)(x >> 40) / (double)(1u << 24) - 0.5;
        double o = price, cl = price + step;
        double h = (o > cl ? o : cl) + 0.25, l = (o < cl ? o : cl) - 0.25;
        double v = (double)(x >> 58) + 1;
        vol_in += v;
        assert_int_equal(kr_bars_push(&in, t, o, h, l, cl, v, 0, i + 2), 0);
        price = cl;
        /* Skip a minute now and then, leaving some buckets sparse. */
        t += ((x >> 20) % 7 == 0 ? 2 : 1) * KR_NS_PER_MIN;
    }
    assert_int_equal(kr_bars_resample(&in, iv("5m"), &a), 0);
    assert_int_equal(kr_bars_resample(&a, iv("15m"), &b), 0);
    assert_int_equal(kr_bars_resample(&in, iv("15m"), &c), 0);
    assert_int_equal(b.n, c.n);
    double vol_out = 0;
    for (size_t i = 0; i < c.n; i++) {
        assert_int_equal(b.ts[i], c.ts[i]);
        assert_int_equal(c.ts[i] % (15 * KR_NS_PER_MIN), 0);
        assert_near(b.open[i], c.open[i], 0);
        assert_near(b.high[i], c.high[i], 0);
        assert_near(b.low[i], c.low[i], 0);
        assert_near(b.close[i], c.close[i], 0);
        assert_near(b.volume[i], c.volume[i], 1e-9);
        assert_int_equal(b.line[i], c.line[i]);
        assert_true(c.low[i] <= c.open[i] && c.open[i] <= c.high[i]);
        assert_true(c.low[i] <= c.close[i] && c.close[i] <= c.high[i]);
        if (i)
            assert_true(c.ts[i] > c.ts[i - 1]);
        vol_out += c.volume[i];
    }
    assert_near(vol_out, vol_in, 1e-6);
    kr_bars_free(&a);
    kr_bars_free(&b);
    kr_bars_free(&c);
    kr_bars_free(&in);
}

/* At the ends of the kr_ts range: a bucket that would start before the
 * earliest time is KR_ERANGE (INT64_MIN ns is 1677-09-21T00:12:43.145224192,
 * so its minute, day and month all start earlier), and bucket ends past the
 * latest time saturate instead of overflowing. */
static void test_extreme_timestamps(void **state)
{
    (void)state;
    kr_bars in, out;
    assert_int_equal(kr_bars_init(&in, 0, 2, 0), 0);
    assert_int_equal(kr_bars_push(&in, INT64_MIN + 1, 1, 1, 1, 1, 1, 0, 0), 0);
    assert_int_equal(kr_bars_push(&in, INT64_MIN + 2, 2, 2, 2, 2, 1, 0, 0), 0);
    assert_int_equal(kr_bars_resample(&in, iv("1m"), &out), KR_ERANGE);
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), KR_ERANGE);
    assert_int_equal(kr_bars_resample(&in, iv("1w"), &out), KR_ERANGE);
    assert_int_equal(kr_bars_resample(&in, iv("1M"), &out), KR_ERANGE);
    assert_null(out.ts);
    /* 1ns buckets are the rows themselves. */
    assert_int_equal(kr_bars_resample(&in, iv("1ns"), &out), 0);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.ts[0], INT64_MIN + 1);
    kr_bars_free(&out);
    kr_bars_free(&in);

    assert_int_equal(kr_bars_init(&in, 0, 2, 0), 0);
    assert_int_equal(kr_bars_push(&in, INT64_MAX - 1, 1, 3, 1, 1, 1, 0, 0), 0);
    assert_int_equal(kr_bars_push(&in, INT64_MAX, 2, 2, 0.5, 2, 1, 0, 0), 0);
    const char *targets[] = {"1m", "1d", "1w", "1M", "1y"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(kr_bars_resample(&in, iv(targets[i]), &out), 0);
        assert_int_equal(out.n, 1);
        assert_near(out.high[0], 3, 0);
        assert_near(out.low[0], 0.5, 0);
        assert_near(out.close[0], 2, 0);
        assert_near(out.volume[0], 2, 0);
        kr_bars_free(&out);
    }
    /* 2262-04-11 is the last day: its bucket starts at its midnight. */
    assert_int_equal(kr_bars_resample(&in, iv("1d"), &out), 0);
    assert_int_equal(out.ts[0], D(2262, 4, 11));
    kr_bars_free(&out);
    kr_bars_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minutes_to_5m),
        cmocka_unit_test(test_hours_to_days),
        cmocka_unit_test(test_days_to_weeks),
        cmocka_unit_test(test_days_to_months),
        cmocka_unit_test(test_negative_timestamps),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_empty_and_plain),
        cmocka_unit_test(test_composition),
        cmocka_unit_test(test_extreme_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

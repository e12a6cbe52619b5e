/* test_check.c -- tests of src/features/check.c, the look-ahead checker.
 *
 * The checker must pass every feature the library makes -- each kind of
 * the table with its defaults and with other parameters, normalized ones,
 * and every indicator of ta.h through ind:NAME -- on a 300-bar random walk
 * with 40 cuts, and must catch features built to leak: one that reads the
 * next bar (exactly one value per cut differs: the row before the cut),
 * one demeaned by the whole sample (every row of every cut differs), and
 * one whose leak is a few dozen ulps (the series length times 2^-40 added
 * to each close), which a tolerance would let through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/features.h"

#define N 300
#define CUTS 40

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) / 9007199254740992.0; }

static void make_bars(kr_bars *b, size_t n, uint64_t seed)
{
    assert_int_equal(kr_bars_init(b, 0, n, 0), KR_OK);
    uint64_t s = seed;
    double c = 100;
    kr_ts t0 = kr_ts_from_civil(2024, 5, 30, 9, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        double o = c * (1 + 0.01 * (unif(&s) - 0.5));
        double cl = c * exp(0.03 * (unif(&s) - 0.5));
        double hi = fmax(o, cl) * (1 + 0.005 * unif(&s));
        double lo = fmin(o, cl) * (1 - 0.005 * unif(&s));
        double v = floor(100 + 900 * unif(&s));
        assert_int_equal(kr_bars_push(b, t0 + (kr_ts)i * KR_NS_PER_HOUR, o, hi,
                                      lo, cl, v, 0, 0),
                         KR_OK);
        c = cl;
    }
}

/* Runs the checker on `spec` and expects no difference. */
static void expect_clean(const char *spec, const kr_bars *b)
{
    kr_featureset fs;
    kr_error err;
    kr_error_clear(&err);
    if (kr_featureset_parse(spec, &fs, &err))
        fail_msg("%s: %s: %s", spec, err.field, err.msg);
    kr_leak_report r;
    assert_int_equal(kr_features_check(&fs, b, CUTS, &r), KR_OK);
    if (r.total) {
        for (size_t c = 0; c < r.ncols; c++)
            if (r.count[c])
                fail_msg("%s: column %s: %zu differences, first row %zu cut "
                         "%zu: %.17g vs %.17g",
                         spec, fs.names[c], r.count[c], r.first[c].row,
                         r.first[c].cut, r.first[c].full,
                         r.first[c].truncated);
    }
    /* Every value of every cut was compared. */
    size_t want = 0;
    for (size_t i = 0; i < r.ncuts; i++)
        want += r.cuts[i] * fs.ncols;
    assert_int_equal(r.compared, want);
    assert_true(r.ncuts >= CUTS);
    kr_leak_report_free(&r);
    kr_featureset_free(&fs);
}

static void test_every_kind(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, N, 42);
    size_t n;
    const kr_feature_kind *t = kr_feature_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        if (!t[i].batch)
            continue;
        char spec[64];
        /* Defaults, a short window and a normalized form. */
        expect_clean(t[i].name, &b);
        if (t[i].nparams) {
            snprintf(spec, sizeof spec, "%s:3", t[i].name);
            expect_clean(spec, &b);
            snprintf(spec, sizeof spec, "%s:7@z:20", t[i].name);
            expect_clean(spec, &b);
        }
    }
    expect_clean("ret:1,ret:5,ret:20,vol:20,range,gap,volratio:20,dow,hour,"
                 "month,zvol:20,dret:20,detrend:50,bbpos:20,bbpos:10,1,"
                 "vwmom:10,ind:rsi:14,ind:macd:12,26,9",
                 &b);
    kr_bars_free(&b);
}

static void test_every_indicator(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, N, 43);
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "ind:%s", t[i].name);
        expect_clean(spec, &b);
        snprintf(spec, sizeof spec, "ind:%s@z:15", t[i].name);
        expect_clean(spec, &b);
    }
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Leaky features
 * ------------------------------------------------------------------------ */

static int next_bar(void *user, const kr_bars *b, double *out)
{
    (void)user;
    for (size_t t = 0; t + 1 < b->n; t++)
        out[t] = log(b->close[t + 1] / b->close[t]);
    if (b->n)
        out[b->n - 1] = NAN;
    return KR_OK;
}

static int whole_sample(void *user, const kr_bars *b, double *out)
{
    (void)user;
    double m = 0;
    for (size_t t = 0; t < b->n; t++)
        m += b->close[t];
    m /= (double)b->n;
    for (size_t t = 0; t < b->n; t++)
        out[t] = b->close[t] - m;
    return KR_OK;
}

static int few_ulps(void *user, const kr_bars *b, double *out)
{
    (void)user;
    /* 2^-40 (~9e-13) per bar of the series: at least 60 ulps of a price
     * near 100 between any two lengths. */
    const double leak = ldexp((double)b->n, -40);
    for (size_t t = 0; t < b->n; t++)
        out[t] = b->close[t] + leak;
    return KR_OK;
}

static int causal(void *user, const kr_bars *b, double *out)
{
    (void)user;
    for (size_t t = 0; t < b->n; t++)
        out[t] = b->high[t] - b->low[t];
    return KR_OK;
}

static void test_catches_leaks(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, N, 44);
    kr_featureset fs;
    kr_error err;
    assert_int_equal(kr_featureset_parse("ret:1,vol:10", &fs, &err), KR_OK);
    assert_int_equal(kr_featureset_add_custom(&fs, "next", 0, next_bar, NULL),
                     KR_OK);
    assert_int_equal(kr_featureset_add_custom(&fs, "demeaned", 0,
                                              whole_sample, NULL),
                     KR_OK);
    assert_int_equal(kr_featureset_add_custom(&fs, "ulps", 0, few_ulps, NULL),
                     KR_OK);
    assert_int_equal(kr_featureset_add_custom(&fs, "causal", 0, causal, NULL),
                     KR_OK);
    kr_leak_report r;
    assert_int_equal(kr_features_check(&fs, &b, CUTS, &r), KR_OK);
    assert_int_equal(r.ncols, 6);
    assert_int_equal(r.rows, N);
    /* The cuts run from 1 to N-1 and include the look-back (10) and the bar
     * after it. */
    assert_int_equal(r.cuts[0], 1);
    assert_int_equal(r.cuts[r.ncuts - 1], N - 1);
    bool lb = false, lb1 = false;
    size_t rows = 0;
    for (size_t i = 0; i < r.ncuts; i++) {
        lb |= r.cuts[i] == 10;
        lb1 |= r.cuts[i] == 11;
        rows += r.cuts[i];
        if (i)
            assert_true(r.cuts[i] > r.cuts[i - 1]);
    }
    assert_true(lb && lb1);
    /* Causal columns: nothing. */
    assert_int_equal(r.count[0], 0);
    assert_int_equal(r.count[1], 0);
    assert_int_equal(r.count[5], 0);
    /* Next bar: the last row of each prefix is NaN instead of the return to
     * the bar after it; one value per cut, the first at cut 1, row 0. */
    assert_int_equal(r.count[2], r.ncuts);
    assert_int_equal(r.first[2].cut, 1);
    assert_int_equal(r.first[2].row, 0);
    assert_true(r.first[2].full == log(b.close[1] / b.close[0]));
    assert_true(isnan(r.first[2].truncated));
    /* Whole-sample mean: every row of every prefix. */
    assert_int_equal(r.count[3], rows);
    assert_int_equal(r.first[3].cut, 1);
    assert_true(r.first[3].truncated == 0.0); /* c0 - mean(c0) */
    /* A leak of ~1e-12 relative: every row again. */
    assert_int_equal(r.count[4], rows);
    /* (300 - 1) * 2^-40 = 2.7e-10 apart. */
    assert_true(fabs(r.first[4].full - r.first[4].truncated) < 3e-10);
    assert_int_equal(r.total, r.ncuts + 2 * rows);
    kr_leak_report_free(&r);
    kr_featureset_free(&fs);
    kr_bars_free(&b);
}

static void test_bad_input(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 1, 1);
    kr_featureset fs;
    kr_error err;
    assert_int_equal(kr_featureset_parse("ret:1", &fs, &err), KR_OK);
    kr_leak_report r;
    assert_int_equal(kr_features_check(&fs, &b, 10, &r), KR_EEMPTY);
    assert_null(r.cuts);
    kr_leak_report_free(&r);
    assert_int_equal(kr_features_check(&fs, &b, 0, &r), KR_EINVAL);
    kr_bars_free(&b);
    /* More cuts than prefixes: each prefix once. */
    make_bars(&b, 5, 1);
    assert_int_equal(kr_features_check(&fs, &b, 100, &r), KR_OK);
    assert_int_equal(r.ncuts, 4);
    assert_int_equal(r.compared, 1 + 2 + 3 + 4);
    kr_leak_report_free(&r);
    kr_featureset_free(&fs);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_every_indicator),
        cmocka_unit_test(test_catches_leaks),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

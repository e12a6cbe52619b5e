/* test_featureset.c -- tests of src/features/featureset.c and kinds.c: the
 * spec grammar, column names and look-backs, and every kind of feature
 * against a straightforward reference loop.
 *
 * The series is 60 hourly bars from 2024-01-31 20:00 UTC (a Wednesday, so
 * the calendar features cross a day and a month), a fixed-seed random walk
 * with random volumes. Each feature is recomputed in the test the slow way:
 * two-pass means and standard deviations over explicit windows, logs of
 * price ratios. Kinds built on ta's running sums agree with the two-pass
 * references to about 1e-12 relative; the tolerance is 1e-9. Values that
 * need no window (returns, range, gap, calendar) must be equal exactly.
 * Hand-computed values on a three-bar series check the simplest kinds
 * once more with the arithmetic written out, and every kind's first
 * defined row is checked to be its declared look-back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/features.h"

#define N 60

static void near(double got, double want, double tol, const char *what,
                 size_t row)
{
    if (isnan(want) && isnan(got))
        return;
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale))
        fail_msg("%s row %zu: got %.17g, want %.17g", what, row, got, want);
}

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
    kr_ts t0 = kr_ts_from_civil(2024, 1, 31, 20, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        double o = c * (1 + 0.01 * (unif(&s) - 0.5));
        double cl = c * exp(0.02 * (unif(&s) - 0.5));
        double hi = fmax(o, cl) * (1 + 0.005 * unif(&s));
        double lo = fmin(o, cl) * (1 - 0.005 * unif(&s));
        double v = floor(1000 + 9000 * unif(&s));
        assert_int_equal(kr_bars_push(b, t0 + (kr_ts)i * KR_NS_PER_HOUR, o, hi,
                                      lo, cl, v, 0, 0),
                         KR_OK);
        c = cl;
    }
}

/* Reference statistics of x[a .. b] (inclusive). */
static double ref_mean(const double *x, size_t a, size_t b)
{
    double s = 0;
    for (size_t i = a; i <= b; i++)
        s += x[i];
    return s / (double)(b - a + 1);
}

static double ref_std(const double *x, size_t a, size_t b, bool sample)
{
    double m = ref_mean(x, a, b), s = 0;
    for (size_t i = a; i <= b; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (double)(b - a + 1 - (sample ? 1 : 0)));
}

/* Computes a one-item set and returns its first column in col (N values). */
static void compute1(const char *spec, const kr_bars *b, double *col,
                     size_t *lookback)
{
    kr_featureset fs;
    kr_error err;
    kr_error_clear(&err);
    if (kr_featureset_parse(spec, &fs, &err))
        fail_msg("%s: %s: %s", spec, err.field, err.msg);
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    assert_int_equal(kr_featureset_compute(&fs, b, &m), KR_OK);
    assert_int_equal(m.nrows, b->n);
    memcpy(col, kr_feature_matrix_col(&m, 0), b->n * sizeof *col);
    if (lookback)
        *lookback = kr_featureset_lookback(&fs);
    kr_feature_matrix_free(&m);
    kr_featureset_free(&fs);
}

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

static void test_parse_brief_spec(void **state)
{
    (void)state;
    kr_featureset fs;
    kr_error err;
    kr_error_clear(&err);
    const char *spec = "ret:1,ret:5,ret:20,vol:20,range,gap,volratio:20,dow,"
                       "hour,zvol:20,dret:20,detrend:50,bbpos:20,vwmom:10,"
                       "ind:rsi:14,ind:macd:12,26,9";
    assert_int_equal(kr_featureset_parse(spec, &fs, &err), KR_OK);
    static const char *const want[] = {
        "ret_1",       "ret_5",     "ret_20",          "vol_20",
        "range",       "gap",       "volratio_20",     "dow",
        "hour",        "zvol_20",   "dret_20",         "detrend_50",
        "bbpos_20",    "vwmom_10",  "rsi_14",          "macd_12_26_9.macd",
        "macd_12_26_9.signal",      "macd_12_26_9.hist"};
    assert_int_equal(fs.n, 16);
    assert_int_equal(fs.ncols, 18);
    for (size_t i = 0; i < 18; i++)
        assert_string_equal(fs.names[i], want[i]);
    /* detrend:50 reads 49 past bars, more than MACD's 25 + 8 = 33. */
    assert_int_equal(kr_featureset_lookback(&fs), 49);
    assert_int_equal(fs.v[15].lookback, 33);
    assert_int_equal(fs.v[15].col, 15);
    assert_int_equal(fs.v[15].ncols, 3);
    kr_featureset_free(&fs);

    /* Blanks and ';' separate too; name=value; bbpos with its k. */
    assert_int_equal(kr_featureset_parse(" ret:k=3 ;bbpos:20,2.5\n"
                                         "ind:bbands:period=10,nbdev=1 "
                                         "vol:5@z:30",
                                         &fs, &err),
                     KR_OK);
    assert_int_equal(fs.ncols, 6);
    assert_string_equal(fs.names[0], "ret_3");
    assert_string_equal(fs.names[1], "bbpos_20_2.5");
    assert_string_equal(fs.names[2], "bbands_10_1.upper");
    assert_string_equal(fs.names[5], "vol_5@z30");
    /* vol:5 reads 5 bars; its z-score 29 more. */
    assert_int_equal(fs.v[3].lookback, 34);
    assert_int_equal(fs.v[3].norm, 30);
    kr_featureset_free(&fs);
}

static void expect_bad(const char *spec, const char *field, const char *msg)
{
    kr_featureset fs;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_featureset_parse(spec, &fs, &err);
    if (rc != KR_EINVAL)
        fail_msg("'%s': rc %d, want KR_EINVAL", spec, rc);
    assert_int_equal(fs.n, 0);
    assert_null(fs.names);
    if (strcmp(err.field, field))
        fail_msg("'%s': field '%s', want '%s' (%s)", spec, err.field, field,
                 err.msg);
    if (!strstr(err.msg, msg))
        fail_msg("'%s': message '%s' lacks '%s'", spec, err.msg, msg);
    kr_featureset_free(&fs);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_bad("", "", "empty feature spec");
    expect_bad(" , ;", "", "empty feature spec");
    expect_bad("ret:1,nosuch:3", "nosuch:3", "unknown feature 'nosuch'");
    expect_bad("ret:0", "ret:0", "k: expected a whole number in 1 .. 100000");
    expect_bad("vol:1", "vol:1", "n: expected a whole number in 2");
    expect_bad("vol:2.5", "vol:2.5", "whole number");
    expect_bad("vol:x", "vol:x", "n: expected a number, got 'x'");
    expect_bad("ret:1,2", "ret:1,2", "ret takes 1 parameter");
    expect_bad("range:3", "range:3", "range takes 0 parameters");
    expect_bad("vol:", "vol:", "nothing after ':'");
    expect_bad("vol:q=3", "vol:q=3", "vol has no parameter 'q'");
    expect_bad("12,ret:1", "12", "follows no feature");
    expect_bad("ret:1,ret:1", "ret:1", "column 'ret_1' is already in the set");
    expect_bad("ind", "ind", "expected ind:NAME");
    expect_bad("ind:nosuch", "ind:nosuch", "unknown indicator 'nosuch'");
    expect_bad("ind:macd:26,12", "ind:macd:26,12", "");
    expect_bad("vol:20@z:1", "vol:20@z:1", "expected @z:N");
    expect_bad("vol:20@q", "vol:20@q", "expected @z:N");
    expect_bad("dow@z:20", "dow@z:20", "calendar features are not normalized");
    char longspec[200];
    memset(longspec, 'a', sizeof longspec - 1);
    longspec[sizeof longspec - 1] = '\0';
    kr_featureset fs;
    kr_error err;
    assert_int_equal(kr_featureset_parse(longspec, &fs, &err), KR_EINVAL);
    assert_non_null(strstr(err.msg, "item too long"));
    kr_featureset_free(&fs);
}

static void test_config(void **state)
{
    (void)state;
    const char *yaml = "features:\n"
                       "  set:\n"
                       "    - ret:1\n"
                       "    - ind:macd:12,26,9\n"
                       "    - vol:20\n"
                       "    - dow\n"
                       "  normalize: 50\n";
    kr_config c;
    kr_error err;
    kr_error_clear(&err);
    assert_int_equal(kr_config_parse(&c, yaml, strlen(yaml), "run.yaml", &err),
                     KR_OK);
    kr_featureset fs;
    assert_int_equal(kr_featureset_from_config(&c, "features.set", &fs, &err),
                     KR_OK);
    assert_int_equal(fs.ncols, 6);
    assert_string_equal(fs.names[0], "ret_1@z50");
    assert_string_equal(fs.names[2], "macd_12_26_9.signal@z50");
    assert_string_equal(fs.names[5], "dow"); /* calendar: left as is */
    /* MACD 33 + 49. */
    assert_int_equal(kr_featureset_lookback(&fs), 82);
    kr_featureset_free(&fs);

    assert_int_equal(kr_featureset_from_config(&c, "features.nosuch", &fs,
                                               &err),
                     KR_ENOENT);
    kr_config_free(&c);

    const char *bad = "features:\n  set: [ret:1, vol:1]\n";
    assert_int_equal(kr_config_parse(&c, bad, strlen(bad), "run.yaml", &err),
                     KR_OK);
    assert_int_equal(kr_featureset_from_config(&c, "features.set", &fs, &err),
                     KR_EINVAL);
    assert_string_equal(err.file, "run.yaml");
    assert_int_equal(err.line, 2);
    assert_string_equal(err.field, "features.set");
    assert_non_null(strstr(err.msg, "vol:1"));
    kr_config_free(&c);
}

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

static void test_hand_values(void **state)
{
    (void)state;
    /* Three daily bars:
     *   2024-03-01 (Fri) o 100 h 102 l  99 c 101 v 10
     *   2024-03-02 (Sat) o 102 h 104 l 100 c 103 v 30
     *   2024-03-03 (Sun) o 101 h 105 l 100 c 104 v 20 */
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 3, 0), KR_OK);
    kr_bars_push(&b, kr_ts_from_civil(2024, 3, 1, 0, 0, 0, 0), 100, 102, 99,
                 101, 10, 0, 0);
    kr_bars_push(&b, kr_ts_from_civil(2024, 3, 2, 13, 0, 0, 0), 102, 104, 100,
                 103, 30, 0, 0);
    kr_bars_push(&b, kr_ts_from_civil(2024, 3, 3, 23, 0, 0, 0), 101, 105, 100,
                 104, 20, 0, 0);
    double y[3];
    /* range = (h - l) / c: 3/101, 4/103, 5/104. */
    compute1("range", &b, y, NULL);
    assert_true(y[0] == 3.0 / 101 && y[1] == 4.0 / 103 && y[2] == 5.0 / 104);
    /* gap = o / c[t-1] - 1: -, 102/101 - 1, 101/103 - 1. */
    compute1("gap", &b, y, NULL);
    assert_true(isnan(y[0]) && y[1] == 102.0 / 101 - 1 &&
                y[2] == 101.0 / 103 - 1);
    /* ret:2 = log(104 / 101) at row 2 only. */
    compute1("ret:2", &b, y, NULL);
    assert_true(isnan(y[0]) && isnan(y[1]) && y[2] == log(104.0 / 101));
    /* volratio:2 = v / mean of the last two: 30/20 = 1.5, 20/25 = 0.8. */
    compute1("volratio:2", &b, y, NULL);
    assert_true(isnan(y[0]));
    near(y[1], 1.5, 1e-15, "volratio", 1);
    near(y[2], 0.8, 1e-15, "volratio", 2);
    /* detrend:2 = c / mean(c) - 1: 103/102 - 1, 104/103.5 - 1. */
    compute1("detrend:2", &b, y, NULL);
    near(y[1], 103.0 / 102 - 1, 1e-15, "detrend", 1);
    near(y[2], 104.0 / 103.5 - 1, 1e-15, "detrend", 2);
    /* zvol:2: v - mean over population std of two values is +-1: 30 vs
     * mean 20 and std 10 -> 1; 20 vs 25, std 5 -> -1. */
    compute1("zvol:2", &b, y, NULL);
    near(y[1], 1, 1e-12, "zvol", 1);
    near(y[2], -1, 1e-12, "zvol", 2);
    /* Calendar: Friday 00h March, Saturday 13h, Sunday 23h. */
    compute1("dow", &b, y, NULL);
    assert_true(y[0] == 4 && y[1] == 5 && y[2] == 6);
    compute1("hour", &b, y, NULL);
    assert_true(y[0] == 0 && y[1] == 13 && y[2] == 23);
    compute1("month", &b, y, NULL);
    assert_true(y[0] == 3 && y[1] == 3 && y[2] == 3);
    /* vwmom:2 at row 2: (r1*30 + r2*20) / 50 with r1 = log(103/101),
     * r2 = log(104/103). */
    compute1("vwmom:2", &b, y, NULL);
    assert_true(isnan(y[1]));
    near(y[2], (log(103.0 / 101) * 30 + log(104.0 / 103) * 20) / 50, 1e-14,
         "vwmom", 2);
    /* vol:2 at row 2: sample std of r1, r2 = |r1 - r2| / sqrt(2). */
    compute1("vol:2", &b, y, NULL);
    near(y[2], fabs(log(103.0 / 101) - log(104.0 / 103)) / sqrt(2), 1e-12,
         "vol", 2);
    kr_bars_free(&b);
}

/* Every kind against its reference loop on the 60-bar series. */
static void test_reference_loops(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, N, 7);
    const double *c = b.close, *v = b.volume;
    double r1[N], y[N], want[N];
    r1[0] = NAN;
    for (size_t t = 1; t < N; t++)
        r1[t] = log(c[t] / c[t - 1]);

    struct {
        const char *spec;
        double tol;
    } cases[] = {
        {"ret:1", 0},       {"ret:7", 0},     {"vol:2", 1e-9},
        {"vol:10", 1e-9},   {"range", 0},     {"gap", 0},
        {"volratio:5", 1e-12}, {"dow", 0},    {"hour", 0},
        {"month", 0},       {"zvol:8", 1e-9}, {"dret:6", 1e-12},
        {"detrend:9", 1e-12}, {"bbpos:12", 1e-9}, {"bbpos:12,1.5", 1e-9},
        {"vwmom:4", 1e-12},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *spec = cases[k].spec;
        size_t lb;
        compute1(spec, &b, y, &lb);
        const char *colon = strchr(spec, ':');
        size_t p = colon ? (size_t)atoi(colon + 1) : 0;
        for (size_t t = 0; t < N; t++) {
            double w = NAN;
            kr_ts ts = b.ts[t];
            int64_t day = ts / KR_NS_PER_DAY;
            if (!strncmp(spec, "ret:", 4)) {
                if (t >= p)
                    w = log(c[t] / c[t - p]);
            } else if (!strncmp(spec, "vol:", 4)) {
                if (t >= p)
                    w = ref_std(r1, t - p + 1, t, true);
            } else if (!strcmp(spec, "range")) {
                w = (b.high[t] - b.low[t]) / c[t];
            } else if (!strcmp(spec, "gap")) {
                if (t >= 1)
                    w = b.open[t] / c[t - 1] - 1;
            } else if (!strncmp(spec, "volratio:", 9)) {
                if (t + 1 >= p)
                    w = v[t] / ref_mean(v, t + 1 - p, t);
            } else if (!strcmp(spec, "dow")) {
                /* 1970-01-01 was a Thursday (3). */
                w = (double)((day + 3) % 7);
            } else if (!strcmp(spec, "hour")) {
                w = (double)((ts % KR_NS_PER_DAY) / KR_NS_PER_HOUR);
            } else if (!strcmp(spec, "month")) {
                /* 20:00 on Jan 31 plus t hours: January for t < 4. */
                w = t < 4 ? 1 : 2;
            } else if (!strncmp(spec, "zvol:", 5)) {
                if (t + 1 >= p)
                    w = (v[t] - ref_mean(v, t + 1 - p, t)) /
                        ref_std(v, t + 1 - p, t, false);
            } else if (!strncmp(spec, "dret:", 5)) {
                if (t >= p)
                    w = r1[t] - ref_mean(r1, t + 1 - p, t);
            } else if (!strncmp(spec, "detrend:", 8)) {
                if (t + 1 >= p)
                    w = c[t] / ref_mean(c, t + 1 - p, t) - 1;
            } else if (!strncmp(spec, "bbpos:", 6)) {
                double kk = strchr(spec, ',') ? 1.5 : 2;
                if (t + 1 >= p) {
                    double m = ref_mean(c, t + 1 - p, t);
                    double sd = ref_std(c, t + 1 - p, t, false);
                    w = (c[t] - m) / (2 * kk * sd);
                }
            } else if (!strncmp(spec, "vwmom:", 6)) {
                if (t >= p) {
                    double num = 0, den = 0;
                    for (size_t i = t + 1 - p; i <= t; i++) {
                        num += r1[i] * v[i];
                        den += v[i];
                    }
                    w = num / den;
                }
            } else {
                fail_msg("no reference for %s", spec);
            }
            want[t] = w;
            if (cases[k].tol == 0) {
                if (!(y[t] == w || (isnan(y[t]) && isnan(w))))
                    fail_msg("%s row %zu: got %.17g, want %.17g", spec, t,
                             y[t], w);
            } else {
                near(y[t], w, cases[k].tol, spec, t);
            }
        }
        /* The declared look-back is the first defined row. */
        size_t first = 0;
        while (first < N && isnan(y[first]))
            first++;
        if (first != lb)
            fail_msg("%s: first value at row %zu, look-back %zu", spec, first,
                     lb);
        size_t wfirst = 0;
        while (wfirst < N && isnan(want[wfirst]))
            wfirst++;
        assert_int_equal(first, wfirst);
    }
    kr_bars_free(&b);
}

/* ind:NAME yields the indicator's outputs, bit for bit those of kr_ta_run. */
static void test_indicator_columns(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, N, 11);
    kr_featureset fs;
    kr_error err;
    assert_int_equal(kr_featureset_parse("ret:1,ind:stoch,ind:rsi:9", &fs,
                                         &err),
                     KR_OK);
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    assert_int_equal(kr_featureset_compute(&fs, &b, &m), KR_OK);
    const kr_ta_info *stoch = kr_ta_find("stoch");
    const kr_ta_info *rsi = kr_ta_find("rsi");
    double a[KR_TA_MAX_OUTPUTS][N];
    double *out[KR_TA_MAX_OUTPUTS] = {a[0], a[1], a[2], a[3]};
    double p[KR_TA_MAX_PARAMS];
    for (int k = 0; k < stoch->nparams; k++)
        p[k] = stoch->params[k].def;
    assert_int_equal(kr_ta_run(stoch, p, &b, out), KR_OK);
    assert_int_equal(fs.v[1].ncols, (size_t)stoch->noutputs);
    for (int k = 0; k < stoch->noutputs; k++)
        assert_memory_equal(kr_feature_matrix_col(&m, 1 + (size_t)k), a[k],
                            sizeof a[k]);
    p[0] = 9;
    assert_int_equal(kr_ta_run(rsi, p, &b, out), KR_OK);
    size_t col = 1 + (size_t)stoch->noutputs;
    assert_string_equal(fs.names[col], "rsi_9");
    assert_memory_equal(kr_feature_matrix_col(&m, col), a[0], sizeof a[0]);
    /* rsi:9 starts at row 9. */
    assert_true(isnan(a[0][8]) && !isnan(a[0][9]));
    assert_int_equal(fs.v[2].lookback, 9);
    kr_feature_matrix_free(&m);
    kr_featureset_free(&fs);
    kr_bars_free(&b);
}

/* @z:N is ta's zscore of the feature column: (f - mean) / population std
 * of the last N values, checked against the reference. */
static void test_normalize(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, N, 3);
    double raw[N], z[N];
    size_t lb;
    compute1("detrend:5", &b, raw, NULL);
    compute1("detrend:5@z:10", &b, z, &lb);
    assert_int_equal(lb, 4 + 9);
    for (size_t t = 0; t < N; t++) {
        double w = NAN;
        if (t >= 13)
            w = (raw[t] - ref_mean(raw, t - 9, t)) / ref_std(raw, t - 9, t,
                                                             false);
        near(z[t], w, 1e-9, "detrend:5@z:10", t);
    }
    /* kr_featureset_normalize does the same to every item but calendars. */
    kr_featureset fs;
    kr_error err;
    assert_int_equal(kr_featureset_parse("detrend:5,hour,ret:1@z:4", &fs,
                                         &err),
                     KR_OK);
    assert_int_equal(kr_featureset_normalize(&fs, 1), KR_EINVAL);
    assert_int_equal(kr_featureset_normalize(&fs, 10), KR_OK);
    assert_string_equal(fs.names[0], "detrend_5@z10");
    assert_string_equal(fs.names[1], "hour");
    assert_string_equal(fs.names[2], "ret_1@z4"); /* had its own */
    assert_int_equal(kr_featureset_lookback(&fs), 13);
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    assert_int_equal(kr_featureset_compute(&fs, &b, &m), KR_OK);
    assert_memory_equal(kr_feature_matrix_col(&m, 0), z, sizeof z);
    kr_feature_matrix_free(&m);
    kr_featureset_free(&fs);
    kr_bars_free(&b);
}

/* Degenerate windows: zero volume and flat prices give NaN ratios and a
 * band position of 0, never an infinity. */
static void test_degenerate(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 8, 0), KR_OK);
    for (int i = 0; i < 8; i++)
        kr_bars_push(&b, (kr_ts)i * KR_NS_PER_DAY, 50, 50, 50, 50, 0, 0, 0);
    double y[8];
    compute1("volratio:3", &b, y, NULL);
    for (int i = 0; i < 8; i++)
        assert_true(isnan(y[i]));
    compute1("vwmom:3", &b, y, NULL);
    for (int i = 0; i < 8; i++)
        assert_true(isnan(y[i]));
    compute1("bbpos:3", &b, y, NULL);
    assert_true(isnan(y[1]) && y[2] == 0 && y[7] == 0);
    compute1("zvol:3", &b, y, NULL);
    assert_true(isnan(y[1]) && y[2] == 0 && y[7] == 0);
    compute1("vol:3", &b, y, NULL);
    assert_true(isnan(y[2]) && y[3] == 0 && y[7] == 0);
    kr_bars_free(&b);
}

/* A matrix is reused: a shorter series after a longer one, and an empty
 * series. */
static void test_matrix_reuse(void **state)
{
    (void)state;
    kr_bars big, small, empty;
    make_bars(&big, N, 5);
    make_bars(&small, 10, 5);
    assert_int_equal(kr_bars_init(&empty, 0, 1, 0), KR_OK);
    kr_featureset fs;
    kr_error err;
    assert_int_equal(kr_featureset_parse("ret:1,vol:3,ind:macd", &fs, &err),
                     KR_OK);
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    assert_int_equal(kr_featureset_compute(&fs, &big, &m), KR_OK);
    double *data = m.data;
    assert_int_equal(m.stride % 8, 0);
    assert_int_equal((uintptr_t)kr_feature_matrix_col(&m, 3) % 64, 0);
    assert_int_equal(kr_featureset_compute(&fs, &small, &m), KR_OK);
    assert_ptr_equal(m.data, data); /* no new allocation */
    assert_int_equal(m.nrows, 10);
    assert_int_equal(m.ncols, 5);
    assert_string_equal(m.names[2], "macd_12_26_9.macd");
    /* Same prefix, same bits: the first 10 bars are the same walk. */
    double first[10];
    memcpy(first, kr_feature_matrix_col(&m, 1), sizeof first);
    assert_int_equal(kr_featureset_compute(&fs, &big, &m), KR_OK);
    assert_memory_equal(kr_feature_matrix_col(&m, 1), first, sizeof first);
    assert_int_equal(kr_featureset_compute(&fs, &empty, &m), KR_OK);
    assert_int_equal(m.nrows, 0);
    kr_feature_matrix_free(&m);
    kr_featureset_free(&fs);
    kr_bars_free(&big);
    kr_bars_free(&small);
    kr_bars_free(&empty);
}

/* The table: every kind has a formula, and its parameters' defaults lie in
 * their ranges; lookup is case-insensitive. */
static void test_table(void **state)
{
    (void)state;
    size_t n;
    const kr_feature_kind *t = kr_feature_kinds(&n);
    assert_true(n >= 14);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].formula);
        assert_ptr_equal(kr_feature_kind_find(t[i].name), &t[i]);
        for (int k = 0; k < t[i].nparams; k++)
            assert_true(t[i].params[k].def >= t[i].params[k].min &&
                        t[i].params[k].def <= t[i].params[k].max);
        assert_true((t[i].batch == NULL) == !strcmp(t[i].name, "ind"));
    }
    assert_non_null(kr_feature_kind_find("VOL"));
    assert_null(kr_feature_kind_find("nosuch"));
}

static int counted(void *user, const kr_bars *b, double *out)
{
    (*(int *)user)++;
    for (size_t i = 0; i < b->n; i++)
        out[i] = (double)i;
    return KR_OK;
}

static void test_custom(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 5, 1);
    kr_featureset fs;
    kr_featureset_init(&fs);
    int calls = 0;
    assert_int_equal(kr_featureset_add_custom(&fs, "idx", 0, counted, &calls),
                     KR_OK);
    assert_int_equal(kr_featureset_add_custom(&fs, "idx", 0, counted, &calls),
                     KR_EINVAL);
    assert_int_equal(kr_featureset_add_custom(&fs, "", 0, counted, &calls),
                     KR_EINVAL);
    kr_error err;
    assert_int_equal(kr_featureset_add(&fs, "ret:2", &err), KR_OK);
    assert_int_equal(kr_featureset_lookback(&fs), 2);
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    assert_int_equal(kr_featureset_compute(&fs, &b, &m), KR_OK);
    assert_int_equal(calls, 1);
    assert_true(kr_feature_matrix_col(&m, 0)[4] == 4.0);
    kr_feature_matrix_free(&m);
    kr_featureset_free(&fs);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_brief_spec),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_hand_values),
        cmocka_unit_test(test_reference_loops),
        cmocka_unit_test(test_indicator_columns),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_matrix_reuse),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_custom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

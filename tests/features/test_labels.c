/* test_labels.c -- tests of src/features/labels.c: triple-barrier and
 * fixed-horizon labels, and their option strings.
 *
 * The triple-barrier cases run on a 12-bar series whose closes are
 * 100 exp(x / 100) for a hand-chosen path x, with the barrier width given
 * as a constant target sigma = 0.01, pt = sl = 1 and h = 3: a log return
 * from row t reaches a barrier when the path moves 1.0 from x[t]. Each row's
 * outcome is worked out next to the path. The high/low mode, with its tie
 * on one bar, runs on three-bar series. A longer random walk checks the
 * rolling volatility (the "vol" feature, bit for bit), a reference loop and
 * that a label never changes when bars after its end are cut off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/features.h"

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g", got, want);
}

/* The path, in percent of log price:
 *
 *   t   0    1    2    3    4     5     6    7    8    9    10   11
 *   x   0   0.5  1.6  1.2  0.1  -0.5  -0.3  0.2  0.9  0.4  0.1  0.0
 *
 * Row 0: +0.5, +1.6 -> profit-take at 2, ret 0.016.
 * Row 1: +1.1 at 2 -> profit-take at 2, ret 0.011.
 * Row 2: -0.4, -1.5 -> stop-loss at 4, ret -0.015.
 * Row 3: -1.1 at 4 -> stop-loss at 4, ret -0.011.
 * Row 4: -0.6, -0.4, +0.1 -> vertical at 7, ret +0.001: +1 (0 with
 *        vertical=zero).
 * Row 5: +0.2, +0.7, +1.4 -> profit-take at 8, ret 0.014.
 * Row 6: +0.5, +1.2 -> profit-take at 8, ret 0.012.
 * Row 7: +0.7, +0.2, -0.1 -> vertical at 10, ret -0.001: -1.
 * Row 8: -0.5, -0.8, -0.9 -> vertical at 11, ret -0.009: -1.
 * Rows 9-11: fewer than 3 bars after them: no label. */
static const double path[12] = {0,   0.5,  1.6,  1.2, 0.1, -0.5,
                                -0.3, 0.2, 0.9, 0.4, 0.1, 0.0};

static void bars_from_closes(kr_bars *b, const double *c, size_t n)
{
    assert_int_equal(kr_bars_init(b, 0, n, 0), KR_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kr_bars_push(b, (kr_ts)i * KR_NS_PER_DAY, c[i], c[i],
                                      c[i], c[i], 1000, 0, 0),
                         KR_OK);
}

static void path_bars(kr_bars *b)
{
    double c[12];
    for (int i = 0; i < 12; i++)
        c[i] = 100 * exp(path[i] / 100);
    bars_from_closes(b, c, 12);
}

static const double sigma12[12] = {0.01, 0.01, 0.01, 0.01, 0.01, 0.01,
                                   0.01, 0.01, 0.01, 0.01, 0.01, 0.01};

static void test_triple_barrier_hand(void **state)
{
    (void)state;
    kr_bars b;
    path_bars(&b);
    kr_triple_barrier o;
    kr_triple_barrier_init(&o);
    o.pt = o.sl = 1;
    o.h = 3;
    o.target = sigma12;
    kr_labels l;
    kr_labels_init(&l);
    kr_error err;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    static const double lab[9] = {1, 1, -1, -1, 1, 1, 1, -1, -1};
    static const int64_t end[9] = {2, 2, 4, 4, 7, 8, 8, 10, 11};
    static const double ret[9] = {0.016, 0.011,  -0.015, -0.011, 0.001,
                                  0.014, 0.012,  -0.001, -0.009};
    assert_int_equal(l.n, 12);
    for (int t = 0; t < 9; t++) {
        if (l.label[t] != lab[t] || l.end[t] != end[t])
            fail_msg("row %d: label %g end %lld, want %g end %lld", t,
                     l.label[t], (long long)l.end[t], lab[t],
                     (long long)end[t]);
        near(l.ret[t], ret[t], 1e-15);
    }
    for (int t = 9; t < 12; t++)
        assert_true(isnan(l.label[t]) && l.end[t] == -1 && isnan(l.ret[t]));
    assert_int_equal(l.labeled, 9);
    assert_int_equal(l.no_future, 3);
    assert_int_equal(l.no_vol, 0);
    assert_int_equal(l.by_barrier[0], 4); /* rows 0, 1, 5, 6 */
    assert_int_equal(l.by_barrier[1], 2); /* rows 2, 3 */
    assert_int_equal(l.by_barrier[2], 3); /* rows 4, 7, 8 */

    /* The vertical barrier labelled 0. */
    o.vertical_zero = true;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    assert_true(l.label[4] == 0 && l.label[7] == 0 && l.label[8] == 0);
    assert_true(l.label[0] == 1 && l.label[2] == -1);
    near(l.ret[7], -0.001, 1e-15); /* the return is kept */

    /* No stop-loss: row 2 falls -0.4, -1.5, -2.1 to the vertical barrier at
     * 5; row 3 -1.1, -1.7, -1.5 to 6. */
    o.vertical_zero = false;
    o.sl = 0;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    assert_true(l.label[2] == -1 && l.end[2] == 5);
    near(l.ret[2], -0.021, 1e-15);
    assert_true(l.label[3] == -1 && l.end[3] == 6);
    assert_int_equal(l.by_barrier[1], 0);
    /* No profit-take: row 0 +0.5, +1.6, +1.2 to the vertical at 3. */
    o.sl = 1;
    o.pt = 0;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    assert_true(l.label[0] == 1 && l.end[0] == 3);
    near(l.ret[0], 0.012, 1e-15);
    assert_int_equal(l.by_barrier[0], 0);
    /* Wider barriers (pt = 2 sigma): row 0 never reaches +2.0, vertical. */
    o.pt = 2;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    assert_true(l.end[0] == 3 && l.end[5] == 8 && l.label[5] == 1);
    near(l.ret[5], 0.014, 1e-15); /* vertical at 8 as well: +1.4 */

    /* Average uniqueness of the first labelling: spans [0,2] [1,2] [2,4]
     * [3,4] [4,7] [5,8] [6,8] [7,10] [8,11]; concurrency by bar
     * 1 2 3 2 3 2 3 4 4 2 2 1. Row 0: (1 + 1/2 + 1/3) / 3 = 11/18; row 1:
     * (1/2 + 1/3) / 2 = 5/12; row 4: (1/3 + 1/2 + 1/3 + 1/4) / 4 = 17/48;
     * row 8: (1/4 + 1/2 + 1/2 + 1) / 4 = 9/16. */
    o.pt = 1;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    assert_int_equal(kr_labels_weights(&l), KR_OK);
    near(l.weight[0], 11.0 / 18, 1e-15);
    near(l.weight[1], 5.0 / 12, 1e-15);
    near(l.weight[4], 17.0 / 48, 1e-15);
    near(l.weight[8], 9.0 / 16, 1e-15);
    assert_true(isnan(l.weight[9]) && isnan(l.weight[11]));

    kr_labels_free(&l);
    kr_bars_free(&b);
}

/* High/low touching on three bars; row 0 close 100, sigma 0.01, so
 * P+ = 100 e^0.01 = 101.005 and P- = 100 e^-0.01 = 99.005. */
static void hl_case(double o1, double h1, double l1, double c1, double want,
                    double want_ret)
{
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 3, 0), KR_OK);
    kr_bars_push(&b, 0, 100, 100, 100, 100, 1, 0, 0);
    kr_bars_push(&b, KR_NS_PER_DAY, o1, h1, l1, c1, 1, 0, 0);
    kr_bars_push(&b, 2 * KR_NS_PER_DAY, c1, c1, c1, 100.1, 1, 0, 0);
    kr_triple_barrier o;
    kr_triple_barrier_init(&o);
    o.pt = o.sl = 1;
    o.h = 2;
    o.touch = KR_TOUCH_HL;
    o.target = sigma12;
    kr_labels l;
    kr_labels_init(&l);
    kr_error err;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    if (l.label[0] != want)
        fail_msg("bar %g/%g/%g/%g: label %g, want %g", o1, h1, l1, c1,
                 l.label[0], want);
    near(l.ret[0], want_ret, 1e-15);
    assert_int_equal(l.labeled, 1);
    assert_int_equal(l.no_future, 2);
    kr_labels_free(&l);
    kr_bars_free(&b);
}

static void test_triple_barrier_hl(void **state)
{
    (void)state;
    /* Both barriers inside one bar, opened between them: the order is
     * unknown, read as the stop, exit at P-: ret -0.01. */
    hl_case(100, 101.5, 98.5, 100.2, -1, -0.01);
    /* The same tie, but the bar opened above P+: the profit came first, exit
     * at the open: log(1.02). */
    hl_case(102, 102.5, 98, 100.2, 1, log(1.02));
    /* ... or below P-: exit at the open, log(0.98). */
    hl_case(98, 102, 97, 100.2, -1, log(0.98));
    /* Only the high reaches: exit at P+, ret 0.01. */
    hl_case(100, 101.2, 99.5, 100.3, 1, 0.01);
    /* Neither: the vertical barrier at bar 2, close 100.1. */
    hl_case(100, 100.9, 99.1, 100.3, 1, log(1.001));
    /* Closes alone would not touch: in close mode, 100.2 then 100.1. */
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 3, 0), KR_OK);
    kr_bars_push(&b, 0, 100, 100, 100, 100, 1, 0, 0);
    kr_bars_push(&b, KR_NS_PER_DAY, 100, 101.5, 98.5, 100.2, 1, 0, 0);
    kr_bars_push(&b, 2 * KR_NS_PER_DAY, 100, 100, 100, 100.1, 1, 0, 0);
    kr_triple_barrier o;
    kr_triple_barrier_init(&o);
    o.pt = o.sl = 1;
    o.h = 2;
    o.target = sigma12;
    kr_labels l;
    kr_labels_init(&l);
    kr_error err;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);
    assert_true(l.label[0] == 1 && l.end[0] == 2);
    assert_int_equal(l.by_barrier[2], 1);
    kr_labels_free(&l);
    kr_bars_free(&b);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static void walk(kr_bars *b, size_t n, uint64_t seed)
{
    assert_int_equal(kr_bars_init(b, 0, n, 0), KR_OK);
    uint64_t s = seed;
    double c = 50;
    for (size_t i = 0; i < n; i++) {
        c *= exp(0.02 * ((double)lcg(&s) / 9007199254740992.0 - 0.5));
        kr_bars_push(b, (kr_ts)i * KR_NS_PER_HOUR, c, c, c, c, 1, 0, 0);
    }
}

/* The rolling volatility is the vol feature; labels match a reference
 * loop; a label is the same on any prefix that holds its end. */
static void test_triple_barrier_vol(void **state)
{
    (void)state;
    const size_t n = 200;
    kr_bars b;
    walk(&b, n, 9);
    kr_triple_barrier o;
    kr_triple_barrier_init(&o); /* pt 2, sl 2, h 10, vol 20 */
    kr_labels l;
    kr_labels_init(&l);
    kr_error err;
    assert_int_equal(kr_label_triple_barrier(&b, &o, &l, &err), KR_OK);

    kr_featureset fs;
    assert_int_equal(kr_featureset_parse("vol:20", &fs, &err), KR_OK);
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    assert_int_equal(kr_featureset_compute(&fs, &b, &m), KR_OK);
    assert_memory_equal(l.sigma, kr_feature_matrix_col(&m, 0),
                        n * sizeof(double));

    /* Rows 0-19 have no volatility, 190-199 no future. */
    assert_int_equal(l.no_vol, 20);
    assert_int_equal(l.no_future, 10);
    assert_int_equal(l.labeled, 170);
    for (size_t t = 20; t < 190; t++) {
        double s = l.sigma[t], want = NAN, r = 0;
        size_t j;
        for (j = t + 1; j <= t + 10; j++) {
            r = log(b.close[j] / b.close[t]);
            if (r >= 2 * s) {
                want = 1;
                break;
            }
            if (r <= -2 * s) {
                want = -1;
                break;
            }
        }
        if (j > t + 10) {
            j = t + 10;
            want = r > 0 ? 1 : r < 0 ? -1 : 0;
        }
        if (l.label[t] != want || l.end[t] != (int64_t)j || l.ret[t] != r)
            fail_msg("row %zu: %g %lld, want %g %zu", t, l.label[t],
                     (long long)l.end[t], want, j);
    }
    /* Cut the series after bar 120: labels ending by 119 are unchanged. */
    kr_bars view = b;
    view.n = 120;
    kr_labels p;
    kr_labels_init(&p);
    assert_int_equal(kr_label_triple_barrier(&view, &o, &p, &err), KR_OK);
    for (size_t t = 0; t < 120; t++) {
        if (p.end[t] >= 0) {
            assert_true(p.label[t] == l.label[t] && p.end[t] == l.end[t]);
        } else if (t >= 20) {
            assert_true(t + 10 >= 120); /* missing only for want of future */
        }
    }
    kr_labels_free(&p);
    kr_feature_matrix_free(&m);
    kr_featureset_free(&fs);
    kr_labels_free(&l);
    kr_bars_free(&b);
}

static void test_horizon(void **state)
{
    (void)state;
    /* Closes 100 101 100 99 101 99, h = 2:
     * row 0: 100/100 -> ret 0, label 0;  row 1: 99/101 -> -1;
     * row 2: 101/100 -> +1;              row 3: 99/99 -> 0;
     * rows 4, 5: no future. */
    const double c[6] = {100, 101, 100, 99, 101, 99};
    kr_bars b;
    bars_from_closes(&b, c, 6);
    kr_horizon o;
    kr_horizon_init(&o);
    o.h = 2;
    kr_labels l;
    kr_labels_init(&l);
    kr_error err;
    assert_int_equal(kr_label_horizon(&b, &o, &l, &err), KR_OK);
    static const double lab[4] = {0, -1, 1, 0};
    for (int t = 0; t < 4; t++) {
        assert_true(l.label[t] == lab[t]);
        assert_int_equal(l.end[t], t + 2);
    }
    near(l.ret[1], log(99.0 / 101), 1e-16);
    assert_true(l.ret[0] == 0 && l.ret[3] == 0);
    assert_true(l.end[4] == -1 && l.end[5] == -1 && isnan(l.label[4]));
    assert_int_equal(l.labeled, 4);
    assert_int_equal(l.no_future, 2);

    /* A band of k = 1 around a target of 0.015: row 1 (-0.0200) stays -1,
     * row 2 (log 1.01 = 0.00995) falls inside: 0. */
    const double target[6] = {0.015, 0.015, 0.015, 0.015, 0.015, 0.015};
    o.k = 1;
    o.target = target;
    assert_int_equal(kr_label_horizon(&b, &o, &l, &err), KR_OK);
    assert_true(l.label[0] == 0 && l.label[1] == -1 && l.label[2] == 0 &&
                l.label[3] == 0);

    /* The rolling volatility with vol = 2: rows 0, 1 have none. Row 2:
     * sigma = |log(100/101) - log(101/100)| / sqrt(2) = sqrt(2) log(1.01)
     * = 0.01407 > ret 0.00995: label 0. Row 3: sigma = 7.1e-5, ret 0:
     * inside (bounds included): 0. */
    o.target = NULL;
    o.vol = 2;
    assert_int_equal(kr_label_horizon(&b, &o, &l, &err), KR_OK);
    assert_int_equal(l.no_vol, 2);
    assert_int_equal(l.labeled, 2);
    near(l.sigma[2], sqrt(2) * log(1.01), 1e-15);
    assert_true(l.label[2] == 0 && l.label[3] == 0);
    kr_labels_free(&l);
    kr_bars_free(&b);
}

static void bad_tb(const char *s, const char *field)
{
    kr_triple_barrier o;
    kr_triple_barrier_init(&o);
    kr_error err;
    kr_error_clear(&err);
    if (kr_triple_barrier_parse(s, &o, &err) != KR_EINVAL)
        fail_msg("'%s' accepted", s);
    if (strcmp(err.field, field))
        fail_msg("'%s': field '%s', want '%s'", s, err.field, field);
    assert_true(err.msg[0] != '\0');
    assert_true(o.pt == 2 && o.h == 10); /* unchanged */
}

static void test_options(void **state)
{
    (void)state;
    kr_triple_barrier o;
    kr_triple_barrier_init(&o);
    kr_error err;
    assert_int_equal(kr_triple_barrier_parse("pt=1.5,sl=3,h=7,vol=30,"
                                             "vertical=zero,touch=hl",
                                             &o, &err),
                     KR_OK);
    assert_true(o.pt == 1.5 && o.sl == 3 && o.h == 7 && o.vol == 30 &&
                o.vertical_zero && o.touch == KR_TOUCH_HL);
    assert_int_equal(kr_triple_barrier_parse("h=4", &o, &err), KR_OK);
    assert_true(o.h == 4 && o.pt == 1.5);
    bad_tb("pt=-1", "pt");
    bad_tb("pt=abc", "pt");
    bad_tb("h=0", "h");
    bad_tb("h=2.5", "h");
    bad_tb("vol=1", "vol");
    bad_tb("foo=1", "foo");
    bad_tb("pt=0,sl=0", "pt");
    bad_tb("vertical=maybe", "vertical");
    bad_tb("touch=open", "touch");
    bad_tb("pt", "pt");
    bad_tb("", "");
    bad_tb("h=5,", "");

    kr_horizon hz;
    kr_horizon_init(&hz);
    assert_int_equal(kr_horizon_parse("h=5,k=0.5,vol=20", &hz, &err), KR_OK);
    assert_true(hz.h == 5 && hz.k == 0.5 && hz.vol == 20);
    assert_int_equal(kr_horizon_parse("k=x", &hz, &err), KR_EINVAL);
    assert_string_equal(err.field, "k");
    assert_int_equal(kr_horizon_parse("pt=1", &hz, &err), KR_EINVAL);
    assert_string_equal(err.field, "pt");
    assert_int_equal(kr_horizon_parse("h=0", &hz, &err), KR_EINVAL);
    assert_string_equal(err.field, "h");
    assert_true(hz.h == 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triple_barrier_hand),
        cmocka_unit_test(test_triple_barrier_hl),
        cmocka_unit_test(test_triple_barrier_vol),
        cmocka_unit_test(test_horizon),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

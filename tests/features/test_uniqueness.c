/* test_uniqueness.c -- tests of src/features/uniqueness.c: average
 * uniqueness of overlapping labels (AFML ch. 4).
 *
 * Three labels worked by hand, absent labels and bad spans, and 200 random
 * sets of spans against the definition computed the slow way (count the
 * labels over each bar, then average 1/c over each span).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kairos/features.h"

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void test_three_labels(void **state)
{
    (void)state;
    /* Spans [0,2], [1,3], [3,4] over 5 bars: concurrency 1 2 2 2 1.
     * u0 = (1 + 1/2 + 1/2) / 3 = 2/3; u1 = (1/2 + 1/2 + 1/2) / 3 = 1/2;
     * u2 = (1/2 + 1) / 2 = 3/4. */
    const int64_t start[3] = {0, 1, 3}, end[3] = {2, 3, 4};
    double w[3], c[5];
    assert_int_equal(kr_uniqueness(5, 3, start, end, w, c), KR_OK);
    const double wc[5] = {1, 2, 2, 2, 1};
    for (int t = 0; t < 5; t++)
        assert_true(c[t] == wc[t]);
    near(w[0], 2.0 / 3, 1e-15);
    near(w[1], 0.5, 1e-15);
    near(w[2], 0.75, 1e-15);
}

static void test_absent_and_bad(void **state)
{
    (void)state;
    /* A label alone has weight 1; an absent one (end -1) NaN and no part in
     * the counts; bar 3 is covered by no label (c = 0). */
    const int64_t start[3] = {0, 1, 4}, end[3] = {2, -1, 4};
    double w[3], c[5];
    assert_int_equal(kr_uniqueness(5, 3, start, end, w, c), KR_OK);
    assert_true(w[0] == 1 && isnan(w[1]) && w[2] == 1);
    assert_true(c[0] == 1 && c[3] == 0 && c[4] == 1);
    /* Two labels on the same bars: 1/2 each. */
    const int64_t s2[2] = {1, 1}, e2[2] = {3, 3};
    assert_int_equal(kr_uniqueness(5, 2, s2, e2, w, NULL), KR_OK);
    assert_true(w[0] == 0.5 && w[1] == 0.5);

    const int64_t bs[1] = {3}, be[1] = {2};
    assert_int_equal(kr_uniqueness(5, 1, bs, be, w, NULL), KR_EINVAL);
    const int64_t os[1] = {3}, oe[1] = {5};
    assert_int_equal(kr_uniqueness(5, 1, os, oe, w, NULL), KR_EINVAL);
    const int64_t ns[1] = {-1}, ne[1] = {2};
    assert_int_equal(kr_uniqueness(5, 1, ns, ne, w, NULL), KR_EINVAL);
    assert_int_equal(kr_uniqueness(0, 0, NULL, NULL, NULL, NULL), KR_OK);
}

static void test_random_against_definition(void **state)
{
    (void)state;
    srand(12345);
    enum { BARS = 150, LABELS = 120 };
    int64_t start[LABELS], end[LABELS];
    double w[LABELS], c[BARS];
    for (int rep = 0; rep < 200; rep++) {
        for (int i = 0; i < LABELS; i++) {
            start[i] = rand() % BARS;
            int64_t len = rand() % (rep % 20 + 1);
            end[i] = start[i] + len < BARS ? start[i] + len : BARS - 1;
            if (rand() % 10 == 0)
                end[i] = -1;
        }
        assert_int_equal(kr_uniqueness(BARS, LABELS, start, end, w, c), KR_OK);
        for (int t = 0; t < BARS; t++) {
            int cnt = 0;
            for (int i = 0; i < LABELS; i++)
                cnt += end[i] >= 0 && start[i] <= t && t <= end[i];
            assert_true(c[t] == cnt);
        }
        for (int i = 0; i < LABELS; i++) {
            if (end[i] < 0) {
                assert_true(isnan(w[i]));
                continue;
            }
            double s = 0;
            for (int64_t t = start[i]; t <= end[i]; t++)
                s += 1.0 / c[t];
            near(w[i], s / (double)(end[i] - start[i] + 1), 1e-12);
            assert_true(w[i] > 0 && w[i] <= 1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_labels),
        cmocka_unit_test(test_absent_and_bad),
        cmocka_unit_test(test_random_against_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

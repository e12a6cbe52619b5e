/* test_cv.c -- tests of src/validate/cv.c: the binomial coefficient, the
 * embargo's row count, and purging and the embargo of every scheme
 * against a brute-force reference on random label spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/validate.h"

static void test_binomial(void **state)
{
    (void)state;
    assert_int_equal(kr_cv_binomial(6, 2), 15);
    assert_int_equal(kr_cv_binomial(6, 0), 1);
    assert_int_equal(kr_cv_binomial(6, 6), 1);
    assert_int_equal(kr_cv_binomial(6, 7), 0);
    assert_int_equal(kr_cv_binomial(16, 8), 12870);
    assert_int_equal(kr_cv_binomial(24, 12), 2704156);
    assert_int_equal(kr_cv_binomial(0, 0), 1);
    if (sizeof(size_t) == 8) {
        /* C(67, 33) = 14226520737620288370 still fits 64 bits (Python's
         * math.comb); C(68, 34) = 28453041475240576740 does not. */
        assert_true(kr_cv_binomial(67, 33) ==
                    (size_t)14226520737620288370ULL);
        assert_true(kr_cv_binomial(68, 34) == SIZE_MAX);
    }
}

static void test_embargo_rows(void **state)
{
    (void)state;
    assert_int_equal(kr_cv_embargo_rows(0, 1000), 0);
    assert_int_equal(kr_cv_embargo_rows(0.1, 10), 1);
    assert_int_equal(kr_cv_embargo_rows(0.01, 1000), 10);
    /* 0.07 x 100 is 7.000000000000001 in doubles: still 7 rows. */
    assert_int_equal(kr_cv_embargo_rows(0.07, 100), 7);
    assert_int_equal(kr_cv_embargo_rows(0.015, 100), 2); /* ceil 1.5 */
    assert_int_equal(kr_cv_embargo_rows(0.001, 10), 1);  /* ceil 0.01 */
    assert_int_equal(kr_cv_embargo_rows(0.3, 10), 3);
}

/* ------------------------------------------------------------------------
 * The brute-force reference: the definitions of docs/validation.md
 * applied pair by pair, O(n^2) a split.
 * ------------------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static size_t draw(size_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (size_t)(rng % n);
}

/* Checks one split: test[] marks the split's test rows, the candidates
 * are the rows of [lo, hi) outside the test. */
static void check_split(const kr_cv_split *s, const size_t *st,
                        const size_t *en, size_t n, size_t lo, size_t hi,
                        size_t h)
{
    unsigned char *test = calloc(n, 1);
    assert_non_null(test);
    for (size_t i = 0; i < s->ntest; i++) {
        if (i)
            assert_true(s->test[i - 1] < s->test[i]);
        test[s->test[i]] = 1;
    }
    size_t k = 0, purged = 0, emb = 0;
    for (size_t i = lo; i < hi; i++) {
        if (test[i])
            continue;
        int drop = 0;
        for (size_t j = 0; j < n && !drop; j++)
            if (test[j] && st[i] <= en[j] && st[j] <= en[i])
                drop = 1;
        if (drop) {
            purged++;
            continue;
        }
        for (size_t b = 0; b < n && !drop; b++)
            if (test[b] && (b + 1 == n || !test[b + 1]) && st[i] > b &&
                st[i] <= b + h)
                drop = 1;
        if (drop) {
            emb++;
            continue;
        }
        assert_true(k < s->ntrain);
        assert_int_equal(s->train[k], i);
        k++;
    }
    assert_int_equal(k, s->ntrain);
    assert_int_equal(purged, s->purged);
    assert_int_equal(emb, s->embargoed);
    free(test);
}

static void test_reference(void **state)
{
    (void)state;
    enum { N = 97 };
    size_t st[N], en[N];
    kr_cv cv;
    kr_cv_init(&cv);
    for (int round = 0; round < 60; round++) {
        /* Starts near the sample's row but not ordered; spans of 0 to 11
         * rows, some reaching past the last sample. */
        for (size_t i = 0; i < N; i++) {
            size_t d = draw(5); /* start = i - 2 .. i + 2 */
            st[i] = i + d >= 2 ? i + d - 2 : 0;
            en[i] = st[i] + (round % 3 == 0 ? draw(3) : draw(12));
        }
        kr_cv_labels lab = {N, st, en};
        double emb = (double)draw(8) / 100; /* 0 .. 0.07 */
        size_t h = kr_cv_embargo_rows(emb, N);

        size_t k = 2 + draw(9);
        assert_int_equal(kr_cv_kfold(&cv, &lab, k, emb, NULL), KR_OK);
        assert_int_equal(cv.nsplits, k);
        for (size_t f = 0; f < k; f++) {
            /* Fold f: N / k rows, one more for the first N mod k. */
            size_t a = f * (N / k) + (f < N % k ? f : N % k);
            size_t len = N / k + (f < N % k);
            assert_int_equal(cv.splits[f].ntest, len);
            assert_int_equal(cv.splits[f].test[0], a);
            check_split(&cv.splits[f], st, en, N, 0, N, h);
        }

        size_t groups = 3 + draw(6), kt = 1 + draw(groups - 1);
        assert_int_equal(kr_cv_cpcv(&cv, &lab, groups, kt, emb, NULL),
                         KR_OK);
        for (size_t s = 0; s < cv.nsplits; s++)
            check_split(&cv.splits[s], st, en, N, 0, N, h);

        size_t w = 5 + draw(40), t = 1 + draw(20), step = 1 + draw(25);
        int rolling = (int)draw(2);
        assert_int_equal(kr_cv_walk(&cv, &lab, w, t, step, rolling, emb,
                                    NULL),
                         KR_OK);
        size_t expect = (N - w + step - 1) / step;
        assert_int_equal(cv.nsplits, expect);
        for (size_t s = 0; s < cv.nsplits; s++) {
            size_t at = w + s * step;
            assert_int_equal(cv.splits[s].test[0], at);
            assert_int_equal(cv.splits[s].ntest, at + t <= N ? t : N - at);
            check_split(&cv.splits[s], st, en, N, rolling ? at - w : 0, at,
                        h);
        }
    }
    kr_cv_free(&cv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binomial),
        cmocka_unit_test(test_embargo_rows),
        cmocka_unit_test(test_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

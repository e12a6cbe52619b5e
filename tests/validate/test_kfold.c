/* test_kfold.c -- tests of src/validate/kfold.c: purged k-fold with and
 * without an embargo, every train and test set derived by hand below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/validate.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void same_set(const size_t *got, size_t ngot, const size_t *want,
                     size_t nwant)
{
    assert_int_equal(ngot, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(got[i], want[i]);
}

/* n = 10 samples, each label spanning the next two bars: end_i = min(i+2,
 * 9). Spans: 0[0,2] 1[1,3] 2[2,4] 3[3,5] 4[4,6] 5[5,7] 6[6,8] 7[7,9]
 * 8[8,9] 9[9,9]. k = 3: 10 = 4 + 3 + 3, the first fold larger: rows 0-3,
 * 4-6, 7-9. */
static size_t end10[10] = {2, 3, 4, 5, 6, 7, 8, 9, 9, 9};

static void check_fold(const kr_cv *cv, size_t f, const size_t *test,
                       size_t ntest, const size_t *train, size_t ntrain,
                       size_t purged, size_t embargoed)
{
    const kr_cv_split *s = &cv->splits[f];
    same_set(s->test, s->ntest, test, ntest);
    same_set(s->train, s->ntrain, train, ntrain);
    assert_int_equal(s->purged, purged);
    assert_int_equal(s->embargoed, embargoed);
    assert_int_equal(s->ngroups, 1);
    assert_int_equal(s->groups[0], f);
}

static void test_overlapping_no_embargo(void **state)
{
    (void)state;
    kr_cv_labels lab = {10, NULL, end10};
    kr_cv cv;
    kr_cv_init(&cv);
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 0, NULL), KR_OK);
    assert_int_equal(cv.scheme, KR_CV_KFOLD);
    assert_int_equal(cv.nsplits, 3);
    assert_int_equal(cv.ngroups, 3);
    size_t bounds[] = {0, 4, 7, 10};
    same_set(cv.group_first, 4, bounds, 4);
    assert_int_equal(cv.npaths, 0);
    assert_null(cv.paths);
    /* Fold 0, test 0-3: the test spans cover rows [0,5]. Candidate 4
     * [4,6] and 5 [5,7] start at or before 5: purged. 6 [6,8] does not
     * reach back: train 6, 7, 8, 9. */
    size_t t0[] = {0, 1, 2, 3}, r0[] = {6, 7, 8, 9};
    check_fold(&cv, 0, t0, 4, r0, 4, 2, 0);
    /* Fold 1, test 4-6: spans cover [4,8]. Before: 2 [2,4] and 3 [3,5]
     * reach 4, purged; 0 [0,2] and 1 [1,3] stay. After: 7 [7,9] and 8
     * [8,9] start by 8, purged; 9 [9,9] stays. Train 0, 1, 9. */
    size_t t1[] = {4, 5, 6}, r1[] = {0, 1, 9};
    check_fold(&cv, 1, t1, 3, r1, 3, 4, 0);
    /* Fold 2, test 7-9: spans cover [7,9]. 5 [5,7] and 6 [6,8] reach 7,
     * purged; 4 [4,6] stays. Train 0-4. */
    size_t t2[] = {7, 8, 9}, r2[] = {0, 1, 2, 3, 4};
    check_fold(&cv, 2, t2, 3, r2, 5, 2, 0);
    kr_cv_free(&cv);
}

static void test_overlapping_embargo(void **state)
{
    (void)state;
    kr_cv_labels lab = {10, NULL, end10};
    kr_cv cv;
    kr_cv_init(&cv);
    /* Embargo 0.1: ceil(0.1 x 10) = 1 row after each test block. After
     * fold 0 that is row 4, after fold 1 row 7: both already purged, so
     * the sets are those without an embargo and nothing counts as
     * embargoed. Fold 2 ends the data. */
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 0.1, NULL), KR_OK);
    assert_int_equal(cv.embargo_rows, 1);
    size_t t0[] = {0, 1, 2, 3}, r0[] = {6, 7, 8, 9};
    size_t t1[] = {4, 5, 6}, r1[] = {0, 1, 9};
    size_t t2[] = {7, 8, 9}, r2[] = {0, 1, 2, 3, 4};
    check_fold(&cv, 0, t0, 4, r0, 4, 2, 0);
    check_fold(&cv, 1, t1, 3, r1, 3, 4, 0);
    check_fold(&cv, 2, t2, 3, r2, 5, 2, 0);
    /* Embargo 0.3: 3 rows. Fold 0: rows 4-6; 4 and 5 are purged, 6 is
     * embargoed: train 7, 8, 9. Fold 1: rows 7-9; 9 embargoed: train 0,
     * 1. Fold 2: nothing follows. */
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 0.3, NULL), KR_OK);
    assert_int_equal(cv.embargo_rows, 3);
    size_t e0[] = {7, 8, 9}, e1[] = {0, 1};
    check_fold(&cv, 0, t0, 4, e0, 3, 2, 1);
    check_fold(&cv, 1, t1, 3, e1, 2, 4, 1);
    check_fold(&cv, 2, t2, 3, r2, 5, 2, 0);
    kr_cv_free(&cv);
}

static void test_point_labels_embargo(void **state)
{
    (void)state;
    /* Labels on their own bar (end NULL): nothing overlaps, so only the
     * embargo acts. Embargo 0.1 of 10 rows = 1 row: fold 0 (0-3) loses
     * row 4, fold 1 (4-6) loses row 7. */
    kr_cv_labels lab = {10, NULL, NULL};
    kr_cv cv;
    kr_cv_init(&cv);
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 0.1, NULL), KR_OK);
    size_t t0[] = {0, 1, 2, 3}, r0[] = {5, 6, 7, 8, 9};
    size_t t1[] = {4, 5, 6}, r1[] = {0, 1, 2, 3, 8, 9};
    size_t t2[] = {7, 8, 9}, r2[] = {0, 1, 2, 3, 4, 5, 6};
    check_fold(&cv, 0, t0, 4, r0, 5, 0, 1);
    check_fold(&cv, 1, t1, 3, r1, 6, 0, 1);
    check_fold(&cv, 2, t2, 3, r2, 7, 0, 0);
    /* Without an embargo, every other row trains. */
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 0, NULL), KR_OK);
    size_t u0[] = {4, 5, 6, 7, 8, 9};
    check_fold(&cv, 0, t0, 4, u0, 6, 0, 0);
    kr_cv_free(&cv);
}

static void test_fold_sizes(void **state)
{
    (void)state;
    kr_cv cv;
    kr_cv_init(&cv);
    /* 11 = 4 + 4 + 3; 7 = 2 + 2 + 1 + 1 + 1; k = n: one row each. */
    kr_cv_labels l11 = {11, NULL, NULL};
    assert_int_equal(kr_cv_kfold(&cv, &l11, 3, 0, NULL), KR_OK);
    size_t b11[] = {0, 4, 8, 11};
    same_set(cv.group_first, 4, b11, 4);
    kr_cv_labels l7 = {7, NULL, NULL};
    assert_int_equal(kr_cv_kfold(&cv, &l7, 5, 0, NULL), KR_OK);
    size_t b7[] = {0, 2, 4, 5, 6, 7};
    same_set(cv.group_first, 6, b7, 6);
    assert_int_equal(kr_cv_kfold(&cv, &l7, 7, 0, NULL), KR_OK);
    assert_int_equal(cv.nsplits, 7);
    for (size_t f = 0; f < 7; f++) {
        assert_int_equal(cv.splits[f].ntest, 1);
        assert_int_equal(cv.splits[f].test[0], f);
        assert_int_equal(cv.splits[f].ntrain, 6);
    }
    kr_cv_free(&cv);
}

static void test_errors(void **state)
{
    (void)state;
    kr_cv cv;
    kr_cv_init(&cv);
    kr_error err;
    kr_cv_labels lab = {10, NULL, end10};
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 0, NULL), KR_OK);
    /* A refused call leaves cv empty, whatever it held. */
    assert_int_equal(kr_cv_kfold(&cv, &lab, 1, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "k");
    assert_string_equal(err.msg,
                        "expected 2 <= k <= 10 (the samples), got 1");
    assert_int_equal(cv.nsplits, 0);
    assert_null(cv.splits);
    assert_int_equal(kr_cv_kfold(&cv, &lab, 11, 0, &err), KR_EINVAL);
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, 1.0, &err), KR_EINVAL);
    assert_string_equal(err.field, "embargo");
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, -0.1, &err), KR_EINVAL);
    assert_int_equal(kr_cv_kfold(&cv, &lab, 3, NAN, &err), KR_EINVAL);
    size_t bad_end[10] = {2, 3, 4, 5, 6, 7, 8, 9, 9, 8};
    kr_cv_labels bad = {10, NULL, bad_end};
    assert_int_equal(kr_cv_kfold(&cv, &bad, 3, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "labels");
    assert_string_equal(err.msg, "sample 9: label ends at row 8 before it "
                                 "starts at row 9");
    kr_cv_labels none = {0, NULL, NULL};
    assert_int_equal(kr_cv_kfold(&cv, &none, 3, 0, &err), KR_EINVAL);
    assert_int_equal(kr_cv_kfold(&cv, NULL, 3, 0, &err), KR_EINVAL);
    assert_int_equal(kr_cv_kfold(NULL, &lab, 3, 0, &err), KR_EINVAL);
    kr_cv_free(&cv);
    kr_cv_free(&cv); /* twice is safe */
    kr_cv_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlapping_no_embargo),
        cmocka_unit_test(test_overlapping_embargo),
        cmocka_unit_test(test_point_labels_embargo),
        cmocka_unit_test(test_fold_sizes),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

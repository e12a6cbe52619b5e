/* test_walk.c -- tests of src/validate/walk.c: expanding and rolling
 * walk-forward index sets worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/validate.h"

static void same_set(const size_t *got, size_t ngot, const size_t *want,
                     size_t nwant)
{
    assert_int_equal(ngot, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(got[i], want[i]);
}

/* n = 10, labels spanning the next bar: end_i = min(i + 1, 9). */
static size_t end10[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 9};

static void test_expanding(void **state)
{
    (void)state;
    kr_cv_labels lab = {10, NULL, end10};
    kr_cv cv;
    kr_cv_init(&cv);
    /* train 4, test 2, step 2: blocks start at 4, 6, 8. Each block's
     * spans start at its first row t, so the sample t-1 (span [t-1, t])
     * is purged and the rows before it train. */
    assert_int_equal(kr_cv_walk(&cv, &lab, 4, 2, 2, 0, 0, NULL), KR_OK);
    assert_int_equal(cv.scheme, KR_CV_WALK);
    assert_int_equal(cv.nsplits, 3);
    assert_int_equal(cv.ngroups, 0);
    assert_null(cv.group_first);
    size_t t0[] = {4, 5}, r0[] = {0, 1, 2};
    size_t t1[] = {6, 7}, r1[] = {0, 1, 2, 3, 4};
    size_t t2[] = {8, 9}, r2[] = {0, 1, 2, 3, 4, 5, 6};
    same_set(cv.splits[0].test, cv.splits[0].ntest, t0, 2);
    same_set(cv.splits[0].train, cv.splits[0].ntrain, r0, 3);
    same_set(cv.splits[1].test, cv.splits[1].ntest, t1, 2);
    same_set(cv.splits[1].train, cv.splits[1].ntrain, r1, 5);
    same_set(cv.splits[2].test, cv.splits[2].ntest, t2, 2);
    same_set(cv.splits[2].train, cv.splits[2].ntrain, r2, 7);
    for (size_t s = 0; s < 3; s++) {
        assert_int_equal(cv.splits[s].purged, 1);
        assert_null(cv.splits[s].groups);
    }
    /* An embargo changes nothing: no train row follows a test block. */
    assert_int_equal(kr_cv_walk(&cv, &lab, 4, 2, 2, 0, 0.2, NULL), KR_OK);
    assert_int_equal(cv.embargo_rows, 2);
    same_set(cv.splits[2].train, cv.splits[2].ntrain, r2, 7);
    assert_int_equal(cv.splits[2].embargoed, 0);
    kr_cv_free(&cv);
}

static void test_rolling(void **state)
{
    (void)state;
    kr_cv_labels lab = {10, NULL, end10};
    kr_cv cv;
    kr_cv_init(&cv);
    /* Rolling window of 4: block at 4 trains on 0-3, at 6 on 2-5, at 8 on
     * 4-7, each losing its last row to the purge. */
    assert_int_equal(kr_cv_walk(&cv, &lab, 4, 2, 2, 1, 0, NULL), KR_OK);
    assert_int_equal(cv.nsplits, 3);
    size_t r0[] = {0, 1, 2}, r1[] = {2, 3, 4}, r2[] = {4, 5, 6};
    same_set(cv.splits[0].train, cv.splits[0].ntrain, r0, 3);
    same_set(cv.splits[1].train, cv.splits[1].ntrain, r1, 3);
    same_set(cv.splits[2].train, cv.splits[2].ntrain, r2, 3);
    kr_cv_free(&cv);
}

static void test_blocks(void **state)
{
    (void)state;
    kr_cv_labels pts = {10, NULL, NULL};
    kr_cv cv;
    kr_cv_init(&cv);
    /* train 4, test 4, step 4, point labels: blocks 4-7 and 8-9 (the last
     * cut at n); expanding trains on 0-3 then 0-7, nothing purged. */
    assert_int_equal(kr_cv_walk(&cv, &pts, 4, 4, 4, 0, 0, NULL), KR_OK);
    assert_int_equal(cv.nsplits, 2);
    size_t t0[] = {4, 5, 6, 7}, t1[] = {8, 9};
    size_t r0[] = {0, 1, 2, 3}, r1[] = {0, 1, 2, 3, 4, 5, 6, 7};
    same_set(cv.splits[0].test, cv.splits[0].ntest, t0, 4);
    same_set(cv.splits[1].test, cv.splits[1].ntest, t1, 2);
    same_set(cv.splits[0].train, cv.splits[0].ntrain, r0, 4);
    same_set(cv.splits[1].train, cv.splits[1].ntrain, r1, 8);
    /* Step shorter than the block: train 6, test 3, step 2 gives blocks
     * 6-8 and 8-9, rolling windows 0-5 and 2-7. */
    assert_int_equal(kr_cv_walk(&cv, &pts, 6, 3, 2, 1, 0, NULL), KR_OK);
    assert_int_equal(cv.nsplits, 2);
    size_t u0[] = {6, 7, 8}, u1[] = {8, 9};
    size_t w0[] = {0, 1, 2, 3, 4, 5}, w1[] = {2, 3, 4, 5, 6, 7};
    same_set(cv.splits[0].test, cv.splits[0].ntest, u0, 3);
    same_set(cv.splits[1].test, cv.splits[1].ntest, u1, 2);
    same_set(cv.splits[0].train, cv.splits[0].ntrain, w0, 6);
    same_set(cv.splits[1].train, cv.splits[1].ntrain, w1, 6);
    /* Step longer than the block leaves gaps: train 2, test 1, step 3:
     * blocks at 2, 5, 8. */
    assert_int_equal(kr_cv_walk(&cv, &pts, 2, 1, 3, 0, 0, NULL), KR_OK);
    assert_int_equal(cv.nsplits, 3);
    assert_int_equal(cv.splits[0].test[0], 2);
    assert_int_equal(cv.splits[1].test[0], 5);
    assert_int_equal(cv.splits[2].test[0], 8);
    assert_int_equal(cv.splits[2].ntrain, 8);
    /* A label that resolves far ahead purges every sample it spans:
     * sample 1 resolves at row 9, so no block after row 1 trains on
     * it. */
    size_t far[10] = {0, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    kr_cv_labels lab = {10, NULL, far};
    assert_int_equal(kr_cv_walk(&cv, &lab, 4, 4, 4, 0, 0, NULL), KR_OK);
    size_t f0[] = {0, 2, 3}, f1[] = {0, 2, 3, 4, 5, 6, 7};
    same_set(cv.splits[0].train, cv.splits[0].ntrain, f0, 3);
    same_set(cv.splits[1].train, cv.splits[1].ntrain, f1, 7);
    kr_cv_free(&cv);
}

static void test_errors(void **state)
{
    (void)state;
    kr_cv_labels lab = {10, NULL, NULL};
    kr_cv cv;
    kr_cv_init(&cv);
    kr_error err;
    assert_int_equal(kr_cv_walk(&cv, &lab, 10, 2, 2, 0, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "train");
    assert_string_equal(err.msg,
                        "expected 1 <= train < 10 (the samples), got 10");
    assert_int_equal(kr_cv_walk(&cv, &lab, 0, 2, 2, 0, 0, &err), KR_EINVAL);
    assert_int_equal(kr_cv_walk(&cv, &lab, 4, 0, 2, 0, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "test");
    assert_int_equal(kr_cv_walk(&cv, &lab, 4, 2, 0, 0, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "step");
    assert_int_equal(cv.nsplits, 0);
    kr_cv_free(&cv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expanding),
        cmocka_unit_test(test_rolling),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cpcv.c -- tests of src/validate/cpcv.c: the C(N, k) splits, the
 * backtest paths of AFML 12.4, and purged and embargoed train sets worked
 * by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

/* N = 6 groups of n = 12 rows: g0 = {0,1}, g1 = {2,3}, ..., g5 = {10,11}.
 * The 15 splits in lexicographic order of their test groups. */
static const size_t combos62[15][2] = {
    {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {1, 2}, {1, 3}, {1, 4},
    {1, 5}, {2, 3}, {2, 4}, {2, 5}, {3, 4}, {3, 5}, {4, 5}};

static void test_splits_and_paths(void **state)
{
    (void)state;
    kr_cv_labels lab = {12, NULL, NULL};
    kr_cv cv;
    kr_cv_init(&cv);
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 6, 2, 0, NULL), KR_OK);
    assert_int_equal(cv.scheme, KR_CV_CPCV);
    assert_int_equal(cv.nsplits, 15);
    assert_int_equal(cv.ngroups, 6);
    size_t bounds[] = {0, 2, 4, 6, 8, 10, 12};
    same_set(cv.group_first, 7, bounds, 7);
    for (size_t s = 0; s < 15; s++) {
        const kr_cv_split *sp = &cv.splits[s];
        same_set(sp->groups, sp->ngroups, combos62[s], 2);
        /* The test rows are the two groups' rows. */
        size_t a = combos62[s][0], b = combos62[s][1];
        size_t rows[4] = {2 * a, 2 * a + 1, 2 * b, 2 * b + 1};
        same_set(sp->test, sp->ntest, rows, 4);
        /* Point labels, no embargo: every other row trains. */
        assert_int_equal(sp->ntrain, 8);
        assert_int_equal(sp->purged + sp->embargoed, 0);
    }
    /* phi = (k/N) C(N,k) = 2/6 x 15 = 5 = C(5,1). The splits testing
     * each group, in order (read off the table above):
     *   g0: 0 1 2 3 4      g1: 0 5 6 7 8      g2: 1 5 9 10 11
     *   g3: 2 6 9 12 13    g4: 3 7 10 12 14   g5: 4 8 11 13 14
     * and path j takes the j-th of each (AFML figure 12.1). */
    assert_int_equal(cv.npaths, 5);
    static const size_t paths[5][6] = {{0, 0, 1, 2, 3, 4},
                                       {1, 5, 5, 6, 7, 8},
                                       {2, 6, 9, 9, 10, 11},
                                       {3, 7, 10, 12, 12, 13},
                                       {4, 8, 11, 13, 14, 14}};
    for (size_t j = 0; j < 5; j++)
        same_set(kr_cv_path(&cv, j), 6, paths[j], 6);
    assert_null(kr_cv_path(&cv, 5));
    kr_cv_free(&cv);
}

/* Labels spanning the next bar: end_i = min(i + 1, 11). */
static size_t end12[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11};

static void test_purged_train(void **state)
{
    (void)state;
    kr_cv_labels lab = {12, NULL, end12};
    kr_cv cv;
    kr_cv_init(&cv);
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 6, 2, 0, NULL), KR_OK);
    /* Split 7 tests g1 and g4: rows 2,3 and 8,9, two blocks. Test spans
     * 2[2,3] 3[3,4] 8[8,9] 9[9,10] cover rows [2,4] and [8,10].
     * Candidates: 0[0,1] no; 1[1,2] purged; 4[4,5] purged; 5[5,6] no;
     * 6[6,7] no; 7[7,8] purged; 10[10,11] purged; 11[11,11] no. */
    const kr_cv_split *s = &cv.splits[7];
    size_t t7[] = {2, 3, 8, 9}, r7[] = {0, 5, 6, 11};
    same_set(s->test, s->ntest, t7, 4);
    same_set(s->train, s->ntrain, r7, 4);
    assert_int_equal(s->purged, 4);
    assert_int_equal(s->embargoed, 0);
    /* Split 9 tests g2 and g3: rows 4-7, one block. Spans cover [4,8]:
     * 3[3,4] and 8[8,9] purged. Train 0, 1, 2, 9, 10, 11. */
    s = &cv.splits[9];
    size_t r9[] = {0, 1, 2, 9, 10, 11};
    same_set(s->train, s->ntrain, r9, 6);
    assert_int_equal(s->purged, 2);

    /* Embargo 0.1: ceil(1.2) = 2 rows after each block. Split 7: after
     * block 2-3 rows 4 (purged) and 5 (embargoed); after block 8-9 rows
     * 10 (purged) and 11 (embargoed). Train 0, 6. */
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 6, 2, 0.1, NULL), KR_OK);
    assert_int_equal(cv.embargo_rows, 2);
    s = &cv.splits[7];
    size_t e7[] = {0, 6};
    same_set(s->train, s->ntrain, e7, 2);
    assert_int_equal(s->purged, 4);
    assert_int_equal(s->embargoed, 2);
    /* Split 9: g2 and g3 are one block 4-7, so the embargo follows row
     * 7: rows 8 (purged) and 9 (embargoed). Train 0, 1, 2, 10, 11. */
    s = &cv.splits[9];
    size_t e9[] = {0, 1, 2, 10, 11};
    same_set(s->train, s->ntrain, e9, 5);
    assert_int_equal(s->embargoed, 1);
    /* Every split accounts for every row. */
    for (size_t i = 0; i < cv.nsplits; i++) {
        s = &cv.splits[i];
        assert_int_equal(s->ntrain + s->ntest + s->purged + s->embargoed,
                         12);
    }
    kr_cv_free(&cv);
}

static void test_path_counts(void **state)
{
    (void)state;
    /* phi = C(N-1, k-1): (6,2) 5, (10,2) 9, (8,3) C(7,2) = 21, (5,1) 1,
     * (6,3) C(5,2) = 10, (4,3) C(3,2) = 3. */
    static const size_t cases[][3] = {{6, 2, 5},  {10, 2, 9}, {8, 3, 21},
                                      {5, 1, 1},  {6, 3, 10}, {4, 3, 3}};
    kr_cv_labels lab = {40, NULL, NULL};
    kr_cv cv;
    kr_cv_init(&cv);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t N = cases[c][0], k = cases[c][1], phi = cases[c][2];
        assert_int_equal(kr_cv_cpcv_paths(N, k), phi);
        assert_int_equal(kr_cv_cpcv(&cv, &lab, N, k, 0, NULL), KR_OK);
        assert_int_equal(cv.npaths, phi);
        assert_int_equal(cv.nsplits, kr_cv_binomial(N, k));
        /* phi x N = k x C(N, k): each split fills k path slots. */
        assert_int_equal(phi * N, k * cv.nsplits);
        size_t *uses = calloc(cv.nsplits, sizeof *uses);
        assert_non_null(uses);
        for (size_t j = 0; j < phi; j++) {
            const size_t *p = kr_cv_path(&cv, j);
            for (size_t g = 0; g < N; g++) {
                /* The split of group g on path j tests g ... */
                const kr_cv_split *s = &cv.splits[p[g]];
                int tests_g = 0;
                for (size_t i = 0; i < s->ngroups; i++)
                    tests_g |= s->groups[i] == g;
                assert_true(tests_g);
                uses[p[g]]++;
                /* ... and later paths take later splits. */
                if (j > 0)
                    assert_true(kr_cv_path(&cv, j - 1)[g] < p[g]);
            }
            /* Stitched together, the test rows each split holds in its
             * group of the path are rows 0..39, each once, in order. */
            size_t next = 0;
            for (size_t g = 0; g < N; g++) {
                const kr_cv_split *s = &cv.splits[p[g]];
                for (size_t i = 0; i < s->ntest; i++)
                    if (s->test[i] >= cv.group_first[g] &&
                        s->test[i] < cv.group_first[g + 1])
                        assert_int_equal(s->test[i], next++);
            }
            assert_int_equal(next, 40);
        }
        /* Every split serves exactly k (group, path) slots. */
        for (size_t s = 0; s < cv.nsplits; s++)
            assert_int_equal(uses[s], k);
        free(uses);
    }
    assert_int_equal(kr_cv_cpcv_paths(6, 0), 0);
    assert_int_equal(kr_cv_cpcv_paths(6, 6), 0);
    kr_cv_free(&cv);
}

static void test_errors(void **state)
{
    (void)state;
    kr_cv_labels lab = {12, NULL, NULL};
    kr_cv cv;
    kr_cv_init(&cv);
    kr_error err;
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 6, 6, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "test");
    assert_string_equal(err.msg, "expected 1 <= test groups < 6, got 6");
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 6, 0, 0, &err), KR_EINVAL);
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 13, 2, 0, &err), KR_EINVAL);
    assert_string_equal(err.field, "groups");
    assert_int_equal(kr_cv_cpcv(&cv, &lab, 1, 1, 0, &err), KR_EINVAL);
    /* C(40, 20) splits are too many. */
    kr_cv_labels big = {40, NULL, NULL};
    assert_int_equal(kr_cv_cpcv(&cv, &big, 40, 20, 0, &err), KR_EINVAL);
    assert_string_equal(err.msg, "C(40, 20) splits exceed 100000");
    assert_int_equal(cv.nsplits, 0);
    kr_cv_free(&cv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splits_and_paths),
        cmocka_unit_test(test_purged_train),
        cmocka_unit_test(test_path_counts),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

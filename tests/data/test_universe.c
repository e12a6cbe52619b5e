/* test_universe.c -- kr_universe_align and kr_universe_close_ffill.
 *
 * Three daily series with offsets, written out by hand:
 *   day  1  2  3  4  5  6  7
 *   A    10 11 12 13 14 .  .     (rows 0-4)
 *   B    .  .  20 21 22 23 24    (rows 0-4)
 *   C    .  30 .  31 .  32 .     (rows 0-2)
 * The union is days 1-7 and the intersection day 4 alone. A randomized test
 * compares the heap merge with a plain sort-and-search reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
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

#define DAY(d) kr_ts_from_civil(2020, 3, d, 0, 0, 0, 0)

static void series(kr_bars *b, uint32_t sym, const int *days,
                   const double *close, size_t n)
{
    assert_int_equal(kr_bars_init(b, sym, n, 0), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kr_bars_push(b, DAY(days[i]), close[i], close[i],
                                      close[i], close[i], 1, 0, 0),
                         0);
}

typedef struct abc {
    kr_bars a, b, c;
    const kr_bars *v[3];
} abc;

static void make_abc(abc *x)
{
    static const int da[] = {1, 2, 3, 4, 5}, db[] = {3, 4, 5, 6, 7},
                     dc[] = {2, 4, 6};
    static const double ca[] = {10, 11, 12, 13, 14},
                        cb[] = {20, 21, 22, 23, 24}, cc[] = {30, 31, 32};
    series(&x->a, 0, da, ca, 5);
    series(&x->b, 1, db, cb, 5);
    series(&x->c, 2, dc, cc, 3);
    x->v[0] = &x->a;
    x->v[1] = &x->b;
    x->v[2] = &x->c;
}

static void free_abc(abc *x)
{
    kr_bars_free(&x->a);
    kr_bars_free(&x->b);
    kr_bars_free(&x->c);
}

static void test_union(void **state)
{
    (void)state;
    abc x;
    kr_universe u;
    make_abc(&x);
    assert_int_equal(kr_universe_align(x.v, 3, KR_ALIGN_UNION, &u), 0);
    assert_int_equal(u.nsym, 3);
    assert_int_equal(u.n, 7);
    static const int32_t want[7][3] = {
        {0, -1, -1}, /* day 1 */
        {1, -1, 0},  /* day 2 */
        {2, 0, -1},  /* day 3 */
        {3, 1, 1},   /* day 4 */
        {4, 2, -1},  /* day 5 */
        {-1, 3, 2},  /* day 6 */
        {-1, 4, -1}, /* day 7 */
    };
    for (size_t t = 0; t < 7; t++) {
        assert_int_equal(u.ts[t], DAY((int)t + 1));
        for (size_t s = 0; s < 3; s++)
            assert_int_equal(u.row[t * 3 + s], want[t][s]);
    }
    /* Forward fill: C on day 3 is day 2's 30, A on days 6-7 is 14, B
     * before day 3 has no value. */
    static const double ff[7][3] = {
        {10, NAN, NAN}, {11, NAN, 30}, {12, 20, 30}, {13, 21, 31},
        {14, 22, 31},   {14, 23, 32},  {14, 24, 32},
    };
    for (size_t t = 0; t < 7; t++)
        for (size_t s = 0; s < 3; s++)
            assert_near(kr_universe_close_ffill(&u, t, s), ff[t][s], 0);
    /* Out of range: NaN. */
    assert_true(isnan(kr_universe_close_ffill(&u, 7, 0)));
    assert_true(isnan(kr_universe_close_ffill(&u, 0, 3)));
    kr_universe_free(&u);
    assert_null(u.ts);
    assert_null(u.row);
    free_abc(&x);
}

static void test_intersection(void **state)
{
    (void)state;
    abc x;
    kr_universe u;
    make_abc(&x);
    assert_int_equal(kr_universe_align(x.v, 3, KR_ALIGN_INTERSECT, &u), 0);
    assert_int_equal(u.n, 1);
    assert_int_equal(u.ts[0], DAY(4));
    assert_int_equal(u.row[0], 3);
    assert_int_equal(u.row[1], 1);
    assert_int_equal(u.row[2], 1);
    kr_universe_free(&u);

    /* A and B share days 3-5: rows 2-4 of A and 0-2 of B. */
    assert_int_equal(kr_universe_align(x.v, 2, KR_ALIGN_INTERSECT, &u), 0);
    assert_int_equal(u.n, 3);
    for (size_t t = 0; t < 3; t++) {
        assert_int_equal(u.ts[t], DAY((int)t + 3));
        assert_int_equal(u.row[t * 2], (int32_t)t + 2);
        assert_int_equal(u.row[t * 2 + 1], (int32_t)t);
        assert_near(kr_universe_close_ffill(&u, t, 1), 20 + (double)t, 0);
    }
    kr_universe_free(&u);

    /* B and C: days 4 and 6. The fill reads the series itself, so it is
     * exact even for bars the intersection dropped. */
    const kr_bars *bc[] = {&x.b, &x.c};
    assert_int_equal(kr_universe_align(bc, 2, KR_ALIGN_INTERSECT, &u), 0);
    assert_int_equal(u.n, 2);
    assert_int_equal(u.ts[0], DAY(4));
    assert_int_equal(u.ts[1], DAY(6));
    assert_near(kr_universe_close_ffill(&u, 1, 0), 23, 0);
    assert_near(kr_universe_close_ffill(&u, 1, 1), 32, 0);
    kr_universe_free(&u);
    free_abc(&x);
}

static void test_edges(void **state)
{
    (void)state;
    abc x;
    kr_universe u;
    make_abc(&x);
    kr_bars empty;
    assert_int_equal(kr_bars_init(&empty, 9, 0, 0), 0);

    /* An empty series adds nothing to a union and empties an
     * intersection. */
    const kr_bars *ae[] = {&x.a, &empty};
    assert_int_equal(kr_universe_align(ae, 2, KR_ALIGN_UNION, &u), 0);
    assert_int_equal(u.n, 5);
    assert_int_equal(u.row[1], -1);
    assert_true(isnan(kr_universe_close_ffill(&u, 4, 1)));
    kr_universe_free(&u);
    assert_int_equal(kr_universe_align(ae, 2, KR_ALIGN_INTERSECT, &u), 0);
    assert_int_equal(u.n, 0);
    kr_universe_free(&u);

    /* No series at all. */
    assert_int_equal(kr_universe_align(NULL, 0, KR_ALIGN_UNION, &u), 0);
    assert_int_equal(u.n, 0);
    kr_universe_free(&u);

    /* A bad mode, a NULL series, unsorted or duplicated timestamps. */
    assert_int_equal(kr_universe_align(x.v, 3, 7, &u), KR_EINVAL);
    const kr_bars *an[] = {&x.a, NULL};
    assert_int_equal(kr_universe_align(an, 2, KR_ALIGN_UNION, &u), KR_EINVAL);
    x.c.ts[2] = x.c.ts[1];
    assert_int_equal(kr_universe_align(x.v, 3, KR_ALIGN_UNION, &u), KR_EINVAL);
    x.c.ts[2] = DAY(1);
    assert_int_equal(kr_universe_align(x.v, 3, KR_ALIGN_INTERSECT, &u),
                     KR_EINVAL);
    assert_null(u.ts);
    kr_bars_free(&empty);
    free_abc(&x);
}

/* Twelve series on random subsets of 2000 slots: the merge must equal the
 * sorted set of all (union) or common (intersection) timestamps, with the
 * row of each series found by a linear scan. */
static void test_random_against_reference(void **state)
{
    (void)state;
    enum { NS = 12, SLOTS = 2000 };
    kr_bars b[NS];
    const kr_bars *v[NS];
    static unsigned char has[NS][SLOTS];
    uint64_t x = 99;
    for (int s = 0; s < NS; s++) {
        assert_int_equal(kr_bars_init(&b[s], (uint32_t)s, 0, 0), 0);
        v[s] = &b[s];
        for (int k = 0; k < SLOTS; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            /* Dense series (every slot likely) mixed with sparse ones. */
            has[s][k] = (x >> 33) % 100 < (s % 3 == 0 ? 97u : 60u);
            if (has[s][k])
                assert_int_equal(kr_bars_push(&b[s], (kr_ts)k * 60 - 50000,
                                              k, k, k, k + s, 1, 0, 0),
                                 0);
        }
    }
    for (int mode = 0; mode < 2; mode++) {
        kr_universe u;
        assert_int_equal(kr_universe_align(v, NS, mode, &u), 0);
        size_t t = 0;
        for (int k = 0; k < SLOTS; k++) {
            int count = 0;
            for (int s = 0; s < NS; s++)
                count += has[s][k];
            if (count == 0 || (mode == KR_ALIGN_INTERSECT && count < NS))
                continue;
            assert_true(t < u.n);
            assert_int_equal(u.ts[t], (kr_ts)k * 60 - 50000);
            for (int s = 0; s < NS; s++) {
                int32_t r = u.row[t * NS + (size_t)s];
                if (has[s][k]) {
                    assert_true(r >= 0);
                    assert_int_equal(b[s].ts[r], u.ts[t]);
                } else {
                    assert_int_equal(r, -1);
                }
                /* The fill is the close (k' + s) of the latest slot k' <= k
                 * that the series has. */
                int last = k;
                while (last >= 0 && !has[s][last])
                    last--;
                assert_near(kr_universe_close_ffill(&u, t, (size_t)s),
                            last < 0 ? NAN : (double)(last + s), 0);
            }
            t++;
        }
        assert_int_equal(t, u.n);
        kr_universe_free(&u);
    }
    for (int s = 0; s < NS; s++)
        kr_bars_free(&b[s]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_union),
        cmocka_unit_test(test_intersection),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

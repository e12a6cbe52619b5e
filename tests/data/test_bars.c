/* test_bars.c -- bar and quote columns: growth, stable sort, de-duplication,
 * interval detection, and the dataset that owns series.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/data.h"

static void test_push_grows_and_keeps_values(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 7, 0, KR_BARS_ADJ | KR_BARS_LINES), KR_OK);
    assert_int_equal(b.symbol, 7);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(kr_bars_push(&b, i, i + 0.1, i + 0.2, i + 0.05,
                                      i + 0.15, i * 10, i + 0.14, i + 2),
                         KR_OK);
    assert_int_equal(b.n, 100000);
    assert_true(b.cap >= b.n);
    for (int i = 0; i < 100000; i += 997) {
        assert_true(b.ts[i] == i);
        assert_true(b.open[i] == i + 0.1 && b.high[i] == i + 0.2);
        assert_true(b.low[i] == i + 0.05 && b.close[i] == i + 0.15);
        assert_true(b.volume[i] == i * 10.0 && b.adj_close[i] == i + 0.14);
        assert_int_equal(b.line[i], i + 2);
    }
    assert_int_equal((uintptr_t)b.close % 64, 0);
    assert_true(kr_bars_is_sorted_unique(&b));
    kr_bars_free(&b);
    assert_null(b.ts);
    assert_int_equal(b.symbol, 7);
}

static void test_optional_columns_absent(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 4, 0), KR_OK);
    assert_null(b.adj_close);
    assert_null(b.line);
    for (int i = 0; i < 100; i++)
        assert_int_equal(kr_bars_push(&b, i, 1, 1, 1, 1, 1, 99, 99), KR_OK);
    assert_null(b.adj_close);
    kr_bars_free(&b);
}

static void test_sort_is_stable_and_dedupe_keeps_first(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 4, KR_BARS_LINES), KR_OK);
    /* (ts, close, line): ts 30 appears twice; its line-3 copy must stay. */
    const int64_t ts[] = {30, 10, 30, 20, 10, 40};
    for (int i = 0; i < 6; i++)
        kr_bars_push(&b, ts[i], 0, 0, 0, 100 + i, 0, 0, i + 2);
    assert_false(kr_bars_is_sorted_unique(&b));
    assert_int_equal(kr_bars_sort(&b), KR_OK);
    const int64_t want_ts[] = {10, 10, 20, 30, 30, 40};
    const int64_t want_line[] = {3, 6, 5, 2, 4, 7};
    for (int i = 0; i < 6; i++) {
        assert_true(b.ts[i] == want_ts[i]);
        assert_int_equal(b.line[i], want_line[i]);
        assert_true(b.close[i] == 100 + want_line[i] - 2);
    }
    assert_int_equal(kr_bars_dedupe(&b), 2);
    assert_int_equal(b.n, 4);
    const int64_t kept[] = {3, 5, 2, 7};
    for (int i = 0; i < 4; i++)
        assert_int_equal(b.line[i], kept[i]);
    assert_true(kr_bars_is_sorted_unique(&b));
    kr_bars_free(&b);
}

static void test_clean_sorts_and_counts(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 4, KR_BARS_LINES), KR_OK);
    /* ts 3, 1, 3, 2, 1: two repeats; the kept rows are lines 3, 5, 2. */
    const int64_t ts[] = {3, 1, 3, 2, 1};
    for (int i = 0; i < 5; i++)
        kr_bars_push(&b, ts[i], 0, 0, 0, 10 + i, 0, 0, i + 2);
    size_t dropped = 7; /* added to, not overwritten */
    assert_int_equal(kr_bars_clean(&b, &dropped), KR_OK);
    assert_int_equal(dropped, 9);
    assert_int_equal(b.n, 3);
    assert_true(b.ts[0] == 1 && b.ts[1] == 2 && b.ts[2] == 3);
    assert_int_equal(b.line[0], 3);
    assert_int_equal(b.line[1], 5);
    assert_int_equal(b.line[2], 2);
    assert_true(b.close[2] == 10.0);
    assert_int_equal(kr_bars_clean(&b, &dropped), KR_OK); /* idempotent */
    assert_int_equal(dropped, 9);
    kr_bars_free(&b);
}

static void test_interval(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, 0);
    assert_int_equal(kr_bars_interval(&b), 0);
    /* Minutes with one 5-minute hole: the mode is one minute. */
    const int64_t m[] = {0, 1, 2, 7, 8, 9};
    for (int i = 0; i < 6; i++)
        kr_bars_push(&b, m[i] * KR_NS_PER_MIN, 1, 1, 1, 1, 0, 0, 0);
    assert_int_equal(kr_bars_interval(&b), KR_NS_PER_MIN);
    /* Newest first: the same interval. */
    for (int i = 0; i < 6; i++)
        b.ts[i] = (9 - m[i]) * KR_NS_PER_MIN;
    assert_int_equal(kr_bars_interval(&b), KR_NS_PER_MIN);
    /* Ties go to the smaller gap: gaps 2, 3, 2, 3. */
    b.n = 0;
    const int64_t t[] = {0, 2, 5, 7, 10};
    for (int i = 0; i < 5; i++)
        kr_bars_push(&b, t[i], 1, 1, 1, 1, 0, 0, 0);
    assert_int_equal(kr_bars_interval(&b), 2);
    /* Timestamps at both ends of int64 do not overflow. */
    b.n = 0;
    kr_bars_push(&b, INT64_MIN + 1, 1, 1, 1, 1, 0, 0, 0);
    kr_bars_push(&b, INT64_MAX, 1, 1, 1, 1, 0, 0, 0);
    kr_bars_push(&b, INT64_MAX - 60, 1, 1, 1, 1, 0, 0, 0);
    assert_int_equal(kr_bars_interval(&b), 60);
    kr_bars_free(&b);
}

static void test_quotes_grow(void **state)
{
    (void)state;
    kr_quotes q;
    assert_int_equal(kr_quotes_init(&q, 3, 0, KR_QUOTES_RECV | KR_QUOTES_LINES),
                     KR_OK);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(kr_quotes_push(&q, i, 1.0 + i, 2.0 + i, 10, NAN,
                                        i + 5, i + 1),
                         KR_OK);
    assert_int_equal(q.n, 5000);
    assert_true(q.bid[4321] == 4322.0 && q.ask[4321] == 4323.0);
    assert_true(isnan(q.ask_size[17]));
    assert_true(q.recv_ts[4999] == 5004);
    assert_int_equal(q.line[0], 1);
    kr_quotes_free(&q);
}

static void test_dataset_series(void **state)
{
    (void)state;
    kr_dataset ds;
    assert_int_equal(kr_dataset_init(&ds, "x.csv"), KR_OK);
    assert_string_equal(ds.path, "x.csv");
    uint32_t a, b2;
    kr_symtab_intern(ds.symbols, "AAA", 3, &a);
    kr_symtab_intern(ds.symbols, "BBB", 3, &b2);
    kr_bars *s1, *s2, *again;
    assert_int_equal(kr_dataset_series(&ds, b2, 0, &s1), KR_OK);
    assert_int_equal(s1->symbol, b2);
    assert_int_equal(kr_dataset_series(&ds, a, KR_BARS_ADJ, &s2), KR_OK);
    assert_non_null(s2->adj_close);
    assert_int_equal(kr_dataset_series(&ds, b2, 0, &again), KR_OK);
    assert_ptr_equal(again, &ds.bars[0]);
    assert_int_equal(ds.nbars, 2);
    kr_dataset_free(&ds);
    assert_null(ds.bars);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_grows_and_keeps_values),
        cmocka_unit_test(test_optional_columns_absent),
        cmocka_unit_test(test_sort_is_stable_and_dedupe_keeps_first),
        cmocka_unit_test(test_clean_sorts_and_counts),
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_quotes_grow),
        cmocka_unit_test(test_dataset_series),
    };
    return cmocka_run_group_tests_name("data/bars", tests, NULL, NULL);
}

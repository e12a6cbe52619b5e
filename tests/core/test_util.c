/* test_util.c -- tests of src/core/util.c: shortest round-trip doubles,
 * aligned allocation and the monotonic clock.
 *
 * Known answers for kr_format_double come from Python, whose repr() is the
 * shortest text that reads back (`repr(1/3)` = '0.3333333333333333'); where
 * kairos's 15/16/17-digit search gives a different but equally exact text,
 * the C printf result is cited instead (`printf '%.15g' 1e-300`). The random
 * test checks the contract on 100k doubles drawn from all bit patterns, so
 * subnormals, huge exponents and both zeros all appear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <time.h>

#include "kairos/core.h"

static void expect_double(double v, const char *want)
{
    char buf[64];
    memset(buf, '#', sizeof buf);
    size_t n = kr_format_double(v, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%.17g: got \"%s\", want \"%s\"", v, buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_double_known(void **state)
{
    (void)state;
    expect_double(0.1, "0.1");                  /* repr(0.1) */
    expect_double(0.3, "0.3");
    expect_double(0.1 + 0.2, "0.30000000000000004"); /* repr(0.1+0.2) */
    expect_double(1455.219971, "1455.219971");  /* a CSV price stays as is */
    expect_double(1.0 / 3.0, "0.3333333333333333"); /* repr(1/3), 16 digits */
    expect_double(2.0 / 3.0, "0.6666666666666666"); /* repr(2/3) */
    expect_double(1e-300, "1e-300");            /* printf '%.15g' 1e-300 */
    expect_double(0.0, "0");
    expect_double(-0.0, "-0");
    expect_double(1.0, "1");
    expect_double(-2.5, "-2.5");
    expect_double(100.0, "100");
    expect_double(123456789012.0, "123456789012");
    /* 2^53 = 9007199254740992 needs 16 digits: %.15g gives
     * 9.00719925474099e+15, which reads back as a different double. */
    expect_double(9007199254740992.0, "9007199254740992");
    expect_double(1e15, "1e+15");
    expect_double(1e21, "1e+21");
    /* repr(sys.float_info.max) and repr(sys.float_info.min) */
    expect_double(DBL_MAX, "1.7976931348623157e+308");
    expect_double(DBL_MIN, "2.2250738585072014e-308");
    /* the smallest subnormal: printf '%.15g' 5e-324 = 4.94065645841247e-324,
     * which reads back as 5e-324 because no other double is near */
    expect_double(5e-324, "4.94065645841247e-324");
    expect_double(INFINITY, "inf");
    expect_double(-INFINITY, "-inf");
}

static void test_format_double_nan(void **state)
{
    (void)state;
    char buf[8] = "junk";
    assert_int_equal(kr_format_double(NAN, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    memcpy(buf, "junk", 5);
    assert_int_equal(kr_format_double(-NAN, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kr_format_double(NAN, NULL, 0), 0);
}

/* Like snprintf: a short buffer gets a terminated prefix, and the return is
 * the length of the whole shortest text, not of a longer attempt. */
static void test_format_double_buffer(void **state)
{
    (void)state;
    char *buf = malloc(3);
    assert_non_null(buf);
    assert_int_equal(kr_format_double(0.1, buf, 3), 3);
    assert_string_equal(buf, "0.");
    assert_int_equal(kr_format_double(1.0 / 3.0, buf, 3), 18);
    assert_string_equal(buf, "0.");
    assert_int_equal(kr_format_double(1.0, buf, 2), 1);
    assert_string_equal(buf, "1");
    assert_int_equal(kr_format_double(0.25, buf, 1), 4);
    assert_string_equal(buf, "");
    free(buf);
    assert_int_equal(kr_format_double(1455.219971, NULL, 0), 11);
    assert_int_equal(kr_format_double(0.1 + 0.2, NULL, 0), 19);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* For 100k doubles from random bit patterns (NaN skipped), and 100k prices
 * with few decimals: the text reads back bit for bit, fits in 25 bytes, and
 * no shorter precision among 15, 16 and 17 digits would have read back. */
static void test_format_double_random(void **state)
{
    (void)state;
    char buf[32], shorter[32];
    for (int i = 0; i < 200000; i++) {
        double v;
        if (i % 2 == 0) {
            uint64_t bits = rng();
            memcpy(&v, &bits, sizeof v);
            if (isnan(v))
                continue;
        } else {
            v = (double)(int64_t)(rng() % 100000000) / 10000.0;
        }
        size_t n = kr_format_double(v, buf, sizeof buf);
        assert_int_equal(n, strlen(buf));
        assert_true(n <= 24);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &v, sizeof v) != 0)
            fail_msg("%a -> \"%s\" -> %a", v, buf, back);
        for (int prec = 15; prec <= 16; prec++) {
            snprintf(shorter, sizeof shorter, "%.*g", prec, v);
            if (strtod(shorter, NULL) == v) {
                /* a shorter or equal precision works: it must be the one
                 * used (the first that works) */
                assert_string_equal(buf, shorter);
                break;
            }
        }
    }
}

static void test_alloc_aligned(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 100, 4096, 4097,
                                   1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = kr_alloc_aligned(sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 64, 0);
        /* the whole requested size is usable (ASan checks the bounds) */
        memset(p, 0xab, sizes[i]);
        if (sizes[i])
            assert_int_equal(p[sizes[i] - 1], 0xab);
        kr_free_aligned(p);
    }
    /* Sizes so large that rounding up to 64 would wrap fail cleanly. */
    assert_null(kr_alloc_aligned(SIZE_MAX));
    assert_null(kr_alloc_aligned(SIZE_MAX - 62));
    kr_free_aligned(NULL);
    /* Many live blocks are distinct and each aligned. */
    void *blocks[100];
    for (int i = 0; i < 100; i++) {
        blocks[i] = kr_alloc_aligned((size_t)i * 8 + 1);
        assert_non_null(blocks[i]);
        assert_int_equal((uintptr_t)blocks[i] % 64, 0);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(blocks[i], blocks[j]);
    }
    for (int i = 0; i < 100; i++)
        kr_free_aligned(blocks[i]);
}

static void test_monotonic(void **state)
{
    (void)state;
    int64_t prev = kr_monotonic_ns();
    assert_true(prev > 0);
    for (int i = 0; i < 100000; i++) {
        int64_t now = kr_monotonic_ns();
        assert_true(now >= prev);
        prev = now;
    }
    /* A 2 ms sleep shows up as at least 2 ms, and not as hours. */
    struct timespec d = {0, 2000000};
    int64_t a = kr_monotonic_ns();
    nanosleep(&d, NULL);
    int64_t b = kr_monotonic_ns();
    assert_true(b - a >= 2000000);
    assert_true(b - a < 3600 * KR_NS_PER_SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_double_known),
        cmocka_unit_test(test_format_double_nan),
        cmocka_unit_test(test_format_double_buffer),
        cmocka_unit_test(test_format_double_random),
        cmocka_unit_test(test_alloc_aligned),
        cmocka_unit_test(test_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

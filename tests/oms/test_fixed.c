/* test_fixed.c -- tests of src/oms/fixed.c: fixed-point values and notional.
 *
 * Known answers are worked by hand, and the rounding cases by exact rational
 * arithmetic (Python's fractions.Fraction of the double): 0.015 is stored as
 * 0.01499999999999999944..., so at two places it rounds to 0.01 even though
 * 0.015 * 100 in double arithmetic is exactly 1.5, and 0.025 is stored as
 * 0.02500000000000000139 and rounds to 0.03 though 0.025 * 100 is exactly
 * 2.5. Real ties (0.125, 2.5, 2^-10) go to the even neighbour.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/oms.h"

static int64_t from_double(double v, int p)
{
    int64_t raw = -12345;
    assert_int_equal(kr_fixed_from_double(v, p, &raw), KR_OK);
    return raw;
}

static void test_from_double_half_even(void **state)
{
    (void)state;
    /* Exact ties go to even. */
    assert_int_equal(from_double(0.125, 2), 12);
    assert_int_equal(from_double(0.375, 2), 38);
    assert_int_equal(from_double(0.5, 0), 0);
    assert_int_equal(from_double(1.5, 0), 2);
    assert_int_equal(from_double(2.5, 0), 2);
    assert_int_equal(from_double(3.5, 0), 4);
    assert_int_equal(from_double(-2.5, 0), -2);
    assert_int_equal(from_double(-3.5, 0), -4);
    assert_int_equal(from_double(0.0009765625, 9), 976562);   /* 2^-10 */
    assert_int_equal(from_double(0.00146484375, 9), 1464844); /* 3*2^-11 */
    /* Not ties: the double's true value decides. */
    assert_int_equal(from_double(0.015, 2), 1);
    assert_int_equal(from_double(0.025, 2), 3);
    assert_int_equal(from_double(0.045, 2), 4);
    assert_int_equal(from_double(0.085, 2), 9);
    assert_int_equal(from_double(2.675, 2), 267);
    assert_int_equal(from_double(1.005, 2), 100);
    /* Ordinary values. */
    assert_int_equal(from_double(1.1, 1), 11);
    assert_int_equal(from_double(0.1, 9), 100000000);
    assert_int_equal(from_double(123.456789, 6), 123456789);
    assert_int_equal(from_double(-123.456789, 6), -123456789);
    assert_int_equal(from_double(1e-10, 9), 0);
    assert_int_equal(from_double(6e-10, 9), 1);
    assert_int_equal(from_double(-0.0, 2), 0);
    assert_int_equal(from_double(5e-324, 9), 0); /* subnormal */
    assert_int_equal(from_double(9.2e18, 0), INT64_C(9200000000000000000));
    assert_int_equal(from_double(4503599627370497.0, 0), /* 2^52 + 1 */
                     INT64_C(4503599627370497));
}

static void test_from_double_errors(void **state)
{
    (void)state;
    int64_t raw = 77;
    assert_int_equal(kr_fixed_from_double(1e10, 9, &raw), KR_ERANGE);
    assert_int_equal(kr_fixed_from_double(9.3e18, 0, &raw), KR_ERANGE);
    assert_int_equal(kr_fixed_from_double(-9.3e18, 0, &raw), KR_ERANGE);
    assert_int_equal(kr_fixed_from_double(9223372036854775807.0, 0, &raw),
                     KR_ERANGE); /* that double is 2^63 */
    assert_int_equal(kr_fixed_from_double(1e300, 0, &raw), KR_ERANGE);
    assert_int_equal(kr_fixed_from_double(NAN, 2, &raw), KR_EINVAL);
    assert_int_equal(kr_fixed_from_double(INFINITY, 2, &raw), KR_EINVAL);
    assert_int_equal(kr_fixed_from_double(-INFINITY, 2, &raw), KR_EINVAL);
    assert_int_equal(kr_fixed_from_double(1.0, 10, &raw), KR_EINVAL);
    assert_int_equal(kr_fixed_from_double(1.0, -1, &raw), KR_EINVAL);
    assert_int_equal(raw, 77);
}

static void test_to_double_roundtrip(void **state)
{
    (void)state;
    assert_true(kr_fixed_to_double(125, 2) == 1.25);
    assert_true(kr_fixed_to_double(-1, 1) == -0.1);
    assert_true(kr_fixed_to_double(11, 1) == 1.1);
    assert_true(kr_fixed_to_double(123456789, 9) == 0.123456789);
    assert_true(isnan(kr_fixed_to_double(1, 10)));
    /* Every raw below 2^53 survives a trip through double. */
    uint64_t s = 12345;
    for (int i = 0; i < 200000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int p = (int)((s >> 20) % 10);
        int64_t raw = (int64_t)(s >> 11) - (INT64_C(1) << 52);
        int64_t back;
        assert_int_equal(
            kr_fixed_from_double(kr_fixed_to_double(raw, p), p, &back),
            KR_OK);
        assert_int_equal(back, raw);
    }
}

static void test_add_sub(void **state)
{
    (void)state;
    int64_t r = 5;
    assert_int_equal(kr_fixed_add(2, 3, &r), KR_OK);
    assert_int_equal(r, 5);
    assert_int_equal(kr_fixed_sub(2, 3, &r), KR_OK);
    assert_int_equal(r, -1);
    assert_int_equal(kr_fixed_add(INT64_MAX, 0, &r), KR_OK);
    assert_int_equal(kr_fixed_add(INT64_MAX, 1, &r), KR_ERANGE);
    assert_int_equal(kr_fixed_add(-INT64_MAX, -1, &r), KR_ERANGE);
    assert_int_equal(kr_fixed_sub(-INT64_MAX, 1, &r), KR_ERANGE);
    assert_int_equal(kr_fixed_sub(0, -INT64_MAX, &r), KR_OK);
    assert_int_equal(r, INT64_MAX);
    assert_int_equal(kr_fixed_sub(-2, INT64_MAX, &r), KR_ERANGE);
    assert_int_equal(r, INT64_MAX);
}

static void test_rescale_muldiv(void **state)
{
    (void)state;
    int64_t r = 0;
    assert_int_equal(kr_fixed_rescale(12345, 3, 2, &r), KR_OK);
    assert_int_equal(r, 1234); /* 12.345 -> 12.34 */
    assert_int_equal(kr_fixed_rescale(12355, 3, 2, &r), KR_OK);
    assert_int_equal(r, 1236); /* 12.355 -> 12.36 */
    assert_int_equal(kr_fixed_rescale(-12345, 3, 2, &r), KR_OK);
    assert_int_equal(r, -1234);
    assert_int_equal(kr_fixed_rescale(12346, 3, 2, &r), KR_OK);
    assert_int_equal(r, 1235);
    assert_int_equal(kr_fixed_rescale(1, 0, 9, &r), KR_OK);
    assert_int_equal(r, 1000000000);
    assert_int_equal(kr_fixed_rescale(INT64_MAX / 10 + 1, 0, 1, &r),
                     KR_ERANGE);
    assert_int_equal(kr_fixed_rescale(1, 0, 10, &r), KR_EINVAL);

    assert_int_equal(kr_fixed_muldiv(7, 1, 2, &r), KR_OK);
    assert_int_equal(r, 4);
    assert_int_equal(kr_fixed_muldiv(5, 1, 2, &r), KR_OK);
    assert_int_equal(r, 2);
    assert_int_equal(kr_fixed_muldiv(-5, 1, 2, &r), KR_OK);
    assert_int_equal(r, -2);
    assert_int_equal(kr_fixed_muldiv(-7, 1, -2, &r), KR_OK);
    assert_int_equal(r, 4);
    assert_int_equal(kr_fixed_muldiv(10, 1, 3, &r), KR_OK);
    assert_int_equal(r, 3);
    assert_int_equal(kr_fixed_muldiv(INT64_MAX, INT64_MAX, INT64_MAX, &r),
                     KR_OK);
    assert_int_equal(r, INT64_MAX); /* the product needs 126 bits */
    assert_int_equal(kr_fixed_muldiv(INT64_MAX, 2, 1, &r), KR_ERANGE);
    assert_int_equal(kr_fixed_muldiv(1, 1, 0, &r), KR_EINVAL);
}

static void test_notional(void **state)
{
    (void)state;
    kr_instrument in;
    int64_t n = 0;
    assert_int_equal(kr_instrument_init(&in, 0, 3, 0), KR_OK);
    assert_int_equal(in.multiplier, 1);
    assert_int_equal(in.lot_size, 0);
    /* 10.005 x 1 = 1000.5 cents: half to even. */
    assert_int_equal(kr_notional(&in, 10005, 1, 2, &n), KR_OK);
    assert_int_equal(n, 1000);
    assert_int_equal(kr_notional(&in, 10015, 1, 2, &n), KR_OK);
    assert_int_equal(n, 1002);
    assert_int_equal(kr_notional(&in, 10025, 1, 2, &n), KR_OK);
    assert_int_equal(n, 1002);
    assert_int_equal(kr_notional(&in, 10005, -1, 2, &n), KR_OK);
    assert_int_equal(n, -1000);
    assert_int_equal(kr_notional(&in, 10005, 3, 2, &n), KR_OK);
    assert_int_equal(n, 3002); /* 30.015 -> 30.02: rounded once, not 3x */
    /* An ES future: 4500.25 x 3 contracts x 50 = 675037.50. */
    kr_instrument es;
    assert_int_equal(kr_instrument_init(&es, 1, 2, 0), KR_OK);
    es.multiplier = 50;
    assert_int_equal(kr_notional(&es, 450025, 3, 2, &n), KR_OK);
    assert_int_equal(n, 67503750);
    /* More places in the currency than in price x size: scale up. */
    kr_instrument z;
    assert_int_equal(kr_instrument_init(&z, 2, 0, 0), KR_OK);
    assert_int_equal(kr_notional(&z, 5, 3, 9, &n), KR_OK);
    assert_int_equal(n, INT64_C(15000000000));
    /* Nine and nine places: the product needs more than 64 bits. */
    kr_instrument fine;
    assert_int_equal(kr_instrument_init(&fine, 3, 9, 9), KR_OK);
    assert_int_equal(kr_notional(&fine, INT64_C(123456789012),
                                 INT64_C(987654321098), 2, &n),
                     KR_OK);
    assert_int_equal(n, 12193263); /* 123.456789012 x 987.654321098 = 121932.63 */
    /* Errors. */
    assert_int_equal(kr_notional(&z, INT64_C(1000000000), INT64_C(1000000000),
                                 2, &n),
                     KR_ERANGE);
    es.multiplier = INT64_MAX;
    assert_int_equal(kr_notional(&es, INT64_MAX, INT64_MAX, 0, &n), KR_ERANGE);
    es.multiplier = 0;
    assert_int_equal(kr_notional(&es, 1, 1, 2, &n), KR_EINVAL);
    assert_int_equal(kr_notional(&z, KR_PX_NONE, 1, 2, &n), KR_EINVAL);
    assert_int_equal(kr_notional(&z, 1, 1, 10, &n), KR_EINVAL);
    assert_int_equal(kr_instrument_init(&z, 0, 10, 0), KR_EINVAL);
}

/* A million fills of 0.1 at 1.1 cost exactly 110000.00; summed in double
 * they come to 110000.00000052807. */
/* kr_notional's 64-bit path (a double estimate of the quotient corrected
 * by the exact remainder) against a plain 128-bit reference: round half to
 * even of price x qty x multiplier / 10^k, over random magnitudes, both
 * signs, exact ties and the edges of the fast path. */
static int64_t ref_notional(int64_t px, int64_t q, int64_t m, int k)
{
    __int128 n = (__int128)px * q * m, d = 1;
    for (int i = 0; i < k; i++)
        d *= 10;
    __int128 a = n < 0 ? -n : n, qq = a / d, r = a % d;
    if (2 * r > d || (2 * r == d && (qq & 1)))
        qq++;
    return (int64_t)(n < 0 ? -qq : qq);
}

static void test_notional_fast_path(void **state)
{
    (void)state;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    long checked = 0;
    for (int i = 0; i < 2000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int pp = (int)(x % 10), sp = (int)((x >> 8) % 10);
        int cp = (int)((x >> 16) % 10);
        int64_t m = (x >> 24) % 4 == 0 ? 1 + (int64_t)((x >> 30) % 1000) : 1;
        /* Magnitudes from 1 to about 2^40 each, both signs; every 8th
         * quantity a multiple of 5^k x 2^(k-1) to make ties. */
        int64_t px = (int64_t)((x >> 34) & ((1ull << (1 + (x >> 4) % 40)) - 1));
        int64_t q = (int64_t)((x * 2654435761ull) >> (24 + (x >> 12) % 40));
        if ((x >> 40) % 8 == 0)
            q = 5 * (q / 10 + 1);
        if (px == 0)
            px = 1;
        if (x & 1)
            q = -q;
        kr_instrument inst;
        assert_int_equal(kr_instrument_init(&inst, 0, pp, sp), KR_OK);
        inst.multiplier = m;
        __int128 full = (__int128)px * q * m;
        int places = pp + sp;
        if (places > cp) {
            __int128 lim = (__int128)1 << 100;
            if (full > lim || full < -lim)
                continue;
            int64_t got;
            int rc = kr_notional(&inst, px, q, cp, &got);
            int64_t want = ref_notional(px, q, m, places - cp);
            __int128 d = 1;
            for (int k = 0; k < places - cp; k++)
                d *= 10;
            __int128 w = full / d;
            if (w > INT64_MAX / 2 || w < -(INT64_MAX / 2))
                continue;
            assert_int_equal(rc, KR_OK);
            if (got != want)
                fail_msg("px %lld q %lld m %lld places %d cp %d: got %lld "
                         "want %lld", (long long)px, (long long)q,
                         (long long)m, places, cp, (long long)got,
                         (long long)want);
            checked++;
        }
    }
    assert_true(checked > 500000);
    /* Ties at the cent go to the even cent: 0.125 -> 0.12, 0.135 -> 0.14,
     * -0.125 -> -0.12 (price 0.125 at 3 places x 1 unit at 0 places). */
    kr_instrument t;
    assert_int_equal(kr_instrument_init(&t, 0, 3, 0), KR_OK);
    int64_t v;
    assert_int_equal(kr_notional(&t, 125, 1, 2, &v), KR_OK);
    assert_int_equal(v, 12);
    assert_int_equal(kr_notional(&t, 135, 1, 2, &v), KR_OK);
    assert_int_equal(v, 14);
    assert_int_equal(kr_notional(&t, 125, -1, 2, &v), KR_OK);
    assert_int_equal(v, -12);
}

static void test_million_fills_exact(void **state)
{
    (void)state;
    kr_instrument in;
    assert_int_equal(kr_instrument_init(&in, 0, 1, 1), KR_OK);
    int64_t total = 0, n;
    double dtotal = 0;
    volatile double px = 1.1, qty = 0.1;
    for (int i = 0; i < 1000000; i++) {
        assert_int_equal(kr_notional(&in, 11, 1, 2, &n), KR_OK);
        assert_int_equal(kr_fixed_add(total, n, &total), KR_OK);
        dtotal += px * qty;
    }
    assert_int_equal(n, 11);
    assert_int_equal(total, INT64_C(11000000));
    assert_true(dtotal != 110000.0);
    char buf[32];
    kr_fixed_format(total, 2, buf, sizeof buf);
    assert_string_equal(buf, "110000.00");
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(kr_fixed_format(-150, 2, buf, sizeof buf), 5);
    assert_string_equal(buf, "-1.50");
    kr_fixed_format(5, 3, buf, sizeof buf);
    assert_string_equal(buf, "0.005");
    kr_fixed_format(0, 0, buf, sizeof buf);
    assert_string_equal(buf, "0");
    kr_fixed_format(INT64_MIN, 0, buf, sizeof buf);
    assert_string_equal(buf, "-9223372036854775808");
    kr_fixed_format(INT64_MAX, 9, buf, sizeof buf);
    assert_string_equal(buf, "9223372036.854775807");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_double_half_even),
        cmocka_unit_test(test_from_double_errors),
        cmocka_unit_test(test_to_double_roundtrip),
        cmocka_unit_test(test_add_sub),
        cmocka_unit_test(test_rescale_muldiv),
        cmocka_unit_test(test_notional),
        cmocka_unit_test(test_notional_fast_path),
        cmocka_unit_test(test_million_fills_exact),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

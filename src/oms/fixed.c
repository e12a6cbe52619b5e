/* fixed.c -- fixed-point prices, quantities and money.
 *
 * A value is an int64 raw count of 10^-precision units, precision 0..9, as in
 * NautilusTrader. Addition and subtraction are exact or refused with
 * KR_ERANGE; INT64_MIN is never produced, because it is KR_PX_NONE. The only
 * operations that lose digits are the ones that must: a double coming in,
 * a rescale to fewer places, and price x quantity becoming money. Each of
 * them rounds once, half to even, from an exact intermediate:
 *
 *   - a double is split into its 53-bit integer mantissa and binary
 *     exponent, so v x 10^p is the exact integer product m x 5^p (at most
 *     74 bits, held in an __int128) shifted by e + p bits, and the bits
 *     shifted out decide the rounding. No v * 1e9 in floating point, which
 *     rounds before we do and can turn 0.4999... into a tie;
 *   - a product or a quotient is formed in __int128 (price x quantity fits
 *     in 126 bits; the multiplier is checked), and divided by a power of ten
 *     with the remainder compared to half the divisor.
 *
 * Half to even rather than half up, so that a long run of ties does not
 * drift one way: a ledger that rounds a million half-cents comes out even.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kairos/oms.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* 10^-k as doubles (not exact: only estimates are taken from them). */
static const double inv10_tab[19] = {
    1e0,  1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,  1e-8, 1e-9,
    1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18,
};

static const int64_t pow10_tab[19] = {
    INT64_C(1),
    INT64_C(10),
    INT64_C(100),
    INT64_C(1000),
    INT64_C(10000),
    INT64_C(100000),
    INT64_C(1000000),
    INT64_C(10000000),
    INT64_C(100000000),
    INT64_C(1000000000),
    INT64_C(10000000000),
    INT64_C(100000000000),
    INT64_C(1000000000000),
    INT64_C(10000000000000),
    INT64_C(100000000000000),
    INT64_C(1000000000000000),
    INT64_C(10000000000000000),
    INT64_C(100000000000000000),
    INT64_C(1000000000000000000),
};

static const int64_t pow5_tab[10] = {1, 5, 25, 125, 625, 3125, 15625, 78125,
                                     390625, 1953125};

static int precision_ok(int p)
{
    return p >= 0 && p <= KR_FIXED_MAX_PRECISION;
}

/* Rounds n / d half to even into *out. d != 0. KR_ERANGE if the quotient
 * does not fit an int64 (INT64_MIN excluded). */
static int div_round(i128 n, i128 d, int64_t *out)
{
    int neg = (n < 0) != (d < 0);
    u128 un = n < 0 ? (u128)0 - (u128)n : (u128)n;
    u128 ud = d < 0 ? (u128)0 - (u128)d : (u128)d;
    u128 q = un / ud, r = un % ud;
    u128 twice = r * 2; /* r < ud <= 2^127, so no wrap */
    if (twice > ud || (twice == ud && (q & 1)))
        q++;
    if (q > (u128)INT64_MAX)
        return KR_ERANGE;
    *out = neg ? -(int64_t)q : (int64_t)q;
    return KR_OK;
}

/* Stores n in *out if it fits an int64 other than INT64_MIN. */
static int narrow(i128 n, int64_t *out)
{
    if (n > INT64_MAX || n <= INT64_MIN)
        return KR_ERANGE;
    *out = (int64_t)n;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Conversions
 * ------------------------------------------------------------------------ */

int kr_fixed_from_double(double v, int precision, int64_t *raw)
{
    if (!isfinite(v) || !precision_ok(precision))
        return KR_EINVAL;
    if (v == 0) {
        *raw = 0;
        return KR_OK;
    }
    int ex;
    double f = frexp(fabs(v), &ex);     /* |v| = f * 2^ex, f in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(f, 53); /* exact: f has 53 bits */
    int shift = ex - 53 + precision;     /* |v| * 10^p = m * 5^p * 2^shift */
    u128 n = (u128)m * (u128)pow5_tab[precision];
    u128 q;
    if (shift >= 0) {
        if (shift > 63 || n > ((u128)INT64_MAX >> shift))
            return KR_ERANGE;
        q = n << shift;
    } else if (-shift >= 100) {
        q = 0; /* n < 2^75: far below one half */
    } else {
        int k = -shift;
        q = n >> k;
        u128 rem = n - (q << k), half = (u128)1 << (k - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
    }
    if (q > (u128)INT64_MAX)
        return KR_ERANGE;
    *raw = v < 0 ? -(int64_t)q : (int64_t)q;
    return KR_OK;
}

double kr_fixed_to_double(int64_t raw, int precision)
{
    if (!precision_ok(precision))
        return NAN;
    return (double)raw / (double)pow10_tab[precision];
}

size_t kr_fixed_format(int64_t raw, int precision, char *buf, size_t size)
{
    if (!precision_ok(precision))
        precision = 0;
    uint64_t mag = raw < 0 ? (uint64_t)0 - (uint64_t)raw : (uint64_t)raw;
    uint64_t scale = (uint64_t)pow10_tab[precision];
    int n;
    if (precision == 0)
        n = snprintf(buf, size, "%s%llu", raw < 0 ? "-" : "",
                     (unsigned long long)mag);
    else
        n = snprintf(buf, size, "%s%llu.%0*llu", raw < 0 ? "-" : "",
                     (unsigned long long)(mag / scale), precision,
                     (unsigned long long)(mag % scale));
    return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------------------
 * Arithmetic
 * ------------------------------------------------------------------------ */

int kr_fixed_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r) || r == INT64_MIN)
        return KR_ERANGE;
    *out = r;
    return KR_OK;
}

int kr_fixed_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r) || r == INT64_MIN)
        return KR_ERANGE;
    *out = r;
    return KR_OK;
}

int kr_fixed_muldiv(int64_t a, int64_t b, int64_t c, int64_t *out)
{
    if (c == 0)
        return KR_EINVAL;
    return div_round((i128)a * b, c, out);
}

int kr_fixed_rescale(int64_t raw, int from, int to, int64_t *out)
{
    if (!precision_ok(from) || !precision_ok(to))
        return KR_EINVAL;
    if (to >= from)
        return narrow((i128)raw * pow10_tab[to - from], out);
    return div_round(raw, pow10_tab[from - to], out);
}

/* ------------------------------------------------------------------------
 * Instruments and notional
 * ------------------------------------------------------------------------ */

int kr_instrument_init(kr_instrument *inst, uint32_t symbol,
                       int price_precision, int size_precision)
{
    if (!precision_ok(price_precision) || !precision_ok(size_precision))
        return KR_EINVAL;
    memset(inst, 0, sizeof *inst);
    inst->symbol = symbol;
    inst->price_precision = price_precision;
    inst->size_precision = size_precision;
    inst->lot_size = 0;
    inst->multiplier = 1;
    return KR_OK;
}

int kr_instrument_check(const kr_instrument *inst)
{
    if (!inst || !precision_ok(inst->price_precision) ||
        !precision_ok(inst->size_precision) || inst->lot_size < 0 ||
        inst->multiplier < 1)
        return KR_EINVAL;
    return KR_OK;
}

int kr_notional(const kr_instrument *inst, int64_t price, int64_t qty,
                int ccy_precision, int64_t *out)
{
    if (kr_instrument_check(inst) != KR_OK || !precision_ok(ccy_precision) ||
        price == KR_PX_NONE || qty == INT64_MIN)
        return KR_EINVAL;
    int places = inst->price_precision + inst->size_precision;
    /* The common case in 64 bits: the product fits an int64 and places
     * are dropped. The 128-bit division below costs several times more,
     * and a backtest marks every bar. */
    int64_t n;
    double qe;
    if (places > ccy_precision && !__builtin_mul_overflow(price, qty, &n) &&
        !__builtin_mul_overflow(n, inst->multiplier, &n) &&
        n > -(INT64_C(1) << 62) && n < (INT64_C(1) << 62) &&
        fabs(qe = (double)n * inv10_tab[places - ccy_precision]) <
            0x1p50) {
        /* n / d rounded half to even without an integer division: the
         * double estimate qe of the quotient is within one of it (its
         * relative error is a few 2^-53 and |qe| < 2^50), then the exact
         * remainder decides. |r| < 2d, so 2r cannot wrap. */
        const int64_t d = pow10_tab[places - ccy_precision];
        int64_t q = (int64_t)nearbyint(qe);
        int64_t r = n - q * d;
        while (2 * r > d || (2 * r == d && (q & 1))) {
            q++;
            r -= d;
        }
        while (2 * r < -d || (2 * r == -d && (q & 1))) {
            q--;
            r += d;
        }
        *out = q;
        return KR_OK;
    }
    i128 v = (i128)price * qty; /* |v| < 2^126 */
    if (__builtin_mul_overflow(v, (i128)inst->multiplier, &v))
        return KR_ERANGE;
    if (places <= ccy_precision) {
        if (__builtin_mul_overflow(v, (i128)pow10_tab[ccy_precision - places],
                                   &v))
            return KR_ERANGE;
        return narrow(v, out);
    }
    return div_round(v, pow10_tab[places - ccy_precision], out);
}

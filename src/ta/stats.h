/* stats.h -- small helpers shared by the trend-strength, band, statistics,
 * volume and moving-average indicators (adx, bbands, stddev, zscore,
 * linearreg_slope, obv, ad, adosc, vwap, sar, sma, wma, kama, macd): a
 * branch-free select, an exact division by the period without a divide,
 * eight-lane vectors and the block and group structure of the batches that
 * use them, non-temporal stores for long outputs, TA-Lib's running
 * variance, the bookkeeping of window sums that refresh themselves, the A/D
 * money flow and Wilder's directional movement.
 *
 * Everything here is a static inline function, so a helper compiles into the
 * batch loop and into the stream step alike, and both run the very same
 * operations in the same order: that is what makes batch and stream agree
 * bit for bit. The helpers that reproduce TA-Lib 0.4.0 say which part of
 * TA-Lib they follow (ta_VAR.c's running variance, ta_AD.c's money flow,
 * ta_ADX.c's directional movement) and keep its order of operations, since
 * a different order rounds differently and parity is checked value by value.
 * TA-Lib's epsilon tests, its EMA constant and its true range come from
 * ma.h, which every indicator file shares, so that there is one epsilon.
 *
 * As in ma.h, an expression whose rounding matters is split into statements
 * wherever a multiply feeds an add: clang's default -ffp-contract=on may fuse
 * a*b+c inside one expression into an FMA on targets that have one (with
 * KR_NATIVE), never across statements, and TA-Lib does not fuse. (An FMA
 * written out, as in kr__div_period and kr__sub_off_chain, is exact where
 * it stands, and gives the same bits as the operations it replaces.)
 *
 * Internal to src/ta: the kr__ prefix marks names shared between files but
 * not public.
 */
#ifndef KR_TA_STATS_H
#define KR_TA_STATS_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ma.h" /* TA-Lib's epsilon tests, EMA constant, true range */

#if defined(__AVX__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------------
 * Branch-free choice
 * ------------------------------------------------------------------------ */

/* kr__keep returns x when c holds, else +0.0, through the bits rather than
 * a branch: compilers turn `c ? x : 0.0` on doubles into a jump, and on
 * price data such conditions (did the high rise more than the low fell?)
 * are coin flips that the branch predictor loses about half the time. */
static inline double kr__keep(bool c, double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b &= -(uint64_t)c;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* ------------------------------------------------------------------------
 * Division by the period, to the last bit, without a divide
 * ------------------------------------------------------------------------ */

/* kr__div_period returns s / p exactly as the division rounds it, for a
 * whole number p from 1 to 2^20 with rp = 1 / p, using multiplies and adds
 * only: a divide occupies the one divider (shared with sqrt) for several
 * cycles, and TA-Lib's running variance needs two a bar besides its sqrt.
 *
 * q = s * rp is within two ulps of s / p. The residual e = s - q*p is
 * computed exactly: q is split (Veltkamp, 2^27 + 1) into a high part of 26
 * bits and a low part of 27, each times p (at most 20 bits) is exact,
 * s - qh*p is exact by Sterbenz's lemma (qh*p is within 2^-25 of s), and
 * the last difference is exact because both terms lie on the grid of
 * ulp(ql*p) and it is a few ulps of s wide. Where the target has FMA
 * (__FMA__, as under KR_NATIVE) one fused multiply-add gives e exactly
 * instead. Then q + e*rp lands within 2^-50 ulp of s / p, which is never a
 * midpoint between doubles (p*m would need more than 53 bits for a
 * midpoint m) nor nearer to one than ulp / 2p, so it rounds as s / p does,
 * whether or not a compiler fuses that last step. Magnitudes where the
 * split could overflow or the products could underflow, zero, NaN and
 * infinities take the division (one test of the exponent). Checked against
 * the division on 2e8 random (s, p) pairs over 2^-900 .. 2^900, p up to
 * 100000, each way. */
static inline double kr__div_period(double s, double p, double rp)
{
    const double q = s * rp;
    uint64_t bits;
    memcpy(&bits, &q, sizeof bits);
    const unsigned exp = (unsigned)(bits >> 52) & 0x7ffu; /* biased */
    if (exp - 64u > 2018u - 64u) /* |q| outside [2^-959, 2^995) */
        return s / p;
#ifdef __FMA__
    /* A fused multiply-add computes the residual exactly by itself. */
    const double e = fma(-q, p, s);
    return fma(e, rp, q);
#else
    const double c = q * 134217729.0; /* 2^27 + 1 */
    const double qh = c - (c - q);
    const double ql = q - qh;
    const double hp = qh * p, lp = ql * p;
    const double e = (s - hp) - lp;
    const double corr = e * rp;
    return q + corr;
#endif
}

/* kr__div_period2 is kr__div_period on two numerators at once, in one
 * 128-bit vector (GCC and clang's vector extension: elementwise IEEE
 * arithmetic, so the same bits as two scalar calls, on any target): the
 * running variance divides its sum and its sum of squares every bar. */
typedef double kr__v2d __attribute__((vector_size(16)));

static inline void kr__div_period2(double s1, double s2, double p, double rp,
                                   double *q1, double *q2)
{
    const double r1 = s1 * rp, r2 = s2 * rp;
    uint64_t b1, b2;
    memcpy(&b1, &r1, sizeof b1);
    memcpy(&b2, &r2, sizeof b2);
    const unsigned e1 = (unsigned)(b1 >> 52) & 0x7ffu;
    const unsigned e2 = (unsigned)(b2 >> 52) & 0x7ffu;
    if ((e1 - 64u > 2018u - 64u) | (e2 - 64u > 2018u - 64u)) {
        *q1 = kr__div_period(s1, p, rp);
        *q2 = kr__div_period(s2, p, rp);
        return;
    }
#ifdef __FMA__
    /* Two fused multiply-adds each: no need to pair them in a vector. */
    const double e1r = fma(-r1, p, s1), e2r = fma(-r2, p, s2);
    *q1 = fma(e1r, rp, r1);
    *q2 = fma(e2r, rp, r2);
#else
    const kr__v2d s = {s1, s2}, pv = {p, p}, rv = {rp, rp};
    const kr__v2d q = {r1, r2};
    const kr__v2d split = {134217729.0, 134217729.0};
    const kr__v2d c = q * split;
    const kr__v2d qh = c - (c - q);
    const kr__v2d ql = q - qh;
    const kr__v2d hp = qh * pv, lp = ql * pv;
    const kr__v2d e = (s - hp) - lp;
    const kr__v2d corr = e * rv;
    const kr__v2d r = q + corr;
    *q1 = r[0];
    *q2 = r[1];
#endif
}

/* ------------------------------------------------------------------------
 * Vectors and blocks
 *
 * Most batches here are a recurrence that must stay one bar at a time (a
 * running sum in TA-Lib's order, an average that follows its last value)
 * plus work off that chain: a division by the period, a square root, the
 * combination of sums into an output. In one loop with the chain, that work
 * also runs one bar at a time, and a divide or a square root a bar costs
 * more than the chain itself. So such a batch moves the off-chain work into
 * loops over several bars at once, either over a block of KR__BLOCK bars
 * after the chain has written what it carries to a buffer (or the output)
 * in L1, or over groups of KR__GROUP bars a group behind the chain, in the
 * same loop, so that the processor overlaps the two. The vectors are GCC
 * and clang's vector extension (kr__v4d in ma.h, kr__v8d here): elementwise
 * IEEE arithmetic, so a lane computes the bits of the scalar expression, on
 * any target, and the stream, one bar at a time, agrees with the batch. As
 * elsewhere, a product and a sum are never one expression (no FMA).
 * ------------------------------------------------------------------------ */

#define KR__BLOCK 256
#define KR__GROUP 8

/* Comparisons of kr__v4d and kr__v8d give all ones or all zeros per lane,
 * in these integer vectors; they select with & and |. */
typedef long long kr__v4i __attribute__((vector_size(32)));

/* Eight lanes, as kr__v4d four: one register with AVX-512, whose divider
 * and square root take as long for eight lanes as for one here (Zen 5). */
typedef double kr__v8d __attribute__((vector_size(64)));
typedef long long kr__v8i __attribute__((vector_size(64)));

static inline void kr__v8_load(kr__v8d *v, const double *p)
{
    memcpy(v, p, sizeof *v);
}

static inline void kr__v8_store(double *p, const kr__v8d *v)
{
    memcpy(p, v, sizeof *v);
}

/* kr__v4_load_reg is kr__v4_load for a vector that a masked instruction
 * will read: with AVX-512, compilers fold `x * y & mask` into a multiply
 * whose lanes are masked, with y read straight from memory, and such a
 * masked read of memory that misses the caches runs at half the speed of
 * an ordinary load here (Zen 5). The empty asm makes the value a register. */
static inline void kr__v4_load_reg(kr__v4d *v, const double *p)
{
    kr__v4_load(v, p);
#if defined(__AVX512F__) && defined(__GNUC__)
    __asm__("" : "+v"(*v));
#endif
}

/* kr__v8_sqrt takes the square root of each lane: correctly rounded, so the
 * bits of sqrt(). Through the intrinsics because compilers do not vectorise
 * sqrt() while it may set errno. */
static inline void kr__v8_sqrt(kr__v8d *v)
{
#if defined(__AVX512F__)
    __m512d r;
    memcpy(&r, v, sizeof r);
    r = _mm512_sqrt_pd(r);
    memcpy(v, &r, sizeof r);
#elif defined(__AVX__)
    for (int h = 0; h < 8; h += 4) {
        __m256d r;
        memcpy(&r, (double *)v + h, sizeof r);
        r = _mm256_sqrt_pd(r);
        memcpy((double *)v + h, &r, sizeof r);
    }
#elif defined(__SSE2__)
    for (int h = 0; h < 8; h += 2) {
        __m128d r;
        memcpy(&r, (double *)v + h, sizeof r);
        r = _mm_sqrt_pd(r);
        memcpy((double *)v + h, &r, sizeof r);
    }
#else
    for (int j = 0; j < 8; j++)
        (*v)[j] = sqrt((*v)[j]);
#endif
}

/* The lanes of two consecutive eight-bar vectors a (bars i-8..i-1) and b
 * (bars i..i+7) shifted back by one bar: bars i-1..i+6. */
static inline void kr__v8_back1(const kr__v8d *a, const kr__v8d *b,
                                kr__v8d *out)
{
#ifdef KR__HAVE_SHUFFLEVECTOR
    *out = __builtin_shufflevector(*a, *b, 7, 8, 9, 10, 11, 12, 13, 14);
#else
    double t[16];
    memcpy(t, a, sizeof *a);
    memcpy(t + 8, b, sizeof *b);
    memcpy(out, t + 7, sizeof *out);
#endif
}

/* a[j] /= d for j < m: a loop the compiler vectorises, the bits of the
 * scalar division. */
static inline void kr__div_block(double *a, size_t m, double d)
{
    for (size_t j = 0; j < m; j++)
        a[j] = a[j] / d;
}

/* kr__sub_off_chain is a - b, to the same bits, computed where the target
 * has FMA as fma(-1, b, a): the product is exact and the sum rounds once,
 * as the subtraction does (signed zeros, infinities and NaN included). It
 * is for a subtraction that is on no loop-carried chain in a loop whose
 * chains are additions (MACD's three EMAs): there it leaves the adders to
 * the chains, and the multiply-add unit, otherwise idle, takes it. */
static inline double kr__sub_off_chain(double a, double b)
{
#ifdef __FMA__
    return fma(-1.0, b, a);
#else
    return a - b;
#endif
}

/* ------------------------------------------------------------------------
 * Long outputs: non-temporal stores
 *
 * A batch over more bars than the caches hold writes each output line once
 * and does not read it back. An ordinary store first reads the line from
 * memory to own it, so where memory is what limits a batch (AD reads four
 * columns and writes one; OBV, at one addition a bar, is as fast as the
 * columns arrive) that read is a fifth to a third of its traffic. A
 * non-temporal store (MOVNTPD) writes the whole line without reading it:
 * about 1.15 times faster for both on 10M bars. Batches bound by a chain's
 * latency instead (STDDEV, BBANDS, MACD) measured no faster, or a little
 * slower, with them, and do not use them. A shorter output may still be in
 * cache when the caller reads it, so only from KR__NT_BARS bars on does a
 * batch store this way (kr__nt_ok), four bars at a time at a 32-byte
 * aligned address (kr__v4_store_nt; the bars before kr__nt_from are
 * written the ordinary way), and it ends with kr__nt_fence so that the
 * stores are ordered before anything the caller does next. The values are
 * the same either way.
 * ------------------------------------------------------------------------ */

#define KR__NT_BARS ((size_t)1 << 20)

static inline bool kr__nt_ok(size_t n)
{
#if defined(__SSE2__)
    return n >= KR__NT_BARS;
#else
    (void)n;
    return false;
#endif
}

/* The first index j >= i at which y + j is 32-byte aligned (y holds
 * doubles, so it is at least 8-byte aligned). */
static inline size_t kr__nt_from(const double *y, size_t i)
{
    const size_t mis = ((uintptr_t)(y + i) & 31u) / sizeof(double);
    return mis ? i + 4 - mis : i;
}

/* Stores v at p, 32-byte aligned, without reading the line first. */
static inline void kr__v4_store_nt(double *p, const kr__v4d *v)
{
#if defined(__AVX__)
    __m256d r;
    memcpy(&r, v, sizeof r);
    _mm256_stream_pd(p, r);
#elif defined(__SSE2__)
    __m128d lo, hi;
    memcpy(&lo, v, sizeof lo);
    memcpy(&hi, (const double *)v + 2, sizeof hi);
    _mm_stream_pd(p, lo);
    _mm_stream_pd(p + 2, hi);
#else
    kr__v4_store(p, v);
#endif
}

/* Orders a batch's non-temporal stores before the caller's next ones. */
static inline void kr__nt_fence(void)
{
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

/* ------------------------------------------------------------------------
 * Running variance, TA-Lib's way (ta_VAR.c TA_INT_VAR; ta_STDDEV.c
 * TA_INT_stddev_using_precalc_ma computes the same numbers for BBANDS)
 * ------------------------------------------------------------------------ */

/* kr__var_add adds x to the running sums during the warm-up, as TA-Lib
 * does: the square is a statement of its own, so that no compiler fuses it
 * into the addition (an FMA rounds once where TA-Lib rounds twice). */
static inline void kr__var_add(double *s1, double *s2, double x)
{
    const double xx = x * x;
    *s1 += x;
    *s2 += xx;
}

/* kr__var_step adds x to the running sums *s1 (of values) and *s2 (of
 * squares) of the period-1 values before it, takes the mean and the mean of
 * squares over the full window (divided by `period`, rperiod = 1/period, as
 * TA-Lib divides: kr__div_period), then drops `old` (the oldest value of
 * that window) from both sums, ready for the next bar. *mean gets the window's
 * mean, equal to TA-Lib's SMA; the return value is the population variance
 * E[x^2] - E[x]^2, with the cancellation error TA-Lib's formula has (which
 * is why TA-Lib, and kr__stddev_of_var, treat a tiny variance as 0). */
static inline double kr__var_step(double *s1, double *s2, double x, double old,
                                  double period, double rperiod, double *mean)
{
    const double xx = x * x;
    *s1 += x;
    *s2 += xx;
    double m1, m2;
    kr__div_period2(*s1, *s2, period, rperiod, &m1, &m2);
    const double oo = old * old;
    *s1 -= old;
    *s2 -= oo;
    *mean = m1;
    const double m11 = m1 * m1;
    return m2 - m11;
}

/* kr__varwin is the streaming state of a rolling population variance over
 * `period` values, the whole stream state of stddev and bbands: the running
 * sums, their width in deviations and a ring of the last period - 1 values.
 * Allocate kr__varwin_size(period) bytes. */
typedef struct kr__varwin {
    double nbdev;  /* deviations, the indicator's second parameter */
    int period;
    int count;     /* values seen, capped at period - 1 */
    int pos;       /* oldest slot of the ring once full */
    double dp, rp; /* period and 1 / period */
    double s1, s2; /* running sums of values and squares */
    double ring[]; /* period - 1 values */
} kr__varwin;

static inline size_t kr__varwin_size(int period)
{
    return sizeof(kr__varwin) + ((size_t)period - 1) * sizeof(double);
}

static inline void kr__varwin_init(kr__varwin *w, int period, double nbdev)
{
    memset(w, 0, kr__varwin_size(period));
    w->nbdev = nbdev;
    w->period = period;
    w->dp = (double)period;
    w->rp = 1.0 / w->dp;
}

/* kr__varwin_next feeds x: false during the warm-up, else true with the
 * window's mean and variance, computed exactly as the batch's kr__var_step
 * loop computes them. */
static inline bool kr__varwin_next(kr__varwin *w, double x, double *mean,
                                   double *var)
{
    const int keep = w->period - 1;
    if (w->count < keep) {
        w->ring[w->count++] = x;
        kr__var_add(&w->s1, &w->s2, x);
        return false;
    }
    *var = kr__var_step(&w->s1, &w->s2, x, w->ring[w->pos], w->dp, w->rp,
                        mean);
    w->ring[w->pos] = x;
    if (++w->pos == keep)
        w->pos = 0;
    return true;
}

/* The standard deviation of a kr__var_step variance: TA-Lib returns 0 when
 * the variance is below its epsilon (TA_IS_ZERO_OR_NEG, ma.h), which hides
 * negative rounding noise of E[x^2] - E[x]^2 on flat stretches. NaN stays
 * NaN. */
static inline double kr__stddev_of_var(double var)
{
    return kr__ta_is_zero_or_neg(var) ? 0.0 : sqrt(var);
}

/* kr__var_chain is kr__var_step's running sums alone, for a batch: for the
 * m bars from x[i] on, it adds each value to *s1 and its square to *s2,
 * writes the sums over that bar's full window to a1[] and a2[], and takes
 * the value `period` bars back (x[i + j + 1 - period], the oldest of the
 * window) out again. The same operations in the same order as
 * kr__var_step, whose divisions kr__var_v8 then does eight bars at a time.
 *
 * The sums are a chain of two additions a bar; the divisions and the
 * square root after them are not on it, but they queue on the one divider,
 * where a bar at a time they take as long as the chain. A batch therefore
 * runs the chain for one group of KR__GROUP bars and then finishes the
 * group before it, from the buffer the chain wrote one group earlier: the
 * two are independent, so the processor overlaps the divider's work with
 * the chain's latency. */
static inline void kr__var_chain(const double *x, size_t i, size_t m,
                                 size_t period, double *s1, double *s2,
                                 double *a1, double *a2)
{
    double u = *s1, w = *s2;
    for (size_t j = 0; j < m; j++) {
        const double v = x[i + j];
        const double vv = v * v;
        u += v;
        w += vv;
        a1[j] = u;
        a2[j] = w;
        const double old = x[i + j + 1 - period];
        const double oo = old * old;
        u -= old;
        w -= oo;
    }
    *s1 = u;
    *s2 = w;
}

/* kr__var_v8 finishes eight bars of kr__var_chain as kr__var_step does: the
 * window's sums a1[0..7] and a2[0..7] divided by the period (a division,
 * which gives the bits of kr__div_period), the mean to *mean and the
 * variance E[x^2] - E[x]^2 to *var. */
static inline void kr__var_v8(const double *a1, const double *a2,
                              const kr__v8d *period, kr__v8d *mean,
                              kr__v8d *var)
{
    kr__v8d u, w;
    kr__v8_load(&u, a1);
    kr__v8_load(&w, a2);
    const kr__v8d m1 = u / *period;
    const kr__v8d m2 = w / *period;
    const kr__v8d m11 = m1 * m1;
    *mean = m1;
    *var = m2 - m11;
}

/* Where kr__ta_is_zero_or_neg holds, lane by lane: all ones, else zeros. */
static inline void kr__v8_zero_or_neg(const kr__v8d *v, kr__v8i *mask)
{
    kr__v8d eps;
    for (int j = 0; j < 8; j++)
        eps[j] = KR__TA_EPSILON;
    *mask = *v < eps;
}

/* ------------------------------------------------------------------------
 * Refreshed window sums
 * ------------------------------------------------------------------------
 *
 * A running sum that adds the newest value and subtracts the oldest one
 * carries every rounding error, and every NaN, it ever saw. The indicators
 * that are free to do better (zscore and vwap have no TA-Lib twin, and
 * TA-Lib's LINEARREG_SLOPE sums each window afresh, in O(period)) keep two
 * sets of sums instead: the window's running sums A, and fresh sums B that
 * start from zero at every bar whose index is a multiple of the period and
 * only ever add. When B has seen a full period (at the bar before the next
 * multiple) it covers exactly the current window, and A is replaced by it.
 * So A's error is that of at most two periods of updates, whatever the
 * length of the series, at O(1) per bar.
 *
 * Non-finite values (NaN, infinities) are counted in the window: while there
 * is one, the output is NaN; at the bar where the last one leaves, A is
 * rebuilt from the window's values, O(period) at most once per period. So a
 * NaN input gives NaN for exactly the windows that contain it, as an
 * indicator that recomputes every window would.
 *
 * kr__win keeps that bookkeeping; batch and stream run it the same way from
 * bar 0. At each bar the caller resets B when kr__win_fresh says so, adds
 * the new value to B, calls kr__win_next and does what it returns to A, then
 * outputs a value if kr__win_defined. */

enum {
    KR__WIN_WARMUP,  /* the first period-1 bars: A is not used yet */
    KR__WIN_SWAP,    /* B covers the window: copy it to A */
    KR__WIN_ROLL,    /* add the new value to A and take the leaving one out */
    KR__WIN_REBUILD, /* the last non-finite value left: rebuild A */
};

typedef struct kr__win {
    int period;
    int phase; /* bar index modulo period */
    int seen;  /* bars seen, capped at period */
    int bad;   /* non-finite values in the window */
} kr__win;

static inline void kr__win_init(kr__win *w, int period)
{
    w->period = period;
    w->phase = 0;
    w->seen = 0;
    w->bad = 0;
}

/* B starts over at this bar. */
static inline bool kr__win_fresh(const kr__win *w) { return w->phase == 0; }

/* kr__win_next moves the window over one bar: the new value is non-finite
 * when new_bad is set, the value leaving it (if `period` bars came before)
 * when old_bad is. Returns what to do with A (KR__WIN_*). */
static inline int kr__win_next(kr__win *w, bool new_bad, bool old_bad)
{
    const int was_bad = w->bad;
    const bool full = w->seen >= w->period;
    w->bad += new_bad;
    if (full)
        w->bad -= old_bad;
    int act;
    if (w->phase == w->period - 1)
        act = KR__WIN_SWAP;
    else if (!full)
        act = KR__WIN_WARMUP;
    else if (was_bad && !w->bad)
        act = KR__WIN_REBUILD;
    else
        act = KR__WIN_ROLL;
    w->phase = w->phase + 1 == w->period ? 0 : w->phase + 1;
    if (w->seen < w->period)
        w->seen++;
    return act;
}

/* The window is full and holds finite values only. */
static inline bool kr__win_defined(const kr__win *w)
{
    return w->seen >= w->period && w->bad == 0;
}

/* For a batch's fast path: how many of the next bars kr__win_next would
 * answer KR__WIN_ROLL for, with B not starting over, provided their values
 * (new and leaving) are finite: the bars up to the one before the swap,
 * when the window is full and clean. 0 when the general step is needed. */
static inline int kr__win_run(const kr__win *w)
{
    if (w->seen < w->period || w->bad != 0 || w->phase == 0)
        return 0;
    return w->period - 1 - w->phase;
}

/* Accounts for k bars of such a run (k <= kr__win_run). */
static inline void kr__win_skip(kr__win *w, int k) { w->phase += k; }

/* x is finite: isfinite, in the form compilers keep branch-free. */
static inline bool kr__finite(double x) { return fabs(x) <= DBL_MAX; }

/* A finite anchor to subtract from the values before summing them, so the
 * sums hold deviations of the size of the window's spread rather than of the
 * price level (which is where E[x^2] - E[x]^2 and sums of x*t lose their
 * digits). Any finite value is correct; the newest price is a good one. */
static inline double kr__anchor(double x) { return isfinite(x) ? x : 0.0; }

/* ------------------------------------------------------------------------
 * Prices and volume
 * ------------------------------------------------------------------------ */

/* TA-Lib's AD money flow of one bar (ta_AD.c): the close location value
 * ((c - l) - (h - c)) / (h - l) times the volume, or nothing when the bar has
 * no range (h - l not above 0, NaN included). Adding the 0.0 returned then
 * leaves a running total bit for bit as TA-Lib's skipped addition does,
 * because a total that starts at +0.0 never becomes -0.0. The flow is
 * computed either way and dropped through kr__keep, since bars without a
 * range come at random on tick-rounded prices. */
static inline double kr__ad_flow(double h, double l, double c, double v)
{
    const double range = h - l;
    const double clv = ((c - l) - (h - c)) / range; /* inf or NaN if 0 */
    const double flow = clv * v;
    return kr__keep(range > 0.0, flow);
}

/* kr__ad_flow4 is kr__ad_flow of four bars at once (h[0..3] and so on), in
 * a vector: lane by lane the same operations, so the same bits. A batch
 * takes the flows four at a time and adds them up one by one: the division
 * no longer queues a bar at a time on the divider, and the running total
 * keeps its order. */
static inline void kr__ad_flow4(const double *h, const double *l,
                                const double *c, const double *v, kr__v4d *f)
{
    kr__v4d hv, lv, cv, vv;
    kr__v4_load(&hv, h);
    kr__v4_load(&lv, l);
    kr__v4_load(&cv, c);
    kr__v4_load_reg(&vv, v);
    const kr__v4d zero = {0.0, 0.0, 0.0, 0.0};
    const kr__v4d range = hv - lv;
    const kr__v4d up = cv - lv, down = hv - cv;
    const kr__v4d clv = (up - down) / range;
    const kr__v4d flow = clv * vv;
    const kr__v4i has_range = range > zero; /* all ones or all zeros */
    *f = (kr__v4d)((kr__v4i)flow & has_range);
}

/* ------------------------------------------------------------------------
 * Wilder's directional movement (ta_ADX.c, ta_MINUS_DM.c)
 * ------------------------------------------------------------------------ */

/* The one-bar directional movements from the previous bar (ph, pl) to this
 * one (h, l): +DM is the rise of the high when it beats the fall of the low,
 * -DM the fall of the low when it beats the rise of the high, both 0 on a
 * tie or an inside bar. Comparisons as in TA-Lib, so a NaN gives 0. */
static inline void kr__dm(double ph, double pl, double h, double l,
                          double *plus, double *minus)
{
    const double up = h - ph;   /* TA-Lib's diffP */
    const double down = pl - l; /* TA-Lib's diffM */
    /* TA-Lib tests the -DM case first and the +DM one only if it fails;
     * the two cannot both hold (up < down, up > down), so each is tested
     * on its own, without branches. */
    *minus = kr__keep((down > 0) & (up < down), down);
    *plus = kr__keep((up > 0) & (up > down), up);
}

#endif /* KR_TA_STATS_H */

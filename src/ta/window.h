/* window.h -- rolling-window building blocks shared by the oscillators and
 * channels: TA-Lib's rolling highest/lowest, the running SMA that TA_MA
 * computes, Wilder's RSI step and the stochastic's %K.
 *
 * TA-Lib finds the highest high of a window by remembering where the last
 * one was and rescanning the window when it falls out: O(period) per
 * rescan, and on a trending series every bar rescans. kr__ext replays that
 * bookkeeping -- the extreme TA-Lib holds, the bar it holds it from, when it
 * rescans -- so that ties and NaN come out as TA-Lib's do, but answers each
 * rescan in O(1) with van Herk and Gil-Werman's blocks (M. van Herk,
 * Pattern Recognition Letters 13(7), 1992; J. Gil and M. Werman, IEEE PAMI
 * 15(5), 1993): the window [t - w + 1, t] is a suffix of the previous block
 * of w bars, whose suffix extremes are computed once per block, plus a
 * prefix of the current one, kept as bars arrive. Every bar costs a few
 * compares and selects with no data-dependent branch but the rescan, and
 * each block one backward pass, so O(1) amortised. NaN matters most:
 * TA-Lib's comparisons skip a NaN, except when a rescan starts on one, and
 * then the extreme is NaN until the next rescan; the blocks skip NaN too and
 * the rescan looks at the window's first bar itself.
 *
 * Batch and stream of an indicator run the same step functions below, so
 * they give the same bits; the state records hold no pointers (their
 * buffers are passed in), which lets a batch keep the record in a local
 * variable the compiler turns into registers, and read the blocks straight
 * from its input column where a stream keeps a ring of the last w values.
 * Expressions whose rounding matters are split into statements so that no
 * compiler fuses them into an FMA on one side only (see ma.h).
 */
#ifndef KR_TA_WINDOW_H
#define KR_TA_WINDOW_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ma.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The steps below must be inlined into the batch loops, where their flags
 * are constants and their records live in registers; at -O2 the compilers
 * otherwise keep the larger ones out of line. */
#if defined(__GNUC__) || defined(__clang__)
#define KR__STEP static inline __attribute__((always_inline))
#else
#define KR__STEP static inline
#endif

/* The greater (is_max) or lesser of a and b, b on a tie or NaN: exactly
 * MAXSD/MINSD, spelled out on x86 because compilers sometimes branch on
 * the conditional expression instead. */
KR__STEP double kr__pick(double a, double b, bool is_max)
{
#if defined(__SSE2__)
    const __m128d va = _mm_set_sd(a), vb = _mm_set_sd(b);
    return _mm_cvtsd_f64(is_max ? _mm_max_sd(va, vb) : _mm_min_sd(va, vb));
#else
    if (is_max)
        return a > b ? a : b;
    return a < b ? a : b;
#endif
}

/* Selects, c ? a : b, for conditions the branch predictor cannot guess.
 * For integers the compilers emit CMOV; for doubles they often jump
 * instead, so kr__seld spells the select as a mask on the bits. */
KR__STEP int64_t kr__seli(bool c, int64_t a, int64_t b)
{
    return c ? a : b;
}

KR__STEP double kr__seld(bool c, double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    const uint64_t m = (uint64_t)0 - (uint64_t)c;
    const uint64_t r = (ua & m) | (ub & ~m);
    double d;
    memcpy(&d, &r, sizeof d);
    return d;
}

/* ------------------------------------------------------------------------
 * TA-Lib's rolling extreme, exactly
 * ------------------------------------------------------------------------ */

typedef struct kr__ext_ent {
    double v;
    int64_t i; /* bar index; -1 for none */
} kr__ext_ent;

typedef struct kr__ext {
    double val;  /* the extreme as TA-Lib holds it */
    int64_t idx; /* the bar TA-Lib holds it from; -1 before the first */
    double pv;   /* best of the current block so far ... */
    int64_t pi;  /* ... and its bar; -1 while none */
    int32_t w;   /* window length, also the block length */
    int32_t pos; /* slot of the next bar: its index mod w */
} kr__ext;

static inline void kr__ext_init(kr__ext *e, int w)
{
    e->val = 0.0;
    e->idx = -1;
    e->pv = 0.0;
    e->pi = -1;
    e->w = w;
    e->pos = 0;
}

/* Whether a's value beats b's: strictly, or also on a tie. */
KR__STEP bool kr__ext_beats(double a, double b, bool is_max, bool tie)
{
    if (is_max)
        return tie ? a >= b : a > b;
    return tie ? a <= b : a < b;
}

/* kr__ext_suffix fills suf[j] with the extreme of vals[j .. w-1] (bars
 * b0 + j onwards), NaN skipped, i = -1 where all are NaN. `newest` settles
 * ties on the newest bar, else on the oldest. */
KR__STEP void kr__ext_suffix(kr__ext_ent *suf, const double *vals,
                             int64_t b0, int32_t w, bool is_max, bool newest)
{
    double cv = 0.0;
    int64_t ci = -1;
    for (int32_t j = w - 1; j >= 0; j--) {
        const double x = vals[j];
        const bool take =
            (x == x) & ((ci < 0) | kr__ext_beats(x, cv, is_max, !newest));
        cv = kr__seld(take, x, cv);
        ci = kr__seli(take, b0 + j, ci);
        suf[j].v = cv;
        suf[j].i = ci;
    }
}

/* kr__ring_trail is the value of bar t - w + 1 from a ring that holds the
 * last w bars in slots (bar mod w), read before bar t is written to slot
 * `pos`: x itself when w is 1. */
KR__STEP double kr__ring_trail(const double *ring, int32_t pos, int32_t w,
                               double x)
{
    const int32_t s = pos + 1 == w ? 0 : pos + 1;
    return s == pos ? x : ring[s];
}

/* kr__ext_next enters bar t with value x and, from bar w - 1 on, replays
 * TA-Lib's bookkeeping so that e->val is TA-Lib's highest (is_max) or
 * lowest of bars [t - w + 1, t] and e->idx the bar it holds it from.
 * `block` holds the values of bars t - w .. t - 1 and is read only when t
 * starts a block (e->pos == 0, t > 0); `trail_x` is the value of bar
 * t - w + 1, read only from bar w - 1 on. `newest` is TA-Lib's tie rule for
 * a rescan (see above). `suf` holds w entries. */
KR__STEP void kr__ext_next(kr__ext *e, kr__ext_ent *suf, const double *block,
                           double x, double trail_x, int64_t t, bool is_max,
                           bool newest)
{
    const int32_t w = e->w;
    const int32_t pos = e->pos;
    if (pos == 0) {
        if (t > 0)
            kr__ext_suffix(suf, block, t - w, w, is_max, newest);
        e->pi = -1;
    }
    const bool take =
        (x == x) & ((e->pi < 0) | kr__ext_beats(x, e->pv, is_max, newest));
    const double pv = kr__seld(take, x, e->pv);
    const int64_t pi = kr__seli(take, t, e->pi);
    e->pv = pv;
    e->pi = pi;
    e->pos = pos + 1 == w ? 0 : pos + 1;
    if (t < w - 1)
        return;
    /* What a rescan from the window's first bar finds: the extreme of the
     * older part (a suffix of the previous block) against the current
     * block's, the older winning ties unless `newest`; or the current
     * block's alone when it is the whole window. TA-Lib keeps a NaN it
     * finds on the first bar. Otherwise a value at least as extreme as the
     * held one replaces it. */
    const int64_t trail = t - w + 1;
    if (e->idx < trail) {
        const kr__ext_ent s = suf[pos + 1 == w ? 0 : pos + 1];
        const bool pref = (pos == w - 1) |
                          ((pi >= 0) & kr__ext_beats(pv, s.v, is_max, newest));
        const double qv = kr__seld(pref, pv, s.v);
        const int64_t qi = kr__seli(pref, pi, s.i);
        const bool nan = trail_x != trail_x;
        e->val = kr__seld(nan, trail_x, qv);
        e->idx = kr__seli(nan, trail, qi);
    } else {
        const bool inc = kr__ext_beats(x, e->val, is_max, true);
        e->val = kr__seld(inc, x, e->val);
        e->idx = kr__seli(inc, t, e->idx);
    }
}

/* ------------------------------------------------------------------------
 * Rolling extreme of clean data, fast
 *
 * Where a column holds no NaN, TA-Lib's highest is the plain maximum of
 * the window, and where it holds no zero either, equal values have equal
 * bits (no -0.0 against 0.0), so which of them TA-Lib holds cannot show.
 * Then the blocks alone give TA-Lib's value, with one max per bar for the
 * prefix and one against the suffix (MAXSD/MINSD, no branch). A batch runs
 * this first, notes whether the data was clean, and runs kr__ext over the
 * whole call when it was not. kr__vhi keeps the bar as well, with ties on
 * the newest (AROON's rule), and needs only the absence of NaN: its ties
 * are decided by comparisons, as TA-Lib's are.
 * ------------------------------------------------------------------------ */

typedef struct kr__vh {
    double pv;   /* extreme of the current block so far */
    int64_t pi;  /* its bar (kr__vhi only) */
    int32_t w;   /* window length, also the block length */
    int32_t pos; /* slot of the next bar: its index mod w */
} kr__vh;

static inline void kr__vh_init(kr__vh *h, int w)
{
    h->pv = 0.0;
    h->pi = 0;
    h->w = w;
    h->pos = 0;
}

/* kr__vh_next enters bar t with value x and returns the extreme of bars
 * [t - w + 1, t] (meaningless before bar w - 1). `block` is as for
 * kr__ext_next; `suf` holds w doubles, initialised (to anything). */
KR__STEP double kr__vh_next(kr__vh *h, double *suf, const double *block,
                            double x, int64_t t, bool is_max)
{
    const int32_t w = h->w;
    const int32_t pos = h->pos;
    double pv;
    if (pos == 0) {
        if (t > 0) {
            double c = block[w - 1];
            suf[w - 1] = c;
            for (int32_t j = w - 2; j >= 0; j--) {
                c = kr__pick(block[j], c, is_max);
                suf[j] = c;
            }
        }
        pv = x;
    } else {
        pv = kr__pick(x, h->pv, is_max);
    }
    h->pv = pv;
    h->pos = pos + 1 == w ? 0 : pos + 1;
    if (pos == w - 1)
        return pv;
    return kr__pick(suf[pos + 1], pv, is_max);
}

/* kr__vhi_next is kr__vh_next keeping the bar of the extreme, the newest of
 * equal ones, and returns that bar. `suf` holds w entries, initialised. */
KR__STEP int64_t kr__vhi_next(kr__vh *h, kr__ext_ent *suf, const double *block,
                              double x, int64_t t, bool is_max)
{
    const int32_t w = h->w;
    const int32_t pos = h->pos;
    double pv;
    int64_t pi;
    if (pos == 0) {
        if (t > 0) {
            const int64_t b0 = t - w;
            double cv = block[w - 1];
            int64_t ci = b0 + w - 1;
            suf[w - 1].v = cv;
            suf[w - 1].i = ci;
            for (int32_t j = w - 2; j >= 0; j--) {
                const double v = block[j];
                const bool take = kr__ext_beats(v, cv, is_max, false);
                cv = kr__pick(v, cv, is_max);
                ci = kr__seli(take, b0 + j, ci);
                suf[j].v = cv;
                suf[j].i = ci;
            }
        }
        pv = x;
        pi = t;
    } else {
        /* Equal values may differ in the sign of zero here; only the
         * comparisons, which do not see it, use pv. */
        const bool take = kr__ext_beats(x, h->pv, is_max, true);
        pv = kr__pick(x, h->pv, is_max);
        pi = kr__seli(take, t, h->pi);
    }
    h->pv = pv;
    h->pi = pi;
    h->pos = pos + 1 == w ? 0 : pos + 1;
    if (pos == w - 1)
        return pi;
    const kr__ext_ent s = suf[pos + 1];
    return kr__seli(kr__ext_beats(pv, s.v, is_max, true), pi, s.i);
}

/* kr__unclean is true for what kr__vh cannot take: NaN or a zero. */
KR__STEP bool kr__unclean(double x) { return !(fabs(x) > 0.0); }

/* ------------------------------------------------------------------------
 * TA_MA's simple moving average
 * ------------------------------------------------------------------------ */

/* TA_INT_SMA's running sum in its order: add the newest value, divide,
 * subtract the oldest. A period of 1 is a copy, as TA_MA makes it (so a NaN
 * does not stick to later bars). The ring holds period - 1 values. */
typedef struct kr__sma {
    int32_t period;
    int32_t count; /* values seen, capped at period - 1 */
    int32_t pos;   /* oldest slot of the ring once full */
    double sum;
} kr__sma;

static inline void kr__sma_init(kr__sma *m, int period)
{
    m->period = period;
    m->count = 0;
    m->pos = 0;
    m->sum = 0.0;
}

/* kr__sma_next takes one value and returns the average, NaN until `period`
 * values have been seen. */
KR__STEP double kr__sma_next(kr__sma *m, double *ring, double x)
{
    const int32_t keep = m->period - 1;
    if (keep == 0)
        return x;
    if (m->count < keep) {
        ring[m->count++] = x;
        m->sum += x;
        return NAN;
    }
    m->sum += x;
    const double y = m->sum / (double)m->period;
    m->sum -= ring[m->pos];
    ring[m->pos] = x;
    if (++m->pos == keep)
        m->pos = 0;
    return y;
}

/* ------------------------------------------------------------------------
 * Wilder's RSI (TA_RSI with no unstable period)
 * ------------------------------------------------------------------------ */

/* kr__rsi_split splits a change into TA-Lib's gain and loss terms without a
 * branch: a negative change goes to the loss (subtracted, as TA-Lib does),
 * anything else to the gain -- NaN included, as in TA-Lib's `else`. down =
 * min(d, 0) is 0 for NaN, up = d - down is then NaN; for -0.0, down is 0.0
 * and up -0.0. Adding or subtracting the zero of the other side leaves a
 * sum's bits unchanged, as the sums are never -0.0. */
KR__STEP void kr__rsi_split(double d, double *up, double *down)
{
    const double dn = kr__pick(d, 0.0, false);
    *down = dn;
    *up = d - dn;
}

/* kr__rsi_smooth is one Wilder step, avg = (avg * (period - 1) + term) /
 * period. With `exact` it divides, as TA-Lib does, and gives TA-Lib's bits;
 * without, it multiplies by the precomputed 1/period, which can differ in
 * the last bit per step (the smoothing damps it, so the RSI stays within a
 * few ulps of TA-Lib's) but takes the division's long latency off the
 * loop's critical path. */
KR__STEP double kr__rsi_smooth(double avg, double term, double pm1,
                               double inv, double dp, bool exact)
{
    const double a = avg * pm1;
    const double b = a + term;
    if (exact)
        return b / dp;
    return b * inv;
}

/* kr__rsi_value is 100 * gain / (gain + loss), 0 when the sum is zero
 * within TA_IS_ZERO. */
KR__STEP double kr__rsi_value(double gain, double loss)
{
    const double s = gain + loss;
    if (kr__ta_is_zero(s))
        return 0.0;
    return 100.0 * (gain / s);
}

typedef struct kr__rsi {
    int32_t period;
    int32_t count; /* inputs seen, capped at period + 1 */
    double pm1;    /* period - 1 */
    double inv;    /* 1 / period */
    double dp;     /* period */
    double prev;
    double gain, loss;
} kr__rsi;

static inline void kr__rsi_init(kr__rsi *r, int period)
{
    r->period = period;
    r->count = 0;
    r->pm1 = (double)(period - 1);
    r->inv = 1.0 / (double)period;
    r->dp = (double)period;
    r->prev = 0.0;
    r->gain = 0.0;
    r->loss = 0.0;
}

/* kr__rsi_next takes one input and returns the RSI, NaN for the first
 * `period` inputs. The first value averages the first `period` changes;
 * every later one smooths (`exact`: see kr__rsi_smooth). */
KR__STEP double kr__rsi_next(kr__rsi *r, double x, bool exact)
{
    const double d = x - r->prev;
    r->prev = x;
    double up, down;
    kr__rsi_split(d, &up, &down);
    if (r->count > r->period) {
        r->gain = kr__rsi_smooth(r->gain, up, r->pm1, r->inv, r->dp, exact);
        r->loss =
            kr__rsi_smooth(r->loss, -down, r->pm1, r->inv, r->dp, exact);
        return kr__rsi_value(r->gain, r->loss);
    }
    if (r->count++ == 0)
        return NAN;
    r->gain += up;
    r->loss -= down;
    if (r->count <= r->period)
        return NAN;
    r->loss /= r->dp;
    r->gain /= r->dp;
    return kr__rsi_value(r->gain, r->loss);
}

/* ------------------------------------------------------------------------
 * The stochastic's %K (TA_STOCH, TA_STOCHF)
 * ------------------------------------------------------------------------ */

/* kr__stoch_k is TA-Lib's fast %K from the window's highest and lowest:
 * (x - lowest) / ((highest - lowest) / 100), and 0 when the range is
 * exactly zero. */
KR__STEP double kr__stoch_k(double x, double highest, double lowest)
{
    const double diff = (highest - lowest) / 100.0;
    if (diff != 0.0)
        return (x - lowest) / diff;
    return 0.0;
}

#endif /* KR_TA_WINDOW_H */

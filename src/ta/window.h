/* window.h -- rolling-window building blocks shared by the oscillators and
 * channels: TA-Lib's rolling highest/lowest, the running SMA that TA_MA
 * computes, Wilder's RSI step and the stochastic's %K; and the
 * non-temporal stores with which the elementwise indicators write long
 * outputs.
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
 * prefix of the current one, kept as bars arrive. Every bar computes both
 * what a rescan would find and what an update would keep and selects one:
 * a few SSE2 compares and blends on [value, bar] pairs, no branch but the
 * one that starts a block, and each block one backward pass, so O(1)
 * amortised (a stream bar of WILLR or DONCHIAN, both extremes, costs about
 * 9 ns where the branchy version with its indices in integer registers
 * cost 21). NaN matters most: TA-Lib's comparisons skip a NaN, except when
 * a rescan starts on one, and then the extreme is NaN until the next
 * rescan; the blocks skip NaN too and the rescan looks at the window's
 * first bar itself.
 *
 * Batch and stream of an indicator run the same step functions below, so
 * they give the same bits; the state records hold no pointers (their
 * buffers are passed in), which lets a batch keep the record in a local
 * variable the compiler turns into registers, and read the blocks straight
 * from its input column where a stream keeps a ring of the last w values.
 * Where a column is clean the batches skip this bookkeeping for plain
 * blocks of values (kr__vh, or aroon.c's own), which give the same numbers.
 * Expressions whose rounding matters are split into statements, and where
 * that is not enough under GCC passed through kr__keep, so that no compiler
 * fuses them into an FMA on one side only (see ma.h and kr__keep).
 */
#ifndef KR_TA_WINDOW_H
#define KR_TA_WINDOW_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ma.h"

#if defined(__SSE2__)
#include <immintrin.h>
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

/* kr__keep returns x as it is, through a register the compiler cannot see
 * into, so that the operation that made x is never fused with the one that
 * uses it, nor paired with a twin into one vector instruction. Splitting
 * an expression into statements is not enough under GCC: its SLP
 * vectoriser paired Wilder's gain and loss steps into one FMADDSUB even
 * under -ffp-contract=off (GCC 12, -march=native), which changed RSI's and
 * STOCHRSI's stream bits and not their batch's; and the pair's one DIVPD
 * made STOCHRSI's stream 2.5 times slower than two DIVSD. */
KR__STEP double kr__keep(double x)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) &&        \
    defined(__SSE2__)
    __asm__("" : "+x"(x));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("" : "+w"(x));
#endif
    return x;
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
 * Writing long outputs
 *
 * A batch over more bars than the caches hold writes every output line
 * once and does not read it again; ordinary stores first read each line
 * from memory to own it, which for a one-input indicator such as MOM is a
 * third of the traffic. Non-temporal stores (MOVNTPD) send whole lines
 * straight to memory without that read, but also out of the caches, so
 * outputs that the last-level cache could keep for whoever reads them next
 * are written the ordinary way: below KR__NT_MIN_BARS bars, 16 MiB a
 * column (half of the benchmark machine's 32 MiB L3). The elementwise
 * indicators compute a vector of bars at a time (kr__vd: GCC's and clang's
 * vector extension, as wide as an AVX register where there is one, an SSE2
 * one otherwise; IEEE operations per lane, so the bits of the scalar step)
 * and store it with kr__vd_stream; kr__nt_done orders those stores before
 * the batch returns. On MOM, ROC and TRANGE over 10M bars this is 1.2 to
 * 1.3 times faster. Computing a chunk into a buffer and copying it out
 * with non-temporal stores gained only half as much: the loads of one
 * phase and the stores of the other do not overlap.
 * ------------------------------------------------------------------------ */

#define KR__NT_MIN_BARS ((size_t)1 << 21)

#if defined(__AVX__)
#define KR__VN 4
#elif defined(__SSE2__)
#define KR__VN 2
#endif

#ifdef KR__VN
typedef double kr__vd __attribute__((vector_size(KR__VN * 8)));
typedef int64_t kr__vi __attribute__((vector_size(KR__VN * 8)));

/* Whether a batch over n bars writes its outputs with kr__vd_stream. */
static inline bool kr__nt_wanted(size_t n) { return n >= KR__NT_MIN_BARS; }

/* Whether p is aligned for kr__vd_stream. */
static inline bool kr__nt_aligned(const double *p)
{
    return ((uintptr_t)p & (KR__VN * 8 - 1)) == 0;
}

KR__STEP kr__vd kr__vd_load(const double *p)
{
    kr__vd v;
    memcpy(&v, p, sizeof v);
    return v;
}

KR__STEP kr__vd kr__vd_splat(double x)
{
    kr__vd v;
    for (int k = 0; k < KR__VN; k++)
        v[k] = x;
    return v;
}

/* m ? a : b per lane, m from a comparison (all ones or all zeros). */
KR__STEP kr__vd kr__vd_sel(kr__vi m, kr__vd a, kr__vd b)
{
    return (kr__vd)(((kr__vi)a & m) | ((kr__vi)b & ~m));
}

KR__STEP kr__vd kr__vd_abs(kr__vd v)
{
    kr__vi m;
    for (int k = 0; k < KR__VN; k++)
        m[k] = INT64_MAX;
    return (kr__vd)((kr__vi)v & m);
}

/* The greater of a and b per lane, b on a tie or NaN: MAXPD, and
 * kr__pick's rule. */
KR__STEP kr__vd kr__vd_max(kr__vd a, kr__vd b)
{
    return kr__vd_sel(a > b, a, b);
}

/* kr__vd_stream stores v at p (kr__nt_aligned) with a non-temporal
 * store. */
KR__STEP void kr__vd_stream(double *p, kr__vd v)
{
#if KR__VN == 4
    _mm256_stream_pd(p, v);
#else
    _mm_stream_pd(p, v);
#endif
}

/* kr__nt_done makes a batch's non-temporal stores visible in order with
 * the caller's later ones. */
static inline void kr__nt_done(void) { _mm_sfence(); }
#else
static inline bool kr__nt_wanted(size_t n)
{
    (void)n;
    return false;
}
#endif

/* ------------------------------------------------------------------------
 * TA-Lib's rolling extreme, exactly
 * ------------------------------------------------------------------------ */

/* The bookkeeping works on pairs [value, bar], the bar a double (exact up
 * to 2^53) so that one SSE2 register holds a pair and one select moves
 * both: a comparison of the values gives a mask for both lanes, and the
 * whole step is compares, masks and blends, with no branch and no trip
 * through the integer registers. "None" (no bar yet, or none but NaN) is
 * the value NaN: every comparison with it is false, so it is written as
 * "not (the other beats x)", true on NaN. Elsewhere (no SSE2) a pair is a
 * struct and the same functions are scalar. */
#if defined(__SSE2__)
typedef __m128d kr__pair; /* [value, bar] */
typedef __m128d kr__mask; /* all ones or all zeros, in both lanes */

KR__STEP kr__pair kr__pair_make(double v, double i) { return _mm_set_pd(i, v); }
KR__STEP kr__pair kr__pair_load(const double *p) { return _mm_loadu_pd(p); }
KR__STEP void kr__pair_store(double *p, kr__pair a) { _mm_storeu_pd(p, a); }

/* m ? a : b */
KR__STEP kr__pair kr__pair_sel(kr__mask m, kr__pair a, kr__pair b)
{
#if defined(__SSE4_1__)
    return _mm_blendv_pd(b, a, m);
#else
    return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b));
#endif
}

/* The lane-0 result of a comparison, in both lanes. */
KR__STEP kr__mask kr__mask_lo(__m128d c) { return _mm_unpacklo_pd(c, c); }

/* Whether a's value beats b's (is_max: greater; tie: or equal); false
 * when either is NaN. */
KR__STEP kr__mask kr__pair_beats(kr__pair a, kr__pair b, bool is_max,
                                 bool tie)
{
    __m128d c;
    if (is_max)
        c = tie ? _mm_cmpge_pd(a, b) : _mm_cmpgt_pd(a, b);
    else
        c = tie ? _mm_cmple_pd(a, b) : _mm_cmplt_pd(a, b);
    return kr__mask_lo(c);
}

/* Whether x, not NaN, replaces c: x's value beats c's (tie: or equals
 * it), or c is none. */
KR__STEP kr__mask kr__pair_takes(kr__pair x, kr__pair c, bool is_max,
                                 bool tie)
{
    __m128d n; /* not (c beats x, on a tie when x does not take it) */
    if (is_max)
        n = tie ? _mm_cmpngt_pd(c, x) : _mm_cmpnge_pd(c, x);
    else
        n = tie ? _mm_cmpnlt_pd(c, x) : _mm_cmpnle_pd(c, x);
    return kr__mask_lo(_mm_and_pd(n, _mm_cmpord_pd(x, x)));
}

KR__STEP kr__mask kr__pair_nan(kr__pair a)
{
    return kr__mask_lo(_mm_cmpunord_pd(a, a));
}

/* Whether a's bar is before b's. */
KR__STEP kr__mask kr__pair_before(kr__pair a, kr__pair b)
{
    const __m128d c = _mm_cmplt_pd(a, b);
    return _mm_unpackhi_pd(c, c);
}
#else
typedef struct kr__pair {
    double v, i;
} kr__pair;
typedef bool kr__mask;

KR__STEP kr__pair kr__pair_make(double v, double i)
{
    kr__pair p = {v, i};
    return p;
}
KR__STEP kr__pair kr__pair_load(const double *p)
{
    return kr__pair_make(p[0], p[1]);
}
KR__STEP void kr__pair_store(double *p, kr__pair a)
{
    p[0] = a.v;
    p[1] = a.i;
}
KR__STEP kr__pair kr__pair_sel(kr__mask m, kr__pair a, kr__pair b)
{
    return m ? a : b;
}
KR__STEP kr__mask kr__pair_beats(kr__pair a, kr__pair b, bool is_max,
                                 bool tie)
{
    if (is_max)
        return tie ? a.v >= b.v : a.v > b.v;
    return tie ? a.v <= b.v : a.v < b.v;
}
KR__STEP kr__mask kr__pair_takes(kr__pair x, kr__pair c, bool is_max,
                                 bool tie)
{
    return (x.v == x.v) & !kr__pair_beats(c, x, is_max, !tie);
}
KR__STEP kr__mask kr__pair_nan(kr__pair a) { return a.v != a.v; }
KR__STEP kr__mask kr__pair_before(kr__pair a, kr__pair b)
{
    return a.i < b.i;
}
#endif

/* One entry of a block's suffix extremes: a pair. */
typedef struct kr__ext_ent {
    double v; /* NaN: none */
    double i; /* its bar */
} kr__ext_ent;

/* The state of one rolling extreme: pairs [value, bar]. */
typedef struct kr__ext {
    double held[2]; /* the extreme TA-Lib holds and its bar; bar -1 before
                       the first */
    double pre[2];  /* best of the current block so far; NaN while none */
    int32_t w;      /* window length, also the block length */
    int32_t pos;    /* slot of the next bar: its index mod w */
} kr__ext;

/* kr__ext_init readies e for windows of w bars and `suf`, its w + 1
 * suffix entries: the last stays "none" for the bars whose window is their
 * own block. */
static inline void kr__ext_init(kr__ext *e, kr__ext_ent *suf, int w)
{
    e->held[0] = 0.0;
    e->held[1] = -1.0;
    e->pre[0] = NAN;
    e->pre[1] = -1.0;
    e->w = w;
    e->pos = 0;
    for (int j = 0; j <= w; j++) {
        suf[j].v = NAN;
        suf[j].i = -1.0;
    }
}

/* kr__ext_suffix fills suf[j] with the extreme of vals[j .. w-1] (bars
 * b0 + j onwards), NaN skipped, none where all are NaN. `newest` settles
 * ties on the newest bar, else on the oldest. */
KR__STEP void kr__ext_suffix(kr__ext_ent *suf, const double *vals, int64_t b0,
                             int32_t w, bool is_max, bool newest)
{
    kr__pair c = kr__pair_make(NAN, -1.0);
    double bar = (double)(b0 + w - 1);
    for (int32_t j = w - 1; j >= 0; j--) {
        const kr__pair x = kr__pair_make(vals[j], bar);
        c = kr__pair_sel(kr__pair_takes(x, c, is_max, !newest), x, c);
        kr__pair_store(&suf[j].v, c);
        bar -= 1.0;
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
 * TA-Lib's bookkeeping so that kr__ext_val(e) is TA-Lib's highest (is_max)
 * or lowest of bars [t - w + 1, t] and kr__ext_idx(e) the bar it holds it
 * from. `block` holds the values of bars t - w .. t - 1 and is read only
 * when t starts a block (e->pos == 0, t > 0); `trail_x` is the value of
 * bar t - w + 1, read only from bar w - 1 on. `newest` is TA-Lib's tie rule
 * for a rescan: the newest of equal values (AROON) or the oldest (MAX,
 * MIN, STOCH, WILLR). `suf` holds w + 1 entries (kr__ext_init). */
KR__STEP void kr__ext_next(kr__ext *e, kr__ext_ent *suf, const double *block,
                           double x, double trail_x, int64_t t, bool is_max,
                           bool newest)
{
    const int32_t w = e->w;
    const int32_t pos = e->pos;
    const double tb = (double)t;
    const kr__pair xp = kr__pair_make(x, tb);
    kr__pair pre = kr__pair_load(e->pre);
    if (pos == 0) {
        if (t > 0)
            kr__ext_suffix(suf, block, t - w, w, is_max, newest);
        pre = kr__pair_make(NAN, -1.0);
    }
    pre = kr__pair_sel(kr__pair_takes(xp, pre, is_max, newest), xp, pre);
    kr__pair_store(e->pre, pre);
    e->pos = pos + 1 == w ? 0 : pos + 1;
    if (t < w - 1)
        return;
    /* What a rescan from the window's first bar finds: the extreme of the
     * older part (a suffix of the previous block, none when the window is
     * the current block) against the current block's, the older winning
     * ties unless `newest`. TA-Lib keeps a NaN it finds on the first bar.
     * Otherwise a value at least as extreme as the held one replaces it.
     * Both are computed and one is selected. */
    const kr__pair sp = kr__pair_load(&suf[pos + 1].v);
    kr__pair q =
        kr__pair_sel(kr__pair_takes(pre, sp, is_max, newest), pre, sp);
    const kr__pair tp = kr__pair_make(trail_x, tb - (double)(w - 1));
    q = kr__pair_sel(kr__pair_nan(tp), tp, q);
    const kr__pair held = kr__pair_load(e->held);
    const kr__pair u =
        kr__pair_sel(kr__pair_beats(xp, held, is_max, true), xp, held);
    kr__pair_store(e->held, kr__pair_sel(kr__pair_before(held, tp), q, u));
}

/* The extreme TA-Lib holds, and the bar it holds it from. */
static inline double kr__ext_val(const kr__ext *e) { return e->held[0]; }
static inline double kr__ext_idx(const kr__ext *e) { return e->held[1]; }

/* kr__lag is the streaming state of indicators that compare a value with
 * the one `period` bars before it (mom, roc): a ring of the last period
 * values. Allocate kr__lag_size(period) bytes. */
typedef struct kr__lag {
    int period;
    int count;     /* values seen, capped at period */
    int pos;       /* oldest slot of the ring once full */
    double ring[]; /* period values */
} kr__lag;

static inline size_t kr__lag_size(int period)
{
    return sizeof(kr__lag) + (size_t)period * sizeof(double);
}

static inline void kr__lag_init(kr__lag *l, int period)
{
    memset(l, 0, kr__lag_size(period));
    l->period = period;
}

/* kr__lag_next enters x: false during the first `period` bars, else true
 * with the value of `period` bars ago in *old. */
KR__STEP bool kr__lag_next(kr__lag *l, double x, double *old)
{
    if (l->count < l->period) {
        l->ring[l->count++] = x;
        return false;
    }
    *old = l->ring[l->pos];
    l->ring[l->pos] = x;
    if (++l->pos == l->period)
        l->pos = 0;
    return true;
}

/* kr__chan is the streaming state of a rolling highest high and lowest low
 * over `period` bars with TA-Lib's bookkeeping (kr__ext): the whole stream
 * state of willr and donchian. Allocate kr__chan_size(period) bytes: the
 * tail holds period + 1 suffix entries for each side, then rings of period
 * highs and period lows. */
typedef struct kr__chan {
    int period;
    int64_t t; /* bars seen */
    kr__ext hi, lo;
    kr__ext_ent suf[];
} kr__chan;

static inline size_t kr__chan_size(int period)
{
    const size_t p = (size_t)period;
    return sizeof(kr__chan) + 2 * (p + 1) * sizeof(kr__ext_ent) +
           2 * p * sizeof(double);
}

static inline void kr__chan_init(kr__chan *c, int period)
{
    memset(c, 0, kr__chan_size(period));
    c->period = period;
    kr__ext_init(&c->hi, c->suf, period);
    kr__ext_init(&c->lo, c->suf + period + 1, period);
}

/* kr__chan_next enters one bar: false during the warm-up (the first
 * period - 1 bars), else true with the window's highest high in *hh and
 * lowest low in *ll. */
KR__STEP bool kr__chan_next(kr__chan *c, double high, double low, double *hh,
                            double *ll)
{
    const int p = c->period;
    kr__ext_ent *sh = c->suf, *sl = c->suf + p + 1;
    double *rh = (double *)(c->suf + 2 * p + 2), *rl = rh + p;
    const int32_t pos = c->hi.pos;
    const int64_t t = c->t++;
    kr__ext_next(&c->hi, sh, rh, high, kr__ring_trail(rh, pos, p, high), t,
                 true, false);
    kr__ext_next(&c->lo, sl, rl, low, kr__ring_trail(rl, pos, p, low), t,
                 false, false);
    rh[pos] = high;
    rl[pos] = low;
    *hh = kr__ext_val(&c->hi);
    *ll = kr__ext_val(&c->lo);
    return t >= p - 1;
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
 * whole call when it was not. (AROON, which needs the bar rather than the
 * value, has its own blocks in aroon.c.)
 * ------------------------------------------------------------------------ */

typedef struct kr__vh {
    double pv;   /* extreme of the current block so far */
    int32_t w;   /* window length, also the block length */
    int32_t pos; /* slot of the next bar: its index mod w */
} kr__vh;

static inline void kr__vh_init(kr__vh *h, int w)
{
    h->pv = 0.0;
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
    const double a = kr__keep(avg * pm1);
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
        r->gain = kr__keep(
            kr__rsi_smooth(r->gain, up, r->pm1, r->inv, r->dp, exact));
        r->loss = kr__keep(
            kr__rsi_smooth(r->loss, -down, r->pm1, r->inv, r->dp, exact));
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
 * exactly zero. The guard is a select, so that a loop of these
 * vectorises. */
KR__STEP double kr__stoch_k(double x, double highest, double lowest)
{
    const double diff = (highest - lowest) / 100.0;
    const double k = (x - lowest) / diff;
    return kr__seld(diff != 0.0, k, 0.0);
}

#endif /* KR_TA_WINDOW_H */

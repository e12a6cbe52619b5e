/* ma.h -- moving-average and true-range building blocks shared by the
 * indicator files: TA-Lib's epsilon tests, the EMA step and an SMA-seeded EMA,
 * the Wilder step, the true range and an ATR, and an EMA stepped four bars
 * at a time for batches that vectorise.
 *
 * Batch and stream of an indicator must give the same bits, so both are
 * written over the steps below: a step is the only place an operation order
 * is decided. Each step is a static inline function, so the batch's tight
 * loop compiles to straight-line arithmetic. Expressions whose rounding
 * matters are split into separate statements: clang's default
 * -ffp-contract=on may fuse a*b+c within one expression into an FMA on
 * targets that have one, never across statements, so the split keeps every
 * build on the same bits, and on TA-Lib's where a step copies its order.
 *
 * The little state machines (kr__ema, kr__atr) carry their own warm-up: they
 * return NaN until defined, count bars rather than test for NaN (a NaN
 * input must propagate, not restart a warm-up), and hold no pointers, so a
 * stream state can embed them and a batch can keep one on its stack for its
 * first bars before switching to the tight loop.
 *
 * Other indicator files may include this header; its names and meanings are
 * stable.
 */
#ifndef KR_TA_MA_H
#define KR_TA_MA_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * TA-Lib's epsilon tests (ta_utility.h): TA_IS_ZERO and TA_IS_ZERO_OR_NEG.
 *
 * The epsilon is 1e-14 (TA_EPSILON in later TA-Lib sources) because that is
 * what the reference build does: the 0.4.0 source tarball's ta_utility.h
 * writes 0.00000001 (1e-8), but the TA-Lib in talib.js 0.1.0, which the
 * parity tests run, answers STDDEV(period 5) = 0 for a variance of
 * 9.99e-15 and 1.0018e-07 for one of 1.0037e-14, its RSI is not 0 for moves
 * of 1e-10, and its KAMA treats a residual sum of moves of 1.9e-14 as
 * non-zero. Both tests are false for NaN.
 * ------------------------------------------------------------------------ */

#define KR__TA_EPSILON 0.00000000000001

static inline bool kr__ta_is_zero(double v)
{
    return -KR__TA_EPSILON < v && v < KR__TA_EPSILON;
}

static inline bool kr__ta_is_zero_or_neg(double v)
{
    return v < KR__TA_EPSILON;
}

/* ------------------------------------------------------------------------
 * Exponential moving average
 *
 * Two steps compute the same average. kr__ema_step is TA-Lib's order,
 * ((x - prev) * k) + prev: TA-Lib's bits, but three dependent operations a
 * bar. kr__ema_step_fast is prev * (1 - k) + x * k: x * k is off the
 * critical path, which is then one multiply and one add, so a batch runs
 * about 1.3 times faster; it differs from TA-Lib by a few ulps of the value,
 * damped by (1 - k) each bar, so the gap stays bounded (about 1/k ulps at
 * worst) and relative to the average's own size. Use the exact step where a
 * result is a difference of averages that can cancel to ~0 (MACD, ADOSC):
 * there a few ulps of the price can be a large part of the answer.
 * ------------------------------------------------------------------------ */

/* kr__ema_k is TA-Lib's PER_TO_K: the smoothing factor 2 / (period + 1). */
static inline double kr__ema_k(int period)
{
    return 2.0 / (double)(period + 1);
}

/* kr__ema_step is one EMA update in TA-Lib's order and to its bits. */
static inline double kr__ema_step(double prev, double x, double k)
{
    const double d = (x - prev) * k;
    return d + prev;
}

/* kr__ema_step_fast is one EMA update as prev * c + x * k, c = 1 - k. */
static inline double kr__ema_step_fast(double prev, double x, double k,
                                       double c)
{
    const double a = prev * c;
    const double b = x * k;
    return a + b;
}

/* An EMA seeded TA-Lib's way (TA_COMPATIBILITY_DEFAULT): the first value,
 * at the period-th input, is the mean of the first `period` inputs summed in
 * order from 0.0 and divided by the period; every later one is a step.
 * Seeding needs no ring, so the whole state is these few words. A state is
 * advanced with kr__ema_next (exact steps) or kr__ema_next_fast, never
 * both. */
typedef struct kr__ema {
    int period;
    int count;    /* inputs seen, capped at period */
    double k;     /* kr__ema_k(period) */
    double c;     /* 1 - k */
    double sum;   /* running sum while seeding */
    double value; /* the current EMA once count == period */
} kr__ema;

static inline void kr__ema_init(kr__ema *e, int period)
{
    e->period = period;
    e->count = 0;
    e->k = kr__ema_k(period);
    e->c = 1.0 - e->k;
    e->sum = 0.0;
    e->value = NAN;
}

static inline bool kr__ema_ready(const kr__ema *e)
{
    return e->count == e->period;
}

/* kr__ema_seed feeds one input to an EMA that is not ready yet and returns
 * its value: NaN until the period-th input, then the seed. */
static inline double kr__ema_seed(kr__ema *e, double x)
{
    e->sum += x;
    if (++e->count < e->period)
        return NAN;
    e->value = e->sum / (double)e->period;
    return e->value;
}

/* kr__ema_next feeds one input and returns the EMA (TA-Lib's steps), NaN
 * while seeding. */
static inline double kr__ema_next(kr__ema *e, double x)
{
    if (e->count < e->period)
        return kr__ema_seed(e, x);
    e->value = kr__ema_step(e->value, x, e->k);
    return e->value;
}

/* kr__ema_next_fast is kr__ema_next with kr__ema_step_fast. */
static inline double kr__ema_next_fast(kr__ema *e, double x)
{
    if (e->count < e->period)
        return kr__ema_seed(e, x);
    e->value = kr__ema_step_fast(e->value, x, e->k, e->c);
    return e->value;
}

/* ------------------------------------------------------------------------
 * Wilder smoothing: next = (prev * (period - 1) + x) / period
 *
 * The same two flavours. kr__wilder_step is TA-Lib's order, prev *=
 * period-1; prev += x; prev /= period, to the last bit, with pm1 =
 * period - 1 and p = period; its division sits on the critical path (about
 * 20 cycles a bar). kr__wilder_step_fast is prev * c1 + x * rp with
 * c1 = (period - 1) / period and rp = 1 / period (kr__wilder_consts): one
 * multiply and one add on the critical path, so a batch runs at memory
 * speed. It differs from TA-Lib by a few ulps, damped by c1 each bar, so
 * the gap stays bounded (about `period` ulps at worst) instead of growing.
 * ------------------------------------------------------------------------ */

static inline double kr__wilder_step(double prev, double x, double pm1,
                                     double p)
{
    double v = prev * pm1;
    v += x;
    return v / p;
}

static inline double kr__wilder_step_fast(double prev, double x, double c1,
                                          double rp)
{
    const double a = prev * c1;
    const double b = x * rp;
    return a + b;
}

static inline void kr__wilder_consts(int period, double *c1, double *rp)
{
    *c1 = (double)(period - 1) / (double)period;
    *rp = 1.0 / (double)period;
}

/* ------------------------------------------------------------------------
 * True range
 * ------------------------------------------------------------------------ */

/* kr__true_range is TA-Lib's TRANGE for one bar: high - low, replaced by
 * |prev_close - high| or |prev_close - low| when one is greater. The
 * comparisons are TA-Lib's, so NaNs go where they go there: a NaN high or
 * low gives NaN, a NaN previous close alone gives high - low. */
static inline double kr__true_range(double high, double low,
                                    double prev_close)
{
    double g = high - low;
    const double a = fabs(prev_close - high);
    const double b = fabs(prev_close - low);
    g = a > g ? a : g;
    g = b > g ? b : g;
    return g;
}

/* ------------------------------------------------------------------------
 * Average true range (TA-Lib's ATR)
 * ------------------------------------------------------------------------ */

/* An ATR as TA-Lib computes it: no true range at the first bar, the first
 * ATR at bar `period` is the mean of the true ranges of bars 1..period
 * (summed in order, divided by the period), then Wilder smoothing with
 * kr__wilder_step_fast. A period of 1 is the true range itself, as TA-Lib's
 * ATR returns TRANGE then (so a NaN does not stick through 0 * NaN). */
typedef struct kr__atr {
    int period;
    int count;  /* bars seen, capped at period + 1 */
    double c1;  /* (period - 1) / period */
    double rp;  /* 1 / period */
    double sum; /* true ranges summed while seeding */
    double value;
    double prev_close;
} kr__atr;

static inline void kr__atr_init(kr__atr *a, int period)
{
    a->period = period;
    a->count = 0;
    kr__wilder_consts(period, &a->c1, &a->rp);
    a->sum = 0.0;
    a->value = NAN;
    a->prev_close = NAN;
}

static inline bool kr__atr_ready(const kr__atr *a)
{
    return a->count > a->period;
}

/* kr__atr_next feeds one bar and returns the ATR, NaN during the first
 * `period` bars. */
static inline double kr__atr_next(kr__atr *a, double high, double low,
                                  double close)
{
    const double tr = kr__true_range(high, low, a->prev_close);
    const bool first = a->count == 0;
    a->prev_close = close;
    if (a->count > a->period) {
        a->value = a->period == 1 ? tr
                                  : kr__wilder_step_fast(a->value, tr, a->c1,
                                                         a->rp);
        return a->value;
    }
    a->count++;
    if (first)
        return NAN;
    a->sum += tr;
    if (a->count <= a->period)
        return NAN;
    a->value = a->sum / (double)a->period;
    return a->value;
}

/* ------------------------------------------------------------------------
 * Four-bar EMA steps, for a batch that vectorises
 *
 * The EMA recurrence v[i] = v[i-1] * c + x[i] * k is a chain: each bar
 * waits for the one before it (a multiply and an add, about 1.6 ns a bar
 * on the benchmark machine), so no batch over it goes faster than that,
 * whatever the memory allows.
 * Unrolled four times it reads
 *
 *     v[i] = v[i-4] * c^4 + F[i],
 *     F[i] = (x[i] * k + x[i-1] * kc) + (x[i-2] * kc^2 + x[i-3] * kc^3),
 *
 * the same average, where bar i waits only for bar i-4: four bars in a
 * row are independent, and a batch computes them as one vector of four
 * lanes (GCC and clang's vector extension, elementwise IEEE arithmetic, so
 * each lane has the bits of the scalar expression, on any target). A
 * stream takes the very same step one bar at a time, keeping the last four
 * values and the last three inputs, so batch and stream agree bit for bit.
 *
 * Against TA-Lib's order the difference is of the same kind as
 * kr__ema_step_fast's: a few ulps of the value, damped by c^4 every four
 * bars, and the rounded constants k*c^j and c^4 shift the sum of the
 * weights by a few ulps of 1. Use it where kr__ema_step_fast is acceptable
 * (not where a difference of averages can cancel to ~0, as in MACD).
 *
 * kr__ema4 is seeded as kr__ema is (TA-Lib's SMA of the first period),
 * then takes three kr__ema_step_fast steps, which fill its history, and
 * four-bar steps from the fourth bar after the seed on ("steady"). Every
 * product and sum is a statement of its own so that no compiler fuses one
 * into an FMA (see the top of this file).
 * ------------------------------------------------------------------------ */

typedef double kr__v4d __attribute__((vector_size(32)));

/* Vector loads and stores at any alignment. They take pointers: a 32-byte
 * vector passed or returned by value changes the ABI between builds with
 * and without AVX (GCC's -Wpsabi), and inlined they cost nothing. */
static inline void kr__v4_load(kr__v4d *v, const double *p)
{
    memcpy(v, p, sizeof *v);
}

static inline void kr__v4_store(double *p, const kr__v4d *v)
{
    memcpy(p, v, sizeof *v);
}

typedef struct kr__ema4 {
    kr__ema e;     /* seeding and the three single steps; e.value */
    int steps;     /* single steps taken since the seed, capped at 3 */
    int pos;       /* the bar count modulo 4: slot of the value 4 bars back */
    double k0, k1, k2, k3; /* k, k*c, k*c^2, k*c^3 */
    double c4;             /* c^4 */
    double v[4];   /* v[(bar) & 3]: the values of the last four bars */
    double x[4];   /* x[(bar) & 3]: the inputs of the last four bars */
} kr__ema4;

static inline void kr__ema4_init(kr__ema4 *e, int period)
{
    kr__ema_init(&e->e, period);
    e->steps = 0;
    e->pos = 0;
    const double k = e->e.k, c = e->e.c;
    e->k0 = k;
    e->k1 = e->k0 * c;
    e->k2 = e->k1 * c;
    e->k3 = e->k2 * c;
    const double c2 = c * c;
    e->c4 = c2 * c2;
    for (int j = 0; j < 4; j++)
        e->v[j] = e->x[j] = 0.0;
}

/* Defined: the seed is in. */
static inline bool kr__ema4_ready(const kr__ema4 *e)
{
    return kr__ema_ready(&e->e);
}

/* Taking four-bar steps from the next bar on. */
static inline bool kr__ema4_steady(const kr__ema4 *e) { return e->steps == 3; }

/* The four-bar step for one bar: x0 is the new input, x1..x3 the three
 * before it, v4 the value four bars back. */
static inline double kr__ema4_step(const kr__ema4 *e, double x0, double x1,
                                   double x2, double x3, double v4)
{
    const double a0 = x0 * e->k0;
    const double a1 = x1 * e->k1;
    const double a2 = x2 * e->k2;
    const double a3 = x3 * e->k3;
    const double s01 = a0 + a1;
    const double s23 = a2 + a3;
    const double f = s01 + s23;
    const double g = v4 * e->c4;
    return g + f;
}

/* kr__ema4_next feeds one input and returns the EMA, NaN while seeding. */
static inline double kr__ema4_next(kr__ema4 *e, double x)
{
    const int p = e->pos;
    double v;
    if (e->steps == 3) {
        v = kr__ema4_step(e, x, e->x[(p + 3) & 3], e->x[(p + 2) & 3],
                          e->x[(p + 1) & 3], e->v[p]);
    } else if (!kr__ema_ready(&e->e)) {
        v = kr__ema_seed(&e->e, x);
    } else {
        v = kr__ema_step_fast(e->e.value, x, e->e.k, e->e.c);
        e->e.value = v;
        e->steps++;
    }
    e->v[p] = v;
    e->x[p] = x;
    e->pos = (p + 1) & 3;
    return v;
}

/* The vector side of kr__ema4, for a batch's loop: the constants spread
 * over four lanes, and a step over four bars at once. */
typedef struct kr__ema4_vec {
    kr__v4d k0, k1, k2, k3, c4;
} kr__ema4_vec;

static inline void kr__ema4_vec_init(kr__ema4_vec *c, const kr__ema4 *e)
{
    for (int j = 0; j < 4; j++) {
        c->k0[j] = e->k0;
        c->k1[j] = e->k1;
        c->k2[j] = e->k2;
        c->k3[j] = e->k3;
        c->c4[j] = e->c4;
    }
}

/* *v gets the values of the last four bars of a steady EMA, oldest in lane
 * 0; *x its last four inputs likewise. */
static inline void kr__ema4_last(const kr__ema4 *e, kr__v4d *v, kr__v4d *x)
{
    for (int j = 0; j < 4; j++) {
        (*v)[j] = e->v[(e->pos + j) & 3];
        (*x)[j] = e->x[(e->pos + j) & 3];
    }
}

/* kr__ema4_save writes back what a vector loop leaves (a whole number of
 * four-bar steps, so the bar count modulo 4 is unchanged): the values and
 * the inputs of the last four bars, oldest in lane 0. */
static inline void kr__ema4_save(kr__ema4 *e, const kr__v4d *v,
                                 const kr__v4d *x)
{
    for (int j = 0; j < 4; j++) {
        e->v[(e->pos + j) & 3] = (*v)[j];
        e->x[(e->pos + j) & 3] = (*x)[j];
    }
}

/* Four bars i..i+3 at once: *v holds the values of bars i-4..i-1 and gets
 * those of bars i..i+3; x0 holds the inputs of bars i..i+3, x1 those of
 * bars i-1..i+2, x2 of i-2..i+1, x3 of i-3..i. Lane by lane the operations
 * of kr__ema4_step. */
static inline void kr__ema4_vstep(const kr__ema4_vec *c, const kr__v4d *x0,
                                  const kr__v4d *x1, const kr__v4d *x2,
                                  const kr__v4d *x3, kr__v4d *v)
{
    const kr__v4d a0 = *x0 * c->k0;
    const kr__v4d a1 = *x1 * c->k1;
    const kr__v4d a2 = *x2 * c->k2;
    const kr__v4d a3 = *x3 * c->k3;
    const kr__v4d s01 = a0 + a1;
    const kr__v4d s23 = a2 + a3;
    const kr__v4d f = s01 + s23;
    const kr__v4d g = *v * c->c4;
    *v = g + f;
}

/* The lanes of two consecutive four-bar vectors a (bars i-4..i-1) and b
 * (bars i..i+3) shifted back by 1, 2 and 3 bars: *b1 gets bars i-1..i+2,
 * *b2 bars i-2..i+1, *b3 bars i-3..i. Built from an EMA's output this way
 * they are the x1..x3 of another EMA that takes that output as its input
 * (DEMA, TEMA). GCC from 12 and clang have __builtin_shufflevector; other
 * compilers go through memory. */
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define KR__HAVE_SHUFFLEVECTOR 1
#endif
#endif

static inline void kr__v4_back(const kr__v4d *a, const kr__v4d *b,
                               kr__v4d *b1, kr__v4d *b2, kr__v4d *b3)
{
#ifdef KR__HAVE_SHUFFLEVECTOR
    *b1 = __builtin_shufflevector(*a, *b, 3, 4, 5, 6);
    *b2 = __builtin_shufflevector(*a, *b, 2, 3, 4, 5);
    *b3 = __builtin_shufflevector(*a, *b, 1, 2, 3, 4);
#else
    double t[8];
    memcpy(t, a, sizeof *a);
    memcpy(t + 4, b, sizeof *b);
    memcpy(b1, t + 3, sizeof *b1);
    memcpy(b2, t + 2, sizeof *b2);
    memcpy(b3, t + 1, sizeof *b3);
#endif
}

/* kr__ema4_run feeds the m inputs x[0..m) to a steady EMA and writes its
 * values to v[0..m), four bars at a time: what m calls of kr__ema4_next
 * would do. x[-3..-1] must be readable and be the last three inputs the
 * EMA took (as they are when x points into the column it is fed from). */
static inline void kr__ema4_run(kr__ema4 *e, const double *x, double *v,
                                size_t m)
{
    kr__ema4_vec c;
    kr__ema4_vec_init(&c, e);
    kr__v4d prev, xin;
    kr__ema4_last(e, &prev, &xin);
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        kr__v4d x0, x1, x2, x3;
        kr__v4_load(&x0, x + i);
        kr__v4_load(&x1, x + i - 1);
        kr__v4_load(&x2, x + i - 2);
        kr__v4_load(&x3, x + i - 3);
        kr__ema4_vstep(&c, &x0, &x1, &x2, &x3, &prev);
        kr__v4_store(v + i, &prev);
        xin = x0;
    }
    if (i > 0)
        kr__ema4_save(e, &prev, &xin);
    for (; i < m; i++)
        v[i] = kr__ema4_next(e, x[i]);
}

#endif /* KR_TA_MA_H */

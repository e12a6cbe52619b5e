/* ma.h -- moving-average and true-range building blocks shared by the
 * indicator files: TA-Lib's epsilon tests, the EMA step and an SMA-seeded EMA,
 * the Wilder step, the true range and an ATR.
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

#endif /* KR_TA_MA_H */

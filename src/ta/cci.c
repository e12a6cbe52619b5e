/* cci.c -- commodity channel index, equal to TA-Lib's CCI.
 *
 * Donald Lambert's CCI (Commodities magazine, 1980) as TA-Lib 0.4.0
 * computes it over the last `period` typical prices tp = (high + low +
 * close) / 3: (tp - mean) / (0.015 * mean absolute deviation), and 0 when
 * either tp - mean or the deviation is exactly zero. The first value is at
 * bar period - 1.
 *
 * The mean absolute deviation needs every value of the window against the
 * current mean, so each bar costs O(period), in batch and stream alike (as
 * in TA-Lib and Tulip; no O(1) update gives it exactly). The mean must be
 * TA-Lib's to the bit, because tp - mean cancels: on a flat stretch TA-Lib's
 * mean can miss tp by an ulp, and its CCI is then the ratio of two
 * roundings, which a differently ordered sum would not reproduce. TA-Lib's
 * ring holds bar b in slot b mod period and sums the slots in order from 0;
 * at bar t = B + k of a block of `period` bars starting at B, slots 0..k
 * hold bars B..t and the others still hold the block before. So the sum is
 * the running sum of the current block (one addition per bar, kept),
 * continued over the previous block from its slot k + 1: period - 1 - k
 * more additions, half the window on average.
 *
 * The deviation has no such cancellation. It is summed over the window in
 * time order in four interleaved partial sums, and scaled by a precomputed
 * 0.015 / period where TA-Lib divides by the period and multiplies by
 * 0.015 (values within a few ulps of TA-Lib's). The window is contiguous in
 * `cat`, the previous block followed by the current one.
 *
 * The batch goes a block at a time, phase by phase (every sum of the
 * block, then every mean, then every deviation), so that the long chains
 * of additions of different bars overlap, and two consecutive bars at once,
 * one per SSE2 lane: their windows are one value apart in `cat` and their
 * sums one value apart in the padded block, so each lane reads with one
 * unaligned load what the stream's scalar step reads for that bar and
 * makes the same operations in the same order -- the same bits, at half
 * the instructions and divisions per bar.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct cci_core {
    int period;
    int pos;      /* position of the next bar in its block */
    int64_t t;    /* bars seen */
    double head;  /* TA-Lib's running sum over the current block so far */
    double scale; /* 0.015 / period */
} cci_core;

/* Buffers, 4 * period doubles: cat holds the previous block then the
 * current one; prev the previous block then zeros (the SIMD lane of the
 * later bar of a pair reads one past the block: adding 0.0 leaves its sum
 * as the scalar step's, but for the sign of a zero sum, which cannot reach
 * the CCI). */
typedef struct cci_bufs {
    double *cat, *prev;
} cci_bufs;

typedef struct cci_state {
    cci_core c;
    double buf[]; /* cat, then prev */
} cci_state;

int kr_cci_start(const double *params) { return (int)params[0] - 1; }

static void cci_core_init(cci_core *c, int period)
{
    c->period = period;
    c->pos = 0;
    c->t = 0;
    c->head = 0.0;
    c->scale = 0.015 / (double)period;
}

static inline double cci_tp(double high, double low, double close)
{
    const double s = high + low;
    const double s2 = s + close;
    return s2 / 3;
}

/* The CCI from the mean, the deviation's four partial sums and tp. */
static inline double cci_value(const cci_core *c, double mean, double a0,
                               double a1, double a2, double a3, double tp)
{
    const double dev = (a0 + a1) + (a2 + a3);
    const double num = tp - mean;
    if (num != 0.0 && dev != 0.0) {
        const double den = dev * c->scale;
        return num / den;
    }
    return 0.0;
}

/* The current block is complete: it becomes the previous one. */
static inline void cci_roll(cci_core *c, const cci_bufs *b)
{
    const size_t p = (size_t)c->period;
    c->pos = 0;
    memcpy(b->cat, b->cat + p, p * sizeof *b->cat);
    memcpy(b->prev, b->cat, p * sizeof *b->prev);
}

/* One bar through the scalar step: the CCI, NaN before bar period - 1. */
static inline double cci_step(cci_core *c, const cci_bufs *b, double tp)
{
    const int p = c->period, k = c->pos;
    double *cat = b->cat;
    const double *prev = b->prev;
    cat[p + k] = tp;
    const double head = (k == 0 ? 0.0 : c->head) + tp;
    c->head = head;
    double y = NAN;
    if (c->t++ >= p - 1) {
        double sum = head;
        for (int m = k + 1; m < p; m++)
            sum += prev[m];
        const double mean = sum / (double)p;
        const double *win = cat + k + 1;
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
        int e = 0;
        for (; e + 4 <= p; e += 4) {
            a0 += fabs(win[e] - mean);
            a1 += fabs(win[e + 1] - mean);
            a2 += fabs(win[e + 2] - mean);
            a3 += fabs(win[e + 3] - mean);
        }
        for (; e < p; e++)
            a0 += fabs(win[e] - mean);
        y = cci_value(c, mean, a0, a1, a2, a3, tp);
    }
    if (++c->pos == p)
        cci_roll(c, b);
    return y;
}

/* The batch over one block of `cnt` bars starting at bar b0 (a multiple of
 * the period), `cat` holding the previous block in its first half and
 * `prev` the previous block then zeros. Each bar gets the
 * operations of cci_step, but phase by phase over the whole block -- all
 * sums, then all means, then all deviations -- so that the out-of-order
 * core overlaps the bars' long addition chains; with SSE2, two bars per
 * instruction, one per lane. `hs` is scratch for 2 * period doubles. */
static void cci_block(const cci_core *c, const cci_bufs *b, double *hs,
                      const double *high, const double *low,
                      const double *close, int64_t b0, int cnt, double *y)
{
    const int p = c->period;
    double *cat = b->cat, *head = hs, *mean = hs + p;
    const double *prev = b->prev;
    double h = 0.0;
    for (int k = 0; k < cnt; k++) {
        const double tp = cci_tp(high[k], low[k], close[k]);
        cat[p + k] = tp;
        h = (k == 0 ? 0.0 : h) + tp;
        head[k] = h;
    }
    int k = 0;
#if defined(__SSE2__)
    const __m128d dp = _mm_set1_pd((double)p);
    for (; k + 1 < cnt; k += 2) {
        /* Past the previous block both lanes add zeros: stop when lane 0
         * reaches them (lane 1 has then added one). */
        __m128d sum = _mm_loadu_pd(head + k);
        const double *pp = prev + k + 1;
        for (int m = 0; m < p - 1 - k; m++)
            sum = _mm_add_pd(sum, _mm_loadu_pd(pp + m));
        _mm_storeu_pd(mean + k, _mm_div_pd(sum, dp));
    }
#endif
    for (; k < cnt; k++) {
        double sum = head[k];
        for (int m = k + 1; m < p; m++)
            sum += prev[m];
        mean[k] = sum / (double)p;
    }
    k = 0;
#if defined(__SSE2__)
    const __m128d absmask =
        _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
    const __m128d scale = _mm_set1_pd(c->scale), zero = _mm_setzero_pd();
    for (; k + 1 < cnt; k += 2) {
        const __m128d mu = _mm_loadu_pd(mean + k);
        const double *win = cat + k + 1;
        __m128d a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        int e = 0;
        for (; e + 4 <= p; e += 4) {
            const __m128d v0 = _mm_sub_pd(_mm_loadu_pd(win + e), mu);
            const __m128d v1 = _mm_sub_pd(_mm_loadu_pd(win + e + 1), mu);
            const __m128d v2 = _mm_sub_pd(_mm_loadu_pd(win + e + 2), mu);
            const __m128d v3 = _mm_sub_pd(_mm_loadu_pd(win + e + 3), mu);
            a0 = _mm_add_pd(a0, _mm_and_pd(v0, absmask));
            a1 = _mm_add_pd(a1, _mm_and_pd(v1, absmask));
            a2 = _mm_add_pd(a2, _mm_and_pd(v2, absmask));
            a3 = _mm_add_pd(a3, _mm_and_pd(v3, absmask));
        }
        for (; e < p; e++) {
            const __m128d v = _mm_sub_pd(_mm_loadu_pd(win + e), mu);
            a0 = _mm_add_pd(a0, _mm_and_pd(v, absmask));
        }
        const __m128d dev = _mm_add_pd(_mm_add_pd(a0, a1), _mm_add_pd(a2, a3));
        const __m128d num = _mm_sub_pd(_mm_loadu_pd(cat + p + k), mu);
        const __m128d q = _mm_div_pd(num, _mm_mul_pd(dev, scale));
        const __m128d ok =
            _mm_and_pd(_mm_cmpneq_pd(num, zero), _mm_cmpneq_pd(dev, zero));
        _mm_storeu_pd(y + k, _mm_and_pd(q, ok));
    }
#endif
    for (; k < cnt; k++) {
        const double mu = mean[k];
        const double *win = cat + k + 1;
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
        int e = 0;
        for (; e + 4 <= p; e += 4) {
            a0 += fabs(win[e] - mu);
            a1 += fabs(win[e + 1] - mu);
            a2 += fabs(win[e + 2] - mu);
            a3 += fabs(win[e + 3] - mu);
        }
        for (; e < p; e++)
            a0 += fabs(win[e] - mu);
        y[k] = cci_value(c, mu, a0, a1, a2, a3, cat[p + k]);
    }
    for (k = 0; k < cnt && b0 + k < p - 1; k++)
        y[k] = NAN;
}

int kr_cci(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const int p = (int)params[0];
    if (n == 0)
        return KR_OK;
    double *buf = kr_alloc_aligned(6 * (size_t)p * sizeof *buf);
    if (!buf)
        return KR_ENOMEM;
    memset(buf, 0, 4 * (size_t)p * sizeof *buf);
    const cci_bufs b = {buf, buf + 2 * p};
    cci_core c;
    cci_core_init(&c, p);
    for (size_t b0 = 0; b0 < n; b0 += (size_t)p) {
        const size_t cnt = n - b0 < (size_t)p ? n - b0 : (size_t)p;
        cci_block(&c, &b, buf + 4 * p, in[0] + b0, in[1] + b0, in[2] + b0,
                  (int64_t)b0, (int)cnt, out[0] + b0);
        if (cnt == (size_t)p)
            cci_roll(&c, &b);
    }
    kr_free_aligned(buf);
    return KR_OK;
}

size_t kr_cci_stream_size(const double *params)
{
    return sizeof(cci_state) + 4 * (size_t)params[0] * sizeof(double);
}

int kr_cci_stream_init(void *state, const double *params)
{
    cci_state *s = state;
    memset(s, 0, kr_cci_stream_size(params));
    cci_core_init(&s->c, (int)params[0]);
    return KR_OK;
}

void kr_cci_stream_next(void *state, const double *in, double *out)
{
    cci_state *s = state;
    const int p = s->c.period;
    const cci_bufs b = {s->buf, s->buf + 2 * p};
    out[0] = cci_step(&s->c, &b, cci_tp(in[0], in[1], in[2]));
}

const kr_ta_info kr_cci_info = {
    .name = "cci",
    .title = "Commodity Channel Index",
    .talib = "CCI",
    .ninputs = 3,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"cci"},
    .start = kr_cci_start,
    .batch = kr_cci,
    .stream_size = kr_cci_stream_size,
    .stream_init = kr_cci_stream_init,
    .stream_next = kr_cci_stream_next,
    .formula = "cci = (tp - sma(tp, period)) / (0.015 * mean |tp - "
               "sma(tp, period)|), tp = (high + low + close) / 3",
};

/* kama.c -- Kaufman adaptive moving average, equal to TA-Lib's KAMA.
 *
 * Perry Kaufman's KAMA (Trading Systems and Methods; "Smarter Trading",
 * 1995) is an EMA whose factor follows the efficiency ratio
 * er = |close - close[-period]| / sum(|close - close[-1]|, period): the
 * factor is sc = (er * (2/3 - 2/31) + 2/31)^2, between the squares of a
 * 30-bar and a 2-bar EMA factor (TA-Lib's fixed fast 2 / slow 30), and
 * kama = kama[-1] + sc * (close - kama[-1]).
 *
 * TA-Lib's details, all kept: the first value is at bar `period` (the lookback
 * is period, not period-1), computed from a previous KAMA equal to the close
 * of bar period-1; er is 1 when the sum of moves is ~0 (TA_IS_ZERO) or not
 * above the signed net move; the sum of moves is kept incrementally, taking
 * the oldest move out and the newest in, in TA-Lib's order, so er and sc
 * are TA-Lib's to the last bit (they must be: on a flat window TA-Lib's sum
 * keeps a residue of ~1e-14 that decides between er = 1 and er = 0).
 *
 * The average itself is not updated in TA-Lib's order. With c = 1 - sc and
 * b = close * sc, one step is kama = kama[-1] * c + b (ma.h's
 * kr__ema_step_fast for the first value), and from the bar after it two
 * steps are taken at once:
 *
 *     kama[i] = kama[i-2] * (c[i] * c[i-1]) + (b[i-1] * c[i] + b[i]),
 *
 * so bar i waits for bar i-2 only, and the chain of a multiply and an add
 * (about 1.6 ns) is shared by two bars; TA-Lib's (and Tulip's) subtract,
 * multiply, add a bar takes 2.1 ns. The values differ from TA-Lib's by a
 * few ulps of the average. The sum of moves is itself a chain, of two
 * additions a bar, and between the two chains lies work that vectorises
 * (the factors, a division among them). So the batch takes groups of
 * KR__GROUP bars through three stages in one loop, each stage a group
 * behind the one before: the sums of moves of one group, the factors of
 * the group before it, eight bars at a time in a vector, and the steps of
 * the group before that. The stages of one pass are independent, so the
 * processor overlaps the two chains and the vector work; about 1.5 times
 * Tulip's KAMA on 10M bars.
 *
 * The stream keeps the last `period` closes in a ring (what leaves the
 * window), the last close and the close that left last, the last two
 * averages and the last bar's factors, and takes the same steps, so batch
 * and stream agree bit for bit. A NaN close propagates through the running
 * sum as in TA-Lib.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

/* TA-Lib's constMax and constDiff: 2/(30+1) and 2/(2+1) - 2/(30+1). */
static const double kama_max = 2.0 / (30.0 + 1.0);
static const double kama_diff = 2.0 / (2.0 + 1.0) - 2.0 / (30.0 + 1.0);

typedef struct kama_state {
    int period;
    int count;       /* closes seen, capped at period + 1 */
    int pos;         /* oldest slot of the ring once full */
    double sum_roc;  /* sum of |close - close[-1]| over the window */
    double k1, k2;   /* the last two averages (k2 the older) */
    double c1, b1;   /* the last bar's factors, 1 - sc and close * sc */
    double last;     /* the previous close */
    double trailing; /* the close that left the window at the last bar */
    double ring[];   /* the last `period` closes */
} kama_state;

/* The smoothing factor of one bar from its efficiency ratio's parts:
 * roc = close - close[-period] and s = the sum of moves over the window.
 * TA-Lib's tests (TA_IS_ZERO is |s| < epsilon) and order, as a select
 * rather than a branch. */
static inline double kama_sc(double roc, double s)
{
    const bool one = (s <= roc) | (fabs(s) < KR__TA_EPSILON);
    const double q = fabs(roc / s);
    const double er = one ? 1.0 : q;
    double sc = er * kama_diff;
    sc = sc + kama_max;
    sc *= sc;
    return sc;
}

/* kama_sc, the factors c = 1 - sc and b = close * sc, and the combined
 * factors of kama_step2 (c * c1, b1 * c + b) of eight bars at once: x[0..7]
 * the closes, old[0..7] those `period` bars before, s[0..7] the sums of
 * moves. *cp and *bp hold the factors of the eight bars before (lane 7 is
 * the bar before x[0]) and get these; cc[] and bb[] get the combined ones.
 * Lane by lane the operations of kama_sc and kama_step2. */
static inline void kama_factors8(const double *x, const double *old,
                                 const double *s, kr__v8d *cp, kr__v8d *bp,
                                 double *cc, double *bb)
{
    kr__v8d xv, ov, sv, eps, one, mx, df, mz;
    kr__v8_load(&xv, x);
    kr__v8_load(&ov, old);
    kr__v8_load(&sv, s);
    for (int j = 0; j < 8; j++) {
        eps[j] = KR__TA_EPSILON;
        one[j] = 1.0;
        mx[j] = kama_max;
        df[j] = kama_diff;
        mz[j] = -0.0;
    }
    const kr__v8i sign = (kr__v8i)mz; /* the sign bits, for fabs */
    const kr__v8d roc = xv - ov;
    const kr__v8d r = roc / sv;
    const kr__v8d q = (kr__v8d)((kr__v8i)r & ~sign);
    const kr__v8d as = (kr__v8d)((kr__v8i)sv & ~sign);
    const kr__v8i unit = (sv <= roc) | (as < eps);
    const kr__v8d er =
        (kr__v8d)(((kr__v8i)one & unit) | ((kr__v8i)q & ~unit));
    kr__v8d sc = er * df;
    sc = sc + mx;
    sc = sc * sc;
    const kr__v8d c = one - sc;
    const kr__v8d b = xv * sc;
    kr__v8d c1, b1;
    kr__v8_back1(cp, &c, &c1);
    kr__v8_back1(bp, &b, &b1);
    const kr__v8d ccv = c * c1;
    const kr__v8d t = b1 * c;
    const kr__v8d bbv = t + b;
    kr__v8_store(cc, &ccv);
    kr__v8_store(bb, &bbv);
    *cp = c;
    *bp = b;
}

/* The sum of moves after bar i: the oldest move of the last window
 * (|trailing - old|, old being the close `period` bars back) out, the new
 * one in, in TA-Lib's order. */
static inline double kama_sum(double s, double trailing, double old,
                              double x, double prev)
{
    s -= fabs(trailing - old);
    s += fabs(x - prev);
    return s;
}

/* Two steps at once: the average of bar i from that of bar i-2, the
 * factors of bar i (c, b) and those of bar i-1 (c1, b1). */
static inline double kama_step2(double k2, double c, double b, double c1,
                                double b1)
{
    const double cc = c * c1;
    const double t = b1 * c;
    const double bb = t + b;
    const double g = k2 * cc;
    return g + bb;
}

int kr_kama_start(const double *params) { return (int)params[0]; }

int kr_kama(size_t n, const double *const *in, const double *params,
            double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int ip = (int)params[0];
    if (ip < 2)
        return KR_EINVAL;
    const size_t p = (size_t)ip;
    if (n <= p) {
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
        return KR_OK;
    }
    double sum_roc = 0.0;
    y[0] = NAN;
    for (size_t i = 1; i < p; i++) {
        sum_roc += fabs(x[i - 1] - x[i]);
        y[i] = NAN;
    }
    sum_roc += fabs(x[p - 1] - x[p]);
    /* The first value, one step from the close of bar p-1. */
    const double sc = kama_sc(x[p] - x[0], sum_roc);
    double c1 = 1.0 - sc, b1 = x[p] * sc;
    double k2 = x[p - 1];
    double k1 = kr__ema_step_fast(k2, x[p], sc, c1);
    y[p] = k1;
    /* From bar p+1 on, groups of KR__GROUP bars in three stages, each a
     * group behind the one before it (see the top of the file): the sums
     * of moves of group g, the factors of group g-1, the steps of group
     * g-2. Two buffers of each kind in turn. */
    const size_t i0 = p + 1, ng = (n - i0) / KR__GROUP;
    double sums[2][KR__GROUP], cc[2][KR__GROUP], bb[2][KR__GROUP];
    kr__v8d cp, bp;
    for (int j = 0; j < 8; j++)
        cp[j] = bp[j] = 0.0;
    cp[7] = c1;
    bp[7] = b1;
    for (size_t g = 0; g < ng + 2; g++) {
        if (g < ng) {
            const size_t i = i0 + KR__GROUP * g;
            double *sw = sums[g & 1];
            for (size_t j = 0; j < KR__GROUP; j++) {
                sum_roc = kama_sum(sum_roc, x[i + j - p - 1], x[i + j - p],
                                   x[i + j], x[i + j - 1]);
                sw[j] = sum_roc;
            }
        }
        if (g >= 1 && g <= ng) {
            const size_t i = i0 + KR__GROUP * (g - 1), h = (g - 1) & 1;
            kama_factors8(x + i, x + i - p, sums[h], &cp, &bp, cc[h], bb[h]);
        }
        if (g >= 2) {
            /* Two chains, of the even and the odd bars: k2 holds the
             * average two bars back, k1 the one before. */
            const size_t i = i0 + KR__GROUP * (g - 2), h = g & 1;
            for (size_t j = 0; j < KR__GROUP; j += 2) {
                const double ga = k2 * cc[h][j];
                k2 = ga + bb[h][j];
                y[i + j] = k2;
                const double gb = k1 * cc[h][j + 1];
                k1 = gb + bb[h][j + 1];
                y[i + j + 1] = k1;
            }
        }
    }
    c1 = cp[7];
    b1 = bp[7];
    for (size_t i = i0 + KR__GROUP * ng; i < n; i++) {
        sum_roc = kama_sum(sum_roc, x[i - p - 1], x[i - p], x[i], x[i - 1]);
        const double s = kama_sc(x[i] - x[i - p], sum_roc);
        const double c = 1.0 - s, b = x[i] * s;
        const double k = kama_step2(k2, c, b, c1, b1);
        k2 = k1;
        k1 = k;
        c1 = c;
        b1 = b;
        y[i] = k;
    }
    return KR_OK;
}

size_t kr_kama_stream_size(const double *params)
{
    return sizeof(kama_state) + (size_t)params[0] * sizeof(double);
}

int kr_kama_stream_init(void *state, const double *params)
{
    kama_state *s = state;
    const int p = (int)params[0];
    if (p < 2)
        return KR_EINVAL;
    memset(s, 0, kr_kama_stream_size(params));
    s->period = p;
    return KR_OK;
}

void kr_kama_stream_next(void *state, const double *in, double *out)
{
    kama_state *s = state;
    const double x = in[0];
    if (s->count < s->period) {
        if (s->count > 0)
            s->sum_roc += fabs(s->last - x);
        s->ring[s->count++] = x;
        s->last = x;
        out[0] = NAN;
        return;
    }
    const double old = s->ring[s->pos];
    double k;
    if (s->count == s->period) {
        s->sum_roc += fabs(s->last - x);
        const double sc = kama_sc(x - old, s->sum_roc);
        s->c1 = 1.0 - sc;
        s->b1 = x * sc;
        s->k1 = s->last;
        k = kr__ema_step_fast(s->last, x, sc, s->c1);
        s->count++;
    } else {
        s->sum_roc = kama_sum(s->sum_roc, s->trailing, old, x, s->last);
        const double sc = kama_sc(x - old, s->sum_roc);
        const double c = 1.0 - sc, b = x * sc;
        k = kama_step2(s->k2, c, b, s->c1, s->b1);
        s->c1 = c;
        s->b1 = b;
    }
    s->k2 = s->k1;
    s->k1 = k;
    out[0] = k;
    s->trailing = old;
    s->ring[s->pos] = x;
    if (++s->pos == s->period)
        s->pos = 0;
    s->last = x;
}

const kr_ta_info kr_kama_info = {
    .name = "kama",
    .title = "Kaufman Adaptive Moving Average",
    .talib = "KAMA",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 30, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"kama"},
    .start = kr_kama_start,
    .batch = kr_kama,
    .stream_size = kr_kama_stream_size,
    .stream_init = kr_kama_stream_init,
    .stream_next = kr_kama_stream_next,
    .formula = "kama = kama[-1] + (er*(2/3-2/31) + 2/31)^2 * (close - "
               "kama[-1]), er = |close - close[-period]| / sum(|close - "
               "close[-1]|, period)",
};

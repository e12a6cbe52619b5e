/* linearreg_slope.c -- slope of the least-squares line, TA-Lib's
 * LINEARREG_SLOPE.
 *
 * The slope m of the line y = b + m*x fitted by least squares to the last
 * `period` closes. TA-Lib 0.4.0 (ta_LINEARREG_SLOPE.c) numbers the bars of
 * the window by their age x = period-1 (oldest) .. 0 (newest), uses the
 * closed forms SumX = p(p-1)/2 and SumXSqr = p(p-1)(2p-1)/6, and returns
 *
 *     m = (p * SumXY - SumX * SumY) / (SumX^2 - p * SumXSqr)
 *
 * (the age runs backwards in time and the divisor is negative, so m is the
 * usual rise per bar). We keep those closed forms, the divisor (inverted
 * once) and the final expression, but not TA-Lib's way to the sums: it adds
 * up SumXY and SumY afresh over every window, O(period) a bar. Here they are
 * updated in O(1): when a bar arrives every age grows by one, so SumXY gains
 * SumY, the leaving value (now of age p) is taken out of both, and the new
 * one enters SumY at age 0. The sums hold deviations from an anchor price K
 * (the numerator does not change when a constant is subtracted from every
 * y: p*K*SumX cancels), and they are refreshed every period as stats.h
 * describes, so rounding does not pile up over the series and a NaN close
 * gives NaN for exactly the windows that hold it, as in TA-Lib.
 *
 * The result differs from TA-Lib's only by rounding, but not by none: on
 * the parity series (S&P 500 closes, the flat and gap series of the tests)
 * the worst difference is 2.2e-10 relative, 1.2e-13 absolute near zero,
 * against a tolerance of 1e-9 and 1e-12; TA-Lib's sums of undeviated prices
 * carry most of it. Where TA-Lib's own noise exceeds the tolerance, we do
 * not follow it: on a flat window of closes near 3e5 it returns 1.9e-11
 * where the slope is 0, and this returns 0.
 *
 * One deliberate difference: TA-Lib evaluates p(p-1)(2p-1)/6 in 32-bit int,
 * which overflows above period 1024 and makes its results meaningless there;
 * we evaluate it in 64 bits. Periods up to 1024 are unaffected.
 *
 * The stream keeps the last `period` closes in a ring (the leaving value
 * is needed at the arrival of the new one). The batch takes the same steps
 * to the same bits, arranged for speed. It writes each bar's sums T and S
 * to a buffer and turns a block of them into slopes four bars at a time.
 * Where the window is full and clean it takes whole periods, each starting
 * at the bar where the fresh sums B start over: within a period A rolls
 * and B adds, at its last bar A takes B. So a period's A starts from the
 * previous period's B, and depends on nothing else: for periods from 8 to
 * LR_LANES_MAX (the default 14 among them) the batch computes four
 * consecutive periods at once, one in each lane of a vector, first their
 * four Bs and then their four As (lr_periods4). Elsewhere (warm-up, a
 * window with a non-finite close, the edges of a block) it takes the
 * general step a bar at a time, and between refreshes runs of plain rolls.
 * On 10M bars about 1.3 times Tulip's LINREGSLOPE.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

/* The window's sums: S = sum(y - K), T = sum(age * (y - K)). */
typedef struct lr_sums {
    double k, s, t;
} lr_sums;

typedef struct linearreg_slope_state {
    kr__win win;
    int pos; /* oldest slot of the ring */
    double sumx, rdiv; /* SumX and 1 / divisor */
    lr_sums a, b;      /* the window's sums and the fresh ones (stats.h) */
    double ring[]; /* the last period closes */
} linearreg_slope_state;

/* TA-Lib's closed forms SumX and SumX^2 - p*SumXSqr (the divisor, here
 * inverted), evaluated without overflow. */
static void lr_consts(int p, double *sumx, double *rdiv)
{
    const double sx = (double)p * (double)(p - 1) * 0.5;
    const double sxx = (double)((int64_t)p * (p - 1) * (2 * p - 1) / 6);
    const double sx2 = sx * sx, psxx = (double)p * sxx;
    *sumx = sx;
    *rdiv = 1.0 / (sx2 - psxx);
}

/* Sums that start over, anchored at k. */
static inline void lr_reset(lr_sums *u, double k)
{
    u->k = kr__anchor(k);
    u->s = 0.0;
    u->t = 0.0;
}

/* Adds y as the newest value (age 0): every older one ages by a bar. */
static inline void lr_push(lr_sums *u, double y)
{
    u->t += u->s;
    u->s += y - u->k;
}

/* A rolls over one bar: every age grows by one (T gains S), the leaving
 * value `old`, now of age p, is taken out of both sums, x enters S at age 0.
 * Each sum's own update is a single addition, so the loop-carried chain is
 * one add a bar. */
static inline void lr_roll(lr_sums *a, double x, double old, double dp)
{
    const double leave = old - a->k;
    const double aged = dp * leave;
    const double dt = a->s - aged;
    const double ds = x - old;
    a->t += dt;
    a->s += ds;
}

/* One bar for the stream and the batch's general path: x arrives and `old`
 * (the close `period` bars back, meaningless before bar `period`) leaves.
 * Returns what A needed (KR__WIN_*); on KR__WIN_REBUILD the caller rebuilds
 * A from the window with lr_reset and lr_push. */
static inline int lr_update(kr__win *w, lr_sums *a, lr_sums *b, double x,
                            double old, double dp)
{
    if (kr__win_fresh(w))
        lr_reset(b, x);
    lr_push(b, x);
    const int act = kr__win_next(w, !isfinite(x), !isfinite(old));
    if (act == KR__WIN_SWAP)
        *a = *b;
    else if (act == KR__WIN_ROLL)
        lr_roll(a, x, old, dp);
    return act;
}

/* TA-Lib's final expression over A; rdiv is 1 / divisor. */
static inline double lr_slope(const lr_sums *a, double dp, double sumx,
                              double rdiv)
{
    const double pt = dp * a->t, xs = sumx * a->s;
    return (pt - xs) * rdiv;
}

/* Four whole periods at once, in the four lanes of vectors: lane l takes
 * the period of bars i + l*p .. i + l*p + p-1, each starting where B starts
 * over, with the window full and clean. The periods are coupled only
 * through A's start, which is the B of the period before: so the four Bs
 * come first (lane by lane the pushes of lr_update), then the four As roll
 * from the Bs (lane 0 from *a), lane by lane the operations of lr_roll, and
 * take their own B at the period's last bar. The sums of each bar go to
 * ts[] and ss[] (bar i at index 0). Returns false, leaving *a as it was,
 * when a close was not finite: the caller takes those bars the general
 * way. */
#define LR_LANES_MAX 64

static bool lr_periods4(const double *x, size_t i, size_t sp, double dp,
                        lr_sums *a, double *ts, double *ss)
{
    kr__v4d m[LR_LANES_MAX];
    for (size_t j = 0; j < sp; j++) {
        const kr__v4d v = {x[i + j], x[i + sp + j], x[i + 2 * sp + j],
                           x[i + 3 * sp + j]};
        m[j] = v;
    }
    const kr__v4d kb = m[0]; /* B's anchors: finite if it all is */
    kr__v4d bt = {0.0, 0.0, 0.0, 0.0}, bs = bt;
    for (size_t j = 0; j < sp; j++) {
        bt = bt + bs;
        const kr__v4d e = m[j] - kb;
        bs = bs + e;
    }
    for (int l = 0; l < 4; l++)
        if (!kr__finite(bs[l]))
            return false;
    kr__v4d ak = {a->k, kb[0], kb[1], kb[2]};
    kr__v4d at = {a->t, bt[0], bt[1], bt[2]};
    kr__v4d as = {a->s, bs[0], bs[1], bs[2]};
    const kr__v4d vp = {dp, dp, dp, dp};
    for (size_t j = 0; j + 1 < sp; j++) {
        const kr__v4d o = {x[i - sp + j], m[j][0], m[j][1], m[j][2]};
        const kr__v4d leave = o - ak;
        const kr__v4d aged = vp * leave;
        const kr__v4d dt = as - aged;
        const kr__v4d ds = m[j] - o;
        at = at + dt;
        as = as + ds;
        for (int l = 0; l < 4; l++) {
            ts[l * sp + j] = at[l];
            ss[l * sp + j] = as[l];
        }
    }
    for (int l = 0; l < 4; l++) {
        ts[l * sp + sp - 1] = bt[l];
        ss[l * sp + sp - 1] = bs[l];
    }
    a->k = kb[3];
    a->t = bt[3];
    a->s = bs[3];
    return true;
}

int kr_linearreg_slope_start(const double *params)
{
    return (int)params[0] - 1;
}

int kr_linearreg_slope(size_t n, const double *const *in, const double *params,
                       double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int p = (int)params[0];
    const size_t sp = (size_t)p;
    const double dp = (double)p;
    double sumx, rdiv;
    lr_consts(p, &sumx, &rdiv);
    kr__win w;
    kr__win_init(&w, p);
    lr_sums a = {0.0, 0.0, 0.0}, b = {0.0, 0.0, 0.0};
    double ts[KR__BLOCK], ss[KR__BLOCK];
    const kr__v4d vp = {dp, dp, dp, dp}, vx = {sumx, sumx, sumx, sumx};
    const kr__v4d vr = {rdiv, rdiv, rdiv, rdiv};
    size_t slow_until = 0;
    /* Blocks of whole periods where a period fits (so that they start
     * where B starts over), of KR__BLOCK bars otherwise. */
    const size_t blk =
        sp <= KR__BLOCK ? KR__BLOCK - KR__BLOCK % sp : KR__BLOCK;
    for (size_t i0 = 0; i0 < n; i0 += blk) {
        const size_t end = n - i0 < blk ? n : i0 + blk;
        size_t i = i0;
        while (i < end) {
            /* Whole periods, from a bar where B starts over with the
             * window full and clean: what the general step does for them
             * when their closes are finite, checked period by period (a
             * non-finite close leaves B non-finite until it starts over). */
            if (w.phase == 0 && w.seen >= p && w.bad == 0 &&
                i >= slow_until && end - i >= sp) {
                for (; p >= 8 && p <= LR_LANES_MAX && end - i >= 4 * sp;
                     i += 4 * sp)
                    if (!lr_periods4(x, i, sp, dp, &a, ts + (i - i0),
                                     ss + (i - i0))) {
                        slow_until = i + 4 * sp;
                        break;
                    }
                if (i < slow_until)
                    continue;
                for (; end - i >= sp; i += sp) {
                    const lr_sums a0 = a, b0 = b;
                    lr_reset(&b, x[i]);
                    for (size_t j = i; j + 1 < i + sp; j++) {
                        lr_push(&b, x[j]);
                        lr_roll(&a, x[j], x[j - sp], dp);
                        ts[j - i0] = a.t;
                        ss[j - i0] = a.s;
                    }
                    lr_push(&b, x[i + sp - 1]);
                    a = b;
                    ts[i + sp - 1 - i0] = a.t;
                    ss[i + sp - 1 - i0] = a.s;
                    if (!kr__finite(b.s)) {
                        a = a0;
                        b = b0;
                        slow_until = i + sp;
                        break;
                    }
                }
                continue;
            }
            const size_t run = (size_t)kr__win_run(&w);
            if (run && i >= slow_until) {
                const size_t start = i, stop = end - i < run ? end : i + run;
                const lr_sums a0 = a, b0 = b;
                for (; i < stop; i++) {
                    lr_push(&b, x[i]);
                    lr_roll(&a, x[i], x[i - sp], dp);
                    ts[i - i0] = a.t;
                    ss[i - i0] = a.s;
                }
                if (kr__finite(a.s) && kr__finite(b.s)) {
                    kr__win_skip(&w, (int)(stop - start));
                    continue;
                }
                a = a0;
                b = b0;
                i = start;
                slow_until = stop;
            }
            const double old = i >= sp ? x[i - sp] : 0.0;
            if (lr_update(&w, &a, &b, x[i], old, dp) == KR__WIN_REBUILD) {
                lr_reset(&a, x[i]);
                for (size_t j = i + 1 - sp; j <= i; j++)
                    lr_push(&a, x[j]);
            }
            ts[i - i0] = kr__win_defined(&w) ? a.t : NAN;
            ss[i - i0] = a.s;
            i++;
        }
        size_t j = 0;
        for (; j + 4 <= end - i0; j += 4) {
            kr__v4d t, u;
            kr__v4_load(&t, ts + j);
            kr__v4_load(&u, ss + j);
            const kr__v4d pt = vp * t, xs = vx * u;
            const kr__v4d d = pt - xs;
            const kr__v4d r = d * vr;
            kr__v4_store(y + i0 + j, &r);
        }
        for (; j < end - i0; j++) {
            const lr_sums u = {0.0, ss[j], ts[j]};
            y[i0 + j] = lr_slope(&u, dp, sumx, rdiv);
        }
    }
    return KR_OK;
}

size_t kr_linearreg_slope_stream_size(const double *params)
{
    return sizeof(linearreg_slope_state) + (size_t)params[0] * sizeof(double);
}

int kr_linearreg_slope_stream_init(void *state, const double *params)
{
    linearreg_slope_state *s = state;
    memset(s, 0, kr_linearreg_slope_stream_size(params));
    kr__win_init(&s->win, (int)params[0]);
    lr_consts(s->win.period, &s->sumx, &s->rdiv);
    return KR_OK;
}

void kr_linearreg_slope_stream_next(void *state, const double *in,
                                    double *out)
{
    linearreg_slope_state *s = state;
    const int p = s->win.period;
    const double dp = (double)p;
    const double x = in[0];
    const double old = s->ring[s->pos];
    s->ring[s->pos] = x;
    if (++s->pos == p)
        s->pos = 0;
    if (lr_update(&s->win, &s->a, &s->b, x, old, dp) == KR__WIN_REBUILD) {
        lr_reset(&s->a, x);
        for (int j = 0, k = s->pos; j < p; j++, k = k + 1 == p ? 0 : k + 1)
            lr_push(&s->a, s->ring[k]);
    }
    out[0] = kr__win_defined(&s->win) ? lr_slope(&s->a, dp, s->sumx, s->rdiv)
                                      : NAN;
}

const kr_ta_info kr_linearreg_slope_info = {
    .name = "linearreg_slope",
    .title = "Linear Regression Slope",
    .talib = "LINEARREG_SLOPE",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 14, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"slope"},
    .start = kr_linearreg_slope_start,
    .batch = kr_linearreg_slope,
    .stream_size = kr_linearreg_slope_stream_size,
    .stream_init = kr_linearreg_slope_stream_init,
    .stream_next = kr_linearreg_slope_stream_next,
    .formula = "slope = (p*sum(x*y) - sum(x)*sum(y)) / (sum(x)^2 - "
               "p*sum(x^2)) over the last p closes, x = bar age",
};

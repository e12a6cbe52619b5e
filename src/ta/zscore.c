/* zscore.c -- z-score of the close against its moving average.
 *
 *     z = (close - sma(close, period)) / stddev(close, period)
 *
 * with the population standard deviation of the same `period` closes: how
 * many standard deviations the close stands from its mean, its value in
 * "standard units" (Freedman, Pisani & Purves, Statistics, 4th ed., Norton
 * 2007, ch. 5). It is Bollinger's %b on another scale: with bands nbdev
 * deviations wide, %b = (close - lower) / (upper - lower) = (z + nbdev) /
 * (2 nbdev), so z = nbdev (2 %b - 1) (J. Bollinger, Bollinger on Bollinger
 * Bands, McGraw-Hill 2001, Part II, the chapter on %b and BandWidth). TA-Lib
 * has no such function.
 *
 * A flat window has no deviation, and the z-score is then 0: the close is
 * exactly its mean, so it stands zero deviations away, and a feature that is
 * 0 on a flat stretch is what a model downstream can use (NaN would throw
 * the bar away, an infinity would poison it). Flatness is tested exactly: the
 * last `period` closes are all equal (a run counter, O(1)). We do not copy
 * TA-Lib's STDDEV guard, a variance below an absolute epsilon: in price
 * units squared it means a different spread for every instrument (builds of
 * TA-Lib set it to 1e-8, which would zero an FX pair's windows spread less
 * than 1e-4, or 1e-14). Should rounding still give a variance of 0 or less
 * for a window that is not flat, the result is also 0.
 *
 * The sums of values and of squares are deviations from an anchor price and
 * are refreshed every period (stats.h), so E[x^2] - E[x]^2 keeps its digits
 * at any price level and rounding does not pile up over a long series; a
 * NaN (or infinite) close gives NaN for exactly the windows that hold it.
 * The anchor is a close of the last two periods, so after a jump of many
 * deviations the sums hold large deviations until the next refresh and
 * keep fewer digits meanwhile: against an exact reference, within 2e-10
 * relative on tick-rounded closes with gaps of 20-30%, but 1e-5 in the
 * windows just after a thousandfold jump. The batch runs a tight loop
 * between refreshes (as linearreg_slope.c does); the stream keeps the last
 * `period` closes in a ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

/* Sums of (x - k) and (x - k)^2. */
typedef struct z_sums {
    double k, s1, s2;
} z_sums;

typedef struct zscore_state {
    kr__win win;
    int pos;     /* oldest slot of the ring */
    int run;     /* closes equal to the newest, up to period */
    double prev; /* the previous close */
    double inv;  /* 1 / period */
    z_sums a, b;   /* the window's sums and the fresh ones (stats.h) */
    double ring[]; /* the last period closes */
} zscore_state;

int kr_zscore_start(const double *params) { return (int)params[0] - 1; }

/* Sums that start over, anchored at k. */
static inline void z_reset(z_sums *u, double k)
{
    u->k = kr__anchor(k);
    u->s1 = 0.0;
    u->s2 = 0.0;
}

static inline void z_push(z_sums *u, double x)
{
    const double d = x - u->k;
    const double d2 = d * d;
    u->s1 += d;
    u->s2 += d2;
}

/* The length of the run of equal closes ending at x, capped at period. */
static inline int z_run(int run, double prev, double x, int period)
{
    if (x != prev)
        return 1;
    return run < period ? run + 1 : period;
}

/* A rolls over one bar: x enters, `old` leaves. enter^2 - leave^2 is
 * taken as (enter - leave) * (enter + leave), and each sum changes by a
 * single addition, the only loop-carried operation. */
static inline void z_roll(z_sums *a, double x, double old)
{
    const double leave = old - a->k, enter = x - a->k;
    const double d = enter - leave, t = enter + leave;
    const double d2 = d * t;
    a->s1 += d;
    a->s2 += d2;
}

/* One bar for the stream and the batch's general path, as lr_update in
 * linearreg_slope.c: x arrives, `old` leaves; returns what A needed
 * (KR__WIN_*). */
static inline int z_update(kr__win *w, z_sums *a, z_sums *b, double x,
                           double old)
{
    if (kr__win_fresh(w))
        z_reset(b, x);
    z_push(b, x);
    const int act = kr__win_next(w, !isfinite(x), !isfinite(old));
    if (act == KR__WIN_SWAP)
        *a = *b;
    else if (act == KR__WIN_ROLL)
        z_roll(a, x, old);
    return act;
}

/* The z-score of x from A, the window being full and finite; `run` equal
 * closes end at x. */
static inline double z_score(const z_sums *a, double x, int run, int period,
                             double inv)
{
    if (run >= period)
        return 0.0; /* a flat window */
    const double m1 = a->s1 * inv;
    const double m2 = a->s2 * inv;
    const double m11 = m1 * m1;
    const double var = m2 - m11;
    if (var <= 0.0)
        return 0.0; /* rounding left no spread to divide by */
    return ((x - a->k) - m1) / sqrt(var);
}

int kr_zscore(size_t n, const double *const *in, const double *params,
              double *const *out)
{
    const double *x = in[0];
    double *y = out[0];
    const int p = (int)params[0];
    const size_t sp = (size_t)p;
    const double inv = 1.0 / (double)p;
    kr__win w;
    kr__win_init(&w, p);
    z_sums a = {0.0, 0.0, 0.0}, b = {0.0, 0.0, 0.0};
    int run = 0;
    double prev = NAN;
    size_t i = 0, slow_until = 0;
    while (i < n) {
        /* The fast path, as in linearreg_slope.c: the bars up to the next
         * refresh as plain rolls, undone and taken bar by bar if a close
         * was not finite. */
        const size_t fast = (size_t)kr__win_run(&w);
        if (fast && i >= slow_until) {
            const size_t start = i, end = n - i < fast ? n : i + fast;
            const z_sums a0 = a, b0 = b;
            const int run0 = run;
            const double prev0 = prev;
            for (; i < end; i++) {
                const double xi = x[i];
                run = z_run(run, prev, xi, p);
                prev = xi;
                z_push(&b, xi);
                z_roll(&a, xi, x[i - sp]);
                y[i] = z_score(&a, xi, run, p, inv);
            }
            if (kr__finite(a.s1) && kr__finite(b.s1)) {
                kr__win_skip(&w, (int)(end - start));
                continue;
            }
            a = a0;
            b = b0;
            run = run0;
            prev = prev0;
            i = start;
            slow_until = end;
        }
        const double xi = x[i];
        run = z_run(run, prev, xi, p);
        prev = xi;
        const double old = i >= sp ? x[i - sp] : 0.0;
        if (z_update(&w, &a, &b, xi, old) == KR__WIN_REBUILD) {
            z_reset(&a, xi);
            for (size_t j = i + 1 - sp; j <= i; j++)
                z_push(&a, x[j]);
        }
        y[i] = kr__win_defined(&w) ? z_score(&a, xi, run, p, inv) : NAN;
        i++;
    }
    return KR_OK;
}

size_t kr_zscore_stream_size(const double *params)
{
    return sizeof(zscore_state) + (size_t)params[0] * sizeof(double);
}

int kr_zscore_stream_init(void *state, const double *params)
{
    zscore_state *s = state;
    memset(s, 0, kr_zscore_stream_size(params));
    kr__win_init(&s->win, (int)params[0]);
    s->inv = 1.0 / (double)s->win.period;
    s->prev = NAN;
    return KR_OK;
}

void kr_zscore_stream_next(void *state, const double *in, double *out)
{
    zscore_state *s = state;
    const int p = s->win.period;
    const double x = in[0];
    s->run = z_run(s->run, s->prev, x, p);
    s->prev = x;
    const double old = s->ring[s->pos];
    s->ring[s->pos] = x;
    if (++s->pos == p)
        s->pos = 0;
    if (z_update(&s->win, &s->a, &s->b, x, old) == KR__WIN_REBUILD) {
        z_reset(&s->a, x);
        for (int j = 0, k = s->pos; j < p; j++, k = k + 1 == p ? 0 : k + 1)
            z_push(&s->a, s->ring[k]);
    }
    out[0] = kr__win_defined(&s->win) ? z_score(&s->a, x, s->run, p, s->inv)
                                      : NAN;
}

const kr_ta_info kr_zscore_info = {
    .name = "zscore",
    .title = "Z-Score",
    .talib = NULL,
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 1,
    .params = {{"period", 20, 2, 100000, true}},
    .noutputs = 1,
    .outputs = {"zscore"},
    .start = kr_zscore_start,
    .batch = kr_zscore,
    .stream_size = kr_zscore_stream_size,
    .stream_init = kr_zscore_stream_init,
    .stream_next = kr_zscore_stream_next,
    .formula = "zscore = (close - sma(close, period)) / stddev(close, "
               "period) (population), 0 when the window is flat",
};

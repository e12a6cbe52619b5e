/* vwap.c -- volume-weighted average price, per session or rolling.
 *
 *     vwap = sum(typical * volume) / sum(volume),  typical = (h + l + c) / 3
 *
 * over the bars of the current UTC day (period 0, the session VWAP that
 * execution desks benchmark against) or over the last `period` bars
 * (period >= 1). VWAP as the day's volume-weighted mean trade price is from
 * S. A. Berkowitz, D. E. Logue and E. A. Noser, "The Total Cost of
 * Transactions on the NYSE", Journal of Finance 43(1), 1988, pp. 97-112;
 * from bars, whose trades we do not see, each bar's volume is taken at its
 * typical price, as charting packages do. TA-Lib has no VWAP.
 *
 * The session is the KR_TA_DAY input (the bar's UTC day number): a bar whose
 * day differs from the previous bar's starts a new session. All five inputs
 * are taken in both modes, so the indicator has one shape; the rolling mode
 * ignores the day.
 *
 * With no volume in the session or window the weighted mean is 0/0, and the
 * output is NaN: we do not invent a price where nothing traded, and a
 * fallback such as the typical price would look like a real VWAP to the
 * code downstream. Batch and stream agree on this at every bar. In rolling
 * mode an integer count of the window's bars with nonzero volume decides it
 * exactly (a running sum of fractional volumes need not return to exactly 0),
 * and the sums are reset to 0 whenever that count is 0. The rolling sums are
 * refreshed every period (stats.h), so rounding does not pile up, and a NaN
 * or infinite price or volume gives NaN for exactly the windows that hold
 * it; a session's sums only add, start over each day, and so carry a NaN to
 * the end of its session. The rolling stream keeps the last `period` bars'
 * price*volume and volume in rings.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

/* Sums of typical price * volume and of volume. */
typedef struct vw_sums {
    double pv, v;
} vw_sums;

typedef struct vwap_state {
    int period; /* 0: session */
    kr__win win;
    int pos;    /* oldest slot of the rings */
    int nz;     /* bars of the window with nonzero volume */
    double day; /* the previous bar's day (session mode) */
    vw_sums a, b;  /* session sums in a; rolling: window and fresh sums */
    double ring[]; /* rolling: period price*volume, then period volumes */
} vwap_state;

int kr_vwap_start(const double *params)
{
    const int p = (int)params[0];
    return p > 0 ? p - 1 : 0;
}

/* A bar's typical price times its volume. The typical price is taken as
 * (h + l + c) * (1/3), within an ulp of TA-Lib's TYPPRICE (which divides by
 * 3): VWAP has no TA-Lib twin, and the batch of the rolling mode computes
 * two of these a bar (the leaving bar's again, rather than keep a copy). */
static inline double vw_flow(double h, double l, double c, double v)
{
    const double hlc = h + l + c;
    const double tp = hlc * (1.0 / 3.0);
    return tp * v;
}

static inline void vw_push(vw_sums *u, double pv, double v)
{
    u->pv += pv;
    u->v += v;
}

static inline double vw_value(const vw_sums *u)
{
    return u->v != 0.0 ? u->pv / u->v : NAN;
}

/* Session mode, one bar. */
static inline double vwap_session_step(vw_sums *a, double *prev_day, double h,
                                       double l, double c, double v,
                                       double day)
{
    if (day != *prev_day) {
        a->pv = 0.0;
        a->v = 0.0;
        *prev_day = day;
    }
    vw_push(a, vw_flow(h, l, c, v), v);
    return vw_value(a);
}

/* A rolls over one bar: pv and v arrive, old_pv and old_v leave; each sum
 * changes by one addition. */
static inline void vw_roll(vw_sums *a, double pv, double v, double old_pv,
                           double old_v)
{
    const double dpv = pv - old_pv, dv = v - old_v;
    a->pv += dpv;
    a->v += dv;
}

/* Rolling mode, one bar for the stream and the batch's general path, as
 * lr_update in linearreg_slope.c: pv and v arrive, old_pv and old_v leave;
 * returns what A needed (KR__WIN_*). A bar is non-finite when pv is (NaN or
 * infinite price or volume). */
static inline int vwap_roll_update(kr__win *w, vw_sums *a, vw_sums *b,
                                   int *nz, double pv, double v,
                                   double old_pv, double old_v)
{
    if (kr__win_fresh(w)) {
        b->pv = 0.0;
        b->v = 0.0;
    }
    vw_push(b, pv, v);
    const bool full = w->seen >= w->period;
    *nz += v != 0.0;
    if (full)
        *nz -= old_v != 0.0;
    const int act = kr__win_next(w, !isfinite(pv), !isfinite(old_pv));
    if (act == KR__WIN_SWAP)
        *a = *b;
    else if (act == KR__WIN_ROLL)
        vw_roll(a, pv, v, old_pv, old_v);
    return act;
}

/* The rolling VWAP from A: NaN unless the window is full and finite and has
 * volume; a window without volume also clears the sums to exactly 0. */
static inline double vwap_roll_value(const kr__win *w, vw_sums *a, int nz)
{
    if (nz == 0 && w->bad == 0) {
        a->pv = 0.0;
        a->v = 0.0;
    }
    if (!kr__win_defined(w) || nz == 0)
        return NAN;
    return a->pv / a->v;
}

int kr_vwap(size_t n, const double *const *in, const double *params,
            double *const *out)
{
    const double *h = in[0], *l = in[1], *c = in[2], *v = in[3], *d = in[4];
    double *y = out[0];
    const int p = (int)params[0];
    vw_sums a = {0.0, 0.0}, b = {0.0, 0.0};
    if (p == 0) {
        double day = NAN;
        for (size_t i = 0; i < n; i++)
            y[i] = vwap_session_step(&a, &day, h[i], l[i], c[i], v[i], d[i]);
        return KR_OK;
    }
    const size_t sp = (size_t)p;
    kr__win w;
    kr__win_init(&w, p);
    int nz = 0;
    size_t i = 0, slow_until = 0;
    while (i < n) {
        /* The fast path, as in linearreg_slope.c: the bars up to the next
         * refresh as plain rolls, undone and taken bar by bar if a bar was
         * not finite (its price*volume then leaves B's sum non-finite). */
        const size_t fast = (size_t)kr__win_run(&w);
        if (fast && i >= slow_until) {
            const size_t start = i, end = n - i < fast ? n : i + fast;
            const vw_sums a0 = a, b0 = b;
            const int nz0 = nz;
            for (; i < end; i++) {
                const double pv = vw_flow(h[i], l[i], c[i], v[i]);
                const size_t j = i - sp;
                const double old_pv = vw_flow(h[j], l[j], c[j], v[j]);
                vw_push(&b, pv, v[i]);
                nz += (v[i] != 0.0) - (v[j] != 0.0);
                vw_roll(&a, pv, v[i], old_pv, v[j]);
                y[i] = vwap_roll_value(&w, &a, nz);
            }
            if (kr__finite(b.pv)) {
                kr__win_skip(&w, (int)(end - start));
                continue;
            }
            a = a0;
            b = b0;
            nz = nz0;
            i = start;
            slow_until = end;
        }
        const double pv = vw_flow(h[i], l[i], c[i], v[i]);
        double old_pv = 0.0, old_v = 0.0;
        if (i >= sp) {
            const size_t j = i - sp;
            old_pv = vw_flow(h[j], l[j], c[j], v[j]);
            old_v = v[j];
        }
        if (vwap_roll_update(&w, &a, &b, &nz, pv, v[i], old_pv, old_v) ==
            KR__WIN_REBUILD) {
            a.pv = 0.0;
            a.v = 0.0;
            for (size_t j = i + 1 - sp; j <= i; j++)
                vw_push(&a, vw_flow(h[j], l[j], c[j], v[j]), v[j]);
        }
        y[i] = vwap_roll_value(&w, &a, nz);
        i++;
    }
    return KR_OK;
}

size_t kr_vwap_stream_size(const double *params)
{
    return sizeof(vwap_state) + 2 * (size_t)params[0] * sizeof(double);
}

int kr_vwap_stream_init(void *state, const double *params)
{
    vwap_state *s = state;
    memset(s, 0, kr_vwap_stream_size(params));
    s->period = (int)params[0];
    kr__win_init(&s->win, s->period);
    s->day = NAN;
    return KR_OK;
}

void kr_vwap_stream_next(void *state, const double *in, double *out)
{
    vwap_state *s = state;
    const double h = in[0], l = in[1], c = in[2], v = in[3];
    const int p = s->period;
    if (p == 0) {
        out[0] = vwap_session_step(&s->a, &s->day, h, l, c, v, in[4]);
        return;
    }
    double *rpv = s->ring, *rv = s->ring + p;
    const double pv = vw_flow(h, l, c, v);
    const double old_pv = rpv[s->pos], old_v = rv[s->pos];
    rpv[s->pos] = pv;
    rv[s->pos] = v;
    if (++s->pos == p)
        s->pos = 0;
    if (vwap_roll_update(&s->win, &s->a, &s->b, &s->nz, pv, v, old_pv,
                         old_v) == KR__WIN_REBUILD) {
        s->a.pv = 0.0;
        s->a.v = 0.0;
        for (int j = 0, k = s->pos; j < p; j++, k = k + 1 == p ? 0 : k + 1)
            vw_push(&s->a, rpv[k], rv[k]);
    }
    out[0] = vwap_roll_value(&s->win, &s->a, s->nz);
}

const kr_ta_info kr_vwap_info = {
    .name = "vwap",
    .title = "Volume Weighted Average Price",
    .talib = NULL,
    .ninputs = 5,
    .inputs = {KR_TA_HIGH, KR_TA_LOW, KR_TA_CLOSE, KR_TA_VOLUME, KR_TA_DAY},
    .nparams = 1,
    .params = {{"period", 0, 0, 100000, true}},
    .noutputs = 1,
    .outputs = {"vwap"},
    .start = kr_vwap_start,
    .batch = kr_vwap,
    .stream_size = kr_vwap_stream_size,
    .stream_init = kr_vwap_stream_init,
    .stream_next = kr_vwap_stream_next,
    .formula = "vwap = sum((high + low + close) / 3 * volume) / sum(volume) "
               "over the UTC day (period 0) or the last period bars; NaN "
               "without volume",
};

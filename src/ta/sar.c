/* sar.c -- Wilder's parabolic stop and reverse, equal to TA-Lib's SAR.
 *
 * The SAR trails the price: below it while long, above it while short. Each
 * bar it moves toward the extreme point (EP, the highest high of a long
 * trade, the lowest low of a short one) by the acceleration factor AF, which
 * starts at `acceleration` and grows by as much, up to `maximum`, every time
 * a new extreme is made; it may never enter the range of the last two bars.
 * When a bar's price crosses it the trade reverses: the SAR jumps to the EP
 * and the AF starts over (J. W. Wilder, New Concepts in Technical Trading
 * Systems, 1978).
 *
 * Wilder leaves the start open. TA-Lib 0.4.0 (ta_SAR.c) decides the first
 * direction from the -DM of the first two bars (short if it is positive,
 * else long), consumes bar 0, starts the SAR at bar 0's low (long) or high
 * (short) and the EP at bar 1's high or low, and, for the first step only,
 * takes bar 1 itself as "yesterday". We reproduce that, and every order of
 * TA-Lib's updates (output, then EP and AF, then the new SAR clamped by
 * yesterday's and today's range; on a reversal the overriding SAR is clamped
 * before it is output), so the numbers equal TA-Lib's bit for bit. Bar 0 has
 * no output. An acceleration above the maximum is rejected by the table's
 * check; called directly, it is lowered to the maximum as TA-Lib does.
 *
 * Batch and stream run the one step function, sar_step; the stream keeps
 * bar 0 until bar 1 arrives.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef struct sar_state {
    long seen; /* bars seen, capped at 2 */
    int is_long;
    double acc, max; /* acceleration step and ceiling */
    double af, ep, sar;
    double high, low; /* the last bar's, "yesterday" for the next step */
} sar_state;

int kr_sar_start(const double *params)
{
    (void)params;
    return 1;
}

static void sar_setup(sar_state *s, const double *params)
{
    memset(s, 0, sizeof *s);
    s->acc = params[0];
    s->max = params[1];
    if (s->acc > s->max)
        s->acc = s->max;
    s->af = s->acc;
}

/* TA-Lib's start at bar 1, from bar 0 (h0, l0) and bar 1 (h1, l1). */
static inline void sar_begin(sar_state *s, double h0, double l0, double h1,
                             double l1)
{
    double plus, minus;
    kr__dm(h0, l0, h1, l1, &plus, &minus);
    s->is_long = !(minus > 0);
    if (s->is_long) {
        s->ep = h1;
        s->sar = l0;
    } else {
        s->ep = l1;
        s->sar = h0;
    }
    s->high = h1; /* bar 1 stands in for yesterday on the first step */
    s->low = l1;
}

/* A new extreme x (when `beyond`): it becomes the EP and the AF grows by
 * the acceleration, up to the maximum. Without branches, since on a trend
 * a new extreme is about as likely as not: the AF gains +0.0 otherwise,
 * which leaves it unchanged, and the selects below compile to moves. */
static inline void sar_extreme(sar_state *s, bool beyond, double x)
{
    s->ep = beyond ? x : s->ep;
    const double af = s->af + kr__keep(beyond, s->acc);
    s->af = af > s->max ? s->max : af;
}

/* One bar (h, l) from bar 1 on: returns the SAR for this bar and leaves the
 * one for the next in s->sar. */
static inline double sar_step(sar_state *s, double h, double l)
{
    const double ph = s->high, pl = s->low;
    double sar, out, step;
    s->high = h;
    s->low = l;
    if (s->is_long) {
        if (l <= s->sar) { /* reverse to short */
            s->is_long = 0;
            sar = s->ep;
            if (sar < ph)
                sar = ph;
            if (sar < h)
                sar = h;
            out = sar;
            s->af = s->acc;
            s->ep = l;
            step = s->af * (s->ep - sar);
            sar = sar + step;
            if (sar < ph)
                sar = ph;
            if (sar < h)
                sar = h;
        } else {
            out = s->sar;
            sar_extreme(s, h > s->ep, h);
            step = s->af * (s->ep - s->sar);
            sar = s->sar + step;
            if (sar > pl)
                sar = pl;
            if (sar > l)
                sar = l;
        }
    } else {
        if (h >= s->sar) { /* reverse to long */
            s->is_long = 1;
            sar = s->ep;
            if (sar > pl)
                sar = pl;
            if (sar > l)
                sar = l;
            out = sar;
            s->af = s->acc;
            s->ep = h;
            step = s->af * (s->ep - sar);
            sar = sar + step;
            if (sar > pl)
                sar = pl;
            if (sar > l)
                sar = l;
        } else {
            out = s->sar;
            sar_extreme(s, l < s->ep, l);
            step = s->af * (s->ep - s->sar);
            sar = s->sar + step;
            if (sar < ph)
                sar = ph;
            if (sar < h)
                sar = h;
        }
    }
    s->sar = sar;
    return out;
}

int kr_sar(size_t n, const double *const *in, const double *params,
           double *const *out)
{
    const double *h = in[0], *l = in[1];
    double *y = out[0];
    if (n == 0)
        return KR_OK;
    y[0] = NAN;
    if (n == 1)
        return KR_OK;
    sar_state s;
    sar_setup(&s, params);
    sar_begin(&s, h[0], l[0], h[1], l[1]);
    for (size_t i = 1; i < n; i++)
        y[i] = sar_step(&s, h[i], l[i]);
    return KR_OK;
}

size_t kr_sar_stream_size(const double *params)
{
    (void)params;
    return sizeof(sar_state);
}

int kr_sar_stream_init(void *state, const double *params)
{
    sar_setup(state, params);
    return KR_OK;
}

void kr_sar_stream_next(void *state, const double *in, double *out)
{
    sar_state *s = state;
    const double h = in[0], l = in[1];
    if (s->seen == 0) {
        s->high = h;
        s->low = l;
        s->seen = 1;
        out[0] = NAN;
        return;
    }
    if (s->seen == 1) {
        sar_begin(s, s->high, s->low, h, l);
        s->seen = 2;
    }
    out[0] = sar_step(s, h, l);
}

static const char *sar_check(const double *params)
{
    return params[0] > params[1] ? "acceleration must not exceed maximum"
                                 : NULL;
}

const kr_ta_info kr_sar_info = {
    .name = "sar",
    .title = "Parabolic SAR",
    .talib = "SAR",
    .ninputs = 2,
    .inputs = {KR_TA_HIGH, KR_TA_LOW},
    .nparams = 2,
    .params = {{"acceleration", 0.02, 0, 3e37, false},
               {"maximum", 0.2, 0, 3e37, false}},
    .noutputs = 1,
    .outputs = {"sar"},
    .start = kr_sar_start,
    .batch = kr_sar,
    .stream_size = kr_sar_stream_size,
    .stream_init = kr_sar_stream_init,
    .stream_next = kr_sar_stream_next,
    .check = sar_check,
    .formula = "sar = sar[-1] + af * (ep - sar[-1]), af += acceleration "
               "(<= maximum) at each new extreme, reversing to ep on a cross",
};

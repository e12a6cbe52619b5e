/* macd.c -- moving average convergence/divergence, equal to TA-Lib's MACD.
 *
 * Gerald Appel's MACD: macd = EMA(close, fast) - EMA(close, slow), signal =
 * EMA(macd, signal_period), hist = macd - signal, every EMA with
 * k = 2 / (period + 1) and seeded with the mean of its first `period` inputs.
 *
 * TA-Lib's seeding is kept exactly, quirk included: both EMAs are seeded so
 * that they start together at bar slow-1, which seeds the fast EMA with the
 * mean of closes slow-fast .. slow-1, not of the first `fast` closes. The
 * signal EMA is seeded with the mean of the first signal_period MACD values
 * (bars slow-1 ..), and all three outputs start at bar
 * (slow-1) + (signal_period-1), TA-Lib's lookback. Where TA-Lib swaps a fast
 * period above the slow one, the table's check rejects fast >= slow.
 *
 * Both forms run ma.h's kr__ema (warm-up) and kr__ema_step, TA-Lib's
 * operation order, so batch, stream and TA-Lib agree to the last bit. Unlike
 * ema.c this keeps the exact step rather than a faster one: MACD is the
 * difference of two averages of the price and crosses zero, where the few
 * ulps of the price by which a faster step differs are a large relative
 * error (kr__ema_step_fast gives 4.8e-10 on the S&P 500 series of the
 * parity tests, half their tolerance). So the batch is bound by the latency
 * of TA-Lib's step, a subtract, a multiply and an add in a chain, about 2.1
 * ns a bar here, and nothing shorter computes TA-Lib's bits. The three
 * chains of a bar run side by side, and the two subtractions that are on
 * none of them take the multiply-add unit where there is one (stats.h's
 * kr__sub_off_chain, the same bits), so that the chains' own additions do
 * not wait for an adder. That makes the batch as fast as Tulip's MACD,
 * which runs the same three chains (1.0 to 1.05 times on 10M bars), and
 * leaves little above it: a single such chain, Tulip's EMA, is only about
 * 1.1 times faster. The stream is three EMA states and a bar count; no
 * ring.
 */
#include <math.h>
#include <string.h>

#include "kairos/ta.h"
#include "stats.h"

typedef struct macd_state {
    int fast_from; /* bar at which the fast EMA starts: slow - fast */
    int bar;       /* bars seen, capped at fast_from */
    kr__ema fast, slow, signal;
} macd_state;

static int macd_params(const double *params, int *fast, int *slow, int *sig)
{
    *fast = (int)params[0];
    *slow = (int)params[1];
    *sig = (int)params[2];
    if (*fast < 2 || *slow <= *fast || *sig < 1)
        return KR_EINVAL;
    return KR_OK;
}

static void macd_init(macd_state *s, int fast, int slow, int sig)
{
    memset(s, 0, sizeof *s);
    s->fast_from = slow - fast;
    kr__ema_init(&s->fast, fast);
    kr__ema_init(&s->slow, slow);
    kr__ema_init(&s->signal, sig);
}

/* One bar through the warm-up machinery; writes NaN until all three EMAs
 * are defined. */
static void macd_next(macd_state *s, double x, double *out)
{
    const double vs = kr__ema_next(&s->slow, x);
    double vf = NAN;
    if (s->bar >= s->fast_from)
        vf = kr__ema_next(&s->fast, x);
    else
        s->bar++;
    out[0] = out[1] = out[2] = NAN;
    if (!kr__ema_ready(&s->slow))
        return;
    const double m = vf - vs;
    const double sg = kr__ema_next(&s->signal, m);
    if (!kr__ema_ready(&s->signal))
        return;
    out[0] = m;
    out[1] = sg;
    out[2] = m - sg;
}

int kr_macd_start(const double *params)
{
    return ((int)params[1] - 1) + ((int)params[2] - 1);
}

int kr_macd(size_t n, const double *const *in, const double *params,
            double *const *out)
{
    const double *x = in[0];
    double *ym = out[0], *ys = out[1], *yh = out[2];
    int fast, slow, sig;
    if (macd_params(params, &fast, &slow, &sig))
        return KR_EINVAL;
    macd_state s;
    macd_init(&s, fast, slow, sig);
    size_t i = 0;
    for (; i < n && !kr__ema_ready(&s.signal); i++) {
        double o[3];
        macd_next(&s, x[i], o);
        ym[i] = o[0];
        ys[i] = o[1];
        yh[i] = o[2];
    }
    const double kf = s.fast.k, ks = s.slow.k, kg = s.signal.k;
    double vf = s.fast.value, vs = s.slow.value, vg = s.signal.value;
    for (; i < n; i++) {
        vs = kr__ema_step(vs, x[i], ks);
        vf = kr__ema_step(vf, x[i], kf);
        const double m = kr__sub_off_chain(vf, vs);
        vg = kr__ema_step(vg, m, kg);
        ym[i] = m;
        ys[i] = vg;
        yh[i] = kr__sub_off_chain(m, vg);
    }
    return KR_OK;
}

size_t kr_macd_stream_size(const double *params)
{
    (void)params;
    return sizeof(macd_state);
}

int kr_macd_stream_init(void *state, const double *params)
{
    int fast, slow, sig;
    if (macd_params(params, &fast, &slow, &sig))
        return KR_EINVAL;
    macd_init(state, fast, slow, sig);
    return KR_OK;
}

void kr_macd_stream_next(void *state, const double *in, double *out)
{
    macd_next(state, in[0], out);
}

static const char *macd_check(const double *params)
{
    return params[0] < params[1] ? NULL
                                 : "fast_period must be below slow_period";
}

const kr_ta_info kr_macd_info = {
    .name = "macd",
    .title = "Moving Average Convergence/Divergence",
    .talib = "MACD",
    .ninputs = 1,
    .inputs = {KR_TA_CLOSE},
    .nparams = 3,
    .params = {{"fast_period", 12, 2, 100000, true},
               {"slow_period", 26, 2, 100000, true},
               {"signal_period", 9, 1, 100000, true}},
    .noutputs = 3,
    .outputs = {"macd", "signal", "hist"},
    .start = kr_macd_start,
    .batch = kr_macd,
    .stream_size = kr_macd_stream_size,
    .stream_init = kr_macd_stream_init,
    .stream_next = kr_macd_stream_next,
    .check = macd_check,
    .formula = "macd = ema(close, fast) - ema(close, slow); signal = "
               "ema(macd, signal_period); hist = macd - signal",
};

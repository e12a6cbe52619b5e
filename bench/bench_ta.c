/* bench_ta.c -- indicator throughput: every indicator of kr_ta_table in
 * batch form against its twin in Tulip Indicators, its streaming cost per
 * bar, and how close the simplest ones come to the memory bandwidth.
 *
 * The input is one synthetic series of 10 million one-minute bars
 * (kr_synth_generate, seed 42, the model of bench_csv's file) generated in
 * memory once; every contender reads the same columns and writes into the
 * same preallocated, already-touched output columns, so page faults and
 * allocation stay out of the timings. Each indicator runs with its table
 * defaults, and Tulip's twin with the same values mapped onto its options
 * (the `twins` table below). After one warm-up run each, kairos and Tulip
 * alternate (who goes first alternates too) so that both see the same noise
 * of a shared machine, and each keeps its best time: REPEAT rounds, and more
 * (up to MAX_REPEAT) while the indicator has had less than MIN_SECONDS, so
 * that a fast indicator gets as fair a chance at a quiet moment as a slow
 * one. Ten million bars of 8-byte columns are far larger than any cache:
 * the figures are for data streaming from memory, as in a backtest over
 * history.
 *
 * The machine's single-core read bandwidth is the best of many vectorised
 * integer sums over 1 GiB (four streams at once), taken at the start and
 * between the rounds of SMA, EMA, OBV and TRANGE, whose batch forms it is
 * compared with: at the end the benchmark prints it and the fraction of it
 * each of the four reaches, counting 8 bytes per input and per output column
 * per bar (writes counted once; see bench/README.md). The streaming figure
 * is the loop a user writes: the indicator's own kr_<name>_stream_next
 * called directly (no function pointer per bar) on a caller-provided state
 * block, one bar at a time from an interleaved row of its inputs, as a live
 * feed would deliver it. It has no peer: Tulip Indicators 0.8.4 (the version
 * tulind ships) has no streaming interface.
 *
 * As a check that both libraries computed what we think they did, the last
 * bar of every mapped output is compared; where the definitions agree once
 * warmed up, a mismatch is reported on stderr. Where Tulip's definition
 * differs from kairos's (TA-Lib's) the speed is still compared and the
 * difference is noted on stderr and in bench/README.md.
 *
 * Usage: bench_ta [NAME...] runs only the named indicators;
 * KR_BENCH_TA_BARS overrides the number of bars. Output: one JSON object per
 * line on stdout (bench/README.md); everything else goes to stderr.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/data.h"
#include "kairos/ta.h"

#ifdef KR_HAVE_TULIP
#include <indicators.h>
#endif

#define BARS 10000000
#define SEED 42
#define REPEAT 5        /* timed batch runs per contender, at least */
#define MAX_REPEAT 40   /* at most, while under MIN_SECONDS */
#define MIN_SECONDS 1.0 /* of batch timings per indicator, both together */
#define STREAM_REPEAT 3 /* timed stream runs, at least, best kept */
#define STREAM_MAX_REPEAT 10
#define STREAM_MIN_SECONDS 0.5
#define BW_REPEAT 10 /* bandwidth samples at the start */
#define BW_BYTES ((size_t)1 << 30)
#define BW_TARGET 0.5      /* fraction of the read bandwidth to reach */
#define STREAM_TARGET 20.0 /* ns per bar to stay under */
#define MAX_MISSES 128
#define NCOLS 6 /* open, high, low, close, volume, day */

static double now(void) { return (double)kr_monotonic_ns() * 1e-9; }

/* ------------------------------------------------------------------------
 * Tulip twins
 * ------------------------------------------------------------------------ */

/* How a kairos indicator maps onto Tulip's: Tulip option j takes kairos
 * parameter opt[j]; kairos output k is Tulip output out[k] (-1: none). Input
 * columns are in the same order in both libraries for every twin (checked
 * at run time against Tulip's input count). `agree` says that the two give
 * the same numbers once warmed up, so their last bars must match to 1e-6;
 * `note` says how they differ. */
typedef struct twin {
    const char *kr;
    const char *ti;
    int nopt;
    int opt[4];
    int out[KR_TA_MAX_OUTPUTS];
    bool agree;
    const char *note;
} twin;

static const twin twins[] = {
    {"ad", "ad", 0, {0}, {0, -1, -1, -1}, true, NULL},
    {"adosc", "adosc", 2, {0, 1}, {0, -1, -1, -1}, true, NULL},
    {"adx", "adx", 1, {0}, {0, -1, -1, -1}, false,
     "Tulip's adx writes ADX only (kairos also +DI and -DI: 3 outputs "
     "against 1), and counts a bar whose up and down moves are equal as "
     "both +DM and -DM, where TA-Lib counts neither"},
    {"aroon", "aroon", 1, {0}, {1, 0, -1, -1}, true, NULL},
    {"atr", "atr", 1, {0}, {0, -1, -1, -1}, true,
     "Tulip seeds with the true range of bar 0 (high - low), TA-Lib from "
     "bar 1; the difference decays away"},
    {"bbands", "bbands", 2, {0, 1}, {2, 1, 0, -1}, true, NULL},
    {"cci", "cci", 1, {0}, {0, -1, -1, -1}, true,
     "Tulip's first value is at bar 2*(period-1), TA-Lib's at period-1"},
    {"dema", "dema", 1, {0}, {0, -1, -1, -1}, true,
     "Tulip's EMAs start from the first value, TA-Lib's from an SMA; the "
     "difference decays away"},
    {"ema", "ema", 1, {0}, {0, -1, -1, -1}, true,
     "Tulip starts from the first value and outputs from bar 0, TA-Lib "
     "from the SMA of the first period; the difference decays away"},
    {"kama", "kama", 1, {0}, {0, -1, -1, -1}, true, NULL},
    {"linearreg_slope", "linregslope", 1, {0}, {0, -1, -1, -1}, false,
     "same definition, but Tulip updates its sums incrementally and never "
     "refreshes them, so its slope drifts by rounding (about 2.5e-4 "
     "relative at bar 10M); kairos refreshes its sums every period"},
    {"macd", "macd", 3, {0, 1, 2}, {0, 1, 2, -1}, false,
     "Tulip uses alphas 0.15 and 0.075 instead of 2/13 and 2/27 when the "
     "periods are 12 and 26, and starts its EMAs from the first value"},
    {"mfi", "mfi", 1, {0}, {0, -1, -1, -1}, true, NULL},
    {"mom", "mom", 1, {0}, {0, -1, -1, -1}, true, NULL},
    {"natr", "natr", 1, {0}, {0, -1, -1, -1}, true,
     "seeded like Tulip's atr"},
    {"obv", "obv", 0, {0}, {0, -1, -1, -1}, false,
     "Tulip's line starts at 0, TA-Lib's at the first bar's volume"},
    {"roc", "roc", 1, {0}, {0, -1, -1, -1}, false,
     "Tulip's roc is a fraction, (x - x[n]) / x[n]; TA-Lib's ROC is that "
     "times 100"},
    {"rsi", "rsi", 1, {0}, {0, -1, -1, -1}, true, NULL},
    {"sar", "psar", 2, {0, 1}, {0, -1, -1, -1}, true,
     "Tulip picks the first trend from bars 0 and 1 by (high + low), "
     "TA-Lib by the first bars' directional movement"},
    {"sma", "sma", 1, {0}, {0, -1, -1, -1}, true, NULL},
    {"stddev", "stddev", 1, {0}, {0, -1, -1, -1}, true,
     "Tulip's stddev has no nbdev multiplier (kairos's default is 1)"},
    {"stoch", "stoch", 3, {0, 1, 2}, {0, 1, -1, -1}, true, NULL},
    {"stochrsi", "stochrsi", 1, {0}, {-1, -1, -1, -1}, false,
     "Tulip's stochrsi(period) is the raw stochastic of RSI(period) over "
     "`period` bars, without fastk/fastd; kairos is TA-Lib's STOCHRSI("
     "period, fastk, fastd) with a %K window of fastk and a %D SMA"},
    {"tema", "tema", 1, {0}, {0, -1, -1, -1}, true,
     "EMAs seeded as in Tulip's dema"},
    {"trange", "tr", 0, {0}, {0, -1, -1, -1}, true, NULL},
    {"willr", "willr", 1, {0}, {0, -1, -1, -1}, true, NULL},
    {"wma", "wma", 1, {0}, {0, -1, -1, -1}, true, NULL},
};

static const twin *find_twin(const char *name)
{
    for (size_t i = 0; i < sizeof twins / sizeof twins[0]; i++)
        if (strcmp(twins[i].kr, name) == 0)
            return &twins[i];
    return NULL;
}

/* ------------------------------------------------------------------------
 * Streaming loops, one per indicator, each calling its stream_next directly
 * ------------------------------------------------------------------------ */

/* kr_ta_list.h lists the indicator files present in src/ta (generated by
 * CMake), so this follows the table as indicators are added. Each loop
 * feeds n bars from `rows` (stride doubles per bar) and returns the last
 * first output, so the calls cannot be dropped. */
#define X(name)                                                                \
    void kr_##name##_stream_next(void *state, const double *in, double *out);  \
    static double stream_##name(void *state, const double *rows, size_t n,     \
                                size_t stride)                                 \
    {                                                                          \
        double out[KR_TA_MAX_OUTPUTS] = {0};                                   \
        for (size_t i = 0; i < n; i++)                                         \
            kr_##name##_stream_next(state, rows + i * stride, out);            \
        return out[0];                                                         \
    }
#include "kr_ta_list.h"
#undef X

typedef double (*stream_loop)(void *state, const double *rows, size_t n,
                              size_t stride);

static const struct {
    const char *name;
    stream_loop loop;
} stream_loops[] = {
#define X(name) {#name, stream_##name},
#include "kr_ta_list.h"
#undef X
};

static stream_loop find_stream_loop(const char *name)
{
    for (size_t i = 0; i < sizeof stream_loops / sizeof stream_loops[0]; i++)
        if (strcmp(stream_loops[i].name, name) == 0)
            return stream_loops[i].loop;
    return NULL;
}

/* ------------------------------------------------------------------------
 * Memory bandwidth
 * ------------------------------------------------------------------------ */

/* A sum of 64-bit integers, which the compiler vectorises without
 * reassociating floating point, over the four quarters of the buffer at
 * once: indicators read several columns side by side, and a core's
 * prefetchers reach a little more with a few streams than with one.
 * noinline so that each call reads the buffer again. */
__attribute__((noinline)) static uint64_t sum_u64(const uint64_t *p, size_t n)
{
    const size_t q = n / 4;
    const uint64_t *a = p, *b = p + q, *c = p + 2 * q, *d = p + 3 * q;
    uint64_t s = 0;
    for (size_t i = 0; i < q; i++)
        s += a[i] + b[i] + c[i] + d[i];
    return s;
}

/* The bandwidth buffer and the best single-core read bandwidth seen so far
 * over it, in GB/s (10^9 bytes). One sample is one sum of the whole buffer;
 * samples are taken at the start and then alternated with the runs of the
 * indicators compared with it, so that figure and fractions see the same
 * noise; the best of all is what the machine can do. */
typedef struct bandwidth {
    uint64_t *buf; /* BW_BYTES, NULL when it could not be had */
    double best;
    int samples;
} bandwidth;

static void bw_sample(bandwidth *bw)
{
    if (!bw->buf)
        return;
    double t0 = now();
    volatile uint64_t sink = sum_u64(bw->buf, BW_BYTES / sizeof *bw->buf);
    double gbps = (double)BW_BYTES / 1e9 / (now() - t0);
    (void)sink;
    if (gbps > bw->best)
        bw->best = gbps;
    bw->samples++;
}

static void bw_init(bandwidth *bw)
{
    memset(bw, 0, sizeof *bw);
    bw->buf = kr_alloc_aligned(BW_BYTES);
    if (!bw->buf) {
        fprintf(stderr, "bench_ta: no memory for the bandwidth buffer\n");
        return;
    }
    size_t n = BW_BYTES / sizeof *bw->buf;
    for (size_t i = 0; i < n; i++)
        bw->buf[i] = i;
    for (int r = 0; r < BW_REPEAT; r++)
        bw_sample(bw);
    bw->samples = 0; /* count only those that share the indicators' noise */
}

/* The indicators whose batch form is compared with the bandwidth, and
 * their results, printed at the end against the best bandwidth. */
static const char *const by_bandwidth[] = {"sma", "ema", "obv", "trange"};
#define NBW (sizeof by_bandwidth / sizeof by_bandwidth[0])

typedef struct bw_result {
    char name[128];
    double mbps;  /* kairos, Mbars/s */
    double bytes; /* per bar */
} bw_result;

static bool compared_with_bandwidth(const char *name)
{
    for (size_t i = 0; i < NBW; i++)
        if (strcmp(name, by_bandwidth[i]) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static void emit(const char *name, const char *unit, int prec, double kairos,
                 const char *peer_name, double peer)
{
    printf("{\"name\":\"%s\",\"unit\":\"%s\",\"kairos\":%.*f", name, unit,
           prec, kairos);
    if (peer_name)
        printf(",\"peer_name\":\"%s\",\"peer\":%.*f,\"ratio\":%.3f", peer_name,
               prec, peer, kairos / peer);
    printf("}\n");
    fflush(stdout);
}

/* ------------------------------------------------------------------------
 * One indicator
 * ------------------------------------------------------------------------ */

typedef struct series {
    size_t n;
    const double *col[NCOLS]; /* indexed by kr_ta_input */
    double *out[KR_TA_MAX_OUTPUTS]; /* n each, shared by every contender */
    double *rows; /* n * NCOLS, for the interleaved stream inputs */
} series;

/* A target missed, for the summary on stderr. */
typedef struct misses {
    size_t n;
    char line[MAX_MISSES][160];
} misses;

static void miss(misses *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void miss(misses *m, const char *fmt, ...)
{
    if (m->n == MAX_MISSES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->line[m->n++], sizeof m->line[0], fmt, ap);
    va_end(ap);
}

#ifdef KR_HAVE_TULIP
/* Runs Tulip's twin of `info` once; returns its time, or NAN when Tulip
 * refused (reported on stderr). */
static double run_tulip(const ti_indicator_info *ti, const double *topt,
                        const double *const *in, const series *s)
{
    double t0 = now();
    int rc = ti->indicator((int)s->n, in, topt, s->out);
    double t = now() - t0;
    if (rc != TI_OKAY) {
        fprintf(stderr, "bench_ta: tulip %s failed (%d)\n", ti->name, rc);
        return NAN;
    }
    return t;
}

/* Compares the last bar of every mapped output of the two libraries. */
static void check_last_bar(const char *name, const twin *tw,
                           const ti_indicator_info *ti, const double *topt,
                           const kr_ta_info *info, const double *const *in,
                           const double *params, const series *s)
{
    double kr_last[KR_TA_MAX_OUTPUTS];
    info->batch(s->n, in, params, s->out);
    for (int k = 0; k < info->noutputs; k++)
        kr_last[k] = s->out[k][s->n - 1];
    ti->indicator((int)s->n, in, topt, s->out);
    size_t last = s->n - 1 - (size_t)ti->start(topt);
    int mapped = 0, off = 0;
    for (int k = 0; k < info->noutputs; k++) {
        if (tw->out[k] < 0)
            continue;
        mapped++;
        double a = kr_last[k], b = s->out[tw->out[k]][last];
        double tol = 1e-6 * fmax(1.0, fmax(fabs(a), fabs(b)));
        if (!(fabs(a - b) <= tol)) {
            off++;
            if (tw->agree)
                fprintf(stderr,
                        "bench_ta: %s: last bar of %s differs: kairos %.10g, "
                        "tulip %.10g\n",
                        name, info->outputs[k], a, b);
        }
    }
    if (tw->agree && !off)
        fprintf(stderr, "bench_ta: %s: last bar agrees with tulip %s (%d "
                "output%s)\n", name, tw->ti, mapped, mapped == 1 ? "" : "s");
    else if (!tw->agree)
        fprintf(stderr, "bench_ta: %s: tulip %s is not expected to match "
                "(see the note); last bar %s\n", name, tw->ti,
                !mapped ? "not compared" : off ? "differs" : "agrees");
    if (tw->note)
        fprintf(stderr, "bench_ta: %s: note: %s\n", name, tw->note);
}
#endif

/* Gathers the inputs of `info` into s->rows, bar by bar. */
static void interleave(const kr_ta_info *info, series *s)
{
    size_t ni = (size_t)info->ninputs;
    for (size_t k = 0; k < ni; k++) {
        const double *c = s->col[info->inputs[k]];
        double *r = s->rows + k;
        for (size_t i = 0; i < s->n; i++)
            r[i * ni] = c[i];
    }
}

/* Returns the best ns per bar of the stream, or NAN on failure. */
static double run_stream(const kr_ta_info *info, const double *params,
                         series *s)
{
    stream_loop loop = find_stream_loop(info->name);
    if (!loop) {
        fprintf(stderr, "bench_ta: %s: no stream loop (not in "
                "kr_ta_list.h)\n", info->name);
        return NAN;
    }
    void *state = kr_alloc_aligned(info->stream_size(params));
    if (!state)
        return NAN;
    interleave(info, s);
    double best = INFINITY, spent = 0;
    volatile double sink = 0;
    for (int r = 0; r < STREAM_MAX_REPEAT &&
                    (r < STREAM_REPEAT || spent < STREAM_MIN_SECONDS);
         r++) {
        if (info->stream_init(state, params)) {
            fprintf(stderr, "bench_ta: %s: stream_init failed\n", info->name);
            kr_free_aligned(state);
            return NAN;
        }
        double t0 = now();
        sink = loop(state, s->rows, s->n, (size_t)info->ninputs);
        double t = now() - t0;
        if (t < best)
            best = t;
        spent += t;
    }
    (void)sink;
    kr_free_aligned(state);
    return best * 1e9 / (double)s->n;
}

/* Benchmarks one indicator and prints its lines. Returns 0, or -1 when
 * kairos failed. Every target it misses (as fast as Tulip, STREAM_TARGET
 * per streamed bar) is added to `m`. An indicator compared with the
 * bandwidth takes a bandwidth sample in each round and leaves its figure in
 * bwr[*nbwr] for the end. */
static int bench_one(const kr_ta_info *info, series *s, bandwidth *bw,
                     bw_result *bwr, size_t *nbwr, misses *m)
{
    double params[KR_TA_MAX_PARAMS] = {0};
    for (int i = 0; i < info->nparams; i++)
        params[i] = info->params[i].def;
    char col[80], name[96];
    kr_ta_column_name(info, params, -1, col, sizeof col);
    snprintf(name, sizeof name, "ta.%s", col);

    const double *in[KR_TA_MAX_INPUTS];
    for (int k = 0; k < info->ninputs; k++)
        in[k] = s->col[info->inputs[k]];

    const twin *tw = find_twin(info->name);
    bool peer = false;
#ifdef KR_HAVE_TULIP
    const ti_indicator_info *ti = tw ? ti_find_indicator(tw->ti) : NULL;
    double topt[TI_MAXINDPARAMS] = {0};
    if (tw && !ti)
        fprintf(stderr, "bench_ta: %s: tulip has no '%s'\n", name, tw->ti);
    if (ti && (ti->inputs != info->ninputs || ti->options != tw->nopt ||
               ti->outputs > KR_TA_MAX_OUTPUTS)) {
        fprintf(stderr, "bench_ta: %s: tulip %s takes %d inputs and %d "
                "options, expected %d and %d: no peer\n", name, tw->ti,
                ti->inputs, ti->options, info->ninputs, tw->nopt);
        ti = NULL;
    }
    if (ti) {
        for (int j = 0; j < tw->nopt; j++)
            topt[j] = params[tw->opt[j]];
        peer = true;
    }
#else
    if (tw)
        fprintf(stderr, "bench_ta: %s: built without tulip\n", name);
#endif
    if (!tw)
        fprintf(stderr, "bench_ta: %s: tulip has no twin\n", name);

    /* Warm-up, then alternate. */
    int rc = info->batch(s->n, in, params, s->out);
    if (rc) {
        fprintf(stderr, "bench_ta: %s failed: %s\n", name, kr_strerror(rc));
        return -1;
    }
    double kbest = INFINITY, tbest = INFINITY;
#ifdef KR_HAVE_TULIP
    if (peer && isnan(run_tulip(ti, topt, in, s)))
        peer = false;
#endif
    double spent = 0;
    int rounds = 0;
    const bool with_bw = compared_with_bandwidth(info->name) && bw->buf;
    for (int r = 0; r < MAX_REPEAT && (r < REPEAT || spent < MIN_SECONDS);
         r++, rounds++) {
        if (with_bw)
            bw_sample(bw);
        double r0 = now();
        for (int turn = 0; turn < 2; turn++) {
            bool kairos_turn = (turn == 0) == (r % 2 == 0);
            if (kairos_turn) {
                double t0 = now();
                info->batch(s->n, in, params, s->out);
                double t = now() - t0;
                if (t < kbest)
                    kbest = t;
            }
#ifdef KR_HAVE_TULIP
            else if (peer) {
                double t = run_tulip(ti, topt, in, s);
                if (t < tbest)
                    tbest = t;
            }
#endif
        }
        spent += now() - r0;
    }
    fprintf(stderr, "bench_ta: %s: kairos %.1f ms", name, kbest * 1e3);
    if (peer)
        fprintf(stderr, ", tulip %.1f ms", tbest * 1e3);
    fprintf(stderr, " (best of %d)\n", rounds);
    double kr_mbps = (double)s->n / kbest / 1e6;
    double ti_mbps = (double)s->n / tbest / 1e6;
    emit(name, "Mbars/s", 1, kr_mbps, peer ? "tulip" : NULL, ti_mbps);
    if (peer && kr_mbps < ti_mbps) {
        double ratio = kr_mbps / ti_mbps;
        miss(m, "%s: %.3f of tulip's speed (%.1f%% slower%s)", name, ratio,
             (1.0 - ratio) * 100.0,
             ratio > 0.95 ? ", within run-to-run noise" : "");
    }
#ifdef KR_HAVE_TULIP
    if (peer)
        check_last_bar(name, tw, ti, topt, info, in, params, s);
#endif

    if (with_bw && *nbwr < NBW) {
        bw_result *b = &bwr[(*nbwr)++];
        snprintf(b->name, sizeof b->name, "%s_bandwidth", name);
        b->mbps = kr_mbps;
        b->bytes = 8.0 * (info->ninputs + info->noutputs);
    }

    double ns = run_stream(info, params, s);
    if (isnan(ns))
        return -1;
    char sname[128];
    snprintf(sname, sizeof sname, "%s_stream", name);
    emit(sname, "ns/bar", 2, ns, NULL, 0);
    if (ns > STREAM_TARGET)
        miss(m, "%s: streams at %.1f ns/bar (target %.0f)", name, ns,
             STREAM_TARGET);
    return 0;
}

/* ------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------ */

static bool wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    size_t nbars = BARS;
    const char *env = getenv("KR_BENCH_TA_BARS");
    if (env && *env) {
        char *end;
        unsigned long long v = strtoull(env, &end, 10);
        if (*end || v < 1000) {
            fprintf(stderr, "bench_ta: KR_BENCH_TA_BARS=%s: expected a "
                    "whole number >= 1000\n", env);
            return 2;
        }
        nbars = (size_t)v;
    }
#ifndef KR_HAVE_TULIP
    fprintf(stderr, "bench_ta: built without Tulip Indicators (configure "
            "with -DKR_BENCH_TULIP=ON and npm on the PATH): kairos figures "
            "only\n");
#endif

    int status = 0;
    kr_dataset ds;
    memset(&ds, 0, sizeof ds);
    series s;
    memset(&s, 0, sizeof s);
    double *day = NULL;
    static bandwidth bw; /* static: 1 GiB is reached through bw.buf only */

    double t0 = now();
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.seed = SEED;
    o.rows = nbars;
    o.interval.ns = KR_NS_PER_MIN;
    memcpy(o.calendar, "crypto", 7);
    kr_error err;
    kr_error_clear(&err);
    if (kr_synth_generate(&o, &ds, &err)) {
        fprintf(stderr, "bench_ta: kr_synth_generate: %s\n", err.msg);
        return 1;
    }
    const kr_bars *b = &ds.bars[0];
    s.n = b->n;
    day = kr_alloc_aligned(s.n * sizeof *day);
    s.rows = kr_alloc_aligned(s.n * NCOLS * sizeof *s.rows);
    bool ok = day && s.rows;
    for (int k = 0; k < KR_TA_MAX_OUTPUTS; k++) {
        s.out[k] = kr_alloc_aligned(s.n * sizeof *s.out[k]);
        ok = ok && s.out[k];
    }
    if (!ok) {
        fprintf(stderr, "bench_ta: out of memory for %zu bars\n", s.n);
        status = 1;
        goto done;
    }
    for (size_t i = 0; i < s.n; i++)
        day[i] = (double)kr_ts_day(b->ts[i]);
    /* Touch every output and row page now, not inside a timing. */
    memset(s.rows, 0, s.n * NCOLS * sizeof *s.rows);
    for (int k = 0; k < KR_TA_MAX_OUTPUTS; k++)
        memset(s.out[k], 0, s.n * sizeof *s.out[k]);
    s.col[KR_TA_OPEN] = b->open;
    s.col[KR_TA_HIGH] = b->high;
    s.col[KR_TA_LOW] = b->low;
    s.col[KR_TA_CLOSE] = b->close;
    s.col[KR_TA_VOLUME] = b->volume;
    s.col[KR_TA_DAY] = day;
    fprintf(stderr, "bench_ta: %zu bars generated in %.1fs\n", s.n,
            now() - t0);

    bw_init(&bw);
    bw_result bwr[NBW];
    size_t nbwr = 0;

    size_t nt;
    const kr_ta_info *table = kr_ta_table(&nt);
    static misses m;
    size_t ran = 0;
    for (size_t i = 0; i < nt; i++) {
        if (!wanted(table[i].name, argc, argv))
            continue;
        ran++;
        double ti0 = now();
        if (bench_one(&table[i], &s, &bw, bwr, &nbwr, &m))
            status = 1;
        fprintf(stderr, "bench_ta: %s took %.1fs\n", table[i].name,
                now() - ti0);
    }
    if (ran == 0) {
        fprintf(stderr, "bench_ta: no indicator of the table matched\n");
        status = 1;
    }
    if (bw.buf) {
        emit("machine.read_bandwidth", "GB/s", 2, bw.best, NULL, 0);
        fprintf(stderr, "bench_ta: read bandwidth: best of %d samples\n",
                BW_REPEAT + bw.samples);
    }
    for (size_t i = 0; i < nbwr && bw.buf; i++) {
        double frac = bwr[i].mbps * 1e6 * bwr[i].bytes / 1e9 / bw.best;
        emit(bwr[i].name, "fraction", 3, frac, NULL, 0);
        if (frac < BW_TARGET)
            miss(&m, "%s: %.3f of the read bandwidth (target %.2f)",
                 bwr[i].name, frac, BW_TARGET);
    }
    for (size_t i = 0; i < m.n; i++)
        fprintf(stderr, "bench_ta: target missed: %s\n", m.line[i]);
    fprintf(stderr, "bench_ta: %zu indicators, %zu targets missed, %.1fs in "
            "all\n", ran, m.n, now() - t0);

done:
    for (int k = 0; k < KR_TA_MAX_OUTPUTS; k++)
        kr_free_aligned(s.out[k]);
    kr_free_aligned(s.rows);
    kr_free_aligned(day);
    kr_free_aligned(bw.buf);
    kr_dataset_free(&ds);
    return status;
}

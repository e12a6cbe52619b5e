/* bench_engine.c -- backtest throughput: one long series against the
 * hand-written loop of the same strategy, a 100-symbol run, and a
 * 200-point parameter sweep on one thread and on every core.
 *
 * Three measurements in one run, every input generated in memory from a
 * fixed seed (a mean-reverting random walk of the log price, on a 0.01
 * tick, one-minute bars):
 *
 *   1. engine.sma_cross_10m: 10,000,000 bars of one symbol through
 *      kr_strategy_create("sma_cross:fast=10,slow=30") and kr_backtest_run
 *      with the default configuration (next_open fills, all in at fraction
 *      1.0, no costs), check_ledger off, recording the equity column only
 *      (KR_RECORD_EQUITY: a long run that keeps every order and fill
 *      measures the memory of its records as much as the engine). The peer
 *      is hand_loop below: the same strategy written as one C loop, rolling
 *      sums for the two averages taken in the same steps as the SMA stream
 *      (so the two decide identically, bit for bit), the fill at the next
 *      open, the quantity sized as the engine sizes a target order, cash and
 *      marks in integer cents as the ledger keeps them, and one equity value
 *      per bar written to a preallocated array. It is the floor no engine
 *      beats: no events, no bus, no order records, no risk check. The two
 *      must agree (same number of position changes, final equity within
 *      1e-6 relative), or the benchmark says so on stderr and exits 1.
 *   2. engine.multi_100x100k: 100 symbols of 100,000 bars each on the same
 *      timestamps, the same strategy sized at 1% of equity per symbol, in
 *      events (bars, order events and fills: kr_backtest.nevents) and in
 *      bars per second.
 *   3. engine.sweep_200_speedup: 200 runs of sma_cross (fast 5..24 by 1,
 *      slow 30..210 by 20) over 50,000 bars, each a task of kr_parallel_for
 *      (create the strategy, run with KR_RECORD_EQUITY, compute the
 *      metrics, free), on one thread and then on kr_cpu_count() threads;
 *      the tasks share only the read-only input. Both passes must give the
 *      same final equity and Sharpe ratio for every point.
 *
 * Usage: bench_engine [long] [multi] [sweep] runs only the named parts
 * (all three without arguments).
 *
 * Timing is kr_monotonic_ns around the run only (creating the strategy
 * stays outside; the kr_backtest is reused from round to round, as a sweep
 * reuses it, so its storage is already there); each figure is the best of 3
 * runs, 5 for the hand loop. Output: one JSON object per line on stdout
 * (bench/README.md), notes on stderr. The whole binary takes about 15
 * seconds on a 2-core machine and 0.9 GB at its peak.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/core.h"
#include "kairos/data.h"
#include "kairos/engine.h"
#include "kairos/risk.h"
#include "kairos/strategy.h"

#define SEED UINT64_C(20240601)
#define T0 INT64_C(1577836800000000000) /* 2020-01-01T00:00:00Z */
#define LEVEL 100000 /* the walk's centre, in cents: 1000.00 */
#define SIGMA 0.001  /* per-bar volatility of the log price */
#define KAPPA 1e-4   /* pull toward the centre per bar */
#define GAP 0.0002   /* open against the previous close */

#define LONG_BARS 10000000
#define FAST 10
#define SLOW 30
#define SPEC "sma_cross:fast=10,slow=30"
#define KR_REPEAT 3
#define HAND_REPEAT 5

#define MULTI_SYMS 100
#define MULTI_BARS 100000

#define SWEEP_BARS 50000
#define SWEEP_NFAST 20 /* fast 5..24 */
#define SWEEP_NSLOW 10 /* slow 30, 50, ..., 210 */
#define SWEEP_RUNS (SWEEP_NFAST * SWEEP_NSLOW)
#define SWEEP_REPEAT 3

#define CASH_CENTS INT64_C(10000000) /* the default 100000.00 */
#define PRICE_PREC 2
#define SIZE_PREC 6

static double secs(int64_t ns) { return (double)ns * 1e-9; }

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

/* emit prints one result line; threads < 0 leaves that field out. */
static void emit(const char *name, const char *unit, int prec, double kairos,
                 const char *peer_name, double peer, int threads)
{
    printf("{\"name\":\"%s\",\"unit\":\"%s\",\"kairos\":%.*f", name, unit,
           prec, kairos);
    if (peer_name)
        printf(",\"peer_name\":\"%s\",\"peer\":%.*f,\"ratio\":%.3f", peer_name,
               prec, peer, kairos / peer);
    if (threads >= 0)
        printf(",\"threads\":%d", threads);
    printf("}\n");
    fflush(stdout);
}

/* ------------------------------------------------------------------------
 * Data: a mean-reverting walk of the log price on a 0.01 tick
 * ------------------------------------------------------------------------ */

static uint64_t rng_u64(uint64_t *s) /* xorshift64* */
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_u64(s) >> 11) * 0x1p-53;
}

/* Roughly standard normal: the sum of four uniforms, centred and scaled to
 * unit variance (Irwin-Hall). */
static double rng_gauss(uint64_t *s)
{
    double u = rng_unit(s) + rng_unit(s) + rng_unit(s) + rng_unit(s);
    return (u - 2.0) * 1.7320508075688772;
}

/* gen_series appends n bars one minute apart from T0 to b (initialised by
 * the caller). Prices are whole cents written as cents / 100.0, so the
 * engine's conversion to raw at precision 2 is exact. */
static int gen_series(kr_bars *b, size_t n, uint64_t seed)
{
    uint64_t s = (seed * UINT64_C(0x9E3779B97F4A7C15)) | 1;
    const double centre = log((double)LEVEL);
    double x = centre;
    int64_t prev = LEVEL;
    for (size_t i = 0; i < n; i++) {
        x += -KAPPA * (x - centre) + SIGMA * rng_gauss(&s);
        int64_t close = (int64_t)llround(exp(x));
        int64_t open = prev + (int64_t)llround((double)prev * GAP *
                                               rng_gauss(&s));
        if (close < 100)
            close = 100;
        if (open < 100)
            open = 100;
        int64_t wick = (int64_t)llround(fabs(rng_gauss(&s)) * (double)prev *
                                        SIGMA * 0.5);
        int64_t high = (open > close ? open : close) + wick;
        int64_t low = (open < close ? open : close) - wick;
        if (low < 1)
            low = 1;
        double vol = 100.0 + (double)(rng_u64(&s) % 900);
        int rc = kr_bars_push(b, T0 + (int64_t)i * KR_NS_PER_MIN,
                              (double)open / 100.0, (double)high / 100.0,
                              (double)low / 100.0, (double)close / 100.0, vol,
                              0, 0);
        if (rc)
            return rc;
        prev = close;
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The hand-written loop (the peer of engine.sma_cross_10m)
 * ------------------------------------------------------------------------ */

typedef struct hand_result {
    uint64_t trades;   /* position changes */
    double final_equity;
    int64_t max_qty;   /* largest position, raw at SIZE_PREC */
} hand_result;

/* v / d rounded half to even, v >= 0, d > 0: kr_notional's rounding,
 * without a branch (the remainder's half is a coin toss for a predictor). */
static inline int64_t div_half_even(int64_t v, int64_t d)
{
    const int64_t q = v / d, r2 = 2 * (v % d);
    return q + ((r2 > d) | ((r2 == d) & (q & 1)));
}

/* The all-in quantity, raw at SIZE_PREC, that the engine resolves for a
 * target of 1.0 filling at px_c cents from a flat account holding cash_c
 * cents and paying no commission (docs/backtest.md): the most millionths
 * whose notional, rounded half to even to the cent, leaves one cent. */
static inline int64_t all_in_qty(int64_t cash_c, int64_t px_c)
{
    int64_t q = ((cash_c - 1) * 1000000 + 500000) / px_c;
    while (q > 0 && div_half_even(px_c * q, 1000000) > cash_c - 1)
        q--;
    return q;
}

/* hand_loop runs sma_cross(fast, slow) over b as the engine's default
 * configuration does, writing the equity at every close into eq (b->n
 * values). Decided at the close: long while SMA(fast) > SMA(slow), flat
 * otherwise, from the first bar where both exist; filled at the next open.
 * noinline keeps it a function call the compiler cannot fold into the
 * timing loop. */
__attribute__((noinline)) static void
hand_loop(const kr_bars *b, int fast, int slow, int64_t cash0, double *eq,
          hand_result *out)
{
    const double *op = b->open, *cl = b->close;
    const size_t n = b->n, nf = (size_t)fast, ns = (size_t)slow;
    const double df = (double)fast, ds = (double)slow;
    double sf = 0.0, ss = 0.0;
    int64_t cash = cash0, q = 0, maxq = 0;
    int order = 0; /* +1 buy all in, -1 sell all, at the next open */
    uint64_t trades = 0;
    for (size_t i = 0; i < n; i++) {
        if (order) {
            const int64_t px = (int64_t)nearbyint(op[i] * 100.0);
            if (order > 0) {
                const int64_t qn = all_in_qty(cash, px);
                if (qn > 0) {
                    cash -= div_half_even(px * qn, 1000000);
                    q = qn;
                    trades++;
                    if (q > maxq)
                        maxq = q;
                }
            } else {
                cash += div_half_even(px * q, 1000000);
                q = 0;
                trades++;
            }
            order = 0;
        }
        const double x = cl[i];
        /* The SMA stream's steps: the first window summed in order, then
         * the difference of the newest and oldest added to the sum. */
        sf += i < nf ? x : x - cl[i - nf];
        ss += i < ns ? x : x - cl[i - ns];
        if (i + 1 >= ns) {
            const int want = sf / df > ss / ds;
            if (want != (q > 0))
                order = want ? 1 : -1;
        }
        const int64_t mv =
            q ? div_half_even((int64_t)nearbyint(x * 100.0) * q, 1000000) : 0;
        eq[i] = (double)(cash + mv) / 100.0;
    }
    out->trades = trades;
    out->final_equity = n ? eq[n - 1] : (double)cash0 / 100.0;
    out->max_qty = maxq;
}

/* ------------------------------------------------------------------------
 * Runs through the engine
 * ------------------------------------------------------------------------ */

static void config(kr_backtest_config *cfg)
{
    kr_backtest_config_init(cfg);
    cfg->check_ledger = 0;
    cfg->record = KR_RECORD_EQUITY;
}

/* run_engine makes the strategy, runs it once over `in` into bt and
 * returns the run's nanoseconds in *ns. bt is reused from round to round,
 * as a sweep reuses it (kr_backtest_run keeps the last run's storage), and
 * as the hand loop reuses its equity array. */
static int run_engine(const kr_backtest_input *in, const char *spec,
                      const kr_sizing *sz, kr_backtest *bt, int64_t *ns)
{
    kr_backtest_config cfg;
    config(&cfg);
    kr_error err;
    kr_error_clear(&err);
    kr_strategy strat;
    int rc = kr_strategy_create(spec, sz, 0, &strat, "--strategy", &err);
    if (rc) {
        fprintf(stderr, "bench_engine: %s: %s\n", spec, err.msg);
        return rc;
    }
    int64_t t0 = kr_monotonic_ns();
    rc = kr_backtest_run(bt, &cfg, in, &strat, &err);
    *ns = kr_monotonic_ns() - t0;
    kr_strategy_destroy(&strat);
    if (rc)
        fprintf(stderr, "bench_engine: kr_backtest_run: %s (%s)\n",
                kr_strerror(rc), err.msg[0] ? err.msg : bt->stop_reason);
    return rc;
}

/* Orders that filled: the position changes of a run that records no fills,
 * as every order of sma_cross moves the position all the way in one fill. */
static uint64_t filled_orders(const kr_backtest *bt)
{
    return bt->fill_count;
}

static uint64_t rejected_orders(const kr_backtest *bt)
{
    return bt->reject_count;
}

/* ------------------------------------------------------------------------
 * 1. One symbol, 10M bars, against the hand loop
 * ------------------------------------------------------------------------ */

static volatile double sink_eq; /* the hand loop's result goes here */

static int bench_long(void)
{
    int status = 0;
    kr_bars b;
    kr_instrument inst;
    kr_backtest bt;
    kr_backtest_init(&bt);
    double *eq = NULL;
    if (kr_instrument_init(&inst, 0, PRICE_PREC, SIZE_PREC) ||
        kr_bars_init(&b, 0, LONG_BARS, 0))
        return 1;
    int64_t t = kr_monotonic_ns();
    if (gen_series(&b, LONG_BARS, SEED)) {
        status = 1;
        goto done;
    }
    fprintf(stderr, "bench_engine: %d bars generated in %.2f s\n", LONG_BARS,
            secs(kr_monotonic_ns() - t));
    eq = malloc(LONG_BARS * sizeof *eq);
    if (!eq) {
        status = 1;
        goto done;
    }
    /* Touched now, so that the hand loop pays no page faults (a memset to
     * zero could be turned into calloc, which touches nothing). */
    for (size_t i = 0; i < LONG_BARS; i++)
        eq[i] = -1.0;

    kr_backtest_input in = {&b, &inst, NULL, 1};
    hand_result hr = {0};
    int64_t best_kr = INT64_MAX, best_hand = INT64_MAX;
    for (int r = 0; r < HAND_REPEAT; r++) {
        int64_t kns = 0;
        if (r < KR_REPEAT) {
            if (run_engine(&in, SPEC, NULL, &bt, &kns)) {
                status = 1;
                goto done;
            }
            if (kns < best_kr)
                best_kr = kns;
        }
        int64_t t0 = kr_monotonic_ns();
        hand_loop(&b, FAST, SLOW, CASH_CENTS, eq, &hr);
        int64_t ns = kr_monotonic_ns() - t0;
        sink_eq = eq[LONG_BARS - 1];
        if (ns < best_hand)
            best_hand = ns;
        fprintf(stderr, "bench_engine: sma_cross_10m round %d: kairos %.3f "
                "s, hand loop %.3f s\n", r + 1,
                r < KR_REPEAT ? secs(kns) : NAN, secs(ns));
    }

    /* Do the two agree? */
    uint64_t kr_trades = filled_orders(&bt);
    double kr_final = bt.npoints ? bt.equity[bt.npoints - 1] : NAN;
    double worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < bt.npoints && i < LONG_BARS; i++) {
        double d = fabs(bt.equity[i] - eq[i]) / fabs(eq[i]);
        if (d > worst) {
            worst = d;
            worst_at = i;
        }
    }
    double rel = fabs(kr_final - hr.final_equity) / fabs(hr.final_equity);
    fprintf(stderr,
            "bench_engine: sma_cross_10m: kairos %llu position changes "
            "(%llu orders, %llu rejected), final equity %.2f; hand loop "
            "%llu, %.2f; largest gap between the curves %.3g at bar %zu; "
            "largest position %.6f units\n",
            (unsigned long long)kr_trades, (unsigned long long)bt.norders,
            (unsigned long long)rejected_orders(&bt), kr_final,
            (unsigned long long)hr.trades, hr.final_equity, worst, worst_at,
            (double)hr.max_qty / 1e6);
    if (bt.npoints != LONG_BARS || kr_trades != hr.trades || !(rel <= 1e-6)) {
        fprintf(stderr,
                "bench_engine: WARNING: kairos and the hand loop disagree "
                "(points %zu of %d, trades %llu vs %llu, final equity "
                "relative difference %.3g): the figures below compare "
                "different work\n",
                bt.npoints, LONG_BARS, (unsigned long long)kr_trades,
                (unsigned long long)hr.trades, rel);
        status = 1;
    }

    double kr_mbps = (double)LONG_BARS / secs(best_kr) / 1e6;
    double hand_mbps = (double)LONG_BARS / secs(best_hand) / 1e6;
    emit("engine.sma_cross_10m", "Mbars/s", 2, kr_mbps, "hand_loop",
         hand_mbps, -1);
    emit("engine.sma_cross_10m_ns_per_bar", "ns/bar", 1,
         (double)best_kr / LONG_BARS, NULL, 0, -1);
    if (kr_mbps / hand_mbps < 0.25)
        fprintf(stderr, "bench_engine: engine.sma_cross_10m: %.3f of the "
                "hand loop (target 0.25)\n", kr_mbps / hand_mbps);
done:
    kr_backtest_free(&bt);
    free(eq);
    kr_bars_free(&b);
    return status;
}

/* ------------------------------------------------------------------------
 * 2. 100 symbols x 100k bars
 * ------------------------------------------------------------------------ */

static int bench_multi(void)
{
    int status = 0;
    kr_bars *b = calloc(MULTI_SYMS, sizeof *b);
    kr_instrument *inst = calloc(MULTI_SYMS, sizeof *inst);
    kr_backtest bt;
    kr_backtest_init(&bt);
    size_t made = 0;
    if (!b || !inst) {
        status = 1;
        goto done;
    }
    int64_t t = kr_monotonic_ns();
    for (; made < MULTI_SYMS; made++) {
        uint32_t s = (uint32_t)made;
        if (kr_bars_init(&b[s], s, MULTI_BARS, 0) ||
            kr_instrument_init(&inst[s], s, PRICE_PREC, SIZE_PREC)) {
            status = 1;
            goto done;
        }
        if (gen_series(&b[s], MULTI_BARS, SEED + 1000 + s)) {
            made++;
            status = 1;
            goto done;
        }
    }
    fprintf(stderr, "bench_engine: %d x %d bars generated in %.2f s\n",
            MULTI_SYMS, MULTI_BARS, secs(kr_monotonic_ns() - t));

    /* Every symbol all in would be 100 times the equity: 1% each. */
    kr_sizing sz;
    kr_sizing_init(&sz);
    sz.fraction = 1.0 / MULTI_SYMS;
    kr_backtest_input in = {b, inst, NULL, MULTI_SYMS};
    int64_t best = INT64_MAX;
    uint64_t nevents = 0;
    for (int r = 0; r < KR_REPEAT; r++) {
        int64_t ns;
        if (run_engine(&in, SPEC, &sz, &bt, &ns)) {
            status = 1;
            goto done;
        }
        if (ns < best)
            best = ns;
        nevents = bt.nevents;
        fprintf(stderr, "bench_engine: multi_100x100k round %d: %.3f s\n",
                r + 1, secs(ns));
    }
    fprintf(stderr, "bench_engine: multi_100x100k: %llu bars, %llu events, "
            "%zu orders (%llu filled, %llu rejected), final equity %.2f\n",
            (unsigned long long)bt.nbars, (unsigned long long)nevents,
            bt.norders, (unsigned long long)filled_orders(&bt),
            (unsigned long long)rejected_orders(&bt),
            bt.npoints ? bt.equity[bt.npoints - 1] : NAN);
    if (bt.nbars != (uint64_t)MULTI_SYMS * MULTI_BARS ||
        bt.npoints != MULTI_BARS) {
        fprintf(stderr, "bench_engine: WARNING: multi_100x100k replayed %llu "
                "bars into %zu points, expected %d and %d\n",
                (unsigned long long)bt.nbars, bt.npoints,
                MULTI_SYMS * MULTI_BARS, MULTI_BARS);
        status = 1;
    }
    emit("engine.multi_100x100k", "Mevents/s", 2,
         (double)nevents / secs(best) / 1e6, NULL, 0, -1);
    emit("engine.multi_100x100k_bars", "Mbars/s", 2,
         (double)MULTI_SYMS * MULTI_BARS / secs(best) / 1e6, NULL, 0, -1);
done:
    kr_backtest_free(&bt);
    for (size_t s = 0; s < made; s++)
        kr_bars_free(&b[s]);
    free(b);
    free(inst);
    return status;
}

/* ------------------------------------------------------------------------
 * 3. A 200-point sweep on 1 and N threads
 * ------------------------------------------------------------------------ */

typedef struct sweep_point {
    int fast, slow;
    double final_equity, sharpe;
    int rc;
} sweep_point;

typedef struct sweep {
    const kr_backtest_input *in;
    sweep_point *pt; /* SWEEP_RUNS, each written by its own task only */
} sweep;

/* One point of the sweep: nothing shared but the read-only input, nothing
 * logged. */
static int sweep_task(void *user, size_t i, int worker)
{
    (void)worker;
    sweep *sw = user;
    sweep_point *p = &sw->pt[i];
    char spec[64];
    snprintf(spec, sizeof spec, "sma_cross:fast=%d,slow=%d", p->fast,
             p->slow);
    kr_backtest_config cfg;
    config(&cfg);
    kr_strategy strat;
    int rc = kr_strategy_create(spec, NULL, 0, &strat, "--strategy", NULL);
    if (rc)
        return p->rc = rc;
    kr_backtest bt;
    kr_backtest_init(&bt);
    rc = kr_backtest_run(&bt, &cfg, sw->in, &strat, NULL);
    kr_bt_metrics m;
    if (rc == KR_OK)
        rc = kr_bt_metrics_compute(&bt, 1, NULL, &m);
    if (rc == KR_OK) {
        p->final_equity = m.final_equity;
        p->sharpe = m.sharpe;
    }
    kr_backtest_free(&bt);
    kr_strategy_destroy(&strat);
    return p->rc = rc;
}

static int sweep_pass(sweep *sw, int threads, int64_t *ns)
{
    for (size_t i = 0; i < SWEEP_RUNS; i++) {
        sw->pt[i].final_equity = sw->pt[i].sharpe = NAN;
        sw->pt[i].rc = 1;
    }
    int64_t t0 = kr_monotonic_ns();
    int rc = kr_parallel_for(SWEEP_RUNS, threads, sweep_task, sw);
    *ns = kr_monotonic_ns() - t0;
    if (rc)
        fprintf(stderr, "bench_engine: sweep on %d threads: %s\n", threads,
                kr_strerror(rc));
    return rc;
}

static bool same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int bench_sweep(void)
{
    int status = 0;
    kr_bars b;
    kr_instrument inst;
    sweep_point *one = calloc(SWEEP_RUNS, sizeof *one);
    sweep_point *many = calloc(SWEEP_RUNS, sizeof *many);
    if (!one || !many || kr_bars_init(&b, 0, SWEEP_BARS, 0)) {
        free(one);
        free(many);
        return 1;
    }
    if (kr_instrument_init(&inst, 0, PRICE_PREC, SIZE_PREC) ||
        gen_series(&b, SWEEP_BARS, SEED + 7)) {
        status = 1;
        goto done;
    }
    for (int f = 0; f < SWEEP_NFAST; f++)
        for (int s = 0; s < SWEEP_NSLOW; s++) {
            sweep_point *p = &one[f * SWEEP_NSLOW + s];
            p->fast = 5 + f;
            p->slow = 30 + 20 * s;
            if (p->fast >= p->slow) {
                fprintf(stderr, "bench_engine: sweep point fast=%d slow=%d "
                        "is not fast < slow\n", p->fast, p->slow);
                status = 1;
                goto done;
            }
        }
    memcpy(many, one, SWEEP_RUNS * sizeof *one);

    kr_backtest_input in = {&b, &inst, NULL, 1};
    sweep s1 = {&in, one}, sn = {&in, many};
    const int threads = kr_cpu_count();
    int64_t best1 = INT64_MAX, bestn = INT64_MAX;
    for (int r = 0; r < SWEEP_REPEAT; r++) {
        int64_t ns1, nsn;
        if (sweep_pass(&s1, 1, &ns1) || sweep_pass(&sn, threads, &nsn)) {
            status = 1;
            goto done;
        }
        if (ns1 < best1)
            best1 = ns1;
        if (nsn < bestn)
            bestn = nsn;
        fprintf(stderr, "bench_engine: sweep round %d: 1 thread %.3f s, %d "
                "threads %.3f s\n", r + 1, secs(ns1), threads, secs(nsn));
    }
    size_t differ = 0, best_i = 0;
    for (size_t i = 0; i < SWEEP_RUNS; i++) {
        if (!same(one[i].final_equity, many[i].final_equity) ||
            !same(one[i].sharpe, many[i].sharpe))
            differ++;
        if (one[i].sharpe > one[best_i].sharpe)
            best_i = i;
    }
    fprintf(stderr, "bench_engine: sweep: best Sharpe %.3f at fast=%d "
            "slow=%d (final equity %.2f)\n", one[best_i].sharpe,
            one[best_i].fast, one[best_i].slow, one[best_i].final_equity);
    if (differ) {
        fprintf(stderr, "bench_engine: WARNING: %zu sweep points differ "
                "between 1 and %d threads\n", differ, threads);
        status = 1;
    }
    double speedup = (double)best1 / (double)bestn;
    emit("engine.sweep_200_speedup", "x", 3, speedup, NULL, 0, threads);
    emit("engine.sweep_200_runs_per_s", "runs/s", 1,
         (double)SWEEP_RUNS / secs(bestn), NULL, 0, threads);
    if (threads >= 2 && speedup < 1.8)
        fprintf(stderr, "bench_engine: engine.sweep_200_speedup: %.2f on %d "
                "threads (target 1.8 on 2 cores; check `uptime` for other "
                "load)\n", speedup, threads);
done:
    kr_bars_free(&b);
    free(one);
    free(many);
    return status;
}

/* ------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------ */

static bool wanted(int argc, char **argv, const char *name)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return true;
    return false;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "long") && strcmp(argv[i], "multi") &&
            strcmp(argv[i], "sweep")) {
            fprintf(stderr, "usage: bench_engine [long] [multi] [sweep]\n");
            return 2;
        }
    int64_t t0 = kr_monotonic_ns();
    int status = 0;
    if (wanted(argc, argv, "long"))
        status |= bench_long();
    if (wanted(argc, argv, "multi"))
        status |= bench_multi();
    if (wanted(argc, argv, "sweep"))
        status |= bench_sweep();
    fprintf(stderr, "bench_engine: done in %.1f s%s\n",
            secs(kr_monotonic_ns() - t0), status ? " (with failures)" : "");
    return status;
}

/* bench_ml.c -- model prediction: kairos's flat evaluator against XGBoost's
 * own predictor on the same model, one row at a time and in batches.
 *
 * The model: 200 trees of depth 6, binary:logistic, trained here on one
 * thread by kr_xgb_train (eta 0.1, hist) on 20,000 synthetic rows of 40
 * features, about 2% of the values missing; the label is a logistic draw
 * from a few features, two interactions and a threshold, so the trees are
 * full and use most features. Every input comes from a fixed seed.
 *
 *   1. ml.predict_row_p50, ml.predict_row_p99: latency of one prediction
 *      in microseconds, over 100,000 different rows, each call timed on
 *      its own with clock_gettime(CLOCK_MONOTONIC). kairos:
 *      kr_model_predict_row. XGBoost: XGBoosterPredictFromDense on a
 *      one-row array (its in-place predictor, the fastest one-row call of
 *      the 1.7 C API: no DMatrix), nthread 1; the row is copied into the
 *      buffer its array interface names before the clock starts. Each
 *      runs its 100,000 calls in a loop of its own (after 2,000 warm-up
 *      calls each), so neither evicts the other's model. ratio =
 *      xgboost / kairos (above 1: kairos is faster). Target: p99 < 5 us.
 *   2. ml.predict_batch_1t, ml.predict_batch_2t: rows per second over
 *      1,000,000 rows, kr_model_predict on 1 and 2 threads against
 *      XGBoosterPredictFromDense on the whole matrix with nthread 1 and 2,
 *      best of 3 each. ratio = kairos / xgboost. Target: >= 2.5.
 *
 * Every kairos prediction is compared with XGBoost's (within 1e-6); a
 * difference fails the benchmark (exit 1). Output: one JSON line per
 * figure on stdout (bench/README.md), notes on stderr.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xgboost/c_api.h>

#include "kairos/core.h"
#include "kairos/ml.h"
#include "ml/internal.h"

#define NFEAT 40
#define NTRAIN 20000
#define NROW_SINGLE 100000
#define NBATCH 1000000
#define BATCH_REPEAT 3
#define SEED UINT64_C(20240611)

static uint64_t rng_u64(uint64_t *s)
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
    return ((double)(rng_u64(s) >> 11) + 0.5) * 0x1p-53;
}

static double rng_gauss(uint64_t *s)
{
    double u = rng_unit(s), v = rng_unit(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* gen fills n rows (and labels, when y is not NULL). */
static void gen(float *x, float *y, size_t n, uint64_t seed)
{
    uint64_t s = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
    for (size_t i = 0; i < n; i++) {
        float *r = x + i * NFEAT;
        for (int j = 0; j < NFEAT; j++)
            r[j] = (float)rng_gauss(&s);
        double z = 0.8 * r[0] - 0.6 * r[1] + 0.5 * r[2] * r[3] +
                   0.4 * (r[4] > 0.5 ? 1 : -1) + 0.3 * r[5] * r[6] +
                   0.2 * r[7];
        for (int j = 8; j < NFEAT; j++)
            z += 0.03 * r[j];
        if (y)
            y[i] = rng_unit(&s) < 1.0 / (1.0 + exp(-2.0 * z)) ? 1.0f : 0.0f;
        for (int j = 0; j < NFEAT; j++)
            if (rng_unit(&s) < 0.02)
                r[j] = NAN;
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct_us(int64_t *t, size_t n, double q)
{
    qsort(t, n, sizeof *t, cmp_i64);
    size_t k = (size_t)ceil(q * (double)n) - 1;
    return (double)t[k] * 1e-3;
}

static void emit(const char *name, const char *unit, int prec, double kairos,
                 double peer, double ratio, int threads)
{
    printf("{\"name\":\"%s\",\"unit\":\"%s\",\"kairos\":%.*f,\"peer_name\":"
           "\"xgboost\",\"peer\":%.*f,\"ratio\":%.3f",
           name, unit, prec, kairos, prec, peer, ratio);
    if (threads > 0)
        printf(",\"threads\":%d", threads);
    printf("}\n");
    fflush(stdout);
}

/* Array-interface and config strings for XGBoosterPredictFromDense. */
static void array_interface(char *buf, size_t size, const float *x, size_t n)
{
    snprintf(buf, size,
             "{\"data\": [%llu, true], \"shape\": [%zu, %d], \"typestr\": "
             "\"<f4\", \"version\": 3}",
             (unsigned long long)(uintptr_t)x, n, NFEAT);
}

static const char predict_cfg[] =
    "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
    "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, "
    "\"cache_id\": 0}";

static int xgb_dense(BoosterHandle b, const char *iface, size_t n,
                     const float **res)
{
    const bst_ulong *shape;
    bst_ulong dim;
    if (XGBoosterPredictFromDense(b, iface, predict_cfg, NULL, &shape, &dim,
                                  res)) {
        fprintf(stderr, "bench_ml: XGBoosterPredictFromDense: %s\n",
                XGBGetLastError());
        return -1;
    }
    if (shape[0] != n) {
        fprintf(stderr, "bench_ml: XGBoost answered %llu rows, not %zu\n",
                (unsigned long long)shape[0], n);
        return -1;
    }
    return 0;
}

static int check_same(const float *a, const float *b, size_t n,
                      const char *what)
{
    size_t bad = 0, exact = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        worst = d > worst ? d : worst;
        bad += !(d <= 1e-6);
        exact += a[i] == b[i];
    }
    fprintf(stderr, "bench_ml: %s: %zu of %zu predictions identical, worst "
                    "difference %.3g\n", what, exact, n, worst);
    if (bad) {
        fprintf(stderr, "bench_ml: %s: %zu predictions differ by more than "
                        "1e-6\n", what, bad);
        return -1;
    }
    return 0;
}

int main(void)
{
    int status = 1;
    float *xtr = malloc((size_t)NTRAIN * NFEAT * sizeof *xtr);
    float *ytr = malloc(NTRAIN * sizeof *ytr);
    float *x = malloc((size_t)NBATCH * NFEAT * sizeof *x);
    float *pk = malloc(NBATCH * sizeof *pk), *px = malloc(NBATCH * sizeof *px);
    int64_t *tk = malloc(NROW_SINGLE * sizeof *tk);
    int64_t *tx = malloc(NROW_SINGLE * sizeof *tx);
    kr_model *m = NULL;
    BoosterHandle b = NULL;
    if (!xtr || !ytr || !x || !pk || !px || !tk || !tx) {
        fprintf(stderr, "bench_ml: out of memory\n");
        goto done;
    }
    gen(xtr, ytr, NTRAIN, SEED);
    gen(x, NULL, NBATCH, SEED + 1);

    kr_xgb_params p;
    kr_xgb_params_init(&p);
    p.rounds = 200;
    p.max_depth = 6;
    p.nthread = 1;
    kr_matrix tr = {.nrows = NTRAIN, .ncols = NFEAT, .x = xtr, .y = ytr};
    kr_error err;
    int64_t t0 = now_ns();
    if (kr_xgb_train(&tr, NULL, &p, &m, &err)) {
        fprintf(stderr, "bench_ml: training failed: %s\n", err.msg);
        goto done;
    }
    b = (BoosterHandle)m->booster;
    size_t leaves = 0;
    for (size_t k = 0; k < m->flat.nnodes; k++)
        leaves += m->flat.nodes[k].left == k;
    fprintf(stderr, "bench_ml: trained %zu trees (%zu nodes, %zu leaves) in "
                    "%.1f s\n", kr_model_ntrees(m), m->flat.nnodes, leaves,
            (double)(now_ns() - t0) * 1e-9);

    /* 1. One row at a time. */
    static float one[NFEAT];
    char iface[256];
    array_interface(iface, sizeof iface, one, 1);
    if (XGBoosterSetParam(b, "nthread", "1")) {
        fprintf(stderr, "bench_ml: %s\n", XGBGetLastError());
        goto done;
    }
    float sink = 0;
    for (size_t i = 0; i < 2000; i++) { /* warm-up */
        const float *res;
        float v;
        memcpy(one, x + i * NFEAT, sizeof one);
        if (xgb_dense(b, iface, 1, &res))
            goto done;
        kr_model_predict_row(m, x + i * NFEAT, &v);
        sink += v + res[0];
    }
    /* Each contender runs its 100k calls on its own, so that neither
     * finds its model evicted from the caches by the other's last call. */
    for (size_t i = 0; i < NROW_SINGLE; i++) {
        const float *res;
        memcpy(one, x + i * NFEAT, sizeof one);
        int64_t a = now_ns();
        int rc = xgb_dense(b, iface, 1, &res);
        int64_t c = now_ns();
        if (rc)
            goto done;
        px[i] = res[0];
        tx[i] = c - a;
    }
    for (size_t i = 0; i < NROW_SINGLE; i++) {
        const float *row = x + i * NFEAT;
        int64_t a = now_ns();
        kr_model_predict_row(m, row, &pk[i]);
        int64_t c = now_ns();
        tk[i] = c - a;
    }
    if (check_same(pk, px, NROW_SINGLE, "single rows"))
        goto done;
    double k50 = pct_us(tk, NROW_SINGLE, 0.50), k99 = pct_us(tk, NROW_SINGLE,
                                                             0.99);
    double x50 = pct_us(tx, NROW_SINGLE, 0.50), x99 = pct_us(tx, NROW_SINGLE,
                                                             0.99);
    emit("ml.predict_row_p50", "us", 3, k50, x50, x50 / k50, 0);
    emit("ml.predict_row_p99", "us", 3, k99, x99, x99 / k99, 0);

    /* 2. Batches of 1M rows. */
    char biface[256];
    array_interface(biface, sizeof biface, x, NBATCH);
    kr_matrix X = {.nrows = NBATCH, .ncols = NFEAT, .x = x};
    for (int threads = 1; threads <= 2; threads++) {
        char nt[8];
        snprintf(nt, sizeof nt, "%d", threads);
        if (XGBoosterSetParam(b, "nthread", nt)) {
            fprintf(stderr, "bench_ml: %s\n", XGBGetLastError());
            goto done;
        }
        double best_k = INFINITY, best_x = INFINITY;
        for (int r = 0; r < BATCH_REPEAT; r++) {
            int64_t a = now_ns();
            if (kr_model_predict(m, &X, threads, pk)) {
                fprintf(stderr, "bench_ml: kr_model_predict failed\n");
                goto done;
            }
            double dk = (double)(now_ns() - a) * 1e-9;
            const float *res;
            a = now_ns();
            if (xgb_dense(b, biface, NBATCH, &res))
                goto done;
            double dx = (double)(now_ns() - a) * 1e-9;
            memcpy(px, res, NBATCH * sizeof *px);
            best_k = dk < best_k ? dk : best_k;
            best_x = dx < best_x ? dx : best_x;
        }
        char what[32];
        snprintf(what, sizeof what, "batch, %d thread%s", threads,
                 threads > 1 ? "s" : "");
        if (check_same(pk, px, NBATCH, what))
            goto done;
        char name[40];
        snprintf(name, sizeof name, "ml.predict_batch_%dt", threads);
        const double rk = NBATCH / best_k, rx = NBATCH / best_x;
        emit(name, "rows/s", 0, rk, rx, rk / rx, threads);
    }
    fprintf(stderr, "bench_ml: targets: p99 %.2f us (target < 5), batch "
                    "ratios above (target >= 2.5) [%g]\n", k99, (double)sink);
    status = 0;
done:
    kr_model_free(m);
    free(xtr);
    free(ytr);
    free(x);
    free(pk);
    free(px);
    free(tk);
    free(tx);
    return status;
}

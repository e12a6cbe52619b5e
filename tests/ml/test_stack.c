/* test_stack.c -- tests of src/ml/stack.c: the meta-learner against
 * closed-form answers and its optimality conditions, the stack's
 * out-of-fold predictions against models retrained here, the purge against
 * hand counts and a naive reference, the report's correlations against a
 * direct computation, and the save/load round trip.
 *
 * The oracles: maximum-likelihood logistic weights of a saturated design
 * (each group's log-odds, derived in the comments), the ridge slope
 * Sxy / (Sxx + lambda) of one centred feature, the stationarity (KKT)
 * conditions of the penalized logistic objective, XGBoost retrained on the
 * rows the test itself selects, and an O(n^2) span-overlap purge.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kairos/core.h"
#include "kairos/ml.h"
#include "ml/internal.h"

/* ------------------------------------------------------------------------
 * Data
 * ------------------------------------------------------------------------ */

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

#define NC 4 /* x0 informative, x1..x3 noise */

typedef struct dataset {
    float *x, *y;
    size_t n;
    kr_matrix m;
} dataset;

/* binary: y = [x0 + 0.5 e > 0]; regression: y = 2 x0 + 0.3 e. */
static void make_data(dataset *d, size_t n, int regression, uint64_t seed)
{
    uint64_t s = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
    d->n = n;
    d->x = malloc(n * NC * sizeof *d->x);
    d->y = malloc(n * sizeof *d->y);
    assert_non_null(d->x);
    assert_non_null(d->y);
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < NC; j++)
            d->x[i * NC + j] = (float)rng_gauss(&s);
        double e = rng_gauss(&s);
        double x0 = d->x[i * NC];
        d->y[i] = regression ? (float)(2 * x0 + 0.3 * e)
                             : (x0 + 0.5 * e > 0 ? 1.0f : 0.0f);
    }
    d->m = (kr_matrix){.nrows = n, .ncols = NC, .x = d->x, .y = d->y};
}

static void free_data(dataset *d)
{
    free(d->x);
    free(d->y);
}

static const size_t COLS_INFO[] = {0};
static const size_t COLS_NOISE[] = {1, 2, 3};

static void two_bases(kr_stack_base *b, int objective)
{
    for (int j = 0; j < 2; j++) {
        memset(&b[j], 0, sizeof b[j]);
        kr_xgb_params_init(&b[j].params);
        b[j].params.objective = objective;
        b[j].params.rounds = 30;
        b[j].params.max_depth = 3;
        b[j].params.seed = (uint64_t)j;
    }
    b[0].cols = COLS_INFO;
    b[0].ncols = 1;
    b[1].cols = COLS_NOISE;
    b[1].ncols = 3;
    b[1].params.subsample = 0.8;
}

/* The naive purge: a train candidate i (not in fold f) is dropped when
 * [i, end_i] meets [j, end_j] for some j in fold f. */
static size_t naive_keep(size_t n, const int32_t *fold, int32_t f,
                         const size_t *end, unsigned char *keep)
{
    size_t purged = 0;
    for (size_t i = 0; i < n; i++) {
        keep[i] = 0;
        if (fold[i] == f)
            continue;
        int hit = 0;
        for (size_t j = 0; j < n && !hit; j++)
            hit = fold[j] == f && i <= end[j] && j <= end[i];
        if (hit)
            purged++;
        else
            keep[i] = 1;
    }
    return purged;
}

/* ------------------------------------------------------------------------
 * The meta-learner
 * ------------------------------------------------------------------------ */

/* A saturated design: three groups, A (z1 = 0, z2 = 0), B (z1 = 1, z2 = 0)
 * and C (z1 = 0, z2 = 1), and three coefficients, so the maximum-likelihood
 * fit reproduces each group's observed rate:
 *   A: 3 of 4 positive, logit(0.75) = ln 3              = beta0
 *   B: 1 of 5 positive, logit(0.2)  = ln(1/4) = beta0 + beta1
 *      -> beta1 = -ln 4 - ln 3 = -ln 12 = -2.484906649788...
 *   C: 4 of 6 positive, logit(2/3)  = ln 2    = beta0 + beta2
 *      -> beta2 = ln 2 - ln 3 = ln(2/3) = -0.405465108108...  */
static void test_meta_saturated(void **state)
{
    (void)state;
    enum { N = 15 };
    double z[2 * N];
    float y[N];
    size_t i = 0;
    const int grp[3][3] = {{4, 3, 0}, {5, 1, 1}, {6, 4, 2}}; /* n, pos, g */
    for (int g = 0; g < 3; g++)
        for (int r = 0; r < grp[g][0]; r++, i++) {
            z[i] = grp[g][2] == 1;
            z[N + i] = grp[g][2] == 2;
            y[i] = r < grp[g][1] ? 1.0f : 0.0f;
        }
    double beta[3];
    size_t it = 0;
    kr_error err;
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, N, 2, z, y, NULL, 0.0,
                                       beta, &it, &err),
                     KR_OK);
    assert_true(fabs(beta[0] - log(3.0)) < 1e-9);
    assert_true(fabs(beta[1] + log(12.0)) < 1e-9);
    assert_true(fabs(beta[2] - log(2.0 / 3.0)) < 1e-9);
    assert_true(it >= 2 && it < 20);

    /* Weights count as repeated rows: weighting group A's one negative
     * by 3 gives 3 of 6 positive there, logit 0 = beta0; B and C keep
     * their log-odds, so beta1 = ln(1/4), beta2 = ln 2. */
    float w[N];
    for (size_t r = 0; r < N; r++)
        w[r] = 1.0f;
    w[3] = 3.0f; /* row 3 is group A's negative */
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, N, 2, z, y, w, 0.0,
                                       beta, NULL, &err),
                     KR_OK);
    assert_true(fabs(beta[0]) < 1e-9);
    assert_true(fabs(beta[1] + log(4.0)) < 1e-9);
    assert_true(fabs(beta[2] - log(2.0)) < 1e-9);
}

/* With the ridge penalty the optimum is where the gradient vanishes:
 *   sum_i (y_i - p_i)          = 0                (intercept, unpenalized)
 *   sum_i (y_i - p_i) z_ij     = lambda beta_j    (each weight).
 * A larger lambda shrinks the weights' norm. */
static void test_meta_ridge_kkt(void **state)
{
    (void)state;
    enum { N = 300, M = 3 };
    double *z = malloc(N * M * sizeof *z);
    float *y = malloc(N * sizeof *y);
    assert_non_null(z);
    assert_non_null(y);
    uint64_t s = 77;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < M; j++)
            z[j * N + i] = rng_gauss(&s);
        double t = 1.2 * z[i] - 0.7 * z[N + i] + 0.8 * rng_gauss(&s) + 0.3;
        y[i] = t > 0 ? 1.0f : 0.0f;
    }
    double prev_norm = INFINITY;
    const double lambdas[] = {0.0, 1.0, 10.0, 100.0};
    for (size_t l = 0; l < 4; l++) {
        const double lambda = lambdas[l];
        double beta[M + 1];
        kr_error err;
        assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, N, M, z, y, NULL,
                                           lambda, beta, NULL, &err),
                         KR_OK);
        double g[M + 1] = {0};
        for (size_t i = 0; i < N; i++) {
            double e = beta[0];
            for (size_t j = 0; j < M; j++)
                e += beta[j + 1] * z[j * N + i];
            double r = (double)y[i] - 1.0 / (1.0 + exp(-e));
            g[0] += r;
            for (size_t j = 0; j < M; j++)
                g[j + 1] += r * z[j * N + i];
        }
        assert_true(fabs(g[0]) < 1e-8);
        for (size_t j = 1; j <= M; j++)
            assert_true(fabs(g[j] - lambda * beta[j]) < 1e-8);
        double norm = 0;
        for (size_t j = 1; j <= M; j++)
            norm += beta[j] * beta[j];
        assert_true(norm < prev_norm);
        prev_norm = norm;
        if (l == 0) { /* the signs the data were drawn with */
            assert_true(beta[1] > 0.5 && beta[2] < -0.3);
        }
    }
    free(z);
    free(y);
}

/* Ridge regression with one feature and an unpenalized intercept:
 * x = 1 2 3 4, y = 2 3 5 6; xbar = 2.5, ybar = 4;
 * Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5;
 * Sxy = (-1.5)(-2) + (-0.5)(-1) + (0.5)(1) + (1.5)(2) = 7;
 * lambda 2: slope = 7 / (5 + 2) = 1, intercept = 4 - 2.5 = 1.5;
 * lambda 0: slope = 7 / 5 = 1.4, intercept = 4 - 3.5 = 0.5. */
static void test_meta_ridge_regression(void **state)
{
    (void)state;
    const double z[4] = {1, 2, 3, 4};
    const float y[4] = {2, 3, 5, 6};
    double beta[2];
    size_t it;
    kr_error err;
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_REGRESSION, 4, 1, z, y, NULL,
                                       2.0, beta, &it, &err),
                     KR_OK);
    assert_true(fabs(beta[0] - 1.5) < 1e-12);
    assert_true(fabs(beta[1] - 1.0) < 1e-12);
    assert_int_equal(it, 1);
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_REGRESSION, 4, 1, z, y, NULL,
                                       0.0, beta, NULL, &err),
                     KR_OK);
    assert_true(fabs(beta[0] - 0.5) < 1e-12);
    assert_true(fabs(beta[1] - 1.4) < 1e-12);
}

/* Refusals: collinear columns without a penalty (singular), separable
 * data without a penalty (no finite optimum), and bad arguments. */
static void test_meta_refusals(void **state)
{
    (void)state;
    const double dup[8] = {1, 2, 3, 4, 1, 2, 3, 4};
    const float y[4] = {0, 1, 0, 1};
    double beta[3];
    kr_error err;
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_REGRESSION, 4, 2, dup, y, NULL,
                                       0.0, beta, NULL, &err),
                     KR_ERANGE);
    /* The same with a penalty is fine: the two weights come out equal. */
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, 4, 2, dup, y, NULL,
                                       1.0, beta, NULL, &err),
                     KR_OK);
    assert_true(fabs(beta[1] - beta[2]) < 1e-12);
    const double sep[4] = {-2, -1, 1, 2};
    const float ysep[4] = {0, 0, 1, 1};
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, 4, 1, sep, ysep, NULL,
                                       0.0, beta, NULL, &err),
                     KR_ERANGE);
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, 4, 1, sep, ysep, NULL,
                                       0.1, beta, NULL, &err),
                     KR_OK);
    assert_true(beta[1] > 0);
    assert_int_equal(kr_stack_meta_fit(KR_OBJ_BINARY, 4, 1, sep, ysep, NULL,
                                       -1.0, beta, NULL, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "meta_lambda");
}

/* ------------------------------------------------------------------------
 * The stack
 * ------------------------------------------------------------------------ */

/* One informative base (column x0) and one pure-noise base (x1..x3):
 * the informative one carries the weight, its out-of-fold loss is lower,
 * the report's correlations are those of its oof columns, and the
 * ensemble's in-sample loss is at most the informative base's plus
 * lambda / (2n) (the penalized optimum is no worse than the point
 * beta = (0, 1, 0), whose penalty is lambda / 2). */
static void test_informative_vs_noise(void **state)
{
    (void)state;
    enum { N = 400, K = 4 };
    dataset d;
    make_data(&d, N, 0, 5);
    int32_t fold[N];
    for (size_t i = 0; i < N; i++)
        fold[i] = (int32_t)(i / (N / K));
    kr_stack_base b[2];
    two_bases(b, KR_OBJ_BINARY);
    const double lambda = 1e-3;
    kr_stack *s = NULL;
    kr_stack_report rep;
    kr_error err;
    int rc = kr_stack_train(&d.m, fold, K, NULL, b, 2, lambda, &s, &rep,
                            &err);
    if (rc)
        fail_msg("kr_stack_train: %s", err.msg);
    assert_int_equal(rep.n, N);
    assert_int_equal(rep.m, 2);
    assert_int_equal(rep.k, K);
    for (size_t f = 0; f < K; f++) {
        assert_int_equal(rep.ntest[f], 100);
        assert_int_equal(rep.npurged[f], 0);
        assert_int_equal(rep.ntrain[f], 300);
    }
    /* Weights: informative clearly positive, noise near zero. */
    /* Weights: informative clearly positive and larger; in standard
     * deviations of each column (what a weight moves the log-odds by per
     * sd of its input) the noise base counts for far less. */
    double sd[2];
    for (size_t j = 0; j < 2; j++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < N; i++)
            mean += rep.oof[j * N + i];
        mean /= N;
        for (size_t i = 0; i < N; i++)
            ss += (rep.oof[j * N + i] - mean) * (rep.oof[j * N + i] - mean);
        sd[j] = sqrt(ss / N);
    }
    /* Seed 5 gives weights 1.036 (informative) and 0.311 (noise), sds
     * 2.33 and 0.49: contributions 2.41 and 0.15 log-odds per sd. */
    assert_true(rep.meta[1] > 0.5);
    assert_true(rep.meta[1] > rep.meta[2] + 0.5);
    assert_true(fabs(rep.meta[1]) * sd[0] > 5 * fabs(rep.meta[2]) * sd[1]);
    double beta[3];
    assert_int_equal(kr_stack_weights(s, beta), KR_OK);
    assert_memory_equal(beta, rep.meta, sizeof beta);
    /* Losses: the noise base is no better than chance (ln 2 = 0.693 with
     * about half the labels positive; allow overfit above it), the
     * informative base far better. */
    assert_true(rep.base_loss[0] < 0.5);
    assert_true(rep.base_loss[1] > 0.66);
    assert_true(rep.ensemble_loss <= rep.base_loss[0] + lambda / (2.0 * N) +
                                         1e-12);
    /* The losses recomputed from the oof margins. */
    for (size_t j = 0; j < 2; j++) {
        double l = 0;
        for (size_t i = 0; i < N; i++) {
            double p = 1.0 / (1.0 + exp(-(double)rep.oof[j * N + i]));
            l -= d.y[i] > 0.5f ? log(p) : log(1 - p);
        }
        assert_true(fabs(l / N - rep.base_loss[j]) < 1e-9);
    }
    /* Correlations: symmetric, unit diagonal, equal to a direct Pearson
     * on the reported columns. */
    assert_true(rep.corr[0] == 1.0 && rep.corr[3] == 1.0);
    assert_true(rep.corr[1] == rep.corr[2]);
    double mu[2] = {0, 0};
    for (size_t j = 0; j < 2; j++) {
        for (size_t i = 0; i < N; i++)
            mu[j] += rep.oof[j * N + i];
        mu[j] /= N;
    }
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < N; i++) {
        double a = rep.oof[i] - mu[0], c = rep.oof[N + i] - mu[1];
        sab += a * c;
        saa += a * a;
        sbb += c * c;
    }
    assert_true(fabs(rep.corr[1] - sab / sqrt(saa * sbb)) < 1e-12);
    assert_true(fabs(rep.corr[1]) < 0.3);
    kr_stack_report_free(&rep);
    assert_null(rep.oof);
    kr_stack_free(s);
    free_data(&d);
}

/* The out-of-fold margins are those of a model trained without the row's
 * fold: retrain every fold's two bases on the rows the naive purge keeps
 * and compare bit for bit. With label_end = i + 3 and folds of 100 rows,
 * fold 0 (rows 0-99, spans to 102) purges rows 100-102 (3); folds 1 and 2
 * purge three rows on each side (e.g. fold 1: 97-99, whose spans reach
 * 100, and 200-202, which start within 199 + 3 = 202): 6; fold 3 purges
 * 297-299: 3. Train rows: 297, 294, 294, 297. */
static void test_oof_is_out_of_fold(void **state)
{
    (void)state;
    enum { N = 400, K = 4 };
    dataset d;
    make_data(&d, N, 0, 9);
    int32_t fold[N];
    size_t end[N];
    for (size_t i = 0; i < N; i++) {
        fold[i] = (int32_t)(i / (N / K));
        end[i] = i + 3 < N ? i + 3 : N - 1;
    }
    kr_stack_base b[2];
    two_bases(b, KR_OBJ_BINARY);
    kr_stack *s = NULL;
    kr_stack_report rep;
    kr_error err;
    int rc = kr_stack_train(&d.m, fold, K, end, b, 2, 1.0, &s, &rep, &err);
    if (rc)
        fail_msg("kr_stack_train: %s", err.msg);
    const size_t want_purged[K] = {3, 6, 6, 3};
    unsigned char keep[N];
    float *xb = malloc(N * NC * sizeof *xb);
    float *yb = malloc(N * sizeof *yb);
    assert_non_null(xb);
    assert_non_null(yb);
    for (int32_t f = 0; f < K; f++) {
        assert_int_equal(rep.npurged[f], want_purged[f]);
        assert_int_equal(rep.ntrain[f], 300 - want_purged[f]);
        assert_int_equal(naive_keep(N, fold, f, end, keep), want_purged[f]);
        for (size_t j = 0; j < 2; j++) {
            size_t r = 0;
            for (size_t i = 0; i < N; i++) {
                if (!keep[i])
                    continue;
                for (size_t c = 0; c < b[j].ncols; c++)
                    xb[r * b[j].ncols + c] = d.x[i * NC + b[j].cols[c]];
                yb[r++] = d.y[i];
            }
            assert_int_equal(r, rep.ntrain[f]);
            kr_matrix tr = {.nrows = r, .ncols = b[j].ncols, .x = xb,
                            .y = yb};
            kr_model *mod = NULL;
            assert_int_equal(kr_xgb_train(&tr, NULL, &b[j].params, &mod,
                                          &err),
                             KR_OK);
            size_t same = 0;
            for (size_t i = 0; i < N; i++) {
                if (fold[i] != f)
                    continue;
                float row[3];
                for (size_t c = 0; c < b[j].ncols; c++)
                    row[c] = d.x[i * NC + b[j].cols[c]];
                float mg = kr__flat_margin(&mod->flat, row);
                assert_memory_equal(&mg, &rep.oof[j * N + i], sizeof mg);
                same++;
            }
            assert_int_equal(same, 100);
            kr_model_free(mod);
        }
    }
    /* The final bases were trained on every row: retrain base 0 on all
     * 400 rows and compare its margins. */
    for (size_t i = 0; i < N; i++) {
        xb[i] = d.x[i * NC];
        yb[i] = d.y[i];
    }
    kr_matrix all = {.nrows = N, .ncols = 1, .x = xb, .y = yb};
    kr_model *full = NULL;
    assert_int_equal(kr_xgb_train(&all, NULL, &b[0].params, &full, &err),
                     KR_OK);
    const kr_model *b0 = kr_stack_base_model(s, 0);
    assert_non_null(b0);
    for (size_t i = 0; i < N; i += 37) {
        float p = kr__flat_margin(&full->flat, &xb[i]);
        float q = kr__flat_margin(&b0->flat, &xb[i]);
        assert_memory_equal(&p, &q, sizeof p);
    }
    kr_model_free(full);
    free(xb);
    free(yb);
    kr_stack_report_free(&rep);
    kr_stack_free(s);
    free_data(&d);
}

/* Interleaved folds (blocks of 5 rows: fold (i / 5) mod 3) and spans of
 * uneven length (end_i = i + i mod 4): the purge counts equal the naive
 * O(n^2) reference for every fold. */
static void test_purge_interleaved(void **state)
{
    (void)state;
    enum { N = 90, K = 3 };
    dataset d;
    make_data(&d, N, 0, 3);
    int32_t fold[N];
    size_t end[N];
    for (size_t i = 0; i < N; i++) {
        fold[i] = (int32_t)((i / 5) % 3);
        end[i] = i + i % 4 < N ? i + i % 4 : N - 1;
    }
    kr_stack_base b[2];
    two_bases(b, KR_OBJ_BINARY);
    b[0].params.rounds = b[1].params.rounds = 5;
    kr_stack *s = NULL;
    kr_stack_report rep;
    kr_error err;
    int rc = kr_stack_train(&d.m, fold, K, end, b, 2, 1.0, &s, &rep, &err);
    if (rc)
        fail_msg("kr_stack_train: %s", err.msg);
    unsigned char keep[N];
    size_t total = 0;
    for (int32_t f = 0; f < K; f++) {
        size_t p = naive_keep(N, fold, f, end, keep);
        assert_int_equal(rep.npurged[f], p);
        assert_int_equal(rep.ntest[f], 30);
        assert_int_equal(rep.ntrain[f], 60 - p);
        total += p;
    }
    assert_true(total > 0);
    kr_stack_report_free(&rep);
    kr_stack_free(s);
    free_data(&d);
}

/* predict equals sigmoid(beta0 + sum_j beta_j margin_j) computed here;
 * save and load give back the same weights and bit-identical
 * predictions; the same for a regression stack (ridge meta). */
static void roundtrip(int objective)
{
    enum { N = 240, K = 3 };
    dataset d;
    make_data(&d, N, objective == KR_OBJ_REGRESSION, 21);
    int32_t fold[N];
    for (size_t i = 0; i < N; i++)
        fold[i] = (int32_t)(i % K);
    kr_stack_base b[3];
    two_bases(b, objective);
    memset(&b[2], 0, sizeof b[2]); /* every column */
    kr_xgb_params_init(&b[2].params);
    b[2].params.objective = objective;
    b[2].params.rounds = 20;
    b[2].params.max_depth = 2;
    b[2].params.eta = 0.3;
    kr_stack *s = NULL;
    kr_error err;
    int rc = kr_stack_train(&d.m, fold, K, NULL, b, 3, 0.5, &s, NULL, &err);
    if (rc)
        fail_msg("kr_stack_train: %s", err.msg);
    assert_int_equal(kr_stack_nbases(s), 3);
    assert_int_equal(kr_stack_nfeatures(s), NC);
    assert_int_equal(kr_stack_objective(s), objective);
    float *p1 = malloc(N * sizeof *p1), *p2 = malloc(N * sizeof *p2);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_int_equal(kr_stack_predict(s, &d.m, p1), KR_OK);
    double beta[4];
    assert_int_equal(kr_stack_weights(s, beta), KR_OK);
    for (size_t i = 0; i < N; i++) {
        double e = beta[0];
        for (size_t j = 0; j < 3; j++) {
            float row[NC];
            size_t nc = b[j].cols ? b[j].ncols : NC;
            for (size_t c = 0; c < nc; c++)
                row[c] = d.x[i * NC + (b[j].cols ? b[j].cols[c] : c)];
            e += beta[j + 1] *
                 (double)kr__flat_margin(&kr_stack_base_model(s, j)->flat,
                                         row);
        }
        double want = objective == KR_OBJ_BINARY ? 1.0 / (1.0 + exp(-e)) : e;
        assert_true(fabs((double)p1[i] - want) <= 1e-6 * (1 + fabs(want)));
    }
    char dir[] = "/tmp/kr_stack_test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof sub, "%s/stack", dir);
    assert_int_equal(kr_stack_save(s, sub, &err), KR_OK);
    kr_stack *t = NULL;
    rc = kr_stack_load(sub, &t, &err);
    if (rc)
        fail_msg("kr_stack_load: %s", err.msg);
    double beta2[4];
    assert_int_equal(kr_stack_weights(t, beta2), KR_OK);
    assert_memory_equal(beta, beta2, sizeof beta);
    assert_int_equal(kr_stack_predict(t, &d.m, p2), KR_OK);
    assert_memory_equal(p1, p2, N * sizeof *p1);
    /* A wrong width is refused. */
    kr_matrix narrow = d.m;
    narrow.ncols = NC - 1;
    assert_int_equal(kr_stack_predict(t, &narrow, p2), KR_EINVAL);
    kr_stack_free(t);

    /* A damaged meta.json is refused, naming the field. */
    char path[128];
    snprintf(path, sizeof path, "%s/meta.json", sub);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"format\": \"kairos-stack\", \"version\": 1, \"objective\": "
          "\"binary\", \"nfeatures\": 4, \"lambda\": 0.5, \"intercept\": 0, "
          "\"bases\": [{\"file\": \"base_0.json\", \"weight\": 1, "
          "\"cols\": [7]}]}", f);
    fclose(f);
    assert_int_equal(kr_stack_load(sub, &t, &err), KR_EFORMAT);
    assert_string_equal(err.field, "cols");
    assert_null(t);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{not json", f);
    fclose(f);
    assert_int_equal(kr_stack_load(sub, &t, &err), KR_EPARSE);
    assert_int_equal(kr_stack_load(dir, &t, &err), KR_ENOENT);

    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(p1);
    free(p2);
    kr_stack_free(s);
    free_data(&d);
}

static void test_roundtrip_binary(void **state)
{
    (void)state;
    roundtrip(KR_OBJ_BINARY);
}

static void test_roundtrip_regression(void **state)
{
    (void)state;
    roundtrip(KR_OBJ_REGRESSION);
}

/* Bad arguments are refused before anything is trained. */
static void test_train_refusals(void **state)
{
    (void)state;
    enum { N = 30 };
    dataset d;
    make_data(&d, N, 0, 1);
    int32_t fold[N];
    for (size_t i = 0; i < N; i++)
        fold[i] = (int32_t)(i % 3);
    kr_stack_base b[2];
    two_bases(b, KR_OBJ_BINARY);
    kr_stack *s = (kr_stack *)&d; /* must be reset to NULL */
    kr_stack_report rep;
    kr_error err;

    fold[4] = 3;
    assert_int_equal(kr_stack_train(&d.m, fold, 3, NULL, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EINVAL);
    assert_null(s);
    assert_null(rep.oof);
    assert_string_equal(err.field, "fold");
    fold[4] = 1;
    /* Fold 2 empty with k = 4 (rows only in 0..2). */
    assert_int_equal(kr_stack_train(&d.m, fold, 4, NULL, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EEMPTY);
    b[1].params.early_stopping = 5;
    assert_int_equal(kr_stack_train(&d.m, fold, 3, NULL, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "early_stopping");
    b[1].params.early_stopping = 0;
    b[1].params.objective = KR_OBJ_REGRESSION;
    assert_int_equal(kr_stack_train(&d.m, fold, 3, NULL, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "objective");
    b[1].params.objective = KR_OBJ_BINARY;
    const size_t badcols[1] = {NC};
    b[0].cols = badcols;
    assert_int_equal(kr_stack_train(&d.m, fold, 3, NULL, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "cols");
    b[0].cols = COLS_INFO;
    size_t end[N];
    for (size_t i = 0; i < N; i++)
        end[i] = i;
    end[7] = 6;
    assert_int_equal(kr_stack_train(&d.m, fold, 3, end, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "label_end");
    /* Spans covering everything purge every train row. */
    for (size_t i = 0; i < N; i++)
        end[i] = N - 1;
    assert_int_equal(kr_stack_train(&d.m, fold, 3, end, b, 2, 1, &s, &rep,
                                    &err),
                     KR_EEMPTY);
    assert_null(s);
    free_data(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_saturated),
        cmocka_unit_test(test_meta_ridge_kkt),
        cmocka_unit_test(test_meta_ridge_regression),
        cmocka_unit_test(test_meta_refusals),
        cmocka_unit_test(test_informative_vs_noise),
        cmocka_unit_test(test_oof_is_out_of_fold),
        cmocka_unit_test(test_purge_interleaved),
        cmocka_unit_test(test_roundtrip_binary),
        cmocka_unit_test(test_roundtrip_regression),
        cmocka_unit_test(test_train_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

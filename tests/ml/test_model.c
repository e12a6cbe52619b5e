/* test_model.c -- tests of src/ml/model.c, xgb.c and flat.c: training
 * through XGBoost's C API, the flat evaluator against the booster and
 * against python3-xgboost, early stopping, importance, refused files and
 * threads.
 *
 * The oracles: the booster itself (XGBoosterPredictFromDMatrix on the same
 * rows), tests/ml/xgb_oracle.py (python3-xgboost loading the JSON file
 * kairos saved: predictions, margins and SHAP contributions), a retrained
 * model without early stopping (whose per-round validation loss must have
 * its minimum where early stopping kept it), the loss_changes of the saved
 * JSON summed per feature (total gain), and a stump written by hand whose
 * answers are computed in the comments.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <xgboost/c_api.h>

#include "kairos/core.h"
#include "kairos/ml.h"
#include "ml/internal.h"

/* ------------------------------------------------------------------------
 * Data: seeded, reproducible
 * ------------------------------------------------------------------------ */

#define NCOLS 6 /* x0, x1 informative; x2..x4 noise; x5 constant (unused) */

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

typedef struct dataset {
    float *x, *y;
    size_t n;
    kr_matrix m;
} dataset;

/* kind: 0 = separable-ish binary (y = [x0 + 0.5 x1 + 0.3 e > 0]),
 *       1 = noisy binary (y = [0.15 x0 + e > 0]),
 *       2 = regression (y = 3 x0 - 2 x1 + 0.1 e).
 * About 5% of x1..x3 are NaN. */
static void make_data(dataset *d, size_t n, int kind, uint64_t seed)
{
    uint64_t s = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
    d->n = n;
    d->x = malloc(n * NCOLS * sizeof *d->x);
    d->y = malloc(n * sizeof *d->y);
    assert_non_null(d->x);
    assert_non_null(d->y);
    for (size_t i = 0; i < n; i++) {
        float *r = d->x + i * NCOLS;
        for (int j = 0; j < 5; j++)
            r[j] = (float)rng_gauss(&s);
        r[5] = 1.0f;
        double e = rng_gauss(&s);
        double x0 = r[0], x1 = r[1];
        if (kind == 0)
            d->y[i] = x0 + 0.5 * x1 + 0.3 * e > 0 ? 1.0f : 0.0f;
        else if (kind == 1)
            d->y[i] = 0.15 * x0 + e > 0 ? 1.0f : 0.0f;
        else
            d->y[i] = (float)(3 * x0 - 2 * x1 + 0.1 * e);
        for (int j = 1; j <= 3; j++)
            if (rng_unit(&s) < 0.05)
                r[j] = NAN;
    }
    d->m = (kr_matrix){.nrows = n, .ncols = NCOLS, .x = d->x, .y = d->y};
}

static void free_data(dataset *d)
{
    free(d->x);
    free(d->y);
}

static kr_model *train(const dataset *tr, const dataset *va, int objective,
                       int rounds, int early)
{
    kr_xgb_params p;
    kr_xgb_params_init(&p);
    p.objective = objective;
    p.rounds = rounds;
    p.max_depth = 4;
    p.eta = 0.3;
    p.early_stopping = early;
    p.seed = 7;
    kr_model *m = NULL;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_xgb_train(&tr->m, va ? &va->m : NULL, &p, &m, &err);
    if (rc)
        print_error("kr_xgb_train: %s\n", err.msg);
    assert_int_equal(rc, KR_OK);
    assert_non_null(m);
    return m;
}

static char tmpdir[64];

static void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* booster_predict runs XGBoost's own predictor on rows (type 0: the
 * transformed prediction, 1: the margin), iterations [0, end) (0: all). */
static void booster_predict(const kr_model *m, const float *x, size_t n,
                            int type, int end, float *out)
{
    DMatrixHandle d;
    assert_int_equal(XGDMatrixCreateFromMat(x, n, NCOLS, NAN, &d), 0);
    char cfg[160];
    snprintf(cfg, sizeof cfg,
             "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": %d, \"strict_shape\": false}", type, end);
    const bst_ulong *shape;
    bst_ulong dim;
    const float *res;
    int rc = XGBoosterPredictFromDMatrix(m->booster, d, cfg, &shape, &dim,
                                         &res);
    if (rc)
        print_error("%s\n", XGBGetLastError());
    assert_int_equal(rc, 0);
    assert_int_equal(shape[0], n);
    memcpy(out, res, n * sizeof *out);
    XGDMatrixFree(d);
}

/* ------------------------------------------------------------------------
 * A stump written by hand
 * ------------------------------------------------------------------------ */

/* One tree: the root splits on x1 < 0.5 with missing values going left;
 * the leaves hold -0.25 (left) and 0.75 (right). */
static const char stump_fmt[] =
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [], "
    "\"feature_types\": [], \"gradient_booster\": {\"model\": "
    "{\"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": "
    "\"1\", \"size_leaf_vector\": \"0\"}, \"tree_info\": [0], \"trees\": "
    "[{\"base_weights\": [0.1, -0.5, 1.5], \"categories\": [], "
    "\"categories_nodes\": [], \"categories_segments\": [], "
    "\"categories_sizes\": [], \"default_left\": [1, 0, 0], \"id\": 0, "
    "\"left_children\": [1, -1, -1], \"loss_changes\": [4.5, 0.0, 0.0], "
    "\"parents\": [2147483647, 0, 0], \"right_children\": [2, -1, -1], "
    "\"split_conditions\": [0.5, -0.25, 0.75], \"split_indices\": [1, 0, 0], "
    "\"split_type\": [0, 0, 0], \"sum_hessian\": [10.0, 5.0, 5.0], "
    "\"tree_param\": {\"num_deleted\": \"0\", \"num_feature\": \"3\", "
    "\"num_nodes\": \"3\", \"size_leaf_vector\": \"0\"}}]}, \"name\": "
    "\"gbtree\"}, \"learner_model_param\": {\"base_score\": \"5E-1\", "
    "\"boost_from_average\": \"1\", \"num_class\": \"0\", \"num_feature\": "
    "\"3\", \"num_target\": \"1\"}, \"objective\": {\"name\": \"%s\", %s}}, "
    "\"version\": [1, 7, 4]}";

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void hand_stump(void **state)
{
    (void)state;
    char text[4096], path[128];
    kr_error err;
    kr_model *m = NULL;
    tmp_path(path, sizeof path, "stump.json");

    /* binary:logistic, base_score 0.5: the base margin is logit(0.5) = 0. */
    snprintf(text, sizeof text, stump_fmt, "binary:logistic",
             "\"reg_loss_param\": {\"scale_pos_weight\": \"1\"}");
    write_file(path, text, strlen(text));
    int rc = kr_model_load(path, &m, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, KR_OK);
    assert_int_equal(kr_model_nfeatures(m), 3);
    assert_int_equal(kr_model_ntrees(m), 1);
    assert_int_equal(kr_model_objective(m), KR_OBJ_BINARY);
    float p;
    /* x1 = 0.2 < 0.5: left, margin -0.25, p = 1/(1 + e^0.25) = 0.437823499 */
    assert_int_equal(kr_model_predict_row(m, (float[]){9, 0.2f, 9}, &p), 0);
    assert_float_equal(p, 0.437823499, 1e-7);
    /* x1 = 0.5 is not < 0.5: right, margin 0.75, p = 1/(1 + e^-0.75) =
     * 0.679178699 */
    assert_int_equal(kr_model_predict_row(m, (float[]){9, 0.5f, 9}, &p), 0);
    assert_float_equal(p, 0.679178699, 1e-7);
    /* the float just below 0.5 goes left */
    assert_int_equal(
        kr_model_predict_row(m, (float[]){9, nextafterf(0.5f, 0), 9}, &p), 0);
    assert_float_equal(p, 0.437823499, 1e-7);
    /* missing goes the default way, left */
    assert_int_equal(kr_model_predict_row(m, (float[]){9, NAN, 9}, &p), 0);
    assert_float_equal(p, 0.437823499, 1e-7);
    /* +inf is not < 0.5: right */
    assert_int_equal(kr_model_predict_row(m, (float[]){9, INFINITY, 9}, &p),
                     0);
    assert_float_equal(p, 0.679178699, 1e-7);
    /* importance: the one split has gain 4.5, on x1 */
    double gain[3];
    assert_int_equal(kr_model_importance(m, gain), 0);
    assert_true(gain[0] == 0.0 && gain[1] == 4.5 && gain[2] == 0.0);
    kr_model_free(m);

    /* reg:squarederror: margin = base_score 0.5 + leaf: 0.25 and 1.25. */
    snprintf(text, sizeof text, stump_fmt, "reg:squarederror",
             "\"reg_loss_param\": {\"scale_pos_weight\": \"1\"}");
    write_file(path, text, strlen(text));
    assert_int_equal(kr_model_load(path, &m, &err), KR_OK);
    assert_int_equal(kr_model_objective(m), KR_OBJ_REGRESSION);
    assert_int_equal(kr_model_predict_row(m, (float[]){0, -3, 0}, &p), 0);
    assert_true(p == 0.25f);
    assert_int_equal(kr_model_predict_row(m, (float[]){0, 3, 0}, &p), 0);
    assert_true(p == 1.25f);
    kr_model_free(m);
}

/* ------------------------------------------------------------------------
 * Training, and the flat evaluator against the booster
 * ------------------------------------------------------------------------ */

/* test rows: 1000 fresh rows, then rows whose features sit exactly on
 * thresholds of the model (and one float below), which probe the float32
 * compare, and rows of NaN only. */
static size_t probe_rows(const kr_model *m, const dataset *fresh, float *x,
                         size_t cap)
{
    size_t n = fresh->n;
    memcpy(x, fresh->x, n * NCOLS * sizeof *x);
    const kr__flat *f = &m->flat;
    for (size_t k = 0; k < f->nnodes && n + 2 <= cap; k += 3) {
        const kr__flat_node *nd = &f->nodes[k];
        if (nd->left == k) /* a leaf */
            continue;
        const size_t feat = nd->feat & KR__FLAT_FEATURE_MASK;
        for (int below = 0; below < 2; below++, n++) {
            memcpy(x + n * NCOLS, fresh->x + (n % fresh->n) * NCOLS,
                   NCOLS * sizeof *x);
            x[n * NCOLS + feat] = below ? nextafterf(nd->v, -INFINITY) : nd->v;
        }
    }
    for (int j = 0; j < NCOLS && n < cap; j++, n++)
        for (int c = 0; c < NCOLS; c++)
            x[n * NCOLS + c] = NAN;
    return n;
}

/* same_as_booster checks the flat predictions (batch and row) against
 * XGBoost's on n rows: within 1e-6, and counts bit-identical ones. */
static void same_as_booster(const kr_model *m, const float *x, size_t n)
{
    float *flat = malloc(n * sizeof *flat), *ref = malloc(n * sizeof *ref);
    assert_non_null(flat);
    assert_non_null(ref);
    kr_matrix X = {.nrows = n, .ncols = NCOLS, .x = x};
    assert_int_equal(kr_model_predict(m, &X, 1, flat), KR_OK);
    booster_predict(m, x, n, 0, 0, ref);
    size_t exact = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        float r;
        assert_int_equal(kr_model_predict_row(m, x + i * NCOLS, &r), KR_OK);
        assert_memory_equal(&r, &flat[i], sizeof r); /* row == batch */
        double d = fabs((double)flat[i] - (double)ref[i]);
        if (d > worst)
            worst = d;
        exact += flat[i] == ref[i];
    }
    if (worst > 1e-6 || exact != n)
        print_error("flat vs booster: worst %.3g, %zu of %zu identical\n",
                    worst, exact, n);
    assert_true(worst <= 1e-6);
    /* XGBoost 1.7's arithmetic is reproduced exactly. */
    assert_int_equal(exact, n);
    free(flat);
    free(ref);
}

static void train_binary(void **state)
{
    (void)state;
    dataset tr, te;
    make_data(&tr, 2000, 0, 1);
    make_data(&te, 1000, 0, 2);
    kr_model *m = train(&tr, NULL, KR_OBJ_BINARY, 50, 0);
    assert_int_equal(kr_model_ntrees(m), 50);
    assert_int_equal(kr_model_nfeatures(m), NCOLS);
    assert_int_equal(kr_model_objective(m), KR_OBJ_BINARY);

    float *p = malloc(te.n * sizeof *p);
    assert_int_equal(kr_model_predict(m, &te.m, 1, p), KR_OK);
    size_t right = 0;
    for (size_t i = 0; i < te.n; i++)
        right += (p[i] > 0.5f) == (te.y[i] > 0.5f);
    /* The label is [x0 + 0.5 x1 + 0.3 e > 0]: a noise of 0.3 against a
     * signal of sd 1.12 caps accuracy near 92%; chance is 50%. */
    double acc = (double)right / (double)te.n;
    if (acc < 0.85)
        print_error("accuracy %.3f\n", acc);
    assert_true(acc >= 0.85);
    free(p);

    float *x = malloc(4000 * NCOLS * sizeof *x);
    size_t n = probe_rows(m, &te, x, 4000);
    assert_true(n > te.n + 100);
    same_as_booster(m, x, n);

    /* save -> load: the same predictions bit for bit, from the flat
     * evaluator and from the reloaded booster. */
    char path[128];
    kr_error err;
    tmp_path(path, sizeof path, "binary.json");
    assert_int_equal(kr_model_save(m, path, &err), KR_OK);
    kr_model *l = NULL;
    int rc = kr_model_load(path, &l, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, KR_OK);
    assert_int_equal(kr_model_ntrees(l), 50);
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    kr_matrix X = {.nrows = n, .ncols = NCOLS, .x = x};
    assert_int_equal(kr_model_predict(m, &X, 1, a), KR_OK);
    assert_int_equal(kr_model_predict(l, &X, 1, b), KR_OK);
    assert_memory_equal(a, b, n * sizeof *a);
    same_as_booster(l, x, n);
    free(a);
    free(b);
    free(x);
    kr_model_free(l);
    kr_model_free(m);
    free_data(&tr);
    free_data(&te);
}

static void train_regression(void **state)
{
    (void)state;
    dataset tr, te;
    make_data(&tr, 2000, 2, 3);
    make_data(&te, 1000, 2, 4);
    kr_model *m = train(&tr, NULL, KR_OBJ_REGRESSION, 80, 0);
    assert_int_equal(kr_model_objective(m), KR_OBJ_REGRESSION);
    float *p = malloc(te.n * sizeof *p);
    assert_int_equal(kr_model_predict(m, &te.m, 1, p), KR_OK);
    /* R^2 on fresh rows: y = 3 x0 - 2 x1 + 0.1 e has variance 13.01, the
     * trees miss x1 where it is NaN (5%), so R^2 lands near 0.95. */
    double mean = 0, ss = 0, sr = 0;
    for (size_t i = 0; i < te.n; i++)
        mean += te.y[i];
    mean /= (double)te.n;
    for (size_t i = 0; i < te.n; i++) {
        ss += (te.y[i] - mean) * (te.y[i] - mean);
        sr += (te.y[i] - p[i]) * (te.y[i] - p[i]);
    }
    double r2 = 1 - sr / ss;
    if (r2 < 0.9)
        print_error("R^2 %.3f\n", r2);
    assert_true(r2 >= 0.9);
    free(p);
    float *x = malloc(4000 * NCOLS * sizeof *x);
    size_t n = probe_rows(m, &te, x, 4000);
    same_as_booster(m, x, n);
    free(x);
    kr_model_free(m);
    free_data(&tr);
    free_data(&te);
}

/* ------------------------------------------------------------------------
 * Early stopping
 * ------------------------------------------------------------------------ */

static double logloss(const float *p, const float *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double q = p[i] < 1e-16 ? 1e-16 : p[i] > 1 - 1e-16 ? 1 - 1e-16 : p[i];
        s -= y[i] > 0.5 ? log(q) : log(1 - q);
    }
    return s / (double)n;
}

static void early_stopping(void **state)
{
    (void)state;
    dataset tr, va;
    make_data(&tr, 1500, 1, 5);
    make_data(&va, 1500, 1, 6);
    const int rounds = 300, patience = 10;
    kr_model *es = train(&tr, &va, KR_OBJ_BINARY, rounds, patience);
    const size_t kept = kr_model_ntrees(es);
    /* A weak signal (0.15 x0 against unit noise) overfits within a few
     * dozen rounds at eta 0.3, depth 4. */
    assert_true(kept >= 1 && kept < (size_t)rounds / 2);

    /* The oracle: the same training without early stopping for kept +
     * patience rounds gives the same trees (hist, one thread, no
     * sampling), and its validation loss after k rounds must be lowest at
     * k = kept and not lower in the patience rounds that follow. */
    kr_model *full = train(&tr, NULL, KR_OBJ_BINARY, (int)kept + patience, 0);
    float *p = malloc(va.n * sizeof *p), *q = malloc(va.n * sizeof *q);
    double best = INFINITY;
    size_t best_k = 0;
    for (size_t k = 1; k <= kept + patience; k++) {
        booster_predict(full, va.x, va.n, 0, (int)k, p);
        double l = logloss(p, va.y, va.n);
        if (l < best) {
            best = l;
            best_k = k;
        }
    }
    if (best_k != kept)
        print_error("kept %zu trees, the validation loss is lowest at %zu\n",
                    kept, best_k);
    assert_int_equal(best_k, kept);
    /* and the kept model is the full one cut at `kept` rounds */
    booster_predict(full, va.x, va.n, 0, (int)kept, p);
    kr_matrix V = {.nrows = va.n, .ncols = NCOLS, .x = va.x};
    assert_int_equal(kr_model_predict(es, &V, 1, q), KR_OK);
    assert_memory_equal(p, q, va.n * sizeof *p);
    /* the best iteration is recorded for XGBoost's tools */
    const char *attr = NULL;
    int ok = 0;
    assert_int_equal(XGBoosterGetAttr(es->booster, "best_iteration", &attr,
                                      &ok), 0);
    assert_true(ok);
    assert_int_equal(atoi(attr), (int)kept - 1);
    free(p);
    free(q);
    kr_model_free(full);
    kr_model_free(es);
    free_data(&tr);
    free_data(&va);
}

/* ------------------------------------------------------------------------
 * python3-xgboost on the saved file
 * ------------------------------------------------------------------------ */

static void oracle_check(kr_model *m, const char *name, uint64_t seed,
                         int kind)
{
    char model[128], rows[128], cmd[1024];
    kr_error err;
    tmp_path(model, sizeof model, name);
    tmp_path(rows, sizeof rows, "oracle_rows.f32");
    assert_int_equal(kr_model_save(m, model, &err), KR_OK);
    dataset te;
    make_data(&te, 400, kind, seed);
    float *x = malloc(1000 * NCOLS * sizeof *x);
    const size_t n = probe_rows(m, &te, x, 1000);
    FILE *f = fopen(rows, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(x, sizeof *x, n * NCOLS, f), n * NCOLS);
    fclose(f);

    if (access("/usr/bin/python3", X_OK) != 0)
        fail_msg("/usr/bin/python3 is missing: the python3-xgboost oracle "
                 "cannot run (apt-get install python3-xgboost)");
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 %s/tests/ml/xgb_oracle.py %s %s %zu %d",
             KR_SOURCE_DIR, model, rows, n, NCOLS);
    FILE *pp = popen(cmd, "r");
    assert_non_null(pp);
    char line[256];
    int have_header = fgets(line, sizeof line, pp) != NULL &&
                      strncmp(line, "xgboost ", 8) == 0;
    const size_t w = NCOLS + 3;
    float *o = malloc(n * w * sizeof *o);
    size_t got = 0;
    while (have_header && got < n * w && fscanf(pp, "%f", &o[got]) == 1)
        got++;
    int status = pclose(pp);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        fail_msg("python3-xgboost is missing: the oracle cannot import "
                 "xgboost (apt-get install python3-xgboost)");
    if (!have_header || status != 0 || got != n * w)
        fail_msg("the oracle failed (exit %d, %zu of %zu numbers): %s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, got, n * w,
                 cmd);

    float *pred = malloc(n * sizeof *pred);
    float *con = malloc(n * (NCOLS + 1) * sizeof *con);
    kr_matrix X = {.nrows = n, .ncols = NCOLS, .x = x};
    assert_int_equal(kr_model_predict(m, &X, 2, pred), KR_OK);
    assert_int_equal(kr_model_contribs(m, &X, con), KR_OK);
    double worst_p = 0, worst_c = 0, worst_sum = 0;
    for (size_t i = 0; i < n; i++) {
        const float *ref = o + i * w;
        double d = fabs((double)pred[i] - ref[0]);
        worst_p = d > worst_p ? d : worst_p;
        double sum = 0;
        for (int j = 0; j <= NCOLS; j++) {
            double c = con[i * (NCOLS + 1) + j], r = ref[2 + j];
            double rel = fabs(c - r) / fmax(1.0, fabs(r));
            worst_c = rel > worst_c ? rel : worst_c;
            sum += c;
        }
        /* SHAP's efficiency: the row sums to the margin (the flat
         * evaluator's, and python's) */
        double margin = kr__flat_margin(&m->flat, x + i * NCOLS);
        double ds = fabs(sum - margin) / fmax(1.0, fabs(margin));
        worst_sum = ds > worst_sum ? ds : worst_sum;
        assert_true(fabs(margin - ref[1]) <= 1e-6 * fmax(1.0, fabs(margin)));
    }
    if (worst_p > 1e-6 || worst_c > 1e-5 || worst_sum > 1e-5)
        print_error("%s: worst prediction %.3g, contribution %.3g, sum "
                    "%.3g\n", name, worst_p, worst_c, worst_sum);
    assert_true(worst_p <= 1e-6);
    assert_true(worst_c <= 1e-5);
    assert_true(worst_sum <= 1e-5);
    free(pred);
    free(con);
    free(o);
    free(x);
    free_data(&te);
}

static void python_oracle(void **state)
{
    (void)state;
    dataset tr;
    make_data(&tr, 2000, 0, 11);
    kr_model *m = train(&tr, NULL, KR_OBJ_BINARY, 40, 0);
    oracle_check(m, "oracle_binary.json", 12, 0);
    kr_model_free(m);
    free_data(&tr);
    make_data(&tr, 2000, 2, 13);
    m = train(&tr, NULL, KR_OBJ_REGRESSION, 40, 0);
    oracle_check(m, "oracle_reg.json", 14, 2);
    kr_model_free(m);
    free_data(&tr);
}

/* A model trained and saved by XGBoost alone with a base_score other than
 * 0.5 (whose margin, logit(0.5) = 0, would hide how the base margin is
 * derived): binary at base_score 0.3 (margin -logf(1/0.3f - 1) =
 * -0.847297847 in float) and regression at 2.5 (margin 2.5). */
static void xgboost_written(void **state)
{
    (void)state;
    dataset tr, te;
    make_data(&tr, 1500, 0, 71);
    make_data(&te, 1000, 0, 72);
    for (int obj = 0; obj < 2; obj++) {
        DMatrixHandle d;
        BoosterHandle b;
        assert_int_equal(XGDMatrixCreateFromMat(tr.x, tr.n, NCOLS, NAN, &d),
                         0);
        assert_int_equal(XGDMatrixSetFloatInfo(d, "label", tr.y, tr.n), 0);
        assert_int_equal(XGBoosterCreate(&d, 1, &b), 0);
        assert_int_equal(XGBoosterSetParam(b, "objective",
                                           obj ? "reg:squarederror"
                                               : "binary:logistic"),
                         0);
        assert_int_equal(XGBoosterSetParam(b, "base_score", obj ? "2.5" : "0.3"),
                         0);
        assert_int_equal(XGBoosterSetParam(b, "tree_method", "exact"), 0);
        assert_int_equal(XGBoosterSetParam(b, "max_depth", "5"), 0);
        assert_int_equal(XGBoosterSetParam(b, "nthread", "1"), 0);
        for (int it = 0; it < 15; it++)
            assert_int_equal(XGBoosterUpdateOneIter(b, it, d), 0);
        char path[128];
        tmp_path(path, sizeof path, obj ? "xgb_reg.json" : "xgb_bin.json");
        assert_int_equal(XGBoosterSaveModel(b, path), 0);
        kr_model *m = NULL;
        kr_error err;
        int rc = kr_model_load(path, &m, &err);
        if (rc)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, KR_OK);
        assert_int_equal(kr_model_ntrees(m), 15);
        assert_true(m->flat.base_margin ==
                    (obj ? 2.5f : -logf(1.0f / 0.3f - 1.0f)));
        float *x = malloc(4000 * NCOLS * sizeof *x);
        size_t n = probe_rows(m, &te, x, 4000);
        same_as_booster(m, x, n);
        /* and against the booster that trained it, not only the reload */
        float *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q);
        DMatrixHandle dx;
        assert_int_equal(XGDMatrixCreateFromMat(x, n, NCOLS, NAN, &dx), 0);
        bst_ulong len;
        const float *res;
        assert_int_equal(XGBoosterPredict(b, dx, 0, 0, 0, &len, &res), 0);
        assert_int_equal(len, n);
        kr_matrix X = {.nrows = n, .ncols = NCOLS, .x = x};
        assert_int_equal(kr_model_predict(m, &X, 1, q), KR_OK);
        assert_memory_equal(res, q, n * sizeof *q);
        XGDMatrixFree(dx);
        oracle_check(m, obj ? "oracle_xgb_reg.json" : "oracle_xgb_bin.json",
                     73, obj ? 2 : 0);
        free(p);
        free(q);
        free(x);
        kr_model_free(m);
        XGBoosterFree(b);
        XGDMatrixFree(d);
    }
    free_data(&tr);
    free_data(&te);
}

/* ------------------------------------------------------------------------
 * Importance
 * ------------------------------------------------------------------------ */

static void importance(void **state)
{
    (void)state;
    dataset tr;
    make_data(&tr, 2000, 0, 21);
    kr_model *m = train(&tr, NULL, KR_OBJ_BINARY, 30, 0);
    double gain[NCOLS];
    assert_int_equal(kr_model_importance(m, gain), KR_OK);
    /* x5 is constant: no split can use it */
    assert_true(gain[5] == 0.0);
    /* x0 carries twice x1's weight in the label: it ranks first */
    for (int j = 1; j < NCOLS; j++)
        assert_true(gain[0] > gain[j]);
    assert_true(gain[1] > gain[2] && gain[1] > gain[3] && gain[1] > gain[4]);

    /* Reference: total gain is the sum of loss_changes over the splits on
     * each feature, read from the saved JSON. */
    char path[128];
    kr_error err;
    tmp_path(path, sizeof path, "importance.json");
    assert_int_equal(kr_model_save(m, path, &err), KR_OK);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    assert_non_null(doc);
    json_t *trees = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "learner"),
                                        "gradient_booster"),
                        "model"),
        "trees");
    assert_int_equal(json_array_size(trees), 30);
    double ref[NCOLS] = {0};
    size_t t;
    json_t *tree;
    json_array_foreach(trees, t, tree) {
        json_t *lc = json_object_get(tree, "left_children");
        json_t *si = json_object_get(tree, "split_indices");
        json_t *gc = json_object_get(tree, "loss_changes");
        for (size_t i = 0; i < json_array_size(lc); i++)
            if (json_integer_value(json_array_get(lc, i)) != -1)
                ref[json_integer_value(json_array_get(si, i))] +=
                    json_number_value(json_array_get(gc, i));
    }
    json_decref(doc);
    for (int j = 0; j < NCOLS; j++)
        assert_true(fabs(gain[j] - ref[j]) <= 1e-5 * fmax(1.0, ref[j]));
    kr_model_free(m);
    free_data(&tr);
}

/* ------------------------------------------------------------------------
 * Refused files
 * ------------------------------------------------------------------------ */

static void expect_refused(const char *name, const char *text, size_t len,
                           int code, const char *field, const char *needle)
{
    char path[128];
    tmp_path(path, sizeof path, name);
    if (text)
        write_file(path, text, len);
    kr_model *m = (kr_model *)(uintptr_t)1;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_model_load(path, &m, &err);
    char msg[1024];
    kr_error_format(&err, msg, sizeof msg);
    if (rc != code || (needle && !strstr(err.msg, needle)) ||
        (field && strcmp(err.field, field)))
        print_error("%s: rc %d (want %d): %s\n", name, rc, code, msg);
    assert_int_equal(rc, code);
    assert_null(m);
    assert_string_equal(err.file, path);
    if (field)
        assert_string_equal(err.field, field);
    if (needle)
        assert_non_null(strstr(err.msg, needle));
}

/* edit loads the stump, lets fn change it, and returns its text (free). */
static char *edited_stump(void (*fn)(json_t *tree, json_t *learner))
{
    char text[4096];
    snprintf(text, sizeof text, stump_fmt, "binary:logistic",
             "\"reg_loss_param\": {\"scale_pos_weight\": \"1\"}");
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    assert_non_null(doc);
    json_t *learner = json_object_get(doc, "learner");
    json_t *tree = json_array_get(
        json_object_get(
            json_object_get(json_object_get(learner, "gradient_booster"),
                            "model"),
            "trees"),
        0);
    fn(tree, learner);
    char *s = json_dumps(doc, 0);
    json_decref(doc);
    return s;
}

static void child_out_of_range(json_t *tree, json_t *learner)
{
    (void)learner;
    json_array_set_new(json_object_get(tree, "right_children"), 0,
                       json_integer(99));
}
static void child_cycle(json_t *tree, json_t *learner)
{
    (void)learner;
    json_t *lc = json_object_get(tree, "left_children");
    json_t *rc = json_object_get(tree, "right_children");
    json_array_set_new(lc, 1, json_integer(2));
    json_array_set_new(rc, 1, json_integer(1)); /* 1 -> 1: a loop */
}
static void feature_out_of_range(json_t *tree, json_t *learner)
{
    (void)learner;
    json_array_set_new(json_object_get(tree, "split_indices"), 0,
                       json_integer(3));
}
static void short_array(json_t *tree, json_t *learner)
{
    (void)learner;
    json_array_remove(json_object_get(tree, "split_conditions"), 2);
}
static void other_objective(json_t *tree, json_t *learner)
{
    (void)tree;
    json_object_set_new(json_object_get(learner, "objective"), "name",
                        json_string("multi:softprob"));
}
static void threshold_string(json_t *tree, json_t *learner)
{
    (void)learner;
    json_array_set_new(json_object_get(tree, "split_conditions"), 0,
                       json_string("0.5"));
}

static void refused_files(void **state)
{
    (void)state;
    char path[128];
    kr_error err;

    /* A real model cut in half. */
    dataset tr;
    make_data(&tr, 500, 0, 31);
    kr_model *m = train(&tr, NULL, KR_OBJ_BINARY, 5, 0);
    tmp_path(path, sizeof path, "whole.json");
    assert_int_equal(kr_model_save(m, path, &err), KR_OK);
    kr_model_free(m);
    FILE *f = fopen(path, "rb");
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 1000 && n < sizeof buf);
    expect_refused("truncated.json", buf, n / 2, KR_EPARSE, NULL,
                   "not valid JSON");
    expect_refused("empty.json", "", 0, KR_EPARSE, NULL, "empty");

    /* A gblinear model saved by XGBoost itself. */
    DMatrixHandle d;
    BoosterHandle b;
    assert_int_equal(XGDMatrixCreateFromMat(tr.x, tr.n, NCOLS, NAN, &d), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(d, "label", tr.y, tr.n), 0);
    assert_int_equal(XGBoosterCreate(&d, 1, &b), 0);
    assert_int_equal(XGBoosterSetParam(b, "booster", "gblinear"), 0);
    assert_int_equal(XGBoosterSetParam(b, "objective", "binary:logistic"), 0);
    assert_int_equal(XGBoosterUpdateOneIter(b, 0, d), 0);
    tmp_path(path, sizeof path, "gblinear.json");
    assert_int_equal(XGBoosterSaveModel(b, path), 0);
    XGBoosterFree(b);
    XGDMatrixFree(d);
    expect_refused("gblinear.json", NULL, 0, KR_EFORMAT,
                   "learner.gradient_booster.name", "gblinear");

    /* Wrong structure. */
    const char *s = "{\"learner\": {\"objective\": 3}}";
    expect_refused("structure.json", s, strlen(s), KR_EFORMAT,
                   "learner.learner_model_param", "missing");
    s = "[1, 2, 3]";
    expect_refused("array.json", s, strlen(s), KR_EFORMAT, NULL,
                   "expected a JSON object");
    char *e;
    e = edited_stump(child_out_of_range);
    expect_refused("range.json", e, strlen(e), KR_EFORMAT,
                   "trees[0].right_children", "out of range");
    free(e);
    e = edited_stump(child_cycle);
    expect_refused("cycle.json", e, strlen(e), KR_EFORMAT, NULL,
                   "reached twice");
    free(e);
    e = edited_stump(feature_out_of_range);
    expect_refused("feature.json", e, strlen(e), KR_EFORMAT,
                   "trees[0].split_indices", "feature 3");
    free(e);
    e = edited_stump(short_array);
    expect_refused("short.json", e, strlen(e), KR_EFORMAT,
                   "trees[0].split_conditions", "2 entries");
    free(e);
    e = edited_stump(other_objective);
    expect_refused("objective.json", e, strlen(e), KR_EFORMAT,
                   "learner.objective.name", "multi:softprob");
    free(e);
    e = edited_stump(threshold_string);
    expect_refused("threshold.json", e, strlen(e), KR_EFORMAT,
                   "trees[0].split_conditions", "not a number");
    free(e);

    /* A missing file. */
    tmp_path(path, sizeof path, "absent.json");
    m = NULL;
    assert_int_equal(kr_model_load(path, &m, &err), KR_ENOENT);
    assert_null(m);
    free_data(&tr);
}

/* ------------------------------------------------------------------------
 * Threads, arguments and the registry's kind
 * ------------------------------------------------------------------------ */

static void threads(void **state)
{
    (void)state;
    dataset tr, te;
    make_data(&tr, 2000, 0, 41);
    make_data(&te, 5000, 0, 42);
    kr_model *m = train(&tr, NULL, KR_OBJ_BINARY, 30, 0);
    float *a = malloc(te.n * sizeof *a), *b = malloc(te.n * sizeof *b);
    float *c = malloc(te.n * sizeof *c);
    assert_int_equal(kr_model_predict(m, &te.m, 1, a), KR_OK);
    assert_int_equal(kr_model_predict(m, &te.m, 2, b), KR_OK);
    assert_int_equal(kr_model_predict(m, &te.m, 0, c), KR_OK);
    assert_memory_equal(a, b, te.n * sizeof *a);
    assert_memory_equal(a, c, te.n * sizeof *a);
    /* a block boundary inside the input: rows 1..n-1 */
    kr_matrix off = {.nrows = te.n - 1, .ncols = NCOLS, .x = te.x + NCOLS};
    assert_int_equal(kr_model_predict(m, &off, 2, b), KR_OK);
    assert_memory_equal(a + 1, b, (te.n - 1) * sizeof *a);
    free(a);
    free(b);
    free(c);
    kr_model_free(m);
    free_data(&tr);
    free_data(&te);
}

static void bad_arguments(void **state)
{
    (void)state;
    dataset tr;
    make_data(&tr, 100, 0, 51);
    kr_xgb_params p;
    kr_xgb_params_init(&p);
    assert_int_equal(p.rounds, 200);
    assert_int_equal(p.max_depth, 6);
    assert_true(p.eta == 0.1 && p.nthread == 1);
    kr_model *m = NULL;
    kr_error err;
    p.eta = 0;
    assert_int_equal(kr_xgb_train(&tr.m, NULL, &p, &m, &err), KR_EINVAL);
    assert_string_equal(err.field, "eta");
    kr_xgb_params_init(&p);
    p.subsample = 1.5;
    assert_int_equal(kr_xgb_train(&tr.m, NULL, &p, &m, &err), KR_EINVAL);
    assert_string_equal(err.field, "subsample");
    kr_xgb_params_init(&p);
    kr_matrix empty = tr.m;
    empty.nrows = 0;
    assert_int_equal(kr_xgb_train(&empty, NULL, &p, &m, &err), KR_EEMPTY);
    tr.y[3] = 2.0f; /* not a probability label */
    assert_int_equal(kr_xgb_train(&tr.m, NULL, &p, &m, &err), KR_EINVAL);
    assert_string_equal(err.field, "train");
    assert_non_null(strstr(err.msg, "row 3"));
    assert_null(m);
    free_data(&tr);
}

static void registry_kind(void **state)
{
    (void)state;
    dataset tr;
    make_data(&tr, 1000, 0, 61);
    kr_model *m = train(&tr, NULL, KR_OBJ_BINARY, 10, 0);
    char path[128];
    kr_error err;
    tmp_path(path, sizeof path, "kind.json");
    assert_int_equal(kr_model_save(m, path, &err), KR_OK);
    const kr_model_kind *k = &kr_model_kind_xgb;
    assert_string_equal(k->name, "xgboost");
    assert_string_equal(k->file, "model.json");
    void *h = NULL;
    assert_int_equal(k->load(path, &h, &err), KR_OK);
    assert_int_equal(k->nfeatures(h), NCOLS);
    for (size_t i = 0; i < 50; i++) {
        float a, b;
        assert_int_equal(k->predict_row(h, tr.x + i * NCOLS, NCOLS, &a), 0);
        assert_int_equal(kr_model_predict_row(m, tr.x + i * NCOLS, &b), 0);
        assert_memory_equal(&a, &b, sizeof a);
    }
    float a;
    assert_int_equal(k->predict_row(h, tr.x, NCOLS - 1, &a), KR_EINVAL);
    k->free(h);
    tmp_path(path, sizeof path, "nothing.json");
    h = (void *)1;
    assert_int_equal(k->load(path, &h, &err), KR_ENOENT);
    assert_null(h);
    kr_model_free(m);
    free_data(&tr);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kr_test_model.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_stump),
        cmocka_unit_test(train_binary),
        cmocka_unit_test(train_regression),
        cmocka_unit_test(early_stopping),
        cmocka_unit_test(python_oracle),
        cmocka_unit_test(xgboost_written),
        cmocka_unit_test(importance),
        cmocka_unit_test(refused_files),
        cmocka_unit_test(threads),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(registry_kind),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* model.c -- the model interface: load, save, predict, and the registry's
 * "xgboost" model kind.
 *
 * A kr_model is a compiled flat forest (flat.c) and the XGBoost booster it
 * was compiled from (xgb.c). Predictions never touch the booster: one row is
 * the flat evaluator's tight loop on the caller's thread, allocation-free
 * and safe from any number of threads on one model; a batch is cut into
 * chunks of rows that kr_parallel_for hands to worker threads, each row
 * computed exactly as the single-row path computes it, so the answer does
 * not depend on the thread count. The booster is kept for what only XGBoost
 * does: writing the model file (XGBoost's own JSON, so XGBoost and
 * python3-xgboost load what kairos saves), SHAP contributions and gain
 * importance.
 *
 * Loading reads the whole file, compiles it (every structural error is
 * reported from there, with the JSON path of the offending field) and then
 * has XGBoost load the same bytes; both must agree on the feature count.
 * Saving goes through kr_write_atomic (a temporary file beside the target,
 * fsync'd, renamed over it, the directory fsync'd), so a reader sees the old model
 * or the new one, never part of one.
 */
#include "ml/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Rows per task of a threaded batch: enough to amortise the hand-out. */
#define PREDICT_CHUNK 1024

int kr__model_from_booster(void *booster, kr_model **out, kr_error *err)
{
    *out = NULL;
    kr_model *m = calloc(1, sizeof *m);
    if (!m) {
        kr__xgb_free(booster);
        return kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                            "out of memory");
    }
    m->booster = booster;
    const char *json = NULL;
    size_t len = 0;
    int rc = kr__xgb_save_json(booster, &json, &len, err);
    if (!rc)
        rc = kr__flat_compile(&m->flat, json, len, "xgboost booster", err);
    if (rc) {
        kr__xgb_free(booster);
        free(m);
        return rc;
    }
    *out = m;
    return KR_OK;
}

void kr_model_free(kr_model *m)
{
    if (!m)
        return;
    kr__flat_free(&m->flat);
    kr__xgb_free(m->booster);
    free(m);
}

size_t kr_model_nfeatures(const kr_model *m) { return m ? m->flat.nfeatures : 0; }
size_t kr_model_ntrees(const kr_model *m) { return m ? m->flat.ntrees : 0; }
int kr_model_objective(const kr_model *m)
{
    return m ? m->flat.objective : KR_EINVAL;
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

/* read_all reads the file at path into a new buffer (*buf, NUL-terminated,
 * the caller frees it). */
static int read_all(const char *path, char **buf, size_t *len, kr_error *err)
{
    *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return kr_error_set(err, errno == ENOENT ? KR_ENOENT : KR_EIO, path,
                            0, 0, NULL, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                            "not a regular file");
    }
    size_t n = (size_t)st.st_size;
    char *b = malloc(n + 1);
    if (!b) {
        fclose(f);
        return kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                            "out of memory for %zu bytes", n);
    }
    size_t got = fread(b, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(b);
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                            "read %zu of %zu bytes", got, n);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return KR_OK;
}

int kr_model_load(const char *path, kr_model **out, kr_error *err)
{
    if (!path || !out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "kr_model_load needs a path and out");
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    int rc = read_all(path, &buf, &len, err);
    if (rc)
        return rc;
    if (len == 0) {
        free(buf);
        return kr_error_set(err, KR_EPARSE, path, 0, 0, NULL,
                            "the file is empty: expected an XGBoost JSON "
                            "model");
    }
    kr_model *m = calloc(1, sizeof *m);
    if (!m) {
        free(buf);
        return kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                            "out of memory");
    }
    if ((rc = kr__flat_compile(&m->flat, buf, len, path, err)))
        goto fail;
    if ((rc = kr__xgb_load(buf, len, path, &m->booster, err)))
        goto fail;
    free(buf);
    buf = NULL;
    /* Both readers must see the same model. */
    const char *json;
    size_t jlen;
    kr__flat check;
    if ((rc = kr__xgb_save_json(m->booster, &json, &jlen, err)) ||
        (rc = kr__flat_compile(&check, json, jlen, path, err)))
        goto fail;
    const int same = check.nfeatures == m->flat.nfeatures &&
                     check.ntrees == m->flat.ntrees &&
                     check.objective == m->flat.objective;
    kr__flat_free(&check);
    if (!same) {
        rc = kr_error_set(err, KR_EFORMAT, path, 0, 0, NULL,
                          "XGBoost reads this model differently (features, "
                          "trees or objective)");
        goto fail;
    }
    *out = m;
    return KR_OK;
fail:
    free(buf);
    kr_model_free(m);
    return rc;
}

int kr_model_save(const kr_model *m, const char *path, kr_error *err)
{
    if (!m || !path)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "kr_model_save needs a model and a path");
    const char *json;
    size_t len;
    int rc = kr__xgb_save_json(m->booster, &json, &len, err);
    if (rc)
        return rc;
    return kr_write_atomic(path, json, len, err);
}

/* ------------------------------------------------------------------------
 * Prediction
 * ------------------------------------------------------------------------ */

int kr_model_predict_row(const kr_model *m, const float *row, float *out)
{
    if (KR_UNLIKELY(!m || !row || !out))
        return KR_EINVAL;
    *out = kr__flat_transform(&m->flat, kr__flat_margin(&m->flat, row));
    return KR_OK;
}

/* predict_rows does rows [lo, hi) of X in blocks. */
static void predict_rows(const kr_model *m, const kr_matrix *X, size_t lo,
                         size_t hi, float *out)
{
    for (size_t r = lo; r < hi; r += KR__FLAT_BLOCK) {
        size_t n = hi - r < KR__FLAT_BLOCK ? hi - r : KR__FLAT_BLOCK;
        kr__flat_predict_block(&m->flat, X->x + r * X->ncols, X->ncols, n,
                               out + r);
    }
}

typedef struct predict_job {
    const kr_model *m;
    const kr_matrix *X;
    float *out;
} predict_job;

static int predict_task(void *user, size_t i, int worker)
{
    (void)worker;
    const predict_job *j = user;
    size_t lo = i * PREDICT_CHUNK, hi = lo + PREDICT_CHUNK;
    if (hi > j->X->nrows)
        hi = j->X->nrows;
    predict_rows(j->m, j->X, lo, hi, j->out);
    return 0;
}

int kr_model_predict(const kr_model *m, const kr_matrix *X, int threads,
                     float *out)
{
    if (!m || !X || !out || (!X->x && X->nrows) || threads < 0 ||
        X->ncols != m->flat.nfeatures)
        return KR_EINVAL;
    if (threads == 0)
        threads = kr_cpu_count();
    const size_t nchunks = (X->nrows + PREDICT_CHUNK - 1) / PREDICT_CHUNK;
    if (threads == 1 || nchunks <= 1) {
        predict_rows(m, X, 0, X->nrows, out);
        return KR_OK;
    }
    predict_job j = {.m = m, .X = X, .out = out};
    return kr_parallel_for(nchunks, threads, predict_task, &j);
}

/* ------------------------------------------------------------------------
 * The registry's model kind
 * ------------------------------------------------------------------------ */

static int kind_load(const char *path, void **model, kr_error *err)
{
    kr_model *m = NULL;
    int rc = kr_model_load(path, &m, err);
    *model = m;
    return rc;
}

static int kind_predict_row(const void *model, const float *row, size_t ncols,
                            float *out)
{
    const kr_model *m = model;
    if (!m || ncols != m->flat.nfeatures)
        return KR_EINVAL;
    return kr_model_predict_row(m, row, out);
}

static size_t kind_nfeatures(const void *model)
{
    return kr_model_nfeatures(model);
}

static void kind_free(void *model) { kr_model_free(model); }

const kr_model_kind kr_model_kind_xgb = {
    .name = "xgboost",
    .file = "model.json",
    .load = kind_load,
    .predict_row = kind_predict_row,
    .nfeatures = kind_nfeatures,
    .free = kind_free,
};

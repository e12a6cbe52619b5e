/* xgb.c -- XGBoost through its C API: training with early stopping,
 * SHAP contributions and gain importance.
 *
 * kr_xgb_train builds DMatrix handles from the caller's float matrices
 * (NaN is missing), sets the booster's parameters from kr_xgb_params (the
 * "hist" tree method, so that training time grows with rows and bins rather
 * than with sorted columns) and boosts one round at a time. With a
 * validation set and early_stopping > 0 it evaluates the validation metric
 * (logloss for binary, rmse for regression) after every round, remembers
 * the best round (strictly lower; the first best wins a tie, as in
 * XGBoost's own callback) and stops once early_stopping rounds have passed
 * without improvement; the booster is then cut to the best round's trees
 * with XGBoosterSlice, so the model holds exactly the trees of rounds 0..best
 * (training again for best + 1 rounds would give the same trees at greater
 * cost). The booster is then saved to JSON in memory and compiled by flat.c,
 * so the evaluator serves exactly what kr_model_save writes.
 *
 * Every XGBoost call is checked; a failure becomes KR_EIO with
 * XGBGetLastError's text in the kr_error. Contributions and importance go
 * through the booster the model keeps (XGBoost's TreeSHAP and FeatureScore).
 */
#include "ml/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

void kr_xgb_params_init(kr_xgb_params *p)
{
    memset(p, 0, sizeof *p);
    p->objective = KR_OBJ_BINARY;
    p->rounds = 200;
    p->max_depth = 6;
    p->eta = 0.1;
    p->subsample = 1.0;
    p->colsample = 1.0;
    p->min_child_weight = 1.0;
    p->lambda = 1.0;
    p->early_stopping = 0;
    p->nthread = 1;
    p->seed = 0;
}

static int xgb_fail(kr_error *err, const char *what)
{
    const char *m = XGBGetLastError();
    return kr_error_set(err, KR_EIO, "xgboost", 0, 0, NULL, "%s failed: %s",
                        what, m && *m ? m : "(no message)");
}

void kr__xgb_free(void *booster)
{
    if (booster)
        XGBoosterFree((BoosterHandle)booster);
}

int kr__xgb_load(const char *buf, size_t len, const char *name,
                 void **booster, kr_error *err)
{
    BoosterHandle b = NULL;
    *booster = NULL;
    if (XGBoosterCreate(NULL, 0, &b))
        return xgb_fail(err, "XGBoosterCreate");
    if (XGBoosterLoadModelFromBuffer(b, buf, (bst_ulong)len)) {
        const char *m = XGBGetLastError();
        XGBoosterFree(b);
        return kr_error_set(err, KR_EFORMAT, name, 0, 0, NULL,
                            "XGBoost refuses the model: %s",
                            m && *m ? m : "(no message)");
    }
    *booster = b;
    return KR_OK;
}

int kr__xgb_save_json(void *booster, const char **buf, size_t *len,
                      kr_error *err)
{
    bst_ulong n = 0;
    const char *p = NULL;
    if (XGBoosterSaveModelToBuffer((BoosterHandle)booster,
                                   "{\"format\": \"json\"}", &n, &p))
        return xgb_fail(err, "XGBoosterSaveModelToBuffer");
    *buf = p;
    *len = (size_t)n;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Training
 * ------------------------------------------------------------------------ */

static int check_params(const kr_xgb_params *p, kr_error *err)
{
#define BAD(f, ...) kr_error_set(err, KR_EINVAL, NULL, 0, 0, f, __VA_ARGS__)
    if (p->objective != KR_OBJ_BINARY && p->objective != KR_OBJ_REGRESSION)
        return BAD("objective", "expected KR_OBJ_BINARY or "
                                "KR_OBJ_REGRESSION, got %d", (int)p->objective);
    if (p->rounds < 1)
        return BAD("rounds", "expected at least 1 round, got %d",
                   (int)p->rounds);
    if (p->max_depth < 1 || p->max_depth > 30)
        return BAD("max_depth", "expected 1 to 30, got %d",
                   (int)p->max_depth);
    if (!(p->eta > 0 && p->eta <= 1))
        return BAD("eta", "expected a learning rate in (0, 1], got %g",
                   p->eta);
    if (!(p->subsample > 0 && p->subsample <= 1))
        return BAD("subsample", "expected (0, 1], got %g", p->subsample);
    if (!(p->colsample > 0 && p->colsample <= 1))
        return BAD("colsample", "expected (0, 1], got %g", p->colsample);
    if (!(p->min_child_weight >= 0 && isfinite(p->min_child_weight)))
        return BAD("min_child_weight", "expected a finite value >= 0, got %g",
                   p->min_child_weight);
    if (!(p->lambda >= 0 && isfinite(p->lambda)))
        return BAD("lambda", "expected a finite value >= 0, got %g",
                   p->lambda);
    if (p->early_stopping < 0)
        return BAD("early_stopping", "expected 0 (off) or more rounds, got %d",
                   (int)p->early_stopping);
    if (p->nthread < 0)
        return BAD("nthread", "expected 0 (every core) or more, got %d",
                   (int)p->nthread);
    return KR_OK;
#undef BAD
}

static int check_matrix(const kr_matrix *m, const char *which, int objective,
                        size_t ncols, kr_error *err)
{
    if (!m->x || !m->y)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, which,
                            "the matrix needs values and labels");
    if (m->nrows == 0 || m->ncols == 0)
        return kr_error_set(err, KR_EEMPTY, NULL, 0, 0, which,
                            "the matrix is empty (%zu x %zu)", m->nrows,
                            m->ncols);
    if (ncols && m->ncols != ncols)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, which,
                            "%zu columns where training has %zu", m->ncols,
                            ncols);
    for (size_t i = 0; i < m->nrows; i++) {
        const float y = m->y[i];
        if (!isfinite(y) ||
            (objective == KR_OBJ_BINARY && !(y >= 0.0f && y <= 1.0f)))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, which,
                                "label of row %zu is %g: expected %s", i,
                                (double)y,
                                objective == KR_OBJ_BINARY
                                    ? "a value in [0, 1]"
                                    : "a finite value");
        if (m->w && !(m->w[i] >= 0.0f && isfinite(m->w[i])))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, which,
                                "weight of row %zu is %g: expected a finite "
                                "value >= 0", i, (double)m->w[i]);
    }
    return KR_OK;
}

/* make_dmatrix copies m into a new DMatrix with its labels and weights. */
static int make_dmatrix(const kr_matrix *m, DMatrixHandle *out, kr_error *err)
{
    DMatrixHandle d = NULL;
    *out = NULL;
    if (XGDMatrixCreateFromMat(m->x, (bst_ulong)m->nrows, (bst_ulong)m->ncols,
                               NAN, &d))
        return xgb_fail(err, "XGDMatrixCreateFromMat");
    if (m->y && XGDMatrixSetFloatInfo(d, "label", m->y, (bst_ulong)m->nrows)) {
        XGDMatrixFree(d);
        return xgb_fail(err, "XGDMatrixSetFloatInfo(label)");
    }
    if (m->w && XGDMatrixSetFloatInfo(d, "weight", m->w, (bst_ulong)m->nrows)) {
        XGDMatrixFree(d);
        return xgb_fail(err, "XGDMatrixSetFloatInfo(weight)");
    }
    *out = d;
    return KR_OK;
}

static int set_params(BoosterHandle b, const kr_xgb_params *p, kr_error *err)
{
    char v[8][40];
    const char *names[8] = {"eta", "max_depth", "subsample",
                            "colsample_bytree", "min_child_weight", "lambda",
                            "nthread", "seed"};
    snprintf(v[0], sizeof v[0], "%.17g", p->eta);
    snprintf(v[1], sizeof v[1], "%d", (int)p->max_depth);
    snprintf(v[2], sizeof v[2], "%.17g", p->subsample);
    snprintf(v[3], sizeof v[3], "%.17g", p->colsample);
    snprintf(v[4], sizeof v[4], "%.17g", p->min_child_weight);
    snprintf(v[5], sizeof v[5], "%.17g", p->lambda);
    snprintf(v[6], sizeof v[6], "%d", (int)p->nthread);
    /* XGBoost's seed is a signed 64-bit integer: the same bits. */
    snprintf(v[7], sizeof v[7], "%lld", (long long)(int64_t)p->seed);
    const int binary = p->objective == KR_OBJ_BINARY;
    if (XGBoosterSetParam(b, "objective",
                          binary ? "binary:logistic" : "reg:squarederror") ||
        XGBoosterSetParam(b, "eval_metric", binary ? "logloss" : "rmse") ||
        XGBoosterSetParam(b, "tree_method", "hist") ||
        XGBoosterSetParam(b, "verbosity", "1"))
        return xgb_fail(err, "XGBoosterSetParam");
    for (int i = 0; i < 8; i++)
        if (XGBoosterSetParam(b, names[i], v[i])) {
            char what[64];
            snprintf(what, sizeof what, "XGBoosterSetParam(%s)", names[i]);
            return xgb_fail(err, what);
        }
    return KR_OK;
}

/* parse_metric reads the value after "valid-<metric>:" in an evaluation
 * line such as "[3]\tvalid-logloss:0.512". */
static int parse_metric(const char *s, double *out, kr_error *err)
{
    const char *p = s ? strstr(s, "valid-") : NULL;
    p = p ? strchr(p, ':') : NULL;
    char *end = NULL;
    double v = p ? strtod(p + 1, &end) : NAN;
    if (!p || end == p + 1 || !isfinite(v)) {
        char q[120];
        return kr_error_set(err, KR_EIO, "xgboost", 0, 0, NULL,
                            "cannot read the validation metric in \"%s\"",
                            s ? kr_escape(s, strlen(s), q, sizeof q) : "");
    }
    *out = v;
    return KR_OK;
}

int kr_xgb_train(const kr_matrix *train, const kr_matrix *valid,
                 const kr_xgb_params *p, kr_model **out, kr_error *err)
{
    if (!train || !p || !out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "kr_xgb_train needs train, params and out");
    *out = NULL;
    int rc = check_params(p, err);
    if (rc)
        return rc;
    if ((rc = check_matrix(train, "train", p->objective, 0, err)))
        return rc;
    const int stopping = valid && p->early_stopping > 0;
    if (stopping &&
        (rc = check_matrix(valid, "valid", p->objective, train->ncols, err)))
        return rc;

    DMatrixHandle dtrain = NULL, dvalid = NULL;
    BoosterHandle b = NULL;
    if ((rc = make_dmatrix(train, &dtrain, err)))
        goto done;
    if (stopping && (rc = make_dmatrix(valid, &dvalid, err)))
        goto done;
    DMatrixHandle cache[2] = {dtrain, dvalid};
    if (XGBoosterCreate(cache, stopping ? 2 : 1, &b)) {
        rc = xgb_fail(err, "XGBoosterCreate");
        goto done;
    }
    if ((rc = set_params(b, p, err)))
        goto done;

    double best = INFINITY;
    int best_it = -1, it;
    for (it = 0; it < p->rounds; it++) {
        if (XGBoosterUpdateOneIter(b, it, dtrain)) {
            rc = xgb_fail(err, "XGBoosterUpdateOneIter");
            goto done;
        }
        if (!stopping)
            continue;
        const char *names[1] = {"valid"};
        const char *res = NULL;
        double score = INFINITY;
        if (XGBoosterEvalOneIter(b, it, &dvalid, names, 1, &res)) {
            rc = xgb_fail(err, "XGBoosterEvalOneIter");
            goto done;
        }
        if ((rc = parse_metric(res, &score, err)))
            goto done;
        if (score < best) {
            best = score;
            best_it = it;
        } else if (it - best_it >= p->early_stopping) {
            it++;
            break;
        }
    }
    if (stopping) {
        char attr[40];
        if (best_it + 1 < it) {
            BoosterHandle cut = NULL;
            if (XGBoosterSlice(b, 0, best_it + 1, 1, &cut)) {
                rc = xgb_fail(err, "XGBoosterSlice");
                goto done;
            }
            XGBoosterFree(b);
            b = cut;
        }
        snprintf(attr, sizeof attr, "%d", best_it);
        if (XGBoosterSetAttr(b, "best_iteration", attr)) {
            rc = xgb_fail(err, "XGBoosterSetAttr");
            goto done;
        }
        snprintf(attr, sizeof attr, "%.17g", best);
        if (XGBoosterSetAttr(b, "best_score", attr)) {
            rc = xgb_fail(err, "XGBoosterSetAttr");
            goto done;
        }
    }
    rc = kr__model_from_booster(b, out, err);
    b = NULL; /* owned by the model now, or freed */
done:
    if (b)
        XGBoosterFree(b);
    if (dtrain)
        XGDMatrixFree(dtrain);
    if (dvalid)
        XGDMatrixFree(dvalid);
    return rc;
}

/* ------------------------------------------------------------------------
 * Contributions and importance
 * ------------------------------------------------------------------------ */

int kr_model_contribs(const kr_model *m, const kr_matrix *X, float *out)
{
    if (!m || !X || !out || (!X->x && X->nrows) ||
        X->ncols != m->flat.nfeatures)
        return KR_EINVAL;
    if (X->nrows == 0)
        return KR_OK;
    DMatrixHandle d = NULL;
    kr_error e;
    int rc = make_dmatrix(&(kr_matrix){.nrows = X->nrows, .ncols = X->ncols,
                                       .x = X->x},
                          &d, &e);
    if (rc) {
        KR_ERROR("ml", "%s", e.msg);
        return rc;
    }
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    const float *res = NULL;
    if (XGBoosterPredictFromDMatrix(
            (BoosterHandle)m->booster, d,
            "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, "
            "\"iteration_end\": 0, \"strict_shape\": false}",
            &shape, &dim, &res)) {
        rc = xgb_fail(&e, "XGBoosterPredictFromDMatrix(contributions)");
        KR_ERROR("ml", "%s", e.msg);
        goto done;
    }
    if (dim != 2 || shape[0] != X->nrows || shape[1] != X->ncols + 1) {
        KR_ERROR("ml", "contributions: XGBoost answered a %d-d array, not "
                       "%zu x %zu", (int)dim, X->nrows, X->ncols + 1);
        rc = KR_EIO;
        goto done;
    }
    memcpy(out, res, X->nrows * (X->ncols + 1) * sizeof *out);
    rc = KR_OK;
done:
    XGDMatrixFree(d);
    return rc;
}

/* feature_index maps a name of XGBoosterFeatureScore's answer to a column:
 * the booster's own feature names when it has them, else XGBoost's default
 * "f<index>". -1 when it is neither. */
static long feature_index(const char *name, const char **fnames, size_t nf,
                          size_t ncols)
{
    if (fnames && nf == ncols) {
        for (size_t i = 0; i < nf; i++)
            if (!strcmp(fnames[i], name))
                return (long)i;
        return -1;
    }
    if (name[0] != 'f' || name[1] < '0' || name[1] > '9')
        return -1;
    char *end;
    long i = strtol(name + 1, &end, 10);
    return (*end || i < 0 || (size_t)i >= ncols) ? -1 : i;
}

int kr_model_importance(const kr_model *m, double *gain)
{
    if (!m || !gain)
        return KR_EINVAL;
    const size_t ncols = m->flat.nfeatures;
    BoosterHandle b = (BoosterHandle)m->booster;
    bst_ulong nfn = 0;
    const char **fn = NULL;
    if (XGBoosterGetStrFeatureInfo(b, "feature_name", &nfn, &fn)) {
        kr_error e;
        xgb_fail(&e, "XGBoosterGetStrFeatureInfo");
        KR_ERROR("ml", "%s", e.msg);
        return KR_EIO;
    }
    /* Copy the names' pointers: the next call reuses XGBoost's buffer. */
    const char **names = NULL;
    if (nfn) {
        names = calloc((size_t)nfn, sizeof *names);
        if (!names)
            return KR_ENOMEM;
        for (bst_ulong i = 0; i < nfn; i++)
            if (!(names[i] = strdup(fn[i]))) {
                for (bst_ulong j = 0; j < i; j++)
                    free((void *)names[j]);
                free(names);
                return KR_ENOMEM;
            }
    }
    bst_ulong nf = 0, dim = 0;
    const char **feats = NULL;
    const bst_ulong *shape = NULL;
    const float *scores = NULL;
    int rc = KR_OK;
    if (XGBoosterFeatureScore(b, "{\"importance_type\": \"total_gain\"}", &nf,
                              &feats, &dim, &shape, &scores)) {
        kr_error e;
        xgb_fail(&e, "XGBoosterFeatureScore");
        KR_ERROR("ml", "%s", e.msg);
        rc = KR_EIO;
        goto done;
    }
    for (size_t i = 0; i < ncols; i++)
        gain[i] = 0.0;
    for (bst_ulong i = 0; i < nf; i++) {
        long k = feature_index(feats[i], names, (size_t)nfn, ncols);
        if (k < 0) {
            KR_ERROR("ml", "importance: unknown feature name \"%s\"",
                     feats[i]);
            rc = KR_EIO;
            goto done;
        }
        gain[k] = (double)scores[i];
    }
done:
    for (bst_ulong i = 0; i < nfn; i++)
        free((void *)names[i]);
    free(names);
    return rc;
}

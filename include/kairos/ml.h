/* ml.h -- kairos machine learning: models, the flat tree evaluator, drift,
 * and the model registry.
 *
 * Three parts, each its own source files under src/ml/:
 *
 *   - models (model.c, xgb.c, flat.c): a model interface over dense float
 *     matrices. Gradient-boosted trees are trained through XGBoost's C API
 *     (libxgboost-dev), saved in XGBoost's JSON model format, and served by
 *     kairos's own flat evaluator: the trees compiled into contiguous node
 *     arrays, predictions equal to XGBoost's within 1e-6, several times
 *     faster per row, and needing no XGBoost at prediction time. SHAP
 *     contributions come from XGBoost's contribution output.
 *   - drift (drift.c): PSI, Kolmogorov-Smirnov (statistic and exact or
 *     asymptotic p-value) and Jensen-Shannon divergence between a reference
 *     and a recent sample.
 *   - registry (registry.c): versioned model directories under a root, an
 *     atomic promote (rename of a pointer file), rollback, keep-last-N, and
 *     a predictor that switches to a newly promoted model by an atomic
 *     pointer swap without blocking or failing a prediction. The registry
 *     stores any model kind through a loader table, so it is tested without
 *     XGBoost and serves flat models in production.
 *
 * Matrices are row-major float32, as XGBoost's; missing values are NaN.
 */
#ifndef KAIROS_ML_H
#define KAIROS_ML_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Data
 * ------------------------------------------------------------------------ */

/* A dense, row-major matrix with optional labels and weights. The caller
 * owns the arrays; the model functions only read them. */
typedef struct kr_matrix {
    size_t nrows, ncols;
    const float *x;      /* nrows * ncols, row-major; NaN = missing */
    const float *y;      /* nrows labels, or NULL */
    const float *w;      /* nrows sample weights, or NULL (all 1) */
} kr_matrix;

/* ------------------------------------------------------------------------
 * Models
 * ------------------------------------------------------------------------ */

typedef enum kr_objective {
    KR_OBJ_BINARY = 0,   /* binary:logistic; predict gives P(y = 1) */
    KR_OBJ_REGRESSION,   /* reg:squarederror */
} kr_objective;

/* XGBoost training parameters; kr_xgb_params_init sets the defaults in
 * brackets. */
typedef struct kr_xgb_params {
    int32_t objective;       /* kr_objective [binary] */
    int32_t rounds;          /* boosting rounds (trees) [200] */
    int32_t max_depth;       /* [6] */
    double eta;              /* learning rate [0.1] */
    double subsample;        /* [1] */
    double colsample;        /* colsample_bytree [1] */
    double min_child_weight; /* [1] */
    double lambda;           /* L2 [1] */
    int32_t early_stopping;  /* rounds without improvement on the
                                validation set before stopping; 0 = off */
    int32_t nthread;         /* [1]: deterministic */
    uint64_t seed;           /* [0] */
} kr_xgb_params;

void kr_xgb_params_init(kr_xgb_params *p);

typedef struct kr_model kr_model; /* opaque */

/* kr_xgb_train trains on `train`, stopping early on `valid` (NULL: no
 * early stopping; with early stopping the model keeps the best iteration's
 * trees only). Returns KR_OK, KR_EINVAL (with err naming the parameter),
 * KR_EEMPTY, KR_ENOMEM, or KR_EIO for an error inside XGBoost (its
 * message in err). */
int kr_xgb_train(const kr_matrix *train, const kr_matrix *valid,
                 const kr_xgb_params *p, kr_model **out, kr_error *err);

/* kr_model_save writes the model in XGBoost's JSON model format (a file
 * XGBoost itself loads); kr_model_load reads one (written by kairos or by
 * XGBoost, gbtree booster, the two objectives above) into a model that
 * predicts with the flat evaluator and, for contributions, through
 * XGBoost. A file that is not such a model is refused with err naming the
 * file and what is wrong (KR_EPARSE, KR_EFORMAT, KR_EIO). Saving is atomic
 * (temporary file, fsync, rename). */
int kr_model_save(const kr_model *m, const char *path, kr_error *err);
int kr_model_load(const char *path, kr_model **out, kr_error *err);
void kr_model_free(kr_model *m);

size_t kr_model_nfeatures(const kr_model *m);
size_t kr_model_ntrees(const kr_model *m);
int kr_model_objective(const kr_model *m);

/* Predictions: probabilities for the binary objective, values for
 * regression. kr_model_predict_row is the flat evaluator on one row
 * (ncols == kr_model_nfeatures); it allocates nothing and is safe to call
 * from several threads at once on one model. kr_model_predict does nrows
 * rows on `threads` threads (0: one per core). */
int kr_model_predict_row(const kr_model *m, const float *row, float *out);
int kr_model_predict(const kr_model *m, const kr_matrix *X, int threads,
                     float *out);

/* SHAP contributions: nrows x (ncols + 1) floats, the last column the bias;
 * each row sums to the margin (log-odds for binary). Through XGBoost. */
int kr_model_contribs(const kr_model *m, const kr_matrix *X, float *out);

/* Total gain importance per feature (ncols doubles, 0 for a feature never
 * used). */
int kr_model_importance(const kr_model *m, double *gain);

/* ------------------------------------------------------------------------
 * Drift
 * ------------------------------------------------------------------------ */

/* kr_psi is the population stability index of `cur` against `ref`:
 * sum over bins of (c_i - r_i) ln(c_i / r_i), the bins being `nbins`
 * quantile bins of the reference (edges at its empirical quantiles, the
 * outer bins open), proportions floored at 1e-6 so an empty bin stays
 * finite. NaNs are skipped. KR_EEMPTY when either sample has no value,
 * KR_EINVAL for nbins < 2. */
int kr_psi(size_t nref, const double *ref, size_t ncur, const double *cur,
           size_t nbins, double *out);

/* kr_ks2 is the two-sample Kolmogorov-Smirnov test: the statistic D =
 * sup |F_ref - F_cur| and its two-sided p-value, computed as
 * scipy.stats.ks_2samp(method='auto') does (exact for small samples,
 * the asymptotic Kolmogorov distribution otherwise). */
int kr_ks2(size_t nref, const double *ref, size_t ncur, const double *cur,
           double *stat, double *pvalue);

/* kr_jsd is the Jensen-Shannon divergence (natural log, in [0, ln 2]) of
 * the two samples' histograms over `nbins` equal-width bins spanning both
 * samples' range. */
int kr_jsd(size_t nref, const double *ref, size_t ncur, const double *cur,
           size_t nbins, double *out);

/* ------------------------------------------------------------------------
 * Registry
 * ------------------------------------------------------------------------ */

/* How the registry loads and uses a model kind: a file name inside the
 * version directory, and functions to load it, predict one row, and free
 * it. kr_model_kind_xgb serves kr_model files through the flat
 * evaluator. */
typedef struct kr_model_kind {
    const char *name;      /* "xgboost" */
    const char *file;      /* "model.json" */
    int (*load)(const char *path, void **model, kr_error *err);
    int (*predict_row)(const void *model, const float *row, size_t ncols,
                       float *out);
    size_t (*nfeatures)(const void *model);
    void (*free)(void *model);
} kr_model_kind;

extern const kr_model_kind kr_model_kind_xgb;

/* What a version records beside its model file (meta.json). */
typedef struct kr_model_meta {
    char version[32];        /* "v0007", assigned by kr_registry_add */
    char parent[32];         /* the version it was retrained from, or "" */
    char kind[32];           /* kr_model_kind.name */
    char data_hash[65];      /* SHA-256 hex of the training data */
    char features[1024];     /* the feature spec, as given */
    kr_ts created;           /* ns UTC */
    double metrics[8];       /* free for the caller: sharpe, psr, ... */
    char metric_names[8][32];
    size_t nmetrics;
    int32_t gate_passed;     /* 1 when the promotion gate passed */
} kr_model_meta;

typedef struct kr_registry kr_registry; /* opaque */

/* kr_registry_open opens (creating it if missing) a registry at `root`
 * that keeps the last `keep` versions (>= 2) besides the live one and the
 * previous live one. */
int kr_registry_open(const char *root, size_t keep, kr_registry **out,
                     kr_error *err);
void kr_registry_close(kr_registry *r);

/* kr_registry_add copies the model file at `model_path` and writes meta
 * into a new version directory, atomically (built under a temporary name,
 * then renamed); meta->version is assigned. The model is loaded once with
 * its kind's loader first: a model that does not load is refused and
 * nothing is added. Old versions beyond `keep` are removed (never the live
 * or previous live one). */
int kr_registry_add(kr_registry *r, const kr_model_kind *kind,
                    const char *model_path, kr_model_meta *meta,
                    kr_error *err);

/* kr_registry_promote makes `version` live: its model must load (else
 * KR_EFORMAT and the live version stays), then the LIVE pointer file is
 * replaced atomically (rename), the old live one becoming PREVIOUS.
 * kr_registry_rollback makes PREVIOUS live again. */
int kr_registry_promote(kr_registry *r, const char *version, kr_error *err);
int kr_registry_rollback(kr_registry *r, kr_error *err);

/* The live version ("" when none), and the versions kept, oldest first
 * (up to cap; returns how many there are). */
int kr_registry_live(const kr_registry *r, char *version, size_t size);
size_t kr_registry_list(const kr_registry *r, kr_model_meta *metas,
                        size_t cap);
int kr_registry_meta(const kr_registry *r, const char *version,
                     kr_model_meta *out, kr_error *err);

/* A predictor serves the live model. kr_predictor_predict never blocks and
 * never sees a half-loaded model: readers take the current model by an
 * atomic load of a pointer to a reference-counted holder; kr_predictor_
 * refresh (called after a promote or rollback, by any thread) loads the
 * new live model completely, then swaps the pointer, and the old model is
 * freed when its last reader leaves. */
typedef struct kr_predictor kr_predictor;

int kr_predictor_open(kr_registry *r, const kr_model_kind *kind,
                      kr_predictor **out, kr_error *err);
void kr_predictor_close(kr_predictor *p);
int kr_predictor_refresh(kr_predictor *p, kr_error *err);
/* Predicts one row with the live model; *version (may be NULL, 32 bytes)
 * receives the version that answered. KR_ENOENT when nothing is live. */
int kr_predictor_predict(kr_predictor *p, const float *row, size_t ncols,
                         float *out, char *version);

/* ------------------------------------------------------------------------
 * Stacking ensemble (stack.c)
 * ------------------------------------------------------------------------ */

/* One base model of a stack: XGBoost parameters and the feature columns it
 * sees (indices into the stack's matrix, each < ncols; NULL and 0: every
 * column). Different views of the features are what make base models
 * disagree usefully; parameter sets (depth, eta, colsample, seed) are the
 * other lever. early_stopping must be 0: the held-out fold is for the
 * out-of-fold predictions, not for choosing rounds. */
typedef struct kr_stack_base {
    kr_xgb_params params;
    const size_t *cols;
    size_t ncols;
} kr_stack_base;

typedef struct kr_stack kr_stack; /* opaque */

/* What training found. Caller-allocated: kr_stack_report_init zeroes it,
 * kr_stack_train fills it, kr_stack_report_free releases the arrays. The
 * loss of a binary stack is the weighted mean log-loss, of a regression
 * stack the weighted root mean squared error. ensemble_loss is an inner
 * estimate: the meta-learner's in-sample fit on the out-of-fold matrix it
 * was trained on (a slightly optimistic figure, with only m + 1 weights to
 * fit). */
typedef struct kr_stack_report {
    size_t n, m, k;          /* rows, base models, folds */
    int32_t objective;       /* kr_objective */
    float *oof;              /* m columns of n: oof[j * n + i] is base j's
                                out-of-fold margin of row i (log-odds for
                                binary, the value for regression): the
                                meta-learner's input */
    double *corr;            /* m x m Pearson correlations of the oof
                                columns (1 on the diagonal; NaN off it for a
                                constant column) */
    double *base_loss;       /* m: each base model's out-of-fold loss */
    double ensemble_loss;    /* the meta-learner on the oof matrix */
    double *meta;            /* m + 1: the intercept, then base j's weight */
    size_t meta_iterations;  /* Newton steps taken (1 for ridge) */
    size_t *ntest;           /* k: rows in fold f */
    size_t *ntrain;          /* k: rows the fold-f models trained on */
    size_t *npurged;         /* k: rows dropped because their label span
                                overlaps fold f's */
} kr_stack_report;

void kr_stack_report_init(kr_stack_report *r);
void kr_stack_report_free(kr_stack_report *r);

/* kr_stack_train fits a stacking ensemble on X (labels required, weights
 * optional). fold[i] in 0..k-1 assigns row i to a fold (every fold
 * non-empty, k >= 2); label_end (NULL: labels resolve on their own row)
 * gives the last row of row i's label span [i, label_end[i]], and a train
 * row whose span overlaps a test row's span is purged from that fold's
 * training. For each fold, each of the m bases is trained on the other
 * folds' rows (purged) and predicts the fold: the out-of-fold margins. The
 * meta-learner is fitted on them (kr_stack_meta_fit, ridge meta_lambda)
 * and the bases are refit on every row. All bases must share one
 * objective. *out receives the stack (kr_stack_free); rep (may be NULL)
 * the report. Returns KR_OK, KR_EINVAL with err naming the argument,
 * KR_EEMPTY (an empty fold or train set), KR_ERANGE (the meta-learner did
 * not converge), KR_ENOMEM, or what kr_xgb_train returns. On error *out is
 * NULL and rep is left as kr_stack_report_init leaves it. */
int kr_stack_train(const kr_matrix *X, const int32_t *fold, size_t k,
                   const size_t *label_end, const kr_stack_base *bases,
                   size_t m, double meta_lambda, kr_stack **out,
                   kr_stack_report *rep, kr_error *err);

/* kr_stack_meta_fit is the meta-learner alone. z holds m columns of n
 * doubles (z[j * n + i]); y the n labels, w the weights (NULL: all 1).
 * Binary: L2-regularized logistic regression by Newton's method (IRLS)
 * with step halving, minimizing
 *     sum_i w_i [log(1 + e^eta_i) - y_i eta_i] + lambda/2 sum_j beta_j^2,
 *     eta_i = beta_0 + sum_j beta_j z_ij,
 * the intercept beta_0 unpenalized, until no coefficient moves by more
 * than 1e-10 (1 + |beta|). Regression: ridge regression with the same
 * penalty on sum_i w_i (y_i - eta_i)^2 / 2, solved directly. beta receives
 * m + 1 coefficients; *iterations (may be NULL) the Newton steps. Returns
 * KR_OK, KR_EINVAL, KR_ERANGE when the system is singular (lambda 0 and
 * collinear columns) or Newton does not converge in 100 steps (separable
 * data with lambda 0), KR_ENOMEM. */
int kr_stack_meta_fit(int objective, size_t n, size_t m, const double *z,
                      const float *y, const float *w, double lambda,
                      double *beta, size_t *iterations, kr_error *err);

/* kr_stack_predict writes one prediction per row of X (ncols must be the
 * training matrix's): the probability for binary, the value for
 * regression, from sigmoid(beta_0 + sum_j beta_j margin_j(row)). It
 * allocates a small scratch block per call and is safe from several
 * threads on one stack. */
int kr_stack_predict(const kr_stack *s, const kr_matrix *X, float *out);

size_t kr_stack_nbases(const kr_stack *s);
size_t kr_stack_nfeatures(const kr_stack *s);
int kr_stack_objective(const kr_stack *s);
/* The m + 1 meta coefficients (intercept first) into beta. */
int kr_stack_weights(const kr_stack *s, double *beta);
/* Base model j (owned by the stack), or NULL. */
const kr_model *kr_stack_base_model(const kr_stack *s, size_t j);

/* kr_stack_save writes the directory `dir` (created if missing): the base
 * models as base_<j>.json (kr_model_save, XGBoost's format) and meta.json
 * (objective, feature count, lambda, intercept, and per base its file,
 * weight and columns), meta.json last, each file atomically.
 * kr_stack_load reads one back; a missing or inconsistent file is refused
 * with err naming it (KR_ENOENT, KR_EPARSE, KR_EFORMAT, KR_EIO). */
int kr_stack_save(const kr_stack *s, const char *dir, kr_error *err);
int kr_stack_load(const char *dir, kr_stack **out, kr_error *err);
void kr_stack_free(kr_stack *s);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_ML_H */

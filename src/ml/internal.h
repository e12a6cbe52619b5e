/* internal.h -- what the model files of the ml domain share (kr__ names):
 * the compiled flat forest of flat.c, the kr_model struct of model.c and the
 * XGBoost helpers of xgb.c. Not part of the public API.
 */
#ifndef KR_ML_INTERNAL_H
#define KR_ML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/ml.h"

/* ------------------------------------------------------------------------
 * The flat evaluator (flat.c)
 * ------------------------------------------------------------------------ */

/* One node, 16 bytes. For a split, `v` is the threshold (go left when x <
 * v), `feat` the feature index with KR__FLAT_DEFAULT_LEFT set when a
 * missing value goes left, and left/right the children's indices in the
 * forest's node array. A leaf holds its value in `v` and points to itself
 * on both sides, so a walk of the tree's depth in steps ends on the leaf
 * whatever the path: no test for leaves in the loop. */
typedef struct kr__flat_node {
    float v;
    uint32_t feat;
    uint32_t left, right;
} kr__flat_node;

#define KR__FLAT_DEFAULT_LEFT UINT32_C(0x80000000)
#define KR__FLAT_FEATURE_MASK UINT32_C(0x7fffffff)

#define KR__FLAT_GROUP 8

/* A compiled forest: every tree's nodes in one array, tree t rooted at
 * root[t] and needing depth[t] steps to reach any leaf. base_margin is the
 * margin every row starts from (logit(base_score) for binary:logistic). */
typedef struct kr__flat {
    kr__flat_node *nodes;
    size_t nnodes;
    uint32_t *root;
    uint32_t *depth;
    uint32_t *gdepth;   /* per group of KR__FLAT_GROUP trees: the most */
    size_t ntrees;
    size_t nfeatures;
    int objective;      /* kr_objective */
    float base_score;   /* as the file states it */
    float base_margin;
} kr__flat;

/* kr__flat_compile parses `len` bytes of an XGBoost JSON model (`name`
 * names it in messages) and compiles it into f, which the caller frees with
 * kr__flat_free on success. On error f holds nothing and err says what is
 * wrong: KR_EPARSE for text that is not JSON, KR_EFORMAT for JSON that is
 * not a gbtree model of a supported objective or is inconsistent,
 * KR_ENOMEM. */
int kr__flat_compile(kr__flat *f, const char *json, size_t len,
                     const char *name, kr_error *err);
void kr__flat_free(kr__flat *f);

/* The margin of one row (nfeatures floats, NaN = missing). */
float kr__flat_margin(const kr__flat *f, const float *row);

/* The prediction of the objective for a margin: the sigmoid for binary,
 * the margin itself for regression; computed in float as XGBoost does. */
float kr__flat_transform(const kr__flat *f, float margin);

/* Predictions for n rows `stride` floats apart (n <= KR__FLAT_BLOCK),
 * equal bit for bit to kr__flat_transform(kr__flat_margin(row)). */
#define KR__FLAT_BLOCK 64
void kr__flat_predict_block(const kr__flat *f, const float *x, size_t stride,
                            size_t n, float *out);

/* ------------------------------------------------------------------------
 * The model (model.c) and XGBoost (xgb.c)
 * ------------------------------------------------------------------------ */

/* A model owns its compiled forest and the XGBoost booster it came from
 * (an opaque BoosterHandle), used for saving, contributions and
 * importance. */
struct kr_model {
    kr__flat flat;
    void *booster;
};

/* kr__model_from_booster takes ownership of `booster` (freed on failure
 * too), saves it to JSON in memory and compiles the flat forest from that
 * text, so that the flat evaluator serves exactly what kr_model_save
 * writes. */
int kr__model_from_booster(void *booster, kr_model **out, kr_error *err);

/* kr__xgb_load loads an XGBoost model from `len` bytes into a new booster
 * (*booster). kr__xgb_save_json returns the booster's JSON text in *buf
 * (owned by XGBoost, valid until the next call on the booster) and *len.
 * kr__xgb_free frees a booster (NULL is fine). All return KR_EIO with
 * XGBoost's message in err on failure; `name` names the source. */
int kr__xgb_load(const char *buf, size_t len, const char *name,
                 void **booster, kr_error *err);
int kr__xgb_save_json(void *booster, const char **buf, size_t *len,
                      kr_error *err);
void kr__xgb_free(void *booster);

#endif

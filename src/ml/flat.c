/* flat.c -- the flat evaluator: XGBoost's JSON model compiled into one
 * array of nodes and walked without branches.
 *
 * kr__flat_compile reads the JSON that XGBoosterSaveModel writes for a
 * ".json" name (learner -> gradient_booster -> model -> trees[], the
 * objective and learner_model_param.base_score), checks every tree (child
 * indices in range, every node reached once from the root, features below
 * num_feature, no categorical splits) and lays each tree out breadth first
 * in a shared array of 16-byte nodes, so that the top levels of a tree share
 * cache lines and siblings sit side by side. A leaf points to itself on both
 * sides and keeps its value where a split keeps its threshold; a row then
 * walks every tree for exactly that tree's depth in steps, each step a load
 * of the node, a load of the feature, a compare and a conditional move, with
 * no branch on the path taken and none on reaching a leaf. The batch form
 * walks a block of rows through one tree in lock step, which gives the CPU
 * KR__FLAT_BLOCK independent chains of loads to overlap.
 *
 * The arithmetic is XGBoost 1.7's, to the bit: the split test is `x <
 * threshold` in float32 with NaN sent the node's default way, the margin is
 * a float sum starting from the base margin (-logf(1/base_score - 1) for
 * binary:logistic, base_score itself for regression) and adding the trees'
 * leaves in tree order, and the sigmoid is 1 / (1 + expf(-margin)) in float.
 * tests/ml/test_model.c checks this against the booster and python3-xgboost.
 */
#include "ml/internal.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------ */

static inline uint32_t flat_step(const kr__flat_node *nodes, uint32_t k,
                                 const float *row)
{
    const kr__flat_node *n = &nodes[k];
    const float x = row[n->feat & KR__FLAT_FEATURE_MASK];
    const int left = (x < n->v) | ((x != x) & (int)(n->feat >> 31));
    return left ? n->left : n->right;
}

/* Eight walks advance in lock step: eight independent chains of loads for
 * the CPU to overlap, where one walk would wait on each load in turn. */
#define STEP8(r0, r1, r2, r3, r4, r5, r6, r7)                                \
    do {                                                                     \
        k0 = flat_step(nodes, k0, r0);                                       \
        k1 = flat_step(nodes, k1, r1);                                       \
        k2 = flat_step(nodes, k2, r2);                                       \
        k3 = flat_step(nodes, k3, r3);                                       \
        k4 = flat_step(nodes, k4, r4);                                       \
        k5 = flat_step(nodes, k5, r5);                                       \
        k6 = flat_step(nodes, k6, r6);                                       \
        k7 = flat_step(nodes, k7, r7);                                       \
    } while (0)

float kr__flat_margin(const kr__flat *f, const float *row)
{
    const kr__flat_node *nodes = f->nodes;
    const uint32_t *root = f->root;
    float sum = f->base_margin;
    size_t t = 0;
    /* Trees eight at a time, each group walked for its deepest tree's
     * depth (a leaf holds still); the leaves are added in tree order. */
    for (size_t g = 0; t + KR__FLAT_GROUP <= f->ntrees;
         t += KR__FLAT_GROUP, g++) {
        uint32_t k0 = root[t], k1 = root[t + 1], k2 = root[t + 2],
                 k3 = root[t + 3], k4 = root[t + 4], k5 = root[t + 5],
                 k6 = root[t + 6], k7 = root[t + 7];
        for (uint32_t d = f->gdepth[g]; d; d--)
            STEP8(row, row, row, row, row, row, row, row);
        sum += nodes[k0].v;
        sum += nodes[k1].v;
        sum += nodes[k2].v;
        sum += nodes[k3].v;
        sum += nodes[k4].v;
        sum += nodes[k5].v;
        sum += nodes[k6].v;
        sum += nodes[k7].v;
    }
    for (; t < f->ntrees; t++) {
        uint32_t k = root[t];
        for (uint32_t d = f->depth[t]; d; d--)
            k = flat_step(nodes, k, row);
        sum += nodes[k].v;
    }
    return sum;
}

float kr__flat_transform(const kr__flat *f, float margin)
{
    if (f->objective != KR_OBJ_BINARY)
        return margin;
    /* XGBoost's common::Sigmoid; the clamp keeps expf finite. */
    float e = expf(fminf(-margin, 88.7f));
    return 1.0f / (1.0f + e);
}

void kr__flat_predict_block(const kr__flat *f, const float *x, size_t stride,
                            size_t n, float *out)
{
    const kr__flat_node *nodes = f->nodes;
    float acc[KR__FLAT_BLOCK];
    if (n > KR__FLAT_BLOCK)
        n = KR__FLAT_BLOCK;
    for (size_t r = 0; r < n; r++)
        acc[r] = f->base_margin;
    /* Tree by tree (its nodes stay in L1 while the block goes through),
     * eight rows at a time. */
    for (size_t t = 0; t < f->ntrees; t++) {
        const uint32_t root = f->root[t], depth = f->depth[t];
        size_t r = 0;
        for (; r + 8 <= n; r += 8) {
            const float *r0 = x + r * stride, *r1 = r0 + stride,
                        *r2 = r1 + stride, *r3 = r2 + stride,
                        *r4 = r3 + stride, *r5 = r4 + stride,
                        *r6 = r5 + stride, *r7 = r6 + stride;
            uint32_t k0 = root, k1 = root, k2 = root, k3 = root, k4 = root,
                     k5 = root, k6 = root, k7 = root;
            for (uint32_t d = depth; d; d--)
                STEP8(r0, r1, r2, r3, r4, r5, r6, r7);
            acc[r] += nodes[k0].v;
            acc[r + 1] += nodes[k1].v;
            acc[r + 2] += nodes[k2].v;
            acc[r + 3] += nodes[k3].v;
            acc[r + 4] += nodes[k4].v;
            acc[r + 5] += nodes[k5].v;
            acc[r + 6] += nodes[k6].v;
            acc[r + 7] += nodes[k7].v;
        }
        for (; r < n; r++) {
            const float *row = x + r * stride;
            uint32_t k = root;
            for (uint32_t d = depth; d; d--)
                k = flat_step(nodes, k, row);
            acc[r] += nodes[k].v;
        }
    }
    for (size_t r = 0; r < n; r++)
        out[r] = kr__flat_transform(f, acc[r]);
}

void kr__flat_free(kr__flat *f)
{
    if (!f)
        return;
    free(f->nodes);
    free(f->root);
    free(f->depth);
    free(f->gdepth);
    memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------------------
 * Compilation from XGBoost's JSON
 * ------------------------------------------------------------------------ */

typedef struct compiler {
    const char *name;
    kr_error *err;
    char field[64];
} compiler;

static int bad(compiler *c, int code, const char *fmt, ...) KR_PRINTF(3, 4);

static int bad(compiler *c, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kr_error_set(c->err, code, c->name, 0, 0,
                        c->field[0] ? c->field : NULL, "%s", msg);
}

/* get returns member `key` of object `o` with the given jansson type (or
 * any type for -1), setting c->field to `path`; NULL (and err) when it is
 * missing or of another type. */
static json_t *get(compiler *c, json_t *o, const char *key, int type,
                   const char *path)
{
    snprintf(c->field, sizeof c->field, "%s", path);
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (!v) {
        bad(c, KR_EFORMAT, "missing: not an XGBoost JSON gbtree model");
        return NULL;
    }
    if (type >= 0 && (int)json_typeof(v) != type &&
        !(type == JSON_TRUE && json_is_boolean(v))) {
        static const char *const names[] = {"an object", "an array",
                                            "a string", "an integer",
                                            "a number", "a boolean",
                                            "a boolean", "null"};
        bad(c, KR_EFORMAT, "expected %s", names[type]);
        return NULL;
    }
    return v;
}

/* A number written as a string by XGBoost ("3E-1"; "[3E-1]" in later
 * versions): parsed as a double. */
static int get_num_string(compiler *c, json_t *o, const char *key,
                          const char *path, double *out)
{
    json_t *v = get(c, o, key, JSON_STRING, path);
    if (!v)
        return c->err ? c->err->code : KR_EFORMAT;
    const char *s = json_string_value(v);
    char buf[64], q[80];
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof buf)
        return bad(c, KR_EFORMAT, "expected a number, got \"%s\"",
                   kr_escape(json_string_value(v), strlen(json_string_value(v)),
                             q, sizeof q));
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end || errno || !isfinite(d))
        return bad(c, KR_EFORMAT, "expected a number, got \"%s\"",
                   kr_escape(buf, n, q, sizeof q));
    *out = d;
    return KR_OK;
}

/* One tree's arrays, checked for shape. */
typedef struct tree_in {
    json_t *left, *right, *feat, *cond, *dleft;
    size_t n;
} tree_in;

static int tree_arrays(compiler *c, json_t *tree, size_t t, tree_in *in)
{
    static const char *const keys[] = {"left_children", "right_children",
                                       "split_indices", "split_conditions",
                                       "default_left"};
    json_t **dst[] = {&in->left, &in->right, &in->feat, &in->cond,
                      &in->dleft};
    char path[64];
    if (!json_is_object(tree)) {
        snprintf(c->field, sizeof c->field, "trees[%zu]", t);
        return bad(c, KR_EFORMAT, "expected an object");
    }
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "trees[%zu].%s", t, keys[i]);
        *dst[i] = get(c, tree, keys[i], JSON_ARRAY, path);
        if (!*dst[i])
            return KR_EFORMAT;
    }
    in->n = json_array_size(in->left);
    for (size_t i = 1; i < 5; i++)
        if (json_array_size(*dst[i]) != in->n) {
            snprintf(c->field, sizeof c->field, "trees[%zu].%s", t, keys[i]);
            return bad(c, KR_EFORMAT,
                       "%zu entries where left_children has %zu",
                       json_array_size(*dst[i]), in->n);
        }
    if (in->n == 0 || in->n > (size_t)INT32_MAX) {
        snprintf(c->field, sizeof c->field, "trees[%zu].left_children", t);
        return bad(c, KR_EFORMAT, "a tree needs 1 to 2^31-1 nodes, not %zu",
                   in->n);
    }
    /* Categorical splits (XGBoost >= 1.5) are not supported. */
    json_t *st = json_object_get(tree, "split_type");
    if (json_is_array(st)) {
        size_t i;
        json_t *v;
        json_array_foreach(st, i, v) {
            if (json_is_integer(v) && json_integer_value(v) != 0) {
                snprintf(c->field, sizeof c->field, "trees[%zu].split_type",
                         t);
                return bad(c, KR_EFORMAT,
                           "node %zu is a categorical split, which kairos "
                           "does not support", i);
            }
        }
    }
    return KR_OK;
}

static int node_int(compiler *c, json_t *arr, size_t i, size_t t,
                    const char *what, int64_t *out)
{
    json_t *v = json_array_get(arr, i);
    if (!json_is_integer(v)) {
        snprintf(c->field, sizeof c->field, "trees[%zu].%s", t, what);
        return bad(c, KR_EFORMAT, "entry %zu is not an integer", i);
    }
    *out = json_integer_value(v);
    return KR_OK;
}

/* compile_tree checks tree t and appends it breadth first at f->nodes +
 * f->nnodes (room for in->n nodes is there). `order` and `newidx` are
 * scratch of in->n entries. */
static int compile_tree(compiler *c, kr__flat *f, const tree_in *in, size_t t,
                        uint32_t *order, int64_t *newidx, uint32_t *depthv)
{
    const size_t n = in->n, base = f->nnodes;
    for (size_t i = 0; i < n; i++)
        newidx[i] = -1;
    /* Breadth first from the root: order[] lists the reachable nodes, and
     * a node reached twice (a cycle or a shared child) is an error. */
    size_t head = 0, tail = 0;
    order[tail++] = 0;
    newidx[0] = 0;
    depthv[0] = 0;
    uint32_t maxdepth = 0;
    while (head < tail) {
        const uint32_t i = order[head++];
        int64_t l, r;
        int rc;
        if ((rc = node_int(c, in->left, i, t, "left_children", &l)) ||
            (rc = node_int(c, in->right, i, t, "right_children", &r)))
            return rc;
        if (l == -1 && r == -1) {
            if (depthv[i] > maxdepth)
                maxdepth = depthv[i];
            continue;
        }
        const int64_t kid[2] = {l, r};
        for (int s = 0; s < 2; s++) {
            if (kid[s] <= 0 || kid[s] >= (int64_t)n || newidx[kid[s]] >= 0) {
                snprintf(c->field, sizeof c->field, "trees[%zu].%s", t,
                         s ? "right_children" : "left_children");
                return bad(c, KR_EFORMAT,
                           "node %u has child %lld: %s", i, (long long)kid[s],
                           kid[s] == -1 ? "only one child is a leaf marker"
                           : kid[s] <= 0 || kid[s] >= (int64_t)n
                               ? "out of range"
                               : "reached twice (not a tree)");
            }
            newidx[kid[s]] = (int64_t)tail;
            depthv[kid[s]] = depthv[i] + 1;
            order[tail++] = (uint32_t)kid[s];
        }
    }
    /* Emit the reachable nodes in breadth-first order. */
    for (size_t j = 0; j < tail; j++) {
        const uint32_t i = order[j];
        kr__flat_node *o = &f->nodes[base + j];
        json_t *cv = json_array_get(in->cond, i);
        if (!json_is_number(cv)) {
            snprintf(c->field, sizeof c->field, "trees[%zu].split_conditions",
                     t);
            return bad(c, KR_EFORMAT, "entry %u is not a number", i);
        }
        const double dv = json_number_value(cv);
        const float fv = (float)dv;
        if (!isfinite(fv)) {
            snprintf(c->field, sizeof c->field, "trees[%zu].split_conditions",
                     t);
            return bad(c, KR_EFORMAT, "entry %u (%g) is not a finite float",
                       i, dv);
        }
        o->v = fv;
        int64_t l, fi;
        node_int(c, in->left, i, t, "left_children", &l);
        if (l == -1) {
            o->feat = 0;
            o->left = o->right = (uint32_t)(base + j);
            continue;
        }
        int64_t r;
        node_int(c, in->right, i, t, "right_children", &r);
        int rc = node_int(c, in->feat, i, t, "split_indices", &fi);
        if (rc)
            return rc;
        if (fi < 0 || (uint64_t)fi >= f->nfeatures) {
            snprintf(c->field, sizeof c->field, "trees[%zu].split_indices",
                     t);
            return bad(c, KR_EFORMAT,
                       "node %u splits on feature %lld; the model has %zu", i,
                       (long long)fi, f->nfeatures);
        }
        json_t *dl = json_array_get(in->dleft, i);
        int dleft;
        if (json_is_boolean(dl))
            dleft = json_is_true(dl);
        else if (json_is_integer(dl) && (json_integer_value(dl) == 0 ||
                                         json_integer_value(dl) == 1))
            dleft = (int)json_integer_value(dl);
        else {
            snprintf(c->field, sizeof c->field, "trees[%zu].default_left", t);
            return bad(c, KR_EFORMAT, "entry %u is not 0, 1 or a boolean", i);
        }
        o->feat = (uint32_t)fi | (dleft ? KR__FLAT_DEFAULT_LEFT : 0);
        o->left = (uint32_t)(base + (size_t)newidx[l]);
        o->right = (uint32_t)(base + (size_t)newidx[r]);
    }
    f->root[t] = (uint32_t)base;
    f->depth[t] = maxdepth;
    f->nnodes += tail;
    return KR_OK;
}

static int compile_doc(compiler *c, kr__flat *f, json_t *doc)
{
    json_t *learner, *lmp, *obj, *oname, *gb, *gbname, *model, *trees;
    int rc;
    if (!json_is_object(doc)) {
        c->field[0] = '\0';
        return bad(c, KR_EFORMAT,
                   "expected a JSON object (an XGBoost JSON model)");
    }
    if (!(learner = get(c, doc, "learner", JSON_OBJECT, "learner")) ||
        !(lmp = get(c, learner, "learner_model_param", JSON_OBJECT,
                    "learner.learner_model_param")) ||
        !(obj = get(c, learner, "objective", JSON_OBJECT,
                    "learner.objective")) ||
        !(oname = get(c, obj, "name", JSON_STRING, "learner.objective.name")) ||
        !(gb = get(c, learner, "gradient_booster", JSON_OBJECT,
                   "learner.gradient_booster")) ||
        !(gbname = get(c, gb, "name", JSON_STRING,
                       "learner.gradient_booster.name")))
        return KR_EFORMAT;

    char q[80];
    snprintf(c->field, sizeof c->field, "learner.objective.name");
    const char *on = json_string_value(oname);
    if (!strcmp(on, "binary:logistic"))
        f->objective = KR_OBJ_BINARY;
    else if (!strcmp(on, "reg:squarederror") || !strcmp(on, "reg:linear"))
        f->objective = KR_OBJ_REGRESSION;
    else
        return bad(c, KR_EFORMAT,
                   "objective \"%s\" is not supported (binary:logistic or "
                   "reg:squarederror)",
                   kr_escape(on, strlen(on), q, sizeof q));
    snprintf(c->field, sizeof c->field, "learner.gradient_booster.name");
    const char *gn = json_string_value(gbname);
    if (strcmp(gn, "gbtree"))
        return bad(c, KR_EFORMAT,
                   "booster \"%s\" is not supported: kairos serves gbtree "
                   "models only",
                   kr_escape(gn, strlen(gn), q, sizeof q));

    double v;
    if ((rc = get_num_string(c, lmp, "num_feature",
                             "learner.learner_model_param.num_feature", &v)))
        return rc;
    if (v < 1 || v > (double)KR__FLAT_FEATURE_MASK || v != floor(v))
        return bad(c, KR_EFORMAT, "expected a feature count >= 1, got %g", v);
    f->nfeatures = (size_t)v;
    json_t *nc = json_object_get(lmp, "num_class");
    if (nc) {
        if ((rc = get_num_string(c, lmp, "num_class",
                                 "learner.learner_model_param.num_class", &v)))
            return rc;
        if (v > 1)
            return bad(c, KR_EFORMAT,
                       "a %g-class model is not supported (binary or "
                       "regression only)", v);
    }
    json_t *nt = json_object_get(lmp, "num_target");
    if (nt) {
        if ((rc = get_num_string(c, lmp, "num_target",
                                 "learner.learner_model_param.num_target",
                                 &v)))
            return rc;
        if (v > 1)
            return bad(c, KR_EFORMAT, "%g targets: one only is supported", v);
    }
    if ((rc = get_num_string(c, lmp, "base_score",
                             "learner.learner_model_param.base_score", &v)))
        return rc;
    f->base_score = (float)v;
    if (f->objective == KR_OBJ_BINARY) {
        if (!(f->base_score > 0.0f && f->base_score < 1.0f))
            return bad(c, KR_EFORMAT,
                       "base_score %g is outside (0, 1) for binary:logistic",
                       v);
        /* LogisticRegression::ProbToMargin, in float as XGBoost. */
        f->base_margin = -logf(1.0f / f->base_score - 1.0f);
    } else {
        f->base_margin = f->base_score;
    }

    if (!(model = get(c, gb, "model", JSON_OBJECT,
                      "learner.gradient_booster.model")) ||
        !(trees = get(c, model, "trees", JSON_ARRAY,
                      "learner.gradient_booster.model.trees")))
        return KR_EFORMAT;
    const size_t ntrees = json_array_size(trees);
    json_t *tinfo = json_object_get(model, "tree_info");
    if (json_is_array(tinfo)) {
        size_t i;
        json_t *e;
        json_array_foreach(tinfo, i, e) {
            if (!json_is_integer(e) || json_integer_value(e) != 0) {
                snprintf(c->field, sizeof c->field,
                         "learner.gradient_booster.model.tree_info");
                return bad(c, KR_EFORMAT,
                           "entry %zu: every tree must belong to group 0", i);
            }
        }
    }

    /* First pass: shapes, and the total node count for one allocation. */
    size_t total = 0, maxn = 1;
    tree_in in;
    for (size_t t = 0; t < ntrees; t++) {
        if ((rc = tree_arrays(c, json_array_get(trees, t), t, &in)))
            return rc;
        total += in.n;
        if (in.n > maxn)
            maxn = in.n;
    }
    if (total > UINT32_MAX) {
        c->field[0] = '\0';
        return bad(c, KR_EFORMAT, "%zu nodes in all: too many", total);
    }
    f->nodes = calloc(total ? total : 1, sizeof *f->nodes);
    f->root = calloc(ntrees ? ntrees : 1, sizeof *f->root);
    f->depth = calloc(ntrees ? ntrees : 1, sizeof *f->depth);
    f->gdepth = calloc(ntrees / KR__FLAT_GROUP + 1, sizeof *f->gdepth);
    uint32_t *order = malloc(maxn * sizeof *order);
    int64_t *newidx = malloc(maxn * sizeof *newidx);
    uint32_t *depthv = malloc(maxn * sizeof *depthv);
    if (!f->nodes || !f->root || !f->depth || !f->gdepth || !order || !newidx || !depthv) {
        c->field[0] = '\0';
        rc = bad(c, KR_ENOMEM, "out of memory compiling %zu nodes", total);
        goto done;
    }
    f->ntrees = ntrees;
    for (size_t t = 0; t < ntrees; t++) {
        tree_arrays(c, json_array_get(trees, t), t, &in);
        if ((rc = compile_tree(c, f, &in, t, order, newidx, depthv)))
            goto done;
        uint32_t *g = &f->gdepth[t / KR__FLAT_GROUP];
        if (f->depth[t] > *g)
            *g = f->depth[t];
    }
    rc = KR_OK;
done:
    free(order);
    free(newidx);
    free(depthv);
    return rc;
}

int kr__flat_compile(kr__flat *f, const char *json, size_t len,
                     const char *name, kr_error *err)
{
    memset(f, 0, sizeof *f);
    compiler c = {.name = name ? name : "model", .err = err};
    json_error_t je;
    json_t *doc = json_loadb(json, len, 0, &je);
    if (!doc)
        return kr_error_set(err, KR_EPARSE, c.name, je.line, je.column, NULL,
                            "not valid JSON: %s", je.text);
    int rc = compile_doc(&c, f, doc);
    json_decref(doc);
    if (rc)
        kr__flat_free(f);
    return rc;
}

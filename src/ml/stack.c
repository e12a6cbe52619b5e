/* stack.c -- the stacking ensemble: XGBoost base models and a linear
 * meta-learner fitted on their out-of-fold predictions.
 *
 * Training runs in three passes. First, for every fold f and base model j,
 * the base is trained on the rows of the other folds, less the rows whose
 * label span [i, label_end[i]] overlaps the span of a row of fold f (the
 * purge of AFML 7.4.1; the caller assigns folds, because ml sits below
 * validate and cannot call kr_cv_kfold), and predicts fold f. Its margin
 * (log-odds for binary, the value for regression), from the same flat
 * evaluator kr_model_predict uses, is the out-of-fold column j. Second, the
 * meta-learner is fitted on those m columns: L2-regularized logistic
 * regression by Newton's method for binary, ridge regression for
 * regression, both with an unpenalized intercept, through a Cholesky
 * factorization of the (m+1) x (m+1) normal matrix written here (m is
 * small, and GSL's default error handler would abort the process on a
 * matrix that is not positive definite). Third, every base is refit on all
 * rows. Working on margins rather than probabilities keeps the meta input
 * unbounded: a probability rounded to 1.0f in float would otherwise need
 * clipping before its logit.
 *
 * The purge is computed per fold from the test rows' spans merged into
 * disjoint intervals, so a train candidate is checked by one binary search
 * instead of against every test row. Folds and bases are trained one after
 * another on the caller's thread (each XGBoost call with its own nthread),
 * so the result is the same whatever the machine. Training copies the rows
 * and columns of each fit into one scratch matrix allocated once.
 *
 * A saved stack is a directory: base_<j>.json in XGBoost's own format and
 * meta.json with the coefficients (printed with 17 significant digits, so
 * that they read back bit for bit) and each base's columns.
 */
#include "ml/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_MAX_ITER 100
#define META_TOL 1e-10
#define STACK_FORMAT "kairos-stack"
#define STACK_VERSION 1

struct kr_stack {
    int objective;
    size_t nfeatures;
    size_t m;
    kr_model **base;  /* m models */
    size_t **cols;    /* m column lists, owned */
    size_t *ncols;    /* m */
    int *all;         /* m: 1 when cols is 0..nfeatures-1 */
    double *beta;     /* m + 1 */
    double lambda;
};

/* ------------------------------------------------------------------------
 * Small numerics
 * ------------------------------------------------------------------------ */

/* log(1 + e^x) without overflow. */
static double softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* cholesky_solve solves A x = b for the symmetric positive definite d x d
 * matrix A (row-major, overwritten by its factor L) in place of b. Returns
 * KR_ERANGE when A is not positive definite. */
static int cholesky_solve(double *a, double *b, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        double s = a[j * d + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * d + k] * a[j * d + k];
        if (!(s > 0) || !isfinite(s))
            return KR_ERANGE;
        const double ljj = sqrt(s);
        a[j * d + j] = ljj;
        for (size_t i = j + 1; i < d; i++) {
            double t = a[i * d + j];
            for (size_t k = 0; k < j; k++)
                t -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = t / ljj;
        }
    }
    for (size_t i = 0; i < d; i++) { /* L y = b */
        double t = b[i];
        for (size_t k = 0; k < i; k++)
            t -= a[i * d + k] * b[k];
        b[i] = t / a[i * d + i];
    }
    for (size_t i = d; i-- > 0;) { /* L' x = y */
        double t = b[i];
        for (size_t k = i + 1; k < d; k++)
            t -= a[k * d + i] * b[k];
        b[i] = t / a[i * d + i];
    }
    return KR_OK;
}

/* linpred is beta_0 + sum_j beta_j z_ij. */
static double linpred(const double *z, size_t n, size_t m, const double *beta,
                      size_t i)
{
    double e = beta[0];
    for (size_t j = 0; j < m; j++)
        e += beta[j + 1] * z[j * n + i];
    return e;
}

/* The penalized objective of the logistic fit. */
static double logit_objective(const double *z, const float *y, const float *w,
                              size_t n, size_t m, const double *beta,
                              double lambda)
{
    double f = 0;
    for (size_t i = 0; i < n; i++) {
        const double e = linpred(z, n, m, beta, i);
        const double wi = w ? w[i] : 1.0;
        f += wi * (softplus(e) - (double)y[i] * e);
    }
    for (size_t j = 1; j <= m; j++)
        f += 0.5 * lambda * beta[j] * beta[j];
    return f;
}

int kr_stack_meta_fit(int objective, size_t n, size_t m, const double *z,
                      const float *y, const float *w, double lambda,
                      double *beta, size_t *iterations, kr_error *err)
{
    if (iterations)
        *iterations = 0;
    if (!z || !y || !beta || n == 0 || m == 0)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "meta",
                            "the meta-learner needs n > 0 rows, m > 0 "
                            "columns, values, labels and beta");
    if (objective != KR_OBJ_BINARY && objective != KR_OBJ_REGRESSION)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "objective",
                            "expected KR_OBJ_BINARY or KR_OBJ_REGRESSION, "
                            "got %d", objective);
    if (!(lambda >= 0) || !isfinite(lambda))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "meta_lambda",
                            "expected a finite value >= 0, got %g", lambda);
    for (size_t i = 0; i < n * m; i++)
        if (!isfinite(z[i]))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "meta",
                                "value %zu of column %zu is not finite",
                                i % n, i / n);
    const size_t d = m + 1;
    double *h = malloc(d * d * sizeof *h);
    double *g = malloc(d * sizeof *g);
    double *trial = malloc(d * sizeof *trial);
    double *x = malloc(d * sizeof *x);
    int rc = KR_OK;
    if (!h || !g || !trial || !x) {
        rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, "meta",
                          "out of memory");
        goto done;
    }
    for (size_t j = 0; j < d; j++)
        beta[j] = 0;
    const int binary = objective == KR_OBJ_BINARY;
    size_t it = 0;
    double fcur = binary ? logit_objective(z, y, w, n, m, beta, lambda) : 0;
    for (;;) {
        /* Gradient g and Hessian h of the objective at beta (for ridge,
         * beta = 0, so -g is the right-hand side of the normal equations
         * and one step is the solution). */
        memset(h, 0, d * d * sizeof *h);
        memset(g, 0, d * sizeof *g);
        for (size_t i = 0; i < n; i++) {
            const double e = linpred(z, n, m, beta, i);
            const double wi = w ? w[i] : 1.0;
            double r, v;
            if (binary) {
                const double p = sigmoid(e);
                r = wi * (p - (double)y[i]);
                v = wi * p * (1 - p);
            } else {
                r = wi * (e - (double)y[i]);
                v = wi;
            }
            x[0] = 1;
            for (size_t j = 0; j < m; j++)
                x[j + 1] = z[j * n + i];
            for (size_t a = 0; a < d; a++) {
                g[a] += r * x[a];
                for (size_t b = 0; b <= a; b++)
                    h[a * d + b] += v * x[a] * x[b];
            }
        }
        for (size_t a = 1; a < d; a++) {
            g[a] += lambda * beta[a];
            h[a * d + a] += lambda;
        }
        for (size_t a = 0; a < d; a++)
            for (size_t b = a + 1; b < d; b++)
                h[a * d + b] = h[b * d + a];
        if (cholesky_solve(h, g, d)) {
            rc = kr_error_set(err, KR_ERANGE, NULL, 0, 0, "meta",
                              "the meta-learner's normal matrix is singular "
                              "(constant or collinear base predictions): "
                              "raise meta_lambda");
            goto done;
        }
        it++;
        /* g now holds the Newton step; beta - g is the next point. */
        if (!binary) {
            for (size_t a = 0; a < d; a++)
                beta[a] -= g[a];
            break;
        }
        double t = 1.0, fnew = 0;
        int accepted = 0;
        for (int halve = 0; halve < 40; halve++, t *= 0.5) {
            for (size_t a = 0; a < d; a++)
                trial[a] = beta[a] - t * g[a];
            fnew = logit_objective(z, y, w, n, m, trial, lambda);
            if (fnew <= fcur) {
                accepted = 1;
                break;
            }
        }
        double move = 0, size = 0;
        for (size_t a = 0; a < d; a++) {
            double s = fabs(t * g[a]);
            move = s > move ? s : move;
            size = fabs(beta[a]) > size ? fabs(beta[a]) : size;
        }
        if (accepted) {
            memcpy(beta, trial, d * sizeof *beta);
            fcur = fnew;
        }
        if (!accepted || move <= META_TOL * (1 + size))
            break;
        if (it >= META_MAX_ITER) {
            rc = kr_error_set(err, KR_ERANGE, NULL, 0, 0, "meta",
                              "Newton's method did not converge in %d "
                              "steps (separable out-of-fold predictions?): "
                              "raise meta_lambda", META_MAX_ITER);
            goto done;
        }
    }
    for (size_t a = 0; a < d; a++)
        if (!isfinite(beta[a])) {
            rc = kr_error_set(err, KR_ERANGE, NULL, 0, 0, "meta",
                              "the meta coefficients are not finite");
            goto done;
        }
    if (iterations)
        *iterations = it;
done:
    free(h);
    free(g);
    free(trial);
    free(x);
    return rc;
}

/* loss is the weighted mean log-loss of margins e (binary) or the weighted
 * RMSE (regression). */
static double loss_of(int objective, size_t n, const double *e,
                      const float *y, const float *w)
{
    double s = 0, sw = 0;
    for (size_t i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0, yi = y[i];
        if (objective == KR_OBJ_BINARY)
            s += wi * (yi * softplus(-e[i]) + (1 - yi) * softplus(e[i]));
        else
            s += wi * (e[i] - yi) * (e[i] - yi);
        sw += wi;
    }
    if (!(sw > 0))
        return NAN;
    return objective == KR_OBJ_BINARY ? s / sw : sqrt(s / sw);
}

/* pearson fills the m x m correlation matrix of the columns of z. */
static void pearson(const double *z, size_t n, size_t m, double *corr)
{
    for (size_t a = 0; a < m; a++)
        for (size_t b = a; b < m; b++) {
            const double *u = z + a * n, *v = z + b * n;
            double mu = 0, mv = 0;
            for (size_t i = 0; i < n; i++) {
                mu += u[i];
                mv += v[i];
            }
            mu /= (double)n;
            mv /= (double)n;
            double suv = 0, suu = 0, svv = 0;
            for (size_t i = 0; i < n; i++) {
                suv += (u[i] - mu) * (v[i] - mv);
                suu += (u[i] - mu) * (u[i] - mu);
                svv += (v[i] - mv) * (v[i] - mv);
            }
            double r = a == b ? 1.0
                       : suu > 0 && svv > 0 ? suv / sqrt(suu * svv)
                                            : NAN;
            corr[a * m + b] = corr[b * m + a] = r;
        }
}

/* ------------------------------------------------------------------------
 * The stack
 * ------------------------------------------------------------------------ */

void kr_stack_free(kr_stack *s)
{
    if (!s)
        return;
    for (size_t j = 0; j < s->m; j++) {
        if (s->base)
            kr_model_free(s->base[j]);
        if (s->cols)
            free(s->cols[j]);
    }
    free(s->base);
    free(s->cols);
    free(s->ncols);
    free(s->all);
    free(s->beta);
    free(s);
}

/* stack_new allocates a stack of m empty bases. */
static kr_stack *stack_new(size_t m)
{
    kr_stack *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->m = m;
    s->base = calloc(m, sizeof *s->base);
    s->cols = calloc(m, sizeof *s->cols);
    s->ncols = calloc(m, sizeof *s->ncols);
    s->all = calloc(m, sizeof *s->all);
    s->beta = calloc(m + 1, sizeof *s->beta);
    if (!s->base || !s->cols || !s->ncols || !s->all || !s->beta) {
        kr_stack_free(s);
        return NULL;
    }
    return s;
}

/* set_cols copies base j's column list (NULL: every column). */
static int set_cols(kr_stack *s, size_t j, const size_t *cols, size_t ncols)
{
    const size_t nc = cols ? ncols : s->nfeatures;
    s->cols[j] = malloc(nc * sizeof **s->cols);
    if (!s->cols[j])
        return KR_ENOMEM;
    int all = nc == s->nfeatures;
    for (size_t c = 0; c < nc; c++) {
        s->cols[j][c] = cols ? cols[c] : c;
        all = all && s->cols[j][c] == c;
    }
    s->ncols[j] = nc;
    s->all[j] = all;
    return KR_OK;
}

size_t kr_stack_nbases(const kr_stack *s) { return s ? s->m : 0; }
size_t kr_stack_nfeatures(const kr_stack *s) { return s ? s->nfeatures : 0; }
int kr_stack_objective(const kr_stack *s)
{
    return s ? s->objective : KR_EINVAL;
}

int kr_stack_weights(const kr_stack *s, double *beta)
{
    if (!s || !beta)
        return KR_EINVAL;
    memcpy(beta, s->beta, (s->m + 1) * sizeof *beta);
    return KR_OK;
}

const kr_model *kr_stack_base_model(const kr_stack *s, size_t j)
{
    return s && j < s->m ? s->base[j] : NULL;
}

void kr_stack_report_init(kr_stack_report *r)
{
    memset(r, 0, sizeof *r);
}

void kr_stack_report_free(kr_stack_report *r)
{
    if (!r)
        return;
    free(r->oof);
    free(r->corr);
    free(r->base_loss);
    free(r->meta);
    free(r->ntest);
    free(r->ntrain);
    free(r->npurged);
    kr_stack_report_init(r);
}

/* ------------------------------------------------------------------------
 * Training
 * ------------------------------------------------------------------------ */

static int check_train_args(const kr_matrix *X, const int32_t *fold, size_t k,
                            const size_t *label_end,
                            const kr_stack_base *bases, size_t m,
                            double meta_lambda, kr_error *err)
{
#define BAD(code, f, ...) kr_error_set(err, code, NULL, 0, 0, f, __VA_ARGS__)
    if (!X || !X->x || !X->y)
        return BAD(KR_EINVAL, "X", "the matrix needs values and labels");
    if (X->nrows == 0 || X->ncols == 0)
        return BAD(KR_EEMPTY, "X", "the matrix is empty (%zu x %zu)",
                   X->nrows, X->ncols);
    if (!fold)
        return BAD(KR_EINVAL, "fold", "a fold per row is required");
    if (k < 2 || k > X->nrows)
        return BAD(KR_EINVAL, "k", "expected 2 to %zu folds, got %zu",
                   X->nrows, k);
    if (!bases || m == 0)
        return BAD(KR_EINVAL, "bases", "at least one base model is needed");
    if (!(meta_lambda >= 0) || !isfinite(meta_lambda))
        return BAD(KR_EINVAL, "meta_lambda",
                   "expected a finite value >= 0, got %g", meta_lambda);
    const int obj = bases[0].params.objective;
    for (size_t j = 0; j < m; j++) {
        const kr_stack_base *b = &bases[j];
        if (b->params.objective != obj)
            return BAD(KR_EINVAL, "objective",
                       "base %zu has objective %d, base 0 has %d: one "
                       "objective for the stack", j,
                       (int)b->params.objective, obj);
        if (b->params.early_stopping != 0)
            return BAD(KR_EINVAL, "early_stopping",
                       "base %zu asks for early stopping: the held-out "
                       "fold must stay out of training", j);
        if (b->cols && b->ncols == 0)
            return BAD(KR_EINVAL, "cols", "base %zu has no columns", j);
        for (size_t c = 0; b->cols && c < b->ncols; c++)
            if (b->cols[c] >= X->ncols)
                return BAD(KR_EINVAL, "cols",
                           "base %zu column %zu is %zu: the matrix has %zu",
                           j, c, b->cols[c], X->ncols);
    }
    if (obj != KR_OBJ_BINARY && obj != KR_OBJ_REGRESSION)
        return BAD(KR_EINVAL, "objective",
                   "expected KR_OBJ_BINARY or KR_OBJ_REGRESSION, got %d",
                   obj);
    for (size_t i = 0; i < X->nrows; i++) {
        if (fold[i] < 0 || (size_t)fold[i] >= k)
            return BAD(KR_EINVAL, "fold", "row %zu is in fold %d: expected "
                       "0 to %zu", i, (int)fold[i], k - 1);
        if (label_end && label_end[i] < i)
            return BAD(KR_EINVAL, "label_end",
                       "row %zu's label ends at row %zu, before it starts",
                       i, label_end[i]);
        const float y = X->y[i];
        if (!isfinite(y) || (obj == KR_OBJ_BINARY && !(y >= 0 && y <= 1)))
            return BAD(KR_EINVAL, "y", "label of row %zu is %g: expected %s",
                       i, (double)y,
                       obj == KR_OBJ_BINARY ? "a value in [0, 1]"
                                            : "a finite value");
        if (X->w && !(X->w[i] >= 0 && isfinite(X->w[i])))
            return BAD(KR_EINVAL, "w", "weight of row %zu is %g: expected a "
                       "finite value >= 0", i, (double)X->w[i]);
    }
    return KR_OK;
#undef BAD
}

/* An interval of rows [lo, hi]. */
typedef struct span {
    size_t lo, hi;
} span;

/* purge_mask marks in `keep` the train rows of fold f: the rows of other
 * folds whose label span overlaps no span of a fold-f row. Spans of the
 * test rows (visited in ascending order, so by ascending start) are merged
 * into disjoint intervals `iv`; a candidate [i, e_i] overlaps the union
 * exactly when the last interval starting at or before e_i ends at or
 * after i. Returns the purged count. */
static size_t purge_mask(size_t n, const int32_t *fold, int32_t f,
                         const size_t *label_end, span *iv,
                         unsigned char *keep)
{
    size_t niv = 0;
    for (size_t i = 0; i < n; i++) {
        if (fold[i] != f)
            continue;
        const size_t e = label_end ? label_end[i] : i;
        if (niv && i <= iv[niv - 1].hi + 1) {
            if (e > iv[niv - 1].hi)
                iv[niv - 1].hi = e;
        } else {
            iv[niv].lo = i;
            iv[niv].hi = e;
            niv++;
        }
    }
    size_t purged = 0;
    for (size_t i = 0; i < n; i++) {
        keep[i] = 0;
        if (fold[i] == f)
            continue;
        const size_t e = label_end ? label_end[i] : i;
        size_t lo = 0, hi = niv; /* first interval with lo > e */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (iv[mid].lo <= e)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && iv[lo - 1].hi >= i)
            purged++;
        else
            keep[i] = 1;
    }
    return purged;
}

/* gather copies the rows of X with sel[i] == want, restricted to the
 * columns cols, into xb (row-major), yb and wb (when X has weights), and
 * returns the row count. */
static size_t gather(const kr_matrix *X, const unsigned char *sel,
                     unsigned char want, const size_t *cols, size_t ncols,
                     float *xb, float *yb, float *wb)
{
    size_t r = 0;
    for (size_t i = 0; i < X->nrows; i++) {
        if (sel[i] != want)
            continue;
        const float *row = X->x + i * X->ncols;
        for (size_t c = 0; c < ncols; c++)
            xb[r * ncols + c] = row[cols[c]];
        yb[r] = X->y[i];
        if (wb)
            wb[r] = X->w[i];
        r++;
    }
    return r;
}

/* report_alloc sizes the report's arrays. */
static int report_alloc(kr_stack_report *r, size_t n, size_t m, size_t k)
{
    r->n = n;
    r->m = m;
    r->k = k;
    r->oof = malloc(n * m * sizeof *r->oof);
    r->corr = malloc(m * m * sizeof *r->corr);
    r->base_loss = malloc(m * sizeof *r->base_loss);
    r->meta = malloc((m + 1) * sizeof *r->meta);
    r->ntest = calloc(k, sizeof *r->ntest);
    r->ntrain = calloc(k, sizeof *r->ntrain);
    r->npurged = calloc(k, sizeof *r->npurged);
    if (!r->oof || !r->corr || !r->base_loss || !r->meta || !r->ntest ||
        !r->ntrain || !r->npurged)
        return KR_ENOMEM;
    return KR_OK;
}

int kr_stack_train(const kr_matrix *X, const int32_t *fold, size_t k,
                   const size_t *label_end, const kr_stack_base *bases,
                   size_t m, double meta_lambda, kr_stack **out,
                   kr_stack_report *rep, kr_error *err)
{
    if (!out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "out",
                            "kr_stack_train needs out");
    *out = NULL;
    if (rep)
        kr_stack_report_init(rep);
    int rc = check_train_args(X, fold, k, label_end, bases, m, meta_lambda,
                              err);
    if (rc)
        return rc;
    const size_t n = X->nrows;
    kr_stack_report r;
    kr_stack_report_init(&r);
    kr_stack *s = stack_new(m);
    float *xb = malloc(n * X->ncols * sizeof *xb);
    float *yb = malloc(n * sizeof *yb);
    float *wb = X->w ? malloc(n * sizeof *wb) : NULL;
    span *iv = malloc(n * sizeof *iv);
    unsigned char *keep = malloc(n);
    double *z = malloc(n * m * sizeof *z);
    double *e = calloc(n, sizeof *e);
    float *rowbuf = malloc(X->ncols * sizeof *rowbuf);
    if (!s || !xb || !yb || (X->w && !wb) || !iv || !keep || !z || !e ||
        !rowbuf ||
        report_alloc(&r, n, m, k)) {
        rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    s->objective = bases[0].params.objective;
    s->nfeatures = X->ncols;
    s->lambda = meta_lambda;
    r.objective = s->objective;
    for (size_t j = 0; j < m; j++)
        if (set_cols(s, j, bases[j].cols, bases[j].ncols)) {
            rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                              "out of memory");
            goto done;
        }
    for (size_t i = 0; i < n; i++)
        r.ntest[fold[i]]++;
    for (size_t f = 0; f < k; f++)
        if (r.ntest[f] == 0) {
            rc = kr_error_set(err, KR_EEMPTY, NULL, 0, 0, "fold",
                              "fold %zu has no rows", f);
            goto done;
        }

    /* Pass 1: out-of-fold margins. */
    for (size_t f = 0; f < k; f++) {
        r.npurged[f] = purge_mask(n, fold, (int32_t)f, label_end, iv, keep);
        r.ntrain[f] = n - r.ntest[f] - r.npurged[f];
        if (r.ntrain[f] == 0) {
            rc = kr_error_set(err, KR_EEMPTY, NULL, 0, 0, "label_end",
                              "fold %zu has no train rows left after "
                              "purging %zu", f, r.npurged[f]);
            goto done;
        }
        for (size_t j = 0; j < m; j++) {
            const size_t nc = s->ncols[j];
            kr_matrix tr = {.ncols = nc, .x = xb, .y = yb, .w = wb};
            tr.nrows = gather(X, keep, 1, s->cols[j], nc, xb, yb, wb);
            kr_model *mod = NULL;
            if ((rc = kr_xgb_train(&tr, NULL, &bases[j].params, &mod, err)))
                goto done;
            /* The held-out rows, one at a time through the flat
             * evaluator (a row with fold f is never in keep). */
            for (size_t i = 0; i < n; i++) {
                if ((size_t)fold[i] != f)
                    continue;
                const float *src = X->x + i * X->ncols;
                if (!s->all[j]) {
                    for (size_t c = 0; c < nc; c++)
                        rowbuf[c] = src[s->cols[j][c]];
                    src = rowbuf;
                }
                const float margin = kr__flat_margin(&mod->flat, src);
                r.oof[j * n + i] = margin;
                z[j * n + i] = margin;
            }
            kr_model_free(mod);
        }
    }

    /* Pass 2: the meta-learner, the losses and the correlations. */
    if ((rc = kr_stack_meta_fit(s->objective, n, m, z, X->y, X->w,
                                meta_lambda, s->beta, &r.meta_iterations,
                                err)))
        goto done;
    memcpy(r.meta, s->beta, (m + 1) * sizeof *r.meta);
    for (size_t j = 0; j < m; j++)
        r.base_loss[j] = loss_of(s->objective, n, z + j * n, X->y, X->w);
    for (size_t i = 0; i < n; i++)
        e[i] = linpred(z, n, m, s->beta, i);
    r.ensemble_loss = loss_of(s->objective, n, e, X->y, X->w);
    pearson(z, n, m, r.corr);

    /* Pass 3: the bases refit on every row. */
    memset(keep, 1, n);
    for (size_t j = 0; j < m; j++) {
        kr_matrix tr = {.ncols = s->ncols[j], .x = xb, .y = yb, .w = wb};
        tr.nrows = gather(X, keep, 1, s->cols[j], s->ncols[j], xb, yb, wb);
        if ((rc = kr_xgb_train(&tr, NULL, &bases[j].params, &s->base[j],
                               err)))
            goto done;
    }
done:
    free(xb);
    free(yb);
    free(wb);
    free(iv);
    free(keep);
    free(z);
    free(e);
    free(rowbuf);
    if (rc) {
        kr_stack_free(s);
        kr_stack_report_free(&r);
        return rc;
    }
    *out = s;
    if (rep)
        *rep = r;
    else
        kr_stack_report_free(&r);
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Prediction
 * ------------------------------------------------------------------------ */

int kr_stack_predict(const kr_stack *s, const kr_matrix *X, float *out)
{
    if (!s || !X || !out || (!X->x && X->nrows) ||
        X->ncols != s->nfeatures)
        return KR_EINVAL;
    size_t maxc = 0;
    for (size_t j = 0; j < s->m; j++)
        if (!s->all[j] && s->ncols[j] > maxc)
            maxc = s->ncols[j];
    float *scratch = maxc ? malloc(maxc * sizeof *scratch) : NULL;
    if (maxc && !scratch)
        return KR_ENOMEM;
    for (size_t i = 0; i < X->nrows; i++) {
        const float *src = X->x + i * X->ncols;
        double eta = s->beta[0];
        for (size_t j = 0; j < s->m; j++) {
            const float *row = src;
            if (!s->all[j]) {
                for (size_t c = 0; c < s->ncols[j]; c++)
                    scratch[c] = src[s->cols[j][c]];
                row = scratch;
            }
            eta += s->beta[j + 1] *
                   (double)kr__flat_margin(&s->base[j]->flat, row);
        }
        out[i] = (float)(s->objective == KR_OBJ_BINARY ? sigmoid(eta) : eta);
    }
    free(scratch);
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

static int path_join(char *buf, size_t size, const char *dir,
                     const char *name, kr_error *err)
{
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
        return kr_error_set(err, KR_EINVAL, dir, 0, 0, NULL,
                            "the path is too long");
    return KR_OK;
}

int kr_stack_save(const kr_stack *s, const char *dir, kr_error *err)
{
    if (!s || !dir)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "kr_stack_save needs a stack and a directory");
    if (mkdir(dir, 0777) && errno != EEXIST)
        return kr_error_set(err, KR_EIO, dir, 0, 0, NULL,
                            "cannot create the directory: %s",
                            strerror(errno));
    char path[4096], name[64];
    int rc = KR_OK;
    json_t *bases = json_array();
    json_t *o = NULL;
    char *text = NULL;
    if (!bases)
        goto nomem;
    for (size_t j = 0; j < s->m; j++) {
        snprintf(name, sizeof name, "base_%zu.json", j);
        if ((rc = path_join(path, sizeof path, dir, name, err)) ||
            (rc = kr_model_save(s->base[j], path, err)))
            goto done;
        json_t *cols = json_array();
        if (!cols)
            goto nomem;
        for (size_t c = 0; c < s->ncols[j]; c++)
            if (json_array_append_new(cols,
                                      json_integer((json_int_t)s->cols[j][c]))) {
                json_decref(cols);
                goto nomem;
            }
        if (json_array_append_new(bases,
                                  json_pack("{s:s, s:f, s:o}", "file", name,
                                            "weight", s->beta[j + 1], "cols",
                                            cols)))
            goto nomem;
    }
    o = json_pack("{s:s, s:i, s:s, s:I, s:f, s:f, s:O}", "format",
                  STACK_FORMAT, "version", STACK_VERSION, "objective",
                  s->objective == KR_OBJ_BINARY ? "binary" : "regression",
                  "nfeatures", (json_int_t)s->nfeatures, "lambda", s->lambda,
                  "intercept", s->beta[0], "bases", bases);
    if (!o)
        goto nomem;
    text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    if (!text)
        goto nomem;
    if ((rc = path_join(path, sizeof path, dir, "meta.json", err)))
        goto done;
    rc = kr_write_atomic(path, text, strlen(text), err);
    goto done;
nomem:
    rc = kr_error_set(err, KR_ENOMEM, dir, 0, 0, NULL, "out of memory");
done:
    free(text);
    json_decref(o);
    json_decref(bases);
    return rc;
}

/* real_of reads a JSON number (integer or real) into *v. */
static int real_of(const json_t *j, double *v)
{
    if (json_is_real(j))
        *v = json_real_value(j);
    else if (json_is_integer(j))
        *v = (double)json_integer_value(j);
    else
        return KR_EFORMAT;
    return isfinite(*v) ? KR_OK : KR_EFORMAT;
}

int kr_stack_load(const char *dir, kr_stack **out, kr_error *err)
{
    if (!dir || !out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "kr_stack_load needs a directory and out");
    *out = NULL;
    char path[4096];
    int rc = path_join(path, sizeof path, dir, "meta.json", err);
    if (rc)
        return rc;
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        struct stat st;
        if (stat(path, &st) && errno == ENOENT)
            return kr_error_set(err, KR_ENOENT, path, 0, 0, NULL,
                                "no meta.json: not a saved stack");
        return kr_error_set(err, KR_EPARSE, path, je.line, je.column, NULL,
                            "%s", je.text);
    }
    kr_stack *s = NULL;
#define BAD(f, ...)                                                          \
    do {                                                                     \
        rc = kr_error_set(err, KR_EFORMAT, path, 0, 0, f, __VA_ARGS__);      \
        goto fail;                                                           \
    } while (0)
    const char *fmt = json_string_value(json_object_get(o, "format"));
    if (!json_is_object(o) || !fmt || strcmp(fmt, STACK_FORMAT))
        BAD("format", "expected \"%s\"", STACK_FORMAT);
    json_t *v = json_object_get(o, "version");
    if (!json_is_integer(v) || json_integer_value(v) != STACK_VERSION)
        BAD("version", "expected %d", STACK_VERSION);
    const char *obj = json_string_value(json_object_get(o, "objective"));
    int objective;
    if (obj && !strcmp(obj, "binary"))
        objective = KR_OBJ_BINARY;
    else if (obj && !strcmp(obj, "regression"))
        objective = KR_OBJ_REGRESSION;
    else
        BAD("objective", "expected \"binary\" or \"regression\"");
    v = json_object_get(o, "nfeatures");
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        BAD("nfeatures", "expected a positive integer");
    const size_t nfeat = (size_t)json_integer_value(v);
    json_t *bases = json_object_get(o, "bases");
    if (!json_is_array(bases) || json_array_size(bases) == 0)
        BAD("bases", "expected a non-empty array");
    const size_t m = json_array_size(bases);
    if (!(s = stack_new(m))) {
        rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL, "out of memory");
        goto fail;
    }
    s->objective = objective;
    s->nfeatures = nfeat;
    if (real_of(json_object_get(o, "lambda"), &s->lambda) || s->lambda < 0)
        BAD("lambda", "expected a finite number >= 0");
    if (real_of(json_object_get(o, "intercept"), &s->beta[0]))
        BAD("intercept", "expected a finite number");
    for (size_t j = 0; j < m; j++) {
        json_t *b = json_array_get(bases, j);
        const char *file = json_string_value(json_object_get(b, "file"));
        char want[64];
        snprintf(want, sizeof want, "base_%zu.json", j);
        if (!file || strcmp(file, want))
            BAD("file", "base %zu: expected \"%s\"", j, want);
        if (real_of(json_object_get(b, "weight"), &s->beta[j + 1]))
            BAD("weight", "base %zu: expected a finite number", j);
        json_t *cols = json_object_get(b, "cols");
        if (!json_is_array(cols) || json_array_size(cols) == 0)
            BAD("cols", "base %zu: expected a non-empty array", j);
        const size_t nc = json_array_size(cols);
        size_t *cl = malloc(nc * sizeof *cl);
        if (!cl) {
            rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                              "out of memory");
            goto fail;
        }
        for (size_t c = 0; c < nc; c++) {
            json_t *cv = json_array_get(cols, c);
            if (!json_is_integer(cv) || json_integer_value(cv) < 0 ||
                (size_t)json_integer_value(cv) >= nfeat) {
                free(cl);
                BAD("cols", "base %zu column %zu: expected an integer in "
                    "0..%zu", j, c, nfeat - 1);
            }
            cl[c] = (size_t)json_integer_value(cv);
        }
        rc = set_cols(s, j, cl, nc);
        free(cl);
        if (rc) {
            rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                              "out of memory");
            goto fail;
        }
    }
#undef BAD
    for (size_t j = 0; j < m; j++) {
        char name[64];
        snprintf(name, sizeof name, "base_%zu.json", j);
        if ((rc = path_join(path, sizeof path, dir, name, err)) ||
            (rc = kr_model_load(path, &s->base[j], err)))
            goto fail;
        if (kr_model_objective(s->base[j]) != objective ||
            kr_model_nfeatures(s->base[j]) != s->ncols[j]) {
            rc = kr_error_set(err, KR_EFORMAT, path, 0, 0, NULL,
                              "the model has %zu features and objective %d; "
                              "meta.json says %zu columns and objective %d",
                              kr_model_nfeatures(s->base[j]),
                              kr_model_objective(s->base[j]), s->ncols[j],
                              objective);
            goto fail;
        }
    }
    json_decref(o);
    *out = s;
    return KR_OK;
fail:
    json_decref(o);
    kr_stack_free(s);
    return rc;
}

/* kfold.c -- purged k-fold cross-validation (AFML 7.4).
 *
 * The n samples are cut into k contiguous folds, the first n mod k of them
 * one row longer, and each fold is tested once against a train set of every
 * other sample, purged of labels that overlap the fold's and embargoed for
 * the rows right after it. The folds are kept in cv->group_first so that a
 * caller can map a row to its fold without recomputing the cut.
 */
#include "internal.h"

#include <stdlib.h>

int kr_cv_kfold(kr_cv *cv, const kr_cv_labels *labels, size_t k,
                double embargo, kr_error *err)
{
    kr__cv_builder b;
    int rc = kr__cv_begin(&b, cv, labels, embargo, KR_CV_KFOLD, err);
    if (rc != KR_OK)
        return rc;
    size_t n = labels->n;
    if (k < 2 || k > n)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "k",
                                              "expected 2 <= k <= %zu (the "
                                              "samples), got %zu",
                                              n, k));
    cv->ngroups = k;
    cv->group_first = malloc((k + 1) * sizeof *cv->group_first);
    if (!cv->group_first)
        return kr__cv_finish(&b, kr_error_set(err, KR_ENOMEM, NULL, 0, 0,
                                              NULL, "out of memory"));
    kr__cv_bounds(n, k, cv->group_first);
    for (size_t f = 0; f < k && rc == KR_OK; f++) {
        size_t range[2] = {cv->group_first[f], cv->group_first[f + 1]};
        rc = kr__cv_add_split(&b, range, 1, 0, n, &f, 1);
    }
    if (rc != KR_OK)
        kr_error_set(err, rc, NULL, 0, 0, NULL, "out of memory");
    return kr__cv_finish(&b, rc);
}

/* cpcv.c -- combinatorial purged cross-validation and its backtest paths
 * (AFML 12.4).
 *
 * N contiguous groups; every combination of k of them is one split's test
 * set, in lexicographic order, and the rest trains after purging and the
 * embargo (adjacent test groups are one block, so the embargo follows the
 * block and not each group). A group is tested in phi = C(N-1, k-1) of the
 * C(N, k) splits; path j takes each group's j-th test split. Walking the
 * splits in order and giving each group its next path fills the N x phi
 * table in one pass, and every path then holds each group exactly once:
 * stitching the out-of-sample predictions of its splits gives phi
 * full-length backtests, the distribution of which CPCV is for.
 */
#include "internal.h"

#include <stdlib.h>

int kr_cv_cpcv(kr_cv *cv, const kr_cv_labels *labels, size_t ngroups,
               size_t k, double embargo, kr_error *err)
{
    kr__cv_builder b;
    int rc = kr__cv_begin(&b, cv, labels, embargo, KR_CV_CPCV, err);
    if (rc != KR_OK)
        return rc;
    size_t n = labels->n;
    if (ngroups < 2 || ngroups > n)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "groups",
                                              "expected 2 <= groups <= %zu "
                                              "(the samples), got %zu",
                                              n, ngroups));
    if (k < 1 || k >= ngroups)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "test",
                                              "expected 1 <= test groups < "
                                              "%zu, got %zu",
                                              ngroups, k));
    size_t nsplits = kr_cv_binomial(ngroups, k);
    if (nsplits > KR_CV_MAX_SPLITS)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "groups",
                                              "C(%zu, %zu) splits exceed "
                                              "%d",
                                              ngroups, k, KR_CV_MAX_SPLITS));
    size_t npaths = kr_cv_cpcv_paths(ngroups, k);
    size_t *comb = malloc(k * sizeof *comb);
    size_t *ranges = malloc(2 * k * sizeof *ranges);
    size_t *seen = calloc(ngroups, sizeof *seen);
    cv->group_first = malloc((ngroups + 1) * sizeof *cv->group_first);
    cv->paths = malloc(npaths * ngroups * sizeof *cv->paths);
    if (!comb || !ranges || !seen || !cv->group_first || !cv->paths) {
        rc = KR_ENOMEM;
        goto out;
    }
    cv->ngroups = ngroups;
    cv->npaths = npaths;
    kr__cv_bounds(n, ngroups, cv->group_first);
    kr__comb_first(comb, k);
    size_t s = 0;
    do {
        for (size_t i = 0; i < k; i++) {
            size_t g = comb[i];
            ranges[2 * i] = cv->group_first[g];
            ranges[2 * i + 1] = cv->group_first[g + 1];
            cv->paths[seen[g]++ * ngroups + g] = s;
        }
        rc = kr__cv_add_split(&b, ranges, k, 0, n, comb, k);
        s++;
    } while (rc == KR_OK && kr__comb_next(comb, k, ngroups));
out:
    if (rc != KR_OK)
        kr_error_set(err, rc, NULL, 0, 0, NULL, "out of memory");
    free(comb);
    free(ranges);
    free(seen);
    return kr__cv_finish(&b, rc);
}

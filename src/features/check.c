/* check.c -- the look-ahead checker: a feature must not change when the
 * future is cut off.
 *
 * A feature value at row r is causal when it is a function of bars 0..r
 * alone. Then computing the set over any prefix 0..t-1 with t > r gives the
 * value at r again, to the bit: the same operations on the same inputs.
 * kr_features_check does exactly that for a spread of prefix lengths and
 * reports every (column, row, cut) whose value differs. It catches a
 * feature that reads a later bar (its value at the prefix's last rows
 * changes), a whole-sample statistic (every row changes), a centred window,
 * and an implementation whose arithmetic depends on the series length
 * (blocks counted from the end, a vector tail) -- which would also mean the
 * live stream and the research batch disagree.
 *
 * Bit-for-bit is the right test, not a tolerance: a causal batch repeats
 * its operations exactly, and a leak through a long window can move a
 * value by far less than any tolerance one would pick. NaN equals NaN
 * whatever its payload. The cuts: about ncuts lengths spread evenly over
 * 1 .. n-1, plus the set's look-back and the bar after it, where a
 * feature's first value appears; each is a view of the series (the same
 * columns with a smaller n), computed into one reused matrix.
 */
#include <stdlib.h>
#include <string.h>

#include "kairos/features.h"

void kr_leak_report_free(kr_leak_report *r)
{
    if (!r)
        return;
    free(r->cuts);
    free(r->count);
    free(r->first);
    memset(r, 0, sizeof *r);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Same bits, or both NaN. */
static inline bool same(double a, double b)
{
    if (a != a && b != b)
        return true;
    return memcmp(&a, &b, sizeof a) == 0;
}

int kr_features_check(const kr_featureset *fs, const kr_bars *b,
                      size_t ncuts, kr_leak_report *out)
{
    memset(out, 0, sizeof *out);
    if (ncuts == 0)
        return KR_EINVAL;
    const size_t n = b->n;
    if (n < 2)
        return KR_EEMPTY;
    if (ncuts > n - 1)
        ncuts = n - 1;
    const size_t ncols = fs->ncols;
    out->ncols = ncols;
    out->rows = n;
    out->cuts = malloc((ncuts + 2) * sizeof *out->cuts);
    out->count = calloc(ncols ? ncols : 1, sizeof *out->count);
    out->first = calloc(ncols ? ncols : 1, sizeof *out->first);
    if (!out->cuts || !out->count || !out->first) {
        kr_leak_report_free(out);
        return KR_ENOMEM;
    }
    size_t nc = 0;
    for (size_t k = 1; k <= ncuts; k++) {
        /* Evenly over 1 .. n-1. */
        size_t t = 1 + (size_t)((double)(k - 1) * (double)(n - 2) /
                                (double)(ncuts > 1 ? ncuts - 1 : 1));
        out->cuts[nc++] = t < n ? t : n - 1;
    }
    size_t lb = fs->lookback;
    if (lb >= 1 && lb < n)
        out->cuts[nc++] = lb;
    if (lb + 1 < n)
        out->cuts[nc++] = lb + 1;
    qsort(out->cuts, nc, sizeof *out->cuts, cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < nc; i++)
        if (u == 0 || out->cuts[i] != out->cuts[u - 1])
            out->cuts[u++] = out->cuts[i];
    out->ncuts = u;

    kr_feature_matrix full, part;
    kr_feature_matrix_init(&full);
    kr_feature_matrix_init(&part);
    int rc = kr_featureset_compute(fs, b, &full);
    if (rc)
        goto err;
    /* Longest cut first, so that the matrix is sized once. */
    for (size_t ci = out->ncuts; ci-- > 0;) {
        const size_t t = out->cuts[ci];
        kr_bars view = *b;
        view.n = t;
        rc = kr_featureset_compute(fs, &view, &part);
        if (rc)
            goto err;
        for (size_t c = 0; c < ncols; c++) {
            const double *x = kr_feature_matrix_col(&full, c);
            const double *y = kr_feature_matrix_col(&part, c);
            for (size_t r = 0; r < t; r++) {
                if (same(x[r], y[r]))
                    continue;
                /* Rows ascend within a cut: its first hit is its lowest. */
                if (out->count[c] == 0 || t < out->first[c].cut)
                    out->first[c] = (kr_leak){c, r, t, x[r], y[r]};
                out->count[c]++;
                out->total++;
            }
        }
        out->compared += t * ncols;
    }
    kr_feature_matrix_free(&full);
    kr_feature_matrix_free(&part);
    return KR_OK;
err:
    kr_feature_matrix_free(&full);
    kr_feature_matrix_free(&part);
    kr_leak_report_free(out);
    return rc;
}

/* uniqueness.c -- sample weights by average uniqueness (Lopez de Prado,
 * Advances in Financial Machine Learning, 2018, section 4.4).
 *
 * Labels that span the same bars share the information of those bars; a
 * model that counts each as a separate sample overweights crowded periods.
 * The concurrency c_t is the number of labels whose span [start, end]
 * (both ends included) holds bar t, and a label's average uniqueness is the
 * mean of 1/c_t over its span: 1 for a label alone, 1/k for k labels on
 * the same bars. AFML writes the span half open, (t0, t1]; kairos labels
 * start at the row whose close they are measured from and end at the bar
 * that resolved them, and both bars carry the label's information, so the
 * span is closed.
 *
 * Both passes are linear: the concurrency is the running sum of a
 * difference array (+1 at start, -1 after end), and the mean of 1/c over a
 * span is a difference of prefix sums, O(nbars + nlabels) whatever the
 * spans' lengths. The prefix sums are accumulated in order, so on a long
 * series a span's mean carries the rounding of a sum over everything
 * before it: about n * 1e-16 relative to the prefix, negligible for a
 * weight (a label alone, whose exact weight is 1, is held to 1).
 */
#include <math.h>
#include <stdlib.h>

#include "kairos/features.h"

int kr_uniqueness(size_t nbars, size_t nlabels, const int64_t *start,
                  const int64_t *end, double *weight, double *conc)
{
    for (size_t i = 0; i < nlabels; i++) {
        if (end[i] < 0)
            continue;
        if (start[i] < 0 || end[i] < start[i] || (uint64_t)end[i] >= nbars)
            return KR_EINVAL;
    }
    /* One array: the difference counts, then the prefix sums of 1/c. */
    double *acc = calloc(nbars + 1, sizeof *acc);
    if (!acc)
        return KR_ENOMEM;
    for (size_t i = 0; i < nlabels; i++) {
        if (end[i] < 0)
            continue;
        acc[start[i]] += 1;
        acc[end[i] + 1] -= 1;
    }
    /* acc[t] becomes sum over u < t of 1/c_u (c_u == 0 adds nothing). */
    double c = 0, sum = 0;
    for (size_t t = 0; t < nbars; t++) {
        c += acc[t];
        if (conc)
            conc[t] = c;
        acc[t] = sum;
        if (c > 0)
            sum += 1.0 / c;
    }
    acc[nbars] = sum;
    for (size_t i = 0; i < nlabels; i++) {
        if (end[i] < 0) {
            weight[i] = NAN;
            continue;
        }
        const double len = (double)(end[i] - start[i] + 1);
        const double u = (acc[end[i] + 1] - acc[start[i]]) / len;
        weight[i] = u < 1 ? u : 1; /* a rounding above 1 is a lone label */
    }
    free(acc);
    return KR_OK;
}

int kr_labels_weights(kr_labels *l)
{
    int64_t *start = malloc((l->n ? l->n : 1) * sizeof *start);
    if (!start)
        return KR_ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        start[i] = (int64_t)i;
    int rc = kr_uniqueness(l->n, l->n, start, l->end, l->weight, NULL);
    free(start);
    return rc;
}

/* pbo.c -- the probability of backtest overfitting by combinatorially
 * symmetric cross-validation (Bailey, Borwein, Lopez de Prado and Zhu,
 * "The Probability of Backtest Overfitting", J. Comp. Finance 2017; the
 * CSCV steps of their section 2.2).
 *
 * The M x T matrix of per-period returns is cut into S blocks of periods.
 * For every choice of S/2 blocks as the in-sample set, the configuration
 * with the best in-sample Sharpe is the one a researcher would have
 * picked; its rank out of sample, as a logit, says whether the pick holds
 * up (lambda > 0: above the median) or was luck. PBO is the share of
 * choices where it did not.
 *
 * Each Sharpe of a union of blocks comes from per-block counts, means and
 * sums of squared deviations merged pairwise (Chan, Golub and LeVeque), so
 * a combination costs O(M S) whatever T is and no return is read twice;
 * the merge is as exact as a two-pass variance of the concatenated
 * returns. C(S, S/2) grows fast (S = 16: 12870; S = 24: 2.7 million), so S
 * is capped at KR_PBO_MAX_PARTS.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void kr_pbo_init(kr_pbo *p)
{
    memset(p, 0, sizeof *p);
    p->pbo = NAN;
    p->prob_loss = NAN;
}

void kr_pbo_free(kr_pbo *p)
{
    if (!p)
        return;
    free(p->lambda);
    free(p->best);
    free(p->is_sharpe);
    free(p->oos_sharpe);
    kr_pbo_init(p);
}

/* Count, mean and sum of squared deviations of one set of periods. */
typedef struct moments {
    double n, mean, m2;
} moments;

static void merge(moments *a, const moments *b)
{
    double n = a->n + b->n;
    double d = b->mean - a->mean;
    a->mean += d * b->n / n;
    a->m2 += b->m2 + d * d * a->n * b->n / n;
    a->n = n;
}

static double sharpe_of(const moments *m)
{
    if (m->n < 2 || !(m->m2 > 0))
        return NAN;
    return m->mean / sqrt(m->m2 / (m->n - 1));
}

/* The Sharpe of configuration `cfg` over the blocks whose flag in `in` is
 * `want`. */
static double sharpe_over(const moments *blk, size_t nparts, size_t cfg,
                          const unsigned char *in, unsigned char want)
{
    moments acc = {0, 0, 0};
    for (size_t q = 0; q < nparts; q++) {
        if (in[q] != want)
            continue;
        if (acc.n == 0)
            acc = blk[cfg * nparts + q];
        else
            merge(&acc, &blk[cfg * nparts + q]);
    }
    return sharpe_of(&acc);
}

/* An undefined Sharpe (NaN) ranks below every defined one. */
static int below(double a, double b)
{
    if (isnan(a))
        return !isnan(b);
    return !isnan(b) && a < b;
}

int kr_pbo_compute(kr_pbo *p, const double *returns, size_t nconfigs,
                   size_t nperiods, size_t nparts, kr_error *err)
{
    if (p)
        kr_pbo_free(p);
    if (!p || !returns)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "returns",
                            "no result or no returns");
    if (nconfigs < 2)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "configs",
                            "expected at least 2 configurations, got %zu",
                            nconfigs);
    if (nparts < 2 || nparts > KR_PBO_MAX_PARTS || nparts % 2)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "partitions",
                            "expected an even number of partitions in "
                            "2..%d, got %zu",
                            KR_PBO_MAX_PARTS, nparts);
    if (nperiods < 2 * nparts)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "periods",
                            "%zu periods cannot fill %zu partitions of at "
                            "least 2",
                            nperiods, nparts);
    if (nconfigs > SIZE_MAX / nperiods)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "configs",
                            "matrix too large");
    for (size_t m = 0; m < nconfigs; m++)
        for (size_t t = 0; t < nperiods; t++)
            if (!isfinite(returns[m * nperiods + t]))
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "returns",
                                    "configuration %zu, period %zu: return "
                                    "is not finite",
                                    m, t);

    size_t half = nparts / 2;
    size_t ncombos = kr_cv_binomial(nparts, half);
    int rc = KR_OK;
    size_t first[KR_PBO_MAX_PARTS + 1], comb[KR_PBO_MAX_PARTS / 2];
    unsigned char in[KR_PBO_MAX_PARTS];
    moments *blk = malloc(nconfigs * nparts * sizeof *blk);
    double *oos = malloc(nconfigs * sizeof *oos);
    p->lambda = malloc(ncombos * sizeof *p->lambda);
    p->best = malloc(ncombos * sizeof *p->best);
    p->is_sharpe = malloc(ncombos * sizeof *p->is_sharpe);
    p->oos_sharpe = malloc(ncombos * sizeof *p->oos_sharpe);
    if (!blk || !oos || !p->lambda || !p->best || !p->is_sharpe ||
        !p->oos_sharpe) {
        rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto out;
    }

    /* Per configuration and block: count, mean, squared deviations. */
    kr__cv_bounds(nperiods, nparts, first);
    for (size_t m = 0; m < nconfigs; m++) {
        const double *r = returns + m * nperiods;
        for (size_t q = 0; q < nparts; q++) {
            size_t a = first[q], z = first[q + 1];
            double s = 0, ss = 0;
            for (size_t t = a; t < z; t++)
                s += r[t];
            double mean = s / (double)(z - a);
            for (size_t t = a; t < z; t++)
                ss += (r[t] - mean) * (r[t] - mean);
            blk[m * nparts + q] = (moments){(double)(z - a), mean, ss};
        }
    }

    size_t overfit = 0, losses = 0, c = 0;
    double mp1 = (double)(nconfigs + 1);
    kr__comb_first(comb, half);
    do {
        memset(in, 0, sizeof in);
        for (size_t i = 0; i < half; i++)
            in[comb[i]] = 1;
        /* The in-sample pick, ties to the lowest index. */
        size_t best = 0;
        double best_sr = NAN;
        for (size_t m = 0; m < nconfigs; m++) {
            double sr = sharpe_over(blk, nparts, m, in, 1);
            if (m == 0 || below(best_sr, sr)) {
                best = m;
                best_sr = sr;
            }
        }
        /* Its out-of-sample rank, ties averaged. */
        for (size_t m = 0; m < nconfigs; m++)
            oos[m] = sharpe_over(blk, nparts, m, in, 0);
        double rank = 1;
        for (size_t m = 0; m < nconfigs; m++) {
            if (m == best)
                continue;
            if (below(oos[m], oos[best]))
                rank += 1;
            else if (!below(oos[best], oos[m]))
                rank += 0.5;
        }
        double w = rank / mp1;
        double lambda = log(w / (1 - w));
        p->lambda[c] = lambda;
        p->best[c] = best;
        p->is_sharpe[c] = best_sr;
        p->oos_sharpe[c] = oos[best];
        overfit += lambda <= 0;
        losses += oos[best] < 0;
        c++;
    } while (kr__comb_next(comb, half, nparts));

    p->ncombos = ncombos;
    p->nconfigs = nconfigs;
    p->pbo = (double)overfit / (double)ncombos;
    p->prob_loss = (double)losses / (double)ncombos;
out:
    free(blk);
    free(oos);
    if (rc != KR_OK)
        kr_pbo_free(p);
    return rc;
}

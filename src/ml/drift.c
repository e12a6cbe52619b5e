/* drift.c -- drift statistics: PSI, two-sample Kolmogorov-Smirnov, and
 * Jensen-Shannon divergence between a reference and a recent sample.
 *
 * Three measures, each answering "has this feature's distribution moved
 * since the model was trained?" in its own way. The PSI compares the
 * occupancy of the reference's quantile bins; it is the credit-risk
 * industry's rule of thumb (0.1 watch, 0.25 act). The two-sample KS test
 * gives a p-value, and it is computed exactly as scipy 1.10's
 * scipy.stats.ks_2samp(method='auto') computes it, so that a threshold
 * chosen in a notebook means the same thing here:
 *
 *   - the statistic D is the largest gap between the two empirical CDFs,
 *     each evaluated after all values tied at a point (right-continuous);
 *   - when both samples hold at most 10000 values, the p-value is exact:
 *     with D = h / lcm(n1, n2), for n1 == n2 the closed alternating sum over
 *     reflected lattice paths (Hodges 1958, eq. 2.3) evaluated Horner-style;
 *     otherwise the lattice-path recursion of Hodges' "inside" method,
 *     carried in the numerically stable "1 - p" form of Viehmann (2021,
 *     arXiv:2102.08037), one column of the lattice at a time;
 *   - for larger samples, or when the exact sum leaves [0, 1], the p-value is
 *     the survival function of the one-sample two-sided Kolmogorov
 *     distribution D_N at N = round(n1 n2 / (n1 + n2)) (scipy's kstwo.sf),
 *     which is itself evaluated by the method Simard and L'Ecuyer (2011)
 *     select for each region of (N, d): the Ruben-Gambino closed forms at
 *     the ends, twice the exact one-sided Smirnov tail (Birnbaum-Tingey sum)
 *     where the two tails cannot overlap or the overlap is negligible, the
 *     Durbin matrix in the Marsaglia-Tsang-Wang form for small N d^2, the
 *     Pomeranz recursion for moderate N d^2 and small N, and the Pelz-Good
 *     asymptotic series otherwise.
 *
 * The JSD compares equal-width histograms of the two samples over their
 * joint range; it is bounded (0 to ln 2) and symmetric, which makes it the
 * easiest of the three to threshold across features.
 *
 * NaN values are skipped by all three (a missing feature is not a drift).
 * PSI and JSD refuse infinite values (KR_ERANGE: a bin edge or a width would
 * be infinite); KS orders them like any other value. Each function allocates
 * scratch (sorted copies, counts) and frees it before it returns: these are
 * monitoring calls, not hot-path ones.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/ml.h"

#define PSI_FLOOR 1e-6
#define KR_PI 3.14159265358979323846
#define KS_MAX_EXACT_N 10000 /* scipy 1.10's MAX_AUTO_N */

/* ------------------------------------------------------------------------
 * Shared helpers
 * ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Counts the non-NaN values of v; *inf is set when one is infinite. */
static size_t count_values(size_t n, const double *v, bool *inf)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (isinf(v[i]))
            *inf = true;
        k++;
    }
    return k;
}

/* Copies the non-NaN values of v into dst (room for all of them) and sorts
 * them. Returns how many were copied. */
static size_t sorted_copy(size_t n, const double *v, double *dst)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            dst[k++] = v[i];
    qsort(dst, k, sizeof *dst, cmp_double);
    return k;
}

/* ------------------------------------------------------------------------
 * PSI
 * ------------------------------------------------------------------------ */

/* The number of edges strictly below x: the bin of x when bins are the
 * right-closed intervals (e[k-1], e[k]], the first and last open. */
static size_t bin_of(const double *edges, size_t nedges, double x)
{
    size_t lo = 0, hi = nedges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (edges[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Quantile bins of the reference. The edge k (1 <= k < nbins) is the
 * reference's quantile at k/nbins by linear interpolation between order
 * statistics (Hyndman-Fan type 7, numpy's default): position (n-1) k /
 * nbins, whose integer and fractional parts are taken exactly in integers,
 * so that an edge that falls on an order statistic is that value exactly.
 * Bins are right-closed, (e[k-1], e[k]]. Ties in the reference make edges
 * coincide; the bins between equal edges are then empty in both samples
 * and add nothing (both proportions are floored to the same 1e-6), so a
 * heavily tied feature simply has fewer effective bins, and a value equal
 * to a repeated edge always lands in the lowest bin that edge closes. */
int kr_psi(size_t nref, const double *ref, size_t ncur, const double *cur,
           size_t nbins, double *out)
{
    if (!out || (nref && !ref) || (ncur && !cur) || nbins < 2 ||
        nbins > SIZE_MAX / 4)
        return KR_EINVAL;
    bool inf = false;
    size_t nr = count_values(nref, ref, &inf);
    size_t nc = count_values(ncur, cur, &inf);
    if (!nr || !nc)
        return KR_EEMPTY;
    if (inf)
        return KR_ERANGE;
    if (nr - 1 > SIZE_MAX / nbins)
        return KR_ERANGE;

    double *sorted = malloc(nr * sizeof *sorted);
    double *edges = malloc((nbins - 1) * sizeof *edges);
    size_t *count = calloc(2 * nbins, sizeof *count);
    int rc = KR_ENOMEM;
    if (!sorted || !edges || !count)
        goto err;
    sorted_copy(nref, ref, sorted);
    for (size_t k = 1; k < nbins; k++) {
        size_t pos = (nr - 1) * k;
        size_t lo = pos / nbins, rem = pos % nbins;
        double a = sorted[lo];
        edges[k - 1] = rem ? a + (sorted[lo + 1] - a) * ((double)rem / nbins)
                           : a;
    }
    for (size_t i = 0; i < nr; i++)
        count[bin_of(edges, nbins - 1, sorted[i])]++;
    for (size_t i = 0; i < ncur; i++)
        if (!isnan(cur[i]))
            count[nbins + bin_of(edges, nbins - 1, cur[i])]++;
    double psi = 0;
    for (size_t b = 0; b < nbins; b++) {
        double r = (double)count[b] / (double)nr;
        double c = (double)count[nbins + b] / (double)nc;
        if (r < PSI_FLOOR)
            r = PSI_FLOOR;
        if (c < PSI_FLOOR)
            c = PSI_FLOOR;
        psi += (c - r) * log(c / r);
    }
    *out = psi;
    rc = KR_OK;
err:
    free(sorted);
    free(edges);
    free(count);
    return rc;
}

/* ------------------------------------------------------------------------
 * JSD
 * ------------------------------------------------------------------------ */

/* Equal-width bins as numpy.histogram(x, bins, range=(lo, hi)) makes them,
 * so that the oracle's histogram is the same one bit for bit: edges
 * lo + i * ((hi - lo) / nbins) (the last one hi itself), a first guess
 * (x - lo) * (nbins / (hi - lo)) truncated, then moved one bin down or up
 * when rounding put x on the wrong side of an edge; the last bin is closed.
 * When every value is equal the range is widened to [lo - 0.5, lo + 0.5]. */
typedef struct jsd_bins {
    double lo, hi, step, norm;
    size_t n;
} jsd_bins;

static double jsd_edge(const jsd_bins *b, size_t i)
{
    return i == b->n ? b->hi : (double)i * b->step + b->lo;
}

static size_t jsd_bin(const jsd_bins *b, double x)
{
    double f = (x - b->lo) * b->norm;
    size_t i = f <= 0 ? 0 : (size_t)f;
    if (i >= b->n)
        i = b->n - 1;
    if (x < jsd_edge(b, i) && i > 0)
        i--;
    else if (i + 1 < b->n && x >= jsd_edge(b, i + 1))
        i++;
    return i;
}

static double rel_entr(double p, double m)
{
    return p > 0 ? p * log(p / m) : 0;
}

int kr_jsd(size_t nref, const double *ref, size_t ncur, const double *cur,
           size_t nbins, double *out)
{
    if (!out || (nref && !ref) || (ncur && !cur) || nbins < 2 ||
        nbins > SIZE_MAX / 4)
        return KR_EINVAL;
    bool inf = false;
    size_t nr = count_values(nref, ref, &inf);
    size_t nc = count_values(ncur, cur, &inf);
    if (!nr || !nc)
        return KR_EEMPTY;
    if (inf)
        return KR_ERANGE;
    jsd_bins b = {INFINITY, -INFINITY, 0, 0, nbins};
    for (size_t i = 0; i < nref; i++)
        if (!isnan(ref[i])) {
            b.lo = fmin(b.lo, ref[i]);
            b.hi = fmax(b.hi, ref[i]);
        }
    for (size_t i = 0; i < ncur; i++)
        if (!isnan(cur[i])) {
            b.lo = fmin(b.lo, cur[i]);
            b.hi = fmax(b.hi, cur[i]);
        }
    if (b.lo == b.hi) {
        b.lo -= 0.5;
        b.hi += 0.5;
    }
    if (!isfinite(b.hi - b.lo))
        return KR_ERANGE;
    b.step = (b.hi - b.lo) / (double)nbins;
    b.norm = (double)nbins / (b.hi - b.lo);

    size_t *count = calloc(2 * nbins, sizeof *count);
    if (!count)
        return KR_ENOMEM;
    for (size_t i = 0; i < nref; i++)
        if (!isnan(ref[i]))
            count[jsd_bin(&b, ref[i])]++;
    for (size_t i = 0; i < ncur; i++)
        if (!isnan(cur[i]))
            count[nbins + jsd_bin(&b, cur[i])]++;
    /* JSD = (KL(p || m) + KL(q || m)) / 2 with m = (p + q) / 2, 0 ln 0 = 0:
     * scipy's jensenshannon(p, q)**2, which is the square of this sum's
     * square root. */
    double js = 0;
    for (size_t k = 0; k < nbins; k++) {
        double p = (double)count[k] / (double)nr;
        double q = (double)count[nbins + k] / (double)nc;
        double m = (p + q) / 2;
        js += rel_entr(p, m) + rel_entr(q, m);
    }
    free(count);
    js /= 2;
    *out = js < 0 ? 0 : js;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * KS: exact two-sample distribution
 * ------------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b) /* b > 0 */
{
    return -floor_div(-a, b);
}

/* P(D_{n,n} >= h/n) for two samples of n: twice the alternating sum
 * sum_k (-1)^(k+1) C(2n, n - k h) / C(2n, n), each ratio of binomials a
 * product of h factors, nested Horner-style from the smallest term so that
 * the alternation cancels without loss: P = 2 A1 (1 - A2 (1 - A3 (...))). */
static double ks_prob_square(int64_t n, int64_t h)
{
    double p = 0;
    for (int64_t k = n / h; k >= 0; k--) {
        double a = 1;
        for (int64_t j = 0; j < h; j++)
            a = (double)(n - k * h - j) * a / (double)(n + k * h + j + 1);
        p = a * (1 - p);
    }
    return 2 * p;
}

/* P(D_{m,n} >= h / lcm(m, n)) for m != n: the share of the C(m + n, n)
 * monotone lattice paths from (0, 0) to (m, n) that touch or cross the
 * band |x/m - y/n| < h / lcm. Column x of the lattice holds, for each y in
 * the band, the share of paths to (x, y) that have already left it; points
 * outside the band hold 1. The share at (x, y) is (x * share(x-1, y) +
 * y * share(x, y-1)) / (x + y), since x/(x+y) of the paths into (x, y)
 * come from the left. Only the band's window of one column is kept (a
 * is n + 2 doubles of scratch). */
static double ks_prob_paths(int64_t m, int64_t n, int64_t g, int64_t h,
                            double *a)
{
    if (m < n) {
        int64_t t = m;
        m = n;
        n = t;
    }
    int64_t mg = m / g, ng = n / g;
    int64_t minj = 0, maxj = ceil_div(h, mg);
    if (maxj > n + 1)
        maxj = n + 1;
    for (int64_t j = 0; j < n + 2; j++)
        a[j] = j < maxj ? 0.0 : 1.0;
    int64_t len = maxj - minj;
    for (int64_t i = 1; i <= m; i++) {
        int64_t lastmin = minj, lastlen = len;
        minj = floor_div(ng * i - h, mg) + 1;
        if (minj < 0)
            minj = 0;
        if (minj > n)
            minj = n;
        maxj = ceil_div(ng * i + h, mg);
        if (maxj > n + 1)
            maxj = n + 1;
        if (maxj <= minj)
            return 1.0; /* the band closed: every path left it */
        double below = minj == 0 ? 0.0 : 1.0;
        for (int64_t j = minj; j < maxj; j++) {
            int64_t src = j - lastmin;
            double left = src < lastlen ? a[src] : 1.0;
            below = (left * (double)i + below * (double)j) / (double)(i + j);
            a[j - minj] = below;
        }
        len = maxj - minj;
        for (int64_t j = len; j < lastlen; j++)
            a[j] = 1.0;
    }
    return a[len - 1];
}

/* ------------------------------------------------------------------------
 * KS: the one-sample two-sided Kolmogorov distribution D_N (kstwo)
 * ------------------------------------------------------------------------ */

#define E128 0x1p128
#define EM128 0x1p-128

static double clip01(double p)
{
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* log(n! / n^n) by Stirling's series with n ln n taken out first. */
static double log_nfact_over_npown(double n)
{
    static const double c[] = {
        -2.955065359477124183e-2, 6.4102564102564102564e-3,
        -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4,
        -2.7777777777777777778e-3, 8.3333333333333333333e-2};
    double r = 1.0 / n, u = r / n, s = 0;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        s = s * u + c[i];
    return log(n) / 2 - n + log(2 * KR_PI) / 2 + r * s;
}

/* The exact one-sided tail P(D+_n >= x), 0 < x < 1, by the Birnbaum-
 * Tingey sum x sum_{v <= n(1-x)} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v),
 * each term in logs; the terms are positive, so the sum loses nothing. */
static double smirnov_sf(int64_t n, double x)
{
    int64_t top = (int64_t)floor((double)n * (1.0 - x));
    double logc = 0, sum = 0;
    for (int64_t v = 0; v <= top && v <= n; v++) {
        double e = x + (double)v / (double)n;
        if (v > 0)
            logc += log((double)(n - v + 1) / (double)v);
        if (n - v == 0) {
            sum += exp(logc + (double)(v - 1) * log(e));
        } else if (e < 1) {
            sum += exp(logc + (double)(v - 1) * log(e) +
                       (double)(n - v) * log1p(-e));
        }
    }
    return clip01(x * sum);
}

static void matmul(size_t m, const double *a, const double *b, double *out)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0;
            for (size_t k = 0; k < m; k++)
                s += a[i * m + k] * b[k * m + j];
            out[i * m + j] = s;
        }
}

/* P(D_n <= d) by Durbin's matrix: with d = (k - h)/n, the (k, k) entry of
 * H^n times n!/n^n, H the (2k-1)-square matrix of Durbin (1968), powered by
 * squaring with a separate power-of-two exponent (Marsaglia, Tsang and
 * Wang 2003). Returns NaN when out of memory. */
static double kolmogorov_cdf_durbin(int64_t n, double d)
{
    if (d >= 1.0)
        return 1.0;
    double nd = (double)n * d;
    if (nd <= 0.5)
        return 0.0;
    size_t k = (size_t)ceil(nd);
    double h = (double)k - nd;
    size_t m = 2 * k - 1;
    double *buf = malloc(4 * m * m * sizeof *buf + 2 * m * sizeof *buf);
    if (!buf)
        return NAN;
    double *H = buf, *P = buf + m * m, *T = buf + 2 * m * m;
    double *v = buf + 4 * m * m, *w = v + m;
    double fac = 1.0;
    for (size_t j = 1; j <= m; j++) {
        w[j - 1] = fac;
        fac /= (double)j;
        v[j - 1] = (1.0 - pow(h, (double)j)) * fac;
    }
    double tt = pow(fmax(2 * h - 1.0, 0.0), (double)m) - 2 * pow(h, (double)m);
    v[m - 1] = (1.0 + tt) * fac;
    memset(H, 0, m * m * sizeof *H);
    for (size_t c = 1; c < m; c++)
        for (size_t r = c - 1; r < m; r++)
            H[r * m + c] = w[r - c + 1];
    for (size_t r = 0; r < m; r++)
        H[r * m] = v[r];
    for (size_t c = 0; c < m; c++)
        H[(m - 1) * m + c] = v[m - 1 - c];
    for (size_t i = 0; i < m * m; i++)
        P[i] = (i / m == i % m) ? 1.0 : 0.0;
    int expnt = 0, hexpnt = 0;
    for (int64_t e = n; e > 0; e /= 2) {
        if (e % 2) {
            matmul(m, P, H, T);
            memcpy(P, T, m * m * sizeof *P);
            expnt += hexpnt;
        }
        matmul(m, H, H, T);
        memcpy(H, T, m * m * sizeof *H);
        hexpnt *= 2;
        if (fabs(H[(k - 1) * m + (k - 1)]) > E128) {
            for (size_t i = 0; i < m * m; i++)
                H[i] /= E128;
            hexpnt += 128;
        }
    }
    double p = P[(k - 1) * m + (k - 1)];
    free(buf);
    for (int64_t i = 1; i <= n; i++) {
        p = (double)i * p / (double)n;
        if (fabs(p) < EM128) {
            p *= E128;
            expnt -= 128;
        }
    }
    if (expnt)
        p = ldexp(p, expnt);
    return clip01(p);
}

/* The ends of row i's non-zero window in Pomeranz's recursion. */
static void pomeranz_window(int64_t i, int64_t n, int64_t ll, int64_t ceilf,
                            int64_t roundf, int64_t *j1, int64_t *j2)
{
    int64_t a, b;
    if (i == 0) {
        a = -ll - ceilf - 1;
        b = ll + ceilf - 1;
    } else {
        int64_t half = (i + 1) / 2;
        if ((i + 1) % 2 == 0) { /* i odd */
            if (half == n + 1) {
                a = n - ll - ceilf - 1;
                b = n + ll + ceilf - 1;
            } else {
                a = half - 1 - ll - roundf - 1;
                b = half + ll - 1 + ceilf - 1;
            }
        } else {
            a = half - 1 - ll - 1;
            b = half + ll + roundf - 1;
        }
    }
    *j1 = a + 2 > 0 ? a + 2 : 0;
    *j2 = b < n ? b : n;
}

/* P(D_n <= x) by Pomeranz's recursion (1974): 2n + 1 rows, each the
 * convolution of the one before with (almost) Poisson weights of the gaps
 * g, 2g and 1 - 2g (over n) between the points where the band's edges
 * cross the grid; the answer is n! times the last row's entry n. Only the
 * window of each row that can be non-zero is kept, rescaled by 2^128 when
 * it underflows. Returns NaN when out of memory. */
static double kolmogorov_cdf_pomeranz(int64_t n, double x)
{
    double t = (double)n * x;
    int64_t ll = (int64_t)floor(t);
    double f = t - (double)ll;
    double g = fmin(f, 1.0 - f);
    int64_t ceilf = f > 0, roundf = f > 0.5;
    size_t npw = (size_t)(2 * (ll + 1));
    double *buf = calloc(5 * npw, sizeof *buf);
    if (!buf)
        return NAN;
    double *gp = buf, *g2p = buf + npw, *g12p = buf + 2 * npw;
    double *v0 = buf + 3 * npw, *v1 = buf + 4 * npw;
    gp[0] = g2p[0] = g12p[0] = 1.0;
    double a1 = g / (double)n, a2 = 2 * g / (double)n,
           a3 = (1 - 2 * g) / (double)n;
    for (size_t k = 1; k < npw; k++) {
        gp[k] = gp[k - 1] * a1 / (double)k;
        g2p[k] = g2p[k - 1] * a2 / (double)k;
        g12p[k] = g12p[k - 1] * a3 / (double)k;
    }
    v1[0] = 1;
    int64_t s0 = 0, s1 = 0, j1, j2;
    int expnt = 0;
    pomeranz_window(0, n, ll, ceilf, roundf, &j1, &j2);
    for (int64_t i = 1; i < 2 * n + 2; i++) {
        int64_t k1 = j1;
        double *tmp = v0;
        v0 = v1;
        v1 = tmp;
        int64_t ts = s0;
        s0 = s1;
        s1 = ts;
        memset(v1, 0, npw * sizeof *v1);
        pomeranz_window(i, n, ll, ceilf, roundf, &j1, &j2);
        const double *pw = (i == 1 || i == 2 * n + 1) ? gp
                           : (i % 2)                  ? g2p
                                                      : g12p;
        int64_t len = j2 - k1 + 1;
        if (len <= 0)
            continue;
        /* v1[r] = sum_a v0[k1 - s0 + a] pw[(j1 - k1) + r - a], the slice
         * of the full convolution that row i keeps. */
        int64_t start = j1 - k1, outlen = j2 - j1 + 1, base = k1 - s0;
        double top = 0;
        for (int64_t r = 0; r < outlen && r < (int64_t)npw; r++) {
            double s = 0;
            for (int64_t a = 0; a < len; a++) {
                int64_t pi = start + r - a, vi = base + a;
                if (pi < 0 || pi >= len || vi < 0 || vi >= (int64_t)npw)
                    continue;
                s += v0[vi] * pw[pi];
            }
            v1[r] = s;
            if (s > top)
                top = s;
        }
        if (top > 0 && top < EM128) {
            for (size_t r = 0; r < npw; r++)
                v1[r] *= E128;
            expnt -= 128;
        }
        s1 = s0 + j1 - k1;
    }
    int64_t at = n - s1;
    double ans = (at >= 0 && at < (int64_t)npw) ? v1[at] : 0.0;
    free(buf);
    for (int64_t k = 1; k <= n; k++) {
        if (fabs(ans) > E128) {
            ans *= EM128;
            expnt += 128;
        }
        ans *= (double)k;
    }
    if (expnt)
        ans = ldexp(ans, expnt);
    return clip01(ans);
}

/* P(D_n <= x) by the Pelz-Good (1976) series: the Li-Chien/Korolyuk
 * expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5 in z = x sqrt(n), each K
 * rewritten through Jacobi's theta transformation into sums that converge
 * fast for small z. */
static double kolmogorov_cdf_pelzgood(int64_t n, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    const double pi2 = KR_PI * KR_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
    const double sqrt2pi = sqrt(2 * KR_PI);
    double z = sqrt((double)n) * x;
    double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
    double qlog = -pi2 / 8 / z2;
    if (qlog < -708)
        return 0.0;
    double q = exp(qlog);
    double k1a = -z2, k1b = pi2 / 4;
    double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4,
           k2c = pi4 * (1 - 2 * z2) / 16;
    double k3d = pi6 * (5 - 30 * z2) / 64,
           k3c = pi4 * (-60 * z2 + 212 * z4) / 16,
           k3b = pi2 * (135 * z4 - 96 * z6) / 4,
           k3a = -30 * z6 - 90 * z4 * z4;
    double K[4] = {0, 0, 0, 0};
    int64_t maxk = (int64_t)ceil(16 * z / KR_PI);
    /* Odd terms sum_k c(m) q^(m^2), m = 2k - 1, by Horner in q^(8k). */
    for (int64_t k = maxk; k > 0; k--) {
        double m = (double)(2 * k - 1);
        double m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
        double qp = pow(q, (double)(8 * k));
        double c[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                       k3a + k3b * m2 + k3c * m4 + k3d * m6};
        for (int i = 0; i < 4; i++)
            K[i] = K[i] * qp + c[i];
    }
    double den[4] = {z, 6 * z4, 72 * z4 * z3, 6480 * z6 * z4};
    for (int i = 0; i < 4; i++)
        K[i] = K[i] * q * sqrt2pi / den[i];
    /* The sums over all k of K2 and K3. */
    double q2 = exp(-pi2 / 2 / z2), s2 = 0, s3 = 0, sq3z = sqrt(3.0) * z;
    for (int64_t k = maxk; k > 0; k--) {
        double kk = (double)k, k2 = kk * kk, kp = KR_PI * kk;
        double qp = pow(q2, k2);
        s2 += k2 * qp;
        s3 += (sq3z + kp) * (sq3z - kp) * k2 * qp;
    }
    K[2] += s2 * pi2 * sqrt2pi / (-36 * z3);
    K[3] += s3 * pi2 * sqrt2pi / (216 * z6);
    double sum = 0;
    for (int i = 0; i < 4; i++)
        sum += K[i] / pow((double)n, i / 2.0);
    return sum;
}

/* P(D_n > x), scipy.stats.kstwo.sf(x, n), choosing the method by region
 * as Simard and L'Ecuyer (2011) do. NaN when out of memory. */
static double kolmogorov_sf(int64_t n, double x)
{
    if (x >= 1.0)
        return 0.0;
    if (x <= 0.0)
        return 1.0;
    double t = (double)n * x;
    if (t <= 1.0) { /* Ruben-Gambino: P(D_n <= x) = n!/n^n (2t - 1)^n */
        if (t <= 0.5)
            return 1.0;
        double p;
        if (n <= 140) {
            p = 1.0;
            for (int64_t i = 1; i <= n; i++)
                p *= (double)i * (1.0 / (double)n) * (2 * t - 1);
        } else {
            p = exp(log_nfact_over_npown((double)n) +
                    (double)n * log(2 * t - 1));
        }
        return clip01(1.0 - p);
    }
    if (t >= (double)(n - 1)) /* Ruben-Gambino: 2 (1 - x)^n */
        return clip01(2 * pow(1.0 - x, (double)n));
    if (x >= 0.5) /* the two one-sided tails cannot both be exceeded */
        return clip01(2 * smirnov_sf(n, x));
    double nx2 = t * x;
    double cdf;
    if (n <= 140) {
        if (nx2 <= 0.754693)
            cdf = kolmogorov_cdf_durbin(n, x);
        else if (nx2 <= 4)
            cdf = kolmogorov_cdf_pomeranz(n, x);
        else
            return clip01(2 * smirnov_sf(n, x));
        return clip01(1.0 - cdf);
    }
    if (nx2 >= 370.0)
        return 0.0;
    if (nx2 >= 2.2)
        return clip01(2 * smirnov_sf(n, x));
    if (n <= 100000 && (double)n * pow(x, 1.5) <= 1.4)
        cdf = kolmogorov_cdf_durbin(n, x);
    else
        cdf = kolmogorov_cdf_pelzgood(n, x);
    return clip01(1.0 - cdf);
}

/* ------------------------------------------------------------------------
 * KS: the test
 * ------------------------------------------------------------------------ */

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int kr_ks2(size_t nref, const double *ref, size_t ncur, const double *cur,
           double *stat, double *pvalue)
{
    if (!stat || !pvalue || (nref && !ref) || (ncur && !cur))
        return KR_EINVAL;
    bool inf = false;
    size_t n1 = count_values(nref, ref, &inf);
    size_t n2 = count_values(ncur, cur, &inf);
    if (!n1 || !n2)
        return KR_EEMPTY;
    if (n1 > INT32_MAX || n2 > INT32_MAX)
        return KR_ERANGE; /* keeps n1 n2 and the lattice in int64 */
    size_t nmax = n1 > n2 ? n1 : n2;
    double *x = malloc((n1 + n2 + nmax + 2) * sizeof *x);
    if (!x)
        return KR_ENOMEM;
    double *y = x + n1, *scratch = y + n2;
    sorted_copy(nref, ref, x);
    sorted_copy(ncur, cur, y);

    /* The CDF gap after every distinct value, ties taken whole; the
     * differences are formed as scipy forms them, i/n1 - j/n2. */
    double dmax = 0, dmin = 0;
    size_t i = 0, j = 0;
    while (i < n1 || j < n2) {
        double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
        while (i < n1 && x[i] <= v)
            i++;
        while (j < n2 && y[j] <= v)
            j++;
        double diff = (double)i / (double)n1 - (double)j / (double)n2;
        if (diff > dmax)
            dmax = diff;
        if (diff < dmin)
            dmin = diff;
    }
    double d = fmax(dmax, fmin(-dmin, 1.0));

    int64_t a = (int64_t)n1, b = (int64_t)n2;
    double p = NAN;
    bool exact = nmax <= KS_MAX_EXACT_N;
    if (exact) {
        int64_t g = gcd64(a, b);
        int64_t lcm = (a / g) * b;
        int64_t h = (int64_t)nearbyint(d * (double)lcm);
        d = (double)h / (double)lcm;
        if (h == 0)
            p = 1.0;
        else if (a == b)
            p = ks_prob_square(a, h);
        else
            p = ks_prob_paths(a, b, g, h, scratch);
        if (!(p >= 0 && p <= 1))
            exact = false;
    }
    if (!exact) {
        double big = (double)(a > b ? a : b), small = (double)(a > b ? b : a);
        double en = big * small / (big + small);
        p = kolmogorov_sf((int64_t)nearbyint(en), d);
    }
    free(x);
    if (isnan(p))
        return KR_ENOMEM;
    *stat = d;
    *pvalue = clip01(p);
    return KR_OK;
}

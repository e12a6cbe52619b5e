/* test_drift.c -- PSI, two-sample KS and JSD: hand-worked answers, scipy
 * parity, and the edges of the contract.
 *
 * The hand examples are worked out in the comments beside them. The parity
 * test writes several hundred seeded sample pairs (sizes 5 to 20000,
 * continuous and tied, equal and unequal sizes, null and shifted) to a
 * temporary file and runs tests/ml/drift_oracle.py on them with Debian's
 * /usr/bin/python3: scipy.stats.ks_2samp(method='auto') for the KS
 * statistic and p-value (|dp| <= 1e-6 required, in practice ~1e-13),
 * scipy.spatial.distance.jensenshannon(p, q)**2 over numpy.histogram for the
 * JSD, and numpy quantiles for the PSI. The oracle also names the method
 * scipy used for each p-value, and the test requires every one of them (the
 * two exact lattice counts and each region of the asymptotic kstwo.sf) to
 * have been exercised. A missing python3-scipy fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "kairos/ml.h"

#define LN2 0.69314718055994530942
#define LN3 1.09861228866810969140

/* Fails with both values when |got - want| > tol (or either is NaN). */
#define assert_double_equal(got, want, tol) near_at(got, want, tol, __LINE__)

static void near_at(double got, double want, double tol, int line)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("line %d: got %.17g, want %.17g (tolerance %g)", line, got,
                 want, tol);
}

/* ------------------------------------------------------------------------
 * KS by hand
 * ------------------------------------------------------------------------ */

static void ks_expect(const double *a, size_t na, const double *b, size_t nb,
                      double d, double p)
{
    double s = -1, pv = -1;
    assert_int_equal(kr_ks2(na, a, nb, b, &s, &pv), KR_OK);
    assert_double_equal(s, d, 1e-15);
    assert_double_equal(pv, p, 1e-14);
}

static void test_ks_hand(void **state)
{
    (void)state;
    /* [1,2,3] vs [4,5,6]: the CDFs part completely, D = 1. Of the
     * C(6,3) = 20 equally likely orderings of the pooled ranks only "all of
     * a first" and "all of b first" give D = 1: p = 2/20 = 0.1. */
    const double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    ks_expect(a, 3, b, 3, 1.0, 0.1);
    ks_expect(b, 3, a, 3, 1.0, 0.1);
    /* [1,2] vs [3,4,5]: D = 1, p = 2 / C(5,2) = 0.2 (unequal sizes: the
     * lattice-path count). */
    const double c[] = {1, 2}, e[] = {3, 4, 5};
    ks_expect(c, 2, e, 3, 1.0, 0.2);
    /* [1,3] vs [2,4]: F_a - F_b after 1, 2, 3, 4 is 1/2, 0, 1/2, 0, so
     * D = 1/2. Orderings of 4 ranks into two pairs: 6; D = 1 for aabb and
     * bbaa, D = 1/2 for the other four, so P(D >= 1/2) = 1. */
    const double f[] = {1, 3}, g[] = {2, 4};
    ks_expect(f, 2, g, 2, 0.5, 1.0);
    /* Identical samples: D = 0, p = 1. Ties across the samples are taken
     * whole: [1,1,2] vs [1,2,2] differ by 2/3 - 1/3 = 1/3 after 1 only. */
    ks_expect(a, 3, a, 3, 0.0, 1.0);
    const double t1[] = {1, 1, 2}, t2[] = {1, 2, 2};
    double s, pv;
    assert_int_equal(kr_ks2(3, t1, 3, t2, &s, &pv), KR_OK);
    assert_double_equal(s, 1.0 / 3.0, 1e-15);
    /* D = 1/3 with n = 3 is h = 1 step: every ordering has D >= 1/3. */
    assert_double_equal(pv, 1.0, 1e-15);
}

/* ------------------------------------------------------------------------
 * PSI by hand
 * ------------------------------------------------------------------------ */

static void test_psi_hand(void **state)
{
    (void)state;
    double v = -1;
    /* ref = 1..8, 4 bins. Edge k sits at position 7k/4 of the sorted
     * reference: 1.75 -> 2 + 0.75 (3 - 2) = 2.75, 3.5 -> 4.5, 5.25 -> 6.25.
     * Bins (-inf,2.75] (2.75,4.5] (4.5,6.25] (6.25,inf) hold two
     * reference values each: r = 1/4 each.
     * cur = {1,3,4,5,7,8,8,8}: counts 1, 2, 1, 4 of 8.
     * PSI = (1/8-1/4) ln(1/2) + 0 + (1/8-1/4) ln(1/2) + (1/2-1/4) ln 2
     *     = (1/8 + 1/8 + 1/4) ln 2 = ln(2)/2 = 0.34657359. */
    const double ref[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const double cur[] = {1, 3, 4, 5, 7, 8, 8, 8};
    assert_int_equal(kr_psi(8, ref, 8, cur, 4, &v), KR_OK);
    assert_double_equal(v, LN2 / 2, 1e-15);
    /* Values on an edge go to the bin below: 2.75 is not in the data, but
     * 4.5 and 6.25 would be; cur = {4.5, 6.25, 1, 8} -> bins 1, 2, 0, 3:
     * one each of four, r = c, PSI = 0 exactly. */
    const double on[] = {4.5, 6.25, 1, 8};
    assert_int_equal(kr_psi(8, ref, 4, on, 4, &v), KR_OK);
    assert_true(v == 0.0);
    /* The floor: cur = {1, 1} fills bin 0 only, c = (1, 1e-6, 1e-6, 1e-6):
     * PSI = (1 - 1/4) ln 4 + 3 (1e-6 - 1/4) ln(4e-6)
     *     = 1.0397208 + 3 (-0.249999)(-12.4292162) = 10.3615956. */
    const double ones[] = {1, 1};
    assert_int_equal(kr_psi(8, ref, 2, ones, 4, &v), KR_OK);
    assert_double_equal(v, 0.75 * log(4.0) + 3 * (1e-6 - 0.25) * log(4e-6),
                        1e-12);
    assert_double_equal(v, 10.3615956, 1e-7);
    /* Ties: ref = {0 x6, 1, 2}. Positions 7k/4: 1.75 -> 0, 3.5 -> 0,
     * 5.25 -> 0 + 0.25 (1 - 0) = 0.25. Edges (0, 0, 0.25): bin 0 is
     * (-inf, 0] with the six zeros, bins 1 and 2 ((0,0] and (0,0.25]) are
     * empty, bin 3 holds 1 and 2. r = (3/4, 0, 0, 1/4).
     * cur = {0,0,1,1,1,1,2,2}: c = (1/4, 0, 0, 3/4); the empty bins have
     * r = c = 1e-6 after the floor and add 0.
     * PSI = (1/4-3/4) ln(1/3) + (3/4-1/4) ln 3 = ln 3 = 1.0986123. */
    const double tref[] = {0, 0, 0, 0, 0, 0, 1, 2};
    const double tcur[] = {0, 0, 1, 1, 1, 1, 2, 2};
    assert_int_equal(kr_psi(8, tref, 8, tcur, 4, &v), KR_OK);
    assert_double_equal(v, LN3, 1e-15);
    assert_int_equal(kr_psi(8, tref, 8, tref, 4, &v), KR_OK);
    assert_true(v == 0.0);
}

/* ------------------------------------------------------------------------
 * JSD by hand
 * ------------------------------------------------------------------------ */

static void test_jsd_hand(void **state)
{
    (void)state;
    double v = -1;
    /* ref {0, 1}, cur {1, 2}, 3 bins over [0, 2] (width 2/3): 0 -> bin 0,
     * 1 -> bin 1 (1 * 3/2 = 1.5), 2 -> bin 2 (the last bin is closed).
     * p = (1/2, 1/2, 0), q = (0, 1/2, 1/2), m = (1/4, 1/2, 1/4).
     * KL(p||m) = 1/2 ln 2 + 1/2 ln 1 = ln(2)/2, KL(q||m) the same;
     * JSD = (ln(2)/2 + ln(2)/2) / 2 = ln(2)/2 = 0.34657359. */
    const double a[] = {0, 1}, b[] = {1, 2};
    assert_int_equal(kr_jsd(2, a, 2, b, 3, &v), KR_OK);
    assert_double_equal(v, LN2 / 2, 1e-15);
    /* Disjoint supports: m = p/2 where p > 0 and q/2 where q > 0, so
     * KL(p||m) = KL(q||m) = ln 2 and JSD = ln 2, the maximum. */
    const double lo[] = {0, 0.1, 0.2}, hi[] = {5, 5.5, 6, 7};
    assert_int_equal(kr_jsd(3, lo, 4, hi, 10, &v), KR_OK);
    assert_double_equal(v, LN2, 1e-15);
    /* Identical samples, and all values equal: 0. */
    assert_int_equal(kr_jsd(4, hi, 4, hi, 10, &v), KR_OK);
    assert_true(v == 0.0);
    const double same[] = {3, 3, 3};
    assert_int_equal(kr_jsd(3, same, 2, same, 10, &v), KR_OK);
    assert_true(v == 0.0);
}

/* ------------------------------------------------------------------------
 * The contract's edges
 * ------------------------------------------------------------------------ */

static void test_errors_and_nan(void **state)
{
    (void)state;
    double v, s, p;
    const double a[] = {1, 2, 3, 4, 5, 6}, b[] = {2, 4, 6, 8, 9};
    const double an[] = {NAN, 1, 2, NAN, 3, 4, 5, 6, NAN};
    const double nan2[] = {NAN, NAN};
    const double withinf[] = {1, INFINITY, 2};

    assert_int_equal(kr_psi(0, a, 5, b, 4, &v), KR_EEMPTY);
    assert_int_equal(kr_psi(2, nan2, 5, b, 4, &v), KR_EEMPTY);
    assert_int_equal(kr_psi(6, a, 5, b, 1, &v), KR_EINVAL);
    assert_int_equal(kr_psi(6, a, 5, b, 4, NULL), KR_EINVAL);
    assert_int_equal(kr_psi(6, NULL, 5, b, 4, &v), KR_EINVAL);
    assert_int_equal(kr_psi(3, withinf, 5, b, 4, &v), KR_ERANGE);
    assert_int_equal(kr_jsd(6, a, 0, b, 4, &v), KR_EEMPTY);
    assert_int_equal(kr_jsd(6, a, 5, b, 1, &v), KR_EINVAL);
    assert_int_equal(kr_jsd(6, a, 3, withinf, 4, &v), KR_ERANGE);
    const double huge[] = {-1e308, 1e308};
    assert_int_equal(kr_jsd(2, huge, 2, huge, 4, &v), KR_ERANGE);
    assert_int_equal(kr_ks2(6, a, 2, nan2, &s, &p), KR_EEMPTY);
    assert_int_equal(kr_ks2(6, a, 5, b, NULL, &p), KR_EINVAL);
    /* KS orders infinities like any value: {1, inf, 2} vs {3, 4, 5}:
     * after 2 the gap is 2/3 - 0, after 5 it is 2/3 - 1 = -1/3: D = 2/3. */
    const double c345[] = {3, 4, 5};
    assert_int_equal(kr_ks2(3, withinf, 3, c345, &s, &p), KR_OK);
    assert_double_equal(s, 2.0 / 3.0, 1e-15);

    /* NaNs are skipped: the same answers as without them. */
    double v1, v2, s1, s2, p1, p2;
    assert_int_equal(kr_psi(6, a, 5, b, 3, &v1), KR_OK);
    assert_int_equal(kr_psi(9, an, 5, b, 3, &v2), KR_OK);
    assert_true(v1 == v2 && v1 > 0);
    assert_int_equal(kr_jsd(6, a, 5, b, 3, &v1), KR_OK);
    assert_int_equal(kr_jsd(9, an, 5, b, 3, &v2), KR_OK);
    assert_true(v1 == v2 && v1 > 0);
    assert_int_equal(kr_ks2(6, a, 5, b, &s1, &p1), KR_OK);
    assert_int_equal(kr_ks2(9, an, 5, b, &s2, &p2), KR_OK);
    assert_true(s1 == s2 && p1 == p2);
}

/* ------------------------------------------------------------------------
 * Seeded samples
 * ------------------------------------------------------------------------ */

static double *normal_sample(gsl_rng *r, size_t n, double mu)
{
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = mu + gsl_ran_gaussian(r, 1.0);
    return x;
}

/* The identical arrays give PSI 0 exactly. A one-sigma shift of N(0, 1)
 * with 10 decile bins lands near the population value 0.92614 (the oracle
 * prints it: the N(1,1) mass c in the deciles of N(0,1), sum (c - 0.1)
 * ln(10 c)). With 10000 + 10000 draws the sample PSI has a standard
 * deviation of 0.028 around it (numpy, 300 replications: mean 0.928, range
 * 0.869 to 1.023), so the band is +-0.1 (3.5 sd); this seed draws a low
 * one, 0.87108, which the parity test also checks against numpy exactly. */
#define POP_PSI_1SD 0.92614242426167940

static void test_psi_identical_and_shift(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 42);
    double *ref = normal_sample(r, 10000, 0.0);
    double *cur = normal_sample(r, 10000, 1.0);
    double *same = normal_sample(r, 10000, 0.0);
    double v = -1;
    assert_int_equal(kr_psi(10000, ref, 10000, ref, 10, &v), KR_OK);
    assert_true(fabs(v) < 1e-9);
    assert_int_equal(kr_psi(10000, ref, 10000, cur, 10, &v), KR_OK);
    assert_true(v > 0.25);
    assert_double_equal(v, POP_PSI_1SD, 0.1);
    assert_double_equal(v, 0.87107695, 1e-8);
    /* Two draws of the same distribution: far below the 0.1 watch level. */
    assert_int_equal(kr_psi(10000, ref, 10000, same, 10, &v), KR_OK);
    assert_true(v > 0 && v < 0.01);
    free(ref);
    free(cur);
    free(same);
    gsl_rng_free(r);
}

/* ------------------------------------------------------------------------
 * scipy parity
 * ------------------------------------------------------------------------ */

enum { CASE_KS = 0, CASE_PSI = 1, CASE_JSD = 2 };

typedef struct result {
    int kind;
    size_t n1, n2, nbins;
    double a, b; /* ours: stat and p for KS, the value otherwise */
} result;

typedef struct cases {
    FILE *f;
    result *r;
    size_t n, cap;
} cases;

static void add_case(cases *c, int kind, size_t nbins, double *x, size_t n1,
                     double *y, size_t n2)
{
    int64_t head[4] = {kind, (int64_t)nbins, (int64_t)n1, (int64_t)n2};
    assert_int_equal(fwrite(head, sizeof head, 1, c->f), 1);
    assert_int_equal(fwrite(x, sizeof *x, n1, c->f), n1);
    assert_int_equal(fwrite(y, sizeof *y, n2, c->f), n2);
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->r = realloc(c->r, c->cap * sizeof *c->r);
        assert_non_null(c->r);
    }
    result *r = &c->r[c->n++];
    r->kind = kind;
    r->n1 = n1;
    r->n2 = n2;
    r->nbins = nbins;
    r->b = 0;
    if (kind == CASE_KS)
        assert_int_equal(kr_ks2(n1, x, n2, y, &r->a, &r->b), KR_OK);
    else if (kind == CASE_PSI)
        assert_int_equal(kr_psi(n1, x, n2, y, nbins, &r->a), KR_OK);
    else
        assert_int_equal(kr_jsd(n1, x, n2, y, nbins, &r->a), KR_OK);
}

/* A size from 5 to 20000, log-uniform. */
static size_t rand_size(gsl_rng *r)
{
    return (size_t)exp(log(5.0) + gsl_rng_uniform(r) * log(20000.0 / 5.0));
}

/* One sample of a given shape: 0 normal, 1 integers 0..7 (ties within and
 * across samples), 2 a stratified normal (one draw in each of n equal-
 * probability cells: very close to the true CDF, hence small D). */
static double *sample(gsl_rng *r, size_t n, int shape, double shift)
{
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) {
        if (shape == 0)
            x[i] = shift + gsl_ran_gaussian(r, 1.0);
        else if (shape == 1)
            x[i] = (double)gsl_rng_uniform_int(r, 8) + floor(shift + 0.5);
        else
            x[i] = shift + gsl_cdf_ugaussian_Pinv(
                               ((double)i + gsl_rng_uniform_pos(r)) /
                               (double)n);
    }
    return x;
}

static void make_cases(cases *c, gsl_rng *r)
{
    static const double shifts[] = {0, 0, 0.02, 0.1, 0.3, 1.0, 3.0};
    const size_t nshift = sizeof shifts / sizeof shifts[0];
    for (int t = 0; t < 260; t++) {
        size_t n1 = rand_size(r), n2 = rand_size(r);
        if (t % 3 == 0) /* one sample over 10000: the asymptotic p */
            n1 = 10001 + gsl_rng_uniform_int(r, 10000);
        if (t % 3 == 0 && t % 2 == 0) /* ... with a small other one */
            n2 = 5 + gsl_rng_uniform_int(r, 300);
        if (t % 7 == 1) /* equal sizes: the exact square count */
            n2 = n1 > 10000 ? n1 % 10000 + 5 : n1;
        double shift = shifts[gsl_rng_uniform_int(r, nshift)];
        int shape = t % 4 == 3 ? 1 : 0;
        int shape2 = shape == 0 && t % 5 == 2 ? 2 : shape;
        double *x = sample(r, n1, shape, 0);
        double *y = sample(r, n2, shape2, shift);
        add_case(c, CASE_KS, 0, x, n1, y, n2);
        free(x);
        free(y);
    }
    static const size_t bins[] = {2, 4, 10, 20};
    for (int t = 0; t < 60; t++) {
        size_t n1 = rand_size(r), n2 = rand_size(r);
        int shape = t % 3 == 2 ? 1 : 0;
        double shift = shifts[gsl_rng_uniform_int(r, nshift)];
        double *x = sample(r, n1, shape, 0);
        double *y = sample(r, n2, shape, shift);
        add_case(c, t % 2 ? CASE_JSD : CASE_PSI, bins[t % 4], x, n1, y, n2);
        free(x);
        free(y);
    }
    /* The band test's case, checked exactly too. */
    gsl_rng *r42 = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r42, 42);
    double *ref = normal_sample(r42, 10000, 0.0);
    double *cur = normal_sample(r42, 10000, 1.0);
    add_case(c, CASE_PSI, 10, ref, 10000, cur, 10000);
    add_case(c, CASE_JSD, 10, ref, 10000, cur, 10000);
    add_case(c, CASE_KS, 0, ref, 10000, cur, 10000);
    free(ref);
    free(cur);
    gsl_rng_free(r42);
}

static const char *const ks_paths[] = {
    "exact-square",   "exact-paths",   "asymp-rubengambino-low",
    "asymp-smirnov",  "asymp-durbin",  "asymp-pomeranz",
    "asymp-pelzgood",
};
#define NPATHS (sizeof ks_paths / sizeof ks_paths[0])

static void test_scipy_parity(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        fail_msg("/usr/bin/python3 is missing: the scipy oracle cannot run "
                 "(apt-get install python3-scipy)");
    char path[] = "/tmp/kr_drift_cases_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    cases c = {fdopen(fd, "wb"), NULL, 0, 0};
    assert_non_null(c.f);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20240611);
    make_cases(&c, r);
    gsl_rng_free(r);
    assert_int_equal(fclose(c.f), 0);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/ml/drift_oracle.py %s",
             KR_SOURCE_DIR, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256];
    size_t i = 0, hits[NPATHS] = {0};
    double worst_p = 0, worst_d = 0, worst_psi = 0, worst_jsd = 0;
    double pop = NAN;
    while (fgets(line, sizeof line, p)) {
        char kind[16], way[64] = "";
        double e1 = NAN, e2 = NAN;
        int k = sscanf(line, "%15s %lf %lf %63s", kind, &e1, &e2, way);
        if (!strcmp(kind, "pop_psi")) {
            pop = e1;
            continue;
        }
        if (i >= c.n)
            fail_msg("oracle printed more lines than cases: %s", line);
        const result *res = &c.r[i++];
        if (res->kind == CASE_KS) {
            if (k != 4 || strcmp(kind, "ks"))
                fail_msg("case %zu: oracle line '%s'", i - 1, line);
            double dd = fabs(res->a - e1), dp = fabs(res->b - e2);
            if (dd > worst_d)
                worst_d = dd;
            if (dp > worst_p)
                worst_p = dp;
            if (dd > 1e-12 || dp > 1e-6)
                fail_msg("ks case %zu (n1 %zu, n2 %zu, %s): D %.17g p %.17g, "
                         "scipy D %.17g p %.17g", i - 1, res->n1, res->n2,
                         way, res->a, res->b, e1, e2);
            for (size_t j = 0; j < NPATHS; j++)
                if (!strcmp(way, ks_paths[j]))
                    hits[j]++;
        } else {
            const char *want = res->kind == CASE_PSI ? "psi" : "jsd";
            if (k < 2 || strcmp(kind, want))
                fail_msg("case %zu: oracle line '%s'", i - 1, line);
            double err = fabs(res->a - e1);
            double tol = 1e-10 * (1 + fabs(e1));
            if (res->kind == CASE_PSI && err > worst_psi)
                worst_psi = err;
            if (res->kind == CASE_JSD && err > worst_jsd)
                worst_jsd = err;
            if (err > tol)
                fail_msg("%s case %zu (n1 %zu, n2 %zu, %zu bins): %.17g, "
                         "oracle %.17g", want, i - 1, res->n1, res->n2,
                         res->nbins, res->a, e1);
        }
    }
    int status = pclose(p);
    unlink(path);
    if (status != 0)
        fail_msg("the oracle failed (exit status %d): is python3-scipy "
                 "installed? (apt-get install python3-scipy)", status);
    if (i != c.n)
        fail_msg("oracle answered %zu of %zu cases", i, c.n);
    print_message("drift parity: %zu cases; worst |dD| %.3g, |dp| %.3g, "
                  "|dPSI| %.3g, |dJSD| %.3g\n", c.n, worst_d, worst_p,
                  worst_psi, worst_jsd);
    for (size_t j = 0; j < NPATHS; j++) {
        print_message("  %-24s %zu cases\n", ks_paths[j], hits[j]);
        if (!hits[j])
            fail_msg("no case exercised scipy's %s p-value", ks_paths[j]);
    }
    assert_double_equal(pop, POP_PSI_1SD, 1e-12);
    free(c.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ks_hand),
        cmocka_unit_test(test_psi_hand),
        cmocka_unit_test(test_jsd_hand),
        cmocka_unit_test(test_errors_and_nan),
        cmocka_unit_test(test_psi_identical_and_shift),
        cmocka_unit_test(test_scipy_parity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

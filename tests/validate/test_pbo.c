/* test_pbo.c -- tests of src/validate/pbo.c: CSCV's probability of backtest
 * overfitting on a hand-worked case, a dominant configuration (PBO 0),
 * pure noise (PBO near 1/2), and against a brute-force reference that
 * concatenates the returns of every combination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/stats.h"
#include "kairos/validate.h"

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (tol %g)", got, want, tol);
}

static uint64_t rng;

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

/* A standard normal draw by Box-Muller. */
static double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static void test_hand(void **state)
{
    (void)state;
    /* M = 2, T = 4, S = 2: blocks {0,1} and {2,3}, C(2,1) = 2
     * combinations.
     *   A = 0.01, 0.03, -0.01, -0.03
     *   B = 0.00, 0.02,  0.00,  0.02
     * Every block's sample std is sqrt(2 x 0.01^2 / 1) = 0.01 sqrt 2, so
     * a block's Sharpe is its mean / (0.01 sqrt 2):
     *   A: block 0 0.02 -> sqrt 2, block 1 -0.02 -> -sqrt 2
     *   B: block 0 0.01 -> 1/sqrt 2, block 1 0.01 -> 1/sqrt 2.
     * Combination 0 (in-sample block 0): A wins (sqrt 2 > 1/sqrt 2); out
     * of sample A's -sqrt 2 is the worst: rank 1, w = 1/3, lambda =
     * ln(1/2). Combination 1 (in-sample block 1): B wins; out of sample
     * B's 1/sqrt 2 is below A's sqrt 2: rank 1 again. PBO = 2/2 = 1; the
     * chosen one loses out of sample in combination 0 only. */
    const double r[8] = {0.01, 0.03, -0.01, -0.03, 0.00, 0.02, 0.00, 0.02};
    kr_pbo p;
    kr_pbo_init(&p);
    assert_int_equal(kr_pbo_compute(&p, r, 2, 4, 2, NULL), KR_OK);
    assert_int_equal(p.ncombos, 2);
    assert_int_equal(p.nconfigs, 2);
    near(p.pbo, 1.0, 0);
    near(p.prob_loss, 0.5, 0);
    assert_int_equal(p.best[0], 0);
    assert_int_equal(p.best[1], 1);
    near(p.lambda[0], -log(2.0), 1e-15);
    near(p.lambda[1], -log(2.0), 1e-15);
    near(p.is_sharpe[0], sqrt(2.0), 1e-12);
    near(p.oos_sharpe[0], -sqrt(2.0), 1e-12);
    near(p.is_sharpe[1], 1 / sqrt(2.0), 1e-12);
    near(p.oos_sharpe[1], 1 / sqrt(2.0), 1e-12);

    /* Flip B's second half to -0.02, 0.00 (Sharpe -1/sqrt 2) and A's to
     * 0.01, 0.03: A now wins both halves in and out of sample: rank 2,
     * w = 2/3, lambda = ln 2 > 0, PBO 0. */
    const double s[8] = {0.01, 0.03, 0.01, 0.03, 0.00, 0.02, -0.02, 0.00};
    assert_int_equal(kr_pbo_compute(&p, s, 2, 4, 2, NULL), KR_OK);
    near(p.pbo, 0.0, 0);
    near(p.lambda[0], log(2.0), 1e-15);
    near(p.lambda[1], log(2.0), 1e-15);
    kr_pbo_free(&p);
}

static void test_dominant(void **state)
{
    (void)state;
    /* Configuration m earns the same noise plus 0.001 m a period: in any
     * set of periods its std is the noise's and its mean 0.001 m higher,
     * so configuration 9 is best in and out of sample every time: rank
     * M = 10, w = 10/11, lambda = ln 10, PBO 0. */
    enum { M = 10, T = 400, S = 8 };
    double *r = malloc(M * T * sizeof *r);
    assert_non_null(r);
    rng = 42;
    for (size_t t = 0; t < T; t++) {
        double z = 0.01 * normal();
        for (size_t m = 0; m < M; m++)
            r[m * T + t] = z + 0.001 * (double)m;
    }
    kr_pbo p;
    kr_pbo_init(&p);
    assert_int_equal(kr_pbo_compute(&p, r, M, T, S, NULL), KR_OK);
    assert_int_equal(p.ncombos, 70); /* C(8, 4) */
    near(p.pbo, 0.0, 0);
    for (size_t c = 0; c < p.ncombos; c++) {
        assert_int_equal(p.best[c], 9);
        near(p.lambda[c], log(10.0), 1e-12);
    }
    kr_pbo_free(&p);
    free(r);
}

static void test_noise(void **state)
{
    (void)state;
    /* 50 configurations of pure noise: in-sample and out-of-sample
     * periods are independent, so the in-sample winner's out-of-sample
     * rank is uniform on 1..50 and P(lambda <= 0) = P(rank <= 25) =
     * 25/50 = 1/2. One data set's PBO scatters widely around that (its
     * 252 combinations share the data: 0.18 to 0.82 over 20 seeds of a
     * larger case), so the test averages 50 independent data sets; the
     * mean's standard error is about 0.025. With this seed it is 0.548
     * (0.45 .. 0.55 with seeds 1000, 2000, .., 8000). The chosen one loses out of
     * sample half the time as well. */
    enum { M = 50, T = 400, S = 10, SETS = 50 };
    double *r = malloc(M * T * sizeof *r);
    assert_non_null(r);
    rng = 1000;
    double pbo = 0, loss = 0;
    kr_pbo p;
    kr_pbo_init(&p);
    for (int d = 0; d < SETS; d++) {
        for (size_t i = 0; i < M * T; i++)
            r[i] = 0.01 * normal();
        assert_int_equal(kr_pbo_compute(&p, r, M, T, S, NULL), KR_OK);
        assert_int_equal(p.ncombos, 252); /* C(10, 5) */
        pbo += p.pbo / SETS;
        loss += p.prob_loss / SETS;
    }
    if (!(pbo > 0.42 && pbo < 0.58))
        fail_msg("mean PBO of pure noise %.4f, want 0.42 .. 0.58", pbo);
    if (!(loss > 0.42 && loss < 0.58))
        fail_msg("mean loss probability %.4f, want 0.42 .. 0.58", loss);
    kr_pbo_free(&p);
    free(r);
}

/* ------------------------------------------------------------------------
 * Brute-force reference: concatenate each combination's periods and ask
 * kr_moments_compute for the Sharpe ratios.
 * ------------------------------------------------------------------------ */

typedef struct ref {
    const double *r;
    size_t M, T, S;
    size_t first[25];
    size_t comb[12];
    size_t c;
    const kr_pbo *p;
    double *buf;
} ref;

static double ref_sharpe(ref *f, size_t m, int want_in)
{
    size_t n = 0;
    for (size_t q = 0; q < f->S; q++) {
        int in = 0;
        for (size_t i = 0; i < f->S / 2; i++)
            in |= f->comb[i] == q;
        if (in != want_in)
            continue;
        for (size_t t = f->first[q]; t < f->first[q + 1]; t++)
            f->buf[n++] = f->r[m * f->T + t];
    }
    kr_moments mo;
    assert_int_equal(kr_moments_compute(n, f->buf, &mo), KR_OK);
    return mo.sharpe;
}

static void ref_check(ref *f)
{
    size_t best = 0;
    double bs = -INFINITY;
    for (size_t m = 0; m < f->M; m++) {
        double s = ref_sharpe(f, m, 1);
        if (s > bs) {
            bs = s;
            best = m;
        }
    }
    double ob = ref_sharpe(f, best, 0), rank = 1;
    for (size_t m = 0; m < f->M; m++) {
        double o = ref_sharpe(f, m, 0);
        if (m != best)
            rank += o < ob ? 1 : o == ob ? 0.5 : 0;
    }
    double w = rank / (double)(f->M + 1);
    assert_int_equal(f->p->best[f->c], best);
    near(f->p->is_sharpe[f->c], bs, 1e-9);
    near(f->p->oos_sharpe[f->c], ob, 1e-9);
    near(f->p->lambda[f->c], log(w / (1 - w)), 1e-12);
    f->c++;
}

/* Walks the combinations of S/2 blocks in lexicographic order. */
static void ref_walk(ref *f, size_t depth, size_t from)
{
    if (depth == f->S / 2) {
        ref_check(f);
        return;
    }
    for (size_t q = from; q < f->S; q++) {
        f->comb[depth] = q;
        ref_walk(f, depth + 1, q + 1);
    }
}

static void test_reference(void **state)
{
    (void)state;
    /* T = 63 over S = 6 blocks: sizes 11, 11, 11, 10, 10, 10. */
    static const size_t shapes[][3] = {{8, 63, 6}, {3, 40, 4}, {5, 50, 10}};
    for (size_t k = 0; k < 3; k++) {
        ref f = {0};
        f.M = shapes[k][0];
        f.T = shapes[k][1];
        f.S = shapes[k][2];
        double *r = malloc(f.M * f.T * sizeof *r);
        f.buf = malloc(f.T * sizeof *f.buf);
        assert_non_null(r);
        assert_non_null(f.buf);
        rng = 7 + k;
        for (size_t i = 0; i < f.M * f.T; i++)
            r[i] = 0.0005 * (double)(i / f.T) + 0.01 * normal();
        f.r = r;
        for (size_t q = 0; q <= f.S; q++)
            f.first[q] = q * (f.T / f.S) + (q < f.T % f.S ? q : f.T % f.S);
        kr_pbo p;
        kr_pbo_init(&p);
        assert_int_equal(kr_pbo_compute(&p, r, f.M, f.T, f.S, NULL), KR_OK);
        f.p = &p;
        ref_walk(&f, 0, 0);
        assert_int_equal(f.c, p.ncombos);
        size_t over = 0;
        for (size_t c = 0; c < p.ncombos; c++)
            over += p.lambda[c] <= 0;
        near(p.pbo, (double)over / (double)p.ncombos, 0);
        kr_pbo_free(&p);
        free(r);
        free(f.buf);
    }
}

static void test_ties_and_errors(void **state)
{
    (void)state;
    /* Two identical configurations: the in-sample tie goes to 0, the
     * out-of-sample tie averages ranks 1 and 2: w = 1.5/3 = 1/2, lambda
     * = 0, which counts as overfit. A constant third configuration has no
     * Sharpe and ranks below both: rank 2.5, w = 2.5/4, lambda =
     * ln(5/3). */
    const double r[12] = {0.01, 0.03, -0.01, 0.02, 0.01, 0.03, -0.01, 0.02,
                          0.01, 0.01, 0.01, 0.01};
    kr_pbo p;
    kr_pbo_init(&p);
    assert_int_equal(kr_pbo_compute(&p, r, 2, 4, 2, NULL), KR_OK);
    assert_int_equal(p.best[0], 0);
    near(p.lambda[0], 0.0, 0);
    near(p.pbo, 1.0, 0);
    assert_int_equal(kr_pbo_compute(&p, r, 3, 4, 2, NULL), KR_OK);
    assert_int_equal(p.best[0], 0);
    near(p.lambda[0], log(5.0 / 3.0), 1e-15);
    near(p.pbo, 0.0, 0);

    kr_error err;
    assert_int_equal(kr_pbo_compute(&p, r, 2, 4, 3, &err), KR_EINVAL);
    assert_string_equal(err.field, "partitions");
    assert_int_equal(p.ncombos, 0);
    assert_null(p.lambda);
    assert_int_equal(kr_pbo_compute(&p, r, 2, 4, 26, &err), KR_EINVAL);
    assert_int_equal(kr_pbo_compute(&p, r, 1, 4, 2, &err), KR_EINVAL);
    assert_string_equal(err.field, "configs");
    assert_int_equal(kr_pbo_compute(&p, r, 2, 3, 2, &err), KR_EINVAL);
    assert_string_equal(err.field, "periods");
    double bad[8] = {0.01, 0.03, -0.01, 0.02, 0.01, NAN, -0.01, 0.02};
    assert_int_equal(kr_pbo_compute(&p, bad, 2, 4, 2, &err), KR_EINVAL);
    assert_string_equal(err.msg,
                        "configuration 1, period 1: return is not finite");
    assert_int_equal(kr_pbo_compute(&p, NULL, 2, 4, 2, &err), KR_EINVAL);
    kr_pbo_free(&p);
    kr_pbo_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand),
        cmocka_unit_test(test_dominant),
        cmocka_unit_test(test_noise),
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_ties_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* cv.c -- the split result, purging and the embargo shared by every scheme.
 *
 * A kr_cv holds every split's train and test indices in one pool, so that a
 * set of splits is one allocation to free whatever the scheme. The pool is
 * built by kr__cv_add_split, which is where purging happens: the test
 * spans are sorted by start and merged into disjoint runs of rows (two
 * spans that share a row, or sit on adjacent rows, make one run, since the
 * spans are integer intervals), and a train candidate is purged when its
 * own span meets a run: one binary search per candidate, O(n log n) a split
 * and exact for any spans, ordered or not. The embargo needs only the last
 * test block that ends before a candidate's start. Indices are written in
 * ascending order as the rows are walked, so no set needs sorting.
 */
#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * The result
 * ------------------------------------------------------------------------ */

void kr_cv_init(kr_cv *cv)
{
    memset(cv, 0, sizeof *cv);
}

void kr_cv_free(kr_cv *cv)
{
    if (!cv)
        return;
    free(cv->splits);
    free(cv->group_first);
    free(cv->paths);
    free(cv->pool_);
    kr_cv_init(cv);
}

const size_t *kr_cv_path(const kr_cv *cv, size_t j)
{
    if (!cv || !cv->paths || j >= cv->npaths)
        return NULL;
    return cv->paths + j * cv->ngroups;
}

size_t kr_cv_embargo_rows(double embargo, size_t n)
{
    if (!(embargo > 0))
        return 0;
    double x = embargo * (double)n;
    double r = nearbyint(x);
    if (fabs(x - r) <= 1e-9 * (r > 1 ? r : 1))
        return (size_t)r;
    return (size_t)ceil(x);
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

size_t kr_cv_binomial(size_t n, size_t k)
{
    if (k > n)
        return 0;
    if (k > n - k)
        k = n - k;
    size_t r = 1;
    for (size_t i = 0; i < k; i++) {
        /* r = C(n, i); C(n, i+1) = r (n - i) / (i + 1), exactly: with g =
         * gcd(r, i + 1), (i + 1) / g divides n - i. */
        size_t g = gcd(r, i + 1);
        size_t num = (n - i) / ((i + 1) / g);
        r /= g;
        if (num && r > SIZE_MAX / num)
            return SIZE_MAX;
        r *= num;
    }
    return r;
}

size_t kr_cv_cpcv_paths(size_t ngroups, size_t k)
{
    if (k < 1 || k >= ngroups)
        return 0;
    return kr_cv_binomial(ngroups - 1, k - 1);
}

void kr__cv_bounds(size_t n, size_t ngroups, size_t *first)
{
    size_t base = n / ngroups, extra = n % ngroups, at = 0;
    for (size_t g = 0; g < ngroups; g++) {
        first[g] = at;
        at += base + (g < extra);
    }
    first[ngroups] = n;
}

void kr__comb_first(size_t *c, size_t k)
{
    for (size_t i = 0; i < k; i++)
        c[i] = i;
}

int kr__comb_next(size_t *c, size_t k, size_t n)
{
    /* Find the rightmost element that can still move right. */
    size_t i = k;
    while (i > 0 && c[i - 1] == n - k + (i - 1))
        i--;
    if (i == 0)
        return 0;
    c[i - 1]++;
    for (size_t j = i; j < k; j++)
        c[j] = c[j - 1] + 1;
    return 1;
}

/* ------------------------------------------------------------------------
 * The builder
 * ------------------------------------------------------------------------ */

static size_t span_start(const kr_cv_labels *l, size_t i)
{
    return l->start ? l->start[i] : i;
}

static size_t span_end(const kr_cv_labels *l, size_t i)
{
    return l->end ? l->end[i] : span_start(l, i);
}

int kr__cv_begin(kr__cv_builder *b, kr_cv *cv, const kr_cv_labels *lab,
                 double embargo, int scheme, kr_error *err)
{
    memset(b, 0, sizeof *b);
    if (cv)
        kr_cv_free(cv);
    if (!cv || !lab)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "labels",
                            "no split result or no labels");
    if (lab->n == 0)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "labels",
                            "no samples to split");
    if (lab->n > SIZE_MAX / (2 * sizeof(size_t)))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "labels",
                            "%zu samples are too many", lab->n);
    for (size_t i = 0; i < lab->n; i++)
        if (span_end(lab, i) < span_start(lab, i))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "labels",
                                "sample %zu: label ends at row %zu before "
                                "it starts at row %zu",
                                i, span_end(lab, i), span_start(lab, i));
    if (!(embargo >= 0 && embargo < 1))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "embargo",
                            "expected a fraction in [0, 1), got %g", embargo);
    size_t n = lab->n;
    b->spans = malloc(2 * n * sizeof *b->spans);
    b->merged = malloc(2 * n * sizeof *b->merged);
    b->blocks = malloc(2 * n * sizeof *b->blocks);
    if (!b->spans || !b->merged || !b->blocks) {
        free(b->spans);
        free(b->merged);
        free(b->blocks);
        memset(b, 0, sizeof *b);
        return kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                            "out of memory");
    }
    cv->scheme = scheme;
    cv->n = n;
    cv->embargo_rows = kr_cv_embargo_rows(embargo, n);
    b->cv = cv;
    b->lab = lab;
    b->h = cv->embargo_rows;
    return KR_OK;
}

static int cmp_span(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Makes room for `more` entries in the pool and one more record. */
static int reserve(kr__cv_builder *b, size_t more)
{
    if (b->cap - b->used < more) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->used < more)
            cap *= 2;
        size_t *p = realloc(b->pool, cap * sizeof *p);
        if (!p)
            return KR_ENOMEM;
        b->pool = p;
        b->cap = cap;
    }
    if (b->nrec == b->caprec) {
        size_t cap = b->caprec ? 2 * b->caprec : 16;
        kr__cv_rec *r = realloc(b->rec, cap * sizeof *r);
        if (!r)
            return KR_ENOMEM;
        b->rec = r;
        b->caprec = cap;
    }
    return KR_OK;
}

/* Returns 1 when [s, e] meets one of the nm disjoint runs in merged
 * (ascending (start, end) pairs). */
static int meets(const size_t *merged, size_t nm, size_t s, size_t e)
{
    /* The first run that ends at or after s. */
    size_t lo = 0, hi = nm;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (merged[2 * mid + 1] < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nm && merged[2 * lo] <= e;
}

/* Returns 1 when s lies within h rows after the last row of a block
 * (blocks ascending [first, last] pairs). */
static int embargoed(const size_t *blocks, size_t nb, size_t h, size_t s)
{
    if (h == 0)
        return 0;
    /* The last block whose last row is before s. */
    size_t lo = 0, hi = nb;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (blocks[2 * mid + 1] < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    return s - blocks[2 * (lo - 1) + 1] <= h;
}

int kr__cv_add_split(kr__cv_builder *b, const size_t *ranges, size_t nranges,
                     size_t cand_first, size_t cand_end, const size_t *groups,
                     size_t ngroups)
{
    const kr_cv_labels *lab = b->lab;
    if (reserve(b, lab->n + ngroups) != KR_OK)
        return KR_ENOMEM;
    kr__cv_rec *r = &b->rec[b->nrec];
    memset(r, 0, sizeof *r);

    /* Test rows, their spans and the blocks. */
    size_t nt = 0, nb = 0, sorted = 1;
    r->test_off = b->used;
    for (size_t q = 0; q < nranges; q++) {
        size_t a = ranges[2 * q], z = ranges[2 * q + 1];
        if (a >= z)
            continue;
        if (nb > 0 && b->blocks[2 * nb - 1] + 1 == a)
            b->blocks[2 * nb - 1] = z - 1;
        else {
            b->blocks[2 * nb] = a;
            b->blocks[2 * nb + 1] = z - 1;
            nb++;
        }
        for (size_t i = a; i < z; i++) {
            b->pool[b->used++] = i;
            b->spans[2 * nt] = span_start(lab, i);
            b->spans[2 * nt + 1] = span_end(lab, i);
            if (nt > 0 && b->spans[2 * nt] < b->spans[2 * nt - 2])
                sorted = 0;
            nt++;
        }
    }
    r->ntest = nt;
    if (!sorted)
        qsort(b->spans, nt, 2 * sizeof *b->spans, cmp_span);
    size_t nm = 0;
    for (size_t j = 0; j < nt; j++) {
        size_t s = b->spans[2 * j], e = b->spans[2 * j + 1];
        if (nm > 0 && (s <= b->merged[2 * nm - 1] ||
                       s - b->merged[2 * nm - 1] == 1)) {
            if (e > b->merged[2 * nm - 1])
                b->merged[2 * nm - 1] = e;
        } else {
            b->merged[2 * nm] = s;
            b->merged[2 * nm + 1] = e;
            nm++;
        }
    }

    /* Train: the candidates outside the test ranges, purged, embargoed. */
    r->train_off = b->used;
    size_t q = 0;
    for (size_t i = cand_first; i < cand_end; i++) {
        while (q < nranges && ranges[2 * q + 1] <= i)
            q++;
        if (q < nranges && ranges[2 * q] <= i)
            continue; /* a test row */
        size_t s = span_start(lab, i), e = span_end(lab, i);
        if (meets(b->merged, nm, s, e))
            r->purged++;
        else if (embargoed(b->blocks, nb, b->h, s))
            r->embargoed++;
        else
            b->pool[b->used++] = i;
    }
    r->ntrain = b->used - r->train_off;

    r->groups_off = b->used;
    r->ngroups = ngroups;
    for (size_t g = 0; g < ngroups; g++)
        b->pool[b->used++] = groups[g];
    b->nrec++;
    return KR_OK;
}

int kr__cv_finish(kr__cv_builder *b, int rc)
{
    kr_cv *cv = b->cv;
    free(b->spans);
    free(b->merged);
    free(b->blocks);
    b->spans = b->merged = b->blocks = NULL;
    if (rc == KR_OK && b->nrec > 0) {
        cv->splits = calloc(b->nrec, sizeof *cv->splits);
        if (!cv->splits)
            rc = KR_ENOMEM;
    }
    if (rc != KR_OK) {
        free(b->pool);
        free(b->rec);
        if (cv)
            kr_cv_free(cv);
        return rc;
    }
    /* Give back the pool's slack; a failed shrink keeps the larger block. */
    if (b->used > 0 && b->used < b->cap) {
        size_t *p = realloc(b->pool, b->used * sizeof *p);
        if (p)
            b->pool = p;
    }
    cv->pool_ = b->pool;
    cv->nsplits = b->nrec;
    for (size_t s = 0; s < b->nrec; s++) {
        const kr__cv_rec *r = &b->rec[s];
        kr_cv_split *o = &cv->splits[s];
        o->train = r->ntrain ? b->pool + r->train_off : NULL;
        o->ntrain = r->ntrain;
        o->test = r->ntest ? b->pool + r->test_off : NULL;
        o->ntest = r->ntest;
        o->groups = r->ngroups ? b->pool + r->groups_off : NULL;
        o->ngroups = r->ngroups;
        o->purged = r->purged;
        o->embargoed = r->embargoed;
    }
    free(b->rec);
    return KR_OK;
}

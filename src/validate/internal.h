/* internal.h -- helpers shared by the files of the validate domain (kr__
 * names); not part of the public API.
 *
 * Every split scheme builds its kr_cv through one builder: kr__cv_begin
 * checks the labels and the embargo and sets up scratch space,
 * kr__cv_add_split turns one split's test blocks into its purged and
 * embargoed train set and appends both index sets to a growing pool, and
 * kr__cv_finish points the splits into the pool. The schemes only decide
 * which rows are tested and which rows may train.
 */
#ifndef KR_VALIDATE_INTERNAL_H
#define KR_VALIDATE_INTERNAL_H

#include <stddef.h>

#include "kairos/validate.h"

/* One split while it is built: offsets into the pool, which may move. */
typedef struct kr__cv_rec {
    size_t train_off, ntrain;
    size_t test_off, ntest;
    size_t groups_off, ngroups;
    size_t purged, embargoed;
} kr__cv_rec;

typedef struct kr__cv_builder {
    kr_cv *cv;
    const kr_cv_labels *lab;
    size_t h;            /* embargo rows */
    size_t *pool;
    size_t used, cap;
    kr__cv_rec *rec;
    size_t nrec, caprec;
    size_t *spans;       /* scratch: 2 n, the test spans (start, end) */
    size_t *merged;      /* scratch: 2 n, their union as disjoint runs */
    size_t *blocks;      /* scratch: 2 n, the test blocks [first, last] */
} kr__cv_builder;

/* kr__cv_begin checks the labels (n >= 1, end >= start) and the embargo
 * ([0, 1)), frees what cv held and readies b. Returns KR_OK, KR_EINVAL
 * (err set) or KR_ENOMEM. On error nothing needs freeing. */
int kr__cv_begin(kr__cv_builder *b, kr_cv *cv, const kr_cv_labels *lab,
                 double embargo, int scheme, kr_error *err);

/* kr__cv_add_split adds one split. The test rows are the nranges half-open
 * row ranges in `ranges` (2 entries each: first, end), ascending and
 * disjoint; touching ranges form one block. The train candidates are the
 * rows of [cand_first, cand_end) outside the test ranges; purge and
 * embargo then drop some. `groups` (ngroups entries, may be NULL) is kept
 * with the split. KR_OK or KR_ENOMEM. */
int kr__cv_add_split(kr__cv_builder *b, const size_t *ranges, size_t nranges,
                     size_t cand_first, size_t cand_end, const size_t *groups,
                     size_t ngroups);

/* kr__cv_finish moves the splits into b->cv and frees the scratch; with rc
 * != KR_OK it frees everything and leaves cv empty. Returns rc, or
 * KR_ENOMEM. */
int kr__cv_finish(kr__cv_builder *b, int rc);

/* kr__cv_bounds writes the ngroups + 1 boundaries of ngroups contiguous
 * groups of n rows, sizes differing by at most one, the first larger. */
void kr__cv_bounds(size_t n, size_t ngroups, size_t *first);

/* Combinations of k out of n in lexicographic order: kr__comb_first sets
 * c to {0, .., k-1}; kr__comb_next advances it and returns 0 after the
 * last. */
void kr__comb_first(size_t *c, size_t k);
int kr__comb_next(size_t *c, size_t k, size_t n);

#endif

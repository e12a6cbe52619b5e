/* validate.h -- kairos validation: purged cross-validation, CPCV,
 * walk-forward, the probability of backtest overfitting, the promotion gate.
 *
 * Four parts, each its own source files under src/validate/:
 *
 *   - splits (cv.c, kfold.c, cpcv.c, walk.c, spec.c): train and test index
 *     sets for purged k-fold, combinatorial purged cross-validation (CPCV)
 *     with its backtest paths, and expanding or rolling walk-forward, after
 *     Lopez de Prado, "Advances in Financial Machine Learning" (AFML),
 *     chapters 7 and 12. Every scheme purges the train samples whose label
 *     span overlaps a test label and embargoes the rows right after each
 *     test block. A text spec ("kfold:k=5", "cpcv:groups=6,test=2",
 *     "walk:train=500,test=100,step=100,rolling") names a scheme for the
 *     command line.
 *   - PBO (pbo.c): the probability of backtest overfitting by
 *     combinatorially symmetric cross-validation (CSCV) of Bailey, Borwein,
 *     Lopez de Prado and Zhu (2015).
 *   - the promotion gate (gate.c): thresholds a run must meet before it is
 *     promoted (min Sharpe, min PSR, max drawdown, min trades, ...); a
 *     failure names its rule and numbers, as a risk rejection does.
 *
 * Samples are rows 0..n-1 in time order. Sample i carries a label span
 * [start_i, end_i] of row indices (end_i >= start_i: the label was decided
 * by what happened between those rows). Index sets are sorted arrays of
 * size_t. docs/validation.md describes every scheme with worked examples.
 */
#ifndef KAIROS_VALIDATE_H
#define KAIROS_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Samples and their label spans
 * ------------------------------------------------------------------------ */

/* The n samples to split. The caller owns the arrays; the split functions
 * only read them. start NULL means start_i = i; end NULL means end_i =
 * start_i (labels that resolve on their own bar: purging then removes
 * nothing and only the embargo acts). Every span must have end_i >=
 * start_i; the spans need not be ordered. */
typedef struct kr_cv_labels {
    size_t n;
    const size_t *start;
    const size_t *end;
} kr_cv_labels;

/* ------------------------------------------------------------------------
 * Splits: the result of every scheme (cv.c)
 * ------------------------------------------------------------------------ */

typedef enum kr_cv_scheme {
    KR_CV_NONE = 0,
    KR_CV_KFOLD,  /* purged k-fold */
    KR_CV_CPCV,   /* combinatorial purged cross-validation */
    KR_CV_WALK,   /* walk-forward, expanding or rolling */
} kr_cv_scheme;

/* One split. The arrays point into the owning kr_cv and live until
 * kr_cv_free. */
typedef struct kr_cv_split {
    const size_t *train;   /* sorted sample indices, after purge + embargo */
    size_t ntrain;
    const size_t *test;    /* sorted sample indices */
    size_t ntest;
    const size_t *groups;  /* k-fold: the one test fold; CPCV: the k test
                              groups, ascending; walk-forward: NULL */
    size_t ngroups;
    size_t purged;         /* train candidates dropped for overlap */
    size_t embargoed;      /* dropped by the embargo (and not purged) */
} kr_cv_split;

/* A set of splits. Caller-allocated: kr_cv_init zeroes it, a scheme
 * function fills it (freeing what it held before), kr_cv_free releases
 * everything the scheme allocated. */
typedef struct kr_cv {
    int32_t scheme;        /* kr_cv_scheme */
    size_t n;              /* samples */
    size_t embargo_rows;   /* ceil(embargo x n) */
    size_t nsplits;
    kr_cv_split *splits;
    /* k-fold folds and CPCV groups: group g holds the rows
     * [group_first[g], group_first[g+1]); ngroups + 1 entries. 0 and NULL
     * for walk-forward. */
    size_t ngroups;
    size_t *group_first;
    /* CPCV backtest paths: path j takes group g's test predictions from
     * split paths[j * ngroups + g]. npaths = C(N-1, k-1); 0 and NULL for
     * the other schemes. */
    size_t npaths;
    size_t *paths;
    size_t *pool_;         /* internal: every index array, one block */
} kr_cv;

void kr_cv_init(kr_cv *cv);
/* kr_cv_free releases what cv holds and leaves it as kr_cv_init does;
 * cv may be NULL. */
void kr_cv_free(kr_cv *cv);

/* kr_cv_path returns the ngroups split indices of path j (NULL when j is
 * out of range or cv holds no paths). */
const size_t *kr_cv_path(const kr_cv *cv, size_t j);

/* kr_cv_embargo_rows is ceil(embargo x n), the rows the embargo covers
 * after each test block; a product within 1e-9 of an integer counts as
 * that integer, so that 0.07 x 100 is 7 rows and not 8. */
size_t kr_cv_embargo_rows(double embargo, size_t n);

/* Purging and the embargo, common to every scheme. For the test blocks
 * (maximal runs of consecutive test rows) a train candidate i is dropped
 *   - when its span overlaps the span of any test sample j:
 *     start_i <= end_j and start_j <= end_i (purge), or
 *   - when start_i lies in b+1 .. b+h, b the last row of a test block and
 *     h = kr_cv_embargo_rows(embargo, n) (embargo, AFML 7.4.2).
 *
 * Errors of every scheme function: KR_EINVAL with err naming the parameter
 * (or "labels" and the sample) for a bad argument, a span with end < start,
 * an embargo outside [0, 1) or NaN; KR_ENOMEM. On error cv is left empty,
 * as kr_cv_init leaves it. */

/* kr_cv_kfold: k contiguous test folds whose sizes differ by at most one,
 * the first n mod k folds one larger (n = 10, k = 3: rows 0-3, 4-6, 7-9);
 * the train set of a fold is every other sample, purged and embargoed.
 * Needs 2 <= k <= n. */
int kr_cv_kfold(kr_cv *cv, const kr_cv_labels *labels, size_t k,
                double embargo, kr_error *err);

/* kr_cv_cpcv: combinatorial purged cross-validation (AFML 12.4). The n
 * samples form N contiguous groups (sized as k-fold's folds); each of the
 * C(N, k) splits tests one combination of k groups, in lexicographic
 * order ({0,1}, {0,2}, ..., {N-2,N-1}), and trains on the rest, purged and
 * embargoed (adjacent test groups form one block). Each group is tested in
 * phi = C(N-1, k-1) splits; path j takes, for every group, the j-th split
 * (in split order) that tests it, so that the phi paths each cover every
 * group exactly once. Needs 1 <= k < N <= n and C(N, k) <=
 * KR_CV_MAX_SPLITS. */
#define KR_CV_MAX_SPLITS 100000
int kr_cv_cpcv(kr_cv *cv, const kr_cv_labels *labels, size_t ngroups,
               size_t k, double embargo, kr_error *err);

/* kr_cv_binomial is C(n, k), or SIZE_MAX when it does not fit a size_t
 * (0 for k > n). kr_cv_cpcv_paths is C(N-1, k-1), the paths of a CPCV
 * (0 for arguments kr_cv_cpcv refuses). */
size_t kr_cv_binomial(size_t n, size_t k);
size_t kr_cv_cpcv_paths(size_t ngroups, size_t k);

/* kr_cv_walk: walk-forward. Test blocks of `test` rows start at row
 * `train` and then every `step` rows, t = train, train + step, ...; each
 * block is rows t .. min(t + test, n) - 1 (the last one may be shorter) and
 * trains on the rows before it: all of them (expanding) or the last
 * `train` (rolling), purged of labels that reach into the test block. The
 * train set never follows the test block, so the embargo drops nothing
 * here; it is accepted for a uniform interface. Needs train, test, step
 * >= 1 and train < n. */
int kr_cv_walk(kr_cv *cv, const kr_cv_labels *labels, size_t train,
               size_t test, size_t step, int rolling, double embargo,
               kr_error *err);

/* ------------------------------------------------------------------------
 * The scheme as text, for the command line (spec.c)
 * ------------------------------------------------------------------------ */

typedef struct kr_cv_spec {
    int32_t scheme;  /* kr_cv_scheme */
    size_t k;        /* KFOLD: folds; CPCV: test groups per split */
    size_t groups;   /* CPCV: N */
    size_t train;    /* WALK: train window (the first block's start) */
    size_t test;     /* WALK: test block */
    size_t step;     /* WALK: between block starts (default: test) */
    int32_t rolling; /* WALK: 1 rolling, 0 expanding (default) */
    double embargo;  /* fraction of n, [0, 1) (0) */
} kr_cv_spec;

/* kr_cv_spec_init: KR_CV_NONE, embargo 0. */
void kr_cv_spec_init(kr_cv_spec *s);

/* kr_cv_spec_parse parses
 *   kfold:k=K
 *   cpcv:groups=N,test=K
 *   walk:train=W,test=S[,step=P][,rolling|,expanding]
 * into s (its embargo kept). Values are positive integers; k >= 2 for
 * kfold, 1 <= test < groups for cpcv. Returns KR_OK, or KR_EINVAL with
 * err naming `field` (the option, e.g. "--cv"; may be NULL) and quoting
 * the bad part; s is untouched on error. */
int kr_cv_spec_parse(kr_cv_spec *s, const char *text, const char *field,
                     kr_error *err);

/* kr_cv_spec_embargo parses an embargo fraction in [0, 1) ("0.01") into
 * s->embargo; errors as kr_cv_spec_parse. */
int kr_cv_spec_embargo(kr_cv_spec *s, const char *text, const char *field,
                       kr_error *err);

/* kr_cv_spec_format writes the spec back in the text form above (the
 * embargo appended as ",embargo=F" when not 0); returns the length like
 * snprintf. */
size_t kr_cv_spec_format(const kr_cv_spec *s, char *buf, size_t size);

/* kr_cv_run runs the scheme of s on the labels; errors as the scheme's
 * function (KR_EINVAL for KR_CV_NONE). */
int kr_cv_run(kr_cv *cv, const kr_cv_spec *s, const kr_cv_labels *labels,
              kr_error *err);

/* ------------------------------------------------------------------------
 * Probability of backtest overfitting by CSCV (pbo.c)
 * ------------------------------------------------------------------------ */

#define KR_PBO_MAX_PARTS 24 /* C(24, 12) = 2704156 combinations */

/* The result of kr_pbo_compute. Caller-allocated: kr_pbo_init zeroes it,
 * kr_pbo_compute fills it, kr_pbo_free releases the arrays. */
typedef struct kr_pbo {
    double pbo;           /* share of the combinations with lambda <= 0 */
    double prob_loss;     /* share whose chosen configuration has an
                             out-of-sample Sharpe < 0 */
    size_t ncombos;       /* C(S, S/2) */
    size_t nconfigs;      /* M */
    double *lambda;       /* ncombos logits, in combination order */
    size_t *best;         /* ncombos: the in-sample best configuration */
    double *is_sharpe;    /* ncombos: its in-sample Sharpe */
    double *oos_sharpe;   /* ncombos: its out-of-sample Sharpe */
} kr_pbo;

void kr_pbo_init(kr_pbo *p);
void kr_pbo_free(kr_pbo *p);

/* kr_pbo_compute: `returns` is an M x T row-major matrix (configuration m's
 * per-period return at period t is returns[m * T + t]). The T periods are
 * cut into S contiguous partitions (sizes differing by at most one, the
 * first larger; Bailey et al. take T divisible by S). Each combination c of
 * S/2 partitions, in lexicographic order, is the in-sample set and its
 * complement the out-of-sample set. For each c: the configuration n* with
 * the highest in-sample Sharpe (per-period mean over sample standard
 * deviation, as kr_moments_compute; ties to the lowest index) is chosen;
 * its out-of-sample rank r among the M configurations (1 = worst, M =
 * best; ties take the average rank) gives w = r / (M + 1) and lambda =
 * ln(w / (1 - w)). An undefined Sharpe (zero variance) ranks below every
 * defined one. PBO is the share of lambda <= 0.
 * Needs M >= 2, S even with 2 <= S <= KR_PBO_MAX_PARTS, T >= 2 S (so that
 * each partition holds two periods), every return finite. Returns KR_OK,
 * KR_EINVAL with err naming the parameter, KR_ENOMEM; p is left empty on
 * error. */
int kr_pbo_compute(kr_pbo *p, const double *returns, size_t nconfigs,
                   size_t nperiods, size_t nparts, kr_error *err);

/* ------------------------------------------------------------------------
 * The promotion gate (gate.c)
 * ------------------------------------------------------------------------ */

/* What the gate looks at; the caller fills it from a run's metrics
 * (annualised Sharpe, PSR, DSR, max drawdown as a positive fraction, ...).
 * NaN marks a metric that is undefined or was not computed; a rule that is
 * on fails on a NaN metric. */
typedef struct kr_gate_metrics {
    double trades;
    double sharpe;
    double psr;
    double dsr;
    double max_drawdown;
    double profit_factor;
    double win_rate;
    double pbo;
} kr_gate_metrics;

/* kr_gate_metrics_init sets every metric to NaN. */
void kr_gate_metrics_init(kr_gate_metrics *m);

/* The thresholds. A NaN threshold is off. Rules, in the order they are
 * checked (KR_GATE_RULES):
 *   min_trades         trades >= min_trades
 *   min_sharpe         sharpe >= min_sharpe
 *   min_psr            psr >= min_psr
 *   min_dsr            dsr >= min_dsr
 *   max_drawdown       max_drawdown <= max_drawdown
 *   min_profit_factor  profit_factor >= min_profit_factor
 *   min_win_rate       win_rate >= min_win_rate
 *   max_pbo            pbo <= max_pbo
 * The bound itself passes. */
typedef struct kr_gate {
    double min_trades;
    double min_sharpe;
    double min_psr;
    double min_dsr;
    double max_drawdown;
    double min_profit_factor;
    double min_win_rate;
    double max_pbo;
} kr_gate;

#define KR_GATE_RULES 8

/* kr_gate_init turns every rule off. */
void kr_gate_init(kr_gate *g);

/* kr_gate_rule_name is the name of rule i (0 .. KR_GATE_RULES-1) in check
 * order, NULL past the end. */
const char *kr_gate_rule_name(size_t i);

/* kr_gate_set sets the rule named `name` (as above) to the number in
 * `value` ("1.5"; "off" turns it off). Returns KR_OK, or KR_EINVAL with err
 * naming the rule for an unknown name or a value that is not a finite
 * number (negative values are refused too); g is untouched on error. */
int kr_gate_set(kr_gate *g, const char *name, const char *value,
                kr_error *err);

/* kr_gate_check applies the rules that are on, in order, and stops at the
 * first that fails. Returns KR_OK (reason "") or KR_EREJECTED with the
 * reason, e.g. "min_sharpe: sharpe 0.85 below 1.00" or "max_drawdown:
 * max_drawdown 0.3000 above 0.2500" (NUL terminated, cut to size); a NaN
 * metric reads "min_psr: psr undefined, need >= 0.9500". *rule (may be
 * NULL) is the failing rule's index, or -1. KR_EINVAL for NULL g or m. */
int kr_gate_check(const kr_gate *g, const kr_gate_metrics *m, int *rule,
                  char *reason, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_VALIDATE_H */

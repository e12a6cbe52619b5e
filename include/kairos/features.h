/* features.h -- kairos features: feature sets over bar series, the
 * look-ahead checker, labels (fixed horizon, triple barrier) and sample
 * weights by average uniqueness.
 *
 * A feature is a column of doubles computed from one kr_bars series, whose
 * value at row t reads only bars 0..t: never a later bar, never a statistic
 * of the whole sample. Each declares its look-back, the number of past bars
 * it reads beyond the current one (the largest over its parts), and is NaN
 * until it has that much history. One table (kr_feature_kinds) lists every
 * kind with its parameters and formula; parsing, `kairos features --list`
 * and docs/features.md come from it. Technical indicators are not
 * re-implemented here: `ind:NAME:PARAMS` runs any indicator of ta.h and
 * yields each of its outputs as a feature, and the kinds below are built
 * from ta's SMA, STDDEV, ZSCORE and BBANDS batches.
 *
 * kr_features_check proves the no-look-ahead rule on data rather than by
 * argument: it recomputes the set on prefixes of the series and requires
 * every value to be the same bits as in the full computation.
 *
 * Labels look forward, and are kept apart from features: a label at row t
 * uses bars t..end and says at which bar `end` it was resolved, so that
 * cross-validation can purge the training labels that overlap a test fold.
 * Formulas and conventions: docs/features.md.
 */
#ifndef KAIROS_FEATURES_H
#define KAIROS_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"
#include "kairos/data.h"
#include "kairos/ta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Feature kinds: the one table (src/features/kinds.c)
 * ------------------------------------------------------------------------ */

#define KR_FEATURE_MAX_PARAMS 2

/* Shared inputs of a kind's batch function, owned by the matrix: r1 is the
 * column of 1-bar log returns log(close[t] / close[t-1]) (r1[0] NaN), tmp[]
 * two scratch columns of at least n doubles whose contents are undefined on
 * entry. */
typedef struct kr_feature_work {
    const double *r1;
    double *tmp[2];
} kr_feature_work;

/* A kind of feature, e.g. "vol" with its window. */
typedef struct kr_feature_kind {
    const char *name;    /* lower case: "ret", "vol", ...; "ind" for ta */
    const char *title;   /* "log return over k bars" */
    int nparams;         /* 0 .. KR_FEATURE_MAX_PARAMS */
    kr_ta_param params[KR_FEATURE_MAX_PARAMS]; /* name, default, range */
    const char *formula; /* one line, for --list and the docs */
    /* Past bars read by the value at row t (rows < lookback are NaN). */
    size_t (*lookback)(const double *params);
    /* Writes b->n values into out; NULL for "ind" (handled by the set). */
    int (*batch)(const kr_bars *b, const double *params,
                 const kr_feature_work *w, double *out);
} kr_feature_kind;

/* The table, in --list order, and its length in *n. */
const kr_feature_kind *kr_feature_kinds(size_t *n);
/* Lookup by name (case-insensitive); NULL when unknown. */
const kr_feature_kind *kr_feature_kind_find(const char *name);

/* ------------------------------------------------------------------------
 * Feature sets (src/features/featureset.c)
 * ------------------------------------------------------------------------ */

/* A user-defined feature: writes b->n values of one column into out, NaN
 * where undefined; returns KR_OK or a negative KR_E*. */
typedef int (*kr_feature_fn)(void *user, const kr_bars *b, double *out);

/* One item of a set: a kind with its parameters, an indicator, or a custom
 * function; optionally z-scored over a rolling window of its own values. */
typedef struct kr_feature {
    const kr_feature_kind *kind; /* NULL for a custom feature */
    const kr_ta_info *ta;        /* the indicator of an "ind" item */
    double params[KR_TA_MAX_PARAMS];
    size_t norm;                 /* z-score window (0: none) */
    size_t lookback;             /* past bars read, normalization included */
    size_t col;                  /* its first column in the set */
    size_t ncols;                /* columns: 1, or the indicator's outputs */
    kr_feature_fn fn;            /* custom */
    void *user;
} kr_feature;

/* A list of features and the names of their columns. Caller-allocated;
 * kr_featureset_init or _parse set it up, kr_featureset_free releases it. */
typedef struct kr_featureset {
    kr_feature *v;
    size_t n, cap;
    char **names;   /* ncols column names, owned */
    size_t ncols;
    size_t lookback; /* the largest of the features' */
} kr_featureset;

/* Longest spec item and column name. */
#define KR_FEATURE_NAME_MAX 96

void kr_featureset_init(kr_featureset *fs);
void kr_featureset_free(kr_featureset *fs);

/* kr_featureset_parse initialises *fs and fills it from a spec, items
 * separated by ',' (or ';' or blanks):
 *
 *   ITEM  := KIND[:P1[,P2]] [@z:N]  |  ind:NAME[:P1,P2,...] [@z:N]
 *
 * e.g. "ret:1,ret:5,vol:20,range,dow,ind:macd:12,26,9,detrend:50@z:250".
 * A token that starts with a digit, a sign or '.', or is word=value, is a
 * further parameter of the item before it (that is how "ind:macd:12,26,9"
 * keeps its three parameters); indicators also take name=value and
 * defaults for trailing parameters (kr_ta_parse_spec). Parameters missing
 * from a kind take the table's defaults. "@z:N" z-scores the item over the
 * last N of its own values (see kr_featureset_normalize). On error *fs is
 * left empty (kr_featureset_free is safe) and err names the item in
 * err->field and what was expected: KR_EINVAL (unknown kind, bad or
 * out-of-range parameter, too many parameters, an empty spec or item, a
 * repeated column name), KR_ENOMEM. */
int kr_featureset_parse(const char *spec, kr_featureset *fs, kr_error *err);

/* kr_featureset_from_config reads the set of a run configuration: `key`
 * (e.g. "features.set") holds the spec or a YAML list of items, which
 * kr_config joins with ','; "<key-prefix>.normalize" (the key with its last
 * component replaced, e.g. "features.normalize") an optional z-score window
 * for every item. Errors as kr_featureset_parse, located at the entry's file,
 * line and column; KR_ENOENT when the key is absent. */
int kr_featureset_from_config(const kr_config *c, const char *key,
                              kr_featureset *fs, kr_error *err);

/* kr_featureset_add appends one item written as in a spec ("vol:20"). */
int kr_featureset_add(kr_featureset *fs, const char *item, kr_error *err);

/* kr_featureset_add_custom appends a feature computed by fn(user, ...)
 * that declares it reads `lookback` past bars; `name` is its column name
 * (copied). The function is trusted to be causal: kr_features_check is how
 * to find out. KR_EINVAL for an empty, overlong or repeated name. */
int kr_featureset_add_custom(kr_featureset *fs, const char *name,
                             size_t lookback, kr_feature_fn fn, void *user);

/* kr_featureset_normalize z-scores, over the last `window` values of each
 * (the current one included; only the past), every feature that is not
 * already normalized and is not a calendar feature (dow, hour, month):
 * z = (f - mean) / population std, 0 on a window whose values are all
 * equal, NaN for a window holding a NaN -- ta's ZSCORE run over the
 * feature's column. Each column name gets "@z<window>" appended and each
 * look-back grows by window - 1. KR_EINVAL for window < 2. */
int kr_featureset_normalize(kr_featureset *fs, size_t window);

/* The largest look-back of the set: rows before it hold NaN somewhere. */
size_t kr_featureset_lookback(const kr_featureset *fs);

/* Column-major results of a set over one series: column c is the nrows
 * doubles at kr_feature_matrix_col(m, c). Caller-allocated, set up by
 * kr_feature_matrix_init, released by kr_feature_matrix_free; a matrix is
 * reused across computes and grows only when a series is longer than any
 * before it. */
typedef struct kr_feature_matrix {
    size_t nrows;
    size_t ncols;
    size_t stride;             /* doubles between columns (>= nrows) */
    double *data;              /* owned, 64-byte aligned */
    const char *const *names;  /* the set's column names, borrowed */
    size_t cap_cols;
    double *work;              /* scratch: r1 and two columns, owned */
    size_t work_rows;
} kr_feature_matrix;

void kr_feature_matrix_init(kr_feature_matrix *m);
void kr_feature_matrix_free(kr_feature_matrix *m);

static inline double *kr_feature_matrix_col(const kr_feature_matrix *m,
                                            size_t c)
{
    return m->data + c * m->stride;
}

/* kr_featureset_compute computes every feature of the set over the bars of
 * `b`, writing m->nrows = b->n rows of fs->ncols columns; m->names points
 * at the set's names (valid while the set lives). Allocates only when the
 * matrix must grow. Prices are used as they are: a non-positive close makes
 * the log returns that read it NaN. KR_ENOMEM, or the error of a custom
 * feature or indicator; on error the matrix contents are undefined. */
int kr_featureset_compute(const kr_featureset *fs, const kr_bars *b,
                          kr_feature_matrix *m);

/* ------------------------------------------------------------------------
 * The look-ahead checker (src/features/check.c)
 * ------------------------------------------------------------------------ */

/* One value that changed when the future was cut off. */
typedef struct kr_leak {
    size_t col;       /* column of the set */
    size_t row;       /* the row whose value differed */
    size_t cut;       /* the prefix length (bars 0..cut-1 kept) */
    double full;      /* value computed on the whole series */
    double truncated; /* value computed on the prefix */
} kr_leak;

/* What kr_features_check found, per column. Caller-allocated; set up by
 * kr_features_check, released by kr_leak_report_free. */
typedef struct kr_leak_report {
    size_t ncols;
    size_t rows;       /* bars of the series */
    size_t ncuts;      /* prefixes computed */
    size_t *cuts;      /* their lengths, increasing; owned */
    size_t compared;   /* values compared, all columns together */
    size_t total;      /* values that differed */
    size_t *count;     /* per column: values that differed; owned */
    kr_leak *first;    /* per column: the first difference (shortest cut,
                          then lowest row), valid where count > 0; owned */
} kr_leak_report;

/* kr_features_check computes the set over the whole of `b` and over
 * prefixes of it (bars 0..t-1 for about `ncuts` lengths t spread over 1 ..
 * n-1, plus the set's look-back and the bar after it), and compares every
 * value at rows < t with the full computation, bit for bit, any NaN equal
 * to any NaN. A causal feature gives no difference; one that reads a later
 * bar or a whole-sample statistic gives some. *out is set up by the call
 * (also on error, when it is empty). KR_EINVAL for ncuts == 0, KR_EEMPTY
 * for fewer than 2 bars, KR_ENOMEM, or a compute error. */
int kr_features_check(const kr_featureset *fs, const kr_bars *b,
                      size_t ncuts, kr_leak_report *out);
void kr_leak_report_free(kr_leak_report *r);

/* ------------------------------------------------------------------------
 * Labels (src/features/labels.c) and weights (src/features/uniqueness.c)
 * ------------------------------------------------------------------------ */

/* One label per row of a series: the label at row t is +1, -1 or 0, `end`
 * the row where it was resolved (t < end) and `ret` the log return from the
 * close of row t to the exit (see below); a row without a label has label
 * and ret NaN, end -1 and weight NaN. Caller-allocated: kr_labels_init,
 * then the labelling functions (which size the columns), kr_labels_free. */
typedef struct kr_labels {
    size_t n;
    size_t cap;
    double *label;
    int64_t *end;
    double *ret;
    double *weight;     /* average uniqueness (kr_labels_weights) */
    double *sigma;      /* the volatility used at each row (NaN: none) */
    size_t labeled;     /* rows with a label */
    size_t no_future;   /* rows without h bars after them */
    size_t no_vol;      /* rows without a volatility (or a zero one) */
    size_t by_barrier[3]; /* triple barrier: resolved at profit-take,
                             stop-loss, vertical barrier */
} kr_labels;

void kr_labels_init(kr_labels *l);
void kr_labels_free(kr_labels *l);

/* Which prices touch a horizontal barrier. */
enum {
    KR_TOUCH_CLOSE = 0, /* the closes after the row (default) */
    KR_TOUCH_HL = 1,    /* the highs and lows, exits at the barrier */
};

/* Triple-barrier options (Lopez de Prado, Advances in Financial Machine
 * Learning, 2018, ch. 3). */
typedef struct kr_triple_barrier {
    double pt;          /* profit-take at +pt * sigma (0: none) (2) */
    double sl;          /* stop-loss at -sl * sigma (0: none) (2) */
    size_t h;           /* vertical barrier: bars after the row (10) */
    size_t vol;         /* sigma: sample std of the last `vol` 1-bar log
                           returns, known at the row (20) */
    bool vertical_zero; /* label 0 at the vertical barrier, not the sign of
                           the return (false) */
    int touch;          /* KR_TOUCH_CLOSE or KR_TOUCH_HL */
    const double *target; /* borrowed: sigma per row, b->n values, in place
                             of the rolling volatility (AFML's trgt); NULL:
                             the rolling volatility (NULL) */
} kr_triple_barrier;

void kr_triple_barrier_init(kr_triple_barrier *o);
/* Parses "pt=2,sl=2,h=10,vol=20[,vertical=sign|zero][,touch=close|hl]"
 * over the defaults of *o (keys in any order, each optional). KR_EINVAL
 * with err->field naming the key (h >= 1, vol >= 2, pt and sl >= 0 and
 * finite, not both 0). */
int kr_triple_barrier_parse(const char *s, kr_triple_barrier *o,
                            kr_error *err);

/* kr_label_triple_barrier labels every row t of `b` that has a volatility
 * sigma > 0 and h bars after it (t + h < n; rows without them get no
 * label, counted in no_vol and no_future). With r_j = log(close[j] /
 * close[t]) for j = t+1 .. t+h, the first j with r_j >= pt sigma gives
 * +1 and with r_j <= -sl sigma gives -1 (end = j, ret = r_j); with none,
 * the vertical barrier gives sign(r_{t+h}) (or 0), end = t+h. With
 * KR_TOUCH_HL the highs and lows touch instead: the profit-take price is
 * P+ = close[t] e^{pt sigma}, the stop P- = close[t] e^{-sl sigma}; a bar
 * whose high reaches P+ exits at max(open, P+), whose low reaches P- at
 * min(open, P-); a bar that reaches both is resolved by its open when the
 * open is beyond a barrier, else as a stop-loss (the order inside the bar
 * is unknown: the cautious reading). Weights are not computed (see
 * kr_labels_weights). KR_EINVAL for bad options, KR_ENOMEM. */
int kr_label_triple_barrier(const kr_bars *b, const kr_triple_barrier *o,
                            kr_labels *out, kr_error *err);

/* Fixed-horizon options. */
typedef struct kr_horizon {
    size_t h;   /* bars ahead (5) */
    double k;   /* band: 0 inside |ret| <= k sigma; 0 for the plain sign (0) */
    size_t vol; /* sigma window as in kr_triple_barrier, when k > 0 (20) */
    const double *target; /* borrowed sigma per row instead (NULL) */
} kr_horizon;

void kr_horizon_init(kr_horizon *o);
/* Parses "h=5[,k=0.5][,vol=20]" over the defaults. */
int kr_horizon_parse(const char *s, kr_horizon *o, kr_error *err);

/* kr_label_horizon labels row t with ret = log(close[t+h] / close[t]),
 * end = t + h: sign(ret) (+1, -1, 0) when k == 0, else +1 above k sigma,
 * -1 below -k sigma and 0 inside the band (bounds included). Rows without
 * h bars after them, and with k > 0 rows without sigma > 0, get none. */
int kr_label_horizon(const kr_bars *b, const kr_horizon *o, kr_labels *out,
                     kr_error *err);

/* kr_uniqueness computes the average uniqueness of labels over a series of
 * nbars bars (AFML ch. 4.4): label i spans bars [start[i], end[i]]
 * (inclusive; a label with end < 0 is absent and gets NaN), the concurrency
 * c_t is the number of labels whose span holds bar t, and the uniqueness of
 * label i is the mean over its span of 1 / c_t. O(nbars + nlabels) with
 * one scratch array of nbars + 1 doubles that it allocates. If `conc` is
 * not NULL it receives c_t (nbars values). KR_EINVAL for a span outside
 * [0, nbars) or with end < start, KR_ENOMEM. */
int kr_uniqueness(size_t nbars, size_t nlabels, const int64_t *start,
                  const int64_t *end, double *weight, double *conc);

/* kr_labels_weights fills l->weight from the labels' spans [t, end[t]]. */
int kr_labels_weights(kr_labels *l);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_FEATURES_H */

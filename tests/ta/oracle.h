/* oracle.h -- what the indicator tests share: the series they run on, the
 * parameter sets they try, and the C side of the TA-Lib oracle.
 *
 * The series are the bundled S&P 500 daily bars (data/sp500.csv) and two
 * synthetic ones made from a fixed seed, built to reach the corners of
 * TA-Lib's arithmetic: "flat" is a random walk near 100 with runs of 30
 * identical bars (some with zero volume) and single zero-range bars
 * (high == low == close); "gaps" trades near 0.01 with jumps of +-20% and a
 * stretch of tiny volumes, so that variances, ranges and money flows fall
 * under TA-Lib's epsilon (1e-14 in this build, 1e-8 in some others) and 1.0
 * thresholds.
 *
 * The oracle is tests/ta/oracle/talib_oracle.js run by node once per test
 * process: jobs are written to a temporary JSON file as they are added, and
 * tt_oracle_run hands them all to one node process and reads every result
 * back. A missing node or node_modules is an error whose message says how to
 * install them, never a silent skip.
 */
#ifndef KR_TESTS_TA_ORACLE_H
#define KR_TESTS_TA_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/ta.h"

/* ------------------------------------------------------------------------
 * Series
 * ------------------------------------------------------------------------ */

#define TT_NCOLS (KR_TA_DAY + 1)

/* One bar series as the columns an indicator can read, indexed by
 * kr_ta_input. Each column is exactly n doubles from malloc (so that ASan
 * catches a read past the end) and owned by the series. */
typedef struct tt_series {
    char name[16];
    size_t n;
    double *col[TT_NCOLS];
} tt_series;

/* The S&P 500 daily bars of data/sp500.csv, sorted and de-duplicated, with
 * the UTC day number as the KR_TA_DAY column. Returns 0, or -1 with `msg`
 * saying why. */
int tt_series_sp500(tt_series *s, char *msg, size_t size);
/* The synthetic series described above; `n` bars from `seed`. */
void tt_series_flat(tt_series *s, size_t n, uint64_t seed);
void tt_series_gaps(tt_series *s, size_t n, uint64_t seed);
/* An empty series of n bars (columns zeroed) for callers to fill. */
void tt_series_alloc(tt_series *s, const char *name, size_t n);
void tt_series_free(tt_series *s);

/* The input columns `info` reads, in its order, from series `s`. */
void tt_inputs(const kr_ta_info *info, const tt_series *s,
               const double *in[KR_TA_MAX_INPUTS]);

/* ------------------------------------------------------------------------
 * Parameter sets
 * ------------------------------------------------------------------------ */

/* tt_param_sets writes up to `max` distinct valid parameter sets for `info`
 * into sets[] and returns how many: the defaults; every whole-number
 * parameter at its minimum (later ones raised above earlier ones when the
 * indicator's check insists, as MACD's fast < slow does); and "long" periods
 * (whole-number parameters at 2 * default + 1, within range). */
int tt_param_sets(const kr_ta_info *info, double sets[][KR_TA_MAX_PARAMS],
                  int max);

/* Writes "name:p1,p2" for a parameter set, as kr_ta_parse_spec reads it. */
void tt_spec(const kr_ta_info *info, const double *params, char *buf,
             size_t size);

/* Bitwise equality of doubles, with every NaN equal to every NaN. */
int tt_same(double a, double b);

/* ------------------------------------------------------------------------
 * The TA-Lib oracle
 * ------------------------------------------------------------------------ */

typedef struct tt_oracle tt_oracle;

/* One TA-Lib call's answer: its return code, outBegIdx, outNBElement and
 * nb values per output (bars beg .. beg + nb - 1). */
typedef struct tt_result {
    int ret;
    int beg;
    int nb;
    int nout;
    double *out[KR_TA_MAX_OUTPUTS];
} tt_result;

/* tt_oracle_new checks that tests/ta/oracle/node_modules holds talib.js and
 * opens the temporary jobs file. Returns NULL with `msg` saying what to
 * install or what failed. */
tt_oracle *tt_oracle_new(char *msg, size_t size);
/* tt_oracle_add queues TA_<fn>(0, n-1, inputs..., options..., &beg, &nb,
 * outputs...) with inputs and options in TA-Lib's own order; `nout` is the
 * number of output arrays the function writes. Returns the job's index. */
int tt_oracle_add(tt_oracle *o, const char *fn, int nin,
                  const double *const *in, size_t n, int nopt,
                  const double *opt, int nout);
/* tt_oracle_run runs node once over every queued job and reads the results.
 * Returns 0, or -1 with `msg` holding the reason (node missing, node_modules
 * missing, node's stderr, malformed output). */
int tt_oracle_run(tt_oracle *o, char *msg, size_t size);
/* The answer to job `job` after a successful run. */
const tt_result *tt_oracle_result(const tt_oracle *o, int job);
size_t tt_oracle_njobs(const tt_oracle *o);
void tt_oracle_free(tt_oracle *o);

#endif

/* ta.h -- kairos technical indicators: batch over columns, streaming per bar.
 *
 * Every indicator is one file under src/ta/ with the same few functions, in
 * the manner of Tulip Indicators:
 *
 *   int    kr_<name>_start(const double *params)
 *          leading bars that give no output (TA-Lib's "lookback");
 *   int    kr_<name>(size_t n, const double *const *in, const double *params,
 *                    double *const *out)
 *          the batch form: in[] are the indicator's input columns (see
 *          kr_ta_info.inputs), out[] its output columns, each n long and
 *          allocated by the caller; row i of an output is the value at bar i,
 *          NaN while undefined (warm-up);
 *   size_t kr_<name>_stream_size(const double *params)
 *   int    kr_<name>_stream_init(void *state, const double *params)
 *   void   kr_<name>_stream_next(void *state, const double *in, double *out)
 *          the streaming form: state is a caller-provided block of
 *          stream_size bytes; each next() takes one bar (in[k] is input k) and
 *          writes one value per output, with O(1) work and no allocation.
 *
 * Batch and stream give the same numbers at every bar, bit for bit: both run
 * the same recurrence in the same order. Conventions follow TA-Lib (EMA seeded
 * with the SMA of its first period, Wilder smoothing for RSI, ATR and ADX,
 * population standard deviation); indicators without a TA-Lib twin document
 * their formula and source in their file's header.
 *
 * One table (src/ta/indicators.h) lists every indicator with its inputs,
 * parameters (names, defaults, ranges) and outputs; lookup by name, `kairos ta
 * --list` and docs/indicators.md all come from it.
 */
#ifndef KAIROS_TA_H
#define KAIROS_TA_H

#include <stdbool.h>
#include <stddef.h>

#include "kairos/core.h"
#include "kairos/data.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KR_TA_MAX_INPUTS 6
#define KR_TA_MAX_PARAMS 4
#define KR_TA_MAX_OUTPUTS 4

/* The columns an indicator can read. KR_TA_DAY is the UTC day number of the
 * bar (kr_ts_day), which session-anchored indicators (VWAP) reset on. */
typedef enum kr_ta_input {
    KR_TA_OPEN = 0,
    KR_TA_HIGH,
    KR_TA_LOW,
    KR_TA_CLOSE,
    KR_TA_VOLUME,
    KR_TA_DAY,
} kr_ta_input;

const char *kr_ta_input_name(kr_ta_input in);

typedef int (*kr_ta_start_fn)(const double *params);
typedef int (*kr_ta_batch_fn)(size_t n, const double *const *in,
                              const double *params, double *const *out);
typedef size_t (*kr_ta_stream_size_fn)(const double *params);
typedef int (*kr_ta_stream_init_fn)(void *state, const double *params);
typedef void (*kr_ta_stream_next_fn)(void *state, const double *in,
                                     double *out);

typedef struct kr_ta_param {
    const char *name;   /* e.g. "period" */
    double def;         /* default */
    double min, max;    /* accepted range, inclusive */
    bool integer;       /* must be a whole number */
} kr_ta_param;

typedef struct kr_ta_info {
    const char *name;   /* lower case, e.g. "bbands"; also the file name */
    const char *title;  /* e.g. "Bollinger Bands" */
    const char *talib;  /* TA-Lib function it equals, e.g. "BBANDS"; NULL */
    int ninputs;
    kr_ta_input inputs[KR_TA_MAX_INPUTS];
    int nparams;
    kr_ta_param params[KR_TA_MAX_PARAMS];
    int noutputs;
    const char *outputs[KR_TA_MAX_OUTPUTS]; /* e.g. "upper", "middle" */
    kr_ta_start_fn start;
    kr_ta_batch_fn batch;
    kr_ta_stream_size_fn stream_size;
    kr_ta_stream_init_fn stream_init;
    kr_ta_stream_next_fn stream_next;
    /* Relations between parameters beyond each one's range (e.g. MACD's fast
     * period below its slow one): NULL when fine, else what is wrong. May be
     * NULL. */
    const char *(*check)(const double *params);
    const char *formula; /* one line: the definition, for --list and docs */
} kr_ta_info;

/* Every indicator, in one list. Each name is a file src/ta/<name>.c that
 * defines kr_<name>_info and the functions below. */
#define KR_TA_INDICATORS(X)                                                    \
    X(ad) X(adosc) X(adx) X(aroon) X(atr) X(bbands) X(cci) X(dema)             \
    X(donchian) X(ema) X(kama) X(keltner) X(linearreg_slope) X(macd) X(mfi)    \
    X(mom) X(natr) X(obv) X(roc) X(rsi) X(sar) X(sma) X(stddev) X(stoch)       \
    X(stochrsi) X(tema) X(trange) X(vwap) X(willr) X(wma) X(zscore)

#define KR_TA_DECLARE(name)                                                    \
    extern const kr_ta_info kr_##name##_info;                                  \
    int kr_##name##_start(const double *params);                               \
    int kr_##name(size_t n, const double *const *in, const double *params,     \
                  double *const *out);                                         \
    size_t kr_##name##_stream_size(const double *params);                      \
    int kr_##name##_stream_init(void *state, const double *params);            \
    void kr_##name##_stream_next(void *state, const double *in, double *out);
KR_TA_INDICATORS(KR_TA_DECLARE)
#undef KR_TA_DECLARE

/* The table of the indicators built into this library, sorted by name; *n
 * gets its length. */
const kr_ta_info *kr_ta_table(size_t *n);
/* Lookup by name (case-insensitive); NULL when unknown. */
const kr_ta_info *kr_ta_find(const char *name);

/* kr_ta_check_params checks `params` (info->nparams values) against the
 * table: range, whole numbers, and relations between parameters (e.g. a MACD
 * fast period below its slow one). The error names the parameter. */
int kr_ta_check_params(const kr_ta_info *info, const double *params,
                       kr_error *err);

/* kr_ta_parse_spec parses "name[:p1,p2,...]" (parameters in the table's
 * order, missing trailing ones take their defaults; "name:period=20" also
 * accepted) into the indicator and its parameters, checked. */
int kr_ta_parse_spec(const char *spec, const kr_ta_info **info,
                     double params[KR_TA_MAX_PARAMS], kr_error *err);

/* kr_ta_column_name writes the output column name: "<name>_<params joined by
 * _>" with ".<output>" for multi-output indicators, e.g. "macd_12_26_9.signal",
 * "bbands_20_2.upper". Returns the length like snprintf. */
size_t kr_ta_column_name(const kr_ta_info *info, const double *params,
                         int output, char *buf, size_t size);

/* kr_ta_run runs an indicator over a bar series in batch form: picks the
 * input columns, computes KR_TA_DAY when needed, writes info->noutputs
 * columns of b->n values into out[] (caller-allocated). */
int kr_ta_run(const kr_ta_info *info, const double *params, const kr_bars *b,
              double *const *out);

/* A heap-allocated stream for callers that do not manage state blocks. */
typedef struct kr_ta_stream kr_ta_stream;
int kr_ta_stream_new(const kr_ta_info *info, const double *params,
                     kr_ta_stream **out);
void kr_ta_stream_next(kr_ta_stream *s, const double *in, double *out);
void kr_ta_stream_free(kr_ta_stream *s);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_TA_H */

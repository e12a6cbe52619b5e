/* kinds.c -- the table of feature kinds and their batch functions.
 *
 * Every kind is one entry: its name, parameters (ta's kr_ta_param, so the
 * ranges are checked the same way), a one-line formula, its look-back and
 * a batch function over a kr_bars series. Parsing, `kairos features
 * --list` and docs/features.md come from this table alone.
 *
 * The batches are thin compositions of ta.h: windows are ta's SMA, STDDEV,
 * ZSCORE and BBANDS, never a loop of their own, so that the features agree
 * with the indicators to the bit and inherit their speed (each kind is a
 * few passes over its columns; the set computes the 1-bar log returns once
 * and hands them to every kind in kr_feature_work). ta's running sums
 * cannot forget a NaN, so windows over the log returns start at row 1,
 * where the first return is; a kind's first defined row is its look-back
 * on clean data, which the tests check for every entry.
 *
 * Ratios whose denominator is zero or undefined (a volume average of 0, a
 * zero-width Bollinger band) are not allowed to give infinities: the volume
 * ratios are NaN there and the band position is 0, the value of a close
 * that sits exactly on its mean (as ta's ZSCORE does on a flat window).
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "features/internal.h"
#include "kairos/features.h"
#include "kairos/ta.h"

/* ------------------------------------------------------------------------
 * Shared pieces
 * ------------------------------------------------------------------------ */

void kr__logret(const kr_bars *b, double *r1)
{
    if (b->n == 0)
        return;
    const double *c = b->close;
    r1[0] = NAN;
    for (size_t t = 1; t < b->n; t++)
        r1[t] = log(c[t] / c[t - 1]);
}

static void fill_nan(double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = NAN;
}

int kr__sma_from(size_t n, const double *x, size_t from, size_t period,
                 double *y)
{
    if (from >= n) {
        fill_nan(y, n);
        return KR_OK;
    }
    fill_nan(y, from);
    const double p[1] = {(double)period};
    const double *in[1] = {x + from};
    double *out[1] = {y + from};
    return kr_sma(n - from, in, p, out);
}

int kr__rolling_vol(size_t n, const double *r1, size_t window, double *out)
{
    if (n == 0)
        return KR_OK;
    out[0] = NAN;
    const double p[2] = {(double)window,
                         sqrt((double)window / (double)(window - 1))};
    const double *in[1] = {r1 + 1};
    double *o[1] = {out + 1};
    return kr_stddev(n - 1, in, p, o);
}

static size_t win(const double *p) { return (size_t)p[0]; }

/* ------------------------------------------------------------------------
 * The kinds
 * ------------------------------------------------------------------------ */

static size_t lb_zero(const double *p)
{
    (void)p;
    return 0;
}
static size_t lb_one(const double *p)
{
    (void)p;
    return 1;
}
static size_t lb_n(const double *p) { return win(p); }
static size_t lb_n1(const double *p) { return win(p) - 1; }

static int f_ret(const kr_bars *b, const double *p, const kr_feature_work *w,
                 double *y)
{
    (void)w;
    const size_t k = win(p), n = b->n;
    const double *c = b->close;
    size_t t = 0;
    for (; t < n && t < k; t++)
        y[t] = NAN;
    for (; t < n; t++)
        y[t] = log(c[t] / c[t - k]);
    return KR_OK;
}

static int f_vol(const kr_bars *b, const double *p, const kr_feature_work *w,
                 double *y)
{
    return kr__rolling_vol(b->n, w->r1, win(p), y);
}

static int f_range(const kr_bars *b, const double *p,
                   const kr_feature_work *w, double *y)
{
    (void)p;
    (void)w;
    for (size_t t = 0; t < b->n; t++)
        y[t] = (b->high[t] - b->low[t]) / b->close[t];
    return KR_OK;
}

static int f_gap(const kr_bars *b, const double *p, const kr_feature_work *w,
                 double *y)
{
    (void)p;
    (void)w;
    if (b->n)
        y[0] = NAN;
    for (size_t t = 1; t < b->n; t++)
        y[t] = b->open[t] / b->close[t - 1] - 1.0;
    return KR_OK;
}

/* num / den where den > 0, else NaN. */
static inline double ratio_pos(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

static int f_volratio(const kr_bars *b, const double *p,
                      const kr_feature_work *w, double *y)
{
    double *avg = w->tmp[0];
    int rc = kr__sma_from(b->n, b->volume, 0, win(p), avg);
    if (rc)
        return rc;
    for (size_t t = 0; t < b->n; t++)
        y[t] = ratio_pos(b->volume[t], avg[t]);
    return KR_OK;
}

static int f_dow(const kr_bars *b, const double *p, const kr_feature_work *w,
                 double *y)
{
    (void)p;
    (void)w;
    for (size_t t = 0; t < b->n; t++)
        y[t] = (double)kr_weekday_of_day(kr_ts_day(b->ts[t]));
    return KR_OK;
}

static int f_hour(const kr_bars *b, const double *p, const kr_feature_work *w,
                  double *y)
{
    (void)p;
    (void)w;
    for (size_t t = 0; t < b->n; t++) {
        const kr_ts ns = b->ts[t] - kr_ts_day(b->ts[t]) * KR_NS_PER_DAY;
        y[t] = (double)(ns / KR_NS_PER_HOUR);
    }
    return KR_OK;
}

static int f_month(const kr_bars *b, const double *p,
                   const kr_feature_work *w, double *y)
{
    (void)p;
    (void)w;
    int64_t last_day = INT64_MIN;
    double m = NAN;
    for (size_t t = 0; t < b->n; t++) {
        const int64_t day = kr_ts_day(b->ts[t]);
        if (day != last_day) {
            int64_t yy;
            unsigned mo, dd;
            kr_civil_from_days(day, &yy, &mo, &dd);
            m = (double)mo;
            last_day = day;
        }
        y[t] = m;
    }
    return KR_OK;
}

static int f_zvol(const kr_bars *b, const double *p, const kr_feature_work *w,
                  double *y)
{
    (void)w;
    const double pp[1] = {p[0]};
    const double *in[1] = {b->volume};
    double *out[1] = {y};
    return kr_zscore(b->n, in, pp, out);
}

static int f_dret(const kr_bars *b, const double *p, const kr_feature_work *w,
                  double *y)
{
    double *avg = w->tmp[0];
    int rc = kr__sma_from(b->n, w->r1, 1, win(p), avg);
    if (rc)
        return rc;
    for (size_t t = 0; t < b->n; t++)
        y[t] = w->r1[t] - avg[t];
    return KR_OK;
}

static int f_detrend(const kr_bars *b, const double *p,
                     const kr_feature_work *w, double *y)
{
    double *avg = w->tmp[0];
    int rc = kr__sma_from(b->n, b->close, 0, win(p), avg);
    if (rc)
        return rc;
    for (size_t t = 0; t < b->n; t++)
        y[t] = b->close[t] / avg[t] - 1.0;
    return KR_OK;
}

static int f_bbpos(const kr_bars *b, const double *p,
                   const kr_feature_work *w, double *y)
{
    const double pp[2] = {p[0], p[1]};
    const double *in[1] = {b->close};
    double *upper = y, *mid = w->tmp[0], *lower = w->tmp[1];
    double *out[3] = {upper, mid, lower};
    int rc = kr_bbands(b->n, in, pp, out);
    if (rc)
        return rc;
    for (size_t t = 0; t < b->n; t++) {
        const double width = upper[t] - lower[t];
        const double v = (b->close[t] - mid[t]) / width;
        /* NaN stays NaN (warm-up); a band of no width gives 0. */
        y[t] = width > 0 ? v : (isnan(width) ? NAN : 0.0);
    }
    return KR_OK;
}

static int f_vwmom(const kr_bars *b, const double *p,
                   const kr_feature_work *w, double *y)
{
    const size_t n = b->n;
    double *rv = w->tmp[0], *vsum = w->tmp[1];
    if (n)
        rv[0] = NAN;
    for (size_t t = 1; t < n; t++)
        rv[t] = w->r1[t] * b->volume[t];
    int rc = kr__sma_from(n, rv, 1, win(p), y);
    if (!rc)
        rc = kr__sma_from(n, b->volume, 1, win(p), vsum);
    if (rc)
        return rc;
    for (size_t t = 0; t < n; t++)
        y[t] = ratio_pos(y[t], vsum[t]);
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

#define WINDOW(name, def) {name, def, 2, 100000, true}

static const kr_feature_kind kinds[] = {
    {"ret", "log return over k bars", 1, {{"k", 1, 1, 100000, true}},
     "log(close[t] / close[t-k])", lb_n, f_ret},
    {"vol", "rolling volatility", 1, {WINDOW("n", 20)},
     "sample std of the last n 1-bar log returns", lb_n, f_vol},
    {"range", "bar range", 0, {{0}}, "(high - low) / close", lb_zero,
     f_range},
    {"gap", "opening gap", 0, {{0}}, "open[t] / close[t-1] - 1", lb_one,
     f_gap},
    {"volratio", "volume ratio", 1, {WINDOW("n", 20)},
     "volume / sma(volume, n); NaN when the average is 0", lb_n1,
     f_volratio},
    {"dow", "day of week", 0, {{0}}, "0 = Monday .. 6 = Sunday (UTC)",
     lb_zero, f_dow},
    {"hour", "hour of day", 0, {{0}}, "0 .. 23 (UTC)", lb_zero, f_hour},
    {"month", "month", 0, {{0}}, "1 .. 12 (UTC)", lb_zero, f_month},
    {"zvol", "z-scored volume", 1, {WINDOW("n", 20)},
     "(volume - mean) / population std over n bars (ta zscore); 0 when flat",
     lb_n1, f_zvol},
    {"dret", "demeaned return", 1, {WINDOW("n", 20)},
     "r1 - mean of the last n r1, r1 = log(close[t] / close[t-1])", lb_n,
     f_dret},
    {"detrend", "detrended price", 1, {WINDOW("n", 50)},
     "close / sma(close, n) - 1", lb_n1, f_detrend},
    {"bbpos", "Bollinger position", 2,
     {WINDOW("n", 20), {"k", 2, 0.01, 100, false}},
     "(close - middle) / (upper - lower), bands of ta bbands(n, k); 0 when "
     "the bands have no width",
     lb_n1, f_bbpos},
    {"vwmom", "volume-weighted momentum", 1, {WINDOW("n", 10)},
     "sum(r1 * volume, n) / sum(volume, n); NaN when the volume sum is 0",
     lb_n, f_vwmom},
    {"ind", "any ta indicator", 0, {{0}},
     "ind:NAME[:P1,...]: every output of the indicator (kairos ta --list)",
     NULL, NULL},
};

const kr_feature_kind *kr_feature_kinds(size_t *n)
{
    if (n)
        *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}

const kr_feature_kind *kr_feature_kind_find(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcasecmp(name, kinds[i].name))
            return &kinds[i];
    return NULL;
}

/* internal.h -- what the files of the features domain share and nobody
 * else sees: the log-return column, the rolling volatility the labels take
 * from the "vol" feature, and ta's SMA over the tail of a column.
 */
#ifndef KR_FEATURES_INTERNAL_H
#define KR_FEATURES_INTERNAL_H

#include <stddef.h>

#include "kairos/features.h"

/* r1[0] = NaN, r1[t] = log(close[t] / close[t-1]). */
void kr__logret(const kr_bars *b, double *r1);

/* out[t] = sample standard deviation of r1[t-window+1 .. t] (ta's STDDEV
 * scaled by sqrt(window / (window - 1))), NaN for t < window; r1 as made
 * by kr__logret, window >= 2. */
int kr__rolling_vol(size_t n, const double *r1, size_t window, double *out);

/* ta's SMA of x[from .. n) written to y[from .. n), NaN before from and in
 * its warm-up. */
int kr__sma_from(size_t n, const double *x, size_t from, size_t period,
                 double *y);

#endif

/* returns.c -- per-bar returns of an equity curve and periods per year.
 *
 * Returns are simple returns, E_i/E_{i-1} - 1, the unit every statistic in
 * this domain is defined on (docs/statistics.md). Periods per year turn
 * per-bar numbers into annual ones; they are inferred from the timestamps
 * with two questions only: does the market trade at weekends (any bar on a
 * Saturday or Sunday UTC: 365 days a year, else 252), and how many bars make
 * a day (several bars on a UTC day: intraday, the average count per
 * distinct day, leaving out the first and last days, often partial, when
 * there are others). An average rather than a median keeps the inference
 * allocation-free and one pass; a short holiday session moves it by a
 * fraction of a bar, and the result is rounded. A caller who knows
 * better passes an override.
 */
#include <math.h>

#include "kairos/stats.h"

int kr_returns(size_t n, const double *equity, double *out)
{
    if (n < 2)
        return KR_EEMPTY;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(equity[i]) || equity[i] <= 0)
            return KR_EINVAL;
    for (size_t i = 1; i < n; i++)
        out[i - 1] = equity[i] / equity[i - 1] - 1.0;
    return KR_OK;
}

int kr_periods_per_year(size_t n, const kr_ts *ts, double override,
                        double *ppy)
{
    if (isnan(override) || override < 0)
        return KR_EINVAL;
    if (override > 0) {
        *ppy = override;
        return KR_OK;
    }
    if (n < 2)
        return KR_EEMPTY;
    int weekend = 0;
    size_t days = 1, first = 0, last = 0; /* bars on the first, last day */
    int64_t day0 = kr_ts_day(ts[0]), prev_day = day0;
    /* The day and its weekday change only at a day boundary: bars before
     * `day_end` are on prev_day, so intraday data skips the division. */
    const int64_t last_day = INT64_MAX / KR_NS_PER_DAY - 1;
    kr_ts day_end = day0 < last_day ? (day0 + 1) * KR_NS_PER_DAY : INT64_MAX;
    if (kr_weekday_of_day(day0) >= 5)
        weekend = 1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ts[i] <= ts[i - 1])
            return KR_EINVAL;
        if (ts[i] >= day_end) {
            int64_t d = kr_ts_day(ts[i]);
            if (kr_weekday_of_day(d) >= 5)
                weekend = 1;
            days++;
            prev_day = d;
            day_end = d < last_day ? (d + 1) * KR_NS_PER_DAY : INT64_MAX;
            last = 0;
        }
        last++;
        if (prev_day == day0)
            first++;
    }
    double year = weekend ? 365.0 : 252.0;
    if (days < n) {
        /* Whole sessions only when there are some: the first and last
         * day of a series are often partial. */
        double per_day = days >= 3 ? (double)(n - first - last) /
                                         (double)(days - 2)
                                   : (double)n / (double)days;
        per_day = round(per_day);
        *ppy = per_day * year;
        return KR_OK;
    }
    /* One bar a day at most: the average spacing in days. */
    double spacing = (double)(ts[n - 1] - ts[0]) / (double)(n - 1) /
                     (double)KR_NS_PER_DAY;
    if (spacing < 5.0)
        *ppy = year;
    else
        *ppy = fmax(1.0, round(365.25 / spacing));
    return KR_OK;
}

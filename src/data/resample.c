/* resample.c -- aggregation of bars into coarser, calendar-aligned buckets.
 *
 * A bucket is a half-open time range [start, end). Fixed intervals are floor
 * divisions of the timestamp: on the epoch for anything that is not a whole
 * number of weeks (so 5m buckets start at :00, :05, ... and 1d buckets at UTC
 * midnight), and on Monday 1970-01-05 for whole weeks. Month intervals count
 * months since 1970-01 and start a bucket on the 1st of every month whose
 * index is divisible by the interval, so 3M gives calendar quarters and 12M
 * calendar years. The input is sorted, so the loop only works out a new
 * bucket when a timestamp reaches the end of the current one: the common
 * step is a comparison and five arithmetic updates, with the output sized
 * once, before the loop, from an upper bound on the number of buckets.
 *
 * All arithmetic on timestamps is checked against int64 overflow: a bucket
 * start that would fall before the smallest representable time makes the call
 * fail with KR_ERANGE, and a bucket end beyond the largest one saturates.
 */
#include <string.h>

#include "kairos/data.h"

/* 1970-01-05, the first Monday after the epoch, in ns. */
#define MONDAY_OFFSET (4 * KR_NS_PER_DAY)
/* The longest month: bounds the length of an N-month bucket by N * 31 days. */
#define LONGEST_MONTH (31 * KR_NS_PER_DAY)

/* The bucket scheme of one resampling, fixed for the whole call. */
typedef struct bucketing {
    int64_t ns;     /* fixed length, or 0 for months */
    int64_t offset; /* alignment origin of fixed buckets */
    int32_t months; /* months per bucket, or 0 */
} bucketing;

/* Floor division for a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b < 0)
        q--;
    return q;
}

/* Converts a day number to a timestamp at its midnight; false when that
 * midnight is outside the int64 range. */
static bool day_to_ts(int64_t day, kr_ts *out)
{
    if (day < INT64_MIN / KR_NS_PER_DAY || day > INT64_MAX / KR_NS_PER_DAY)
        return false;
    *out = day * KR_NS_PER_DAY;
    return true;
}

/* The month index (months since 1970-01, floored) of a timestamp. */
static int64_t month_index(kr_ts t)
{
    int64_t y;
    unsigned m, d;
    kr_civil_from_days(kr_ts_day(t), &y, &m, &d);
    return (y - 1970) * 12 + (int64_t)m - 1;
}

/* Midnight of the 1st of month index `mi` as a day number. */
static int64_t month_first_day(int64_t mi)
{
    int64_t y = 1970 + floor_div(mi, 12);
    unsigned m = (unsigned)(mi - floor_div(mi, 12) * 12) + 1;
    return kr_days_from_civil(y, m, 1);
}

/* Finds the bucket that holds `t`. The start must be representable
 * (KR_ERANGE otherwise); the end saturates at INT64_MAX. */
static int bucket_of(const bucketing *bk, kr_ts t, kr_ts *start, kr_ts *end)
{
    if (bk->ns) {
        if (t < INT64_MIN + bk->offset)
            return KR_ERANGE;
        int64_t q = floor_div(t - bk->offset, bk->ns);
        if (q < INT64_MIN / bk->ns)
            return KR_ERANGE;
        /* q * ns <= t - offset, so adding the offset back cannot overflow. */
        *start = q * bk->ns + bk->offset;
        *end = *start > INT64_MAX - bk->ns ? INT64_MAX : *start + bk->ns;
        return KR_OK;
    }
    int64_t mi = floor_div(month_index(t), bk->months) * bk->months;
    if (!day_to_ts(month_first_day(mi), start))
        return KR_ERANGE;
    if (!day_to_ts(month_first_day(mi + bk->months), end))
        *end = INT64_MAX;
    return KR_OK;
}

/* An upper bound on the number of buckets between the first and last row,
 * never more than the number of rows. */
static size_t bucket_bound(const bucketing *bk, const kr_bars *in)
{
    kr_ts first = in->ts[0], last = in->ts[in->n - 1];
    uint64_t span;
    if (bk->ns) {
        span = ((uint64_t)last - (uint64_t)first) / (uint64_t)bk->ns + 2;
    } else {
        int64_t d = month_index(last) - month_index(first);
        span = (uint64_t)(d / bk->months) + 2;
    }
    return span < in->n ? (size_t)span : in->n;
}

/* Makes `out` an empty series shaped like `in` with room for `cap` rows. */
static int init_like(const kr_bars *in, size_t cap, kr_bars *out)
{
    unsigned flags = (in->adj_close ? KR_BARS_ADJ : 0u) |
                     (in->line ? KR_BARS_LINES : 0u);
    return kr_bars_init(out, in->symbol, cap, flags);
}

int kr_bars_resample(const kr_bars *in, kr_interval to, kr_bars *out)
{
    int rc;
    if (!in || !out)
        return KR_EINVAL;
    memset(out, 0, sizeof *out);
    if (to.ns < 0 || to.months < 0 || (to.ns == 0) == (to.months == 0))
        return KR_EINVAL;
    if (!kr_bars_is_sorted_unique(in))
        return KR_EINVAL;
    /* A month target is finer than the data only when even its longest
     * possible bucket is shorter than the input interval, so that monthly
     * data (whose most frequent gap is 31 days) resamples to 1M. */
    int64_t have = kr_bars_interval(in);
    if (to.ns && to.ns < have)
        return KR_EINVAL;
    if (to.months && (int64_t)to.months * LONGEST_MONTH < have)
        return KR_EINVAL;

    bucketing bk = {to.ns, 0, to.months};
    if (to.ns && to.ns % (7 * KR_NS_PER_DAY) == 0)
        bk.offset = MONDAY_OFFSET;
    if (in->n == 0)
        return init_like(in, 0, out);

    /* The first row has the earliest bucket: if its start is representable,
     * every later one is too. */
    kr_ts start, end;
    rc = bucket_of(&bk, in->ts[0], &start, &end);
    if (rc)
        return rc;
    rc = init_like(in, bucket_bound(&bk, in), out);
    if (rc)
        return rc;

    const kr_ts *ts = in->ts;
    const double *op = in->open, *hi = in->high, *lo = in->low;
    const double *cl = in->close, *vo = in->volume, *adj = in->adj_close;
    size_t k = 0; /* index of the bar being built */
    out->ts[0] = start;
    out->open[0] = op[0];
    out->high[0] = hi[0];
    out->low[0] = lo[0];
    out->close[0] = cl[0];
    out->volume[0] = vo[0];
    if (adj)
        out->adj_close[0] = adj[0];
    if (in->line)
        out->line[0] = in->line[0];
    for (size_t i = 1; i < in->n; i++) {
        if (ts[i] >= end) {
            kr_ts s;
            rc = bucket_of(&bk, ts[i], &s, &end);
            if (rc) /* unreachable: starts only grow from the first one */
                goto err;
            if (s != start) {
                start = s;
                if (++k >= out->cap) { /* unreachable: see bucket_bound */
                    rc = KR_ERANGE;
                    goto err;
                }
                out->ts[k] = start;
                out->open[k] = op[i];
                out->high[k] = hi[i];
                out->low[k] = lo[i];
                out->close[k] = cl[i];
                out->volume[k] = vo[i];
                if (adj)
                    out->adj_close[k] = adj[i];
                if (in->line)
                    out->line[k] = in->line[i];
                continue;
            }
        }
        if (hi[i] > out->high[k])
            out->high[k] = hi[i];
        if (lo[i] < out->low[k])
            out->low[k] = lo[i];
        out->close[k] = cl[i];
        out->volume[k] += vo[i];
        if (adj)
            out->adj_close[k] = adj[i];
    }
    out->n = k + 1;
    return KR_OK;
err:
    kr_bars_free(out);
    memset(out, 0, sizeof *out);
    return rc;
}

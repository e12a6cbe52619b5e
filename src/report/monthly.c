/* monthly.c -- the monthly and yearly returns of an equity curve.
 *
 * One pass over the curve: a month's return is its last equity over the
 * last equity before it (the previous month that has a point, or the
 * curve's first point for the first month), minus one; a year's return is
 * the same with years, so it equals the product of its months' growth. Months
 * are calendar months in UTC. The result is a dense years x 12 grid (NaN
 * where a month has no point), allocated once: a forty-year run is 480 cells.
 */
#include <math.h>
#include <stdlib.h>

#include "report/internal.h"

static void year_month(kr_ts t, int64_t *y, unsigned *m)
{
    unsigned d;
    kr_civil_from_days(kr_ts_day(t), y, m, &d);
}

void kr__monthly_free(kr__monthly *m)
{
    if (m == NULL)
        return;
    free(m->month);
    free(m->year);
    m->month = m->year = NULL;
    m->nyears = 0;
}

int kr__monthly_compute(size_t n, const kr_ts *ts, const double *equity,
                        kr__monthly *out)
{
    out->year0 = 0;
    out->nyears = 0;
    out->month = out->year = NULL;
    if (n == 0)
        return KR_EEMPTY;
    int64_t y0, y1;
    unsigned m0, m1;
    year_month(ts[0], &y0, &m0);
    year_month(ts[n - 1], &y1, &m1);
    if (y1 < y0)
        return KR_EINVAL;
    size_t ny = (size_t)(y1 - y0 + 1);
    out->month = malloc(ny * 12 * sizeof *out->month);
    out->year = malloc(ny * sizeof *out->year);
    if (out->month == NULL || out->year == NULL) {
        kr__monthly_free(out);
        return KR_ENOMEM;
    }
    out->year0 = y0;
    out->nyears = ny;
    for (size_t i = 0; i < ny * 12; i++)
        out->month[i] = NAN;
    for (size_t i = 0; i < ny; i++)
        out->year[i] = NAN;

    double mbase = equity[0], ybase = equity[0];
    size_t cell = (size_t)(m0 - 1); /* month index of the current run */
    size_t yr = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t y;
        unsigned m;
        year_month(ts[i], &y, &m);
        size_t c = (size_t)(y - y0) * 12 + (m - 1);
        if (c != cell) {
            /* The month `cell` ended at point i - 1. */
            mbase = equity[i - 1];
            cell = c;
        }
        if ((size_t)(y - y0) != yr) {
            ybase = equity[i - 1];
            yr = (size_t)(y - y0);
        }
        /* Rewritten at every point: the month's last point wins. */
        out->month[c] = equity[i] / mbase - 1.0;
        out->year[yr] = equity[i] / ybase - 1.0;
    }
    return KR_OK;
}

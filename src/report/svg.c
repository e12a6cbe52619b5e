/* svg.c -- charts for the HTML report: downsampling, axis ticks, inline SVG.
 *
 * A chart is drawn in C as inline SVG, so the page needs no script, font or
 * image to show it. Three pieces:
 *
 *   - the downsampler (kr__ds) cuts the time span into KR__CHART_BUCKETS
 *     buckets, one per pixel column of the plot at its natural width, and
 *     keeps the minimum and the maximum of each, in the order they happened.
 *     A line through the kept points looks like the full line at that width
 *     -- a one-bar crash still reaches its low -- and a chart never holds
 *     more than 2 x 1000 points however long the run (a polyline of 2000
 *     points is about 25 KB). Its two arrays are allocated at init; a push
 *     costs a division and a few compares.
 *   - ticks: values get 1-2-2.5-5 x 10^k steps; dates get the roundest
 *     calendar step (minutes, hours, days, weeks, months, years) that gives
 *     at most `target` ticks, aligned on calendar boundaries in UTC.
 *   - drawing: kr__chart_open writes the <svg> with a viewBox (it scales to
 *     the page width), the horizontal grid, the value labels on the left and
 *     the dates below; lines and areas are polylines and polygons in
 *     one-decimal coordinates. The <svg> carries its scales as data-*
 *     attributes so that the page's optional tooltip script can turn a
 *     pointer position back into a date and a value.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"

/* ------------------------------------------------------------------------
 * Downsampling
 * ------------------------------------------------------------------------ */

int kr__ds_init(kr__ds *d, kr_ts t0, kr_ts t1, size_t nb)
{
    memset(d, 0, sizeof *d);
    if (nb == 0)
        return KR_EINVAL;
    d->nb = nb;
    d->cap = 2 * nb;
    d->t = malloc(d->cap * sizeof *d->t);
    d->v = malloc(d->cap * sizeof *d->v);
    if (d->t == NULL || d->v == NULL) {
        kr__ds_free(d);
        return KR_ENOMEM;
    }
    kr__ds_reset(d, t0, t1);
    return KR_OK;
}

void kr__ds_reset(kr__ds *d, kr_ts t0, kr_ts t1)
{
    d->t0 = t0;
    d->t1 = t1 > t0 ? t1 : t0 + 1;
    d->n = 0;
    d->cur = SIZE_MAX;
    d->lo = d->hi = NAN;
    d->pushed = 0;
}

void kr__ds_free(kr__ds *d)
{
    free(d->t);
    free(d->v);
    d->t = NULL;
    d->v = NULL;
    d->n = d->cap = 0;
}

static void ds_emit(kr__ds *d, kr_ts t, double v)
{
    if (d->n < d->cap) {
        d->t[d->n] = t;
        d->v[d->n] = v;
        d->n++;
    }
}

static void ds_flush(kr__ds *d)
{
    if (d->cur == SIZE_MAX)
        return;
    if (d->tmin == d->tmax) {
        ds_emit(d, d->tmin, d->vmin);
    } else if (d->tmin < d->tmax) {
        ds_emit(d, d->tmin, d->vmin);
        ds_emit(d, d->tmax, d->vmax);
    } else {
        ds_emit(d, d->tmax, d->vmax);
        ds_emit(d, d->tmin, d->vmin);
    }
}

void kr__ds_push(kr__ds *d, kr_ts t, double v)
{
    if (!isfinite(v))
        return;
    double span = (double)(d->t1 - d->t0);
    double pos = (double)(t - d->t0) / span * (double)d->nb;
    size_t b = pos <= 0 ? 0 : pos >= (double)d->nb ? d->nb - 1 : (size_t)pos;
    /* Buckets only move forward: a point stamped before the current
     * bucket (out of order input) joins it instead. */
    if (d->cur != SIZE_MAX && b < d->cur)
        b = d->cur;
    if (b != d->cur) {
        ds_flush(d);
        d->cur = b;
        d->tmin = d->tmax = t;
        d->vmin = d->vmax = v;
    } else {
        if (v < d->vmin) {
            d->vmin = v;
            d->tmin = t;
        }
        if (v > d->vmax) {
            d->vmax = v;
            d->tmax = t;
        }
    }
    if (d->pushed == 0 || v < d->lo)
        d->lo = v;
    if (d->pushed == 0 || v > d->hi)
        d->hi = v;
    d->pushed++;
}

void kr__ds_finish(kr__ds *d)
{
    ds_flush(d);
    d->cur = SIZE_MAX;
}

/* ------------------------------------------------------------------------
 * Value ticks and labels
 * ------------------------------------------------------------------------ */

double kr__nice_step(double range, int target)
{
    double raw = range / target;
    double p = pow(10.0, floor(log10(raw)));
    double fr = raw / p;
    double s = fr <= 1 ? 1 : fr <= 2 ? 2 : fr <= 2.5 ? 2.5 : fr <= 5 ? 5 : 10;
    return s * p;
}

/* Decimals needed to write multiples of `step` exactly (at most 6). */
static int step_decimals(double step)
{
    for (int d = 0; d < 6; d++) {
        double s = step * pow(10.0, d);
        if (fabs(s - nearbyint(s)) < 1e-6 * s)
            return d;
    }
    return 6;
}

size_t kr__axis_label(double v, double step, double absmax, int fmt,
                      char *buf, size_t size)
{
    if (fabs(v) < step * 1e-9)
        v = 0; /* no "-0" */
    if (fmt == KR__FMT_PCT)
        return (size_t)snprintf(buf, size, "%.*f%%",
                                step_decimals(step * 100), v * 100);
    if (fmt == KR__FMT_MONEY && absmax >= 1e6)
        return (size_t)snprintf(buf, size, "%.*fM",
                                step_decimals(step / 1e6), v / 1e6);
    if (fmt == KR__FMT_MONEY && absmax >= 1e4)
        return (size_t)snprintf(buf, size, "%.*fk",
                                step_decimals(step / 1e3), v / 1e3);
    return (size_t)snprintf(buf, size, "%.*f", step_decimals(step), v);
}

/* ------------------------------------------------------------------------
 * Date ticks
 * ------------------------------------------------------------------------ */

static const char *const MONTHS[12] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};

static int64_t ceil_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q;
}

size_t kr__time_ticks(kr_ts t0, kr_ts t1, size_t target,
                      kr_ts ticks[KR__TIME_TICKS_MAX],
                      char labels[KR__TIME_TICKS_MAX][24])
{
    if (target < 2)
        target = 2;
    if (target > KR__TIME_TICKS_MAX)
        target = KR__TIME_TICKS_MAX;
    if (t1 <= t0)
        return 0;
    static const int64_t fixed[] = {
        KR_NS_PER_MIN,      5 * KR_NS_PER_MIN,  15 * KR_NS_PER_MIN,
        30 * KR_NS_PER_MIN, KR_NS_PER_HOUR,     2 * KR_NS_PER_HOUR,
        3 * KR_NS_PER_HOUR, 6 * KR_NS_PER_HOUR, 12 * KR_NS_PER_HOUR,
        KR_NS_PER_DAY,      2 * KR_NS_PER_DAY,  7 * KR_NS_PER_DAY,
        14 * KR_NS_PER_DAY,
    };
    static const int months[] = {1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200};
    int64_t span = t1 - t0;
    size_t n = 0;
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        int64_t step = fixed[k];
        if (span / step > (int64_t)target)
            continue;
        /* Weeks start on Mondays: 1970-01-05 is day 4. */
        int64_t off = step >= 7 * KR_NS_PER_DAY ? 4 * KR_NS_PER_DAY : 0;
        int64_t first = ceil_div(t0 - off, step) * step + off;
        int64_t fd = kr_ts_day(t0), ld = kr_ts_day(t1);
        for (kr_ts t = first; t <= t1 && n < KR__TIME_TICKS_MAX; t += step) {
            int64_t y;
            unsigned mo, d;
            kr_civil_from_days(kr_ts_day(t), &y, &mo, &d);
            int64_t tod = t - kr_ts_day(t) * KR_NS_PER_DAY;
            int hh = (int)(tod / KR_NS_PER_HOUR);
            int mm = (int)(tod / KR_NS_PER_MIN % 60);
            if (step >= KR_NS_PER_DAY)
                snprintf(labels[n], 24, "%s %u", MONTHS[mo - 1], d);
            else if (fd == ld)
                snprintf(labels[n], 24, "%02d:%02d", hh, mm);
            else
                snprintf(labels[n], 24, "%s %u %02d:%02d", MONTHS[mo - 1], d,
                         hh, mm);
            ticks[n++] = t;
        }
        return n;
    }
    int64_t y0, y1;
    unsigned m0, m1, d0, d1;
    kr_civil_from_days(kr_ts_day(t0), &y0, &m0, &d0);
    kr_civil_from_days(kr_ts_day(t1), &y1, &m1, &d1);
    int64_t i0 = y0 * 12 + (m0 - 1), i1 = y1 * 12 + (m1 - 1);
    if (kr_ts_from_civil(y0, m0, 1, 0, 0, 0, 0) < t0)
        i0++; /* the first whole month starts after t0 */
    for (size_t k = 0; k < sizeof months / sizeof months[0]; k++) {
        int64_t step = months[k];
        if ((i1 - i0) / step + 1 > (int64_t)target &&
            k + 1 < sizeof months / sizeof months[0])
            continue;
        for (int64_t i = ceil_div(i0, step) * step; i <= i1; i += step) {
            if (n >= KR__TIME_TICKS_MAX)
                break;
            int64_t y = i >= 0 ? i / 12 : -ceil_div(-i, 12);
            unsigned mo = (unsigned)(i - y * 12) + 1;
            ticks[n] = kr_ts_from_civil(y, mo, 1, 0, 0, 0, 0);
            if (step % 12 == 0)
                snprintf(labels[n], 24, "%" PRId64, y);
            else
                snprintf(labels[n], 24, "%s %" PRId64, MONTHS[mo - 1], y);
            n++;
        }
        return n;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

void kr__chart_setup(kr__chart *c, double w, double h, kr_ts t0, kr_ts t1,
                     double lo, double hi, int fmt)
{
    c->w = w;
    c->h = h;
    c->ml = 64;
    c->mr = 16;
    c->mt = 12;
    c->mb = 28;
    c->t0 = t0;
    c->t1 = t1 > t0 ? t1 : t0 + 1;
    c->fmt = fmt;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi <= lo) {
        double pad = fabs(hi) > 0 ? fabs(hi) * 0.05 : 1;
        lo -= pad;
        hi += pad;
    }
    double step = kr__nice_step(hi - lo, 5);
    c->v0 = floor(lo / step) * step;
    c->v1 = ceil(hi / step) * step;
}

double kr__chart_x(const kr__chart *c, kr_ts t)
{
    double fr = (double)(t - c->t0) / (double)(c->t1 - c->t0);
    return c->ml + fr * (c->w - c->ml - c->mr);
}

double kr__chart_y(const kr__chart *c, double v)
{
    double fr = (v - c->v0) / (c->v1 - c->v0);
    return c->h - c->mb - fr * (c->h - c->mt - c->mb);
}

void kr__chart_open(FILE *f, const kr__chart *c, const char *cls,
                    const char *label)
{
    double x0 = c->ml, x1 = c->w - c->mr;
    double ytop = c->mt, ybot = c->h - c->mb;
    fprintf(f,
            "<svg class=\"chart %s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
            "aria-label=\"",
            cls, c->w, c->h);
    kr__html_put(f, label);
    /* Scales for the tooltip script: ms since the epoch, values. */
    fprintf(f,
            "\" data-t0=\"%" PRId64 "\" data-t1=\"%" PRId64 "\" data-x0=\"%.1f\""
            " data-x1=\"%.1f\" data-v0=\"%.17g\" data-v1=\"%.17g\" "
            "data-y0=\"%.1f\" data-y1=\"%.1f\" data-fmt=\"%s\">\n",
            c->t0 / KR_NS_PER_MS, c->t1 / KR_NS_PER_MS, x0, x1, c->v0, c->v1,
            ybot, ytop,
            c->fmt == KR__FMT_PCT ? "pct" : c->fmt == KR__FMT_MONEY ? "money"
                                                                    : "num");
    /* Value grid and labels. */
    double step = kr__nice_step(c->v1 - c->v0, 5);
    double absmax = fmax(fabs(c->v0), fabs(c->v1));
    fputs("<g class=\"grid\">", f);
    for (int k = 0;; k++) {
        double v = c->v0 + k * step;
        if (v > c->v1 + step * 1e-6 || k > 50)
            break;
        char lab[32];
        kr__axis_label(v, step, absmax, c->fmt, lab, sizeof lab);
        double y = kr__chart_y(c, v);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"yl\" x=\"%.1f\" y=\"%.1f\">%s</text>",
                x0, y, x1, y, x0 - 6, y + 4, lab);
    }
    fputs("</g>\n<g class=\"xaxis\">", f);
    kr_ts ticks[KR__TIME_TICKS_MAX];
    char labels[KR__TIME_TICKS_MAX][24];
    size_t nt = kr__time_ticks(c->t0, c->t1, 8, ticks, labels);
    for (size_t i = 0; i < nt; i++) {
        double x = kr__chart_x(c, ticks[i]);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">%s</text>",
                x, ybot, x, ybot + 5, x, ybot + 18, labels[i]);
    }
    fprintf(f,
            "<line class=\"base\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
            "y2=\"%.1f\"/></g>\n",
            x0, ybot, x1, ybot);
}

void kr__chart_close(FILE *f)
{
    fputs("</svg>\n", f);
}

static void put_points(FILE *f, const kr__chart *c, const kr__ds *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", kr__chart_x(c, d->t[i]),
                kr__chart_y(c, d->v[i]));
}

void kr__chart_line(FILE *f, const kr__chart *c, const kr__ds *d,
                    const char *cls)
{
    if (d->n == 0)
        return;
    fprintf(f, "<polyline class=\"%s\" points=\"", cls);
    put_points(f, c, d);
    fputs("\"/>\n", f);
}

void kr__chart_area(FILE *f, const kr__chart *c, const kr__ds *d, double base,
                    const char *cls)
{
    if (d->n == 0)
        return;
    double yb = kr__chart_y(c, base);
    fprintf(f, "<polygon class=\"%s\" points=\"%.1f,%.1f ", cls,
            kr__chart_x(c, d->t[0]), yb);
    put_points(f, c, d);
    fprintf(f, " %.1f,%.1f\"/>\n", kr__chart_x(c, d->t[d->n - 1]), yb);
}

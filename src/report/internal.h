/* internal.h -- helpers shared by the report writers (src/report).
 *
 * Nothing here is public: the names are kr__ and the layouts may change. The
 * writers share four things: quoting (CSV fields and HTML text), the names a
 * report gives to symbols, sides and roles; the monthly returns of an equity
 * curve (monthly.c); and the chart machinery of svg.c -- a downsampler that
 * keeps the min and max of each pixel column, nice axis ticks for values and
 * dates, and the drawing of axes, lines and areas into an inline <svg>.
 */
#ifndef KAIROS_REPORT_INTERNAL_H
#define KAIROS_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kairos/report.h"

/* ------------------------------------------------------------------------
 * Quoting and names (util.c)
 * ------------------------------------------------------------------------ */

/* kr__csv_put writes `s` as one CSV field: as is when it holds no comma,
 * quote, CR or LF, else in double quotes with quotes doubled (RFC 4180).
 * NULL writes nothing (an empty field). */
void kr__csv_put(FILE *f, const char *s);

/* kr__html_put writes `s` as HTML text or attribute value: & < > " ' are
 * written as entities and control bytes other than tab and newline are
 * dropped. NULL writes nothing. */
void kr__html_put(FILE *f, const char *s);

/* kr__report_symbol returns in->names[sym] when there is one, else writes
 * "S<sym>" into buf and returns buf. */
const char *kr__report_symbol(const kr_backtest_input *in, uint32_t sym,
                              char *buf, size_t size);

/* "long"/"short" of a trade's side, "buy"/"sell" of an order's side, and the
 * snake_case name of a kr_order_role ("entry", "take_profit", ...). */
const char *kr__trade_side_name(int32_t side);
const char *kr__order_side_name(int32_t side);
const char *kr__role_name(int32_t role);

/* kr__fmt_money writes v with two decimals and thousands separators
 * ("-1,234,567.89"); "n/a" for NaN, "inf"/"-inf" for infinities. */
size_t kr__fmt_money(double v, char *buf, size_t size);

/* ------------------------------------------------------------------------
 * Monthly returns (monthly.c)
 * ------------------------------------------------------------------------ */

/* The returns of each calendar month (UTC) of an equity curve: the last
 * equity of the month over the last equity of the month before that has a
 * point (the first point for the first month), minus one; and of each year,
 * the same with years. Months without a point are NaN. */
typedef struct kr__monthly {
    int64_t year0;   /* first year */
    size_t nyears;
    double *month;   /* nyears x 12, row per year; owned */
    double *year;    /* nyears; owned */
} kr__monthly;

/* kr__monthly_compute fills `out` (set up by the call; free it with
 * kr__monthly_free, also after an error). Returns KR_OK, KR_EEMPTY for no
 * points, KR_ENOMEM. */
int kr__monthly_compute(size_t n, const kr_ts *ts, const double *equity,
                        kr__monthly *out);
void kr__monthly_free(kr__monthly *m);

/* ------------------------------------------------------------------------
 * Charts (svg.c)
 * ------------------------------------------------------------------------ */

/* Pixel columns of a chart's plot area: the downsampler keeps at most two
 * points (min, max) per column. */
#define KR__CHART_BUCKETS 1000

/* A downsampler: fed (t, v) in time order, it keeps per bucket of time the
 * minimum and the maximum, in the order they happened, so a line through
 * them keeps every spike. Non-finite values are skipped. The arrays are
 * allocated once by kr__ds_init (2 x nb points); push never allocates. */
typedef struct kr__ds {
    kr_ts t0, t1;
    size_t nb;
    kr_ts *t;        /* kept points; owned */
    double *v;
    size_t n, cap;
    size_t cur;      /* bucket being filled, SIZE_MAX before the first */
    kr_ts tmin, tmax;
    double vmin, vmax;
    double lo, hi;   /* range of every value pushed (NaN before any) */
    size_t pushed;   /* values pushed */
} kr__ds;

int kr__ds_init(kr__ds *d, kr_ts t0, kr_ts t1, size_t nb);
void kr__ds_reset(kr__ds *d, kr_ts t0, kr_ts t1);
void kr__ds_push(kr__ds *d, kr_ts t, double v);
/* Flushes the last bucket; call once after the last push. */
void kr__ds_finish(kr__ds *d);
void kr__ds_free(kr__ds *d);

/* How axis values are labelled. */
enum { KR__FMT_NUM = 0, KR__FMT_MONEY, KR__FMT_PCT };

/* A chart: an SVG of w x h user units with a plot area inside the margins,
 * time on x from t0 to t1, values on y from v0 (bottom) to v1 (top). */
typedef struct kr__chart {
    double w, h;
    double ml, mr, mt, mb;
    kr_ts t0, t1;
    double v0, v1;
    int fmt;
} kr__chart;

/* kr__chart_setup sets the size, margins and time span, and picks a value
 * axis that holds [lo, hi] with round tick steps. */
void kr__chart_setup(kr__chart *c, double w, double h, kr_ts t0, kr_ts t1,
                     double lo, double hi, int fmt);
double kr__chart_x(const kr__chart *c, kr_ts t);
double kr__chart_y(const kr__chart *c, double v);

/* kr__chart_open writes the <svg> element (with the data-* attributes the
 * page's tooltip script reads), the grid, the axes and their labels;
 * kr__chart_close ends it. `label` is the chart's accessible name. */
void kr__chart_open(FILE *f, const kr__chart *c, const char *cls,
                    const char *label);
void kr__chart_close(FILE *f);
/* A polyline through the kept points of d, with CSS class cls. */
void kr__chart_line(FILE *f, const kr__chart *c, const kr__ds *d,
                    const char *cls);
/* A filled area between the kept points of d and the value `base`. */
void kr__chart_area(FILE *f, const kr__chart *c, const kr__ds *d, double base,
                    const char *cls);

/* A round tick step (1, 2, 2.5 or 5 x 10^k) that cuts `range` into about
 * `target` pieces. */
double kr__nice_step(double range, int target);

/* kr__axis_label writes an axis label for v on an axis with tick step
 * `step` in format fmt ("1.2M", "-10%", "250"). */
size_t kr__axis_label(double v, double step, double absmax, int fmt,
                      char *buf, size_t size);

/* The date ticks of [t0, t1]: at most KR__TIME_TICKS_MAX round instants
 * (years, months, days, hours, ...) and their labels. Returns the count. */
#define KR__TIME_TICKS_MAX 16
size_t kr__time_ticks(kr_ts t0, kr_ts t1, size_t target,
                      kr_ts ticks[KR__TIME_TICKS_MAX],
                      char labels[KR__TIME_TICKS_MAX][24]);

#endif /* KAIROS_REPORT_INTERNAL_H */

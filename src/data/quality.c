/* quality.c -- data-quality checks over bars and quotes, and their findings.
 *
 * The checks read a series exactly as the file gave it and never modify it,
 * because the point is to name the line of every bad row: a sorted copy would
 * have lost the evidence. They run in two passes. The first walks the rows in
 * file order and judges each row alone or against the row above it (prices,
 * OHLC relations, volume, order). The second walks a time-ordered,
 * de-duplicated view: a stable sort of row indices, so that of several rows
 * with one timestamp the first in the file is kept and the others are
 * reported as its duplicates. A file already in order, the common case, gets
 * no index array at all; one written newest first gets it in one backward
 * pass; anything else gets a merge sort that skips halves already in order,
 * so chunks concatenated in the wrong order cost little. The view costs one
 * size_t per row (two while sorting), allocated once per series. Nothing is
 * allocated per row and a clean series formats no text: ten million rows
 * check in about 0.2 s in order.
 *
 * Findings are small fixed-size records (about 250 bytes) collected in a
 * growing array. A garbage file could produce one per row per check, so each
 * check stores at most limit_per_check of them and only counts the rest; the
 * checks test that limit before formatting a message, so a file that is wrong
 * everywhere costs counting, not printing.
 *
 * Every check is described once, in the table below: the command line's
 * --list-checks prints it, and a test holds docs/data-quality.md to it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/internal.h"
#include "kairos/data.h"

/* ------------------------------------------------------------------------
 * The check table
 * ------------------------------------------------------------------------ */

static const kr_check_info check_table[KR_CHECK__COUNT] = {
    [KR_CHECK_UNPARSABLE] = {"unparsable_row", KR_SEV_HIGH, "rows",
        "A row the loader could not use (a field is missing or not a number "
        "or time); the row was skipped."},
    [KR_CHECK_DUPLICATE] = {"duplicate_timestamp", KR_SEV_HIGH, "bars, quotes",
        "A row repeats the timestamp of an earlier row of the same series, "
        "as an identical copy or with conflicting values."},
    [KR_CHECK_OUT_OF_ORDER] = {"out_of_order", KR_SEV_HIGH, "bars, quotes",
        "A row's timestamp is earlier than the row above it in the file."},
    [KR_CHECK_OHLC] = {"ohlc_inconsistent", KR_SEV_HIGH, "bars",
        "High is below max(open, close), low is above min(open, close), or "
        "high is below low."},
    [KR_CHECK_NONPOSITIVE_PRICE] = {"non_positive_price", KR_SEV_CRITICAL,
        "bars, quotes",
        "A price (open, high, low, close, adjusted close, bid or ask) is zero, "
        "negative or not a finite number."},
    [KR_CHECK_NEGATIVE_VOLUME] = {"negative_volume", KR_SEV_HIGH, "bars",
        "Volume is negative or not a finite number."},
    [KR_CHECK_GAP] = {"calendar_gap", KR_SEV_MEDIUM, "bars",
        "Sessions or bars are missing between two consecutive bars: low below "
        "gap_medium missing, medium from gap_medium, high from gap_high."},
    [KR_CHECK_OFF_CALENDAR] = {"bar_off_calendar", KR_SEV_LOW, "bars",
        "Daily or intraday bars fall on a day that is not a session of the "
        "calendar (a weekend or a listed holiday); one finding per day."},
    [KR_CHECK_JUMP] = {"price_jump", KR_SEV_HIGH, "bars",
        "The close moves by more than jump between consecutive bars and no "
        "split (adjusted close or corporate action) explains it."},
    [KR_CHECK_STALE] = {"stale_series", KR_SEV_MEDIUM, "bars",
        "The close repeats the previous close on stale_bars or more "
        "consecutive bars; one finding per run."},
    [KR_CHECK_CROSSED] = {"crossed_book", KR_SEV_HIGH, "quotes",
        "The bid is at or above the ask (crossed or locked book)."},
    [KR_CHECK_WIDE_SPREAD] = {"wide_spread", KR_SEV_MEDIUM, "quotes",
        "The spread (ask - bid) / mid exceeds max_spread."},
    [KR_CHECK_STALE_QUOTE] = {"stale_quote", KR_SEV_MEDIUM, "quotes",
        "A quote is older than max_quote_age: when received (recv_ts - ts), "
        "or, without receive times, when the next quote replaces it."},
    [KR_CHECK_NEGATIVE_SIZE] = {"negative_size", KR_SEV_HIGH, "quotes",
        "A bid or ask size is negative."},
};

const kr_check_info *kr_check_table(size_t *n)
{
    if (n)
        *n = KR_CHECK__COUNT;
    return check_table;
}

const kr_check_info *kr_check_info_of(kr_check c)
{
    if ((unsigned)c >= KR_CHECK__COUNT)
        return NULL;
    return &check_table[c];
}

static const char *const severity_names[] = {"low", "medium", "high",
                                             "critical"};

const char *kr_severity_name(kr_severity s)
{
    if ((unsigned)s > KR_SEV_CRITICAL)
        return "unknown";
    return severity_names[s];
}

int kr_severity_parse(const char *s, kr_severity *out)
{
    if (!s || !out)
        return KR_EINVAL;
    for (int i = KR_SEV_LOW; i <= KR_SEV_CRITICAL; i++) {
        if (strcasecmp(s, severity_names[i]) == 0) {
            *out = (kr_severity)i;
            return KR_OK;
        }
    }
    return KR_EINVAL;
}

/* ------------------------------------------------------------------------
 * Findings
 * ------------------------------------------------------------------------ */

#define DEFAULT_LIMIT 10000

void kr_findings_init(kr_findings *f)
{
    memset(f, 0, sizeof *f);
    f->limit_per_check = DEFAULT_LIMIT;
}

void kr_findings_free(kr_findings *f)
{
    if (!f)
        return;
    size_t limit = f->limit_per_check;
    free(f->v);
    memset(f, 0, sizeof *f);
    f->limit_per_check = limit;
}

/* True when check c has stored its quota; the caller then only counts. */
static bool full(const kr_findings *f, kr_check c)
{
    return f->limit_per_check && f->total_by_check[c] >= f->limit_per_check;
}

static void count(kr_findings *f, kr_check c, kr_severity s)
{
    f->total_by_check[c]++;
    f->by_severity[s]++;
}

static int vadd(kr_findings *f, kr_check check, kr_severity sev,
                uint32_t symbol, int64_t line, int64_t related, kr_ts ts,
                const char *fmt, va_list ap) KR_PRINTF(8, 0);
static int vadd(kr_findings *f, kr_check check, kr_severity sev,
                uint32_t symbol, int64_t line, int64_t related, kr_ts ts,
                const char *fmt, va_list ap)
{
    if (!f || (unsigned)check >= KR_CHECK__COUNT ||
        (unsigned)sev > KR_SEV_CRITICAL || !fmt)
        return KR_EINVAL;
    if (full(f, check)) {
        count(f, check, sev);
        return KR_OK;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        kr_finding *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return KR_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    kr_finding *x = &f->v[f->n++];
    x->check = check;
    x->severity = sev;
    x->symbol = symbol;
    x->line = line;
    x->related = related;
    x->ts = ts;
    vsnprintf(x->msg, sizeof x->msg, fmt, ap);
    count(f, check, sev);
    return KR_OK;
}

int kr_findings_add(kr_findings *f, kr_check check, kr_severity sev,
                    uint32_t symbol, int64_t line, int64_t related, kr_ts ts,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(f, check, sev, symbol, line, related, ts, fmt, ap);
    va_end(ap);
    return rc;
}

static int cmp_finding(const void *x, const void *y)
{
    const kr_finding *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->check != b->check)
        return a->check < b->check ? -1 : 1;
    if (a->symbol != b->symbol)
        return a->symbol < b->symbol ? -1 : 1;
    if (a->related != b->related)
        return a->related < b->related ? -1 : 1;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return strcmp(a->msg, b->msg);
}

void kr_findings_sort(kr_findings *f)
{
    if (f && f->n > 1)
        qsort(f->v, f->n, sizeof *f->v, cmp_finding);
}

int kr_findings_worst(const kr_findings *f)
{
    if (!f)
        return -1;
    for (int s = KR_SEV_CRITICAL; s >= KR_SEV_LOW; s--)
        if (f->by_severity[s])
            return s;
    return -1;
}

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

void kr_quality_opts_init(kr_quality_opts *o)
{
    memset(o, 0, sizeof *o);
    kr_calendar_preset("equity", &o->calendar);
    o->jump = 0.2;
    o->stale_bars = 5;
    o->max_spread = 0.05;
    o->max_quote_age = 30 * KR_NS_PER_SEC;
    o->gap_medium = 2;
    o->gap_high = 6;
}

static int check_opts(const kr_quality_opts *o)
{
    if (!(o->jump > 0) || !isfinite(o->jump) || o->stale_bars < 1 ||
        !(o->max_spread > 0) || !isfinite(o->max_spread) ||
        o->max_quote_age <= 0 || o->gap_medium < 1 ||
        o->gap_high < o->gap_medium || (o->calendar.weekdays & 0x7f) == 0 ||
        (o->calendar.nholidays && !o->calendar.holidays))
        return KR_EINVAL;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Helpers: text, lines and the time-ordered view
 * ------------------------------------------------------------------------ */

/* A number as the shortest text that reads back the same; NaN and infinities
 * spelled out. */
static const char *num(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "NaN");
    else if (isinf(v))
        snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    else
        kr_format_double(v, buf, size);
    return buf;
}

static const char *when(kr_ts t, char *buf, size_t size)
{
    kr_time_format(t, KR_TIME_AUTO, buf, size);
    return buf;
}

/* Appends to a fixed buffer, cutting when full. */
typedef struct sbuf {
    char *p;
    size_t size, len;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) KR_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n < b->size - b->len ? (size_t)n : b->size - b->len - 1;
}

static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static bool positive(double v) { return v > 0 && isfinite(v); }

/* t1 - t0 > lim, without overflow, for any two timestamps. */
static bool later_by_more(kr_ts t1, kr_ts t0, int64_t lim)
{
    return t1 > t0 && (uint64_t)t1 - (uint64_t)t0 > (uint64_t)lim;
}

static int64_t clamp_diff(kr_ts t1, kr_ts t0)
{
    uint64_t d = (uint64_t)t1 - (uint64_t)t0;
    return d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
}

/* What every check of one series needs to know. */
typedef struct series {
    const kr_quality_opts *o;
    kr_findings *out;
    uint32_t symbol;
    size_t n;
    const kr_ts *ts;
    const int64_t *line; /* NULL: row i is reported as line i + 1 */
    size_t *perm;        /* time order; NULL when file order is time order */
} series;

static inline int64_t line_of(const series *s, size_t i)
{
    return s->line ? s->line[i] : (int64_t)i + 1;
}

static inline size_t at(const series *s, size_t k)
{
    return s->perm ? s->perm[k] : k;
}

/* Builds s->perm, a stable time order of the rows, unless the rows are
 * already in order. The caller frees s->perm. */
static int time_order(series *s, bool in_order)
{
    s->perm = NULL;
    if (in_order)
        return KR_OK;
    size_t *idx = malloc(s->n * sizeof *idx);
    if (!idx)
        return KR_ENOMEM;
    bool descending = true;
    for (size_t i = 1; i < s->n && descending; i++)
        descending = s->ts[i] <= s->ts[i - 1];
    if (descending) {
        /* Newest first: read the file backwards, each run of equal
         * timestamps forwards, which is the stable order in O(n). */
        size_t k = 0, j = s->n;
        while (j > 0) {
            size_t b = j - 1;
            while (b > 0 && s->ts[b - 1] == s->ts[j - 1])
                b--;
            for (size_t r = b; r < j; r++)
                idx[k++] = r;
            j = b;
        }
    } else {
        size_t *tmp = malloc(s->n * sizeof *tmp);
        if (!tmp) {
            free(idx);
            return KR_ENOMEM;
        }
        for (size_t i = 0; i < s->n; i++)
            idx[i] = i;
        kr__sort_ts_index(s->ts, idx, tmp, s->n);
        free(tmp);
    }
    s->perm = idx;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Checks shared by bars and quotes
 * ------------------------------------------------------------------------ */

static int out_of_order(series *s, size_t i)
{
    if (full(s->out, KR_CHECK_OUT_OF_ORDER)) {
        count(s->out, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH);
        return KR_OK;
    }
    char t0[32], t1[32];
    return kr_findings_add(s->out, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH,
                           s->symbol, line_of(s, i), line_of(s, i - 1),
                           s->ts[i], "timestamp %s is earlier than %s on line "
                           "%lld above it",
                           when(s->ts[i], t0, sizeof t0),
                           when(s->ts[i - 1], t1, sizeof t1),
                           (long long)line_of(s, i - 1));
}

/* Reports every row whose timestamp an earlier row of the file already had,
 * comparing its fields (ncols columns named by names) with the first copy. */
static int duplicates(series *s, const double *const *cols,
                      const char *const *names, size_t ncols)
{
    if (s->n < 2)
        return KR_OK;
    size_t first = at(s, 0);
    for (size_t k = 1; k < s->n; k++) {
        size_t r = at(s, k);
        if (s->ts[r] != s->ts[first]) {
            first = r;
            continue;
        }
        if (full(s->out, KR_CHECK_DUPLICATE)) {
            count(s->out, KR_CHECK_DUPLICATE, KR_SEV_HIGH);
            continue;
        }
        char diff[160], a[32], b[32], t[32];
        sbuf sb = {diff, sizeof diff, 0};
        diff[0] = '\0';
        for (size_t c = 0; c < ncols; c++) {
            if (same_value(cols[c][r], cols[c][first]))
                continue;
            sb_printf(&sb, "%s%s %s vs %s", sb.len ? ", " : "", names[c],
                      num(cols[c][r], a, sizeof a),
                      num(cols[c][first], b, sizeof b));
        }
        int rc = kr_findings_add(
            s->out, KR_CHECK_DUPLICATE, KR_SEV_HIGH, s->symbol, line_of(s, r),
            line_of(s, first), s->ts[r], "timestamp %s already on line %lld; %s%s",
            when(s->ts[r], t, sizeof t), (long long)line_of(s, first),
            sb.len ? "conflicting: " : "identical copy", diff);
        if (rc)
            return rc;
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Bars: row checks in file order
 * ------------------------------------------------------------------------ */

static int bad_prices(series *s, const kr_bars *b, size_t i)
{
    static const char *const names[] = {"open", "high", "low", "close",
                                        "adj close"};
    double v[5] = {b->open[i], b->high[i], b->low[i], b->close[i],
                   b->adj_close ? b->adj_close[i] : 1};
    if (full(s->out, KR_CHECK_NONPOSITIVE_PRICE)) {
        count(s->out, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL);
        return KR_OK;
    }
    char list[160], x[32];
    sbuf sb = {list, sizeof list, 0};
    list[0] = '\0';
    for (int c = 0; c < 5; c++)
        if (!positive(v[c]))
            sb_printf(&sb, "%s%s %s", sb.len ? ", " : "", names[c],
                      num(v[c], x, sizeof x));
    return kr_findings_add(s->out, KR_CHECK_NONPOSITIVE_PRICE,
                           KR_SEV_CRITICAL, s->symbol, line_of(s, i), 0,
                           s->ts[i], "price not positive and finite: %s",
                           list);
}

static int bad_ohlc(series *s, const kr_bars *b, size_t i, bool hi_body,
                    bool lo_body, bool inverted)
{
    if (full(s->out, KR_CHECK_OHLC)) {
        count(s->out, KR_CHECK_OHLC, KR_SEV_HIGH);
        return KR_OK;
    }
    double o = b->open[i], h = b->high[i], l = b->low[i], c = b->close[i];
    char list[190], x[32], y[32];
    sbuf sb = {list, sizeof list, 0};
    list[0] = '\0';
    if (hi_body)
        sb_printf(&sb, "high %s < %s %s", num(h, x, sizeof x),
                  o > c ? "open" : "close", num(o > c ? o : c, y, sizeof y));
    if (lo_body)
        sb_printf(&sb, "%slow %s > %s %s", sb.len ? "; " : "",
                  num(l, x, sizeof x), o < c ? "open" : "close",
                  num(o < c ? o : c, y, sizeof y));
    if (inverted)
        sb_printf(&sb, "%shigh %s < low %s", sb.len ? "; " : "",
                  num(h, x, sizeof x), num(l, y, sizeof y));
    return kr_findings_add(s->out, KR_CHECK_OHLC, KR_SEV_HIGH, s->symbol,
                           line_of(s, i), 0, s->ts[i], "OHLC inconsistent: %s",
                           list);
}

static int bad_volume(series *s, const kr_bars *b, size_t i)
{
    if (full(s->out, KR_CHECK_NEGATIVE_VOLUME)) {
        count(s->out, KR_CHECK_NEGATIVE_VOLUME, KR_SEV_HIGH);
        return KR_OK;
    }
    char x[32];
    double v = b->volume[i];
    return kr_findings_add(s->out, KR_CHECK_NEGATIVE_VOLUME, KR_SEV_HIGH,
                           s->symbol, line_of(s, i), 0, s->ts[i],
                           "volume %s is %s", num(v, x, sizeof x),
                           v < 0 && isfinite(v) ? "negative"
                                                : "not a finite number");
}

/* The file-order pass; sets *in_order when no timestamp decreases. */
static int bar_rows(series *s, const kr_bars *b, bool *in_order)
{
    int rc = KR_OK;
    bool sorted = true;
    for (size_t i = 0; i < b->n && rc == KR_OK; i++) {
        if (i > 0 && KR_UNLIKELY(b->ts[i] < b->ts[i - 1])) {
            sorted = false;
            rc = out_of_order(s, i);
            if (rc)
                break;
        }
        double o = b->open[i], h = b->high[i], l = b->low[i],
               c = b->close[i], v = b->volume[i];
        bool ok = positive(o) && positive(h) && positive(l) && positive(c) &&
                  (!b->adj_close || positive(b->adj_close[i]));
        if (KR_UNLIKELY(!ok))
            rc = bad_prices(s, b, i);
        if (!rc && isfinite(o) && isfinite(h) && isfinite(l) && isfinite(c)) {
            bool hi_body = h < (o > c ? o : c), lo_body = l > (o < c ? o : c),
                 inverted = h < l;
            if (KR_UNLIKELY(hi_body || lo_body || inverted))
                rc = bad_ohlc(s, b, i, hi_body, lo_body, inverted);
        }
        if (!rc && KR_UNLIKELY(!(v >= 0) || isinf(v)))
            rc = bad_volume(s, b, i);
    }
    *in_order = sorted;
    return rc;
}

/* ------------------------------------------------------------------------
 * Bars: checks on the time-ordered view
 * ------------------------------------------------------------------------ */

enum gap_mode { GAP_NONE, GAP_INTRADAY, GAP_DAILY, GAP_WEEKLY, GAP_MONTHLY };

typedef struct bar_view {
    series *s;
    const kr_bars *b;
    const char *name;    /* symbol name for matching actions, or NULL */
    const char *calname; /* for messages */
    enum gap_mode mode;
    int64_t interval;
    int64_t months;   /* interval in months, GAP_MONTHLY only */
    bool continuous;  /* every day a session, no holidays */
    bool check_days;  /* daily or finer: look for off-calendar days */
    /* the day being aggregated for bar_off_calendar */
    int64_t day;
    size_t day_first; /* row */
    size_t day_bars;
    bool day_session;
    /* the run of unchanged closes for stale_series */
    size_t run_len;
    size_t run_first, run_last, run_setter; /* rows */
} bar_view;

static int64_t month_index(kr_ts t)
{
    int64_t y;
    unsigned m, d;
    kr_civil_from_days(kr_ts_day(t), &y, &m, &d);
    return y * 12 + (int64_t)m - 1;
}

static int gap(bar_view *v, size_t p, size_t c)
{
    const series *s = v->s;
    const kr_quality_opts *o = s->o;
    kr_ts tp = s->ts[p], tc = s->ts[c];
    int64_t missing = 0;
    const char *unit = "bar";
    switch (v->mode) {
    case GAP_DAILY:
        missing = kr_calendar_sessions_between(&o->calendar, kr_ts_day(tp),
                                               kr_ts_day(tc));
        unit = "session";
        break;
    case GAP_WEEKLY:
        missing = llround((double)clamp_diff(tc, tp) / (double)v->interval) - 1;
        break;
    case GAP_MONTHLY:
        missing = llround((double)(month_index(tc) - month_index(tp)) /
                          (double)v->months) - 1;
        if (v->months == 1)
            unit = "month";
        break;
    case GAP_INTRADAY:
        if (v->continuous || kr_ts_day(tp) == kr_ts_day(tc)) {
            missing = clamp_diff(tc, tp) / v->interval - 1;
        } else {
            missing = kr_calendar_sessions_between(
                &o->calendar, kr_ts_day(tp), kr_ts_day(tc));
            unit = "session";
        }
        break;
    case GAP_NONE:
        break;
    }
    if (missing < 1)
        return KR_OK;
    kr_severity sev = missing >= o->gap_high     ? KR_SEV_HIGH
                      : missing >= o->gap_medium ? KR_SEV_MEDIUM
                                                 : KR_SEV_LOW;
    if (full(s->out, KR_CHECK_GAP)) {
        count(s->out, KR_CHECK_GAP, sev);
        return KR_OK;
    }
    char a[32], b[32], why[48];
    if (unit[0] == 's') {
        snprintf(why, sizeof why, "%s calendar", v->calname);
    } else {
        char iv[24];
        if (v->mode == GAP_MONTHLY)
            snprintf(iv, sizeof iv, "%lldM", (long long)v->months);
        else
            kr_duration_format(v->interval, iv, sizeof iv);
        snprintf(why, sizeof why, "%s bars", iv);
    }
    return kr_findings_add(s->out, KR_CHECK_GAP, sev, s->symbol,
                           line_of(s, c), line_of(s, p), tc,
                           "%lld %s%s missing between %s and %s (%s)",
                           (long long)missing, unit, missing == 1 ? "" : "s",
                           when(tp, a, sizeof a), when(tc, b, sizeof b), why);
}

static const char *const weekday_names[] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday"};

/* Reports the day being aggregated if it is not a session. */
static int flush_day(bar_view *v)
{
    series *s = v->s;
    if (!v->day_bars || v->day_session)
        return KR_OK;
    if (full(s->out, KR_CHECK_OFF_CALENDAR)) {
        count(s->out, KR_CHECK_OFF_CALENDAR, KR_SEV_LOW);
        return KR_OK;
    }
    char d[32];
    int wd = kr_weekday_of_day(v->day);
    bool weekend = !((s->o->calendar.weekdays >> wd) & 1);
    kr_time_format(s->ts[v->day_first], KR_TIME_DATE, d, sizeof d);
    return kr_findings_add(
        s->out, KR_CHECK_OFF_CALENDAR, KR_SEV_LOW, s->symbol,
        line_of(s, v->day_first), 0, s->ts[v->day_first],
        "%zu bar%s on %s (%s), %s of the %s calendar", v->day_bars,
        v->day_bars == 1 ? "" : "s", d, weekday_names[wd],
        weekend ? "not a session day" : "a holiday", v->calname);
}

static int off_calendar(bar_view *v, size_t r)
{
    int64_t day = kr_ts_day(v->s->ts[r]);
    if (v->day_bars && day == v->day) {
        v->day_bars++;
        return KR_OK;
    }
    int rc = flush_day(v);
    v->day = day;
    v->day_first = r;
    v->day_bars = 1;
    v->day_session = kr_calendar_is_session(&v->s->o->calendar, day);
    return rc;
}

/* True when a split of this series has its ex-date in (t0, t1]. Actions are
 * sorted by ex-date. */
static bool split_between(const kr_actions *a, const char *name, kr_ts t0,
                          kr_ts t1)
{
    if (!a || !a->v || !a->n)
        return false;
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->v[mid].ts <= t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < a->n && a->v[i].ts <= t1; i++) {
        const kr_action *x = &a->v[i];
        if (x->kind != KR_ACTION_SPLIT)
            continue;
        if (x->symbol[0] == '\0' ||
            (name && strncmp(x->symbol, name, sizeof x->symbol) == 0))
            return true;
    }
    return false;
}

static int jump(bar_view *v, size_t p, size_t c)
{
    series *s = v->s;
    const kr_bars *b = v->b;
    double cp = b->close[p], cc = b->close[c];
    if (!positive(cp) || !positive(cc))
        return KR_OK;
    double r = cc / cp - 1;
    if (!(fabs(r) > s->o->jump))
        return KR_OK;
    if (b->adj_close && positive(b->adj_close[p]) &&
        positive(b->adj_close[c]) &&
        fabs(b->adj_close[c] / b->adj_close[p] - 1) <= s->o->jump)
        return KR_OK;
    if (split_between(s->o->actions, v->name, s->ts[p], s->ts[c]))
        return KR_OK;
    if (full(s->out, KR_CHECK_JUMP)) {
        count(s->out, KR_CHECK_JUMP, KR_SEV_HIGH);
        return KR_OK;
    }
    char x[32], y[32];
    return kr_findings_add(s->out, KR_CHECK_JUMP, KR_SEV_HIGH, s->symbol,
                           line_of(s, c), line_of(s, p), s->ts[c],
                           "close moved %+.1f%% from %s (line %lld) to %s",
                           r * 100, num(cp, x, sizeof x), (long long)line_of(s, p),
                           num(cc, y, sizeof y));
}

/* Reports the run of unchanged closes if it is long enough, and ends it. */
static int flush_run(bar_view *v)
{
    series *s = v->s;
    size_t len = v->run_len;
    v->run_len = 0;
    if (len < (size_t)s->o->stale_bars)
        return KR_OK;
    if (full(s->out, KR_CHECK_STALE)) {
        count(s->out, KR_CHECK_STALE, KR_SEV_MEDIUM);
        return KR_OK;
    }
    char x[32], a[32], b[32];
    return kr_findings_add(
        s->out, KR_CHECK_STALE, KR_SEV_MEDIUM, s->symbol,
        line_of(s, v->run_first), line_of(s, v->run_setter),
        s->ts[v->run_first],
        "close unchanged at %s for %zu bars from %s to %s (set on line %lld)",
        num(v->b->close[v->run_first], x, sizeof x), len,
        when(s->ts[v->run_first], a, sizeof a),
        when(s->ts[v->run_last], b, sizeof b),
        (long long)line_of(s, v->run_setter));
}

static int stale(bar_view *v, size_t p, size_t c)
{
    if (v->b->close[c] == v->b->close[p]) {
        if (v->run_len++ == 0) {
            v->run_first = c;
            v->run_setter = p;
        }
        v->run_last = c;
        return KR_OK;
    }
    return v->run_len ? flush_run(v) : KR_OK;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The bar interval as kr_bars_interval defines it (the most frequent
 * positive gap, ties to the smaller, from a sample of at most 100k gaps), but
 * measured in time order, so that a file written newest first still has one,
 * and without overflow for timestamps at the ends of the int64 range. */
static int view_interval(const series *s, int64_t *out)
{
    *out = 0;
    if (s->n < 2)
        return KR_OK;
    size_t m = s->n - 1, step = m > 100000 ? m / 100000 : 1, k = 0;
    int64_t *g = malloc(((m + step - 1) / step) * sizeof *g);
    if (!g)
        return KR_ENOMEM;
    for (size_t i = 1; i < s->n; i += step) {
        int64_t d = clamp_diff(s->ts[at(s, i)], s->ts[at(s, i - 1)]);
        if (d > 0)
            g[k++] = d;
    }
    qsort(g, k, sizeof *g, cmp_i64);
    size_t best_run = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && g[j] == g[i])
            j++;
        if (j - i > best_run) {
            best_run = j - i;
            *out = g[i];
        }
        i = j;
    }
    free(g);
    return KR_OK;
}

static void bar_view_init(bar_view *v, series *s, const kr_bars *b,
                          int64_t interval)
{
    const kr_calendar *cal = &s->o->calendar;
    memset(v, 0, sizeof *v);
    v->s = s;
    v->b = b;
    v->name = s->o->symbols ? kr_symtab_name(s->o->symbols, b->symbol) : NULL;
    v->calname = cal->name[0] ? cal->name : "custom";
    v->continuous = (cal->weekdays & 0x7f) == 0x7f && cal->nholidays == 0;
    v->interval = interval;
    int64_t iv = v->interval;
    if (iv <= 0)
        v->mode = GAP_NONE;
    else if (iv < KR_NS_PER_DAY)
        v->mode = GAP_INTRADAY;
    else if (iv < 7 * KR_NS_PER_DAY)
        v->mode = GAP_DAILY;
    else if (iv < 28 * KR_NS_PER_DAY)
        v->mode = GAP_WEEKLY;
    else
        v->mode = GAP_MONTHLY;
    if (v->mode == GAP_MONTHLY) {
        /* The mean Gregorian month: 365.2425 / 12 days. */
        v->months = llround((double)iv / (30.436875 * (double)KR_NS_PER_DAY));
        if (v->months < 1)
            v->months = 1;
    }
    /* Weekly and monthly bars are stamped on whatever day the source chose
     * (a Sunday, the 1st), so only daily and finer bars are held to the
     * calendar's days. */
    v->check_days = v->mode <= GAP_DAILY;
}

static int bar_view_pass(series *s, const kr_bars *b)
{
    bar_view v;
    int64_t interval;
    int rc = view_interval(s, &interval);
    if (rc)
        return rc;
    bar_view_init(&v, s, b, interval);
    size_t prev = 0;
    for (size_t k = 0; k < s->n && rc == KR_OK; k++) {
        size_t r = at(s, k);
        if (k > 0 && s->ts[r] == s->ts[prev])
            continue; /* a duplicate: the first copy stands for it */
        if (v.check_days)
            rc = off_calendar(&v, r);
        if (k > 0) {
            if (!rc && v.mode != GAP_NONE)
                rc = gap(&v, prev, r);
            if (!rc)
                rc = jump(&v, prev, r);
            if (!rc)
                rc = stale(&v, prev, r);
        }
        prev = r;
    }
    if (!rc && v.check_days)
        rc = flush_day(&v);
    if (!rc)
        rc = flush_run(&v);
    return rc;
}

static bool bars_valid(const kr_bars *b)
{
    return b->n == 0 || (b->ts && b->open && b->high && b->low && b->close &&
                         b->volume);
}

int kr_quality_check_bars(const kr_bars *b, const kr_quality_opts *o,
                          kr_findings *out)
{
    kr_quality_opts defaults;
    if (!o) {
        kr_quality_opts_init(&defaults);
        o = &defaults;
    }
    if (!b || !out || !bars_valid(b) || check_opts(o))
        return KR_EINVAL;
    series s = {o, out, b->symbol, b->n, b->ts, b->line, NULL};
    bool in_order;
    int rc = bar_rows(&s, b, &in_order);
    if (rc)
        return rc;
    rc = time_order(&s, in_order);
    if (rc)
        return rc;
    const double *cols[] = {b->open, b->high, b->low, b->close, b->volume,
                            b->adj_close};
    static const char *const names[] = {"open",   "high",   "low",
                                        "close",  "volume", "adj close"};
    rc = duplicates(&s, cols, names, b->adj_close ? 6 : 5);
    if (!rc)
        rc = bar_view_pass(&s, b);
    free(s.perm);
    return rc;
}

/* ------------------------------------------------------------------------
 * Quotes
 * ------------------------------------------------------------------------ */

static int quote_prices(series *s, const kr_quotes *q, size_t i)
{
    if (full(s->out, KR_CHECK_NONPOSITIVE_PRICE)) {
        count(s->out, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL);
        return KR_OK;
    }
    char list[100], x[32];
    sbuf sb = {list, sizeof list, 0};
    list[0] = '\0';
    if (!positive(q->bid[i]))
        sb_printf(&sb, "bid %s", num(q->bid[i], x, sizeof x));
    if (!positive(q->ask[i]))
        sb_printf(&sb, "%sask %s", sb.len ? ", " : "",
                  num(q->ask[i], x, sizeof x));
    return kr_findings_add(s->out, KR_CHECK_NONPOSITIVE_PRICE,
                           KR_SEV_CRITICAL, s->symbol, line_of(s, i), 0,
                           s->ts[i], "price not positive and finite: %s",
                           list);
}

static int quote_sizes(series *s, const kr_quotes *q, size_t i)
{
    if (full(s->out, KR_CHECK_NEGATIVE_SIZE)) {
        count(s->out, KR_CHECK_NEGATIVE_SIZE, KR_SEV_HIGH);
        return KR_OK;
    }
    char list[100], x[32];
    sbuf sb = {list, sizeof list, 0};
    list[0] = '\0';
    if (q->bid_size[i] < 0)
        sb_printf(&sb, "bid size %s", num(q->bid_size[i], x, sizeof x));
    if (q->ask_size[i] < 0)
        sb_printf(&sb, "%sask size %s", sb.len ? ", " : "",
                  num(q->ask_size[i], x, sizeof x));
    return kr_findings_add(s->out, KR_CHECK_NEGATIVE_SIZE, KR_SEV_HIGH,
                           s->symbol, line_of(s, i), 0, s->ts[i],
                           "negative size: %s", list);
}

static int quote_book(series *s, const kr_quotes *q, size_t i)
{
    double bid = q->bid[i], ask = q->ask[i];
    char x[32], y[32], z[32], w[32];
    if (bid >= ask) {
        if (full(s->out, KR_CHECK_CROSSED)) {
            count(s->out, KR_CHECK_CROSSED, KR_SEV_HIGH);
            return KR_OK;
        }
        return kr_findings_add(s->out, KR_CHECK_CROSSED, KR_SEV_HIGH,
                               s->symbol, line_of(s, i), 0, s->ts[i],
                               "bid %s %s ask %s (%s book)",
                               num(bid, x, sizeof x), bid > ask ? ">" : "=",
                               num(ask, y, sizeof y),
                               bid > ask ? "crossed" : "locked");
    }
    double mid = (bid + ask) / 2, spread = (ask - bid) / mid;
    if (!(spread > s->o->max_spread))
        return KR_OK;
    if (full(s->out, KR_CHECK_WIDE_SPREAD)) {
        count(s->out, KR_CHECK_WIDE_SPREAD, KR_SEV_MEDIUM);
        return KR_OK;
    }
    return kr_findings_add(s->out, KR_CHECK_WIDE_SPREAD, KR_SEV_MEDIUM,
                           s->symbol, line_of(s, i), 0, s->ts[i],
                           "spread %s is %.2f%% of mid %s, above %.2f%% "
                           "(bid %s, ask %s)",
                           num(ask - bid, z, sizeof z), spread * 100,
                           num(mid, x, sizeof x), s->o->max_spread * 100,
                           num(bid, y, sizeof y), num(ask, w, sizeof w));
}

static int quote_received_late(series *s, const kr_quotes *q, size_t i)
{
    if (full(s->out, KR_CHECK_STALE_QUOTE)) {
        count(s->out, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM);
        return KR_OK;
    }
    char age[24], lim[24], t[32];
    kr_duration_format(clamp_diff(q->recv_ts[i], q->ts[i]), age, sizeof age);
    kr_duration_format(s->o->max_quote_age, lim, sizeof lim);
    return kr_findings_add(s->out, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM,
                           s->symbol, line_of(s, i), 0, s->ts[i],
                           "quote of %s received %s after its timestamp, "
                           "older than %s",
                           when(q->ts[i], t, sizeof t), age, lim);
}

static int quote_rows(series *s, const kr_quotes *q, bool *in_order)
{
    int rc = KR_OK;
    bool sorted = true;
    for (size_t i = 0; i < q->n && rc == KR_OK; i++) {
        if (i > 0 && KR_UNLIKELY(q->ts[i] < q->ts[i - 1])) {
            sorted = false;
            rc = out_of_order(s, i);
            if (rc)
                break;
        }
        bool ok = positive(q->bid[i]) && positive(q->ask[i]);
        if (KR_UNLIKELY(!ok))
            rc = quote_prices(s, q, i);
        if (!rc && KR_UNLIKELY(q->bid_size[i] < 0 || q->ask_size[i] < 0))
            rc = quote_sizes(s, q, i);
        if (!rc && ok)
            rc = quote_book(s, q, i);
        if (!rc && q->recv_ts && q->recv_ts[i] != KR_TS_NONE &&
            q->ts[i] != KR_TS_NONE &&
            later_by_more(q->recv_ts[i], q->ts[i], s->o->max_quote_age))
            rc = quote_received_late(s, q, i);
    }
    *in_order = sorted;
    return rc;
}

/* Without receive times, a quote is stale when the next one comes more than
 * max_quote_age later, within a session day (or at any time on a calendar
 * that never closes): the time a quote stands over a close is not its age. */
static int quote_gaps(series *s)
{
    const kr_calendar *cal = &s->o->calendar;
    bool continuous = (cal->weekdays & 0x7f) == 0x7f && cal->nholidays == 0;
    size_t prev = 0;
    for (size_t k = 0; k < s->n; k++) {
        size_t r = at(s, k);
        if (k == 0 || s->ts[r] == s->ts[prev]) {
            if (k == 0)
                prev = r;
            continue;
        }
        size_t p = prev;
        prev = r;
        if (!later_by_more(s->ts[r], s->ts[p], s->o->max_quote_age))
            continue;
        if (!continuous && kr_ts_day(s->ts[r]) != kr_ts_day(s->ts[p]))
            continue;
        if (full(s->out, KR_CHECK_STALE_QUOTE)) {
            count(s->out, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM);
            continue;
        }
        char age[24], lim[24], a[32], b[32];
        kr_duration_format(clamp_diff(s->ts[r], s->ts[p]), age, sizeof age);
        kr_duration_format(s->o->max_quote_age, lim, sizeof lim);
        int rc = kr_findings_add(
            s->out, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM, s->symbol,
            line_of(s, r), line_of(s, p), s->ts[r],
            "quote of %s (line %lld) stood %s until %s, longer than %s",
            when(s->ts[p], a, sizeof a), (long long)line_of(s, p), age,
            when(s->ts[r], b, sizeof b), lim);
        if (rc)
            return rc;
    }
    return KR_OK;
}

static bool quotes_valid(const kr_quotes *q)
{
    return q->n == 0 ||
           (q->ts && q->bid && q->ask && q->bid_size && q->ask_size);
}

int kr_quality_check_quotes(const kr_quotes *q, const kr_quality_opts *o,
                            kr_findings *out)
{
    kr_quality_opts defaults;
    if (!o) {
        kr_quality_opts_init(&defaults);
        o = &defaults;
    }
    if (!q || !out || !quotes_valid(q) || check_opts(o))
        return KR_EINVAL;
    series s = {o, out, q->symbol, q->n, q->ts, q->line, NULL};
    bool in_order;
    int rc = quote_rows(&s, q, &in_order);
    if (rc)
        return rc;
    rc = time_order(&s, in_order);
    if (rc)
        return rc;
    const double *cols[] = {q->bid, q->ask, q->bid_size, q->ask_size};
    static const char *const names[] = {"bid", "ask", "bid size", "ask size"};
    rc = duplicates(&s, cols, names, 4);
    if (!rc && !q->recv_ts)
        rc = quote_gaps(&s);
    free(s.perm);
    return rc;
}

/* ------------------------------------------------------------------------
 * Datasets
 * ------------------------------------------------------------------------ */

/* Copies a fixed-size text field of a row issue, quoting any byte that is not
 * printable (the loader already quotes what it read, so normally none). */
static const char *issue_text(const char *s, size_t size, char *buf,
                              size_t bufsize)
{
    size_t n = strnlen(s, size);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e)
            return kr_escape(s, n, buf, bufsize);
    }
    snprintf(buf, bufsize, "%.*s", (int)n, s);
    return buf;
}

static int unparsable(const kr_dataset *ds, kr_findings *out)
{
    for (size_t i = 0; i < ds->nissues; i++) {
        const kr_row_issue *is = &ds->issues[i];
        if (full(out, KR_CHECK_UNPARSABLE)) {
            count(out, KR_CHECK_UNPARSABLE, KR_SEV_HIGH);
            continue;
        }
        char field[sizeof is->field * 4], msg[sizeof is->msg * 4];
        issue_text(is->field, sizeof is->field, field, sizeof field);
        issue_text(is->msg, sizeof is->msg, msg, sizeof msg);
        int rc = field[0]
                     ? kr_findings_add(out, KR_CHECK_UNPARSABLE, KR_SEV_HIGH,
                                       KR_FINDING_NO_SYMBOL, is->line, 0,
                                       KR_TS_NONE, "field '%s': %s", field,
                                       msg)
                     : kr_findings_add(out, KR_CHECK_UNPARSABLE, KR_SEV_HIGH,
                                       KR_FINDING_NO_SYMBOL, is->line, 0,
                                       KR_TS_NONE, "%s", msg);
        if (rc)
            return rc;
    }
    if (ds->issues_total > ds->nissues)
        return kr_findings_add(
            out, KR_CHECK_UNPARSABLE, KR_SEV_HIGH, KR_FINDING_NO_SYMBOL, 0, 0,
            KR_TS_NONE,
            "%zu further unparsable rows were not listed (the loader kept "
            "the first %zu)",
            ds->issues_total - ds->nissues, ds->nissues);
    return KR_OK;
}

int kr_quality_check(const kr_dataset *ds, const kr_quality_opts *o,
                     kr_findings *out)
{
    kr_quality_opts opts;
    if (o)
        opts = *o;
    else
        kr_quality_opts_init(&opts);
    if (!ds || !out || check_opts(&opts) || (ds->nissues && !ds->issues) ||
        (ds->nbars && !ds->bars) || (ds->nquotes && !ds->quotes))
        return KR_EINVAL;
    for (size_t i = 0; i < ds->nbars; i++)
        if (!bars_valid(&ds->bars[i]))
            return KR_EINVAL;
    for (size_t i = 0; i < ds->nquotes; i++)
        if (!quotes_valid(&ds->quotes[i]))
            return KR_EINVAL;
    opts.symbols = ds->symbols;
    int rc = unparsable(ds, out);
    for (size_t i = 0; i < ds->nbars && rc == KR_OK; i++)
        rc = kr_quality_check_bars(&ds->bars[i], &opts, out);
    for (size_t i = 0; i < ds->nquotes && rc == KR_OK; i++)
        rc = kr_quality_check_quotes(&ds->quotes[i], &opts, out);
    return rc;
}

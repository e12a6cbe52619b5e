/* actions.c -- corporate actions files and the adjustment of bars for them.
 *
 * An actions file is a small CSV (one row per split or dividend), so it is
 * read whole into memory and parsed in one pass over its lines; its delimiter
 * is whichever of ',', ';' and tab the header uses most. Every value is
 * checked as it is read and the first bad one stops the load with a kr_error
 * that names the line, the 1-based column, the header name and what was
 * expected: an actions file changes every price before its dates, so a row
 * that cannot be read is an error, not something to skip.
 *
 * Adjustment is backward, the way CRSP and most vendors do it: the newest bar
 * keeps its prices and every older bar is scaled by the product of the
 * factors of the actions whose ex-date lies after it. One walk from the
 * newest bar to the oldest carries the cumulative price factor P and volume
 * factor V; a split of r shares per share divides P and multiplies V by r, a
 * dividend D multiplies P by 1 - D / C where C is the raw close of the last
 * bar before the ex-date. Both adjustment functions check everything first
 * and only then write, so a failed call leaves the series as it was.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/data.h"

/* ------------------------------------------------------------------------
 * Reading the file
 * ------------------------------------------------------------------------ */

/* Reads the whole file at `path` into a malloc'ed buffer owned by the caller.
 * A file that cannot be opened gives KR_ENOENT when it does not exist and
 * KR_EIO otherwise, with the system's reason in `err`. */
static int slurp(const char *path, char **out, size_t *len, kr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return kr_error_set(err, e == ENOENT ? KR_ENOENT : KR_EIO, path, 0,
                            0, NULL, "cannot open: %s", strerror(e));
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = KR_OK;
    if (!buf) {
        rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL, NULL);
        goto out;
    }
    for (;;) {
        if (n == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL, NULL);
                goto out;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                                  "cannot read: %s", strerror(errno));
            break;
        }
    }
out:
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Lines and fields
 * ------------------------------------------------------------------------ */

typedef struct slice {
    const char *p;
    size_t n;
} slice;

/* Cuts the next line (without its "\n" or "\r\n") from [*p, end). */
static slice next_line(const char **p, const char *end)
{
    const char *s = *p;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    if (e > s && e[-1] == '\r')
        e--;
    return (slice){s, (size_t)(e - s)};
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static slice trim(slice s)
{
    while (s.n && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* Cuts the next field from a line, trimmed of blanks, honouring double
 * quotes around a field (a quoted field may hold the delimiter; its quotes
 * are dropped and an escaped "" is kept as it is, which no valid value
 * contains). Returns false when the line is used up. */
static bool next_field(slice *line, char delim, slice *field)
{
    if (!line->p)
        return false;
    const char *s = line->p, *end = line->p + line->n;
    const char *q = s;
    while (q < end && is_blank(*q) && *q != delim)
        q++;
    const char *stop;
    if (q < end && *q == '"') {
        const char *c = q + 1; /* ends on the closing quote, or at end */
        while (c < end && !(*c == '"' && (c + 1 == end || c[1] != '"')))
            c += (*c == '"') ? 2 : 1;
        *field = trim((slice){q + 1, (size_t)(c - (q + 1))});
        stop = memchr(c, delim, (size_t)(end - c));
    } else {
        stop = memchr(s, delim, (size_t)(end - s));
        *field = trim((slice){s, (size_t)((stop ? stop : end) - s)});
    }
    if (stop) {
        line->p = stop + 1;
        line->n = (size_t)(end - (stop + 1));
    } else {
        line->p = NULL; /* this was the last field */
        line->n = 0;
    }
    return true;
}

static bool equals_ci(slice s, const char *word)
{
    size_t n = strlen(word);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

static bool equals_any_ci(slice s, const char *const *words)
{
    for (; *words; words++)
        if (equals_ci(s, *words))
            return true;
    return false;
}

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

/* Parses a plain decimal number (digits, '.', an exponent; no "inf", "nan"
 * or hex) that is finite and strictly positive. */
static bool parse_positive(slice s, double *out)
{
    char buf[64];
    if (s.n == 0 || s.n >= sizeof buf)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
              c == '+' || c == '-'))
            return false;
    }
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + s.n || errno == ERANGE || !isfinite(v) || !(v > 0))
        return false;
    *out = v;
    return true;
}

/* Parses a split ratio: "2" (2 new shares per old), or "a:b" / "a/b" (a new
 * shares for b old, so "1:10" is a 1-for-10 reverse split). */
static bool parse_ratio(slice s, double *out)
{
    const char *sep = NULL;
    for (size_t i = 0; i < s.n && !sep; i++)
        if (s.p[i] == ':' || s.p[i] == '/')
            sep = s.p + i;
    if (!sep)
        return parse_positive(s, out);
    double a, b;
    slice left = trim((slice){s.p, (size_t)(sep - s.p)});
    slice right = trim((slice){sep + 1, s.n - (size_t)(sep - s.p) - 1});
    if (!parse_positive(left, &a) || !parse_positive(right, &b))
        return false;
    double r = a / b;
    if (!isfinite(r) || !(r > 0))
        return false;
    *out = r;
    return true;
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

enum { COL_DATE, COL_SYMBOL, COL_TYPE, COL_VALUE, NCOLS };

static const char *const date_names[] = {"date", "ex_date", "timestamp",
                                         "time", NULL};
static const char *const symbol_names[] = {"symbol", "ticker", NULL};
static const char *const type_names[] = {"type", "action", "kind", NULL};
static const char *const value_names[] = {"value", "ratio", "amount", NULL};
static const char *const *const col_names[NCOLS] = {date_names, symbol_names,
                                                    type_names, value_names};

/* The layout found in the header: the 1-based field index of each column (0
 * when absent) and its name as written, for messages. */
typedef struct header {
    char delim;
    int col[NCOLS];
    char name[NCOLS][64];
} header;

/* Picks the delimiter the header line uses most, ',' when it uses none. */
static char detect_delim(slice line)
{
    size_t comma = 0, semi = 0, tab = 0;
    for (size_t i = 0; i < line.n; i++) {
        comma += line.p[i] == ',';
        semi += line.p[i] == ';';
        tab += line.p[i] == '\t';
    }
    if (tab > comma && tab > semi)
        return '\t';
    if (semi > comma)
        return ';';
    return ',';
}

static int parse_header(slice line, int64_t lineno, const char *path,
                        header *h, kr_error *err)
{
    char esc[64];
    memset(h, 0, sizeof *h);
    h->delim = detect_delim(line);
    slice f;
    int col = 0;
    while (next_field(&line, h->delim, &f)) {
        col++;
        for (int c = 0; c < NCOLS; c++) {
            if (!equals_any_ci(f, col_names[c]))
                continue;
            kr_escape(f.p, f.n, esc, sizeof esc);
            if (h->col[c])
                return kr_error_set(err, KR_EFORMAT, path, lineno, col, esc,
                                    "duplicate column: '%s' already names "
                                    "field %d",
                                    h->name[c], h->col[c]);
            h->col[c] = col;
            memcpy(h->name[c], esc, sizeof esc);
        }
    }
    static const char *const wanted[NCOLS] = {
        "date (or ex_date, timestamp, time)", "",
        "type (or action, kind)", "value (or ratio, amount)"};
    static const char *const field[NCOLS] = {"date", "", "type", "value"};
    for (int c = 0; c < NCOLS; c++) {
        if (c != COL_SYMBOL && !h->col[c])
            return kr_error_set(err, KR_EFORMAT, path, lineno, 0, field[c],
                                "missing column: expected a header with %s",
                                wanted[c]);
    }
    return KR_OK;
}

/* Parses one data row into `a`. */
static int parse_row(slice line, int64_t lineno, const char *path,
                     const header *h, kr_action *a, kr_error *err)
{
    slice v[NCOLS] = {{NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}};
    bool seen[NCOLS] = {false, false, false, false};
    slice f;
    int col = 0;
    while (next_field(&line, h->delim, &f)) {
        col++;
        for (int c = 0; c < NCOLS; c++) {
            if (h->col[c] == col) {
                v[c] = f;
                seen[c] = true;
            }
        }
    }
    for (int c = 0; c < NCOLS; c++) {
        if (h->col[c] && !seen[c])
            return kr_error_set(err, KR_EPARSE, path, lineno, h->col[c],
                                h->name[c],
                                "missing value: the row has %d fields, the "
                                "header names field %d",
                                col, h->col[c]);
    }

    char esc[64];
    memset(a, 0, sizeof *a);
    a->line = lineno;
    if (kr_time_parse(v[COL_DATE].p, v[COL_DATE].n, &a->ts))
        return kr_error_set(
            err, KR_EPARSE, path, lineno, h->col[COL_DATE], h->name[COL_DATE],
            "expected a date like 2020-01-02, got '%s'",
            kr_escape(v[COL_DATE].p, v[COL_DATE].n, esc, sizeof esc));

    if (h->col[COL_SYMBOL]) {
        slice s = v[COL_SYMBOL];
        bool ok = s.n <= KR_SYMBOL_MAX;
        for (size_t i = 0; ok && i < s.n; i++)
            ok = (unsigned char)s.p[i] >= 0x20 && s.p[i] != 0x7f;
        if (!ok)
            return kr_error_set(
                err, KR_EPARSE, path, lineno, h->col[COL_SYMBOL],
                h->name[COL_SYMBOL],
                "expected a symbol of at most %d printable bytes (or "
                "nothing for every symbol), got '%s'",
                KR_SYMBOL_MAX, kr_escape(s.p, s.n, esc, sizeof esc));
        memcpy(a->symbol, s.p, s.n);
        a->symbol[s.n] = '\0';
    }

    static const char *const split_words[] = {"split", NULL};
    static const char *const div_words[] = {"dividend", "div", "cash", NULL};
    slice t = v[COL_TYPE];
    if (equals_any_ci(t, split_words))
        a->kind = KR_ACTION_SPLIT;
    else if (equals_any_ci(t, div_words))
        a->kind = KR_ACTION_DIVIDEND;
    else
        return kr_error_set(err, KR_EPARSE, path, lineno, h->col[COL_TYPE],
                            h->name[COL_TYPE],
                            "expected split or dividend (also div, cash), "
                            "got '%s'",
                            kr_escape(t.p, t.n, esc, sizeof esc));

    slice x = v[COL_VALUE];
    if (a->kind == KR_ACTION_SPLIT ? !parse_ratio(x, &a->value)
                                   : !parse_positive(x, &a->value))
        return kr_error_set(
            err, KR_EPARSE, path, lineno, h->col[COL_VALUE],
            h->name[COL_VALUE], "expected %s, got '%s'",
            a->kind == KR_ACTION_SPLIT
                ? "a positive number or ratio like 2:1"
                : "a positive cash amount per share like 0.25",
            kr_escape(x.p, x.n, esc, sizeof esc));
    return KR_OK;
}

/* Orders by ex-date, then by line: a stable sort, since lines increase in
 * file order. */
static int cmp_action(const void *pa, const void *pb)
{
    const kr_action *a = pa, *b = pb;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

int kr_actions_load(const char *path, kr_actions *out, kr_error *err)
{
    if (!path || !out)
        return kr_error_set(err, KR_EINVAL, path, 0, 0, NULL,
                            "no file or no output given");
    memset(out, 0, sizeof *out);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = slurp(path, &buf, &len, err);
    if (rc)
        return rc;

    const char *p = buf, *end = buf + len;
    if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        p += 3; /* a UTF-8 byte order mark */
    int64_t lineno = 0;
    slice line = {NULL, 0};
    while (p < end) {
        line = trim(next_line(&p, end));
        lineno++;
        if (line.n)
            break;
    }
    if (!line.n) {
        rc = kr_error_set(err, KR_EEMPTY, path, 0, 0, NULL,
                          "empty file: expected a header like "
                          "date,symbol,type,value");
        goto err;
    }
    header h;
    rc = parse_header(line, lineno, path, &h, err);
    if (rc)
        goto err;

    while (p < end) {
        line = next_line(&p, end);
        lineno++;
        if (trim(line).n == 0 || trim(line).p[0] == '#')
            continue;
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            kr_action *v = realloc(out->v, ncap * sizeof *v);
            if (!v) {
                rc = kr_error_set(err, KR_ENOMEM, path, lineno, 0, NULL,
                                  NULL);
                goto err;
            }
            out->v = v;
            cap = ncap;
        }
        rc = parse_row(line, lineno, path, &h, &out->v[out->n], err);
        if (rc)
            goto err;
        out->n++;
    }
    free(buf);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_action);
    return KR_OK;
err:
    free(buf);
    kr_actions_free(out);
    return rc;
}

void kr_actions_free(kr_actions *a)
{
    if (!a)
        return;
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

/* ------------------------------------------------------------------------
 * Adjustment
 * ------------------------------------------------------------------------ */

int kr_bars_adjust_adjclose(kr_bars *b)
{
    if (!b || !b->adj_close)
        return KR_EINVAL;
    for (size_t i = 0; i < b->n; i++) {
        double c = b->close[i], a = b->adj_close[i];
        if (!(c > 0) || !(a > 0) || !isfinite(c) || !isfinite(a))
            return KR_EINVAL;
    }
    for (size_t i = 0; i < b->n; i++) {
        double f = b->adj_close[i] / b->close[i];
        b->open[i] *= f;
        b->high[i] *= f;
        b->low[i] *= f;
        b->close[i] = b->adj_close[i];
    }
    return KR_OK;
}

static bool applies(const kr_action *a, const char *symbol)
{
    return a->symbol[0] == '\0' ||
           strncmp(a->symbol, symbol, sizeof a->symbol) == 0;
}

/* The number of bars stamped before `t`, by binary search: the last bar
 * before an ex-date is the one before this index. */
static size_t bars_before(const kr_bars *b, kr_ts t)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->ts[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int kr_bars_adjust_actions(kr_bars *b, const kr_actions *a,
                           const char *symbol)
{
    if (!b || !a || (a->n && !a->v))
        return KR_EINVAL;
    if (!symbol)
        symbol = "";
    for (size_t i = 1; i < b->n; i++)
        if (b->ts[i] < b->ts[i - 1])
            return KR_EINVAL;
    for (size_t k = 0; k < a->n; k++) {
        const kr_action *x = &a->v[k];
        if (k && x->ts < a->v[k - 1].ts)
            return KR_EINVAL;
        if (!applies(x, symbol))
            continue;
        if ((x->kind != KR_ACTION_SPLIT && x->kind != KR_ACTION_DIVIDEND) ||
            !(x->value > 0) || !isfinite(x->value))
            return KR_EINVAL;
        if (x->kind == KR_ACTION_DIVIDEND) {
            size_t before = bars_before(b, x->ts);
            if (before && !(x->value < b->close[before - 1]))
                return KR_ERANGE;
        }
    }

    /* Actions at index >= k have been passed: their ex-dates are after the
     * current bar. The factor of a dividend is taken when the walk first
     * reaches a bar before its ex-date, whose close is still raw. */
    double P = 1.0, V = 1.0;
    size_t k = a->n;
    for (size_t i = b->n; i-- > 0;) {
        while (k > 0 && a->v[k - 1].ts > b->ts[i]) {
            const kr_action *x = &a->v[--k];
            if (!applies(x, symbol))
                continue;
            if (x->kind == KR_ACTION_SPLIT) {
                P /= x->value;
                V *= x->value;
            } else {
                P *= 1.0 - x->value / b->close[i];
            }
        }
        if (P != 1.0) {
            b->open[i] *= P;
            b->high[i] *= P;
            b->low[i] *= P;
            b->close[i] *= P;
        }
        if (V != 1.0)
            b->volume[i] *= V;
    }
    return KR_OK;
}

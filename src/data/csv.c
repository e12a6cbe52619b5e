/* csv.c -- the CSV loader and writer for bars and quotes.
 *
 * The loader recognises a file's layout from its header instead of asking the
 * user: generic OHLCV with any column order and an optional symbol column,
 * Yahoo Finance, Binance klines (with or without a header, epoch ms or us),
 * MetaTrader 5 exports (<DATE> <TIME> ... tab-separated) and Stooq bulk files
 * (<TICKER>,<PER>,<DATE>,<TIME>,...), plus top-of-book quotes. Header names are
 * compared case-insensitively with blanks, '_', '-' and '<>' removed, so
 * "Adj Close", "adj_close" and "ADJCLOSE" are one name.
 *
 * The file is mapped (or read, for pipes) and parsed in one pass: memchr finds
 * line ends, fields are sliced in place, numbers go through a fast exact
 * decimal path (Clinger: a mantissa below 2^53 and a power of ten up to 1e22
 * give the correctly rounded double with one multiply or divide) and fall back
 * to strtod for anything longer. No allocation happens per row except column
 * growth, which doubles.
 *
 * Rows that cannot be used are not fatal: each is recorded with its line,
 * column, field and what was wrong, and skipped, so that `kairos data
 * validate` can report every bad row at once. A file fails as a whole only
 * when it cannot be read, is empty or binary, has an unrecognised header, or
 * yields no usable row.
 */
#define _DEFAULT_SOURCE /* madvise */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kairos/data.h"

#define MAXCOLS 256

const char *kr_layout_name(kr_layout layout)
{
    switch (layout) {
    case KR_LAYOUT_GENERIC: return "generic";
    case KR_LAYOUT_YAHOO: return "yahoo";
    case KR_LAYOUT_BINANCE: return "binance";
    case KR_LAYOUT_MT5: return "mt5";
    case KR_LAYOUT_STOOQ: return "stooq";
    case KR_LAYOUT_QUOTES: return "quotes";
    default: return "unknown";
    }
}

void kr_csv_opts_init(kr_csv_opts *o)
{
    memset(o, 0, sizeof *o);
}

/* ------------------------------------------------------------------------
 * Numbers
 * ------------------------------------------------------------------------ */

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parses a decimal number filling the whole of [p, end) (blanks around it
 * allowed). `dec` is the decimal separator. Returns false for anything else,
 * including an empty field, inf and nan. */
static bool parse_number(const char *p, const char *end, char dec, double *out)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p == end)
        return false;
    const char *start = p;
    bool neg = false;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    uint64_t m = 0;
    int nd = 0, exp10 = 0;
    bool any = false;
    while (p < end && (unsigned)(*p - '0') < 10) {
        if (nd < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            if (m)
                nd++;
        } else {
            exp10++;
            nd++;
        }
        any = true;
        p++;
    }
    if (p < end && *p == dec) {
        p++;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (nd < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                if (m)
                    nd++;
                exp10--;
            } else {
                nd++;
            }
            any = true;
            p++;
        }
    }
    if (!any)
        return false;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '-' || *p == '+')) {
            eneg = *p == '-';
            p++;
        }
        if (p == end)
            return false;
        int e = 0;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (e < 100000)
                e = e * 10 + (*p - '0');
            p++;
        }
        exp10 += eneg ? -e : e;
    }
    if (p != end)
        return false;
    double v;
    if (nd <= 19 && m < (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        v = (double)m;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
    } else {
        /* Slow exact path: strtod on a local copy with '.' as the point. */
        char buf[128];
        size_t n = (size_t)(end - start);
        if (n >= sizeof buf)
            return false;
        memcpy(buf, start, n);
        buf[n] = '\0';
        if (dec != '.')
            for (size_t i = 0; i < n; i++)
                if (buf[i] == dec)
                    buf[i] = '.';
        char *e;
        errno = 0;
        v = strtod(buf, &e);
        if (*e || errno == ERANGE)
            return false;
        neg = false;
    }
    if (!isfinite(v))
        return false;
    *out = neg ? -v : v;
    return true;
}

/* ------------------------------------------------------------------------
 * Lines and fields
 * ------------------------------------------------------------------------ */

typedef struct field {
    const char *p;
    size_t n;
} field;

/* Splits one line (no line terminator) into at most MAXCOLS fields. Quoted
 * fields ("...", with "" for a quote) lose their quotes. Returns the number of
 * fields in the line (which may exceed MAXCOLS; only MAXCOLS are kept). */
static size_t split(const char *p, const char *end, char delim, field *f)
{
    size_t k = 0;
    for (;;) {
        const char *s = p, *e;
        if (p < end && *p == '"') {
            s = ++p;
            while (p < end) {
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        p += 2;
                        continue;
                    }
                    break;
                }
                p++;
            }
            e = p;
            if (p < end)
                p++; /* closing quote */
            while (p < end && *p != delim)
                p++;
        } else {
            const char *d = memchr(p, delim, (size_t)(end - p));
            p = d ? d : end;
            e = p;
        }
        if (k < MAXCOLS) {
            f[k].p = s;
            f[k].n = (size_t)(e - s);
        }
        k++;
        if (p >= end)
            break;
        p++; /* delimiter */
    }
    return k;
}

static bool blank_line(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return false;
    return true;
}

/* Header names are compared in a canonical form: lower case ASCII letters and
 * digits only ("Adj Close" -> "adjclose", "<TICKVOL>" -> "tickvol"). */
static void canon(const field *f, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < f->n && o + 1 < size; i++) {
        unsigned char c = (unsigned char)f->p[i];
        if (isalnum(c) && c < 0x80)
            out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
}

/* ------------------------------------------------------------------------
 * Layout detection
 * ------------------------------------------------------------------------ */

enum col {
    C_TS, C_DATE, C_TIME, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_ADJ, C_VOL,
    C_TICKVOL, C_SYMBOL, C_BID, C_ASK, C_BIDSZ, C_ASKSZ, C_RECV, C_CLOSETIME,
    C_PER, NCOL
};

static const char *const col_names[NCOL] = {
    "timestamp", "date", "time", "open", "high", "low", "close", "adj close",
    "volume", "tickvol", "symbol", "bid", "ask", "bid_size", "ask_size",
    "recv_ts", "close_time", "per"};

/* Canonical header names for each column; the first match wins. */
static const struct alias {
    const char *name;
    enum col col;
} aliases[] = {
    {"timestamp", C_TS},     {"datetime", C_TS},      {"opentime", C_TS},
    {"ts", C_TS},            {"gmttime", C_TS},       {"timestamputc", C_TS},
    {"date", C_DATE},        {"day", C_DATE},         {"time", C_TIME},
    {"open", C_OPEN},        {"o", C_OPEN},           {"high", C_HIGH},
    {"h", C_HIGH},           {"low", C_LOW},          {"l", C_LOW},
    {"close", C_CLOSE},      {"c", C_CLOSE},          {"last", C_CLOSE},
    {"adjclose", C_ADJ},     {"adjustedclose", C_ADJ}, {"volume", C_VOL},
    {"vol", C_VOL},          {"v", C_VOL},            {"tickvol", C_TICKVOL},
    {"tickvolume", C_TICKVOL}, {"symbol", C_SYMBOL},  {"ticker", C_SYMBOL},
    {"sym", C_SYMBOL},       {"instrument", C_SYMBOL}, {"bid", C_BID},
    {"bidprice", C_BID},     {"bidpx", C_BID},        {"ask", C_ASK},
    {"askprice", C_ASK},     {"askpx", C_ASK},        {"bidsize", C_BIDSZ},
    {"bidqty", C_BIDSZ},     {"bidvolume", C_BIDSZ},  {"bidsz", C_BIDSZ},
    {"asksize", C_ASKSZ},    {"askqty", C_ASKSZ},     {"askvolume", C_ASKSZ},
    {"asksz", C_ASKSZ},      {"recvts", C_RECV},      {"tsrecv", C_RECV},
    {"receivets", C_RECV},   {"receivetime", C_RECV}, {"recvtime", C_RECV},
    {"localts", C_RECV},     {"closetime", C_CLOSETIME}, {"per", C_PER},
};

typedef struct layout {
    kr_layout kind;
    int col[NCOL]; /* field index of each column, -1 if absent */
    size_t ncols;  /* fields in the header */
    bool header;
} layout;

static void layout_clear(layout *l)
{
    memset(l, 0, sizeof *l);
    for (int i = 0; i < NCOL; i++)
        l->col[i] = -1;
}

static bool all_digits(const field *f, size_t min)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->p[i];
        if (c == ' ' || c == '\t')
            continue;
        if (c < '0' || c > '9')
            return false;
        n++;
    }
    return n >= min;
}

/* Decides the layout from the first non-blank line. */
static int detect(const field *f, size_t nf, const char *name, int64_t line,
                  layout *l, kr_error *err)
{
    layout_clear(l);
    size_t n = nf < MAXCOLS ? nf : MAXCOLS;
    l->ncols = n;

    /* Headerless Binance klines: 12 columns, first an epoch in ms or us. */
    if (nf >= 6 && all_digits(&f[0], 12)) {
        l->kind = KR_LAYOUT_BINANCE;
        int order[] = {C_TS, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOL, C_CLOSETIME};
        for (int i = 0; i < 7 && (size_t)i < n; i++)
            l->col[order[i]] = i;
        return KR_OK;
    }
    /* Headerless generic: time, open, high, low, close[, volume]. */
    kr_ts t;
    if (nf >= 5 && kr_time_parse(f[0].p, f[0].n, &t) == KR_OK) {
        double x;
        bool nums = true;
        for (size_t i = 1; i < 5; i++)
            nums = nums && parse_number(f[i].p, f[i].p + f[i].n, '.', &x);
        if (nums) {
            l->kind = KR_LAYOUT_GENERIC;
            int order[] = {C_TS, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOL};
            for (int i = 0; i < 6 && (size_t)i < n; i++)
                l->col[order[i]] = i;
            return KR_OK;
        }
    }

    l->header = true;
    bool angle = false;
    char c[64];
    for (size_t i = 0; i < n; i++) {
        if (f[i].n && memchr(f[i].p, '<', f[i].n))
            angle = true;
        canon(&f[i], c, sizeof c);
        for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++) {
            if (!strcmp(c, aliases[a].name)) {
                if (l->col[aliases[a].col] < 0)
                    l->col[aliases[a].col] = (int)i;
                break;
            }
        }
    }
    /* One time column: a full timestamp wins over a date; a lone "time"
     * column is a full timestamp unless a date column sits beside it. */
    if (l->col[C_TS] < 0) {
        if (l->col[C_DATE] >= 0 && l->col[C_TIME] < 0) {
            l->col[C_TS] = l->col[C_DATE];
            l->col[C_DATE] = -1;
        } else if (l->col[C_DATE] < 0 && l->col[C_TIME] >= 0) {
            l->col[C_TS] = l->col[C_TIME];
            l->col[C_TIME] = -1;
        }
    } else {
        l->col[C_DATE] = l->col[C_TIME] = -1;
    }
    bool has_time = l->col[C_TS] >= 0 || l->col[C_DATE] >= 0;

    char shown[120];
    if (!has_time) {
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
            len = (size_t)(f[i].p + f[i].n - f[0].p);
        return kr_error_set(
            err, KR_EFORMAT, name, line, 0, NULL,
            "unrecognised header '%s': no time column (expected one of date, "
            "datetime, timestamp, time, open_time, <DATE>)",
            kr_escape(f[0].p, len, shown, 60));
    }
    if (l->col[C_BID] >= 0 || l->col[C_ASK] >= 0) {
        l->kind = KR_LAYOUT_QUOTES;
        const enum col need[] = {C_BID, C_ASK};
        for (size_t i = 0; i < 2; i++)
            if (l->col[need[i]] < 0)
                return kr_error_set(err, KR_EFORMAT, name, line, 0,
                                    col_names[need[i]],
                                    "quote file without a '%s' column",
                                    col_names[need[i]]);
        return KR_OK;
    }
    const enum col need[] = {C_OPEN, C_HIGH, C_LOW, C_CLOSE};
    for (size_t i = 0; i < 4; i++)
        if (l->col[need[i]] < 0)
            return kr_error_set(err, KR_EFORMAT, name, line, 0,
                                col_names[need[i]],
                                "missing column '%s' (the header needs a time "
                                "column and open, high, low, close)",
                                col_names[need[i]]);
    if (angle)
        l->kind = l->col[C_PER] >= 0 && l->col[C_SYMBOL] >= 0 ? KR_LAYOUT_STOOQ
                                                              : KR_LAYOUT_MT5;
    else if (l->col[C_CLOSETIME] >= 0)
        l->kind = KR_LAYOUT_BINANCE;
    else if (n == 7 && l->col[C_TS] == 0 && l->col[C_OPEN] == 1 &&
             l->col[C_ADJ] == 5 && l->col[C_VOL] == 6 && f[5].n == 9 &&
             !memcmp(f[5].p, "Adj Close", 9))
        l->kind = KR_LAYOUT_YAHOO;
    else
        l->kind = KR_LAYOUT_GENERIC;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The loader
 * ------------------------------------------------------------------------ */

typedef struct loader {
    kr_dataset *ds;
    const kr_csv_opts *opts;
    layout l;
    char dec;            /* decimal separator */
    size_t max_issues;
    uint32_t default_sym;
    /* Cache of the last symbol seen, so grouped files skip the hash. */
    char last_name[KR_SYMBOL_MAX + 1];
    size_t last_len;
    size_t last_series;
    bool have_last;
    size_t reserve;      /* rows to reserve for a new series */
} loader;

static void add_issue(loader *L, int64_t line, int col, const char *fieldname,
                      const char *fmt, ...) KR_PRINTF(5, 6);

static void add_issue(loader *L, int64_t line, int col, const char *fieldname,
                      const char *fmt, ...)
{
    kr_dataset *ds = L->ds;
    ds->issues_total++;
    if (ds->nissues >= L->max_issues)
        return;
    if (!ds->issues) {
        ds->issues = calloc(L->max_issues, sizeof *ds->issues);
        if (!ds->issues)
            return;
    }
    kr_row_issue *is = &ds->issues[ds->nissues++];
    is->line = line;
    is->column = col;
    snprintf(is->field, sizeof is->field, "%s", fieldname ? fieldname : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(is->msg, sizeof is->msg, fmt, ap);
    va_end(ap);
}

static int quotes_series(kr_dataset *ds, uint32_t sym, size_t *idx,
                         bool recv, size_t reserve)
{
    for (size_t i = 0; i < ds->nquotes; i++) {
        if (ds->quotes[i].symbol == sym) {
            *idx = i;
            return KR_OK;
        }
    }
    kr_quotes *v = realloc(ds->quotes, (ds->nquotes + 1) * sizeof *v);
    if (!v)
        return KR_ENOMEM;
    ds->quotes = v;
    int rc = kr_quotes_init(&ds->quotes[ds->nquotes], sym, reserve,
                            KR_QUOTES_LINES | (recv ? KR_QUOTES_RECV : 0));
    if (rc)
        return rc;
    *idx = ds->nquotes++;
    return KR_OK;
}

/* Index of the series for the row's symbol (bars or quotes). */
static int row_series(loader *L, const field *sf, int64_t line, size_t *idx)
{
    kr_dataset *ds = L->ds;
    uint32_t sym = L->default_sym;
    if (sf) {
        const char *p = sf->p, *e = sf->p + sf->n;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        size_t n = (size_t)(e - p);
        if (L->have_last && n == L->last_len && !memcmp(p, L->last_name, n)) {
            *idx = L->last_series;
            return KR_OK;
        }
        int rc = kr_symtab_intern(ds->symbols, p, n, &sym);
        if (rc == KR_EINVAL) {
            char shown[80];
            add_issue(L, line, L->l.col[C_SYMBOL] + 1, "symbol",
                      "expected a symbol of 1-%d printable bytes, got '%s'",
                      KR_SYMBOL_MAX, kr_escape(p, n, shown, sizeof shown));
            return KR_EINVAL;
        }
        if (rc)
            return rc;
        memcpy(L->last_name, p, n);
        L->last_len = n;
    } else if (L->have_last) {
        *idx = L->last_series;
        return KR_OK;
    }
    int rc;
    if (L->l.kind == KR_LAYOUT_QUOTES) {
        rc = quotes_series(ds, sym, idx, L->l.col[C_RECV] >= 0, L->reserve);
    } else {
        kr_bars *b;
        size_t before = ds->nbars;
        rc = kr_dataset_series(ds, sym,
                               KR_BARS_LINES |
                                   (L->l.col[C_ADJ] >= 0 ? KR_BARS_ADJ : 0),
                               &b);
        if (rc == KR_OK) {
            *idx = (size_t)(b - ds->bars);
            if (ds->nbars > before && L->reserve > b->cap)
                rc = kr_bars_reserve(b, L->reserve);
        }
    }
    if (rc)
        return rc;
    L->last_series = *idx;
    L->have_last = true;
    return KR_OK;
}

static bool get_num(loader *L, const field *f, size_t nf, enum col c,
                    int64_t line, double *out)
{
    int i = L->l.col[c];
    char shown[64];
    if ((size_t)i >= nf || i >= MAXCOLS) {
        add_issue(L, line, i + 1, col_names[c], "missing (row has %zu fields)",
                  nf);
        return false;
    }
    if (parse_number(f[i].p, f[i].p + f[i].n, L->dec, out))
        return true;
    if (f[i].n == 0 || blank_line(f[i].p, f[i].p + f[i].n))
        add_issue(L, line, i + 1, col_names[c], "empty; expected a number");
    else
        add_issue(L, line, i + 1, col_names[c],
                  "expected a number, got '%s'",
                  kr_escape(f[i].p, f[i].n, shown, sizeof shown));
    return false;
}

/* An optional column: absent or blank gives NaN, anything else must parse. */
static bool opt_num(loader *L, const field *f, size_t nf, enum col c,
                    int64_t line, double *out)
{
    int i = L->l.col[c];
    *out = NAN;
    if (i < 0 || (size_t)i >= nf || i >= MAXCOLS ||
        blank_line(f[i].p, f[i].p + f[i].n))
        return true;
    return get_num(L, f, nf, c, line, out);
}

static bool get_ts(loader *L, const field *f, size_t nf, int64_t line,
                   kr_ts *out)
{
    char shown[64];
    int ci = L->l.col[C_TS] >= 0 ? L->l.col[C_TS] : L->l.col[C_DATE];
    if ((size_t)ci >= nf || ci >= MAXCOLS) {
        add_issue(L, line, 0, NULL, "expected %zu fields, got %zu",
                  L->l.ncols, nf);
        return false;
    }
    const char *fname = L->l.col[C_TS] >= 0 ? col_names[C_TS] : "date";
    if (kr_time_parse(f[ci].p, f[ci].n, out) != KR_OK) {
        add_issue(L, line, ci + 1, fname,
                  "expected a date, datetime or epoch timestamp, got '%s'",
                  kr_escape(f[ci].p, f[ci].n, shown, sizeof shown));
        return false;
    }
    int ti = L->l.col[C_TIME];
    if (ti >= 0) {
        int64_t tod;
        if ((size_t)ti >= nf || ti >= MAXCOLS ||
            kr_time_parse_hms(f[ti].p, f[ti].n, &tod) != KR_OK) {
            add_issue(L, line, ti + 1, "time",
                      "expected a time of day HH:MM[:SS] or HHMMSS, got '%s'",
                      (size_t)ti < nf && ti < MAXCOLS
                          ? kr_escape(f[ti].p, f[ti].n, shown, sizeof shown)
                          : "");
            return false;
        }
        *out += tod;
    }
    return true;
}

static int load_row(loader *L, const field *f, size_t nf, int64_t line)
{
    const layout *l = &L->l;
    kr_ts ts;
    if (!get_ts(L, f, nf, line, &ts))
        return KR_OK;
    if (l->kind == KR_LAYOUT_QUOTES) {
        double bid, ask, bs = NAN, as = NAN;
        kr_ts recv = KR_TS_NONE;
        if (!get_num(L, f, nf, C_BID, line, &bid) ||
            !get_num(L, f, nf, C_ASK, line, &ask))
            return KR_OK;
        /* Sizes are optional per row: an empty cell is NaN. */
        if (!opt_num(L, f, nf, C_BIDSZ, line, &bs) ||
            !opt_num(L, f, nf, C_ASKSZ, line, &as))
            return KR_OK;
        int ri = l->col[C_RECV];
        if (ri >= 0) {
            char shown[64];
            if ((size_t)ri >= nf ||
                kr_time_parse(f[ri].p, f[ri].n, &recv) != KR_OK) {
                add_issue(L, line, ri + 1, col_names[C_RECV],
                          "expected a timestamp, got '%s'",
                          (size_t)ri < nf
                              ? kr_escape(f[ri].p, f[ri].n, shown, sizeof shown)
                              : "");
                return KR_OK;
            }
        }
        size_t s;
        int si = l->col[C_SYMBOL];
        int rc = row_series(L, si >= 0 && (size_t)si < nf ? &f[si] : NULL,
                            line, &s);
        if (rc == KR_EINVAL)
            return KR_OK;
        if (rc)
            return rc;
        L->ds->rows++;
        return kr_quotes_push(&L->ds->quotes[s], ts, bid, ask, bs, as, recv,
                              line);
    }
    double o, h, lo, c, v = 0, adj = NAN;
    if (!get_num(L, f, nf, C_OPEN, line, &o) ||
        !get_num(L, f, nf, C_HIGH, line, &h) ||
        !get_num(L, f, nf, C_LOW, line, &lo) ||
        !get_num(L, f, nf, C_CLOSE, line, &c))
        return KR_OK;
    if (l->col[C_ADJ] >= 0 && !get_num(L, f, nf, C_ADJ, line, &adj))
        return KR_OK;
    int vi = l->col[C_VOL];
    if (vi >= 0 && (size_t)vi < nf && !blank_line(f[vi].p, f[vi].p + f[vi].n) &&
        !get_num(L, f, nf, C_VOL, line, &v))
        return KR_OK;
    /* MetaTrader writes 0 in <VOL> for instruments without real volume;
     * their tick volume is the best measure there is. */
    if (v == 0 && l->col[C_TICKVOL] >= 0 && (size_t)l->col[C_TICKVOL] < nf &&
        !get_num(L, f, nf, C_TICKVOL, line, &v))
        return KR_OK;
    size_t s;
    int si = l->col[C_SYMBOL];
    int rc = row_series(L, si >= 0 && (size_t)si < nf ? &f[si] : NULL, line,
                        &s);
    if (rc == KR_EINVAL)
        return KR_OK;
    if (rc)
        return rc;
    kr_bars *b = &L->ds->bars[s];
    L->ds->rows++;
    if (KR_LIKELY(b->n < b->cap)) {
        size_t i = b->n++;
        b->ts[i] = ts;
        b->open[i] = o;
        b->high[i] = h;
        b->low[i] = lo;
        b->close[i] = c;
        b->volume[i] = v;
        if (b->adj_close)
            b->adj_close[i] = adj;
        b->line[i] = line;
        return KR_OK;
    }
    return kr_bars_push(b, ts, o, h, lo, c, v, adj, line);
}

/* The symbol for files without a symbol column: the option, or the file
 * name without directory and extension (for Binance files such as
 * BTCUSDT-1m-2024-01.csv, the part before the first '-'). */
static int default_symbol(loader *L, const char *name)
{
    const char *s = L->opts && L->opts->symbol ? L->opts->symbol : NULL;
    size_t n;
    char buf[KR_SYMBOL_MAX + 1];
    if (s) {
        n = strlen(s);
    } else {
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        n = strcspn(base, ".");
        if (L->l.kind == KR_LAYOUT_BINANCE) {
            size_t dash = strcspn(base, "-");
            if (dash < n)
                n = dash;
        }
        if (n > KR_SYMBOL_MAX)
            n = KR_SYMBOL_MAX;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)base[i] >= 0x20 && base[i] != 0x7f)
                buf[k++] = base[i];
        s = buf;
        n = k;
        if (n == 0) {
            s = "DATA";
            n = 4;
        }
    }
    int rc = kr_symtab_intern(L->ds->symbols, s, n, &L->default_sym);
    return rc == KR_EINVAL ? KR_EINVAL : rc;
}

static const char *next_line(const char *p, const char *end, const char **le)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    *le = e > p && e[-1] == '\r' ? e - 1 : e;
    return nl ? nl + 1 : end;
}

/* Every RELEASE_STEP bytes a mapped file's parsed pages are handed back to
 * the kernel, so a load's resident memory is its columns plus this much, not
 * the whole file as well. */
#define RELEASE_STEP ((size_t)32 << 20)

static int load(const char *buf, size_t len, const char *name,
                const kr_csv_opts *opts, kr_dataset *out, kr_error *err,
                bool mapped);

int kr_csv_load_mem(const char *buf, size_t len, const char *name,
                    const kr_csv_opts *opts, kr_dataset *out, kr_error *err)
{
    return load(buf, len, name, opts, out, err, false);
}

static int load(const char *buf, size_t len, const char *name,
                const kr_csv_opts *opts, kr_dataset *out, kr_error *err,
                bool mapped)
{
    kr_error_clear(err);
    if (!name)
        name = "<memory>";
    int rc = kr_dataset_init(out, name);
    if (rc)
        return kr_error_set(err, rc, name, 0, 0, NULL, "out of memory");
    out->bytes = len;

    loader L;
    memset(&L, 0, sizeof L);
    L.ds = out;
    L.opts = opts;
    L.max_issues = opts && opts->max_issues ? opts->max_issues : 1000;
    field *f = malloc(MAXCOLS * sizeof *f);
    if (!f) {
        rc = kr_error_set(err, KR_ENOMEM, name, 0, 0, NULL, "out of memory");
        goto err;
    }

    const char *p = buf, *end = buf + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3; /* UTF-8 byte order mark */
    if (p == end) {
        rc = kr_error_set(err, KR_EEMPTY, name, 0, 0, NULL, "empty file");
        goto err;
    }
    size_t probe = (size_t)(end - p) < 65536 ? (size_t)(end - p) : 65536;
    const char *nul = memchr(p, '\0', probe);
    if (nul) {
        rc = kr_error_set(err, KR_EFORMAT, name, 0, 0, NULL,
                          "binary data (a NUL byte at offset %zu); expected a "
                          "text CSV file",
                          (size_t)(nul - buf));
        goto err;
    }

    /* First non-blank line: the header (or the first row). */
    int64_t line = 0;
    const char *le = p, *lp = p;
    while (p < end) {
        lp = p;
        p = next_line(p, end, &le);
        line++;
        if (!blank_line(lp, le))
            break;
        lp = le = p;
    }
    if (lp == le) {
        rc = kr_error_set(err, KR_EEMPTY, name, 0, 0, NULL,
                          "empty file (only blank lines)");
        goto err;
    }
    char delim = opts && opts->delimiter ? opts->delimiter : 0;
    if (!delim) {
        size_t nc = 0, ns = 0, nt = 0;
        for (const char *q = lp; q < le; q++) {
            nc += *q == ',';
            ns += *q == ';';
            nt += *q == '\t';
        }
        delim = nt > nc && nt >= ns ? '\t' : ns > nc ? ';' : ',';
        if (nc + ns + nt == 0) {
            char shown[80];
            rc = kr_error_set(err, KR_EFORMAT, name, line, 0, NULL,
                              "one column only in '%s'; expected fields "
                              "separated by ',', ';' or tab",
                              kr_escape(lp, (size_t)(le - lp), shown, 60));
            goto err;
        }
    }
    out->delimiter = delim;
    L.dec = '.';
    size_t nf = split(lp, le, delim, f);
    rc = detect(f, nf, name, line, &L.l, err);
    if (rc)
        goto err;
    out->layout = L.l.kind;
    out->has_header = L.l.header;
    if ((rc = default_symbol(&L, name)) != KR_OK) {
        rc = kr_error_set(err, rc, name, 0, 0, "symbol",
                          "cannot use '%s' as a symbol name",
                          opts && opts->symbol ? opts->symbol : name);
        goto err;
    }
    /* A ';' file may write decimals with a comma: decide from the first
     * data row's open. */
    if (delim == ';') {
        const char *q = L.l.header ? p : lp, *qe;
        while (q < end) {
            const char *qs = q;
            q = next_line(q, end, &qe);
            if (blank_line(qs, qe))
                continue;
            size_t k = split(qs, qe, delim, f);
            int oc = L.l.col[C_OPEN] >= 0 ? L.l.col[C_OPEN] : L.l.col[C_BID];
            double x;
            if (oc >= 0 && (size_t)oc < k && oc < MAXCOLS &&
                !parse_number(f[oc].p, f[oc].p + f[oc].n, '.', &x) &&
                parse_number(f[oc].p, f[oc].p + f[oc].n, ',', &x)) {
                L.dec = ',';
                out->decimal_comma = true;
            }
            break;
        }
    }
    /* Reserve for a single-symbol file from the size of the first row. */
    {
        const char *q = L.l.header ? p : lp, *qe;
        next_line(q, end, &qe);
        size_t rowlen = (size_t)(qe - q) + 1;
        L.reserve = rowlen > 8 ? (size_t)(end - q) / rowlen + 64 : 1024;
        if (L.l.col[C_SYMBOL] >= 0 || L.reserve > ((size_t)1 << 28))
            L.reserve = 1024;
    }
    if (!L.l.header) {
        p = lp; /* the first line is data */
        line--;
    }
    const char *released = buf;
    while (p < end) {
        lp = p;
        p = next_line(p, end, &le);
        line++;
        if (KR_UNLIKELY(mapped && (size_t)(lp - released) > RELEASE_STEP)) {
            const char *upto = buf + (((size_t)(lp - buf)) & ~(size_t)4095);
            madvise((void *)released, (size_t)(upto - released),
                    MADV_DONTNEED);
            released = upto;
        }
        if (lp == le || blank_line(lp, le))
            continue;
        nf = split(lp, le, delim, f);
        rc = load_row(&L, f, nf, line);
        if (rc) {
            rc = kr_error_set(err, rc, name, line, 0, NULL, "%s",
                              kr_strerror(rc));
            goto err;
        }
    }
    out->lines = line;
    if (out->rows == 0) {
        if (out->issues_total == 0) {
            rc = kr_error_set(err, KR_EEMPTY, name, 0, 0, NULL,
                              "no data rows after the header");
        } else {
            const kr_row_issue *is = &out->issues[0];
            rc = kr_error_set(err, KR_EPARSE, name, is->line, is->column,
                              is->field,
                              "%s (no usable row: %zu rows could not be "
                              "parsed)",
                              is->msg, out->issues_total);
        }
        goto err;
    }
    free(f);
    return KR_OK;
err:
    free(f);
    kr_dataset_free(out);
    return rc;
}

int kr_csv_load(const char *path, const kr_csv_opts *opts, kr_dataset *out,
                kr_error *err)
{
    kr_error_clear(err);
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kr_error_set(err, errno == ENOENT ? KR_ENOENT : KR_EIO, path, 0,
                            0, NULL, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "cannot stat: %s",
                            strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                            "is a directory, expected a CSV file");
    }
    int rc;
    if (S_ISREG(st.st_mode)) {
        if (st.st_size == 0) {
            close(fd);
            return kr_error_set(err, KR_EEMPTY, path, 0, 0, NULL,
                                "empty file");
        }
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
                       0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                                "cannot map: %s", strerror(e));
        }
        madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
        rc = load(m, (size_t)st.st_size, path, opts, out, err, true);
        munmap(m, (size_t)st.st_size);
        close(fd);
        return rc;
    }
    /* A pipe or device: read it all. */
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            return kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                                "out of memory");
        }
        if (n == cap) {
            char *b2 = realloc(buf, cap * 2);
            if (!b2) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = b2;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                                "read failed: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    rc = kr_csv_load_mem(buf, n, path, opts, out, err);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------ */

int kr_csv_write_bars(FILE *f, const kr_bars *const *series, size_t n,
                      const kr_symtab *symbols, unsigned flags)
{
    bool sym = (flags & KR_CSV_SYMBOL) || n > 1;
    bool adj = n > 0;
    bool dates = true;
    for (size_t s = 0; s < n; s++) {
        adj = adj && series[s]->adj_close;
        for (size_t i = 0; i < series[s]->n && dates; i++)
            dates = series[s]->ts[i] % KR_NS_PER_DAY == 0;
    }
    fprintf(f, "timestamp,%sopen,high,low,close,%svolume\n",
            sym ? "symbol," : "", adj ? "adj_close," : "");
    char ts[40], num[7][40];
    for (size_t s = 0; s < n; s++) {
        const kr_bars *b = series[s];
        const char *name = symbols ? kr_symtab_name(symbols, b->symbol) : NULL;
        for (size_t i = 0; i < b->n; i++) {
            kr_time_format(b->ts[i], dates ? KR_TIME_DATE : KR_TIME_ISO, ts,
                           sizeof ts);
            kr_format_double(b->open[i], num[0], sizeof num[0]);
            kr_format_double(b->high[i], num[1], sizeof num[1]);
            kr_format_double(b->low[i], num[2], sizeof num[2]);
            kr_format_double(b->close[i], num[3], sizeof num[3]);
            kr_format_double(b->volume[i], num[4], sizeof num[4]);
            if (adj)
                kr_format_double(b->adj_close[i], num[5], sizeof num[5]);
            if (fprintf(f, "%s%s%s,%s,%s,%s,%s,%s%s%s\n", ts, sym ? "," : "",
                        sym ? (name ? name : "") : "", num[0], num[1], num[2],
                        num[3], adj ? num[5] : "", adj ? "," : "",
                        num[4]) < 0)
                return KR_EIO;
        }
    }
    return ferror(f) ? KR_EIO : KR_OK;
}

/* data.h -- kairos data: bar and quote columns, loaders, quality checks,
 * calendars, resampling, corporate actions, universes and synthetic data.
 *
 * Bars are kept as struct-of-arrays columns, one kr_bars per symbol, each
 * column 64-byte aligned. A loaded file becomes a kr_dataset: its series in
 * the order the file gave them (never silently sorted, so that quality checks
 * can name the line of every out-of-order or duplicate row), the symbol table,
 * the layout that was recognised, and the rows that could not be parsed.
 * Callers that need clean series call kr_bars_sort and kr_bars_dedupe.
 *
 * Every function that reads outside input reports errors through a kr_error
 * naming the file, line, column and field.
 */
#ifndef KAIROS_DATA_H
#define KAIROS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kairos/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Bars
 * ------------------------------------------------------------------------ */

enum {
    KR_BARS_ADJ = 1 << 0,   /* keep an adjusted-close column */
    KR_BARS_LINES = 1 << 1, /* keep the source line of each row */
};

typedef struct kr_bars {
    uint32_t symbol; /* id in the owning symbol table */
    size_t n;        /* rows in use */
    size_t cap;      /* rows allocated */
    kr_ts *ts;
    double *open;
    double *high;
    double *low;
    double *close;
    double *volume;
    double *adj_close; /* NULL unless KR_BARS_ADJ */
    int64_t *line;     /* 1-based source line per row; NULL unless KR_BARS_LINES */
} kr_bars;

/* kr_bars_init prepares an empty series with room for `cap` rows; `flags` is a
 * mask of KR_BARS_*. Every successful init needs a kr_bars_free. */
int kr_bars_init(kr_bars *b, uint32_t symbol, size_t cap, unsigned flags);
void kr_bars_free(kr_bars *b);
/* Grows the columns to hold at least `cap` rows. */
int kr_bars_reserve(kr_bars *b, size_t cap);
/* Appends one row; `adj` and `line` are ignored when the column is absent. */
int kr_bars_push(kr_bars *b, kr_ts ts, double open, double high, double low,
                 double close, double volume, double adj, int64_t line);
/* Stable sort by timestamp; rows with equal timestamps keep file order. */
int kr_bars_sort(kr_bars *b);
/* After a sort: keeps the first row of each run of equal timestamps and
 * returns how many rows it removed. */
size_t kr_bars_dedupe(kr_bars *b);
/* kr_bars_clean sorts the series (kr_bars_sort) and drops repeated
 * timestamps (kr_bars_dedupe), adding the number dropped to *dropped: what
 * every consumer of a loaded file needs before indicators or resampling. */
int kr_bars_clean(kr_bars *b, size_t *dropped);
/* True when timestamps strictly increase. */
bool kr_bars_is_sorted_unique(const kr_bars *b);
/* The bar interval: the most frequent non-zero distance between consecutive
 * timestamps, in either direction so that newest-first files count too (ties
 * go to the smaller), 0 with fewer than two distinct timestamps. */
int64_t kr_bars_interval(const kr_bars *b);

/* ------------------------------------------------------------------------
 * Quotes (top of book)
 * ------------------------------------------------------------------------ */

typedef struct kr_quotes {
    uint32_t symbol;
    size_t n;
    size_t cap;
    kr_ts *ts;
    double *bid;
    double *ask;
    double *bid_size;
    double *ask_size;
    kr_ts *recv_ts; /* receive time when the file has one, else NULL */
    int64_t *line;  /* 1-based source line per row, or NULL */
} kr_quotes;

enum {
    KR_QUOTES_RECV = 1 << 0,  /* keep a receive-time column */
    KR_QUOTES_LINES = 1 << 1, /* keep source lines */
};

int kr_quotes_init(kr_quotes *q, uint32_t symbol, size_t cap, unsigned flags);
void kr_quotes_free(kr_quotes *q);
int kr_quotes_push(kr_quotes *q, kr_ts ts, double bid, double ask,
                   double bid_size, double ask_size, kr_ts recv_ts,
                   int64_t line);

/* ------------------------------------------------------------------------
 * Datasets and the CSV loader
 * ------------------------------------------------------------------------ */

typedef enum kr_layout {
    KR_LAYOUT_UNKNOWN = 0,
    KR_LAYOUT_GENERIC, /* date|datetime|timestamp|time, open, high, low, close,
                          [adj close], [volume], [symbol] in any order */
    KR_LAYOUT_YAHOO,   /* Date,Open,High,Low,Close,Adj Close,Volume */
    KR_LAYOUT_BINANCE, /* klines: open_time,open,high,low,close,volume,
                          close_time,... with or without a header */
    KR_LAYOUT_MT5,     /* <DATE>\t<TIME>\t<OPEN>... MetaTrader 5 export */
    KR_LAYOUT_STOOQ,   /* <TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,... */
    KR_LAYOUT_QUOTES,  /* ts, bid, ask[, bid_size, ask_size][, recv_ts] */
} kr_layout;

const char *kr_layout_name(kr_layout layout);

/* A row the loader could not use. `column` is the 1-based field index (0 for
 * problems with the row as a whole) and `field` the header name. */
typedef struct kr_row_issue {
    int64_t line;
    int column;
    char field[32];
    char msg[160];
} kr_row_issue;

typedef struct kr_dataset {
    char *path;         /* source name as given; owned */
    kr_layout layout;
    char delimiter;     /* ',', ';' or '\t' */
    bool has_header;
    bool decimal_comma; /* numbers written 1,5 in a ';' file */
    size_t bytes;       /* size of the source */
    int64_t lines;      /* physical lines in the source */
    size_t rows;        /* rows loaded, all series together */
    kr_symtab *symbols; /* owned */
    kr_bars *bars;      /* one per symbol, in first-seen order */
    size_t nbars;
    kr_quotes *quotes;  /* quote series, for KR_LAYOUT_QUOTES */
    size_t nquotes;
    kr_row_issue *issues; /* the first max_issues unusable rows */
    size_t nissues;
    size_t issues_total;  /* every unusable row, kept or not */
} kr_dataset;

typedef struct kr_csv_opts {
    const char *symbol; /* name for files without a symbol column; NULL:
                           from the file name */
    char delimiter;     /* 0 detects it from the first line */
    size_t max_issues;  /* how many row issues to keep; 0 means 1000 */
} kr_csv_opts;

void kr_csv_opts_init(kr_csv_opts *o);

/* kr_dataset_init makes an empty dataset that owns a new symbol table. */
int kr_dataset_init(kr_dataset *ds, const char *path);
void kr_dataset_free(kr_dataset *ds);
/* The series of `symbol` (by id), creating it with `flags` if absent. */
int kr_dataset_series(kr_dataset *ds, uint32_t symbol, unsigned flags,
                      kr_bars **out);

/* kr_csv_load reads a bar or quote CSV file whose layout it recognises from
 * the header (see kr_layout), case-insensitively, with ',', ';' or tab
 * delimiters. Rows that cannot be used are skipped and listed in
 * out->issues; the load still succeeds. It fails, with `err` naming the file
 * and what was wrong, for a missing or unreadable file, an empty file, binary
 * data, an unrecognised header, or a file with no usable row. On success the
 * caller owns *out and frees it with kr_dataset_free; on failure *out is
 * left freed. */
int kr_csv_load(const char *path, const kr_csv_opts *opts, kr_dataset *out,
                kr_error *err);
/* The same over a buffer; `name` stands for the file in messages. */
int kr_csv_load_mem(const char *buf, size_t len, const char *name,
                    const kr_csv_opts *opts, kr_dataset *out, kr_error *err);

enum {
    KR_CSV_SYMBOL = 1 << 0, /* write a symbol column even for one series */
};

/* kr_csv_write_bars writes series in the generic layout (timestamp,
 * [symbol,] open, high, low, close, [adj_close,] volume), with dates alone
 * when every timestamp is at midnight and shortest round-trip numbers. Rows
 * of several series are written series after series. */
int kr_csv_write_bars(FILE *f, const kr_bars *const *series, size_t n,
                      const kr_symtab *symbols, unsigned flags);

/* ------------------------------------------------------------------------
 * Calendars
 * ------------------------------------------------------------------------ */

typedef struct kr_calendar {
    char name[16];
    uint8_t weekdays;   /* bit i set: day i is a session, 0 = Monday */
    int64_t *holidays;  /* sorted, unique day numbers that would be sessions
                           by weekday but are not; owned */
    size_t nholidays;
} kr_calendar;

/* Days are kr_ts_day() numbers (days since 1970-01-01 UTC).
 *
 * kr_calendar_preset fills `cal` with a preset: "equity" and "fx" (Monday to
 * Friday), "crypto" (every day), none with holidays. KR_EINVAL, with `cal`
 * untouched, for any other name. A preset owns nothing, but kr_calendar_free
 * is needed once holidays are loaded. */
int kr_calendar_preset(const char *name, kr_calendar *cal);
/* kr_calendar_load_holidays reads one date per line (anything kr_time_parse
 * takes, at midnight; '#' starts a comment; blank lines are allowed) and merges
 * them into cal->holidays, kept sorted and unique. Dates on a weekday that is
 * not a session anyway are dropped. All or nothing: on error `cal` is
 * unchanged and `err` names the file, line and the text that is not a date
 * (KR_ENOENT/KR_EIO for the file, KR_EPARSE for a line, KR_ENOMEM). */
int kr_calendar_load_holidays(kr_calendar *cal, const char *path,
                              kr_error *err);
/* Frees the holidays; name and weekdays stay. */
void kr_calendar_free(kr_calendar *cal);
bool kr_calendar_is_session(const kr_calendar *cal, int64_t day);
/* Sessions strictly between day a and day b (in either order), in O(1) plus
 * a binary search of the holidays. */
int64_t kr_calendar_sessions_between(const kr_calendar *cal, int64_t a,
                                     int64_t b);

/* ------------------------------------------------------------------------
 * Corporate actions and adjustment
 * ------------------------------------------------------------------------ */

typedef enum kr_action_kind {
    KR_ACTION_SPLIT = 0,    /* value: new shares per old share (2 = 2-for-1) */
    KR_ACTION_DIVIDEND = 1, /* value: cash per share */
} kr_action_kind;

typedef struct kr_action {
    char symbol[KR_SYMBOL_MAX + 1]; /* empty: applies to every symbol */
    kr_ts ts;                       /* ex-date */
    kr_action_kind kind;
    double value;                   /* positive and finite */
    int64_t line;                   /* line in the actions file, or 0 */
} kr_action;

typedef struct kr_actions {
    kr_action *v; /* sorted by ts (stable: same-day actions in file order);
                     owned */
    size_t n;
} kr_actions;

/* kr_actions_load reads an actions CSV: a header, then one action a line,
 * delimiter ',', ';' or tab. Columns, matched case-insensitively in any
 * order: date|ex_date|timestamp|time (anything kr_time_parse takes),
 * optionally symbol|ticker (empty: every symbol), type|action|kind (split, or
 * dividend, div, cash) and value|ratio|amount. A split value is new shares
 * per old share, written "2", "2:1", "3:2", "1:10" or "2/1"; a dividend value
 * is cash per share. Values must be positive and finite. Blank lines and
 * lines starting with '#' are skipped. The first bad row fails the load with
 * `err` naming file, line, column, field and what was expected (KR_EPARSE;
 * KR_EFORMAT for a missing or repeated column, KR_EEMPTY for an empty file,
 * KR_ENOENT/KR_EIO with the system's reason when the file cannot be read).
 * On success the caller owns *out (kr_actions_free); on failure *out is
 * empty. */
int kr_actions_load(const char *path, kr_actions *out, kr_error *err);
void kr_actions_free(kr_actions *a);

/* kr_bars_adjust_adjclose rescales open, high and low by adj_close/close and
 * sets close to adj_close, row by row; volume is left as is. The series must
 * have an adjusted-close column, and every close and adj close must be
 * positive and finite (KR_EINVAL otherwise, with the series unchanged). */
int kr_bars_adjust_adjclose(kr_bars *b);
/* kr_bars_adjust_actions back-adjusts a sorted series for the actions of
 * `symbol` and those with an empty symbol: before each split prices are
 * divided and volumes multiplied by its ratio; before each dividend prices
 * are multiplied by 1 - dividend / close of the last bar before the ex-date
 * (the raw close, as in the input). Bars on or after an ex-date, and the
 * adj_close column, are left alone; an action with no bar before it has no
 * effect. Errors leave the series unchanged: KR_EINVAL for an unsorted series
 * or action list or an invalid action, KR_ERANGE for a dividend not below
 * that close. */
int kr_bars_adjust_actions(kr_bars *b, const kr_actions *a,
                           const char *symbol);

/* ------------------------------------------------------------------------
 * Resampling
 * ------------------------------------------------------------------------ */

/* kr_bars_resample aggregates a sorted, de-duplicated series into coarser
 * bars: open first, high max, low min, close last, volume sum, adj close last;
 * each output bar is stamped with the start of its bucket and carries the line
 * of its first input row; empty buckets give no bar. Buckets are aligned on
 * the epoch for intraday intervals, on UTC midnight for days, on Mondays
 * (1970-01-05 + k weeks) for whole weeks and on the first of the month for
 * months (N-month buckets on month indexes since 1970-01 divisible by N).
 * `out` is initialised by the call with the optional columns of `in` and
 * owned by the caller; on error it is left empty (kr_bars_free is safe).
 * KR_EINVAL for unsorted or repeated timestamps, an interval that is not
 * exactly one of ns or months, or a target finer than kr_bars_interval(in)
 * (for months: shorter than the data's interval even at 31 days a month);
 * KR_ERANGE when a bucket would start before the earliest kr_ts. */
int kr_bars_resample(const kr_bars *in, kr_interval to, kr_bars *out);

/* ------------------------------------------------------------------------
 * Universe: several series aligned on time
 * ------------------------------------------------------------------------ */

enum { KR_ALIGN_UNION = 0, KR_ALIGN_INTERSECT = 1 };

typedef struct kr_universe {
    size_t nsym;
    size_t n;             /* aligned timestamps */
    kr_ts *ts;            /* n timestamps, increasing; owned */
    const kr_bars **series; /* nsym borrowed series; owned array */
    int32_t *row;         /* n * nsym: row[t * nsym + s] is the row of series s
                             at ts[t], or -1 */
} kr_universe;

/* kr_universe_align puts the timestamps of every series (KR_ALIGN_UNION) or
 * of all of them (KR_ALIGN_INTERSECT) on one axis, by a k-way merge in
 * O(total rows * log nsym). Series must be sorted and de-duplicated
 * (KR_EINVAL otherwise) and must outlive the universe; KR_ERANGE for a series
 * of more than INT32_MAX rows. `u` is initialised by the call; free it with
 * kr_universe_free. */
int kr_universe_align(const kr_bars *const *series, size_t nsym, int mode,
                      kr_universe *u);
void kr_universe_free(kr_universe *u);
/* Close of series s at or before ts[t] (forward-filled, from the series
 * itself, so also across bars an intersection dropped), NaN before its first
 * bar or for t or s out of range. */
double kr_universe_close_ffill(const kr_universe *u, size_t t, size_t s);

/* ------------------------------------------------------------------------
 * Quality checks
 * ------------------------------------------------------------------------ */

typedef enum kr_severity {
    KR_SEV_LOW = 0,
    KR_SEV_MEDIUM = 1,
    KR_SEV_HIGH = 2,
    KR_SEV_CRITICAL = 3,
} kr_severity;

/* "low", "medium", "high", "critical"; "unknown" for anything else. */
const char *kr_severity_name(kr_severity s);
/* Parses a severity name (case-insensitive) into *out; KR_EINVAL otherwise. */
int kr_severity_parse(const char *s, kr_severity *out);

/* The checks; kr_check_table describes each (the one list the CLI, its help
 * and the docs use). */
typedef enum kr_check {
    KR_CHECK_UNPARSABLE = 0,
    KR_CHECK_DUPLICATE,
    KR_CHECK_OUT_OF_ORDER,
    KR_CHECK_OHLC,
    KR_CHECK_NONPOSITIVE_PRICE,
    KR_CHECK_NEGATIVE_VOLUME,
    KR_CHECK_GAP,
    KR_CHECK_OFF_CALENDAR,
    KR_CHECK_JUMP,
    KR_CHECK_STALE,
    KR_CHECK_CROSSED,
    KR_CHECK_WIDE_SPREAD,
    KR_CHECK_STALE_QUOTE,
    KR_CHECK_NEGATIVE_SIZE,
    KR_CHECK__COUNT
} kr_check;

typedef struct kr_check_info {
    const char *name;        /* snake_case id, e.g. "duplicate_timestamp" */
    kr_severity severity;    /* default severity */
    const char *applies;     /* "rows", "bars", "quotes" or "bars, quotes" */
    const char *description; /* one sentence */
} kr_check_info;

/* The whole table, indexed by kr_check, with its length in *n (may be NULL):
 * the one source of check names, default severities and descriptions. */
const kr_check_info *kr_check_table(size_t *n);
/* The entry of check c, or NULL when c is out of range. */
const kr_check_info *kr_check_info_of(kr_check c);

/* kr_finding.symbol of findings about no series (unparsable rows). */
#define KR_FINDING_NO_SYMBOL UINT32_MAX

typedef struct kr_finding {
    kr_check check;
    kr_severity severity;
    uint32_t symbol; /* series id, or KR_FINDING_NO_SYMBOL */
    int64_t line;    /* the line the finding is about (0 if none) */
    int64_t related; /* another line it refers to, e.g. the first copy */
    kr_ts ts;        /* timestamp concerned, or KR_TS_NONE */
    char msg[200];
} kr_finding;

typedef struct kr_findings {
    kr_finding *v;
    size_t n;
    size_t cap;
    size_t by_severity[4];  /* every finding, stored or not */
    size_t limit_per_check; /* findings stored per check (10000); 0: no limit */
    size_t total_by_check[KR_CHECK__COUNT]; /* every finding, stored or not */
} kr_findings;

/* Empty list with limit_per_check 10000. Every init needs a kr_findings_free,
 * which releases the findings and leaves an empty list (the limit kept). */
void kr_findings_init(kr_findings *f);
void kr_findings_free(kr_findings *f);
/* kr_findings_add counts a finding in by_severity and total_by_check and
 * stores it, its message formatted into msg (cut at 199 bytes), unless its
 * check already has limit_per_check stored: then it is only counted and
 * KR_OK returned. KR_EINVAL for a check or severity out of range; KR_ENOMEM
 * leaves the list and counts unchanged. */
int kr_findings_add(kr_findings *f, kr_check check, kr_severity sev,
                    uint32_t symbol, int64_t line, int64_t related, kr_ts ts,
                    const char *fmt, ...) KR_PRINTF(8, 9);
/* Orders findings by line, then check. */
void kr_findings_sort(kr_findings *f);
/* Highest severity present, or -1 when there are none. */
int kr_findings_worst(const kr_findings *f);

typedef struct kr_quality_opts {
    kr_calendar calendar;   /* expected sessions; borrowed holidays */
    double jump;            /* close-to-close move flagged above this (0.2) */
    int stale_bars;         /* close unchanged for this many bars (5) */
    double max_spread;      /* quote spread / mid flagged above this (0.05) */
    int64_t max_quote_age;  /* ns; quotes older than this are stale (30 s) */
    int gap_medium;         /* missing sessions or bars for medium (2) */
    int gap_high;           /* ... and for high (6) */
    const kr_actions *actions; /* splits that explain jumps; may be NULL */
    const kr_symtab *symbols;  /* names series so that actions match by
                                  symbol; may be NULL (then only actions with
                                  an empty symbol apply) */
} kr_quality_opts;

/* Defaults as above with the equity calendar. */
void kr_quality_opts_init(kr_quality_opts *o);

/* kr_quality_check runs every check on every series of the dataset (and turns
 * its row issues into unparsable-row findings), appending to `out`: first the
 * unparsable rows, then each bar series, then each quote series. It uses a
 * copy of `o` (NULL: defaults) whose symbols are ds->symbols. Series are read
 * in file order and never modified; checks that need time order use a sorted
 * view. Returns KR_EINVAL for bad options (jump, max_spread and max_quote_age
 * must be positive, stale_bars and gap_medium at least 1, gap_high at least
 * gap_medium, the calendar must have a session weekday), KR_ENOMEM. The bar
 * and quote forms check one series the same way. */
int kr_quality_check(const kr_dataset *ds, const kr_quality_opts *o,
                     kr_findings *out);
int kr_quality_check_bars(const kr_bars *b, const kr_quality_opts *o,
                          kr_findings *out);
int kr_quality_check_quotes(const kr_quotes *q, const kr_quality_opts *o,
                            kr_findings *out);

/* ------------------------------------------------------------------------
 * Synthetic data
 * ------------------------------------------------------------------------ */

/* Model, parameters and calendars: docs/synthetic-data.md. */
#define KR_SYNTH_MAX_SYMBOLS 10000
#define KR_SYNTH_MAX_ROWS ((size_t)10000000000ULL) /* bars per series */

typedef struct kr_synth_opts {
    uint64_t seed;        /* 0 .. 2^32-1 for mt19937 (42); GSL maps 0 to 4357 */
    size_t symbols;       /* number of series (1) */
    size_t rows;          /* bars per series (1000) */
    kr_interval interval; /* bar interval (1d) */
    kr_ts start;          /* first bar (2000-01-03) */
    char calendar[16];    /* "equity" (weekdays; intraday 14:30-21:00 UTC),
                             "fx" (weekdays, all day), "crypto" (always) */
    double s0;            /* first price (100) */
    double mu;            /* annual drift (0.05) */
    double vol;           /* long-run annual volatility (0.2) */
    double vol_of_vol;    /* volatility of log-volatility, annual (0.5) */
    double vol_kappa;     /* mean reversion speed of log-volatility (5) */
    double jump_rate;     /* jumps per year (3) */
    double jump_mean;     /* mean log jump (-0.02) */
    double jump_std;      /* std of log jump (0.05) */
    double corr;          /* pairwise correlation of returns (0.3) */
    const double *corr_matrix; /* symbols x symbols, row-major, borrowed;
                                  NULL: corr everywhere (NULL) */
    double tick;          /* price increment (0.01) */
    double volume;        /* mean volume per bar (1e6) */
} kr_synth_opts;

/* Fills `o` with the defaults shown above. */
void kr_synth_opts_init(kr_synth_opts *o);

/* kr_synth_generate fills `out` (initialised by the call) with series named
 * SYN0000, SYN0001, ... (layout KR_LAYOUT_GENERIC, no optional columns).
 * Prices are multiples of the tick, never below one tick, with high >= open,
 * close >= low; volumes are whole numbers. Given the same options, the output
 * is the same on every machine with the same libm. Every option is checked
 * before anything is built: KR_EINVAL with err->field naming the option
 * (e.g. "vol_of_vol", "corr_matrix") for a value out of range, an unknown
 * calendar, a monthly interval or a correlation matrix that is not positive
 * definite; KR_ERANGE when the bars could run past 2262-04-01 (the end of
 * int64 nanoseconds) or a price grows beyond 2^53 ticks; KR_ENOMEM. On
 * failure *out is left freed (safe to pass to kr_dataset_free); on success
 * the caller owns it. */
int kr_synth_generate(const kr_synth_opts *o, kr_dataset *out, kr_error *err);
/* kr_synth_write_csv streams the same data to `f` in the generic layout with
 * a symbol column (header timestamp,symbol,open,high,low,close,volume), bar
 * time by bar time across symbols, without holding it in memory: dates for
 * daily intervals, YYYY-MM-DDTHH:MM:SSZ intraday, prices with exactly the
 * tick's decimals. It flushes `f` but does not close it. Errors are those of
 * kr_synth_generate plus KR_EIO; an error after the first row (KR_ERANGE,
 * KR_EIO) leaves partial output in `f`. */
int kr_synth_write_csv(const kr_synth_opts *o, FILE *f, kr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_DATA_H */

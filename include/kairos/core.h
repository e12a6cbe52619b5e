/* core.h -- kairos core: errors, time, logging and symbols.
 *
 * This is the bottom domain of libkairos: every other domain may include it and
 * it includes nothing of theirs. Time is an int64 count of nanoseconds since the
 * Unix epoch, always UTC; calendar arithmetic uses the proleptic Gregorian
 * calendar. Errors are negative KR_E* codes; an optional kr_error carries a
 * message and where the problem is (file, line, column, field) so that an error
 * from outside input can be shown to a person as-is.
 */
#ifndef KAIROS_CORE_H
#define KAIROS_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KR_VERSION_MAJOR 0
#define KR_VERSION_MINOR 1
#define KR_VERSION_PATCH 0
#define KR_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define KR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KR_LIKELY(x) __builtin_expect(!!(x), 1)
#define KR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KR_PRINTF(f, a)
#define KR_LIKELY(x) (x)
#define KR_UNLIKELY(x) (x)
#endif

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

enum {
    KR_OK = 0,
    KR_EINVAL = -1,       /* invalid argument or option */
    KR_ENOMEM = -2,       /* out of memory */
    KR_EIO = -3,          /* read or write failed */
    KR_ENOENT = -4,       /* no such file, symbol or entry */
    KR_EPARSE = -5,       /* malformed input */
    KR_ERANGE = -6,       /* value out of range */
    KR_EFORMAT = -7,      /* input layout not recognised */
    KR_EEMPTY = -8,       /* input holds no data */
    KR_EUNSUPPORTED = -9, /* valid but not supported */
    KR_EREJECTED = -10,   /* refused by a rule (risk check, venue) */
};

/* kr_strerror returns a static description of a KR_E* code. */
const char *kr_strerror(int code);

/* A kr_error says what went wrong and where. Fields that do not apply are
 * empty strings or 0. The struct is plain data: no _free is needed. */
typedef struct kr_error {
    int code;        /* KR_E* */
    int64_t line;    /* 1-based line in `file`, 0 when not applicable */
    int column;      /* 1-based column (field index for CSV), 0 when n/a */
    char file[256];  /* file or other source name */
    char field[64];  /* field or option name */
    char msg[512];   /* what was wrong and what was expected */
} kr_error;

void kr_error_clear(kr_error *e);

/* kr_error_set fills `e` (which may be NULL) and returns `code`, so that a
 * caller can write `return kr_error_set(err, KR_EPARSE, ...)`. Any of file and
 * field may be NULL. */
int kr_error_set(kr_error *e, int code, const char *file, int64_t line,
                 int column, const char *field, const char *fmt, ...)
    KR_PRINTF(7, 8);

/* kr_error_format writes "file:line:col: field 'f': msg" (parts that do not
 * apply are left out) into buf and returns the length it needed, like
 * snprintf. */
size_t kr_error_format(const kr_error *e, char *buf, size_t size);

/* kr_escape copies at most `len` bytes of `s` into buf as printable ASCII,
 * writing bytes outside 0x20..0x7e as \xHH and cutting long input with "...".
 * It is how every error quotes outside input. Returns buf. */
char *kr_escape(const char *s, size_t len, char *buf, size_t size);

/* ------------------------------------------------------------------------
 * Time: int64 nanoseconds since 1970-01-01T00:00:00Z
 * ------------------------------------------------------------------------ */

typedef int64_t kr_ts;

#define KR_NS_PER_US INT64_C(1000)
#define KR_NS_PER_MS INT64_C(1000000)
#define KR_NS_PER_SEC INT64_C(1000000000)
#define KR_NS_PER_MIN (60 * KR_NS_PER_SEC)
#define KR_NS_PER_HOUR (3600 * KR_NS_PER_SEC)
#define KR_NS_PER_DAY (86400 * KR_NS_PER_SEC)
#define KR_TS_NONE INT64_MIN

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t kr_days_from_civil(int64_t y, unsigned m, unsigned d);
void kr_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* kr_ts_from_civil builds a timestamp from UTC fields; it does not validate. */
kr_ts kr_ts_from_civil(int64_t y, unsigned mo, unsigned d, unsigned h,
                       unsigned mi, unsigned s, int64_t ns);

/* Day number (days since epoch, floored) and weekday (0 = Monday .. 6 =
 * Sunday) of a timestamp. */
int64_t kr_ts_day(kr_ts t);
int kr_weekday_of_day(int64_t day);

/* kr_time_parse parses the `len` bytes at `s` (no terminator needed) into
 * nanoseconds UTC. Accepted, with surrounding blanks ignored:
 *   2020-01-02            2020/01/02           2020.01.02 (MetaTrader)
 *   20200102 (exactly 8 digits are always a date, as Stooq writes it)
 *   20200102030405 (exactly 14 digits are always date and time)
 *   date, then 'T' or ' ', then HH:MM[:SS[.fraction]] or HHMMSS, optionally
 *   followed by 'Z', "UTC", or an offset +HH, +HHMM or +HH:MM (also '-')
 *   an epoch number: seconds (up to 11 digits other than 8, a fraction
 *   allowed), milliseconds (12-13 digits), microseconds (15-17),
 *   nanoseconds (18-19).
 * Only instants that fit an int64 of nanoseconds (1677-09-21 to 2262-04-11)
 * are accepted.
 * Returns KR_OK, or KR_EPARSE with *out untouched. Fields are range checked
 * (month 1-12, day within the month, hour < 24, minute < 60, second <= 60 with
 * 60 folded into the next minute). */
int kr_time_parse(const char *s, size_t len, kr_ts *out);

/* kr_time_parse_hms parses a time of day alone ("HH:MM[:SS[.f]]" or
 * "HHMMSS") into nanoseconds since midnight; used for files that keep the date
 * and the time in separate columns. */
int kr_time_parse_hms(const char *s, size_t len, int64_t *out);

enum kr_time_style {
    KR_TIME_ISO = 0,  /* 2020-01-02T03:04:05Z, fraction only when non-zero */
    KR_TIME_DATE = 1, /* 2020-01-02 */
    KR_TIME_AUTO = 2, /* DATE when the time is exactly midnight, else ISO */
};

/* kr_time_format writes `t` in the given style into buf (32 bytes always
 * suffice) and returns the length, like snprintf. */
size_t kr_time_format(kr_ts t, int style, char *buf, size_t size);

/* An interval is either a fixed number of nanoseconds or a number of calendar
 * months (exactly one of the two is non-zero). Text forms: "250ms", "30s",
 * "5m", "1h", "1d", "1w", "1M" (months), "1y" (12 months). */
typedef struct kr_interval {
    int64_t ns;
    int32_t months;
} kr_interval;

int kr_interval_parse(const char *s, kr_interval *out);
size_t kr_interval_format(kr_interval iv, char *buf, size_t size);
/* Writes the shortest text form of a duration in ns, e.g. "1d", "5m", "90s". */
size_t kr_duration_format(int64_t ns, char *buf, size_t size);

/* ------------------------------------------------------------------------
 * Logging: levelled, to stderr, text on a terminal or JSON lines
 * ------------------------------------------------------------------------ */

enum kr_log_level {
    KR_LOG_TRACE = 0,
    KR_LOG_DEBUG,
    KR_LOG_INFO,
    KR_LOG_WARN,
    KR_LOG_ERROR,
    KR_LOG_OFF,
};

enum kr_log_format {
    KR_LOG_FORMAT_TEXT = 0,
    KR_LOG_FORMAT_JSON = 1,
};

void kr_log_set_level(int level);
int kr_log_get_level(void);
void kr_log_set_format(int format);
/* Redirect log output (default stderr); used by tests. */
void kr_log_set_stream(FILE *f);
int kr_log_level_parse(const char *s, int *level);
int kr_log_format_parse(const char *s, int *format);

/* kr_log writes one record: in text form "2020-01-02T03:04:05.123Z INFO
 * component: message", in JSON form one object per line with the keys ts,
 * level, component and msg. Safe to call from several threads. */
void kr_log(int level, const char *component, const char *fmt, ...)
    KR_PRINTF(3, 4);
void kr_vlog(int level, const char *component, const char *fmt, va_list ap);

#define KR_DEBUG(comp, ...) kr_log(KR_LOG_DEBUG, comp, __VA_ARGS__)
#define KR_INFO(comp, ...) kr_log(KR_LOG_INFO, comp, __VA_ARGS__)
#define KR_WARN(comp, ...) kr_log(KR_LOG_WARN, comp, __VA_ARGS__)
#define KR_ERROR(comp, ...) kr_log(KR_LOG_ERROR, comp, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Symbols: interned names with dense uint32 ids
 * ------------------------------------------------------------------------ */

typedef struct kr_symtab kr_symtab;

#define KR_SYMBOL_MAX 64 /* longest symbol name in bytes */

kr_symtab *kr_symtab_new(void);
void kr_symtab_free(kr_symtab *t);

/* kr_symtab_intern returns in *id the id of `name` (len bytes, no terminator
 * needed), adding it if new. Ids are dense and assigned in first-seen order
 * from 0. Returns KR_EINVAL for an empty name, a name longer than
 * KR_SYMBOL_MAX or one holding control bytes; KR_ENOMEM. */
int kr_symtab_intern(kr_symtab *t, const char *name, size_t len, uint32_t *id);
/* Returns KR_OK and the id, or KR_ENOENT. */
int kr_symtab_find(const kr_symtab *t, const char *name, size_t len,
                   uint32_t *id);
/* The NUL-terminated name of id, owned by the table; NULL if out of range. */
const char *kr_symtab_name(const kr_symtab *t, uint32_t id);
uint32_t kr_symtab_count(const kr_symtab *t);

/* ------------------------------------------------------------------------
 * Small helpers shared by every domain
 * ------------------------------------------------------------------------ */

/* kr_write_atomic replaces the file at `path` by `len` bytes of buf so that
 * a reader or a crash sees the old content or the new, never a mix: a
 * temporary file beside it, fsync'd, renamed over it, the directory
 * fsync'd. Returns KR_OK, or KR_EIO / KR_ENOMEM with err naming the file
 * (the target untouched, no temporary file left). */
int kr_write_atomic(const char *path, const void *buf, size_t len,
                    kr_error *err);

/* kr_parallel_for runs fn(user, i, worker) for every i in [0, n) on
 * `threads` threads (0: one per core; the caller's thread is worker 0 and
 * the workers are 0..threads-1), each task once, in no set order. A task
 * returning non-zero stops the hand-out of new tasks, and the first such
 * value is returned once the running ones finish; else KR_OK (KR_ENOMEM
 * if no thread could be set up). */
typedef int (*kr_task_fn)(void *user, size_t i, int worker);
int kr_parallel_for(size_t n, int threads, kr_task_fn fn, void *user);
/* The processors online, at least 1. */
int kr_cpu_count(void);

/* Allocation of column storage: 64-byte aligned, so batch kernels can use
 * aligned vector loads. Free with kr_free_aligned. Returns NULL on failure. */
void *kr_alloc_aligned(size_t size);
void kr_free_aligned(void *p);

/* Monotonic clock in nanoseconds, for progress and benchmarks only. */
int64_t kr_monotonic_ns(void);

/* kr_format_double writes the shortest decimal text that reads back as the
 * same double (tries 15, 16 then 17 significant digits). NaN is written as
 * an empty string. Returns the length. */
size_t kr_format_double(double v, char *buf, size_t size);

/* ------------------------------------------------------------------------
 * Run configuration: a YAML file flattened to dotted keys (config.c)
 * ------------------------------------------------------------------------ */

/* One setting: a dotted key ("risk.max_leverage"), its value as text (a
 * sequence of scalars comma-joined: "a.csv,b.csv"; a null value ""), and
 * where the value starts in the file (1-based line and column). */
typedef struct kr_config_entry {
    char *key;
    char *value;
    int64_t line;
    int column;
} kr_config_entry;

/* A loaded configuration: n entries in file order, owned, and the name of
 * its source for messages. Caller-allocated; kr_config_parse/_load set it
 * up, kr_config_free releases it. */
typedef struct kr_config {
    kr_config_entry *items;
    size_t n;
    char file[256];
} kr_config;

/* Limits of a configuration file. */
#define KR_CONFIG_MAX_DEPTH 8       /* nested mappings, the top one counted */
#define KR_CONFIG_MAX_ENTRIES 10000

/* kr_config_parse reads `len` bytes of YAML at `text` (`name` names them in
 * messages; may be NULL). The document must be a mapping (or empty);
 * nested mappings flatten to dotted keys, a sequence of scalars to one
 * comma-joined value. Refused with KR_EPARSE, err naming the file, line
 * and column: a syntax error, a top level that is not a mapping, a key
 * that is not a scalar, a sequence holding mappings or sequences, a
 * duplicate key (after flattening), nesting deeper than
 * KR_CONFIG_MAX_DEPTH, anchors and aliases, more than
 * KR_CONFIG_MAX_ENTRIES entries, a value holding a NUL byte, more than one
 * document. KR_ENOMEM. `c` is set up in every case: empty on error, and
 * kr_config_free is always safe. */
int kr_config_parse(kr_config *c, const char *text, size_t len,
                    const char *name, kr_error *err);

/* kr_config_load reads the whole file at `path` and parses it: as
 * kr_config_parse, plus KR_ENOENT for a missing file and KR_EIO for one
 * that cannot be read (a directory, no permission). */
int kr_config_load(kr_config *c, const char *path, kr_error *err);

/* kr_config_free releases the entries; `c` may be NULL. */
void kr_config_free(kr_config *c);

/* kr_config_get returns the entry of `key`, or NULL. The pointer is valid
 * until kr_config_free. */
const kr_config_entry *kr_config_get(const kr_config *c, const char *key);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_CORE_H */

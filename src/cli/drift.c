/* drift.c -- `kairos drift`: has a model's input drifted, is it time to
 * retrain?
 *
 * Compares two CSV files of numeric feature columns, a reference (what the
 * model was trained on) and a current window, column by column with the
 * library's three drift measures (kr_psi, kr_ks2, kr_jsd), and checks the
 * two other retraining triggers a monitoring job watches: the recent
 * performance of the live strategy (rolling Sharpe and hit rate of a
 * returns column) and the retraining schedule (days since the last
 * training). It prints a table, or one JSON document with --json, and the
 * exit status is the verdict: 1 when any trigger fires, 0 when none does,
 * 2 for bad usage or input, so that a cron job or CI step can branch on it.
 *
 * The CSV reader here is deliberately small: a header row of column names,
 * then rows of comma-separated numbers; an empty cell, NaN, NA or null is a
 * missing value (skipped by the statistics). Columns not selected with
 * --features are not parsed, so a timestamp column can stay in the file.
 * Every value of a selected column must parse, or the command stops with
 * the file, line and column.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/ml.h"
#include "kairos/stats.h"

#define CMD "drift"

#define MAX_COLS 4096

static const char usage_text[] =
    "usage: kairos drift --ref FILE --cur FILE [options]\n\n"
    "Compares the feature columns of a reference CSV file (the training\n"
    "window) with a current one, column by column, and checks the other\n"
    "retraining triggers. Both files have a header row of column names and\n"
    "numeric cells (empty, NaN, NA or null = missing, skipped).\n\n"
    "For each column: PSI over 10 quantile bins of the reference, the\n"
    "two-sample Kolmogorov-Smirnov statistic and p-value (as scipy's\n"
    "ks_2samp), and the Jensen-Shannon divergence (natural log, 0 to ln 2)\n"
    "of equal-width histograms. See docs/drift.md.\n\n"
    "options:\n"
    "  --ref FILE            reference sample (required)\n"
    "  --cur FILE            current sample (required)\n"
    "  --features A,B,...    columns to compare (default: every column; the\n"
    "                        files' headers must then be the same)\n"
    "  --bins N              bins for PSI and JSD (default 10)\n"
    "  --psi X               trigger when a PSI exceeds X (default 0.25)\n"
    "  --ks-p X              trigger when a KS p-value is below X (default "
    "0.01)\n"
    "  --jsd X               trigger when a JSD exceeds X (default 0.1)\n"
    "  --returns FILE        CSV with the strategy's per-period returns\n"
    "  --returns-col NAME    its column (default: 'return' or 'returns', else\n"
    "                        the last column)\n"
    "  --window N            rolling window, in rows (default 63)\n"
    "  --sharpe-min X        trigger when the window's annualised Sharpe < X\n"
    "  --hit-min X           trigger when the window's hit rate (positive\n"
    "                        among non-zero returns) < X\n"
    "  --ppy N               periods per year for the Sharpe (default 252)\n"
    "  --schedule-days N     trigger when N days or more have passed since\n"
    "  --last-train DATE     the last training (both or neither)\n"
    "  --now DATE            the date the schedule is checked at (default: "
    "now)\n"
    "  --json                one JSON document on stdout\n"
    "  -h, --help            this help\n\n"
    "example:\n"
    "  kairos drift --ref train.csv --cur last_month.csv --features rsi,vol \\\n"
    "      --returns live.csv --sharpe-min 0.5 --schedule-days 30 \\\n"
    "      --last-train 2024-05-01\n\n"
    "exit status: 0 no trigger fired, 1 a trigger fired (retrain), 2 usage\n"
    "or input error\n";

/* ------------------------------------------------------------------------
 * A small numeric CSV reader
 * ------------------------------------------------------------------------ */

typedef struct table {
    char *text;     /* the file, split in place */
    char **names;   /* ncols column names, pointing into text */
    size_t ncols;
    bool *keep;     /* ncols: parse this column */
    double **col;   /* ncols columns of nrows values (NULL when not kept) */
    size_t nrows, cap;
} table;

static void table_free(table *t)
{
    if (t->col)
        for (size_t i = 0; i < t->ncols; i++)
            free(t->col[i]);
    free(t->col);
    free(t->keep);
    free(t->names);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* Trims blanks, a carriage return and one pair of double quotes. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = 0;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

/* Splits a line at commas in place; returns the number of fields, or
 * MAX_COLS + 1 when there are more than MAX_COLS. */
static size_t split(char *line, char **f)
{
    size_t n = 0;
    for (char *p = line;; n++) {
        char *c = strchr(p, ',');
        if (n < MAX_COLS)
            f[n] = p;
        if (!c)
            return n + 1;
        *c = 0;
        p = c + 1;
    }
}

static bool is_missing(const char *s)
{
    return !*s || !strcmp(s, "NaN") || !strcmp(s, "nan") ||
           !strcmp(s, "NA") || !strcmp(s, "null") || !strcmp(s, "NAN");
}

static int read_file(const char *path, char **out, kr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "cannot open: %s",
                            strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                                "out of memory");
        }
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "read failed");
    }
    buf[n] = 0;
    *out = buf;
    return KR_OK;
}

/* Reads `path`; only the columns named in `want` (a NULL-terminated list,
 * or NULL for every column) are parsed. On error the table is freed. */
static int table_read(const char *path, const char *const *want, table *t,
                      kr_error *err)
{
    memset(t, 0, sizeof *t);
    char **f = malloc((MAX_COLS) * sizeof *f);
    if (!f)
        return kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL, "out of memory");
    int rc = read_file(path, &t->text, err);
    if (rc)
        goto out;
    char *p = t->text;
    int64_t line = 0;
    bool header = false;
    char q[80];
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        line++;
        char *s = p;
        p = nl ? nl + 1 : NULL;
        if (!*trim(s))
            continue;
        size_t n = split(s, f);
        if (n > MAX_COLS) {
            rc = kr_error_set(err, KR_EFORMAT, path, line, 0, NULL,
                              "more than %d columns", MAX_COLS);
            goto out;
        }
        if (!header) {
            header = true;
            t->ncols = n;
            t->names = malloc(n * sizeof *t->names);
            t->keep = calloc(n, sizeof *t->keep);
            t->col = calloc(n, sizeof *t->col);
            if (!t->names || !t->keep || !t->col) {
                rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                                  "out of memory");
                goto out;
            }
            for (size_t i = 0; i < n; i++) {
                t->names[i] = trim(f[i]);
                for (size_t j = 0; j < i; j++)
                    if (!strcmp(t->names[i], t->names[j])) {
                        rc = kr_error_set(
                            err, KR_EFORMAT, path, line, (int)i + 1, NULL,
                            "column '%s' appears twice",
                            kr_escape(t->names[i], strlen(t->names[i]), q,
                                      sizeof q));
                        goto out;
                    }
            }
            for (size_t i = 0; i < n; i++) {
                if (!want) {
                    t->keep[i] = true;
                    continue;
                }
                for (const char *const *w = want; *w; w++)
                    if (!strcmp(*w, t->names[i]))
                        t->keep[i] = true;
            }
            continue;
        }
        if (n != t->ncols) {
            rc = kr_error_set(err, KR_EPARSE, path, line, 0, NULL,
                              "%zu fields, the header has %zu", n, t->ncols);
            goto out;
        }
        if (t->nrows == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 1024;
            for (size_t i = 0; i < t->ncols; i++) {
                if (!t->keep[i])
                    continue;
                double *c = realloc(t->col[i], t->cap * sizeof *c);
                if (!c) {
                    rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                                      "out of memory");
                    goto out;
                }
                t->col[i] = c;
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (!t->keep[i])
                continue;
            char *c = trim(f[i]), *end;
            double v = NAN;
            if (!is_missing(c)) {
                errno = 0;
                v = strtod(c, &end);
                if (end == c || *end || !isfinite(v)) {
                    rc = kr_error_set(err, KR_EPARSE, path, line, (int)i + 1,
                                      t->names[i],
                                      "expected a finite number, got '%s'",
                                      kr_escape(c, strlen(c), q, sizeof q));
                    goto out;
                }
            }
            t->col[i][t->nrows] = v;
        }
        t->nrows++;
    }
    if (!header)
        rc = kr_error_set(err, KR_EEMPTY, path, 0, 0, NULL,
                          "empty file: expected a header row of column names");
out:
    free(f);
    if (rc)
        table_free(t);
    return rc;
}

static long find_col(const table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->names[i], name))
            return (long)i;
    return -1;
}

/* ------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------ */

typedef struct opts {
    const char *ref, *cur, *features, *returns, *returns_col;
    const char *last_train, *now;
    int64_t bins, window, schedule_days;
    double psi, ks_p, jsd, sharpe_min, hit_min, ppy;
    bool have_sharpe, have_hit, json;
} opts;

enum {
    OPT_REF = 256, OPT_CUR, OPT_FEATURES, OPT_BINS, OPT_PSI, OPT_KSP,
    OPT_JSD, OPT_RETURNS, OPT_RETCOL, OPT_WINDOW, OPT_SHARPE, OPT_HIT,
    OPT_PPY, OPT_SCHED, OPT_LAST, OPT_NOW, OPT_JSON,
};

static int parse_args(int argc, char **argv, opts *o)
{
    static const struct option lo[] = {
        {"ref", required_argument, 0, OPT_REF},
        {"cur", required_argument, 0, OPT_CUR},
        {"features", required_argument, 0, OPT_FEATURES},
        {"bins", required_argument, 0, OPT_BINS},
        {"psi", required_argument, 0, OPT_PSI},
        {"ks-p", required_argument, 0, OPT_KSP},
        {"jsd", required_argument, 0, OPT_JSD},
        {"returns", required_argument, 0, OPT_RETURNS},
        {"returns-col", required_argument, 0, OPT_RETCOL},
        {"window", required_argument, 0, OPT_WINDOW},
        {"sharpe-min", required_argument, 0, OPT_SHARPE},
        {"hit-min", required_argument, 0, OPT_HIT},
        {"ppy", required_argument, 0, OPT_PPY},
        {"schedule-days", required_argument, 0, OPT_SCHED},
        {"last-train", required_argument, 0, OPT_LAST},
        {"now", required_argument, 0, OPT_NOW},
        {"json", no_argument, 0, OPT_JSON},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    char q[80];
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
        const char *a = optarg;
        switch (c) {
        case 'h': fputs(usage_text, stdout); return KR_EXIT_OK;
        case OPT_REF: o->ref = a; break;
        case OPT_CUR: o->cur = a; break;
        case OPT_FEATURES: o->features = a; break;
        case OPT_RETURNS: o->returns = a; break;
        case OPT_RETCOL: o->returns_col = a; break;
        case OPT_LAST: o->last_train = a; break;
        case OPT_NOW: o->now = a; break;
        case OPT_JSON: o->json = true; break;
        case OPT_BINS:
            if (!kr_cli_int(CMD, "bins", a, 2, 10000, &o->bins))
                return KR_EXIT_USAGE;
            break;
        case OPT_WINDOW:
            if (!kr_cli_int(CMD, "window", a, 2, INT32_MAX, &o->window))
                return KR_EXIT_USAGE;
            break;
        case OPT_SCHED:
            if (!kr_cli_int(CMD, "schedule-days", a, 1, 100000,
                            &o->schedule_days))
                return KR_EXIT_USAGE;
            break;
        case OPT_PSI:
            if (!kr_cli_double(CMD, "psi", a, 0, HUGE_VAL, &o->psi))
                return KR_EXIT_USAGE;
            break;
        case OPT_KSP:
            if (!kr_cli_double(CMD, "ks-p", a, 0, 1, &o->ks_p))
                return KR_EXIT_USAGE;
            break;
        case OPT_JSD:
            if (!kr_cli_double(CMD, "jsd", a, 0, 1, &o->jsd))
                return KR_EXIT_USAGE;
            break;
        case OPT_SHARPE:
            if (!kr_cli_double(CMD, "sharpe-min", a, -HUGE_VAL, HUGE_VAL,
                               &o->sharpe_min))
                return KR_EXIT_USAGE;
            o->have_sharpe = true;
            break;
        case OPT_HIT:
            if (!kr_cli_double(CMD, "hit-min", a, 0, 1, &o->hit_min))
                return KR_EXIT_USAGE;
            o->have_hit = true;
            break;
        case OPT_PPY:
            if (!kr_cli_double(CMD, "ppy", a, 1e-9, 1e9, &o->ppy))
                return KR_EXIT_USAGE;
            break;
        case ':':
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "drift --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        default:
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos drift "
                               "--help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        }
    }
    if (optind < argc)
        return kr_cli_fail(CMD ": unexpected argument '%s' (try 'kairos drift "
                           "--help')",
                           kr_escape(argv[optind], strlen(argv[optind]), q,
                                     sizeof q));
    if (!o->ref || !o->cur)
        return kr_cli_fail(CMD ": --ref and --cur are required (try 'kairos "
                           "drift --help')");
    if ((o->have_sharpe || o->have_hit) && !o->returns)
        return kr_cli_fail(CMD ": --sharpe-min and --hit-min need --returns "
                           "FILE");
    if (!o->schedule_days != !o->last_train)
        return kr_cli_fail(CMD ": --schedule-days and --last-train go "
                           "together");
    return -1;
}

/* Splits --features into a NULL-terminated list (pointing into *copy). */
static int feature_list(const char *spec, char **copy, const char ***list)
{
    char q[80];
    size_t n = 1;
    for (const char *p = spec; *p; p++)
        n += *p == ',';
    *copy = strdup(spec);
    *list = calloc(n + 1, sizeof **list);
    if (!*copy || !*list)
        return kr_cli_fail(CMD ": out of memory");
    size_t k = 0;
    char *save = NULL;
    for (char *tok = strtok_r(*copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok)
            continue;
        for (size_t j = 0; j < k; j++)
            if (!strcmp((*list)[j], tok))
                return kr_cli_fail(CMD ": option --features: '%s' is named "
                                   "twice", kr_escape(tok, strlen(tok), q,
                                                      sizeof q));
        (*list)[k++] = tok;
    }
    if (!k)
        return kr_cli_fail(CMD ": option --features: expected column names "
                           "separated by commas, got '%s'",
                           kr_escape(spec, strlen(spec), q, sizeof q));
    return -1;
}

typedef struct report {
    json_t *features, *triggers;
    size_t ntrig;
} report;

static void fire(report *r, const char *kind, const char *feature,
                 double value, double threshold)
{
    json_t *t = json_pack("{s:s, s:f, s:f}", "kind", kind, "value", value,
                          "threshold", threshold);
    if (feature)
        json_object_set_new(t, "feature", json_string(feature));
    json_array_append_new(r->triggers, t);
    r->ntrig++;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The rolling-performance check on the last `window` values of a returns
 * column. Returns -1 when done, else an exit status. */
static int check_returns(const opts *o, report *r, json_t **out)
{
    kr_error err;
    table t;
    char q[80];
    /* The header first (no column parsed), then the one column. */
    static const char *const none[] = {NULL};
    if (table_read(o->returns, none, &t, &err))
        return kr_cli_fail_error(&err);
    long ci = -1;
    if (o->returns_col) {
        ci = find_col(&t, o->returns_col);
        if (ci < 0) {
            table_free(&t);
            return kr_cli_fail(CMD ": %s: no column '%s'", o->returns,
                               kr_escape(o->returns_col,
                                         strlen(o->returns_col), q, sizeof q));
        }
    } else {
        ci = find_col(&t, "return");
        if (ci < 0)
            ci = find_col(&t, "returns");
        if (ci < 0)
            ci = (long)t.ncols - 1;
    }
    const char *colname[2] = {t.names[ci], NULL};
    table all;
    int rc = table_read(o->returns, colname, &all, &err);
    table_free(&t);
    if (rc)
        return kr_cli_fail_error(&err);
    t = all; /* the same file: the column keeps its index */
    /* The last `window` values that are not missing. */
    size_t want = (size_t)o->window, n = 0, start = t.nrows;
    const double *c = t.col[ci];
    while (start > 0 && n < want) {
        start--;
        if (!isnan(c[start]))
            n++;
    }
    double *w = malloc((n ? n : 1) * sizeof *w);
    if (!w) {
        table_free(&t);
        return kr_cli_fail(CMD ": out of memory");
    }
    size_t k = 0, pos = 0, nonzero = 0;
    for (size_t i = start; i < t.nrows; i++)
        if (!isnan(c[i])) {
            w[k++] = c[i];
            pos += c[i] > 0;
            nonzero += c[i] != 0;
        }
    kr_moments m;
    rc = kr_moments_compute(k, w, &m);
    free(w);
    if (rc != KR_OK || k < 2) {
        kr_cli_fail(CMD ": %s: column '%s' needs at least two returns, has "
                    "%zu", o->returns, t.names[ci], k);
        table_free(&t);
        return KR_EXIT_USAGE;
    }
    double ppy = o->ppy > 0 ? o->ppy : 252;
    double sharpe = m.sharpe * sqrt(ppy);
    double hit = nonzero ? (double)pos / (double)nonzero : NAN;
    *out = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:f}", "file",
                     o->returns, "column", t.names[ci], "rows",
                     (json_int_t)t.nrows, "window", (json_int_t)k, "sharpe",
                     num(sharpe), "hit_rate", num(hit), "ppy", ppy);
    if (o->have_sharpe) {
        json_object_set_new(*out, "sharpe_min", json_real(o->sharpe_min));
        /* An undefined Sharpe (no variation) is not a reason to retrain. */
        if (isfinite(sharpe) && sharpe < o->sharpe_min)
            fire(r, "sharpe", NULL, sharpe, o->sharpe_min);
    }
    if (o->have_hit) {
        json_object_set_new(*out, "hit_min", json_real(o->hit_min));
        if (isfinite(hit) && hit < o->hit_min)
            fire(r, "hit_rate", NULL, hit, o->hit_min);
    }
    table_free(&t);
    return -1;
}

static int check_schedule(const opts *o, report *r, json_t **out)
{
    char q[80];
    kr_ts last, now;
    if (kr_time_parse(o->last_train, strlen(o->last_train), &last))
        return kr_cli_fail(CMD ": option --last-train: expected a date like "
                           "2024-05-01, got '%s'",
                           kr_escape(o->last_train, strlen(o->last_train), q,
                                     sizeof q));
    if (o->now) {
        if (kr_time_parse(o->now, strlen(o->now), &now))
            return kr_cli_fail(CMD ": option --now: expected a date like "
                               "2024-05-01, got '%s'",
                               kr_escape(o->now, strlen(o->now), q, sizeof q));
    } else {
        now = (kr_ts)time(NULL) * KR_NS_PER_SEC;
    }
    if (now < last)
        return kr_cli_fail(CMD ": --last-train is after --now");
    int64_t days = (now - last) / KR_NS_PER_DAY;
    char a[40], b[40];
    kr_time_format(last, KR_TIME_AUTO, a, sizeof a);
    kr_time_format(now, KR_TIME_AUTO, b, sizeof b);
    bool due = days >= o->schedule_days;
    *out = json_pack("{s:s, s:s, s:I, s:I, s:b}", "last_train", a, "now", b,
                     "days", (json_int_t)days, "every_days",
                     (json_int_t)o->schedule_days, "due", due);
    if (due)
        fire(r, "schedule", NULL, (double)days, (double)o->schedule_days);
    return -1;
}

static void print_text(const opts *o, const table *ref, const table *cur,
                       const report *r, json_t *ret, json_t *sched)
{
    printf("drift: %s (%zu rows) against %s (%zu rows), %lld bins\n", o->cur,
           cur->nrows, o->ref, ref->nrows, (long long)o->bins);
    printf("thresholds: psi > %g, ks p < %g, jsd > %g\n\n", o->psi, o->ks_p,
           o->jsd);
    printf("%-20s %8s %8s %9s %8s %10s %8s  %s\n", "feature", "n_ref",
           "n_cur", "psi", "ks_d", "ks_p", "jsd", "drift");
    size_t i;
    json_t *f;
    json_array_foreach(r->features, i, f) {
        json_t *d = json_object_get(f, "drift");
        char flags[32] = "";
        size_t j;
        json_t *e;
        json_array_foreach(d, j, e) {
            if (flags[0])
                strcat(flags, ",");
            strcat(flags, json_string_value(e));
        }
        printf("%-20s %8lld %8lld %9.4f %8.4f %10.3g %8.4f  %s\n",
               json_string_value(json_object_get(f, "feature")),
               (long long)json_integer_value(json_object_get(f, "n_ref")),
               (long long)json_integer_value(json_object_get(f, "n_cur")),
               json_real_value(json_object_get(f, "psi")),
               json_real_value(json_object_get(f, "ks_stat")),
               json_real_value(json_object_get(f, "ks_p")),
               json_real_value(json_object_get(f, "jsd")),
               flags[0] ? flags : "-");
    }
    if (ret) {
        printf("\nreturns: %s column %s, last %lld of %lld rows: sharpe %.3f, "
               "hit rate %.3f\n",
               json_string_value(json_object_get(ret, "file")),
               json_string_value(json_object_get(ret, "column")),
               (long long)json_integer_value(json_object_get(ret, "window")),
               (long long)json_integer_value(json_object_get(ret, "rows")),
               json_number_value(json_object_get(ret, "sharpe")),
               json_number_value(json_object_get(ret, "hit_rate")));
    }
    if (sched) {
        printf("%sschedule: last train %s, now %s: %lld days, every %lld: "
               "%s\n", ret ? "" : "\n",
               json_string_value(json_object_get(sched, "last_train")),
               json_string_value(json_object_get(sched, "now")),
               (long long)json_integer_value(json_object_get(sched, "days")),
               (long long)json_integer_value(
                   json_object_get(sched, "every_days")),
               json_is_true(json_object_get(sched, "due")) ? "due"
                                                             : "not due");
    }
    printf("\n");
    if (!r->ntrig) {
        printf("no trigger fired\n");
        return;
    }
    printf("retrain: %zu trigger%s fired\n", r->ntrig, r->ntrig == 1 ? "" : "s");
    json_array_foreach(r->triggers, i, f) {
        const char *k = json_string_value(json_object_get(f, "kind"));
        json_t *feat = json_object_get(f, "feature");
        bool below = !strcmp(k, "ks") || !strcmp(k, "sharpe") ||
                     !strcmp(k, "hit_rate");
        bool sched_k = !strcmp(k, "schedule");
        printf("  %s%s%s %.4g %s %.4g\n", k, feat ? " " : "",
               feat ? json_string_value(feat) : "",
               json_real_value(json_object_get(f, "value")),
               sched_k ? ">=" : below ? "<" : ">",
               json_real_value(json_object_get(f, "threshold")));
    }
}

int kr_cmd_drift(int argc, char **argv)
{
    opts o = {0};
    o.bins = 10;
    o.window = 63;
    o.psi = 0.25;
    o.ks_p = 0.01;
    o.jsd = 0.1;
    int status = parse_args(argc, argv, &o);
    if (status >= 0)
        return status;

    char *spec = NULL;
    const char **want = NULL;
    table ref = {0}, cur = {0};
    report r = {json_array(), json_array(), 0};
    json_t *ret = NULL, *sched = NULL;
    kr_error err;
    char q[80];
    if (o.features && (status = feature_list(o.features, &spec, &want)) >= 0)
        goto out;
    status = KR_EXIT_USAGE;
    if (table_read(o.ref, want, &ref, &err) ||
        table_read(o.cur, want, &cur, &err)) {
        kr_cli_fail_error(&err);
        goto out;
    }
    if (!want) {
        bool same = ref.ncols == cur.ncols;
        for (size_t i = 0; same && i < ref.ncols; i++)
            same = !strcmp(ref.names[i], cur.names[i]);
        if (!same) {
            kr_cli_fail(CMD ": %s and %s have different headers (name the "
                        "columns to compare with --features)", o.ref, o.cur);
            goto out;
        }
    }
    for (size_t i = 0; want && want[i]; i++) {
        const table *tabs[2] = {&ref, &cur};
        for (int k = 0; k < 2; k++)
            if (find_col(tabs[k], want[i]) < 0) {
                kr_cli_fail(CMD ": %s: no column '%s'", k ? o.cur : o.ref,
                            kr_escape(want[i], strlen(want[i]), q, sizeof q));
                goto out;
            }
    }

    /* Every selected column, in the reference's order. */
    for (size_t i = 0; i < ref.ncols; i++) {
        if (!ref.keep[i])
            continue;
        long ci = find_col(&cur, ref.names[i]);
        const double *x = ref.col[i], *y = cur.col[ci];
        double psi, d, p, jsd;
        int rc = kr_psi(ref.nrows, x, cur.nrows, y, (size_t)o.bins, &psi);
        if (rc == KR_OK)
            rc = kr_ks2(ref.nrows, x, cur.nrows, y, &d, &p);
        if (rc == KR_OK)
            rc = kr_jsd(ref.nrows, x, cur.nrows, y, (size_t)o.bins, &jsd);
        if (rc != KR_OK) {
            kr_cli_fail(CMD ": column '%s': %s", ref.names[i],
                        rc == KR_EEMPTY ? "no values in one of the files"
                                        : kr_strerror(rc));
            goto out;
        }
        size_t nx = 0, ny = 0;
        for (size_t k = 0; k < ref.nrows; k++)
            nx += !isnan(x[k]);
        for (size_t k = 0; k < cur.nrows; k++)
            ny += !isnan(y[k]);
        json_t *flags = json_array();
        if (psi > o.psi) {
            json_array_append_new(flags, json_string("psi"));
            fire(&r, "psi", ref.names[i], psi, o.psi);
        }
        if (p < o.ks_p) {
            json_array_append_new(flags, json_string("ks"));
            fire(&r, "ks", ref.names[i], p, o.ks_p);
        }
        if (jsd > o.jsd) {
            json_array_append_new(flags, json_string("jsd"));
            fire(&r, "jsd", ref.names[i], jsd, o.jsd);
        }
        json_array_append_new(
            r.features,
            json_pack("{s:s, s:I, s:I, s:f, s:f, s:f, s:f, s:o}", "feature",
                      ref.names[i], "n_ref", (json_int_t)nx, "n_cur",
                      (json_int_t)ny, "psi", psi, "ks_stat", d, "ks_p", p,
                      "jsd", jsd, "drift", flags));
    }
    if (o.returns && (status = check_returns(&o, &r, &ret)) >= 0)
        goto out;
    if (o.schedule_days && (status = check_schedule(&o, &r, &sched)) >= 0)
        goto out;

    if (o.json) {
        json_t *doc = json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:{s:f, s:f, s:f}, s:O, s:O, s:O, "
            "s:O, s:b}",
            "ref", o.ref, "cur", o.cur, "ref_rows", (json_int_t)ref.nrows,
            "cur_rows", (json_int_t)cur.nrows, "bins", (json_int_t)o.bins,
            "thresholds", "psi", o.psi, "ks_p", o.ks_p, "jsd", o.jsd,
            "features", r.features, "returns", ret ? ret : json_null(),
            "schedule", sched ? sched : json_null(), "triggers", r.triggers,
            "retrain", r.ntrig > 0);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        print_text(&o, &ref, &cur, &r, ret, sched);
    }
    status = r.ntrig ? KR_EXIT_FINDINGS : KR_EXIT_OK;
out:
    json_decref(r.features);
    json_decref(r.triggers);
    json_decref(ret);
    json_decref(sched);
    table_free(&ref);
    table_free(&cur);
    free(want);
    free(spec);
    return status;
}

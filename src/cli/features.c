/* features.c -- `kairos features`: a feature set over a bar file, the
 * look-ahead check of a set, and the list of feature kinds.
 *
 *   kairos features FILE --set SPEC [-o OUT] [--symbol S] [--normalize N]
 *   kairos features check FILE --set SPEC [--cuts N] [--symbol S]
 *                   [--normalize N]
 *   kairos features --list [--markdown]
 *
 * A thin edge over include/kairos/features.h. The spec is parsed (and every
 * option checked) before the file is opened: a bad spec is one error line
 * naming --set and the item, exit 2, nothing written. The file is loaded
 * with kr_csv_load's layout detection, and each series is put in time order
 * with repeated timestamps dropped, as `kairos ta` does; the set is computed
 * per series (so per symbol: no statistic crosses symbols).
 *
 * The computed output is CSV: `timestamp`, a `symbol` column when more than
 * one series is written, one column per feature named as the set names it;
 * numbers to 17 significant digits, NaN (warm-up) as an empty cell, written
 * to OUT.tmp.PID and renamed into place once complete. `check` runs
 * kr_features_check on every series and prints, per series, the cuts
 * compared and every column whose values changed when the future was cut
 * off, with its first difference; it exits 1 when any did.
 *
 * --list prints the kind table itself (kr_feature_kinds), the same table
 * docs/features.md holds (checked by tests/cli/features.sh).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/data.h"
#include "kairos/features.h"

#define CMD "features"


static const char usage_text[] =
    "usage: kairos features FILE --set SPEC [-o OUT] [--symbol NAME]\n"
    "                       [--normalize N]\n"
    "       kairos features check FILE --set SPEC [--cuts N] [--symbol NAME]\n"
    "                       [--normalize N]\n"
    "       kairos features --list [--markdown]\n"
    "\n"
    "Computes a feature set over the bars of FILE (any layout 'kairos data\n"
    "info' recognises), series by series, and writes it as CSV; or, with\n"
    "'check', proves that no feature looks ahead: the set is recomputed on\n"
    "prefixes of each series and every value must be the same bits as on\n"
    "the whole series.\n"
    "\n"
    "A spec lists items separated by ',': KIND[:P1[,P2]][@z:N] or\n"
    "ind:NAME[:P1,...][@z:N] for any indicator of 'kairos ta --list', e.g.\n"
    "  ret:1,ret:5,vol:20,range,gap,dow,hour,detrend:50,ind:macd:12,26,9\n"
    "@z:N z-scores an item over the last N of its own values (only the\n"
    "past). 'kairos features --list' shows every kind and its parameters.\n"
    "\n"
    "options:\n"
    "  -s, --set SPEC     the feature set (required)\n"
    "  --normalize N      z-score every item but the calendar ones over N\n"
    "                     bars (as @z:N on each)\n"
    "  --symbol NAME      keep only the series of this symbol\n"
    "  -o, --output FILE  write to FILE instead of stdout ('-': stdout)\n"
    "  --cuts N           check: prefixes to compare (default 50)\n"
    "  --list             list the feature kinds\n"
    "  --markdown         with --list: the table of docs/features.md\n"
    "  -h, --help         this help\n"
    "\n"
    "output: CSV timestamp,[symbol,]FEATURE... with a symbol column when more\n"
    "than one series is written, an empty cell where a feature is not\n"
    "defined yet, numbers to 17 significant digits.\n"
    "\n"
    "examples:\n"
    "  kairos features prices.csv --set ret:1,ret:5,vol:20,dow -o f.csv\n"
    "  kairos features btc.csv --set ind:rsi:14,vwmom:10 --normalize 250\n"
    "  kairos features check prices.csv --set ret:1,vol:20,ind:macd:12,26,9\n"
    "\n"
    "exit status: 0 ok, 1 check found a feature that looks ahead, 2 bad\n"
    "usage or spec, unreadable input or write error\n";

enum { OPT_SYMBOL = 256, OPT_LIST, OPT_MARKDOWN, OPT_CUTS, OPT_NORMALIZE };

static const struct option long_opts[] = {
    {"set", required_argument, NULL, 's'},
    {"symbol", required_argument, NULL, OPT_SYMBOL},
    {"output", required_argument, NULL, 'o'},
    {"cuts", required_argument, NULL, OPT_CUTS},
    {"normalize", required_argument, NULL, OPT_NORMALIZE},
    {"list", no_argument, NULL, OPT_LIST},
    {"markdown", no_argument, NULL, OPT_MARKDOWN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *quote(const char *s, char *buf, size_t size)
{
    return kr_escape(s, strlen(s), buf, size);
}

/* ------------------------------------------------------------------------
 * --list
 * ------------------------------------------------------------------------ */

static void print_params(FILE *f, const kr_feature_kind *k, const char *sep,
                         const char *q)
{
    if (k->nparams == 0)
        fputs("-", f);
    for (int i = 0; i < k->nparams; i++) {
        const kr_ta_param *p = &k->params[i];
        fprintf(f, "%s%s%s%s=%.10g [%.10g..%.10g]", i ? sep : "", q, p->name,
                q, p->def, p->min, p->max);
    }
}

static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void list_kinds(FILE *f, bool markdown)
{
    size_t n;
    const kr_feature_kind *t = kr_feature_kinds(&n);
    if (markdown)
        fputs("| feature | what | parameters | look-back | definition |\n"
              "|---|---|---|---|---|\n",
              f);
    for (size_t i = 0; i < n; i++) {
        const kr_feature_kind *k = &t[i];
        char lb[32] = "indicator's";
        if (k->lookback) {
            double p[KR_FEATURE_MAX_PARAMS];
            for (int j = 0; j < k->nparams; j++)
                p[j] = k->params[j].def;
            snprintf(lb, sizeof lb, "%zu", k->lookback(p));
        }
        if (markdown) {
            fprintf(f, "| `%s` | ", k->name);
            md_cell(f, k->title);
            fputs(" | ", f);
            print_params(f, k, "<br>", "`");
            fprintf(f, " | %s%s | `", lb, k->nparams ? " (defaults)" : "");
            md_cell(f, k->formula);
            fputs("` |\n", f);
        } else {
            fprintf(f, "%s  %s\n  params:   ", k->name, k->title);
            print_params(f, k, ", ", "");
            fprintf(f, "\n  lookback: %s%s\n  formula:  %s\n", lb,
                    k->nparams ? " (defaults)" : "", k->formula);
        }
    }
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */


/* Writes the header, then the rows of each series as it is computed. */
static int write_csv(FILE *f, const kr_featureset *fs, kr_bars *const *series,
                     size_t nser, const kr_symtab *symbols,
                     kr_feature_matrix *m, int *crc)
{
    bool sym = nser > 1, dates = true;
    for (size_t s = 0; s < nser; s++)
        for (size_t i = 0; i < series[s]->n && dates; i++)
            dates = series[s]->ts[i] % KR_NS_PER_DAY == 0;
    fputs(sym ? "timestamp,symbol" : "timestamp", f);
    for (size_t c = 0; c < fs->ncols; c++) {
        fputc(',', f);
        kr_cli_csv_field(f, fs->names[c]);
    }
    fputc('\n', f);
    char ts[40];
    for (size_t s = 0; s < nser; s++) {
        const kr_bars *b = series[s];
        if ((*crc = kr_featureset_compute(fs, b, m)))
            return KR_OK;
        const char *name = kr_symtab_name(symbols, b->symbol);
        for (size_t i = 0; i < b->n; i++) {
            kr_time_format(b->ts[i], dates ? KR_TIME_DATE : KR_TIME_ISO, ts,
                           sizeof ts);
            fputs(ts, f);
            if (sym) {
                fputc(',', f);
                kr_cli_csv_field(f, name ? name : "");
            }
            for (size_t c = 0; c < fs->ncols; c++) {
                double v = kr_feature_matrix_col(m, c)[i];
                if (isnan(v))
                    fputc(',', f);
                else
                    fprintf(f, ",%.17g", v);
            }
            if (fputc('\n', f) == EOF)
                return KR_EIO;
        }
    }
    return ferror(f) ? KR_EIO : KR_OK;
}

static int compute_error(int crc)
{
    return kr_cli_fail(CMD ": computing the features: %s", kr_strerror(crc));
}

typedef struct feat_out {
    const kr_featureset *fs;
    kr_bars *const *series;
    size_t nser;
    const kr_symtab *symbols;
    kr_feature_matrix m;
} feat_out;

static int write_features(FILE *f, void *user)
{
    feat_out *o = user;
    int crc = KR_OK;
    int wrc = write_csv(f, o->fs, o->series, o->nser, o->symbols, &o->m, &crc);
    if (crc) {
        compute_error(crc);
        return crc == KR_EIO ? KR_EINVAL : crc;
    }
    return wrc ? KR_EIO : KR_OK;
}

/* Writes to `path` (stdout when NULL or "-") through kr_cli_write_output. */
static int write_output(const char *path, const kr_featureset *fs,
                        kr_bars *const *series, size_t nser,
                        const kr_symtab *symbols)
{
    feat_out o = {fs, series, nser, symbols, {0}};
    kr_feature_matrix_init(&o.m);
    int rc = kr_cli_write_output(CMD, path, write_features, &o);
    kr_feature_matrix_free(&o.m);
    return rc;
}

/* ------------------------------------------------------------------------
 * check
 * ------------------------------------------------------------------------ */

static int run_check(const kr_featureset *fs, kr_bars *const *series,
                     size_t nser, const kr_symtab *symbols, size_t cuts)
{
    bool leaked = false;
    for (size_t s = 0; s < nser; s++) {
        const kr_bars *b = series[s];
        const char *name = kr_symtab_name(symbols, b->symbol);
        kr_leak_report r;
        int rc = kr_features_check(fs, b, cuts, &r);
        if (rc == KR_EEMPTY) {
            printf("%s: %zu bar%s, nothing to check\n", name ? name : "?",
                   b->n, b->n == 1 ? "" : "s");
            continue;
        }
        if (rc)
            return kr_cli_fail(CMD ": check on %s: %s", name ? name : "?",
                               kr_strerror(rc));
        printf("%s: %zu bars, %zu cuts, %zu values compared: %s\n",
               name ? name : "?", r.rows, r.ncuts, r.compared,
               r.total ? "LOOK-AHEAD" : "ok");
        for (size_t c = 0; c < r.ncols; c++) {
            if (!r.count[c])
                continue;
            const kr_leak *l = &r.first[c];
            char ts[40], full[40], cut[40];
            kr_time_format(b->ts[l->row], KR_TIME_AUTO, ts, sizeof ts);
            snprintf(full, sizeof full, "%.17g", l->full);
            snprintf(cut, sizeof cut, "%.17g", l->truncated);
            printf("  %s: %zu value%s differ; first at row %zu (%s) with "
                   "the first %zu bars: %s on the whole series, %s on the "
                   "prefix\n",
                   fs->names[c], r.count[c], r.count[c] == 1 ? "" : "s",
                   l->row, ts, l->cut, full, cut);
        }
        leaked |= r.total > 0;
        kr_leak_report_free(&r);
    }
    if (fflush(stdout))
        return kr_cli_fail(CMD ": cannot write to stdout: %s",
                           strerror(errno));
    return leaked ? KR_EXIT_FINDINGS : KR_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------ */

int kr_cmd_features(int argc, char **argv)
{
    const char *out_path = NULL, *symbol = NULL, *set = NULL;
    const char *cuts_s = NULL, *norm_s = NULL;
    bool list = false, markdown = false, check = false;
    char q[96];

    /* "check" as the first argument selects the check. */
    if (argc > 1 && !strcmp(argv[1], "check")) {
        check = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":s:o:h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return KR_EXIT_OK;
        case 's': set = optarg; break;
        case 'o': out_path = optarg; break;
        case OPT_SYMBOL: symbol = optarg; break;
        case OPT_CUTS: cuts_s = optarg; break;
        case OPT_NORMALIZE: norm_s = optarg; break;
        case OPT_LIST: list = true; break;
        case OPT_MARKDOWN: markdown = true; break;
        case ':':
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "features --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        default:
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos "
                               "features --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        }
    }
    if (list) {
        if (check || optind < argc || set || out_path || symbol || cuts_s ||
            norm_s)
            return kr_cli_fail(CMD ": --list takes no FILE and no other "
                               "option than --markdown");
        list_kinds(stdout, markdown);
        return fflush(stdout) ? kr_cli_fail(CMD ": cannot write to stdout: "
                                            "%s", strerror(errno))
                              : KR_EXIT_OK;
    }
    if (markdown)
        return kr_cli_fail(CMD ": --markdown goes with --list");
    if (check && out_path)
        return kr_cli_fail(CMD ": check writes a report, not a file: no -o");
    if (!check && cuts_s)
        return kr_cli_fail(CMD ": --cuts goes with 'features check'");
    if (optind >= argc)
        return kr_cli_fail(CMD ": missing FILE (try 'kairos features "
                           "--help')");
    if (argc - optind > 1)
        return kr_cli_fail(CMD ": unexpected argument '%s': one FILE at a "
                           "time",
                           quote(argv[optind + 1], q, sizeof q));
    const char *path = argv[optind];
    if (!set)
        return kr_cli_fail(CMD ": missing --set SPEC, e.g. --set "
                           "ret:1,vol:20,ind:rsi:14 (try 'kairos features "
                           "--list')");
    int64_t cuts = 50, norm = 0;
    if (cuts_s && !kr_cli_int(CMD, "cuts", cuts_s, 1, 100000, &cuts))
        return KR_EXIT_USAGE;
    if (norm_s && !kr_cli_int(CMD, "normalize", norm_s, 2, 100000, &norm))
        return KR_EXIT_USAGE;

    kr_featureset fs;
    kr_error err;
    kr_error_clear(&err);
    if (kr_featureset_parse(set, &fs, &err)) {
        if (err.field[0])
            return kr_cli_fail(CMD ": --set: item '%s': %s", err.field,
                               err.msg);
        return kr_cli_fail(CMD ": --set: %s", err.msg);
    }
    if (norm && kr_featureset_normalize(&fs, (size_t)norm)) {
        kr_featureset_free(&fs);
        return kr_cli_fail(CMD ": out of memory");
    }

    kr_dataset ds;
    kr_bars **series;
    size_t nser;
    int rc = kr_cli_load_series(CMD, path, symbol, &ds, &series, &nser);
    if (rc) {
        kr_featureset_free(&fs);
        return rc;
    }
    if (check)
        rc = run_check(&fs, series, nser, ds.symbols, (size_t)cuts);
    else
        rc = write_output(out_path, &fs, series, nser, ds.symbols);
    free(series);
    kr_dataset_free(&ds);
    kr_featureset_free(&fs);
    return rc;
}

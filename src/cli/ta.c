/* ta.c -- `kairos ta`: technical indicators over a bar file, and the list of
 * them.
 *
 *   kairos ta FILE --ind NAME[:P1,P2,...] [--ind ...] [-o OUT] [--symbol S]
 *   kairos ta --list [--markdown]
 *
 * The command is a thin edge over include/kairos/ta.h: every --ind spec is
 * parsed and checked by kr_ta_parse_spec before the file is even opened (one
 * bad spec, one error line naming it, exit 2, nothing written), the file is
 * loaded with kr_csv_load's layout detection, each series is put in time
 * order with repeated timestamps dropped (as `kairos data resample` does,
 * with a warning saying how many), and each indicator runs in batch form
 * through kr_ta_run. The output is CSV: `timestamp`, a `symbol` column when
 * more than one series is written, then one column per indicator output
 * named by kr_ta_column_name; numbers are written with %.17g so that they
 * read back as the same doubles, and the warm-up (NaN) as an empty cell.
 * A file output goes to FILE.tmp.PID first and is renamed into place once
 * complete.
 *
 * --list and --list --markdown print the indicator table itself, so the
 * help, the docs (docs/indicators.md holds the markdown, checked equal by
 * tests/cli/ta.sh) and the code cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/data.h"
#include "kairos/ta.h"

#define CMD "ta"

static const char usage_text[] =
    "usage: kairos ta FILE --ind NAME[:P1,P2,...] [--ind ...] [-o OUT]\n"
    "                 [--symbol NAME]\n"
    "       kairos ta --list [--markdown]\n"
    "\n"
    "Computes technical indicators over the bars of FILE (any layout 'kairos\n"
    "data info' recognises) and writes them as CSV. Rows are sorted by time\n"
    "first and repeated timestamps keep their first row (a warning says how\n"
    "many were dropped). Indicators equal TA-Lib 0.4.0 where TA-Lib has them;\n"
    "docs/indicators.md describes each one.\n"
    "\n"
    "An indicator spec is its name, then optionally ':' and its parameters in\n"
    "the order 'kairos ta --list' shows, or as name=value; parameters left\n"
    "out take their defaults: rsi, rsi:21, macd:12,26,9, bbands:period=20,\n"
    "bbands:20,2.5.\n"
    "\n"
    "options:\n"
    "  -i, --ind SPEC     an indicator to compute; repeat for more (required)\n"
    "  --symbol NAME      keep only the series of this symbol\n"
    "  -o, --output FILE  write to FILE instead of stdout ('-': stdout)\n"
    "  --list             list the indicators: inputs, parameters as\n"
    "                     name=default [min..max], outputs and formula\n"
    "  --markdown         with --list: the table of docs/indicators.md\n"
    "  -h, --help         this help\n"
    "\n"
    "output: CSV timestamp,[symbol,]COLUMN... with one column per indicator\n"
    "output, named NAME_P1_P2[.OUTPUT] (sma_20, rsi_14, macd_12_26_9.signal,\n"
    "bbands_20_2.upper); a symbol column when more than one series is\n"
    "written; an empty cell where the indicator is not defined yet (its\n"
    "warm-up); numbers to 17 significant digits, so they read back exactly.\n"
    "\n"
    "examples:\n"
    "  kairos ta data/sp500.csv --ind sma:50 --ind sma:200 -o sma.csv\n"
    "  kairos ta prices.csv --symbol AAPL --ind rsi --ind macd:12,26,9\n"
    "  kairos ta BTCUSDT-1h.csv -i bbands:period=20,nbdev=2 -i atr:14\n"
    "  kairos ta --list\n"
    "\n"
    "exit status: 0 ok, 2 bad usage or indicator spec, unreadable input or\n"
    "write error\n";

enum { OPT_SYMBOL = 256, OPT_LIST, OPT_MARKDOWN };

static const struct option long_opts[] = {
    {"ind", required_argument, NULL, 'i'},
    {"symbol", required_argument, NULL, OPT_SYMBOL},
    {"output", required_argument, NULL, 'o'},
    {"list", no_argument, NULL, OPT_LIST},
    {"markdown", no_argument, NULL, OPT_MARKDOWN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *quote(const char *s, char *buf, size_t size)
{
    return kr_escape(s, strlen(s), buf, size);
}

/* The option getopt_long just rejected, quoted for a message. */
static const char *bad_option(char **argv, int c, char *buf, size_t size)
{
    if (optopt && optopt < 256 && c != ':') {
        snprintf(buf, size, "-%c", optopt);
        return buf;
    }
    return quote(argv[optind - 1], buf, size);
}

/* ------------------------------------------------------------------------
 * --list
 * ------------------------------------------------------------------------ */

/* Writes "name=default [min..max]" for every parameter, joined by `sep`. */
static void print_params(FILE *f, const kr_ta_info *info, const char *sep,
                         const char *name_quote)
{
    if (info->nparams == 0)
        fputs("-", f);
    for (int k = 0; k < info->nparams; k++) {
        const kr_ta_param *p = &info->params[k];
        fprintf(f, "%s%s%s%s=%.10g [%.10g..%.10g]", k ? sep : "", name_quote,
                p->name, name_quote, p->def, p->min, p->max);
    }
}

static void print_inputs(FILE *f, const kr_ta_info *info)
{
    for (int k = 0; k < info->ninputs; k++)
        fprintf(f, "%s%s", k ? ", " : "", kr_ta_input_name(info->inputs[k]));
}

static void print_outputs(FILE *f, const kr_ta_info *info)
{
    for (int k = 0; k < info->noutputs; k++)
        fprintf(f, "%s%s", k ? ", " : "", info->outputs[k]);
}

static void list_text(FILE *f)
{
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    for (size_t i = 0; i < n; i++) {
        const kr_ta_info *e = &t[i];
        fprintf(f, "%s  %s", e->name, e->title);
        if (e->talib)
            fprintf(f, " (TA-Lib %s)", e->talib);
        fputs("\n  inputs:  ", f);
        print_inputs(f, e);
        fputs("\n  params:  ", f);
        print_params(f, e, ", ", "");
        fputs("\n  outputs: ", f);
        print_outputs(f, e);
        fprintf(f, "\n  formula: %s\n", e->formula);
    }
}

/* Writes `s` for a markdown table cell: '|' escaped. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void list_markdown(FILE *f)
{
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    fputs("| indicator | name | inputs | parameters | outputs | TA-Lib | "
          "definition |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const kr_ta_info *e = &t[i];
        fprintf(f, "| `%s` | ", e->name);
        md_cell(f, e->title);
        fputs(" | ", f);
        print_inputs(f, e);
        fputs(" | ", f);
        print_params(f, e, "<br>", "`");
        fputs(" | ", f);
        print_outputs(f, e);
        fprintf(f, " | %s | ", e->talib ? e->talib : "-");
        /* A code span, so that '*' and '_' stay literal. */
        const char *tick = strchr(e->formula, '`') ? "`` " : "`";
        fputs(tick, f);
        md_cell(f, e->formula);
        fputs(strchr(e->formula, '`') ? " ``" : "`", f);
        fputs(" |\n", f);
    }
}

/* ------------------------------------------------------------------------
 * Computing and writing
 * ------------------------------------------------------------------------ */

typedef struct spec {
    const char *text;
    const kr_ta_info *info;
    double params[KR_TA_MAX_PARAMS];
} spec;

/* One series with every indicator output computed over it. */
typedef struct result {
    const kr_bars *b;
    double **cols; /* ncols columns of b->n values */
} result;

/* Writes a CSV field, quoted when it holds a delimiter or a quote. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_csv(FILE *f, const spec *specs, size_t nspecs,
                     const result *res, size_t nres, size_t ncols,
                     const kr_symtab *symbols)
{
    bool sym = nres > 1;
    bool dates = true;
    for (size_t s = 0; s < nres; s++)
        for (size_t i = 0; i < res[s].b->n && dates; i++)
            dates = res[s].b->ts[i] % KR_NS_PER_DAY == 0;

    fputs(sym ? "timestamp,symbol" : "timestamp", f);
    for (size_t j = 0; j < nspecs; j++)
        for (int k = 0; k < specs[j].info->noutputs; k++) {
            char name[256];
            kr_ta_column_name(specs[j].info, specs[j].params, k, name,
                              sizeof name);
            fputc(',', f);
            csv_field(f, name);
        }
    fputc('\n', f);

    char ts[40];
    for (size_t s = 0; s < nres; s++) {
        const kr_bars *b = res[s].b;
        const char *name = kr_symtab_name(symbols, b->symbol);
        for (size_t i = 0; i < b->n; i++) {
            kr_time_format(b->ts[i], dates ? KR_TIME_DATE : KR_TIME_ISO, ts,
                           sizeof ts);
            fputs(ts, f);
            if (sym) {
                fputc(',', f);
                csv_field(f, name ? name : "");
            }
            for (size_t c = 0; c < ncols; c++) {
                double v = res[s].cols[c][i];
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

typedef struct ta_out {
    const spec *specs;
    size_t nspecs;
    const result *res;
    size_t nres, ncols;
    const kr_symtab *symbols;
} ta_out;

static int write_ta(FILE *f, void *user)
{
    const ta_out *o = user;
    return write_csv(f, o->specs, o->nspecs, o->res, o->nres, o->ncols,
                     o->symbols)
               ? KR_EIO
               : KR_OK;
}

/* Writes to `path` (stdout when NULL or "-") through kr_cli_write_output. */
static int write_output(const char *path, const spec *specs, size_t nspecs,
                        const result *res, size_t nres, size_t ncols,
                        const kr_symtab *symbols)
{
    ta_out o = {specs, nspecs, res, nres, ncols, symbols};
    return kr_cli_write_output(CMD, path, write_ta, &o);
}

/* Parses and checks every spec; prints one error line for the first bad
 * one. */
static int parse_specs(spec *specs, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        kr_error err;
        kr_error_clear(&err);
        if (kr_ta_parse_spec(specs[j].text, &specs[j].info, specs[j].params,
                             &err)) {
            char q[96];
            return kr_cli_fail(CMD ": --ind '%s': %s%s%s",
                               quote(specs[j].text, q, sizeof q), err.field,
                               err.field[0] ? ": " : "", err.msg);
        }
    }
    return KR_EXIT_OK;
}

int kr_cmd_ta(int argc, char **argv)
{
    const char *out_path = NULL, *symbol = NULL;
    bool list = false, markdown = false;
    char q[96];
    spec *specs = calloc((size_t)argc + 1, sizeof *specs);
    if (!specs)
        return kr_cli_fail(CMD ": out of memory");
    size_t nspecs = 0;
    int rc = KR_EXIT_OK;

    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":i:o:h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            free(specs);
            return KR_EXIT_OK;
        case 'i':
            specs[nspecs++].text = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case OPT_SYMBOL:
            symbol = optarg;
            break;
        case OPT_LIST:
            list = true;
            break;
        case OPT_MARKDOWN:
            markdown = true;
            break;
        case ':':
            free(specs);
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "ta --help')",
                               bad_option(argv, c, q, sizeof q));
        default:
            free(specs);
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos ta "
                               "--help')",
                               bad_option(argv, c, q, sizeof q));
        }
    }

    if (list) {
        free(specs);
        if (optind < argc || nspecs || out_path || symbol)
            return kr_cli_fail(CMD ": --list takes no FILE and no other "
                               "option than --markdown");
        if (markdown)
            list_markdown(stdout);
        else
            list_text(stdout);
        return fflush(stdout) ? kr_cli_fail(CMD ": cannot write to stdout: "
                                            "%s", strerror(errno))
                              : KR_EXIT_OK;
    }
    if (markdown) {
        free(specs);
        return kr_cli_fail(CMD ": --markdown goes with --list");
    }
    if (optind >= argc) {
        free(specs);
        return kr_cli_fail(CMD ": missing FILE (try 'kairos ta --help')");
    }
    if (argc - optind > 1) {
        rc = kr_cli_fail(CMD ": unexpected argument '%s': one FILE at a time",
                         quote(argv[optind + 1], q, sizeof q));
        free(specs);
        return rc;
    }
    const char *path = argv[optind];
    if (nspecs == 0) {
        free(specs);
        return kr_cli_fail(CMD ": missing --ind NAME[:P1,P2,...], e.g. --ind "
                           "rsi:14 (try 'kairos ta --list')");
    }
    rc = parse_specs(specs, nspecs);
    if (rc) {
        free(specs);
        return rc;
    }
    size_t ncols = 0;
    for (size_t j = 0; j < nspecs; j++)
        ncols += (size_t)specs[j].info->noutputs;

    kr_dataset ds;
    kr_bars **series;
    size_t nser;
    rc = kr_cli_load_series(CMD, path, symbol, &ds, &series, &nser);
    if (rc) {
        free(specs);
        return rc;
    }
    size_t nres = 0;
    result *res = calloc(nser ? nser : 1, sizeof *res);
    if (res)
        for (size_t i = 0; i < nser; i++)
            res[nres++].b = series[i];
    free(series);
    if (!res) {
        rc = kr_cli_fail(CMD ": out of memory");
        goto done;
    }

    for (size_t s = 0; s < nres; s++) {
        const kr_bars *b = res[s].b;
        res[s].cols = calloc(ncols, sizeof *res[s].cols);
        if (!res[s].cols) {
            rc = kr_cli_fail(CMD ": out of memory");
            goto done;
        }
        size_t c = 0;
        for (size_t j = 0; j < nspecs; j++) {
            const kr_ta_info *info = specs[j].info;
            double *out[KR_TA_MAX_OUTPUTS];
            for (int k = 0; k < info->noutputs; k++) {
                out[k] = res[s].cols[c + (size_t)k] =
                    kr_alloc_aligned((b->n ? b->n : 1) * sizeof(double));
                if (!out[k]) {
                    rc = kr_cli_fail(CMD ": out of memory");
                    goto done;
                }
            }
            int lrc = kr_ta_run(info, specs[j].params, b, out);
            if (lrc) {
                const char *sn = kr_symtab_name(ds.symbols, b->symbol);
                rc = kr_cli_fail(CMD ": %s on %s: %s", specs[j].text,
                                 sn ? sn : "?", kr_strerror(lrc));
                goto done;
            }
            c += (size_t)info->noutputs;
        }
    }
    rc = write_output(out_path, specs, nspecs, res, nres, ncols, ds.symbols);
done:
    if (res)
        for (size_t s = 0; s < nres; s++) {
            if (res[s].cols)
                for (size_t c = 0; c < ncols; c++)
                    kr_free_aligned(res[s].cols[c]);
            free(res[s].cols);
        }
    free(res);
    free(specs);
    kr_dataset_free(&ds);
    return rc;
}

/* data_adjust.c -- `kairos data adjust`: split and dividend adjustment.
 *
 * Two sources of adjustment, picked by the options: an actions file (every
 * series is back-adjusted with kr_bars_adjust_actions for the actions of its
 * symbol and those without one), or, without one, the file's own adjusted
 * close (kr_bars_adjust_adjclose rescales open, high and low by adj/close).
 * Series are sorted and de-duplicated first, as for resampling, with a
 * warning that counts what was dropped. The library refuses bad input with a
 * bare code and changes nothing; on that error path this file looks for the
 * row or action responsible so that the message can point at its line. An
 * action whose symbol matches no series is not an error (one actions file
 * commonly covers many data files) but is counted in a warning, since a typo
 * there silently leaves prices unadjusted. Output goes through FILE.tmp.PID
 * and a rename, so FILE is never left half written.
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

#define CMD "adjust"

static const char usage_text[] =
    "usage: kairos data adjust FILE [--actions FILE] [-o OUT]\n"
    "\n"
    "Adjusts the bars of FILE for splits and dividends, backward: the newest\n"
    "bar keeps its prices and every older bar is scaled so that returns\n"
    "across an ex-date are not distorted. Rows are sorted by time first and\n"
    "repeated timestamps keep their first row.\n"
    "\n"
    "With --actions, each series is adjusted for the actions of its symbol\n"
    "(and for actions with an empty symbol): before a split of r new shares\n"
    "per old, prices are divided and volumes multiplied by r; before a\n"
    "dividend D, prices are multiplied by 1 - D / C, C being the close of the\n"
    "last bar before the ex-date. An adj close column is left as it is.\n"
    "Without --actions, FILE needs an adjusted-close column: open, high and\n"
    "low are multiplied by adj close / close and close becomes adj close.\n"
    "\n"
    "actions file: CSV with a header, delimiter ',' ';' or tab, columns\n"
    "  date (or ex_date, timestamp, time)   the ex-date\n"
    "  symbol (or ticker)                   optional; empty: every symbol\n"
    "  type (or action, kind)               split, or dividend (div, cash)\n"
    "  value (or ratio, amount)             split 2, 2:1, 3:2, 1:10 or 2/1\n"
    "                                       (new shares per old); dividend\n"
    "                                       cash per share, e.g. 0.25\n"
    "\n"
    "options:\n"
    "  --actions FILE     splits and dividends to adjust for\n"
    "  -o, --output FILE  write to FILE instead of stdout ('-': stdout)\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  kairos data adjust AAPL.csv --actions actions.csv -o AAPL-adj.csv\n"
    "  kairos data adjust yahoo-AAPL.csv > AAPL-adj.csv\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, unreadable input, bad actions or write\n"
    "error\n";

enum { OPT_ACTIONS = 256 };

static const struct option long_opts[] = {
    {"actions", required_argument, NULL, OPT_ACTIONS},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *quote(const char *s, char *buf, size_t size)
{
    return kr_escape(s, strlen(s), buf, size);
}


/* After kr_bars_adjust_actions gave KR_ERANGE: names the dividend that is not
 * below the close before its ex-date. */
static int fail_dividend(const char *apath, const kr_actions *a,
                         const kr_bars *b, const char *name)
{
    char q[300], d1[40], d2[40], v1[40], v2[40];
    for (size_t k = 0; k < a->n; k++) {
        const kr_action *x = &a->v[k];
        if (x->kind != KR_ACTION_DIVIDEND ||
            (x->symbol[0] && strcmp(x->symbol, name)))
            continue;
        size_t i = 0; /* bars before the ex-date */
        while (i < b->n && b->ts[i] < x->ts)
            i++;
        if (i == 0 || x->value < b->close[i - 1])
            continue;
        kr_time_format(x->ts, KR_TIME_AUTO, d1, sizeof d1);
        kr_time_format(b->ts[i - 1], KR_TIME_AUTO, d2, sizeof d2);
        kr_format_double(x->value, v1, sizeof v1);
        kr_format_double(b->close[i - 1], v2, sizeof v2);
        kr_error e;
        kr_error_set(&e, KR_ERANGE, quote(apath, q, sizeof q), x->line, 0,
                     NULL,
                     "dividend %s for %s on %s is not below %s, the close of "
                     "%s (the last bar before the ex-date)",
                     v1, name, d1, v2, d2);
        return kr_cli_fail_error(&e);
    }
    return kr_cli_fail(CMD ": a dividend for %s is not below the close "
                       "before its ex-date", name);
}

/* After kr_bars_adjust_adjclose gave KR_EINVAL: names the first row whose
 * close or adj close is not a positive number. */
static int fail_adjclose(const char *path, const kr_bars *b, const char *name)
{
    char q[300], v1[40], v2[40];
    for (size_t i = 0; i < b->n; i++) {
        double c = b->close[i], a = b->adj_close[i];
        if (c > 0 && a > 0 && isfinite(c) && isfinite(a))
            continue;
        kr_format_double(c, v1, sizeof v1);
        kr_format_double(a, v2, sizeof v2);
        kr_error e;
        kr_error_set(&e, KR_EINVAL, quote(path, q, sizeof q),
                     b->line ? b->line[i] : 0, 0, NULL,
                     "%s: close %s and adj close %s must both be positive "
                     "to adjust",
                     name, v1[0] ? v1 : "NaN", v2[0] ? v2 : "NaN");
        return kr_cli_fail_error(&e);
    }
    return kr_cli_fail(CMD ": %s: cannot adjust from adj close", name);
}

/* Warns about actions whose symbol names no series of the data file. */
static void warn_unmatched(const char *apath, const kr_actions *a,
                           const kr_symtab *symbols)
{
    size_t missed = 0;
    const kr_action *first = NULL;
    uint32_t id;
    for (size_t k = 0; k < a->n; k++) {
        const kr_action *x = &a->v[k];
        if (!x->symbol[0] ||
            !kr_symtab_find(symbols, x->symbol, strlen(x->symbol), &id))
            continue;
        if (!first)
            first = x;
        missed++;
    }
    if (missed)
        KR_WARN(CMD, "%s: %zu action%s name%s a symbol not in the data, e.g. "
                "'%s' on line %lld",
                apath, missed, missed == 1 ? "" : "s", missed == 1 ? "s" : "",
                first->symbol, (long long)first->line);
}

int kr_cmd_data_adjust(int argc, char **argv)
{
    const char *out_path = NULL, *apath = NULL;
    char q[96];

    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":o:h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return KR_EXIT_OK;
        case 'o':
            out_path = optarg;
            break;
        case OPT_ACTIONS:
            apath = optarg;
            break;
        case ':':
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "data adjust --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        default:
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos data "
                               "adjust --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        }
    }
    if (optind >= argc)
        return kr_cli_fail(CMD ": missing FILE (try 'kairos data adjust "
                           "--help')");
    if (argc - optind > 1)
        return kr_cli_fail(CMD ": unexpected argument '%s': one FILE at a "
                           "time",
                           quote(argv[optind + 1], q, sizeof q));
    const char *path = argv[optind];

    kr_error err;
    kr_error_clear(&err);
    kr_actions acts = {NULL, 0};
    if (apath && kr_actions_load(apath, &acts, &err))
        return kr_cli_fail_error(&err);
    kr_csv_opts co;
    kr_csv_opts_init(&co);
    kr_dataset ds;
    if (kr_csv_load(path, &co, &ds, &err)) {
        kr_actions_free(&acts);
        return kr_cli_fail_error(&err);
    }

    int rc = KR_EXIT_OK;
    const kr_bars **list = NULL;
    if (ds.nbars == 0) {
        rc = kr_cli_fail(CMD ": %s holds %s, not bars",
                         quote(path, q, sizeof q),
                         ds.nquotes ? "quotes" : "no series");
        goto done;
    }
    if (!apath) {
        for (size_t i = 0; i < ds.nbars; i++) {
            if (!ds.bars[i].adj_close) {
                rc = kr_cli_fail(CMD ": %s has no adjusted-close column: give "
                                 "--actions FILE, or a file with an 'Adj "
                                 "Close' column",
                                 quote(path, q, sizeof q));
                goto done;
            }
        }
    }
    list = calloc(ds.nbars, sizeof *list);
    if (!list) {
        rc = kr_cli_fail(CMD ": out of memory");
        goto done;
    }

    size_t dropped = 0;
    for (size_t i = 0; i < ds.nbars; i++) {
        kr_bars *b = &ds.bars[i];
        if (kr_bars_clean(b, &dropped)) {
            rc = kr_cli_fail(CMD ": out of memory");
            goto done;
        }
        list[i] = b;
    }
    kr_cli_warn_dropped(CMD, path, dropped, ds.issues_total);
    if (apath)
        warn_unmatched(apath, &acts, ds.symbols);

    for (size_t i = 0; i < ds.nbars; i++) {
        kr_bars *b = &ds.bars[i];
        const char *name = kr_symtab_name(ds.symbols, b->symbol);
        int lrc = apath ? kr_bars_adjust_actions(b, &acts, name)
                        : kr_bars_adjust_adjclose(b);
        if (lrc == KR_OK)
            continue;
        if (apath && lrc == KR_ERANGE)
            rc = fail_dividend(apath, &acts, b, name);
        else if (!apath && lrc == KR_EINVAL)
            rc = fail_adjclose(path, b, name);
        else
            rc = kr_cli_fail(CMD ": %s: cannot adjust %s: %s",
                             quote(path, q, sizeof q), name,
                             kr_strerror(lrc));
        goto done;
    }
    rc = kr_cli_write_bars(CMD, out_path, list, ds.nbars, ds.symbols);
done:
    free(list);
    kr_dataset_free(&ds);
    kr_actions_free(&acts);
    return rc;
}

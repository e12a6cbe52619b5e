/* data_resample.c -- `kairos data resample`: bars to a coarser interval.
 *
 * The command loads a bar file with the layout detection of kr_csv_load,
 * puts each series in time order and drops repeated timestamps (keeping the
 * first, as kr_bars_dedupe does), hands every series to kr_bars_resample and
 * writes the result in the generic layout. What was dropped or skipped is
 * logged at warn level rather than failing the run, because `kairos data
 * validate` is the place to inspect a dirty file; a target finer than the
 * data is an error, since no aggregation can make minutes out of hours.
 * Output to a file goes to FILE.tmp.PID first and is renamed into place only
 * when complete, so a failed run never leaves a truncated FILE behind, and
 * FILE may be the input itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/data.h"

#define CMD "resample"

static const char usage_text[] =
    "usage: kairos data resample FILE --to INTERVAL [-o OUT] [--symbol NAME]\n"
    "\n"
    "Aggregates the bars of FILE (any layout 'kairos data info' recognises)\n"
    "into coarser bars: open of the first bar, highest high, lowest low,\n"
    "close of the last bar, summed volume, adj close of the last bar. Each\n"
    "output bar is stamped with the start of its bucket; buckets with no\n"
    "input bar produce no output bar. Rows are sorted by time first and\n"
    "repeated timestamps keep their first row (a warning says how many were\n"
    "dropped). Details: docs/resampling-and-adjustment.md.\n"
    "\n"
    "Buckets are aligned on the epoch below a day (5m bars start at :00,\n"
    ":05, ...), on UTC midnight for days, on Mondays 00:00 UTC for weeks and\n"
    "on the 1st of the month for months (3M gives calendar quarters).\n"
    "\n"
    "options:\n"
    "  --to INTERVAL      target interval, not finer than the data: 30s, 5m,\n"
    "                     15m, 1h, 4h, 1d, 1w, 1M, 3M, 1y (required)\n"
    "  --symbol NAME      keep only the series of this symbol\n"
    "  -o, --output FILE  write to FILE instead of stdout ('-': stdout)\n"
    "  -h, --help         this help\n"
    "\n"
    "output: CSV timestamp,[symbol,]open,high,low,close,[adj_close,]volume;\n"
    "a symbol column when more than one series is written.\n"
    "\n"
    "examples:\n"
    "  kairos data resample BTCUSDT-1m.csv --to 1h -o BTCUSDT-1h.csv\n"
    "  kairos data resample prices.csv --to 1w --symbol AAPL\n"
    "  kairos data resample daily.csv --to 3M > quarterly.csv\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, unreadable input or write error\n";

enum { OPT_TO = 256, OPT_SYMBOL };

static const struct option long_opts[] = {
    {"to", required_argument, NULL, OPT_TO},
    {"symbol", required_argument, NULL, OPT_SYMBOL},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *quote(const char *s, char *buf, size_t size)
{
    return kr_escape(s, strlen(s), buf, size);
}


int kr_cmd_data_resample(int argc, char **argv)
{
    const char *out_path = NULL, *to_text = NULL, *symbol = NULL;
    char q[96], q2[96];

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
        case OPT_TO:
            to_text = optarg;
            break;
        case OPT_SYMBOL:
            symbol = optarg;
            break;
        case ':':
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "data resample --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        default:
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos data "
                               "resample --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        }
    }
    if (optind >= argc)
        return kr_cli_fail(CMD ": missing FILE (try 'kairos data resample "
                           "--help')");
    if (argc - optind > 1)
        return kr_cli_fail(CMD ": unexpected argument '%s': one FILE at a "
                           "time",
                           quote(argv[optind + 1], q, sizeof q));
    const char *path = argv[optind];
    if (!to_text)
        return kr_cli_fail(CMD ": missing --to INTERVAL, e.g. --to 1h (try "
                           "'kairos data resample --help')");
    kr_interval to;
    if (kr_interval_parse(to_text, &to))
        return kr_cli_fail(CMD ": option --to: expected an interval like 5m, "
                           "1h, 1d, 1w or 1M, got '%s'",
                           quote(to_text, q, sizeof q));

    kr_csv_opts co;
    kr_csv_opts_init(&co);
    kr_dataset ds;
    kr_error err;
    kr_error_clear(&err);
    if (kr_csv_load(path, &co, &ds, &err))
        return kr_cli_fail_error(&err);

    int rc = KR_EXIT_OK;
    size_t n = 0;
    const kr_bars **in = NULL;
    kr_bars *out = NULL;
    if (ds.nbars == 0) {
        rc = kr_cli_fail(CMD ": %s holds %s, not bars",
                         quote(path, q, sizeof q),
                         ds.nquotes ? "quotes" : "no series");
        goto done;
    }
    in = calloc(ds.nbars, sizeof *in);
    out = calloc(ds.nbars, sizeof *out);
    if (!in || !out) {
        rc = kr_cli_fail(CMD ": out of memory");
        goto done;
    }

    uint32_t want = 0;
    if (symbol && kr_symtab_find(ds.symbols, symbol, strlen(symbol), &want)) {
        char names[200] = "";
        size_t w = 0;
        for (size_t i = 0; i < ds.nbars && w < sizeof names; i++) {
            const char *nm = kr_symtab_name(ds.symbols, ds.bars[i].symbol);
            int k = i == 5 ? snprintf(names + w, sizeof names - w, ", ...")
                           : snprintf(names + w, sizeof names - w, "%s%s",
                                      i ? ", " : "", nm);
            if (k < 0 || i == 5)
                break;
            w += (size_t)k;
        }
        rc = kr_cli_fail(CMD ": no symbol '%s' in %s (its symbols: %s)",
                         quote(symbol, q, sizeof q),
                         quote(path, q2, sizeof q2), names);
        goto done;
    }

    size_t dropped = 0;
    for (size_t i = 0; i < ds.nbars; i++) {
        kr_bars *b = &ds.bars[i];
        if (symbol && b->symbol != want)
            continue;
        if (kr_bars_clean(b, &dropped)) {
            rc = kr_cli_fail(CMD ": out of memory");
            goto done;
        }
        in[n++] = b;
    }
    kr_cli_warn_dropped(CMD, path, dropped, ds.issues_total);

    for (size_t i = 0; i < n; i++) {
        int lrc = kr_bars_resample(in[i], to, &out[i]);
        if (lrc == KR_OK)
            continue;
        const char *name = kr_symtab_name(ds.symbols, in[i]->symbol);
        char have[32];
        kr_duration_format(kr_bars_interval(in[i]), have, sizeof have);
        if (lrc == KR_EINVAL)
            rc = kr_cli_fail(CMD ": %s: cannot resample %s to %s: its bars "
                             "are %s apart and the target may not be finer",
                             quote(path, q, sizeof q), name, to_text, have);
        else
            rc = kr_cli_fail(CMD ": %s: cannot resample %s to %s: %s",
                             quote(path, q, sizeof q), name, to_text,
                             kr_strerror(lrc));
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        in[i] = &out[i]; /* the list now names the results */
    rc = kr_cli_write_bars(CMD, out_path, in, n, ds.symbols);
done:
    if (out)
        for (size_t i = 0; i < ds.nbars; i++)
            kr_bars_free(&out[i]);
    free(out);
    free(in);
    kr_dataset_free(&ds);
    return rc;
}

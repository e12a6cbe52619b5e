/* data_info.c -- `kairos data info`: what a data file holds.
 *
 * For each file: the layout that was recognised, the delimiter, the symbols
 * with their row counts, first and last timestamps and detected bar interval,
 * and how many rows could not be parsed. Text for a person, --json for a
 * program. A file that cannot be loaded is reported in one line and makes the
 * exit status 2; the other files are still shown.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/data.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kairos data info FILE... [--json]\n\n"
            "Shows what each bar or quote CSV file holds: the layout kairos\n"
            "recognised (generic, yahoo, binance, mt5, stooq, quotes), the\n"
            "symbols, rows, date range and bar interval of each, and the\n"
            "number of rows that could not be parsed.\n\n"
            "options:\n"
            "  --json      one JSON document on stdout\n"
            "  -h, --help  this help\n\n"
            "example:\n"
            "  kairos data info data/sp500.csv\n\n"
            "exit status: 0 ok, 2 a file could not be read or recognised\n");
}

static const char *delim_name(char d)
{
    return d == '\t' ? "tab" : d == ';' ? "semicolon" : "comma";
}

static json_t *series_json(const kr_dataset *ds, uint32_t sym, size_t rows,
                           kr_ts first, kr_ts last, int64_t interval)
{
    char a[40], b[40], iv[32];
    /* Dates alone for daily and coarser bars that sit on midnight. */
    int style = interval >= KR_NS_PER_DAY && first % KR_NS_PER_DAY == 0 &&
                        last % KR_NS_PER_DAY == 0
                    ? KR_TIME_DATE
                    : KR_TIME_ISO;
    kr_time_format(first, style, a, sizeof a);
    kr_time_format(last, style, b, sizeof b);
    kr_duration_format(interval, iv, sizeof iv);
    return json_pack("{s:s, s:I, s:s, s:s, s:s}", "symbol",
                     kr_symtab_name(ds->symbols, sym), "rows",
                     (json_int_t)rows, "first", a, "last", b, "interval",
                     interval ? iv : "");
}

/* First and last timestamps in time order (files may be unsorted). */
static void range(const kr_ts *ts, size_t n, kr_ts *lo, kr_ts *hi)
{
    *lo = ts[0];
    *hi = ts[0];
    for (size_t i = 1; i < n; i++) {
        if (ts[i] < *lo)
            *lo = ts[i];
        if (ts[i] > *hi)
            *hi = ts[i];
    }
}

/* Interval of a quote series: bars and quotes share the bar routine by
 * viewing the timestamps as a series without price columns. */
static int64_t ts_interval(const kr_ts *ts, size_t n)
{
    kr_bars view;
    memset(&view, 0, sizeof view);
    view.ts = (kr_ts *)ts;
    view.n = n;
    return kr_bars_interval(&view);
}

static json_t *dataset_json(const kr_dataset *ds)
{
    json_t *arr = json_array();
    for (size_t s = 0; s < ds->nbars; s++) {
        const kr_bars *b = &ds->bars[s];
        kr_ts lo, hi;
        if (!b->n)
            continue;
        range(b->ts, b->n, &lo, &hi);
        json_array_append_new(arr, series_json(ds, b->symbol, b->n, lo, hi,
                                               kr_bars_interval(b)));
    }
    for (size_t s = 0; s < ds->nquotes; s++) {
        const kr_quotes *q = &ds->quotes[s];
        kr_ts lo, hi;
        if (!q->n)
            continue;
        range(q->ts, q->n, &lo, &hi);
        json_array_append_new(arr, series_json(ds, q->symbol, q->n, lo, hi,
                                               ts_interval(q->ts, q->n)));
    }
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:o}",
                     "path", ds->path, "layout", kr_layout_name(ds->layout),
                     "delimiter", delim_name(ds->delimiter), "header",
                     ds->has_header, "decimal_comma", ds->decimal_comma,
                     "rows", (json_int_t)ds->rows, "lines",
                     (json_int_t)ds->lines, "bytes", (json_int_t)ds->bytes,
                     "unparsable_rows", (json_int_t)ds->issues_total,
                     "series", arr);
}

static void print_text(const kr_dataset *ds, json_t *info)
{
    printf("%s\n", ds->path);
    printf("  layout      %s (%s, %s-separated%s)\n",
           kr_layout_name(ds->layout), ds->has_header ? "header" : "no header",
           delim_name(ds->delimiter), ds->decimal_comma ? ", decimal comma" : "");
    printf("  rows        %zu in %lld lines, %zu bytes\n", ds->rows,
           (long long)ds->lines, ds->bytes);
    printf("  unparsable  %zu rows\n", ds->issues_total);
    json_t *series = json_object_get(info, "series");
    size_t n = json_array_size(series);
    bool adj = ds->nbars && ds->bars[0].adj_close;
    printf("  columns     %s%s\n",
           ds->layout == KR_LAYOUT_QUOTES ? "ts, bid, ask, sizes"
                                          : "ts, open, high, low, close, volume",
           adj ? ", adj close" : "");
    printf("  symbols     %zu\n", n);
    printf("    %-16s %10s  %-20s  %-20s  %s\n", "symbol", "rows", "first",
           "last", "interval");
    size_t shown = n > 50 ? 50 : n;
    for (size_t i = 0; i < shown; i++) {
        json_t *s = json_array_get(series, i);
        printf("    %-16s %10lld  %-20s  %-20s  %s\n",
               json_string_value(json_object_get(s, "symbol")),
               (long long)json_integer_value(json_object_get(s, "rows")),
               json_string_value(json_object_get(s, "first")),
               json_string_value(json_object_get(s, "last")),
               json_string_value(json_object_get(s, "interval")));
    }
    if (n > shown)
        printf("    ... and %zu more (--json lists all)\n", n - shown);
}

int kr_cmd_data_info(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    bool as_json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': as_json = true; break;
        case 'h': usage(stdout); return KR_EXIT_OK;
        default:
            return kr_cli_fail("data info: unknown option '%s' (try 'kairos "
                               "data info --help')", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return KR_EXIT_USAGE;
    }
    int status = KR_EXIT_OK;
    json_t *all = json_array();
    for (int i = optind; i < argc; i++) {
        kr_dataset ds;
        kr_error err;
        if (kr_csv_load(argv[i], NULL, &ds, &err) != KR_OK) {
            status = kr_cli_fail_error(&err);
            if (as_json)
                json_array_append_new(
                    all, json_pack("{s:s, s:s}", "path", argv[i], "error",
                                   err.msg));
            continue;
        }
        json_t *info = dataset_json(&ds);
        if (as_json)
            json_array_append(all, info);
        else
            print_text(&ds, info);
        json_decref(info);
        kr_dataset_free(&ds);
    }
    if (as_json) {
        json_t *doc = json_pack("{s:o}", "files", all);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        json_decref(all);
    }
    return status;
}

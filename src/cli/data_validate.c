/* data_validate.c -- `kairos data validate`: the data-quality report.
 *
 * Each file is loaded and every check of the quality table runs on it. The
 * text report lists every finding of medium severity or worse with its line,
 * and the first few low ones of each check (all of them with --all), then a
 * summary; --json writes every finding. The exit status is the contract that
 * scripts rely on: 0 when no file has a high or critical finding, 1 when one
 * does, 2 when a file could not be read or an option was wrong.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/data.h"

#define LOW_SHOWN 5 /* low findings shown per check without --all */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kairos data validate FILE... [options]\n\n"
            "Checks bar and quote files for problems that would corrupt a "
            "backtest and\nreports each with its severity and line number.\n\n"
            "options:\n"
            "  --json                 every finding as one JSON document\n"
            "  --all                  list every low finding too (text)\n"
            "  --calendar NAME        expected sessions: equity (default), "
            "fx, crypto\n"
            "  --holidays FILE        dates (one per line) that are not "
            "sessions\n"
            "  --jump X               close-to-close move flagged above X "
            "(default 0.2)\n"
            "  --stale N              close unchanged for N bars (default 5)\n"
            "  --gap-medium N         missing sessions for a medium gap "
            "(default 2)\n"
            "  --gap-high N           missing sessions for a high gap "
            "(default 6)\n"
            "  --max-spread X         quote spread/mid flagged above X "
            "(default 0.05)\n"
            "  --max-quote-age SECS   quotes older than this are stale "
            "(default 30)\n"
            "  --actions FILE         splits that explain price jumps "
            "(date,symbol,type,value)\n"
            "  --list-checks          the checks, their severities and "
            "meaning\n"
            "  -h, --help             this help\n\n"
            "examples:\n"
            "  kairos data validate data/sp500.csv\n"
            "  kairos data validate --calendar crypto --json BTCUSDT-1m-*.csv\n\n"
            "exit status: 0 no high or critical finding, 1 some, 2 usage or "
            "I/O error\n");
}

static void list_checks(void)
{
    size_t n;
    const kr_check_info *t = kr_check_table(&n);
    printf("%-22s %-9s %-14s %s\n", "check", "severity", "applies to",
           "meaning");
    for (size_t i = 0; i < n; i++)
        printf("%-22s %-9s %-14s %s\n", t[i].name,
               kr_severity_name(t[i].severity), t[i].applies,
               t[i].description);
}

static const char *sym_name(const kr_dataset *ds, uint32_t sym)
{
    const char *s = sym == KR_FINDING_NO_SYMBOL
                        ? NULL
                        : kr_symtab_name(ds->symbols, sym);
    return s ? s : "";
}

static json_t *report_json(const kr_dataset *ds, const kr_findings *f)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->n; i++) {
        const kr_finding *x = &f->v[i];
        char ts[40] = "";
        if (x->ts != KR_TS_NONE)
            kr_time_format(x->ts, KR_TIME_AUTO, ts, sizeof ts);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "severity",
                           kr_severity_name(x->severity), "check",
                           kr_check_info_of(x->check)->name, "symbol",
                           sym_name(ds, x->symbol), "line", (json_int_t)x->line,
                           "related", (json_int_t)x->related, "ts", ts,
                           "message", x->msg));
    }
    json_t *counts = json_object();
    size_t n;
    const kr_check_info *t = kr_check_table(&n);
    for (size_t c = 0; c < n; c++)
        if (f->total_by_check[c])
            json_object_set_new(counts, t[c].name,
                                json_integer((json_int_t)f->total_by_check[c]));
    int worst = kr_findings_worst(f);
    return json_pack(
        "{s:s, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:o, s:b, s:o}", "path",
        ds->path, "layout", kr_layout_name(ds->layout), "rows",
        (json_int_t)ds->rows, "symbols",
        (json_int_t)kr_symtab_count(ds->symbols), "summary", "critical",
        (json_int_t)f->by_severity[KR_SEV_CRITICAL], "high",
        (json_int_t)f->by_severity[KR_SEV_HIGH], "medium",
        (json_int_t)f->by_severity[KR_SEV_MEDIUM], "low",
        (json_int_t)f->by_severity[KR_SEV_LOW], "by_check", counts, "ok",
        worst < KR_SEV_HIGH, "findings", arr);
}

static void report_text(const kr_dataset *ds, const kr_findings *f, bool all)
{
    kr_ts lo = INT64_MAX, hi = INT64_MIN;
    int64_t interval = 0;
    for (size_t s = 0; s < ds->nbars; s++) {
        const kr_bars *b = &ds->bars[s];
        for (size_t i = 0; i < b->n; i++) {
            lo = b->ts[i] < lo ? b->ts[i] : lo;
            hi = b->ts[i] > hi ? b->ts[i] : hi;
        }
        if (s == 0)
            interval = kr_bars_interval(b);
    }
    for (size_t s = 0; s < ds->nquotes; s++) {
        const kr_quotes *q = &ds->quotes[s];
        for (size_t i = 0; i < q->n; i++) {
            lo = q->ts[i] < lo ? q->ts[i] : lo;
            hi = q->ts[i] > hi ? q->ts[i] : hi;
        }
    }
    char a[40] = "", b[40] = "", iv[32] = "";
    if (ds->rows) {
        kr_time_format(lo, KR_TIME_AUTO, a, sizeof a);
        kr_time_format(hi, KR_TIME_AUTO, b, sizeof b);
    }
    if (interval)
        kr_duration_format(interval, iv, sizeof iv);
    printf("%s: %s layout, %u symbol%s, %zu rows, %s .. %s%s%s\n", ds->path,
           kr_layout_name(ds->layout), kr_symtab_count(ds->symbols),
           kr_symtab_count(ds->symbols) == 1 ? "" : "s", ds->rows, a, b,
           iv[0] ? ", " : "", iv);

    bool multi = kr_symtab_count(ds->symbols) > 1;
    size_t printed[KR_CHECK__COUNT] = {0};
    for (size_t i = 0; i < f->n; i++) {
        const kr_finding *x = &f->v[i];
        if (x->severity == KR_SEV_LOW && !all && printed[x->check] >= LOW_SHOWN)
            continue;
        printed[x->check]++;
        char where[32] = "";
        if (x->line > 0)
            snprintf(where, sizeof where, "line %lld", (long long)x->line);
        bool tag = multi && x->symbol != KR_FINDING_NO_SYMBOL;
        printf("  %-8s %-11s %-20s %s%s%s%s\n", kr_severity_name(x->severity),
               where, kr_check_info_of(x->check)->name, tag ? "[" : "",
               tag ? sym_name(ds, x->symbol) : "", tag ? "] " : "", x->msg);
    }
    size_t n;
    const kr_check_info *t = kr_check_table(&n);
    for (size_t c = 0; c < n && c < KR_CHECK__COUNT; c++) {
        size_t more = f->total_by_check[c] - printed[c];
        if (more)
            printf("  ... %zu more %s finding%s (%s)\n", more, t[c].name,
                   more == 1 ? "" : "s",
                   all ? "over the stored limit" : "--all or --json lists them");
    }
    int worst = kr_findings_worst(f);
    printf("  summary: %zu critical, %zu high, %zu medium, %zu low: %s\n",
           f->by_severity[KR_SEV_CRITICAL], f->by_severity[KR_SEV_HIGH],
           f->by_severity[KR_SEV_MEDIUM], f->by_severity[KR_SEV_LOW],
           worst >= KR_SEV_HIGH ? "FAIL (high or critical findings)" : "OK");
}

int kr_cmd_data_validate(int argc, char **argv)
{
    enum {
        O_JSON = 256, O_ALL, O_CAL, O_HOL, O_JUMP, O_STALE, O_GAPM, O_GAPH,
        O_SPREAD, O_AGE, O_ACTIONS, O_LIST
    };
    static const struct option opts[] = {
        {"json", no_argument, 0, O_JSON},
        {"all", no_argument, 0, O_ALL},
        {"calendar", required_argument, 0, O_CAL},
        {"holidays", required_argument, 0, O_HOL},
        {"jump", required_argument, 0, O_JUMP},
        {"stale", required_argument, 0, O_STALE},
        {"gap-medium", required_argument, 0, O_GAPM},
        {"gap-high", required_argument, 0, O_GAPH},
        {"max-spread", required_argument, 0, O_SPREAD},
        {"max-quote-age", required_argument, 0, O_AGE},
        {"actions", required_argument, 0, O_ACTIONS},
        {"list-checks", no_argument, 0, O_LIST},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *cmd = "data validate";
    bool as_json = false, all = false;
    const char *calendar = "equity", *holidays = NULL, *actions_path = NULL;
    kr_quality_opts qo;
    kr_quality_opts_init(&qo);
    double d;
    int64_t v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (c) {
        case O_JSON: as_json = true; break;
        case O_ALL: all = true; break;
        case O_CAL: calendar = optarg; break;
        case O_HOL: holidays = optarg; break;
        case O_ACTIONS: actions_path = optarg; break;
        case O_JUMP:
            if (!kr_cli_double(cmd, "jump", optarg, 1e-6, 1e6, &qo.jump))
                return KR_EXIT_USAGE;
            break;
        case O_STALE:
            if (!kr_cli_int(cmd, "stale", optarg, 2, 1000000, &v))
                return KR_EXIT_USAGE;
            qo.stale_bars = (int)v;
            break;
        case O_GAPM:
            if (!kr_cli_int(cmd, "gap-medium", optarg, 1, 1000000, &v))
                return KR_EXIT_USAGE;
            qo.gap_medium = (int)v;
            break;
        case O_GAPH:
            if (!kr_cli_int(cmd, "gap-high", optarg, 1, 1000000, &v))
                return KR_EXIT_USAGE;
            qo.gap_high = (int)v;
            break;
        case O_SPREAD:
            if (!kr_cli_double(cmd, "max-spread", optarg, 1e-9, 1e6, &qo.max_spread))
                return KR_EXIT_USAGE;
            break;
        case O_AGE:
            if (!kr_cli_double(cmd, "max-quote-age", optarg, 1e-9, 1e9, &d))
                return KR_EXIT_USAGE;
            qo.max_quote_age = (int64_t)(d * (double)KR_NS_PER_SEC);
            break;
        case O_LIST: list_checks(); return KR_EXIT_OK;
        case 'h': usage(stdout); return KR_EXIT_OK;
        case ':':
            return kr_cli_fail("%s: option '%s' needs a value", cmd,
                               argv[optind - 1]);
        default:
            return kr_cli_fail("%s: unknown option '%s' (try 'kairos data "
                               "validate --help')", cmd, argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return KR_EXIT_USAGE;
    }
    if (qo.gap_high < qo.gap_medium)
        return kr_cli_fail("%s: --gap-high (%d) must not be below --gap-medium "
                           "(%d)", cmd, qo.gap_high, qo.gap_medium);
    kr_calendar cal;
    if (kr_calendar_preset(calendar, &cal) != KR_OK)
        return kr_cli_fail("%s: option --calendar: expected equity, fx or "
                           "crypto, got '%s'", cmd, calendar);
    kr_error err;
    if (holidays && kr_calendar_load_holidays(&cal, holidays, &err) != KR_OK) {
        kr_calendar_free(&cal);
        return kr_cli_fail_error(&err);
    }
    qo.calendar = cal;
    kr_actions actions = {0};
    if (actions_path) {
        if (kr_actions_load(actions_path, &actions, &err) != KR_OK) {
            kr_calendar_free(&cal);
            return kr_cli_fail_error(&err);
        }
        qo.actions = &actions;
    }

    int status = KR_EXIT_OK;
    json_t *files = json_array();
    for (int i = optind; i < argc; i++) {
        kr_dataset ds;
        if (kr_csv_load(argv[i], NULL, &ds, &err) != KR_OK) {
            status = kr_cli_fail_error(&err);
            if (as_json) {
                char msg[1024];
                kr_error_format(&err, msg, sizeof msg);
                json_array_append_new(files,
                                      json_pack("{s:s, s:s}", "path", argv[i],
                                                "error", msg));
            }
            continue;
        }
        kr_findings f;
        kr_findings_init(&f);
        int rc = kr_quality_check(&ds, &qo, &f);
        if (rc != KR_OK) {
            status = kr_cli_fail("%s: quality checks failed: %s", argv[i],
                                 kr_strerror(rc));
        } else {
            kr_findings_sort(&f);
            if (kr_findings_worst(&f) >= KR_SEV_HIGH &&
                status == KR_EXIT_OK)
                status = KR_EXIT_FINDINGS;
            if (as_json)
                json_array_append_new(files, report_json(&ds, &f));
            else
                report_text(&ds, &f, all);
        }
        kr_findings_free(&f);
        kr_dataset_free(&ds);
    }
    if (as_json) {
        json_t *doc = json_pack("{s:o, s:i}", "files", files, "exit_code",
                                status);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        json_decref(files);
    }
    kr_actions_free(&actions);
    kr_calendar_free(&cal);
    return status;
}

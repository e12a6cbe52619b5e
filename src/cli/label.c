/* label.c -- `kairos label`: triple-barrier or fixed-horizon labels of a
 * bar file, with their sample weights.
 *
 *   kairos label FILE --triple-barrier pt=2,sl=2,h=10,vol=20 [-o OUT]
 *   kairos label FILE --horizon h=5[,k=0.5,vol=20] [-o OUT]
 *
 * A thin edge over the labels of include/kairos/features.h: the method's
 * options are parsed by kr_triple_barrier_parse / kr_horizon_parse before
 * the file is opened (a bad one is one error line naming the option and
 * the key, exit 2), each series is put in time order with repeated
 * timestamps dropped, labelled, and weighted by average uniqueness
 * (kr_labels_weights) within its own series. The output is CSV:
 * `timestamp`, a `symbol` column when more than one series is written,
 * then label, end_timestamp (the bar that resolved the label), ret (the log
 * return to the exit) and weight; a row without a label has empty cells.
 * How many rows got no label, and why, is logged per series at info level.
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

#define CMD "label"


static const char usage_text[] =
    "usage: kairos label FILE --triple-barrier pt=2,sl=2,h=10,vol=20\n"
    "                    [-o OUT] [--symbol NAME]\n"
    "       kairos label FILE --horizon h=5[,k=0.5,vol=20] [-o OUT]\n"
    "                    [--symbol NAME]\n"
    "\n"
    "Labels every bar of FILE by what happened after its close, and weights\n"
    "each label by its average uniqueness (how many other labels share its\n"
    "bars; Lopez de Prado, AFML ch. 4). Returns are log returns; sigma is\n"
    "the sample standard deviation of the last `vol` 1-bar log returns,\n"
    "known at the bar (the vol:N feature).\n"
    "\n"
    "--triple-barrier KEY=VALUE,...  (AFML ch. 3)\n"
    "  pt=2       profit-take at +pt sigma (0: none)\n"
    "  sl=2       stop-loss at -sl sigma (0: none)\n"
    "  h=10       vertical barrier: bars after the bar\n"
    "  vol=20     sigma window in bars\n"
    "  vertical=sign|zero   label at the vertical barrier (default: the\n"
    "             sign of the return)\n"
    "  touch=close|hl       closes touch the barriers (default), or highs and\n"
    "             lows with the exit at the barrier (a bar touching both is\n"
    "             read as the stop unless it opened beyond one)\n"
    "--horizon KEY=VALUE,...\n"
    "  h=5        bars ahead; the label is the sign of the return\n"
    "  k=0        0 inside |ret| <= k sigma when k > 0\n"
    "  vol=20     sigma window, with k > 0\n"
    "\n"
    "Bars without h bars after them, or without a volatility, get no label.\n"
    "\n"
    "options:\n"
    "  --symbol NAME      keep only the series of this symbol\n"
    "  -o, --output FILE  write to FILE instead of stdout ('-': stdout)\n"
    "  -h, --help         this help\n"
    "\n"
    "output: CSV timestamp,[symbol,]label,end_timestamp,ret,weight; empty\n"
    "cells for a bar without a label.\n"
    "\n"
    "examples:\n"
    "  kairos label prices.csv --triple-barrier pt=2,sl=2,h=10 -o l.csv\n"
    "  kairos label prices.csv --horizon h=5,k=0.5,vol=20\n"
    "\n"
    "exit status: 0 ok, 2 bad usage or options, unreadable input or write\n"
    "error\n";

enum { OPT_SYMBOL = 256, OPT_TB, OPT_HZ };

static const struct option long_opts[] = {
    {"triple-barrier", required_argument, NULL, OPT_TB},
    {"horizon", required_argument, NULL, OPT_HZ},
    {"symbol", required_argument, NULL, OPT_SYMBOL},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *quote(const char *s, char *buf, size_t size)
{
    return kr_escape(s, strlen(s), buf, size);
}


typedef struct job {
    bool tb;
    kr_triple_barrier tbo;
    kr_horizon hzo;
} job;

/* Labels and weights one series; logs what was left unlabelled. */
static int label_series(const job *j, const kr_bars *b, const char *name,
                        kr_labels *l)
{
    kr_error err;
    kr_error_clear(&err);
    int rc = j->tb ? kr_label_triple_barrier(b, &j->tbo, l, &err)
                   : kr_label_horizon(b, &j->hzo, l, &err);
    if (!rc)
        rc = kr_labels_weights(l);
    if (rc)
        return rc;
    KR_INFO(CMD, "%s: %zu of %zu bars labelled; %zu without %zu bars after "
                 "them, %zu without a volatility",
            name ? name : "?", l->labeled, l->n, l->no_future,
            j->tb ? j->tbo.h : j->hzo.h, l->no_vol);
    if (j->tb)
        KR_INFO(CMD, "%s: %zu at the profit-take, %zu at the stop-loss, %zu "
                     "at the vertical barrier",
                name ? name : "?", l->by_barrier[0], l->by_barrier[1],
                l->by_barrier[2]);
    return KR_OK;
}

static int write_csv(FILE *f, const job *j, kr_bars *const *series,
                     size_t nser, const kr_symtab *symbols, int *lrc)
{
    bool sym = nser > 1, dates = true;
    for (size_t s = 0; s < nser; s++)
        for (size_t i = 0; i < series[s]->n && dates; i++)
            dates = series[s]->ts[i] % KR_NS_PER_DAY == 0;
    fputs(sym ? "timestamp,symbol," : "timestamp,", f);
    fputs("label,end_timestamp,ret,weight\n", f);
    kr_labels l;
    kr_labels_init(&l);
    char ts[40];
    for (size_t s = 0; s < nser; s++) {
        const kr_bars *b = series[s];
        const char *name = kr_symtab_name(symbols, b->symbol);
        if ((*lrc = label_series(j, b, name, &l)))
            break;
        for (size_t i = 0; i < b->n; i++) {
            int style = dates ? KR_TIME_DATE : KR_TIME_ISO;
            kr_time_format(b->ts[i], style, ts, sizeof ts);
            fputs(ts, f);
            if (sym) {
                fputc(',', f);
                kr_cli_csv_field(f, name ? name : "");
            }
            if (l.end[i] < 0) {
                fputs(",,,,\n", f);
                continue;
            }
            kr_time_format(b->ts[l.end[i]], style, ts, sizeof ts);
            fprintf(f, ",%.0f,%s,%.17g,%.17g\n", l.label[i], ts, l.ret[i],
                    l.weight[i]);
        }
        if (ferror(f))
            break;
    }
    kr_labels_free(&l);
    return ferror(f) ? KR_EIO : KR_OK;
}

typedef struct label_out {
    const job *j;
    kr_bars *const *series;
    size_t nser;
    const kr_symtab *symbols;
} label_out;

static int write_labels(FILE *f, void *user)
{
    const label_out *o = user;
    int lrc = KR_OK;
    int wrc = write_csv(f, o->j, o->series, o->nser, o->symbols, &lrc);
    if (lrc) {
        kr_cli_fail(CMD ": %s", kr_strerror(lrc));
        return lrc == KR_EIO ? KR_EINVAL : lrc;
    }
    return wrc ? KR_EIO : KR_OK;
}

/* Writes to `path` (stdout when NULL or "-") through kr_cli_write_output. */
static int write_output(const char *path, const job *j,
                        kr_bars *const *series, size_t nser,
                        const kr_symtab *symbols)
{
    label_out o = {j, series, nser, symbols};
    return kr_cli_write_output(CMD, path, write_labels, &o);
}

int kr_cmd_label(int argc, char **argv)
{
    const char *out_path = NULL, *symbol = NULL, *tb_s = NULL, *hz_s = NULL;
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
        case 'o': out_path = optarg; break;
        case OPT_SYMBOL: symbol = optarg; break;
        case OPT_TB: tb_s = optarg; break;
        case OPT_HZ: hz_s = optarg; break;
        case ':':
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "label --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        default:
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos label "
                               "--help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        }
    }
    if (optind >= argc)
        return kr_cli_fail(CMD ": missing FILE (try 'kairos label --help')");
    if (argc - optind > 1)
        return kr_cli_fail(CMD ": unexpected argument '%s': one FILE at a "
                           "time",
                           quote(argv[optind + 1], q, sizeof q));
    if (!tb_s == !hz_s)
        return kr_cli_fail(CMD ": give one of --triple-barrier "
                           "pt=2,sl=2,h=10,vol=20 and --horizon h=5");
    job j;
    kr_triple_barrier_init(&j.tbo);
    kr_horizon_init(&j.hzo);
    j.tb = tb_s != NULL;
    kr_error err;
    kr_error_clear(&err);
    int prc = j.tb ? kr_triple_barrier_parse(tb_s, &j.tbo, &err)
                   : kr_horizon_parse(hz_s, &j.hzo, &err);
    if (prc) {
        const char *opt = j.tb ? "--triple-barrier" : "--horizon";
        if (err.field[0])
            return kr_cli_fail(CMD ": %s: %s: %s", opt, err.field, err.msg);
        return kr_cli_fail(CMD ": %s: %s", opt, err.msg);
    }
    const char *path = argv[optind];
    kr_dataset ds;
    kr_bars **series;
    size_t nser;
    int rc = kr_cli_load_series(CMD, path, symbol, &ds, &series, &nser);
    if (rc)
        return rc;
    rc = write_output(out_path, &j, series, nser, ds.symbols);
    free(series);
    kr_dataset_free(&ds);
    return rc;
}

/* backtest.c -- `kairos backtest`: one strategy over one or more bar files,
 * written out as metrics.json, equity.csv, trades.csv, orders.csv and a
 * self-contained report.html.
 *
 * The command parses (run.c), loads, runs kr_backtest_run, computes the
 * statistics and hands everything to the report writers; it prints a short
 * summary. All the behaviour lives in the library.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/run.h"
#include "kairos/report.h"
#include "kairos/strategy.h"

static const char usage_text[] =
    "usage: kairos backtest --data FILE[,FILE...] --strategy SPEC --out DIR "
    "[OPTIONS]\n"
    "\n"
    "Replays bars through a strategy on the simulated exchange and writes\n"
    "DIR/metrics.json, equity.csv, trades.csv, orders.csv and report.html\n"
    "(one self-contained file: open it in a browser, no network needed).\n"
    "Rules of the simulation: docs/backtest.md and docs/simulated-exchange.md.\n"
    "\n"
    "options (default in brackets):\n"
    "  --data FILES         bar CSV files, comma-separated (any layout\n"
    "                       'kairos data info' recognises)\n"
    "  --strategy SPEC      NAME[:KEY=VALUE,...], e.g. sma_cross:fast=50,slow=200;\n"
    "                       built-ins: sma_cross, rsi_reversion,\n"
    "                       donchian_breakout, bollinger_reversion\n"
    "                       (docs/strategies.md); model[:threshold=0.55]\n"
    "                       trades the live model of --registry DIR\n"
    "  --registry DIR       the model registry of the model strategy\n"
    "  --config FILE        a YAML run file whose keys are these options;\n"
    "                       options on the command line override it\n"
    "  --out DIR            where the results go (created)\n"
    "  --cash X             initial cash [100000]\n"
    "  --size SPEC          fraction:F (of equity) | qty:N | vol:TARGET[,window=N,\n"
    "                       max=F] [fraction:1]\n"
    "  --fill RULE          market orders fill at next_open, next_close or\n"
    "                       close (the decision bar's, optimistic) [next_open]\n"
    "  --commission SPEC    none | per_share:X[,min=M] | bps:X |\n"
    "                       tiered:0=X,T1=Y,... [none]\n"
    "  --slippage SPEC      none | bps:X | spread:F[,factor=X] |\n"
    "                       sqrt:K[,sigma=S] [none]\n"
    "  --lot N              quantities round down to multiples of N; 0 means\n"
    "                       fractional [0]\n"
    "  --short              allow short positions (strategies then go short\n"
    "                       on their sell signals)\n"
    "  --borrow RATE        annual borrow rate on shorts [0]\n"
    "  --leverage X         the account's leverage limit [1: a cash account]\n"
    "  --margin X           maintenance margin: liquidate when equity < X x\n"
    "                       gross exposure [0: off]\n"
    "  --max-position N     pre-trade limit on |position| per symbol [none]\n"
    "  --max-order-notional X  pre-trade limit per order [none]\n"
    "  --volume-cap F       most of a bar's volume one order fills [0: no cap]\n"
    "  --periods-per-year N bars per year for annualising [from the data]\n"
    "  --price-precision N  decimals prices are kept at [6]\n"
    "  --size-precision N   decimals quantities are kept at [6, or the lot's]\n"
    "  --close-at-end       close every position at the last bar\n"
    "  --no-progress        no progress bar\n"
    "  -h, --help           this help\n"
    "\n"
    "example:\n"
    "  kairos backtest --data data/sp500.csv \\\n"
    "      --strategy sma_cross:fast=50,slow=200 --out results/sma\n"
    "\n"
    "exit status: 0 ok, 2 bad option, bad data or write error\n";

static void print_pct(const char *name, double v)
{
    if (isfinite(v))
        printf("  %-22s %9.2f%%\n", name, v * 100);
    else
        printf("  %-22s %10s\n", name, "n/a");
}

static void print_num(const char *name, double v)
{
    if (isfinite(v))
        printf("  %-22s %10.3f\n", name, v);
    else
        printf("  %-22s %10s\n", name, "n/a");
}

int kr_cmd_backtest(int argc, char **argv)
{
    kr_run_opts o;
    kr_run_opts_init(&o, "backtest");
    int rc = kr_run_parse(&o, argc, argv, usage_text);
    if (rc) {
        kr_run_opts_free(&o);
        return rc < 0 ? KR_EXIT_OK : rc;
    }
    if (!o.out) {
        kr_run_opts_free(&o);
        return kr_cli_fail("backtest: option --out is required (try 'kairos "
                           "backtest --help')");
    }
    kr_error err;
    kr_error_clear(&err);
    kr_strategy strat = {0};
    if (!strncmp(o.strategy, "model", 5) &&
        (o.strategy[5] == '\0' || o.strategy[5] == ':')) {
        /* model[:threshold=P] with --registry DIR */
        double thr = 0.55;
        const char *p = strchr(o.strategy, ':');
        char *end = NULL;
        if (p && (strncmp(p + 1, "threshold=", 10) ||
                  ((thr = strtod(p + 11, &end)), end == p + 11 || *end))) {
            kr_run_opts_free(&o);
            return kr_cli_fail("backtest: option --strategy: expected "
                               "model[:threshold=P]");
        }
        if (!o.registry) {
            kr_run_opts_free(&o);
            return kr_cli_fail("backtest: the model strategy needs "
                               "--registry DIR");
        }
        if (kr_strategy_model(o.registry, thr, &o.sizing, o.cfg.allow_short,
                              &strat, &err)) {
            kr_run_opts_free(&o);
            return err.file[0] ? kr_cli_fail_error(&err)
                               : kr_cli_fail("backtest: option --strategy: "
                                             "%s", err.msg);
        }
    } else if (kr_strategy_create(o.strategy, &o.sizing, o.cfg.allow_short,
                                  &strat, "--strategy", &err)) {
        kr_run_opts_free(&o);
        return kr_cli_fail("backtest: option --strategy: %s", err.msg);
    }
    kr_run_data d;
    if ((rc = kr_run_load(&o, &d))) {
        kr_strategy_destroy(&strat);
        kr_run_opts_free(&o);
        return rc;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < d.n; i++)
        total += d.bars[i].n;
    kr_progress prog;
    kr_progress_start(&prog, total, "backtest");
    if (o.progress) {
        o.cfg.progress = kr_progress_update;
        o.cfg.progress_user = &prog;
    }
    kr_backtest bt;
    kr_backtest_init(&bt);
    double t0 = kr_now_seconds();
    rc = kr_backtest_run(&bt, &o.cfg, &d.in, &strat, &err);
    double secs = kr_now_seconds() - t0;
    kr_progress_end(&prog);
    int status = KR_EXIT_OK;
    if (rc) {
        if (err.msg[0])
            status = kr_cli_fail("backtest: %s%s%s", err.field,
                                 err.field[0] ? ": " : "", err.msg);
        else
            status = kr_cli_fail("backtest: the run stopped: %s",
                                 bt.stop_reason[0] ? bt.stop_reason
                                                   : kr_strerror(rc));
        goto done;
    }
    kr_bt_metrics m;
    if ((rc = kr_bt_metrics_compute(&bt, 1, NULL, &m)) && rc != KR_EEMPTY) {
        status = kr_cli_fail("backtest: statistics: %s", kr_strerror(rc));
        goto done;
    }
    size_t ns = 0;
    char **settings = kr_run_settings(&o, &d, &ns);
    kr_report_info info = {
        .title = "kairos backtest",
        .strategy = o.strategy,
        .settings = (const char *const *)settings,
        .nsettings = ns,
    };
    kr_error_clear(&err);
    rc = kr_report_write(o.out, &bt, &m, &d.in, &info, &err);
    kr_run_settings_free(settings, ns);
    if (rc) {
        status = kr_cli_fail_error(&err);
        goto done;
    }
    printf("kairos backtest: %s on %zu symbol%s, %llu bars in %.3f s "
           "(%.3g M bars/s)\n",
           o.strategy, d.n, d.n == 1 ? "" : "s",
           (unsigned long long)bt.nbars, secs,
           secs > 0 ? (double)bt.nbars / secs / 1e6 : 0.0);
    print_num("final equity", m.final_equity);
    print_pct("total return", m.total_return);
    print_pct("cagr", m.cagr);
    print_num("sharpe", m.sharpe);
    print_pct("max drawdown", m.max_drawdown);
    print_num("trades", m.trades);
    print_pct("win rate", m.win_rate);
    print_num("psr", m.psr);
    printf("results in %s/ (report.html, metrics.json, equity.csv, "
           "trades.csv, orders.csv)\n", o.out);
done:
    kr_backtest_free(&bt);
    kr_run_data_free(&d);
    kr_strategy_destroy(&strat);
    kr_run_opts_free(&o);
    return status;
}

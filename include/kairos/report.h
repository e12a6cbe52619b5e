/* report.h -- kairos reports: a finished run as CSV, JSON and one HTML page.
 *
 * A backtest's results (kr_backtest, engine.h) and its statistics
 * (kr_bt_metrics) become five files in an output directory:
 *
 *   metrics.json  every statistic by its kr_bt_metric_name, NaN and
 *                 infinities as null, plus the strategy and the settings;
 *   equity.csv    ts,equity,cash,exposure,drawdown: one row per point;
 *   trades.csv    one row per round trip, open ones with an empty exit_ts;
 *   orders.csv    every order in its final state, prices and quantities
 *                 written exactly from their fixed-point raw values;
 *   report.html   one self-contained page (inline CSS and SVG, nothing
 *                 fetched): header, statistics, equity against buy-and-hold,
 *                 drawdown, the distribution of returns, monthly returns,
 *                 prices with the trades, the trades table and the settings.
 *
 * Each part has a writer to a FILE * (for tests and for other commands);
 * kr_report_write puts all five in a directory, each one atomically. The
 * writers allocate a few arrays per report and nothing per point: a chart
 * keeps at most two points per pixel column (min and max), so the page of a
 * ten-million-bar run is a few MB. See docs/reports.md for every column.
 */
#ifndef KAIROS_REPORT_H
#define KAIROS_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "kairos/core.h"
#include "kairos/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a report says about the run besides its results. Every pointer is
 * borrowed for the duration of the call and may be NULL (nsettings 0). */
typedef struct kr_report_info {
    const char *title;           /* "kairos backtest" when NULL */
    const char *strategy;        /* the strategy spec as given */
    const char *const *settings; /* "key=value" strings: cash, fill, costs,
                                    data files, ... */
    size_t nsettings;
} kr_report_info;

/* kr_report_write writes metrics.json, equity.csv, trades.csv, orders.csv and
 * report.html into `dir`, creating it (and its parents) with mode 0755 when
 * missing. Each file is written as dir/.name.tmp, flushed, fsync'd and
 * renamed over dir/name, so a reader sees either the old file or the whole
 * new one; the directory is fsync'd at the end. `m` may be NULL (every
 * statistic is then null), as may `in` (symbols are then named S0, S1, ...
 * and the price charts and buy-and-hold are left out) and `info`. Returns
 * KR_OK; KR_EIO with err naming the file or directory and the system's
 * reason (no .tmp file is left behind); KR_EINVAL for a NULL dir or bt;
 * KR_ENOMEM. Files written before a failure stay. */
int kr_report_write(const char *dir, const kr_backtest *bt,
                    const kr_bt_metrics *m, const kr_backtest_input *in,
                    const kr_report_info *info, kr_error *err);

/* The parts, to a FILE * that the caller owns (it is neither flushed nor
 * closed). Each returns KR_OK, KR_EINVAL for a NULL stream or bt, KR_ENOMEM,
 * or KR_EIO when the stream reports an error. */
int kr_report_metrics_json(FILE *f, const kr_bt_metrics *m,
                           const kr_report_info *info);
int kr_report_equity_csv(FILE *f, const kr_backtest *bt);
int kr_report_trades_csv(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in);
int kr_report_orders_csv(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in);
int kr_report_html(FILE *f, const kr_backtest *bt, const kr_bt_metrics *m,
                   const kr_backtest_input *in, const kr_report_info *info);

/* The header line of each CSV, without the newline. */
#define KR_REPORT_EQUITY_HEADER "ts,equity,cash,exposure,drawdown"
#define KR_REPORT_TRADES_HEADER                                              \
    "symbol,side,entry_ts,entry_price,exit_ts,exit_price,qty,pnl,return,"    \
    "bars_held,costs"
#define KR_REPORT_ORDERS_HEADER                                              \
    "id,ts,symbol,side,type,tif,qty,limit_px,stop_px,status,filled_qty,"     \
    "avg_px,role,parent,tag,reason"

/* How many trades the HTML page lists (the rest are counted in a note). */
#define KR_REPORT_HTML_TRADES 200
/* How many symbols get a price chart. */
#define KR_REPORT_HTML_PRICE_CHARTS 8

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_REPORT_H */

/* csv.c -- equity.csv, trades.csv and orders.csv of a backtest.
 *
 * Three flat tables, one header line each (KR_REPORT_*_HEADER) and one row
 * per equity point, round trip or order. The number formats are chosen so
 * that nothing is lost between the run and the file:
 *
 *   - doubles (equity, cash, ratios, trade prices and P&L, which are averages
 *     or analytics) are written by kr_format_double, the shortest decimal
 *     that reads back as the same double; NaN is an empty field;
 *   - order prices and quantities are fixed-point in the run, and are written
 *     from their raw value at their precision by kr_fixed_format ("101.50"),
 *     exactly as the ledger holds them; an absent price is an empty field;
 *   - timestamps are ISO-8601 UTC with a Z (kr_time_format, KR_TIME_ISO);
 *   - text from outside (symbols, tags, reasons) is quoted when it needs to
 *     be (kr__csv_put).
 *
 * Rows are written straight to the stream; nothing is allocated. A stream
 * error anywhere shows up in ferror() at the end and is reported as KR_EIO.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report/internal.h"

static void put_double(FILE *f, double v)
{
    char buf[40];
    kr_format_double(v, buf, sizeof buf);
    fputs(buf, f);
}

static void put_ts(FILE *f, kr_ts t)
{
    char buf[40];
    if (t == KR_TS_NONE)
        return;
    kr_time_format(t, KR_TIME_ISO, buf, sizeof buf);
    fputs(buf, f);
}

static void put_fixed(FILE *f, int64_t raw, int precision)
{
    char buf[40];
    if (raw == KR_PX_NONE)
        return;
    kr_fixed_format(raw, precision, buf, sizeof buf);
    fputs(buf, f);
}

static int finish(FILE *f)
{
    return ferror(f) ? KR_EIO : KR_OK;
}

/* ------------------------------------------------------------------------
 * equity.csv
 * ------------------------------------------------------------------------ */

int kr_report_equity_csv(FILE *f, const kr_backtest *bt)
{
    if (f == NULL || bt == NULL)
        return KR_EINVAL;
    fputs(KR_REPORT_EQUITY_HEADER "\n", f);
    double peak = -INFINITY;
    for (size_t i = 0; i < bt->npoints; i++) {
        double e = bt->equity[i];
        if (e > peak)
            peak = e;
        put_ts(f, bt->ts[i]);
        fputc(',', f);
        put_double(f, e);
        fputc(',', f);
        if (bt->cash)
            put_double(f, bt->cash[i]);
        fputc(',', f);
        if (bt->cash && bt->gross && e != 0)
            put_double(f, bt->gross[i] / e);
        fputc(',', f);
        /* 1 - e/peak, and exactly 0 at a new peak; a peak <= 0 leaves the
         * drawdown undefined (empty). */
        if (peak > 0)
            put_double(f, e >= peak ? 0.0 : 1.0 - e / peak);
        fputc('\n', f);
    }
    return finish(f);
}

/* ------------------------------------------------------------------------
 * trades.csv
 * ------------------------------------------------------------------------ */

int kr_report_trades_csv(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in)
{
    if (f == NULL || bt == NULL)
        return KR_EINVAL;
    fputs(KR_REPORT_TRADES_HEADER "\n", f);
    char sym[24];
    for (size_t i = 0; i < bt->ntrades; i++) {
        const kr_trade *t = &bt->trades[i];
        kr__csv_put(f, kr__report_symbol(in, t->symbol, sym, sizeof sym));
        fprintf(f, ",%s,", kr__trade_side_name(t->side));
        put_ts(f, t->entry_ts);
        fputc(',', f);
        put_double(f, t->entry_price);
        fputc(',', f);
        put_ts(f, t->exit_ts);
        fputc(',', f);
        put_double(f, t->exit_price);
        fputc(',', f);
        put_double(f, t->qty);
        fputc(',', f);
        put_double(f, t->pnl);
        fputc(',', f);
        put_double(f, t->ret);
        fprintf(f, ",%" PRId64 ",", t->bars_held);
        put_double(f, t->costs);
        fputc('\n', f);
    }
    return finish(f);
}

/* ------------------------------------------------------------------------
 * orders.csv
 * ------------------------------------------------------------------------ */

int kr_report_orders_csv(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in)
{
    if (f == NULL || bt == NULL)
        return KR_EINVAL;
    fputs(KR_REPORT_ORDERS_HEADER "\n", f);
    char sym[24];
    for (size_t i = 0; i < bt->norders; i++) {
        const kr_order *o = &bt->orders[i];
        const kr_order_extra *x = bt->extra ? &bt->extra[i] : NULL;
        int pp = o->price_precision, sp = o->size_precision;
        fprintf(f, "%" PRIu64 ",", o->id);
        put_ts(f, o->ts_init);
        fputc(',', f);
        kr__csv_put(f, kr__report_symbol(in, o->symbol, sym, sizeof sym));
        fprintf(f, ",%s,%s,%s,", kr__order_side_name(o->side),
                kr_order_type_name(o->type), kr_tif_name(o->tif));
        put_fixed(f, o->qty, sp);
        fputc(',', f);
        put_fixed(f, o->limit_px, pp);
        fputc(',', f);
        put_fixed(f, o->stop_px, pp);
        fprintf(f, ",%s,", kr_order_status_name(o->status));
        put_fixed(f, o->filled_qty, sp);
        fputc(',', f);
        if (o->filled_qty > 0)
            put_fixed(f, o->avg_px_raw, pp);
        fprintf(f, ",%s,", x ? kr__role_name(x->role) : "entry");
        if (x && x->parent)
            fprintf(f, "%" PRIu64, x->parent);
        fputc(',', f);
        if (x) {
            char tag[sizeof x->tag];
            memcpy(tag, x->tag, sizeof tag);
            tag[sizeof tag - 1] = '\0';
            kr__csv_put(f, tag);
        }
        fputc(',', f);
        char reason[KR_ORDER_REASON_MAX];
        memcpy(reason, o->reason, sizeof reason);
        reason[sizeof reason - 1] = '\0';
        kr__csv_put(f, reason);
        fputc('\n', f);
    }
    return finish(f);
}

/* fixture.h -- a small backtest built by hand for the report tests.
 *
 * Two symbols: "AAA" and one named <b>&"x (HTML and CSV both have to quote
 * it). Thirty equity points, one a day: 2020-01-01 .. 01-15 rising by 200
 * a day from 100000 to 102800, then 2020-02-01 .. 02-15 falling by 100 a day
 * from 102700 to 101300. Cash and gross exposure are each half the equity,
 * so exposure is exactly 0.5 at every point. Month returns:
 *   January  102800 / 100000 - 1 = 0.028
 *   February 101300 / 102800 - 1 = -1500 / 102800 = -0.0145914396887159
 *   2020     101300 / 100000 - 1 = 0.013
 * Three trades (one still open) and five orders, one rejected with a comma
 * and quotes in its reason. Every figure is worked out where it is used.
 */
#ifndef KR_TEST_REPORT_FIXTURE_H
#define KR_TEST_REPORT_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/report.h"

#define FX_POINTS 30
#define FX_BARS 30

typedef struct fixture {
    kr_backtest bt;
    kr_bt_metrics m;
    kr_backtest_input in;
    kr_bars bars[2];
    kr_instrument inst[2];
    const char *names[2];
    kr_ts ts[FX_POINTS];
    double equity[FX_POINTS], cash[FX_POINTS], gross[FX_POINTS];
    double net[FX_POINTS], traded[FX_POINTS];
    kr_trade trades[3];
    kr_order orders[5];
    kr_order_extra extra[5];
} fixture;

static inline kr_ts fx_day(unsigned m, unsigned d)
{
    return kr_ts_from_civil(2020, m, d, 0, 0, 0, 0);
}

static inline kr_order fx_order(uint64_t id, uint32_t sym, int side, int type,
                                int tif, int64_t qty, int64_t limit,
                                int64_t stop, int status, int64_t filled,
                                int64_t avg, kr_ts ts)
{
    kr_order o;
    memset(&o, 0, sizeof o);
    o.id = id;
    o.symbol = sym;
    o.side = side;
    o.type = type;
    o.tif = tif;
    o.status = status;
    o.price_precision = 2;
    o.size_precision = 0;
    o.qty = qty;
    o.limit_px = limit;
    o.stop_px = stop;
    o.filled_qty = filled;
    o.avg_px_raw = filled ? avg : KR_PX_NONE;
    o.avg_px = filled ? (double)avg / 100 : NAN;
    o.ts_init = o.ts_last = ts;
    return o;
}

/* Fills *fx. The bars are allocated (kr_bars_init): call fx_free. */
static inline void fx_init(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    for (int i = 0; i < FX_POINTS; i++) {
        fx->ts[i] = i < 15 ? fx_day(1, (unsigned)i + 1)
                           : fx_day(2, (unsigned)i - 14);
        fx->equity[i] = i < 15 ? 100000.0 + 200.0 * i
                               : 102800.0 - 100.0 * (i - 14);
        fx->cash[i] = fx->equity[i] * 0.5;
        fx->gross[i] = fx->equity[i] * 0.5;
        fx->net[i] = fx->gross[i];
    }
    fx->names[0] = "AAA";
    fx->names[1] = "<b>&\"x";
    for (uint32_t s = 0; s < 2; s++) {
        kr_instrument_init(&fx->inst[s], s, 2, 0);
        kr_bars_init(&fx->bars[s], s, FX_BARS, 0);
        /* AAA closes 100, 101, ... 129; the other 50, 49.5, ... */
        for (int i = 0; i < FX_BARS; i++) {
            double c = s == 0 ? 100.0 + i : 50.0 - 0.5 * i;
            kr_bars_push(&fx->bars[s], fx->ts[i], c, c + 1, c - 1, c, 1000,
                         0, 0);
        }
    }
    fx->in.bars = fx->bars;
    fx->in.inst = fx->inst;
    fx->in.names = fx->names;
    fx->in.n = 2;

    /* 1: AAA long 100 @ 100.50 -> 110.25: 975 gross - 5 costs = 970,
     *    ret 970 / 10050. 2: the other short 200 @ 50 -> 45: 1000 - 4 =
     *    996, ret 996 / 10000 = 0.0996. 3: AAA long 50 @ 120, still open,
     *    marked at 118: -100 - 2 = -102, ret -102 / 6000 = -0.017. */
    kr_trade t1 = {0, KR_BUY, fx_day(1, 2), fx_day(1, 10), 100.5, 110.25,
                   100, 970, 970.0 / 10050.0, 5, 6};
    kr_trade t2 = {1, KR_SELL, fx_day(1, 15), fx_day(2, 3), 50, 45,
                   200, 996, 0.0996, 4, 10};
    kr_trade t3 = {0, KR_BUY, fx_day(2, 10), KR_TS_NONE, 120, 118,
                   50, -102, -0.017, 2, 4};
    fx->trades[0] = t1;
    fx->trades[1] = t2;
    fx->trades[2] = t3;

    fx->orders[0] = fx_order(1, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100,
                             KR_PX_NONE, KR_PX_NONE, KR_ORDER_FILLED, 100,
                             10050, fx_day(1, 1));
    fx->orders[1] = fx_order(2, 1, KR_SELL, KR_ORDER_LIMIT, KR_TIF_DAY, 200,
                             5000, KR_PX_NONE, KR_ORDER_FILLED, 200, 5000,
                             fx_day(1, 14));
    fx->orders[2] = fx_order(3, 1, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 200,
                             KR_PX_NONE, 4500, KR_ORDER_FILLED, 200, 4500,
                             fx_day(1, 15));
    fx->orders[3] = fx_order(4, 0, KR_BUY, KR_ORDER_STOP_LIMIT, KR_TIF_GTC,
                             10, 12100, 12050, KR_ORDER_CANCELED, 0, 0,
                             fx_day(2, 4));
    fx->orders[4] = fx_order(5, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_IOC,
                             1000000, KR_PX_NONE, KR_PX_NONE,
                             KR_ORDER_REJECTED, 0, 0, fx_day(2, 5));
    snprintf(fx->orders[4].reason, sizeof fx->orders[4].reason,
             "notional 1,000,000 > \"max\" 500,000");
    for (int i = 0; i < 5; i++) {
        fx->extra[i].role = KR_ROLE_ENTRY;
        fx->extra[i].target = NAN;
    }
    snprintf(fx->extra[0].tag, sizeof fx->extra[0].tag, "sma");
    fx->extra[2].role = KR_ROLE_STOP_LOSS;
    fx->extra[2].parent = 2;

    kr_backtest *bt = &fx->bt;
    bt->npoints = FX_POINTS;
    bt->ts = fx->ts;
    bt->equity = fx->equity;
    bt->cash = fx->cash;
    bt->gross = fx->gross;
    bt->net = fx->net;
    bt->traded = fx->traded;
    bt->orders = fx->orders;
    bt->extra = fx->extra;
    bt->norders = 5;
    bt->trades = fx->trades;
    bt->ntrades = 3;
    bt->pf.ccy_precision = 2;
    bt->pf.initial_cash = 10000000; /* 100000.00 */
    bt->ppy = 252;
    bt->nbars = 60;

    /* Statistics by hand, some undefined: NaN and infinity become null. */
    kr_bt_metrics *m = &fx->m;
    m->total_return = 0.013;
    m->cagr = 0.115;
    m->volatility = 0.0421;
    m->sharpe = 1.25;
    m->sortino = NAN;
    m->calmar = 0.1 / 3.0;
    m->max_drawdown = 1500.0 / 102800.0;
    m->max_drawdown_duration = 15;
    m->trades = 2;
    m->win_rate = 1;
    m->profit_factor = INFINITY;
    m->expectancy = 983;
    m->avg_win = 983;
    m->avg_loss = NAN;
    m->exposure = 1;
    m->turnover = 3.5;
    m->var_95 = 0.001;
    m->es_95 = 0.0012;
    m->skew = -0.25;
    m->kurtosis = 2.5;
    m->psr = 0.9;
    m->dsr = 0.9;
    m->sharpe_per_bar = 0.0787;
    m->final_equity = 101300;
    m->costs = 11;
    m->ppy = 252;
    m->bars = 30;
}

static inline void fx_free(fixture *fx)
{
    kr_bars_free(&fx->bars[0]);
    kr_bars_free(&fx->bars[1]);
}

/* Runs a writer into memory and returns the bytes (malloc'd, NUL ended). */
typedef int (*fx_writer)(FILE *f, const fixture *fx);

static inline char *fx_capture(fx_writer w, const fixture *fx, int *rc,
                               size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        return NULL;
    *rc = w(f, fx);
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

/* The n-th line (0-based) of text, copied into out without its newline. */
static inline const char *fx_line(const char *text, int n, char *out,
                                  size_t size)
{
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (p == NULL || *p == '\0')
        return NULL;
    const char *e = strchr(p, '\n');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    if (k >= size)
        k = size - 1;
    memcpy(out, p, k);
    out[k] = '\0';
    return out;
}

static inline size_t fx_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

#endif /* KR_TEST_REPORT_FIXTURE_H */

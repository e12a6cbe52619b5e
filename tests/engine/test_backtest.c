/* test_backtest.c -- tests of src/engine/backtest.c: the runner, the
 * context, brackets, shorting and borrow, margin calls, risk rejections,
 * target sizing, round-trip trades, the ledger over a long multi-symbol
 * run, and the absence of look-ahead.
 *
 * Most tests drive a "script" strategy: a list of order requests, each to
 * be sent while the strategy handles a given bar of a given symbol. Prices
 * are to 0.01 and quantities whole units unless a test says otherwise;
 * daily bars start on Monday 2024-01-01 and run every day. Expected values
 * are worked by hand in the comments. The fill rule is next_open unless a
 * test says otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "kairos/engine.h"

#define DAY INT64_C(86400000000000)
#define T0 INT64_C(1704067200000000000) /* 2024-01-01T00:00:00Z */

/* ------------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------------ */

typedef struct row {
    double o, h, l, c, v;
} row;

static void make_bars(kr_bars *b, uint32_t sym, const row *rows, size_t n,
                      kr_ts t0, int64_t step)
{
    assert_int_equal(kr_bars_init(b, sym, n, 0), KR_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kr_bars_push(b, t0 + (int64_t)i * step, rows[i].o,
                                      rows[i].h, rows[i].l, rows[i].c,
                                      rows[i].v, 0, 0),
                         KR_OK);
}

static kr_instrument instrument(uint32_t sym, int size_precision)
{
    kr_instrument inst;
    assert_int_equal(kr_instrument_init(&inst, sym, 2, size_precision),
                     KR_OK);
    return inst;
}

typedef struct action {
    uint32_t symbol;
    size_t bar; /* 0-based index of the symbol's bar being handled */
    kr_order_request req;
} action;

#define MAX_LOG 64

typedef struct script {
    const action *acts;
    size_t nacts;
    int rc[MAX_LOG];     /* kr_ctx_submit's answer, by action */
    uint64_t id[MAX_LOG];
    size_t nbars_seen;   /* on_bar calls */
    kr_ts bar_ts[MAX_LOG];
    uint32_t bar_sym[MAX_LOG];
    size_t nfills;
    size_t nevents[KR_ORDER_EVENT_COUNT];
    uint64_t timer_fired_at_bar; /* bars seen when the timer fired */
    kr_ts timer_ts;
} script;

static int script_bar(void *self, kr_ctx *ctx, uint32_t sym, const kr_bar *b)
{
    script *s = self;
    kr_bar_view v;
    assert_int_equal(kr_ctx_history(ctx, sym, &v), KR_OK);
    /* The history ends at the bar being handled, never later. */
    assert_true(v.n >= 1);
    assert_int_equal(v.ts[v.n - 1], b->ts);
    assert_true(b->close == v.close[v.n - 1]);
    assert_int_equal(kr_ctx_now(ctx), b->ts);
    if (s->nbars_seen < MAX_LOG) {
        s->bar_ts[s->nbars_seen] = b->ts;
        s->bar_sym[s->nbars_seen] = sym;
    }
    s->nbars_seen++;
    for (size_t i = 0; i < s->nacts; i++)
        if (s->acts[i].symbol == sym && s->acts[i].bar == v.n - 1)
            s->rc[i] = kr_ctx_submit(ctx, &s->acts[i].req, &s->id[i]);
    return 0;
}

static int script_fill(void *self, kr_ctx *ctx, const kr_fill *f)
{
    (void)ctx;
    (void)f;
    ((script *)self)->nfills++;
    return 0;
}

static int script_event(void *self, kr_ctx *ctx, const kr_order *o, int ev)
{
    (void)ctx;
    (void)o;
    ((script *)self)->nevents[ev]++;
    return 0;
}

static int script_timer(void *self, kr_ctx *ctx, uint64_t id, kr_ts ts)
{
    script *s = self;
    (void)ctx;
    assert_int_equal(id, 7);
    s->timer_fired_at_bar = s->nbars_seen;
    s->timer_ts = ts;
    return 0;
}

static int script_start(void *self, kr_ctx *ctx)
{
    (void)self;
    /* A timer at the third bar's time fires before that bar. */
    return kr_ctx_timer(ctx, T0 + 2 * DAY, 7);
}

static const kr_strategy_ops script_ops = {
    .name = "script",
    .on_start = script_start,
    .on_bar = script_bar,
    .on_order_event = script_event,
    .on_fill = script_fill,
    .on_timer = script_timer,
};

static kr_order_request market(uint32_t sym, int side, double qty)
{
    kr_order_request r;
    kr_order_request_init(&r);
    r.symbol = sym;
    r.side = side;
    r.qty = qty;
    return r;
}

static int run_script(kr_backtest *bt, kr_backtest_config *cfg,
                      const kr_bars *bars, const kr_instrument *inst,
                      size_t n, script *s)
{
    kr_backtest_input in = {bars, inst, NULL, n};
    kr_strategy strat = {&script_ops, s};
    kr_backtest_init(bt);
    cfg->check_ledger = 1;
    return kr_backtest_run(bt, cfg, &in, &strat, NULL);
}

/* Five flat-ish bars used by several tests. */
static const row FIVE[] = {
    {100, 101, 99, 100, 1000},  /* d0 */
    {102, 104, 101, 103, 1000}, /* d1 */
    {103, 106, 102, 105, 1000}, /* d2 */
    {105, 107, 100, 101, 1000}, /* d3 */
    {99, 100, 95, 96, 1000},    /* d4 */
};

/* ------------------------------------------------------------------------
 * Basic round trip
 * ------------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 0, FIVE, 5, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_BUY, 10)},
                     {0, 2, market(0, KR_SELL, 10)}};
    script s = {.acts = acts, .nacts = 2};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(s.rc[0], KR_OK);
    assert_int_equal(s.rc[1], KR_OK);
    /* Bought 10 at d1's open 102.00 = 1020.00; sold 10 at d3's open 105.00
     * = 1050.00: +30.00. */
    assert_int_equal(bt.nfills, 2);
    assert_int_equal(bt.fills[0].price, 10200);
    assert_int_equal(bt.fills[0].ts, T0 + DAY);
    assert_int_equal(bt.fills[1].price, 10500);
    assert_int_equal(bt.fills[1].ts, T0 + 3 * DAY);
    assert_int_equal(bt.pf.cash, 1003000);
    /* The equity curve, marked at the closes: d0 10000; d1 10000 - 1020 +
     * 1030 = 10010; d2 10000 - 1020 + 1050 = 10030; d3 and d4 10030. */
    assert_int_equal(bt.npoints, 5);
    const double want[] = {10000, 10010, 10030, 10030, 10030};
    for (size_t i = 0; i < 5; i++)
        assert_float_equal(bt.equity[i], want[i], 1e-9);
    assert_float_equal(bt.cash[1], 8980, 1e-9);
    assert_float_equal(bt.gross[1], 1030, 1e-9);
    assert_float_equal(bt.traded[1], 1020, 1e-9);
    assert_float_equal(bt.traded[3], 1050, 1e-9);
    /* One round trip: 2 bars held (d1 to d3), pnl 30, return 30 / 1020. */
    assert_int_equal(bt.ntrades, 1);
    assert_int_equal(bt.trades[0].side, KR_BUY);
    assert_float_equal(bt.trades[0].entry_price, 102, 1e-12);
    assert_float_equal(bt.trades[0].exit_price, 105, 1e-12);
    assert_float_equal(bt.trades[0].pnl, 30, 1e-9);
    assert_float_equal(bt.trades[0].ret, 30.0 / 1020.0, 1e-12);
    assert_int_equal(bt.trades[0].bars_held, 2);
    assert_int_equal(bt.trades[0].entry_ts, T0 + DAY);
    assert_int_equal(bt.trades[0].exit_ts, T0 + 3 * DAY);
    /* Both orders filled; the strategy saw submit... no: accept and fill
     * events (submit is the engine's own). */
    assert_int_equal(bt.norders, 2);
    assert_int_equal(bt.orders[0].status, KR_ORDER_FILLED);
    assert_int_equal(bt.orders[1].status, KR_ORDER_FILLED);
    assert_int_equal(s.nfills, 2);
    assert_int_equal(s.nevents[KR_OEV_FILL], 2);
    assert_int_equal(s.nevents[KR_OEV_ACCEPT], 2);
    /* The timer at d2 fired before d2's bar: two bars had been seen. */
    assert_int_equal(s.timer_fired_at_bar, 2);
    assert_int_equal(s.timer_ts, T0 + 2 * DAY);
    assert_int_equal(bt.nbars, 5);
    assert_float_equal(bt.ppy, 252, 0); /* Monday to Friday: 252 */
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* Under the close rule the same script fills at the decision bars' closes. */
static void test_fill_close_rule(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 0, FIVE, 5, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_BUY, 10)},
                     {0, 2, market(0, KR_SELL, 10)}};
    script s = {.acts = acts, .nacts = 2};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    cfg.venue.fill_rule = KR_FILL_CLOSE;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    /* Bought at d0's close 100, sold at d2's close 105: +50. */
    assert_int_equal(bt.nfills, 2);
    assert_int_equal(bt.fills[0].price, 10000);
    assert_int_equal(bt.fills[0].ts, T0);
    assert_int_equal(bt.fills[1].price, 10500);
    assert_int_equal(bt.pf.cash, 1005000);
    assert_float_equal(bt.equity[0], 10000, 1e-9);
    assert_float_equal(bt.equity[1], 10030, 1e-9); /* 9000 + 10 x 103 */
    kr_backtest_free(&bt);
    /* next_close: d1's close 103 and d3's close 101: -20. */
    cfg.venue.fill_rule = KR_FILL_NEXT_CLOSE;
    memset(&s, 0, sizeof s);
    s.acts = acts;
    s.nacts = 2;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(bt.fills[0].price, 10300);
    assert_int_equal(bt.fills[1].price, 10100);
    assert_int_equal(bt.pf.cash, 998000);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Target orders resolve at the fill
 * ------------------------------------------------------------------------ */

static void test_target_resolves_at_fill(void **state)
{
    (void)state;
    /* Decided at d0's close 100 with 1000 cash; d1 gaps up to open 125.
     * Sized at the decision price the order would buy 10 units = 1250 and
     * leave the account 250 short. Resolved at the fill: (1000 - 0.01) /
     * 125 = 7.99992 -> 7 whole units = 875.00, cash 125.00. */
    const row rows[] = {{100, 100, 100, 100, 1000},
                        {125, 126, 124, 125, 1000},
                        {125, 126, 124, 125, 1000}};
    kr_bars b;
    make_bars(&b, 0, rows, 3, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    kr_order_request r;
    kr_order_request_init(&r);
    r.target = 1.0;
    action acts[] = {{0, 0, r}};
    script s = {.acts = acts, .nacts = 1};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 1000;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(s.rc[0], KR_OK);
    assert_int_equal(bt.nfills, 1);
    assert_int_equal(bt.fills[0].qty, 7);
    assert_int_equal(bt.pf.cash, 12500);
    assert_int_equal(bt.orders[0].qty, 7); /* resized from 10 */
    assert_int_equal(bt.orders[0].status, KR_ORDER_FILLED);
    kr_backtest_free(&bt);

    /* Fractional units (size precision 6) and 5 bps commission: the most
     * units whose cost leaves a cent. 7.995959 units at 125 = 999.494875
     * -> 999.49, commission 5 bps = 0.499745 -> 0.50: 999.99, cash 0.01.
     * 7.995960 units = 999.495, a tie, half to even 999.50, plus 0.50 =
     * 1000.00: no cent left. */
    inst = instrument(0, 6);
    cfg.venue.cost.comm = KR_COMM_BPS;
    cfg.venue.cost.comm_bps = 5;
    memset(&s, 0, sizeof s);
    s.acts = acts;
    s.nacts = 1;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(bt.nfills, 1);
    assert_int_equal(bt.fills[0].qty, 7995959);
    assert_int_equal(bt.fills[0].commission, 50);
    assert_true(bt.pf.cash >= 0);
    assert_int_equal(bt.pf.cash, 1);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* A target already held sends nothing; target 0 closes. */
static void test_target_flat(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 0, FIVE, 5, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    kr_order_request in, out;
    kr_order_request_init(&in);
    in.target = 0.5;
    kr_order_request_init(&out);
    out.target = 0;
    action acts[] = {{0, 0, in}, {0, 1, in}, {0, 2, out}};
    script s = {.acts = acts, .nacts = 3};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    /* d0: half of 10000 at d1's open 102: (5000 - 0.01) / 102 = 49.02 ->
     * 49 units for 4998.00. d1 asks for 0.5 again: at d1's close 103 the
     * goal is 0.5 x (5002 + 49 x 103) / 103 = 48.78 units, 0.22 from the
     * position, which rounds to no unit: nothing is sent (id 0). d2: flat,
     * 49 sold at d3's open 105. */
    assert_int_equal(s.rc[1], KR_OK);
    assert_int_equal(s.id[1], 0);
    assert_int_equal(bt.norders, 2);
    assert_int_equal(bt.nfills, 2);
    assert_int_equal(bt.fills[0].qty, 49);
    assert_int_equal(bt.fills[0].price, 10200);
    assert_int_equal(bt.fills[1].qty, 49);
    assert_int_equal(bt.fills[1].side, KR_SELL);
    assert_int_equal(bt.fills[1].price, 10500);
    assert_int_equal(bt.pf.pos[0].qty, 0);
    /* 10000 - 4998 + 5145 = 10147.00 */
    assert_int_equal(bt.pf.cash, 1014700);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* Large positions in small quanta: 100000.00 at 50.00 buys 1999.999899
 * units (99999.99495, 99999.99 to the cent; 1999.9999 would cost
 * 99999.995, a tie that rounds to even, 100000.00: no cent left), about
 * two billion millionths, where a relative rounding tolerance of
 * 1e-9 would be two whole quanta. A target of 0 must sell exactly what is
 * held, not one quantum more (which no-shorting would refuse). */
static void test_target_large_position(void **state)
{
    (void)state;
    const row rows[] = {{50, 50, 50, 50, 1e9},
                        {50, 50, 50, 50, 1e9},
                        {50, 50, 50, 50, 1e9},
                        {50, 50, 50, 50, 1e9}};
    kr_bars b;
    make_bars(&b, 0, rows, 4, T0, DAY);
    kr_instrument inst = instrument(0, 6);
    kr_order_request in, out;
    kr_order_request_init(&in);
    in.target = 1;
    kr_order_request_init(&out);
    out.target = 0;
    action acts[] = {{0, 0, in}, {0, 1, out}};
    script s = {.acts = acts, .nacts = 2};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(s.rc[1], KR_OK);
    assert_int_equal(bt.nfills, 2);
    assert_int_equal(bt.fills[0].qty, INT64_C(1999999899));
    assert_int_equal(bt.fills[1].qty, INT64_C(1999999899));
    assert_int_equal(bt.pf.pos[0].qty, 0);
    assert_int_equal(bt.pf.cash, 10000000);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Brackets
 * ------------------------------------------------------------------------ */

static void test_bracket_stop_first(void **state)
{
    (void)state;
    /* Entry at d1's open 100 with a take-profit at 110 and a stop-loss at
     * 95. The children work from d2. d2 ranges 94..111: both legs are in
     * range; a sell's path is open, low, high, so the stop triggers first
     * at 95 and the take-profit is canceled. Loss 10 x 5 = 50. */
    const row rows[] = {{100, 100, 100, 100, 1000},
                        {100, 101, 99, 100, 1000},
                        {100, 111, 94, 105, 1000},
                        {105, 106, 104, 105, 1000}};
    kr_bars b;
    make_bars(&b, 0, rows, 4, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    kr_order_request r = market(0, KR_BUY, 10);
    r.take_profit = 110;
    r.stop_loss = 95;
    action acts[] = {{0, 0, r}};
    script s = {.acts = acts, .nacts = 1};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(bt.norders, 3);
    const kr_order *tp = &bt.orders[1], *sl = &bt.orders[2];
    assert_int_equal(bt.extra[1].role, KR_ROLE_TAKE_PROFIT);
    assert_int_equal(bt.extra[2].role, KR_ROLE_STOP_LOSS);
    assert_int_equal(bt.extra[1].parent, 1);
    assert_int_equal(bt.extra[1].oco, 3);
    assert_int_equal(bt.extra[2].oco, 2);
    assert_int_equal(sl->status, KR_ORDER_FILLED);
    assert_int_equal(sl->avg_px_raw, 9500);
    assert_int_equal(tp->status, KR_ORDER_CANCELED);
    assert_int_equal(bt.pf.pos[0].qty, 0);
    assert_int_equal(bt.pf.cash, 1000000 - 5000);
    assert_int_equal(bt.ntrades, 1);
    assert_float_equal(bt.trades[0].pnl, -50, 1e-9);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

static void test_bracket_take_profit(void **state)
{
    (void)state;
    /* Same entry; d2 stays above the stop and reaches 110: the take-profit
     * fills at 110 and the stop-loss is canceled. Gain 10 x 10 = 100. */
    const row rows[] = {{100, 100, 100, 100, 1000},
                        {100, 101, 99, 100, 1000},
                        {101, 112, 100, 108, 1000},
                        {105, 106, 90, 91, 1000}};
    kr_bars b;
    make_bars(&b, 0, rows, 4, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    kr_order_request r = market(0, KR_BUY, 10);
    r.take_profit = 110;
    r.stop_loss = 95;
    action acts[] = {{0, 0, r}};
    script s = {.acts = acts, .nacts = 1};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(bt.orders[1].status, KR_ORDER_FILLED);
    assert_int_equal(bt.orders[1].avg_px_raw, 11000);
    assert_int_equal(bt.orders[2].status, KR_ORDER_CANCELED);
    assert_int_equal(bt.pf.cash, 1000000 + 10000);
    assert_int_equal(bt.nfills, 2);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Shorting, borrow, margin
 * ------------------------------------------------------------------------ */

static void test_no_shorting(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 0, FIVE, 5, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_SELL, 5)},
                     {0, 1, market(0, KR_BUY, 5)},
                     {0, 1, market(0, KR_SELL, 5)},
                     {0, 1, market(0, KR_SELL, 1)}};
    script s = {.acts = acts, .nacts = 4};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    /* A sell from flat is refused; at d1 a buy of 5 and a sell of 5 are
     * pending together (flat in all), and a further sell of 1 would make
     * -1 once they fill: refused. */
    assert_int_equal(s.rc[0], KR_EREJECTED);
    assert_int_equal(bt.orders[0].status, KR_ORDER_REJECTED);
    assert_non_null(strstr(bt.orders[0].reason, "no shorting"));
    assert_int_equal(s.rc[1], KR_OK);
    assert_int_equal(s.rc[2], KR_OK);
    assert_int_equal(s.rc[3], KR_EREJECTED);
    assert_int_equal(s.nevents[KR_OEV_REJECT], 2);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

static void test_short_with_borrow(void **state)
{
    (void)state;
    /* Short 10 at d1's open 100 and cover at d5's open 90, at 36.5% a
     * year: 1000 x 0.365 / 365 = 1.00 a day on the short held since the
     * previous close, charged as d2, d3, d4 and d5 begin (before d5's open
     * covers it): 4.00. Trade P&L 100 - 4 = 96. */
    const row rows[] = {{100, 100, 100, 100, 1000},
                        {100, 100, 100, 100, 1000},
                        {100, 100, 100, 100, 1000},
                        {100, 100, 100, 100, 1000},
                        {100, 100, 100, 100, 1000},
                        {90, 90, 90, 90, 1000}};
    kr_bars b;
    make_bars(&b, 0, rows, 6, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_SELL, 10)},
                     {0, 4, market(0, KR_BUY, 10)}};
    script s = {.acts = acts, .nacts = 2};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    cfg.allow_short = 1;
    cfg.borrow_rate = 0.365;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(s.rc[0], KR_OK);
    assert_int_equal(bt.borrow_paid, 400);
    assert_int_equal(bt.pf.pos[0].fees, 400);
    assert_int_equal(bt.pf.cash, 1000000 + 10000 - 400);
    assert_int_equal(bt.ntrades, 1);
    assert_int_equal(bt.trades[0].side, KR_SELL);
    assert_float_equal(bt.trades[0].pnl, 96, 1e-9);
    assert_float_equal(bt.trades[0].costs, 4, 1e-9);
    assert_float_equal(bt.equity[4], 9997, 1e-9);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

static void test_margin_call(void **state)
{
    (void)state;
    /* 2x leverage: 1000 cash buys 19 units at d1's open 100 (the fill's
     * room is 2 x 1000 - 0.01 = 1999.99 -> 19 units, 1900.00). At d2's
     * close 60 equity is 1000 - 19 x 40 = 240 and gross 19 x 60 = 1140;
     * maintenance 25% of 1140 is 285 > 240: margin call, all sold at that
     * close: cash 1000 - 1900 + 1140 = 240. */
    const row rows[] = {{100, 100, 100, 100, 1000},
                        {100, 100, 100, 100, 1000},
                        {90, 90, 60, 60, 1000},
                        {70, 70, 70, 70, 1000}};
    kr_bars b;
    make_bars(&b, 0, rows, 4, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_BUY, 25)}};
    script s = {.acts = acts, .nacts = 1};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 1000;
    cfg.max_leverage = 2.0;
    cfg.risk.max_leverage = 0;
    cfg.maintenance_margin = 0.25;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    /* 25 units at 100 is 2.5x at the decision: refused by risk. */
    assert_int_equal(s.rc[0], KR_EREJECTED);
    assert_non_null(strstr(bt.orders[0].reason, "max_leverage"));
    kr_backtest_free(&bt);

    action acts2[] = {{0, 0, market(0, KR_BUY, 19.5)}};
    memset(&s, 0, sizeof s);
    s.acts = acts2;
    s.nacts = 1;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    assert_int_equal(s.rc[0], KR_OK);
    assert_int_equal(bt.fills[0].qty, 19);
    assert_int_equal(bt.margin_calls, 1);
    assert_int_equal(bt.norders, 2);
    assert_int_equal(bt.extra[1].role, KR_ROLE_LIQUIDATION);
    assert_int_equal(bt.fills[1].price, 6000);
    assert_int_equal(bt.fills[1].ts, T0 + 2 * DAY);
    assert_int_equal(bt.pf.pos[0].qty, 0);
    assert_int_equal(bt.pf.cash, 24000);
    assert_float_equal(bt.equity[2], 240, 1e-9);
    assert_float_equal(bt.equity[3], 240, 1e-9);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

static void test_risk_limits(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 0, FIVE, 5, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_BUY, 20)},
                     {0, 1, market(0, KR_BUY, 8)},
                     {0, 2, market(0, KR_BUY, 4)},
                     {0, 3, market(0, KR_SELL, 8)}};
    script s = {.acts = acts, .nacts = 4};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 100000;
    cfg.risk.max_order_notional = 1500;
    cfg.risk.max_position = 10;
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, &b, &inst, 1, &s), KR_OK);
    /* 20 x 100 = 2000 > 1500; 8 x 103 passes; 8 + 4 = 12 > 10; selling 8
     * reduces the position: always allowed. */
    assert_int_equal(s.rc[0], KR_EREJECTED);
    assert_non_null(strstr(bt.orders[0].reason, "max_order_notional"));
    assert_int_equal(s.rc[1], KR_OK);
    assert_int_equal(s.rc[2], KR_EREJECTED);
    assert_non_null(strstr(bt.orders[2].reason, "max_position"));
    assert_int_equal(s.rc[3], KR_OK);
    assert_int_equal(bt.pf.pos[0].qty, 0);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Several symbols
 * ------------------------------------------------------------------------ */

static void test_merge_order(void **state)
{
    (void)state;
    /* Symbol 0 trades every day, symbol 1 every other day from d1. */
    kr_bars b[2];
    make_bars(&b[0], 0, FIVE, 5, T0, DAY);
    make_bars(&b[1], 1, FIVE, 3, T0 + DAY, 2 * DAY);
    kr_instrument inst[2] = {instrument(0, 0), instrument(1, 0)};
    action acts[] = {{1, 0, market(1, KR_BUY, 1)}};
    script s = {.acts = acts, .nacts = 1};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    kr_backtest bt;
    assert_int_equal(run_script(&bt, &cfg, b, inst, 2, &s), KR_OK);
    /* Bars by (ts, symbol): d0 s0, d1 s0, d1 s1, d2 s0, d3 s0, d3 s1, d4
     * s0, d5 s1; points at the 6 distinct days. */
    const kr_ts ts[] = {0, 1, 1, 2, 3, 3, 4, 5};
    const uint32_t sy[] = {0, 0, 1, 0, 0, 1, 0, 1};
    assert_int_equal(s.nbars_seen, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(s.bar_ts[i], T0 + ts[i] * DAY);
        assert_int_equal(s.bar_sym[i], sy[i]);
    }
    assert_int_equal(bt.npoints, 6);
    /* The timer at d2 fires after the three bars of d0 and d1, before d2's
     * bar. */
    assert_int_equal(s.timer_fired_at_bar, 3);
    assert_int_equal(s.timer_ts, T0 + 2 * DAY);
    /* Symbol 1 bought at its next bar's open (d3, FIVE[1].o = 102). */
    assert_int_equal(bt.fills[0].ts, T0 + 3 * DAY);
    assert_int_equal(bt.fills[0].price, 10200);
    kr_backtest_free(&bt);
    kr_bars_free(&b[0]);
    kr_bars_free(&b[1]);
}

/* ------------------------------------------------------------------------
 * Ledger identity over a long random run
 * ------------------------------------------------------------------------ */

typedef struct chaos {
    uint64_t rng;
    size_t nsym;
    uint64_t submitted, rejected;
} chaos;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double uniform(uint64_t *s)
{
    return (double)(next_rand(s) >> 11) / 9007199254740992.0;
}

static int chaos_bar(void *self, kr_ctx *ctx, uint32_t sym, const kr_bar *b)
{
    chaos *c = self;
    double u = uniform(&c->rng);
    if (u > 0.05)
        return 0;
    kr_order_request r;
    kr_order_request_init(&r);
    r.symbol = sym;
    double v = uniform(&c->rng);
    if (v < 0.3) {
        r.target = uniform(&c->rng) * 0.06 - 0.02; /* -2% .. 4% */
    } else {
        r.side = uniform(&c->rng) < 0.5 ? KR_BUY : KR_SELL;
        r.qty = 1 + floor(uniform(&c->rng) * 50);
        double w = uniform(&c->rng);
        if (w < 0.3) {
            r.type = KR_ORDER_LIMIT;
            r.limit_px = b->close * (1 - r.side * 0.01);
        } else if (w < 0.5) {
            r.type = KR_ORDER_STOP;
            r.stop_px = b->close * (1 + r.side * 0.01);
        } else if (w < 0.6) {
            r.type = KR_ORDER_STOP_LIMIT;
            r.stop_px = b->close * (1 + r.side * 0.01);
            r.limit_px = r.stop_px * (1 + r.side * 0.005);
        }
        r.tif = (int)(uniform(&c->rng) * 4);
        if (uniform(&c->rng) < 0.2) {
            r.take_profit = b->close * (1 + r.side * 0.03);
            r.stop_loss = b->close * (1 - r.side * 0.02);
        }
    }
    int rc = kr_ctx_submit(ctx, &r, NULL);
    c->submitted++;
    if (rc == KR_EREJECTED)
        c->rejected++;
    else if (rc != KR_OK)
        return rc;
    if (uniform(&c->rng) < 0.01)
        kr_ctx_cancel_all(ctx, sym);
    return 0;
}

static const kr_strategy_ops chaos_ops = {.name = "chaos",
                                          .on_bar = chaos_bar};

static void test_ledger_million_bars(void **state)
{
    (void)state;
    /* 50 symbols x 20000 bars = 1,000,000 bars of random walks; a random
     * strategy sends every kind of order; shorting, borrow, commissions
     * and slippage on. The ledger is re-derived from scratch after every
     * fill and every bar group (check_ledger), and at the end the cash
     * equals the initial cash plus the fills' flows minus every cost. */
    enum { NSYM = 50, NBARS = 20000 };
    kr_bars *b = calloc(NSYM, sizeof *b);
    kr_instrument inst[NSYM];
    uint64_t rng = 88172645463325252ull;
    for (uint32_t s = 0; s < NSYM; s++) {
        assert_int_equal(kr_bars_init(&b[s], s, NBARS, 0), KR_OK);
        double px = 20 + 10 * s;
        for (size_t i = 0; i < NBARS; i++) {
            double o = px * (1 + (uniform(&rng) - 0.5) * 0.01);
            double c = o * (1 + (uniform(&rng) - 0.5) * 0.02);
            double h = fmax(o, c) * (1 + uniform(&rng) * 0.01);
            double l = fmin(o, c) * (1 - uniform(&rng) * 0.01);
            assert_int_equal(kr_bars_push(&b[s], T0 + (int64_t)i * 3600 *
                                                      INT64_C(1000000000),
                                          o, h, l, c, 1000 + 100 * s, 0, 0),
                             KR_OK);
            px = c;
        }
        inst[s] = instrument(s, s % 2 ? 0 : 3);
    }
    kr_backtest_input in = {b, inst, NULL, NSYM};
    chaos c = {.rng = 12345, .nsym = NSYM};
    kr_strategy strat = {&chaos_ops, &c};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 1e6;
    cfg.allow_short = 1;
    cfg.borrow_rate = 0.05;
    cfg.max_leverage = 3;
    cfg.venue.volume_cap = 0.5;
    cfg.venue.cost.comm = KR_COMM_PER_SHARE;
    cfg.venue.cost.per_share = 0.005;
    cfg.venue.cost.min_commission = 1;
    cfg.venue.cost.slip = KR_SLIP_BPS;
    cfg.venue.cost.slip_bps = 2;
    cfg.check_ledger = 1;
    kr_backtest bt;
    kr_backtest_init(&bt);
    kr_error err;
    assert_int_equal(kr_backtest_run(&bt, &cfg, &in, &strat, &err), KR_OK);
    assert_int_equal(bt.nbars, (uint64_t)NSYM * NBARS);
    assert_true(bt.nfills > 10000);
    assert_true(c.rejected < c.submitted);
    assert_int_equal(kr_portfolio_check(&bt.pf), KR_OK);
    /* Cash from the fills alone, exactly. */
    int64_t cash = bt.pf.initial_cash, comm = 0;
    for (size_t i = 0; i < bt.nfills; i++) {
        const kr_fill *f = &bt.fills[i];
        int64_t n;
        assert_int_equal(kr_notional(&inst[f->symbol], f->price, f->qty, 2,
                                     &n),
                         KR_OK);
        cash += -f->side * n - f->commission - f->fees;
        comm += f->commission;
    }
    assert_int_equal(cash - bt.borrow_paid, bt.pf.cash);
    assert_int_equal(comm + bt.borrow_paid, bt.pf.costs);
    /* The last equity point is the valued portfolio. */
    kr_valuation v;
    assert_int_equal(kr_portfolio_value(&bt.pf, &v), KR_OK);
    assert_float_equal(bt.equity[bt.npoints - 1],
                       kr_fixed_to_double(v.equity, 2), 1e-6);
    /* Every order ended in a legal state and every trade's P&L adds up to
     * the change in equity. */
    double sum = 0;
    for (size_t i = 0; i < bt.ntrades; i++)
        sum += bt.trades[i].pnl;
    assert_float_equal(sum, kr_fixed_to_double(v.equity - bt.pf.initial_cash, 2),
                       1e-3);
    kr_backtest_free(&bt);
    for (uint32_t s = 0; s < NSYM; s++)
        kr_bars_free(&b[s]);
    free(b);
}

/* ------------------------------------------------------------------------
 * No look-ahead
 * ------------------------------------------------------------------------ */

/* A strategy that decides from the history it is given: long when the
 * close is above the mean of the last 5 closes, flat otherwise; also a
 * limit order below the last low now and then. */
static int peek_bar(void *self, kr_ctx *ctx, uint32_t sym, const kr_bar *b)
{
    (void)self;
    (void)b;
    kr_bar_view v;
    kr_ctx_history(ctx, sym, &v);
    if (v.n < 5)
        return 0;
    double m = 0;
    for (size_t i = v.n - 5; i < v.n; i++)
        m += v.close[i];
    m /= 5;
    double pos = kr_ctx_position(ctx, sym);
    if (kr_ctx_open_orders(ctx, sym))
        return 0;
    kr_order_request r;
    kr_order_request_init(&r);
    r.symbol = sym;
    if (v.close[v.n - 1] > m && pos == 0) {
        r.qty = 10;
        if (v.n % 3 == 0) {
            r.type = KR_ORDER_LIMIT;
            r.limit_px = v.low[v.n - 1];
        }
    } else if (v.close[v.n - 1] <= m && pos > 0) {
        r.side = KR_SELL;
        r.qty = pos;
    } else {
        return 0;
    }
    int rc = kr_ctx_submit(ctx, &r, NULL);
    return rc == KR_EREJECTED ? 0 : rc;
}

static const kr_strategy_ops peek_ops = {.name = "peek", .on_bar = peek_bar};

static void run_peek(const kr_bars *b, kr_backtest *bt)
{
    kr_instrument inst = instrument(0, 0);
    kr_backtest_input in = {b, &inst, NULL, 1};
    kr_strategy strat = {&peek_ops, NULL};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    kr_backtest_init(bt);
    assert_int_equal(kr_backtest_run(bt, &cfg, &in, &strat, NULL), KR_OK);
}

static void test_no_look_ahead(void **state)
{
    (void)state;
    enum { N = 400 };
    kr_bars base;
    uint64_t rng = 99;
    assert_int_equal(kr_bars_init(&base, 0, N, 0), KR_OK);
    double px = 100;
    for (size_t i = 0; i < N; i++) {
        double o = px, c = px * (1 + (uniform(&rng) - 0.5) * 0.04);
        assert_int_equal(kr_bars_push(&base, T0 + (int64_t)i * DAY, o,
                                      fmax(o, c) * 1.005, fmin(o, c) * 0.995,
                                      c, 1000, 0, 0),
                         KR_OK);
        px = c;
    }
    kr_backtest ref;
    run_peek(&base, &ref);
    assert_true(ref.norders > 20);
    /* For several cut points t: scramble every bar after t and re-run. The
     * orders created at or before t's timestamp must be the same orders,
     * and the equity up to t the same numbers. */
    const size_t cuts[] = {10, 57, 123, 250, 398};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        size_t t = cuts[k];
        kr_bars alt;
        assert_int_equal(kr_bars_init(&alt, 0, N, 0), KR_OK);
        for (size_t i = 0; i < N; i++) {
            double f = i > t ? 0.5 + uniform(&rng) : 1;
            double o = base.open[i] * f, c = base.close[i] * (i > t ? 0.5 + uniform(&rng) : 1);
            double h = i > t ? fmax(o, c) * 1.01 : base.high[i];
            double l = i > t ? fmin(o, c) * 0.99 : base.low[i];
            assert_int_equal(kr_bars_push(&alt, base.ts[i], o, h, l, c,
                                          i > t ? 1 : 1000, 0, 0),
                             KR_OK);
        }
        kr_backtest bt;
        run_peek(&alt, &bt);
        kr_ts tt = base.ts[t];
        size_t same = 0;
        for (size_t i = 0; i < ref.norders; i++) {
            const kr_order *a = &ref.orders[i];
            if (a->ts_init > tt)
                break;
            assert_true(i < bt.norders);
            const kr_order *o = &bt.orders[i];
            assert_int_equal(o->ts_init, a->ts_init);
            assert_int_equal(o->side, a->side);
            assert_int_equal(o->type, a->type);
            assert_int_equal(o->limit_px, a->limit_px);
            assert_int_equal(o->ts_init, a->ts_init);
            /* The quantity asked at the decision (a fixed quantity here). */
            assert_int_equal(o->qty, a->qty);
            same++;
        }
        assert_true(same > 0);
        for (size_t i = 0; i <= t; i++)
            assert_true(bt.equity[i] == ref.equity[i]);
        kr_backtest_free(&bt);
        kr_bars_free(&alt);
    }
    kr_backtest_free(&ref);
    kr_bars_free(&base);
}

/* A kr_backtest run again reuses its storage and gives the same results;
 * switching the record mode in between works both ways. */
static void test_reuse(void **state)
{
    (void)state;
    kr_bars b;
    make_bars(&b, 0, FIVE, 5, T0, DAY);
    kr_instrument inst = instrument(0, 0);
    action acts[] = {{0, 0, market(0, KR_BUY, 10)},
                     {0, 2, market(0, KR_SELL, 10)}};
    kr_backtest_input in = {&b, &inst, NULL, 1};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.cash = 10000;
    kr_backtest bt;
    kr_backtest_init(&bt);
    const int modes[] = {KR_RECORD_ALL, KR_RECORD_ALL, KR_RECORD_EQUITY,
                         KR_RECORD_EQUITY, KR_RECORD_ALL};
    for (size_t k = 0; k < 5; k++) {
        script s = {.acts = acts, .nacts = 2};
        kr_strategy strat = {&script_ops, &s};
        cfg.record = modes[k];
        assert_int_equal(kr_backtest_run(&bt, &cfg, &in, &strat, NULL), KR_OK);
        assert_int_equal(bt.npoints, 5);
        assert_float_equal(bt.equity[2], 10030, 1e-9);
        assert_int_equal(bt.pf.cash, 1003000);
        assert_int_equal(bt.fill_count, 2);
        assert_int_equal(bt.order_count, 2);
        if (modes[k] == KR_RECORD_ALL) {
            assert_int_equal(bt.norders, 2);
            assert_int_equal(bt.nfills, 2);
            assert_int_equal(bt.ntrades, 1);
            assert_float_equal(bt.cash[1], 8980, 1e-9);
        } else {
            assert_int_equal(bt.norders, 0);
            assert_null(bt.cash);
        }
    }
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Bad input
 * ------------------------------------------------------------------------ */

static void test_bad_input(void **state)
{
    (void)state;
    const row rows[] = {{100, 100, 100, 100, 1}, {100, 100, 100, 100, 1}};
    kr_bars b;
    make_bars(&b, 0, rows, 2, T0, 0); /* equal timestamps */
    kr_instrument inst = instrument(0, 0);
    kr_backtest_input in = {&b, &inst, NULL, 1};
    script s = {0};
    kr_strategy strat = {&script_ops, &s};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    kr_backtest bt;
    kr_backtest_init(&bt);
    kr_error err;
    assert_int_equal(kr_backtest_run(&bt, &cfg, &in, &strat, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "data");
    kr_bars_free(&b);
    make_bars(&b, 0, rows, 2, T0, DAY);
    cfg.cash = -5;
    assert_int_equal(kr_backtest_run(&bt, &cfg, &in, &strat, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "cash");
    kr_backtest_config_init(&cfg);
    in.n = 0;
    assert_int_equal(kr_backtest_run(&bt, &cfg, &in, &strat, &err),
                     KR_EINVAL);
    kr_backtest_free(&bt);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_fill_close_rule),
        cmocka_unit_test(test_target_resolves_at_fill),
        cmocka_unit_test(test_target_flat),
        cmocka_unit_test(test_target_large_position),
        cmocka_unit_test(test_bracket_stop_first),
        cmocka_unit_test(test_bracket_take_profit),
        cmocka_unit_test(test_no_shorting),
        cmocka_unit_test(test_short_with_borrow),
        cmocka_unit_test(test_margin_call),
        cmocka_unit_test(test_risk_limits),
        cmocka_unit_test(test_merge_order),
        cmocka_unit_test(test_ledger_million_bars),
        cmocka_unit_test(test_no_look_ahead),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_simexchange.c -- tests of src/engine/simexchange.c, the simulated
 * exchange, against a tiny fake engine.
 *
 * The fake engine keeps the order records, applies each report with
 * kr_order_transition (asserting it is legal) and logs it, so every test
 * can assert the exact sequence of accepts, fills (quantity, price,
 * commission), cancels and expiries. It can also react as the real engine
 * does: cancel an OCO sibling when an order fills, submit a new order from
 * inside a fill report, answer resolve with a fixed quantity or KR_ENOENT
 * for target orders, or fail a report.
 *
 * Unless a test says otherwise the instrument has prices to 0.01 and whole
 * shares, money is in cents, and the reference bar is
 *     B1 = O 100.00 H 102.00 L 99.00 C 101.00, volume 10000.
 * The intrabar path is open, adverse extreme, favourable extreme, close
 * (high first for a buy, low first for a sell). Every expected figure is
 * worked in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/engine.h"

#define NONE KR_PX_NONE
#define MAXO 64
#define MAXL 128

static const kr_fill_bar B1 = {10000, 10200, 9900, 10100, 10000};
static const kr_fill_bar GAP_UP = {10400, 10500, 10300, 10450, 10000};
static const kr_fill_bar GAP_DOWN = {9700, 9800, 9600, 9750, 10000};

/* 2024-01-02 (a Tuesday) at h:m UTC, and the following days. */
static kr_ts T(unsigned day, unsigned h, unsigned m)
{
    return kr_ts_from_civil(2024, 1, day, h, m, 0, 0);
}

/* ------------------------------------------------------------------------
 * The fake engine
 * ------------------------------------------------------------------------ */

typedef struct logged {
    uint64_t id;
    int type;
    kr_ts ts;
    int64_t qty, price, commission, fees;
} logged;

enum { RESOLVE_LEAVES = 0, RESOLVE_FIXED, RESOLVE_ENOENT };

typedef struct fake {
    kr_simx x;
    kr_instrument inst[2];
    kr_order ord[MAXO];
    size_t n;
    logged log[MAXL];
    size_t nlog;
    int resolve_mode;
    int64_t resolve_qty;
    int64_t resolved_px; /* the price of the last resolve call */
    uint64_t oco[MAXO + 1]; /* oco[id]: canceled when id fills */
    /* On the first report of spawn_type for spawn_on (a fill unless set),
     * submit spawn[0..nspawn). */
    uint64_t spawn_on;
    int spawn_type;
    kr_order_params spawn[2];
    size_t nspawn;
    int fail_fill; /* report of a FILL returns KR_EIO */
} fake;

static kr_order *rec(fake *f, uint64_t id)
{
    return id >= 1 && id <= f->n ? &f->ord[id - 1] : NULL;
}

static uint64_t submit_params(fake *f, uint32_t sym, kr_order_params p);

static int f_report(void *engine, const kr_venue_report *r)
{
    fake *f = engine;
    kr_order *o = rec(f, r->order_id);
    assert_non_null(o);
    if (r->ev.type == KR_OEV_FILL && f->fail_fill)
        return KR_EIO;
    assert_int_equal(kr_order_transition(o, &r->ev), KR_OK);
    assert_true(f->nlog < MAXL);
    logged *l = &f->log[f->nlog++];
    l->id = r->order_id;
    l->type = r->ev.type;
    l->ts = r->ev.ts;
    l->qty = r->ev.type == KR_OEV_FILL ? r->ev.u.fill.qty : 0;
    l->price = r->ev.type == KR_OEV_FILL ? r->ev.u.fill.price : 0;
    l->commission = r->commission;
    l->fees = r->fees;
    /* Reactions, as the engine would have them. */
    uint64_t sib = f->oco[r->order_id];
    if (r->ev.type == KR_OEV_FILL && sib && kr_order_is_open(rec(f, sib))) {
        int rc = kr_simx_cancel(&f->x, rec(f, sib));
        if (rc)
            return rc;
    }
    int want = f->spawn_type ? f->spawn_type : KR_OEV_FILL;
    if (f->spawn_on == r->order_id && r->ev.type == want) {
        f->spawn_on = 0;
        for (size_t i = 0; i < f->nspawn; i++) {
            kr_order_params p = f->spawn[i];
            p.ts = r->ev.ts;
            submit_params(f, o->symbol, p);
        }
    }
    return KR_OK;
}

static const kr_order *f_order(void *engine, uint64_t id)
{
    return rec(engine, id);
}

static int f_resolve(void *engine, uint64_t id, int64_t price, int64_t *qty)
{
    fake *f = engine;
    f->resolved_px = price;
    switch (f->resolve_mode) {
    case RESOLVE_FIXED:
        *qty = f->resolve_qty;
        return KR_OK;
    case RESOLVE_ENOENT:
        return KR_ENOENT;
    default:
        *qty = kr_order_leaves(rec(f, id));
        return KR_OK;
    }
}

/* Sets up the fake and its exchange with two symbols of instrument
 * (price precision 2, size precision sp, lot). */
static void setup(fake *f, const kr_simx_config *cfg, int sp, int64_t lot)
{
    memset(f, 0, sizeof *f);
    for (uint32_t s = 0; s < 2; s++) {
        assert_int_equal(kr_instrument_init(&f->inst[s], s, 2, sp), KR_OK);
        f->inst[s].lot_size = lot;
    }
    kr_venue_sink sink = {f, f_report, f_order, f_resolve};
    kr_simx_config def;
    kr_simx_config_init(&def);
    assert_int_equal(kr_simx_init(&f->x, cfg ? cfg : &def, f->inst, 2, sink),
                     KR_OK);
}

static void teardown(fake *f)
{
    kr_simx_free(&f->x);
}

/* Creates an order as the engine does (init, SUBMIT) and sends it. */
static uint64_t submit_params(fake *f, uint32_t sym, kr_order_params p)
{
    assert_true(f->n < MAXO);
    p.id = f->n + 1;
    kr_order *o = &f->ord[f->n];
    assert_int_equal(kr_order_init(o, &p, &f->inst[sym]), KR_OK);
    o->symbol = sym;
    f->n++;
    kr_order_event ev = {.type = KR_OEV_SUBMIT, .ts = p.ts};
    assert_int_equal(kr_order_transition(o, &ev), KR_OK);
    assert_int_equal(kr_simx_submit(&f->x, o), KR_OK);
    return p.id;
}

static kr_order_params params(int side, int type, int tif, int64_t qty,
                              int64_t limit, int64_t stop, kr_ts ts)
{
    kr_order_params p = {.side = side, .type = type, .tif = tif, .qty = qty,
                         .limit_px = limit, .stop_px = stop, .ts = ts};
    return p;
}

static uint64_t submit(fake *f, uint32_t sym, int side, int type, int tif,
                       int64_t qty, int64_t limit, int64_t stop, kr_ts ts)
{
    return submit_params(f, sym,
                         params(side, type, tif, qty, limit, stop, ts));
}

static void bar(fake *f, uint32_t sym, kr_ts ts, kr_fill_bar b)
{
    assert_int_equal(kr_simx_on_bar(&f->x, sym, ts, &b), KR_OK);
}

/* Asserts log entry i. */
static void is_fill(const fake *f, size_t i, uint64_t id, int64_t qty,
                    int64_t px, int64_t commission, kr_ts ts)
{
    assert_true(i < f->nlog);
    const logged *l = &f->log[i];
    assert_int_equal(l->type, KR_OEV_FILL);
    assert_int_equal(l->id, id);
    assert_int_equal(l->qty, qty);
    assert_int_equal(l->price, px);
    assert_int_equal(l->commission, commission);
    assert_int_equal(l->fees, 0);
    assert_int_equal(l->ts, ts);
}

static void is_event(const fake *f, size_t i, uint64_t id, int type, kr_ts ts)
{
    assert_true(i < f->nlog);
    assert_int_equal(f->log[i].type, type);
    assert_int_equal(f->log[i].id, id);
    assert_int_equal(f->log[i].ts, ts);
}

static kr_simx_config config(int rule, double cap)
{
    kr_simx_config c;
    kr_simx_config_init(&c);
    c.fill_rule = rule;
    c.volume_cap = cap;
    return c;
}

/* ------------------------------------------------------------------------
 * Basics
 * ------------------------------------------------------------------------ */

static void test_config_and_init(void **state)
{
    (void)state;
    kr_simx_config c;
    kr_simx_config_init(&c);
    assert_int_equal(c.fill_rule, KR_FILL_NEXT_OPEN);
    assert_true(c.volume_cap == 0);
    assert_int_equal(c.ccy_precision, 2);
    assert_int_equal(c.cost.slip, KR_SLIP_NONE);
    assert_int_equal(c.cost.comm, KR_COMM_NONE);

    fake f;
    setup(&f, NULL, 0, 0);
    assert_string_equal(kr_simx_venue_ops.name, "simulated");
    kr_venue_sink sink = {&f, f_report, f_order, f_resolve};
    kr_simx x;
    kr_simx_config bad = c;
    bad.volume_cap = 1.5;
    assert_int_equal(kr_simx_init(&x, &bad, f.inst, 2, sink), KR_EINVAL);
    kr_simx_free(&x);
    bad = c;
    bad.fill_rule = 3;
    assert_int_equal(kr_simx_init(&x, &bad, f.inst, 2, sink), KR_EINVAL);
    bad = c;
    bad.cost.slip = KR_SLIP_BPS;
    bad.cost.slip_bps = -1; /* the rates are checked too */
    assert_int_equal(kr_simx_init(&x, &bad, f.inst, 2, sink), KR_EINVAL);
    bad = c;
    bad.cost.comm = KR_COMM_TIERED; /* no tiers */
    assert_int_equal(kr_simx_init(&x, &bad, f.inst, 2, sink), KR_EINVAL);
    kr_instrument swapped[2] = {f.inst[1], f.inst[0]}; /* symbol != index */
    assert_int_equal(kr_simx_init(&x, &c, swapped, 2, sink), KR_EINVAL);
    kr_venue_sink nosink = {&f, NULL, f_order, f_resolve};
    assert_int_equal(kr_simx_init(&x, &c, f.inst, 2, nosink), KR_EINVAL);
    kr_simx_free(&x);
    kr_simx_free(NULL);
    teardown(&f);
}

static void test_no_orders_and_other_symbol(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* No working orders: nothing happens. */
    bar(&f, 0, T(2, 14, 0), B1);
    assert_int_equal(f.nlog, 0);
    assert_int_equal(kr_simx_working(&f.x, 0), 0);

    /* A market buy of symbol 0 ignores symbol 1's bar. */
    uint64_t id = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE,
                         NONE, T(2, 14, 0));
    assert_int_equal(f.nlog, 1);
    is_event(&f, 0, id, KR_OEV_ACCEPT, T(2, 14, 0));
    bar(&f, 1, T(2, 15, 0), GAP_UP);
    assert_int_equal(f.nlog, 1);
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    assert_int_equal(kr_simx_working(&f.x, 1), 0);
    /* Its own symbol's bar fills it at the open, 100.00. */
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 2);
    is_fill(&f, 1, id, 100, 10000, 0, T(2, 15, 0));
    assert_int_equal(f.ord[0].status, KR_ORDER_FILLED);
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);
}

static void test_errors(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    kr_fill_bar upside = {10000, 9900, 10200, 10100, 100};
    assert_int_equal(kr_simx_on_bar(&f.x, 2, T(2, 14, 0), &B1), KR_EINVAL);
    assert_int_equal(kr_simx_on_bar(&f.x, 0, T(2, 14, 0), &upside), KR_EINVAL);
    assert_int_equal(kr_simx_on_bar(&f.x, 0, KR_TS_NONE, &B1), KR_EINVAL);
    bar(&f, 0, T(2, 14, 0), B1);
    /* Time does not run back, nor stand still, for a symbol. */
    assert_int_equal(kr_simx_on_bar(&f.x, 0, T(2, 14, 0), &B1), KR_ERANGE);
    assert_int_equal(kr_simx_on_bar(&f.x, 0, T(2, 13, 0), &B1), KR_ERANGE);
    /* An order not moved to SUBMITTED is not taken. */
    kr_order_params p = params(KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 1, NONE,
                               NONE, T(2, 14, 0));
    p.id = 1;
    kr_order o;
    assert_int_equal(kr_order_init(&o, &p, &f.inst[0]), KR_OK);
    assert_int_equal(kr_simx_submit(&f.x, &o), KR_EINVAL);
    o.symbol = 7;
    assert_int_equal(kr_simx_submit(&f.x, &o), KR_EINVAL);
    assert_int_equal(kr_simx_on_quote(&f.x, 0, T(2, 14, 0), 10001, 10000),
                     KR_EINVAL); /* crossed */
    assert_int_equal(f.nlog, 0);
    /* No event is stamped before the order's last: an order accepted at
     * 16:30 that fills in symbol 1's first bar, stamped 16:00, fills at
     * 16:30. */
    uint64_t late = submit(&f, 1, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 1, NONE,
                           NONE, T(2, 16, 30));
    bar(&f, 1, T(2, 16, 0), B1);
    is_fill(&f, 1, late, 1, 10000, 0, T(2, 16, 30));
    f.nlog = 0;
    /* A duplicate id is refused. */
    uint64_t id = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 1, 9000,
                         NONE, T(2, 14, 0));
    assert_int_equal(kr_simx_submit(&f.x, rec(&f, id)), KR_EINVAL);
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    teardown(&f);
}

/* ------------------------------------------------------------------------
 * Order types and fill rules
 * ------------------------------------------------------------------------ */

static void test_market_rules(void **state)
{
    (void)state;
    fake f;
    /* NEXT_OPEN: both sides at the next bar's open, 100.00, in id order. */
    kr_simx_config c = config(KR_FILL_NEXT_OPEN, 0);
    setup(&f, &c, 0, 0);
    uint64_t b = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE,
                        NONE, T(2, 14, 0));
    uint64_t s = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 30, NONE,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 4);
    is_fill(&f, 2, b, 100, 10000, 0, T(2, 15, 0));
    is_fill(&f, 3, s, 30, 10000, 0, T(2, 15, 0));
    teardown(&f);

    /* NEXT_CLOSE: at the next bar's close, 101.00. */
    c = config(KR_FILL_NEXT_CLOSE, 0);
    setup(&f, &c, 0, 0);
    b = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE, NONE,
               T(2, 14, 0));
    s = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 30, NONE, NONE,
               T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    is_fill(&f, 2, b, 100, 10100, 0, T(2, 15, 0));
    is_fill(&f, 3, s, 30, 10100, 0, T(2, 15, 0));
    teardown(&f);

    /* CLOSE: at once, at the close of the bar last seen (B1: 101.00), with
     * the order's own time. */
    c = config(KR_FILL_CLOSE, 0);
    setup(&f, &c, 0, 0);
    bar(&f, 0, T(2, 14, 0), B1);
    b = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE, NONE,
               T(2, 14, 0));
    assert_int_equal(f.nlog, 2);
    is_event(&f, 0, b, KR_OEV_ACCEPT, T(2, 14, 0));
    is_fill(&f, 1, b, 100, 10100, 0, T(2, 14, 0));
    s = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 30, NONE, NONE,
               T(2, 14, 0));
    is_fill(&f, 3, s, 30, 10100, 0, T(2, 14, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    /* Symbol 1 has seen no bar: its order waits for the first and fills at
     * that bar's close, 104.50, at the bar's time. */
    uint64_t w = submit(&f, 1, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 5, NONE,
                        NONE, T(2, 14, 0));
    assert_int_equal(f.nlog, 5);
    assert_int_equal(kr_simx_working(&f.x, 1), 1);
    bar(&f, 1, T(2, 15, 0), GAP_UP);
    assert_int_equal(f.nlog, 6);
    is_fill(&f, 5, w, 5, 10450, 0, T(2, 15, 0));
    teardown(&f);
}

static void test_limit_both_sides_and_gtc(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* Buy 99.50: the low 99.00 reaches it, min(open 100.00, 99.50) = 99.50.
     * Sell 101.50: the high 102.00 reaches it, max(100.00, 101.50).
     * Buy 98.00: below the low, keeps working (GTC). */
    uint64_t b = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9950,
                        NONE, T(2, 14, 0));
    uint64_t s = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 10150,
                        NONE, T(2, 14, 0));
    uint64_t g = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9800,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 5);
    is_fill(&f, 3, b, 10, 9950, 0, T(2, 15, 0));
    is_fill(&f, 4, s, 10, 10150, 0, T(2, 15, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    assert_int_equal(f.ord[g - 1].status, KR_ORDER_ACCEPTED);
    /* Two more bars that do not reach 98.00, then one whose low 97.50 does:
     * O 99.00 H 99.50 L 97.50 C 98.50, filling at 98.00. */
    bar(&f, 0, T(2, 16, 0), B1);
    bar(&f, 0, T(2, 17, 0), B1);
    assert_int_equal(f.nlog, 5);
    bar(&f, 0, T(3, 14, 0), (kr_fill_bar){9900, 9950, 9750, 9850, 10000});
    is_fill(&f, 5, g, 10, 9800, 0, T(3, 14, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);
}

static void test_stop_both_sides(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* Sell stop 99.50: low 99.00 triggers, min(open, stop) = 99.50.
     * Buy stop 101.00: high 102.00 triggers, max(open, stop) = 101.00.
     * Buy stop 103.00: not triggered. Both fill at the adverse extreme, in
     * id order. */
    uint64_t s = submit(&f, 0, KR_SELL, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE,
                        9950, T(2, 14, 0));
    uint64_t b = submit(&f, 0, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE,
                        10100, T(2, 14, 0));
    submit(&f, 0, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE, 10300,
           T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 5);
    is_fill(&f, 3, s, 10, 9950, 0, T(2, 15, 0));
    is_fill(&f, 4, b, 10, 10100, 0, T(2, 15, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    teardown(&f);
}

static void test_stop_limit_both_sides(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* 1: buy stop 101.00 limit 100.50: triggers at 101.00 (high first),
     *    then the low 99.00 reaches the limit: fills at 100.50, a limit
     *    fill (the favourable extreme).
     * 2: buy stop 101.00 limit 101.50: triggers at 101.00 and fills there,
     *    at the trigger (the adverse extreme).
     * 3: sell stop 99.50 limit 99.20: triggers at 99.50, the high reaches
     *    99.20: max(99.50, 99.20) = 99.50, at the trigger.
     * 4: sell stop 99.50 limit 101.00: triggers at 99.50, comes back up to
     *    101.00 by the high: fills at 101.00, a limit fill.
     * 5: sell stop 98.00 limit 97.00: not triggered (low 99.00).
     * Order: the trigger fills (2, 3) before the limit fills (1, 4). */
    uint64_t a = submit(&f, 0, KR_BUY, KR_ORDER_STOP_LIMIT, KR_TIF_GTC, 10,
                        10050, 10100, T(2, 14, 0));
    uint64_t b = submit(&f, 0, KR_BUY, KR_ORDER_STOP_LIMIT, KR_TIF_GTC, 10,
                        10150, 10100, T(2, 14, 0));
    uint64_t c = submit(&f, 0, KR_SELL, KR_ORDER_STOP_LIMIT, KR_TIF_GTC, 10,
                        9920, 9950, T(2, 14, 0));
    uint64_t d = submit(&f, 0, KR_SELL, KR_ORDER_STOP_LIMIT, KR_TIF_GTC, 10,
                        10100, 9950, T(2, 14, 0));
    submit(&f, 0, KR_SELL, KR_ORDER_STOP_LIMIT, KR_TIF_GTC, 10, 9700, 9800,
           T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 9);
    is_fill(&f, 5, b, 10, 10100, 0, T(2, 15, 0));
    is_fill(&f, 6, c, 10, 9950, 0, T(2, 15, 0));
    is_fill(&f, 7, a, 10, 10050, 0, T(2, 15, 0));
    is_fill(&f, 8, d, 10, 10100, 0, T(2, 15, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    teardown(&f);
}

static void test_gaps(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* Gap up to O 104.00: the buy stop at 101.00 fills at the open, worse;
     * the sell limit at 101.50 fills at the open, better; the buy
     * stop-limit 101.00/105.00 triggers at the open and fills there. All
     * three are open fills, and come before the limit sell at 104.80
     * (id 2, reached by the high 105.00, a limit fill): ids 1, 3, 4 at the
     * open, then 2. */
    uint64_t a = submit(&f, 0, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE,
                        10100, T(2, 14, 0));
    uint64_t d = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 10480,
                        NONE, T(2, 14, 0));
    uint64_t b = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 10150,
                        NONE, T(2, 14, 0));
    uint64_t c = submit(&f, 0, KR_BUY, KR_ORDER_STOP_LIMIT, KR_TIF_GTC, 10,
                        10500, 10100, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), GAP_UP);
    assert_int_equal(f.nlog, 8);
    is_fill(&f, 4, a, 10, 10400, 0, T(2, 15, 0));
    is_fill(&f, 5, b, 10, 10400, 0, T(2, 15, 0));
    is_fill(&f, 6, c, 10, 10400, 0, T(2, 15, 0));
    is_fill(&f, 7, d, 10, 10480, 0, T(2, 15, 0));
    teardown(&f);

    /* Gap down to O 97.00: the sell stop at 99.50 and the buy limit at
     * 99.50 both fill at the open. */
    setup(&f, NULL, 0, 0);
    uint64_t s = submit(&f, 0, KR_SELL, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE,
                        9950, T(2, 14, 0));
    uint64_t l = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9950,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), GAP_DOWN);
    is_fill(&f, 2, s, 10, 9700, 0, T(2, 15, 0));
    is_fill(&f, 3, l, 10, 9700, 0, T(2, 15, 0));
    teardown(&f);
}

/* ------------------------------------------------------------------------
 * Matching order within a bar
 * ------------------------------------------------------------------------ */

static void test_path_order_same_side(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* Three buys in one bar, in reverse order of their ids: the limit at
     * 99.50 (id 1, favourable extreme), the stop at 101.00 (id 2, adverse
     * extreme), the market (id 3, open). Matching: 3, 2, 1. */
    uint64_t l = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9950,
                        NONE, T(2, 14, 0));
    uint64_t s = submit(&f, 0, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE,
                        10100, T(2, 14, 0));
    uint64_t m = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 10, NONE,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    is_fill(&f, 3, m, 10, 10000, 0, T(2, 15, 0));
    is_fill(&f, 4, s, 10, 10100, 0, T(2, 15, 0));
    is_fill(&f, 5, l, 10, 9950, 0, T(2, 15, 0));
    teardown(&f);

    /* Under NEXT_CLOSE the market order comes last, at the close. */
    kr_simx_config c = config(KR_FILL_NEXT_CLOSE, 0);
    setup(&f, &c, 0, 0);
    m = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 10, NONE, NONE,
               T(2, 14, 0));
    l = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9950, NONE,
               T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    is_fill(&f, 2, l, 10, 9950, 0, T(2, 15, 0));
    is_fill(&f, 3, m, 10, 10100, 0, T(2, 15, 0));
    teardown(&f);
}

static void test_many_orders_sorted(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* 40 buys: odd ids limits at 99.50 (the favourable extreme), even ids
     * stops at 101.00 (the adverse extreme). Ids 3, 10, 17, ... (every
     * seventh from 3) are canceled first, which reorders the book (a
     * canceled entry takes the last one's place). Matching must still go
     * by point, then id: the even ids ascending, then the odd ones. */
    for (int i = 1; i <= 40; i++)
        if (i % 2)
            submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 1, 9950, NONE,
                   T(2, 14, 0));
        else
            submit(&f, 0, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 1, NONE, 10100,
                   T(2, 14, 0));
    int ncanceled = 0;
    for (uint64_t id = 3; id <= 40; id += 7, ncanceled++)
        assert_int_equal(kr_simx_cancel(&f.x, rec(&f, id)), KR_OK);
    assert_int_equal(kr_simx_working(&f.x, 0), 40 - ncanceled);
    size_t first = f.nlog;
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog - first, (size_t)(40 - ncanceled));
    uint64_t prev = 0;
    int odd_seen = 0;
    for (size_t i = first; i < f.nlog; i++) {
        uint64_t id = f.log[i].id;
        assert_int_equal(f.log[i].type, KR_OEV_FILL);
        assert_true(id < 3 || (id - 3) % 7 != 0); /* not canceled */
        if (id % 2 && !odd_seen) { /* the limits begin */
            odd_seen = 1;
            prev = 0;
        }
        assert_true(id % 2 == (uint64_t)odd_seen);
        assert_true(id > prev);
        assert_int_equal(f.log[i].price, id % 2 ? 9950 : 10100);
        prev = id;
    }
    assert_true(odd_seen);
    teardown(&f);
}

static void test_stop_loss_before_take_profit(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* A long's exits, one-cancels-other: take-profit sell limit 101.50
     * (id 1) and stop-loss sell stop 99.50 (id 2). B1 reaches both; the sell
     * path goes to the low first, so the stop-loss fills at 99.50 and the
     * engine cancels the take-profit in its report callback; the exchange
     * then skips it. */
    uint64_t tp = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_GTC, 10,
                         10150, NONE, T(2, 14, 0));
    uint64_t sl = submit(&f, 0, KR_SELL, KR_ORDER_STOP, KR_TIF_GTC, 10, NONE,
                         9950, T(2, 14, 0));
    f.oco[tp] = sl;
    f.oco[sl] = tp;
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 4);
    is_fill(&f, 2, sl, 10, 9950, 0, T(2, 15, 0));
    /* The cancel carries the take-profit's own last time (its accept). */
    is_event(&f, 3, tp, KR_OEV_CANCEL, T(2, 14, 0));
    assert_int_equal(f.ord[tp - 1].status, KR_ORDER_CANCELED);
    assert_int_equal(f.ord[tp - 1].filled_qty, 0);
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);
}

static void test_submitted_during_bar_waits(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* The market buy (id 1) fills at the open; in its report the engine
     * places a take-profit sell limit at 101.50 (id 2), which B1's high
     * would reach, and another market buy (id 3). Neither works in this
     * bar. In the next bar (B1 again) 3 fills at the open, 2 at 101.50. */
    uint64_t m = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 10, NONE,
                        NONE, T(2, 14, 0));
    f.spawn_on = m;
    f.spawn[0] = params(KR_SELL, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 10150, NONE,
                        0);
    f.spawn[1] = params(KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 5, NONE, NONE, 0);
    f.nspawn = 2;
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 4);
    is_fill(&f, 1, m, 10, 10000, 0, T(2, 15, 0));
    is_event(&f, 2, 2, KR_OEV_ACCEPT, T(2, 15, 0));
    is_event(&f, 3, 3, KR_OEV_ACCEPT, T(2, 15, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 2);
    bar(&f, 0, T(2, 16, 0), B1);
    assert_int_equal(f.nlog, 6);
    is_fill(&f, 4, 3, 5, 10000, 0, T(2, 16, 0));
    is_fill(&f, 5, 2, 10, 10150, 0, T(2, 16, 0));
    teardown(&f);

    /* Under CLOSE too: a market order submitted while its symbol's bar is
     * matched does not fill at the previous bar's close; it waits for the
     * next bar's close. B0 = B1 at 14:00 (close 101.00); the limit buy at
     * 99.50 fills in the 15:00 bar (GAP_DOWN, at its open 97.00) and its
     * report submits a market buy, which fills at the 16:00 bar's close
     * 104.50, not at 101.00 or 97.50. */
    kr_simx_config c = config(KR_FILL_CLOSE, 0);
    setup(&f, &c, 0, 0);
    bar(&f, 0, T(2, 14, 0), B1);
    uint64_t l = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9950,
                        NONE, T(2, 14, 0));
    f.spawn_on = l;
    f.spawn[0] = params(KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 5, NONE, NONE, 0);
    f.nspawn = 1;
    bar(&f, 0, T(2, 15, 0), GAP_DOWN);
    assert_int_equal(f.nlog, 3);
    is_fill(&f, 1, l, 10, 9700, 0, T(2, 15, 0));
    is_event(&f, 2, 2, KR_OEV_ACCEPT, T(2, 15, 0));
    bar(&f, 0, T(2, 16, 0), GAP_UP);
    assert_int_equal(f.nlog, 4);
    is_fill(&f, 3, 2, 5, 10450, 0, T(2, 16, 0));
    teardown(&f);
}

/* ------------------------------------------------------------------------
 * Time in force
 * ------------------------------------------------------------------------ */

static void test_day_intraday(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* A DAY buy limit at 95.00, submitted on Jan 2 at 13:30, works in the
     * 14:00 and 15:00 bars of Jan 2 without filling and expires at the
     * first bar of Jan 3, even though that bar (low 94.00) would fill it. A
     * GTC twin fills there at 95.00. */
    uint64_t d = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_DAY, 10, 9500,
                        NONE, T(2, 13, 30));
    uint64_t g = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9500,
                        NONE, T(2, 13, 30));
    bar(&f, 0, T(2, 14, 0), B1);
    bar(&f, 0, T(2, 23, 0), B1);
    assert_int_equal(f.nlog, 2);
    kr_fill_bar low = {9600, 9700, 9400, 9650, 10000};
    bar(&f, 0, T(3, 0, 0), low);
    assert_int_equal(f.nlog, 4);
    is_event(&f, 2, d, KR_OEV_EXPIRE, T(3, 0, 0));
    is_fill(&f, 3, g, 10, 9500, 0, T(3, 0, 0));
    assert_int_equal(f.ord[d - 1].status, KR_ORDER_EXPIRED);
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);

    /* A DAY order submitted late on Jan 2 whose first working bar is on
     * Jan 3: its day is Jan 3, so it works through Jan 3. */
    setup(&f, NULL, 0, 0);
    bar(&f, 0, T(2, 23, 0), B1);
    d = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_DAY, 10, 9500, NONE,
               T(2, 23, 0));
    bar(&f, 0, T(3, 14, 0), B1);
    bar(&f, 0, T(3, 15, 0), B1);
    assert_int_equal(f.nlog, 1);
    bar(&f, 0, T(4, 14, 0), B1);
    is_event(&f, 1, d, KR_OEV_EXPIRE, T(4, 14, 0));
    teardown(&f);
}

static void test_day_daily_bars(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* Daily bars stamped at midnight. Submitted after the Jan 2 bar, the DAY
     * order works in the Jan 3 bar only and expires at the Jan 4 bar. */
    bar(&f, 0, T(2, 0, 0), B1);
    uint64_t d = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_DAY, 10, 11000,
                        NONE, T(2, 0, 0));
    bar(&f, 0, T(3, 0, 0), B1);
    assert_int_equal(f.nlog, 1);
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    bar(&f, 0, T(4, 0, 0), B1);
    assert_int_equal(f.nlog, 2);
    is_event(&f, 1, d, KR_OEV_EXPIRE, T(4, 0, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);

    /* An order placed in reaction to an expiry (a strategy re-placing its
     * order) is submitted while the bar is being matched: it waits for the
     * next bar too. The market buy placed on the Jan 4 expiry fills at the
     * Jan 5 open, 104.00, not at the Jan 4 open. */
    setup(&f, NULL, 0, 0);
    bar(&f, 0, T(2, 0, 0), B1);
    d = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_DAY, 10, 11000, NONE,
               T(2, 0, 0));
    f.spawn_on = d;
    f.spawn_type = KR_OEV_EXPIRE;
    f.spawn[0] = params(KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 5, NONE, NONE, 0);
    f.nspawn = 1;
    bar(&f, 0, T(3, 0, 0), B1);
    bar(&f, 0, T(4, 0, 0), B1);
    assert_int_equal(f.nlog, 3);
    is_event(&f, 1, d, KR_OEV_EXPIRE, T(4, 0, 0));
    is_event(&f, 2, 2, KR_OEV_ACCEPT, T(4, 0, 0));
    bar(&f, 0, T(5, 0, 0), GAP_UP);
    assert_int_equal(f.nlog, 4);
    is_fill(&f, 3, 2, 5, 10400, 0, T(5, 0, 0));
    teardown(&f);
}

static void test_ioc_fok(void **state)
{
    (void)state;
    fake f;
    /* A 10% cap on a bar of 1000 shares: at most 100 per order. */
    kr_simx_config c = config(KR_FILL_NEXT_OPEN, 0.1);
    kr_fill_bar thin = {10000, 10200, 9900, 10100, 1000};
    setup(&f, &c, 0, 0);
    /* IOC buy 250: fills 100 at the open, the other 150 canceled.
     * FOK buy 250: the cap stops the full 250, so canceled, nothing filled.
     * IOC buy limit 98.00 and FOK sell limit 103.00: not reached in their
     * first bar, so canceled. */
    uint64_t i = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_IOC, 250, NONE,
                        NONE, T(2, 14, 0));
    uint64_t k = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_FOK, 250, NONE,
                        NONE, T(2, 14, 0));
    uint64_t il = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_IOC, 10, 9800,
                         NONE, T(2, 14, 0));
    uint64_t kl = submit(&f, 0, KR_SELL, KR_ORDER_LIMIT, KR_TIF_FOK, 10, 10300,
                         NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), thin);
    assert_int_equal(f.nlog, 9);
    is_fill(&f, 4, i, 100, 10000, 0, T(2, 15, 0));
    is_event(&f, 5, i, KR_OEV_CANCEL, T(2, 15, 0));
    is_event(&f, 6, k, KR_OEV_CANCEL, T(2, 15, 0));
    is_event(&f, 7, il, KR_OEV_CANCEL, T(2, 15, 0));
    is_event(&f, 8, kl, KR_OEV_CANCEL, T(2, 15, 0));
    assert_int_equal(f.ord[i - 1].filled_qty, 100);
    assert_int_equal(f.ord[i - 1].status, KR_ORDER_CANCELED);
    assert_int_equal(f.ord[k - 1].filled_qty, 0);
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    /* The same FOK with a cap of 25% (250 of 1000) fills whole. */
    teardown(&f);
    c.volume_cap = 0.25;
    setup(&f, &c, 0, 0);
    k = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_FOK, 250, NONE, NONE,
               T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), thin);
    assert_int_equal(f.nlog, 2);
    is_fill(&f, 1, k, 250, 10000, 0, T(2, 15, 0));
    assert_int_equal(f.ord[k - 1].status, KR_ORDER_FILLED);
    teardown(&f);
    /* And with no cap at all. */
    setup(&f, NULL, 0, 0);
    k = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_FOK, 250, NONE, NONE,
               T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), thin);
    is_fill(&f, 1, k, 250, 10000, 0, T(2, 15, 0));
    teardown(&f);
}

static void test_partial_fills_over_bars(void **state)
{
    (void)state;
    fake f;
    kr_simx_config c = config(KR_FILL_NEXT_OPEN, 0.1);
    setup(&f, &c, 0, 0);
    /* GTC buy 250 under a 10% cap, bars of 1000 shares: 100, 100, 50.
     * Bar opens 100.00, 100.50, 101.00. */
    uint64_t g = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 250, NONE,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), (kr_fill_bar){10000, 10200, 9900, 10100, 1000});
    is_fill(&f, 1, g, 100, 10000, 0, T(2, 15, 0));
    assert_int_equal(f.ord[g - 1].status, KR_ORDER_PARTIALLY_FILLED);
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    bar(&f, 0, T(2, 16, 0), (kr_fill_bar){10050, 10200, 9900, 10100, 1000});
    is_fill(&f, 2, g, 100, 10050, 0, T(2, 16, 0));
    assert_int_equal(f.ord[g - 1].status, KR_ORDER_PARTIALLY_FILLED);
    bar(&f, 0, T(2, 17, 0), (kr_fill_bar){10100, 10200, 9900, 10100, 1000});
    is_fill(&f, 3, g, 50, 10100, 0, T(2, 17, 0));
    assert_int_equal(f.ord[g - 1].status, KR_ORDER_FILLED);
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    /* Average: (100 x 100.00 + 100 x 100.50 + 50 x 101.00) / 250 = 100.40. */
    assert_int_equal(f.ord[g - 1].avg_px_raw, 10040);
    /* A bar with no volume has no cap: a new order fills whole. */
    g = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 400, NONE, NONE,
               T(2, 17, 0));
    bar(&f, 0, T(2, 18, 0), (kr_fill_bar){10000, 10200, 9900, 10100, 0});
    is_fill(&f, 5, g, 400, 10000, 0, T(2, 18, 0));
    /* A cap that floors to 0 (10% of 5 shares) fills nothing and keeps the
     * order working. */
    g = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 10, NONE, NONE,
               T(2, 18, 0));
    bar(&f, 0, T(2, 19, 0), (kr_fill_bar){10000, 10200, 9900, 10100, 5});
    assert_int_equal(f.nlog, 7);
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    teardown(&f);
}

static void test_fine_sizes_and_lots(void **state)
{
    (void)state;
    fake f;
    /* Sizes to 0.001, lots of 0.1 (raw 100), a 10% cap; commission 0.01
     * per unit. Buy 2.500 (raw 2500) against bars of 12.345 units (raw
     * 12345): the cap is floor(1234.5) = 1234, down to the lot: 1200. Fills
     * 1.200, 1.200, 0.100. Commission of 1.2 units: 0.012 -> 0.01; of 0.1:
     * 0.001 -> 0.00. */
    kr_simx_config c = config(KR_FILL_NEXT_OPEN, 0.1);
    assert_int_equal(
        kr_cost_parse_commission(&c.cost, "per_share:0.01", 2, NULL, NULL),
        KR_OK);
    setup(&f, &c, 3, 100);
    uint64_t g = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 2500, NONE,
                        NONE, T(2, 14, 0));
    kr_fill_bar b = {10000, 10200, 9900, 10100, 12345};
    bar(&f, 0, T(2, 15, 0), b);
    bar(&f, 0, T(2, 16, 0), b);
    bar(&f, 0, T(2, 17, 0), b);
    assert_int_equal(f.nlog, 4);
    is_fill(&f, 1, g, 1200, 10000, 1, T(2, 15, 0));
    is_fill(&f, 2, g, 1200, 10000, 1, T(2, 16, 0));
    is_fill(&f, 3, g, 100, 10000, 0, T(2, 17, 0));
    assert_int_equal(f.ord[g - 1].status, KR_ORDER_FILLED);
    /* A target order whose quantity the engine resolves to 1.250 fills
     * 1.200, the lot below (and within the cap of 1.200). */
    f.resolve_mode = RESOLVE_FIXED;
    f.resolve_qty = 1250;
    g = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 2500, NONE, NONE,
               T(2, 17, 0));
    b.volume = 100000; /* cap 10.000 */
    bar(&f, 0, T(2, 18, 0), b);
    is_fill(&f, 5, g, 1200, 10000, 1, T(2, 18, 0));
    teardown(&f);
}

/* ------------------------------------------------------------------------
 * Cancel and modify
 * ------------------------------------------------------------------------ */

static void test_modify_and_cancel(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    /* A buy limit at 98.00 does not fill in B1 (low 99.00). Moved to 99.50
     * it fills in the next B1 at 99.50. */
    uint64_t l = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9800,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.nlog, 1);
    kr_order_event mod = {.type = KR_OEV_MODIFY, .ts = T(2, 15, 0)};
    mod.u.modify.qty = 20;
    mod.u.modify.limit_px = 9950;
    mod.u.modify.stop_px = NONE;
    assert_int_equal(kr_order_transition(rec(&f, l), &mod), KR_OK);
    assert_int_equal(kr_simx_modified(&f.x, rec(&f, l)), KR_OK);
    bar(&f, 0, T(2, 16, 0), B1);
    assert_int_equal(f.nlog, 2);
    is_fill(&f, 1, l, 20, 9950, 0, T(2, 16, 0));
    /* Told of a modify of an order it does not hold: KR_ENOENT. */
    assert_int_equal(kr_simx_modified(&f.x, rec(&f, l)), KR_ENOENT);

    /* Cancel: reported at the order's last time, removed from the book, no
     * fill in a bar that would have filled it. */
    uint64_t c = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9950,
                        NONE, T(2, 16, 30));
    assert_int_equal(kr_simx_working(&f.x, 0), 1);
    assert_int_equal(kr_simx_cancel(&f.x, rec(&f, c)), KR_OK);
    is_event(&f, 3, c, KR_OEV_CANCEL, T(2, 16, 30));
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    bar(&f, 0, T(2, 17, 0), B1);
    assert_int_equal(f.nlog, 4);
    /* Canceling a filled order reports nothing. */
    assert_int_equal(kr_simx_cancel(&f.x, rec(&f, l)), KR_OK);
    assert_int_equal(f.nlog, 4);

    /* A DAY order modified keeps its working day: submitted Jan 2, it
     * works from the 18:00 bar, is modified on Jan 2 and expires at the
     * first bar of Jan 3. */
    uint64_t d = submit(&f, 0, KR_BUY, KR_ORDER_LIMIT, KR_TIF_DAY, 10, 9000,
                        NONE, T(2, 17, 0));
    bar(&f, 0, T(2, 18, 0), B1);
    mod.ts = T(2, 18, 0);
    mod.u.modify.qty = 0;
    mod.u.modify.limit_px = 9100;
    assert_int_equal(kr_order_transition(rec(&f, d), &mod), KR_OK);
    assert_int_equal(kr_simx_modified(&f.x, rec(&f, d)), KR_OK);
    bar(&f, 0, T(3, 9, 0), B1);
    is_event(&f, 5, d, KR_OEV_EXPIRE, T(3, 9, 0));
    teardown(&f);
}

/* ------------------------------------------------------------------------
 * Costs and targets
 * ------------------------------------------------------------------------ */

static void test_costs_in_fills(void **state)
{
    (void)state;
    fake f;
    kr_simx_config c = config(KR_FILL_NEXT_OPEN, 0);
    assert_int_equal(kr_cost_parse_slippage(&c.cost, "bps:2.5", NULL, NULL),
                     KR_OK);
    assert_int_equal(kr_cost_parse_commission(&c.cost, "per_share:0.005,min=1",
                                              2, NULL, NULL),
                     KR_OK);
    setup(&f, &c, 0, 0);
    /* Buy 100 at the open 100.00 + 2.5 bps (0.025 -> 0.03) = 100.03;
     * commission 100 x 0.005 = 0.50, the minimum 1.00 binds.
     * Sell 1000 at 100.00 - 0.03 = 99.97; 1000 x 0.005 = 5.00. */
    uint64_t b = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE,
                        NONE, T(2, 14, 0));
    uint64_t s = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 1000,
                        NONE, NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    is_fill(&f, 2, b, 100, 10003, 100, T(2, 15, 0));
    is_fill(&f, 3, s, 1000, 9997, 500, T(2, 15, 0));
    /* A buy stop at the high, 102.00: slippage cannot take it past the
     * high. */
    uint64_t h = submit(&f, 0, KR_BUY, KR_ORDER_STOP, KR_TIF_GTC, 100, NONE,
                        10200, T(2, 15, 0));
    bar(&f, 0, T(2, 16, 0), B1);
    is_fill(&f, 5, h, 100, 10200, 100, T(2, 16, 0));
    teardown(&f);

    /* Spread from a quote: bid 99.98, ask 100.02, spread 0.04, half of it
     * 0.02. Without a quote, symbol 1 estimates it from the bar: range 3.00
     * x 0.1 = 0.30, half 0.15. Commission 1 bp of the notional: 100 x
     * 100.02 = 10002.00 -> 1.0002 -> 1.00; 100 x 99.85 = 9985.00 ->
     * 0.9985 -> 1.00. */
    c = config(KR_FILL_NEXT_OPEN, 0);
    assert_int_equal(kr_cost_parse_slippage(&c.cost, "spread:0.5", NULL, NULL),
                     KR_OK);
    assert_int_equal(kr_cost_parse_commission(&c.cost, "bps:1", 2, NULL, NULL),
                     KR_OK);
    setup(&f, &c, 0, 0);
    assert_int_equal(kr_simx_on_quote(&f.x, 0, T(2, 14, 0), 9998, 10002),
                     KR_OK);
    b = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE, NONE,
               T(2, 14, 0));
    s = submit(&f, 1, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE, NONE,
               T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    bar(&f, 1, T(2, 15, 0), B1);
    is_fill(&f, 2, b, 100, 10002, 100, T(2, 15, 0));
    is_fill(&f, 3, s, 100, 9985, 100, T(2, 15, 0));
    teardown(&f);

    /* Square-root impact with the bar's sigma: (102 - 99) / 101 =
     * 0.029703; 400 of 10000 shares: sqrt = 0.2; 10000 x 0.1 x 0.029703 x
     * 0.2 = 5.94 ticks -> 6: 100.06. Tiered commission: 400 x 100.06 =
     * 40024.00 is above the 10000 tier: 2.5 bps = 10.006 -> 10.01. */
    c = config(KR_FILL_NEXT_OPEN, 0);
    assert_int_equal(kr_cost_parse_slippage(&c.cost, "sqrt:0.1", NULL, NULL),
                     KR_OK);
    assert_int_equal(kr_cost_parse_commission(&c.cost, "tiered:0=5,10000=2.5",
                                              2, NULL, NULL),
                     KR_OK);
    setup(&f, &c, 0, 0);
    b = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 400, NONE, NONE,
               T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    is_fill(&f, 1, b, 400, 10006, 1001, T(2, 15, 0));
    teardown(&f);
}

static void test_targets(void **state)
{
    (void)state;
    fake f;
    kr_simx_config c = config(KR_FILL_NEXT_OPEN, 0);
    assert_int_equal(kr_cost_parse_slippage(&c.cost, "bps:2.5", NULL, NULL),
                     KR_OK);
    setup(&f, &c, 0, 0);
    /* The engine answers 40 for the quantity at the slipped price 100.03:
     * the exchange fills exactly 40 there. */
    f.resolve_mode = RESOLVE_FIXED;
    f.resolve_qty = 40;
    uint64_t t = submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE,
                        NONE, T(2, 14, 0));
    bar(&f, 0, T(2, 15, 0), B1);
    assert_int_equal(f.resolved_px, 10003);
    is_fill(&f, 1, t, 40, 10003, 0, T(2, 15, 0));
    /* More than the leaves (60) is never filled. */
    f.resolve_qty = 500;
    bar(&f, 0, T(2, 16, 0), B1);
    is_fill(&f, 2, t, 60, 10003, 0, T(2, 16, 0));
    /* KR_ENOENT: the target is held; the order is canceled, not filled. */
    f.resolve_mode = RESOLVE_ENOENT;
    t = submit(&f, 0, KR_SELL, KR_ORDER_MARKET, KR_TIF_GTC, 100, NONE, NONE,
               T(2, 16, 0));
    bar(&f, 0, T(2, 17, 0), B1);
    assert_int_equal(f.resolved_px, 9997);
    assert_int_equal(f.nlog, 5);
    is_event(&f, 4, t, KR_OEV_CANCEL, T(2, 17, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);
}

static void test_report_error_stops(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 10, NONE, NONE,
           T(2, 14, 0));
    submit(&f, 0, KR_BUY, KR_ORDER_MARKET, KR_TIF_GTC, 10, NONE, NONE,
           T(2, 14, 0));
    f.fail_fill = 1;
    assert_int_equal(kr_simx_on_bar(&f.x, 0, T(2, 15, 0), &B1), KR_EIO);
    assert_int_equal(f.nlog, 2); /* the accepts only */
    assert_int_equal(f.ord[0].filled_qty, 0);
    assert_int_equal(f.ord[1].filled_qty, 0);
    teardown(&f);
}

static void test_venue_ops(void **state)
{
    (void)state;
    fake f;
    setup(&f, NULL, 0, 0);
    const kr_venue_ops *v = &kr_simx_venue_ops;
    /* The whole life of two orders through the ops table. */
    kr_order_params p = params(KR_BUY, KR_ORDER_LIMIT, KR_TIF_GTC, 10, 9800,
                               NONE, T(2, 14, 0));
    p.id = 1;
    kr_order *o = &f.ord[0];
    assert_int_equal(kr_order_init(o, &p, &f.inst[0]), KR_OK);
    f.n = 1;
    kr_order_event ev = {.type = KR_OEV_SUBMIT, .ts = p.ts};
    assert_int_equal(kr_order_transition(o, &ev), KR_OK);
    assert_int_equal(v->submit(&f.x, o), KR_OK);
    assert_int_equal(v->on_quote(&f.x, 0, T(2, 14, 0), 9999, 10001), KR_OK);
    assert_int_equal(v->on_bar(&f.x, 0, T(2, 15, 0), &B1), KR_OK);
    assert_int_equal(f.nlog, 1);
    ev = (kr_order_event){.type = KR_OEV_MODIFY, .ts = T(2, 15, 0)};
    ev.u.modify.limit_px = 9900;
    ev.u.modify.stop_px = NONE;
    assert_int_equal(kr_order_transition(o, &ev), KR_OK);
    assert_int_equal(v->modified(&f.x, o), KR_OK);
    assert_int_equal(v->cancel(&f.x, o), KR_OK);
    is_event(&f, 1, 1, KR_OEV_CANCEL, T(2, 15, 0));
    assert_int_equal(kr_simx_working(&f.x, 0), 0);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_and_init),
        cmocka_unit_test(test_no_orders_and_other_symbol),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_market_rules),
        cmocka_unit_test(test_limit_both_sides_and_gtc),
        cmocka_unit_test(test_stop_both_sides),
        cmocka_unit_test(test_stop_limit_both_sides),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_path_order_same_side),
        cmocka_unit_test(test_many_orders_sorted),
        cmocka_unit_test(test_stop_loss_before_take_profit),
        cmocka_unit_test(test_submitted_during_bar_waits),
        cmocka_unit_test(test_day_intraday),
        cmocka_unit_test(test_day_daily_bars),
        cmocka_unit_test(test_ioc_fok),
        cmocka_unit_test(test_partial_fills_over_bars),
        cmocka_unit_test(test_fine_sizes_and_lots),
        cmocka_unit_test(test_modify_and_cancel),
        cmocka_unit_test(test_costs_in_fills),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_report_error_stops),
        cmocka_unit_test(test_venue_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

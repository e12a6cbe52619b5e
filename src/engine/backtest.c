/* backtest.c -- the backtest runner: bars in, orders through risk and the
 * simulated exchange, fills into the portfolio, results out.
 *
 * One single-threaded loop on a simulated clock. Bars come straight from
 * the input columns through a k-way merge (a binary heap of per-symbol
 * cursors keyed by (ts, symbol)): pushing every bar through the event
 * queue would cost a heap operation per bar for nothing, since the columns
 * are already in time order. The queue holds what is scheduled (timers);
 * the loop takes whichever comes first, timers winning ties. Bars of one
 * timestamp form a group, handled in the order kr_backtest_run documents:
 * the venue matches each symbol's working orders against its bar, the
 * portfolio marks the closes, borrow accrues and the margin check runs,
 * the bars go to the strategy over the bus, and the equity point is kept.
 *
 * The engine is the one writer of order records and of the portfolio. The
 * venue reports events (report()), the engine applies them with the order
 * state machine, books fills, keeps brackets one-cancels-other, tracks
 * round-trip trades and tells the strategy over the bus. Target orders get
 * their quantity at the fill price (resolve()), which is also where the
 * buying-power and no-shorting rules cap a fill, so that a gap never leaves
 * a cash account short of cash.
 *
 * Equity is kept exactly and incrementally: net and gross market value are
 * int64 money sums updated only for the symbols whose mark or position
 * changed, so a bar costs O(symbols in the bar), not O(symbols). With
 * check_ledger the whole ledger is re-derived from scratch at every event
 * and compared (kr_portfolio_check and cash + net == valued equity).
 */
#include "kairos/engine.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/stats.h"

#define DAY_NS INT64_C(86400000000000)

typedef struct sym_state {
    size_t cursor;     /* next row of the input to hand out */
    size_t seen;       /* rows handed out: the history's length */
    size_t mark_row;   /* row whose close is the mark; SIZE_MAX: none */
    size_t conv_row;   /* row marks[] holds; SIZE_MAX: none */
    int64_t mv;        /* market value at the mark, money */
    int64_t pending;   /* signed leaves of the open entry orders sent with
                          a quantity (the no-shorting check), raw */
    double units;      /* the position in units, for kr_ctx_position */
    double mvd;        /* market value at the last close, as a double, for
                          the equity curve (units x close x multiplier) */
    bool stale;        /* mv (exact) lags the last close: in `dirty` */
    size_t held_at;    /* index in held[] while the position is open */
    kr_ts last_ts;     /* ts of the last bar */
    /* the open round trip */
    bool trip;
    int32_t trip_side;
    kr_ts entry_ts;
    double entry_value, entry_qty, exit_value, exit_qty, max_qty;
    int64_t realized0;  /* the position's realized P&L when it opened */
    double trip_costs;  /* commissions, fees and borrow of the trip */
    size_t seen0;
} sym_state;

typedef struct ord_aux {
    double tp, sl;   /* bracket prices asked, NAN for none */
    uint64_t tp_id, sl_id;
    int32_t reduce;  /* engine-made: exempt from the short check */
} ord_aux;

struct kr_ctx {
    struct kr_bt_state *st;
};

struct kr_bt_state {
    kr_backtest *bt;
    kr_backtest_config cfg;
    const kr_backtest_input *in;
    kr_strategy *strat;
    kr_ctx ctx;
    kr_error *err;
    kr_clock clock;
    kr_queue queue;
    kr_bus bus;
    kr_simx simx;
    bool simx_ready;
    sym_state *sym;
    int64_t *marks;    /* raw close per symbol, KR_PX_NONE before a bar */
    size_t nsym;
    uint32_t *heap;    /* cursor heap of symbols with bars left */
    size_t nheap;
    uint32_t *due;     /* symbols of the current group */
    ord_aux *aux;
    size_t ocap, fcap, tcap, pcap;
    bool ring;          /* orders in a ring (KR_RECORD_EQUITY) */
    uint64_t mask;      /* ring size - 1 */
    kr_order_ids ids;
    int64_t net, gross; /* money, at the marks (exact once synced) */
    uint32_t *dirty;    /* symbols whose exact mv lags their close */
    size_t ndirty;
    uint32_t *held;     /* symbols with an open position */
    size_t nheld;
    int64_t cash_seen;  /* the cash cash_d converts (a division a bar saved) */
    double cash_d;
    double traded;      /* notional traded since the last point */
    kr_risk_limits limits;
    bool record_all;
    bool matching;      /* inside the venue's on_bar */
    uint64_t total_bars, next_progress;
    size_t point_hint;  /* first size of the curve: the longest series */
    bool direct;        /* bars go straight to the strategy: it is the bus's
                           only bar subscriber (nothing else can subscribe
                           during a run) */
};

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

/* Double to raw at `prec`, half even. Prices and sizes far from a tie (the
 * usual case) take a multiply and a rint; near a tie the exact conversion
 * decides. */
static int to_raw(double v, int prec, int64_t *out)
{
    static const double p10[] = {1,   1e1, 1e2, 1e3, 1e4,
                                 1e5, 1e6, 1e7, 1e8, 1e9};
    if (prec >= 0 && prec <= 9 && isfinite(v)) {
        double r = v * p10[prec];
        if (fabs(r) < 4e15) {
            double k = nearbyint(r);
            if (fabs(r - k) < 0.49) {
                *out = (int64_t)k;
                return KR_OK;
            }
        }
    }
    return kr_fixed_from_double(v, prec, out);
}

static double money(const struct kr_bt_state *st, int64_t raw)
{
    return kr_fixed_to_double(raw, st->cfg.ccy_precision);
}

static const kr_position *posn(const struct kr_bt_state *st, uint32_t s)
{
    return &st->bt->pf.pos[s];
}

static double units(const kr_position *p, int64_t raw)
{
    return kr_fixed_to_double(raw, p->inst.size_precision);
}

/* The quantum quantities round down to: the lot, or one unit at the size
 * precision when any quantity goes. */
static double unit_lot(const kr_instrument *inst)
{
    return kr_fixed_to_double(inst->lot_size > 0 ? inst->lot_size : 1,
                              inst->size_precision);
}

static int fail(struct kr_bt_state *st, int code, const char *field,
                const char *msg)
{
    size_t n = strlen(msg);
    if (n >= sizeof st->bt->stop_reason)
        n = sizeof st->bt->stop_reason - 1;
    memcpy(st->bt->stop_reason, msg, n);
    st->bt->stop_reason[n] = '\0';
    return kr_error_set(st->err, code, NULL, 0, 0, field, "%s", msg);
}

/* The mark of symbol s as raw price, converting the close on demand. */
static int mark_raw(struct kr_bt_state *st, uint32_t s, int64_t *out)
{
    sym_state *y = &st->sym[s];
    if (y->mark_row == SIZE_MAX) {
        *out = posn(st, s)->last_px;
        return KR_OK;
    }
    if (y->conv_row != y->mark_row) {
        int rc = to_raw(st->in->bars[s].close[y->mark_row],
                        st->in->inst[s].price_precision, &st->marks[s]);
        if (rc)
            return rc;
        y->conv_row = y->mark_row;
    }
    *out = st->marks[s];
    return KR_OK;
}

/* Re-values symbol s at its mark and updates the net and gross sums. */
static int remark(struct kr_bt_state *st, uint32_t s)
{
    sym_state *y = &st->sym[s];
    const kr_position *p = posn(st, s);
    int64_t mv = 0;
    if (p->qty != 0) {
        int64_t px;
        int rc = mark_raw(st, s, &px);
        if (rc)
            return rc;
        if (px == KR_PX_NONE)
            px = p->last_px;
        rc = kr_notional(&p->inst, px, p->qty, st->cfg.ccy_precision, &mv);
        if (rc)
            return rc;
    }
    int64_t old = y->mv;
    st->net += mv - old;
    st->gross += (mv < 0 ? -mv : mv) - (old < 0 ? -old : old);
    y->mv = mv;
    return KR_OK;
}

/* Brings the exact market values up to the last closes. Bars only record
 * the close (and the double value for the curve); the exact, fixed-point
 * re-mark waits until something reads exact equity: an order's risk check
 * or sizing, a strategy asking for its equity, the ledger check, the end. */
static int sync(struct kr_bt_state *st)
{
    for (size_t k = 0; k < st->ndirty; k++) {
        uint32_t s = st->dirty[k];
        st->sym[s].stale = false;
        int rc = remark(st, s);
        if (rc)
            return rc;
    }
    st->ndirty = 0;
    return KR_OK;
}

static double equity_now(struct kr_bt_state *st)
{
    if (sync(st))
        return NAN;
    return money(st, st->bt->pf.cash + st->net);
}

/* Verifies the ledger from scratch (check_ledger). */
static int check_ledger(struct kr_bt_state *st)
{
    int rc0 = sync(st);
    if (rc0)
        return rc0;
    for (uint32_t s = 0; s < st->nsym; s++) {
        int64_t px;
        int rc = mark_raw(st, s, &px);
        if (rc)
            return rc;
        (void)px;
    }
    kr_valuation v;
    int rc = kr_portfolio_mark(&st->bt->pf, st->marks, st->nsym, &v);
    if (rc == KR_OK)
        rc = kr_portfolio_check(&st->bt->pf);
    if (rc == KR_OK &&
        (v.equity != st->bt->pf.cash + st->net || v.gross != st->gross))
        rc = KR_EINVAL;
    if (rc)
        return fail(st, KR_EINVAL, "ledger",
                    "ledger identity broken (a bug in kairos)");
    return KR_OK;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return KR_OK;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return KR_ENOMEM;
    *p = q;
    *cap = n;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Round-trip trades
 * ------------------------------------------------------------------------ */

static int push_trade(struct kr_bt_state *st, uint32_t s, kr_ts exit_ts,
                      double exit_price, double pnl)
{
    kr_backtest *bt = st->bt;
    sym_state *y = &st->sym[s];
    if (grow((void **)&bt->trades, &st->tcap, bt->ntrades + 1,
             sizeof *bt->trades))
        return KR_ENOMEM;
    kr_trade *t = &bt->trades[bt->ntrades++];
    const kr_instrument *inst = &st->in->inst[s];
    t->symbol = s;
    t->side = y->trip_side;
    t->entry_ts = y->entry_ts;
    t->exit_ts = exit_ts;
    /* Average prices, shown at the instrument's tick. */
    double tick = pow(10, inst->price_precision);
    t->entry_price = nearbyint(y->entry_value / y->entry_qty * tick) / tick;
    t->exit_price = isnan(exit_price) ? exit_price
                                      : nearbyint(exit_price * tick) / tick;
    t->qty = y->max_qty;
    t->pnl = pnl;
    t->costs = y->trip_costs;
    t->ret = pnl / (y->entry_value / y->entry_qty * t->qty *
                    (double)inst->multiplier);
    t->bars_held = (int64_t)(y->seen - y->seen0);
    y->trip = false;
    return KR_OK;
}

/* Updates symbol s's round trip after a fill that moved the position from
 * q0 to the current one. A fill's costs are split between the part that
 * closes (the current trip's) and the part that opens (the next trip's, or
 * the same one's when scaling in) by quantity. */
static int track_trade(struct kr_bt_state *st, const kr_fill *f, int64_t q0)
{
    uint32_t s = f->symbol;
    sym_state *y = &st->sym[s];
    const kr_position *p = posn(st, s);
    const int64_t q1 = p->qty;
    const double px = kr_fixed_to_double(f->price, p->inst.price_precision);
    const double fq = units(p, f->qty);
    const double fc = money(st, f->commission + f->fees);
    const double a0 = fabs(units(p, q0)), a1 = fabs(units(p, q1));
    const bool flip = q0 != 0 && q1 != 0 && ((q0 > 0) != (q1 > 0));
    double closed = 0;
    if (q0 != 0)
        closed = (flip || q1 == 0) ? a0 : (a1 < a0 ? a0 - a1 : 0);
    const double close_cost = closed > 0 ? fc * (closed / fq) : 0;

    if (closed > 0) {
        y->exit_value += px * closed;
        y->exit_qty += closed;
        y->trip_costs += close_cost;
        if (q1 == 0 || flip) {
            double pnl = money(st, p->realized - y->realized0) -
                         y->trip_costs;
            int rc = push_trade(st, s, f->ts, y->exit_value / y->exit_qty,
                                pnl);
            if (rc)
                return rc;
        }
    }
    if (q1 != 0 && (q0 == 0 || flip)) {
        y->trip = true;
        y->trip_side = q1 > 0 ? KR_BUY : KR_SELL;
        y->entry_ts = f->ts;
        y->entry_value = px * a1;
        y->entry_qty = a1;
        y->exit_value = y->exit_qty = 0;
        y->max_qty = a1;
        y->realized0 = p->realized;
        y->trip_costs = fc - close_cost;
        y->seen0 = y->seen;
    } else if (q0 != 0 && !flip && a1 > a0) {
        y->entry_value += px * (a1 - a0);
        y->entry_qty += a1 - a0;
        y->trip_costs += fc;
        if (a1 > y->max_qty)
            y->max_qty = a1;
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Orders
 * ------------------------------------------------------------------------ */

/* Where order `id` is kept: orders[id - 1] when every order is recorded;
 * under KR_RECORD_EQUITY a ring whose size is a power of two, id - 1
 * modulo the size, where a slot is reused once its order has ended (the
 * ring doubles when a new id would land on a still open order), so a
 * sweep's runs keep only the orders in flight. */
static size_t slot_of(const struct kr_bt_state *st, uint64_t id)
{
    return st->ring ? (size_t)((id - 1) & st->mask) : (size_t)(id - 1);
}

static kr_order *order_by_id(const struct kr_bt_state *st, uint64_t id)
{
    if (id == 0)
        return NULL;
    if (st->ring) {
        kr_order *o = &st->bt->orders[slot_of(st, id)];
        return o->id == id ? o : NULL;
    }
    return id <= st->bt->norders ? &st->bt->orders[id - 1] : NULL;
}

static kr_order_extra *extra_of(const struct kr_bt_state *st, uint64_t id)
{
    return &st->bt->extra[slot_of(st, id)];
}

static ord_aux *aux_of(const struct kr_bt_state *st, uint64_t id)
{
    return &st->aux[slot_of(st, id)];
}

static int publish_order(struct kr_bt_state *st, const kr_order *o, int event)
{
    kr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = kr_clock_now(&st->clock);
    ev.type = KR_EV_ORDER_EVENT;
    ev.symbol = o->symbol;
    ev.u.ref.ptr = (void *)o;
    ev.u.ref.index = o->id;
    ev.u.ref.tag = (uint64_t)event;
    st->bt->nevents++;
    return kr_bus_publish_event(&st->bus, &ev);
}

static int publish_fill(struct kr_bt_state *st, const kr_fill *f)
{
    kr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = f->ts;
    ev.type = KR_EV_FILL;
    ev.symbol = f->symbol;
    ev.u.ref.ptr = (void *)f;
    st->bt->nevents++;
    return kr_bus_publish_event(&st->bus, &ev);
}

/* What order o adds to its symbol's pending quantity: its signed leaves
 * while open, for the strategy's own orders sent with a quantity. */
static int64_t pending_of(const struct kr_bt_state *st, const kr_order *o)
{
    if (!kr_order_is_open(o) || aux_of(st, o->id)->reduce ||
        !isnan(extra_of(st, o->id)->target))
        return 0;
    return o->side * kr_order_leaves(o);
}

/* Applies an event to an order record, keeping the symbol's pending
 * quantity; a failure is a bug of the venue. */
static int apply(struct kr_bt_state *st, kr_order *o, const kr_order_event *e)
{
    const int64_t before = pending_of(st, o);
    kr_order_event ev = *e;
    kr_ts now = kr_clock_now(&st->clock);
    if (ev.ts == KR_TS_NONE || ev.ts < o->ts_last)
        ev.ts = o->ts_last > now ? o->ts_last : now;
    if (kr_order_transition(o, &ev) != KR_OK) {
        char msg[160];
        snprintf(msg, sizeof msg, "illegal %s on order %llu in status %s",
                 kr_order_event_name(ev.type), (unsigned long long)o->id,
                 kr_order_status_name(o->status));
        return fail(st, KR_EINVAL, "venue", msg);
    }
    st->sym[o->symbol].pending += pending_of(st, o) - before;
    return KR_OK;
}

/* Doubles the ring (KR_RECORD_EQUITY), moving the open orders; ended ones
 * are dropped. */
static int grow_ring(struct kr_bt_state *st)
{
    kr_backtest *bt = st->bt;
    size_t old = st->ocap, cap = old ? old * 2 : 64;
    kr_order *o = calloc(cap, sizeof *o);
    kr_order_extra *x = calloc(cap, sizeof *x);
    ord_aux *a = calloc(cap, sizeof *a);
    if (!o || !x || !a) {
        free(o);
        free(x);
        free(a);
        return KR_ENOMEM;
    }
    for (size_t i = 0; i < old; i++) {
        if (bt->orders[i].id == 0 || !kr_order_is_open(&bt->orders[i]))
            continue;
        size_t k = (size_t)((bt->orders[i].id - 1) & (cap - 1));
        o[k] = bt->orders[i];
        x[k] = bt->extra[i];
        a[k] = st->aux[i];
    }
    free(bt->orders);
    free(bt->extra);
    free(st->aux);
    bt->orders = o;
    bt->extra = x;
    st->aux = a;
    st->ocap = cap;
    st->mask = cap - 1;
    bt->norders = cap; /* loops over the store visit every slot */
    return KR_OK;
}

/* Makes a new order record (status NEW) and returns it. */
static int new_order(struct kr_bt_state *st, const kr_order_params *p,
                     uint32_t s, int role, const char *tag, double target,
                     kr_order **out)
{
    kr_backtest *bt = st->bt;
    size_t k;
    if (st->ring) {
        for (;;) {
            k = st->ocap ? (size_t)((p->id - 1) & st->mask) : 0;
            if (st->ocap && (bt->orders[k].id == 0 ||
                             !kr_order_is_open(&bt->orders[k])))
                break;
            if (grow_ring(st))
                return KR_ENOMEM;
        }
    } else {
        size_t need = bt->norders + 1, cap = st->ocap;
        if (grow((void **)&bt->orders, &cap, need, sizeof *bt->orders))
            return KR_ENOMEM;
        cap = st->ocap;
        if (grow((void **)&bt->extra, &cap, need, sizeof *bt->extra))
            return KR_ENOMEM;
        cap = st->ocap;
        if (grow((void **)&st->aux, &cap, need, sizeof *st->aux))
            return KR_ENOMEM;
        st->ocap = cap;
        k = bt->norders;
    }
    kr_order *o = &bt->orders[k];
    int rc = kr_order_init(o, p, &st->in->inst[s]);
    if (rc)
        return rc;
    kr_order_extra *x = &bt->extra[k];
    memset(x, 0, sizeof *x);
    x->role = role;
    x->target = target;
    if (tag) {
        /* A bounded copy: snprintf costs more than the rest of an order. */
        size_t n = strnlen(tag, sizeof x->tag - 1);
        memcpy(x->tag, tag, n);
        x->tag[n] = '\0';
    }
    ord_aux *a = &st->aux[k];
    a->tp = a->sl = NAN;
    a->tp_id = a->sl_id = 0;
    a->reduce = role != KR_ROLE_ENTRY;
    if (!st->ring)
        bt->norders++;
    bt->order_count++;
    *out = o;
    return KR_OK;
}

static int reject(struct kr_bt_state *st, kr_order *o, const char *reason)
{
    kr_order_event ev = {.type = KR_OEV_REJECT, .ts = o->ts_last};
    ev.u.reason = reason;
    int rc = apply(st, o, &ev);
    if (rc)
        return rc;
    st->bt->reject_count++;
    KR_DEBUG("backtest", "order %llu rejected: %s",
                 (unsigned long long)o->id, reason);
    return publish_order(st, o, KR_OEV_REJECT);
}

/* Signed leaves of the open entry orders of symbol s (the short check). */
static double pending(const struct kr_bt_state *st, uint32_t s)
{
    return units(posn(st, s), st->sym[s].pending);
}

/* Risk-checks order o (status NEW) and sends it, or rejects it. `qty` is
 * the signed quantity the check sees, `ref` its reference price. */
static int send(struct kr_bt_state *st, kr_order *o, double qty, double ref)
{
    uint32_t s = o->symbol;
    const kr_position *p = posn(st, s);
    const ord_aux *a = aux_of(st, o->id);
    char reason[KR_ORDER_REASON_MAX];
    int rc0 = sync(st);
    if (rc0)
        return rc0;
    if (!(ref > 0))
        return reject(st, o, "no reference price: the symbol has no bar yet");
    if (!st->cfg.allow_short && !a->reduce) {
        double after = units(p, p->qty) + qty;
        if (isnan(extra_of(st, o->id)->target))
            after += pending(st, s);
        if (after < -1e-12) {
            snprintf(reason, sizeof reason,
                     "no shorting: the position would be %.10g", after);
            return reject(st, o, reason);
        }
    }
    kr_risk_order ro = {
        .qty = qty,
        .price = ref,
        .multiplier = (double)p->inst.multiplier,
        .position = units(p, p->qty),
        .gross = money(st, st->gross),
        .equity = equity_now(st),
    };
    int rc = kr_risk_check(&st->limits, &ro, reason, sizeof reason);
    if (rc)
        return reject(st, o, reason);
    kr_order_event ev = {.type = KR_OEV_SUBMIT, .ts = o->ts_last};
    if ((rc = apply(st, o, &ev)))
        return rc;
    st->bt->nevents++;
    return kr_simx_submit(&st->simx, o);
}

/* Places or resizes the bracket children of parent o after one of its
 * fills. The children cover the position the parent built: its filled
 * quantity, but no more than the position held on the parent's side (a
 * parent that reversed a position covers only the new side), so a child
 * only ever reduces. */
static int bracket(struct kr_bt_state *st, kr_order *o)
{
    const uint64_t pid = o->id;
    double tpx = aux_of(st, pid)->tp, slx = aux_of(st, pid)->sl;
    if (isnan(tpx) && isnan(slx))
        return KR_OK;
    int64_t held = o->side * posn(st, o->symbol)->qty;
    int64_t qty = held < o->filled_qty ? held : o->filled_qty;
    if (o->lot_size > 0 && qty > 0)
        qty -= qty % o->lot_size;
    if (qty <= 0)
        return KR_OK;
    char tag[sizeof st->bt->extra[0].tag];
    memcpy(tag, extra_of(st, pid)->tag, sizeof tag);
    for (int leg = 0; leg < 2; leg++) {
        /* A strategy called back from an earlier step may have added
         * orders: the store may have moved. */
        if (!(o = order_by_id(st, pid)))
            return KR_OK;
        double px = leg == 0 ? tpx : slx;
        if (isnan(px))
            continue;
        uint64_t cid = leg == 0 ? aux_of(st, pid)->tp_id : aux_of(st, pid)->sl_id;
        kr_order *c = order_by_id(st, cid);
        if (c && kr_order_is_open(c)) {
            kr_order_event ev = {.type = KR_OEV_MODIFY,
                                 .ts = kr_clock_now(&st->clock)};
            ev.u.modify.qty = c->filled_qty + qty;
            ev.u.modify.limit_px = KR_PX_NONE;
            ev.u.modify.stop_px = KR_PX_NONE;
            if (ev.u.modify.qty == c->qty)
                continue;
            int rc = apply(st, c, &ev);
            if (rc == KR_OK)
                rc = kr_simx_modified(&st->simx, c);
            if (rc)
                return rc;
            continue;
        }
        if (c) /* the leg already ended: do not re-arm it */
            continue;
        int64_t raw;
        int rc = to_raw(px, o->price_precision, &raw);
        if (rc)
            return rc;
        kr_order_params p = {
            .id = kr_order_ids_next(&st->ids),
            .side = -o->side,
            .type = leg == 0 ? KR_ORDER_LIMIT : KR_ORDER_STOP,
            .tif = KR_TIF_GTC,
            .qty = qty,
            .limit_px = leg == 0 ? raw : KR_PX_NONE,
            .stop_px = leg == 0 ? KR_PX_NONE : raw,
            .ts = kr_clock_now(&st->clock),
        };
        rc = new_order(st, &p, o->symbol,
                       leg == 0 ? KR_ROLE_TAKE_PROFIT : KR_ROLE_STOP_LOSS,
                       tag, NAN, &c);
        if (rc)
            return rc;
        extra_of(st, c->id)->parent = pid;
        if (!order_by_id(st, pid)) /* the ring reused its slot */
            return send(st, c, kr_fixed_to_double(qty, c->size_precision) *
                                   c->side, px);
        if (leg == 0)
            aux_of(st, pid)->tp_id = c->id;
        else
            aux_of(st, pid)->sl_id = c->id;
        uint64_t other = leg == 0 ? aux_of(st, pid)->sl_id
                                  : aux_of(st, pid)->tp_id;
        if (other && order_by_id(st, other)) {
            extra_of(st, c->id)->oco = other;
            extra_of(st, other)->oco = c->id;
        }
        double sq = kr_fixed_to_double(qty, c->size_precision) * c->side;
        if ((rc = send(st, c, sq, px)))
            return rc;
    }
    return KR_OK;
}

/* After a fill of OCO child c (raw qty), shrinks or cancels its sibling. */
static int oco(struct kr_bt_state *st, const kr_order *c, int64_t qty)
{
    uint64_t sid = extra_of(st, c->id)->oco;
    kr_order *sib = order_by_id(st, sid);
    if (!sib || !kr_order_is_open(sib))
        return KR_OK;
    int64_t left = sib->qty - qty;
    if (c->status == KR_ORDER_FILLED || left <= sib->filled_qty)
        return kr_simx_cancel(&st->simx, sib);
    kr_order_event ev = {.type = KR_OEV_MODIFY, .ts = kr_clock_now(&st->clock)};
    ev.u.modify.qty = left;
    ev.u.modify.limit_px = KR_PX_NONE;
    ev.u.modify.stop_px = KR_PX_NONE;
    int rc = apply(st, sib, &ev);
    return rc ? rc : kr_simx_modified(&st->simx, sib);
}

/* Books a fill of order o: portfolio, marks, trades, records, brackets,
 * then the strategy. */
static int book(struct kr_bt_state *st, kr_order *o, int64_t qty,
                int64_t price, int64_t commission, int64_t fees, kr_ts ts)
{
    kr_backtest *bt = st->bt;
    uint32_t s = o->symbol;
    kr_fill f = {
        .order_id = o->id,
        .symbol = s,
        .side = o->side,
        .qty = qty,
        .price = price,
        .commission = commission,
        .fees = fees,
        .ts = ts,
    };
    int64_t q0 = posn(st, s)->qty, notional;
    int rc = kr_portfolio_apply_fill(&bt->pf, &f);
    bt->fill_count += rc == KR_OK;
    if (rc)
        return fail(st, rc, "portfolio", "a fill could not be booked "
                                         "(amounts out of range)");
    sym_state *y = &st->sym[s];
    const int64_t q1 = posn(st, s)->qty;
    y->units = units(posn(st, s), q1);
    if ((rc = remark(st, s)))
        return rc;
    y->mvd = y->mark_row != SIZE_MAX
                 ? y->units * st->in->bars[s].close[y->mark_row] *
                       (double)st->in->inst[s].multiplier
                 : money(st, y->mv);
    if (q0 == 0 && q1 != 0) {
        y->held_at = st->nheld;
        st->held[st->nheld++] = s;
    } else if (q0 != 0 && q1 == 0) {
        uint32_t moved = st->held[--st->nheld];
        st->held[y->held_at] = moved;
        st->sym[moved].held_at = y->held_at;
    }
    if (st->record_all &&
        kr_notional(&st->in->inst[s], price, qty, st->cfg.ccy_precision,
                    &notional) == KR_OK)
        st->traded += money(st, notional);
    if (st->record_all) {
        if (grow((void **)&bt->fills, &st->fcap, bt->nfills + 1,
                 sizeof *bt->fills))
            return KR_ENOMEM;
        bt->fills[bt->nfills++] = f;
        if ((rc = track_trade(st, &f, q0)))
            return rc;
    }
    if (st->cfg.check_ledger && (rc = check_ledger(st)))
        return rc;
    const uint64_t oid = o->id;
    if (extra_of(st, oid)->role == KR_ROLE_ENTRY && (rc = bracket(st, o)))
        return rc;
    if (!(o = order_by_id(st, oid)))
        return fail(st, KR_EINVAL, "orders", "an order vanished (a bug)");
    if (extra_of(st, oid)->oco && (rc = oco(st, o, qty)))
        return rc;
    if (!(o = order_by_id(st, oid)))
        return fail(st, KR_EINVAL, "orders", "an order vanished (a bug)");
    if ((rc = publish_fill(st, &f)))
        return rc;
    return publish_order(st, o, KR_OEV_FILL);
}

/* ------------------------------------------------------------------------
 * The venue's side: report, order, resolve
 * ------------------------------------------------------------------------ */

static int sink_report(void *engine, const kr_venue_report *r)
{
    struct kr_bt_state *st = engine;
    kr_order *o = order_by_id(st, r->order_id);
    if (!o)
        return fail(st, KR_EINVAL, "venue", "report for an unknown order");
    int rc = apply(st, o, &r->ev);
    if (rc)
        return rc;
    st->bt->nevents++;
    if (r->ev.type == KR_OEV_FILL)
        return book(st, o, r->ev.u.fill.qty, r->ev.u.fill.price,
                    r->commission, r->fees, r->ev.ts);
    if (r->ev.type == KR_OEV_CANCEL || r->ev.type == KR_OEV_EXPIRE ||
        r->ev.type == KR_OEV_REJECT) {
        /* A bracket parent that ends unfilled takes nothing with it; an
         * ended child leaves its sibling alone (the position still needs
         * the other leg). */
    }
    return publish_order(st, o, r->ev.type);
}

static const kr_order *sink_order(void *engine, uint64_t id)
{
    return order_by_id(engine, id);
}

/* Whether a fill of `want` (signed raw) at `price` leaves the position
 * worth at most frac x (equity - commission) - other - one cent, in exact
 * integer money (`equity` and `other`, the gross exposure of the other
 * symbols, are raw money with this symbol valued at `price`). A fill that
 * only reduces the position always fits. *excess gets by how much it does
 * not (raw money). */
static int fits(struct kr_bt_state *st, const kr_instrument *inst,
                int64_t price, int64_t pos, int64_t want, double frac,
                int64_t equity, int64_t other, double *excess)
{
    const int cp = st->cfg.ccy_precision;
    int64_t after = pos + want;
    int64_t a_after = after < 0 ? -after : after;
    int64_t a_pos = pos < 0 ? -pos : pos;
    bool same = (after > 0) == (pos > 0) || pos == 0 || after == 0;
    *excess = 0;
    if (want == 0 || (a_after <= a_pos && same))
        return 1;
    int64_t n_after, c = 0, w = want < 0 ? -want : want;
    if (kr_notional(inst, price, a_after, cp, &n_after) ||
        kr_cost_commission(&st->cfg.venue.cost, inst, w, price, cp, &c))
        return 0;
    double limit = frac * (double)(equity - c) - (double)other - 1.0;
    *excess = (double)n_after - (limit > 0 ? limit : 0);
    return (double)n_after <= limit;
}

/* Adjusts `*want` (signed raw, a multiple of lotq) to the largest whole-lot
 * fill, no larger than asked and toward zero from it, that fits (above).
 * The excess gives a first cut; bisection between the last size that did
 * not fit and the first that did then finds the exact answer, whatever the
 * commission model (the cost grows with the quantity). */
static void fit(struct kr_bt_state *st, const kr_instrument *inst,
                int64_t price, int64_t pos, int64_t *want, double frac,
                int64_t equity, int64_t other, int64_t lotq)
{
    static const double p10[] = {1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3,
                                 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,  1e4,
                                 1e5,  1e6,  1e7,  1e8,  1e9};
    const double per_q = kr_fixed_to_double(price, inst->price_precision) *
                         (double)inst->multiplier *
                         p10[9 + st->cfg.ccy_precision - inst->size_precision];
    double excess;
    if (fits(st, inst, price, pos, *want, frac, equity, other, &excess))
        return;
    const int64_t sgn = *want > 0 ? 1 : -1;
    int64_t hi = *want * sgn / lotq; /* in lots, does not fit */
    int64_t lo = 0;                  /* in lots, fits (no trade always does) */
    /* The excess priced at the fill price, in lots, is about what must go;
     * try just below that first. */
    double dq = per_q > 0 ? ceil(excess / per_q / (double)lotq) : (double)hi;
    int64_t guess = dq < (double)hi ? hi - (int64_t)dq : 0;
    /* Gallop down from the guess to a size that fits, doubling the step,
     * so that the bisection below runs over a few lots, not the order. */
    for (int64_t step = 1; guess > 0;) {
        if (fits(st, inst, price, pos, sgn * guess * lotq, frac, equity,
                 other, &excess)) {
            lo = guess;
            break;
        }
        hi = guess;
        guess = guess > step ? guess - step : 0;
        step *= 2;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (fits(st, inst, price, pos, sgn * mid * lotq, frac, equity, other,
                 &excess))
            lo = mid;
        else
            hi = mid;
    }
    *want = sgn * lo * lotq;
}

/* The quantity order o may fill at `price` (raw): the target's, capped by
 * buying power and by the no-shorting rule, in whole lots (the quantum of
 * the size precision without a lot). Integer arithmetic throughout, so a
 * target of 0 sells exactly what is held and a buy never spends more than
 * the equity allows. */
static int sink_resolve(void *engine, uint64_t id, int64_t price,
                        int64_t *qty)
{
    struct kr_bt_state *st = engine;
    kr_order *o = order_by_id(st, id);
    if (!o || !kr_order_is_open(o))
        return KR_ENOENT;
    int rc0 = sync(st);
    if (rc0)
        return rc0;
    const kr_order_extra *ox = extra_of(st, id);
    const ord_aux *oa = aux_of(st, id);
    const uint32_t s = o->symbol;
    const kr_position *p = posn(st, s);
    const kr_instrument *inst = &p->inst;
    const int64_t lotq = inst->lot_size > 0 ? inst->lot_size : 1;
    const int64_t pos = p->qty;
    /* Equity and the other symbols' gross with this one at the price. */
    int64_t mv_at = 0;
    if (pos != 0 &&
        kr_notional(inst, price, pos, st->cfg.ccy_precision, &mv_at))
        return KR_ERANGE;
    const int64_t mvs = st->sym[s].mv;
    const int64_t equity = st->bt->pf.cash + st->net - mvs + mv_at;
    const int64_t other = st->gross - (mvs < 0 ? -mvs : mvs);
    const double target = ox->target;
    const double lev = st->limits.max_leverage;
    int64_t want; /* signed raw quantity to trade */
    int rc;
    if (!isnan(target)) {
        double f = target < 0 && !st->cfg.allow_short ? 0 : target;
        int64_t goal = 0;
        if (f != 0) {
            /* A first guess from the equity alone, a few lots over the
             * answer at most; fit() takes the commission and the cent off
             * exactly, and never grows past this. */
            double px = kr_fixed_to_double(price, inst->price_precision);
            /* The position's value may round up by half a cent and must
             * leave a cent: aim at half a cent below the equity. */
            double units = f * (money(st, equity) -
                                0.5 * kr_fixed_to_double(
                                          1, st->cfg.ccy_precision)) /
                           (px * (double)inst->multiplier);
            static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4,
                                         1e5, 1e6, 1e7, 1e8, 1e9};
            double g = trunc(units * p10[inst->size_precision]);
            if (!(fabs(g) < 9e18))
                return KR_ERANGE;
            goal = (int64_t)g;
        }
        want = goal - pos;
        want -= want % lotq; /* toward zero: no churn within a lot */
        /* The guess ignores the commission, and rounding may leave it a
         * quantum under the answer. When it fits and one lot
         * more does not, it is the answer; when one more fits too, start
         * two lots above and let fit() cut back to the exact largest. A
         * fill that only reduces always fits and is left as it is. */
        const int64_t after = pos + want;
        const bool adds = (after < 0 ? -after : after) > (pos < 0 ? -pos : pos) ||
                          (after != 0 && pos != 0 && (after > 0) != (pos > 0));
        if (adds) {
            const int64_t step = want > 0 ? lotq : -lotq;
            double ex;
            bool done = false;
            if (fits(st, inst, price, pos, want, fabs(f), equity, 0, &ex)) {
                if (fits(st, inst, price, pos, want + step, fabs(f), equity,
                         0, &ex))
                    want += 2 * step;
                else
                    done = true;
            }
            if (!done)
                fit(st, inst, price, pos, &want, fabs(f), equity, 0, lotq);
        }
        if (lev > 0)
            fit(st, inst, price, pos, &want, lev, equity, other, lotq);
    } else {
        want = o->side * kr_order_leaves(o);
        if (!st->cfg.allow_short && !oa->reduce && pos + want < 0)
            want = pos > 0 ? -pos : 0;
        if (oa->reduce) {
            /* A child only ever closes what is held. */
            if (pos == 0 || (pos > 0) == (want > 0))
                want = 0;
            else if ((want < 0 ? -want : want) > (pos < 0 ? -pos : pos))
                want = -pos;
        }
        want -= want % lotq;
        if (lev > 0)
            fit(st, inst, price, pos, &want, lev, equity, other, lotq);
    }
    /* The order's side is fixed: a target now on the other side is
     * reached. */
    if (want * o->side <= 0)
        return KR_ENOENT;
    int64_t raw = want < 0 ? -want : want;
    if (raw != kr_order_leaves(o)) {
        kr_order_event ev = {.type = KR_OEV_MODIFY,
                             .ts = kr_clock_now(&st->clock)};
        ev.u.modify.qty = o->filled_qty + raw;
        ev.u.modify.limit_px = KR_PX_NONE;
        ev.u.modify.stop_px = KR_PX_NONE;
        if ((rc = apply(st, o, &ev)))
            return rc;
    }
    *qty = raw;
    return KR_OK;
}

/* An engine-made market fill at the mark (margin call, end of run), with
 * the run's slippage and commission. */
static int liquidate(struct kr_bt_state *st, uint32_t s, const char *tag)
{
    const kr_position *p = posn(st, s);
    if (p->qty == 0)
        return KR_OK;
    int64_t mark, px, comm = 0;
    int rc = mark_raw(st, s, &mark);
    if (rc)
        return rc;
    if (mark == KR_PX_NONE)
        mark = p->last_px;
    int side = p->qty > 0 ? KR_SELL : KR_BUY;
    int64_t qty = p->qty > 0 ? p->qty : -p->qty;
    kr_fill_bar fb = {mark, mark, mark, mark, 0};
    if (st->sym[s].mark_row != SIZE_MAX) {
        const kr_bars *b = &st->in->bars[s];
        size_t r = st->sym[s].mark_row;
        int pp = p->inst.price_precision;
        if (to_raw(b->high[r], pp, &fb.high) || to_raw(b->low[r], pp, &fb.low))
            fb.high = fb.low = mark;
        if (fb.high < mark)
            fb.high = mark;
        if (fb.low > mark)
            fb.low = mark;
        fb.open = mark;
        fb.close = mark;
    }
    if ((rc = kr_cost_slippage(&st->cfg.venue.cost, &p->inst, side, mark, qty,
                               &fb, KR_PX_NONE, &px)))
        return rc;
    if ((rc = kr_cost_commission(&st->cfg.venue.cost, &p->inst, qty, px,
                                 st->cfg.ccy_precision, &comm)))
        return rc;
    kr_order_params op = {
        .id = kr_order_ids_next(&st->ids),
        .side = side,
        .type = KR_ORDER_MARKET,
        .tif = KR_TIF_IOC,
        .qty = qty,
        .limit_px = KR_PX_NONE,
        .stop_px = KR_PX_NONE,
        .ts = kr_clock_now(&st->clock),
    };
    kr_order *o;
    if ((rc = new_order(st, &op, s, KR_ROLE_LIQUIDATION, tag, NAN, &o)))
        return rc;
    kr_order_event ev = {.type = KR_OEV_SUBMIT, .ts = op.ts};
    if ((rc = apply(st, o, &ev)))
        return rc;
    ev.type = KR_OEV_ACCEPT;
    if ((rc = apply(st, o, &ev)))
        return rc;
    ev.type = KR_OEV_FILL;
    ev.u.fill.qty = qty;
    ev.u.fill.price = px;
    if ((rc = apply(st, o, &ev)))
        return rc;
    return book(st, o, qty, px, comm, 0, op.ts);
}

/* ------------------------------------------------------------------------
 * Context calls
 * ------------------------------------------------------------------------ */

kr_ts kr_ctx_now(const kr_ctx *c)
{
    return c->st->clock.now;
}

void kr_order_request_init(kr_order_request *r)
{
    memset(r, 0, sizeof *r);
    r->side = KR_BUY;
    r->type = KR_ORDER_MARKET;
    r->tif = KR_TIF_GTC;
    r->limit_px = r->stop_px = r->target = NAN;
    r->take_profit = r->stop_loss = NAN;
}

static double last_close(const struct kr_bt_state *st, uint32_t s)
{
    const sym_state *y = &st->sym[s];
    return y->seen ? st->in->bars[s].close[y->seen - 1] : NAN;
}

int kr_ctx_submit(kr_ctx *c, const kr_order_request *r, uint64_t *id)
{
    struct kr_bt_state *st = c->st;
    if (!r || r->symbol >= st->nsym)
        return KR_EINVAL;
    const uint32_t s = r->symbol;
    const kr_instrument *inst = &st->in->inst[s];
    const bool is_target = !isnan(r->target);
    const bool need_limit =
        r->type == KR_ORDER_LIMIT || r->type == KR_ORDER_STOP_LIMIT;
    const bool need_stop =
        r->type == KR_ORDER_STOP || r->type == KR_ORDER_STOP_LIMIT;
    if (r->type < KR_ORDER_MARKET || r->type > KR_ORDER_STOP_LIMIT ||
        r->tif < KR_TIF_GTC || r->tif > KR_TIF_FOK ||
        (need_limit && !(isfinite(r->limit_px) && r->limit_px > 0)) ||
        (need_stop && !(isfinite(r->stop_px) && r->stop_px > 0)) ||
        (is_target && !isfinite(r->target)) ||
        (!isnan(r->take_profit) && !(r->take_profit > 0)) ||
        (!isnan(r->stop_loss) && !(r->stop_loss > 0)))
        return KR_EINVAL;

    double ref = need_limit ? r->limit_px
                 : need_stop ? r->stop_px
                             : last_close(st, s);
    const kr_position *p = posn(st, s);
    const double lot = unit_lot(inst);
    double sq; /* signed quantity */
    if (is_target) {
        if (!(ref > 0)) {
            /* No price yet: nothing to size against. */
            sq = NAN;
        } else {
            double goal = r->target * equity_now(st) /
                          (ref * (double)inst->multiplier);
            sq = kr_round_lot(goal - units(p, p->qty), lot);
        }
        if (!isnan(sq)) {
            int64_t raw;
            if (to_raw(fabs(sq), inst->size_precision, &raw) || raw <= 0 ||
                (inst->lot_size > 0 && raw < inst->lot_size)) {
                if (id)
                    *id = 0;
                return KR_OK; /* already at the target */
            }
        }
    } else {
        if (!(isfinite(r->qty) && r->qty > 0) ||
            (r->side != KR_BUY && r->side != KR_SELL))
            return KR_EINVAL;
        sq = r->side * kr_round_lot(r->qty, lot);
    }
    int64_t qraw = 1;
    if (!isnan(sq) &&
        (to_raw(fabs(sq), inst->size_precision, &qraw) || qraw <= 0))
        return KR_EINVAL;
    if (inst->lot_size > 0)
        qraw -= qraw % inst->lot_size;
    if (qraw <= 0)
        return KR_EINVAL;
    kr_order_params op = {
        .id = kr_order_ids_next(&st->ids),
        .side = isnan(sq) ? (r->target >= 0 ? KR_BUY : KR_SELL)
                          : (sq > 0 ? KR_BUY : KR_SELL),
        .type = r->type,
        .tif = r->tif,
        .qty = qraw,
        .limit_px = KR_PX_NONE,
        .stop_px = KR_PX_NONE,
        .ts = st->clock.now == KR_TS_NONE ? 0 : st->clock.now,
    };
    if (need_limit && to_raw(r->limit_px, inst->price_precision, &op.limit_px))
        return KR_EINVAL;
    if (need_stop && to_raw(r->stop_px, inst->price_precision, &op.stop_px))
        return KR_EINVAL;
    kr_order *o;
    int rc = new_order(st, &op, s, KR_ROLE_ENTRY, r->tag,
                       is_target ? r->target : NAN, &o);
    if (rc)
        return rc;
    aux_of(st, o->id)->tp = r->take_profit;
    aux_of(st, o->id)->sl = r->stop_loss;
    if (id)
        *id = o->id;
    uint64_t oid = o->id;
    if (isnan(sq))
        sq = op.side * kr_fixed_to_double(qraw, inst->size_precision);
    if (is_target && !st->cfg.allow_short && r->target < 0) {
        rc = reject(st, o, "no shorting: the target is negative");
        return rc ? rc : KR_EREJECTED;
    }
    rc = send(st, o, sq, ref);
    if (rc)
        return rc;
    o = order_by_id(st, oid);
    return o && o->status == KR_ORDER_REJECTED ? KR_EREJECTED : KR_OK;
}

int kr_ctx_cancel(kr_ctx *c, uint64_t id)
{
    kr_order *o = order_by_id(c->st, id);
    if (!o || !kr_order_is_open(o))
        return KR_ENOENT;
    return kr_simx_cancel(&c->st->simx, o);
}

int kr_ctx_modify(kr_ctx *c, uint64_t id, double qty, double limit_px,
                  double stop_px)
{
    struct kr_bt_state *st = c->st;
    kr_order *o = order_by_id(st, id);
    if (!o || !kr_order_is_open(o))
        return KR_ENOENT;
    kr_order_event ev = {.type = KR_OEV_MODIFY, .ts = st->clock.now};
    ev.u.modify.qty = 0;
    ev.u.modify.limit_px = KR_PX_NONE;
    ev.u.modify.stop_px = KR_PX_NONE;
    if (qty != 0 &&
        (!(qty > 0) || to_raw(qty, o->size_precision, &ev.u.modify.qty)))
        return KR_EINVAL;
    if (!isnan(limit_px) &&
        (!(limit_px > 0) ||
         to_raw(limit_px, o->price_precision, &ev.u.modify.limit_px)))
        return KR_EINVAL;
    if (!isnan(stop_px) &&
        (!(stop_px > 0) ||
         to_raw(stop_px, o->price_precision, &ev.u.modify.stop_px)))
        return KR_EINVAL;
    if (ev.ts < o->ts_last)
        ev.ts = o->ts_last;
    const int64_t before = pending_of(st, o);
    if (kr_order_transition(o, &ev) != KR_OK)
        return KR_EINVAL;
    st->sym[o->symbol].pending += pending_of(st, o) - before;
    return kr_simx_modified(&st->simx, o);
}

size_t kr_ctx_cancel_all(kr_ctx *c, uint32_t symbol)
{
    struct kr_bt_state *st = c->st;
    size_t n = 0;
    uint32_t first = symbol == KR_SYMBOL_NONE ? 0 : symbol;
    uint32_t last = symbol == KR_SYMBOL_NONE ? (uint32_t)st->nsym : symbol + 1;
    for (uint32_t s = first; s < last && s < st->nsym; s++) {
        /* The exchange's working ids, copied first: canceling changes its
         * book, and a strategy called back may send more. */
        uint64_t small[16], *ids = small;
        size_t k = kr_simx_working_ids(&st->simx, s, small, 16);
        if (k > 16) {
            ids = malloc(k * sizeof *ids);
            if (!ids)
                return n;
            kr_simx_working_ids(&st->simx, s, ids, k);
        }
        for (size_t j = 0; j < k; j++) {
            kr_order *o = order_by_id(st, ids[j]);
            if (o && kr_order_is_open(o) && kr_simx_cancel(&st->simx, o) == KR_OK)
                n++;
        }
        if (ids != small)
            free(ids);
    }
    return n;
}

const kr_order *kr_ctx_order(const kr_ctx *c, uint64_t id)
{
    return order_by_id(c->st, id);
}

size_t kr_ctx_open_orders(const kr_ctx *c, uint32_t symbol)
{
    const struct kr_bt_state *st = c->st;
    if (symbol < st->nsym && st->simx_ready)
        return kr_simx_working(&st->simx, symbol);
    size_t n = 0;
    for (size_t i = 0; i < st->bt->norders; i++)
        if ((symbol == KR_SYMBOL_NONE || st->bt->orders[i].symbol == symbol) &&
            kr_order_is_open(&st->bt->orders[i]))
            n++;
    return n;
}

double kr_ctx_position(const kr_ctx *c, uint32_t symbol)
{
    return symbol < c->st->nsym ? c->st->sym[symbol].units : NAN;
}

double kr_ctx_equity(const kr_ctx *c)
{
    return equity_now(c->st); /* syncs: the cache is the context's own */
}

double kr_ctx_cash(const kr_ctx *c)
{
    return money(c->st, c->st->bt->pf.cash);
}

const kr_portfolio *kr_ctx_portfolio(const kr_ctx *c)
{
    return &c->st->bt->pf;
}

const kr_instrument *kr_ctx_instrument(const kr_ctx *c, uint32_t symbol)
{
    return symbol < c->st->nsym ? &c->st->in->inst[symbol] : NULL;
}

int kr_ctx_history(const kr_ctx *c, uint32_t symbol, kr_bar_view *out)
{
    const struct kr_bt_state *st = c->st;
    if (symbol >= st->nsym || !out)
        return KR_EINVAL;
    const kr_bars *b = &st->in->bars[symbol];
    out->n = st->sym[symbol].seen;
    out->ts = b->ts;
    out->open = b->open;
    out->high = b->high;
    out->low = b->low;
    out->close = b->close;
    out->volume = b->volume;
    return KR_OK;
}

size_t kr_ctx_nsymbols(const kr_ctx *c)
{
    return c->st->nsym;
}

const char *kr_ctx_symbol_name(const kr_ctx *c, uint32_t symbol)
{
    const struct kr_bt_state *st = c->st;
    if (symbol >= st->nsym)
        return NULL;
    return st->in->names && st->in->names[symbol] ? st->in->names[symbol]
                                                  : "";
}

double kr_ctx_periods_per_year(const kr_ctx *c)
{
    return c->st->bt->ppy;
}

int kr_ctx_timer(kr_ctx *c, kr_ts ts, uint64_t id)
{
    struct kr_bt_state *st = c->st;
    if (st->clock.now != KR_TS_NONE && ts < st->clock.now)
        return KR_ERANGE;
    return kr_queue_timer_at(&st->queue, ts, id);
}

/* ------------------------------------------------------------------------
 * The strategy on the bus
 * ------------------------------------------------------------------------ */

/* A bar as the runner publishes it: the event (what any subscriber of
 * KR_TOPIC_BAR receives, as `msg`) first, and the same bar as a kr_bar
 * after it for the strategy. */
typedef struct bar_msg {
    kr_event ev;
    kr_bar bar;
} bar_msg;

static int on_bus(void *user, int topic, uint32_t symbol, const void *msg)
{
    struct kr_bt_state *st = user;
    const kr_strategy_ops *ops = st->strat->ops;
    void *self = st->strat->self;
    const kr_event *ev = msg;
    switch (topic) {
    case KR_TOPIC_BAR:
        /* Bars on the bus come only from bar_group, as a bar_msg: the
         * strategy gets the kr_bar written beside the event, not a copy
         * (copying the event's fields back out stalls on the stores just
         * made). */
        return ops->on_bar ? ops->on_bar(self, &st->ctx, symbol,
                                         &((const bar_msg *)msg)->bar)
                           : 0;
    case KR_TOPIC_TIMER:
        return ops->on_timer ? ops->on_timer(self, &st->ctx, ev->u.timer.id,
                                             ev->ts)
                             : 0;
    case KR_TOPIC_ORDER_EVENT:
        return ops->on_order_event
                   ? ops->on_order_event(self, &st->ctx, ev->u.ref.ptr,
                                         (int)ev->u.ref.tag)
                   : 0;
    case KR_TOPIC_FILL:
        return ops->on_fill ? ops->on_fill(self, &st->ctx, ev->u.ref.ptr) : 0;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------------
 * The loop
 * ------------------------------------------------------------------------ */

static kr_ts head_ts(const struct kr_bt_state *st, uint32_t s)
{
    const sym_state *y = &st->sym[s];
    return st->in->bars[s].ts[y->cursor];
}

static bool before(const struct kr_bt_state *st, uint32_t a, uint32_t b)
{
    kr_ts ta = head_ts(st, a), tb = head_ts(st, b);
    return ta < tb || (ta == tb && a < b);
}

static void heap_push(struct kr_bt_state *st, uint32_t s)
{
    size_t i = st->nheap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!before(st, s, st->heap[up]))
            break;
        st->heap[i] = st->heap[up];
        i = up;
    }
    st->heap[i] = s;
}

static uint32_t heap_pop(struct kr_bt_state *st)
{
    uint32_t top = st->heap[0];
    uint32_t last = st->heap[--st->nheap];
    size_t i = 0, n = st->nheap;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t c = l + 1 < n && before(st, st->heap[l + 1], st->heap[l])
                       ? l + 1
                       : l;
        if (!before(st, st->heap[c], last))
            break;
        st->heap[i] = st->heap[c];
        i = c;
    }
    if (n)
        st->heap[i] = last;
    return top;
}

/* Borrow on a short over the time since the symbol's previous bar. */
static int accrue_borrow(struct kr_bt_state *st, uint32_t s, kr_ts prev,
                         kr_ts now)
{
    const sym_state *y = &st->sym[s];
    if (y->mvd >= 0 || prev == KR_TS_NONE || now <= prev)
        return KR_OK;
    double amount = -y->mvd * st->cfg.borrow_rate *
                    ((double)(now - prev) / (365.0 * (double)DAY_NS));
    int64_t raw;
    int rc = kr_fixed_from_double(amount, st->cfg.ccy_precision, &raw);
    if (rc || raw == 0)
        return rc;
    if ((rc = kr_portfolio_charge(&st->bt->pf, s, raw)))
        return rc;
    st->bt->borrow_paid += raw;
    if (st->sym[s].trip)
        st->sym[s].trip_costs += money(st, raw);
    return KR_OK;
}

static int margin_call(struct kr_bt_state *st)
{
    st->bt->margin_calls++;
    KR_INFO("backtest", "margin call: equity %.2f below %.4g x gross %.2f",
                equity_now(st), st->cfg.maintenance_margin,
                money(st, st->gross));
    for (size_t i = 0; i < st->bt->norders; i++) {
        kr_order *o = &st->bt->orders[i];
        if (kr_order_is_open(o)) {
            int rc = kr_simx_cancel(&st->simx, o);
            if (rc)
                return rc;
        }
    }
    for (uint32_t s = 0; s < st->nsym; s++) {
        int rc = liquidate(st, s, "margin_call");
        if (rc)
            return rc;
    }
    return KR_OK;
}

/* Net and gross market value at the last closes, as doubles, from the
 * open positions' double values: the equity curve's (analytics), which
 * skip the exact fixed-point re-mark that orders and the ledger use. */
static void curve_values(const struct kr_bt_state *st, double *net,
                         double *gross)
{
    double n = 0, g = 0;
    for (size_t k = 0; k < st->nheld; k++) {
        double v = st->sym[st->held[k]].mvd;
        n += v;
        g += fabs(v);
    }
    *net = n;
    *gross = g;
}

/* Makes room for `cap` points in every recorded column. */
static int grow_points(struct kr_bt_state *st, size_t cap)
{
    kr_backtest *bt = st->bt;
    kr_ts *t = realloc(bt->ts, cap * sizeof *t);
    if (!t)
        return KR_ENOMEM;
    bt->ts = t;
    double **cols[] = {&bt->equity, &bt->cash, &bt->gross, &bt->net,
                       &bt->traded};
    size_t ncols = st->record_all ? 5 : 1;
    for (size_t k = 0; k < ncols; k++) {
        double *d = realloc(*cols[k], cap * sizeof *d);
        if (!d)
            return KR_ENOMEM;
        *cols[k] = d;
    }
    st->pcap = cap;
    return KR_OK;
}

static int record_point(struct kr_bt_state *st, kr_ts ts)
{
    kr_backtest *bt = st->bt;
    size_t i = bt->npoints;
    int rc;
    if (i == st->pcap &&
        (rc = grow_points(st, st->pcap ? st->pcap * 2 : st->point_hint)))
        return rc;
    double net, gross;
    curve_values(st, &net, &gross);
    if (bt->pf.cash != st->cash_seen) {
        st->cash_seen = bt->pf.cash;
        st->cash_d = money(st, bt->pf.cash);
    }
    const double cash = st->cash_d;
    bt->ts[i] = ts;
    bt->equity[i] = cash + net;
    if (st->record_all) {
        bt->cash[i] = cash;
        bt->gross[i] = gross;
        bt->net[i] = net;
        bt->traded[i] = st->traded;
    }
    st->traded = 0;
    bt->npoints = i + 1;
    return KR_OK;
}

/* A row the replay cannot use: a timestamp not after the last, or a price
 * not finite and > 0. */
static int bad_row(struct kr_bt_state *st, uint32_t s, size_t r)
{
    char msg[160];
    const kr_bars *b = &st->in->bars[s];
    if (r > 0 && b->ts[r] <= b->ts[r - 1])
        snprintf(msg, sizeof msg,
                 "series %u row %zu: timestamps must increase", s, r + 1);
    else
        snprintf(msg, sizeof msg,
                 "series %u row %zu: prices must be finite and > 0", s,
                 r + 1);
    return fail(st, KR_EINVAL, "data", msg);
}

/* Step 1 of a bar group for symbol s at time t: check the row, accrue
 * borrow, let the venue match the symbol's working orders against the
 * bar, and mark the position at the close (the curve's double value; the
 * exact re-mark waits for sync). */
static inline int match_and_mark(struct kr_bt_state *st, uint32_t s, kr_ts t,
                                 bool always)
{
    sym_state *y = &st->sym[s];
    const kr_bars *b = &st->in->bars[s];
    const size_t r = y->cursor;
    int rc;
    /* The columns stream in: ask for a few bars ahead. */
    enum { AHEAD = 32 };
    if (r + AHEAD < b->n) {
        __builtin_prefetch(&b->open[r + AHEAD]);
        __builtin_prefetch(&b->high[r + AHEAD]);
        __builtin_prefetch(&b->low[r + AHEAD]);
        __builtin_prefetch(&b->close[r + AHEAD]);
        __builtin_prefetch(&b->volume[r + AHEAD]);
        __builtin_prefetch(&b->ts[r + AHEAD]);
    }
    const double o = b->open[r], h = b->high[r], l = b->low[r],
                 c = b->close[r], v = b->volume[r];
    if ((y->last_ts != KR_TS_NONE && t <= y->last_ts) || !(o > 0) ||
        !(l > 0) || !(c > 0) || !(h > 0) || !(h < INFINITY) || isnan(v))
        return bad_row(st, s, r);
    /* Borrow on the short held since the previous close. */
    if (y->mvd < 0 && st->cfg.borrow_rate > 0 &&
        (rc = accrue_borrow(st, s, y->last_ts, t)))
        return rc;
    if (always || kr_simx_working(&st->simx, s) > 0) {
        const int pp = st->in->inst[s].price_precision;
        const int sp = st->in->inst[s].size_precision;
        kr_fill_bar fb;
        if (to_raw(o, pp, &fb.open) || to_raw(h, pp, &fb.high) ||
            to_raw(l, pp, &fb.low) || to_raw(c, pp, &fb.close) ||
            to_raw(v > 0 ? v : 0, sp, &fb.volume))
            return fail(st, KR_EINVAL, "bars",
                        "a bar's price or volume does not fit the "
                        "instrument's precision");
        /* Rounding to the tick can break low <= open, close <= high. */
        if (fb.high < fb.open) fb.high = fb.open;
        if (fb.high < fb.close) fb.high = fb.close;
        if (fb.low > fb.open) fb.low = fb.open;
        if (fb.low > fb.close) fb.low = fb.close;
        st->matching = true;
        rc = kr_simx_on_bar(&st->simx, s, t, &fb);
        st->matching = false;
        if (rc)
            return rc;
    }
    y->mark_row = r;
    y->seen = r + 1;
    y->last_ts = t;
    y->cursor = r + 1;
    st->bt->nbars++;
    if (y->units != 0) {
        y->mvd = y->units * c * (double)st->in->inst[s].multiplier;
        if (!y->stale) {
            y->stale = true;
            st->dirty[st->ndirty++] = s;
        }
    }
    return KR_OK;
}

/* Step 2: the margin check and, in checking runs, the ledger. */
static int after_marks(struct kr_bt_state *st)
{
    int rc;
    if (st->cfg.maintenance_margin > 0 && st->nheld) {
        double net, gross;
        curve_values(st, &net, &gross);
        if (money(st, st->bt->pf.cash) + net <
                st->cfg.maintenance_margin * gross &&
            (rc = margin_call(st)))
            return rc;
    }
    if (st->cfg.check_ledger && (rc = check_ledger(st)))
        return rc;
    return KR_OK;
}

/* Step 3: symbol s's bar (the row just marked) to the strategy over the
 * bus. */
static inline int publish_bar(struct kr_bt_state *st, uint32_t s, kr_ts t)
{
    const kr_bars *b = &st->in->bars[s];
    const size_t r = st->sym[s].seen - 1;
    if (st->direct) {
        /* The strategy is the bus's only bar subscriber: call it as the
         * bus would, without building the event. */
        const kr_bar bar = {t, b->open[r], b->high[r], b->low[r], b->close[r],
                            b->volume[r]};
        st->bt->nevents++;
        return st->strat->ops->on_bar
                   ? st->strat->ops->on_bar(st->strat->self, &st->ctx, s,
                                            &bar)
                   : 0;
    }
    bar_msg m;
    m.ev.ts = t;
    m.ev.seq = 0;
    m.ev.type = KR_EV_BAR;
    m.ev.symbol = s;
    m.ev.u.bar.open = m.bar.open = b->open[r];
    m.ev.u.bar.high = m.bar.high = b->high[r];
    m.ev.u.bar.low = m.bar.low = b->low[r];
    m.ev.u.bar.close = m.bar.close = b->close[r];
    m.ev.u.bar.volume = m.bar.volume = b->volume[r];
    m.bar.ts = t;
    st->bt->nevents++;
    return kr_bus_publish_event(&st->bus, &m.ev);
}

static inline void progress(struct kr_bt_state *st)
{
    kr_backtest *bt = st->bt;
    if (st->cfg.progress && bt->nbars >= st->next_progress) {
        st->cfg.progress(st->cfg.progress_user,
                         (double)bt->nbars / (double)st->total_bars);
        st->next_progress = bt->nbars + st->total_bars / 100 + 1;
    }
}

static int bar_group(struct kr_bt_state *st, kr_ts t, size_t ndue)
{
    int rc;
    /* The runner's own simulated clock, and the merge only moves forward:
     * set it without the ops call. */
    st->clock.now = t;
    const bool always = st->cfg.venue.fill_rule == KR_FILL_CLOSE;
    for (size_t k = 0; k < ndue; k++)
        if ((rc = match_and_mark(st, st->due[k], t, always)))
            return rc;
    if ((rc = after_marks(st)))
        return rc;
    for (size_t k = 0; k < ndue; k++)
        if ((rc = publish_bar(st, st->due[k], t)))
            return rc;
    if ((rc = record_point(st, t)))
        return rc;
    progress(st);
    return KR_OK;
}

/* Fires the timers due at or before t, before the bars of t. Timers set
 * after the last bar never fire: the run ends with the bars. */
static int fire_timers(struct kr_bt_state *st, kr_ts t)
{
    int rc;
    while (kr_queue_size(&st->queue) && kr_queue_peek(&st->queue)->ts <= t) {
        kr_event ev;
        kr_queue_pop(&st->queue, &ev);
        st->clock.now = ev.ts;
        st->bt->nevents++;
        if ((rc = kr_bus_publish_event(&st->bus, &ev)))
            return rc;
    }
    return KR_OK;
}

/* One series: the merge is the column itself, and every bar is a group of
 * one. The same steps as bar_group, with the loop's invariants hoisted:
 * the curve is sized for every bar up front, and when the strategy is the
 * only subscriber to bars (nothing else can subscribe during a run) the
 * bar goes to it directly, which is all the bus would do. */
static int run_single(struct kr_bt_state *st)
{
    const kr_bars *b = &st->in->bars[0];
    const size_t n = b->n;
    const bool always = st->cfg.venue.fill_rule == KR_FILL_CLOSE;
    const bool checks = st->cfg.maintenance_margin > 0 || st->cfg.check_ledger;
    const bool direct = st->direct;
    const bool lean = direct && !st->record_all;
    int (*const on_bar)(void *, kr_ctx *, uint32_t, const kr_bar *) =
        st->strat->ops->on_bar;
    void *const self = st->strat->self;
    kr_backtest *bt = st->bt;
    sym_state *y = &st->sym[0];
    int rc;
    if (lean && n > st->pcap && (rc = grow_points(st, n)))
        return rc;
    for (size_t r = y->cursor; r < n; r++) {
        const kr_ts t = b->ts[r];
        if (kr_queue_size(&st->queue) && (rc = fire_timers(st, t)))
            return rc;
        st->clock.now = t;
        if ((rc = match_and_mark(st, 0, t, always)))
            return rc;
        if (checks && (rc = after_marks(st)))
            return rc;
        if (!lean) {
            if ((rc = publish_bar(st, 0, t)) || (rc = record_point(st, t)))
                return rc;
        } else {
            const kr_bar bar = {t, b->open[r], b->high[r], b->low[r],
                                b->close[r], b->volume[r]};
            bt->nevents++;
            if (on_bar && (rc = on_bar(self, &st->ctx, 0, &bar)))
                return rc;
            /* record_point for one series, equity only. */
            if (bt->pf.cash != st->cash_seen) {
                st->cash_seen = bt->pf.cash;
                st->cash_d = money(st, bt->pf.cash);
            }
            const size_t i = bt->npoints++;
            bt->ts[i] = t;
            bt->equity[i] = st->cash_d + (st->nheld ? y->mvd : 0.0);
            st->traded = 0;
        }
        progress(st);
    }
    return KR_OK;
}

/* The merge of several series: the cursor heap gives the next timestamp,
 * every series with a bar there forms the group. */
static int run_loop(struct kr_bt_state *st)
{
    int rc;
    if (st->nsym == 1)
        return run_single(st);
    while (st->nheap) {
        const kr_ts tb = head_ts(st, st->heap[0]);
        if (kr_queue_size(&st->queue) && (rc = fire_timers(st, tb)))
            return rc;
        size_t ndue = 0;
        while (st->nheap && head_ts(st, st->heap[0]) == tb)
            st->due[ndue++] = heap_pop(st);
        if ((rc = bar_group(st, tb, ndue)))
            return rc;
        for (size_t k = 0; k < ndue; k++)
            if (st->sym[st->due[k]].cursor < st->in->bars[st->due[k]].n)
                heap_push(st, st->due[k]);
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Set-up and tear-down
 * ------------------------------------------------------------------------ */

void kr_backtest_config_init(kr_backtest_config *c)
{
    memset(c, 0, sizeof *c);
    c->cash = 100000;
    c->ccy_precision = 2;
    kr_simx_config_init(&c->venue);
    kr_risk_limits_init(&c->risk);
    c->max_leverage = 1.0;
#ifndef NDEBUG
    c->check_ledger = 1;
#endif
    c->record = KR_RECORD_ALL;
}

void kr_backtest_init(kr_backtest *bt)
{
    memset(bt, 0, sizeof *bt);
}

static void state_free(struct kr_bt_state *st)
{
    if (!st)
        return;
    kr_queue_free(&st->queue);
    kr_bus_free(&st->bus);
    if (st->simx_ready)
        kr_simx_free(&st->simx);
    free(st->sym);
    free(st->marks);
    free(st->heap);
    free(st->due);
    free(st->dirty);
    free(st->held);
    free(st->aux);
    free(st);
}

void kr_backtest_free(kr_backtest *bt)
{
    if (!bt)
        return;
    state_free(bt->st);
    free(bt->ts);
    free(bt->equity);
    free(bt->cash);
    free(bt->gross);
    free(bt->net);
    free(bt->traded);
    free(bt->orders);
    free(bt->extra);
    free(bt->fills);
    free(bt->trades);
    kr_portfolio_free(&bt->pf);
    memset(bt, 0, sizeof *bt);
}

static int check_input(const kr_backtest_config *cfg,
                       const kr_backtest_input *in, kr_error *err)
{
    if (!in || !in->bars || !in->inst || in->n == 0)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "data",
                            "no data: give at least one series of bars");
    if (!(cfg->cash > 0) || !isfinite(cfg->cash))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "cash",
                            "initial cash must be a number > 0");
    if (cfg->ccy_precision < 0 || cfg->ccy_precision > 9)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "ccy_precision",
                            "currency precision must be 0..9");
    if (!(cfg->max_leverage >= 0) || !(cfg->maintenance_margin >= 0) ||
        !(cfg->borrow_rate >= 0) || !(cfg->periods_per_year >= 0) ||
        !isfinite(cfg->max_leverage) || !isfinite(cfg->borrow_rate))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "config",
                            "leverage, margin, borrow rate and periods per "
                            "year must be finite and >= 0");
    if (cfg->venue.fill_rule < 0 || cfg->venue.fill_rule >= KR_FILL_RULE_COUNT)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "fill",
                            "unknown fill rule");
    for (size_t i = 0; i < in->n; i++) {
        const kr_bars *b = &in->bars[i];
        if (in->inst[i].symbol != i || kr_instrument_check(&in->inst[i]))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "instrument",
                                "instrument %zu is invalid or its symbol "
                                "id is not %zu", i, i);
        /* The rows themselves are checked as the loop reaches them
         * (bad_row): a pass over every column here would cost as much
         * again as the replay's own reads. */
        (void)b;
    }
    return KR_OK;
}

int kr_backtest_run(kr_backtest *bt, const kr_backtest_config *cfg,
                    const kr_backtest_input *in, kr_strategy *s,
                    kr_error *err)
{
    if (!bt || !cfg || !s || !s->ops)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "backtest",
                            "missing backtest, config or strategy");
    int rc = check_input(cfg, in, err);
    if (rc)
        return rc;
    /* A kr_backtest run before keeps its storage for this run when the
     * record mode is the same: repeated runs and sweeps then allocate
     * (and fault in) nothing new, and memory stays flat. */
    struct kr_bt_state *old = bt->st;
    const bool same = old && old->record_all == (cfg->record == KR_RECORD_ALL);
    kr_backtest keep = *bt;
    size_t pcap = 0, ocap = 0, fcap = 0, tcap = 0;
    ord_aux *aux = NULL;
    if (same) {
        pcap = old->pcap;
        ocap = old->ocap;
        fcap = old->fcap;
        tcap = old->tcap;
        aux = old->aux;
        old->aux = NULL;
        state_free(old);
        kr_portfolio_free(&bt->pf);
        memset(bt, 0, sizeof *bt);
        bt->ts = keep.ts;
        bt->equity = keep.equity;
        bt->cash = keep.cash;
        bt->gross = keep.gross;
        bt->net = keep.net;
        bt->traded = keep.traded;
        bt->orders = keep.orders;
        bt->extra = keep.extra;
        bt->fills = keep.fills;
        bt->trades = keep.trades;
    } else {
        kr_backtest_free(bt);
    }
    struct kr_bt_state *st = calloc(1, sizeof *st);
    if (!st) {
        free(aux);
        return KR_ENOMEM;
    }
    bt->st = st;
    st->pcap = pcap;
    st->ocap = ocap;
    st->fcap = fcap;
    st->tcap = tcap;
    st->aux = aux;
    st->bt = bt;
    st->cfg = *cfg;
    st->in = in;
    st->strat = s;
    st->ctx.st = st;
    st->err = err;
    st->nsym = in->n;
    st->record_all = cfg->record == KR_RECORD_ALL;
    st->ring = !st->record_all;
    if (st->ring && st->ocap) {
        /* The ring's slots are found by id: clear the last run's. */
        memset(bt->orders, 0, st->ocap * sizeof *bt->orders);
        st->mask = st->ocap - 1;
        bt->norders = st->ocap;
    }
    st->limits = cfg->risk;
    if (cfg->max_leverage > 0 &&
        (st->limits.max_leverage == 0 ||
         cfg->max_leverage < st->limits.max_leverage))
        st->limits.max_leverage = cfg->max_leverage;
    st->cfg.venue.ccy_precision = cfg->ccy_precision;
    kr_order_ids_init(&st->ids, 1);
    kr_clock_init_simulated(&st->clock, KR_TS_NONE);

    int64_t cash;
    if ((rc = kr_fixed_from_double(cfg->cash, cfg->ccy_precision, &cash)))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "cash",
                            "initial cash out of range");
    if ((rc = kr_portfolio_init(&bt->pf, cfg->ccy_precision, cash)))
        return rc;
    st->cash_seen = cash;
    st->cash_d = money(st, cash);
    st->sym = calloc(st->nsym, sizeof *st->sym);
    st->marks = malloc(st->nsym * sizeof *st->marks);
    st->heap = malloc(st->nsym * sizeof *st->heap);
    st->due = malloc(st->nsym * sizeof *st->due);
    st->dirty = malloc(st->nsym * sizeof *st->dirty);
    st->held = malloc(st->nsym * sizeof *st->held);
    if (!st->sym || !st->marks || !st->heap || !st->due || !st->dirty ||
        !st->held)
        return KR_ENOMEM;
    size_t first = SIZE_MAX;
    for (uint32_t i = 0; i < st->nsym; i++) {
        if ((rc = kr_portfolio_add(&bt->pf, &in->inst[i])))
            return rc;
        st->sym[i].mark_row = st->sym[i].conv_row = SIZE_MAX;
        st->sym[i].last_ts = KR_TS_NONE;
        st->marks[i] = KR_PX_NONE;
        st->total_bars += in->bars[i].n;
        if (in->bars[i].n && (first == SIZE_MAX || in->bars[i].n > in->bars[first].n))
            first = i;
        if (in->bars[i].n > st->point_hint)
            st->point_hint = in->bars[i].n;
    }
    if (first == SIZE_MAX)
        return kr_error_set(err, KR_EEMPTY, NULL, 0, 0, "data",
                            "every series is empty");
    /* Periods per year from the longest series. */
    if ((rc = kr_periods_per_year(in->bars[first].n, in->bars[first].ts,
                                  cfg->periods_per_year, &bt->ppy)))
        bt->ppy = 252;

    kr_venue_sink sink = {st, sink_report, sink_order, sink_resolve};
    if ((rc = kr_simx_init(&st->simx, &st->cfg.venue, in->inst, st->nsym,
                           sink))) {
        kr_simx_free(&st->simx);
        return kr_error_set(err, rc, NULL, 0, 0, "venue",
                            "the simulated exchange's settings are invalid");
    }
    st->simx_ready = true;
    if ((rc = kr_queue_init(&st->queue, 16)) ||
        (rc = kr_bus_init(&st->bus, 8)))
        return rc;
    static const int topics[] = {KR_TOPIC_BAR, KR_TOPIC_TIMER,
                                 KR_TOPIC_ORDER_EVENT, KR_TOPIC_FILL};
    for (size_t k = 0; k < sizeof topics / sizeof topics[0]; k++)
        if ((rc = kr_bus_subscribe(&st->bus, topics[k], KR_BUS_ANY_SYMBOL,
                                   100, on_bus, st, NULL)))
            return rc;
    st->direct = kr_bus_topic_count(&st->bus, KR_TOPIC_BAR) == 1;
    for (uint32_t i = 0; i < st->nsym; i++)
        if (in->bars[i].n)
            heap_push(st, i);
    st->next_progress = st->total_bars / 100 + 1;

    if (s->ops->on_start && (rc = s->ops->on_start(s->self, &st->ctx)))
        goto stopped;
    if ((rc = run_loop(st)))
        goto stopped;
    if (cfg->close_at_end)
        for (uint32_t i = 0; i < st->nsym; i++)
            if ((rc = liquidate(st, i, "end_of_run")))
                goto stopped;
    /* The last point is the ledger's exact valuation (the curve's points
     * are doubles that skip rounding each position to the cent), after
     * the closing fills when close_at_end. */
    if (bt->npoints) {
        size_t last = bt->npoints - 1;
        bt->equity[last] = equity_now(st);
        if (st->record_all) {
            bt->cash[last] = money(st, bt->pf.cash);
            bt->gross[last] = money(st, st->gross);
            bt->net[last] = money(st, st->net);
            bt->traded[last] += st->traded;
        }
        st->traded = 0;
    }
    if (s->ops->on_stop && (rc = s->ops->on_stop(s->self, &st->ctx)))
        goto stopped;
stopped:
    if (st->ring)
        bt->norders = 0; /* KR_RECORD_EQUITY keeps no order records */
    if (rc && !bt->stop_reason[0])
        snprintf(bt->stop_reason, sizeof bt->stop_reason, "%s",
                 kr_strerror(rc));
    /* Value the account at the last closes and report open trips. */
    for (uint32_t i = 0; i < st->nsym; i++) {
        int64_t px;
        if (mark_raw(st, i, &px) == KR_OK)
            (void)px;
    }
    kr_portfolio_mark(&bt->pf, st->marks, st->nsym, NULL);
    if (st->record_all)
        for (uint32_t i = 0; i < st->nsym; i++) {
            sym_state *y = &st->sym[i];
            const kr_position *p = posn(st, i);
            if (!y->trip || p->qty == 0)
                continue;
            double unreal = money(st, y->mv - p->cost);
            double pnl = money(st, p->realized - y->realized0) + unreal -
                         y->trip_costs;
            double last = y->seen ? in->bars[i].close[y->seen - 1] : NAN;
            int rc2 = push_trade(st, i, KR_TS_NONE, last, pnl);
            if (rc2 && !rc)
                rc = rc2;
        }
    return rc;
}

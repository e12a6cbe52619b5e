/* simexchange.c -- the simulated exchange: orders matched against bars.
 *
 * In a backtest this is the venue behind the venue port (kr_venue_ops). The
 * engine submits risk-checked orders; the exchange answers with reports
 * (accept, fill, cancel, expire) through the engine's sink and never writes
 * an order record itself: the engine owns the records, applies each report
 * synchronously and may react to it at once (a bracket's children, an OCO
 * sibling's cancel, a strategy's new order), so after every report the
 * exchange re-reads what it needs. The rules users see are in
 * docs/simulated-exchange.md and in the block comment above kr_simx in
 * engine.h; the fill prices come from kr_fill_price_for_bar and the costs
 * from costs.c, so this file is only about time: which order works in which
 * bar, in which order the orders of one bar are matched, and what the time
 * in force does with what is left.
 *
 * Each symbol has a book: the ids of its working orders (orders submitted
 * and still open, including those waiting for their first bar), the number
 * of bars seen, the last bar (for KR_FILL_CLOSE) and the last quoted
 * spread. An entry records the bar number from which its order works, which
 * is the symbol's bar count at submission plus one; because the count is
 * raised as a bar's matching begins, an order submitted while its symbol's
 * bar is being matched (by the engine reacting to a fill report) waits for
 * the next bar like any other. A book is a small unsorted array searched
 * linearly: a symbol has a handful of working orders, and a scan of a few
 * cache lines beats any index at that size.
 *
 * Matching a bar takes two passes over a snapshot of the book: first the
 * DAY orders whose day is over expire, then the working orders are sorted
 * by the point of the intrabar path where they fill (open, adverse extreme,
 * favourable extreme, close, then the IOC and FOK orders that did not fill)
 * and by id, and matched in that order. The snapshot lives in x->scratch as
 * keys (point << 60 | id), so ids must stay below 2^60. The book and the
 * scratch grow only on submit (doubling), never during a bar; the scratch
 * always has room for the largest book, and is read by index, not through a
 * saved pointer, so that a submit from inside a report may move it.
 */
#include <stdlib.h>
#include <string.h>

#include "kairos/engine.h"

#define KEY_SHIFT 60
#define ID_MASK ((UINT64_C(1) << KEY_SHIFT) - 1)
#define DAY_NONE INT64_MIN
#define MIN_CAP 8

/* Points of the intrabar path, the matching order within a bar. */
enum {
    PT_OPEN = 0,    /* market orders under NEXT_OPEN, gaps */
    PT_ADVERSE = 1, /* stop triggers */
    PT_FAVOUR = 2,  /* limits */
    PT_CLOSE = 3,   /* market orders at the close */
    PT_UNFILLED = 4 /* IOC and FOK orders that did not fill: canceled */
};

typedef struct simx_entry {
    uint64_t id;
    uint64_t from; /* the symbol's bar number it works from */
    int64_t day;   /* UTC day of its first working bar, or DAY_NONE */
    int32_t tif;   /* cached: the time in force never changes */
} simx_entry;

struct kr_simx_book {
    simx_entry *ents;
    size_t n, cap;
    uint64_t nbars;   /* bars seen; during on_bar, the current one's number */
    kr_ts last_ts;    /* KR_TS_NONE before the first bar */
    kr_fill_bar last; /* valid when last_ts != KR_TS_NONE */
    int64_t spread;   /* last quoted spread, or KR_PX_NONE */
    int matching;     /* a bar of this symbol is being matched */
};

void kr_simx_config_init(kr_simx_config *c)
{
    memset(c, 0, sizeof *c);
    c->fill_rule = KR_FILL_NEXT_OPEN;
    c->volume_cap = 0;
    c->ccy_precision = 2;
    kr_cost_model_init(&c->cost);
}

/* ------------------------------------------------------------------------
 * Setup
 * ------------------------------------------------------------------------ */

/* Checks the config, the cost model included: the cost model's rates are
 * checked by applying it once to a trial fill. */
static int config_ok(const kr_simx_config *cfg)
{
    if (cfg->fill_rule < 0 || cfg->fill_rule >= KR_FILL_RULE_COUNT ||
        !(cfg->volume_cap >= 0 && cfg->volume_cap <= 1) ||
        cfg->ccy_precision < 0 ||
        cfg->ccy_precision > KR_FIXED_MAX_PRECISION)
        return 0;
    kr_instrument ti;
    kr_instrument_init(&ti, 0, 2, 0);
    kr_fill_bar tb = {10000, 10100, 9900, 10000, 1000};
    int64_t px, c;
    return kr_cost_slippage(&cfg->cost, &ti, KR_BUY, 10000, 10, &tb,
                            KR_PX_NONE, &px) == KR_OK &&
           kr_cost_commission(&cfg->cost, &ti, 10, 10000, cfg->ccy_precision,
                              &c) == KR_OK;
}

int kr_simx_init(kr_simx *x, const kr_simx_config *cfg,
                 const kr_instrument *inst, size_t nsym, kr_venue_sink sink)
{
    if (!x)
        return KR_EINVAL;
    memset(x, 0, sizeof *x);
    if (!cfg || !config_ok(cfg) || (nsym > 0 && !inst) || !sink.report ||
        !sink.order || !sink.resolve)
        return KR_EINVAL;
    for (size_t i = 0; i < nsym; i++)
        if (kr_instrument_check(&inst[i]) != KR_OK || inst[i].symbol != i)
            return KR_EINVAL;
    size_t n = nsym ? nsym : 1;
    x->inst = malloc(n * sizeof *x->inst);
    x->books = calloc(n, sizeof *x->books);
    if (!x->inst || !x->books) {
        kr_simx_free(x);
        return KR_ENOMEM;
    }
    if (nsym)
        memcpy(x->inst, inst, nsym * sizeof *inst);
    for (size_t i = 0; i < nsym; i++) {
        x->books[i].last_ts = KR_TS_NONE;
        x->books[i].spread = KR_PX_NONE;
    }
    x->cfg = *cfg;
    x->sink = sink;
    x->nsym = nsym;
    return KR_OK;
}

void kr_simx_free(kr_simx *x)
{
    if (!x)
        return;
    if (x->books)
        for (size_t i = 0; i < x->nsym; i++)
            free(x->books[i].ents);
    free(x->books);
    free(x->inst);
    free(x->scratch);
    memset(x, 0, sizeof *x);
}

/* ------------------------------------------------------------------------
 * Books
 * ------------------------------------------------------------------------ */

/* Makes room for `need` entries in the book and in the scratch. */
static int reserve(kr_simx *x, struct kr_simx_book *b, size_t need)
{
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : MIN_CAP;
        while (cap < need)
            cap *= 2;
        simx_entry *e = realloc(b->ents, cap * sizeof *e);
        if (!e)
            return KR_ENOMEM;
        b->ents = e;
        b->cap = cap;
    }
    if (need > x->scratch_cap) {
        size_t cap = x->scratch_cap ? x->scratch_cap : MIN_CAP;
        while (cap < need)
            cap *= 2;
        uint64_t *s = realloc(x->scratch, cap * sizeof *s);
        if (!s)
            return KR_ENOMEM;
        x->scratch = s;
        x->scratch_cap = cap;
    }
    return KR_OK;
}

static simx_entry *find(struct kr_simx_book *b, uint64_t id)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->ents[i].id == id)
            return &b->ents[i];
    return NULL;
}

/* Removes an order from the book, if there. */
static void drop(struct kr_simx_book *b, uint64_t id)
{
    simx_entry *e = find(b, id);
    if (e)
        *e = b->ents[--b->n];
}

/* Sorts v[0..n) ascending in place: a heapsort, because qsort may
 * allocate a buffer for large arrays and a bar must not allocate. */
static void sort_keys(uint64_t *v, size_t n)
{
    for (size_t k = n; k-- > 0;) { /* heapify, then pop the max to the end */
        for (size_t i = k, c; (c = 2 * i + 1) < n; i = c) {
            if (c + 1 < n && v[c + 1] > v[c])
                c++;
            if (v[i] >= v[c])
                break;
            uint64_t t = v[i];
            v[i] = v[c];
            v[c] = t;
        }
    }
    for (size_t end = n; end-- > 1;) {
        uint64_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        for (size_t i = 0, c; (c = 2 * i + 1) < end; i = c) {
            if (c + 1 < end && v[c + 1] > v[c])
                c++;
            if (v[i] >= v[c])
                break;
            t = v[i];
            v[i] = v[c];
            v[c] = t;
        }
    }
}

static kr_ts max_ts(kr_ts a, kr_ts b)
{
    return a > b ? a : b;
}

/* ------------------------------------------------------------------------
 * Reports
 * ------------------------------------------------------------------------ */

/* Ends an order with a CANCEL or EXPIRE at ts (or at its last event's time,
 * if later), unless the engine's record says it already ended. */
static int finish(kr_simx *x, struct kr_simx_book *b, uint64_t id, int type,
                  kr_ts ts)
{
    const kr_order *o = x->sink.order(x->sink.engine, id);
    drop(b, id);
    if (!o || !kr_order_is_open(o))
        return KR_OK;
    kr_venue_report r = {.order_id = id};
    r.ev.type = type;
    r.ev.ts = max_ts(ts, o->ts_last);
    return x->sink.report(x->sink.engine, &r);
}

/* Matches order `id` of symbol `sym` against `bar` at time ts: the fill
 * price by the rule, slippage, the quantity (the engine's, for a target
 * order), the volume cap and the lot, commission, then the time in force.
 * Every report is followed by a fresh read of the record. */
static int match_one(kr_simx *x, uint32_t sym, uint64_t id,
                     const kr_fill_bar *bar, kr_ts ts)
{
    struct kr_simx_book *b = &x->books[sym];
    const kr_instrument *inst = &x->inst[sym];
    const kr_order *o = x->sink.order(x->sink.engine, id);
    if (!o || !kr_order_is_open(o)) {
        drop(b, id);
        return KR_OK;
    }
    int one_bar = o->tif == KR_TIF_IOC || o->tif == KR_TIF_FOK;
    int fok = o->tif == KR_TIF_FOK, side = o->side, filled;
    int64_t px;
    int rc = kr_fill_price_for_bar(o, bar, x->cfg.fill_rule, &filled, &px);
    if (rc)
        return rc;
    if (!filled)
        return one_bar ? finish(x, b, id, KR_OEV_CANCEL, ts) : KR_OK;

    int64_t leaves = kr_order_leaves(o), cap = INT64_MAX;
    if (x->cfg.volume_cap > 0 && bar->volume > 0) {
        rc = kr_volume_cap(inst, bar->volume, x->cfg.volume_cap, &cap);
        if (rc)
            return rc;
    }
    /* The impact model measures the quantity expected to fill. */
    int64_t est = leaves < cap ? leaves : cap;
    rc = kr_cost_slippage(&x->cfg.cost, inst, side, px, est > 0 ? est : leaves,
                          bar, b->spread, &px);
    if (rc)
        return rc;
    int64_t want = 0;
    rc = x->sink.resolve(x->sink.engine, id, px, &want);
    if (rc == KR_ENOENT) /* a target order whose target is already held */
        return finish(x, b, id, KR_OEV_CANCEL, ts);
    if (rc)
        return rc;
    o = x->sink.order(x->sink.engine, id);
    if (!o || !kr_order_is_open(o)) {
        drop(b, id);
        return KR_OK;
    }
    leaves = kr_order_leaves(o);
    if (want > leaves)
        want = leaves;
    int64_t q = want < cap ? want : cap;
    if (inst->lot_size > 0)
        q -= q % inst->lot_size;
    if (fok && q < want)
        return finish(x, b, id, KR_OEV_CANCEL, ts);
    if (q > 0) {
        int64_t comm;
        rc = kr_cost_commission(&x->cfg.cost, inst, q, px,
                                x->cfg.ccy_precision, &comm);
        if (rc)
            return rc;
        kr_venue_report r = {.order_id = id, .commission = comm, .fees = 0};
        r.ev.type = KR_OEV_FILL;
        r.ev.ts = max_ts(ts, o->ts_last);
        r.ev.u.fill.qty = q;
        r.ev.u.fill.price = px;
        rc = x->sink.report(x->sink.engine, &r);
        if (rc)
            return rc;
    }
    if (one_bar)
        return finish(x, b, id, KR_OEV_CANCEL, ts);
    o = x->sink.order(x->sink.engine, id);
    if (!o || !kr_order_is_open(o))
        drop(b, id);
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The venue ops
 * ------------------------------------------------------------------------ */

int kr_simx_submit(kr_simx *x, const kr_order *o)
{
    if (!x || !o || o->symbol >= x->nsym || o->id == 0 || o->id > ID_MASK ||
        o->status != KR_ORDER_SUBMITTED)
        return KR_EINVAL;
    uint32_t sym = o->symbol;
    struct kr_simx_book *b = &x->books[sym];
    uint64_t id = o->id;
    int market_close = o->type == KR_ORDER_MARKET &&
                       x->cfg.fill_rule == KR_FILL_CLOSE;
    kr_venue_report r = {.order_id = id};
    r.ev.type = KR_OEV_ACCEPT;
    r.ev.ts = o->ts_last;
    if (find(b, id))
        return KR_EINVAL;
    int rc = reserve(x, b, b->n + 1);
    if (rc)
        return rc;
    b->ents[b->n++] = (simx_entry){id, b->nbars + 1, DAY_NONE, o->tif};
    rc = x->sink.report(x->sink.engine, &r);
    if (rc) {
        drop(b, id);
        return rc;
    }
    /* Under KR_FILL_CLOSE a market order fills at once at the last bar's
     * close: it works in that bar. Without a last bar, or while this
     * symbol's bar is being matched, it waits for the next bar's close. */
    simx_entry *e = find(b, id);
    if (!e || !market_close || b->last_ts == KR_TS_NONE || b->matching)
        return KR_OK;
    e->from = b->nbars;
    e->day = kr_ts_day(b->last_ts);
    const kr_order *cur = x->sink.order(x->sink.engine, id);
    kr_ts ts = cur ? cur->ts_last : r.ev.ts;
    kr_fill_bar last = b->last; /* a copy, whatever a report does */
    return match_one(x, sym, id, &last, ts);
}

int kr_simx_cancel(kr_simx *x, const kr_order *o)
{
    if (!x || !o || o->symbol >= x->nsym)
        return KR_EINVAL;
    drop(&x->books[o->symbol], o->id);
    if (!kr_order_is_open(o))
        return KR_OK; /* filled or ended meanwhile: nothing to report */
    kr_venue_report r = {.order_id = o->id};
    r.ev.type = KR_OEV_CANCEL;
    r.ev.ts = o->ts_last;
    return x->sink.report(x->sink.engine, &r);
}

int kr_simx_modified(kr_simx *x, const kr_order *o)
{
    if (!x || !o || o->symbol >= x->nsym)
        return KR_EINVAL;
    /* The new terms are read from the record when the order is matched;
     * the entry keeps its first working bar and day. */
    return find(&x->books[o->symbol], o->id) ? KR_OK : KR_ENOENT;
}

int kr_simx_on_quote(kr_simx *x, uint32_t symbol, kr_ts ts, int64_t bid,
                     int64_t ask)
{
    if (!x || symbol >= x->nsym || ts == KR_TS_NONE || bid == KR_PX_NONE ||
        ask == KR_PX_NONE || ask < bid)
        return KR_EINVAL;
    return kr_fixed_sub(ask, bid, &x->books[symbol].spread);
}

size_t kr_simx_working(const kr_simx *x, uint32_t symbol)
{
    return x && symbol < x->nsym ? x->books[symbol].n : 0;
}

size_t kr_simx_working_ids(const kr_simx *x, uint32_t symbol, uint64_t *ids,
                           size_t cap)
{
    if (!x || symbol >= x->nsym)
        return 0;
    const struct kr_simx_book *b = &x->books[symbol];
    for (size_t i = 0; i < b->n && i < cap; i++)
        ids[i] = b->ents[i].id;
    return b->n;
}

/* The point of the path where `o`, filling at px in bar, fills. */
static int fill_point(const kr_order *o, const kr_fill_bar *bar, int rule,
                      int64_t px)
{
    switch (o->type) {
    case KR_ORDER_MARKET:
        return rule == KR_FILL_NEXT_OPEN ? PT_OPEN : PT_CLOSE;
    case KR_ORDER_STOP:
        return px == bar->open ? PT_OPEN : PT_ADVERSE;
    case KR_ORDER_STOP_LIMIT: {
        int64_t trig;
        if (o->side == KR_BUY)
            trig = bar->open > o->stop_px ? bar->open : o->stop_px;
        else
            trig = bar->open < o->stop_px ? bar->open : o->stop_px;
        return px == bar->open ? PT_OPEN : px == trig ? PT_ADVERSE : PT_FAVOUR;
    }
    default: /* limit */
        return px == bar->open ? PT_OPEN : PT_FAVOUR;
    }
}

/* Puts the DAY orders of the book whose day is over into the scratch (and
 * starts the day of those working for the first time); returns how many. */
static size_t collect_expired(kr_simx *x, struct kr_simx_book *b, kr_ts ts)
{
    size_t m = 0;
    int64_t today = kr_ts_day(ts);
    for (size_t i = 0; i < b->n; i++) {
        simx_entry *e = &b->ents[i];
        if (e->from > b->nbars || e->tif != KR_TIF_DAY)
            continue;
        if (e->day == DAY_NONE)
            e->day = today;
        else if (e->day < today)
            x->scratch[m++] = e->id;
    }
    return m;
}

/* Puts the keys (point << 60 | id) of the orders that work in this bar and
 * fill in it, or are IOC or FOK (which end in it either way), into the
 * scratch, and their count into *count. Orders no longer open are dropped
 * from the book. Returns KR_OK or the error of a fill price. */
static int collect_matches(kr_simx *x, struct kr_simx_book *b,
                           const kr_fill_bar *bar, size_t *count)
{
    size_t m = 0;
    for (size_t i = 0; i < b->n;) {
        simx_entry *e = &b->ents[i];
        if (e->from > b->nbars) {
            i++;
            continue;
        }
        const kr_order *o = x->sink.order(x->sink.engine, e->id);
        if (!o || !kr_order_is_open(o)) {
            *e = b->ents[--b->n];
            continue;
        }
        int filled;
        int64_t px;
        int rc = kr_fill_price_for_bar(o, bar, x->cfg.fill_rule, &filled,
                                       &px);
        if (rc)
            return rc;
        int pt = filled ? fill_point(o, bar, x->cfg.fill_rule, px)
                 : (e->tif == KR_TIF_IOC || e->tif == KR_TIF_FOK)
                     ? PT_UNFILLED
                     : -1;
        if (pt >= 0)
            x->scratch[m++] = (uint64_t)pt << KEY_SHIFT | e->id;
        i++;
    }
    *count = m;
    return KR_OK;
}

static int bar_ok(const kr_fill_bar *b)
{
    if (b->open == KR_PX_NONE || b->high == KR_PX_NONE ||
        b->low == KR_PX_NONE || b->close == KR_PX_NONE)
        return 0;
    return b->low <= b->high && b->open >= b->low && b->open <= b->high &&
           b->close >= b->low && b->close <= b->high && b->volume >= 0;
}

int kr_simx_on_bar(kr_simx *x, uint32_t symbol, kr_ts ts,
                   const kr_fill_bar *bar)
{
    if (!x || !bar || symbol >= x->nsym || ts == KR_TS_NONE || !bar_ok(bar))
        return KR_EINVAL;
    struct kr_simx_book *b = &x->books[symbol];
    if (b->matching)
        return KR_EINVAL; /* called from inside one of its own reports */
    if (b->last_ts != KR_TS_NONE && ts <= b->last_ts)
        return KR_ERANGE;
    kr_fill_bar cur = *bar; /* a copy, whatever a report does */
    b->nbars++;
    b->matching = 1;

    size_t m = collect_expired(x, b, ts);
    sort_keys(x->scratch, m);
    int rc = KR_OK;
    for (size_t j = 0; j < m && rc == KR_OK; j++)
        rc = finish(x, b, x->scratch[j], KR_OEV_EXPIRE, ts);

    if (rc == KR_OK)
        rc = collect_matches(x, b, &cur, &m);
    if (rc == KR_OK) {
        sort_keys(x->scratch, m);
        /* x->scratch is read afresh each time: a report may submit an
         * order, and the submit may move the scratch (keeping its keys). */
        for (size_t j = 0; j < m && rc == KR_OK; j++)
            rc = match_one(x, symbol, x->scratch[j] & ID_MASK, &cur, ts);
    }
    b->matching = 0;
    b->last = cur;
    b->last_ts = ts;
    return rc;
}

/* ------------------------------------------------------------------------
 * The port
 * ------------------------------------------------------------------------ */

static int op_submit(void *self, const kr_order *o)
{
    return kr_simx_submit(self, o);
}

static int op_cancel(void *self, const kr_order *o)
{
    return kr_simx_cancel(self, o);
}

static int op_modified(void *self, const kr_order *o)
{
    return kr_simx_modified(self, o);
}

static int op_on_bar(void *self, uint32_t symbol, kr_ts ts,
                     const kr_fill_bar *bar)
{
    return kr_simx_on_bar(self, symbol, ts, bar);
}

static int op_on_quote(void *self, uint32_t symbol, kr_ts ts, int64_t bid,
                       int64_t ask)
{
    return kr_simx_on_quote(self, symbol, ts, bid, ask);
}

const kr_venue_ops kr_simx_venue_ops = {
    .name = "simulated",
    .submit = op_submit,
    .cancel = op_cancel,
    .modified = op_modified,
    .on_bar = op_on_bar,
    .on_quote = op_on_quote,
};

/* portfolio.c -- positions, fills and the cash ledger.
 *
 * A portfolio holds cash in one account currency and one position per
 * instrument, all in fixed point: quantities raw at the instrument's size
 * precision, money raw at the currency's precision. A position keeps its net
 * quantity and its cost basis, the money paid for a long (or received for a
 * short) that is still open, rather than an average price: an average would
 * have to be rounded, and a rounded average cannot give back to the cent
 * what was paid. Closing a fraction of a position releases that fraction of
 * the basis, rounded half to even, and closing all of it releases all of it,
 * so nothing is left behind when a position goes flat.
 *
 * A fill is booked in three steps, none of which can fail once begun: its
 * notional is computed once (kr_notional, one rounding) and split into a
 * closing part and an opening part that add up to it exactly; the closing
 * part realizes P&L against the released basis; the opening part becomes
 * basis on the new side. Every sum is computed and range checked into locals
 * before the portfolio is written, so an error leaves it untouched.
 *
 * The ledger identity follows from that construction and is checked, not
 * assumed: each position also keeps the plain sum of its fills' cash flows
 * (`flow`), which must equal realized - cost at all times, and then
 *     cash - initial                 == realized - basis - costs
 *     equity                         == cash + sum of market values
 *     equity - initial               == realized + unrealized - costs.
 * Debug builds assert the first two after every fill (O(1), from running
 * totals); kr_portfolio_check recomputes everything from the positions.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/oms.h"

__extension__ typedef __int128 i128;

/* ------------------------------------------------------------------------
 * Setup
 * ------------------------------------------------------------------------ */

int kr_portfolio_init(kr_portfolio *p, int ccy_precision, int64_t initial_cash)
{
    if (!p)
        return KR_EINVAL;
    memset(p, 0, sizeof *p);
    if (ccy_precision < 0 || ccy_precision > KR_FIXED_MAX_PRECISION ||
        initial_cash == INT64_MIN)
        return KR_EINVAL;
    p->ccy_precision = ccy_precision;
    p->initial_cash = initial_cash;
    p->cash = initial_cash;
    return KR_OK;
}

void kr_portfolio_free(kr_portfolio *p)
{
    if (!p)
        return;
    free(p->pos);
    p->pos = NULL;
    p->npos = 0;
    p->nactive = 0;
}

int kr_portfolio_add(kr_portfolio *p, const kr_instrument *inst)
{
    if (!p || kr_instrument_check(inst) != KR_OK ||
        inst->symbol == UINT32_MAX)
        return KR_EINVAL;
    size_t s = inst->symbol;
    if (s < p->npos && p->pos[s].active)
        return KR_EINVAL;
    if (s >= p->npos) {
        size_t n = p->npos * 2 > s + 1 ? p->npos * 2 : s + 1;
        kr_position *np = realloc(p->pos, n * sizeof *np);
        if (!np)
            return KR_ENOMEM;
        memset(np + p->npos, 0, (n - p->npos) * sizeof *np);
        p->pos = np;
        p->npos = n;
    }
    kr_position *pos = &p->pos[s];
    memset(pos, 0, sizeof *pos);
    pos->inst = *inst;
    pos->last_px = KR_PX_NONE;
    pos->active = 1;
    p->nactive++;
    return KR_OK;
}

static kr_position *find(const kr_portfolio *p, uint32_t symbol)
{
    if (symbol >= p->npos || !p->pos[symbol].active)
        return NULL;
    return &p->pos[symbol];
}

const kr_position *kr_portfolio_position(const kr_portfolio *p,
                                         uint32_t symbol)
{
    return p ? find(p, symbol) : NULL;
}

/* ------------------------------------------------------------------------
 * Booking fills
 * ------------------------------------------------------------------------ */

/* Adds every term of `terms` (n of them) with overflow checks. */
static int sum(const int64_t *terms, int n, int64_t *out)
{
    int64_t acc = 0;
    for (int i = 0; i < n; i++)
        if (kr_fixed_add(acc, terms[i], &acc) != KR_OK)
            return KR_ERANGE;
    *out = acc;
    return KR_OK;
}

#define SUM(out, ...)                                                       \
    sum((const int64_t[]){__VA_ARGS__},                                     \
        (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), out)

static int sign(int64_t v)
{
    return (v > 0) - (v < 0);
}

/* The O(1) part of the ledger identity, from running totals. */
static int ledger_ok(const kr_portfolio *p, const kr_position *pos)
{
    return (i128)pos->flow == (i128)pos->realized - pos->cost &&
           (i128)p->cash - p->initial_cash ==
               (i128)p->realized - p->basis - p->costs;
}

int kr_portfolio_apply_fill(kr_portfolio *p, const kr_fill *f)
{
    if (!p || !f)
        return KR_EINVAL;
    kr_position *pos = find(p, f->symbol);
    if (!pos)
        return KR_ENOENT;
    if ((f->side != KR_BUY && f->side != KR_SELL) || f->qty <= 0 ||
        f->price == KR_PX_NONE || f->commission == INT64_MIN ||
        f->fees == INT64_MIN)
        return KR_EINVAL;

    const int cp = p->ccy_precision;
    const int64_t side = f->side, q0 = pos->qty;
    const int64_t held = q0 < 0 ? -q0 : q0;
    int rc;

    /* Split the fill into the part that closes and the part that opens. */
    int64_t nclose_qty = 0;
    if (q0 != 0 && sign(q0) != side)
        nclose_qty = f->qty < held ? f->qty : held;
    int64_t notional, n_close = 0, n_open, released = 0;
    if ((rc = kr_notional(&pos->inst, f->price, f->qty, cp, &notional)))
        return rc;
    if (nclose_qty == f->qty)
        n_close = notional;
    else if (nclose_qty > 0 &&
             (rc = kr_notional(&pos->inst, f->price, nclose_qty, cp,
                               &n_close)))
        return rc;
    if ((rc = kr_fixed_sub(notional, n_close, &n_open)))
        return rc;
    if (nclose_qty == held)
        released = pos->cost;
    else if (nclose_qty > 0 &&
             (rc = kr_fixed_muldiv(pos->cost, nclose_qty, held, &released)))
        return rc;

    /* Every new value, checked, before anything is written. */
    int64_t d_realized, cost, qty, flow_d, costs_d, cash, realized, costs;
    int64_t basis, pos_realized, pos_comm, pos_fees, pos_flow;
    if (SUM(&d_realized, sign(q0) * n_close, -released) ||
        SUM(&cost, pos->cost, -released, side * n_open) ||
        SUM(&qty, q0, side * f->qty) ||
        SUM(&costs_d, f->commission, f->fees))
        return KR_ERANGE;
    flow_d = -side * notional;
    if (SUM(&cash, p->cash, flow_d, -costs_d) ||
        SUM(&realized, p->realized, d_realized) ||
        SUM(&costs, p->costs, costs_d) ||
        SUM(&basis, p->basis, -pos->cost, cost) ||
        SUM(&pos_realized, pos->realized, d_realized) ||
        SUM(&pos_comm, pos->commission, f->commission) ||
        SUM(&pos_fees, pos->fees, f->fees) ||
        SUM(&pos_flow, pos->flow, flow_d))
        return KR_ERANGE;
    assert(qty != 0 || cost == 0); /* flat means no basis left */

    pos->qty = qty;
    pos->cost = cost;
    pos->realized = pos_realized;
    pos->commission = pos_comm;
    pos->fees = pos_fees;
    pos->flow = pos_flow;
    pos->last_px = f->price;
    pos->fill_count++;
    p->cash = cash;
    p->realized = realized;
    p->costs = costs;
    p->basis = basis;
    assert(ledger_ok(p, pos));
    (void)ledger_ok;
    return KR_OK;
}

int kr_portfolio_charge(kr_portfolio *p, uint32_t symbol, int64_t amount)
{
    if (!p || amount == INT64_MIN)
        return KR_EINVAL;
    kr_position *pos = find(p, symbol);
    if (!pos)
        return KR_ENOENT;
    int64_t cash, costs, fees;
    if (SUM(&cash, p->cash, -amount) || SUM(&costs, p->costs, amount) ||
        SUM(&fees, pos->fees, amount))
        return KR_ERANGE;
    p->cash = cash;
    p->costs = costs;
    pos->fees = fees;
    assert(ledger_ok(p, pos));
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Valuation
 * ------------------------------------------------------------------------ */

/* Values `p` with prices[s] (when s < n and set) in place of the marks. */
static int value_at(const kr_portfolio *p, const int64_t *prices, size_t n,
                    kr_valuation *out)
{
    int64_t gross = 0, net = 0;
    for (size_t s = 0; s < p->npos; s++) {
        const kr_position *pos = &p->pos[s];
        if (!pos->active || pos->qty == 0)
            continue;
        int64_t px = s < n && prices[s] != KR_PX_NONE ? prices[s]
                                                      : pos->last_px;
        int64_t mv;
        int rc = kr_notional(&pos->inst, px, pos->qty, p->ccy_precision, &mv);
        if (rc)
            return rc;
        if (SUM(&net, net, mv) || SUM(&gross, gross, mv < 0 ? -mv : mv))
            return KR_ERANGE;
    }
    kr_valuation v;
    v.cash = p->cash;
    v.realized = p->realized;
    v.costs = p->costs;
    v.gross = gross;
    v.net = net;
    if (SUM(&v.equity, p->cash, net) || SUM(&v.unrealized, net, -p->basis))
        return KR_ERANGE;
    if (out)
        *out = v;
    return KR_OK;
}

int kr_portfolio_value(const kr_portfolio *p, kr_valuation *out)
{
    if (!p)
        return KR_EINVAL;
    return value_at(p, NULL, 0, out);
}

int kr_portfolio_mark(kr_portfolio *p, const int64_t *prices, size_t n,
                      kr_valuation *out)
{
    if (!p || (n > 0 && !prices))
        return KR_EINVAL;
    int rc = value_at(p, prices, n, out);
    if (rc)
        return rc;
    for (size_t s = 0; s < n && s < p->npos; s++)
        if (p->pos[s].active && prices[s] != KR_PX_NONE)
            p->pos[s].last_px = prices[s];
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The ledger identity
 * ------------------------------------------------------------------------ */

int kr_portfolio_check(const kr_portfolio *p)
{
    if (!p)
        return KR_EINVAL;
    i128 realized = 0, costs = 0, basis = 0, flow = 0;
    for (size_t s = 0; s < p->npos; s++) {
        const kr_position *pos = &p->pos[s];
        if (!pos->active)
            continue;
        if ((i128)pos->flow != (i128)pos->realized - pos->cost)
            return KR_EINVAL;
        if (pos->qty == 0 && pos->cost != 0)
            return KR_EINVAL;
        if (pos->qty != 0 && pos->last_px == KR_PX_NONE)
            return KR_EINVAL;
        realized += pos->realized;
        costs += (i128)pos->commission + pos->fees;
        basis += pos->cost;
        flow += pos->flow;
    }
    if (realized != p->realized || costs != p->costs || basis != p->basis)
        return KR_EINVAL;
    if ((i128)p->cash - p->initial_cash != flow - costs ||
        (i128)p->cash - p->initial_cash != realized - basis - costs)
        return KR_EINVAL;

    kr_valuation v;
    int rc = kr_portfolio_value(p, &v);
    if (rc)
        return rc;
    if ((i128)v.equity != (i128)v.cash + v.net ||
        (i128)v.equity - p->initial_cash !=
            (i128)v.realized + v.unrealized - v.costs)
        return KR_EINVAL;
    return KR_OK;
}

double kr_position_avg_px(const kr_position *pos, int ccy_precision)
{
    if (!pos || pos->qty == 0)
        return NAN;
    double cost = kr_fixed_to_double(pos->cost, ccy_precision);
    double qty = kr_fixed_to_double(pos->qty, pos->inst.size_precision);
    return cost / (qty * (double)pos->inst.multiplier);
}

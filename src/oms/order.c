/* order.c -- the order state machine.
 *
 * An order lives through eight statuses and seven kinds of event, and one
 * table below, `transitions`, says which event is legal in which status and
 * where it leads. docs/orders-and-accounting.md prints the same table, and
 * tests/oms/test_order.c checks the page against this one, so the three
 * cannot drift apart. Everything else here is the bookkeeping an event
 * carries: a fill's quantity and price, a modify's new terms, a reject's
 * reason.
 *
 * kr_order_transition is all or nothing, in the Redis manner: it checks the
 * event against the table and its arguments against the order, and only
 * then writes. An illegal event returns KR_EINVAL with the order exactly as
 * it was, so a late or duplicated venue message cannot corrupt it; callers
 * that consider such a message a bug assert on the return value.
 *
 * The average fill price is kept exactly: the order sums price x quantity of
 * its fills in a 128-bit integer, and the average is that sum over the filled
 * quantity, rounded half to even to the price precision once (avg_px_raw) and
 * given unrounded as a double for display (avg_px).
 */
#include <assert.h>
#include <string.h>

#include "kairos/oms.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* ------------------------------------------------------------------------
 * The transition table
 * ------------------------------------------------------------------------ */

#define NO (-1)
#define SUB KR_ORDER_SUBMITTED
#define ACC KR_ORDER_ACCEPTED
#define PAR KR_ORDER_PARTIALLY_FILLED
#define CAN KR_ORDER_CANCELED
#define REJ KR_ORDER_REJECTED
#define EXP KR_ORDER_EXPIRED

/* transitions[status][event]: the next status, or NO. A fill leads to
 * PARTIALLY_FILLED, or to FILLED when it completes the quantity. */
static const signed char transitions[KR_ORDER_STATUS_COUNT]
                                    [KR_ORDER_EVENT_COUNT] = {
    /*                 submit accept reject fill cancel expire modify */
    [KR_ORDER_NEW]              = {SUB, NO,  REJ, NO,  CAN, NO,  NO},
    [KR_ORDER_SUBMITTED]        = {NO,  ACC, REJ, PAR, CAN, NO,  NO},
    [KR_ORDER_ACCEPTED]         = {NO,  NO,  NO,  PAR, CAN, EXP, ACC},
    [KR_ORDER_PARTIALLY_FILLED] = {NO,  NO,  NO,  PAR, CAN, EXP, PAR},
    [KR_ORDER_FILLED]           = {NO,  NO,  NO,  NO,  NO,  NO,  NO},
    [KR_ORDER_CANCELED]         = {NO,  NO,  NO,  NO,  NO,  NO,  NO},
    [KR_ORDER_REJECTED]         = {NO,  NO,  NO,  NO,  NO,  NO,  NO},
    [KR_ORDER_EXPIRED]          = {NO,  NO,  NO,  NO,  NO,  NO,  NO},
};

static const char *const status_names[KR_ORDER_STATUS_COUNT] = {
    "new",    "submitted", "accepted", "partially_filled",
    "filled", "canceled",  "rejected", "expired",
};

static const char *const event_names[KR_ORDER_EVENT_COUNT] = {
    "submit", "accept", "reject", "fill", "cancel", "expire", "modify",
};

static const char *const type_names[] = {"market", "limit", "stop",
                                         "stop_limit"};
static const char *const tif_names[] = {"gtc", "day", "ioc", "fok"};

int kr_order_next_status(int status, int event)
{
    if (status < 0 || status >= KR_ORDER_STATUS_COUNT || event < 0 ||
        event >= KR_ORDER_EVENT_COUNT)
        return -1;
    return transitions[status][event];
}

const char *kr_order_status_name(int status)
{
    if (status < 0 || status >= KR_ORDER_STATUS_COUNT)
        return "unknown";
    return status_names[status];
}

const char *kr_order_event_name(int event)
{
    if (event < 0 || event >= KR_ORDER_EVENT_COUNT)
        return "unknown";
    return event_names[event];
}

const char *kr_order_type_name(int type)
{
    if (type < KR_ORDER_MARKET || type > KR_ORDER_STOP_LIMIT)
        return "unknown";
    return type_names[type];
}

const char *kr_tif_name(int tif)
{
    if (tif < KR_TIF_GTC || tif > KR_TIF_FOK)
        return "unknown";
    return tif_names[tif];
}

/* ------------------------------------------------------------------------
 * Ids and creation
 * ------------------------------------------------------------------------ */

void kr_order_ids_init(kr_order_ids *g, uint64_t first)
{
    g->next = first ? first : 1;
}

uint64_t kr_order_ids_next(kr_order_ids *g)
{
    if (g->next == 0) /* a zeroed counter, or one that wrapped */
        g->next = 1;
    return g->next++;
}

static int uses_limit(int type)
{
    return type == KR_ORDER_LIMIT || type == KR_ORDER_STOP_LIMIT;
}

static int uses_stop(int type)
{
    return type == KR_ORDER_STOP || type == KR_ORDER_STOP_LIMIT;
}

static int lot_ok(int64_t qty, int64_t lot)
{
    return lot == 0 || qty % lot == 0;
}

int kr_order_init(kr_order *o, const kr_order_params *p,
                  const kr_instrument *inst)
{
    if (!o || !p || kr_instrument_check(inst) != KR_OK)
        return KR_EINVAL;
    if (p->id == 0 || (p->side != KR_BUY && p->side != KR_SELL) ||
        p->type < KR_ORDER_MARKET || p->type > KR_ORDER_STOP_LIMIT ||
        p->tif < KR_TIF_GTC || p->tif > KR_TIF_FOK)
        return KR_EINVAL;
    if (p->qty <= 0 || !lot_ok(p->qty, inst->lot_size))
        return KR_EINVAL;
    if (uses_limit(p->type) != (p->limit_px != KR_PX_NONE) ||
        uses_stop(p->type) != (p->stop_px != KR_PX_NONE))
        return KR_EINVAL;

    memset(o, 0, sizeof *o);
    o->id = p->id;
    o->symbol = inst->symbol;
    o->side = p->side;
    o->type = p->type;
    o->tif = p->tif;
    o->status = KR_ORDER_NEW;
    o->price_precision = inst->price_precision;
    o->size_precision = inst->size_precision;
    o->lot_size = inst->lot_size;
    o->qty = p->qty;
    o->limit_px = p->limit_px;
    o->stop_px = p->stop_px;
    o->avg_px_raw = KR_PX_NONE;
    o->avg_px = 0;
    o->ts_init = p->ts;
    o->ts_last = p->ts;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------ */

int kr_order_is_terminal(const kr_order *o)
{
    return o->status == KR_ORDER_FILLED || o->status == KR_ORDER_CANCELED ||
           o->status == KR_ORDER_REJECTED || o->status == KR_ORDER_EXPIRED;
}

int kr_order_is_open(const kr_order *o)
{
    return o->status == KR_ORDER_SUBMITTED ||
           o->status == KR_ORDER_ACCEPTED ||
           o->status == KR_ORDER_PARTIALLY_FILLED;
}

int64_t kr_order_leaves(const kr_order *o)
{
    return kr_order_is_terminal(o) ? 0 : o->qty - o->filled_qty;
}

/* ------------------------------------------------------------------------
 * Transitions
 * ------------------------------------------------------------------------ */

static i128 value_get(const kr_order *o)
{
    return (i128)(((u128)(uint64_t)o->value_hi << 64) | o->value_lo);
}

static void value_set(kr_order *o, i128 v)
{
    o->value_hi = (int64_t)(v >> 64);
    o->value_lo = (uint64_t)v;
}

/* Rounds n / d (d > 0) half to even. The average of prices that fit an
 * int64 fits an int64, so no range check is needed. */
static int64_t avg_round(i128 n, int64_t d)
{
    i128 q = n / d, r = n % d;
    if (r < 0)
        r = -r;
    i128 twice = r * 2;
    if (twice > d || (twice == d && (q & 1)))
        q += n < 0 ? -1 : 1;
    return (int64_t)q;
}

static double scale_of(int precision)
{
    double s = 1;
    while (precision-- > 0)
        s *= 10;
    return s;
}

/* Checks a fill against `o`; on success stores the new sum and status. */
static int check_fill(const kr_order *o, const kr_order_event *ev,
                      i128 *value, int *status)
{
    int64_t q = ev->u.fill.qty, px = ev->u.fill.price;
    int64_t leaves = o->qty - o->filled_qty;
    if (q <= 0 || q > leaves || px == KR_PX_NONE)
        return KR_EINVAL;
    /* Fill or kill: the whole quantity in one execution, or none. */
    if (o->tif == KR_TIF_FOK && q != o->qty)
        return KR_EINVAL;
    i128 v = value_get(o);
    if (__builtin_add_overflow(v, (i128)px * q, &v))
        return KR_ERANGE;
    *value = v;
    *status = q == leaves ? KR_ORDER_FILLED : KR_ORDER_PARTIALLY_FILLED;
    return KR_OK;
}

static int check_modify(const kr_order *o, const kr_order_event *ev)
{
    int64_t q = ev->u.modify.qty;
    if (q != 0 && (q <= o->filled_qty || q < 0 || !lot_ok(q, o->lot_size)))
        return KR_EINVAL;
    if (ev->u.modify.limit_px != KR_PX_NONE && !uses_limit(o->type))
        return KR_EINVAL;
    if (ev->u.modify.stop_px != KR_PX_NONE && !uses_stop(o->type))
        return KR_EINVAL;
    return KR_OK;
}

int kr_order_transition(kr_order *o, const kr_order_event *ev)
{
    if (!o || !ev)
        return KR_EINVAL;
    int next = kr_order_next_status(o->status, ev->type);
    if (next < 0 || ev->ts < o->ts_last)
        return KR_EINVAL;

    i128 value = 0;
    int rc = KR_OK;
    if (ev->type == KR_OEV_FILL)
        rc = check_fill(o, ev, &value, &next);
    else if (ev->type == KR_OEV_MODIFY)
        rc = check_modify(o, ev);
    if (rc != KR_OK)
        return rc;

    /* Checked: from here on nothing fails. */
    switch (ev->type) {
    case KR_OEV_REJECT: {
        const char *r = ev->u.reason ? ev->u.reason : "";
        size_t n = strlen(r);
        if (n >= sizeof o->reason)
            n = sizeof o->reason - 1;
        memcpy(o->reason, r, n);
        o->reason[n] = '\0';
        break;
    }
    case KR_OEV_FILL:
        o->filled_qty += ev->u.fill.qty;
        o->fill_count++;
        value_set(o, value);
        o->avg_px_raw = avg_round(value, o->filled_qty);
        o->avg_px = (double)value / (double)o->filled_qty /
                    scale_of(o->price_precision);
        break;
    case KR_OEV_MODIFY:
        if (ev->u.modify.qty != 0)
            o->qty = ev->u.modify.qty;
        if (ev->u.modify.limit_px != KR_PX_NONE)
            o->limit_px = ev->u.modify.limit_px;
        if (ev->u.modify.stop_px != KR_PX_NONE)
            o->stop_px = ev->u.modify.stop_px;
        break;
    default:
        break;
    }
    o->status = next;
    o->ts_last = ev->ts;
    assert(o->filled_qty >= 0 && o->filled_qty <= o->qty);
    assert((o->status == KR_ORDER_FILLED) == (o->filled_qty == o->qty));
    return KR_OK;
}

/* oms.h -- kairos order management: fixed-point money, orders, portfolio.
 *
 * ARCHITECTURE.md says accounting is exact, and this header is where that
 * promise is kept. A price, a quantity or an amount of money is an int64
 * "raw" value with a number of decimal places (its precision, 0..9), as in
 * NautilusTrader: 1.25 at precision 2 is raw 125. Each instrument has a price
 * precision and a size precision; a portfolio keeps money at its account
 * currency's precision (2 for USD). Arithmetic on raw values is checked for
 * overflow (KR_ERANGE), and the one place where precision is lost, turning
 * price x quantity into money, rounds half to even through a 128-bit
 * intermediate, so a ledger reconciles to the cent after millions of fills.
 * Doubles appear only at the edges (conversions in and out, display).
 *
 * Four parts, one source file each:
 *   - fixed.c: conversions, checked arithmetic, notional;
 *   - order.c: kr_order and its state machine, one transition table;
 *   - portfolio.c: positions, fills, the cash ledger and its identity;
 *   - fillmodel.c: the simulated exchange's fill, slippage, commission and
 *     volume-cap models (pure functions).
 * Execution algos, reconciliation and the broker adapter interface will join
 * this domain later (issue 4). See docs/orders-and-accounting.md.
 *
 * Everything here is plain data allocated by the caller. Nothing allocates on
 * the hot path: orders need no allocation at all, and a portfolio allocates
 * only when an instrument is added.
 */
#ifndef KAIROS_OMS_H
#define KAIROS_OMS_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Fixed point
 * ------------------------------------------------------------------------ */

#define KR_FIXED_MAX_PRECISION 9

/* "No price": a limit or stop price that does not apply, or, in a modify
 * event or a mark, a price that stays as it is. Never a valid price. */
#define KR_PX_NONE INT64_MIN

/* kr_fixed_from_double rounds `v` to `precision` decimal places, half to
 * even, and stores the raw value in *raw. The rounding is exact: it acts on
 * the double's true binary value, so 0.125 at precision 2 is 0.12 (a real
 * tie) while 2.675 is 2.67 (the double is 2.67499999...). Returns KR_EINVAL
 * for NaN, an infinity or a precision outside 0..9, KR_ERANGE if the result
 * does not fit an int64 other than INT64_MIN (reserved for KR_PX_NONE);
 * *raw is untouched on error. */
int kr_fixed_from_double(double v, int precision, int64_t *raw);

/* kr_fixed_to_double returns raw / 10^precision, correctly rounded when
 * |raw| < 2^53. For display and analytics only. */
double kr_fixed_to_double(int64_t raw, int precision);

/* Checked addition and subtraction of raw values of the same precision.
 * Return KR_OK, or KR_ERANGE with *out untouched. INT64_MIN is out of range
 * (it is KR_PX_NONE). */
int kr_fixed_add(int64_t a, int64_t b, int64_t *out);
int kr_fixed_sub(int64_t a, int64_t b, int64_t *out);

/* kr_fixed_rescale converts `raw` from one precision to another, rounding
 * half to even when places are dropped. KR_EINVAL for a bad precision,
 * KR_ERANGE on overflow. */
int kr_fixed_rescale(int64_t raw, int from, int to, int64_t *out);

/* kr_fixed_muldiv computes a * b / c rounded half to even, exactly (the
 * product is 128 bits wide). KR_EINVAL if c is 0, KR_ERANGE if the result
 * does not fit. The primitive behind notional and pro-rata cost basis. */
int kr_fixed_muldiv(int64_t a, int64_t b, int64_t c, int64_t *out);

/* kr_fixed_format writes raw at its precision as a decimal ("-1.50") and
 * returns the length, like snprintf; 32 bytes always suffice. */
size_t kr_fixed_format(int64_t raw, int precision, char *buf, size_t size);

/* An instrument says how its prices and sizes are written. Plain data. */
typedef struct kr_instrument {
    uint32_t symbol;         /* id from the run's kr_symtab */
    int32_t price_precision; /* decimal places of a price, 0..9 */
    int32_t size_precision;  /* decimal places of a quantity, 0..9 */
    int64_t lot_size;        /* raw at size precision; 0 = any quantity */
    int64_t multiplier;      /* contract multiplier, >= 1 (1 for stocks) */
} kr_instrument;

/* kr_instrument_init fills in an instrument with lot size 0 and multiplier
 * 1. Returns KR_EINVAL for a precision outside 0..9. */
int kr_instrument_init(kr_instrument *inst, uint32_t symbol,
                       int price_precision, int size_precision);

/* kr_instrument_check returns KR_OK for a usable instrument, else
 * KR_EINVAL (bad precision, negative lot size, multiplier < 1). */
int kr_instrument_check(const kr_instrument *inst);

/* kr_notional computes price x quantity x multiplier as money at
 * `ccy_precision`, exactly through a 128-bit product and then rounded half
 * to even once. `price` is raw at the instrument's price precision, `qty`
 * raw at its size precision (either may be negative; the sign carries).
 * Returns KR_EINVAL for a bad precision or a KR_PX_NONE price, KR_ERANGE if
 * the money does not fit; *out untouched on error. */
int kr_notional(const kr_instrument *inst, int64_t price, int64_t qty,
                int ccy_precision, int64_t *out);

/* ------------------------------------------------------------------------
 * Orders and their state machine
 * ------------------------------------------------------------------------ */

typedef enum kr_side {
    KR_BUY = 1,   /* the sign of the position change */
    KR_SELL = -1,
} kr_side;

typedef enum kr_order_type {
    KR_ORDER_MARKET = 0,
    KR_ORDER_LIMIT,
    KR_ORDER_STOP,       /* stop price only: becomes a market order */
    KR_ORDER_STOP_LIMIT, /* stop and limit prices */
} kr_order_type;

typedef enum kr_tif {
    KR_TIF_GTC = 0, /* good till canceled */
    KR_TIF_DAY,     /* expires at the session's end */
    KR_TIF_IOC,     /* immediate or cancel: fill what can be, cancel the rest */
    KR_TIF_FOK,     /* fill or kill: all at once or nothing */
} kr_tif;

typedef enum kr_order_status {
    KR_ORDER_NEW = 0,         /* created, validated, not yet sent */
    KR_ORDER_SUBMITTED,       /* sent to the venue, no answer yet */
    KR_ORDER_ACCEPTED,        /* working at the venue */
    KR_ORDER_PARTIALLY_FILLED,
    KR_ORDER_FILLED,          /* terminal */
    KR_ORDER_CANCELED,        /* terminal */
    KR_ORDER_REJECTED,        /* terminal: by risk or by the venue */
    KR_ORDER_EXPIRED,         /* terminal: time in force ran out */
} kr_order_status;

#define KR_ORDER_STATUS_COUNT 8

typedef enum kr_order_event_type {
    KR_OEV_SUBMIT = 0,
    KR_OEV_ACCEPT,
    KR_OEV_REJECT, /* u.reason */
    KR_OEV_FILL,   /* u.fill */
    KR_OEV_CANCEL,
    KR_OEV_EXPIRE,
    KR_OEV_MODIFY, /* u.modify */
} kr_order_event_type;

#define KR_ORDER_EVENT_COUNT 7

#define KR_ORDER_REASON_MAX 128 /* bytes kept of a reject reason, with NUL */

/* An event applied to an order. `reason` is borrowed: the order copies it. */
typedef struct kr_order_event {
    int32_t type; /* kr_order_event_type */
    kr_ts ts;
    union {
        const char *reason;
        struct {
            int64_t qty;   /* raw at size precision, > 0, <= leaves */
            int64_t price; /* raw at price precision */
        } fill;
        struct {
            int64_t qty;      /* new total quantity; 0 keeps it */
            int64_t limit_px; /* KR_PX_NONE keeps it */
            int64_t stop_px;  /* KR_PX_NONE keeps it */
        } modify;
    } u;
} kr_order_event;

/* What an order is asked to be: the arguments of kr_order_init. */
typedef struct kr_order_params {
    uint64_t id;      /* client order id, != 0: the caller's or a kr_order_ids */
    int32_t side;     /* kr_side */
    int32_t type;     /* kr_order_type */
    int32_t tif;      /* kr_tif */
    int64_t qty;      /* raw at size precision */
    int64_t limit_px; /* raw, or KR_PX_NONE for market and stop */
    int64_t stop_px;  /* raw, or KR_PX_NONE for market and limit */
    kr_ts ts;         /* creation time */
} kr_order_params;

/* An order is plain data, allocated by the caller, set up by kr_order_init
 * and changed only by kr_order_transition; it owns nothing and needs no
 * _free. Read its fields freely; write none. */
typedef struct kr_order {
    uint64_t id;
    uint32_t symbol;
    int32_t side, type, tif;
    int32_t status;          /* kr_order_status */
    int32_t price_precision; /* copied from the instrument */
    int32_t size_precision;
    int64_t lot_size;
    int64_t qty;             /* total quantity asked */
    int64_t limit_px, stop_px;
    int64_t filled_qty;
    int64_t fill_count;
    int64_t value_hi;        /* sum of fill price x fill qty (raw x raw), */
    uint64_t value_lo;       /* exact, as a 128-bit integer hi:lo */
    int64_t avg_px_raw;      /* average fill price, half-even at price
                                precision; KR_PX_NONE before the first fill */
    double avg_px;           /* the same, unrounded, for display */
    kr_ts ts_init;           /* creation */
    kr_ts ts_last;           /* last event applied */
    char reason[KR_ORDER_REASON_MAX]; /* why it was rejected, else "" */
} kr_order;

/* A counter of client order ids: 1, 2, 3, ... Plain data; zero it or use
 * kr_order_ids_init. */
typedef struct kr_order_ids {
    uint64_t next;
} kr_order_ids;

void kr_order_ids_init(kr_order_ids *g, uint64_t first);
uint64_t kr_order_ids_next(kr_order_ids *g);

/* kr_order_init validates `p` against `inst` and sets up `o` in status NEW.
 * Checked, all before anything is written: id != 0; side, type and time in
 * force are known; qty > 0 and a multiple of the lot size; a limit price
 * present (not KR_PX_NONE) exactly for limit and stop-limit orders, a stop
 * price exactly for stop and stop-limit orders; a valid instrument. Returns
 * KR_OK or KR_EINVAL with *o untouched. */
int kr_order_init(kr_order *o, const kr_order_params *p,
                  const kr_instrument *inst);

/* kr_order_next_status is the transition table: the status an order in
 * `status` moves to on an event of `event` type, or -1 when the event is
 * illegal there. A fill's entry is KR_ORDER_PARTIALLY_FILLED; the fill that
 * completes the quantity moves to KR_ORDER_FILLED instead. Modify keeps the
 * status. */
int kr_order_next_status(int status, int event);

/* kr_order_transition applies `ev` to `o`. Returns KR_OK, or KR_EINVAL with
 * the order untouched if the event is illegal in the order's status (see the
 * table), or its arguments are (fill qty <= 0 or above what is left, a
 * KR_PX_NONE fill price, a modify to a quantity not above the filled one or
 * not a lot multiple, a modify setting a price the type does not use), or
 * the event's time is before the order's last. */
int kr_order_transition(kr_order *o, const kr_order_event *ev);

/* Quantity still to fill; 0 once the order is terminal. */
int64_t kr_order_leaves(const kr_order *o);
/* 1 for filled, canceled, rejected and expired. */
int kr_order_is_terminal(const kr_order *o);
/* 1 for submitted, accepted and partially filled: live at the venue. */
int kr_order_is_open(const kr_order *o);

/* Lower-case names: "partially_filled", "fill", "stop_limit", ... */
const char *kr_order_status_name(int status);
const char *kr_order_event_name(int event);
const char *kr_order_type_name(int type);
const char *kr_tif_name(int tif);

/* ------------------------------------------------------------------------
 * Portfolio: positions, fills and the cash ledger
 * ------------------------------------------------------------------------ */

/* An execution, as the portfolio sees it. Money fields are raw at the
 * portfolio's currency precision. */
typedef struct kr_fill {
    uint64_t order_id;
    uint32_t symbol;
    int32_t side;       /* kr_side */
    int64_t qty;        /* raw at size precision, > 0 */
    int64_t price;      /* raw at price precision */
    int64_t commission; /* money; negative for a rebate */
    int64_t fees;       /* other costs (exchange, regulatory), money */
    kr_ts ts;
} kr_fill;

/* One symbol's position. `cost` is the cost basis of the open quantity in
 * money, signed like the quantity (what a long paid, minus what a short
 * received); closing part of a position releases the same fraction of it,
 * rounded half to even, and the whole of it when the position goes flat.
 * `flow` is the sum of the fills' cash flows before costs, kept apart so
 * that the ledger can be checked: flow == realized - cost, always. */
typedef struct kr_position {
    kr_instrument inst;
    int64_t qty;        /* net, signed, raw at size precision */
    int64_t cost;       /* cost basis of qty, money */
    int64_t realized;   /* realized P&L before costs, money */
    int64_t commission; /* money */
    int64_t fees;       /* money */
    int64_t flow;       /* cash flows of fills before costs, money */
    int64_t last_px;    /* last mark or fill price; KR_PX_NONE before any */
    int64_t fill_count;
    int32_t active;     /* the instrument was added */
} kr_position;

/* A portfolio in one account currency. Allocated by the caller, set up with
 * kr_portfolio_init, released with kr_portfolio_free. Fields are read-only
 * outside portfolio.c. Positions are indexed by symbol id. */
typedef struct kr_portfolio {
    int32_t ccy_precision;
    int64_t initial_cash;
    int64_t cash;
    int64_t realized;   /* sum over positions */
    int64_t costs;      /* commissions + fees, sum over positions */
    int64_t basis;      /* sum of position costs */
    kr_position *pos;   /* pos[symbol], owned */
    size_t npos;        /* entries of pos (max symbol id + 1) */
    size_t nactive;     /* instruments added */
} kr_portfolio;

/* A valuation at the current marks. Money at the portfolio's precision. */
typedef struct kr_valuation {
    int64_t cash;
    int64_t equity;     /* cash + sum of market values */
    int64_t realized;
    int64_t unrealized; /* sum of (market value - cost) */
    int64_t costs;
    int64_t gross;      /* sum of |market value| */
    int64_t net;        /* sum of market value */
} kr_valuation;

/* kr_portfolio_init sets up an empty portfolio holding `initial_cash` (raw
 * at ccy_precision, 0..9). Returns KR_OK or KR_EINVAL; kr_portfolio_free is
 * safe either way. */
int kr_portfolio_init(kr_portfolio *p, int ccy_precision, int64_t initial_cash);
void kr_portfolio_free(kr_portfolio *p);

/* kr_portfolio_add adds an instrument (copied), with a flat position. Call
 * it before the run: it is the portfolio's only allocation. Returns KR_OK,
 * KR_EINVAL for a bad instrument or one already added, KR_ENOMEM. */
int kr_portfolio_add(kr_portfolio *p, const kr_instrument *inst);

/* The position of `symbol`, or NULL if its instrument was not added. */
const kr_position *kr_portfolio_position(const kr_portfolio *p,
                                         uint32_t symbol);

/* kr_portfolio_apply_fill books a fill: the position moves by qty in the
 * side's direction; cash falls by the notional on a buy and rises by it on a
 * sell, and falls by commission and fees. The part of the fill that reduces
 * the position realizes P&L against the cost basis; a fill that goes through
 * zero closes the whole position at the fill price and opens the rest on the
 * other side at the same price. Everything is computed and checked first:
 * returns KR_ENOENT for an instrument not added, KR_EINVAL for a bad side,
 * qty <= 0 or a KR_PX_NONE price, KR_ERANGE if a sum would overflow; the
 * portfolio is untouched on error. In debug builds the ledger identity is
 * asserted after every fill. */
int kr_portfolio_apply_fill(kr_portfolio *p, const kr_fill *f);

/* kr_portfolio_charge books a cost that comes with no fill (borrow on a
 * short, a financing charge, a fee): `amount` (money, raw at the
 * portfolio's precision; negative for a credit) leaves cash and is added to
 * the symbol's fees, so the ledger identity holds. KR_ENOENT for an
 * instrument not added, KR_EINVAL, KR_ERANGE (portfolio untouched). */
int kr_portfolio_charge(kr_portfolio *p, uint32_t symbol, int64_t amount);

/* kr_portfolio_mark sets the mark price of every symbol s < n with
 * prices[s] != KR_PX_NONE (prices may be NULL when n is 0), then values the
 * portfolio into *out (which may be NULL). A position never marked is valued
 * at its last fill price. Returns KR_OK, KR_EINVAL (bad arguments), or
 * KR_ERANGE if a value overflows; on error the marks are unchanged. */
int kr_portfolio_mark(kr_portfolio *p, const int64_t *prices, size_t n,
                      kr_valuation *out);

/* kr_portfolio_value values the portfolio at the current marks. */
int kr_portfolio_value(const kr_portfolio *p, kr_valuation *out);

/* kr_portfolio_check verifies the ledger from scratch: per position
 * flow == realized - cost; the portfolio's totals equal the sums over
 * positions; cash - initial == realized - basis - costs; and, valued at the
 * current marks, equity == cash + sum of market values and
 * equity - initial == realized + unrealized - costs. Returns KR_OK, or
 * KR_ERANGE if a value overflows, or KR_EINVAL if any identity fails
 * (a bug). */
int kr_portfolio_check(const kr_portfolio *p);

/* The average open price of a position (cost / (qty x multiplier)) as a
 * double, for display; NaN when flat. Booking uses the exact cost. */
double kr_position_avg_px(const kr_position *pos, int ccy_precision);

/* ------------------------------------------------------------------------
 * Fill models (simulated exchange)
 * ------------------------------------------------------------------------ */

/* Pure functions a simulated exchange uses to fill orders against bars:
 * whether and at what price an order fills in a bar, the slippage added to
 * that price, the commission charged, and how much of a bar's volume one
 * order may take. No engine, no bus, no allocation. See fillmodel.c and
 * docs/orders-and-accounting.md for the intrabar assumption. */

/* A bar as the fill models see it: prices raw at the instrument's price
 * precision (low <= open, close <= high), volume raw at its size precision
 * (>= 0). */
typedef struct kr_fill_bar {
    int64_t open, high, low, close;
    int64_t volume;
} kr_fill_bar;

/* Which price of the bar passed in a market order takes. */
typedef enum kr_fill_rule {
    KR_FILL_NEXT_OPEN = 0, /* the open of the bar after the decision */
    KR_FILL_NEXT_CLOSE,    /* the close of the bar after the decision */
    KR_FILL_CLOSE,         /* the close of the decision bar (optimistic) */
} kr_fill_rule;

#define KR_FILL_RULE_COUNT 3

/* kr_fill_price_for_bar decides whether order `o`, working during `bar`,
 * fills there, and at what price. The caller passes the bar the rule
 * names: the next bar for KR_FILL_NEXT_OPEN and KR_FILL_NEXT_CLOSE, the
 * decision bar for KR_FILL_CLOSE. A market order always fills, at the
 * bar's open (NEXT_OPEN) or close (the other two). The rule does not
 * apply to the other types, which work through the bar along the path
 * open, adverse extreme, favourable extreme, close (high before low for a
 * buy, low before high for a sell):
 *   - limit buy: fills if low <= limit, at min(open, limit); sell: high >=
 *     limit, at max(open, limit) (a gap through the limit fills at the open);
 *   - stop buy: triggers if high >= stop, fills at max(open, stop); sell:
 *     low <= stop, at min(open, stop) (a gap through the stop fills at the
 *     open, worse than the stop);
 *   - stop-limit buy: triggers as a stop at T = max(open, stop), then fills
 *     if low <= limit, at min(T, limit); sell: T = min(open, stop), fills if
 *     high >= limit, at max(T, limit).
 * Sets *filled to 1 or 0 and *price to the fill price or KR_PX_NONE.
 * Returns KR_OK, or KR_EINVAL (NULL argument, terminal order, unknown
 * side, type or rule, missing limit or stop price, inconsistent bar) with
 * the outputs untouched. */
int kr_fill_price_for_bar(const kr_order *o, const kr_fill_bar *bar,
                          int rule, int *filled, int64_t *price);

/* Slippage. Each model moves a raw fill price against the trader (up for a
 * buy, down for a sell) by an amount rounded up to a whole tick, the tick
 * being one raw unit at the instrument's price precision. Rates given as
 * doubles are first converted exactly to decimals (bps to 4 places,
 * fractions and factors to 9, see kr_fixed_from_double), so 2.5 bps is
 * exactly 2.5 bps. All return KR_OK, KR_EINVAL for a bad argument (a bad
 * instrument or side, KR_PX_NONE, a negative or non-finite rate), or
 * KR_ERANGE on overflow; *out is untouched on error. */

/* Fixed: |price| x bps / 10^4, 0 <= bps < 10^4. */
int kr_slip_fixed_bps(const kr_instrument *inst, int side, int64_t price,
                      double bps, int64_t *out);

/* A fraction of the spread: spread x fraction (0.5: from the mid to the
 * touch). `spread` is raw at the price precision, >= 0, 0 <= fraction <= 1. */
int kr_slip_spread(const kr_instrument *inst, int side, int64_t price,
                   int64_t spread, double fraction, int64_t *out);

/* kr_spread_from_bar estimates a spread from a bar when none is known:
 * (high - low) x factor, rounded half to even to the price precision,
 * 0 <= factor <= 1. The range overstates the spread by a wide margin; the
 * factor is the caller's calibration. */
int kr_spread_from_bar(const kr_fill_bar *bar, double factor,
                       int64_t *spread);

/* Square-root impact: |price| x k x sigma x sqrt(qty / bar_volume), with
 * qty and bar_volume raw at the size precision (qty > 0, bar_volume > 0)
 * and sigma the volatility over the bar as a fraction (0.02 for 2%). The
 * square root makes this one model use doubles; an amount within 1e-9 of
 * a whole tick counts as that tick. */
int kr_slip_sqrt_impact(const kr_instrument *inst, int side, int64_t price,
                        int64_t qty, int64_t bar_volume, double k,
                        double sigma, int64_t *out);

/* Commission. Each returns money raw at the account's currency precision,
 * rounded half to even once, >= 0. KR_EINVAL for a bad argument, KR_ERANGE
 * on overflow; *out untouched on error. */

/* Per share (or per contract): |qty| x per_share, at least `minimum`.
 * qty raw at the instrument's size precision, != 0; per_share money per
 * unit of quantity, to 9 places; minimum raw money, >= 0. */
int kr_commission_per_share(const kr_instrument *inst, int64_t qty,
                            double per_share, int64_t minimum,
                            int ccy_precision, int64_t *out);

/* |notional| x bps / 10^4, notional raw money (as from kr_notional). */
int kr_commission_bps(int64_t notional, double bps, int64_t *out);

/* One tier of a tiered commission: from `threshold` (raw money, >= 0) of
 * notional upwards, `bps`. */
typedef struct kr_commission_tier {
    int64_t threshold;
    double bps;
} kr_commission_tier;

/* Tiered: the whole |notional| pays the bps of the last tier whose
 * threshold is <= |notional| (a notional exactly at a threshold is in the
 * new tier). Tiers are sorted by strictly increasing threshold, the first
 * at 0; 1 <= n. */
int kr_commission_tiered(int64_t notional, const kr_commission_tier *tiers,
                         size_t n, int64_t *out);

/* kr_volume_cap gives the most one order may fill in a bar:
 * floor(cap_fraction x bar_volume), rounded down to a multiple of the lot
 * size. bar_volume raw at the size precision, >= 0; 0 <= cap_fraction <= 1.
 * The caller fills min(leaves, *max_qty), if above 0, and the rest keeps
 * working (the order becomes partially filled). */
int kr_volume_cap(const kr_instrument *inst, int64_t bar_volume,
                  double cap_fraction, int64_t *max_qty);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_OMS_H */

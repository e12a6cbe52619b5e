/* engine.h -- kairos engine: the event queue and the clock.
 *
 * The engine is ARCHITECTURE.md's event-driven core: one single-threaded loop
 * pops events in time order, sets the clock to each event's timestamp and
 * dispatches the event. Backtest and live differ only in the clock (simulated
 * or wall) and the venue. This header holds the first two pieces:
 *
 *   - kr_queue, a priority queue of fixed-size kr_event records ordered by
 *     (timestamp, sequence), where the sequence is assigned at push time, so
 *     that events with equal timestamps pop in push order and a run is
 *     reproducible bit for bit; it also schedules one-shot and repeating
 *     timers;
 *   - kr_clock, a small ops table with a simulated and a wall implementation;
 *   - kr_bus, the in-process message bus: synchronous, deterministic
 *     dispatch of a published message to its topic's subscribers in
 *     (priority, subscription order).
 *
 * and, on top of them, the trading loop:
 *
 *   - the strategy interface (kr_strategy: on_start, on_bar, on_order_event,
 *     on_fill, on_timer, on_stop) and its context (kr_ctx), through which a
 *     strategy submits, cancels and modifies orders and reads the account;
 *   - the venue port (kr_venue_ops), the one seam between the engine and
 *     whatever executes orders: the simulated exchange here (kr_simx,
 *     simexchange.c), broker adapters in a later issue. A venue never
 *     changes an order record; it reports events (accept, fill, cancel,
 *     expire, reject) and the engine applies them;
 *   - the backtest runner (kr_backtest, backtest.c), which replays bars
 *     through the queue and the bus on a simulated clock, runs every order
 *     through the risk check, books fills in the portfolio, and records the
 *     equity curve, the orders, the fills and the round-trip trades;
 *   - the run's statistics (kr_bt_metrics, metrics.c), computed by stats.
 *
 * See docs/engine.md and docs/backtest.md.
 */
#ifndef KAIROS_ENGINE_H
#define KAIROS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"
#include "kairos/data.h"
#include "kairos/oms.h"
#include "kairos/risk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

typedef enum kr_event_type {
    KR_EV_BAR = 1,     /* a closed bar; payload bar */
    KR_EV_QUOTE,       /* top of book; payload quote */
    KR_EV_TRADE,       /* a print on the tape; payload trade */
    KR_EV_TIMER,       /* a timer firing; payload timer */
    KR_EV_ORDER_EVENT, /* an order changed state; payload ref */
    KR_EV_FILL,        /* an execution; payload ref */
    KR_EV_CUSTOM,      /* anything else; payload ref or raw */
} kr_event_type;

#define KR_EV_TYPE_MAX KR_EV_CUSTOM

/* The symbol id of an event that belongs to no symbol (timers). */
#define KR_SYMBOL_NONE UINT32_MAX

/* A timer with no last firing repeats for as long as the queue is run. */
#define KR_TIMER_FOREVER INT64_MAX

/* kr_event is a 64-byte record, copied by value into and out of the queue.
 *
 * Ownership: the queue owns its copies of the records and nothing else. A
 * pointer in `ref` is the caller's: the queue never reads through it or frees
 * it, and the caller must keep what it points to alive until the event has
 * been popped (or the queue cleared). An index in `ref` is a position in a
 * store the caller keeps (an order book, a fill log), which is the preferred
 * form: it stays valid when that store grows. */
typedef struct kr_event {
    kr_ts ts;        /* when the event happens, ns UTC */
    uint64_t seq;    /* set by the queue at push; ties on ts pop by seq */
    uint32_t type;   /* kr_event_type */
    uint32_t symbol; /* id from the run's kr_symtab, or KR_SYMBOL_NONE */
    union {
        struct {
            double open, high, low, close, volume;
        } bar;
        struct {
            double bid, ask, bid_size, ask_size;
        } quote;
        struct {
            double price, size;
            int32_t side; /* +1 buyer initiated, -1 seller, 0 unknown */
        } trade;
        struct {
            uint64_t id;       /* the caller's name for the timer */
            int64_t interval;  /* ns between firings; 0 for a one-shot */
            kr_ts last;        /* no firing after this; KR_TIMER_FOREVER */
            uint64_t count;    /* 0 for the first firing, then 1, 2, ... */
        } timer;
        struct {
            void *ptr;      /* borrowed, see above; may be NULL */
            uint64_t index; /* position in a caller-owned store */
            uint64_t tag;   /* free for the caller (a kind, an id) */
        } ref;
        uint64_t raw[5];
    } u;
} kr_event;

/* ------------------------------------------------------------------------
 * Event queue
 * ------------------------------------------------------------------------ */

/* A kr_queue is allocated by the caller and set up with kr_queue_init. Its
 * fields are read-only outside queue.c. */
typedef struct kr_queue {
    kr_event *heap;    /* 4-ary min-heap on (ts, seq) */
    size_t n;          /* events held */
    size_t cap;        /* records allocated */
    uint64_t next_seq; /* sequence of the next push */
    kr_ts floor;       /* ts of the last pop, KR_TS_NONE before the first */
} kr_queue;

/* kr_queue_init sets up an empty queue with room for `reserve` events (0 is
 * allowed: the first push allocates). Returns KR_OK or KR_ENOMEM, in which
 * case `q` holds nothing and kr_queue_free is still safe to call. */
int kr_queue_init(kr_queue *q, size_t reserve);

/* kr_queue_free releases the queue's storage. Pointers in events still held
 * are the caller's and are not touched. `q` may be NULL. */
void kr_queue_free(kr_queue *q);

/* kr_queue_reserve makes room for at least `n` events, so that a hot loop
 * that stays within it never allocates. Returns KR_OK or KR_ENOMEM (the queue
 * is then unchanged). */
int kr_queue_reserve(kr_queue *q, size_t n);

/* kr_queue_push copies `*ev` into the queue and stamps the copy with the next
 * sequence number (ev->seq is ignored). Capacity doubles when full; that is
 * the queue's only allocation. Everything is checked before anything changes:
 *   KR_EINVAL  ts is KR_TS_NONE, the type is not a kr_event_type, or a timer
 *              has a negative interval, or a repeating one (interval > 0)
 *              a last firing before ts;
 *   KR_ERANGE  ts is earlier than the last popped event: a backtest cannot
 *              look back, and the loop could not deliver it in order;
 *   KR_ENOMEM  the queue could not grow.
 * Equal timestamps are allowed: an event pushed at the time of the event being
 * handled pops after every event already queued at that time. */
int kr_queue_push(kr_queue *q, const kr_event *ev);

/* kr_queue_pop moves the earliest event, by (ts, seq), into *out and raises
 * the queue's floor to its ts. A repeating timer (interval > 0) is re-armed
 * in the same step at ts + interval with count + 1 and a fresh sequence
 * number, unless that is past its last firing; the re-armed timer takes the
 * popped record's slot, so popping never allocates. Returns KR_OK, or
 * KR_EEMPTY with *out untouched. */
int kr_queue_pop(kr_queue *q, kr_event *out);

/* kr_queue_peek returns the event the next pop would return, or NULL when
 * empty. The pointer is valid until the next push, pop or clear. O(1). */
const kr_event *kr_queue_peek(const kr_queue *q);

static inline size_t kr_queue_size(const kr_queue *q) { return q->n; }

/* The timestamp of the last pop: no push may be earlier. KR_TS_NONE before
 * the first pop. */
static inline kr_ts kr_queue_floor(const kr_queue *q) { return q->floor; }

/* kr_queue_clear drops every pending event (repeating timers included) but
 * keeps the storage, the floor and the sequence counter: time does not run
 * back. kr_queue_reset also forgets the floor and restarts sequences at 0,
 * making the queue as new for another run, still without freeing. */
void kr_queue_clear(kr_queue *q);
void kr_queue_reset(kr_queue *q);

/* ------------------------------------------------------------------------
 * Timers: KR_EV_TIMER events pushed into a queue
 * ------------------------------------------------------------------------ */

/* kr_queue_timer_at schedules a one-shot timer firing at `ts`. Errors as for
 * kr_queue_push. */
int kr_queue_timer_at(kr_queue *q, kr_ts ts, uint64_t id);

/* kr_queue_timer_every schedules a repeating timer firing at first,
 * first + interval, first + 2 * interval, ... up to and including `last`
 * (KR_TIMER_FOREVER for no end). Only one record is queued at a time: each
 * pop re-arms the next firing. Returns KR_EINVAL if interval <= 0 or
 * last < first; otherwise as kr_queue_push. */
int kr_queue_timer_every(kr_queue *q, kr_ts first, int64_t interval,
                         kr_ts last, uint64_t id);

/* ------------------------------------------------------------------------
 * Clocks
 * ------------------------------------------------------------------------ */

typedef struct kr_clock kr_clock;

/* The ops of a clock. advance_to is NULL for a clock that keeps its own time
 * (the wall clock). */
typedef struct kr_clock_ops {
    const char *name; /* "simulated", "wall" */
    kr_ts (*now)(kr_clock *c);
    int (*advance_to)(kr_clock *c, kr_ts ts);
} kr_clock_ops;

/* A kr_clock is plain data allocated by the caller: it owns nothing and needs
 * no _free. `now` is the last time the clock gave or was set to. Neither
 * implementation is thread-safe; the clock belongs to the loop's thread. */
struct kr_clock {
    const kr_clock_ops *ops;
    kr_ts now;
};

extern const kr_clock_ops kr_clock_simulated_ops;
extern const kr_clock_ops kr_clock_wall_ops;

/* kr_clock_init_simulated sets up a clock that reads `start` until the loop
 * advances it (start may be KR_TS_NONE: "before the first event"). */
void kr_clock_init_simulated(kr_clock *c, kr_ts start);

/* kr_clock_init_wall sets up a clock reading CLOCK_REALTIME as ns UTC. It
 * never reads less than it read before: if the system clock steps back, the
 * clock holds still until it catches up, so stamps stay in order. */
void kr_clock_init_wall(kr_clock *c);

/* kr_clock_now returns the clock's current time. */
static inline kr_ts kr_clock_now(kr_clock *c) { return c->ops->now(c); }

/* kr_clock_advance_to sets a simulated clock to `ts`. Returns KR_OK (also
 * for ts equal to now), KR_ERANGE if ts is earlier than now (the clock is
 * unchanged), KR_EINVAL for KR_TS_NONE, or KR_EUNSUPPORTED for a clock that
 * cannot be set (the wall clock). */
int kr_clock_advance_to(kr_clock *c, kr_ts ts);

/* ------------------------------------------------------------------------
 * Message bus
 * ------------------------------------------------------------------------ */

/* Topics. The first seven are the kr_event types with the same values, so
 * that the loop can publish a popped event with kr_bus_publish_event; the
 * rest carry messages of the layers above the engine (the portfolio, the
 * signals), whose layout the bus never looks at. */
typedef enum kr_bus_topic {
    KR_TOPIC_BAR = KR_EV_BAR,                 /* msg: const kr_event * */
    KR_TOPIC_QUOTE = KR_EV_QUOTE,             /* msg: const kr_event * */
    KR_TOPIC_TRADE = KR_EV_TRADE,             /* msg: const kr_event * */
    KR_TOPIC_TIMER = KR_EV_TIMER,             /* msg: const kr_event * */
    KR_TOPIC_ORDER_EVENT = KR_EV_ORDER_EVENT, /* msg: const kr_event * */
    KR_TOPIC_FILL = KR_EV_FILL,               /* msg: const kr_event * */
    KR_TOPIC_CUSTOM = KR_EV_CUSTOM,           /* msg: the publisher's */
    KR_TOPIC_POSITION,                        /* msg: the portfolio's */
    KR_TOPIC_EQUITY,                          /* msg: the portfolio's */
    KR_TOPIC_SIGNAL,                          /* msg: the strategy's */
} kr_bus_topic;

#define KR_TOPIC_MAX KR_TOPIC_SIGNAL

/* A subscription's symbol filter that lets every message through. A message
 * published with symbol KR_SYMBOL_NONE (a timer, equity) reaches only the
 * subscriptions with this filter. */
#define KR_BUS_ANY_SYMBOL KR_SYMBOL_NONE

/* How deep publishes may nest (a handler publishing, whose handler publishes,
 * ...) before kr_bus_publish refuses with KR_ERANGE; the outermost publish
 * is depth 1. */
#define KR_BUS_DEFAULT_MAX_DEPTH 16

/* A handler receives the subscription's user pointer and the published
 * topic, symbol and message. `msg` is the publisher's, borrowed for the
 * duration of the call: a handler that needs it later copies it. Return 0 to
 * let the publish go on to the next subscriber; any other value stops that
 * publish (no later subscriber sees the message) and kr_bus_publish returns
 * it to the publisher. Negative values should be KR_E* codes; positive ones
 * are free for the application (say, "consumed"). */
typedef int (*kr_bus_handler)(void *user, int topic, uint32_t symbol,
                              const void *msg);

/* One subscription, internal to bus.c. */
typedef struct kr_bus_sub {
    uint64_t id;        /* 1, 2, 3, ... in subscription order; never reused */
    kr_bus_handler fn;
    void *user;
    int priority;       /* lower runs first */
    uint32_t topic;
    uint32_t symbol;    /* filter, or KR_BUS_ANY_SYMBOL */
    uint32_t state;     /* live, pending or dead; see bus.c */
} kr_bus_sub;

/* Counters since init or kr_bus_stats_reset. */
typedef struct kr_bus_counters {
    uint64_t published[KR_TOPIC_MAX + 1]; /* publishes dispatched, by topic */
    uint64_t calls[KR_TOPIC_MAX + 1];     /* handler calls, by topic */
    uint64_t handler_calls;               /* handler calls, all topics */
    uint64_t stopped;      /* publishes a handler stopped (non-zero return) */
    uint64_t depth_refused; /* publishes refused with KR_ERANGE for depth */
} kr_bus_counters;

/* A kr_bus is allocated by the caller and set up with kr_bus_init. Its fields
 * are read-only outside bus.c. It is not thread-safe: the bus belongs to the
 * loop's thread, as the clock does. */
typedef struct kr_bus {
    kr_bus_sub *subs;  /* live subs sorted by (topic, priority, id), then
                          those made during a dispatch (pending) */
    size_t n;          /* sorted records, dead ones included */
    size_t npending;   /* records after the sorted ones */
    size_t cap;        /* records allocated */
    size_t first[KR_TOPIC_MAX + 2]; /* topic t is subs[first[t], first[t+1]) */
    size_t ndead;      /* unsubscribed during a dispatch, not yet swept */
    uint64_t next_id;
    unsigned depth;    /* publishes in progress */
    unsigned max_depth;
    kr_bus_counters stats;
} kr_bus;

/* kr_bus_init sets up a bus with no subscriptions and room for `reserve` of
 * them (0 is allowed), and a depth limit of KR_BUS_DEFAULT_MAX_DEPTH. Returns
 * KR_OK or KR_ENOMEM, in which case kr_bus_free is still safe to call. */
int kr_bus_init(kr_bus *b, size_t reserve);

/* kr_bus_free releases the bus's storage. User pointers are the caller's and
 * are not touched. Not to be called from a handler. `b` may be NULL. */
void kr_bus_free(kr_bus *b);

/* kr_bus_reserve makes room for at least `n` subscriptions in all. Returns
 * KR_OK or KR_ENOMEM (the bus is then unchanged). */
int kr_bus_reserve(kr_bus *b, size_t n);

/* kr_bus_set_max_depth sets how deep publishes may nest, from 1 (handlers may
 * not publish) up. Returns KR_EINVAL for 0. */
int kr_bus_set_max_depth(kr_bus *b, unsigned max_depth);

/* kr_bus_subscribe registers `fn` to be called with `user` for every message
 * published on `topic` whose symbol equals `symbol`, or for all of them when
 * symbol is KR_BUS_ANY_SYMBOL. Subscribers of a topic are called in order of
 * priority (lower first), and within a priority in the order they
 * subscribed. The bus borrows `user` and never frees it. On success *id (if
 * not NULL) receives the subscription's id, for kr_bus_unsubscribe.
 *
 * A subscription made from a handler takes effect when the outermost publish
 * in progress returns: it sees no message of that dispatch.
 *
 * Storage doubles when full, the bus's only allocation. Returns KR_OK,
 * KR_EINVAL (topic not a kr_bus_topic, or fn NULL) or KR_ENOMEM; on error
 * nothing changes and *id is untouched. */
int kr_bus_subscribe(kr_bus *b, int topic, uint32_t symbol, int priority,
                     kr_bus_handler fn, void *user, uint64_t *id);

/* kr_bus_unsubscribe ends a subscription. From a handler, it may end its own
 * subscription or any other: the handler is not called again, not even for
 * the message being dispatched, and its record is swept when the outermost
 * publish returns. Returns KR_OK, or KR_ENOENT for an id that is not a live
 * subscription (never given, or already ended). */
int kr_bus_unsubscribe(kr_bus *b, uint64_t id);

/* kr_bus_publish calls, synchronously and in order, every handler subscribed
 * to `topic` whose filter matches `symbol`, passing `msg` through untouched
 * (the bus never reads it; it may be NULL). A handler may publish in turn:
 * the nested message is dispatched in full, depth first, before the next
 * handler of the outer one is called. It never allocates.
 *
 * Returns KR_OK once every matching handler returned 0; the first non-zero
 * value a handler returns, in which case later handlers are not called;
 * KR_EINVAL for a topic that is not a kr_bus_topic; or KR_ERANGE when the
 * publish would nest deeper than the bus's max depth, in which case no
 * handler is called. A handler that passes KR_ERANGE on to its return value
 * thus unwinds a runaway publish loop to the outermost publisher. Errors of
 * the bus itself and handler values are told apart only by the caller's
 * convention. */
int kr_bus_publish(kr_bus *b, int topic, uint32_t symbol, const void *msg);

/* kr_bus_publish_event publishes an event of the queue on the topic of its
 * type, with its symbol, `ev` itself being the message. */
static inline int kr_bus_publish_event(kr_bus *b, const kr_event *ev)
{
    return kr_bus_publish(b, (int)ev->type, ev->symbol, ev);
}

/* kr_bus_count returns the live subscriptions, those made during a dispatch
 * in progress included, those ended during it not. */
size_t kr_bus_count(const kr_bus *b);

/* kr_bus_topic_count returns the live subscriptions of one topic (0 for a
 * topic that is not a kr_bus_topic). */
size_t kr_bus_topic_count(const kr_bus *b, int topic);

/* kr_bus_stats copies the counters into *out; kr_bus_stats_reset zeroes
 * them. */
void kr_bus_stats(const kr_bus *b, kr_bus_counters *out);
void kr_bus_stats_reset(kr_bus *b);

/* ------------------------------------------------------------------------
 * Costs: slippage and commission models of the simulated exchange
 * ------------------------------------------------------------------------ */

typedef enum kr_slip_kind {
    KR_SLIP_NONE = 0,
    KR_SLIP_BPS,    /* fixed bps of the price (kr_slip_fixed_bps) */
    KR_SLIP_SPREAD, /* a fraction of the spread: the last quote's when the
                       venue has one, else the bar's range x spread_factor */
    KR_SLIP_SQRT,   /* square-root impact (kr_slip_sqrt_impact) with sigma =
                       cfg sigma, or (high - low) / close of the bar when 0 */
} kr_slip_kind;

typedef enum kr_comm_kind {
    KR_COMM_NONE = 0,
    KR_COMM_PER_SHARE, /* per unit with a minimum (kr_commission_per_share) */
    KR_COMM_BPS,       /* bps of notional (kr_commission_bps) */
    KR_COMM_TIERED,    /* bps by notional tier (kr_commission_tiered) */
} kr_comm_kind;

#define KR_COMM_MAX_TIERS 8

/* A cost model: one slippage and one commission model. Plain data. */
typedef struct kr_cost_model {
    int32_t slip;            /* kr_slip_kind */
    double slip_bps;         /* KR_SLIP_BPS */
    double spread_fraction;  /* KR_SLIP_SPREAD: of the spread, 0..1 (0.5) */
    double spread_factor;    /* KR_SLIP_SPREAD without quotes: of the bar's
                                range, 0..1 (0.1) */
    double impact_k;         /* KR_SLIP_SQRT: k (0.1) */
    double impact_sigma;     /* KR_SLIP_SQRT: sigma per bar; 0 = the bar's */
    int32_t comm;            /* kr_comm_kind */
    double per_share;        /* KR_COMM_PER_SHARE: money per unit */
    double min_commission;   /* KR_COMM_PER_SHARE: money per fill (0) */
    double comm_bps;         /* KR_COMM_BPS */
    kr_commission_tier tiers[KR_COMM_MAX_TIERS]; /* KR_COMM_TIERED; the
                                thresholds raw at the account's precision */
    size_t ntiers;
} kr_cost_model;

/* kr_cost_model_init: no slippage, no commission (defaults above for the
 * parameters of the kinds not chosen). */
void kr_cost_model_init(kr_cost_model *m);

/* kr_cost_parse_slippage parses a --slippage spec into m's slippage part:
 *   none | bps:2.5 | spread:0.5[,factor=0.1] | sqrt:0.1[,sigma=0.02]
 * kr_cost_parse_commission parses a --commission spec:
 *   none | per_share:0.005[,min=1] | bps:1 | tiered:0=5,1000000=2.5[,...]
 *   (tier thresholds in account currency, ascending, the first 0).
 * `ccy_precision` converts money. Returns KR_OK, or KR_EINVAL with err
 * naming `field` (the option, e.g. "--commission") and the bad part; m is
 * untouched on error. */
int kr_cost_parse_slippage(kr_cost_model *m, const char *spec,
                           const char *field, kr_error *err);
int kr_cost_parse_commission(kr_cost_model *m, const char *spec,
                             int ccy_precision, const char *field,
                             kr_error *err);

/* kr_cost_slippage moves a raw fill price against the side by m's model.
 * `bar` is the fill bar (for the spread estimate, sigma and the volume of
 * the impact model; volume 0 gives no impact), `spread` the last quoted
 * spread raw at the price precision or KR_PX_NONE. *out is the slipped
 * price (never below one tick for a sell). KR_OK, KR_EINVAL, KR_ERANGE. */
int kr_cost_slippage(const kr_cost_model *m, const kr_instrument *inst,
                     int side, int64_t price, int64_t qty,
                     const kr_fill_bar *bar, int64_t spread, int64_t *out);

/* kr_cost_commission is m's commission of a fill of qty (raw, > 0) at
 * price, as money at ccy_precision (0 for KR_COMM_NONE). */
int kr_cost_commission(const kr_cost_model *m, const kr_instrument *inst,
                       int64_t qty, int64_t price, int ccy_precision,
                       int64_t *out);

/* ------------------------------------------------------------------------
 * The venue port
 * ------------------------------------------------------------------------ */

/* What a venue tells the engine about an order: an event the engine applies
 * to its record with kr_order_transition (ACCEPT, REJECT, FILL, CANCEL or
 * EXPIRE; the reason of a REJECT is borrowed for the call), plus, for a
 * fill, its costs in money at the account's precision. */
typedef struct kr_venue_report {
    uint64_t order_id;
    kr_order_event ev;
    int64_t commission;
    int64_t fees;
} kr_venue_report;

/* How a venue reaches the engine. Every callback is synchronous: when
 * `report` returns, the engine has applied the event, booked a fill in the
 * portfolio and told the strategy, which may have submitted, canceled or
 * modified orders in turn (a bracket's children, an OCO sibling's cancel).
 *   report  returns KR_OK or the error that stops the run;
 *   order   the engine's record of an order (read only; NULL if unknown);
 *   resolve gives the quantity of a target order (see kr_order_request)
 *           filling at `price` (raw, slippage included), so that the venue
 *           fills exactly that: KR_OK with *qty > 0, or KR_ENOENT when the
 *           account already holds the target (the venue then cancels the
 *           order: a plain CANCEL, which carries no reason). For any other
 *           order it sets *qty to what may fill: the leaves, less what the
 *           buying-power and no-shorting rules take off. */
typedef struct kr_venue_sink {
    void *engine;
    int (*report)(void *engine, const kr_venue_report *r);
    const kr_order *(*order)(void *engine, uint64_t id);
    int (*resolve)(void *engine, uint64_t id, int64_t price, int64_t *qty);
} kr_venue_sink;

/* The ops of a venue. `self` is the venue's own state. submit receives an
 * order the engine has risk-checked and moved to SUBMITTED; the venue
 * answers with reports (ACCEPT first, now or later). cancel asks to cancel
 * an open order (the venue reports CANCEL, or nothing if the order filled
 * meanwhile); modified tells the venue that the engine applied a MODIFY to
 * an open order's record. on_bar and on_quote feed market data to a venue
 * that simulates matching; a broker adapter leaves them NULL. */
typedef struct kr_venue_ops {
    const char *name;
    int (*submit)(void *self, const kr_order *o);
    int (*cancel)(void *self, const kr_order *o);
    int (*modified)(void *self, const kr_order *o);
    int (*on_bar)(void *self, uint32_t symbol, kr_ts ts,
                  const kr_fill_bar *bar);
    int (*on_quote)(void *self, uint32_t symbol, kr_ts ts, int64_t bid,
                    int64_t ask);
} kr_venue_ops;

/* ------------------------------------------------------------------------
 * The simulated exchange (simexchange.c)
 * ------------------------------------------------------------------------ */

/* Configuration of the simulated exchange. */
typedef struct kr_simx_config {
    int32_t fill_rule;  /* kr_fill_rule for market orders (NEXT_OPEN) */
    double volume_cap;  /* most of a bar's volume one order may fill, 0..1;
                           0 = no cap (also when the bar's volume is 0) */
    int32_t ccy_precision; /* of commissions (2) */
    kr_cost_model cost;
} kr_simx_config;

void kr_simx_config_init(kr_simx_config *c);

/* The simulated exchange matches orders against bars, one symbol at a time,
 * along the intrabar path of kr_fill_price_for_bar. Its rules, which
 * docs/simulated-exchange.md repeats for users:
 *
 *   - An order submitted while the strategy handles bar t works from the
 *     symbol's next bar t+1. The exception is a market order under
 *     KR_FILL_CLOSE, which fills at once at bar t's close.
 *   - Market orders fill at the next bar's open (NEXT_OPEN) or close
 *     (NEXT_CLOSE). Limit, stop and stop-limit orders fill by
 *     kr_fill_price_for_bar.
 *   - Within one bar a symbol's orders are matched in order of the point of
 *     the path where they fill: at the open (market orders under NEXT_OPEN,
 *     gaps through a limit or stop), then stop triggers (the adverse
 *     extreme), then limits (the favourable extreme), then at the close;
 *     ties by order id. So of a long position's stop-loss and take-profit
 *     both inside one bar's range, the stop-loss fills (the conservative
 *     assumption). An order the engine cancels while the bar is being
 *     matched (an OCO sibling) is skipped.
 *   - Slippage moves the price against the order, never through the bar's
 *     range: a buy fills at most at the high, a sell at least at the low.
 *   - With a volume cap an order fills at most the cap in a bar; the rest
 *     keeps working (partially filled) for GTC and DAY orders.
 *   - Time in force: GTC works until filled or canceled. DAY works through
 *     the UTC day of the first bar it works in and expires when a bar of a
 *     later day arrives (so under daily bars, the next bar only). IOC works
 *     in its first bar only: it fills what it can and the rest is canceled.
 *     FOK works in its first bar only and fills entirely there or is
 *     canceled (the volume cap counts).
 *   - Target orders (kr_order_request.target) ask the engine for their
 *     quantity at the fill price through sink.resolve before filling.
 *   - Reports for a bar go out as the bar is matched, synchronously.
 *
 * Allocated by the caller; fields are read-only outside simexchange.c. */
typedef struct kr_simx {
    kr_simx_config cfg;
    kr_venue_sink sink;
    kr_instrument *inst;   /* per symbol, copied */
    size_t nsym;
    struct kr_simx_book *books; /* per symbol: working order ids, last bar,
                                   last spread; defined in simexchange.c */
    uint64_t *scratch;     /* matching order of a bar */
    size_t scratch_cap;
} kr_simx;

extern const kr_venue_ops kr_simx_venue_ops;

/* kr_simx_init sets up an exchange for nsym instruments (inst[i].symbol ==
 * i) reporting to `sink`. Returns KR_OK, KR_EINVAL (bad config or
 * instrument), KR_ENOMEM; kr_simx_free is safe either way. */
int kr_simx_init(kr_simx *x, const kr_simx_config *cfg,
                 const kr_instrument *inst, size_t nsym, kr_venue_sink sink);
void kr_simx_free(kr_simx *x);

/* The venue ops, callable directly (kr_simx_venue_ops wraps them).
 * kr_simx_modified returns KR_ENOENT for an order the exchange does not
 * hold; kr_simx_on_bar returns KR_ERANGE when a symbol's bar time does not
 * increase. */
int kr_simx_submit(kr_simx *x, const kr_order *o);
int kr_simx_cancel(kr_simx *x, const kr_order *o);
int kr_simx_modified(kr_simx *x, const kr_order *o);
int kr_simx_on_bar(kr_simx *x, uint32_t symbol, kr_ts ts,
                   const kr_fill_bar *bar);
int kr_simx_on_quote(kr_simx *x, uint32_t symbol, kr_ts ts, int64_t bid,
                     int64_t ask);

/* Working orders of a symbol at the exchange. */
size_t kr_simx_working(const kr_simx *x, uint32_t symbol);

/* kr_simx_working_ids copies the ids of up to `cap` working orders of
 * `symbol` into ids and returns how many there are (which may be more than
 * cap). */
size_t kr_simx_working_ids(const kr_simx *x, uint32_t symbol, uint64_t *ids,
                           size_t cap);

/* ------------------------------------------------------------------------
 * Strategies and their context
 * ------------------------------------------------------------------------ */

/* A bar handed to a strategy. */
typedef struct kr_bar {
    kr_ts ts;
    double open, high, low, close, volume;
} kr_bar;

/* A read-only view of a symbol's bars up to and including the current one:
 * n rows; reading past n is reading the future and is not allowed. */
typedef struct kr_bar_view {
    size_t n;
    const kr_ts *ts;
    const double *open, *high, *low, *close, *volume;
} kr_bar_view;

typedef struct kr_ctx kr_ctx; /* the engine's side, opaque to strategies */

/* An order as a strategy asks for it; kr_order_request_init sets the
 * defaults (market, GTC, no prices, no bracket). Quantities and prices are
 * doubles in units and currency; the engine converts them to the
 * instrument's precision (prices rounded half to even, quantities down to
 * the lot). */
typedef struct kr_order_request {
    uint32_t symbol;
    int32_t side;       /* kr_side; ignored for a target order */
    int32_t type;       /* kr_order_type */
    int32_t tif;        /* kr_tif */
    double qty;         /* > 0; ignored for a target order */
    double limit_px;    /* NAN unless limit or stop-limit */
    double stop_px;     /* NAN unless stop or stop-limit */
    double target;      /* NAN, or a target position as a signed fraction of
                           equity (1.0 all in long, 0 flat, -0.5 half
                           short): the quantity is resolved at the fill
                           from the equity and the fill price, commission
                           included, rounded down to the lot */
    double take_profit; /* bracket: NAN, or the limit price of a take-profit
                           child */
    double stop_loss;   /* bracket: NAN, or the stop price of a stop-loss
                           child. The children are GTC, opposite side, for
                           the quantity the parent filled, placed as it
                           fills, one-cancels-other. */
    const char *tag;    /* NULL or a label kept with the order (31 bytes) */
} kr_order_request;

void kr_order_request_init(kr_order_request *r);

/* Where an order came from, kept with it for orders.csv. */
typedef enum kr_order_role {
    KR_ROLE_ENTRY = 0,   /* the strategy's own */
    KR_ROLE_TAKE_PROFIT, /* a bracket child */
    KR_ROLE_STOP_LOSS,   /* a bracket child */
    KR_ROLE_LIQUIDATION, /* the engine's, on a margin call or at the end */
} kr_order_role;

/* The strategy interface. Every callback may be NULL. A non-zero return
 * (a KR_E* code) stops the run, which then returns that code. */
typedef struct kr_strategy_ops {
    const char *name;
    int (*on_start)(void *self, kr_ctx *ctx);
    int (*on_bar)(void *self, kr_ctx *ctx, uint32_t symbol, const kr_bar *bar);
    int (*on_order_event)(void *self, kr_ctx *ctx, const kr_order *o,
                          int event);
    int (*on_fill)(void *self, kr_ctx *ctx, const kr_fill *f);
    int (*on_timer)(void *self, kr_ctx *ctx, uint64_t id, kr_ts ts);
    int (*on_stop)(void *self, kr_ctx *ctx);
    void (*destroy)(void *self); /* frees self; NULL when nothing to free */
} kr_strategy_ops;

typedef struct kr_strategy {
    const kr_strategy_ops *ops;
    void *self;
} kr_strategy;

/* Context calls, valid inside the callbacks of a run. */

kr_ts kr_ctx_now(const kr_ctx *c);

/* kr_ctx_submit creates an order from the request, runs the pre-trade risk
 * check and sends it to the venue. *id (may be NULL) receives the order's
 * client id in every case but KR_EINVAL. Returns KR_OK; KR_EREJECTED when
 * risk or the account refused it (the order is recorded as REJECTED with
 * the reason, and on_order_event is called); KR_EINVAL for a malformed
 * request (unknown symbol, qty <= 0 after lot rounding, missing prices),
 * with nothing recorded. */
int kr_ctx_submit(kr_ctx *c, const kr_order_request *r, uint64_t *id);

/* kr_ctx_cancel asks the venue to cancel an open order: KR_OK, KR_ENOENT
 * for an unknown or no longer open order. */
int kr_ctx_cancel(kr_ctx *c, uint64_t id);

/* kr_ctx_modify changes an open order's quantity (0: keep) and prices
 * (NAN: keep): KR_OK, KR_ENOENT, or KR_EINVAL (see kr_order_transition). */
int kr_ctx_modify(kr_ctx *c, uint64_t id, double qty, double limit_px,
                  double stop_px);

/* kr_ctx_cancel_all cancels every open order of `symbol`
 * (KR_SYMBOL_NONE: of all symbols) and returns how many it asked. */
size_t kr_ctx_cancel_all(kr_ctx *c, uint32_t symbol);

const kr_order *kr_ctx_order(const kr_ctx *c, uint64_t id);
size_t kr_ctx_open_orders(const kr_ctx *c, uint32_t symbol);

double kr_ctx_position(const kr_ctx *c, uint32_t symbol); /* signed units */
double kr_ctx_equity(const kr_ctx *c);   /* at the last marks */
double kr_ctx_cash(const kr_ctx *c);
const kr_portfolio *kr_ctx_portfolio(const kr_ctx *c);
const kr_instrument *kr_ctx_instrument(const kr_ctx *c, uint32_t symbol);

/* The bars of `symbol` seen so far (up to the current one). */
int kr_ctx_history(const kr_ctx *c, uint32_t symbol, kr_bar_view *out);

size_t kr_ctx_nsymbols(const kr_ctx *c);
const char *kr_ctx_symbol_name(const kr_ctx *c, uint32_t symbol);
double kr_ctx_periods_per_year(const kr_ctx *c);

/* kr_ctx_timer schedules on_timer(id) at ts (>= now). */
int kr_ctx_timer(kr_ctx *c, kr_ts ts, uint64_t id);

/* ------------------------------------------------------------------------
 * The backtest runner (backtest.c)
 * ------------------------------------------------------------------------ */

typedef struct kr_backtest_config {
    double cash;               /* initial cash, account currency (100000) */
    int32_t ccy_precision;     /* 2 */
    kr_simx_config venue;      /* fill rule, volume cap, costs */
    kr_risk_limits risk;       /* pre-trade limits (none) */
    int32_t allow_short;       /* 0: a sell beyond the position is
                                  rejected ("no shorting") */
    double borrow_rate;        /* annual rate charged on the market value of
                                  short positions, accrued per bar by
                                  elapsed time over 365 days (0) */
    double max_leverage;       /* the account's leverage limit, checked with
                                  the risk limits (1.0: a cash account) */
    double maintenance_margin; /* margin call when equity < this x gross
                                  exposure at a bar's close: every order is
                                  canceled and every position closed at that
                                  close (0: no margin calls) */
    int32_t close_at_end;      /* close positions at the last close (0):
                                  trades still open are reported open */
    double periods_per_year;   /* 0: inferred from the timestamps */
    int32_t check_ledger;      /* verify the ledger identity from scratch
                                  at every event (1 in debug builds, else 0) */
    int32_t record;            /* what to keep: KR_RECORD_ALL (default) or
                                  KR_RECORD_EQUITY (the equity column only,
                                  no orders, fills or trades: sweeps) */
    void (*progress)(void *user, double done); /* NULL or called about every
                                  1% of the bars with the fraction done */
    void *progress_user;
} kr_backtest_config;

#define KR_RECORD_ALL 0
#define KR_RECORD_EQUITY 1

void kr_backtest_config_init(kr_backtest_config *c);

/* The data of a run: n series of bars, one per symbol, each with strictly
 * increasing timestamps (kr_bars_clean), and the instruments: inst[i] is the
 * instrument of bars[i] and inst[i].symbol == i. names[i] (may be NULL)
 * name the symbols in reports. The runner borrows all of it. */
typedef struct kr_backtest_input {
    const kr_bars *bars;
    const kr_instrument *inst;
    const char *const *names;
    size_t n;
} kr_backtest_input;

/* A round trip: from a flat position to flat again (a fill through zero
 * closes one and opens the next). Prices are the average entry and exit
 * fill prices; qty the largest |position| held; pnl the realized P&L net of
 * the trip's commissions, fees and borrow; ret = pnl / (entry_price x qty x
 * multiplier); bars_held counts the symbol's bars from the entry fill's to
 * the exit fill's. A trip still open at the end has exit_ts KR_TS_NONE and
 * is valued at the last close. */
typedef struct kr_trade {
    uint32_t symbol;
    int32_t side;        /* KR_BUY for a long trip, KR_SELL for a short */
    kr_ts entry_ts, exit_ts;
    double entry_price, exit_price;
    double qty;
    double pnl;
    double ret;
    double costs;
    int64_t bars_held;
} kr_trade;

/* Per-order data kept beside the order records. */
typedef struct kr_order_extra {
    int32_t role;        /* kr_order_role */
    uint64_t parent;     /* a bracket child's parent, else 0 */
    uint64_t oco;        /* the OCO sibling, else 0 */
    double target;       /* NAN or the target fraction */
    char tag[32];
} kr_order_extra;

/* A finished run's results, and while running, its state. Zero it (or
 * kr_backtest_init) before kr_backtest_run; kr_backtest_free releases it.
 * Read the result fields freely; write none. A kr_backtest may be run
 * again: the new run replaces the results and reuses the storage of the
 * last one when both record alike, so repeated runs and sweeps allocate
 * nothing new and memory stays flat. */
typedef struct kr_backtest {
    /* results */
    size_t npoints;      /* equity curve: one point per distinct timestamp */
    kr_ts *ts;
    double *equity;      /* cash + marked positions, at the closes */
    double *cash;        /* NULL under KR_RECORD_EQUITY, as are the rest */
    double *gross;       /* sum of |market value| */
    double *net;         /* sum of market value */
    double *traded;      /* notional traded at the point */
    kr_order *orders;    /* every order, by id: orders[id - 1] */
    kr_order_extra *extra;
    size_t norders;
    kr_fill *fills;
    size_t nfills;
    kr_trade *trades;
    size_t ntrades;
    kr_portfolio pf;     /* the account at the end */
    double ppy;          /* periods per year used */
    uint64_t nbars;      /* bars replayed */
    uint64_t nevents;    /* events dispatched (bars, order events, fills,
                            timers) */
    uint64_t margin_calls;
    uint64_t order_count;  /* orders created, recorded or not */
    uint64_t fill_count;   /* fills booked, recorded or not */
    uint64_t reject_count; /* orders rejected */
    int64_t borrow_paid; /* money */
    char stop_reason[128]; /* why the run stopped early, else "" */
    struct kr_bt_state *st; /* the running state, backtest.c's */
} kr_backtest;

void kr_backtest_init(kr_backtest *bt);
void kr_backtest_free(kr_backtest *bt);

/* kr_backtest_run replays the input through the strategy. Bars of one
 * timestamp are handled together: first the venue matches every symbol's
 * working orders against its bar and the portfolio marks the closes; then
 * the margin check and borrow accrual; then each symbol's bar goes to the
 * strategy over the bus (symbol order); then the equity point is
 * recorded. Timers fire before the bars of their timestamp. The strategy
 * sees only the past: kr_ctx_history stops at the current bar, and no
 * order fills at a price of a bar the strategy had not seen when it
 * decided, except under KR_FILL_CLOSE (the decision bar's close, by
 * choice). Returns KR_OK; KR_EINVAL with err for a bad config or input
 * (naming the field); KR_ENOMEM; or the error a strategy callback
 * returned. The results are kept in either case. */
int kr_backtest_run(kr_backtest *bt, const kr_backtest_config *cfg,
                    const kr_backtest_input *in, kr_strategy *s,
                    kr_error *err);

/* ------------------------------------------------------------------------
 * Statistics of a run (metrics.c)
 * ------------------------------------------------------------------------ */

/* The statistics of metrics.json, by the conventions of docs/statistics.md
 * (all from stats.h): returns per point of the equity curve; exposure is
 * the fraction of points with gross exposure != 0; turnover is annualised
 * (kr_turnover with ppy); win rate, profit factor, expectancy, average win
 * and loss from the closed trades' net P&L; psr against 0 from the per-bar
 * Sharpe; dsr with the given trials (1 trial: dsr = psr). */
typedef struct kr_bt_metrics {
    double total_return, cagr, volatility, sharpe, sortino, calmar;
    double max_drawdown;
    double max_drawdown_duration; /* bars */
    double trades;                /* closed trades */
    double win_rate, profit_factor, expectancy, avg_win, avg_loss;
    double exposure, turnover, var_95, es_95, skew, kurtosis, psr, dsr;
    double sharpe_per_bar;        /* mean / std of the per-bar returns */
    double final_equity, costs, ppy, bars;
} kr_bt_metrics;

/* kr_bt_metrics_compute: ntrials >= 1; with ntrials >= 2, trial_sharpes
 * holds the per-bar Sharpe ratios of all the trials (this one included) and
 * dsr uses their variance. Returns KR_OK, KR_EEMPTY for fewer than two
 * points (fields NaN), KR_EINVAL. */
int kr_bt_metrics_compute(const kr_backtest *bt, size_t ntrials,
                          const double *trial_sharpes, kr_bt_metrics *out);

/* The metrics' names as in metrics.json, and their values by index, so
 * that writers iterate one table: kr_bt_metric_count() entries. */
size_t kr_bt_metric_count(void);
const char *kr_bt_metric_name(size_t i);
double kr_bt_metric_value(const kr_bt_metrics *m, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_ENGINE_H */

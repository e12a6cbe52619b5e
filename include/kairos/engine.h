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
 * Still to come in this header (issue 4): the strategy interface, the venue port (kr_venue with an ops table, implemented
 * by the simulated exchange and by broker adapters) and the backtest and live
 * runners that drive the loop. See docs/engine.md.
 */
#ifndef KAIROS_ENGINE_H
#define KAIROS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"

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

/* kr_bus_stats copies the counters into *out; kr_bus_stats_reset zeroes
 * them. */
void kr_bus_stats(const kr_bus *b, kr_bus_counters *out);
void kr_bus_stats_reset(kr_bus *b);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_ENGINE_H */

/* bus.c -- the engine's in-process message bus: synchronous topic dispatch.
 *
 * The loop pops an event and publishes it; strategy, risk, OMS, portfolio and
 * persistence subscribe to the topics they care about. Dispatch is a plain
 * function call per subscriber, on the loop's thread, in an order fixed by
 * (priority, subscription id): the same subscriptions made in the same order
 * give the same calls in the same order on every run, which a backtest needs
 * as much as the queue's (ts, seq) order. Nothing is queued and nothing is
 * copied: the message is the publisher's, lent for the duration of the call.
 *
 * All subscriptions live in one array sorted by (topic, priority, id), with
 * an offset table giving each topic's run, so a publish is one scan of a
 * contiguous slice with a symbol compare per record. The array doubles when a
 * subscribe finds it full, which is the bus's only allocation; publish and
 * unsubscribe never allocate. A per-symbol index would make a publish cost
 * the matching subscribers rather than the topic's; with tens of subscribers
 * per topic the scan is cheaper than the indirection.
 *
 * Handlers may publish (dispatch is depth first, and a depth limit turns a
 * runaway loop into KR_ERANGE), subscribe and unsubscribe. While any publish
 * is in progress the sorted part of the array must keep its indices, since
 * the dispatches on the C stack are walking it: an unsubscribe only marks its
 * record dead (dispatch skips it from then on), and a subscribe appends a
 * pending record after the sorted part, where no dispatch looks. When the
 * outermost publish returns, one sweep drops the dead records and sorts the
 * pending ones in. Outside a dispatch the same sweep runs at once, so there
 * is one code path for both cases. Indices, not pointers, are kept across
 * handler calls, because a subscribe from a handler may move the array.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/engine.h"

/* The header defines the event topics as the event types; the rest must
 * follow them. */
_Static_assert((int)KR_TOPIC_POSITION == (int)KR_EV_TYPE_MAX + 1,
               "event topics are the event types");

#define MIN_CAP 16

enum { SUB_LIVE = 0, SUB_PENDING = 1, SUB_DEAD = 2 };

/* ------------------------------------------------------------------------
 * Storage
 * ------------------------------------------------------------------------ */

static int resize(kr_bus *b, size_t cap)
{
    if (cap > SIZE_MAX / sizeof(kr_bus_sub))
        return KR_ENOMEM;
    kr_bus_sub *s = realloc(b->subs, cap * sizeof(kr_bus_sub));
    if (!s)
        return KR_ENOMEM;
    b->subs = s;
    b->cap = cap;
    return KR_OK;
}

static inline int sub_before(const kr_bus_sub *a, const kr_bus_sub *c)
{
    if (a->topic != c->topic)
        return a->topic < c->topic;
    if (a->priority != c->priority)
        return a->priority < c->priority;
    return a->id < c->id;
}

/* Drops the dead records, sorts the pending ones into place and rebuilds the
 * topic offsets. Only called with no publish in progress. Never allocates. */
static void sweep(kr_bus *b)
{
    assert(b->depth == 0);
    size_t total = b->n + b->npending, w = 0;
    for (size_t r = 0; r < total; r++) {
        if (b->subs[r].state == SUB_DEAD)
            continue;
        b->subs[w++] = b->subs[r];
    }
    /* Insertion sort: the prefix is sorted, and the pending records, fewer
     * and newer, each move down to their place. */
    for (size_t i = 1; i < w; i++) {
        if (!sub_before(&b->subs[i], &b->subs[i - 1]))
            continue;
        kr_bus_sub x = b->subs[i];
        size_t j = i;
        while (j > 0 && sub_before(&x, &b->subs[j - 1])) {
            b->subs[j] = b->subs[j - 1];
            j--;
        }
        b->subs[j] = x;
    }
    for (size_t i = 0; i < w; i++)
        b->subs[i].state = SUB_LIVE;
    b->n = w;
    b->npending = 0;
    b->ndead = 0;
    size_t i = 0;
    for (uint32_t t = 0; t <= KR_TOPIC_MAX + 1; t++) {
        while (i < w && b->subs[i].topic < t)
            i++;
        b->first[t] = i;
    }
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

int kr_bus_init(kr_bus *b, size_t reserve)
{
    memset(b, 0, sizeof *b);
    b->next_id = 1;
    b->max_depth = KR_BUS_DEFAULT_MAX_DEPTH;
    return reserve ? kr_bus_reserve(b, reserve) : KR_OK;
}

void kr_bus_free(kr_bus *b)
{
    if (!b)
        return;
    assert(b->depth == 0);
    free(b->subs);
    b->subs = NULL;
    b->n = b->npending = b->ndead = b->cap = 0;
    memset(b->first, 0, sizeof b->first);
}

int kr_bus_reserve(kr_bus *b, size_t n)
{
    return n <= b->cap ? KR_OK : resize(b, n);
}

int kr_bus_set_max_depth(kr_bus *b, unsigned max_depth)
{
    if (max_depth == 0)
        return KR_EINVAL;
    b->max_depth = max_depth;
    return KR_OK;
}

size_t kr_bus_count(const kr_bus *b)
{
    return b->n + b->npending - b->ndead;
}

size_t kr_bus_topic_count(const kr_bus *b, int topic)
{
    if (topic < KR_TOPIC_BAR || topic > KR_TOPIC_MAX)
        return 0;
    size_t n = 0;
    for (size_t i = b->first[topic]; i < b->first[topic + 1]; i++)
        n += b->subs[i].state != SUB_DEAD;
    for (size_t i = b->n; i < b->n + b->npending; i++)
        n += b->subs[i].topic == (uint32_t)topic &&
             b->subs[i].state != SUB_DEAD;
    return n;
}

void kr_bus_stats(const kr_bus *b, kr_bus_counters *out) { *out = b->stats; }

void kr_bus_stats_reset(kr_bus *b)
{
    memset(&b->stats, 0, sizeof b->stats);
}

/* ------------------------------------------------------------------------
 * Subscriptions
 * ------------------------------------------------------------------------ */

int kr_bus_subscribe(kr_bus *b, int topic, uint32_t symbol, int priority,
                     kr_bus_handler fn, void *user, uint64_t *id)
{
    if (topic < KR_TOPIC_BAR || topic > KR_TOPIC_MAX || !fn)
        return KR_EINVAL;
    size_t total = b->n + b->npending;
    if (KR_UNLIKELY(total == b->cap)) {
        if (b->cap > SIZE_MAX / 2)
            return KR_ENOMEM;
        int rc = resize(b, b->cap ? 2 * b->cap : MIN_CAP);
        if (rc != KR_OK)
            return rc;
    }
    kr_bus_sub *s = &b->subs[total];
    s->id = b->next_id++;
    s->fn = fn;
    s->user = user;
    s->priority = priority;
    s->topic = (uint32_t)topic;
    s->symbol = symbol;
    s->state = SUB_PENDING;
    b->npending++;
    if (id)
        *id = s->id;
    if (b->depth == 0)
        sweep(b);
    return KR_OK;
}

int kr_bus_unsubscribe(kr_bus *b, uint64_t id)
{
    size_t total = b->n + b->npending;
    for (size_t i = 0; i < total; i++) {
        kr_bus_sub *s = &b->subs[i];
        if (s->id != id)
            continue;
        if (s->state == SUB_DEAD)
            return KR_ENOENT;
        s->state = SUB_DEAD;
        b->ndead++;
        if (b->depth == 0)
            sweep(b);
        return KR_OK;
    }
    return KR_ENOENT;
}

/* ------------------------------------------------------------------------
 * Publish
 * ------------------------------------------------------------------------ */

int kr_bus_publish(kr_bus *b, int topic, uint32_t symbol, const void *msg)
{
    if (topic < KR_TOPIC_BAR || topic > KR_TOPIC_MAX)
        return KR_EINVAL;
    if (KR_UNLIKELY(b->depth >= b->max_depth)) {
        b->stats.depth_refused++;
        return KR_ERANGE;
    }
    b->stats.published[topic]++;
    b->depth++;
    /* The topic's slice keeps its indices until the outermost publish
     * returns; b->subs itself may move if a handler subscribes. */
    size_t end = b->first[topic + 1];
    int rc = KR_OK;
    for (size_t i = b->first[topic]; i < end; i++) {
        const kr_bus_sub *s = &b->subs[i];
        if (s->state == SUB_DEAD ||
            (s->symbol != KR_BUS_ANY_SYMBOL && s->symbol != symbol))
            continue;
        b->stats.calls[topic]++;
        b->stats.handler_calls++;
        rc = s->fn(s->user, topic, symbol, msg);
        if (rc != KR_OK) {
            b->stats.stopped++;
            break;
        }
    }
    if (--b->depth == 0 && (b->ndead || b->npending))
        sweep(b);
    return rc;
}

/* queue.c -- the engine's event queue: a 4-ary min-heap of event records.
 *
 * Events are ordered by (ts, seq). The sequence number is taken from a
 * counter at push time, so two events with the same timestamp pop in the
 * order they were pushed, and a run that pushes the same events in the same
 * order pops them in the same order on every machine: the heap's shape never
 * decides anything. The records are 64-byte kr_event values kept in one
 * array that the heap permutes in place; there is no side index and no
 * per-event allocation. The array doubles when full, which is the only
 * allocation: a loop that reserves its high-water mark up front never
 * allocates again.
 *
 * A 4-ary heap rather than a binary one: it is half as deep, its four
 * children are adjacent in memory (four 64-byte records, read in one
 * sequential sweep), and pop, the operation a backtest does once per
 * event, does fewer levels of moves. Sifting moves a hole and writes the
 * moving record once at the end.
 *
 * The queue remembers the timestamp of the last pop (its floor) and refuses
 * pushes earlier than it with KR_ERANGE: the loop has already delivered time
 * up to the floor, so such an event could only arrive out of order, which in
 * a backtest means look-back. Repeating timers are re-armed by pop itself,
 * in the slot the fired record leaves, so a timer costs one record however
 * long it runs and pop never allocates.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/engine.h"

_Static_assert(sizeof(kr_event) == 64, "kr_event is one cache line");

#define ARITY 4
#define MIN_CAP 16

/* ------------------------------------------------------------------------
 * Heap
 * ------------------------------------------------------------------------ */

static inline int before(const kr_event *a, const kr_event *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

/* Places `ev` at hole `i` or above it. */
static void sift_up(kr_event *h, size_t i, const kr_event *ev)
{
    while (i > 0) {
        size_t p = (i - 1) / ARITY;
        if (!before(ev, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = *ev;
}

/* Places `ev` at hole `i` or below it, in a heap of n records. `ev` may not
 * point into the heap. */
static void sift_down(kr_event *h, size_t n, size_t i, const kr_event *ev)
{
    for (;;) {
        size_t c = ARITY * i + 1;
        if (c >= n)
            break;
        size_t end = c + ARITY < n ? c + ARITY : n;
        size_t m = c;
        for (size_t k = c + 1; k < end; k++)
            if (before(&h[k], &h[m]))
                m = k;
        if (!before(&h[m], ev))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = *ev;
}

static int resize(kr_queue *q, size_t cap)
{
    if (cap > SIZE_MAX / sizeof(kr_event))
        return KR_ENOMEM;
    kr_event *h = realloc(q->heap, cap * sizeof(kr_event));
    if (!h)
        return KR_ENOMEM;
    q->heap = h;
    q->cap = cap;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

int kr_queue_init(kr_queue *q, size_t reserve)
{
    memset(q, 0, sizeof *q);
    q->floor = KR_TS_NONE;
    return reserve ? kr_queue_reserve(q, reserve) : KR_OK;
}

void kr_queue_free(kr_queue *q)
{
    if (!q)
        return;
    free(q->heap);
    q->heap = NULL;
    q->n = q->cap = 0;
}

int kr_queue_reserve(kr_queue *q, size_t n)
{
    return n <= q->cap ? KR_OK : resize(q, n);
}

void kr_queue_clear(kr_queue *q) { q->n = 0; }

void kr_queue_reset(kr_queue *q)
{
    q->n = 0;
    q->next_seq = 0;
    q->floor = KR_TS_NONE;
}

/* ------------------------------------------------------------------------
 * Push, pop, peek
 * ------------------------------------------------------------------------ */

int kr_queue_push(kr_queue *q, const kr_event *ev)
{
    if (ev->ts == KR_TS_NONE || ev->type < KR_EV_BAR ||
        ev->type > KR_EV_TYPE_MAX)
        return KR_EINVAL;
    if (ev->type == KR_EV_TIMER &&
        (ev->u.timer.interval < 0 ||
         (ev->u.timer.interval > 0 && ev->u.timer.last < ev->ts)))
        return KR_EINVAL;
    if (ev->ts < q->floor)
        return KR_ERANGE;
    if (KR_UNLIKELY(q->n == q->cap)) {
        if (q->cap > SIZE_MAX / 2)
            return KR_ENOMEM;
        int rc = resize(q, q->cap ? 2 * q->cap : MIN_CAP);
        if (rc != KR_OK)
            return rc;
    }
    kr_event e = *ev;
    e.seq = q->next_seq++;
    sift_up(q->heap, q->n++, &e);
    return KR_OK;
}

int kr_queue_pop(kr_queue *q, kr_event *out)
{
    if (q->n == 0)
        return KR_EEMPTY;
    kr_event top = q->heap[0];
    assert(top.ts >= q->floor);
    q->floor = top.ts;
    *out = top;
    if (top.type == KR_EV_TIMER && top.u.timer.interval > 0 &&
        (uint64_t)top.u.timer.last - (uint64_t)top.ts >=
            (uint64_t)top.u.timer.interval) {
        /* last >= ts was checked at push, so the unsigned difference is the
         * exact gap even when it would overflow an int64. */
        top.ts += top.u.timer.interval;
        top.u.timer.count++;
        top.seq = q->next_seq++;
        sift_down(q->heap, q->n, 0, &top);
        return KR_OK;
    }
    q->n--;
    if (q->n > 0) {
        kr_event last = q->heap[q->n];
        sift_down(q->heap, q->n, 0, &last);
    }
    return KR_OK;
}

const kr_event *kr_queue_peek(const kr_queue *q)
{
    return q->n ? &q->heap[0] : NULL;
}

/* ------------------------------------------------------------------------
 * Timers
 * ------------------------------------------------------------------------ */

int kr_queue_timer_at(kr_queue *q, kr_ts ts, uint64_t id)
{
    kr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = ts;
    ev.type = KR_EV_TIMER;
    ev.symbol = KR_SYMBOL_NONE;
    ev.u.timer.id = id;
    ev.u.timer.interval = 0;
    ev.u.timer.last = ts;
    return kr_queue_push(q, &ev);
}

int kr_queue_timer_every(kr_queue *q, kr_ts first, int64_t interval,
                         kr_ts last, uint64_t id)
{
    if (interval <= 0 || last < first)
        return KR_EINVAL;
    kr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = first;
    ev.type = KR_EV_TIMER;
    ev.symbol = KR_SYMBOL_NONE;
    ev.u.timer.id = id;
    ev.u.timer.interval = interval;
    ev.u.timer.last = last;
    return kr_queue_push(q, &ev);
}

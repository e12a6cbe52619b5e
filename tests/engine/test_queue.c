/* test_queue.c -- tests of src/engine/queue.c: the event queue and timers.
 *
 * Known answers are worked out by hand in each test. The large test checks
 * one million random operations against a reference that cannot be wrong in
 * the same way as a heap: every event pushed is also appended to a log, and
 * at the end the log, sorted by (ts, seq) with qsort, must equal the stream
 * of popped events record for record. That is a complete check, because an
 * event pushed after a pop can never be earlier than the popped one (its ts
 * is at least the floor and its seq is larger), so the correct pop stream is
 * strictly increasing in (ts, seq) and hence is the sorted log. The random
 * numbers come from a fixed-seed splitmix64 so the run is the same
 * everywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/engine.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static kr_event custom(kr_ts ts, uint64_t tag)
{
    kr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = ts;
    ev.type = KR_EV_CUSTOM;
    ev.symbol = (uint32_t)(tag % 7);
    ev.u.ref.tag = tag;
    ev.u.ref.index = tag * 3;
    ev.seq = 12345; /* ignored by push */
    return ev;
}

static void push_ok(kr_queue *q, kr_ts ts, uint64_t tag)
{
    kr_event ev = custom(ts, tag);
    assert_int_equal(kr_queue_push(q, &ev), KR_OK);
}

static kr_event pop_ok(kr_queue *q)
{
    kr_event ev;
    const kr_event *top = kr_queue_peek(q);
    assert_non_null(top);
    kr_event peeked = *top;
    assert_int_equal(kr_queue_pop(q, &ev), KR_OK);
    assert_memory_equal(&peeked, &ev, sizeof ev);
    return ev;
}

/* ------------------------------------------------------------------------
 * Order
 * ------------------------------------------------------------------------ */

static void test_interleaved_and_ties(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    /* Pushed as (ts, tag); the tag is the push index. */
    static const kr_ts ts[] = {30, 10, 20, 10, 30, 10, 20, -5, 20};
    for (uint64_t i = 0; i < 9; i++)
        push_ok(&q, ts[i], i);
    assert_int_equal(kr_queue_size(&q), 9);
    /* By time, and within a time by push order. */
    static const uint64_t want[] = {7, 1, 3, 5, 2, 6, 8, 0, 4};
    for (int i = 0; i < 9; i++) {
        kr_event ev = pop_ok(&q);
        assert_int_equal(ev.u.ref.tag, want[i]);
        assert_int_equal(ev.seq, want[i]); /* seq is the push index */
        assert_int_equal(ev.ts, ts[want[i]]);
        assert_int_equal(ev.type, KR_EV_CUSTOM);
        assert_int_equal(ev.symbol, want[i] % 7);
        assert_int_equal(ev.u.ref.index, want[i] * 3);
    }
    assert_int_equal(kr_queue_size(&q), 0);
    kr_queue_free(&q);
}

/* Ties pushed while popping: an event pushed at the current time pops after
 * everything already queued at that time, before anything later. */
static void test_push_at_now_is_fifo(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 4), KR_OK);
    push_ok(&q, 100, 0);
    push_ok(&q, 100, 1);
    push_ok(&q, 101, 2);
    assert_int_equal(pop_ok(&q).u.ref.tag, 0);
    push_ok(&q, 100, 3); /* at the floor: allowed */
    assert_int_equal(pop_ok(&q).u.ref.tag, 1);
    assert_int_equal(pop_ok(&q).u.ref.tag, 3);
    assert_int_equal(pop_ok(&q).u.ref.tag, 2);
    kr_queue_free(&q);
}

static void test_empty_peek_clear_reset(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    assert_null(q.heap);
    assert_null(kr_queue_peek(&q));
    assert_int_equal(kr_queue_floor(&q), KR_TS_NONE);
    kr_event out = custom(1, 99);
    assert_int_equal(kr_queue_pop(&q, &out), KR_EEMPTY);
    assert_int_equal(out.u.ref.tag, 99); /* untouched */

    push_ok(&q, 50, 0);
    push_ok(&q, 40, 1);
    assert_int_equal(kr_queue_peek(&q)->ts, 40);
    assert_int_equal(pop_ok(&q).ts, 40);
    assert_int_equal(kr_queue_floor(&q), 40);

    /* clear drops events but keeps the floor and the sequence. */
    kr_queue_clear(&q);
    assert_int_equal(kr_queue_size(&q), 0);
    assert_null(kr_queue_peek(&q));
    assert_int_equal(kr_queue_floor(&q), 40);
    kr_event ev = custom(39, 2);
    assert_int_equal(kr_queue_push(&q, &ev), KR_ERANGE);
    push_ok(&q, 40, 2);
    assert_int_equal(pop_ok(&q).seq, 2);

    /* reset makes it as new, storage kept. */
    size_t cap = q.cap;
    kr_queue_reset(&q);
    assert_int_equal(kr_queue_floor(&q), KR_TS_NONE);
    assert_int_equal(q.cap, cap);
    push_ok(&q, -1000, 3);
    assert_int_equal(pop_ok(&q).seq, 0);
    kr_queue_free(&q);
    kr_queue_free(&q); /* safe twice */
    kr_queue_free(NULL);
}

/* ------------------------------------------------------------------------
 * Storage
 * ------------------------------------------------------------------------ */

static void test_growth(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    assert_int_equal(q.cap, 0);
    /* Descending timestamps: every push sifts to the root. */
    for (int i = 0; i < 1000; i++) {
        push_ok(&q, 1000 - i, (uint64_t)i);
        size_t n = (size_t)i + 1;
        size_t want = 16;
        while (want < n)
            want *= 2;
        assert_int_equal(q.cap, want);
    }
    assert_int_equal(q.cap, 1024);
    for (int i = 0; i < 1000; i++) {
        kr_event ev = pop_ok(&q);
        assert_int_equal(ev.ts, i + 1);
        assert_int_equal(ev.u.ref.tag, 999 - i);
    }
    assert_int_equal(q.cap, 1024); /* popping never shrinks */
    kr_queue_free(&q);

    /* A reserved queue does not move its storage within the reserve. */
    assert_int_equal(kr_queue_init(&q, 5000), KR_OK);
    assert_int_equal(q.cap, 5000);
    const kr_event *heap = q.heap;
    for (int i = 0; i < 5000; i++)
        push_ok(&q, (kr_ts)(i * 7919 % 5000), (uint64_t)i);
    assert_ptr_equal(q.heap, heap);
    assert_int_equal(q.cap, 5000);
    assert_int_equal(kr_queue_reserve(&q, 100), KR_OK); /* never shrinks */
    assert_int_equal(q.cap, 5000);
    push_ok(&q, 0, 5000);
    assert_int_equal(q.cap, 10000);
    /* 7919 is prime to 5000, so every ts in 0..4999 appears once, plus the
     * extra 0 pushed last. */
    assert_int_equal(pop_ok(&q).u.ref.tag, 0);
    assert_int_equal(pop_ok(&q).u.ref.tag, 5000);
    for (int i = 1; i < 5000; i++)
        assert_int_equal(pop_ok(&q).ts, i);
    kr_queue_free(&q);
}

/* ------------------------------------------------------------------------
 * Rejected pushes
 * ------------------------------------------------------------------------ */

static void test_rejects(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    push_ok(&q, 10, 0);
    push_ok(&q, 20, 1);
    assert_int_equal(pop_ok(&q).ts, 10);

    /* Earlier than the last pop: no look-back. Nothing changes. */
    kr_event ev = custom(9, 2);
    assert_int_equal(kr_queue_push(&q, &ev), KR_ERANGE);
    ev.ts = INT64_MIN + 1;
    assert_int_equal(kr_queue_push(&q, &ev), KR_ERANGE);
    assert_int_equal(kr_queue_size(&q), 1);
    assert_int_equal(q.next_seq, 2);

    /* Malformed events. */
    ev = custom(30, 3);
    ev.ts = KR_TS_NONE;
    assert_int_equal(kr_queue_push(&q, &ev), KR_EINVAL);
    ev = custom(30, 3);
    ev.type = 0;
    assert_int_equal(kr_queue_push(&q, &ev), KR_EINVAL);
    ev.type = KR_EV_TYPE_MAX + 1;
    assert_int_equal(kr_queue_push(&q, &ev), KR_EINVAL);
    ev = custom(30, 3);
    ev.type = KR_EV_TIMER;
    ev.u.timer.interval = -1;
    assert_int_equal(kr_queue_push(&q, &ev), KR_EINVAL);
    ev.u.timer.interval = 5;
    ev.u.timer.last = 29; /* repeating, but its last firing is before ts */
    assert_int_equal(kr_queue_push(&q, &ev), KR_EINVAL);
    assert_int_equal(kr_queue_size(&q), 1);
    assert_int_equal(q.next_seq, 2);

    /* Every type is accepted. */
    for (uint32_t t = KR_EV_BAR; t <= KR_EV_TYPE_MAX; t++) {
        ev = custom(20, t);
        ev.type = t;
        if (t == KR_EV_TIMER)
            memset(&ev.u, 0, sizeof ev.u);
        assert_int_equal(kr_queue_push(&q, &ev), KR_OK);
    }
    assert_int_equal(kr_queue_size(&q), 8);
    assert_int_equal(pop_ok(&q).seq, 1);
    for (uint32_t t = KR_EV_BAR; t <= KR_EV_TYPE_MAX; t++)
        assert_int_equal(pop_ok(&q).type, t);
    kr_queue_free(&q);
}

/* ------------------------------------------------------------------------
 * One million random operations against a sorted log
 * ------------------------------------------------------------------------ */

typedef struct rec {
    kr_ts ts;
    uint64_t seq;
    uint64_t tag;
} rec;

static int rec_cmp(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void test_random_vs_sorted(void **state)
{
    (void)state;
    enum { OPS = 1000000 };
    rng_state = 20240611;
    rec *pushed = malloc(OPS * sizeof *pushed);
    rec *popped = malloc(OPS * sizeof *popped);
    assert_non_null(pushed);
    assert_non_null(popped);
    size_t npush = 0, npop = 0, maxsize = 0, nrejected = 0;

    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    kr_ts floor = -1000000; /* below every ts pushed before the first pop */
    for (int i = 0; i < OPS; i++) {
        /* Phases of 50k operations alternate push-heavy and pop-heavy, so
         * the heap grows to tens of thousands and drains again. */
        int heavy = (i / 50000) % 2 == 0;
        uint64_t r = rng();
        int push = (r % 100) < (heavy ? 65u : 35u);
        if (push) {
            kr_ts ts;
            uint64_t k = (r >> 8) % 16;
            if (k < 4)
                ts = floor; /* ties at the floor */
            else if (k < 14)
                ts = floor + (kr_ts)((r >> 16) % 64); /* many ties */
            else
                ts = floor + (kr_ts)((r >> 16) % 1000000000);
            if ((r >> 60) == 0 && npop > 0) {
                /* Now and then, a push into the past. */
                kr_event bad = custom(floor - 1 - (kr_ts)((r >> 20) % 100), 0);
                assert_int_equal(kr_queue_push(&q, &bad), KR_ERANGE);
                nrejected++;
            }
            kr_event ev = custom(ts, npush);
            assert_int_equal(kr_queue_push(&q, &ev), KR_OK);
            pushed[npush] = (rec){ts, npush, npush};
            npush++;
        } else {
            kr_event ev;
            int rc = kr_queue_pop(&q, &ev);
            if (rc == KR_EEMPTY) {
                assert_int_equal(kr_queue_size(&q), 0);
                continue;
            }
            assert_int_equal(rc, KR_OK);
            assert_true(ev.ts >= floor);
            floor = ev.ts;
            assert_int_equal(kr_queue_floor(&q), floor);
            assert_int_equal(ev.u.ref.index, ev.u.ref.tag * 3);
            popped[npop++] = (rec){ev.ts, ev.seq, ev.u.ref.tag};
        }
        if (kr_queue_size(&q) > maxsize)
            maxsize = kr_queue_size(&q);
        assert_int_equal(kr_queue_size(&q), npush - npop);
    }
    while (kr_queue_size(&q) > 0) {
        kr_event ev = pop_ok(&q);
        popped[npop++] = (rec){ev.ts, ev.seq, ev.u.ref.tag};
    }
    assert_int_equal(npop, npush);
    assert_true(npush > 400000);
    assert_true(maxsize > 10000);
    assert_true(nrejected > 0);

    qsort(pushed, npush, sizeof *pushed, rec_cmp);
    for (size_t i = 0; i < npush; i++) {
        if (pushed[i].ts != popped[i].ts || pushed[i].seq != popped[i].seq ||
            pushed[i].tag != popped[i].tag)
            fail_msg("pop %zu: got (%lld, %llu), want (%lld, %llu)", i,
                     (long long)popped[i].ts,
                     (unsigned long long)popped[i].seq,
                     (long long)pushed[i].ts,
                     (unsigned long long)pushed[i].seq);
    }
    kr_queue_free(&q);
    free(pushed);
    free(popped);
}

/* ------------------------------------------------------------------------
 * Timers
 * ------------------------------------------------------------------------ */

static void test_timer_at(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    push_ok(&q, 100, 0);
    assert_int_equal(kr_queue_timer_at(&q, 100, 42), KR_OK);
    assert_int_equal(kr_queue_timer_at(&q, 50, 7), KR_OK);
    kr_event ev = pop_ok(&q);
    assert_int_equal(ev.type, KR_EV_TIMER);
    assert_int_equal(ev.ts, 50);
    assert_int_equal(ev.u.timer.id, 7);
    assert_int_equal(ev.u.timer.count, 0);
    assert_int_equal(ev.u.timer.interval, 0);
    assert_int_equal(ev.symbol, KR_SYMBOL_NONE);
    assert_int_equal(pop_ok(&q).type, KR_EV_CUSTOM); /* pushed first */
    ev = pop_ok(&q);
    assert_int_equal(ev.u.timer.id, 42);
    assert_int_equal(ev.ts, 100);
    assert_int_equal(kr_queue_size(&q), 0); /* one-shot: gone */
    assert_int_equal(kr_queue_timer_at(&q, 99, 1), KR_ERANGE);
    assert_int_equal(kr_queue_timer_at(&q, KR_TS_NONE, 1), KR_EINVAL);
    kr_queue_free(&q);
}

/* A session of five-minute bars, 09:30 to 16:00, and a timer every fifteen
 * minutes over the same range: 79 bars and 27 firings. At each quarter hour
 * the bar was pushed first (its seq is lower than the timer's, which is
 * taken when the previous firing is popped), so the bar comes first. */
static void test_timer_every_session(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 128), KR_OK);
    kr_ts open = kr_ts_from_civil(2024, 6, 3, 9, 30, 0, 0);
    kr_ts close = kr_ts_from_civil(2024, 6, 3, 16, 0, 0, 0);
    int nbars = 0;
    for (kr_ts t = open; t <= close; t += 5 * KR_NS_PER_MIN) {
        kr_event bar;
        memset(&bar, 0, sizeof bar);
        bar.ts = t;
        bar.type = KR_EV_BAR;
        bar.symbol = 0;
        bar.u.bar.close = 100.0 + nbars;
        assert_int_equal(kr_queue_push(&q, &bar), KR_OK);
        nbars++;
    }
    assert_int_equal(nbars, 79);
    assert_int_equal(
        kr_queue_timer_every(&q, open, 15 * KR_NS_PER_MIN, close, 9),
        KR_OK);
    assert_int_equal(kr_queue_size(&q), 80);

    int bars = 0, fires = 0;
    kr_ts prev = KR_TS_NONE;
    while (kr_queue_size(&q) > 0) {
        /* One timer record at most, whatever the number of firings. */
        assert_true(kr_queue_size(&q) <= 80);
        kr_event ev = pop_ok(&q);
        assert_true(ev.ts >= prev);
        prev = ev.ts;
        if (ev.type == KR_EV_BAR) {
            assert_int_equal(ev.ts, open + bars * 5 * KR_NS_PER_MIN);
            assert_true(ev.u.bar.close == 100.0 + bars);
            bars++;
        } else {
            assert_int_equal(ev.type, KR_EV_TIMER);
            assert_int_equal(ev.u.timer.id, 9);
            assert_int_equal(ev.u.timer.count, (uint64_t)fires);
            assert_int_equal(ev.ts, open + fires * 15 * KR_NS_PER_MIN);
            /* The bar of the same minute came just before. */
            assert_int_equal(bars, 3 * fires + 1);
            fires++;
        }
    }
    assert_int_equal(bars, 79);
    assert_int_equal(fires, 27);
    kr_queue_free(&q);
}

static int collect_timer(kr_queue *q, kr_ts *at, int max)
{
    int n = 0;
    kr_event ev;
    while (kr_queue_pop(q, &ev) == KR_OK) {
        assert_int_equal(ev.type, KR_EV_TIMER);
        assert_int_equal(ev.u.timer.count, (uint64_t)n);
        assert_true(n < max);
        at[n++] = ev.ts;
    }
    return n;
}

static void test_timer_every_edges(void **state)
{
    (void)state;
    kr_queue q;
    kr_ts at[16];

    /* A range that is not a multiple of the interval: 0, 7, 14. */
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    assert_int_equal(kr_queue_timer_every(&q, 0, 7, 20, 1), KR_OK);
    assert_int_equal(collect_timer(&q, at, 16), 3);
    assert_int_equal(at[0], 0);
    assert_int_equal(at[1], 7);
    assert_int_equal(at[2], 14);
    kr_queue_reset(&q);

    /* Exactly reaching the last firing, across zero. */
    assert_int_equal(kr_queue_timer_every(&q, -100, 50, 100, 1), KR_OK);
    assert_int_equal(collect_timer(&q, at, 16), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(at[i], -100 + 50 * i);
    kr_queue_reset(&q);

    /* last == first fires once. */
    assert_int_equal(kr_queue_timer_every(&q, 5, 10, 5, 1), KR_OK);
    assert_int_equal(collect_timer(&q, at, 16), 1);
    assert_int_equal(at[0], 5);
    kr_queue_reset(&q);

    /* Near the end of time: stops where the next firing would overflow. */
    assert_int_equal(kr_queue_timer_every(&q, INT64_MAX - 10, 7,
                                          KR_TIMER_FOREVER, 1),
                     KR_OK);
    assert_int_equal(collect_timer(&q, at, 16), 2);
    assert_int_equal(at[0], INT64_MAX - 10);
    assert_int_equal(at[1], INT64_MAX - 3);
    kr_queue_reset(&q);

    /* A gap wider than INT64_MAX between ts and last. */
    assert_int_equal(kr_queue_timer_every(&q, INT64_MIN + 1, INT64_MAX,
                                          INT64_MAX, 1),
                     KR_OK);
    assert_int_equal(collect_timer(&q, at, 16), 3);
    assert_int_equal(at[0], INT64_MIN + 1);
    assert_int_equal(at[1], 0);
    assert_int_equal(at[2], INT64_MAX);
    kr_queue_reset(&q);

    /* Forever: one record however long it runs; clear stops it. */
    assert_int_equal(kr_queue_timer_every(&q, 0, KR_NS_PER_SEC,
                                          KR_TIMER_FOREVER, 1),
                     KR_OK);
    for (int i = 0; i < 100000; i++) {
        kr_event ev = pop_ok(&q);
        assert_int_equal(ev.ts, (kr_ts)i * KR_NS_PER_SEC);
        assert_int_equal(kr_queue_size(&q), 1);
    }
    assert_int_equal(q.cap, 16);
    kr_queue_clear(&q);
    assert_null(kr_queue_peek(&q));

    /* Bad arguments change nothing. */
    kr_ts f = kr_queue_floor(&q);
    assert_int_equal(kr_queue_timer_every(&q, f + 1, 0, f + 10, 1),
                     KR_EINVAL);
    assert_int_equal(kr_queue_timer_every(&q, f + 1, -5, f + 10, 1),
                     KR_EINVAL);
    assert_int_equal(kr_queue_timer_every(&q, f + 10, 5, f + 9, 1),
                     KR_EINVAL);
    assert_int_equal(kr_queue_timer_every(&q, f - 1, 5, f + 9, 1),
                     KR_ERANGE);
    assert_int_equal(kr_queue_size(&q), 0);
    kr_queue_free(&q);
}

/* Two repeating timers with the same interval and first firing alternate in
 * the order they were scheduled, every time: re-arming takes a new seq in
 * pop order, which preserves their relative order. */
static void test_timer_ties(void **state)
{
    (void)state;
    kr_queue q;
    assert_int_equal(kr_queue_init(&q, 0), KR_OK);
    assert_int_equal(kr_queue_timer_every(&q, 0, 10, 1000, 1), KR_OK);
    assert_int_equal(kr_queue_timer_every(&q, 0, 10, 1000, 2), KR_OK);
    assert_int_equal(kr_queue_timer_every(&q, 5, 5, 1000, 3), KR_OK);
    /* At multiples of 10 from 10 on, timer 3 (re-armed at the previous
     * 5-step, after 1 and 2 were re-armed) comes last. */
    kr_event ev;
    for (kr_ts t = 0; t <= 1000; t += 5) {
        if (t % 10 == 0) {
            ev = pop_ok(&q);
            assert_int_equal(ev.ts, t);
            assert_int_equal(ev.u.timer.id, 1);
            ev = pop_ok(&q);
            assert_int_equal(ev.ts, t);
            assert_int_equal(ev.u.timer.id, 2);
        }
        if (t >= 5) {
            ev = pop_ok(&q);
            assert_int_equal(ev.ts, t);
            assert_int_equal(ev.u.timer.id, 3);
        }
    }
    assert_int_equal(kr_queue_size(&q), 0);
    kr_queue_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_and_ties),
        cmocka_unit_test(test_push_at_now_is_fifo),
        cmocka_unit_test(test_empty_peek_clear_reset),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_random_vs_sorted),
        cmocka_unit_test(test_timer_at),
        cmocka_unit_test(test_timer_every_session),
        cmocka_unit_test(test_timer_every_edges),
        cmocka_unit_test(test_timer_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

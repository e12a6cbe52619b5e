/* test_bus.c -- tests of src/engine/bus.c: the in-process message bus.
 *
 * Handlers are "actors" that append their name to a call log and, on their
 * first calls, may publish, subscribe or unsubscribe; each test writes the
 * expected log by hand from the rule (priority, then subscription order;
 * nested publishes depth first). The large test publishes one million random
 * messages to subscribers that come and go, and checks every dispatch
 * against a model (the matching subscriptions sorted by (priority, id) with
 * qsort) and that the storage never moved or grew. Random numbers come from
 * a fixed-seed splitmix64.
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

/* ------------------------------------------------------------------------
 * Actors
 * ------------------------------------------------------------------------ */

static char call_log[1024];

static void log_clear(void) { call_log[0] = '\0'; }

typedef struct actor {
    const char *name;
    kr_bus *bus;
    int ret;             /* returned when nothing else is */
    int calls;
    int acts;            /* act on this many first calls (0: never) */
    int pub_topic;       /* publish this topic when acting, if non-zero */
    uint32_t pub_symbol;
    int return_pub_rc;   /* return the nested publish's result */
    int last_pub_rc;
    uint64_t unsub;      /* unsubscribe this id when acting, if non-zero */
    int unsub_rc;
    struct actor *sub;   /* subscribe this actor when acting, if not NULL */
    int sub_topic, sub_priority;
    uint64_t sub_id;
    int last_topic;
    uint32_t last_symbol;
    const void *last_msg;
} actor;

static int act(void *user, int topic, uint32_t symbol, const void *msg)
{
    actor *a = user;
    if (call_log[0])
        strcat(call_log, ",");
    strcat(call_log, a->name);
    a->calls++;
    a->last_topic = topic;
    a->last_symbol = symbol;
    a->last_msg = msg;
    if (a->calls > a->acts)
        return a->ret;
    if (a->unsub)
        a->unsub_rc = kr_bus_unsubscribe(a->bus, a->unsub);
    if (a->sub)
        assert_int_equal(kr_bus_subscribe(a->bus, a->sub_topic,
                                          KR_BUS_ANY_SYMBOL, a->sub_priority,
                                          act, a->sub, &a->sub_id),
                         KR_OK);
    if (a->pub_topic) {
        a->last_pub_rc = kr_bus_publish(a->bus, a->pub_topic, a->pub_symbol,
                                        a);
        if (a->return_pub_rc)
            return a->last_pub_rc;
    }
    return a->ret;
}

static actor mk(kr_bus *b, const char *name)
{
    actor a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.bus = b;
    return a;
}

static uint64_t sub_ok(kr_bus *b, int topic, uint32_t symbol, int priority,
                       actor *a)
{
    uint64_t id = 0;
    assert_int_equal(kr_bus_subscribe(b, topic, symbol, priority, act, a, &id),
                     KR_OK);
    return id;
}

static void publish_expect(kr_bus *b, int topic, uint32_t symbol, int rc,
                           const char *expect)
{
    log_clear();
    assert_int_equal(kr_bus_publish(b, topic, symbol, NULL), rc);
    assert_string_equal(call_log, expect);
}

/* ------------------------------------------------------------------------
 * Order and filters
 * ------------------------------------------------------------------------ */

static void test_priority_then_registration(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    actor A = mk(&b, "A"), B = mk(&b, "B"), C = mk(&b, "C"), D = mk(&b, "D"),
          E = mk(&b, "E"), X = mk(&b, "X");
    /* Ids are 1, 2, 3, ... in subscription order. */
    assert_int_equal(sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &A), 1);
    assert_int_equal(sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, -5, &B), 2);
    assert_int_equal(sub_ok(&b, KR_TOPIC_QUOTE, KR_BUS_ANY_SYMBOL, -9, &X), 3);
    assert_int_equal(sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &C), 4);
    assert_int_equal(sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 10, &D), 5);
    assert_int_equal(sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, -5, &E), 6);
    assert_int_equal(kr_bus_count(&b), 6);
    /* Priority -5 (B, E), then 0 (A, C), then 10 (D); ties by id. */
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "B,E,A,C,D");
    publish_expect(&b, KR_TOPIC_QUOTE, 1, KR_OK, "X");
    publish_expect(&b, KR_TOPIC_TRADE, 1, KR_OK, "");
    publish_expect(&b, KR_TOPIC_SIGNAL, 1, KR_OK, "");
    /* Extreme priorities sort too. */
    actor F = mk(&b, "F"), G = mk(&b, "G");
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, INT32_MAX, &F);
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, INT32_MIN, &G);
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "G,B,E,A,C,D,F");

    kr_bus_counters st;
    kr_bus_stats(&b, &st);
    assert_int_equal(st.published[KR_TOPIC_BAR], 2);
    assert_int_equal(st.published[KR_TOPIC_QUOTE], 1);
    assert_int_equal(st.published[KR_TOPIC_TRADE], 1);
    assert_int_equal(st.published[KR_TOPIC_SIGNAL], 1);
    assert_int_equal(st.calls[KR_TOPIC_BAR], 12);
    assert_int_equal(st.calls[KR_TOPIC_QUOTE], 1);
    assert_int_equal(st.handler_calls, 13);
    assert_int_equal(st.stopped, 0);
    kr_bus_stats_reset(&b);
    kr_bus_stats(&b, &st);
    assert_int_equal(st.handler_calls, 0);
    assert_int_equal(st.published[KR_TOPIC_BAR], 0);
    kr_bus_free(&b);
    kr_bus_free(&b); /* twice is safe */
    kr_bus_free(NULL);
}

static void test_symbol_filter(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 4), KR_OK);
    assert_int_equal(b.cap, 4);
    actor A = mk(&b, "A"), B = mk(&b, "B"), C = mk(&b, "C"), D = mk(&b, "D");
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &A);
    sub_ok(&b, KR_TOPIC_BAR, 3, 0, &B);
    sub_ok(&b, KR_TOPIC_BAR, 4, 0, &C);
    sub_ok(&b, KR_TOPIC_BAR, 3, -1, &D);
    publish_expect(&b, KR_TOPIC_BAR, 3, KR_OK, "D,A,B");
    publish_expect(&b, KR_TOPIC_BAR, 4, KR_OK, "A,C");
    publish_expect(&b, KR_TOPIC_BAR, 5, KR_OK, "A");
    /* A message of no symbol reaches only the unfiltered. */
    publish_expect(&b, KR_TOPIC_BAR, KR_SYMBOL_NONE, KR_OK, "A");

    /* An event from the queue: its type is the topic, its symbol the
     * symbol, and the record itself the message. */
    kr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = 1000;
    ev.type = KR_EV_BAR;
    ev.symbol = 4;
    ev.u.bar.close = 101.5;
    log_clear();
    assert_int_equal(kr_bus_publish_event(&b, &ev), KR_OK);
    assert_string_equal(call_log, "A,C");
    assert_ptr_equal(C.last_msg, &ev);
    assert_int_equal(C.last_topic, KR_TOPIC_BAR);
    assert_int_equal(C.last_symbol, 4);
    assert_true(((const kr_event *)C.last_msg)->u.bar.close == 101.5);
    ev.type = KR_EV_TIMER;
    ev.symbol = KR_SYMBOL_NONE;
    log_clear();
    assert_int_equal(kr_bus_publish_event(&b, &ev), KR_OK);
    assert_string_equal(call_log, "");
    assert_int_equal(b.cap, 4);
    kr_bus_free(&b);
}

/* ------------------------------------------------------------------------
 * Re-entrancy
 * ------------------------------------------------------------------------ */

static void test_nested_depth_first(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    actor A = mk(&b, "A"), B = mk(&b, "B"), Q1 = mk(&b, "Q1"),
          Q2 = mk(&b, "Q2"), T1 = mk(&b, "T1"), T2 = mk(&b, "T2");
    /* bar: A publishes a quote, then B publishes a trade for symbol 7.
     * quote: Q1 publishes a trade for symbol 8, then Q2.
     * trade: T1 takes every symbol, T2 only symbol 7. */
    A.acts = 1, A.pub_topic = KR_TOPIC_QUOTE, A.pub_symbol = 1;
    B.acts = 1, B.pub_topic = KR_TOPIC_TRADE, B.pub_symbol = 7;
    Q1.acts = 1, Q1.pub_topic = KR_TOPIC_TRADE, Q1.pub_symbol = 8;
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 1, &B);
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &A);
    sub_ok(&b, KR_TOPIC_QUOTE, KR_BUS_ANY_SYMBOL, 0, &Q1);
    sub_ok(&b, KR_TOPIC_QUOTE, KR_BUS_ANY_SYMBOL, 0, &Q2);
    sub_ok(&b, KR_TOPIC_TRADE, 7, 0, &T2);
    sub_ok(&b, KR_TOPIC_TRADE, KR_BUS_ANY_SYMBOL, 0, &T1);
    /* A -> quote(Q1 -> trade 8 (T1), Q2), then B -> trade 7 (T2, T1). */
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "A,Q1,T1,Q2,B,T2,T1");
    assert_int_equal(A.last_pub_rc, KR_OK);
    assert_ptr_equal(Q1.last_msg, &A); /* the nested message is A's */
    assert_int_equal(T1.last_symbol, 7);
    /* Acting only once: the second run is flat. */
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "A,B");

    kr_bus_counters st;
    kr_bus_stats(&b, &st);
    assert_int_equal(st.published[KR_TOPIC_BAR], 2);
    assert_int_equal(st.published[KR_TOPIC_QUOTE], 1);
    assert_int_equal(st.published[KR_TOPIC_TRADE], 2);
    assert_int_equal(st.handler_calls, 9);
    assert_int_equal(b.depth, 0);
    kr_bus_free(&b);
}

static void test_unsubscribe_during_dispatch(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    actor A = mk(&b, "A"), B = mk(&b, "B"), C = mk(&b, "C"), D = mk(&b, "D"),
          E = mk(&b, "E");
    uint64_t ia = sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, 0, &A);
    uint64_t ib = sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, 1, &B);
    uint64_t ic = sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, 2, &C);
    uint64_t id = sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, 3, &D);
    uint64_t ie = sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, 4, &E);
    /* A ends C (later in this dispatch: C is skipped), B ends itself, D
     * ends A (already called) and publishes a fill again, in which A, B and
     * C are gone: only D (acting no more) and E. */
    A.acts = 1, A.unsub = ic;
    B.acts = 1, B.unsub = ib;
    D.acts = 1, D.unsub = ia, D.pub_topic = KR_TOPIC_FILL;
    publish_expect(&b, KR_TOPIC_FILL, 1, KR_OK, "A,B,D,D,E,E");
    assert_int_equal(A.unsub_rc, KR_OK);
    assert_int_equal(B.unsub_rc, KR_OK);
    assert_int_equal(D.unsub_rc, KR_OK);
    assert_int_equal(C.calls, 0);
    assert_int_equal(kr_bus_count(&b), 2);
    assert_int_equal(b.n, 2); /* swept */
    assert_int_equal(b.ndead, 0);
    publish_expect(&b, KR_TOPIC_FILL, 1, KR_OK, "D,E");
    /* Ended ids stay ended and are never given again. */
    assert_int_equal(kr_bus_unsubscribe(&b, ia), KR_ENOENT);
    assert_int_equal(kr_bus_unsubscribe(&b, ic), KR_ENOENT);
    actor F = mk(&b, "F");
    assert_int_equal(sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, 0, &F), 6);

    /* Ending a subscription twice in one dispatch: the second is ENOENT. */
    actor G = mk(&b, "G");
    G.acts = 1, G.unsub = ie;
    sub_ok(&b, KR_TOPIC_FILL, KR_BUS_ANY_SYMBOL, -1, &G);
    F.acts = 1, F.unsub = ie;
    publish_expect(&b, KR_TOPIC_FILL, 1, KR_OK, "G,F,D");
    assert_int_equal(G.unsub_rc, KR_OK);
    assert_int_equal(F.unsub_rc, KR_ENOENT);
    assert_int_equal(kr_bus_count(&b), 3);

    /* Outside a dispatch, unsubscribe takes effect at once. */
    assert_int_equal(kr_bus_unsubscribe(&b, id), KR_OK);
    publish_expect(&b, KR_TOPIC_FILL, 1, KR_OK, "G,F");
    kr_bus_free(&b);
}

static void test_subscribe_during_dispatch(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    /* Fill the first allocation (16) so that the subscribe made from a
     * handler moves the array under the dispatch. */
    actor pad[14];
    for (int i = 0; i < 14; i++) {
        pad[i] = mk(&b, "p");
        sub_ok(&b, KR_TOPIC_SIGNAL, KR_BUS_ANY_SYMBOL, 0, &pad[i]);
    }
    actor A = mk(&b, "A"), Q = mk(&b, "Q"), E = mk(&b, "E");
    /* A subscribes E ahead of itself on bars and publishes a quote; Q
     * publishes a bar, which reaches A (acting no more) but not E. */
    A.acts = 1, A.sub = &E, A.sub_topic = KR_TOPIC_BAR, A.sub_priority = -1;
    A.pub_topic = KR_TOPIC_QUOTE;
    Q.acts = 1, Q.pub_topic = KR_TOPIC_BAR;
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &A);
    sub_ok(&b, KR_TOPIC_QUOTE, KR_BUS_ANY_SYMBOL, 0, &Q);
    assert_int_equal(b.cap, 16);
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "A,Q,A");
    assert_int_equal(b.cap, 32);
    assert_int_equal(A.sub_id, 17);
    assert_int_equal(kr_bus_count(&b), 17);
    assert_int_equal(b.npending, 0);
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "E,A");

    /* Subscribed and ended within one dispatch: never called. H (id 18)
     * subscribes F (id 20, after I), which I ends. */
    actor F = mk(&b, "F"), H = mk(&b, "H"), I = mk(&b, "I");
    H.acts = 1, H.sub = &F, H.sub_topic = KR_TOPIC_EQUITY;
    I.acts = 1, I.unsub = 20;
    assert_int_equal(sub_ok(&b, KR_TOPIC_EQUITY, KR_BUS_ANY_SYMBOL, 0, &H), 18);
    sub_ok(&b, KR_TOPIC_EQUITY, KR_BUS_ANY_SYMBOL, 1, &I);
    publish_expect(&b, KR_TOPIC_EQUITY, KR_SYMBOL_NONE, KR_OK, "H,I");
    assert_int_equal(H.sub_id, 20);
    assert_int_equal(I.unsub_rc, KR_OK);
    assert_int_equal(kr_bus_count(&b), 19);
    assert_int_equal(b.n, 19);
    publish_expect(&b, KR_TOPIC_EQUITY, KR_SYMBOL_NONE, KR_OK, "H,I");
    assert_int_equal(kr_bus_unsubscribe(&b, 20), KR_ENOENT);
    assert_int_equal(F.calls, 0);
    kr_bus_free(&b);
}

static void test_depth_limit(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    assert_int_equal(b.max_depth, KR_BUS_DEFAULT_MAX_DEPTH);
    /* A republishes every bar it sees and returns what that returned. */
    actor A = mk(&b, "A");
    A.acts = 1000, A.pub_topic = KR_TOPIC_BAR, A.return_pub_rc = 1;
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &A);
    actor Z = mk(&b, "Z");
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 1, &Z);
    log_clear();
    assert_int_equal(kr_bus_publish(&b, KR_TOPIC_BAR, 1, NULL), KR_ERANGE);
    /* Depths 1..16 dispatched; the 17th refused; each A passed KR_ERANGE
     * up, stopping its publish before Z. */
    assert_int_equal(A.calls, 16);
    assert_int_equal(Z.calls, 0);
    assert_int_equal(b.depth, 0);
    kr_bus_counters st;
    kr_bus_stats(&b, &st);
    assert_int_equal(st.published[KR_TOPIC_BAR], 16);
    assert_int_equal(st.depth_refused, 1);
    assert_int_equal(st.stopped, 16);

    assert_int_equal(kr_bus_set_max_depth(&b, 0), KR_EINVAL);
    assert_int_equal(kr_bus_set_max_depth(&b, 3), KR_OK);
    A.calls = 0;
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_ERANGE, "A,A,A");

    /* A handler that ignores the refusal lets the dispatch go on. With
     * depth 1, handlers may not publish at all. */
    assert_int_equal(kr_bus_set_max_depth(&b, 1), KR_OK);
    A.return_pub_rc = 0;
    A.last_pub_rc = 0;
    publish_expect(&b, KR_TOPIC_BAR, 1, KR_OK, "A,Z");
    assert_int_equal(A.last_pub_rc, KR_ERANGE);
    kr_bus_free(&b);
}

static void test_error_propagation(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    actor A = mk(&b, "A"), B = mk(&b, "B"), C = mk(&b, "C");
    sub_ok(&b, KR_TOPIC_ORDER_EVENT, KR_BUS_ANY_SYMBOL, 0, &A);
    sub_ok(&b, KR_TOPIC_ORDER_EVENT, KR_BUS_ANY_SYMBOL, 1, &B);
    sub_ok(&b, KR_TOPIC_ORDER_EVENT, KR_BUS_ANY_SYMBOL, 2, &C);
    B.ret = KR_EIO;
    publish_expect(&b, KR_TOPIC_ORDER_EVENT, 1, KR_EIO, "A,B");
    B.ret = 7; /* positive: the application's own meaning */
    publish_expect(&b, KR_TOPIC_ORDER_EVENT, 1, 7, "A,B");
    B.ret = 0;
    publish_expect(&b, KR_TOPIC_ORDER_EVENT, 1, KR_OK, "A,B,C");

    /* Through a nested publish: Q's 42 stops the quote, O returns it, and
     * that stops the bar before P. */
    actor O = mk(&b, "O"), P = mk(&b, "P"), Q = mk(&b, "Q"), R = mk(&b, "R");
    O.acts = 1, O.pub_topic = KR_TOPIC_QUOTE, O.return_pub_rc = 1;
    Q.ret = 42;
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &O);
    sub_ok(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0, &P);
    sub_ok(&b, KR_TOPIC_QUOTE, KR_BUS_ANY_SYMBOL, 0, &Q);
    sub_ok(&b, KR_TOPIC_QUOTE, KR_BUS_ANY_SYMBOL, 0, &R);
    publish_expect(&b, KR_TOPIC_BAR, 1, 42, "O,Q");
    kr_bus_counters st;
    kr_bus_stats(&b, &st);
    assert_int_equal(st.stopped, 4);
    kr_bus_free(&b);
}

static void test_rejects(void **state)
{
    (void)state;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, 0), KR_OK);
    actor A = mk(&b, "A");
    uint64_t id = 99;
    static const int bad[] = {0, -1, KR_TOPIC_MAX + 1, 1000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kr_bus_subscribe(&b, bad[i], KR_BUS_ANY_SYMBOL, 0,
                                          act, &A, &id),
                         KR_EINVAL);
        assert_int_equal(kr_bus_publish(&b, bad[i], 1, NULL), KR_EINVAL);
    }
    assert_int_equal(kr_bus_subscribe(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0,
                                      NULL, &A, &id),
                     KR_EINVAL);
    assert_int_equal(id, 99); /* untouched */
    assert_int_equal(kr_bus_count(&b), 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(kr_bus_unsubscribe(&b, 0), KR_ENOENT);
    assert_int_equal(kr_bus_unsubscribe(&b, 1), KR_ENOENT);
    /* Nothing was given an id: the first is still 1. A NULL id is fine. */
    assert_int_equal(kr_bus_subscribe(&b, KR_TOPIC_BAR, KR_BUS_ANY_SYMBOL, 0,
                                      act, &A, NULL),
                     KR_OK);
    assert_int_equal(kr_bus_unsubscribe(&b, 1), KR_OK);
    kr_bus_counters st;
    kr_bus_stats(&b, &st);
    assert_int_equal(st.handler_calls, 0);
    for (int t = 0; t <= KR_TOPIC_MAX; t++)
        assert_int_equal(st.published[t], 0);
    kr_bus_free(&b);
}

/* ------------------------------------------------------------------------
 * One million publishes against a model
 * ------------------------------------------------------------------------ */

#define NSUB 24
#define NPUB 1000000

typedef struct model_sub {
    uint64_t id;
    int topic, priority;
    uint32_t symbol;
    int live;
} model_sub;

static model_sub model[NSUB];
static uint64_t got[NSUB + 1];
static size_t ngot;

static int record(void *user, int topic, uint32_t symbol, const void *msg)
{
    (void)topic, (void)symbol, (void)msg;
    const model_sub *m = user;
    got[ngot++] = m->id;
    return 0;
}

static int by_priority_id(const void *pa, const void *pb)
{
    const model_sub *a = *(const model_sub *const *)pa;
    const model_sub *c = *(const model_sub *const *)pb;
    if (a->priority != c->priority)
        return a->priority < c->priority ? -1 : 1;
    return a->id < c->id ? -1 : a->id > c->id;
}

static void random_sub(kr_bus *b, model_sub *m)
{
    m->topic = 1 + (int)(rng() % KR_TOPIC_MAX);
    m->priority = (int)(rng() % 5) - 2;
    m->symbol = rng() % 3 ? (uint32_t)(rng() % 4) : KR_BUS_ANY_SYMBOL;
    m->live = 1;
    assert_int_equal(kr_bus_subscribe(b, m->topic, m->symbol, m->priority,
                                      record, m, &m->id),
                     KR_OK);
}

static void test_million_publishes(void **state)
{
    (void)state;
    rng_state = 42;
    kr_bus b;
    assert_int_equal(kr_bus_init(&b, NSUB), KR_OK);
    for (int i = 0; i < NSUB; i++)
        random_sub(&b, &model[i]);
    const kr_bus_sub *subs = b.subs;
    size_t cap = b.cap;
    uint64_t want_calls = 0, want_pub[KR_TOPIC_MAX + 1] = {0};
    const model_sub *want[NSUB];
    for (int k = 0; k < NPUB; k++) {
        /* Every 1000th publish, a random subscription is replaced. */
        if (k % 1000 == 999) {
            model_sub *m = &model[rng() % NSUB];
            assert_int_equal(kr_bus_unsubscribe(&b, m->id), KR_OK);
            random_sub(&b, m);
        }
        int topic = 1 + (int)(rng() % KR_TOPIC_MAX);
        uint32_t symbol = rng() % 5 ? (uint32_t)(rng() % 4) : KR_SYMBOL_NONE;
        size_t nw = 0;
        for (int i = 0; i < NSUB; i++)
            if (model[i].topic == topic &&
                (model[i].symbol == KR_BUS_ANY_SYMBOL ||
                 model[i].symbol == symbol))
                want[nw++] = &model[i];
        qsort(want, nw, sizeof want[0], by_priority_id);
        ngot = 0;
        assert_int_equal(kr_bus_publish(&b, topic, symbol, NULL), KR_OK);
        if (ngot != nw)
            fail_msg("publish %d: %zu calls, want %zu", k, ngot, nw);
        for (size_t j = 0; j < nw; j++)
            if (got[j] != want[j]->id)
                fail_msg("publish %d: call %zu went to %llu, want %llu", k, j,
                         (unsigned long long)got[j],
                         (unsigned long long)want[j]->id);
        want_calls += nw;
        want_pub[topic]++;
    }
    /* The storage never grew or moved. */
    assert_ptr_equal(b.subs, subs);
    assert_int_equal(b.cap, cap);
    assert_int_equal(kr_bus_count(&b), NSUB);
    kr_bus_counters st;
    kr_bus_stats(&b, &st);
    assert_int_equal(st.handler_calls, want_calls);
    uint64_t total = 0;
    for (int t = 0; t <= KR_TOPIC_MAX; t++) {
        assert_int_equal(st.published[t], want_pub[t]);
        total += st.published[t];
    }
    assert_int_equal(total, NPUB);
    assert_int_equal(st.stopped, 0);
    kr_bus_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_then_registration),
        cmocka_unit_test(test_symbol_filter),
        cmocka_unit_test(test_nested_depth_first),
        cmocka_unit_test(test_unsubscribe_during_dispatch),
        cmocka_unit_test(test_subscribe_during_dispatch),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_error_propagation),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_million_publishes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

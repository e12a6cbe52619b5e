/* test_clock.c -- tests of src/engine/clock.c: simulated and wall clocks.
 *
 * The simulated clock is checked against a model that is one comparison
 * (accept ts >= now, refuse earlier) over random requests with a fixed seed;
 * the wall clock against time(NULL), which must agree within a second. The
 * last test runs the loop the backtest runner will run, queue and clock
 * together, and checks that handlers see the clock at each event's time and
 * timers fire when they should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kairos/engine.h"

static void test_simulated(void **state)
{
    (void)state;
    kr_clock c;
    kr_clock_init_simulated(&c, KR_TS_NONE);
    assert_ptr_equal(c.ops, &kr_clock_simulated_ops);
    assert_string_equal(c.ops->name, "simulated");
    assert_int_equal(kr_clock_now(&c), KR_TS_NONE);

    kr_ts t = kr_ts_from_civil(2024, 1, 2, 9, 30, 0, 0);
    assert_int_equal(kr_clock_advance_to(&c, t), KR_OK);
    assert_int_equal(kr_clock_now(&c), t);
    assert_int_equal(kr_clock_now(&c), t); /* reading does not move it */
    assert_int_equal(kr_clock_advance_to(&c, t), KR_OK); /* equal: fine */
    assert_int_equal(kr_clock_advance_to(&c, t - 1), KR_ERANGE);
    assert_int_equal(kr_clock_now(&c), t);
    assert_int_equal(kr_clock_advance_to(&c, KR_TS_NONE), KR_EINVAL);
    assert_int_equal(kr_clock_now(&c), t);
    assert_int_equal(kr_clock_advance_to(&c, INT64_MAX), KR_OK);
    assert_int_equal(kr_clock_now(&c), INT64_MAX);

    /* A start time is a floor too. */
    kr_clock_init_simulated(&c, 1000);
    assert_int_equal(kr_clock_now(&c), 1000);
    assert_int_equal(kr_clock_advance_to(&c, 999), KR_ERANGE);
    assert_int_equal(kr_clock_advance_to(&c, -5), KR_ERANGE);
    assert_int_equal(kr_clock_advance_to(&c, 1001), KR_OK);
}

static void test_simulated_monotonic_random(void **state)
{
    (void)state;
    uint64_t s = 77;
    kr_clock c;
    kr_clock_init_simulated(&c, 0);
    kr_ts model = 0;
    int accepted = 0, refused = 0;
    for (int i = 0; i < 200000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t step = (int64_t)((s >> 33) % 2001) - 700; /* -700..1300 */
        kr_ts ts = model + step;
        int rc = kr_clock_advance_to(&c, ts);
        if (ts >= model) {
            assert_int_equal(rc, KR_OK);
            model = ts;
            accepted++;
        } else {
            assert_int_equal(rc, KR_ERANGE);
            refused++;
        }
        assert_int_equal(kr_clock_now(&c), model);
    }
    assert_true(accepted > 100000);
    assert_true(refused > 50000);
}

static void test_wall(void **state)
{
    (void)state;
    kr_clock c;
    kr_clock_init_wall(&c);
    assert_ptr_equal(c.ops, &kr_clock_wall_ops);
    assert_string_equal(c.ops->name, "wall");
    time_t before = time(NULL);
    kr_ts now = kr_clock_now(&c);
    time_t after = time(NULL);
    /* time(NULL) truncates to the second: now / 1e9 lies in
     * [before - 1, after + 1] even allowing for a different source. */
    int64_t sec = now / KR_NS_PER_SEC;
    assert_true(sec >= (int64_t)before - 1);
    assert_true(sec <= (int64_t)after + 1);
    /* After 2020 and before 2100: it is ns UTC, not us or a monotonic
     * count since boot. */
    assert_true(now > kr_ts_from_civil(2020, 1, 1, 0, 0, 0, 0));
    assert_true(now < kr_ts_from_civil(2100, 1, 1, 0, 0, 0, 0));

    /* Never decreasing, and it does move. */
    kr_ts prev = now;
    int moved = 0;
    for (int i = 0; i < 100000; i++) {
        kr_ts t = kr_clock_now(&c);
        assert_true(t >= prev);
        moved += t > prev;
        prev = t;
    }
    assert_true(moved > 0);

    /* It cannot be set. */
    assert_int_equal(kr_clock_advance_to(&c, prev + KR_NS_PER_SEC),
                     KR_EUNSUPPORTED);
    assert_true(kr_clock_now(&c) < prev + KR_NS_PER_SEC);

    /* Were the system clock to step back (here: the clock has read an hour
     * ahead), it holds still rather than go back. */
    kr_ts ahead = kr_clock_now(&c) + KR_NS_PER_HOUR;
    c.now = ahead;
    assert_int_equal(kr_clock_now(&c), ahead);
    assert_int_equal(kr_clock_now(&c), ahead);
}

/* The loop of a backtest: pop, advance the clock, dispatch. The "strategy"
 * here schedules a one-shot timer 90 s after every bar at 10:00 or later,
 * and on every timer schedules an event at the current time (allowed, it
 * comes after everything already queued at that time) and tries one a
 * nanosecond in the past (refused). */
static void test_loop_with_timers(void **state)
{
    (void)state;
    kr_queue q;
    kr_clock c;
    assert_int_equal(kr_queue_init(&q, 64), KR_OK);
    kr_clock_init_simulated(&c, KR_TS_NONE);

    kr_ts open = kr_ts_from_civil(2024, 6, 3, 9, 30, 0, 0);
    kr_ts ten = kr_ts_from_civil(2024, 6, 3, 10, 0, 0, 0);
    for (int i = 0; i < 60; i++) { /* 09:30 .. 10:29 */
        kr_event bar;
        memset(&bar, 0, sizeof bar);
        bar.ts = open + i * KR_NS_PER_MIN;
        bar.type = KR_EV_BAR;
        bar.u.bar.close = i;
        assert_int_equal(kr_queue_push(&q, &bar), KR_OK);
    }
    /* A heartbeat every 10 minutes from 09:30 through 10:30 inclusive. */
    kr_ts end = open + 60 * KR_NS_PER_MIN;
    assert_int_equal(
        kr_queue_timer_every(&q, open, 10 * KR_NS_PER_MIN, end, 1), KR_OK);

    int bars = 0, beats = 0, delayed = 0, echoes = 0;
    kr_event ev, prev;
    memset(&prev, 0, sizeof prev);
    while (kr_queue_pop(&q, &ev) == KR_OK) {
        assert_int_equal(kr_clock_advance_to(&c, ev.ts), KR_OK);
        assert_int_equal(kr_clock_now(&c), ev.ts);
        switch (ev.type) {
        case KR_EV_BAR:
            assert_int_equal(ev.ts, open + bars * KR_NS_PER_MIN);
            if (ev.ts >= ten)
                assert_int_equal(
                    kr_queue_timer_at(&q, kr_clock_now(&c) + 90 * KR_NS_PER_SEC,
                                      1000 + (uint64_t)bars),
                    KR_OK);
            bars++;
            break;
        case KR_EV_TIMER:
            if (ev.u.timer.id == 1) {
                assert_int_equal(ev.ts,
                                 open + beats * 10 * KR_NS_PER_MIN);
                assert_int_equal(ev.u.timer.count, (uint64_t)beats);
                beats++;
            } else {
                /* Bar k (from 10:00) fired its timer at bar time + 90 s,
                 * so timers come in bar order, each 90 s after. */
                uint64_t k = ev.u.timer.id - 1000;
                assert_int_equal(k, 30 + (uint64_t)delayed);
                assert_int_equal(ev.ts, open + (kr_ts)k * KR_NS_PER_MIN +
                                            90 * KR_NS_PER_SEC);
                delayed++;
            }
            {
                kr_event echo;
                memset(&echo, 0, sizeof echo);
                echo.type = KR_EV_CUSTOM;
                echo.ts = kr_clock_now(&c) - 1;
                assert_int_equal(kr_queue_push(&q, &echo), KR_ERANGE);
                echo.ts = kr_clock_now(&c);
                echo.u.ref.tag = ev.u.timer.id;
                assert_int_equal(kr_queue_push(&q, &echo), KR_OK);
            }
            break;
        case KR_EV_CUSTOM:
            /* Nothing else is due at a timer's time once the timer has
             * popped (bars at the same minute were pushed earlier and came
             * first), so each echo follows its own timer at once. */
            assert_int_equal(prev.type, KR_EV_TIMER);
            assert_int_equal(ev.u.ref.tag, prev.u.timer.id);
            assert_int_equal(ev.ts, prev.ts);
            echoes++;
            break;
        default:
            fail();
        }
        prev = ev;
    }
    assert_int_equal(bars, 60);
    assert_int_equal(beats, 7);    /* 09:30, 09:40, ..., 10:30 */
    assert_int_equal(delayed, 30); /* bars 10:00 .. 10:29 */
    assert_int_equal(echoes, 37);
    /* The clock ends at the last event: the 10:29 bar's timer, 10:30:30. */
    assert_int_equal(kr_clock_now(&c), end + 30 * KR_NS_PER_SEC);
    kr_queue_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulated),
        cmocka_unit_test(test_simulated_monotonic_random),
        cmocka_unit_test(test_wall),
        cmocka_unit_test(test_loop_with_timers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

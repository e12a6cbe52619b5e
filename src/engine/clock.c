/* clock.c -- the engine's clocks: simulated for backtests, wall for live.
 *
 * Code above the engine reads time only through a kr_clock, so a strategy
 * cannot tell a backtest from a live run by the clock it is handed. A clock
 * is an ops table and one timestamp, allocated by the caller and owning
 * nothing. The simulated clock is a variable: the loop advances it to each
 * event's timestamp before dispatching the event, and it refuses to go back
 * (KR_ERANGE), which together with the queue's floor means that no handler
 * ever sees time run backwards. The wall clock reads CLOCK_REALTIME and
 * keeps the largest value it has returned, so that a step back of the system
 * clock (an NTP correction) holds time still instead of reordering stamps;
 * it cannot be advanced.
 */
#include <time.h>

#include "kairos/engine.h"

/* ------------------------------------------------------------------------
 * Simulated clock
 * ------------------------------------------------------------------------ */

static kr_ts sim_now(kr_clock *c) { return c->now; }

static int sim_advance_to(kr_clock *c, kr_ts ts)
{
    if (ts == KR_TS_NONE)
        return KR_EINVAL;
    if (ts < c->now)
        return KR_ERANGE;
    c->now = ts;
    return KR_OK;
}

const kr_clock_ops kr_clock_simulated_ops = {
    .name = "simulated",
    .now = sim_now,
    .advance_to = sim_advance_to,
};

void kr_clock_init_simulated(kr_clock *c, kr_ts start)
{
    c->ops = &kr_clock_simulated_ops;
    c->now = start;
}

/* ------------------------------------------------------------------------
 * Wall clock
 * ------------------------------------------------------------------------ */

static kr_ts wall_now(kr_clock *c)
{
    struct timespec tp;
    if (clock_gettime(CLOCK_REALTIME, &tp) != 0)
        return c->now; /* cannot fail with CLOCK_REALTIME; hold still */
    kr_ts t = (kr_ts)tp.tv_sec * KR_NS_PER_SEC + (kr_ts)tp.tv_nsec;
    if (t > c->now)
        c->now = t;
    return c->now;
}

const kr_clock_ops kr_clock_wall_ops = {
    .name = "wall",
    .now = wall_now,
    .advance_to = NULL,
};

void kr_clock_init_wall(kr_clock *c)
{
    c->ops = &kr_clock_wall_ops;
    c->now = KR_TS_NONE;
}

/* ------------------------------------------------------------------------
 * Common
 * ------------------------------------------------------------------------ */

int kr_clock_advance_to(kr_clock *c, kr_ts ts)
{
    if (!c->ops->advance_to)
        return KR_EUNSUPPORTED;
    return c->ops->advance_to(c, ts);
}

/* test_states.c -- kr_strategy_states trades a given state sequence: an
 * order at each change, filled at the next bar's open, shorts only when
 * allowed, NaN keeping the state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "kairos/strategy.h"

#define DAY INT64_C(86400000000000)

static void run(const double *st, size_t n, int shorts, kr_backtest *bt)
{
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, n, 0), KR_OK);
    /* Opens 100, 101, 102, ...; closes 100.5, 101.5, ... */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kr_bars_push(&b, (int64_t)i * DAY, 100.0 + (double)i,
                                      101.0 + (double)i, 99.0 + (double)i,
                                      100.5 + (double)i, 1000, 0, 0),
                         KR_OK);
    kr_instrument inst;
    assert_int_equal(kr_instrument_init(&inst, 0, 2, 0), KR_OK);
    kr_backtest_input in = {&b, &inst, NULL, 1};
    const double *const states[] = {st};
    const size_t ns[] = {n};
    kr_sizing sz;
    assert_int_equal(kr_sizing_parse("qty:10", &sz, "size", NULL), KR_OK);
    kr_strategy s;
    assert_int_equal(kr_strategy_states(states, ns, 1, &sz, shorts, &s, NULL),
                     KR_OK);
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.allow_short = shorts;
    cfg.check_ledger = 1;
    kr_backtest_init(bt);
    assert_int_equal(kr_backtest_run(bt, &cfg, &in, &s, NULL), KR_OK);
    kr_strategy_destroy(&s);
    kr_bars_free(&b);
}

static void test_follows_states(void **state)
{
    (void)state;
    /* Bars 0..7: flat, flat, long, long (NaN keeps it), flat, short, short,
     * long. Long only: buy 10 at bar 3's open (103), sell at bar 5's open
     * (105), the short is flat, buy again at bar 8's open... there is no
     * bar 8: the last order stays unfilled. */
    const double st[] = {0, 0, 1, NAN, 0, -1, -1, 1};
    kr_backtest bt;
    run(st, 8, 0, &bt);
    assert_int_equal(bt.nfills, 2);
    assert_int_equal(bt.fills[0].side, KR_BUY);
    assert_int_equal(bt.fills[0].price, 10300);
    assert_int_equal(bt.fills[0].qty, 10);
    assert_int_equal(bt.fills[1].side, KR_SELL);
    assert_int_equal(bt.fills[1].price, 10500);
    assert_int_equal(bt.norders, 3);
    assert_int_equal(bt.orders[2].status, KR_ORDER_ACCEPTED);
    kr_backtest_free(&bt);
    /* With shorts: the same, then sell 10 at bar 6's open (106) to go
     * short. */
    run(st, 8, 1, &bt);
    assert_int_equal(bt.nfills, 3);
    assert_int_equal(bt.fills[2].side, KR_SELL);
    assert_int_equal(bt.fills[2].price, 10600);
    assert_int_equal(bt.pf.pos[0].qty, -10);
    kr_backtest_free(&bt);
}

static void test_bad(void **state)
{
    (void)state;
    kr_strategy s;
    kr_error err;
    assert_int_equal(kr_strategy_states(NULL, NULL, 1, NULL, 0, &s, &err),
                     KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follows_states),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

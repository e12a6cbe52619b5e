/* test_portfolio.c -- tests of src/oms/portfolio.c: positions and the ledger.
 *
 * Known answers are worked by hand in the comments beside them, in dollars
 * and cents: a long round trip, a short round trip, reversals through zero in
 * one fill, partial closes whose released basis has to be rounded, costs and
 * rebates, a futures contract with a multiplier. Then volume: a million fills
 * of 0.1 at 1.1, bought and sold back, that must leave the cash exactly where
 * it was; and a million random fills over four unlike instruments (fixed
 * seed), after each of which the ledger identity is checked from scratch and
 * the cash is compared with a sum kept by the test itself.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/oms.h"

#define USD(d, c) ((int64_t)(d) * 100 + (c)) /* money at precision 2 */

static kr_portfolio pf;

/* A stock: prices to the cent, whole shares, symbol 0. */
static void setup_stock(int64_t initial)
{
    kr_instrument in;
    assert_int_equal(kr_instrument_init(&in, 0, 2, 0), KR_OK);
    assert_int_equal(kr_portfolio_init(&pf, 2, initial), KR_OK);
    assert_int_equal(kr_portfolio_add(&pf, &in), KR_OK);
}

static int teardown(void **state)
{
    (void)state;
    kr_portfolio_free(&pf);
    return 0;
}

static void book(uint32_t sym, int side, int64_t qty, int64_t px,
                 int64_t commission, int64_t fees)
{
    kr_fill f = {.order_id = 1, .symbol = sym, .side = side, .qty = qty,
                 .price = px, .commission = commission, .fees = fees};
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_OK);
    assert_int_equal(kr_portfolio_check(&pf), KR_OK);
}

static kr_valuation mark1(int64_t px)
{
    kr_valuation v;
    assert_int_equal(kr_portfolio_mark(&pf, &px, 1, &v), KR_OK);
    assert_int_equal(kr_portfolio_check(&pf), KR_OK);
    return v;
}

static void test_long_round_trip(void **state)
{
    (void)state;
    setup_stock(USD(10000, 0));
    /* Buy 100 at 10.00, commission 1.00: cash 10000 - 1000 - 1 = 8999. */
    book(0, KR_BUY, 100, 1000, USD(1, 0), 0);
    const kr_position *pos = kr_portfolio_position(&pf, 0);
    assert_non_null(pos);
    assert_int_equal(pos->qty, 100);
    assert_int_equal(pos->cost, USD(1000, 0));
    assert_int_equal(pf.cash, USD(8999, 0));
    assert_float_equal(kr_position_avg_px(pos, 2), 10.0, 1e-12);
    /* Marked at 10.50: worth 1050, up 50; equity 8999 + 1050. */
    kr_valuation v = mark1(1050);
    assert_int_equal(v.equity, USD(10049, 0));
    assert_int_equal(v.unrealized, USD(50, 0));
    assert_int_equal(v.realized, 0);
    assert_int_equal(v.costs, USD(1, 0));
    assert_int_equal(v.gross, USD(1050, 0));
    assert_int_equal(v.net, USD(1050, 0));
    /* Sell 100 at 11.00, commission 1.00: realized 100, cash 10098. */
    book(0, KR_SELL, 100, 1100, USD(1, 0), 0);
    assert_int_equal(pos->qty, 0);
    assert_int_equal(pos->cost, 0);
    assert_int_equal(pos->realized, USD(100, 0));
    assert_int_equal(pos->commission, USD(2, 0));
    assert_true(isnan(kr_position_avg_px(pos, 2)));
    v = mark1(1200); /* a flat position is worth nothing at any price */
    assert_int_equal(v.cash, USD(10098, 0));
    assert_int_equal(v.equity, USD(10098, 0));
    assert_int_equal(v.realized, USD(100, 0));
    assert_int_equal(v.unrealized, 0);
    assert_int_equal(v.gross, 0);
}

static void test_short_round_trip(void **state)
{
    (void)state;
    setup_stock(USD(10000, 0));
    /* Sell short 50 at 20.00, commission 0.50: cash 10999.50. */
    book(0, KR_SELL, 50, 2000, 50, 0);
    const kr_position *pos = kr_portfolio_position(&pf, 0);
    assert_int_equal(pos->qty, -50);
    assert_int_equal(pos->cost, -USD(1000, 0));
    assert_int_equal(pf.cash, USD(10999, 50));
    assert_float_equal(kr_position_avg_px(pos, 2), 20.0, 1e-12);
    /* Marked at 19.00: owes 950, up 50; equity 10999.50 - 950. */
    kr_valuation v = mark1(1900);
    assert_int_equal(v.equity, USD(10049, 50));
    assert_int_equal(v.unrealized, USD(50, 0));
    assert_int_equal(v.gross, USD(950, 0));
    assert_int_equal(v.net, -USD(950, 0));
    /* Cover at 18.00, commission 0.50: realized 100, cash 10099. */
    book(0, KR_BUY, 50, 1800, 50, 0);
    assert_int_equal(pos->qty, 0);
    assert_int_equal(pos->realized, USD(100, 0));
    v = mark1(1800);
    assert_int_equal(v.cash, USD(10099, 0));
    assert_int_equal(v.equity, USD(10099, 0));
    assert_int_equal(v.costs, USD(1, 0));
}

static void test_reversal(void **state)
{
    (void)state;
    setup_stock(USD(10000, 0));
    book(0, KR_BUY, 100, 1000, 0, 0);
    /* Sell 150 at 12.00: closes 100 (realized 1200 - 1000 = 200) and opens
     * 50 short at 12.00 (basis -600); cash 10000 - 1000 + 1800. */
    book(0, KR_SELL, 150, 1200, 0, 0);
    const kr_position *pos = kr_portfolio_position(&pf, 0);
    assert_int_equal(pos->qty, -50);
    assert_int_equal(pos->cost, -USD(600, 0));
    assert_int_equal(pos->realized, USD(200, 0));
    assert_int_equal(pf.cash, USD(10800, 0));
    assert_float_equal(kr_position_avg_px(pos, 2), 12.0, 1e-12);
    kr_valuation v = mark1(1200);
    assert_int_equal(v.equity, USD(10200, 0));
    assert_int_equal(v.unrealized, 0);
    /* Buy 80 at 11.00: covers 50 (realized 600 - 550 = 50) and opens 30
     * long at 11.00; cash 10800 - 880. */
    book(0, KR_BUY, 80, 1100, 0, 0);
    assert_int_equal(pos->qty, 30);
    assert_int_equal(pos->cost, USD(330, 0));
    assert_int_equal(pos->realized, USD(250, 0));
    assert_int_equal(pf.cash, USD(9920, 0));
    v = mark1(1100);
    assert_int_equal(v.equity, USD(10250, 0));
    /* Exactly to flat, then through zero from flat is just an open. */
    book(0, KR_SELL, 30, 1100, 0, 0);
    assert_int_equal(pos->qty, 0);
    assert_int_equal(pos->cost, 0);
    book(0, KR_SELL, 10, 1000, 0, 0);
    assert_int_equal(pos->qty, -10);
    assert_int_equal(pos->realized, USD(250, 0));
}

static void test_partial_close_rounding(void **state)
{
    (void)state;
    setup_stock(USD(10000, 0));
    /* Buy 1 at 10.00 and 2 at 10.01: basis 30.02 for 3 shares. */
    book(0, KR_BUY, 1, 1000, 0, 0);
    book(0, KR_BUY, 2, 1001, 0, 0);
    const kr_position *pos = kr_portfolio_position(&pf, 0);
    assert_int_equal(pos->cost, 3002);
    assert_float_equal(kr_position_avg_px(pos, 2), 30.02 / 3, 1e-12);
    /* Sell 1 at 10.00: releases 30.02 / 3 = 10.0067 -> 10.01, realized
     * -0.01; 20.01 of basis stays for 2 shares. */
    book(0, KR_SELL, 1, 1000, 0, 0);
    assert_int_equal(pos->qty, 2);
    assert_int_equal(pos->cost, 2001);
    assert_int_equal(pos->realized, -1);
    /* Sell the last 2 at 10.00: releases all 20.01, realized -0.01 more.
     * In total 30.02 paid, 30.00 received: -0.02, to the cent. */
    book(0, KR_SELL, 2, 1000, 0, 0);
    assert_int_equal(pos->qty, 0);
    assert_int_equal(pos->cost, 0);
    assert_int_equal(pos->realized, -2);
    assert_int_equal(pf.cash, USD(10000, 0) - 2);
}

static void test_costs_and_rebates(void **state)
{
    (void)state;
    setup_stock(USD(10000, 0));
    /* Commission 1.25 and fees 0.03, then a 0.10 rebate with 0.03 fees. */
    book(0, KR_BUY, 10, 1000, 125, 3);
    book(0, KR_SELL, 10, 1000, -10, 3);
    const kr_position *pos = kr_portfolio_position(&pf, 0);
    assert_int_equal(pos->commission, 115);
    assert_int_equal(pos->fees, 6);
    assert_int_equal(pos->realized, 0);
    kr_valuation v;
    assert_int_equal(kr_portfolio_value(&pf, &v), KR_OK);
    assert_int_equal(v.costs, 121);
    assert_int_equal(v.cash, USD(10000, 0) - 121);
    assert_int_equal(v.equity, USD(10000, 0) - 121);
}

static void test_futures_multiplier(void **state)
{
    (void)state;
    kr_instrument es, cl;
    assert_int_equal(kr_portfolio_init(&pf, 2, USD(1000000, 0)), KR_OK);
    assert_int_equal(kr_instrument_init(&es, 4, 2, 0), KR_OK);
    es.multiplier = 50;
    assert_int_equal(kr_instrument_init(&cl, 1, 2, 0), KR_OK);
    cl.multiplier = 1000;
    assert_int_equal(kr_portfolio_add(&pf, &es), KR_OK);
    assert_int_equal(kr_portfolio_add(&pf, &cl), KR_OK);
    assert_int_equal(kr_portfolio_add(&pf, &es), KR_EINVAL); /* twice */
    assert_null(kr_portfolio_position(&pf, 0));
    assert_null(kr_portfolio_position(&pf, 99));
    /* 2 ES at 4500.25 x 50 = 450025.00; 3 CL short at 71.37 x 1000. */
    book(4, KR_BUY, 2, 450025, 470, 0);
    book(1, KR_SELL, 3, 7137, 300, 0);
    assert_int_equal(pf.cash,
                     USD(1000000, 0) - USD(450025, 0) + USD(214110, 0) - 770);
    int64_t marks[5] = {KR_PX_NONE, 7037, KR_PX_NONE, KR_PX_NONE, 451000};
    kr_valuation v;
    assert_int_equal(kr_portfolio_mark(&pf, marks, 5, &v), KR_OK);
    /* ES up 9.75 x 2 x 50 = 975; CL down 1.00 x 3 x 1000 = 3000 for us. */
    assert_int_equal(v.unrealized, USD(975, 0) + USD(3000, 0));
    assert_int_equal(v.gross, USD(451000, 0) + USD(211110, 0));
    assert_int_equal(v.net, USD(451000, 0) - USD(211110, 0));
    assert_int_equal(v.equity, v.cash + v.net);
    assert_int_equal(v.equity, USD(1000000, 0) + USD(3975, 0) - 770);
    assert_float_equal(kr_position_avg_px(kr_portfolio_position(&pf, 4), 2),
                       4500.25, 1e-9);
    /* Marks stick: valuing again without prices gives the same. */
    kr_valuation again;
    assert_int_equal(kr_portfolio_mark(&pf, NULL, 0, &again), KR_OK);
    assert_memory_equal(&v, &again, sizeof v);
    assert_int_equal(kr_portfolio_check(&pf), KR_OK);
}

static void test_errors_leave_it_untouched(void **state)
{
    (void)state;
    setup_stock(USD(10000, 0));
    book(0, KR_BUY, 10, 1000, 0, 0);
    kr_portfolio before;
    kr_position pos_before;
    memcpy(&before, &pf, sizeof pf);
    memcpy(&pos_before, kr_portfolio_position(&pf, 0), sizeof pos_before);
    kr_fill f = {.symbol = 0, .side = KR_BUY, .qty = 1, .price = 1000};

    f.symbol = 1;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_ENOENT);
    f.symbol = 0;
    f.qty = 0;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_EINVAL);
    f.qty = -1;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_EINVAL);
    f.qty = 1;
    f.side = 0;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_EINVAL);
    f.side = KR_SELL;
    f.price = KR_PX_NONE;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_EINVAL);
    /* A notional past int64. */
    f.price = INT64_MAX;
    f.qty = 1000;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_ERANGE);
    /* Cash past int64 through the commission alone. */
    f.price = 1000;
    f.qty = 1;
    f.commission = -INT64_MAX;
    assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_ERANGE);
    assert_int_equal(kr_portfolio_apply_fill(&pf, NULL), KR_EINVAL);
    assert_memory_equal(&pf, &before, sizeof pf);
    assert_memory_equal(kr_portfolio_position(&pf, 0), &pos_before,
                        sizeof pos_before);

    /* A mark that overflows changes no mark. */
    int64_t huge = INT64_MAX;
    assert_int_equal(kr_portfolio_mark(&pf, &huge, 1, NULL), KR_ERANGE);
    assert_int_equal(kr_portfolio_position(&pf, 0)->last_px, 1000);
    assert_int_equal(kr_portfolio_mark(&pf, NULL, 1, NULL), KR_EINVAL);

    kr_instrument bad;
    assert_int_equal(kr_instrument_init(&bad, 2, 2, 0), KR_OK);
    bad.multiplier = 0;
    assert_int_equal(kr_portfolio_add(&pf, &bad), KR_EINVAL);
    kr_portfolio other;
    assert_int_equal(kr_portfolio_init(&other, 10, 0), KR_EINVAL);
    kr_portfolio_free(&other);
    kr_portfolio_free(NULL);
}

/* A million buys of 0.1 at 1.1, then a million sells: every notional is
 * exactly 0.11 and the cash comes back to the cent. */
static void test_million_fills_reconcile(void **state)
{
    (void)state;
    kr_instrument in;
    assert_int_equal(kr_instrument_init(&in, 0, 1, 1), KR_OK);
    assert_int_equal(kr_portfolio_init(&pf, 2, USD(200000, 0)), KR_OK);
    assert_int_equal(kr_portfolio_add(&pf, &in), KR_OK);
    kr_fill f = {.symbol = 0, .side = KR_BUY, .qty = 1, .price = 11};
    for (int i = 0; i < 1000000; i++)
        assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_OK);
    assert_int_equal(pf.cash, USD(200000, 0) - USD(110000, 0));
    assert_int_equal(kr_portfolio_position(&pf, 0)->qty, 1000000);
    kr_valuation v;
    assert_int_equal(kr_portfolio_value(&pf, &v), KR_OK);
    assert_int_equal(v.equity, USD(200000, 0));
    f.side = KR_SELL;
    for (int i = 0; i < 1000000; i++)
        assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_OK);
    assert_int_equal(pf.cash, USD(200000, 0));
    assert_int_equal(pf.realized, 0);
    assert_int_equal(kr_portfolio_position(&pf, 0)->cost, 0);
    assert_int_equal(kr_portfolio_check(&pf), KR_OK);
}

static uint64_t rng;

static uint64_t next(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 17;
}

/* A million random fills over four unlike instruments; the ledger is
 * checked after every one, and the cash against the test's own sum. */
static void test_random_ledger(void **state)
{
    (void)state;
    enum { NSYM = 4 };
    kr_instrument ins[NSYM];
    int64_t px[NSYM] = {15000, 3000000, 450000, 108500}; /* raw */
    assert_int_equal(kr_instrument_init(&ins[0], 0, 2, 0), KR_OK); /* stock */
    ins[0].lot_size = 1;
    assert_int_equal(kr_instrument_init(&ins[1], 1, 2, 4), KR_OK); /* coin */
    assert_int_equal(kr_instrument_init(&ins[2], 2, 2, 0), KR_OK); /* ES */
    ins[2].multiplier = 50;
    assert_int_equal(kr_instrument_init(&ins[3], 3, 5, 0), KR_OK); /* FX */
    assert_int_equal(kr_portfolio_init(&pf, 2, USD(1000000, 0)), KR_OK);
    for (int i = NSYM - 1; i >= 0; i--) /* out of order: the array grows */
        assert_int_equal(kr_portfolio_add(&pf, &ins[i]), KR_OK);

    rng = 20240601;
    int64_t cash = pf.cash, reversals = 0;
    for (int i = 0; i < 1000000; i++) {
        int s = (int)(next() % NSYM);
        px[s] += (int64_t)(next() % 201) - 100; /* a random walk */
        if (px[s] < 100)
            px[s] = 100;
        const kr_position *pos = kr_portfolio_position(&pf, (uint32_t)s);
        kr_fill f = {.order_id = (uint64_t)i + 1, .symbol = (uint32_t)s};
        f.side = next() & 1 ? KR_BUY : KR_SELL;
        f.qty = (int64_t)(next() % (s == 1 ? 50000 : 20)) + 1;
        if (next() % 16 == 0 && pos->qty != 0) { /* close or go through */
            f.side = pos->qty > 0 ? KR_SELL : KR_BUY;
            f.qty = (pos->qty < 0 ? -pos->qty : pos->qty) +
                    (int64_t)(next() % 3);
        }
        f.price = px[s];
        f.commission = (int64_t)(next() % 200) - 20;
        f.fees = (int64_t)(next() % 5);
        int64_t n;
        assert_int_equal(kr_notional(&ins[s], f.price, f.qty, 2, &n), KR_OK);
        int64_t q0 = pos->qty;
        assert_int_equal(kr_portfolio_apply_fill(&pf, &f), KR_OK);
        if ((q0 > 0 && pos->qty < 0) || (q0 < 0 && pos->qty > 0))
            reversals++;
        cash += -f.side * n - f.commission - f.fees;
        assert_int_equal(pf.cash, cash);
        assert_int_equal(kr_portfolio_check(&pf), KR_OK);
        if (i % 1000 == 999) {
            kr_valuation v;
            assert_int_equal(kr_portfolio_mark(&pf, px, NSYM, &v), KR_OK);
            assert_int_equal(v.equity - pf.initial_cash,
                             v.realized + v.unrealized - v.costs);
        }
    }
    assert_true(reversals > 1000);

    /* Flatten everything at the last prices: equity is then cash, and
     * cash - initial is exactly realized - costs. */
    for (int s = 0; s < NSYM; s++) {
        const kr_position *pos = kr_portfolio_position(&pf, (uint32_t)s);
        if (pos->qty != 0)
            book((uint32_t)s, pos->qty > 0 ? KR_SELL : KR_BUY,
                 pos->qty > 0 ? pos->qty : -pos->qty, px[s], 0, 0);
    }
    kr_valuation v;
    assert_int_equal(kr_portfolio_mark(&pf, px, NSYM, &v), KR_OK);
    assert_int_equal(v.gross, 0);
    assert_int_equal(v.unrealized, 0);
    assert_int_equal(v.equity, v.cash);
    assert_int_equal(v.cash - pf.initial_cash, v.realized - v.costs);
    assert_int_equal(pf.basis, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_long_round_trip, teardown),
        cmocka_unit_test_teardown(test_short_round_trip, teardown),
        cmocka_unit_test_teardown(test_reversal, teardown),
        cmocka_unit_test_teardown(test_partial_close_rounding, teardown),
        cmocka_unit_test_teardown(test_costs_and_rebates, teardown),
        cmocka_unit_test_teardown(test_futures_multiplier, teardown),
        cmocka_unit_test_teardown(test_errors_leave_it_untouched, teardown),
        cmocka_unit_test_teardown(test_million_fills_reconcile, teardown),
        cmocka_unit_test_teardown(test_random_ledger, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

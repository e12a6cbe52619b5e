/* test_fillmodel.c -- tests of src/oms/fillmodel.c: the simulated exchange's
 * fill, slippage, commission and volume-cap models.
 *
 * Every answer is worked by hand. The instrument has prices to 0.01 and
 * whole shares, money is in cents. The reference bar is
 * O 100.00 H 102.00 L 99.00 C 101.00; a gap-down bar opens at 97.00 and a
 * gap-up bar at 104.00, so orders resting between them are gapped through.
 * The intrabar path is open, adverse extreme, favourable extreme, close.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/oms.h"

#define NONE KR_PX_NONE

static const kr_fill_bar BAR = {10000, 10200, 9900, 10100, 50000};
static const kr_fill_bar GAP_DOWN = {9700, 9800, 9600, 9750, 50000};
static const kr_fill_bar GAP_UP = {10400, 10500, 10300, 10450, 50000};
/* Gaps up through 101.00, then comes back down to 100.00. */
static const kr_fill_bar GAP_UP_BACK = {10400, 10500, 10000, 10200, 50000};

static kr_instrument stock(int64_t lot)
{
    kr_instrument inst;
    assert_int_equal(kr_instrument_init(&inst, 0, 2, 0), KR_OK);
    inst.lot_size = lot;
    return inst;
}

static kr_order order(int side, int type, int64_t limit, int64_t stop)
{
    kr_instrument inst = stock(0);
    kr_order_params p = {.id = 1, .side = side, .type = type,
                         .tif = KR_TIF_GTC, .qty = 100, .limit_px = limit,
                         .stop_px = stop, .ts = 0};
    kr_order o;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    return o;
}

/* The fill price of `o` in `bar` under `rule`, or NONE if it does not
 * fill. */
static int64_t fill(const kr_order *o, const kr_fill_bar *bar, int rule)
{
    int filled = -1;
    int64_t px = 12345;
    assert_int_equal(kr_fill_price_for_bar(o, bar, rule, &filled, &px), KR_OK);
    assert_true(filled == 0 || filled == 1);
    assert_true(filled ? px != NONE : px == NONE);
    return px;
}

/* A non-market order ignores the rule: the same answer under all three. */
static int64_t fill_any(const kr_order *o, const kr_fill_bar *bar)
{
    int64_t px = fill(o, bar, KR_FILL_NEXT_OPEN);
    assert_int_equal(fill(o, bar, KR_FILL_NEXT_CLOSE), px);
    assert_int_equal(fill(o, bar, KR_FILL_CLOSE), px);
    return px;
}

static void test_market(void **state)
{
    (void)state;
    for (int side = -1; side <= 1; side += 2) {
        kr_order o = order(side, KR_ORDER_MARKET, NONE, NONE);
        assert_int_equal(fill(&o, &BAR, KR_FILL_NEXT_OPEN), 10000);
        assert_int_equal(fill(&o, &BAR, KR_FILL_NEXT_CLOSE), 10100);
        assert_int_equal(fill(&o, &BAR, KR_FILL_CLOSE), 10100);
        assert_int_equal(fill(&o, &GAP_UP, KR_FILL_NEXT_OPEN), 10400);
    }
}

static void test_limit(void **state)
{
    (void)state;
    kr_order o = order(KR_BUY, KR_ORDER_LIMIT, 9950, NONE);
    assert_int_equal(fill_any(&o, &BAR), 9950);      /* low 99 reaches it */
    assert_int_equal(fill_any(&o, &GAP_DOWN), 9700); /* gap: the open */
    assert_int_equal(fill_any(&o, &GAP_UP), NONE);
    o = order(KR_BUY, KR_ORDER_LIMIT, 9900, NONE);
    assert_int_equal(fill_any(&o, &BAR), 9900); /* touching is enough */
    o = order(KR_BUY, KR_ORDER_LIMIT, 9800, NONE);
    assert_int_equal(fill_any(&o, &BAR), NONE);
    o = order(KR_BUY, KR_ORDER_LIMIT, 10150, NONE); /* above the open */
    assert_int_equal(fill_any(&o, &BAR), 10000);

    o = order(KR_SELL, KR_ORDER_LIMIT, 10150, NONE);
    assert_int_equal(fill_any(&o, &BAR), 10150);
    assert_int_equal(fill_any(&o, &GAP_UP), 10400); /* gap: the open */
    assert_int_equal(fill_any(&o, &GAP_DOWN), NONE);
    o = order(KR_SELL, KR_ORDER_LIMIT, 10300, NONE);
    assert_int_equal(fill_any(&o, &BAR), NONE);
    o = order(KR_SELL, KR_ORDER_LIMIT, 9950, NONE); /* below the open */
    assert_int_equal(fill_any(&o, &BAR), 10000);
}

static void test_stop(void **state)
{
    (void)state;
    kr_order o = order(KR_BUY, KR_ORDER_STOP, NONE, 10100);
    assert_int_equal(fill_any(&o, &BAR), 10100);
    assert_int_equal(fill_any(&o, &GAP_UP), 10400); /* gap: worse, the open */
    assert_int_equal(fill_any(&o, &GAP_DOWN), NONE);
    o = order(KR_BUY, KR_ORDER_STOP, NONE, 10200);
    assert_int_equal(fill_any(&o, &BAR), 10200); /* the high touches it */
    o = order(KR_BUY, KR_ORDER_STOP, NONE, 10300);
    assert_int_equal(fill_any(&o, &BAR), NONE);

    o = order(KR_SELL, KR_ORDER_STOP, NONE, 9950);
    assert_int_equal(fill_any(&o, &BAR), 9950);
    assert_int_equal(fill_any(&o, &GAP_DOWN), 9700); /* gap: the open */
    assert_int_equal(fill_any(&o, &GAP_UP), NONE);
    o = order(KR_SELL, KR_ORDER_STOP, NONE, 9800);
    assert_int_equal(fill_any(&o, &BAR), NONE);
}

static void test_stop_limit(void **state)
{
    (void)state;
    /* Buy stop 101.00 limit 101.50: triggers at 101.00, marketable. */
    kr_order o = order(KR_BUY, KR_ORDER_STOP_LIMIT, 10150, 10100);
    assert_int_equal(fill_any(&o, &BAR), 10100);
    /* Gap to 104.00: triggers, but the bar never comes back to 101.50. */
    assert_int_equal(fill_any(&o, &GAP_UP), NONE);
    /* Gap to 104.00, then down to 100.00: fills at the limit. */
    assert_int_equal(fill_any(&o, &GAP_UP_BACK), 10150);
    assert_int_equal(fill_any(&o, &GAP_DOWN), NONE); /* never triggers */
    /* Limit below the stop: triggers at 101.00, the low 99.00 then
     * reaches 99.50. */
    o = order(KR_BUY, KR_ORDER_STOP_LIMIT, 9950, 10100);
    assert_int_equal(fill_any(&o, &BAR), 9950);
    o = order(KR_BUY, KR_ORDER_STOP_LIMIT, 9850, 10100);
    assert_int_equal(fill_any(&o, &BAR), NONE); /* triggers, cannot fill */

    /* Sell stop 99.50 limit 99.00. */
    o = order(KR_SELL, KR_ORDER_STOP_LIMIT, 9900, 9950);
    assert_int_equal(fill_any(&o, &BAR), 9950);
    assert_int_equal(fill_any(&o, &GAP_DOWN), NONE); /* high 98 < 99 */
    assert_int_equal(fill_any(&o, &GAP_UP), NONE);   /* never triggers */
    o = order(KR_SELL, KR_ORDER_STOP_LIMIT, 9700, 9950);
    assert_int_equal(fill_any(&o, &GAP_DOWN), 9700); /* gap, open = limit */
    o = order(KR_SELL, KR_ORDER_STOP_LIMIT, 10150, 9950);
    assert_int_equal(fill_any(&o, &BAR), 10150); /* limit above the stop */
}

static void test_fill_errors(void **state)
{
    (void)state;
    kr_order o = order(KR_BUY, KR_ORDER_MARKET, NONE, NONE);
    int filled = 7;
    int64_t px = 7;
    kr_fill_bar bad = {10000, 9900, 10200, 10100, 0}; /* high < low */
    assert_int_equal(kr_fill_price_for_bar(&o, &bad, 0, &filled, &px),
                     KR_EINVAL);
    bad = (kr_fill_bar){10300, 10200, 9900, 10100, 0}; /* open > high */
    assert_int_equal(kr_fill_price_for_bar(&o, &bad, 0, &filled, &px),
                     KR_EINVAL);
    bad = (kr_fill_bar){10000, 10200, 9900, 10100, -1};
    assert_int_equal(kr_fill_price_for_bar(&o, &bad, 0, &filled, &px),
                     KR_EINVAL);
    assert_int_equal(kr_fill_price_for_bar(&o, &BAR, 3, &filled, &px),
                     KR_EINVAL);
    assert_int_equal(kr_fill_price_for_bar(&o, &BAR, -1, &filled, &px),
                     KR_EINVAL);
    assert_int_equal(kr_fill_price_for_bar(NULL, &BAR, 0, &filled, &px),
                     KR_EINVAL);
    assert_int_equal(kr_fill_price_for_bar(&o, &BAR, 0, NULL, &px),
                     KR_EINVAL);
    kr_order_event ev = {.type = KR_OEV_CANCEL, .ts = 0};
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_int_equal(kr_fill_price_for_bar(&o, &BAR, 0, &filled, &px),
                     KR_EINVAL); /* terminal */
    assert_int_equal(filled, 7);
    assert_int_equal(px, 7);
}

static int64_t slip_bps(int side, int64_t price, double bps)
{
    kr_instrument inst = stock(0);
    int64_t out = -1;
    assert_int_equal(kr_slip_fixed_bps(&inst, side, price, bps, &out), KR_OK);
    return out;
}

static void test_slip_fixed_bps(void **state)
{
    (void)state;
    assert_int_equal(slip_bps(KR_BUY, 10000, 5), 10005);
    assert_int_equal(slip_bps(KR_SELL, 10000, 5), 9995);
    /* 123.45 x 10 bp = 0.12345: a whole tick more, 0.13. */
    assert_int_equal(slip_bps(KR_BUY, 12345, 10), 12358);
    assert_int_equal(slip_bps(KR_SELL, 12345, 10), 12332);
    /* 2.5 bp of 100.00 is 0.025: 0.03 against the trader. */
    assert_int_equal(slip_bps(KR_BUY, 10000, 2.5), 10003);
    assert_int_equal(slip_bps(KR_SELL, 10000, 2.5), 9997);
    assert_int_equal(slip_bps(KR_BUY, 10000, 0), 10000);

    kr_instrument inst = stock(0);
    int64_t out = 99;
    assert_int_equal(kr_slip_fixed_bps(&inst, KR_BUY, 10000, -1, &out),
                     KR_EINVAL);
    assert_int_equal(kr_slip_fixed_bps(&inst, KR_BUY, 10000, 1e4, &out),
                     KR_EINVAL);
    assert_int_equal(kr_slip_fixed_bps(&inst, 0, 10000, 1, &out), KR_EINVAL);
    assert_int_equal(kr_slip_fixed_bps(&inst, KR_BUY, NONE, 1, &out),
                     KR_EINVAL);
    assert_int_equal(kr_slip_fixed_bps(&inst, KR_BUY, INT64_MAX, 1, &out),
                     KR_ERANGE);
    assert_int_equal(out, 99);
}

static void test_slip_spread(void **state)
{
    (void)state;
    kr_instrument inst = stock(0);
    int64_t out = -1, spread = -1;
    /* Half of a 0.05 spread is 0.025: 0.03 against the trader. */
    assert_int_equal(kr_slip_spread(&inst, KR_BUY, 10000, 5, 0.5, &out),
                     KR_OK);
    assert_int_equal(out, 10003);
    assert_int_equal(kr_slip_spread(&inst, KR_SELL, 10000, 5, 0.5, &out),
                     KR_OK);
    assert_int_equal(out, 9997);
    assert_int_equal(kr_slip_spread(&inst, KR_BUY, 10000, 4, 0.5, &out),
                     KR_OK);
    assert_int_equal(out, 10002);
    assert_int_equal(kr_slip_spread(&inst, KR_SELL, 10000, 4, 1.0, &out),
                     KR_OK);
    assert_int_equal(out, 9996);

    /* Estimated from the bar: range 3.00 x 0.1 = 0.30. */
    assert_int_equal(kr_spread_from_bar(&BAR, 0.1, &spread), KR_OK);
    assert_int_equal(spread, 30);
    assert_int_equal(kr_spread_from_bar(&BAR, 0.25, &spread), KR_OK);
    assert_int_equal(spread, 75);
    assert_int_equal(kr_spread_from_bar(&BAR, 0.1, &spread), KR_OK);
    assert_int_equal(kr_slip_spread(&inst, KR_BUY, 10000, spread, 0.5, &out),
                     KR_OK);
    assert_int_equal(out, 10015);
    /* Half to even: 0.05 x 0.5 = 0.025 -> 0.02; 0.07 x 0.5 -> 0.04. */
    kr_fill_bar b = {10000, 10005, 10000, 10000, 0};
    assert_int_equal(kr_spread_from_bar(&b, 0.5, &spread), KR_OK);
    assert_int_equal(spread, 2);
    b.high = 10007;
    assert_int_equal(kr_spread_from_bar(&b, 0.5, &spread), KR_OK);
    assert_int_equal(spread, 4);

    out = 99;
    assert_int_equal(kr_slip_spread(&inst, KR_BUY, 10000, -1, 0.5, &out),
                     KR_EINVAL);
    assert_int_equal(kr_slip_spread(&inst, KR_BUY, 10000, 5, 1.5, &out),
                     KR_EINVAL);
    assert_int_equal(kr_spread_from_bar(&BAR, -0.1, &out), KR_EINVAL);
    assert_int_equal(out, 99);
}

static void test_slip_sqrt_impact(void **state)
{
    (void)state;
    kr_instrument inst = stock(0);
    int64_t out = -1;
    /* 100.50 x 0.5 x 0.03 x sqrt(250 / 10000) = 0.23835...: 0.24. */
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_BUY, 10050, 250, 10000,
                                         0.5, 0.03, &out),
                     KR_OK);
    assert_int_equal(out, 10074);
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_SELL, 10050, 250, 10000,
                                         0.5, 0.03, &out),
                     KR_OK);
    assert_int_equal(out, 10026);
    /* 100.00 x 1 x 0.02 x sqrt(0.01) = 0.20 exactly: no extra tick for the
     * doubles' representation error. */
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_BUY, 10000, 100, 10000,
                                         1, 0.02, &out),
                     KR_OK);
    assert_int_equal(out, 10020);
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_SELL, 10000, 100, 10000,
                                         1, 0.02, &out),
                     KR_OK);
    assert_int_equal(out, 9980);
    out = 99;
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_BUY, 10000, 100, 0, 1,
                                         0.02, &out),
                     KR_EINVAL);
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_BUY, 10000, 0, 100, 1,
                                         0.02, &out),
                     KR_EINVAL);
    assert_int_equal(kr_slip_sqrt_impact(&inst, KR_BUY, 10000, 1, 100, -1,
                                         0.02, &out),
                     KR_EINVAL);
    assert_int_equal(out, 99);
}

static int64_t per_share(const kr_instrument *inst, int64_t qty, double rate,
                         int64_t minimum)
{
    int64_t out = -1;
    assert_int_equal(
        kr_commission_per_share(inst, qty, rate, minimum, 2, &out), KR_OK);
    return out;
}

static void test_commission_per_share(void **state)
{
    (void)state;
    kr_instrument inst = stock(0);
    /* 0.005 a share, at least 1.00. */
    assert_int_equal(per_share(&inst, 100, 0.005, 100), 100); /* 0.50 */
    assert_int_equal(per_share(&inst, 200, 0.005, 100), 100); /* at min */
    assert_int_equal(per_share(&inst, 300, 0.005, 100), 150);
    assert_int_equal(per_share(&inst, 1000, 0.005, 100), 500);
    assert_int_equal(per_share(&inst, -1000, 0.005, 100), 500);
    /* Half to even: 0.005 -> 0.00, 0.015 -> 0.02, 0.025 -> 0.02. */
    assert_int_equal(per_share(&inst, 1, 0.005, 0), 0);
    assert_int_equal(per_share(&inst, 3, 0.005, 0), 2);
    assert_int_equal(per_share(&inst, 5, 0.005, 0), 2);
    /* Fractional shares: 1.50 shares x 0.01 = 0.015 -> 0.02. */
    kr_instrument frac;
    assert_int_equal(kr_instrument_init(&frac, 0, 2, 2), KR_OK);
    assert_int_equal(per_share(&frac, 150, 0.01, 0), 2);

    int64_t out = 99;
    assert_int_equal(kr_commission_per_share(&inst, 0, 0.005, 0, 2, &out),
                     KR_EINVAL);
    assert_int_equal(kr_commission_per_share(&inst, 1, -0.005, 0, 2, &out),
                     KR_EINVAL);
    assert_int_equal(kr_commission_per_share(&inst, 1, 0.005, -1, 2, &out),
                     KR_EINVAL);
    assert_int_equal(kr_commission_per_share(&inst, 1, 0.005, 0, 10, &out),
                     KR_EINVAL);
    assert_int_equal(out, 99);
}

static int64_t bps(int64_t notional, double rate)
{
    int64_t out = -1;
    assert_int_equal(kr_commission_bps(notional, rate, &out), KR_OK);
    return out;
}

static void test_commission_bps(void **state)
{
    (void)state;
    assert_int_equal(bps(100000000, 1), 10000);    /* 1e6 x 1 bp = 100.00 */
    assert_int_equal(bps(1234567, 2.5), 309);      /* 3.0864175 -> 3.09 */
    assert_int_equal(bps(-1234567, 2.5), 309);     /* a sale pays too */
    assert_int_equal(bps(2000, 2.5), 0);           /* 0.005 -> 0.00 */
    assert_int_equal(bps(6000, 2.5), 2);           /* 0.015 -> 0.02 */
    assert_int_equal(bps(100000000, 0), 0);
    int64_t out = 99;
    assert_int_equal(kr_commission_bps(100, -1, &out), KR_EINVAL);
    assert_int_equal(kr_commission_bps(INT64_MIN, 1, &out), KR_EINVAL);
    assert_int_equal(out, 99);
}

static void test_commission_tiered(void **state)
{
    (void)state;
    /* 10 bp below 10000.00, 5 bp from 10000.00, 2 bp from 100000.00. */
    const kr_commission_tier t[] = {
        {0, 10}, {1000000, 5}, {10000000, 2}};
    int64_t out = -1;
    assert_int_equal(kr_commission_tiered(999999, t, 3, &out), KR_OK);
    assert_int_equal(out, 1000); /* 9999.99 x 10 bp = 9.99999 -> 10.00 */
    assert_int_equal(kr_commission_tiered(1000000, t, 3, &out), KR_OK);
    assert_int_equal(out, 500); /* the edge is in the new tier: 5.00 */
    assert_int_equal(kr_commission_tiered(-1000000, t, 3, &out), KR_OK);
    assert_int_equal(out, 500);
    assert_int_equal(kr_commission_tiered(9999999, t, 3, &out), KR_OK);
    assert_int_equal(out, 5000); /* 49.999995 -> 50.00 */
    assert_int_equal(kr_commission_tiered(10000000, t, 3, &out), KR_OK);
    assert_int_equal(out, 2000);
    assert_int_equal(kr_commission_tiered(0, t, 3, &out), KR_OK);
    assert_int_equal(out, 0);
    assert_int_equal(kr_commission_tiered(999999, t, 1, &out), KR_OK);
    assert_int_equal(out, 1000);

    out = 99;
    const kr_commission_tier no_zero[] = {{100, 10}};
    const kr_commission_tier unsorted[] = {{0, 10}, {500, 5}, {500, 2}};
    const kr_commission_tier bad_rate[] = {{0, 10}, {500, -5}};
    assert_int_equal(kr_commission_tiered(1000, no_zero, 1, &out), KR_EINVAL);
    assert_int_equal(kr_commission_tiered(1000, unsorted, 3, &out),
                     KR_EINVAL);
    assert_int_equal(kr_commission_tiered(100, bad_rate, 2, &out), KR_EINVAL);
    assert_int_equal(kr_commission_tiered(1000, t, 0, &out), KR_EINVAL);
    assert_int_equal(out, 99);
}

static int64_t cap(int64_t lot, int64_t volume, double fraction)
{
    kr_instrument inst = stock(lot);
    int64_t out = -1;
    assert_int_equal(kr_volume_cap(&inst, volume, fraction, &out), KR_OK);
    return out;
}

static void test_volume_cap(void **state)
{
    (void)state;
    assert_int_equal(cap(0, 12345, 0.1), 1234);   /* floor(1234.5) */
    assert_int_equal(cap(100, 12345, 0.1), 1200); /* down to the lot */
    assert_int_equal(cap(100, 10000, 0.025), 200);
    assert_int_equal(cap(100, 999, 0.1), 0);      /* less than a lot */
    assert_int_equal(cap(1, 10000, 1.0), 10000);
    assert_int_equal(cap(0, 0, 0.1), 0);

    /* A 2000-share order in that 12345 bar fills 1200; 800 keep working. */
    kr_instrument inst = stock(100);
    kr_order_params p = {.id = 9, .side = KR_BUY, .type = KR_ORDER_MARKET,
                         .tif = KR_TIF_GTC, .qty = 2000, .limit_px = NONE,
                         .stop_px = NONE, .ts = 0};
    kr_order o;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    assert_int_equal(
        kr_order_transition(&o, &(kr_order_event){.type = KR_OEV_SUBMIT}),
        KR_OK);
    assert_int_equal(
        kr_order_transition(&o, &(kr_order_event){.type = KR_OEV_ACCEPT}),
        KR_OK);
    int64_t max_qty = -1;
    assert_int_equal(kr_volume_cap(&inst, 12345, 0.1, &max_qty), KR_OK);
    int64_t leaves = kr_order_leaves(&o);
    int64_t q = leaves < max_qty ? leaves : max_qty;
    assert_int_equal(q, 1200);
    kr_order_event ev = {.type = KR_OEV_FILL};
    ev.u.fill.qty = q;
    ev.u.fill.price = 10000;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_int_equal(o.status, KR_ORDER_PARTIALLY_FILLED);
    assert_int_equal(kr_order_leaves(&o), 800);

    int64_t out = 99;
    assert_int_equal(kr_volume_cap(&inst, -1, 0.1, &out), KR_EINVAL);
    assert_int_equal(kr_volume_cap(&inst, 100, 1.5, &out), KR_EINVAL);
    assert_int_equal(kr_volume_cap(&inst, 100, -0.1, &out), KR_EINVAL);
    assert_int_equal(out, 99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_market),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_stop_limit),
        cmocka_unit_test(test_fill_errors),
        cmocka_unit_test(test_slip_fixed_bps),
        cmocka_unit_test(test_slip_spread),
        cmocka_unit_test(test_slip_sqrt_impact),
        cmocka_unit_test(test_commission_per_share),
        cmocka_unit_test(test_commission_bps),
        cmocka_unit_test(test_commission_tiered),
        cmocka_unit_test(test_volume_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

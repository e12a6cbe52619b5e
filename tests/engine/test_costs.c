/* test_costs.c -- tests of src/engine/costs.c: the --slippage and
 * --commission spec parsers and the cost model applied to a fill.
 *
 * Every answer is worked by hand in the comment beside it. The instrument
 * has prices to 0.01 and whole shares (raw 10000 is 100.00), money is in
 * cents (ccy precision 2). The reference bar is O 100.00 H 102.00 L 99.00
 * C 101.00 with a volume of 10000 shares.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/engine.h"

static const kr_fill_bar BAR = {10000, 10200, 9900, 10100, 10000};

static kr_instrument stock(int size_precision, int64_t lot)
{
    kr_instrument inst;
    assert_int_equal(kr_instrument_init(&inst, 0, 2, size_precision), KR_OK);
    inst.lot_size = lot;
    return inst;
}

/* ------------------------------------------------------------------------
 * Parsers
 * ------------------------------------------------------------------------ */

static void test_model_init(void **state)
{
    (void)state;
    kr_cost_model m;
    memset(&m, 0x55, sizeof m);
    kr_cost_model_init(&m);
    assert_int_equal(m.slip, KR_SLIP_NONE);
    assert_int_equal(m.comm, KR_COMM_NONE);
    assert_true(m.spread_fraction == 0.5);
    assert_true(m.spread_factor == 0.1);
    assert_true(m.impact_k == 0.1);
    assert_true(m.impact_sigma == 0);
    assert_true(m.min_commission == 0);
    assert_int_equal(m.ntiers, 0);
}

static void test_parse_slippage_good(void **state)
{
    (void)state;
    kr_cost_model m;
    kr_error err;
    const char *opt = "--slippage";
    kr_cost_model_init(&m);
    assert_int_equal(kr_cost_parse_slippage(&m, "bps:2.5", opt, &err), KR_OK);
    assert_int_equal(m.slip, KR_SLIP_BPS);
    assert_true(m.slip_bps == 2.5);

    assert_int_equal(
        kr_cost_parse_slippage(&m, "spread:0.25,factor=0.2", opt, &err),
        KR_OK);
    assert_int_equal(m.slip, KR_SLIP_SPREAD);
    assert_true(m.spread_fraction == 0.25);
    assert_true(m.spread_factor == 0.2);
    /* An optional parameter left out takes its default, not the old value. */
    assert_int_equal(kr_cost_parse_slippage(&m, "spread:1", opt, &err), KR_OK);
    assert_true(m.spread_fraction == 1.0);
    assert_true(m.spread_factor == 0.1);

    assert_int_equal(
        kr_cost_parse_slippage(&m, "sqrt:0.3,sigma=0.02", opt, &err),
        KR_OK);
    assert_int_equal(m.slip, KR_SLIP_SQRT);
    assert_true(m.impact_k == 0.3);
    assert_true(m.impact_sigma == 0.02);
    assert_int_equal(kr_cost_parse_slippage(&m, "sqrt:1e-1", opt, &err),
                     KR_OK);
    assert_true(m.impact_k == 0.1);
    assert_true(m.impact_sigma == 0);

    /* The slippage part only: the commission part is left alone. */
    m.comm = KR_COMM_BPS;
    m.comm_bps = 3;
    assert_int_equal(kr_cost_parse_slippage(&m, "none", opt, &err), KR_OK);
    assert_int_equal(m.slip, KR_SLIP_NONE);
    assert_int_equal(m.comm, KR_COMM_BPS);
    assert_true(m.comm_bps == 3);
    /* Edges of the ranges are in. */
    assert_int_equal(kr_cost_parse_slippage(&m, "bps:0", NULL, NULL), KR_OK);
    assert_int_equal(kr_cost_parse_slippage(&m, "bps:9999.9999", NULL, NULL),
                     KR_OK);
    assert_int_equal(kr_cost_parse_slippage(&m, "spread:0,factor=1", NULL,
                                            NULL),
                     KR_OK);
}

/* Each bad spec: KR_EINVAL, the model untouched, an error naming the option
 * and quoting the bad part. */
static void bad_slip(const char *spec, const char *part)
{
    kr_cost_model m, before;
    kr_error err;
    kr_cost_model_init(&m);
    m.slip = KR_SLIP_BPS;
    m.slip_bps = 7;
    before = m;
    memset(&err, 0, sizeof err);
    assert_int_equal(kr_cost_parse_slippage(&m, spec, "--slippage", &err),
                     KR_EINVAL);
    assert_memory_equal(&m, &before, sizeof m);
    assert_int_equal(err.code, KR_EINVAL);
    assert_string_equal(err.field, "--slippage");
    if (!strstr(err.msg, part))
        fail_msg("spec '%s': message '%s' lacks '%s'", spec, err.msg, part);
}

static void test_parse_slippage_bad(void **state)
{
    (void)state;
    bad_slip("", "expected none");
    bad_slip("fixed:2", "fixed:2");
    bad_slip("BPS:1", "BPS:1"); /* names are lower case */
    bad_slip("none:1", "none:1");
    bad_slip("bps", "missing the rate after 'bps'");
    bad_slip("bps:", "missing the rate");
    bad_slip("bps:abc", "'abc'");
    bad_slip("bps:-1", "'-1'");
    bad_slip("bps:10000", "'10000'");
    bad_slip("bps:inf", "'inf'");
    bad_slip("bps:nan", "'nan'");
    bad_slip("bps:0x10", "'0x10'");
    bad_slip("bps: 1", "' 1'");
    bad_slip("bps:1,2", "bps takes one number, not also '2'");
    bad_slip("spread:1.5", "'1.5'");
    bad_slip("spread:0.5,factor=2", "factor= in 0..1, got '2'");
    bad_slip("spread:0.5,fctor=0.1", "'fctor=0.1'");
    bad_slip("spread:0.5,factor=0.1,factor=0.2", "given twice");
    bad_slip("spread:0.5,", "''");
    bad_slip("spread:0.5,factor=", "factor= in 0..1, got ''");
    bad_slip("sqrt:-0.1", "'-0.1'");
    bad_slip("sqrt:0.1,sigma=-1", "sigma= >= 0, got '-1'");
    bad_slip("sqrt:0.1,k=1", "sqrt takes only sigma=");
    bad_slip("bps:1\x01", "\\x01"); /* outside bytes are escaped */

    kr_cost_model m;
    kr_error err;
    kr_cost_model_init(&m);
    assert_int_equal(kr_cost_parse_slippage(&m, NULL, "--slippage", &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "--slippage");
    assert_int_equal(kr_cost_parse_slippage(&m, "bps:x", "--slippage", NULL),
                     KR_EINVAL); /* no error record is fine */
}

static void test_parse_commission_good(void **state)
{
    (void)state;
    kr_cost_model m;
    kr_error err;
    kr_cost_model_init(&m);
    assert_int_equal(kr_cost_parse_commission(&m, "per_share:0.005,min=1", 2,
                                              "--commission", &err),
                     KR_OK);
    assert_int_equal(m.comm, KR_COMM_PER_SHARE);
    assert_true(m.per_share == 0.005);
    assert_true(m.min_commission == 1);
    assert_int_equal(kr_cost_parse_commission(&m, "per_share:0.01", 2,
                                              "--commission", &err),
                     KR_OK);
    assert_true(m.per_share == 0.01);
    assert_true(m.min_commission == 0); /* the default again */

    assert_int_equal(
        kr_cost_parse_commission(&m, "bps:1", 2, "--commission", &err), KR_OK);
    assert_int_equal(m.comm, KR_COMM_BPS);
    assert_true(m.comm_bps == 1);

    /* Thresholds are account money at the precision: 1000000 at 2 places is
     * raw 100000000, 2500.5 is raw 250050. */
    assert_int_equal(kr_cost_parse_commission(&m, "tiered:0=5,2500.5=4,"
                                                  "1000000=2.5",
                                              2, "--commission", &err),
                     KR_OK);
    assert_int_equal(m.comm, KR_COMM_TIERED);
    assert_int_equal(m.ntiers, 3);
    assert_int_equal(m.tiers[0].threshold, 0);
    assert_true(m.tiers[0].bps == 5);
    assert_int_equal(m.tiers[1].threshold, 250050);
    assert_true(m.tiers[1].bps == 4);
    assert_int_equal(m.tiers[2].threshold, INT64_C(100000000));
    assert_true(m.tiers[2].bps == 2.5);
    /* At precision 0 the same spec keeps whole units: 2500.5 is 2500 (half
     * to even), 1000000 is 1000000. */
    assert_int_equal(kr_cost_parse_commission(&m, "tiered:0=5,2500.5=4,"
                                                  "1000000=2.5",
                                              0, "--commission", &err),
                     KR_OK);
    assert_int_equal(m.tiers[1].threshold, 2500);
    assert_int_equal(m.tiers[2].threshold, 1000000);
    /* Eight tiers are allowed. */
    assert_int_equal(kr_cost_parse_commission(&m, "tiered:0=8,1=7,2=6,3=5,"
                                                  "4=4,5=3,6=2,7=1",
                                              2, "--commission", &err),
                     KR_OK);
    assert_int_equal(m.ntiers, 8);
    assert_int_equal(m.tiers[7].threshold, 700);

    m.slip = KR_SLIP_SPREAD; /* the commission part only */
    assert_int_equal(
        kr_cost_parse_commission(&m, "none", 2, "--commission", &err), KR_OK);
    assert_int_equal(m.comm, KR_COMM_NONE);
    assert_int_equal(m.slip, KR_SLIP_SPREAD);
}

static void bad_comm(const char *spec, int ccy, const char *part)
{
    kr_cost_model m, before;
    kr_error err;
    kr_cost_model_init(&m);
    m.comm = KR_COMM_BPS;
    m.comm_bps = 1.5;
    before = m;
    memset(&err, 0, sizeof err);
    assert_int_equal(kr_cost_parse_commission(&m, spec, ccy, "--commission",
                                              &err),
                     KR_EINVAL);
    assert_memory_equal(&m, &before, sizeof m);
    assert_int_equal(err.code, KR_EINVAL);
    assert_string_equal(err.field, "--commission");
    if (!strstr(err.msg, part))
        fail_msg("spec '%s': message '%s' lacks '%s'", spec, err.msg, part);
}

static void test_parse_commission_bad(void **state)
{
    (void)state;
    bad_comm("", 2, "expected none");
    bad_comm("flat:1", 2, "'flat:1'");
    bad_comm("per_share", 2, "missing the rate after 'per_share'");
    bad_comm("per_share:-0.01", 2, "'-0.01'");
    bad_comm("per_share:2e9", 2, "'2e9'");
    bad_comm("per_share:0.005,min=-1", 2, "min= money >= 0, got '-1'");
    bad_comm("per_share:0.005,max=1", 2, "per_share takes only min=");
    bad_comm("per_share:0.005,min=1e300", 2, "min= does not fit");
    bad_comm("bps:10001", 2, "'10001'");
    bad_comm("bps:1,2", 2, "bps takes one number");
    bad_comm("tiered", 2, "missing the tiers");
    bad_comm("tiered:", 2, "missing the tiers");
    bad_comm("tiered:1=5", 2, "first tier's threshold must be 0, got '1'");
    bad_comm("tiered:0=5,0=3", 2, "must increase, got '0'");
    bad_comm("tiered:0=5,100=3,50=2", 2, "must increase, got '50'");
    /* 100.001 and 100 are both raw 10000 at 2 places: not increasing. */
    bad_comm("tiered:0=5,100=3,100.001=2", 2, "must increase");
    bad_comm("tiered:0=5,100", 2, "THRESHOLD=BPS, got '100'");
    bad_comm("tiered:0=20000", 2, "tier bps in 0..10000, got '20000'");
    bad_comm("tiered:0=5,abc=3", 2, "threshold >= 0");
    bad_comm("tiered:0=5,-1=3", 2, "threshold >= 0");
    bad_comm("tiered:0=5,", 2, "THRESHOLD=BPS, got ''");
    bad_comm("tiered:0=8,1=7,2=6,3=5,4=4,5=3,6=2,7=1,8=0", 2,
             "more than 8 tiers at '8=0'");
    bad_comm("bps:1", 10, "precision 10");
}

/* ------------------------------------------------------------------------
 * Slippage applied
 * ------------------------------------------------------------------------ */

static int64_t slip(const kr_cost_model *m, const kr_instrument *inst,
                    int side, int64_t px, int64_t qty, const kr_fill_bar *bar,
                    int64_t spread)
{
    int64_t out = -12345;
    assert_int_equal(
        kr_cost_slippage(m, inst, side, px, qty, bar, spread, &out), KR_OK);
    return out;
}

static void test_slippage_none_and_bps(void **state)
{
    (void)state;
    kr_instrument inst = stock(0, 0);
    kr_cost_model m;
    kr_cost_model_init(&m);
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, KR_PX_NONE),
                     10000);
    assert_int_equal(slip(&m, &inst, KR_SELL, 10000, 100, &BAR, KR_PX_NONE),
                     10000);
    assert_int_equal(kr_cost_parse_slippage(&m, "bps:2.5", NULL, NULL), KR_OK);
    /* 100.00 x 2.5 bps = 0.025, up to a whole tick: 0.03. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, KR_PX_NONE),
                     10003);
    assert_int_equal(slip(&m, &inst, KR_SELL, 10000, 100, &BAR, KR_PX_NONE),
                     9997);
    /* Never through the bar: a buy at the high 102.00 with 10 bps would be
     * 102.00 + ceil(10.2) ticks = 102.11, clamped to 102.00; a sell at the
     * low 99.00 would be 99.00 - ceil(9.9) = 98.90, clamped to 99.00. */
    assert_int_equal(kr_cost_parse_slippage(&m, "bps:10", NULL, NULL), KR_OK);
    assert_int_equal(slip(&m, &inst, KR_BUY, 10200, 100, &BAR, KR_PX_NONE),
                     10200);
    assert_int_equal(slip(&m, &inst, KR_SELL, 9900, 100, &BAR, KR_PX_NONE),
                     9900);
    /* Inside the range it is not clamped: 101.00 + ceil(10.1) = 101.11. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10100, 100, &BAR, KR_PX_NONE),
                     10111);
}

static void test_slippage_spread(void **state)
{
    (void)state;
    kr_instrument inst = stock(0, 0);
    kr_cost_model m;
    kr_cost_model_init(&m);
    assert_int_equal(kr_cost_parse_slippage(&m, "spread:0.5", NULL, NULL),
                     KR_OK);
    /* A quoted spread of 0.04: half of it is 0.02. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, 4), 10002);
    assert_int_equal(slip(&m, &inst, KR_SELL, 10000, 100, &BAR, 4), 9998);
    /* 0.05 x 0.5 = 0.025, up to 0.03. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, 5), 10003);
    /* No quote: the bar's range 3.00 x factor 0.1 = 0.30 is the spread, half
     * of it 0.15. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, KR_PX_NONE),
                     10015);
    assert_int_equal(slip(&m, &inst, KR_SELL, 10000, 100, &BAR, KR_PX_NONE),
                     9985);
    /* factor 0.2: spread 0.60, fraction 0.25: 0.15 again. */
    assert_int_equal(
        kr_cost_parse_slippage(&m, "spread:0.25,factor=0.2", NULL, NULL),
        KR_OK);
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, KR_PX_NONE),
                     10015);
    /* A quoted spread of 0 costs nothing, even with a wide bar. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, 0), 10000);

    /* A sell never goes below one tick: bar O 0.01 H 0.02 L 0.00 C 0.01,
     * spread 0.20 x 1 takes 0.01 to -0.19, clamped to the low 0.00, then
     * to one tick. */
    kr_fill_bar cheap = {1, 2, 0, 1, 100};
    assert_int_equal(kr_cost_parse_slippage(&m, "spread:1", NULL, NULL),
                     KR_OK);
    assert_int_equal(slip(&m, &inst, KR_SELL, 1, 100, &cheap, 20), 1);
}

static void test_slippage_sqrt(void **state)
{
    (void)state;
    kr_instrument inst = stock(0, 0);
    kr_cost_model m;
    kr_cost_model_init(&m);
    assert_int_equal(kr_cost_parse_slippage(&m, "sqrt:0.1,sigma=0.02", NULL,
                                            NULL),
                     KR_OK);
    /* 10000 x 0.1 x 0.02 x sqrt(100 / 10000) = 10000 x 0.002 x 0.1 = 2
     * ticks. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 100, &BAR, KR_PX_NONE),
                     10002);
    assert_int_equal(slip(&m, &inst, KR_SELL, 10000, 100, &BAR, KR_PX_NONE),
                     9998);
    /* 2500 of 10000: sqrt(0.25) = 0.5, 10000 x 0.002 x 0.5 = 10 ticks. */
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 2500, &BAR, KR_PX_NONE),
                     10010);
    /* sigma from the bar: (102 - 99) / 101 = 0.0297029...; 400 of 10000:
     * sqrt = 0.2; 10000 x 0.1 x 0.0297029 x 0.2 = 5.94 ticks, up to 6. */
    assert_int_equal(kr_cost_parse_slippage(&m, "sqrt:0.1", NULL, NULL),
                     KR_OK);
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 400, &BAR, KR_PX_NONE),
                     10006);
    assert_int_equal(slip(&m, &inst, KR_SELL, 10000, 400, &BAR, KR_PX_NONE),
                     9994);
    /* No volume, no impact. */
    kr_fill_bar novol = BAR;
    novol.volume = 0;
    assert_int_equal(slip(&m, &inst, KR_BUY, 10000, 400, &novol, KR_PX_NONE),
                     10000);
}

static void test_slippage_errors(void **state)
{
    (void)state;
    kr_instrument inst = stock(0, 0);
    kr_cost_model m;
    kr_cost_model_init(&m);
    int64_t out = 77;
    kr_fill_bar upside = {10000, 9900, 10200, 10100, 100}; /* high < low */
    assert_int_equal(kr_cost_slippage(&m, &inst, 0, 10000, 1, &BAR, KR_PX_NONE,
                                      &out),
                     KR_EINVAL);
    assert_int_equal(kr_cost_slippage(&m, &inst, KR_BUY, KR_PX_NONE, 1, &BAR,
                                      KR_PX_NONE, &out),
                     KR_EINVAL);
    assert_int_equal(kr_cost_slippage(&m, &inst, KR_BUY, 10000, 1, &upside,
                                      KR_PX_NONE, &out),
                     KR_EINVAL);
    assert_int_equal(kr_cost_slippage(&m, &inst, KR_BUY, 10000, 1, &BAR, -4,
                                      &out),
                     KR_EINVAL);
    m.slip = 99;
    assert_int_equal(kr_cost_slippage(&m, &inst, KR_BUY, 10000, 1, &BAR,
                                      KR_PX_NONE, &out),
                     KR_EINVAL);
    m.slip = KR_SLIP_BPS;
    m.slip_bps = -1;
    assert_int_equal(kr_cost_slippage(&m, &inst, KR_BUY, 10000, 1, &BAR,
                                      KR_PX_NONE, &out),
                     KR_EINVAL);
    m.slip = KR_SLIP_SQRT;
    m.impact_sigma = NAN;
    assert_int_equal(kr_cost_slippage(&m, &inst, KR_BUY, 10000, 1, &BAR,
                                      KR_PX_NONE, &out),
                     KR_EINVAL);
    assert_int_equal(out, 77);
}

/* ------------------------------------------------------------------------
 * Commission applied
 * ------------------------------------------------------------------------ */

static int64_t comm(const kr_cost_model *m, const kr_instrument *inst,
                    int64_t qty, int64_t px)
{
    int64_t out = -12345;
    assert_int_equal(kr_cost_commission(m, inst, qty, px, 2, &out), KR_OK);
    return out;
}

static void test_commission_models(void **state)
{
    (void)state;
    kr_instrument inst = stock(0, 0);
    kr_cost_model m;
    kr_cost_model_init(&m);
    assert_int_equal(comm(&m, &inst, 100, 10000), 0);

    assert_int_equal(
        kr_cost_parse_commission(&m, "per_share:0.005,min=1", 2, NULL, NULL),
        KR_OK);
    /* 100 x 0.005 = 0.50 < the minimum 1.00: the minimum binds. */
    assert_int_equal(comm(&m, &inst, 100, 10000), 100);
    /* 1000 x 0.005 = 5.00 > 1.00: it does not. */
    assert_int_equal(comm(&m, &inst, 1000, 10000), 500);
    /* Without a minimum, 101 x 0.005 = 0.505, half to even: 0.50. */
    assert_int_equal(
        kr_cost_parse_commission(&m, "per_share:0.005", 2, NULL, NULL), KR_OK);
    assert_int_equal(comm(&m, &inst, 101, 10000), 50);
    /* 103 x 0.005 = 0.515: 0.52. */
    assert_int_equal(comm(&m, &inst, 103, 10000), 52);

    assert_int_equal(kr_cost_parse_commission(&m, "bps:1", 2, NULL, NULL),
                     KR_OK);
    /* 100 x 100.00 = 10000.00; 1 bp of it = 1.00. */
    assert_int_equal(comm(&m, &inst, 100, 10000), 100);
    /* 7 x 123.45 = 864.15; x 2.5 bps = 0.2160375, to cents: 0.22. */
    assert_int_equal(kr_cost_parse_commission(&m, "bps:2.5", 2, NULL, NULL),
                     KR_OK);
    assert_int_equal(comm(&m, &inst, 7, 12345), 22);

    assert_int_equal(
        kr_cost_parse_commission(&m, "tiered:0=5,10000=2.5", 2, NULL, NULL),
        KR_OK);
    /* Below the threshold: 99 x 100.00 = 9900.00 at 5 bps = 4.95. */
    assert_int_equal(comm(&m, &inst, 99, 10000), 495);
    /* At it: 100 x 100.00 = 10000.00 is in the new tier, 2.5 bps = 2.50. */
    assert_int_equal(comm(&m, &inst, 100, 10000), 250);
    /* Above it: 200 x 100.00 = 20000.00 at 2.5 bps = 5.00. */
    assert_int_equal(comm(&m, &inst, 200, 10000), 500);

    /* Sizes to 0.001: 1.500 units x 0.01 = 0.015, half to even: 0.02. */
    kr_instrument fine = stock(3, 100);
    assert_int_equal(
        kr_cost_parse_commission(&m, "per_share:0.01", 2, NULL, NULL), KR_OK);
    assert_int_equal(comm(&m, &fine, 1500, 10000), 2);
    /* 1.200 x 0.01 = 0.012: 0.01. */
    assert_int_equal(comm(&m, &fine, 1200, 10000), 1);

    /* A contract multiplier counts in the notional: 2 x 4500.25 x 50 =
     * 450025.00 at 1 bp = 45.0025, to cents 45.00. */
    kr_instrument es = stock(0, 0);
    es.multiplier = 50;
    assert_int_equal(kr_cost_parse_commission(&m, "bps:1", 2, NULL, NULL),
                     KR_OK);
    assert_int_equal(comm(&m, &es, 2, 450025), 4500);

    int64_t out = 5;
    assert_int_equal(kr_cost_commission(&m, &inst, 0, 10000, 2, &out),
                     KR_EINVAL);
    assert_int_equal(kr_cost_commission(&m, &inst, 1, KR_PX_NONE, 2, &out),
                     KR_EINVAL);
    assert_int_equal(kr_cost_commission(&m, &inst, 1, 10000, 10, &out),
                     KR_EINVAL);
    m.comm = 42;
    assert_int_equal(kr_cost_commission(&m, &inst, 1, 10000, 2, &out),
                     KR_EINVAL);
    m.comm = KR_COMM_TIERED;
    m.ntiers = 0;
    assert_int_equal(kr_cost_commission(&m, &inst, 1, 10000, 2, &out),
                     KR_EINVAL);
    assert_int_equal(out, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_init),
        cmocka_unit_test(test_parse_slippage_good),
        cmocka_unit_test(test_parse_slippage_bad),
        cmocka_unit_test(test_parse_commission_good),
        cmocka_unit_test(test_parse_commission_bad),
        cmocka_unit_test(test_slippage_none_and_bps),
        cmocka_unit_test(test_slippage_spread),
        cmocka_unit_test(test_slippage_sqrt),
        cmocka_unit_test(test_slippage_errors),
        cmocka_unit_test(test_commission_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

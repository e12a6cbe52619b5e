/* test_reference.c -- the backtest runner against a reference
 * implementation: sma_cross written out by hand as one loop.
 *
 * The reference runs the built-in strategy sma_cross:fast=10,slow=30 over
 * about 3000 synthetic daily bars with gaps (weekends, a few missing
 * weekdays, opens away from the previous close, some by several per cent),
 * with nothing of the engine: no events, orders, venue or portfolio. It
 * keeps what the engine's rules say a cash account holds, in the engine's
 * units (cash in integer cents, quantities in millionths of a unit), and
 * follows the documented rules one by one:
 *
 *   - the averages are the SMA stream's: the first window summed in order,
 *     then the newest minus the oldest value added to the running sum, and
 *     the sum divided by the period (src/ta/sma.c), so that the two decide
 *     identically to the bit; from the first bar where SMA(slow) exists,
 *     the strategy wants to be long while SMA(fast) > SMA(slow) and flat
 *     otherwise, and sends an order when that differs from what it holds;
 *   - under next_open the order fills at the next bar's open, under close
 *     at once at the decision bar's close (docs/simulated-exchange.md);
 *   - a buy takes the largest quantity, in millionths, whose notional and
 *     commission together leave at least one cent of the cash
 *     (docs/backtest.md, target orders), found by bisection; a sell sells
 *     everything;
 *   - a fill moves cash by the notional price x quantity rounded half to
 *     even to the cent (kr_notional) and by the commission, bps of that
 *     notional rounded half to even (kr_commission_bps);
 *   - the equity at every close is the exact cash plus the position times
 *     the close, as a double (the curve does not round each position to
 *     the cent); the last point is the ledger's valuation, rounded the
 *     same way as a fill.
 *
 * Every case compares, fill by fill, the timestamp, side, price, quantity
 * and commission (raw), the final cash (raw), the equity at every bar
 * (1e-9 relative), the round-trip trades (entry and exit times, quantity,
 * net P&L), and checks that the cash account never goes below zero. The
 * cases: next_open without costs (the defaults), close without costs, and
 * both fill rules with a 5 bps commission.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "kairos/engine.h"
#include "kairos/strategy.h"

#define DAY INT64_C(86400000000000)
#define T0 INT64_C(1325462400000000000) /* 2012-01-02T00:00:00Z, a Monday */
#define NBARS 3000
#define FAST 10
#define SLOW 30
#define SPEC "sma_cross:fast=10,slow=30"
#define CASH_C INT64_C(10000000) /* 100000.00, the default cash */
#define PRICE_PREC 2
#define SIZE_PREC 6
#define MAX_FILLS 2048

/* ------------------------------------------------------------------------
 * Data: daily bars on weekdays, a few weekdays missing, prices in cents
 * ------------------------------------------------------------------------ */

typedef struct series {
    size_t n;
    kr_ts ts[NBARS];
    int64_t open[NBARS], high[NBARS], low[NBARS], close[NBARS]; /* cents */
    kr_bars bars;
} series;

static uint64_t rng_u64(uint64_t *s) /* xorshift64* */
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_u64(s) >> 11) * 0x1p-53;
}

static double rng_gauss(uint64_t *s) /* Irwin-Hall, unit variance */
{
    double u = rng_unit(s) + rng_unit(s) + rng_unit(s) + rng_unit(s);
    return (u - 2.0) * 1.7320508075688772;
}

/* Fills s with NBARS bars: a mean-reverting walk of the log close around
 * 1000.00 (1.5% a day), opens off the previous close by 0.5% a day and by
 * 3 to 8% one day in fifty, weekends skipped and one weekday in
 * twenty-five missing. At 1000.00 a position of the whole 100000.00 is
 * about 100 units, 1e8 raw: far from where kr_round_lot's relative
 * tolerance reaches one quantum (about 1e9 raw). */
static void make_series(series *s, uint64_t seed)
{
    uint64_t r = seed;
    const double centre = log(100000.0);
    double x = centre;
    int64_t prev = 100000, day = 0;
    for (size_t i = 0; i < NBARS; i++) {
        while (day % 7 >= 5 || rng_unit(&r) < 0.04)
            day++;
        s->ts[i] = T0 + day * DAY;
        day++;
        x += -0.01 * (x - centre) + 0.015 * rng_gauss(&r);
        int64_t c = (int64_t)llround(exp(x));
        double gap = 0.005 * rng_gauss(&r);
        if (rng_unit(&r) < 0.02)
            gap = (rng_unit(&r) < 0.5 ? -1 : 1) * (0.03 + 0.05 * rng_unit(&r));
        int64_t o = prev + (int64_t)llround((double)prev * gap);
        int64_t w = (int64_t)llround(fabs(rng_gauss(&r)) * 0.005 *
                                     (double)prev);
        s->open[i] = o;
        s->close[i] = c;
        s->high[i] = (o > c ? o : c) + w;
        s->low[i] = (o < c ? o : c) - w;
        prev = c;
    }
    s->n = NBARS;
    assert_int_equal(kr_bars_init(&s->bars, 0, NBARS, 0), KR_OK);
    for (size_t i = 0; i < NBARS; i++)
        assert_int_equal(kr_bars_push(&s->bars, s->ts[i],
                                      (double)s->open[i] / 100.0,
                                      (double)s->high[i] / 100.0,
                                      (double)s->low[i] / 100.0,
                                      (double)s->close[i] / 100.0, 1000.0, 0,
                                      0),
                         KR_OK);
}

/* ------------------------------------------------------------------------
 * The reference
 * ------------------------------------------------------------------------ */

typedef struct ref_fill {
    kr_ts ts;
    int side;
    int64_t qty, price, commission; /* raw */
} ref_fill;

typedef struct ref_run {
    ref_fill fills[MAX_FILLS];
    size_t nfills;
    double equity[NBARS];
    int64_t cash; /* cents, at the end */
    int64_t min_cash;
} ref_run;

/* v / d rounded half to even, v >= 0, d > 0. */
static int64_t div_half_even(int64_t v, int64_t d)
{
    int64_t q = v / d, r = v % d;
    if (2 * r > d || (2 * r == d && (q & 1)))
        q++;
    return q;
}

/* Price (cents) x quantity (millionths) in cents. */
static int64_t notional(int64_t px, int64_t q)
{
    return div_half_even(px * q, 1000000);
}

/* bps_raw (bps x 10^4) of a notional in cents: notional x bps / 10^4. */
static int64_t commission(int64_t notional_c, int64_t bps_raw)
{
    return div_half_even(notional_c * bps_raw, INT64_C(100000000));
}

/* The quantity of an all-in buy from a flat account holding cash_c cents,
 * filling at px cents, as docs/backtest.md states the rule for a target of
 * 1.0: the most millionths q whose cost leaves at least a cent,
 * notional(q) + commission(q) <= cash - 0.01, found here by bisection (the
 * cost only grows with q) rather than by the engine's cut-and-grow. */
static int64_t buy_qty(int64_t cash_c, int64_t px, int64_t bps_raw)
{
    int64_t lo = 0, hi = cash_c * 1000000 / px + 10; /* hi does not fit */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        int64_t n = notional(px, mid);
        if (n + commission(n, bps_raw) <= cash_c - 1)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

typedef struct ref_state {
    int64_t cash, q;
    int64_t bps_raw;
    ref_run *out;
} ref_state;

static void ref_fill_at(ref_state *st, kr_ts ts, int64_t px, int buy)
{
    int64_t qty = buy ? buy_qty(st->cash, px, st->bps_raw) : st->q;
    if (qty <= 0)
        return;
    int64_t n = notional(px, qty), c = commission(n, st->bps_raw);
    st->cash += buy ? -n - c : n - c;
    st->q = buy ? qty : 0;
    if (st->cash < st->out->min_cash)
        st->out->min_cash = st->cash;
    assert_true(st->out->nfills < MAX_FILLS);
    st->out->fills[st->out->nfills++] =
        (ref_fill){ts, buy ? KR_BUY : KR_SELL, qty, px, c};
}

static void reference(const series *s, int fill_close, double bps,
                      ref_run *out)
{
    ref_state st = {CASH_C, 0, (int64_t)llround(bps * 1e4), out};
    out->nfills = 0;
    out->min_cash = CASH_C;
    const double *cl = s->bars.close;
    double sf = 0.0, ss = 0.0;
    int order = 0; /* next_open: +1 buy, -1 sell at the next open */
    for (size_t i = 0; i < s->n; i++) {
        if (order) {
            ref_fill_at(&st, s->ts[i], s->open[i], order > 0);
            order = 0;
        }
        const double x = cl[i];
        sf += i < FAST ? x : x - cl[i - FAST];
        ss += i < SLOW ? x : x - cl[i - SLOW];
        if (i + 1 >= SLOW) {
            const int want = sf / (double)FAST > ss / (double)SLOW;
            if (want != (st.q > 0)) {
                if (fill_close)
                    ref_fill_at(&st, s->ts[i], s->close[i], want);
                else
                    order = want ? 1 : -1;
            }
        }
        /* The curve: exact cash plus the position at the close, not
         * rounded to the cent (docs/backtest.md); the last point is the
         * ledger's valuation, rounded. */
        out->equity[i] = (double)st.cash / 100.0 +
                         (double)st.q / 1e6 * ((double)s->close[i] / 100.0);
        if (i + 1 == s->n)
            out->equity[i] =
                (double)(st.cash + notional(s->close[i], st.q)) / 100.0;
    }
    out->cash = st.cash;
}

/* ------------------------------------------------------------------------
 * The comparison
 * ------------------------------------------------------------------------ */

static void run_engine(const series *s, int fill_close, double bps,
                       kr_backtest *bt)
{
    kr_instrument inst;
    assert_int_equal(kr_instrument_init(&inst, 0, PRICE_PREC, SIZE_PREC),
                     KR_OK);
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.record = KR_RECORD_ALL;
    cfg.check_ledger = 1;
    if (fill_close)
        cfg.venue.fill_rule = KR_FILL_CLOSE;
    if (bps > 0) {
        cfg.venue.cost.comm = KR_COMM_BPS;
        cfg.venue.cost.comm_bps = bps;
    }
    kr_error err;
    kr_error_clear(&err);
    kr_strategy strat;
    assert_int_equal(kr_strategy_create(SPEC, NULL, 0, &strat, "--strategy",
                                        &err),
                     KR_OK);
    kr_backtest_input in = {&s->bars, &inst, NULL, 1};
    kr_backtest_init(bt);
    int rc = kr_backtest_run(bt, &cfg, &in, &strat, &err);
    if (rc)
        fail_msg("kr_backtest_run: %s: %s", kr_strerror(rc), err.msg);
    kr_strategy_destroy(&strat);
}

static void compare(int fill_close, double bps, uint64_t seed)
{
    series *s = calloc(1, sizeof *s);
    ref_run *ref = calloc(1, sizeof *ref);
    assert_non_null(s);
    assert_non_null(ref);
    make_series(s, seed);
    reference(s, fill_close, bps, ref);
    kr_backtest bt;
    run_engine(s, fill_close, bps, &bt);

    /* Enough trading for the comparison to mean something: a crossover
     * every few weeks over twelve years. */
    assert_true(ref->nfills >= 100);
    assert_int_equal(bt.nfills, ref->nfills);
    for (size_t k = 0; k < ref->nfills; k++) {
        const kr_fill *f = &bt.fills[k];
        const ref_fill *r = &ref->fills[k];
        if (f->ts != r->ts || f->side != r->side || f->price != r->price ||
            f->qty != r->qty || f->commission != r->commission)
            fail_msg("fill %zu: engine ts %lld side %d price %lld qty %lld "
                     "commission %lld; reference ts %lld side %d price %lld "
                     "qty %lld commission %lld", k, (long long)f->ts,
                     (int)f->side, (long long)f->price, (long long)f->qty,
                     (long long)f->commission, (long long)r->ts, r->side,
                     (long long)r->price, (long long)r->qty,
                     (long long)r->commission);
        /* Sides alternate, starting with a buy: long-only, all in, all
         * out. */
        assert_int_equal(f->side, k % 2 == 0 ? KR_BUY : KR_SELL);
        assert_int_equal(f->fees, 0);
    }
    assert_int_equal(bt.pf.cash, ref->cash);

    assert_int_equal(bt.npoints, s->n);
    for (size_t i = 0; i < s->n; i++) {
        assert_int_equal(bt.ts[i], s->ts[i]);
        double e = bt.equity[i], want = ref->equity[i];
        if (!(fabs(e - want) <= 1e-9 * fabs(want)))
            fail_msg("equity at bar %zu: engine %.17g, reference %.17g", i,
                     e, want);
        /* A cash account: never below zero. */
        assert_true(bt.cash[i] >= 0);
    }
    assert_true(ref->min_cash >= 0);

    /* Round trips: fill 2k opens trip k, fill 2k+1 closes it, and its net
     * P&L is what the cash gained between the two, both commissions in. */
    assert_int_equal(bt.ntrades, (ref->nfills + 1) / 2);
    for (size_t k = 0; k + 1 < ref->nfills; k += 2) {
        const kr_trade *t = &bt.trades[k / 2];
        const ref_fill *in = &ref->fills[k], *out = &ref->fills[k + 1];
        assert_int_equal(t->side, KR_BUY);
        assert_int_equal(t->entry_ts, in->ts);
        assert_int_equal(t->exit_ts, out->ts);
        assert_float_equal(t->qty, (double)in->qty / 1e6, 1e-12);
        int64_t pnl = notional(out->price, out->qty) -
                      notional(in->price, in->qty) - in->commission -
                      out->commission;
        assert_float_equal(t->pnl, (double)pnl / 100.0, 1e-6);
    }

    kr_backtest_free(&bt);
    kr_bars_free(&s->bars);
    free(ref);
    free(s);
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

/* The defaults: decided at the close, filled at the next open, no costs. */
static void test_next_open(void **state)
{
    (void)state;
    compare(0, 0.0, UINT64_C(0x5eed0001));
    compare(0, 0.0, UINT64_C(0x5eed0002));
}

/* --fill close: decided and filled at the same close. */
static void test_fill_close(void **state)
{
    (void)state;
    compare(1, 0.0, UINT64_C(0x5eed0001));
    compare(1, 0.0, UINT64_C(0x5eed0003));
}

/* 5 bps of notional per fill, rounded to the cent: the buy leaves room for
 * its own commission. */
static void test_commission(void **state)
{
    (void)state;
    compare(0, 5.0, UINT64_C(0x5eed0001));
    compare(1, 5.0, UINT64_C(0x5eed0004));
}

/* The reference's own arithmetic, by hand, so that a wrong reference
 * cannot agree with a wrong engine. */
static void test_reference_arithmetic(void **state)
{
    (void)state;
    /* Half to even: 2.5 -> 2, 3.5 -> 4, 2.51 -> 3. */
    assert_int_equal(div_half_even(25, 10), 2);
    assert_int_equal(div_half_even(35, 10), 4);
    assert_int_equal(div_half_even(251, 100), 3);
    /* 1000.37 x 99.960012 units = 99996.99720444 -> 99997.00 (cents
     * 9999699.720444 -> 9999700). */
    assert_int_equal(notional(100037, 99960012), 9999700);
    /* 5 bps of 100000.00 = 50.00; of 12345.67 = 6.1728... -> 6.17. */
    assert_int_equal(commission(10000000, 50000), 5000);
    assert_int_equal(commission(1234567, 50000), 617);
    /* No costs, 100000.00 at 1000.37: the most millionths whose notional
     * rounds to at most 99999.99. 99.963008 units cost 99999.99431296 ->
     * 99999.99; 99.963009 cost 99999.99531333 -> 100000.00, too much. */
    assert_int_equal(buy_qty(CASH_C, 100037, 0), 99963008);
    assert_int_equal(notional(100037, 99963008), 9999999);
    assert_int_equal(notional(100037, 99963009), 10000000);
    /* 5 bps at 1000.00 with 100000.00: the cost of q millionths is
     * n = 1000 x q rounded to the cent plus 5 bps of n. 99.950014 units:
     * n = 99950.014 -> 99950.01, commission 49.975005 -> 49.98, together
     * 99999.99: fits, a cent left. 99.950015: n = 99950.015 is a tie at the
     * cent, half to even gives 99950.02, plus 49.98 = 100000.00: no cent
     * left, too much. */
    assert_int_equal(buy_qty(CASH_C, 100000, 50000), 99950014);
    assert_int_equal(notional(100000, 99950014), 9995001);
    assert_int_equal(commission(9995001, 50000), 4998);
    assert_int_equal(notional(100000, 99950015), 9995002);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_arithmetic),
        cmocka_unit_test(test_next_open),
        cmocka_unit_test(test_fill_close),
        cmocka_unit_test(test_commission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

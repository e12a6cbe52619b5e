/* fillmodel.c -- the simulated exchange's fill models.
 *
 * A backtest on bars does not see the order book, so it has to assume how
 * an order would have been filled. These are the assumptions, each a pure
 * function of an order, a bar and a few parameters: whether the order fills
 * in the bar and at what price (kr_fill_price_for_bar), how far slippage
 * moves that price, what the fill costs in commission, and how much of the
 * bar's volume one order may take. The engine's simulated exchange will
 * call them; nothing here knows about the engine or the bus.
 *
 * Inside a bar only four prices are known, so the path between them is
 * assumed: open first, then the extreme that hurts the order (the high for a
 * buy, the low for a sell), then the one that helps, then the close. This is
 * the conservative order: a buy stop triggers before the low it could have
 * bought at, and a stop-limit fills only if the bar comes back to its limit
 * after the trigger. A gap through a limit fills at the open (better than
 * the limit); a gap through a stop fills at the open (worse than the stop).
 *
 * Everything stays in integers except the square-root impact model, which
 * cannot. Rates given as doubles are converted exactly to decimals with
 * kr_fixed_from_double, and every product is formed in __int128 and rounded
 * once: slippage up to a whole tick against the trader, commission half to
 * even, volume caps down.
 */
#include <math.h>

#include "kairos/oms.h"

__extension__ typedef __int128 i128;

#define BPS_PLACES 4  /* bps are converted to 4 decimal places */
#define FRAC_PLACES 9 /* fractions, factors and per-share rates to 9 */

static const int64_t pow10_tab[19] = {
    INT64_C(1),
    INT64_C(10),
    INT64_C(100),
    INT64_C(1000),
    INT64_C(10000),
    INT64_C(100000),
    INT64_C(1000000),
    INT64_C(10000000),
    INT64_C(100000000),
    INT64_C(1000000000),
    INT64_C(10000000000),
    INT64_C(100000000000),
    INT64_C(1000000000000),
    INT64_C(10000000000000),
    INT64_C(100000000000000),
    INT64_C(1000000000000000),
    INT64_C(10000000000000000),
    INT64_C(100000000000000000),
    INT64_C(1000000000000000000),
};

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* A bar whose prices are present and consistent and whose volume is >= 0. */
static int bar_ok(const kr_fill_bar *b)
{
    if (b->open == KR_PX_NONE || b->high == KR_PX_NONE ||
        b->low == KR_PX_NONE || b->close == KR_PX_NONE)
        return 0;
    return b->low <= b->high && b->open >= b->low && b->open <= b->high &&
           b->close >= b->low && b->close <= b->high && b->volume >= 0;
}

/* Converts a rate `v` in [0, max] to a raw decimal at `places`. */
static int rate_raw(double v, double max, int places, int64_t *out)
{
    if (!isfinite(v) || v < 0 || v > max)
        return KR_EINVAL;
    return kr_fixed_from_double(v, places, out);
}

/* n / d rounded up, n >= 0, d > 0, into *out if it fits. */
static int div_ceil(i128 n, i128 d, int64_t *out)
{
    i128 q = n / d + (n % d != 0);
    if (q > INT64_MAX)
        return KR_ERANGE;
    *out = (int64_t)q;
    return KR_OK;
}

/* n / d rounded half to even, n >= 0, d > 0, into *out if it fits. */
static int div_half_even(i128 n, i128 d, int64_t *out)
{
    i128 q = n / d, r = n % d;
    if (r * 2 > d || (r * 2 == d && (q & 1)))
        q++;
    if (q > INT64_MAX)
        return KR_ERANGE;
    *out = (int64_t)q;
    return KR_OK;
}

static uint64_t mag(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* ------------------------------------------------------------------------
 * Fill price in a bar
 * ------------------------------------------------------------------------ */

int kr_fill_price_for_bar(const kr_order *o, const kr_fill_bar *bar,
                          int rule, int *filled, int64_t *price)
{
    if (!o || !bar || !filled || !price || !bar_ok(bar) || rule < 0 ||
        rule >= KR_FILL_RULE_COUNT || kr_order_is_terminal(o) ||
        (o->side != KR_BUY && o->side != KR_SELL))
        return KR_EINVAL;
    int buy = o->side == KR_BUY;
    int64_t lim = o->limit_px, stop = o->stop_px;
    int ok;
    int64_t px;
    switch (o->type) {
    case KR_ORDER_MARKET:
        ok = 1;
        px = rule == KR_FILL_NEXT_OPEN ? bar->open : bar->close;
        break;
    case KR_ORDER_LIMIT:
        if (lim == KR_PX_NONE)
            return KR_EINVAL;
        ok = buy ? bar->low <= lim : bar->high >= lim;
        px = buy ? min64(bar->open, lim) : max64(bar->open, lim);
        break;
    case KR_ORDER_STOP:
        if (stop == KR_PX_NONE)
            return KR_EINVAL;
        ok = buy ? bar->high >= stop : bar->low <= stop;
        px = buy ? max64(bar->open, stop) : min64(bar->open, stop);
        break;
    case KR_ORDER_STOP_LIMIT: {
        if (lim == KR_PX_NONE || stop == KR_PX_NONE)
            return KR_EINVAL;
        /* The trigger comes by the adverse extreme; the favourable one,
         * which follows it, decides whether the limit is reached. */
        int64_t trig = buy ? max64(bar->open, stop) : min64(bar->open, stop);
        ok = buy ? bar->high >= stop && bar->low <= lim
                 : bar->low <= stop && bar->high >= lim;
        px = buy ? min64(trig, lim) : max64(trig, lim);
        break;
    }
    default:
        return KR_EINVAL;
    }
    *filled = ok;
    *price = ok ? px : KR_PX_NONE;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Slippage
 * ------------------------------------------------------------------------ */

/* Moves `price` by `slip` ticks (>= 0) against a trader on `side`. */
static int against(int side, int64_t price, int64_t slip, int64_t *out)
{
    return side == KR_BUY ? kr_fixed_add(price, slip, out)
                          : kr_fixed_sub(price, slip, out);
}

static int slip_args_ok(const kr_instrument *inst, int side, int64_t price)
{
    return kr_instrument_check(inst) == KR_OK &&
           (side == KR_BUY || side == KR_SELL) && price != KR_PX_NONE;
}

int kr_slip_fixed_bps(const kr_instrument *inst, int side, int64_t price,
                      double bps, int64_t *out)
{
    int64_t b, slip;
    if (!out || !slip_args_ok(inst, side, price) ||
        rate_raw(bps, 9999.9999, BPS_PLACES, &b) != KR_OK)
        return KR_EINVAL;
    /* |price| x b / 10^8: b is bps x 10^4, a bp is 10^-4. */
    if (div_ceil((i128)mag(price) * b, pow10_tab[8], &slip) != KR_OK)
        return KR_ERANGE;
    return against(side, price, slip, out);
}

int kr_slip_spread(const kr_instrument *inst, int side, int64_t price,
                   int64_t spread, double fraction, int64_t *out)
{
    int64_t f, slip;
    if (!out || !slip_args_ok(inst, side, price) || spread < 0 ||
        rate_raw(fraction, 1.0, FRAC_PLACES, &f) != KR_OK)
        return KR_EINVAL;
    if (div_ceil((i128)spread * f, pow10_tab[FRAC_PLACES], &slip) != KR_OK)
        return KR_ERANGE;
    return against(side, price, slip, out);
}

int kr_spread_from_bar(const kr_fill_bar *bar, double factor,
                       int64_t *spread)
{
    int64_t f, range;
    if (!bar || !spread || !bar_ok(bar) ||
        rate_raw(factor, 1.0, FRAC_PLACES, &f) != KR_OK)
        return KR_EINVAL;
    if (kr_fixed_sub(bar->high, bar->low, &range) != KR_OK)
        return KR_ERANGE;
    return div_half_even((i128)range * f, pow10_tab[FRAC_PLACES], spread);
}

int kr_slip_sqrt_impact(const kr_instrument *inst, int side, int64_t price,
                        int64_t qty, int64_t bar_volume, double k,
                        double sigma, int64_t *out)
{
    if (!out || !slip_args_ok(inst, side, price) || qty <= 0 ||
        bar_volume <= 0 || !isfinite(k) || k < 0 || !isfinite(sigma) ||
        sigma < 0)
        return KR_EINVAL;
    double s = (double)mag(price) * k * sigma *
               sqrt((double)qty / (double)bar_volume);
    if (!isfinite(s) || s >= 9.2e18)
        return KR_ERANGE;
    /* Representation error must not cost a tick: 20.000000000000004 is 20. */
    double r = nearbyint(s);
    if (fabs(s - r) <= 1e-9 * fmax(1.0, s))
        s = r;
    return against(side, price, (int64_t)ceil(s), out);
}

/* ------------------------------------------------------------------------
 * Commission
 * ------------------------------------------------------------------------ */

int kr_commission_per_share(const kr_instrument *inst, int64_t qty,
                            double per_share, int64_t minimum,
                            int ccy_precision, int64_t *out)
{
    int64_t rate, c;
    if (!out || kr_instrument_check(inst) != KR_OK || qty == 0 ||
        qty == INT64_MIN || minimum < 0 || ccy_precision < 0 ||
        ccy_precision > KR_FIXED_MAX_PRECISION ||
        rate_raw(per_share, 1e9, FRAC_PLACES, &rate) != KR_OK)
        return KR_EINVAL;
    /* |qty| x rate is at size + 9 places; money is at ccy_precision. */
    int places = inst->size_precision + FRAC_PLACES - ccy_precision;
    if (div_half_even((i128)mag(qty) * rate, pow10_tab[places], &c) !=
        KR_OK)
        return KR_ERANGE;
    *out = max64(c, minimum);
    return KR_OK;
}

/* |notional| x bps, where b is bps at BPS_PLACES. */
static int bps_of(int64_t notional, int64_t b, int64_t *out)
{
    return div_half_even((i128)mag(notional) * b, pow10_tab[8], out);
}

int kr_commission_bps(int64_t notional, double bps, int64_t *out)
{
    int64_t b;
    if (!out || notional == INT64_MIN ||
        rate_raw(bps, 1e4, BPS_PLACES, &b) != KR_OK)
        return KR_EINVAL;
    return bps_of(notional, b, out);
}

int kr_commission_tiered(int64_t notional, const kr_commission_tier *tiers,
                         size_t n, int64_t *out)
{
    if (!out || !tiers || n == 0 || notional == INT64_MIN ||
        tiers[0].threshold != 0)
        return KR_EINVAL;
    uint64_t m = mag(notional);
    size_t pick = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && tiers[i].threshold <= tiers[i - 1].threshold)
            return KR_EINVAL;
        if ((uint64_t)tiers[i].threshold <= m)
            pick = i;
    }
    int64_t b;
    for (size_t i = 0; i < n; i++) /* every rate valid, not just the one */
        if (rate_raw(tiers[i].bps, 1e4, BPS_PLACES, &b) != KR_OK)
            return KR_EINVAL;
    if (rate_raw(tiers[pick].bps, 1e4, BPS_PLACES, &b) != KR_OK)
        return KR_EINVAL;
    return bps_of(notional, b, out);
}

/* ------------------------------------------------------------------------
 * Volume cap
 * ------------------------------------------------------------------------ */

int kr_volume_cap(const kr_instrument *inst, int64_t bar_volume,
                  double cap_fraction, int64_t *max_qty)
{
    int64_t f;
    if (!max_qty || kr_instrument_check(inst) != KR_OK || bar_volume < 0 ||
        rate_raw(cap_fraction, 1.0, FRAC_PLACES, &f) != KR_OK)
        return KR_EINVAL;
    /* floor: f <= 10^9, so the quotient is at most bar_volume. */
    int64_t q = (int64_t)((i128)bar_volume * f / pow10_tab[FRAC_PLACES]);
    if (inst->lot_size > 0)
        q -= q % inst->lot_size;
    *max_qty = q;
    return KR_OK;
}

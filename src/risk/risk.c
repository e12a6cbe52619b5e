/* risk.c -- pre-trade limits, the kill switch and position sizing.
 *
 * kr_risk_check is a pure function of the limits and a snapshot of one
 * order and the account, in doubles (risk sits below oms and knows nothing
 * of fixed point). The checks run in a fixed order and the first failure
 * names its rule and numbers in the reason, which the engine copies into
 * the order's record. An order that only brings a position toward zero
 * passes: refusing a protective stop or a liquidation would add risk, not
 * remove it.
 */
#include "kairos/risk.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

void kr_risk_limits_init(kr_risk_limits *l)
{
    l->max_position = 0;
    l->max_order_notional = 0;
    l->max_leverage = 0;
    l->halted = 0;
}

int kr_risk_reduces(const kr_risk_order *o)
{
    double after = o->position + o->qty;
    if (o->position > 0)
        return o->qty < 0 && after >= 0;
    if (o->position < 0)
        return o->qty > 0 && after <= 0;
    return 0;
}

static int reject(char *reason, size_t size, int code, const char *fmt, ...)
    KR_PRINTF(4, 5);

static int reject(char *reason, size_t size, int code, const char *fmt, ...)
{
    if (reason && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, size, fmt, ap);
        va_end(ap);
    }
    return code;
}

int kr_risk_check(const kr_risk_limits *l, const kr_risk_order *o,
                  char *reason, size_t size)
{
    if (reason && size)
        reason[0] = '\0';
    if (!l || !o)
        return KR_EINVAL;
    if (!isfinite(o->qty) || o->qty == 0 || !isfinite(o->price) ||
        o->price <= 0 || !isfinite(o->multiplier) || o->multiplier < 1 ||
        !isfinite(o->position) || !isfinite(o->gross) ||
        !isfinite(o->equity))
        return reject(reason, size, KR_EINVAL,
                      "invalid order: qty %g at price %g", o->qty, o->price);
    if (kr_risk_reduces(o))
        return KR_OK;
    if (l->halted)
        return reject(reason, size, KR_EREJECTED,
                      "kill_switch: trading halted");
    double notional = fabs(o->qty) * o->price * o->multiplier;
    if (l->max_order_notional > 0 && notional > l->max_order_notional)
        return reject(reason, size, KR_EREJECTED,
                      "max_order_notional: order notional %.2f exceeds %.2f",
                      notional, l->max_order_notional);
    double after = o->position + o->qty;
    if (l->max_position > 0 && fabs(after) > l->max_position)
        return reject(reason, size, KR_EREJECTED,
                      "max_position: position %g would exceed %g", after,
                      l->max_position);
    if (l->max_leverage > 0) {
        double gross = o->gross - fabs(o->position) * o->price * o->multiplier +
                       fabs(after) * o->price * o->multiplier;
        if (o->equity <= 0)
            return reject(reason, size, KR_EREJECTED,
                          "max_leverage: equity %.2f is not positive",
                          o->equity);
        double lev = gross / o->equity;
        /* A relative slack of 1e-6 lets an order sized to exactly the
         * limit through despite rounding in the snapshot (quantities to
         * their lot, prices to their tick); the venue's fill-time sizing
         * is exact. */
        if (lev > l->max_leverage * (1 + 1e-6))
            return reject(reason, size, KR_EREJECTED,
                          "max_leverage: leverage %.4f would exceed %.4f",
                          lev, l->max_leverage);
    }
    return KR_OK;
}

void kr_sizing_init(kr_sizing *s)
{
    s->kind = KR_SIZE_FRACTION;
    s->fraction = 1.0;
    s->qty = 0;
    s->vol_target = 0.15;
    s->vol_window = 20;
    s->max_fraction = 1.0;
}

double kr_round_lot(double qty, double lot)
{
    if (!(lot > 0) || !isfinite(qty))
        return qty;
    /* The tolerance absorbs the error of the division (relative 1e-9) but
     * never reaches a whole lot, which would round up. */
    double n = fabs(qty) / lot;
    double k = floor(n + fmin(1e-9 * (n > 1 ? n : 1), 1e-3));
    double r = k * lot;
    return qty < 0 ? -r : r;
}

double kr_size_vol_fraction(double vol_target, double realized,
                            double max_fraction)
{
    if (!isfinite(realized) || !(realized > 0) || !isfinite(vol_target) ||
        vol_target < 0)
        return NAN;
    double f = vol_target / realized;
    if (max_fraction > 0 && f > max_fraction)
        f = max_fraction;
    return f;
}

int kr_size_fraction(double fraction, double equity, double price,
                     double multiplier, double lot, double *qty)
{
    if (!qty || !isfinite(fraction) || !isfinite(equity) ||
        !isfinite(price) || price <= 0 || !isfinite(multiplier) ||
        multiplier < 1 || !isfinite(lot) || lot < 0)
        return KR_EINVAL;
    *qty = kr_round_lot(fraction * equity / (price * multiplier), lot);
    return KR_OK;
}

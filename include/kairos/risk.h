/* risk.h -- kairos risk: pre-trade limits, the kill switch, position sizing.
 *
 * Every order a strategy sends passes kr_risk_check before it reaches a
 * venue (ARCHITECTURE.md: "every order passes risk"). The check is a pure
 * function of the limits and of a snapshot of the order and the account,
 * all in doubles: risk sits below oms in the domain order, so it knows
 * nothing of fixed point or order records, and the engine fills in the
 * snapshot. A rejection names the rule and the numbers, e.g.
 * "max_order_notional: order notional 150000.00 exceeds 100000.00", and
 * that text is what the order's record, the log and the reports keep.
 *
 * Sizing turns a strategy's intent (a fraction of equity, a fixed quantity,
 * a volatility target) into a quantity, rounded toward zero to the lot.
 * Later issues add Kelly sizing, portfolio VaR, loss and drawdown limits and
 * prop-firm rule sets here.
 */
#ifndef KAIROS_RISK_H
#define KAIROS_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "kairos/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pre-trade limits. A limit of 0 is "no limit". */
typedef struct kr_risk_limits {
    double max_position;       /* |position| in units after the order */
    double max_order_notional; /* |qty| x price x multiplier, account ccy */
    double max_leverage;       /* gross exposure / equity after the order */
    int32_t halted;            /* the kill switch: reject every new order
                                  that does not reduce a position */
} kr_risk_limits;

/* kr_risk_limits_init: no limits, not halted. */
void kr_risk_limits_init(kr_risk_limits *l);

/* What kr_risk_check looks at: one order and the account before it. */
typedef struct kr_risk_order {
    double qty;        /* signed change of the position: > 0 buy, < 0 sell */
    double price;      /* reference price: the limit, else the last price */
    double multiplier; /* >= 1 */
    double position;   /* signed position of the symbol before the order */
    double gross;      /* the account's gross exposure before the order, with
                          this symbol at `price` */
    double equity;     /* the account's equity */
} kr_risk_order;

/* kr_risk_reduces is 1 when the order only moves the position toward zero
 * without crossing it (a stop-loss, a take-profit, a liquidation). */
int kr_risk_reduces(const kr_risk_order *o);

/* kr_risk_check applies the limits in this order and stops at the first
 * that fails: kill switch, max_order_notional, max_position, max_leverage.
 * An order that only reduces a position passes every check (a protective
 * stop is never refused; see kr_risk_reduces). Gross exposure after the
 * order is gross - |position| x price x m + |position + qty| x price x m;
 * leverage is that over equity, and an account with equity <= 0 may only
 * reduce. Returns KR_OK, KR_EREJECTED with the reason in `reason` (NUL
 * terminated, cut to size; "" on KR_OK), or KR_EINVAL for NaN or infinite
 * inputs, qty 0, price <= 0 or multiplier < 1 (also with a reason). */
int kr_risk_check(const kr_risk_limits *l, const kr_risk_order *o,
                  char *reason, size_t size);

/* ------------------------------------------------------------------------
 * Sizing
 * ------------------------------------------------------------------------ */

typedef enum kr_sizing_kind {
    KR_SIZE_FRACTION = 0, /* a fraction of equity (default 1.0) */
    KR_SIZE_QTY,          /* a fixed quantity */
    KR_SIZE_VOL_TARGET,   /* the fraction that targets an annual volatility */
} kr_sizing_kind;

typedef struct kr_sizing {
    int32_t kind;        /* kr_sizing_kind */
    double fraction;     /* KR_SIZE_FRACTION: of equity, > 0 (1.0) */
    double qty;          /* KR_SIZE_QTY: units, > 0 */
    double vol_target;   /* KR_SIZE_VOL_TARGET: annual volatility, > 0 */
    int32_t vol_window;  /* bars of returns the realized volatility uses */
    double max_fraction; /* cap on the vol-target fraction (1.0) */
} kr_sizing;

/* kr_sizing_init: fraction of equity 1.0, vol_target 0.15 over 20 bars
 * capped at 1.0 when that kind is chosen. */
void kr_sizing_init(kr_sizing *s);

/* kr_round_lot rounds |qty| down to a multiple of lot (lot 0: unchanged),
 * keeping the sign; a relative tolerance of 1e-9, capped at a thousandth of
 * a lot so that it never rounds up, keeps 2.9999999999 lots at 3. */
double kr_round_lot(double qty, double lot);

/* kr_size_vol_fraction is the fraction of equity that targets an annual
 * volatility: min(vol_target / realized, max_fraction), realized being the
 * annualised volatility of the instrument. NaN when realized is not > 0 or
 * not finite. */
double kr_size_vol_fraction(double vol_target, double realized,
                            double max_fraction);

/* kr_size_fraction gives the quantity worth fraction x equity at price:
 * fraction x equity / (price x multiplier), rounded toward zero to the lot.
 * Returns KR_OK or KR_EINVAL (price <= 0, multiplier < 1, lot < 0, or an
 * input not finite) with *qty untouched. */
int kr_size_fraction(double fraction, double equity, double price,
                     double multiplier, double lot, double *qty);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_RISK_H */

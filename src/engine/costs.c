/* costs.c -- the simulated exchange's cost models: slippage and commission.
 *
 * A cost model is one slippage model and one commission model, chosen from
 * the command line (--slippage, --commission) or a config file as short
 * specs such as "spread:0.5,factor=0.1" or "tiered:0=5,1000000=2.5". This
 * file parses those specs into a kr_cost_model and applies the model to a
 * fill, by calling the pure functions of src/oms/fillmodel.c: it adds only
 * the choices that need the exchange's context (which spread to use, which
 * sigma, when there is no volume to measure impact against) and the clamp
 * that keeps a slipped price inside the bar it fills in.
 *
 * Parsing is all or nothing: a spec is read into a copy of the model and
 * copied back only when every part of it is valid, so a bad spec leaves the
 * model as it was and names the option and the bad part in the error. The
 * numbers of a spec are plain decimals (digits, point, sign, exponent);
 * "inf", "nan", hex floats and spaces are refused rather than guessed at.
 * Optional parameters not given take their defaults (kr_cost_model_init),
 * so that a spec means the same thing whatever the model held before.
 *
 * Money in a spec (a minimum commission, tier thresholds) is in account
 * currency and is converted at the account's precision; rates stay doubles
 * in the model and are converted exactly to decimals by fillmodel.c when
 * used, so 2.5 bps is exactly 2.5 bps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/engine.h"

#define TOKEN_MAX 64 /* bytes of one spec part, with NUL */

/* The largest rates fillmodel.c accepts. */
#define MAX_SLIP_BPS 9999.9999
#define MAX_BPS 1e4
#define MAX_PER_SHARE 1e9

void kr_cost_model_init(kr_cost_model *m)
{
    memset(m, 0, sizeof *m);
    m->slip = KR_SLIP_NONE;
    m->spread_fraction = 0.5;
    m->spread_factor = 0.1;
    m->impact_k = 0.1;
    m->impact_sigma = 0;
    m->comm = KR_COMM_NONE;
    m->min_commission = 0;
}

/* ------------------------------------------------------------------------
 * Spec parsing
 * ------------------------------------------------------------------------ */

/* The spec being parsed, for error messages. */
typedef struct spec_ctx {
    const char *spec;
    const char *field;
    kr_error *err;
} spec_ctx;

/* Sets an error naming the option and quoting the spec. */
static int bad(const spec_ctx *c, const char *what, const char *part,
               size_t len)
{
    char q[TOKEN_MAX * 4], s[160];
    kr_escape(part, len, q, sizeof q);
    kr_escape(c->spec, strlen(c->spec), s, sizeof s);
    return kr_error_set(c->err, KR_EINVAL, NULL, 0, 0, c->field,
                        "%s '%s' in '%s'", what, q, s);
}

/* Parses the plain decimal part[0..len) into *out. Only digits, '.', signs
 * and an exponent are allowed, and the whole part must be the number. */
static int parse_num(const char *part, size_t len, double *out)
{
    char buf[TOKEN_MAX];
    if (len == 0 || len >= sizeof buf)
        return KR_EINVAL;
    for (size_t i = 0; i < len; i++) {
        char ch = part[i];
        if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
              ch == '+' || ch == 'e' || ch == 'E'))
            return KR_EINVAL;
    }
    memcpy(buf, part, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + len || !isfinite(v))
        return KR_EINVAL;
    *out = v;
    return KR_OK;
}

/* A number in [lo, hi] from part[0..len), or an error saying `what`. */
static int num_in(const spec_ctx *c, const char *part, size_t len, double lo,
                  double hi, const char *what, double *out)
{
    double v;
    if (parse_num(part, len, &v) != KR_OK || v < lo || v > hi)
        return bad(c, what, part, len);
    *out = v;
    return KR_OK;
}

/* Splits "kind[:args]": *kind_len is the kind's length, *args the text after
 * the colon (NULL without one). */
static void split_kind(const char *spec, size_t *kind_len, const char **args)
{
    const char *colon = strchr(spec, ':');
    *kind_len = colon ? (size_t)(colon - spec) : strlen(spec);
    *args = colon ? colon + 1 : NULL;
}

static int kind_is(const char *spec, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(spec, name, len) == 0;
}

/* Iterates over the comma-separated parts of `args`: sets *part and *len to
 * the next one and returns 1, or returns 0 at the end. *pos is the cursor,
 * NULL once the last part was given. */
static int next_part(const char **pos, const char **part, size_t *len)
{
    if (!*pos)
        return 0;
    const char *p = *pos, *comma = strchr(p, ',');
    *part = p;
    *len = comma ? (size_t)(comma - p) : strlen(p);
    *pos = comma ? comma + 1 : NULL;
    return 1;
}

/* Splits "key=value" into its key and value; returns 0 without '='. */
static int split_kv(const char *part, size_t len, size_t *klen,
                    const char **val, size_t *vlen)
{
    const char *eq = memchr(part, '=', len);
    if (!eq)
        return 0;
    *klen = (size_t)(eq - part);
    *val = eq + 1;
    *vlen = len - *klen - 1;
    return 1;
}

/* Parses "FIRST[,key=value]": the required first number and at most one
 * optional keyed number (none when key is NULL), each within its range. */
static int first_and_opt(const spec_ctx *c, const char *args, const char *kind,
                         double lo, double hi, const char *first_what,
                         double *first, const char *key, double klo,
                         double khi, const char *key_what, double *opt)
{
    const char *pos = args, *part;
    size_t len;
    if (!args || !next_part(&pos, &part, &len) || len == 0)
        return bad(c, "missing the rate after", kind, strlen(kind));
    int rc = num_in(c, part, len, lo, hi, first_what, first);
    if (rc)
        return rc;
    int seen = 0;
    while (next_part(&pos, &part, &len)) {
        size_t klen, vlen;
        const char *val;
        char what[96];
        if (!key) {
            snprintf(what, sizeof what, "%s takes one number, not also", kind);
            return bad(c, what, part, len);
        }
        if (!split_kv(part, len, &klen, &val, &vlen) ||
            !(klen == strlen(key) && memcmp(part, key, klen) == 0)) {
            snprintf(what, sizeof what, "%s takes only %s=, not", kind, key);
            return bad(c, what, part, len);
        }
        if (seen)
            return bad(c, "given twice:", part, len);
        seen = 1;
        rc = num_in(c, val, vlen, klo, khi, key_what, opt);
        if (rc)
            return rc;
    }
    return KR_OK;
}

int kr_cost_parse_slippage(kr_cost_model *m, const char *spec,
                           const char *field, kr_error *err)
{
    if (!m || !spec)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "no slippage spec");
    spec_ctx c = {spec, field, err};
    kr_cost_model t = *m, d;
    kr_cost_model_init(&d);
    size_t klen;
    const char *args;
    split_kind(spec, &klen, &args);
    int rc;
    if (kind_is(spec, klen, "none") && !args) {
        t.slip = KR_SLIP_NONE;
    } else if (kind_is(spec, klen, "bps")) {
        t.slip = KR_SLIP_BPS;
        rc = first_and_opt(&c, args, "bps", 0, MAX_SLIP_BPS,
                           "expected bps in 0..9999.9999, got", &t.slip_bps,
                           NULL, 0, 0, NULL, NULL);
        if (rc)
            return rc;
    } else if (kind_is(spec, klen, "spread")) {
        t.slip = KR_SLIP_SPREAD;
        t.spread_factor = d.spread_factor;
        rc = first_and_opt(&c, args, "spread", 0, 1,
                           "expected a fraction of the spread in 0..1, got",
                           &t.spread_fraction, "factor", 0, 1,
                           "expected factor= in 0..1, got", &t.spread_factor);
        if (rc)
            return rc;
    } else if (kind_is(spec, klen, "sqrt")) {
        t.slip = KR_SLIP_SQRT;
        t.impact_sigma = d.impact_sigma;
        rc = first_and_opt(&c, args, "sqrt", 0, HUGE_VAL,
                           "expected an impact k >= 0, got", &t.impact_k,
                           "sigma", 0, HUGE_VAL, "expected sigma= >= 0, got",
                           &t.impact_sigma);
        if (rc)
            return rc;
    } else {
        return bad(&c,
                   "expected none, bps:B, spread:F[,factor=X] or "
                   "sqrt:K[,sigma=S], got",
                   spec, strlen(spec));
    }
    *m = t;
    return KR_OK;
}

/* Parses the tiers "T0=B0,T1=B1,..." into t (thresholds in account money,
 * raw at ccy_precision). */
static int parse_tiers(const spec_ctx *c, const char *args, int ccy_precision,
                       kr_cost_model *t)
{
    const char *pos = args, *part;
    size_t len, n = 0;
    if (!args || !*args)
        return bad(c, "missing the tiers after", "tiered", 6);
    while (next_part(&pos, &part, &len)) {
        size_t klen, vlen;
        const char *val;
        double thr = 0, bps = 0;
        int64_t raw;
        if (!split_kv(part, len, &klen, &val, &vlen))
            return bad(c, "expected a tier THRESHOLD=BPS, got", part, len);
        if (n == KR_COMM_MAX_TIERS)
            return bad(c, "more than 8 tiers at", part, len);
        if (parse_num(part, klen, &thr) != KR_OK || thr < 0 ||
            kr_fixed_from_double(thr, ccy_precision, &raw) != KR_OK)
            return bad(c, "expected a threshold >= 0 in account currency, got",
                       part, klen);
        if (n == 0 && raw != 0)
            return bad(c, "the first tier's threshold must be 0, got", part,
                       klen);
        if (n > 0 && raw <= t->tiers[n - 1].threshold)
            return bad(c, "tier thresholds must increase, got", part, klen);
        int rc = num_in(c, val, vlen, 0, MAX_BPS,
                        "expected tier bps in 0..10000, got", &bps);
        if (rc)
            return rc;
        t->tiers[n].threshold = raw;
        t->tiers[n].bps = bps;
        n++;
    }
    for (size_t i = n; i < KR_COMM_MAX_TIERS; i++)
        t->tiers[i] = (kr_commission_tier){0, 0};
    t->ntiers = n;
    return KR_OK;
}

int kr_cost_parse_commission(kr_cost_model *m, const char *spec,
                             int ccy_precision, const char *field,
                             kr_error *err)
{
    if (!m || !spec)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "no commission spec");
    if (ccy_precision < 0 || ccy_precision > KR_FIXED_MAX_PRECISION)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "currency precision %d is not in 0..9",
                            ccy_precision);
    spec_ctx c = {spec, field, err};
    kr_cost_model t = *m;
    size_t klen;
    const char *args;
    split_kind(spec, &klen, &args);
    int rc;
    if (kind_is(spec, klen, "none") && !args) {
        t.comm = KR_COMM_NONE;
    } else if (kind_is(spec, klen, "per_share")) {
        t.comm = KR_COMM_PER_SHARE;
        t.min_commission = 0;
        rc = first_and_opt(&c, args, "per_share", 0, MAX_PER_SHARE,
                           "expected money per unit in 0..1e9, got",
                           &t.per_share, "min", 0, HUGE_VAL,
                           "expected min= money >= 0, got", &t.min_commission);
        if (rc)
            return rc;
        int64_t raw;
        if (kr_fixed_from_double(t.min_commission, ccy_precision, &raw) !=
            KR_OK)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "min= does not fit the account's money at "
                                "%d places",
                                ccy_precision);
    } else if (kind_is(spec, klen, "bps")) {
        t.comm = KR_COMM_BPS;
        rc = first_and_opt(&c, args, "bps", 0, MAX_BPS,
                           "expected bps in 0..10000, got", &t.comm_bps, NULL,
                           0, 0, NULL, NULL);
        if (rc)
            return rc;
    } else if (kind_is(spec, klen, "tiered")) {
        t.comm = KR_COMM_TIERED;
        rc = parse_tiers(&c, args, ccy_precision, &t);
        if (rc)
            return rc;
    } else {
        return bad(&c,
                   "expected none, per_share:P[,min=M], bps:B or "
                   "tiered:0=B0,T1=B1,..., got",
                   spec, strlen(spec));
    }
    *m = t;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Applying the model to a fill
 * ------------------------------------------------------------------------ */

/* A bar whose prices are present and consistent and whose volume is >= 0. */
static int bar_ok(const kr_fill_bar *b)
{
    if (b->open == KR_PX_NONE || b->high == KR_PX_NONE ||
        b->low == KR_PX_NONE || b->close == KR_PX_NONE)
        return 0;
    return b->low <= b->high && b->open >= b->low && b->open <= b->high &&
           b->close >= b->low && b->close <= b->high && b->volume >= 0;
}

int kr_cost_slippage(const kr_cost_model *m, const kr_instrument *inst,
                     int side, int64_t price, int64_t qty,
                     const kr_fill_bar *bar, int64_t spread, int64_t *out)
{
    if (!m || !inst || !bar || !out || !bar_ok(bar) ||
        (side != KR_BUY && side != KR_SELL) || price == KR_PX_NONE ||
        kr_instrument_check(inst) != KR_OK ||
        (spread != KR_PX_NONE && spread < 0))
        return KR_EINVAL;
    int64_t px = price;
    int rc = KR_OK;
    switch (m->slip) {
    case KR_SLIP_NONE:
        break;
    case KR_SLIP_BPS:
        rc = kr_slip_fixed_bps(inst, side, price, m->slip_bps, &px);
        break;
    case KR_SLIP_SPREAD: {
        int64_t s = spread;
        if (s == KR_PX_NONE)
            rc = kr_spread_from_bar(bar, m->spread_factor, &s);
        if (rc == KR_OK)
            rc = kr_slip_spread(inst, side, price, s, m->spread_fraction, &px);
        break;
    }
    case KR_SLIP_SQRT: {
        if (!isfinite(m->impact_sigma) || m->impact_sigma < 0)
            return KR_EINVAL;
        double sigma = m->impact_sigma;
        if (sigma == 0 && bar->close > 0)
            sigma = ((double)bar->high - (double)bar->low) /
                    (double)bar->close;
        if (qty > 0 && bar->volume > 0)
            rc = kr_slip_sqrt_impact(inst, side, price, qty, bar->volume,
                                     m->impact_k, sigma, &px);
        else if (!isfinite(m->impact_k) || m->impact_k < 0)
            rc = KR_EINVAL;
        break;
    }
    default:
        return KR_EINVAL;
    }
    if (rc)
        return rc;
    /* Never through the bar's range, and a sell never below one tick
     * (unless the price itself already was). */
    if (side == KR_BUY && px > bar->high && price <= bar->high)
        px = bar->high;
    if (side == KR_SELL && px < bar->low && price >= bar->low)
        px = bar->low;
    if (side == KR_SELL && px < 1)
        px = price < 1 ? price : 1;
    *out = px;
    return KR_OK;
}

int kr_cost_commission(const kr_cost_model *m, const kr_instrument *inst,
                       int64_t qty, int64_t price, int ccy_precision,
                       int64_t *out)
{
    if (!m || !inst || !out || qty <= 0 || price == KR_PX_NONE ||
        ccy_precision < 0 || ccy_precision > KR_FIXED_MAX_PRECISION ||
        kr_instrument_check(inst) != KR_OK)
        return KR_EINVAL;
    int64_t c = 0, notional, minimum;
    int rc = KR_OK;
    switch (m->comm) {
    case KR_COMM_NONE:
        break;
    case KR_COMM_PER_SHARE:
        if (!isfinite(m->min_commission) || m->min_commission < 0 ||
            kr_fixed_from_double(m->min_commission, ccy_precision,
                                 &minimum) != KR_OK)
            return KR_EINVAL;
        rc = kr_commission_per_share(inst, qty, m->per_share, minimum,
                                     ccy_precision, &c);
        break;
    case KR_COMM_BPS:
        rc = kr_notional(inst, price, qty, ccy_precision, &notional);
        if (rc == KR_OK)
            rc = kr_commission_bps(notional, m->comm_bps, &c);
        break;
    case KR_COMM_TIERED:
        if (m->ntiers < 1 || m->ntiers > KR_COMM_MAX_TIERS)
            return KR_EINVAL;
        rc = kr_notional(inst, price, qty, ccy_precision, &notional);
        if (rc == KR_OK)
            rc = kr_commission_tiered(notional, m->tiers, m->ntiers, &c);
        break;
    default:
        return KR_EINVAL;
    }
    if (rc)
        return rc;
    *out = c;
    return KR_OK;
}

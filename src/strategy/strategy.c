/* strategy.c -- the table of built-in strategies, their spec parser, the
 * --size parser, and the order logic every built-in shares.
 *
 * One table, kr__strategy_defs, lists the built-ins sorted by name; each
 * entry (a kr__strat_def in the built-in's own file) carries the info the
 * command line lists and the docs repeat, the ops and a check of the
 * relations between parameters. A spec is parsed against the entry's
 * parameter list in full before anything is allocated, so that a bad spec
 * changes nothing and names what was wrong and what is allowed.
 *
 * The shared order logic (kr__strat_bar, kr__strat_want) keeps the rules in
 * the built-in files down to "which state do I want": +1 long, 0 flat, -1
 * short. The held state is read from the account (the sign of
 * kr_ctx_position), not remembered, so that a position closed behind the
 * strategy's back (a bracket's stop, a margin call) is seen as flat on the
 * next bar. A strategy sends at most one order of its own per symbol at a
 * time: while it is open the symbol's decisions wait. An order that filled
 * nothing (rejected by risk, canceled because the target was already held)
 * marks its state as failed, and that state is not asked again until the
 * rule has wanted the held state in between, so that a refused entry is not
 * resent on every bar. Sizing turns a state into an order: a target
 * fraction of equity (fraction and volatility target) or a market order
 * for the difference to +qty/-qty/0 (fixed quantity).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/oms.h"
#include "kairos/strategy.h"
#include "kairos/ta.h"
#include "strategy/internal.h"

/* ------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

/* Sorted by name: the order of --list and of the docs. */
static const kr__strat_def *const kr__strategy_defs[] = {
    &kr__bollinger_reversion_def,
    &kr__donchian_breakout_def,
    &kr__rsi_reversion_def,
    &kr__sma_cross_def,
};

#define NDEFS (sizeof kr__strategy_defs / sizeof kr__strategy_defs[0])

size_t kr_strategy_count(void) { return NDEFS; }

const kr_strategy_info *kr_strategy_info_at(size_t i)
{
    return i < NDEFS ? &kr__strategy_defs[i]->info : NULL;
}

static const kr__strat_def *find_def(const char *name, size_t len)
{
    for (size_t i = 0; i < NDEFS; i++) {
        const char *n = kr__strategy_defs[i]->info.name;
        if (strlen(n) == len && !memcmp(n, name, len))
            return kr__strategy_defs[i];
    }
    return NULL;
}

const kr_strategy_info *kr_strategy_find(const char *name)
{
    if (!name)
        return NULL;
    const kr__strat_def *d = find_def(name, strlen(name));
    return d ? &d->info : NULL;
}

/* ------------------------------------------------------------------------
 * Parsing helpers
 * ------------------------------------------------------------------------ */

/* The names of the built-ins, ", "-joined, for messages. */
static void strategy_names(char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NDEFS && o < size; i++) {
        int n = snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
                         kr__strategy_defs[i]->info.name);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static void param_names(const kr_strategy_info *info, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < info->nparams && o < size; i++) {
        int n = snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
                         info->params[i].name);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* parse_number reads the whole of s[0, len) as a finite decimal number:
 * no blanks, nothing after it. Returns 0 and *v, or -1. */
static int parse_number(const char *s, size_t len, double *v)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || isspace((unsigned char)s[0]))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        /* Decimal only: no hex floats, no inf or nan words. */
        unsigned char c = (unsigned char)buf[i];
        if (!(isdigit(c) || c == '.' || c == '-' || c == '+' || c == 'e' ||
              c == 'E'))
            return -1;
    }
    char *end;
    double x = strtod(buf, &end);
    if (*end || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

/* One key=value token of a spec's parameter list. */
typedef struct spec_token {
    const char *key;
    size_t klen;
    const char *val;
    size_t vlen;
} spec_token;

/* next_token splits the list at *p into one token; empty tokens and tokens
 * without '=' are errors the caller reports. Returns 1 and advances *p past
 * the token and its ',' or returns 0 at the end. `empty` is set for an
 * empty token, `noeq` for a token without '='. */
static int next_token(const char **p, spec_token *t, int *empty, int *noeq)
{
    const char *s = *p;
    if (!s)
        return 0;
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    *empty = n == 0;
    const char *eq = memchr(s, '=', n);
    *noeq = !*empty && !eq;
    t->key = s;
    t->klen = eq ? (size_t)(eq - s) : n;
    t->val = eq ? eq + 1 : s + n;
    t->vlen = eq ? n - t->klen - 1 : 0;
    *p = comma ? comma + 1 : NULL;
    return 1;
}

/* ------------------------------------------------------------------------
 * Strategy specs
 * ------------------------------------------------------------------------ */

/* check_param tests v against p's range and wholeness; on failure writes
 * the message naming the parameter and its range. */
static int check_param(const kr_strategy_param *p, double v, char *msg,
                       size_t size)
{
    if (!(v >= p->min && v <= p->max)) {
        snprintf(msg, size, "%s = %.10g is out of range [%.10g, %.10g]",
                 p->name, v, p->min, p->max);
        return -1;
    }
    if (p->integer && v != floor(v)) {
        snprintf(msg, size, "%s = %.10g must be a whole number", p->name, v);
        return -1;
    }
    return 0;
}

/* parse_spec resolves `spec` into its table entry and parameters. */
static int parse_spec(const char *spec, const kr__strat_def **out,
                      double params[KR_STRATEGY_MAX_PARAMS], const char *field,
                      kr_error *err)
{
    char names[160], q[160], msg[384];
    strategy_names(names, sizeof names);
    if (!spec || !*spec)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "expected NAME[:KEY=VALUE,...], NAME one of: %s",
                            names);
    const char *colon = strchr(spec, ':');
    size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    const kr__strat_def *d = find_def(spec, nlen);
    if (!d)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "unknown strategy '%s' (one of: %s)",
                            kr_escape(spec, nlen, q, 64), names);
    const kr_strategy_info *info = &d->info;
    char pnames[160];
    param_names(info, pnames, sizeof pnames);
    int seen[KR_STRATEGY_MAX_PARAMS] = {0};
    for (size_t i = 0; i < info->nparams; i++)
        params[i] = info->params[i].def;
    if (colon) {
        const char *p = colon + 1;
        if (!*p)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "%s: empty parameter list after ':' "
                                "(parameters: %s)",
                                info->name, pnames);
        spec_token t;
        int empty, noeq;
        while (next_token(&p, &t, &empty, &noeq)) {
            if (empty)
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "%s: empty parameter in '%s'", info->name,
                                    kr_escape(spec, strlen(spec), q, 128));
            if (noeq)
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "%s: expected KEY=VALUE, got '%s' "
                                    "(parameters: %s)",
                                    info->name,
                                    kr_escape(t.key, t.klen, q, 64), pnames);
            size_t k = 0;
            while (k < info->nparams &&
                   !(strlen(info->params[k].name) == t.klen &&
                     !memcmp(info->params[k].name, t.key, t.klen)))
                k++;
            if (k == info->nparams)
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "%s has no parameter '%s' (parameters: "
                                    "%s)",
                                    info->name,
                                    kr_escape(t.key, t.klen, q, 64), pnames);
            if (seen[k])
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "%s: parameter '%s' given twice",
                                    info->name, info->params[k].name);
            seen[k] = 1;
            double v;
            if (parse_number(t.val, t.vlen, &v))
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "%s: %s: expected a number, got '%s'",
                                    info->name, info->params[k].name,
                                    kr_escape(t.val, t.vlen, q, 64));
            if (check_param(&info->params[k], v, msg, sizeof msg))
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "%s: %s", info->name, msg);
            params[k] = v;
        }
    }
    if (d->check && d->check(params, msg, sizeof msg))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field, "%s: %s",
                            info->name, msg);
    *out = d;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Sizing
 * ------------------------------------------------------------------------ */

/* check_sizing tests a sizing as kr_strategy_create receives it. */
static int check_sizing(const kr_sizing *s, const char *field, kr_error *err)
{
    switch (s->kind) {
    case KR_SIZE_FRACTION:
        if (!(s->fraction > 0 && s->fraction <= 100))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "fraction %.10g is out of range (0, 100]",
                                s->fraction);
        return KR_OK;
    case KR_SIZE_QTY:
        if (!(s->qty > 0 && isfinite(s->qty)))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "qty %.10g must be a positive number", s->qty);
        return KR_OK;
    case KR_SIZE_VOL_TARGET:
        if (!(s->vol_target > 0 && s->vol_target <= 10))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "vol target %.10g is out of range (0, 10]",
                                s->vol_target);
        if (s->vol_window < 2 || s->vol_window > 100000)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "window = %d is out of range [2, 100000]",
                                (int)s->vol_window);
        if (!(s->max_fraction > 0 && s->max_fraction <= 100))
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "max = %.10g is out of range (0, 100]",
                                s->max_fraction);
        return KR_OK;
    default:
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "unknown sizing kind %d", (int)s->kind);
    }
}

int kr_sizing_parse(const char *spec, kr_sizing *s, const char *field,
                    kr_error *err)
{
    static const char usage[] =
        "expected fraction:F, qty:Q or vol:T[,window=W][,max=M]";
    char q[160];
    if (!spec || !*spec)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field, "%s", usage);
    const char *colon = strchr(spec, ':');
    if (!colon)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "'%s': %s", kr_escape(spec, strlen(spec), q, 64),
                            usage);
    size_t klen = (size_t)(colon - spec);
    kr_sizing z;
    kr_sizing_init(&z);
    const char *rest = colon + 1;
    const char *comma = strchr(rest, ',');
    size_t vlen = comma ? (size_t)(comma - rest) : strlen(rest);
    double v;
    if (klen == 8 && !memcmp(spec, "fraction", 8))
        z.kind = KR_SIZE_FRACTION;
    else if (klen == 3 && !memcmp(spec, "qty", 3))
        z.kind = KR_SIZE_QTY;
    else if (klen == 3 && !memcmp(spec, "vol", 3))
        z.kind = KR_SIZE_VOL_TARGET;
    else
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "unknown sizing '%s': %s",
                            kr_escape(spec, klen, q, 64), usage);
    if (parse_number(rest, vlen, &v))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "%.*s: expected a number, got '%s'", (int)klen,
                            spec, kr_escape(rest, vlen, q, 64));
    if (z.kind == KR_SIZE_FRACTION)
        z.fraction = v;
    else if (z.kind == KR_SIZE_QTY)
        z.qty = v;
    else
        z.vol_target = v;
    if (comma && z.kind != KR_SIZE_VOL_TARGET)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "%.*s takes one value, got '%s'", (int)klen, spec,
                            kr_escape(comma, strlen(comma), q, 64));
    if (comma) {
        const char *p = comma + 1;
        int seen_w = 0, seen_m = 0, empty, noeq;
        spec_token t;
        if (!*p)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                "vol: trailing ','");
        while (next_token(&p, &t, &empty, &noeq)) {
            if (empty || noeq)
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "vol: expected window=W or max=M, got "
                                    "'%s'",
                                    kr_escape(t.key, t.klen, q, 64));
            int is_w = t.klen == 6 && !memcmp(t.key, "window", 6);
            int is_m = t.klen == 3 && !memcmp(t.key, "max", 3);
            if (!is_w && !is_m)
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "vol has no option '%s' (options: "
                                    "window, max)",
                                    kr_escape(t.key, t.klen, q, 64));
            if ((is_w && seen_w) || (is_m && seen_m))
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "vol: option '%s' given twice",
                                    is_w ? "window" : "max");
            if (parse_number(t.val, t.vlen, &v))
                return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                    "vol: %s: expected a number, got '%s'",
                                    is_w ? "window" : "max",
                                    kr_escape(t.val, t.vlen, q, 64));
            if (is_w) {
                seen_w = 1;
                if (!(v >= 2 && v <= 100000) || v != floor(v))
                    return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                                        "vol: window = %.10g must be a whole "
                                        "number in [2, 100000]",
                                        v);
                z.vol_window = (int32_t)v;
            } else {
                seen_m = 1;
                z.max_fraction = v;
            }
        }
    }
    int rc = check_sizing(&z, field, err);
    if (rc)
        return rc;
    *s = z;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Creation
 * ------------------------------------------------------------------------ */

int kr_strategy_create(const char *spec, const kr_sizing *sizing,
                       int allow_short, kr_strategy *out, const char *field,
                       kr_error *err)
{
    const kr__strat_def *d = NULL;
    double params[KR_STRATEGY_MAX_PARAMS] = {0};
    int rc = parse_spec(spec, &d, params, field, err);
    if (rc)
        return rc;
    kr_sizing sz;
    if (sizing)
        sz = *sizing;
    else
        kr_sizing_init(&sz);
    rc = check_sizing(&sz, field, err);
    if (rc)
        return rc;
    kr__strat *b = calloc(1, d->size);
    if (!b)
        return kr_error_set(err, KR_ENOMEM, NULL, 0, 0, field,
                            "out of memory");
    b->sizing = sz;
    b->allow_short = allow_short != 0;
    b->name = d->info.name;
    memcpy(b->params, params, sizeof b->params);
    out->ops = d->ops;
    out->self = b;
    return KR_OK;
}

void kr_strategy_destroy(kr_strategy *s)
{
    if (!s)
        return;
    if (s->ops && s->ops->destroy && s->self)
        s->ops->destroy(s->self);
    s->ops = NULL;
    s->self = NULL;
}

/* ------------------------------------------------------------------------
 * Shared order logic
 * ------------------------------------------------------------------------ */

void kr__strat_free_streams(kr_ta_stream **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++) {
        kr_ta_stream_free(s[i]);
        s[i] = NULL;
    }
}

int kr__strat_alloc_streams(kr_ta_stream **out, size_t n,
                            const kr_ta_info *info, const double *params)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = kr_ta_stream_new(info, params, &out[i]);
        if (rc) {
            kr__strat_free_streams(out, i);
            return rc;
        }
    }
    return KR_OK;
}

void kr__strat_free(kr__strat *b)
{
    if (!b || !b->sym)
        return;
    for (size_t i = 0; i < b->nsym; i++)
        kr_ta_stream_free(b->sym[i].vol_stream);
    free(b->sym);
    b->sym = NULL;
    b->nsym = 0;
}

int kr__strat_start(kr__strat *b, kr_ctx *ctx)
{
    kr__strat_free(b);
    size_t n = kr_ctx_nsymbols(ctx);
    b->sym = calloc(n ? n : 1, sizeof *b->sym);
    if (!b->sym)
        return KR_ENOMEM;
    b->nsym = n;
    double vp[2] = {(double)b->sizing.vol_window, 1.0};
    for (size_t i = 0; i < n; i++) {
        kr__strat_sym *y = &b->sym[i];
        y->want_failed = KR__WANT_NONE;
        y->prev_close = NAN;
        y->vol = NAN;
        if (b->sizing.kind == KR_SIZE_VOL_TARGET &&
            kr_ta_stream_new(&kr_stddev_info, vp, &y->vol_stream)) {
            kr__strat_free(b);
            return KR_ENOMEM;
        }
    }
    return KR_OK;
}

static int sign_of(double x) { return (x > 0) - (x < 0); }

int kr__strat_bar(kr__strat *b, kr_ctx *ctx, uint32_t symbol,
                  const kr_bar *bar, int *held)
{
    *held = 0;
    if (symbol >= b->nsym)
        return 0;
    kr__strat_sym *y = &b->sym[symbol];
    if (y->vol_stream) {
        /* Sample standard deviation of the last W simple returns: the
         * stream gives the population one, so times sqrt(W / (W - 1)). */
        if (isfinite(y->prev_close) && y->prev_close > 0) {
            const double r = bar->close / y->prev_close - 1.0, w =
                                 (double)b->sizing.vol_window;
            double sd;
            kr_ta_stream_next(y->vol_stream, &r, &sd);
            y->vol = sd * sqrt(w / (w - 1.0)) *
                     sqrt(kr_ctx_periods_per_year(ctx));
        }
    }
    y->prev_close = bar->close;
    *held = sign_of(kr_ctx_position(ctx, symbol));
    if (y->pending) {
        const kr_order *o = kr_ctx_order(ctx, y->pending);
        if (o && kr_order_is_open(o))
            return 0;
        y->want_failed = (!o || o->filled_qty == 0) ? y->want_sent
                                                    : KR__WANT_NONE;
        y->pending = 0;
    }
    return 1;
}

int kr__strat_send(kr__strat *b, kr_ctx *ctx, uint32_t symbol,
                   const kr_bar *bar, int held, int want, double stop_dist)
{
    if (symbol >= b->nsym)
        return KR_OK;
    kr__strat_sym *y = &b->sym[symbol];
    if (want < 0 && !b->allow_short)
        want = 0;
    if (want == held) {
        y->want_failed = KR__WANT_NONE;
        return KR_OK;
    }
    if (want == y->want_failed)
        return KR_OK;
    kr_order_request r;
    kr_order_request_init(&r);
    r.symbol = symbol;
    r.type = KR_ORDER_MARKET;
    r.tif = KR_TIF_GTC;
    r.tag = want > 0 ? "long" : want < 0 ? "short" : "flat";
    const kr_sizing *s = &b->sizing;
    if (s->kind == KR_SIZE_QTY) {
        const kr_instrument *inst = kr_ctx_instrument(ctx, symbol);
        double lot = inst ? kr_fixed_to_double(inst->lot_size,
                                               inst->size_precision)
                          : 0.0;
        double diff = kr_round_lot((double)want * s->qty -
                                       kr_ctx_position(ctx, symbol),
                                   lot);
        if (diff == 0)
            return KR_OK;
        r.side = diff > 0 ? KR_BUY : KR_SELL;
        r.qty = fabs(diff);
    } else if (s->kind == KR_SIZE_VOL_TARGET && want != 0) {
        if (!isfinite(y->vol))
            return KR_OK; /* the window is not full yet */
        /* A flat window has no volatility: the cap is the answer. */
        double f = y->vol > 0 ? kr_size_vol_fraction(s->vol_target, y->vol,
                                                     s->max_fraction)
                              : s->max_fraction;
        if (!isfinite(f) || !(f > 0))
            return KR_OK;
        r.target = (double)want * f;
    } else {
        r.target = (double)want * (s->kind == KR_SIZE_FRACTION ? s->fraction
                                                                : 0.0);
    }
    if (stop_dist > 0 && want != 0) {
        double px = bar->close - (double)want * stop_dist;
        if (px > 0 && isfinite(px))
            r.stop_loss = px;
    }
    /* What is left open is a bracket child of the position being left. */
    if (kr_ctx_open_orders(ctx, symbol))
        kr_ctx_cancel_all(ctx, symbol);
    uint64_t id = 0;
    int rc = kr_ctx_submit(ctx, &r, &id);
    if (rc == KR_EREJECTED) {
        y->want_failed = want;
        return KR_OK;
    }
    if (rc)
        return rc;
    y->pending = id;
    y->want_sent = want;
    return KR_OK;
}

/* labels.c -- labels that look forward: fixed horizon and triple barrier.
 *
 * A label at row t is what happened after the close of bar t: +1, -1 or
 * 0, the row `end` where it was decided and the log return from close[t]
 * to the exit. Features are never computed here and labels never feed a
 * feature; `end` is what lets cross-validation purge overlapping labels and
 * kr_uniqueness weight them.
 *
 * The volatility that scales the barriers is the "vol" feature itself
 * (kr__rolling_vol: the sample standard deviation of the last n 1-bar log
 * returns, through ta's STDDEV), so it is known at the row and the labels
 * agree with the feature a model sees. The triple barrier follows Lopez de
 * Prado, Advances in Financial Machine Learning (2018), section 3.4, with
 * log returns and closes by default: touching a barrier means a close at or
 * beyond it, which is what a strategy that acts on closes can trade. The
 * alternative, KR_TOUCH_HL, reads the bar's high and low and exits at the
 * barrier price (at the open when the bar gapped through it); a bar that
 * reaches both barriers cannot say which came first, and is read as a
 * stop-loss unless its open was already beyond one of them.
 *
 * Every row needs h bars after it, even one whose horizontal barrier is
 * hit sooner: otherwise the rows near the end of the data would be
 * labelled only when they move fast, a bias, and the set of labelled rows
 * would change as data arrives. Rows without that future, or without a
 * volatility (the first n rows, or a window of unchanged closes), get no
 * label and are counted.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "features/internal.h"
#include "kairos/features.h"

void kr_labels_init(kr_labels *l) { memset(l, 0, sizeof *l); }

void kr_labels_free(kr_labels *l)
{
    if (!l)
        return;
    free(l->label);
    free(l->end);
    free(l->ret);
    free(l->weight);
    free(l->sigma);
    memset(l, 0, sizeof *l);
}

/* Sizes the columns for n rows and sets every row to "no label". */
static int labels_reset(kr_labels *l, size_t n)
{
    if (l->cap < n || !l->label) {
        size_t cap = n ? n : 1;
        double *lab = malloc(cap * sizeof *lab);
        int64_t *end = malloc(cap * sizeof *end);
        double *ret = malloc(cap * sizeof *ret);
        double *w = malloc(cap * sizeof *w);
        double *sig = malloc(cap * sizeof *sig);
        if (!lab || !end || !ret || !w || !sig) {
            free(lab);
            free(end);
            free(ret);
            free(w);
            free(sig);
            return KR_ENOMEM;
        }
        kr_labels_free(l);
        l->label = lab;
        l->end = end;
        l->ret = ret;
        l->weight = w;
        l->sigma = sig;
        l->cap = cap;
    }
    l->n = n;
    l->labeled = l->no_future = l->no_vol = 0;
    memset(l->by_barrier, 0, sizeof l->by_barrier);
    for (size_t i = 0; i < n; i++) {
        l->label[i] = l->ret[i] = l->weight[i] = l->sigma[i] = NAN;
        l->end[i] = -1;
    }
    return KR_OK;
}

/* sigma[t] for every row: the "vol" feature over `window` bars. */
static int volatility(const kr_bars *b, size_t window, const double *target,
                      double *sigma)
{
    if (target) {
        memcpy(sigma, target, b->n * sizeof *sigma);
        return KR_OK;
    }
    double *r1 = malloc((b->n ? b->n : 1) * sizeof *r1);
    if (!r1)
        return KR_ENOMEM;
    kr__logret(b, r1);
    int rc = kr__rolling_vol(b->n, r1, window, sigma);
    free(r1);
    return rc;
}

static double sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }

/* ------------------------------------------------------------------------
 * Option strings: "key=value,key=value"
 * ------------------------------------------------------------------------ */

typedef int (*opt_fn)(void *o, const char *key, const char *val,
                      kr_error *err);

static int opt_error(kr_error *err, const char *key, const char *what,
                     const char *val)
{
    char q[80];
    kr_escape(val, strlen(val), q, sizeof q);
    return kr_error_set(err, KR_EINVAL, NULL, 0, 0, key,
                        "expected %s, got '%s'", what, q);
}

static int opt_size(const char *key, const char *val, size_t lo, size_t hi,
                    size_t *out, kr_error *err)
{
    char what[64];
    snprintf(what, sizeof what, "a whole number in %zu .. %zu", lo, hi);
    if (!isdigit((unsigned char)*val))
        return opt_error(err, key, what, val);
    errno = 0;
    char *e;
    unsigned long long v = strtoull(val, &e, 10);
    if (errno || *e || v < lo || v > hi)
        return opt_error(err, key, what, val);
    *out = (size_t)v;
    return KR_OK;
}

static int opt_double(const char *key, const char *val, double lo, double hi,
                      double *out, kr_error *err)
{
    char *e;
    double v = strtod(val, &e);
    if (e == val || *e || !(v >= lo && v <= hi)) {
        char what[64];
        snprintf(what, sizeof what, "a number in %g .. %g", lo, hi);
        return opt_error(err, key, what, val);
    }
    *out = v;
    return KR_OK;
}

/* Splits s at ',' into key=value pairs and hands each to fn. */
static int parse_opts(const char *s, void *o, opt_fn fn, kr_error *err)
{
    if (!s || !*s)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "expected key=value[,key=value...]");
    while (*s) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        char tok[96];
        if (n == 0 || n >= sizeof tok)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                                "empty or overlong key=value");
        memcpy(tok, s, n);
        tok[n] = '\0';
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1]) {
            char q[120];
            kr_escape(tok, n, q, sizeof q);
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, q,
                                "expected key=value");
        }
        *eq = '\0';
        int rc = fn(o, tok, eq + 1, err);
        if (rc)
            return rc;
        if (!end)
            break;
        s = end + 1;
        if (!*s)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                                "empty key=value at the end");
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Triple barrier
 * ------------------------------------------------------------------------ */

void kr_triple_barrier_init(kr_triple_barrier *o)
{
    o->pt = 2;
    o->sl = 2;
    o->h = 10;
    o->vol = 20;
    o->vertical_zero = false;
    o->touch = KR_TOUCH_CLOSE;
    o->target = NULL;
}

static int tb_opt(void *vo, const char *key, const char *val, kr_error *err)
{
    kr_triple_barrier *o = vo;
    char q[64];
    if (!strcasecmp(key, "pt"))
        return opt_double(key, val, 0, 1e6, &o->pt, err);
    if (!strcasecmp(key, "sl"))
        return opt_double(key, val, 0, 1e6, &o->sl, err);
    if (!strcasecmp(key, "h"))
        return opt_size(key, val, 1, 10000000, &o->h, err);
    if (!strcasecmp(key, "vol"))
        return opt_size(key, val, 2, 100000, &o->vol, err);
    if (!strcasecmp(key, "vertical")) {
        if (!strcasecmp(val, "sign") || !strcasecmp(val, "zero")) {
            o->vertical_zero = !strcasecmp(val, "zero");
            return KR_OK;
        }
        return opt_error(err, key, "sign or zero", val);
    }
    if (!strcasecmp(key, "touch")) {
        if (!strcasecmp(val, "close") || !strcasecmp(val, "hl")) {
            o->touch = strcasecmp(val, "hl") ? KR_TOUCH_CLOSE : KR_TOUCH_HL;
            return KR_OK;
        }
        return opt_error(err, key, "close or hl", val);
    }
    return kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                        kr_escape(key, strlen(key), q, sizeof q),
                        "unknown key: expected pt, sl, h, vol, vertical or "
                        "touch");
}

static int tb_check(const kr_triple_barrier *o, kr_error *err)
{
    if (!(o->pt >= 0 && o->pt <= 1e6))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "pt",
                            "expected a number in 0 .. 1e6");
    if (!(o->sl >= 0 && o->sl <= 1e6))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "sl",
                            "expected a number in 0 .. 1e6");
    if (o->pt == 0 && o->sl == 0)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "pt",
                            "pt and sl are both 0: no horizontal barrier "
                            "(use the fixed horizon instead)");
    if (o->h < 1)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "h",
                            "expected at least 1 bar");
    if (o->vol < 2 || o->vol > 100000)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "vol",
                            "expected a window of 2 .. 100000 bars");
    if (o->touch != KR_TOUCH_CLOSE && o->touch != KR_TOUCH_HL)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "touch",
                            "expected close or hl");
    return KR_OK;
}

int kr_triple_barrier_parse(const char *s, kr_triple_barrier *o,
                            kr_error *err)
{
    kr_triple_barrier tmp = *o;
    int rc = parse_opts(s, &tmp, tb_opt, err);
    if (!rc)
        rc = tb_check(&tmp, err);
    if (!rc)
        *o = tmp;
    return rc;
}

enum { HIT_NONE = 0, HIT_UP = 1, HIT_DOWN = 2 };

/* Scans bars t+1 .. t+h of a row whose barriers are up/dn (log returns;
 * +-INFINITY when absent); sets *end and *ret. */
static int scan_close(const kr_bars *b, size_t t, size_t h, double up,
                      double dn, size_t *end, double *ret)
{
    const double c0 = b->close[t];
    for (size_t j = t + 1; j <= t + h; j++) {
        const double r = log(b->close[j] / c0);
        if (r >= up || r <= dn) {
            *end = j;
            *ret = r;
            return r >= up ? HIT_UP : HIT_DOWN;
        }
    }
    *end = t + h;
    *ret = log(b->close[t + h] / c0);
    return HIT_NONE;
}

static int scan_hl(const kr_bars *b, size_t t, size_t h, double up,
                   double dn, size_t *end, double *ret)
{
    const double c0 = b->close[t];
    const double pu = c0 * exp(up), pd = c0 * exp(dn); /* inf and 0 if none */
    for (size_t j = t + 1; j <= t + h; j++) {
        const bool hu = b->high[j] >= pu, hd = b->low[j] <= pd;
        if (!hu && !hd)
            continue;
        const double o = b->open[j];
        int hit;
        if (hu && hd)
            hit = o >= pu ? HIT_UP : HIT_DOWN; /* unknown order: the stop */
        else
            hit = hu ? HIT_UP : HIT_DOWN;
        const double px = hit == HIT_UP ? (o > pu ? o : pu) : (o < pd ? o : pd);
        *end = j;
        *ret = log(px / c0);
        return hit;
    }
    *end = t + h;
    *ret = log(b->close[t + h] / c0);
    return HIT_NONE;
}

int kr_label_triple_barrier(const kr_bars *b, const kr_triple_barrier *o,
                            kr_labels *out, kr_error *err)
{
    int rc = tb_check(o, err);
    if (rc)
        return rc;
    const size_t n = b->n;
    if ((rc = labels_reset(out, n)) ||
        (rc = volatility(b, o->vol, o->target, out->sigma)))
        return kr_error_set(err, rc, NULL, 0, 0, NULL, "%s", kr_strerror(rc));
    for (size_t t = 0; t < n; t++) {
        const double s = out->sigma[t];
        if (!(s > 0) || !isfinite(s)) {
            out->no_vol++;
            continue;
        }
        if (n - t <= o->h) {
            out->no_future++;
            continue;
        }
        const double up = o->pt > 0 ? o->pt * s : INFINITY;
        const double dn = o->sl > 0 ? -o->sl * s : -INFINITY;
        size_t end;
        double ret;
        int hit = o->touch == KR_TOUCH_HL
                      ? scan_hl(b, t, o->h, up, dn, &end, &ret)
                      : scan_close(b, t, o->h, up, dn, &end, &ret);
        if (isnan(ret)) { /* a non-positive or NaN price in the path */
            out->no_vol++;
            continue;
        }
        out->end[t] = (int64_t)end;
        out->ret[t] = ret;
        if (hit == HIT_UP) {
            out->label[t] = 1;
            out->by_barrier[0]++;
        } else if (hit == HIT_DOWN) {
            out->label[t] = -1;
            out->by_barrier[1]++;
        } else {
            out->label[t] = o->vertical_zero ? 0.0 : sign(ret);
            out->by_barrier[2]++;
        }
        out->labeled++;
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Fixed horizon
 * ------------------------------------------------------------------------ */

void kr_horizon_init(kr_horizon *o)
{
    o->h = 5;
    o->k = 0;
    o->vol = 20;
    o->target = NULL;
}

static int hz_opt(void *vo, const char *key, const char *val, kr_error *err)
{
    kr_horizon *o = vo;
    char q[64];
    if (!strcasecmp(key, "h"))
        return opt_size(key, val, 1, 10000000, &o->h, err);
    if (!strcasecmp(key, "k"))
        return opt_double(key, val, 0, 1e6, &o->k, err);
    if (!strcasecmp(key, "vol"))
        return opt_size(key, val, 2, 100000, &o->vol, err);
    return kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                        kr_escape(key, strlen(key), q, sizeof q),
                        "unknown key: expected h, k or vol");
}

static int hz_check(const kr_horizon *o, kr_error *err)
{
    if (o->h < 1)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "h",
                            "expected at least 1 bar");
    if (!(o->k >= 0 && o->k <= 1e6))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "k",
                            "expected a number in 0 .. 1e6");
    if (o->k > 0 && (o->vol < 2 || o->vol > 100000))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "vol",
                            "expected a window of 2 .. 100000 bars");
    return KR_OK;
}

int kr_horizon_parse(const char *s, kr_horizon *o, kr_error *err)
{
    kr_horizon tmp = *o;
    int rc = parse_opts(s, &tmp, hz_opt, err);
    if (!rc)
        rc = hz_check(&tmp, err);
    if (!rc)
        *o = tmp;
    return rc;
}

int kr_label_horizon(const kr_bars *b, const kr_horizon *o, kr_labels *out,
                     kr_error *err)
{
    int rc = hz_check(o, err);
    if (rc)
        return rc;
    const size_t n = b->n;
    if ((rc = labels_reset(out, n)) ||
        (o->k > 0 && (rc = volatility(b, o->vol, o->target, out->sigma))))
        return kr_error_set(err, rc, NULL, 0, 0, NULL, "%s", kr_strerror(rc));
    for (size_t t = 0; t < n; t++) {
        double band = 0;
        if (o->k > 0) {
            const double s = out->sigma[t];
            if (!(s > 0) || !isfinite(s)) {
                out->no_vol++;
                continue;
            }
            band = o->k * s;
        }
        if (n - t <= o->h) {
            out->no_future++;
            continue;
        }
        const double ret = log(b->close[t + o->h] / b->close[t]);
        if (isnan(ret)) {
            out->no_vol++;
            continue;
        }
        out->end[t] = (int64_t)(t + o->h);
        out->ret[t] = ret;
        out->label[t] = ret > band ? 1.0 : ret < -band ? -1.0 : 0.0;
        out->labeled++;
    }
    return KR_OK;
}

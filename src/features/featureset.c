/* featureset.c -- feature sets: the spec parser, column names, look-backs,
 * and computing a set over one series into a column-major matrix.
 *
 * A set is a flat list of items, each a kind of the table in kinds.c with
 * its parameters, a ta indicator (one item, several columns) or a custom
 * function, optionally z-scored over a rolling window of its own values.
 * The spec grammar is the one a person types on a command line and the one
 * a YAML list flattens to (kr_config joins a sequence with ','), so the
 * parser first splits on separators and then glues to the item before it
 * every token that can only be a parameter: a number or name=value. That
 * keeps "ind:macd:12,26,9" readable without brackets or quotes. Every item
 * is checked, and every column name found unique, before the set is
 * handed back: a bad spec leaves nothing behind.
 *
 * kr_featureset_compute runs the items one after the other over the
 * matrix's columns. The matrix owns all the memory a compute needs (the
 * columns, the log returns computed once for every kind, two scratch
 * columns), so a caller that reuses one matrix -- the look-ahead checker,
 * a per-symbol loop -- allocates only when a series is longer than any
 * before it. Columns are 64-byte aligned (the stride is a multiple of 8
 * doubles) for ta's vector kernels.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "features/internal.h"
#include "kairos/features.h"

/* ------------------------------------------------------------------------
 * Sets
 * ------------------------------------------------------------------------ */

void kr_featureset_init(kr_featureset *fs) { memset(fs, 0, sizeof *fs); }

void kr_featureset_free(kr_featureset *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->ncols; i++)
        free(fs->names[i]);
    free(fs->names);
    free(fs->v);
    memset(fs, 0, sizeof *fs);
}

size_t kr_featureset_lookback(const kr_featureset *fs) { return fs->lookback; }

static bool name_taken(const kr_featureset *fs, const char *name)
{
    for (size_t i = 0; i < fs->ncols; i++)
        if (!strcmp(fs->names[i], name))
            return true;
    return false;
}

/* Appends feature f with its column names (ncols of them, copied); all or
 * nothing. */
static int push(kr_featureset *fs, const kr_feature *f,
                char (*names)[KR_FEATURE_NAME_MAX])
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? 2 * fs->cap : 8;
        kr_feature *v = realloc(fs->v, cap * sizeof *v);
        if (!v)
            return KR_ENOMEM;
        fs->v = v;
        fs->cap = cap;
    }
    char **nn = realloc(fs->names, (fs->ncols + f->ncols) * sizeof *nn);
    if (!nn)
        return KR_ENOMEM;
    fs->names = nn;
    for (size_t k = 0; k < f->ncols; k++) {
        nn[fs->ncols + k] = strdup(names[k]);
        if (!nn[fs->ncols + k]) {
            while (k--)
                free(nn[fs->ncols + k]);
            return KR_ENOMEM;
        }
    }
    kr_feature *dst = &fs->v[fs->n++];
    *dst = *f;
    dst->col = fs->ncols;
    fs->ncols += f->ncols;
    if (f->lookback > fs->lookback)
        fs->lookback = f->lookback;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Parsing one item
 * ------------------------------------------------------------------------ */

/* Sets err: the item (quoted) as the field, and the message. */
static int item_error(kr_error *err, int code, const char *item,
                      const char *fmt, ...) KR_PRINTF(4, 5);
static int item_error(kr_error *err, int code, const char *item,
                      const char *fmt, ...)
{
    char q[64];
    kr_escape(item, strlen(item), q, sizeof q);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kr_error_set(err, code, NULL, 0, 0, q, "%s", msg);
}

/* Parses a whole number in [lo, hi]. */
static bool parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e || v < lo || v > hi)
        return false;
    *out = (size_t)v;
    return true;
}

/* Writes "%.10g" of v. */
static void fmt_num(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.10g", v);
}

/* The kind's column name: name, then the parameters joined by '_', without
 * trailing ones (after the first) that equal their defaults. */
static void kind_name(const kr_feature_kind *k, const double *p, char *buf,
                      size_t size)
{
    int last = k->nparams;
    while (last > 1 && p[last - 1] == k->params[last - 1].def)
        last--;
    size_t len = (size_t)snprintf(buf, size, "%s", k->name);
    for (int i = 0; i < last && len < size; i++) {
        char num[32];
        fmt_num(num, sizeof num, p[i]);
        len += (size_t)snprintf(buf + len, size - len, "_%s", num);
    }
}

/* Parses "P1,P2" or "name=value" parameters of a table kind. */
static int parse_kind_params(const kr_feature_kind *k, const char *item,
                             const char *s, double *p, kr_error *err)
{
    for (int i = 0; i < k->nparams; i++)
        p[i] = k->params[i].def;
    if (!s || !*s)
        return KR_OK;
    int pos = 0;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        char tok[64];
        if (n == 0 || n >= sizeof tok)
            return item_error(err, KR_EINVAL, item,
                              "empty or overlong parameter");
        memcpy(tok, s, n);
        tok[n] = '\0';
        char *val = tok;
        int idx = pos;
        char *eq = strchr(tok, '=');
        if (eq) {
            *eq = '\0';
            val = eq + 1;
            idx = -1;
            for (int j = 0; j < k->nparams; j++)
                if (!strcasecmp(tok, k->params[j].name))
                    idx = j;
            if (idx < 0)
                return item_error(err, KR_EINVAL, item,
                                  "%s has no parameter '%s'", k->name, tok);
        }
        if (idx >= k->nparams)
            return item_error(err, KR_EINVAL, item, "%s takes %d parameter%s",
                              k->name, k->nparams,
                              k->nparams == 1 ? "" : "s");
        const kr_ta_param *tp = &k->params[idx];
        char *e;
        double v = strtod(val, &e);
        if (e == val || *e || !isfinite(v))
            return item_error(err, KR_EINVAL, item,
                              "%s: expected a number, got '%s'", tp->name,
                              val);
        if (v < tp->min || v > tp->max || (tp->integer && v != floor(v))) {
            return item_error(err, KR_EINVAL, item,
                              "%s: expected %s%.10g .. %.10g, got '%s'",
                              tp->name,
                              tp->integer ? "a whole number in " : "",
                              tp->min, tp->max, val);
        }
        p[idx] = v;
        pos++;
        if (!end)
            break;
        s = end + 1;
        if (!*s)
            return item_error(err, KR_EINVAL, item,
                              "empty parameter");
    }
    return KR_OK;
}

static bool is_calendar(const kr_feature *f)
{
    return f->kind && f->kind->batch &&
           (!strcmp(f->kind->name, "dow") || !strcmp(f->kind->name, "hour") ||
            !strcmp(f->kind->name, "month"));
}

/* Parses one item into f and its column names. */
static int parse_item(const char *item, kr_feature *f,
                      char (*names)[KR_FEATURE_NAME_MAX], kr_error *err)
{
    memset(f, 0, sizeof *f);
    size_t len = strlen(item);
    if (len == 0)
        return item_error(err, KR_EINVAL, item, "empty item");
    if (len >= KR_FEATURE_NAME_MAX)
        return item_error(err, KR_EINVAL, item,
                          "item too long (at most %d bytes)",
                          KR_FEATURE_NAME_MAX - 1);
    char buf[KR_FEATURE_NAME_MAX];
    memcpy(buf, item, len + 1);

    /* The normalization suffix. */
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        const char *z = at + 1;
        if (strncmp(z, "z:", 2) || !parse_size(z + 2, 2, 100000, &f->norm))
            return item_error(err, KR_EINVAL, item,
                              "expected @z:N with N a whole number in 2 .. "
                              "100000 after the item, got '@%s'",
                              z);
    }
    char *colon = strchr(buf, ':');
    if (colon)
        *colon = '\0';
    const char *args = colon ? colon + 1 : NULL;
    if (colon && !*args)
        return item_error(err, KR_EINVAL, item,
                          "nothing after ':'");
    const kr_feature_kind *k = kr_feature_kind_find(buf);
    if (!k)
        return item_error(err, KR_EINVAL, item,
                          "unknown feature '%s' (kairos features --list shows "
                          "them all)",
                          buf);
    f->kind = k;
    if (!k->batch) { /* ind:NAME:PARAMS */
        if (!args)
            return item_error(err, KR_EINVAL, item,
                              "expected ind:NAME[:P1,...], e.g. "
                              "ind:rsi:14");
        kr_error e2;
        kr_error_clear(&e2);
        if (kr_ta_parse_spec(args, &f->ta, f->params, &e2)) {
            return item_error(err, KR_EINVAL, item,
                              "%s%s%s", e2.field, e2.field[0] ? ": " : "",
                              e2.msg);
        }
        int start = f->ta->start(f->params);
        f->lookback = start > 0 ? (size_t)start : 0;
        f->ncols = (size_t)f->ta->noutputs;
        for (int o = 0; o < f->ta->noutputs; o++)
            kr_ta_column_name(f->ta, f->params, o, names[o],
                              KR_FEATURE_NAME_MAX);
    } else {
        int rc = parse_kind_params(k, item, args, f->params, err);
        if (rc)
            return rc;
        f->lookback = k->lookback(f->params);
        f->ncols = 1;
        kind_name(k, f->params, names[0], KR_FEATURE_NAME_MAX);
    }
    if (f->norm) {
        if (is_calendar(f))
            return item_error(err, KR_EINVAL, item,
                              "calendar features are not normalized");
        f->lookback += f->norm - 1;
        for (size_t c = 0; c < f->ncols; c++) {
            size_t l = strlen(names[c]);
            snprintf(names[c] + l, KR_FEATURE_NAME_MAX - l, "@z%zu", f->norm);
        }
    }
    return KR_OK;
}

int kr_featureset_add(kr_featureset *fs, const char *item, kr_error *err)
{
    kr_feature f;
    char names[KR_TA_MAX_OUTPUTS][KR_FEATURE_NAME_MAX];
    int rc = parse_item(item, &f, names, err);
    if (rc)
        return rc;
    for (size_t c = 0; c < f.ncols; c++) {
        bool dup = name_taken(fs, names[c]);
        for (size_t d = 0; d < c && !dup; d++)
            dup = !strcmp(names[c], names[d]);
        if (dup)
            return item_error(err, KR_EINVAL, item,
                              "column '%s' is already in the set", names[c]);
    }
    rc = push(fs, &f, names);
    if (rc)
        return kr_error_set(err, rc, NULL, 0, 0, NULL, "out of memory");
    return KR_OK;
}

int kr_featureset_add_custom(kr_featureset *fs, const char *name,
                             size_t lookback, kr_feature_fn fn, void *user)
{
    size_t len = name ? strlen(name) : 0;
    if (!fn || len == 0 || len >= KR_FEATURE_NAME_MAX || name_taken(fs, name))
        return KR_EINVAL;
    kr_feature f;
    memset(&f, 0, sizeof f);
    f.lookback = lookback;
    f.ncols = 1;
    f.fn = fn;
    f.user = user;
    char names[1][KR_FEATURE_NAME_MAX];
    memcpy(names[0], name, len + 1);
    return push(fs, &f, names);
}

/* ------------------------------------------------------------------------
 * Parsing a spec
 * ------------------------------------------------------------------------ */

static bool is_sep(char c)
{
    return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r';
}

/* A token that continues the item before it: a number, or name=value
 * where name is a word ("nbdev=2", not "ret:k=2"). */
static bool is_continuation(const char *tok, size_t n)
{
    if (n == 0)
        return false;
    char c = tok[0];
    if (isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.')
        return true;
    /* name=value: letters, digits and '_' before the '='. */
    for (size_t i = 0; i < n; i++) {
        if (tok[i] == '=')
            return i > 0;
        if (!isalnum((unsigned char)tok[i]) && tok[i] != '_')
            return false;
    }
    return false;
}

int kr_featureset_parse(const char *spec, kr_featureset *fs, kr_error *err)
{
    kr_featureset_init(fs);
    if (!spec)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL, "no spec");
    char item[KR_FEATURE_NAME_MAX];
    size_t ilen = 0;
    bool have = false;
    int rc = KR_OK;
    const char *s = spec;
    for (;;) {
        while (*s && is_sep(*s))
            s++;
        const char *tok = s;
        while (*s && !is_sep(*s))
            s++;
        size_t n = (size_t)(s - tok);
        bool cont = have && is_continuation(tok, n);
        if (have && !cont) {
            item[ilen] = '\0';
            if ((rc = kr_featureset_add(fs, item, err)))
                goto err;
            have = false;
        }
        if (n == 0)
            break;
        if (!have && is_continuation(tok, n)) {
            char q[80];
            kr_escape(tok, n, q, sizeof q);
            rc = kr_error_set(err, KR_EINVAL, NULL, 0, 0, q,
                              "a parameter that follows no feature");
            goto err;
        }
        size_t need = ilen * cont + cont + n;
        if (need >= sizeof item) {
            char q[80];
            kr_escape(tok, n, q, sizeof q);
            rc = kr_error_set(err, KR_EINVAL, NULL, 0, 0, q,
                              "item too long (at most %d bytes)",
                              KR_FEATURE_NAME_MAX - 1);
            goto err;
        }
        if (cont) {
            item[ilen++] = ',';
        } else {
            ilen = 0;
            have = true;
        }
        memcpy(item + ilen, tok, n);
        ilen += n;
    }
    if (fs->n == 0) {
        rc = kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                          "empty feature spec: expected items such as "
                          "ret:1,vol:20,ind:rsi:14");
        goto err;
    }
    return KR_OK;
err:
    kr_featureset_free(fs);
    return rc;
}

int kr_featureset_normalize(kr_featureset *fs, size_t window)
{
    if (window < 2 || window > 100000)
        return KR_EINVAL;
    /* Names first (the only allocation), then the items. */
    for (size_t i = 0; i < fs->n; i++) {
        kr_feature *f = &fs->v[i];
        if (f->norm || is_calendar(f))
            continue;
        for (size_t c = f->col; c < f->col + f->ncols; c++) {
            size_t l = strlen(fs->names[c]) + 16;
            char *nn = malloc(l);
            if (!nn)
                return KR_ENOMEM;
            snprintf(nn, l, "%s@z%zu", fs->names[c], window);
            free(fs->names[c]);
            fs->names[c] = nn;
        }
    }
    fs->lookback = 0;
    for (size_t i = 0; i < fs->n; i++) {
        kr_feature *f = &fs->v[i];
        if (!f->norm && !is_calendar(f)) {
            f->norm = window;
            f->lookback += window - 1;
        }
        if (f->lookback > fs->lookback)
            fs->lookback = f->lookback;
    }
    return KR_OK;
}

int kr_featureset_from_config(const kr_config *c, const char *key,
                              kr_featureset *fs, kr_error *err)
{
    kr_featureset_init(fs);
    const kr_config_entry *e = kr_config_get(c, key);
    if (!e)
        return kr_error_set(err, KR_ENOENT, c->file, 0, 0, key,
                            "missing: expected a feature spec or a list of "
                            "items");
    int rc = kr_featureset_parse(e->value, fs, err);
    if (rc) {
        char what[600];
        snprintf(what, sizeof what, "%s: %s", err ? err->field : "",
                 err ? err->msg : "");
        return kr_error_set(err, rc, c->file, e->line, e->column, key, "%s",
                            what);
    }
    char nkey[256];
    const char *dot = strrchr(key, '.');
    size_t plen = dot ? (size_t)(dot - key + 1) : 0;
    if (plen + sizeof "normalize" > sizeof nkey)
        return KR_OK;
    memcpy(nkey, key, plen);
    memcpy(nkey + plen, "normalize", sizeof "normalize");
    const kr_config_entry *ne = kr_config_get(c, nkey);
    if (ne) {
        size_t w;
        if (!parse_size(ne->value, 2, 100000, &w)) {
            kr_featureset_free(fs);
            return kr_error_set(err, KR_EINVAL, c->file, ne->line, ne->column,
                                nkey,
                                "expected a window of 2 .. 100000 bars");
        }
        rc = kr_featureset_normalize(fs, w);
        if (rc) {
            kr_featureset_free(fs);
            return kr_error_set(err, rc, c->file, ne->line, ne->column, nkey,
                                "%s", kr_strerror(rc));
        }
    }
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * The matrix and computing
 * ------------------------------------------------------------------------ */

void kr_feature_matrix_init(kr_feature_matrix *m) { memset(m, 0, sizeof *m); }

void kr_feature_matrix_free(kr_feature_matrix *m)
{
    if (!m)
        return;
    kr_free_aligned(m->data);
    kr_free_aligned(m->work);
    memset(m, 0, sizeof *m);
}

/* Rows rounded up to a multiple of 8 doubles (64 bytes), at least 8. */
static size_t round_rows(size_t n)
{
    return n < 8 ? 8 : (n + 7) & ~(size_t)7;
}

/* Makes room for n rows of ncols columns, keeping the stride when it is
 * large enough. */
static int matrix_reserve(kr_feature_matrix *m, size_t n, size_t ncols)
{
    size_t rows = round_rows(n);
    if (m->stride < rows || m->cap_cols < ncols) {
        size_t stride = m->stride < rows ? rows : m->stride;
        size_t cols = ncols ? ncols : 1;
        if (stride > SIZE_MAX / sizeof(double) / cols)
            return KR_ENOMEM;
        double *d = kr_alloc_aligned(stride * cols * sizeof(double));
        if (!d)
            return KR_ENOMEM;
        kr_free_aligned(m->data);
        m->data = d;
        m->stride = stride;
        m->cap_cols = cols;
    }
    if (m->work_rows < rows) {
        if (rows > SIZE_MAX / sizeof(double) / 3)
            return KR_ENOMEM;
        double *w = kr_alloc_aligned(3 * rows * sizeof(double));
        if (!w)
            return KR_ENOMEM;
        kr_free_aligned(m->work);
        m->work = w;
        m->work_rows = rows;
    }
    return KR_OK;
}

/* Z-scores column y (n values) over `window` with ta's ZSCORE, through
 * tmp. */
static int normalize_col(size_t n, double *y, size_t window, double *tmp)
{
    const double p[1] = {(double)window};
    const double *in[1] = {y};
    double *out[1] = {tmp};
    int rc = kr_zscore(n, in, p, out);
    if (!rc)
        memcpy(y, tmp, n * sizeof *y);
    return rc;
}

int kr_featureset_compute(const kr_featureset *fs, const kr_bars *b,
                          kr_feature_matrix *m)
{
    const size_t n = b->n;
    int rc = matrix_reserve(m, n, fs->ncols);
    if (rc)
        return rc;
    m->nrows = n;
    m->ncols = fs->ncols;
    m->names = (const char *const *)fs->names;
    if (n == 0)
        return KR_OK;
    double *r1 = m->work;
    kr_feature_work w = {r1,
                         {m->work + m->work_rows, m->work + 2 * m->work_rows}};
    kr__logret(b, r1);
    for (size_t i = 0; i < fs->n; i++) {
        const kr_feature *f = &fs->v[i];
        double *y = kr_feature_matrix_col(m, f->col);
        if (f->fn) {
            rc = f->fn(f->user, b, y);
        } else if (f->ta) {
            double *out[KR_TA_MAX_OUTPUTS];
            for (size_t k = 0; k < f->ncols; k++)
                out[k] = kr_feature_matrix_col(m, f->col + k);
            rc = kr_ta_run(f->ta, f->params, b, out);
        } else {
            rc = f->kind->batch(b, f->params, &w, y);
        }
        if (rc)
            return rc;
        if (f->norm)
            for (size_t k = 0; k < f->ncols && !rc; k++)
                rc = normalize_col(n, kr_feature_matrix_col(m, f->col + k),
                                   f->norm, w.tmp[0]);
        if (rc)
            return rc;
    }
    return KR_OK;
}

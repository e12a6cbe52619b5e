/* research.c -- `kairos cv`, `kairos train` and `kairos predict`: the
 * research pipeline from bars to a validated, versioned model.
 *
 * A dataset row is one bar of one symbol that has every feature and a
 * label. Rows are ordered by (timestamp, symbol), so that contiguous index
 * ranges are contiguous stretches of time, which is what purged
 * cross-validation partitions; a label's end (the bar where it resolved)
 * becomes the last row at or before that bar's time, and purging and the
 * embargo work on those spans (src/validate). Each split trains XGBoost on
 * its purged training rows (weighted by label uniqueness, early stopping on
 * the last sixth of them) and predicts its test rows. The out-of-sample
 * predictions are stitched into backtest paths (CPCV gives C(N-1, k-1) of
 * them; k-fold and walk-forward one), each path's predictions become
 * states (long above the threshold, short below its mirror with --short,
 * flat otherwise; no decision where a path has no prediction) and each
 * path is backtested through the engine with kr_strategy_states. The
 * distribution of the paths' Sharpe ratios, the median path's PSR and the
 * DSR over the paths, drawdown and trades go through the promotion gate.
 * `train` then fits the final model on every row and adds it to the
 * registry, promoting it when the gate passes.
 */
#include "cli/research.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <nettle/sha2.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/stats.h"
#include "kairos/strategy.h"

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

enum {
    R_DATA = 256, R_FEATURES, R_LABEL, R_SCHEME, R_EMBARGO, R_REGISTRY,
    R_OUT, R_MODEL, R_GATE, R_THRESHOLD, R_SHORT, R_PROMOTE, R_FORCE,
    R_PARENT, R_CONFIG, R_THRESHOLDS, R_STACK,
};

static const struct option r_opts[] = {
    {"data", required_argument, NULL, R_DATA},
    {"features", required_argument, NULL, R_FEATURES},
    {"label", required_argument, NULL, R_LABEL},
    {"scheme", required_argument, NULL, R_SCHEME},
    {"embargo", required_argument, NULL, R_EMBARGO},
    {"registry", required_argument, NULL, R_REGISTRY},
    {"out", required_argument, NULL, R_OUT},
    {"model", required_argument, NULL, R_MODEL},
    {"gate", required_argument, NULL, R_GATE},
    {"threshold", required_argument, NULL, R_THRESHOLD},
    {"short", no_argument, NULL, R_SHORT},
    {"promote", no_argument, NULL, R_PROMOTE},
    {"force", no_argument, NULL, R_FORCE},
    {"parent", required_argument, NULL, R_PARENT},
    {"config", required_argument, NULL, R_CONFIG},
    {"thresholds", required_argument, NULL, R_THRESHOLDS},
    {"stack", required_argument, NULL, R_STACK},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void kr_research_opts_init(kr_research_opts *o, const char *cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->threshold = 0.55;
}

void kr_research_opts_free(kr_research_opts *o)
{
    char **s[] = {&o->data,     &o->features, &o->label, &o->scheme,
                  &o->embargo,  &o->registry, &o->out,   &o->model,
                  &o->gate,     &o->parent,   &o->thresholds,
                  &o->stack};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        free(*s[i]);
    memset(o, 0, sizeof *o);
}

static int set(char **dst, const char *v)
{
    char *c = strdup(v ? v : "");
    if (!c)
        return kr_cli_fail("out of memory");
    free(*dst);
    *dst = c;
    return 0;
}

static bool truthy(const char *v)
{
    return !v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
}

static int apply(kr_research_opts *o, int code, const char *v,
                 const char *where)
{
    char q[96];
    switch (code) {
    case R_DATA: return set(&o->data, v);
    case R_FEATURES: return set(&o->features, v);
    case R_LABEL: return set(&o->label, v);
    case R_SCHEME: return set(&o->scheme, v);
    case R_EMBARGO: return set(&o->embargo, v);
    case R_REGISTRY: return set(&o->registry, v);
    case R_OUT: return set(&o->out, v);
    case R_MODEL: return set(&o->model, v);
    case R_GATE: return set(&o->gate, v);
    case R_PARENT: return set(&o->parent, v);
    case R_THRESHOLDS: return set(&o->thresholds, v);
    case R_STACK: return set(&o->stack, v);
    case R_SHORT: o->shorts = truthy(v); return 0;
    case R_PROMOTE: o->promote = truthy(v); return 0;
    case R_FORCE: o->force = truthy(v); return 0;
    case R_THRESHOLD: {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end || !(d >= 0.5 && d < 1))
            return kr_cli_fail("%s: %soption --threshold: expected a "
                               "probability from 0.5 to below 1, got '%s'",
                               o->cmd, where,
                               kr_escape(v, strlen(v), q, sizeof q));
        o->threshold = d;
        return 0;
    }
    default:
        return kr_cli_fail("%s: %sunexpected option", o->cmd, where);
    }
}

static int load_config(kr_research_opts *o, const char *path)
{
    kr_config c;
    kr_error err;
    kr_error_clear(&err);
    if (kr_config_load(&c, path, &err)) {
        kr_config_free(&c);
        return kr_cli_fail_error(&err);
    }
    int rc = 0;
    char q[96];
    for (size_t i = 0; i < c.n && !rc; i++) {
        const kr_config_entry *e = &c.items[i];
        char where[400], key[128];
        snprintf(where, sizeof where, "%s:%lld:%d: ", path,
                 (long long)e->line, e->column);
        snprintf(key, sizeof key, "%s", e->key);
        for (char *p = key; *p; p++)
            if (*p == '_')
                *p = '-';
        int code = 0;
        for (const struct option *op = r_opts; op->name; op++)
            if (!strcmp(op->name, key) && op->val != R_CONFIG && op->val != 'h')
                code = op->val;
        if (!code)
            rc = kr_cli_fail("%s: %sunknown key '%s' (the keys are the "
                             "options of 'kairos %s --help')",
                             o->cmd, where,
                             kr_escape(e->key, strlen(e->key), q, sizeof q),
                             o->cmd);
        else
            rc = apply(o, code, e->value, where);
    }
    kr_config_free(&c);
    return rc;
}

int kr_research_parse(kr_research_opts *o, int argc, char **argv,
                      const char *usage)
{
    char q[96];
    const char *config = NULL;
    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", r_opts, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (c == R_CONFIG)
            config = optarg;
        if (c == ':')
            return kr_cli_fail("%s: option %s needs a value (try 'kairos %s "
                               "--help')",
                               o->cmd, kr_cli_bad_option(argv, c, q, sizeof q),
                               o->cmd);
        if (c == '?')
            return kr_cli_fail("%s: unknown option '%s' (try 'kairos %s "
                               "--help')",
                               o->cmd, kr_cli_bad_option(argv, c, q, sizeof q),
                               o->cmd);
    }
    if (optind < argc)
        return kr_cli_fail("%s: unexpected argument '%s'", o->cmd,
                           kr_escape(argv[optind], strlen(argv[optind]), q,
                                     sizeof q));
    int rc;
    if (config && (rc = load_config(o, config)))
        return rc;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", r_opts, NULL);
        if (c == -1)
            break;
        if (c == R_CONFIG || c == 'h')
            continue;
        if ((rc = apply(o, c, optarg, "")))
            return rc;
    }
    if (!o->data)
        return kr_cli_fail("%s: option --data is required", o->cmd);
    return 0;
}

/* ------------------------------------------------------------------------
 * The dataset
 * ------------------------------------------------------------------------ */

typedef struct dataset {
    kr_run_opts ro;     /* for kr_run_load */
    kr_run_data d;
    kr_featureset fs;
    size_t nrows, ncols;
    float *x, *y, *w;   /* row-major features, labels (0/1), weights */
    uint32_t *sym;      /* row -> symbol */
    size_t *bar;        /* row -> bar index of its symbol */
    kr_ts *ts;          /* row -> timestamp */
    size_t *end;        /* row -> last row at or before its label's end */
    double *ret;        /* row -> the label's return */
} dataset;

static void dataset_free(dataset *ds)
{
    kr_run_data_free(&ds->d);
    kr_run_opts_free(&ds->ro);
    kr_featureset_free(&ds->fs);
    free(ds->x);
    free(ds->y);
    free(ds->w);
    free(ds->sym);
    free(ds->bar);
    free(ds->ts);
    free(ds->end);
    free(ds->ret);
    memset(ds, 0, sizeof *ds);
}

typedef struct row_key {
    kr_ts ts;
    uint32_t sym;
    size_t bar;
    kr_ts end_ts;
    float y, w;
    double ret;
} row_key;

static int cmp_rows(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->sym > y->sym) - (x->sym < y->sym);
}

/* Parses --label into a labelling run over one series. */
static int label_series(const kr_research_opts *o, const kr_bars *b,
                        kr_labels *l, kr_error *err)
{
    const char *spec = o->label ? o->label : "triple:pt=2,sl=2,h=10,vol=20";
    if (!strncmp(spec, "triple", 6)) {
        kr_triple_barrier tb;
        kr_triple_barrier_init(&tb);
        const char *p = spec + 6;
        if (*p == ':' && kr_triple_barrier_parse(p + 1, &tb, err))
            return KR_EINVAL;
        return kr_label_triple_barrier(b, &tb, l, err);
    }
    if (!strncmp(spec, "horizon", 7)) {
        kr_horizon hz;
        kr_horizon_init(&hz);
        const char *p = spec + 7;
        if (*p == ':' && kr_horizon_parse(p + 1, &hz, err))
            return KR_EINVAL;
        return kr_label_horizon(b, &hz, l, err);
    }
    return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "--label",
                        "expected triple[:pt=..,sl=..,h=..,vol=..] or "
                        "horizon[:h=..,k=..,vol=..]");
}

static int build_dataset(const kr_research_opts *o, const char *features,
                         dataset *ds, bool need_labels)
{
    kr_error err;
    kr_error_clear(&err);
    kr_run_opts_init(&ds->ro, o->cmd);
    kr_featureset_init(&ds->fs);
    if (set(&ds->ro.data, o->data) || kr_run_load(&ds->ro, &ds->d))
        return KR_EXIT_USAGE;
    if (kr_featureset_parse(features, &ds->fs, &err))
        return kr_cli_fail("%s: option --features: %s", o->cmd, err.msg);
    ds->ncols = ds->fs.ncols;
    size_t cap = 0;
    for (size_t s = 0; s < ds->d.n; s++)
        cap += ds->d.bars[s].n;
    row_key *keys = malloc((cap ? cap : 1) * sizeof *keys);
    float *xs = malloc((cap ? cap : 1) * ds->ncols * sizeof *xs);
    if (!keys || !xs) {
        free(keys);
        free(xs);
        return kr_cli_fail("out of memory");
    }
    size_t n = 0;
    kr_feature_matrix m;
    kr_feature_matrix_init(&m);
    int rc = 0;
    for (uint32_t s = 0; s < ds->d.n && !rc; s++) {
        const kr_bars *b = &ds->d.bars[s];
        if (kr_featureset_compute(&ds->fs, b, &m)) {
            rc = kr_cli_fail("%s: features of %s could not be computed",
                             o->cmd, ds->d.names[s]);
            break;
        }
        kr_labels l;
        kr_labels_init(&l);
        if (need_labels &&
            (label_series(o, b, &l, &err) || kr_labels_weights(&l))) {
            kr_labels_free(&l);
            rc = kr_cli_fail("%s: option --label: %s", o->cmd,
                             err.msg[0] ? err.msg : "labelling failed");
            break;
        }
        for (size_t i = 0; i < b->n; i++) {
            bool ok = true;
            for (size_t c = 0; c < ds->ncols && ok; c++)
                ok = isfinite(m.data[c * m.stride + i]);
            if (!ok)
                continue;
            row_key k = {b->ts[i], s, i, b->ts[i], 0, 1, NAN};
            if (need_labels) {
                if (isnan(l.label[i]) || l.end[i] < 0)
                    continue;
                k.y = l.label[i] > 0 ? 1.0f : 0.0f;
                k.w = isfinite(l.weight[i]) ? (float)l.weight[i] : 1.0f;
                k.end_ts = b->ts[l.end[i]];
                k.ret = l.ret[i];
            }
            for (size_t c = 0; c < ds->ncols; c++)
                xs[n * ds->ncols + c] = (float)m.data[c * m.stride + i];
            keys[n++] = k;
        }
        kr_labels_free(&l);
    }
    kr_feature_matrix_free(&m);
    if (rc) {
        free(keys);
        free(xs);
        return rc;
    }
    if (n < 20) {
        free(keys);
        free(xs);
        return kr_cli_fail("%s: only %zu rows have every feature%s: too few "
                           "to learn from", o->cmd, n,
                           need_labels ? " and a label" : "");
    }
    /* Time order: a stable merge sort of row indices by (time, symbol),
     * then gather. */
    size_t *idx = malloc(n * sizeof *idx);
    size_t *tmp = malloc(n * sizeof *tmp);
    ds->x = malloc(n * ds->ncols * sizeof *ds->x);
    ds->y = malloc(n * sizeof *ds->y);
    ds->w = malloc(n * sizeof *ds->w);
    ds->sym = malloc(n * sizeof *ds->sym);
    ds->bar = malloc(n * sizeof *ds->bar);
    ds->ts = malloc(n * sizeof *ds->ts);
    ds->end = malloc(n * sizeof *ds->end);
    ds->ret = malloc(n * sizeof *ds->ret);
    if (!idx || !tmp || !ds->x || !ds->y || !ds->w || !ds->sym || !ds->bar ||
        !ds->ts || !ds->end || !ds->ret) {
        free(idx);
        free(tmp);
        free(keys);
        free(xs);
        return kr_cli_fail("out of memory");
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b2 = mid, k = lo;
            while (a < mid && b2 < hi)
                tmp[k++] = cmp_rows(&keys[idx[b2]], &keys[idx[a]]) < 0
                               ? idx[b2++]
                               : idx[a++];
            while (a < mid)
                tmp[k++] = idx[a++];
            while (b2 < hi)
                tmp[k++] = idx[b2++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
    free(tmp);
    for (size_t r = 0; r < n; r++) {
        const row_key *k = &keys[idx[r]];
        memcpy(ds->x + r * ds->ncols, xs + idx[r] * ds->ncols,
               ds->ncols * sizeof *ds->x);
        ds->y[r] = k->y;
        ds->w[r] = k->w;
        ds->sym[r] = k->sym;
        ds->bar[r] = k->bar;
        ds->ts[r] = k->ts;
        ds->ret[r] = k->ret;
    }
    /* A label's end as a row: the last row whose time is <= its end. */
    for (size_t r = 0; r < n; r++) {
        kr_ts e = keys[idx[r]].end_ts;
        size_t lo = r, hi = n; /* ts[lo] <= e; find the last */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (ds->ts[mid] <= e)
                lo = mid;
            else
                hi = mid;
        }
        ds->end[r] = lo;
    }
    free(idx);
    free(keys);
    free(xs);
    ds->nrows = n;
    return 0;
}

/* ------------------------------------------------------------------------
 * Models
 * ------------------------------------------------------------------------ */

static int parse_model(const char *cmd, const char *spec, kr_xgb_params *p)
{
    kr_xgb_params_init(p);
    p->rounds = 200;
    p->max_depth = 4;
    p->eta = 0.05;
    p->early_stopping = 20;
    if (!spec || !*spec)
        return 0;
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return kr_cli_fail("out of memory");
    int rc = 0;
    char q[96];
    for (char *kv = strtok_r(copy, ",", &save); kv && !rc;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        char *end = NULL;
        double v = eq ? strtod(eq + 1, &end) : NAN;
        if (!eq || end == eq + 1 || *end || !isfinite(v) || v < 0) {
            rc = kr_cli_fail("%s: option --model: expected KEY=NUMBER, got "
                             "'%s'", cmd, kr_escape(kv, strlen(kv), q, sizeof q));
            break;
        }
        *eq = '\0';
        if (!strcmp(kv, "rounds") && v >= 1 && v <= 100000)
            p->rounds = (int32_t)v;
        else if (!strcmp(kv, "depth") && v >= 1 && v <= 20)
            p->max_depth = (int32_t)v;
        else if (!strcmp(kv, "eta") && v > 0 && v <= 1)
            p->eta = v;
        else if (!strcmp(kv, "subsample") && v > 0 && v <= 1)
            p->subsample = v;
        else if (!strcmp(kv, "colsample") && v > 0 && v <= 1)
            p->colsample = v;
        else if (!strcmp(kv, "min_child") && v >= 0)
            p->min_child_weight = v;
        else if (!strcmp(kv, "lambda") && v >= 0)
            p->lambda = v;
        else if (!strcmp(kv, "early") && v <= 100000)
            p->early_stopping = (int32_t)v;
        else if (!strcmp(kv, "seed"))
            p->seed = (uint64_t)v;
        else
            rc = kr_cli_fail("%s: option --model: unknown key or value out of "
                             "range: '%s' (keys: rounds, depth, eta, "
                             "subsample, colsample, min_child, lambda, early, "
                             "seed)", cmd, kv);
    }
    free(copy);
    return rc;
}

/* The base models of --stack: model specs separated by ';' (each as
 * --model), early stopping off (the stack's folds choose nothing). */
#define MAX_BASES 8

static int parse_stack(const char *cmd, const char *spec, kr_stack_base *b,
                       size_t *m)
{
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return kr_cli_fail("out of memory");
    int rc = 0;
    *m = 0;
    for (char *one = strtok_r(copy, ";", &save); one && !rc;
         one = strtok_r(NULL, ";", &save)) {
        if (*m == MAX_BASES) {
            rc = kr_cli_fail("%s: option --stack: at most %d base models",
                             cmd, MAX_BASES);
            break;
        }
        memset(&b[*m], 0, sizeof b[*m]);
        if ((rc = parse_model(cmd, one, &b[*m].params)))
            break;
        b[*m].params.early_stopping = 0;
        (*m)++;
    }
    free(copy);
    if (!rc && *m < 2)
        rc = kr_cli_fail("%s: option --stack: give at least two base models "
                         "separated by ';', e.g. 'depth=2;depth=6,eta=0.1'",
                         cmd);
    return rc;
}

/* A stack trained on the given rows (time-ordered): five contiguous
 * internal folds, label spans mapped to the rows' local indices so that
 * the stack purges them too; predicts `test` rows into out. *corr gets
 * the mean pairwise correlation of the bases' out-of-fold predictions. */
static int stack_rows(const dataset *ds, const size_t *rows, size_t n,
                      const size_t *test, size_t ntest,
                      const kr_stack_base *bases, size_t m, float *out,
                      double *corr, kr_error *err)
{
    const size_t c = ds->ncols, k = 5;
    float *x = malloc(n * c * sizeof *x), *y = malloc(n * sizeof *y),
          *w = malloc(n * sizeof *w);
    int32_t *fold = malloc(n * sizeof *fold);
    size_t *end = malloc(n * sizeof *end);
    int rc = x && y && w && fold && end ? KR_OK : KR_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        memcpy(x + i * c, ds->x + rows[i] * c, c * sizeof *x);
        y[i] = ds->y[rows[i]];
        w[i] = ds->w[rows[i]];
        fold[i] = (int32_t)(i * k / n);
        /* the last local row whose global index is <= the label's end */
        size_t lo = i, hi = n;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (rows[mid] <= ds->end[rows[i]])
                lo = mid;
            else
                hi = mid;
        }
        end[i] = lo;
    }
    kr_stack *st = NULL;
    kr_stack_report rep;
    kr_stack_report_init(&rep);
    kr_matrix X = {n, c, x, y, w};
    if (!rc)
        rc = kr_stack_train(&X, fold, k, end, bases, m, 1.0, &st, &rep, err);
    if (!rc) {
        double sum = 0;
        size_t np = 0;
        for (size_t a = 0; a < m; a++)
            for (size_t b2 = a + 1; b2 < m; b2++, np++)
                sum += rep.corr[a * m + b2];
        *corr = np ? sum / (double)np : NAN;
        float *xt = malloc((ntest ? ntest : 1) * c * sizeof *xt);
        if (!xt)
            rc = KR_ENOMEM;
        for (size_t i = 0; !rc && i < ntest; i++)
            memcpy(xt + i * c, ds->x + test[i] * c, c * sizeof *xt);
        kr_matrix T = {ntest, c, xt, NULL, NULL};
        if (!rc)
            rc = kr_stack_predict(st, &T, out);
        free(xt);
    }
    kr_stack_report_free(&rep);
    kr_stack_free(st);
    free(x);
    free(y);
    free(w);
    free(fold);
    free(end);
    return rc;
}

/* Trains on the given rows: the last sixth (in time) validates for early
 * stopping when there are enough of them. */
static int train_rows(const dataset *ds, const size_t *rows, size_t n,
                      const kr_xgb_params *p, kr_model **out, kr_error *err)
{
    const size_t c = ds->ncols;
    size_t nv = p->early_stopping > 0 && n >= 60 ? n / 6 : 0;
    size_t nt = n - nv;
    float *x = malloc(n * c * sizeof *x), *y = malloc(n * sizeof *y),
          *w = malloc(n * sizeof *w);
    if (!x || !y || !w) {
        free(x);
        free(y);
        free(w);
        return KR_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(x + i * c, ds->x + rows[i] * c, c * sizeof *x);
        y[i] = ds->y[rows[i]];
        w[i] = ds->w[rows[i]];
    }
    kr_matrix tr = {nt, c, x, y, w};
    kr_matrix va = {nv, c, x + nt * c, y + nt, w + nt};
    kr_xgb_params q = *p;
    if (!nv)
        q.early_stopping = 0;
    int rc = kr_xgb_train(&tr, nv ? &va : NULL, &q, out, err);
    free(x);
    free(y);
    free(w);
    return rc;
}

static int predict_rows(const dataset *ds, const kr_model *m,
                        const size_t *rows, size_t n, float *out)
{
    const size_t c = ds->ncols;
    float *x = malloc((n ? n : 1) * c * sizeof *x);
    if (!x)
        return KR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(x + i * c, ds->x + rows[i] * c, c * sizeof *x);
    kr_matrix X = {n, c, x, NULL, NULL};
    int rc = kr_model_predict(m, &X, 0, out);
    free(x);
    return rc;
}

/* ------------------------------------------------------------------------
 * Cross-validation, paths and their backtests
 * ------------------------------------------------------------------------ */

typedef struct path_result {
    kr_bt_metrics m;
} path_result;

typedef struct cv_result {
    size_t npaths;
    path_result *paths;
    double sharpe_mean, sharpe_median, sharpe_std, sharpe_min, sharpe_max;
    size_t median;        /* the path with the median Sharpe */
    double accuracy;      /* out-of-sample, all splits */
    size_t oos;           /* out-of-sample predictions made */
    kr_gate_metrics gm;
    double *gain;         /* per feature: total gain over the split models */
    double pbo;           /* over --thresholds, NaN without */
    size_t pbo_configs;
} cv_result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Backtests one path: pred[r] (NaN where the path has none) -> states. */
static int backtest_path(const kr_research_opts *o, const dataset *ds,
                         const float *pred, kr_bt_metrics *out,
                         size_t ntrials, const double *trial, kr_backtest *bt)
{
    const kr_run_data *d = &ds->d;
    double **states = calloc(d->n, sizeof *states);
    size_t *ns = calloc(d->n, sizeof *ns);
    int rc = KR_OK;
    if (!states || !ns)
        rc = KR_ENOMEM;
    for (size_t s = 0; s < d->n && !rc; s++) {
        ns[s] = d->bars[s].n;
        states[s] = malloc(ns[s] * sizeof **states);
        if (!states[s])
            rc = KR_ENOMEM;
        else
            for (size_t i = 0; i < ns[s]; i++)
                states[s][i] = NAN;
    }
    for (size_t r = 0; r < ds->nrows && !rc; r++) {
        if (isnan(pred[r]))
            continue;
        double p = pred[r];
        double st = p > o->threshold ? 1.0
                    : (o->shorts && p < 1.0 - o->threshold) ? -1.0 : 0.0;
        states[ds->sym[r]][ds->bar[r]] = st;
    }
    kr_strategy strat = {0};
    kr_sizing sz;
    kr_sizing_init(&sz);
    sz.fraction = 1.0 / (double)d->n;
    if (!rc)
        rc = kr_strategy_states((const double *const *)states, ns, d->n, &sz,
                                o->shorts, &strat, NULL);
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.allow_short = o->shorts;
    cfg.check_ledger = 0;
    if (!rc)
        rc = kr_backtest_run(bt, &cfg, &d->in, &strat, NULL);
    if (!rc)
        rc = kr_bt_metrics_compute(bt, ntrials, trial, out);
    kr_strategy_destroy(&strat);
    for (size_t s = 0; states && s < d->n; s++)
        free(states[s]);
    free(states);
    free(ns);
    return rc == KR_EEMPTY ? KR_OK : rc;
}

static int run_cv(const kr_research_opts *o, const dataset *ds,
                  const kr_xgb_params *xp, cv_result *res, FILE *splits_csv)
{
    kr_error err;
    kr_error_clear(&err);
    kr_cv_spec spec;
    kr_cv_spec_init(&spec);
    if (kr_cv_spec_parse(&spec, o->scheme ? o->scheme : "cpcv:groups=6,test=2",
                         "--scheme", &err) ||
        (o->embargo &&
         kr_cv_spec_embargo(&spec, o->embargo, "--embargo", &err)))
        return kr_cli_fail("%s: option %s: %s", o->cmd,
                           err.field[0] ? err.field : "--scheme", err.msg);
    kr_cv_labels lab = {ds->nrows, NULL, ds->end};
    kr_cv cv;
    kr_cv_init(&cv);
    if (kr_cv_run(&cv, &spec, &lab, &err)) {
        kr_cv_free(&cv);
        return kr_cli_fail("%s: option --scheme: %s", o->cmd, err.msg);
    }
    kr_stack_base bases[MAX_BASES];
    size_t nbases = 0, stack_splits = 0;
    double stack_corr = 0;
    if (o->stack && parse_stack(o->cmd, o->stack, bases, &nbases)) {
        kr_cv_free(&cv);
        return KR_EXIT_USAGE;
    }
    /* Out-of-sample predictions, per split, aligned with its test rows. */
    float **pred = calloc(cv.nsplits, sizeof *pred);
    res->gain = calloc(ds->ncols, sizeof *res->gain);
    res->pbo = NAN;
    int rc = pred && res->gain ? 0 : KR_ENOMEM;
    size_t correct = 0, total = 0;
    for (size_t k = 0; k < cv.nsplits && !rc; k++) {
        const kr_cv_split *sp = &cv.splits[k];
        pred[k] = malloc((sp->ntest ? sp->ntest : 1) * sizeof **pred);
        if (!pred[k]) {
            rc = KR_ENOMEM;
            break;
        }
        if (sp->ntrain < 20) {
            for (size_t i = 0; i < sp->ntest; i++)
                pred[k][i] = NAN;
            continue;
        }
        if (nbases) {
            double corr = NAN;
            kr_error_clear(&err);
            if ((rc = stack_rows(ds, sp->train, sp->ntrain, sp->test,
                                 sp->ntest, bases, nbases, pred[k], &corr,
                                 &err))) {
                rc = kr_cli_fail("%s: stacking split %zu: %s", o->cmd, k + 1,
                                 err.msg[0] ? err.msg : kr_strerror(rc));
                break;
            }
            stack_corr += corr;
            stack_splits++;
            size_t ok = 0;
            for (size_t i = 0; i < sp->ntest; i++)
                ok += (pred[k][i] > 0.5f) == (ds->y[sp->test[i]] > 0.5f);
            correct += ok;
            total += sp->ntest;
            if (splits_csv)
                fprintf(splits_csv, "%zu,%zu,%zu,%zu,%zu,%zu,%.6f\n", k + 1,
                        sp->ntrain, sp->ntest, sp->purged, sp->embargoed,
                        nbases,
                        sp->ntest ? (double)ok / (double)sp->ntest : NAN);
            continue;
        }
        kr_model *m = NULL;
        kr_error_clear(&err);
        if ((rc = train_rows(ds, sp->train, sp->ntrain, xp, &m, &err))) {
            rc = kr_cli_fail("%s: training split %zu: %s", o->cmd, k + 1,
                             err.msg[0] ? err.msg : kr_strerror(rc));
            break;
        }
        rc = predict_rows(ds, m, sp->test, sp->ntest, pred[k]);
        double *g = malloc(ds->ncols * sizeof *g);
        if (g && kr_model_importance(m, g) == KR_OK)
            for (size_t c = 0; c < ds->ncols; c++)
                res->gain[c] += g[c];
        free(g);
        size_t ok = 0;
        for (size_t i = 0; i < sp->ntest; i++)
            ok += (pred[k][i] > 0.5f) == (ds->y[sp->test[i]] > 0.5f);
        correct += ok;
        total += sp->ntest;
        if (splits_csv)
            fprintf(splits_csv, "%zu,%zu,%zu,%zu,%zu,%zu,%.6f\n", k + 1,
                    sp->ntrain, sp->ntest, sp->purged, sp->embargoed,
                    kr_model_ntrees(m),
                    sp->ntest ? (double)ok / (double)sp->ntest : NAN);
        kr_model_free(m);
    }
    if (!rc && stack_splits)
        printf("kairos %s: a stack of %zu base models per split; mean "
               "pairwise correlation of their out-of-fold predictions %.4f\n",
               o->cmd, nbases, stack_corr / (double)stack_splits);
    /* Paths. */
    size_t npaths = cv.npaths ? cv.npaths : 1;
    float **paths = calloc(npaths, sizeof *paths);
    if (!rc && !paths)
        rc = KR_ENOMEM;
    for (size_t j = 0; j < npaths && !rc; j++) {
        paths[j] = malloc(ds->nrows * sizeof **paths);
        if (!paths[j]) {
            rc = KR_ENOMEM;
            break;
        }
        for (size_t r = 0; r < ds->nrows; r++)
            paths[j][r] = NAN;
        if (cv.npaths) {
            const size_t *p = kr_cv_path(&cv, j);
            for (size_t g = 0; g < cv.ngroups; g++) {
                const kr_cv_split *sp = &cv.splits[p[g]];
                size_t lo = cv.group_first[g], hi = cv.group_first[g + 1];
                for (size_t i = 0; i < sp->ntest; i++)
                    if (sp->test[i] >= lo && sp->test[i] < hi)
                        paths[j][sp->test[i]] = pred[p[g]][i];
            }
        } else {
            for (size_t k = 0; k < cv.nsplits; k++)
                for (size_t i = 0; i < cv.splits[k].ntest; i++)
                    paths[j][cv.splits[k].test[i]] = pred[k][i];
        }
    }
    /* Each path through the engine; then again with every path's per-bar
     * Sharpe as the trials of the DSR. */
    res->npaths = npaths;
    res->paths = calloc(npaths, sizeof *res->paths);
    double *trial = malloc(npaths * sizeof *trial);
    kr_backtest bt;
    kr_backtest_init(&bt);
    if (!rc && (!res->paths || !trial))
        rc = KR_ENOMEM;
    for (size_t j = 0; j < npaths && !rc; j++) {
        rc = backtest_path(o, ds, paths[j], &res->paths[j].m, 1, NULL, &bt);
        trial[j] = res->paths[j].m.sharpe_per_bar;
    }
    if (!rc) {
        double *sh = malloc(npaths * sizeof *sh);
        size_t nfin = 0;
        for (size_t j = 0; sh && j < npaths; j++)
            if (isfinite(res->paths[j].m.sharpe))
                sh[nfin++] = res->paths[j].m.sharpe;
        double sum = 0, sum2 = 0;
        for (size_t j = 0; j < nfin; j++) {
            sum += sh[j];
            sum2 += sh[j] * sh[j];
        }
        res->sharpe_mean = nfin ? sum / (double)nfin : NAN;
        res->sharpe_std = nfin > 1 ? sqrt((sum2 - sum * sum / (double)nfin) /
                                          (double)(nfin - 1))
                                   : NAN;
        if (nfin && sh) {
            qsort(sh, nfin, sizeof *sh, cmp_double);
            res->sharpe_min = sh[0];
            res->sharpe_max = sh[nfin - 1];
            res->sharpe_median = sh[nfin / 2];
            for (size_t j = 0; j < npaths; j++)
                if (res->paths[j].m.sharpe == res->sharpe_median)
                    res->median = j;
        } else {
            res->sharpe_min = res->sharpe_max = res->sharpe_median = NAN;
        }
        free(sh);
        /* The median path again, its DSR against every path as a trial. */
        size_t ntr = 0;
        for (size_t j = 0; j < npaths; j++)
            if (isfinite(trial[j]))
                trial[ntr++] = trial[j];
        kr_bt_metrics med;
        rc = backtest_path(o, ds, paths[res->median], &med,
                           ntr >= 2 ? ntr : 1, ntr >= 2 ? trial : NULL, &bt);
        if (!rc) {
            res->paths[res->median].m = med;
            kr_gate_metrics_init(&res->gm);
            res->gm.trades = med.trades;
            res->gm.sharpe = med.sharpe;
            res->gm.psr = med.psr;
            res->gm.dsr = med.dsr;
            res->gm.max_drawdown = med.max_drawdown;
            res->gm.profit_factor = med.profit_factor;
            res->gm.win_rate = med.win_rate;
        }
    }
    /* PBO across the thresholds of --thresholds as configurations, each
     * trading the first path's predictions: their per-bar returns form
     * the M x T matrix of CSCV (16 partitions, fewer for short runs). */
    if (!rc && o->thresholds) {
        kr_research_opts oc = *o;
        double ths[32];
        size_t m = 0;
        char *copy = strdup(o->thresholds), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && m < 32;
             t = strtok_r(NULL, ",", &save)) {
            char *end;
            double v = strtod(t, &end);
            if (end == t || *end || !(v >= 0.5 && v < 1)) {
                rc = kr_cli_fail("%s: option --thresholds: '%s' is not a "
                                 "probability from 0.5 to below 1", o->cmd, t);
                break;
            }
            ths[m++] = v;
        }
        free(copy);
        double *ret = NULL;
        size_t T = 0;
        for (size_t c = 0; c < m && !rc; c++) {
            oc.threshold = ths[c];
            kr_bt_metrics mm;
            if ((rc = backtest_path(&oc, ds, paths[0], &mm, 1, NULL, &bt)))
                break;
            if (!ret) {
                T = bt.npoints - 1;
                ret = malloc(m * (T ? T : 1) * sizeof *ret);
                if (!ret) {
                    rc = KR_ENOMEM;
                    break;
                }
            }
            if (bt.npoints - 1 != T || kr_returns(bt.npoints, bt.equity,
                                                  ret + c * T)) {
                rc = kr_cli_fail("%s: --thresholds: the runs' curves differ",
                                 o->cmd);
                break;
            }
        }
        if (!rc && m >= 2) {
            size_t S = 16;
            while (S > 2 && T < 2 * S)
                S -= 2;
            kr_pbo pb;
            kr_pbo_init(&pb);
            kr_error perr;
            kr_error_clear(&perr);
            if (kr_pbo_compute(&pb, ret, m, T, S, &perr) == KR_OK) {
                res->pbo = pb.pbo;
                res->pbo_configs = m;
                res->gm.pbo = pb.pbo;
            }
            kr_pbo_free(&pb);
        }
        free(ret);
    }
    res->accuracy = total ? (double)correct / (double)total : NAN;
    res->oos = total;
    kr_backtest_free(&bt);
    free(trial);
    for (size_t j = 0; paths && j < npaths; j++)
        free(paths[j]);
    free(paths);
    for (size_t k = 0; pred && k < cv.nsplits; k++)
        free(pred[k]);
    free(pred);
    kr_cv_free(&cv);
    if (rc > 0)
        return rc; /* already printed */
    if (rc)
        return kr_cli_fail("%s: %s", o->cmd, kr_strerror(rc));
    return 0;
}

static void print_cv(const kr_research_opts *o, const dataset *ds,
                     const cv_result *r)
{
    printf("kairos %s: %zu rows x %zu features from %zu symbol%s; "
           "out-of-sample accuracy %.4f over %zu predictions\n",
           o->cmd, ds->nrows, ds->ncols, ds->d.n, ds->d.n == 1 ? "" : "s",
           r->accuracy, r->oos);
    printf("  %zu backtest path%s: Sharpe mean %.3f, median %.3f, std %.3f, "
           "min %.3f, max %.3f\n",
           r->npaths, r->npaths == 1 ? "" : "s", r->sharpe_mean,
           r->sharpe_median, r->sharpe_std, r->sharpe_min, r->sharpe_max);
    const kr_bt_metrics *m = &r->paths[r->median].m;
    printf("  median path: return %.2f%%, max drawdown %.2f%%, %g trades, "
           "PSR %.4f, DSR over %zu paths %.4f\n",
           m->total_return * 100, m->max_drawdown * 100, m->trades, m->psr,
           r->npaths, m->dsr);
    if (r->pbo_configs)
        printf("  probability of backtest overfitting over %zu thresholds: "
               "%.4f\n", r->pbo_configs, r->pbo);
}

/* The feature report: variance (dead below 1e-6), the groups of features
 * correlated above 0.9 in absolute value (linked pairs merged), and the
 * total gain over the split models with its rank. Printed in short and,
 * with --out, written as features.csv. */
static int feature_report(const kr_research_opts *o, const dataset *ds,
                          const cv_result *r)
{
    const size_t n = ds->nrows, c = ds->ncols;
    double *mean = calloc(c, sizeof *mean), *sd = calloc(c, sizeof *sd);
    size_t *group = malloc(c * sizeof *group), *rank = malloc(c * sizeof *rank);
    if (!mean || !sd || !group || !rank) {
        free(mean);
        free(sd);
        free(group);
        free(rank);
        return kr_cli_fail("out of memory");
    }
    for (size_t j = 0; j < c; j++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < n; i++)
            s += ds->x[i * c + j];
        mean[j] = s / (double)n;
        for (size_t i = 0; i < n; i++) {
            double d = ds->x[i * c + j] - mean[j];
            s2 += d * d;
        }
        sd[j] = sqrt(s2 / (double)(n - 1));
        group[j] = j;
        rank[j] = 1;
        for (size_t k = 0; k < c; k++)
            rank[j] += r->gain[k] > r->gain[j];
    }
    /* Union of pairs with |r| > 0.9 (smallest index as the group's id). */
    for (size_t a = 0; a < c; a++)
        for (size_t b = a + 1; b < c; b++) {
            if (!(sd[a] > 0 && sd[b] > 0))
                continue;
            double cov = 0;
            for (size_t i = 0; i < n; i++)
                cov += (ds->x[i * c + a] - mean[a]) * (ds->x[i * c + b] - mean[b]);
            double corr = cov / (double)(n - 1) / (sd[a] * sd[b]);
            if (fabs(corr) > 0.9) {
                size_t ga = group[a], gb = group[b];
                size_t lo = ga < gb ? ga : gb, hi = ga < gb ? gb : ga;
                for (size_t k = 0; k < c; k++)
                    if (group[k] == hi)
                        group[k] = lo;
            }
        }
    size_t dead = 0, ngroups = 0;
    for (size_t j = 0; j < c; j++) {
        dead += sd[j] * sd[j] < 1e-6;
        size_t members = 0;
        for (size_t k = 0; k < c; k++)
            members += group[k] == j;
        ngroups += group[j] == j && members > 1;
    }
    printf("  features: %zu dead (variance < 1e-6), %zu correlated group%s "
           "(|r| > 0.9)", dead, ngroups, ngroups == 1 ? "" : "s");
    bool gains = false;
    for (size_t j = 0; j < c; j++)
        gains |= r->gain[j] > 0;
    if (gains) { /* a stack's splits report no gain */
        printf("; by gain:");
        for (size_t want = 1; want <= 3 && want <= c; want++)
            for (size_t j = 0; j < c; j++)
                if (rank[j] == want) {
                    printf(" %s", ds->fs.names[j]);
                    break;
                }
    }
    printf("\n");
    int rc = 0;
    if (o->out) {
        char path[4096];
        snprintf(path, sizeof path, "%s/features.csv", o->out);
        FILE *f = fopen(path, "w");
        if (!f) {
            rc = kr_cli_fail("%s: cannot write '%s'", o->cmd, path);
        } else {
            fputs("feature,variance,dead,group,gain,rank\n", f);
            for (size_t j = 0; j < c; j++)
                fprintf(f, "%s,%.10g,%d,%s,%.10g,%zu\n", ds->fs.names[j],
                        sd[j] * sd[j], sd[j] * sd[j] < 1e-6,
                        ds->fs.names[group[j]], r->gain[j], rank[j]);
            if (fclose(f))
                rc = kr_cli_fail("%s: cannot write '%s'", o->cmd, path);
        }
    }
    free(mean);
    free(sd);
    free(group);
    free(rank);
    return rc;
}

static int gate_check(const kr_research_opts *o, const cv_result *r,
                      bool *passed)
{
    kr_gate g;
    kr_gate_init(&g);
    kr_error err;
    kr_error_clear(&err);
    if (o->gate) {
        char *copy = strdup(o->gate), *save = NULL;
        if (!copy)
            return kr_cli_fail("out of memory");
        for (char *kv = strtok_r(copy, ",", &save); kv;
             kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            if (!eq) {
                free(copy);
                return kr_cli_fail("%s: option --gate: expected RULE=VALUE, "
                                   "got '%s'", o->cmd, kv);
            }
            *eq = '\0';
            if (kr_gate_set(&g, kv, eq + 1, &err)) {
                free(copy);
                return kr_cli_fail("%s: option --gate: %s", o->cmd, err.msg);
            }
        }
        free(copy);
    }
    char reason[160];
    *passed = kr_gate_check(&g, &r->gm, NULL, reason, sizeof reason) == KR_OK;
    printf("  gate: %s%s%s\n", *passed ? "passed" : "failed",
           *passed ? "" : ": ", *passed ? "" : reason);
    return 0;
}

static int write_paths(const char *dir, const cv_result *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/paths.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return kr_cli_fail("cannot write '%s'", path);
    fputs("path,total_return,sharpe,psr,max_drawdown,trades,win_rate\n", f);
    for (size_t j = 0; j < r->npaths; j++) {
        const kr_bt_metrics *m = &r->paths[j].m;
        fprintf(f, "%zu,%.10g,%.10g,%.10g,%.10g,%g,%.10g\n", j + 1,
                m->total_return, m->sharpe, m->psr, m->max_drawdown,
                m->trades, m->win_rate);
    }
    return fclose(f) ? kr_cli_fail("cannot write '%s'", path) : 0;
}

/* ------------------------------------------------------------------------
 * The commands
 * ------------------------------------------------------------------------ */

static const char cv_usage[] =
    "usage: kairos cv --data FILE[,FILE...] --features SPEC [OPTIONS]\n"
    "\n"
    "Purged cross-validation of an XGBoost classifier of the label's sign,\n"
    "with every path of out-of-sample predictions backtested through the\n"
    "engine (long above --threshold). Prints the distribution of the paths'\n"
    "Sharpe ratios, the median path's PSR and its DSR over the paths, and\n"
    "the promotion gate's verdict. docs/research.md.\n"
    "\n"
    "options:\n"
    "  --features SPEC   the feature set ('kairos features --list')\n"
    "  --label SPEC      triple[:pt=2,sl=2,h=10,vol=20] (default) or\n"
    "                    horizon[:h=5,k=0,vol=20]\n"
    "  --scheme SPEC     cpcv:groups=6,test=2 (default) | kfold:k=5 |\n"
    "                    walk:train=500,test=100[,step=100,rolling]\n"
    "  --embargo F       embargo after each test block, fraction of rows\n"
    "  --model SPEC      rounds=200,depth=4,eta=0.05,early=20,subsample=1,\n"
    "                    colsample=1,min_child=1,lambda=1,seed=0\n"
    "  --threshold P     long when P(up) > P [0.55]\n"
    "  --short           short when P(up) < 1 - P\n"
    "  --gate RULES      min_sharpe=0.5,min_psr=0.9,max_drawdown=0.3,...\n"
    "                    max_pbo=0.5 with --thresholds\n"
    "  --thresholds LIST the probability of backtest overfitting (CSCV)\n"
    "                    across these thresholds as configurations\n"
    "  --stack SPECS     a stacking ensemble per split instead of one model:\n"
    "                    base model specs separated by ';' (as --model), a\n"
    "                    logistic meta-learner on their out-of-fold predictions\n"
    "  --out DIR         write splits.csv, paths.csv and features.csv\n"
    "  --config FILE     the same options from a YAML file\n"
    "\n"
    "exit status: 0 ok (gate passed or not set), 1 the gate failed, 2 error\n";

static const char train_usage[] =
    "usage: kairos train --config model.yaml | --data FILE --features SPEC "
    "--registry DIR [OPTIONS]\n"
    "\n"
    "Runs 'kairos cv' (same options), then fits the final model on every\n"
    "row and adds it to the registry with its feature set, a hash of the\n"
    "training data, the metrics and the gate's verdict; with --promote it\n"
    "becomes live when the gate passes (--force: in any case).\n"
    "\n"
    "  --registry DIR    the model registry (created)\n"
    "  --promote         make the new version live if the gate passes\n"
    "  --force           promote even if the gate fails\n"
    "  --parent V        the version this one retrains\n"
    "  and every option of 'kairos cv'\n"
    "\n"
    "exit status: 0 ok, 1 the gate failed (the model is still added), 2 error\n";

static int research_cv(int argc, char **argv, bool train)
{
    kr_research_opts o;
    kr_research_opts_init(&o, train ? "train" : "cv");
    int rc = kr_research_parse(&o, argc, argv, train ? train_usage : cv_usage);
    if (rc) {
        kr_research_opts_free(&o);
        return rc < 0 ? KR_EXIT_OK : rc;
    }
    int status = KR_EXIT_OK;
    dataset ds;
    memset(&ds, 0, sizeof ds);
    cv_result res;
    memset(&res, 0, sizeof res);
    kr_xgb_params xp;
    if (!o.features) {
        status = kr_cli_fail("%s: option --features is required", o.cmd);
        goto done;
    }
    if (train && o.stack) {
        status = kr_cli_fail("train: option --stack: a stacked model cannot be "
                             "registered yet; cross-validate it with 'kairos "
                             "cv --stack'");
        goto done;
    }
    if (train && !o.registry) {
        status = kr_cli_fail("train: option --registry is required");
        goto done;
    }
    if ((status = parse_model(o.cmd, o.model, &xp)))
        goto done;
    if ((status = build_dataset(&o, o.features, &ds, true)))
        goto done;
    FILE *splits = NULL;
    if (o.out) {
        mkdir(o.out, 0755);
        char path[4096];
        snprintf(path, sizeof path, "%s/splits.csv", o.out);
        if (!(splits = fopen(path, "w"))) {
            status = kr_cli_fail("%s: cannot write '%s'", o.cmd, path);
            goto done;
        }
        fputs("split,train,test,purged,embargoed,trees,accuracy\n", splits);
    }
    status = run_cv(&o, &ds, &xp, &res, splits);
    if (splits && fclose(splits) && !status)
        status = kr_cli_fail("%s: cannot write splits.csv", o.cmd);
    if (status)
        goto done;
    if (o.out && (status = write_paths(o.out, &res)))
        goto done;
    print_cv(&o, &ds, &res);
    if ((status = feature_report(&o, &ds, &res)))
        goto done;
    bool passed = true;
    if ((status = gate_check(&o, &res, &passed)))
        goto done;
    if (train) {
        /* The final model on every row. */
        size_t *all = malloc(ds.nrows * sizeof *all);
        kr_model *m = NULL;
        kr_error err;
        kr_error_clear(&err);
        if (!all) {
            status = kr_cli_fail("out of memory");
            goto done;
        }
        for (size_t r = 0; r < ds.nrows; r++)
            all[r] = r;
        rc = train_rows(&ds, all, ds.nrows, &xp, &m, &err);
        free(all);
        if (rc) {
            status = kr_cli_fail("train: %s", err.msg[0] ? err.msg
                                                         : kr_strerror(rc));
            goto done;
        }
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.model.json.tmp", o.registry);
        kr_registry *reg = NULL;
        kr_model_meta meta;
        memset(&meta, 0, sizeof meta);
        snprintf(meta.kind, sizeof meta.kind, "%s", kr_model_kind_xgb.name);
        snprintf(meta.features, sizeof meta.features, "%s", o.features);
        if (o.parent)
            snprintf(meta.parent, sizeof meta.parent, "%s", o.parent);
        /* SHA-256 (nettle) of the training matrix, labels and weights as
         * they went to XGBoost. */
        struct sha256_ctx sha;
        uint8_t dig[SHA256_DIGEST_SIZE];
        sha256_init(&sha);
        sha256_update(&sha, ds.nrows * ds.ncols * sizeof *ds.x,
                      (const uint8_t *)ds.x);
        sha256_update(&sha, ds.nrows * sizeof *ds.y, (const uint8_t *)ds.y);
        sha256_update(&sha, ds.nrows * sizeof *ds.w, (const uint8_t *)ds.w);
        sha256_digest(&sha, sizeof dig, dig);
        for (size_t i = 0; i < sizeof dig; i++)
            snprintf(meta.data_hash + 2 * i, 3, "%02x", dig[i]);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        meta.created = (kr_ts)now.tv_sec * 1000000000 + now.tv_nsec;
        const char *names[] = {"sharpe", "psr", "dsr", "max_drawdown",
                               "trades", "accuracy", "paths"};
        const kr_bt_metrics *mm = &res.paths[res.median].m;
        const double vals[] = {mm->sharpe, mm->psr, mm->dsr, mm->max_drawdown,
                               mm->trades, res.accuracy, (double)res.npaths};
        /* Only the defined ones: a run without trades has no Sharpe. */
        for (size_t i = 0; i < 7; i++) {
            if (!isfinite(vals[i]))
                continue;
            size_t k = meta.nmetrics++;
            snprintf(meta.metric_names[k], sizeof meta.metric_names[k], "%s",
                     names[i]);
            meta.metrics[k] = vals[i];
        }
        meta.gate_passed = passed;
        rc = kr_model_save(m, tmp, &err);
        kr_model_free(m);
        if (!rc)
            rc = kr_registry_open(o.registry, 5, &reg, &err);
        if (!rc)
            rc = kr_registry_add(reg, &kr_model_kind_xgb, tmp, &meta, &err);
        remove(tmp);
        if (!rc && (o.force || (o.promote && passed)))
            rc = kr_registry_promote(reg, meta.version, &err);
        if (rc) {
            status = kr_cli_fail_error(&err);
            kr_registry_close(reg);
            goto done;
        }
        char live[32] = "";
        kr_registry_live(reg, live, sizeof live);
        printf("  model %s added to %s%s\n", meta.version, o.registry,
               !strcmp(live, meta.version) ? " and promoted (live)" : "");
        kr_registry_close(reg);
    }
    if (!passed && (o.gate))
        status = KR_EXIT_FINDINGS;
done:
    free(res.paths);
    free(res.gain);
    dataset_free(&ds);
    kr_research_opts_free(&o);
    return status;
}

int kr_cmd_cv(int argc, char **argv)
{
    return research_cv(argc, argv, false);
}

int kr_cmd_train(int argc, char **argv)
{
    return research_cv(argc, argv, true);
}

static const char predict_usage[] =
    "usage: kairos predict --registry DIR --data FILE[,FILE...] [-o FILE]\n"
    "\n"
    "Predicts every bar that has all its features with the registry's live\n"
    "model (its own feature set), writing ts,symbol,p_up as CSV (stdout\n"
    "without --out).\n"
    "\n"
    "  --registry DIR   the model registry\n"
    "  --data FILES     bar files\n"
    "  --out FILE       the predictions (default stdout)\n";

int kr_cmd_predict(int argc, char **argv)
{
    kr_research_opts o;
    kr_research_opts_init(&o, "predict");
    int rc = kr_research_parse(&o, argc, argv, predict_usage);
    if (rc) {
        kr_research_opts_free(&o);
        return rc < 0 ? KR_EXIT_OK : rc;
    }
    int status = KR_EXIT_OK;
    kr_registry *reg = NULL;
    kr_predictor *pred = NULL;
    dataset ds;
    memset(&ds, 0, sizeof ds);
    kr_error err;
    kr_error_clear(&err);
    char live[32] = "";
    kr_model_meta meta;
    FILE *f = stdout;
    if (!o.registry) {
        status = kr_cli_fail("predict: option --registry is required");
        goto done;
    }
    if (kr_registry_open(o.registry, 5, &reg, &err) ||
        kr_registry_live(reg, live, sizeof live) || !live[0] ||
        kr_registry_meta(reg, live, &meta, &err) ||
        kr_predictor_open(reg, &kr_model_kind_xgb, &pred, &err)) {
        status = err.msg[0] ? kr_cli_fail_error(&err)
                            : kr_cli_fail("predict: %s: no live model",
                                          o.registry);
        goto done;
    }
    if ((status = build_dataset(&o, meta.features, &ds, false)))
        goto done;
    if (o.out && !(f = fopen(o.out, "w"))) {
        status = kr_cli_fail("predict: cannot write '%s'", o.out);
        f = stdout;
        goto done;
    }
    fputs("ts,symbol,p_up\n", f);
    for (size_t r = 0; r < ds.nrows; r++) {
        float p;
        if (kr_predictor_predict(pred, ds.x + r * ds.ncols, ds.ncols, &p,
                                 NULL)) {
            status = kr_cli_fail("predict: the model refused row %zu", r + 1);
            break;
        }
        char t[40];
        kr_time_format(ds.ts[r], KR_TIME_ISO, t, sizeof t);
        fprintf(f, "%s,%s,%.9g\n", t, ds.d.names[ds.sym[r]], (double)p);
    }
    fprintf(stderr, "kairos predict: %zu rows with model %s\n", ds.nrows, live);
done:
    if (f != stdout && fclose(f) && !status)
        status = kr_cli_fail("predict: cannot write '%s'", o.out);
    kr_predictor_close(pred);
    kr_registry_close(reg);
    dataset_free(&ds);
    kr_research_opts_free(&o);
    return status;
}

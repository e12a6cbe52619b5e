/* oracle.c -- the series, parameter sets and TA-Lib oracle shared by the
 * indicator tests (see oracle.h).
 *
 * The synthetic series come from splitmix64 with a fixed seed and plain
 * arithmetic (Box-Muller for normals), so a run is the same on every machine
 * that has the same libm; nothing depends on it beyond the tests comparing
 * two computations on the same numbers. The oracle's jobs are written as
 * JSON by hand, with %.17g so that node reads back exactly our doubles, and
 * streamed to a file as they are queued; only the answers, which are
 * smaller, go through jansson.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "kairos/data.h"
#include "oracle.h"

#ifndef KR_SOURCE_DIR
#error "KR_SOURCE_DIR must name the source tree"
#endif

#define ORACLE_DIR KR_SOURCE_DIR "/tests/ta/oracle"
#define NPM_HINT "run `npm ci --prefix tests/ta/oracle` in the source tree"

/* ------------------------------------------------------------------------
 * Random numbers
 * ------------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform on [0, 1). */
static double rng_uniform(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static double rng_normal(uint64_t *s)
{
    double u1 = 1.0 - rng_uniform(s); /* (0, 1] */
    double u2 = rng_uniform(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ------------------------------------------------------------------------
 * Series
 * ------------------------------------------------------------------------ */

void tt_series_alloc(tt_series *s, const char *name, size_t n)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->n = n;
    for (int k = 0; k < TT_NCOLS; k++) {
        /* At least one byte, so n == 0 still gives a pointer ASan guards. */
        s->col[k] = calloc(n ? n : 1, sizeof(double));
        if (!s->col[k])
            abort();
    }
}

void tt_series_free(tt_series *s)
{
    for (int k = 0; k < TT_NCOLS; k++)
        free(s->col[k]);
    memset(s, 0, sizeof *s);
}

static void set_bar(tt_series *s, size_t i, double o, double h, double l,
                    double c, double v)
{
    s->col[KR_TA_OPEN][i] = o;
    s->col[KR_TA_HIGH][i] = h;
    s->col[KR_TA_LOW][i] = l;
    s->col[KR_TA_CLOSE][i] = c;
    s->col[KR_TA_VOLUME][i] = v;
    s->col[KR_TA_DAY][i] = (double)(i / 7); /* seven bars a session */
}

void tt_series_flat(tt_series *s, size_t n, uint64_t seed)
{
    tt_series_alloc(s, "flat", n);
    uint64_t r = seed;
    double c = 100.0;
    unsigned runs = 0;
    size_t i = 0;
    while (i < n) {
        double u = rng_uniform(&r);
        if (u < 0.012) {
            /* A run of 30 identical bars; every other run without volume. */
            double v = runs++ % 2 ? 1e5 * (1.0 + rng_uniform(&r)) : 0.0;
            for (int k = 0; k < 30 && i < n; k++, i++)
                set_bar(s, i, c, c, c, c, v);
            continue;
        }
        double o = c;
        c = o * (1.0 + 0.012 * rng_normal(&r));
        double v = 1e6 * (0.2 + rng_uniform(&r));
        if (u > 0.95) {
            set_bar(s, i++, c, c, c, c, v); /* zero range */
            continue;
        }
        double h = fmax(o, c) * (1.0 + 0.004 * fabs(rng_normal(&r)));
        double l = fmin(o, c) * (1.0 - 0.004 * fabs(rng_normal(&r)));
        set_bar(s, i++, o, h, l, c, v);
    }
}

void tt_series_gaps(tt_series *s, size_t n, uint64_t seed)
{
    tt_series_alloc(s, "gaps", n);
    uint64_t r = seed;
    double c = 0.01;
    for (size_t i = 0; i < n; i++) {
        double o = c;
        double u = rng_uniform(&r);
        if (u < 0.03) {
            double g = rng_uniform(&r) < 0.5 ? -0.2 : 0.2;
            if (c > 0.05)
                g = -0.2;
            else if (c < 0.002)
                g = 0.2;
            o = c * (1.0 + g);
        }
        c = o * (1.0 + 0.006 * rng_normal(&r));
        /* Tiny volumes for a stretch: money flows under TA-Lib's 1.0. */
        double v = i >= n / 3 && i < n / 3 + 100
                       ? 5.0 * rng_uniform(&r)
                       : 1e5 * (0.1 + rng_uniform(&r));
        if (u > 0.98) {
            set_bar(s, i, c, c, c, c, v);
            continue;
        }
        double h = fmax(o, c) * (1.0 + 0.003 * fabs(rng_normal(&r)));
        double l = fmin(o, c) * (1.0 - 0.003 * fabs(rng_normal(&r)));
        set_bar(s, i, o, h, l, c, v);
    }
}

int tt_series_sp500(tt_series *s, char *msg, size_t size)
{
    const char *path = KR_SOURCE_DIR "/data/sp500.csv";
    kr_csv_opts co;
    kr_csv_opts_init(&co);
    kr_dataset ds;
    kr_error err;
    kr_error_clear(&err);
    if (kr_csv_load(path, &co, &ds, &err)) {
        char e[600];
        kr_error_format(&err, e, sizeof e);
        snprintf(msg, size, "cannot load %s: %s", path, e);
        return -1;
    }
    if (ds.nbars != 1 || kr_bars_sort(&ds.bars[0])) {
        snprintf(msg, size, "%s: expected one bar series", path);
        kr_dataset_free(&ds);
        return -1;
    }
    kr_bars *b = &ds.bars[0];
    kr_bars_dedupe(b);
    tt_series_alloc(s, "sp500", b->n);
    for (size_t i = 0; i < b->n; i++) {
        s->col[KR_TA_OPEN][i] = b->open[i];
        s->col[KR_TA_HIGH][i] = b->high[i];
        s->col[KR_TA_LOW][i] = b->low[i];
        s->col[KR_TA_CLOSE][i] = b->close[i];
        s->col[KR_TA_VOLUME][i] = b->volume[i];
        s->col[KR_TA_DAY][i] = (double)kr_ts_day(b->ts[i]);
    }
    kr_dataset_free(&ds);
    return 0;
}

void tt_inputs(const kr_ta_info *info, const tt_series *s,
               const double *in[KR_TA_MAX_INPUTS])
{
    for (int k = 0; k < info->ninputs; k++)
        in[k] = s->col[info->inputs[k]];
}

/* ------------------------------------------------------------------------
 * Parameter sets
 * ------------------------------------------------------------------------ */

static int add_set(const kr_ta_info *info, double sets[][KR_TA_MAX_PARAMS],
                   int count, int max, const double *p)
{
    if (count >= max || kr_ta_check_params(info, p, NULL))
        return count;
    for (int j = 0; j < count; j++)
        if (!memcmp(sets[j], p, sizeof sets[j]))
            return count;
    memcpy(sets[count], p, sizeof sets[count]);
    return count + 1;
}

int tt_param_sets(const kr_ta_info *info, double sets[][KR_TA_MAX_PARAMS],
                  int max)
{
    double p[KR_TA_MAX_PARAMS] = {0};
    int count = 0;
    for (int i = 0; i < info->nparams; i++)
        p[i] = info->params[i].def;
    count = add_set(info, sets, count, max, p);

    for (int i = 0; i < info->nparams; i++)
        p[i] = info->params[i].integer ? info->params[i].min
                                       : info->params[i].def;
    for (int i = 1; i < info->nparams && kr_ta_check_params(info, p, NULL);
         i++)
        if (info->params[i].integer && info->params[i - 1].integer &&
            p[i] <= p[i - 1])
            p[i] = p[i - 1] + 1;
    count = add_set(info, sets, count, max, p);

    for (int i = 0; i < info->nparams; i++) {
        const kr_ta_param *q = &info->params[i];
        double v;
        if (q->integer)
            v = q->def >= 1 ? 2 * q->def + 1 : q->min + 20;
        else
            v = q->def != 0 ? q->def * 0.5 : q->def;
        p[i] = v < q->min ? q->min : v > q->max ? q->max : v;
    }
    count = add_set(info, sets, count, max, p);
    return count;
}

void tt_spec(const kr_ta_info *info, const double *params, char *buf,
             size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "%s", info->name);
    for (int i = 0; i < info->nparams && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%c%.17g", i ? ',' : ':',
                              params[i]);
}

int tt_same(double a, double b)
{
    return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof a);
}

/* ------------------------------------------------------------------------
 * The oracle
 * ------------------------------------------------------------------------ */

struct tt_oracle {
    char jobs_path[512];
    char err_path[520];
    FILE *jobs;
    size_t njobs;
    tt_result *res; /* njobs answers after a run */
};

tt_oracle *tt_oracle_new(char *msg, size_t size)
{
    if (access(ORACLE_DIR "/node_modules/talib.js/lib/talib.wasm", R_OK)) {
        snprintf(msg, size,
                 "the TA-Lib oracle is not installed (no %s): " NPM_HINT
                 " (needs node and npm: scripts/install-deps)",
                 ORACLE_DIR "/node_modules/talib.js");
        return NULL;
    }
    tt_oracle *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(msg, size, "out of memory");
        return NULL;
    }
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(o->jobs_path, sizeof o->jobs_path, "%s/kr_ta_oracle_XXXXXX",
             tmp);
    int fd = mkstemp(o->jobs_path);
    if (fd < 0 || !(o->jobs = fdopen(fd, "w"))) {
        snprintf(msg, size, "cannot create %s: %s", o->jobs_path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        free(o);
        return NULL;
    }
    snprintf(o->err_path, sizeof o->err_path, "%s.err", o->jobs_path);
    fputc('[', o->jobs);
    return o;
}

static void put_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f); /* the oracle reads null as NaN */
}

int tt_oracle_add(tt_oracle *o, const char *fn, int nin,
                  const double *const *in, size_t n, int nopt,
                  const double *opt, int nout)
{
    FILE *f = o->jobs;
    fprintf(f, "%s{\"fn\":\"%s\",\"inputs\":[", o->njobs ? ",\n" : "", fn);
    for (int k = 0; k < nin; k++) {
        fputs(k ? ",[" : "[", f);
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputc(',', f);
            put_number(f, in[k][i]);
        }
        fputc(']', f);
    }
    fputs("],\"options\":[", f);
    for (int k = 0; k < nopt; k++) {
        if (k)
            fputc(',', f);
        put_number(f, opt[k]);
    }
    fprintf(f, "],\"outputs\":%d}", nout);
    return (int)o->njobs++;
}

/* Single-quotes `s` for /bin/sh. */
static void shell_quote(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    if (o + 1 < size)
        buf[o++] = '\'';
    for (; *s && o + 5 < size; s++) {
        if (*s == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else
            buf[o++] = *s;
    }
    if (o + 1 < size)
        buf[o++] = '\'';
    buf[o] = '\0';
}

static double json_double(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int parse_results(tt_oracle *o, json_t *root, char *msg, size_t size)
{
    if (!json_is_array(root) || json_array_size(root) != o->njobs) {
        snprintf(msg, size, "the oracle answered %zu results for %zu jobs",
                 json_is_array(root) ? json_array_size(root) : 0, o->njobs);
        return -1;
    }
    o->res = calloc(o->njobs ? o->njobs : 1, sizeof *o->res);
    if (!o->res) {
        snprintf(msg, size, "out of memory");
        return -1;
    }
    for (size_t j = 0; j < o->njobs; j++) {
        json_t *r = json_array_get(root, j);
        json_t *outs = json_object_get(r, "outputs");
        tt_result *t = &o->res[j];
        t->ret = (int)json_integer_value(json_object_get(r, "ret"));
        t->beg = (int)json_integer_value(json_object_get(r, "begIdx"));
        t->nb = (int)json_integer_value(json_object_get(r, "nbElement"));
        if (!json_is_array(outs) ||
            json_array_size(outs) > KR_TA_MAX_OUTPUTS || t->nb < 0) {
            snprintf(msg, size, "malformed oracle result %zu", j);
            return -1;
        }
        t->nout = (int)json_array_size(outs);
        for (int k = 0; k < t->nout; k++) {
            json_t *a = json_array_get(outs, (size_t)k);
            if (!json_is_array(a) || json_array_size(a) != (size_t)t->nb) {
                snprintf(msg, size, "oracle result %zu output %d: expected "
                         "%d values", j, k, t->nb);
                return -1;
            }
            t->out[k] = malloc((size_t)(t->nb ? t->nb : 1) * sizeof(double));
            if (!t->out[k]) {
                snprintf(msg, size, "out of memory");
                return -1;
            }
            for (int i = 0; i < t->nb; i++)
                t->out[k][i] = json_double(json_array_get(a, (size_t)i));
        }
    }
    return 0;
}

int tt_oracle_run(tt_oracle *o, char *msg, size_t size)
{
    fputs("]\n", o->jobs);
    int bad = ferror(o->jobs);
    if (fclose(o->jobs) || bad) {
        o->jobs = NULL;
        snprintf(msg, size, "cannot write %s", o->jobs_path);
        return -1;
    }
    o->jobs = NULL;

    char script[600], jobs[600], errf[600], cmd[2048];
    shell_quote(ORACLE_DIR "/talib_oracle.js", script, sizeof script);
    shell_quote(o->jobs_path, jobs, sizeof jobs);
    shell_quote(o->err_path, errf, sizeof errf);
    snprintf(cmd, sizeof cmd, "node %s %s 2>%s", script, jobs, errf);
    fflush(NULL);
    FILE *p = popen(cmd, "r");
    if (!p) {
        snprintf(msg, size, "cannot start node: %s", strerror(errno));
        return -1;
    }
    json_error_t jerr;
    json_t *root = json_loadf(p, 0, &jerr);
    int status = pclose(p);
    int rc = 0;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status)
                                                     : -1;
        char tail[400] = "";
        FILE *e = fopen(o->err_path, "r");
        if (e) {
            size_t k = fread(tail, 1, sizeof tail - 1, e);
            tail[k] = '\0';
            fclose(e);
        }
        if (code == 127)
            snprintf(msg, size, "node was not found on PATH: install Node.js "
                     "(scripts/install-deps) and " NPM_HINT);
        else
            snprintf(msg, size, "node %s failed (exit status %d): %s "
                     "(if talib.js is missing, " NPM_HINT ")",
                     ORACLE_DIR "/talib_oracle.js", code, tail);
        rc = -1;
    } else if (!root) {
        snprintf(msg, size, "cannot parse the oracle's output: %s (line %d)",
                 jerr.text, jerr.line);
        rc = -1;
    } else
        rc = parse_results(o, root, msg, size);
    json_decref(root);
    remove(o->err_path);
    if (getenv("KR_TA_ORACLE_KEEP"))
        fprintf(stderr, "oracle jobs kept in %s\n", o->jobs_path);
    else
        remove(o->jobs_path);
    return rc;
}

const tt_result *tt_oracle_result(const tt_oracle *o, int job)
{
    if (!o->res || job < 0 || (size_t)job >= o->njobs)
        return NULL;
    return &o->res[job];
}

size_t tt_oracle_njobs(const tt_oracle *o) { return o->njobs; }

void tt_oracle_free(tt_oracle *o)
{
    if (!o)
        return;
    if (o->jobs) {
        fclose(o->jobs);
        remove(o->jobs_path);
    }
    if (o->res)
        for (size_t j = 0; j < o->njobs; j++)
            for (int k = 0; k < o->res[j].nout; k++)
                free(o->res[j].out[k]);
    free(o->res);
    free(o);
}

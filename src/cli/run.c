/* run.c -- options, data loading and the progress bar shared by
 * `kairos backtest` and `kairos sweep`.
 *
 * One table names every run option once. A YAML run file (--config) uses
 * the same names, underscores or dashes alike, with `risk.` allowed in
 * front of the risk limits and the strategy either as a spec string or as
 * a mapping (strategy: {name: sma_cross, fast: 50}). The file is applied
 * first and the command line after it, so a flag overrides the file. Every
 * value goes through one function, apply(), whose messages name the option
 * and, for the file, where the value sits in it.
 */
#include "cli/run.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kairos/strategy.h"

enum { FOR_BACKTEST = 1, FOR_SWEEP = 2, FOR_BOTH = 3 };

typedef struct run_opt {
    const char *name;
    int has_arg;
    int code;
    int cmds;
} run_opt;

enum {
    O_DATA = 256, O_STRATEGY, O_CONFIG, O_CASH, O_COMMISSION, O_SLIPPAGE,
    O_FILL, O_LOT, O_SIZE, O_SHORT, O_BORROW, O_LEVERAGE, O_MARGIN,
    O_MAX_POSITION, O_MAX_NOTIONAL, O_VOLUME_CAP, O_PPY, O_PRICE_PREC,
    O_SIZE_PREC, O_CLOSE_AT_END, O_OUT, O_NO_PROGRESS, O_GRID, O_JOBS,
    O_REPORT, O_REGISTRY,
};

static const run_opt run_opts[] = {
    {"data", required_argument, O_DATA, FOR_BOTH},
    {"strategy", required_argument, O_STRATEGY, FOR_BOTH},
    {"config", required_argument, O_CONFIG, FOR_BOTH},
    {"cash", required_argument, O_CASH, FOR_BOTH},
    {"commission", required_argument, O_COMMISSION, FOR_BOTH},
    {"slippage", required_argument, O_SLIPPAGE, FOR_BOTH},
    {"fill", required_argument, O_FILL, FOR_BOTH},
    {"lot", required_argument, O_LOT, FOR_BOTH},
    {"size", required_argument, O_SIZE, FOR_BOTH},
    {"short", no_argument, O_SHORT, FOR_BOTH},
    {"borrow", required_argument, O_BORROW, FOR_BOTH},
    {"leverage", required_argument, O_LEVERAGE, FOR_BOTH},
    {"margin", required_argument, O_MARGIN, FOR_BOTH},
    {"max-position", required_argument, O_MAX_POSITION, FOR_BOTH},
    {"max-order-notional", required_argument, O_MAX_NOTIONAL, FOR_BOTH},
    {"volume-cap", required_argument, O_VOLUME_CAP, FOR_BOTH},
    {"periods-per-year", required_argument, O_PPY, FOR_BOTH},
    {"price-precision", required_argument, O_PRICE_PREC, FOR_BOTH},
    {"size-precision", required_argument, O_SIZE_PREC, FOR_BOTH},
    {"close-at-end", no_argument, O_CLOSE_AT_END, FOR_BOTH},
    {"out", required_argument, O_OUT, FOR_BOTH},
    {"no-progress", no_argument, O_NO_PROGRESS, FOR_BOTH},
    {"grid", required_argument, O_GRID, FOR_SWEEP},
    {"jobs", required_argument, O_JOBS, FOR_SWEEP},
    {"report", required_argument, O_REPORT, FOR_SWEEP},
    {"registry", required_argument, O_REGISTRY, FOR_BACKTEST},
};

#define NOPTS (sizeof run_opts / sizeof run_opts[0])

void kr_run_opts_init(kr_run_opts *o, const char *cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    kr_backtest_config_init(&o->cfg);
    kr_sizing_init(&o->sizing);
    o->price_precision = 6;
    o->size_precision = 6;
    o->progress = true;
}

void kr_run_opts_free(kr_run_opts *o)
{
    free(o->data);
    free(o->strategy);
    free(o->out);
    free(o->grid);
    free(o->registry);
    free(o->csv);
    free(o->commission);
    free(o->slippage);
    free(o->size);
    free(o->strat_name);
    free(o->strat_params);
    memset(o, 0, sizeof *o);
}

static int set_str(char **dst, const char *v)
{
    char *c = strdup(v);
    if (!c)
        return kr_cli_fail("out of memory");
    free(*dst);
    *dst = c;
    return 0;
}

/* Parses a number for option `name`; `where` prefixes the message with a
 * file position for values from the run file. */
static int number(const kr_run_opts *o, const char *where, const char *name,
                  const char *v, double lo, double hi, double *out)
{
    char q[96];
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno == ERANGE || !isfinite(d) || d < lo ||
        d > hi)
        return kr_cli_fail("%s: %soption --%s: expected a number from %g to "
                           "%g, got '%s'",
                           o->cmd, where, name, lo, hi,
                           kr_escape(v, strlen(v), q, sizeof q));
    *out = d;
    return 0;
}

static int lib_error(const kr_run_opts *o, const char *where,
                     const char *name, const kr_error *e)
{
    return kr_cli_fail("%s: %soption --%s: %s", o->cmd, where, name, e->msg);
}

static int apply(kr_run_opts *o, const run_opt *op, const char *v,
                 const char *where)
{
    char q[96];
    double d;
    kr_error err;
    kr_error_clear(&err);
    int cmd_bit = strcmp(o->cmd, "sweep") ? FOR_BACKTEST : FOR_SWEEP;
    if (!(op->cmds & cmd_bit))
        return kr_cli_fail("%s: %soption --%s does not apply to this command",
                           o->cmd, where, op->name);
    switch (op->code) {
    case O_DATA:
        return set_str(&o->data, v);
    case O_STRATEGY:
        return set_str(&o->strategy, v);
    case O_CASH:
        if (number(o, where, op->name, v, 1e-9, 1e15, &d))
            return KR_EXIT_USAGE;
        o->cfg.cash = d;
        return 0;
    case O_COMMISSION:
        if (kr_cost_parse_commission(&o->cfg.venue.cost, v, o->cfg.ccy_precision,
                                     "--commission", &err))
            return lib_error(o, where, op->name, &err);
        return set_str(&o->commission, v);
    case O_SLIPPAGE:
        if (kr_cost_parse_slippage(&o->cfg.venue.cost, v, "--slippage", &err))
            return lib_error(o, where, op->name, &err);
        return set_str(&o->slippage, v);
    case O_FILL:
        if (!strcmp(v, "next_open"))
            o->cfg.venue.fill_rule = KR_FILL_NEXT_OPEN;
        else if (!strcmp(v, "next_close"))
            o->cfg.venue.fill_rule = KR_FILL_NEXT_CLOSE;
        else if (!strcmp(v, "close"))
            o->cfg.venue.fill_rule = KR_FILL_CLOSE;
        else
            return kr_cli_fail("%s: %soption --fill: expected next_open, "
                               "next_close or close, got '%s'",
                               o->cmd, where,
                               kr_escape(v, strlen(v), q, sizeof q));
        return 0;
    case O_LOT:
        if (number(o, where, op->name, v, 0, 1e9, &d))
            return KR_EXIT_USAGE;
        o->lot = d;
        if (!o->size_precision_set) {
            /* The lot's own decimals, at least 0, at most 9. */
            int p = 0;
            while (p < 9 && fabs(d * pow(10, p) - nearbyint(d * pow(10, p))) >
                                1e-9 * fmax(1, d * pow(10, p)))
                p++;
            o->size_precision = d > 0 ? p : 6;
        }
        return 0;
    case O_SIZE:
        if (kr_sizing_parse(v, &o->sizing, "--size", &err))
            return lib_error(o, where, op->name, &err);
        return set_str(&o->size, v);
    case O_SHORT:
        if (v && strcmp(v, "true") && strcmp(v, "1") && strcmp(v, "yes") &&
            strcmp(v, "false") && strcmp(v, "0") && strcmp(v, "no"))
            return kr_cli_fail("%s: %soption --short: expected true or "
                               "false, got '%s'",
                               o->cmd, where,
                               kr_escape(v, strlen(v), q, sizeof q));
        o->cfg.allow_short = !v || !strcmp(v, "true") || !strcmp(v, "1") ||
                             !strcmp(v, "yes");
        return 0;
    case O_CLOSE_AT_END:
        o->cfg.close_at_end = !v || !strcmp(v, "true") || !strcmp(v, "1");
        return 0;
    case O_NO_PROGRESS:
        o->progress = false;
        return 0;
    case O_BORROW:
        if (number(o, where, op->name, v, 0, 10, &d))
            return KR_EXIT_USAGE;
        o->cfg.borrow_rate = d;
        return 0;
    case O_LEVERAGE:
        if (number(o, where, op->name, v, 0.01, 100, &d))
            return KR_EXIT_USAGE;
        o->cfg.max_leverage = d;
        return 0;
    case O_MARGIN:
        if (number(o, where, op->name, v, 0, 1, &d))
            return KR_EXIT_USAGE;
        o->cfg.maintenance_margin = d;
        return 0;
    case O_MAX_POSITION:
        if (number(o, where, op->name, v, 0, 1e15, &d))
            return KR_EXIT_USAGE;
        o->cfg.risk.max_position = d;
        return 0;
    case O_MAX_NOTIONAL:
        if (number(o, where, op->name, v, 0, 1e18, &d))
            return KR_EXIT_USAGE;
        o->cfg.risk.max_order_notional = d;
        return 0;
    case O_VOLUME_CAP:
        if (number(o, where, op->name, v, 0, 1, &d))
            return KR_EXIT_USAGE;
        o->cfg.venue.volume_cap = d;
        return 0;
    case O_PPY:
        if (number(o, where, op->name, v, 0, 1e8, &d))
            return KR_EXIT_USAGE;
        o->cfg.periods_per_year = d;
        return 0;
    case O_PRICE_PREC:
        if (number(o, where, op->name, v, 0, 9, &d) || d != floor(d))
            return d != floor(d) ? kr_cli_fail("%s: %soption --%s: expected "
                                               "a whole number 0..9",
                                               o->cmd, where, op->name)
                                 : KR_EXIT_USAGE;
        o->price_precision = (int)d;
        return 0;
    case O_SIZE_PREC:
        if (number(o, where, op->name, v, 0, 9, &d) || d != floor(d))
            return d != floor(d) ? kr_cli_fail("%s: %soption --%s: expected "
                                               "a whole number 0..9",
                                               o->cmd, where, op->name)
                                 : KR_EXIT_USAGE;
        o->size_precision = (int)d;
        o->size_precision_set = true;
        return 0;
    case O_OUT:
        return set_str(strcmp(o->cmd, "sweep") ? &o->out : &o->csv, v);
    case O_REPORT:
        return set_str(&o->out, v);
    case O_REGISTRY:
        return set_str(&o->registry, v);
    case O_GRID:
        return set_str(&o->grid, v);
    case O_JOBS:
        if (number(o, where, op->name, v, 0, 1024, &d) || d != floor(d))
            return d != floor(d) ? kr_cli_fail("%s: option --jobs: expected "
                                               "a whole number", o->cmd)
                                 : KR_EXIT_USAGE;
        o->jobs = (int)d;
        return 0;
    default:
        return kr_cli_fail("%s: %soption --%s cannot be set here", o->cmd,
                           where, op->name);
    }
}

static const run_opt *find_opt(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(run_opts[i].name, name))
            return &run_opts[i];
    return NULL;
}

/* Appends "k=v" to the strategy parameters given as a YAML mapping. */
static int add_param(kr_run_opts *o, const char *k, const char *v)
{
    size_t old = o->strat_params ? strlen(o->strat_params) : 0;
    size_t need = old + strlen(k) + strlen(v) + 3;
    char *p = realloc(o->strat_params, need);
    if (!p)
        return kr_cli_fail("out of memory");
    snprintf(p + old, need - old, "%s%s=%s", old ? "," : "", k, v);
    o->strat_params = p;
    return 0;
}

static int load_config(kr_run_opts *o, const char *path)
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
        char where[400];
        snprintf(where, sizeof where, "%s:%lld:%d: ", path,
                 (long long)e->line, e->column);
        char key[128];
        snprintf(key, sizeof key, "%s", e->key);
        for (char *p = key; *p; p++)
            if (*p == '_')
                *p = '-';
        const char *k = key;
        if (!strncmp(k, "strategy.", 9)) {
            if (!strcmp(k + 9, "name"))
                rc = set_str(&o->strat_name, e->value);
            else
                rc = add_param(o, e->key + 9, e->value);
            continue;
        }
        if (!strncmp(k, "risk.", 5))
            k += 5;
        const run_opt *op = find_opt(k);
        if (!op || op->code == O_CONFIG) {
            rc = kr_cli_fail("%s: %sunknown key '%s' (the keys are the "
                             "options of 'kairos %s --help')",
                             o->cmd, where,
                             kr_escape(e->key, strlen(e->key), q, sizeof q),
                             o->cmd);
            continue;
        }
        const char *v = e->value;
        if (op->has_arg == no_argument &&
            (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))) {
            if (op->code == O_SHORT)
                o->cfg.allow_short = 0;
            else if (op->code == O_CLOSE_AT_END)
                o->cfg.close_at_end = 0;
            else if (op->code == O_NO_PROGRESS)
                o->progress = true;
            continue;
        }
        rc = apply(o, op, v, where);
    }
    kr_config_free(&c);
    if (!rc && o->strat_params && !o->strat_name)
        rc = kr_cli_fail("%s: %s: the strategy mapping needs a 'name' key",
                         o->cmd, path);
    if (!rc && o->strat_name) {
        size_t n = strlen(o->strat_name) +
                   (o->strat_params ? strlen(o->strat_params) : 0) + 2;
        char *spec = malloc(n);
        if (!spec)
            return kr_cli_fail("out of memory");
        snprintf(spec, n, "%s%s%s", o->strat_name, o->strat_params ? ":" : "",
                 o->strat_params ? o->strat_params : "");
        free(o->strategy);
        o->strategy = spec;
    }
    return rc;
}

int kr_run_parse(kr_run_opts *o, int argc, char **argv, const char *usage)
{
    struct option lo[NOPTS + 2];
    for (size_t i = 0; i < NOPTS; i++) {
        lo[i].name = run_opts[i].name;
        lo[i].has_arg = run_opts[i].has_arg;
        lo[i].flag = NULL;
        lo[i].val = run_opts[i].code;
    }
    lo[NOPTS] = (struct option){"help", no_argument, NULL, 'h'};
    lo[NOPTS + 1] = (struct option){NULL, 0, NULL, 0};
    char q[96];

    /* Pass 1: --help and --config. */
    optind = 1;
    opterr = 0;
    const char *config = NULL;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", lo, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (c == O_CONFIG)
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
        return kr_cli_fail("%s: unexpected argument '%s' (try 'kairos %s "
                           "--help')",
                           o->cmd,
                           kr_escape(argv[optind], strlen(argv[optind]), q,
                                     sizeof q),
                           o->cmd);
    int rc;
    if (config && (rc = load_config(o, config)))
        return rc;
    /* Pass 2: the command line over the file. */
    optind = 1;
    for (;;) {
        int idx = -1;
        int c = getopt_long(argc, argv, ":h", lo, &idx);
        if (c == -1)
            break;
        if (c == O_CONFIG || c == 'h')
            continue;
        const run_opt *op = NULL;
        for (size_t i = 0; i < NOPTS; i++)
            if (run_opts[i].code == c)
                op = &run_opts[i];
        if (!op)
            return KR_EXIT_USAGE;
        if ((rc = apply(o, op, optarg, "")))
            return rc;
    }
    if (!o->data)
        return kr_cli_fail("%s: option --data is required (try 'kairos %s "
                           "--help')", o->cmd, o->cmd);
    if (!o->strategy)
        return kr_cli_fail("%s: option --strategy is required (try 'kairos "
                           "%s --help'; 'kairos strategies' lists them)",
                           o->cmd, o->cmd);
    return 0;
}

/* ------------------------------------------------------------------------
 * Data
 * ------------------------------------------------------------------------ */

void kr_run_data_free(kr_run_data *d)
{
    for (size_t i = 0; i < d->nds; i++)
        kr_dataset_free(&d->ds[i]);
    free(d->ds);
    free(d->bars);
    free(d->inst);
    free(d->names);
    memset(d, 0, sizeof *d);
}

int kr_run_load(const kr_run_opts *o, kr_run_data *d)
{
    memset(d, 0, sizeof *d);
    char q[96];
    size_t nfiles = 1;
    for (const char *p = o->data; *p; p++)
        nfiles += *p == ',';
    d->ds = calloc(nfiles, sizeof *d->ds);
    char *list = strdup(o->data);
    if (!d->ds || !list) {
        free(list);
        return kr_cli_fail("out of memory");
    }
    int rc = 0;
    size_t total = 0;
    char *save = NULL;
    for (char *path = strtok_r(list, ",", &save); path && !rc;
         path = strtok_r(NULL, ",", &save)) {
        if (!*path)
            continue;
        kr_csv_opts co;
        kr_csv_opts_init(&co);
        kr_error err;
        kr_error_clear(&err);
        kr_dataset *ds = &d->ds[d->nds];
        if (kr_csv_load(path, &co, ds, &err)) {
            rc = kr_cli_fail_error(&err);
            break;
        }
        d->nds++;
        if (ds->nbars == 0) {
            rc = kr_cli_fail("%s: %s: no bars (a quote file cannot be "
                             "backtested yet)",
                             o->cmd, kr_escape(path, strlen(path), q, sizeof q));
            break;
        }
        size_t dropped = 0;
        for (size_t i = 0; i < ds->nbars; i++)
            if (kr_bars_clean(&ds->bars[i], &dropped)) {
                rc = kr_cli_fail("out of memory");
                break;
            }
        kr_cli_warn_dropped(o->cmd, path, dropped, ds->issues_total);
        total += ds->nbars;
    }
    free(list);
    if (!rc && d->nds == 0)
        rc = kr_cli_fail("%s: option --data: no file given", o->cmd);
    if (rc) {
        kr_run_data_free(d);
        return rc;
    }
    d->bars = calloc(total, sizeof *d->bars);
    d->inst = calloc(total, sizeof *d->inst);
    d->names = calloc(total, sizeof *d->names);
    if (!d->bars || !d->inst || !d->names) {
        kr_run_data_free(d);
        return kr_cli_fail("out of memory");
    }
    for (size_t f = 0; f < d->nds; f++) {
        kr_dataset *ds = &d->ds[f];
        for (size_t i = 0; i < ds->nbars; i++) {
            const char *name = kr_symtab_name(ds->symbols, ds->bars[i].symbol);
            for (size_t k = 0; k < d->n; k++)
                if (!strcmp(d->names[k], name)) {
                    rc = kr_cli_fail("%s: symbol '%s' appears in more than "
                                     "one file (%s)",
                                     o->cmd,
                                     kr_escape(name, strlen(name), q, sizeof q),
                                     ds->path);
                    kr_run_data_free(d);
                    return rc;
                }
            if (ds->bars[i].n == 0)
                continue;
            uint32_t id = (uint32_t)d->n;
            d->bars[d->n] = ds->bars[i];
            d->bars[d->n].symbol = id;
            d->names[d->n] = name;
            kr_instrument_init(&d->inst[d->n], id, o->price_precision,
                               o->size_precision);
            if (o->lot > 0 &&
                kr_fixed_from_double(o->lot, o->size_precision,
                                     &d->inst[d->n].lot_size)) {
                kr_run_data_free(d);
                return kr_cli_fail("%s: option --lot: %g does not fit the "
                                   "size precision %d",
                                   o->cmd, o->lot, o->size_precision);
            }
            d->n++;
        }
    }
    if (d->n == 0) {
        kr_run_data_free(d);
        return kr_cli_fail("%s: option --data: the files hold no bars",
                           o->cmd);
    }
    d->in.bars = d->bars;
    d->in.inst = d->inst;
    d->in.names = d->names;
    d->in.n = d->n;
    return 0;
}

/* ------------------------------------------------------------------------
 * Progress
 * ------------------------------------------------------------------------ */

double kr_now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void kr_progress_start(kr_progress *p, uint64_t total, const char *label)
{
    p->start = kr_now_seconds();
    p->last = 0;
    p->shown = false;
    p->total = total;
    p->label = label;
}

void kr_progress_update(void *user, double done)
{
    kr_progress *p = user;
    double now = kr_now_seconds(), el = now - p->start;
    if (el < 1.0 || now - p->last < 0.1 || !isatty(STDERR_FILENO))
        return;
    p->last = now;
    p->shown = true;
    int w = 30, k = (int)(done * w + 0.5);
    if (k > w)
        k = w;
    char bar[64];
    for (int i = 0; i < w; i++)
        bar[i] = i < k ? '#' : '.';
    bar[w] = '\0';
    double rate = done * (double)p->total / el;
    double eta = done > 0 ? el * (1 - done) / done : 0;
    fprintf(stderr, "\r%s [%s] %3.0f%%  %.3g M/s  eta %.0fs ", p->label, bar,
            done * 100, rate / 1e6, eta);
    fflush(stderr);
}

void kr_progress_end(kr_progress *p)
{
    if (p->shown) {
        fprintf(stderr, "\r%*s\r", 72, "");
        fflush(stderr);
    }
}

/* ------------------------------------------------------------------------
 * Settings for reports
 * ------------------------------------------------------------------------ */

char **kr_run_settings(const kr_run_opts *o, const kr_run_data *d, size_t *n)
{
    static const char *const fills[] = {"next_open", "next_close", "close"};
    char buf[16][256];
    size_t k = 0;
    snprintf(buf[k++], 256, "data=%s", o->data);
    snprintf(buf[k++], 256, "symbols=%zu", d->n);
    snprintf(buf[k++], 256, "cash=%.2f", o->cfg.cash);
    snprintf(buf[k++], 256, "fill=%s", fills[o->cfg.venue.fill_rule]);
    snprintf(buf[k++], 256, "commission=%s",
             o->commission ? o->commission : "none");
    snprintf(buf[k++], 256, "slippage=%s", o->slippage ? o->slippage : "none");
    snprintf(buf[k++], 256, "size=%s", o->size ? o->size : "fraction:1");
    snprintf(buf[k++], 256, "lot=%g", o->lot);
    snprintf(buf[k++], 256, "short=%s", o->cfg.allow_short ? "yes" : "no");
    snprintf(buf[k++], 256, "leverage=%g", o->cfg.max_leverage);
    if (o->cfg.maintenance_margin > 0)
        snprintf(buf[k++], 256, "margin=%g", o->cfg.maintenance_margin);
    if (o->cfg.borrow_rate > 0)
        snprintf(buf[k++], 256, "borrow=%g", o->cfg.borrow_rate);
    if (o->cfg.venue.volume_cap > 0)
        snprintf(buf[k++], 256, "volume_cap=%g", o->cfg.venue.volume_cap);
    char **s = calloc(k, sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < k; i++)
        s[i] = strdup(buf[i]);
    *n = k;
    return s;
}

void kr_run_settings_free(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

/* sweep.c -- `kairos sweep`: a strategy's parameter grid, run on every
 * core, one CSV row per run, and the Deflated Sharpe Ratio of the best.
 *
 * The grid is the cartesian product of each key's values (a:b:step
 * inclusive, a|b|c, or one value), laid over the parameters of --strategy.
 * Runs are independent backtests sharing the loaded data read-only; they
 * fan out with kr_parallel_for, each its own strategy, engine and results,
 * freed when it ends, so memory stays flat whatever the grid's size.
 * Combinations a strategy refuses (fast >= slow) are listed as skipped,
 * not run, and do not count as trials. The best run, by annualised Sharpe,
 * is then run again with its full record so that its DSR (given every
 * valid run's per-bar Sharpe) and, with --report, its report are exact.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/run.h"
#include "kairos/report.h"
#include "kairos/strategy.h"

#define MAX_KEYS 8
#define MAX_POINTS 1000000

static const char usage_text[] =
    "usage: kairos sweep --data FILE[,FILE...] --strategy NAME[:FIXED...] "
    "--grid GRID --out FILE.csv [OPTIONS]\n"
    "\n"
    "Runs the strategy once per point of a parameter grid, on every core,\n"
    "and writes one CSV row per run. Prints the best run by Sharpe and its\n"
    "Deflated Sharpe Ratio given the number of runs (Bailey and Lopez de\n"
    "Prado, 2014): the probability that its Sharpe is not a product of the\n"
    "search.\n"
    "\n"
    "options:\n"
    "  --grid GRID      KEY=A:B:STEP (inclusive) | KEY=V1|V2|... | KEY=V,\n"
    "                   comma-separated, e.g. fast=10:50:5,slow=100:300:25\n"
    "  --out FILE       the results CSV\n"
    "  --jobs N         threads [0: one per core]\n"
    "  --report DIR     also write the best run's full report to DIR\n"
    "  and every option of 'kairos backtest' but --out (--data, --strategy,\n"
    "  --config, --cash, --size, --fill, --commission, --slippage, --lot,\n"
    "  --short, ...)\n"
    "\n"
    "example:\n"
    "  kairos sweep --data data/sp500.csv --strategy sma_cross \\\n"
    "      --grid fast=10:50:5,slow=100:300:25 --out sweep.csv\n"
    "\n"
    "exit status: 0 ok, 2 bad option, bad data or write error\n";

typedef struct grid_key {
    char name[64];
    double *vals;
    size_t n;
} grid_key;

typedef struct run_row {
    char spec[512];
    int status; /* 0 ran, 1 skipped (refused), 2 failed */
    char note[160];
    kr_bt_metrics m;
} run_row;

typedef struct sweep {
    kr_run_opts *o;
    kr_run_data *d;
    grid_key keys[MAX_KEYS];
    size_t nkeys;
    size_t npoints;
    char base_name[64];
    char base_params[512];
    run_row *rows;
    kr_backtest *bts; /* one per worker, reused run after run */
    kr_progress prog;
    size_t done;
} sweep;

static int parse_values(const char *cmd, const char *key, const char *v,
                        grid_key *k)
{
    char q[96];
    char *end;
    const char *colon = strchr(v, ':');
    if (colon) {
        double a = strtod(v, &end);
        if (end != colon)
            goto bad;
        const char *p2 = colon + 1;
        const char *c2 = strchr(p2, ':');
        if (!c2)
            goto bad;
        double b = strtod(p2, &end);
        if (end != c2)
            goto bad;
        double s = strtod(c2 + 1, &end);
        if (*end || !(s > 0) || !isfinite(a) || !isfinite(b) || b < a)
            goto bad;
        double cnt = floor((b - a) / s + 1e-9) + 1;
        if (cnt > MAX_POINTS)
            return kr_cli_fail("%s: option --grid: '%s' has too many values",
                               cmd, key);
        k->n = (size_t)cnt;
        k->vals = malloc(k->n * sizeof *k->vals);
        if (!k->vals)
            return kr_cli_fail("out of memory");
        for (size_t i = 0; i < k->n; i++)
            k->vals[i] = a + (double)i * s;
        return 0;
    }
    size_t n = 1;
    for (const char *p = v; *p; p++)
        n += *p == '|';
    k->vals = malloc(n * sizeof *k->vals);
    if (!k->vals)
        return kr_cli_fail("out of memory");
    const char *p = v;
    for (size_t i = 0; i < n; i++) {
        double x = strtod(p, &end);
        if (end == p || (*end && *end != '|') || !isfinite(x))
            goto bad;
        k->vals[i] = x;
        p = end + (*end == '|');
    }
    k->n = n;
    return 0;
bad:
    return kr_cli_fail("%s: option --grid: bad values for '%s': expected "
                       "A:B:STEP with STEP > 0 and B >= A, V1|V2|..., or "
                       "one number; got '%s'",
                       cmd, key, kr_escape(v, strlen(v), q, sizeof q));
}

static int parse_grid(sweep *sw, const char *grid)
{
    char *g = strdup(grid), *save = NULL;
    if (!g)
        return kr_cli_fail("out of memory");
    int rc = 0;
    char q[96];
    for (char *item = strtok_r(g, ",", &save); item && !rc;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1] || (size_t)(eq - item) >= 64) {
            rc = kr_cli_fail("sweep: option --grid: expected KEY=VALUES, got "
                             "'%s'",
                             kr_escape(item, strlen(item), q, sizeof q));
            break;
        }
        if (sw->nkeys == MAX_KEYS) {
            rc = kr_cli_fail("sweep: option --grid: at most %d keys",
                             MAX_KEYS);
            break;
        }
        *eq = '\0';
        grid_key *k = &sw->keys[sw->nkeys];
        snprintf(k->name, sizeof k->name, "%s", item);
        for (size_t j = 0; j < sw->nkeys; j++)
            if (!strcmp(sw->keys[j].name, k->name))
                rc = kr_cli_fail("sweep: option --grid: '%s' given twice",
                                 k->name);
        if (!rc)
            rc = parse_values("sweep", item, eq + 1, k);
        if (!rc)
            sw->nkeys++;
    }
    free(g);
    if (rc)
        return rc;
    if (sw->nkeys == 0)
        return kr_cli_fail("sweep: option --grid: no keys");
    double total = 1;
    for (size_t j = 0; j < sw->nkeys; j++)
        total *= (double)sw->keys[j].n;
    if (total > MAX_POINTS)
        return kr_cli_fail("sweep: option --grid: %.0f points; at most %d",
                           total, MAX_POINTS);
    sw->npoints = (size_t)total;
    return 0;
}

/* The indices of grid point i into each key's values; the last key
 * varies fastest. */
static void point_index(const sweep *sw, size_t i, size_t *idx)
{
    for (size_t j = sw->nkeys; j-- > 0;) {
        idx[j] = i % sw->keys[j].n;
        i /= sw->keys[j].n;
    }
}

static void append(char *out, size_t size, size_t *len, const char *part,
                   size_t plen)
{
    char sep = strchr(out, ':') ? ',' : ':';
    if (*len + plen + 2 >= size)
        return;
    out[(*len)++] = sep;
    memcpy(out + *len, part, plen);
    *len += plen;
    out[*len] = '\0';
}

/* The spec of grid point i: the base name, its fixed parameters that the
 * grid does not set, then the grid's values. */
static void point_spec(const sweep *sw, size_t i, char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "%s", sw->base_name);
    const char *p = sw->base_params;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t kl = eq ? (size_t)(eq - p) : n;
        bool in_grid = false;
        for (size_t j = 0; j < sw->nkeys; j++)
            if (strlen(sw->keys[j].name) == kl &&
                !strncmp(sw->keys[j].name, p, kl))
                in_grid = true;
        if (!in_grid && n)
            append(out, size, &len, p, n);
        p += n + (end != NULL);
    }
    size_t idx[MAX_KEYS];
    point_index(sw, i, idx);
    for (size_t j = 0; j < sw->nkeys; j++) {
        char part[128], num[40];
        kr_format_double(sw->keys[j].vals[idx[j]], num, sizeof num);
        int n = snprintf(part, sizeof part, "%s=%s", sw->keys[j].name, num);
        append(out, size, &len, part, (size_t)n);
    }
}

static int run_point(void *user, size_t i, int worker)
{
    sweep *sw = user;
    run_row *r = &sw->rows[i];
    point_spec(sw, i, r->spec, sizeof r->spec);
    kr_error err;
    kr_error_clear(&err);
    kr_strategy strat = {0};
    if (kr_strategy_create(r->spec, &sw->o->sizing, sw->o->cfg.allow_short,
                           &strat, "--grid", &err)) {
        r->status = 1;
        snprintf(r->note, sizeof r->note, "%.150s", err.msg);
    } else {
        kr_backtest_config cfg = sw->o->cfg;
        cfg.progress = NULL;
        cfg.check_ledger = 0;
        kr_backtest *bt = &sw->bts[worker];
        int rc = kr_backtest_run(bt, &cfg, &sw->d->in, &strat, &err);
        if (rc == KR_OK)
            rc = kr_bt_metrics_compute(bt, 1, NULL, &r->m);
        if (rc && rc != KR_EEMPTY) {
            r->status = 2;
            snprintf(r->note, sizeof r->note, "%.150s",
                     err.msg[0] ? err.msg : kr_strerror(rc));
        }
        kr_strategy_destroy(&strat);
    }
    if (worker == 0 && sw->o->progress) {
        /* Only the caller's thread draws; the count is approximate. */
        size_t done = 0;
        for (size_t k = 0; k <= i && k < sw->npoints; k++)
            done += sw->rows[k].spec[0] != '\0';
        kr_progress_update(&sw->prog, (double)done / (double)sw->npoints);
    }
    return 0;
}

static void csv_num(FILE *f, double v)
{
    char b[40];
    if (isnan(v))
        fputs(",", f);
    else if (isinf(v))
        fprintf(f, ",%s", v > 0 ? "inf" : "-inf");
    else {
        kr_format_double(v, b, sizeof b);
        fprintf(f, ",%s", b);
    }
}

static int write_csv(const sweep *sw, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return kr_cli_fail("sweep: cannot create '%s'", path);
    fputs("run", f);
    for (size_t j = 0; j < sw->nkeys; j++)
        fprintf(f, ",%s", sw->keys[j].name);
    size_t nm = kr_bt_metric_count();
    for (size_t k = 0; k < nm; k++)
        fprintf(f, ",%s", kr_bt_metric_name(k));
    fputs(",status,note\n", f);
    for (size_t i = 0; i < sw->npoints; i++) {
        const run_row *r = &sw->rows[i];
        fprintf(f, "%zu", i + 1);
        size_t idx[MAX_KEYS];
        point_index(sw, i, idx);
        for (size_t j = 0; j < sw->nkeys; j++)
            csv_num(f, sw->keys[j].vals[idx[j]]);
        for (size_t k = 0; k < nm; k++)
            csv_num(f, r->status == 0 ? kr_bt_metric_value(&r->m, k) : NAN);
        static const char *const st[] = {"ok", "skipped", "failed"};
        fprintf(f, ",%s,\"", st[r->status]);
        for (const char *p = r->note; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputs("\"\n", f);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return kr_cli_fail("sweep: cannot write '%s'", path);
    }
    return 0;
}

int kr_cmd_sweep(int argc, char **argv)
{
    kr_run_opts o;
    kr_run_opts_init(&o, "sweep");
    sweep sw;
    memset(&sw, 0, sizeof sw);
    kr_run_data d;
    memset(&d, 0, sizeof d);
    int rc = kr_run_parse(&o, argc, argv, usage_text);
    if (rc) {
        kr_run_opts_free(&o);
        return rc < 0 ? KR_EXIT_OK : rc;
    }
    int status = KR_EXIT_OK;
    if (!o.grid) {
        status = kr_cli_fail("sweep: option --grid is required (try 'kairos "
                             "sweep --help')");
        goto done;
    }
    if (!o.csv) {
        status = kr_cli_fail("sweep: option --out is required (the results "
                             "CSV)");
        goto done;
    }
    sw.o = &o;
    sw.d = &d;
    {
        const char *colon = strchr(o.strategy, ':');
        size_t nl = colon ? (size_t)(colon - o.strategy) : strlen(o.strategy);
        if (nl >= sizeof sw.base_name) {
            status = kr_cli_fail("sweep: option --strategy: name too long");
            goto done;
        }
        memcpy(sw.base_name, o.strategy, nl);
        sw.base_name[nl] = '\0';
        if (colon)
            snprintf(sw.base_params, sizeof sw.base_params, "%s", colon + 1);
    }
    if (!kr_strategy_find(sw.base_name)) {
        status = kr_cli_fail("sweep: option --strategy: unknown strategy "
                             "'%s' ('kairos strategies' lists them)",
                             sw.base_name);
        goto done;
    }
    if ((status = parse_grid(&sw, o.grid)))
        goto done;
    if ((status = kr_run_load(&o, &d)))
        goto done;
    sw.rows = calloc(sw.npoints, sizeof *sw.rows);
    if (!sw.rows) {
        status = kr_cli_fail("out of memory");
        goto done;
    }
    int jobs = o.jobs > 0 ? o.jobs : kr_cpu_count();
    sw.bts = calloc((size_t)jobs, sizeof *sw.bts);
    if (!sw.bts) {
        status = kr_cli_fail("out of memory");
        goto done;
    }
    kr_progress_start(&sw.prog, sw.npoints, "sweep");
    double t0 = kr_now_seconds();
    rc = kr_parallel_for(sw.npoints, jobs, run_point, &sw);
    double secs = kr_now_seconds() - t0;
    kr_progress_end(&sw.prog);
    if (rc) {
        status = kr_cli_fail("sweep: %s", kr_strerror(rc));
        goto done;
    }
    if ((status = write_csv(&sw, o.csv)))
        goto done;

    /* The best run and its deflated Sharpe ratio. */
    size_t nvalid = 0, best = SIZE_MAX, skipped = 0, failed = 0;
    double *trial = malloc(sw.npoints * sizeof *trial);
    if (!trial) {
        status = kr_cli_fail("out of memory");
        goto done;
    }
    for (size_t i = 0; i < sw.npoints; i++) {
        const run_row *r = &sw.rows[i];
        if (r->status == 1)
            skipped++;
        if (r->status == 2)
            failed++;
        if (r->status || !isfinite(r->m.sharpe_per_bar))
            continue;
        trial[nvalid++] = r->m.sharpe_per_bar;
        if (best == SIZE_MAX || r->m.sharpe > sw.rows[best].m.sharpe)
            best = i;
    }
    printf("kairos sweep: %zu points (%zu run, %zu skipped, %zu failed) on "
           "%d thread%s in %.2f s; results in %s\n",
           sw.npoints, sw.npoints - skipped - failed, skipped, failed, jobs,
           jobs == 1 ? "" : "s", secs, o.csv);
    if (best == SIZE_MAX) {
        free(trial);
        printf("no run gave a Sharpe ratio\n");
        goto done;
    }
    kr_strategy strat = {0};
    kr_error err;
    kr_error_clear(&err);
    kr_backtest bt;
    kr_backtest_init(&bt);
    kr_bt_metrics m;
    rc = kr_strategy_create(sw.rows[best].spec, &o.sizing, o.cfg.allow_short,
                            &strat, "--grid", &err);
    kr_backtest_config cfg = o.cfg;
    cfg.progress = NULL;
    if (!rc)
        rc = kr_backtest_run(&bt, &cfg, &d.in, &strat, &err);
    if (!rc)
        rc = kr_bt_metrics_compute(&bt, nvalid, nvalid >= 2 ? trial : NULL,
                                   &m);
    free(trial);
    if (rc) {
        status = kr_cli_fail("sweep: re-running the best point: %s",
                             err.msg[0] ? err.msg : kr_strerror(rc));
    } else {
        printf("best by Sharpe: %s\n", sw.rows[best].spec);
        printf("  sharpe %.3f  total return %.2f%%  max drawdown %.2f%%  "
               "trades %.0f\n",
               m.sharpe, m.total_return * 100, m.max_drawdown * 100, m.trades);
        printf("  PSR %.4f; deflated Sharpe ratio over %zu trials: %.4f\n",
               m.psr, nvalid, m.dsr);
        if (o.out) {
            size_t ns = 0;
            char **settings = kr_run_settings(&o, &d, &ns);
            kr_report_info info = {
                .title = "kairos sweep: best run",
                .strategy = sw.rows[best].spec,
                .settings = (const char *const *)settings,
                .nsettings = ns,
            };
            kr_error_clear(&err);
            if (kr_report_write(o.out, &bt, &m, &d.in, &info, &err))
                status = kr_cli_fail_error(&err);
            else
                printf("  report of the best run in %s/\n", o.out);
            kr_run_settings_free(settings, ns);
        }
    }
    kr_backtest_free(&bt);
    kr_strategy_destroy(&strat);
done:
    if (sw.bts)
        for (int k = 0; k < (o.jobs > 0 ? o.jobs : kr_cpu_count()); k++)
            kr_backtest_free(&sw.bts[k]);
    free(sw.bts);
    for (size_t j = 0; j < sw.nkeys; j++)
        free(sw.keys[j].vals);
    free(sw.rows);
    kr_run_data_free(&d);
    kr_run_opts_free(&o);
    return status;
}

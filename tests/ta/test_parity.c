/* test_parity.c -- every indicator with a TA-Lib twin equals TA-Lib, at
 * every bar of every output, on real and on hostile data.
 *
 * The reference is TA-Lib 0.4.0 itself, as compiled to WebAssembly in the npm
 * package talib.js 0.1.0 (tests/ta/oracle/package.json pins it; install with
 * `npm ci --prefix tests/ta/oracle`). Its JavaScript wrapper passes wrong
 * array bounds to the C functions, so tests/ta/oracle/talib_oracle.js calls
 * the exported TA_<FN> functions directly through Module.ccall, with startIdx
 * 0, endIdx n-1 and real outBegIdx/outNBElement pointers: what a C caller of
 * TA-Lib gets. Node runs once per test process over every job (oracle.c).
 *
 * For each table entry whose info->talib is set, `maps` below says which
 * TA-Lib function and which of its outputs gives each of our outputs (by
 * output name), which columns TA-Lib reads, and how our parameters become
 * TA-Lib's options (in TA-Lib's order, with MAType 0 = SMA where a function
 * takes one). Each indicator is run on data/sp500.csv (every bar) and on the
 * two synthetic series of oracle.h (flat runs and zero-range bars; gaps of
 * +-20% and prices near 0.01), with its defaults, every whole-number
 * parameter at its minimum, "long" periods (tt_param_sets), and the extra
 * sets listed in its map. Checked for every output:
 *   (a) the number of leading NaNs is TA-Lib's outBegIdx for that output's
 *       function (all bars when TA-Lib gives no value);
 *   (b) every value after it equals TA-Lib's within 1e-9 relative or 1e-12
 *       absolute (NaN only where TA-Lib has NaN);
 *   (c) the worst errors are printed per indicator, so a drift shows before
 *       it fails.
 * An indicator with a TA-Lib name and no map fails: the map is part of
 * adding one. If node or talib.js is missing, every test fails and says to
 * run `npm ci --prefix tests/ta/oracle`.
 *
 * Two facts about this TA-Lib that the numbers depend on, pinned by
 * test_oracle_known_answers: its TA_EPSILON is 1e-14 (TA_IS_ZERO(v) is
 * |v| < 1e-14, TA_IS_ZERO_OR_NEG(v) is v < 1e-14; some builds patch it to
 * 1e-8, and the synthetic series tell the two apart), and its MACD is wrong
 * for a signal period of 1 (see macd_defect), so those sets are reported as
 * skipped rather than compared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "kairos/ta.h"
#include "oracle.h"

#define REL_TOL 1e-9
#define ABS_TOL 1e-12

/* ------------------------------------------------------------------------
 * How our indicators map onto TA-Lib
 * ------------------------------------------------------------------------ */

/* Our output `output` (NULL: the only one) is output `fn_out` of the TA-Lib
 * function `fn`, which writes `fn_nout` arrays. */
typedef struct map_out {
    const char *output;
    const char *fn;
    int fn_out;
    int fn_nout;
} map_out;

typedef struct talib_map {
    const char *name;     /* our indicator */
    const char *columns;  /* TA-Lib's inputs in its order: o h l c v */
    const char *options;  /* TA-Lib's options: "pK" is our parameter K,
                             a number is itself; comma separated */
    map_out outs[KR_TA_MAX_OUTPUTS];
    const char *extra[3]; /* more parameter sets, "p1,p2,..." */
    /* Parameter sets where TA-Lib 0.4.0 itself is wrong: NULL, or why. */
    const char *(*defect)(const double *params);
} talib_map;

#define ONE(fn) {{NULL, fn, 0, 1}}

/* TA_MACD_Lookback adds TA_EMA_Lookback(signal), which is -1 (an error) for
 * a signal period of 1 since EMA takes periods from 2: TA_MACD then starts
 * one bar early and writes an uninitialised double there. There is nothing
 * to compare with; ours starts at slow - 1 with signal == macd. */
static const char *macd_defect(const double *p)
{
    return p[2] == 1 ? "TA-Lib 0.4.0's MACD is wrong for signal period 1 "
                       "(TA_EMA_Lookback(1) is -1)"
                     : NULL;
}

/* TA_NATR with a period of 1 returns TA_TRANGE's output as it is, without
 * dividing by the close: a TA-Lib bug kairos does not copy (natr.c). */
static const char *natr_defect(const double *p)
{
    return p[0] == 1 ? "TA-Lib 0.4.0's NATR forgets to normalise at period 1"
                     : NULL;
}

static const talib_map maps[] = {
    {"ad", "hlcv", "", ONE("AD"), {NULL}, NULL},
    {"adosc", "hlcv", "p0,p1", ONE("ADOSC"), {"2,3", "5,21", "10,40"}, NULL},
    {"adx", "hlc", "p0",
     {{"adx", "ADX", 0, 1}, {"plus_di", "PLUS_DI", 0, 1},
      {"minus_di", "MINUS_DI", 0, 1}},
     {"2", "7", "30"}, NULL},
    {"aroon", "hl", "p0",
     {{"up", "AROON", 1, 2}, {"down", "AROON", 0, 2}},
     {"2", "25", "50"}, NULL},
    {"atr", "hlc", "p0", ONE("ATR"), {"1", "2", "50"}, NULL},
    {"bbands", "c", "p0,p1,p1,0",
     {{"upper", "BBANDS", 0, 3}, {"middle", "BBANDS", 1, 3},
      {"lower", "BBANDS", 2, 3}},
     {"2,1.5", "20,2", "50,-1"}, NULL},
    {"cci", "hlc", "p0", ONE("CCI"), {"2", "20", "50"}, NULL},
    {"dema", "c", "p0", ONE("DEMA"), {"2", "10", "50"}, NULL},
    {"ema", "c", "p0", ONE("EMA"), {"2", "10", "200"}, NULL},
    {"kama", "c", "p0", ONE("KAMA"), {"2", "10", "50"}, NULL},
    {"linearreg_slope", "c", "p0", ONE("LINEARREG_SLOPE"), {"2", "5", "50"},
     NULL},
    {"macd", "c", "p0,p1,p2",
     {{"macd", "MACD", 0, 3}, {"signal", "MACD", 1, 3},
      {"hist", "MACD", 2, 3}},
     {"2,3,2", "5,35,5", "19,39,1"}, macd_defect},
    {"mfi", "hlcv", "p0", ONE("MFI"), {"2", "5", "50"}, NULL},
    {"mom", "c", "p0", ONE("MOM"), {"1", "2", "50"}, NULL},
    {"natr", "hlc", "p0", ONE("NATR"), {"1", "2", "50"}, natr_defect},
    {"obv", "cv", "", ONE("OBV"), {NULL}, NULL},
    {"roc", "c", "p0", ONE("ROC"), {"1", "2", "50"}, NULL},
    {"rsi", "c", "p0", ONE("RSI"), {"2", "5", "50"}, NULL},
    {"sar", "hl", "p0,p1", ONE("SAR"),
     {"0.01,0.1", "0.04,0.4", "0.02,0.02"}, NULL},
    {"sma", "c", "p0", ONE("SMA"), {"2", "20", "200"}, NULL},
    {"stddev", "c", "p0,p1", ONE("STDDEV"), {"2,1", "10,2", "50,0.5"}, NULL},
    {"stoch", "hlc", "p0,p1,0,p2,0",
     {{"k", "STOCH", 0, 2}, {"d", "STOCH", 1, 2}},
     {"1,1,1", "14,3,3", "21,5,8"}, NULL},
    {"stochrsi", "c", "p0,p1,p2,0",
     {{"k", "STOCHRSI", 0, 2}, {"d", "STOCHRSI", 1, 2}},
     {"2,1,1", "14,14,3", "21,9,5"}, NULL},
    {"tema", "c", "p0", ONE("TEMA"), {"2", "10", "50"}, NULL},
    {"trange", "hlc", "", ONE("TRANGE"), {NULL}, NULL},
    {"willr", "hlc", "p0", ONE("WILLR"), {"2", "5", "50"}, NULL},
    {"wma", "c", "p0", ONE("WMA"), {"2", "10", "50"}, NULL},
};
#define NMAPS (sizeof maps / sizeof maps[0])

static const talib_map *find_map(const char *name)
{
    for (size_t i = 0; i < NMAPS; i++)
        if (!strcmp(maps[i].name, name))
            return &maps[i];
    return NULL;
}

/* ------------------------------------------------------------------------
 * The plan: every run, queued on the oracle in the group setup
 * ------------------------------------------------------------------------ */

#define NSERIES 3
#define MAX_SETS 8

/* One indicator on one series with one parameter set. */
typedef struct run {
    int series;
    double params[KR_TA_MAX_PARAMS];
    int job[KR_TA_MAX_OUTPUTS];    /* oracle job per output */
    int fn_out[KR_TA_MAX_OUTPUTS]; /* which of the job's outputs */
} run;

typedef struct indicator {
    const kr_ta_info *info;
    const talib_map *map;
    char problem[1024]; /* set when the indicator cannot be checked */
    char skipped[512];  /* parameter sets left out, and why */
    run *runs;
    int nruns;
} indicator;

static struct {
    tt_series series[NSERIES];
    indicator *ind;
    size_t nind;
    tt_oracle *oracle;
    int oracle_ok;
    char oracle_msg[1024];
    int known[3]; /* jobs of test_oracle_known_answers */
} g;

static const double *column_of(const tt_series *s, char c)
{
    switch (c) {
    case 'o': return s->col[KR_TA_OPEN];
    case 'h': return s->col[KR_TA_HIGH];
    case 'l': return s->col[KR_TA_LOW];
    case 'c': return s->col[KR_TA_CLOSE];
    case 'v': return s->col[KR_TA_VOLUME];
    default: return NULL;
    }
}

/* TA-Lib's options from our parameters, per the map's template. */
static int make_options(const talib_map *m, const double *params,
                        double *opt, int max, char *why, size_t size)
{
    int n = 0;
    const char *p = m->options;
    while (*p) {
        if (n == max) {
            snprintf(why, size, "too many options in '%s'", m->options);
            return -1;
        }
        char *end;
        if (*p == 'p') {
            long k = strtol(p + 1, &end, 10);
            opt[n++] = params[k];
        } else
            opt[n++] = strtod(p, &end);
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static int plan_indicator(indicator *ind)
{
    const kr_ta_info *info = ind->info;
    const talib_map *m = ind->map;
    int outidx[KR_TA_MAX_OUTPUTS];
    for (int k = 0; k < info->noutputs; k++) {
        outidx[k] = -1;
        for (int j = 0; j < KR_TA_MAX_OUTPUTS && m->outs[j].fn; j++) {
            const char *want = m->outs[j].output;
            if ((!want && info->noutputs == 1) ||
                (want && !strcmp(want, info->outputs[k])))
                outidx[k] = j;
        }
        if (outidx[k] < 0) {
            snprintf(ind->problem, sizeof ind->problem,
                     "test_parity.c maps no TA-Lib output to %s's output "
                     "'%s'",
                     info->name, info->outputs[k]);
            return -1;
        }
    }
    for (int k = 0; m->columns[k]; k++)
        if (!column_of(&g.series[0], m->columns[k])) {
            snprintf(ind->problem, sizeof ind->problem,
                     "bad column '%c' in the map of %s", m->columns[k],
                     info->name);
            return -1;
        }

    double sets[MAX_SETS][KR_TA_MAX_PARAMS];
    int nsets = tt_param_sets(info, sets, MAX_SETS);
    for (int e = 0; e < 3 && m->extra[e]; e++) {
        char spec[128];
        snprintf(spec, sizeof spec, "%s:%s", info->name, m->extra[e]);
        const kr_ta_info *got;
        double p[KR_TA_MAX_PARAMS] = {0};
        kr_error err;
        kr_error_clear(&err);
        if (kr_ta_parse_spec(spec, &got, p, &err)) {
            char buf[600];
            kr_error_format(&err, buf, sizeof buf);
            snprintf(ind->problem, sizeof ind->problem,
                     "parameter set '%s' (TA-Lib accepts it) is rejected: %s",
                     spec, buf);
            return -1;
        }
        int dup = 0;
        for (int j = 0; j < nsets; j++)
            dup |= !memcmp(sets[j], p, sizeof p);
        if (!dup && nsets < MAX_SETS)
            memcpy(sets[nsets++], p, sizeof p);
    }

    ind->runs = calloc((size_t)(NSERIES * nsets), sizeof *ind->runs);
    if (!ind->runs)
        return -1;
    for (int s = 0; s < NSERIES; s++) {
        const tt_series *ser = &g.series[s];
        const double *cols[KR_TA_MAX_INPUTS];
        int ncols = 0;
        for (; m->columns[ncols]; ncols++)
            cols[ncols] = column_of(ser, m->columns[ncols]);
        for (int j = 0; j < nsets; j++) {
            const char *why = m->defect ? m->defect(sets[j]) : NULL;
            if (why) {
                if (s == 0) {
                    char spec[128];
                    size_t used = strlen(ind->skipped);
                    tt_spec(info, sets[j], spec, sizeof spec);
                    snprintf(ind->skipped + used, sizeof ind->skipped - used,
                             "%s%s: %s", used ? "; " : "", spec, why);
                }
                continue;
            }
            run *r = &ind->runs[ind->nruns++];
            r->series = s;
            memcpy(r->params, sets[j], sizeof r->params);
            double opt[8];
            int nopt = make_options(m, r->params, opt, 8, ind->problem,
                                    sizeof ind->problem);
            if (nopt < 0)
                return -1;
            /* One job per TA-Lib function, shared by the outputs it
             * gives. */
            for (int k = 0; k < info->noutputs; k++) {
                const map_out *mo = &m->outs[outidx[k]];
                r->job[k] = -1;
                for (int q = 0; q < k; q++)
                    if (!strcmp(m->outs[outidx[q]].fn, mo->fn))
                        r->job[k] = r->job[q];
                if (r->job[k] < 0)
                    r->job[k] = tt_oracle_add(g.oracle, mo->fn, ncols, cols,
                                              ser->n, nopt, opt,
                                              mo->fn_nout);
                r->fn_out[k] = mo->fn_out;
            }
        }
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    char msg[512];
    if (tt_series_sp500(&g.series[0], msg, sizeof msg)) {
        print_error("%s\n", msg);
        return -1;
    }
    tt_series_flat(&g.series[1], 3000, 20240601);
    tt_series_gaps(&g.series[2], 3000, 19870819);

    g.oracle = tt_oracle_new(g.oracle_msg, sizeof g.oracle_msg);
    if (!g.oracle)
        return 0; /* every test fails with the message */

    /* Known answers, so that a broken oracle is told apart from a broken
     * indicator (test_oracle_known_answers). */
    static const double one_to_six[] = {1, 2, 3, 4, 5, 6};
    /* Population variances of each pair: 2e-14 at bars 1 and 2, 0.9e-14
     * at bars 3 and 4. */
    static const double probe[] = {0, 2.8284271247461903e-07, 0,
                                   1.8973665961010275e-07, 0};
    const double *in1[1] = {one_to_six}, *in2[1] = {probe};
    const double three = 3, stddev_opt[2] = {2, 1};
    g.known[0] = tt_oracle_add(g.oracle, "SMA", 1, in1, 6, 1, &three, 1);
    g.known[1] = tt_oracle_add(g.oracle, "STDDEV", 1, in2, 5, 2, stddev_opt,
                               1);

    for (size_t i = 0; i < g.nind; i++) {
        indicator *ind = &g.ind[i];
        if (!ind->map) {
            snprintf(ind->problem, sizeof ind->problem,
                     "%s equals TA-Lib's %s but test_parity.c has no map for "
                     "it: add one to `maps`",
                     ind->info->name, ind->info->talib);
            continue;
        }
        plan_indicator(ind);
    }
    if (tt_oracle_run(g.oracle, g.oracle_msg, sizeof g.oracle_msg) == 0)
        g.oracle_ok = 1;
    return 0;
}

/* The oracle answers what TA-Lib 0.4.0 answers. SMA(3) of 1..6 is 2, 3, 4,
 * 5 from bar 2. And its epsilon: talib.js 0.1.0's TA-Lib defines TA_EPSILON
 * as 1e-14, so TA_IS_ZERO(v) is -1e-14 < v < 1e-14 and
 * TA_IS_ZERO_OR_NEG(v) is v < 1e-14 (builds patched to 1e-8 exist, and
 * are not what we match). STDDEV shows it: a variance of 2e-14 gives its
 * square root, 0.9e-14 gives 0. */
static void test_oracle_known_answers(void **state)
{
    (void)state;
    if (!g.oracle_ok)
        fail_msg("%s", g.oracle_msg);
    const tt_result *t = tt_oracle_result(g.oracle, g.known[0]);
    assert_non_null(t);
    assert_int_equal(t->ret, 0);
    assert_int_equal(t->beg, 2);
    assert_int_equal(t->nb, 4);
    for (int i = 0; i < 4; i++)
        assert_true(t->out[0][i] == i + 2);
    t = tt_oracle_result(g.oracle, g.known[1]);
    assert_non_null(t);
    assert_int_equal(t->beg, 1);
    assert_int_equal(t->nb, 4);
    assert_true(fabs(t->out[0][0] - sqrt(2e-14)) < 1e-15);
    assert_true(fabs(t->out[0][1] - sqrt(2e-14)) < 1e-15);
    assert_true(t->out[0][2] == 0 && t->out[0][3] == 0);
    print_message("oracle: talib.js 0.1.0 (TA-Lib 0.4.0), TA_EPSILON = "
                  "1e-14\n");
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < g.nind; i++)
        free(g.ind[i].runs);
    tt_oracle_free(g.oracle);
    for (int s = 0; s < NSERIES; s++)
        tt_series_free(&g.series[s]);
    return 0;
}

/* ------------------------------------------------------------------------
 * The comparison
 * ------------------------------------------------------------------------ */

/* The worst errors that passed: relative where the magnitude is at least
 * ABS_TOL / REL_TOL (1e-3), so that the relative bound is the one that
 * applies, and absolute below that. */
typedef struct worst {
    double rel, abs;
    char rel_at[400], abs_at[400];
} worst;

static size_t leading_nans(const double *y, size_t n)
{
    size_t i = 0;
    while (i < n && isnan(y[i]))
        i++;
    return i;
}

/* Compares one output with TA-Lib's; returns the number of mismatches,
 * printing the first few. */
static size_t compare(const indicator *ind, const run *r, int k,
                      const double *y, const tt_result *t, worst *w,
                      size_t *checked)
{
    const tt_series *s = &g.series[r->series];
    const size_t n = s->n;
    char spec[128];
    tt_spec(ind->info, r->params, spec, sizeof spec);
    const char *oname = ind->info->outputs[k];
    if (t->ret != 0) {
        print_error("%s on %s: TA-Lib returned error %d\n", spec, s->name,
                    t->ret);
        return 1;
    }
    size_t beg = t->nb ? (size_t)t->beg : n;
    size_t bad = 0;
    size_t lead = leading_nans(y, n);
    if (lead != beg) {
        print_error("%s on %s, output %s: %zu leading NaNs, TA-Lib's begIdx "
                    "is %zu\n",
                    spec, s->name, oname, lead, beg);
        bad++;
    }
    if (t->nb && (size_t)t->beg + (size_t)t->nb != n) {
        print_error("%s on %s: TA-Lib gave %d values from %d for %zu bars\n",
                    spec, s->name, t->nb, t->beg, n);
        bad++;
    }
    for (size_t i = beg; i < n; i++) {
        double ref = t->out[r->fn_out[k]][i - beg];
        double got = y[i];
        (*checked)++;
        double ae = fabs(got - ref);
        double scale = fmax(fabs(got), fabs(ref));
        int ok;
        if (isnan(ref) || isnan(got))
            ok = isnan(ref) && isnan(got);
        else
            ok = ae <= ABS_TOL || ae <= REL_TOL * scale;
        if (ok && !isnan(ref)) {
            int big = scale >= ABS_TOL / REL_TOL;
            double e = big ? ae / scale : ae;
            if (e > (big ? w->rel : w->abs)) {
                *(big ? &w->rel : &w->abs) = e;
                snprintf(big ? w->rel_at : w->abs_at, sizeof w->rel_at,
                         " (%s on %s, %s, bar %zu: %.17g vs %.17g)", spec,
                         s->name, oname, i, got, ref);
            }
        }
        if (!ok) {
            if (bad < 5)
                print_error("%s on %s, output %s, bar %zu: got %.17g, TA-Lib "
                            "%.17g (abs err %.3g, rel %.3g)\n",
                            spec, s->name, oname, i, got, ref, ae,
                            scale > 0 ? ae / scale : 0.0);
            bad++;
        }
    }
    return bad;
}

static void test_indicator(void **state)
{
    const indicator *ind = *state;
    const kr_ta_info *info = ind->info;
    if (!g.oracle_ok)
        fail_msg("%s", g.oracle_msg);
    if (ind->problem[0])
        fail_msg("%s", ind->problem);

    worst w = {0, 0, "", ""};
    size_t bad = 0, checked = 0;
    for (int j = 0; j < ind->nruns; j++) {
        const run *r = &ind->runs[j];
        const tt_series *s = &g.series[r->series];
        const double *in[KR_TA_MAX_INPUTS];
        tt_inputs(info, s, in);
        double *out[KR_TA_MAX_OUTPUTS];
        for (int k = 0; k < info->noutputs; k++) {
            out[k] = malloc((s->n ? s->n : 1) * sizeof(double));
            assert_non_null(out[k]);
        }
        assert_int_equal(info->batch(s->n, in, r->params, out), KR_OK);
        for (int k = 0; k < info->noutputs; k++) {
            const tt_result *t = tt_oracle_result(g.oracle, r->job[k]);
            assert_non_null(t);
            bad += compare(ind, r, k, out[k], t, &w, &checked);
        }
        for (int k = 0; k < info->noutputs; k++)
            free(out[k]);
    }
    print_message("parity %s vs TA-Lib %s: %d runs, %zu values%s\n"
                  "    worst relative error %.3g (|x| >= 1e-3)%s\n"
                  "    worst absolute error %.3g (|x| < 1e-3)%s\n",
                  info->name, info->talib, ind->nruns, checked,
                  bad ? ", MISMATCHES" : "", w.rel, w.rel_at, w.abs,
                  w.abs_at);
    if (ind->skipped[0])
        print_message("parity %-16s skipped %s\n", info->name, ind->skipped);
    if (bad)
        fail_msg("%s: %zu values differ from TA-Lib beyond 1e-9 relative / "
                 "1e-12 absolute (first ones above)",
                 info->name, bad);
}

int main(void)
{
    size_t n;
    const kr_ta_info *table = kr_ta_table(&n);
    g.ind = calloc(n ? n : 1, sizeof *g.ind);
    struct CMUnitTest *tests = calloc(n + 1, sizeof *tests);
    char(*names)[64] = calloc(n ? n : 1, sizeof *names);
    if (!g.ind || !tests || !names)
        return 1;
    size_t ntests = 0;
    tests[ntests].name = "oracle_known_answers";
    tests[ntests++].test_func = test_oracle_known_answers;
    for (size_t i = 0; i < n; i++) {
        if (!table[i].talib)
            continue;
        indicator *ind = &g.ind[g.nind];
        ind->info = &table[i];
        ind->map = find_map(table[i].name);
        snprintf(names[g.nind], sizeof names[g.nind], "parity_%s",
                 table[i].name);
        tests[ntests].name = names[g.nind];
        tests[ntests].test_func = test_indicator;
        tests[ntests++].initial_state = ind;
        g.nind++;
    }
    int rc = _cmocka_run_group_tests("ta_parity", tests, ntests, group_setup,
                                     group_teardown);
    free(names);
    free(tests);
    free(g.ind);
    return rc;
}

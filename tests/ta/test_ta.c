/* test_ta.c -- src/ta/ta.c: the indicator table, lookup, parameter specs,
 * column names, kr_ta_run and heap streams.
 *
 * The table is checked entry by entry for what every other part relies on
 * (sorted unique lower-case names, function pointers, defaults inside their
 * ranges, output names). Whether it holds exactly the names of
 * KR_TA_INDICATORS is a separate CTest test (`test_ta --complete`, run as
 * ta/test_ta_complete), so that it can fail while indicators land without
 * hiding these. Tests that need a particular indicator other than sma are
 * skipped while it is missing from the build. Known answers are worked by
 * hand: SMA(3) of 1..6 is NaN, NaN, 2, 3, 4, 5.
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

/* The indicator, or skip the test while it has not landed. */
static const kr_ta_info *need(const char *name)
{
    const kr_ta_info *info = kr_ta_find(name);
    if (!info) {
        print_message("%s is not in this build's table: skipped\n", name);
        skip();
    }
    return info;
}

/* ------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

static void test_table_well_formed(void **state)
{
    (void)state;
    size_t n = 0;
    const kr_ta_info *t = kr_ta_table(&n);
    assert_non_null(t);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        const kr_ta_info *e = &t[i];
        assert_non_null(e->name);
        if (i > 0 && strcmp(t[i - 1].name, e->name) >= 0)
            fail_msg("table not sorted or not unique: '%s' then '%s'",
                     t[i - 1].name, e->name);
        for (const char *c = e->name; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                  *c == '_'))
                fail_msg("%s: name must be lower case [a-z0-9_]", e->name);
        if (!e->title || !e->title[0] || !e->formula || !e->formula[0])
            fail_msg("%s: needs a title and a one-line formula", e->name);
        if (strchr(e->formula, '\n'))
            fail_msg("%s: the formula must be one line", e->name);
        if (e->ninputs < 1 || e->ninputs > KR_TA_MAX_INPUTS ||
            e->nparams < 0 || e->nparams > KR_TA_MAX_PARAMS ||
            e->noutputs < 1 || e->noutputs > KR_TA_MAX_OUTPUTS)
            fail_msg("%s: %d inputs, %d params, %d outputs out of bounds",
                     e->name, e->ninputs, e->nparams, e->noutputs);
        for (int k = 0; k < e->ninputs; k++)
            if ((unsigned)e->inputs[k] > KR_TA_DAY)
                fail_msg("%s: input %d is not a kr_ta_input", e->name, k);
        if (!e->start || !e->batch || !e->stream_size || !e->stream_init ||
            !e->stream_next)
            fail_msg("%s: a function pointer is missing", e->name);
        double def[KR_TA_MAX_PARAMS] = {0};
        for (int k = 0; k < e->nparams; k++) {
            const kr_ta_param *p = &e->params[k];
            if (!p->name || !p->name[0])
                fail_msg("%s: parameter %d has no name", e->name, k);
            if (!(p->min <= p->def && p->def <= p->max))
                fail_msg("%s: %s default %g outside [%g, %g]", e->name,
                         p->name, p->def, p->min, p->max);
            if (p->integer && (p->def != floor(p->def) ||
                               p->min != floor(p->min)))
                fail_msg("%s: %s is whole-number but its default or "
                         "minimum is not", e->name, p->name);
            for (int q = 0; q < k; q++)
                if (!strcmp(e->params[q].name, p->name))
                    fail_msg("%s: two parameters named %s", e->name,
                             p->name);
            def[k] = p->def;
        }
        kr_error err;
        kr_error_clear(&err);
        if (kr_ta_check_params(e, def, &err))
            fail_msg("%s: its defaults fail its own check: %s", e->name,
                     err.msg);
        if (e->start(def) < 0)
            fail_msg("%s: negative _start", e->name);
        for (int k = 0; k < e->noutputs; k++) {
            if (!e->outputs[k] || !e->outputs[k][0])
                fail_msg("%s: output %d has no name", e->name, k);
            for (int q = 0; q < k; q++)
                if (!strcmp(e->outputs[q], e->outputs[k]))
                    fail_msg("%s: two outputs named %s", e->name,
                             e->outputs[k]);
        }
        assert_ptr_equal(kr_ta_find(e->name), e);
    }
}

/* Run as its own CTest test: the table holds exactly KR_TA_INDICATORS. */
static void test_table_complete(void **state)
{
    (void)state;
#define X(name) #name,
    static const char *const want[] = {KR_TA_INDICATORS(X)};
#undef X
    const size_t nwant = sizeof want / sizeof want[0];
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    char missing[1024] = "", extra[1024] = "";
    size_t nm = 0, ne = 0;
    for (size_t i = 0; i < nwant; i++)
        if (!kr_ta_find(want[i])) {
            size_t u = strlen(missing);
            snprintf(missing + u, sizeof missing - u, " %s", want[i]);
            nm++;
        }
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < nwant && strcmp(want[j], t[i].name))
            j++;
        if (j == nwant) {
            size_t u = strlen(extra);
            snprintf(extra + u, sizeof extra - u, " %s", t[i].name);
            ne++;
        }
    }
    assert_int_equal(nwant, 31);
    print_message("table: %zu of %zu indicators\n", n, nwant);
    if (nm || ne)
        fail_msg("table differs from KR_TA_INDICATORS: %zu missing:%s; %zu "
                 "not in the list:%s",
                 nm, nm ? missing : " -", ne, ne ? extra : " -");
    assert_int_equal(n, nwant);
}

static void test_find(void **state)
{
    (void)state;
    const kr_ta_info *s = kr_ta_find("sma");
    assert_non_null(s);
    assert_string_equal(s->name, "sma");
    assert_string_equal(s->talib, "SMA");
    assert_ptr_equal(kr_ta_find("SMA"), s);
    assert_ptr_equal(kr_ta_find("sMa"), s);
    assert_null(kr_ta_find("smaa"));
    assert_null(kr_ta_find("sm"));
    assert_null(kr_ta_find(""));
    assert_null(kr_ta_find("no_such_indicator"));
    assert_null(kr_ta_find(NULL));
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    /* Every entry, by its own name and upper-cased. */
    for (size_t i = 0; i < n; i++) {
        char up[64];
        size_t k = 0;
        for (; t[i].name[k] && k + 1 < sizeof up; k++)
            up[k] = (char)(t[i].name[k] >= 'a' && t[i].name[k] <= 'z'
                               ? t[i].name[k] - 32
                               : t[i].name[k]);
        up[k] = '\0';
        assert_ptr_equal(kr_ta_find(t[i].name), &t[i]);
        assert_ptr_equal(kr_ta_find(up), &t[i]);
    }
}

static void test_input_names(void **state)
{
    (void)state;
    assert_string_equal(kr_ta_input_name(KR_TA_OPEN), "open");
    assert_string_equal(kr_ta_input_name(KR_TA_HIGH), "high");
    assert_string_equal(kr_ta_input_name(KR_TA_LOW), "low");
    assert_string_equal(kr_ta_input_name(KR_TA_CLOSE), "close");
    assert_string_equal(kr_ta_input_name(KR_TA_VOLUME), "volume");
    assert_string_equal(kr_ta_input_name(KR_TA_DAY), "day");
    assert_string_equal(kr_ta_input_name((kr_ta_input)42), "?");
}

/* ------------------------------------------------------------------------
 * Specs
 * ------------------------------------------------------------------------ */

static void parse_ok(const char *spec, const char *want_name,
                     const double *want, int nwant)
{
    const kr_ta_info *info = NULL;
    double p[KR_TA_MAX_PARAMS] = {0};
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_ta_parse_spec(spec, &info, p, &err);
    if (rc)
        fail_msg("'%s': rc %d: %s", spec, rc, err.msg);
    assert_non_null(info);
    assert_string_equal(info->name, want_name);
    assert_int_equal(info->nparams, nwant);
    for (int i = 0; i < nwant; i++)
        if (p[i] != want[i])
            fail_msg("'%s': parameter %d is %g, expected %g", spec, i, p[i],
                     want[i]);
}

/* Parses a bad spec: checks the code, that the error names the spec (and
 * the parameter when `field` is given) and that `msg_part` is in the
 * message. */
static void parse_bad(const char *spec, int code, const char *field,
                      const char *msg_part)
{
    const kr_ta_info *info = (const kr_ta_info *)1; /* must stay untouched */
    double p[KR_TA_MAX_PARAMS];
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_ta_parse_spec(spec, &info, p, &err);
    if (rc != code)
        fail_msg("'%s': rc %d (%s), expected %d", spec, rc, err.msg, code);
    assert_ptr_equal(info, (const kr_ta_info *)1);
    assert_string_equal(err.file, spec);
    if (field)
        assert_string_equal(err.field, field);
    if (!strstr(err.msg, msg_part))
        fail_msg("'%s': message '%s' lacks '%s'", spec, err.msg, msg_part);
    char line[1024];
    kr_error_format(&err, line, sizeof line);
    assert_non_null(strstr(line, spec));
    assert_null(strchr(line, '\n'));
}

static void test_parse_spec_sma(void **state)
{
    (void)state;
    const double d30[] = {30}, d20[] = {20}, d2[] = {2}, d1e5[] = {100000};
    parse_ok("sma", "sma", d30, 1);
    parse_ok("SMA", "sma", d30, 1);
    parse_ok("sma:", "sma", d30, 1);
    parse_ok("sma:20", "sma", d20, 1);
    parse_ok("sma:period=20", "sma", d20, 1);
    parse_ok("sma:PERIOD=20", "sma", d20, 1);
    parse_ok("sma:2", "sma", d2, 1);
    parse_ok("sma:100000", "sma", d1e5, 1);
    parse_ok("sma:2e1", "sma", d20, 1);
    parse_ok("sma:20.0", "sma", d20, 1);

    parse_bad("nope", KR_ENOENT, NULL, "unknown indicator 'nope'");
    parse_bad("nope:3", KR_ENOENT, NULL, "unknown indicator 'nope'");
    parse_bad("", KR_EINVAL, NULL, "expected NAME");
    parse_bad(":20", KR_EINVAL, NULL, "expected NAME");
    parse_bad("sma:20,3", KR_EINVAL, NULL, "takes 1 parameter");
    parse_bad("sma:abc", KR_EINVAL, "period", "expected a number, got 'abc'");
    parse_bad("sma:20x", KR_EINVAL, "period", "expected a number");
    parse_bad("sma:nan", KR_EINVAL, "period", "expected a number");
    parse_bad("sma:inf", KR_EINVAL, "period", "expected a number");
    parse_bad("sma:1", KR_ERANGE, "period", "outside [2, 100000]");
    parse_bad("sma:0", KR_ERANGE, "period", "outside");
    parse_bad("sma:-5", KR_ERANGE, "period", "outside");
    parse_bad("sma:100001", KR_ERANGE, "period", "outside");
    parse_bad("sma:20.5", KR_EINVAL, "period", "whole number");
    parse_bad("sma:20,", KR_EINVAL, NULL, "trailing ','");
    parse_bad("sma:,20", KR_EINVAL, NULL, "empty");
    parse_bad("sma:len=20", KR_EINVAL, "len", "no parameter 'len'");
}

static void test_parse_spec_multi(void **state)
{
    (void)state;
    const kr_ta_info *macd = need("macd");
    const double m[] = {12, 26, 9}, m2[] = {5, 35, 5}, m3[] = {12, 30, 9};
    parse_ok("macd", "macd", m, 3);
    parse_ok("macd:12,26,9", "macd", m, 3);
    parse_ok("macd:5,35,5", "macd", m2, 3);
    parse_ok("macd:12,30", "macd", m3, 3); /* trailing ones default */
    char spec[128];
    snprintf(spec, sizeof spec, "macd:%s=30", macd->params[1].name);
    parse_ok(spec, "macd", m3, 3);
    parse_bad("macd:12,26,9,4", KR_EINVAL, NULL, "takes 3 parameters");
    parse_bad("macd:26,12,9", KR_EINVAL, NULL, "");
    parse_bad("macd:12,12,9", KR_EINVAL, NULL, "");
    parse_bad("macd:12,x,9", KR_EINVAL, macd->params[1].name,
              "expected a number");
}

static void test_parse_spec_bbands(void **state)
{
    (void)state;
    need("bbands");
    const double b[] = {20, 2}, b2[] = {20, 2.5}, b3[] = {5, 2.5};
    parse_ok("bbands:period=20,nbdev=2", "bbands", b, 2);
    parse_ok("bbands:20,2", "bbands", b, 2);
    parse_ok("bbands:20,2.5", "bbands", b2, 2);
    parse_ok("bbands:nbdev=2.5", "bbands", b3, 2);
    parse_bad("bbands:20.5", KR_EINVAL, "period", "whole number");
}

/* ------------------------------------------------------------------------
 * Column names
 * ------------------------------------------------------------------------ */

static void expect_name(const char *spec, int output, const char *want)
{
    const kr_ta_info *info;
    double p[KR_TA_MAX_PARAMS];
    kr_error err;
    if (kr_ta_parse_spec(spec, &info, p, &err))
        fail_msg("'%s': %s", spec, err.msg);
    char buf[128];
    size_t len = kr_ta_column_name(info, p, output, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
}

static void test_column_names(void **state)
{
    (void)state;
    expect_name("sma:20", 0, "sma_20");
    expect_name("sma", 0, "sma_30");

    /* Truncation: the return value is the full length, the buffer is
     * terminated. */
    const kr_ta_info *sma = kr_ta_find("sma");
    double p[1] = {20};
    char small[4];
    assert_int_equal(kr_ta_column_name(sma, p, 0, small, sizeof small), 6);
    assert_string_equal(small, "sma");

    if (kr_ta_find("rsi"))
        expect_name("rsi", 0, "rsi_14");
    if (kr_ta_find("macd"))
        expect_name("macd:12,26,9", 1, "macd_12_26_9.signal");
    if (kr_ta_find("bbands"))
        expect_name("bbands:20,2", 0, "bbands_20_2.upper");
    if (kr_ta_find("stoch"))
        expect_name("stoch:14,3,3", 0, "stoch_14_3_3.k");
    if (kr_ta_find("adx"))
        expect_name("adx:14", 1, "adx_14.plus_di");
    if (kr_ta_find("bbands"))
        expect_name("bbands:20,2.5", 2, "bbands_20_2.5.lower");
}

/* ------------------------------------------------------------------------
 * kr_ta_run and heap streams
 * ------------------------------------------------------------------------ */

static void bars_1_to_6(kr_bars *b)
{
    assert_int_equal(kr_bars_init(b, 0, 6, 0), 0);
    for (int i = 0; i < 6; i++) {
        double c = i + 1;
        assert_int_equal(kr_bars_push(b, kr_ts_from_civil(2020, 1, 2 + i, 0,
                                                          0, 0, 0),
                                      c, c + 0.5, c - 0.5, c, 100 * c, 0, 0),
                         0);
    }
}

static void test_run_sma(void **state)
{
    (void)state;
    kr_bars b;
    bars_1_to_6(&b);
    const kr_ta_info *sma = kr_ta_find("sma");
    double p[1] = {3}, y[6];
    double *out[1] = {y};
    assert_int_equal(kr_ta_run(sma, p, &b, out), 0);
    assert_true(isnan(y[0]) && isnan(y[1]));
    for (int i = 2; i < 6; i++)
        assert_true(y[i] == i); /* (i-1 + i + i+1) / 3 */
    assert_int_equal(kr_sma_start(p), 2);

    /* No bars: nothing is written, nothing fails. */
    kr_bars e;
    assert_int_equal(kr_bars_init(&e, 0, 0, 0), 0);
    assert_int_equal(kr_ta_run(sma, p, &e, out), 0);
    kr_bars_free(&e);
    kr_bars_free(&b);
}

/* kr_ta_run picks the right columns, the day number included, for every
 * indicator in the table: it equals the batch fed the columns by hand. */
static void test_run_every_indicator(void **state)
{
    (void)state;
    enum { N = 64 };
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, N, 0), 0);
    double day[N];
    for (int i = 0; i < N; i++) {
        double c = 100 + 10 * sin(i * 0.7) + i * 0.1;
        kr_ts ts = kr_ts_from_civil(2021, 3, 1, 0, 0, 0, 0) +
                   (int64_t)i * 6 * KR_NS_PER_HOUR; /* 4 bars a day */
        assert_int_equal(kr_bars_push(&b, ts, c - 0.3, c + 1 + (i % 3),
                                      c - 1 - (i % 2), c, 1000 + 37 * i, 0,
                                      0),
                         0);
        day[i] = (double)kr_ts_day(ts);
    }
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    for (size_t e = 0; e < n; e++) {
        const kr_ta_info *info = &t[e];
        double p[KR_TA_MAX_PARAMS] = {0};
        for (int k = 0; k < info->nparams; k++)
            p[k] = info->params[k].def;
        const double *in[KR_TA_MAX_INPUTS];
        for (int k = 0; k < info->ninputs; k++) {
            switch (info->inputs[k]) {
            case KR_TA_OPEN: in[k] = b.open; break;
            case KR_TA_HIGH: in[k] = b.high; break;
            case KR_TA_LOW: in[k] = b.low; break;
            case KR_TA_CLOSE: in[k] = b.close; break;
            case KR_TA_VOLUME: in[k] = b.volume; break;
            default: in[k] = day; break;
            }
        }
        double ya[KR_TA_MAX_OUTPUTS][N], yb[KR_TA_MAX_OUTPUTS][N];
        double *oa[KR_TA_MAX_OUTPUTS], *ob[KR_TA_MAX_OUTPUTS];
        for (int k = 0; k < KR_TA_MAX_OUTPUTS; k++) {
            oa[k] = ya[k];
            ob[k] = yb[k];
        }
        assert_int_equal(kr_ta_run(info, p, &b, oa), 0);
        assert_int_equal(info->batch(N, in, p, ob), 0);
        for (int k = 0; k < info->noutputs; k++)
            for (int i = 0; i < N; i++)
                if (!(isnan(ya[k][i]) && isnan(yb[k][i])) &&
                    memcmp(&ya[k][i], &yb[k][i], sizeof(double)))
                    fail_msg("%s: kr_ta_run differs from the batch at bar "
                             "%d of output %s",
                             info->name, i, info->outputs[k]);
    }
    kr_bars_free(&b);
}

static void test_heap_stream(void **state)
{
    (void)state;
    const kr_ta_info *sma = kr_ta_find("sma");
    double p[1] = {3};
    kr_ta_stream *s = NULL;
    assert_int_equal(kr_ta_stream_new(sma, p, &s), 0);
    assert_non_null(s);
    const double want[] = {NAN, NAN, 2, 3, 4, 5};
    for (int i = 0; i < 6; i++) {
        double x = i + 1, y;
        kr_ta_stream_next(s, &x, &y);
        if (i < 2)
            assert_true(isnan(y));
        else
            assert_true(y == want[i]);
    }
    kr_ta_stream_free(s);
    kr_ta_stream_free(NULL);

    /* Bad parameters: an error and no allocation (ASan sees a leak). */
    kr_ta_stream *bad = (kr_ta_stream *)1;
    double p1[1] = {1}, phalf[1] = {2.5};
    assert_int_equal(kr_ta_stream_new(sma, p1, &bad), KR_ERANGE);
    assert_ptr_equal(bad, (kr_ta_stream *)1);
    assert_int_equal(kr_ta_stream_new(sma, phalf, &bad), KR_EINVAL);

    /* Every indicator has a heap stream with its defaults. */
    size_t n;
    const kr_ta_info *t = kr_ta_table(&n);
    for (size_t e = 0; e < n; e++) {
        double d[KR_TA_MAX_PARAMS] = {0};
        for (int k = 0; k < t[e].nparams; k++)
            d[k] = t[e].params[k].def;
        kr_ta_stream *hs = NULL;
        assert_int_equal(kr_ta_stream_new(&t[e], d, &hs), 0);
        double x[KR_TA_MAX_INPUTS], y[KR_TA_MAX_OUTPUTS];
        for (int i = 0; i < 10; i++) {
            for (int k = 0; k < t[e].ninputs; k++)
                x[k] = 10 + i + k;
            kr_ta_stream_next(hs, x, y);
        }
        kr_ta_stream_free(hs);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--complete")) {
        const struct CMUnitTest complete[] = {
            cmocka_unit_test(test_table_complete),
        };
        return cmocka_run_group_tests_name("ta_table_complete", complete,
                                           NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_well_formed),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_input_names),
        cmocka_unit_test(test_parse_spec_sma),
        cmocka_unit_test(test_parse_spec_multi),
        cmocka_unit_test(test_parse_spec_bbands),
        cmocka_unit_test(test_column_names),
        cmocka_unit_test(test_run_sma),
        cmocka_unit_test(test_run_every_indicator),
        cmocka_unit_test(test_heap_stream),
    };
    return cmocka_run_group_tests_name("ta", tests, NULL, NULL);
}

/* test_strategy.c -- tests of src/strategy/strategy.c: the table of
 * built-ins, the strategy spec parser and the --size parser, good and bad
 * specs with the exact error they give.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/strategy.h"

static void table(void **state)
{
    (void)state;
    static const char *const names[] = {"bollinger_reversion",
                                        "donchian_breakout", "rsi_reversion",
                                        "sma_cross"};
    assert_int_equal(kr_strategy_count(), 4);
    for (size_t i = 0; i < 4; i++) {
        const kr_strategy_info *in = kr_strategy_info_at(i);
        assert_non_null(in);
        assert_string_equal(in->name, names[i]);
        assert_ptr_equal(kr_strategy_find(names[i]), in);
        assert_non_null(in->summary);
        for (size_t k = 0; k < in->nparams; k++) {
            const kr_strategy_param *p = &in->params[k];
            assert_true(p->def >= p->min && p->def <= p->max);
            assert_non_null(p->help);
        }
    }
    assert_null(kr_strategy_info_at(4));
    assert_null(kr_strategy_find("SMA_CROSS"));
    assert_null(kr_strategy_find(NULL));
    /* The documented defaults. */
    const kr_strategy_info *d = kr_strategy_find("donchian_breakout");
    assert_int_equal(d->nparams, 4);
    assert_string_equal(d->params[0].name, "period");
    assert_true(d->params[0].def == 20 && d->params[1].def == 10 &&
                d->params[2].def == 14 && d->params[3].def == 2.0);
    const kr_strategy_info *s = kr_strategy_find("sma_cross");
    assert_true(s->params[0].def == 50 && s->params[1].def == 200);
    const kr_strategy_info *r = kr_strategy_find("rsi_reversion");
    assert_true(r->params[0].def == 14 && r->params[1].def == 30 &&
                r->params[2].def == 70);
    const kr_strategy_info *b = kr_strategy_find("bollinger_reversion");
    assert_true(b->params[0].def == 20 && b->params[1].def == 2.0);
}

static void good_specs(void **state)
{
    (void)state;
    static const char *const specs[] = {
        "sma_cross",
        "sma_cross:fast=10,slow=30",
        "sma_cross:slow=300",          /* fast 50 < 300 */
        "rsi_reversion:lower=20,upper=80,period=5",
        "donchian_breakout:stop=0",
        "donchian_breakout:period=55,exit=20,atr=20,stop=2.5",
        "bollinger_reversion:k=1.5",
        "bollinger_reversion:period=2,k=0",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        kr_strategy s = {0};
        kr_error err;
        kr_error_clear(&err);
        int rc = kr_strategy_create(specs[i], NULL, 1, &s, "--strategy", &err);
        if (rc)
            print_error("%s: %s\n", specs[i], err.msg);
        assert_int_equal(rc, KR_OK);
        assert_non_null(s.ops);
        assert_non_null(s.self);
        assert_non_null(s.ops->on_bar);
        kr_strategy_destroy(&s);
        assert_null(s.self);
    }
}

/* A bad spec: KR_EINVAL, the field, the message, *out untouched. */
static void bad(const char *spec, const char *msg)
{
    kr_strategy s = {(const kr_strategy_ops *)1, (void *)2};
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_strategy_create(spec, NULL, 0, &s, "--strategy", &err);
    if (rc != KR_EINVAL || strcmp(err.msg, msg))
        print_error("spec '%s': rc %d msg '%s'\n", spec ? spec : "(null)", rc,
                    err.msg);
    assert_int_equal(rc, KR_EINVAL);
    assert_int_equal(err.code, KR_EINVAL);
    assert_string_equal(err.field, "--strategy");
    assert_string_equal(err.msg, msg);
    assert_ptr_equal(s.ops, (const kr_strategy_ops *)1);
    assert_ptr_equal(s.self, (void *)2);
}

static void bad_specs(void **state)
{
    (void)state;
    static const char names[] =
        "bollinger_reversion, donchian_breakout, rsi_reversion, sma_cross";
    bad(NULL, "expected NAME[:KEY=VALUE,...], NAME one of: "
              "bollinger_reversion, donchian_breakout, rsi_reversion, "
              "sma_cross");
    bad("", "expected NAME[:KEY=VALUE,...], NAME one of: "
            "bollinger_reversion, donchian_breakout, rsi_reversion, "
            "sma_cross");
    char want[256];
    snprintf(want, sizeof want, "unknown strategy 'macd' (one of: %s)",
             names);
    bad("macd:fast=1", want);
    snprintf(want, sizeof want, "unknown strategy 'sma' (one of: %s)", names);
    bad("sma", want);
    snprintf(want, sizeof want, "unknown strategy 'x\\x01' (one of: %s)",
             names);
    bad("x\001", want);
    bad("sma_cross:", "sma_cross: empty parameter list after ':' "
                      "(parameters: fast, slow)");
    bad("sma_cross:fast=5,", "sma_cross: empty parameter in "
                             "'sma_cross:fast=5,'");
    bad("sma_cross:fast=5,,slow=9", "sma_cross: empty parameter in "
                                    "'sma_cross:fast=5,,slow=9'");
    bad("sma_cross:fast", "sma_cross: expected KEY=VALUE, got 'fast' "
                          "(parameters: fast, slow)");
    bad("sma_cross:medium=3", "sma_cross has no parameter 'medium' "
                              "(parameters: fast, slow)");
    bad("sma_cross:fast=5,fast=6", "sma_cross: parameter 'fast' given twice");
    bad("sma_cross:fast=abc", "sma_cross: fast: expected a number, got 'abc'");
    bad("sma_cross:fast=", "sma_cross: fast: expected a number, got ''");
    bad("sma_cross:fast= 5", "sma_cross: fast: expected a number, got ' 5'");
    bad("sma_cross:fast=5x", "sma_cross: fast: expected a number, got '5x'");
    bad("sma_cross:fast=nan", "sma_cross: fast: expected a number, got 'nan'");
    bad("sma_cross:fast=0x10",
        "sma_cross: fast: expected a number, got '0x10'");
    bad("sma_cross:fast=1e999",
        "sma_cross: fast: expected a number, got '1e999'");
    bad("sma_cross:fast=1", "sma_cross: fast = 1 is out of range [2, 100000]");
    bad("sma_cross:fast=2.5", "sma_cross: fast = 2.5 must be a whole number");
    bad("sma_cross:fast=200,slow=50",
        "sma_cross: fast (200) must be below slow (50)");
    bad("sma_cross:fast=60,slow=60",
        "sma_cross: fast (60) must be below slow (60)");
    bad("sma_cross:fast=300", "sma_cross: fast (300) must be below slow (200)");
    bad("rsi_reversion:lower=70,upper=30",
        "rsi_reversion: lower (70) must be below upper (30)");
    bad("rsi_reversion:upper=101",
        "rsi_reversion: upper = 101 is out of range [0, 100]");
    bad("donchian_breakout:stop=-1",
        "donchian_breakout: stop = -1 is out of range [0, 100]");
    bad("donchian_breakout:period=0",
        "donchian_breakout: period = 0 is out of range [1, 100000]");
    bad("bollinger_reversion:k=2,period=1",
        "bollinger_reversion: period = 1 is out of range [2, 100000]");
}

static void bad_sizing_at_create(void **state)
{
    (void)state;
    kr_sizing z;
    kr_sizing_init(&z);
    z.kind = KR_SIZE_QTY; /* qty 0 */
    kr_strategy s = {0};
    kr_error err;
    assert_int_equal(kr_strategy_create("sma_cross", &z, 0, &s, "--size",
                                        &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "--size");
    assert_string_equal(err.msg, "qty 0 must be a positive number");
    assert_null(s.self);
}

static void sizing_good(void **state)
{
    (void)state;
    kr_sizing z;
    kr_error err;
    memset(&z, 0x5a, sizeof z);
    assert_int_equal(kr_sizing_parse("fraction:0.5", &z, "--size", &err),
                     KR_OK);
    assert_int_equal(z.kind, KR_SIZE_FRACTION);
    assert_true(z.fraction == 0.5);
    /* The rest are kr_sizing_init's defaults. */
    assert_true(z.vol_target == 0.15 && z.vol_window == 20 &&
                z.max_fraction == 1.0);
    assert_int_equal(kr_sizing_parse("qty:100", &z, "--size", &err), KR_OK);
    assert_int_equal(z.kind, KR_SIZE_QTY);
    assert_true(z.qty == 100 && z.fraction == 1.0);
    assert_int_equal(kr_sizing_parse("vol:0.15", &z, "--size", &err), KR_OK);
    assert_int_equal(z.kind, KR_SIZE_VOL_TARGET);
    assert_true(z.vol_target == 0.15 && z.vol_window == 20 &&
                z.max_fraction == 1.0);
    assert_int_equal(kr_sizing_parse("vol:0.1,window=60,max=2", &z, "--size",
                                     &err),
                     KR_OK);
    assert_true(z.vol_target == 0.1 && z.vol_window == 60 &&
                z.max_fraction == 2.0);
    assert_int_equal(kr_sizing_parse("vol:0.1,max=0.5", &z, "--size", &err),
                     KR_OK);
    assert_true(z.vol_window == 20 && z.max_fraction == 0.5);
}

static void sizing_bad1(const char *spec, const char *msg)
{
    kr_sizing z;
    kr_sizing_init(&z);
    z.qty = 7; /* a mark: untouched on error */
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_sizing_parse(spec, &z, "--size", &err);
    if (rc != KR_EINVAL || strcmp(err.msg, msg))
        print_error("size '%s': rc %d msg '%s'\n", spec ? spec : "(null)", rc,
                    err.msg);
    assert_int_equal(rc, KR_EINVAL);
    assert_string_equal(err.field, "--size");
    assert_string_equal(err.msg, msg);
    assert_true(z.qty == 7 && z.kind == KR_SIZE_FRACTION);
}

static void sizing_bad(void **state)
{
    (void)state;
    static const char u[] =
        "expected fraction:F, qty:Q or vol:T[,window=W][,max=M]";
    char want[200];
    sizing_bad1(NULL, u);
    sizing_bad1("", u);
    snprintf(want, sizeof want, "'half': %s", u);
    sizing_bad1("half", want);
    snprintf(want, sizeof want, "unknown sizing 'kelly': %s", u);
    sizing_bad1("kelly:0.5", want);
    sizing_bad1("fraction:", "fraction: expected a number, got ''");
    sizing_bad1("fraction:abc", "fraction: expected a number, got 'abc'");
    sizing_bad1("fraction:0", "fraction 0 is out of range (0, 100]");
    sizing_bad1("fraction:-0.5", "fraction -0.5 is out of range (0, 100]");
    sizing_bad1("fraction:0.5,max=1",
                "fraction takes one value, got ',max=1'");
    sizing_bad1("qty:0", "qty 0 must be a positive number");
    sizing_bad1("qty:-3", "qty -3 must be a positive number");
    sizing_bad1("vol:0", "vol target 0 is out of range (0, 10]");
    sizing_bad1("vol:0.1,", "vol: trailing ','");
    sizing_bad1("vol:0.1,window", "vol: expected window=W or max=M, got "
                                  "'window'");
    sizing_bad1("vol:0.1,span=3", "vol has no option 'span' (options: "
                                  "window, max)");
    sizing_bad1("vol:0.1,window=1",
                "vol: window = 1 must be a whole number in [2, 100000]");
    sizing_bad1("vol:0.1,window=2.5",
                "vol: window = 2.5 must be a whole number in [2, 100000]");
    sizing_bad1("vol:0.1,window=5,window=6", "vol: option 'window' given "
                                             "twice");
    sizing_bad1("vol:0.1,max=x", "vol: max: expected a number, got 'x'");
    sizing_bad1("vol:0.1,max=0", "max = 0 is out of range (0, 100]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(good_specs),
        cmocka_unit_test(bad_specs),
        cmocka_unit_test(bad_sizing_at_create),
        cmocka_unit_test(sizing_good),
        cmocka_unit_test(sizing_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

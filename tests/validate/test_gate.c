/* test_gate.c -- tests of src/validate/gate.c: every rule passing at its
 * bound, failing past it with its message, refusing an undefined metric,
 * the check order, and setting rules from text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/validate.h"

/* A run that passes every rule below. */
static kr_gate_metrics good(void)
{
    kr_gate_metrics m;
    kr_gate_metrics_init(&m);
    m.trades = 120;
    m.sharpe = 1.5;
    m.psr = 0.97;
    m.dsr = 0.91;
    m.max_drawdown = 0.18;
    m.profit_factor = 1.6;
    m.win_rate = 0.52;
    m.pbo = 0.2;
    return m;
}

static kr_gate strict(void)
{
    kr_gate g;
    kr_gate_init(&g);
    g.min_trades = 30;
    g.min_sharpe = 1.0;
    g.min_psr = 0.95;
    g.min_dsr = 0.9;
    g.max_drawdown = 0.25;
    g.min_profit_factor = 1.2;
    g.min_win_rate = 0.4;
    g.max_pbo = 0.5;
    return g;
}

static void test_defaults(void **state)
{
    (void)state;
    kr_gate g;
    kr_gate_init(&g);
    kr_gate_metrics m;
    kr_gate_metrics_init(&m);
    char why[128] = "x";
    int rule = 7;
    /* Every rule off: even a run with no metric at all passes. */
    assert_int_equal(kr_gate_check(&g, &m, &rule, why, sizeof why), KR_OK);
    assert_int_equal(rule, -1);
    assert_string_equal(why, "");
    assert_true(isnan(m.sharpe) && isnan(m.pbo));
    const char *names[] = {"min_trades",   "min_sharpe",
                           "min_psr",      "min_dsr",
                           "max_drawdown", "min_profit_factor",
                           "min_win_rate", "max_pbo"};
    for (size_t i = 0; i < KR_GATE_RULES; i++)
        assert_string_equal(kr_gate_rule_name(i), names[i]);
    assert_null(kr_gate_rule_name(KR_GATE_RULES));
    assert_int_equal(kr_gate_check(NULL, &m, &rule, why, sizeof why),
                     KR_EINVAL);
}

typedef struct rule_case {
    int rule;
    double *metric; /* a field of the test's metrics */
    double at, past;
    const char *msg, *undef;
} rule_case;

/* One rule at a time: the metric at the bound passes, a step past it
 * fails with the message, and NaN fails as undefined. */
static void test_each_rule(void **state)
{
    (void)state;
    rule_case cases[8];
    kr_gate g = strict();
    kr_gate_metrics m = good();
    char why[128];
    int rule;
    assert_int_equal(kr_gate_check(&g, &m, &rule, why, sizeof why), KR_OK);
    assert_int_equal(rule, -1);
    size_t n = 0;
#define CASE(r, f, a, p, msg, undef)                                          \
    cases[n++] = (rule_case){r, &m.f, a, p, msg, undef}
    CASE(0, trades, 30, 29, "min_trades: trades 29 below 30",
         "min_trades: trades undefined, need >= 30");
    CASE(1, sharpe, 1.0, 0.85, "min_sharpe: sharpe 0.85 below 1.00",
         "min_sharpe: sharpe undefined, need >= 1.00");
    CASE(2, psr, 0.95, 0.9412, "min_psr: psr 0.9412 below 0.9500",
         "min_psr: psr undefined, need >= 0.9500");
    CASE(3, dsr, 0.9, 0.5, "min_dsr: dsr 0.5000 below 0.9000",
         "min_dsr: dsr undefined, need >= 0.9000");
    CASE(4, max_drawdown, 0.25, 0.3,
         "max_drawdown: max_drawdown 0.3000 above 0.2500",
         "max_drawdown: max_drawdown undefined, need <= 0.2500");
    CASE(5, profit_factor, 1.2, 1.1,
         "min_profit_factor: profit_factor 1.10 below 1.20",
         "min_profit_factor: profit_factor undefined, need >= 1.20");
    CASE(6, win_rate, 0.4, 0.35, "min_win_rate: win_rate 0.3500 below 0.4000",
         "min_win_rate: win_rate undefined, need >= 0.4000");
    CASE(7, pbo, 0.5, 0.55, "max_pbo: pbo 0.5500 above 0.5000",
         "max_pbo: pbo undefined, need <= 0.5000");
#undef CASE
    for (size_t i = 0; i < n; i++) {
        m = good();
        double *v = cases[i].metric;
        *v = cases[i].at;
        assert_int_equal(kr_gate_check(&g, &m, &rule, why, sizeof why),
                         KR_OK);
        *v = cases[i].past;
        assert_int_equal(kr_gate_check(&g, &m, &rule, why, sizeof why),
                         KR_EREJECTED);
        assert_int_equal(rule, cases[i].rule);
        assert_string_equal(why, cases[i].msg);
        *v = NAN;
        assert_int_equal(kr_gate_check(&g, &m, &rule, why, sizeof why),
                         KR_EREJECTED);
        assert_string_equal(why, cases[i].undef);
        /* With its rule off, the same run passes. */
        kr_gate off = g;
        assert_int_equal(kr_gate_set(&off, kr_gate_rule_name(i), "off",
                                     NULL),
                         KR_OK);
        assert_int_equal(kr_gate_check(&off, &m, &rule, NULL, 0), KR_OK);
    }
    /* An infinite profit factor (no losing trade) clears any floor. */
    m = good();
    m.profit_factor = INFINITY;
    assert_int_equal(kr_gate_check(&g, &m, NULL, why, sizeof why), KR_OK);
}

static void test_first_failure(void **state)
{
    (void)state;
    kr_gate g = strict();
    kr_gate_metrics m = good();
    m.max_drawdown = 0.4;
    m.sharpe = 0.5;
    char why[128];
    int rule;
    /* Sharpe is checked before the drawdown. */
    assert_int_equal(kr_gate_check(&g, &m, &rule, why, sizeof why),
                     KR_EREJECTED);
    assert_int_equal(rule, 1);
    assert_string_equal(why, "min_sharpe: sharpe 0.50 below 1.00");
    /* A short buffer cuts the reason. */
    char small[12];
    assert_int_equal(kr_gate_check(&g, &m, NULL, small, sizeof small),
                     KR_EREJECTED);
    assert_string_equal(small, "min_sharpe:");
}

static void test_set(void **state)
{
    (void)state;
    kr_gate g;
    kr_gate_init(&g);
    kr_error err;
    assert_int_equal(kr_gate_set(&g, "min_sharpe", "1.5", &err), KR_OK);
    assert_true(g.min_sharpe == 1.5);
    assert_int_equal(kr_gate_set(&g, "max_pbo", "0.25", &err), KR_OK);
    assert_true(g.max_pbo == 0.25);
    assert_int_equal(kr_gate_set(&g, "min_trades", "30", &err), KR_OK);
    assert_true(g.min_trades == 30);
    assert_int_equal(kr_gate_set(&g, "min_sharpe", "off", &err), KR_OK);
    assert_true(isnan(g.min_sharpe));
    assert_int_equal(kr_gate_set(&g, "min_sharp", "1", &err), KR_EINVAL);
    assert_string_equal(err.field, "gate");
    assert_string_equal(err.msg, "unknown rule 'min_sharp' (expected "
                                 "min_trades, min_sharpe, min_psr, min_dsr, "
                                 "max_drawdown, min_profit_factor, "
                                 "min_win_rate or max_pbo)");
    assert_int_equal(kr_gate_set(&g, "max_pbo", "0.2x", &err), KR_EINVAL);
    assert_string_equal(err.field, "max_pbo");
    assert_string_equal(err.msg, "expected a number >= 0 or 'off', got "
                                 "'0.2x'");
    assert_true(g.max_pbo == 0.25); /* untouched */
    assert_int_equal(kr_gate_set(&g, "max_pbo", "-1", &err), KR_EINVAL);
    assert_int_equal(kr_gate_set(&g, "max_pbo", "nan", &err), KR_EINVAL);
    assert_int_equal(kr_gate_set(&g, "max_pbo", "", &err), KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_first_failure),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

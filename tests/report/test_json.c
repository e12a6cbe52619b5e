/* test_json.c -- tests of src/report/json.c: metrics.json.
 *
 * The JSON is parsed back with jansson and checked key by key against the
 * metric table of engine.h: every metric present under its name, finite
 * values read back bit for bit (17 significant digits round-trip), NaN and
 * infinities as null, the strategy and the settings object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"

static const char *const SETTINGS[] = {
    "cash=100000", "fill=next_open", "data=a.csv", "data=b.csv", "flag",
    "costs=commission:bps=1,slippage:bps=2",
};

static int w_json(FILE *f, const fixture *fx)
{
    kr_report_info info = {"kairos backtest", "sma_cross:fast=50,slow=200",
                           SETTINGS, sizeof SETTINGS / sizeof SETTINGS[0]};
    return kr_report_metrics_json(f, &fx->m, &info);
}

static int w_json_nometrics(FILE *f, const fixture *fx)
{
    (void)fx;
    return kr_report_metrics_json(f, NULL, NULL);
}

static void test_metrics(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_json, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr);
    assert_non_null(root);
    assert_true(json_is_object(root));

    size_t n = kr_bt_metric_count();
    assert_true(n >= 20);
    /* Every metric plus "strategy" and "settings". */
    assert_int_equal(json_object_size(root), n + 2);
    size_t nulls = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(root, kr_bt_metric_name(i));
        assert_non_null(v);
        double want = kr_bt_metric_value(&fx.m, i);
        if (isfinite(want)) {
            assert_true(json_is_real(v));
            /* Bit for bit: 17 digits read back as the same double. */
            assert_true(json_real_value(v) == want);
        } else {
            assert_true(json_is_null(v));
            nulls++;
        }
    }
    /* sortino NaN, profit_factor INFINITY, avg_loss NaN. */
    assert_int_equal(nulls, 3);
    assert_true(json_is_null(json_object_get(root, "sortino")));
    assert_true(json_is_null(json_object_get(root, "profit_factor")));
    assert_true(json_real_value(json_object_get(root, "total_return")) ==
                0.013);
    /* 0.1 / 3 needs all 17 digits to come back. */
    assert_true(json_real_value(json_object_get(root, "calmar")) == 0.1 / 3.0);
    assert_string_equal(json_string_value(json_object_get(root, "strategy")),
                        "sma_cross:fast=50,slow=200");

    json_t *s = json_object_get(root, "settings");
    assert_true(json_is_object(s));
    assert_int_equal(json_object_size(s), 5);
    assert_string_equal(json_string_value(json_object_get(s, "cash")),
                        "100000");
    assert_string_equal(json_string_value(json_object_get(s, "fill")),
                        "next_open");
    /* Split at the first '=' only. */
    assert_string_equal(json_string_value(json_object_get(s, "costs")),
                        "commission:bps=1,slippage:bps=2");
    assert_string_equal(json_string_value(json_object_get(s, "flag")), "");
    /* A repeated key becomes an array of its values in order. */
    json_t *d = json_object_get(s, "data");
    assert_true(json_is_array(d));
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_array_get(d, 0)), "a.csv");
    assert_string_equal(json_string_value(json_array_get(d, 1)), "b.csv");
    json_decref(root);
    /* The text itself never says NaN or Infinity. */
    assert_null(strstr(out, "NaN"));
    assert_null(strstr(out, "nan"));
    assert_null(strstr(out, "inf"));
    free(out);
    fx_free(&fx);
}

/* No metrics (a run too short to have any): every one is null, and no
 * strategy is null too. */
static void test_no_metrics(void **state)
{
    (void)state;
    int rc;
    char *out = fx_capture(w_json_nometrics, NULL, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    json_t *root = json_loads(out, 0, NULL);
    assert_non_null(root);
    for (size_t i = 0; i < kr_bt_metric_count(); i++)
        assert_true(json_is_null(json_object_get(root, kr_bt_metric_name(i))));
    assert_true(json_is_null(json_object_get(root, "strategy")));
    assert_int_equal(json_object_size(json_object_get(root, "settings")), 0);
    json_decref(root);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_no_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

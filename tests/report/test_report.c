/* test_report.c -- tests of src/report/report.c: kr_report_write.
 *
 * The five files land in the directory (created with its parents), each
 * with its header line, and no .tmp is left; a directory that cannot be
 * made and a file that cannot be renamed into place give KR_EIO naming the
 * path, again with no .tmp left. Last, a real run end to end: synthetic
 * data through sma_cross in the backtester, its statistics, and the report,
 * checked for consistency (one CSV row per point, trade and order; the JSON's
 * final equity is the curve's last point). With KR_REPORT_KEEP set in the
 * environment that report is written there and kept, for a person or the
 * browser check (tests/report/browser) to look at.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"
#include "kairos/strategy.h"

static const char *const NAMES[5] = {"metrics.json", "equity.csv",
                                     "trades.csv", "orders.csv",
                                     "report.html"};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t k = fread(buf + n, 1, 4096, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Entries of dir whose name starts with '.', other than . and .. */
static int hidden_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
            strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void test_write(void **state)
{
    (void)state;
    char base[] = "/tmp/kr_report_XXXXXX";
    assert_non_null(mkdtemp(base));
    char dir[256];
    snprintf(dir, sizeof dir, "%s/a/b/out", base);
    fixture fx;
    fx_init(&fx);
    kr_report_info info = {"test run", "sma_cross", NULL, 0};
    kr_error err;
    kr_error_clear(&err);
    assert_int_equal(kr_report_write(dir, &fx.bt, &fx.m, &fx.in, &info, &err),
                     KR_OK);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    static const char *const first[5] = {
        "{", KR_REPORT_EQUITY_HEADER "\n", KR_REPORT_TRADES_HEADER "\n",
        KR_REPORT_ORDERS_HEADER "\n", "<!DOCTYPE html>"};
    for (int i = 0; i < 5; i++) {
        char path[320];
        snprintf(path, sizeof path, "%s/%s", dir, NAMES[i]);
        char *s = slurp(path);
        assert_non_null(s);
        assert_true(strncmp(s, first[i], strlen(first[i])) == 0);
        free(s);
    }
    assert_int_equal(hidden_entries(dir), 0);

    /* Again over the same directory: files replaced, still no .tmp. */
    assert_int_equal(kr_report_write(dir, &fx.bt, NULL, NULL, NULL, &err),
                     KR_OK);
    assert_int_equal(hidden_entries(dir), 0);
    rm_rf(base);
    fx_free(&fx);
}

static void test_unwritable(void **state)
{
    (void)state;
    char base[] = "/tmp/kr_report_XXXXXX";
    assert_non_null(mkdtemp(base));
    fixture fx;
    fx_init(&fx);
    kr_error err;

    /* A directory below a regular file cannot be made (even by root). */
    char file[256], dir[300];
    snprintf(file, sizeof file, "%s/plain", base);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/out", file);
    kr_error_clear(&err);
    assert_int_equal(kr_report_write(dir, &fx.bt, &fx.m, &fx.in, NULL, &err),
                     KR_EIO);
    assert_int_equal(err.code, KR_EIO);
    assert_non_null(strstr(err.file, "plain"));
    assert_true(err.msg[0] != '\0');

    /* report.html is a directory: the rename fails, the error names it, and
     * its temporary file is gone; the four files before it were written. */
    char out[300], blocker[340];
    snprintf(out, sizeof out, "%s/out", base);
    assert_int_equal(mkdir(out, 0755), 0);
    snprintf(blocker, sizeof blocker, "%s/report.html", out);
    assert_int_equal(mkdir(blocker, 0755), 0);
    kr_error_clear(&err);
    assert_int_equal(kr_report_write(out, &fx.bt, &fx.m, &fx.in, NULL, &err),
                     KR_EIO);
    assert_non_null(strstr(err.file, "report.html"));
    assert_int_equal(hidden_entries(out), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/orders.csv", out);
    assert_int_equal(access(path, F_OK), 0);

    assert_int_equal(kr_report_write(NULL, &fx.bt, NULL, NULL, NULL, &err),
                     KR_EINVAL);
    rm_rf(base);
    fx_free(&fx);
}

/* A real run: two synthetic symbols, 1500 days, sma_cross long and short. */
static void test_real_run(void **state)
{
    (void)state;
    kr_synth_opts so;
    kr_synth_opts_init(&so);
    so.symbols = 2;
    so.rows = 1500;
    so.seed = 7;
    kr_dataset ds;
    kr_error err;
    assert_int_equal(kr_synth_generate(&so, &ds, &err), KR_OK);
    kr_instrument inst[2];
    const char *names[2];
    for (uint32_t s = 0; s < 2; s++) {
        kr_instrument_init(&inst[s], s, 2, 0);
        names[s] = kr_symtab_name(ds.symbols, s);
    }
    kr_backtest_input in = {ds.bars, inst, names, 2};
    kr_backtest_config cfg;
    kr_backtest_config_init(&cfg);
    cfg.allow_short = 1;
    cfg.max_leverage = 2;
    kr_sizing sz;
    kr_sizing_init(&sz);
    sz.fraction = 0.5;
    kr_strategy strat;
    const char *spec = "sma_cross:fast=20,slow=60";
    assert_int_equal(kr_strategy_create(spec, &sz, 1, &strat, "strategy",
                                        &err),
                     KR_OK);
    kr_backtest bt;
    kr_backtest_init(&bt);
    assert_int_equal(kr_backtest_run(&bt, &cfg, &in, &strat, &err), KR_OK);
    kr_bt_metrics m;
    assert_int_equal(kr_bt_metrics_compute(&bt, 1, NULL, &m), KR_OK);
    assert_true(bt.ntrades > 4);

    const char *keep = getenv("KR_REPORT_KEEP");
    char base[] = "/tmp/kr_report_XXXXXX";
    const char *dir = keep && *keep ? keep : mkdtemp(base);
    assert_non_null(dir);
    static const char *const settings[] = {
        "cash=100000", "data=synthetic:symbols=2,rows=1500,seed=7",
        "size=fraction:0.5", "allow_short=1", "max_leverage=2"};
    kr_report_info info = {"kairos backtest", spec, settings, 5};
    assert_int_equal(kr_report_write(dir, &bt, &m, &in, &info, &err), KR_OK);

    char path[400];
    snprintf(path, sizeof path, "%s/equity.csv", dir);
    char *s = slurp(path);
    assert_int_equal(count_lines(s), bt.npoints + 1);
    free(s);
    snprintf(path, sizeof path, "%s/trades.csv", dir);
    s = slurp(path);
    assert_int_equal(count_lines(s), bt.ntrades + 1);
    free(s);
    snprintf(path, sizeof path, "%s/orders.csv", dir);
    s = slurp(path);
    assert_int_equal(count_lines(s), bt.norders + 1);
    free(s);
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    json_t *root = json_load_file(path, 0, NULL);
    assert_non_null(root);
    assert_true(json_real_value(json_object_get(root, "final_equity")) ==
                bt.equity[bt.npoints - 1]);
    json_decref(root);
    snprintf(path, sizeof path, "%s/report.html", dir);
    s = slurp(path);
    /* Equity, drawdown, returns and two price charts. */
    assert_int_equal(fx_count(s, "<svg class=\"chart"), 5);
    assert_non_null(strstr(s, names[1]));
    free(s);

    if (!(keep && *keep))
        rm_rf(base);
    kr_backtest_free(&bt);
    kr_strategy_destroy(&strat);
    kr_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_real_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

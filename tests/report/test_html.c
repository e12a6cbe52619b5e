/* test_html.c -- tests of src/report/html.c: report.html.
 *
 * On the hand-made run of fixture.h: every section is there, nothing
 * outside the file is referenced (no URL, no src=, no href=, no url()), the
 * symbol <b>&"x is escaped everywhere, the statistics table has one row per
 * metric of the engine's table, and the monthly heatmap cells carry the
 * month returns worked out in fixture.h. On a run of a million points with
 * twenty thousand trades: the page stays small (every line at most 2000
 * points, the trades table cut at 200 rows with a note).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "report/internal.h"

static const char *const SETTINGS[] = {"cash=100000", "data=<evil>.csv"};

static int w_html(FILE *f, const fixture *fx)
{
    kr_report_info info = {NULL, "sma_cross:fast=5,slow=20", SETTINGS, 2};
    return kr_report_html(f, &fx->bt, &fx->m, &fx->in, &info);
}

/* The sum of the counts in the titles ("...: N</title>") of the histogram
 * bins whose markup starts with `start`. */
static size_t bin_total(const char *html, const char *start)
{
    size_t total = 0;
    for (const char *p = strstr(html, start); p; p = strstr(p + 1, start)) {
        const char *t = strstr(p, "</title>");
        while (t > p && t[-1] != ' ')
            t--;
        total += strtoul(t, NULL, 10);
    }
    return total;
}

static void test_sections(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_html, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    assert_true(strncmp(out, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(out, "</html>\n"));
    static const char *const sections[] = {
        "id=\"statistics\"", "id=\"equity\"", "id=\"drawdown\"",
        "id=\"returns\"",    "id=\"monthly\"", "id=\"prices\"",
        "id=\"trades\"",     "id=\"settings\"",
    };
    const char *prev = out;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        const char *p = strstr(out, sections[i]);
        assert_non_null(p);
        assert_true(p > prev); /* in the documented order */
        prev = p;
    }
    /* Header: the default title, the strategy, the period and bars. */
    assert_non_null(strstr(out, "<h1>kairos backtest</h1>"));
    assert_non_null(strstr(out, "sma_cross:fast=5,slow=20"));
    assert_non_null(strstr(out, "2020-01-01 &rarr; 2020-02-15"));
    assert_non_null(strstr(out, "60 bars"));
    /* Charts: equity, drawdown, returns and a price chart per symbol. */
    assert_int_equal(fx_count(out, "<svg class=\"chart"), 5);
    /* 29 returns: 14 of +200 (about +0.2%) and 15 of -100 (-0.1%), so the
     * histogram holds 29 in two groups of bins, the gains right of 0. */
    assert_int_equal(bin_total(out, "<rect class=\"hpos\""), 14);
    assert_int_equal(bin_total(out, "<rect class=\"hneg\""), 15);
    assert_int_equal(fx_count(out, "<polyline class=\"bh\""), 1);
    /* Markers: 2 closed trades x 2 + 1 open trade x 1 = 5 triangles. */
    assert_int_equal(fx_count(out, "<path class=\"mk "), 5);
    assert_int_equal(fx_count(out, "<path class=\"mk short entry\""), 1);
    assert_int_equal(fx_count(out, "<path class=\"mk long exit\""), 1);
    /* The trades table: 3 rows, the open one says so. */
    assert_non_null(strstr(out, "<td>open</td>"));
    assert_null(strstr(out, "Showing the first"));
    free(out);
    fx_free(&fx);
}

static void test_self_contained(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_html, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    static const char *const banned[] = {"http://", "https://", "src=",
                                         "href=",   "url(",     "@import",
                                         "//cdn",   "xmlns"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
        if (strstr(out, banned[i]))
            fail_msg("report.html references %s", banned[i]);
    }
    /* One inline script, no external one. */
    assert_int_equal(fx_count(out, "<script"), 1);
    assert_non_null(strstr(out, "<script>\n"));
    free(out);
    fx_free(&fx);
}

static void test_escaping(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_html, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    assert_null(strstr(out, "<b>&\"x"));
    assert_null(strstr(out, "<b>"));
    assert_null(strstr(out, "<evil>"));
    /* The price chart heading, its aria-label, and the trade row. */
    assert_true(fx_count(out, "&lt;b&gt;&amp;&quot;x") >= 3);
    assert_non_null(
        strstr(out, "<tr><td>data</td><td>&lt;evil&gt;.csv</td></tr>"));
    free(out);

    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    kr__html_put(f, "a<b>&c\"d'e\x01" "f\tg");
    fclose(f);
    assert_string_equal(buf, "a&lt;b&gt;&amp;c&quot;d&#39;ef\tg");
    free(buf);
    fx_free(&fx);
}

static void test_stats_table(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_html, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    size_t n = kr_bt_metric_count();
    assert_int_equal(fx_count(out, "<tr class=\"metric\""), n);
    for (size_t i = 0; i < n; i++) {
        char key[96];
        snprintf(key, sizeof key, "data-metric=\"%s\"", kr_bt_metric_name(i));
        assert_int_equal(fx_count(out, key), 1);
    }
    /* Fractions as percentages: total return 0.013 -> 1.30%, max drawdown
     * 1500/102800 = 1.459% -> 1.46%; Sharpe 1.25; a NaN is n/a, an
     * infinite profit factor is the infinity sign. */
    assert_non_null(strstr(out, "<td>Total return</td><td>1.30%</td>"));
    assert_non_null(strstr(out, "<td>Max drawdown</td><td>1.46%</td>"));
    assert_non_null(strstr(out, "<td>Sharpe ratio</td><td>1.25</td>"));
    assert_non_null(strstr(out, "<td>Sortino ratio</td><td>n/a</td>"));
    assert_non_null(strstr(out, "<td>Profit factor</td><td>&infin;</td>"));
    assert_non_null(strstr(out, "<td>Final equity</td><td>101,300.00</td>"));
    free(out);
    fx_free(&fx);
}

/* The heatmap's cells, in table order: January, February, then the year
 * total. Values as in fixture.h. */
static void test_heatmap(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_html, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    const char *heat = strstr(out, "id=\"monthly\"");
    assert_non_null(heat);
    double got[4];
    size_t k = 0;
    for (const char *p = strstr(heat, "data-ret=\""); p && k < 4;
         p = strstr(p + 1, "data-ret=\""))
        got[k++] = strtod(p + 10, NULL);
    assert_int_equal(k, 3);
    assert_true(got[0] == 102800.0 / 100000.0 - 1.0);
    assert_true(got[1] == 101300.0 / 102800.0 - 1.0);
    assert_true(got[2] == 101300.0 / 100000.0 - 1.0);
    assert_true(fabs(got[0] - 0.028) < 1e-12);
    assert_true(fabs(got[1] - -0.0145914396887159) < 1e-12);
    assert_true(fabs(got[2] - 0.013) < 1e-12);
    /* Shown with one decimal: +2.8%, -1.5%, +1.3%. */
    assert_non_null(strstr(heat, ">+2.8%</td>"));
    assert_non_null(strstr(heat, ">-1.5%</td>"));
    assert_non_null(strstr(heat, ">+1.3%</td>"));
    /* Ten empty months in 2020. */
    const char *row_end = strstr(heat, "</tr>\n</table>");
    assert_non_null(row_end);
    size_t empty = 0;
    for (const char *p = strstr(heat, "<td></td>"); p && p < row_end;
         p = strstr(p + 1, "<td></td>"))
        empty++;
    assert_int_equal(empty, 10);
    free(out);
    fx_free(&fx);
}

/* A million points, twenty thousand trades: the page stays a few hundred
 * KB, each chart line at most 2 x 1000 points. */
#define BIG 1000000
#define BIG_TRADES 20000

typedef struct big {
    kr_backtest bt;
    kr_backtest_input in;
    kr_bars bars;
    kr_instrument inst;
} big;

static size_t max_polyline_points(const char *html)
{
    size_t most = 0;
    for (const char *p = strstr(html, "<polyline"); p;
         p = strstr(p + 1, "<polyline")) {
        const char *q = strstr(p, "points=\"") + 8;
        const char *e = strchr(q, '"');
        size_t n = 1;
        for (const char *c = q; c < e; c++)
            n += *c == ' ';
        if (n > most)
            most = n;
    }
    return most;
}

static void test_big_run(void **state)
{
    (void)state;
    big *b = calloc(1, sizeof *b);
    assert_non_null(b);
    kr_ts *ts = malloc(BIG * sizeof *ts);
    double *eq = malloc(BIG * sizeof *eq);
    kr_trade *tr = calloc(BIG_TRADES, sizeof *tr);
    assert_non_null(ts);
    assert_non_null(eq);
    assert_non_null(tr);
    assert_int_equal(kr_bars_init(&b->bars, 0, BIG, 0), KR_OK);
    uint64_t x = 42;
    double e = 1e6;
    for (size_t i = 0; i < BIG; i++) {
        ts[i] = kr_ts_from_civil(2000, 1, 3, 0, 0, 0, 0) +
                (int64_t)i * 5 * KR_NS_PER_MIN;
        x = x * 6364136223846793005u + 1442695040888963407u;
        e *= 1 + ((double)(x >> 11) / 9007199254740992.0 - 0.5) * 0.002;
        eq[i] = e;
        kr_bars_push(&b->bars, ts[i], e / 1e4, e / 1e4, e / 1e4, e / 1e4, 1,
                     0, 0);
    }
    for (size_t i = 0; i < BIG_TRADES; i++) {
        size_t at = i * (BIG / BIG_TRADES);
        tr[i] = (kr_trade){0, i % 2 ? KR_SELL : KR_BUY, ts[at], ts[at + 10],
                           eq[at] / 1e4, eq[at + 10] / 1e4, 1, 1, 0.01, 0, 10};
    }
    b->bt.npoints = BIG;
    b->bt.ts = ts;
    b->bt.equity = eq;
    b->bt.trades = tr;
    b->bt.ntrades = BIG_TRADES;
    kr_instrument_init(&b->inst, 0, 2, 0);
    b->in.bars = &b->bars;
    b->in.inst = &b->inst;
    b->in.n = 1;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(kr_report_html(f, &b->bt, NULL, &b->in, NULL), KR_OK);
    fclose(f);
    assert_true(len < 1500000);
    assert_true(max_polyline_points(out) <= 2 * 1000);
    /* Markers: at most 4 kinds per marker column of the price chart. */
    assert_true(fx_count(out, "<path class=\"mk ") <= 4 * 300);
    assert_non_null(strstr(out, "Showing the first 200 of 20000 trades; "
                                "19800 more in trades.csv."));
    free(out);
    kr_bars_free(&b->bars);
    free(ts);
    free(eq);
    free(tr);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_stats_table),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_big_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

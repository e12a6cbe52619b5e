/* test_csv.c -- the CSV loader and writer: every layout with known values,
 * every kind of bad input, exact number parsing, and write/read round trips.
 *
 * Expected values are the literal cells of the fixture files in tests/data
 * (each one a few rows copied from the source's own export format);
 * timestamps were computed with `date -u -d '...' +%s`.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/data.h"

#define SEC KR_NS_PER_SEC

static kr_dataset load_ok(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", KR_TEST_DATA, file);
    kr_dataset ds;
    kr_error err;
    int rc = kr_csv_load(path, NULL, &ds, &err);
    if (rc) {
        char buf[1024];
        kr_error_format(&err, buf, sizeof buf);
        fail_msg("%s", buf);
    }
    return ds;
}

static int load_str(const char *text, kr_dataset *ds, kr_error *err)
{
    return kr_csv_load_mem(text, strlen(text), "t.csv", NULL, ds, err);
}

static kr_ts day(int y, unsigned m, unsigned d)
{
    return kr_ts_from_civil(y, m, d, 0, 0, 0, 0);
}

/* ------------------------------------------------------------------------ */

static void test_yahoo(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("yahoo.csv");
    assert_int_equal(ds.layout, KR_LAYOUT_YAHOO);
    assert_true(ds.has_header);
    assert_int_equal(ds.nbars, 1);
    assert_int_equal(ds.rows, 3);
    assert_string_equal(kr_symtab_name(ds.symbols, ds.bars[0].symbol), "yahoo");
    const kr_bars *b = &ds.bars[0];
    assert_int_equal(b->n, 3);
    assert_true(b->ts[0] == day(2020, 1, 2));
    assert_true(b->ts[2] == day(2020, 1, 6));
    assert_true(b->open[0] == 74.059998);
    assert_true(b->high[0] == 75.150002);
    assert_true(b->low[1] == 74.125);
    assert_true(b->close[2] == 74.949997);
    assert_non_null(b->adj_close);
    assert_true(b->adj_close[1] == 73.269142);
    assert_true(b->volume[2] == 118387200.0);
    assert_int_equal(b->line[0], 2);
    assert_int_equal(b->line[2], 4);
    assert_int_equal(ds.issues_total, 0);
    kr_dataset_free(&ds);
}

static void test_binance_headerless_ms(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("BTCUSDT-1h-2024-01.csv");
    assert_int_equal(ds.layout, KR_LAYOUT_BINANCE);
    assert_false(ds.has_header);
    assert_string_equal(kr_symtab_name(ds.symbols, 0), "BTCUSDT");
    const kr_bars *b = &ds.bars[0];
    assert_int_equal(b->n, 2);
    /* 1704067200000 ms = 2024-01-01T00:00:00Z */
    assert_true(b->ts[0] == 1704067200 * SEC);
    assert_true(b->ts[1] == 1704070800 * SEC);
    assert_true(b->open[0] == 42283.58);
    assert_true(b->close[1] == 42613.56);
    assert_true(b->volume[0] == 1271.68108);
    assert_int_equal(b->line[0], 1);
    assert_null(b->adj_close);
    assert_int_equal(kr_bars_interval(b), KR_NS_PER_HOUR);
    kr_dataset_free(&ds);
}

static void test_binance_header_us(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("ETHUSDT-1m-2025-01-01.csv");
    assert_int_equal(ds.layout, KR_LAYOUT_BINANCE);
    assert_true(ds.has_header);
    assert_string_equal(kr_symtab_name(ds.symbols, 0), "ETHUSDT");
    const kr_bars *b = &ds.bars[0];
    /* 1735689600000000 us = 2025-01-01T00:00:00Z (Binance's 2025 format) */
    assert_true(b->ts[0] == 1735689600 * SEC);
    assert_true(b->ts[1] == 1735689660 * SEC);
    assert_true(b->high[1] == 93652.0);
    assert_true(b->volume[1] == 7.692);
    kr_dataset_free(&ds);
}

static void test_mt5_intraday_tickvol(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("EURUSD_M5.csv");
    assert_int_equal(ds.layout, KR_LAYOUT_MT5);
    assert_int_equal(ds.delimiter, '\t');
    assert_string_equal(kr_symtab_name(ds.symbols, 0), "EURUSD_M5");
    const kr_bars *b = &ds.bars[0];
    assert_int_equal(b->n, 2);
    assert_true(b->ts[0] == kr_ts_from_civil(2023, 3, 1, 0, 0, 0, 0));
    assert_true(b->ts[1] == kr_ts_from_civil(2023, 3, 1, 0, 5, 0, 0));
    assert_true(b->open[0] == 1.05765);
    assert_true(b->close[1] == 1.05802); /* the line ends in CRLF */
    /* <VOL> is 0 for forex, so the tick volume stands in. */
    assert_true(b->volume[0] == 412.0);
    assert_true(b->volume[1] == 388.0);
    kr_dataset_free(&ds);
}

static void test_mt5_daily_real_volume(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("US500_D1.csv");
    assert_int_equal(ds.layout, KR_LAYOUT_MT5);
    const kr_bars *b = &ds.bars[0];
    assert_true(b->ts[1] == day(2023, 3, 2));
    assert_true(b->high[0] == 4020.25);
    assert_true(b->volume[0] == 35000.0); /* <VOL> when it is non-zero */
    kr_dataset_free(&ds);
}

static void test_stooq_many_symbols(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("stooq.txt");
    assert_int_equal(ds.layout, KR_LAYOUT_STOOQ);
    assert_int_equal(ds.nbars, 2);
    assert_string_equal(kr_symtab_name(ds.symbols, ds.bars[0].symbol), "AAPL.US");
    assert_string_equal(kr_symtab_name(ds.symbols, ds.bars[1].symbol), "MSFT.US");
    assert_int_equal(ds.bars[0].n, 2);
    assert_int_equal(ds.bars[1].n, 1);
    assert_true(ds.bars[0].ts[1] == day(2023, 1, 4));
    assert_true(ds.bars[0].high[1] == 128.6557);
    assert_true(ds.bars[1].close[0] == 239.58);
    assert_true(ds.bars[1].volume[0] == 25740000.0);
    assert_int_equal(ds.bars[1].line[0], 4);
    kr_dataset_free(&ds);
}

static void test_semicolon_decimal_comma(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("semicolon_comma.csv");
    assert_int_equal(ds.delimiter, ';');
    assert_true(ds.decimal_comma);
    const kr_bars *b = &ds.bars[0];
    assert_true(b->open[0] == 1.5);
    assert_true(b->high[0] == 2.25);
    assert_true(b->low[1] == 1.75);
    assert_true(b->close[1] == 3.25);
    kr_dataset_free(&ds);
}

static void test_quotes(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("quotes.csv");
    assert_int_equal(ds.layout, KR_LAYOUT_QUOTES);
    assert_int_equal(ds.nbars, 0);
    assert_int_equal(ds.nquotes, 2);
    const kr_quotes *q = &ds.quotes[0];
    assert_string_equal(kr_symtab_name(ds.symbols, q->symbol), "AAPL");
    assert_int_equal(q->n, 2);
    kr_ts t0 = kr_ts_from_civil(2024, 3, 1, 14, 30, 0, 0);
    assert_true(q->ts[0] == t0);
    assert_true(q->ts[1] == t0 + 1500 * KR_NS_PER_MS);
    assert_true(q->bid[1] == 179.51);
    assert_true(q->ask[0] == 179.52);
    assert_true(isnan(q->bid_size[1])); /* empty cell */
    assert_true(q->ask_size[1] == 200.0);
    assert_true(ds.quotes[1].ts[0] == t0 + 250 * KR_NS_PER_MS);
    kr_dataset_free(&ds);
}

static void test_offsets(void **state)
{
    (void)state;
    kr_dataset ds = load_ok("offsets.csv");
    const kr_bars *b = &ds.bars[0];
    /* 09:30-05:00 = 14:30Z; 09:30+0100 = 08:30Z; 00:15+05:30 = 18:45Z the
     * day before. */
    assert_true(b->ts[0] == kr_ts_from_civil(2020, 3, 8, 14, 30, 0, 0));
    assert_true(b->ts[1] == kr_ts_from_civil(2020, 3, 9, 8, 30, 0, 0));
    assert_true(b->ts[2] == kr_ts_from_civil(2020, 3, 9, 18, 45, 0, 0));
    kr_dataset_free(&ds);
}

static void test_sample_sp500(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/data/sp500.csv", KR_SOURCE_DIR);
    kr_dataset ds;
    kr_error err;
    assert_int_equal(kr_csv_load(path, NULL, &ds, &err), KR_OK);
    assert_int_equal(ds.layout, KR_LAYOUT_GENERIC);
    assert_int_equal(ds.rows, 5105);
    const kr_bars *b = &ds.bars[0];
    assert_true(b->ts[0] == day(2000, 1, 3));
    assert_true(b->close[0] == 1455.219971);
    assert_true(b->ts[b->n - 1] == day(2020, 4, 17));
    assert_true(b->close[b->n - 1] == 2874.560059);
    assert_true(b->volume[b->n - 1] == 5792140000.0); /* no final newline */
    assert_true(kr_bars_is_sorted_unique(b));
    assert_int_equal(kr_bars_interval(b), KR_NS_PER_DAY);
    kr_dataset_free(&ds);
}

/* ------------------------------------------------------------------------
 * Generic layout details
 * ------------------------------------------------------------------------ */

static void test_generic_columns_any_order(void **state)
{
    (void)state;
    kr_dataset ds;
    kr_error err;
    const char *text = "\xEF\xBB\xBF" /* BOM */
                       "Volume,Close,Symbol,Low,High,Open,Time\n"
                       "\n"
                       "10,4,AAA,1,5,2,2021-06-01 10:00\n"
                       "20,\"6\",BBB,3,7,4,2021-06-01 10:00\n"
                       "  \n"
                       "30,5,AAA,2,6,3,2021-06-01 10:01\n";
    assert_int_equal(load_str(text, &ds, &err), KR_OK);
    assert_int_equal(ds.layout, KR_LAYOUT_GENERIC);
    assert_int_equal(ds.nbars, 2);
    const kr_bars *a = &ds.bars[0];
    assert_string_equal(kr_symtab_name(ds.symbols, a->symbol), "AAA");
    assert_int_equal(a->n, 2);
    assert_true(a->open[0] == 2 && a->high[0] == 5 && a->low[0] == 1 &&
                a->close[0] == 4 && a->volume[0] == 10);
    assert_int_equal(a->line[0], 3); /* physical lines, blanks counted */
    assert_int_equal(a->line[1], 6);
    assert_true(a->ts[1] == kr_ts_from_civil(2021, 6, 1, 10, 1, 0, 0));
    assert_true(ds.bars[1].close[0] == 6.0); /* quoted cell */
    kr_dataset_free(&ds);
}

static void test_separate_date_time_columns(void **state)
{
    (void)state;
    kr_dataset ds;
    kr_error err;
    assert_int_equal(load_str("date,time,open,high,low,close\n"
                              "2022-02-01,09:30,1,2,0.5,1.5\n"
                              "2022-02-01,093100,1,2,0.5,1.5\n",
                              &ds, &err),
                     KR_OK);
    assert_true(ds.bars[0].ts[0] == kr_ts_from_civil(2022, 2, 1, 9, 30, 0, 0));
    assert_true(ds.bars[0].ts[1] == kr_ts_from_civil(2022, 2, 1, 9, 31, 0, 0));
    assert_true(ds.bars[0].volume[0] == 0.0); /* no volume column */
    kr_dataset_free(&ds);
}

static void test_headerless_generic(void **state)
{
    (void)state;
    kr_dataset ds;
    kr_error err;
    assert_int_equal(load_str("20200102 170000;1.1;1.2;1.0;1.15;0\n"
                              "20200102 170100;1.15;1.25;1.1;1.2;0\n",
                              &ds, &err),
                     KR_OK);
    assert_false(ds.has_header);
    assert_int_equal(ds.bars[0].n, 2);
    assert_true(ds.bars[0].ts[1] ==
                kr_ts_from_civil(2020, 1, 2, 17, 1, 0, 0));
    kr_dataset_free(&ds);
}

static void test_bad_rows_are_listed(void **state)
{
    (void)state;
    kr_dataset ds;
    kr_error err;
    const char *text = "date,open,high,low,close,volume\n"
                       "2020-01-02,1,2,0.5,1.5,100\n"
                       "garbage line\n"
                       "2020-01-03,1,2,abc,1.5,100\n"
                       "2020-13-01,1,2,0.5,1.5,100\n"
                       "2020-01-06,1,2,,1.5,100\n"
                       "2020-01-07,1,2,\xff\xfe,1.5,100\n"
                       "2020-01-08,1,2,0.5,1.5,100\n";
    assert_int_equal(load_str(text, &ds, &err), KR_OK);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.issues_total, 5);
    assert_int_equal(ds.nissues, 5);
    /* "garbage line" has one field: the open column is missing. */
    assert_int_equal(ds.issues[0].line, 3);
    assert_int_equal(ds.issues[1].line, 4);
    assert_int_equal(ds.issues[1].column, 4);
    assert_string_equal(ds.issues[1].field, "low");
    assert_string_equal(ds.issues[1].msg, "expected a number, got 'abc'");
    assert_int_equal(ds.issues[2].line, 5);
    assert_string_equal(ds.issues[2].field, "timestamp");
    assert_int_equal(ds.issues[3].line, 6);
    assert_string_equal(ds.issues[3].msg, "empty; expected a number");
    assert_int_equal(ds.issues[4].line, 7);
    assert_string_equal(ds.issues[4].msg,
                        "expected a number, got '\\xff\\xfe'");
    assert_int_equal(ds.bars[0].line[1], 8);
    kr_dataset_free(&ds);
}

static void test_issue_limit(void **state)
{
    (void)state;
    size_t rows = 5000;
    char *text = malloc(40 * rows + 100);
    size_t o = (size_t)sprintf(text, "date,open,high,low,close\n2020-01-01,1,1,1,1\n");
    for (size_t i = 0; i < rows; i++)
        o += (size_t)sprintf(text + o, "x,1,1,1,1\n");
    kr_dataset ds;
    kr_error err;
    kr_csv_opts opts;
    kr_csv_opts_init(&opts);
    opts.max_issues = 10;
    assert_int_equal(kr_csv_load_mem(text, o, "t", &opts, &ds, &err), KR_OK);
    assert_int_equal(ds.nissues, 10);
    assert_int_equal(ds.issues_total, rows);
    assert_int_equal(ds.issues[9].line, 12);
    kr_dataset_free(&ds);
    free(text);
}

/* ------------------------------------------------------------------------
 * Bad files: one clear error, never a crash
 * ------------------------------------------------------------------------ */

static void expect_error(const char *buf, size_t len, int code,
                         const char *needle)
{
    kr_dataset ds;
    kr_error err;
    int rc = kr_csv_load_mem(buf, len, "bad.csv", NULL, &ds, &err);
    assert_int_equal(rc, code);
    char line[1200];
    kr_error_format(&err, line, sizeof line);
    if (!strstr(line, needle))
        fail_msg("'%s' does not contain '%s'", line, needle);
    assert_non_null(strstr(line, "bad.csv"));
    assert_null(strchr(line, '\n'));
    assert_null(ds.bars); /* freed on failure */
}

static void test_bad_files(void **state)
{
    (void)state;
    expect_error("", 0, KR_EEMPTY, "empty file");
    expect_error("\n\n  \n", 5, KR_EEMPTY, "only blank lines");
    expect_error("date,open,high,low,close\n", 25, KR_EEMPTY,
                 "no data rows after the header");
    expect_error("date,open,high,low,close\r\n\r\n", 28, KR_EEMPTY,
                 "no data rows");
    const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    expect_error(bin, sizeof bin - 1, KR_EFORMAT, "binary data");
    expect_error("name,age\nbob,4\n", 15, KR_EFORMAT, "no time column");
    expect_error("date,open,high,low\n2020-01-01,1,2,3\n", 36, KR_EFORMAT,
                 "missing column 'close'");
    expect_error("date\n2020-01-01\n", 16, KR_EFORMAT, "one column only");
    expect_error("ts,bid\n2020-01-01,1\n", 20, KR_EFORMAT, "'ask'");
    expect_error("date,open,high,low,close\nx,1,1,1,1\ny,1,1,1,1\n", 44,
                 KR_EPARSE, "no usable row: 2 rows");
    const char nonutf[] = "\xff\xfe\xfd,\xc3\x28\n\x80,1\n";
    expect_error(nonutf, sizeof nonutf - 1, KR_EFORMAT, "\\xff\\xfe\\xfd");
}

static void test_huge_line(void **state)
{
    (void)state;
    /* A 10 MB line, as a header and as a row: a short error or a listed row,
     * quickly, with the quoted text cut short. */
    size_t n = 10u << 20;
    char *buf = malloc(n + 64);
    memset(buf, 'a', n);
    buf[n] = '\n';
    expect_error(buf, n + 1, KR_EFORMAT, "...");
    int h = sprintf(buf, "date,open,high,low,close\n2020-01-01,1,1,1,1\n");
    memset(buf + h, '9', n);
    memcpy(buf + h + n, ",1\n", 3);
    kr_dataset ds;
    kr_error err;
    assert_int_equal(kr_csv_load_mem(buf, (size_t)h + n + 3, "big", NULL, &ds,
                                     &err),
                     KR_OK);
    assert_int_equal(ds.issues_total, 1);
    assert_int_equal(ds.issues[0].line, 3);
    assert_true(strlen(ds.issues[0].msg) < sizeof ds.issues[0].msg);
    kr_dataset_free(&ds);
    free(buf);
}

static void test_missing_and_directory(void **state)
{
    (void)state;
    kr_dataset ds;
    kr_error err;
    assert_int_equal(kr_csv_load("/nonexistent/x.csv", NULL, &ds, &err),
                     KR_ENOENT);
    assert_string_equal(err.file, "/nonexistent/x.csv");
    assert_non_null(strstr(err.msg, "No such file"));
    assert_int_equal(kr_csv_load(KR_TEST_DATA, NULL, &ds, &err), KR_EIO);
    assert_non_null(strstr(err.msg, "directory"));
    assert_int_equal(kr_csv_load("/dev/null", NULL, &ds, &err), KR_EEMPTY);
}

/* ------------------------------------------------------------------------
 * Numbers: the fast path must equal strtod exactly
 * ------------------------------------------------------------------------ */

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_numbers_match_strtod(void **state)
{
    (void)state;
    size_t rows = 20000;
    char *text = malloc(rows * 160 + 64);
    char (*cells)[40] = malloc(rows * sizeof *cells);
    size_t o = (size_t)sprintf(text, "date,open,high,low,close\n");
    for (size_t i = 0; i < rows; i++) {
        double v = (double)(next() % 100000000) / 1000.0 *
                   pow(10.0, (double)(int)(next() % 20) - 10);
        switch (i % 5) {
        case 0: snprintf(cells[i], sizeof cells[i], "%.17g", v); break;
        case 1: snprintf(cells[i], sizeof cells[i], "%.2f", v); break;
        case 2: snprintf(cells[i], sizeof cells[i], "%.6e", v); break;
        case 3: snprintf(cells[i], sizeof cells[i], "%.25f", v); break;
        default:
            snprintf(cells[i], sizeof cells[i], "%llu.%llu",
                     (unsigned long long)(next() % 100000000000000000ULL),
                     (unsigned long long)(next() % 1000000000ULL));
        }
        o += (size_t)sprintf(text + o, "%lld,%s,1,1,1\n",
                             (long long)(1600000000 + (long long)i), cells[i]);
    }
    kr_dataset ds;
    kr_error err;
    assert_int_equal(kr_csv_load_mem(text, o, "n", NULL, &ds, &err), KR_OK);
    assert_int_equal(ds.bars[0].n, rows);
    for (size_t i = 0; i < rows; i++) {
        double want = strtod(cells[i], NULL);
        if (ds.bars[0].open[i] != want)
            fail_msg("row %zu: '%s' parsed as %.17g, strtod says %.17g", i,
                     cells[i], ds.bars[0].open[i], want);
    }
    kr_dataset_free(&ds);
    free(text);
    free(cells);
}

/* ------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------ */

static void test_write_round_trip(void **state)
{
    (void)state;
    kr_dataset a = load_ok("stooq.txt");
    FILE *f = tmpfile();
    assert_non_null(f);
    const kr_bars *series[2] = {&a.bars[0], &a.bars[1]};
    assert_int_equal(kr_csv_write_bars(f, series, 2, a.symbols, 0), KR_OK);
    fflush(f);
    rewind(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_string_equal(text,
                        "timestamp,symbol,open,high,low,close,volume\n"
                        "2023-01-03,AAPL.US,130.28,130.9,124.17,125.07,112117500\n"
                        "2023-01-04,AAPL.US,126.89,128.6557,125.08,126.36,89113600\n"
                        "2023-01-03,MSFT.US,243.08,245.75,237.4,239.58,25740000\n");
    kr_dataset b;
    kr_error err;
    assert_int_equal(load_str(text, &b, &err), KR_OK);
    assert_int_equal(b.nbars, 2);
    for (size_t s = 0; s < 2; s++) {
        assert_int_equal(a.bars[s].n, b.bars[s].n);
        for (size_t i = 0; i < a.bars[s].n; i++) {
            assert_true(a.bars[s].ts[i] == b.bars[s].ts[i]);
            assert_true(a.bars[s].open[i] == b.bars[s].open[i]);
            assert_true(a.bars[s].close[i] == b.bars[s].close[i]);
            assert_true(a.bars[s].volume[i] == b.bars[s].volume[i]);
        }
    }
    kr_dataset_free(&a);
    kr_dataset_free(&b);
}

static void test_write_intraday_and_adj(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 4, KR_BARS_ADJ), KR_OK);
    kr_ts t = kr_ts_from_civil(2024, 5, 6, 13, 45, 30, 250 * KR_NS_PER_MS);
    assert_int_equal(kr_bars_push(&b, t, 0.1, 0.3, 0.05, 1.0 / 3, 7, 0.2, 0), KR_OK);
    FILE *f = tmpfile();
    const kr_bars *s = &b;
    assert_int_equal(kr_csv_write_bars(f, &s, 1, NULL, 0), KR_OK);
    rewind(f);
    char text[512];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_string_equal(text, "timestamp,open,high,low,close,adj_close,volume\n"
                              "2024-05-06T13:45:30.250Z,0.1,0.3,0.05,"
                              "0.3333333333333333,0.2,7\n");
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yahoo),
        cmocka_unit_test(test_binance_headerless_ms),
        cmocka_unit_test(test_binance_header_us),
        cmocka_unit_test(test_mt5_intraday_tickvol),
        cmocka_unit_test(test_mt5_daily_real_volume),
        cmocka_unit_test(test_stooq_many_symbols),
        cmocka_unit_test(test_semicolon_decimal_comma),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_sample_sp500),
        cmocka_unit_test(test_generic_columns_any_order),
        cmocka_unit_test(test_separate_date_time_columns),
        cmocka_unit_test(test_headerless_generic),
        cmocka_unit_test(test_bad_rows_are_listed),
        cmocka_unit_test(test_issue_limit),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_missing_and_directory),
        cmocka_unit_test(test_numbers_match_strtod),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_intraday_and_adj),
    };
    return cmocka_run_group_tests_name("data/csv", tests, NULL, NULL);
}

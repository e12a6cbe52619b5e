/* test_actions.c -- actions files, and adjustment for actions or adj close.
 *
 * The adjustment known answers are worked out by hand in the comments; the
 * prices were picked so that every factor (1/2, 31/32) and every product is
 * exact in binary, so they are compared exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kairos/data.h"

/* cmocka 1.1 has no double comparison: fails unless |got - want| <= eps
 * (NaN matches NaN), printing both values in full. */
#define assert_near(got, want, eps)                                            \
    check_near((got), (want), (eps), __FILE__, __LINE__)
static void check_near(double got, double want, double eps, const char *file,
                       int line)
{
    if ((isnan(got) && isnan(want)) || fabs(got - want) <= eps)
        return;
    print_error("%.17g != %.17g (tolerance %g)\n", got, want, eps);
    _fail(file, line);
}

#define D(y, mo, d) kr_ts_from_civil(y, mo, d, 0, 0, 0, 0)

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/kr_actions_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/actions.csv", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void write_file(const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Loads `text` expecting failure with `code` and the formatted message
 * "<path>" + `where_msg`. */
static void expect_error(const char *text, int code, int64_t line, int column,
                         const char *field, const char *where_msg)
{
    kr_actions a = {(kr_action *)1, 99};
    kr_error e;
    char got[1024], want[1024];
    write_file(text);
    assert_int_equal(kr_actions_load(path, &a, &e), code);
    assert_int_equal(e.code, code);
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, column);
    assert_string_equal(e.field, field);
    kr_error_format(&e, got, sizeof got);
    snprintf(want, sizeof want, "%s%s", path, where_msg);
    assert_string_equal(got, want);
    assert_null(a.v);
    assert_int_equal(a.n, 0);
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

static void test_load_every_form(void **state)
{
    (void)state;
    write_file("date,symbol,type,value\n"
               "2020-01-10,AAPL,split,2\n"     /* line 2 */
               "2020-01-05,AAPL,Split,3:2\n"   /* line 3 */
               "2020-01-20,MSFT,SPLIT,1:10\n"  /* line 4 */
               "2020-01-15,,split,2/1\n"       /* line 5 */
               "2020-01-07,AAPL,dividend,0.25\n" /* line 6 */
               "\n"
               "2020-01-07,MSFT,div,1.5\n"     /* line 8 */
               "2020-01-08, AAPL ,CASH,2e-1\n" /* line 9 */
               "# a comment line\n"
               "2020-01-09,\"AAPL\",split,\" 4 : 1 \"\n"); /* line 11 */
    kr_actions a;
    kr_error e;
    assert_int_equal(kr_actions_load(path, &a, &e), 0);
    assert_int_equal(a.n, 8);
    /* Sorted by date; the two on 2020-01-07 keep file order. */
    const struct {
        kr_ts ts;
        const char *sym;
        kr_action_kind kind;
        double value;
        int64_t line;
    } want[] = {
        {D(2020, 1, 5), "AAPL", KR_ACTION_SPLIT, 1.5, 3},
        {D(2020, 1, 7), "AAPL", KR_ACTION_DIVIDEND, 0.25, 6},
        {D(2020, 1, 7), "MSFT", KR_ACTION_DIVIDEND, 1.5, 8},
        {D(2020, 1, 8), "AAPL", KR_ACTION_DIVIDEND, 0.2, 9},
        {D(2020, 1, 9), "AAPL", KR_ACTION_SPLIT, 4, 11},
        {D(2020, 1, 10), "AAPL", KR_ACTION_SPLIT, 2, 2},
        {D(2020, 1, 15), "", KR_ACTION_SPLIT, 2, 5},
        {D(2020, 1, 20), "MSFT", KR_ACTION_SPLIT, 0.1, 4},
    };
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(a.v[i].ts, want[i].ts);
        assert_string_equal(a.v[i].symbol, want[i].sym);
        assert_int_equal(a.v[i].kind, want[i].kind);
        assert_near(a.v[i].value, want[i].value, 0);
        assert_int_equal(a.v[i].line, want[i].line);
    }
    kr_actions_free(&a);
    assert_null(a.v);
    assert_int_equal(a.n, 0);
}

/* Other delimiters and column names, a byte order mark, CRLF, no symbol
 * column (every action applies to every symbol) and a header-only file. */
static void test_load_variants(void **state)
{
    (void)state;
    kr_actions a;
    kr_error e;
    write_file("Ex_Date;Ticker;Action;Ratio\r\n"
               "2021-06-01;XYZ;split;1:4\r\n"
               "2021-06-02;\"BRK;B\";div;\" 0.5 \"\r\n");
    assert_int_equal(kr_actions_load(path, &a, &e), 0);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.v[0].symbol, "XYZ");
    assert_near(a.v[0].value, 0.25, 0);
    /* A quoted field may hold the delimiter; blanks inside are trimmed. */
    assert_string_equal(a.v[1].symbol, "BRK;B");
    assert_int_equal(a.v[1].kind, KR_ACTION_DIVIDEND);
    assert_near(a.v[1].value, 0.5, 0);
    assert_int_equal(a.v[1].line, 3);
    kr_actions_free(&a);

    write_file("\xef\xbb\xbf" "TIMESTAMP\tKIND\tAMOUNT\n"
               "2021-06-01T00:00:00Z\tdividend\t0.5\n");
    assert_int_equal(kr_actions_load(path, &a, &e), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.v[0].symbol, "");
    assert_int_equal(a.v[0].ts, D(2021, 6, 1));
    assert_int_equal(a.v[0].kind, KR_ACTION_DIVIDEND);
    assert_near(a.v[0].value, 0.5, 0);
    kr_actions_free(&a);

    write_file("time,kind,value,note\n");
    assert_int_equal(kr_actions_load(path, &a, &e), 0);
    assert_int_equal(a.n, 0);
    kr_actions_free(&a);
}

static void test_load_errors(void **state)
{
    (void)state;
    expect_error("date,symbol,type,value\n"
                 "2020-01-10,AAPL,split,2\n"
                 "2020-13-01,AAPL,split,2\n",
                 KR_EPARSE, 3, 1, "date",
                 ":3:1: field 'date': expected a date like 2020-01-02, got "
                 "'2020-13-01'");
    expect_error("date,symbol,type,value\n"
                 "2020-01-10,AAPL,merger,2\n",
                 KR_EPARSE, 2, 3, "type",
                 ":2:3: field 'type': expected split or dividend (also div, "
                 "cash), got 'merger'");
    expect_error("date,symbol,type,value\n"
                 "2020-01-10,AAPL,split,2\n"
                 "2020-01-11,AAPL,split,x\n",
                 KR_EPARSE, 3, 4, "value",
                 ":3:4: field 'value': expected a positive number or ratio "
                 "like 2:1, got 'x'");
    /* Zero, negative, non-finite and malformed values, each on line 2. */
    const char *bad_split[] = {"0", "-2", "inf", "nan", "1e999", "2:0",
                               "2:", ":1", "2:1:1", "0x10", "", "1,5"};
    for (size_t i = 0; i < sizeof bad_split / sizeof bad_split[0]; i++) {
        char text[128], msg[256];
        snprintf(text, sizeof text, "date;type;value\n2020-01-10;split;%s\n",
                 bad_split[i]);
        snprintf(msg, sizeof msg,
                 ":2:3: field 'value': expected a positive number or ratio "
                 "like 2:1, got '%s'",
                 bad_split[i]);
        expect_error(text, KR_EPARSE, 2, 3, "value", msg);
    }
    /* A dividend is an amount, never a ratio. */
    expect_error("date,type,value\n2020-01-10,dividend,2:1\n", KR_EPARSE, 2,
                 3, "value",
                 ":2:3: field 'value': expected a positive cash amount per "
                 "share like 0.25, got '2:1'");
    /* The header name is quoted as the file writes it; bytes are escaped. */
    expect_error("Date,Type,Value\n2020-01-10,split,\x01\n", KR_EPARSE, 2, 3,
                 "Value",
                 ":2:3: field 'Value': expected a positive number or ratio "
                 "like 2:1, got '\\x01'");
    /* Missing columns, reported on the header line. */
    expect_error("date,symbol,value\n2020-01-10,A,2\n", KR_EFORMAT, 1, 0,
                 "type",
                 ":1: field 'type': missing column: expected a header with "
                 "type (or action, kind)");
    expect_error("day,type,value\n", KR_EFORMAT, 1, 0, "date",
                 ":1: field 'date': missing column: expected a header with "
                 "date (or ex_date, timestamp, time)");
    expect_error("date,type\n", KR_EFORMAT, 1, 0, "value",
                 ":1: field 'value': missing column: expected a header with "
                 "value (or ratio, amount)");
    expect_error("date,type,value,ratio\n", KR_EFORMAT, 1, 4, "ratio",
                 ":1:4: field 'ratio': duplicate column: 'value' already "
                 "names field 3");
    /* A short row. */
    expect_error("date,symbol,type,value\n2020-01-10,A,split\n", KR_EPARSE, 2,
                 4, "value",
                 ":2:4: field 'value': missing value: the row has 3 fields, "
                 "the header names field 4");
    /* A symbol longer than KR_SYMBOL_MAX. */
    char text[256], msg[512], sym[70];
    memset(sym, 'S', 65);
    sym[65] = '\0';
    snprintf(text, sizeof text, "symbol,date,type,value\n%s,2020-01-10,"
             "split,2\n", sym);
    /* The quote is cut to 60 bytes and "...". */
    snprintf(msg, sizeof msg,
             ":2:1: field 'symbol': expected a symbol of at most 64 printable "
             "bytes (or nothing for every symbol), got '%.60s...'",
             sym);
    expect_error(text, KR_EPARSE, 2, 1, "symbol", msg);
    /* An empty file. */
    expect_error("\n \n", KR_EEMPTY, 0, 0, "",
                 ": empty file: expected a header like "
                 "date,symbol,type,value");
}

static void test_load_missing_file(void **state)
{
    (void)state;
    kr_actions a;
    kr_error e;
    char want[512];
    unlink(path);
    assert_int_equal(kr_actions_load(path, &a, &e), KR_ENOENT);
    assert_int_equal(e.code, KR_ENOENT);
    assert_string_equal(e.file, path);
    snprintf(want, sizeof want, "cannot open: %s", strerror(ENOENT));
    assert_string_equal(e.msg, want);
    assert_null(a.v);
}

/* ------------------------------------------------------------------------
 * Adjustment
 * ------------------------------------------------------------------------ */

/* Five daily bars: a 2-for-1 split goes ex on 01-08 and a $1 dividend on
 * 01-10. Raw prices halve at the split. */
static void five_bars(kr_bars *b)
{
    static const double r[5][5] = {
        {64, 66, 62, 64, 1000},    /* 2020-01-06 */
        {64, 68, 63, 66, 1200},    /* 2020-01-07 */
        {33, 34, 32, 33, 2600},    /* 2020-01-08, split ex-date */
        {33, 33.5, 31.5, 32, 2200}, /* 2020-01-09 */
        {31, 31.5, 30.5, 31, 2000}, /* 2020-01-10, dividend ex-date */
    };
    assert_int_equal(kr_bars_init(b, 0, 5, KR_BARS_ADJ), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(kr_bars_push(b, D(2020, 1, 6 + i), r[i][0], r[i][1],
                                      r[i][2], r[i][3], r[i][4], 7.0, 0),
                         0);
}

static void expect_row(const kr_bars *b, size_t i, double o, double h,
                       double l, double c, double v)
{
    assert_near(b->open[i], o, 0);
    assert_near(b->high[i], h, 0);
    assert_near(b->low[i], l, 0);
    assert_near(b->close[i], c, 0);
    assert_near(b->volume[i], v, 0);
}

static kr_action act(const char *sym, kr_ts ts, kr_action_kind k, double v)
{
    kr_action a;
    memset(&a, 0, sizeof a);
    snprintf(a.symbol, sizeof a.symbol, "%s", sym);
    a.ts = ts;
    a.kind = k;
    a.value = v;
    return a;
}

static void test_adjust_split_and_dividend(void **state)
{
    (void)state;
    kr_action v[] = {
        act("MSFT", D(2020, 1, 7), KR_ACTION_SPLIT, 10), /* another symbol */
        act("AAPL", D(2020, 1, 8), KR_ACTION_SPLIT, 2),
        act("", D(2020, 1, 10), KR_ACTION_DIVIDEND, 1), /* every symbol */
    };
    kr_actions a = {v, 3};
    kr_bars b;
    five_bars(&b);
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), 0);
    /* Dividend factor: 1 - 1 / 32 (close of 01-09) = 0.96875 for every bar
     * before 01-10. Split: bars before 01-08 also get prices / 2 and volume
     * * 2, so their price factor is 0.96875 / 2 = 0.484375. */
    expect_row(&b, 4, 31, 31.5, 30.5, 31, 2000); /* newest: unchanged */
    /* 33 * 0.96875, 33.5 * 0.96875, 31.5 * 0.96875, 32 * 0.96875 */
    expect_row(&b, 3, 31.96875, 32.453125, 30.515625, 31, 2200);
    /* 33, 34, 32, 33 times 0.96875 */
    expect_row(&b, 2, 31.96875, 32.9375, 31, 31.96875, 2600);
    /* 64, 68, 63, 66 times 0.484375; 1200 * 2 */
    expect_row(&b, 1, 31, 32.9375, 30.515625, 31.96875, 2400);
    /* 64, 66, 62, 64 times 0.484375; 1000 * 2 */
    expect_row(&b, 0, 31, 31.96875, 30.03125, 31, 2000);
    for (int i = 0; i < 5; i++)
        assert_near(b.adj_close[i], 7.0, 0); /* left alone */
    kr_bars_free(&b);
}

/* A dividend before a split is measured against the raw, pre-split close:
 * $2 on 01-07 against the close 64 of 01-06 gives 1 - 2/64 = 0.96875, so bar
 * 01-06 ends with 0.96875 * 0.5 = 0.484375 (its prices become 31, 31.96875,
 * 30.03125, 31); the other bars see only the split. */
static void test_adjust_dividend_before_split(void **state)
{
    (void)state;
    kr_action v[] = {
        act("AAPL", D(2020, 1, 7), KR_ACTION_DIVIDEND, 2),
        act("AAPL", D(2020, 1, 8), KR_ACTION_SPLIT, 2),
    };
    kr_actions a = {v, 2};
    kr_bars b;
    five_bars(&b);
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), 0);
    expect_row(&b, 0, 31, 31.96875, 30.03125, 31, 2000);
    expect_row(&b, 1, 32, 34, 31.5, 33, 2400);
    expect_row(&b, 2, 33, 34, 32, 33, 2600);
    expect_row(&b, 4, 31, 31.5, 30.5, 31, 2000);
    kr_bars_free(&b);
}

static void test_adjust_edges(void **state)
{
    (void)state;
    kr_bars b, ref;
    five_bars(&b);
    five_bars(&ref);

    /* No bar before the ex-date, or an ex-date on the first bar: no effect.
     * Actions of other symbols: no effect. */
    kr_action none[] = {
        act("AAPL", D(2019, 1, 1), KR_ACTION_DIVIDEND, 500),
        act("AAPL", D(2020, 1, 6), KR_ACTION_SPLIT, 3),
        act("MSFT", D(2020, 1, 9), KR_ACTION_SPLIT, 3),
    };
    kr_actions a = {none, 3};
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), 0);
    for (int i = 0; i < 5; i++)
        expect_row(&b, (size_t)i, ref.open[i], ref.high[i], ref.low[i],
                   ref.close[i], ref.volume[i]);

    /* A dividend at least the close before it: KR_ERANGE, nothing changed,
     * even though a valid split comes later in the list. */
    kr_action big[] = {
        act("AAPL", D(2020, 1, 8), KR_ACTION_DIVIDEND, 66), /* close 66 */
        act("AAPL", D(2020, 1, 9), KR_ACTION_SPLIT, 2),
    };
    a = (kr_actions){big, 2};
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), KR_ERANGE);
    big[0].value = 65.5;
    big[1].value = -1; /* now the split is invalid */
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), KR_EINVAL);
    for (int i = 0; i < 5; i++)
        expect_row(&b, (size_t)i, ref.open[i], ref.high[i], ref.low[i],
                   ref.close[i], ref.volume[i]);

    /* Actions out of date order are refused. */
    kr_action rev[] = {
        act("AAPL", D(2020, 1, 9), KR_ACTION_SPLIT, 2),
        act("AAPL", D(2020, 1, 8), KR_ACTION_SPLIT, 2),
    };
    a = (kr_actions){rev, 2};
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), KR_EINVAL);

    /* An unsorted series is refused and left as it was. */
    kr_action ok[] = {act("", D(2020, 1, 8), KR_ACTION_SPLIT, 2)};
    a = (kr_actions){ok, 1};
    b.ts[0] = D(2020, 2, 1);
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), KR_EINVAL);
    assert_near(b.open[1], 64, 0);
    kr_bars_free(&b);
    kr_bars_free(&ref);
}

/* Loading a file and adjusting with it gives the same numbers as the
 * in-memory actions of test_adjust_split_and_dividend. */
static void test_adjust_from_file(void **state)
{
    (void)state;
    write_file("date,symbol,type,value\n"
               "2020-01-10,,dividend,1\n"
               "2020-01-08,AAPL,split,2:1\n"
               "2020-01-07,MSFT,split,10\n");
    kr_actions a;
    kr_error e;
    assert_int_equal(kr_actions_load(path, &a, &e), 0);
    kr_bars b;
    five_bars(&b);
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "AAPL"), 0);
    expect_row(&b, 0, 31, 31.96875, 30.03125, 31, 2000);
    expect_row(&b, 3, 31.96875, 32.453125, 30.515625, 31, 2200);
    kr_bars_free(&b);
    /* For MSFT only the dividend (all symbols) and the 10:1 split apply. */
    five_bars(&b);
    assert_int_equal(kr_bars_adjust_actions(&b, &a, "MSFT"), 0);
    /* 01-06: 0.96875 / 10 = 0.096875; 64 * 0.096875 = 6.2 (rounded) */
    assert_near(b.close[0], 6.2, 1e-12);
    assert_near(b.volume[0], 10000, 0);
    /* 01-07: the dividend only: 64, 68, 63, 66 times 0.96875 */
    expect_row(&b, 1, 62, 65.875, 61.03125, 63.9375, 1200);
    kr_actions_free(&a);
    kr_bars_free(&b);
}

/* adj close: factor adj / close per row. */
static void test_adjust_adjclose(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 3, KR_BARS_ADJ), 0);
    /* factor 5 / 10 = 0.5: 11 -> 5.5, 12 -> 6, 9 -> 4.5 */
    assert_int_equal(kr_bars_push(&b, D(2020, 1, 2), 11, 12, 9, 10, 100, 5, 0),
                     0);
    /* factor 1: unchanged */
    assert_int_equal(kr_bars_push(&b, D(2020, 1, 3), 19, 21, 18, 20, 200, 20,
                                  0),
                     0);
    /* factor 6 / 8 = 0.75: 8 -> 6, 10 -> 7.5, 6 -> 4.5 */
    assert_int_equal(kr_bars_push(&b, D(2020, 1, 6), 8, 10, 6, 8, 300, 6, 0),
                     0);
    assert_int_equal(kr_bars_adjust_adjclose(&b), 0);
    expect_row(&b, 0, 5.5, 6, 4.5, 5, 100);
    expect_row(&b, 1, 19, 21, 18, 20, 200);
    expect_row(&b, 2, 6, 7.5, 4.5, 6, 300);
    assert_near(b.adj_close[2], 6, 0);

    /* A non-positive close or adj close anywhere: KR_EINVAL, no change. */
    b.close[1] = 0;
    assert_int_equal(kr_bars_adjust_adjclose(&b), KR_EINVAL);
    b.close[1] = 20;
    b.adj_close[2] = -1;
    assert_int_equal(kr_bars_adjust_adjclose(&b), KR_EINVAL);
    b.adj_close[2] = NAN;
    assert_int_equal(kr_bars_adjust_adjclose(&b), KR_EINVAL);
    expect_row(&b, 0, 5.5, 6, 4.5, 5, 100);
    kr_bars_free(&b);

    /* No adj close column at all. */
    assert_int_equal(kr_bars_init(&b, 0, 1, 0), 0);
    assert_int_equal(kr_bars_adjust_adjclose(&b), KR_EINVAL);
    kr_bars_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_every_form),
        cmocka_unit_test(test_load_variants),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_adjust_split_and_dividend),
        cmocka_unit_test(test_adjust_dividend_before_split),
        cmocka_unit_test(test_adjust_edges),
        cmocka_unit_test(test_adjust_from_file),
        cmocka_unit_test(test_adjust_adjclose),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

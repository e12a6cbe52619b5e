/* test_csv.c -- tests of src/report/csv.c: equity.csv, trades.csv and
 * orders.csv, byte for byte on the hand-made run of fixture.h.
 *
 * Doubles are written as the shortest text that reads back the same
 * (kr_format_double), so the expected strings below are what Python's
 * repr() gives for the same arithmetic; fixed-point prices are written at
 * their precision (raw 10050 at 2 places is "100.50").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "report/internal.h"

static int w_equity(FILE *f, const fixture *fx)
{
    return kr_report_equity_csv(f, &fx->bt);
}
static int w_trades(FILE *f, const fixture *fx)
{
    return kr_report_trades_csv(f, &fx->bt, &fx->in);
}
static int w_orders(FILE *f, const fixture *fx)
{
    return kr_report_orders_csv(f, &fx->bt, &fx->in);
}
static int w_trades_noname(FILE *f, const fixture *fx)
{
    return kr_report_trades_csv(f, &fx->bt, NULL);
}

static void test_equity(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_equity, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    char line[256];
    assert_string_equal(fx_line(out, 0, line, sizeof line),
                        "ts,equity,cash,exposure,drawdown");
    /* A new peak: drawdown exactly 0; exposure 50000 / 100000. */
    assert_string_equal(fx_line(out, 1, line, sizeof line),
                        "2020-01-01T00:00:00Z,100000,50000,0.5,0");
    assert_string_equal(fx_line(out, 15, line, sizeof line),
                        "2020-01-15T00:00:00Z,102800,51400,0.5,0");
    /* 102700 after a peak of 102800: 1 - 102700/102800 = 100/102800. */
    assert_string_equal(fx_line(out, 16, line, sizeof line),
                        "2020-02-01T00:00:00Z,102700,51350,0.5,"
                        "0.0009727626459143934");
    /* The last point: 1 - 101300/102800 = 1500/102800 = 0.01459143968... */
    assert_string_equal(fx_line(out, 30, line, sizeof line),
                        "2020-02-15T00:00:00Z,101300,50650,0.5,"
                        "0.014591439688715901");
    assert_null(fx_line(out, 31, line, sizeof line));
    free(out);

    /* Under KR_RECORD_EQUITY there is no cash column: cash and exposure
     * are empty, drawdown is still there. */
    fx.bt.cash = NULL;
    fx.bt.gross = NULL;
    out = fx_capture(w_equity, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    assert_string_equal(fx_line(out, 30, line, sizeof line),
                        "2020-02-15T00:00:00Z,101300,,,0.014591439688715901");
    free(out);
    fx_free(&fx);
}

static void test_trades(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_trades, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    char line[256];
    assert_string_equal(fx_line(out, 0, line, sizeof line),
                        "symbol,side,entry_ts,entry_price,exit_ts,exit_price,"
                        "qty,pnl,return,bars_held,costs");
    /* ret 970 / 10050 = 0.09651741293532339 (17 digits needed). */
    assert_string_equal(fx_line(out, 1, line, sizeof line),
                        "AAA,long,2020-01-02T00:00:00Z,100.5,"
                        "2020-01-10T00:00:00Z,110.25,100,970,"
                        "0.09651741293532339,6,5");
    /* The quote in the symbol is doubled and the field quoted. */
    assert_string_equal(fx_line(out, 2, line, sizeof line),
                        "\"<b>&\"\"x\",short,2020-01-15T00:00:00Z,50,"
                        "2020-02-03T00:00:00Z,45,200,996,0.0996,10,4");
    /* Open: empty exit_ts, exit price the mark. */
    assert_string_equal(fx_line(out, 3, line, sizeof line),
                        "AAA,long,2020-02-10T00:00:00Z,120,,118,50,-102,"
                        "-0.017,4,2");
    assert_null(fx_line(out, 4, line, sizeof line));
    free(out);

    /* Without names, symbols are S<id>. */
    out = fx_capture(w_trades_noname, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    assert_string_equal(fx_line(out, 2, line, sizeof line),
                        "S1,short,2020-01-15T00:00:00Z,50,"
                        "2020-02-03T00:00:00Z,45,200,996,0.0996,10,4");
    free(out);
    fx_free(&fx);
}

static void test_orders(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    int rc;
    char *out = fx_capture(w_orders, &fx, &rc, NULL);
    assert_int_equal(rc, KR_OK);
    char line[512];
    assert_string_equal(fx_line(out, 0, line, sizeof line),
                        "id,ts,symbol,side,type,tif,qty,limit_px,stop_px,"
                        "status,filled_qty,avg_px,role,parent,tag,reason");
    assert_string_equal(fx_line(out, 1, line, sizeof line),
                        "1,2020-01-01T00:00:00Z,AAA,buy,market,gtc,100,,,"
                        "filled,100,100.50,entry,,sma,");
    assert_string_equal(fx_line(out, 2, line, sizeof line),
                        "2,2020-01-14T00:00:00Z,\"<b>&\"\"x\",sell,limit,day,"
                        "200,50.00,,filled,200,50.00,entry,,,");
    assert_string_equal(fx_line(out, 3, line, sizeof line),
                        "3,2020-01-15T00:00:00Z,\"<b>&\"\"x\",buy,stop,gtc,"
                        "200,,45.00,filled,200,45.00,stop_loss,2,,");
    /* Nothing filled: no average price. */
    assert_string_equal(fx_line(out, 4, line, sizeof line),
                        "4,2020-02-04T00:00:00Z,AAA,buy,stop_limit,gtc,10,"
                        "121.00,120.50,canceled,0,,entry,,,");
    /* The reason holds commas and quotes: quoted, quotes doubled. */
    assert_string_equal(fx_line(out, 5, line, sizeof line),
                        "5,2020-02-05T00:00:00Z,AAA,buy,market,ioc,1000000,,,"
                        "rejected,0,,entry,,,"
                        "\"notional 1,000,000 > \"\"max\"\" 500,000\"");
    assert_null(fx_line(out, 6, line, sizeof line));
    free(out);
    fx_free(&fx);
}

/* A reader following RFC 4180 gets the fields back: split the quoted line
 * by hand and compare. */
static void test_csv_quoting(void **state)
{
    (void)state;
    static const char *const in[] = {"plain", "a,b", "say \"hi\"", "l1\nl2",
                                     "", "cr\r"};
    static const char *const want[] = {"plain", "\"a,b\"",
                                       "\"say \"\"hi\"\"\"", "\"l1\nl2\"",
                                       "", "\"cr\r\""};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        kr__csv_put(f, in[i]);
        fclose(f);
        assert_string_equal(buf, want[i]);
        free(buf);
    }
}

/* A stream that fails is reported as KR_EIO. */
static void test_stream_error(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx);
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL) {
        fx_free(&fx);
        skip();
    }
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(kr_report_orders_csv(f, &fx.bt, &fx.in), KR_EIO);
    fclose(f);
    assert_int_equal(kr_report_equity_csv(NULL, &fx.bt), KR_EINVAL);
    fx_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equity),
        cmocka_unit_test(test_trades),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_stream_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

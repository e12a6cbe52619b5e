/* test_quality.c -- data-quality checks: every check on small series built
 * in code, with the exact findings (check, severity, line, related line,
 * count) each must give.
 *
 * Dates used, with their weekdays: 2020-01-06 Mon, 2020-01-10 Fri, 2020-01-11
 * Sat, 2020-01-13 Mon, 2020-07-02 Thu, 2020-07-03 Fri, 2001-09-10 Mon,
 * 2001-09-17 Mon. Unless a test says otherwise a bar is flat (open = high =
 * low = close) and closes rise by 0.01 per row, so that no jump, stale run or
 * OHLC finding appears where none is meant.
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

#define MIN KR_NS_PER_MIN
#define DAY KR_NS_PER_DAY

static kr_ts D(int y, unsigned m, unsigned d)
{
    return kr_ts_from_civil(y, m, d, 0, 0, 0, 0);
}

static kr_ts DT(int y, unsigned m, unsigned d, unsigned h, unsigned mi)
{
    return kr_ts_from_civil(y, m, d, h, mi, 0, 0);
}

static void flat(kr_bars *b, kr_ts t, double c, int64_t line)
{
    assert_int_equal(kr_bars_push(b, t, c, c, c, c, 100, c, line), KR_OK);
}

/* Pushes a flat bar on every Monday to Friday in [from, to], lines counting
 * up from *line, closes rising from *px by 0.01. */
static void weekdays(kr_bars *b, kr_ts from, kr_ts to, int64_t *line,
                     double *px)
{
    for (kr_ts t = from; t <= to; t += DAY) {
        if (kr_weekday_of_day(kr_ts_day(t)) >= 5)
            continue;
        flat(b, t, *px, (*line)++);
        *px += 0.01;
    }
}

/* Pushes flat bars every `step` in [from, to]. */
static void every(kr_bars *b, kr_ts from, kr_ts to, int64_t step,
                  int64_t *line, double *px)
{
    for (kr_ts t = from; t <= to; t += step) {
        flat(b, t, *px, (*line)++);
        *px += 0.01;
    }
}

static size_t count_check(const kr_findings *f, kr_check c)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += f->v[i].check == c;
    return n;
}

/* The finding of check c on `line`, which must exist, with its severity and
 * related line. */
static const kr_finding *expect(const kr_findings *f, kr_check c,
                                kr_severity sev, int64_t line,
                                int64_t related)
{
    for (size_t i = 0; i < f->n; i++) {
        const kr_finding *x = &f->v[i];
        if (x->check != c || x->line != line)
            continue;
        assert_int_equal(x->severity, sev);
        assert_int_equal(x->related, related);
        return x;
    }
    fail_msg("no %s finding on line %lld", kr_check_info_of(c)->name,
             (long long)line);
    return NULL;
}

static void run(const kr_bars *b, const kr_quality_opts *o, kr_findings *f)
{
    kr_findings_init(f);
    assert_int_equal(kr_quality_check_bars(b, o, f), KR_OK);
}

/* ------------------------------------------------------------------------
 * Table, severities, findings
 * ------------------------------------------------------------------------ */

static void test_table(void **state)
{
    (void)state;
    size_t n = 0;
    const kr_check_info *t = kr_check_table(&n);
    assert_int_equal(n, KR_CHECK__COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(kr_check_info_of((kr_check)i), &t[i]);
        assert_non_null(t[i].name);
        assert_non_null(t[i].applies);
        assert_true(strlen(t[i].description) > 20);
        for (const char *p = t[i].name; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t[i].name, t[j].name);
    }
    assert_null(kr_check_info_of(KR_CHECK__COUNT));
    assert_null(kr_check_info_of((kr_check)-1));
    assert_string_equal(t[KR_CHECK_DUPLICATE].name, "duplicate_timestamp");
    assert_string_equal(t[KR_CHECK_GAP].name, "calendar_gap");
    assert_int_equal(t[KR_CHECK_NONPOSITIVE_PRICE].severity, KR_SEV_CRITICAL);
    assert_int_equal(t[KR_CHECK_OFF_CALENDAR].severity, KR_SEV_LOW);
    assert_int_equal(t[KR_CHECK_STALE].severity, KR_SEV_MEDIUM);
    assert_string_equal(t[KR_CHECK_UNPARSABLE].applies, "rows");
}

/* docs/data-quality.md must show the table as it is: one row per check. */
static void test_docs_match_table(void **state)
{
    (void)state;
    FILE *fp = fopen(KR_SOURCE_DIR "/docs/data-quality.md", "rb");
    assert_non_null(fp);
    static char doc[65536];
    size_t len = fread(doc, 1, sizeof doc - 1, fp);
    fclose(fp);
    doc[len] = '\0';
    size_t n;
    const kr_check_info *t = kr_check_table(&n);
    for (size_t i = 0; i < n; i++) {
        char row[512];
        snprintf(row, sizeof row, "| `%s` | %s | %s | %s |\n", t[i].name,
                 kr_severity_name(t[i].severity), t[i].applies,
                 t[i].description);
        if (!strstr(doc, row))
            fail_msg("docs/data-quality.md lacks the row: %s", row);
    }
}

static void test_severity(void **state)
{
    (void)state;
    kr_severity s;
    for (int i = KR_SEV_LOW; i <= KR_SEV_CRITICAL; i++) {
        assert_int_equal(kr_severity_parse(kr_severity_name((kr_severity)i),
                                           &s), KR_OK);
        assert_int_equal(s, i);
    }
    assert_int_equal(kr_severity_parse("HIGH", &s), KR_OK);
    assert_int_equal(s, KR_SEV_HIGH);
    s = KR_SEV_LOW;
    assert_int_equal(kr_severity_parse("severe", &s), KR_EINVAL);
    assert_int_equal(s, KR_SEV_LOW);
    assert_int_equal(kr_severity_parse(NULL, &s), KR_EINVAL);
    assert_string_equal(kr_severity_name((kr_severity)7), "unknown");
    assert_string_equal(kr_severity_name(KR_SEV_CRITICAL), "critical");
}

static void test_findings_basics(void **state)
{
    (void)state;
    kr_findings f;
    kr_findings_init(&f);
    assert_int_equal(f.limit_per_check, 10000);
    assert_int_equal(kr_findings_worst(&f), -1);
    assert_int_equal(kr_findings_add(&f, KR_CHECK__COUNT, KR_SEV_LOW, 0, 1, 0,
                                     0, "x"), KR_EINVAL);
    assert_int_equal(kr_findings_add(&f, KR_CHECK_GAP, (kr_severity)4, 0, 1, 0,
                                     0, "x"), KR_EINVAL);
    assert_int_equal(f.n, 0);
    assert_int_equal(kr_findings_add(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 1, 9, 8,
                                     0, "moved %d%%", 50), KR_OK);
    assert_int_equal(kr_findings_add(&f, KR_CHECK_GAP, KR_SEV_LOW, 1, 3, 2, 0,
                                     "gap"), KR_OK);
    assert_int_equal(kr_findings_add(&f, KR_CHECK_DUPLICATE, KR_SEV_MEDIUM, 1,
                                     9, 4, 0, "dup"), KR_OK);
    assert_int_equal(kr_findings_worst(&f), KR_SEV_HIGH);
    assert_string_equal(f.v[0].msg, "moved 50%");
    /* By line, then by check (duplicate_timestamp before price_jump). */
    kr_findings_sort(&f);
    assert_int_equal(f.v[0].line, 3);
    assert_int_equal(f.v[1].check, KR_CHECK_DUPLICATE);
    assert_int_equal(f.v[2].check, KR_CHECK_JUMP);
    assert_int_equal(f.by_severity[KR_SEV_LOW], 1);
    assert_int_equal(f.by_severity[KR_SEV_MEDIUM], 1);
    assert_int_equal(f.by_severity[KR_SEV_HIGH], 1);
    /* Long messages are cut, not overflowed. */
    char big[400];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(kr_findings_add(&f, KR_CHECK_GAP, KR_SEV_LOW, 1, 3, 2, 0,
                                     "%s", big), KR_OK);
    assert_int_equal(strlen(f.v[3].msg), sizeof f.v[3].msg - 1);
    kr_findings_free(&f);
    assert_int_equal(f.n, 0);
    assert_null(f.v);
    assert_int_equal(f.limit_per_check, 10000);
    assert_int_equal(kr_findings_worst(&f), -1);
}

static void test_limit_per_check(void **state)
{
    (void)state;
    kr_bars b;
    assert_int_equal(kr_bars_init(&b, 0, 16, KR_BARS_LINES), KR_OK);
    /* Ten rows with negative volume: ten findings, three kept. */
    for (int i = 0; i < 10; i++)
        assert_int_equal(kr_bars_push(&b, D(2020, 1, 6) + i * MIN, 10 + i,
                                      10 + i, 10 + i, 10 + i, -1, 0, i + 2),
                         KR_OK);
    kr_findings f;
    kr_findings_init(&f);
    f.limit_per_check = 3;
    assert_int_equal(kr_quality_check_bars(&b, NULL, &f), KR_OK);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.total_by_check[KR_CHECK_NEGATIVE_VOLUME], 10);
    assert_int_equal(f.by_severity[KR_SEV_HIGH], 10);
    assert_int_equal(f.v[2].line, 4); /* the first three rows are kept */
    /* kr_findings_add beyond the limit counts and succeeds. */
    assert_int_equal(kr_findings_add(&f, KR_CHECK_NEGATIVE_VOLUME,
                                     KR_SEV_HIGH, 0, 99, 0, 0, "x"), KR_OK);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.total_by_check[KR_CHECK_NEGATIVE_VOLUME], 11);
    /* Other checks have their own quota. */
    assert_int_equal(kr_findings_add(&f, KR_CHECK_GAP, KR_SEV_LOW, 0, 99, 0,
                                     0, "x"), KR_OK);
    assert_int_equal(f.n, 4);
    /* 0 is no limit. */
    kr_findings_free(&f);
    f.limit_per_check = 0;
    assert_int_equal(kr_quality_check_bars(&b, NULL, &f), KR_OK);
    assert_int_equal(f.n, 10);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_bad_options(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, 0);
    kr_findings f;
    kr_findings_init(&f);
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    assert_string_equal(o.calendar.name, "equity");
    assert_true(o.jump == 0.2 && o.stale_bars == 5 && o.max_spread == 0.05 &&
                o.max_quote_age == 30 * KR_NS_PER_SEC && o.gap_medium == 2 &&
                o.gap_high == 6 && !o.actions && !o.symbols);
    o.jump = 0;
    assert_int_equal(kr_quality_check_bars(&b, &o, &f), KR_EINVAL);
    kr_quality_opts_init(&o);
    o.jump = NAN;
    assert_int_equal(kr_quality_check_bars(&b, &o, &f), KR_EINVAL);
    kr_quality_opts_init(&o);
    o.gap_high = 1;
    assert_int_equal(kr_quality_check_bars(&b, &o, &f), KR_EINVAL);
    kr_quality_opts_init(&o);
    o.stale_bars = 0;
    assert_int_equal(kr_quality_check_bars(&b, &o, &f), KR_EINVAL);
    kr_quality_opts_init(&o);
    o.calendar.weekdays = 0;
    assert_int_equal(kr_quality_check_bars(&b, &o, &f), KR_EINVAL);
    kr_quality_opts_init(&o);
    o.max_quote_age = 0;
    assert_int_equal(kr_quality_check_bars(&b, &o, &f), KR_EINVAL);
    assert_int_equal(kr_quality_check_bars(NULL, NULL, &f), KR_EINVAL);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Bars: row checks
 * ------------------------------------------------------------------------ */

static void test_clean_series(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES | KR_BARS_ADJ);
    int64_t line = 2;
    double px = 100;
    weekdays(&b, D(2020, 1, 6), D(2020, 3, 27), &line, &px);
    /* Real-looking OHLC on one bar: open 100.5, high 101, low 99, close
     * 100.6. */
    b.open[3] = 100.5;
    b.high[3] = 101;
    b.low[3] = 99;
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 0);
    for (int s = 0; s < 4; s++)
        assert_int_equal(f.by_severity[s], 0);
    assert_int_equal(kr_findings_worst(&f), -1);
    /* Empty and one-row series are clean too. */
    kr_bars e;
    kr_bars_init(&e, 0, 16, 0);
    assert_int_equal(kr_quality_check_bars(&e, NULL, &f), KR_OK);
    flat(&e, D(2020, 1, 6), 10, 0);
    assert_int_equal(kr_quality_check_bars(&e, NULL, &f), KR_OK);
    assert_int_equal(f.n, 0);
    kr_bars_free(&e);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_out_of_order(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    flat(&b, D(2020, 1, 6), 10.00, 2);
    flat(&b, D(2020, 1, 7), 10.01, 3);
    flat(&b, D(2020, 1, 9), 10.03, 4);
    flat(&b, D(2020, 1, 8), 10.02, 5); /* earlier than line 4 */
    flat(&b, D(2020, 1, 10), 10.04, 6);
    kr_findings f;
    run(&b, NULL, &f);
    /* Only the out-of-order row: in time order there is no gap. */
    assert_int_equal(f.n, 1);
    const kr_finding *x = expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 5, 4);
    assert_int_equal(x->ts, D(2020, 1, 8));
    assert_string_equal(x->msg, "timestamp 2020-01-08 is earlier than "
                                "2020-01-09 on line 4 above it");
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_chunks_swapped(void **state)
{
    (void)state;
    /* Two files concatenated in the wrong order: Jan 13-15, then Jan 6-10.
     * One step back in time; in time order the series is clean (Fri 10 to
     * Mon 13 is a weekend, and closes rise by 0.01 in time order). */
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    flat(&b, D(2020, 1, 13), 10.05, 2);
    flat(&b, D(2020, 1, 14), 10.06, 3);
    flat(&b, D(2020, 1, 15), 10.07, 4);
    for (unsigned d = 6; d <= 10; d++)
        flat(&b, D(2020, 1, d), 10.00 + (d - 6) * 0.01, 5 + (d - 6));
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 5, 4);
    kr_findings_free(&f);
    kr_bars_free(&b);
    /* The same without Wed Jan 8 in the second chunk: one session missing,
     * found in time order between Jan 7 (line 6) and Jan 9 (line 7). */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    flat(&b, D(2020, 1, 13), 10.05, 2);
    flat(&b, D(2020, 1, 14), 10.06, 3);
    flat(&b, D(2020, 1, 15), 10.07, 4);
    flat(&b, D(2020, 1, 6), 10.00, 5);
    flat(&b, D(2020, 1, 7), 10.01, 6);
    flat(&b, D(2020, 1, 9), 10.03, 7);
    flat(&b, D(2020, 1, 10), 10.04, 8);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 2);
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 5, 4);
    const kr_finding *x = expect(&f, KR_CHECK_GAP, KR_SEV_LOW, 7, 6);
    assert_string_equal(x->msg, "1 session missing between 2020-01-07 and "
                                "2020-01-09 (equity calendar)");
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_lines_absent(void **state)
{
    (void)state;
    /* Without a line column, row i is reported as line i + 1. */
    kr_bars b;
    kr_bars_init(&b, 0, 16, 0);
    flat(&b, D(2020, 1, 6), 10.00, 0);
    flat(&b, D(2020, 1, 8), 10.01, 0);
    flat(&b, D(2020, 1, 7), 10.02, 0);
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 3, 2);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_duplicates(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    flat(&b, D(2020, 1, 6), 10.00, 2);
    flat(&b, D(2020, 1, 7), 10.01, 3);
    flat(&b, D(2020, 1, 8), 10.02, 4);
    flat(&b, D(2020, 1, 7), 10.01, 5); /* same as line 3, not adjacent */
    flat(&b, D(2020, 1, 9), 10.03, 6);
    assert_int_equal(kr_bars_push(&b, D(2020, 1, 9), 10.03, 10.5, 10.03, 10.5,
                                  200, 0, 7), KR_OK); /* conflicts */
    flat(&b, D(2020, 1, 7), 10.01, 8); /* a third copy of line 3 */
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(count_check(&f, KR_CHECK_DUPLICATE), 3);
    const kr_finding *x = expect(&f, KR_CHECK_DUPLICATE, KR_SEV_HIGH, 5, 3);
    assert_string_equal(x->msg,
                        "timestamp 2020-01-07 already on line 3; identical copy");
    expect(&f, KR_CHECK_DUPLICATE, KR_SEV_HIGH, 8, 3);
    x = expect(&f, KR_CHECK_DUPLICATE, KR_SEV_HIGH, 7, 6);
    assert_string_equal(x->msg, "timestamp 2020-01-09 already on line 6; "
                                "conflicting: high 10.5 vs 10.03, close 10.5 "
                                "vs 10.03, volume 200 vs 100");
    /* Lines 5 and 8 also step back in time. Nothing else: the first copy
     * of each timestamp stands in the time-ordered checks. */
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 5, 4);
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 8, 7);
    assert_int_equal(f.n, 5);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_ohlc(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    /* high 10.5 below close 11 */
    kr_bars_push(&b, D(2020, 1, 6), 10, 10.5, 9.5, 11, 1, 0, 2);
    /* low 10.5 above open 10 */
    kr_bars_push(&b, D(2020, 1, 7), 10, 12, 10.5, 11, 1, 0, 3);
    /* high 9 below low 11 (and so both of the above) */
    kr_bars_push(&b, D(2020, 1, 8), 10, 9, 11, 10.2, 1, 0, 4);
    /* fine: open = high, close = low */
    kr_bars_push(&b, D(2020, 1, 9), 10.4, 10.4, 10.1, 10.1, 1, 0, 5);
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 3);
    const kr_finding *x = expect(&f, KR_CHECK_OHLC, KR_SEV_HIGH, 2, 0);
    assert_string_equal(x->msg, "OHLC inconsistent: high 10.5 < close 11");
    x = expect(&f, KR_CHECK_OHLC, KR_SEV_HIGH, 3, 0);
    assert_string_equal(x->msg, "OHLC inconsistent: low 10.5 > open 10");
    x = expect(&f, KR_CHECK_OHLC, KR_SEV_HIGH, 4, 0);
    assert_string_equal(x->msg, "OHLC inconsistent: high 9 < close 10.2; "
                                "low 11 > open 10; high 9 < low 11");
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_non_positive_and_volume(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES | KR_BARS_ADJ);
    kr_bars_push(&b, D(2020, 1, 6), 10, 10, 10, 10, 1, 10, 2);
    kr_bars_push(&b, D(2020, 1, 7), 0, 0, 0, 0, 1, 10, 3);       /* zeros */
    kr_bars_push(&b, D(2020, 1, 8), NAN, 10, 10, 10, 1, 10, 4);  /* NaN */
    kr_bars_push(&b, D(2020, 1, 9), 10, 10, 10, 10, 1, -1, 5);   /* adj */
    kr_bars_push(&b, D(2020, 1, 10), 10, 10, 10, 10, -5, 10, 6); /* volume */
    kr_bars_push(&b, D(2020, 1, 13), 10, 10, 10, 10, INFINITY, 10, 7);
    kr_bars_push(&b, D(2020, 1, 14), 10, INFINITY, 10, 10, 1, 10, 8);
    kr_findings f;
    run(&b, NULL, &f);
    const kr_finding *x =
        expect(&f, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL, 3, 0);
    assert_string_equal(x->msg, "price not positive and finite: open 0, "
                                "high 0, low 0, close 0");
    x = expect(&f, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL, 4, 0);
    assert_string_equal(x->msg, "price not positive and finite: open NaN");
    x = expect(&f, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL, 5, 0);
    assert_string_equal(x->msg, "price not positive and finite: adj close -1");
    expect(&f, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL, 8, 0);
    x = expect(&f, KR_CHECK_NEGATIVE_VOLUME, KR_SEV_HIGH, 6, 0);
    assert_string_equal(x->msg, "volume -5 is negative");
    x = expect(&f, KR_CHECK_NEGATIVE_VOLUME, KR_SEV_HIGH, 7, 0);
    assert_string_equal(x->msg, "volume inf is not a finite number");
    assert_int_equal(count_check(&f, KR_CHECK_NONPOSITIVE_PRICE), 4);
    assert_int_equal(count_check(&f, KR_CHECK_NEGATIVE_VOLUME), 2);
    /* The zero close is no jump (jumps need two positive closes), and
     * close 10 repeats on 4 bars only, under stale_bars. An infinite high
     * (line 8) is also no OHLC finding: non-finite rows are left to the
     * price check. */
    assert_int_equal(f.n, 6);
    assert_int_equal(kr_findings_worst(&f), KR_SEV_CRITICAL);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Bars: jumps and splits
 * ------------------------------------------------------------------------ */

static void test_jump_both_directions(void **state)
{
    (void)state;
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    flat(&b, D(2020, 1, 6), 1400.00, 2);
    flat(&b, D(2020, 1, 7), 1401.00, 3);
    flat(&b, D(2020, 1, 8), 1402.11, 4);
    flat(&b, D(2020, 1, 9), 2103.17, 5); /* 2103.17/1402.11 = 1.50000 */
    flat(&b, D(2020, 1, 10), 1402.00, 6); /* 1402/2103.17 - 1 = -33.34% */
    flat(&b, D(2020, 1, 13), 1682.00, 7); /* +19.97%: under 20% */
    flat(&b, D(2020, 1, 14), 1345.00, 8); /* -20.04%: over */
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 3);
    const kr_finding *x = expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 5, 4);
    assert_string_equal(x->msg, "close moved +50.0% from 1402.11 (line 4) to "
                                "2103.17");
    assert_int_equal(x->ts, D(2020, 1, 9));
    x = expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 6, 5);
    assert_string_equal(x->msg, "close moved -33.3% from 2103.17 (line 5) to "
                                "1402");
    x = expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 8, 7);
    assert_string_equal(x->msg, "close moved -20.0% from 1682 (line 7) to "
                                "1345");
    kr_findings_free(&f);
    /* A tighter threshold flags the +19.97% move too. */
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    o.jump = 0.1;
    run(&b, &o, &f);
    assert_int_equal(count_check(&f, KR_CHECK_JUMP), 4);
    expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 7, 6);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

/* A 2-for-1 split between Tue 2020-01-07 and Wed 2020-01-08. */
static void split_series(kr_bars *b, unsigned flags)
{
    kr_bars_init(b, 0, 16, KR_BARS_LINES | flags);
    kr_bars_push(b, D(2020, 1, 6), 100, 100, 100, 100, 1, 50.0, 2);
    kr_bars_push(b, D(2020, 1, 7), 101, 101, 101, 101, 1, 50.5, 3);
    kr_bars_push(b, D(2020, 1, 8), 51, 51, 51, 51, 1, 51.0, 4);
    kr_bars_push(b, D(2020, 1, 9), 52, 52, 52, 52, 1, 52.0, 5);
}

static void test_split_adj_close(void **state)
{
    (void)state;
    kr_bars b;
    kr_findings f;
    /* Without an adjusted close the split is a -49.5% jump. */
    split_series(&b, 0);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 4, 3);
    kr_findings_free(&f);
    kr_bars_free(&b);
    /* The adjusted close moves 51/50.5 - 1 = +1%: explained. */
    split_series(&b, KR_BARS_ADJ);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    /* An adjusted close that jumps too explains nothing. */
    b.adj_close[2] = 25.5;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 4, 3);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_split_actions(void **state)
{
    (void)state;
    kr_symtab *syms = kr_symtab_new();
    uint32_t aapl, msft;
    kr_symtab_intern(syms, "AAPL", 4, &aapl);
    kr_symtab_intern(syms, "MSFT", 4, &msft);
    kr_bars b;
    split_series(&b, 0);
    b.symbol = aapl;
    kr_action act[2] = {{.symbol = "AAPL", .ts = D(2020, 1, 8),
                         .kind = KR_ACTION_SPLIT, .value = 2, .line = 2}};
    kr_actions acts = {act, 1};
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    o.actions = &acts;
    o.symbols = syms;
    kr_findings f;

    /* The split of this symbol with ex-date in (Jan 7, Jan 8] explains. */
    run(&b, &o, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    /* Without the symbol table the action cannot be matched by name. */
    o.symbols = NULL;
    run(&b, &o, &f);
    assert_int_equal(count_check(&f, KR_CHECK_JUMP), 1);
    kr_findings_free(&f);
    o.symbols = syms;
    /* Another symbol's split does not explain. */
    b.symbol = msft;
    run(&b, &o, &f);
    expect(&f, KR_CHECK_JUMP, KR_SEV_HIGH, 4, 3);
    kr_findings_free(&f);
    /* An action with an empty symbol applies to every series. */
    act[0].symbol[0] = '\0';
    run(&b, &o, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    /* The window is (previous bar, this bar]: an ex-date on the previous bar
     * or after this bar does not explain; a dividend never does. */
    act[0].ts = D(2020, 1, 7);
    run(&b, &o, &f);
    assert_int_equal(f.n, 1);
    kr_findings_free(&f);
    act[0].ts = D(2020, 1, 8) + 1;
    run(&b, &o, &f);
    assert_int_equal(f.n, 1);
    kr_findings_free(&f);
    act[0].ts = D(2020, 1, 7) + 12 * KR_NS_PER_HOUR; /* inside */
    run(&b, &o, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    act[0].kind = KR_ACTION_DIVIDEND;
    run(&b, &o, &f);
    assert_int_equal(f.n, 1);
    kr_findings_free(&f);
    /* Of two actions in the window, the split is found after the dividend. */
    act[1] = act[0];
    act[1].kind = KR_ACTION_SPLIT;
    act[1].ts = D(2020, 1, 8);
    acts.n = 2;
    run(&b, &o, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    kr_bars_free(&b);
    kr_symtab_free(syms);
}

/* ------------------------------------------------------------------------
 * Bars: gaps and days off the calendar
 * ------------------------------------------------------------------------ */

static void test_gap_daily_severities(void **state)
{
    (void)state;
    kr_bars b;
    kr_findings f;
    int64_t line;
    double px;

    /* One missing session: Thu 2020-07-02, then Mon 2020-07-06 (the Friday
     * holiday is not in the plain equity calendar). Low. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2, px = 100;
    weekdays(&b, D(2020, 6, 1), D(2020, 7, 2), &line, &px);
    int64_t before = line - 1;
    weekdays(&b, D(2020, 7, 6), D(2020, 7, 10), &line, &px);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    const kr_finding *x = expect(&f, KR_CHECK_GAP, KR_SEV_LOW, before + 1,
                                 before);
    assert_string_equal(x->msg, "1 session missing between 2020-07-02 and "
                                "2020-07-06 (equity calendar)");
    assert_int_equal(x->ts, D(2020, 7, 6));
    kr_findings_free(&f);
    /* With 2020-07-03 as a holiday there is no gap. */
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    int64_t hol[] = {kr_ts_day(D(2020, 7, 3))};
    o.calendar.holidays = hol;
    o.calendar.nholidays = 1;
    run(&b, &o, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* September 2001: Mon the 10th, then Mon the 17th. Four sessions,
     * medium (gap_medium 2 <= 4 < gap_high 6). */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2, px = 100;
    weekdays(&b, D(2001, 8, 20), D(2001, 9, 10), &line, &px);
    before = line - 1;
    weekdays(&b, D(2001, 9, 17), D(2001, 9, 28), &line, &px);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_MEDIUM, before + 1, before);
    assert_string_equal(x->msg, "4 sessions missing between 2001-09-10 and "
                                "2001-09-17 (equity calendar)");
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* A two-week hole: Fri 2020-01-03, then Mon 2020-01-20. Ten sessions
     * (Jan 6-10, 13-17), high. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2, px = 100;
    weekdays(&b, D(2019, 12, 2), D(2020, 1, 3), &line, &px);
    before = line - 1;
    weekdays(&b, D(2020, 1, 20), D(2020, 1, 31), &line, &px);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_HIGH, before + 1, before);
    assert_string_equal(x->msg, "10 sessions missing between 2020-01-03 and "
                                "2020-01-20 (equity calendar)");
    kr_findings_free(&f);
    /* On the crypto calendar the same hole is 16 days (Jan 4 .. Jan 19),
     * and every weekend is two missing sessions: medium. */
    kr_calendar_preset("crypto", &o.calendar);
    run(&b, &o, &f);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_HIGH, before + 1, before);
    assert_string_equal(x->msg, "16 sessions missing between 2020-01-03 and "
                                "2020-01-20 (crypto calendar)");
    /* Dec 2 .. Jan 3 has 4 weekends, Jan 20 .. 31 one. */
    assert_int_equal(count_check(&f, KR_CHECK_GAP), 6);
    assert_int_equal(f.by_severity[KR_SEV_MEDIUM], 5);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_gap_intraday(void **state)
{
    (void)state;
    kr_bars b;
    kr_findings f;
    int64_t line = 2;
    double px = 100;
    kr_quality_opts o;
    kr_quality_opts_init(&o);

    /* Same day, 5-minute bars 14:30 .. 16:00 on Mon 2020-01-06 without
     * 14:45 (1 bar: low) and without 15:20 .. 15:45 (6 bars: high). */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    int64_t l1 = 0, l2 = 0;
    for (int k = 0; k <= 18; k++) {
        if (k == 3 || (k >= 10 && k <= 15))
            continue;
        if (k == 4)
            l1 = line;
        if (k == 16)
            l2 = line;
        flat(&b, DT(2020, 1, 6, 14, 30) + k * 5 * MIN, px, line++);
        px += 0.01;
    }
    run(&b, NULL, &f);
    assert_int_equal(f.n, 2);
    const kr_finding *x = expect(&f, KR_CHECK_GAP, KR_SEV_LOW, l1, l1 - 1);
    assert_string_equal(x->msg, "1 bar missing between 2020-01-06T14:40:00Z "
                                "and 2020-01-06T14:50:00Z (5m bars)");
    x = expect(&f, KR_CHECK_GAP, KR_SEV_HIGH, l2, l2 - 1);
    assert_string_equal(x->msg, "6 bars missing between 2020-01-06T15:15:00Z "
                                "and 2020-01-06T15:50:00Z (5m bars)");
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* Across a weekend: Fri 2020-01-10 20:30 .. 20:55, then Mon 2020-01-13
     * 14:30 .. 14:55. Equity: no session between Friday and Monday, the
     * overnight gap is normal. Crypto: (Mon 14:30 - Fri 20:55) = 3935 min =
     * 787 intervals, so 786 bars missing. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2;
    every(&b, DT(2020, 1, 10, 20, 30), DT(2020, 1, 10, 20, 55), 5 * MIN, &line,
          &px);
    int64_t mon = line;
    every(&b, DT(2020, 1, 13, 14, 30), DT(2020, 1, 13, 14, 55), 5 * MIN, &line,
          &px);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 0);
    kr_findings_free(&f);
    kr_calendar_preset("crypto", &o.calendar);
    run(&b, &o, &f);
    assert_int_equal(f.n, 1);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_HIGH, mon, mon - 1);
    assert_string_equal(x->msg, "786 bars missing between "
                                "2020-01-10T20:55:00Z and "
                                "2020-01-13T14:30:00Z (5m bars)");
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* Fri 2020-01-10 to Tue 2020-01-14 on equity: Monday is missing, one
     * whole session. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2;
    every(&b, DT(2020, 1, 10, 20, 30), DT(2020, 1, 10, 20, 55), 5 * MIN, &line,
          &px);
    int64_t tue = line;
    every(&b, DT(2020, 1, 14, 14, 30), DT(2020, 1, 14, 14, 55), 5 * MIN, &line,
          &px);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_LOW, tue, tue - 1);
    assert_string_equal(x->msg, "1 session missing between "
                                "2020-01-10T20:55:00Z and "
                                "2020-01-14T14:30:00Z (equity calendar)");
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_gap_weekly_monthly(void **state)
{
    (void)state;
    kr_bars b;
    kr_findings f;
    int64_t line = 2;
    double px = 100;

    /* Weekly bars stamped on Sundays from 2020-01-05, weeks 0..19, without
     * week 5 (14 days: 1 missing, low) and weeks 10..12 (28 days: 3
     * missing, medium). Sundays are not flagged off the calendar: weekly
     * bars are not held to session days. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    int64_t l1 = 0, l2 = 0;
    for (int k = 0; k < 20; k++) {
        if (k == 5 || (k >= 10 && k <= 12))
            continue;
        if (k == 6)
            l1 = line;
        if (k == 13)
            l2 = line;
        flat(&b, D(2020, 1, 5) + k * 7 * DAY, px, line++);
        px += 0.01;
    }
    run(&b, NULL, &f);
    assert_int_equal(f.n, 2);
    const kr_finding *x = expect(&f, KR_CHECK_GAP, KR_SEV_LOW, l1, l1 - 1);
    assert_string_equal(x->msg, "1 bar missing between 2020-02-02 and "
                                "2020-02-16 (1w bars)");
    expect(&f, KR_CHECK_GAP, KR_SEV_MEDIUM, l2, l2 - 1);
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* Monthly bars on the 1st, 2020-01 .. 2021-12, without April and May
     * 2020: March to June leaves 2 months missing, medium. 2020-02-01 is a
     * Saturday and is not flagged. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2;
    int64_t jun = 0;
    for (int k = 0; k < 24; k++) {
        unsigned m = (unsigned)(k % 12) + 1;
        if (k == 3 || k == 4)
            continue;
        if (k == 5)
            jun = line;
        flat(&b, D(2020 + k / 12, m, 1), px, line++);
        px += 0.01;
    }
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_MEDIUM, jun, jun - 1);
    assert_string_equal(x->msg, "2 months missing between 2020-03-01 and "
                                "2020-06-01 (1M bars)");
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* Quarterly bars (the most frequent gap is 91 days: 3 months) 2018-2020 without
     * 2019-10-01: one bar missing, and no false gaps elsewhere. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    line = 2;
    int64_t after = 0;
    for (int k = 0; k < 12; k++) {
        if (k == 7)
            continue;
        if (k == 8)
            after = line;
        flat(&b, D(2018 + k / 4, (unsigned)(k % 4) * 3 + 1, 1), px, line++);
        px += 0.01;
    }
    run(&b, NULL, &f);
    assert_int_equal(f.n, 1);
    x = expect(&f, KR_CHECK_GAP, KR_SEV_LOW, after, after - 1);
    assert_string_equal(x->msg, "1 bar missing between 2019-07-01 and "
                                "2020-01-01 (3M bars)");
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_off_calendar(void **state)
{
    (void)state;
    kr_bars b;
    kr_findings f;
    int64_t line = 2;
    double px = 100;

    /* Hourly bars Fri 2020-01-10 10:00-20:00, three on Saturday, two on
     * Sunday, then Monday: one finding per day, with the bar count. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    every(&b, DT(2020, 1, 10, 10, 0), DT(2020, 1, 10, 20, 0), 60 * MIN, &line,
          &px);
    int64_t sat = line;
    every(&b, DT(2020, 1, 11, 10, 0), DT(2020, 1, 11, 12, 0), 60 * MIN, &line,
          &px);
    int64_t sun = line;
    every(&b, DT(2020, 1, 12, 10, 0), DT(2020, 1, 12, 11, 0), 60 * MIN, &line,
          &px);
    every(&b, DT(2020, 1, 13, 10, 0), DT(2020, 1, 13, 20, 0), 60 * MIN, &line,
          &px);
    run(&b, NULL, &f);
    assert_int_equal(f.n, 2);
    const kr_finding *x = expect(&f, KR_CHECK_OFF_CALENDAR, KR_SEV_LOW, sat, 0);
    assert_string_equal(x->msg, "3 bars on 2020-01-11 (Saturday), not a "
                                "session day of the equity calendar");
    assert_int_equal(x->ts, DT(2020, 1, 11, 10, 0));
    x = expect(&f, KR_CHECK_OFF_CALENDAR, KR_SEV_LOW, sun, 0);
    assert_string_equal(x->msg, "2 bars on 2020-01-12 (Sunday), not a "
                                "session day of the equity calendar");
    kr_findings_free(&f);
    /* Every day is a session on the crypto calendar; then the three night
     * gaps (Fri 20:00 -> Sat 10:00 is 13 missing bars) are high. */
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    kr_calendar_preset("crypto", &o.calendar);
    run(&b, &o, &f);
    assert_int_equal(count_check(&f, KR_CHECK_OFF_CALENDAR), 0);
    assert_int_equal(count_check(&f, KR_CHECK_GAP), 3);
    kr_findings_free(&f);
    kr_bars_free(&b);

    /* A daily bar on a holiday, file out of order: the finding names the
     * holiday. */
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    flat(&b, D(2020, 7, 2), 10.00, 2);
    flat(&b, D(2020, 7, 6), 10.02, 3);
    flat(&b, D(2020, 7, 3), 10.01, 4);
    flat(&b, D(2020, 7, 7), 10.03, 5);
    kr_quality_opts_init(&o);
    int64_t hol[] = {kr_ts_day(D(2020, 7, 3))};
    o.calendar.holidays = hol;
    o.calendar.nholidays = 1;
    run(&b, &o, &f);
    assert_int_equal(f.n, 2);
    x = expect(&f, KR_CHECK_OFF_CALENDAR, KR_SEV_LOW, 4, 0);
    assert_string_equal(x->msg, "1 bar on 2020-07-03 (Friday), a holiday of "
                                "the equity calendar");
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 4, 3);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

/* ------------------------------------------------------------------------
 * Bars: stale runs
 * ------------------------------------------------------------------------ */

static void test_stale(void **state)
{
    (void)state;
    /* Closes by row: 10, 11 (sets the value), 11 x5 (the run), 12, 13, 13 x4
     * (a run of four: under stale_bars 5), 14, then 14 x5 ending the
     * series. */
    static const double closes[] = {10, 11, 11, 11, 11, 11, 11, 12, 13, 13,
                                    13, 13, 13, 14, 14, 14, 14, 14, 14};
    kr_bars b;
    kr_bars_init(&b, 0, 16, KR_BARS_LINES);
    kr_ts t = D(2020, 1, 6);
    for (size_t i = 0; i < sizeof closes / sizeof closes[0]; i++) {
        while (kr_weekday_of_day(kr_ts_day(t)) >= 5)
            t += DAY;
        flat(&b, t, closes[i], (int64_t)i + 2);
        t += DAY;
    }
    kr_findings f;
    run(&b, NULL, &f);
    assert_int_equal(f.n, 2);
    /* Row 2 (line 4, Wed 2020-01-08) is the first repeat, row 6 (Tue
     * 2020-01-14) the last; row 1 (line 3) set the value. */
    const kr_finding *x = expect(&f, KR_CHECK_STALE, KR_SEV_MEDIUM, 4, 3);
    assert_string_equal(x->msg, "close unchanged at 11 for 5 bars from "
                                "2020-01-08 to 2020-01-14 (set on line 3)");
    /* Rows 14..18 (lines 16..20) close the series. */
    expect(&f, KR_CHECK_STALE, KR_SEV_MEDIUM, 16, 15);
    kr_findings_free(&f);
    /* stale_bars 4 also flags the run of four 13s (rows 9..12). */
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    o.stale_bars = 4;
    run(&b, &o, &f);
    assert_int_equal(f.n, 3);
    expect(&f, KR_CHECK_STALE, KR_SEV_MEDIUM, 11, 10);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

static void test_large_reversed(void **state)
{
    (void)state;
    /* 200k one-minute crypto bars written newest first: every row but the
     * first steps back in time; sorted, the series is clean (its interval,
     * measured in time order, is one minute: no gaps). Findings past the
     * limit are counted only. */
    enum { N = 200000 };
    kr_bars b;
    kr_bars_init(&b, 0, N, KR_BARS_LINES);
    for (int i = 0; i < N; i++) {
        double c = 100 + (i % 2) * 0.5;
        kr_bars_push(&b, D(2020, 1, 6) + (int64_t)(N - 1 - i) * MIN, c, c, c,
                     c, 1, 0, i + 2);
    }
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    kr_calendar_preset("crypto", &o.calendar);
    kr_findings f;
    run(&b, &o, &f);
    assert_int_equal(f.total_by_check[KR_CHECK_OUT_OF_ORDER], N - 1);
    assert_int_equal(f.n, 10000);
    assert_int_equal(f.n, count_check(&f, KR_CHECK_OUT_OF_ORDER));
    assert_int_equal(f.by_severity[KR_SEV_HIGH], N - 1);
    for (int c = 0; c < KR_CHECK__COUNT; c++)
        if (c != KR_CHECK_OUT_OF_ORDER)
            assert_int_equal(f.total_by_check[c], 0);
    kr_findings_free(&f);
    /* A two-minute hole in the middle is found in time order. */
    b.ts[N / 2] = b.ts[N / 2 + 1]; /* row N/2 now duplicates row N/2 + 1 */
    run(&b, &o, &f);
    assert_int_equal(f.total_by_check[KR_CHECK_GAP], 1);
    assert_int_equal(f.total_by_check[KR_CHECK_DUPLICATE], 1);
    expect(&f, KR_CHECK_DUPLICATE, KR_SEV_HIGH, N / 2 + 3, N / 2 + 2);
    kr_findings_free(&f);
    kr_bars_free(&b);
}

/* Findings of the time-ordered checks only, sorted. */
static void view_findings(const kr_findings *all, kr_findings *out)
{
    kr_findings_init(out);
    out->limit_per_check = 0;
    for (size_t i = 0; i < all->n; i++) {
        const kr_finding *x = &all->v[i];
        if (x->check == KR_CHECK_GAP || x->check == KR_CHECK_OFF_CALENDAR ||
            x->check == KR_CHECK_JUMP || x->check == KR_CHECK_STALE)
            assert_int_equal(kr_findings_add(out, x->check, x->severity,
                                             x->symbol, x->line, x->related,
                                             x->ts, "%s", x->msg), KR_OK);
    }
    kr_findings_sort(out);
}

static void test_view_matches_sorted_copy(void **state)
{
    (void)state;
    /* Invariant: the time-ordered checks on a disordered series with
     * duplicates find exactly what they find on its kr_bars_sort +
     * kr_bars_dedupe copy (lines kept), and every duplicate's related line
     * is the earliest row of the file with that timestamp (found here by
     * brute force). Series: random days with holes, weekends, repeated
     * closes and jumps, then blocks swapped, reversed and duplicated. */
    uint64_t rng = 42;
#define RAND() (rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17, rng)
    for (int round = 0; round < 60; round++) {
        enum { N = 300 };
        kr_ts ts[N];
        double close[N];
        kr_ts t = D(2020, 1, 6);
        double c = 100;
        for (int i = 0; i < N; i++) {
            t += DAY * (int64_t)(RAND() % 10 < 7 ? 1 : 1 + RAND() % 5);
            uint64_t r = RAND() % 20;
            c = r < 8 ? c : r < 18 ? c * (1 + ((double)(RAND() % 100) - 50) / 1000)
                                   : c * (r == 18 ? 1.5 : 0.6);
            ts[i] = t;
            close[i] = c;
        }
        /* Disorder: reverse a random block, swap two rows, copy rows. */
        int a = (int)(RAND() % N), len = (int)(RAND() % 40);
        for (int i = 0; i < len / 2 && a + len - 1 - i < N; i++) {
            int j = a + len - 1 - i;
            kr_ts tt = ts[a + i];
            ts[a + i] = ts[j];
            ts[j] = tt;
            double cc = close[a + i];
            close[a + i] = close[j];
            close[j] = cc;
        }
        for (int k = 0; k < 10; k++) {
            int i = (int)(RAND() % N), j = (int)(RAND() % N);
            ts[j] = ts[i];
            if (RAND() % 2)
                close[j] = close[i];
        }
        kr_bars b, sorted;
        kr_bars_init(&b, 0, N, KR_BARS_LINES);
        kr_bars_init(&sorted, 0, N, KR_BARS_LINES);
        for (int i = 0; i < N; i++) {
            flat(&b, ts[i], close[i], i + 2);
            flat(&sorted, ts[i], close[i], i + 2);
        }
        assert_int_equal(kr_bars_sort(&sorted), KR_OK);
        kr_bars_dedupe(&sorted);
        kr_quality_opts o;
        kr_quality_opts_init(&o);
        if (round % 3 == 1)
            kr_calendar_preset("crypto", &o.calendar);
        kr_findings f1, f2, v1, v2;
        run(&b, &o, &f1);
        run(&sorted, &o, &f2);
        assert_int_equal(count_check(&f2, KR_CHECK_DUPLICATE), 0);
        assert_int_equal(count_check(&f2, KR_CHECK_OUT_OF_ORDER), 0);
        view_findings(&f1, &v1);
        view_findings(&f2, &v2);
        assert_true(v1.n > 0);
        assert_int_equal(v1.n, v2.n);
        for (size_t i = 0; i < v1.n; i++) {
            assert_int_equal(v1.v[i].check, v2.v[i].check);
            assert_int_equal(v1.v[i].severity, v2.v[i].severity);
            assert_int_equal(v1.v[i].line, v2.v[i].line);
            assert_int_equal(v1.v[i].related, v2.v[i].related);
            assert_string_equal(v1.v[i].msg, v2.v[i].msg);
        }
        /* Duplicates: one per row whose timestamp an earlier row had. */
        size_t dups = 0, back = 0;
        for (int i = 0; i < N; i++) {
            back += i > 0 && ts[i] < ts[i - 1];
            for (int j = 0; j < i; j++) {
                if (ts[j] != ts[i])
                    continue;
                expect(&f1, KR_CHECK_DUPLICATE, KR_SEV_HIGH, i + 2, j + 2);
                dups++;
                break;
            }
        }
        assert_int_equal(count_check(&f1, KR_CHECK_DUPLICATE), dups);
        assert_int_equal(count_check(&f1, KR_CHECK_OUT_OF_ORDER), back);
        kr_findings_free(&f1);
        kr_findings_free(&f2);
        kr_findings_free(&v1);
        kr_findings_free(&v2);
        kr_bars_free(&b);
        kr_bars_free(&sorted);
    }
#undef RAND
}

/* ------------------------------------------------------------------------
 * Quotes
 * ------------------------------------------------------------------------ */

static void qpush(kr_quotes *q, kr_ts t, double bid, double ask, double bs,
                  double as, kr_ts recv, int64_t line)
{
    assert_int_equal(kr_quotes_push(q, t, bid, ask, bs, as, recv, line),
                     KR_OK);
}

static void test_quotes(void **state)
{
    (void)state;
    kr_quotes q;
    kr_quotes_init(&q, 0, 4, KR_QUOTES_LINES);
    kr_ts t = DT(2020, 1, 6, 10, 0);
    int64_t s = KR_NS_PER_SEC;
    qpush(&q, t, 100, 100.1, 5, 5, 0, 2);              /* clean */
    qpush(&q, t + 5 * s, 0, 100.1, 5, 5, 0, 3);        /* bid 0 */
    qpush(&q, t + 10 * s, 100, 100.1, -1, 5, 0, 4);    /* size */
    qpush(&q, t + 15 * s, 100.2, 100.1, 5, 5, 0, 5);   /* crossed */
    qpush(&q, t + 20 * s, 100.1, 100.1, 5, 5, 0, 6);   /* locked */
    qpush(&q, t + 25 * s, 100, 106, 5, 5, 0, 7);       /* 6/103 = 5.83% */
    qpush(&q, t + 30 * s, 100, 104.9, 5, 5, 0, 8);     /* 4.9/102.45 = 4.78% */
    qpush(&q, t + 20 * s, 100, 100.1, 5, 5, 0, 9);     /* dup of 6, back */
    qpush(&q, t + 70 * s, 100, 100.1, 5, 5, 0, 10);    /* 40 s after line 8 */
    qpush(&q, t + 100 * s, 100, 100.1, 5, 5, 0, 11);   /* 30 s: fine */
    kr_findings f;
    kr_findings_init(&f);
    assert_int_equal(kr_quality_check_quotes(&q, NULL, &f), KR_OK);
    const kr_finding *x =
        expect(&f, KR_CHECK_NONPOSITIVE_PRICE, KR_SEV_CRITICAL, 3, 0);
    assert_string_equal(x->msg, "price not positive and finite: bid 0");
    x = expect(&f, KR_CHECK_NEGATIVE_SIZE, KR_SEV_HIGH, 4, 0);
    assert_string_equal(x->msg, "negative size: bid size -1");
    x = expect(&f, KR_CHECK_CROSSED, KR_SEV_HIGH, 5, 0);
    assert_string_equal(x->msg, "bid 100.2 > ask 100.1 (crossed book)");
    x = expect(&f, KR_CHECK_CROSSED, KR_SEV_HIGH, 6, 0);
    assert_string_equal(x->msg, "bid 100.1 = ask 100.1 (locked book)");
    x = expect(&f, KR_CHECK_WIDE_SPREAD, KR_SEV_MEDIUM, 7, 0);
    assert_string_equal(x->msg, "spread 6 is 5.83% of mid 103, above 5.00% "
                                "(bid 100, ask 106)");
    x = expect(&f, KR_CHECK_DUPLICATE, KR_SEV_HIGH, 9, 6);
    assert_string_equal(x->msg, "timestamp 2020-01-06T10:00:20Z already on "
                                "line 6; conflicting: bid 100 vs 100.1");
    expect(&f, KR_CHECK_OUT_OF_ORDER, KR_SEV_HIGH, 9, 8);
    x = expect(&f, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM, 10, 8);
    assert_string_equal(x->msg, "quote of 2020-01-06T10:00:30Z (line 8) stood "
                                "40s until 2020-01-06T10:01:10Z, longer than "
                                "30s");
    assert_int_equal(f.n, 8);
    kr_findings_free(&f);
    kr_quotes_free(&q);
}

static void test_quotes_recv_and_days(void **state)
{
    (void)state;
    int64_t s = KR_NS_PER_SEC;
    kr_ts t = DT(2020, 1, 6, 10, 0);
    kr_findings f;

    /* With receive times the age is recv_ts - ts; the 5-minute pause
     * between quotes is not judged. */
    kr_quotes q;
    kr_quotes_init(&q, 0, 4, KR_QUOTES_LINES | KR_QUOTES_RECV);
    qpush(&q, t, 100, 100.1, 1, 1, t + 31 * s, 2);         /* 31 s: stale */
    qpush(&q, t + 300 * s, 100, 100.1, 1, 1, t + 330 * s, 3); /* 30 s: ok */
    qpush(&q, t + 600 * s, 100, 100.1, 1, 1, KR_TS_NONE, 4);  /* unknown */
    kr_findings_init(&f);
    assert_int_equal(kr_quality_check_quotes(&q, NULL, &f), KR_OK);
    assert_int_equal(f.n, 1);
    const kr_finding *x = expect(&f, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM, 2, 0);
    assert_string_equal(x->msg, "quote of 2020-01-06T10:00:00Z received 31s "
                                "after its timestamp, older than 30s");
    kr_findings_free(&f);
    kr_quotes_free(&q);

    /* Without them, the last quote of Monday stands overnight: not stale on
     * the equity calendar (markets close), stale on crypto. Sizes absent
     * (NaN) are no negative size. */
    kr_quotes_init(&q, 0, 4, KR_QUOTES_LINES);
    qpush(&q, DT(2020, 1, 6, 20, 59), 100, 100.1, NAN, NAN, 0, 2);
    qpush(&q, DT(2020, 1, 7, 14, 30), 100, 100.1, NAN, NAN, 0, 3);
    kr_findings_init(&f);
    assert_int_equal(kr_quality_check_quotes(&q, NULL, &f), KR_OK);
    assert_int_equal(f.n, 0);
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    kr_calendar_preset("crypto", &o.calendar);
    assert_int_equal(kr_quality_check_quotes(&q, &o, &f), KR_OK);
    assert_int_equal(f.n, 1);
    expect(&f, KR_CHECK_STALE_QUOTE, KR_SEV_MEDIUM, 3, 2);
    kr_findings_free(&f);
    kr_quotes_free(&q);
}

/* ------------------------------------------------------------------------
 * Datasets
 * ------------------------------------------------------------------------ */

static void test_dataset(void **state)
{
    (void)state;
    kr_dataset ds;
    assert_int_equal(kr_dataset_init(&ds, "mem.csv"), KR_OK);
    uint32_t aapl, msft, eur;
    kr_symtab_intern(ds.symbols, "AAPL", 4, &aapl);
    kr_symtab_intern(ds.symbols, "MSFT", 4, &msft);
    kr_symtab_intern(ds.symbols, "EURUSD", 6, &eur);
    kr_bars *a, *m;
    assert_int_equal(kr_dataset_series(&ds, aapl, KR_BARS_LINES, &a), KR_OK);
    assert_int_equal(kr_dataset_series(&ds, msft, KR_BARS_LINES, &m), KR_OK);
    /* Rows of the two symbols alternate in the file; both halve on
     * Wednesday, but only AAPL has a split in the actions. */
    flat(&ds.bars[0], D(2020, 1, 6), 100, 2);
    flat(&ds.bars[1], D(2020, 1, 6), 100, 3);
    flat(&ds.bars[0], D(2020, 1, 7), 100.5, 4);
    flat(&ds.bars[1], D(2020, 1, 7), 100.5, 5);
    flat(&ds.bars[0], D(2020, 1, 8), 50, 6);
    flat(&ds.bars[1], D(2020, 1, 8), 50, 7);
    ds.quotes = calloc(1, sizeof *ds.quotes);
    assert_non_null(ds.quotes);
    assert_int_equal(kr_quotes_init(&ds.quotes[0], eur, 4, KR_QUOTES_LINES),
                     KR_OK);
    ds.nquotes = 1;
    qpush(&ds.quotes[0], DT(2020, 1, 6, 10, 0), 1.1, 1.0, 1, 1, 0, 10);
    ds.issues = calloc(2, sizeof *ds.issues);
    assert_non_null(ds.issues);
    ds.issues[0] = (kr_row_issue){.line = 8, .column = 5, .field = "close",
                                  .msg = "expected a number, got 'abc'"};
    ds.issues[1] = (kr_row_issue){.line = 9, .column = 0, .field = "",
                                  .msg = "expected 6 fields, got 2"};
    ds.nissues = 2;
    ds.issues_total = 5;

    kr_action act = {.symbol = "AAPL", .ts = D(2020, 1, 8),
                     .kind = KR_ACTION_SPLIT, .value = 2};
    kr_actions acts = {&act, 1};
    kr_quality_opts o;
    kr_quality_opts_init(&o);
    o.actions = &acts; /* symbols come from the dataset */
    kr_findings f;
    kr_findings_init(&f);
    assert_int_equal(kr_quality_check(&ds, &o, &f), KR_OK);
    assert_null(o.symbols); /* the caller's options are not modified */
    assert_int_equal(f.n, 5);
    /* Unparsable rows first, then bars, then quotes. */
    assert_int_equal(f.v[0].check, KR_CHECK_UNPARSABLE);
    assert_int_equal(f.v[0].severity, KR_SEV_HIGH);
    assert_int_equal(f.v[0].line, 8);
    assert_int_equal(f.v[0].symbol, KR_FINDING_NO_SYMBOL);
    assert_string_equal(f.v[0].msg,
                        "field 'close': expected a number, got 'abc'");
    assert_int_equal(f.v[1].line, 9);
    assert_string_equal(f.v[1].msg, "expected 6 fields, got 2");
    assert_int_equal(f.v[2].check, KR_CHECK_UNPARSABLE);
    assert_int_equal(f.v[2].line, 0);
    assert_string_equal(f.v[2].msg, "3 further unparsable rows were not "
                                    "listed (the loader kept the first 2)");
    assert_int_equal(f.v[3].check, KR_CHECK_JUMP);
    assert_int_equal(f.v[3].symbol, msft);
    assert_int_equal(f.v[3].line, 7);
    assert_int_equal(f.v[3].related, 5);
    assert_int_equal(f.v[4].check, KR_CHECK_CROSSED);
    assert_int_equal(f.v[4].symbol, eur);
    assert_int_equal(f.v[4].line, 10);
    kr_findings_sort(&f);
    int64_t order[] = {0, 7, 8, 9, 10};
    for (int i = 0; i < 5; i++)
        assert_int_equal(f.v[i].line, order[i]);
    assert_int_equal(kr_findings_worst(&f), KR_SEV_HIGH);
    kr_findings_free(&f);
    kr_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_docs_match_table),
        cmocka_unit_test(test_severity),
        cmocka_unit_test(test_findings_basics),
        cmocka_unit_test(test_limit_per_check),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_clean_series),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_chunks_swapped),
        cmocka_unit_test(test_lines_absent),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_ohlc),
        cmocka_unit_test(test_non_positive_and_volume),
        cmocka_unit_test(test_jump_both_directions),
        cmocka_unit_test(test_split_adj_close),
        cmocka_unit_test(test_split_actions),
        cmocka_unit_test(test_gap_daily_severities),
        cmocka_unit_test(test_gap_intraday),
        cmocka_unit_test(test_gap_weekly_monthly),
        cmocka_unit_test(test_off_calendar),
        cmocka_unit_test(test_stale),
        cmocka_unit_test(test_large_reversed),
        cmocka_unit_test(test_view_matches_sorted_copy),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_quotes_recv_and_days),
        cmocka_unit_test(test_dataset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_calendar.c -- calendars: presets, sessions, counting, holiday files.
 *
 * Known answers are counted by hand on a printed calendar (the weekday of each
 * date is given next to it); the counting shortcut is also checked against a
 * plain day-by-day loop on random day pairs, masks and holiday sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kairos/data.h"

static int64_t day_of(int y, unsigned m, unsigned d)
{
    return kr_days_from_civil(y, m, d);
}

/* Writes text to a new temporary file whose path is put in `path`. */
static void write_temp(char *path, size_t size, const char *text)
{
    snprintf(path, size, "/tmp/kr_test_calendar_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_presets(void **state)
{
    (void)state;
    kr_calendar c;
    assert_int_equal(kr_calendar_preset("equity", &c), KR_OK);
    assert_string_equal(c.name, "equity");
    assert_int_equal(c.weekdays, 0x1f);
    assert_null(c.holidays);
    assert_int_equal(c.nholidays, 0);
    assert_int_equal(kr_calendar_preset("fx", &c), KR_OK);
    assert_int_equal(c.weekdays, 0x1f);
    assert_int_equal(kr_calendar_preset("crypto", &c), KR_OK);
    assert_int_equal(c.weekdays, 0x7f);
    /* An unknown name fails and leaves the calendar as it was. */
    assert_int_equal(kr_calendar_preset("nyse", &c), KR_EINVAL);
    assert_string_equal(c.name, "crypto");
    assert_int_equal(kr_calendar_preset(NULL, &c), KR_EINVAL);
    kr_calendar_free(&c);
}

static void test_is_session(void **state)
{
    (void)state;
    kr_calendar eq, cr;
    kr_calendar_preset("equity", &eq);
    kr_calendar_preset("crypto", &cr);
    /* 2020-01-10 Friday, 2020-01-11 Saturday, 2020-01-12 Sunday. */
    assert_true(kr_calendar_is_session(&eq, day_of(2020, 1, 10)));
    assert_false(kr_calendar_is_session(&eq, day_of(2020, 1, 11)));
    assert_false(kr_calendar_is_session(&eq, day_of(2020, 1, 12)));
    assert_true(kr_calendar_is_session(&cr, day_of(2020, 1, 11)));
    /* Before the epoch: 1969-12-27 was a Saturday, 1969-12-29 a Monday. */
    assert_false(kr_calendar_is_session(&eq, day_of(1969, 12, 27)));
    assert_true(kr_calendar_is_session(&eq, day_of(1969, 12, 29)));
    /* A holiday on a weekday is not a session. */
    int64_t hol[] = {day_of(2020, 7, 3)}; /* Friday */
    eq.holidays = hol;
    eq.nholidays = 1;
    assert_false(kr_calendar_is_session(&eq, day_of(2020, 7, 3)));
    assert_true(kr_calendar_is_session(&eq, day_of(2020, 7, 2)));
}

static void test_sessions_known(void **state)
{
    (void)state;
    kr_calendar eq, cr;
    kr_calendar_preset("equity", &eq);
    kr_calendar_preset("crypto", &cr);
    /* Adjacent and equal days have nothing strictly between them. */
    assert_int_equal(kr_calendar_sessions_between(&eq, 100, 100), 0);
    assert_int_equal(kr_calendar_sessions_between(&eq, 100, 101), 0);
    /* Fri 2020-01-10 to Mon 2020-01-13: only Sat and Sun between. */
    assert_int_equal(kr_calendar_sessions_between(&eq, day_of(2020, 1, 10),
                                                  day_of(2020, 1, 13)), 0);
    assert_int_equal(kr_calendar_sessions_between(&cr, day_of(2020, 1, 10),
                                                  day_of(2020, 1, 13)), 2);
    /* Mon 2001-09-10 to Mon 2001-09-17: Tue 11 .. Fri 14 are four. */
    int64_t a = day_of(2001, 9, 10), b = day_of(2001, 9, 17);
    assert_int_equal(kr_calendar_sessions_between(&eq, a, b), 4);
    /* Either order gives the same count. */
    assert_int_equal(kr_calendar_sessions_between(&eq, b, a), 4);
    /* The year 2019 (Tue 2019-01-01 .. Tue 2019-12-31) has 261 weekdays:
     * 52 whole weeks (260) plus one extra Tuesday. Between 2018-12-31 and
     * 2020-01-01 lie exactly those 365 days. */
    assert_int_equal(kr_calendar_sessions_between(&eq, day_of(2018, 12, 31),
                                                  day_of(2020, 1, 1)), 261);
    assert_int_equal(kr_calendar_sessions_between(&cr, day_of(2018, 12, 31),
                                                  day_of(2020, 1, 1)), 365);
    /* Without the two NYSE 2019 holidays of January (Tue Jan 1, Mon Jan
     * 21), 259 remain. */
    int64_t hol[] = {day_of(2019, 1, 1), day_of(2019, 1, 21)};
    eq.holidays = hol;
    eq.nholidays = 2;
    assert_int_equal(kr_calendar_sessions_between(&eq, day_of(2018, 12, 31),
                                                  day_of(2020, 1, 1)), 259);
    /* A holiday that is an end point is not between. */
    assert_int_equal(kr_calendar_sessions_between(&eq, day_of(2019, 1, 1),
                                                  day_of(2019, 1, 3)), 1);
}

/* The day-by-day definition. */
static int64_t brute(const kr_calendar *c, int64_t a, int64_t b)
{
    if (a > b) {
        int64_t t = a;
        a = b;
        b = t;
    }
    int64_t n = 0;
    for (int64_t d = a + 1; d < b; d++)
        n += kr_calendar_is_session(c, d);
    return n;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static void test_sessions_vs_brute_force(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15u; /* xorshift64*, fixed seed */
#define RAND() (rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27, \
                rng * 2685821657736338717u)
    static const uint8_t masks[] = {0x1f, 0x7f, 0x15, 0x60, 0x01};
    int64_t hol[200];
    for (size_t m = 0; m < sizeof masks; m++) {
        kr_calendar c = {.weekdays = masks[m]};
        /* Random holidays on session weekdays over 1990..2030, sorted and
         * unique, as kr_calendar_load_holidays keeps them. */
        size_t nh = 0;
        for (int i = 0; i < 200; i++) {
            int64_t d = day_of(1990, 1, 1) + (int64_t)(RAND() % 14600);
            if ((c.weekdays >> kr_weekday_of_day(d)) & 1)
                hol[nh++] = d;
        }
        qsort(hol, nh, sizeof *hol, cmp_i64);
        size_t w = 0;
        for (size_t i = 0; i < nh; i++)
            if (w == 0 || hol[i] != hol[w - 1])
                hol[w++] = hol[i];
        c.holidays = hol;
        c.nholidays = w;
        for (int t = 0; t < 400; t++) {
            int64_t a = day_of(1985, 1, 1) + (int64_t)(RAND() % 18000);
            int64_t span = t % 4 == 0 ? (int64_t)(RAND() % 4000)
                                      : (int64_t)(RAND() % 30);
            int64_t b = a + span;
            assert_int_equal(kr_calendar_sessions_between(&c, a, b),
                             brute(&c, a, b));
            assert_int_equal(kr_calendar_sessions_between(&c, b, a),
                             brute(&c, a, b));
        }
    }
#undef RAND
}

static void test_ten_year_gap(void **state)
{
    (void)state;
    kr_calendar eq;
    kr_calendar_preset("equity", &eq);
    int64_t a = day_of(2000, 1, 3), b = day_of(2010, 1, 4);
    /* Mon 2000-01-03 to Mon 2010-01-04 is 3654 days = 522 weeks exactly;
     * between them lie 521 whole weeks of 5 sessions plus Tue..Fri and the
     * weekend of the last week: 521 * 5 + 4 = 2609. */
    int64_t t0 = kr_monotonic_ns();
    int64_t n = 0;
    for (int i = 0; i < 100000; i++)
        n += kr_calendar_sessions_between(&eq, a, b);
    int64_t dt = kr_monotonic_ns() - t0;
    assert_int_equal(n / 100000, 2609);
    assert_int_equal(brute(&eq, a, b), 2609);
    /* 100k ten-year counts in O(1) each take microseconds each at most; a
     * day loop would need ~30 ms per 100 calls under sanitizers. Generous. */
    assert_true(dt < 2 * KR_NS_PER_SEC);
}

static void test_load_holidays(void **state)
{
    (void)state;
    char path[64];
    /* Unsorted, a duplicate, a CRLF line, comments, blank lines, a trailing
     * comment, other accepted date forms and a Saturday (2020-07-04), which a
     * Monday-to-Friday calendar drops. */
    write_temp(path, sizeof path,
               "# US market holidays\n"
               "\n"
               "2020-12-25\n"
               "2020-07-03   # Independence Day, observed\r\n"
               "2020-07-04\n"
               "   2020-01-01\n"
               "20201225\n"
               "2020/11/26\n"
               "\t\n");
    kr_calendar c;
    kr_calendar_preset("equity", &c);
    kr_error err;
    kr_error_clear(&err);
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_OK);
    assert_int_equal(c.nholidays, 4);
    assert_int_equal(c.holidays[0], day_of(2020, 1, 1));
    assert_int_equal(c.holidays[1], day_of(2020, 7, 3));
    assert_int_equal(c.holidays[2], day_of(2020, 11, 26));
    assert_int_equal(c.holidays[3], day_of(2020, 12, 25));
    assert_false(kr_calendar_is_session(&c, day_of(2020, 7, 3)));
    /* Thu 2020-07-02 to Mon 2020-07-06: Friday the 3rd is a holiday. */
    assert_int_equal(kr_calendar_sessions_between(&c, day_of(2020, 7, 2),
                                                  day_of(2020, 7, 6)), 0);
    unlink(path);

    /* A second file merges in, still sorted and unique. */
    write_temp(path, sizeof path, "2020-05-25\n2020-01-01\n");
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_OK);
    assert_int_equal(c.nholidays, 5);
    assert_int_equal(c.holidays[0], day_of(2020, 1, 1));
    assert_int_equal(c.holidays[1], day_of(2020, 5, 25));
    unlink(path);
    kr_calendar_free(&c);
    assert_null(c.holidays);
    assert_int_equal(c.nholidays, 0);
    assert_string_equal(c.name, "equity");
}

static void test_load_holidays_errors(void **state)
{
    (void)state;
    char path[64];
    kr_calendar c;
    kr_calendar_preset("equity", &c);
    kr_error err;

    /* A bad fourth line: the error names file, line, column and the text,
     * and the calendar keeps what it had (nothing). */
    write_temp(path, sizeof path,
               "2020-01-01\n# comment\n2020-07-03\n  2020-13-01\n2020-12-25\n");
    kr_error_clear(&err);
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_EPARSE);
    assert_int_equal(err.code, KR_EPARSE);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 3);
    assert_string_equal(err.field, "date");
    assert_non_null(strstr(err.msg, "got '2020-13-01'"));
    assert_int_equal(c.nholidays, 0);
    assert_null(c.holidays);
    unlink(path);

    /* A time of day is not a date; binary bytes are quoted. */
    write_temp(path, sizeof path, "2020-01-02 15:30\n");
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_EPARSE);
    assert_int_equal(err.line, 1);
    unlink(path);
    write_temp(path, sizeof path, "\n\n\x01\x02garbage\n");
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_EPARSE);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "'\\x01\\x02garbage'"));
    unlink(path);

    /* A failed load after a good one keeps the good holidays. */
    write_temp(path, sizeof path, "2020-07-03\n");
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_OK);
    unlink(path);
    write_temp(path, sizeof path, "2020-12-25\nchristmas\n");
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(c.nholidays, 1);
    assert_int_equal(c.holidays[0], day_of(2020, 7, 3));
    unlink(path);

    /* A missing file. */
    kr_error_clear(&err);
    assert_int_equal(kr_calendar_load_holidays(&c, "/nonexistent/hol.txt",
                                               &err), KR_ENOENT);
    assert_string_equal(err.file, "/nonexistent/hol.txt");

    /* An empty file or one of comments only adds nothing. */
    write_temp(path, sizeof path, "# none this year\n");
    assert_int_equal(kr_calendar_load_holidays(&c, path, &err), KR_OK);
    assert_int_equal(c.nholidays, 1);
    unlink(path);
    kr_calendar_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_is_session),
        cmocka_unit_test(test_sessions_known),
        cmocka_unit_test(test_sessions_vs_brute_force),
        cmocka_unit_test(test_ten_year_gap),
        cmocka_unit_test(test_load_holidays),
        cmocka_unit_test(test_load_holidays_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_log.c -- tests of src/core/log.c: levels, filtering, the text and JSON
 * record formats, and records from several threads.
 *
 * Output is redirected with kr_log_set_stream into a fresh tmpfile() per
 * check and read back. JSON records are checked by parsing them with jansson,
 * not by comparing text, so that any correct escaping passes and any broken
 * one fails; the message must come back byte for byte. Timestamps are checked
 * against the wall clock read just before and after the call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>

#include "kairos/core.h"

static kr_ts wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (kr_ts)ts.tv_sec * KR_NS_PER_SEC + ts.tv_nsec;
}

static FILE *capture(void)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    kr_log_set_stream(f);
    return f;
}

/* Returns everything written to f (caller frees) and closes it; the log
 * goes back to stderr. */
static char *slurp(FILE *f)
{
    kr_log_set_stream(NULL);
    fflush(f);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int reset(void **state)
{
    (void)state;
    kr_log_set_stream(NULL);
    kr_log_set_level(KR_LOG_INFO);
    kr_log_set_format(KR_LOG_FORMAT_TEXT);
    return 0;
}

static void test_level_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int level;
    } k[] = {
        {"trace", KR_LOG_TRACE}, {"debug", KR_LOG_DEBUG}, {"info", KR_LOG_INFO},
        {"warn", KR_LOG_WARN},   {"error", KR_LOG_ERROR}, {"off", KR_LOG_OFF},
        {"TRACE", KR_LOG_TRACE}, {"Debug", KR_LOG_DEBUG}, {"INFO", KR_LOG_INFO},
        {"warning", KR_LOG_WARN}, {"WARNING", KR_LOG_WARN},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        int level = -7;
        assert_int_equal(kr_log_level_parse(k[i].s, &level), KR_OK);
        assert_int_equal(level, k[i].level);
    }
    static const char *bad[] = {"", "verbose", "inf", "infos", " info",
                                "info ", "3", "fatal"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int level = -7;
        assert_int_equal(kr_log_level_parse(bad[i], &level), KR_EINVAL);
        assert_int_equal(level, -7);
    }
    int level = -7;
    assert_int_equal(kr_log_level_parse(NULL, &level), KR_EINVAL);
    assert_int_equal(level, -7);

    int format = -7;
    assert_int_equal(kr_log_format_parse("text", &format), KR_OK);
    assert_int_equal(format, KR_LOG_FORMAT_TEXT);
    assert_int_equal(kr_log_format_parse("JSON", &format), KR_OK);
    assert_int_equal(format, KR_LOG_FORMAT_JSON);
    format = -7;
    assert_int_equal(kr_log_format_parse("xml", &format), KR_EINVAL);
    assert_int_equal(kr_log_format_parse("", &format), KR_EINVAL);
    assert_int_equal(kr_log_format_parse(NULL, &format), KR_EINVAL);
    assert_int_equal(format, -7);
}

static void test_set_level(void **state)
{
    (void)state;
    kr_log_set_level(KR_LOG_WARN);
    assert_int_equal(kr_log_get_level(), KR_LOG_WARN);
    /* out-of-range levels are ignored */
    kr_log_set_level(-1);
    assert_int_equal(kr_log_get_level(), KR_LOG_WARN);
    kr_log_set_level(KR_LOG_OFF + 1);
    assert_int_equal(kr_log_get_level(), KR_LOG_WARN);
    kr_log_set_level(KR_LOG_OFF);
    assert_int_equal(kr_log_get_level(), KR_LOG_OFF);
    kr_log_set_level(KR_LOG_TRACE);
    assert_int_equal(kr_log_get_level(), KR_LOG_TRACE);
}

/* A record is written exactly when its level is at or above the threshold;
 * OFF as a threshold silences everything, and OFF or an out-of-range value as
 * a record level is never written. */
static void test_filtering(void **state)
{
    (void)state;
    for (int format = KR_LOG_FORMAT_TEXT; format <= KR_LOG_FORMAT_JSON;
         format++) {
        kr_log_set_format(format);
        for (int th = KR_LOG_TRACE; th <= KR_LOG_OFF; th++) {
            kr_log_set_level(th);
            FILE *f = capture();
            for (int lv = KR_LOG_TRACE; lv <= KR_LOG_ERROR; lv++)
                kr_log(lv, "t", "level %d", lv);
            kr_log(KR_LOG_OFF, "t", "never");
            kr_log(-1, "t", "never");
            kr_log(99, "t", "never");
            char *out = slurp(f);
            /* levels th..ERROR pass: ERROR - th + 1 of them, none at OFF */
            size_t want =
                th == KR_LOG_OFF ? 0 : (size_t)(KR_LOG_ERROR - th + 1);
            assert_int_equal(count_lines(out), want);
            assert_null(strstr(out, "never"));
            for (int lv = KR_LOG_TRACE; lv <= KR_LOG_ERROR; lv++) {
                char m[16];
                snprintf(m, sizeof m, "level %d", lv);
                assert_true((strstr(out, m) != NULL) == (lv >= th));
            }
            free(out);
        }
    }
    /* The macros log at their level. */
    kr_log_set_format(KR_LOG_FORMAT_TEXT);
    kr_log_set_level(KR_LOG_WARN);
    FILE *f = capture();
    KR_DEBUG("m", "d");
    KR_INFO("m", "i");
    KR_WARN("m", "w");
    KR_ERROR("m", "e");
    char *out = slurp(f);
    assert_int_equal(count_lines(out), 2);
    assert_non_null(strstr(out, " WARN  m: w\n"));
    assert_non_null(strstr(out, " ERROR m: e\n"));
    free(out);
}

/* Checks a "2020-01-02T03:04:05.123Z" stamp: its shape, and that it lies
 * between two wall-clock readings (the stamp is cut to the millisecond). */
static void check_stamp(const char *ts, size_t len, kr_ts before, kr_ts after)
{
    assert_int_equal(len, 24);
    assert_true(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' &&
                ts[13] == ':' && ts[16] == ':' && ts[19] == '.' &&
                ts[23] == 'Z');
    kr_ts t;
    assert_int_equal(kr_time_parse(ts, len, &t), KR_OK);
    assert_int_equal(t % KR_NS_PER_MS, 0);
    assert_true(t >= before - before % KR_NS_PER_MS);
    assert_true(t <= after);
}

static void test_text_format(void **state)
{
    (void)state;
    kr_log_set_level(KR_LOG_TRACE);
    kr_log_set_format(KR_LOG_FORMAT_TEXT);
    static const struct {
        int level;
        const char *tag;
    } k[] = {{KR_LOG_TRACE, "TRACE"}, {KR_LOG_DEBUG, "DEBUG"},
             {KR_LOG_INFO, "INFO "},  {KR_LOG_WARN, "WARN "},
             {KR_LOG_ERROR, "ERROR"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        FILE *f = capture();
        kr_ts before = wall_ns();
        kr_log(k[i].level, "data", "loaded %d bars from %s", 42, "x.csv");
        kr_ts after = wall_ns();
        char *out = slurp(f);
        /* "<24-byte stamp> <5-byte level> data: loaded 42 bars from x.csv\n" */
        char want[128];
        snprintf(want, sizeof want, " %s data: loaded 42 bars from x.csv\n",
                 k[i].tag);
        assert_int_equal(strlen(out), 24 + strlen(want));
        assert_string_equal(out + 24, want);
        check_stamp(out, 24, before, after);
        free(out);
    }
    /* Without a component the record is kairos's own. */
    FILE *f = capture();
    kr_log(KR_LOG_INFO, NULL, "hi");
    char *out = slurp(f);
    assert_string_equal(out + 24, " INFO  kairos: hi\n");
    free(out);
}

/* Logs msg (and component comp) as one JSON record and checks every key.
 * want_msg / want_comp are what must come back (the input itself unless it
 * is not UTF-8). */
static void check_json(const char *comp, const char *msg, const char *want_comp,
                       const char *want_msg)
{
    kr_log_set_format(KR_LOG_FORMAT_JSON);
    kr_log_set_level(KR_LOG_INFO);
    FILE *f = capture();
    kr_ts before = wall_ns();
    kr_log(KR_LOG_WARN, comp, "%s", msg);
    kr_ts after = wall_ns();
    char *out = slurp(f);
    /* one line, keys in the documented order */
    assert_int_equal(count_lines(out), 1);
    assert_int_equal(out[strlen(out) - 1], '\n');
    assert_memory_equal(out, "{\"ts\":\"", 7);
    json_error_t jerr;
    json_t *o = json_loads(out, 0, &jerr);
    if (!o)
        fail_msg("not JSON (%s): %s", jerr.text, out);
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), 4);
    json_t *ts = json_object_get(o, "ts");
    assert_true(json_is_string(ts));
    check_stamp(json_string_value(ts), json_string_length(ts), before, after);
    assert_string_equal(json_string_value(json_object_get(o, "level")), "warn");
    assert_string_equal(json_string_value(json_object_get(o, "component")),
                        want_comp);
    json_t *m = json_object_get(o, "msg");
    assert_true(json_is_string(m));
    assert_int_equal(json_string_length(m), strlen(want_msg));
    assert_memory_equal(json_string_value(m), want_msg, strlen(want_msg));
    json_decref(o);
    free(out);
}

static void test_json_format(void **state)
{
    (void)state;
    check_json("data", "plain", "data", "plain");
    check_json("data", "", "data", "");
    check_json("data", "say \"hi\" to 'it'", "data", "say \"hi\" to 'it'");
    check_json("data", "two\nlines\r\nand\ttab", "data",
               "two\nlines\r\nand\ttab");
    check_json("data", "back\\slash /", "data", "back\\slash /");
    check_json("data", "ctl \x01\x1f\x7f", "data", "ctl \x01\x1f\x7f");
    check_json("data", "{\"json\": [1, 2]}", "data", "{\"json\": [1, 2]}");
    /* UTF-8 passes through: e-acute, euro sign, an emoji (4 bytes). */
#define UTF8_MSG "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x88"
    check_json("donn\xc3\xa9" "es", UTF8_MSG, "donn\xc3\xa9" "es", UTF8_MSG);
#undef UTF8_MSG
    check_json(NULL, "x", "kairos", "x");
    /* Bytes that are not UTF-8 become U+FFFD (EF BF BD), one per byte, and
     * the record is still written. */
#define FFFD "\xef\xbf\xbd"
    check_json("data", "bad \xff\xfe end", "data", "bad " FFFD FFFD " end");
    check_json("data", "overlong \xc0\xaf", "data", "overlong " FFFD FFFD);
    check_json("data", "surrogate \xed\xa0\x80", "data",
               "surrogate " FFFD FFFD FFFD);
    check_json("data", "cut \xe2\x82", "data", "cut " FFFD FFFD);
    check_json("data", "big \xf4\x90\x80\x80", "data",
               "big " FFFD FFFD FFFD FFFD);
    check_json("data", "mixed \xc3\xa9\xff", "data", "mixed \xc3\xa9" FFFD);
    check_json("c\xff", "m\xff", "c" FFFD, "m" FFFD);
#undef FFFD
}

/* A message longer than the record buffer is cut, not dropped. */
static void test_long_message(void **state)
{
    (void)state;
    char *big = malloc(5001);
    assert_non_null(big);
    memset(big, 'a', 5000);
    big[5000] = '\0';
    kr_log_set_format(KR_LOG_FORMAT_JSON);
    FILE *f = capture();
    kr_log(KR_LOG_ERROR, "c", "%s", big);
    char *out = slurp(f);
    json_t *o = json_loads(out, 0, NULL);
    assert_non_null(o);
    size_t n = json_string_length(json_object_get(o, "msg"));
    assert_true(n >= 1000 && n < 5000);
    assert_memory_equal(json_string_value(json_object_get(o, "msg")), big, n);
    json_decref(o);
    free(out);
    free(big);
}

/* Records from several threads never interleave: every line is one whole
 * JSON record, and each thread's records all arrive. */
enum { THREADS = 4, PER_THREAD = 500 };

static void *log_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < PER_THREAD; i++)
        kr_log(KR_LOG_INFO, "worker", "thread %d record %d \"quoted\"\n", id,
               i);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    kr_log_set_format(KR_LOG_FORMAT_JSON);
    kr_log_set_level(KR_LOG_INFO);
    FILE *f = capture();
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(
            pthread_create(&th[i], NULL, log_worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    char *out = slurp(f);
    assert_int_equal(count_lines(out), THREADS * PER_THREAD);
    int seen[THREADS] = {0};
    int next[THREADS] = {0};
    for (char *line = out, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, NULL);
        assert_non_null(o);
        int id, rec;
        const char *msg = json_string_value(json_object_get(o, "msg"));
        assert_int_equal(sscanf(msg, "thread %d record %d", &id, &rec), 2);
        assert_true(id >= 0 && id < THREADS);
        /* each thread's records keep their order */
        assert_int_equal(rec, next[id]);
        next[id]++;
        seen[id]++;
        json_decref(o);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(seen[i], PER_THREAD);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_level_parse, reset),
        cmocka_unit_test_teardown(test_set_level, reset),
        cmocka_unit_test_teardown(test_filtering, reset),
        cmocka_unit_test_teardown(test_text_format, reset),
        cmocka_unit_test_teardown(test_json_format, reset),
        cmocka_unit_test_teardown(test_long_message, reset),
        cmocka_unit_test_teardown(test_threads, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

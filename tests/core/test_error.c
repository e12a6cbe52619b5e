/* test_error.c -- tests of src/core/error.c: codes, kr_error values and
 * kr_escape.
 *
 * The expected strings are written out by hand from the contract in core.h:
 * "file:line:col: field 'f': msg", parts that do not apply left out, and
 * "line L, column C" when there is no file name to hang them on. kr_escape is
 * exercised into heap buffers of exactly the size it is given, so that under
 * AddressSanitizer one byte too many is a crash, not a silent overwrite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/core.h"

static void test_strerror(void **state)
{
    (void)state;
    static const int codes[] = {KR_OK,     KR_EINVAL, KR_ENOMEM, KR_EIO,
                                KR_ENOENT, KR_EPARSE, KR_ERANGE, KR_EFORMAT,
                                KR_EEMPTY, KR_EUNSUPPORTED, KR_EREJECTED};
    const size_t n = sizeof codes / sizeof codes[0];
    /* Every code has its own text, and none is the unknown one. */
    for (size_t i = 0; i < n; i++) {
        assert_non_null(kr_strerror(codes[i]));
        assert_string_not_equal(kr_strerror(codes[i]), "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(kr_strerror(codes[i]),
                                    kr_strerror(codes[j]));
    }
    assert_string_equal(kr_strerror(KR_EPARSE), "malformed input");
    assert_string_equal(kr_strerror(-11), "unknown error");
    assert_string_equal(kr_strerror(1), "unknown error");
    assert_string_equal(kr_strerror(INT32_MIN), "unknown error");
}

/* Builds an error with each part present or not and checks the exact text. */
static void test_format_combinations(void **state)
{
    (void)state;
    static const struct {
        int file, line, col, field;
        const char *want;
    } k[] = {
        {1, 1, 1, 1, "bars.csv:12:3: field 'close': expected a number"},
        {1, 1, 1, 0, "bars.csv:12:3: expected a number"},
        {1, 1, 0, 1, "bars.csv:12: field 'close': expected a number"},
        {1, 1, 0, 0, "bars.csv:12: expected a number"},
        /* a column without a line is not a place and is left out */
        {1, 0, 1, 1, "bars.csv: field 'close': expected a number"},
        {1, 0, 1, 0, "bars.csv: expected a number"},
        {1, 0, 0, 1, "bars.csv: field 'close': expected a number"},
        {1, 0, 0, 0, "bars.csv: expected a number"},
        {0, 1, 1, 1, "line 12, column 3: field 'close': expected a number"},
        {0, 1, 1, 0, "line 12, column 3: expected a number"},
        {0, 1, 0, 1, "line 12: field 'close': expected a number"},
        {0, 1, 0, 0, "line 12: expected a number"},
        {0, 0, 1, 1, "field 'close': expected a number"},
        {0, 0, 1, 0, "expected a number"},
        {0, 0, 0, 1, "field 'close': expected a number"},
        {0, 0, 0, 0, "expected a number"},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        kr_error e;
        memset(&e, 0x7f, sizeof e); /* set must overwrite every part */
        int rc = kr_error_set(&e, KR_EPARSE, k[i].file ? "bars.csv" : NULL,
                              k[i].line ? 12 : 0, k[i].col ? 3 : 0,
                              k[i].field ? "close" : NULL, "expected a %s",
                              "number");
        assert_int_equal(rc, KR_EPARSE);
        assert_int_equal(e.code, KR_EPARSE);
        char buf[256];
        size_t n = kr_error_format(&e, buf, sizeof buf);
        if (strcmp(buf, k[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, buf, k[i].want);
        assert_int_equal(n, strlen(k[i].want));
    }
}

static void test_set_fields(void **state)
{
    (void)state;
    kr_error e;
    assert_int_equal(kr_error_set(&e, KR_ERANGE, "f.csv", INT64_C(5000000000),
                                  7, "volume", "%d > %d", 3, 2),
                     KR_ERANGE);
    assert_int_equal(e.code, KR_ERANGE);
    assert_int_equal(e.line, INT64_C(5000000000));
    assert_int_equal(e.column, 7);
    assert_string_equal(e.file, "f.csv");
    assert_string_equal(e.field, "volume");
    assert_string_equal(e.msg, "3 > 2");
    char buf[128];
    kr_error_format(&e, buf, sizeof buf);
    /* a line past 2^31 keeps all its digits */
    assert_string_equal(buf, "f.csv:5000000000:7: field 'volume': 3 > 2");

    /* Without a format the message is the code's description. */
    kr_error_set(&e, KR_ENOENT, "x.csv", 0, 0, NULL, NULL);
    assert_string_equal(e.msg, "not found");
    kr_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "x.csv: not found");

    /* An empty message formats as the code's description too. */
    kr_error_set(&e, KR_EIO, NULL, 0, 0, NULL, "%s", "");
    kr_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "input/output error");

    /* Negative line and column numbers are "not applicable". */
    kr_error_set(&e, KR_EIO, "a", -1, -1, NULL, "m");
    kr_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "a: m");

    kr_error_clear(&e);
    assert_int_equal(e.code, KR_OK);
    assert_int_equal(e.line, 0);
    assert_int_equal(e.column, 0);
    assert_string_equal(e.file, "");
    assert_string_equal(e.field, "");
    assert_string_equal(e.msg, "");
    kr_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "success");
}

static void test_null_error(void **state)
{
    (void)state;
    /* kr_error_set on NULL only returns the code. */
    assert_int_equal(kr_error_set(NULL, KR_EPARSE, "f", 1, 2, "g", "x %d", 1),
                     KR_EPARSE);
    assert_int_equal(kr_error_set(NULL, KR_OK, NULL, 0, 0, NULL, NULL), KR_OK);
    kr_error_clear(NULL);
    /* Formatting no error gives an empty string. */
    char buf[16] = "junk";
    assert_int_equal(kr_error_format(NULL, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kr_error_format(NULL, NULL, 0), 0);
}

static void test_truncation(void **state)
{
    (void)state;
    kr_error e;
    char big[2000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';

    /* Each part is cut to its array, terminated. */
    kr_error_set(&e, KR_EPARSE, big, 1, 1, big, "%s", big);
    assert_int_equal(strlen(e.file), sizeof e.file - 1);
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);

    /* The full formatted length is 255 + ":1:1: " (6) + "field '" (7) + 63
     * + "': " (3) + 511 = 845. */
    char out[1024];
    size_t n = kr_error_format(&e, out, sizeof out);
    assert_int_equal(n, 845);
    assert_int_equal(strlen(out), 845);

    /* A short buffer gets a terminated prefix and the length it needed. */
    char *small = malloc(10);
    assert_non_null(small);
    n = kr_error_format(&e, small, 10);
    assert_int_equal(n, 845);
    assert_int_equal(strlen(small), 9);
    assert_memory_equal(small, "mmmmmmmmm", 9);
    free(small);
    assert_int_equal(kr_error_format(&e, NULL, 0), 845);

    /* A message of exactly 511 bytes is kept whole. */
    kr_error_set(&e, KR_EPARSE, NULL, 0, 0, NULL, "%.511s", big);
    assert_int_equal(strlen(e.msg), 511);
}

/* ------------------------------------------------------------------------
 * kr_escape
 * ------------------------------------------------------------------------ */

/* Escapes n bytes of s into a heap buffer of exactly `size` bytes and
 * compares the result. The input, too, is a heap block of exactly n bytes. */
static void expect_escape(const char *s, size_t n, size_t size,
                          const char *want)
{
    char *in = malloc(n ? n : 1);
    char *buf = malloc(size ? size : 1);
    assert_non_null(in);
    assert_non_null(buf);
    memcpy(in, s, n);
    memset(buf, '#', size ? size : 1);
    char *r = kr_escape(in, n, buf, size);
    assert_ptr_equal(r, buf);
    if (size == 0) {
        assert_int_equal(buf[0], '#'); /* nothing written at all */
    } else {
        if (strcmp(buf, want) != 0)
            fail_msg("escape of %zu bytes into %zu: got \"%s\", want \"%s\"",
                     n, size, buf, want);
        assert_true(strlen(buf) < size);
    }
    free(in);
    free(buf);
}

#define ESC(lit, size, want) expect_escape(lit, sizeof(lit) - 1, size, want)

static void test_escape_basic(void **state)
{
    (void)state;
    ESC("AAPL,1.5", 64, "AAPL,1.5");
    ESC("", 64, "");
    ESC("\x00\x01\x7f\x80\xff", 64, "\\x00\\x01\\x7f\\x80\\xff");
    ESC("a\\b", 64, "a\\\\b");
    ESC("tab\there\r\n", 64, "tab\\x09here\\x0d\\x0a");
    ESC("caf\xc3\xa9", 64, "caf\\xc3\\xa9");
    ESC(" ~", 64, " ~"); /* the printable range ends are kept */
    /* An embedded NUL is a byte like any other. */
    ESC("a\0b", 64, "a\\x00b");
    /* NULL with zero length is an empty string. */
    char buf[4] = "xyz";
    assert_ptr_equal(kr_escape(NULL, 0, buf, sizeof buf), buf);
    assert_string_equal(buf, "");
}

static void test_escape_cut(void **state)
{
    (void)state;
    /* Input that fits exactly is not cut. */
    ESC("abc", 4, "abc");
    ESC("\xff", 5, "\\xff");
    ESC("\\", 3, "\\\\");
    /* One byte more and it is cut: room is left for "..." and the NUL. */
    ESC("abcd", 4, "...");
    ESC("abcdefgh", 8, "abcd...");
    /* An escape is never split: "\xff" needs 4 bytes, so in 8 bytes with
     * "..." there is room for none after "a". */
    ESC("a\xff\xff", 8, "a...");
    ESC("\xff\xff\xff\xff\xff", 20, "\\xff\\xff\\xff\\xff...");
    ESC("\\\\\\\\\\\\", 10, "\\\\\\\\\\\\...");
    /* A long line becomes one short one. */
    size_t n = 10 * 1000 * 1000;
    char *line = malloc(n);
    assert_non_null(line);
    memset(line, 'x', n);
    char out[20];
    kr_escape(line, n, out, sizeof out);
    assert_string_equal(out, "xxxxxxxxxxxxxxxx...");
    free(line);
}

/* Buffers of 0 to 5 bytes never overflow and always end in a NUL. */
static void test_escape_tiny(void **state)
{
    (void)state;
    ESC("abcdef", 0, "");
    ESC("abcdef", 1, "");
    ESC("abcdef", 2, ".");
    ESC("abcdef", 3, "..");
    ESC("abcdef", 4, "...");
    ESC("abcdef", 5, "a...");
    ESC("\xff\xfe", 0, "");
    ESC("\xff\xfe", 1, "");
    ESC("\xff\xfe", 2, ".");
    ESC("\xff\xfe", 3, "..");
    ESC("\xff\xfe", 4, "...");
    ESC("\xff\xfe", 5, "...");
    ESC("", 1, "");
    ESC("a", 1, ""); /* room for the NUL alone */
    ESC("a", 2, "a");
    ESC("ab", 3, "ab");
    ESC("\\", 2, ".");
    /* Every size from 0 to 40 over a mixed input: the output is terminated,
     * fits, is a prefix of the full escape (or that prefix plus dots), and
     * is the full escape as soon as the buffer holds it. */
    const char mixed[] = "a\\b\x01\xff z";
    const char *full = "a\\\\b\\x01\\xff z";
    for (size_t size = 0; size <= 40; size++) {
        char *buf = malloc(size ? size : 1);
        assert_non_null(buf);
        kr_escape(mixed, sizeof mixed - 1, buf, size);
        if (size == 1) {
            assert_string_equal(buf, "");
        } else if (size > 1) {
            size_t len = strlen(buf);
            assert_true(len < size);
            if (size > strlen(full)) {
                assert_string_equal(buf, full);
            } else {
                size_t keep = len;
                while (keep > 0 && buf[keep - 1] == '.')
                    keep--;
                assert_true(len - keep >= 1 && len - keep <= 3);
                assert_memory_equal(buf, full, keep);
            }
        }
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_format_combinations),
        cmocka_unit_test(test_set_fields),
        cmocka_unit_test(test_null_error),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_escape_basic),
        cmocka_unit_test(test_escape_cut),
        cmocka_unit_test(test_escape_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

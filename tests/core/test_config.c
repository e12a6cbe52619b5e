/* test_config.c -- tests of src/core/config.c, the YAML run-config loader:
 * flattening of nested mappings to dotted keys, sequences joined with
 * commas, the line and column of every value, and each class of error
 * with the line (and column) it names.
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

#include "kairos/core.h"

static void expect(const kr_config *c, const char *key, const char *value,
                   int64_t line, int column)
{
    const kr_config_entry *e = kr_config_get(c, key);
    if (!e)
        print_error("no key '%s'\n", key);
    assert_non_null(e);
    assert_string_equal(e->value, value);
    if (e->line != line || e->column != column)
        print_error("%s at %lld:%d, want %lld:%d\n", key, (long long)e->line,
                    e->column, (long long)line, column);
    assert_int_equal(e->line, line);
    assert_int_equal(e->column, column);
}

static void nested_and_sequences(void **state)
{
    (void)state;
    static const char text[] =
        "# a run\n"                               /* 1 */
        "data: [a.csv, b.csv]\n"                  /* 2 */
        "strategy:\n"                             /* 3 */
        "  name: sma_cross\n"                     /* 4 */
        "  fast: 10\n"                            /* 5 */
        "risk:\n"                                 /* 6 */
        "  max_leverage: 2.5\n"                   /* 7 */
        "  limits: {notional: 1e6, halted: no}\n" /* 8 */
        "symbols:\n"                              /* 9 */
        "  - AAPL\n"                              /* 10 */
        "  - 'MSFT'\n"                            /* 11 */
        "empty:\n"                                /* 12 */
        "quoted: \"a: b\"\n"                      /* 13 */
        "none: []\n";                             /* 14 */
    kr_config c;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_config_parse(&c, text, strlen(text), "run.yaml", &err);
    if (rc)
        print_error("%s:%lld: %s\n", err.file, (long long)err.line, err.msg);
    assert_int_equal(rc, KR_OK);
    assert_string_equal(c.file, "run.yaml");
    assert_int_equal(c.n, 10);
    /* Values start where their text starts: "data: [" puts '[' at column 7. */
    expect(&c, "data", "a.csv,b.csv", 2, 7);
    expect(&c, "strategy.name", "sma_cross", 4, 9);
    expect(&c, "strategy.fast", "10", 5, 9);
    expect(&c, "risk.max_leverage", "2.5", 7, 17);
    expect(&c, "risk.limits.notional", "1e6", 8, 22);
    expect(&c, "risk.limits.halted", "no", 8, 35);
    expect(&c, "symbols", "AAPL,MSFT", 10, 3);
    expect(&c, "empty", "", 12, 7); /* a null value: just past the ':' */
    expect(&c, "quoted", "a: b", 13, 9);
    expect(&c, "none", "", 14, 7);
    /* File order is kept. */
    assert_string_equal(c.items[0].key, "data");
    assert_string_equal(c.items[9].key, "none");
    assert_null(kr_config_get(&c, "strategy"));
    assert_null(kr_config_get(&c, "nope"));
    kr_config_free(&c);
    assert_int_equal(c.n, 0);
    assert_null(c.items);
    kr_config_free(&c); /* twice is fine */
    kr_config_free(NULL);
}

static void empty_inputs(void **state)
{
    (void)state;
    static const char *const texts[] = {"", "# only a comment\n", "---\n",
                                        "{}\n"};
    for (size_t i = 0; i < 4; i++) {
        kr_config c;
        kr_error err;
        assert_int_equal(kr_config_parse(&c, texts[i], strlen(texts[i]),
                                         "e.yaml", &err),
                         KR_OK);
        assert_int_equal(c.n, 0);
        kr_config_free(&c);
    }
    kr_config c;
    kr_error err;
    assert_int_equal(kr_config_parse(&c, NULL, 0, NULL, &err), KR_OK);
    assert_int_equal(c.n, 0);
    kr_config_free(&c);
}

static void max_depth(void **state)
{
    (void)state;
    /* Eight levels of mappings, the top one counted, are allowed. */
    static const char ok[] = "a: {b: {c: {d: {e: {f: {g: {h: 1}}}}}}}\n";
    kr_config c;
    kr_error err;
    assert_int_equal(kr_config_parse(&c, ok, strlen(ok), "d.yaml", &err),
                     KR_OK);
    expect(&c, "a.b.c.d.e.f.g.h", "1", 1, 32);
    kr_config_free(&c);
}

/* A bad text: the code, the line and column, and a message holding
 * `part`. */
static void bad(const char *text, int code, int64_t line, int column,
                const char *part)
{
    kr_config c;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_config_parse(&c, text, strlen(text), "bad.yaml", &err);
    if (rc != code || err.line != line || err.column != column ||
        !strstr(err.msg, part))
        print_error("'%s': rc %d at %lld:%d '%s'\n", text, rc,
                    (long long)err.line, err.column, err.msg);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_string_equal(err.file, "bad.yaml");
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_non_null(strstr(err.msg, part));
    assert_int_equal(c.n, 0);
    assert_null(c.items);
    kr_config_free(&c);
}

static void errors(void **state)
{
    (void)state;
    /* libyaml's own messages for syntax errors, at its marks. */
    bad("a: 1\nb: [1, 2\n", KR_EPARSE, 3, 1,
        "did not find expected ',' or ']'");
    bad("a: 1\n  b: 2\n", KR_EPARSE, 2, 4,
        "mapping values are not allowed in this context");
    bad("a: 'open\n", KR_EPARSE, 2, 1, "found unexpected end of stream");
    bad("a: 1\nb:\t- x\n", KR_EPARSE, 2, 4,
        "block sequence entries are not allowed in this context");
    /* Invalid UTF-8 is a reader error; its line counted from the bytes. */
    bad("a: 1\nb: \xff\n", KR_EPARSE, 2, 4, "invalid leading UTF-8 octet");
    /* The loader's own refusals. */
    bad("- a\n- b\n", KR_EPARSE, 1, 1, "top level must be a mapping");
    bad("just text\n", KR_EPARSE, 1, 1, "top level must be a mapping");
    bad("a: 1\nlist:\n  - {x: 1}\n", KR_EPARSE, 3, 5,
        "a sequence of mappings is not supported (under 'list')");
    bad("a: [[1, 2]]\n", KR_EPARSE, 1, 5,
        "nested sequences are not supported (under 'a')");
    bad("risk:\n  max: 1\nrisk:\n  max: 2\n", KR_EPARSE, 4, 8,
        "duplicate key 'risk.max' (first at line 2)");
    bad("a.b: 1\na:\n  b: 2\n", KR_EPARSE, 3, 6,
        "duplicate key 'a.b' (first at line 1)");
    bad("a: {b: {c: {d: {e: {f: {g: {h: {i: 1}}}}}}}}\n", KR_EPARSE, 1, 32,
        "nesting deeper than 8 levels (at 'a.b.c.d.e.f.g.h')");
    bad("a: &x 1\nb: 2\n", KR_EPARSE, 1, 4, "anchors and aliases");
    bad("a: 1\nb: *x\n", KR_EPARSE, 2, 4, "anchors and aliases");
    bad("a: 1\nb: [1, &y 2]\n", KR_EPARSE, 2, 8, "anchors and aliases");
    bad("a: 1\n? [x, y]\n: 2\n", KR_EPARSE, 2, 3, "a key must be a scalar");
    bad("a: 1\n'': 2\n", KR_EPARSE, 2, 1, "empty key");
    bad("a: \"x\\0y\"\n", KR_EPARSE, 1, 4, "holds a NUL byte");
    bad("a: 1\n---\nb: 2\n", KR_EPARSE, 2, 1, "more than one document");
}

static void too_many_entries(void **state)
{
    (void)state;
    /* 10001 keys "k0: 0" .. "k10000: 0": the last one is refused on its
     * line, 10001. */
    size_t cap = 10001 * 16, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i <= 10000; i++)
        n += (size_t)snprintf(text + n, cap - n, "k%d: 0\n", i);
    kr_config c;
    kr_error err;
    assert_int_equal(kr_config_parse(&c, text, n, "big.yaml", &err),
                     KR_EPARSE);
    assert_int_equal(err.line, 10001);
    assert_string_equal(err.msg, "more than 10000 entries");
    /* Exactly 10000 load. */
    size_t last = n - strlen("k10000: 0\n");
    assert_int_equal(kr_config_parse(&c, text, last, "big.yaml", &err),
                     KR_OK);
    assert_int_equal(c.n, 10000);
    expect(&c, "k9999", "0", 10000, 8);
    kr_config_free(&c);
    free(text);
}

static void load_files(void **state)
{
    (void)state;
    char path[] = "/tmp/kr_test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "cash: 50000\nrisk:\n  max_position: 10\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    kr_config c;
    kr_error err;
    assert_int_equal(kr_config_load(&c, path, &err), KR_OK);
    assert_string_equal(c.file, path);
    expect(&c, "cash", "50000", 1, 7);
    expect(&c, "risk.max_position", "10", 3, 17);
    kr_config_free(&c);
    unlink(path);

    kr_error_clear(&err);
    assert_int_equal(kr_config_load(&c, path, &err), KR_ENOENT);
    assert_string_equal(err.file, path);
    assert_int_equal(c.n, 0);
    kr_config_free(&c);
    /* A directory opens but cannot be read. */
    assert_int_equal(kr_config_load(&c, "/tmp", &err), KR_EIO);
    assert_string_equal(err.file, "/tmp");
    kr_config_free(&c);

    /* Errors from a file name the file. */
    memcpy(path + strlen(path) - 6, "XXXXXX", 6);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char dup[] = "a: 1\n\n\na: 2\n";
    assert_int_equal(write(fd, dup, strlen(dup)), (ssize_t)strlen(dup));
    close(fd);
    assert_int_equal(kr_config_load(&c, path, &err), KR_EPARSE);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 4);
    char buf[600], want[600];
    kr_error_format(&err, buf, sizeof buf);
    snprintf(want, sizeof want, "%s:4:4: duplicate key 'a' (first at line 1)",
             path);
    assert_string_equal(buf, want);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nested_and_sequences),
        cmocka_unit_test(empty_inputs),
        cmocka_unit_test(max_depth),
        cmocka_unit_test(errors),
        cmocka_unit_test(too_many_entries),
        cmocka_unit_test(load_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_symtab.c -- tests of src/core/symtab.c: interning names to dense ids.
 *
 * The reference for the large test is the order of first appearance itself:
 * names are made unique by construction (a bijection of their index), so the
 * i-th new name must get id i, and re-interning, finding and naming must all
 * agree with that. 100k names take the table through many rehashes. Every
 * name is passed from a heap block of exactly its length, with no
 * terminator, so that AddressSanitizer catches a read past `len`.
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

static int intern_exact(kr_symtab *t, const char *name, size_t len,
                        uint32_t *id)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, name, len);
    int rc = kr_symtab_intern(t, copy, len, id);
    free(copy);
    return rc;
}

static int find_exact(const kr_symtab *t, const char *name, size_t len,
                      uint32_t *id)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, name, len);
    int rc = kr_symtab_find(t, copy, len, id);
    free(copy);
    return rc;
}

static uint32_t intern_ok(kr_symtab *t, const char *name)
{
    uint32_t id = UINT32_MAX;
    assert_int_equal(intern_exact(t, name, strlen(name), &id), KR_OK);
    return id;
}

static void test_dense_first_seen(void **state)
{
    (void)state;
    kr_symtab *t = kr_symtab_new();
    assert_non_null(t);
    assert_int_equal(kr_symtab_count(t), 0);
    assert_int_equal(intern_ok(t, "AAPL"), 0);
    assert_int_equal(intern_ok(t, "MSFT"), 1);
    assert_int_equal(intern_ok(t, "AAPL"), 0);
    assert_int_equal(intern_ok(t, "BTCUSDT"), 2);
    assert_int_equal(intern_ok(t, "MSFT"), 1);
    assert_int_equal(kr_symtab_count(t), 3);
    /* Names are case sensitive and length sensitive. */
    assert_int_equal(intern_ok(t, "aapl"), 3);
    assert_int_equal(intern_ok(t, "AAP"), 4);
    assert_int_equal(kr_symtab_count(t), 5);
    assert_string_equal(kr_symtab_name(t, 0), "AAPL");
    assert_string_equal(kr_symtab_name(t, 2), "BTCUSDT");
    assert_string_equal(kr_symtab_name(t, 4), "AAP");
    /* A name is `len` bytes of a longer buffer, as a CSV field is. */
    uint32_t id;
    assert_int_equal(intern_exact(t, "AAPL.US,1,2", 4, &id), KR_OK);
    assert_int_equal(id, 0);
    assert_int_equal(kr_symtab_count(t), 5);
    kr_symtab_free(t);
}

static void test_find_vs_intern(void **state)
{
    (void)state;
    kr_symtab *t = kr_symtab_new();
    assert_non_null(t);
    uint32_t id = 77;
    /* find never adds */
    assert_int_equal(find_exact(t, "ES", 2, &id), KR_ENOENT);
    assert_int_equal(id, 77);
    assert_int_equal(kr_symtab_count(t), 0);
    assert_int_equal(intern_ok(t, "ES"), 0);
    assert_int_equal(intern_ok(t, "NQ"), 1);
    assert_int_equal(find_exact(t, "NQ", 2, &id), KR_OK);
    assert_int_equal(id, 1);
    assert_int_equal(find_exact(t, "ES", 2, &id), KR_OK);
    assert_int_equal(id, 0);
    assert_int_equal(find_exact(t, "E", 1, &id), KR_ENOENT);
    assert_int_equal(find_exact(t, "ESX", 3, &id), KR_ENOENT);
    assert_int_equal(find_exact(t, "NQ", 0, &id), KR_ENOENT);
    assert_int_equal(kr_symtab_count(t), 2);
    kr_symtab_free(t);
}

/* A name made unique from its index: 0 to 8 'Z's, a dot, then i times an odd
 * constant (a bijection mod 2^32) in hex. The hex part alone identifies i,
 * and the prefix makes lengths vary from 2 to 17 bytes. */
static size_t make_name(uint32_t i, char buf[40])
{
    int n = snprintf(buf, 40, "%.*s.%x", (int)(i % 9), "ZZZZZZZZZ",
                     (unsigned)(i * 2654435761u));
    return (size_t)n;
}

static void test_many_names(void **state)
{
    (void)state;
    enum { N = 100000 };
    kr_symtab *t = kr_symtab_new();
    assert_non_null(t);
    char name[40];
    uint64_t r = 12345;
    for (uint32_t i = 0; i < N; i++) {
        size_t len = make_name(i, name);
        uint32_t id;
        assert_int_equal(intern_exact(t, name, len, &id), KR_OK);
        assert_int_equal(id, i);
        /* Now and then re-intern an earlier name: its id, no growth. */
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t j = (uint32_t)((r >> 33) % (i + 1));
        len = make_name(j, name);
        assert_int_equal(intern_exact(t, name, len, &id), KR_OK);
        assert_int_equal(id, j);
        assert_int_equal(kr_symtab_count(t), i + 1);
    }
    for (uint32_t i = 0; i < N; i++) {
        size_t len = make_name(i, name);
        uint32_t id = UINT32_MAX;
        assert_int_equal(find_exact(t, name, len, &id), KR_OK);
        assert_int_equal(id, i);
        const char *back = kr_symtab_name(t, i);
        assert_non_null(back);
        assert_int_equal(strlen(back), len);
        assert_memory_equal(back, name, len);
    }
    /* Names never added are not found. */
    for (uint32_t i = N; i < N + 1000; i++) {
        size_t len = make_name(i, name);
        uint32_t id;
        assert_int_equal(find_exact(t, name, len, &id), KR_ENOENT);
    }
    assert_int_equal(kr_symtab_count(t), N);
    assert_null(kr_symtab_name(t, N));
    kr_symtab_free(t);
}

static void test_limits(void **state)
{
    (void)state;
    kr_symtab *t = kr_symtab_new();
    assert_non_null(t);
    char name[KR_SYMBOL_MAX + 2];
    memset(name, 'X', sizeof name);
    uint32_t id = 99;
    /* exactly KR_SYMBOL_MAX bytes is accepted, one more is not */
    assert_int_equal(intern_exact(t, name, KR_SYMBOL_MAX, &id), KR_OK);
    assert_int_equal(id, 0);
    assert_int_equal(strlen(kr_symtab_name(t, 0)), KR_SYMBOL_MAX);
    id = 99;
    assert_int_equal(intern_exact(t, name, KR_SYMBOL_MAX + 1, &id),
                     KR_EINVAL);
    assert_int_equal(id, 99);
    /* empty */
    assert_int_equal(intern_exact(t, "", 0, &id), KR_EINVAL);
    assert_int_equal(kr_symtab_intern(t, NULL, 0, &id), KR_EINVAL);
    /* control bytes anywhere, DEL, NUL inside len */
    static const char *bad[] = {"A\x01", "\tA", "A\n", "A\r", "A\x7f",
                                "\x1f", "A B\x1b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(intern_exact(t, bad[i], strlen(bad[i]), &id),
                         KR_EINVAL);
    assert_int_equal(intern_exact(t, "AB\0C", 4, &id), KR_EINVAL);
    assert_int_equal(id, 99);
    assert_int_equal(kr_symtab_count(t), 1);
    /* printable ASCII punctuation and UTF-8 names are fine */
    assert_int_equal(intern_ok(t, "BRK.B"), 1);
    assert_int_equal(intern_ok(t, "EUR/USD"), 2);
    assert_int_equal(intern_ok(t, "^GSPC"), 3);
    assert_int_equal(intern_ok(t, "A B"), 4);
    assert_int_equal(intern_ok(t, "Soci\xc3\xa9t\xc3\xa9"), 5);
    assert_string_equal(kr_symtab_name(t, 5), "Soci\xc3\xa9t\xc3\xa9");
    kr_symtab_free(t);
}

static void test_name_range(void **state)
{
    (void)state;
    kr_symtab *t = kr_symtab_new();
    assert_non_null(t);
    assert_null(kr_symtab_name(t, 0));
    intern_ok(t, "A");
    assert_string_equal(kr_symtab_name(t, 0), "A");
    assert_null(kr_symtab_name(t, 1));
    assert_null(kr_symtab_name(t, UINT32_MAX));
    assert_null(kr_symtab_name(NULL, 0));
    assert_int_equal(kr_symtab_count(NULL), 0);
    kr_symtab_free(t);
    kr_symtab_free(NULL);
}

/* Names stay valid while the table grows: the pointer returned for id 0 is
 * owned by the table and does not move with the id vector. */
static void test_name_pointer_stable(void **state)
{
    (void)state;
    kr_symtab *t = kr_symtab_new();
    assert_non_null(t);
    intern_ok(t, "FIRST");
    const char *first = kr_symtab_name(t, 0);
    char name[40];
    for (uint32_t i = 0; i < 5000; i++) {
        size_t len = make_name(i, name);
        uint32_t id;
        assert_int_equal(intern_exact(t, name, len, &id), KR_OK);
        assert_int_equal(id, i + 1);
    }
    assert_ptr_equal(kr_symtab_name(t, 0), first);
    assert_string_equal(first, "FIRST");
    kr_symtab_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_first_seen),
        cmocka_unit_test(test_find_vs_intern),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_name_range),
        cmocka_unit_test(test_name_pointer_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

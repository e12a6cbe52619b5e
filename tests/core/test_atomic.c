/* test_atomic.c -- kr_write_atomic: the file holds exactly the new bytes,
 * a replacement leaves no temporary file beside it, a failure names the
 * file, leaves the old content and no temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kairos/core.h"

static size_t read_all(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_write_replace(void **state)
{
    (void)state;
    char dir[] = "/tmp/kr_atomic_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], buf[64];
    snprintf(path, sizeof path, "%s/model.json", dir);
    kr_error err;
    assert_int_equal(kr_write_atomic(path, "first", 5, &err), KR_OK);
    assert_int_equal(read_all(path, buf, sizeof buf), 5);
    assert_memory_equal(buf, "first", 5);
    assert_int_equal(kr_write_atomic(path, "2nd", 3, &err), KR_OK);
    assert_int_equal(read_all(path, buf, sizeof buf), 3);
    assert_memory_equal(buf, "2nd", 3);
    assert_int_equal(kr_write_atomic(path, NULL, 0, &err), KR_OK);
    assert_int_equal(read_all(path, buf, sizeof buf), 0);
    /* Only the file itself: no temporary left beside it. */
    assert_int_equal(entries(dir), 1);

    /* A target that is a directory cannot be replaced: KR_EIO naming it,
     * the directory intact, no temporary file left. */
    char sub[256];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(kr_write_atomic(sub, "x", 1, &err), KR_EIO);
    assert_string_equal(err.file, sub);
    assert_int_equal(entries(dir), 2);
    /* A missing directory: KR_EIO naming the path. */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/no/such/file", dir);
    assert_int_equal(kr_write_atomic(missing, "x", 1, &err), KR_EIO);
    assert_string_equal(err.file, missing);
    assert_int_equal(kr_write_atomic(NULL, "x", 1, &err), KR_EINVAL);

    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

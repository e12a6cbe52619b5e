/* test_spec.c -- tests of src/validate/spec.c: the scheme's text form,
 * its errors, the embargo option, formatting back and running a spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/validate.h"

static void test_parse(void **state)
{
    (void)state;
    kr_cv_spec s;
    kr_cv_spec_init(&s);
    assert_int_equal(s.scheme, KR_CV_NONE);
    assert_int_equal(kr_cv_spec_parse(&s, "kfold:k=5", "--cv", NULL), KR_OK);
    assert_int_equal(s.scheme, KR_CV_KFOLD);
    assert_int_equal(s.k, 5);
    assert_int_equal(kr_cv_spec_parse(&s, "cpcv:groups=6,test=2", "--cv",
                                      NULL),
                     KR_OK);
    assert_int_equal(s.scheme, KR_CV_CPCV);
    assert_int_equal(s.groups, 6);
    assert_int_equal(s.k, 2);
    assert_int_equal(kr_cv_spec_parse(&s, "walk:train=500,test=100,step=50",
                                      "--cv", NULL),
                     KR_OK);
    assert_int_equal(s.scheme, KR_CV_WALK);
    assert_int_equal(s.train, 500);
    assert_int_equal(s.test, 100);
    assert_int_equal(s.step, 50);
    assert_int_equal(s.rolling, 0);
    /* step defaults to the test block; flags in any position. */
    assert_int_equal(kr_cv_spec_parse(&s, "walk:rolling,train=500,test=100",
                                      "--cv", NULL),
                     KR_OK);
    assert_int_equal(s.step, 100);
    assert_int_equal(s.rolling, 1);
    assert_int_equal(kr_cv_spec_parse(&s,
                                      "walk:train=5,test=1,rolling,expanding",
                                      "--cv", NULL),
                     KR_OK);
    assert_int_equal(s.rolling, 0);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"folds:k=5", "expected kfold:k=K, cpcv:groups=N,test=K or "
                      "walk:train=W,test=S[,step=P][,rolling], got "
                      "'folds:k=5'"},
        {"kfold", "missing the parameters after 'kfold'"},
        {"kfold:", "missing the parameters after 'kfold'"},
        {"kfold:k=1", "expected k >= 2 in 'kfold:k=1'"},
        {"kfold:k=x", "expected a positive integer in 'k=x'"},
        {"kfold:k=0", "expected a positive integer in 'k=0'"},
        {"kfold:k=-3", "expected a positive integer in 'k=-3'"},
        {"kfold:k", "expected a positive integer in 'k'"},
        {"kfold:k=5,", "empty parameter in 'kfold:k=5,'"},
        {"kfold:,k=5", "empty parameter in 'kfold:,k=5'"},
        {"kfold:k=5,k=6", "parameter given twice: 'k'"},
        {"kfold:groups=5", "unknown parameter 'groups'"},
        {"cpcv:groups=6,tset=2", "unknown parameter 'tset'"},
        {"cpcv:groups=6", "missing groups= or test= in 'cpcv:groups=6'"},
        {"cpcv:groups=3,test=3",
         "expected 1 <= test < groups and groups >= 2 in "
         "'cpcv:groups=3,test=3'"},
        {"walk:train=500", "missing train= or test= in 'walk:train=500'"},
        {"walk:train=5,test=1,rolling=1", "unknown parameter 'rolling'"},
        {"walk:train=5,test=99999999999999999999",
         "expected a positive integer in 'test=99999999999999999999'"},
        {"kfold:k=5\x01", "expected a positive integer in 'k=5\\x01'"},
    };
    kr_cv_spec s;
    kr_cv_spec_init(&s);
    assert_int_equal(kr_cv_spec_parse(&s, "kfold:k=4", "--cv", NULL), KR_OK);
    kr_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kr_cv_spec_parse(&s, bad[i].text, "--cv", &err),
                         KR_EINVAL);
        assert_string_equal(err.field, "--cv");
        assert_string_equal(err.msg, bad[i].msg);
        /* The spec keeps what it held. */
        assert_int_equal(s.scheme, KR_CV_KFOLD);
        assert_int_equal(s.k, 4);
    }
    assert_int_equal(kr_cv_spec_parse(&s, NULL, "--cv", &err), KR_EINVAL);
}

static void test_embargo(void **state)
{
    (void)state;
    kr_cv_spec s;
    kr_cv_spec_init(&s);
    kr_error err;
    assert_int_equal(kr_cv_spec_embargo(&s, "0.01", "--embargo", &err),
                     KR_OK);
    assert_true(s.embargo == 0.01);
    /* Parsing a scheme keeps the embargo. */
    assert_int_equal(kr_cv_spec_parse(&s, "kfold:k=5", "--cv", &err), KR_OK);
    assert_true(s.embargo == 0.01);
    static const char *bad[] = {"1", "-0.1", "abc", "0.01x", "", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kr_cv_spec_embargo(&s, bad[i], "--embargo", &err),
                         KR_EINVAL);
        assert_string_equal(err.field, "--embargo");
    }
    assert_string_equal(err.msg, "expected an embargo fraction in [0, 1), "
                                 "got 'nan'");
    assert_true(s.embargo == 0.01);
}

static void test_format_and_run(void **state)
{
    (void)state;
    static const char *texts[] = {"kfold:k=5", "cpcv:groups=6,test=2",
                                  "walk:train=500,test=100,step=50,rolling",
                                  "walk:train=4,test=2,step=2"};
    kr_cv_spec s;
    char buf[96];
    for (size_t i = 0; i < 4; i++) {
        kr_cv_spec_init(&s);
        assert_int_equal(kr_cv_spec_parse(&s, texts[i], NULL, NULL), KR_OK);
        assert_int_equal(kr_cv_spec_format(&s, buf, sizeof buf),
                         strlen(texts[i]));
        assert_string_equal(buf, texts[i]);
    }
    assert_int_equal(kr_cv_spec_embargo(&s, "0.05", NULL, NULL), KR_OK);
    kr_cv_spec_format(&s, buf, sizeof buf);
    assert_string_equal(buf, "walk:train=4,test=2,step=2,embargo=0.05");
    /* The length is that of the whole text even when cut. */
    assert_int_equal(kr_cv_spec_format(&s, buf, 8), 39);
    assert_string_equal(buf, "walk:tr");

    /* kr_cv_run gives what the scheme's own function gives. */
    kr_cv_labels lab = {10, NULL, NULL};
    kr_cv a, b;
    kr_cv_init(&a);
    kr_cv_init(&b);
    assert_int_equal(kr_cv_run(&a, &s, &lab, NULL), KR_OK);
    assert_int_equal(kr_cv_walk(&b, &lab, 4, 2, 2, 0, 0.05, NULL), KR_OK);
    assert_int_equal(a.nsplits, 3);
    assert_int_equal(a.nsplits, b.nsplits);
    for (size_t i = 0; i < a.nsplits; i++) {
        assert_int_equal(a.splits[i].ntrain, b.splits[i].ntrain);
        assert_memory_equal(a.splits[i].train, b.splits[i].train,
                            a.splits[i].ntrain * sizeof(size_t));
    }
    assert_int_equal(kr_cv_spec_parse(&s, "cpcv:groups=5,test=2", NULL,
                                      NULL),
                     KR_OK);
    assert_int_equal(kr_cv_run(&a, &s, &lab, NULL), KR_OK);
    assert_int_equal(a.nsplits, 10);
    assert_int_equal(a.npaths, 4);
    assert_int_equal(a.embargo_rows, 1); /* ceil(0.05 x 10) */
    kr_cv_spec_init(&s);
    kr_error err;
    assert_int_equal(kr_cv_run(&a, &s, &lab, &err), KR_EINVAL);
    assert_string_equal(err.msg, "no validation scheme chosen");
    assert_int_equal(a.nsplits, 0);
    kr_cv_free(&a);
    kr_cv_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_embargo),
        cmocka_unit_test(test_format_and_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

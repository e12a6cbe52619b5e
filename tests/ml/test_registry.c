/* test_registry.c -- the model registry and the live predictor.
 *
 * The registry is tested with a model kind of the test's own, "linear": a
 * small text file of weights and a bias whose prediction is a dot product,
 * so every answer is known by hand and no XGBoost is involved. The model
 * file of version k is made to answer exactly k on a row of ones (weights
 * k, 2k, -3k, k and bias 0: k + 2k - 3k + k = k, exact in float), which
 * lets the stress test catch a prediction answered by a model other than
 * the version it reports. The loader counts its loads and frees, so the
 * tests see that every model the registry or the predictor loaded was
 * freed, with or without ASan.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kairos/ml.h"

/* ------------------------------------------------------------------------
 * The "linear" test kind
 * ------------------------------------------------------------------------ */

#define LIN_MAX 16

typedef struct linear {
    size_t n;
    float w[LIN_MAX];
    float b;
} linear;

static atomic_long g_loads, g_frees;

/* The file: "linear", the count n (1..16), n weights, the bias, "end",
 * one item a line. Anything else is refused naming the line. */
static int linear_load(const char *path, void **model, kr_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "cannot open");
    linear *m = calloc(1, sizeof *m);
    char line[512];
    int lineno = 0, rc = KR_EPARSE;
    if (!m) {
        fclose(f);
        return KR_ENOMEM;
    }
#define NEXT()                                                                 \
    do {                                                                       \
        lineno++;                                                              \
        if (!fgets(line, sizeof line, f))                                      \
            goto bad;                                                          \
    } while (0)
    NEXT();
    if (strcmp(line, "linear\n"))
        goto bad;
    NEXT();
    char *end;
    long n = strtol(line, &end, 10);
    if (end == line || *end != '\n' || n < 1 || n > LIN_MAX)
        goto bad;
    m->n = (size_t)n;
    NEXT();
    char *s = line;
    for (size_t i = 0; i < m->n; i++) {
        m->w[i] = strtof(s, &end);
        if (end == s)
            goto bad;
        s = end;
    }
    if (*s != '\n')
        goto bad;
    NEXT();
    m->b = strtof(line, &end);
    if (end == line || *end != '\n')
        goto bad;
    NEXT();
    if (strcmp(line, "end\n"))
        goto bad;
#undef NEXT
    fclose(f);
    *model = m;
    atomic_fetch_add(&g_loads, 1);
    return KR_OK;
bad:
    fclose(f);
    free(m);
    return kr_error_set(err, rc, path, lineno, 0, NULL,
                        "not a linear model");
}

static int linear_predict(const void *model, const float *row, size_t ncols,
                          float *out)
{
    const linear *m = model;
    if (ncols != m->n)
        return KR_EINVAL;
    float s = m->b;
    for (size_t i = 0; i < m->n; i++)
        s += m->w[i] * row[i];
    *out = s;
    return KR_OK;
}

static size_t linear_nfeatures(const void *model)
{
    return ((const linear *)model)->n;
}

static void linear_free(void *model)
{
    if (model)
        atomic_fetch_add(&g_frees, 1);
    free(model);
}

static const kr_model_kind linear_kind = {
    .name = "linear",
    .file = "model.lin",
    .load = linear_load,
    .predict_row = linear_predict,
    .nfeatures = linear_nfeatures,
    .free = linear_free,
};

/* ------------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------------ */

typedef struct fixture {
    char dir[256];  /* scratch directory */
    char root[300]; /* the registry root inside it */
    char shm[256];  /* a scratch directory in memory, when one was made */
} fixture;

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Reads a whole small file; "" when it does not exist. */
static void read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (!f)
        return;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Writes the model of "version k": weights k, 2k, -3k, k and bias 0. */
static void write_model(const fixture *fx, const char *name, int k)
{
    char path[512], text[256];
    snprintf(path, sizeof path, "%s/%s", fx->dir, name);
    snprintf(text, sizeof text, "linear\n4\n%d %d %d %d\n0\nend\n", k, 2 * k,
             -3 * k, k);
    write_text(path, text);
}

static void remove_all(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_all(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    const char *t = getenv("TMPDIR");
    snprintf(fx->dir, sizeof fx->dir, "%s/kr_registry_XXXXXX",
             t && t[0] ? t : "/tmp");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->root, sizeof fx->root, "%s/reg", fx->dir);
    atomic_store(&g_loads, 0);
    atomic_store(&g_frees, 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    remove_all(fx->dir);
    if (fx->shm[0])
        remove_all(fx->shm);
    free(fx);
    return 0;
}

/* Adds the model of version k (written to a file first); returns rc. */
static int add_k(const fixture *fx, kr_registry *r, int k, const char *parent,
                 char *version)
{
    char name[32], path[512];
    snprintf(name, sizeof name, "m%d.lin", k);
    write_model(fx, name, k);
    snprintf(path, sizeof path, "%s/%s", fx->dir, name);
    kr_model_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.parent, sizeof m.parent, "%s", parent ? parent : "");
    kr_error err;
    int rc = kr_registry_add(r, &linear_kind, path, &m, &err);
    if (version)
        snprintf(version, 32, "%s", rc == KR_OK ? m.version : "");
    return rc;
}

static void pointer(const fixture *fx, const char *name, char *buf,
                    size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fx->root, name);
    read_text(path, buf, size);
}

static void assert_pointers(const fixture *fx, const char *live,
                            const char *prev)
{
    char buf[64], want[64];
    pointer(fx, "LIVE", buf, sizeof buf);
    snprintf(want, sizeof want, "%s%s", live, live[0] ? "\n" : "");
    assert_string_equal(buf, want);
    pointer(fx, "PREVIOUS", buf, sizeof buf);
    snprintf(want, sizeof want, "%s%s", prev, prev[0] ? "\n" : "");
    assert_string_equal(buf, want);
}

/* The versions listed, joined by spaces. */
static void listed(const kr_registry *r, char *buf, size_t size)
{
    kr_model_meta metas[32];
    size_t n = kr_registry_list(r, metas, 32);
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 32; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? " " : "",
                 metas[i].version);
    }
}

static bool exists(const fixture *fx, const char *rel)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", fx->root, rel);
    return stat(path, &st) == 0;
}

/* True when ROOT/versions holds an entry starting with `prefix`. */
static bool leftover(const fixture *fx, const char *prefix)
{
    char path[512];
    snprintf(path, sizeof path, "%s/versions", fx->root);
    DIR *d = opendir(path);
    bool found = false;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        found |= !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return found;
}

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void test_linear_kind(void **state)
{
    /* The test kind itself: v3's model on (1, 1, 1, 1) gives
     * 3 + 6 - 9 + 3 = 3; on (1, 0, 0, 0) gives 3. */
    fixture *fx = *state;
    write_model(fx, "m.lin", 3);
    char path[512];
    snprintf(path, sizeof path, "%s/m.lin", fx->dir);
    void *m = NULL;
    assert_int_equal(linear_load(path, &m, NULL), KR_OK);
    float ones[4] = {1, 1, 1, 1}, e1[4] = {1, 0, 0, 0}, out = 0;
    assert_int_equal(linear_predict(m, ones, 4, &out), KR_OK);
    assert_true(out == 3.0f);
    assert_int_equal(linear_predict(m, e1, 4, &out), KR_OK);
    assert_true(out == 3.0f);
    assert_int_equal(linear_nfeatures(m), 4);
    linear_free(m);
    write_text(path, "linear\n4\n1 2 x 4\n0\nend\n");
    kr_error err;
    assert_int_equal(linear_load(path, &m, &err), KR_EPARSE);
    assert_int_equal(err.line, 3);
}

static void test_add_list_meta(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    assert_int_equal(kr_registry_open(fx->root, 1, &r, &err), KR_EINVAL);
    assert_string_equal(err.field, "keep");
    assert_int_equal(kr_registry_open(fx->root, 5, &r, &err), KR_OK);
    char live[32] = "x";
    assert_int_equal(kr_registry_live(r, live, sizeof live), KR_OK);
    assert_string_equal(live, "");
    assert_int_equal(kr_registry_list(r, NULL, 0), 0);

    write_model(fx, "a.lin", 1);
    char src[512];
    snprintf(src, sizeof src, "%s/a.lin", fx->dir);
    kr_model_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.features, sizeof m.features, "rsi:14,sma:20,ret:1");
    snprintf(m.data_hash, sizeof m.data_hash, "%s",
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    m.created = kr_ts_from_civil(2025, 3, 4, 5, 6, 7, 123456789);
    m.nmetrics = 3;
    snprintf(m.metric_names[0], 32, "sharpe");
    m.metrics[0] = 1.25;
    snprintf(m.metric_names[1], 32, "psr");
    m.metrics[1] = 0.1; /* not a binary fraction: needs 17 digits */
    snprintf(m.metric_names[2], 32, "max_dd");
    m.metrics[2] = -0.3333333333333333;
    m.gate_passed = 1;
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &m, &err), KR_OK);
    assert_string_equal(m.version, "v0001");
    assert_string_equal(m.kind, "linear");
    assert_true(exists(fx, "versions/v0001/model.lin"));
    assert_true(exists(fx, "versions/v0001/meta.json"));
    assert_false(leftover(fx, ".tmp-"));
    /* The stored model is a byte copy of the source. */
    char a[256], b[256], stored[512];
    snprintf(stored, sizeof stored, "%s/versions/v0001/model.lin", fx->root);
    read_text(src, a, sizeof a);
    read_text(stored, b, sizeof b);
    assert_string_equal(a, b);

    kr_model_meta m2;
    memset(&m2, 0, sizeof m2);
    snprintf(m2.parent, sizeof m2.parent, "v0001");
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &m2, &err), KR_OK);
    assert_string_equal(m2.version, "v0002");
    assert_true(m2.created > m.created); /* now, assigned when 0 */

    kr_model_meta got[4];
    assert_int_equal(kr_registry_list(r, got, 4), 2);
    assert_int_equal(kr_registry_list(r, got, 1), 2); /* count beyond cap */
    assert_int_equal(kr_registry_list(r, got, 4), 2);
    assert_string_equal(got[0].version, "v0001");
    assert_string_equal(got[1].version, "v0002");
    /* The round trip gives back every field bit for bit. */
    kr_model_meta *g = &got[0];
    assert_string_equal(g->parent, "");
    assert_string_equal(g->kind, "linear");
    assert_string_equal(g->features, "rsi:14,sma:20,ret:1");
    assert_string_equal(g->data_hash, m.data_hash);
    assert_true(g->created == m.created);
    assert_int_equal(g->nmetrics, 3);
    assert_string_equal(g->metric_names[0], "sharpe");
    assert_string_equal(g->metric_names[1], "psr");
    assert_string_equal(g->metric_names[2], "max_dd");
    assert_true(g->metrics[0] == 1.25);
    assert_true(g->metrics[1] == 0.1);
    assert_true(g->metrics[2] == -0.3333333333333333);
    assert_int_equal(g->gate_passed, 1);
    assert_string_equal(got[1].parent, "v0001");
    assert_int_equal(got[1].nmetrics, 0);
    assert_int_equal(got[1].gate_passed, 0);

    kr_model_meta one;
    assert_int_equal(kr_registry_meta(r, "v0002", &one, &err), KR_OK);
    assert_string_equal(one.parent, "v0001");
    assert_int_equal(kr_registry_meta(r, "v0009", &one, &err), KR_ENOENT);
    assert_string_equal(err.field, "version");
    assert_int_equal(kr_registry_meta(r, "../x", &one, &err), KR_EINVAL);

    /* Bad metas are refused before anything is written. */
    kr_model_meta bad;
    memset(&bad, 0, sizeof bad);
    snprintf(bad.data_hash, sizeof bad.data_hash, "abc");
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &bad, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "data_hash");
    memset(&bad, 0, sizeof bad);
    bad.nmetrics = 1;
    snprintf(bad.metric_names[0], 32, "sharpe");
    bad.metrics[0] = NAN;
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &bad, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "metrics");
    memset(&bad, 0, sizeof bad);
    snprintf(bad.parent, sizeof bad.parent, "latest");
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &bad, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "parent");
    memset(&bad, 0, sizeof bad);
    snprintf(bad.features, sizeof bad.features, "bad \xff utf-8");
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &bad, &err),
                     KR_EINVAL);
    assert_string_equal(err.field, "features");
    char missing[512];
    snprintf(missing, sizeof missing, "%s/nope.lin", fx->dir);
    memset(&bad, 0, sizeof bad);
    assert_int_equal(kr_registry_add(r, &linear_kind, missing, &bad, &err),
                     KR_ENOENT);
    assert_string_equal(err.file, missing);
    assert_int_equal(kr_registry_list(r, NULL, 0), 2);
    assert_false(leftover(fx, ".tmp-"));

    /* A damaged meta.json is reported by name and left out of the list. */
    char meta_path[512];
    snprintf(meta_path, sizeof meta_path, "%s/versions/v0002/meta.json",
             fx->root);
    write_text(meta_path, "{\"version\": \"v0002\", \"kind\": 7}");
    assert_int_equal(kr_registry_meta(r, "v0002", &one, &err), KR_EFORMAT);
    assert_string_equal(err.file, meta_path);
    assert_string_equal(err.field, "kind");
    write_text(meta_path, "{\"version\": ");
    assert_int_equal(kr_registry_meta(r, "v0002", &one, &err), KR_EPARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(kr_registry_list(r, got, 4), 1);
    kr_registry_close(r);
    /* The two adds loaded their model once each; the refused metas and
     * the missing file never reached the loader. */
    assert_int_equal(atomic_load(&g_loads), 2);
    assert_int_equal(atomic_load(&g_frees), 2);
}

static void test_prune_keep_last(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    char list[256];
    assert_int_equal(kr_registry_open(fx->root, 2, &r, &err), KR_OK);
    for (int k = 1; k <= 2; k++)
        assert_int_equal(add_k(fx, r, k, NULL, NULL), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0001", &err), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0002", &err), KR_OK);
    assert_pointers(fx, "v0002", "v0001");
    /* keep = 2 besides LIVE (v2) and PREVIOUS (v1):
     * add v3: {1,2,3}, the one beyond the last two is v1, PREVIOUS: kept;
     * add v4: {1,2,3,4}, beyond the last two: v1 (PREVIOUS), v2 (LIVE);
     * add v5: {1,2,3,4,5}, beyond: v1, v2 kept, v3 removed. */
    assert_int_equal(add_k(fx, r, 3, "v0002", NULL), KR_OK);
    listed(r, list, sizeof list);
    assert_string_equal(list, "v0001 v0002 v0003");
    assert_int_equal(add_k(fx, r, 4, "v0003", NULL), KR_OK);
    listed(r, list, sizeof list);
    assert_string_equal(list, "v0001 v0002 v0003 v0004");
    assert_int_equal(add_k(fx, r, 5, "v0004", NULL), KR_OK);
    listed(r, list, sizeof list);
    assert_string_equal(list, "v0001 v0002 v0004 v0005");
    assert_false(exists(fx, "versions/v0003"));
    assert_false(leftover(fx, ".del-"));
    /* promote v5: LIVE v5, PREVIOUS v2. add v6: {1,2,4,5,6}, beyond the
     * last two (5, 6): v1 removed, v2 kept (PREVIOUS), v4 removed. */
    assert_int_equal(kr_registry_promote(r, "v0005", &err), KR_OK);
    assert_int_equal(add_k(fx, r, 6, "v0005", NULL), KR_OK);
    listed(r, list, sizeof list);
    assert_string_equal(list, "v0002 v0005 v0006");
    assert_false(exists(fx, "versions/v0001"));
    assert_false(exists(fx, "versions/v0004"));
    assert_pointers(fx, "v0005", "v0002");
    /* Numbering continues from the highest present: v7, not a reused v3. */
    char v[32];
    assert_int_equal(add_k(fx, r, 7, NULL, v), KR_OK);
    assert_string_equal(v, "v0007");
    kr_registry_close(r);
    assert_int_equal(atomic_load(&g_loads), atomic_load(&g_frees));
}

static void test_promote_rollback(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    assert_int_equal(kr_registry_open(fx->root, 10, &r, &err), KR_OK);
    for (int k = 1; k <= 3; k++)
        assert_int_equal(add_k(fx, r, k, NULL, NULL), KR_OK);
    assert_int_equal(kr_registry_rollback(r, &err), KR_ENOENT);
    assert_int_equal(kr_registry_promote(r, "v0001", &err), KR_OK);
    assert_pointers(fx, "v0001", "");
    assert_int_equal(kr_registry_rollback(r, &err), KR_ENOENT);
    assert_string_equal(err.field, "PREVIOUS");
    assert_pointers(fx, "v0001", "");
    assert_int_equal(kr_registry_promote(r, "v0002", &err), KR_OK);
    assert_pointers(fx, "v0002", "v0001");
    assert_int_equal(kr_registry_promote(r, "v0003", &err), KR_OK);
    assert_pointers(fx, "v0003", "v0002");
    assert_int_equal(kr_registry_rollback(r, &err), KR_OK);
    assert_pointers(fx, "v0002", "v0003");
    assert_int_equal(kr_registry_rollback(r, &err), KR_OK);
    assert_pointers(fx, "v0003", "v0002");
    /* Promoting the live version moves nothing. */
    assert_int_equal(kr_registry_promote(r, "v0003", &err), KR_OK);
    assert_pointers(fx, "v0003", "v0002");
    /* Unknown and malformed versions leave both pointers alone. */
    assert_int_equal(kr_registry_promote(r, "v0009", &err), KR_ENOENT);
    assert_int_equal(kr_registry_promote(r, "3", &err), KR_EINVAL);
    assert_int_equal(kr_registry_promote(r, "v0003/../v0001", &err),
                     KR_EINVAL);
    assert_pointers(fx, "v0003", "v0002");
    char live[32];
    assert_int_equal(kr_registry_live(r, live, sizeof live), KR_OK);
    assert_string_equal(live, "v0003");
    assert_int_equal(kr_registry_live(r, live, 4), KR_ERANGE);
    /* A crash between the two pointer writes leaves PREVIOUS == LIVE:
     * rollback then has nowhere to go. */
    char path[512];
    snprintf(path, sizeof path, "%s/PREVIOUS", fx->root);
    write_text(path, "v0003\n");
    assert_int_equal(kr_registry_rollback(r, &err), KR_ENOENT);
    /* A damaged pointer file is reported by name. */
    write_text(path, "garbage\n");
    assert_int_equal(kr_registry_rollback(r, &err), KR_EFORMAT);
    assert_string_equal(err.file, path);
    assert_false(exists(fx, ".LIVE.tmp"));
    assert_false(exists(fx, ".PREVIOUS.tmp"));
    kr_registry_close(r);
    assert_int_equal(atomic_load(&g_loads), atomic_load(&g_frees));
}

static void test_corrupt_refused(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    assert_int_equal(kr_registry_open(fx->root, 10, &r, &err), KR_OK);
    /* On add: refused naming the caller's file and the line; nothing kept. */
    char src[512];
    snprintf(src, sizeof src, "%s/bad.lin", fx->dir);
    write_text(src, "linear\n4\n1 2 x 4\n0\nend\n");
    kr_model_meta m;
    memset(&m, 0, sizeof m);
    assert_int_equal(kr_registry_add(r, &linear_kind, src, &m, &err),
                     KR_EFORMAT);
    assert_string_equal(err.file, src);
    assert_int_equal(err.line, 3);
    assert_string_equal(m.version, "");
    assert_int_equal(kr_registry_list(r, NULL, 0), 0);
    assert_false(leftover(fx, ".tmp-"));
    assert_false(exists(fx, "versions/v0001"));

    for (int k = 1; k <= 3; k++)
        assert_int_equal(add_k(fx, r, k, NULL, NULL), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0001", &err), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0002", &err), KR_OK);

    /* On promote: v3's stored model damaged after it was added. */
    char stored[512];
    snprintf(stored, sizeof stored, "%s/versions/v0003/model.lin", fx->root);
    write_text(stored, "linear\n4\n1 2 3\n");
    assert_int_equal(kr_registry_promote(r, "v0003", &err), KR_EFORMAT);
    assert_int_equal(err.code, KR_EFORMAT);
    assert_string_equal(err.file, stored);
    assert_pointers(fx, "v0002", "v0001");

    /* On rollback: PREVIOUS (v1) damaged, LIVE stays v2. */
    snprintf(stored, sizeof stored, "%s/versions/v0001/model.lin", fx->root);
    write_text(stored, "");
    assert_int_equal(kr_registry_rollback(r, &err), KR_EFORMAT);
    assert_string_equal(err.file, stored);
    assert_pointers(fx, "v0002", "v0001");
    write_model(fx, "m1.lin", 1);
    char good[512];
    snprintf(good, sizeof good, "%s/m1.lin", fx->dir);
    rename(good, stored);

    /* A kind this registry handle was never given is refused like a model
     * that does not load: a fresh handle knows only the built-in kinds. */
    kr_registry *r2;
    assert_int_equal(kr_registry_open(fx->root, 10, &r2, &err), KR_OK);
    assert_int_equal(kr_registry_promote(r2, "v0001", &err), KR_EFORMAT);
    assert_string_equal(err.field, "kind");
    assert_pointers(fx, "v0002", "v0001");
    /* Given the kind (through a predictor), it promotes. */
    kr_predictor *p;
    assert_int_equal(kr_predictor_open(r2, &linear_kind, &p, &err), KR_OK);
    assert_int_equal(kr_registry_promote(r2, "v0001", &err), KR_OK);
    assert_pointers(fx, "v0001", "v0002");
    kr_predictor_close(p);
    kr_registry_close(r2);
    kr_registry_close(r);
    assert_int_equal(atomic_load(&g_loads), atomic_load(&g_frees));
}

static void test_reopen_numbering(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    char v[32];
    assert_int_equal(kr_registry_open(fx->root, 10, &r, &err), KR_OK);
    for (int k = 1; k <= 3; k++)
        assert_int_equal(add_k(fx, r, k, NULL, NULL), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0002", &err), KR_OK);
    kr_registry_close(r);
    /* A writer killed mid-add or mid-prune leaves .tmp-* or .del-*: the
     * next add sweeps them and they never count as versions. */
    char path[512];
    snprintf(path, sizeof path, "%s/versions/.tmp-abcdef", fx->root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/versions/.tmp-abcdef/model.lin",
             fx->root);
    write_text(path, "half");
    snprintf(path, sizeof path, "%s/versions/.del-v0000", fx->root);
    assert_int_equal(mkdir(path, 0755), 0);
    /* Opened with a trailing slash, the same registry. */
    char root2[320];
    snprintf(root2, sizeof root2, "%s/", fx->root);
    assert_int_equal(kr_registry_open(root2, 10, &r, &err), KR_OK);
    assert_int_equal(kr_registry_list(r, NULL, 0), 3);
    assert_int_equal(kr_registry_live(r, v, sizeof v), KR_OK);
    assert_string_equal(v, "v0002");
    assert_int_equal(add_k(fx, r, 4, NULL, v), KR_OK);
    assert_string_equal(v, "v0004");
    assert_false(leftover(fx, ".tmp-"));
    assert_false(leftover(fx, ".del-"));
    kr_registry_close(r);
    /* The numbers grow past four digits by widening. */
    snprintf(path, sizeof path, "%s/versions/v9999", fx->root);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(kr_registry_open(fx->root, 10, &r, &err), KR_OK);
    assert_int_equal(add_k(fx, r, 5, NULL, v), KR_OK);
    assert_string_equal(v, "v10000");
    assert_int_equal(kr_registry_promote(r, "v10000", &err), KR_OK);
    assert_int_equal(kr_registry_live(r, v, sizeof v), KR_OK);
    assert_string_equal(v, "v10000");
    kr_registry_close(r);
}

/* Two processes add at once, each through its own handle: the lock makes
 * their numbers distinct and consecutive. */
static void test_concurrent_adds(void **state)
{
    fixture *fx = *state;
    enum { PER = 12 };
    kr_registry *r;
    kr_error err;
    assert_int_equal(kr_registry_open(fx->root, 100, &r, &err), KR_OK);
    write_model(fx, "m1.lin", 1);
    pid_t kids[2];
    for (int c = 0; c < 2; c++) {
        kids[c] = fork();
        assert_true(kids[c] >= 0);
        if (kids[c] == 0) {
            kr_registry *mine;
            char src[512];
            snprintf(src, sizeof src, "%s/m1.lin", fx->dir);
            if (kr_registry_open(fx->root, 100, &mine, NULL) != KR_OK)
                _exit(3);
            for (int i = 0; i < PER; i++) {
                kr_model_meta m;
                memset(&m, 0, sizeof m);
                if (kr_registry_add(mine, &linear_kind, src, &m, NULL) !=
                    KR_OK)
                    _exit(4);
            }
            kr_registry_close(mine);
            _exit(0);
        }
    }
    for (int c = 0; c < 2; c++) {
        int st;
        assert_int_equal(waitpid(kids[c], &st, 0), kids[c]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    kr_model_meta metas[2 * PER];
    assert_int_equal(kr_registry_list(r, metas, 2 * PER), 2 * PER);
    for (int i = 0; i < 2 * PER; i++) {
        char want[32];
        snprintf(want, sizeof want, "v%04d", i + 1);
        assert_string_equal(metas[i].version, want);
    }
    assert_false(leftover(fx, ".tmp-"));
    kr_registry_close(r);
}

static void test_predictor_basic(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    kr_predictor *p;
    float ones[4] = {1, 1, 1, 1}, out = -1;
    char v[32] = "x";
    assert_int_equal(kr_registry_open(fx->root, 10, &r, &err), KR_OK);
    for (int k = 1; k <= 3; k++)
        assert_int_equal(add_k(fx, r, k, NULL, NULL), KR_OK);
    assert_int_equal(kr_predictor_open(r, &linear_kind, &p, &err), KR_OK);
    assert_int_equal(kr_predictor_predict(p, ones, 4, &out, v), KR_ENOENT);
    assert_string_equal(v, "");
    long base = atomic_load(&g_loads) - atomic_load(&g_frees);
    assert_int_equal(base, 0);

    assert_int_equal(kr_registry_promote(r, "v0002", &err), KR_OK);
    /* Not refreshed: still nothing. */
    assert_int_equal(kr_predictor_predict(p, ones, 4, &out, v), KR_ENOENT);
    assert_int_equal(kr_predictor_refresh(p, &err), KR_OK);
    assert_int_equal(kr_predictor_predict(p, ones, 4, &out, v), KR_OK);
    assert_true(out == 2.0f); /* 2 + 4 - 6 + 2 */
    assert_string_equal(v, "v0002");
    assert_int_equal(kr_predictor_predict(p, ones, 3, &out, NULL),
                     KR_EINVAL);
    /* One model held, whatever the number of refreshes. */
    assert_int_equal(kr_predictor_refresh(p, &err), KR_OK);
    assert_int_equal(atomic_load(&g_loads) - atomic_load(&g_frees), 1);

    /* Live model damaged after its promote: refresh refuses it and the
     * predictor keeps serving the model it has. */
    assert_int_equal(kr_registry_promote(r, "v0003", &err), KR_OK);
    char stored[512];
    snprintf(stored, sizeof stored, "%s/versions/v0003/model.lin", fx->root);
    write_text(stored, "linear\n4\n");
    assert_int_equal(kr_predictor_refresh(p, &err), KR_EFORMAT);
    assert_string_equal(err.file, stored);
    assert_int_equal(kr_predictor_predict(p, ones, 4, &out, v), KR_OK);
    assert_true(out == 2.0f);
    assert_string_equal(v, "v0002");
    assert_int_equal(kr_registry_rollback(r, &err), KR_OK);
    assert_int_equal(kr_predictor_refresh(p, &err), KR_OK);
    assert_int_equal(kr_predictor_predict(p, ones, 4, &out, v), KR_OK);
    assert_string_equal(v, "v0002");

    /* LIVE removed by hand: the predictor serves nothing again. */
    char path[512];
    snprintf(path, sizeof path, "%s/LIVE", fx->root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(kr_predictor_refresh(p, &err), KR_OK);
    assert_int_equal(kr_predictor_predict(p, ones, 4, &out, v), KR_ENOENT);
    assert_int_equal(atomic_load(&g_loads) - atomic_load(&g_frees), 0);

    /* A predictor of another kind refuses a live linear model. */
    assert_int_equal(kr_registry_promote(r, "v0001", &err), KR_OK);
    assert_int_equal(kr_predictor_refresh(p, &err), KR_OK);
    kr_model_kind other = linear_kind;
    other.name = "other";
    kr_predictor *q;
    assert_int_equal(kr_predictor_open(r, &other, &q, &err), KR_EFORMAT);
    assert_string_equal(err.field, "kind");
    assert_null(q);
    kr_predictor_close(p);
    kr_registry_close(r);
    assert_int_equal(atomic_load(&g_loads), atomic_load(&g_frees));
}

/* ------------------------------------------------------------------------
 * The stress test: readers never fail and never get a wrong answer while
 * the live model changes 1,000 times under them.
 * ------------------------------------------------------------------------ */

typedef struct reader {
    kr_predictor *p;
    atomic_int *stop;
    long ok, failed, mismatched;
    long seen[4]; /* predictions answered by v1..v3 */
} reader;

static void *reader_main(void *arg)
{
    reader *rd = arg;
    const float ones[4] = {1, 1, 1, 1};
    while (!atomic_load_explicit(rd->stop, memory_order_relaxed)) {
        float out = -1;
        char v[32] = "";
        if (kr_predictor_predict(rd->p, ones, 4, &out, v) != KR_OK) {
            rd->failed++;
            continue;
        }
        /* Version vK's model answers exactly K on a row of ones. */
        long k = strtol(v + 1, NULL, 10);
        if (v[0] != 'v' || k < 1 || k > 3 || out != (float)k) {
            rd->mismatched++;
            continue;
        }
        rd->seen[k]++;
        rd->ok++;
    }
    return NULL;
}

static void test_stress_swap(void **state)
{
    fixture *fx = *state;
    kr_registry *r;
    kr_error err;
    /* This test is about threads, not disks: its 4,000 fsyncs go to a
     * tmpfs when there is one, so that a busy disk (8 ms a file and
     * directory sync on a loaded build machine) does not make it a minute
     * long. The other tests write to TMPDIR. */
    snprintf(fx->shm, sizeof fx->shm, "/dev/shm/kr_registry_XXXXXX");
    if (mkdtemp(fx->shm))
        snprintf(fx->root, sizeof fx->root, "%s/reg", fx->shm);
    else
        fx->shm[0] = '\0';
    assert_int_equal(kr_registry_open(fx->root, 10, &r, &err), KR_OK);
    for (int k = 1; k <= 3; k++)
        assert_int_equal(add_k(fx, r, k, NULL, NULL), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0001", &err), KR_OK);
    assert_int_equal(kr_registry_promote(r, "v0002", &err), KR_OK);
    kr_predictor *p;
    assert_int_equal(kr_predictor_open(r, &linear_kind, &p, &err), KR_OK);

    atomic_int stop;
    atomic_init(&stop, 0);
    reader rd[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&rd[i], 0, sizeof rd[i]);
        rd[i].p = p;
        rd[i].stop = &stop;
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &rd[i]),
                         0);
    }
    /* 1,000 switches: even steps roll back, odd ones promote v1, v2, v3 in
     * turn (a promote of the live version is a no-op, still refreshed).
     * After each refresh the main thread itself must get the live one. */
    long main_bad = 0, switch_bad = 0;
    const float ones[4] = {1, 1, 1, 1};
    for (int i = 0; i < 1000; i++) {
        int rc;
        if (i % 2 == 0) {
            rc = kr_registry_rollback(r, &err);
        } else {
            char v[32];
            snprintf(v, sizeof v, "v%04d", (i / 2) % 3 + 1);
            rc = kr_registry_promote(r, v, &err);
        }
        if (rc != KR_OK || kr_predictor_refresh(p, &err) != KR_OK)
            switch_bad++;
        char live[32], got[32];
        float out = -1;
        if (kr_registry_live(r, live, sizeof live) != KR_OK ||
            kr_predictor_predict(p, ones, 4, &out, got) != KR_OK ||
            strcmp(live, got) != 0 ||
            out != (float)strtol(live + 1, NULL, 10))
            main_bad++;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(switch_bad, 0);
    assert_int_equal(main_bad, 0);
    long versions_seen = 0;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rd[i].failed, 0);
        assert_int_equal(rd[i].mismatched, 0);
        assert_true(rd[i].ok > 0);
        print_message("reader %d: %ld predictions (v1 %ld, v2 %ld, v3 %ld)\n",
                      i, rd[i].ok, rd[i].seen[1], rd[i].seen[2],
                      rd[i].seen[3]);
    }
    for (int k = 1; k <= 3; k++)
        versions_seen += rd[0].seen[k] + rd[1].seen[k] > 0;
    assert_true(versions_seen >= 2);
    /* Exactly one model is still held: the live one; none leaked. */
    assert_int_equal(atomic_load(&g_loads) - atomic_load(&g_frees), 1);
    kr_predictor_close(p);
    assert_int_equal(atomic_load(&g_loads), atomic_load(&g_frees));
    kr_registry_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linear_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_list_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_keep_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_promote_rollback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reopen_numbering, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_adds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_predictor_basic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stress_swap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

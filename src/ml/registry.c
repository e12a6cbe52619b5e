/* registry.c -- the model registry: versioned model directories, an atomic
 * promote and rollback, keep-last-N, and the live predictor.
 *
 * A registry is a directory:
 *
 *   ROOT/versions/v0001/model.json   the model file (its kind's name)
 *   ROOT/versions/v0001/meta.json    kr_model_meta, written with jansson
 *   ROOT/LIVE, ROOT/PREVIOUS         pointer files: one line, a version
 *   ROOT/lock                        flock()ed by every writer
 *
 * Every change is made aside and renamed into place, so a reader (another
 * process listing versions, a predictor reading LIVE) sees the old state or
 * the new one and nothing in between, and a writer killed at any point
 * leaves a registry that opens. A version is built in a fresh directory
 * versions/.tmp-* (mkdtemp; files fsync'd, then the directory), renamed to
 * vNNNN and the parent directory fsync'd; a pointer file is replaced with
 * kr_write_atomic (a temporary NAME.tmp.* beside it, fsync'd, renamed over
 * NAME). LIVE is always written last: it is the commit point,
 * so a crash between the two pointer writes leaves PREVIOUS equal to LIVE,
 * which rollback treats as "no previous version". Pruned versions are first
 * renamed to .del-vNNNN and then emptied, so a listing never meets half a
 * version; leftovers of a killed writer (.tmp-*, .del-*) are swept by the
 * next add, which holds the lock and so knows that nobody else is writing.
 * Writers (add, promote, rollback) take an exclusive flock on ROOT/lock for
 * their whole read-check-write sequence; a lock is per open file
 * description, so two handles in one process exclude each other as two
 * processes do. Version numbers are the highest present plus one.
 *
 * The registry knows model kinds by name: kr_model_kind_xgb is built in,
 * and every kind passed to kr_registry_add or kr_predictor_open is
 * remembered (up to KINDS_MAX). Promote and rollback load the target's
 * model with the kind its meta.json names before they touch LIVE; a kind
 * the registry does not know is refused like a model that does not load.
 *
 * The predictor: readers never take a lock and never wait. It uses split
 * reference counting over a fixed array of holder slots. The published
 * word `current` packs (acquisitions << 8) | slot; a reader acquires the
 * live holder with ONE atomic fetch_add on that word, which both reads the
 * slot and counts the reader, so there is no window between "load the
 * pointer" and "increment its count" in which the holder could be retired
 * and freed (the classic use-after-free of a plain refcounted pointer).
 * Each holder also has an `internal` count that starts at 0 and that
 * readers decrement when they are done. The writer (refresh, serialised by
 * a mutex that readers never touch) loads the new model completely, fills
 * a free slot, and swaps the word with atomic_exchange; the old word it
 * gets back says exactly how many readers E ever acquired the old holder.
 * It then adds E to the old holder's internal count. The argument: before
 * that add, internal = -(releases so far) <= 0, so no reader's decrement
 * can see it reach zero; after it, internal = E - releases = the readers
 * still inside, and whoever brings it to zero -- the writer's add, when
 * they have all left, or else the last reader's decrement -- frees the
 * model and marks the slot free. No reader can reach a retired slot again:
 * a reader only gets a slot from the word, and every reader that got this
 * one from the word is among the E counted. A slot is reused only after it
 * is marked free (release/acquire on `busy`), so a reused index is the new
 * holder by construction: no ABA. Slot memory lives as long as the
 * predictor, so even the bookkeeping never touches freed memory. The
 * count field holds 56 bits: 7e16 predictions per published model before
 * it wraps. The slot array bounds the holders alive at once (the live one
 * plus retired ones that readers are still inside); when all are taken,
 * refresh fails and the current model stays live.
 */
#define _DEFAULT_SOURCE /* flock */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kairos/ml.h"

#define KINDS_MAX 16
#define PATH_CAP 4096
#define ROOT_MAX 3800 /* leaves room under PATH_CAP for the inner names */
#define VERSION_CAP 32

/* ------------------------------------------------------------------------
 * Paths, files and pointer files
 * ------------------------------------------------------------------------ */

struct kr_registry {
    char *root;
    size_t keep;
    pthread_mutex_t kinds_lock;
    const kr_model_kind *kinds[KINDS_MAX];
    size_t nkinds;
};

/* Formats a path into buf (PATH_CAP bytes); the root's length was checked
 * at open and the inner names are short, so truncation is a bug. */
static void path_of(char *buf, const char *fmt, ...) KR_PRINTF(2, 3);
static void path_of(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, PATH_CAP, fmt, ap);
    va_end(ap);
}

/* A version name is 'v' and 4 to 9 digits; *n receives the number. */
static bool version_parse(const char *s, unsigned long *n)
{
    size_t len = strlen(s);
    if (len < 5 || len > 10 || s[0] != 'v')
        return false;
    unsigned long v = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (n)
        *n = v;
    return true;
}

static int sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return KR_EIO;
    int rc = fsync(fd) == 0 || errno == EINVAL ? KR_OK : KR_EIO;
    close(fd);
    return rc;
}

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return KR_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return KR_OK;
}

/* Creates `path` (which must not exist) holding `n` bytes, fsync'd. */
static int write_new_file(const char *path, const void *data, size_t n,
                          kr_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                            "cannot create: %s", strerror(errno));
    int rc = write_all(fd, data, n);
    if (rc == KR_OK && fsync(fd) != 0)
        rc = KR_EIO;
    if (close(fd) != 0)
        rc = KR_EIO;
    if (rc != KR_OK)
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                            "cannot write: %s", strerror(errno));
    return KR_OK;
}

/* Copies the regular file `src` to the new file `dst`, fsync'd. */
static int copy_file(const char *src, const char *dst, kr_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return kr_error_set(err, errno == ENOENT ? KR_ENOENT : KR_EIO, src, 0,
                            0, NULL, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return kr_error_set(err, KR_EIO, src, 0, 0, NULL,
                            "not a regular file");
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return kr_error_set(err, KR_EIO, dst, 0, 0, NULL, "cannot create: %s",
                            strerror(errno));
    }
    char buf[65536];
    int rc = KR_OK;
    const char *bad = src;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = KR_EIO;
            break;
        }
        if (n == 0)
            break;
        if (write_all(out, buf, (size_t)n) != KR_OK) {
            rc = KR_EIO;
            bad = dst;
            break;
        }
    }
    if (rc == KR_OK && fsync(out) != 0) {
        rc = KR_EIO;
        bad = dst;
    }
    if (close(out) != 0 && rc == KR_OK) {
        rc = KR_EIO;
        bad = dst;
    }
    close(in);
    if (rc != KR_OK)
        return kr_error_set(err, rc, bad, 0, 0, NULL, "copy failed: %s",
                            strerror(errno));
    return KR_OK;
}

/* Reads the pointer file ROOT/name into version: "" when it does not
 * exist, else its one line, which must be a version name. */
static int read_pointer(const char *root, const char *name, char *version,
                        size_t size, kr_error *err)
{
    char path[PATH_CAP];
    path_of(path, "%s/%s", root, name);
    version[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return KR_OK;
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "cannot open: %s",
                            strerror(errno));
    }
    char buf[64];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                                "cannot read: %s", strerror(errno));
        }
        if (n == 0 || (len += (size_t)n) == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (!version_parse(buf, NULL)) {
        char q[96];
        return kr_error_set(err, KR_EFORMAT, path, 1, 0, NULL,
                            "expected one line holding a version such as "
                            "v0001, found '%s'",
                            kr_escape(buf, len, q, sizeof q));
    }
    if (len >= size)
        return kr_error_set(err, KR_ERANGE, path, 1, 0, NULL,
                            "version '%s' longer than the buffer", buf);
    memcpy(version, buf, len + 1);
    return KR_OK;
}

/* Replaces ROOT/name by a file holding version ("" removes it), through
 * kr_write_atomic (a temporary file, fsync'd, renamed, the directory
 * fsync'd). */
static int write_pointer(const char *root, const char *name,
                         const char *version, kr_error *err)
{
    char path[PATH_CAP];
    path_of(path, "%s/%s", root, name);
    if (!version[0]) {
        if (unlink(path) != 0 && errno != ENOENT)
            return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                                "cannot remove: %s", strerror(errno));
        return sync_dir(root) == KR_OK
                   ? KR_OK
                   : kr_error_set(err, KR_EIO, root, 0, 0, NULL,
                                  "cannot sync the directory");
    }
    char line[VERSION_CAP + 1];
    int n = snprintf(line, sizeof line, "%s\n", version);
    return kr_write_atomic(path, line, (size_t)n, err);
}

/* Takes the writers' lock: an exclusive flock on ROOT/lock, held until
 * unlock() closes the descriptor. */
static int lock(const kr_registry *r, int *fd, kr_error *err)
{
    char path[PATH_CAP];
    path_of(path, "%s/lock", r->root);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "cannot open: %s",
                            strerror(errno));
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            close(*fd);
            *fd = -1;
            return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                                "cannot lock: %s", strerror(e));
        }
    }
    return KR_OK;
}

static void unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* Removes the files in the directory `path`, then the directory. */
static int remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? KR_OK : KR_EIO;
    int rc = KR_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) != 0)
            rc = KR_EIO;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = KR_EIO;
    return rc;
}

static int cmp_ulong(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return (x > y) - (x < y);
}

/* The version numbers under ROOT/versions, ascending, in a malloc'd array
 * the caller frees (NULL when there are none). With `sweep` (the caller
 * holds the lock) leftovers of killed writers are removed on the way. */
static int scan_versions(const kr_registry *r, bool sweep,
                         unsigned long **out, size_t *n, kr_error *err)
{
    char dir[PATH_CAP];
    path_of(dir, "%s/versions", r->root);
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return kr_error_set(err, KR_EIO, dir, 0, 0, NULL, "cannot open: %s",
                            strerror(errno));
    unsigned long *v = NULL;
    size_t cap = 0, len = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long num;
        if (version_parse(e->d_name, &num)) {
            if (len == cap) {
                size_t nc = cap ? 2 * cap : 64;
                unsigned long *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    free(v);
                    closedir(d);
                    return kr_error_set(err, KR_ENOMEM, dir, 0, 0, NULL,
                                        "out of memory");
                }
                v = nv;
                cap = nc;
            }
            v[len++] = num;
        } else if (sweep && (!strncmp(e->d_name, ".tmp-", 5) ||
                             !strncmp(e->d_name, ".del-", 5))) {
            char p[PATH_CAP];
            path_of(p, "%s/%s", dir, e->d_name);
            remove_tree(p);
        }
    }
    closedir(d);
    if (len)
        qsort(v, len, sizeof *v, cmp_ulong);
    *out = v;
    *n = len;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * meta.json
 * ------------------------------------------------------------------------ */

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* True when s is valid UTF-8, as jansson requires of every string. */
static bool utf8(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

/* Checks a caller's meta before anything is written; `name` names it in
 * messages. The kind and version fields are assigned by add and ignored. */
static int meta_check(const kr_model_meta *m, const char *name, kr_error *err)
{
    if (!terminated(m->parent, sizeof m->parent) ||
        (m->parent[0] && !version_parse(m->parent, NULL)))
        return kr_error_set(err, KR_EINVAL, name, 0, 0, "parent",
                            "expected \"\" or a version such as v0001");
    if (!terminated(m->data_hash, sizeof m->data_hash) ||
        (m->data_hash[0] && !is_hex64(m->data_hash)))
        return kr_error_set(err, KR_EINVAL, name, 0, 0, "data_hash",
                            "expected \"\" or 64 lowercase hex digits "
                            "(SHA-256)");
    if (!terminated(m->features, sizeof m->features))
        return kr_error_set(err, KR_EINVAL, name, 0, 0, "features",
                            "longer than %zu bytes", sizeof m->features - 1);
    if (!utf8(m->features))
        return kr_error_set(err, KR_EINVAL, name, 0, 0, "features",
                            "not valid UTF-8");
    if (m->nmetrics > 8)
        return kr_error_set(err, KR_EINVAL, name, 0, 0, "nmetrics",
                            "%zu metrics, at most 8", m->nmetrics);
    for (size_t i = 0; i < m->nmetrics; i++) {
        if (!terminated(m->metric_names[i], sizeof m->metric_names[i]) ||
            !m->metric_names[i][0])
            return kr_error_set(err, KR_EINVAL, name, 0, 0, "metric_names",
                                "metric %zu: a name of 1 to 31 bytes", i);
        if (!utf8(m->metric_names[i]))
            return kr_error_set(err, KR_EINVAL, name, 0, 0, "metric_names",
                                "metric %zu: name not valid UTF-8", i);
        if (!isfinite(m->metrics[i]))
            return kr_error_set(err, KR_EINVAL, name, 0, 0, "metrics",
                                "metric '%s' is not a finite number",
                                m->metric_names[i]);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(m->metric_names[k], m->metric_names[i]))
                return kr_error_set(err, KR_EINVAL, name, 0, 0,
                                    "metric_names", "metric '%s' twice",
                                    m->metric_names[i]);
    }
    return KR_OK;
}

/* meta.json's text, malloc'd; NULL when a string is not valid UTF-8 (the
 * only way jansson refuses these values) or on ENOMEM. */
static char *meta_dump(const kr_model_meta *m, const char *file)
{
    char iso[40];
    kr_time_format(m->created, KR_TIME_ISO, iso, sizeof iso);
    json_t *metrics = json_array();
    for (size_t i = 0; metrics && i < m->nmetrics; i++)
        if (json_array_append_new(metrics,
                                  json_pack("{s:s, s:f}", "name",
                                            m->metric_names[i], "value",
                                            m->metrics[i])) != 0) {
            json_decref(metrics);
            metrics = NULL;
        }
    if (!metrics)
        return NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:b}",
                          "version", m->version, "parent", m->parent, "kind",
                          m->kind, "file", file, "data_hash", m->data_hash,
                          "features", m->features, "created",
                          (json_int_t)m->created, "created_iso", iso,
                          "metrics", metrics, "gate_passed",
                          m->gate_passed != 0);
    if (!o)
        return NULL;
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(o);
    return text;
}

/* Copies the string member `key` of o into dst (cap bytes). */
static int meta_string(json_t *o, const char *key, bool required, char *dst,
                       size_t cap, const char *path, kr_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        dst[0] = '\0';
        return required ? kr_error_set(err, KR_EFORMAT, path, 0, 0, key,
                                       "missing")
                        : KR_OK;
    }
    if (!json_is_string(v))
        return kr_error_set(err, KR_EFORMAT, path, 0, 0, key,
                            "expected a string");
    size_t len = json_string_length(v);
    if (len >= cap || memchr(json_string_value(v), '\0', len))
        return kr_error_set(err, KR_EFORMAT, path, 0, 0, key,
                            "expected a string of at most %zu bytes", cap - 1);
    memcpy(dst, json_string_value(v), len + 1);
    return KR_OK;
}

/* Reads ROOT/versions/<version>/meta.json into out. KR_ENOENT when the
 * version does not exist. The file's version must be its directory's. */
static int meta_read(const kr_registry *r, const char *version,
                     kr_model_meta *out, char *file, size_t filecap,
                     kr_error *err)
{
    char path[PATH_CAP];
    path_of(path, "%s/versions/%s/meta.json", r->root, version);
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        struct stat st;
        char dir[PATH_CAP];
        path_of(dir, "%s/versions/%s", r->root, version);
        if (stat(dir, &st) != 0)
            return kr_error_set(err, KR_ENOENT, r->root, 0, 0, "version",
                                "no version %s in the registry", version);
        return kr_error_set(err, KR_EPARSE, path, je.line, je.column, NULL,
                            "%s", je.text);
    }
    int rc = KR_EFORMAT;
    if (!json_is_object(o)) {
        kr_error_set(err, rc, path, 0, 0, NULL, "expected a JSON object");
        goto out;
    }
    char tmp[PATH_CAP];
    if ((rc = meta_string(o, "version", true, out->version,
                          sizeof out->version, path, err)) ||
        (rc = meta_string(o, "parent", false, out->parent, sizeof out->parent,
                          path, err)) ||
        (rc = meta_string(o, "kind", true, out->kind, sizeof out->kind, path,
                          err)) ||
        (rc = meta_string(o, "file", true, file ? file : tmp,
                          file ? filecap : sizeof tmp, path, err)) ||
        (rc = meta_string(o, "data_hash", false, out->data_hash,
                          sizeof out->data_hash, path, err)) ||
        (rc = meta_string(o, "features", false, out->features,
                          sizeof out->features, path, err)))
        goto out;
    rc = KR_EFORMAT;
    if (strcmp(out->version, version) != 0) {
        kr_error_set(err, rc, path, 0, 0, "version",
                     "'%s' in the directory of %s", out->version, version);
        goto out;
    }
    const char *f = file ? file : tmp;
    if (!f[0] || strchr(f, '/') || !strcmp(f, ".") || !strcmp(f, "..")) {
        kr_error_set(err, rc, path, 0, 0, "file", "expected a file name");
        goto out;
    }
    json_t *v = json_object_get(o, "created");
    if (!json_is_integer(v)) {
        kr_error_set(err, rc, path, 0, 0, "created",
                     "expected an integer (ns since the epoch)");
        goto out;
    }
    out->created = (kr_ts)json_integer_value(v);
    v = json_object_get(o, "gate_passed");
    if (v && !json_is_boolean(v)) {
        kr_error_set(err, rc, path, 0, 0, "gate_passed", "expected a boolean");
        goto out;
    }
    out->gate_passed = v && json_is_true(v);
    v = json_object_get(o, "metrics");
    if (v && (!json_is_array(v) || json_array_size(v) > 8)) {
        kr_error_set(err, rc, path, 0, 0, "metrics",
                     "expected an array of at most 8 {name, value}");
        goto out;
    }
    for (size_t i = 0; v && i < json_array_size(v); i++) {
        json_t *m = json_array_get(v, i);
        json_t *val = json_object_get(m, "value");
        if (!json_is_object(m) || !json_is_number(val) ||
            meta_string(m, "name", true, out->metric_names[i],
                        sizeof out->metric_names[i], path, NULL) != KR_OK) {
            kr_error_set(err, rc, path, 0, 0, "metrics",
                         "entry %zu: expected {\"name\": a string of at "
                         "most 31 bytes, \"value\": a number}",
                         i);
            goto out;
        }
        out->metrics[i] = json_number_value(val);
        out->nmetrics = i + 1;
    }
    rc = KR_OK;
out:
    json_decref(o);
    return rc;
}

/* ------------------------------------------------------------------------
 * Kinds
 * ------------------------------------------------------------------------ */

static bool kind_ok(const kr_model_kind *k)
{
    return k && k->name && k->name[0] && strlen(k->name) < VERSION_CAP &&
           k->file && k->file[0] && !strchr(k->file, '/') &&
           strcmp(k->file, "meta.json") && k->load && k->predict_row &&
           k->free;
}

static void kind_remember(kr_registry *r, const kr_model_kind *k)
{
    pthread_mutex_lock(&r->kinds_lock);
    bool have = false;
    for (size_t i = 0; i < r->nkinds && !have; i++)
        have = r->kinds[i] == k || !strcmp(r->kinds[i]->name, k->name);
    if (!have && r->nkinds < KINDS_MAX)
        r->kinds[r->nkinds++] = k;
    pthread_mutex_unlock(&r->kinds_lock);
}

/* The kind called `name`: one given to this registry, else a built-in. */
static const kr_model_kind *kind_find(kr_registry *r, const char *name)
{
    const kr_model_kind *k = NULL;
    pthread_mutex_lock(&r->kinds_lock);
    for (size_t i = 0; i < r->nkinds && !k; i++)
        if (!strcmp(r->kinds[i]->name, name))
            k = r->kinds[i];
    pthread_mutex_unlock(&r->kinds_lock);
    if (!k && !strcmp(kr_model_kind_xgb.name, name))
        k = &kr_model_kind_xgb;
    return k;
}

/* Loads `path` with `kind` into *model (NULL: load, check, free). A model
 * that does not load is KR_EFORMAT (KR_ENOMEM stays itself), with the
 * loader's message naming the file. */
static int model_load(const kr_model_kind *kind, const char *path,
                      void **model, kr_error *err)
{
    void *m = NULL;
    int rc = kind->load(path, &m, err);
    if (rc == KR_OK && !m)
        rc = kr_error_set(err, KR_EFORMAT, path, 0, 0, NULL,
                          "the %s loader gave no model", kind->name);
    if (rc != KR_OK) {
        if (m)
            kind->free(m);
        if (rc == KR_ENOMEM)
            return rc;
        if (err) {
            err->code = KR_EFORMAT;
            if (!err->file[0])
                snprintf(err->file, sizeof err->file, "%s", path);
            if (!err->msg[0])
                snprintf(err->msg, sizeof err->msg, "not a %s model",
                         kind->name);
        }
        return KR_EFORMAT;
    }
    if (model)
        *model = m;
    else
        kind->free(m);
    return KR_OK;
}

/* Checks that `version` exists and that its model loads with the kind its
 * meta names (a kind this registry knows). */
static int version_check(kr_registry *r, const char *version, kr_error *err)
{
    kr_model_meta meta;
    char file[256], path[PATH_CAP];
    int rc = meta_read(r, version, &meta, file, sizeof file, err);
    if (rc == KR_ENOENT || rc == KR_ENOMEM)
        return rc;
    if (rc != KR_OK) {
        if (err)
            err->code = KR_EFORMAT;
        return KR_EFORMAT;
    }
    const kr_model_kind *k = kind_find(r, meta.kind);
    path_of(path, "%s/versions/%s/meta.json", r->root, version);
    if (!k)
        return kr_error_set(err, KR_EFORMAT, path, 0, 0, "kind",
                            "model kind '%s' is not known to this registry",
                            meta.kind);
    if (strcmp(k->file, file) != 0)
        return kr_error_set(err, KR_EFORMAT, path, 0, 0, "file",
                            "'%s', but a %s model is kept in '%s'", file,
                            k->name, k->file);
    path_of(path, "%s/versions/%s/%s", r->root, version, file);
    return model_load(k, path, NULL, err);
}

/* ------------------------------------------------------------------------
 * The registry
 * ------------------------------------------------------------------------ */

/* mkdir -p for the registry root and its versions directory. */
static int make_dirs(const char *path)
{
    char p[PATH_CAP];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return KR_EIO;
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return KR_EIO;
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? KR_OK : KR_EIO;
}

int kr_registry_open(const char *root, size_t keep, kr_registry **out,
                     kr_error *err)
{
    if (!out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "out", "is NULL");
    *out = NULL;
    if (!root || !root[0])
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "root",
                            "expected a directory");
    if (strlen(root) > ROOT_MAX)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "root",
                            "longer than %d bytes", ROOT_MAX);
    if (keep < 2)
        return kr_error_set(err, KR_EINVAL, root, 0, 0, "keep",
                            "%zu, expected at least 2", keep);
    char dir[PATH_CAP];
    path_of(dir, "%s/versions", root);
    if (make_dirs(dir) != KR_OK)
        return kr_error_set(err, KR_EIO, dir, 0, 0, NULL,
                            "cannot create the registry directory: %s",
                            strerror(errno));
    kr_registry *r = calloc(1, sizeof *r);
    if (!r || !(r->root = strdup(root))) {
        free(r);
        return kr_error_set(err, KR_ENOMEM, root, 0, 0, NULL,
                            "out of memory");
    }
    size_t len = strlen(r->root);
    while (len > 1 && r->root[len - 1] == '/')
        r->root[--len] = '\0';
    r->keep = keep;
    pthread_mutex_init(&r->kinds_lock, NULL);
    *out = r;
    return KR_OK;
}

void kr_registry_close(kr_registry *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->kinds_lock);
    free(r->root);
    free(r);
}

/* Removes the oldest versions beyond r->keep, never LIVE or PREVIOUS.
 * The caller holds the lock. Failures are logged: the add has committed. */
static void prune(kr_registry *r)
{
    char live[VERSION_CAP], prev[VERSION_CAP];
    unsigned long *v, nlive = 0, nprev = 0;
    size_t n;
    if (read_pointer(r->root, "LIVE", live, sizeof live, NULL) != KR_OK ||
        read_pointer(r->root, "PREVIOUS", prev, sizeof prev, NULL) != KR_OK) {
        KR_WARN("registry", "%s: unreadable LIVE or PREVIOUS, nothing pruned",
                r->root);
        return;
    }
    bool has_live = version_parse(live, &nlive);
    bool has_prev = version_parse(prev, &nprev);
    if (scan_versions(r, false, &v, &n, NULL) != KR_OK)
        return;
    bool removed = false;
    for (size_t i = 0; i + r->keep < n; i++) {
        if ((has_live && v[i] == nlive) || (has_prev && v[i] == nprev))
            continue;
        char from[PATH_CAP], to[PATH_CAP];
        path_of(from, "%s/versions/v%04lu", r->root, v[i]);
        path_of(to, "%s/versions/.del-v%04lu", r->root, v[i]);
        if (rename(from, to) != 0 || remove_tree(to) != KR_OK)
            KR_WARN("registry", "%s: cannot remove: %s", from,
                    strerror(errno));
        removed = true;
    }
    free(v);
    if (removed) {
        char dir[PATH_CAP];
        path_of(dir, "%s/versions", r->root);
        sync_dir(dir);
    }
}

int kr_registry_add(kr_registry *r, const kr_model_kind *kind,
                    const char *model_path, kr_model_meta *meta,
                    kr_error *err)
{
    if (!r || !meta || !model_path || !model_path[0])
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "registry, model path and meta are required");
    if (!kind_ok(kind))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "kind",
                            "a kind needs a name (under 32 bytes), a file "
                            "name other than meta.json, load, predict_row "
                            "and free");
    int rc = meta_check(meta, model_path, err);
    if (rc != KR_OK)
        return rc;
    kr_model_meta m = *meta;
    snprintf(m.kind, sizeof m.kind, "%s", kind->name);
    if (m.created == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        m.created = (kr_ts)ts.tv_sec * KR_NS_PER_SEC + ts.tv_nsec;
    }
    kind_remember(r, kind);

    int fd;
    if ((rc = lock(r, &fd, err)) != KR_OK)
        return rc;
    unsigned long *v;
    size_t n;
    char tmp[PATH_CAP], path[PATH_CAP], dst[PATH_CAP];
    tmp[0] = '\0';
    char *text = NULL;
    if ((rc = scan_versions(r, true, &v, &n, err)) != KR_OK)
        goto out;
    unsigned long next = n ? v[n - 1] + 1 : 1;
    free(v);
    if (next > 999999999UL) {
        rc = kr_error_set(err, KR_ERANGE, r->root, 0, 0, "version",
                          "version numbers exhausted");
        goto out;
    }
    snprintf(m.version, sizeof m.version, "v%04lu", next);

    /* Build the version aside: the model copied, then loaded from the
     * copy (so what is checked is what is kept), then meta.json. */
    path_of(tmp, "%s/versions/.tmp-XXXXXX", r->root); /* mkdtemp's template */
    if (!mkdtemp(tmp)) {
        rc = kr_error_set(err, KR_EIO, tmp, 0, 0, NULL, "cannot create: %s",
                          strerror(errno));
        tmp[0] = '\0';
        goto out;
    }
    path_of(path, "%s/%s", tmp, kind->file);
    if ((rc = copy_file(model_path, path, err)) != KR_OK)
        goto out;
    if ((rc = model_load(kind, path, NULL, err)) != KR_OK) {
        if (err && !strcmp(err->file, path))
            snprintf(err->file, sizeof err->file, "%s", model_path);
        goto out;
    }
    if (!(text = meta_dump(&m, kind->file))) {
        rc = kr_error_set(err, KR_EINVAL, model_path, 0, 0, "features",
                          "meta strings must be valid UTF-8");
        goto out;
    }
    path_of(path, "%s/meta.json", tmp);
    if ((rc = write_new_file(path, text, strlen(text), err)) != KR_OK)
        goto out;
    if (sync_dir(tmp) != KR_OK) {
        rc = kr_error_set(err, KR_EIO, tmp, 0, 0, NULL,
                          "cannot sync the directory");
        goto out;
    }
    path_of(dst, "%s/versions/%s", r->root, m.version);
    if (rename(tmp, dst) != 0) {
        rc = kr_error_set(err, KR_EIO, dst, 0, 0, NULL, "cannot rename: %s",
                          strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    path_of(path, "%s/versions", r->root);
    if (sync_dir(path) != KR_OK) {
        rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                          "cannot sync the directory");
        goto out;
    }
    *meta = m;
    prune(r);
    rc = KR_OK;
out:
    free(text);
    if (tmp[0])
        remove_tree(tmp);
    unlock(fd);
    return rc;
}

/* Makes `target` live and `previous` the previous live version, after
 * checking that target's model loads. The caller holds the lock. PREVIOUS
 * is written first and LIVE last: LIVE is the commit point. */
static int switch_live(kr_registry *r, const char *target,
                       const char *previous, kr_error *err)
{
    int rc = version_check(r, target, err);
    if (rc != KR_OK)
        return rc;
    if ((rc = write_pointer(r->root, "PREVIOUS", previous, err)) != KR_OK)
        return rc;
    return write_pointer(r->root, "LIVE", target, err);
}

int kr_registry_promote(kr_registry *r, const char *version, kr_error *err)
{
    if (!r || !version || !version_parse(version, NULL)) {
        char q[64];
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "version",
                            "expected a version such as v0001, got '%s'",
                            version ? kr_escape(version, strlen(version), q,
                                                sizeof q)
                                    : "");
    }
    int fd;
    int rc = lock(r, &fd, err);
    if (rc != KR_OK)
        return rc;
    char live[VERSION_CAP];
    if ((rc = read_pointer(r->root, "LIVE", live, sizeof live, err)) != KR_OK)
        goto out;
    if (!strcmp(live, version)) {
        /* Already live: checked like any promote, nothing to move. */
        rc = version_check(r, version, err);
        goto out;
    }
    if (live[0])
        rc = switch_live(r, version, live, err);
    else {
        /* Nothing was live: keep any PREVIOUS as it is. */
        char prev[VERSION_CAP];
        rc = read_pointer(r->root, "PREVIOUS", prev, sizeof prev, err);
        if (rc == KR_OK)
            rc = switch_live(r, version, prev, err);
    }
out:
    unlock(fd);
    return rc;
}

int kr_registry_rollback(kr_registry *r, kr_error *err)
{
    if (!r)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "registry is NULL");
    int fd;
    int rc = lock(r, &fd, err);
    if (rc != KR_OK)
        return rc;
    char live[VERSION_CAP], prev[VERSION_CAP];
    if ((rc = read_pointer(r->root, "LIVE", live, sizeof live, err)) ||
        (rc = read_pointer(r->root, "PREVIOUS", prev, sizeof prev, err)))
        goto out;
    if (!prev[0] || !strcmp(prev, live)) {
        rc = kr_error_set(err, KR_ENOENT, r->root, 0, 0, "PREVIOUS",
                          "no previous live version to roll back to");
        goto out;
    }
    rc = switch_live(r, prev, live, err);
out:
    unlock(fd);
    return rc;
}

int kr_registry_live(const kr_registry *r, char *version, size_t size)
{
    if (!r || !version || !size)
        return KR_EINVAL;
    return read_pointer(r->root, "LIVE", version, size, NULL);
}

size_t kr_registry_list(const kr_registry *r, kr_model_meta *metas,
                        size_t cap)
{
    if (!r)
        return 0;
    unsigned long *v;
    size_t n, count = 0;
    if (scan_versions(r, false, &v, &n, NULL) != KR_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char name[VERSION_CAP];
        kr_model_meta m;
        snprintf(name, sizeof name, "v%04lu", v[i]);
        /* A version pruned since the scan, or with a damaged meta.json, is
         * left out: the list holds the versions that can be served. */
        if (meta_read(r, name, &m, NULL, 0, NULL) != KR_OK)
            continue;
        if (metas && count < cap)
            metas[count] = m;
        count++;
    }
    free(v);
    return count;
}

int kr_registry_meta(const kr_registry *r, const char *version,
                     kr_model_meta *out, kr_error *err)
{
    if (!r || !out || !version || !version_parse(version, NULL)) {
        char q[64];
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "version",
                            "expected a version such as v0001, got '%s'",
                            version ? kr_escape(version, strlen(version), q,
                                                sizeof q)
                                    : "");
    }
    return meta_read(r, version, out, NULL, 0, err);
}

/* ------------------------------------------------------------------------
 * The predictor
 * ------------------------------------------------------------------------ */

#define SLOT_BITS 8
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define SLOT_NONE SLOT_MASK /* the word when nothing is live */
#define ACQUIRE_ONE (UINT64_C(1) << SLOT_BITS)
#define NSLOTS 64

typedef struct holder {
    _Atomic int64_t internal; /* -(releases) until retired, then inside */
    _Atomic int busy;         /* 1 from publish until the model is freed */
    void *model;
    size_t nfeatures;         /* 0: the kind does not say */
    char version[VERSION_CAP];
} holder;

struct kr_predictor {
    _Alignas(64) _Atomic uint64_t current; /* (acquisitions << 8) | slot */
    _Alignas(64) pthread_mutex_t writer;   /* refresh and close */
    kr_registry *reg;
    const kr_model_kind *kind;
    char served[VERSION_CAP];              /* writer's copy; "" none */
    holder slots[NSLOTS];
};

/* Frees a holder's model once its last user has left and gives the slot
 * back for reuse. */
static void holder_free(kr_predictor *p, holder *h)
{
    p->kind->free(h->model);
    h->model = NULL;
    atomic_store_explicit(&h->busy, 0, memory_order_release);
}

/* Gives back one reader's reference; the last one out of a retired holder
 * frees it. */
static void holder_release(kr_predictor *p, holder *h)
{
    if (atomic_fetch_sub_explicit(&h->internal, 1, memory_order_acq_rel) == 1)
        holder_free(p, h);
}

/* Retires the holder named by the old published word: adds the readers it
 * counted to the holder's internal count; if they have all left already,
 * the holder is freed here. */
static void holder_retire(kr_predictor *p, uint64_t word)
{
    uint64_t slot = word & SLOT_MASK;
    if (slot == SLOT_NONE)
        return;
    holder *h = &p->slots[slot];
    int64_t acquired = (int64_t)(word >> SLOT_BITS);
    if (atomic_fetch_add_explicit(&h->internal, acquired,
                                  memory_order_acq_rel) == -acquired)
        holder_free(p, h);
}

/* Publishes `model` (owned by the predictor from here on; NULL publishes
 * "nothing live") and retires the holder it replaces. The caller holds the
 * writer mutex. */
static int publish(kr_predictor *p, void *model, const char *version,
                   kr_error *err)
{
    uint64_t word = SLOT_NONE;
    if (model) {
        size_t i = 0;
        while (i < NSLOTS &&
               atomic_load_explicit(&p->slots[i].busy, memory_order_acquire))
            i++;
        if (i == NSLOTS) {
            p->kind->free(model);
            return kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                                "all %d model holders are still in use by "
                                "readers; %s not published",
                                NSLOTS, version);
        }
        holder *h = &p->slots[i];
        h->model = model;
        h->nfeatures = p->kind->nfeatures ? p->kind->nfeatures(model) : 0;
        snprintf(h->version, sizeof h->version, "%s", version);
        atomic_store_explicit(&h->internal, 0, memory_order_relaxed);
        atomic_store_explicit(&h->busy, 1, memory_order_relaxed);
        word = (uint64_t)i;
    }
    /* acq_rel: the holder's fields happen-before any reader that gets the
     * new word; the old word's count is exact since the exchange is one
     * read-modify-write in the word's modification order. */
    uint64_t old =
        atomic_exchange_explicit(&p->current, word, memory_order_acq_rel);
    holder_retire(p, old);
    snprintf(p->served, sizeof p->served, "%s", model ? version : "");
    return KR_OK;
}

int kr_predictor_refresh(kr_predictor *p, kr_error *err)
{
    if (!p)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "predictor is NULL");
    pthread_mutex_lock(&p->writer);
    char live[VERSION_CAP], path[PATH_CAP], file[256];
    kr_model_meta meta;
    void *model = NULL;
    int rc = read_pointer(p->reg->root, "LIVE", live, sizeof live, err);
    if (rc != KR_OK || !strcmp(live, p->served))
        goto out;
    if (!live[0]) {
        rc = publish(p, NULL, "", err);
        goto out;
    }
    if ((rc = meta_read(p->reg, live, &meta, file, sizeof file, err)) !=
        KR_OK)
        goto out;
    if (strcmp(meta.kind, p->kind->name) != 0 ||
        strcmp(file, p->kind->file) != 0) {
        path_of(path, "%s/versions/%s/meta.json", p->reg->root, live);
        rc = kr_error_set(err, KR_EFORMAT, path, 0, 0, "kind",
                          "live version %s is a '%s' model in '%s'; this "
                          "predictor serves '%s' models in '%s'",
                          live, meta.kind, file, p->kind->name,
                          p->kind->file);
        goto out;
    }
    path_of(path, "%s/versions/%s/%s", p->reg->root, live, file);
    if ((rc = model_load(p->kind, path, &model, err)) != KR_OK)
        goto out;
    rc = publish(p, model, live, err);
out:
    pthread_mutex_unlock(&p->writer);
    return rc;
}

int kr_predictor_open(kr_registry *r, const kr_model_kind *kind,
                      kr_predictor **out, kr_error *err)
{
    if (!out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "out", "is NULL");
    *out = NULL;
    if (!r)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "registry",
                            "is NULL");
    if (!kind_ok(kind))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "kind",
                            "a kind needs a name, a file, load, predict_row "
                            "and free");
    /* Aligned for the cache-line-aligned word (calloc promises 16). */
    kr_predictor *p = aligned_alloc(_Alignof(kr_predictor), sizeof *p);
    if (!p)
        return kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                            "out of memory");
    memset(p, 0, sizeof *p);
    atomic_init(&p->current, SLOT_NONE);
    for (size_t i = 0; i < NSLOTS; i++) {
        atomic_init(&p->slots[i].internal, 0);
        atomic_init(&p->slots[i].busy, 0);
    }
    pthread_mutex_init(&p->writer, NULL);
    p->reg = r;
    p->kind = kind;
    kind_remember(r, kind);
    int rc = kr_predictor_refresh(p, err);
    if (rc != KR_OK) {
        kr_predictor_close(p);
        return rc;
    }
    *out = p;
    return KR_OK;
}

void kr_predictor_close(kr_predictor *p)
{
    if (!p)
        return;
    /* No reader may be inside (the caller's contract), so retiring the
     * live holder frees it at once; anything still busy is freed too. */
    pthread_mutex_lock(&p->writer);
    holder_retire(p, atomic_exchange(&p->current, SLOT_NONE));
    for (size_t i = 0; i < NSLOTS; i++)
        if (atomic_load(&p->slots[i].busy))
            holder_free(p, &p->slots[i]);
    pthread_mutex_unlock(&p->writer);
    pthread_mutex_destroy(&p->writer);
    free(p);
}

int kr_predictor_predict(kr_predictor *p, const float *row, size_t ncols,
                         float *out, char *version)
{
    if (!p || !row || !out)
        return KR_EINVAL;
    /* One read-modify-write both finds the live holder and counts us in:
     * see the file comment for why this cannot race with a retire. */
    uint64_t word = atomic_fetch_add_explicit(&p->current, ACQUIRE_ONE,
                                              memory_order_acquire);
    uint64_t slot = word & SLOT_MASK;
    if (slot == SLOT_NONE) {
        if (version)
            version[0] = '\0';
        return KR_ENOENT;
    }
    holder *h = &p->slots[slot];
    int rc;
    if (h->nfeatures && ncols != h->nfeatures)
        rc = KR_EINVAL;
    else
        rc = p->kind->predict_row(h->model, row, ncols, out);
    if (version)
        memcpy(version, h->version, VERSION_CAP);
    holder_release(p, h);
    return rc;
}

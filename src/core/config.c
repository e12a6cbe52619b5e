/* config.c -- the YAML run-configuration loader.
 *
 * A run config is a YAML mapping whose nested mappings flatten to dotted
 * keys ("risk.max_leverage") and whose sequences of scalars become one
 * comma-joined value ("data: [a.csv, b.csv]" -> "a.csv,b.csv"), so that the
 * command line can treat every setting as the text of an option. The file
 * is read with libyaml's event API in one pass: a small stack of mappings
 * (at most KR_CONFIG_MAX_DEPTH) holds the length of the key path at each
 * level, a scalar value becomes an entry at once, a sequence collects its
 * scalars. Duplicate keys are found as they are added through an
 * open-addressing hash of the keys, so a file of the largest size allowed
 * costs linear time.
 *
 * The loader reads outside input and forgives nothing: whatever YAML it
 * does not need (anchors and aliases, sequences of mappings, several
 * documents, keys that are not scalars) is refused with the line and
 * column where it starts rather than guessed at, and the first error stops
 * the parse. It never crashes or hangs on any bytes (tests/fuzz/
 * fuzz_config.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "kairos/core.h"

/* ------------------------------------------------------------------------
 * Growing text and the key index
 * ------------------------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_reserve(buf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_append(buf *b, const char *s, size_t len)
{
    if (buf_reserve(b, len))
        return -1;
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

static void buf_truncate(buf *b, size_t n)
{
    b->n = n;
    if (b->p)
        b->p[n] = '\0';
}

static uint64_t hash_key(const char *s, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* ------------------------------------------------------------------------
 * The parse
 * ------------------------------------------------------------------------ */

typedef struct frame {
    size_t base;    /* length of the key path of this mapping */
    int want_key;   /* 1: the next event is a key, 0: its value */
} frame;

typedef struct loader {
    kr_config *c;
    kr_error *err;
    const char *name;
    size_t cap;             /* entries allocated */
    size_t *slots;          /* index + 1 of entries, 0 empty; nslots pow 2 */
    size_t nslots;
    buf key;                /* the current key path */
    frame stack[KR_CONFIG_MAX_DEPTH];
    int depth;
} loader;

static int fail(loader *L, int code, yaml_mark_t m, const char *fmt, ...)
    KR_PRINTF(4, 5);

/* fail sets err to `code` at mark m (0-based in libyaml, 1-based here). */
static int fail(loader *L, int code, yaml_mark_t m, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kr_error_set(L->err, code, L->name, (int64_t)m.line + 1,
                        (int)m.column + 1, NULL, "%s", msg);
}

/* The current key path, quoted for a message. */
static const char *qkey(const loader *L, char *q, size_t size)
{
    return kr_escape(L->key.p, L->key.n, q, size);
}

static int nomem(loader *L)
{
    return kr_error_set(L->err, KR_ENOMEM, L->name, 0, 0, NULL,
                        "out of memory");
}

/* find_slot returns the slot of `key` in the index: the one holding it, or
 * the empty one where it would go. */
static size_t find_slot(const loader *L, const char *key, size_t len)
{
    size_t mask = L->nslots - 1, i = (size_t)hash_key(key, len) & mask;
    for (;;) {
        size_t s = L->slots[i];
        if (!s || !strcmp(L->c->items[s - 1].key, key))
            return i;
        i = (i + 1) & mask;
    }
}

static int grow_index(loader *L)
{
    size_t n = L->nslots ? L->nslots * 2 : 64;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    free(L->slots);
    L->slots = slots;
    L->nslots = n;
    for (size_t k = 0; k < L->c->n; k++) {
        const char *key = L->c->items[k].key;
        L->slots[find_slot(L, key, strlen(key))] = k + 1;
    }
    return 0;
}

/* add_entry adds the current key path with `value` (len bytes; taken over
 * when owned is set, else copied) found at mark m. */
static int add_entry(loader *L, char *value, size_t len, int owned,
                     yaml_mark_t m)
{
    kr_config *c = L->c;
    if (memchr(value, '\0', len)) {
        if (owned)
            free(value);
        char q[160];
        return fail(L, KR_EPARSE, m, "value of '%s' holds a NUL byte",
                    qkey(L, q, sizeof q));
    }
    if ((c->n + 1) * 2 > L->nslots && grow_index(L))
        goto oom;
    size_t slot = find_slot(L, L->key.p, L->key.n);
    if (L->slots[slot]) {
        if (owned)
            free(value);
        char q[160];
        return fail(L, KR_EPARSE, m, "duplicate key '%s' (first at line %lld)",
                    qkey(L, q, sizeof q),
                    (long long)c->items[L->slots[slot] - 1].line);
    }
    if (c->n >= KR_CONFIG_MAX_ENTRIES) {
        if (owned)
            free(value);
        return fail(L, KR_EPARSE, m, "more than %d entries",
                    KR_CONFIG_MAX_ENTRIES);
    }
    if (c->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 16;
        kr_config_entry *it = realloc(c->items, cap * sizeof *it);
        if (!it)
            goto oom;
        c->items = it;
        L->cap = cap;
    }
    char *k = malloc(L->key.n + 1);
    char *v = owned ? value : malloc(len + 1);
    if (!k || !v) {
        free(k);
        free(v);
        return nomem(L);
    }
    memcpy(k, L->key.p, L->key.n + 1);
    if (!owned) {
        memcpy(v, value, len);
        v[len] = '\0';
    }
    c->items[c->n] = (kr_config_entry){k, v, (int64_t)m.line + 1,
                                       (int)m.column + 1};
    L->slots[slot] = ++c->n;
    return KR_OK;
oom:
    if (owned)
        free(value);
    return nomem(L);
}

/* set_key appends a mapping key to the path of the current mapping. */
static int set_key(loader *L, const yaml_event_t *ev)
{
    const frame *f = &L->stack[L->depth - 1];
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(s, '\0', len))
        return fail(L, KR_EPARSE, ev->start_mark, "key holds a NUL byte");
    if (len == 0)
        return fail(L, KR_EPARSE, ev->start_mark, "empty key");
    buf_truncate(&L->key, f->base);
    if ((f->base && buf_append(&L->key, ".", 1)) ||
        buf_append(&L->key, s, len))
        return nomem(L);
    return KR_OK;
}

/* After a value: the current mapping waits for its next key. */
static void value_done(loader *L)
{
    frame *f = &L->stack[L->depth - 1];
    buf_truncate(&L->key, f->base);
    f->want_key = 1;
}

static int has_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT: return ev->data.scalar.anchor != NULL;
    case YAML_SEQUENCE_START_EVENT:
        return ev->data.sequence_start.anchor != NULL;
    case YAML_MAPPING_START_EVENT:
        return ev->data.mapping_start.anchor != NULL;
    case YAML_ALIAS_EVENT: return 1;
    default: return 0;
    }
}

/* parser_fail turns libyaml's error into a kr_error. A reader error (bad
 * encoding) has only a byte offset: its line is counted from the text. */
static int parser_fail(loader *L, const yaml_parser_t *p, const char *text,
                       size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return nomem(L);
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {
        m.line = 0;
        m.column = 0;
        size_t end = p->problem_offset < len ? p->problem_offset : len;
        for (size_t i = 0; i < end; i++) {
            if (text[i] == '\n') {
                m.line++;
                m.column = 0;
            } else {
                m.column++;
            }
        }
    }
    return fail(L, KR_EPARSE, m, "%s%s%s",
                p->problem ? p->problem : "syntax error",
                p->context ? " " : "", p->context ? p->context : "");
}

/* collect_sequence reads the items of a sequence value up to its end. */
static int collect_sequence(loader *L, yaml_parser_t *p, const char *text,
                            size_t len, yaml_mark_t start)
{
    buf v = {0};
    int first = 1, rc = KR_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev)) {
            rc = parser_fail(L, p, text, len);
            break;
        }
        if (has_anchor(&ev)) {
            rc = fail(L, KR_EPARSE, ev.start_mark,
                      "anchors and aliases are not supported");
        } else if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            if (!v.p && buf_reserve(&v, 0)) {
                rc = nomem(L);
                break;
            }
            if (!v.n)
                v.p[0] = '\0';
            rc = add_entry(L, v.p, v.n, 1, start);
            v.p = NULL;
            break;
        } else if (ev.type == YAML_SCALAR_EVENT) {
            if ((!first && buf_append(&v, ",", 1)) ||
                buf_append(&v, (const char *)ev.data.scalar.value,
                           ev.data.scalar.length))
                rc = nomem(L);
            first = 0;
        } else if (ev.type == YAML_MAPPING_START_EVENT) {
            char q[160];
            rc = fail(L, KR_EPARSE, ev.start_mark,
                      "a sequence of mappings is not supported (under "
                      "'%s')",
                      qkey(L, q, sizeof q));
        } else {
            char q[160];
            rc = fail(L, KR_EPARSE, ev.start_mark,
                      "nested sequences are not supported (under '%s')",
                      qkey(L, q, sizeof q));
        }
        yaml_event_delete(&ev);
        if (rc)
            break;
    }
    free(v.p);
    return rc;
}

static int run(loader *L, yaml_parser_t *p, const char *text, size_t len)
{
    int docs = 0, done = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev))
            return parser_fail(L, p, text, len);
        int rc = KR_OK;
        const yaml_event_type_t t = ev.type;
        if (has_anchor(&ev)) {
            rc = fail(L, KR_EPARSE, ev.start_mark,
                      "anchors and aliases are not supported");
        } else if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return KR_OK;
        } else if (t == YAML_STREAM_START_EVENT ||
                   t == YAML_DOCUMENT_END_EVENT) {
            /* nothing */
        } else if (t == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1)
                rc = fail(L, KR_EPARSE, ev.start_mark,
                          "more than one document");
        } else if (L->depth == 0) {
            /* The document's root. */
            if (done) {
                rc = fail(L, KR_EPARSE, ev.start_mark, "unexpected node");
            } else if (t == YAML_MAPPING_START_EVENT) {
                L->stack[0] = (frame){0, 1};
                L->depth = 1;
            } else if (t == YAML_SCALAR_EVENT && ev.data.scalar.length == 0 &&
                       ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                done = 1; /* an empty document: no settings */
            } else {
                rc = fail(L, KR_EPARSE, ev.start_mark,
                          "the top level must be a mapping of settings");
            }
        } else if (L->stack[L->depth - 1].want_key) {
            if (t == YAML_MAPPING_END_EVENT) {
                if (--L->depth == 0)
                    done = 1;
                else
                    value_done(L);
            } else if (t == YAML_SCALAR_EVENT) {
                rc = set_key(L, &ev);
                L->stack[L->depth - 1].want_key = 0;
            } else {
                rc = fail(L, KR_EPARSE, ev.start_mark,
                          "a key must be a scalar");
            }
        } else if (t == YAML_SCALAR_EVENT) {
            rc = add_entry(L, (char *)ev.data.scalar.value,
                           ev.data.scalar.length, 0, ev.start_mark);
            if (!rc)
                value_done(L);
        } else if (t == YAML_MAPPING_START_EVENT) {
            char q[160];
            if (L->depth >= KR_CONFIG_MAX_DEPTH)
                rc = fail(L, KR_EPARSE, ev.start_mark,
                          "nesting deeper than %d levels (at '%s')",
                          KR_CONFIG_MAX_DEPTH, qkey(L, q, sizeof q));
            else
                L->stack[L->depth++] = (frame){L->key.n, 1};
        } else if (t == YAML_SEQUENCE_START_EVENT) {
            yaml_mark_t m = ev.start_mark;
            yaml_event_delete(&ev);
            rc = collect_sequence(L, p, text, len, m);
            if (rc)
                return rc;
            value_done(L);
            continue;
        } else {
            rc = fail(L, KR_EPARSE, ev.start_mark, "unexpected event");
        }
        yaml_event_delete(&ev);
        if (rc)
            return rc;
    }
}

/* ------------------------------------------------------------------------
 * Public functions
 * ------------------------------------------------------------------------ */

void kr_config_free(kr_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].key);
        free(c->items[i].value);
    }
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

int kr_config_parse(kr_config *c, const char *text, size_t len,
                    const char *name, kr_error *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->file, sizeof c->file, "%s", name ? name : "");
    loader L = {.c = c, .err = err, .name = c->file};
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return nomem(&L);
    yaml_parser_set_input_string(&p, (const unsigned char *)(text ? text : ""),
                                 text ? len : 0);
    int rc = run(&L, &p, text ? text : "", text ? len : 0);
    yaml_parser_delete(&p);
    free(L.slots);
    free(L.key.p);
    if (rc) {
        kr_config_free(c);
        return rc;
    }
    return KR_OK;
}

int kr_config_load(kr_config *c, const char *path, kr_error *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->file, sizeof c->file, "%s", path ? path : "");
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        int e = path ? errno : ENOENT;
        return kr_error_set(err, e == ENOENT ? KR_ENOENT : KR_EIO, path, 0, 0,
                            NULL, "cannot open: %s",
                            e == ENOENT ? "no such file" : strerror(e));
    }
    buf b = {0};
    char chunk[65536];
    size_t got;
    int rc = KR_OK;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, got)) {
            rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                              "out of memory");
            break;
        }
    }
    if (!rc && ferror(f))
        rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL, "cannot read: %s",
                          strerror(errno));
    fclose(f);
    if (!rc)
        rc = kr_config_parse(c, b.p, b.n, path, err);
    free(b.p);
    return rc;
}

const kr_config_entry *kr_config_get(const kr_config *c, const char *key)
{
    if (!c || !key)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->items[i].key, key))
            return &c->items[i];
    return NULL;
}

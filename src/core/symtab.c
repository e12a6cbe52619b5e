/* symtab.c -- symbol interning: names to dense uint32 ids and back.
 *
 * An open-addressing hash table (FNV-1a, linear probing, load factor at most
 * one half) maps names to ids; ids index a vector of NUL-terminated copies.
 * Ids are dense and never reused, so per-symbol arrays can be indexed by id.
 * The table owns every name it holds.
 */
#include <stdlib.h>
#include <string.h>

#include "kairos/core.h"

struct kr_symtab {
    char **names;    /* id -> name */
    uint32_t n;
    uint32_t cap;    /* capacity of names */
    uint32_t *slots; /* hash slot -> id + 1, 0 empty */
    uint32_t nslots; /* power of two */
};

static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

kr_symtab *kr_symtab_new(void)
{
    kr_symtab *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nslots = 64;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

void kr_symtab_free(kr_symtab *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->slots);
    free(t);
}

static uint32_t *lookup(const kr_symtab *t, const char *name, size_t len)
{
    uint32_t mask = t->nslots - 1;
    uint32_t i = (uint32_t)hash(name, len) & mask;
    for (;;) {
        uint32_t *slot = &t->slots[i];
        if (*slot == 0)
            return slot;
        const char *s = t->names[*slot - 1];
        if (strlen(s) == len && !memcmp(s, name, len))
            return slot;
        i = (i + 1) & mask;
    }
}

static int grow_slots(kr_symtab *t)
{
    uint32_t n2 = t->nslots * 2;
    uint32_t *s2 = calloc(n2, sizeof *s2);
    if (!s2)
        return KR_ENOMEM;
    for (uint32_t id = 0; id < t->n; id++) {
        const char *s = t->names[id];
        uint32_t i = (uint32_t)hash(s, strlen(s)) & (n2 - 1);
        while (s2[i])
            i = (i + 1) & (n2 - 1);
        s2[i] = id + 1;
    }
    free(t->slots);
    t->slots = s2;
    t->nslots = n2;
    return KR_OK;
}

int kr_symtab_find(const kr_symtab *t, const char *name, size_t len,
                   uint32_t *id)
{
    uint32_t *slot = lookup(t, name, len);
    if (!*slot)
        return KR_ENOENT;
    *id = *slot - 1;
    return KR_OK;
}

int kr_symtab_intern(kr_symtab *t, const char *name, size_t len, uint32_t *id)
{
    if (len == 0 || len > KR_SYMBOL_MAX)
        return KR_EINVAL;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return KR_EINVAL;
    uint32_t *slot = lookup(t, name, len);
    if (*slot) {
        *id = *slot - 1;
        return KR_OK;
    }
    /* The slot count, a power of two above 2n, must stay within uint32. */
    if (t->n >= UINT32_C(1) << 30)
        return KR_ENOMEM;
    /* Make room first, so that a failed allocation leaves the table as it
     * was: never a name without a slot, never a table more than half full. */
    if ((t->n + 1) * 2 > t->nslots) {
        if (grow_slots(t) != KR_OK)
            return KR_ENOMEM;
        slot = lookup(t, name, len);
    }
    if (t->n == t->cap) {
        uint32_t c2 = t->cap ? t->cap * 2 : 16;
        char **n2 = realloc(t->names, c2 * sizeof *n2);
        if (!n2)
            return KR_ENOMEM;
        t->names = n2;
        t->cap = c2;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return KR_ENOMEM;
    memcpy(copy, name, len);
    copy[len] = '\0';
    t->names[t->n] = copy;
    *slot = t->n + 1;
    *id = t->n++;
    return KR_OK;
}

const char *kr_symtab_name(const kr_symtab *t, uint32_t id)
{
    return t && id < t->n ? t->names[id] : NULL;
}

uint32_t kr_symtab_count(const kr_symtab *t) { return t ? t->n : 0; }

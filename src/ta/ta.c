/* ta.c -- the indicator table and what is built on it: lookup, parameter
 * checks, "name:p1,p2" specs, output column names, running an indicator over
 * a bar series, and heap-allocated streams.
 *
 * The table is not written by hand: CMake lists every indicator file of
 * src/ta/ into kr_ta_list.h, and each file defines its kr_<name>_info next to
 * its code, so an indicator is one file and nothing else. File names are
 * sorted, so the table is sorted by name and lookup is a binary search.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kairos/ta.h"

#define X(name) &kr_##name##_info,
static const kr_ta_info *const table_ptrs[] = {
#include "kr_ta_list.h"
};
#undef X
#define NTABLE (sizeof table_ptrs / sizeof table_ptrs[0])

/* A contiguous copy, so callers can index the table as an array. */
static kr_ta_info table[NTABLE];
static int table_ready;

static void build_table(void)
{
    /* Filling the same constants twice is harmless, so no lock is needed. */
    if (table_ready)
        return;
    for (size_t i = 0; i < NTABLE; i++)
        table[i] = *table_ptrs[i];
    table_ready = 1;
}

const kr_ta_info *kr_ta_table(size_t *n)
{
    build_table();
    if (n)
        *n = NTABLE;
    return table;
}

const kr_ta_info *kr_ta_find(const char *name)
{
    build_table();
    if (!name)
        return NULL;
    size_t lo = 0, hi = NTABLE;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcasecmp(name, table[mid].name);
        if (c == 0)
            return &table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *kr_ta_input_name(kr_ta_input in)
{
    static const char *const names[] = {"open",  "high",   "low",
                                        "close", "volume", "day"};
    return (unsigned)in < sizeof names / sizeof names[0] ? names[in] : "?";
}

int kr_ta_check_params(const kr_ta_info *info, const double *params,
                       kr_error *err)
{
    for (int i = 0; i < info->nparams; i++) {
        const kr_ta_param *p = &info->params[i];
        double v = params[i];
        if (!isfinite(v) || v < p->min || v > p->max)
            return kr_error_set(err, KR_ERANGE, info->name, 0, i + 1, p->name,
                                "%g is outside [%g, %g]", v, p->min, p->max);
        if (p->integer && v != floor(v))
            return kr_error_set(err, KR_EINVAL, info->name, 0, i + 1, p->name,
                                "expected a whole number, got %g", v);
    }
    const char *why = info->check ? info->check(params) : NULL;
    if (why)
        return kr_error_set(err, KR_EINVAL, info->name, 0, 0, NULL, "%s", why);
    return KR_OK;
}

int kr_ta_parse_spec(const char *spec, const kr_ta_info **out,
                     double params[KR_TA_MAX_PARAMS], kr_error *err)
{
    char name[64];
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 0 || len >= sizeof name)
        return kr_error_set(err, KR_EINVAL, spec, 0, 0, NULL,
                            "expected NAME[:P1,P2,...]");
    memcpy(name, spec, len);
    name[len] = '\0';
    const kr_ta_info *info = kr_ta_find(name);
    if (!info)
        return kr_error_set(err, KR_ENOENT, spec, 0, 0, NULL,
                            "unknown indicator '%s' (kairos ta --list shows "
                            "them all)",
                            name);
    for (int i = 0; i < info->nparams; i++)
        params[i] = info->params[i].def;
    if (colon && colon[1]) {
        const char *p = colon + 1;
        int pos = 0;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char tok[64];
            if (n == 0 || n >= sizeof tok)
                return kr_error_set(err, KR_EINVAL, spec, 0, pos + 1, NULL,
                                    "empty or overlong parameter");
            memcpy(tok, p, n);
            tok[n] = '\0';
            int idx = pos;
            char *val = tok;
            char *eq = strchr(tok, '=');
            if (eq) {
                *eq = '\0';
                val = eq + 1;
                idx = -1;
                for (int k = 0; k < info->nparams; k++)
                    if (!strcasecmp(tok, info->params[k].name))
                        idx = k;
                if (idx < 0)
                    return kr_error_set(err, KR_EINVAL, spec, 0, pos + 1, tok,
                                        "%s has no parameter '%s'", info->name,
                                        tok);
            }
            if (idx >= info->nparams)
                return kr_error_set(err, KR_EINVAL, spec, 0, pos + 1, NULL,
                                    "%s takes %d parameter%s", info->name,
                                    info->nparams,
                                    info->nparams == 1 ? "" : "s");
            char *e;
            double v = strtod(val, &e);
            if (e == val || *e || !isfinite(v))
                return kr_error_set(err, KR_EINVAL, spec, 0, idx + 1,
                                    info->params[idx].name,
                                    "expected a number, got '%s'", val);
            params[idx] = v;
            pos++;
            if (!end)
                break;
            p = end + 1;
            if (!*p)
                return kr_error_set(err, KR_EINVAL, spec, 0, pos + 1, NULL,
                                    "trailing ','");
        }
    }
    int rc = kr_ta_check_params(info, params, err);
    if (rc) {
        if (err) /* name the whole spec as the source */
            snprintf(err->file, sizeof err->file, "%s", spec);
        return rc;
    }
    *out = info;
    return KR_OK;
}

size_t kr_ta_column_name(const kr_ta_info *info, const double *params,
                         int output, char *buf, size_t size)
{
    size_t o = 0;
    char tmp[256];
    o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%s", info->name);
    for (int i = 0; i < info->nparams && o < sizeof tmp; i++)
        o += (size_t)snprintf(tmp + o, sizeof tmp - o, "_%.10g", params[i]);
    if (info->noutputs > 1 && output >= 0 && output < info->noutputs &&
        o < sizeof tmp)
        o += (size_t)snprintf(tmp + o, sizeof tmp - o, ".%s",
                              info->outputs[output]);
    int n = snprintf(buf, size, "%s", tmp);
    return n < 0 ? 0 : (size_t)n;
}

int kr_ta_run(const kr_ta_info *info, const double *params, const kr_bars *b,
              double *const *out)
{
    const double *in[KR_TA_MAX_INPUTS];
    double *day = NULL;
    for (int k = 0; k < info->ninputs; k++) {
        switch (info->inputs[k]) {
        case KR_TA_OPEN: in[k] = b->open; break;
        case KR_TA_HIGH: in[k] = b->high; break;
        case KR_TA_LOW: in[k] = b->low; break;
        case KR_TA_CLOSE: in[k] = b->close; break;
        case KR_TA_VOLUME: in[k] = b->volume; break;
        case KR_TA_DAY:
            if (!day) {
                day = kr_alloc_aligned((b->n ? b->n : 1) * sizeof *day);
                if (!day)
                    return KR_ENOMEM;
                for (size_t i = 0; i < b->n; i++)
                    day[i] = (double)kr_ts_day(b->ts[i]);
            }
            in[k] = day;
            break;
        default: return KR_EINVAL;
        }
    }
    int rc = info->batch(b->n, in, params, out);
    kr_free_aligned(day);
    return rc;
}

/* ------------------------------------------------------------------------
 * Heap streams
 * ------------------------------------------------------------------------ */

struct kr_ta_stream {
    kr_ta_stream_next_fn next;
    _Alignas(64) unsigned char state[];
};

int kr_ta_stream_new(const kr_ta_info *info, const double *params,
                     kr_ta_stream **out)
{
    int rc = kr_ta_check_params(info, params, NULL);
    if (rc)
        return rc;
    size_t size = info->stream_size(params);
    kr_ta_stream *s = kr_alloc_aligned(sizeof *s + size);
    if (!s)
        return KR_ENOMEM;
    s->next = info->stream_next;
    rc = info->stream_init(s->state, params);
    if (rc) {
        kr_free_aligned(s);
        return rc;
    }
    *out = s;
    return KR_OK;
}

void kr_ta_stream_next(kr_ta_stream *s, const double *in, double *out)
{
    s->next(s->state, in, out);
}

void kr_ta_stream_free(kr_ta_stream *s) { kr_free_aligned(s); }

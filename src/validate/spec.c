/* spec.c -- the cross-validation scheme as text: parse, format, run.
 *
 * The command line names a scheme in one word with its parameters,
 * "kfold:k=5", "cpcv:groups=6,test=2" or
 * "walk:train=500,test=100,step=100,rolling", and the embargo in an option
 * of its own. The parser reads into a copy of the spec and stores it only
 * when every part is good; an error names the option and quotes the part
 * it could not take (through kr_escape) with what was expected, so that
 * "--cv 'cpcv:groups=6,tset=2'" answers "unknown parameter 'tset'".
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kr_cv_spec_init(kr_cv_spec *s)
{
    memset(s, 0, sizeof *s);
    s->scheme = KR_CV_NONE;
}

static int bad(kr_error *err, const char *field, const char *what,
               const char *part, size_t len)
{
    char q[96];
    return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field, "%s '%s'", what,
                        kr_escape(part, len, q, sizeof q));
}

/* Parses len bytes at p as a positive decimal integer. */
static int parse_count(const char *p, size_t len, size_t *out)
{
    if (len == 0 || len > 18)
        return 0;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (size_t)(p[i] - '0');
    }
    if (v == 0)
        return 0;
    *out = v;
    return 1;
}

static int key_is(const char *p, size_t len, const char *key)
{
    return strlen(key) == len && memcmp(p, key, len) == 0;
}

int kr_cv_spec_parse(kr_cv_spec *s, const char *text, const char *field,
                     kr_error *err)
{
    if (!s || !text)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "no validation scheme");
    const char *colon = strchr(text, ':');
    size_t klen = colon ? (size_t)(colon - text) : strlen(text);
    kr_cv_spec t;
    kr_cv_spec_init(&t);
    t.embargo = s->embargo;
    if (key_is(text, klen, "kfold"))
        t.scheme = KR_CV_KFOLD;
    else if (key_is(text, klen, "cpcv"))
        t.scheme = KR_CV_CPCV;
    else if (key_is(text, klen, "walk"))
        t.scheme = KR_CV_WALK;
    else
        return bad(err, field,
                   "expected kfold:k=K, cpcv:groups=N,test=K or "
                   "walk:train=W,test=S[,step=P][,rolling], got",
                   text, strlen(text));
    if (!colon || !colon[1])
        return bad(err, field, "missing the parameters after", text, klen);
    const char *p = colon + 1;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        const char *v = eq ? eq + 1 : NULL;
        size_t vlen = eq ? len - nlen - 1 : 0;
        size_t *slot = NULL;
        if (t.scheme == KR_CV_KFOLD && key_is(p, nlen, "k"))
            slot = &t.k;
        else if (t.scheme == KR_CV_CPCV && key_is(p, nlen, "groups"))
            slot = &t.groups;
        else if (t.scheme == KR_CV_CPCV && key_is(p, nlen, "test"))
            slot = &t.k;
        else if (t.scheme == KR_CV_WALK && key_is(p, nlen, "train"))
            slot = &t.train;
        else if (t.scheme == KR_CV_WALK && key_is(p, nlen, "test"))
            slot = &t.test;
        else if (t.scheme == KR_CV_WALK && key_is(p, nlen, "step"))
            slot = &t.step;
        else if (t.scheme == KR_CV_WALK && !eq &&
                 (key_is(p, nlen, "rolling") || key_is(p, nlen, "expanding")))
            t.rolling = key_is(p, nlen, "rolling");
        else if (len == 0)
            return bad(err, field, "empty parameter in", text, strlen(text));
        else
            return bad(err, field, "unknown parameter", p, nlen);
        if (slot) {
            if (*slot)
                return bad(err, field, "parameter given twice:", p, nlen);
            if (!eq || !parse_count(v, vlen, slot))
                return bad(err, field, "expected a positive integer in", p,
                           len);
        }
        p += len;
        if (*p == ',' && !*++p)
            return bad(err, field, "empty parameter in", text, strlen(text));
    }
    switch (t.scheme) {
    case KR_CV_KFOLD:
        if (!t.k)
            return bad(err, field, "missing k= in", text, strlen(text));
        if (t.k < 2)
            return bad(err, field, "expected k >= 2 in", text, strlen(text));
        break;
    case KR_CV_CPCV:
        if (!t.groups || !t.k)
            return bad(err, field, "missing groups= or test= in", text,
                       strlen(text));
        if (t.groups < 2 || t.k >= t.groups)
            return bad(err, field,
                       "expected 1 <= test < groups and groups >= 2 in", text,
                       strlen(text));
        break;
    default:
        if (!t.train || !t.test)
            return bad(err, field, "missing train= or test= in", text,
                       strlen(text));
        if (!t.step)
            t.step = t.test;
        break;
    }
    *s = t;
    return KR_OK;
}

int kr_cv_spec_embargo(kr_cv_spec *s, const char *text, const char *field,
                       kr_error *err)
{
    if (!s || !text)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, field,
                            "no embargo");
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !(v >= 0 && v < 1))
        return bad(err, field, "expected an embargo fraction in [0, 1), got",
                   text, strlen(text));
    s->embargo = v;
    return KR_OK;
}

size_t kr_cv_spec_format(const kr_cv_spec *s, char *buf, size_t size)
{
    int n;
    switch (s->scheme) {
    case KR_CV_KFOLD:
        n = snprintf(buf, size, "kfold:k=%zu", s->k);
        break;
    case KR_CV_CPCV:
        n = snprintf(buf, size, "cpcv:groups=%zu,test=%zu", s->groups, s->k);
        break;
    case KR_CV_WALK:
        n = snprintf(buf, size, "walk:train=%zu,test=%zu,step=%zu%s",
                     s->train, s->test, s->step,
                     s->rolling ? ",rolling" : "");
        break;
    default:
        n = snprintf(buf, size, "none");
        break;
    }
    if (n < 0)
        return 0;
    size_t len = (size_t)n;
    if (s->embargo > 0) {
        char e[32];
        kr_format_double(s->embargo, e, sizeof e);
        int m = snprintf(len < size ? buf + len : NULL,
                         len < size ? size - len : 0, ",embargo=%s", e);
        if (m > 0)
            len += (size_t)m;
    }
    return len;
}

int kr_cv_run(kr_cv *cv, const kr_cv_spec *s, const kr_cv_labels *labels,
              kr_error *err)
{
    if (!s)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "no validation scheme");
    switch (s->scheme) {
    case KR_CV_KFOLD:
        return kr_cv_kfold(cv, labels, s->k, s->embargo, err);
    case KR_CV_CPCV:
        return kr_cv_cpcv(cv, labels, s->groups, s->k, s->embargo, err);
    case KR_CV_WALK:
        return kr_cv_walk(cv, labels, s->train, s->test, s->step, s->rolling,
                          s->embargo, err);
    default:
        if (cv)
            kr_cv_free(cv);
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "no validation scheme chosen");
    }
}

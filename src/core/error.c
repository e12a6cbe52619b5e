/* error.c -- error codes, error values that say where, and quoting of input.
 *
 * A kr_error is plain data filled by kr_error_set and shown by
 * kr_error_format. Messages about outside input quote it through kr_escape so
 * that binary garbage or a 10 MB line becomes one short printable line.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kairos/core.h"

const char *kr_strerror(int code)
{
    switch (code) {
    case KR_OK: return "success";
    case KR_EINVAL: return "invalid argument";
    case KR_ENOMEM: return "out of memory";
    case KR_EIO: return "input/output error";
    case KR_ENOENT: return "not found";
    case KR_EPARSE: return "malformed input";
    case KR_ERANGE: return "value out of range";
    case KR_EFORMAT: return "unrecognised format";
    case KR_EEMPTY: return "no data";
    case KR_EUNSUPPORTED: return "not supported";
    case KR_EREJECTED: return "rejected";
    default: return "unknown error";
    }
}

void kr_error_clear(kr_error *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

static void copy_str(char *dst, size_t size, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int kr_error_set(kr_error *e, int code, const char *file, int64_t line,
                 int column, const char *field, const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    e->line = line;
    e->column = column;
    copy_str(e->file, sizeof e->file, file);
    copy_str(e->field, sizeof e->field, field);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    } else {
        copy_str(e->msg, sizeof e->msg, kr_strerror(code));
    }
    return code;
}

size_t kr_error_format(const kr_error *e, char *buf, size_t size)
{
    if (!e) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    /* With a file name the place reads "file:line:col" as compilers write it;
     * without one a bare ":12:3" would look like a missing name, so it reads
     * "line 12, column 3". A column without a line is not a place. */
    char where[400] = "";
    int w = 0;
    if (e->file[0]) {
        w = snprintf(where, sizeof where, "%.255s", e->file);
        if (e->line > 0)
            w += snprintf(where + w, sizeof where - (size_t)w, ":%lld",
                          (long long)e->line);
        if (e->line > 0 && e->column > 0)
            w += snprintf(where + w, sizeof where - (size_t)w, ":%d",
                          e->column);
    } else if (e->line > 0) {
        w = snprintf(where, sizeof where, "line %lld", (long long)e->line);
        if (e->column > 0)
            w += snprintf(where + w, sizeof where - (size_t)w, ", column %d",
                          e->column);
    }
    int n = snprintf(buf, size, "%s%s%s%.63s%s%.511s", where, w > 0 ? ": " : "",
                     e->field[0] ? "field '" : "", e->field,
                     e->field[0] ? "': " : "",
                     e->msg[0] ? e->msg : kr_strerror(e->code));
    return n < 0 ? 0 : (size_t)n;
}

/* Bytes of output one input byte becomes. */
static size_t escaped_len(unsigned char c)
{
    if (c == '\\')
        return 2;
    return c >= 0x20 && c < 0x7f ? 1 : 4;
}

char *kr_escape(const char *s, size_t len, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    if (size == 0)
        return buf;
    if (!s)
        len = 0;
    /* Input that fits whole is copied whole; otherwise the copy stops early
     * enough to end with "..." (or as many dots as a tiny buffer holds). The
     * count stops as soon as it cannot fit, so a huge input costs little. */
    size_t total = 0, i = 0;
    for (; i < len && total < size; i++)
        total += escaped_len((unsigned char)s[i]);
    bool whole = i == len && total < size;
    size_t room = whole ? size - 1 : (size >= 4 ? size - 4 : 0);
    size_t o = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t need = escaped_len(c);
        if (o + need > room)
            break;
        if (need == 1) {
            buf[o++] = (char)c;
        } else if (need == 2) {
            buf[o++] = '\\';
            buf[o++] = '\\';
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    if (!whole) {
        size_t k = size - 1 - o < 3 ? size - 1 - o : 3;
        memcpy(buf + o, "...", k);
        o += k;
    }
    buf[o] = '\0';
    return buf;
}

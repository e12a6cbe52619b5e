/* error.c -- error codes, error values that say where, and quoting of input.
 *
 * A kr_error is plain data filled by kr_error_set and shown by
 * kr_error_format. Messages about outside input quote it through kr_escape so
 * that binary garbage or a 10 MB line becomes one short printable line.
 */
#include <stdarg.h>
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
    char where[400] = "";
    size_t w = 0;
    if (e->file[0])
        w += (size_t)snprintf(where + w, sizeof where - w, "%s", e->file);
    if (e->line > 0 && w < sizeof where)
        w += (size_t)snprintf(where + w, sizeof where - w, ":%lld",
                              (long long)e->line);
    if (e->line > 0 && e->column > 0 && w < sizeof where)
        w += (size_t)snprintf(where + w, sizeof where - w, ":%d", e->column);
    int n = snprintf(buf, size, "%s%s%s%s%s%s", where, w ? ": " : "",
                     e->field[0] ? "field '" : "", e->field,
                     e->field[0] ? "': " : "",
                     e->msg[0] ? e->msg : kr_strerror(e->code));
    return n < 0 ? 0 : (size_t)n;
}

char *kr_escape(const char *s, size_t len, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (size == 0)
        return buf;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : (c == '\\' ? 2 : 4);
        if (o + need + 4 > size) { /* room for "..." and NUL */
            if (o + 4 <= size) {
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
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
    buf[o] = '\0';
    return buf;
}

/* log.c -- levelled logging to stderr, as text or JSON lines.
 *
 * One global sink: a level, a format and a stream. Text records are meant for
 * a person at a terminal; JSON records (one object per line, keys ts, level,
 * component, msg) for a log shipper. JSON strings are built by jansson so
 * escaping is always right. A mutex keeps records from interleaving when I/O
 * threads log.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kairos/core.h"

static int g_level = KR_LOG_INFO;
static int g_format = KR_LOG_FORMAT_TEXT;
static FILE *g_stream;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"trace", "debug", "info",
                                          "warn",  "error", "off"};

void kr_log_set_level(int level)
{
    if (level >= KR_LOG_TRACE && level <= KR_LOG_OFF)
        g_level = level;
}

int kr_log_get_level(void) { return g_level; }

void kr_log_set_format(int format)
{
    if (format == KR_LOG_FORMAT_TEXT || format == KR_LOG_FORMAT_JSON)
        g_format = format;
}

void kr_log_set_stream(FILE *f) { g_stream = f; }

int kr_log_level_parse(const char *s, int *level)
{
    for (int i = KR_LOG_TRACE; i <= KR_LOG_OFF; i++) {
        if (s && !strcasecmp(s, level_names[i])) {
            *level = i;
            return KR_OK;
        }
    }
    if (s && !strcasecmp(s, "warning")) {
        *level = KR_LOG_WARN;
        return KR_OK;
    }
    return KR_EINVAL;
}

int kr_log_format_parse(const char *s, int *format)
{
    if (s && !strcasecmp(s, "text")) {
        *format = KR_LOG_FORMAT_TEXT;
        return KR_OK;
    }
    if (s && !strcasecmp(s, "json")) {
        *format = KR_LOG_FORMAT_JSON;
        return KR_OK;
    }
    return KR_EINVAL;
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0 when
 * the bytes there are not one: overlong forms, surrogates and code points
 * above U+10FFFF are refused, as jansson refuses them. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Copies the first n bytes of `s` into out (at least 3 * n + 1 bytes) with
 * every byte that is not part of well-formed UTF-8 replaced by U+FFFD,
 * so that a JSON record is written even for a message quoting binary input. */
static const char *utf8_repair(const char *s, size_t n, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

/* Writes the wall-clock time with milliseconds, always with the fraction, so
 * that text records line up: "2020-01-02T03:04:05.123Z". */
static void log_time(char *ts, size_t size)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    kr_ts t = (kr_ts)now.tv_sec * KR_NS_PER_SEC;
    size_t n = kr_time_format(t, KR_TIME_ISO, ts, size);
    if (n >= 1 && n + 4 < size) /* replace the 'Z' by ".mmmZ" */
        snprintf(ts + n - 1, size - (n - 1), ".%03dZ",
                 (int)(now.tv_nsec / KR_NS_PER_MS));
}

/* core.h declares kr_vlog without a format attribute; saying here that fmt
 * is a printf format lets clang check the vsnprintf below instead of
 * rejecting it as a non-literal format. */
void kr_vlog(int level, const char *component, const char *fmt, va_list ap)
    KR_PRINTF(3, 0);

void kr_vlog(int level, const char *component, const char *fmt, va_list ap)
{
    if (level < g_level || level >= KR_LOG_OFF || level < KR_LOG_TRACE)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char ts[48];
    log_time(ts, sizeof ts);
    const char *comp = component ? component : "kairos";
    FILE *out = g_stream ? g_stream : stderr;

    pthread_mutex_lock(&g_lock);
    if (g_format == KR_LOG_FORMAT_JSON) {
        /* jansson takes only UTF-8; a message or component that is not is
         * repaired rather than dropped. */
        static char fixed_msg[3 * sizeof msg], fixed_comp[3 * 256];
        const char *jm = msg, *jc = comp;
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level",
                              level_names[level], "component", jc, "msg", jm);
        if (!o) {
            size_t nc = strlen(comp);
            if (nc > sizeof fixed_comp / 3 - 1)
                nc = sizeof fixed_comp / 3 - 1;
            jm = utf8_repair(msg, strlen(msg), fixed_msg);
            jc = utf8_repair(comp, nc, fixed_comp);
            o = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level",
                          level_names[level], "component", jc, "msg", jm);
        }
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                           JSON_ENSURE_ASCII)
                       : NULL;
        if (line) {
            fprintf(out, "%s\n", line);
            free(line);
        }
        json_decref(o);
    } else {
        char up[8];
        size_t i = 0;
        for (; level_names[level][i] && i < sizeof up - 1; i++)
            up[i] = (char)(level_names[level][i] - 'a' + 'A');
        up[i] = '\0';
        fprintf(out, "%s %-5s %s: %s\n", ts, up, comp, msg);
    }
    fflush(out);
    pthread_mutex_unlock(&g_lock);
}

void kr_log(int level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kr_vlog(level, component, fmt, ap);
    va_end(ap);
}

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

void kr_vlog(int level, const char *component, const char *fmt, va_list ap)
{
    if (level < g_level || level >= KR_LOG_OFF || level < KR_LOG_TRACE)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    kr_ts t = (kr_ts)now.tv_sec * KR_NS_PER_SEC +
              (now.tv_nsec / KR_NS_PER_MS) * KR_NS_PER_MS;
    char ts[40];
    kr_time_format(t, KR_TIME_ISO, ts, sizeof ts);
    FILE *out = g_stream ? g_stream : stderr;

    pthread_mutex_lock(&g_lock);
    if (g_format == KR_LOG_FORMAT_JSON) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level",
                              level_names[level], "component",
                              component ? component : "kairos", "msg", msg);
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
        fprintf(out, "%s %-5s %s: %s\n", ts, up,
                component ? component : "kairos", msg);
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

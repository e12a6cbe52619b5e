/* calendar.c -- trading calendars: which days are sessions.
 *
 * A calendar is a weekday mask (bit 0 = Monday) plus a sorted array of
 * holidays, all as kr_ts_day() day numbers. The one question the quality
 * checks ask in a loop is "how many sessions lie strictly between these two
 * days", so it is answered without walking the days: whole weeks contribute
 * popcount(mask) sessions each, the remaining at most six days are looked up
 * in the mask, and the holidays in the range are counted with two binary
 * searches. That makes a ten-year gap as cheap as a one-day gap. The price of
 * that shortcut is an invariant: a holiday is only kept when its weekday is a
 * session, so that every holiday in a range removes exactly one session.
 * kr_calendar_load_holidays enforces it; code that fills `holidays` by hand
 * must too.
 *
 * Holiday files are small and read whole; a load is all or nothing, merging
 * the new dates into a fresh array that replaces the old one only when every
 * line parsed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/data.h"

typedef struct preset {
    const char *name;
    uint8_t weekdays;
} preset;

static const preset presets[] = {
    {"equity", 0x1f}, /* Monday to Friday */
    {"fx", 0x1f},     /* Monday to Friday */
    {"crypto", 0x7f}, /* every day */
};

int kr_calendar_preset(const char *name, kr_calendar *cal)
{
    if (!name || !cal)
        return KR_EINVAL;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(name, presets[i].name) != 0)
            continue;
        memset(cal, 0, sizeof *cal);
        snprintf(cal->name, sizeof cal->name, "%s", presets[i].name);
        cal->weekdays = presets[i].weekdays;
        return KR_OK;
    }
    return KR_EINVAL;
}

void kr_calendar_free(kr_calendar *cal)
{
    if (!cal)
        return;
    free(cal->holidays);
    cal->holidays = NULL;
    cal->nholidays = 0;
}

/* ------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------ */

/* Index of the first holiday >= day. */
static size_t lower_bound(const int64_t *v, size_t n, int64_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool weekday_on(uint8_t mask, int64_t day)
{
    return (mask >> kr_weekday_of_day(day)) & 1;
}

bool kr_calendar_is_session(const kr_calendar *cal, int64_t day)
{
    if (!cal || !weekday_on(cal->weekdays, day))
        return false;
    if (!cal->holidays || cal->nholidays == 0)
        return true;
    size_t i = lower_bound(cal->holidays, cal->nholidays, day);
    return !(i < cal->nholidays && cal->holidays[i] == day);
}

static int popcount7(uint8_t m)
{
    int c = 0;
    for (int i = 0; i < 7; i++)
        c += (m >> i) & 1;
    return c;
}

int64_t kr_calendar_sessions_between(const kr_calendar *cal, int64_t a,
                                     int64_t b)
{
    if (!cal)
        return 0;
    /* No day of an int64 ns timestamp lies beyond +-2^32; clamping keeps the
     * arithmetic below from overflowing on garbage arguments. */
    const int64_t lim = INT64_C(1) << 32;
    a = a < -lim ? -lim : a > lim ? lim : a;
    b = b < -lim ? -lim : b > lim ? lim : b;
    if (a > b) {
        int64_t t = a;
        a = b;
        b = t;
    }
    if (b - a < 2)
        return 0;
    /* Days a+1 .. b-1: whole weeks, then the remainder from a+1 on. */
    int64_t first = a + 1, ndays = b - a - 1;
    int64_t count = (ndays / 7) * popcount7(cal->weekdays);
    int wd = kr_weekday_of_day(first);
    for (int64_t k = 0; k < ndays % 7; k++)
        count += (cal->weekdays >> ((wd + k) % 7)) & 1;
    if (cal->holidays && cal->nholidays) {
        size_t lo = lower_bound(cal->holidays, cal->nholidays, first);
        size_t hi = lower_bound(cal->holidays, cal->nholidays, b);
        count -= (int64_t)(hi - lo);
    }
    return count < 0 ? 0 : count;
}

/* ------------------------------------------------------------------------
 * Holiday files
 * ------------------------------------------------------------------------ */

static int cmp_day(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Reads the whole of `path` into a NUL-terminated buffer owned by the
 * caller. */
static int slurp(const char *path, char **out, size_t *len, kr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kr_error_set(err, errno == ENOENT ? KR_ENOENT : KR_EIO, path,
                            0, 0, NULL, "cannot open holiday file: %s",
                            strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = KR_OK;
    for (;;) {
        if (cap - n < 4096) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, ncap);
            if (!p) {
                rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL,
                                  "out of memory reading holiday file");
                goto err;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                          "cannot read holiday file");
        goto err;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return KR_OK;
err:
    fclose(f);
    free(buf);
    return rc;
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int kr_calendar_load_holidays(kr_calendar *cal, const char *path,
                              kr_error *err)
{
    if (!cal || !path)
        return kr_error_set(err, KR_EINVAL, path, 0, 0, NULL,
                            "no calendar or no holiday file given");
    if (cal->nholidays && !cal->holidays)
        return kr_error_set(err, KR_EINVAL, path, 0, 0, NULL,
                            "calendar has a holiday count but no holidays");
    char *buf = NULL;
    size_t len = 0;
    int64_t *days = NULL;
    size_t n = 0, cap = 0;
    int rc = slurp(path, &buf, &len, err);
    if (rc)
        return rc;
    /* The days already held come first, so one sort merges both. */
    cap = cal->nholidays + 64;
    days = malloc(cap * sizeof *days);
    if (!days) {
        rc = kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL, "out of memory");
        goto err;
    }
    if (cal->nholidays)
        memcpy(days, cal->holidays, cal->nholidays * sizeof *days);
    n = cal->nholidays;

    int64_t line = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *start = p, *s = p, *e = eol;
        p = eol + 1;
        const char *hash = memchr(s, '#', (size_t)(e - s));
        if (hash)
            e = hash;
        while (s < e && blank(*s))
            s++;
        while (e > s && blank(e[-1]))
            e--;
        if (s == e)
            continue;
        kr_ts t;
        if (kr_time_parse(s, (size_t)(e - s), &t) != KR_OK ||
            t % KR_NS_PER_DAY != 0) {
            char shown[64];
            int col = s - start < 100000 ? (int)(s - start) + 1 : 0;
            rc = kr_error_set(err, KR_EPARSE, path, line, col, "date",
                              "expected a date such as 2001-09-11, got '%s'",
                              kr_escape(s, (size_t)(e - s), shown,
                                        sizeof shown));
            goto err;
        }
        int64_t day = kr_ts_day(t);
        if (!weekday_on(cal->weekdays, day))
            continue;
        if (n == cap) {
            int64_t *v = realloc(days, cap * 2 * sizeof *v);
            if (!v) {
                rc = kr_error_set(err, KR_ENOMEM, path, line, 0, NULL,
                                  "out of memory");
                goto err;
            }
            days = v;
            cap *= 2;
        }
        days[n++] = day;
    }
    qsort(days, n, sizeof *days, cmp_day);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || days[i] != days[w - 1])
            days[w++] = days[i];
    free(buf);
    free(cal->holidays);
    cal->holidays = days;
    cal->nholidays = w;
    return KR_OK;
err:
    free(buf);
    free(days);
    return rc;
}

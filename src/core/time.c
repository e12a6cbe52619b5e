/* time.c -- nanosecond UTC timestamps: civil conversion, parsing, formatting.
 *
 * Timestamps are int64 nanoseconds since 1970-01-01T00:00:00Z. Civil dates use
 * Howard Hinnant's days_from_civil / civil_from_days algorithms, which are exact
 * over the whole proleptic Gregorian calendar and need no tables. Parsing is
 * hand-written because it sits on the CSV loader's hot path: one pass over the
 * bytes, no locale, no allocation, no terminator needed. Every accepted form is
 * listed in core.h (and in docs/time.md); anything else is KR_EPARSE. A valid
 * date can still lie outside int64 nanoseconds (1677-09-21 to 2262-04-11):
 * such input is rejected, never wrapped, and so is the sentinel KR_TS_NONE.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kairos/core.h"

int64_t kr_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void kr_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (mm <= 2);
    *m = mm;
    *d = dd;
}

kr_ts kr_ts_from_civil(int64_t y, unsigned mo, unsigned d, unsigned h,
                       unsigned mi, unsigned s, int64_t ns)
{
    return kr_days_from_civil(y, mo, d) * KR_NS_PER_DAY +
           (int64_t)h * KR_NS_PER_HOUR + (int64_t)mi * KR_NS_PER_MIN +
           (int64_t)s * KR_NS_PER_SEC + ns;
}

int64_t kr_ts_day(kr_ts t)
{
    int64_t d = t / KR_NS_PER_DAY;
    if (t % KR_NS_PER_DAY < 0)
        d--;
    return d;
}

int kr_weekday_of_day(int64_t day)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Reads exactly n digits at p into *v. */
static inline bool digits(const char *p, const char *end, int n, unsigned *v)
{
    if (end - p < n)
        return false;
    unsigned x = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return false;
        x = x * 10 + (unsigned)(p[i] - '0');
    }
    *v = x;
    return true;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static bool valid_date(int64_t y, unsigned m, unsigned d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days_in_month(y, m);
}

/* Fraction of a second after the '.': up to 9 digits kept, more ignored. */
static const char *fraction(const char *p, const char *end, int64_t *ns)
{
    int64_t v = 0;
    int n = 0;
    const char *q = p;
    while (q < end && is_digit(*q)) {
        if (n < 9) {
            v = v * 10 + (*q - '0');
            n++;
        }
        q++;
    }
    if (q == p)
        return NULL;
    while (n < 9) {
        v *= 10;
        n++;
    }
    *ns = v;
    return q;
}

/* Time of day: HH:MM[:SS[.f]] or HHMM[SS[.f]]. Returns the end or NULL. */
static const char *time_of_day(const char *p, const char *end, int64_t *out)
{
    unsigned h, mi, s = 0;
    int64_t ns = 0;
    if (!digits(p, end, 2, &h))
        return NULL;
    p += 2;
    bool colon = p < end && *p == ':';
    if (colon)
        p++;
    if (!digits(p, end, 2, &mi))
        return NULL;
    p += 2;
    if (colon ? (p < end && *p == ':') : (p < end && is_digit(*p))) {
        if (colon)
            p++;
        if (!digits(p, end, 2, &s))
            return NULL;
        p += 2;
        if (p < end && (*p == '.' || *p == ',')) {
            p = fraction(p + 1, end, &ns);
            if (!p)
                return NULL;
        }
    }
    if (h > 23 || mi > 59 || s > 60)
        return NULL;
    *out = (int64_t)h * KR_NS_PER_HOUR + (int64_t)mi * KR_NS_PER_MIN +
           (int64_t)s * KR_NS_PER_SEC + ns;
    return p;
}

/* Zone suffix: Z, UTC, GMT, +HH, +HHMM, +HH:MM (or '-'); returns the offset
 * east of UTC in ns. */
static const char *zone(const char *p, const char *end, int64_t *off)
{
    *off = 0;
    while (p < end && *p == ' ')
        p++;
    if (p == end)
        return p;
    if (*p == 'Z' || *p == 'z')
        return p + 1;
    if (end - p >= 3 && (!strncmp(p, "UTC", 3) || !strncmp(p, "GMT", 3)))
        p += 3;
    if (p == end)
        return p;
    if (*p != '+' && *p != '-')
        return NULL;
    int sign = *p == '-' ? -1 : 1;
    p++;
    unsigned hh, mm = 0;
    if (!digits(p, end, 2, &hh))
        return NULL;
    p += 2;
    bool colon = p < end && *p == ':';
    if (colon)
        p++;
    if (colon || (p < end && is_digit(*p))) {
        if (!digits(p, end, 2, &mm))
            return NULL;
        p += 2;
    }
    if (hh > 23 || mm > 59)
        return NULL;
    *off = sign * ((int64_t)hh * KR_NS_PER_HOUR + (int64_t)mm * KR_NS_PER_MIN);
    return p;
}

/* An epoch number; the unit follows from the count of integer digits. */
static int epoch(const char *p, const char *end, kr_ts *out)
{
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    const char *start = p;
    uint64_t v = 0;
    while (p < end && is_digit(*p)) {
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
        if (p - start > 19)
            return KR_EPARSE;
    }
    int nd = (int)(p - start);
    if (nd == 0)
        return KR_EPARSE;
    int64_t frac = 0; /* in ns of a second-sized unit, rescaled below */
    if (p < end && *p == '.') {
        p = fraction(p + 1, end, &frac);
        if (!p)
            return KR_EPARSE;
    }
    if (p != end)
        return KR_EPARSE;
    int64_t scale; /* ns per unit */
    if (nd <= 11)
        scale = KR_NS_PER_SEC;
    else if (nd <= 14)
        scale = KR_NS_PER_MS;
    else if (nd <= 17)
        scale = KR_NS_PER_US;
    else
        scale = 1;
    /* The fraction was read as ns of a second; a unit of `scale` ns keeps
     * only its first digits. The magnitude may reach INT64_MAX exactly, so a
     * negative result never lands on KR_TS_NONE. */
    int64_t f = frac / (KR_NS_PER_SEC / scale);
    if (v > (uint64_t)((INT64_MAX - f) / scale))
        return KR_EPARSE;
    int64_t t = (int64_t)v * scale + f;
    *out = neg ? -t : t;
    return KR_OK;
}

/* Sets *out to days * KR_NS_PER_DAY + ns unless the sum lies outside int64
 * (about 1677-09-21 to 2262-04-11) or is KR_TS_NONE. `ns` is a time of day
 * minus a zone offset, so it may be negative or exceed one day. */
static bool assemble(int64_t days, int64_t ns, kr_ts *out)
{
    const int64_t lim = INT64_MAX / KR_NS_PER_DAY;
    days += ns / KR_NS_PER_DAY;
    ns %= KR_NS_PER_DAY;
    if (ns < 0) {
        ns += KR_NS_PER_DAY;
        days--;
    }
    /* Now 0 <= ns < one day, and the result is days * day + ns. */
    if (days > lim || days < -lim - 1)
        return false;
    if (days == lim && ns > INT64_MAX - lim * KR_NS_PER_DAY)
        return false;
    if (days == -lim - 1) {
        /* days * day alone would overflow: take one day back out of it. */
        int64_t base = (days + 1) * KR_NS_PER_DAY;
        ns -= KR_NS_PER_DAY;
        if (ns <= INT64_MIN - base)
            return false; /* below the range, or exactly KR_TS_NONE */
        *out = base + ns;
        return true;
    }
    *out = days * KR_NS_PER_DAY + ns;
    return true;
}

int kr_time_parse_hms(const char *s, size_t len, int64_t *out)
{
    const char *p = s, *end = s + len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    int64_t v;
    const char *q = time_of_day(p, end, &v);
    if (!q || q != end)
        return KR_EPARSE;
    *out = v;
    return KR_OK;
}

int kr_time_parse(const char *s, size_t len, kr_ts *out)
{
    const char *p = s, *end = s + len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p == end)
        return KR_EPARSE;

    /* The length of the leading run of digits decides the form: 4 may start
     * a separated date, 8 is always a compact date and 14 a compact datetime
     * (a wrong month or day there is an error, never an epoch number by
     * accident: 8-digit epoch seconds would fall in 1970-1973 and 14-digit
     * epoch milliseconds after 2262), anything else is an epoch number. */
    const char *q = p, *r = p;
    while (r < end && is_digit(*r))
        r++;
    size_t nd = (size_t)(r - q);
    unsigned y = 0, m = 0, d = 0;
    int64_t tod = 0, off = 0;
    if (nd == 4 && end - q >= 10 &&
        (q[4] == '-' || q[4] == '/' || q[4] == '.') && q[7] == q[4] &&
        digits(q, end, 4, &y) && digits(q + 5, end, 2, &m) &&
        digits(q + 8, end, 2, &d)) {
        /* YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD */
        q += 10;
    } else if (nd == 8 || nd == 14) {
        digits(q, end, 4, &y);
        digits(q + 4, end, 2, &m);
        digits(q + 6, end, 2, &d);
        q += 8;
        if (nd == 14) {
            /* YYYYMMDDHHMMSS[.f]: the compact time of day follows at once. */
            q = time_of_day(q, end, &tod);
            if (!q)
                return KR_EPARSE;
        }
    } else {
        return epoch(p, end, out);
    }
    if (!valid_date(y, m, d))
        return KR_EPARSE;
    if (q < end && nd != 14 &&
        (*q == 'T' || *q == 't' || *q == ' ' || *q == '_')) {
        q++;
        while (q < end && *q == ' ')
            q++;
        q = time_of_day(q, end, &tod);
        if (!q)
            return KR_EPARSE;
    }
    if (q < end) {
        q = zone(q, end, &off);
        if (!q || q != end)
            return KR_EPARSE;
    }
    kr_ts t;
    if (!assemble(kr_days_from_civil(y, m, d), tod - off, &t))
        return KR_EPARSE;
    *out = t;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Formatting
 * ------------------------------------------------------------------------ */

size_t kr_time_format(kr_ts t, int style, char *buf, size_t size)
{
    /* Split without forming day * KR_NS_PER_DAY, which overflows for the
     * earliest representable day. */
    int64_t day = t / KR_NS_PER_DAY;
    int64_t tod = t % KR_NS_PER_DAY;
    if (tod < 0) {
        tod += KR_NS_PER_DAY;
        day--;
    }
    int64_t y;
    unsigned m, d;
    kr_civil_from_days(day, &y, &m, &d);
    if (style == KR_TIME_DATE || (style == KR_TIME_AUTO && tod == 0)) {
        int n = snprintf(buf, size, "%04lld-%02u-%02u", (long long)y, m, d);
        return n < 0 ? 0 : (size_t)n;
    }
    unsigned hh = (unsigned)(tod / KR_NS_PER_HOUR);
    unsigned mi = (unsigned)(tod / KR_NS_PER_MIN % 60);
    unsigned ss = (unsigned)(tod / KR_NS_PER_SEC % 60);
    int64_t ns = tod % KR_NS_PER_SEC;
    char frac[16] = "";
    if (ns) {
        if (ns % KR_NS_PER_MS == 0)
            snprintf(frac, sizeof frac, ".%03lld", (long long)(ns / KR_NS_PER_MS));
        else if (ns % KR_NS_PER_US == 0)
            snprintf(frac, sizeof frac, ".%06lld", (long long)(ns / KR_NS_PER_US));
        else
            snprintf(frac, sizeof frac, ".%09lld", (long long)ns);
    }
    int n = snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02u%sZ",
                     (long long)y, m, d, hh, mi, ss, frac);
    return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------------------
 * Intervals and durations
 * ------------------------------------------------------------------------ */

int kr_interval_parse(const char *s, kr_interval *out)
{
    if (!s || !out)
        return KR_EINVAL;
    const char *p = s;
    int64_t n = 0;
    bool big = false;
    if (!is_digit(*p))
        return KR_EPARSE;
    for (; is_digit(*p); p++) {
        if (!big)
            n = n * 10 + (*p - '0');
        if (n > 1000000000)
            big = true; /* keep scanning: garbage after it is still EPARSE */
    }
    static const struct {
        const char *unit;
        int64_t ns;
        int32_t months;
    } units[] = {
        {"ns", 1, 0},
        {"us", KR_NS_PER_US, 0},
        {"ms", KR_NS_PER_MS, 0},
        {"s", KR_NS_PER_SEC, 0},
        {"m", KR_NS_PER_MIN, 0},
        {"min", KR_NS_PER_MIN, 0},
        {"h", KR_NS_PER_HOUR, 0},
        {"d", KR_NS_PER_DAY, 0},
        {"w", 7 * KR_NS_PER_DAY, 0},
        {"M", 0, 1},
        {"mo", 0, 1},
        {"y", 0, 12},
    };
    size_t u = 0;
    for (; u < sizeof units / sizeof units[0]; u++)
        if (!strcmp(p, units[u].unit))
            break;
    if (u == sizeof units / sizeof units[0])
        return KR_EPARSE;
    if (big || n <= 0)
        return KR_ERANGE;
    /* Nothing longer than 100 years: keeps every product far from overflow. */
    const int64_t max_ns = 36525 * KR_NS_PER_DAY;
    kr_interval iv = {0, 0};
    if (units[u].ns) {
        if (n > max_ns / units[u].ns)
            return KR_ERANGE;
        iv.ns = n * units[u].ns;
    } else {
        if (n * units[u].months > 1200)
            return KR_ERANGE;
        iv.months = (int32_t)(n * units[u].months);
    }
    *out = iv;
    return KR_OK;
}

size_t kr_duration_format(int64_t ns, char *buf, size_t size)
{
    static const struct {
        uint64_t ns;
        const char *unit;
    } units[] = {
        {7 * KR_NS_PER_DAY, "w"}, {KR_NS_PER_DAY, "d"}, {KR_NS_PER_HOUR, "h"},
        {KR_NS_PER_MIN, "m"},     {KR_NS_PER_SEC, "s"}, {KR_NS_PER_MS, "ms"},
        {KR_NS_PER_US, "us"},     {1, "ns"},
    };
    if (ns == 0) {
        int n = snprintf(buf, size, "0s");
        return n < 0 ? 0 : (size_t)n;
    }
    /* A negative duration keeps its sign; the magnitude is taken unsigned so
     * that INT64_MIN has one too. */
    uint64_t mag = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;
    size_t i = 0;
    while (mag % units[i].ns != 0)
        i++; /* ends at the last unit, 1 ns, at the latest */
    int n = snprintf(buf, size, "%s%llu%s", ns < 0 ? "-" : "",
                     (unsigned long long)(mag / units[i].ns), units[i].unit);
    return n < 0 ? 0 : (size_t)n;
}

size_t kr_interval_format(kr_interval iv, char *buf, size_t size)
{
    if (iv.months) {
        int n = iv.months % 12 == 0
                    ? snprintf(buf, size, "%dy", iv.months / 12)
                    : snprintf(buf, size, "%dM", iv.months);
        return n < 0 ? 0 : (size_t)n;
    }
    return kr_duration_format(iv.ns, buf, size);
}

/* util.c -- small helpers every domain shares: aligned column memory, a
 * monotonic clock, and shortest round-trip formatting of doubles.
 */
#define _DEFAULT_SOURCE /* madvise */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kairos/core.h"

void *kr_alloc_aligned(size_t size)
{
    if (size == 0)
        size = 64;
    if (size > SIZE_MAX - 63)
        return NULL; /* rounding up would wrap to a tiny block */
    size = (size + 63) & ~(size_t)63;
    return aligned_alloc(64, size);
}

void kr_free_aligned(void *p) { free(p); }

int64_t kr_monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * KR_NS_PER_SEC + t.tv_nsec;
}

size_t kr_format_double(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    /* Search in a local buffer so that a short `buf` still gets the length of
     * the shortest form, as snprintf would report it. %.17g of a double is at
     * most 24 bytes ("-1.2345678901234567e-308"). */
    char tmp[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (n < 0 || (size_t)n >= sizeof tmp)
            return 0;
        if (strtod(tmp, NULL) == v)
            break;
    }
    if (size) {
        size_t k = (size_t)n < size ? (size_t)n : size - 1;
        memcpy(buf, tmp, k);
        buf[k] = '\0';
    }
    return (size_t)n;
}

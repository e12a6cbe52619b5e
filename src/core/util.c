/* util.c -- small helpers every domain shares: aligned column memory, a
 * monotonic clock, and shortest round-trip formatting of doubles.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kairos/core.h"

void *kr_alloc_aligned(size_t size)
{
    if (size == 0)
        size = 64;
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
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, v);
        if (n < 0)
            return 0;
        if ((size_t)n < size && strtod(buf, NULL) == v)
            break;
    }
    return (size_t)n;
}

/* bench_synth.c -- synthetic data throughput: kr_synth_write_csv of 10
 * million one-minute bars to /dev/null.
 *
 * The figure covers the whole generator (six Gaussian draws and six exp()
 * per bar, rounding to the tick) and the CSV formatting, but not the disk:
 * the output goes to /dev/null so that the number describes kairos, not the
 * storage under it. The options are those of bench_csv's 10M-row file, so
 * the two benchmarks describe the same data. There is no peer in this run:
 * no common tool writes this model.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kairos/data.h"

#define REPEAT 3
#define ROWS 10000000

int main(void)
{
    FILE *f = fopen("/dev/null", "wb");
    if (!f) {
        perror("bench_synth: /dev/null");
        return 1;
    }
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.seed = 42;
    o.rows = ROWS;
    o.interval.ns = KR_NS_PER_MIN;
    memcpy(o.calendar, "crypto", 7);
    double best = INFINITY;
    for (int i = 0; i < REPEAT; i++) {
        kr_error err;
        kr_error_clear(&err);
        int64_t t0 = kr_monotonic_ns();
        int rc = kr_synth_write_csv(&o, f, &err);
        double t = (double)(kr_monotonic_ns() - t0) * 1e-9;
        if (rc) {
            fprintf(stderr, "bench_synth: %s\n", err.msg);
            fclose(f);
            return 1;
        }
        if (t < best)
            best = t;
    }
    fclose(f);
    fprintf(stderr, "bench_synth: %d rows in %.3fs (best of %d)\n", ROWS, best,
            REPEAT);
    printf("{\"name\":\"data.synth_10m\",\"unit\":\"rows/s\","
           "\"kairos\":%.0f}\n", ROWS / best);
    return 0;
}

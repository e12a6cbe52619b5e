/* fuzz_csv.c -- libFuzzer target for the CSV loader.
 *
 * Any byte string goes through kr_csv_load_mem; when it loads, the result is
 * pushed through everything that consumes a dataset (sorting, de-duplication,
 * interval detection, the quality checks) so that a malformed file that slips
 * past the loader cannot crash what comes after it. Invariants of a loaded
 * dataset are asserted: every row counted once, finite prices, increasing
 * source lines within a series.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "kairos/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kr_dataset ds;
    kr_error err;
    if (kr_csv_load_mem((const char *)data, size, "fuzz.csv", NULL, &ds,
                        &err) != KR_OK) {
        if (err.code >= 0 || err.msg[0] == '\0')
            abort(); /* a failure must say what went wrong */
        return 0;
    }
    size_t rows = 0;
    for (size_t s = 0; s < ds.nbars; s++) {
        kr_bars *b = &ds.bars[s];
        rows += b->n;
        for (size_t i = 0; i < b->n; i++) {
            if (!isfinite(b->open[i]) || !isfinite(b->close[i]) ||
                !isfinite(b->volume[i]))
                abort();
            if (i && b->line[i] <= b->line[i - 1])
                abort();
        }
        kr_findings f;
        kr_findings_init(&f);
        kr_quality_opts qo;
        kr_quality_opts_init(&qo);
        kr_quality_check_bars(b, &qo, &f);
        kr_findings_free(&f);
        kr_bars_interval(b);
        kr_bars_sort(b);
        kr_bars_dedupe(b);
        if (!kr_bars_is_sorted_unique(b))
            abort();
    }
    for (size_t s = 0; s < ds.nquotes; s++)
        rows += ds.quotes[s].n;
    if (rows != ds.rows || ds.rows == 0)
        abort();
    kr_findings f;
    kr_findings_init(&f);
    kr_quality_opts qo;
    kr_quality_opts_init(&qo);
    kr_quality_check(&ds, &qo, &f);
    kr_findings_free(&f);
    kr_dataset_free(&ds);
    return 0;
}

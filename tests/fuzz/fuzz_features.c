/* fuzz_features.c -- libFuzzer target for the feature-spec parser and the
 * label option parsers.
 *
 * The input, cut at its first NUL, goes through kr_featureset_parse. A
 * failure must carry KR_EINVAL and a message and leave the set empty; a
 * success must give at least one item, unique non-empty column names, as
 * many names as the items' columns, and a look-back that is the largest of
 * the items'. A parsed set is then computed over a fixed 64-bar series, so
 * that every kind, indicator and window the fuzzer reaches also runs (under
 * the sanitizers in `make fuzz`); the compute must succeed with the set's
 * shape. The same bytes go to the triple-barrier and horizon option
 * parsers, whose failures must carry a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/features.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kr_bars bars;
static int have_bars;

static void make_bars(void)
{
    if (have_bars)
        return;
    if (kr_bars_init(&bars, 0, 64, 0))
        abort();
    double c = 100;
    for (int i = 0; i < 64; i++) {
        c *= 1 + 0.01 * ((i * 37 % 11) - 5) / 5.0;
        if (kr_bars_push(&bars, (kr_ts)i * KR_NS_PER_HOUR, c, c * 1.01,
                         c * 0.99, c, 100 + i % 7, 0, 0))
            abort();
    }
    have_bars = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_bars();
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    kr_featureset fs;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_featureset_parse(s, &fs, &err);
    if (rc != KR_OK) {
        if (rc != KR_EINVAL || err.msg[0] == '\0' || fs.n || fs.ncols ||
            fs.names)
            abort();
    } else {
        if (fs.n == 0 || fs.ncols < fs.n)
            abort();
        size_t cols = 0, lb = 0;
        for (size_t i = 0; i < fs.n; i++) {
            if (fs.v[i].col != cols || fs.v[i].ncols == 0)
                abort();
            cols += fs.v[i].ncols;
            if (fs.v[i].lookback > lb)
                lb = fs.v[i].lookback;
        }
        if (cols != fs.ncols || lb != kr_featureset_lookback(&fs))
            abort();
        for (size_t c = 0; c < fs.ncols; c++) {
            if (!fs.names[c] || !fs.names[c][0])
                abort();
            for (size_t d = 0; d < c; d++)
                if (!strcmp(fs.names[c], fs.names[d]))
                    abort();
        }
        kr_feature_matrix m;
        kr_feature_matrix_init(&m);
        if (kr_featureset_compute(&fs, &bars, &m) != KR_OK ||
            m.nrows != bars.n || m.ncols != fs.ncols)
            abort();
        kr_feature_matrix_free(&m);
    }
    kr_featureset_free(&fs);

    kr_triple_barrier tb;
    kr_triple_barrier_init(&tb);
    if (kr_triple_barrier_parse(s, &tb, &err) != KR_OK && err.msg[0] == '\0')
        abort();
    kr_horizon hz;
    kr_horizon_init(&hz);
    if (kr_horizon_parse(s, &hz, &err) != KR_OK && err.msg[0] == '\0')
        abort();
    free(s);
    return 0;
}

/* test_stream.c -- for every indicator in the table, the stream fed bar by
 * bar gives the batch's numbers bit for bit, whatever the chunking, with a
 * state block that is self-contained; and the edges (no bars, fewer bars
 * than the warm-up, NaN inputs) are safe.
 *
 * Each table entry runs with the parameter sets of tt_param_sets (defaults,
 * minimum periods, long periods) on the S&P 500 series and the two synthetic
 * ones of oracle.h. Checked:
 *   - the stream fed bar by bar equals the batch at every bar and output,
 *     bit for bit (NaN equals NaN, whatever its payload);
 *   - fed in chunks of 1, 2, 3, 5, 13, 100 and 1024 bars, with the state
 *     block copied to a fresh allocation between chunks and the old one
 *     poisoned and freed: the state holds no pointer into itself and no
 *     position, and ASan sees any use of the old block;
 *   - no look-ahead: the batch over the first k bars, with inputs copied
 *     into blocks of exactly k values, equals the full batch's first k rows,
 *     for k at every chunk boundary of the 100- and 1024-bar chunkings and
 *     at the small ones up to 40 bars past the warm-up;
 *   - _start equals the first bar with any output defined on clean data
 *     (outputs may start later, as ADX's does after its DIs);
 *   - n == 0 and n <= _start: rc 0, every output NaN, no access out of
 *     bounds (ASan: inputs and outputs are allocated to exactly n);
 *   - NaN inputs (single bars, a run, every column) do not crash, and batch
 *     and stream still agree bar by bar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "kairos/ta.h"
#include "oracle.h"

#define NSERIES 3
#define MAX_SETS 4

static const size_t chunks[] = {1, 2, 3, 5, 13, 100, 1024};
#define NCHUNKS (sizeof chunks / sizeof chunks[0])

static tt_series series[NSERIES];

/* A state block for `size` bytes, 64-byte aligned like kr_ta_stream's. */
static void *state_alloc(size_t size)
{
    size_t rounded = (size + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    assert_non_null(p);
    memset(p, 0xA5, rounded ? rounded : 64); /* init must set what it uses */
    return p;
}

/* Output columns of exactly n doubles each. */
static void outputs_alloc(const kr_ta_info *info, size_t n, double **out)
{
    for (int k = 0; k < info->noutputs; k++) {
        out[k] = malloc(n ? n * sizeof(double) : 1);
        assert_non_null(out[k]);
    }
}

static void outputs_free(const kr_ta_info *info, double **out)
{
    for (int k = 0; k < info->noutputs; k++)
        free(out[k]);
}

static void batch(const kr_ta_info *info, const double *params, size_t n,
                  const double *const *in, double **out)
{
    assert_int_equal(info->batch(n, in, params, out), KR_OK);
}

/* Feeds bars [0, n) to the stream in chunks of `chunk` (0: all at once),
 * moving the state to a fresh block between chunks, and compares every
 * output with `want`. Returns the number of differing values. */
static size_t stream_vs(const kr_ta_info *info, const double *params,
                        size_t n, const double *const *in,
                        double *const *want, size_t chunk, const char *what)
{
    size_t size = info->stream_size(params);
    void *st = state_alloc(size);
    assert_int_equal(info->stream_init(st, params), KR_OK);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (chunk && i && i % chunk == 0) {
            void *fresh = state_alloc(size);
            memcpy(fresh, st, size);
            memset(st, 0x5A, size);
            free(st);
            st = fresh;
        }
        double x[KR_TA_MAX_INPUTS], y[KR_TA_MAX_OUTPUTS];
        for (int k = 0; k < info->ninputs; k++)
            x[k] = in[k][i];
        info->stream_next(st, x, y);
        for (int k = 0; k < info->noutputs; k++) {
            if (tt_same(y[k], want[k][i]))
                continue;
            if (bad++ < 3) {
                char spec[128];
                tt_spec(info, params, spec, sizeof spec);
                print_error("%s on %s (chunks of %zu): output %s, bar %zu: "
                            "stream %.17g, batch %.17g\n",
                            spec, what, chunk, info->outputs[k], i, y[k],
                            want[k][i]);
            }
        }
    }
    free(st);
    return bad;
}

/* The batch over the first k bars, inputs copied to exactly k values, must
 * equal the first k rows of the full batch. */
static size_t prefix_vs(const kr_ta_info *info, const double *params,
                        size_t k, const double *const *in,
                        double *const *full, const char *what)
{
    double *pin[KR_TA_MAX_INPUTS], *pout[KR_TA_MAX_OUTPUTS];
    for (int j = 0; j < info->ninputs; j++) {
        pin[j] = malloc(k ? k * sizeof(double) : 1);
        assert_non_null(pin[j]);
        memcpy(pin[j], in[j], k * sizeof(double));
    }
    outputs_alloc(info, k, pout);
    batch(info, params, k, (const double *const *)pin, pout);
    size_t bad = 0;
    for (int o = 0; o < info->noutputs; o++)
        for (size_t i = 0; i < k; i++)
            if (!tt_same(pout[o][i], full[o][i]) && bad++ < 3) {
                char spec[128];
                tt_spec(info, params, spec, sizeof spec);
                print_error("%s on the first %zu bars of %s: output %s, bar "
                            "%zu: %.17g, on all bars %.17g (look-ahead?)\n",
                            spec, k, what, info->outputs[o], i, pout[o][i],
                            full[o][i]);
            }
    outputs_free(info, pout);
    for (int j = 0; j < info->ninputs; j++)
        free(pin[j]);
    return bad;
}

static size_t leading_nans(const double *y, size_t n)
{
    size_t i = 0;
    while (i < n && isnan(y[i]))
        i++;
    return i;
}

/* ------------------------------------------------------------------------
 * Tests, one per indicator
 * ------------------------------------------------------------------------ */

static void test_stream_equals_batch(void **state)
{
    const kr_ta_info *info = *state;
    double sets[MAX_SETS][KR_TA_MAX_PARAMS];
    int nsets = tt_param_sets(info, sets, MAX_SETS);
    assert_true(nsets >= 1);
    size_t bad = 0, values = 0, prefixes = 0;
    for (int s = 0; s < NSERIES; s++) {
        const tt_series *ser = &series[s];
        const size_t n = ser->n;
        const double *in[KR_TA_MAX_INPUTS];
        tt_inputs(info, ser, in);
        for (int j = 0; j < nsets; j++) {
            const double *p = sets[j];
            double *out[KR_TA_MAX_OUTPUTS];
            outputs_alloc(info, n, out);
            batch(info, p, n, in, out);
            values += n * (size_t)info->noutputs;

            /* Bar by bar, then in chunks with the state moved between. */
            bad += stream_vs(info, p, n, in, out, 0, ser->name);
            for (size_t c = 0; c < NCHUNKS; c++)
                bad += stream_vs(info, p, n, in, out, chunks[c], ser->name);

            /* _start is the first bar with any output. */
            size_t first = n;
            for (int k = 0; k < info->noutputs; k++) {
                size_t lead = leading_nans(out[k], n);
                if (lead < first)
                    first = lead;
            }
            int start = info->start(p);
            if (first < n && (size_t)start != first) {
                char spec[128];
                tt_spec(info, p, spec, sizeof spec);
                print_error("%s on %s: _start says %d, the first output is "
                            "at bar %zu\n",
                            spec, ser->name, start, first);
                bad++;
            }

            /* No look-ahead: prefixes at chunk boundaries. */
            size_t near = (size_t)(start > 0 ? start : 0) + 40;
            unsigned char *seen = calloc(n + 1, 1);
            assert_non_null(seen);
            for (size_t c = 0; c < NCHUNKS; c++)
                for (size_t k = chunks[c]; k < n; k += chunks[c]) {
                    if (chunks[c] < 100 && k > near)
                        break;
                    if (seen[k]++)
                        continue;
                    bad += prefix_vs(info, p, k, in, out, ser->name);
                    prefixes++;
                }
            free(seen);
            outputs_free(info, out);
        }
    }
    print_message("stream %-16s %d param sets x %d series: %zu values bit "
                  "for bit in 8 feedings, %zu prefixes\n",
                  info->name, nsets, NSERIES, values, prefixes);
    if (bad)
        fail_msg("%s: %zu differences (first ones above)", info->name, bad);
}

static void test_short_inputs(void **state)
{
    const kr_ta_info *info = *state;
    double sets[MAX_SETS][KR_TA_MAX_PARAMS];
    int nsets = tt_param_sets(info, sets, MAX_SETS);
    for (int j = 0; j < nsets; j++) {
        const double *p = sets[j];
        int start = info->start(p);
        assert_true(start >= 0);
        size_t lens[] = {0, 1, (size_t)start / 2, (size_t)start};
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            size_t n = lens[l];
            if (n > (size_t)start)
                continue; /* start 0: only n == 0 is all warm-up */
            double *in[KR_TA_MAX_INPUTS], *out[KR_TA_MAX_OUTPUTS];
            for (int k = 0; k < info->ninputs; k++) {
                in[k] = malloc(n ? n * sizeof(double) : 1);
                assert_non_null(in[k]);
                if (n)
                    memcpy(in[k], series[0].col[info->inputs[k]],
                           n * sizeof(double));
            }
            outputs_alloc(info, n, out);
            int rc = info->batch(n, (const double *const *)in, p, out);
            char why[300] = "";
            for (int k = 0; k < info->noutputs && !why[0]; k++)
                for (size_t i = 0; i < n && !why[0]; i++)
                    if (!isnan(out[k][i]))
                        snprintf(why, sizeof why,
                                 "output %s is %.17g at bar %zu, expected "
                                 "NaN",
                                 info->outputs[k], out[k][i], i);
            outputs_free(info, out);
            for (int k = 0; k < info->ninputs; k++)
                free(in[k]);
            if (rc != KR_OK || why[0]) {
                char spec[128];
                tt_spec(info, p, spec, sizeof spec);
                fail_msg("%s over %zu bars (start %d): %s", spec, n, start,
                         rc != KR_OK ? "batch failed" : why);
            }
        }
    }
}

static void test_nan_inputs(void **state)
{
    const kr_ta_info *info = *state;
    const tt_series *src = &series[0];
    const size_t n = 600;
    tt_series s;
    tt_series_alloc(&s, "sp500+NaN", n);
    for (int k = 0; k < TT_NCOLS; k++)
        memcpy(s.col[k], src->col[k], n * sizeof(double));
    /* A lone NaN early in each price column, one in volume, a run of NaN
     * closes, and one bar with every column NaN (the day column stays a
     * number: it is a clock, not a price). */
    s.col[KR_TA_CLOSE][3] = NAN;
    s.col[KR_TA_HIGH][50] = NAN;
    s.col[KR_TA_LOW][51] = NAN;
    s.col[KR_TA_OPEN][52] = NAN;
    s.col[KR_TA_VOLUME][60] = NAN;
    for (size_t i = 200; i < 215; i++)
        s.col[KR_TA_CLOSE][i] = NAN;
    for (int k = 0; k < KR_TA_DAY; k++)
        s.col[k][400] = NAN;

    double sets[MAX_SETS][KR_TA_MAX_PARAMS];
    int nsets = tt_param_sets(info, sets, MAX_SETS);
    size_t bad = 0;
    for (int j = 0; j < nsets; j++) {
        const double *in[KR_TA_MAX_INPUTS];
        double *out[KR_TA_MAX_OUTPUTS];
        tt_inputs(info, &s, in);
        outputs_alloc(info, n, out);
        batch(info, sets[j], n, in, out);
        bad += stream_vs(info, sets[j], n, in, out, 7, s.name);
        outputs_free(info, out);
    }
    tt_series_free(&s);
    if (bad)
        fail_msg("%s: batch and stream disagree on NaN inputs (%zu values)",
                 info->name, bad);
}

/* ------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    char msg[512];
    if (tt_series_sp500(&series[0], msg, sizeof msg)) {
        print_error("%s\n", msg);
        return -1;
    }
    tt_series_flat(&series[1], 3000, 20240601);
    tt_series_gaps(&series[2], 3000, 19870819);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int s = 0; s < NSERIES; s++)
        tt_series_free(&series[s]);
    return 0;
}

int main(void)
{
    size_t n;
    const kr_ta_info *table = kr_ta_table(&n);
    struct CMUnitTest *tests = calloc(3 * n + 1, sizeof *tests);
    char(*names)[64] = calloc(3 * n + 1, sizeof *names);
    if (!tests || !names)
        return 1;
    static const struct {
        const char *what;
        CMUnitTestFunction fn;
    } kinds[] = {
        {"stream", test_stream_equals_batch},
        {"short", test_short_inputs},
        {"nan", test_nan_inputs},
    };
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 3; k++) {
            snprintf(names[t], sizeof names[t], "%s_%s", kinds[k].what,
                     table[i].name);
            tests[t].name = names[t];
            tests[t].test_func = kinds[k].fn;
            tests[t].initial_state = (void *)&table[i];
            t++;
        }
    int rc = _cmocka_run_group_tests("ta_stream", tests, t, group_setup,
                                     group_teardown);
    free(names);
    free(tests);
    return rc;
}

/* fuzz_model.c -- libFuzzer target for what kairos reads of a model file
 * and the research option parsers.
 *
 * The input goes whole to the flat evaluator's compiler (the XGBoost JSON
 * model reader behind kr_model_load and the registry): a refusal must come
 * with a message and leave nothing allocated; an accepted forest must have
 * features and predict, for a row of zeros, a row of NaNs (every default
 * branch) and a row of huge values, finite or NaN-free margins without
 * reading outside its arrays (the sanitizers watch). The same bytes, cut at
 * the first NUL, go to the cross-validation spec parser and to the gate's
 * rule setter, whose failures must carry a message and change nothing.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/validate.h"
#include "ml/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kr__flat f;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr__flat_compile(&f, (const char *)data, size, "fuzz", &err);
    if (rc) {
        if (!err.msg[0])
            abort();
    } else {
        /* The compiler's own bound is KR__FLAT_FEATURE_MASK. */
        if (f.nfeatures == 0 || f.nfeatures > KR__FLAT_FEATURE_MASK)
            abort();
        /* A model may claim up to 2^31 features; predict only those a
         * fuzzing process can hold a row for. */
        float *row = f.nfeatures <= (1u << 20)
                         ? malloc(f.nfeatures * sizeof *row)
                         : NULL;
        const float fill[] = {0.0f, NAN, 3.0e38f, -3.0e38f};
        for (size_t k = 0; row && k < sizeof fill / sizeof fill[0]; k++) {
            for (size_t j = 0; j < f.nfeatures; j++)
                row[j] = fill[k];
            float m = kr__flat_margin(&f, row);
            float p = kr__flat_transform(&f, m);
            (void)p;
        }
        free(row);
        kr__flat_free(&f);
    }

    size_t n = strnlen((const char *)data, size);
    char *text = malloc(n + 1);
    if (!text)
        abort();
    memcpy(text, data, n);
    text[n] = '\0';
    kr_cv_spec s, before;
    kr_cv_spec_init(&s);
    before = s;
    kr_error_clear(&err);
    if (kr_cv_spec_parse(&s, text, "--scheme", &err)) {
        if (!err.msg[0] || memcmp(&s, &before, sizeof s))
            abort();
    }
    kr_gate g, g0;
    kr_gate_init(&g);
    g0 = g;
    kr_error_clear(&err);
    if (kr_gate_set(&g, "min_sharpe", text, &err)) {
        if (!err.msg[0] || memcmp(&g, &g0, sizeof g))
            abort();
    }
    free(text);
    return 0;
}

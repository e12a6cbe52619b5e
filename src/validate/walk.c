/* walk.c -- walk-forward splits, expanding and rolling.
 *
 * The test blocks march forward from row `train` in steps of `step` rows,
 * each `test` rows long (the last one cut at n), and each trains on what
 * came before it: every earlier row (expanding) or the `train` rows just
 * before the block (rolling). Training never sees rows after its test
 * block, so only purging acts: an earlier sample whose label resolves
 * inside the block would leak the block's outcome and is dropped.
 */
#include "internal.h"

int kr_cv_walk(kr_cv *cv, const kr_cv_labels *labels, size_t train,
               size_t test, size_t step, int rolling, double embargo,
               kr_error *err)
{
    kr__cv_builder b;
    int rc = kr__cv_begin(&b, cv, labels, embargo, KR_CV_WALK, err);
    if (rc != KR_OK)
        return rc;
    size_t n = labels->n;
    if (train < 1 || train >= n)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "train",
                                              "expected 1 <= train < %zu "
                                              "(the samples), got %zu",
                                              n, train));
    if (test < 1)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "test",
                                              "expected test >= 1, got 0"));
    if (step < 1)
        return kr__cv_finish(&b, kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                              "step",
                                              "expected step >= 1, got 0"));
    for (size_t t = train; t < n && rc == KR_OK; t += step) {
        size_t range[2] = {t, test < n - t ? t + test : n};
        rc = kr__cv_add_split(&b, range, 1, rolling ? t - train : 0, t, NULL,
                              0);
        if (step > n - t)
            break;
    }
    if (rc != KR_OK)
        kr_error_set(err, rc, NULL, 0, 0, NULL, "out of memory");
    return kr__cv_finish(&b, rc);
}

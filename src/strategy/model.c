/* model.c -- the model strategy: trades the registry's live model.
 *
 * At each bar it computes the live model's feature set over the symbol's
 * recent history (kr_ctx_history: nothing after the bar), predicts the
 * probability that the label is up with a kr_predictor, and wants long
 * above the threshold, short below its mirror when shorts are allowed, and
 * flat otherwise; the shared order logic of the built-ins trades it.
 *
 * The features are computed over a trailing window of max(10 x the set's
 * look-back, 1000) bars rather than the whole history, so a bar costs the
 * same however long the run: exact for every windowed feature, and for the
 * recursive ones (an RSI's smoothing) the start's influence has decayed far
 * below float precision by then. A promote while the strategy runs is
 * picked up by kr_predictor_refresh between bars (the predictor never
 * blocks a prediction).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/features.h"
#include "kairos/ml.h"
#include "kairos/strategy.h"
#include "strategy/internal.h"

typedef struct model_strat {
    kr__strat b; /* first */
    kr_registry *reg;
    kr_predictor *pred;
    kr_featureset fs;
    kr_feature_matrix m;
    float *row;
    double threshold;
    size_t window;
    uint64_t bars;
} model_strat;

static int model_start(void *self, kr_ctx *ctx)
{
    model_strat *s = self;
    return kr__strat_start(&s->b, ctx);
}

static int model_bar(void *self, kr_ctx *ctx, uint32_t symbol,
                     const kr_bar *bar)
{
    model_strat *s = self;
    int held;
    const int may = kr__strat_bar(&s->b, ctx, symbol, bar, &held);
    if (!may)
        return KR_OK;
    /* A promote or rollback elsewhere is picked up now and then. */
    if (++s->bars % 256 == 0 && kr_predictor_refresh(s->pred, NULL))
        return KR_OK;
    kr_bar_view v;
    if (kr_ctx_history(ctx, symbol, &v) || v.n <= s->fs.lookback)
        return KR_OK;
    size_t w = v.n < s->window ? v.n : s->window, off = v.n - w;
    kr_bars view;
    memset(&view, 0, sizeof view);
    view.symbol = symbol;
    view.n = view.cap = w;
    view.ts = (kr_ts *)(v.ts + off);
    view.open = (double *)(v.open + off);
    view.high = (double *)(v.high + off);
    view.low = (double *)(v.low + off);
    view.close = (double *)(v.close + off);
    view.volume = (double *)(v.volume + off);
    int rc = kr_featureset_compute(&s->fs, &view, &s->m);
    if (rc)
        return rc;
    for (size_t c = 0; c < s->fs.ncols; c++) {
        double x = s->m.data[c * s->m.stride + (w - 1)];
        if (!isfinite(x))
            return KR_OK;
        s->row[c] = (float)x;
    }
    float p;
    if (kr_predictor_predict(s->pred, s->row, s->fs.ncols, &p, NULL))
        return KR_OK;
    int want = p > s->threshold ? 1
               : (p < 1.0 - s->threshold && s->b.allow_short) ? -1 : 0;
    return kr__strat_want(&s->b, ctx, symbol, bar, held, want, 0.0);
}

static void model_destroy(void *self)
{
    model_strat *s = self;
    kr_predictor_close(s->pred);
    kr_registry_close(s->reg);
    kr_feature_matrix_free(&s->m);
    kr_featureset_free(&s->fs);
    free(s->row);
    kr__strat_free(&s->b);
    free(s);
}

static const kr_strategy_ops model_ops = {
    .name = "model",
    .on_start = model_start,
    .on_bar = model_bar,
    .destroy = model_destroy,
};

int kr_strategy_model(const char *registry, double threshold,
                      const kr_sizing *sizing, int allow_short,
                      kr_strategy *out, kr_error *err)
{
    if (!registry || !out || !(threshold >= 0.5 && threshold < 1))
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "threshold",
                            "the model strategy needs a registry and a "
                            "threshold from 0.5 to below 1");
    model_strat *s = calloc(1, sizeof *s);
    if (!s)
        return KR_ENOMEM;
    kr_featureset_init(&s->fs);
    kr_feature_matrix_init(&s->m);
    if (sizing)
        s->b.sizing = *sizing;
    else
        kr_sizing_init(&s->b.sizing);
    s->b.allow_short = allow_short != 0;
    s->b.name = "model";
    s->threshold = threshold;
    char live[32] = "";
    kr_model_meta meta;
    int rc = kr_registry_open(registry, 5, &s->reg, err);
    if (!rc && (kr_registry_live(s->reg, live, sizeof live) || !live[0]))
        rc = kr_error_set(err, KR_ENOENT, registry, 0, 0, "registry",
                          "no live model: promote one first");
    if (!rc)
        rc = kr_registry_meta(s->reg, live, &meta, err);
    if (!rc)
        rc = kr_featureset_parse(meta.features, &s->fs, err);
    if (!rc)
        rc = kr_predictor_open(s->reg, &kr_model_kind_xgb, &s->pred, err);
    if (!rc && !(s->row = malloc((s->fs.ncols ? s->fs.ncols : 1) *
                                 sizeof *s->row)))
        rc = KR_ENOMEM;
    if (rc) {
        model_destroy(s);
        return rc;
    }
    s->window = 10 * s->fs.lookback > 1000 ? 10 * s->fs.lookback : 1000;
    out->ops = &model_ops;
    out->self = s;
    return KR_OK;
}

/* json.c -- metrics.json: the statistics of a run as one JSON object.
 *
 * The keys come from the one table of metrics (kr_bt_metric_count, _name,
 * _value in engine.h), in its order, so a metric added there appears here
 * with no change. JSON has no NaN or infinity: a statistic the data leave
 * undefined (NaN, per docs/statistics.md) or unbounded (a profit factor with
 * no loss) is written as null. Numbers are jansson reals, printed with 17
 * significant digits, which read back as the same double.
 *
 * After the metrics come "strategy" (the spec as given, or null) and
 * "settings", an object made of the info's "key=value" strings split at the
 * first '='; a key given more than once (several data files) maps to an
 * array of its values in order, and a string without '=' maps to "".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/internal.h"

static int add_setting(json_t *obj, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    const char *val = eq ? eq + 1 : "";
    char *key = malloc(klen + 1);
    if (key == NULL)
        return KR_ENOMEM;
    memcpy(key, kv, klen);
    key[klen] = '\0';
    int rc = KR_OK;
    json_t *v = json_string(val);
    if (v == NULL) {
        /* Not UTF-8: keep the bytes as jansson can take them. */
        v = json_stringn_nocheck(val, strlen(val));
    }
    json_t *old = json_object_get(obj, key);
    if (v == NULL) {
        rc = KR_ENOMEM;
    } else if (old == NULL) {
        if (json_object_set_new_nocheck(obj, key, v) != 0)
            rc = KR_ENOMEM;
    } else if (json_is_array(old)) {
        if (json_array_append_new(old, v) != 0)
            rc = KR_ENOMEM;
    } else {
        json_t *arr = json_array();
        if (arr == NULL || json_array_append(arr, old) != 0 ||
            json_array_append_new(arr, v) != 0 ||
            json_object_set_new_nocheck(obj, key, arr) != 0) {
            json_decref(arr);
            rc = KR_ENOMEM;
        }
    }
    free(key);
    return rc;
}

int kr_report_metrics_json(FILE *f, const kr_bt_metrics *m,
                           const kr_report_info *info)
{
    if (f == NULL)
        return KR_EINVAL;
    int rc = KR_ENOMEM;
    json_t *root = json_object();
    json_t *settings = json_object();
    if (root == NULL || settings == NULL)
        goto err;
    size_t count = kr_bt_metric_count();
    for (size_t i = 0; i < count; i++) {
        const char *name = kr_bt_metric_name(i);
        double v = m ? kr_bt_metric_value(m, i) : NAN;
        json_t *jv = isfinite(v) ? json_real(v) : json_null();
        if (name == NULL || jv == NULL ||
            json_object_set_new(root, name, jv) != 0)
            goto err;
    }
    json_t *strategy = info && info->strategy ? json_string(info->strategy)
                                              : json_null();
    if (strategy == NULL && info && info->strategy)
        strategy = json_stringn_nocheck(info->strategy,
                                        strlen(info->strategy));
    if (strategy == NULL || json_object_set_new(root, "strategy", strategy))
        goto err;
    for (size_t i = 0; info && info->settings && i < info->nsettings; i++) {
        if (info->settings[i] &&
            (rc = add_setting(settings, info->settings[i])) != KR_OK)
            goto err;
    }
    rc = KR_ENOMEM;
    if (json_object_set(root, "settings", settings) != 0)
        goto err;
    if (json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0) {
        rc = KR_EIO;
        goto err;
    }
    fputc('\n', f);
    rc = ferror(f) ? KR_EIO : KR_OK;
err:
    json_decref(settings);
    json_decref(root);
    return rc;
}

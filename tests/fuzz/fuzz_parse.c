/* fuzz_parse.c -- libFuzzer target for the small parsers of outside input.
 *
 * The first byte picks the parser, the rest is its input: timestamps and
 * times of day, intervals, indicator specs ("macd:12,26,9" from the command
 * line; the same text also as --slippage and --commission cost specs),
 * corporate-actions files and holiday files (written to a temporary
 * file, since those loaders take a path). Each must either succeed with a
 * value that survives its own round trip, or fail with an error code and,
 * where it reports one, a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kairos/data.h"
#include "kairos/engine.h"
#include "kairos/ta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the input to a temporary file; returns its path or NULL. */
static const char *as_file(const uint8_t *d, size_t n, char *path, size_t size)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/kr-fuzz-XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    ssize_t w = n ? write(fd, d, n) : 0;
    close(fd);
    if (w != (ssize_t)n) {
        unlink(path);
        return NULL;
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    char buf[512], path[256];
    kr_error err;
    switch (data[0] % 5) {
    case 0: {
        kr_ts t, back;
        if (kr_time_parse(s, n, &t) == KR_OK) {
            size_t len = kr_time_format(t, KR_TIME_ISO, buf, sizeof buf);
            if (kr_time_parse(buf, len, &back) != KR_OK || back != t)
                abort(); /* what we print must read back */
        }
        int64_t tod;
        if (kr_time_parse_hms(s, n, &tod) == KR_OK &&
            (tod < 0 || tod > 86400 * KR_NS_PER_SEC))
            abort();
        break;
    }
    case 1: {
        if (n >= sizeof buf)
            break;
        memcpy(buf, s, n);
        buf[n] = '\0';
        kr_interval iv, back;
        if (kr_interval_parse(buf, &iv) == KR_OK) {
            char text[64];
            kr_interval_format(iv, text, sizeof text);
            if (kr_interval_parse(text, &back) != KR_OK ||
                back.ns != iv.ns || back.months != iv.months)
                abort();
        }
        break;
    }
    case 2: {
        if (n >= sizeof buf)
            break;
        memcpy(buf, s, n);
        buf[n] = '\0';
        const kr_ta_info *info;
        double params[KR_TA_MAX_PARAMS];
        if (kr_ta_parse_spec(buf, &info, params, &err) == KR_OK) {
            char name[256];
            for (int o = 0; o < info->noutputs; o++)
                kr_ta_column_name(info, params, o, name, sizeof name);
            if (kr_ta_check_params(info, params, NULL) != KR_OK)
                abort(); /* parse_spec only returns checked parameters */
        } else if (err.msg[0] == '\0') {
            abort();
        }
        /* The same text as a --slippage and a --commission spec: either a
         * model within the documented ranges, or an error with a message
         * and the model untouched. */
        kr_cost_model m, before;
        kr_cost_model_init(&m);
        before = m;
        kr_error_clear(&err);
        if (kr_cost_parse_slippage(&m, buf, "--slippage", &err) == KR_OK) {
            if (m.slip < KR_SLIP_NONE || m.slip > KR_SLIP_SQRT ||
                !(m.spread_fraction >= 0 && m.spread_fraction <= 1) ||
                !(m.spread_factor >= 0 && m.spread_factor <= 1) ||
                !(m.impact_k >= 0) || !(m.impact_sigma >= 0))
                abort();
        } else if (err.msg[0] == '\0' || memcmp(&m, &before, sizeof m)) {
            abort();
        }
        kr_cost_model_init(&m);
        kr_error_clear(&err);
        if (kr_cost_parse_commission(&m, buf, 2, "--commission", &err) ==
            KR_OK) {
            if (m.comm == KR_COMM_TIERED &&
                (m.ntiers < 1 || m.ntiers > KR_COMM_MAX_TIERS ||
                 m.tiers[0].threshold != 0))
                abort();
            for (size_t i = 1; i < m.ntiers; i++)
                if (m.tiers[i].threshold <= m.tiers[i - 1].threshold)
                    abort();
        } else if (err.msg[0] == '\0' || memcmp(&m, &before, sizeof m)) {
            abort();
        }
        break;
    }
    case 3: {
        if (!as_file((const uint8_t *)s, n, path, sizeof path))
            break;
        kr_actions a;
        if (kr_actions_load(path, &a, &err) == KR_OK) {
            for (size_t i = 1; i < a.n; i++)
                if (a.v[i].ts < a.v[i - 1].ts)
                    abort(); /* sorted by ex-date */
            kr_actions_free(&a);
        } else if (err.msg[0] == '\0') {
            abort();
        }
        unlink(path);
        break;
    }
    default: {
        if (!as_file((const uint8_t *)s, n, path, sizeof path))
            break;
        kr_calendar cal;
        kr_calendar_preset("equity", &cal);
        if (kr_calendar_load_holidays(&cal, path, &err) != KR_OK &&
            err.msg[0] == '\0')
            abort();
        kr_calendar_free(&cal);
        unlink(path);
        break;
    }
    }
    return 0;
}

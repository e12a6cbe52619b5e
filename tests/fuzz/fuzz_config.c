/* fuzz_config.c -- libFuzzer target for the YAML run-config loader.
 *
 * Any byte string goes through kr_config_parse. A failure must carry a
 * negative code, a message and a line; a success must hold at most
 * KR_CONFIG_MAX_ENTRIES entries with distinct keys of at most
 * KR_CONFIG_MAX_DEPTH components, 1-based positions, and every key must be
 * found again by kr_config_get. The input also goes through once more as a
 * strategy spec and a sizing spec (its first line), so the spec parsers see
 * the same garbage.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/core.h"
#include "kairos/strategy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kr_config c;
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_config_parse(&c, (const char *)data, size, "fuzz.yaml", &err);
    if (rc != KR_OK) {
        if (rc >= 0 || err.code != rc || err.msg[0] == '\0')
            abort();
        if (rc == KR_EPARSE && err.line < 1)
            abort();
        if (c.n != 0 || c.items != NULL)
            abort();
    } else {
        if (c.n > KR_CONFIG_MAX_ENTRIES)
            abort();
        for (size_t i = 0; i < c.n; i++) {
            const kr_config_entry *e = &c.items[i];
            if (!e->key || !e->value || !e->key[0] || e->line < 1 ||
                e->column < 1)
                abort();
            if (kr_config_get(&c, e->key) != e)
                abort(); /* a duplicate would be found first */
        }
    }
    kr_config_free(&c);

    /* The first line, at most 255 bytes, as specs. */
    char line[256];
    size_t n = 0;
    while (n < size && n < sizeof line - 1 && data[n] != '\n' && data[n])
        n++;
    memcpy(line, data, n);
    line[n] = '\0';
    kr_strategy s = {0};
    if (kr_strategy_create(line, NULL, 1, &s, "--strategy", &err) == KR_OK)
        kr_strategy_destroy(&s);
    else if (err.msg[0] == '\0' || strcmp(err.field, "--strategy"))
        abort();
    kr_sizing z;
    if (kr_sizing_parse(line, &z, "--size", &err) != KR_OK &&
        (err.msg[0] == '\0' || strcmp(err.field, "--size")))
        abort();
    return 0;
}

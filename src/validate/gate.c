/* gate.c -- the promotion gate: thresholds a run must meet to be promoted.
 *
 * One table lists the rules in the order they are checked, each naming its
 * threshold in kr_gate, the metric it reads in kr_gate_metrics, whether the
 * bound is a floor or a ceiling, and how many decimals its message shows.
 * kr_gate_check, kr_gate_set and kr_gate_rule_name all read the table, so
 * a new rule is one row (and one field in each struct). The first failing
 * rule is reported as the risk checks report theirs, "rule: metric value
 * below bound", and that text is what a promotion log keeps. A rule that
 * is on refuses an undefined (NaN) metric: a gate that cannot tell must
 * not pass.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gate_rule {
    const char *name;   /* the rule, as kr_gate_set takes it */
    const char *metric; /* the metric, as the message names it */
    size_t bound;       /* offsetof in kr_gate */
    size_t value;       /* offsetof in kr_gate_metrics */
    int is_max;         /* 1: value <= bound; 0: value >= bound */
    int decimals;       /* in the message */
} gate_rule;

#define RULE(n, m, max, d)                                                    \
    {#n, #m, offsetof(kr_gate, n), offsetof(kr_gate_metrics, m), max, d}

static const gate_rule rules[] = {
    RULE(min_trades, trades, 0, 0),
    RULE(min_sharpe, sharpe, 0, 2),
    RULE(min_psr, psr, 0, 4),
    RULE(min_dsr, dsr, 0, 4),
    RULE(max_drawdown, max_drawdown, 1, 4),
    RULE(min_profit_factor, profit_factor, 0, 2),
    RULE(min_win_rate, win_rate, 0, 4),
    RULE(max_pbo, pbo, 1, 4),
};

_Static_assert(sizeof rules / sizeof rules[0] == KR_GATE_RULES,
               "every field of kr_gate needs a row in rules");
_Static_assert(sizeof(kr_gate) == KR_GATE_RULES * sizeof(double),
               "kr_gate holds one double per rule");

static double *bound_of(kr_gate *g, size_t i)
{
    return (double *)((char *)g + rules[i].bound);
}

static double get(const void *base, size_t off)
{
    double v;
    memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

void kr_gate_metrics_init(kr_gate_metrics *m)
{
    m->trades = m->sharpe = m->psr = m->dsr = NAN;
    m->max_drawdown = m->profit_factor = m->win_rate = m->pbo = NAN;
}

void kr_gate_init(kr_gate *g)
{
    for (size_t i = 0; i < KR_GATE_RULES; i++)
        *bound_of(g, i) = NAN;
}

const char *kr_gate_rule_name(size_t i)
{
    return i < KR_GATE_RULES ? rules[i].name : NULL;
}

int kr_gate_set(kr_gate *g, const char *name, const char *value,
                kr_error *err)
{
    char q[96];
    if (!g || !name || !value)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "gate",
                            "no gate, rule or value");
    size_t i = 0;
    while (i < KR_GATE_RULES && strcmp(rules[i].name, name) != 0)
        i++;
    if (i == KR_GATE_RULES)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "gate",
                            "unknown rule '%s' (expected min_trades, "
                            "min_sharpe, min_psr, min_dsr, max_drawdown, "
                            "min_profit_factor, min_win_rate or max_pbo)",
                            kr_escape(name, strlen(name), q, sizeof q));
    if (strcmp(value, "off") == 0) {
        *bound_of(g, i) = NAN;
        return KR_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end || errno || !isfinite(v) || v < 0)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, rules[i].name,
                            "expected a number >= 0 or 'off', got '%s'",
                            kr_escape(value, strlen(value), q, sizeof q));
    *bound_of(g, i) = v;
    return KR_OK;
}

int kr_gate_check(const kr_gate *g, const kr_gate_metrics *m, int *rule,
                  char *reason, size_t size)
{
    if (reason && size)
        reason[0] = '\0';
    if (rule)
        *rule = -1;
    if (!g || !m)
        return KR_EINVAL;
    for (size_t i = 0; i < KR_GATE_RULES; i++) {
        const gate_rule *r = &rules[i];
        double b = get(g, r->bound), v = get(m, r->value);
        if (isnan(b))
            continue;
        int ok = r->is_max ? v <= b : v >= b; /* false for a NaN value */
        if (ok)
            continue;
        if (rule)
            *rule = (int)i;
        if (reason && size) {
            if (isnan(v))
                snprintf(reason, size, "%s: %s undefined, need %s %.*f",
                         r->name, r->metric, r->is_max ? "<=" : ">=",
                         r->decimals, b);
            else
                snprintf(reason, size, "%s: %s %.*f %s %.*f", r->name,
                         r->metric, r->decimals, v,
                         r->is_max ? "above" : "below", r->decimals, b);
        }
        return KR_EREJECTED;
    }
    return KR_OK;
}

/* strategies.c -- `kairos strategies`: the built-in strategies, their
 * parameters, defaults and ranges, from the library's one table (as text,
 * or as the Markdown table docs/strategies.md carries). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/strategy.h"

static const char usage_text[] =
    "usage: kairos strategies [--markdown]\n"
    "\n"
    "Lists the built-in strategies with their parameters, defaults and\n"
    "ranges. Use one as --strategy NAME:KEY=VALUE,... in 'kairos backtest'\n"
    "and 'kairos sweep'.\n"
    "\n"
    "  --markdown   as a Markdown table\n"
    "  -h, --help   this help\n";

int kr_cmd_strategies(int argc, char **argv)
{
    int md = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage_text, stdout);
            return KR_EXIT_OK;
        }
        if (!strcmp(argv[i], "--markdown"))
            md = 1;
        else {
            char q[96];
            return kr_cli_fail("strategies: unknown argument '%s' (try "
                               "'kairos strategies --help')",
                               kr_escape(argv[i], strlen(argv[i]), q,
                                         sizeof q));
        }
    }
    if (md)
        puts("| strategy | rule | parameters (default, range) |\n|---|---|---|");
    for (size_t i = 0; i < kr_strategy_count(); i++) {
        const kr_strategy_info *s = kr_strategy_info_at(i);
        if (md) {
            printf("| `%s` | %s | ", s->name, s->summary);
            for (size_t k = 0; k < s->nparams; k++)
                printf("%s`%s`=%g (%g..%g)", k ? ", " : "", s->params[k].name,
                       s->params[k].def, s->params[k].min, s->params[k].max);
            puts(" |");
            continue;
        }
        printf("%s\n  %s\n", s->name, s->summary);
        for (size_t k = 0; k < s->nparams; k++)
            printf("  %-8s %-10g %g..%g%s  %s\n", s->params[k].name,
                   s->params[k].def, s->params[k].min, s->params[k].max,
                   s->params[k].integer ? " (whole)" : "", s->params[k].help);
        printf("  e.g. kairos backtest --strategy %s", s->name);
        for (size_t k = 0; k < s->nparams; k++)
            printf("%c%s=%g", k ? ',' : ':', s->params[k].name,
                   s->params[k].def);
        puts("\n");
    }
    return KR_EXIT_OK;
}

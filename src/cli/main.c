/* main.c -- the kairos command: global options, then dispatch through the
 * table in commands.h.
 *
 *   kairos [--log-level L] [--log-format text|json] GROUP COMMAND [ARGS...]
 *
 * Global options come before the command. `kairos --help` and `kairos GROUP
 * --help` are generated from the table, so a new command needs one line there
 * and one file. A group whose command has an empty name is a command by
 * itself (`kairos ta FILE ...`): it gets every argument after the group,
 * --help included.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"

#ifndef KR_GIT
#define KR_GIT "unknown"
#endif

typedef struct command {
    const char *group;
    const char *name;
    const char *synopsis;
    const char *summary;
    int (*run)(int argc, char **argv);
} command;

#define KR_CMD_ENTRY(id, group, name, synopsis, summary)                       \
    {group, name, synopsis, summary, kr_cmd_##id},
static const command commands[] = {KR_COMMANDS(KR_CMD_ENTRY)};
#undef KR_CMD_ENTRY
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f, const char *group)
{
    if (!group) {
        fprintf(f,
                "kairos %s -- algorithmic trading engine: data, research, "
                "backtest, live\n\n"
                "usage: kairos [--log-level LEVEL] [--log-format text|json] "
                "COMMAND [ARGS...]\n\n"
                "commands:\n",
                KR_VERSION);
    } else {
        fprintf(f, "usage: kairos %s COMMAND [ARGS...]\n\ncommands:\n", group);
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (group && strcmp(group, commands[i].group))
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s%s%s", commands[i].group,
                 commands[i].name[0] ? " " : "", commands[i].name);
        fprintf(f, "  %-16s %s\n", name, commands[i].summary);
    }
    fprintf(f,
            "\nglobal options:\n"
            "  --log-level LEVEL    trace, debug, info (default), warn, error, "
            "off\n"
            "                       (these two may also follow the command)\n"
            "  --log-format FORMAT  text (default) or json (one object per "
            "line)\n"
            "  -h, --help           this help; 'kairos COMMAND --help' for a "
            "command\n"
            "  -V, --version        version and build\n\n"
            "exit status: 0 ok, 1 the command found problems, 2 usage or I/O "
            "error\n");
}

static bool is_group(const char *s)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(s, commands[i].group))
            return true;
    return false;
}

/* Takes --log-level and --log-format (with "=VALUE" or a separate VALUE) out
 * of argv wherever they stand before a "--", so that they work before or
 * after the command, and applies them. Returns -1 when all is well, else an
 * exit status. */
static int take_log_options(int *argc, char **argv)
{
    int w = 1;
    bool rest = false;
    for (int r = 1; r < *argc; r++) {
        const char *a = argv[r];
        if (rest || strcmp(a, "--") == 0) {
            rest = true;
            argv[w++] = argv[r];
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t klen = eq ? (size_t)(eq - a) : strlen(a);
        bool lvl = klen == 11 && !strncmp(a, "--log-level", klen);
        bool fmt = klen == 12 && !strncmp(a, "--log-format", klen);
        if (!lvl && !fmt) {
            argv[w++] = argv[r];
            continue;
        }
        const char *val;
        if (eq)
            val = eq + 1;
        else if (r + 1 < *argc)
            val = argv[++r];
        else
            return kr_cli_fail("option '%s' needs a value", a);
        int v;
        if (lvl) {
            if (kr_log_level_parse(val, &v))
                return kr_cli_fail("--log-level: expected trace, debug, info, "
                                   "warn, error or off, got '%s'", val);
            kr_log_set_level(v);
        } else {
            if (kr_log_format_parse(val, &v))
                return kr_cli_fail("--log-format: expected text or json, got "
                                   "'%s'", val);
            kr_log_set_format(v);
        }
    }
    *argc = w;
    argv[w] = NULL;
    return -1;
}

int main(int argc, char **argv)
{
    int status = take_log_options(&argc, argv);
    if (status >= 0)
        return status;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout, NULL);
            return KR_EXIT_OK;
        }
        if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("kairos %s (%s)\n", KR_VERSION, KR_GIT);
            return KR_EXIT_OK;
        }
        return kr_cli_fail("unknown option '%s' (try 'kairos --help')", a);
    }
    if (i >= argc) {
        usage(stderr, NULL);
        return KR_EXIT_USAGE;
    }
    const char *group = argv[i];
    if (!is_group(group))
        return kr_cli_fail("unknown command '%s' (try 'kairos --help')",
                           group);
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (!strcmp(group, commands[c].group) && !commands[c].name[0])
            return commands[c].run(argc - i, argv + i);
    if (i + 1 >= argc || !strcmp(argv[i + 1], "--help") ||
        !strcmp(argv[i + 1], "-h")) {
        bool asked = i + 1 < argc;
        usage(asked ? stdout : stderr, group);
        return asked ? KR_EXIT_OK : KR_EXIT_USAGE;
    }
    const char *name = argv[i + 1];
    for (size_t c = 0; c < NCOMMANDS; c++) {
        if (!strcmp(group, commands[c].group) &&
            !strcmp(name, commands[c].name))
            return commands[c].run(argc - i - 1, argv + i + 1);
    }
    return kr_cli_fail("unknown command '%s %s' (try 'kairos %s --help')",
                       group, name, group);
}
